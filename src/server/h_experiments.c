/*
 * h_experiments.c - the experiments endpoints (Phoenix REST v1 shapes):
 * experiments of a dataset, their runs (posted by the client that ran the
 * task), evaluations of runs, what is left to run or to evaluate (the
 * clients' resumeExperiment / resumeEvaluation), and JSON / CSV exports.
 * The rules (one successful run per example and repetition, ...) live in
 * the store (include/assay/store_experiments.h); handlers parse GlobalIDs
 * and ISO times, call the store once, and shape the answer.  See
 * docs/experiments.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assay/dataset.h"
#include "assay/hex.h"
#include "assay/store_experiments.h"
#include "assay/timefmt.h"
#include "server.h"
#include "wire.h"

#define MAX_EVAL_NAMES 64
#define PAGE_DEFAULT 50
#define PAGE_MAX 1000

/* ---- request helpers --------------------------------------------------- */

/* {experiment_id}: an Experiment GlobalID; replies 404 otherwise. */
static bool req_experiment(as_req *r, int64_t *id) {
    if (as_globalid_decode(r->params[0], "Experiment", id) && *id > 0) return true;
    as_reply_errorf(r, AS_ENOTFOUND, "experiment '%.200s' not found", r->params[0]);
    return false;
}

/* A GlobalID field of the body; replies 422 naming it. */
static bool body_gid(as_req *r, const json_t *body, const char *field, const char *type,
                     int64_t *id) {
    const char *s = json_string_value(json_object_get(body, field));
    if (s && as_globalid_decode(s, type, id) && *id > 0) return true;
    if (!s)
        as_reply_errorf(r, AS_EUNPROCESSABLE, "'%s' must be a %s id (a string)", field, type);
    else
        as_reply_errorf(r, AS_EUNPROCESSABLE, "'%s': '%.100s' is not a %s id", field, s, type);
    return false;
}

/* A required ISO 8601 time field of the body, into ns; replies 422. */
static bool body_time(as_req *r, const json_t *body, const char *field, int64_t *ns) {
    const char *s = json_string_value(json_object_get(body, field));
    if (s && as_time_parse(s, ns)) return true;
    as_reply_errorf(r, AS_EUNPROCESSABLE, "'%s' must be an ISO 8601 timestamp", field);
    return false;
}

/* ---- wire shapes ------------------------------------------------------- */

/* An evaluation as the JSON export shows it (Phoenix's "annotations"). */
static json_t *wire_export_eval(const json_t *ev) {
    return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
                     "name", wire_copy(ev, "name"),
                     "annotator_kind", wire_copy(ev, "annotator_kind"),
                     "label", wire_copy(ev, "label"),
                     "score", wire_copy(ev, "score"),
                     "explanation", wire_copy(ev, "explanation"),
                     "trace_id", wire_copy(ev, "trace_id"),
                     "error", wire_copy(ev, "error"),
                     "metadata", wire_copy(ev, "metadata"),
                     "start_time", wire_time(ev, "start_time"),
                     "end_time", wire_time(ev, "end_time"));
}

/* {"data": {"id": GlobalID}} */
static void reply_id(as_req *r, as_rc rc, const char *type, json_t *row, const as_err *e) {
    if (rc != AS_OK) { as_reply_err(r, e); return; }
    as_reply_data(r, json_pack("{s:o}", "id", wire_gid(type, row, "id")));
    json_decref(row);
}

/* ---- experiments ------------------------------------------------------- */

static void h_list(as_req *r) {
    int64_t ds, before;
    as_err e;
    int limit = as_req_limit(r, PAGE_DEFAULT, PAGE_MAX);
    if (limit < 0) return;
    if (as_ds_resolve(r->srv->store, r->params[0], &ds, NULL, &e) != AS_OK) {
        as_reply_err(r, &e);
        return;
    }
    if (!as_req_cursor_id(r, "Experiment", &before)) return;
    if (before) before++;                         /* the cursor names the first row */
    json_t *rows;
    int64_t next = 0;
    if (as_store_experiment_list(r->srv->store, ds, before, limit, &rows, &next, &e) != AS_OK) {
        as_reply_err(r, &e);
        return;
    }
    as_reply_rows_page(r, rows, next, "Experiment", wire_experiment);
}

