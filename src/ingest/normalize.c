/*
 * normalize.c - OpenInference normalisation of decoded spans (contract and
 * the exact rules: include/assay/normalize.h).
 *
 * Per span, on the hot path of ingest:
 *   1. one pass over the flat attributes rewrites values in place:
 *      openinference.span.kind upper-cased, JSON-string attributes parsed,
 *      non-string input.value / output.value serialised;
 *   2. if any key starts with "gen_ai.", the OTel GenAI attributes are
 *      mapped to the missing OpenInference ones;
 *   3. if any key has a '.', the (key, value) pairs are sorted by key and
 *      placed into a fresh nested object; values move by reference, never
 *      copied.  Sorting puts "a" before "a.b", which makes the conflict
 *      rule (rest of the key kept literal in the deepest object on the
 *      path) independent of the sender's key order;
 *   4. the hot fields are read from the final tree (borrowed pointers).
 * as_attributes_flatten is the inverse of step 3.
 */
#include <ctype.h>
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

static const char *skip_ws(const char *s, const char *end) {
    while (s < end && (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')) s++;
    return s;
}

static bool looks_like_json(const char *s, size_t n) {
    const char *p = skip_ws(s, s + n);
    return p < s + n && (*p == '{' || *p == '[');
}

/* The JSON object or array in s, or NULL when s is anything else. */
static json_t *parse_json_text(const char *s, size_t n) {
    if (!looks_like_json(s, n) || !as_json_depth_within(s, n, AS_OTLP_JSON_MAX_DEPTH))
        return NULL;
    return json_loadb(s, n, 0, NULL);
}

/* Compact JSON text of any value, as a new json string.  Reals are written
 * with 15 significant digits (0.7, not jansson's default 0.69999999999999996). */
static json_t *to_json_text(const json_t *v) {
    char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(15));
    if (!text) return json_string_nocheck("null");
    json_t *s = json_string_nocheck(text);
    free(text);
    return s;
}

/* Look a dotted path up in a tree that may be flat, nested or mixed: at
 * each object level the rest of the path is first tried as a literal key. */
static json_t *lookup(const json_t *root, const char *path) {
    const json_t *cur = root;
    const char *p = path;
    while (json_is_object(cur)) {
        json_t *lit = json_object_get(cur, p);
        if (lit) return lit;
        const char *dot = strchr(p, '.');
        if (!dot) return NULL;
        cur = json_object_getn(cur, p, (size_t)(dot - p));
        p = dot + 1;
    }
    return NULL;
}

static bool present(const json_t *attrs, const char *path) {
    const json_t *v = lookup(attrs, path);
    return v && !json_is_null(v);
}

/* An integer from an integer, an integral real or a decimal string. */
static bool as_int(const json_t *v, int64_t *out) {
    if (json_is_integer(v)) { *out = json_integer_value(v); return true; }
    if (json_is_real(v)) {
        double d = json_real_value(v);
        if (!isfinite(d) || d < -9.2e18 || d > 9.2e18) return false;
        *out = (int64_t)d;
        return true;
    }
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
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
/* Step 1: in-place value rewrites                                     */
/* ------------------------------------------------------------------ */

typedef struct scan_flags {
    bool dotted, gen_ai, kind_present;
    bool input_json, output_json;   /* input/output.value were re-serialised */
    const char *kind;
} scan_flags;

static void rewrite_values(json_t *attrs, scan_flags *f) {
    for (void *it = json_object_iter(attrs); it; it = json_object_iter_next(attrs, it)) {
        const char *k = json_object_iter_key(it);
        size_t n = json_object_iter_key_len(it);
        json_t *v = json_object_iter_value(it);
        if (!f->dotted && memchr(k, '.', n)) f->dotted = true;
        if (n > 7 && memcmp(k, "gen_ai.", 7) == 0) {
            f->gen_ai = true;
        } else if (KEY_IS(k, n, "openinference.span.kind")) {
            f->kind_present = true;
            if (!json_is_string(v)) continue;
            const char *sent = json_string_value(v);
            f->kind = as_span_kind_canonical(sent);
            if (strcasecmp(f->kind, sent) == 0 && strcmp(f->kind, sent) != 0)
                json_object_iter_set_new(attrs, it, json_string_nocheck(f->kind));
        } else if (KEY_IS(k, n, "input.value") || KEY_IS(k, n, "output.value")) {
            if (json_is_string(v)) continue;
            json_object_iter_set_new(attrs, it, to_json_text(v));
            if (k[0] == 'i') f->input_json = true;
            else f->output_json = true;
        } else if (json_is_string(v) && is_json_string_key(k, n)) {
            json_t *parsed = parse_json_text(json_string_value(v), json_string_length(v));
            if (parsed) json_object_iter_set_new(attrs, it, parsed);
        }
    }
    /* Adding keys would invalidate the iteration: done afterwards. */
    if (f->input_json)
        json_object_set_new_nocheck(attrs, "input.mime_type", json_string_nocheck("application/json"));
    if (f->output_json)
        json_object_set_new_nocheck(attrs, "output.mime_type", json_string_nocheck("application/json"));
}

/* ------------------------------------------------------------------ */
/* Step 2: gen_ai.* -> OpenInference                                   */
/* ------------------------------------------------------------------ */

static json_t *gen(const json_t *attrs, const char *key) {
    json_t *v = json_object_get(attrs, key);
    return v && !json_is_null(v) ? v : NULL;
}

/* Set key to v (a new reference) unless key is present; v is consumed. */
static void set_absent(json_t *attrs, const char *key, json_t *v) {
    if (!v) return;
    if (present(attrs, key)) { json_decref(v); return; }
    json_object_set_new_nocheck(attrs, key, v);     /* replaces a null */
}

static json_t *lower_string(const json_t *v) {
    if (!json_is_string(v)) return NULL;
    size_t n = json_string_length(v);
    char small[128];
    char *s = n < sizeof(small) ? small : as_xmalloc(n + 1);
    const char *src = json_string_value(v);
    for (size_t i = 0; i < n; i++) s[i] = (char)tolower((unsigned char)src[i]);
    json_t *out = json_stringn_nocheck(s, n);
    if (s != small) free(s);
    return out;
}

static json_t *int_value(const json_t *v) {
    int64_t x;
    if (!v || !as_int(v, &x)) return NULL;
    return json_integer((json_int_t)x);
}

static json_t *string_ref(json_t *v) {
    return json_is_string(v) ? json_incref(v) : NULL;
}

/* input.value / output.value from a gen_ai prompt-like attribute. */
static void map_text(json_t *attrs, json_t *v, const char *value_key, const char *mime_key) {
    if (!v || present(attrs, value_key)) return;
    json_t *text = json_is_string(v) ? json_incref(v) : to_json_text(v);
    if (looks_like_json(json_string_value(text), json_string_length(text)))
        set_absent(attrs, mime_key, json_string_nocheck("application/json"));
    set_absent(attrs, value_key, text);
}

static const char *kind_of_operation(const json_t *op) {
    static const struct { const char *op, *kind; } ops[] = {
        { "chat", "LLM" }, { "text_completion", "LLM" }, { "generate_content", "LLM" },
        { "embeddings", "EMBEDDING" }, { "execute_tool", "TOOL" },
        { "invoke_agent", "AGENT" }, { "create_agent", "AGENT" },
    };
    if (!json_is_string(op)) return NULL;
    for (size_t i = 0; i < AS_ARRAY_LEN(ops); i++)
        if (strcmp(json_string_value(op), ops[i].op) == 0) return ops[i].kind;
    return NULL;
}

static void map_gen_ai(json_t *attrs, scan_flags *f) {
    json_t *op = gen(attrs, "gen_ai.operation.name");
    const char *op_kind = kind_of_operation(op);
    if (!f->kind_present && op_kind) {
        f->kind = op_kind;
        f->kind_present = true;
        set_absent(attrs, "openinference.span.kind", json_string_nocheck(op_kind));
    }

    json_t *model = gen(attrs, "gen_ai.response.model");
    if (!model || !json_is_string(model)) model = gen(attrs, "gen_ai.request.model");
    if (model && json_is_string(model)) {
        bool embedding = op_kind && strcmp(op_kind, "EMBEDDING") == 0;
        set_absent(attrs, embedding ? "embedding.model_name" : "llm.model_name",
                   json_incref(model));
    }

    json_t *provider = gen(attrs, "gen_ai.provider.name");
    if (!provider || !json_is_string(provider)) provider = gen(attrs, "gen_ai.system");
    if (provider && json_is_string(provider)) {
        set_absent(attrs, "llm.provider", lower_string(provider));
        set_absent(attrs, "llm.system", lower_string(provider));
    }

    json_t *in = int_value(gen(attrs, "gen_ai.usage.input_tokens"));
    if (!in) in = int_value(gen(attrs, "gen_ai.usage.prompt_tokens"));
    json_t *out = int_value(gen(attrs, "gen_ai.usage.output_tokens"));
    if (!out) out = int_value(gen(attrs, "gen_ai.usage.completion_tokens"));
    json_t *total = int_value(gen(attrs, "gen_ai.usage.total_tokens"));
    if (!total && (in || out))
        total = json_integer((in ? json_integer_value(in) : 0) + (out ? json_integer_value(out) : 0));
    set_absent(attrs, "llm.token_count.prompt", in);
    set_absent(attrs, "llm.token_count.completion", out);
    set_absent(attrs, "llm.token_count.total", total);
    set_absent(attrs, "llm.token_count.prompt_details.cache_read",
               int_value(gen(attrs, "gen_ai.usage.cache_read_input_tokens")));
    set_absent(attrs, "llm.token_count.prompt_details.cache_write",
               int_value(gen(attrs, "gen_ai.usage.cache_creation_input_tokens")));

    set_absent(attrs, "tool.name", string_ref(gen(attrs, "gen_ai.tool.name")));
    set_absent(attrs, "tool.description", string_ref(gen(attrs, "gen_ai.tool.description")));
    set_absent(attrs, "tool.id", string_ref(gen(attrs, "gen_ai.tool.call.id")));
    set_absent(attrs, "agent.name", string_ref(gen(attrs, "gen_ai.agent.name")));
    set_absent(attrs, "session.id", string_ref(gen(attrs, "gen_ai.conversation.id")));

    json_t *prompt = gen(attrs, "gen_ai.prompt");
    map_text(attrs, prompt ? prompt : gen(attrs, "gen_ai.input.messages"),
             "input.value", "input.mime_type");
    json_t *completion = gen(attrs, "gen_ai.completion");
    map_text(attrs, completion ? completion : gen(attrs, "gen_ai.output.messages"),
             "output.value", "output.mime_type");

    if (!present(attrs, "llm.invocation_parameters")) {
        static const char *const params[] = {
            "temperature", "max_tokens", "top_p", "top_k", "frequency_penalty",
            "presence_penalty", "stop_sequences", "seed",
        };
        json_t *obj = NULL;
        for (size_t i = 0; i < AS_ARRAY_LEN(params); i++) {
            char key[64];
            snprintf(key, sizeof(key), "gen_ai.request.%s", params[i]);
            json_t *v = gen(attrs, key);
            if (!v) continue;
            if (!obj) obj = json_object();
            /* a copy: the tree must not share containers between keys */
            json_object_set_new_nocheck(obj, params[i], json_deep_copy(v));
        }
        set_absent(attrs, "llm.invocation_parameters", obj);
    }
}

/* ------------------------------------------------------------------ */
/* Step 3: unflatten                                                   */
/* ------------------------------------------------------------------ */

typedef struct kv_ent { const char *k; size_t n; json_t *v; } kv_ent;

static int cmp_ent(const void *pa, const void *pb) {
    const kv_ent *a = pa, *b = pb;
    int c = memcmp(a->k, b->k, a->n < b->n ? a->n : b->n);
    if (c) return c;
    return a->n < b->n ? -1 : a->n > b->n;
}

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

typedef struct unflat {
    json_t *root;
    size_t padding;        /* null slots created so far in this batch */
    as_err *err;
    const as_span *span;
} unflat;

static as_rc unflat_fail(unflat *u, const char *key, const char *what) {
    char sid[17], shown[AS_OTLP_SHORT_MAX];
    as_hex_encode(u->span->span_id, 8, sid);
    as_otlp_shorten(key, shown);
    return as_err_set(u->err, AS_ETOOBIG, "span %s: attribute \"%s\": %s", sid, shown, what);
}

/* arr[idx] = v (consumed), padding with nulls. */
static as_rc array_put(unflat *u, json_t *arr, size_t idx, json_t *v, const char *key) {
    size_t size = json_array_size(arr);
    if (idx > size) {
        if (idx - size > AS_NORMALIZE_MAX_PADDING - u->padding) {
            json_decref(v);
            return unflat_fail(u, key, "too many empty array slots (sparse indices)");
        }
        u->padding += idx - size;
        while (json_array_size(arr) < idx) json_array_append_new(arr, json_null());
    }
    if (idx == json_array_size(arr)) json_array_append_new(arr, v);
    else json_array_set_new(arr, idx, v);
    return AS_OK;
}

/* Place key = val (borrowed) into the tree; see normalize.h for the rule. */
static as_rc place(unflat *u, const char *key, size_t klen, json_t *val) {
    json_t *cur = u->root, *obj = u->root;
    size_t obj_off = 0, off = 0;
    int depth = 0;
    const char *end = key + klen;
    for (;;) {
        const char *seg = key + off;
        const char *dot = memchr(seg, '.', klen - off);
        size_t slen = dot ? (size_t)(dot - seg) : klen - off;
        if (json_is_object(cur)) { obj = cur; obj_off = off; }
        if (dot && depth + 1 >= AS_NORMALIZE_MAX_DEPTH) break;
        json_t *child;
        if (json_is_object(cur)) {
            child = json_object_getn(cur, seg, slen);
            if (!dot) {
                if (child) break;
                json_object_setn_new_nocheck(cur, seg, slen, json_incref(val));
                return AS_OK;
            }
            if (!child) {
                child = next_is_index(dot + 1, end) ? json_array() : json_object();
                json_object_setn_new_nocheck(cur, seg, slen, child);
            } else if (!json_is_object(child) && !json_is_array(child)) {
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
                return unflat_fail(u, key, what);
            }
            child = json_array_get(cur, idx);
            bool empty = !child || json_is_null(child);
            if (!dot) {
                if (!empty) break;
                return array_put(u, cur, idx, json_incref(val), key);
            }
            if (empty) {
                child = next_is_index(dot + 1, end) ? json_array() : json_object();
                as_rc rc = array_put(u, cur, idx, child, key);
                if (rc != AS_OK) return rc;
            } else if (!json_is_object(child) && !json_is_array(child)) {
                break;
            }
        }
        cur = child;
        off += slen + 1;
        depth++;
    }
    /* Conflict: the rest of the key, literally, in the deepest object. */
    if (!json_object_getn(obj, key + obj_off, klen - obj_off))
        json_object_setn_new_nocheck(obj, key + obj_off, klen - obj_off, json_incref(val));
    else
        json_object_setn_new_nocheck(u->root, key, klen, json_incref(val));
    return AS_OK;
}

static as_rc unflatten(unflat *u, json_t *flat) {
    size_t n = json_object_size(flat), i = 0;
    kv_ent small[64];
    kv_ent *ents = n <= AS_ARRAY_LEN(small) ? small : as_xmalloc(n * sizeof(*ents));
    for (void *it = json_object_iter(flat); it; it = json_object_iter_next(flat, it)) {
        ents[i].k = json_object_iter_key(it);
        ents[i].n = json_object_iter_key_len(it);
        ents[i].v = json_object_iter_value(it);
        i++;
    }
    qsort(ents, n, sizeof(*ents), cmp_ent);
    as_rc rc = AS_OK;
    for (i = 0; i < n && rc == AS_OK; i++) rc = place(u, ents[i].k, ents[i].n, ents[i].v);
    if (ents != small) free(ents);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Step 4: hot fields, and the batch driver                            */
/* ------------------------------------------------------------------ */

static const char *str_at(const json_t *attrs, const char *path) {
    const json_t *v = lookup(attrs, path);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static bool int_at(const json_t *attrs, const char *path, int64_t *out) {
    const json_t *v = lookup(attrs, path);
    return v && as_int(v, out);
}

static void hot_fields(as_span *s) {
    const json_t *a = s->attributes;
    s->model_name = str_at(a, "llm.model_name");
    if (!s->model_name) s->model_name = str_at(a, "embedding.model_name");
    s->session_id = str_at(a, "session.id");
    s->user_id = str_at(a, "user.id");
    int64_t p = 0, c = 0, t;
    bool hp = int_at(a, "llm.token_count.prompt", &p);
    bool hc = int_at(a, "llm.token_count.completion", &c);
    s->tokens_prompt = hp ? p : 0;
    s->tokens_completion = hc ? c : 0;
    s->tokens_total = int_at(a, "llm.token_count.total", &t) ? t : p + c;
}

static as_rc normalize_span(as_span *s, unflat *u) {
    if (!json_is_object(s->attributes)) {
        json_decref(s->attributes);
        s->attributes = json_object();
    }
    scan_flags f = { 0 };
    rewrite_values(s->attributes, &f);
    if (!f.kind_present) {            /* nested form (already normalised) */
        const json_t *k = lookup(s->attributes, "openinference.span.kind");
        if (k) {
            f.kind_present = true;
            if (json_is_string(k)) f.kind = as_span_kind_canonical(json_string_value(k));
        }
    }
    if (f.gen_ai) map_gen_ai(s->attributes, &f);
    s->span_kind = f.kind ? f.kind : "UNKNOWN";
    if (f.dotted) {
        u->root = json_object();
        u->span = s;
        as_rc rc = unflatten(u, s->attributes);
        json_decref(s->attributes);
        s->attributes = u->root;      /* on failure: what was placed so far */
        if (rc != AS_OK) return rc;
    }
    hot_fields(s);
    return AS_OK;
}

as_rc as_normalize_batch(as_span_batch *b, as_err *err) {
    unflat u = { .err = err };
    for (size_t i = 0; i < b->n; i++) {
        as_rc rc = normalize_span(&b->spans[i], &u);
        if (rc != AS_OK) return rc;
    }
    return AS_OK;
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
