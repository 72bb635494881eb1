/*
 * db.c - opening the SQLite backend: the data directory, pragmas, the
 * writer connection, the connection pool, migrations, and the ops table.
 *
 * Durability: with sync_full (default) every commit is durable against
 * power loss as well as process death.  Pool connections use
 * synchronous=FULL.  The ingest writer's connection uses NORMAL and its
 * commits are made durable by as_store_sync - an fdatasync of the WAL on
 * the ingest syncer thread, overlapping the next transaction - before
 * anything is acknowledged (group commit, src/ingest/queue.c).  Without
 * sync_full, commits survive a process crash but not a power cut.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "assay/alloc.h"
#include "assay/llm.h"
#include "sqlite_int.h"

as_rc sq_error(sqlite3 *db, as_err *err, const char *what) {
    return as_err_set(err, AS_EDB, "%s: %s", what, sqlite3_errmsg(db));
}

as_rc sq_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st, as_err *err) {
    if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL) !=
        SQLITE_OK) {
        *st = NULL;
        return as_err_set(err, AS_EDB, "preparing \"%.80s\": %s", sql,
                          sqlite3_errmsg(db));
    }
    return AS_OK;
}

as_rc sq_exec(sqlite3 *db, const char *sql, as_err *err) {
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        as_err_set(err, AS_EDB, "%s", msg ? msg : sqlite3_errmsg(db));
        sqlite3_free(msg);
        return AS_EDB;
    }
    return AS_OK;
}

as_rc sq_tx_begin(sqlite3 *db, as_err *err) {
    return sq_exec(db, "BEGIN IMMEDIATE", err);
}

as_rc sq_tx_end(sqlite3 *db, as_rc rc, as_err *err) {
    if (rc == AS_OK && (rc = sq_exec(db, "COMMIT", err)) == AS_OK) return AS_OK;
    sq_exec(db, "ROLLBACK", NULL);
    return rc;
}

as_rc sq_row_by_id(sqlite3 *db, const char *sql, int64_t id, const char *what,
                   const char *reading, sqlite3_stmt **q, as_err *err) {
    as_rc rc = sq_prepare(db, sql, q, err);
    if (rc != AS_OK) return rc;
    sqlite3_bind_int64(*q, 1, id);
    int r = sqlite3_step(*q);
    if (r == SQLITE_ROW) return AS_OK;
    if (r == SQLITE_DONE)
        rc = as_err_set(err, AS_ENOTFOUND, "%s %lld not found", what, (long long)id);
    else
        rc = sq_error(db, err, reading);
    sqlite3_finalize(*q);
    *q = NULL;
    return rc;
}

void sq_bind_params(sqlite3_stmt *st, const as_sql_params *p) {
    for (size_t i = 0; i < p->n; i++) {
        int idx = (int)i + 1;
        const as_sql_param *v = &p->v[i];
        switch (v->type) {
        case AS_SQL_NULL: sqlite3_bind_null(st, idx); break;
        case AS_SQL_INT: sqlite3_bind_int64(st, idx, v->i); break;
        case AS_SQL_REAL: sqlite3_bind_double(st, idx, v->d); break;
        case AS_SQL_TEXT: sqlite3_bind_text(st, idx, v->s, (int)v->len, SQLITE_TRANSIENT); break;
        case AS_SQL_BLOB: sqlite3_bind_blob(st, idx, v->s, (int)v->len, SQLITE_TRANSIENT); break;
        }
    }
}

json_t *sq_col_text(sqlite3_stmt *st, int i) {
    const unsigned char *t = sqlite3_column_text(st, i);
    if (!t) return json_null();
    return json_stringn((const char *)t, (size_t)sqlite3_column_bytes(st, i));
}

json_t *sq_col_json(sqlite3_stmt *st, int i) {
    const char *t = (const char *)sqlite3_column_text(st, i);
    if (!t) return json_null();
    json_t *v = json_loadb(t, (size_t)sqlite3_column_bytes(st, i),
                           JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
    return v ? v : json_null();
}

static as_rc open_conn(sq_store *s, const as_store_config *cfg, bool writer,
                       sqlite3 **out, as_err *err) {
    sqlite3 *db;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(s->path, &db, flags, NULL) != SQLITE_OK) {
        as_rc rc = as_err_set(err, AS_EDB, "opening %s: %s", s->path,
                              db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        return rc;
    }
    sqlite3_busy_timeout(db, 10000);
    char pragmas[512];
    /* The writer's commits are made durable by as_store_sync (fdatasync
     * of the WAL on the ingest syncer thread, overlapping the next
     * transaction); every other connection syncs its own commits. */
    bool full = cfg->sync_full && !writer;
    snprintf(pragmas, sizeof(pragmas),
             "PRAGMA page_size=16384;"
             "PRAGMA journal_mode=WAL;"
             "PRAGMA synchronous=%s;"
             "PRAGMA foreign_keys=ON;"
             "PRAGMA temp_store=MEMORY;"
             "PRAGMA journal_size_limit=67108864;"
             "PRAGMA cache_size=-%lld;",
             full ? "FULL" : "NORMAL",
             (long long)(writer ? cfg->cache_kib : 8192));
    if (sq_exec(db, pragmas, err) != AS_OK) {
        as_err_prefix(err, "configuring %s: ", s->path);
        sqlite3_close(db);
        return AS_EDB;
    }
    *out = db;
    return AS_OK;
}

