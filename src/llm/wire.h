/*
 * wire.h - the JSON helpers that the provider wire formats share (openai.c,
 * anthropic.c, gemini.c): a capped JSON writer for request bodies, the
 * checks every request goes through, and the reading of response and error
 * bodies.  Private to src/llm: the providers still export only their
 * vtables (provider.h).
 *
 * Like the providers, these are pure functions over buffers: no I/O, no
 * globals.  `who` arguments name the provider in messages ("openai
 * request: no model"), so that a message says which wire format failed.
 */
#ifndef ASSAY_LLM_WIRE_H
#define ASSAY_LLM_WIRE_H
#include <jansson.h>

#include "assay/buf.h"
#include "assay/llm.h"
#include "provider.h"

/* ---- writing JSON into a capped buffer -------------------------------- */

/* A writer keeps the first failure, so a body is written as a straight
 * sequence of calls and checked once at the end: after a failure every
 * call does nothing and rc keeps the first code (AS_ETOOBIG when b's cap
 * is reached).  Initialise with { &buf, AS_OK }; b is borrowed. */
typedef struct llm_jw {
    as_buf *b;
    as_rc rc;
} llm_jw;

/* The end of a request body: AS_OK, or w's first failure with "<who>
 * request: the body is over the <LLM_BODY_MAX>-byte limit" in err. */
as_rc llm_jw_done(const char *who, const llm_jw *w, as_err *err);

/* s as it is (JSON punctuation, literal keys). */
void llm_jw_raw(llm_jw *w, const char *s);
/* A JSON string literal.  The APIs take only UTF-8: a byte that is not
 * part of a valid sequence (text cut mid-character, Latin-1) is sent as
 * U+FFFD rather than failing the whole request. */
void llm_jw_str(llm_jw *w, const char *s);
/* The shortest decimal that reads back as d ("0.7", not
 * "0.69999999999999996"), with '.' whatever the locale; d must be finite
 * (llm_wire_check_request checks the temperature). */
void llm_jw_num(llm_jw *w, double d);
void llm_jw_int(llm_jw *w, long long v);
/* A parsed JSON value, compact, object keys in their original order: the
 * same value gives the same bytes (request bodies are cache keys). */
void llm_jw_json(llm_jw *w, const json_t *v);

/* The system messages of req in order, joined by a blank line, as one JSON
 * string (llm_jw_str): for APIs that take system text apart from the
 * chat (Anthropic, Gemini). */
void llm_jw_system(llm_jw *w, const as_llm_request *req);

/* The chat as a JSON array of {"role": ..., "content": ...} objects, in
 * order; without the system messages unless with_system. */
void llm_jw_messages(llm_jw *w, const as_llm_request *req, bool with_system);

/* What follows a tool's "name": key: req->tool_name as a JSON string, then
 * ,"description":... when req has a non-empty tool_description. */
void llm_jw_tool_name(llm_jw *w, const as_llm_request *req);

/* Append s to b as one URL path segment: everything but RFC 3986
 * unreserved bytes is percent-encoded, so a model name cannot reshape the
 * URL. */
as_rc llm_wire_url_segment(as_buf *b, const char *s);

/* ---- checking a request ----------------------------------------------- */

/* What every provider requires of a request: a model with a name, at least
 * one message, roles system/user/assistant, content on every message, a
 * finite temperature >= 0, max_tokens >= 0, a known answer mode, for TOOL
 * and JSON a tool name (the strictest API's rule, Gemini's, so a request
 * valid for one provider is valid for all) and a schema, and an API key
 * without control characters.  AS_EINVAL with a message otherwise. */
as_rc llm_wire_check_request(const char *who, const as_llm_request *req, as_err *err);

/* For APIs that take system text apart from the chat (Anthropic, Gemini):
 * *n_system = how many system messages req has; AS_EINVAL when it has no
 * user or assistant message.  req passed llm_wire_check_request. */
as_rc llm_wire_check_chat(const char *who, const as_llm_request *req, size_t *n_system,
                          as_err *err);

/* The caller's schema text as a JSON object (new reference: the caller
 * decrefs), or NULL with AS_EINVAL in err when it is not JSON or not an
 * object. */
json_t *llm_wire_load_schema(const char *who, const char *text, as_err *err);

/* Add the header line prefix + key ("x-api-key: " + key) to out and mark
 * it as the secret header (provider.h); nothing when key is "".  The
 * code of llm_http_header on failure. */
