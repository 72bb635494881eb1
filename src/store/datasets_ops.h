/*
 * datasets_ops.h - the datasets part of the backend vtable (see store_int.h):
 * one function pointer per as_store_* call of the datasets API; the
 * wrappers in src/store/datasets.c are the only callers.
 */
#ifndef ASSAY_STORE_DATASET_OPS_H
#define ASSAY_STORE_DATASET_OPS_H

#include "assay/store_datasets.h"
#include "store_int.h"

struct as_dataset_ops {
    const char *name;
    as_rc (*get)(as_store *, int64_t, const char *, json_t **, as_err *);
    as_rc (*examples)(as_store *, const as_example_query *, json_t **,
                      int64_t *, bool *, as_err *);
    as_rc (*examples_each)(as_store *, const as_example_query *, as_example_fn,
                           void *, int64_t *, bool *, as_err *);
    as_rc (*list)(as_store *, const char *, int64_t, int, json_t **, int64_t *,
                  as_err *);
    as_rc (*del)(as_store *, int64_t, as_err *);
    as_rc (*versions)(as_store *, int64_t, int64_t, int, json_t **, int64_t *,
                      as_err *);
    as_rc (*upload)(as_store *, const as_dataset_upload *, as_upload_result *,
                    as_err *);
    as_rc (*example_edit)(as_store *, int64_t, int64_t, const as_example_edit *,
                          as_upload_result *, as_err *);
    as_rc (*span_sources)(as_store *, const int64_t *, size_t, json_t **,
                          as_err *);
    as_rc (*label_list)(as_store *, json_t **, as_err *);
    as_rc (*label_create)(as_store *, const char *, const char *, const char *,
                          json_t **, as_err *);
    as_rc (*label_get)(as_store *, int64_t, const char *, json_t **, as_err *);
    as_rc (*label_delete)(as_store *, int64_t, as_err *);
    as_rc (*set_labels)(as_store *, int64_t, const int64_t *, size_t, as_err *);
};

#endif
