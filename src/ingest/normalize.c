/*
 * normalize.c - OpenInference normalisation of decoded spans and their
 * serialisation to the JSON text that is stored (contract and the exact
 * rules: include/assay/normalize.h).
 *
 * Per span, on the hot path of ingest, without jansson and without a
 * malloc per value (nodes come from a scratch arena, values that outlive
 * the call from the batch's arena):
 *   1. the flat attributes (span.attrs, plus a hand-built `attributes`
 *      object if any) are sorted by key and repeated keys resolved (the
 *      last value, at the place of the first);
 *   2. one pass rewrites values: openinference.span.kind upper-cased,
 *      JSON-string attributes parsed (jsonin.c), non-string input.value /
 *      output.value serialised;
 *   3. if any key starts with "gen_ai.", the OTel GenAI attributes are
 *      mapped to the missing OpenInference ones;
 *   4. if any key has a '.', the keys are placed in sorted order into a
 *      fresh tree of nodes (tnode): objects, arrays and leaves pointing at
 *      the immutable values; a value object or array that a later key
 *      walks into is expanded into nodes first.  Sorting puts "a" before
 *      "a.b", which makes the conflict rule (rest of the key kept literal
 *      in the deepest object on the path) independent of the sender's key
 *      order;
 *   5. the hot fields are read from the final tree, which is written out
 *      as JSON text (jsonout.c) into the batch's arena, with the events
 *      and links.
 * Objects index their members by hash once they have more than a few, so
 * a hostile request with many keys stays O(n log n).
 * as_attributes_flatten (REST reads) is the inverse of step 4, on jansson.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "assay/alloc.h"
#include "assay/buf.h"
#include "assay/hex.h"
#include "assay/normalize.h"
#include "assay/otlp.h"
#include "jsontext.h"

/* ------------------------------------------------------------------ */
/* Small helpers                                                       */
/* ------------------------------------------------------------------ */

static bool key_is(const char *k, size_t n, const char *lit, size_t litn) {
    return n == litn && memcmp(k, lit, n) == 0;
}
#define KEY_IS(k, n, lit) key_is((k), (n), lit, sizeof(lit) - 1)

/* Attributes whose string value is JSON text (Phoenix parses these). */
static bool is_json_string_key(const char *k, size_t n) {
    static const char doc[] = ".document.metadata";
    const size_t docn = sizeof(doc) - 1;
    return KEY_IS(k, n, "metadata") || KEY_IS(k, n, "tool.parameters") ||
           KEY_IS(k, n, "llm.invocation_parameters") ||
           KEY_IS(k, n, "llm.prompt_template.variables") ||
           KEY_IS(k, n, "document.metadata") ||
           (n > docn && memcmp(k + n - docn, doc, docn) == 0);
}

static bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

static const char *skip_ws(const char *s, const char *end) {
    while (s < end && is_ws(*s)) s++;
    return s;
}

static bool looks_like_json(const char *s, size_t n) {
    const char *p = skip_ws(s, s + n);
    return p < s + n && (*p == '{' || *p == '[');
}

typedef struct nctx {
    as_arena *keep;        /* the batch's arena: values that outlive the call */
    as_arena scratch;      /* tree nodes and work arrays, released at the end */
    as_jw out;             /* JSON text of the span being written */
    size_t padding;        /* null array slots created so far in this batch */
    as_err *err;
    const as_span *span;
} nctx;

static as_value *new_value(nctx *c, as_vtype t) {
    as_value *v = as_arena_alloc(c->keep, sizeof(*v));
    memset(v, 0, sizeof(*v));
    v->type = t;
    return v;
}

static as_value *new_str(nctx *c, const char *s, size_t n, bool copy) {
    as_value *v = new_value(c, AS_V_STR);
    v->u.s = copy ? as_arena_strndup(c->keep, s, n) : s;
    v->n = n;
    return v;
}

/* The JSON object or array in s, or NULL when s is anything else. */
static const as_value *parse_json_text(nctx *c, const char *s, size_t n) {
    if (!looks_like_json(s, n) || !as_json_depth_within(s, n, AS_OTLP_JSON_MAX_DEPTH))
        return NULL;
    as_value *v = new_value(c, AS_V_NULL);
    return as_json_parse(s, n, c->keep, &c->scratch, v) ? v : NULL;
}

/* Compact JSON text of any value, as a new string value.  Reals are
 * written with 15 significant digits (0.7, not 0.69999999999999996). */
static const as_value *to_json_text(nctx *c, const as_value *v) {
    size_t mark = c->out.len;
    as_jw_value(&c->out, v, 15);
    as_value *s = new_str(c, c->out.p + mark, c->out.len - mark, true);
    c->out.len = mark;
    return s;
}

