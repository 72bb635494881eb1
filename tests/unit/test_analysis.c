/* test_analysis.c - the statistics of stored experiments (src/analysis/):
 * the pass rule, the majority over repetitions, judge stability, the
 * paired comparison and its refusals, the agreement of a judge with
 * humans, and the identifiers an experiment can be named by.  Numbers
 * from statsmodels are noted where they appear; the end-to-end oracle
 * check is tests/stats/compare_check.py. */
#include <math.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <unistd.h>

#include "harness.h"
#include "store_fixture.h"

#include "assay/analysis.h"
#include "assay/hex.h"
#include "assay/store.h"
#include "assay/store_analysis.h"

/* Four examples in dataset 1, one in dataset 2; experiments:
 *   1 "base"  (1 repetition)  ok: correct x3, incorrect; tone: good, good, bad, bad
 *   2 "cand"  (3 repetitions) ok per example: [c,c,i] [c,i,i] [c,c,c] [c,i,(run failed)]
 *   3 "other" over dataset 2; 4 and 5 both named "dup", without runs.
 * Humans on "ok": ex1 alice c; ex2 alice i; ex4 alice i, bob i. */
static const char *const fixture =
    "INSERT INTO datasets(id, name, created_at, updated_at) VALUES(1, 'd', 0, 0), (2, 'e', 0, 0);"
    "INSERT INTO dataset_versions(id, dataset_id, created_at) VALUES(1, 1, 0), (2, 2, 0);"
    "INSERT INTO dataset_examples(id, dataset_id, created_at) VALUES(1, 1, 0), (2, 1, 0),"
    "  (3, 1, 0), (4, 1, 0), (5, 2, 0);"
    "INSERT INTO dataset_example_revisions(example_id, version_id, input, output, metadata,"
    "  content_hash, kind, created_at) SELECT id, dataset_id, '{}', '{}', '{}', 'h', 'CREATE', 0"
    "  FROM dataset_examples;"
    "INSERT INTO experiments(id, dataset_id, dataset_version_id, name, repetitions, created_at,"
    "  updated_at) VALUES(1, 1, 1, 'base', 1, 0, 0), (2, 1, 1, 'cand', 3, 0, 0),"
    "  (3, 2, 2, 'other', 1, 0, 0), (4, 1, 1, 'dup', 1, 0, 0), (5, 1, 1, 'dup', 1, 0, 0);"
    "INSERT INTO experiment_runs(id, experiment_id, dataset_example_id, repetition_number,"
    "  start_time, end_time, prompt_token_count, cost, error) VALUES"
    "  (1, 1, 1, 1, 0, 2000000, 10, 0.5, NULL), (2, 1, 2, 1, 0, 4000000, 20, 0.25, NULL),"
    "  (3, 1, 3, 1, 0, 6000000, NULL, NULL, NULL), (4, 1, 4, 1, 0, 8000000, 5, NULL, NULL),"
    "  (11, 2, 1, 1, 0, 1, NULL, NULL, NULL), (12, 2, 1, 2, 0, 1, NULL, NULL, NULL),"
    "  (13, 2, 1, 3, 0, 1, NULL, NULL, NULL), (21, 2, 2, 1, 0, 1, NULL, NULL, NULL),"
    "  (22, 2, 2, 2, 0, 1, NULL, NULL, NULL), (23, 2, 2, 3, 0, 1, NULL, NULL, NULL),"
    "  (31, 2, 3, 1, 0, 1, NULL, NULL, NULL), (32, 2, 3, 2, 0, 1, NULL, NULL, NULL),"
    "  (33, 2, 3, 3, 0, 1, NULL, NULL, NULL), (41, 2, 4, 1, 0, 1, NULL, NULL, NULL),"
    "  (42, 2, 4, 2, 0, 1, NULL, NULL, NULL), (43, 2, 4, 3, 0, 1, NULL, NULL, 'boom'),"
    "  (51, 3, 5, 1, 0, 1, NULL, NULL, NULL);"
    "INSERT INTO experiment_run_annotations(experiment_run_id, name, annotator_kind, label,"
    "  explanation, start_time, end_time) VALUES"
    "  (1, 'ok', 'LLM', 'correct', 'fine', 0, 0), (2, 'ok', 'LLM', 'correct', 'why', 0, 0),"
    "  (3, 'ok', 'LLM', 'correct', NULL, 0, 0), (4, 'ok', 'LLM', 'incorrect', NULL, 0, 0),"
    "  (1, 'tone', 'LLM', 'good', NULL, 0, 0), (2, 'tone', 'LLM', 'good', NULL, 0, 0),"
    "  (3, 'tone', 'LLM', 'bad', NULL, 0, 0), (4, 'tone', 'LLM', 'bad', NULL, 0, 0),"
    "  (11, 'ok', 'LLM', 'correct', NULL, 0, 0), (12, 'ok', 'LLM', 'correct', NULL, 0, 0),"
    "  (13, 'ok', 'LLM', 'incorrect', NULL, 0, 0), (21, 'ok', 'LLM', 'correct', NULL, 0, 0),"
    "  (22, 'ok', 'LLM', 'incorrect', NULL, 0, 0), (23, 'ok', 'LLM', 'incorrect', NULL, 0, 0),"
    "  (31, 'ok', 'LLM', 'correct', NULL, 0, 0), (32, 'ok', 'LLM', 'correct', NULL, 0, 0),"
    "  (33, 'ok', 'LLM', 'correct', NULL, 0, 0), (41, 'ok', 'LLM', 'correct', NULL, 0, 0),"
    "  (42, 'ok', 'LLM', 'incorrect', NULL, 0, 0), (43, 'ok', 'LLM', 'correct', NULL, 0, 0),"
    "  (51, 'ok', 'LLM', 'correct', NULL, 0, 0);"
    "INSERT INTO annotation_configs(name, type, config, created_at, updated_at) VALUES("
    "  'tone', 'CATEGORICAL', '{\"values\":[{\"label\":\"bad\",\"score\":0},"
    "  {\"label\":\"good\",\"score\":1}]}', 0, 0);"
    "INSERT INTO dataset_example_annotations(example_id, name, label, annotator_kind,"
    "  identifier, user_id, created_at, updated_at) VALUES"
    "  (1, 'ok', 'correct', 'HUMAN', 'alice', 'alice', 0, 0),"
    "  (2, 'ok', 'incorrect', 'HUMAN', 'alice', 'alice', 0, 0),"
    "  (4, 'ok', 'incorrect', 'HUMAN', 'alice', 'alice', 0, 0),"
    "  (4, 'ok', 'incorrect', 'HUMAN', 'bob', 'bob', 0, 0);";

