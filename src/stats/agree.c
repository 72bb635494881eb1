/*
 * agree.c - judge-versus-human agreement statistics (see agree.h and
 * docs/statistics-agreement.md).
 *
 * Counts stay integers for as long as possible: a kappa or an alpha is one
 * division of two exactly accumulated sums where the algebra allows it, so
 * the results agree with sklearn / statsmodels to the last few ulps.  The
 * standard errors follow statsmodels 0.13 term by term.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "assay/agree.h"
#include "assay/stats.h"

static as_rc check_labels(size_t n_labels, as_err *err) {
    if (n_labels == 0)
        return as_err_set(err, AS_EINVAL, "n_labels must be at least 1");
    if (n_labels > AS_AGREE_MAX_LABELS)
        return as_err_set(err, AS_EINVAL, "n_labels %zu is over the limit of %d",
                          n_labels, AS_AGREE_MAX_LABELS);
    return AS_OK;
}

static as_rc check_alpha(double alpha, as_err *err) {
    if (!(alpha > 0 && alpha < 1))
        return as_err_set(err, AS_EINVAL, "alpha must be in (0, 1), got %g", alpha);
    return AS_OK;
}

as_rc as_confusion_matrix(const uint32_t *human, const uint32_t *judge, size_t n,
                          size_t n_labels, uint64_t *cm, as_err *err) {
    as_rc rc = check_labels(n_labels, err);
    if (rc) return rc;
    memset(cm, 0, n_labels * n_labels * sizeof *cm);
    for (size_t i = 0; i < n; i++) {
        if (human[i] >= n_labels || judge[i] >= n_labels) {
            memset(cm, 0, n_labels * n_labels * sizeof *cm);
            return as_err_set(err, AS_EINVAL, "pair %zu: %s label %u is not below n_labels %zu",
                              i, human[i] >= n_labels ? "human" : "judge",
                              human[i] >= n_labels ? human[i] : judge[i], n_labels);
        }
        cm[(size_t)human[i] * n_labels + judge[i]]++;
    }
    return AS_OK;
}

as_rc as_classification_scores(const uint64_t *cm, size_t n_labels,
                               as_label_scores *per_label, as_classification *out,
                               as_err *err) {
    as_rc rc = check_labels(n_labels, err);
    if (rc) return rc;
    memset(out, 0, sizeof *out);
    double sum_p = 0, sum_r = 0, sum_f = 0;
    for (size_t l = 0; l < n_labels; l++) {
        uint64_t tp = cm[l * n_labels + l], row = 0, col = 0;
        for (size_t k = 0; k < n_labels; k++) {
            row += cm[l * n_labels + k];
            col += cm[k * n_labels + l];
        }
        out->n += row;
        out->agree += tp;
        /* sklearn 1.2: P and R with zero_division=0, then F = 2PR / (P + R)
         * with a zero denominator replaced by 1. */
        double p = col ? (double)tp / (double)col : 0;
        double r = row ? (double)tp / (double)row : 0;
        double f = p + r > 0 ? 2 * p * r / (p + r) : 0;
        sum_p += p;
        sum_r += r;
        sum_f += f;
        if (per_label)
            per_label[l] = (as_label_scores){ .precision = p, .recall = r, .f1 = f,
                                              .support = row, .predicted = col };
    }
    out->accuracy = out->n ? (double)out->agree / (double)out->n : NAN;
    out->macro_precision = sum_p / (double)n_labels;
    out->macro_recall = sum_r / (double)n_labels;
    out->macro_f1 = sum_f / (double)n_labels;
    return AS_OK;
}

/* Disagreement weight of cell (i, j): 1 off the diagonal, |i - j| or
 * (i - j)^2.  Integers, so sums of weight x count are exact. */
