/*
 * h_queues.c - labelling queues (an assay extension; the model is in
 * include/assay/store_queues.h, the wire in docs/queues.md):
 *
 *   GET/POST /v1/annotation_queues
 *   GET/PATCH/DELETE /v1/annotation_queues/{queue_id}
 *   POST/GET /v1/annotation_queues/{queue_id}/items
 *   POST /v1/annotation_queues/{queue_id}/next           {annotator}
 *   POST /v1/annotation_queues/{queue_id}/items/{item_id}/submit
 *   POST /v1/annotation_queues/{queue_id}/items/{item_id}/skip
 *   GET  /v1/annotation_queues/{queue_id}/progress
 *
 * Ids are GlobalIDs (AnnotationQueue:N, AnnotationQueueItem:N); item
 * targets are span ids (16 hex), trace ids (32 hex) or DatasetExample
 * GlobalIDs, resolved here before the store call that writes them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assay/hex.h"
#include "assay/normalize.h"
#include "assay/store_annotations.h"
#include "assay/store_queues.h"
#include "assay/timefmt.h"
#include "server.h"
#include "wire.h"

#define NAME_MAX_LEN 256
#define TEXT_MAX_LEN (64 * 1024)
#define MAX_CONFIGS 100
#define MAX_REQUIRED 100
#define MAX_ITEMS 10000
#define MAX_ANSWERS 100
#define LEASE_DEFAULT_S 600
#define LEASE_MAX_S 86400

static json_t *time_or_null(const json_t *row, const char *f) {
    return json_is_integer(json_object_get(row, f)) ? wire_time(row, f) : json_null();
}

/* ---- wire shapes -------------------------------------------------------- */

static json_t *wire_queue(const json_t *row) {
    return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
                     "id", wire_gid("AnnotationQueue", row, "id"),
                     "name", wire_copy(row, "name"),
                     "description", wire_copy(row, "description"),
                     "instructions", wire_copy(row, "instructions"),
                     "required", wire_copy(row, "required"),
                     "annotation_configs", wire_map(json_object_get(row, "annotation_configs"),
                                                    wire_annotation_config),
                     "progress", wire_copy(row, "progress"),
                     "created_at", wire_time(row, "created_at"),
                     "updated_at", wire_time(row, "updated_at"));
}

/* {span_id} | {trace_id} | {example_id} of an item (target_key is null
 * when the span or trace has been deleted since). */
static json_t *wire_target(const json_t *item) {
    const char *kind = json_string_value(json_object_get(item, "kind"));
    if (strcmp(kind, "example") == 0)
        return json_pack("{s:o}", "example_id", wire_gid("DatasetExample", item, "target_id"));
    return json_pack("{s:o}", strcmp(kind, "span") == 0 ? "span_id" : "trace_id",
                     wire_copy(item, "target_key"));
}

static json_t *wire_item(const json_t *row) {
    json_t *resp = json_array();
    size_t i;
    json_t *x;
    json_array_foreach(json_object_get(row, "responses"), i, x)
        json_array_append_new(resp, json_pack("{s:o, s:o, s:o, s:o, s:o}",
            "annotator", wire_copy(x, "annotator"), "status", wire_copy(x, "status"),
            "lease_expires", time_or_null(x, "lease_expires"),
            "created_at", wire_time(x, "created_at"),
            "updated_at", wire_time(x, "updated_at")));
    return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
                     "id", wire_gid("AnnotationQueueItem", row, "id"),
                     "queue_id", wire_gid("AnnotationQueue", row, "queue_id"),
                     "kind", wire_copy(row, "kind"),
                     "target", wire_target(row),
                     "done_count", wire_copy(row, "done_count"),
                     "complete", wire_copy(row, "complete"),
                     "created_at", wire_time(row, "created_at"),
                     "responses", resp);
}

/* A span's content for an annotator: name, kind, ids, input and output
 * values (null when absent) and the flattened attributes. */
