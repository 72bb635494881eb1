/*
 * summary.c - one experiment at a glance: runs, tokens, cost, latency and
 * per evaluation name its label distribution, pass rate (Wilson), mean
 * score (bootstrap) and, with repetitions, the judge's stability.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis_int.h"
#include "assay/alloc.h"
#include "assay/stats.h"

static json_t *run_figures(const as_an_experiment *x, json_t *out) {
    int64_t ok = 0, failed = 0, prompt = 0, completion = 0, with_tokens = 0;
    int64_t with_cost = 0;
    double cost = 0;
    double *lat = as_xmalloc((x->n_runs ? x->n_runs : 1) * sizeof(double));
    size_t nl = 0;
    for (size_t i = 0; i < x->n_runs; i++) {
        const as_an_run *u = &x->runs[i];
        if (u->failed) { failed++; continue; }
        ok++;
        lat[nl++] = (double)u->latency_ns / 1e6;
        if (u->prompt_tokens >= 0 || u->completion_tokens >= 0) {
            with_tokens++;
            if (u->prompt_tokens > 0) prompt += u->prompt_tokens;
            if (u->completion_tokens > 0) completion += u->completion_tokens;
        }
        if (isfinite(u->cost)) { with_cost++; cost += u->cost; }
    }
    int64_t expected = x->example_count * x->repetitions;
    int64_t missing = expected - (int64_t)x->n_runs;
    json_object_set_new(out, "example_count", json_integer(x->example_count));
    json_object_set_new(out, "runs", json_pack("{s:I, s:I, s:I, s:I}",
        "expected", (json_int_t)expected, "successful", (json_int_t)ok,
        "failed", (json_int_t)failed, "missing", (json_int_t)(missing > 0 ? missing : 0)));
    json_object_set_new(out, "tokens", with_tokens
        ? json_pack("{s:I, s:I, s:I, s:I}", "prompt", (json_int_t)prompt,
                    "completion", (json_int_t)completion,
                    "total", (json_int_t)(prompt + completion),
                    "runs", (json_int_t)with_tokens)
        : json_null());
    json_object_set_new(out, "cost", with_cost
        ? json_pack("{s:f, s:I}", "total", cost, "runs", (json_int_t)with_cost)
        : json_null());
    if (nl) {
        qsort(lat, nl, sizeof(double), as_cmp_double);
        double sum = 0;
        for (size_t i = 0; i < nl; i++) sum += lat[i];
        json_object_set_new(out, "latency_ms", json_pack("{s:f, s:f, s:f, s:f}",
            "mean", sum / (double)nl, "p50", as_percentile_sorted(lat, nl, 50),
            "p95", as_percentile_sorted(lat, nl, 95), "max", lat[nl - 1]));
    } else {
        json_object_set_new(out, "latency_ms", json_null());
    }
    free(lat);
    return out;
}

/* Judge stability over repetitions: per example with two or more answers,
 * the labels given (the pass outcome when there is no label). */
static json_t *stability(const as_an_experiment *x, const an_groups *g, uint32_t name,
                         const an_pass_rule *rule) {
    size_t lo = g->start[name], hi = g->start[name + 1];
    uint32_t *keys = as_xmalloc((size_t)x->repetitions * sizeof(uint32_t) + 4);
    uint32_t *counts = as_xmalloc((size_t)x->repetitions * sizeof(uint32_t) + 4);
    uint64_t examples = 0, unstable = 0;
    double flip_sum = 0;
    for (size_t k = lo; k < hi;) {
        int64_t ex = x->evals[g->order[k]].example_id;
        size_t nk = 0;
        for (; k < hi && x->evals[g->order[k]].example_id == ex; k++) {
            const as_an_eval *e = &x->evals[g->order[k]];
            if (e->failed || nk == (size_t)x->repetitions) continue;
            uint32_t key = e->label;
            if (key == AS_AN_NONE) {
                int p = an_pass_of(rule, NULL, e->score);
                if (p < 0) continue;
                key = x->str.n + (uint32_t)p;
            }
            keys[nk++] = key;
        }
        if (nk < 2) continue;
        /* distinct keys in first-seen order, and their counts */
        size_t nl = 0;
        for (size_t i = 0; i < nk; i++) {
            size_t j = 0;
            while (j < nl && keys[j] != keys[i]) j++;
            if (j == nl) { keys[nl] = keys[i]; counts[nl++] = 0; }
            counts[j]++;
        }
        size_t maj;
        int strict;
        double share = as_majority_share(counts, nl, &maj, &strict);
        examples++;
        flip_sum += as_flip_probability(counts, nl);
        if (!strict || share < 0.8) unstable++;
    }
    free(keys);
    free(counts);
    if (!examples) return json_null();
    return json_pack("{s:I, s:f, s:I, s:f}", "examples", (json_int_t)examples,
                     "flip_probability_mean", flip_sum / (double)examples,
                     "unstable_examples", (json_int_t)unstable,
                     "unstable_share", (double)unstable / (double)examples);
}

