/*
 * fuzz_llm_wire.c - libFuzzer target for the providers' response readers
 * (src/llm/provider.h: parse and error_text of OpenAI, Azure, Anthropic,
 * Gemini).  The first byte picks the provider (bits 0-1: openai, azure,
 * anthropic, gemini) and the answer asked for (bits 2-3: text, tool, json,
 * text); the rest is the response body, given to that provider's parse
 * and error_text as the engine gives it (not NUL-terminated).  Whatever
 * the bytes:
 *   - no crash, leak or undefined behaviour (ASan/UBSan);
 *   - parse is deterministic (a second call gives the same result);
 *   - on AS_OK: raw is the body itself; text, structured and
 *     finish_reason are NULL or valid UTF-8 strings; structured parses as
 *     a JSON object; a JSON answer that came as an object in text is in
 *     structured; token counts are -1 or more; an OpenAI/Azure answer has
 *     text or structured;
 *   - on failure: the code is AS_EINVAL (AS_EUNPROCESSABLE too for
 *     Gemini, which says when an answer is blocked), the response holds no
 *     pointer (whatever it held before), the message is non-empty, one
 *     line of valid UTF-8 and starts with "<provider> response: ";
 *   - the body is JSON for parse exactly when jansson reads it as an
 *     object (with JSON_ALLOW_NUL; jansson is the oracle because the judge
 *     reads structured answers with it), but for nesting that is too deep
 *     for parse (past 512 levels, jansson takes 2048) and bodies holding a
 *     NUL byte (parse refuses them, jansson may not);
 *   - error_text writes nothing past cap, ends in a NUL within cap, and
 *     gives valid UTF-8 without control characters or leading space; for
 *     cap 0 or out NULL it writes nothing.
 * Seeds: tests/fuzz/corpus/llm_wire/ (first byte '@'..'K': '@' + provider
 * + 4 * answer).  Built by `make fuzz` (build/fuzz/fuzz/fuzz_llm_wire); run
 * e.g.  build/fuzz/fuzz/fuzz_llm_wire -max_len=8192 tests/fuzz/corpus/llm_wire
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assay/utf8.h"
#include "llm/provider.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void die(const char *what, const char *detail) {
    fprintf(stderr, "fuzz_llm_wire: %s: %s\n", what, detail ? detail : "(null)");
    abort();
}

static bool utf8(const char *s) { return as_utf8_valid(s, strlen(s)); }

static bool same_str(const char *a, const char *b) {
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static void check_ok(const llm_provider *p, as_llm_answer answer, const char *body,
                     size_t n, const as_llm_response *r) {
    if (!r->raw || strlen(r->raw) != n || memcmp(r->raw, body, n) != 0)
        die("raw is not the body", r->raw);
    if (r->text && !utf8(r->text)) die("text is not UTF-8", r->text);
    if (r->finish_reason && !utf8(r->finish_reason)) die("finish_reason", r->finish_reason);
    if (r->structured) {
        if (!utf8(r->structured)) die("structured is not UTF-8", r->structured);
        json_t *o = json_loads(r->structured, JSON_ALLOW_NUL, NULL);
        bool obj = json_is_object(o);
        json_decref(o);
        if (!obj) die("structured is not a JSON object", r->structured);
    }
    if (answer == AS_LLM_ANSWER_JSON && !r->structured && r->text) {
        json_t *o = json_loads(r->text, 0, NULL);
        bool obj = json_is_object(o);
        json_decref(o);
        if (obj) die("a JSON answer in text is not in structured", r->text);
    }
    if (r->prompt_tokens < -1 || r->completion_tokens < -1 || r->total_tokens < -1)
        die("negative token count", NULL);
    if ((p == &llm_openai || p == &llm_azure) && !r->text && !r->structured)
        die("chat answer without text or structured", NULL);
}

static void check_failed(const llm_provider *p, as_rc rc, const as_err *err,
                         const as_llm_response *r) {
    if (rc != AS_EINVAL && !(rc == AS_EUNPROCESSABLE && p == &llm_gemini))
        die("unexpected code", as_rc_name(rc));
    if (err->code != rc) die("err.code differs from the result", err->msg);
    if (memchr(err->msg, '\0', sizeof err->msg) == NULL) die("message not terminated", NULL);
    if (!err->msg[0]) die("empty message", NULL);
    if (!utf8(err->msg)) die("message is not UTF-8", err->msg);
    for (const char *c = err->msg; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f) die("message is not one line", err->msg);
    size_t wl = strlen(p->name);
    if (strncmp(err->msg, p->name, wl) != 0 || strncmp(err->msg + wl, " response: ", 11) != 0)
        die("message does not name the provider", err->msg);
    if (r->text || r->structured || r->raw || r->finish_reason)
        die("failed parse left pointers in the response", err->msg);
}

/* parse and jansson agree on what is JSON (see the list above). */
static void check_reader(const llm_provider *p, const char *body, size_t n, as_rc rc,
                         const as_err *err) {
    if (memchr(body, '\0', n)) return;
    char not_json[64], not_obj[64];
    snprintf(not_json, sizeof not_json, "%s response: not JSON", p->name);
    snprintf(not_obj, sizeof not_obj, "%s response: not a JSON object", p->name);
    if (rc && strstr(err->msg, "nested too deeply")) return;
    bool ours = !(rc && (strncmp(err->msg, not_json, strlen(not_json)) == 0 ||
                         strcmp(err->msg, not_obj) == 0));
    json_t *v = json_loadb(body, n, JSON_ALLOW_NUL, NULL);
    bool theirs = json_is_object(v);
    json_decref(v);
    if (ours != theirs)
        die(ours ? "parse took what jansson refuses" : "parse refused what jansson takes",
            rc ? err->msg : "(parsed)");
}

