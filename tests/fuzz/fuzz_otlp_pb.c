/*
 * fuzz_otlp_pb.c - libFuzzer target for the OTLP/protobuf path as the
 * server runs it: decode, normalise, flatten each span back (what the REST
 * layer does), release.  Must never crash, leak or trip a sanitizer;
 * rejected input is fine.  Seeds: tests/fuzz/corpus/otlp_pb/.
 */
#include <stddef.h>
#include <stdint.h>

#include "assay/normalize.h"
#include "assay/otlp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    as_span_batch b;
    as_err e;
    as_span_batch_init(&b);
    if (as_otlp_decode_protobuf(data, size, &b, &e) == AS_OK &&
        as_normalize_batch(&b, &e) == AS_OK) {
        for (size_t i = 0; i < b.n; i++) json_decref(as_attributes_flatten(b.spans[i].attributes));
    }
    as_span_batch_release(&b);
    return 0;
}
