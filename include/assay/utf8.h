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

#endif
