/*
 * jsonin.c - JSON text into arena values (span.h), exactly as jansson's
 * json_loadb (flags 0) would read it: the JSON-string attributes
 * (llm.invocation_parameters, metadata, tool.parameters...) are parsed on
 * the ingest hot path, a few per span.  A small parser handles what they
 * usually hold - objects and arrays, strings without escapes, numbers
 * (integers through strtoll, reals through strtod, as jansson does),
 * true/false/null - without a malloc; for anything else (escapes, errors)
 * it gives up and jansson parses the text, so jansson's answer is always
 * the one taken.  tests/unit/test_normalize.c compares the two.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "assay/otlp.h"
#include "jsontext.h"

static const char *skip_ws(const char *s, const char *end) {
    while (s < end && (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')) s++;
    return s;
}

/* jansson objects have unique keys, in insertion order: so do values. */
void as_value_from_json(const json_t *j, as_arena *keep, as_value *out) {
    memset(out, 0, sizeof(*out));
    switch (json_typeof(j)) {
    case JSON_OBJECT: {
        out->type = AS_V_OBJECT;
        out->u.members = as_arena_alloc(keep, json_object_size(j) * sizeof(as_attr) + 1);
        for (void *it = json_object_iter((json_t *)j); it; it = json_object_iter_next((json_t *)j, it)) {
            as_attr *m = &out->u.members[out->n++];
            m->klen = json_object_iter_key_len(it);
            m->key = as_arena_strndup(keep, json_object_iter_key(it), m->klen);
            as_value_from_json(json_object_iter_value(it), keep, &m->val);
        }
        return;
    }
    case JSON_ARRAY:
        out->type = AS_V_ARRAY;
        out->n = json_array_size(j);
        out->u.items = as_arena_alloc(keep, out->n * sizeof(as_value) + 1);
        for (size_t i = 0; i < out->n; i++)
            as_value_from_json(json_array_get(j, i), keep, &out->u.items[i]);
        return;
    case JSON_STRING:
        out->type = AS_V_STR;
        out->n = json_string_length(j);
        out->u.s = as_arena_strndup(keep, json_string_value(j), out->n);
        return;
    case JSON_INTEGER: out->type = AS_V_INT; out->u.i = json_integer_value(j); return;
    case JSON_REAL: out->type = AS_V_REAL; out->u.d = json_real_value(j); return;
    case JSON_TRUE: out->type = AS_V_TRUE; return;
    case JSON_FALSE: out->type = AS_V_FALSE; return;
    default: return;                                 /* AS_V_NULL */
    }
}

/* The fast parser: it accepts only what jansson's json_loadb (flags 0)
 * accepts and builds the same values.  Anything it does not handle -
 * escapes, control characters, errors - returns false, and jansson, whose
 * answer is the reference, parses the text. */
typedef struct jp {
    as_arena *keep, *scratch;
    const char *p, *end;
    int depth;
} jp;

static bool jp_value(jp *j, as_value *out);

static bool jp_string(jp *j, const char **s, size_t *n) {
    const char *start = ++j->p;                     /* after the quote */
    while (j->p < j->end) {
        unsigned char ch = (unsigned char)*j->p;
        if (ch == '"') {
            *s = as_arena_strndup(j->keep, start, (size_t)(j->p - start));
            *n = (size_t)(j->p - start);
            j->p++;
            return true;
        }
        if (ch == '\\' || ch < 0x20) return false;
        j->p++;
    }
    return false;
}

static bool jp_number(jp *j, as_value *out) {
    const char *s = j->p, *p = s;
    bool real = false;
    if (p < j->end && *p == '-') p++;
    if (p >= j->end || *p < '0' || *p > '9') return false;
    if (*p == '0') {
        p++;
        if (p < j->end && *p >= '0' && *p <= '9') return false;
    } else {
        while (p < j->end && *p >= '0' && *p <= '9') p++;
    }
    if (p < j->end && *p == '.') {
        real = true;
        p++;
        if (p >= j->end || *p < '0' || *p > '9') return false;
        while (p < j->end && *p >= '0' && *p <= '9') p++;
    }
    if (p < j->end && (*p == 'e' || *p == 'E')) {
        real = true;
        p++;
        if (p < j->end && (*p == '+' || *p == '-')) p++;
        if (p >= j->end || *p < '0' || *p > '9') return false;
        while (p < j->end && *p >= '0' && *p <= '9') p++;
    }
    /* strtod/strtoll need a terminator: the token, copied */
    char tmp[64];
    size_t len = (size_t)(p - s);
    if (len >= sizeof(tmp)) return false;
    memcpy(tmp, s, len);
    tmp[len] = '\0';
    char *e;
    errno = 0;
    if (real) {
        double d = strtod(tmp, &e);
        if ((d == HUGE_VAL || d == -HUGE_VAL) && errno == ERANGE) return false;
        out->type = AS_V_REAL;
        out->u.d = d;
    } else {
        long long v = strtoll(tmp, &e, 10);
        if (errno == ERANGE) return false;
        out->type = AS_V_INT;
        out->u.i = v;
    }
    if (*e) return false;
    j->p = p;
    return true;
}

