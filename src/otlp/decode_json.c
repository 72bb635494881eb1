/*
 * decode_json.c - OTLP/JSON ExportTraceServiceRequest -> as_span_batch.
 *
 * The body is parsed by jansson (duplicate keys allowed, the last wins)
 * after a cheap bracket scan rejects bodies nested deeper than
 * AS_OTLP_JSON_MAX_DEPTH (jansson's own limit is 2048).  The tree is then
 * walked; keys are the lowerCamelCase OTLP/JSON names, the proto
 * snake_case names are accepted too, unknown keys are ignored and null
 * counts as absent.  Ids are hex strings; 64-bit integers may be numbers
 * or decimal strings; doubles may be numbers, numeric strings or
 * "NaN"/"Infinity"/"-Infinity", the latter kept as those strings because
 * JSON cannot hold NaN or infinities.  What the spans keep is copied into
 * the batch's arena as typed values (span.h), and the parsed tree is
 * dropped at the end.
 * Every error names its place: "resourceSpans[0].scopeSpans[1].spans[4]
 * (name \"foo\"): traceId must be 32 hex characters, got 30".
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assay/alloc.h"
#include "assay/hex.h"
#include "assay/otlp.h"

bool as_json_depth_within(const char *s, size_t n, int max_depth) {
    int depth = 0;
    size_t i = 0;
    while (i < n) {
        char ch = s[i++];
        if (ch == '"') {
            while (i < n) {
                char x = s[i++];
                if (x == '\\') i++;
                else if (x == '"') break;
            }
        } else if (ch == '[' || ch == '{') {
            if (++depth > max_depth) return false;
        } else if (ch == ']' || ch == '}') {
            depth--;
        }
    }
    return true;
}

typedef struct jctx {
    as_span_batch *out;
    as_err *err;
    size_t ri, si, pi;
    int level;             /* 0 request, 1 resourceSpans[ri], 2 scopeSpans, 3 span */
    const char *name;      /* current span's name (level 3), or NULL */
    size_t nspans;
} jctx;

static as_rc jfail(jctx *c, as_rc code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static as_rc jfail(jctx *c, as_rc code, const char *fmt, ...) {
    char where[200], what[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    switch (c->level) {
    case 0: snprintf(where, sizeof(where), "request"); break;
    case 1: snprintf(where, sizeof(where), "resourceSpans[%zu]", c->ri); break;
    case 2: snprintf(where, sizeof(where), "resourceSpans[%zu].scopeSpans[%zu]", c->ri, c->si); break;
    default: as_otlp_where(where, sizeof(where), c->ri, c->si, c->pi, c->name); break;
    }
    return as_err_set(c->err, code, "%s: %s", where, what);
}

static const char *jtype(const json_t *v) {
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "object";
    case JSON_ARRAY: return "array";
    case JSON_STRING: return "string";
    case JSON_INTEGER: case JSON_REAL: return "number";
    case JSON_TRUE: case JSON_FALSE: return "boolean";
    default: return "null";
    }
}

/* Member by camelCase name, else by snake_case name; null counts as absent. */
static json_t *jget(const json_t *obj, const char *camel, const char *snake) {
    json_t *v = json_object_get(obj, camel);
    if (!v && snake) v = json_object_get(obj, snake);
    return v && !json_is_null(v) ? v : NULL;
}

/* An optional array member (absent -> *out NULL). */
static as_rc jarray(jctx *c, const json_t *obj, const char *camel, const char *snake,
                    const char *prefix, json_t **out) {
    *out = jget(obj, camel, snake);
    if (*out && !json_is_array(*out))
        return jfail(c, AS_EINVAL, "%s%s must be an array, got %s", prefix, camel, jtype(*out));
    return AS_OK;
}

static bool parse_dec(const char *s, int64_t *out) {
    bool neg = *s == '-';
    if (neg) s++;
    if (!*s) return false;
    uint64_t v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9') return false;
        unsigned d = (unsigned)(*s - '0');
        if (v > (UINT64_MAX - d) / 10) return false;
        v = v * 10 + d;
    }
    if (neg) {
        if (v > (uint64_t)INT64_MAX + 1) return false;
        *out = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
    } else {
        if (v > (uint64_t)INT64_MAX) return false;
        *out = (int64_t)v;
    }
    return true;
}

