/*
 * wire.c - the JSON helpers shared by the provider wire formats (see
 * wire.h): one copy of what openai.c, anthropic.c and gemini.c each used
 * to carry.
 *
 * Requests are written with as_buf appends (deterministic bytes: the body
 * is part of the cache key); the caller's JSON schema is parsed with
 * jansson, so a bad schema fails here and not at the API, and re-emitted
 * compactly.  Responses and error bodies are read with jansson.
 */
#include "wire.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assay/alloc.h"
#include "assay/utf8.h"
#include "provider.h"

/* ---- writing JSON into a capped buffer -------------------------------- */

void llm_jw_raw(llm_jw *w, const char *s) {
    if (w->rc == AS_OK) w->rc = as_buf_puts(w->b, s);
}

as_rc llm_jw_done(const char *who, const llm_jw *w, as_err *err) {
    if (w->rc == AS_OK) return AS_OK;
    return as_err_set(err, w->rc, "%s request: the body is over the %u-byte limit", who,
                      LLM_BODY_MAX);
}

void llm_jw_str(llm_jw *w, const char *s) {
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

void llm_jw_num(llm_jw *w, double d) {
    char s[40];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(s, sizeof s, "%.*g", prec, d);
        if (strtod(s, NULL) == d) break;
    }
    for (char *c = s; *c; c++)
        if (*c == ',') *c = '.';    /* a locale with a decimal comma */
    llm_jw_raw(w, s);
}

void llm_jw_int(llm_jw *w, long long v) {
    if (w->rc == AS_OK) w->rc = as_buf_printf(w->b, "%lld", v);
}

void llm_jw_json(llm_jw *w, const json_t *v) {
    const char *key;
    json_t *item;
    size_t i;
    bool first = true;
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        llm_jw_raw(w, "{");
        json_object_foreach((json_t *)v, key, item) {
            if (!first) llm_jw_raw(w, ",");
            first = false;
            if (w->rc == AS_OK) w->rc = as_buf_json_str(w->b, key, strlen(key));
            llm_jw_raw(w, ":");
            llm_jw_json(w, item);
        }
        llm_jw_raw(w, "}");
        break;
    case JSON_ARRAY:
        llm_jw_raw(w, "[");
        json_array_foreach(v, i, item) {
            if (i) llm_jw_raw(w, ",");
            llm_jw_json(w, item);
        }
        llm_jw_raw(w, "]");
        break;
    case JSON_STRING:
        if (w->rc == AS_OK)
            w->rc = as_buf_json_str(w->b, json_string_value(v), json_string_length(v));
        break;
    case JSON_INTEGER: llm_jw_int(w, (long long)json_integer_value(v)); break;
    case JSON_REAL: llm_jw_num(w, json_real_value(v)); break;
    case JSON_TRUE: llm_jw_raw(w, "true"); break;
    case JSON_FALSE: llm_jw_raw(w, "false"); break;
    case JSON_NULL: llm_jw_raw(w, "null"); break;
    }
}

void llm_jw_system(llm_jw *w, const as_llm_request *req) {
    as_buf sys;
    as_buf_init(&sys, LLM_BODY_MAX);
    as_rc rc = AS_OK;
    for (size_t i = 0, k = 0; i < req->n_msgs && rc == AS_OK; i++) {
        if (strcmp(req->msgs[i].role, "system")) continue;
        if (k++) rc = as_buf_puts(&sys, "\n\n");
        if (rc == AS_OK) rc = as_buf_puts(&sys, req->msgs[i].content);
    }
    if (rc == AS_OK) llm_jw_str(w, sys.data ? sys.data : "");
    else if (w->rc == AS_OK) w->rc = rc;
    as_buf_release(&sys);
}

