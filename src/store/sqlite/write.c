/*
 * write.c - the ingest write path of the SQLite backend (writer thread
 * only).  One call writes many OTLP requests in one transaction; each
 * request sits in its own savepoint so that a failure rolls back that
 * request alone.
 *
 * Per request:
 *   1. group spans by trace (sort), create each trace or, when it exists,
 *      find it (its project is fixed by the first span ever seen) and widen
 *      its time range; upsert each session of the request once;
 *   2. for traces that existed before, drop spans already stored
 *      (duplicates are ignored) and collect the cumulative counts of
 *      children stored earlier (children may arrive before parents);
 *   3. cumulative error / token counts summed up the in-request tree;
 *   4. insert spans;
 *   5. add each in-request subtree's totals to its stored ancestors, and
 *      the request's spans to each trace's own totals (count, errors,
 *      tokens, cost: what trace listings and the time series read).
 * Steps 2 and 5 only run for traces that already existed, so the common
 * case (a whole trace in one request) costs one lookup per trace.
 */
#include <stdlib.h>
#include <string.h>

#include "assay/alloc.h"
#include "assay/llm.h"
#include "assay/timefmt.h"
#include "sqlite_int.h"

static const char *const wsql[W__COUNT] = {
    [W_TRACE_FIND] = "SELECT id, project_id FROM traces WHERE trace_id = ?",
    [W_TRACE_INSERT] = "INSERT INTO traces(trace_id, project_id, session_rowid, "
                       "start_time, end_time) VALUES(?, ?, ?, ?, ?) "
                       "ON CONFLICT(trace_id) DO NOTHING",
    [W_TRACE_WIDEN] = "UPDATE traces SET start_time = min(start_time, ?2), "
                      "end_time = max(end_time, ?3) WHERE id = ?1 AND "
                      "(start_time > ?2 OR end_time < ?3)",
    [W_TRACE_SET_SESSION] = "UPDATE traces SET session_rowid = ? WHERE id = ? "
                            "AND session_rowid IS NULL",
    [W_PROJECT_ENSURE] = "INSERT INTO projects(name, created_at, updated_at) "
                         "VALUES(?1, ?2, ?2) ON CONFLICT(name) DO NOTHING",
    [W_PROJECT_FIND] = "SELECT id FROM projects WHERE name = ?",
    [W_SESSION_UPSERT] =
        "INSERT INTO project_sessions(session_id, project_id, start_time, "
        "end_time) VALUES(?, ?, ?, ?) ON CONFLICT(session_id) DO UPDATE SET "
        "start_time = min(start_time, excluded.start_time), "
        "end_time = max(end_time, excluded.end_time) RETURNING id",
    [W_SPAN_EXISTS] = "SELECT 1 FROM spans WHERE trace_rowid = ? AND span_id = ?",
    [W_SPAN_CHILD_SUMS] =
        "SELECT total(cumulative_error_count), "
        "total(cumulative_llm_token_count_prompt), "
        "total(cumulative_llm_token_count_completion) FROM spans "
        "WHERE trace_rowid = ? AND parent_id = ?",
    [W_SPAN_INSERT] =
        "INSERT INTO spans(trace_rowid, project_id, span_id, parent_id, name, "
        "span_kind, otel_kind, start_time, end_time, latency_ms, status_code, "
        "status_message, attributes, events, links, model_name, session_id, "
        "user_id, llm_token_count_prompt, llm_token_count_completion, "
        "llm_token_count_total, cumulative_error_count, "
        "cumulative_llm_token_count_prompt, "
        "cumulative_llm_token_count_completion, cost) VALUES(?, ?, ?, ?, ?, "
        "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT(trace_rowid, span_id) DO NOTHING",
    [W_SPAN_PROPAGATE] =
        "UPDATE spans SET cumulative_error_count = cumulative_error_count + ?, "
        "cumulative_llm_token_count_prompt = "
        "cumulative_llm_token_count_prompt + ?, "
        "cumulative_llm_token_count_completion = "
        "cumulative_llm_token_count_completion + ? WHERE trace_rowid = ? AND "
        "span_id = ? RETURNING parent_id",
    [W_TRACE_ADD] =
        "UPDATE traces SET span_count = span_count + ?2, "
        "error_count = error_count + ?3, prompt_tokens = prompt_tokens + ?4, "
        "completion_tokens = completion_tokens + ?5, "
        "cost = CASE WHEN ?7 > 0 THEN coalesce(cost, 0) + ?6 ELSE cost END, "
        "cost_count = cost_count + ?7 WHERE id = ?1",
};

