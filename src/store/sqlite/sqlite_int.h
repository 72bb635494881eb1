/*
 * sqlite_int.h - shared internals of the SQLite backend.
 *
 * Connections: one writer connection (the ingest writer thread's, with
 * its statements prepared once) and a pool of general connections used by
 * readers and by the occasional REST write (BEGIN IMMEDIATE + busy
 * timeout).  All connections run in WAL mode with foreign keys on.
 */
#ifndef ASSAY_SQLITE_INT_H
#define ASSAY_SQLITE_INT_H

#include <pthread.h>
#include <sqlite3.h>

#include "../store_int.h"

enum {
    W_TRACE_FIND,
    W_TRACE_INSERT,
    W_TRACE_WIDEN,
    W_TRACE_SET_SESSION,
    W_PROJECT_ENSURE,
    W_PROJECT_FIND,
    W_SESSION_UPSERT,
    W_SPAN_EXISTS,
    W_SPAN_CHILD_SUMS,
    W_SPAN_INSERT,
    W_SPAN_PROPAGATE,
    W_TRACE_ADD,
    W__COUNT
};

typedef struct sq_store {
    as_store base;
    char *path;
    sqlite3 *writer;
    sqlite3_stmt *w[W__COUNT];
    pthread_mutex_t pool_mu;
    pthread_cond_t pool_cv;
    sqlite3 **pool;
    bool *pool_busy;
    int pool_n;
    int version;
    /* WAL checkpoints run on their own thread and connection, so the
     * ingest writer never stalls copying pages back into the database. */
    sqlite3 *ckpt_db;
    pthread_t ckpt_thread;
    bool ckpt_started, ckpt_stop;
    bool ckpt_pending;           /* the WAL has grown: a checkpoint is due */
    bool ckpt_running;           /* the thread is in a PASSIVE checkpoint */
    bool writer_ckpt;            /* the writer is in a RESTART checkpoint */
    bool restart_wanted;         /* the writer will restart the WAL next  */
    int wal_frames;
    pthread_mutex_t ckpt_mu;
    /* Durability of ingest commits (as_store_sync): the writer commits
     * with synchronous=NORMAL, the ingest syncer fdatasyncs the WAL. */
    bool sync_full;
    int wal_fd;                  /* -1 until first used (syncer thread)  */
    char *dir;
    pthread_cond_t ckpt_cv;
    /* The price table for span costs (write.c), loaded once at open. */
    struct as_llm_prices *prices;
} sq_store;

#define SQ(st) ((sq_store *)(st))

/* Borrow and return a pool connection (blocks while all are busy). */
sqlite3 *sq_acquire(sq_store *s);
void sq_release(sq_store *s, sqlite3 *db);

/* Error helper: AS_EDB with the statement's text and sqlite3_errmsg. */
as_rc sq_error(sqlite3 *db, as_err *err, const char *what);
/* Prepare one statement or fail with a message naming it. */
as_rc sq_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st, as_err *err);
/* Bind an as_sql_params list starting at index 1. */
void sq_bind_params(sqlite3_stmt *st, const as_sql_params *p);
/* Run a statement sequence with no results (migrations, pragmas). */
as_rc sq_exec(sqlite3 *db, const char *sql, as_err *err);
/* BEGIN IMMEDIATE; and COMMIT when rc is AS_OK, else ROLLBACK (returns
 * the outcome: a failed COMMIT turns AS_OK into its error). */
as_rc sq_tx_begin(sqlite3 *db, as_err *err);
as_rc sq_tx_end(sqlite3 *db, as_rc rc, as_err *err);
/* Prepare sql, bind id to ?1 and step it: AS_OK with *q on the row (the
 * caller finalizes it); no row: AS_ENOTFOUND "<what> <id> not found";
 * a failed step: sq_error naming `reading`. */
as_rc sq_row_by_id(sqlite3 *db, const char *sql, int64_t id, const char *what,
                   const char *reading, sqlite3_stmt **q, as_err *err);

int sq_migrate(sqlite3 *db, as_err *err);       /* returns version or -1 */
int sq_latest_version(void);

/* Backend entry points split across files. */
as_rc sq_write_spans(as_store *, as_ingest_request **, size_t, as_rc *,
                     as_err *, as_err *);
as_rc sq_writer_prepare(sq_store *s, as_err *err);
/* Writer thread, after each COMMIT: bound the WAL (see db.c). */
void sq_after_commit(sq_store *s);
void sq_writer_finalize(sq_store *s);

