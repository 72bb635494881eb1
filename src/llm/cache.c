/*
 * cache.c - the response cache on SQLite (see cache.h).
 */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <xxhash.h>

#include "assay/alloc.h"
#include "cache.h"

struct llm_cache {
    sqlite3 *db;
    sqlite3_stmt *get, *put;
    int pending;             /* puts in the open transaction */
};

static const char schema[] =
    "PRAGMA journal_mode=WAL;"
    "PRAGMA synchronous=NORMAL;"
    "CREATE TABLE IF NOT EXISTS llm_cache ("
    "  key BLOB PRIMARY KEY,"
    "  provider TEXT NOT NULL,"
    "  model TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL,"
    "  body BLOB NOT NULL) WITHOUT ROWID;";

as_rc llm_cache_open(const char *path, llm_cache **out, as_err *err) {
    llm_cache *c = as_xcalloc(1, sizeof *c);
    *out = NULL;
    int rc = sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                             SQLITE_OPEN_NOMUTEX, NULL);
    if (rc == SQLITE_OK) rc = sqlite3_busy_timeout(c->db, 5000);
    if (rc == SQLITE_OK) rc = sqlite3_exec(c->db, schema, NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(c->db, "SELECT body FROM llm_cache WHERE key = ?1", -1,
                                &c->get, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(c->db, "INSERT OR REPLACE INTO llm_cache"
                                "(key, provider, model, created_at, body) "
                                "VALUES (?1, ?2, ?3, ?4, ?5)", -1, &c->put, NULL);
    if (rc != SQLITE_OK) {
        as_err_set(err, AS_EDB, "cache %s: %s", path,
                   c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
        llm_cache_close(c);
        return AS_EDB;
    }
    *out = c;
    return AS_OK;
}

void llm_cache_flush(llm_cache *c) {
    if (!c || sqlite3_get_autocommit(c->db)) return;   /* no open transaction */
    sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL);
    c->pending = 0;
}

void llm_cache_close(llm_cache *c) {
    if (!c) return;
    llm_cache_flush(c);
    sqlite3_finalize(c->get);
    sqlite3_finalize(c->put);
    sqlite3_close(c->db);
    free(c);
}

void llm_cache_key(const char *provider, const llm_http *h, uint8_t key[16]) {
    XXH3_state_t *st = XXH3_createState();
    XXH3_128bits_reset(st);
    XXH3_128bits_update(st, "assay-llm-cache-v1", 19);
    XXH3_128bits_update(st, provider, strlen(provider) + 1);
    XXH3_128bits_update(st, h->url, strlen(h->url) + 1);
    for (int i = 0; i < h->n_headers; i++)
        if (i != h->secret_header) XXH3_128bits_update(st, h->headers[i], strlen(h->headers[i]) + 1);
    XXH3_128bits_update(st, h->body.data ? h->body.data : "", h->body.len);
    XXH128_hash_t d = XXH3_128bits_digest(st);
    XXH3_freeState(st);
    XXH128_canonical_t canon;
    XXH128_canonicalFromHash(&canon, d);
    memcpy(key, canon.digest, 16);
}

bool llm_cache_get(llm_cache *c, const uint8_t key[16], char **body, size_t *n) {
    if (!c) return false;
    bool hit = false;
    sqlite3_bind_blob(c->get, 1, key, 16, SQLITE_STATIC);
    if (sqlite3_step(c->get) == SQLITE_ROW) {
        const void *b = sqlite3_column_blob(c->get, 0);
        int len = sqlite3_column_bytes(c->get, 0);
        *body = as_xmalloc((size_t)len + 1);
        if (len) memcpy(*body, b, (size_t)len);
        (*body)[len] = '\0';
        *n = (size_t)len;
        hit = true;
    }
    sqlite3_reset(c->get);
    sqlite3_clear_bindings(c->get);
    return hit;
}

void llm_cache_put(llm_cache *c, const uint8_t key[16], const char *provider,
                   const char *model, const char *body, size_t n) {
    if (!c) return;
    if (sqlite3_get_autocommit(c->db) &&
        sqlite3_exec(c->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
        return;
    sqlite3_bind_blob(c->put, 1, key, 16, SQLITE_STATIC);
    sqlite3_bind_text(c->put, 2, provider, -1, SQLITE_STATIC);
    sqlite3_bind_text(c->put, 3, model, -1, SQLITE_STATIC);
    sqlite3_bind_int64(c->put, 4, (sqlite3_int64)time(NULL));
    sqlite3_bind_blob(c->put, 5, body, (int)n, SQLITE_STATIC);
    if (sqlite3_step(c->put) == SQLITE_DONE) c->pending++;
    sqlite3_reset(c->put);
    sqlite3_clear_bindings(c->put);
    if (c->pending >= 256) llm_cache_flush(c);
}
