/*
 * queues.c - labelling queues in the SQLite backend (migration 5; the
 * model is described in include/assay/store_queues.h).
 *
 * Leases are response rows in status 'leased' with an expiry; every
 * as_store_queue_next first deletes the expired ones of its queue, so
 * the rows it then counts are the active leases.  done_count on an item
 * is kept in step with its 'done' responses by submit, in the same
 * transaction, and orders the search for the next item.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../queues_ops.h"
#include "annotations_int.h"
#include "assay/hex.h"
#include "assay/timefmt.h"

/* Prepare sql, bind its arguments by a small format ("i" int64 for
 * id-like values, "t" text, a NULL text or "n" left null) from index 1,
 * and step it once.  With out (one_row): the statement positioned on
 * its row, or NULL at DONE.  Without (exec_args): finalized, a UNIQUE
 * violation as AS_ECONFLICT (the caller names the conflict), *changes
 * (if given) the rows changed. */
static as_rc run_args(sqlite3 *db, const char *sql, const char *fmt, sqlite3_stmt **out,
                      int *changes, as_err *err, va_list ap) {
    sqlite3_stmt *q;
    if (out) *out = NULL;
    as_rc rc = sq_prepare(db, sql, &q, err);
    if (rc != AS_OK) return rc;
    for (int i = 0; fmt[i]; i++) {
        if (fmt[i] == 'i') sqlite3_bind_int64(q, i + 1, va_arg(ap, int64_t));
        else if (fmt[i] == 't') {
            const char *s = va_arg(ap, const char *);
            if (s) sqlite3_bind_text(q, i + 1, s, -1, SQLITE_TRANSIENT);
        }
    }
    int r = sqlite3_step(q);
    if (out) {
        if (r == SQLITE_ROW) { *out = q; return AS_OK; }
        if (r != SQLITE_DONE) rc = sq_error(db, err, sql);
    } else if (r == SQLITE_CONSTRAINT &&
               sqlite3_extended_errcode(db) == SQLITE_CONSTRAINT_UNIQUE) {
        rc = AS_ECONFLICT;
    } else if (r != SQLITE_DONE && r != SQLITE_ROW) {
        rc = sq_error(db, err, sql);
    }
    if (!out && changes) *changes = sqlite3_changes(db);
    sqlite3_finalize(q);
    return rc;
}

/* Run one single-row statement with arguments (see run_args). */
static as_rc one_row(sqlite3 *db, const char *sql, const char *fmt, sqlite3_stmt **out,
                     as_err *err, ...) {
    va_list ap;
    va_start(ap, err);
    as_rc rc = run_args(db, sql, fmt, out, NULL, err, ap);
    va_end(ap);
    return rc;
}

/* Run a statement with no result rows (see run_args). */
static as_rc exec_args(sqlite3 *db, const char *sql, const char *fmt, int *changes,
                       as_err *err, ...) {
    va_list ap;
    va_start(ap, err);
    as_rc rc = run_args(db, sql, fmt, NULL, changes, err, ap);
    va_end(ap);
    return rc;
}

/* ---- queues ----------------------------------------------------------- */

static as_rc queue_configs_on(sqlite3 *db, int64_t queue_id, json_t **out, as_err *err) {
    sqlite3_stmt *q;
    *out = json_array();
    as_rc rc = sq_prepare(db, "SELECT config_id FROM annotation_queue_configs "
                              "WHERE queue_id = ?1 ORDER BY position", &q, err);
    if (rc != AS_OK) return rc;
    sqlite3_bind_int64(q, 1, queue_id);
    int r;
    while (rc == AS_OK && (r = sqlite3_step(q)) == SQLITE_ROW) {
        json_t *c;
        rc = sq_config_get_on(db, sqlite3_column_int64(q, 0), NULL, &c, err);
        if (rc == AS_OK) json_array_append_new(*out, c);
    }
    if (rc == AS_OK && r != SQLITE_DONE) rc = sq_error(db, err, "reading queue configs");
    sqlite3_finalize(q);
    return rc;
}

static as_rc progress_counts(sqlite3 *db, int64_t queue_id, int64_t now, json_t *into,
                             as_err *err) {
    sqlite3_stmt *q;
    as_rc rc = one_row(db,
        "SELECT count(*), coalesce(sum(i.done_count >= q.required), 0), "
        "coalesce(sum(i.done_count < q.required AND (i.done_count > 0 OR EXISTS("
        "  SELECT 1 FROM annotation_queue_responses r WHERE r.item_id = i.id "
        "  AND r.status = 'leased' AND r.lease_expires > ?2))), 0) "
        "FROM annotation_queue_items i JOIN annotation_queues q ON q.id = i.queue_id "
        "WHERE i.queue_id = ?1", "ii", &q, err, queue_id, now);
    if (rc != AS_OK) return rc;
    int64_t total = q ? sqlite3_column_int64(q, 0) : 0;
    int64_t complete = q ? sqlite3_column_int64(q, 1) : 0;
    int64_t progress = q ? sqlite3_column_int64(q, 2) : 0;
    sqlite3_finalize(q);
    json_object_set_new(into, "total", json_integer(total));
    json_object_set_new(into, "complete", json_integer(complete));
    json_object_set_new(into, "in_progress", json_integer(progress));
    json_object_set_new(into, "pending", json_integer(total - complete - progress));
    return AS_OK;
}