as_rc sq_project_list(as_store *, const char *, int64_t, int, json_t **,
                      int64_t *, as_err *);
as_rc sq_project_get(as_store *, int64_t, const char *, json_t **, as_err *);
as_rc sq_project_create(as_store *, const char *, const char *, json_t **,
                        as_err *);
as_rc sq_project_update(as_store *, int64_t, const char *, json_t **, as_err *);
as_rc sq_project_delete(as_store *, int64_t, as_err *);
as_rc sq_span_query(as_store *, const as_span_query *, json_t **, bool *,
                    int64_t *, int64_t *, as_err *);
as_rc sq_trace_query(as_store *, const as_trace_query *, json_t **, bool *,
                     as_err *);
as_rc sq_trace_spans(as_store *, int64_t, json_t **, as_err *);
as_rc sq_trace_get(as_store *, int64_t, const char *, json_t **, as_err *);
as_rc sq_trace_delete(as_store *, int64_t, as_err *);
as_rc sq_session_list(as_store *, int64_t, bool, int64_t, int, json_t **,
                      bool *, as_err *);
as_rc sq_session_get(as_store *, int64_t, const char *, json_t **, as_err *);
as_rc sq_session_delete(as_store *, int64_t, as_err *);
int64_t sq_span_count(as_store *);
as_rc sq_delete_row(as_store *st, const char *sql, int64_t id,
                    const char *what, as_err *err);

/* The examples of dataset `ds` as of version `ver` (SQL expressions,
 * e.g. "?1", "?2"): rows (example_id, revision_id) - per example the
 * latest revision at or before the version, unless it deletes it. */
#define SQ_EXAMPLES_AT(ds, ver)                                             \
    "SELECT e.id AS example_id, r.id AS revision_id "                       \
    "FROM dataset_examples e JOIN dataset_example_revisions r ON r.id = ("  \
    "  SELECT r2.id FROM dataset_example_revisions r2 "                     \
    "  WHERE r2.example_id = e.id AND r2.version_id <= " ver                \
    "  ORDER BY r2.version_id DESC LIMIT 1) "                               \
    "WHERE e.dataset_id = " ds " AND r.kind <> 'DELETE'"

/* Sub-tables of the ops vtable, one per subsystem file of this backend. */
extern const struct as_dataset_ops sq_dataset_ops;      /* datasets.c    */
extern const struct as_experiment_ops sq_experiment_ops;/* experiments.c */
extern const struct as_annotation_ops sq_annotation_ops;/* annotations.c */
extern const struct as_queue_ops sq_queue_ops;          /* queues.c      */
extern const struct as_analysis_ops sq_analysis_ops;    /* analysis.c    */
extern const struct as_observe_ops sq_observe_ops;      /* observe.c     */

/* 16 hex digits -> the span id as stored (a signed 64-bit integer). */
bool sq_span_id_parse(const char *hex, int64_t *v);
as_rc sq_spans_resolve(as_store *, const char *const *, size_t, as_span_ref *,
                       as_err *);
/* Bring span_id_index up to date inside the caller's write transaction
 * (spanindex.c); SQ_SPAN_BY_ID then finds the newest span with span id
 * ?1: columns (rowid, trace rowid, project id). */
as_rc sq_span_index_catch_up_tx(sqlite3 *db, as_err *err);
#define SQ_SPAN_BY_ID                                                       \
    "SELECT s.id, s.trace_rowid, s.project_id FROM span_id_index ix "       \
    "JOIN spans s ON s.id = ix.span_rowid AND s.span_id = ix.span_id "      \
    "WHERE ix.span_id = ?1 ORDER BY s.id DESC LIMIT 1"

/* Dataset labels (labels.c), in the datasets vtable. */
as_rc sq_label_list(as_store *, json_t **, as_err *);
as_rc sq_label_create(as_store *, const char *, const char *, const char *,
                      json_t **, as_err *);
as_rc sq_label_get(as_store *, int64_t, const char *, json_t **, as_err *);
as_rc sq_label_delete(as_store *, int64_t, as_err *);
as_rc sq_set_labels(as_store *, int64_t, const int64_t *, size_t, as_err *);

/* Column helpers for building JSON rows. */
json_t *sq_col_text(sqlite3_stmt *st, int i);      /* string or null */
json_t *sq_col_json(sqlite3_stmt *st, int i);      /* parsed, or null */

#endif
