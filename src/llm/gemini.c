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
 * The small JSON helpers below repeat those of openai.c: each provider file
 * stands alone and exports only its vtable.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "assay/alloc.h"
#include "assay/utf8.h"
#include "provider.h"

#define GEMINI_DEFAULT_URL "https://generativelanguage.googleapis.com"
#define SCHEMA_MAX_DEPTH 64

/* ---- writing JSON into a capped buffer -------------------------------- */

/* A writer keeps the first failure, so a body is written as a straight
 * sequence of calls and checked once at the end. */
typedef struct jw {
    as_buf *b;
    as_rc rc;
} jw;

static void jw_raw(jw *w, const char *s) {
    if (w->rc == AS_OK) w->rc = as_buf_puts(w->b, s);
}

/* A JSON string literal.  The APIs take only UTF-8: a byte that is not
 * part of a valid sequence (text cut mid-character, Latin-1) is sent as
 * U+FFFD rather than failing the whole request. */
static void jw_str(jw *w, const char *s) {
    if (w->rc != AS_OK) return;
    size_t n = strlen(s), i = as_utf8_invalid_at(s, n);
    if (i == n) {
        w->rc = as_buf_json_str(w->b, s, n);
        return;
    }
    as_buf t;
    as_buf_init(&t, w->b->max);
    as_rc rc = AS_OK;
    size_t at = 0;
    while (rc == AS_OK && at < n) {
        rc = as_buf_append(&t, s + at, i);
        if (rc == AS_OK && at + i < n) rc = as_buf_append(&t, "\xef\xbf\xbd", 3);
        at += i + 1;
        if (at < n) i = as_utf8_invalid_at(s + at, n - at);
    }
    if (rc == AS_OK) rc = as_buf_json_str(w->b, t.data, t.len);
    as_buf_release(&t);
    w->rc = rc;
}

/* The shortest decimal that reads back as d ("0.7", not
 * "0.69999999999999996"); d is finite (checked by the callers). */
static void jw_num(jw *w, double d) {
    char s[40];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(s, sizeof s, "%.*g", prec, d);
        if (strtod(s, NULL) == d) break;
    }
    for (char *c = s; *c; c++)
        if (*c == ',') *c = '.';    /* a locale with a decimal comma */
    jw_raw(w, s);
}

static void jw_int(jw *w, long long v) {
    if (w->rc == AS_OK) w->rc = as_buf_printf(w->b, "%lld", v);
}

/* A parsed JSON value, compact, keys in their original order. */
static void jw_json(jw *w, const json_t *v) {
    const char *key;
    json_t *item;
    size_t i;
    bool first = true;
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        jw_raw(w, "{");
        json_object_foreach((json_t *)v, key, item) {
            if (!first) jw_raw(w, ",");
            first = false;
            if (w->rc == AS_OK) w->rc = as_buf_json_str(w->b, key, strlen(key));
            jw_raw(w, ":");
            jw_json(w, item);
        }
        jw_raw(w, "}");
        break;
    case JSON_ARRAY:
        jw_raw(w, "[");
        json_array_foreach(v, i, item) {
            if (i) jw_raw(w, ",");
            jw_json(w, item);
        }
        jw_raw(w, "]");
        break;
    case JSON_STRING:
        if (w->rc == AS_OK)
            w->rc = as_buf_json_str(w->b, json_string_value(v), json_string_length(v));
        break;
    case JSON_INTEGER: jw_int(w, (long long)json_integer_value(v)); break;
    case JSON_REAL: jw_num(w, json_real_value(v)); break;
    case JSON_TRUE: jw_raw(w, "true"); break;
    case JSON_FALSE: jw_raw(w, "false"); break;
    case JSON_NULL: jw_raw(w, "null"); break;
    }
}

/* A path segment of a URL: everything but RFC 3986 unreserved bytes is
 * percent-encoded, so a model name cannot reshape the URL. */
static as_rc url_segment(as_buf *b, const char *s) {
    as_rc rc = AS_OK;
    for (; *s && rc == AS_OK; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~')
            rc = as_buf_putc(b, (char)c);
        else
            rc = as_buf_printf(b, "%%%02X", c);
    }
    return rc;
}

