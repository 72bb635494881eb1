/*
 * analysis_int.h - shared internals of src/analysis/: the pass rule of an
 * evaluation, the per-example aggregation over repetitions, the bootstrap
 * of a mean and JSON helpers.
 */
#ifndef ASSAY_ANALYSIS_INT_H
#define ASSAY_ANALYSIS_INT_H

#include "assay/analysis.h"
#include "assay/stats.h"
#include "assay/store_analysis.h"

/* How one evaluation (label, score) turns into pass / fail / unknown. */
typedef struct an_pass_rule {
    double threshold;         /* score >= threshold passes              */
    json_t *label_scores;     /* {label: score} from the annotation config,
                                 or NULL                                 */
} an_pass_rule;

/* Reads the annotation config named `name` (if any). */
as_rc an_pass_rule_init(an_pass_rule *r, as_store *st, const char *name,
                        const as_analysis_opts *o, as_err *err);
void an_pass_rule_free(an_pass_rule *r);
/* 1 pass, 0 fail, -1 unknown. */
int an_pass_of(const an_pass_rule *r, const char *label, double score);
/* Whether a label is one of the built-in pass (1) / fail (0) words, -1. */
int an_label_word(const char *label);

/* One example's evaluations of one name, over its repetitions. */
typedef struct an_example {
    int64_t example_id;
    uint32_t n_eval;          /* evaluations recorded (failed included) */
    uint32_t n_failed;        /* evaluations that recorded an error     */
    uint32_t n_known, n_pass; /* with a known pass outcome / passing    */
    uint32_t n_scored;
    double score_sum;
    uint32_t first_label;     /* label of the lowest repetition, or NONE */
    double first_score;
    int pass;                 /* strict majority of known: 1, else 0; -1
                                 when none known                         */
    double score;             /* mean of the scores, NaN when none      */
} an_example;

/* Evaluations of x grouped by name: order[] holds eval indices sorted by
 * (name, example, repetition); start[name]..start[name+1]. */
typedef struct an_groups {
    size_t *order;
    size_t *start;            /* x->str.n + 1 entries                   */
} an_groups;

void an_group(const as_an_experiment *x, an_groups *g);
void an_groups_free(an_groups *g);
/* Per-example aggregates of evaluation `name` of x (a string index of
 * x->str), in example id order; *n examples.  The caller frees. */
an_example *an_aggregate(const as_an_experiment *x, const an_groups *g, uint32_t name,
                         const an_pass_rule *rule, size_t *n);
/* Whether the evaluation is pass/fail (every score 0 or 1, or labels
 * only) rather than a continuous score. */
bool an_is_binary(const as_an_experiment *x, const an_groups *g, uint32_t name);

/* Bootstrap interval of the mean of x[0..n-1] (BCa, opts' resamples and
 * seed; a histogram bootstrap when there are few distinct values, fewer
 * resamples past n * B = 1e8, at least 1,000).  Returns a JSON object {estimate, ci, method,
 * resamples} (ci null when undefined). */
json_t *an_boot_mean_json(const double *x, size_t n, const as_analysis_opts *o);

/* JSON helpers: a number, or null when not finite. */
json_t *an_num(double v);
json_t *an_ci(double lo, double hi);           /* [lo, hi] or null */
json_t *an_gid(const char *type, int64_t id);
/* {id, name, dataset_id, dataset_version_id, repetitions} */
json_t *an_experiment_ref(const as_an_experiment *x);

#endif
