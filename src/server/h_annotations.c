/*
 * h_annotations.c - annotations, notes and annotation configs (Phoenix
 * REST v1 shapes), and annotations on dataset examples (assay):
 *
 *   POST   /v1/{span,trace,session,document}_annotations  upsert, {data:[{id}]}
 *   POST   /v1/{span,trace,session}_notes            {data:{id}}
 *   GET    /v1/projects/{p}/{span,trace,session,document}_annotations
 *   DELETE /v1/projects/{p}/{span,trace,session,document}_annotations
 *   POST   /v1/dataset_example_annotations, GET (?dataset_id, ?name)
 *   GET/POST /v1/annotation_configs, GET/PUT/DELETE /v1/annotation_configs/{id}
 *
 * One handler per operation serves all targets: the route wrappers only
 * name the target (the `targets` table says how each is named on the
 * wire and found).  Targets are resolved before the write (spans and
 * documents through as_store_spans_resolve, traces and sessions by their
 * natural keys); every write is one store call, hence one transaction
 * (which also checks a document's position against its span).  The GET
 * and DELETE of document annotations are assay's: Phoenix has only the
 * POST.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "assay/hex.h"
#include "assay/store_annotations.h"
#include "assay/timefmt.h"
#include "server.h"
#include "wire.h"

#define MAX_ITEMS 10000          /* annotations in one request             */
#define MAX_IDS 1000             /* ids in one GET                         */
#define NAME_MAX_LEN 256
#define IDENT_MAX_LEN 256
#define TEXT_MAX_LEN (1 << 20)   /* label / explanation / note bytes       */

typedef struct target_info {
    const char *field;           /* the request field naming the target    */
    const char *what;            /* for messages                           */
    const char *list_param;      /* GET ?span_ids=...                      */
    const char *gid_type;        /* cursor GlobalID type                   */
} target_info;

static const target_info targets[] = {
    [AS_ANNOT_SPAN] = { "span_id", "span", "span_ids", "SpanAnnotation" },
    [AS_ANNOT_TRACE] = { "trace_id", "trace", "trace_ids", "TraceAnnotation" },
    [AS_ANNOT_SESSION] = { "session_id", "session", "session_ids",
                           "ProjectSessionAnnotation" },
    [AS_ANNOT_EXAMPLE] = { "example_id", "dataset example", "example_id",
                           "DatasetExampleAnnotation" },
    [AS_ANNOT_DOCUMENT] = { "span_id", "span", "span_ids", "DocumentAnnotation" },
};

/* Where a target key came from, for messages: data[i].span_id (a batch),
 * data.span_id (a note), span_ids[i] (a query parameter). */
typedef enum key_style { KEY_ITEM, KEY_ONE, KEY_QUERY } key_style;

static void key_loc(char out[96], as_annot_target t, const char *where, key_style style,
                    size_t i, bool with_field) {
    const char *f = with_field ? targets[t].field : NULL;
    if (style == KEY_ONE) snprintf(out, 96, "%s%s%s", where, f ? "." : "", f ? f : "");
    else if (style == KEY_QUERY || !f) snprintf(out, 96, "%s[%zu]", where, i);
    else snprintf(out, 96, "%s[%zu].%s", where, i, f);
}

/* Resolve n target keys into rowids (0 = unknown) and their project ids
 * (examples: 0).  Malformed keys reply 422 naming where they came from
 * and return false; so do store failures. */
