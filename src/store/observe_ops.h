/*
 * observe_ops.h - the observability part of the backend vtable (see
 * store_int.h): one function pointer per as_store_observe_* call; the
 * wrappers in src/store/observe.c are the only callers.
 */
#ifndef ASSAY_STORE_OBSERVE_OPS_H
#define ASSAY_STORE_OBSERVE_OPS_H

#include "assay/store_observe.h"
#include "store_int.h"

struct as_observe_ops {
    const char *name;
    as_rc (*traces)(as_store *, const as_obs_scan *, as_obs_trace_fn, void *,
                    bool *, as_err *);
    as_rc (*totals)(as_store *, const as_obs_scan *, as_obs_totals_fn, void *,
                    as_err *);
    as_rc (*annotations)(as_store *, int64_t, int64_t, int64_t,
                         as_obs_annotation_fn, void *, as_err *);
};

#endif
