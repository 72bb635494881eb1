/*
 * stats.h - the statistics assay reports, as pure functions.
 *
 * Every interval is two-sided 95% unless a function takes the level.
 * The methods and their reference implementations (scipy / statsmodels)
 * are listed in docs/statistics.md; the unit tests check against values
 * those produce.
 */
#ifndef ASSAY_STATS_H
#define ASSAY_STATS_H
#include <stddef.h>
#include <stdint.h>

#include "assay/common.h"

/* Wilson score interval for k successes in n trials at confidence 1-alpha
 * (statsmodels proportion_confint(method="wilson")).  n == 0 -> [0, 1]. */
void as_wilson(uint64_t k, uint64_t n, double alpha, double *lo, double *hi);

/* Quantile of the standard normal distribution (p in (0, 1)). */
double as_norm_ppf(double p);
/* Quantile of Student's t with df degrees of freedom (p in (0, 1)). */
double as_t_ppf(double p, double df);

/* Running mean and variance (Welford): constant memory over any n. */
typedef struct as_moments {
    uint64_t n;
    double mean;
    double m2;
} as_moments;

void as_moments_add(as_moments *m, double x);
/* Sample standard deviation (n-1); 0 when n < 2. */
double as_moments_sd(const as_moments *m);
/* t-interval for the mean at confidence 1-alpha (scipy.stats.t.interval
 * with loc=mean, scale=sd/sqrt(n)); n < 2 -> lo = hi = mean. */
void as_mean_ci(const as_moments *m, double alpha, double *lo, double *hi);

/* Judge stability for one item answered n times: counts[l] answers per
 * label.  Flip probability = 1 - sum (n_l/n)^2 (two draws differ);
 * agreement = share of the majority label; unstable when the majority is
 * not strict or its share < 0.8. */
double as_flip_probability(const uint32_t *counts, size_t n_labels);
double as_majority_share(const uint32_t *counts, size_t n_labels, size_t *majority,
                         int *strict);

/* ======================================================================
 * Comparing two experiments on the same examples (paired).
 *
 * Everything below is a pure function of its inputs (the bootstrap is a
 * pure function of its inputs and a seed).  docs/statistics.md gives, per
 * method, the formula, the reference implementation it is tested against
 * (scipy 1.10 / statsmodels 0.13), and where assay deliberately differs.
 * Direction: "difference" always means B minus A, so a positive difference
 * means experiment B scored higher.  Results are returned in caller-owned
 * structs and arrays; nothing here hands back memory to free.
 * ====================================================================== */

/* ---- Distributions (src/stats/dist.c) --------------------------------- */

/* Standard normal CDF and survival function, as scipy.special.ndtr
 * (erf near 0, erfc in the tails: no tail loses relative precision). */
double as_norm_cdf(double x);
double as_norm_sf(double x);

/* Binomial(n, p): P(X = k), P(X <= k), P(X > k).  Relative accuracy
 * ~1e-13 or better (checked to n = 10^7 against 40-digit mpmath; scipy's
 * own binom is less accurate past n ~ 10^5): Loader's saddle-point pmf, the
 * smaller tail summed outwards from k; exact dyadic sums for p = 1/2 and
 * n <= 62.  p outside [0, 1] -> NaN; k >= n -> cdf 1, sf 0. */
double as_binom_pmf(uint64_t k, uint64_t n, double p);
double as_binom_logpmf(uint64_t k, uint64_t n, double p); /* log P(X = k) */
double as_binom_cdf(uint64_t k, uint64_t n, double p);
double as_binom_sf(uint64_t k, uint64_t n, double p);

/* Exact null distribution of the Wilcoxon signed-rank statistic W+ for n
 * untied, non-zero differences: counts[w] (w = 0 .. n(n+1)/2) is the number
 * of the 2^n sign patterns whose positive ranks sum to w, so
 * P(W+ = w) = counts[w] / 2^n exactly.  counts must hold n(n+1)/2 + 1
 * entries.  Returns 0, or -1 when n > AS_WILCOXON_COUNTS_MAX_N (the counts
 * would overflow 64 bits). */
#define AS_WILCOXON_COUNTS_MAX_N 62u
int as_wilcoxon_null_counts(unsigned n, uint64_t *counts);

/* ---- Reproducible randomness (src/stats/bootstrap.c) ------------------ */

/* xoshiro256** 1.0 (Blackman & Vigna), its 256-bit state filled from the
 * 64-bit seed by splitmix64.  The same seed gives the same stream on every
 * platform.  Never rand(). */