static void h_create(as_req *r) {
    int64_t ds;
    as_err e;
    if (as_ds_resolve(r->srv->store, r->params[0], &ds, NULL, &e) != AS_OK) {
        as_reply_err(r, &e);
        return;
    }
    json_t *body = as_req_json_body(r);
    if (!body) return;
    /* Phoenix's fields; a project_name in the body is ignored as Phoenix
     * does (the experiment's project is always generated). */
    json_t *spec = json_object();
    wire_copy_field(spec, body, "name");
    wire_copy_field(spec, body, "description");
    wire_copy_field(spec, body, "metadata");
    wire_copy_field(spec, body, "splits");
    wire_copy_field(spec, body, "repetitions");
    json_t *ver = json_object_get(body, "version_id");
    int64_t v = 0;
    bool ok = true;
    if (ver && !json_is_null(ver)) {
        const char *s = json_string_value(ver);
        if (!s || !as_globalid_decode(s, "DatasetVersion", &v) || v <= 0) {
            as_reply_errorf(r, AS_ENOTFOUND,
                            "version_id: DatasetVersion '%.100s' does not exist",
                            s ? s : "(not a string)");
            ok = false;
        }
        json_object_set_new(spec, "version_id", json_integer(v));
    }
    if (ok) {
        json_t *row = NULL;
        as_rc rc = as_store_experiment_create(r->srv->store, ds, spec, &row, &e);
        as_reply_row(r, rc, row, wire_experiment, &e);
    }
    json_decref(spec);
    json_decref(body);
}

static void h_get(as_req *r) {
    int64_t id;
    if (!req_experiment(r, &id)) return;
    json_t *row = NULL;
    as_err e;
    as_rc rc = as_store_experiment_get(r->srv->store, id, &row, &e);
    as_reply_row(r, rc, row, wire_experiment, &e);
}

static void h_update(as_req *r) {
    int64_t id;
    if (!req_experiment(r, &id)) return;
    json_t *body = as_req_json_body(r);
    if (!body) return;
    json_t *patch = json_object(), *row = NULL;
    wire_copy_field(patch, body, "name");
    wire_copy_field(patch, body, "description");
    wire_copy_field(patch, body, "metadata");
    as_err e;
    as_rc rc = as_store_experiment_update(r->srv->store, id, patch, &row, &e);
    as_reply_row(r, rc, row, wire_experiment, &e);
    json_decref(patch);
    json_decref(body);
}

static void h_delete(as_req *r) {
    int64_t id;
    if (!req_experiment(r, &id)) return;
    const char *dp = as_req_query(r, "delete_project");
    bool del_project = false;
    if (dp && strcmp(dp, "true") == 0) del_project = true;
    else if (dp && strcmp(dp, "false") != 0) {
        as_reply_errorf(r, AS_EUNPROCESSABLE,
                        "delete_project must be true or false, got '%.20s'", dp);
        return;
    }
    as_err e;
    as_reply_done(r, as_store_experiment_delete(r->srv->store, id, del_project, &e), &e);
}

/* ---- runs -------------------------------------------------------------- */

static void h_run_create(as_req *r) {
    int64_t id, ex, start, end;
    if (!req_experiment(r, &id)) return;
    json_t *body = as_req_json_body(r);
    if (!body) return;
    json_t *run = NULL, *row = NULL;
    if (body_gid(r, body, "dataset_example_id", "DatasetExample", &ex) &&
        body_time(r, body, "start_time", &start) && body_time(r, body, "end_time", &end)) {
        if (!json_object_get(body, "output")) {
            as_reply_error(r, AS_EUNPROCESSABLE, "'output' is required");
        } else if (!json_is_integer(json_object_get(body, "repetition_number"))) {
            as_reply_error(r, AS_EUNPROCESSABLE, "'repetition_number' must be an integer");
        } else {
            run = json_pack("{s:I, s:I, s:I}", "dataset_example_id", (json_int_t)ex,
                            "start_time", (json_int_t)start, "end_time", (json_int_t)end);
            wire_copy_field(run, body, "repetition_number");
            wire_copy_field(run, body, "output");
            wire_copy_field(run, body, "trace_id");
            wire_copy_field(run, body, "error");
            as_err e;
            as_rc rc = as_store_run_upsert(r->srv->store, id, run, &row, &e);
            reply_id(r, rc, "ExperimentRun", row, &e);
        }
    }
    json_decref(run);
    json_decref(body);
}

