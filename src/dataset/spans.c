/*
 * spans.c - dataset identifiers, and datasets built from spans.
 *
 * From spans: the ids are resolved first (as_store_spans_resolve, one
 * index seek each), all of them, so that an unknown id is a 404 naming it
 * before anything is written; then the spans' attributes are read and
 * each span becomes one example of a single upload (one transaction).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assay/dataset.h"
#include "assay/hex.h"

as_rc as_ds_resolve(as_store *st, const char *ident, int64_t *id, json_t **row,
                    as_err *err) {
    int64_t rowid = 0;
    json_t *r = NULL;
    as_rc rc;
    if (as_globalid_decode(ident, "Dataset", &rowid)) {
        rc = as_store_dataset_get(st, rowid, NULL, &r, err);
    } else {
        rc = as_store_dataset_get(st, 0, ident, &r, err);
        char *end;
        long long v = strtoll(ident, &end, 10);
        if (rc == AS_ENOTFOUND && *ident && *end == '\0' && v > 0)
            rc = as_store_dataset_get(st, v, NULL, &r, err);
    }
    if (rc == AS_ENOTFOUND)
        return as_err_set(err, AS_ENOTFOUND, "dataset '%.200s' not found", ident);
    if (rc != AS_OK) return rc;
    *id = json_integer_value(json_object_get(r, "id"));
    if (row) *row = r;
    else json_decref(r);
    return AS_OK;
}

typedef struct span_src {
    json_t *spans;
    size_t i;
    json_t *input, *output, *metadata;
    const char *span_id;
} span_src;

/* attributes.<a>.value: a JSON object text is used as the object, other
 * text (or non-object JSON) becomes {key: value}. */
static json_t *io_value(json_t *attrs, const char *a, const char *key) {
    json_t *v = json_object_get(json_object_get(attrs, a), "value");
    if (!v || json_is_null(v)) return json_object();
    if (json_is_object(v)) return json_incref(v);
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r') s++;
        if (*s == '{') {
            json_t *o = json_loads(s, 0, NULL);
            if (json_is_object(o)) return o;
            json_decref(o);
        }
    }
    return json_pack("{s:O}", key, v);
}

static void span_clear(span_src *s) {
    json_decref(s->input);
    json_decref(s->output);
    json_decref(s->metadata);
    s->input = s->output = s->metadata = NULL;
}

static as_rc span_next(void *ud, as_example_in *ex, bool *end, as_err *err) {
    AS_UNUSED(err);
    span_src *s = ud;
    span_clear(s);
    if (s->i == json_array_size(s->spans)) { *end = true; return AS_OK; }
    json_t *sp = json_array_get(s->spans, s->i++);
    json_t *attrs = json_object_get(sp, "attributes");
    s->input = io_value(attrs, "input", "input");
    s->output = io_value(attrs, "output", "output");
    s->metadata = json_pack("{s:O, s:O, s:O, s:O}",
                            "span_name", json_object_get(sp, "name"),
                            "span_kind", json_object_get(sp, "span_kind"),
                            "trace_id", json_object_get(sp, "trace_id"),
                            "span_id", json_object_get(sp, "span_id"));
    ex->input = s->input;
    ex->output = s->output;
    ex->metadata = s->metadata;
    ex->span_id = json_string_value(json_object_get(sp, "span_id"));
    return AS_OK;
}

as_rc as_ds_from_spans(as_store *st, const char *name, const char *description,
                       as_upload_action action, const char *const *span_ids,
                       size_t n, as_upload_result *res, as_err *err) {
    if (n == 0) return as_err_set(err, AS_EUNPROCESSABLE, "no span ids given");
    as_rc crc = as_ds_check_name(name, err);
    if (crc != AS_OK) return crc;
    as_span_ref *refs = calloc(n, sizeof(*refs));
    int64_t *rowids = calloc(n, sizeof(*rowids));
    as_rc rc = refs && rowids ? as_store_spans_resolve(st, span_ids, n, refs, err)
                              : as_err_set(err, AS_EINTERNAL, "out of memory");
    if (rc == AS_OK) {
        char msg[400];
        size_t used = 0, missing = 0;
        for (size_t i = 0; i < n; i++) {
            rowids[i] = refs[i].rowid;
            if (refs[i].rowid) continue;
            if (missing++ < 8 && used < sizeof(msg) - 40)
                used += (size_t)snprintf(msg + used, sizeof(msg) - used, "%s%.16s",
                                         missing > 1 ? ", " : "", span_ids[i]);
        }
        if (missing)
            rc = as_err_set(err, AS_ENOTFOUND, "%zu span id%s not found: %s%s", missing,
                            missing > 1 ? "s" : "", msg, missing > 8 ? ", ..." : "");
    }
    span_src s = { 0 };
    if (rc == AS_OK) rc = as_store_dataset_span_sources(st, rowids, n, &s.spans, err);
    if (rc == AS_OK) {
        as_dataset_upload up = { .name = name, .description = description,
                                 .action = action, .next = span_next, .ud = &s };
        rc = as_store_dataset_upload(st, &up, res, err);
    }
    span_clear(&s);
    json_decref(s.spans);
    free(refs);
    free(rowids);
    return rc;
}
