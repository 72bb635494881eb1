/*
 * experiments.c - the experiments part of the SQLite backend: experiments
 * over a dataset version (optionally narrowed to splits), their runs (one
 * per example and repetition) and evaluations (one per run and name).
 *
 * Every write is one BEGIN IMMEDIATE transaction on a pool connection, so
 * the check-then-write sequences (a successful run blocks a new one; a
 * failed one is replaced) cannot interleave.  Multi-statement reads run
 * in a deferred transaction so that they see one snapshot.
 *
 * The example set of an experiment is SQ_EXAMPLES_AT(dataset, version),
 * narrowed to the experiment's splits (stored as a JSON array of split
 * names, NULL for all): EXP_EXAMPLES below.
 */
#include <stdlib.h>
#include <string.h>

#include "../experiments_ops.h"
#include "assay/hex.h"
#include "assay/timefmt.h"
#include "sqlite_int.h"

#define NAME_MAX_LEN 256
#define TEXT_MAX_LEN (64 * 1024)
#define TRACE_ID_MAX_LEN 128
#define MAX_REPETITIONS 1000
#define MAX_SPLITS 100

/* (example_id, revision_id) of the experiment's examples: ds, ver and
 * splits (JSON text or NULL) are SQL expressions, each used once. */
#define EXP_EXAMPLES(ds, ver, splits)                                        \
    "SELECT x.example_id, x.revision_id FROM (" SQ_EXAMPLES_AT(ds, ver) ") x " \
    "WHERE " splits " IS NULL OR x.example_id IN ("                          \
    "  SELECT se.example_id FROM dataset_split_examples se "                 \
    "  JOIN dataset_splits sp ON sp.id = se.split_id "                       \
    "  WHERE sp.name IN (SELECT value FROM json_each(" splits ")))"

#define EXP_COLS                                                             \
    "id, dataset_id, dataset_version_id, name, description, repetitions, "   \
    "metadata, splits, project_name, runner, status, status_message, "       \
    "created_at, updated_at"

#define RUN_COLS                                                             \
    "r.id, r.experiment_id, r.dataset_example_id, r.repetition_number, "     \
    "r.trace_id, r.output, r.start_time, r.end_time, r.prompt_token_count, " \
    "r.completion_token_count, r.cost, r.error"
#define RUN_NCOLS 12

#define EVAL_COLS                                                            \
    "a.id, a.experiment_run_id, a.name, a.annotator_kind, a.label, a.score, " \
    "a.explanation, a.trace_id, a.error, a.metadata, a.start_time, a.end_time"

/* One example at one revision: ?1 example id, ?2 revision id. */
#define EXAMPLE_SQL                                                          \
    "SELECT e.id, e.external_id, e.source_span_id, r.input, r.output, "      \
    "r.metadata, r.id, r.version_id, r.created_at, "                         \
    "(SELECT json_group_array(name) FROM (SELECT sp.name "                   \
    "  FROM dataset_split_examples se JOIN dataset_splits sp "               \
    "  ON sp.id = se.split_id WHERE se.example_id = e.id ORDER BY sp.name)) " \
    "FROM dataset_examples e JOIN dataset_example_revisions r ON r.id = ?2 " \
    "WHERE e.id = ?1"

static const char *const statuses[] = { "queued", "running", "done",
                                        "cancelled", "failed" };

/* ---- small helpers ------------------------------------------------- */

static as_rc begin(sqlite3 *db, bool write, as_err *err) {
    return write ? sq_tx_begin(db, err) : sq_exec(db, "BEGIN", err);
}

static void bind_text(sqlite3_stmt *q, int i, const char *s) {
    if (s) sqlite3_bind_text(q, i, s, -1, SQLITE_TRANSIENT);
    else sqlite3_bind_null(q, i);
}

/* Compact JSON text of v (malloc'd; "null" for NULL). */
static char *dump(const json_t *v) {
    if (!v) return strdup("null");
    return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
}

static json_t *col_int(sqlite3_stmt *q, int i) {
    return sqlite3_column_type(q, i) == SQLITE_NULL
               ? json_null() : json_integer(sqlite3_column_int64(q, i));
}

static json_t *col_real(sqlite3_stmt *q, int i) {
    return sqlite3_column_type(q, i) == SQLITE_NULL
               ? json_null() : json_real(sqlite3_column_double(q, i));
}

static json_t *col_object(sqlite3_stmt *q, int i) {
    json_t *v = sq_col_json(q, i);
    if (json_is_object(v)) return v;
    json_decref(v);
    return json_object();
}

/* Step a statement that returns no rows; finalizes it. */
static as_rc step_done(sqlite3 *db, sqlite3_stmt *q, const char *what,
                       as_err *err) {
    int r = sqlite3_step(q);
    sqlite3_finalize(q);
    return r == SQLITE_DONE ? AS_OK : sq_error(db, err, what);
}

/* ---- input validation (EUNPROCESSABLE naming the field) ----------- */

/* Optional string: absent or null -> *out = NULL. */
static as_rc f_str(const json_t *o, const char *f, size_t max, bool required,
                   const char **out, as_err *err) {
    json_t *v = json_object_get(o, f);
    *out = NULL;
    if (!v || json_is_null(v)) {
        if (required) return as_err_set(err, AS_EUNPROCESSABLE, "'%s' is required", f);
        return AS_OK;
    }
    if (!json_is_string(v))
        return as_err_set(err, AS_EUNPROCESSABLE, "'%s' must be a string", f);
    if (json_string_length(v) > max)
        return as_err_set(err, AS_EUNPROCESSABLE, "'%s' is longer than %zu bytes", f, max);
    if (required && json_string_length(v) == 0)
        return as_err_set(err, AS_EUNPROCESSABLE, "'%s' must not be empty", f);
    *out = json_string_value(v);
    return AS_OK;
}

/* Optional integer: absent or null -> *present = false, *out = def. */
static as_rc f_int(const json_t *o, const char *f, bool required, int64_t def,
                   int64_t *out, as_err *err) {
    json_t *v = json_object_get(o, f);
    *out = def;
    if (!v || json_is_null(v)) {
        if (required) return as_err_set(err, AS_EUNPROCESSABLE, "'%s' is required", f);
        return AS_OK;
    }
    if (!json_is_integer(v))
        return as_err_set(err, AS_EUNPROCESSABLE, "'%s' must be an integer", f);
    *out = json_integer_value(v);
    return AS_OK;
}

/* Optional object: absent or null -> NULL (borrowed). */
static as_rc f_obj(const json_t *o, const char *f, json_t **out, as_err *err) {
    json_t *v = json_object_get(o, f);
    *out = NULL;
    if (!v || json_is_null(v)) return AS_OK;
    if (!json_is_object(v))
        return as_err_set(err, AS_EUNPROCESSABLE, "'%s' must be an object", f);
    *out = v;
    return AS_OK;
}

static bool valid_status(const char *s) {
    for (size_t i = 0; i < AS_ARRAY_LEN(statuses); i++)
        if (strcmp(s, statuses[i]) == 0) return true;
    return false;
}

/* ---- experiment rows ------------------------------------------------ */

typedef struct xinfo {
    int64_t id, ds, ver, reps;
    char *splits;               /* JSON text of split names, or NULL */
} xinfo;

static void xinfo_free(xinfo *x) { free(x->splits); x->splits = NULL; }

