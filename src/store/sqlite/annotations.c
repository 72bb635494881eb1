/*
 * annotations.c - the annotations part of the SQLite backend: span,
 * trace, session, document and dataset example annotations (one table
 * each, the same columns; migrations 1, 4 and 10) and annotation configs.
 *
 * The five annotation tables differ only in their name, the column that
 * names the target, the target's table and (documents) one more key
 * column, so every statement is written once with those names filled in
 * from the constant `tables` below (never from input); values are always
 * bound.  Document annotations target a span row plus a position that
 * must index the span's retrieval.documents (checked in the write's
 * transaction, doc_bounds).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../annotations_ops.h"
#include "annotations_int.h"
#include "assay/hex.h"
#include "assay/timefmt.h"

typedef struct annot_table {
    const char *table;      /* annotation table                       */
    const char *col;        /* its column naming the target row        */
    const char *parent;     /* the target's table                      */
    const char *key;        /* the target's natural key (or NULL)      */
    const char *scope;      /* the target's project/dataset column     */
    const char *pos;        /* documents: ", document_position", else "" */
} annot_table;

static const annot_table tables[] = {
    [AS_ANNOT_SPAN] = { "span_annotations", "span_rowid", "spans", "p.span_id",
                        "p.project_id", "" },
    [AS_ANNOT_TRACE] = { "trace_annotations", "trace_rowid", "traces", "p.trace_id",
                         "p.project_id", "" },
    [AS_ANNOT_SESSION] = { "session_annotations", "session_rowid", "project_sessions",
                           "p.session_id", "p.project_id", "" },
    [AS_ANNOT_EXAMPLE] = { "dataset_example_annotations", "example_id",
                           "dataset_examples", NULL, "p.dataset_id", "" },
    [AS_ANNOT_DOCUMENT] = { "document_annotations", "span_rowid", "spans", "p.span_id",
                            "p.project_id", ", document_position" },
};

void sq_span_hex(int64_t v, char out[17]) {
    uint8_t b[8];
    uint64_t x = (uint64_t)v;
    for (int i = 7; i >= 0; i--) { b[i] = (uint8_t)(x & 0xff); x >>= 8; }
    as_hex_encode(b, 8, out);
}

/* ---- annotations ------------------------------------------------------ */

/* A document annotation's position must index the span's
 * retrieval.documents (stored nested: attributes.retrieval.documents is
 * an array; anything else counts as no documents).  ENOTFOUND when the
 * span row is gone. */
static as_rc doc_bounds(sqlite3 *db, sqlite3_stmt **q, size_t i, const as_annotation *x,
                        as_err *err) {
    as_rc rc = AS_OK;
    if (!*q && (rc = sq_prepare(db,
            "SELECT span_id, CASE json_type(attributes, '$.retrieval.documents') "
            "WHEN 'array' THEN json_array_length(attributes, '$.retrieval.documents') "
            "ELSE 0 END FROM spans WHERE id = ?1", q, err)) != AS_OK)
        return rc;
    sqlite3_bind_int64(*q, 1, x->target);
    int r = sqlite3_step(*q);
    if (r == SQLITE_ROW) {
        int64_t docs = sqlite3_column_int64(*q, 1);
        if (x->document_position < 0 || x->document_position >= docs) {
            char h[17];
            sq_span_hex(sqlite3_column_int64(*q, 0), h);
            rc = as_err_set(err, AS_EUNPROCESSABLE,
                            "Document position %lld is out of bounds for span %s (max: %lld)",
                            (long long)x->document_position, h, (long long)(docs - 1));
        }
    } else if (r == SQLITE_DONE) {
        rc = as_err_set(err, AS_ENOTFOUND, "annotation %zu: span %lld not found", i,
                        (long long)x->target);
    } else {
        rc = sq_error(db, err, "reading the span's documents");
    }
    sqlite3_reset(*q);
    return rc;
}

