/*
 * cache.h - the LLM response cache: raw response bodies keyed by a 128-bit
 * hash of the canonical request (provider, URL, non-secret headers, body).
 *
 * One SQLite file in the data directory, shared safely by concurrent
 * processes (WAL, busy timeout).  Used by the engine thread only; puts are
 * batched and committed by llm_cache_flush (a lost tail after a crash only
 * costs a repeated call).
 */
#ifndef ASSAY_LLM_CACHE_H
#define ASSAY_LLM_CACHE_H
#include "assay/common.h"
#include "provider.h"

typedef struct llm_cache llm_cache;

as_rc llm_cache_open(const char *path, llm_cache **out, as_err *err);
void llm_cache_close(llm_cache *c);           /* flushes */
/* The key of a request: the API key (secret header) is not part of it. */
void llm_cache_key(const char *provider, const llm_http *h, uint8_t key[16]);
/* A hit: *body (heap, caller frees) and *n; false on a miss or error. */
bool llm_cache_get(llm_cache *c, const uint8_t key[16], char **body, size_t *n);
void llm_cache_put(llm_cache *c, const uint8_t key[16], const char *provider,
                   const char *model, const char *body, size_t n);
void llm_cache_flush(llm_cache *c);

#endif
