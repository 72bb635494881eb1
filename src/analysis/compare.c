/*
 * compare.c - a baseline experiment against candidates over the same
 * examples (paired; docs/analysis.md): per evaluation name the exact
 * McNemar test and Newcombe interval for pass/fail outcomes, or the
 * Wilcoxon signed-rank test and paired bootstrap interval for scores;
 * Holm across the names; a verdict and the examples needed.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis_int.h"
#include "assay/alloc.h"

#define ALPHA 0.05
#define POWER 0.8

/* A pair of per-example aggregates that differ, for the list. */
typedef struct diff_item {
    int64_t example_id;
    const char *name;
    an_example a, b;
} diff_item;

typedef struct diff_list {
    diff_item *v;
    size_t n, cap;
} diff_list;

static void diff_push(diff_list *l, const char *name, const an_example *a,
                      const an_example *b) {
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 64;
        l->v = as_xrealloc(l->v, l->cap * sizeof(diff_item));
    }
    l->v[l->n++] = (diff_item){ a->example_id, name, *a, *b };
}

static int cmp_diff(const void *x, const void *y) {
    const diff_item *a = x, *b = y;
    if (a->example_id != b->example_id) return a->example_id < b->example_id ? -1 : 1;
    return strcmp(a->name, b->name);
}

static json_t *side_json(const as_an_experiment *x, const an_example *e) {
    return json_pack("{s:s?, s:o, s:o}",
                     "label", e->first_label == AS_AN_NONE ? NULL : x->str.v[e->first_label],
                     "score", an_num(e->score),
                     "pass", e->pass < 0 ? json_null() : json_boolean(e->pass));
}

/* Examples with a successful run, sorted and unique. */
static int64_t *run_examples(const as_an_experiment *x, size_t *n) {
    int64_t *v = as_xmalloc((x->n_runs ? x->n_runs : 1) * sizeof(int64_t));
    size_t m = 0;
    for (size_t i = 0; i < x->n_runs; i++) {
        if (x->runs[i].failed) continue;
        if (m && v[m - 1] == x->runs[i].example_id) continue;
        v[m++] = x->runs[i].example_id;
    }
    *n = m;
    return v;
}

static size_t count_shared(const int64_t *a, size_t na, const int64_t *b, size_t nb) {
    size_t i = 0, j = 0, k = 0;
    while (i < na && j < nb) {
        if (a[i] < b[j]) i++;
        else if (a[i] > b[j]) j++;
        else { k++; i++; j++; }
    }
    return k;
}

typedef struct eval_cmp {
    json_t *obj;       /* the evaluation's result, verdict fields pending */
    double p, lo, hi;  /* primary test p-value and interval of B - A      */
    as_examples_needed need;
    size_t n;
} eval_cmp;

static void binary_cmp(eval_cmp *c, const an_example *ea, size_t na,
                       const an_example *eb, size_t nb, const char *name, diff_list *dl) {
    as_paired_table t = { 0, 0, 0, 0 };
    size_t i = 0, j = 0;
    while (i < na && j < nb) {
        if (ea[i].example_id < eb[j].example_id) { i++; continue; }
        if (ea[i].example_id > eb[j].example_id) { j++; continue; }
        const an_example *a = &ea[i++], *b = &eb[j++];
        if (a->pass < 0 || b->pass < 0) continue;
        if (a->pass && b->pass) t.a++;
        else if (a->pass) t.b++;
        else if (b->pass) t.c++;
        else t.d++;
        if (a->pass != b->pass) diff_push(dl, name, a, b);
    }
    uint64_t n = t.a + t.b + t.c + t.d;
    double alo, ahi, blo, bhi, est, lo, hi;
    as_wilson(t.a + t.b, n, ALPHA, &alo, &ahi);
    as_wilson(t.a + t.c, n, ALPHA, &blo, &bhi);
    as_paired_diff_newcombe(&t, ALPHA, &est, &lo, &hi);
    double p = n ? as_mcnemar_exact_p(t.b, t.c) : NAN;
    c->p = p;
    c->lo = n ? lo : NAN;
    c->hi = n ? hi : NAN;
    c->n = n;
    c->need = as_examples_needed_mcnemar(t.b, t.c, n, ALPHA, POWER);
    double dn = (double)n;
    c->obj = json_pack(
        "{s:s, s:s, s:I, s:{s:o, s:o}, s:{s:o, s:o}, s:{s:o, s:o, s:s},"
        " s:{s:s, s:o, s:I, s:I, s:{s:I, s:I, s:I, s:I}}}",
        "name", name, "kind", "binary", "n", (json_int_t)n,
        "baseline", "pass_rate", an_num(n ? (double)(t.a + t.b) / dn : NAN),
                    "ci", n ? an_ci(alo, ahi) : json_null(),
        "candidate", "pass_rate", an_num(n ? (double)(t.a + t.c) / dn : NAN),
                     "ci", n ? an_ci(blo, bhi) : json_null(),
        "difference", "estimate", an_num(n ? est : NAN), "ci", an_ci(c->lo, c->hi),
                      "method", "newcombe",
        "test", "name", "mcnemar_exact", "p_value", an_num(p),
                "baseline_only_pass", (json_int_t)t.b, "candidate_only_pass", (json_int_t)t.c,
                "table", "both_pass", (json_int_t)t.a, "baseline_only_pass", (json_int_t)t.b,
                         "candidate_only_pass", (json_int_t)t.c, "both_fail", (json_int_t)t.d);
}

