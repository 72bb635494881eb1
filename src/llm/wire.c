/*
 * wire.c - the JSON helpers shared by the provider wire formats (see
 * wire.h): one copy of what openai.c, anthropic.c and gemini.c each used
 * to carry.
 *
 * Requests are written straight into the body buffer, pre-sized from the
 * request, with a string escaper that skips clean 8-byte words (bodies
 * are mostly prompt text; they are also cache keys, so the bytes are
 * exactly those that the jansson-based writer produced).  JSON - the
 * caller's schema, response and error bodies, structured answers given as
 * text - is read with the arena reader (assay/json.h), held to what
 * jansson accepts (llm_wire_read), so that the structured answers we hand
 * on read back with jansson in the judge.
 */
#include "wire.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assay/alloc.h"
#include "assay/utf8.h"
#include "provider.h"

static bool same_key(const as_jmember *a, const as_jmember *b) {
    return a->klen == b->klen && memcmp(a->key, b->key, a->klen) == 0;
}

void llm_wire_kept(const as_jval *obj, size_t *kept) {
    const as_jmember *m = obj->u.members;
    size_t n = obj->n;
    if (n <= 16) {                        /* small: compare them all */
        for (size_t i = 0; i < n; i++) {
            size_t j = 0;
            while (j < i && !same_key(&m[j], &m[i])) j++;
            kept[i] = j < i ? SIZE_MAX : i;
            if (j < i) kept[j] = i;
        }
        return;
    }
    /* A hash table of the first member of each key (index + 1; 0: free),
     * at most half full. */
    size_t cap = 64;
    while (cap < 2 * n) cap *= 2;
    size_t *slot = as_xcalloc(cap, sizeof *slot);
    for (size_t i = 0; i < n; i++) {
        uint64_t h = 14695981039346656037ULL;          /* FNV-1a */
        for (size_t k = 0; k < m[i].klen; k++)
            h = (h ^ (unsigned char)m[i].key[k]) * 1099511628211ULL;
        size_t at = (size_t)h & (cap - 1);
        while (slot[at] && !same_key(&m[slot[at] - 1], &m[i])) at = (at + 1) & (cap - 1);
        if (slot[at]) {
            kept[slot[at] - 1] = i;
            kept[i] = SIZE_MAX;
        } else {
            slot[at] = i + 1;
            kept[i] = i;
        }
    }
    free(slot);
}

/* ---- writing JSON into a capped buffer -------------------------------- */

/* as_buf_append, without the call when the bytes fit (most do: the body
 * is pre-sized). */
static inline void jw_append(llm_jw *w, const char *s, size_t n) {
    as_buf *b = w->b;
    if (w->rc != AS_OK) return;
    if (b->data && n < b->cap - b->len && n <= b->max - b->len) {
        memcpy(b->data + b->len, s, n);
        b->len += n;
        b->data[b->len] = '\0';
    } else {
        w->rc = as_buf_append(b, s, n);
    }
}

void llm_jw_raw(llm_jw *w, const char *s) { jw_append(w, s, strlen(s)); }

llm_jw llm_jw_begin(as_buf *body, const as_llm_request *req) {
    /* The texts, a little for their escapes, and the JSON around them. */
    size_t est = 512 + strlen(req->model->model);
    for (size_t i = 0; i < req->n_msgs; i++) {
        size_t n = strlen(req->msgs[i].content);
        est += n + n / 16 + 32;
    }
    if (req->answer != AS_LLM_ANSWER_TEXT) {
        est += strlen(req->schema_json) + 2 * strlen(req->tool_name);
        if (req->tool_description) est += strlen(req->tool_description);
    }
    if (est <= body->max - body->len) as_buf_reserve(body, est);
    llm_jw w = { body, AS_OK };
    jw_append(&w, "{", 1);
    return w;
}

