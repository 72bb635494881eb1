/*
 * annotations_ops.h - the annotations part of the backend vtable (see store_int.h):
 * one function pointer per as_store_* call of the annotations API; the
 * wrappers in src/store/annotations.c are the only callers.
 */
#ifndef ASSAY_STORE_ANNOTATION_OPS_H
#define ASSAY_STORE_ANNOTATION_OPS_H

#include "store_int.h"

struct as_annotation_ops {
    const char *name;
};

#endif
