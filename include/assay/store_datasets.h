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
    as_str_list splits;             /* split names or DatasetSplit
                                       GlobalIDs; empty = all              */
    int64_t after_id;               /* examples with id > after_id        */
    int limit;                      /* 0 = no limit                       */
} as_example_query;

/* Examples in id order.  *version_id receives the version used (the
 * latest when q->version_id is 0); ENOTFOUND names an unknown dataset or
 * a version of another dataset. */
as_rc as_store_dataset_examples(as_store *st, const as_example_query *q,
                                json_t **rows, int64_t *version_id,
                                bool *has_next, as_err *err);

/* ---- streaming reads ----------------------------------------------------
 * The same examples as as_store_dataset_examples, handed one at a time to
 * a callback as the stored JSON text (no jansson tree per example), for
 * listings and exports of large datasets.  Every pointer in the row is
 * borrowed and valid only during the call.  A callback error stops the
 * walk and is returned.  *has_next (may be NULL) is set when q->limit cut
 * the walk short. */
typedef struct as_example_row {
    int64_t id, revision_id, version_id;
    int64_t updated_at;             /* ns: when the revision was written  */
    const char *external_id;        /* NULL when none                     */
    const char *source_span_id;     /* 16 hex digits or NULL              */
    const char *input, *output, *metadata;  /* JSON object text           */
    size_t input_len, output_len, metadata_len;
    const char *splits;             /* JSON array text of split names     */
} as_example_row;

typedef as_rc (*as_example_fn)(void *ud, const as_example_row *ex, as_err *err);

as_rc as_store_dataset_examples_each(as_store *st, const as_example_query *q,
                                     as_example_fn fn, void *ud,
                                     int64_t *version_id, bool *has_next,
                                     as_err *err);

/* ---- datasets and versions ------------------------------------------- */

/* Newest first (Phoenix's order).  before_id: only ids < before_id
 * (0 = from the newest).  name: exact name filter or NULL.  *next_id is
 * the id the next page starts at (0 = no more). */
as_rc as_store_dataset_list(as_store *st, const char *name, int64_t before_id,
                            int limit, json_t **rows, int64_t *next_id,
                            as_err *err);
/* Deletes the dataset with its versions, examples and experiments. */
as_rc as_store_dataset_delete(as_store *st, int64_t id, as_err *err);

/* version object: {id, dataset_id, description, metadata{}, created_at},
 * newest first; before_id / next_id as for as_store_dataset_list. */
as_rc as_store_dataset_versions(as_store *st, int64_t dataset_id,
                                int64_t before_id, int limit, json_t **rows,
                                int64_t *next_id, as_err *err);

/* ---- the write path ---------------------------------------------------- */

typedef enum as_upload_action {
    AS_UPLOAD_CREATE,   /* a new dataset: ECONFLICT when the name exists */
    AS_UPLOAD_APPEND,   /* add examples: ENOTFOUND when it does not exist */
    AS_UPLOAD_UPDATE    /* create if missing, then make it match exactly  */
} as_upload_action;

/* One example handed to the store.  Borrowed: valid until the next call
 * of the source. */
typedef struct as_example_in {
    json_t *input, *output, *metadata;  /* objects (NULL = {})            */
    json_t *splits;                 /* NULL/null, a string, or an array of
                                       strings: the example's split names */
    const char *external_id;        /* stable id from the client, or NULL */
    const char *span_id;            /* 16 hex digits of a source span, or NULL */
} as_example_in;

/* The source of examples: fills *ex and returns AS_OK, or sets *end at
 * the end.  An error (e.g. a parse error naming the line) aborts the
 * upload - nothing is written - and is returned as it is. */
typedef as_rc (*as_example_next_fn)(void *ud, as_example_in *ex, bool *end,
                                    as_err *err);

typedef struct as_dataset_upload {
    const char *name;
    const char *description;        /* NULL = leave as it is              */
    as_upload_action action;
    as_example_next_fn next;
    void *ud;
} as_dataset_upload;

