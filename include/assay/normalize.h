/*
 * normalize.h - OpenInference normalisation of decoded spans, as Phoenix
 * does it on ingest:
 *   - openinference.span.kind upper-cased; missing or unknown -> UNKNOWN;
 *   - JSON-string attributes (metadata, llm.prompt_template.variables,
 *     tool.parameters, llm.invocation_parameters, document.metadata)
 *     parsed into JSON values when they parse (kept as strings otherwise);
 *   - non-string input.value / output.value re-serialised as JSON text with
 *     mime type application/json;
 *   - OTel gen_ai.* attributes mapped to their OpenInference equivalents
 *     when those are absent;
 *   - dotted keys unflattened into a nested tree, numeric segments -> arrays;
 *   - hot fields (kind, model, session, user, tokens) extracted.
 */
#ifndef ASSAY_NORMALIZE_H
#define ASSAY_NORMALIZE_H

#include "assay/span.h"

/* Normalise every span of b in place.  Fails only on limits (AS_ETOOBIG,
 * e.g. an array index over AS_NORMALIZE_MAX_INDEX). */
#define AS_NORMALIZE_MAX_INDEX 100000
as_rc as_normalize_batch(as_span_batch *b, as_err *err);

/* Flatten a nested attribute tree back into dotted keys (arrays of objects
 * become "a.0.b"; arrays of scalars stay arrays).  Returns a new object. */
json_t *as_attributes_flatten(const json_t *nested);

#endif
