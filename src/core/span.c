/*
 * span.c - the decoded-span batch (see include/assay/span.h), and the
 * conversion of arena attribute values to jansson for inspection.
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

as_span *as_span_batch_add_bare(as_span_batch *b) {
    if (b->n == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 16;
        b->spans = as_xrealloc(b->spans, b->cap * sizeof(*b->spans));
    }
    as_span *s = &b->spans[b->n++];
    memset(s, 0, sizeof(*s));
    s->name = "";
    s->status_message = "";
    s->span_kind = "UNKNOWN";
    return s;
}

as_span *as_span_batch_add(as_span_batch *b) {
    as_span *s = as_span_batch_add_bare(b);
    s->attributes = json_object();
    return s;
}

void as_span_batch_release(as_span_batch *b) {
    for (size_t i = 0; i < b->n; i++) json_decref(b->spans[i].attributes);
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

json_t *as_value_json(const as_value *v) {
    switch (v->type) {
    case AS_V_NULL: return json_null();
    case AS_V_FALSE: return json_false();
    case AS_V_TRUE: return json_true();
    case AS_V_INT: return json_integer((json_int_t)v->u.i);
    case AS_V_REAL: return json_real(v->u.d);
    case AS_V_STR: return json_stringn_nocheck(v->u.s, v->n);
    case AS_V_ARRAY: {
        json_t *a = json_array();
        for (size_t i = 0; i < v->n; i++) json_array_append_new(a, as_value_json(&v->u.items[i]));
        return a;
    }
    case AS_V_OBJECT: return as_attrs_json(v->u.members, v->n);
    }
    return json_null();
}

json_t *as_attrs_json(const as_attr *a, size_t n) {
    json_t *o = json_object();
    for (size_t i = 0; i < n; i++)
        json_object_setn_new_nocheck(o, a[i].key, a[i].klen, as_value_json(&a[i].val));
    return o;
}