typedef struct as_upload_result {
    int64_t dataset_id;
    int64_t version_id;             /* the new version, or the latest one
                                       when nothing changed (0: none yet) */
    bool new_version;
    int64_t created, updated, deleted;
} as_upload_result;

/* Write the examples of one upload in one transaction.  Identity of an
 * example: its external id when given, else (update only) its content
 * hash.  Unchanged examples write nothing; a new version is made only
 * when at least one example is created, patched or deleted.  update
 * deletes the examples of the latest version the upload did not match.
 * Errors in example i are prefixed "example i: " (0-based). */
as_rc as_store_dataset_upload(as_store *st, const as_dataset_upload *up,
                              as_upload_result *res, as_err *err);

/* Edit one example of a dataset's latest version: the members given
 * replace the example's (NULL = keep; objects only), splits (NULL = keep,
 * JSON null = none, a string or an array of strings = these), or delete
 * it.  One transaction; a new version is made (with `description`, may be
 * NULL) only when something changed.  ENOTFOUND when the dataset does not
 * exist or the example is not in its latest version (already deleted, or
 * of another dataset). */
typedef struct as_example_edit {
    const json_t *input, *output, *metadata, *splits;
    bool remove;
    const char *description;        /* of the new version, or NULL        */
} as_example_edit;

as_rc as_store_dataset_example_edit(as_store *st, int64_t dataset_id,
                                    int64_t example_id,
                                    const as_example_edit *e,
                                    as_upload_result *res, as_err *err);

/* The content hash of an example: XXH3-128 (lower-case hex, 32 digits)
 * of the canonical text {"input":..,"metadata":..,"output":..} - compact
 * JSON with object keys sorted at every level.  Stable across key order
 * and whitespace.  NULL members count as {}. */
#define AS_CONTENT_HASH_LEN 32
as_rc as_dataset_content_hash(const json_t *input, const json_t *output,
                              const json_t *metadata,
                              char out[AS_CONTENT_HASH_LEN + 1], as_err *err);

/* Compact JSON text of v as examples are stored and exported: object
 * members in their order, strings as UTF-8, reals in the shortest form
 * that reads back as the same double (0.666 stays 0.666, where jansson's
 * dump writes 0.66600000000000004).  Appends to out; AS_ETOOBIG when out
 * is full. */
struct as_buf;
as_rc as_dataset_json_text(struct as_buf *out, const json_t *v);

/* ---- labels ------------------------------------------------------------
 * Labels are global names (with an optional description and #rrggbb
 * colour) attached to datasets to organise them, as in Phoenix.
 * label object: {id, name, description, color, created_at, dataset_count}.
 * Dataset objects carry labels[{id, name, color}]. */
as_rc as_store_dataset_label_list(as_store *st, json_t **rows, as_err *err);
/* ECONFLICT when the name exists. */
as_rc as_store_dataset_label_create(as_store *st, const char *name,
                                    const char *description, const char *color,
                                    json_t **row, as_err *err);
/* id, or name when id is 0.  ENOTFOUND. */
as_rc as_store_dataset_label_get(as_store *st, int64_t id, const char *name,
                                 json_t **row, as_err *err);
as_rc as_store_dataset_label_delete(as_store *st, int64_t id, as_err *err);
/* Make the dataset's labels exactly these (label rowids); ENOTFOUND
 * naming a missing dataset or label.  One transaction. */
as_rc as_store_dataset_set_labels(as_store *st, int64_t dataset_id,
                                  const int64_t *label_ids, size_t n,
                                  as_err *err);

/* ---- spans as example sources ------------------------------------------ */

/* span source object: {id, span_id (hex), trace_id (hex), name,
 * span_kind, attributes (nested)} of the spans with the given rowids,
 * in the order given (rowids that no longer exist are skipped). */
as_rc as_store_dataset_span_sources(as_store *st, const int64_t *rowids,
                                    size_t n, json_t **rows, as_err *err);

#endif