as_rc sq_writer_prepare(sq_store *s, as_err *err) {
    for (int i = 0; i < W__COUNT; i++)
        if (sq_prepare(s->writer, wsql[i], &s->w[i], err) != AS_OK) return AS_EDB;
    return AS_OK;
}

void sq_writer_finalize(sq_store *s) {
    for (int i = 0; i < W__COUNT; i++) {
        sqlite3_finalize(s->w[i]);
        s->w[i] = NULL;
    }
}

static int64_t id64(const uint8_t b[8]) {
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v = v << 8 | b[i];
    return (int64_t)v;
}

static const char *status_name(int code) {
    return code == AS_STATUS_OK ? "OK" : code == AS_STATUS_ERROR ? "ERROR" : "UNSET";
}

/* Per-span scratch state of one request. */
typedef struct wspan {
    int64_t trace_rowid, project_id;
    bool existed;        /* its trace was stored before this request */
    bool dup;            /* already stored: ignored                  */
    bool inserted;       /* written by this request                  */
    bool has_cost;       /* inserted with a cost...                  */
    double cost;         /* ...of this many USD                      */
} wspan;

typedef struct wctx {
    sq_store *s;
    as_ingest_request *r;
    wspan *ws;
    as_err *err;
    const char *last_project;
    int64_t last_project_id;
    struct wsession *sessions;
    size_t nsessions, capsessions;
} wctx;

static as_rc step_done(wctx *c, sqlite3_stmt *st, const char *what) {
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) return sq_error(c->s->writer, c->err, what);
    return AS_OK;
}

/* The id of project `name`; with create, the project is made if missing,
 * without it a missing project is AS_ENOTFOUND (no message). */
static as_rc project_id_for(wctx *c, const char *name, bool create, int64_t *id) {
    if (c->last_project && strcmp(c->last_project, name) == 0) {
        *id = c->last_project_id;
        return AS_OK;
    }
    sqlite3_stmt *e = c->s->w[W_PROJECT_ENSURE], *f = c->s->w[W_PROJECT_FIND];
    if (create) {
        sqlite3_bind_text(e, 1, name, -1, SQLITE_STATIC);
        sqlite3_bind_int64(e, 2, as_now_ns());
        if (step_done(c, e, "creating project") != AS_OK) return AS_EDB;
    }
    sqlite3_bind_text(f, 1, name, -1, SQLITE_STATIC);
    int rc = sqlite3_step(f);
    if (rc == SQLITE_ROW) *id = sqlite3_column_int64(f, 0);
    sqlite3_reset(f);
    if (rc == SQLITE_DONE && !create) return AS_ENOTFOUND;
    if (rc != SQLITE_ROW) return sq_error(c->s->writer, c->err, "finding project");
    c->last_project = name;
    c->last_project_id = *id;
    return AS_OK;
}

static int cmp_trace(const void *a, const void *b, void *arg) {
    const as_ingest_request *r = arg;
    const as_span *x = r->items[*(const int *)a].span;
    const as_span *y = r->items[*(const int *)b].span;
    int c = memcmp(x->trace_id, y->trace_id, 16);
    return c ? c : (*(const int *)a > *(const int *)b) - (*(const int *)a < *(const int *)b);
}

/* Sessions of one request: upserted once each, with the time range of all
 * of the request's spans in them. */
typedef struct wsession {
    const char *id;
    int64_t tmin, tmax;
    int64_t rowid;                /* 0 until upserted */
} wsession;

static wsession *session_slot(wctx *c, const char *id) {
    for (size_t i = 0; i < c->nsessions; i++)
        if (strcmp(c->sessions[i].id, id) == 0) return &c->sessions[i];
    return NULL;
}