/* An int64 as number (integral) or decimal string. */
static bool j_i64(const json_t *v, int64_t *out) {
    if (json_is_integer(v)) { *out = json_integer_value(v); return true; }
    if (json_is_real(v)) {
        double d = json_real_value(v);
        if (d != floor(d) || d < -9223372036854775808.0 || d >= 9223372036854775808.0)
            return false;
        *out = (int64_t)d;
        return true;
    }
    if (json_is_string(v)) return parse_dec(json_string_value(v), out);
    return false;
}

static as_rc j_time(jctx *c, const json_t *obj, const char *camel, const char *snake,
                    const char *prefix, int64_t *out) {
    const json_t *v = jget(obj, camel, snake);
    *out = 0;
    if (!v) return AS_OK;
    if (!j_i64(v, out) || *out < 0)
        return jfail(c, AS_EINVAL, "%s%s must be a non-negative 64-bit integer (number or "
                     "decimal string) within range", prefix, camel);
    return AS_OK;
}

/* An enum as integer or as its proto name (names[i] for value i). */
static as_rc j_enum(jctx *c, const json_t *v, const char *field, const char *const *names,
                    int n, int *out) {
    *out = 0;
    if (!v) return AS_OK;
    if (json_is_integer(v)) {
        json_int_t x = json_integer_value(v);
        *out = x >= 0 && x < n ? (int)x : 0;
        return AS_OK;
    }
    if (json_is_string(v)) {
        for (int i = 0; i < n; i++)
            if (strcmp(json_string_value(v), names[i]) == 0) { *out = i; return AS_OK; }
        return AS_OK;
    }
    return jfail(c, AS_EINVAL, "%s must be an integer, got %s", field, jtype(v));
}

/* Hex id of nbytes.  optional: absent, "" or all-zero -> *present false. */
static as_rc j_id(jctx *c, const json_t *obj, const char *camel, const char *snake,
                  const char *prefix, uint8_t *out, size_t nbytes, bool optional,
                  bool *present) {
    const json_t *v = jget(obj, camel, snake);
    *present = false;
    if (!v) {
        if (optional) return AS_OK;
        return jfail(c, AS_EINVAL, "%s%s is missing", prefix, camel);
    }
    if (!json_is_string(v))
        return jfail(c, AS_EINVAL, "%s%s must be a hex string, got %s", prefix, camel, jtype(v));
    size_t n = json_string_length(v);
    if (n == 0 && optional) return AS_OK;
    if (n != 2 * nbytes)
        return jfail(c, AS_EINVAL, "%s%s must be %zu hex characters, got %zu", prefix, camel,
                     2 * nbytes, n);
    if (!as_hex_decode(json_string_value(v), n, out, nbytes))
        return jfail(c, AS_EINVAL, "%s%s must be hex, got non-hex characters", prefix, camel);
    if (as_bytes_all_zero(out, nbytes)) {
        if (optional) return AS_OK;
        return jfail(c, AS_EINVAL, "%s%s must not be all zero", prefix, camel);
    }
    *present = true;
    return AS_OK;
}

static as_rc j_attrs(jctx *c, const json_t *arr, const char *what, int depth, as_attr **out,
                     size_t *nout);

static as_rc j_any_fail(jctx *c, const char *key, const char *what) {
    char shown[AS_OTLP_SHORT_MAX];
    as_otlp_shorten(key, shown);
    return jfail(c, AS_EINVAL, "attribute \"%s\": %s", shown, what);
}

static bool j_bytes(jctx *c, const char *s, size_t n, as_value *out) {
    size_t cap = n / 4 * 3 + 3;
    uint8_t *raw = as_xmalloc(cap);
    long m = as_base64_decode(s, n, raw, cap);
    if (m >= 0) {
        char *enc = as_arena_alloc(&c->out->arena, 4 * (((size_t)m + 2) / 3) + 1);
        out->type = AS_V_STR;
        out->n = as_base64_encode(raw, (size_t)m, enc);
        out->u.s = enc;
    }
    free(raw);
    return m >= 0;
}

