/*
 * span.h - the in-memory form of decoded spans, shared by the OTLP decoders,
 * the OpenInference normaliser, the ingest queue and the storage layer.
 *
 * Ownership: an as_span_batch owns everything reachable from it.  Strings
 * live in the batch's arena; json_t trees (jansson) are owned references
 * held by the span and dropped by as_span_batch_release.  One batch is the
 * content of one OTLP request.
 *
 * Life of a span: a decoder (src/otlp/) fills the "wire" fields with the
 * attributes as a FLAT object (dotted keys, as sent); as_normalize_batch
 * (src/ingest/normalize.c) then rewrites attributes into the nested tree
 * and fills the "derived" hot fields that become real columns.
 */
#ifndef ASSAY_SPAN_H
#define ASSAY_SPAN_H

#include <jansson.h>

#include "assay/arena.h"
#include "assay/common.h"

enum { AS_STATUS_UNSET = 0, AS_STATUS_OK = 1, AS_STATUS_ERROR = 2 };

typedef struct as_span {
    /* ---- wire fields, filled by a decoder ---- */
    uint8_t trace_id[16];
    uint8_t span_id[8];
    uint8_t parent_id[8];
    bool has_parent;             /* false: root span (empty parent id)     */
    const char *name;            /* arena, never NULL ("" if absent)        */
    int otel_kind;               /* OTLP SpanKind 0..5                      */
    int64_t start_ns;            /* unix nanoseconds                        */
    int64_t end_ns;
    int status_code;             /* AS_STATUS_*                             */
    const char *status_message;  /* arena, never NULL                       */
    const char *project_name;    /* arena: resource attribute
                                    openinference.project.name, or NULL     */
    json_t *attributes;          /* object; flat before normalisation,
                                    nested after                            */
    json_t *events;              /* array of {name, timestamp (ISO 8601),
                                    attributes (flat object)}; never NULL   */
    json_t *links;               /* array of {trace_id, span_id, attributes}
                                    hex ids; never NULL                     */

    /* ---- derived by as_normalize_batch ---- */
    const char *span_kind;       /* static string: "LLM", ..., "UNKNOWN"    */
    const char *model_name;      /* borrowed from attributes, or NULL      */
    const char *session_id;      /* borrowed from attributes, or NULL      */
    const char *user_id;         /* borrowed from attributes, or NULL      */
    int64_t tokens_prompt;       /* llm.token_count.prompt, 0 if absent     */
    int64_t tokens_completion;   /* llm.token_count.completion              */
    int64_t tokens_total;        /* llm.token_count.total or the sum        */
} as_span;

typedef struct as_span_batch {
    as_arena arena;
    as_span *spans;              /* malloc'd array */
    size_t n;
    size_t cap;
} as_span_batch;

void as_span_batch_init(as_span_batch *b);
/* Append a zeroed span (events/links set to empty arrays) and return it. */
as_span *as_span_batch_add(as_span_batch *b);
void as_span_batch_release(as_span_batch *b);

/* Static, upper-case OpenInference kind name for a string of any case, or
 * "UNKNOWN" when s is NULL or not a known kind. */
const char *as_span_kind_canonical(const char *s);

#endif
