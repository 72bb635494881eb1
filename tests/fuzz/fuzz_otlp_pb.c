/*
 * fuzz_otlp_pb.c - libFuzzer target for the OTLP/protobuf path as the
 * server runs it: decode, normalise (which writes the stored JSON texts),
 * parse each text back - it must be valid JSON - and flatten the
 * attributes as the REST layer does, release.  Must never crash, leak or
 * trip a sanitizer; rejected input is fine.  Seeds: tests/fuzz/corpus/otlp_pb/.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    as_span_batch b;
    as_err e;
    as_span_batch_init(&b);
    if (as_otlp_decode_protobuf(data, size, &b, &e) == AS_OK) fuzz_check_normalised(&b);
    as_span_batch_release(&b);
    return 0;
}
