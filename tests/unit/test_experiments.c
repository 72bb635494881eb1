/* test_experiments.c - the experiments store (include/assay/store_experiments.h):
 * creation against dataset versions and splits, the run rules (one
 * successful run per example and repetition: 409 on a second, a failed one
 * is replaced; 422 outside the version or the repetitions), evaluation
 * upserts, and what is left to run / to evaluate, page by page.
 *
 * Dataset rows are written with SQL (the datasets API is another
 * subsystem):  dataset 1 has versions 1 and 2; examples 1 and 2 are
 * created in version 1, example 3 in version 2, where example 2 is
 * deleted: version 1 = {1, 2}, version 2 = {1, 3}.  Dataset 2 (version 3)
 * holds example 4.  Split 'train' holds example 1. */
#include <sqlite3.h>
#include <stdlib.h>
#include <unistd.h>

#include "harness.h"
#include "store_fixture.h"

#include "assay/store.h"
#include "assay/store_experiments.h"

/* The datasets, versions, examples and split described above. */
static const char *const fixture =
    "INSERT INTO datasets(id, name, created_at, updated_at) VALUES"
    "  (1, 'ds one', 1, 1), (2, 'other', 1, 1);"
    "INSERT INTO dataset_versions(id, dataset_id, created_at) VALUES"
    "  (1, 1, 1), (2, 1, 2), (3, 2, 3);"
    "INSERT INTO dataset_examples(id, dataset_id, external_id, created_at) VALUES"
    "  (1, 1, 'ex-a', 1), (2, 1, NULL, 1), (3, 1, NULL, 2), (4, 2, NULL, 3);"
    "INSERT INTO dataset_example_revisions(example_id, version_id, input, output,"
    "  metadata, content_hash, kind, created_at) VALUES"
    "  (1, 1, '{\"q\":\"one\"}', '{\"a\":1}', '{}', 'h1', 'CREATE', 10),"
    "  (2, 1, '{\"q\":\"two\"}', '{\"a\":2}', '{}', 'h2', 'CREATE', 10),"
    "  (3, 2, '{\"q\":\"three\"}', '{\"a\":3}', '{\"m\":true}', 'h3', 'CREATE', 20),"
    "  (2, 2, '{\"q\":\"two\"}', '{\"a\":2}', '{}', 'h2', 'DELETE', 20),"
    "  (4, 3, '{\"q\":\"four\"}', '{}', '{}', 'h4', 'CREATE', 30);"
    "INSERT INTO dataset_splits(id, name, created_at, updated_at) VALUES (1, 'train', 1, 1);"
    "INSERT INTO dataset_split_examples VALUES (1, 1);";

static as_store *open_store(void) { return store_fixture_open("exp", fixture); }

static int64_t iget(const json_t *o, const char *f) {
    return json_integer_value(json_object_get(o, f));
}
static const char *sget(const json_t *o, const char *f) {
    return json_string_value(json_object_get(o, f));
}

/* Create an experiment from a JSON spec; returns its id (0 on failure). */
static int64_t create(as_store *st, int64_t ds, const char *spec, as_rc want) {
    json_t *s = json_loads(spec, 0, NULL), *row = NULL;
    as_err e;
    as_rc rc = as_store_experiment_create(st, ds, s, &row, &e);
    json_decref(s);
    CHECK_INT(rc, want);
    if (rc != AS_OK) return 0;
    int64_t id = iget(row, "id");
    json_decref(row);
    return id;
}

/* Post a run; returns the run id (0 on failure). */
static int64_t run(as_store *st, int64_t exp, int64_t ex, int rep, const char *error,
                   as_rc want) {
    json_t *r = json_pack("{s:I, s:i, s:I, s:I, s:{s:s}, s:s}", "dataset_example_id",
                          (json_int_t)ex, "repetition_number", rep, "start_time",
                          (json_int_t)100, "end_time", (json_int_t)200, "output", "text",
                          error ? "out" : "x", "trace_id", "0123456789abcdef0123456789abcdef");
    if (error) json_object_set_new(r, "error", json_string(error));
    json_t *row = NULL;
    as_err e;
    as_rc rc = as_store_run_upsert(st, exp, r, &row, &e);
    json_decref(r);
    CHECK_INT(rc, want);
    if (rc != AS_OK) return 0;
    int64_t id = iget(row, "id");
    json_decref(row);
    return id;
}