static bool jp_lit(jp *j, const char *lit, size_t n) {
    if ((size_t)(j->end - j->p) < n || memcmp(j->p, lit, n) != 0) return false;
    j->p += n;
    return true;
}

static bool jp_container(jp *j, as_value *out, bool object) {
    enum { SMALL = 16 };
    as_attr msmall[SMALL];
    as_value vsmall[SMALL];
    as_attr *m = msmall;
    as_value *v = vsmall;
    size_t n = 0, cap = SMALL;
    bool ok = false;
    if (++j->depth > AS_OTLP_JSON_MAX_DEPTH) return false;
    j->p++;                                         /* the bracket */
    j->p = skip_ws(j->p, j->end);
    if (j->p < j->end && *j->p == (object ? '}' : ']')) {
        j->p++;
        ok = true;
        goto done;
    }
    for (;;) {
        if (n == cap) {
            cap *= 2;
            if (object) {
                as_attr *nm = as_arena_alloc(j->scratch, cap * sizeof(*nm));
                memcpy(nm, m, n * sizeof(*nm));
                m = nm;
            } else {
                as_value *nv = as_arena_alloc(j->scratch, cap * sizeof(*nv));
                memcpy(nv, v, n * sizeof(*nv));
                v = nv;
            }
        }
        if (object) {
            if (j->p >= j->end || *j->p != '"' || !jp_string(j, &m[n].key, &m[n].klen)) goto done;
            j->p = skip_ws(j->p, j->end);
            if (j->p >= j->end || *j->p != ':') goto done;
            j->p = skip_ws(j->p + 1, j->end);
            if (!jp_value(j, &m[n].val)) goto done;
        } else if (!jp_value(j, &v[n])) {
            goto done;
        }
        n++;
        j->p = skip_ws(j->p, j->end);
        if (j->p >= j->end) goto done;
        if (*j->p == ',') { j->p = skip_ws(j->p + 1, j->end); continue; }
        if (*j->p != (object ? '}' : ']')) goto done;
        j->p++;
        ok = true;
        break;
    }
done:
    j->depth--;
    if (!ok) return false;
    memset(out, 0, sizeof(*out));
    if (object) {
        out->type = AS_V_OBJECT;
        out->u.members = as_arena_alloc(j->keep, n * sizeof(*m) + 1);
        memcpy(out->u.members, m, n * sizeof(*m));
        out->n = as_attrs_dedup(out->u.members, n);
    } else {
        out->type = AS_V_ARRAY;
        out->u.items = as_arena_alloc(j->keep, n * sizeof(*v) + 1);
        memcpy(out->u.items, v, n * sizeof(*v));
        out->n = n;
    }
    return true;
}

static bool jp_value(jp *j, as_value *out) {
    memset(out, 0, sizeof(*out));
    if (j->p >= j->end) return false;
    switch (*j->p) {
    case '{': return jp_container(j, out, true);
    case '[': return jp_container(j, out, false);
    case '"':
        out->type = AS_V_STR;
        return jp_string(j, &out->u.s, &out->n);
    case 't': out->type = AS_V_TRUE; return jp_lit(j, "true", 4);
    case 'f': out->type = AS_V_FALSE; return jp_lit(j, "false", 5);
    case 'n': out->type = AS_V_NULL; return jp_lit(j, "null", 4);
    default: return jp_number(j, out);
    }
}

bool as_json_parse(const char *s, size_t n, as_arena *keep, as_arena *scratch, as_value *out) {
    jp j = { keep, scratch, skip_ws(s, s + n), s + n, 0 };
    if (jp_value(&j, out) && skip_ws(j.p, j.end) == j.end) return true;
    json_t *parsed = json_loadb(s, n, 0, NULL);
    if (!parsed) return false;
    as_value_from_json(parsed, keep, out);
    json_decref(parsed);
    return true;
}