static void check_error_text(const llm_provider *p, const char *body, size_t n, size_t cap) {
    char out[320];
    if (cap > sizeof out - 8) cap = sizeof out - 8;
    memset(out, 0x5a, sizeof out);
    p->error_text(body, n, out, cap);
    for (size_t i = cap; i < sizeof out; i++)
        if (out[i] != 0x5a) die("error_text wrote past cap", NULL);
    if (cap == 0) return;
    const char *end = memchr(out, '\0', cap);
    if (!end) die("error_text: no NUL within cap", NULL);
    if (!as_utf8_valid(out, (size_t)(end - out))) die("error_text: not UTF-8", out);
    for (const char *c = out; c < end; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f) die("error_text: control character", out);
    if (out[0] == ' ') die("error_text: leading space", out);
    /* the same body, the same text */
    char again[320];
    memset(again, 0x5a, sizeof again);
    p->error_text(body, n, again, cap);
    if (strcmp(out, again) != 0) die("error_text is not deterministic", again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const llm_provider *const providers[] = {
        &llm_openai, &llm_azure, &llm_anthropic, &llm_gemini,
    };
    static const as_llm_answer answers[] = {
        AS_LLM_ANSWER_TEXT, AS_LLM_ANSWER_TOOL, AS_LLM_ANSWER_JSON, AS_LLM_ANSWER_TEXT,
    };
    if (size == 0) return 0;
    const llm_provider *p = providers[data[0] & 3];
    as_llm_answer answer = answers[(data[0] >> 2) & 3];
    const char *body = (const char *)data + 1;
    size_t n = size - 1;

    as_llm_response r, r2;
    memset(&r, 0xa5, sizeof r);       /* parse must not trust what was there */
    as_err err, err2;
    memset(&err, 0x5a, sizeof err);
    as_rc rc = p->parse(body, n, answer, &r, &err);
    as_rc rc2 = p->parse(body, n, answer, &r2, &err2);
    if (rc2 != rc) die("parse is not deterministic", err2.msg);
    if (rc == AS_OK) {
        check_ok(p, answer, body, n, &r);
        if (!same_str(r.text, r2.text) || !same_str(r.structured, r2.structured) ||
            !same_str(r.finish_reason, r2.finish_reason) ||
            r.prompt_tokens != r2.prompt_tokens ||
            r.completion_tokens != r2.completion_tokens || r.total_tokens != r2.total_tokens)
            die("parse is not deterministic", NULL);
    } else {
        check_failed(p, rc, &err, &r);
        if (strcmp(err.msg, err2.msg) != 0) die("parse is not deterministic", err2.msg);
    }
    check_reader(p, body, n, rc, &err);
    as_llm_response_clear(&r);
    as_llm_response_clear(&r2);

    /* A NULL body reads as an empty one. */
    if (n == 0) {
        if (p->parse(NULL, 0, answer, &r, &err) != AS_EINVAL) die("NULL body", NULL);
        as_llm_response_clear(&r);
    }

    check_error_text(p, body, n, 300);        /* what the engine gives */
    check_error_text(p, body, n, 1 + n % 48); /* short caps: cuts mid-message */
    check_error_text(p, body, n, 1);
    check_error_text(p, body, n, 0);
    p->error_text(body, n, NULL, 16);
    return 0;
}