/* An integer from an integer, an integral real or a decimal string. */
static bool as_int(const as_value *v, int64_t *out) {
    if (v->type == AS_V_INT) { *out = v->u.i; return true; }
    if (v->type == AS_V_REAL) {
        double d = v->u.d;
        if (!isfinite(d) || d < -9.2e18 || d > 9.2e18) return false;
        *out = (int64_t)d;
        return true;
    }
    if (v->type == AS_V_STR) {
        const char *s = v->u.s;
        char *end;
        if (!*s) return false;
        long long x = strtoll(s, &end, 10);
        if (*end) return false;
        *out = x;
        return true;
    }
    return false;
}

/* ------------------------------------------------------------------ */
/* The tree                                                            */
/* ------------------------------------------------------------------ */

enum { T_LEAF, T_OBJ, T_ARR };
#define INDEX_MIN 32           /* objects with more members get a hash index */

typedef struct tnode tnode;
typedef struct tmember { const char *key; size_t klen; tnode *node; } tmember;

struct tnode {
    int type;
    const as_value *v;         /* T_LEAF */
    size_t n, cap;
    tmember *m;                /* T_OBJ, in insertion order */
    tnode **a;                 /* T_ARR; NULL slots are null */
    uint32_t *idx;             /* T_OBJ with > INDEX_MIN members: 1 + member */
    size_t idx_cap;
};

static const as_value CONTAINER = { .type = AS_V_OBJECT };  /* "not a scalar" */

static tnode *new_node(nctx *c, int type, const as_value *v) {
    tnode *t = as_arena_alloc(&c->scratch, sizeof(*t));
    memset(t, 0, sizeof(*t));
    t->type = type;
    t->v = v;
    return t;
}

static uint32_t key_hash(const char *k, size_t n) {
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)k[i]) * 16777619u;
    return h;
}

static void index_put(tnode *t, size_t i) {
    size_t mask = t->idx_cap - 1;
    size_t h = key_hash(t->m[i].key, t->m[i].klen) & mask;
    while (t->idx[h]) h = (h + 1) & mask;
    t->idx[h] = (uint32_t)(i + 1);
}

static void index_build(nctx *c, tnode *t) {
    size_t cap = 64;
    while (cap < 2 * t->n + 2) cap *= 2;
    t->idx = as_arena_calloc(&c->scratch, cap * sizeof(*t->idx));
    t->idx_cap = cap;
    for (size_t i = 0; i < t->n; i++) index_put(t, i);
}

/* Member of object t by key, or -1. */
static long member_find(const tnode *t, const char *k, size_t n) {
    if (t->idx) {
        size_t mask = t->idx_cap - 1;
        for (size_t h = key_hash(k, n) & mask; t->idx[h]; h = (h + 1) & mask) {
            const tmember *m = &t->m[t->idx[h] - 1];
            if (m->klen == n && memcmp(m->key, k, n) == 0) return (long)t->idx[h] - 1;
        }
        return -1;
    }
    for (size_t i = t->n; i-- > 0;)
        if (t->m[i].klen == n && memcmp(t->m[i].key, k, n) == 0) return (long)i;
    return -1;
}

static tnode *member_get(const tnode *t, const char *k, size_t n) {
    long i = member_find(t, k, n);
    return i < 0 ? NULL : t->m[i].node;
}

/* Append a member (the key must be absent). */
static void member_add(nctx *c, tnode *t, const char *k, size_t n, tnode *child) {
    if (t->n == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 4;
        tmember *m = as_arena_alloc(&c->scratch, cap * sizeof(*m));
        if (t->n) memcpy(m, t->m, t->n * sizeof(*m));
        t->m = m;
        t->cap = cap;
    }
    t->m[t->n] = (tmember){ k, n, child };
    t->n++;
    if (t->n > INDEX_MIN) {
        if (!t->idx || 2 * t->n + 2 > t->idx_cap) index_build(c, t);
        else index_put(t, t->n - 1);
    }
}

/* Set a member: replaces the node of an existing key in place. */
static void member_set(nctx *c, tnode *t, const char *k, size_t n, tnode *child) {
    long i = member_find(t, k, n);
    if (i >= 0) t->m[i].node = child;
    else member_add(c, t, k, n, child);
}

/* A leaf holding a value object or array, walked into by a later key,
 * becomes nodes (one level; deeper ones when walked into in turn). */
static void expand(nctx *c, tnode *t) {
    const as_value *v = t->v;
    if (t->type != T_LEAF) return;
    if (v->type == AS_V_OBJECT) {
        t->type = T_OBJ;
        t->cap = v->n ? v->n : 1;
        t->m = as_arena_alloc(&c->scratch, t->cap * sizeof(*t->m));
        for (size_t i = 0; i < v->n; i++)
            t->m[i] = (tmember){ v->u.members[i].key, v->u.members[i].klen,
                                 new_node(c, T_LEAF, &v->u.members[i].val) };
        t->n = v->n;                                /* keys are unique */
        if (t->n > INDEX_MIN) index_build(c, t);
    } else if (v->type == AS_V_ARRAY) {
        t->type = T_ARR;
        t->cap = v->n ? v->n : 1;
        t->a = as_arena_alloc(&c->scratch, t->cap * sizeof(*t->a));
        for (size_t i = 0; i < v->n; i++) t->a[i] = new_node(c, T_LEAF, &v->u.items[i]);
        t->n = v->n;
    }
}