/* Pre-pass: the distinct session ids of the request and their ranges. */
static void collect_sessions(wctx *c) {
    for (size_t i = 0; i < c->r->batch.n; i++) {
        const as_span *sp = c->r->items[i].span;
        if (!sp->session_id || !sp->session_id[0]) continue;
        wsession *w = session_slot(c, sp->session_id);
        if (!w) {
            if (c->nsessions == c->capsessions) {
                c->capsessions = c->capsessions ? 2 * c->capsessions : 8;
                c->sessions = as_xrealloc(c->sessions, c->capsessions * sizeof(*c->sessions));
            }
            w = &c->sessions[c->nsessions++];
            *w = (wsession){ sp->session_id, sp->start_ns, sp->end_ns, 0 };
        }
        if (sp->start_ns < w->tmin) w->tmin = sp->start_ns;
        if (sp->end_ns > w->tmax) w->tmax = sp->end_ns;
    }
}

static as_rc session_rowid(wctx *c, const char *id, int64_t project_id, int64_t *out) {
    wsession *w = session_slot(c, id);
    if (!w->rowid) {
        sqlite3_stmt *u = c->s->w[W_SESSION_UPSERT];
        sqlite3_bind_text(u, 1, id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(u, 2, project_id);
        sqlite3_bind_int64(u, 3, w->tmin);
        sqlite3_bind_int64(u, 4, w->tmax);
        int rc = sqlite3_step(u);
        if (rc == SQLITE_ROW) w->rowid = sqlite3_column_int64(u, 0);
        sqlite3_reset(u);
        if (rc != SQLITE_ROW) return sq_error(c->s->writer, c->err, "upserting session");
    }
    *out = w->rowid;
    return AS_OK;
}

static as_rc find_trace(wctx *c, const as_span *sp, int64_t *rowid,
                        int64_t *project_id, bool *existed) {
    sqlite3_stmt *f = c->s->w[W_TRACE_FIND];
    sqlite3_bind_blob(f, 1, sp->trace_id, 16, SQLITE_STATIC);
    int rc = sqlite3_step(f);
    *existed = rc == SQLITE_ROW;
    if (*existed) {
        *rowid = sqlite3_column_int64(f, 0);
        *project_id = sqlite3_column_int64(f, 1);
    }
    sqlite3_reset(f);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return sq_error(c->s->writer, c->err, "finding trace");
    return AS_OK;
}

/* Step 1 for the spans order[lo..hi), all of one trace.  A new trace (the
 * common case) costs one INSERT; only a conflict looks the trace up. */
static as_rc resolve_trace(wctx *c, const int *order, size_t lo, size_t hi) {
    sq_store *s = c->s;
    const as_span *first = c->r->items[order[lo]].span;
    int64_t tmin = first->start_ns, tmax = first->end_ns;
    const char *session = NULL;
    for (size_t k = lo; k < hi; k++) {
        const as_span *sp = c->r->items[order[k]].span;
        if (sp->start_ns < tmin) tmin = sp->start_ns;
        if (sp->end_ns > tmax) tmax = sp->end_ns;
        if (!session && sp->session_id && sp->session_id[0]) session = sp->session_id;
    }
    const char *pname = c->r->project_override;
    if (!pname) pname = first->project_name;
    if (!pname || !pname[0]) pname = "default";
    int64_t project_id = 0, trace_rowid = 0, sess = 0;
    bool existed = false;
    /* A project that does not exist yet cannot own this trace: look the
     * trace up before creating the project, so that a late span naming
     * another project does not leave an empty project behind. */
    as_rc prc = project_id_for(c, pname, false, &project_id);
    if (prc == AS_ENOTFOUND) {
        if (find_trace(c, first, &trace_rowid, &project_id, &existed) != AS_OK) return AS_EDB;
        if (!existed && project_id_for(c, pname, true, &project_id) != AS_OK) return AS_EDB;
    } else if (prc != AS_OK) {
        return AS_EDB;
    }
    if (session && session_rowid(c, session, project_id, &sess) != AS_OK) return AS_EDB;
    if (!existed) {
        sqlite3_stmt *ins = s->w[W_TRACE_INSERT];
        sqlite3_bind_blob(ins, 1, first->trace_id, 16, SQLITE_STATIC);
        sqlite3_bind_int64(ins, 2, project_id);
        if (sess) sqlite3_bind_int64(ins, 3, sess);
        else sqlite3_bind_null(ins, 3);
        sqlite3_bind_int64(ins, 4, tmin);
        sqlite3_bind_int64(ins, 5, tmax);
        if (step_done(c, ins, "inserting trace") != AS_OK) return AS_EDB;
        if (sqlite3_changes(s->writer) > 0)
            trace_rowid = sqlite3_last_insert_rowid(s->writer);
        else if (find_trace(c, first, &trace_rowid, &project_id, &existed) != AS_OK)
            return AS_EDB;
    }
    if (existed) {
        /* Seen before: its project stays the one its first span gave it. */
        sqlite3_stmt *w = s->w[W_TRACE_WIDEN];
        sqlite3_bind_int64(w, 1, trace_rowid);
        sqlite3_bind_int64(w, 2, tmin);
        sqlite3_bind_int64(w, 3, tmax);
        if (step_done(c, w, "updating trace") != AS_OK) return AS_EDB;
        if (sess) {
            sqlite3_stmt *t = s->w[W_TRACE_SET_SESSION];
            sqlite3_bind_int64(t, 1, sess);
            sqlite3_bind_int64(t, 2, trace_rowid);
            if (step_done(c, t, "linking session") != AS_OK) return AS_EDB;
        }
    }
    for (size_t k = lo; k < hi; k++) {
        wspan *w = &c->ws[order[k]];
        w->trace_rowid = trace_rowid;
        w->project_id = project_id;
        w->existed = existed;
    }
    return AS_OK;
}

/* Step 2: duplicates and sums of children already stored. */
static as_rc scan_existing(wctx *c, size_t i) {
    sq_store *s = c->s;
    as_ingest_span *it = &c->r->items[i];
    sqlite3_stmt *e = s->w[W_SPAN_EXISTS];
    sqlite3_bind_int64(e, 1, c->ws[i].trace_rowid);
    sqlite3_bind_int64(e, 2, id64(it->span->span_id));
    int rc = sqlite3_step(e);
    sqlite3_reset(e);
    if (rc == SQLITE_ROW) { c->ws[i].dup = true; return AS_OK; }
    if (rc != SQLITE_DONE) return sq_error(s->writer, c->err, "checking span");
    sqlite3_stmt *q = s->w[W_SPAN_CHILD_SUMS];
    sqlite3_bind_int64(q, 1, c->ws[i].trace_rowid);
    sqlite3_bind_int64(q, 2, id64(it->span->span_id));
    rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        it->cum_errors += (int64_t)sqlite3_column_double(q, 0);
        it->cum_prompt += (int64_t)sqlite3_column_double(q, 1);
        it->cum_completion += (int64_t)sqlite3_column_double(q, 2);
    }
    sqlite3_reset(q);
    if (rc != SQLITE_ROW) return sq_error(s->writer, c->err, "summing children");
    return AS_OK;
}