static json_t *exp_json(sqlite3_stmt *q) {
    return json_pack(
        "{s:I, s:I, s:I, s:o, s:o, s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:I, s:I}",
        "id", (json_int_t)sqlite3_column_int64(q, 0),
        "dataset_id", (json_int_t)sqlite3_column_int64(q, 1),
        "dataset_version_id", (json_int_t)sqlite3_column_int64(q, 2),
        "name", sq_col_text(q, 3),
        "description", sq_col_text(q, 4),
        "repetitions", (json_int_t)sqlite3_column_int64(q, 5),
        "metadata", col_object(q, 6),
        "splits", sq_col_json(q, 7),
        "project_name", sq_col_text(q, 8),
        "runner", sq_col_json(q, 9),
        "status", sq_col_text(q, 10),
        "status_message", sq_col_text(q, 11),
        "created_at", (json_int_t)sqlite3_column_int64(q, 12),
        "updated_at", (json_int_t)sqlite3_column_int64(q, 13));
}

/* Read experiment id: its info into x and, if row, its stored fields. */
static as_rc exp_fetch(sqlite3 *db, int64_t id, xinfo *x, json_t **row,
                       as_err *err) {
    sqlite3_stmt *q;
    as_rc rc = sq_row_by_id(db, "SELECT " EXP_COLS " FROM experiments WHERE id = ?", id,
                            "experiment", "reading experiment", &q, err);
    if (rc != AS_OK) return rc;
    x->id = id;
    x->ds = sqlite3_column_int64(q, 1);
    x->ver = sqlite3_column_int64(q, 2);
    x->reps = sqlite3_column_int64(q, 5);
    const char *sp = (const char *)sqlite3_column_text(q, 7);
    x->splits = sp ? strdup(sp) : NULL;
    if (row) *row = exp_json(q);
    sqlite3_finalize(q);
    return AS_OK;
}

static void bind_examples(sqlite3_stmt *q, const xinfo *x) {
    sqlite3_bind_int64(q, 1, x->ds);
    sqlite3_bind_int64(q, 2, x->ver);
    bind_text(q, 3, x->splits);
}

/* Add example_count and the run counts to an experiment row. */
static as_rc exp_counts(sqlite3 *db, const xinfo *x, json_t *row, as_err *err) {
    sqlite3_stmt *q;
    as_rc rc = sq_prepare(db,
        "SELECT (SELECT count(*) FROM (" EXP_EXAMPLES("?1", "?2", "?3") ")), "
        "(SELECT count(*) FROM experiment_runs WHERE experiment_id = ?4 "
        "  AND error IS NULL), "
        "(SELECT count(*) FROM experiment_runs WHERE experiment_id = ?4 "
        "  AND error IS NOT NULL)", &q, err);
    if (rc != AS_OK) return rc;
    bind_examples(q, x);
    sqlite3_bind_int64(q, 4, x->id);
    if (sqlite3_step(q) == SQLITE_ROW) {
        int64_t n = sqlite3_column_int64(q, 0), ok = sqlite3_column_int64(q, 1),
                bad = sqlite3_column_int64(q, 2);
        int64_t missing = n * x->reps - ok - bad;
        json_object_set_new(row, "example_count", json_integer(n));
        json_object_set_new(row, "successful_run_count", json_integer(ok));
        json_object_set_new(row, "failed_run_count", json_integer(bad));
        json_object_set_new(row, "missing_run_count", json_integer(missing > 0 ? missing : 0));
    } else {
        rc = sq_error(db, err, "counting experiment runs");
    }
    sqlite3_finalize(q);
    return rc;
}

/* The full experiment object of id. */
static as_rc exp_full(sqlite3 *db, int64_t id, json_t **row, as_err *err) {
    xinfo x = { 0 };
    json_t *r = NULL;
    as_rc rc = exp_fetch(db, id, &x, &r, err);
    if (rc == AS_OK) rc = exp_counts(db, &x, r, err);
    xinfo_free(&x);
    if (rc != AS_OK) { json_decref(r); return rc; }
    *row = r;
    return AS_OK;
}

/* ---- example, run and evaluation objects --------------------------- */

static json_t *example_json(sqlite3_stmt *q) {
    json_t *splits = sq_col_json(q, 9);
    if (!json_is_array(splits)) { json_decref(splits); splits = json_array(); }
    return json_pack("{s:I, s:o, s:o, s:o, s:o, s:o, s:I, s:I, s:I, s:o}",
                     "id", (json_int_t)sqlite3_column_int64(q, 0),
                     "external_id", sq_col_text(q, 1),
                     "source_span_id", sq_col_text(q, 2),
                     "input", col_object(q, 3),
                     "output", col_object(q, 4),
                     "metadata", col_object(q, 5),
                     "revision_id", (json_int_t)sqlite3_column_int64(q, 6),
                     "version_id", (json_int_t)sqlite3_column_int64(q, 7),
                     "updated_at", (json_int_t)sqlite3_column_int64(q, 8),
                     "splits", splits);
}

/* The example object of (example, revision) with a prepared EXAMPLE_SQL. */
static as_rc example_get(sqlite3 *db, sqlite3_stmt *q, int64_t ex, int64_t rev,
                         json_t **out, as_err *err) {
    sqlite3_reset(q);
    sqlite3_bind_int64(q, 1, ex);
    sqlite3_bind_int64(q, 2, rev);
    int r = sqlite3_step(q);
    if (r == SQLITE_ROW) { *out = example_json(q); return AS_OK; }
    if (r == SQLITE_DONE)
        return as_err_set(err, AS_EINTERNAL, "example %lld revision %lld vanished",
                          (long long)ex, (long long)rev);
    return sq_error(db, err, "reading dataset example");
}

static json_t *run_json(sqlite3_stmt *q, int c) {
    json_t *out = sq_col_json(q, c + 5);
    return json_pack("{s:I, s:I, s:I, s:I, s:o, s:o, s:I, s:I, s:o, s:o, s:o, s:o}",
                     "id", (json_int_t)sqlite3_column_int64(q, c),
                     "experiment_id", (json_int_t)sqlite3_column_int64(q, c + 1),
                     "dataset_example_id", (json_int_t)sqlite3_column_int64(q, c + 2),
                     "repetition_number", (json_int_t)sqlite3_column_int64(q, c + 3),
                     "trace_id", sq_col_text(q, c + 4),
                     "output", out,
                     "start_time", (json_int_t)sqlite3_column_int64(q, c + 6),
                     "end_time", (json_int_t)sqlite3_column_int64(q, c + 7),
                     "prompt_token_count", col_int(q, c + 8),
                     "completion_token_count", col_int(q, c + 9),
                     "cost", col_real(q, c + 10),
                     "error", sq_col_text(q, c + 11));
}

static json_t *eval_json(sqlite3_stmt *q) {
    return json_pack("{s:I, s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:I, s:I}",
                     "id", (json_int_t)sqlite3_column_int64(q, 0),
                     "experiment_run_id", (json_int_t)sqlite3_column_int64(q, 1),
                     "name", sq_col_text(q, 2),
                     "annotator_kind", sq_col_text(q, 3),
                     "label", sq_col_text(q, 4),
                     "score", col_real(q, 5),
                     "explanation", sq_col_text(q, 6),
                     "trace_id", sq_col_text(q, 7),
                     "error", sq_col_text(q, 8),
                     "metadata", col_object(q, 9),
                     "start_time", (json_int_t)sqlite3_column_int64(q, 10),
                     "end_time", (json_int_t)sqlite3_column_int64(q, 11));
}