static as_rc queue_get_on(sqlite3 *db, int64_t id, json_t **row, as_err *err) {
    sqlite3_stmt *q;
    *row = NULL;
    as_rc rc = one_row(db, "SELECT id, name, description, instructions, required, "
                           "created_at, updated_at FROM annotation_queues WHERE id = ?1",
                       "i", &q, err, id);
    if (rc != AS_OK) return rc;
    if (!q) return as_err_set(err, AS_ENOTFOUND, "labelling queue %" PRId64 " not found", id);
    json_t *out = json_pack("{s:I, s:o, s:o, s:o, s:I, s:I, s:I}",
                            "id", (json_int_t)sqlite3_column_int64(q, 0),
                            "name", sq_col_text(q, 1),
                            "description", sq_col_text(q, 2),
                            "instructions", sq_col_text(q, 3),
                            "required", (json_int_t)sqlite3_column_int64(q, 4),
                            "created_at", (json_int_t)sqlite3_column_int64(q, 5),
                            "updated_at", (json_int_t)sqlite3_column_int64(q, 6));
    sqlite3_finalize(q);
    json_t *configs, *progress = json_object();
    rc = queue_configs_on(db, id, &configs, err);
    json_object_set_new(out, "annotation_configs", configs);
    if (rc == AS_OK) rc = progress_counts(db, id, as_now_ns(), progress, err);
    json_object_set_new(out, "progress", progress);
    if (rc != AS_OK) { json_decref(out); return rc; }
    *row = out;
    return AS_OK;
}

/* Replace the configs of a queue by spec's list (rowids or names). */
static as_rc set_configs(sqlite3 *db, int64_t queue_id, const json_t *list, as_err *err) {
    as_rc rc = exec_args(db, "DELETE FROM annotation_queue_configs WHERE queue_id = ?1",
                         "i", NULL, err, queue_id);
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v) {
        if (rc != AS_OK) break;
        json_t *c;
        rc = sq_config_get_on(db, json_is_integer(v) ? json_integer_value(v) : 0,
                              json_string_value(v), &c, err);
        if (rc != AS_OK) { as_err_prefix(err, "annotation_configs[%zu]: ", i); break; }
        int64_t cid = json_integer_value(json_object_get(c, "id"));
        json_decref(c);
        rc = exec_args(db, "INSERT OR IGNORE INTO annotation_queue_configs(queue_id, "
                           "config_id, position) VALUES(?1, ?2, ?3)", "iii", NULL, err,
                       queue_id, cid, (int64_t)i);
    }
    return rc;
}

static as_rc queue_write(as_store *st, int64_t id, const json_t *spec, json_t **row,
                         as_err *err) {
    const char *name = json_string_value(json_object_get(spec, "name"));
    sq_store *s = SQ(st);
    sqlite3 *db = sq_acquire(s);
    *row = NULL;
    as_rc rc = sq_tx_begin(db, err);
    if (rc != AS_OK) { sq_release(s, db); return rc; }
    int64_t now = as_now_ns();
    json_t *req = json_object_get(spec, "required");
    if (id == 0) {
        rc = exec_args(db, "INSERT INTO annotation_queues(name, description, instructions, "
                           "required, created_at, updated_at) VALUES(?1, ?2, ?3, ?4, ?5, ?5)",
                       "ttti" "i", NULL, err, name,
                       json_string_value(json_object_get(spec, "description")),
                       json_string_value(json_object_get(spec, "instructions")),
                       (int64_t)(req ? json_integer_value(req) : 1), now);
        if (rc == AS_OK) id = sqlite3_last_insert_rowid(db);
    } else {
        json_t *old;
        rc = queue_get_on(db, id, &old, err);
        json_decref(old);
        /* Absent fields keep their value; a null description clears it. */
        if (rc == AS_OK)
            rc = exec_args(db,
                "UPDATE annotation_queues SET name = coalesce(?2, name), "
                "description = CASE WHEN ?6 THEN ?3 ELSE description END, "
                "instructions = CASE WHEN ?7 THEN ?4 ELSE instructions END, "
                "required = coalesce(NULLIF(?5, 0), required), updated_at = ?8 WHERE id = ?1",
                "ittt" "iiii", NULL, err, id, name,
                json_string_value(json_object_get(spec, "description")),
                json_string_value(json_object_get(spec, "instructions")),
                (int64_t)(req ? json_integer_value(req) : 0),
                (int64_t)(json_object_get(spec, "description") != NULL),
                (int64_t)(json_object_get(spec, "instructions") != NULL), now);
    }
    if (rc == AS_ECONFLICT)
        as_err_set(err, AS_ECONFLICT, "a labelling queue named '%.200s' already exists", name);
    json_t *configs = json_object_get(spec, "annotation_configs");
    if (rc == AS_OK && configs) rc = set_configs(db, id, configs, err);
    if (rc == AS_OK) rc = queue_get_on(db, id, row, err);
    rc = sq_tx_end(db, rc, err);
    if (rc != AS_OK) { json_decref(*row); *row = NULL; }
    sq_release(s, db);
    return rc;
}