static bool resolve(as_req *r, as_annot_target t, const char *const *keys, size_t n,
                    const char *where, key_style style, int64_t *rowids, int64_t *projects) {
    as_err e;
    for (size_t i = 0; i < n; i++) {
        rowids[i] = projects[i] = 0;
        bool span = t == AS_ANNOT_SPAN || t == AS_ANNOT_DOCUMENT;
        bool ok = span ? as_is_hex(keys[i], 16)
                : t == AS_ANNOT_TRACE ? as_is_hex(keys[i], 32)
                : t == AS_ANNOT_EXAMPLE ? as_globalid_decode(keys[i], "DatasetExample",
                                                             &rowids[i])
                : *keys[i] != '\0';
        if (!ok) {
            char loc[96];
            key_loc(loc, t, where, style, i, true);
            as_reply_errorf(r, AS_EUNPROCESSABLE, "%s: '%.100s' is not a %s", loc, keys[i],
                      span ? "span id (16 hex digits)"
                      : t == AS_ANNOT_TRACE ? "trace id (32 hex digits)"
                      : t == AS_ANNOT_EXAMPLE ? "DatasetExample id" : "session id");
            return false;
        }
    }
    if (t == AS_ANNOT_EXAMPLE) return true;      /* the store checks them */
    if (t == AS_ANNOT_SPAN || t == AS_ANNOT_DOCUMENT) {
        as_span_ref *refs = calloc(n ? n : 1, sizeof(*refs));
        as_rc rc = as_store_spans_resolve(r->srv->store, keys, n, refs, &e);
        for (size_t i = 0; rc == AS_OK && i < n; i++) {
            rowids[i] = refs[i].rowid;
            projects[i] = refs[i].project_id;
        }
        free(refs);
        if (rc != AS_OK) { as_reply_err(r, &e); return false; }
        return true;
    }
    for (size_t i = 0; i < n; i++) {
        json_t *row = NULL;
        as_rc rc = t == AS_ANNOT_TRACE
                       ? as_store_trace_get(r->srv->store, 0, keys[i], &row, &e)
                       : as_store_session_get(r->srv->store, 0, keys[i], &row, &e);
        if (rc == AS_ENOTFOUND) continue;
        if (rc != AS_OK) { as_reply_err(r, &e); return false; }
        rowids[i] = json_integer_value(json_object_get(row, "id"));
        projects[i] = json_integer_value(json_object_get(row, "project_id"));
        json_decref(row);
    }
    return true;
}

/* ---- parsing one annotation ---------------------------------------------- */

/* Optional string field of obj; prefix names obj in messages ("data[2]."). */
static bool opt_str(as_req *r, const json_t *obj, const char *field, const char *prefix,
                    size_t max, const char **out) {
    json_t *v = json_object_get(obj, field);
    *out = NULL;
    if (!v || json_is_null(v)) return true;
    if (!json_is_string(v) || json_string_length(v) > max) {
        as_reply_errorf(r, AS_EUNPROCESSABLE, "%s%s must be a string of at most %zu bytes",
                  prefix, field, max);
        return false;
    }
    *out = json_string_value(v);
    return true;
}

static bool valid_kind(const char *k) {
    return k && (strcmp(k, "LLM") == 0 || strcmp(k, "CODE") == 0 || strcmp(k, "HUMAN") == 0);
}

/* Documents: Phoenix rejects identifiers (its document annotations are
 * unique per name, span and position only); blanks count as none. */
static bool no_identifier(as_req *r, const char *ident) {
    if (!ident) return true;
    for (const char *p = ident; *p; p++)
        if (!strchr(" \t\r\n\f\v", *p)) {
            as_reply_errorf(r, AS_EUNPROCESSABLE, "Non-empty identifier '%.100s' is not supported",
                            ident);
            return false;
        }
    return true;
}

/* Fill a (less target and metadata text) from item i of data[] of a
 * target t annotation; the metadata text is returned in *meta (caller
 * frees). */
