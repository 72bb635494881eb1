/*
 * analysis.c - the analysis reads of the SQLite backend: an experiment's
 * runs and evaluations, and the ratings of an agreement question, read in
 * bulk (one statement each, in index order) inside one read transaction.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../analysis_ops.h"
#include "assay/alloc.h"
#include "sqlite_int.h"

/* Grow a flat array by one element. */
#define PUSH(arr, n, cap, type) do {                                        \
    if ((n) == (cap)) {                                                     \
        (cap) = (cap) ? (cap) * 2 : 256;                                    \
        (arr) = as_xrealloc((arr), (cap) * sizeof(type));                   \
    }                                                                       \
} while (0)

static char *col_dup(sqlite3_stmt *q, int i) {
    const unsigned char *s = sqlite3_column_text(q, i);
    return s ? as_xstrdup((const char *)s) : NULL;
}

static double col_real(sqlite3_stmt *q, int i) {
    return sqlite3_column_type(q, i) == SQLITE_NULL ? NAN : sqlite3_column_double(q, i);
}

static uint32_t col_intern(as_an_strings *t, sqlite3_stmt *q, int i) {
    const unsigned char *s = sqlite3_column_text(q, i);
    if (!s) return AS_AN_NONE;
    return as_an_intern(t, (const char *)s, (size_t)sqlite3_column_bytes(q, i));
}

/* Examples of the experiment's version, restricted to its splits (a JSON
 * array of split names) when it has any. */
#define EXPERIMENT_SQL                                                      \
    "SELECT x.id, x.dataset_id, x.dataset_version_id, x.name, x.repetitions, " \
    "  d.name, (SELECT count(*) FROM (" SQ_EXAMPLES_AT("x.dataset_id", "x.dataset_version_id") \
    "  ) ex WHERE x.splits IS NULL OR NOT json_valid(x.splits) "           \
    "  OR json_array_length(x.splits) = 0 OR EXISTS ("                      \
    "    SELECT 1 FROM dataset_split_examples se "                          \
    "    JOIN dataset_splits sp ON sp.id = se.split_id "                    \
    "    WHERE se.example_id = ex.example_id "                              \
    "    AND sp.name IN (SELECT value FROM json_each(x.splits)))) "         \
    "FROM experiments x JOIN datasets d ON d.id = x.dataset_id WHERE x.id = ?1"

static as_rc read_experiment(sqlite3 *db, int64_t id, as_an_experiment *x,
                             as_err *err) {
    sqlite3_stmt *q;
    as_rc rc = sq_row_by_id(db, EXPERIMENT_SQL, id, "experiment", "reading experiment", &q,
                            err);
    if (rc != AS_OK) return rc;
    x->id = sqlite3_column_int64(q, 0);
    x->dataset_id = sqlite3_column_int64(q, 1);
    x->dataset_version_id = sqlite3_column_int64(q, 2);
    x->name = col_dup(q, 3);
    x->repetitions = sqlite3_column_int(q, 4);
    x->dataset_name = col_dup(q, 5);
    x->example_count = sqlite3_column_int64(q, 6);
    sqlite3_finalize(q);
    return AS_OK;
}

static as_rc read_runs(sqlite3 *db, as_an_experiment *x, as_err *err) {
    sqlite3_stmt *q;
    as_rc rc = sq_prepare(db,
        "SELECT id, dataset_example_id, repetition_number, error IS NOT NULL, "
        "  prompt_token_count, completion_token_count, cost, end_time - start_time "
        "FROM experiment_runs WHERE experiment_id = ?1 "
        "ORDER BY dataset_example_id, repetition_number", &q, err);
    if (rc != AS_OK) return rc;
    sqlite3_bind_int64(q, 1, x->id);
    size_t cap = 0;
    int r;
    while ((r = sqlite3_step(q)) == SQLITE_ROW) {
        PUSH(x->runs, x->n_runs, cap, as_an_run);
        as_an_run *u = &x->runs[x->n_runs++];
        u->id = sqlite3_column_int64(q, 0);
        u->example_id = sqlite3_column_int64(q, 1);
        u->repetition = sqlite3_column_int(q, 2);
        u->failed = sqlite3_column_int(q, 3) != 0;
        u->prompt_tokens = sqlite3_column_type(q, 4) == SQLITE_NULL ? -1 : sqlite3_column_int64(q, 4);
        u->completion_tokens = sqlite3_column_type(q, 5) == SQLITE_NULL ? -1 : sqlite3_column_int64(q, 5);
        u->cost = col_real(q, 6);
        u->latency_ns = sqlite3_column_int64(q, 7);
    }
    if (r != SQLITE_DONE) rc = sq_error(db, err, "reading experiment runs");
    sqlite3_finalize(q);
    return rc;
}

