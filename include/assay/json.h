/*
 * json.h - a fast, strict JSON reader into an arena (read-only DOM).
 *
 * For hot paths that read JSON they did not write - LLM responses above
 * all - where building jansson trees (one malloc per value, a hash table
 * per object) cost more than the rest of the request.  RFC 8259: strings
 * are unescaped (\uXXXX with surrogate pairs) into valid UTF-8; invalid
 * UTF-8, control characters, lone surrogates, trailing garbage, numbers
 * out of range and nesting deeper than max_depth are errors that name
 * line and column.  Duplicate keys are kept (lookups find the first).
 *
 * Ownership: every node and string lives in the arena given to
 * as_json_read and dies with it.  Strings are NUL-terminated (and may hold
 * NUL bytes: use n).  Each value also points at its source text (src,
 * src_len), which lets callers copy a sub-document verbatim.
 */
#ifndef ASSAY_JSON_H
#define ASSAY_JSON_H
#include "assay/arena.h"
#include "assay/common.h"

typedef enum as_jtype {
    AS_J_NULL = 0, AS_J_FALSE, AS_J_TRUE, AS_J_NUM, AS_J_STR, AS_J_ARR, AS_J_OBJ
} as_jtype;

typedef struct as_jmember as_jmember;
typedef struct as_jval as_jval;

struct as_jval {
    as_jtype type;
    size_t n;                     /* STR: bytes; ARR: items; OBJ: members */
    union {
        double num;               /* NUM (also see src for the exact text) */
        const char *str;          /* STR */
        as_jval *items;           /* ARR */
        as_jmember *members;      /* OBJ */
    } u;
    const char *src;              /* the value's text in the input        */
    size_t src_len;
};

struct as_jmember {
    const char *key;              /* unescaped, NUL-terminated            */
    size_t klen;
    as_jval val;
};

#define AS_JSON_MAX_DEPTH 64

/* Parse s[0..n) into *out (allocated in a).  Errors: AS_EINVAL with
 * "line L column C: what" (column in bytes, 1-based), AS_ETOOBIG past
 * max_depth. */
as_rc as_json_read(const char *s, size_t n, as_arena *a, int max_depth,
                   const as_jval **out, as_err *err);

/* Lookups: NULL when v is NULL, not of the right type, or has no such
 * member / item.  So chains read like paths:
 *     as_json_str(as_json_get(as_json_at(as_json_get(root, "choices"), 0), "text")) */
const as_jval *as_json_get(const as_jval *obj, const char *key);
const as_jval *as_json_at(const as_jval *arr, size_t i);
/* The string (NUL-terminated) or NULL when v is not a string. */
const char *as_json_str(const as_jval *v);
/* An integral number in int64 range into *out; false otherwise. */
bool as_json_int(const as_jval *v, int64_t *out);
static inline bool as_json_is(const as_jval *v, as_jtype t) { return v && v->type == t; }

#endif