static bool parse_annotation(as_req *r, const json_t *item, const char *where, size_t i,
                             as_annot_target t, as_annotation *a, char **meta) {
    memset(a, 0, sizeof(*a));
    *meta = NULL;
    if (!json_is_object(item)) {
        as_reply_errorf(r, AS_EUNPROCESSABLE, "%s[%zu] must be an object", where, i);
        return false;
    }
    a->name = json_string_value(json_object_get(item, "name"));
    if (!a->name || !*a->name || strlen(a->name) > NAME_MAX_LEN) {
        as_reply_errorf(r, AS_EUNPROCESSABLE, "%s[%zu].name must be a string of 1-%d bytes", where,
                  i, NAME_MAX_LEN);
        return false;
    }
    if (strcmp(a->name, AS_ANNOTATION_NOTE) == 0) {
        as_reply_errorf(r, AS_EUNPROCESSABLE,
                  "%s[%zu].name: '%s' is reserved for notes (POST /v1/span_notes, "
                  "/v1/trace_notes, /v1/session_notes)", where, i, AS_ANNOTATION_NOTE);
        return false;
    }
    a->annotator_kind = json_string_value(json_object_get(item, "annotator_kind"));
    if (!valid_kind(a->annotator_kind)) {
        as_reply_errorf(r, AS_EUNPROCESSABLE, "%s[%zu].annotator_kind must be LLM, CODE or HUMAN",
                  where, i);
        return false;
    }
    json_t *res = json_object_get(item, "result");
    if (res && !json_is_null(res)) {
        if (!json_is_object(res)) {
            as_reply_errorf(r, AS_EUNPROCESSABLE, "%s[%zu].result must be an object or null",
                      where, i);
            return false;
        }
        json_t *score = json_object_get(res, "score");
        if (score && !json_is_null(score)) {
            if (!json_is_number(score)) {
                as_reply_errorf(r, AS_EUNPROCESSABLE, "%s[%zu].result.score must be a number",
                          where, i);
                return false;
            }
            a->has_score = true;
            a->score = json_number_value(score);
        }
        char rprefix[64];
        snprintf(rprefix, sizeof(rprefix), "%s[%zu].result.", where, i);
        if (!opt_str(r, res, "label", rprefix, TEXT_MAX_LEN, &a->label) ||
            !opt_str(r, res, "explanation", rprefix, TEXT_MAX_LEN, &a->explanation))
            return false;
    }
    char prefix[64];
    snprintf(prefix, sizeof(prefix), "%s[%zu].", where, i);
    if (!opt_str(r, item, "identifier", prefix, IDENT_MAX_LEN, &a->identifier)) return false;
    if (t == AS_ANNOT_EXAMPLE && !opt_str(r, item, "user_id", prefix, 128, &a->user_id))
        return false;
    if (t == AS_ANNOT_DOCUMENT) {
        if (!no_identifier(r, a->identifier)) return false;
        a->identifier = NULL;
        json_t *pos = json_object_get(item, "document_position");
        if (!json_is_integer(pos) || json_integer_value(pos) < 0) {
            as_reply_errorf(r, AS_EUNPROCESSABLE,
                            "%s[%zu].document_position must be an integer >= 0", where, i);
            return false;
        }
        a->document_position = json_integer_value(pos);
    }
    json_t *md = json_object_get(item, "metadata");
    if (md && !json_is_null(md)) {
        if (!json_is_object(md)) {
            as_reply_errorf(r, AS_EUNPROCESSABLE, "%s[%zu].metadata must be an object or null",
                      where, i);
            return false;
        }
        *meta = json_dumps(md, JSON_COMPACT);
        a->metadata = *meta;
    }
    return true;
}

/* The body's "data" array (1..MAX_ITEMS items) or NULL after a reply. */
static json_t *data_array(as_req *r, json_t *body) {
    json_t *data = json_object_get(body, "data");
    if (!json_is_array(data) || json_array_size(data) == 0) {
        as_reply_error(r, AS_EUNPROCESSABLE, "'data' must be a non-empty array");
        return NULL;
    }
    if (json_array_size(data) > MAX_ITEMS) {
        as_reply_errorf(r, AS_ETOOBIG, "'data' has more than %d annotations", MAX_ITEMS);
        return NULL;
    }
    return data;
}

/* Turn rowids that are 0 (unknown) into a 404 naming the key. */
static bool all_found(as_req *r, as_annot_target t, const char *const *keys,
                      const int64_t *rowids, size_t n, const char *where, key_style style) {
    for (size_t i = 0; i < n; i++)
        if (rowids[i] == 0) {
            char loc[96];
            key_loc(loc, t, where, style, i, false);
            as_reply_errorf(r, AS_ENOTFOUND, "%s: %s '%.100s' not found", loc, targets[t].what,
                      keys[i]);
            return false;
        }
    return true;
}

