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
 *   2. protobuf-c unpacks the request (arena allocator) and conv_*()
 *      validate ids and UTF-8 and build the spans.  protobuf-c 1.4 does
 *      NOT check UTF-8 (verified: it unpacks "\xff\xfe" as a string), so
 *      every string we keep is checked here, after which jansson's
 *      *_nocheck constructors are safe.
 * Attributes come out flat, one json value per key, last key wins.
 * Also home of the helpers shared with decode_json.c and the normaliser
 * (as_utf8_valid, as_otlp_double, as_otlp_where).
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assay/alloc.h"
#include "assay/hex.h"
#include "assay/otlp.h"
#include "assay/timefmt.h"

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

bool as_utf8_valid(const char *str, size_t n) {
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < n) {
        /* ASCII fast path, 8 bytes at a time. */
        while (i + 8 <= n) {
            uint64_t w;
            memcpy(&w, s + i, 8);
            if (w & 0x8080808080808080ULL) break;
            i += 8;
        }
        if (i >= n) break;
        unsigned c = s[i];
        if (c < 0x80) { i++; continue; }
        size_t len;
        unsigned cp;
        if (c >= 0xC2 && c <= 0xDF) { len = 2; cp = c & 0x1F; }
        else if (c >= 0xE0 && c <= 0xEF) { len = 3; cp = c & 0x0F; }
        else if (c >= 0xF0 && c <= 0xF4) { len = 4; cp = c & 0x07; }
        else return false;
        if (n - i < len) return false;
        for (size_t k = 1; k < len; k++) {
            unsigned cc = s[i + k];
            if ((cc & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (cc & 0x3F);
        }
        if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
            cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += len;
    }
    return true;
}

json_t *as_otlp_double(double d) {
    if (isnan(d)) return json_string_nocheck("NaN");
    if (isinf(d)) return json_string_nocheck(d > 0 ? "Infinity" : "-Infinity");
    return json_real(d);
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

static json_t *conv_bytes(const uint8_t *p, size_t n) {
    char small[256];
    size_t need = 4 * ((n + 2) / 3) + 1;
    char *out = need <= sizeof(small) ? small : as_xmalloc(need);
    size_t len = as_base64_encode(p, n, out);
    json_t *j = json_stringn_nocheck(out, len);
    if (out != small) free(out);
    return j;
}

static as_rc conv_attrs(conv *c, PbKeyValue **kvs, size_t n, json_t *obj,
                        const char *what, int depth);

/* One AnyValue at nesting level depth (1 = an attribute's own value). */
static as_rc conv_any(conv *c, const PbAnyValue *v, int depth, const char *key,
                      json_t **out) {
    char shown[AS_OTLP_SHORT_MAX];
    *out = NULL;
    if (depth > AS_OTLP_MAX_DEPTH) {
        as_otlp_shorten(key, shown);
        return conv_fail(c, AS_EINVAL, "attribute \"%s\": AnyValue nesting deeper than %d",
                         shown, AS_OTLP_MAX_DEPTH);
    }
    if (!v) { *out = json_null(); return AS_OK; }
    switch (v->value_case) {
    case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE: {
        size_t n = strlen(v->string_value);
        if (!as_utf8_valid(v->string_value, n)) {
            as_otlp_shorten(key, shown);
            return conv_fail(c, AS_EINVAL, "attribute \"%s\": string value is not valid UTF-8",
                             shown);
        }
        *out = json_stringn_nocheck(v->string_value, n);
        return AS_OK;
    }
    case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BOOL_VALUE:
        *out = json_boolean(v->bool_value);
        return AS_OK;
    case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE:
        *out = json_integer((json_int_t)v->int_value);
        return AS_OK;
    case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_DOUBLE_VALUE:
        *out = as_otlp_double(v->double_value);
        return AS_OK;
    case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BYTES_VALUE:
        *out = conv_bytes(v->bytes_value.data, v->bytes_value.len);
        return AS_OK;
    case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_ARRAY_VALUE: {
        json_t *arr = json_array();
        const Opentelemetry__Proto__Common__V1__ArrayValue *a = v->array_value;
        for (size_t i = 0; a && i < a->n_values; i++) {
            json_t *e;
            as_rc rc = conv_any(c, a->values[i], depth + 1, key, &e);
            if (rc != AS_OK) { json_decref(arr); return rc; }
            json_array_append_new(arr, e);
        }
        *out = arr;
        return AS_OK;
    }
    case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_KVLIST_VALUE: {
        json_t *obj = json_object();
        const Opentelemetry__Proto__Common__V1__KeyValueList *l = v->kvlist_value;
        as_rc rc = l ? conv_attrs(c, l->values, l->n_values, obj, key, depth + 1) : AS_OK;
        if (rc != AS_OK) { json_decref(obj); return rc; }
        *out = obj;
        return AS_OK;
    }
    default:
        *out = json_null();
        return AS_OK;
    }
}

/* Key/values into obj (last key wins).  what names the list in messages;
 * depth is the nesting level of the values. */
static as_rc conv_attrs(conv *c, PbKeyValue **kvs, size_t n, json_t *obj,
                        const char *what, int depth) {
    for (size_t i = 0; i < n; i++) {
        const PbKeyValue *kv = kvs[i];
        size_t klen = strlen(kv->key);
        if (!as_utf8_valid(kv->key, klen)) {
            char shown[AS_OTLP_SHORT_MAX];
            as_otlp_shorten(what, shown);
            return conv_fail(c, AS_EINVAL, "%s[%zu]: key is not valid UTF-8", shown, i);
        }
        json_t *val;
        as_rc rc = conv_any(c, kv->value, depth, kv->key, &val);
        if (rc != AS_OK) return rc;
        json_object_setn_new_nocheck(obj, kv->key, klen, val);
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

static as_rc conv_event(conv *c, const PbEvent *ev, size_t i, json_t *events) {
    char what[48];
    int64_t t = 0;
    as_rc rc = conv_time(c, ev->time_unix_nano, "event timeUnixNano", &t);
    if (rc != AS_OK) return rc;
    const char *name = ev->name ? ev->name : "";
    size_t nlen = strlen(name);
    if (!as_utf8_valid(name, nlen))
        return conv_fail(c, AS_EINVAL, "events[%zu]: name is not valid UTF-8", i);
    char iso[AS_ISO_MAX];
    as_time_iso(t, iso);
    json_t *attrs = json_object();
    snprintf(what, sizeof(what), "events[%zu].attributes", i);
    rc = conv_attrs(c, ev->attributes, ev->n_attributes, attrs, what, 1);
    if (rc != AS_OK) { json_decref(attrs); return rc; }
    json_t *o = json_object();
    json_object_set_new_nocheck(o, "name", json_stringn_nocheck(name, nlen));
    json_object_set_new_nocheck(o, "timestamp", json_string_nocheck(iso));
    json_object_set_new_nocheck(o, "attributes", attrs);
    json_array_append_new(events, o);
    return AS_OK;
}

static as_rc conv_link(conv *c, const PbLink *l, size_t i, json_t *links) {
    char what[48], tid[33], sid[17];
    if (l->trace_id.len != 16)
        return conv_fail(c, AS_EINVAL, "links[%zu]: traceId must be 16 bytes, got %zu", i, l->trace_id.len);
    if (l->span_id.len != 8)
        return conv_fail(c, AS_EINVAL, "links[%zu]: spanId must be 8 bytes, got %zu", i, l->span_id.len);
    if (as_bytes_all_zero(l->trace_id.data, 16))
        return conv_fail(c, AS_EINVAL, "links[%zu]: traceId must not be all zero", i);
    if (as_bytes_all_zero(l->span_id.data, 8))
        return conv_fail(c, AS_EINVAL, "links[%zu]: spanId must not be all zero", i);
    as_hex_encode(l->trace_id.data, 16, tid);
    as_hex_encode(l->span_id.data, 8, sid);
    json_t *attrs = json_object();
    snprintf(what, sizeof(what), "links[%zu].attributes", i);
    as_rc rc = conv_attrs(c, l->attributes, l->n_attributes, attrs, what, 1);
    if (rc != AS_OK) { json_decref(attrs); return rc; }
    json_t *o = json_object();
    json_object_set_new_nocheck(o, "trace_id", json_string_nocheck(tid));
    json_object_set_new_nocheck(o, "span_id", json_string_nocheck(sid));
    json_object_set_new_nocheck(o, "attributes", attrs);
    json_array_append_new(links, o);
    return AS_OK;
}

static as_rc conv_span(conv *c, const PbSpan *ps, const char *project) {
    as_span *s = as_span_batch_add(c->out);
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
    if ((rc = conv_attrs(c, ps->attributes, ps->n_attributes, s->attributes, "attributes", 1)) != AS_OK)
        return rc;
    for (size_t i = 0; i < ps->n_events; i++)
        if ((rc = conv_event(c, ps->events[i], i, s->events)) != AS_OK) return rc;
    for (size_t i = 0; i < ps->n_links; i++)
        if ((rc = conv_link(c, ps->links[i], i, s->links)) != AS_OK) return rc;
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