static int64_t evaluate(as_store *st, int64_t run_id, const char *name, double score,
                        const char *error, as_rc want) {
    json_t *ev = json_pack("{s:I, s:s, s:s, s:f, s:s, s:I, s:I}", "experiment_run_id",
                           (json_int_t)run_id, "name", name, "annotator_kind", "CODE",
                           "score", score, "label", score > 0.5 ? "good" : "bad",
                           "start_time", (json_int_t)300, "end_time", (json_int_t)400);
    if (error) json_object_set_new(ev, "error", json_string(error));
    json_t *row = NULL;
    as_err e;
    as_rc rc = as_store_evaluation_upsert(st, ev, &row, &e);
    json_decref(ev);
    CHECK_INT(rc, want);
    if (rc != AS_OK) return 0;
    int64_t id = iget(row, "id");
    CHECK_DBL(json_real_value(json_object_get(row, "score")), score, 1e-12);
    json_decref(row);
    return id;
}

static json_t *get(as_store *st, int64_t id) {
    json_t *row = NULL;
    as_err e;
    CHECK_INT(as_store_experiment_get(st, id, &row, &e), AS_OK);
    return row;
}

TEST(create_checks_dataset_and_version) {
    as_store *st = open_store();
    create(st, 9, "{}", AS_ENOTFOUND);
    create(st, 1, "{\"version_id\": 3}", AS_ENOTFOUND);      /* dataset 2's */
    create(st, 1, "{\"version_id\": 77}", AS_ENOTFOUND);
    create(st, 1, "{\"repetitions\": 0}", AS_EUNPROCESSABLE);
    create(st, 1, "{\"repetitions\": \"2\"}", AS_EUNPROCESSABLE);
    create(st, 1, "{\"metadata\": []}", AS_EUNPROCESSABLE);
    create(st, 1, "{\"splits\": [\"nope\"]}", AS_EUNPROCESSABLE);
    create(st, 1, "{\"status\": \"sleeping\"}", AS_EUNPROCESSABLE);
    /* nothing half-written: no experiment and no project from the failures */
    json_t *none = NULL;
    int64_t next = 0;
    as_err le;
    CHECK_INT(as_store_experiment_list(st, 1, 0, 10, &none, &next, &le), AS_OK);
    CHECK_INT(json_array_size(none), 0);
    json_decref(none);
    CHECK_INT(as_store_project_list(st, "Experiment-", 0, 10, &none, &next, &le), AS_OK);
    CHECK_INT(json_array_size(none), 0);
    json_decref(none);

    int64_t id = create(st, 1, "{\"version_id\": 1, \"repetitions\": 2, "
                               "\"metadata\": {\"model\": \"m\"}}", AS_OK);
    json_t *x = get(st, id);
    CHECK_INT(iget(x, "dataset_version_id"), 1);
    CHECK_INT(iget(x, "repetitions"), 2);
    CHECK_INT(iget(x, "example_count"), 2);
    CHECK_INT(iget(x, "missing_run_count"), 4);
    CHECK_INT(iget(x, "successful_run_count"), 0);
    CHECK_STR(sget(json_object_get(x, "metadata"), "model"), "m");
    CHECK(strncmp(sget(x, "name"), "ds-one-", 7) == 0 && strlen(sget(x, "name")) == 15);
    const char *pn = sget(x, "project_name");
    CHECK(pn && strncmp(pn, "Experiment-", 11) == 0 && strlen(pn) == 11 + 24);
    CHECK(json_is_null(json_object_get(x, "status")));
    json_t *p = NULL;
    as_err e;
    CHECK_INT(as_store_project_get(st, 0, pn, &p, &e), AS_OK);   /* its project exists */
    json_decref(p);
    json_decref(x);

    /* the latest version by default: {1, 3} */
    id = create(st, 1, "{\"name\": \"mine\", \"project_name\": \"proj-x\"}", AS_OK);
    x = get(st, id);
    CHECK_INT(iget(x, "dataset_version_id"), 2);
    CHECK_INT(iget(x, "example_count"), 2);
    CHECK_STR(sget(x, "name"), "mine");
    CHECK_STR(sget(x, "project_name"), "proj-x");
    json_decref(x);

    /* splits narrow the examples */
    id = create(st, 1, "{\"version_id\": 1, \"splits\": [\"train\"]}", AS_OK);
    x = get(st, id);
    CHECK_INT(iget(x, "example_count"), 1);
    CHECK_STR(json_string_value(json_array_get(json_object_get(x, "splits"), 0)), "train");
    json_decref(x);
    run(st, id, 2, 1, NULL, AS_EUNPROCESSABLE);        /* in the version, not the split */
    run(st, id, 1, 1, NULL, AS_OK);
    store_fixture_close(st);
}

