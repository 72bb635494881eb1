/* test_observe.c - the observability views (src/observe/) and span cost at
 * ingest (normalize.c, the SQLite writer, read.c). */
#include <math.h>
#include <stdlib.h>
#include <unistd.h>

#include "harness.h"
#include "store_fixture.h"

#include "assay/ingest.h"
#include "assay/observe.h"
#include "assay/store.h"

#define MS 1000000LL
#define T0 1700000000000000000LL

static as_obs_span sp(int64_t id, int64_t parent, const char *kind, const char *name,
                      int64_t start_ms, int64_t end_ms) {
    return (as_obs_span){ .span_id = id, .parent_id = parent, .has_parent = parent != 0,
                          .kind = kind, .name = name, .start_ns = T0 + start_ms * MS,
                          .end_ns = T0 + end_ms * MS };
}

static json_t *find_by(json_t *arr, const char *k1, const char *v1, const char *k2,
                       const char *v2) {
    size_t i;
    json_t *o;
    json_array_foreach(arr, i, o) {
        if (strcmp(json_string_value(json_object_get(o, k1)), v1) != 0) continue;
        if (k2 && strcmp(json_string_value(json_object_get(o, k2)), v2) != 0) continue;
        return o;
    }
    return NULL;
}

static json_int_t jint(const json_t *o, const char *k) {
    return json_integer_value(json_object_get(o, k));
}

static double jreal(const json_t *o, const char *k) {
    return json_number_value(json_object_get(o, k));
}

/* planner -> (research || budget || local) -> itinerary, each agent with
 * an LLM; research also calls two tools one after the other. */
static size_t trip(as_obs_span *v, int64_t base, bool error) {
    size_t n = 0;
    int64_t b = base;
    v[n++] = sp(b + 1, 0, "AGENT", "planner", 0, 100);
    v[n++] = sp(b + 2, b + 1, "AGENT", "research", 1, 40);
    v[n++] = sp(b + 3, b + 1, "AGENT", "budget", 2, 30);
    v[n++] = sp(b + 4, b + 1, "AGENT", "local", 3, 50);
    v[n++] = sp(b + 5, b + 1, "AGENT", "itinerary", 50, 99);   /* starts as local ends */
    v[n++] = sp(b + 6, b + 2, "LLM", "chat", 1, 10);
    v[n++] = sp(b + 7, b + 2, "TOOL", "search", 10, 20);
    v[n++] = sp(b + 8, b + 2, "TOOL", "search", 20, 39);
    v[n++] = sp(b + 9, b + 5, "LLM", "chat", 51, 98);
    v[n - 1].error = error;
    v[n - 1].prompt = 100;
    v[n - 1].completion = 10;
    v[n - 1].has_cost = true;
    v[n - 1].cost = 0.5;
    return n;
}

