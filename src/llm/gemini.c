/*
 * gemini.c - the Gemini API generateContent wire format.
 *
 * Roles map to "user" and "model"; system messages become one
 * systemInstruction.  A JSON answer uses responseMimeType + responseSchema,
 * a tool answer a function declaration with calling mode ANY restricted to
 * that one function.  Gemini's schema is a subset of OpenAPI 3.0, and the
 * API rejects JSON Schema keywords it does not know, so the caller's schema
 * is translated (gemini_schema below) rather than passed through.
 *
 * The JSON helpers shared with the other providers are in wire.c.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "assay/alloc.h"
#include "provider.h"
#include "wire.h"

#define GEMINI_DEFAULT_URL "https://generativelanguage.googleapis.com"
#define SCHEMA_MAX_DEPTH 64

/* ---- the schema dialect ------------------------------------------------ */

/* From JSON Schema to Gemini's Schema object:
 *   - keys Gemini knows are kept; the rest (additionalProperties, $schema,
 *     $id, $defs, $comment, examples, exclusiveMinimum, multipleOf, ...)
 *     are dropped, at every level - but not the names under "properties",
 *     which are the caller's field names;
 *   - "type": ["string", "null"] becomes "type": "string", "nullable": true;
 *   - anyOf/oneOf members {"type": "null"} become "nullable": true, and an
 *     anyOf left with one member is merged into its parent (the shape that
 *     pydantic gives Optional[X]); oneOf becomes anyOf;
 *   - allOf members are merged into their parent;
 *   - local "$ref"s (#/$defs/X, #/definitions/X) are inlined, up to
 *     SCHEMA_MAX_DEPTH levels (Gemini's Schema has no references);
 *   - a string "const" becomes a one-value "enum";
 *   - "format" is kept only where Gemini takes it (string: enum, date-time;
 *     integer: int32, int64; number: float, double). */
static const char *const gemini_keep[] = {
    "title", "description", "nullable", "enum", "required", "minItems", "maxItems",
    "minLength", "maxLength", "minProperties", "maxProperties", "pattern", "minimum",
    "maximum", "example", "default", "propertyOrdering",
};

/* The translation is built in the arena as as_jval objects whose member
 * arrays grow as keys are put (jansson's json_object_set: a key that is
 * there already keeps its place).  Values taken from the input are
 * shallow copies: their children stay the input's. */
typedef struct conv {
    const as_jval *root;   /* the whole schema, for $ref */
    as_arena *a;
    as_err *err;
} conv;

/* An object being built: v plus the room in its member array. */
typedef struct gobj {
    as_jval v;
    size_t cap;
} gobj;

static const as_jval jtrue = { .type = AS_J_TRUE };

/* Add key: v to out, whose keys are all different from key. */
static void add_key(conv *c, gobj *out, const char *key, size_t kl, const as_jval *v) {
    as_jmember *m = out->v.u.members;
    if (out->v.n == out->cap) {
        out->cap = out->cap ? 2 * out->cap : 8;
        m = as_arena_alloc(c->a, out->cap * sizeof *m);
        if (out->v.n) memcpy(m, out->v.u.members, out->v.n * sizeof *m);
        out->v.u.members = m;
    }
    m[out->v.n].key = key;     /* the input's keys and literals: they outlive out */
    m[out->v.n].klen = kl;
    m[out->v.n].val = *v;
    out->v.n++;
}

static void put_key(conv *c, gobj *out, const char *key, const as_jval *v, bool override) {
    as_jmember *m = out->v.u.members;
    size_t kl = strlen(key);
    for (size_t i = 0; i < out->v.n; i++)
        if (m[i].klen == kl && memcmp(m[i].key, key, kl) == 0) {
            if (override) m[i].val = *v;
            return;
        }
    add_key(c, out, key, kl, v);
}

/* An array of n values, to be filled in. */
static as_jval new_array(conv *c, size_t n) {
    as_jval v = { .type = AS_J_ARR, .n = n };
    v.u.items = as_arena_alloc(c->a, (n ? n : 1) * sizeof *v.u.items);
    return v;
}

static as_rc conv_into(conv *c, const as_jval *in, gobj *out, int depth, bool override);