static bool node_is_container(const tnode *t) {
    return t->type != T_LEAF || t->v->type == AS_V_OBJECT || t->v->type == AS_V_ARRAY;
}

/* Look a dotted path up in a tree that may be flat, nested or mixed: at
 * each object level the rest of the path is first tried as a literal key.
 * Returns the value (CONTAINER for object/array nodes), or NULL. */
static const as_value *val_lookup(const as_value *v, const char *p) {
    while (v->type == AS_V_OBJECT) {
        size_t n = strlen(p);
        const as_value *lit = NULL, *seg = NULL;
        const char *dot = memchr(p, '.', n);
        size_t sn = dot ? (size_t)(dot - p) : 0;
        for (size_t i = 0; i < v->n; i++) {
            const as_attr *m = &v->u.members[i];
            if (m->klen == n && memcmp(m->key, p, n) == 0) lit = &m->val;
            else if (dot && m->klen == sn && memcmp(m->key, p, sn) == 0) seg = &m->val;
        }
        if (lit) return lit;
        if (!dot || !seg) return NULL;
        v = seg;
        p = dot + 1;
    }
    return NULL;
}

static const as_value *lookup(const tnode *t, const char *p) {
    while (t) {
        if (t->type == T_LEAF) return t->v->type == AS_V_OBJECT ? val_lookup(t->v, p) : NULL;
        if (t->type != T_OBJ) return NULL;
        const tnode *lit = member_get(t, p, strlen(p));
        if (lit) return lit->type == T_LEAF ? lit->v : &CONTAINER;
        const char *dot = strchr(p, '.');
        if (!dot) return NULL;
        t = member_get(t, p, (size_t)(dot - p));
        p = dot + 1;
    }
    return NULL;
}

static bool present(const tnode *root, const char *path) {
    const as_value *v = lookup(root, path);
    return v && v->type != AS_V_NULL;
}

static void write_node(as_jw *w, const tnode *t) {
    switch (t->type) {
    case T_LEAF:
        as_jw_value(w, t->v, 0);
        return;
    case T_OBJ:
        as_jw_putc(w, '{');
        for (size_t i = 0; i < t->n; i++) {
            if (i) as_jw_putc(w, ',');
            as_jw_str(w, t->m[i].key, t->m[i].klen);
            as_jw_putc(w, ':');
            write_node(w, t->m[i].node);
        }
        as_jw_putc(w, '}');
        return;
    default:
        as_jw_putc(w, '[');
        for (size_t i = 0; i < t->n; i++) {
            if (i) as_jw_putc(w, ',');
            if (t->a[i]) write_node(w, t->a[i]);
            else AS_JW_LIT(w, "null");
        }
        as_jw_putc(w, ']');
        return;
    }
}

/* ------------------------------------------------------------------ */
/* Step 1-2: the flat object and in-place value rewrites               */
/* ------------------------------------------------------------------ */

/* The flat attributes: root is an object node of leaves in the order
 * sent; ord lists its members sorted by key. */
typedef struct flat {
    tnode *root;
    uint32_t *ord;
    size_t n_ord, cap_ord;
} flat;

static int cmp_key(const char *a, size_t an, const char *b, size_t bn) {
    int c = memcmp(a, b, an < bn ? an : bn);
    if (c) return c;
    return an < bn ? -1 : an > bn;
}

typedef struct ent { const char *k; size_t n; const as_value *v; uint32_t pos; } ent;

static int cmp_ent(const void *pa, const void *pb) {
    const ent *a = pa, *b = pb;
    int c = cmp_key(a->k, a->n, b->k, b->n);
    if (c) return c;
    return a->pos < b->pos ? -1 : a->pos > b->pos;
}

static void sort_ents(ent *e, size_t n) {
    if (n > 24) { qsort(e, n, sizeof(*e), cmp_ent); return; }
    for (size_t i = 1; i < n; i++) {            /* insertion sort: n is small */
        ent x = e[i];
        size_t j = i;
        while (j > 0 && cmp_ent(&e[j - 1], &x) > 0) { e[j] = e[j - 1]; j--; }
        e[j] = x;
    }
}