/* ---- checking a request ----------------------------------------------- */

/* Function/tool names: the rule of the strictest API (Gemini), so that a
 * request that is valid for one provider is valid for all of them. */
static bool tool_name_ok(const char *s) {
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > 64) return false;
    if (!((s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z') || s[0] == '_'))
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-'))
            return false;
    }
    return true;
}

static as_rc check_request(const char *who, const as_llm_request *req, as_err *err) {
    if (!req || !req->model) return as_err_set(err, AS_EINVAL, "%s request: no model", who);
    if (!req->model->model[0])
        return as_err_set(err, AS_EINVAL, "%s request: the model name is empty", who);
    if (!req->msgs || req->n_msgs == 0)
        return as_err_set(err, AS_EINVAL, "%s request: no messages", who);
    for (size_t i = 0; i < req->n_msgs; i++) {
        const as_llm_msg *m = &req->msgs[i];
        if (!m->role || (strcmp(m->role, "system") && strcmp(m->role, "user") &&
                         strcmp(m->role, "assistant")))
            return as_err_set(err, AS_EINVAL, "%s request: messages[%zu].role must be "
                              "system, user or assistant", who, i);
        if (!m->content)
            return as_err_set(err, AS_EINVAL, "%s request: messages[%zu] has no content",
                              who, i);
    }
    if (!isfinite(req->temperature) || req->temperature < 0)
        return as_err_set(err, AS_EINVAL, "%s request: temperature must be a number >= 0", who);
    if (req->max_tokens < 0)
        return as_err_set(err, AS_EINVAL, "%s request: max_tokens must be >= 0", who);
    if (req->answer != AS_LLM_ANSWER_TEXT && req->answer != AS_LLM_ANSWER_TOOL &&
        req->answer != AS_LLM_ANSWER_JSON)
        return as_err_set(err, AS_EINVAL, "%s request: unknown answer mode %d", who,
                          (int)req->answer);
    if (req->answer != AS_LLM_ANSWER_TEXT) {
        if (!tool_name_ok(req->tool_name))
            return as_err_set(err, AS_EINVAL, "%s request: tool_name must be 1-64 letters, "
                              "digits, '_' or '-', starting with a letter or '_'", who);
        if (!req->schema_json)
            return as_err_set(err, AS_EINVAL, "%s request: schema_json is required for a "
                              "%s answer", who,
                              req->answer == AS_LLM_ANSWER_TOOL ? "tool" : "JSON");
    }
    for (const char *k = req->model->api_key; *k; k++)
        if ((unsigned char)*k < 0x20 || *k == 0x7f)
            return as_err_set(err, AS_EINVAL, "%s request: the API key holds a control "
                              "character", who);
    return AS_OK;
}

/* The schema text as a jansson object (new reference), or NULL. */
static json_t *load_schema(const char *who, const char *text, as_err *err) {
    json_error_t je;
    json_t *s = json_loads(text, 0, &je);
    if (!s) {
        as_err_set(err, AS_EINVAL, "%s request: schema_json is not JSON at line %d "
                   "column %d: %s", who, je.line, je.column, je.text);
        return NULL;
    }
    if (!json_is_object(s)) {
        json_decref(s);
        as_err_set(err, AS_EINVAL, "%s request: schema_json is not a JSON object", who);
        return NULL;
    }
    return s;
}

/* ---- reading responses ------------------------------------------------ */

static as_rc load_body(const char *who, const char *body, size_t n, json_t **out,
                       as_err *err) {
    *out = NULL;
    if (n > LLM_RESP_MAX)
        return as_err_set(err, AS_ETOOBIG, "%s response: %zu bytes is over the %u-byte "
                          "limit", who, n, LLM_RESP_MAX);
    json_error_t je;
    /* JSON_ALLOW_NUL: "\u0000" inside a string is valid JSON (dup_str
     * drops it). */
    json_t *root = json_loadb(body ? body : "", body ? n : 0, JSON_ALLOW_NUL, &je);
    if (!root)
        return as_err_set(err, AS_EINVAL, "%s response: not JSON at line %d column %d: %s",
                          who, je.line, je.column, je.text);
    if (!json_is_object(root)) {
        json_decref(root);
        return as_err_set(err, AS_EINVAL, "%s response: not a JSON object", who);
    }
    *out = root;
    return AS_OK;
}

/* A heap copy of a JSON string without NUL bytes (the response holds C
 * strings). */
static char *dup_str(const json_t *s) {
    const char *p = json_string_value(s);
    size_t n = json_string_length(s), j = 0;
    char *d = as_xmalloc(n + 1);
    for (size_t i = 0; i < n; i++)
        if (p[i]) d[j++] = p[i];
    d[j] = '\0';
    return d;
}

/* A text that holds exactly one JSON object (surrounding space allowed). */
static bool is_json_object(const char *s) {
    json_t *v = json_loads(s, 0, NULL);
    bool ok = json_is_object(v);
    json_decref(v);
    return ok;
}

/* Compact text of a parsed value (heap). */
static char *dump_json(const json_t *v) {
    as_buf b;
    as_buf_init(&b, AS_BUF_UNLIMITED);
    jw w = { &b, AS_OK };
    jw_json(&w, v);
    return as_buf_detach(&b, NULL);
}

static int64_t count(const json_t *obj, const char *key) {
    const json_t *v = json_object_get(obj, key);
    if (!json_is_integer(v) || json_integer_value(v) < 0) return -1;
    return (int64_t)json_integer_value(v);
}

static void resp_empty(as_llm_response *r) {
    r->text = r->structured = r->raw = r->finish_reason = NULL;
    r->prompt_tokens = r->completion_tokens = r->total_tokens = -1;
}

/* ---- error bodies ------------------------------------------------------ */

/* Copy a message into out: control characters become spaces, the end is
 * cut on a UTF-8 character boundary, surrounding space is trimmed. */
static void put_message(char *out, size_t cap, const char *s, size_t n) {
    while (n > 0 && (unsigned char)*s <= ' ') s++, n--;
    while (n > 0 && (unsigned char)s[n - 1] <= ' ') n--;
    if (n > cap - 1) {
        n = cap - 1;
        while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80) n--;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        out[i] = (c < 0x20 || c == 0x7f) ? ' ' : (char)c;
    }
    out[n] = '\0';
}

