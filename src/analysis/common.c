/*
 * common.c - what the analysis endpoints share: the pass rule, the
 * aggregation of an example's repetitions, the bootstrap of a mean and
 * the JSON shaping of numbers and ids (docs/analysis.md).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "analysis_int.h"
#include "assay/alloc.h"
#include "assay/stats.h"
#include "assay/hex.h"

void as_analysis_opts_defaults(as_analysis_opts *o) {
    memset(o, 0, sizeof(*o));
    o->pass_threshold = 0.5;
    o->margin = 0.05;
    o->n_resamples = AS_BOOT_DEFAULT_RESAMPLES;
    o->seed = 0;
    o->limit = 100;
}

as_rc as_analysis_resolve_experiment(as_store *st, const char *ident, int64_t *id,
                                     as_err *err) {
    if (!ident || !*ident)
        return as_err_set(err, AS_EINVAL, "experiment: empty identifier");
    if (as_globalid_decode(ident, "Experiment", id)) return AS_OK;
    char *end;
    long long v = strtoll(ident, &end, 10);
    if (*end == '\0' && v > 0) {
        *id = v;
        return AS_OK;
    }
    return as_store_analysis_experiment_by_name(st, ident, id, err);
}

/* ---- pass / fail -------------------------------------------------------- */

static const char *const pass_words[] = {
    "pass", "passed", "correct", "true", "yes", "relevant", "factual",
    "faithful", "grounded", "good", "accurate", "helpful", "safe", "ok",
    "success", "1",
};
static const char *const fail_words[] = {
    "fail", "failed", "incorrect", "false", "no", "irrelevant",
    "unrelated", "hallucinated", "unfaithful", "ungrounded", "bad",
    "inaccurate", "unhelpful", "unsafe", "toxic", "error", "0",
};

int an_label_word(const char *label) {
    for (size_t i = 0; i < AS_ARRAY_LEN(pass_words); i++)
        if (strcasecmp(label, pass_words[i]) == 0) return 1;
    for (size_t i = 0; i < AS_ARRAY_LEN(fail_words); i++)
        if (strcasecmp(label, fail_words[i]) == 0) return 0;
    return -1;
}

as_rc an_pass_rule_init(an_pass_rule *r, as_store *st, const char *name,
                        const as_analysis_opts *o, as_err *err) {
    memset(r, 0, sizeof(*r));
    r->threshold = o->pass_threshold;
    json_t *row = NULL;
    as_rc rc = as_store_analysis_label_config(st, name, &row, err);
    if (rc != AS_OK) return rc;
    json_t *values = json_object_get(json_object_get(row, "config"), "values");
    size_t i;
    json_t *v;
    json_array_foreach(values, i, v) {
        const char *label = json_string_value(json_object_get(v, "label"));
        json_t *score = json_object_get(v, "score");
        if (!label || !json_is_number(score)) continue;
        if (!r->label_scores) r->label_scores = json_object();
        json_object_set_new(r->label_scores, label, json_real(json_number_value(score)));
    }
    json_decref(row);
    return AS_OK;
}

void an_pass_rule_free(an_pass_rule *r) {
    json_decref(r->label_scores);
    r->label_scores = NULL;
}

int an_pass_of(const an_pass_rule *r, const char *label, double score) {
    if (isfinite(score)) return score >= r->threshold;
    if (!label) return -1;
    json_t *s = r->label_scores ? json_object_get(r->label_scores, label) : NULL;
    if (s) return json_number_value(s) >= r->threshold;
    return an_label_word(label);
}

/* ---- grouping and aggregation --------------------------------------- */

void an_group(const as_an_experiment *x, an_groups *g) {
    size_t names = x->str.n;
    g->start = as_xcalloc(names + 2, sizeof(size_t));
    g->order = as_xmalloc((x->n_evals ? x->n_evals : 1) * sizeof(size_t));
    for (size_t i = 0; i < x->n_evals; i++) g->start[x->evals[i].name + 1]++;
    for (size_t k = 0; k < names; k++) g->start[k + 1] += g->start[k];
    size_t *fill = as_xmalloc((names + 1) * sizeof(size_t));
    memcpy(fill, g->start, (names + 1) * sizeof(size_t));
    /* Stable counting sort: evals are in (example, repetition) order. */
    for (size_t i = 0; i < x->n_evals; i++) g->order[fill[x->evals[i].name]++] = i;
    free(fill);
}

void an_groups_free(an_groups *g) {
    free(g->order);
    free(g->start);
    g->order = NULL;
    g->start = NULL;
}