static json_t *wire_span_content(const json_t *c) {
    if (!json_is_object(c)) return json_null();
    const json_t *attrs = json_object_get(c, "attributes");
    json_t *flat = as_attributes_flatten(attrs);
    json_t *in = json_object_get(json_object_get(attrs, "input"), "value");
    json_t *out = json_object_get(json_object_get(attrs, "output"), "value");
    return json_pack("{s:o, s:o, s:o, s:o, s:O, s:O, s:o}",
                     "name", wire_copy(c, "name"), "span_kind", wire_copy(c, "span_kind"),
                     "span_id", wire_copy(c, "span_id"), "trace_id", wire_copy(c, "trace_id"),
                     "input", in ? in : json_null(), "output", out ? out : json_null(),
                     "attributes", flat ? flat : json_object());
}

static json_t *wire_content(const json_t *item) {
    const char *kind = json_string_value(json_object_get(item, "kind"));
    const json_t *c = json_object_get(item, "content");
    if (!json_is_object(c)) return json_null();
    if (strcmp(kind, "span") == 0) return wire_span_content(c);
    if (strcmp(kind, "trace") == 0)
        return json_pack("{s:o, s:o}", "trace_id", wire_copy(c, "trace_id"), "root_span",
                         wire_span_content(json_object_get(c, "root_span")));
    return json_pack("{s:o, s:o, s:o, s:o}",
                     "dataset_id", wire_gid("Dataset", c, "dataset_id"),
                     "input", wire_copy(c, "input"), "output", wire_copy(c, "output"),
                     "metadata", wire_copy(c, "metadata"));
}

/* ---- request parsing ----------------------------------------------------- */

/* {queue_id}: an AnnotationQueue GlobalID or the queue's name (replies
 * 404 otherwise). */
static bool queue_param(as_req *r, int64_t *id) {
    if (as_globalid_decode(r->params[0], "AnnotationQueue", id) && *id > 0) return true;
    as_err e;
    if (as_store_queue_find(r->srv->store, r->params[0], id, &e) == AS_OK) return true;
    as_reply_err(r, &e);
    return false;
}

static bool item_param(as_req *r, int64_t *id) {
    if (as_globalid_decode(r->params[1], "AnnotationQueueItem", id) && *id > 0) return true;
    as_reply_errorf(r, AS_ENOTFOUND, "item '%.100s' not found", r->params[1]);
    return false;
}

static bool opt_text(as_req *r, const json_t *body, const char *field, size_t max) {
    json_t *v = json_object_get(body, field);
    if (!v || json_is_null(v) || (json_is_string(v) && json_string_length(v) <= max))
        return true;
    as_reply_errorf(r, AS_EUNPROCESSABLE, "'%s' must be a string of at most %zu bytes or null",
              field, max);
    return false;
}

/* The annotator of a request body: a name of 1-128 bytes. */
static const char *annotator_of(as_req *r, const json_t *body) {
    json_t *v = json_object_get(body, "annotator");
    if (json_is_string(v) && json_string_length(v) >= 1 &&
        json_string_length(v) <= AS_ANNOTATOR_MAX && !memchr(json_string_value(v), '\0',
                                                             json_string_length(v)))
        return json_string_value(v);
    as_reply_errorf(r, AS_EUNPROCESSABLE, "'annotator' must be a name of 1-%d bytes",
              AS_ANNOTATOR_MAX);
    return NULL;
}

/* Validate a create (full) or PATCH (partial) body into the store's spec:
 * config GlobalIDs become rowids, other strings stay names. */