/* The first 200 bytes of a body that is not an error object, as printable
 * ASCII: runs of white space become one space, other bytes '?'. */
static void put_snippet(char *out, size_t cap, const char *body, size_t n) {
    size_t j = 0;
    bool space = true;    /* also trims leading space */
    if (n > 200) n = 200;
    for (size_t i = 0; i < n && j + 1 < cap; i++) {
        unsigned char c = (unsigned char)body[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            if (!space) out[j++] = ' ';
            space = true;
            continue;
        }
        out[j++] = (c > 0x20 && c < 0x7f) ? (char)c : '?';
        space = false;
    }
    while (j > 0 && out[j - 1] == ' ') j--;
    out[j] = '\0';
}

/* The message of an error body: {"error":{"message"}} (OpenAI, Azure,
 * Anthropic, Gemini; Gemini sometimes wraps it in a one-element array),
 * {"error":"..."} (Ollama), {"message":"..."} (vLLM) or {"detail":"..."}
 * (FastAPI servers); else the start of the body itself. */
static const json_t *error_message(const json_t *root) {
    if (json_is_array(root)) root = json_array_get(root, 0);
    if (!json_is_object(root)) return NULL;
    const json_t *e = json_object_get(root, "error");
    if (json_is_string(e) && json_string_length(e)) return e;
    if (json_is_object(e)) {
        static const char *const keys[] = { "message", "status", "code", "type" };
        for (size_t i = 0; i < AS_ARRAY_LEN(keys); i++) {
            const json_t *m = json_object_get(e, keys[i]);
            if (json_is_string(m) && json_string_length(m)) return m;
        }
    }
    static const char *const top[] = { "message", "detail" };
    for (size_t i = 0; i < AS_ARRAY_LEN(top); i++) {
        const json_t *m = json_object_get(root, top[i]);
        if (json_is_string(m) && json_string_length(m)) return m;
    }
    return NULL;
}

