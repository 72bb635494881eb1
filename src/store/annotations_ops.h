/*
 * annotations_ops.h - the annotations part of the backend vtable (see store_int.h):
 * one function pointer per as_store_* call of the annotations API; the
 * wrappers in src/store/annotations.c are the only callers.
 */
#ifndef ASSAY_STORE_ANNOTATION_OPS_H
#define ASSAY_STORE_ANNOTATION_OPS_H

#include "assay/store_annotations.h"
#include "store_int.h"

struct as_annotation_ops {
    const char *name;
    as_rc (*upsert)(as_store *, as_annot_target, const as_annotation *, size_t,
                    int64_t *, as_err *);
    as_rc (*list)(as_store *, const as_annotation_query *, json_t **, bool *,
                  as_err *);
    as_rc (*remove)(as_store *, const as_annotation_delete *, int64_t *,
                    as_err *);
    as_rc (*config_list)(as_store *, int64_t, int, json_t **, bool *, as_err *);
    as_rc (*config_get)(as_store *, int64_t, const char *, json_t **, as_err *);
    as_rc (*config_create)(as_store *, const json_t *, json_t **, as_err *);
    as_rc (*config_update)(as_store *, int64_t, const json_t *, json_t **,
                           as_err *);
    as_rc (*config_delete)(as_store *, int64_t, json_t **, as_err *);
};

#endif