as_rc sq_annotations_upsert_on(sqlite3 *db, as_annot_target t,
                               const as_annotation *a, size_t n, int64_t *ids,
                               as_err *err) {
    const annot_table *tb = &tables[t];
    bool doc = t == AS_ANNOT_DOCUMENT;
    char sql[1024];
    snprintf(sql, sizeof(sql),
             "INSERT INTO %s(%s, name, label, score, explanation, metadata, "
             "annotator_kind, source, identifier, user_id, created_at, updated_at%s) "
             "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11%s) "
             "ON CONFLICT(name, %s%s, identifier) DO UPDATE SET label = excluded.label, "
             "score = excluded.score, explanation = excluded.explanation, "
             "metadata = excluded.metadata, annotator_kind = excluded.annotator_kind, "
             "source = excluded.source, user_id = excluded.user_id, "
             "updated_at = excluded.updated_at RETURNING id",
             tb->table, tb->col, tb->pos, doc ? ", ?12" : "", tb->col, tb->pos);
    sqlite3_stmt *q, *bounds = NULL;
    as_rc rc = sq_prepare(db, sql, &q, err);
    if (rc != AS_OK) return rc;
    int64_t now = as_now_ns();
    for (size_t i = 0; i < n && rc == AS_OK; i++) {
        const as_annotation *x = &a[i];
        if (doc && (rc = doc_bounds(db, &bounds, i, x, err)) != AS_OK) break;
        if (doc) sqlite3_bind_int64(q, 12, x->document_position);
        sqlite3_bind_int64(q, 1, x->target);
        sqlite3_bind_text(q, 2, x->name, -1, SQLITE_STATIC);
        if (x->label) sqlite3_bind_text(q, 3, x->label, -1, SQLITE_STATIC);
        else sqlite3_bind_null(q, 3);
        if (x->has_score) sqlite3_bind_double(q, 4, x->score);
        else sqlite3_bind_null(q, 4);
        if (x->explanation) sqlite3_bind_text(q, 5, x->explanation, -1, SQLITE_STATIC);
        else sqlite3_bind_null(q, 5);
        sqlite3_bind_text(q, 6, x->metadata ? x->metadata : "{}", -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 7, x->annotator_kind, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 8, x->source ? x->source : "API", -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 9, x->identifier ? x->identifier : "", -1, SQLITE_STATIC);
        if (t == AS_ANNOT_EXAMPLE && x->user_id)
            sqlite3_bind_text(q, 10, x->user_id, -1, SQLITE_STATIC);
        else sqlite3_bind_null(q, 10);
        sqlite3_bind_int64(q, 11, now);
        int r = sqlite3_step(q);
        if (r == SQLITE_ROW) {
            if (ids) ids[i] = sqlite3_column_int64(q, 0);
        } else if (sqlite3_extended_errcode(db) == SQLITE_CONSTRAINT_FOREIGNKEY) {
            rc = as_err_set(err, AS_ENOTFOUND, "annotation %zu: %s %lld not found", i,
                            as_annot_target_name(t), (long long)x->target);
        } else {
            rc = sq_error(db, err, "writing annotation");
            as_err_prefix(err, "annotation %zu: ", i);
        }
        sqlite3_reset(q);
        sqlite3_clear_bindings(q);
    }
    sqlite3_finalize(q);
    sqlite3_finalize(bounds);
    return rc;
}

static as_rc sq_annotations_upsert(as_store *st, as_annot_target t,
                                   const as_annotation *a, size_t n, int64_t *ids,
                                   as_err *err) {
    sq_store *s = SQ(st);
    sqlite3 *db = sq_acquire(s);
    as_rc rc = sq_tx_begin(db, err);
    if (rc == AS_OK) rc = sq_tx_end(db, sq_annotations_upsert_on(db, t, a, n, ids, err), err);
    sq_release(s, db);
    return rc;
}

/* A JSON array text of strings (for json_each), or NULL when empty. */
static char *str_array(const as_str_list *l) {
    if (l->n == 0) return NULL;
    json_t *a = json_array();
    for (size_t i = 0; i < l->n; i++) json_array_append_new(a, json_string(l->v[i]));
    char *s = json_dumps(a, JSON_COMPACT);
    json_decref(a);
    return s;
}

