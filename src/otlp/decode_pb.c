/*
 * decode_pb.c - OTLP/protobuf ExportTraceServiceRequest -> as_span_batch.
 *
 * Two passes over the body:
 *   1. scan_msg() walks the wire bytes once, knowing which fields hold
 *      which messages, without allocating.  It enforces the limits
 *      protobuf-c cannot: the AnyValue nesting depth (protobuf-c recurses
 *      without bound, so a deeply nested body would overflow the stack in
 *      protobuf_c_message_unpack) and the number of spans; and it reports
 *      malformed wire data with a byte offset and a path.
 *   2. protobuf-c unpacks the request into a scratch arena and conv_*()
 *      validate ids and UTF-8 and build the spans, copying what they keep
 *      into the batch's arena (the scratch arena goes at once).
 *      protobuf-c 1.4 does NOT check UTF-8 (verified: it unpacks
 *      "\xff\xfe" as a string), so every string we keep is checked here.
 * Attributes come out as a flat array of typed values (span.h), in the
 * order sent; repeated keys inside kvlists and event/link attributes are
 * resolved here (as_attrs_dedup), those of the span by the normaliser.
 * Also home of the helpers shared with decode_json.c and the normaliser
 * (as_otlp_double, as_attrs_dedup, as_otlp_where).
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assay/alloc.h"
#include "assay/hex.h"
#include "assay/otlp.h"
#include "assay/utf8.h"

#include "otlp_trace_service.pb-c.h"

typedef Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest PbRequest;
typedef Opentelemetry__Proto__Trace__V1__ResourceSpans PbResourceSpans;
typedef Opentelemetry__Proto__Trace__V1__ScopeSpans PbScopeSpans;
typedef Opentelemetry__Proto__Trace__V1__Span PbSpan;
typedef Opentelemetry__Proto__Trace__V1__Span__Event PbEvent;
typedef Opentelemetry__Proto__Trace__V1__Span__Link PbLink;
typedef Opentelemetry__Proto__Common__V1__KeyValue PbKeyValue;
typedef Opentelemetry__Proto__Common__V1__AnyValue PbAnyValue;

/* ------------------------------------------------------------------ */
/* Shared helpers                                                      */
/* ------------------------------------------------------------------ */


void as_otlp_double(double d, as_value *out) {
    if (isnan(d) || isinf(d)) {
        out->type = AS_V_STR;
        out->u.s = isnan(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity";
        out->n = strlen(out->u.s);
    } else {
        out->type = AS_V_REAL;
        out->u.d = d;
        out->n = 0;
    }
}

static int cmp_attr_ptr(const void *pa, const void *pb) {
    const as_attr *a = *(const as_attr *const *)pa, *b = *(const as_attr *const *)pb;
    int c = memcmp(a->key, b->key, a->klen < b->klen ? a->klen : b->klen);
    if (c) return c;
    if (a->klen != b->klen) return a->klen < b->klen ? -1 : 1;
    return a < b ? -1 : a > b;            /* stable: the order sent */
}

size_t as_attrs_dedup(as_attr *a, size_t n) {
    enum { SMALL = 16 };
    size_t out = 0;
    if (n <= SMALL) {
        for (size_t i = 0; i < n; i++) {
            size_t j = 0;
            while (j < out && (a[j].klen != a[i].klen || memcmp(a[j].key, a[i].key, a[i].klen) != 0))
                j++;
            if (j < out) a[j].val = a[i].val;
            else a[out++] = a[i];
        }
        return out;
    }
    /* Sort pointers by (key, place); in each run of one key the first
     * entry takes the last value and the others are marked (key NULL). */
    as_attr **p = as_xmalloc(n * sizeof(*p));
    for (size_t i = 0; i < n; i++) p[i] = &a[i];
    qsort(p, n, sizeof(*p), cmp_attr_ptr);
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && p[j]->klen == p[i]->klen && memcmp(p[j]->key, p[i]->key, p[i]->klen) == 0) j++;
        if (j - i > 1) {
            p[i]->val = p[j - 1]->val;
            for (size_t k = i + 1; k < j; k++) p[k]->key = NULL;
        }
        i = j;
    }
    free(p);
    for (size_t i = 0; i < n; i++)
        if (a[i].key) a[out++] = a[i];
    return out;
}