TEST(graph_parallel_and_counts) {
    as_agent_graph *g = as_agent_graph_new();
    as_obs_span v[16];
    for (int t = 0; t < 3; t++) {
        size_t n = trip(v, 100 * (t + 1), t == 0);
        as_obs_trace tr = { t + 1, T0, T0 + 100 * MS, v, n };
        as_agent_graph_add(g, &tr);
    }
    json_t *j = as_agent_graph_json(g);
    CHECK_INT(jint(j, "traces"), 3);
    CHECK_INT(jint(j, "spans"), 27);
    json_t *nodes = json_object_get(j, "nodes"), *edges = json_object_get(j, "edges");
    CHECK_INT(json_array_size(nodes), 7);
    CHECK_INT(json_array_size(edges), 7);
    /* sorted by calls: the LLM node (6 calls) first, then search (6) */
    json_t *chat = find_by(nodes, "id", "LLM:chat", NULL, NULL);
    CHECK(chat != NULL);
    CHECK_INT(jint(chat, "calls"), 6);
    CHECK_INT(jint(chat, "traces"), 3);
    CHECK_INT(jint(chat, "errors"), 1);
    CHECK_DBL(jreal(chat, "error_rate"), 1.0 / 6, 1e-12);
    CHECK_STR(json_string_value(json_object_get(chat, "kind")), "LLM");
    CHECK_STR(json_string_value(json_object_get(chat, "name")), "chat");
    CHECK_INT(jint(json_object_get(chat, "tokens"), "prompt"), 300);
    CHECK_DBL(jreal(chat, "cost"), 1.5, 1e-12);
    json_t *planner = find_by(nodes, "id", "AGENT:planner", NULL, NULL);
    CHECK_INT(jint(planner, "roots"), 3);
    CHECK(json_is_null(json_object_get(planner, "cost")));
    CHECK_INT(jint(json_array_get(nodes, 0), "calls"), 6);
    /* the three sub-agents overlap each other; itinerary starts when
     * local ends (half-open intervals: no overlap) */
    const char *par[] = { "AGENT:research", "AGENT:budget", "AGENT:local" };
    for (int i = 0; i < 3; i++) {
        json_t *e = find_by(edges, "source", "AGENT:planner", "target", par[i]);
        CHECK(e != NULL);
        CHECK(json_is_true(json_object_get(e, "parallel")));
        CHECK_INT(jint(e, "parallel_calls"), 3);
        CHECK_INT(jint(e, "calls"), 3);
        CHECK_INT(jint(e, "parents"), 3);
    }
    json_t *it = find_by(edges, "source", "AGENT:planner", "target", "AGENT:itinerary");
    CHECK(json_is_false(json_object_get(it, "parallel")));
    CHECK_INT(jint(it, "parallel_calls"), 0);
    /* two sequential searches under one research span: 6 calls, 3 parents */
    json_t *se = find_by(edges, "source", "AGENT:research", "target", "TOOL:search");
    CHECK_INT(jint(se, "calls"), 6);
    CHECK_INT(jint(se, "parents"), 3);
    CHECK(json_is_false(json_object_get(se, "parallel")));
    json_decref(j);
    as_agent_graph_free(g);
}

TEST(graph_missing_parent_is_root) {
    as_agent_graph *g = as_agent_graph_new();
    as_obs_span v[3] = {
        sp(1, 0, "AGENT", "a", 0, 10),
        sp(2, 99, "TOOL", "orphan", 1, 2),   /* parent 99 never arrived */
        sp(3, 3, "TOOL", "self", 1, 2),      /* its own parent */
    };
    as_obs_trace tr = { 1, T0, T0 + 10 * MS, v, 3 };
    as_agent_graph_add(g, &tr);
    json_t *j = as_agent_graph_json(g);
    json_t *nodes = json_object_get(j, "nodes");
    CHECK_INT(jint(find_by(nodes, "id", "TOOL:orphan", NULL, NULL), "roots"), 1);
    CHECK_INT(jint(find_by(nodes, "id", "TOOL:self", NULL, NULL), "roots"), 1);
    CHECK_INT(json_array_size(json_object_get(j, "edges")), 0);
    json_decref(j);
    as_agent_graph_free(g);
}

TEST(graph_percentiles_nearest_rank) {
    as_agent_graph *g = as_agent_graph_new();
    as_obs_span v[20];
    for (int i = 0; i < 20; i++) v[i] = sp(i + 1, 0, "LLM", "x", 0, i + 1);  /* 1..20 ms */
    as_obs_trace tr = { 1, T0, T0 + 20 * MS, v, 20 };
    as_agent_graph_add(g, &tr);
    json_t *j = as_agent_graph_json(g);
    json_t *lat = json_object_get(json_array_get(json_object_get(j, "nodes"), 0), "latency_ms");
    CHECK_DBL(jreal(lat, "p50"), 10.0, 1e-9);     /* rank ceil(0.5 * 20) = 10 */
    CHECK_DBL(jreal(lat, "p95"), 19.0, 1e-9);     /* rank ceil(0.95 * 20) = 19 */
    CHECK_DBL(jreal(lat, "mean"), 10.5, 1e-9);
    json_decref(j);
    as_agent_graph_free(g);
}