as_rc llm_wire_secret_header(llm_http *out, const char *prefix, const char *key);

/* ---- reading responses ------------------------------------------------ */

/* Parse a response body (n bytes, not NUL-terminated; body NULL reads as
 * empty) into *out (new reference).  AS_ETOOBIG over LLM_RESP_MAX,
 * AS_EINVAL when it is not JSON (a NUL byte included) or not an object;
 * *out is NULL on failure.  "\u0000" inside strings is accepted (llm_wire_dup_str drops
 * it). */
as_rc llm_wire_load_body(const char *who, const char *body, size_t n, json_t **out,
                         as_err *err);

/* A heap copy (as_xmalloc: aborts on OOM; caller frees) of JSON string s
 * without its NUL bytes: the response holds C strings. */
char *llm_wire_dup_str(const json_t *s);

/* Append JSON string s to b without its NUL bytes, as llm_wire_dup_str. */
as_rc llm_wire_put_str(as_buf *b, const json_t *s);

/* s holds exactly one JSON object (surrounding white space allowed). */
bool llm_wire_is_json_object(const char *s);

/* Compact text of a parsed value (heap, caller frees), as llm_jw_json. */
char *llm_wire_dump_json(const json_t *v);

/* obj[key] as a token count: -1 when absent, not an integer or negative. */
int64_t llm_wire_count(const json_t *obj, const char *key);

/* The frame of every parse (provider.h):
 *
 *     as_llm_response r;
 *     json_t *root;
 *     as_rc rc = llm_wire_parse_begin(who, body, n, resp, &r, &root, err);
 *     if (rc) return rc;
 *     ... fill r from root, rc = as_err_set(...) and goto out on failure ...
 *     r.raw = as_xstrndup(body, n);
 * out:
 *     return llm_wire_parse_end(rc, root, &r, resp, err);
 *
 * begin empties *resp and *r (pointers NULL, counts -1: unknown) and
 * parses the body as llm_wire_load_body; end frees root, then on failure
 * frees what r holds (resp stays empty), on success moves r into *resp.
 * end returns rc.  On failure both leave err's message one line of valid
 * UTF-8 (messages quote the body): a character cut by the end of the
 * message is dropped, other invalid bytes become '?', control characters
 * spaces. */
as_rc llm_wire_parse_begin(const char *who, const char *body, size_t n,
                           as_llm_response *resp, as_llm_response *r, json_t **root,
                           as_err *err);
as_rc llm_wire_parse_end(as_rc rc, json_t *root, as_llm_response *r, as_llm_response *resp,
                         as_err *err);

/* A JSON answer that came as text: when answer is AS_LLM_ANSWER_JSON, r
 * has no structured answer yet and r->text is one JSON object, structured
 * becomes a copy of the text (heap, owned by r). */
void llm_wire_json_from_text(as_llm_answer answer, as_llm_response *r);

/* ---- error bodies ------------------------------------------------------ */

/* The message string of a parsed error body (borrowed from root), or NULL:
 * {"error":{"message"}} (OpenAI, Azure, Anthropic, Gemini; Gemini
 * sometimes wraps it in a one-element array; with an empty message the
 * error's status, code or type), {"error":"..."} (Ollama),
 * {"message":"..."} (vLLM) or {"detail":"..."} (FastAPI servers).  The
 * string may hold NUL bytes (JSON "\u0000"). */
const json_t *llm_wire_error_message(const json_t *root);

/* An error object in a 2xx body ({"error": ...} where an answer should
 * be): AS_EINVAL with "<who> response: error: <message>" in err, the
 * message as llm_wire_error_message finds it or "(no message)". */
as_rc llm_wire_error_reply(const char *who, const json_t *root, as_err *err);

/* The error_text of every provider (provider.h): the message of an error
 * body (llm_wire_error_message) with control characters as spaces,
 * surrounding space trimmed, stopped at a NUL and cut on a UTF-8
 * character boundary; for a body without one, its first 200 bytes as
 * printable ASCII (white space runs as one space, other bytes '?').
 * out always ends in a NUL within cap (nothing is written when out is
 * NULL or cap is 0); "" for an empty body.  The message is valid UTF-8
 * (jansson checks strings), the snippet ASCII. */
void llm_wire_error_text(const char *body, size_t n, char *out, size_t cap);

#endif
