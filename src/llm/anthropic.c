/*
 * anthropic.c - the Anthropic messages API wire format.
 *
 * System messages leave the message list and are joined into the
 * top-level "system" string.  Anthropic has no JSON-schema response mode,
 * so both structured answers (TOOL and JSON) are a forced call of one tool
 * whose input_schema is the caller's schema; the tool_use block's input is
 * the answer.  max_tokens is required by this API: 1024 when the request
 * leaves it at 0.
 *
 * The small JSON helpers below repeat those of openai.c: each provider file
 * stands alone and exports only its vtable.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assay/alloc.h"
#include "assay/utf8.h"
#include "provider.h"

#define ANTHROPIC_VERSION "2023-06-01"
#define ANTHROPIC_DEFAULT_URL "https://api.anthropic.com"
#define ANTHROPIC_DEFAULT_MAX_TOKENS 1024

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

static as_rc anthropic_build(const as_llm_request *req, llm_http *out, as_err *err) {
    static const char who[] = "anthropic";
    llm_http_init(out);
    json_t *schema = NULL;
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
    if (req->answer != AS_LLM_ANSWER_TEXT &&
        !(schema = load_schema(who, req->schema_json, err))) {
        rc = AS_EINVAL;
        goto out;
    }
    const as_llm_model *m = req->model;
    const char *base = m->base_url[0] ? m->base_url : ANTHROPIC_DEFAULT_URL;
    size_t blen = strlen(base);
    while (blen > 0 && base[blen - 1] == '/') blen--;
    out->url = as_xmalloc(blen + sizeof "/v1/messages");
    memcpy(out->url, base, blen);
    memcpy(out->url + blen, "/v1/messages", sizeof "/v1/messages");

    rc = llm_http_header(out, "content-type: application/json");
    if (rc == AS_OK) rc = llm_http_header(out, "anthropic-version: " ANTHROPIC_VERSION);
    if (rc == AS_OK && m->api_key[0]) {
        out->secret_header = out->n_headers;
        rc = llm_http_header(out, "x-api-key: %s", m->api_key);
        if (rc) out->secret_header = -1;
    }
    if (rc) {
        rc = as_err_set(err, rc, "%s request: cannot add the headers", who);
        goto out;
    }

    jw w = { &out->body, AS_OK };
    jw_raw(&w, "{\"model\":");
    jw_str(&w, m->model);
    jw_raw(&w, ",\"max_tokens\":");
    jw_int(&w, req->max_tokens > 0 ? req->max_tokens : ANTHROPIC_DEFAULT_MAX_TOKENS);
    if (n_system) {
        /* One string: the system messages in order, joined by a blank line. */
        as_buf sys;
        as_buf_init(&sys, LLM_BODY_MAX);
        as_rc src = AS_OK;
        for (size_t i = 0, k = 0; i < req->n_msgs && src == AS_OK; i++) {
            if (strcmp(req->msgs[i].role, "system")) continue;
            if (k++) src = as_buf_puts(&sys, "\n\n");
            if (src == AS_OK) src = as_buf_puts(&sys, req->msgs[i].content);
        }
        jw_raw(&w, ",\"system\":");
        if (src == AS_OK) jw_str(&w, sys.data ? sys.data : "");
        else if (w.rc == AS_OK) w.rc = src;
        as_buf_release(&sys);
    }
    jw_raw(&w, ",\"messages\":[");
    for (size_t i = 0, k = 0; i < req->n_msgs; i++) {
        if (strcmp(req->msgs[i].role, "system") == 0) continue;
        jw_raw(&w, k++ ? ",{\"role\":" : "{\"role\":");
        jw_str(&w, req->msgs[i].role);
        jw_raw(&w, ",\"content\":");
        jw_str(&w, req->msgs[i].content);
        jw_raw(&w, "}");
    }
    jw_raw(&w, "],\"temperature\":");
    jw_num(&w, req->temperature);
    if (schema) {
        jw_raw(&w, ",\"tools\":[{\"name\":");
        jw_str(&w, req->tool_name);
        if (req->tool_description && req->tool_description[0]) {
            jw_raw(&w, ",\"description\":");
            jw_str(&w, req->tool_description);
        }
        jw_raw(&w, ",\"input_schema\":");
        jw_json(&w, schema);
        jw_raw(&w, "}],\"tool_choice\":{\"type\":\"tool\",\"name\":");
        jw_str(&w, req->tool_name);
        jw_raw(&w, "}");
    }
    jw_raw(&w, "}");
    if (w.rc != AS_OK)
        rc = as_err_set(err, w.rc, "%s request: the body is over the %u-byte limit", who,
                        LLM_BODY_MAX);
