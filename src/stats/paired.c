/*
 * paired.c - tests and intervals for two experiments run on the same
 * examples (see stats.h): exact McNemar and the paired difference of
 * proportions for pass/fail labels, the Wilcoxon signed-rank test for
 * scores, Holm's adjustment when several evaluators are compared at once,
 * the "examples needed" estimates, and the verdict that turns all of it into
 * words.
 *
 * Each function names the scipy / statsmodels call it reproduces; where it
 * reproduces a quirk of that call (Wilcoxon's exact p-value with ties) the
 * header says so, and docs/statistics.md explains why we kept it.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assay/alloc.h"
#include "assay/stats.h"

/* ---- McNemar and the difference of paired proportions ---------------- */

double as_mcnemar_exact_p(uint64_t b, uint64_t c) {
    uint64_t n = b + c, k = b < c ? b : c;
    if (n == 0) return 1;
    double p = 2 * as_binom_cdf(k, n, 0.5);
    return p > 1 ? 1 : p;
}

void as_paired_diff_newcombe(const as_paired_table *t, double alpha, double *estimate,
                             double *lo, double *hi) {
    uint64_t n = t->a + t->b + t->c + t->d;
    if (n == 0) { *estimate = 0; *lo = -1; *hi = 1; return; }
    double nn = (double)n;
    /* p1 = B's pass rate, p2 = A's: the difference is p1 - p2 = (c - b)/n. */
    double p1 = (double)(t->a + t->c) / nn, p2 = (double)(t->a + t->b) / nn;
    double l1, u1, l2, u2;
    as_wilson(t->a + t->c, n, alpha, &l1, &u1);
    as_wilson(t->a + t->b, n, alpha, &l2, &u2);
    /* phi: the correlation of the two outcomes; 0 when a margin is empty. */
    double a = (double)t->a, b = (double)t->b, c = (double)t->c, d = (double)t->d;
    double den = (a + b) * (c + d) * (a + c) * (b + d);
    double phi = den > 0 ? (a * d - b * c) / sqrt(den) : 0;
    double theta = ((double)t->c - (double)t->b) / nn;
    double dl1 = p1 - l1, du2 = u2 - p2, du1 = u1 - p1, dl2 = p2 - l2;
    double vlo = dl1 * dl1 - 2 * phi * dl1 * du2 + du2 * du2;
    double vhi = du1 * du1 - 2 * phi * du1 * dl2 + dl2 * dl2;
    *estimate = theta;
    *lo = theta - sqrt(vlo > 0 ? vlo : 0);
    *hi = theta + sqrt(vhi > 0 ? vhi : 0);
    if (*lo < -1) *lo = -1;
    if (*hi > 1) *hi = 1;
}

void as_paired_diff_wald(const as_paired_table *t, double alpha, double *estimate,
                         double *lo, double *hi) {
    uint64_t n = t->a + t->b + t->c + t->d;
    if (n == 0) { *estimate = 0; *lo = -1; *hi = 1; return; }
    double nn = (double)n, b = (double)t->b, c = (double)t->c;
    double z = as_norm_ppf(1 - alpha / 2);
    double v = (b + c) - (c - b) * (c - b) / nn;
    double half = z * sqrt(v > 0 ? v : 0) / nn;
    double theta = (c - b) / nn;
    *estimate = theta;
    *lo = theta - half < -1 ? -1 : theta - half;
    *hi = theta + half > 1 ? 1 : theta + half;
}

/* ---- Wilcoxon signed-rank ---------------------------------------------- */

const char *as_wilcoxon_method_name(as_wilcoxon_method m) {
    switch (m) {
    case AS_WILCOXON_EXACT: return "exact";
    case AS_WILCOXON_APPROX: return "normal approximation";
    case AS_WILCOXON_NONE: break;
    }
    return "none";
}

typedef struct { double abs; int positive; } signed_abs;

static int cmp_abs(const void *x, const void *y) {
    double a = ((const signed_abs *)x)->abs, b = ((const signed_abs *)y)->abs;
    return (a > b) - (a < b);
}

