/*
 * utf8.h - strict UTF-8 validation: no overlong forms, no surrogates,
 * nothing above U+10FFFF, no truncated sequences.  Used by every parser
 * of untrusted text (OTLP, data files, templates).
 */
#ifndef ASSAY_UTF8_H
#define ASSAY_UTF8_H
#include <stdbool.h>
#include <stddef.h>

bool as_utf8_valid(const char *s, size_t n);
/* Offset of the first byte of the first invalid sequence, or n if valid. */
size_t as_utf8_invalid_at(const char *s, size_t n);

/* The longest prefix of s[0..n) of at most max bytes that does not cut a
 * character in two (s itself need not be valid). */
size_t as_utf8_prefix_len(const char *s, size_t n, size_t max);
/* n without a trailing incomplete sequence (what a byte-wise cut leaves). */
size_t as_utf8_trim_partial(const char *s, size_t n);
/* A one-line excerpt of s[0..n) for messages: at most cap - 4 bytes cut
 * on a character boundary, line breaks and tabs as spaces, "..." when
 * shortened; NUL-terminated.  Returns out. */
const char *as_utf8_excerpt(const char *s, size_t n, char *out, size_t cap);

#endif