TEST(timeseries_buckets_and_boundaries) {
    as_timeseries *ts;
    as_err err;
    int64_t start = T0, hour = 3600LL * 1000000000LL;
    CHECK_INT(as_timeseries_new(start, start + 3 * hour + 1, 3600, &ts, &err), AS_OK);
    as_obs_span s1 = sp(1, 0, "LLM", "a", 0, 1);
    s1.error = true;
    s1.prompt = 7;
    s1.completion = 3;
    as_obs_trace at_start = { 1, start, start + 100 * MS, &s1, 1 };
    as_obs_trace at_boundary = { 2, start + hour, start + hour + 300 * MS, NULL, 0 };
    as_obs_trace last_ns = { 3, start + 3 * hour, start + 3 * hour, NULL, 0 };
    as_obs_trace at_end = { 4, start + 3 * hour + 1, start + 3 * hour + 2, NULL, 0 };
    as_obs_trace before = { 5, start - 1, start, NULL, 0 };
    as_timeseries_add_trace(ts, &at_start);
    as_timeseries_add_trace(ts, &at_boundary);
    as_timeseries_add_trace(ts, &last_ns);
    as_timeseries_add_trace(ts, &at_end);
    as_timeseries_add_trace(ts, &before);
    as_obs_annotation a1 = { "correctness", "correct", true, 1.0, start + 5 };
    as_obs_annotation a2 = { "correctness", "incorrect", true, 0.0, start + 6 };
    as_obs_annotation a3 = { "correctness", "correct", false, 0, start + hour };
    as_timeseries_add_annotation(ts, &a1);
    as_timeseries_add_annotation(ts, &a2);
    as_timeseries_add_annotation(ts, &a3);
    json_t *j = as_timeseries_json(ts);
    json_t *b = json_object_get(j, "buckets");
    CHECK_INT(json_array_size(b), 4);            /* 3 h + 1 ns: a 4th, 1 ns bucket */
    CHECK_INT(jint(j, "interval_s"), 3600);
    json_t *b0 = json_array_get(b, 0), *b1 = json_array_get(b, 1), *b2 = json_array_get(b, 2);
    CHECK_INT(jint(b0, "traces"), 1);
    CHECK_INT(jint(b0, "spans"), 1);
    CHECK_INT(jint(b0, "errors"), 1);
    CHECK_DBL(jreal(b0, "error_rate"), 1.0, 0);
    CHECK_INT(jint(json_object_get(b0, "tokens"), "total"), 10);
    CHECK_DBL(jreal(json_object_get(b0, "latency_ms"), "p99"), 100.0, 1e-9);
    CHECK(json_is_null(json_object_get(b0, "cost")));
    CHECK_INT(jint(b1, "traces"), 1);            /* the boundary opens bucket 1 */
    CHECK_INT(jint(b2, "traces"), 0);            /* empty, with zeros and nulls */
    CHECK(json_is_null(json_object_get(b2, "error_rate")));
    CHECK(json_is_null(json_object_get(json_object_get(b2, "latency_ms"), "p50")));
    CHECK_INT(jint(json_array_get(b, 3), "traces"), 1);   /* end is exclusive */
    CHECK_STR(json_string_value(json_object_get(b1, "start_time")),
              "2023-11-14T23:13:20.000000+00:00");
    json_t *ann = json_array_get(json_object_get(j, "annotations"), 0);
    CHECK_STR(json_string_value(json_object_get(ann, "name")), "correctness");
    CHECK_STR(json_string_value(json_array_get(json_object_get(ann, "labels"), 0)), "correct");
    json_t *ab = json_object_get(ann, "buckets");
    CHECK_INT(json_array_size(ab), 4);
    CHECK_INT(jint(json_array_get(ab, 0), "count"), 2);
    CHECK_INT(jint(json_object_get(json_array_get(ab, 0), "labels"), "incorrect"), 1);
    CHECK_DBL(jreal(json_array_get(ab, 0), "mean_score"), 0.5, 1e-12);
    CHECK_INT(jint(json_object_get(json_array_get(ab, 1), "labels"), "correct"), 1);
    CHECK_INT(jint(json_object_get(json_array_get(ab, 1), "labels"), "incorrect"), 0);
    CHECK(json_is_null(json_object_get(json_array_get(ab, 1), "mean_score")));
    CHECK_INT(jint(json_array_get(ab, 2), "count"), 0);
    json_decref(j);
    as_timeseries_free(ts);
}