TEST(run_rules) {
    as_store *st = open_store();
    int64_t exp = create(st, 1, "{\"version_id\": 1, \"repetitions\": 2}", AS_OK);
    run(st, 99, 1, 1, NULL, AS_ENOTFOUND);      /* no experiment */
    run(st, exp, 99, 1, NULL, AS_ENOTFOUND);    /* no example */
    run(st, exp, 3, 1, NULL, AS_EUNPROCESSABLE);/* created after version 1 */
    run(st, exp, 4, 1, NULL, AS_EUNPROCESSABLE);/* another dataset's */
    run(st, exp, 1, 0, NULL, AS_EUNPROCESSABLE);
    run(st, exp, 1, 3, NULL, AS_EUNPROCESSABLE);

    int64_t ok = run(st, exp, 1, 1, NULL, AS_OK);
    CHECK(ok > 0);
    run(st, exp, 1, 1, NULL, AS_ECONFLICT);     /* a successful run stays */
    run(st, exp, 1, 1, "boom", AS_ECONFLICT);

    int64_t failed = run(st, exp, 1, 2, "timeout", AS_OK);
    evaluate(st, failed, "acc", 0.0, NULL, AS_OK);
    json_t *x = get(st, exp);
    CHECK_INT(iget(x, "successful_run_count"), 1);
    CHECK_INT(iget(x, "failed_run_count"), 1);
    CHECK_INT(iget(x, "missing_run_count"), 2);
    json_decref(x);

    int64_t again = run(st, exp, 1, 2, "timeout again", AS_OK);  /* failed replaces failed */
    CHECK_INT(again, failed);
    int64_t fixed = run(st, exp, 1, 2, NULL, AS_OK);              /* success replaces it */
    CHECK_INT(fixed, failed);
    x = get(st, exp);
    CHECK_INT(iget(x, "successful_run_count"), 2);
    CHECK_INT(iget(x, "failed_run_count"), 0);
    CHECK_INT(iget(x, "missing_run_count"), 2);
    json_decref(x);

    /* the replaced run's evaluation judged the old output: gone */
    json_t *rows = NULL;
    as_err e;
    CHECK_INT(as_store_experiment_export(st, exp, &rows, &e), AS_OK);
    CHECK_INT(json_array_size(rows), 2);
    json_t *r2 = json_array_get(rows, 1);
    CHECK_INT(iget(json_object_get(r2, "run"), "repetition_number"), 2);
    CHECK(json_is_null(json_object_get(json_object_get(r2, "run"), "error")));
    CHECK_STR(sget(json_object_get(json_object_get(r2, "run"), "output"), "text"), "x");
    CHECK_INT(json_array_size(json_object_get(r2, "evaluations")), 0);
    CHECK_STR(sget(json_object_get(json_object_get(r2, "example"), "input"), "q"), "one");
    CHECK_STR(sget(json_object_get(r2, "example"), "external_id"), "ex-a");
    json_decref(rows);

    /* token counts and cost (the server-side runner records them) */
    json_t *tc = json_pack("{s:I, s:i, s:I, s:I, s:s, s:I, s:I, s:f}", "dataset_example_id",
                           (json_int_t)2, "repetition_number", 1, "start_time", (json_int_t)5,
                           "end_time", (json_int_t)9, "output", "ok", "prompt_token_count",
                           (json_int_t)10, "completion_token_count", (json_int_t)5, "cost", 0.25);
    json_t *tr = NULL;
    CHECK_INT(as_store_run_upsert(st, exp, tc, &tr, &e), AS_OK);
    CHECK_INT(iget(tr, "prompt_token_count"), 10);
    CHECK_INT(iget(tr, "completion_token_count"), 5);
    CHECK_DBL(json_real_value(json_object_get(tr, "cost")), 0.25, 1e-12);
    CHECK_STR(sget(tr, "output"), "ok");
    CHECK(json_is_null(json_object_get(tr, "error")));
    json_decref(tr);
    json_object_set_new(tc, "repetition_number", json_integer(2));
    json_object_set_new(tc, "prompt_token_count", json_integer(-1));
    CHECK_INT(as_store_run_upsert(st, exp, tc, &tr, &e), AS_EUNPROCESSABLE);
    json_decref(tc);

    /* bad input names the field */
    json_t *bad = json_pack("{s:I, s:I}", "dataset_example_id", (json_int_t)1,
                            "start_time", (json_int_t)1);
    CHECK_INT(as_store_run_upsert(st, exp, bad, &rows, &e), AS_EUNPROCESSABLE);
    CHECK(strstr(e.msg, "end_time") != NULL);
    json_decref(bad);
    store_fixture_close(st);
}