sqlite3 *sq_acquire(sq_store *s) {
    pthread_mutex_lock(&s->pool_mu);
    for (;;) {
        for (int i = 0; i < s->pool_n; i++) {
            if (!s->pool_busy[i]) {
                s->pool_busy[i] = true;
                pthread_mutex_unlock(&s->pool_mu);
                return s->pool[i];
            }
        }
        pthread_cond_wait(&s->pool_cv, &s->pool_mu);
    }
}

void sq_release(sq_store *s, sqlite3 *db) {
    pthread_mutex_lock(&s->pool_mu);
    for (int i = 0; i < s->pool_n; i++)
        if (s->pool[i] == db) s->pool_busy[i] = false;
    pthread_cond_signal(&s->pool_cv);
    pthread_mutex_unlock(&s->pool_mu);
}

/* Frames in the WAL after which the checkpoint thread is woken, and after
 * which the writer restarts the WAL itself: under constant load a passive
 * checkpoint never catches up with the end of the WAL, and the WAL only
 * starts over once a checkpoint has copied all of it.  Frames are pages
 * (16 KiB): 256 = 4 MiB, 4096 = 64 MiB. */
#define CKPT_FRAMES 256
#define WAL_RESTART_FRAMES 4096

static int wal_hook(void *arg, sqlite3 *db, const char *name, int frames) {
    (void)db; (void)name;
    sq_store *s = arg;
    pthread_mutex_lock(&s->ckpt_mu);
    s->wal_frames = frames;
    if (frames >= CKPT_FRAMES) {
        s->ckpt_pending = true;
        pthread_cond_broadcast(&s->ckpt_cv);
    }
    pthread_mutex_unlock(&s->ckpt_mu);
    return SQLITE_OK;
}