static as_rc sq_queue_create(as_store *st, const json_t *spec, json_t **row, as_err *err) {
    return queue_write(st, 0, spec, row, err);
}

static as_rc sq_queue_update(as_store *st, int64_t id, const json_t *spec, json_t **row,
                             as_err *err) {
    if (id <= 0) return as_err_set(err, AS_ENOTFOUND, "labelling queue %" PRId64 " not found", id);
    return queue_write(st, id, spec, row, err);
}

static as_rc sq_queue_get(as_store *st, int64_t id, json_t **row, as_err *err) {
    sq_store *s = SQ(st);
    sqlite3 *db = sq_acquire(s);
    as_rc rc = queue_get_on(db, id, row, err);
    sq_release(s, db);
    return rc;
}

static as_rc sq_queue_find(as_store *st, const char *name, int64_t *id, as_err *err) {
    sq_store *s = SQ(st);
    sqlite3 *db = sq_acquire(s);
    sqlite3_stmt *q;
    as_rc rc = one_row(db, "SELECT id FROM annotation_queues WHERE name = ?1", "t", &q, err,
                       name);
    if (rc == AS_OK && !q)
        rc = as_err_set(err, AS_ENOTFOUND, "labelling queue '%.200s' not found", name);
    if (q) { *id = sqlite3_column_int64(q, 0); sqlite3_finalize(q); }
    sq_release(s, db);
    return rc;
}

static as_rc sq_queue_list(as_store *st, int64_t after, int limit, json_t **rows,
                           bool *has_next, as_err *err) {
    sq_store *s = SQ(st);
    sqlite3 *db = sq_acquire(s);
    sqlite3_stmt *q;
    *rows = json_array();
    *has_next = false;
    as_rc rc = sq_prepare(db, "SELECT id FROM annotation_queues WHERE id > ?1 "
                              "ORDER BY id LIMIT ?2", &q, err);
    if (rc == AS_OK) {
        sqlite3_bind_int64(q, 1, after);
        sqlite3_bind_int(q, 2, limit + 1);
        int r = SQLITE_DONE, count = 0;
        while (rc == AS_OK && (r = sqlite3_step(q)) == SQLITE_ROW) {
            if (count++ == limit) { *has_next = true; break; }
            json_t *row;
            rc = queue_get_on(db, sqlite3_column_int64(q, 0), &row, err);
            if (rc == AS_OK) json_array_append_new(*rows, row);
        }
        if (rc == AS_OK && r != SQLITE_ROW && r != SQLITE_DONE)
            rc = sq_error(db, err, "listing labelling queues");
        sqlite3_finalize(q);
    }
    sq_release(s, db);
    return rc;
}

static as_rc sq_queue_delete(as_store *st, int64_t id, as_err *err) {
    as_rc rc = sq_delete_row(st, "DELETE FROM annotation_queues WHERE id = ?", id,
                             "deleting labelling queue", err);
    if (rc == AS_ENOTFOUND)
        as_err_set(err, AS_ENOTFOUND, "labelling queue %" PRId64 " not found", id);
    return rc;
}

/* ---- items ------------------------------------------------------------ */

static as_queue_kind kind_of(const char *s) {
    return strcmp(s, "span") == 0 ? AS_QITEM_SPAN
         : strcmp(s, "trace") == 0 ? AS_QITEM_TRACE : AS_QITEM_EXAMPLE;
}

static const char *const target_exists_sql[] = {
    [AS_QITEM_SPAN] = "SELECT 1 FROM spans WHERE id = ?1",
    [AS_QITEM_TRACE] = "SELECT 1 FROM traces WHERE id = ?1",
    [AS_QITEM_EXAMPLE] = "SELECT 1 FROM dataset_examples WHERE id = ?1",
};