static bool conv_new(conv *c, const as_jval *in, int depth, as_jval *out) {
    gobj o = { { .type = AS_J_OBJ }, 0 };
    if (conv_into(c, in, &o, depth, true) != AS_OK) return false;
    *out = o.v;
    return true;
}

/* "#/a/b" against the root schema (JSON pointer, ~0 and ~1 escapes). */
static const as_jval *resolve_ref(const as_jval *root, const char *ref) {
    if (ref[0] != '#') return NULL;
    const as_jval *at = root;
    const char *p = ref + 1;
    while (*p == '/' && at) {
        p++;
        char seg[256];
        size_t n = 0;
        for (; *p && *p != '/'; p++) {
            char ch = *p;
            if (ch == '~' && (p[1] == '0' || p[1] == '1')) ch = *++p == '0' ? '~' : '/';
            if (n + 1 >= sizeof seg) return NULL;
            seg[n++] = ch;
        }
        seg[n] = '\0';
        at = llm_wire_get(at, seg);
    }
    return *p ? NULL : at;
}

static bool is_null_schema(const as_jval *s) {
    const as_jval *t = llm_wire_get(s, "type");
    return as_json_is(t, AS_J_STR) && strcmp(t->u.str, "null") == 0;
}

/* The members of obj as jansson kept them (llm_wire_kept), in the arena. */
static const size_t *kept_of(conv *c, const as_jval *obj) {
    size_t *kept = as_arena_alloc(c->a, (obj->n ? obj->n : 1) * sizeof *kept);
    llm_wire_kept(obj, kept);
    return kept;
}

static as_rc conv_into(conv *c, const as_jval *in, gobj *out, int depth, bool override) {
    if (depth > SCHEMA_MAX_DEPTH)
        return as_err_set(c->err, AS_EINVAL, "gemini request: the schema nests deeper "
                          "than %d levels (a recursive $ref?)", SCHEMA_MAX_DEPTH);
    if (as_json_is(in, AS_J_TRUE)) return AS_OK;        /* the schema "anything" */
    if (!as_json_is(in, AS_J_OBJ))
        return as_err_set(c->err, AS_EINVAL, "gemini request: schema_json holds a "
                          "subschema that is not an object");
    const as_jval *ref = llm_wire_get(in, "$ref");
    if (as_json_is(ref, AS_J_STR)) {
        const as_jval *target = resolve_ref(c->root, ref->u.str);
        if (!target)
            return as_err_set(c->err, AS_EINVAL, "gemini request: schema $ref \"%s\" "
                              "cannot be resolved (only local #/... references can)",
                              ref->u.str);
        as_rc rc = conv_into(c, target, out, depth + 1, override);
        if (rc) return rc;
    }
    as_rc rc = AS_OK;
    const size_t *kept = kept_of(c, in);
    for (size_t k = 0; k < in->n; k++) {
        if (kept[k] == SIZE_MAX) continue;
        const char *key = in->u.members[k].key;
        const as_jval *v = &in->u.members[kept[k]].val;
        if (strcmp(key, "type") == 0) {
            if (v->type == AS_J_STR) {
                put_key(c, out, "type", v, override);
            } else if (v->type == AS_J_ARR) {
                bool first = true;
                for (size_t i = 0; i < v->n; i++) {
                    const as_jval *t = &v->u.items[i];
                    if (t->type != AS_J_STR) continue;
                    if (strcmp(t->u.str, "null") == 0) {
                        put_key(c, out, "nullable", &jtrue, override);
                    } else if (first) {
                        put_key(c, out, "type", t, override);
                        first = false;
                    }
                }
            }
        } else if (strcmp(key, "properties") == 0 && v->type == AS_J_OBJ) {
            gobj props = { { .type = AS_J_OBJ }, 0 };
            const size_t *pk = kept_of(c, v);
            for (size_t i = 0; i < v->n; i++) {
                as_jval o;
                if (pk[i] == SIZE_MAX) continue;
                if (!conv_new(c, &v->u.members[pk[i]].val, depth + 1, &o)) return AS_EINVAL;
                add_key(c, &props, v->u.members[i].key, v->u.members[i].klen, &o);
            }
            put_key(c, out, "properties", &props.v, override);
        } else if (strcmp(key, "items") == 0 && v->type == AS_J_OBJ) {
            as_jval o;
            if (!conv_new(c, v, depth + 1, &o)) return AS_EINVAL;
            put_key(c, out, "items", &o, override);
        } else if ((strcmp(key, "anyOf") == 0 || strcmp(key, "oneOf") == 0) &&
                   v->type == AS_J_ARR) {
            size_t n_real = 0;
            const as_jval *only = NULL;
            for (size_t i = 0; i < v->n; i++) {
                const as_jval *m = &v->u.items[i];
                if (is_null_schema(m)) put_key(c, out, "nullable", &jtrue, override);
                else n_real++, only = m;
            }
            if (n_real <= 1) {
                if (only && (rc = conv_into(c, only, out, depth + 1, false)) != AS_OK)
                    return rc;
                continue;
            }
            as_jval arr = new_array(c, n_real);
            arr.n = 0;
            for (size_t i = 0; i < v->n; i++) {
                const as_jval *m = &v->u.items[i];
                if (is_null_schema(m)) continue;
                if (!conv_new(c, m, depth + 1, &arr.u.items[arr.n++])) return AS_EINVAL;
            }
            put_key(c, out, "anyOf", &arr, override);
        } else if (strcmp(key, "allOf") == 0 && v->type == AS_J_ARR) {
            for (size_t i = 0; i < v->n; i++) {
                rc = conv_into(c, &v->u.items[i], out, depth + 1, false);
                if (rc) return rc;
            }
        } else if (strcmp(key, "const") == 0 && v->type == AS_J_STR) {
            as_jval e = new_array(c, 1);
            e.u.items[0] = *v;
            put_key(c, out, "enum", &e, override);
        } else {
            for (size_t i = 0; i < AS_ARRAY_LEN(gemini_keep); i++)
                if (strcmp(key, gemini_keep[i]) == 0) {
                    put_key(c, out, key, v, override);
                    break;
                }
        }
    }
    /* format: only where Gemini takes it, judged by the final type. */
    const as_jval *fmt = llm_wire_get(in, "format");
    const as_jval *type = llm_wire_get(&out->v, "type");
    if (as_json_is(fmt, AS_J_STR) && as_json_is(type, AS_J_STR)) {
        static const char *const ok[][2] = {
            { "string", "enum" }, { "string", "date-time" }, { "integer", "int32" },
            { "integer", "int64" }, { "number", "float" }, { "number", "double" },
        };
        for (size_t i = 0; i < AS_ARRAY_LEN(ok); i++)
            if (strcasecmp(type->u.str, ok[i][0]) == 0 && strcmp(fmt->u.str, ok[i][1]) == 0)
                put_key(c, out, "format", fmt, override);
    }
    return AS_OK;
}

