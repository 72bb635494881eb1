/*
 * datasets.c - the public datasets API (include/assay/store_datasets.h):
 * one-line dispatch to the backend's datasets vtable, and the backend-
 * neutral content hash every backend stores.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "assay/buf.h"
#include "assay/hex.h"
#include "assay/utf8.h"
#include "datasets_ops.h"

#define DS(st) ((st)->ops->datasets)

as_rc as_store_dataset_get(as_store *st, int64_t id, const char *name,
                           json_t **row, as_err *err) {
    return DS(st)->get(st, id, name, row, err);
}
as_rc as_store_dataset_examples(as_store *st, const as_example_query *q,
                                json_t **rows, int64_t *version_id,
                                bool *has_next, as_err *err) {
    return DS(st)->examples(st, q, rows, version_id, has_next, err);
}
as_rc as_store_dataset_examples_each(as_store *st, const as_example_query *q,
                                     as_example_fn fn, void *ud,
                                     int64_t *version_id, bool *has_next,
                                     as_err *err) {
    return DS(st)->examples_each(st, q, fn, ud, version_id, has_next, err);
}
as_rc as_store_dataset_list(as_store *st, const char *name, int64_t before_id,
                            int limit, json_t **rows, int64_t *next_id,
                            as_err *err) {
    return DS(st)->list(st, name, before_id, limit, rows, next_id, err);
}
as_rc as_store_dataset_delete(as_store *st, int64_t id, as_err *err) {
    return DS(st)->del(st, id, err);
}
as_rc as_store_dataset_versions(as_store *st, int64_t dataset_id,
                                int64_t before_id, int limit, json_t **rows,
                                int64_t *next_id, as_err *err) {
    return DS(st)->versions(st, dataset_id, before_id, limit, rows, next_id, err);
}
/* Names and descriptions become JSON strings on every read: whatever the
 * caller checked, the store takes only UTF-8 text without NULs. */
as_rc as_store_dataset_upload(as_store *st, const as_dataset_upload *up,
                              as_upload_result *res, as_err *err) {
    memset(res, 0, sizeof(*res));
    if (!up->name || !*up->name || !as_utf8_valid(up->name, strlen(up->name)))
        return as_err_set(err, AS_EUNPROCESSABLE, "'name' must be non-empty UTF-8 text");
    if (up->description && !as_utf8_valid(up->description, strlen(up->description)))
        return as_err_set(err, AS_EUNPROCESSABLE, "'description' must be UTF-8 text");
    return DS(st)->upload(st, up, res, err);
}
as_rc as_store_dataset_example_edit(as_store *st, int64_t dataset_id,
                                    int64_t example_id,
                                    const as_example_edit *e,
                                    as_upload_result *res, as_err *err) {
    memset(res, 0, sizeof(*res));
    if ((e->input && !json_is_object(e->input)) || (e->output && !json_is_object(e->output)) ||
        (e->metadata && !json_is_object(e->metadata)))
        return as_err_set(err, AS_EUNPROCESSABLE,
                          "input, output and metadata must be JSON objects");
    if (e->description && !as_utf8_valid(e->description, strlen(e->description)))
        return as_err_set(err, AS_EUNPROCESSABLE, "'description' must be UTF-8 text");
    return DS(st)->example_edit(st, dataset_id, example_id, e, res, err);
}
as_rc as_store_dataset_span_sources(as_store *st, const int64_t *rowids,
                                    size_t n, json_t **rows, as_err *err) {
    return DS(st)->span_sources(st, rowids, n, rows, err);
}

/* Canonical text: jansson's compact dump with sorted keys (at every
 * level), of the three members in the fixed order input, metadata,
 * output (sorted too).  Numbers keep jansson's rendering (integers as
 * integers, reals with 17 significant digits), so 1.50 and 1.5 hash the
 * same. */
as_rc as_dataset_content_hash(const json_t *input, const json_t *output,
                              const json_t *metadata,
                              char out[AS_CONTENT_HASH_LEN + 1], as_err *err) {
    json_t *empty = json_object();
    json_t *doc = json_pack("{s:O, s:O, s:O}", "input", input ? input : empty,
                            "output", output ? output : empty,
                            "metadata", metadata ? metadata : empty);
    char *text = doc ? json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY)
                     : NULL;
    json_decref(doc);
    json_decref(empty);
    if (!text) return as_err_set(err, AS_EINTERNAL, "content hash: cannot serialise example");
    XXH128_hash_t h = XXH3_128bits(text, strlen(text));
    free(text);
    XXH128_canonical_t c;
    XXH128_canonicalFromHash(&c, h);
    as_hex_encode(c.digest, sizeof(c.digest), out);
    return AS_OK;
}

/* The shortest %.Ng (N = 1..17) that strtod reads back exactly. */
static as_rc put_real(as_buf *b, double d) {
    char t[40];
    if (d != d || d == 1.0 / 0.0 || d == -1.0 / 0.0) return as_buf_puts(b, "null");
    for (int p = 1; p <= 17; p++) {
        snprintf(t, sizeof(t), "%.*g", p, d);
        if (strtod(t, NULL) == d) break;
    }
    /* keep it a real: 2.0 is written "2.0", as jansson does */
    if (!strpbrk(t, ".eEn")) {
        size_t n = strlen(t);
        memcpy(t + n, ".0", 3);
    }
    return as_buf_puts(b, t);
}

as_rc as_dataset_json_text(as_buf *b, const json_t *v) {
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        as_buf_putc(b, '{');
        const char *k;
        json_t *x;
        bool first = true;
        json_object_foreach((json_t *)v, k, x) {
            if (!first) as_buf_putc(b, ',');
            first = false;
            as_buf_json_str(b, k, strlen(k));
            as_buf_putc(b, ':');
            as_rc rc = as_dataset_json_text(b, x);
            if (rc != AS_OK) return rc;
        }
        return as_buf_putc(b, '}');
    }
    case JSON_ARRAY: {
        as_buf_putc(b, '[');
        for (size_t i = 0; i < json_array_size(v); i++) {
            if (i) as_buf_putc(b, ',');
            as_rc rc = as_dataset_json_text(b, json_array_get(v, i));
            if (rc != AS_OK) return rc;
        }
        return as_buf_putc(b, ']');
    }
    case JSON_STRING: return as_buf_json_str(b, json_string_value(v), json_string_length(v));
    case JSON_INTEGER: return as_buf_printf(b, "%lld", (long long)json_integer_value(v));
    case JSON_REAL: return put_real(b, json_real_value(v));
    case JSON_TRUE: return as_buf_puts(b, "true");
    case JSON_FALSE: return as_buf_puts(b, "false");
    default: return as_buf_puts(b, "null");
    }
}

as_rc as_store_dataset_label_list(as_store *st, json_t **rows, as_err *err) {
    return DS(st)->label_list(st, rows, err);
}
as_rc as_store_dataset_label_create(as_store *st, const char *name,
                                    const char *description, const char *color,
                                    json_t **row, as_err *err) {
    return DS(st)->label_create(st, name, description, color, row, err);
}
as_rc as_store_dataset_label_get(as_store *st, int64_t id, const char *name,
                                 json_t **row, as_err *err) {
    return DS(st)->label_get(st, id, name, row, err);
}
as_rc as_store_dataset_label_delete(as_store *st, int64_t id, as_err *err) {
    return DS(st)->label_delete(st, id, err);
}
as_rc as_store_dataset_set_labels(as_store *st, int64_t dataset_id,
                                  const int64_t *label_ids, size_t n,
                                  as_err *err) {
    return DS(st)->set_labels(st, dataset_id, label_ids, n, err);
}
