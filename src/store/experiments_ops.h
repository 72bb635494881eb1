/*
 * experiments_ops.h - the experiments part of the backend vtable (see store_int.h):
 * one function pointer per as_store_* call of the experiments API; the
 * wrappers in src/store/experiments.c are the only callers.
 */
#ifndef ASSAY_STORE_EXPERIMENT_OPS_H
#define ASSAY_STORE_EXPERIMENT_OPS_H

#include "store_int.h"

struct as_experiment_ops {
    const char *name;
};

#endif