as_rc as_wilcoxon(const double *a, const double *b, size_t n, as_wilcoxon_result *out,
                  as_err *err) {
    memset(out, 0, sizeof *out);
    out->statistic = out->pvalue = out->z = NAN;
    out->n = n;
    out->method = AS_WILCOXON_NONE;
    for (size_t i = 0; i < n; i++)
        if (!isfinite(a[i]) || !isfinite(b[i]) || !isfinite(a[i] - b[i]))
            return as_err_set(err, AS_EINVAL, "wilcoxon: pair %zu is not a pair of finite numbers",
                              i);
    if (n == 0) return AS_OK;

    signed_abs *e = as_xmalloc(n * sizeof *e);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        double d = a[i] - b[i];
        if (d == 0) continue;
        e[m].abs = fabs(d);
        e[m].positive = d > 0;
        m++;
    }
    out->n_zero = n - m;
    out->n_used = m;
    if (m == 0) { free(e); return AS_OK; }   /* scipy raises ValueError */

    /* scipy 1.10, method="auto": exact when len(d) <= 50, but any zero
     * difference switches to the normal approximation. */
    int exact = n <= AS_WILCOXON_EXACT_MAX_N && out->n_zero == 0;

    /* rankdata(|d|), average ranks for ties; W+ and W- are sums of
     * multiples of 1/2, exact in double. */
    qsort(e, m, sizeof *e, cmp_abs);
    double wp = 0, wm = 0, tie_term = 0;
    for (size_t i = 0; i < m;) {
        size_t j = i + 1;
        while (j < m && e[j].abs == e[i].abs) j++;
        double rank = ((double)(i + 1) + (double)j) / 2;    /* positions i+1 .. j */
        double t = (double)(j - i);
        if (j - i > 1) {
            out->ties = 1;
            tie_term += t * (t * t - 1);
        }
        for (size_t k = i; k < j; k++) {
            if (e[k].positive) wp += rank;
            else wm += rank;
        }
        i = j;
    }
    free(e);
    out->w_plus = wp;
    out->w_minus = wm;
    double T = wp < wm ? wp : wm;
    out->statistic = T;
    double count = (double)m;

    if (exact) {
        out->method = AS_WILCOXON_EXACT;
        size_t top = m * (m + 1) / 2;
        uint64_t *counts = as_xmalloc((top + 1) * sizeof *counts);
        as_wilcoxon_null_counts((unsigned)m, counts);
        /* scipy: r_plus = int(r_plus) -- a half-integer W+ (ties) is
         * truncated before the tails are summed. */
        size_t r = (size_t)floor(wp);
        if (r == top / 2) {
            out->pvalue = 1.0;
        } else {
            uint64_t less = 0, greater = 0;
            for (size_t w = 0; w <= top; w++) {
                if (w <= r) less += counts[w];
                if (w >= r) greater += counts[w];
            }
            /* counts / 2^m are dyadic rationals: ldexp is exact, as are
             * scipy's float sums of the same numbers. */
            double p = 2 * ldexp((double)(less < greater ? less : greater), -(int)m);
            out->pvalue = p > 1 ? 1 : p;
        }
        free(counts);
    } else {
        out->method = AS_WILCOXON_APPROX;
        /* The same expressions, in the same order, as scipy's. */
        double mn = count * (count + 1.) * 0.25;
        double se = count * (count + 1.) * (2. * count + 1.);
        se -= 0.5 * tie_term;
        se = sqrt(se / 24);
        double z = (T - mn) / se;
        out->z = z;
        out->pvalue = 2. * as_norm_sf(fabs(z));
    }
    return AS_OK;
}

/* ---- Holm ---------------------------------------------------------------- */

typedef struct { double p; size_t i; } p_index;

static int cmp_p(const void *x, const void *y) {
    const p_index *a = x, *b = y;
    if (a->p != b->p) return (a->p > b->p) - (a->p < b->p);
    return (a->i > b->i) - (a->i < b->i);
}

