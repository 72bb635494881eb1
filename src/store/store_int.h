/*
 * store_int.h - the backend vtable behind include/assay/store.h.
 *
 * A backend (src/store/sqlite/, later PostgreSQL) fills an as_store_ops
 * and embeds struct as_store as the first member of its own handle.
 * The wrappers in store.c are the only callers of these pointers.
 */
#ifndef ASSAY_STORE_INT_H
#define ASSAY_STORE_INT_H

#include "assay/store.h"

typedef struct as_store_ops {
    const char *name;
    void (*close)(as_store *);
    int (*schema_version)(as_store *);
    const char *(*path)(as_store *);
    as_rc (*write_spans)(as_store *, as_ingest_request **, size_t, as_rc *,
                         as_err *, as_err *);
    as_rc (*sync)(as_store *, as_err *);
    as_rc (*project_list)(as_store *, const char *, int64_t, int, json_t **,
                          int64_t *, as_err *);
    as_rc (*project_get)(as_store *, int64_t, const char *, json_t **, as_err *);
    as_rc (*project_create)(as_store *, const char *, const char *, json_t **,
                            as_err *);
    as_rc (*project_update)(as_store *, int64_t, const char *, json_t **,
                            as_err *);
    as_rc (*project_delete)(as_store *, int64_t, as_err *);
    as_rc (*span_query)(as_store *, const as_span_query *, json_t **, bool *,
                        int64_t *, int64_t *, as_err *);
    as_rc (*trace_query)(as_store *, const as_trace_query *, json_t **, bool *,
                         as_err *);
    as_rc (*trace_spans)(as_store *, int64_t, json_t **, as_err *);
    as_rc (*trace_get)(as_store *, int64_t, const char *, json_t **, as_err *);
    as_rc (*trace_delete)(as_store *, int64_t, as_err *);
    as_rc (*session_list)(as_store *, int64_t, bool, int64_t, int, json_t **,
                          bool *, as_err *);
    as_rc (*session_get)(as_store *, int64_t, const char *, json_t **, as_err *);
    as_rc (*session_delete)(as_store *, int64_t, as_err *);
    int64_t (*span_count)(as_store *);
    as_rc (*spans_resolve)(as_store *, const char *const *, size_t,
                           as_span_ref *, as_err *);
    /* One sub-table per subsystem, defined in src/store/<name>_ops.h. */
    const struct as_dataset_ops *datasets;
    const struct as_experiment_ops *experiments;
    const struct as_annotation_ops *annotations;
    const struct as_queue_ops *queues;
    const struct as_analysis_ops *analysis;
    const struct as_observe_ops *observe;
} as_store_ops;

struct as_store {
    const as_store_ops *ops;
};

as_rc as_sqlite_open(const as_store_config *cfg, as_store **out, as_err *err);
int as_sqlite_latest_version(void);

#endif
