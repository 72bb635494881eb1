/* test_demo.c - the demo workspace (include/assay/demo.h): the recorded
 * data parses and its templates expand, a build on an empty store creates
 * what docs/demo.md promises, a second build is refused naming what
 * exists, --force rebuilds the same content (same trace ids: the content
 * is deterministic) without leaving the old experiments' projects. */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "store_fixture.h"

#include "../../src/demo/demo_int.h"
#include "assay/demo.h"
#include "assay/store_datasets.h"
#include "assay/store_queues.h"

#define NOW 1796400000000000000LL   /* a fixed "now" (2026-12-05) */

TEST(data_parses_and_templates_expand) {
    demo_data d;
    as_err err;
    CHECK_INT(demo_data_load(&d, &err), AS_OK);
    CHECK_INT(d.n_sc, 30);
    const demo_scenario *s = &d.sc[0];
    CHECK_STR(s->city, "Tokyo");
    char *t = demo_fill("{city}, {days} days, ${budget} -> ${cheaper_budget}; {nope} {\"a\": 1}",
                        s, NULL);
    CHECK_STR(t, "Tokyo, 5 days, $2500 -> $1900; {nope} {\"a\": 1}");
    free(t);
    /* every scenario answer splits where the templates cut it */
    for (size_t i = 0; i < d.n_sc; i++) {
        CHECK(strstr(d.sc[i].answer, " Stay:") != NULL);
        CHECK(strstr(d.sc[i].answer, " Estimated total") != NULL);
        char *nt = demo_fill("{answer_no_total}", &d.sc[i], NULL);
        CHECK(strstr(nt, "total") == NULL);
        free(nt);
    }
    demo_data_release(&d);
}

TEST(plan_is_deterministic) {
    demo_data d;
    as_err err;
    CHECK_INT(demo_data_load(&d, &err), AS_OK);
    demo_plan *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
    demo_plan_make(a, &d, NOW);
    demo_plan_make(b, &d, NOW + 1000);
    int sessions[DEMO_SESSIONS] = { 0 };
    for (int i = 0; i < DEMO_TRACES; i++) {
        CHECK_STR(a->t[i].trace_id, b->t[i].trace_id);
        CHECK_INT(a->t[i].start_ns + 1000, b->t[i].start_ns);
        CHECK(a->t[i].start_ns < NOW && a->t[i].start_ns > NOW - 7 * 86400LL * 1000000000);
        if (a->t[i].session >= 0) sessions[a->t[i].session]++;
    }
    for (int s = 0; s < DEMO_SESSIONS; s++) CHECK(sessions[s] >= 2 && sessions[s] <= 5);
    for (int s = 0; s < 30; s++) CHECK(a->dataset_trace[s] >= 0);
    CHECK_INT(a->error_traces, 6);
    free(a);
    free(b);
    demo_data_release(&d);
}

static int64_t count_projects(as_store *st, const char *prefix) {
    json_t *rows;
    int64_t next;
    as_err err;
    CHECK_INT(as_store_project_list(st, NULL, 0, 1000, &rows, &next, &err), AS_OK);
    int64_t n = 0;
    size_t i;
    json_t *p;
    json_array_foreach(rows, i, p)
        n += strncmp(json_string_value(json_object_get(p, "name")), prefix, strlen(prefix)) == 0;
    json_decref(rows);
    return n;
}

TEST(build_refuse_force) {
    as_store *st = store_fixture_open("demo", NULL);
    as_demo_opts o = { .now_ns = NOW };
    as_demo_summary s;
    as_err err;
    bool found;
    char what[256];
    CHECK_INT(as_demo_find(st, &found, what, sizeof(what), &err), AS_OK);
    CHECK(!found);
    CHECK_INT(as_demo_build(st, &o, &s, &err), AS_OK);
    CHECK_INT(s.traces, 120);
    CHECK_INT(s.spans, 1434);
    CHECK_INT(s.sessions, 15);
    CHECK_INT(s.error_traces, 6);
    CHECK_INT(s.span_annotations, 91);
    CHECK_INT(s.examples, 31);
    CHECK_INT(s.versions, 2);
    CHECK_INT(s.experiments, 2);
    CHECK_INT(s.runs, 62);
    CHECK_INT(s.evaluations, 124);
    CHECK_INT(s.queue_items, 31);
    CHECK_INT(s.queue_answers, 23);
    CHECK_INT(s.configs_created, 2);
    CHECK(!s.replaced);
    CHECK_INT(as_store_span_count(st), 1434);
    CHECK_INT(count_projects(st, "Experiment-"), 2);

    CHECK_INT(as_demo_find(st, &found, what, sizeof(what), &err), AS_OK);
    CHECK(found);
    CHECK_STR(what, "project 'trip-planner', dataset 'trip-planner-requests', "
                    "labelling queue 'Review itineraries'");
    CHECK_INT(as_demo_build(st, &o, &s, &err), AS_ECONFLICT);
    CHECK(strstr(err.msg, "--force") != NULL);
    CHECK_INT(as_store_span_count(st), 1434);

    o.force = true;
    CHECK_INT(as_demo_build(st, &o, &s, &err), AS_OK);
    CHECK(s.replaced);
    CHECK_INT(s.configs_created, 0);     /* the configs are kept and reused */
    CHECK_INT(s.runs, 62);
    CHECK_INT(as_store_span_count(st), 1434);
    CHECK_INT(count_projects(st, "Experiment-"), 2);
    CHECK_INT(count_projects(st, "trip-planner"), 1);
    int64_t qid;
    CHECK_INT(as_store_queue_find(st, AS_DEMO_QUEUE, &qid, &err), AS_OK);
    json_t *prog;
    CHECK_INT(as_store_queue_progress(st, qid, NOW, &prog, &err), AS_OK);
    CHECK_INT(json_integer_value(json_object_get(prog, "complete")), 6);
    CHECK_INT(json_integer_value(json_object_get(prog, "pending")), 14);
    json_decref(prog);
    store_fixture_close(st);
}

TEST_MAIN(T(data_parses_and_templates_expand), T(plan_is_deterministic), T(build_refuse_force))
