/*
 * fuzz_common.h - what the OTLP fuzz targets check after a decode: the
 * normaliser's JSON texts must parse back (object, array, array) and the
 * attributes must flatten as the REST layer does.  Header-only: each
 * target is its own program.
 */
#ifndef ASSAY_FUZZ_COMMON_H
#define ASSAY_FUZZ_COMMON_H

#include <stdlib.h>

#include "assay/normalize.h"
#include "assay/otlp.h"

static void fuzz_check_normalised(as_span_batch *b) {
    as_err e;
    if (as_normalize_batch(b, &e) != AS_OK) return;
    for (size_t i = 0; i < b->n; i++) {
        const as_span *s = &b->spans[i];
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

#endif