static void j_strval(jctx *c, const json_t *x, as_value *out) {
    out->type = AS_V_STR;
    out->n = json_string_length(x);
    out->u.s = as_arena_strndup(&c->out->arena, json_string_value(x), out->n);
}

/* One AnyValue object at nesting level depth (1 = an attribute's value). */
static as_rc j_any(jctx *c, const json_t *av, int depth, const char *key, as_value *out) {
    json_t *x;
    memset(out, 0, sizeof(*out));
    if (!av || json_is_null(av)) return AS_OK;      /* AS_V_NULL */
    if (!json_is_object(av)) {
        char what[64];
        snprintf(what, sizeof(what), "value must be an object, got %s", jtype(av));
        return j_any_fail(c, key, what);
    }
    if (depth > AS_OTLP_MAX_DEPTH) {
        char shown[AS_OTLP_SHORT_MAX];
        as_otlp_shorten(key, shown);
        return jfail(c, AS_EINVAL, "attribute \"%s\": AnyValue nesting deeper than %d",
                     shown, AS_OTLP_MAX_DEPTH);
    }
    if ((x = jget(av, "stringValue", "string_value"))) {
        if (!json_is_string(x)) return j_any_fail(c, key, "stringValue must be a string");
        j_strval(c, x, out);
    } else if ((x = jget(av, "boolValue", "bool_value"))) {
        if (!json_is_boolean(x)) return j_any_fail(c, key, "boolValue must be true or false");
        out->type = json_is_true(x) ? AS_V_TRUE : AS_V_FALSE;
    } else if ((x = jget(av, "intValue", "int_value"))) {
        int64_t i;
        if (!j_i64(x, &i))
            return j_any_fail(c, key, "intValue must be a 64-bit integer (number or decimal string)");
        out->type = AS_V_INT;
        out->u.i = i;
    } else if ((x = jget(av, "doubleValue", "double_value"))) {
        if (json_is_real(x)) as_otlp_double(json_real_value(x), out);
        else if (json_is_integer(x)) as_otlp_double((double)json_integer_value(x), out);
        else if (json_is_string(x)) {
            const char *s = json_string_value(x);
            char *end = NULL;
            if (strcmp(s, "NaN") == 0) as_otlp_double(NAN, out);
            else if (strcmp(s, "Infinity") == 0) as_otlp_double(INFINITY, out);
            else if (strcmp(s, "-Infinity") == 0) as_otlp_double(-INFINITY, out);
            else {
                /* a decimal number only: no hex, "inf", "nan" or spaces */
                bool ok = ((*s >= '0' && *s <= '9') || *s == '-' || *s == '.') &&
                          !strpbrk(s, "xXnNiI");
                double d = ok ? strtod(s, &end) : 0;
                if (!ok || *end) return j_any_fail(c, key, "doubleValue must be a number");
                as_otlp_double(d, out);
            }
        } else {
            return j_any_fail(c, key, "doubleValue must be a number");
        }
    } else if ((x = jget(av, "arrayValue", "array_value"))) {
        if (!json_is_object(x)) return j_any_fail(c, key, "arrayValue must be an object");
        const json_t *vals = jget(x, "values", NULL);
        if (vals && !json_is_array(vals))
            return j_any_fail(c, key, "arrayValue.values must be an array");
        size_t n = vals ? json_array_size(vals) : 0;
        out->type = AS_V_ARRAY;
        out->u.items = n ? as_arena_alloc(&c->out->arena, n * sizeof(as_value)) : NULL;
        for (size_t i = 0; i < n; i++) {
            as_rc rc = j_any(c, json_array_get(vals, i), depth + 1, key, &out->u.items[i]);
            if (rc != AS_OK) return rc;
            out->n = i + 1;
        }
    } else if ((x = jget(av, "kvlistValue", "kvlist_value"))) {
        if (!json_is_object(x)) return j_any_fail(c, key, "kvlistValue must be an object");
        const json_t *vals = jget(x, "values", NULL);
        if (vals && !json_is_array(vals))
            return j_any_fail(c, key, "kvlistValue.values must be an array");
        out->type = AS_V_OBJECT;
        if (vals) {
            as_rc rc = j_attrs(c, vals, key, depth + 1, &out->u.members, &out->n);
            if (rc != AS_OK) return rc;
            out->n = as_attrs_dedup(out->u.members, out->n);
        }
    } else if ((x = jget(av, "bytesValue", "bytes_value"))) {
        if (!json_is_string(x) || !j_bytes(c, json_string_value(x), json_string_length(x), out))
            return j_any_fail(c, key, "bytesValue must be a base64 string");
    }
    return AS_OK;
}