static void h_runs(as_req *r) {
    int64_t id, after;
    if (!req_experiment(r, &id)) return;
    int limit = as_req_limit(r, 0, 100000);       /* absent: all runs, as Phoenix */
    if (limit < 0 || !as_req_cursor_id(r, "ExperimentRun", &after)) return;
    json_t *rows;
    bool more;
    as_err e;
    if (as_store_run_list(r->srv->store, id, after, limit, &rows, &more, &e) != AS_OK) {
        as_reply_err(r, &e);
        return;
    }
    size_t n = json_array_size(rows);
    int64_t last = n ? json_integer_value(json_object_get(json_array_get(rows, n - 1), "id")) : 0;
    as_reply_rows_page(r, rows, more ? last : 0, "ExperimentRun", wire_run);
}

/* ---- evaluations ------------------------------------------------------- */

static void h_eval_upsert(as_req *r) {
    json_t *body = as_req_json_body(r);
    if (!body) return;
    int64_t run, start, end;
    json_t *ev = NULL, *row = NULL;
    json_t *result = json_object_get(body, "result"), *error = json_object_get(body, "error");
    bool has_result = result && !json_is_null(result);
    if (!body_gid(r, body, "experiment_run_id", "ExperimentRun", &run) ||
        !body_time(r, body, "start_time", &start) || !body_time(r, body, "end_time", &end)) {
        json_decref(body);
        return;
    }
    if (has_result && !json_is_object(result)) {
        as_reply_error(r, AS_EUNPROCESSABLE, "'result' must be an object or null");
    } else if (!has_result && (!error || json_is_null(error))) {
        as_reply_error(r, AS_EUNPROCESSABLE, "either 'result' or 'error' must be provided");
    } else {
        ev = json_pack("{s:I, s:I, s:I}", "experiment_run_id", (json_int_t)run,
                       "start_time", (json_int_t)start, "end_time", (json_int_t)end);
        wire_copy_field(ev, body, "name");
        wire_copy_field(ev, body, "annotator_kind");
        wire_copy_field(ev, body, "error");
        wire_copy_field(ev, body, "trace_id");
        if (has_result) {
            wire_copy_field(ev, result, "label");
            wire_copy_field(ev, result, "score");
            wire_copy_field(ev, result, "explanation");
            wire_copy_field(ev, result, "metadata");    /* the TS client sends it here */
            json_t *score = json_object_get(result, "score");
            if (json_is_boolean(score))             /* as Phoenix's float field: 1 / 0 */
                json_object_set_new(ev, "score", json_real(json_is_true(score) ? 1.0 : 0.0));
        }
        json_t *meta = json_object_get(body, "metadata");
        if (meta && !json_is_null(meta)) json_object_set(ev, "metadata", meta);
        as_err e;
        as_rc rc = as_store_evaluation_upsert(r->srv->store, ev, &row, &e);
        reply_id(r, rc, "ExperimentEvaluation", row, &e);
    }
    json_decref(ev);
    json_decref(body);
}

/* ---- what is left ------------------------------------------------------ */

static void h_incomplete_runs(as_req *r) {
    int64_t id, after;
    if (!req_experiment(r, &id)) return;
    int limit = as_req_limit(r, PAGE_DEFAULT, PAGE_MAX);
    if (limit < 0 || !as_req_cursor_id(r, "DatasetExample", &after)) return;
    json_t *rows;
    bool more;
    as_err e;
    if (as_store_experiment_incomplete_runs(r->srv->store, id, after, limit, &rows, &more,
                                            &e) != AS_OK) {
        as_reply_err(r, &e);
        return;
    }
    json_t *data = json_array(), *x;
    size_t i;
    int64_t last = 0;
    json_array_foreach(rows, i, x) {
        json_t *ex = json_object_get(x, "example");
        last = json_integer_value(json_object_get(ex, "id"));
        json_array_append_new(data, json_pack("{s:o, s:O}", "dataset_example", wire_example(ex),
                                              "repetition_numbers",
                                              json_object_get(x, "repetition_numbers")));
    }
    as_reply_page_id(r, data, more ? last : 0, "DatasetExample");
    json_decref(rows);
}

