/*
 * span.h - the in-memory form of decoded spans, shared by the OTLP decoders,
 * the OpenInference normaliser, the ingest queue and the storage layer.
 *
 * Ownership: an as_span_batch owns everything reachable from it.  Strings,
 * attribute values, events, links and the serialised JSON texts live in
 * the batch's arena and go away with as_span_batch_release, all at once.
 * One batch is the content of one OTLP request.
 *
 * Life of a span: a decoder (src/otlp/) fills the "wire" fields, with the
 * attributes as a FLAT array of (dotted key, typed value) in the arena, as
 * sent; as_normalize_batch (src/ingest/normalize.c) then fills the
 * "derived" fields: the hot fields that become real columns and the
 * attributes, events and links as the JSON text that is stored.  No
 * jansson tree is built on that path (one malloc per node was most of the
 * cost of ingest); jansson stays at the edges: the optional hand-built
 * `attributes` object below, as_attrs_json for inspection, and the
 * OTLP/JSON decoder's parser.
 */
#ifndef ASSAY_SPAN_H
#define ASSAY_SPAN_H

#include <jansson.h>

#include "assay/arena.h"
#include "assay/common.h"

enum { AS_STATUS_UNSET = 0, AS_STATUS_OK = 1, AS_STATUS_ERROR = 2 };

/* An attribute value, immutable once decoded.  Strings are valid UTF-8,
 * NUL-terminated, n bytes long; reals are finite (NaN and infinities are
 * decoded as the strings "NaN", "Infinity", "-Infinity"); the members of
 * an object have unique keys, in the order sent (a repeated key: the last
 * value, at the place of the first). */
typedef enum as_vtype {
    AS_V_NULL, AS_V_FALSE, AS_V_TRUE, AS_V_INT, AS_V_REAL, AS_V_STR,
    AS_V_ARRAY, AS_V_OBJECT
} as_vtype;

typedef struct as_attr as_attr;

typedef struct as_value {
    as_vtype type;
    size_t n;                    /* STR: bytes; ARRAY: items; OBJECT: members */
    union {
        int64_t i;
        double d;
        const char *s;
        struct as_value *items;
        as_attr *members;
    } u;
} as_value;

struct as_attr {
    const char *key;             /* NUL-terminated, klen bytes, UTF-8       */
    size_t klen;
    as_value val;
};

typedef struct as_event {
    int64_t time_ns;
    const char *name;            /* never NULL                              */
    size_t name_len;
    as_attr *attrs;              /* unique keys (see as_value)              */
    size_t n_attrs;
} as_event;

typedef struct as_link {
    uint8_t trace_id[16];
    uint8_t span_id[8];
    as_attr *attrs;              /* unique keys                             */
    size_t n_attrs;
} as_link;

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
    as_attr *attrs;              /* FLAT attributes as sent, in order; a
                                    key may repeat (the last wins)          */
    size_t n_attrs;
    as_event *events;
    size_t n_events;
    as_link *links;
    size_t n_links;
    json_t *attributes;          /* optional flat object of attributes set
                                    by hand (tests, tools), taken as sent
                                    after attrs; NULL from the decoders     */

    /* ---- derived by as_normalize_batch ---- */
    bool normalized;             /* set once done; a second pass skips it   */
    const char *span_kind;       /* static string: "LLM", ..., "UNKNOWN"    */
    const char *model_name;      /* arena, or NULL                          */
    const char *session_id;      /* arena, or NULL                          */
    const char *user_id;         /* arena, or NULL                          */
    int64_t tokens_prompt;       /* llm.token_count.prompt, 0 if absent     */
    int64_t tokens_completion;   /* llm.token_count.completion              */
    int64_t tokens_total;        /* llm.token_count.total or the sum        */
    bool has_tokens;             /* a prompt or completion count was sent   */
    const char *provider;        /* arena: llm.provider, else llm.system;
                                    or NULL (prices the span, see below)    */
    bool has_cost;               /* cost sent as attributes: llm.cost.total,
                                    else llm.cost.prompt + .completion      */
    double cost;                 /* USD, when has_cost                      */
    const char *attributes_json; /* arena: the nested attribute tree        */
    const char *events_json;     /* arena: [{name, timestamp (ISO 8601),
                                    attributes (flat object)}]              */
    const char *links_json;      /* arena: [{trace_id, span_id, attributes}]
                                    hex ids; NULL when there are no links   */
} as_span;

typedef struct as_span_batch {
    as_arena arena;
    as_span *spans;              /* malloc'd array */
    size_t n;
    size_t cap;
} as_span_batch;

void as_span_batch_init(as_span_batch *b);
/* Append a zeroed span and return it; its `attributes` is an empty
 * object, for callers that build spans by hand. */
as_span *as_span_batch_add(as_span_batch *b);
/* The same with `attributes` NULL: for decoders, which fill attrs. */
as_span *as_span_batch_add_bare(as_span_batch *b);
void as_span_batch_release(as_span_batch *b);

/* Static, upper-case OpenInference kind name for a string of any case, or
 * "UNKNOWN" when s is NULL or not a known kind. */
const char *as_span_kind_canonical(const char *s);

/* Inspection (tests, tools; not the ingest path): a new jansson value for
 * v, and a flat object of the attributes a[0..n) (a repeated key: the last
 * value, at the place of the first). */
json_t *as_value_json(const as_value *v);
json_t *as_attrs_json(const as_attr *a, size_t n);

#endif