static as_rc queue_required(sqlite3 *db, int64_t queue_id, int64_t *required,
                            as_err *err) {
    sqlite3_stmt *q;
    as_rc rc = one_row(db, "SELECT required FROM annotation_queues WHERE id = ?1", "i",
                       &q, err, queue_id);
    if (rc != AS_OK) return rc;
    if (!q) return as_err_set(err, AS_ENOTFOUND, "labelling queue %" PRId64 " not found",
                              queue_id);
    *required = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return AS_OK;
}

static as_rc sq_queue_add_items(as_store *st, int64_t queue_id, const as_queue_target *t,
                                size_t n, int64_t *ids, size_t *added, as_err *err) {
    sq_store *s = SQ(st);
    sqlite3 *db = sq_acquire(s);
    *added = 0;
    int64_t required, now = as_now_ns();
    as_rc rc = sq_tx_begin(db, err);
    if (rc != AS_OK) { sq_release(s, db); return rc; }
    rc = queue_required(db, queue_id, &required, err);
    for (size_t i = 0; i < n && rc == AS_OK; i++) {
        sqlite3_stmt *q;
        rc = one_row(db, target_exists_sql[t[i].kind], "i", &q, err, t[i].rowid);
        if (rc != AS_OK) break;
        if (!q) {
            rc = as_err_set(err, AS_ENOTFOUND, "items[%zu]: %s %" PRId64 " not found", i,
                            as_queue_kind_name(t[i].kind), t[i].rowid);
            break;
        }
        sqlite3_finalize(q);
        int changed = 0;
        rc = exec_args(db, "INSERT OR IGNORE INTO annotation_queue_items(queue_id, kind, "
                           "target_id, created_at) VALUES(?1, ?2, ?3, ?4)", "itii",
                       &changed, err, queue_id, as_queue_kind_name(t[i].kind), t[i].rowid,
                       now);
        if (rc != AS_OK) break;
        *added += (size_t)changed;
        rc = one_row(db, "SELECT id FROM annotation_queue_items WHERE queue_id = ?1 "
                         "AND kind = ?2 AND target_id = ?3", "iti", &q, err, queue_id,
                     as_queue_kind_name(t[i].kind), t[i].rowid);
        if (rc == AS_OK && q) { if (ids) ids[i] = sqlite3_column_int64(q, 0); sqlite3_finalize(q); }
    }
    rc = sq_tx_end(db, rc, err);
    if (rc != AS_OK) *added = 0;
    sq_release(s, db);
    return rc;
}

#define ITEM_COLS                                                              \
    "i.id, i.queue_id, i.kind, i.target_id, i.done_count, i.created_at, "      \
    "i.done_count >= q.required, CASE i.kind "                                 \
    "WHEN 'span' THEN (SELECT span_id FROM spans WHERE id = i.target_id) "     \
    "WHEN 'trace' THEN (SELECT trace_id FROM traces WHERE id = i.target_id) END"

/* An item object from a row of ITEM_COLS, with its responses. */
static as_rc item_row(sqlite3 *db, sqlite3_stmt *q, json_t **out, as_err *err) {
    const char *kind = (const char *)sqlite3_column_text(q, 2);
    json_t *key = json_null();
    if (strcmp(kind, "span") == 0 && sqlite3_column_type(q, 7) == SQLITE_INTEGER) {
        char h[17];
        sq_span_hex(sqlite3_column_int64(q, 7), h);
        key = json_string(h);
    } else if (strcmp(kind, "trace") == 0 && sqlite3_column_bytes(q, 7) == 16) {
        char h[33];
        as_hex_encode(sqlite3_column_blob(q, 7), 16, h);
        key = json_string(h);
    }
    int64_t id = sqlite3_column_int64(q, 0);
    json_t *item = json_pack("{s:I, s:I, s:s, s:I, s:o, s:I, s:b, s:I}",
                             "id", (json_int_t)id,
                             "queue_id", (json_int_t)sqlite3_column_int64(q, 1),
                             "kind", kind,
                             "target_id", (json_int_t)sqlite3_column_int64(q, 3),
                             "target_key", key,
                             "done_count", (json_int_t)sqlite3_column_int64(q, 4),
                             "complete", sqlite3_column_int(q, 6),
                             "created_at", (json_int_t)sqlite3_column_int64(q, 5));
    sqlite3_stmt *r;
    json_t *resp = json_array();
    json_object_set_new(item, "responses", resp);
    as_rc rc = sq_prepare(db, "SELECT annotator, status, lease_expires, created_at, "
                              "updated_at FROM annotation_queue_responses "
                              "WHERE item_id = ?1 ORDER BY id", &r, err);
    if (rc == AS_OK) {
        sqlite3_bind_int64(r, 1, id);
        int x;
        while ((x = sqlite3_step(r)) == SQLITE_ROW)
            json_array_append_new(resp, json_pack("{s:o, s:o, s:o, s:I, s:I}",
                "annotator", sq_col_text(r, 0), "status", sq_col_text(r, 1),
                "lease_expires", sqlite3_column_type(r, 2) == SQLITE_NULL
                                     ? json_null() : json_integer(sqlite3_column_int64(r, 2)),
                "created_at", (json_int_t)sqlite3_column_int64(r, 3),
                "updated_at", (json_int_t)sqlite3_column_int64(r, 4)));
        if (x != SQLITE_DONE) rc = sq_error(db, err, "reading queue responses");
        sqlite3_finalize(r);
    }
    if (rc != AS_OK) { json_decref(item); return rc; }
    *out = item;
    return AS_OK;
}

