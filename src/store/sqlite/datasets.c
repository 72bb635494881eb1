/*
 * datasets.c - the datasets part of the SQLite backend: dataset rows,
 * versions, examples at a version (SQ_EXAMPLES_AT), and the upload write
 * path (one BEGIN IMMEDIATE transaction per upload, statements prepared
 * once per upload and reused for every example).
 *
 * Versioning (Phoenix's model, migration 2): an upload writes a new
 * version only when at least one example is created, patched or deleted;
 * the version row is inserted lazily at the first change.  For action
 * update, the examples of the latest version are copied into a temporary
 * table (example id, content hash, matched flag) so that identity by
 * content hash is one indexed lookup per uploaded example and the
 * examples left unmatched at the end get DELETE revisions in one
 * statement.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../datasets_ops.h"
#include "assay/buf.h"
#include "assay/hex.h"
#include "assay/timefmt.h"
#include "sqlite_int.h"

/* the largest stored input / output / metadata text */
#define EXAMPLE_TEXT_MAX (64u << 20)

#define DATASET_COLS                                                         \
    "d.id, d.name, d.description, d.metadata, d.created_at, d.updated_at, "  \
    "coalesce((SELECT v.example_count FROM dataset_versions v "             \
    "  WHERE v.dataset_id = d.id ORDER BY v.id DESC LIMIT 1), 0), "          \
    "(SELECT json_group_array(json_object('id', l.id, 'name', l.name, "      \
    "  'color', l.color)) FROM (SELECT l.* FROM dataset_label_links k "      \
    "  JOIN dataset_labels l ON l.id = k.label_id "                          \
    "  WHERE k.dataset_id = d.id ORDER BY l.name) l)"

static json_t *dataset_row(sqlite3_stmt *q) {
    return json_pack("{s:I, s:o, s:o, s:o, s:I, s:I, s:I, s:o}",
                     "id", (json_int_t)sqlite3_column_int64(q, 0),
                     "name", sq_col_text(q, 1),
                     "description", sq_col_text(q, 2),
                     "metadata", sq_col_json(q, 3),
                     "created_at", (json_int_t)sqlite3_column_int64(q, 4),
                     "updated_at", (json_int_t)sqlite3_column_int64(q, 5),
                     "example_count", (json_int_t)sqlite3_column_int64(q, 6),
                     "labels", sq_col_json(q, 7));
}

static as_rc get_on(sqlite3 *db, int64_t id, const char *name, json_t **row,
                    as_err *err) {
    sqlite3_stmt *q;
    as_rc rc = sq_prepare(db, name ? "SELECT " DATASET_COLS " FROM datasets d WHERE d.name = ?"
                                   : "SELECT " DATASET_COLS " FROM datasets d WHERE d.id = ?",
                          &q, err);
    if (rc != AS_OK) return rc;
    if (name) sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
    else sqlite3_bind_int64(q, 1, id);
    int r = sqlite3_step(q);
    if (r == SQLITE_ROW) *row = dataset_row(q);
    else if (r == SQLITE_DONE) rc = as_err_set(err, AS_ENOTFOUND, "dataset not found");
    else rc = sq_error(db, err, "reading dataset");
    sqlite3_finalize(q);
    return rc;
}

static as_rc sq_dataset_get(as_store *st, int64_t id, const char *name,
                            json_t **row, as_err *err) {
    sq_store *s = SQ(st);
    sqlite3 *db = sq_acquire(s);
    as_rc rc = get_on(db, id, name, row, err);
    sq_release(s, db);
    return rc;
}

/* A newest-first page of rows: shared by datasets and versions.  The
 * statement binds ?1 = before id (or max), ?2 = limit + 1 and, from ?3,
 * whatever bind() sets. */
static as_rc page_desc(sq_store *s, const char *sql, int64_t before, int limit,
                       void (*bind)(sqlite3_stmt *, const void *), const void *arg,
                       json_t *(*shape)(sqlite3_stmt *), json_t **rows,
                       int64_t *next, const char *what, as_err *err) {
    sqlite3 *db = sq_acquire(s);
    sqlite3_stmt *q;
    as_rc rc = sq_prepare(db, sql, &q, err);
    *rows = json_array();
    *next = 0;
    if (rc == AS_OK) {
        sqlite3_bind_int64(q, 1, before > 0 ? before : INT64_MAX);
        sqlite3_bind_int(q, 2, limit + 1);
        if (bind) bind(q, arg);
        int r, count = 0;
        while ((r = sqlite3_step(q)) == SQLITE_ROW) {
            if (count++ == limit) { *next = sqlite3_column_int64(q, 0); break; }
            json_array_append_new(*rows, shape(q));
        }
        if (r != SQLITE_ROW && r != SQLITE_DONE) rc = sq_error(db, err, what);
        sqlite3_finalize(q);
    }
    sq_release(s, db);
    return rc;
}

static void bind_name(sqlite3_stmt *q, const void *name) {
    if (name) sqlite3_bind_text(q, 3, name, -1, SQLITE_STATIC);
}

static as_rc sq_dataset_list(as_store *st, const char *name, int64_t before,
                             int limit, json_t **rows, int64_t *next, as_err *err) {
    return page_desc(SQ(st),
                     "SELECT " DATASET_COLS " FROM datasets d WHERE d.id < ?1 "
                     "AND (?3 IS NULL OR d.name = ?3) ORDER BY d.id DESC LIMIT ?2",
                     before, limit, bind_name, name, dataset_row, rows, next,
                     "listing datasets", err);
}

static as_rc sq_dataset_delete(as_store *st, int64_t id, as_err *err) {
    return sq_delete_row(st, "DELETE FROM datasets WHERE id = ?", id,
                         "deleting dataset", err);
}

