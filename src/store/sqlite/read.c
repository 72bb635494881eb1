/*
 * read.c - span, trace and session queries of the SQLite backend.
 *
 * Queries are assembled from fixed fragments into an as_buf with '?'
 * placeholders; every value from a request is a bound parameter (sql.h).
 * Pagination is keyset-based: a page asks for limit+1 rows and the extra
 * row says whether there is a next page; the REST layer makes the cursor.
 */
#include <stdlib.h>
#include <string.h>

#include "assay/alloc.h"
#include "assay/hex.h"
#include "sqlite_int.h"

static void hex_id(int64_t v, char out[17]) {
    uint8_t b[8];
    for (int i = 7; i >= 0; i--) { b[i] = (uint8_t)(v & 0xff); v = (int64_t)((uint64_t)v >> 8); }
    as_hex_encode(b, 8, out);
}

bool sq_span_id_parse(const char *s, int64_t *v) {
    if (strlen(s) != 16) return false;
    uint8_t b[8];
    if (!as_hex_decode(s, strlen(s), b, 8)) return false;
    uint64_t x = 0;
    for (int i = 0; i < 8; i++) x = x << 8 | b[i];
    *v = (int64_t)x;
    return true;
}

static json_t *col_hex_id(sqlite3_stmt *q, int i) {
    if (sqlite3_column_type(q, i) == SQLITE_NULL) return json_null();
    char h[17];
    hex_id(sqlite3_column_int64(q, i), h);
    return json_string(h);
}

static json_t *col_trace_hex(sqlite3_stmt *q, int i) {
    char h[33];
    const void *b = sqlite3_column_blob(q, i);
    if (!b || sqlite3_column_bytes(q, i) != 16) return json_null();
    as_hex_encode(b, 16, h);
    return json_string(h);
}

/* Run a built query, appending row_fn(row) for up to limit rows. */
typedef json_t *(*row_fn)(sqlite3_stmt *);
static as_rc run_rows(sq_store *s, const as_buf *sql, const as_sql_params *p,
                      int limit, row_fn fn, json_t **rows, bool *has_next,
                      as_err *err) {
    sqlite3 *db = sq_acquire(s);
    sqlite3_stmt *q;
    *rows = json_array();
    if (has_next) *has_next = false;
    as_rc rc = AS_OK;
    if (sqlite3_prepare_v2(db, sql->data, (int)sql->len, &q, NULL) != SQLITE_OK) {
        rc = sq_error(db, err, "preparing query");
        sq_release(s, db);
        return rc;
    }
    sq_bind_params(q, p);
    int r, count = 0;
    while ((r = sqlite3_step(q)) == SQLITE_ROW) {
        if (limit >= 0 && count == limit) { if (has_next) *has_next = true; break; }
        json_array_append_new(*rows, fn(q));
        count++;
    }
    if (r != SQLITE_ROW && r != SQLITE_DONE) rc = sq_error(db, err, "running query");
    sqlite3_finalize(q);
    sq_release(s, db);
    return rc;
}

/* "AND col IN (?, ?, ...)" for a text list. */
static void in_text(as_buf *sql, as_sql_params *p, const char *col,
                    const as_str_list *l) {
    if (!l->n) return;
    as_buf_printf(sql, " AND %s IN (", col);
    for (size_t i = 0; i < l->n; i++) {
        as_buf_puts(sql, i ? ", ?" : "?");
        as_sql_params_text(p, l->v[i], strlen(l->v[i]));
    }
    as_buf_putc(sql, ')');
}

/* ---- spans ------------------------------------------------------------ */

#define SPAN_COLS                                                          \
    "s.id, s.trace_rowid, t.trace_id, s.span_id, s.parent_id, s.name, "    \
    "s.span_kind, s.otel_kind, s.start_time, s.end_time, s.latency_ms, "   \
    "s.status_code, s.status_message, s.attributes, s.events, s.links, "   \
    "s.cumulative_error_count, s.cumulative_llm_token_count_prompt, "     \
    "s.cumulative_llm_token_count_completion, s.cost"

