/*
 * analysis_ops.h - the analysis part of the backend vtable (see store_int.h):
 * one function pointer per as_store_* call of the analysis API; the
 * wrappers in src/store/analysis.c are the only callers.
 */
#ifndef ASSAY_STORE_ANALYSIS_OPS_H
#define ASSAY_STORE_ANALYSIS_OPS_H

#include "assay/store_analysis.h"
#include "store_int.h"

struct as_analysis_ops {
    const char *name;
    as_rc (*experiment)(as_store *, int64_t, bool, as_an_experiment *, as_err *);
    as_rc (*experiment_by_name)(as_store *, const char *, int64_t *, as_err *);
    as_rc (*ratings_experiment)(as_store *, int64_t, const char *, const char *,
                                as_an_ratings *, as_err *);
    as_rc (*ratings_project)(as_store *, int64_t, const char *, as_an_ratings *,
                             as_err *);
    as_rc (*label_config)(as_store *, const char *, json_t **, as_err *);
};

#endif