static json_t *annotation_row(as_annot_target t, sqlite3_stmt *q) {
    json_t *key = json_null();
    if (t == AS_ANNOT_SPAN || t == AS_ANNOT_DOCUMENT) {
        char h[17];
        sq_span_hex(sqlite3_column_int64(q, 2), h);
        key = json_string(h);
    } else if (t == AS_ANNOT_TRACE && sqlite3_column_bytes(q, 2) == 16) {
        char h[33];
        as_hex_encode(sqlite3_column_blob(q, 2), 16, h);
        key = json_string(h);
    } else if (t == AS_ANNOT_SESSION) {
        key = sq_col_text(q, 2);
    }
    json_t *meta = sq_col_json(q, 8);
    if (!json_is_object(meta)) { json_decref(meta); meta = json_object(); }
    json_t *row = json_pack("{s:I, s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o,"
                     " s:I, s:I}",
                     "id", (json_int_t)sqlite3_column_int64(q, 0),
                     "target_id", (json_int_t)sqlite3_column_int64(q, 1),
                     "target_key", key,
                     "name", sq_col_text(q, 3),
                     "annotator_kind", sq_col_text(q, 4),
                     "label", sq_col_text(q, 5),
                     "score", sqlite3_column_type(q, 6) == SQLITE_NULL
                                  ? json_null() : json_real(sqlite3_column_double(q, 6)),
                     "explanation", sq_col_text(q, 7),
                     "metadata", meta,
                     "identifier", sq_col_text(q, 9),
                     "source", sq_col_text(q, 10),
                     "user_id", sqlite3_column_type(q, 11) == SQLITE_NULL
                                    ? json_null() : sq_col_text(q, 11),
                     "created_at", (json_int_t)sqlite3_column_int64(q, 12),
                     "updated_at", (json_int_t)sqlite3_column_int64(q, 13));
    if (t == AS_ANNOT_DOCUMENT)
        json_object_set_new(row, "document_position", json_integer(sqlite3_column_int64(q, 14)));
    return row;
}

static as_rc sq_annotations_list(as_store *st, const as_annotation_query *aq,
                                 json_t **rows, bool *has_next, as_err *err) {
    const annot_table *tb = &tables[aq->target];
    *rows = json_array();
    *has_next = false;
    if (aq->by_targets && aq->n_targets == 0) return AS_OK;
    /* Two shapes: by target rowids (an index seek per target) or a scan of
     * the annotation table in id order narrowed by the other filters. */
    char in_targets[96] = "";
    if (aq->by_targets)
        snprintf(in_targets, sizeof(in_targets),
                 "AND a.%s IN (SELECT value FROM json_each(?2))", tb->col);
    char sql[1600];
    snprintf(sql, sizeof(sql),
             "SELECT a.id, a.%s, %s, a.name, a.annotator_kind, a.label, a.score, "
             "a.explanation, a.metadata, a.identifier, a.source, "
             "CAST(a.user_id AS TEXT), a.created_at, a.updated_at%s "
             "FROM %s a JOIN %s p ON p.id = a.%s "
             "WHERE a.id > ?1 AND (?7 = 0 OR %s = ?7) %s "
             "AND (?3 IS NULL OR a.identifier IN (SELECT value FROM json_each(?3))) "
             "AND (?4 IS NULL OR a.name IN (SELECT value FROM json_each(?4))) "
             "AND (?5 IS NULL OR a.name NOT IN (SELECT value FROM json_each(?5))) "
             "ORDER BY a.id LIMIT ?6",
             tb->col, tb->key ? tb->key : "NULL",
             aq->target == AS_ANNOT_DOCUMENT ? ", a.document_position" : "", tb->table,
             tb->parent, tb->col, tb->scope, in_targets);
    char *targets = NULL;
    if (aq->by_targets) {
        json_t *a = json_array();
        for (size_t i = 0; i < aq->n_targets; i++)
            json_array_append_new(a, json_integer(aq->targets[i]));
        targets = json_dumps(a, JSON_COMPACT);
        json_decref(a);
    }
    char *idents = str_array(&aq->identifiers);
    char *incl = str_array(&aq->include_names);
    char *excl = str_array(&aq->exclude_names);
    sq_store *s = SQ(st);
    sqlite3 *db = sq_acquire(s);
    sqlite3_stmt *q;
    as_rc rc = sq_prepare(db, sql, &q, err);
    if (rc == AS_OK) {
        int64_t scope = aq->target == AS_ANNOT_EXAMPLE ? aq->dataset_id : aq->project_id;
        sqlite3_bind_int64(q, 1, aq->after_id);
        if (targets) sqlite3_bind_text(q, 2, targets, -1, SQLITE_STATIC);
        if (idents) sqlite3_bind_text(q, 3, idents, -1, SQLITE_STATIC);
        if (incl) sqlite3_bind_text(q, 4, incl, -1, SQLITE_STATIC);
        if (excl) sqlite3_bind_text(q, 5, excl, -1, SQLITE_STATIC);
        sqlite3_bind_int(q, 6, aq->limit + 1);
        sqlite3_bind_int64(q, 7, scope);
        int r, count = 0;
        while ((r = sqlite3_step(q)) == SQLITE_ROW) {
            if (count++ == aq->limit) { *has_next = true; break; }
            json_array_append_new(*rows, annotation_row(aq->target, q));
        }
        if (r != SQLITE_ROW && r != SQLITE_DONE) rc = sq_error(db, err, "listing annotations");
        sqlite3_finalize(q);
    }
    sq_release(s, db);
    free(targets);
    free(idents);
    free(incl);
    free(excl);
    return rc;
}