static json_t *span_row(sqlite3_stmt *q) {
    json_t *links = sq_col_json(q, 15);
    if (json_is_null(links)) { json_decref(links); links = json_array(); }
    json_t *cost = sqlite3_column_type(q, 19) == SQLITE_NULL
                       ? json_null() : json_real(sqlite3_column_double(q, 19));
    return json_pack(
        "{s:I, s:I, s:o, s:o, s:o, s:o, s:o, s:i, s:I, s:I, s:f, s:o, s:o,"
        " s:o, s:o, s:o, s:I, s:I, s:I, s:o}",
        "id", (json_int_t)sqlite3_column_int64(q, 0),
        "trace_rowid", (json_int_t)sqlite3_column_int64(q, 1),
        "trace_id", col_trace_hex(q, 2),
        "span_id", col_hex_id(q, 3),
        "parent_id", col_hex_id(q, 4),
        "name", sq_col_text(q, 5),
        "span_kind", sq_col_text(q, 6),
        "otel_kind", sqlite3_column_int(q, 7),
        "start_time", (json_int_t)sqlite3_column_int64(q, 8),
        "end_time", (json_int_t)sqlite3_column_int64(q, 9),
        "latency_ms", sqlite3_column_double(q, 10),
        "status_code", sq_col_text(q, 11),
        "status_message", sq_col_text(q, 12),
        "attributes", sq_col_json(q, 13),
        "events", sq_col_json(q, 14),
        "links", links,
        "cumulative_error_count", (json_int_t)sqlite3_column_int64(q, 16),
        "cumulative_token_count_prompt", (json_int_t)sqlite3_column_int64(q, 17),
        "cumulative_token_count_completion", (json_int_t)sqlite3_column_int64(q, 18),
        "cost", cost);
}

/* Columns the filter language knows by name (docs/filter.md). */
static const as_filter_column span_columns[] = {
    { "name", "s.name", AS_COL_TEXT },
    { "span_kind", "s.span_kind", AS_COL_TEXT },
    { "status_code", "s.status_code", AS_COL_TEXT },
    { "status_message", "s.status_message", AS_COL_TEXT },
    { "latency_ms", "s.latency_ms", AS_COL_NUMBER },
    { "start_time", "s.start_time", AS_COL_NUMBER },
    { "end_time", "s.end_time", AS_COL_NUMBER },
    { "model_name", "s.model_name", AS_COL_TEXT },
    { "session_id", "s.session_id", AS_COL_TEXT },
    { "user_id", "s.user_id", AS_COL_TEXT },
    { "cumulative_error_count", "s.cumulative_error_count", AS_COL_NUMBER },
    { "cumulative_token_count_prompt", "s.cumulative_llm_token_count_prompt", AS_COL_NUMBER },
    { "cumulative_token_count_completion", "s.cumulative_llm_token_count_completion", AS_COL_NUMBER },
    { "cumulative_token_count_total",
      "(s.cumulative_llm_token_count_prompt + s.cumulative_llm_token_count_completion)",
      AS_COL_NUMBER },
    /* Phoenix's names for the same columns */
    { "cumulative_token_count.prompt", "s.cumulative_llm_token_count_prompt", AS_COL_NUMBER },
    { "cumulative_token_count.completion", "s.cumulative_llm_token_count_completion", AS_COL_NUMBER },
    { "cumulative_token_count.total",
      "(s.cumulative_llm_token_count_prompt + s.cumulative_llm_token_count_completion)",
      AS_COL_NUMBER },
    { "cumulative_llm_token_count_prompt", "s.cumulative_llm_token_count_prompt", AS_COL_NUMBER },
    { "cumulative_llm_token_count_completion", "s.cumulative_llm_token_count_completion", AS_COL_NUMBER },
    { "cumulative_llm_token_count_total",
      "(s.cumulative_llm_token_count_prompt + s.cumulative_llm_token_count_completion)",
      AS_COL_NUMBER },
    { "span_id", "printf('%016x', s.span_id)", AS_COL_TEXT },
    { "context.span_id", "printf('%016x', s.span_id)", AS_COL_TEXT },
    { "parent_id", "(CASE WHEN s.parent_id IS NULL THEN NULL ELSE printf('%016x', s.parent_id) END)",
      AS_COL_TEXT },
    { "trace_id", "lower(hex(t.trace_id))", AS_COL_TEXT },
    { "context.trace_id", "lower(hex(t.trace_id))", AS_COL_TEXT },
};