static as_rc item_get_on(sqlite3 *db, int64_t queue_id, int64_t item_id, json_t **out,
                         as_err *err) {
    sqlite3_stmt *q;
    *out = NULL;
    as_rc rc = one_row(db, "SELECT " ITEM_COLS " FROM annotation_queue_items i "
                           "JOIN annotation_queues q ON q.id = i.queue_id "
                           "WHERE i.id = ?1 AND i.queue_id = ?2", "ii", &q, err,
                       item_id, queue_id);
    if (rc != AS_OK) return rc;
    if (!q) return as_err_set(err, AS_ENOTFOUND,
                              "item %" PRId64 " not found in labelling queue %" PRId64,
                              item_id, queue_id);
    rc = item_row(db, q, out, err);
    sqlite3_finalize(q);
    return rc;
}

static as_rc sq_queue_items(as_store *st, int64_t queue_id, as_queue_status status,
                            int64_t after, int limit, json_t **rows, bool *has_next,
                            as_err *err) {
    sq_store *s = SQ(st);
    sqlite3 *db = sq_acquire(s);
    *rows = json_array();
    *has_next = false;
    int64_t required;
    as_rc rc = queue_required(db, queue_id, &required, err);
    sqlite3_stmt *q = NULL;
    if (rc == AS_OK)
        rc = sq_prepare(db, "SELECT " ITEM_COLS " FROM annotation_queue_items i "
                            "JOIN annotation_queues q ON q.id = i.queue_id "
                            "WHERE i.queue_id = ?1 AND i.id > ?2 AND (?3 = 0 "
                            "OR (?3 = 1 AND i.done_count < q.required) "
                            "OR (?3 = 2 AND i.done_count >= q.required)) "
                            "ORDER BY i.id LIMIT ?4", &q, err);
    if (rc == AS_OK) {
        sqlite3_bind_int64(q, 1, queue_id);
        sqlite3_bind_int64(q, 2, after);
        sqlite3_bind_int(q, 3, (int)status);
        sqlite3_bind_int(q, 4, limit + 1);
        int r = SQLITE_DONE, count = 0;
        while (rc == AS_OK && (r = sqlite3_step(q)) == SQLITE_ROW) {
            if (count++ == limit) { *has_next = true; break; }
            json_t *item;
            rc = item_row(db, q, &item, err);
            if (rc == AS_OK) json_array_append_new(*rows, item);
        }
        if (rc == AS_OK && r != SQLITE_ROW && r != SQLITE_DONE)
            rc = sq_error(db, err, "listing queue items");
        sqlite3_finalize(q);
    }
    sq_release(s, db);
    return rc;
}

/* ---- content of an item ----------------------------------------------- */

#define SPAN_CONTENT_COLS "s.name, s.span_kind, s.span_id, t.trace_id, s.attributes"

static json_t *span_content(sqlite3_stmt *q) {
    char sh[17], th[33] = "";
    sq_span_hex(sqlite3_column_int64(q, 2), sh);
    if (sqlite3_column_bytes(q, 3) == 16) as_hex_encode(sqlite3_column_blob(q, 3), 16, th);
    return json_pack("{s:o, s:o, s:s, s:s, s:o}", "name", sq_col_text(q, 0),
                     "span_kind", sq_col_text(q, 1), "span_id", sh, "trace_id", th,
                     "attributes", sq_col_json(q, 4));
}

