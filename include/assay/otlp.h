/*
 * otlp.h - decoding OTLP trace export requests (protobuf and OTLP/JSON)
 * into an as_span_batch, and encoding the export response.
 *
 * Decoders validate everything a later stage relies on: id lengths
 * (trace 16 bytes, span 8, parent 0 or 8, none all-zero), UTF-8 of strings,
 * nesting depth of AnyValue (AS_OTLP_MAX_DEPTH), and the total number of
 * spans (AS_OTLP_MAX_SPANS).  On failure they return AS_EINVAL or
 * AS_ETOOBIG with a message that names the offending span
 * ("resourceSpans[0].scopeSpans[1].spans[4]: traceId must be 32 hex
 * characters, got 30"), and the batch is left for the caller to release.
 * Attributes come out FLAT, as typed values in the batch's arena (see
 * span.h); normalisation is a later step.
 */
#ifndef ASSAY_OTLP_H
#define ASSAY_OTLP_H

#include "assay/buf.h"
#include "assay/span.h"
#include "assay/utf8.h"

#define AS_OTLP_MAX_DEPTH 32
#define AS_OTLP_MAX_SPANS 1000000

/* body/len: the uncompressed request body.  Spans are appended to out. */
as_rc as_otlp_decode_protobuf(const uint8_t *body, size_t len,
                              as_span_batch *out, as_err *err);
as_rc as_otlp_decode_json(const char *body, size_t len,
                          as_span_batch *out, as_err *err);

/* An empty ExportTraceServiceResponse in the requested encoding. */
void as_otlp_response_protobuf(as_buf *out);
void as_otlp_response_json(as_buf *out);

/* Decisions both decoders share:
 *   - an all-zero parent span id (8 zero bytes, "0000000000000000") means
 *     "no parent", like an empty one: the span is a root;
 *   - a double that is NaN or +-Infinity (JSON cannot hold them) is
 *     stored as the string "NaN", "Infinity" or "-Infinity";
 *   - bytes values become standard padded base64 strings;
 *   - an AnyValue with no value set becomes JSON null;
 *   - unknown SpanKind / status code numbers become 0 (UNSPECIFIED/UNSET);
 *   - OTLP/JSON bodies nested deeper than AS_OTLP_JSON_MAX_DEPTH are
 *     rejected with AS_ETOOBIG before parsing;
 *   - protobuf-c keeps strings as C strings: a string field with an
 *     embedded NUL byte ends at the NUL. */
#define AS_OTLP_JSON_MAX_DEPTH 64

/* ---- helpers shared by the decoders and the normaliser ---- */

/* A real value d, or the string "NaN" / "Infinity" / "-Infinity". */
void as_otlp_double(double d, as_value *out);
/* Resolve repeated keys in a[0..n) in place: each key once, at the place
 * of its first occurrence, with the value of its last.  Returns the new
 * count.  O(n log n). */
size_t as_attrs_dedup(as_attr *a, size_t n);
/* True when the JSON text s nests arrays/objects at most max_depth deep
 * (brackets inside strings are skipped; the text is not validated). */
bool as_json_depth_within(const char *s, size_t n, int max_depth);
/* s cut to at most 64 bytes on a character boundary ("..." appended when
 * cut), control characters, '"' and '\\' replaced by '?': safe to quote in
 * an error message.  s must be valid UTF-8. */
#define AS_OTLP_SHORT_MAX 72
void as_otlp_shorten(const char *s, char out[AS_OTLP_SHORT_MAX]);
/* Location of a span for error messages:
 * resourceSpans[ri].scopeSpans[si].spans[pi] (name "<first 64 bytes>"),
 * the name part left out when name is NULL or empty. */
void as_otlp_where(char *out, size_t cap, size_t ri, size_t si, size_t pi,
                   const char *name);

#endif