static as_store *open_fixture(void) { return store_fixture_open("analysis", fixture); }

/* The evaluation named `name` in a summary / comparison array. */
static json_t *by_name(json_t *arr, const char *name) {
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
        if (strcmp(json_string_value(json_object_get(v, "name")), name) == 0) return v;
    return NULL;
}

static double num(json_t *o, const char *path1, const char *path2) {
    json_t *v = json_object_get(o, path1);
    if (path2) v = json_object_get(v, path2);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

TEST(intern_grows_and_finds) {
    as_an_strings t = { 0 };
    char buf[16];
    for (int i = 0; i < 300; i++) {
        int n = snprintf(buf, sizeof(buf), "s%d", i);
        CHECK_INT(as_an_intern(&t, buf, (size_t)n), i);
    }
    CHECK_INT(as_an_intern(&t, "s7", 2), 7);
    CHECK_INT(as_an_intern(&t, "s77x", 3), 77);       /* only len bytes count */
    CHECK_INT(as_an_lookup(&t, "s299"), 299);
    CHECK(as_an_lookup(&t, "nope") == AS_AN_NONE);
    CHECK_INT(t.n, 300);
    as_an_strings_free(&t);
    CHECK(as_an_lookup(&t, "s1") == AS_AN_NONE);
}

TEST(resolve_experiment) {
    as_store *st = open_fixture();
    int64_t id = 0;
    as_err e;
    char gid[AS_GLOBALID_MAX];
    as_globalid_encode("Experiment", 2, gid);
    CHECK_INT(as_analysis_resolve_experiment(st, gid, &id, &e), AS_OK);
    CHECK_INT(id, 2);
    CHECK_INT(as_analysis_resolve_experiment(st, "3", &id, &e), AS_OK);
    CHECK_INT(id, 3);
    CHECK_INT(as_analysis_resolve_experiment(st, "cand", &id, &e), AS_OK);
    CHECK_INT(id, 2);
    CHECK_INT(as_analysis_resolve_experiment(st, "dup", &id, &e), AS_ECONFLICT);
    CHECK_INT(as_analysis_resolve_experiment(st, "nobody", &id, &e), AS_ENOTFOUND);
    CHECK(strstr(e.msg, "nobody") != NULL);
    store_fixture_close(st);
}

TEST(summary_figures) {
    as_store *st = open_fixture();
    as_analysis_opts o;
    as_analysis_opts_defaults(&o);
    json_t *res = NULL;
    as_err e;
    CHECK_INT(as_analysis_summary(st, 1, &o, &res, &e), AS_OK);
    json_t *runs = json_object_get(res, "runs");
    CHECK_INT(json_integer_value(json_object_get(runs, "expected")), 4);
    CHECK_INT(json_integer_value(json_object_get(runs, "successful")), 4);
    CHECK_INT(json_integer_value(json_object_get(runs, "missing")), 0);
    CHECK_INT(json_integer_value(json_object_get(json_object_get(res, "tokens"), "prompt")), 35);
    CHECK_DBL(num(res, "cost", "total"), 0.75, 1e-15);
    CHECK_DBL(num(res, "latency_ms", "mean"), 5.0, 1e-12);
    json_t *ok = by_name(json_object_get(res, "evaluations"), "ok");
    CHECK(ok != NULL);
    CHECK_STR(json_string_value(json_object_get(ok, "kind")), "binary");
    json_t *pass = json_object_get(ok, "pass");
    CHECK_INT(json_integer_value(json_object_get(pass, "passed")), 3);   /* pass words */
    CHECK_DBL(num(ok, "pass", "rate"), 0.75, 1e-15);
    /* statsmodels proportion_confint(3, 4, method="wilson") */
    json_t *ci = json_object_get(pass, "ci");
    CHECK_DBL(json_real_value(json_array_get(ci, 0)), 0.30064184258240184, 1e-12);
    CHECK_DBL(json_real_value(json_array_get(ci, 1)), 0.9544127391902995, 1e-12);
    CHECK_INT(json_integer_value(json_object_get(json_object_get(ok, "labels"), "correct")), 3);
    CHECK(json_is_null(json_object_get(ok, "score")));
    CHECK(json_is_null(json_object_get(ok, "stability")));
    /* tone: label-only, mapped through the annotation config */
    json_t *tone = by_name(json_object_get(res, "evaluations"), "tone");
    CHECK_DBL(num(tone, "pass", "rate"), 0.5, 1e-15);
    json_decref(res);
    CHECK_INT(as_analysis_summary(st, 99, &o, &res, &e), AS_ENOTFOUND);
    store_fixture_close(st);
}

TEST(summary_repetitions) {
    as_store *st = open_fixture();
    as_analysis_opts o;
    as_analysis_opts_defaults(&o);
    json_t *res = NULL;
    as_err e;
    CHECK_INT(as_analysis_summary(st, 2, &o, &res, &e), AS_OK);
    json_t *runs = json_object_get(res, "runs");
    CHECK_INT(json_integer_value(json_object_get(runs, "expected")), 12);
    CHECK_INT(json_integer_value(json_object_get(runs, "failed")), 1);
    json_t *ok = by_name(json_object_get(res, "evaluations"), "ok");
    /* majority per example: pass, fail, pass, tie (fail); the failed run's
     * evaluation is not read */
    CHECK_INT(json_integer_value(json_object_get(json_object_get(ok, "pass"), "passed")), 2);
    CHECK_INT(json_integer_value(json_object_get(ok, "evaluations")), 11);
    json_t *s = json_object_get(ok, "stability");
    CHECK_INT(json_integer_value(json_object_get(s, "examples")), 4);
    CHECK_DBL(num(s, "flip_probability_mean", NULL), (4.0 / 9 + 4.0 / 9 + 0 + 0.5) / 4, 1e-15);
    CHECK_INT(json_integer_value(json_object_get(s, "unstable_examples")), 3);
    json_decref(res);
    store_fixture_close(st);
}

TEST(compare_paired) {
    as_store *st = open_fixture();
    as_analysis_opts o;
    as_analysis_opts_defaults(&o);
    json_t *res = NULL;
    as_err e;
    int64_t cand = 2;
    CHECK_INT(as_analysis_compare(st, 1, &cand, 1, &o, &res, &e), AS_OK);
    json_t *c = json_array_get(json_object_get(res, "comparisons"), 0);
    CHECK_INT(json_integer_value(json_object_get(c, "shared_examples")), 4);
    json_t *ok = by_name(json_object_get(c, "evaluations"), "ok");
    json_t *t = json_object_get(json_object_get(ok, "test"), "table");
    /* base pass 1,1,1,0; cand (majority) 1,0,1,0 */
    CHECK_INT(json_integer_value(json_object_get(t, "both_pass")), 2);
    CHECK_INT(json_integer_value(json_object_get(t, "baseline_only_pass")), 1);
    CHECK_INT(json_integer_value(json_object_get(t, "candidate_only_pass")), 0);
    CHECK_INT(json_integer_value(json_object_get(t, "both_fail")), 1);
    CHECK_DBL(num(ok, "p_value", NULL), 1.0, 0);             /* McNemar b=1, c=0 */
    CHECK_DBL(num(ok, "difference", "estimate"), -0.25, 1e-15);
    CHECK_STR(json_string_value(json_object_get(ok, "verdict")), "cannot_tell_yet");
    CHECK(json_is_object(json_object_get(ok, "examples_needed")));
    /* "tone" exists in the baseline only */
    json_t *only = json_array_get(json_object_get(c, "evaluations_not_compared"), 0);
    CHECK_STR(json_string_value(json_object_get(only, "name")), "tone");
    json_t *d = json_object_get(c, "differing_examples");
    CHECK_INT(json_integer_value(json_object_get(d, "total")), 1);
    char gid[AS_GLOBALID_MAX];
    as_globalid_encode("DatasetExample", 2, gid);
    CHECK_STR(json_string_value(json_object_get(json_array_get(json_object_get(d, "items"), 0),
                                                "example_id")), gid);
    json_decref(res);
    /* against itself: nothing differs, but four examples cannot rule out
     * a difference of 5 points; with a margin of 0.9 they can */
    cand = 1;
    CHECK_INT(as_analysis_compare(st, 1, &cand, 1, &o, &res, &e), AS_OK);
    c = json_array_get(json_object_get(res, "comparisons"), 0);
    ok = by_name(json_object_get(c, "evaluations"), "ok");
    CHECK_STR(json_string_value(json_object_get(ok, "verdict")), "cannot_tell_yet");
    json_decref(res);
    o.margin = 0.9;
    CHECK_INT(as_analysis_compare(st, 1, &cand, 1, &o, &res, &e), AS_OK);
    o.margin = 0.05;
    c = json_array_get(json_object_get(res, "comparisons"), 0);
    ok = by_name(json_object_get(c, "evaluations"), "ok");
    CHECK_STR(json_string_value(json_object_get(ok, "verdict")), "no_difference_detectable");
    CHECK(json_is_null(json_object_get(ok, "examples_needed")));
    CHECK_INT(json_integer_value(json_object_get(json_object_get(c, "differing_examples"),
                                                 "total")), 0);
    json_decref(res);
    store_fixture_close(st);
}

TEST(compare_refusals) {
    as_store *st = open_fixture();
    as_analysis_opts o;
    as_analysis_opts_defaults(&o);
    json_t *res = NULL;
    as_err e;
    int64_t other = 3, empty = 4, unknown = 77;
    CHECK_INT(as_analysis_compare(st, 1, &other, 1, &o, &res, &e), AS_EUNPROCESSABLE);
    CHECK(strstr(e.msg, "'e'") != NULL && strstr(e.msg, "'d'") != NULL);
    CHECK_INT(as_analysis_compare(st, 1, &empty, 1, &o, &res, &e), AS_EUNPROCESSABLE);
    CHECK(strstr(e.msg, "share no example") != NULL);
    CHECK_INT(as_analysis_compare(st, 1, &unknown, 1, &o, &res, &e), AS_ENOTFOUND);
    CHECK_INT(as_analysis_compare(st, 77, &empty, 1, &o, &res, &e), AS_ENOTFOUND);
    CHECK_INT(as_analysis_compare(st, 1, &empty, 0, &o, &res, &e), AS_EINVAL);
    store_fixture_close(st);
}

TEST(agreement_with_humans) {
    as_store *st = open_fixture();
    as_analysis_opts o;
    as_analysis_opts_defaults(&o);
    json_t *res = NULL;
    as_err e;
    CHECK_INT(as_analysis_agreement_experiment(st, 1, "ok", NULL, &o, &res, &e), AS_OK);
    CHECK_STR(json_string_value(json_array_get(json_object_get(res, "labels"), 0)), "correct");
    CHECK_STR(json_string_value(json_object_get(res, "positive_label")), "correct");
    json_t *counts = json_object_get(res, "counts");
    CHECK_INT(json_integer_value(json_object_get(counts, "paired")), 3);
    CHECK_DBL(num(res, "accuracy", NULL), 2.0 / 3, 1e-15);
    json_t *cm = json_object_get(json_object_get(res, "confusion_matrix"), "counts");
    CHECK_INT(json_integer_value(json_array_get(json_array_get(cm, 0), 0)), 1);
    CHECK_INT(json_integer_value(json_array_get(json_array_get(cm, 1), 0)), 1);
    CHECK_INT(json_integer_value(json_array_get(json_array_get(cm, 1), 1)), 1);
    json_t *dis = json_array_get(json_object_get(json_object_get(res, "disagreements"), "items"), 0);
    CHECK_STR(json_string_value(json_object_get(dis, "judge_label")), "correct");
    CHECK_STR(json_string_value(json_object_get(dis, "judge_explanation")), "why");
    CHECK_STR(json_string_value(json_object_get(dis, "human_label")), "incorrect");
    json_t *cr = json_object_get(res, "corrected_pass_rate");
    CHECK_INT(json_integer_value(json_object_get(cr, "unlabelled")), 1);
    CHECK_INT(json_integer_value(json_object_get(cr, "judge_passed")), 1);
    CHECK_INT(json_integer_value(json_object_get(json_object_get(res, "inter_annotator"),
                                                 "items")), 1);
    json_decref(res);
    o.positive_label = "maybe";
    CHECK_INT(as_analysis_agreement_experiment(st, 1, "ok", NULL, &o, &res, &e),
              AS_EUNPROCESSABLE);
    CHECK(strstr(e.msg, "maybe") != NULL);
    o.positive_label = "incorrect";
    CHECK_INT(as_analysis_agreement_experiment(st, 1, "ok", NULL, &o, &res, &e), AS_OK);
    CHECK_INT(json_integer_value(json_object_get(json_object_get(json_object_get(res, "judge"),
                                                                 "counts"), "tp")), 1);
    json_decref(res);
    CHECK_INT(as_analysis_agreement_experiment(st, 42, "ok", NULL, &o, &res, &e), AS_ENOTFOUND);
    store_fixture_close(st);
}

TEST_MAIN(T(intern_grows_and_finds), T(resolve_experiment), T(summary_figures),
          T(summary_repetitions), T(compare_paired), T(compare_refusals),
          T(agreement_with_humans))
