/*
 * observe.c - the observability reads of the SQLite backend
 * (store_observe.h): the traces of a time range, newest first, through
 * ix_traces_project_start, then each trace's spans through its
 * (trace_rowid, ...) index with one prepared statement, reading only the
 * columns the agent graph and the time series need; and the span / trace
 * annotations of a range.  Everything runs in one read transaction.
 */
#include <stdlib.h>
#include <string.h>

#include "../observe_ops.h"
#include "assay/alloc.h"
#include "sqlite_int.h"

typedef struct trow {
    int64_t id, start, end;
} trow;

/* The spans of one trace with their strings copied into one buffer
 * (SQLite's column texts only live until the next step). */
typedef struct span_buf {
    as_obs_span *v;
    size_t n, cap;
    char *text;
    size_t tlen, tcap;
    size_t *kind_off, *name_off;
    size_t offcap;
} span_buf;

static size_t text_put(span_buf *b, const unsigned char *s, int len) {
    if (!s) { s = (const unsigned char *)""; len = 0; }
    size_t need = b->tlen + (size_t)len + 1;
    if (need > b->tcap) {
        while (b->tcap < need) b->tcap = b->tcap ? 2 * b->tcap : 4096;
        b->text = as_xrealloc(b->text, b->tcap);
    }
    size_t off = b->tlen;
    memcpy(b->text + off, s, (size_t)len);
    b->text[off + (size_t)len] = '\0';
    b->tlen = need;
    return off;
}

static as_rc read_spans(sqlite3 *db, sqlite3_stmt *q, int64_t trace,
                        span_buf *b, as_err *err) {
    b->n = 0;
    b->tlen = 0;
    sqlite3_bind_int64(q, 1, trace);
    int r;
    while ((r = sqlite3_step(q)) == SQLITE_ROW) {
        if (b->n == b->cap) {
            b->cap = b->cap ? 2 * b->cap : 64;
            b->v = as_xrealloc(b->v, b->cap * sizeof(*b->v));
            b->kind_off = as_xrealloc(b->kind_off, b->cap * sizeof(size_t));
            b->name_off = as_xrealloc(b->name_off, b->cap * sizeof(size_t));
        }
        as_obs_span *s = &b->v[b->n];
        s->span_id = sqlite3_column_int64(q, 0);
        s->has_parent = sqlite3_column_type(q, 1) != SQLITE_NULL;
        s->parent_id = s->has_parent ? sqlite3_column_int64(q, 1) : 0;
        b->kind_off[b->n] = text_put(b, sqlite3_column_text(q, 2), sqlite3_column_bytes(q, 2));
        b->name_off[b->n] = text_put(b, sqlite3_column_text(q, 3), sqlite3_column_bytes(q, 3));
        s->start_ns = sqlite3_column_int64(q, 4);
        s->end_ns = sqlite3_column_int64(q, 5);
        s->error = sqlite3_column_int(q, 6) != 0;
        s->prompt = sqlite3_column_int64(q, 7);          /* NULL reads as 0 */
        s->completion = sqlite3_column_int64(q, 8);
        s->has_cost = sqlite3_column_type(q, 9) != SQLITE_NULL;
        s->cost = s->has_cost ? sqlite3_column_double(q, 9) : 0;
        b->n++;
    }
    sqlite3_reset(q);
    if (r != SQLITE_DONE) return sq_error(db, err, "reading the spans of a trace");
    for (size_t i = 0; i < b->n; i++) {
        b->v[i].kind = b->text + b->kind_off[i];
        b->v[i].name = b->text + b->name_off[i];
    }
    return AS_OK;
}

/* The traces of a scan with their stored totals (migration 9), newest
 * first; at most `limit` rows (-1: all).  Shared by the graph's trace list
 * and the time series. */
static as_rc prepare_scan(sqlite3 *db, const as_obs_scan *qs, int64_t limit,
                          sqlite3_stmt **q, as_err *err) {
#define SCAN_COLS "SELECT id, start_time, end_time, span_count, error_count, " \
                  "prompt_tokens, completion_tokens, cost FROM traces "
    /* one trace: its unique index is the way in */
    as_rc rc = sq_prepare(db, qs->trace_id
        ? SCAN_COLS "WHERE trace_id = ?4 AND project_id = ?1 AND start_time >= ?2 "
          "AND start_time < ?3 LIMIT ?5"
        : SCAN_COLS "WHERE project_id = ?1 AND start_time >= ?2 AND start_time < ?3 "
          "ORDER BY start_time DESC, id DESC LIMIT ?5", q, err);
#undef SCAN_COLS
    if (rc != AS_OK) return rc;
    sqlite3_bind_int64(*q, 1, qs->project_id);
    sqlite3_bind_int64(*q, 2, qs->start_ns ? qs->start_ns : INT64_MIN);
    sqlite3_bind_int64(*q, 3, qs->end_ns ? qs->end_ns : INT64_MAX);
    if (qs->trace_id) sqlite3_bind_blob(*q, 4, qs->trace_id, 16, SQLITE_STATIC);
    sqlite3_bind_int64(*q, 5, limit);
    return AS_OK;
}

static as_rc list_traces(sqlite3 *db, const as_obs_scan *qs, trow **out,
                         size_t *n, bool *truncated, as_err *err) {
    sqlite3_stmt *q;
    as_rc rc = prepare_scan(db, qs, qs->max_traces ? (int64_t)qs->max_traces + 1 : -1, &q, err);
    if (rc != AS_OK) return rc;
    size_t cap = 0;
    int r;
    *out = NULL;
    *n = 0;
    while ((r = sqlite3_step(q)) == SQLITE_ROW) {
        if (qs->max_traces && *n == qs->max_traces) {
            if (truncated) *truncated = true;
            break;
        }
        if (*n == cap) {
            cap = cap ? 2 * cap : 1024;
            *out = as_xrealloc(*out, cap * sizeof(**out));
        }
        (*out)[*n] = (trow){ sqlite3_column_int64(q, 0), sqlite3_column_int64(q, 1),
                             sqlite3_column_int64(q, 2) };
        (*n)++;
    }
    if (r != SQLITE_ROW && r != SQLITE_DONE) rc = sq_error(db, err, "listing traces");
    sqlite3_finalize(q);
    return rc;
}