TEST(incomplete_runs_with_repetitions) {
    as_store *st = open_store();
    int64_t exp = create(st, 1, "{\"repetitions\": 3}", AS_OK);   /* version 2: {1, 3} */
    run(st, exp, 1, 1, NULL, AS_OK);
    run(st, exp, 1, 3, "failed", AS_OK);
    run(st, exp, 3, 1, NULL, AS_OK);
    run(st, exp, 3, 2, NULL, AS_OK);
    run(st, exp, 3, 3, NULL, AS_OK);

    json_t *rows = NULL;
    bool more = true;
    as_err e;
    CHECK_INT(as_store_experiment_incomplete_runs(st, exp, 0, 50, &rows, &more, &e), AS_OK);
    CHECK(!more);
    CHECK_INT(json_array_size(rows), 1);
    json_t *r = json_array_get(rows, 0);
    json_t *reps = json_object_get(r, "repetition_numbers");
    CHECK_INT(json_array_size(reps), 2);
    CHECK_INT(json_integer_value(json_array_get(reps, 0)), 2);
    CHECK_INT(json_integer_value(json_array_get(reps, 1)), 3);      /* failed: again */
    json_t *ex = json_object_get(r, "example");
    CHECK_INT(iget(ex, "id"), 1);
    CHECK_INT(iget(ex, "revision_id"), 1);
    CHECK_STR(json_string_value(json_array_get(json_object_get(ex, "splits"), 0)), "train");
    json_decref(rows);

    /* pages of one example */
    int64_t exp2 = create(st, 1, "{\"repetitions\": 2}", AS_OK);
    CHECK_INT(as_store_experiment_incomplete_runs(st, exp2, 0, 1, &rows, &more, &e), AS_OK);
    CHECK(more);
    CHECK_INT(json_array_size(rows), 1);
    int64_t last = iget(json_object_get(json_array_get(rows, 0), "example"), "id");
    CHECK_INT(last, 1);
    json_decref(rows);
    CHECK_INT(as_store_experiment_incomplete_runs(st, exp2, last, 1, &rows, &more, &e), AS_OK);
    CHECK(!more);
    CHECK_INT(iget(json_object_get(json_array_get(rows, 0), "example"), "id"), 3);
    CHECK_STR(sget(json_object_get(json_object_get(json_array_get(rows, 0), "example"),
                                   "input"), "q"), "three");
    json_decref(rows);
    CHECK_INT(as_store_experiment_incomplete_runs(st, 42, 0, 1, &rows, &more, &e), AS_ENOTFOUND);
    store_fixture_close(st);
}

TEST(evaluations_upsert_and_incomplete) {
    as_store *st = open_store();
    int64_t exp = create(st, 1, "{\"repetitions\": 2}", AS_OK);
    int64_t r1 = run(st, exp, 1, 1, NULL, AS_OK);
    int64_t r2 = run(st, exp, 1, 2, NULL, AS_OK);
    run(st, exp, 3, 1, "task failed", AS_OK);     /* failed runs are not evaluated */
    int64_t r4 = run(st, exp, 3, 2, NULL, AS_OK);

    int64_t a = evaluate(st, r1, "acc", 0.25, NULL, AS_OK);
    CHECK_INT(evaluate(st, r1, "acc", 0.75, NULL, AS_OK), a);     /* upsert on (run, name) */
    evaluate(st, r1, "rel", 1.0, NULL, AS_OK);
    evaluate(st, r2, "acc", 1.0, "judge down", AS_OK);             /* failed evaluation */
    evaluate(st, 999, "acc", 1.0, NULL, AS_ENOTFOUND);

    json_t *bad = json_pack("{s:I, s:s, s:s, s:I, s:I}", "experiment_run_id", (json_int_t)r1,
                            "name", "x", "annotator_kind", "ROBOT", "start_time",
                            (json_int_t)1, "end_time", (json_int_t)2), *row = NULL;
    as_err e;
    CHECK_INT(as_store_evaluation_upsert(st, bad, &row, &e), AS_EUNPROCESSABLE);
    CHECK(strstr(e.msg, "annotator_kind") != NULL);
    json_decref(bad);

    const char *names[] = { "acc", "rel", "acc" };
    as_str_list nl = { names, 3 };
    json_t *rows = NULL;
    bool more = true;
    CHECK_INT(as_store_experiment_incomplete_evaluations(st, exp, &nl, 0, 10, &rows, &more, &e),
              AS_OK);
    CHECK(!more);
    /* r1 has both; r2 has a failed acc and no rel; r4 has neither */
    CHECK_INT(json_array_size(rows), 2);
    json_t *x = json_array_get(rows, 0);
    CHECK_INT(iget(json_object_get(x, "run"), "id"), r2);
    CHECK_INT(json_array_size(json_object_get(x, "evaluation_names")), 2);
    CHECK_INT(iget(json_object_get(x, "example"), "id"), 1);
    x = json_array_get(rows, 1);
    CHECK_INT(iget(json_object_get(x, "run"), "id"), r4);
    CHECK_STR(sget(json_object_get(json_object_get(x, "example"), "input"), "q"), "three");
    json_decref(rows);

    CHECK_INT(as_store_experiment_incomplete_evaluations(st, exp, &nl, 0, 1, &rows, &more, &e),
              AS_OK);
    CHECK(more);
    CHECK_INT(json_array_size(rows), 1);
    json_decref(rows);
    CHECK_INT(as_store_experiment_incomplete_evaluations(st, exp, &nl, r2, 1, &rows, &more, &e),
              AS_OK);
    CHECK(!more);
    CHECK_INT(iget(json_object_get(json_array_get(rows, 0), "run"), "id"), r4);
    json_decref(rows);

    as_str_list none = { NULL, 0 };
    CHECK_INT(as_store_experiment_incomplete_evaluations(st, exp, &none, 0, 1, &rows, &more, &e),
              AS_EINVAL);
    store_fixture_close(st);
}