/* The Gemini form of a schema (in a), or NULL with err set. */
static const as_jval *gemini_schema(const as_jval *schema, as_arena *a, as_err *err) {
    conv c = { schema, a, err };
    as_jval *o = as_arena_alloc(a, sizeof *o);
    return conv_new(&c, schema, 0, o) ? o : NULL;
}

/* ---- requests ---------------------------------------------------------- */

static as_rc gemini_build(const as_llm_request *req, llm_http *out, as_err *err) {
    static const char who[] = "gemini";
    llm_http_init(out);
    as_arena a;
    as_arena_init(&a);
    const as_jval *schema = NULL, *gschema = NULL;
    as_buf url;
    as_buf_init(&url, AS_BUF_UNLIMITED);
    as_rc rc = llm_wire_check_request(who, req, err);
    if (rc) goto out;
    size_t n_system;
    if ((rc = llm_wire_check_chat(who, req, &n_system, err)) != AS_OK) goto out;
    if (req->answer != AS_LLM_ANSWER_TEXT) {
        if (!(schema = llm_wire_load_schema(who, req->schema_json, &a, err)) ||
            !(gschema = gemini_schema(schema, &a, err))) {
            rc = AS_EINVAL;
            goto out;
        }
    }
    const as_llm_model *m = req->model;
    const char *base = m->base_url[0] ? m->base_url : GEMINI_DEFAULT_URL;
    size_t blen = strlen(base);
    while (blen > 0 && base[blen - 1] == '/') blen--;
    /* "models/gemini-2.0-flash", as the API lists models, names the same
     * model as "gemini-2.0-flash". */
    const char *model = m->model;
    if (strncmp(model, "models/", 7) == 0 && model[7]) model += 7;
    as_buf_append(&url, base, blen);
    as_buf_puts(&url, "/v1beta/models/");
    llm_wire_url_segment(&url, model);
    as_buf_puts(&url, ":generateContent");
    out->url = as_buf_detach(&url, NULL);

    rc = llm_http_header(out, "Content-Type: application/json");
    if (rc == AS_OK) rc = llm_wire_secret_header(out, "x-goog-api-key: ", m->api_key);
    if (rc) {
        rc = as_err_set(err, rc, "%s request: cannot add the headers", who);
        goto out;
    }

    llm_jw w = llm_jw_begin(&out->body, req);
    llm_jw_raw(&w, "\"contents\":[");
    for (size_t i = 0, k = 0; i < req->n_msgs; i++) {
        const as_llm_msg *msg = &req->msgs[i];
        if (strcmp(msg->role, "system") == 0) continue;
        llm_jw_raw(&w, k++ ? ",{\"role\":" : "{\"role\":");
        llm_jw_raw(&w, strcmp(msg->role, "assistant") == 0 ? "\"model\"" : "\"user\"");
        llm_jw_raw(&w, ",\"parts\":[{\"text\":");
        llm_jw_str(&w, msg->content);
        llm_jw_raw(&w, "}]}");
    }
    llm_jw_raw(&w, "]");
    if (n_system) {
        llm_jw_raw(&w, ",\"systemInstruction\":{\"parts\":[{\"text\":");
        llm_jw_system(&w, req);
        llm_jw_raw(&w, "}]}");
    }
    llm_jw_raw(&w, ",\"generationConfig\":{\"temperature\":");
    llm_jw_num(&w, req->temperature);
    if (req->max_tokens > 0) {
        llm_jw_raw(&w, ",\"maxOutputTokens\":");
        llm_jw_int(&w, req->max_tokens);
    }
    if (req->answer == AS_LLM_ANSWER_JSON) {
        llm_jw_raw(&w, ",\"responseMimeType\":\"application/json\",\"responseSchema\":");
        llm_jw_json(&w, gschema);
    }
    llm_jw_raw(&w, "}");
    if (req->answer == AS_LLM_ANSWER_TOOL) {
        llm_jw_raw(&w, ",\"tools\":[{\"functionDeclarations\":[{\"name\":");
        llm_jw_tool_name(&w, req);
        llm_jw_raw(&w, ",\"parameters\":");
        llm_jw_json(&w, gschema);
        llm_jw_raw(&w, "}]}],\"toolConfig\":{\"functionCallingConfig\":{\"mode\":\"ANY\","
                   "\"allowedFunctionNames\":[");
        llm_jw_str(&w, req->tool_name);
        llm_jw_raw(&w, "]}}");
    }
    rc = llm_jw_done(who, &w, err);
out:
    as_buf_release(&url);
    return llm_wire_build_end(rc, &a, out);
}