static void annotate(as_req *r, as_annot_target t) {
    json_t *body = as_req_json_body(r);
    if (!body) return;
    json_t *data = data_array(r, body);
    size_t n = data ? json_array_size(data) : 0;
    as_annotation *a = calloc(n ? n : 1, sizeof(*a));
    char **metas = calloc(n ? n : 1, sizeof(*metas));
    const char **keys = calloc(n ? n : 1, sizeof(*keys));
    int64_t *rowids = calloc(n ? n : 1, sizeof(*rowids));
    int64_t *projects = calloc(n ? n : 1, sizeof(*projects));
    bool ok = data != NULL;
    for (size_t i = 0; ok && i < n; i++) {
        json_t *item = json_array_get(data, i);
        ok = parse_annotation(r, item, "data", i, t, &a[i], &metas[i]);
        if (ok && !(keys[i] = json_string_value(json_object_get(item, targets[t].field)))) {
            as_reply_errorf(r, AS_EUNPROCESSABLE, "data[%zu].%s must be a string", i,
                      targets[t].field);
            ok = false;
        }
    }
    if (ok) ok = resolve(r, t, keys, n, "data", KEY_ITEM, rowids, projects);
    if (ok && t != AS_ANNOT_EXAMPLE) ok = all_found(r, t, keys, rowids, n, "data", KEY_ITEM);
    if (ok) {
        for (size_t i = 0; i < n; i++) a[i].target = rowids[i];
        as_err e;
        int64_t *ids = rowids;               /* reused for the answer */
        if (as_store_annotations_upsert(r->srv->store, t, a, n, ids, &e) != AS_OK) {
            as_reply_err(r, &e);
        } else {
            json_t *out = json_array();
            for (size_t i = 0; i < n; i++) {
                char gid[AS_GLOBALID_MAX];
                as_globalid_encode(targets[t].gid_type, ids[i], gid);
                json_array_append_new(out, json_pack("{s:s}", "id", gid));
            }
            as_reply_data(r, out);
        }
    }
    for (size_t i = 0; i < n; i++) free(metas[i]);
    free(metas);
    free(a);
    free(keys);
    free(rowids);
    free(projects);
    json_decref(body);
}

static void h_span_annotate(as_req *r) { annotate(r, AS_ANNOT_SPAN); }
static void h_trace_annotate(as_req *r) { annotate(r, AS_ANNOT_TRACE); }
static void h_session_annotate(as_req *r) { annotate(r, AS_ANNOT_SESSION); }
static void h_example_annotate(as_req *r) { annotate(r, AS_ANNOT_EXAMPLE); }
static void h_document_annotate(as_req *r) { annotate(r, AS_ANNOT_DOCUMENT); }

/* ---- notes ---------------------------------------------------------------- */

/* "px-<target>-note:<uuid v4>", as Phoenix names generated notes. */
static void note_identifier(as_annot_target t, char out[80]) {
    static _Atomic uint64_t fallback;
    uint8_t b[16] = {0};
    if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b)) {
        /* no entropy: the clock and a counter are still unique here */
        int64_t now = as_now_ns();
        uint64_t n = ++fallback;
        memcpy(b, &now, sizeof(now));
        memcpy(b + 8, &n, sizeof(n));
    }
    b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);
    b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
    char h[33];
    as_hex_encode(b, 16, h);
    snprintf(out, 80, "px-%s-note:%.8s-%.4s-%.4s-%.4s-%.12s",
             t == AS_ANNOT_SPAN ? "span" : t == AS_ANNOT_TRACE ? "trace" : "session",
             h, h + 8, h + 12, h + 16, h + 20);
}

static void add_note(as_req *r, as_annot_target t) {
    json_t *body = as_req_json_body(r);
    if (!body) return;
    json_t *data = json_object_get(body, "data");
    const char *key = json_string_value(json_object_get(data, targets[t].field));
    const char *note = json_string_value(json_object_get(data, "note"));
    const char *ident = NULL;
    int64_t rowid = 0, project = 0;
    if (!json_is_object(data)) {
        as_reply_error(r, AS_EUNPROCESSABLE, "'data' must be an object");
    } else if (!key) {
        as_reply_errorf(r, AS_EUNPROCESSABLE, "data.%s must be a string", targets[t].field);
    } else if (!note || !*note || strlen(note) > TEXT_MAX_LEN) {
        as_reply_error(r, AS_EUNPROCESSABLE, "data.note must be a non-empty string");
    } else if (opt_str(r, data, "identifier", "data.", IDENT_MAX_LEN, &ident) &&
               resolve(r, t, &key, 1, "data", KEY_ONE, &rowid, &project) &&
               all_found(r, t, &key, &rowid, 1, "data", KEY_ONE)) {
        char gen[80];
        if (!ident || !*ident) { note_identifier(t, gen); ident = gen; }
        as_annotation a = { .target = rowid, .name = AS_ANNOTATION_NOTE,
                            .annotator_kind = "HUMAN", .explanation = note,
                            .identifier = ident, .source = "API" };
        int64_t id;
        as_err e;
        if (as_store_annotations_upsert(r->srv->store, t, &a, 1, &id, &e) != AS_OK) {
            as_reply_err(r, &e);
        } else {
            char gid[AS_GLOBALID_MAX];
            as_globalid_encode(targets[t].gid_type, id, gid);
            as_reply_data(r, json_pack("{s:s}", "id", gid));
        }
    }
    json_decref(body);
}