an_example *an_aggregate(const as_an_experiment *x, const an_groups *g, uint32_t name,
                         const an_pass_rule *rule, size_t *n) {
    size_t lo = g->start[name], hi = g->start[name + 1];
    an_example *out = as_xmalloc((hi - lo ? hi - lo : 1) * sizeof(an_example));
    size_t m = 0;
    for (size_t k = lo; k < hi; k++) {
        const as_an_eval *e = &x->evals[g->order[k]];
        an_example *a = m ? &out[m - 1] : NULL;
        if (!a || a->example_id != e->example_id) {
            a = &out[m++];
            memset(a, 0, sizeof(*a));
            a->example_id = e->example_id;
            a->first_label = AS_AN_NONE;
            a->first_score = NAN;
        }
        a->n_eval++;
        if (e->failed) { a->n_failed++; continue; }
        const char *label = e->label == AS_AN_NONE ? NULL : x->str.v[e->label];
        if (a->n_eval - a->n_failed == 1) {
            a->first_label = e->label;
            a->first_score = e->score;
        }
        int p = an_pass_of(rule, label, e->score);
        if (p >= 0) { a->n_known++; a->n_pass += (uint32_t)p; }
        if (isfinite(e->score)) { a->n_scored++; a->score_sum += e->score; }
    }
    for (size_t i = 0; i < m; i++) {
        an_example *a = &out[i];
        a->pass = a->n_known ? (2 * a->n_pass > a->n_known) : -1;
        a->score = a->n_scored ? a->score_sum / a->n_scored : NAN;
    }
    *n = m;
    return out;
}

bool an_is_binary(const as_an_experiment *x, const an_groups *g, uint32_t name) {
    for (size_t k = g->start[name]; k < g->start[name + 1]; k++) {
        const as_an_eval *e = &x->evals[g->order[k]];
        if (!e->failed && isfinite(e->score) && e->score != 0 && e->score != 1) return false;
    }
    return true;
}

/* ---- bootstrap -------------------------------------------------------- */

#define BOOT_WORK_MAX 1e8   /* resamples x items drawn one by one */

json_t *an_boot_mean_json(const double *x, size_t n, const as_analysis_opts *o) {
    as_boot_opts bo = { .method = AS_BOOT_BCA, .n_resamples = o->n_resamples,
                        .confidence = 0.95, .seed = o->seed };
    if (bo.n_resamples == 0) bo.n_resamples = AS_BOOT_DEFAULT_RESAMPLES;
    double mean = 0;
    for (size_t i = 0; i < n; i++) mean += x[i];
    mean = n ? mean / (double)n : NAN;
    if (n < 2)
        return json_pack("{s:o, s:n, s:s, s:i}", "estimate", an_num(mean), "ci",
                         "method", "none", "resamples", 0);
    /* Few distinct values (pass/fail, 1-5 scales): resample the histogram,
     * O(B k) whatever n. */
    double *s = as_xmalloc(n * sizeof(double));
    memcpy(s, x, n * sizeof(double));
    qsort(s, n, sizeof(double), as_cmp_double);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (i == 0 || s[i] != s[i - 1]) k++;
    as_boot_result res;
    as_err e;
    as_rc rc;
    const char *method;
    if (k <= 64 || k * 16 <= n) {
        double *val = as_xmalloc(k * sizeof(double));
        uint64_t *cnt = as_xmalloc(k * sizeof(uint64_t));
        size_t j = 0;
        for (size_t i = 0; i < n; i++) {
            if (i == 0 || s[i] != s[i - 1]) { val[j] = s[i]; cnt[j++] = 0; }
            cnt[j - 1]++;
        }
        rc = as_bootstrap_mean_hist(val, cnt, k, &bo, &res, &e);
        method = "bca_histogram";
        free(val);
        free(cnt);
    } else {
        if ((double)n * bo.n_resamples > BOOT_WORK_MAX) {
            double b = BOOT_WORK_MAX / (double)n;
            bo.n_resamples = b < 1000 ? 1000 : (uint32_t)b;
        }
        rc = as_bootstrap_mean(x, n, &bo, &res, &e);
        method = "bca";
    }
    free(s);
    if (rc != AS_OK && rc != AS_EUNPROCESSABLE)
        return json_pack("{s:o, s:n, s:s, s:i, s:s}", "estimate", an_num(mean), "ci",
                         "method", "none", "resamples", 0, "note", e.msg);
    return json_pack("{s:o, s:o, s:s, s:i}", "estimate", an_num(res.estimate),
                     "ci", rc == AS_OK ? an_ci(res.lo, res.hi) : json_null(),
                     "method", method, "resamples", (int)res.n_resamples);
}

/* ---- JSON ------------------------------------------------------------- */

json_t *an_num(double v) { return isfinite(v) ? json_real(v) : json_null(); }

json_t *an_ci(double lo, double hi) {
    if (!isfinite(lo) || !isfinite(hi)) return json_null();
    return json_pack("[f, f]", lo, hi);
}

json_t *an_gid(const char *type, int64_t id) {
    char buf[AS_GLOBALID_MAX];
    as_globalid_encode(type, id, buf);
    return json_string(buf);
}

json_t *an_experiment_ref(const as_an_experiment *x) {
    return json_pack("{s:o, s:s?, s:o, s:s?, s:o, s:i}",
                     "id", an_gid("Experiment", x->id),
                     "name", x->name,
                     "dataset_id", an_gid("Dataset", x->dataset_id),
                     "dataset_name", x->dataset_name,
                     "dataset_version_id", an_gid("DatasetVersion", x->dataset_version_id),
                     "repetitions", (int)x->repetitions);
}