static void *checkpointer(void *arg) {
    sq_store *s = arg;
    pthread_setname_np(pthread_self(), "assay-checkpt");
    pthread_mutex_lock(&s->ckpt_mu);
    for (;;) {
        /* Wait for work, and stay out of the way while the writer restarts
         * the WAL itself. */
        while (!s->ckpt_stop && (!s->ckpt_pending || s->writer_ckpt || s->restart_wanted))
            pthread_cond_wait(&s->ckpt_cv, &s->ckpt_mu);
        if (s->ckpt_stop) break;
        s->ckpt_pending = false;
        s->ckpt_running = true;
        pthread_mutex_unlock(&s->ckpt_mu);
        /* PASSIVE: copy what no reader still needs, never block the writer. */
        sqlite3_wal_checkpoint_v2(s->ckpt_db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
        pthread_mutex_lock(&s->ckpt_mu);
        s->ckpt_running = false;
        pthread_cond_broadcast(&s->ckpt_cv);
    }
    pthread_mutex_unlock(&s->ckpt_mu);
    return NULL;
}

void sq_after_commit(sq_store *s) {
    pthread_mutex_lock(&s->ckpt_mu);
    if (s->wal_frames < WAL_RESTART_FRAMES) {
        pthread_mutex_unlock(&s->ckpt_mu);
        return;
    }
    if (s->ckpt_running) {
        /* Do not wait for it: ask it not to start another, and restart
         * after a later commit. */
        s->restart_wanted = true;
        pthread_mutex_unlock(&s->ckpt_mu);
        return;
    }
    s->writer_ckpt = true;
    pthread_mutex_unlock(&s->ckpt_mu);
    /* Most frames were copied by the checkpoint thread already; RESTART
     * copies the rest and makes the next transaction start the WAL over.
     * Run by the writer between its transactions, it cannot collide with
     * a write. */
    sqlite3_wal_checkpoint_v2(s->writer, NULL, SQLITE_CHECKPOINT_RESTART, NULL, NULL);
    pthread_mutex_lock(&s->ckpt_mu);
    s->writer_ckpt = false;
    s->restart_wanted = false;
    s->wal_frames = 0;
    s->ckpt_pending = false;
    pthread_cond_broadcast(&s->ckpt_cv);
    pthread_mutex_unlock(&s->ckpt_mu);
}

static as_rc sq_sync(as_store *st, as_err *err) {
    sq_store *s = SQ(st);
    if (!s->sync_full) return AS_OK;
    if (s->wal_fd < 0) {
        size_t n = strlen(s->path) + sizeof("-wal");
        char *wal = as_xmalloc(n);
        snprintf(wal, n, "%s-wal", s->path);
        s->wal_fd = open(wal, O_RDONLY | O_CLOEXEC);
        free(wal);
        if (s->wal_fd < 0) {
            if (errno == ENOENT) return AS_OK;     /* nothing written yet */
            return as_err_set(err, AS_EIO, "opening the WAL of %s: %s", s->path,
                              strerror(errno));
        }
        /* The WAL's directory entry must be durable too, once. */
        int dfd = open(s->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0) { fsync(dfd); close(dfd); }
    }
    if (fdatasync(s->wal_fd) != 0)
        return as_err_set(err, AS_EIO, "fdatasync of the WAL of %s: %s", s->path,
                          strerror(errno));
    return AS_OK;
}

static void sq_close(as_store *st) {
    sq_store *s = SQ(st);
    if (s->ckpt_started) {
        pthread_mutex_lock(&s->ckpt_mu);
        s->ckpt_stop = true;
        pthread_cond_broadcast(&s->ckpt_cv);
        pthread_mutex_unlock(&s->ckpt_mu);
        pthread_join(s->ckpt_thread, NULL);
    }
    sqlite3_close(s->ckpt_db);
    pthread_mutex_destroy(&s->ckpt_mu);
    pthread_cond_destroy(&s->ckpt_cv);
    sq_writer_finalize(s);
    if (s->writer) {
        /* A clean shutdown folds the WAL back into the database file. */
        sqlite3_exec(s->writer, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
        sqlite3_close(s->writer);
    }
    for (int i = 0; i < s->pool_n; i++) sqlite3_close(s->pool[i]);
    free(s->pool);
    free(s->pool_busy);
    pthread_mutex_destroy(&s->pool_mu);
    pthread_cond_destroy(&s->pool_cv);
    if (s->wal_fd >= 0) close(s->wal_fd);
    as_llm_prices_free(s->prices);
    free(s->dir);
    free(s->path);
    free(s);
}

static int sq_schema_version(as_store *st) { return SQ(st)->version; }
static const char *sq_path(as_store *st) { return SQ(st)->path; }

int64_t sq_span_count(as_store *st) {
    sq_store *s = SQ(st);
    sqlite3 *db = sq_acquire(s);
    sqlite3_stmt *q;
    int64_t n = -1;
    if (sq_prepare(db, "SELECT count(*) FROM spans", &q, NULL) == AS_OK) {
        if (sqlite3_step(q) == SQLITE_ROW) n = sqlite3_column_int64(q, 0);
        sqlite3_finalize(q);
    }
    sq_release(s, db);
    return n;
}

static const as_store_ops sqlite_ops = {
    .name = "sqlite",
    .close = sq_close,
    .schema_version = sq_schema_version,
    .path = sq_path,
    .write_spans = sq_write_spans,
    .sync = sq_sync,
    .project_list = sq_project_list,
    .project_get = sq_project_get,
    .project_create = sq_project_create,
    .project_update = sq_project_update,
    .project_delete = sq_project_delete,
    .span_query = sq_span_query,
    .trace_query = sq_trace_query,
    .trace_spans = sq_trace_spans,
    .trace_get = sq_trace_get,
    .trace_delete = sq_trace_delete,
    .session_list = sq_session_list,
    .session_get = sq_session_get,
    .session_delete = sq_session_delete,
    .span_count = sq_span_count,
    .spans_resolve = sq_spans_resolve,
    .datasets = &sq_dataset_ops,
    .experiments = &sq_experiment_ops,
    .annotations = &sq_annotation_ops,
    .queues = &sq_queue_ops,
    .analysis = &sq_analysis_ops,
    .observe = &sq_observe_ops,
};

int as_sqlite_latest_version(void) { return sq_latest_version(); }

as_rc as_sqlite_open(const as_store_config *cfg, as_store **out, as_err *err) {
    if (mkdir(cfg->data_dir, 0700) != 0 && errno != EEXIST)
        return as_err_set(err, AS_EIO, "creating data directory %s: %s",
                          cfg->data_dir, strerror(errno));
    sq_store *s = as_xcalloc(1, sizeof(*s));
    s->base.ops = &sqlite_ops;
    s->sync_full = cfg->sync_full;
    s->wal_fd = -1;
    s->dir = as_xstrdup(cfg->data_dir);
    size_t n = strlen(cfg->data_dir) + sizeof("/assay.db");
    s->path = as_xmalloc(n);
    snprintf(s->path, n, "%s/assay.db", cfg->data_dir);
    pthread_mutex_init(&s->pool_mu, NULL);
    pthread_cond_init(&s->pool_cv, NULL);
    pthread_mutex_init(&s->ckpt_mu, NULL);
    pthread_cond_init(&s->ckpt_cv, NULL);

    as_rc rc = as_llm_prices_load(cfg->prices_path, &s->prices, err);
    if (rc == AS_OK) rc = open_conn(s, cfg, true, &s->writer, err);
    if (rc == AS_OK) {
        s->version = sq_migrate(s->writer, err);
        if (s->version < 0) rc = AS_EDB;
    }
    if (rc == AS_OK) rc = sq_writer_prepare(s, err);
    s->pool_n = cfg->read_connections > 0 ? cfg->read_connections : 4;
    s->pool = as_xcalloc((size_t)s->pool_n, sizeof(*s->pool));
    s->pool_busy = as_xcalloc((size_t)s->pool_n, sizeof(*s->pool_busy));
    for (int i = 0; i < s->pool_n && rc == AS_OK; i++)
        rc = open_conn(s, cfg, false, &s->pool[i], err);
    if (rc == AS_OK) rc = open_conn(s, cfg, false, &s->ckpt_db, err);
    if (rc == AS_OK) rc = sq_exec(s->writer, "PRAGMA wal_autocheckpoint=0", err);
    if (rc == AS_OK) {
        if (pthread_create(&s->ckpt_thread, NULL, checkpointer, s) != 0)
            rc = as_err_set(err, AS_EINTERNAL, "cannot start the checkpoint thread");
        else
            s->ckpt_started = true;
    }
    if (rc == AS_OK) sqlite3_wal_hook(s->writer, wal_hook, s);
    if (rc != AS_OK) {
        sq_close(&s->base);
        return rc;
    }
    *out = &s->base;
    return AS_OK;
}