static json_t *version_row(sqlite3_stmt *q) {
    return json_pack("{s:I, s:I, s:o, s:o, s:I}",
                     "id", (json_int_t)sqlite3_column_int64(q, 0),
                     "dataset_id", (json_int_t)sqlite3_column_int64(q, 1),
                     "description", sq_col_text(q, 2),
                     "metadata", sq_col_json(q, 3),
                     "created_at", (json_int_t)sqlite3_column_int64(q, 4));
}

static void bind_ds(sqlite3_stmt *q, const void *ds) {
    sqlite3_bind_int64(q, 3, *(const int64_t *)ds);
}

static as_rc sq_dataset_versions(as_store *st, int64_t ds, int64_t before,
                                 int limit, json_t **rows, int64_t *next,
                                 as_err *err) {
    return page_desc(SQ(st),
                     "SELECT id, dataset_id, description, metadata, created_at "
                     "FROM dataset_versions WHERE dataset_id = ?3 AND id < ?1 "
                     "ORDER BY id DESC LIMIT ?2",
                     before, limit, bind_ds, &ds, version_row, rows, next,
                     "listing dataset versions", err);
}

/* ---- examples at a version ------------------------------------------- */

/* The version to read: q->version_id checked against the dataset, or
 * the latest (0 when the dataset has none).  ENOTFOUND names what is
 * missing. */
static as_rc resolve_version(sqlite3 *db, int64_t ds, int64_t want,
                             int64_t *ver, as_err *err) {
    sqlite3_stmt *q;
    as_rc rc = sq_prepare(db,
        "SELECT (SELECT count(*) FROM datasets WHERE id = ?1), "
        "coalesce((SELECT max(id) FROM dataset_versions WHERE dataset_id = ?1), 0), "
        "(SELECT count(*) FROM dataset_versions WHERE dataset_id = ?1 AND id = ?2)",
        &q, err);
    if (rc != AS_OK) return rc;
    sqlite3_bind_int64(q, 1, ds);
    sqlite3_bind_int64(q, 2, want);
    if (sqlite3_step(q) != SQLITE_ROW) {
        rc = sq_error(db, err, "reading dataset versions");
    } else if (sqlite3_column_int64(q, 0) == 0) {
        rc = as_err_set(err, AS_ENOTFOUND, "dataset not found");
    } else if (want && sqlite3_column_int64(q, 2) == 0) {
        rc = as_err_set(err, AS_ENOTFOUND, "version %lld is not a version of this dataset",
                        (long long)want);
    } else {
        *ver = want ? want : sqlite3_column_int64(q, 1);
    }
    sqlite3_finalize(q);
    return rc;
}

/* The split filter as two JSON arrays for json_each: names, and the
 * rowids of DatasetSplit GlobalIDs (Phoenix accepts either). */
static as_rc split_filter_json(const as_str_list *l, char **names, char **ids,
                               as_err *err) {
    *names = *ids = NULL;
    if (l->n == 0) return AS_OK;
    json_t *a = json_array(), *b = json_array();
    for (size_t i = 0; i < l->n; i++) {
        int64_t id;
        if (as_globalid_decode(l->v[i], "DatasetSplit", &id))
            json_array_append_new(b, json_integer(id));
        else
            json_array_append_new(a, json_string(l->v[i]));
    }
    *names = json_dumps(a, JSON_COMPACT);
    *ids = json_dumps(b, JSON_COMPACT);
    json_decref(a);
    json_decref(b);
    if (*names && *ids) return AS_OK;
    free(*names);
    free(*ids);
    *names = *ids = NULL;
    return as_err_set(err, AS_EUNPROCESSABLE, "split names must be UTF-8");
}

static as_rc sq_examples_each(as_store *st, const as_example_query *qq,
                              as_example_fn fn, void *ud, int64_t *version_id,
                              bool *has_next, as_err *err) {
    sq_store *s = SQ(st);
    sqlite3 *db = sq_acquire(s);
    int64_t ver = 0;
    char *splits = NULL, *split_ids = NULL;
    sqlite3_stmt *q = NULL;
    if (has_next) *has_next = false;
    as_rc rc = resolve_version(db, qq->dataset_id, qq->version_id, &ver, err);
    if (rc == AS_OK) rc = split_filter_json(&qq->splits, &splits, &split_ids, err);
    if (rc == AS_OK)
        rc = sq_prepare(db,
            "SELECT e.id, r.id, r.version_id, r.created_at, e.external_id, "
            "e.source_span_id, r.input, r.output, r.metadata, "
            "(SELECT json_group_array(sp.name) FROM dataset_split_examples se "
            " JOIN dataset_splits sp ON sp.id = se.split_id WHERE se.example_id = e.id) "
            "FROM (" SQ_EXAMPLES_AT("?1", "?2") ") x "
            "JOIN dataset_examples e ON e.id = x.example_id "
            "JOIN dataset_example_revisions r ON r.id = x.revision_id "
            "WHERE x.example_id > ?3 AND (?4 IS NULL OR x.example_id IN ("
            " SELECT se.example_id FROM dataset_split_examples se "
            " JOIN dataset_splits sp ON sp.id = se.split_id "
            " WHERE sp.name IN (SELECT value FROM json_each(?4)) "
            "    OR sp.id IN (SELECT value FROM json_each(?6)))) "
            "ORDER BY x.example_id LIMIT ?5", &q, err);
    if (rc == AS_OK) {
        sqlite3_bind_int64(q, 1, qq->dataset_id);
        sqlite3_bind_int64(q, 2, ver);
        sqlite3_bind_int64(q, 3, qq->after_id);
        if (splits) sqlite3_bind_text(q, 4, splits, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 6, split_ids ? split_ids : "[]", -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 5, qq->limit > 0 ? (int64_t)qq->limit + 1 : -1);
        int r, count = 0;
        while (rc == AS_OK && (r = sqlite3_step(q)) == SQLITE_ROW) {
            if (qq->limit > 0 && count++ == qq->limit) {
                if (has_next) *has_next = true;
                break;
            }
            as_example_row ex = {
                .id = sqlite3_column_int64(q, 0),
                .revision_id = sqlite3_column_int64(q, 1),
                .version_id = sqlite3_column_int64(q, 2),
                .updated_at = sqlite3_column_int64(q, 3),
                .external_id = (const char *)sqlite3_column_text(q, 4),
                .source_span_id = (const char *)sqlite3_column_text(q, 5),
                .input = (const char *)sqlite3_column_text(q, 6),
                .input_len = (size_t)sqlite3_column_bytes(q, 6),
                .output = (const char *)sqlite3_column_text(q, 7),
                .output_len = (size_t)sqlite3_column_bytes(q, 7),
                .metadata = (const char *)sqlite3_column_text(q, 8),
                .metadata_len = (size_t)sqlite3_column_bytes(q, 8),
                .splits = (const char *)sqlite3_column_text(q, 9),
            };
            rc = fn(ud, &ex, err);
        }
        if (rc == AS_OK && r != SQLITE_ROW && r != SQLITE_DONE)
            rc = sq_error(db, err, "reading dataset examples");
    }
    sqlite3_finalize(q);
    sq_release(s, db);
    free(splits);
    free(split_ids);
    if (rc == AS_OK && version_id) *version_id = ver;
    return rc;
}