static double disagreement_weight(as_kappa_weighting w, size_t i, size_t j) {
    double d = i > j ? (double)(i - j) : (double)(j - i);
    switch (w) {
    case AS_KAPPA_LINEAR: return d;
    case AS_KAPPA_QUADRATIC: return d * d;
    default: return i == j ? 0 : 1;
    }
}

as_rc as_cohen_kappa(const uint64_t *cm, size_t n_labels, as_kappa_weighting weighting,
                     double alpha, as_kappa *out, as_err *err) {
    as_rc rc = check_labels(n_labels, err);
    if (!rc) rc = check_alpha(alpha, err);
    if (rc) return rc;
    if (weighting != AS_KAPPA_UNWEIGHTED && weighting != AS_KAPPA_LINEAR &&
        weighting != AS_KAPPA_QUADRATIC)
        return as_err_set(err, AS_EINVAL, "unknown kappa weighting %d", (int)weighting);
    *out = (as_kappa){ .defined = false, .kappa = NAN, .po = NAN, .pe = NAN,
                       .se = NAN, .lo = NAN, .hi = NAN, .se0 = NAN };
    size_t L = n_labels;
    double row[AS_AGREE_MAX_LABELS] = { 0 }, col[AS_AGREE_MAX_LABELS] = { 0 };
    uint64_t n = 0;
    for (size_t i = 0; i < L; i++)
        for (size_t j = 0; j < L; j++) {
            row[i] += (double)cm[i * L + j];
            col[j] += (double)cm[i * L + j];
            n += cm[i * L + j];
        }
    if (n == 0 || L < 2) return AS_OK;
    double nn = (double)n;

    /* kappa = 1 - sum d O / sum d E with E_ij = row_i col_j / n (sklearn):
     * both sums are exact integers for any realistic table. */
    double dmax = disagreement_weight(weighting, 0, L - 1);
    double obs = 0, exp_ = 0;
    for (size_t i = 0; i < L; i++)
        for (size_t j = 0; j < L; j++) {
            double d = disagreement_weight(weighting, i, j);
            obs += d * (double)cm[i * L + j];
            exp_ += d * row[i] * col[j];
        }
    if (exp_ == 0) return AS_OK;   /* chance agreement 1: one shared label */
    double kappa = 1 - obs * nn / exp_;

    /* statsmodels 0.13 cohens_kappa variance with agreement weights
     * w = 1 - d / dmax, row / column shares r, c and cell shares p:
     *   wr_i = sum_j c_j w_ij, wc_j = sum_i r_i w_ij, pe = sum r_i c_j w_ij
     *   var  = [sum p_ij (w_ij - (wr_i + wc_j)(1 - k))^2 - (k - pe(1 - k))^2]
     *          / ((1 - pe)^2 n)
     *   var0 = [sum r_i c_j (w_ij - (wr_i + wc_j))^2 - pe^2] / ((1 - pe)^2 n)
     * For the unweighted kappa (w = identity) this is exactly its simple
     * formula (Fleiss, Cohen & Everitt 1969), term for term. */
    double r[AS_AGREE_MAX_LABELS], c[AS_AGREE_MAX_LABELS];
    double wr[AS_AGREE_MAX_LABELS] = { 0 }, wc[AS_AGREE_MAX_LABELS] = { 0 };
    for (size_t i = 0; i < L; i++) {
        r[i] = row[i] / nn;
        c[i] = col[i] / nn;
    }
    double pe = 0, po = 0;
    for (size_t i = 0; i < L; i++)
        for (size_t j = 0; j < L; j++) {
            double w = 1 - disagreement_weight(weighting, i, j) / dmax;
            wr[i] += c[j] * w;
            wc[j] += r[i] * w;
            pe += r[i] * c[j] * w;
            po += w * ((double)cm[i * L + j] / nn);
        }
    double a = 0, a0 = 0;
    for (size_t i = 0; i < L; i++)
        for (size_t j = 0; j < L; j++) {
            double w = 1 - disagreement_weight(weighting, i, j) / dmax;
            double t = w - (wr[i] + wc[j]) * (1 - kappa);
            a += ((double)cm[i * L + j] / nn) * t * t;
            double t0 = w - (wr[i] + wc[j]);
            a0 += r[i] * c[j] * t0 * t0;
        }
    double b = kappa - pe * (1 - kappa);
    double fac = 1 / ((1 - pe) * (1 - pe) * nn);
    /* Both variances are non-negative in exact arithmetic and exactly 0 in
     * the degenerate tables (kappa = 1; one rater using a single label),
     * where the difference above is rounding noise of either sign:
     * statsmodels then reports a standard error of ~1e-9 or NaN (the square
     * root of -1e-17).  A difference within 16 ulps of its terms is 0. */
    double d = a - b * b, d0 = a0 - pe * pe;
    double var = d > 16 * DBL_EPSILON * a ? d * fac : 0;
    double var0 = d0 > 16 * DBL_EPSILON * a0 ? d0 * fac : 0;
    if (obs == 0) var = 0;   /* kappa is exactly 1 */
    out->defined = true;
    out->kappa = kappa;
    out->po = po;
    out->pe = pe;
    out->se = sqrt(var);
    out->se0 = sqrt(var0);
    double z = as_norm_ppf(1 - alpha / 2);
    out->lo = kappa - z * out->se;
    out->hi = kappa + z * out->se;
    return AS_OK;
}