/* An array of {key, value} into a new arena array *out (as sent: repeated
 * keys kept).  what names the list. */
static as_rc j_attrs(jctx *c, const json_t *arr, const char *what, int depth, as_attr **out,
                     size_t *nout) {
    char shown[AS_OTLP_SHORT_MAX];
    size_t n = json_array_size(arr);
    as_attr *a = n ? as_arena_alloc(&c->out->arena, n * sizeof(*a)) : NULL;
    *out = a;
    *nout = 0;
    for (size_t i = 0; i < n; i++) {
        const json_t *kv = json_array_get(arr, i);
        const json_t *k = json_is_object(kv) ? json_object_get(kv, "key") : NULL;
        if (!k || !json_is_string(k)) {
            as_otlp_shorten(what, shown);
            return jfail(c, AS_EINVAL, "%s[%zu]: %s", shown, i,
                         json_is_object(kv) ? "key must be a string" : "expected an object");
        }
        a[i].klen = json_string_length(k);
        a[i].key = as_arena_strndup(&c->out->arena, json_string_value(k), a[i].klen);
        as_rc rc = j_any(c, jget(kv, "value", NULL), depth, json_string_value(k), &a[i].val);
        if (rc != AS_OK) return rc;
        *nout = i + 1;
    }
    return AS_OK;
}

/* attributes member of obj into *out; prefix names obj ("events[2]."). */
static as_rc j_attr_member(jctx *c, const json_t *obj, const char *prefix, as_attr **out,
                           size_t *nout) {
    json_t *arr;
    char what[64];
    *out = NULL;
    *nout = 0;
    as_rc rc = jarray(c, obj, "attributes", NULL, prefix, &arr);
    if (rc != AS_OK || !arr) return rc;
    snprintf(what, sizeof(what), "%sattributes", prefix);
    return j_attrs(c, arr, what, 1, out, nout);
}

static as_rc j_string(jctx *c, const json_t *obj, const char *field, const char *prefix,
                      const json_t **out) {
    *out = jget(obj, field, NULL);
    if (*out && !json_is_string(*out))
        return jfail(c, AS_EINVAL, "%s%s must be a string, got %s", prefix, field, jtype(*out));
    return AS_OK;
}

static as_rc j_event(jctx *c, const json_t *ev, size_t i, as_event *out) {
    char prefix[40];
    snprintf(prefix, sizeof(prefix), "events[%zu].", i);
    if (!json_is_object(ev))
        return jfail(c, AS_EINVAL, "events[%zu] must be an object, got %s", i, jtype(ev));
    const json_t *name;
    as_rc rc;
    if ((rc = j_time(c, ev, "timeUnixNano", "time_unix_nano", prefix, &out->time_ns)) != AS_OK ||
        (rc = j_string(c, ev, "name", prefix, &name)) != AS_OK)
        return rc;
    out->name = "";
    if (name) {
        out->name_len = json_string_length(name);
        out->name = as_arena_strndup(&c->out->arena, json_string_value(name), out->name_len);
    }
    if ((rc = j_attr_member(c, ev, prefix, &out->attrs, &out->n_attrs)) != AS_OK) return rc;
    out->n_attrs = as_attrs_dedup(out->attrs, out->n_attrs);
    return AS_OK;
}

