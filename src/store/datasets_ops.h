/*
 * datasets_ops.h - the datasets part of the backend vtable (see store_int.h):
 * one function pointer per as_store_* call of the datasets API; the
 * wrappers in src/store/datasets.c are the only callers.
 */
#ifndef ASSAY_STORE_DATASET_OPS_H
#define ASSAY_STORE_DATASET_OPS_H

#include "store_int.h"

struct as_dataset_ops {
    const char *name;
};

#endif