as_rc as_aggregate_ratings(const uint32_t *ratings, size_t n_items, size_t n_raters,
                           size_t n_labels, uint32_t *counts, as_err *err) {
    as_rc rc = check_labels(n_labels, err);
    if (rc) return rc;
    memset(counts, 0, n_items * n_labels * sizeof *counts);
    for (size_t i = 0; i < n_items; i++)
        for (size_t k = 0; k < n_raters; k++) {
            uint32_t v = ratings[i * n_raters + k];
            if (v == AS_RATING_MISSING) continue;
            if (v >= n_labels)
                return as_err_set(err, AS_EINVAL,
                                  "item %zu, rater %zu: label %u is not below n_labels %zu",
                                  i, k, v, n_labels);
            counts[i * n_labels + v]++;
        }
    return AS_OK;
}

as_rc as_fleiss_kappa(const uint32_t *counts, size_t n_items, size_t n_labels,
                      as_fleiss *out, as_err *err) {
    as_rc rc = check_labels(n_labels, err);
    if (rc) return rc;
    *out = (as_fleiss){ .defined = false, .kappa = NAN, .p_obs = NAN, .p_exp = NAN };
    if (n_items == 0) return AS_OK;
    uint64_t m = 0, sumsq = 0, colsum[AS_AGREE_MAX_LABELS] = { 0 };
    for (size_t i = 0; i < n_items; i++) {
        uint64_t mi = 0;
        for (size_t l = 0; l < n_labels; l++) {
            uint64_t v = counts[i * n_labels + l];
            mi += v;
            sumsq += v * v;
            colsum[l] += v;
        }
        if (i == 0) m = mi;
        if (mi != m)
            return as_err_set(err, AS_EINVAL,
                              "item %zu has %llu ratings, item 0 has %llu: Fleiss' kappa "
                              "needs the same number of raters per item",
                              i, (unsigned long long)mi, (unsigned long long)m);
    }
    if (m < 2)
        return as_err_set(err, AS_EINVAL, "Fleiss' kappa needs at least 2 raters per item, got %llu",
                          (unsigned long long)m);
    if (m > UINT32_MAX)
        return as_err_set(err, AS_EINVAL, "too many raters per item");
    out->n_raters = (uint32_t)m;
    /* With T = N m ratings, S = sum n_ij^2 and Q = sum_j (column sum)^2:
     *   P-bar = (S - T) / (T (m - 1)),  P-bar_e = Q / T^2,
     *   kappa = ((S - T) T - Q (m - 1)) / ((m - 1)(T^2 - Q)),
     * integers in the last form, so kappa is a single rounding. */
    double t = (double)n_items * (double)m, q = 0;
    bool one_label = false;
    for (size_t l = 0; l < n_labels; l++) {
        q += (double)colsum[l] * (double)colsum[l];
        if ((double)colsum[l] == t) one_label = true;
    }
    out->p_obs = ((double)sumsq - t) / (t * (double)(m - 1));
    out->p_exp = q / (t * t);
    if (one_label) return AS_OK;  /* chance agreement 1: kappa is 0/0 */
    out->defined = true;
    out->kappa = (((double)sumsq - t) * t - q * (double)(m - 1)) / ((double)(m - 1) * (t * t - q));
    return AS_OK;
}