static json_t *parse_text(const char *s, size_t n) {
    json_t *v = s ? json_loadb(s, n, 0, NULL) : NULL;
    return v ? v : json_object();
}

static as_rc collect_row(void *ud, const as_example_row *ex, as_err *err) {
    AS_UNUSED(err);
    json_t *splits = ex->splits ? json_loads(ex->splits, 0, NULL) : NULL;
    json_array_append_new((json_t *)ud, json_pack(
        "{s:I, s:o, s:o, s:o, s:o, s:o, s:I, s:I, s:I, s:o}",
        "id", (json_int_t)ex->id,
        "external_id", ex->external_id ? json_string(ex->external_id) : json_null(),
        "source_span_id", ex->source_span_id ? json_string(ex->source_span_id) : json_null(),
        "input", parse_text(ex->input, ex->input_len),
        "output", parse_text(ex->output, ex->output_len),
        "metadata", parse_text(ex->metadata, ex->metadata_len),
        "revision_id", (json_int_t)ex->revision_id,
        "version_id", (json_int_t)ex->version_id,
        "updated_at", (json_int_t)ex->updated_at,
        "splits", splits ? splits : json_array()));
    return AS_OK;
}

static as_rc sq_dataset_examples(as_store *st, const as_example_query *q,
                                 json_t **rows, int64_t *version_id,
                                 bool *has_next, as_err *err) {
    *rows = json_array();
    as_rc rc = sq_examples_each(st, q, collect_row, *rows, version_id, has_next, err);
    if (rc != AS_OK) { json_decref(*rows); *rows = NULL; }
    return rc;
}

/* ---- upload -------------------------------------------------------- */

enum {
    U_FIND_EXT,      /* example by external id, with its latest revision */
    U_FIND_HASH,     /* update: an unmatched current example by hash     */
    U_MARK,          /* update: mark a current example matched           */
    U_INS_EX,
    U_INS_REV,
    U_SPLIT_ENSURE,
    U_SPLIT_ID,
    U_SPLIT_LINK,
    U_SPLIT_CLEAR,
    U_SPAN,
    U__COUNT
};

static const char *const upload_sql[U__COUNT] = {
    [U_FIND_EXT] =
        "SELECT e.id, r.kind, r.content_hash FROM dataset_examples e "
        "JOIN dataset_example_revisions r ON r.example_id = e.id "
        "WHERE e.dataset_id = ?1 AND e.external_id = ?2 "
        "ORDER BY r.version_id DESC LIMIT 1",
    [U_FIND_HASH] =
        "SELECT example_id FROM temp.ds_cur WHERE hash = ?1 AND matched = 0 "
        "AND external_id IS NULL ORDER BY example_id LIMIT 1",
    [U_MARK] = "UPDATE temp.ds_cur SET matched = 1 WHERE example_id = ?1",
    [U_INS_EX] =
        "INSERT INTO dataset_examples(dataset_id, external_id, span_rowid, "
        "source_span_id, created_at) VALUES(?1, ?2, ?3, ?4, ?5)",
    [U_INS_REV] =
        "INSERT INTO dataset_example_revisions(example_id, version_id, input, "
        "output, metadata, content_hash, kind, created_at) "
        "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    [U_SPLIT_ENSURE] =
        "INSERT INTO dataset_splits(name, created_at, updated_at) VALUES(?1, ?2, ?2) "
        "ON CONFLICT(name) DO NOTHING",
    [U_SPLIT_ID] = "SELECT id FROM dataset_splits WHERE name = ?1",
    [U_SPLIT_LINK] =
        "INSERT OR IGNORE INTO dataset_split_examples(split_id, example_id) VALUES(?1, ?2)",
    [U_SPLIT_CLEAR] = "DELETE FROM dataset_split_examples WHERE example_id = ?1",
    [U_SPAN] = SQ_SPAN_BY_ID,
};

typedef struct upload_ctx {
    sqlite3 *db;
    sqlite3_stmt *q[U__COUNT];
    int64_t ds, latest, ver, now;
    bool have_cur;          /* temp.ds_cur holds the latest version      */
    bool spans_indexed;     /* span_id_index caught up in this upload    */
    as_upload_result *res;
} upload_ctx;

