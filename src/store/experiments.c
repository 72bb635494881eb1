/*
 * experiments.c - the public experiments API (include/assay/store_experiments.h):
 * one-line dispatch to the backend's experiments vtable.
 */
#include "experiments_ops.h"

#define X(st) ((st)->ops->experiments)

as_rc as_store_experiment_create(as_store *st, int64_t ds, const json_t *spec,
                                 json_t **row, as_err *err) {
    return X(st)->create(st, ds, spec, row, err);
}
as_rc as_store_experiment_get(as_store *st, int64_t id, json_t **row,
                              as_err *err) {
    return X(st)->get(st, id, row, err);
}
as_rc as_store_experiment_set_status(as_store *st, int64_t id,
                                     const char *status, const char *message,
                                     as_err *err) {
    return X(st)->set_status(st, id, status, message, err);
}
as_rc as_store_experiments_with_status(as_store *st, const char *status,
                                       json_t **rows, as_err *err) {
    return X(st)->with_status(st, status, rows, err);
}
as_rc as_store_run_upsert(as_store *st, int64_t exp, const json_t *run,
                          json_t **row, as_err *err) {
    return X(st)->run_upsert(st, exp, run, row, err);
}
as_rc as_store_evaluation_upsert(as_store *st, const json_t *ev, json_t **row,
                                 as_err *err) {
    return X(st)->evaluation_upsert(st, ev, row, err);
}
as_rc as_store_experiment_incomplete_runs(as_store *st, int64_t exp,
                                          int64_t after, int limit,
                                          json_t **rows, bool *has_next,
                                          as_err *err) {
    return X(st)->incomplete_runs(st, exp, after, limit, rows, has_next, err);
}
as_rc as_store_experiment_incomplete_evaluations(as_store *st, int64_t exp,
                                                 const as_str_list *names,
                                                 int64_t after, int limit,
                                                 json_t **rows, bool *has_next,
                                                 as_err *err) {
    return X(st)->incomplete_evaluations(st, exp, names, after, limit, rows,
                                         has_next, err);
}
as_rc as_store_experiment_list(as_store *st, int64_t ds, int64_t before,
                               int limit, json_t **rows, int64_t *next,
                               as_err *err) {
    return X(st)->list(st, ds, before, limit, rows, next, err);
}
as_rc as_store_experiment_update(as_store *st, int64_t id, const json_t *patch,
                                 json_t **row, as_err *err) {
    return X(st)->update(st, id, patch, row, err);
}
as_rc as_store_experiment_delete(as_store *st, int64_t id, bool del_project,
                                 as_err *err) {
    return X(st)->del(st, id, del_project, err);
}
as_rc as_store_run_list(as_store *st, int64_t exp, int64_t after, int limit,
                        json_t **rows, bool *has_next, as_err *err) {
    return X(st)->run_list(st, exp, after, limit, rows, has_next, err);
}
as_rc as_store_experiment_export(as_store *st, int64_t exp, json_t **rows,
                                 as_err *err) {
    return X(st)->export_rows(st, exp, rows, err);
}