void llm_jw_messages(llm_jw *w, const as_llm_request *req, bool with_system) {
    llm_jw_raw(w, "[");
    for (size_t i = 0, k = 0; i < req->n_msgs; i++) {
        if (!with_system && strcmp(req->msgs[i].role, "system") == 0) continue;
        llm_jw_raw(w, k++ ? ",{\"role\":" : "{\"role\":");
        llm_jw_str(w, req->msgs[i].role);
        llm_jw_raw(w, ",\"content\":");
        llm_jw_str(w, req->msgs[i].content);
        llm_jw_raw(w, "}");
    }
    llm_jw_raw(w, "]");
}

void llm_jw_tool_name(llm_jw *w, const as_llm_request *req) {
    llm_jw_str(w, req->tool_name);
    if (req->tool_description && req->tool_description[0]) {
        llm_jw_raw(w, ",\"description\":");
        llm_jw_str(w, req->tool_description);
    }
}

as_rc llm_wire_url_segment(as_buf *b, const char *s) {
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

as_rc llm_wire_check_request(const char *who, const as_llm_request *req, as_err *err) {
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

as_rc llm_wire_check_chat(const char *who, const as_llm_request *req, size_t *n_system,
                          as_err *err) {
    size_t n_chat = 0;
    *n_system = 0;
    for (size_t i = 0; i < req->n_msgs; i++) {
        if (strcmp(req->msgs[i].role, "system") == 0) (*n_system)++;
        else n_chat++;
    }
    if (n_chat == 0)
        return as_err_set(err, AS_EINVAL, "%s request: no user or assistant message", who);
    return AS_OK;
}

json_t *llm_wire_load_schema(const char *who, const char *text, as_err *err) {
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

as_rc llm_wire_secret_header(llm_http *out, const char *prefix, const char *key) {
    if (!key[0]) return AS_OK;
    as_rc rc = llm_http_header(out, "%s%s", prefix, key);
    if (rc == AS_OK) out->secret_header = out->n_headers - 1;
    return rc;
}

/* ---- reading responses ------------------------------------------------ */

as_rc llm_wire_load_body(const char *who, const char *body, size_t n, json_t **out,
                         as_err *err) {
    *out = NULL;
    if (n > LLM_RESP_MAX)
        return as_err_set(err, AS_ETOOBIG, "%s response: %zu bytes is over the %u-byte "
                          "limit", who, n, LLM_RESP_MAX);
    /* A NUL byte is never part of JSON text, but jansson 2.14 lets one
     * through after a number; the response keeps the body as a C string
     * (raw), so such a body would be recorded cut short. */
    const char *nul = body ? memchr(body, '\0', n) : NULL;
    if (nul)
        return as_err_set(err, AS_EINVAL, "%s response: not JSON: a NUL byte at offset %zu",
                          who, (size_t)(nul - body));
    json_error_t je;
    /* JSON_ALLOW_NUL: "\u0000" inside a string is valid JSON. */
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

char *llm_wire_dup_str(const json_t *s) {
    const char *p = json_string_value(s);
    size_t n = json_string_length(s), j = 0;
    char *d = as_xmalloc(n + 1);
    for (size_t i = 0; i < n; i++)
        if (p[i]) d[j++] = p[i];
    d[j] = '\0';
    return d;
}

as_rc llm_wire_put_str(as_buf *b, const json_t *s) {
    const char *p = json_string_value(s);
    size_t n = json_string_length(s);
    as_rc rc = AS_OK;
    while (rc == AS_OK && n > 0) {
        size_t run = strnlen(p, n);
        rc = as_buf_append(b, p, run);
        if (run < n) run++;               /* the NUL */
        p += run;
        n -= run;
    }
    return rc;
}

bool llm_wire_is_json_object(const char *s) {
    json_t *v = json_loads(s, 0, NULL);
    bool ok = json_is_object(v);
    json_decref(v);
    return ok;
}

char *llm_wire_dump_json(const json_t *v) {
    as_buf b;
    as_buf_init(&b, AS_BUF_UNLIMITED);
    llm_jw w = { &b, AS_OK };
    llm_jw_json(&w, v);
    return as_buf_detach(&b, NULL);
}

int64_t llm_wire_count(const json_t *obj, const char *key) {
    const json_t *v = json_object_get(obj, key);
    if (!json_is_integer(v) || json_integer_value(v) < 0) return -1;
    return (int64_t)json_integer_value(v);
}

static void resp_empty(as_llm_response *r) {
    r->text = r->structured = r->raw = r->finish_reason = NULL;
    r->prompt_tokens = r->completion_tokens = r->total_tokens = -1;
}

/* Make a parse message one line of valid UTF-8 (it quotes the body: an
 * API's error message, a finish reason, jansson's excerpt of bad JSON):
 * a character that vsnprintf cut at the end of the buffer is dropped,
 * other invalid bytes become '?', control characters spaces. */
static void tidy_message(as_err *err) {
    if (!err) return;
    char *m = err->msg;
    size_t n = strnlen(m, sizeof err->msg);
    if (n >= sizeof err->msg - 1) {
        n = sizeof err->msg - 1;
        size_t k = n;      /* the start of the last character */
        while (k > 0 && n - k < 3 && ((unsigned char)m[k - 1] & 0xc0) == 0x80) k--;
        if (k > 0) {
            unsigned char c = (unsigned char)m[k - 1];
            size_t need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
            if (n - (k - 1) < need) n = k - 1;
        }
        m[n] = '\0';
    }
    size_t bad = as_utf8_invalid_at(m, n);
    while (bad < n) {
        m[bad++] = '?';
        bad += as_utf8_invalid_at(m + bad, n - bad);
    }
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)m[i] < 0x20 || m[i] == 0x7f) m[i] = ' ';
}

as_rc llm_wire_parse_begin(const char *who, const char *body, size_t n,
                           as_llm_response *resp, as_llm_response *r, json_t **root,
                           as_err *err) {
    resp_empty(r);
    resp_empty(resp);
    as_rc rc = llm_wire_load_body(who, body, n, root, err);
    if (rc) tidy_message(err);
    return rc;
}

as_rc llm_wire_parse_end(as_rc rc, json_t *root, as_llm_response *r, as_llm_response *resp,
                         as_err *err) {
    json_decref(root);
    if (rc) {
        as_llm_response_clear(r);
        tidy_message(err);
    } else {
        *resp = *r;
    }
    return rc;
}

void llm_wire_json_from_text(as_llm_answer answer, as_llm_response *r) {
    if (answer == AS_LLM_ANSWER_JSON && !r->structured && r->text &&
        llm_wire_is_json_object(r->text))
        r->structured = as_xstrdup(r->text);
}

/* ---- error bodies ------------------------------------------------------ */

/* Space, or a control character that would print as one. */
static bool blank(char c) { return (unsigned char)c <= ' ' || c == 0x7f; }

/* Copy a message into out: control characters become spaces, the end is
 * cut on a UTF-8 character boundary, surrounding space is trimmed. */
static void put_message(char *out, size_t cap, const char *s, size_t n) {
    while (n > 0 && blank(*s)) s++, n--;
    while (n > 0 && blank(s[n - 1])) n--;
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

const json_t *llm_wire_error_message(const json_t *root) {
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

as_rc llm_wire_error_reply(const char *who, const json_t *root, as_err *err) {
    const json_t *m = llm_wire_error_message(root);
    return as_err_set(err, AS_EINVAL, "%s response: error: %s", who,
                      m ? json_string_value(m) : "(no message)");
}

void llm_wire_error_text(const char *body, size_t n, char *out, size_t cap) {
    if (!out || cap == 0) return;
    out[0] = '\0';
    if (!body || n == 0) return;
    if (n > LLM_RESP_MAX) n = LLM_RESP_MAX;
    json_t *root = json_loadb(body, n, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
    const json_t *m = llm_wire_error_message(root);
    if (m) put_message(out, cap, json_string_value(m), strnlen(json_string_value(m),
                                                            json_string_length(m)));
    else put_snippet(out, cap, body, n);
    json_decref(root);
}
