/*
 * agree.h - judge-versus-human agreement statistics ("evals for evals").
 *
 * Pure functions over label arrays and count tables: no allocation, no
 * global state.  Labels are small integers 0..n_labels-1 chosen by the
 * caller (n_labels <= AS_AGREE_MAX_LABELS); a label outside that range is
 * AS_EINVAL.  The caller owns every array passed in and every output.
 *
 * Two kinds of "no answer" are kept apart:
 *   - malformed input (a label >= n_labels, n_labels == 0, alpha outside
 *     (0, 1), rows of a Fleiss table with different rater counts) returns
 *     AS_EINVAL and a message in err;
 *   - well-formed data on which a statistic is undefined (no pairs, chance
 *     agreement of 1, Se + Sp <= 1) returns AS_OK with the result's
 *     `defined` flag false and its figures set to NaN.
 *
 * Each figure matches a reference implementation (Debian's scikit-learn 1.2
 * and statsmodels 0.13); docs/statistics-agreement.md lists the oracles,
 * the formulas, the degenerate cases and the derivation of the Rogan-Gladen
 * interval.  tests/stats/agree_check.py compares them on generated data.
 */
#ifndef ASSAY_AGREE_H
#define ASSAY_AGREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "assay/common.h"

/* Upper bound on n_labels (keeps every scratch array on the stack). */
#define AS_AGREE_MAX_LABELS 256
/* A missing rating in as_aggregate_ratings input. */
#define AS_RATING_MISSING UINT32_MAX

/* ---- confusion matrix and per-label scores --------------------------- */

/* Count the pairs (human[i], judge[i]) into cm, an n_labels x n_labels
 * row-major table the caller provides: cm[h * n_labels + j] = number of
 * items the human labelled h and the judge labelled j (rows = human/true,
 * columns = judge/predicted, as sklearn confusion_matrix(y_true, y_pred,
 * labels=range(n_labels))).  n == 0 gives an all-zero table.  On error cm is
 * left zeroed. */
as_rc as_confusion_matrix(const uint32_t *human, const uint32_t *judge, size_t n,
                          size_t n_labels, uint64_t *cm, as_err *err);

typedef struct as_label_scores {
    double precision;  /* tp / (tp + fp); 0 when the judge never chose it  */
    double recall;     /* tp / (tp + fn); 0 when the human never chose it  */
    double f1;         /* 2PR / (P + R); 0 when P + R == 0                 */
    uint64_t support;  /* items the human gave this label (row sum)        */
    uint64_t predicted; /* items the judge gave this label (column sum)    */
} as_label_scores;

typedef struct as_classification {
    uint64_t n;             /* pairs (sum of the table)                    */
    uint64_t agree;         /* pairs on the diagonal                       */
    double accuracy;        /* agree / n; NaN when n == 0                  */
    /* Unweighted means over all n_labels labels, unused ones included
     * (sklearn precision_recall_fscore_support(average="macro",
     * labels=range(n_labels), zero_division=0)); macro_f1 is the mean of
     * the per-label F1, not the F1 of the macro P and R.  0 when n == 0. */
    double macro_precision, macro_recall, macro_f1;
} as_classification;

/* Scores from a confusion matrix, with sklearn's
 * precision_recall_fscore_support(..., labels=range(n_labels),
 * zero_division=0) semantics: a ratio with a zero denominator is 0.
 * per_label (n_labels entries) may be NULL. */
as_rc as_classification_scores(const uint64_t *cm, size_t n_labels,
                               as_label_scores *per_label, as_classification *out,
                               as_err *err);

/* ---- Cohen's kappa ---------------------------------------------------- */

typedef enum as_kappa_weighting {
    AS_KAPPA_UNWEIGHTED = 0,
    AS_KAPPA_LINEAR,     /* disagreement weight |i - j|     */
    AS_KAPPA_QUADRATIC   /* disagreement weight (i - j)^2   */
} as_kappa_weighting;

typedef struct as_kappa {
    /* false when n == 0 or the chance agreement is 1 (both raters used one
     * and the same label throughout; also always when n_labels == 1); then
     * every double below is NaN. */
    bool defined;
    double kappa;   /* sklearn cohen_kappa_score(h, j, labels=range(L),
                       weights=None|"linear"|"quadratic")                  */
    double po, pe;  /* observed and chance agreement, with agreement weights
                       w_ij = 1 - d_ij / max d (1 on the diagonal)          */
    /* Large-sample standard error under the alternative (Fleiss, Cohen &
     * Everitt 1969) exactly as statsmodels 0.13 cohens_kappa(table[, wt])
     * std_kappa, and the interval kappa -/+ z(1 - alpha/2) * se (its
     * kappa_low / kappa_upp at alpha = 0.05).  Not clipped to [-1, 1]. */
    double se, lo, hi;
    double se0;     /* standard error under H0: kappa = 0 (std_kappa0)      */
} as_kappa;

/* Cohen's kappa of a confusion matrix (as_confusion_matrix) at confidence
 * 1 - alpha.  Weighted kappas use the label values 0..n_labels-1 as the
 * ordinal scale, unused labels included. */
as_rc as_cohen_kappa(const uint64_t *cm, size_t n_labels, as_kappa_weighting weighting,
                     double alpha, as_kappa *out, as_err *err);