static as_rc sq_annotations_delete(as_store *st, const as_annotation_delete *d,
                                   int64_t *deleted, as_err *err) {
    const annot_table *tb = &tables[d->target];
    char sql[1024];
    snprintf(sql, sizeof(sql),
             "DELETE FROM %s WHERE id IN (SELECT a.id FROM %s a JOIN %s p "
             "ON p.id = a.%s WHERE %s = ?1 "
             "AND (?2 IS NULL OR a.name = ?2) AND (?3 IS NULL OR a.identifier = ?3) "
             "AND (?4 IS NULL OR a.annotator_kind = ?4) "
             "AND (?5 = 0 OR a.created_at >= ?5) AND (?6 = 0 OR a.created_at < ?6))",
             tb->table, tb->table, tb->parent, tb->col, tb->scope);
    sq_store *s = SQ(st);
    sqlite3 *db = sq_acquire(s);
    sqlite3_stmt *q;
    *deleted = 0;
    as_rc rc = sq_prepare(db, sql, &q, err);
    if (rc == AS_OK) {
        sqlite3_bind_int64(q, 1, d->project_id);
        if (d->name) sqlite3_bind_text(q, 2, d->name, -1, SQLITE_STATIC);
        if (d->identifier) sqlite3_bind_text(q, 3, d->identifier, -1, SQLITE_STATIC);
        if (d->annotator_kind) sqlite3_bind_text(q, 4, d->annotator_kind, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 5, d->start_ns);
        sqlite3_bind_int64(q, 6, d->end_ns);
        if (sqlite3_step(q) != SQLITE_DONE) rc = sq_error(db, err, "deleting annotations");
        else *deleted = sqlite3_changes(db);
        sqlite3_finalize(q);
    }
    sq_release(s, db);
    return rc;
}

/* ---- configs ---------------------------------------------------------- */

#define CONFIG_COLS "id, name, type, description, config, created_at, updated_at"

static json_t *config_row(sqlite3_stmt *q) {
    json_t *row = sq_col_json(q, 4);
    if (!json_is_object(row)) { json_decref(row); row = json_object(); }
    json_object_set_new(row, "id", json_integer(sqlite3_column_int64(q, 0)));
    json_object_set_new(row, "name", sq_col_text(q, 1));
    json_object_set_new(row, "type", sq_col_text(q, 2));
    json_object_set_new(row, "description", sq_col_text(q, 3));
    json_object_set_new(row, "created_at", json_integer(sqlite3_column_int64(q, 5)));
    json_object_set_new(row, "updated_at", json_integer(sqlite3_column_int64(q, 6)));
    return row;
}