/* Trace ids (hex) -> trace rowids through the unique index. */
static as_rc trace_rowids(sq_store *s, const as_str_list *ids, as_buf *sql,
                          as_sql_params *p, as_err *err) {
    sqlite3 *db = sq_acquire(s);
    sqlite3_stmt *q;
    as_rc rc = sq_prepare(db, "SELECT id FROM traces WHERE trace_id = ?", &q, err);
    as_buf_puts(sql, " AND s.trace_rowid IN (-1");
    for (size_t i = 0; i < ids->n && rc == AS_OK; i++) {
        uint8_t b[16];
        if (!as_hex_decode(ids->v[i], strlen(ids->v[i]), b, 16)) {
            rc = as_err_set(err, AS_EINVAL, "trace_id '%s' is not 32 hex characters",
                            ids->v[i]);
            break;
        }
        sqlite3_bind_blob(q, 1, b, 16, SQLITE_TRANSIENT);
        if (sqlite3_step(q) == SQLITE_ROW) {
            as_buf_puts(sql, ", ?");
            as_sql_params_int(p, sqlite3_column_int64(q, 0));
        }
        sqlite3_reset(q);
    }
    as_buf_putc(sql, ')');
    sqlite3_finalize(q);
    sq_release(s, db);
    return rc;
}

static as_rc span_ids_in(const char *col, const as_str_list *l, as_buf *sql,
                         as_sql_params *p, bool allow_null, as_err *err) {
    bool want_null = false;
    as_buf_printf(sql, " AND (%s IN (-1", col);
    for (size_t i = 0; i < l->n; i++) {
        int64_t v;
        if (allow_null && strcmp(l->v[i], "null") == 0) { want_null = true; continue; }
        if (!sq_span_id_parse(l->v[i], &v))
            return as_err_set(err, AS_EINVAL, "span id '%s' is not 16 hex characters",
                              l->v[i]);
        as_buf_puts(sql, ", ?");
        as_sql_params_int(p, v);
    }
    as_buf_putc(sql, ')');
    if (want_null) as_buf_printf(sql, " OR %s IS NULL", col);
    as_buf_putc(sql, ')');
    return AS_OK;
}

static as_rc bind_json_value(as_buf *sql, as_sql_params *p, const json_t *v,
                             as_err *err) {
    switch (json_typeof(v)) {
    case JSON_STRING: as_buf_puts(sql, " = ?"); as_sql_params_text(p, json_string_value(v), json_string_length(v)); break;
    case JSON_INTEGER: as_buf_puts(sql, " = ?"); as_sql_params_int(p, json_integer_value(v)); break;
    case JSON_REAL: as_buf_puts(sql, " = ?"); as_sql_params_real(p, json_real_value(v)); break;
    case JSON_TRUE: as_buf_puts(sql, " = 1"); break;
    case JSON_FALSE: as_buf_puts(sql, " = 0"); break;
    case JSON_NULL: as_buf_puts(sql, " IS NULL"); break;
    default: return as_err_set(err, AS_EINVAL, "attribute filter values must be scalars");
    }
    return AS_OK;
}