typedef struct as_rng {
    uint64_t s[4];
} as_rng;

void as_rng_seed(as_rng *rng, uint64_t seed);
uint64_t as_rng_next(as_rng *rng);
/* Uniform integer in [0, bound), bound in [1, 2^32] (Lemire's unbiased
 * multiply-and-reject); bound 0 -> 0. */
uint64_t as_rng_below(as_rng *rng, uint64_t bound);
/* Uniform double in [0, 1) with 53 random bits. */
double as_rng_uniform(as_rng *rng);
/* Binomial(n, p) variate: inversion when min(p, 1-p) * n < 10, otherwise
 * Hormann's BTRS (transformed rejection with squeeze; exact). */
uint64_t as_rng_binomial(as_rng *rng, uint64_t n, double p);

/* ---- Bootstrap of a mean (src/stats/bootstrap.c) ----------------------- */

/* A zeroed as_boot_opts asks for scipy's defaults: BCa, 9999 resamples,
 * 95%, seed 0. */
typedef enum as_boot_method {
    AS_BOOT_BCA = 0,        /* scipy.stats.bootstrap(method="BCa"), its default */
    AS_BOOT_PERCENTILE = 1  /* scipy.stats.bootstrap(method="percentile")      */
} as_boot_method;

#define AS_BOOT_DEFAULT_RESAMPLES 9999u   /* scipy's default            */
#define AS_BOOT_MAX_RESAMPLES 10000000u   /* memory bound: 80 MB        */

typedef struct as_boot_opts {
    as_boot_method method;
    uint32_t n_resamples; /* 0 -> AS_BOOT_DEFAULT_RESAMPLES             */
    double confidence;    /* two-sided level; 0 -> 0.95                 */
    uint64_t seed;        /* same inputs + same seed -> same interval   */
} as_boot_opts;

typedef struct as_boot_result {
    double estimate;    /* the statistic on the sample itself            */
    double lo, hi;      /* the interval (NaN when BCa is undefined)      */
    double se;          /* sd of the bootstrap distribution, ddof = 1
                           (scipy's standard_error); NaN when B < 2      */
    double z0;          /* BCa bias correction ndtri(share below)        */
    double accel;       /* BCa jackknife acceleration (NaN: constant data) */
    double level_lo, level_hi; /* percentiles taken, as fractions in [0,1] */
    uint32_t n_resamples;
    int degenerate;     /* 1: every resample gives the same value (constant
                           data); lo = hi = estimate for both methods     */
} as_boot_result;

/* Interval for the mean of x[0..n-1] by resampling n indices with
 * replacement B times.  The bootstrap distribution, z0, the acceleration
 * and the percentiles follow scipy 1.10 exactly (docs/statistics.md); only
 * the random stream differs (as_rng instead of numpy's MT19937).
 * Errors: n < 2 -> AS_EINVAL (scipy raises too); a non-finite value ->
 * AS_EINVAL; n > UINT32_MAX or B > AS_BOOT_MAX_RESAMPLES -> AS_ETOOBIG; BCa
 * undefined (the observed mean outside the bootstrap distribution and a
 * non-zero acceleration; scipy returns NaN) -> AS_EUNPROCESSABLE with lo,
 * hi NaN and every other field filled.  Constant data -> AS_OK,
 * degenerate = 1, lo = hi = the value (scipy's BCa gives NaN there).
 * Time O(B n), memory O(B + n). */
as_rc as_bootstrap_mean(const double *x, size_t n, const as_boot_opts *opts,
                        as_boot_result *out, as_err *err);

/* Paired bootstrap of the mean difference B - A: resamples example
 * indices, the same index for a and b (scipy.stats.bootstrap((a, b),
 * stat, paired=True)).  Same rules and errors as as_bootstrap_mean. */
as_rc as_bootstrap_mean_diff(const double *a, const double *b, size_t n,
                             const as_boot_opts *opts, as_boot_result *out,
                             as_err *err);

/* The same bootstrap for a discrete sample given as a histogram: value[i]
 * occurs count[i] times (N = sum of counts items).  A resample is one
 * multinomial(N, count/N) draw, so time is O(B k) and memory O(B + k) for
 * k distinct values, whatever N (a million flip probabilities take as long
 * as ten).  The distribution is the same as as_bootstrap_mean on the
 * expanded sample; the random stream is not.  Errors as as_bootstrap_mean
 * (N < 2 -> AS_EINVAL). */
