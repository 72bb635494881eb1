/*
 * hex.h - hex and base64 codecs, OTel ids and Phoenix GlobalIDs.
 *
 * A GlobalID is base64("<Type>:<rowid>"), e.g. Project:1 -> UHJvamVjdDox.
 */
#ifndef ASSAY_HEX_H
#define ASSAY_HEX_H

#include "assay/common.h"

/* Lower-case hex of n bytes into out (2n+1 bytes, NUL-terminated). */
void as_hex_encode(const uint8_t *in, size_t n, char *out);
/* Decode exactly 2n hex chars (either case) into n bytes; false if bad. */
bool as_hex_decode(const char *in, size_t inlen, uint8_t *out, size_t n);
bool as_bytes_all_zero(const uint8_t *p, size_t n);

/* Standard base64 with padding.  out must hold 4*((n+2)/3)+1 bytes. */
size_t as_base64_encode(const uint8_t *in, size_t n, char *out);
/* Decode standard or URL-safe base64 (padding optional); returns decoded
 * length or -1 when malformed or when it would exceed outcap. */
long as_base64_decode(const char *in, size_t n, uint8_t *out, size_t outcap);

#define AS_GLOBALID_MAX 96
/* Write base64("type:rowid") into out (AS_GLOBALID_MAX bytes). */
void as_globalid_encode(const char *type, int64_t rowid, char *out);
/* If s is a GlobalID of the given type, store its rowid and return true. */
bool as_globalid_decode(const char *s, const char *type, int64_t *rowid);

#endif
