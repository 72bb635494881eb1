/*
 * h_spans.c - GET /v1/projects/{id}/spans (Phoenix REST v1 plus assay's
 * ?filter= expression) and its OTLP-shaped sibling /spans/otlpv1.
 * Both parse the same query parameters into one as_span_query.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assay/alloc.h"
#include "assay/filter.h"
#include "server.h"
#include "wire.h"

#define MAX_LIST 1000

typedef struct span_params {
    as_span_query q;
    const char *lists[6][MAX_LIST];
    const char *attr[MAX_LIST];
    json_t *attr_values[MAX_LIST];
    char *attr_keys[MAX_LIST];
    as_filter *filter;
} span_params;

static void params_release(span_params *p) {
    for (size_t i = 0; i < p->q.attr_keys.n; i++) {
        json_decref(p->attr_values[i]);
        free(p->attr_keys[i]);
    }
    as_filter_free(p->filter);
}

static bool parse_params(as_req *r, span_params *p) {
    memset(&p->q, 0, sizeof(p->q));
    p->filter = NULL;
    if (!as_req_project(r, r->params[0], &p->q.project_id, NULL)) return false;
    if ((p->q.limit = as_req_limit(r, 100, 1000)) < 0) return false;
    if (!as_req_time(r, "start_time", &p->q.start_ns) ||
        !as_req_time(r, "end_time", &p->q.end_ns))
        return false;
    if (!as_req_sort(r, &p->q.sort_latency, &p->q.ascending)) return false;
    const char *cursor = as_req_query(r, "cursor");
    if (cursor && *cursor) {
        if (!wire_cursor_decode(cursor, &p->q.cursor_start, &p->q.cursor_id) ||
            p->q.cursor_id <= 0) {
            as_reply_error(r, AS_EUNPROCESSABLE, "cursor is not one this server issued");
            return false;
        }
    }
    struct { const char *name; as_str_list *list; } lists[] = {
        { "trace_id", &p->q.trace_ids }, { "span_id", &p->q.span_ids },
        { "parent_id", &p->q.parent_ids }, { "name", &p->q.names },
        { "span_kind", &p->q.kinds }, { "status_code", &p->q.status_codes },
    };
    for (size_t i = 0; i < AS_ARRAY_LEN(lists); i++) {
        lists[i].list->v = p->lists[i];
        lists[i].list->n = as_req_query_all(r, lists[i].name, p->lists[i], MAX_LIST);
    }
    for (size_t i = 0; i < p->q.kinds.n; i++) {
        if (strcmp(as_span_kind_canonical(p->q.kinds.v[i]), p->q.kinds.v[i]) != 0 &&
            strcmp(p->q.kinds.v[i], "UNKNOWN") != 0) {
            as_reply_errorf(r, AS_EUNPROCESSABLE, "span_kind '%.40s' is not one of LLM, CHAIN, TOOL, "
                            "AGENT, RETRIEVER, EMBEDDING, RERANKER, GUARDRAIL, EVALUATOR, PROMPT, "
                            "UNKNOWN", p->q.kinds.v[i]);
            return false;
        }
    }
    for (size_t i = 0; i < p->q.status_codes.n; i++) {
        const char *c = p->q.status_codes.v[i];
        if (strcmp(c, "OK") != 0 && strcmp(c, "ERROR") != 0 && strcmp(c, "UNSET") != 0) {
            as_reply_errorf(r, AS_EUNPROCESSABLE, "status_code '%.40s' is not one of OK, ERROR, UNSET", c);
            return false;
        }
    }
    size_t na = as_req_query_all(r, "attribute", p->attr, MAX_LIST);
    p->q.attr_keys.v = (const char **)p->attr_keys;
    p->q.attr_values = p->attr_values;
    for (size_t i = 0; i < na; i++) {
        const char *colon = strchr(p->attr[i], ':');
        if (!colon || colon == p->attr[i] || colon[1] == '\0') {
            as_reply_errorf(r, AS_EUNPROCESSABLE, "attribute filter '%.100s' must look like key:value",
                            p->attr[i]);
            return false;
        }
        const char *val = colon + 1;
        json_t *v = json_loads(val, JSON_DECODE_ANY, NULL);
        if (json_is_object(v) || json_is_array(v)) {
            json_decref(v);
            as_reply_errorf(r, AS_EUNPROCESSABLE, "attribute filter '%.100s': the value must be a "
                            "string, number, boolean or null", p->attr[i]);
            return false;
        }
        if (!v) v = json_string(val);         /* not JSON: a plain string */
        if (!v) {
            as_reply_error(r, AS_EUNPROCESSABLE, "attribute filter value is not valid UTF-8");
            return false;
        }
        p->attr_keys[i] = as_xstrndup(p->attr[i], (size_t)(colon - p->attr[i]));
        p->attr_values[i] = v;
        p->q.attr_keys.n = i + 1;
    }
    const char *expr = as_req_query(r, "filter");
    if (expr && *expr) {
        as_filter_error fe;
        as_err e;
        if (as_filter_parse(expr, strlen(expr), &p->filter, &fe, &e) != AS_OK) {
            /* every filter problem is the client's expression: 400 */
            as_reply_json(r, 400,
                          json_pack("{s:s, s:s, s:I}", "detail", e.msg, "code",
                                    as_rc_name(e.code), "column", (json_int_t)fe.column));
            return false;
        }
        p->q.filter = p->filter;
    }
    return true;
}

static void list_spans(as_req *r, json_t *(*shape)(const json_t *)) {
    span_params *p = calloc(1, sizeof(*p));     /* ~100 KB: keep off the stack */
    if (!p) { as_reply_error(r, AS_EINTERNAL, "out of memory"); return; }
    if (parse_params(r, p)) {
        json_t *rows;
        bool has_next;
        int64_t ns = 0, nid = 0;
        as_err e;
        if (as_store_span_query(r->srv->store, &p->q, &rows, &has_next, &ns, &nid, &e) == AS_OK) {
            json_t *data = wire_map(rows, shape);
            json_decref(rows);
            char cur[96];
            if (has_next) wire_cursor_encode(ns, nid, cur);
            as_reply_page(r, data, has_next ? cur : NULL);
        } else {
            json_decref(rows);
            as_reply_err(r, &e);
        }
    }
    params_release(p);
    free(p);
}

void h_spans_list(as_req *r) { list_spans(r, wire_span); }
void h_spans_otlp(as_req *r) { list_spans(r, wire_span_otlp); }