as_rc as_bootstrap_mean_hist(const double *value, const uint64_t *count, size_t k,
                             const as_boot_opts *opts, as_boot_result *out,
                             as_err *err);

/* The deterministic parts, exposed for the oracle tests and for callers
 * with their own resampling. */

/* qsort comparator of doubles, ascending. */
int as_cmp_double(const void *a, const void *b);

/* The nearest-rank quantile: the value at 1-based rank ceil(p * n) of
 * sorted (ascending, n >= 1), p in [0, 1]; ranks clamped to [1, n]. */
double as_quantile_nearest_rank(const double *sorted, size_t n, double p);

/* numpy.percentile(sorted, q) with the default "linear" method, q in
 * [0, 100], including numpy's two-sided lerp; sorted ascending, n >= 1. */
double as_percentile_sorted(const double *sorted, size_t n, double q);

/* Jackknife acceleration of the mean, scipy's a_hat:
 * sum d^3 / (6 (sum d^2)^1.5), d = x - mean.  NaN for constant data. */
double as_jackknife_accel_mean(const double *x, size_t n);

/* Turn a bootstrap distribution theta_b[0..B-1] (sorted in place) into
 * the interval of opts->method at opts->confidence (opts->n_resamples and
 * opts->seed are not used): percentile, or BCa with z0 from theta_hat and
 * the given acceleration.  Fills every field of out (estimate = theta_hat,
 * n_resamples = B).  Returns AS_OK, AS_EINVAL (B == 0 or B > UINT32_MAX), or
 * AS_EUNPROCESSABLE (BCa undefined, lo/hi NaN). */
as_rc as_bootstrap_interval(double *theta_b, size_t B, double theta_hat, double accel,
                            const as_boot_opts *opts, as_boot_result *out, as_err *err);

/* ---- Paired binary outcomes (src/stats/paired.c) ---------------------- */

/* The 2x2 table of pass/fail counts over the examples, A against B. */
typedef struct as_paired_table {
    uint64_t a; /* A pass, B pass */
    uint64_t b; /* A pass, B fail */
    uint64_t c; /* A fail, B pass */
    uint64_t d; /* A fail, B fail */
} as_paired_table;

/* Exact McNemar test, as statsmodels mcnemar([[a, b], [c, d]], exact=True):
 * statistic = min(b, c); p = min(1, 2 P(X <= min(b, c))), X ~ Bin(b + c,
 * 1/2).  No discordant pairs (b = c = 0) -> statistic 0, p = 1. */
double as_mcnemar_exact_p(uint64_t b, uint64_t c);

/* Difference of paired proportions p_B - p_A = (c - b) / n with a two-sided
 * 1-alpha interval.
 *  - Newcombe (1998) method 10, the hybrid score interval: Wilson intervals
 *    for p_A and p_B combined with the phi correlation of the table (phi = 0
 *    when a margin is empty; docs/statistics.md has the formula).  With no
 *    discordant pairs it is narrow around 0, and of zero width when the
 *    pass rates are exactly 1/2 (phi = 1): McNemar's p = 1 keeps the verdict
 *    undecided then.
 *  - Wald: (c-b)/n -+ z sqrt((b+c) - (c-b)^2/n) / n, z = as_norm_ppf(1 -
 *    alpha/2), clipped to [-1, 1]; it collapses to [0, 0] whenever b = c = 0.
 * n = 0 -> estimate 0, interval [-1, 1]. */
void as_paired_diff_newcombe(const as_paired_table *t, double alpha, double *estimate,
                             double *lo, double *hi);
void as_paired_diff_wald(const as_paired_table *t, double alpha, double *estimate,
                         double *lo, double *hi);

/* ---- Wilcoxon signed-rank test (src/stats/paired.c) ------------------- */

typedef enum as_wilcoxon_method {
    AS_WILCOXON_NONE = 0, /* no test possible: n = 0 or every difference 0 */
    AS_WILCOXON_EXACT,    /* exact null distribution                      */
    AS_WILCOXON_APPROX    /* normal approximation, tie-corrected variance */
} as_wilcoxon_method;

/* scipy 1.10 uses the exact distribution when n <= 50 and no difference is
 * zero; ties do not matter for the choice. */
#define AS_WILCOXON_EXACT_MAX_N 50u