as_rc llm_jw_done(const char *who, llm_jw *w, as_err *err) {
    jw_append(w, "}", 1);
    if (w->rc == AS_OK) return AS_OK;
    return as_err_set(err, w->rc, "%s request: the body is over the %u-byte limit", who,
                      LLM_BODY_MAX);
}

/* s[0..n) escaped for a JSON string, without quotes (core buf.c). */
static void jw_chars(llm_jw *w, const char *s, size_t n) {
    if (w->rc == AS_OK) w->rc = as_buf_json_chars(w->b, s, n);
}

/* Like jw_chars for any bytes: a byte that is not part of a valid UTF-8
 * sequence is written as U+FFFD. */
static void jw_text(llm_jw *w, const char *s, size_t n) {
    for (size_t at = 0; at < n && w->rc == AS_OK;) {
        size_t i = as_utf8_invalid_at(s + at, n - at);
        jw_chars(w, s + at, i);
        if (at + i < n) jw_append(w, "\xef\xbf\xbd", 3);
        at += i + 1;
    }
}

void llm_jw_str(llm_jw *w, const char *s) {
    jw_append(w, "\"", 1);
    jw_text(w, s, strlen(s));
    jw_append(w, "\"", 1);
}

void llm_jw_num(llm_jw *w, double d) {
    if (d == 0 && !signbit(d)) {          /* the usual temperature */
        jw_append(w, "0", 1);
        return;
    }
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
    char s[24], *p = s + sizeof s;
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    do *--p = (char)('0' + u % 10); while (u /= 10);
    if (v < 0) *--p = '-';
    jw_append(w, p, (size_t)(s + sizeof s - p));
}

/* A number literal without '.', 'e' or 'E': jansson's integer. */
static bool int_literal(const as_jval *v) {
    for (size_t i = 0; i < v->src_len; i++)
        if (v->src[i] == '.' || v->src[i] == 'e' || v->src[i] == 'E') return false;
    return true;
}

void llm_jw_json(llm_jw *w, const as_jval *v) {
    if (w->rc != AS_OK) return;
    switch (v->type) {
    case AS_J_OBJ: {
        const as_jmember *m = v->u.members;
        size_t small[16], *kept = v->n <= 16 ? small : as_xmalloc(v->n * sizeof *kept);
        bool first = true;
        llm_wire_kept(v, kept);
        jw_append(w, "{", 1);
        for (size_t i = 0; i < v->n; i++) {
            if (kept[i] == SIZE_MAX) continue;
            if (!first) jw_append(w, ",", 1);
            first = false;
            jw_append(w, "\"", 1);
            jw_chars(w, m[i].key, m[i].klen);
            jw_append(w, "\":", 2);
            llm_jw_json(w, &m[kept[i]].val);
        }
        jw_append(w, "}", 1);
        if (kept != small) free(kept);
        break;
    }
    case AS_J_ARR:
        jw_append(w, "[", 1);
        for (size_t i = 0; i < v->n; i++) {
            if (i) jw_append(w, ",", 1);
            llm_jw_json(w, &v->u.items[i]);
        }
        jw_append(w, "]", 1);
        break;
    case AS_J_STR:
        if (v->src && v->src_len == v->n + 2) {    /* no escapes: as written */
            jw_append(w, v->src, v->src_len);
        } else {
            jw_append(w, "\"", 1);
            jw_chars(w, v->u.str, v->n);
            jw_append(w, "\"", 1);
        }
        break;
    case AS_J_NUM:
        if (!int_literal(v)) llm_jw_num(w, v->u.num);
        else if (v->src_len == 2 && v->src[0] == '-' && v->src[1] == '0') jw_append(w, "0", 1);
        else jw_append(w, v->src, v->src_len);
        break;
    case AS_J_TRUE: jw_append(w, "true", 4); break;
    case AS_J_FALSE: jw_append(w, "false", 5); break;
    case AS_J_NULL: jw_append(w, "null", 4); break;
    }
}

