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
#include <jansson.h>
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

typedef struct conv {
    const json_t *root;    /* the whole schema, for $ref */
    as_err *err;
} conv;

static void put_key(json_t *out, const char *key, json_t *v, bool override) {
    if (override || !json_object_get(out, key)) json_object_set(out, key, v);
    json_decref(v);
}

static as_rc conv_into(conv *c, const json_t *in, json_t *out, int depth, bool override);

static json_t *conv_new(conv *c, const json_t *in, int depth) {
    json_t *o = json_object();
    if (conv_into(c, in, o, depth, true) != AS_OK) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* "#/a/b" against the root schema (JSON pointer, ~0 and ~1 escapes). */
static const json_t *resolve_ref(const json_t *root, const char *ref) {
    if (ref[0] != '#') return NULL;
    const json_t *at = root;
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
        at = json_object_get(at, seg);
    }
    return *p ? NULL : at;
}

static bool is_null_schema(const json_t *s) {
    const json_t *t = json_object_get(s, "type");
    return json_is_string(t) && strcmp(json_string_value(t), "null") == 0;
}

static as_rc conv_into(conv *c, const json_t *in, json_t *out, int depth, bool override) {
    if (depth > SCHEMA_MAX_DEPTH)
        return as_err_set(c->err, AS_EINVAL, "gemini request: the schema nests deeper "
                          "than %d levels (a recursive $ref?)", SCHEMA_MAX_DEPTH);
    if (json_is_true(in)) return AS_OK;        /* the schema "anything" */
    if (!json_is_object(in))
        return as_err_set(c->err, AS_EINVAL, "gemini request: schema_json holds a "
                          "subschema that is not an object");
    const json_t *ref = json_object_get(in, "$ref");
    if (json_is_string(ref)) {
        const json_t *target = resolve_ref(c->root, json_string_value(ref));
        if (!target)
            return as_err_set(c->err, AS_EINVAL, "gemini request: schema $ref \"%s\" "
                              "cannot be resolved (only local #/... references can)",
                              json_string_value(ref));
        as_rc rc = conv_into(c, target, out, depth + 1, override);
        if (rc) return rc;
    }
    const char *key;
    json_t *v;
    as_rc rc = AS_OK;
    json_object_foreach((json_t *)in, key, v) {
        if (strcmp(key, "type") == 0) {
            if (json_is_string(v)) {
                put_key(out, "type", json_incref(v), override);
            } else if (json_is_array(v)) {
                size_t i;
                json_t *t;
                bool first = true;
                json_array_foreach(v, i, t) {
                    if (!json_is_string(t)) continue;
                    if (strcmp(json_string_value(t), "null") == 0) {
                        put_key(out, "nullable", json_true(), override);
                    } else if (first) {
                        put_key(out, "type", json_incref(t), override);
                        first = false;
                    }
                }
            }
        } else if (strcmp(key, "properties") == 0 && json_is_object(v)) {
            json_t *props = json_object();
            const char *name;
            json_t *sub;
            json_object_foreach(v, name, sub) {
                json_t *o = conv_new(c, sub, depth + 1);
                if (!o) {
                    json_decref(props);
                    return AS_EINVAL;
                }
                json_object_set_new(props, name, o);
            }
            put_key(out, "properties", props, override);
        } else if (strcmp(key, "items") == 0 && json_is_object(v)) {
            json_t *o = conv_new(c, v, depth + 1);
            if (!o) return AS_EINVAL;
            put_key(out, "items", o, override);
        } else if ((strcmp(key, "anyOf") == 0 || strcmp(key, "oneOf") == 0) &&
                   json_is_array(v)) {
            size_t i, n_real = 0;
            json_t *m, *only = NULL;
            json_array_foreach(v, i, m) {
                if (is_null_schema(m)) put_key(out, "nullable", json_true(), override);
                else n_real++, only = m;
            }
            if (n_real <= 1) {
                if (only && (rc = conv_into(c, only, out, depth + 1, false)) != AS_OK)
                    return rc;
                continue;
            }
            json_t *arr = json_array();
            json_array_foreach(v, i, m) {
                if (is_null_schema(m)) continue;
                json_t *o = conv_new(c, m, depth + 1);
                if (!o) {
                    json_decref(arr);
                    return AS_EINVAL;
                }
                json_array_append_new(arr, o);
            }
            put_key(out, "anyOf", arr, override);
        } else if (strcmp(key, "allOf") == 0 && json_is_array(v)) {
            size_t i;
            json_t *m;
            json_array_foreach(v, i, m) {
                rc = conv_into(c, m, out, depth + 1, false);
                if (rc) return rc;
            }
        } else if (strcmp(key, "const") == 0 && json_is_string(v)) {
            json_t *e = json_array();
            json_array_append(e, v);
            put_key(out, "enum", e, override);
        } else {
            for (size_t i = 0; i < AS_ARRAY_LEN(gemini_keep); i++)
                if (strcmp(key, gemini_keep[i]) == 0) {
                    put_key(out, key, json_incref(v), override);
                    break;
                }
        }
    }
    /* format: only where Gemini takes it, judged by the final type. */
    const json_t *fmt = json_object_get(in, "format");
    const json_t *type = json_object_get(out, "type");
    if (json_is_string(fmt) && json_is_string(type)) {
        static const char *const ok[][2] = {
            { "string", "enum" }, { "string", "date-time" }, { "integer", "int32" },
            { "integer", "int64" }, { "number", "float" }, { "number", "double" },
        };
        for (size_t i = 0; i < AS_ARRAY_LEN(ok); i++)
            if (strcasecmp(json_string_value(type), ok[i][0]) == 0 &&
                strcmp(json_string_value(fmt), ok[i][1]) == 0)
                put_key(out, "format", json_incref((json_t *)fmt), override);
    }
    return AS_OK;
}

