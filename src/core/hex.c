/*
 * hex.c - hex, base64 and Phoenix GlobalID codecs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assay/hex.h"

void as_hex_encode(const uint8_t *in, size_t n, char *out) {
    static const char d[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = d[in[i] >> 4];
        out[2 * i + 1] = d[in[i] & 15];
    }
    out[2 * n] = '\0';
}

static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool as_hex_decode(const char *in, size_t inlen, uint8_t *out, size_t n) {
    if (inlen != 2 * n) return false;
    for (size_t i = 0; i < n; i++) {
        int hi = hexval(in[2 * i]), lo = hexval(in[2 * i + 1]);
        if (hi < 0 || lo < 0) return false;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}

bool as_bytes_all_zero(const uint8_t *p, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (p[i]) return false;
    return true;
}

static const char B64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t as_base64_encode(const uint8_t *in, size_t n, char *out) {
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16;
        if (i + 1 < n) v |= (uint32_t)in[i + 1] << 8;
        if (i + 2 < n) v |= in[i + 2];
        out[o++] = B64[(v >> 18) & 63];
        out[o++] = B64[(v >> 12) & 63];
        out[o++] = i + 1 < n ? B64[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < n ? B64[v & 63] : '=';
    }
    out[o] = '\0';
    return o;
}

static int b64val(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
}

long as_base64_decode(const char *in, size_t n, uint8_t *out, size_t outcap) {
    while (n > 0 && in[n - 1] == '=') n--;
    if (n % 4 == 1) return -1;
    size_t o = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        int v = b64val(in[i]);
        if (v < 0) return -1;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (o >= outcap) return -1;
            out[o++] = (uint8_t)(acc >> bits);
        }
    }
    return (long)o;
}

void as_globalid_encode(const char *type, int64_t rowid, char *out) {
    char raw[64];
    int n = snprintf(raw, sizeof(raw), "%s:%lld", type, (long long)rowid);
    if (n < 0 || (size_t)n >= sizeof(raw)) n = 0;
    as_base64_encode((const uint8_t *)raw, (size_t)n, out);
}

bool as_globalid_decode(const char *s, const char *type, int64_t *rowid) {
    uint8_t raw[64];
    size_t n = strlen(s);
    if (n == 0 || n > 80) return false;
    long m = as_base64_decode(s, n, raw, sizeof(raw) - 1);
    if (m <= 0) return false;
    raw[m] = '\0';
    size_t tl = strlen(type);
    if ((size_t)m <= tl + 1 || memcmp(raw, type, tl) != 0 || raw[tl] != ':')
        return false;
    const char *num = (const char *)raw + tl + 1;
    char *end;
    long long v = strtoll(num, &end, 10);
    if (*end != '\0' || end == num || v <= 0) return false;
    *rowid = v;
    return true;
}