static as_rc step_done(upload_ctx *u, int k, const char *what, as_err *err) {
    int r = sqlite3_step(u->q[k]);
    sqlite3_reset(u->q[k]);
    if (r == SQLITE_DONE) return AS_OK;
    if (r == SQLITE_CONSTRAINT)
        return as_err_set(err, AS_EUNPROCESSABLE, "%s: %s", what, sqlite3_errmsg(u->db));
    return sq_error(u->db, err, what);
}

/* The version this upload writes into, created at the first change. */
static as_rc version(upload_ctx *u, as_err *err) {
    if (u->ver) return AS_OK;
    sqlite3_stmt *q;
    as_rc rc = sq_prepare(u->db, "INSERT INTO dataset_versions(dataset_id, created_at) "
                                 "VALUES(?1, ?2)", &q, err);
    if (rc != AS_OK) return rc;
    sqlite3_bind_int64(q, 1, u->ds);
    sqlite3_bind_int64(q, 2, u->now);
    if (sqlite3_step(q) != SQLITE_DONE) rc = sq_error(u->db, err, "creating dataset version");
    else u->ver = sqlite3_last_insert_rowid(u->db);
    sqlite3_finalize(q);
    u->res->new_version = rc == AS_OK;
    return rc;
}

typedef struct ex_text {
    char *input, *output, *metadata;
    char hash[AS_CONTENT_HASH_LEN + 1];
} ex_text;

static void ex_text_free(ex_text *t) {
    free(t->input);
    free(t->output);
    free(t->metadata);
}

/* The stored text of an object (NULL = {}); caller frees. */
static as_rc text_of(const json_t *v, char **out, as_err *err) {
    as_buf b;
    as_buf_init(&b, EXAMPLE_TEXT_MAX);
    as_rc rc = v ? as_dataset_json_text(&b, v) : as_buf_puts(&b, "{}");
    if (rc != AS_OK) {
        as_buf_release(&b);
        *out = NULL;
        return as_err_set(err, AS_ETOOBIG, "an input, output or metadata object is "
                          "larger than %u bytes", EXAMPLE_TEXT_MAX);
    }
    *out = as_buf_detach(&b, NULL);
    return AS_OK;
}

static as_rc write_revision(upload_ctx *u, int64_t ex, const ex_text *t,
                            const char *kind, as_err *err) {
    as_rc rc = version(u, err);
    if (rc != AS_OK) return rc;
    sqlite3_stmt *q = u->q[U_INS_REV];
    sqlite3_bind_int64(q, 1, ex);
    sqlite3_bind_int64(q, 2, u->ver);
    sqlite3_bind_text(q, 3, t->input, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 4, t->output, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 5, t->metadata, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 6, t->hash, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 7, kind, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 8, u->now);
    return step_done(u, U_INS_REV, "writing example revision", err);
}

static as_rc set_splits(upload_ctx *u, int64_t ex, const json_t *splits,
                        bool replace, as_err *err) {
    if (!splits || json_is_null(splits)) return AS_OK;
    if (replace) {
        sqlite3_bind_int64(u->q[U_SPLIT_CLEAR], 1, ex);
        as_rc rc = step_done(u, U_SPLIT_CLEAR, "clearing splits", err);
        if (rc != AS_OK) return rc;
    }
    size_t n = json_is_array(splits) ? json_array_size(splits) : 1;
    for (size_t i = 0; i < n; i++) {
        const json_t *v = json_is_array(splits) ? json_array_get(splits, i) : splits;
        const char *name = json_string_value(v);
        if (!name || !*name)
            return as_err_set(err, AS_EUNPROCESSABLE,
                              "splits must be a non-empty string, a list of them, or null");
        sqlite3_bind_text(u->q[U_SPLIT_ENSURE], 1, name, -1, SQLITE_STATIC);
        sqlite3_bind_int64(u->q[U_SPLIT_ENSURE], 2, u->now);
        as_rc rc = step_done(u, U_SPLIT_ENSURE, "creating split", err);
        if (rc != AS_OK) return rc;
        sqlite3_stmt *q = u->q[U_SPLIT_ID];
        sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
        int64_t sid = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
        sqlite3_reset(q);
        if (!sid) return sq_error(u->db, err, "finding split");
        sqlite3_bind_int64(u->q[U_SPLIT_LINK], 1, sid);
        sqlite3_bind_int64(u->q[U_SPLIT_LINK], 2, ex);
        if ((rc = step_done(u, U_SPLIT_LINK, "adding example to split", err)) != AS_OK)
            return rc;
    }
    return AS_OK;
}

/* The span an example names, 0 when unknown.  The span id index is
 * caught up once per upload, inside its transaction, and only when an
 * example names a span. */
static as_rc span_rowid(upload_ctx *u, const char *hex, int64_t *id, as_err *err) {
    int64_t key;
    *id = 0;
    if (!sq_span_id_parse(hex, &key)) return AS_OK;
    if (!u->spans_indexed) {
        as_rc rc = sq_span_index_catch_up_tx(u->db, err);
        if (rc != AS_OK) return rc;
        u->spans_indexed = true;
    }
    sqlite3_stmt *q = u->q[U_SPAN];
    sqlite3_bind_int64(q, 1, key);
    if (sqlite3_step(q) == SQLITE_ROW) *id = sqlite3_column_int64(q, 0);
    sqlite3_reset(q);
    return AS_OK;
}

