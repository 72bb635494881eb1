/*
 * fuzz_otlp_json.c - libFuzzer target for the OTLP/JSON path as the server
 * runs it: decode, normalise (which writes the stored JSON texts), parse
 * each text back - it must be valid JSON - and flatten the attributes as
 * the REST layer does, release.  Must never crash, leak or trip a
 * sanitizer; rejected input is fine.  Seeds: tests/fuzz/corpus/otlp_json/.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "assay/normalize.h"
#include "assay/otlp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    as_span_batch b;
    as_err e;
    as_span_batch_init(&b);
    if (as_otlp_decode_json((const char *)data, size, &b, &e) == AS_OK &&
        as_normalize_batch(&b, &e) == AS_OK) {
        for (size_t i = 0; i < b.n; i++) {
            const as_span *s = &b.spans[i];
            json_t *attrs = json_loads(s->attributes_json, JSON_ALLOW_NUL, NULL);
            json_t *events = json_loads(s->events_json, JSON_ALLOW_NUL, NULL);
            json_t *links = s->links_json ? json_loads(s->links_json, JSON_ALLOW_NUL, NULL) : json_array();
            if (!json_is_object(attrs) || !json_is_array(events) || !json_is_array(links))
                abort();                    /* we wrote JSON that does not parse */
            json_decref(as_attributes_flatten(attrs));
            json_decref(attrs);
            json_decref(events);
            json_decref(links);
        }
    }
    as_span_batch_release(&b);
    return 0;
}