static json_t *queue_spec(as_req *r, const json_t *body, bool partial) {
    json_t *name = json_object_get(body, "name");
    if ((!partial || name) && (!json_is_string(name) || json_string_length(name) == 0 ||
                               json_string_length(name) > NAME_MAX_LEN)) {
        as_reply_errorf(r, AS_EUNPROCESSABLE, "'name' must be a string of 1-%d bytes",
                        NAME_MAX_LEN);
        return NULL;
    }
    if (!opt_text(r, body, "description", TEXT_MAX_LEN) ||
        !opt_text(r, body, "instructions", TEXT_MAX_LEN))
        return NULL;
    json_t *req = json_object_get(body, "required");
    if (req && (!json_is_integer(req) || json_integer_value(req) < 1 ||
                json_integer_value(req) > MAX_REQUIRED)) {
        as_reply_errorf(r, AS_EUNPROCESSABLE, "'required' must be an integer from 1 to %d",
                  MAX_REQUIRED);
        return NULL;
    }
    json_t *cfgs = json_object_get(body, "annotation_configs");
    if ((!partial || cfgs) && (!json_is_array(cfgs) || json_array_size(cfgs) == 0 ||
                               json_array_size(cfgs) > MAX_CONFIGS)) {
        as_reply_errorf(r, AS_EUNPROCESSABLE,
                  "'annotation_configs' must list 1-%d annotation config ids or names",
                  MAX_CONFIGS);
        return NULL;
    }
    json_t *spec = json_object();
    wire_copy_field(spec, body, "name");
    wire_copy_field(spec, body, "description");
    wire_copy_field(spec, body, "instructions");
    wire_copy_field(spec, body, "required");
    if (cfgs) {
        json_t *list = json_array();
        json_object_set_new(spec, "annotation_configs", list);
        size_t i;
        json_t *v;
        json_array_foreach(cfgs, i, v) {
            const char *s = json_string_value(v);
            if (!s || !*s) {
                as_reply_errorf(r, AS_EUNPROCESSABLE,
                          "annotation_configs[%zu] must be an annotation config id or name", i);
                json_decref(spec);
                return NULL;
            }
            int64_t id;
            json_array_append_new(list, wire_config_gid_decode(s, &id) ? json_integer(id)
                                                                       : json_string(s));
        }
    }
    return spec;
}

/* ---- queues --------------------------------------------------------------- */

/* ?limit and ?cursor (a GlobalID of `type`) of a list; false after a reply. */
static bool page_params(as_req *r, const char *type, int *limit, int64_t *after) {
    if ((*limit = as_req_limit(r, 100, 1000)) < 0) return false;
    return as_req_page_cursor(r, type, after);
}

/* Answer a page of rows (taken) shaped by shape, or the store's error. */
static void reply_page(as_req *r, as_rc rc, json_t *rows, bool has_next, const char *type,
                       json_t *(*shape)(const json_t *), const as_err *e) {
    if (rc != AS_OK) {
        json_decref(rows);
        as_reply_err(r, e);
        return;
    }
    char cur[AS_GLOBALID_MAX];
    if (has_next) wire_gid_next(rows, type, cur);
    json_t *data = wire_map(rows, shape);
    json_decref(rows);
    as_reply_page(r, data, has_next ? cur : NULL);
}

static void h_queues_list(as_req *r) {
    int limit;
    int64_t after;
    if (!page_params(r, "AnnotationQueue", &limit, &after)) return;
    json_t *rows = NULL;
    bool has_next = false;
    as_err e;
    as_rc rc = as_store_queue_list(r->srv->store, after, limit, &rows, &has_next, &e);
    reply_page(r, rc, rows, has_next, "AnnotationQueue", wire_queue, &e);
}

static void write_queue(as_req *r, int64_t id) {
    json_t *body = as_req_json_body(r);
    if (!body) return;
    json_t *spec = queue_spec(r, body, id != 0), *row = NULL;
    if (spec) {
        as_err e;
        as_rc rc = id ? as_store_queue_update(r->srv->store, id, spec, &row, &e)
                      : as_store_queue_create(r->srv->store, spec, &row, &e);
        as_reply_row(r, rc, row, wire_queue, &e);
        json_decref(spec);
    }
    json_decref(body);
}

static void h_queues_create(as_req *r) { write_queue(r, 0); }

static void h_queue_update(as_req *r) {
    int64_t id;
    if (queue_param(r, &id)) write_queue(r, id);
}

static void h_queue_get(as_req *r) {
    int64_t id;
    if (!queue_param(r, &id)) return;
    json_t *row = NULL;
    as_err e;
    as_rc rc = as_store_queue_get(r->srv->store, id, &row, &e);
    as_reply_row(r, rc, row, wire_queue, &e);
}

static void h_queue_delete(as_req *r) {
    int64_t id;
    if (!queue_param(r, &id)) return;
    as_err e;
    as_reply_done(r, as_store_queue_delete(r->srv->store, id, &e), &e);
}

