/*
 * observe.c - the observability store API (include/assay/store_observe.h):
 * one-line dispatch to the backend.
 */
#include "observe_ops.h"

as_rc as_store_observe_traces(as_store *st, const as_obs_scan *q,
                              as_obs_trace_fn fn, void *ud, bool *truncated,
                              as_err *err) {
    return st->ops->observe->traces(st, q, fn, ud, truncated, err);
}

as_rc as_store_observe_trace_totals(as_store *st, const as_obs_scan *q,
                                    as_obs_totals_fn fn, void *ud,
                                    as_err *err) {
    return st->ops->observe->totals(st, q, fn, ud, err);
}

as_rc as_store_observe_annotations(as_store *st, int64_t project_id,
                                   int64_t start_ns, int64_t end_ns,
                                   as_obs_annotation_fn fn, void *ud,
                                   as_err *err) {
    return st->ops->observe->annotations(st, project_id, start_ns, end_ns, fn,
                                         ud, err);
}
