/*
 * buf.c - capped growable buffer (see include/assay/buf.h for invariants).
 */
#include <stdio.h>
#include <stdlib.h>
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

as_rc as_buf_json_str(as_buf *b, const char *s, size_t n) {
    static const char hexd[] = "0123456789abcdef";
    as_rc rc = as_buf_putc(b, '"');
    size_t run = 0;
    for (size_t i = 0; i < n && rc == AS_OK; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\') { run++; continue; }
        rc = as_buf_append(b, s + i - run, run);
        run = 0;
        if (rc != AS_OK) break;
        switch (c) {
        case '"': rc = as_buf_append(b, "\\\"", 2); break;
        case '\\': rc = as_buf_append(b, "\\\\", 2); break;
        case '\n': rc = as_buf_append(b, "\\n", 2); break;
        case '\r': rc = as_buf_append(b, "\\r", 2); break;
        case '\t': rc = as_buf_append(b, "\\t", 2); break;
        default: {
            char e[6] = { '\\', 'u', '0', '0', hexd[c >> 4], hexd[c & 15] };
            rc = as_buf_append(b, e, 6);
        }
        }
    }
    if (rc == AS_OK) rc = as_buf_append(b, s + n - run, run);
    if (rc == AS_OK) rc = as_buf_putc(b, '"');
    return rc;
}

bool as_slice_eq(as_slice s, const char *lit) {
    size_t n = strlen(lit);
    return s.n == n && memcmp(s.p, lit, n) == 0;
}