TEST(timeseries_limits_and_default_interval) {
    as_timeseries *ts = NULL;
    as_err err;
    int64_t day = 86400LL * 1000000000LL;
    CHECK_INT(as_timeseries_default_interval(day), 1800);
    CHECK_INT(as_timeseries_default_interval(3600LL * 1000000000LL), 120);
    CHECK_INT(as_timeseries_default_interval(60LL * 1000000000LL), 60);
    CHECK_INT(as_timeseries_default_interval(30 * day), 86400);
    CHECK_INT(as_timeseries_new(T0, T0 + day, 59, &ts, &err), AS_EINVAL);
    CHECK(strstr(err.msg, "interval") != NULL);
    CHECK_INT(as_timeseries_new(T0, T0 + 10 * day, 60, &ts, &err), AS_EINVAL);  /* 14400 */
    CHECK_INT(as_timeseries_new(T0, T0, 60, &ts, &err), AS_EINVAL);
    CHECK(ts == NULL);
    CHECK_INT(as_timeseries_new(T0, T0 + 10000LL * 60 * 1000000000LL, 60, &ts, &err), AS_OK);
    as_timeseries_free(ts);
}

/* ---- cost at ingest, through the store -------------------------------- */

static as_span *llm(as_span_batch *b, uint8_t s, uint8_t parent, const char *provider,
                    const char *model, int64_t prompt, int64_t completion) {
    as_span *x = as_span_batch_add(b);
    memset(x->trace_id, 0, 16);
    x->trace_id[15] = 1;
    memset(x->span_id, 0, 8);
    x->span_id[7] = s;
    if (parent) { x->has_parent = true; memset(x->parent_id, 0, 8); x->parent_id[7] = parent; }
    char name[16];
    snprintf(name, sizeof(name), "span%u", s);
    x->name = as_arena_strdup(&b->arena, name);
    x->start_ns = T0 + s * MS;
    x->end_ns = x->start_ns + 5 * MS;
    json_object_set_new(x->attributes, "openinference.span.kind", json_string("LLM"));
    if (provider) json_object_set_new(x->attributes, "llm.provider", json_string(provider));
    if (model) json_object_set_new(x->attributes, "llm.model_name", json_string(model));
    if (prompt) json_object_set_new(x->attributes, "llm.token_count.prompt", json_integer(prompt));
    if (completion)
        json_object_set_new(x->attributes, "llm.token_count.completion", json_integer(completion));
    return x;
}

static bool copy_totals(void *ud, const as_obs_trace_totals *t) {
    *(as_obs_trace_totals *)ud = *t;
    return true;
}