static void h_span_note(as_req *r) { add_note(r, AS_ANNOT_SPAN); }
static void h_trace_note(as_req *r) { add_note(r, AS_ANNOT_TRACE); }
static void h_session_note(as_req *r) { add_note(r, AS_ANNOT_SESSION); }

/* ---- listing -------------------------------------------------------------- */

static void reply_annotations(as_req *r, as_annot_target t, as_annotation_query *q) {
    json_t *rows;
    bool has_next;
    as_err e;
    if (as_store_annotations_list(r->srv->store, q, &rows, &has_next, &e) != AS_OK) {
        json_decref(rows);
        as_reply_err(r, &e);
        return;
    }
    json_t *data = json_array();
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row) json_array_append_new(data, wire_annotation(row, t));
    char cur[AS_GLOBALID_MAX];
    if (has_next) wire_gid_next(rows, targets[t].gid_type, cur);
    json_decref(rows);
    as_reply_page(r, data, has_next ? cur : NULL);
}

/* All values of a repeated query parameter into out (MAX_IDS + 1 slots);
 * more than MAX_IDS replies 422 and returns false. */
static bool query_list(as_req *r, const char *name, const char **out, size_t *n) {
    *n = as_req_query_all(r, name, out, MAX_IDS + 1);
    if (*n <= MAX_IDS) return true;
    as_reply_errorf(r, AS_EUNPROCESSABLE, "at most %d values of %s", MAX_IDS, name);
    return false;
}

static void list_annotations(as_req *r, as_annot_target t) {
    as_annotation_query q;
    memset(&q, 0, sizeof(q));
    q.target = t;
    if (!as_req_project(r, r->params[0], &q.project_id, NULL)) return;
    if ((q.limit = as_req_limit(r, 100, 10000)) < 0) return;
    if (!as_req_page_cursor(r, targets[t].gid_type, &q.after_id)) return;
    const char *keys[MAX_IDS + 1], *idents[MAX_IDS + 1], *inc[MAX_IDS + 1],
        *exc[MAX_IDS + 1];
    size_t n;
    if (!query_list(r, targets[t].list_param, keys, &n) ||
        !query_list(r, "identifier", idents, &q.identifiers.n) ||
        !query_list(r, "include_annotation_names", inc, &q.include_names.n) ||
        !query_list(r, "exclude_annotation_names", exc, &q.exclude_names.n))
        return;
    q.identifiers.v = idents;
    q.include_names.v = inc;
    q.exclude_names.v = exc;
    if (n == 0 && q.identifiers.n == 0) {
        as_reply_errorf(r, AS_EUNPROCESSABLE, "at least one of %s or identifier is required",
                  targets[t].list_param);
        return;
    }
    int64_t rowids[MAX_IDS + 1], projects[MAX_IDS + 1];
    if (n && !resolve(r, t, keys, n, targets[t].list_param, KEY_QUERY, rowids, projects)) return;
    /* Unknown ids and ids of other projects match nothing (as in Phoenix). */
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (rowids[i] && projects[i] == q.project_id) rowids[m++] = rowids[i];
    q.by_targets = n > 0;
    q.targets = rowids;
    q.n_targets = m;
    reply_annotations(r, t, &q);
}

static void h_span_list(as_req *r) { list_annotations(r, AS_ANNOT_SPAN); }
static void h_trace_list(as_req *r) { list_annotations(r, AS_ANNOT_TRACE); }
static void h_session_list(as_req *r) { list_annotations(r, AS_ANNOT_SESSION); }
static void h_document_list(as_req *r) { list_annotations(r, AS_ANNOT_DOCUMENT); }

