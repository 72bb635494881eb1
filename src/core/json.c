/*
 * json.c - the arena JSON reader (see json.h).
 *
 * Recursive descent over the bytes; containers collect their children in
 * a small stack buffer and copy them into the arena once their size is
 * known, so a value costs one arena bump, never a malloc.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "assay/json.h"
#include "assay/utf8.h"

typedef struct rd {
    const char *s, *p, *end;
    as_arena *a;
    int depth, max_depth;
    as_err *err;
    as_rc rc;
} rd;

static bool fail(rd *r, as_rc code, const char *at, const char *what) {
    if (r->rc) return false;
    int line = 1;
    const char *ls = r->s;
    for (const char *q = r->s; q < at && q < r->end; q++)
        if (*q == '\n') { line++; ls = q + 1; }
    r->rc = as_err_set(r->err, code, "line %d column %d: %s", line, (int)(at - ls) + 1, what);
    return false;
}

static void ws(rd *r) {
    while (r->p < r->end && (*r->p == ' ' || *r->p == '\n' || *r->p == '\t' || *r->p == '\r'))
        r->p++;
}

static int hex4(const char *p) {
    int v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= c - '0';
        else if (c >= 'a' && c <= 'f') v |= c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') v |= c - 'A' + 10;
        else return -1;
    }
    return v;
}

static size_t put_utf8(char *o, unsigned cp) {
    if (cp < 0x80) { o[0] = (char)cp; return 1; }
    if (cp < 0x800) { o[0] = (char)(0xC0 | cp >> 6); o[1] = (char)(0x80 | (cp & 0x3F)); return 2; }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | cp >> 12); o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F)); return 3;
    }
    o[0] = (char)(0xF0 | cp >> 18); o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* A string at r->p (the opening quote) into *out / *n. */
static bool string(rd *r, const char **out, size_t *n) {
    const char *start = ++r->p, *q = start;
    bool escapes = false;
    while (q < r->end && *q != '"') {
        unsigned char c = (unsigned char)*q;
        if (c < 0x20) return fail(r, AS_EINVAL, q, "control character in a string");
        if (c == '\\') {
            escapes = true;
            if (++q >= r->end) break;
        }
        q++;
    }
    if (q >= r->end) return fail(r, AS_EINVAL, start - 1, "unterminated string");
    size_t raw = (size_t)(q - start);
    size_t bad = as_utf8_invalid_at(start, raw);
    if (bad != raw) return fail(r, AS_EINVAL, start + bad, "invalid UTF-8 in a string");
    char *o = as_arena_alloc(r->a, raw + 1), *w = o;
    if (!escapes) {
        memcpy(o, start, raw);
        w = o + raw;
    } else {
        for (const char *p = start; p < q;) {
            if (*p != '\\') { *w++ = *p++; continue; }
            const char *esc = p++;
            switch (*p++) {
            case '"': *w++ = '"'; break;
            case '\\': *w++ = '\\'; break;
            case '/': *w++ = '/'; break;
            case 'b': *w++ = '\b'; break;
            case 'f': *w++ = '\f'; break;
            case 'n': *w++ = '\n'; break;
            case 'r': *w++ = '\r'; break;
            case 't': *w++ = '\t'; break;
            case 'u': {
                int cp = q - p >= 4 ? hex4(p) : -1;
                if (cp < 0) return fail(r, AS_EINVAL, esc, "bad \\u escape");
                p += 4;
                if (cp >= 0xD800 && cp <= 0xDBFF) {
                    int lo = (q - p >= 6 && p[0] == '\\' && p[1] == 'u') ? hex4(p + 2) : -1;
                    if (lo < 0xDC00 || lo > 0xDFFF)
                        return fail(r, AS_EINVAL, esc, "lone surrogate in a \\u escape");
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    p += 6;
                } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                    return fail(r, AS_EINVAL, esc, "lone surrogate in a \\u escape");
                }
                w += put_utf8(w, (unsigned)cp);     /* never longer than the escape */
                break;
            }
            default: return fail(r, AS_EINVAL, esc, "bad escape in a string");
            }
        }
    }
    *w = '\0';
    *out = o;
    *n = (size_t)(w - o);
    r->p = q + 1;
    return true;
}

static bool number(rd *r, as_jval *v) {
    const char *s = r->p, *p = s;
    if (p < r->end && *p == '-') p++;
    if (p >= r->end || *p < '0' || *p > '9') return fail(r, AS_EINVAL, s, "unexpected character");
    if (*p == '0') p++;
    else while (p < r->end && *p >= '0' && *p <= '9') p++;
    if (p < r->end && *p == '.') {
        p++;
        if (p >= r->end || *p < '0' || *p > '9') return fail(r, AS_EINVAL, p, "digit expected");
        while (p < r->end && *p >= '0' && *p <= '9') p++;
    }
    if (p < r->end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < r->end && (*p == '+' || *p == '-')) p++;
        if (p >= r->end || *p < '0' || *p > '9') return fail(r, AS_EINVAL, p, "digit expected");
        while (p < r->end && *p >= '0' && *p <= '9') p++;
    }
    char tmp[64];
    size_t len = (size_t)(p - s);
    char *heap = NULL, *t = tmp;
    if (len >= sizeof tmp) t = heap = malloc(len + 1);
    if (!t) abort();
    memcpy(t, s, len);
    t[len] = '\0';
    errno = 0;
    double d = strtod(t, NULL);
    free(heap);
    if (isinf(d)) return fail(r, AS_EINVAL, s, "number out of range");
    v->type = AS_J_NUM;
    v->u.num = d;
    r->p = p;
    return true;
}