static void h_incomplete_evals(as_req *r) {
    int64_t id, after;
    if (!req_experiment(r, &id)) return;
    const char *names[MAX_EVAL_NAMES + 1];
    size_t n = as_req_query_all(r, "evaluation_name", names, MAX_EVAL_NAMES + 1);
    if (n == 0) {
        as_reply_error(r, AS_EINVAL, "at least one evaluation_name is required");
        return;
    }
    if (n > MAX_EVAL_NAMES) {
        as_reply_errorf(r, AS_EUNPROCESSABLE, "at most %d evaluation_name values",
                        MAX_EVAL_NAMES);
        return;
    }
    int limit = as_req_limit(r, PAGE_DEFAULT, PAGE_MAX);
    if (limit < 0 || !as_req_cursor_id(r, "ExperimentRun", &after)) return;
    as_str_list nl = { names, n };
    json_t *rows;
    bool more;
    as_err e;
    if (as_store_experiment_incomplete_evaluations(r->srv->store, id, &nl, after, limit, &rows,
                                                   &more, &e) != AS_OK) {
        as_reply_err(r, &e);
        return;
    }
    json_t *data = json_array(), *x;
    size_t i;
    int64_t last = 0;
    json_array_foreach(rows, i, x) {
        json_t *run = json_object_get(x, "run");
        last = json_integer_value(json_object_get(run, "id"));
        json_array_append_new(data, json_pack("{s:o, s:o, s:O}",
                                              "experiment_run", wire_run(run),
                                              "dataset_example",
                                              wire_example(json_object_get(x, "example")),
                                              "evaluation_names",
                                              json_object_get(x, "evaluation_names")));
    }
    as_reply_page_id(r, data, more ? last : 0, "ExperimentRun");
    json_decref(rows);
}

/* ---- exports ----------------------------------------------------------- */

/* The export rows of {experiment_id}; replies on failure.  The download
 * is named after the experiment: "<name>.<ext>". */
static json_t *export_rows(as_req *r, const char *ext) {
    int64_t id;
    if (!req_experiment(r, &id)) return NULL;
    json_t *rows, *exp = NULL;
    as_err e;
    if (as_store_experiment_export(r->srv->store, id, &rows, &e) != AS_OK) {
        as_reply_err(r, &e);
        return NULL;
    }
    if (as_store_experiment_get(r->srv->store, id, &exp, &e) != AS_OK) {
        json_decref(rows);
        as_reply_err(r, &e);
        return NULL;
    }
    as_reply_attachment(r, json_string_value(json_object_get(exp, "name")), ext);
    json_decref(exp);
    return rows;
}

/* One export record's leading fields (Phoenix's column order). */
static json_t *export_record(const json_t *x) {
    json_t *run = json_object_get(x, "run"), *ex = json_object_get(x, "example");
    double latency = (double)(json_integer_value(json_object_get(run, "end_time")) -
                              json_integer_value(json_object_get(run, "start_time"))) / 1e6;
    return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:f, s:o, s:o, s:o, s:o, s:o}",
                     "example_id", wire_gid("DatasetExample", run, "dataset_example_id"),
                     "repetition_number", wire_copy(run, "repetition_number"),
                     "input", wire_copy(ex, "input"),
                     "reference_output", wire_copy(ex, "output"),
                     "output", wire_copy(run, "output"),
                     "error", wire_copy(run, "error"),
                     "latency_ms", latency,
                     "start_time", wire_time(run, "start_time"),
                     "end_time", wire_time(run, "end_time"),
                     "trace_id", wire_copy(run, "trace_id"),
                     "prompt_token_count", wire_copy(run, "prompt_token_count"),
                     "completion_token_count", wire_copy(run, "completion_token_count"));
}

static void h_json(as_req *r) {
    json_t *rows = export_rows(r, "json");
    if (!rows) return;
    json_t *out = json_array(), *x;
    size_t i;
    json_array_foreach(rows, i, x) {
        json_t *rec = export_record(x);
        json_object_set_new(rec, "annotations",
                            wire_map(json_object_get(x, "evaluations"), wire_export_eval));
        json_array_append_new(out, rec);
    }
    json_decref(rows);
    char *text = json_dumps(out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(out);
    if (!text) { as_reply_error(r, AS_EINTERNAL, "could not encode the export"); return; }
    as_reply_text(r, 200, "text/plain; charset=utf-8", text);
    free(text);
}

static const char *const csv_columns[] = {
    "example_id", "repetition_number", "input", "reference_output", "output", "error",
    "latency_ms", "start_time", "end_time", "trace_id", "prompt_token_count",
    "completion_token_count",
};
static const char *const csv_eval_fields[] = {
    "label", "score", "explanation", "metadata", "annotator_kind", "trace_id", "error",
    "start_time", "end_time",
};

/* One CSV field (RFC 4180 quoting when needed). */
static void csv_text(as_buf *b, const char *s) {
    if (!strpbrk(s, ",\"\r\n")) { as_buf_puts(b, s); return; }
    as_buf_putc(b, '"');
    for (; *s; s++) {
        if (*s == '"') as_buf_putc(b, '"');
        as_buf_putc(b, *s);
    }
    as_buf_putc(b, '"');
}

/* A value as pandas writes it: null empty, strings raw, the rest as JSON
 * text (objects with Python's json.dumps separators). */
static void csv_value(as_buf *b, const json_t *v) {
    if (!v || json_is_null(v)) return;
    if (json_is_string(v)) { csv_text(b, json_string_value(v)); return; }
    char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_PRESERVE_ORDER);
    if (s) { csv_text(b, s); free(s); }
}