/* GET /v1/dataset_example_annotations?dataset_id=&example_id=&name= */
static void h_example_list(as_req *r) {
    as_annotation_query q;
    memset(&q, 0, sizeof(q));
    q.target = AS_ANNOT_EXAMPLE;
    if ((q.limit = as_req_limit(r, 100, 10000)) < 0) return;
    if (!as_req_page_cursor(r, targets[AS_ANNOT_EXAMPLE].gid_type, &q.after_id)) return;
    const char *ds = as_req_query(r, "dataset_id");
    if (ds && *ds && !as_globalid_decode(ds, "Dataset", &q.dataset_id)) {
        as_reply_errorf(r, AS_EUNPROCESSABLE, "dataset_id: '%.100s' is not a Dataset id", ds);
        return;
    }
    const char *keys[MAX_IDS + 1], *names[MAX_IDS + 1], *idents[MAX_IDS + 1];
    size_t n;
    if (!query_list(r, "example_id", keys, &n) ||
        !query_list(r, "name", names, &q.include_names.n) ||
        !query_list(r, "identifier", idents, &q.identifiers.n))
        return;
    q.include_names.v = names;
    q.identifiers.v = idents;
    int64_t rowids[MAX_IDS + 1], projects[MAX_IDS + 1];
    if (n && !resolve(r, AS_ANNOT_EXAMPLE, keys, n, "example_id", KEY_QUERY, rowids, projects)) return;
    q.by_targets = n > 0;
    q.targets = rowids;
    q.n_targets = n;
    reply_annotations(r, AS_ANNOT_EXAMPLE, &q);
}

/* DELETE /v1/projects/{p}/X_annotations: Phoenix's filter delete.  Either
 * both start_time and end_time (a [start, end) window over the
 * annotations' created_at) or delete_all=true; name, identifier and
 * annotator_kind narrow.  204 even when nothing matched. */
static void delete_annotations(as_req *r, as_annot_target t) {
    as_annotation_delete d;
    memset(&d, 0, sizeof(d));
    d.target = t;
    if (!as_req_project(r, r->params[0], &d.project_id, NULL)) return;
    if (!as_req_time(r, "start_time", &d.start_ns) || !as_req_time(r, "end_time", &d.end_ns))
        return;
    const char *all = as_req_query(r, "delete_all");
    bool delete_all = all && (strcmp(all, "true") == 0 || strcmp(all, "1") == 0);
    if (!delete_all && (d.start_ns == 0 || d.end_ns == 0)) {
        as_reply_error(r, AS_EUNPROCESSABLE,
                       "give both start_time and end_time, or delete_all=true");
        return;
    }
    if (d.start_ns && d.end_ns && d.start_ns >= d.end_ns) {
        as_reply_error(r, AS_EUNPROCESSABLE, "start_time must be earlier than end_time");
        return;
    }
    static const char *const narrow[] = { "name", "identifier" };
    const char *vals[2];
    for (size_t i = 0; i < 2; i++) {
        vals[i] = as_req_query(r, narrow[i]);
        if (vals[i] && !*vals[i]) {
            as_reply_errorf(r, AS_EUNPROCESSABLE, "%s must not be empty", narrow[i]);
            return;
        }
    }
    d.name = vals[0];
    d.identifier = vals[1];
    d.annotator_kind = as_req_query(r, "annotator_kind");
    if (d.annotator_kind && !valid_kind(d.annotator_kind)) {
        as_reply_error(r, AS_EUNPROCESSABLE, "annotator_kind must be LLM, CODE or HUMAN");
        return;
    }
    int64_t deleted;
    as_err e;
    as_reply_done(r, as_store_annotations_delete(r->srv->store, &d, &deleted, &e), &e);
}

static void h_span_annotations_delete(as_req *r) { delete_annotations(r, AS_ANNOT_SPAN); }
static void h_trace_annotations_delete(as_req *r) { delete_annotations(r, AS_ANNOT_TRACE); }
static void h_session_annotations_delete(as_req *r) { delete_annotations(r, AS_ANNOT_SESSION); }
static void h_document_annotations_delete(as_req *r) { delete_annotations(r, AS_ANNOT_DOCUMENT); }

/* ---- annotation configs ----------------------------------------------------- */

/* {config_identifier}: a GlobalID of one of the three config types, or a
 * name.  Replies 404 on a miss. */
static json_t *config_by_ident(as_req *r, const char *ident) {
    int64_t id;
    wire_config_gid_decode(ident, &id);
    json_t *row = NULL;
    as_err e;
    as_rc rc = as_store_annotation_config_get(r->srv->store, id, id ? NULL : ident, &row, &e);
    if (rc == AS_ENOTFOUND) {
        as_reply_errorf(r, rc, "annotation config '%.200s' not found", ident);
        return NULL;
    }
    if (rc != AS_OK) { as_reply_err(r, &e); return NULL; }
    return row;
}

