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
 *
 * JSON is read with the arena reader (assay/json.h) into an arena the
 * caller owns; every as_jval below lives there.
 */
#ifndef ASSAY_LLM_WIRE_H
#define ASSAY_LLM_WIRE_H
#include "assay/arena.h"
#include "assay/buf.h"
#include "assay/json.h"
#include "assay/llm.h"
#include "provider.h"

/* ---- reading JSON ------------------------------------------------------ */

/* How deep the JSON we read may nest (jansson, which these texts were
 * read with before, allowed 2048; the arena reader spends about 2 KB of
 * stack per level). */
#define LLM_JSON_MAX_DEPTH 512

/* Read s[0..n) into *out (in a) and hold it to what jansson accepts, so
 * that whatever we take from it reads back with jansson (the judge reads
 * structured answers with it): no "\u0000" in object keys, integers
 * (numbers without '.', 'e' or 'E') within long long, and no "\u0000" in
 * any string unless nul_ok.  Any top-level value.  AS_EINVAL with "line L
 * column C: what" in err otherwise (too deep included). */
as_rc llm_wire_read(const char *s, size_t n, bool nul_ok, as_arena *a, const as_jval **out,
                    as_err *err);

/* obj[key] as jansson finds it: of duplicate keys, the last (NULL when obj
 * is NULL or not an object, or has no such key). */
const as_jval *llm_wire_get(const as_jval *obj, const char *key);

/* The members of obj (an object) as jansson kept them - of duplicate keys
 * the first place with the last value: kept[i] is the index of the member
 * whose value goes in member i's place, or SIZE_MAX when an earlier member
 * has i's key.  kept has room for obj->n entries.  Linear time. */
void llm_wire_kept(const as_jval *obj, size_t *kept);

/* ---- writing JSON into a capped buffer -------------------------------- */

/* A writer keeps the first failure, so a body is written as a straight
 * sequence of calls and checked once at the end: after a failure every
 * call does nothing and rc keeps the first code (AS_ETOOBIG when b's cap
 * is reached).  Initialise with { &buf, AS_OK } or llm_jw_begin; b is
 * borrowed. */
typedef struct llm_jw {
    as_buf *b;
    as_rc rc;
} llm_jw;

/* A writer on body (borrowed) for the request body of req: the body's
 * opening '{' is written, with room made for req's texts (messages,
 * schema, tool name and description) so that writing the rest does not
 * grow the buffer again and again (no room is made when that would pass
 * the body's cap). */
llm_jw llm_jw_begin(as_buf *body, const as_llm_request *req);

/* The end of a request body: its closing '}', then AS_OK, or w's first
 * failure with "<who> request: the body is over the <LLM_BODY_MAX>-byte
 * limit" in err. */
as_rc llm_jw_done(const char *who, llm_jw *w, as_err *err);

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
/* A value read by llm_wire_read, compact, object keys in their original
 * order, bytes as jansson's tree gave them (request bodies are cache
 * keys): of duplicate keys the first place with the last value, integers
 * as read ("-0" as 0), other numbers as llm_jw_num. */
void llm_jw_json(llm_jw *w, const as_jval *v);

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

/* The caller's schema text read into a as a JSON object (llm_wire_read, no
 * "\u0000"), or NULL with AS_EINVAL in err when it is not JSON or not an
 * object. */
const as_jval *llm_wire_load_schema(const char *who, const char *text, as_arena *a,
                                    as_err *err);



/* The end of every build (provider.h): releases a (where the schema was
 * read), empties out on failure; returns rc. */
as_rc llm_wire_build_end(as_rc rc, as_arena *a, llm_http *out);

/* Add the header line prefix + key ("x-api-key: " + key) to out and mark
 * it as the secret header (provider.h); nothing when key is "".  The
 * code of llm_http_header on failure. */
as_rc llm_wire_secret_header(llm_http *out, const char *prefix, const char *key);

/* ---- reading responses ------------------------------------------------ */

/* Parse a response body (n bytes, not NUL-terminated; body NULL reads as
 * empty) into *out, in a.  AS_ETOOBIG over LLM_RESP_MAX, AS_EINVAL when
 * it is not JSON (llm_wire_read; a NUL byte included) or not an object;
 * *out is NULL on failure.  "\u0000" inside strings is accepted
 * (llm_wire_dup_str drops it). */
as_rc llm_wire_load_body(const char *who, const char *body, size_t n, as_arena *a,
                         const as_jval **out, as_err *err);