void as_otlp_shorten(const char *s, char out[AS_OTLP_SHORT_MAX]) {
    enum { SHOWN_MAX = 64 };
    size_t n = strlen(s), i = 0, o = 0;
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        size_t len = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
        if (i + len > n || o + len > SHOWN_MAX) break;
        if (c < 0x20 || c == '"' || c == '\\' || c == 0x7F) out[o++] = '?';
        else { memcpy(out + o, s + i, len); o += len; }
        i += len;
    }
    if (i < n) { memcpy(out + o, "...", 3); o += 3; }
    out[o] = '\0';
}

void as_otlp_where(char *out, size_t cap, size_t ri, size_t si, size_t pi,
                   const char *name) {
    if (name && *name) {
        char shown[AS_OTLP_SHORT_MAX];
        as_otlp_shorten(name, shown);
        snprintf(out, cap, "resourceSpans[%zu].scopeSpans[%zu].spans[%zu] (name \"%s\")",
                 ri, si, pi, shown);
    } else {
        snprintf(out, cap, "resourceSpans[%zu].scopeSpans[%zu].spans[%zu]", ri, si, pi);
    }
}

/* ------------------------------------------------------------------ */
/* Pass 1: wire scan                                                   */
/* ------------------------------------------------------------------ */

enum { M_NONE, M_REQ, M_RS, M_RES, M_SS, M_SCOPE, M_SPAN, M_EVENT, M_LINK,
       M_KV, M_ANY, M_ARR, M_KVL };

typedef struct edge { int child; bool repeated; const char *label; } edge;

/* Which message a length-delimited field of message `msg` holds. */
static edge child_of(int msg, uint64_t field) {
    static const edge none = { M_NONE, false, NULL };
    switch (msg) {
    case M_REQ: if (field == 1) return (edge){ M_RS, true, "resourceSpans" }; break;
    case M_RS:
        if (field == 1) return (edge){ M_RES, false, "resource" };
        if (field == 2) return (edge){ M_SS, true, "scopeSpans" };
        break;
    case M_RES: if (field == 1) return (edge){ M_KV, true, "attributes" }; break;
    case M_SS:
        if (field == 1) return (edge){ M_SCOPE, false, "scope" };
        if (field == 2) return (edge){ M_SPAN, true, "spans" };
        break;
    case M_SCOPE: if (field == 3) return (edge){ M_KV, true, "attributes" }; break;
    case M_SPAN:
        if (field == 9) return (edge){ M_KV, true, "attributes" };
        if (field == 11) return (edge){ M_EVENT, true, "events" };
        if (field == 13) return (edge){ M_LINK, true, "links" };
        break;
    case M_EVENT: if (field == 3) return (edge){ M_KV, true, "attributes" }; break;
    case M_LINK: if (field == 4) return (edge){ M_KV, true, "attributes" }; break;
    case M_KV: if (field == 2) return (edge){ M_ANY, false, "value" }; break;
    case M_ANY:
        if (field == 5) return (edge){ M_ARR, false, "arrayValue" };
        if (field == 6) return (edge){ M_KVL, false, "kvlistValue" };
        break;
    case M_ARR: if (field == 1) return (edge){ M_ANY, true, "values" }; break;
    case M_KVL: if (field == 1) return (edge){ M_KV, true, "values" }; break;
    }
    return none;
}

#define SCAN_MAX_FRAMES 160

typedef struct scan {
    const uint8_t *base;
    size_t nspans;
    int nframes;
    struct { const char *label; long idx; int msg; } fr[SCAN_MAX_FRAMES];
    as_err *err;
} scan;

/* "resourceSpans[0].scopeSpans[1].spans[4].attributes[2]": the frames down
 * to the attribute whose value is too deep (AnyValue frames left out). */
static void scan_path(const scan *sc, char *out, size_t cap) {
    size_t o = 0;
    out[0] = '\0';
    for (int i = 0; i < sc->nframes && o < cap; i++) {
        if (sc->fr[i].msg == M_ANY) break;
        int n = sc->fr[i].idx >= 0
            ? snprintf(out + o, cap - o, "%s%s[%ld]", o ? "." : "", sc->fr[i].label, sc->fr[i].idx)
            : snprintf(out + o, cap - o, "%s%s", o ? "." : "", sc->fr[i].label);
        if (n < 0) break;
        o += (size_t)n;
    }
    if (o == 0) snprintf(out, cap, "request");
}