static as_rc item_content(sqlite3 *db, as_queue_kind kind, int64_t target, json_t **out,
                          as_err *err) {
    sqlite3_stmt *q;
    as_rc rc;
    *out = json_null();
    switch (kind) {
    case AS_QITEM_SPAN:
        rc = one_row(db, "SELECT " SPAN_CONTENT_COLS " FROM spans s JOIN traces t "
                         "ON t.id = s.trace_rowid WHERE s.id = ?1", "i", &q, err, target);
        if (rc == AS_OK && q) { *out = span_content(q); sqlite3_finalize(q); }
        return rc;
    case AS_QITEM_TRACE: {
        rc = one_row(db, "SELECT trace_id FROM traces WHERE id = ?1", "i", &q, err, target);
        if (rc != AS_OK || !q) return rc;
        char th[33] = "";
        if (sqlite3_column_bytes(q, 0) == 16) as_hex_encode(sqlite3_column_blob(q, 0), 16, th);
        sqlite3_finalize(q);
        rc = one_row(db, "SELECT " SPAN_CONTENT_COLS " FROM spans s JOIN traces t "
                         "ON t.id = s.trace_rowid WHERE s.trace_rowid = ?1 "
                         "AND s.parent_id IS NULL ORDER BY s.start_time LIMIT 1",
                     "i", &q, err, target);
        if (rc != AS_OK) return rc;
        *out = json_pack("{s:s, s:o}", "trace_id", th, "root_span",
                         q ? span_content(q) : json_null());
        if (q) sqlite3_finalize(q);
        return AS_OK;
    }
    case AS_QITEM_EXAMPLE:
        rc = one_row(db, "SELECT e.dataset_id, r.input, r.output, r.metadata "
                         "FROM dataset_examples e JOIN dataset_example_revisions r "
                         "ON r.example_id = e.id WHERE e.id = ?1 AND r.kind <> 'DELETE' "
                         "ORDER BY r.version_id DESC LIMIT 1", "i", &q, err, target);
        if (rc == AS_OK && q) {
            *out = json_pack("{s:I, s:o, s:o, s:o}",
                             "dataset_id", (json_int_t)sqlite3_column_int64(q, 0),
                             "input", sq_col_json(q, 1), "output", sq_col_json(q, 2),
                             "metadata", sq_col_json(q, 3));
            sqlite3_finalize(q);
        }
        return rc;
    }
    return AS_OK;
}

static as_rc sq_queue_next(as_store *st, int64_t queue_id, const char *annotator,
                           int64_t now, int64_t lease_ns, json_t **item, as_err *err) {
    sq_store *s = SQ(st);
    sqlite3 *db = sq_acquire(s);
    *item = NULL;
    int64_t required;
    as_rc rc = sq_tx_begin(db, err);
    if (rc != AS_OK) { sq_release(s, db); return rc; }
    rc = queue_required(db, queue_id, &required, err);
    if (rc == AS_OK)            /* reclaim expired leases */
        rc = exec_args(db, "DELETE FROM annotation_queue_responses WHERE status = 'leased' "
                           "AND lease_expires <= ?2 AND item_id IN (SELECT id FROM "
                           "annotation_queue_items WHERE queue_id = ?1)", "ii", NULL, err,
                       queue_id, now);
    sqlite3_stmt *q = NULL;
    if (rc == AS_OK)
        rc = one_row(db,
            "SELECT i.id FROM annotation_queue_items i WHERE i.queue_id = ?1 "
            "AND i.done_count < ?3 AND NOT EXISTS (SELECT 1 FROM annotation_queue_responses r "
            "  WHERE r.item_id = i.id AND r.annotator = ?2 AND r.status <> 'leased') "
            "AND i.done_count + (SELECT count(*) FROM annotation_queue_responses r "
            "  WHERE r.item_id = i.id AND r.status = 'leased' AND r.annotator <> ?2) < ?3 "
            "ORDER BY EXISTS (SELECT 1 FROM annotation_queue_responses r "
            "  WHERE r.item_id = i.id AND r.annotator = ?2) DESC, i.done_count, i.id "
            "LIMIT 1", "iti", &q, err, queue_id, annotator, required);
    if (rc == AS_OK && q) {
        int64_t id = sqlite3_column_int64(q, 0);
        sqlite3_finalize(q);
        rc = exec_args(db, "INSERT INTO annotation_queue_responses(item_id, annotator, "
                           "status, lease_expires, created_at, updated_at) "
                           "VALUES(?1, ?2, 'leased', ?3, ?4, ?4) ON CONFLICT(item_id, annotator) "
                           "DO UPDATE SET lease_expires = excluded.lease_expires, "
                           "updated_at = excluded.updated_at", "itii", NULL, err,
                       id, annotator, now + lease_ns, now);
        if (rc == AS_OK) rc = item_get_on(db, queue_id, id, item, err);
        json_t *content = NULL;
        if (rc == AS_OK)
            rc = item_content(db, kind_of(json_string_value(json_object_get(*item, "kind"))),
                              json_integer_value(json_object_get(*item, "target_id")),
                              &content, err);
        if (rc == AS_OK) json_object_set_new(*item, "content", content);
    }
    rc = sq_tx_end(db, rc, err);
    if (rc != AS_OK) { json_decref(*item); *item = NULL; }
    sq_release(s, db);
    return rc;
}