static void h_configs_list(as_req *r) {
    int limit = as_req_limit(r, 100, 1000);
    if (limit < 0) return;
    int64_t after = 0, unused;
    const char *cursor = as_req_query(r, "cursor");
    if (cursor && *cursor && (!wire_cursor_decode(cursor, &after, &unused) || after < 0)) {
        as_reply_error(r, AS_EUNPROCESSABLE, "cursor is not one this server issued");
        return;
    }
    json_t *rows;
    bool has_next;
    as_err e;
    if (as_store_annotation_config_list(r->srv->store, after, limit, &rows, &has_next,
                                        &e) != AS_OK) {
        json_decref(rows);
        as_reply_err(r, &e);
        return;
    }
    char cur[96];
    if (has_next)
        wire_cursor_encode(json_integer_value(json_object_get(
                               json_array_get(rows, json_array_size(rows) - 1), "id")),
                           0, cur);
    json_t *data = wire_map(rows, wire_annotation_config);
    json_decref(rows);
    as_reply_page(r, data, has_next ? cur : NULL);
}

/* POST (row == NULL) or PUT (the config row being replaced). */
static void write_config(as_req *r, json_t *old) {
    json_t *body = as_req_json_body(r);
    if (!body) return;
    json_t *spec, *row = NULL;
    as_err e;
    as_rc rc = as_annotation_config_check(body, &spec, &e);
    if (rc == AS_OK) {
        rc = old ? as_store_annotation_config_update(
                       r->srv->store, json_integer_value(json_object_get(old, "id")), spec,
                       &row, &e)
                 : as_store_annotation_config_create(r->srv->store, spec, &row, &e);
        json_decref(spec);
    }
    as_reply_row(r, rc, row, wire_annotation_config, &e);
    json_decref(body);
}

static void h_configs_create(as_req *r) { write_config(r, NULL); }

static void h_config_get(as_req *r) {
    json_t *row = config_by_ident(r, r->params[0]);
    if (row) as_reply_row(r, AS_OK, row, wire_annotation_config, NULL);
}

static void h_config_update(as_req *r) {
    json_t *row = config_by_ident(r, r->params[0]);
    if (!row) return;
    write_config(r, row);
    json_decref(row);
}

static void h_config_delete(as_req *r) {
    json_t *row = config_by_ident(r, r->params[0]), *gone = NULL;
    if (!row) return;
    as_err e;
    as_rc rc = as_store_annotation_config_delete(
        r->srv->store, json_integer_value(json_object_get(row, "id")), &gone, &e);
    json_decref(row);
    as_reply_row(r, rc, gone, wire_annotation_config, &e);
}

const as_route as_routes_annotations[] = {
    { "POST", "/v1/span_annotations", h_span_annotate, false, false },
    { "POST", "/v1/trace_annotations", h_trace_annotate, false, false },
    { "POST", "/v1/session_annotations", h_session_annotate, false, false },
    { "POST", "/v1/document_annotations", h_document_annotate, false, false },
    { "POST", "/v1/span_notes", h_span_note, false, false },
    { "POST", "/v1/trace_notes", h_trace_note, false, false },
    { "POST", "/v1/session_notes", h_session_note, false, false },
    { "GET", "/v1/projects/{}/span_annotations", h_span_list, false, false },
    { "GET", "/v1/projects/{}/trace_annotations", h_trace_list, false, false },
    { "GET", "/v1/projects/{}/session_annotations", h_session_list, false, false },
    { "GET", "/v1/projects/{}/document_annotations", h_document_list, false, false },
    { "DELETE", "/v1/projects/{}/span_annotations", h_span_annotations_delete, false, false },
    { "DELETE", "/v1/projects/{}/trace_annotations", h_trace_annotations_delete, false, false },
    { "DELETE", "/v1/projects/{}/session_annotations", h_session_annotations_delete, false, false },
    { "DELETE", "/v1/projects/{}/document_annotations", h_document_annotations_delete, false,
      false },
    { "POST", "/v1/dataset_example_annotations", h_example_annotate, false, false },
    { "GET", "/v1/dataset_example_annotations", h_example_list, false, false },
    { "GET", "/v1/annotation_configs", h_configs_list, false, false },
    { "POST", "/v1/annotation_configs", h_configs_create, false, false },
    { "GET", "/v1/annotation_configs/{}", h_config_get, false, false },
    { "PUT", "/v1/annotation_configs/{}", h_config_update, false, false },
    { "DELETE", "/v1/annotation_configs/{}", h_config_delete, false, false },
    { NULL, NULL, NULL, false, false },
};