static as_rc scan_fail(scan *sc, const uint8_t *at, const char *what) {
    char path[256];
    scan_path(sc, path, sizeof(path));
    return as_err_set(sc->err, AS_EINVAL, "invalid protobuf at byte %zu (in %s): %s",
                      (size_t)(at - sc->base), path, what);
}

static bool rd_varint(const uint8_t **pp, const uint8_t *end, uint64_t *v) {
    const uint8_t *p = *pp;
    uint64_t r = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (p >= end) return false;
        uint8_t b = *p++;
        r |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) { *pp = p; *v = r; return true; }
    }
    return false;
}

static as_rc scan_msg(scan *sc, const uint8_t *p, const uint8_t *end, int msg,
                      int anydepth) {
    long counts[16] = { 0 };
    while (p < end) {
        const uint8_t *field_start = p;
        uint64_t key, v;
        if (!rd_varint(&p, end, &key)) return scan_fail(sc, field_start, "truncated field tag");
        uint64_t field = key >> 3;
        if (field == 0) return scan_fail(sc, field_start, "field number 0");
        switch (key & 7) {
        case 0:
            if (!rd_varint(&p, end, &v)) return scan_fail(sc, field_start, "truncated varint");
            break;
        case 1:
            if (end - p < 8) return scan_fail(sc, field_start, "truncated fixed64");
            p += 8;
            break;
        case 5:
            if (end - p < 4) return scan_fail(sc, field_start, "truncated fixed32");
            p += 4;
            break;
        case 2: {
            if (!rd_varint(&p, end, &v) || v > (uint64_t)(end - p))
                return scan_fail(sc, field_start, "truncated length-delimited field");
            edge e = child_of(msg, field);
            if (e.child != M_NONE) {
                int d = anydepth;
                if (e.child == M_ANY && ++d > AS_OTLP_MAX_DEPTH) {
                    char path[256];
                    scan_path(sc, path, sizeof(path));
                    return as_err_set(sc->err, AS_EINVAL,
                                      "%s: AnyValue nesting deeper than %d",
                                      path, AS_OTLP_MAX_DEPTH);
                }
                if (e.child == M_SPAN && ++sc->nspans > AS_OTLP_MAX_SPANS)
                    return as_err_set(sc->err, AS_ETOOBIG,
                                      "more than %d spans in one request",
                                      AS_OTLP_MAX_SPANS);
                if (sc->nframes >= SCAN_MAX_FRAMES)   /* unreachable: depth */
                    return scan_fail(sc, field_start, "nesting too deep");
                sc->fr[sc->nframes].label = e.label;
                sc->fr[sc->nframes].idx = e.repeated ? counts[field]++ : -1;
                sc->fr[sc->nframes].msg = e.child;
                sc->nframes++;
                as_rc rc = scan_msg(sc, p, p + v, e.child, d);
                if (rc != AS_OK) return rc;
                sc->nframes--;
            }
            p += v;
            break;
        }
        default:
            return scan_fail(sc, field_start, "unsupported wire type (groups are not allowed)");
        }
    }
    return AS_OK;
}

/* ------------------------------------------------------------------ */
/* Pass 2: conversion of the unpacked message                          */
/* ------------------------------------------------------------------ */

typedef struct conv {
    as_span_batch *out;
    as_err *err;
    size_t ri, si, pi;
    const char *name;      /* current span's name, or NULL */
    bool in_span;
} conv;