static as_rc j_link(jctx *c, const json_t *l, size_t i, as_link *out) {
    char prefix[40];
    bool present;
    snprintf(prefix, sizeof(prefix), "links[%zu].", i);
    if (!json_is_object(l))
        return jfail(c, AS_EINVAL, "links[%zu] must be an object, got %s", i, jtype(l));
    as_rc rc;
    if ((rc = j_id(c, l, "traceId", "trace_id", prefix, out->trace_id, 16, false, &present)) != AS_OK ||
        (rc = j_id(c, l, "spanId", "span_id", prefix, out->span_id, 8, false, &present)) != AS_OK)
        return rc;
    if ((rc = j_attr_member(c, l, prefix, &out->attrs, &out->n_attrs)) != AS_OK) return rc;
    out->n_attrs = as_attrs_dedup(out->attrs, out->n_attrs);
    return AS_OK;
}

static const char *const KIND_NAMES[] = {
    "SPAN_KIND_UNSPECIFIED", "SPAN_KIND_INTERNAL", "SPAN_KIND_SERVER",
    "SPAN_KIND_CLIENT", "SPAN_KIND_PRODUCER", "SPAN_KIND_CONSUMER",
};
static const char *const STATUS_NAMES[] = {
    "STATUS_CODE_UNSET", "STATUS_CODE_OK", "STATUS_CODE_ERROR",
};

static as_rc j_span(jctx *c, const json_t *js, const char *project) {
    as_span *s = as_span_batch_add_bare(c->out);
    as_rc rc;
    c->level = 3;
    c->name = NULL;
    if (!json_is_object(js)) return jfail(c, AS_EINVAL, "expected an object, got %s", jtype(js));
    const json_t *name;
    if ((rc = j_string(c, js, "name", "", &name)) != AS_OK) return rc;
    if (name && json_string_length(name))
        s->name = as_arena_strndup(&c->out->arena, json_string_value(name), json_string_length(name));
    c->name = s->name;

    bool present;
    if ((rc = j_id(c, js, "traceId", "trace_id", "", s->trace_id, 16, false, &present)) != AS_OK ||
        (rc = j_id(c, js, "spanId", "span_id", "", s->span_id, 8, false, &present)) != AS_OK ||
        (rc = j_id(c, js, "parentSpanId", "parent_span_id", "", s->parent_id, 8, true,
                   &s->has_parent)) != AS_OK)
        return rc;
    if (!s->has_parent) memset(s->parent_id, 0, sizeof(s->parent_id));
    if ((rc = j_enum(c, jget(js, "kind", NULL), "kind", KIND_NAMES, 6, &s->otel_kind)) != AS_OK ||
        (rc = j_time(c, js, "startTimeUnixNano", "start_time_unix_nano", "", &s->start_ns)) != AS_OK ||
        (rc = j_time(c, js, "endTimeUnixNano", "end_time_unix_nano", "", &s->end_ns)) != AS_OK)
        return rc;
    const json_t *st = jget(js, "status", NULL);
    if (st) {
        if (!json_is_object(st))
            return jfail(c, AS_EINVAL, "status must be an object, got %s", jtype(st));
        const json_t *msg;
        if ((rc = j_enum(c, jget(st, "code", NULL), "status.code", STATUS_NAMES, 3,
                         &s->status_code)) != AS_OK ||
            (rc = j_string(c, st, "message", "status.", &msg)) != AS_OK)
            return rc;
        if (msg && json_string_length(msg))
            s->status_message = as_arena_strndup(&c->out->arena, json_string_value(msg),
                                                 json_string_length(msg));
    }
    s->project_name = project;
    if ((rc = j_attr_member(c, js, "", &s->attrs, &s->n_attrs)) != AS_OK) return rc;

    json_t *arr;
    if ((rc = jarray(c, js, "events", NULL, "", &arr)) != AS_OK) return rc;
    if (arr && json_array_size(arr))
        s->events = as_arena_calloc(&c->out->arena, json_array_size(arr) * sizeof(as_event));
    for (size_t i = 0; arr && i < json_array_size(arr); i++, s->n_events++)
        if ((rc = j_event(c, json_array_get(arr, i), i, &s->events[i])) != AS_OK) return rc;
    if ((rc = jarray(c, js, "links", NULL, "", &arr)) != AS_OK) return rc;
    if (arr && json_array_size(arr))
        s->links = as_arena_calloc(&c->out->arena, json_array_size(arr) * sizeof(as_link));
    for (size_t i = 0; arr && i < json_array_size(arr); i++, s->n_links++)
        if ((rc = j_link(c, json_array_get(arr, i), i, &s->links[i])) != AS_OK) return rc;
    return AS_OK;
}