out:
    json_decref(schema);
    if (rc) llm_http_clear(out);
    return rc;
}

/* ---- responses --------------------------------------------------------- */

static as_rc anthropic_parse(const char *body, size_t n, as_llm_answer answer,
                             as_llm_response *resp, as_err *err) {
    static const char who[] = "anthropic";
    as_llm_response r;
    resp_empty(&r);
    resp_empty(resp);
    as_buf text;
    as_buf_init(&text, AS_BUF_UNLIMITED);
    bool any_text = false;
    json_t *root;
    as_rc rc = load_body(who, body, n, &root, err);
    if (rc) return rc;

    const json_t *type = json_object_get(root, "type");
    if (json_is_string(type) && strcmp(json_string_value(type), "error") == 0) {
        const json_t *m = error_message(root);
        rc = as_err_set(err, AS_EINVAL, "%s response: error: %s", who,
                        m ? json_string_value(m) : "(no message)");
        goto out;
    }
    const json_t *content = json_object_get(root, "content");
    if (!json_is_array(content)) {
        rc = as_err_set(err, AS_EINVAL, "%s response: no content", who);
        goto out;
    }
    size_t i;
    const json_t *block;
    json_array_foreach(content, i, block) {
        const json_t *bt = json_object_get(block, "type");
        if (!json_is_string(bt)) {
            rc = as_err_set(err, AS_EINVAL, "%s response: no content[%zu].type", who, i);
            goto out;
        }
        /* Other blocks (thinking, redacted_thinking, server tool results)
         * are not part of the answer. */
        if (strcmp(json_string_value(bt), "text") == 0) {
            const json_t *t = json_object_get(block, "text");
            if (!json_is_string(t)) {
                rc = as_err_set(err, AS_EINVAL, "%s response: no content[%zu].text", who, i);
                goto out;
            }
            char *s = dup_str(t);
            as_buf_puts(&text, s);
            free(s);
            any_text = true;
        } else if (strcmp(json_string_value(bt), "tool_use") == 0 && !r.structured) {
            const json_t *input = json_object_get(block, "input");
            if (!json_is_object(input)) {
                rc = as_err_set(err, AS_EINVAL, "%s response: no content[%zu].input", who, i);
                goto out;
            }
            r.structured = dump_json(input);
        }
    }
    if (any_text) r.text = as_buf_detach(&text, NULL);
    if (answer == AS_LLM_ANSWER_JSON && !r.structured && r.text && is_json_object(r.text))
        r.structured = as_xstrdup(r.text);

    const json_t *stop = json_object_get(root, "stop_reason");
    if (json_is_string(stop)) r.finish_reason = dup_str(stop);
    const json_t *usage = json_object_get(root, "usage");
    if (json_is_object(usage)) {
        /* Input read from or written to the prompt cache is counted apart
         * from input_tokens; all of it is prompt. */
        r.prompt_tokens = count(usage, "input_tokens");
        if (r.prompt_tokens >= 0) {
            int64_t c = count(usage, "cache_creation_input_tokens");
            int64_t rd = count(usage, "cache_read_input_tokens");
            r.prompt_tokens += (c > 0 ? c : 0) + (rd > 0 ? rd : 0);
        }
        r.completion_tokens = count(usage, "output_tokens");
        if (r.prompt_tokens >= 0 && r.completion_tokens >= 0)
            r.total_tokens = r.prompt_tokens + r.completion_tokens;
    }
    r.raw = as_xstrndup(body, n);
out:
    json_decref(root);
    as_buf_release(&text);
    if (rc) as_llm_response_clear(&r);
    else *resp = r;
    return rc;
}

const llm_provider llm_anthropic = { "anthropic", anthropic_build, anthropic_parse,
                                     error_text };