/* A single row by id with `sql` (one ?), shaped by fn. */
static as_rc row_by_id(sqlite3 *db, const char *sql, int64_t id,
                       json_t *(*fn)(sqlite3_stmt *), json_t **out,
                       const char *what, as_err *err) {
    sqlite3_stmt *q;
    as_rc rc = sq_row_by_id(db, sql, id, what, what, &q, err);
    if (rc != AS_OK) return rc;
    *out = fn(q);
    sqlite3_finalize(q);
    return AS_OK;
}

static json_t *run_json0(sqlite3_stmt *q) { return run_json(q, 0); }
static json_t *id_json(sqlite3_stmt *q) { return json_integer(sqlite3_column_int64(q, 0)); }

/* ---- experiments ------------------------------------------------------ */

typedef struct xspec {
    const char *name, *description, *project_name, *status;
    json_t *metadata, *runner;
    const json_t *splits;
    int64_t version_id, reps;
} xspec;

static as_rc parse_spec(const json_t *spec, xspec *s, as_err *err) {
    memset(s, 0, sizeof(*s));
    if (spec && !json_is_object(spec))
        return as_err_set(err, AS_EUNPROCESSABLE, "experiment spec must be an object");
    as_rc rc;
    if ((rc = f_str(spec, "name", NAME_MAX_LEN, false, &s->name, err)) ||
        (rc = f_str(spec, "description", TEXT_MAX_LEN, false, &s->description, err)) ||
        (rc = f_str(spec, "project_name", NAME_MAX_LEN, false, &s->project_name, err)) ||
        (rc = f_str(spec, "status", 32, false, &s->status, err)) ||
        (rc = f_obj(spec, "metadata", &s->metadata, err)) ||
        (rc = f_obj(spec, "runner", &s->runner, err)) ||
        (rc = f_int(spec, "version_id", false, 0, &s->version_id, err)) ||
        (rc = f_int(spec, "repetitions", false, 1, &s->reps, err)))
        return rc;
    if (s->name && !*s->name) s->name = NULL;          /* as Phoenix: generated */
    if (s->project_name && !*s->project_name)
        return as_err_set(err, AS_EUNPROCESSABLE, "'project_name' must not be empty");
    if (s->version_id < 0)
        return as_err_set(err, AS_EUNPROCESSABLE, "'version_id' must be positive");
    if (s->reps < 1 || s->reps > MAX_REPETITIONS)
        return as_err_set(err, AS_EUNPROCESSABLE,
                          "'repetitions' must be an integer from 1 to %d, got %lld",
                          MAX_REPETITIONS, (long long)s->reps);
    if (s->status && !valid_status(s->status))
        return as_err_set(err, AS_EUNPROCESSABLE, "'status' must be one of queued, "
                          "running, done, cancelled, failed; got '%s'", s->status);
    json_t *sp = json_object_get(spec, "splits");
    if (sp && !json_is_null(sp)) {
        if (!json_is_array(sp))
            return as_err_set(err, AS_EUNPROCESSABLE, "'splits' must be an array of strings");
        if (json_array_size(sp) > MAX_SPLITS)
            return as_err_set(err, AS_EUNPROCESSABLE, "'splits' has more than %d entries",
                              MAX_SPLITS);
        size_t i;
        json_t *v;
        json_array_foreach(sp, i, v)
            if (!json_is_string(v) || json_string_length(v) == 0 ||
                json_string_length(v) > NAME_MAX_LEN)
                return as_err_set(err, AS_EUNPROCESSABLE,
                                  "'splits[%zu]' must be a non-empty string", i);
        if (json_array_size(sp) > 0) s->splits = sp;
    }
    return AS_OK;
}

/* Resolve split identifiers (names or DatasetSplit GlobalIDs) to names:
 * *out is a new JSON array. */
static as_rc resolve_splits(sqlite3 *db, const json_t *ids, json_t **out,
                            as_err *err) {
    sqlite3_stmt *q;
    as_rc rc = sq_prepare(db, "SELECT name FROM dataset_splits WHERE "
                              "(?1 IS NOT NULL AND id = ?1) OR name = ?2", &q, err);
    if (rc != AS_OK) return rc;
    json_t *names = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(ids, i, v) {
        const char *s = json_string_value(v);
        int64_t rowid;
        sqlite3_reset(q);
        if (as_globalid_decode(s, "DatasetSplit", &rowid)) sqlite3_bind_int64(q, 1, rowid);
        else sqlite3_bind_null(q, 1);
        sqlite3_bind_text(q, 2, s, -1, SQLITE_STATIC);
        int r = sqlite3_step(q);
        if (r == SQLITE_ROW) {
            json_array_append_new(names, sq_col_text(q, 0));
        } else if (r == SQLITE_DONE) {
            rc = as_err_set(err, AS_EUNPROCESSABLE, "splits[%zu]: split '%.200s' not found", i, s);
            break;
        } else {
            rc = sq_error(db, err, "resolving splits");
            break;
        }
    }
    sqlite3_finalize(q);
    if (rc != AS_OK) { json_decref(names); return rc; }
    *out = names;
    return AS_OK;
}

/* The dataset's name and the version to use (the latest when *ver is 0). */
static as_rc check_dataset(sqlite3 *db, int64_t ds, int64_t *ver, char **ds_name,
                           as_err *err) {
    sqlite3_stmt *q;
    as_rc rc = sq_prepare(db,
        "SELECT d.name, (SELECT max(v.id) FROM dataset_versions v WHERE v.dataset_id = d.id), "
        "(SELECT v.dataset_id FROM dataset_versions v WHERE v.id = ?2) "
        "FROM datasets d WHERE d.id = ?1", &q, err);
    if (rc != AS_OK) return rc;
    sqlite3_bind_int64(q, 1, ds);
    sqlite3_bind_int64(q, 2, *ver);
    int r = sqlite3_step(q);
    if (r == SQLITE_DONE) {
        rc = as_err_set(err, AS_ENOTFOUND, "dataset %lld not found", (long long)ds);
    } else if (r != SQLITE_ROW) {
        rc = sq_error(db, err, "reading dataset");
    } else if (*ver == 0) {
        if (sqlite3_column_type(q, 1) == SQLITE_NULL)
            rc = as_err_set(err, AS_ENOTFOUND, "dataset %lld has no versions", (long long)ds);
        else *ver = sqlite3_column_int64(q, 1);
    } else if (sqlite3_column_int64(q, 2) != ds) {
        rc = as_err_set(err, AS_ENOTFOUND, "dataset version %lld not found in dataset %lld",
                        (long long)*ver, (long long)ds);
    }
    if (rc == AS_OK && ds_name) *ds_name = strdup((const char *)sqlite3_column_text(q, 0));
    sqlite3_finalize(q);
    return rc;
}