void llm_jw_system(llm_jw *w, const as_llm_request *req) {
    /* Invalid UTF-8 is replaced per byte and the separator is ASCII, so
     * each message can be written apart: the bytes are those of the
     * joined text. */
    jw_append(w, "\"", 1);
    for (size_t i = 0, k = 0; i < req->n_msgs; i++) {
        if (strcmp(req->msgs[i].role, "system")) continue;
        if (k++) jw_append(w, "\\n\\n", 4);
        jw_text(w, req->msgs[i].content, strlen(req->msgs[i].content));
    }
    jw_append(w, "\"", 1);
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

const as_jval *llm_wire_load_schema(const char *who, const char *text, as_arena *a,
                                    as_err *err) {
    const as_jval *v;
    as_err e;
    if (llm_wire_read(text, strlen(text), false, a, &v, &e) != AS_OK) {
        as_err_set(err, AS_EINVAL, "%s request: schema_json is not JSON at %s", who, e.msg);
        return NULL;
    }
    if (v->type != AS_J_OBJ) {
        as_err_set(err, AS_EINVAL, "%s request: schema_json is not a JSON object", who);
        return NULL;
    }
    return v;
}

as_rc llm_wire_build_end(as_rc rc, as_arena *a, llm_http *out) {
    as_arena_release(a);
    if (rc) llm_http_clear(out);
    return rc;
}

as_rc llm_wire_secret_header(llm_http *out, const char *prefix, const char *key) {
    if (!key[0]) return AS_OK;
    as_rc rc = llm_http_header(out, "%s%s", prefix, key);
    if (rc == AS_OK) out->secret_header = out->n_headers - 1;
    return rc;
}

/* ---- reading JSON ------------------------------------------------------ */

/* "line L column C: what" for the byte at in s, as as_json_read says it. */
static as_rc read_fail(as_err *err, const char *s, const char *at, const char *what) {
    int line = 1;
    const char *ls = s;
    for (const char *q = s; q < at; q++)
        if (*q == '\n') { line++; ls = q + 1; }
    return as_err_set(err, AS_EINVAL, "line %d column %d: %s", line, (int)(at - ls) + 1, what);
}

/* An integer literal (int_literal) within long long, as jansson takes it. */
static bool int_in_range(const as_jval *v) {
    const char *p = v->src;
    size_t n = v->src_len;
    bool neg = n > 0 && p[0] == '-';
    if (neg) p++, n--;
    if (n != 19) return n < 19;          /* JSON has no leading zeros */
    return memcmp(p, neg ? "9223372036854775808" : "9223372036854775807", 19) <= 0;
}

/* The opening quote of the key of member m, from its value backwards: the
 * first '"' not escaped (preceded by an even run of backslashes) before
 * the closing one. */
static const char *key_src(const as_jmember *m) {
    const char *p = m->val.src - 1;
    while (*p != '"') p--;                /* white space, ':', white space */
    for (;;) {
        p--;
        if (*p != '"') continue;
        size_t bs = 0;
        while (p[-1 - (ptrdiff_t)bs] == '\\') bs++;
        if (bs % 2 == 0) return p;
    }
}

/* What jansson refuses in a value that as_json_read took: the first such
 * place in *at, with *what. */
static bool jansson_ok(const as_jval *v, bool nul_ok, const char **at, const char **what) {
    switch (v->type) {
    case AS_J_NUM:
        if (int_literal(v) && !int_in_range(v)) {
            *at = v->src;
            *what = "integer out of range";
            return false;
        }
        return true;
    case AS_J_STR:
        if (!nul_ok && memchr(v->u.str, '\0', v->n)) {
            *at = v->src;
            *what = "\\u0000 in a string";
            return false;
        }
        return true;
    case AS_J_ARR:
        for (size_t i = 0; i < v->n; i++)
            if (!jansson_ok(&v->u.items[i], nul_ok, at, what)) return false;
        return true;
    case AS_J_OBJ:
        for (size_t i = 0; i < v->n; i++) {
            const as_jmember *m = &v->u.members[i];
            if (memchr(m->key, '\0', m->klen)) {
                *at = key_src(m);
                *what = "\\u0000 in an object key";
                return false;
            }
            if (!jansson_ok(&m->val, nul_ok, at, what)) return false;
        }
        return true;
    default:
        return true;
    }
}

as_rc llm_wire_read(const char *s, size_t n, bool nul_ok, as_arena *a, const as_jval **out,
                    as_err *err) {
    as_rc rc = as_json_read(s, n, a, LLM_JSON_MAX_DEPTH, out, err);
    if (rc != AS_OK) {
        if (err) err->code = AS_EINVAL;   /* too deep: not JSON we take */
        *out = NULL;
        return AS_EINVAL;
    }
    const char *at, *what;
    if (!jansson_ok(*out, nul_ok, &at, &what)) {
        *out = NULL;
        return read_fail(err, s, at, what);
    }
    return AS_OK;
}

const as_jval *llm_wire_get(const as_jval *obj, const char *key) {
    if (!obj || obj->type != AS_J_OBJ) return NULL;
    size_t kl = strlen(key);
    for (size_t i = obj->n; i-- > 0;) {
        const as_jmember *m = &obj->u.members[i];
        if (m->klen == kl && memcmp(m->key, key, kl) == 0) return &m->val;
    }
    return NULL;
}

/* ---- reading responses ------------------------------------------------ */

as_rc llm_wire_load_body(const char *who, const char *body, size_t n, as_arena *a,
                         const as_jval **out, as_err *err) {
    *out = NULL;
    if (n > LLM_RESP_MAX)
        return as_err_set(err, AS_ETOOBIG, "%s response: %zu bytes is over the %u-byte "
                          "limit", who, n, LLM_RESP_MAX);
    /* A NUL byte is never part of JSON text; the response keeps the body
     * as a C string (raw), so such a body would be recorded cut short.
     * Said apart from other errors for the offset. */
    const char *nul = body ? memchr(body, '\0', n) : NULL;
    if (nul)
        return as_err_set(err, AS_EINVAL, "%s response: not JSON: a NUL byte at offset %zu",
                          who, (size_t)(nul - body));
    const as_jval *root;
    as_err e;
    /* nul_ok: "\u0000" inside a string is valid JSON. */
    if (llm_wire_read(body ? body : "", body ? n : 0, true, a, &root, &e) != AS_OK)
        return as_err_set(err, AS_EINVAL, "%s response: not JSON at %s", who, e.msg);
    if (root->type != AS_J_OBJ)
        return as_err_set(err, AS_EINVAL, "%s response: not a JSON object", who);
    *out = root;
    return AS_OK;
}

char *llm_wire_dup_str(const as_jval *s) {
    const char *p = s->u.str;
    size_t n = s->n, j = 0;
    char *d = as_xmalloc(n + 1);
    if (!memchr(p, '\0', n)) {
        memcpy(d, p, n + 1);
        return d;
    }
    for (size_t i = 0; i < n; i++)
        if (p[i]) d[j++] = p[i];
    d[j] = '\0';
    return d;
}

as_rc llm_wire_put_str(as_buf *b, const as_jval *s) {
    const char *p = s->u.str;
    size_t n = s->n;
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

bool llm_wire_is_json_object(const char *s, as_arena *a) {
    const as_jval *v;
    return llm_wire_read(s, strlen(s), false, a, &v, NULL) == AS_OK && v->type == AS_J_OBJ;
}

char *llm_wire_dump_json(const as_jval *v) {
    as_buf b;
    as_buf_init(&b, AS_BUF_UNLIMITED);
    as_buf_reserve(&b, v->src_len + 16);
    llm_jw w = { &b, AS_OK };
    llm_jw_json(&w, v);
    return as_buf_detach(&b, NULL);
}

int64_t llm_wire_count(const as_jval *obj, const char *key) {
    const as_jval *v = llm_wire_get(obj, key);
    if (!v || v->type != AS_J_NUM || !int_literal(v)) return -1;
    if (v->src[0] == '-') return v->src_len == 2 && v->src[1] == '0' ? 0 : -1;
    int64_t x = 0;      /* in range: llm_wire_read checked it */
    for (size_t i = 0; i < v->src_len; i++) x = x * 10 + (v->src[i] - '0');
    return x;
}

int64_t llm_wire_add(int64_t a, int64_t b) {
    return a > INT64_MAX - b ? INT64_MAX : a + b;
}

static void resp_empty(as_llm_response *r) {
    r->text = r->structured = r->raw = r->finish_reason = NULL;
    r->prompt_tokens = r->completion_tokens = r->total_tokens = -1;
}

/* Make a parse message one line of valid UTF-8 (it quotes the body: an
 * API's error message, a finish reason, a block reason):
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
                           as_llm_response *resp, as_llm_response *r, llm_doc *d,
                           as_err *err) {
    resp_empty(r);
    resp_empty(resp);
    as_arena_init(&d->arena);
    as_rc rc = llm_wire_load_body(who, body, n, &d->arena, &d->root, err);
    if (rc) {
        as_arena_release(&d->arena);
        tidy_message(err);
    }
    return rc;
}

as_rc llm_wire_parse_end(as_rc rc, llm_doc *d, as_llm_response *r, as_llm_response *resp,
                         as_err *err) {
    as_arena_release(&d->arena);
    if (rc) {
        as_llm_response_clear(r);
        tidy_message(err);
    } else {
        *resp = *r;
    }
    return rc;
}

void llm_wire_json_from_text(as_llm_answer answer, as_llm_response *r, as_arena *a) {
    if (answer == AS_LLM_ANSWER_JSON && !r->structured && r->text &&
        llm_wire_is_json_object(r->text, a))
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

const as_jval *llm_wire_error_message(const as_jval *root) {
    if (as_json_is(root, AS_J_ARR)) root = as_json_at(root, 0);
    if (!as_json_is(root, AS_J_OBJ)) return NULL;
    const as_jval *e = llm_wire_get(root, "error");
    if (as_json_is(e, AS_J_STR) && e->n) return e;
    if (as_json_is(e, AS_J_OBJ)) {
        static const char *const keys[] = { "message", "status", "code", "type" };
        for (size_t i = 0; i < AS_ARRAY_LEN(keys); i++) {
            const as_jval *m = llm_wire_get(e, keys[i]);
            if (as_json_is(m, AS_J_STR) && m->n) return m;
        }
    }
    static const char *const top[] = { "message", "detail" };
    for (size_t i = 0; i < AS_ARRAY_LEN(top); i++) {
        const as_jval *m = llm_wire_get(root, top[i]);
        if (as_json_is(m, AS_J_STR) && m->n) return m;
    }
    return NULL;
}

as_rc llm_wire_error_reply(const char *who, const as_jval *root, as_err *err) {
    const as_jval *m = llm_wire_error_message(root);
    return as_err_set(err, AS_EINVAL, "%s response: error: %s", who,
                      m ? m->u.str : "(no message)");
}

void llm_wire_error_text(const char *body, size_t n, char *out, size_t cap) {
    if (!out || cap == 0) return;
    out[0] = '\0';
    if (!body || n == 0) return;
    if (n > LLM_RESP_MAX) n = LLM_RESP_MAX;
    as_arena a;
    as_arena_init(&a);
    const as_jval *root;
    const as_jval *m = llm_wire_read(body, n, true, &a, &root, NULL) == AS_OK
                           ? llm_wire_error_message(root) : NULL;
    if (m) put_message(out, cap, m->u.str, strnlen(m->u.str, m->n));
    else put_snippet(out, cap, body, n);
    as_arena_release(&a);
}
