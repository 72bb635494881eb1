/*
 * store_fixture.h - a SQLite store in a temporary directory for the unit
 * tests of the store and what sits on it.
 *
 *     as_store *st = store_fixture_open("ds", NULL);   // /tmp/assay-test-ds-XXXXXX
 *     ...
 *     store_fixture_close(st);                          // closes, rm -rf the dir
 *
 * With SQL, store_fixture_open runs it over a second connection once the
 * store (and its schema) is open: fixture rows the test reads back.  Any
 * failure aborts.  One store at a time per test binary.
 * store_fixture_write(st, batch, project, &stored): spans written as the
 * ingest writer writes them; store_fixture_project_id(st, name): a
 * project's rowid (-1: none).
 */
#ifndef ASSAY_TEST_STORE_FIXTURE_H
#define ASSAY_TEST_STORE_FIXTURE_H

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>

#include "assay/ingest.h"
#include "assay/store.h"
#include "harness.h"

static char sf_dir[64];

static inline as_store *store_fixture_open(const char *tag, const char *sql) {
    snprintf(sf_dir, sizeof(sf_dir), "/tmp/assay-test-%s-XXXXXX", tag);
    if (!mkdtemp(sf_dir)) abort();
    as_store_config cfg;
    as_store_config_defaults(&cfg);
    cfg.data_dir = sf_dir;
    cfg.sync_full = false;
    cfg.read_connections = 2;
    as_store *st = NULL;
    as_err err;
    if (as_store_open(&cfg, &st, &err) != AS_OK) {
        fprintf(stderr, "open: %s\n", err.msg);
        abort();
    }
    if (sql) {
        sqlite3 *db;
        char *msg = NULL;
        if (sqlite3_open(as_store_path(st), &db) != SQLITE_OK) abort();
        sqlite3_busy_timeout(db, 5000);
        if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
            fprintf(stderr, "fixture: %s\n", msg ? msg : sqlite3_errmsg(db));
            abort();
        }
        sqlite3_close(db);
    }
    return st;
}

/* Write batch b into project as the ingest writer does (prepare, then
 * one store write), CHECKing each step; *stored (if given) receives the
 * number of spans stored. */
static inline void store_fixture_write(as_store *st, as_span_batch *b, const char *project,
                                       size_t *stored) {
    as_ingest_job *j = as_ingest_job_new(b, project);
    as_err err;
    CHECK_INT(as_ingest_prepare(j, &err), AS_OK);
    as_ingest_request *r = &j->req;
    as_rc rc;
    as_err rerr;
    CHECK_INT(as_store_write_spans(st, &r, 1, &rc, &rerr, &err), AS_OK);
    CHECK_INT(rc, AS_OK);
    if (stored) *stored = r->stored;
    as_ingest_job_free(j);
}

/* The rowid of project `name`, -1 when there is none. */
static inline int64_t store_fixture_project_id(as_store *st, const char *name) {
    json_t *row;
    as_err err;
    if (as_store_project_get(st, 0, name, &row, &err) != AS_OK) return -1;
    int64_t id = json_integer_value(json_object_get(row, "id"));
    json_decref(row);
    return id;
}

/* The first span named `name` in a project (a new reference), or NULL. */
static inline json_t *store_fixture_span_named(as_store *st, int64_t project, const char *name) {
    as_span_query q;
    memset(&q, 0, sizeof(q));
    q.project_id = project;
    q.limit = 10;
    const char *names[1] = { name };
    q.names.v = names;
    q.names.n = 1;
    json_t *rows;
    bool more;
    int64_t a, b;
    as_err err;
    if (as_store_span_query(st, &q, &rows, &more, &a, &b, &err) != AS_OK) return NULL;
    json_t *row = json_incref(json_array_get(rows, 0));
    json_decref(rows);
    return row;
}

static inline void store_fixture_close(as_store *st) {
    as_store_close(st);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", sf_dir);
    if (system(cmd) != 0) fprintf(stderr, "cleanup failed\n");
}

#endif