/* ---- answers ---------------------------------------------------------- */

/* The annotator's current response status on an item ("" if none). */
static as_rc response_status(sqlite3 *db, int64_t item_id, const char *annotator,
                             char out[16], as_err *err) {
    sqlite3_stmt *q;
    out[0] = '\0';
    as_rc rc = one_row(db, "SELECT status FROM annotation_queue_responses "
                           "WHERE item_id = ?1 AND annotator = ?2", "it", &q, err,
                       item_id, annotator);
    if (rc == AS_OK && q) {
        snprintf(out, 16, "%s", (const char *)sqlite3_column_text(q, 0));
        sqlite3_finalize(q);
    }
    return rc;
}

static as_rc set_response(sqlite3 *db, int64_t item_id, const char *annotator,
                          const char *status, as_err *err) {
    return exec_args(db, "INSERT INTO annotation_queue_responses(item_id, annotator, "
                         "status, lease_expires, created_at, updated_at) "
                         "VALUES(?1, ?2, ?3, NULL, ?4, ?4) ON CONFLICT(item_id, annotator) "
                         "DO UPDATE SET status = excluded.status, lease_expires = NULL, "
                         "updated_at = excluded.updated_at", "itti", NULL, err,
                     item_id, annotator, status, as_now_ns());
}

static const as_annot_target annot_of_kind[] = {
    [AS_QITEM_SPAN] = AS_ANNOT_SPAN,
    [AS_QITEM_TRACE] = AS_ANNOT_TRACE,
    [AS_QITEM_EXAMPLE] = AS_ANNOT_EXAMPLE,
};

/* Check the answers against the queue's configs and write them (and
 * the note) as annotations on the item's target. */
static as_rc write_answers(sqlite3 *db, int64_t queue_id, const json_t *item,
                           const char *annotator, const as_queue_answer *a, size_t n,
                           const char *note, as_err *err) {
    json_t *configs;
    as_rc rc = queue_configs_on(db, queue_id, &configs, err);
    if (rc != AS_OK) return rc;
    as_annotation *rows = calloc(n + 1, sizeof(*rows));
    char ident[AS_ANNOTATOR_MAX + 48];
    snprintf(ident, sizeof(ident), "queue:%" PRId64 ":%s", queue_id, annotator);
    json_t *meta = json_pack("{s:s, s:I}", "annotator", annotator, "queue_id",
                             (json_int_t)queue_id);
    char *meta_text = json_dumps(meta, JSON_COMPACT);
    json_decref(meta);
    int64_t target = json_integer_value(json_object_get(item, "target_id"));
    for (size_t i = 0; i < n && rc == AS_OK; i++) {
        const json_t *cfg = NULL;
        size_t k;
        json_t *c;
        json_array_foreach(configs, k, c)
            if (strcmp(json_string_value(json_object_get(c, "name")), a[i].name) == 0) cfg = c;
        if (!cfg) {
            rc = as_err_set(err, AS_EUNPROCESSABLE,
                            "annotations[%zu].name: '%.200s' is not an annotation config "
                            "of this queue", i, a[i].name);
            break;
        }
        rows[i] = (as_annotation){ .target = target, .name = a[i].name,
                                   .annotator_kind = "HUMAN", .label = a[i].label,
                                   .has_score = a[i].has_score, .score = a[i].score,
                                   .explanation = a[i].explanation, .metadata = meta_text,
                                   .identifier = ident, .source = "APP",
                                   .user_id = annotator };
        rc = as_annotation_config_check_answer(cfg, rows[i].label, &rows[i].has_score,
                                               &rows[i].score, rows[i].explanation, err);
        if (rc != AS_OK) as_err_prefix(err, "annotations[%zu]: ", i);
    }
    size_t m = n;
    if (note) rows[m++] = (as_annotation){ .target = target, .name = AS_ANNOTATION_NOTE,
                                           .annotator_kind = "HUMAN", .explanation = note,
                                           .metadata = meta_text, .identifier = ident,
                                           .source = "APP", .user_id = annotator };
    if (rc == AS_OK)
        rc = sq_annotations_upsert_on(db, annot_of_kind[kind_of(json_string_value(
                                              json_object_get(item, "kind")))],
                                      rows, m, NULL, err);
    free(rows);
    free(meta_text);
    json_decref(configs);
    return rc;
}

