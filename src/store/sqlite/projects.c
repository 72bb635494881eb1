/*
 * projects.c - project rows of the SQLite backend.  REST writes borrow a
 * pool connection; SQLite serialises them against the ingest writer with
 * its write lock (busy timeout in db.c).
 */
#include <string.h>

#include "assay/timefmt.h"
#include "sqlite_int.h"

#define PROJECT_COLS "id, name, description, created_at, updated_at"

static json_t *project_row(sqlite3_stmt *q) {
    return json_pack("{s:I, s:o, s:o, s:I, s:I}",
                     "id", (json_int_t)sqlite3_column_int64(q, 0),
                     "name", sq_col_text(q, 1),
                     "description", sq_col_text(q, 2),
                     "created_at", (json_int_t)sqlite3_column_int64(q, 3),
                     "updated_at", (json_int_t)sqlite3_column_int64(q, 4));
}

as_rc sq_project_list(as_store *st, const char *name_contains, int64_t after,
                      int limit, json_t **rows, int64_t *next, as_err *err) {
    sq_store *s = SQ(st);
    sqlite3 *db = sq_acquire(s);
    sqlite3_stmt *q;
    as_rc rc = sq_prepare(db,
        "SELECT " PROJECT_COLS " FROM projects WHERE id > ?1 AND "
        "(?2 IS NULL OR instr(lower(name), lower(?2)) > 0) ORDER BY id LIMIT ?3",
        &q, err);
    *rows = json_array();
    *next = 0;
    if (rc == AS_OK) {
        sqlite3_bind_int64(q, 1, after);
        if (name_contains) sqlite3_bind_text(q, 2, name_contains, -1, SQLITE_STATIC);
        sqlite3_bind_int(q, 3, limit + 1);
        int r, count = 0;
        while ((r = sqlite3_step(q)) == SQLITE_ROW) {
            if (count++ == limit) { *next = sqlite3_column_int64(q, 0) - 1; break; }
            json_array_append_new(*rows, project_row(q));
        }
        if (r != SQLITE_ROW && r != SQLITE_DONE) rc = sq_error(db, err, "listing projects");
        sqlite3_finalize(q);
    }
    sq_release(s, db);
    return rc;
}

static as_rc get_on(sqlite3 *db, int64_t id, const char *name, json_t **row,
                    as_err *err) {
    sqlite3_stmt *q;
    as_rc rc = sq_prepare(db, name ? "SELECT " PROJECT_COLS " FROM projects WHERE name = ?"
                                   : "SELECT " PROJECT_COLS " FROM projects WHERE id = ?",
                          &q, err);
    if (rc != AS_OK) return rc;
    if (name) sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
    else sqlite3_bind_int64(q, 1, id);
    int r = sqlite3_step(q);
    if (r == SQLITE_ROW) *row = project_row(q);
    else if (r == SQLITE_DONE) rc = as_err_set(err, AS_ENOTFOUND, "project not found");
    else rc = sq_error(db, err, "reading project");
    sqlite3_finalize(q);
    return rc;
}

as_rc sq_project_get(as_store *st, int64_t id, const char *name, json_t **row,
                     as_err *err) {
    sq_store *s = SQ(st);
    sqlite3 *db = sq_acquire(s);
    as_rc rc = get_on(db, id, name, row, err);
    sq_release(s, db);
    return rc;
}

as_rc sq_project_create(as_store *st, const char *name, const char *desc,
                        json_t **row, as_err *err) {
    sq_store *s = SQ(st);
    sqlite3 *db = sq_acquire(s);
    sqlite3_stmt *q;
    as_rc rc = sq_prepare(db, "INSERT INTO projects(name, description, created_at, "
                              "updated_at) VALUES(?1, ?2, ?3, ?3)", &q, err);
    if (rc == AS_OK) {
        sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
        if (desc) sqlite3_bind_text(q, 2, desc, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 3, as_now_ns());
        int r = sqlite3_step(q);
        if (r == SQLITE_CONSTRAINT)
            rc = as_err_set(err, AS_ECONFLICT, "a project named '%s' already exists", name);
        else if (r != SQLITE_DONE)
            rc = sq_error(db, err, "creating project");
        sqlite3_finalize(q);
        if (rc == AS_OK) rc = get_on(db, sqlite3_last_insert_rowid(db), NULL, row, err);
    }
    sq_release(s, db);
    return rc;
}

as_rc sq_project_update(as_store *st, int64_t id, const char *desc,
                        json_t **row, as_err *err) {
    sq_store *s = SQ(st);
    sqlite3 *db = sq_acquire(s);
    sqlite3_stmt *q;
    as_rc rc = sq_prepare(db, "UPDATE projects SET description = ?2, updated_at = ?3 "
                              "WHERE id = ?1", &q, err);
    if (rc == AS_OK) {
        sqlite3_bind_int64(q, 1, id);
        if (desc) sqlite3_bind_text(q, 2, desc, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 3, as_now_ns());
        if (sqlite3_step(q) != SQLITE_DONE) rc = sq_error(db, err, "updating project");
        else if (sqlite3_changes(db) == 0)
            rc = as_err_set(err, AS_ENOTFOUND, "project not found");
        sqlite3_finalize(q);
        if (rc == AS_OK) rc = get_on(db, id, NULL, row, err);
    }
    sq_release(s, db);
    return rc;
}

/* Delete by a parameterised single-row DELETE, shared by every "delete one
 * row by id" operation of this backend. */
as_rc sq_delete_row(as_store *st, const char *sql, int64_t id,
                    const char *what, as_err *err) {
    sq_store *s = SQ(st);
    sqlite3 *db = sq_acquire(s);
    sqlite3_stmt *q;
    as_rc rc = sq_prepare(db, sql, &q, err);
    if (rc == AS_OK) {
        sqlite3_bind_int64(q, 1, id);
        if (sqlite3_step(q) != SQLITE_DONE) rc = sq_error(db, err, what);
        else if (sqlite3_changes(db) == 0)
            rc = as_err_set(err, AS_ENOTFOUND, "%s: not found", what);
        sqlite3_finalize(q);
    }
    sq_release(s, db);
    return rc;
}

as_rc sq_project_delete(as_store *st, int64_t id, as_err *err) {
    return sq_delete_row(st, "DELETE FROM projects WHERE id = ?", id,
                         "deleting project", err);
}