TEST(cost_at_ingest) {
    as_store *st = store_fixture_open("observe", NULL);
    as_span_batch b;
    as_span_batch_init(&b);
    llm(&b, 1, 0, NULL, NULL, 0, 0);                                /* root: no cost */
    llm(&b, 2, 1, "openai", "gpt-4o-mini", 1000000, 1000000);      /* 0.15 + 0.60 */
    as_span *attr = llm(&b, 3, 1, "openai", "gpt-4o-mini", 1000000, 0);
    json_object_set_new(attr->attributes, "llm.cost.total", json_real(0.125));
    llm(&b, 4, 1, "openai", "no-such-model", 1000, 1000);         /* unknown model */
    as_span *parts = llm(&b, 5, 1, NULL, NULL, 0, 0);
    json_object_set_new(parts->attributes, "llm.cost.prompt", json_real(0.01));
    json_object_set_new(parts->attributes, "llm.cost.completion", json_string("0.02"));
    as_span *sys = llm(&b, 6, 1, NULL, "gpt-4o-mini", 2000000, 0); /* llm.system */
    json_object_set_new(sys->attributes, "llm.system", json_string("openai"));
    size_t stored = 0;
    store_fixture_write(st, &b, "p", &stored);
    CHECK_INT(stored, 6);
    int64_t project = store_fixture_project_id(st, "p");
    struct { const char *name; double cost; } want[] = {
        { "span1", NAN }, { "span2", 0.75 }, { "span3", 0.125 }, { "span4", NAN },
        { "span5", 0.03 }, { "span6", 0.30 },
    };
    for (size_t i = 0; i < AS_ARRAY_LEN(want); i++) {
        json_t *row = store_fixture_span_named(st, project, want[i].name);
        CHECK(row != NULL);
        json_t *c = json_object_get(row, "cost");
        if (isnan(want[i].cost)) {
            if (!json_is_null(c)) fprintf(stderr, "  %s: cost not null\n", want[i].name);
            CHECK(json_is_null(c));
        } else {
            CHECK(json_is_number(c));
            CHECK_DBL(json_number_value(c), want[i].cost, 1e-9);
        }
        json_decref(row);
    }
    json_t *tr;
    as_err err;
    uint8_t tid[16] = { 0 };
    tid[15] = 1;
    char hex[33];
    for (int i = 0; i < 16; i++) snprintf(hex + 2 * i, 3, "%02x", tid[i]);
    CHECK_INT(as_store_trace_get(st, 0, hex, &tr, &err), AS_OK);
    CHECK_DBL(json_number_value(json_object_get(tr, "cost")), 0.75 + 0.125 + 0.03 + 0.30, 1e-9);
    json_decref(tr);

    /* the graph over the store: one scan, costs and tokens per node */
    as_obs_scan q = { .project_id = project };
    json_t *g;
    CHECK_INT(as_observe_agent_graph(st, &q, &g, &err), AS_OK);
    CHECK_INT(jint(g, "traces"), 1);
    CHECK_INT(jint(g, "spans"), 6);
    CHECK(json_is_false(json_object_get(g, "truncated")));
    /* every span has its own name: five edges of one call from the root */
    CHECK_INT(json_array_size(json_object_get(g, "edges")), 5);
    json_t *e = json_array_get(json_object_get(g, "edges"), 0);
    CHECK_INT(jint(e, "calls"), 1);
    CHECK_STR(json_string_value(json_object_get(e, "source")), "LLM:span1");
    json_t *n2 = find_by(json_object_get(g, "nodes"), "id", "LLM:span2", NULL, NULL);
    CHECK_DBL(jreal(n2, "cost"), 0.75, 1e-9);
    CHECK_INT(jint(json_object_get(n2, "tokens"), "completion"), 1000000);
    json_decref(g);
    q.trace_id = tid;
    q.start_ns = T0 + 2 * MS;        /* the trace starts before: not in range */
    CHECK_INT(as_observe_agent_graph(st, &q, &g, &err), AS_OK);
    CHECK_INT(jint(g, "traces"), 0);
    json_decref(g);

    /* the trace's stored totals (migration 9) equal the sums over its
     * spans, also after a second request adds a span and repeats one */
    as_span_batch_init(&b);
    as_span *late = llm(&b, 7, 1, "openai", "gpt-4o-mini", 1000000, 0);   /* 0.15 */
    llm(&b, 2, 1, "openai", "gpt-4o-mini", 1000000, 1000000);      /* a duplicate */
    late->status_code = AS_STATUS_ERROR;
    store_fixture_write(st, &b, "p", &stored);
    CHECK_INT(stored, 1);
    as_obs_scan all = { .project_id = project };
    as_obs_trace_totals got = { 0 };
    CHECK_INT(as_store_observe_trace_totals(st, &all, copy_totals, &got, &err), AS_OK);
    CHECK_INT(got.spans, 7);
    CHECK_INT(got.errors, 1);
    CHECK_INT(got.prompt, 1000000 + 1000000 + 1000 + 2000000 + 1000000);
    CHECK_INT(got.completion, 1000000 + 1000);
    CHECK(got.has_cost);
    CHECK_DBL(got.cost, 0.75 + 0.125 + 0.03 + 0.30 + 0.15, 1e-9);
    store_fixture_close(st);
}

TEST_MAIN(T(graph_parallel_and_counts), T(graph_missing_parent_is_root),
          T(graph_percentiles_nearest_rank), T(timeseries_buckets_and_boundaries),
          T(timeseries_limits_and_default_interval), T(cost_at_ingest))