/* submit (a != NULL or note) or skip (status "skipped"). */
static as_rc answer(as_store *st, int64_t queue_id, int64_t item_id, const char *annotator,
                    const as_queue_answer *a, size_t n, const char *note,
                    const char *status, json_t **item, as_err *err) {
    sq_store *s = SQ(st);
    sqlite3 *db = sq_acquire(s);
    *item = NULL;
    int64_t required;
    json_t *before = NULL;
    char prev[16];
    as_rc rc = sq_tx_begin(db, err);
    if (rc != AS_OK) { sq_release(s, db); return rc; }
    if ((rc = queue_required(db, queue_id, &required, err)) == AS_OK &&
        (rc = item_get_on(db, queue_id, item_id, &before, err)) == AS_OK)
        rc = response_status(db, item_id, annotator, prev, err);
    bool done = strcmp(status, "done") == 0;
    if (rc == AS_OK && !done && strcmp(prev, "done") == 0)
        rc = as_err_set(err, AS_ECONFLICT,
                        "annotator '%.128s' has already answered item %" PRId64, annotator,
                        item_id);
    if (rc == AS_OK && done) rc = write_answers(db, queue_id, before, annotator, a, n, note, err);
    if (rc == AS_OK) rc = set_response(db, item_id, annotator, status, err);
    if (rc == AS_OK && done && strcmp(prev, "done") != 0)
        rc = exec_args(db, "UPDATE annotation_queue_items SET done_count = done_count + 1 "
                           "WHERE id = ?1", "i", NULL, err, item_id);
    if (rc == AS_OK) rc = item_get_on(db, queue_id, item_id, item, err);
    rc = sq_tx_end(db, rc, err);
    if (rc != AS_OK) { json_decref(*item); *item = NULL; }
    json_decref(before);
    sq_release(s, db);
    return rc;
}

static as_rc sq_queue_submit(as_store *st, int64_t queue_id, int64_t item_id,
                             const char *annotator, const as_queue_answer *a, size_t n,
                             const char *note, json_t **item, as_err *err) {
    return answer(st, queue_id, item_id, annotator, a, n, note, "done", item, err);
}

static as_rc sq_queue_skip(as_store *st, int64_t queue_id, int64_t item_id,
                           const char *annotator, json_t **item, as_err *err) {
    return answer(st, queue_id, item_id, annotator, NULL, 0, NULL, "skipped", item, err);
}

static as_rc sq_queue_progress(as_store *st, int64_t queue_id, int64_t now, json_t **row,
                               as_err *err) {
    sq_store *s = SQ(st);
    sqlite3 *db = sq_acquire(s);
    int64_t required;
    *row = NULL;
    as_rc rc = queue_required(db, queue_id, &required, err);
    json_t *out = json_pack("{s:I, s:I}", "queue_id", (json_int_t)queue_id, "required",
                            (json_int_t)required);
    if (rc == AS_OK) rc = progress_counts(db, queue_id, now, out, err);
    sqlite3_stmt *q;
    json_t *people = json_array();
    json_object_set_new(out, "annotators", people);
    if (rc == AS_OK && (rc = sq_prepare(db,
            "SELECT r.annotator, sum(r.status = 'done'), sum(r.status = 'skipped'), "
            "sum(r.status = 'leased' AND r.lease_expires > ?2) "
            "FROM annotation_queue_responses r JOIN annotation_queue_items i "
            "ON i.id = r.item_id WHERE i.queue_id = ?1 GROUP BY r.annotator "
            "ORDER BY r.annotator", &q, err)) == AS_OK) {
        sqlite3_bind_int64(q, 1, queue_id);
        sqlite3_bind_int64(q, 2, now);
        int r;
        while ((r = sqlite3_step(q)) == SQLITE_ROW)
            json_array_append_new(people, json_pack("{s:o, s:I, s:I, s:I}",
                "annotator", sq_col_text(q, 0),
                "done", (json_int_t)sqlite3_column_int64(q, 1),
                "skipped", (json_int_t)sqlite3_column_int64(q, 2),
                "leased", (json_int_t)sqlite3_column_int64(q, 3)));
        if (r != SQLITE_DONE) rc = sq_error(db, err, "reading queue progress");
        sqlite3_finalize(q);
    }
    sq_release(s, db);
    if (rc != AS_OK) { json_decref(out); return rc; }
    *row = out;
    return AS_OK;
}

const struct as_queue_ops sq_queue_ops = {
    .name = "sqlite",
    .create = sq_queue_create,
    .update = sq_queue_update,
    .get = sq_queue_get,
    .find = sq_queue_find,
    .list = sq_queue_list,
    .remove = sq_queue_delete,
    .add_items = sq_queue_add_items,
    .items = sq_queue_items,
    .next = sq_queue_next,
    .submit = sq_queue_submit,
    .skip = sq_queue_skip,
    .progress = sq_queue_progress,
};