static void h_queue_progress(as_req *r) {
    int64_t id;
    if (!queue_param(r, &id)) return;
    json_t *row;
    as_err e;
    if (as_store_queue_progress(r->srv->store, id, as_now_ns(), &row, &e) != AS_OK) {
        as_reply_err(r, &e);
        return;
    }
    json_object_set_new(row, "queue_id", wire_gid("AnnotationQueue", row, "queue_id"));
    as_reply_data(r, row);
}

/* ---- items ---------------------------------------------------------------- */

/* Parse and resolve items[] into targets; replies and returns false on a
 * malformed (422) or unknown (404) target. */
static bool parse_items(as_req *r, const json_t *items, as_queue_target *t) {
    size_t n = json_array_size(items);
    const char **span_keys = calloc(n, sizeof(*span_keys));
    size_t *span_at = calloc(n, sizeof(*span_at)), ns = 0;
    bool ok = true;
    as_err e;
    for (size_t i = 0; ok && i < n; i++) {
        json_t *it = json_array_get(items, i);
        const char *kind = json_string_value(json_object_get(it, "kind"));
        const char *id = json_string_value(json_object_get(it, "id"));
        if (!kind || (strcmp(kind, "span") != 0 && strcmp(kind, "trace") != 0 &&
                      strcmp(kind, "example") != 0)) {
            as_reply_errorf(r, AS_EUNPROCESSABLE,
                            "items[%zu].kind must be span, trace or example", i);
            ok = false;
        } else if (!id) {
            as_reply_errorf(r, AS_EUNPROCESSABLE, "items[%zu].id must be a string", i);
            ok = false;
        } else if (strcmp(kind, "span") == 0) {
            if (!(ok = as_is_hex(id, 16)))
                as_reply_errorf(r, AS_EUNPROCESSABLE, "items[%zu].id: '%.100s' is not a span id "
                          "(16 hex digits)", i, id);
            t[i].kind = AS_QITEM_SPAN;
            span_keys[ns] = id;
            span_at[ns++] = i;
        } else if (strcmp(kind, "trace") == 0) {
            t[i].kind = AS_QITEM_TRACE;
            json_t *row = NULL;
            as_rc rc = as_is_hex(id, 32) ? as_store_trace_get(r->srv->store, 0, id, &row, &e)
                                      : AS_EINVAL;
            if (rc == AS_OK) t[i].rowid = json_integer_value(json_object_get(row, "id"));
            else if (rc == AS_EINVAL)
                as_reply_errorf(r, AS_EUNPROCESSABLE, "items[%zu].id: '%.100s' is not a trace id "
                          "(32 hex digits)", i, id);
            else if (rc == AS_ENOTFOUND)
                as_reply_errorf(r, rc, "items[%zu]: trace '%.100s' not found", i, id);
            else as_reply_err(r, &e);
            ok = rc == AS_OK;
            json_decref(row);
        } else {
            t[i].kind = AS_QITEM_EXAMPLE;
            if (!(ok = as_globalid_decode(id, "DatasetExample", &t[i].rowid)))
                as_reply_errorf(r, AS_EUNPROCESSABLE, "items[%zu].id: '%.100s' is not a "
                          "DatasetExample id", i, id);
        }
    }
    if (ok && ns) {
        as_span_ref *refs = calloc(ns, sizeof(*refs));
        if (as_store_spans_resolve(r->srv->store, span_keys, ns, refs, &e) != AS_OK) {
            as_reply_err(r, &e);
            ok = false;
        }
        for (size_t k = 0; ok && k < ns; k++) {
            t[span_at[k]].rowid = refs[k].rowid;
            if (refs[k].rowid == 0) {
                as_reply_errorf(r, AS_ENOTFOUND, "items[%zu]: span '%.100s' not found", span_at[k],
                          span_keys[k]);
                ok = false;
            }
        }
        free(refs);
    }
    free(span_keys);
    free(span_at);
    return ok;
}