as_rc sq_span_query(as_store *st, const as_span_query *qr, json_t **rows,
                    bool *has_next, int64_t *next_start, int64_t *next_id,
                    as_err *err) {
    sq_store *s = SQ(st);
    as_buf sql;
    as_sql_params p;
    as_buf_init(&sql, 1 << 20);
    as_sql_params_init(&p);
    as_rc rc = AS_OK;
    *rows = NULL;
    /* With trace ids the trace index is the way in; the unary + keeps the
     * planner from walking the whole project in time order instead.
     * Sorted by latency, the page's ids are chosen first by a query that
     * the covering index ix_spans_project_time (project, start, end,
     * parent) answers alone when no other column is filtered on; only the
     * page's rows are then read whole (1 M spans: ~0.15 s instead of ~2 s). */
    as_buf_puts(&sql, "SELECT " SPAN_COLS " FROM spans s JOIN traces t ON "
                      "t.id = s.trace_rowid WHERE ");
    if (qr->sort_latency) as_buf_puts(&sql, "s.id IN (SELECT s.id FROM spans s WHERE ");
    as_buf_puts(&sql, qr->trace_ids.n ? "+s.project_id = ?" : "s.project_id = ?");
    as_sql_params_int(&p, qr->project_id);
    if (qr->start_ns) { as_buf_puts(&sql, " AND s.start_time >= ?"); as_sql_params_int(&p, qr->start_ns); }
    if (qr->end_ns) { as_buf_puts(&sql, " AND s.start_time < ?"); as_sql_params_int(&p, qr->end_ns); }
    if (qr->trace_ids.n) rc = trace_rowids(s, &qr->trace_ids, &sql, &p, err);
    if (rc == AS_OK && qr->span_ids.n)
        rc = span_ids_in("s.span_id", &qr->span_ids, &sql, &p, false, err);
    if (rc == AS_OK && qr->parent_ids.n)
        rc = span_ids_in("s.parent_id", &qr->parent_ids, &sql, &p, true, err);
    in_text(&sql, &p, "s.name", &qr->names);
    in_text(&sql, &p, "s.span_kind", &qr->kinds);
    in_text(&sql, &p, "s.status_code", &qr->status_codes);
    for (size_t i = 0; i < qr->attr_keys.n && rc == AS_OK; i++) {
        char *key = as_xstrdup(qr->attr_keys.v[i]);
        const char *seg[64];
        size_t nseg = 0;
        for (char *tok = strtok(key, "."); tok && nseg < 64; tok = strtok(NULL, "."))
            seg[nseg++] = tok;
        as_buf_puts(&sql, " AND ");
        rc = as_sqlite_dialect.json_value(&sql, &p, "s.attributes", seg, nseg);
        if (rc == AS_OK) rc = bind_json_value(&sql, &p, qr->attr_values[i], err);
        free(key);
    }
    if (rc == AS_OK && qr->filter) {
        as_buf_puts(&sql, " AND ");
        rc = as_filter_to_sql(qr->filter, &as_sqlite_dialect, span_columns,
                              AS_ARRAY_LEN(span_columns), "s.attributes", &sql,
                              &p, err);
    }
    /* keyset pagination on (key, id) in the order asked for */
    const char *key = qr->sort_latency ? "(s.end_time - s.start_time)" : "s.start_time";
    const char *cmp = qr->ascending ? ">" : "<", *dir = qr->ascending ? "ASC" : "DESC";
    if (rc == AS_OK && qr->cursor_id) {
        as_buf_printf(&sql, " AND (%s %s ? OR (%s = ? AND s.id %s ?))", key, cmp, key, cmp);
        as_sql_params_int(&p, qr->cursor_start);
        as_sql_params_int(&p, qr->cursor_start);
        as_sql_params_int(&p, qr->cursor_id);
    }
    if (rc == AS_OK) {
        as_buf_printf(&sql, " ORDER BY %s %s, s.id %s LIMIT %d", key, dir, dir, qr->limit + 1);
        if (qr->sort_latency)
            as_buf_printf(&sql, ") ORDER BY %s %s, s.id %s", key, dir, dir);
        rc = run_rows(s, &sql, &p, qr->limit, span_row, rows, has_next, err);
    }
    if (rc == AS_OK && *has_next) {
        json_t *last = json_array_get(*rows, json_array_size(*rows) - 1);
        int64_t start = json_integer_value(json_object_get(last, "start_time"));
        *next_start = qr->sort_latency
            ? json_integer_value(json_object_get(last, "end_time")) - start : start;
        *next_id = json_integer_value(json_object_get(last, "id"));
    }
    as_buf_release(&sql);
    as_sql_params_release(&p);
    return rc;
}

/* ---- traces ------------------------------------------------------------ */

