/*
 * agreement.c - how well an LLM judge agrees with human labels on the
 * same targets (dataset examples of an experiment, or spans of a
 * project): confusion matrix, P/R/F1, Cohen's kappa, the judge's
 * sensitivity and specificity, the Rogan-Gladen corrected pass rate on
 * the rows no human labelled, the disagreements, and agreement among the
 * humans themselves (docs/analysis.md).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis_int.h"
#include "assay/agree.h"
#include "assay/alloc.h"

#define ALPHA 0.05

/* One human's label on a target (their latest). */
typedef struct human_vote {
    uint32_t annotator, label;
} human_vote;

typedef struct target {
    int64_t id;
    uint64_t span_id;
    uint32_t judge;               /* label string, or AS_AN_NONE         */
    const char *explanation;      /* borrowed from the ratings           */
    size_t votes, n_votes;        /* offset / count in the votes array   */
    uint32_t consensus;           /* strict majority of the votes, or NONE */
} target;

typedef struct agree_in {
    as_an_ratings *r;
    target *t;
    size_t n_t;
    human_vote *votes;
    size_t n_votes;
} agree_in;

static int cmp_rating(const void *x, const void *y) {
    const as_an_rating *a = x, *b = y;
    if (a->target != b->target) return a->target < b->target ? -1 : 1;
    if (a->human != b->human) return a->human ? 1 : -1;
    return 0;
}

/* The label of a rating: its label, else its score written with %g. */
static uint32_t rating_label(as_an_ratings *r, const as_an_rating *g) {
    if (g->label != AS_AN_NONE) return g->label;
    if (!isfinite(g->score)) return AS_AN_NONE;
    char buf[64];
    int n = snprintf(buf, sizeof(buf), "%.15g", g->score);
    return as_an_intern(&r->str, buf, (size_t)n);
}

/* Group the ratings by target.  The sort must keep the store's order
 * within a target (judge by repetition, humans by row id): qsort is not
 * stable, so the position is folded into the comparison via an index. */
typedef struct keyed { as_an_rating g; size_t pos; } keyed;

static int cmp_keyed(const void *x, const void *y) {
    const keyed *a = x, *b = y;
    int c = cmp_rating(&a->g, &b->g);
    if (c) return c;
    return (a->pos > b->pos) - (a->pos < b->pos);
}

static void group_targets(agree_in *in) {
    as_an_ratings *r = in->r;
    keyed *k = as_xmalloc((r->n ? r->n : 1) * sizeof(keyed));
    for (size_t i = 0; i < r->n; i++) { k[i].g = r->v[i]; k[i].pos = i; }
    qsort(k, r->n, sizeof(keyed), cmp_keyed);
    for (size_t i = 0; i < r->n; i++) r->v[i] = k[i].g;
    free(k);
    in->t = as_xmalloc((r->n ? r->n : 1) * sizeof(target));
    in->votes = as_xmalloc((r->n ? r->n : 1) * sizeof(human_vote));
    in->n_t = in->n_votes = 0;
    for (size_t i = 0; i < r->n;) {
        target *t = &in->t[in->n_t++];
        memset(t, 0, sizeof(*t));
        t->id = r->v[i].target;
        t->span_id = r->v[i].span_id;
        t->judge = t->consensus = AS_AN_NONE;
        t->votes = in->n_votes;
        for (; i < r->n && r->v[i].target == t->id; i++) {
            const as_an_rating *g = &r->v[i];
            uint32_t l = rating_label(r, g);
            if (l == AS_AN_NONE) continue;
            if (!g->human) {
                if (t->judge == AS_AN_NONE) { t->judge = l; t->explanation = g->explanation; }
                continue;
            }
            size_t j = t->votes;
            while (j < in->n_votes && in->votes[j].annotator != g->annotator) j++;
            if (j == in->n_votes) in->votes[in->n_votes++].annotator = g->annotator;
            in->votes[j].label = l;           /* a later row of the same human wins */
        }
        t->n_votes = in->n_votes - t->votes;
    }
}

static int cmp_label(const void *a, const void *b, void *strs) {
    char **v = strs;
    return strcmp(v[*(const uint32_t *)a], v[*(const uint32_t *)b]);
}

/* The label order: the annotation config's labels in its order, then the
 * others sorted.  index[string] = position, or AS_AN_NONE. */
