/*
 * provider.h - the provider vtable: how one request becomes HTTP for a
 * given API, and how that API's response body becomes an as_llm_response.
 *
 * Providers are pure functions over buffers: no I/O, no globals, so that
 * their wire formats are unit-tested without a network (tests/unit/
 * test_llm_wire.c) and checked against the mock server (tests/mockllm).
 * The engine (engine.c) owns all I/O.
 */
#ifndef ASSAY_LLM_PROVIDER_H
#define ASSAY_LLM_PROVIDER_H
#include "assay/buf.h"
#include "assay/llm.h"

#define LLM_MAX_HEADERS 6
#define LLM_BODY_MAX (8u << 20)    /* request bodies we build        */
#define LLM_RESP_MAX (16u << 20)   /* response bodies we accept      */

/* One HTTP request to make.  All strings heap-allocated and owned here;
 * llm_http_clear frees them.  Header lines are "Name: value".  The header
 * at index secret_header (-1: none) carries the API key: the engine never
 * prints it and leaves it out of the cache key. */
typedef struct llm_http {
    char *url;
    char *headers[LLM_MAX_HEADERS];
    int n_headers;
    int secret_header;
    as_buf body;              /* JSON request body */
} llm_http;

void llm_http_init(llm_http *h);
void llm_http_clear(llm_http *h);
/* Append a header line (printf-style); AS_ETOOBIG past LLM_MAX_HEADERS. */
as_rc llm_http_header(llm_http *h, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

typedef struct llm_provider {
    const char *name;
    /* Serialise req into out (url, headers, JSON body).  The body is
     * deterministic for a given request (same bytes every time): it is
     * part of the cache key. */
    as_rc (*build)(const as_llm_request *req, llm_http *out, as_err *err);
    /* Parse a 2xx body.  answer says what was asked for: for TOOL the
     * first tool call's arguments go to resp->structured (as JSON object
     * text), for JSON the JSON answer does.  On failure resp holds no
     * pointers and err says what is wrong (one line of valid UTF-8); the
     * code tells the engine whether to ask again:
     *   AS_EINVAL: a body that is not what the API returns (malformed,
     *     truncated, an error object), with a message naming what is
     *     missing ("openai response: no choices[0].message") - worth a
     *     retry;
     *   AS_EUNPROCESSABLE: a well-formed answer that can never be used
     *     (Gemini: the prompt or the answer was blocked) - asking again
     *     fails the same way, so the engine does not retry;
     *   AS_ETOOBIG: a body over LLM_RESP_MAX. */
    as_rc (*parse)(const char *body, size_t n, as_llm_answer answer,
                   as_llm_response *resp, as_err *err);
    /* The human message of an error body ({"error":{"message":...}} and
     * the like; else the start of the body as printable ASCII) into out:
     * one line of valid UTF-8, NUL-terminated within cap bytes (nothing
     * is written when cap is 0); "" if none. */
    void (*error_text)(const char *body, size_t n, char *out, size_t cap);
} llm_provider;

extern const llm_provider llm_openai;      /* openai.c: OpenAI + compatible */
extern const llm_provider llm_azure;       /* openai.c: Azure OpenAI        */
extern const llm_provider llm_anthropic;   /* anthropic.c                   */
extern const llm_provider llm_gemini;      /* gemini.c                      */

const llm_provider *llm_provider_for(as_llm_kind kind);

#endif
