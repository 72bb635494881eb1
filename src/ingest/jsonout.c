/*
 * jsonout.c - compact JSON text of attribute values, events and links,
 * identical to what jansson's json_dumps produced for the same data (the
 * contract is in jsontext.h; tests/unit/test_normalize.c compares the two).
 * Strings, the bulk of the bytes (LLM messages), are scanned 8 bytes at a
 * time for the three things that need an escape.
 */
#include <stdio.h>
#include <stdlib.h>

#include "assay/alloc.h"
#include "assay/hex.h"
#include "assay/timefmt.h"
#include "jsontext.h"

void as_jw_init(as_jw *w) { w->p = NULL; w->len = w->cap = 0; }

void as_jw_release(as_jw *w) { free(w->p); as_jw_init(w); }

void as_jw_grow(as_jw *w, size_t extra) {
    size_t cap = w->cap ? w->cap : 4096;
    while (cap - w->len < extra) cap *= 2;
    w->p = as_xrealloc(w->p, cap);
    w->cap = cap;
}

/* Any byte < 0x20, '"' or '\\' among the 8 in x (exact as a whole). */
static inline bool needs_escape8(uint64_t x) {
    const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
    uint64_t ctl = (x - 0x20 * ones) & ~x & highs;
    uint64_t q = x ^ ('"' * ones), b = x ^ ('\\' * ones);
    q = (q - ones) & ~q & highs;
    b = (b - ones) & ~b & highs;
    return (ctl | q | b) != 0;
}

void as_jw_str(as_jw *w, const char *s, size_t n) {
    static const char hexd[] = "0123456789ABCDEF";
    as_jw_reserve(w, 2 + 6 * n);           /* the worst case: all \u00XX */
    char *o = w->p + w->len;
    *o++ = '"';
    size_t i = 0;
    while (i < n) {
        while (i + 8 <= n) {
            uint64_t x;
            memcpy(&x, s + i, 8);
            if (needs_escape8(x)) break;
            memcpy(o, s + i, 8);
            o += 8;
            i += 8;
        }
        size_t end = i + 8 <= n ? i + 8 : n;
        for (; i < end; i++) {
            unsigned char c = (unsigned char)s[i];
            if (c >= 0x20 && c != '"' && c != '\\') { *o++ = (char)c; continue; }
            *o++ = '\\';
            switch (c) {
            case '"': *o++ = '"'; break;
            case '\\': *o++ = '\\'; break;
            case '\b': *o++ = 'b'; break;
            case '\f': *o++ = 'f'; break;
            case '\n': *o++ = 'n'; break;
            case '\r': *o++ = 'r'; break;
            case '\t': *o++ = 't'; break;
            default:
                *o++ = 'u'; *o++ = '0'; *o++ = '0';
                *o++ = hexd[c >> 4]; *o++ = hexd[c & 15];
            }
        }
    }
    *o++ = '"';
    w->len = (size_t)(o - w->p);
}

void as_jw_int(as_jw *w, int64_t v) {
    char tmp[24];
    size_t k = sizeof(tmp);
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    do { tmp[--k] = (char)('0' + u % 10); u /= 10; } while (u);
    if (v < 0) tmp[--k] = '-';
    as_jw_put(w, tmp + k, sizeof(tmp) - k);
}

void as_jw_real(as_jw *w, double d, int precision) {
    char buf[112];
    int r = snprintf(buf, sizeof(buf) - 3, "%.*g", precision ? precision : 17, d);
    if (r < 0 || (size_t)r >= sizeof(buf) - 3) { AS_JW_LIT(w, "null"); return; }
    size_t len = (size_t)r;
    /* a dot or an exponent, so that it reads back as a real */
    if (!memchr(buf, '.', len) && !memchr(buf, 'e', len)) {
        buf[len++] = '.';
        buf[len++] = '0';
        buf[len] = '\0';
    }
    /* no '+' and no leading zeros in the exponent */
    char *e = memchr(buf, 'e', len);
    if (e) {
        char *start = e + 1, *end = e + 2;
        if (*start == '-') start++;
        while (*end == '0') end++;
        if (end != start) {
            memmove(start, end, len - (size_t)(end - buf));
            len -= (size_t)(end - start);
        }
    }
    as_jw_put(w, buf, len);
}

void as_jw_value(as_jw *w, const as_value *v, int precision) {
    switch (v->type) {
    case AS_V_NULL: AS_JW_LIT(w, "null"); return;
    case AS_V_FALSE: AS_JW_LIT(w, "false"); return;
    case AS_V_TRUE: AS_JW_LIT(w, "true"); return;
    case AS_V_INT: as_jw_int(w, v->u.i); return;
    case AS_V_REAL: as_jw_real(w, v->u.d, precision); return;
    case AS_V_STR: as_jw_str(w, v->u.s, v->n); return;
    case AS_V_ARRAY:
        as_jw_putc(w, '[');
        for (size_t i = 0; i < v->n; i++) {
            if (i) as_jw_putc(w, ',');
            as_jw_value(w, &v->u.items[i], precision);
        }
        as_jw_putc(w, ']');
        return;
    case AS_V_OBJECT:
        as_jw_putc(w, '{');
        for (size_t i = 0; i < v->n; i++) {
            if (i) as_jw_putc(w, ',');
            as_jw_str(w, v->u.members[i].key, v->u.members[i].klen);
            as_jw_putc(w, ':');
            as_jw_value(w, &v->u.members[i].val, precision);
        }
        as_jw_putc(w, '}');
        return;
    }
}

void as_jw_attrs(as_jw *w, const as_attr *a, size_t n) {
    as_value obj = { .type = AS_V_OBJECT, .n = n, .u.members = (as_attr *)a };
    as_jw_value(w, &obj, 0);
}

void as_jw_events(as_jw *w, const as_event *e, size_t n) {
    as_jw_putc(w, '[');
    for (size_t i = 0; i < n; i++) {
        char iso[AS_ISO_MAX];
        as_time_iso(e[i].time_ns, iso);
        if (i) as_jw_putc(w, ',');
        AS_JW_LIT(w, "{\"name\":");
        as_jw_str(w, e[i].name, e[i].name_len);
        AS_JW_LIT(w, ",\"timestamp\":");
        as_jw_str(w, iso, strlen(iso));
        AS_JW_LIT(w, ",\"attributes\":");
        as_jw_attrs(w, e[i].attrs, e[i].n_attrs);
        as_jw_putc(w, '}');
    }
    as_jw_putc(w, ']');
}

void as_jw_links(as_jw *w, const as_link *l, size_t n) {
    as_jw_putc(w, '[');
    for (size_t i = 0; i < n; i++) {
        char tid[33], sid[17];
        as_hex_encode(l[i].trace_id, 16, tid);
        as_hex_encode(l[i].span_id, 8, sid);
        if (i) as_jw_putc(w, ',');
        AS_JW_LIT(w, "{\"trace_id\":\"");
        as_jw_put(w, tid, 32);
        AS_JW_LIT(w, "\",\"span_id\":\"");
        as_jw_put(w, sid, 16);
        AS_JW_LIT(w, "\",\"attributes\":");
        as_jw_attrs(w, l[i].attrs, l[i].n_attrs);
        as_jw_putc(w, '}');
    }
    as_jw_putc(w, ']');
}

const char *as_jw_copy(const as_jw *w, as_arena *a) {
    return as_arena_strndup(a, w->p ? w->p : "", w->len);
}
