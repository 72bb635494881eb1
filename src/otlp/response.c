/*
 * response.c - the body of a successful OTLP export reply: an empty
 * ExportTraceServiceResponse.  In protobuf an empty message is zero bytes;
 * in OTLP/JSON it is "{}".  Both leave out.data non-NULL (NUL-terminated).
 */
#include "assay/otlp.h"

void as_otlp_response_protobuf(as_buf *out) {
    (void)as_buf_append(out, "", 0);
}

void as_otlp_response_json(as_buf *out) {
    (void)as_buf_append(out, "{}", 2);
}