static as_rc create_example(upload_ctx *u, const as_example_in *in,
                            const ex_text *t, as_err *err) {
    sqlite3_stmt *q = u->q[U_INS_EX];
    sqlite3_bind_int64(q, 1, u->ds);
    if (in->external_id) sqlite3_bind_text(q, 2, in->external_id, -1, SQLITE_STATIC);
    else sqlite3_bind_null(q, 2);
    int64_t span = 0;
    if (in->span_id) {
        as_rc rc = span_rowid(u, in->span_id, &span, err);
        if (rc != AS_OK) return rc;
    }
    if (span) sqlite3_bind_int64(q, 3, span);
    else sqlite3_bind_null(q, 3);
    if (in->span_id) sqlite3_bind_text(q, 4, in->span_id, -1, SQLITE_STATIC);
    else sqlite3_bind_null(q, 4);
    sqlite3_bind_int64(q, 5, u->now);
    int r = sqlite3_step(q);
    sqlite3_reset(q);
    if (r == SQLITE_CONSTRAINT)
        return as_err_set(err, AS_EUNPROCESSABLE, "example id '%.100s' appears twice",
                          in->external_id ? in->external_id : "");
    if (r != SQLITE_DONE) return sq_error(u->db, err, "creating example");
    int64_t ex = sqlite3_last_insert_rowid(u->db);
    as_rc rc = write_revision(u, ex, t, "CREATE", err);
    if (rc == AS_OK) rc = set_splits(u, ex, in->splits, false, err);
    if (rc == AS_OK) u->res->created++;
    return rc;
}

/* Copy the examples of the latest version into temp.ds_cur (update). */
static as_rc load_current(upload_ctx *u, as_err *err) {
    as_rc rc = sq_exec(u->db,
        "CREATE TEMP TABLE IF NOT EXISTS ds_cur(example_id INTEGER PRIMARY KEY, "
        "  revision_id INTEGER NOT NULL, hash TEXT NOT NULL, external_id TEXT, "
        "  matched INTEGER NOT NULL);"
        "CREATE INDEX IF NOT EXISTS temp.ix_ds_cur_hash ON ds_cur(hash, matched);"
        "DELETE FROM temp.ds_cur;", err);
    if (rc != AS_OK) return rc;
    sqlite3_stmt *q;
    rc = sq_prepare(u->db,
        "INSERT INTO temp.ds_cur(example_id, revision_id, hash, external_id, matched) "
        "SELECT x.example_id, x.revision_id, r.content_hash, e.external_id, 0 "
        "FROM (" SQ_EXAMPLES_AT("?1", "?2") ") x "
        "JOIN dataset_example_revisions r ON r.id = x.revision_id "
        "JOIN dataset_examples e ON e.id = x.example_id", &q, err);
    if (rc != AS_OK) return rc;
    sqlite3_bind_int64(q, 1, u->ds);
    sqlite3_bind_int64(q, 2, u->latest);
    if (sqlite3_step(q) != SQLITE_DONE) rc = sq_error(u->db, err, "reading current examples");
    sqlite3_finalize(q);
    u->have_cur = rc == AS_OK;
    return rc;
}

static as_rc mark(upload_ctx *u, int64_t ex, as_err *err) {
    if (!u->have_cur) return AS_OK;
    sqlite3_bind_int64(u->q[U_MARK], 1, ex);
    return step_done(u, U_MARK, "matching examples", err);
}

static as_rc put_example(upload_ctx *u, as_upload_action action,
                         const as_example_in *in, as_err *err) {
    ex_text t = { 0 };
    as_rc rc = as_dataset_content_hash(in->input, in->output, in->metadata, t.hash, err);
    if (rc != AS_OK) return rc;
    rc = text_of(in->input, &t.input, err);
    if (rc == AS_OK) rc = text_of(in->output, &t.output, err);
    if (rc == AS_OK) rc = text_of(in->metadata, &t.metadata, err);
    if (rc != AS_OK) {
        ex_text_free(&t);
        return rc;
    }
    if (action != AS_UPLOAD_CREATE && in->external_id) {
        sqlite3_stmt *q = u->q[U_FIND_EXT];
        sqlite3_bind_int64(q, 1, u->ds);
        sqlite3_bind_text(q, 2, in->external_id, -1, SQLITE_STATIC);
        int r = sqlite3_step(q);
        int64_t ex = 0;
        bool deleted = false, same = false;
        if (r == SQLITE_ROW) {
            ex = sqlite3_column_int64(q, 0);
            deleted = strcmp((const char *)sqlite3_column_text(q, 1), "DELETE") == 0;
            same = strcmp((const char *)sqlite3_column_text(q, 2), t.hash) == 0;
        } else if (r != SQLITE_DONE) {
            rc = sq_error(u->db, err, "finding example by id");
        }
        sqlite3_reset(q);
        if (rc == AS_OK && ex) {
            /* an id seen twice in one upload: its revision of this
             * version exists already (or it was matched unchanged) */
            rc = mark(u, ex, err);
            if (rc == AS_OK && deleted) {
                rc = write_revision(u, ex, &t, "CREATE", err);
                if (rc == AS_OK) u->res->created++;
            } else if (rc == AS_OK && !same) {
                rc = write_revision(u, ex, &t, "PATCH", err);
                if (rc == AS_OK) u->res->updated++;
            }
            if (rc == AS_EUNPROCESSABLE)
                as_err_set(err, AS_EUNPROCESSABLE, "example id '%.100s' appears twice",
                           in->external_id);
            if (rc == AS_OK) rc = set_splits(u, ex, in->splits, true, err);
            ex_text_free(&t);
            return rc;
        }
        if (rc != AS_OK) { ex_text_free(&t); return rc; }
    } else if (action == AS_UPLOAD_UPDATE && u->have_cur && !in->external_id) {
        sqlite3_stmt *q = u->q[U_FIND_HASH];
        sqlite3_bind_text(q, 1, t.hash, -1, SQLITE_STATIC);
        int r = sqlite3_step(q);
        int64_t ex = r == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
        sqlite3_reset(q);
        if (r != SQLITE_ROW && r != SQLITE_DONE) rc = sq_error(u->db, err, "matching examples");
        else if (ex) {
            rc = mark(u, ex, err);
            if (rc == AS_OK) rc = set_splits(u, ex, in->splits, true, err);
            ex_text_free(&t);
            return rc;
        }
        if (rc != AS_OK) { ex_text_free(&t); return rc; }
    }
    rc = create_example(u, in, &t, err);
    ex_text_free(&t);
    return rc;
}