static void h_items_add(as_req *r) {
    int64_t qid;
    if (!queue_param(r, &qid)) return;
    json_t *body = as_req_json_body(r);
    if (!body) return;
    json_t *items = json_object_get(body, "items");
    size_t n = json_array_size(items);
    if (!json_is_array(items) || n == 0 || n > MAX_ITEMS) {
        as_reply_errorf(r, AS_EUNPROCESSABLE, "'items' must be an array of 1-%d {kind, id}",
                  MAX_ITEMS);
        json_decref(body);
        return;
    }
    as_queue_target *t = calloc(n, sizeof(*t));
    int64_t *ids = calloc(n, sizeof(*ids));
    if (parse_items(r, items, t)) {
        size_t added;
        as_err e;
        if (as_store_queue_add_items(r->srv->store, qid, t, n, ids, &added, &e) != AS_OK) {
            as_reply_err(r, &e);
        } else {
            json_t *list = json_array();
            for (size_t i = 0; i < n; i++) {
                char gid[AS_GLOBALID_MAX];
                as_globalid_encode("AnnotationQueueItem", ids[i], gid);
                json_array_append_new(list, json_string(gid));
            }
            as_reply_data(r, json_pack("{s:I, s:o}", "added", (json_int_t)added,
                                       "item_ids", list));
        }
    }
    free(t);
    free(ids);
    json_decref(body);
}

static void h_items_list(as_req *r) {
    int64_t qid, after;
    int limit;
    if (!queue_param(r, &qid) || !page_params(r, "AnnotationQueueItem", &limit, &after))
        return;
    const char *st = as_req_query(r, "status");
    as_queue_status status = AS_QSTATUS_ALL;
    if (st && strcmp(st, "pending") == 0) status = AS_QSTATUS_PENDING;
    else if (st && strcmp(st, "complete") == 0) status = AS_QSTATUS_COMPLETE;
    else if (st && strcmp(st, "all") != 0) {
        as_reply_error(r, AS_EUNPROCESSABLE, "status must be pending, complete or all");
        return;
    }
    json_t *rows = NULL;
    bool has_next = false;
    as_err e;
    as_rc rc = as_store_queue_items(r->srv->store, qid, status, after, limit, &rows,
                                    &has_next, &e);
    reply_page(r, rc, rows, has_next, "AnnotationQueueItem", wire_item, &e);
}

static void h_queue_next(as_req *r) {
    int64_t qid;
    if (!queue_param(r, &qid)) return;
    json_t *body = as_req_json_body(r);
    if (!body) return;
    const char *annotator = annotator_of(r, body);
    json_t *ls = json_object_get(body, "lease_seconds");
    if (annotator && ls && (!json_is_integer(ls) || json_integer_value(ls) < 1 ||
                            json_integer_value(ls) > LEASE_MAX_S)) {
        as_reply_errorf(r, AS_EUNPROCESSABLE, "'lease_seconds' must be an integer from 1 to %d",
                  LEASE_MAX_S);
        annotator = NULL;
    }
    json_t *item = NULL, *queue = NULL;
    as_err e;
    if (annotator) {
        int64_t lease = (ls ? json_integer_value(ls) : LEASE_DEFAULT_S) * 1000000000LL;
        if (as_store_queue_next(r->srv->store, qid, annotator, as_now_ns(), lease, &item,
                                &e) != AS_OK ||
            (item && as_store_queue_get(r->srv->store, qid, &queue, &e) != AS_OK)) {
            as_reply_err(r, &e);
        } else if (!item) {
            as_reply_text(r, 204, "text/plain", "");
        } else {
            json_t *out = wire_item(item);
            json_object_set_new(out, "content", wire_content(item));
            json_object_set_new(out, "annotation_configs",
                                wire_map(json_object_get(queue, "annotation_configs"),
                                         wire_annotation_config));
            json_object_set_new(out, "instructions", wire_copy(queue, "instructions"));
            as_reply_data(r, out);
        }
    }
    json_decref(item);
    json_decref(queue);
    json_decref(body);
}

