/*
 * experiments_ops.h - the experiments part of the backend vtable (see store_int.h):
 * one function pointer per as_store_* call of the experiments API; the
 * wrappers in src/store/experiments.c are the only callers.
 */
#ifndef ASSAY_STORE_EXPERIMENT_OPS_H
#define ASSAY_STORE_EXPERIMENT_OPS_H

#include "assay/store_experiments.h"
#include "store_int.h"

struct as_experiment_ops {
    const char *name;
    as_rc (*create)(as_store *, int64_t, const json_t *, json_t **, as_err *);
    as_rc (*get)(as_store *, int64_t, json_t **, as_err *);
    as_rc (*set_status)(as_store *, int64_t, const char *, const char *,
                        as_err *);
    as_rc (*with_status)(as_store *, const char *, json_t **, as_err *);
    as_rc (*run_upsert)(as_store *, int64_t, const json_t *, json_t **,
                        as_err *);
    as_rc (*evaluation_upsert)(as_store *, const json_t *, json_t **,
                               as_err *);
    as_rc (*incomplete_runs)(as_store *, int64_t, int64_t, int, json_t **,
                             bool *, as_err *);
    as_rc (*incomplete_evaluations)(as_store *, int64_t, const as_str_list *,
                                    int64_t, int, json_t **, bool *,
                                    as_err *);
    as_rc (*list)(as_store *, int64_t, int64_t, int, json_t **, int64_t *,
                  as_err *);
    as_rc (*update)(as_store *, int64_t, const json_t *, json_t **, as_err *);
    as_rc (*del)(as_store *, int64_t, bool, as_err *);
    as_rc (*run_list)(as_store *, int64_t, int64_t, int, json_t **, bool *,
                      as_err *);
    as_rc (*export_rows)(as_store *, int64_t, json_t **, as_err *);
};

#endif