static void score_cmp(eval_cmp *c, const an_example *ea, size_t na,
                      const an_example *eb, size_t nb, const char *name,
                      const as_analysis_opts *o, diff_list *dl) {
    size_t cap = na < nb ? na : nb;
    double *a = as_xmalloc((cap ? cap : 1) * sizeof(double));
    double *b = as_xmalloc((cap ? cap : 1) * sizeof(double));
    double *d = as_xmalloc((cap ? cap : 1) * sizeof(double));
    size_t n = 0, i = 0, j = 0;
    as_moments ma = { 0, 0, 0 }, mb = { 0, 0, 0 }, md = { 0, 0, 0 };
    while (i < na && j < nb) {
        if (ea[i].example_id < eb[j].example_id) { i++; continue; }
        if (ea[i].example_id > eb[j].example_id) { j++; continue; }
        const an_example *x = &ea[i++], *y = &eb[j++];
        if (!isfinite(x->score) || !isfinite(y->score)) continue;
        a[n] = x->score;
        b[n] = y->score;
        d[n] = y->score - x->score;
        as_moments_add(&ma, a[n]);
        as_moments_add(&mb, b[n]);
        as_moments_add(&md, d[n]);
        if (a[n] != b[n]) diff_push(dl, name, x, y);
        n++;
    }
    double alo, ahi, blo, bhi;
    as_mean_ci(&ma, ALPHA, &alo, &ahi);
    as_mean_ci(&mb, ALPHA, &blo, &bhi);
    as_wilcoxon_result w;
    memset(&w, 0, sizeof(w));
    w.pvalue = w.statistic = NAN;
    as_err e;
    if (as_wilcoxon(a, b, n, &w, &e) != AS_OK) w.pvalue = w.statistic = NAN;
    json_t *diff = an_boot_mean_json(d, n, o);
    json_t *ci = json_object_get(diff, "ci");
    c->lo = json_is_array(ci) ? json_real_value(json_array_get(ci, 0)) : NAN;
    c->hi = json_is_array(ci) ? json_real_value(json_array_get(ci, 1)) : NAN;
    c->p = w.pvalue;
    c->n = n;
    c->need = as_examples_needed_paired_t(md.mean, as_moments_sd(&md), ALPHA, POWER);
    c->obj = json_pack(
        "{s:s, s:s, s:I, s:{s:o, s:o}, s:{s:o, s:o}, s:o,"
        " s:{s:s, s:o, s:o, s:s, s:I, s:I}}",
        "name", name, "kind", "score", "n", (json_int_t)n,
        "baseline", "mean", an_num(n ? ma.mean : NAN), "ci", n > 1 ? an_ci(alo, ahi) : json_null(),
        "candidate", "mean", an_num(n ? mb.mean : NAN), "ci", n > 1 ? an_ci(blo, bhi) : json_null(),
        "difference", diff,
        "test", "name", "wilcoxon", "p_value", an_num(w.pvalue),
                "statistic", an_num(w.statistic),
                "method", w.method == AS_WILCOXON_NONE ? "none" : as_wilcoxon_method_name(w.method),
                "zero_differences", (json_int_t)w.n_zero, "n_used", (json_int_t)w.n_used);
    free(a);
    free(b);
    free(d);
}

/* The verdict wording of docs/analysis.md.  Not significant is not the
 * same as no difference: "no difference detectable" needs the whole
 * interval of the difference inside +-margin (the data rule out any
 * difference that matters); otherwise the data cannot tell yet, and
 * examples_needed says how many would detect the difference seen. */