static void flat_build(nctx *c, as_span *s, flat *f) {
    const json_t *extra = json_is_object(s->attributes) ? s->attributes : NULL;
    size_t n = s->n_attrs + (extra ? json_object_size(extra) : 0);
    ent *e = as_arena_alloc(&c->scratch, (n + 1) * sizeof(*e));
    size_t k = 0;
    for (size_t i = 0; i < s->n_attrs; i++, k++)
        e[k] = (ent){ s->attrs[i].key, s->attrs[i].klen, &s->attrs[i].val, (uint32_t)k };
    if (extra) {
        for (void *it = json_object_iter((json_t *)extra); it;
             it = json_object_iter_next((json_t *)extra, it), k++) {
            as_value *v = new_value(c, AS_V_NULL);
            as_value_from_json(json_object_iter_value(it), c->keep, v);
            size_t kn = json_object_iter_key_len(it);
            e[k] = (ent){ as_arena_strndup(c->keep, json_object_iter_key(it), kn), kn, v, (uint32_t)k };
        }
    }
    sort_ents(e, n);
    /* a repeated key: the last value, at the place of the first */
    const as_value **val_at = as_arena_calloc(&c->scratch, (n + 1) * sizeof(*val_at));
    ent *uniq = e;
    size_t nu = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && e[j].n == e[i].n && memcmp(e[j].k, e[i].k, e[i].n) == 0) j++;
        val_at[e[i].pos] = e[j - 1].v;
        uniq[nu++] = e[i];
        i = j;
    }
    /* root members in the order sent; ord in key order */
    f->root = new_node(c, T_OBJ, NULL);
    f->root->cap = nu ? nu : 1;
    f->root->m = as_arena_alloc(&c->scratch, f->root->cap * sizeof(tmember));
    uint32_t *member_of = as_arena_alloc(&c->scratch, (n + 1) * sizeof(*member_of));
    for (size_t pos = 0; pos < n; pos++) {
        if (!val_at[pos]) continue;
        member_of[pos] = (uint32_t)f->root->n;
        f->root->m[f->root->n++] = (tmember){ NULL, 0, new_node(c, T_LEAF, val_at[pos]) };
    }
    f->cap_ord = nu + 8;
    f->ord = as_arena_alloc(&c->scratch, f->cap_ord * sizeof(*f->ord));
    f->n_ord = nu;
    for (size_t i = 0; i < nu; i++) {
        tmember *m = &f->root->m[member_of[uniq[i].pos]];
        m->key = uniq[i].k;
        m->klen = uniq[i].n;
        f->ord[i] = member_of[uniq[i].pos];
    }
    if (f->root->n > INDEX_MIN) index_build(c, f->root);
}

/* Set key (a static string) to v in the flat object: replaces the value
 * of an existing key in place, else appends. */
static void flat_put(nctx *c, flat *f, const char *key, const as_value *v) {
    size_t n = strlen(key);
    tnode *leaf = member_get(f->root, key, n);
    if (leaf) { leaf->type = T_LEAF; leaf->v = v; return; }
    member_add(c, f->root, key, n, new_node(c, T_LEAF, v));
    if (f->n_ord == f->cap_ord) {
        uint32_t *o = as_arena_alloc(&c->scratch, 2 * f->cap_ord * sizeof(*o));
        memcpy(o, f->ord, f->n_ord * sizeof(*o));
        f->ord = o;
        f->cap_ord *= 2;
    }
    size_t lo = 0, hi = f->n_ord;               /* sorted insert */
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        const tmember *m = &f->root->m[f->ord[mid]];
        if (cmp_key(m->key, m->klen, key, n) < 0) lo = mid + 1;
        else hi = mid;
    }
    memmove(f->ord + lo + 1, f->ord + lo, (f->n_ord - lo) * sizeof(*f->ord));
    f->ord[lo] = (uint32_t)(f->root->n - 1);
    f->n_ord++;
}

typedef struct scan_flags {
    bool dotted, gen_ai, kind_present;
    bool input_json, output_json;   /* input/output.value were re-serialised */
    const char *kind;
} scan_flags;

static const as_value *static_str(nctx *c, const char *s) {
    return new_str(c, s, strlen(s), false);
}

static void rewrite_values(nctx *c, flat *fl, scan_flags *f) {
    tnode *root = fl->root;
    for (size_t i = 0; i < root->n; i++) {
        const char *k = root->m[i].key;
        size_t n = root->m[i].klen;
        tnode *leaf = root->m[i].node;
        const as_value *v = leaf->v;
        if (!f->dotted && memchr(k, '.', n)) f->dotted = true;
        if (n > 7 && memcmp(k, "gen_ai.", 7) == 0) {
            f->gen_ai = true;
        } else if (KEY_IS(k, n, "openinference.span.kind")) {
            f->kind_present = true;
            if (v->type != AS_V_STR) continue;
            const char *sent = v->u.s;
            f->kind = as_span_kind_canonical(sent);
            if (strcasecmp(f->kind, sent) == 0 && strcmp(f->kind, sent) != 0)
                leaf->v = static_str(c, f->kind);
        } else if (KEY_IS(k, n, "input.value") || KEY_IS(k, n, "output.value")) {
            if (v->type == AS_V_STR) continue;
            leaf->v = to_json_text(c, v);
            if (k[0] == 'i') f->input_json = true;
            else f->output_json = true;
        } else if (v->type == AS_V_STR && is_json_string_key(k, n)) {
            const as_value *parsed = parse_json_text(c, v->u.s, v->n);
            if (parsed) leaf->v = parsed;
        }
    }
    /* Added after the pass, as the order of additions is visible. */
    if (f->input_json) flat_put(c, fl, "input.mime_type", static_str(c, "application/json"));
    if (f->output_json) flat_put(c, fl, "output.mime_type", static_str(c, "application/json"));
}

