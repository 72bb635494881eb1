/*
 * buf.c - capped growable buffer (see include/assay/buf.h for invariants).
 */
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#include "assay/alloc.h"
#include "assay/buf.h"

void as_buf_init(as_buf *b, size_t max) {
    b->data = NULL;
    b->len = b->cap = 0;
    b->max = max;
}

void as_buf_release(as_buf *b) {
    free(b->data);
    as_buf_init(b, b->max);
}

void as_buf_reset(as_buf *b) {
    b->len = 0;
    if (b->data) b->data[0] = '\0';
}

char *as_buf_detach(as_buf *b, size_t *len) {
    char *p = b->data ? b->data : as_xstrdup("");
    if (len) *len = b->len;
    as_buf_init(b, b->max);
    return p;
}

static as_rc grow(as_buf *b, size_t extra) {
    if (extra > b->max || b->len > b->max - extra) return AS_ETOOBIG;
    size_t need = b->len + extra + 1;
    if (need <= b->cap) return AS_OK;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need) cap *= 2;
    b->data = as_xrealloc(b->data, cap);
    b->cap = cap;
    return AS_OK;
}

as_rc as_buf_reserve(as_buf *b, size_t n) {
    as_rc rc = grow(b, n);
    if (rc == AS_OK && b->data) b->data[b->len] = '\0';
    return rc;
}

as_rc as_buf_append(as_buf *b, const void *p, size_t n) {
    if (grow(b, n) != AS_OK) return AS_ETOOBIG;
    if (n) memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return AS_OK;
}

as_rc as_buf_puts(as_buf *b, const char *s) { return as_buf_append(b, s, strlen(s)); }

as_rc as_buf_putc(as_buf *b, char c) { return as_buf_append(b, &c, 1); }

as_rc as_buf_printf(as_buf *b, const char *fmt, ...) {
    va_list ap;
    char small[256];
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof(small), fmt, ap);
    va_end(ap);
    if (n < 0) return AS_EINTERNAL;
    if ((size_t)n < sizeof(small)) return as_buf_append(b, small, (size_t)n);
    if (grow(b, (size_t)n) != AS_OK) return AS_ETOOBIG;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return AS_OK;
}

#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL

/* The bytes among the 8 at s that need an escape in a JSON string (below
 * 0x20, '"', '\\'; bytes >= 0x80 pass: the text is valid UTF-8) have
 * their high bit set in the result - the first of them exactly, later
 * ones possibly falsely (borrows); 0 when none does. */
static inline uint64_t special8(const char *s) {
    uint64_t x, q, b;
    memcpy(&x, s, 8);
    q = x ^ (ONES * '"');
    b = x ^ (ONES * '\\');
    return (((x - ONES * 0x20) & ~x) | ((q - ONES) & ~q) | ((b - ONES) & ~b)) & HIGHS;
}

/* How many bytes come before the first special one of a non-zero
 * special8 mask (the first byte in memory is the lowest on a
 * little-endian machine; elsewhere look byte by byte). */
static inline size_t special_at(const char *s, uint64_t mask) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    (void)s;
    return (size_t)__builtin_ctzll(mask) / 8;
#else
    (void)mask;
    size_t k = 0;
    while ((unsigned char)s[k] >= 0x20 && s[k] != '"' && s[k] != '\\') k++;
    return k;
#endif
}

/* What the byte becomes in a JSON string. */
static inline size_t esc_len(unsigned char c) {
    if (c >= 0x20) return c == '"' || c == '\\' ? 2 : 1;
    return c == '\n' || c == '\r' || c == '\t' ? 2 : 6;
}

/* The exact size is counted first, reserved, then written in place, eight
 * bytes at a time where nothing needs an escape. */
as_rc as_buf_json_chars(as_buf *b, const char *s, size_t n) {
    size_t out = n, i = 0;
    while (i < n) {
        if (i + 8 <= n) {
            uint64_t m = special8(s + i);
            if (!m) {
                i += 8;
                continue;
            }
            i += special_at(s + i, m);
        }
        out += esc_len((unsigned char)s[i++]) - 1;
    }
    if (out == n) return as_buf_append(b, s, n);   /* nothing to escape */
    as_rc rc = as_buf_reserve(b, out);
    if (rc != AS_OK) return rc;
    static const char hexd[] = "0123456789abcdef";
    char *o = b->data + b->len;
    for (i = 0; i < n;) {
        if (i + 8 <= n) {
            uint64_t m = special8(s + i);
            size_t k = m ? special_at(s + i, m) : 8;
            memcpy(o, s + i, 8);          /* the bytes after k are rewritten */
            o += k;
            i += k;
            if (!m) continue;
        }
        unsigned char c = (unsigned char)s[i++];
        if (esc_len(c) == 1) {
            *o++ = (char)c;
            continue;
        }
        *o++ = '\\';
        switch (c) {
        case '"': *o++ = '"'; break;
        case '\\': *o++ = '\\'; break;
        case '\n': *o++ = 'n'; break;
        case '\r': *o++ = 'r'; break;
        case '\t': *o++ = 't'; break;
        default:
            memcpy(o, "u00", 3);
            o[3] = hexd[c >> 4];
            o[4] = hexd[c & 15];
            o += 5;
        }
    }
    b->len += out;
    b->data[b->len] = '\0';
    return AS_OK;
}

as_rc as_buf_json_str(as_buf *b, const char *s, size_t n) {
    as_rc rc = as_buf_putc(b, '"');
    if (rc == AS_OK) rc = as_buf_json_chars(b, s, n);
    if (rc == AS_OK) rc = as_buf_putc(b, '"');
    return rc;
}

bool as_slice_eq(as_slice s, const char *lit) {
    size_t n = strlen(lit);
    return s.n == n && memcmp(s.p, lit, n) == 0;
}