as_rc as_krippendorff_alpha_nominal(const uint32_t *counts, size_t n_units,
                                    size_t n_labels, as_kalpha *out, as_err *err) {
    as_rc rc = check_labels(n_labels, err);
    if (rc) return rc;
    *out = (as_kalpha){ .defined = false, .alpha = NAN, .d_obs = NAN, .d_exp = NAN };
    /* Coincidences (Krippendorff 2011): a unit with m_u >= 2 values
     * contributes n_uc (n_uk - [c == k]) / (m_u - 1) to o_ck; the total
     * off-diagonal mass is sum_u (m_u^2 - sum_c n_uc^2) / (m_u - 1).
     * alpha = 1 - (n - 1) * off / (n^2 - sum_c n_c^2). */
    uint64_t nc[AS_AGREE_MAX_LABELS] = { 0 }, n = 0;
    double off = 0;
    for (size_t u = 0; u < n_units; u++) {
        uint64_t mu = 0, sq = 0;
        for (size_t l = 0; l < n_labels; l++) {
            uint64_t v = counts[u * n_labels + l];
            mu += v;
            sq += v * v;
        }
        if (mu < 2) continue;
        out->n_units++;
        for (size_t l = 0; l < n_labels; l++) nc[l] += counts[u * n_labels + l];
        n += mu;
        off += (double)(mu * mu - sq) / (double)(mu - 1);
    }
    out->n_pairable = n;
    if (n < 2) return AS_OK;
    double nn = (double)n, e = nn * nn;
    for (size_t l = 0; l < n_labels; l++) e -= (double)nc[l] * (double)nc[l];
    out->d_obs = off / nn;
    out->d_exp = e / (nn * (nn - 1));
    if (e == 0) return AS_OK;  /* one value throughout: D_e = 0 */
    out->defined = true;
    out->alpha = 1 - (nn - 1) * off / e;
    return AS_OK;
}

as_rc as_binary_counts_from_confusion(const uint64_t *cm, size_t n_labels,
                                      uint32_t pass_label, as_binary_counts *out,
                                      as_err *err) {
    as_rc rc = check_labels(n_labels, err);
    if (rc) return rc;
    if (pass_label >= n_labels)
        return as_err_set(err, AS_EINVAL, "pass label %u is not below n_labels %zu",
                          pass_label, n_labels);
    *out = (as_binary_counts){ 0 };
    for (size_t h = 0; h < n_labels; h++)
        for (size_t j = 0; j < n_labels; j++) {
            uint64_t v = cm[h * n_labels + j];
            bool hp = h == pass_label, jp = j == pass_label;
            if (hp && jp) out->tp += v;
            else if (hp) out->fn += v;
            else if (jp) out->fp += v;
            else out->tn += v;
        }
    return AS_OK;
}

as_rc as_judge_rates_of(const as_binary_counts *c, double alpha, as_judge_rates *out,
                        as_err *err) {
    as_rc rc = check_alpha(alpha, err);
    if (rc) return rc;
    uint64_t pos = c->tp + c->fn, neg = c->tn + c->fp;
    out->se_defined = pos > 0;
    out->se = pos ? (double)c->tp / (double)pos : NAN;
    as_wilson(c->tp, pos, alpha, &out->se_lo, &out->se_hi);
    out->sp_defined = neg > 0;
    out->sp = neg ? (double)c->tn / (double)neg : NAN;
    as_wilson(c->tn, neg, alpha, &out->sp_lo, &out->sp_hi);
    return AS_OK;
}