/* Resource attribute openinference.project.name (string; last wins). */
static as_rc j_project(jctx *c, const json_t *rs, const char **out) {
    *out = NULL;
    const json_t *res = jget(rs, "resource", NULL);
    if (!res) return AS_OK;
    if (!json_is_object(res))
        return jfail(c, AS_EINVAL, "resource must be an object, got %s", jtype(res));
    json_t *arr;
    as_rc rc = jarray(c, res, "attributes", NULL, "resource.", &arr);
    if (rc != AS_OK || !arr) return rc;
    const json_t *found = NULL;
    for (size_t i = 0; i < json_array_size(arr); i++) {
        const json_t *kv = json_array_get(arr, i), *k;
        if (!json_is_object(kv) || !(k = json_object_get(kv, "key")) || !json_is_string(k) ||
            strcmp(json_string_value(k), "openinference.project.name") != 0)
            continue;
        const json_t *val = jget(kv, "value", NULL);
        found = val && json_is_object(val) ? jget(val, "stringValue", "string_value") : NULL;
        if (found && !json_is_string(found)) found = NULL;
    }
    if (found && json_string_length(found))
        *out = as_arena_strndup(&c->out->arena, json_string_value(found),
                                json_string_length(found));
    return AS_OK;
}

static as_rc j_request(jctx *c, const json_t *root) {
    as_rc rc;
    json_t *rss, *sss, *spans;
    if (!json_is_object(root))
        return jfail(c, AS_EINVAL, "expected a JSON object, got %s", jtype(root));
    if ((rc = jarray(c, root, "resourceSpans", "resource_spans", "", &rss)) != AS_OK || !rss)
        return rc;
    for (size_t ri = 0; ri < json_array_size(rss); ri++) {
        const json_t *rs = json_array_get(rss, ri);
        const char *project;
        c->ri = ri;
        c->level = 1;
        if (!json_is_object(rs)) return jfail(c, AS_EINVAL, "expected an object, got %s", jtype(rs));
        if ((rc = j_project(c, rs, &project)) != AS_OK ||
            (rc = jarray(c, rs, "scopeSpans", "scope_spans", "", &sss)) != AS_OK)
            return rc;
        for (size_t si = 0; sss && si < json_array_size(sss); si++) {
            const json_t *ss = json_array_get(sss, si);
            c->si = si;
            c->level = 2;
            if (!json_is_object(ss))
                return jfail(c, AS_EINVAL, "expected an object, got %s", jtype(ss));
            if ((rc = jarray(c, ss, "spans", NULL, "", &spans)) != AS_OK) return rc;
            for (size_t pi = 0; spans && pi < json_array_size(spans); pi++) {
                c->pi = pi;
                if (++c->nspans > AS_OTLP_MAX_SPANS)
                    return as_err_set(c->err, AS_ETOOBIG, "more than %d spans in one request",
                                      AS_OTLP_MAX_SPANS);
                if ((rc = j_span(c, json_array_get(spans, pi), project)) != AS_OK) return rc;
                c->level = 2;
            }
        }
    }
    return AS_OK;
}

as_rc as_otlp_decode_json(const char *body, size_t len, as_span_batch *out, as_err *err) {
    if (!body) body = "";
    if (!as_json_depth_within(body, len, AS_OTLP_JSON_MAX_DEPTH))
        return as_err_set(err, AS_EINVAL, "JSON nesting deeper than %d", AS_OTLP_JSON_MAX_DEPTH);
    json_error_t jerr;
    json_t *root = json_loadb(body, len, 0, &jerr);
    if (!root)
        return as_err_set(err, AS_EINVAL, "invalid JSON at line %d, column %d: %s",
                          jerr.line, jerr.column, jerr.text);
    jctx c = { .out = out, .err = err };
    as_rc rc = j_request(&c, root);
    json_decref(root);
    return rc;
}