/* The Gemini form of a schema (new reference), or NULL with err set. */
static json_t *gemini_schema(const json_t *schema, as_err *err) {
    conv c = { schema, err };
    return conv_new(&c, schema, 0);
}

/* ---- requests ---------------------------------------------------------- */

static as_rc gemini_build(const as_llm_request *req, llm_http *out, as_err *err) {
    static const char who[] = "gemini";
    llm_http_init(out);
    json_t *schema = NULL, *gschema = NULL;
    as_buf url;
    as_buf_init(&url, AS_BUF_UNLIMITED);
    as_rc rc = llm_wire_check_request(who, req, err);
    if (rc) goto out;
    size_t n_system;
    if ((rc = llm_wire_check_chat(who, req, &n_system, err)) != AS_OK) goto out;
    if (req->answer != AS_LLM_ANSWER_TEXT) {
        if (!(schema = llm_wire_load_schema(who, req->schema_json, err)) ||
            !(gschema = gemini_schema(schema, err))) {
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

    llm_jw w = { &out->body, AS_OK };
    llm_jw_raw(&w, "{\"contents\":[");
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
    llm_jw_raw(&w, "}");
    rc = llm_jw_done(who, &w, err);
out:
    json_decref(gschema);
    json_decref(schema);
    as_buf_release(&url);
    if (rc) llm_http_clear(out);
    return rc;
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
    json_t *root;
    as_rc rc = llm_wire_parse_begin(who, body, n, resp, &r, &root, err);
    if (rc) return rc;

    const json_t *cands = json_object_get(root, "candidates");
    const json_t *c0 = json_array_get(cands, 0);
    const json_t *e = json_object_get(root, "error");
    if (e && !json_is_null(e) && !c0) {
        rc = llm_wire_error_reply(who, root, err);
        goto out;
    }
    if (!json_is_object(c0)) {
        /* The prompt itself was refused: no candidates, a reason why. */
        const json_t *block =
            json_object_get(json_object_get(root, "promptFeedback"), "blockReason");
        if (json_is_string(block))
            rc = as_err_set(err, AS_EUNPROCESSABLE, "%s response: blocked (%s)", who,
                            json_string_value(block));
        else
            rc = as_err_set(err, AS_EINVAL, "%s response: no candidates[0]", who);
        goto out;
    }
    const json_t *fr = json_object_get(c0, "finishReason");
    if (json_is_string(fr)) r.finish_reason = llm_wire_dup_str(fr);
    /* A candidate stopped for SAFETY, RECITATION or (thinking models)
     * MAX_TOKENS may come without content or parts: say why. */
    const json_t *content = json_object_get(c0, "content");
    const json_t *parts = json_object_get(content, "parts");
    if (!json_is_array(parts)) {
        rc = as_err_set(err, blocked_finish(r.finish_reason) ? AS_EUNPROCESSABLE : AS_EINVAL,
                        "%s response: no candidates[0].content%s%s%s%s", who,
                        json_is_object(content) ? ".parts" : "",
                        r.finish_reason ? " (finishReason " : "",
                        r.finish_reason ? r.finish_reason : "", r.finish_reason ? ")" : "");
        goto out;
    }
    size_t i;
    const json_t *part;
    json_array_foreach(parts, i, part) {
        if (json_is_true(json_object_get(part, "thought"))) continue;  /* thinking */
        const json_t *t = json_object_get(part, "text");
        const json_t *call = json_object_get(part, "functionCall");
        if (json_is_string(t)) {
            llm_wire_put_str(&text, t);
            any_text = true;
        } else if (json_is_object(call) && !r.structured) {
            const json_t *args = json_object_get(call, "args");
            if (!args) {
                r.structured = as_xstrdup("{}");   /* a call without arguments */
            } else if (json_is_object(args)) {
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
    llm_wire_json_from_text(answer, &r);

    /* Counts of zero are left out (proto3 JSON): inside usageMetadata an
     * absent count is 0.  Thinking tokens are billed as output. */
    const json_t *usage = json_object_get(root, "usageMetadata");
    if (json_is_object(usage)) {
        int64_t p = llm_wire_count(usage, "promptTokenCount");
        int64_t c = llm_wire_count(usage, "candidatesTokenCount");
        int64_t th = llm_wire_count(usage, "thoughtsTokenCount");
        int64_t t = llm_wire_count(usage, "totalTokenCount");
        r.prompt_tokens = p < 0 ? 0 : p;
        r.completion_tokens = (c < 0 ? 0 : c) + (th < 0 ? 0 : th);
        r.total_tokens = t >= 0 ? t : r.prompt_tokens + r.completion_tokens;
    }
    r.raw = as_xstrndup(body, n);
out:
    as_buf_release(&text);
    return llm_wire_parse_end(rc, root, &r, resp, err);
}

const llm_provider llm_gemini = { "gemini", gemini_build, gemini_parse, llm_wire_error_text };