static bool literal(rd *r, const char *lit, size_t n, as_jtype t, as_jval *v) {
    if ((size_t)(r->end - r->p) < n || memcmp(r->p, lit, n) != 0)
        return fail(r, AS_EINVAL, r->p, "unexpected character");
    r->p += n;
    v->type = t;
    return true;
}

static bool value(rd *r, as_jval *v);

static bool container(rd *r, as_jval *v, bool obj) {
    enum { SMALL = 16 };
    as_jmember msmall[SMALL];
    as_jval vsmall[SMALL];
    as_jmember *m = msmall;
    as_jval *it = vsmall;
    size_t n = 0, cap = SMALL;
    if (++r->depth > r->max_depth) return fail(r, AS_ETOOBIG, r->p, "nested too deeply");
    const char close = obj ? '}' : ']';
    r->p++;
    ws(r);
    if (r->p < r->end && *r->p == close) {
        r->p++;
    } else {
        for (;;) {
            if (n == cap) {                      /* grow into the arena */
                cap *= 2;
                if (obj) {
                    as_jmember *nm = as_arena_alloc(r->a, cap * sizeof *nm);
                    memcpy(nm, m, n * sizeof *nm);
                    m = nm;
                } else {
                    as_jval *nv = as_arena_alloc(r->a, cap * sizeof *nv);
                    memcpy(nv, it, n * sizeof *nv);
                    it = nv;
                }
            }
            if (obj) {
                if (r->p >= r->end || *r->p != '"')
                    return fail(r, AS_EINVAL, r->p, "object key expected");
                if (!string(r, &m[n].key, &m[n].klen)) return false;
                ws(r);
                if (r->p >= r->end || *r->p != ':') return fail(r, AS_EINVAL, r->p, "':' expected");
                r->p++;
                ws(r);
                if (!value(r, &m[n].val)) return false;
            } else if (!value(r, &it[n])) {
                return false;
            }
            n++;
            ws(r);
            if (r->p < r->end && *r->p == ',') { r->p++; ws(r); continue; }
            if (r->p < r->end && *r->p == close) { r->p++; break; }
            return fail(r, AS_EINVAL, r->p, obj ? "',' or '}' expected" : "',' or ']' expected");
        }
    }
    r->depth--;
    v->n = n;
    if (obj) {
        v->type = AS_J_OBJ;
        v->u.members = m == msmall ? as_arena_alloc(r->a, n * sizeof *m + 1) : m;
        if (m == msmall) memcpy(v->u.members, m, n * sizeof *m);
    } else {
        v->type = AS_J_ARR;
        v->u.items = it == vsmall ? as_arena_alloc(r->a, n * sizeof *it + 1) : it;
        if (it == vsmall) memcpy(v->u.items, it, n * sizeof *it);
    }
    return true;
}

static bool value(rd *r, as_jval *v) {
    memset(v, 0, sizeof *v);
    if (r->p >= r->end) return fail(r, AS_EINVAL, r->p, "unexpected end of text");
    v->src = r->p;
    bool ok;
    switch (*r->p) {
    case '{': ok = container(r, v, true); break;
    case '[': ok = container(r, v, false); break;
    case '"': v->type = AS_J_STR; ok = string(r, &v->u.str, &v->n); break;
    case 't': ok = literal(r, "true", 4, AS_J_TRUE, v); break;
    case 'f': ok = literal(r, "false", 5, AS_J_FALSE, v); break;
    case 'n': ok = literal(r, "null", 4, AS_J_NULL, v); break;
    default: ok = number(r, v); break;
    }
    v->src_len = (size_t)(r->p - v->src);
    return ok;
}

as_rc as_json_read(const char *s, size_t n, as_arena *a, int max_depth,
                   const as_jval **out, as_err *err) {
    rd r = { s, s, s + n, a, 0, max_depth > 0 ? max_depth : AS_JSON_MAX_DEPTH, err, AS_OK };
    as_jval *v = as_arena_alloc(a, sizeof *v);
    *out = NULL;
    ws(&r);
    if (!value(&r, v)) return r.rc;
    ws(&r);
    if (r.p != r.end) {
        fail(&r, AS_EINVAL, r.p, "text after the JSON value");
        return r.rc;
    }
    *out = v;
    return AS_OK;
}

const as_jval *as_json_get(const as_jval *obj, const char *key) {
    if (!obj || obj->type != AS_J_OBJ) return NULL;
    size_t kl = strlen(key);
    for (size_t i = 0; i < obj->n; i++)
        if (obj->u.members[i].klen == kl && memcmp(obj->u.members[i].key, key, kl) == 0)
            return &obj->u.members[i].val;
    return NULL;
}

const as_jval *as_json_at(const as_jval *arr, size_t i) {
    return arr && arr->type == AS_J_ARR && i < arr->n ? &arr->u.items[i] : NULL;
}

const char *as_json_str(const as_jval *v) {
    return v && v->type == AS_J_STR ? v->u.str : NULL;
}

bool as_json_int(const as_jval *v, int64_t *out) {
    if (!v || v->type != AS_J_NUM) return false;
    for (size_t i = 0; i < v->src_len; i++)
        if (v->src[i] == '.' || v->src[i] == 'e' || v->src[i] == 'E') {
            double d = v->u.num;                  /* 1.0 or 1e3: integral reals */
            if (d != floor(d) || fabs(d) > 9007199254740992.0) return false;
            *out = (int64_t)d;
            return true;
        }
    char tmp[32];
    if (v->src_len >= sizeof tmp) return false;
    memcpy(tmp, v->src, v->src_len);
    tmp[v->src_len] = '\0';
    errno = 0;
    long long x = strtoll(tmp, NULL, 10);
    if (errno == ERANGE) return false;
    *out = x;
    return true;
}