/* ------------------------------------------------------------------ */
/* Step 3: gen_ai.* -> OpenInference                                   */
/* ------------------------------------------------------------------ */

static const as_value *gen(const flat *f, const char *key) {
    const tnode *t = member_get(f->root, key, strlen(key));
    return t && t->v->type != AS_V_NULL ? t->v : NULL;
}

/* Set key to v unless key is present (flat or nested). */
static void set_absent(nctx *c, flat *f, const char *key, const as_value *v) {
    if (!v || present(f->root, key)) return;
    flat_put(c, f, key, v);                     /* replaces a null */
}

static const as_value *lower_string(nctx *c, const as_value *v) {
    if (v->type != AS_V_STR) return NULL;
    char *s = as_arena_alloc(c->keep, v->n + 1);
    for (size_t i = 0; i < v->n; i++) {
        char ch = v->u.s[i];
        s[i] = ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
    }
    s[v->n] = '\0';
    return new_str(c, s, v->n, false);
}

static const as_value *int_value(nctx *c, const as_value *v) {
    int64_t x;
    if (!v || !as_int(v, &x)) return NULL;
    as_value *out = new_value(c, AS_V_INT);
    out->u.i = x;
    return out;
}

static const as_value *string_ref(const as_value *v) {
    return v && v->type == AS_V_STR ? v : NULL;
}

/* input.value / output.value from a gen_ai prompt-like attribute. */
static void map_text(nctx *c, flat *f, const as_value *v, const char *value_key,
                     const char *mime_key) {
    if (!v || present(f->root, value_key)) return;
    const as_value *text = v->type == AS_V_STR ? v : to_json_text(c, v);
    if (looks_like_json(text->u.s, text->n))
        set_absent(c, f, mime_key, static_str(c, "application/json"));
    set_absent(c, f, value_key, text);
}

static const char *kind_of_operation(const as_value *op) {
    static const struct { const char *op, *kind; } ops[] = {
        { "chat", "LLM" }, { "text_completion", "LLM" }, { "generate_content", "LLM" },
        { "embeddings", "EMBEDDING" }, { "execute_tool", "TOOL" },
        { "invoke_agent", "AGENT" }, { "create_agent", "AGENT" },
    };
    if (!op || op->type != AS_V_STR) return NULL;
    for (size_t i = 0; i < AS_ARRAY_LEN(ops); i++)
        if (strcmp(op->u.s, ops[i].op) == 0) return ops[i].kind;
    return NULL;
}