/* A trace's totals are its own columns (migration 9, kept by the writer). */
#define TRACE_COLS                                                           \
    "t.id, t.trace_id, t.project_id, t.session_rowid, t.start_time, "        \
    "t.end_time, (t.end_time - t.start_time) / 1e6, t.prompt_tokens, "       \
    "t.completion_tokens, t.error_count, t.span_count, t.cost"

static json_t *trace_row(sqlite3_stmt *q) {
    int64_t prompt = sqlite3_column_int64(q, 7), completion = sqlite3_column_int64(q, 8);
    json_t *sess = sqlite3_column_type(q, 3) == SQLITE_NULL
                       ? json_null() : json_integer(sqlite3_column_int64(q, 3));
    return json_pack("{s:I, s:o, s:I, s:o, s:I, s:I, s:f, s:I, s:I, s:I, s:I, s:I, s:o}",
                     "id", (json_int_t)sqlite3_column_int64(q, 0),
                     "trace_id", col_trace_hex(q, 1),
                     "project_id", (json_int_t)sqlite3_column_int64(q, 2),
                     "session_rowid", sess,
                     "start_time", (json_int_t)sqlite3_column_int64(q, 4),
                     "end_time", (json_int_t)sqlite3_column_int64(q, 5),
                     "latency_ms", sqlite3_column_double(q, 6),
                     "token_count_prompt", (json_int_t)prompt,
                     "token_count_completion", (json_int_t)completion,
                     "token_count_total", (json_int_t)(prompt + completion),
                     "error_count", (json_int_t)sqlite3_column_int64(q, 9),
                     "span_count", (json_int_t)sqlite3_column_int64(q, 10),
                     "cost", sqlite3_column_type(q, 11) == SQLITE_NULL
                                 ? json_null() : json_real(sqlite3_column_double(q, 11)));
}

as_rc sq_trace_query(as_store *st, const as_trace_query *qr, json_t **rows,
                     bool *has_next, as_err *err) {
    sq_store *s = SQ(st);
    as_buf sql;
    as_sql_params p;
    as_buf_init(&sql, 1 << 20);
    as_sql_params_init(&p);
    as_buf_puts(&sql, "SELECT " TRACE_COLS " FROM traces t WHERE t.project_id = ?");
    as_sql_params_int(&p, qr->project_id);
    if (qr->start_ns) { as_buf_puts(&sql, " AND t.start_time >= ?"); as_sql_params_int(&p, qr->start_ns); }
    if (qr->end_ns) { as_buf_puts(&sql, " AND t.start_time < ?"); as_sql_params_int(&p, qr->end_ns); }
    if (qr->session_ids.n) {
        /* session.id strings, or GlobalIDs (ProjectSession:N) */
        as_buf_puts(&sql, " AND t.session_rowid IN (SELECT id FROM project_sessions WHERE session_id IN (");
        for (size_t i = 0; i < qr->session_ids.n; i++) {
            as_buf_puts(&sql, i ? ", ?" : "?");
            as_sql_params_text(&p, qr->session_ids.v[i], strlen(qr->session_ids.v[i]));
        }
        as_buf_puts(&sql, ") OR id IN (-1");
        for (size_t i = 0; i < qr->session_ids.n; i++) {
            int64_t rowid;
            if (!as_globalid_decode(qr->session_ids.v[i], "ProjectSession", &rowid)) continue;
            as_buf_puts(&sql, ", ?");
            as_sql_params_int(&p, rowid);
        }
        as_buf_puts(&sql, "))");
    }
    const char *key = qr->sort_latency ? "(t.end_time - t.start_time)" : "t.start_time";
    const char *cmp = qr->ascending ? ">" : "<";
    if (qr->cursor_id) {
        as_buf_printf(&sql, " AND (%s %s ? OR (%s = ? AND t.id %s ?))", key, cmp, key, cmp);
        as_sql_params_int(&p, qr->cursor_key);
        as_sql_params_int(&p, qr->cursor_key);
        as_sql_params_int(&p, qr->cursor_id);
    }
    const char *dir = qr->ascending ? "ASC" : "DESC";
    as_buf_printf(&sql, " ORDER BY %s %s, t.id %s LIMIT %d", key, dir, dir, qr->limit + 1);
    as_rc rc = run_rows(s, &sql, &p, qr->limit, trace_row, rows, has_next, err);
    as_buf_release(&sql);
    as_sql_params_release(&p);
    return rc;
}

