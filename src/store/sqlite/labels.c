/*
 * labels.c - dataset labels of the SQLite backend (migration 2 tables
 * dataset_labels and dataset_label_links): global names attached to
 * datasets to organise them.
 */
#include <string.h>

#include "assay/timefmt.h"
#include "sqlite_int.h"

#define LABEL_COLS                                                           \
    "l.id, l.name, l.description, l.color, l.created_at, "                   \
    "(SELECT count(*) FROM dataset_label_links k WHERE k.label_id = l.id)"

static json_t *label_row(sqlite3_stmt *q) {
    return json_pack("{s:I, s:o, s:o, s:o, s:I, s:I}",
                     "id", (json_int_t)sqlite3_column_int64(q, 0),
                     "name", sq_col_text(q, 1),
                     "description", sq_col_text(q, 2),
                     "color", sq_col_text(q, 3),
                     "created_at", (json_int_t)sqlite3_column_int64(q, 4),
                     "dataset_count", (json_int_t)sqlite3_column_int64(q, 5));
}

as_rc sq_label_list(as_store *st, json_t **rows, as_err *err) {
    sq_store *s = SQ(st);
    sqlite3 *db = sq_acquire(s);
    sqlite3_stmt *q;
    *rows = json_array();
    as_rc rc = sq_prepare(db, "SELECT " LABEL_COLS " FROM dataset_labels l "
                              "ORDER BY l.name", &q, err);
    if (rc == AS_OK) {
        int r;
        while ((r = sqlite3_step(q)) == SQLITE_ROW)
            json_array_append_new(*rows, label_row(q));
        if (r != SQLITE_DONE) rc = sq_error(db, err, "listing dataset labels");
        sqlite3_finalize(q);
    }
    sq_release(s, db);
    return rc;
}

static as_rc get_on(sqlite3 *db, int64_t id, const char *name, json_t **row,
                    as_err *err) {
    sqlite3_stmt *q;
    as_rc rc = sq_prepare(db, name ? "SELECT " LABEL_COLS " FROM dataset_labels l "
                                     "WHERE l.name = ?"
                                   : "SELECT " LABEL_COLS " FROM dataset_labels l "
                                     "WHERE l.id = ?", &q, err);
    if (rc != AS_OK) return rc;
    if (name) sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
    else sqlite3_bind_int64(q, 1, id);
    int r = sqlite3_step(q);
    if (r == SQLITE_ROW) *row = label_row(q);
    else if (r == SQLITE_DONE)
        rc = name ? as_err_set(err, AS_ENOTFOUND, "dataset label '%.200s' not found", name)
                  : as_err_set(err, AS_ENOTFOUND, "dataset label %lld not found",
                               (long long)id);
    else rc = sq_error(db, err, "reading dataset label");
    sqlite3_finalize(q);
    return rc;
}

as_rc sq_label_get(as_store *st, int64_t id, const char *name, json_t **row,
                   as_err *err) {
    sq_store *s = SQ(st);
    sqlite3 *db = sq_acquire(s);
    as_rc rc = get_on(db, id, name, row, err);
    sq_release(s, db);
    return rc;
}

as_rc sq_label_create(as_store *st, const char *name, const char *desc,
                      const char *color, json_t **row, as_err *err) {
    sq_store *s = SQ(st);
    sqlite3 *db = sq_acquire(s);
    sqlite3_stmt *q;
    as_rc rc = sq_prepare(db, "INSERT INTO dataset_labels(name, description, color, "
                              "created_at) VALUES(?1, ?2, ?3, ?4)", &q, err);
    if (rc == AS_OK) {
        sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
        if (desc) sqlite3_bind_text(q, 2, desc, -1, SQLITE_STATIC);
        if (color) sqlite3_bind_text(q, 3, color, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 4, as_now_ns());
        int r = sqlite3_step(q);
        if (r == SQLITE_CONSTRAINT)
            rc = as_err_set(err, AS_ECONFLICT, "a dataset label named '%.200s' already "
                            "exists", name);
        else if (r != SQLITE_DONE)
            rc = sq_error(db, err, "creating dataset label");
        sqlite3_finalize(q);
        if (rc == AS_OK) rc = get_on(db, sqlite3_last_insert_rowid(db), NULL, row, err);
    }
    sq_release(s, db);
    return rc;
}

as_rc sq_label_delete(as_store *st, int64_t id, as_err *err) {
    return sq_delete_row(st, "DELETE FROM dataset_labels WHERE id = ?", id,
                         "deleting dataset label", err);
}

/* Check that a row exists: "SELECT 1 FROM t WHERE id = ?". */
static as_rc exists(sqlite3 *db, const char *sql, int64_t id, const char *what,
                    as_err *err) {
    sqlite3_stmt *q;
    as_rc rc = sq_row_by_id(db, sql, id, what, what, &q, err);
    if (rc == AS_OK) sqlite3_finalize(q);
    return rc;
}

as_rc sq_set_labels(as_store *st, int64_t dataset_id, const int64_t *ids, size_t n,
                    as_err *err) {
    sq_store *s = SQ(st);
    sqlite3 *db = sq_acquire(s);
    as_rc rc = sq_exec(db, "BEGIN IMMEDIATE", err);
    if (rc != AS_OK) { sq_release(s, db); return rc; }
    rc = exists(db, "SELECT 1 FROM datasets WHERE id = ?", dataset_id, "dataset", err);
    for (size_t i = 0; rc == AS_OK && i < n; i++)
        rc = exists(db, "SELECT 1 FROM dataset_labels WHERE id = ?", ids[i],
                    "dataset label", err);
    sqlite3_stmt *q = NULL;
    if (rc == AS_OK)
        rc = sq_prepare(db, "DELETE FROM dataset_label_links WHERE dataset_id = ?", &q, err);
    if (rc == AS_OK) {
        sqlite3_bind_int64(q, 1, dataset_id);
        if (sqlite3_step(q) != SQLITE_DONE) rc = sq_error(db, err, "clearing dataset labels");
        sqlite3_finalize(q);
        q = NULL;
    }
    if (rc == AS_OK)
        rc = sq_prepare(db, "INSERT OR IGNORE INTO dataset_label_links(dataset_id, label_id) "
                            "VALUES(?1, ?2)", &q, err);
    for (size_t i = 0; rc == AS_OK && i < n; i++) {
        sqlite3_bind_int64(q, 1, dataset_id);
        sqlite3_bind_int64(q, 2, ids[i]);
        if (sqlite3_step(q) != SQLITE_DONE) rc = sq_error(db, err, "labelling dataset");
        sqlite3_reset(q);
    }
    sqlite3_finalize(q);
    if (rc == AS_OK) rc = sq_exec(db, "COMMIT", err);
    if (rc != AS_OK) sq_exec(db, "ROLLBACK", NULL);
    sq_release(s, db);
    return rc;
}