as_rc sq_config_get_on(sqlite3 *db, int64_t id, const char *name, json_t **row,
                       as_err *err) {
    sqlite3_stmt *q;
    as_rc rc = sq_prepare(db, name ? "SELECT " CONFIG_COLS " FROM annotation_configs "
                                     "WHERE name = ?2"
                                   : "SELECT " CONFIG_COLS " FROM annotation_configs "
                                     "WHERE id = ?1", &q, err);
    if (rc != AS_OK) return rc;
    if (name) sqlite3_bind_text(q, 2, name, -1, SQLITE_STATIC);
    else sqlite3_bind_int64(q, 1, id);
    int r = sqlite3_step(q);
    if (r == SQLITE_ROW) *row = config_row(q);
    else if (r != SQLITE_DONE) rc = sq_error(db, err, "reading annotation config");
    else if (name) rc = as_err_set(err, AS_ENOTFOUND, "annotation config '%.200s' not found", name);
    else rc = as_err_set(err, AS_ENOTFOUND, "annotation config %lld not found", (long long)id);
    sqlite3_finalize(q);
    return rc;
}

static as_rc sq_config_get(as_store *st, int64_t id, const char *name, json_t **row,
                           as_err *err) {
    sq_store *s = SQ(st);
    sqlite3 *db = sq_acquire(s);
    as_rc rc = sq_config_get_on(db, id, name, row, err);
    sq_release(s, db);
    return rc;
}

static as_rc sq_config_list(as_store *st, int64_t after, int limit, json_t **rows,
                            bool *has_next, as_err *err) {
    sq_store *s = SQ(st);
    sqlite3 *db = sq_acquire(s);
    sqlite3_stmt *q;
    *rows = json_array();
    *has_next = false;
    as_rc rc = sq_prepare(db, "SELECT " CONFIG_COLS " FROM annotation_configs "
                              "WHERE id > ?1 ORDER BY id LIMIT ?2", &q, err);
    if (rc == AS_OK) {
        sqlite3_bind_int64(q, 1, after);
        sqlite3_bind_int(q, 2, limit + 1);
        int r, count = 0;
        while ((r = sqlite3_step(q)) == SQLITE_ROW) {
            if (count++ == limit) { *has_next = true; break; }
            json_array_append_new(*rows, config_row(q));
        }
        if (r != SQLITE_ROW && r != SQLITE_DONE)
            rc = sq_error(db, err, "listing annotation configs");
        sqlite3_finalize(q);
    }
    sq_release(s, db);
    return rc;
}

/* The stored config text: the spec less name, type and description. */
static char *config_text(const json_t *spec) {
    json_t *c = json_deep_copy(spec);
    json_object_del(c, "name");
    json_object_del(c, "type");
    json_object_del(c, "description");
    char *s = json_dumps(c, JSON_COMPACT);
    json_decref(c);
    return s;
}