static void map_gen_ai(nctx *c, flat *f, scan_flags *fl) {
    const as_value *op = gen(f, "gen_ai.operation.name");
    const char *op_kind = kind_of_operation(op);
    if (!fl->kind_present && op_kind) {
        fl->kind = op_kind;
        fl->kind_present = true;
        set_absent(c, f, "openinference.span.kind", static_str(c, op_kind));
    }

    const as_value *model = gen(f, "gen_ai.response.model");
    if (!model || model->type != AS_V_STR) model = gen(f, "gen_ai.request.model");
    if (model && model->type == AS_V_STR) {
        bool embedding = op_kind && strcmp(op_kind, "EMBEDDING") == 0;
        set_absent(c, f, embedding ? "embedding.model_name" : "llm.model_name", model);
    }

    const as_value *provider = gen(f, "gen_ai.provider.name");
    if (!provider || provider->type != AS_V_STR) provider = gen(f, "gen_ai.system");
    if (provider && provider->type == AS_V_STR) {
        set_absent(c, f, "llm.provider", lower_string(c, provider));
        set_absent(c, f, "llm.system", lower_string(c, provider));
    }

    const as_value *in = int_value(c, gen(f, "gen_ai.usage.input_tokens"));
    if (!in) in = int_value(c, gen(f, "gen_ai.usage.prompt_tokens"));
    const as_value *out = int_value(c, gen(f, "gen_ai.usage.output_tokens"));
    if (!out) out = int_value(c, gen(f, "gen_ai.usage.completion_tokens"));
    const as_value *total = int_value(c, gen(f, "gen_ai.usage.total_tokens"));
    if (!total && (in || out)) {
        as_value *t = new_value(c, AS_V_INT);
        t->u.i = (int64_t)((uint64_t)(in ? in->u.i : 0) + (uint64_t)(out ? out->u.i : 0));
        total = t;
    }
    set_absent(c, f, "llm.token_count.prompt", in);
    set_absent(c, f, "llm.token_count.completion", out);
    set_absent(c, f, "llm.token_count.total", total);
    set_absent(c, f, "llm.token_count.prompt_details.cache_read",
               int_value(c, gen(f, "gen_ai.usage.cache_read_input_tokens")));
    set_absent(c, f, "llm.token_count.prompt_details.cache_write",
               int_value(c, gen(f, "gen_ai.usage.cache_creation_input_tokens")));

    set_absent(c, f, "tool.name", string_ref(gen(f, "gen_ai.tool.name")));
    set_absent(c, f, "tool.description", string_ref(gen(f, "gen_ai.tool.description")));
    set_absent(c, f, "tool.id", string_ref(gen(f, "gen_ai.tool.call.id")));
    set_absent(c, f, "agent.name", string_ref(gen(f, "gen_ai.agent.name")));
    set_absent(c, f, "session.id", string_ref(gen(f, "gen_ai.conversation.id")));

    const as_value *prompt = gen(f, "gen_ai.prompt");
    map_text(c, f, prompt ? prompt : gen(f, "gen_ai.input.messages"), "input.value",
             "input.mime_type");
    const as_value *completion = gen(f, "gen_ai.completion");
    map_text(c, f, completion ? completion : gen(f, "gen_ai.output.messages"), "output.value",
             "output.mime_type");

    if (!present(f->root, "llm.invocation_parameters")) {
        static const char *const params[] = {
            "temperature", "max_tokens", "top_p", "top_k", "frequency_penalty",
            "presence_penalty", "stop_sequences", "seed",
        };
        static const char *const keys[] = {
            "gen_ai.request.temperature", "gen_ai.request.max_tokens", "gen_ai.request.top_p",
            "gen_ai.request.top_k", "gen_ai.request.frequency_penalty",
            "gen_ai.request.presence_penalty", "gen_ai.request.stop_sequences",
            "gen_ai.request.seed",
        };
        as_value *obj = NULL;
        for (size_t i = 0; i < AS_ARRAY_LEN(params); i++) {
            const as_value *v = gen(f, keys[i]);
            if (!v) continue;
            if (!obj) {
                obj = new_value(c, AS_V_OBJECT);
                obj->u.members = as_arena_alloc(c->keep, AS_ARRAY_LEN(params) * sizeof(as_attr));
            }
            /* values are immutable: sharing them is a copy */
            obj->u.members[obj->n++] = (as_attr){ params[i], strlen(params[i]), *v };
        }
        set_absent(c, f, "llm.invocation_parameters", obj);
    }
}

/* ------------------------------------------------------------------ */
/* Step 4: unflatten                                                   */
/* ------------------------------------------------------------------ */

/* 0: not an index; 1: index in *idx; 2: canonical decimal over the limit. */
static int seg_index(const char *s, size_t n, size_t *idx) {
    if (n == 0 || s[0] < '0' || s[0] > '9' || (s[0] == '0' && n > 1)) return 0;
    size_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return 0;
        if (v <= AS_NORMALIZE_MAX_INDEX) v = v * 10 + (size_t)(s[i] - '0');
    }
    *idx = v;
    return v > AS_NORMALIZE_MAX_INDEX ? 2 : 1;
}

/* Is the segment starting at s (up to end) a canonical index? */
static bool next_is_index(const char *s, const char *end) {
    const char *dot = memchr(s, '.', (size_t)(end - s));
    size_t idx;
    return seg_index(s, dot ? (size_t)(dot - s) : (size_t)(end - s), &idx) != 0;
}

static as_rc unflat_fail(nctx *c, const char *key, const char *what) {
    char sid[17], shown[AS_OTLP_SHORT_MAX];
    as_hex_encode(c->span->span_id, 8, sid);
    as_otlp_shorten(key, shown);
    return as_err_set(c->err, AS_ETOOBIG, "span %s: attribute \"%s\": %s", sid, shown, what);
}

/* arr[idx] = v, padding with nulls. */
static as_rc array_put(nctx *c, tnode *arr, size_t idx, tnode *v, const char *key) {
    if (idx >= arr->n) {
        if (idx > arr->n && idx - arr->n > AS_NORMALIZE_MAX_PADDING - c->padding)
            return unflat_fail(c, key, "too many empty array slots (sparse indices)");
        c->padding += idx - arr->n;
        if (idx >= arr->cap) {
            size_t cap = arr->cap ? 2 * arr->cap : 4;
            while (cap <= idx) cap *= 2;
            tnode **a = as_arena_alloc(&c->scratch, cap * sizeof(*a));
            if (arr->n) memcpy(a, arr->a, arr->n * sizeof(*a));
            arr->a = a;
            arr->cap = cap;
        }
        for (size_t i = arr->n; i < idx; i++) arr->a[i] = NULL;
        arr->n = idx + 1;
    }
    arr->a[idx] = v;
    return AS_OK;
}