static json_t *light_span_row(sqlite3_stmt *q) {
    return json_pack("{s:I, s:o, s:o, s:o, s:o, s:o, s:I, s:I}",
                     "id", (json_int_t)sqlite3_column_int64(q, 0),
                     "span_id", col_hex_id(q, 1),
                     "parent_id", col_hex_id(q, 2),
                     "name", sq_col_text(q, 3),
                     "span_kind", sq_col_text(q, 4),
                     "status_code", sq_col_text(q, 5),
                     "start_time", (json_int_t)sqlite3_column_int64(q, 6),
                     "end_time", (json_int_t)sqlite3_column_int64(q, 7));
}

as_rc sq_trace_spans(as_store *st, int64_t trace_rowid, json_t **rows, as_err *err) {
    as_buf sql;
    as_sql_params p;
    as_buf_init(&sql, 4096);
    as_sql_params_init(&p);
    as_buf_puts(&sql, "SELECT id, span_id, parent_id, name, span_kind, status_code, "
                      "start_time, end_time FROM spans WHERE trace_rowid = ? "
                      "ORDER BY start_time, id");
    as_sql_params_int(&p, trace_rowid);
    as_rc rc = run_rows(SQ(st), &sql, &p, -1, light_span_row, rows, NULL, err);
    as_buf_release(&sql);
    as_sql_params_release(&p);
    return rc;
}

static as_rc one_row(as_store *st, as_buf *sql, as_sql_params *p, row_fn fn,
                     const char *what, json_t **row, as_err *err) {
    json_t *rows;
    as_rc rc = run_rows(SQ(st), sql, p, 1, fn, &rows, NULL, err);
    as_buf_release(sql);
    as_sql_params_release(p);
    if (rc != AS_OK) return rc;
    if (json_array_size(rows) == 0) {
        json_decref(rows);
        return as_err_set(err, AS_ENOTFOUND, "%s not found", what);
    }
    *row = json_incref(json_array_get(rows, 0));
    json_decref(rows);
    return AS_OK;
}

as_rc sq_trace_get(as_store *st, int64_t id, const char *trace_id, json_t **row,
                   as_err *err) {
    as_buf sql;
    as_sql_params p;
    as_buf_init(&sql, 4096);
    as_sql_params_init(&p);
    if (trace_id) {
        uint8_t b[16];
        if (!as_hex_decode(trace_id, strlen(trace_id), b, 16))
            return as_err_set(err, AS_ENOTFOUND, "trace not found");
        as_buf_puts(&sql, "SELECT " TRACE_COLS " FROM traces t WHERE t.trace_id = ?");
        as_sql_params_blob(&p, b, 16);
    } else {
        as_buf_puts(&sql, "SELECT " TRACE_COLS " FROM traces t WHERE t.id = ?");
        as_sql_params_int(&p, id);
    }
    return one_row(st, &sql, &p, trace_row, "trace", row, err);
}

as_rc sq_trace_delete(as_store *st, int64_t id, as_err *err) {
    return sq_delete_row(st, "DELETE FROM traces WHERE id = ?", id, "deleting trace", err);
}

/* ---- sessions ---------------------------------------------------------- */

#define SESSION_COLS                                                           \
    "ps.id, ps.session_id, ps.project_id, ps.start_time, ps.end_time, "        \
    "(SELECT json_group_array(json_object('id', x.id, 'trace_id', "            \
    "   lower(hex(x.trace_id)), 'start_time', x.start_time, 'end_time', "     \
    "   x.end_time)) FROM (SELECT * FROM traces WHERE session_rowid = ps.id "  \
    "   ORDER BY start_time) x), "                                             \
    "(SELECT total(t2.prompt_tokens) FROM traces t2 "                        \
    "   WHERE t2.session_rowid = ps.id), "                                     \
    "(SELECT total(t2.completion_tokens) FROM traces t2 "                    \
    "   WHERE t2.session_rowid = ps.id)"