/* Insert (id 0) or update a config; returns the row. */
static as_rc config_write(as_store *st, int64_t id, const json_t *spec, json_t **row,
                          as_err *err) {
    const char *name = json_string_value(json_object_get(spec, "name"));
    char *text = config_text(spec);
    sq_store *s = SQ(st);
    sqlite3 *db = sq_acquire(s);
    sqlite3_stmt *q = NULL;
    as_rc rc = sq_tx_begin(db, err);
    if (rc != AS_OK) { sq_release(s, db); free(text); return rc; }
    rc = sq_prepare(db, id == 0
            ? "INSERT INTO annotation_configs(name, type, description, config, "
              "created_at, updated_at) VALUES(?2, ?3, ?4, ?5, ?6, ?6)"
            : "UPDATE annotation_configs SET name = ?2, type = ?3, description = ?4, "
              "config = ?5, updated_at = ?6 WHERE id = ?1", &q, err);
    if (rc == AS_OK) {
        sqlite3_bind_int64(q, 1, id);
        sqlite3_bind_text(q, 2, name, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 3, json_string_value(json_object_get(spec, "type")), -1,
                          SQLITE_STATIC);
        const char *desc = json_string_value(json_object_get(spec, "description"));
        if (desc) sqlite3_bind_text(q, 4, desc, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 5, text, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 6, as_now_ns());
        int r = sqlite3_step(q);
        if (r == SQLITE_CONSTRAINT)
            rc = as_err_set(err, AS_ECONFLICT,
                            "an annotation config named '%.200s' already exists", name);
        else if (r != SQLITE_DONE)
            rc = sq_error(db, err, "writing annotation config");
        else if (id && sqlite3_changes(db) == 0)
            rc = as_err_set(err, AS_ENOTFOUND, "annotation config %lld not found",
                            (long long)id);
        if (rc == AS_OK && id == 0) id = sqlite3_last_insert_rowid(db);
        sqlite3_finalize(q);
    }
    if (rc == AS_OK) rc = sq_config_get_on(db, id, NULL, row, err);
    rc = sq_tx_end(db, rc, err);
    sq_release(s, db);
    free(text);
    return rc;
}

static as_rc sq_config_create(as_store *st, const json_t *spec, json_t **row,
                              as_err *err) {
    return config_write(st, 0, spec, row, err);
}

static as_rc sq_config_update(as_store *st, int64_t id, const json_t *spec,
                              json_t **row, as_err *err) {
    if (id <= 0) return as_err_set(err, AS_ENOTFOUND, "annotation config %lld not found",
                                   (long long)id);
    return config_write(st, id, spec, row, err);
}

static as_rc sq_config_delete(as_store *st, int64_t id, json_t **row, as_err *err) {
    sq_store *s = SQ(st);
    sqlite3 *db = sq_acquire(s);
    *row = NULL;
    as_rc rc = sq_tx_begin(db, err);
    if (rc != AS_OK) { sq_release(s, db); return rc; }
    rc = sq_config_get_on(db, id, NULL, row, err);
    sqlite3_stmt *q;
    if (rc == AS_OK && (rc = sq_prepare(db,
            "SELECT q.name FROM annotation_queue_configs c JOIN annotation_queues q "
            "ON q.id = c.queue_id WHERE c.config_id = ?1 ORDER BY q.id LIMIT 1",
            &q, err)) == AS_OK) {
        sqlite3_bind_int64(q, 1, id);
        int r = sqlite3_step(q);
        if (r == SQLITE_ROW)
            rc = as_err_set(err, AS_ECONFLICT,
                            "annotation config '%.200s' is used by labelling queue '%.200s'",
                            json_string_value(json_object_get(*row, "name")),
                            (const char *)sqlite3_column_text(q, 0));
        else if (r != SQLITE_DONE) rc = sq_error(db, err, "reading labelling queues");
        sqlite3_finalize(q);
    }
    if (rc == AS_OK && (rc = sq_prepare(db, "DELETE FROM annotation_configs WHERE id = ?1",
                                        &q, err)) == AS_OK) {
        sqlite3_bind_int64(q, 1, id);
        if (sqlite3_step(q) != SQLITE_DONE) rc = sq_error(db, err, "deleting annotation config");
        sqlite3_finalize(q);
    }
    rc = sq_tx_end(db, rc, err);
    if (rc != AS_OK) { json_decref(*row); *row = NULL; }
    sq_release(s, db);
    return rc;
}

const struct as_annotation_ops sq_annotation_ops = {
    .name = "sqlite",
    .upsert = sq_annotations_upsert,
    .list = sq_annotations_list,
    .remove = sq_annotations_delete,
    .config_list = sq_config_list,
    .config_get = sq_config_get,
    .config_create = sq_config_create,
    .config_update = sq_config_update,
    .config_delete = sq_config_delete,
};
