/*
 * openai.c - the chat completions wire format: OpenAI itself, every
 * OpenAI-compatible server (Ollama, vLLM, llama.cpp, LiteLLM...), and Azure
 * OpenAI, which differs only in URL, key header and a body without "model".
 *
 * Requests are written with as_buf appends (deterministic bytes: the body
 * is part of the cache key); the caller's JSON schema is parsed with
 * jansson, so a bad schema fails here and not at the API, and re-emitted
 * compactly.  Numbers are written in the shortest form that reads back as
 * the same double.  Responses are read with jansson.
 *
 * The small JSON helpers below are repeated in anthropic.c and gemini.c:
 * each provider file stands alone and exports only its vtable.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assay/alloc.h"
#include "assay/utf8.h"
#include "provider.h"

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

/* ---- requests ---------------------------------------------------------- */

static void put_tools(jw *w, const as_llm_request *req, const json_t *schema) {
    if (req->answer == AS_LLM_ANSWER_TOOL) {
        jw_raw(w, ",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":");
        jw_str(w, req->tool_name);
        if (req->tool_description && req->tool_description[0]) {
            jw_raw(w, ",\"description\":");
            jw_str(w, req->tool_description);
        }
        jw_raw(w, ",\"parameters\":");
        jw_json(w, schema);
        jw_raw(w, "}}],\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":");
        jw_str(w, req->tool_name);
        jw_raw(w, "}}");
    } else if (req->answer == AS_LLM_ANSWER_JSON) {
        jw_raw(w, ",\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":");
        jw_str(w, req->tool_name);
        if (req->tool_description && req->tool_description[0]) {
            jw_raw(w, ",\"description\":");
            jw_str(w, req->tool_description);
        }
        jw_raw(w, ",\"schema\":");
        jw_json(w, schema);
        jw_raw(w, ",\"strict\":true}}");
    }
}

static as_rc chat_build(const char *who, bool azure, const as_llm_request *req,
                        llm_http *out, as_err *err) {
    llm_http_init(out);
    json_t *schema = NULL;
    as_buf url;
    as_buf_init(&url, AS_BUF_UNLIMITED);
    as_rc rc = check_request(who, req, err);
    if (rc) goto out;
    if (req->answer != AS_LLM_ANSWER_TEXT &&
        !(schema = load_schema(who, req->schema_json, err))) {
        rc = AS_EINVAL;
        goto out;
    }
    const as_llm_model *m = req->model;
    const char *base = m->base_url[0] ? m->base_url : azure ? "" : "https://api.openai.com/v1";
    size_t blen = strlen(base);
    while (blen > 0 && base[blen - 1] == '/') blen--;
    if (blen == 0) {
        rc = as_err_set(err, AS_EINVAL, "%s request: no endpoint (base_url)", who);
        goto out;
    }
    as_buf_append(&url, base, blen);
    if (azure) {
        if (!m->api_version[0]) {
            rc = as_err_set(err, AS_EINVAL, "%s request: no api-version "
                            "(AZURE_OPENAI_API_VERSION)", who);
            goto out;
        }
        as_buf_puts(&url, "/openai/deployments/");
        url_segment(&url, m->model);
        as_buf_puts(&url, "/chat/completions?api-version=");
        url_segment(&url, m->api_version);
    } else {
        as_buf_puts(&url, "/chat/completions");
    }
    out->url = as_buf_detach(&url, NULL);

    rc = llm_http_header(out, "Content-Type: application/json");
    if (rc == AS_OK && m->api_key[0]) {
        out->secret_header = out->n_headers;
        rc = azure ? llm_http_header(out, "api-key: %s", m->api_key)
                   : llm_http_header(out, "Authorization: Bearer %s", m->api_key);
        if (rc) out->secret_header = -1;
    }
    if (rc) {
        rc = as_err_set(err, rc, "%s request: cannot add the headers", who);
        goto out;
    }

    jw w = { &out->body, AS_OK };
    jw_raw(&w, "{");
    if (!azure) {
        jw_raw(&w, "\"model\":");
        jw_str(&w, m->model);
        jw_raw(&w, ",");
    }
    jw_raw(&w, "\"messages\":[");
    for (size_t i = 0; i < req->n_msgs; i++) {
        jw_raw(&w, i ? ",{\"role\":" : "{\"role\":");
        jw_str(&w, req->msgs[i].role);
        jw_raw(&w, ",\"content\":");
        jw_str(&w, req->msgs[i].content);
        jw_raw(&w, "}");
    }
    jw_raw(&w, "],\"temperature\":");
    jw_num(&w, req->temperature);
    if (req->max_tokens > 0) {
        jw_raw(&w, ",\"max_tokens\":");
        jw_int(&w, req->max_tokens);
    }
    put_tools(&w, req, schema);
    jw_raw(&w, "}");
    if (w.rc != AS_OK)
        rc = as_err_set(err, w.rc, "%s request: the body is over the %u-byte limit", who,
                        LLM_BODY_MAX);
out:
    json_decref(schema);
    as_buf_release(&url);
    if (rc) llm_http_clear(out);
    return rc;
}

static as_rc openai_build(const as_llm_request *req, llm_http *out, as_err *err) {
    return chat_build("openai", false, req, out, err);
}

static as_rc azure_build(const as_llm_request *req, llm_http *out, as_err *err) {
    return chat_build("azure", true, req, out, err);
}

/* ---- responses --------------------------------------------------------- */

/* message.content: a string, or (some compatible servers) an array of
 * {"type":"text","text":...} parts.  NULL when there is no text. */
static char *content_text(const json_t *content) {
    if (json_is_string(content)) return dup_str(content);
    if (!json_is_array(content)) return NULL;
    as_buf b;
    as_buf_init(&b, LLM_RESP_MAX);
    size_t i;
    const json_t *part;
    bool any = false;
    json_array_foreach(content, i, part) {
        const json_t *t = json_object_get(part, "text");
        if (!json_is_string(t)) continue;
        char *s = dup_str(t);
        as_buf_puts(&b, s);
        free(s);
        any = true;
    }
    if (!any) return NULL;
    return as_buf_detach(&b, NULL);
}

/* Text and tool arguments that did not parse: both go to text, so the
 * caller can still find an answer in them. */
static void append_text(as_llm_response *r, const char *s) {
    if (!r->text) {
        r->text = as_xstrdup(s);
        return;
    }
    size_t a = strlen(r->text), b = strlen(s);
    r->text = as_xrealloc(r->text, a + 2 + b + 1);
    memcpy(r->text + a, "\n\n", 2);
    memcpy(r->text + a + 2, s, b + 1);
}

static as_rc chat_parse(const char *who, const char *body, size_t n, as_llm_answer answer,
                        as_llm_response *resp, as_err *err) {
    as_llm_response r;
    resp_empty(&r);
    resp_empty(resp);
    json_t *root;
    as_rc rc = load_body(who, body, n, &root, err);
    if (rc) return rc;

    const json_t *e = json_object_get(root, "error");
    const json_t *choices = json_object_get(root, "choices");
    const json_t *c0 = json_array_get(choices, 0);
    const json_t *msg = json_object_get(c0, "message");
    if (e && !json_is_null(e) && !json_is_array(choices)) {
        const json_t *m = error_message(root);
        rc = as_err_set(err, AS_EINVAL, "%s response: error: %s", who,
                        m ? json_string_value(m) : "(no message)");
        goto out;
    }
    if (!json_is_array(choices)) {
        rc = as_err_set(err, AS_EINVAL, "%s response: no choices", who);
        goto out;
    }
    if (!json_is_object(c0)) {
        rc = as_err_set(err, AS_EINVAL, "%s response: no choices[0]", who);
        goto out;
    }
    if (!json_is_object(msg)) {
        rc = as_err_set(err, AS_EINVAL, "%s response: no choices[0].message", who);
        goto out;
    }
    const json_t *fr = json_object_get(c0, "finish_reason");
    if (json_is_string(fr)) r.finish_reason = dup_str(fr);

    r.text = content_text(json_object_get(msg, "content"));
    /* Structured outputs: a refusal comes instead of the content. */
    const json_t *refusal = json_object_get(msg, "refusal");
    if (!r.text && json_is_string(refusal)) r.text = dup_str(refusal);

    const json_t *calls = json_object_get(msg, "tool_calls");
    bool called = json_is_array(calls) && json_array_size(calls) > 0;
    if (called) {
        const json_t *args =
            json_object_get(json_object_get(json_array_get(calls, 0), "function"), "arguments");
        if (json_is_string(args)) {
            char *s = dup_str(args);
            if (is_json_object(s)) {
                r.structured = s;
            } else {
                append_text(&r, s);
                free(s);
            }
        } else if (json_is_object(args)) {     /* some compatible servers */
            r.structured = dump_json(args);
        } else {
            rc = as_err_set(err, AS_EINVAL, "%s response: no choices[0].message.tool_calls[0]"
                            ".function.arguments", who);
            goto out;
        }
    }
    if (!r.text && !called) {
        rc = as_err_set(err, AS_EINVAL, "%s response: no choices[0].message.content%s%s%s",
                        who, r.finish_reason ? " (finish_reason " : "",
                        r.finish_reason ? r.finish_reason : "", r.finish_reason ? ")" : "");
        goto out;
    }
    if (answer == AS_LLM_ANSWER_JSON && !r.structured && r.text && is_json_object(r.text))
        r.structured = as_xstrdup(r.text);

    const json_t *usage = json_object_get(root, "usage");
    if (json_is_object(usage)) {
        r.prompt_tokens = count(usage, "prompt_tokens");
        r.completion_tokens = count(usage, "completion_tokens");
        r.total_tokens = count(usage, "total_tokens");
        if (r.total_tokens < 0 && r.prompt_tokens >= 0 && r.completion_tokens >= 0)
            r.total_tokens = r.prompt_tokens + r.completion_tokens;
    }
    r.raw = as_xstrndup(body, n);
out:
    json_decref(root);
    if (rc) as_llm_response_clear(&r);
    else *resp = r;
    return rc;
}

static as_rc openai_parse(const char *body, size_t n, as_llm_answer answer,
                          as_llm_response *resp, as_err *err) {
    return chat_parse("openai", body, n, answer, resp, err);
}

static as_rc azure_parse(const char *body, size_t n, as_llm_answer answer,
                         as_llm_response *resp, as_err *err) {
    return chat_parse("azure", body, n, answer, resp, err);
}

const llm_provider llm_openai = { "openai", openai_build, openai_parse, error_text };
const llm_provider llm_azure = { "azure", azure_build, azure_parse, error_text };