TEST(list_update_delete_status) {
    as_store *st = open_store();
    int64_t a = create(st, 1, "{\"name\": \"a\"}", AS_OK);
    int64_t b = create(st, 1, "{\"name\": \"b\", \"status\": \"running\"}", AS_OK);
    int64_t c = create(st, 1, "{\"name\": \"c\"}", AS_OK);
    json_t *rows = NULL;
    int64_t next = 0;
    as_err e;
    CHECK_INT(as_store_experiment_list(st, 1, 0, 2, &rows, &next, &e), AS_OK);
    CHECK_INT(json_array_size(rows), 2);
    CHECK_INT(iget(json_array_get(rows, 0), "id"), c);          /* newest first */
    CHECK_INT(next, a);
    json_decref(rows);
    CHECK_INT(as_store_experiment_list(st, 1, next + 1, 2, &rows, &next, &e), AS_OK);
    CHECK_INT(json_array_size(rows), 1);
    CHECK_INT(next, 0);
    json_decref(rows);
    CHECK_INT(as_store_experiment_list(st, 7, 0, 2, &rows, &next, &e), AS_ENOTFOUND);

    CHECK_INT(as_store_experiments_with_status(st, "running", &rows, &e), AS_OK);
    CHECK_INT(json_array_size(rows), 1);
    CHECK_INT(iget(json_array_get(rows, 0), "id"), b);
    json_decref(rows);
    CHECK_INT(as_store_experiment_set_status(st, b, "done", "all 4 runs", &e), AS_OK);
    CHECK_INT(as_store_experiment_set_status(st, b, "bogus", NULL, &e), AS_EUNPROCESSABLE);
    CHECK_INT(as_store_experiment_set_status(st, 77, "done", NULL, &e), AS_ENOTFOUND);
    json_t *x = get(st, b);
    CHECK_STR(sget(x, "status"), "done");
    CHECK_STR(sget(x, "status_message"), "all 4 runs");
    json_decref(x);

    json_t *patch = json_loads("{\"description\": \"d\", \"metadata\": {\"k\": 1}}", 0, NULL);
    CHECK_INT(as_store_experiment_update(st, a, patch, &x, &e), AS_OK);
    CHECK_STR(sget(x, "name"), "a");
    CHECK_STR(sget(x, "description"), "d");
    CHECK_INT(iget(json_object_get(x, "metadata"), "k"), 1);
    json_decref(x);
    json_decref(patch);
    patch = json_loads("{\"name\": null}", 0, NULL);
    CHECK_INT(as_store_experiment_update(st, a, patch, &x, &e), AS_EUNPROCESSABLE);
    json_decref(patch);

    x = get(st, a);
    const char *pn = sget(x, "project_name");
    json_t *p = NULL;
    CHECK_INT(as_store_experiment_delete(st, a, true, &e), AS_OK);
    CHECK_INT(as_store_project_get(st, 0, pn, &p, &e), AS_ENOTFOUND);
    json_decref(x);
    CHECK_INT(as_store_experiment_delete(st, a, false, &e), AS_ENOTFOUND);
    CHECK_INT(as_store_experiment_get(st, a, &x, &e), AS_ENOTFOUND);
    store_fixture_close(st);
}

TEST_MAIN(T(create_checks_dataset_and_version), T(run_rules),
          T(incomplete_runs_with_repetitions), T(evaluations_upsert_and_incomplete),
          T(list_update_delete_status))