/* update: every current example nobody matched gets a DELETE revision. */
static as_rc delete_unmatched(upload_ctx *u, as_err *err) {
    sqlite3_stmt *q;
    as_rc rc = sq_prepare(u->db, "SELECT count(*) FROM temp.ds_cur WHERE matched = 0", &q, err);
    if (rc != AS_OK) return rc;
    int64_t n = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
    sqlite3_finalize(q);
    if (n == 0) return AS_OK;
    if ((rc = version(u, err)) != AS_OK) return rc;
    rc = sq_prepare(u->db,
        "INSERT INTO dataset_example_revisions(example_id, version_id, input, output, "
        "metadata, content_hash, kind, created_at) "
        "SELECT c.example_id, ?1, r.input, r.output, r.metadata, r.content_hash, "
        "'DELETE', ?2 FROM temp.ds_cur c "
        "JOIN dataset_example_revisions r ON r.id = c.revision_id WHERE c.matched = 0",
        &q, err);
    if (rc != AS_OK) return rc;
    sqlite3_bind_int64(q, 1, u->ver);
    sqlite3_bind_int64(q, 2, u->now);
    if (sqlite3_step(q) != SQLITE_DONE) rc = sq_error(u->db, err, "deleting examples");
    else u->res->deleted = sqlite3_changes(u->db);
    sqlite3_finalize(q);
    return rc;
}

/* Find or create the dataset according to the action. */
static as_rc open_dataset(upload_ctx *u, const as_dataset_upload *up, bool *existed,
                          as_err *err) {
    sqlite3_stmt *q;
    as_rc rc = sq_prepare(u->db,
        "SELECT id, coalesce((SELECT max(v.id) FROM dataset_versions v "
        "WHERE v.dataset_id = datasets.id), 0) FROM datasets WHERE name = ?1", &q, err);
    if (rc != AS_OK) return rc;
    sqlite3_bind_text(q, 1, up->name, -1, SQLITE_STATIC);
    int r = sqlite3_step(q);
    if (r == SQLITE_ROW) {
        u->ds = sqlite3_column_int64(q, 0);
        u->latest = sqlite3_column_int64(q, 1);
    } else if (r != SQLITE_DONE) {
        rc = sq_error(u->db, err, "finding dataset");
    }
    sqlite3_finalize(q);
    if (rc != AS_OK) return rc;
    *existed = u->ds != 0;
    if (u->ds && up->action == AS_UPLOAD_CREATE)
        return as_err_set(err, AS_ECONFLICT, "a dataset named '%.200s' already exists",
                          up->name);
    if (!u->ds && up->action == AS_UPLOAD_APPEND)
        return as_err_set(err, AS_ENOTFOUND, "dataset '%.200s' not found", up->name);
    if (u->ds) {
        if (!up->description) return AS_OK;
        rc = sq_prepare(u->db, "UPDATE datasets SET description = ?2 WHERE id = ?1", &q, err);
        if (rc != AS_OK) return rc;
        sqlite3_bind_int64(q, 1, u->ds);
        sqlite3_bind_text(q, 2, up->description, -1, SQLITE_STATIC);
        if (sqlite3_step(q) != SQLITE_DONE) rc = sq_error(u->db, err, "updating dataset");
        sqlite3_finalize(q);
        return rc;
    }
    rc = sq_prepare(u->db, "INSERT INTO datasets(name, description, created_at, updated_at) "
                           "VALUES(?1, ?2, ?3, ?3)", &q, err);
    if (rc != AS_OK) return rc;
    sqlite3_bind_text(q, 1, up->name, -1, SQLITE_STATIC);
    if (up->description) sqlite3_bind_text(q, 2, up->description, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 3, u->now);
    if (sqlite3_step(q) != SQLITE_DONE) rc = sq_error(u->db, err, "creating dataset");
    else u->ds = sqlite3_last_insert_rowid(u->db);
    sqlite3_finalize(q);
    return rc;
}

/* After a change: the dataset's updated_at, the new version's example
 * count (the previous version's plus the examples created minus those
 * deleted; counted in full when there is no previous count), and its
 * description when one is given. */
static as_rc touch(upload_ctx *u, const char *description, as_err *err) {
    sqlite3_stmt *q;
    as_rc rc = sq_prepare(u->db, "UPDATE datasets SET updated_at = ?2 WHERE id = ?1", &q, err);
    if (rc != AS_OK) return rc;
    sqlite3_bind_int64(q, 1, u->ds);
    sqlite3_bind_int64(q, 2, u->now);
    if (sqlite3_step(q) != SQLITE_DONE) rc = sq_error(u->db, err, "updating dataset");
    sqlite3_finalize(q);
    if (rc != AS_OK) return rc;
    rc = sq_prepare(u->db,
        "UPDATE dataset_versions SET example_count = coalesce("
        "  (SELECT example_count FROM dataset_versions WHERE id = ?3) + ?4, "
        "  (SELECT count(*) FROM (" SQ_EXAMPLES_AT("?1", "?2") "))) WHERE id = ?2", &q, err);
    if (rc != AS_OK) return rc;
    sqlite3_bind_int64(q, 1, u->ds);
    sqlite3_bind_int64(q, 2, u->ver);
    sqlite3_bind_int64(q, 3, u->latest);
    sqlite3_bind_int64(q, 4, u->res->created - u->res->deleted);
    if (sqlite3_step(q) != SQLITE_DONE) rc = sq_error(u->db, err, "counting examples");
    sqlite3_finalize(q);
    if (rc != AS_OK || !description) return rc;
    rc = sq_prepare(u->db, "UPDATE dataset_versions SET description = ?2 WHERE id = ?1", &q, err);
    if (rc != AS_OK) return rc;
    sqlite3_bind_int64(q, 1, u->ver);
    sqlite3_bind_text(q, 2, description, -1, SQLITE_STATIC);
    if (sqlite3_step(q) != SQLITE_DONE) rc = sq_error(u->db, err, "describing version");
    sqlite3_finalize(q);
    return rc;
}