static double clip01(double x) { return x < 0 ? 0 : x > 1 ? 1 : x; }

as_rc as_rogan_gladen(const as_binary_counts *labelled, uint64_t judge_pass,
                      uint64_t n_unlabelled, double alpha, as_corrected_rate *out,
                      as_err *err) {
    as_rc rc = check_alpha(alpha, err);
    if (rc) return rc;
    if (judge_pass > n_unlabelled)
        return as_err_set(err, AS_EINVAL, "judge passes %llu exceed the %llu unlabelled rows",
                          (unsigned long long)judge_pass, (unsigned long long)n_unlabelled);
    memset(out, 0, sizeof *out);
    out->raw = out->se = out->sp = out->unclipped = out->estimate = NAN;
    out->std_err = out->lo = out->hi = NAN;
    uint64_t pos = labelled->tp + labelled->fn, neg = labelled->tn + labelled->fp;
    if (n_unlabelled) out->raw = (double)judge_pass / (double)n_unlabelled;
    if (pos) out->se = (double)labelled->tp / (double)pos;
    if (neg) out->sp = (double)labelled->tn / (double)neg;
    if (n_unlabelled == 0) {
        snprintf(out->why, sizeof out->why, "no unlabelled rows to correct");
        return AS_OK;
    }
    if (pos == 0 || neg == 0) {
        snprintf(out->why, sizeof out->why,
                 "the labelled rows have no human %s, so the judge's %s is unknown",
                 pos == 0 ? "pass" : "fail", pos == 0 ? "sensitivity" : "specificity");
        return AS_OK;
    }
    /* Se + Sp - 1 = TPR - FPR with FPR = fp / neg computed directly: equal
     * fractions give bit-identical quotients, so Se + Sp = 1 is caught
     * exactly rather than as 1e-17. */
    double fpr = (double)labelled->fp / (double)neg;
    double j = out->se - fpr;
    if (!(j > 0)) {
        snprintf(out->why, sizeof out->why,
                 "the judge is no better than chance on the labelled rows "
                 "(Se + Sp = %.4f <= 1): the pass rate cannot be corrected",
                 out->se + out->sp);
        return AS_OK;
    }
    double q = out->raw, pi = (q - fpr) / j;
    /* Delta method, q, Se, Sp independent binomial proportions:
     *   d pi/dq = 1/J, d pi/dSe = -pi/J, d pi/dSp = (1 - pi)/J
     *   Var = [q(1-q)/m + pi^2 Se(1-Se)/n+ + (1-pi)^2 Sp(1-Sp)/n-] / J^2 */
    double var = (q * (1 - q) / (double)n_unlabelled +
                  pi * pi * out->se * (1 - out->se) / (double)pos +
                  (1 - pi) * (1 - pi) * out->sp * (1 - out->sp) / (double)neg) / (j * j);
    double z = as_norm_ppf(1 - alpha / 2);
    out->defined = true;
    out->unclipped = pi;
    out->estimate = clip01(pi);
    out->std_err = sqrt(var);
    out->lo = clip01(pi - z * out->std_err);
    out->hi = clip01(pi + z * out->std_err);
    return AS_OK;
}

bool as_next_disagreement(const uint32_t *human, const uint32_t *judge, size_t n,
                          size_t *pos, as_disagreement *d) {
    for (size_t i = *pos; i < n; i++) {
        if (human[i] != judge[i]) {
            *d = (as_disagreement){ .index = i, .human = human[i], .judge = judge[i] };
            *pos = i + 1;
            return true;
        }
    }
    *pos = n;
    return false;
}
