/*
 * dist.c - the probability distributions behind the paired tests (see
 * stats.h, "Distributions").
 *
 * Three things live here: the standard normal CDF in the form scipy uses
 * (scipy.special.ndtr: erf near 0, erfc in the tails, so neither tail loses
 * digits); the binomial pmf / cdf for the exact McNemar test, with the pmf
 * computed by Loader's saddle-point method (the one R's dbinom uses) so that
 * it keeps ~15 significant digits for n in the millions where
 * exp(lgamma(...)) would keep only ~9; and the exact null distribution of
 * the Wilcoxon signed-rank statistic W+ as integer counts, so that the
 * exact p-values scipy computes in floating point (all dyadic rationals
 * k / 2^n) come out bit-identical here.
 */
#include <float.h>
#include <math.h>

#include "assay/stats.h"

double as_norm_cdf(double x) {
    if (isnan(x)) return NAN;
    /* scipy.special.ndtr (cephes): the same branch points, libm erf/erfc. */
    double t = x * M_SQRT1_2, z = fabs(t);
    if (z < M_SQRT1_2) return 0.5 + 0.5 * erf(t);
    double y = 0.5 * erfc(z);
    return t > 0 ? 1.0 - y : y;
}

double as_norm_sf(double x) { return as_norm_cdf(-x); }

/* ---- binomial --------------------------------------------------------- */

/* stirlerr(n) = log(n!) - log(sqrt(2 pi n) (n/e)^n): the error of
 * Stirling's formula.  Exact values (40-digit mpmath) for n <= 15, the
 * asymptotic series beyond, as in Loader (2000) and R's stirlerr.c. */
static double stirlerr(double n) {
    static const double table[16] = {
        0.0, /* unused: n = 0 is handled by the callers */
        0.08106146679532725822, 0.041340695955409294094, 0.027677925684998339149,
        0.020790672103765093112, 0.016644691189821192163, 0.013876128823070747999,
        0.011896709945891770095, 0.010411265261972096497, 0.0092554621827127329177,
        0.0083305634333628712565, 0.007573675487951840795, 0.0069428401072095298657,
        0.0064089941880042070684, 0.0059513701127588477356, 0.005554733551962801371,
    };
    const double s0 = 1.0 / 12, s1 = 1.0 / 360, s2 = 1.0 / 1260, s3 = 1.0 / 1680,
                 s4 = 1.0 / 1188;
    if (n <= 15) return table[(int)n];
    double nn = n * n;
    if (n > 500) return (s0 - s1 / nn) / n;
    if (n > 80) return (s0 - (s1 - s2 / nn) / nn) / n;
    if (n > 35) return (s0 - (s1 - (s2 - s3 / nn) / nn) / nn) / n;
    return (s0 - (s1 - (s2 - (s3 - s4 / nn) / nn) / nn) / nn) / n;
}

/* bd0(x, np) = x log(x/np) + np - x, without cancellation when x ~ np. */
static double bd0(double x, double np) {
    if (fabs(x - np) < 0.1 * (x + np)) {
        double v = (x - np) / (x + np);
        double s = (x - np) * v;
        if (fabs(s) < DBL_MIN) return s;
        double ej = 2 * x * v;
        v *= v;
        for (int j = 1; j < 1000; j++) {
            ej *= v;
            double s1 = s + ej / (2 * j + 1);
            if (s1 == s) return s1;
            s = s1;
        }
    }
    return x * log(x / np) + np - x;
}

double as_binom_logpmf(uint64_t k, uint64_t n, double p) {
    if (!(p >= 0 && p <= 1)) return NAN;
    if (k > n) return -INFINITY;
    double q = 1 - p, x = (double)k, nn = (double)n;
    if (p == 0) return k == 0 ? 0 : -INFINITY;
    if (q == 0) return k == n ? 0 : -INFINITY;
    if (k == 0) {
        if (n == 0) return 0;
        return p < 0.1 ? -bd0(nn, nn * q) - nn * p : nn * log(q);
    }
    if (k == n) return q < 0.1 ? -bd0(nn, nn * p) - nn * q : nn * log(p);
    double lc = stirlerr(nn) - stirlerr(x) - stirlerr(nn - x) - bd0(x, nn * p) -
                bd0(nn - x, nn * q);
    double lf = log(2 * M_PI) + log(x) + log1p(-x / nn);
    return lc - 0.5 * lf;
}

