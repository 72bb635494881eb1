/*
 * http.c - the request description the providers fill in (llm_http), the
 * table from provider kind to vtable, and as_llm_response_clear.
 *
 * An llm_http owns every string in it.  The header that carries the API
 * key is wiped before it is freed, so the key does not linger in freed
 * heap memory that a later crash dump or a reused buffer could show.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assay/alloc.h"
#include "provider.h"

void llm_http_init(llm_http *h) {
    h->url = NULL;
    for (int i = 0; i < LLM_MAX_HEADERS; i++) h->headers[i] = NULL;
    h->n_headers = 0;
    h->secret_header = -1;
    as_buf_init(&h->body, LLM_BODY_MAX);
}

void llm_http_clear(llm_http *h) {
    free(h->url);
    for (int i = 0; i < h->n_headers && i < LLM_MAX_HEADERS; i++) {
        if (i == h->secret_header && h->headers[i])
            explicit_bzero(h->headers[i], strlen(h->headers[i]));
        free(h->headers[i]);
    }
    as_buf_release(&h->body);
    llm_http_init(h);
}

as_rc llm_http_header(llm_http *h, const char *fmt, ...) {
    if (h->n_headers >= LLM_MAX_HEADERS) return AS_ETOOBIG;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) return AS_EINTERNAL;
    char *line = as_xmalloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(line, (size_t)n + 1, fmt, ap);
    va_end(ap);
    /* A line break would end the header and start another one of the
     * caller's choosing (header injection): refuse any control byte. */
    for (int i = 0; i < n; i++) {
        unsigned char c = (unsigned char)line[i];
        if ((c < 0x20 && c != '\t') || c == 0x7f) {
            explicit_bzero(line, (size_t)n);
            free(line);
            return AS_EINVAL;
        }
    }
    h->headers[h->n_headers++] = line;
    return AS_OK;
}

const llm_provider *llm_provider_for(as_llm_kind kind) {
    switch (kind) {
    case AS_LLM_OPENAI: return &llm_openai;
    case AS_LLM_AZURE: return &llm_azure;
    case AS_LLM_ANTHROPIC: return &llm_anthropic;
    case AS_LLM_GEMINI: return &llm_gemini;
    }
    return NULL;
}

void as_llm_response_clear(as_llm_response *r) {
    if (!r) return;
    free(r->text);
    free(r->structured);
    free(r->raw);
    free(r->finish_reason);
    r->text = r->structured = r->raw = r->finish_reason = NULL;
    r->prompt_tokens = r->completion_tokens = r->total_tokens = -1;
}