static uint32_t *label_order(agree_in *in, const json_t *config, uint32_t **index,
                             size_t *n_labels) {
    as_an_strings *s = &in->r->str;
    /* the config's labels first (interning them may grow the table) */
    const json_t *values = json_object_get(json_object_get(config, "config"), "values");
    size_t nc = json_array_size(values);
    uint32_t *cfg = as_xmalloc((nc + 1) * sizeof(uint32_t));
    size_t ncfg = 0;
    for (size_t k = 0; k < nc; k++) {
        const char *l = json_string_value(json_object_get(json_array_get(values, k), "label"));
        if (l) cfg[ncfg++] = as_an_intern(s, l, strlen(l));
    }
    uint32_t *idx = as_xmalloc((s->n + 1) * sizeof(uint32_t));
    uint32_t *order = as_xmalloc((s->n + 1) * sizeof(uint32_t));
    bool *used = as_xcalloc(s->n + 1, sizeof(bool));
    for (uint32_t i = 0; i < s->n; i++) idx[i] = AS_AN_NONE;
    for (size_t i = 0; i < in->n_t; i++)
        if (in->t[i].judge != AS_AN_NONE) used[in->t[i].judge] = true;
    for (size_t i = 0; i < in->n_votes; i++) used[in->votes[i].label] = true;
    size_t n = 0;
    for (size_t k = 0; k < ncfg; k++) {
        if (idx[cfg[k]] != AS_AN_NONE) continue;
        idx[cfg[k]] = (uint32_t)n;
        order[n++] = cfg[k];
    }
    size_t first_free = n;
    for (uint32_t i = 0; i < s->n; i++)
        if (used[i] && idx[i] == AS_AN_NONE) order[n++] = i;
    qsort_r(order + first_free, n - first_free, sizeof(uint32_t), cmp_label, s->v);
    for (size_t i = first_free; i < n; i++) idx[order[i]] = (uint32_t)i;
    free(used);
    free(cfg);
    *index = idx;
    *n_labels = n;
    return order;
}

/* The positive ("pass") label: the parameter; else the config's label of
 * the highest score; else the first label that is a pass word; else the
 * first label. */
static as_rc positive_label(const as_analysis_opts *o, const json_t *config,
                            const as_an_strings *s, const uint32_t *order,
                            const uint32_t *index, size_t n_labels, uint32_t *pos,
                            const char **why, as_err *err) {
    if (o->positive_label) {
        uint32_t i = as_an_lookup(s, o->positive_label);
        if (i == AS_AN_NONE || i >= s->n || index[i] == AS_AN_NONE)
            return as_err_set(err, AS_EUNPROCESSABLE,
                              "positive_label '%s' is not one of the labels given",
                              o->positive_label);
        *pos = index[i];
        *why = "parameter";
        return AS_OK;
    }
    double best = -INFINITY;
    *pos = AS_AN_NONE;
    size_t k;
    json_t *v;
    json_array_foreach(json_object_get(json_object_get(config, "config"), "values"), k, v) {
        const char *l = json_string_value(json_object_get(v, "label"));
        json_t *sc = json_object_get(v, "score");
        if (!l || !json_is_number(sc) || json_number_value(sc) <= best) continue;
        uint32_t i = as_an_lookup(s, l);
        if (i == AS_AN_NONE || index[i] == AS_AN_NONE) continue;
        best = json_number_value(sc);
        *pos = index[i];
        *why = "annotation config (highest score)";
    }
    if (*pos != AS_AN_NONE) return AS_OK;
    for (size_t i = 0; i < n_labels; i++)
        if (an_label_word(s->v[order[i]]) == 1) {
            *pos = (uint32_t)i;
            *why = "pass word";
            return AS_OK;
        }
    *pos = n_labels ? 0 : AS_AN_NONE;
    *why = "first label";
    return AS_OK;
}

static json_t *target_id(const target *t, bool spans) {
    if (spans) {
        char hex[17];
        snprintf(hex, sizeof(hex), "%016llx", (unsigned long long)t->span_id);
        return json_string(hex);
    }
    return an_gid("DatasetExample", t->id);
}

static json_t *kappa_json(const as_kappa *k) {
    if (!k->defined) return json_null();
    return json_pack("{s:f, s:o, s:o, s:o, s:f, s:f}", "kappa", k->kappa,
                     "se", an_num(k->se), "ci", an_ci(k->lo, k->hi), "se0", an_num(k->se0),
                     "po", k->po, "pe", k->pe);
}

static json_t *rate_json(bool defined, double v, double lo, double hi) {
    if (!defined) return json_null();
    return json_pack("{s:f, s:o}", "estimate", v, "ci", an_ci(lo, hi));
}