/* ---- several raters per item ------------------------------------------ */

/* Turn a ratings matrix (n_items rows x n_raters columns, row-major; each
 * entry a label or AS_RATING_MISSING) into a count table counts[item *
 * n_labels + label] = raters who gave the item that label (statsmodels
 * aggregate_raters). */
as_rc as_aggregate_ratings(const uint32_t *ratings, size_t n_items, size_t n_raters,
                           size_t n_labels, uint32_t *counts, as_err *err);

typedef struct as_fleiss {
    bool defined;        /* false when n_items == 0 or every rating is the
                            same label (chance agreement 1)                 */
    double kappa;        /* statsmodels fleiss_kappa(table, method="fleiss") */
    double p_obs, p_exp; /* mean per-item agreement P-bar, chance P-bar_e   */
    uint32_t n_raters;   /* raters per item                                 */
} as_fleiss;

/* Fleiss' kappa of a count table (n_items x n_labels, row-major).  Every
 * row must sum to the same number of raters m >= 2 (AS_EINVAL otherwise;
 * use Krippendorff's alpha when ratings are missing). */
as_rc as_fleiss_kappa(const uint32_t *counts, size_t n_items, size_t n_labels,
                      as_fleiss *out, as_err *err);

typedef struct as_kalpha {
    bool defined;          /* false when fewer than 2 pairable values or
                              only one label among them (D_e = 0)          */
    double alpha;          /* 1 - D_o / D_e                                */
    double d_obs, d_exp;   /* observed and expected disagreement           */
    uint64_t n_pairable;   /* values in units with >= 2 ratings            */
    uint64_t n_units;      /* units with >= 2 ratings                      */
} as_kalpha;

/* Krippendorff's alpha for nominal data from a count table (n_units x
 * n_labels, row-major; rows may have different sums: a missing rating
 * simply is not counted).  Units with fewer than two ratings are not
 * pairable and are left out, as Krippendorff (2011) prescribes. */
as_rc as_krippendorff_alpha_nominal(const uint32_t *counts, size_t n_units,
                                    size_t n_labels, as_kalpha *out, as_err *err);

/* ---- judge sensitivity / specificity and the corrected pass rate ------ */

/* A binary pass/fail judge checked against human labels. */
typedef struct as_binary_counts {
    uint64_t tp;  /* human pass, judge pass */
    uint64_t fn;  /* human pass, judge fail */
    uint64_t fp;  /* human fail, judge pass */
    uint64_t tn;  /* human fail, judge fail */
} as_binary_counts;

/* Collapse a confusion matrix to pass (= pass_label) versus everything
 * else. */
as_rc as_binary_counts_from_confusion(const uint64_t *cm, size_t n_labels,
                                      uint32_t pass_label, as_binary_counts *out,
                                      as_err *err);

typedef struct as_judge_rates {
    bool se_defined;          /* false when no human pass (tp + fn == 0)   */
    double se, se_lo, se_hi;  /* tp / (tp + fn), Wilson interval (as_wilson);
                                 se NaN and [0, 1] when undefined          */
    bool sp_defined;          /* false when no human fail (tn + fp == 0)   */
    double sp, sp_lo, sp_hi;  /* tn / (tn + fp), Wilson interval           */
} as_judge_rates;

as_rc as_judge_rates_of(const as_binary_counts *c, double alpha, as_judge_rates *out,
                        as_err *err);

typedef struct as_corrected_rate {
    /* false (with the reason in `why`) when the correction is undefined:
     * no unlabelled rows, no human pass or no human fail among the labelled
     * rows, or Se + Sp <= 1 (the judge is no better than chance). */
    bool defined;
    char why[160];
    double raw;         /* q = judge passes / unlabelled rows (NaN if none) */
    double se, sp;      /* sensitivity and specificity used                */
    double unclipped;   /* (q + Sp - 1) / (Se + Sp - 1)                    */
    double estimate;    /* unclipped clipped to [0, 1]                     */
    double std_err;     /* delta-method standard error of `unclipped`      */
    double lo, hi;      /* unclipped -/+ z * std_err, clipped to [0, 1]    */
} as_corrected_rate;

/* Rogan-Gladen corrected pass rate on the unlabelled rows (judge_pass of
 * n_unlabelled passed by the judge), using the judge's Se and Sp measured on
 * the labelled rows, with a delta-method interval at confidence 1 - alpha
 * that treats q, Se and Sp as independent binomial proportions (derivation
 * in docs/statistics-agreement.md). */
as_rc as_rogan_gladen(const as_binary_counts *labelled, uint64_t judge_pass,
                      uint64_t n_unlabelled, double alpha, as_corrected_rate *out,
                      as_err *err);

/* ---- the disagreements themselves ------------------------------------- */

typedef struct as_disagreement {
    size_t index;     /* position in the arrays */
    uint32_t human;
    uint32_t judge;
} as_disagreement;

/* Walk the off-diagonal pairs in index order:
 *     size_t pos = 0; as_disagreement d;
 *     while (as_next_disagreement(human, judge, n, &pos, &d)) use(d);
 * Returns false when there are no more.  Labels are not range-checked. */
bool as_next_disagreement(const uint32_t *human, const uint32_t *judge, size_t n,
                          size_t *pos, as_disagreement *d);

#endif
