/*
 * jsontext.h - internal to src/ingest: JSON text <-> arena values (span.h).
 *
 * Reading (jsonin.c): as jansson's json_loadb with flags 0 reads it.
 *
 * Writing (jsonout.c): attribute values, events and links as compact JSON
 * text, byte for byte what jansson's json_dumps(JSON_COMPACT |
 * JSON_ENCODE_ANY) wrote when the same data was held in jansson trees
 * (stored rows stay identical): object members in
 * their order, strings with jansson's escapes (\" \\ \b \f \n \r \t,
 * other control characters \u00XX upper case, everything else as is),
 * integers in decimal, reals as printf("%.17g") (or the precision given)
 * with ".0" added to integral values and the exponent without '+' and
 * leading zeros.
 *
 * The writer is a plain growable buffer (malloc, reused across spans and
 * released by the caller); no allocation per value.
 */
#ifndef ASSAY_INGEST_JSONTEXT_H
#define ASSAY_INGEST_JSONTEXT_H

#include <string.h>

#include "assay/arena.h"
#include "assay/span.h"

/* ---- reading ---- */

/* Parse the JSON text s[0..n) into *out (values in keep, work memory in
 * scratch).  False when jansson would reject it.  The caller bounds the
 * nesting (as_json_depth_within) first. */
bool as_json_parse(const char *s, size_t n, as_arena *keep, as_arena *scratch, as_value *out);
/* A jansson value as an arena value (strings copied into keep). */
void as_value_from_json(const json_t *j, as_arena *keep, as_value *out);

/* ---- writing ---- */

typedef struct as_jw {
    char *p;
    size_t len, cap;
} as_jw;

void as_jw_init(as_jw *w);
void as_jw_release(as_jw *w);
void as_jw_grow(as_jw *w, size_t extra);        /* make room for extra bytes */

static inline void as_jw_reserve(as_jw *w, size_t n) {
    if (w->cap - w->len < n) as_jw_grow(w, n);
}
static inline void as_jw_put(as_jw *w, const void *p, size_t n) {
    as_jw_reserve(w, n);
    memcpy(w->p + w->len, p, n);
    w->len += n;
}
static inline void as_jw_putc(as_jw *w, char c) {
    as_jw_reserve(w, 1);
    w->p[w->len++] = c;
}
#define AS_JW_LIT(w, lit) as_jw_put((w), "" lit, sizeof(lit) - 1)   /* a literal only */

/* A string literal with quotes; s must be valid UTF-8. */
void as_jw_str(as_jw *w, const char *s, size_t n);
void as_jw_int(as_jw *w, int64_t v);
/* precision 0 means jansson's default, 17 significant digits. */
void as_jw_real(as_jw *w, double d, int precision);
void as_jw_value(as_jw *w, const as_value *v, int precision);
/* An object of attributes with unique keys, in their order. */
void as_jw_attrs(as_jw *w, const as_attr *a, size_t n);
/* [{"name", "timestamp" (ISO 8601), "attributes"}] */
void as_jw_events(as_jw *w, const as_event *e, size_t n);
/* [{"trace_id", "span_id" (hex), "attributes"}] */
void as_jw_links(as_jw *w, const as_link *l, size_t n);

/* The text written so far, NUL-terminated, copied into arena a. */
const char *as_jw_copy(const as_jw *w, as_arena *a);

#endif