static as_rc upload_body(upload_ctx *u, const as_dataset_upload *up, as_err *err) {
    bool existed = false;
    as_rc rc = open_dataset(u, up, &existed, err);
    for (int k = 0; rc == AS_OK && k < U__COUNT; k++)
        if (k != U_FIND_HASH && k != U_MARK) rc = sq_prepare(u->db, upload_sql[k], &u->q[k], err);
    if (rc == AS_OK && existed && up->action == AS_UPLOAD_UPDATE) {
        rc = load_current(u, err);
        if (rc == AS_OK) rc = sq_prepare(u->db, upload_sql[U_FIND_HASH], &u->q[U_FIND_HASH], err);
        if (rc == AS_OK) rc = sq_prepare(u->db, upload_sql[U_MARK], &u->q[U_MARK], err);
    }
    for (uint64_t i = 0; rc == AS_OK; i++) {
        as_example_in in = { 0 };
        bool end = false;
        rc = up->next(up->ud, &in, &end, err);
        if (rc != AS_OK || end) break;
        if ((in.input && !json_is_object(in.input)) || (in.output && !json_is_object(in.output)) ||
            (in.metadata && !json_is_object(in.metadata)))
            rc = as_err_set(err, AS_EUNPROCESSABLE,
                            "input, output and metadata must be JSON objects");
        else
            rc = put_example(u, up->action, &in, err);
        /* the source's own errors name their place (file and line) */
        if (rc != AS_OK && rc != AS_EDB) as_err_prefix(err, "example %llu: ", (unsigned long long)i);
    }
    if (rc == AS_OK && u->have_cur) rc = delete_unmatched(u, err);
    if (rc == AS_OK && u->ver) rc = touch(u, NULL, err);
    return rc;
}

static as_rc sq_dataset_upload(as_store *st, const as_dataset_upload *up,
                               as_upload_result *res, as_err *err) {
    memset(res, 0, sizeof(*res));
    sq_store *s = SQ(st);
    upload_ctx u = { .db = sq_acquire(s), .now = as_now_ns(), .res = res };
    as_rc rc = sq_exec(u.db, "BEGIN IMMEDIATE", err);
    if (rc == AS_OK) {
        rc = upload_body(&u, up, err);
        for (int k = 0; k < U__COUNT; k++) sqlite3_finalize(u.q[k]);
        if (u.have_cur) sq_exec(u.db, "DELETE FROM temp.ds_cur", NULL);
        if (rc == AS_OK) rc = sq_exec(u.db, "COMMIT", err);
        if (rc != AS_OK) sq_exec(u.db, "ROLLBACK", NULL);
    }
    sq_release(s, u.db);
    if (rc == AS_OK) {
        res->dataset_id = u.ds;
        res->version_id = u.ver ? u.ver : u.latest;
    } else {
        memset(res, 0, sizeof(*res));
    }
    return rc;
}

/* ---- editing one example -------------------------------------------- */

/* The example's current content: its revision at the latest version. */
static as_rc current_content(upload_ctx *u, int64_t ex, json_t *cur[3], as_err *err) {
    sqlite3_stmt *q;
    as_rc rc = sq_prepare(u->db,
        "SELECT r.input, r.output, r.metadata FROM (" SQ_EXAMPLES_AT("?1", "?2") ") x "
        "JOIN dataset_example_revisions r ON r.id = x.revision_id WHERE x.example_id = ?3",
        &q, err);
    if (rc != AS_OK) return rc;
    sqlite3_bind_int64(q, 1, u->ds);
    sqlite3_bind_int64(q, 2, u->latest);
    sqlite3_bind_int64(q, 3, ex);
    int r = sqlite3_step(q);
    if (r == SQLITE_ROW) {
        for (int i = 0; i < 3; i++) {
            cur[i] = json_loads((const char *)sqlite3_column_text(q, i), 0, NULL);
            if (!json_is_object(cur[i])) rc = as_err_set(err, AS_EDB, "example %lld: "
                                                         "stored content is not an object",
                                                         (long long)ex);
        }
    } else if (r == SQLITE_DONE) {
        rc = as_err_set(err, AS_ENOTFOUND, "example %lld is not in the latest version of "
                        "dataset %lld", (long long)ex, (long long)u->ds);
    } else {
        rc = sq_error(u->db, err, "reading example");
    }
    sqlite3_finalize(q);
    return rc;
}

