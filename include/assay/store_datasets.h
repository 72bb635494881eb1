/*
 * store_datasets.h - datasets, their versions and examples (Phoenix's
 * model: an example's content lives in one revision per version that
 * changed it; see migration 2 in src/store/sqlite/schema.c).
 *
 * Same conventions as store.h: results are new jansson references (the
 * caller decrefs) with the neutral field names documented beside each
 * call; ids are rowids; times are unix ns.  Every write is one
 * transaction: it happens whole or not at all.
 */
#ifndef ASSAY_STORE_DATASETS_H
#define ASSAY_STORE_DATASETS_H

#include "assay/store.h"

/* dataset object: {id, name, description, metadata{}, created_at,
 * updated_at, example_count (at the latest version)} */
as_rc as_store_dataset_get(as_store *st, int64_t id, const char *name,
                           json_t **row, as_err *err);

/* example object: {id, external_id, source_span_id, input{}, output{},
 * metadata{}, revision_id, version_id (of that revision), updated_at,
 * splits[]} */
typedef struct as_example_query {
    int64_t dataset_id;
    int64_t version_id;             /* 0 = the latest version             */
    as_str_list splits;             /* split names; empty = all           */
    int64_t after_id;               /* examples with id > after_id        */
    int limit;                      /* 0 = no limit                       */
} as_example_query;

/* Examples in id order.  *version_id receives the version used (the
 * latest when q->version_id is 0); ENOTFOUND names an unknown dataset or
 * a version of another dataset. */
as_rc as_store_dataset_examples(as_store *st, const as_example_query *q,
                                json_t **rows, int64_t *version_id,
                                bool *has_next, as_err *err);

#endif