static as_rc read_evals(sqlite3 *db, as_an_experiment *x, as_err *err) {
    sqlite3_stmt *q;
    as_rc rc = sq_prepare(db,
        "SELECT r.dataset_example_id, r.repetition_number, a.name, a.label, "
        "  a.score, a.error IS NOT NULL "
        "FROM experiment_runs r "
        "JOIN experiment_run_annotations a ON a.experiment_run_id = r.id "
        "WHERE r.experiment_id = ?1 AND r.error IS NULL "
        "ORDER BY r.dataset_example_id, r.repetition_number", &q, err);
    if (rc != AS_OK) return rc;
    sqlite3_bind_int64(q, 1, x->id);
    size_t cap = 0;
    int r;
    while ((r = sqlite3_step(q)) == SQLITE_ROW) {
        PUSH(x->evals, x->n_evals, cap, as_an_eval);
        as_an_eval *e = &x->evals[x->n_evals++];
        e->example_id = sqlite3_column_int64(q, 0);
        e->repetition = sqlite3_column_int(q, 1);
        e->name = col_intern(&x->str, q, 2);
        e->label = col_intern(&x->str, q, 3);
        e->score = col_real(q, 4);
        e->failed = sqlite3_column_int(q, 5) != 0;
    }
    if (r != SQLITE_DONE) rc = sq_error(db, err, "reading experiment evaluations");
    sqlite3_finalize(q);
    return rc;
}

static as_rc sq_an_experiment(as_store *st, int64_t id, bool with_data,
                              as_an_experiment *out, as_err *err) {
    sq_store *s = SQ(st);
    memset(out, 0, sizeof(*out));
    sqlite3 *db = sq_acquire(s);
    as_rc rc = sq_exec(db, "BEGIN", err);
    if (rc == AS_OK) {
        rc = read_experiment(db, id, out, err);
        if (rc == AS_OK && with_data) rc = read_runs(db, out, err);
        if (rc == AS_OK && with_data) rc = read_evals(db, out, err);
        sq_exec(db, "COMMIT", NULL);
    }
    sq_release(s, db);
    if (rc != AS_OK) as_an_experiment_free(out);
    return rc;
}

static as_rc sq_an_experiment_by_name(as_store *st, const char *name, int64_t *id,
                                      as_err *err) {
    sq_store *s = SQ(st);
    sqlite3 *db = sq_acquire(s);
    sqlite3_stmt *q;
    as_rc rc = sq_prepare(db, "SELECT id FROM experiments WHERE name = ?1 ORDER BY id LIMIT 2",
                          &q, err);
    if (rc == AS_OK) {
        sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
        int n = 0, r;
        while ((r = sqlite3_step(q)) == SQLITE_ROW) {
            if (n++ == 0) *id = sqlite3_column_int64(q, 0);
        }
        if (r != SQLITE_DONE) rc = sq_error(db, err, "finding experiment by name");
        else if (n == 0) rc = as_err_set(err, AS_ENOTFOUND, "no experiment named '%s'", name);
        else if (n > 1)
            rc = as_err_set(err, AS_ECONFLICT,
                            "several experiments are named '%s': give the id", name);
        sqlite3_finalize(q);
    }
    sq_release(s, db);
    return rc;
}

/* Append the rows of q: (target, span_id, human, annotator, label, score,
 * explanation). */
static as_rc read_ratings(sqlite3 *db, sqlite3_stmt *q, as_an_ratings *out,
                          size_t *cap, as_err *err) {
    int r;
    while ((r = sqlite3_step(q)) == SQLITE_ROW) {
        PUSH(out->v, out->n, *cap, as_an_rating);
        as_an_rating *g = &out->v[out->n++];
        g->target = sqlite3_column_int64(q, 0);
        g->span_id = (uint64_t)sqlite3_column_int64(q, 1);
        g->human = sqlite3_column_int(q, 2) != 0;
        g->annotator = col_intern(&out->str, q, 3);
        g->label = col_intern(&out->str, q, 4);
        g->score = col_real(q, 5);
        g->explanation = g->human ? NULL : col_dup(q, 6);
    }
    return r == SQLITE_DONE ? AS_OK : sq_error(db, err, "reading ratings");
}

