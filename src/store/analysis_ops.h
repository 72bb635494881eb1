/*
 * analysis_ops.h - the analysis part of the backend vtable (see store_int.h):
 * one function pointer per as_store_* call of the analysis API; the
 * wrappers in src/store/analysis.c are the only callers.
 */
#ifndef ASSAY_STORE_ANALYSIS_OPS_H
#define ASSAY_STORE_ANALYSIS_OPS_H

#include "store_int.h"

struct as_analysis_ops {
    const char *name;
};

#endif