static bool slot_empty(const tnode *t) {
    return !t || (t->type == T_LEAF && t->v->type == AS_V_NULL);
}

/* Place key = leaf into the tree; see normalize.h for the rule. */
static as_rc place(nctx *c, tnode *root, const char *key, size_t klen, tnode *leaf) {
    tnode *cur = root, *obj = root;
    size_t obj_off = 0, off = 0;
    int depth = 0;
    const char *end = key + klen;
    for (;;) {
        const char *seg = key + off;
        const char *dot = memchr(seg, '.', klen - off);
        size_t slen = dot ? (size_t)(dot - seg) : klen - off;
        if (cur->type == T_OBJ) { obj = cur; obj_off = off; }
        if (dot && depth + 1 >= AS_NORMALIZE_MAX_DEPTH) break;
        tnode *child;
        if (cur->type == T_OBJ) {
            child = member_get(cur, seg, slen);
            if (!dot) {
                if (child) break;
                member_add(c, cur, seg, slen, leaf);
                return AS_OK;
            }
            if (!child) {
                child = new_node(c, next_is_index(dot + 1, end) ? T_ARR : T_OBJ, NULL);
                member_add(c, cur, seg, slen, child);
            } else if (!node_is_container(child)) {
                break;
            }
        } else {
            size_t idx = 0;
            int r = seg_index(seg, slen, &idx);
            if (r == 0) break;
            if (r == 2) {
                char what[96];
                snprintf(what, sizeof(what), "array index %.*s is over the limit %d",
                         (int)(slen > 20 ? 20 : slen), seg, AS_NORMALIZE_MAX_INDEX);
                return unflat_fail(c, key, what);
            }
            child = idx < cur->n ? cur->a[idx] : NULL;
            bool empty = slot_empty(child);
            if (!dot) {
                if (!empty) break;
                return array_put(c, cur, idx, leaf, key);
            }
            if (empty) {
                child = new_node(c, next_is_index(dot + 1, end) ? T_ARR : T_OBJ, NULL);
                as_rc rc = array_put(c, cur, idx, child, key);
                if (rc != AS_OK) return rc;
            } else if (!node_is_container(child)) {
                break;
            }
        }
        expand(c, child);
        cur = child;
        off += slen + 1;
        depth++;
    }
    /* Conflict: the rest of the key, literally, in the deepest object. */
    if (!member_get(obj, key + obj_off, klen - obj_off))
        member_add(c, obj, key + obj_off, klen - obj_off, leaf);
    else
        member_set(c, root, key, klen, leaf);
    return AS_OK;
}

/* ------------------------------------------------------------------ */
/* Step 5: hot fields, serialisation, and the batch driver             */
/* ------------------------------------------------------------------ */

static const char *str_at(const tnode *root, const char *path) {
    const as_value *v = lookup(root, path);
    return v && v->type == AS_V_STR ? v->u.s : NULL;
}

static bool int_at(const tnode *root, const char *path, int64_t *out) {
    const as_value *v = lookup(root, path);
    return v && as_int(v, out);
}

/* A non-negative finite number from a number or a decimal string. */
static bool cost_at(const tnode *root, const char *path, double *out) {
    const as_value *v = lookup(root, path);
    double d;
    if (!v) return false;
    if (v->type == AS_V_INT) d = (double)v->u.i;
    else if (v->type == AS_V_REAL) d = v->u.d;
    else if (v->type == AS_V_STR && v->u.s[0]) {
        char *end;
        d = strtod(v->u.s, &end);
        if (*end) return false;
    } else return false;
    if (!isfinite(d) || d < 0) return false;
    *out = d;
    return true;
}

static void hot_fields(as_span *s, const tnode *a) {
    s->model_name = str_at(a, "llm.model_name");
    if (!s->model_name) s->model_name = str_at(a, "embedding.model_name");
    s->session_id = str_at(a, "session.id");
    s->user_id = str_at(a, "user.id");
    int64_t p = 0, c = 0, t;
    bool hp = int_at(a, "llm.token_count.prompt", &p);
    bool hc = int_at(a, "llm.token_count.completion", &c);
    s->tokens_prompt = hp ? p : 0;
    s->tokens_completion = hc ? c : 0;
    s->tokens_total = int_at(a, "llm.token_count.total", &t) ? t : (int64_t)((uint64_t)p + (uint64_t)c);
    s->has_tokens = hp || hc;
    s->provider = str_at(a, "llm.provider");
    if (!s->provider) s->provider = str_at(a, "llm.system");
    /* OpenInference cost attributes win over the price table (applied by
     * the store's writer, which holds the table). */
    double total, cp, cc;
    s->has_cost = false;
    if (cost_at(a, "llm.cost.total", &total)) {
        s->has_cost = true;
        s->cost = total;
    } else {
        bool has_p = cost_at(a, "llm.cost.prompt", &cp);
        bool has_c = cost_at(a, "llm.cost.completion", &cc);
        if (has_p || has_c) {
            s->has_cost = true;
            s->cost = (has_p ? cp : 0) + (has_c ? cc : 0);
        }
    }
}