/* Agreement among the humans on targets two or more of them labelled. */
static as_rc inter_annotator(const agree_in *in, const uint32_t *index, size_t L,
                             json_t **out, as_err *err) {
    size_t items = 0;
    size_t maxc = 0;
    for (size_t i = 0; i < in->n_t; i++)
        if (in->t[i].n_votes >= 2) {
            items++;
            if (in->t[i].n_votes > maxc) maxc = in->t[i].n_votes;
        }
    if (!items || !L) { *out = json_null(); return AS_OK; }
    uint32_t *counts = as_xcalloc(items * L, sizeof(uint32_t));
    size_t *by_m = as_xcalloc(maxc + 1, sizeof(size_t));
    size_t row = 0;
    for (size_t i = 0; i < in->n_t; i++) {
        const target *t = &in->t[i];
        if (t->n_votes < 2) continue;
        by_m[t->n_votes]++;
        for (size_t v = 0; v < t->n_votes; v++)
            counts[row * L + index[in->votes[t->votes + v].label]]++;
        row++;
    }
    as_kalpha ka;
    as_rc rc = as_krippendorff_alpha_nominal(counts, items, L, &ka, err);
    /* Fleiss needs the same number of raters per item: the most common. */
    size_t m = 2;
    for (size_t c = 2; c <= maxc; c++) if (by_m[c] > by_m[m]) m = c;
    uint32_t *fc = as_xmalloc(by_m[m] * L * sizeof(uint32_t) + 1);
    size_t fr = 0;
    row = 0;
    for (size_t i = 0; i < in->n_t; i++) {
        const target *t = &in->t[i];
        if (t->n_votes < 2) continue;
        if (t->n_votes == m) memcpy(&fc[fr++ * L], &counts[row * L], L * sizeof(uint32_t));
        row++;
    }
    as_fleiss fk;
    if (rc == AS_OK) rc = as_fleiss_kappa(fc, fr, L, &fk, err);
    if (rc == AS_OK)
        *out = json_pack("{s:I, s:o, s:o}", "items", (json_int_t)items,
            "krippendorff_alpha", ka.defined
                ? json_pack("{s:f, s:f, s:f, s:I, s:I}", "alpha", ka.alpha,
                            "d_obs", ka.d_obs, "d_exp", ka.d_exp,
                            "units", (json_int_t)ka.n_units,
                            "pairable_values", (json_int_t)ka.n_pairable)
                : json_null(),
            "fleiss_kappa", fk.defined
                ? json_pack("{s:f, s:f, s:f, s:I, s:I}", "kappa", fk.kappa,
                            "p_obs", fk.p_obs, "p_exp", fk.p_exp,
                            "raters_per_item", (json_int_t)m, "items", (json_int_t)fr)
                : json_null());
    free(fc);
    free(by_m);
    free(counts);
    return rc;
}