static as_rc edit_body(upload_ctx *u, int64_t ex, const as_example_edit *e, as_err *err) {
    as_rc rc = resolve_version(u->db, u->ds, 0, &u->latest, err);
    if (rc != AS_OK) return rc;
    json_t *cur[3] = { NULL, NULL, NULL };
    rc = current_content(u, ex, cur, err);
    ex_text t = { 0 };
    const json_t *in = e->input ? e->input : cur[0];
    const json_t *out = e->output ? e->output : cur[1];
    const json_t *meta = e->metadata ? e->metadata : cur[2];
    if (rc == AS_OK) rc = as_dataset_content_hash(in, out, meta, t.hash, err);
    if (rc == AS_OK) rc = text_of(in, &t.input, err);
    if (rc == AS_OK) rc = text_of(out, &t.output, err);
    if (rc == AS_OK) rc = text_of(meta, &t.metadata, err);
    if (rc == AS_OK) rc = sq_prepare(u->db, upload_sql[U_INS_REV], &u->q[U_INS_REV], err);
    if (rc == AS_OK && e->remove) {
        rc = write_revision(u, ex, &t, "DELETE", err);
        if (rc == AS_OK) u->res->deleted = 1;
    } else if (rc == AS_OK) {
        json_t *old = json_pack("{s:O,s:O,s:O}", "input", cur[0], "output", cur[1],
                                "metadata", cur[2]);
        json_t *now = json_pack("{s:O,s:O,s:O}", "input", in, "output", out,
                                "metadata", meta);
        bool same = old && now && json_equal(old, now);
        json_decref(old);
        json_decref(now);
        if (!same) {
            rc = write_revision(u, ex, &t, "PATCH", err);
            if (rc == AS_OK) u->res->updated = 1;
        }
        if (rc == AS_OK && e->splits) {
            for (int k = U_SPLIT_ENSURE; rc == AS_OK && k <= U_SPLIT_CLEAR; k++)
                rc = sq_prepare(u->db, upload_sql[k], &u->q[k], err);
            /* a split change alone makes a version too: splits are part of
             * what a version shows */
            if (rc == AS_OK) rc = version(u, err);
            if (rc == AS_OK && json_is_null(e->splits)) {
                sqlite3_bind_int64(u->q[U_SPLIT_CLEAR], 1, ex);
                rc = step_done(u, U_SPLIT_CLEAR, "clearing splits", err);
            } else if (rc == AS_OK) {
                rc = set_splits(u, ex, e->splits, true, err);
            }
            if (rc == AS_OK && !u->res->updated) u->res->updated = 1;
        }
    }
    if (rc == AS_OK && u->ver) rc = touch(u, e->description, err);
    ex_text_free(&t);
    for (int i = 0; i < 3; i++) json_decref(cur[i]);
    return rc;
}

static as_rc sq_example_edit(as_store *st, int64_t ds, int64_t ex,
                             const as_example_edit *e, as_upload_result *res,
                             as_err *err) {
    memset(res, 0, sizeof(*res));
    sq_store *s = SQ(st);
    upload_ctx u = { .db = sq_acquire(s), .now = as_now_ns(), .ds = ds, .res = res };
    as_rc rc = sq_tx_begin(u.db, err);
    if (rc == AS_OK) {
        rc = edit_body(&u, ex, e, err);
        for (int k = 0; k < U__COUNT; k++) sqlite3_finalize(u.q[k]);
        rc = sq_tx_end(u.db, rc, err);
    }
    sq_release(s, u.db);
    if (rc == AS_OK) {
        res->dataset_id = ds;
        res->version_id = u.ver ? u.ver : u.latest;
    } else {
        memset(res, 0, sizeof(*res));
    }
    return rc;
}

/* ---- spans as sources ------------------------------------------------ */

static as_rc sq_span_sources(as_store *st, const int64_t *rowids, size_t n,
                             json_t **rows, as_err *err) {
    sq_store *s = SQ(st);
    sqlite3 *db = sq_acquire(s);
    sqlite3_stmt *q;
    *rows = json_array();
    as_rc rc = sq_prepare(db,
        "SELECT s.id, s.span_id, t.trace_id, s.name, s.span_kind, s.attributes "
        "FROM spans s JOIN traces t ON t.id = s.trace_rowid WHERE s.id = ?1", &q, err);
    for (size_t i = 0; rc == AS_OK && i < n; i++) {
        sqlite3_bind_int64(q, 1, rowids[i]);
        int r = sqlite3_step(q);
        if (r == SQLITE_ROW) {
            uint64_t sid = (uint64_t)sqlite3_column_int64(q, 1);
            uint8_t b[8];
            for (int k = 0; k < 8; k++) b[k] = (uint8_t)(sid >> (56 - 8 * k));
            char shex[17], thex[33] = "";
            as_hex_encode(b, 8, shex);
            if (sqlite3_column_bytes(q, 2) == 16)
                as_hex_encode(sqlite3_column_blob(q, 2), 16, thex);
            json_array_append_new(*rows, json_pack("{s:I, s:s, s:s, s:o, s:o, s:o}",
                "id", (json_int_t)sqlite3_column_int64(q, 0), "span_id", shex,
                "trace_id", thex, "name", sq_col_text(q, 3),
                "span_kind", sq_col_text(q, 4), "attributes", sq_col_json(q, 5)));
        } else if (r != SQLITE_DONE) {
            rc = sq_error(db, err, "reading spans");
        }
        sqlite3_reset(q);
    }
    sqlite3_finalize(q);
    sq_release(s, db);
    if (rc != AS_OK) { json_decref(*rows); *rows = NULL; }
    return rc;
}

const struct as_dataset_ops sq_dataset_ops = {
    .name = "sqlite",
    .get = sq_dataset_get,
    .examples = sq_dataset_examples,
    .examples_each = sq_examples_each,
    .list = sq_dataset_list,
    .del = sq_dataset_delete,
    .versions = sq_dataset_versions,
    .upload = sq_dataset_upload,
    .example_edit = sq_example_edit,
    .span_sources = sq_span_sources,
    .label_list = sq_label_list,
    .label_create = sq_label_create,
    .label_get = sq_label_get,
    .label_delete = sq_label_delete,
    .set_labels = sq_set_labels,
};