static as_rc sq_obs_traces(as_store *st, const as_obs_scan *qs,
                           as_obs_trace_fn fn, void *ud, bool *truncated,
                           as_err *err) {
    sq_store *s = SQ(st);
    sqlite3 *db = sq_acquire(s);
    sqlite3_stmt *q = NULL;
    trow *tr = NULL;
    size_t nt = 0;
    span_buf b = { 0 };
    if (truncated) *truncated = false;
    as_rc rc = sq_exec(db, "BEGIN", err);
    if (rc == AS_OK) {
        rc = list_traces(db, qs, &tr, &nt, truncated, err);
        if (rc == AS_OK)
            rc = sq_prepare(db,
                            "SELECT span_id, parent_id, span_kind, name, start_time, "
                            "end_time, status_code = 'ERROR', llm_token_count_prompt, "
                            "llm_token_count_completion, cost FROM spans "
                            "WHERE trace_rowid = ?1", &q, err);
        for (size_t i = 0; i < nt && rc == AS_OK; i++) {
            rc = read_spans(db, q, tr[i].id, &b, err);
            if (rc != AS_OK) break;
            as_obs_trace t = { tr[i].id, tr[i].start, tr[i].end, b.v, b.n };
            if (!fn(ud, &t)) break;
        }
        sqlite3_finalize(q);
        sq_exec(db, "COMMIT", NULL);
    }
    sq_release(s, db);
    free(tr);
    free(b.v);
    free(b.text);
    free(b.kind_off);
    free(b.name_off);
    return rc;
}

static as_rc sq_obs_totals(as_store *st, const as_obs_scan *qs, as_obs_totals_fn fn,
                           void *ud, as_err *err) {
    sq_store *s = SQ(st);
    sqlite3 *db = sq_acquire(s);
    sqlite3_stmt *q;
    as_rc rc = prepare_scan(db, qs, qs->max_traces ? (int64_t)qs->max_traces : -1, &q, err);
    if (rc == AS_OK) {
        int r;
        while ((r = sqlite3_step(q)) == SQLITE_ROW) {
            as_obs_trace_totals t = {
                .rowid = sqlite3_column_int64(q, 0),
                .start_ns = sqlite3_column_int64(q, 1),
                .end_ns = sqlite3_column_int64(q, 2),
                .spans = sqlite3_column_int64(q, 3),
                .errors = sqlite3_column_int64(q, 4),
                .prompt = sqlite3_column_int64(q, 5),
                .completion = sqlite3_column_int64(q, 6),
                .has_cost = sqlite3_column_type(q, 7) != SQLITE_NULL,
                .cost = sqlite3_column_double(q, 7),
            };
            if (!fn(ud, &t)) { r = SQLITE_DONE; break; }
        }
        if (r != SQLITE_DONE) rc = sq_error(db, err, "reading trace totals");
        sqlite3_finalize(q);
    }
    sq_release(s, db);
    return rc;
}

static as_rc sq_obs_annotations(as_store *st, int64_t project_id,
                                int64_t start_ns, int64_t end_ns,
                                as_obs_annotation_fn fn, void *ud,
                                as_err *err) {
    sq_store *s = SQ(st);
    sqlite3 *db = sq_acquire(s);
    sqlite3_stmt *q;
    /* Driven from the annotations (far fewer than spans). */
    as_rc rc = sq_prepare(db,
        "SELECT a.name, a.label, a.score, s.start_time FROM span_annotations a "
        "CROSS JOIN spans s ON s.id = a.span_rowid WHERE s.project_id = ?1 "
        "AND s.start_time >= ?2 AND s.start_time < ?3 AND a.name <> 'note' "
        "UNION ALL "
        "SELECT a.name, a.label, a.score, t.start_time FROM trace_annotations a "
        "CROSS JOIN traces t ON t.id = a.trace_rowid WHERE t.project_id = ?1 "
        "AND t.start_time >= ?2 AND t.start_time < ?3 AND a.name <> 'note'",
        &q, err);
    if (rc == AS_OK) {
        sqlite3_bind_int64(q, 1, project_id);
        sqlite3_bind_int64(q, 2, start_ns ? start_ns : INT64_MIN);
        sqlite3_bind_int64(q, 3, end_ns ? end_ns : INT64_MAX);
        int r;
        while ((r = sqlite3_step(q)) == SQLITE_ROW) {
            as_obs_annotation a = {
                .name = (const char *)sqlite3_column_text(q, 0),
                .label = (const char *)sqlite3_column_text(q, 1),
                .has_score = sqlite3_column_type(q, 2) != SQLITE_NULL,
                .score = sqlite3_column_double(q, 2),
                .time_ns = sqlite3_column_int64(q, 3),
            };
            if (!a.name) a.name = "";
            if (!fn(ud, &a)) { r = SQLITE_DONE; break; }
        }
        if (r != SQLITE_DONE) rc = sq_error(db, err, "reading annotations");
        sqlite3_finalize(q);
    }
    sq_release(s, db);
    return rc;
}

const struct as_observe_ops sq_observe_ops = {
    .name = "sqlite",
    .traces = sq_obs_traces,
    .totals = sq_obs_totals,
    .annotations = sq_obs_annotations,
};