static json_t *evaluation(as_store *st, const as_an_experiment *x, const an_groups *g,
                          uint32_t name, const as_analysis_opts *o, as_err *err) {
    an_pass_rule rule;
    if (an_pass_rule_init(&rule, st, x->str.v[name], o, err) != AS_OK) return NULL;
    size_t n;
    an_example *ex = an_aggregate(x, g, name, &rule, &n);
    uint64_t evals = 0, errors = 0, known = 0, pass = 0;
    json_t *labels = json_object();
    for (size_t k = g->start[name]; k < g->start[name + 1]; k++) {
        const as_an_eval *e = &x->evals[g->order[k]];
        evals++;
        if (e->failed) { errors++; continue; }
        if (e->label != AS_AN_NONE) {
            const char *l = x->str.v[e->label];
            json_t *c = json_object_get(labels, l);
            json_object_set_new(labels, l, json_integer(c ? json_integer_value(c) + 1 : 1));
        }
    }
    double *scores = as_xmalloc((n ? n : 1) * sizeof(double));
    size_t ns = 0;
    for (size_t i = 0; i < n; i++) {
        if (ex[i].pass >= 0) { known++; pass += (uint64_t)ex[i].pass; }
        if (isfinite(ex[i].score)) scores[ns++] = ex[i].score;
    }
    bool binary = an_is_binary(x, g, name);
    json_t *pj = json_null();
    if (known) {
        double lo, hi;
        as_wilson(pass, known, 0.05, &lo, &hi);
        pj = json_pack("{s:I, s:I, s:I, s:f, s:o, s:f, s:s}", "passed", (json_int_t)pass,
                       "n", (json_int_t)known, "unknown", (json_int_t)(n - known),
                       "rate", (double)pass / (double)known, "ci", an_ci(lo, hi),
                       "threshold", rule.threshold,
                       "labels_by", rule.label_scores ? "annotation_config" : "label_words");
    }
    json_t *sj = json_null();
    if (ns) {
        sj = an_boot_mean_json(scores, ns, o);
        json_object_set_new(sj, "n", json_integer((json_int_t)ns));
    }
    json_t *out = json_pack("{s:s, s:s, s:I, s:I, s:I, s:o, s:o, s:o, s:o}",
        "name", x->str.v[name], "kind", binary ? "binary" : "score",
        "evaluations", (json_int_t)evals, "errors", (json_int_t)errors,
        "examples", (json_int_t)n, "labels", labels, "pass", pj, "score", sj,
        "stability", x->repetitions > 1 ? stability(x, g, name, &rule) : json_null());
    free(scores);
    free(ex);
    an_pass_rule_free(&rule);
    return out;
}

static int cmp_name(const void *a, const void *b, void *strs) {
    char **v = strs;
    return strcmp(v[*(const uint32_t *)a], v[*(const uint32_t *)b]);
}

as_rc as_analysis_summary(as_store *st, int64_t experiment_id,
                          const as_analysis_opts *opts, json_t **out, as_err *err) {
    as_an_experiment x;
    as_rc rc = as_store_analysis_experiment(st, experiment_id, true, &x, err);
    if (rc != AS_OK) return rc;
    an_groups g;
    an_group(&x, &g);
    json_t *res = json_pack("{s:o}", "experiment", an_experiment_ref(&x));
    run_figures(&x, res);
    /* Evaluation names (strings that name at least one evaluation), sorted. */
    uint32_t *names = as_xmalloc((x.str.n + 1) * sizeof(uint32_t));
    uint32_t nn = 0;
    for (uint32_t i = 0; i < x.str.n; i++)
        if (g.start[i + 1] > g.start[i]) names[nn++] = i;
    qsort_r(names, nn, sizeof(uint32_t), cmp_name, x.str.v);
    json_t *evs = json_array();
    for (uint32_t i = 0; i < nn && rc == AS_OK; i++) {
        json_t *e = evaluation(st, &x, &g, names[i], opts, err);
        if (!e) rc = err ? err->code : AS_EINTERNAL;
        else json_array_append_new(evs, e);
    }
    json_object_set_new(res, "evaluations", evs);
    free(names);
    an_groups_free(&g);
    as_an_experiment_free(&x);
    if (rc != AS_OK) { json_decref(res); return rc; }
    *out = res;
    return AS_OK;
}