static bool parse_answers(as_req *r, const json_t *list, as_queue_answer *a) {
    size_t i;
    json_t *x;
    json_array_foreach(list, i, x) {
        memset(&a[i], 0, sizeof(a[i]));
        a[i].name = json_string_value(json_object_get(x, "name"));
        json_t *label = json_object_get(x, "label"), *score = json_object_get(x, "score");
        json_t *expl = json_object_get(x, "explanation");
        const char *bad = !json_is_object(x) || !a[i].name ? "name"
                        : label && !json_is_null(label) && !json_is_string(label) ? "label"
                        : score && !json_is_null(score) && !json_is_number(score) ? "score"
                        : expl && !json_is_null(expl) && !json_is_string(expl) ? "explanation"
                        : NULL;
        if (bad) {
            as_reply_errorf(r, AS_EUNPROCESSABLE, "annotations[%zu].%s must be a %s", i, bad,
                      strcmp(bad, "score") == 0 ? "number" : "string");
            return false;
        }
        a[i].label = json_string_value(label);
        a[i].explanation = json_string_value(expl);
        if (json_is_number(score)) { a[i].has_score = true; a[i].score = json_number_value(score); }
    }
    return true;
}

static void h_item_submit(as_req *r) {
    int64_t qid, iid;
    if (!queue_param(r, &qid) || !item_param(r, &iid)) return;
    json_t *body = as_req_json_body(r);
    if (!body) return;
    const char *annotator = annotator_of(r, body);
    json_t *list = json_object_get(body, "annotations");
    json_t *note = json_object_get(body, "note");
    size_t n = json_array_size(list);
    as_queue_answer *a = calloc(n ? n : 1, sizeof(*a));
    bool ok = annotator != NULL;
    if (ok && ((list && !json_is_array(list)) || n > MAX_ANSWERS)) {
        as_reply_errorf(r, AS_EUNPROCESSABLE, "'annotations' must be an array of at most %d "
                  "{name, label?, score?, explanation?}", MAX_ANSWERS);
        ok = false;
    }
    if (ok && note && !json_is_null(note) &&
        (!json_is_string(note) || json_string_length(note) == 0 ||
         json_string_length(note) > TEXT_MAX_LEN)) {
        as_reply_error(r, AS_EUNPROCESSABLE, "'note' must be a non-empty string");
        ok = false;
    }
    if (ok && n == 0 && !json_is_string(note)) {
        as_reply_error(r, AS_EUNPROCESSABLE, "give at least one annotation or a note");
        ok = false;
    }
    if (ok && parse_answers(r, list, a)) {
        json_t *item = NULL;
        as_err e;
        as_rc rc = as_store_queue_submit(r->srv->store, qid, iid, annotator, a, n,
                                         json_string_value(note), &item, &e);
        as_reply_row(r, rc, item, wire_item, &e);
    }
    free(a);
    json_decref(body);
}

static void h_item_skip(as_req *r) {
    int64_t qid, iid;
    if (!queue_param(r, &qid) || !item_param(r, &iid)) return;
    json_t *body = as_req_json_body(r);
    if (!body) return;
    const char *annotator = annotator_of(r, body);
    if (annotator) {
        json_t *item = NULL;
        as_err e;
        as_rc rc = as_store_queue_skip(r->srv->store, qid, iid, annotator, &item, &e);
        as_reply_row(r, rc, item, wire_item, &e);
    }
    json_decref(body);
}

const as_route as_routes_queues[] = {
    { "GET", "/v1/annotation_queues", h_queues_list, false, false },
    { "POST", "/v1/annotation_queues", h_queues_create, false, false },
    { "GET", "/v1/annotation_queues/{}", h_queue_get, false, false },
    { "PATCH", "/v1/annotation_queues/{}", h_queue_update, false, false },
    { "DELETE", "/v1/annotation_queues/{}", h_queue_delete, false, false },
    { "GET", "/v1/annotation_queues/{}/progress", h_queue_progress, false, false },
    { "POST", "/v1/annotation_queues/{}/items", h_items_add, false, false },
    { "GET", "/v1/annotation_queues/{}/items", h_items_list, false, false },
    { "POST", "/v1/annotation_queues/{}/next", h_queue_next, false, false },
    { "POST", "/v1/annotation_queues/{}/items/{}/submit", h_item_submit, false, false },
    { "POST", "/v1/annotation_queues/{}/items/{}/skip", h_item_skip, false, false },
    { NULL, NULL, NULL, false, false },
};