static as_rc agreement(as_store *st, as_an_ratings *r, const char *config_name,
                       bool spans, const as_analysis_opts *o, json_t *res, as_err *err) {
    agree_in in = { r, NULL, 0, NULL, 0 };
    group_targets(&in);
    json_t *config = NULL;
    as_rc rc = as_store_analysis_label_config(st, config_name, &config, err);
    uint32_t *index = NULL, *order = NULL;
    size_t L = 0;
    if (rc == AS_OK) order = label_order(&in, config, &index, &L);
    if (rc == AS_OK && L > AS_AGREE_MAX_LABELS)
        rc = as_err_set(err, AS_EUNPROCESSABLE,
                        "%zu distinct labels: agreement needs categorical labels "
                        "(at most %d)", L, AS_AGREE_MAX_LABELS);
    uint32_t pos = AS_AN_NONE;
    const char *pos_why = "";
    if (rc == AS_OK)
        rc = positive_label(o, config, &r->str, order, index, L, &pos, &pos_why, err);
    if (rc != AS_OK) goto out;

    /* consensus of the humans, pairs, and the judge's unlabelled rows */
    size_t n_judged = 0, n_human = 0, ties = 0, unl = 0, unl_pass = 0;
    uint32_t *h = as_xmalloc((in.n_t + 1) * sizeof(uint32_t));
    uint32_t *j = as_xmalloc((in.n_t + 1) * sizeof(uint32_t));
    size_t *tix = as_xmalloc((in.n_t + 1) * sizeof(size_t));
    size_t n = 0;
    uint32_t *tally = as_xcalloc(L + 1, sizeof(uint32_t));
    for (size_t i = 0; i < in.n_t; i++) {
        target *t = &in.t[i];
        if (t->judge != AS_AN_NONE) n_judged++;
        if (t->n_votes) {
            n_human++;
            memset(tally, 0, (L + 1) * sizeof(uint32_t));
            for (size_t v = 0; v < t->n_votes; v++) tally[index[in.votes[t->votes + v].label]]++;
            for (size_t l = 0; l < L; l++)
                if (2 * tally[l] > t->n_votes) t->consensus = order[l];
            if (t->consensus == AS_AN_NONE) ties++;
        }
        if (t->judge == AS_AN_NONE) continue;
        if (!t->n_votes) {
            unl++;
            if (index[t->judge] == pos) unl_pass++;
        } else if (t->consensus != AS_AN_NONE) {
            h[n] = index[t->consensus];
            j[n] = index[t->judge];
            tix[n++] = i;
        }
    }
    free(tally);

    json_t *labels = json_array();
    for (size_t l = 0; l < L; l++) json_array_append_new(labels, json_string(r->str.v[order[l]]));
    json_object_set_new(res, "labels", labels);
    json_object_set_new(res, "positive_label",
                        pos == AS_AN_NONE ? json_null() : json_string(r->str.v[order[pos]]));
    json_object_set_new(res, "positive_label_source", json_string(pos_why));
    json_object_set_new(res, "counts", json_pack("{s:I, s:I, s:I, s:I, s:I}",
        "targets", (json_int_t)in.n_t, "judged", (json_int_t)n_judged,
        "human_labelled", (json_int_t)n_human, "paired", (json_int_t)n,
        "human_ties", (json_int_t)ties));

    if (L == 0) {                /* nothing labelled: the same shape, empty */
        json_object_set_new(res, "accuracy", json_null());
        json_object_set_new(res, "macro", json_null());
        json_object_set_new(res, "per_label", json_array());
        json_object_set_new(res, "cohen_kappa", json_null());
        json_object_set_new(res, "confusion_matrix", json_pack("{s:[], s:s, s:s, s:[]}",
            "labels", "rows", "human", "columns", "judge", "counts"));
        json_object_set_new(res, "judge", json_null());
        json_object_set_new(res, "corrected_pass_rate", json_null());
    } else {
        uint64_t *cm = as_xcalloc(L * L, sizeof(uint64_t));
        as_label_scores *per = as_xcalloc(L, sizeof(as_label_scores));
        as_classification cls;
        as_kappa kap;
        as_binary_counts bc = { 0, 0, 0, 0 };
        as_judge_rates jr;
        as_corrected_rate cr;
        rc = as_confusion_matrix(h, j, n, L, cm, err);
        if (rc == AS_OK) rc = as_classification_scores(cm, L, per, &cls, err);
        if (rc == AS_OK) rc = as_cohen_kappa(cm, L, AS_KAPPA_UNWEIGHTED, ALPHA, &kap, err);
        if (rc == AS_OK && pos != AS_AN_NONE) rc = as_binary_counts_from_confusion(cm, L, pos, &bc, err);
        if (rc == AS_OK) rc = as_judge_rates_of(&bc, ALPHA, &jr, err);
        if (rc == AS_OK) rc = as_rogan_gladen(&bc, unl_pass, unl, ALPHA, &cr, err);
        if (rc == AS_OK) {
            json_t *rows = json_array(), *pl = json_array();
            for (size_t a = 0; a < L; a++) {
                json_t *row = json_array();
                for (size_t b = 0; b < L; b++)
                    json_array_append_new(row, json_integer((json_int_t)cm[a * L + b]));
                json_array_append_new(rows, row);
                json_array_append_new(pl, json_pack("{s:s, s:f, s:f, s:f, s:I, s:I}",
                    "label", r->str.v[order[a]], "precision", per[a].precision,
                    "recall", per[a].recall, "f1", per[a].f1,
                    "support", (json_int_t)per[a].support,
                    "predicted", (json_int_t)per[a].predicted));
            }
            json_object_set_new(res, "accuracy", an_num(cls.accuracy));
            json_object_set_new(res, "macro", json_pack("{s:f, s:f, s:f}",
                "precision", cls.macro_precision, "recall", cls.macro_recall,
                "f1", cls.macro_f1));
            json_object_set_new(res, "per_label", pl);
            json_object_set_new(res, "cohen_kappa", kappa_json(&kap));
            json_object_set_new(res, "confusion_matrix", json_pack("{s:O, s:s, s:s, s:o}",
                "labels", json_object_get(res, "labels"), "rows", "human",
                "columns", "judge", "counts", rows));
            json_object_set_new(res, "judge", json_pack("{s:o, s:o, s:{s:I, s:I, s:I, s:I}}",
                "sensitivity", rate_json(jr.se_defined, jr.se, jr.se_lo, jr.se_hi),
                "specificity", rate_json(jr.sp_defined, jr.sp, jr.sp_lo, jr.sp_hi),
                "counts", "tp", (json_int_t)bc.tp, "fn", (json_int_t)bc.fn,
                          "fp", (json_int_t)bc.fp, "tn", (json_int_t)bc.tn));
            json_object_set_new(res, "corrected_pass_rate", json_pack(
                "{s:b, s:s?, s:I, s:I, s:o, s:o, s:o, s:o}",
                "defined", cr.defined, "why", cr.defined ? NULL : cr.why,
                "unlabelled", (json_int_t)unl, "judge_passed", (json_int_t)unl_pass,
                "raw", an_num(cr.raw), "estimate", cr.defined ? an_num(cr.estimate) : json_null(),
                "std_err", cr.defined ? an_num(cr.std_err) : json_null(),
                "ci", cr.defined ? an_ci(cr.lo, cr.hi) : json_null()));
        }
        free(cm);
        free(per);
    }
    if (rc == AS_OK) {
        json_t *items = json_array();
        size_t total = 0;
        for (size_t k = 0; k < n; k++) {
            if (h[k] == j[k]) continue;
            if (total++ >= o->limit) continue;
            const target *t = &in.t[tix[k]];
            json_t *who = json_array();
            for (size_t v = 0; v < t->n_votes; v++)
                json_array_append_new(who, json_pack("{s:s, s:s}",
                    "annotator", r->str.v[in.votes[t->votes + v].annotator],
                    "label", r->str.v[in.votes[t->votes + v].label]));
            json_array_append_new(items, json_pack("{s:o, s:s, s:s?, s:s, s:o}",
                "target_id", target_id(t, spans), "judge_label", r->str.v[t->judge],
                "judge_explanation", t->explanation, "human_label", r->str.v[t->consensus],
                "annotators", who));
        }
        json_object_set_new(res, "disagreements", json_pack("{s:I, s:I, s:o}",
            "total", (json_int_t)total, "limit", (json_int_t)o->limit, "items", items));
        json_t *ia = NULL;
        rc = inter_annotator(&in, index, L, &ia, err);
        if (rc == AS_OK) json_object_set_new(res, "inter_annotator", ia);
    }
    free(h);
    free(j);
    free(tix);
out:
    json_decref(config);
    free(index);
    free(order);
    free(in.t);
    free(in.votes);
    return rc;
}