static json_t *session_row(sqlite3_stmt *q) {
    double pr = sqlite3_column_double(q, 6), co = sqlite3_column_double(q, 7);
    return json_pack("{s:I, s:o, s:I, s:I, s:I, s:o, s:I, s:I, s:I}",
                     "id", (json_int_t)sqlite3_column_int64(q, 0),
                     "session_id", sq_col_text(q, 1),
                     "project_id", (json_int_t)sqlite3_column_int64(q, 2),
                     "start_time", (json_int_t)sqlite3_column_int64(q, 3),
                     "end_time", (json_int_t)sqlite3_column_int64(q, 4),
                     "traces", sq_col_json(q, 5),
                     "token_count_prompt", (json_int_t)pr,
                     "token_count_completion", (json_int_t)co,
                     "token_count_total", (json_int_t)(pr + co));
}

as_rc sq_session_list(as_store *st, int64_t project_id, bool ascending,
                      int64_t cursor_id, int limit, json_t **rows,
                      bool *has_next, as_err *err) {
    as_buf sql;
    as_sql_params p;
    as_buf_init(&sql, 4096);
    as_sql_params_init(&p);
    as_buf_puts(&sql, "SELECT " SESSION_COLS " FROM project_sessions ps WHERE ps.project_id = ?");
    as_sql_params_int(&p, project_id);
    if (cursor_id) {
        as_buf_puts(&sql, ascending ? " AND ps.id > ?" : " AND ps.id < ?");
        as_sql_params_int(&p, cursor_id);
    }
    as_buf_printf(&sql, " ORDER BY ps.id %s LIMIT %d", ascending ? "ASC" : "DESC", limit + 1);
    as_rc rc = run_rows(SQ(st), &sql, &p, limit, session_row, rows, has_next, err);
    as_buf_release(&sql);
    as_sql_params_release(&p);
    return rc;
}

as_rc sq_session_get(as_store *st, int64_t id, const char *session_id,
                     json_t **row, as_err *err) {
    as_buf sql;
    as_sql_params p;
    as_buf_init(&sql, 4096);
    as_sql_params_init(&p);
    if (session_id) {
        as_buf_puts(&sql, "SELECT " SESSION_COLS " FROM project_sessions ps WHERE ps.session_id = ?");
        as_sql_params_text(&p, session_id, strlen(session_id));
    } else {
        as_buf_puts(&sql, "SELECT " SESSION_COLS " FROM project_sessions ps WHERE ps.id = ?");
        as_sql_params_int(&p, id);
    }
    return one_row(st, &sql, &p, session_row, "session", row, err);
}

as_rc sq_session_delete(as_store *st, int64_t id, as_err *err) {
    /* Phoenix deletes the session's traces (and so their spans) with it. */
    sq_store *s = SQ(st);
    sqlite3 *db = sq_acquire(s);
    as_rc rc = sq_exec(db, "BEGIN IMMEDIATE", err);
    sqlite3_stmt *a = NULL, *b = NULL;
    if (rc == AS_OK) rc = sq_prepare(db, "DELETE FROM traces WHERE session_rowid = ?", &a, err);
    if (rc == AS_OK) rc = sq_prepare(db, "DELETE FROM project_sessions WHERE id = ?", &b, err);
    if (rc == AS_OK) {
        sqlite3_bind_int64(a, 1, id);
        sqlite3_bind_int64(b, 1, id);
        if (sqlite3_step(a) != SQLITE_DONE || sqlite3_step(b) != SQLITE_DONE)
            rc = sq_error(db, err, "deleting session");
        else if (sqlite3_changes(db) == 0)
            rc = as_err_set(err, AS_ENOTFOUND, "session not found");
    }
    sqlite3_finalize(a);
    sqlite3_finalize(b);
    sq_exec(db, rc == AS_OK ? "COMMIT" : "ROLLBACK", NULL);
    sq_release(s, db);
    return rc;
}