static as_rc create_on(sqlite3 *db, int64_t ds, const xspec *s, json_t **row,
                       as_err *err) {
    int64_t ver = s->version_id;
    char *ds_name = NULL;
    json_t *split_names = NULL;
    char *meta = NULL, *runner = NULL, *splits = NULL;
    as_rc rc = check_dataset(db, ds, &ver, &ds_name, err);
    if (rc == AS_OK && s->splits) rc = resolve_splits(db, s->splits, &split_names, err);
    sqlite3_stmt *q = NULL;
    if (rc == AS_OK)
        rc = sq_prepare(db,
            "INSERT INTO experiments(dataset_id, dataset_version_id, name, description, "
            "repetitions, metadata, splits, project_name, runner, status, created_at, "
            "updated_at) VALUES(?1, ?2, coalesce(?3, replace(substr(?12, 1, 8), ' ', '-') "
            "|| '-' || lower(hex(randomblob(4)))), ?4, ?5, ?6, ?7, "
            "coalesce(?8, 'Experiment-' || lower(hex(randomblob(12)))), ?9, ?10, ?11, ?11)",
            &q, err);
    if (rc == AS_OK) {
        meta = s->metadata ? dump(s->metadata) : strdup("{}");
        runner = s->runner ? dump(s->runner) : NULL;
        splits = split_names ? dump(split_names) : NULL;
        sqlite3_bind_int64(q, 1, ds);
        sqlite3_bind_int64(q, 2, ver);
        bind_text(q, 3, s->name);
        bind_text(q, 4, s->description);
        sqlite3_bind_int64(q, 5, s->reps);
        bind_text(q, 6, meta);
        bind_text(q, 7, splits);
        bind_text(q, 8, s->project_name);
        bind_text(q, 9, runner);
        bind_text(q, 10, s->status);
        sqlite3_bind_int64(q, 11, as_now_ns());
        bind_text(q, 12, ds_name);
        rc = step_done(db, q, "creating experiment", err);
    }
    int64_t id = sqlite3_last_insert_rowid(db);
    /* The project of the task traces, made now as Phoenix does (OTLP
     * ingest would also make it on the first span). */
    if (rc == AS_OK)
        rc = sq_prepare(db,
            "INSERT INTO projects(name, description, created_at, updated_at) "
            "SELECT project_name, ?2, ?3, ?3 FROM experiments WHERE id = ?1 "
            "ON CONFLICT(name) DO NOTHING", &q, err);
    if (rc == AS_OK) {
        char dgid[AS_GLOBALID_MAX], vgid[AS_GLOBALID_MAX], desc[2 * AS_GLOBALID_MAX + 64];
        as_globalid_encode("Dataset", ds, dgid);
        as_globalid_encode("DatasetVersion", ver, vgid);
        snprintf(desc, sizeof(desc), "dataset_id: %s\ndataset_version_id: %s", dgid, vgid);
        sqlite3_bind_int64(q, 1, id);
        sqlite3_bind_text(q, 2, desc, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(q, 3, as_now_ns());
        rc = step_done(db, q, "creating the experiment's project", err);
    }
    if (rc == AS_OK) rc = exp_full(db, id, row, err);
    free(ds_name);
    free(meta);
    free(runner);
    free(splits);
    json_decref(split_names);
    return rc;
}

static as_rc sq_exp_create(as_store *st, int64_t ds, const json_t *spec,
                           json_t **row, as_err *err) {
    xspec s;
    as_rc rc = parse_spec(spec, &s, err);
    if (rc != AS_OK) return rc;
    sq_store *ss = SQ(st);
    sqlite3 *db = sq_acquire(ss);
    rc = begin(db, true, err);
    if (rc == AS_OK) rc = sq_tx_end(db, create_on(db, ds, &s, row, err), err);
    sq_release(ss, db);
    return rc;
}

static as_rc sq_exp_get(as_store *st, int64_t id, json_t **row, as_err *err) {
    sq_store *s = SQ(st);
    sqlite3 *db = sq_acquire(s);
    as_rc rc = begin(db, false, err);
    if (rc == AS_OK) rc = sq_tx_end(db, exp_full(db, id, row, err), err);
    sq_release(s, db);
    return rc;
}

static as_rc sq_exp_set_status(as_store *st, int64_t id, const char *status,
                               const char *message, as_err *err) {
    if (!status || !valid_status(status))
        return as_err_set(err, AS_EUNPROCESSABLE, "status must be one of queued, running, "
                          "done, cancelled, failed; got '%s'", status ? status : "(null)");
    sq_store *s = SQ(st);
    sqlite3 *db = sq_acquire(s);
    sqlite3_stmt *q;
    as_rc rc = sq_prepare(db, "UPDATE experiments SET status = ?2, status_message = ?3, "
                              "updated_at = ?4 WHERE id = ?1", &q, err);
    if (rc == AS_OK) {
        sqlite3_bind_int64(q, 1, id);
        sqlite3_bind_text(q, 2, status, -1, SQLITE_STATIC);
        bind_text(q, 3, message);
        sqlite3_bind_int64(q, 4, as_now_ns());
        rc = step_done(db, q, "setting experiment status", err);
        if (rc == AS_OK && sqlite3_changes(db) == 0)
            rc = as_err_set(err, AS_ENOTFOUND, "experiment %lld not found", (long long)id);
    }
    sq_release(s, db);
    return rc;
}

/* Full experiment objects for the ids a statement yields (column 0). */
static as_rc exp_rows(sqlite3 *db, sqlite3_stmt *q, int limit, json_t *rows,
                      int64_t *next, as_err *err) {
    int r = SQLITE_DONE, count = 0;
    as_rc rc = AS_OK;
    while (rc == AS_OK && (r = sqlite3_step(q)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(q, 0);
        if (limit > 0 && count++ == limit) { if (next) *next = id; break; }
        json_t *row;
        rc = exp_full(db, id, &row, err);
        if (rc == AS_OK) json_array_append_new(rows, row);
    }
    if (rc == AS_OK && r != SQLITE_ROW && r != SQLITE_DONE)
        rc = sq_error(db, err, "listing experiments");
    sqlite3_finalize(q);
    return rc;
}

static as_rc sq_exp_with_status(as_store *st, const char *status, json_t **rows,
                                as_err *err) {
    sq_store *s = SQ(st);
    sqlite3 *db = sq_acquire(s);
    sqlite3_stmt *q;
    *rows = json_array();
    as_rc rc = begin(db, false, err);
    if (rc == AS_OK) {
        rc = sq_prepare(db, "SELECT id FROM experiments WHERE status = ? ORDER BY id", &q, err);
        if (rc == AS_OK) {
            bind_text(q, 1, status);
            rc = exp_rows(db, q, 0, *rows, NULL, err);
        }
        rc = sq_tx_end(db, rc, err);
    }
    sq_release(s, db);
    if (rc != AS_OK) { json_decref(*rows); *rows = NULL; }
    return rc;
}

static as_rc sq_exp_list(as_store *st, int64_t ds, int64_t before, int limit,
                         json_t **rows, int64_t *next, as_err *err) {
    sq_store *s = SQ(st);
    sqlite3 *db = sq_acquire(s);
    sqlite3_stmt *q;
    *rows = json_array();
    *next = 0;
    json_t *found = NULL;
    as_rc rc = begin(db, false, err);
    if (rc == AS_OK) {
        rc = row_by_id(db, "SELECT id FROM datasets WHERE id = ?", ds, id_json, &found,
                       "dataset", err);
        json_decref(found);
        if (rc == AS_OK)
            rc = sq_prepare(db, "SELECT id FROM experiments WHERE dataset_id = ?1 AND "
                                "(?2 = 0 OR id < ?2) ORDER BY id DESC LIMIT ?3", &q, err);
        if (rc == AS_OK) {
            sqlite3_bind_int64(q, 1, ds);
            sqlite3_bind_int64(q, 2, before);
            sqlite3_bind_int(q, 3, limit > 0 ? limit + 1 : -1);
            rc = exp_rows(db, q, limit, *rows, next, err);
        }
        rc = sq_tx_end(db, rc, err);
    }
    sq_release(s, db);
    if (rc != AS_OK) { json_decref(*rows); *rows = NULL; }
    return rc;
}

static as_rc sq_exp_update(as_store *st, int64_t id, const json_t *patch,
                           json_t **row, as_err *err) {
    if (!json_is_object(patch))
        return as_err_set(err, AS_EUNPROCESSABLE, "the update must be an object");
    json_t *jn = json_object_get(patch, "name"), *jd = json_object_get(patch, "description"),
           *jm = json_object_get(patch, "metadata");
    const char *name = NULL, *desc = NULL;
    json_t *meta = NULL;
    as_rc rc;
    if (jn && (rc = f_str(patch, "name", NAME_MAX_LEN, true, &name, err))) return rc;
    if (jd && (rc = f_str(patch, "description", TEXT_MAX_LEN, false, &desc, err))) return rc;
    if (jm) {
        if ((rc = f_obj(patch, "metadata", &meta, err))) return rc;
        if (!meta) return as_err_set(err, AS_EUNPROCESSABLE, "'metadata' must be an object");
    }
    char *mtext = meta ? dump(meta) : NULL;
    sq_store *s = SQ(st);
    sqlite3 *db = sq_acquire(s);
    sqlite3_stmt *q;
    rc = begin(db, true, err);
    if (rc == AS_OK) {
        rc = sq_prepare(db,
            "UPDATE experiments SET name = CASE WHEN ?2 THEN ?3 ELSE name END, "
            "description = CASE WHEN ?4 THEN ?5 ELSE description END, "
            "metadata = CASE WHEN ?6 THEN ?7 ELSE metadata END, updated_at = ?8 "
            "WHERE id = ?1", &q, err);
        if (rc == AS_OK) {
            sqlite3_bind_int64(q, 1, id);
            sqlite3_bind_int(q, 2, jn != NULL);
            bind_text(q, 3, name);
            sqlite3_bind_int(q, 4, jd != NULL);
            bind_text(q, 5, desc);
            sqlite3_bind_int(q, 6, jm != NULL);
            bind_text(q, 7, mtext);
            sqlite3_bind_int64(q, 8, as_now_ns());
            rc = step_done(db, q, "updating experiment", err);
            if (rc == AS_OK && sqlite3_changes(db) == 0)
                rc = as_err_set(err, AS_ENOTFOUND, "experiment %lld not found", (long long)id);
        }
        if (rc == AS_OK) rc = exp_full(db, id, row, err);
        rc = sq_tx_end(db, rc, err);
    }
    sq_release(s, db);
    free(mtext);
    return rc;
}

static as_rc sq_exp_delete(as_store *st, int64_t id, bool del_project,
                           as_err *err) {
    sq_store *s = SQ(st);
    sqlite3 *db = sq_acquire(s);
    sqlite3_stmt *q;
    as_rc rc = begin(db, true, err);
    if (rc == AS_OK) {
        if (del_project) {
            rc = sq_prepare(db, "DELETE FROM projects WHERE name <> 'default' AND name = "
                                "(SELECT project_name FROM experiments WHERE id = ?)", &q, err);
            if (rc == AS_OK) {
                sqlite3_bind_int64(q, 1, id);
                rc = step_done(db, q, "deleting the experiment's project", err);
            }
        }
        if (rc == AS_OK) rc = sq_prepare(db, "DELETE FROM experiments WHERE id = ?", &q, err);
        if (rc == AS_OK) {
            sqlite3_bind_int64(q, 1, id);
            rc = step_done(db, q, "deleting experiment", err);
            if (rc == AS_OK && sqlite3_changes(db) == 0)
                rc = as_err_set(err, AS_ENOTFOUND, "experiment %lld not found", (long long)id);
        }
        rc = sq_tx_end(db, rc, err);
    }
    sq_release(s, db);
    return rc;
}

/* ---- runs --------------------------------------------------------------- */

typedef struct rspec {
    int64_t example, rep, start, end, prompt, completion;
    bool has_prompt, has_completion, has_cost;
    double cost;
    const char *trace_id, *error;
    char *output;                 /* JSON text, malloc'd */
} rspec;

static as_rc parse_run(const json_t *run, rspec *r, as_err *err) {
    memset(r, 0, sizeof(*r));
    if (!json_is_object(run))
        return as_err_set(err, AS_EUNPROCESSABLE, "the run must be an object");
    as_rc rc;
    if ((rc = f_int(run, "dataset_example_id", true, 0, &r->example, err)) ||
        (rc = f_int(run, "repetition_number", false, 1, &r->rep, err)) ||
        (rc = f_int(run, "start_time", true, 0, &r->start, err)) ||
        (rc = f_int(run, "end_time", true, 0, &r->end, err)) ||
        (rc = f_str(run, "trace_id", TRACE_ID_MAX_LEN, false, &r->trace_id, err)) ||
        (rc = f_str(run, "error", TEXT_MAX_LEN, false, &r->error, err)) ||
        (rc = f_int(run, "prompt_token_count", false, -1, &r->prompt, err)) ||
        (rc = f_int(run, "completion_token_count", false, -1, &r->completion, err)))
        return rc;
    r->has_prompt = json_is_integer(json_object_get(run, "prompt_token_count"));
    r->has_completion = json_is_integer(json_object_get(run, "completion_token_count"));
    if ((r->has_prompt && r->prompt < 0) || (r->has_completion && r->completion < 0))
        return as_err_set(err, AS_EUNPROCESSABLE, "token counts must not be negative");
    json_t *c = json_object_get(run, "cost");
    if (c && !json_is_null(c)) {
        if (!json_is_number(c))
            return as_err_set(err, AS_EUNPROCESSABLE, "'cost' must be a number");
        r->has_cost = true;
        r->cost = json_number_value(c);
    }
    if (r->end < r->start)
        return as_err_set(err, AS_EUNPROCESSABLE, "'end_time' is before 'start_time'");
    r->output = dump(json_object_get(run, "output"));
    if (!r->output) return as_err_set(err, AS_EINTERNAL, "out of memory");
    return AS_OK;
}

/* Is the example in the experiment's example set?  ENOTFOUND when no such
 * example exists at all, EUNPROCESSABLE when it is outside the set. */
static as_rc check_example(sqlite3 *db, const xinfo *x, int64_t ex, as_err *err) {
    sqlite3_stmt *q;
    as_rc rc = sq_prepare(db,
        "SELECT e.dataset_id, (SELECT r.kind FROM dataset_example_revisions r "
        "  WHERE r.example_id = e.id AND r.version_id <= ?2 "
        "  ORDER BY r.version_id DESC LIMIT 1), "
        "?3 IS NULL OR EXISTS (SELECT 1 FROM dataset_split_examples se "
        "  JOIN dataset_splits sp ON sp.id = se.split_id WHERE se.example_id = e.id "
        "  AND sp.name IN (SELECT value FROM json_each(?3))) "
        "FROM dataset_examples e WHERE e.id = ?1", &q, err);
    if (rc != AS_OK) return rc;
    sqlite3_bind_int64(q, 1, ex);
    sqlite3_bind_int64(q, 2, x->ver);
    bind_text(q, 3, x->splits);
    int r = sqlite3_step(q);
    if (r == SQLITE_DONE) {
        rc = as_err_set(err, AS_ENOTFOUND, "dataset example %lld not found", (long long)ex);
    } else if (r != SQLITE_ROW) {
        rc = sq_error(db, err, "reading dataset example");
    } else {
        const char *kind = (const char *)sqlite3_column_text(q, 1);
        if (sqlite3_column_int64(q, 0) != x->ds || !kind || strcmp(kind, "DELETE") == 0)
            rc = as_err_set(err, AS_EUNPROCESSABLE, "dataset example %lld is not in the "
                            "experiment's dataset version %lld", (long long)ex,
                            (long long)x->ver);
        else if (!sqlite3_column_int(q, 2))
            rc = as_err_set(err, AS_EUNPROCESSABLE, "dataset example %lld is not in the "
                            "experiment's splits", (long long)ex);
    }
    sqlite3_finalize(q);
    return rc;
}

static void bind_run(sqlite3_stmt *q, const rspec *r) {
    bind_text(q, 4, r->trace_id);
    sqlite3_bind_text(q, 5, r->output, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 6, r->start);
    sqlite3_bind_int64(q, 7, r->end);
    if (r->has_prompt) sqlite3_bind_int64(q, 8, r->prompt);
    else sqlite3_bind_null(q, 8);
    if (r->has_completion) sqlite3_bind_int64(q, 9, r->completion);
    else sqlite3_bind_null(q, 9);
    if (r->has_cost) sqlite3_bind_double(q, 10, r->cost);
    else sqlite3_bind_null(q, 10);
    bind_text(q, 11, r->error);
}

static as_rc upsert_run_on(sqlite3 *db, int64_t exp, const rspec *r,
                           json_t **row, as_err *err) {
    xinfo x = { 0 };
    as_rc rc = exp_fetch(db, exp, &x, NULL, err);
    if (rc == AS_OK && (r->rep < 1 || r->rep > x.reps))
        rc = as_err_set(err, AS_EUNPROCESSABLE, "'repetition_number' must be from 1 to %lld, "
                        "got %lld", (long long)x.reps, (long long)r->rep);
    if (rc == AS_OK) rc = check_example(db, &x, r->example, err);
    xinfo_free(&x);
    if (rc != AS_OK) return rc;

    sqlite3_stmt *q;
    if ((rc = sq_prepare(db, "SELECT id, error IS NULL FROM experiment_runs WHERE "
                             "experiment_id = ?1 AND dataset_example_id = ?2 AND "
                             "repetition_number = ?3", &q, err)) != AS_OK)
        return rc;
    sqlite3_bind_int64(q, 1, exp);
    sqlite3_bind_int64(q, 2, r->example);
    sqlite3_bind_int64(q, 3, r->rep);
    int s = sqlite3_step(q);
    int64_t old = s == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
    bool ok = s == SQLITE_ROW && sqlite3_column_int(q, 1);
    sqlite3_finalize(q);
    if (s != SQLITE_ROW && s != SQLITE_DONE) return sq_error(db, err, "finding run");
    if (ok)
        return as_err_set(err, AS_ECONFLICT, "experiment %lld already has a successful run "
                          "(%lld) for dataset example %lld, repetition %lld",
                          (long long)exp, (long long)old, (long long)r->example,
                          (long long)r->rep);
    if (old) {
        /* A failed run is replaced; its evaluations judged the old output. */
        if ((rc = sq_prepare(db, "DELETE FROM experiment_run_annotations WHERE "
                                 "experiment_run_id = ?", &q, err)) != AS_OK)
            return rc;
        sqlite3_bind_int64(q, 1, old);
        if ((rc = step_done(db, q, "replacing failed run", err)) != AS_OK) return rc;
        rc = sq_prepare(db, "UPDATE experiment_runs SET trace_id = ?4, output = ?5, "
                            "start_time = ?6, end_time = ?7, prompt_token_count = ?8, "
                            "completion_token_count = ?9, cost = ?10, error = ?11 "
                            "WHERE id = ?1", &q, err);
        if (rc != AS_OK) return rc;
        sqlite3_bind_int64(q, 1, old);
    } else {
        rc = sq_prepare(db, "INSERT INTO experiment_runs(experiment_id, dataset_example_id, "
                            "repetition_number, trace_id, output, start_time, end_time, "
                            "prompt_token_count, completion_token_count, cost, error) "
                            "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)", &q, err);
        if (rc != AS_OK) return rc;
        sqlite3_bind_int64(q, 1, exp);
        sqlite3_bind_int64(q, 2, r->example);
        sqlite3_bind_int64(q, 3, r->rep);
    }
    bind_run(q, r);
    if ((rc = step_done(db, q, "storing run", err)) != AS_OK) return rc;
    int64_t id = old ? old : sqlite3_last_insert_rowid(db);
    return row_by_id(db, "SELECT " RUN_COLS " FROM experiment_runs r WHERE r.id = ?",
                     id, run_json0, row, "experiment run", err);
}

static as_rc sq_run_upsert(as_store *st, int64_t exp, const json_t *run,
                           json_t **row, as_err *err) {
    rspec r;
    as_rc rc = parse_run(run, &r, err);
    if (rc == AS_OK) {
        sq_store *s = SQ(st);
        sqlite3 *db = sq_acquire(s);
        rc = begin(db, true, err);
        if (rc == AS_OK) rc = sq_tx_end(db, upsert_run_on(db, exp, &r, row, err), err);
        sq_release(s, db);
    }
    free(r.output);
    return rc;
}

static as_rc sq_run_list(as_store *st, int64_t exp, int64_t after, int limit,
                         json_t **rows, bool *has_next, as_err *err) {
    sq_store *s = SQ(st);
    sqlite3 *db = sq_acquire(s);
    sqlite3_stmt *q;
    xinfo x = { 0 };
    *rows = json_array();
    *has_next = false;
    as_rc rc = begin(db, false, err);
    if (rc == AS_OK) {
        rc = exp_fetch(db, exp, &x, NULL, err);
        if (rc == AS_OK)
            rc = sq_prepare(db, "SELECT " RUN_COLS " FROM experiment_runs r WHERE "
                                "r.experiment_id = ?1 AND r.id > ?2 ORDER BY r.id LIMIT ?3",
                            &q, err);
        if (rc == AS_OK) {
            sqlite3_bind_int64(q, 1, exp);
            sqlite3_bind_int64(q, 2, after);
            sqlite3_bind_int(q, 3, limit > 0 ? limit + 1 : -1);
            int r = SQLITE_DONE, count = 0;
            while ((r = sqlite3_step(q)) == SQLITE_ROW) {
                if (limit > 0 && count++ == limit) { *has_next = true; break; }
                json_array_append_new(*rows, run_json(q, 0));
            }
            if (r != SQLITE_ROW && r != SQLITE_DONE) rc = sq_error(db, err, "listing runs");
            sqlite3_finalize(q);
        }
        rc = sq_tx_end(db, rc, err);
    }
    xinfo_free(&x);
    sq_release(s, db);
    if (rc != AS_OK) { json_decref(*rows); *rows = NULL; }
    return rc;
}

/* ---- evaluations ---------------------------------------------------------- */

static as_rc upsert_eval_on(sqlite3 *db, const json_t *ev, json_t **row,
                            as_err *err) {
    int64_t run, start, end;
    const char *name, *kind, *label, *expl, *trace, *error;
    json_t *meta, *score = json_object_get(ev, "score");
    as_rc rc;
    if ((rc = f_int(ev, "experiment_run_id", true, 0, &run, err)) ||
        (rc = f_str(ev, "name", NAME_MAX_LEN, true, &name, err)) ||
        (rc = f_str(ev, "annotator_kind", 16, true, &kind, err)) ||
        (rc = f_str(ev, "label", TEXT_MAX_LEN, false, &label, err)) ||
        (rc = f_str(ev, "explanation", TEXT_MAX_LEN, false, &expl, err)) ||
        (rc = f_str(ev, "trace_id", TRACE_ID_MAX_LEN, false, &trace, err)) ||
        (rc = f_str(ev, "error", TEXT_MAX_LEN, false, &error, err)) ||
        (rc = f_obj(ev, "metadata", &meta, err)) ||
        (rc = f_int(ev, "start_time", true, 0, &start, err)) ||
        (rc = f_int(ev, "end_time", true, 0, &end, err)))
        return rc;
    if (strcmp(kind, "LLM") != 0 && strcmp(kind, "CODE") != 0 && strcmp(kind, "HUMAN") != 0)
        return as_err_set(err, AS_EUNPROCESSABLE, "'annotator_kind' must be LLM, CODE or "
                          "HUMAN, got '%.32s'", kind);
    if (score && !json_is_null(score) && !json_is_number(score))
        return as_err_set(err, AS_EUNPROCESSABLE, "'score' must be a number");
    if (end < start)
        return as_err_set(err, AS_EUNPROCESSABLE, "'end_time' is before 'start_time'");

    sqlite3_stmt *q;
    if ((rc = sq_prepare(db, "SELECT 1 FROM experiment_runs WHERE id = ?", &q, err)) != AS_OK)
        return rc;
    sqlite3_bind_int64(q, 1, run);
    int s = sqlite3_step(q);
    sqlite3_finalize(q);
    if (s == SQLITE_DONE)
        return as_err_set(err, AS_ENOTFOUND, "experiment run %lld not found", (long long)run);
    if (s != SQLITE_ROW) return sq_error(db, err, "finding experiment run");

    rc = sq_prepare(db,
        "INSERT INTO experiment_run_annotations(experiment_run_id, name, annotator_kind, "
        "label, score, explanation, trace_id, error, metadata, start_time, end_time) "
        "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) "
        "ON CONFLICT(experiment_run_id, name) DO UPDATE SET "
        "annotator_kind = excluded.annotator_kind, label = excluded.label, "
        "score = excluded.score, explanation = excluded.explanation, "
        "trace_id = excluded.trace_id, error = excluded.error, "
        "metadata = excluded.metadata, start_time = excluded.start_time, "
        "end_time = excluded.end_time", &q, err);
    if (rc != AS_OK) return rc;
    char *mtext = meta ? dump(meta) : strdup("{}");
    sqlite3_bind_int64(q, 1, run);
    sqlite3_bind_text(q, 2, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, kind, -1, SQLITE_STATIC);
    bind_text(q, 4, label);
    if (score && json_is_number(score)) sqlite3_bind_double(q, 5, json_number_value(score));
    else sqlite3_bind_null(q, 5);
    bind_text(q, 6, expl);
    bind_text(q, 7, trace);
    bind_text(q, 8, error);
    bind_text(q, 9, mtext);
    sqlite3_bind_int64(q, 10, start);
    sqlite3_bind_int64(q, 11, end);
    rc = step_done(db, q, "storing evaluation", err);
    free(mtext);
    if (rc != AS_OK) return rc;

    if ((rc = sq_prepare(db, "SELECT " EVAL_COLS " FROM experiment_run_annotations a "
                             "WHERE a.experiment_run_id = ?1 AND a.name = ?2", &q, err)) != AS_OK)
        return rc;
    sqlite3_bind_int64(q, 1, run);
    sqlite3_bind_text(q, 2, name, -1, SQLITE_STATIC);
    if (sqlite3_step(q) == SQLITE_ROW) *row = eval_json(q);
    else rc = sq_error(db, err, "reading evaluation");
    sqlite3_finalize(q);
    return rc;
}

static as_rc sq_eval_upsert(as_store *st, const json_t *ev, json_t **row,
                            as_err *err) {
    if (!json_is_object(ev))
        return as_err_set(err, AS_EUNPROCESSABLE, "the evaluation must be an object");
    sq_store *s = SQ(st);
    sqlite3 *db = sq_acquire(s);
    as_rc rc = begin(db, true, err);
    if (rc == AS_OK) rc = sq_tx_end(db, upsert_eval_on(db, ev, row, err), err);
    sq_release(s, db);
    return rc;
}

/* ---- what is left to do ------------------------------------------------- */

static as_rc incomplete_runs_on(sqlite3 *db, int64_t exp, int64_t after, int limit,
                                json_t *rows, bool *has_next, as_err *err) {
    xinfo x = { 0 };
    sqlite3_stmt *q = NULL, *eq = NULL;
    bool *done = NULL;
    as_rc rc = exp_fetch(db, exp, &x, NULL, err);
    if (rc == AS_OK)
        rc = sq_prepare(db,
            "SELECT x.example_id, x.revision_id, "
            "  (SELECT json_group_array(r.repetition_number) FROM experiment_runs r "
            "   WHERE r.experiment_id = ?4 AND r.dataset_example_id = x.example_id "
            "   AND r.error IS NULL) "
            "FROM (" EXP_EXAMPLES("?1", "?2", "?3") ") x "
            "WHERE x.example_id > ?5 AND (SELECT count(*) FROM experiment_runs r "
            "  WHERE r.experiment_id = ?4 AND r.dataset_example_id = x.example_id "
            "  AND r.error IS NULL) < ?6 "
            "ORDER BY x.example_id LIMIT ?7", &q, err);
    if (rc == AS_OK) rc = sq_prepare(db, EXAMPLE_SQL, &eq, err);
    if (rc == AS_OK && !(done = calloc((size_t)x.reps + 1, sizeof(bool))))
        rc = as_err_set(err, AS_EINTERNAL, "out of memory");
    if (rc == AS_OK) {
        bind_examples(q, &x);
        sqlite3_bind_int64(q, 4, exp);
        sqlite3_bind_int64(q, 5, after);
        sqlite3_bind_int64(q, 6, x.reps);
        sqlite3_bind_int(q, 7, limit > 0 ? limit + 1 : -1);
        int r = SQLITE_DONE, count = 0;
        while (rc == AS_OK && (r = sqlite3_step(q)) == SQLITE_ROW) {
            if (limit > 0 && count++ == limit) { *has_next = true; break; }
            memset(done, 0, ((size_t)x.reps + 1) * sizeof(bool));
            json_t *ok = sq_col_json(q, 2), *v, *reps = json_array(), *example = NULL;
            size_t i;
            json_array_foreach(ok, i, v) {
                json_int_t n = json_integer_value(v);
                if (n >= 1 && n <= x.reps) done[n] = true;
            }
            json_decref(ok);
            for (int64_t n = 1; n <= x.reps; n++)
                if (!done[n]) json_array_append_new(reps, json_integer(n));
            rc = example_get(db, eq, sqlite3_column_int64(q, 0), sqlite3_column_int64(q, 1),
                             &example, err);
            if (rc == AS_OK)
                json_array_append_new(rows, json_pack("{s:o, s:o}", "example", example,
                                                      "repetition_numbers", reps));
            else json_decref(reps);
        }
        if (rc == AS_OK && r != SQLITE_ROW && r != SQLITE_DONE)
            rc = sq_error(db, err, "listing incomplete runs");
    }
    sqlite3_finalize(q);
    sqlite3_finalize(eq);
    free(done);
    xinfo_free(&x);
    return rc;
}

static as_rc sq_incomplete_runs(as_store *st, int64_t exp, int64_t after,
                                int limit, json_t **rows, bool *has_next,
                                as_err *err) {
    sq_store *s = SQ(st);
    sqlite3 *db = sq_acquire(s);
    *rows = json_array();
    *has_next = false;
    as_rc rc = begin(db, false, err);
    if (rc == AS_OK)
        rc = sq_tx_end(db, incomplete_runs_on(db, exp, after, limit, *rows, has_next, err), err);
    sq_release(s, db);
    if (rc != AS_OK) { json_decref(*rows); *rows = NULL; }
    return rc;
}

/* Revision of the example of run column 2 at version ?V (an expression). */
#define REVISION_AT(ver)                                                   \
    "(SELECT r2.id FROM dataset_example_revisions r2 WHERE "               \
    " r2.example_id = r.dataset_example_id AND r2.version_id <= " ver       \
    " ORDER BY r2.version_id DESC LIMIT 1)"

static as_rc incomplete_evals_on(sqlite3 *db, int64_t exp, const char *names,
                                 int64_t after, int limit, json_t *rows,
                                 bool *has_next, as_err *err) {
    xinfo x = { 0 };
    sqlite3_stmt *q = NULL, *eq = NULL;
    as_rc rc = exp_fetch(db, exp, &x, NULL, err);
    if (rc == AS_OK)
        rc = sq_prepare(db,
            "SELECT * FROM (SELECT " RUN_COLS ", " REVISION_AT("?5") ", "
            "  (SELECT json_group_array(n) FROM (SELECT DISTINCT j.value AS n "
            "   FROM json_each(?4) j WHERE NOT EXISTS (SELECT 1 FROM "
            "   experiment_run_annotations a WHERE a.experiment_run_id = r.id "
            "   AND a.name = j.value AND a.error IS NULL))) AS missing "
            " FROM experiment_runs r WHERE r.experiment_id = ?1 AND r.error IS NULL "
            " AND r.id > ?2 ORDER BY r.id) WHERE missing <> '[]' LIMIT ?3", &q, err);
    if (rc == AS_OK) rc = sq_prepare(db, EXAMPLE_SQL, &eq, err);
    if (rc == AS_OK) {
        sqlite3_bind_int64(q, 1, exp);
        sqlite3_bind_int64(q, 2, after);
        sqlite3_bind_int(q, 3, limit > 0 ? limit + 1 : -1);
        sqlite3_bind_text(q, 4, names, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 5, x.ver);
        int r = SQLITE_DONE, count = 0;
        while (rc == AS_OK && (r = sqlite3_step(q)) == SQLITE_ROW) {
            if (limit > 0 && count++ == limit) { *has_next = true; break; }
            json_t *example = NULL;
            rc = example_get(db, eq, sqlite3_column_int64(q, 2),
                             sqlite3_column_int64(q, RUN_NCOLS), &example, err);
            if (rc == AS_OK)
                json_array_append_new(rows, json_pack("{s:o, s:o, s:o}",
                    "run", run_json(q, 0), "example", example,
                    "evaluation_names", sq_col_json(q, RUN_NCOLS + 1)));
        }
        if (rc == AS_OK && r != SQLITE_ROW && r != SQLITE_DONE)
            rc = sq_error(db, err, "listing incomplete evaluations");
    }
    sqlite3_finalize(q);
    sqlite3_finalize(eq);
    xinfo_free(&x);
    return rc;
}

static as_rc sq_incomplete_evals(as_store *st, int64_t exp,
                                 const as_str_list *names, int64_t after,
                                 int limit, json_t **rows, bool *has_next,
                                 as_err *err) {
    *rows = NULL;
    *has_next = false;
    if (!names || names->n == 0)
        return as_err_set(err, AS_EINVAL, "at least one evaluation name is required");
    json_t *arr = json_array();
    for (size_t i = 0; i < names->n; i++) json_array_append_new(arr, json_string(names->v[i]));
    char *text = dump(arr);
    json_decref(arr);
    sq_store *s = SQ(st);
    sqlite3 *db = sq_acquire(s);
    *rows = json_array();
    as_rc rc = begin(db, false, err);
    if (rc == AS_OK)
        rc = sq_tx_end(db, incomplete_evals_on(db, exp, text, after, limit, *rows, has_next,
                                            err), err);
    sq_release(s, db);
    free(text);
    if (rc != AS_OK) { json_decref(*rows); *rows = NULL; }
    return rc;
}

/* ---- export --------------------------------------------------------------- */

static as_rc export_on(sqlite3 *db, int64_t exp, json_t *rows, as_err *err) {
    xinfo x = { 0 };
    sqlite3_stmt *q = NULL, *eq = NULL, *aq = NULL;
    as_rc rc = exp_fetch(db, exp, &x, NULL, err);
    if (rc == AS_OK)
        rc = sq_prepare(db, "SELECT " RUN_COLS ", " REVISION_AT("?2") " FROM experiment_runs r "
                            "WHERE r.experiment_id = ?1 ORDER BY r.dataset_example_id, "
                            "r.repetition_number", &q, err);
    if (rc == AS_OK) rc = sq_prepare(db, EXAMPLE_SQL, &eq, err);
    if (rc == AS_OK)
        rc = sq_prepare(db, "SELECT " EVAL_COLS " FROM experiment_run_annotations a "
                            "WHERE a.experiment_run_id = ? ORDER BY a.name", &aq, err);
    if (rc == AS_OK) {
        sqlite3_bind_int64(q, 1, exp);
        sqlite3_bind_int64(q, 2, x.ver);
        int r = SQLITE_DONE;
        while (rc == AS_OK && (r = sqlite3_step(q)) == SQLITE_ROW) {
            json_t *example = NULL, *evals = json_array();
            rc = example_get(db, eq, sqlite3_column_int64(q, 2),
                             sqlite3_column_int64(q, RUN_NCOLS), &example, err);
            sqlite3_reset(aq);
            sqlite3_bind_int64(aq, 1, sqlite3_column_int64(q, 0));
            int a = SQLITE_DONE;
            while (rc == AS_OK && (a = sqlite3_step(aq)) == SQLITE_ROW)
                json_array_append_new(evals, eval_json(aq));
            if (rc == AS_OK && a != SQLITE_DONE) rc = sq_error(db, err, "reading evaluations");
            if (rc == AS_OK)
                json_array_append_new(rows, json_pack("{s:o, s:o, s:o}", "run", run_json(q, 0),
                                                      "example", example, "evaluations", evals));
            else { json_decref(example); json_decref(evals); }
        }
        if (rc == AS_OK && r != SQLITE_DONE) rc = sq_error(db, err, "exporting runs");
    }
    sqlite3_finalize(q);
    sqlite3_finalize(eq);
    sqlite3_finalize(aq);
    xinfo_free(&x);
    return rc;
}

static as_rc sq_export(as_store *st, int64_t exp, json_t **rows, as_err *err) {
    sq_store *s = SQ(st);
    sqlite3 *db = sq_acquire(s);
    *rows = json_array();
    as_rc rc = begin(db, false, err);
    if (rc == AS_OK) rc = sq_tx_end(db, export_on(db, exp, *rows, err), err);
    sq_release(s, db);
    if (rc != AS_OK) { json_decref(*rows); *rows = NULL; }
    return rc;
}

const struct as_experiment_ops sq_experiment_ops = {
    .name = "sqlite",
    .create = sq_exp_create,
    .get = sq_exp_get,
    .set_status = sq_exp_set_status,
    .with_status = sq_exp_with_status,
    .run_upsert = sq_run_upsert,
    .evaluation_upsert = sq_eval_upsert,
    .incomplete_runs = sq_incomplete_runs,
    .incomplete_evaluations = sq_incomplete_evals,
    .list = sq_exp_list,
    .update = sq_exp_update,
    .del = sq_exp_delete,
    .run_list = sq_run_list,
    .export_rows = sq_export,
};
