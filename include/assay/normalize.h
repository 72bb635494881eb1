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
 *   - hot fields (kind, model, session, user, tokens) extracted;
 *   - the tree, the events and the links written as the compact JSON text
 *     that is stored (span.h: attributes_json, events_json, links_json),
 *     byte for byte what json_dumps(JSON_COMPACT) of the same jansson tree
 *     gives.
 */
#ifndef ASSAY_NORMALIZE_H
#define ASSAY_NORMALIZE_H

#include "assay/span.h"

/* Normalise every span of b in place; spans already normalised are left
 * as they are.  Reads span.attrs (and a hand-built `attributes` object,
 * taken as sent after them), fills the derived fields; the texts and any
 * value made here live in b's arena.  Fails only on limits (AS_ETOOBIG,
 * e.g. an array index over AS_NORMALIZE_MAX_INDEX). */
#define AS_NORMALIZE_MAX_INDEX 100000
as_rc as_normalize_batch(as_span_batch *b, as_err *err);

/* Flatten a nested attribute tree (jansson, e.g. the stored text parsed
 * by the REST layer) back into dotted keys (arrays of objects become
 * "a.0.b"; arrays of scalars stay arrays).  Returns a new object. */
json_t *as_attributes_flatten(const json_t *nested);

/* Details of the contract above (implemented in src/ingest/normalize.c):
 *
 * Unflattening.  Keys are split at '.'; a segment that is a canonical
 * decimal ("0", "17", not "017") indexes an array when the container at
 * that point is (or is about to become) an array, otherwise it is an
 * object key.  Missing array slots are null.  Keys are placed in sorted
 * byte order, so "a" is placed before "a.b".  When a key's path runs into
 * a scalar (or null), a non-numeric segment meets an array, the slot is
 * already taken, or the path is deeper than AS_NORMALIZE_MAX_DEPTH
 * segments, the rest of the key is kept as ONE literal key in the deepest
 * object on the path: {"a": 1, "a.b": 2} stays as it is, and
 * {"x.y": 1, "x.y.z": 2} becomes {"x": {"y": 1, "y.z": 2}}.  Nothing is
 * dropped.  Per batch at most AS_NORMALIZE_MAX_PADDING null slots are
 * created for sparse indices (AS_ETOOBIG beyond: a guard against
 * "a.99999" in every span).
 *
 * Flattening joins keys with '.', so flatten(unflatten(x)) == x for flat
 * objects whose values are scalars or arrays of scalars.  Values at the
 * JSON-string paths (metadata, llm.prompt_template.variables,
 * tool.parameters, llm.invocation_parameters, document.metadata and any
 * path ending in ".document.metadata") are emitted whole.  Null array
 * slots of index-expanded arrays are left out; empty objects stay {}.
 * The result shares (reference-counted) value nodes with nested: treat it
 * as read-only.
 *
 * Parsed JSON-string attributes are parsed only when they are a JSON
 * object or array (nested at most AS_OTLP_JSON_MAX_DEPTH deep).
 * Non-string input.value / output.value become compact JSON text (reals
 * with 15 significant digits).
 *
 * gen_ai.* mapping (each target only when absent, also when present in
 * nested form):
 *   gen_ai.response.model, else gen_ai.request.model -> llm.model_name
 *     (embedding.model_name for operation "embeddings");
 *   gen_ai.provider.name, else gen_ai.system -> llm.provider and
 *     llm.system, lower-cased;
 *   gen_ai.usage.input_tokens | prompt_tokens -> llm.token_count.prompt,
 *   gen_ai.usage.output_tokens | completion_tokens
 *     -> llm.token_count.completion, gen_ai.usage.total_tokens or their
 *     sum -> llm.token_count.total, gen_ai.usage.cache_read_input_tokens /
 *     cache_creation_input_tokens -> llm.token_count.prompt_details.
 *     cache_read / cache_write;
 *   gen_ai.operation.name (when openinference.span.kind is absent):
 *     chat, text_completion, generate_content -> LLM; embeddings ->
 *     EMBEDDING; execute_tool -> TOOL; invoke_agent, create_agent -> AGENT;
 *     the kind is also written to openinference.span.kind;
 *   gen_ai.tool.name / description / call.id -> tool.name / description /
 *     id; gen_ai.agent.name -> agent.name; gen_ai.conversation.id ->
 *     session.id;
 *   gen_ai.prompt, else gen_ai.input.messages -> input.value;
 *   gen_ai.completion, else gen_ai.output.messages -> output.value (JSON
 *     text; mime type application/json when it starts with { or [);
 *   gen_ai.request.{temperature, max_tokens, top_p, top_k,
 *     frequency_penalty, presence_penalty, stop_sequences, seed}
 *     -> the object llm.invocation_parameters.
 * The gen_ai.* keys themselves are kept.
 *
 * openinference.span.kind: a known kind in any case is rewritten upper
 * case; an unknown string is kept as sent (span_kind is "UNKNOWN").
 * Hot fields: session_id / user_id / model_name only when the attribute
 * is a string; token counts from integers, integral reals or decimal
 * strings.  For span cost (docs/observe.md): provider = llm.provider, else
 * llm.system (strings); cost = llm.cost.total, else llm.cost.prompt +
 * llm.cost.completion (either present), from finite non-negative numbers
 * or decimal strings; the price table is applied by the store's writer. */
#define AS_NORMALIZE_MAX_DEPTH 32
#define AS_NORMALIZE_MAX_PADDING 1000000

#endif