static as_rc normalize_span(nctx *c, as_span *s) {
    flat f;
    flat_build(c, s, &f);
    scan_flags fl = { 0 };
    rewrite_values(c, &f, &fl);
    if (!fl.kind_present) {             /* nested form (already normalised) */
        const as_value *k = lookup(f.root, "openinference.span.kind");
        if (k) {
            fl.kind_present = true;
            if (k->type == AS_V_STR) fl.kind = as_span_kind_canonical(k->u.s);
        }
    }
    if (fl.gen_ai) map_gen_ai(c, &f, &fl);
    s->span_kind = fl.kind ? fl.kind : "UNKNOWN";
    tnode *root = f.root;
    if (fl.dotted) {
        root = new_node(c, T_OBJ, NULL);
        c->span = s;
        for (size_t i = 0; i < f.n_ord; i++) {
            const tmember *m = &f.root->m[f.ord[i]];
            as_rc rc = place(c, root, m->key, m->klen, m->node);
            if (rc != AS_OK) return rc;
        }
    }
    hot_fields(s, root);
    c->out.len = 0;
    write_node(&c->out, root);
    s->attributes_json = as_jw_copy(&c->out, c->keep);
    c->out.len = 0;
    as_jw_events(&c->out, s->events, s->n_events);
    s->events_json = as_jw_copy(&c->out, c->keep);
    s->links_json = NULL;
    if (s->n_links) {
        c->out.len = 0;
        as_jw_links(&c->out, s->links, s->n_links);
        s->links_json = as_jw_copy(&c->out, c->keep);
    }
    s->normalized = true;
    return AS_OK;
}

as_rc as_normalize_batch(as_span_batch *b, as_err *err) {
    nctx c = { .keep = &b->arena, .err = err };
    as_arena_init(&c.scratch);
    as_jw_init(&c.out);
    as_rc rc = AS_OK;
    for (size_t i = 0; i < b->n && rc == AS_OK; i++)
        if (!b->spans[i].normalized) rc = normalize_span(&c, &b->spans[i]);
    as_jw_release(&c.out);
    as_arena_release(&c.scratch);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Flatten                                                             */
/* ------------------------------------------------------------------ */

static void flat_set(json_t *out, const as_buf *path, json_t *v) {
    json_object_setn_new_nocheck(out, path->data ? path->data : "", path->len, v);
}

static bool has_container(const json_t *arr) {
    for (size_t i = 0; i < json_array_size(arr); i++) {
        const json_t *e = json_array_get(arr, i);
        if (json_is_object(e) || json_is_array(e)) return true;
    }
    return false;
}

static void flat_value(json_t *out, as_buf *path, json_t *v, bool top);

/* path + "." + seg (just seg under the root), then flatten v there. */
static void flat_member(json_t *out, as_buf *path, bool parent_is_root, const char *seg,
                        size_t n, json_t *v) {
    size_t saved = path->len;
    if (!parent_is_root) as_buf_putc(path, '.');
    as_buf_append(path, seg, n);
    flat_value(out, path, v, false);
    path->len = saved;
    path->data[saved] = '\0';
}

static void flat_value(json_t *out, as_buf *path, json_t *v, bool top) {
    /* Phoenix's REST flattens the parsed JSON-string attributes too
     * (metadata.variant, tool.parameters.query). */
    if (json_is_object(v)) {
        if (!top && json_object_size(v) == 0) {
            flat_set(out, path, json_object());
            return;
        }
        for (void *it = json_object_iter(v); it; it = json_object_iter_next(v, it))
            flat_member(out, path, top, json_object_iter_key(it), json_object_iter_key_len(it),
                        json_object_iter_value(it));
    } else if (json_is_array(v) && has_container(v)) {
        for (size_t i = 0; i < json_array_size(v); i++) {
            json_t *e = json_array_get(v, i);
            if (json_is_null(e)) continue;
            char idx[24];
            int n = snprintf(idx, sizeof(idx), "%zu", i);
            flat_member(out, path, false, idx, (size_t)n, e);
        }
    } else {
        flat_set(out, path, json_incref(v));
    }
}

json_t *as_attributes_flatten(const json_t *nested) {
    json_t *out = json_object();
    if (!json_is_object(nested)) return out;
    as_buf path;
    as_buf_init(&path, AS_BUF_UNLIMITED);
    as_buf_append(&path, "", 0);
    flat_value(out, &path, (json_t *)nested, true);
    as_buf_release(&path);
    return out;
}