/* ---- responses --------------------------------------------------------- */

/* Finish reasons of a candidate that a policy filter stopped (the block
 * reasons of promptFeedback, plus SPII): asking again gets the same
 * refusal, so such an answer is AS_EUNPROCESSABLE, not worth a retry.
 * RECITATION and MAX_TOKENS are not in the list: they stay AS_EINVAL. */
static bool blocked_finish(const char *reason) {
    static const char *const blocked[] = {
        "SAFETY", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY",
    };
    for (size_t i = 0; reason && i < AS_ARRAY_LEN(blocked); i++)
        if (strcmp(reason, blocked[i]) == 0) return true;
    return false;
}

static as_rc gemini_parse(const char *body, size_t n, as_llm_answer answer,
                          as_llm_response *resp, as_err *err) {
    static const char who[] = "gemini";
    as_buf text;
    as_buf_init(&text, AS_BUF_UNLIMITED);
    bool any_text = false;
    as_llm_response r;
    llm_doc d;
    as_rc rc = llm_wire_parse_begin(who, body, n, resp, &r, &d, err);
    if (rc) return rc;

    const as_jval *cands = llm_wire_get(d.root, "candidates");
    const as_jval *c0 = as_json_at(cands, 0);
    const as_jval *e = llm_wire_get(d.root, "error");
    if (e && e->type != AS_J_NULL && !c0) {
        rc = llm_wire_error_reply(who, d.root, err);
        goto out;
    }
    if (!as_json_is(c0, AS_J_OBJ)) {
        /* The prompt itself was refused: no candidates, a reason why. */
        const as_jval *block =
            llm_wire_get(llm_wire_get(d.root, "promptFeedback"), "blockReason");
        if (as_json_is(block, AS_J_STR))
            rc = as_err_set(err, AS_EUNPROCESSABLE, "%s response: blocked (%s)", who,
                            block->u.str);
        else
            rc = as_err_set(err, AS_EINVAL, "%s response: no candidates[0]", who);
        goto out;
    }
    const as_jval *fr = llm_wire_get(c0, "finishReason");
    if (as_json_is(fr, AS_J_STR)) r.finish_reason = llm_wire_dup_str(fr);
    /* A candidate stopped for SAFETY, RECITATION or (thinking models)
     * MAX_TOKENS may come without content or parts: say why. */
    const as_jval *content = llm_wire_get(c0, "content");
    const as_jval *parts = llm_wire_get(content, "parts");
    if (!as_json_is(parts, AS_J_ARR)) {
        rc = as_err_set(err, blocked_finish(r.finish_reason) ? AS_EUNPROCESSABLE : AS_EINVAL,
                        "%s response: no candidates[0].content%s%s%s%s", who,
                        as_json_is(content, AS_J_OBJ) ? ".parts" : "",
                        r.finish_reason ? " (finishReason " : "",
                        r.finish_reason ? r.finish_reason : "", r.finish_reason ? ")" : "");
        goto out;
    }
    for (size_t i = 0; i < parts->n; i++) {
        const as_jval *part = &parts->u.items[i];
        if (as_json_is(llm_wire_get(part, "thought"), AS_J_TRUE)) continue;  /* thinking */
        const as_jval *t = llm_wire_get(part, "text");
        const as_jval *call = llm_wire_get(part, "functionCall");
        if (as_json_is(t, AS_J_STR)) {
            llm_wire_put_str(&text, t);
            any_text = true;
        } else if (as_json_is(call, AS_J_OBJ) && !r.structured) {
            const as_jval *args = llm_wire_get(call, "args");
            if (!args) {
                r.structured = as_xstrdup("{}");   /* a call without arguments */
            } else if (args->type == AS_J_OBJ) {
                r.structured = llm_wire_dump_json(args);
            } else {
                rc = as_err_set(err, AS_EINVAL, "%s response: no candidates[0].content."
                                "parts[%zu].functionCall.args", who, i);
                goto out;
            }
        }
    }
    if (!any_text && !r.structured && blocked_finish(r.finish_reason)) {
        rc = as_err_set(err, AS_EUNPROCESSABLE, "%s response: nothing in candidates[0]."
                        "content.parts (finishReason %s)", who, r.finish_reason);
        goto out;
    }
    if (any_text) r.text = as_buf_detach(&text, NULL);
    llm_wire_json_from_text(answer, &r, &d.arena);

    /* Counts of zero are left out (proto3 JSON): inside usageMetadata an
     * absent count is 0.  Thinking tokens are billed as output. */
    const as_jval *usage = llm_wire_get(d.root, "usageMetadata");
    if (as_json_is(usage, AS_J_OBJ)) {
        int64_t p = llm_wire_count(usage, "promptTokenCount");
        int64_t c = llm_wire_count(usage, "candidatesTokenCount");
        int64_t th = llm_wire_count(usage, "thoughtsTokenCount");
        int64_t t = llm_wire_count(usage, "totalTokenCount");
        r.prompt_tokens = p < 0 ? 0 : p;
        r.completion_tokens = llm_wire_add(c < 0 ? 0 : c, th < 0 ? 0 : th);
        r.total_tokens = t >= 0 ? t : llm_wire_add(r.prompt_tokens, r.completion_tokens);
    }
    r.raw = as_xstrndup(body, n);
out:
    as_buf_release(&text);
    return llm_wire_parse_end(rc, &d, &r, resp, err);
}

const llm_provider llm_gemini = { "gemini", gemini_build, gemini_parse, llm_wire_error_text };
