/*
 * span.c - the decoded-span batch (see include/assay/span.h).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "assay/alloc.h"
#include "assay/span.h"

void as_span_batch_init(as_span_batch *b) {
    as_arena_init(&b->arena);
    b->spans = NULL;
    b->n = b->cap = 0;
}

as_span *as_span_batch_add(as_span_batch *b) {
    if (b->n == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 16;
        b->spans = as_xrealloc(b->spans, b->cap * sizeof(*b->spans));
    }
    as_span *s = &b->spans[b->n++];
    memset(s, 0, sizeof(*s));
    s->name = "";
    s->status_message = "";
    s->span_kind = "UNKNOWN";
    s->attributes = json_object();
    s->events = json_array();
    s->links = json_array();
    return s;
}

void as_span_batch_release(as_span_batch *b) {
    for (size_t i = 0; i < b->n; i++) {
        json_decref(b->spans[i].attributes);
        json_decref(b->spans[i].events);
        json_decref(b->spans[i].links);
    }
    free(b->spans);
    as_arena_release(&b->arena);
    b->spans = NULL;
    b->n = b->cap = 0;
}

const char *as_span_kind_canonical(const char *s) {
    static const char *const kinds[] = {
        "LLM", "CHAIN", "TOOL", "AGENT", "RETRIEVER", "EMBEDDING",
        "RERANKER", "GUARDRAIL", "EVALUATOR", "PROMPT", "UNKNOWN",
    };
    if (!s) return "UNKNOWN";
    for (size_t i = 0; i < AS_ARRAY_LEN(kinds); i++)
        if (strcasecmp(s, kinds[i]) == 0) return kinds[i];
    return "UNKNOWN";
}