static as_rc sq_an_ratings_experiment(as_store *st, int64_t experiment_id,
                                      const char *judge_name, const char *human_name,
                                      as_an_ratings *out, as_err *err) {
    sq_store *s = SQ(st);
    memset(out, 0, sizeof(*out));
    sqlite3 *db = sq_acquire(s);
    sqlite3_stmt *q = NULL, *h = NULL, *x = NULL;
    size_t cap = 0;
    as_rc rc = sq_exec(db, "BEGIN", err);
    if (rc == AS_OK) {
        rc = sq_prepare(db, "SELECT 1 FROM experiments WHERE id = ?1", &x, err);
        if (rc == AS_OK) {
            sqlite3_bind_int64(x, 1, experiment_id);
            if (sqlite3_step(x) != SQLITE_ROW)
                rc = as_err_set(err, AS_ENOTFOUND, "experiment %lld not found",
                                (long long)experiment_id);
        }
        if (rc == AS_OK)
            rc = sq_prepare(db,
                "SELECT r.dataset_example_id, 0, 0, a.annotator_kind, a.label, a.score, "
                "  a.explanation "
                "FROM experiment_runs r "
                "JOIN experiment_run_annotations a ON a.experiment_run_id = r.id "
                "WHERE r.experiment_id = ?1 AND r.error IS NULL AND a.name = ?2 "
                "  AND a.error IS NULL "
                "ORDER BY r.dataset_example_id, r.repetition_number", &q, err);
        if (rc == AS_OK) {
            sqlite3_bind_int64(q, 1, experiment_id);
            sqlite3_bind_text(q, 2, judge_name, -1, SQLITE_STATIC);
            rc = read_ratings(db, q, out, &cap, err);
        }
        if (rc == AS_OK)
            rc = sq_prepare(db,
                "SELECT d.example_id, 0, 1, coalesce(d.user_id, nullif(d.identifier, ''), "
                "  'human'), d.label, d.score, NULL "
                "FROM dataset_example_annotations d "
                "WHERE d.name = ?2 AND d.annotator_kind = 'HUMAN' AND d.example_id IN ("
                "  SELECT dataset_example_id FROM experiment_runs WHERE experiment_id = ?1) "
                "ORDER BY d.example_id, d.id", &h, err);
        if (rc == AS_OK) {
            sqlite3_bind_int64(h, 1, experiment_id);
            sqlite3_bind_text(h, 2, human_name, -1, SQLITE_STATIC);
            rc = read_ratings(db, h, out, &cap, err);
        }
        sq_exec(db, "COMMIT", NULL);
    }
    sqlite3_finalize(x);
    sqlite3_finalize(q);
    sqlite3_finalize(h);
    sq_release(s, db);
    if (rc != AS_OK) as_an_ratings_free(out);
    return rc;
}

static as_rc sq_an_ratings_project(as_store *st, int64_t project_id, const char *name,
                                   as_an_ratings *out, as_err *err) {
    sq_store *s = SQ(st);
    memset(out, 0, sizeof(*out));
    sqlite3 *db = sq_acquire(s);
    sqlite3_stmt *q;
    size_t cap = 0;
    as_rc rc = sq_prepare(db,
        "SELECT a.span_rowid, s.span_id, a.annotator_kind = 'HUMAN', "
        "  CASE WHEN a.annotator_kind = 'HUMAN' THEN coalesce(nullif(a.identifier, ''), "
        "    CAST(a.user_id AS TEXT), 'human') ELSE a.annotator_kind END, "
        "  a.label, a.score, a.explanation "
        "FROM span_annotations a JOIN spans s ON s.id = a.span_rowid "
        "WHERE a.name = ?1 AND s.project_id = ?2 "
        "  AND a.annotator_kind IN ('LLM', 'CODE', 'HUMAN') "
        "ORDER BY a.span_rowid, a.id", &q, err);
    if (rc == AS_OK) {
        sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 2, project_id);
        rc = read_ratings(db, q, out, &cap, err);
        sqlite3_finalize(q);
    }
    sq_release(s, db);
    if (rc != AS_OK) as_an_ratings_free(out);
    return rc;
}

static as_rc sq_an_label_config(as_store *st, const char *name, json_t **row,
                                as_err *err) {
    sq_store *s = SQ(st);
    sqlite3 *db = sq_acquire(s);
    sqlite3_stmt *q;
    *row = NULL;
    as_rc rc = sq_prepare(db, "SELECT type, config FROM annotation_configs WHERE name = ?1",
                          &q, err);
    if (rc == AS_OK) {
        sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
        int r = sqlite3_step(q);
        if (r == SQLITE_ROW)
            *row = json_pack("{s:o, s:o}", "type", sq_col_text(q, 0),
                             "config", sq_col_json(q, 1));
        else if (r != SQLITE_DONE)
            rc = sq_error(db, err, "reading annotation config");
        sqlite3_finalize(q);
    }
    sq_release(s, db);
    return rc;
}

const struct as_analysis_ops sq_analysis_ops = {
    .name = "sqlite",
    .experiment = sq_an_experiment,
    .experiment_by_name = sq_an_experiment_by_name,
    .ratings_experiment = sq_an_ratings_experiment,
    .ratings_project = sq_an_ratings_project,
    .label_config = sq_an_label_config,
};