static void h_csv(as_req *r) {
    json_t *rows = export_rows(r, "csv");
    if (!rows) return;
    /* evaluation columns: every name that occurs, sorted */
    json_t *names = json_object(), *x, *ev;
    size_t i, j;
    json_array_foreach(rows, i, x)
        json_array_foreach(json_object_get(x, "evaluations"), j, ev)
            json_object_set_new(names, json_string_value(json_object_get(ev, "name")),
                                json_true());
    const char **sorted = calloc(json_object_size(names) + 1, sizeof(*sorted));
    if (!sorted) {
        json_decref(names);
        json_decref(rows);
        as_reply_error(r, AS_EINTERNAL, "out of memory");
        return;
    }
    size_t nn = 0;
    const char *k;
    json_t *unused;
    json_object_foreach(names, k, unused) sorted[nn++] = k;
    for (size_t a = 1; a < nn; a++)                      /* insertion sort: few names */
        for (size_t c = a; c > 0 && strcmp(sorted[c - 1], sorted[c]) > 0; c--) {
            const char *t = sorted[c]; sorted[c] = sorted[c - 1]; sorted[c - 1] = t;
        }
    as_buf *b = &r->out;
    as_buf_reset(b);
    for (size_t c = 0; c < AS_ARRAY_LEN(csv_columns); c++)
        as_buf_printf(b, "%s%s", c ? "," : "", csv_columns[c]);
    for (size_t n = 0; n < nn; n++)
        for (size_t f = 0; f < AS_ARRAY_LEN(csv_eval_fields); f++) {
            char col[512];
            snprintf(col, sizeof(col), "annotation_%s_%s", sorted[n], csv_eval_fields[f]);
            as_buf_putc(b, ',');
            csv_text(b, col);
        }
    as_buf_putc(b, '\n');
    json_array_foreach(rows, i, x) {
        json_t *rec = export_record(x);
        for (size_t c = 0; c < AS_ARRAY_LEN(csv_columns); c++) {
            if (c) as_buf_putc(b, ',');
            csv_value(b, json_object_get(rec, csv_columns[c]));
        }
        json_decref(rec);
        for (size_t n = 0; n < nn; n++) {
            json_t *found = NULL;
            json_array_foreach(json_object_get(x, "evaluations"), j, ev)
                if (strcmp(json_string_value(json_object_get(ev, "name")), sorted[n]) == 0)
                    found = ev;
            json_t *shaped = found ? wire_export_eval(found) : NULL;
            for (size_t f = 0; f < AS_ARRAY_LEN(csv_eval_fields); f++) {
                as_buf_putc(b, ',');
                if (shaped) csv_value(b, json_object_get(shaped, csv_eval_fields[f]));
            }
            json_decref(shaped);
        }
        as_buf_putc(b, '\n');
    }
    free(sorted);
    json_decref(names);
    json_decref(rows);
    r->status = 200;
    r->content_type = "text/csv";
}

const as_route as_routes_experiments[] = {
    { "GET", "/v1/datasets/{}/experiments", h_list, false, false },
    { "POST", "/v1/datasets/{}/experiments", h_create, false, false },
    { "GET", "/v1/experiments/{}", h_get, false, false },
    { "PATCH", "/v1/experiments/{}", h_update, false, false },
    { "DELETE", "/v1/experiments/{}", h_delete, false, false },
    { "GET", "/v1/experiments/{}/runs", h_runs, false, false },
    { "POST", "/v1/experiments/{}/runs", h_run_create, false, false },
    { "GET", "/v1/experiments/{}/incomplete-runs", h_incomplete_runs, false, false },
    { "GET", "/v1/experiments/{}/incomplete-evaluations", h_incomplete_evals, false, false },
    { "GET", "/v1/experiments/{}/json", h_json, false, false },
    { "GET", "/v1/experiments/{}/csv", h_csv, false, false },
    { "POST", "/v1/experiment_evaluations", h_eval_upsert, false, false },
    { NULL, NULL, NULL, false, false },
};