/* A span's cost in USD: its llm.cost.* attributes (normalize.c), else
 * the price table from its provider, model and own token counts; false
 * (unknown) otherwise.  Only spans with token counts or cost attributes
 * get one. */
static bool span_cost(const sq_store *s, const as_span *sp, double *usd) {
    if (sp->has_cost) { *usd = sp->cost; return true; }
    if (!sp->has_tokens || !sp->provider || !sp->model_name) return false;
    return as_llm_prices_cost(s->prices, sp->provider, sp->model_name,
                              sp->tokens_prompt, sp->tokens_completion, usd);
}

static as_rc insert_span(wctx *c, size_t i) {
    sqlite3_stmt *st = c->s->w[W_SPAN_INSERT];
    const as_ingest_span *it = &c->r->items[i];
    const as_span *sp = it->span;
    int k = 1;
    sqlite3_bind_int64(st, k++, c->ws[i].trace_rowid);
    sqlite3_bind_int64(st, k++, c->ws[i].project_id);
    sqlite3_bind_int64(st, k++, id64(sp->span_id));
    if (sp->has_parent) sqlite3_bind_int64(st, k++, id64(sp->parent_id));
    else sqlite3_bind_null(st, k++);
    sqlite3_bind_text(st, k++, sp->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, k++, sp->span_kind, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, k++, sp->otel_kind);
    sqlite3_bind_int64(st, k++, sp->start_ns);
    sqlite3_bind_int64(st, k++, sp->end_ns);
    sqlite3_bind_double(st, k++, (double)(sp->end_ns - sp->start_ns) / 1e6);
    sqlite3_bind_text(st, k++, status_name(sp->status_code), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, k++, sp->status_message, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, k++, it->attributes_json, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, k++, it->events_json, -1, SQLITE_STATIC);
    if (it->links_json) sqlite3_bind_text(st, k++, it->links_json, -1, SQLITE_STATIC);
    else sqlite3_bind_null(st, k++);
    const char *opt[3] = { sp->model_name, sp->session_id, sp->user_id };
    for (int j = 0; j < 3; j++) {
        if (opt[j]) sqlite3_bind_text(st, k++, opt[j], -1, SQLITE_STATIC);
        else sqlite3_bind_null(st, k++);
    }
    int64_t tok[3] = { sp->tokens_prompt, sp->tokens_completion, sp->tokens_total };
    for (int j = 0; j < 3; j++) {
        if (tok[j]) sqlite3_bind_int64(st, k++, tok[j]);
        else sqlite3_bind_null(st, k++);
    }
    sqlite3_bind_int64(st, k++, it->cum_errors);
    sqlite3_bind_int64(st, k++, it->cum_prompt);
    sqlite3_bind_int64(st, k++, it->cum_completion);
    wspan *w = &c->ws[i];
    w->has_cost = span_cost(c->s, sp, &w->cost);
    if (w->has_cost) sqlite3_bind_double(st, k++, w->cost);
    else sqlite3_bind_null(st, k++);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) return sq_error(c->s->writer, c->err, "inserting span");
    w->inserted = sqlite3_changes(c->s->writer) > 0;
    if (w->inserted) c->r->stored++;
    return AS_OK;
}