as_rc as_analysis_agreement_experiment(as_store *st, int64_t experiment_id,
                                       const char *name, const char *human_name,
                                       const as_analysis_opts *opts, json_t **out,
                                       as_err *err) {
    if (!human_name) human_name = name;
    as_an_ratings r;
    as_rc rc = as_store_analysis_ratings_experiment(st, experiment_id, name, human_name,
                                                    &r, err);
    if (rc != AS_OK) return rc;
    json_t *res = json_pack("{s:{s:s, s:o, s:s, s:s}}", "source", "kind", "experiment",
                            "experiment_id", an_gid("Experiment", experiment_id),
                            "name", name, "human_name", human_name);
    rc = agreement(st, &r, name, false, opts, res, err);
    as_an_ratings_free(&r);
    if (rc != AS_OK) { json_decref(res); return rc; }
    *out = res;
    return AS_OK;
}

as_rc as_analysis_agreement_project(as_store *st, int64_t project_id, const char *name,
                                    const as_analysis_opts *opts, json_t **out,
                                    as_err *err) {
    as_an_ratings r;
    as_rc rc = as_store_analysis_ratings_project(st, project_id, name, &r, err);
    if (rc != AS_OK) return rc;
    json_t *res = json_pack("{s:{s:s, s:o, s:s}}", "source", "kind", "project",
                            "project_id", an_gid("Project", project_id), "name", name);
    rc = agreement(st, &r, name, true, opts, res, err);
    as_an_ratings_free(&r);
    if (rc != AS_OK) { json_decref(res); return rc; }
    *out = res;
    return AS_OK;
}