/* A heap copy (as_xmalloc: aborts on OOM; caller frees) of JSON string s
 * without its NUL bytes: the response holds C strings. */
char *llm_wire_dup_str(const as_jval *s);

/* Append JSON string s to b without its NUL bytes, as llm_wire_dup_str. */
as_rc llm_wire_put_str(as_buf *b, const as_jval *s);

/* s holds exactly one JSON object (surrounding white space allowed) that
 * jansson reads without JSON_ALLOW_NUL (llm_wire_read, nul_ok false); a
 * is scratch space for the reading. */
bool llm_wire_is_json_object(const char *s, as_arena *a);

/* Compact text of a value (heap, caller frees), as llm_jw_json. */
char *llm_wire_dump_json(const as_jval *v);

/* obj[key] as a token count: -1 when absent, not an integer (a number
 * without '.', 'e' or 'E') or negative. */
int64_t llm_wire_count(const as_jval *obj, const char *key);

/* a + b for counts >= 0, INT64_MAX when the sum would not fit (counts
 * come from the body: any integer up to INT64_MAX). */
int64_t llm_wire_add(int64_t a, int64_t b);

/* A response body read into an arena of its own (llm_wire_parse_begin). */
typedef struct llm_doc {
    as_arena arena;
    const as_jval *root;      /* an object */
} llm_doc;

/* The frame of every parse (provider.h):
 *
 *     as_llm_response r;
 *     llm_doc d;
 *     as_rc rc = llm_wire_parse_begin(who, body, n, resp, &r, &d, err);
 *     if (rc) return rc;
 *     ... fill r from d.root, rc = as_err_set(...) and goto out on failure ...
 *     r.raw = as_xstrndup(body, n);
 * out:
 *     return llm_wire_parse_end(rc, &d, &r, resp, err);
 *
 * begin empties *resp and *r (pointers NULL, counts -1: unknown) and
 * reads the body into d as llm_wire_load_body (on failure d holds
 * nothing); end releases d, then on failure frees what r holds (resp
 * stays empty), on success moves r into *resp.  end returns rc.  On
 * failure both leave err's message one line of valid UTF-8 (messages
 * quote the body): a character cut by the end of the message is dropped,
 * other invalid bytes become '?', control characters spaces. */
as_rc llm_wire_parse_begin(const char *who, const char *body, size_t n,
                           as_llm_response *resp, as_llm_response *r, llm_doc *d,
                           as_err *err);
as_rc llm_wire_parse_end(as_rc rc, llm_doc *d, as_llm_response *r, as_llm_response *resp,
                         as_err *err);

/* A JSON answer that came as text: when answer is AS_LLM_ANSWER_JSON, r
 * has no structured answer yet and r->text is one JSON object
 * (llm_wire_is_json_object, in a), structured becomes a copy of the text
 * (heap, owned by r). */
void llm_wire_json_from_text(as_llm_answer answer, as_llm_response *r, as_arena *a);

/* ---- error bodies ------------------------------------------------------ */

/* The message string of a parsed error body (in root's arena), or NULL:
 * {"error":{"message"}} (OpenAI, Azure, Anthropic, Gemini; Gemini
 * sometimes wraps it in a one-element array; with an empty message the
 * error's status, code or type), {"error":"..."} (Ollama),
 * {"message":"..."} (vLLM) or {"detail":"..."} (FastAPI servers).  The
 * string may hold NUL bytes (JSON "\u0000"). */
const as_jval *llm_wire_error_message(const as_jval *root);

/* An error object in a 2xx body ({"error": ...} where an answer should
 * be): AS_EINVAL with "<who> response: error: <message>" in err, the
 * message as llm_wire_error_message finds it or "(no message)". */
as_rc llm_wire_error_reply(const char *who, const as_jval *root, as_err *err);

/* The error_text of every provider (provider.h): the message of an error
 * body (llm_wire_error_message) with control characters as spaces,
 * surrounding space trimmed, stopped at a NUL and cut on a UTF-8
 * character boundary; for a body without one, its first 200 bytes as
 * printable ASCII (white space runs as one space, other bytes '?').
 * out always ends in a NUL within cap (nothing is written when out is
 * NULL or cap is 0); "" for an empty body.  The body is read as
 * llm_wire_read (any top-level value, "\u0000" allowed), so the message
 * is valid UTF-8; the snippet is ASCII. */
void llm_wire_error_text(const char *body, size_t n, char *out, size_t cap);

#endif
