/*
 * store_experiments.h - experiments over a dataset version, their runs
 * (one per example and repetition) and evaluations (one per run and
 * name), as Phoenix keeps them; plus the state of the server-side runner.
 *
 * Same conventions as store.h: results are new jansson references (the
 * caller decrefs), neutral field names, rowids, unix-ns times; each write
 * is one transaction.
 */
#ifndef ASSAY_STORE_EXPERIMENTS_H
#define ASSAY_STORE_EXPERIMENTS_H

#include "assay/store.h"

/* experiment object: {id, dataset_id, dataset_version_id, name,
 * description, repetitions, metadata{}, splits[] or null, project_name,
 * runner (object or null), status (string or null), status_message,
 * created_at, updated_at, example_count, successful_run_count,
 * failed_run_count, missing_run_count} */

/* spec: {name?, description?, metadata?, version_id? (absent or 0: the
 * latest), splits?[], repetitions? (default 1), project_name?, runner?
 * (object), status?}.  ENOTFOUND: dataset or version; EUNPROCESSABLE:
 * bad field. */
as_rc as_store_experiment_create(as_store *st, int64_t dataset_id,
                                 const json_t *spec, json_t **row,
                                 as_err *err);
as_rc as_store_experiment_get(as_store *st, int64_t id, json_t **row,
                              as_err *err);
/* The runner's state: status 'queued' | 'running' | 'done' | 'cancelled'
 * | 'failed'; message may be NULL. */
as_rc as_store_experiment_set_status(as_store *st, int64_t id,
                                     const char *status, const char *message,
                                     as_err *err);
/* Experiments whose status is `status` (e.g. 'running' at start-up). */
as_rc as_store_experiments_with_status(as_store *st, const char *status,
                                       json_t **rows, as_err *err);

/* run object: {id, experiment_id, dataset_example_id, repetition_number,
 * trace_id, output, start_time, end_time, prompt_token_count,
 * completion_token_count, cost, error}
 * run in: the same fields less id/experiment_id (output any JSON; error
 * null or a string; token counts and cost optional).
 * ENOTFOUND: experiment; EUNPROCESSABLE: the example is not in the
 * experiment's version, or the repetition is out of range; ECONFLICT: a
 * successful run exists for (example, repetition) (a failed one is
 * replaced, keeping its id, and its evaluations are deleted).  An example
 * id that does not exist at all is ENOTFOUND. */
as_rc as_store_run_upsert(as_store *st, int64_t experiment_id,
                          const json_t *run, json_t **row, as_err *err);

/* evaluation object: {id, experiment_run_id, name, annotator_kind,
 * label, score, explanation, trace_id, error, metadata{}, start_time,
 * end_time}.  Upsert on (experiment_run_id, name).  ev: the same fields
 * less id (name, annotator_kind LLM|CODE|HUMAN, start_time and end_time
 * required).  ENOTFOUND: the run; EUNPROCESSABLE: a bad field. */
as_rc as_store_evaluation_upsert(as_store *st, const json_t *ev,
                                 json_t **row, as_err *err);

/* Examples that lack a successful run for some repetition:
 * [{example: example object (store_datasets.h), repetition_numbers:[]}]
 * in example id order, after `after_example`; limit 0: all.  The example
 * set is the dataset at the experiment's version, narrowed to its splits.
 * On failure *rows is NULL. */
as_rc as_store_experiment_incomplete_runs(as_store *st, int64_t experiment_id,
                                          int64_t after_example, int limit,
                                          json_t **rows, bool *has_next,
                                          as_err *err);
/* Successful runs that lack an evaluation (or have a failed one) for
 * some of `names`: [{run: run object, example: example object,
 * evaluation_names: []}] in run id order, after `after_run`; limit 0:
 * all.  EINVAL: no names.  On failure *rows is NULL. */
as_rc as_store_experiment_incomplete_evaluations(as_store *st,
                                                 int64_t experiment_id,
                                                 const as_str_list *names,
                                                 int64_t after_run, int limit,
                                                 json_t **rows, bool *has_next,
                                                 as_err *err);

/* ---- additions for the REST front end (h_experiments.c) ------------ */

/* Experiments of a dataset, newest first: ids below `before_id` (0: from
 * the newest).  *next_id: the id of the first experiment of the next
 * page, 0 when this is the last.  ENOTFOUND: the dataset. */
as_rc as_store_experiment_list(as_store *st, int64_t dataset_id,
                               int64_t before_id, int limit, json_t **rows,
                               int64_t *next_id, as_err *err);
/* patch: {name?, description?, metadata?}; a field present is replaced
 * (name: a non-empty string; description: a string or null; metadata: an
 * object), an absent one is kept.  EUNPROCESSABLE names a bad field. */
as_rc as_store_experiment_update(as_store *st, int64_t id,
                                 const json_t *patch, json_t **row,
                                 as_err *err);
/* Delete an experiment with its runs and evaluations; with
 * delete_project, also the project of its task traces (never 'default'). */
as_rc as_store_experiment_delete(as_store *st, int64_t id,
                                 bool delete_project, as_err *err);
/* Runs in id order, ids above after_id; limit 0: all. */
as_rc as_store_run_list(as_store *st, int64_t experiment_id,
                        int64_t after_id, int limit, json_t **rows,
                        bool *has_next, as_err *err);
/* Everything an export needs, in (example id, repetition) order:
 * [{run: run object, example: example object (its revision at the
 * experiment's version), evaluations: [evaluation objects by name]}]. */
as_rc as_store_experiment_export(as_store *st, int64_t experiment_id,
                                 json_t **rows, as_err *err);

#endif
