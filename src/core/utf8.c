/*
 * utf8.c - strict UTF-8 validation (see utf8.h).
 */
#include <stdint.h>
#include <string.h>

#include "assay/utf8.h"

size_t as_utf8_invalid_at(const char *str, size_t n) {
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
        else return i;
        if (n - i < len) return i;
        for (size_t k = 1; k < len; k++) {
            unsigned cc = s[i + k];
            if ((cc & 0xC0) != 0x80) return i;
            cp = (cp << 6) | (cc & 0x3F);
        }
        if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
            cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return i;
        i += len;
    }
    return n;
}

bool as_utf8_valid(const char *s, size_t n) {
    return as_utf8_invalid_at(s, n) == n;
}

size_t as_utf8_prefix_len(const char *s, size_t n, size_t max) {
    if (n <= max) return n;
    size_t k = max;
    /* back over continuation bytes to the start of the cut character */
    while (k > 0 && ((unsigned char)s[k] & 0xC0) == 0x80) k--;
    return k;
}

size_t as_utf8_trim_partial(const char *s, size_t n) {
    size_t k = n, back = 0;
    while (k > 0 && back < 4 && ((unsigned char)s[k - 1] & 0xC0) == 0x80) k--, back++;
    if (k == 0) return n;
    unsigned char lead = (unsigned char)s[k - 1];
    size_t want = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
    return want > back + 1 ? k - 1 : n;
}

const char *as_utf8_excerpt(const char *s, size_t n, char *out, size_t cap) {
    if (cap < 5) { if (cap) out[0] = '\0'; return out; }
    size_t k = as_utf8_prefix_len(s, n, cap - 4);
    for (size_t i = 0; i < k; i++) out[i] = (s[i] == '\n' || s[i] == '\t' || s[i] == '\r') ? ' ' : s[i];
    if (k < n) { memcpy(out + k, "...", 3); k += 3; }
    out[k] = '\0';
    return out;
}