double as_binom_pmf(uint64_t k, uint64_t n, double p) {
    return exp(as_binom_logpmf(k, n, p));
}

/* Sum of pmf(i) for i <= k, k below the mode: the terms fall going down,
 * by the ratio r_i = i q / ((n - i + 1) p), which itself falls with i, so
 * once t r / (1 - r) is negligible the rest of the tail is too. */
static double lower_tail(uint64_t k, uint64_t n, double p) {
    double q = 1 - p, t = as_binom_pmf(k, n, p), s = t;
    for (uint64_t i = k; i > 0 && t > 0; i--) {
        double r = (double)i * q / ((double)(n - i + 1) * p);
        t *= r;
        s += t;
        if (r < 1 && t * r / (1 - r) <= s * 1e-17) break;
    }
    return s;
}

/* Sum of pmf(i) for i > k, k at or above the mode (mirror of lower_tail). */
static double upper_tail(uint64_t k, uint64_t n, double p) {
    if (k >= n) return 0;
    double q = 1 - p, t = as_binom_pmf(k + 1, n, p), s = t;
    for (uint64_t i = k + 1; i < n && t > 0; i++) {
        double r = (double)(n - i) * p / ((double)(i + 1) * q);
        t *= r;
        s += t;
        if (r < 1 && t * r / (1 - r) <= s * 1e-17) break;
    }
    return s;
}

/* P(X <= k) for p = 1/2 and n <= 62, exactly: the binomial coefficients
 * of row n of Pascal's triangle (no overflow: C(62, 31) < 2^62), summed as
 * integers and scaled by 2^-n, so the McNemar p-values of small tables are
 * the exact dyadic fractions (0.0625, not 0.062499999999999993). */
#define EXACT_HALF_MAX_N 62
static double half_cdf_exact(uint64_t k, uint64_t n) {
    uint64_t row[EXACT_HALF_MAX_N + 1] = { 1 };
    for (uint64_t r = 1; r <= n; r++)
        for (uint64_t i = r; i > 0; i--) row[i] += row[i - 1];
    uint64_t sum = 0;
    for (uint64_t i = 0; i <= k && i <= n; i++) sum += row[i];
    return ldexp((double)sum, -(int)n);
}

double as_binom_cdf(uint64_t k, uint64_t n, double p) {
    if (!(p >= 0 && p <= 1)) return NAN;
    if (k >= n || p == 0) return 1;
    if (p == 1) return 0;
    if (p == 0.5 && n <= EXACT_HALF_MAX_N) return half_cdf_exact(k, n);
    double mode = floor(((double)n + 1) * p);
    if ((double)k < mode) return lower_tail(k, n, p);
    return 1 - upper_tail(k, n, p);
}

double as_binom_sf(uint64_t k, uint64_t n, double p) {
    if (!(p >= 0 && p <= 1)) return NAN;
    if (k >= n || p == 0) return 0;
    if (p == 1) return 1;
    if (p == 0.5 && n <= EXACT_HALF_MAX_N) return half_cdf_exact(n - k - 1, n);
    double mode = floor(((double)n + 1) * p);
    if ((double)k < mode) return 1 - lower_tail(k, n, p);
    return upper_tail(k, n, p);
}

/* ---- Wilcoxon signed-rank null distribution --------------------------- */

int as_wilcoxon_null_counts(unsigned n, uint64_t *counts) {
    if (n > AS_WILCOXON_COUNTS_MAX_N) return -1;
    size_t top = (size_t)n * (n + 1) / 2;
    for (size_t w = 0; w <= top; w++) counts[w] = 0;
    counts[0] = 1;
    /* Add rank k: every sign pattern of ranks 1..k-1 either leaves k out
     * (W+ unchanged) or puts it in (W+ += k).  Walk w downwards so that
     * counts[w - k] is still the old value. */
    for (unsigned k = 1; k <= n; k++) {
        size_t hi = (size_t)k * (k + 1) / 2;
        for (size_t w = hi; w >= k; w--) counts[w] += counts[w - k];
    }
    return 0;
}