static void verdict(eval_cmp *c, double p_holm, double margin) {
    as_cmp_verdict v = as_cmp_verdict_of(p_holm, c->lo, c->hi);
    const char *name, *text;
    if (v == AS_CMP_BETTER) { name = "better"; text = "candidate better"; }
    else if (v == AS_CMP_WORSE) { name = "worse"; text = "candidate worse"; }
    else if (c->n > 0 && isfinite(c->lo) && isfinite(c->hi) && c->lo >= -margin &&
             c->hi <= margin) {
        name = "no_difference_detectable";
        text = "no difference that matters";
    } else {
        name = "cannot_tell_yet";
        text = "cannot tell yet";
    }
    json_object_set_new(c->obj, "p_value", an_num(c->p));
    json_object_set_new(c->obj, "p_holm", an_num(p_holm));
    json_object_set_new(c->obj, "verdict", json_string(name));
    json_object_set_new(c->obj, "verdict_text", json_string(text));
    if (c->n == 0)
        json_object_set_new(c->obj, "note", json_string(
            "no shared example has an outcome in both experiments (labels that are not "
            "pass/fail words need scores or an annotation config; see docs/analysis.md)"));
    if (c->need.estimable) {
        uint64_t more = c->need.n > c->n ? c->need.n - c->n : 0;
        json_object_set_new(c->obj, "examples_needed",
            json_pack("{s:I, s:I, s:f, s:f}", "total", (json_int_t)c->need.n,
                      "more", (json_int_t)more, "alpha", ALPHA, "power", POWER));
    } else {
        json_object_set_new(c->obj, "examples_needed", json_null());
    }
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static as_rc compare_one(as_store *st, const as_an_experiment *xa, const an_groups *ga,
                         const as_an_experiment *xb, const as_analysis_opts *o,
                         json_t **out, as_err *err) {
    if (xa->dataset_id != xb->dataset_id)
        return as_err_set(err, AS_EUNPROCESSABLE,
                          "experiment %lld ('%s') is over dataset '%s', the baseline "
                          "%lld ('%s') over dataset '%s': only experiments on the same "
                          "dataset can be compared",
                          (long long)xb->id, xb->name ? xb->name : "", 
                          xb->dataset_name ? xb->dataset_name : "",
                          (long long)xa->id, xa->name ? xa->name : "",
                          xa->dataset_name ? xa->dataset_name : "");
    size_t na, nb;
    int64_t *ra = run_examples(xa, &na), *rb = run_examples(xb, &nb);
    size_t shared = count_shared(ra, na, rb, nb);
    free(ra);
    free(rb);
    if (shared == 0)
        return as_err_set(err, AS_EUNPROCESSABLE,
                          "experiments %lld and %lld share no example with a successful run",
                          (long long)xa->id, (long long)xb->id);
    an_groups gb;
    an_group(xb, &gb);
    /* names evaluated in both, sorted; and those evaluated in one only */
    const char **names = as_xmalloc((xa->str.n + xb->str.n + 1) * sizeof(char *));
    size_t nn = 0;
    json_t *only = json_array();
    for (uint32_t i = 0; i < xa->str.n; i++) {
        if (ga->start[i + 1] == ga->start[i]) continue;
        uint32_t k = as_an_lookup(&xb->str, xa->str.v[i]);
        if (k != AS_AN_NONE && gb.start[k + 1] > gb.start[k]) names[nn++] = xa->str.v[i];
        else json_array_append_new(only, json_pack("{s:s, s:s}", "name", xa->str.v[i],
                                                   "only_in", "baseline"));
    }
    for (uint32_t i = 0; i < xb->str.n; i++) {
        if (gb.start[i + 1] == gb.start[i]) continue;
        uint32_t k = as_an_lookup(&xa->str, xb->str.v[i]);
        if (k == AS_AN_NONE || ga->start[k + 1] == ga->start[k])
            json_array_append_new(only, json_pack("{s:s, s:s}", "name", xb->str.v[i],
                                                  "only_in", "candidate"));
    }
    qsort(names, nn, sizeof(char *), cmp_str);
    eval_cmp *cs = as_xcalloc(nn + 1, sizeof(eval_cmp));
    diff_list dl = { NULL, 0, 0 };
    as_rc rc = AS_OK;
    for (size_t i = 0; i < nn && rc == AS_OK; i++) {
        an_pass_rule rule;
        rc = an_pass_rule_init(&rule, st, names[i], o, err);
        if (rc != AS_OK) break;
        uint32_t ka = as_an_lookup(&xa->str, names[i]), kb = as_an_lookup(&xb->str, names[i]);
        size_t n1, n2;
        an_example *ea = an_aggregate(xa, ga, ka, &rule, &n1);
        an_example *eb = an_aggregate(xb, &gb, kb, &rule, &n2);
        if (an_is_binary(xa, ga, ka) && an_is_binary(xb, &gb, kb))
            binary_cmp(&cs[i], ea, n1, eb, n2, names[i], &dl);
        else
            score_cmp(&cs[i], ea, n1, eb, n2, names[i], o, &dl);
        free(ea);
        free(eb);
        an_pass_rule_free(&rule);
    }
    if (rc == AS_OK) {
        /* Holm over the names with a p-value */
        double *p = as_xmalloc((nn + 1) * sizeof(double));
        size_t m = 0;
        for (size_t i = 0; i < nn; i++)
            if (isfinite(cs[i].p)) p[m++] = cs[i].p;
        rc = as_holm(p, m, p, err);
        m = 0;
        json_t *evs = json_array();
        for (size_t i = 0; i < nn; i++) {
            verdict(&cs[i], isfinite(cs[i].p) && rc == AS_OK ? p[m++] : NAN, o->margin);
            json_array_append_new(evs, cs[i].obj);
            cs[i].obj = NULL;
        }
        free(p);
        if (dl.n > 1) qsort(dl.v, dl.n, sizeof(diff_item), cmp_diff);
        json_t *items = json_array();
        for (size_t i = 0; i < dl.n && i < o->limit; i++)
            json_array_append_new(items, json_pack("{s:o, s:s, s:o, s:o}",
                "example_id", an_gid("DatasetExample", dl.v[i].example_id),
                "evaluation", dl.v[i].name,
                "baseline", side_json(xa, &dl.v[i].a),
                "candidate", side_json(xb, &dl.v[i].b)));
        *out = json_pack("{s:o, s:I, s:I, s:I, s:o, s:o, s:{s:I, s:I, s:o}}",
            "candidate", an_experiment_ref(xb),
            "shared_examples", (json_int_t)shared,
            "baseline_only_examples", (json_int_t)(na - shared),
            "candidate_only_examples", (json_int_t)(nb - shared),
            "evaluations", evs,
            "evaluations_not_compared", only,
            "differing_examples", "total", (json_int_t)dl.n, "limit", (json_int_t)o->limit,
                                  "items", items);
        only = NULL;
    }
    for (size_t i = 0; i < nn; i++) json_decref(cs[i].obj);
    json_decref(only);
    free(cs);
    free(dl.v);
    free(names);
    an_groups_free(&gb);
    return rc;
}

as_rc as_analysis_compare(as_store *st, int64_t baseline, const int64_t *candidates,
                          size_t n_candidates, const as_analysis_opts *opts,
                          json_t **out, as_err *err) {
    if (n_candidates == 0)
        return as_err_set(err, AS_EINVAL, "compare: no candidate experiment given");
    if (n_candidates > AS_ANALYSIS_MAX_CANDIDATES)
        return as_err_set(err, AS_ETOOBIG, "compare: at most %d candidates, got %zu",
                          AS_ANALYSIS_MAX_CANDIDATES, n_candidates);
    /* Every experiment must exist before any work is done. */
    for (size_t i = 0; i < n_candidates; i++) {
        as_an_experiment x;
        as_rc rc = as_store_analysis_experiment(st, candidates[i], false, &x, err);
        if (rc != AS_OK) return rc;
        as_an_experiment_free(&x);
    }
    as_an_experiment xa;
    as_rc rc = as_store_analysis_experiment(st, baseline, true, &xa, err);
    if (rc != AS_OK) return rc;
    an_groups ga;
    an_group(&xa, &ga);
    json_t *cmps = json_array();
    for (size_t i = 0; i < n_candidates && rc == AS_OK; i++) {
        as_an_experiment xb;
        rc = as_store_analysis_experiment(st, candidates[i], true, &xb, err);
        if (rc != AS_OK) break;
        json_t *one = NULL;
        rc = compare_one(st, &xa, &ga, &xb, opts, &one, err);
        if (rc == AS_OK) json_array_append_new(cmps, one);
        as_an_experiment_free(&xb);
    }
    if (rc == AS_OK)
        *out = json_pack("{s:o, s:o}", "baseline", an_experiment_ref(&xa),
                         "comparisons", cmps);
    else
        json_decref(cmps);
    an_groups_free(&ga);
    as_an_experiment_free(&xa);
    return rc;
}
