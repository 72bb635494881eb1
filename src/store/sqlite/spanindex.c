/*
 * spanindex.c - finding spans by span id alone (migration 6).
 *
 * Span ids are unique only within their trace, and ingest deliberately
 * keeps no index on the random span id (it would dirty one random page
 * per stored span).  span_id_index is instead brought up to date by the
 * reader that needs it: every span stored since the watermark is indexed
 * in one sorted INSERT .. SELECT, so a catch-up costs about one read of
 * the recently written (usually cached) span pages, and the index grows
 * in sorted batches rather than one random key per span.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sqlite_int.h"

/* The spans stored since the watermark, indexed in one sorted batch.
 * Runs inside the caller's write transaction. */
as_rc sq_span_index_catch_up_tx(sqlite3 *db, as_err *err) {
    as_rc rc = sq_exec(db,
        "INSERT OR IGNORE INTO span_id_index(span_id, span_rowid) "
        "SELECT span_id, id FROM spans "
        "WHERE id > (SELECT watermark FROM span_id_index_state) "
        "ORDER BY span_id, id;"
        "UPDATE span_id_index_state SET watermark = "
        "coalesce((SELECT max(id) FROM spans), 0);", err);
    if (rc != AS_OK) as_err_prefix(err, "indexing span ids: ");
    return rc;
}

/* Index spans with rowid > watermark, in a write transaction of its own
 * (none when the index is up to date). */
static as_rc catch_up(sqlite3 *db, as_err *err) {
    sqlite3_stmt *q;
    as_rc rc = sq_prepare(db,
        "SELECT (SELECT watermark FROM span_id_index_state), "
        "coalesce((SELECT max(id) FROM spans), 0)", &q, err);
    if (rc != AS_OK) return rc;
    int64_t wm = 0, max = 0;
    if (sqlite3_step(q) == SQLITE_ROW) {
        wm = sqlite3_column_int64(q, 0);
        max = sqlite3_column_int64(q, 1);
    }
    sqlite3_finalize(q);
    if (max == wm) return AS_OK;
    if ((rc = sq_exec(db, "BEGIN IMMEDIATE", err)) != AS_OK) return rc;
    /* Inside the transaction the statement re-reads the watermark:
     * another reader may have caught up, or spans may have been deleted
     * (the trigger lowers the watermark). */
    rc = sq_span_index_catch_up_tx(db, err);
    if (rc == AS_OK) rc = sq_exec(db, "COMMIT", err);
    if (rc != AS_OK) sq_exec(db, "ROLLBACK", NULL);
    return rc;
}

as_rc sq_spans_resolve(as_store *st, const char *const *ids, size_t n,
                       as_span_ref *out, as_err *err) {
    int64_t *keys = n ? calloc(n, sizeof(*keys)) : NULL;
    if (n && !keys) return as_err_set(err, AS_EINTERNAL, "out of memory");
    for (size_t i = 0; i < n; i++) {
        memset(&out[i], 0, sizeof(out[i]));
        if (!ids[i] || !sq_span_id_parse(ids[i], &keys[i])) {
            free(keys);
            return as_err_set(err, AS_EUNPROCESSABLE,
                              "span id %zu (\"%.40s\") is not 16 hex digits", i,
                              ids[i] ? ids[i] : "null");
        }
    }
    sq_store *s = SQ(st);
    sqlite3 *db = sq_acquire(s);
    as_rc rc = catch_up(db, err);
    sqlite3_stmt *q = NULL;
    if (rc == AS_OK)
        rc = sq_prepare(db, SQ_SPAN_BY_ID, &q, err);
    for (size_t i = 0; rc == AS_OK && i < n; i++) {
        sqlite3_bind_int64(q, 1, keys[i]);
        int r = sqlite3_step(q);
        if (r == SQLITE_ROW) {
            out[i].rowid = sqlite3_column_int64(q, 0);
            out[i].trace_rowid = sqlite3_column_int64(q, 1);
            out[i].project_id = sqlite3_column_int64(q, 2);
        } else if (r != SQLITE_DONE) {
            rc = sq_error(db, err, "finding spans by id");
        }
        sqlite3_reset(q);
    }
    sqlite3_finalize(q);
    sq_release(s, db);
    free(keys);
    return rc;
}