typedef struct as_wilcoxon_result {
    double statistic; /* min(W+, W-) (scipy's two-sided statistic); NaN if none */
    double pvalue;    /* two-sided; NaN when method is NONE                    */
    double z;         /* (T - n(n+1)/4) / se for APPROX, else NaN              */
    double w_plus, w_minus; /* rank sums of positive / negative differences    */
    size_t n;         /* pairs given                                           */
    size_t n_zero;    /* differences exactly 0 (dropped: zero_method="wilcox") */
    size_t n_used;    /* non-zero differences ranked                          */
    int ties;         /* 1: some |d| tied (average ranks used).  Under EXACT
                         scipy then evaluates the untied distribution at
                         floor(W+): the p-value is approximate and depends on
                         the order of a and b when W+ is a half-integer.      */
    as_wilcoxon_method method;
} as_wilcoxon_result;

/* scipy.stats.wilcoxon(a, b, zero_method="wilcox", correction=False,
 * alternative="two-sided", method="auto") on d = a - b, bit for bit where
 * the arithmetic allows.  n = 0 -> method NONE, NaN statistic and p (as
 * scipy); every d zero -> method NONE, statistic NaN, p NaN (scipy raises).
 * Errors: a non-finite value, or a - b overflowing to infinity -> AS_EINVAL. */
as_rc as_wilcoxon(const double *a, const double *b, size_t n, as_wilcoxon_result *out,
                  as_err *err);
const char *as_wilcoxon_method_name(as_wilcoxon_method m); /* "exact", ... */

/* ---- Several comparisons at once (src/stats/paired.c) ----------------- */

/* Holm-Bonferroni step-down adjusted p-values, as statsmodels
 * multipletests(p, method="holm")[1]: sort ascending, multiply the i-th
 * smallest (0-based) by m - i, running maximum, cap at 1, original order.
 * adjusted may alias p.  m = 0 -> nothing to do.  A p outside [0, 1] or NaN
 * -> AS_EINVAL (adjusted untouched). */
as_rc as_holm(const double *p, size_t m, double *adjusted, as_err *err);

/* ---- Examples needed (src/stats/paired.c) ----------------------------- */

typedef struct as_examples_needed {
    int estimable; /* 0: no difference observed (or no data): no estimate   */
    double raw;    /* the formula's value before rounding up                */
    uint64_t n;    /* ceil(raw), at least 2 (paired t) / 1 (McNemar)        */
    double alpha;  /* the level and power it was computed for (wording)     */
    double power;
} as_examples_needed;

/* Connor (1987): pairs needed for a two-sided McNemar test at level alpha
 * with the given power, taking the observed discordance rates as the truth:
 * psi = (b + c)/n, delta = (c - b)/n,
 * n = (z_{1-alpha/2} sqrt(psi) + z_{power} sqrt(psi - delta^2))^2 / delta^2.
 * Not estimable when b = c (delta = 0) or n = 0. */
as_examples_needed as_examples_needed_mcnemar(uint64_t b, uint64_t c, uint64_t n,
                                              double alpha, double power);

/* Paired-t (normal) approximation for scores: sd_diff the sample standard
 * deviation of the differences, mean_diff their mean:
 * n = ((z_{1-alpha/2} + z_{power}) sd_diff / mean_diff)^2.
 * Not estimable when mean_diff = 0 or an input is not finite. */
as_examples_needed as_examples_needed_paired_t(double mean_diff, double sd_diff,
                                               double alpha, double power);

/* ---- Verdict (src/stats/paired.c) ------------------------------------- */

typedef enum as_cmp_verdict {
    AS_CMP_UNDECIDED = 0, /* "not distinguishable yet" */
    AS_CMP_BETTER,        /* "B better"                */
    AS_CMP_WORSE          /* "B worse"                 */
} as_cmp_verdict;

/* BETTER when p_adjusted < 0.05 and lo > 0, WORSE when p_adjusted < 0.05
 * and hi < 0, otherwise UNDECIDED (also for any NaN, and when the test and
 * the interval disagree).  [lo, hi] is the interval of B - A. */
as_cmp_verdict as_cmp_verdict_of(double p_adjusted, double lo, double hi);
/* Stable machine name: "better", "worse", "not_distinguishable". */
const char *as_cmp_verdict_name(as_cmp_verdict v);
/* Wording for people: "B better", "B worse", "not distinguishable yet". */
const char *as_cmp_verdict_wording(as_cmp_verdict v);
/* One line for reports, e.g. "not distinguishable yet (estimate: about
 * 240 examples would detect a difference this size with 80% power)".
 * need may be NULL.  Always NUL-terminates (size > 0); returns the length
 * the full line needs, as snprintf. */
size_t as_cmp_verdict_describe(char *buf, size_t size, as_cmp_verdict v,
                           const as_examples_needed *need);

#endif