as_rc as_holm(const double *p, size_t m, double *adjusted, as_err *err) {
    for (size_t i = 0; i < m; i++)
        if (!(p[i] >= 0 && p[i] <= 1))
            return as_err_set(err, AS_EINVAL, "holm: p-value %zu (%g) is not in [0, 1]", i, p[i]);
    if (m == 0) return AS_OK;
    p_index *s = as_xmalloc(m * sizeof *s);
    for (size_t i = 0; i < m; i++) { s[i].p = p[i]; s[i].i = i; }
    qsort(s, m, sizeof *s, cmp_p);
    double run = 0;
    for (size_t k = 0; k < m; k++) {
        double v = s[k].p * (double)(m - k);
        if (v > run) run = v;
        s[k].p = run > 1 ? 1 : run;
    }
    for (size_t k = 0; k < m; k++) adjusted[s[k].i] = s[k].p;
    free(s);
    return AS_OK;
}

/* ---- examples needed ---------------------------------------------------- */

static as_examples_needed not_estimable(double alpha, double power) {
    as_examples_needed r = { 0, NAN, 0, alpha, power };
    return r;
}

static uint64_t round_up(double raw, uint64_t floor_n) {
    if (!(raw < 1e18)) return UINT64_MAX;
    double c = ceil(raw);
    uint64_t n = (uint64_t)c;
    return n < floor_n ? floor_n : n;
}

as_examples_needed as_examples_needed_mcnemar(uint64_t b, uint64_t c, uint64_t n,
                                              double alpha, double power) {
    if (n == 0 || b == c || b + c > n || !(alpha > 0 && alpha < 1) ||
        !(power > 0 && power < 1))
        return not_estimable(alpha, power);
    double nn = (double)n;
    double psi = ((double)b + (double)c) / nn;
    double delta = ((double)c - (double)b) / nn;
    double za = as_norm_ppf(1 - alpha / 2), zb = as_norm_ppf(power);
    double v = psi - delta * delta;
    double num = za * sqrt(psi) + zb * sqrt(v > 0 ? v : 0);
    as_examples_needed r = { 1, num * num / (delta * delta), 0, alpha, power };
    r.n = round_up(r.raw, 1);
    return r;
}

as_examples_needed as_examples_needed_paired_t(double mean_diff, double sd_diff,
                                               double alpha, double power) {
    if (!isfinite(mean_diff) || !isfinite(sd_diff) || mean_diff == 0 || sd_diff < 0 ||
        !(alpha > 0 && alpha < 1) || !(power > 0 && power < 1))
        return not_estimable(alpha, power);
    double za = as_norm_ppf(1 - alpha / 2), zb = as_norm_ppf(power);
    double k = (za + zb) * sd_diff / mean_diff;
    as_examples_needed r = { 1, k * k, 0, alpha, power };
    r.n = round_up(r.raw, 2);
    return r;
}

/* ---- verdict ------------------------------------------------------------- */

as_cmp_verdict as_cmp_verdict_of(double p_adjusted, double lo, double hi) {
    if (!(p_adjusted < 0.05) || isnan(lo) || isnan(hi)) return AS_CMP_UNDECIDED;
    if (lo > 0) return AS_CMP_BETTER;
    if (hi < 0) return AS_CMP_WORSE;
    return AS_CMP_UNDECIDED;
}

const char *as_cmp_verdict_name(as_cmp_verdict v) {
    switch (v) {
    case AS_CMP_BETTER: return "better";
    case AS_CMP_WORSE: return "worse";
    case AS_CMP_UNDECIDED: break;
    }
    return "not_distinguishable";
}

const char *as_cmp_verdict_wording(as_cmp_verdict v) {
    switch (v) {
    case AS_CMP_BETTER: return "B better";
    case AS_CMP_WORSE: return "B worse";
    case AS_CMP_UNDECIDED: break;
    }
    return "not distinguishable yet";
}

size_t as_cmp_verdict_describe(char *buf, size_t size, as_cmp_verdict v,
                           const as_examples_needed *need) {
    int len;
    if (v != AS_CMP_UNDECIDED || !need)
        len = snprintf(buf, size, "%s", as_cmp_verdict_wording(v));
    else if (!need->estimable)
        len = snprintf(buf, size, "%s (no difference observed, so no estimate of the "
                       "examples needed)", as_cmp_verdict_wording(v));
    else
        len = snprintf(buf, size, "%s (estimate: about %" PRIu64 " examples would detect "
                       "a difference this size with %.0f%% power at alpha %g)",
                       as_cmp_verdict_wording(v), need->n, need->power * 100, need->alpha);
    return len < 0 ? 0 : (size_t)len;
}