/* The trace's own totals (migration 9) grow by the spans this request
 * inserted into it: order[lo, hi) are its spans.  One statement a trace. */
static as_rc add_trace_totals(wctx *c, const int *order, size_t lo, size_t hi) {
    int64_t n = 0, errors = 0, prompt = 0, completion = 0, costed = 0;
    double cost = 0;
    for (size_t k = lo; k < hi; k++) {
        const wspan *w = &c->ws[order[k]];
        const as_span *sp = c->r->items[order[k]].span;
        if (!w->inserted) continue;
        n++;
        errors += sp->status_code == AS_STATUS_ERROR;
        prompt += sp->tokens_prompt;
        completion += sp->tokens_completion;
        if (w->has_cost) { cost += w->cost; costed++; }
    }
    if (n == 0) return AS_OK;
    sqlite3_stmt *u = c->s->w[W_TRACE_ADD];
    sqlite3_bind_int64(u, 1, c->ws[order[lo]].trace_rowid);
    sqlite3_bind_int64(u, 2, n);
    sqlite3_bind_int64(u, 3, errors);
    sqlite3_bind_int64(u, 4, prompt);
    sqlite3_bind_int64(u, 5, completion);
    sqlite3_bind_double(u, 6, cost);
    sqlite3_bind_int64(u, 7, costed);
    return step_done(c, u, "adding to trace totals");
}

/* Step 5: add a subtree's totals to its stored ancestors. */
static as_rc propagate(wctx *c, const as_ingest_span *top, int64_t trace_rowid) {
    sqlite3_stmt *u = c->s->w[W_SPAN_PROPAGATE];
    int64_t parent = id64(top->span->parent_id);
    for (int depth = 0; depth < 10000; depth++) {
        sqlite3_bind_int64(u, 1, top->cum_errors);
        sqlite3_bind_int64(u, 2, top->cum_prompt);
        sqlite3_bind_int64(u, 3, top->cum_completion);
        sqlite3_bind_int64(u, 4, trace_rowid);
        sqlite3_bind_int64(u, 5, parent);
        int rc = sqlite3_step(u);
        bool more = rc == SQLITE_ROW && sqlite3_column_type(u, 0) != SQLITE_NULL;
        if (more) parent = sqlite3_column_int64(u, 0);
        while (rc == SQLITE_ROW) rc = sqlite3_step(u);
        sqlite3_reset(u);
        if (rc != SQLITE_DONE) return sq_error(c->s->writer, c->err, "updating ancestors");
        if (!more) break;
    }
    return AS_OK;
}