static as_rc conv_fail(conv *c, as_rc code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static as_rc conv_fail(conv *c, as_rc code, const char *fmt, ...) {
    char where[200], what[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    if (c->in_span) as_otlp_where(where, sizeof(where), c->ri, c->si, c->pi, c->name);
    else snprintf(where, sizeof(where), "resourceSpans[%zu].resource", c->ri);
    return as_err_set(c->err, code, "%s: %s", where, what);
}

static void conv_bytes(conv *c, const uint8_t *p, size_t n, as_value *out) {
    char *enc = as_arena_alloc(&c->out->arena, 4 * ((n + 2) / 3) + 1);
    out->type = AS_V_STR;
    out->n = as_base64_encode(p, n, enc);
    out->u.s = enc;
}

static as_rc conv_attrs(conv *c, PbKeyValue **kvs, size_t n, const char *what, int depth,
                        as_attr **out, size_t *nout);

/* One AnyValue at nesting level depth (1 = an attribute's own value). */
static as_rc conv_any(conv *c, const PbAnyValue *v, int depth, const char *key,
                      as_value *out) {
    char shown[AS_OTLP_SHORT_MAX];
    memset(out, 0, sizeof(*out));
    if (depth > AS_OTLP_MAX_DEPTH) {
        as_otlp_shorten(key, shown);
        return conv_fail(c, AS_EINVAL, "attribute \"%s\": AnyValue nesting deeper than %d",
                         shown, AS_OTLP_MAX_DEPTH);
    }
    if (!v) return AS_OK;                           /* AS_V_NULL */
    switch (v->value_case) {
    case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE: {
        size_t n = strlen(v->string_value);
        if (!as_utf8_valid(v->string_value, n)) {
            as_otlp_shorten(key, shown);
            return conv_fail(c, AS_EINVAL, "attribute \"%s\": string value is not valid UTF-8",
                             shown);
        }
        out->type = AS_V_STR;
        out->n = n;
        out->u.s = as_arena_strndup(&c->out->arena, v->string_value, n);
        return AS_OK;
    }
    case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BOOL_VALUE:
        out->type = v->bool_value ? AS_V_TRUE : AS_V_FALSE;
        return AS_OK;
    case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE:
        out->type = AS_V_INT;
        out->u.i = v->int_value;
        return AS_OK;
    case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_DOUBLE_VALUE:
        as_otlp_double(v->double_value, out);
        return AS_OK;
    case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BYTES_VALUE:
        conv_bytes(c, v->bytes_value.data, v->bytes_value.len, out);
        return AS_OK;
    case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_ARRAY_VALUE: {
        const Opentelemetry__Proto__Common__V1__ArrayValue *a = v->array_value;
        size_t n = a ? a->n_values : 0;
        out->type = AS_V_ARRAY;
        out->u.items = n ? as_arena_alloc(&c->out->arena, n * sizeof(as_value)) : NULL;
        for (size_t i = 0; i < n; i++) {
            as_rc rc = conv_any(c, a->values[i], depth + 1, key, &out->u.items[i]);
            if (rc != AS_OK) return rc;
            out->n = i + 1;
        }
        return AS_OK;
    }
    case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_KVLIST_VALUE: {
        const Opentelemetry__Proto__Common__V1__KeyValueList *l = v->kvlist_value;
        out->type = AS_V_OBJECT;
        if (!l) return AS_OK;
        as_rc rc = conv_attrs(c, l->values, l->n_values, key, depth + 1, &out->u.members, &out->n);
        if (rc != AS_OK) return rc;
        out->n = as_attrs_dedup(out->u.members, out->n);
        return AS_OK;
    }
    default:
        return AS_OK;                               /* AS_V_NULL */
    }
}

/* Key/values into a new arena array *out (as sent: repeated keys kept).
 * what names the list in messages; depth is the nesting level of the
 * values. */
static as_rc conv_attrs(conv *c, PbKeyValue **kvs, size_t n, const char *what, int depth,
                        as_attr **out, size_t *nout) {
    as_attr *a = n ? as_arena_alloc(&c->out->arena, n * sizeof(*a)) : NULL;
    *out = a;
    *nout = 0;
    for (size_t i = 0; i < n; i++) {
        const PbKeyValue *kv = kvs[i];
        size_t klen = strlen(kv->key);
        if (!as_utf8_valid(kv->key, klen)) {
            char shown[AS_OTLP_SHORT_MAX];
            as_otlp_shorten(what, shown);
            return conv_fail(c, AS_EINVAL, "%s[%zu]: key is not valid UTF-8", shown, i);
        }
        a[i].key = as_arena_strndup(&c->out->arena, kv->key, klen);
        a[i].klen = klen;
        as_rc rc = conv_any(c, kv->value, depth, kv->key, &a[i].val);
        if (rc != AS_OK) return rc;
        *nout = i + 1;
    }
    return AS_OK;
}

static as_rc conv_time(conv *c, uint64_t t, const char *what, int64_t *out) {
    if (t > (uint64_t)INT64_MAX)
        return conv_fail(c, AS_EINVAL, "%s %llu is out of range", what,
                         (unsigned long long)t);
    *out = (int64_t)t;
    return AS_OK;
}

static as_rc conv_str(conv *c, const char *s, const char *what, const char **out) {
    if (!s || !*s) { *out = ""; return AS_OK; }
    size_t n = strlen(s);
    if (!as_utf8_valid(s, n))
        return conv_fail(c, AS_EINVAL, "%s is not valid UTF-8", what);
    *out = as_arena_strndup(&c->out->arena, s, n);
    return AS_OK;
}

static as_rc conv_event(conv *c, const PbEvent *ev, size_t i, as_event *out) {
    char what[48];
    as_rc rc = conv_time(c, ev->time_unix_nano, "event timeUnixNano", &out->time_ns);
    if (rc != AS_OK) return rc;
    const char *name = ev->name ? ev->name : "";
    size_t nlen = strlen(name);
    if (!as_utf8_valid(name, nlen))
        return conv_fail(c, AS_EINVAL, "events[%zu]: name is not valid UTF-8", i);
    out->name = as_arena_strndup(&c->out->arena, name, nlen);
    out->name_len = nlen;
    snprintf(what, sizeof(what), "events[%zu].attributes", i);
    rc = conv_attrs(c, ev->attributes, ev->n_attributes, what, 1, &out->attrs, &out->n_attrs);
    if (rc != AS_OK) return rc;
    out->n_attrs = as_attrs_dedup(out->attrs, out->n_attrs);
    return AS_OK;
}

static as_rc conv_link(conv *c, const PbLink *l, size_t i, as_link *out) {
    char what[48];
    if (l->trace_id.len != 16)
        return conv_fail(c, AS_EINVAL, "links[%zu]: traceId must be 16 bytes, got %zu", i, l->trace_id.len);
    if (l->span_id.len != 8)
        return conv_fail(c, AS_EINVAL, "links[%zu]: spanId must be 8 bytes, got %zu", i, l->span_id.len);
    if (as_bytes_all_zero(l->trace_id.data, 16))
        return conv_fail(c, AS_EINVAL, "links[%zu]: traceId must not be all zero", i);
    if (as_bytes_all_zero(l->span_id.data, 8))
        return conv_fail(c, AS_EINVAL, "links[%zu]: spanId must not be all zero", i);
    memcpy(out->trace_id, l->trace_id.data, 16);
    memcpy(out->span_id, l->span_id.data, 8);
    snprintf(what, sizeof(what), "links[%zu].attributes", i);
    as_rc rc = conv_attrs(c, l->attributes, l->n_attributes, what, 1, &out->attrs, &out->n_attrs);
    if (rc != AS_OK) return rc;
    out->n_attrs = as_attrs_dedup(out->attrs, out->n_attrs);
    return AS_OK;
}

static as_rc conv_span(conv *c, const PbSpan *ps, const char *project) {
    as_span *s = as_span_batch_add_bare(c->out);
    c->in_span = true;
    c->name = NULL;
    as_rc rc = conv_str(c, ps->name, "name", &s->name);
    if (rc != AS_OK) return rc;
    c->name = s->name;

    if (ps->trace_id.len != 16)
        return conv_fail(c, AS_EINVAL, "traceId must be 16 bytes, got %zu", ps->trace_id.len);
    if (as_bytes_all_zero(ps->trace_id.data, 16))
        return conv_fail(c, AS_EINVAL, "traceId must not be all zero");
    if (ps->span_id.len != 8)
        return conv_fail(c, AS_EINVAL, "spanId must be 8 bytes, got %zu", ps->span_id.len);
    if (as_bytes_all_zero(ps->span_id.data, 8))
        return conv_fail(c, AS_EINVAL, "spanId must not be all zero");
    if (ps->parent_span_id.len != 0 && ps->parent_span_id.len != 8)
        return conv_fail(c, AS_EINVAL, "parentSpanId must be empty or 8 bytes, got %zu",
                         ps->parent_span_id.len);
    memcpy(s->trace_id, ps->trace_id.data, 16);
    memcpy(s->span_id, ps->span_id.data, 8);
    if (ps->parent_span_id.len == 8 && !as_bytes_all_zero(ps->parent_span_id.data, 8)) {
        memcpy(s->parent_id, ps->parent_span_id.data, 8);
        s->has_parent = true;
    }
    s->otel_kind = ps->kind >= 0 && ps->kind <= 5 ? (int)ps->kind : 0;
    if ((rc = conv_time(c, ps->start_time_unix_nano, "startTimeUnixNano", &s->start_ns)) != AS_OK ||
        (rc = conv_time(c, ps->end_time_unix_nano, "endTimeUnixNano", &s->end_ns)) != AS_OK)
        return rc;
    if (ps->status) {
        int code = (int)ps->status->code;
        s->status_code = code >= 0 && code <= 2 ? code : AS_STATUS_UNSET;
        if ((rc = conv_str(c, ps->status->message, "status.message", &s->status_message)) != AS_OK)
            return rc;
    }
    s->project_name = project;
    if ((rc = conv_attrs(c, ps->attributes, ps->n_attributes, "attributes", 1, &s->attrs,
                         &s->n_attrs)) != AS_OK)
        return rc;
    if (ps->n_events)
        s->events = as_arena_calloc(&c->out->arena, ps->n_events * sizeof(as_event));
    for (size_t i = 0; i < ps->n_events; i++, s->n_events++)
        if ((rc = conv_event(c, ps->events[i], i, &s->events[i])) != AS_OK) return rc;
    if (ps->n_links)
        s->links = as_arena_calloc(&c->out->arena, ps->n_links * sizeof(as_link));
    for (size_t i = 0; i < ps->n_links; i++, s->n_links++)
        if ((rc = conv_link(c, ps->links[i], i, &s->links[i])) != AS_OK) return rc;
    return AS_OK;
}

/* Resource attribute openinference.project.name (a string; last wins). */
static as_rc conv_project(conv *c, const PbResourceSpans *rs, const char **out) {
    *out = NULL;
    if (!rs->resource) return AS_OK;
    const char *found = NULL;
    for (size_t i = 0; i < rs->resource->n_attributes; i++) {
        const PbKeyValue *kv = rs->resource->attributes[i];
        if (strcmp(kv->key, "openinference.project.name") != 0) continue;
        found = NULL;
        if (kv->value && kv->value->value_case ==
                OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE)
            found = kv->value->string_value;
    }
    if (!found || !*found) return AS_OK;
    c->in_span = false;
    return conv_str(c, found, "attribute openinference.project.name", out);
}

/* protobuf-c allocates every sub-message separately; drawing them from an
 * arena released in one go makes unpacking and freeing cheap. */
static void *arena_alloc(void *data, size_t n) { return as_arena_alloc(data, n); }
static void arena_free(void *data, void *p) { (void)data; (void)p; }

as_rc as_otlp_decode_protobuf(const uint8_t *body, size_t len,
                              as_span_batch *out, as_err *err) {
    static const uint8_t empty[1];
    if (!body) body = empty;
    scan sc = { .base = body, .err = err };
    as_rc rc = scan_msg(&sc, body, body + len, M_REQ, 0);
    if (rc != AS_OK) return rc;

    as_arena scratch;
    as_arena_init(&scratch);
    ProtobufCAllocator alloc = { arena_alloc, arena_free, &scratch };
    PbRequest *req = opentelemetry__proto__collector__trace__v1__export_trace_service_request__unpack(
        &alloc, len, body);
    if (!req) {
        as_arena_release(&scratch);
        return as_err_set(err, AS_EINVAL,
                          "invalid protobuf: body is not an ExportTraceServiceRequest");
    }
    conv c = { .out = out, .err = err };
    for (size_t ri = 0; ri < req->n_resource_spans && rc == AS_OK; ri++) {
        const PbResourceSpans *rs = req->resource_spans[ri];
        const char *project;
        c.ri = ri;
        if ((rc = conv_project(&c, rs, &project)) != AS_OK) break;
        for (size_t si = 0; si < rs->n_scope_spans && rc == AS_OK; si++) {
            const PbScopeSpans *ss = rs->scope_spans[si];
            c.si = si;
            for (size_t pi = 0; pi < ss->n_spans && rc == AS_OK; pi++) {
                c.pi = pi;
                rc = conv_span(&c, ss->spans[pi], project);
            }
        }
    }
    as_arena_release(&scratch);         /* frees req and everything in it */
    return rc;
}
