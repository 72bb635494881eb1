/*
 * stats.c - basic intervals and moments (see stats.h).
 */
#include <math.h>

#include "assay/stats.h"

/* Acklam's rational approximation refined by one Halley step on erfc:
 * accurate to ~1e-15 over (0, 1). */
double as_norm_ppf(double p) {
    static const double a[] = { -3.969683028665376e+01, 2.209460984245205e+02,
                                -2.759285104469687e+02, 1.383577518672690e+02,
                                -3.066479806614716e+01, 2.506628277459239e+00 };
    static const double b[] = { -5.447609879822406e+01, 1.615858368580409e+02,
                                -1.556989798598866e+02, 6.680131188771972e+01,
                                -1.328068155288572e+01 };
    static const double c[] = { -7.784894002430293e-03, -3.223964580411365e-01,
                                -2.400758277161838e+00, -2.549732539343734e+00,
                                4.374664141464968e+00, 2.938163982698783e+00 };
    static const double d[] = { 7.784695709041462e-03, 3.224671290700398e-01,
                                2.445134137142996e+00, 3.754408661907416e+00 };
    if (!(p > 0 && p < 1)) return p == 0 ? -INFINITY : p == 1 ? INFINITY : NAN;
    double q, r, x;
    if (p < 0.02425) {
        q = sqrt(-2 * log(p));
        x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
            ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    } else if (p > 1 - 0.02425) {
        q = sqrt(-2 * log(1 - p));
        x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
            ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    } else {
        q = p - 0.5;
        r = q * q;
        x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
            (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
    }
    double e = 0.5 * erfc(-x / sqrt(2)) - p;          /* Halley refinement */
    double u = e * sqrt(2 * M_PI) * exp(x * x / 2);
    return x - u / (1 + x * u / 2);
}

/* Regularised incomplete beta I_x(a, b) by Lentz's continued fraction. */
static double betacf(double a, double b, double x) {
    const double tiny = 1e-300;
    double qab = a + b, qap = a + 1, qam = a - 1, c = 1, d = 1 - qab * x / qap;
    if (fabs(d) < tiny) d = tiny;
    d = 1 / d;
    double h = d;
    for (int m = 1; m <= 300; m++) {
        int m2 = 2 * m;
        double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1 + aa * d; if (fabs(d) < tiny) d = tiny;
        c = 1 + aa / c; if (fabs(c) < tiny) c = tiny;
        d = 1 / d; h *= d * c;
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1 + aa * d; if (fabs(d) < tiny) d = tiny;
        c = 1 + aa / c; if (fabs(c) < tiny) c = tiny;
        d = 1 / d;
        double del = d * c;
        h *= del;
        if (fabs(del - 1) < 1e-15) break;
    }
    return h;
}

static double ibeta(double a, double b, double x) {
    if (x <= 0) return 0;
    if (x >= 1) return 1;
    double lbt = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log(1 - x);
    if (x < (a + 1) / (a + b + 2)) return exp(lbt) * betacf(a, b, x) / a;
    return 1 - exp(lbt) * betacf(b, a, 1 - x) / b;
}

static double t_cdf(double t, double df) {
    double x = df / (df + t * t);
    double tail = 0.5 * ibeta(df / 2, 0.5, x);
    return t > 0 ? 1 - tail : tail;
}

double as_t_ppf(double p, double df) {
    if (!(p > 0 && p < 1) || !(df > 0)) return NAN;
    if (p == 0.5) return 0;
    double x = as_norm_ppf(p);               /* start from the normal quantile */
    if (df > 1e7) return x;
    double lo = x < 0 ? x * 64 - 10 : -1, hi = x < 0 ? 1 : x * 64 + 10;
    for (int i = 0; i < 200; i++) {          /* bisection: robust for df >= 1 */
        double mid = (lo + hi) / 2;
        if (t_cdf(mid, df) < p) lo = mid;
        else hi = mid;
        if (hi - lo < 1e-13 * (1 + fabs(mid))) break;
    }
    return (lo + hi) / 2;
}

void as_wilson(uint64_t k, uint64_t n, double alpha, double *lo, double *hi) {
    if (n == 0) { *lo = 0; *hi = 1; return; }
    double z = as_norm_ppf(1 - alpha / 2), nn = (double)n, p = (double)k / nn;
    double denom = 1 + z * z / nn;
    double centre = (p + z * z / (2 * nn)) / denom;
    double half = z * sqrt(p * (1 - p) / nn + z * z / (4 * nn * nn)) / denom;
    *lo = centre - half < 0 ? 0 : centre - half;
    *hi = centre + half > 1 ? 1 : centre + half;
}

void as_moments_add(as_moments *m, double x) {
    m->n++;
    double d = x - m->mean;
    m->mean += d / (double)m->n;
    m->m2 += d * (x - m->mean);
}

double as_moments_sd(const as_moments *m) {
    return m->n < 2 ? 0 : sqrt(m->m2 / (double)(m->n - 1));
}

void as_mean_ci(const as_moments *m, double alpha, double *lo, double *hi) {
    if (m->n < 2) { *lo = *hi = m->mean; return; }
    double se = as_moments_sd(m) / sqrt((double)m->n);
    double t = as_t_ppf(1 - alpha / 2, (double)(m->n - 1));
    *lo = m->mean - t * se;
    *hi = m->mean + t * se;
}

double as_flip_probability(const uint32_t *counts, size_t n_labels) {
    double total = 0, sq = 0;
    for (size_t i = 0; i < n_labels; i++) total += counts[i];
    if (total == 0) return 0;
    for (size_t i = 0; i < n_labels; i++) sq += ((double)counts[i] / total) * ((double)counts[i] / total);
    return 1 - sq;
}

double as_majority_share(const uint32_t *counts, size_t n_labels, size_t *majority,
                         int *strict) {
    double total = 0;
    size_t best = 0;
    int ties = 0;
    for (size_t i = 0; i < n_labels; i++) {
        total += counts[i];
        if (counts[i] > counts[best]) { best = i; ties = 0; }
        else if (i != best && counts[i] == counts[best]) ties++;
    }
    if (majority) *majority = best;
    if (strict) *strict = ties == 0 && total > 0;
    return total > 0 ? counts[best] / total : 0;
}

int as_cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double as_quantile_nearest_rank(const double *sorted, size_t n, double p) {
    size_t r = (size_t)ceil(p * (double)n);
    if (r < 1) r = 1;
    if (r > n) r = n;
    return sorted[r - 1];
}