static void error_text(const char *body, size_t n, char *out, size_t cap) {
    if (!out || cap == 0) return;
    out[0] = '\0';
    if (!body || n == 0) return;
    if (n > LLM_RESP_MAX) n = LLM_RESP_MAX;
    json_t *root = json_loadb(body, n, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
    const json_t *m = error_message(root);
    if (m) put_message(out, cap, json_string_value(m), strnlen(json_string_value(m),
                                                            json_string_length(m)));
    else put_snippet(out, cap, body, n);
    json_decref(root);
}

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
    as_rc rc = check_request(who, req, err);
    if (rc) goto out;
    size_t n_chat = 0, n_system = 0;
    for (size_t i = 0; i < req->n_msgs; i++) {
        if (strcmp(req->msgs[i].role, "system") == 0) n_system++;
        else n_chat++;
    }
    if (n_chat == 0) {
        rc = as_err_set(err, AS_EINVAL, "%s request: no user or assistant message", who);
        goto out;
    }
    if (req->answer != AS_LLM_ANSWER_TEXT) {
        if (!(schema = load_schema(who, req->schema_json, err)) ||
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
    url_segment(&url, model);
    as_buf_puts(&url, ":generateContent");
    out->url = as_buf_detach(&url, NULL);

    rc = llm_http_header(out, "Content-Type: application/json");
    if (rc == AS_OK && m->api_key[0]) {
        out->secret_header = out->n_headers;
        rc = llm_http_header(out, "x-goog-api-key: %s", m->api_key);
        if (rc) out->secret_header = -1;
    }
    if (rc) {
        rc = as_err_set(err, rc, "%s request: cannot add the headers", who);
        goto out;
    }

    jw w = { &out->body, AS_OK };
    jw_raw(&w, "{\"contents\":[");
    for (size_t i = 0, k = 0; i < req->n_msgs; i++) {
        const as_llm_msg *msg = &req->msgs[i];
        if (strcmp(msg->role, "system") == 0) continue;
        jw_raw(&w, k++ ? ",{\"role\":" : "{\"role\":");
        jw_raw(&w, strcmp(msg->role, "assistant") == 0 ? "\"model\"" : "\"user\"");
        jw_raw(&w, ",\"parts\":[{\"text\":");
        jw_str(&w, msg->content);
        jw_raw(&w, "}]}");
    }
    jw_raw(&w, "]");
    if (n_system) {
        as_buf sys;
        as_buf_init(&sys, LLM_BODY_MAX);
        as_rc src = AS_OK;
        for (size_t i = 0, k = 0; i < req->n_msgs && src == AS_OK; i++) {
            if (strcmp(req->msgs[i].role, "system")) continue;
            if (k++) src = as_buf_puts(&sys, "\n\n");
            if (src == AS_OK) src = as_buf_puts(&sys, req->msgs[i].content);
        }
        jw_raw(&w, ",\"systemInstruction\":{\"parts\":[{\"text\":");
        if (src == AS_OK) jw_str(&w, sys.data ? sys.data : "");
        else if (w.rc == AS_OK) w.rc = src;
        jw_raw(&w, "}]}");
        as_buf_release(&sys);
    }
    jw_raw(&w, ",\"generationConfig\":{\"temperature\":");
    jw_num(&w, req->temperature);
    if (req->max_tokens > 0) {
        jw_raw(&w, ",\"maxOutputTokens\":");
        jw_int(&w, req->max_tokens);
    }
    if (req->answer == AS_LLM_ANSWER_JSON) {
        jw_raw(&w, ",\"responseMimeType\":\"application/json\",\"responseSchema\":");
        jw_json(&w, gschema);
    }
    jw_raw(&w, "}");
    if (req->answer == AS_LLM_ANSWER_TOOL) {
        jw_raw(&w, ",\"tools\":[{\"functionDeclarations\":[{\"name\":");
        jw_str(&w, req->tool_name);
        if (req->tool_description && req->tool_description[0]) {
            jw_raw(&w, ",\"description\":");
            jw_str(&w, req->tool_description);
        }
        jw_raw(&w, ",\"parameters\":");
        jw_json(&w, gschema);
        jw_raw(&w, "}]}],\"toolConfig\":{\"functionCallingConfig\":{\"mode\":\"ANY\","
                   "\"allowedFunctionNames\":[");
        jw_str(&w, req->tool_name);
        jw_raw(&w, "]}}");
    }
    jw_raw(&w, "}");
    if (w.rc != AS_OK)
        rc = as_err_set(err, w.rc, "%s request: the body is over the %u-byte limit", who,
                        LLM_BODY_MAX);
out:
    json_decref(gschema);
    json_decref(schema);
    as_buf_release(&url);
    if (rc) llm_http_clear(out);
    return rc;
}

/* ---- responses --------------------------------------------------------- */

static as_rc gemini_parse(const char *body, size_t n, as_llm_answer answer,
                          as_llm_response *resp, as_err *err) {
    static const char who[] = "gemini";
    as_llm_response r;
    resp_empty(&r);
    resp_empty(resp);
    as_buf text;
    as_buf_init(&text, AS_BUF_UNLIMITED);
    bool any_text = false;
    json_t *root;
    as_rc rc = load_body(who, body, n, &root, err);
    if (rc) return rc;

    const json_t *cands = json_object_get(root, "candidates");
    const json_t *c0 = json_array_get(cands, 0);
    const json_t *e = json_object_get(root, "error");
    if (e && !json_is_null(e) && !c0) {
        const json_t *m = error_message(root);
        rc = as_err_set(err, AS_EINVAL, "%s response: error: %s", who,
                        m ? json_string_value(m) : "(no message)");
        goto out;
    }
    if (!json_is_object(c0)) {
        /* The prompt itself was refused: no candidates, a reason why. */
        const json_t *block =
            json_object_get(json_object_get(root, "promptFeedback"), "blockReason");
        if (json_is_string(block))
            rc = as_err_set(err, AS_EINVAL, "%s response: blocked (%s)", who,
                            json_string_value(block));
        else
            rc = as_err_set(err, AS_EINVAL, "%s response: no candidates[0]", who);
        goto out;
    }
    const json_t *fr = json_object_get(c0, "finishReason");
    if (json_is_string(fr)) r.finish_reason = dup_str(fr);
    /* A candidate stopped for SAFETY, RECITATION or (thinking models)
     * MAX_TOKENS may come without content or parts: say why. */
    const json_t *content = json_object_get(c0, "content");
    const json_t *parts = json_object_get(content, "parts");
    if (!json_is_array(parts)) {
        rc = as_err_set(err, AS_EINVAL, "%s response: no candidates[0].content%s%s%s%s", who,
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
            char *s = dup_str(t);
            as_buf_puts(&text, s);
            free(s);
            any_text = true;
        } else if (json_is_object(call) && !r.structured) {
            const json_t *args = json_object_get(call, "args");
            if (!args) {
                r.structured = as_xstrdup("{}");   /* a call without arguments */
            } else if (json_is_object(args)) {
                r.structured = dump_json(args);
            } else {
                rc = as_err_set(err, AS_EINVAL, "%s response: no candidates[0].content."
                                "parts[%zu].functionCall.args", who, i);
                goto out;
            }
        }
    }
    if (any_text) r.text = as_buf_detach(&text, NULL);
    if (answer == AS_LLM_ANSWER_JSON && !r.structured && r.text && is_json_object(r.text))
        r.structured = as_xstrdup(r.text);

    /* Counts of zero are left out (proto3 JSON): inside usageMetadata an
     * absent count is 0.  Thinking tokens are billed as output. */
    const json_t *usage = json_object_get(root, "usageMetadata");
    if (json_is_object(usage)) {
        int64_t p = count(usage, "promptTokenCount");
        int64_t c = count(usage, "candidatesTokenCount");
        int64_t th = count(usage, "thoughtsTokenCount");
        int64_t t = count(usage, "totalTokenCount");
        r.prompt_tokens = p < 0 ? 0 : p;
        r.completion_tokens = (c < 0 ? 0 : c) + (th < 0 ? 0 : th);
        r.total_tokens = t >= 0 ? t : r.prompt_tokens + r.completion_tokens;
    }
    r.raw = as_xstrndup(body, n);
out:
    json_decref(root);
    as_buf_release(&text);
    if (rc) as_llm_response_clear(&r);
    else *resp = r;
    return rc;
}

const llm_provider llm_gemini = { "gemini", gemini_build, gemini_parse, error_text };