static as_rc write_request(sq_store *s, as_ingest_request *r, as_err *err) {
    size_t n = r->batch.n;
    r->stored = 0;
    if (n == 0) return AS_OK;
    wctx c = { .s = s, .r = r, .err = err };
    c.ws = as_xcalloc(n, sizeof(*c.ws));
    int *order = as_xmalloc(n * sizeof(*order));
    as_rc rc = AS_OK;
    for (size_t i = 0; i < n; i++) order[i] = (int)i;
    collect_sessions(&c);
    qsort_r(order, n, sizeof(*order), cmp_trace, r);
    for (size_t lo = 0; lo < n && rc == AS_OK;) {
        size_t hi = lo + 1;
        while (hi < n && memcmp(r->items[order[hi]].span->trace_id,
                                r->items[order[lo]].span->trace_id, 16) == 0)
            hi++;
        rc = resolve_trace(&c, order, lo, hi);
        lo = hi;
    }
    /* Own counts first, then children stored earlier, then the sums. */
    for (size_t i = 0; i < n && rc == AS_OK; i++) {
        as_ingest_span *it = &r->items[i];
        it->cum_errors = it->span->status_code == AS_STATUS_ERROR;
        it->cum_prompt = it->span->tokens_prompt;
        it->cum_completion = it->span->tokens_completion;
        if (c.ws[i].existed) rc = scan_existing(&c, i);
    }
    if (rc == AS_OK) {
        int64_t *own = as_xmalloc(3 * n * sizeof(*own));
        for (size_t i = 0; i < n; i++) {
            own[3 * i] = r->items[i].cum_errors;
            own[3 * i + 1] = r->items[i].cum_prompt;
            own[3 * i + 2] = r->items[i].cum_completion;
        }
        for (size_t i = 0; i < n; i++) {
            if (c.ws[i].dup || (!own[3 * i] && !own[3 * i + 1] && !own[3 * i + 2]))
                continue;
            int j = r->items[i].parent_index;
            for (size_t guard = 0; j >= 0 && !c.ws[j].dup && guard < n; guard++) {
                r->items[j].cum_errors += own[3 * i];
                r->items[j].cum_prompt += own[3 * i + 1];
                r->items[j].cum_completion += own[3 * i + 2];
                j = r->items[j].parent_index;
            }
        }
        free(own);
    }
    for (size_t i = 0; i < n && rc == AS_OK; i++)
        if (!c.ws[i].dup) rc = insert_span(&c, i);
    for (size_t lo = 0; lo < n && rc == AS_OK;) {
        size_t hi = lo + 1;
        while (hi < n && c.ws[order[hi]].trace_rowid == c.ws[order[lo]].trace_rowid) hi++;
        rc = add_trace_totals(&c, order, lo, hi);
        lo = hi;
    }
    for (size_t i = 0; i < n && rc == AS_OK; i++) {
        const as_ingest_span *it = &r->items[i];
        if (c.ws[i].dup || !c.ws[i].existed || !it->span->has_parent) continue;
        int p = it->parent_index;
        if (p >= 0 && !c.ws[p].dup) continue;          /* not a subtree top */
        if (!it->cum_errors && !it->cum_prompt && !it->cum_completion) continue;
        rc = propagate(&c, it, c.ws[i].trace_rowid);
    }
    free(order);
    free(c.ws);
    free(c.sessions);
    return rc;
}

as_rc sq_write_spans(as_store *st, as_ingest_request **reqs, size_t n,
                     as_rc *rcs, as_err *errs, as_err *err) {
    sq_store *s = SQ(st);
    if (sq_exec(s->writer, "BEGIN IMMEDIATE", err) != AS_OK) return AS_EDB;
    for (size_t i = 0; i < n; i++) {
        sq_exec(s->writer, "SAVEPOINT req", NULL);
        rcs[i] = write_request(s, reqs[i], &errs[i]);
        if (rcs[i] != AS_OK) {
            reqs[i]->stored = 0;
            sq_exec(s->writer, "ROLLBACK TO req", NULL);
        }
        sq_exec(s->writer, "RELEASE req", NULL);
    }
    if (sq_exec(s->writer, "COMMIT", err) != AS_OK) {
        sq_exec(s->writer, "ROLLBACK", NULL);
        for (size_t i = 0; i < n; i++) {
            rcs[i] = AS_EDB;
            reqs[i]->stored = 0;
            as_err_set(&errs[i], AS_EDB, "commit failed: %s", err ? err->msg : "");
        }
        return AS_EDB;
    }
    sq_after_commit(s);
    return AS_OK;
}
