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
 * Attributes come out FLAT (see span.h); normalisation is a later step.
 */
#ifndef ASSAY_OTLP_H
#define ASSAY_OTLP_H

#include "assay/buf.h"
#include "assay/span.h"

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

#endif
