/*
 * bootstrap.c - reproducible bootstrap intervals for a mean, a paired mean
 * difference and a histogram's mean (see stats.h, "Bootstrap").
 *
 * The interval arithmetic follows scipy 1.10's scipy.stats.bootstrap line by
 * line (_resampling.py: _percentile_of_score, _bca_interval, np.percentile's
 * "linear" method with its two-sided lerp), so that given the same bootstrap
 * distribution the two produce the same interval; tests/stats/paired_check.py
 * feeds scipy's own distribution through as_bootstrap_interval to hold us to
 * that.
 * The random stream is ours: xoshiro256** seeded by splitmix64, so that an
 * assay report can be recomputed bit for bit from its seed.
 *
 * One deliberate detail: a resample's mean is computed from how many times
 * each example was drawn, summed in example order (sum count_i x_i / n), not
 * in draw order.  Two resamples that draw the same multiset then give the
 * same double, and a resample that draws every example once gives exactly
 * the observed mean, so the "share of resamples below the observed mean"
 * that BCa's z0 counts is not disturbed by summation-order rounding.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "assay/alloc.h"
#include "assay/stats.h"

/* ---- xoshiro256** ------------------------------------------------------ */

static uint64_t splitmix64(uint64_t *x) {
    uint64_t z = (*x += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

void as_rng_seed(as_rng *rng, uint64_t seed) {
    uint64_t x = seed;
    for (int i = 0; i < 4; i++) rng->s[i] = splitmix64(&x);
}

uint64_t as_rng_next(as_rng *rng) {
    uint64_t *s = rng->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

uint64_t as_rng_below(as_rng *rng, uint64_t bound) {
    if (bound <= 1) return 0;
    if (bound <= (UINT64_C(1) << 32)) {
        /* Lemire (2019): the high half of a 32x32-bit product, rejecting
         * the few low halves that would make some results likelier. */
        uint64_t m = (as_rng_next(rng) >> 32) * bound;
        uint32_t l = (uint32_t)m;
        if (l < bound) {
            uint64_t t = ((UINT64_C(1) << 32) - bound) % bound;
            while (l < t) {
                m = (as_rng_next(rng) >> 32) * bound;
                l = (uint32_t)m;
            }
        }
        return m >> 32;
    }
    /* Larger bounds (not used by the bootstrap): masked rejection. */
    uint64_t mask = bound - 1;
    mask |= mask >> 1; mask |= mask >> 2; mask |= mask >> 4;
    mask |= mask >> 8; mask |= mask >> 16; mask |= mask >> 32;
    uint64_t x;
    do x = as_rng_next(rng) & mask; while (x >= bound);
    return x;
}

double as_rng_uniform(as_rng *rng) {
    return (double)(as_rng_next(rng) >> 11) * 0x1.0p-53;
}

/* Inversion by sequential search (numpy's random_binomial_inversion);
 * used when n p < 10, so the search is short. */
static uint64_t binomial_inversion(as_rng *rng, uint64_t n, double p) {
    double q = 1 - p, qn = exp((double)n * log1p(-p)), np = (double)n * p;
    double bound = fmin((double)n, np + 10 * sqrt(np * q + 1));
    uint64_t x = 0;
    double px = qn, u = as_rng_uniform(rng);
    while (u > px) {
        x++;
        if ((double)x > bound) {
            x = 0;
            px = qn;
            u = as_rng_uniform(rng);
        } else {
            u -= px;
            px = ((double)(n - x + 1) * p * px) / ((double)x * q);
        }
    }
    return x;
}

/* Hormann (1993) BTRS, for n p >= 10 and p <= 1/2.  The acceptance test
 * compares against log(pmf(k) / pmf(m)), computed with Loader's log-pmf
 * (thread-safe, unlike lgamma's signgam). */
static uint64_t binomial_btrs(as_rng *rng, uint64_t n, double p) {
    double nn = (double)n, q = 1 - p, spq = sqrt(nn * p * q);
    double b = 1.15 + 2.53 * spq;
    double a = -0.0873 + 0.0248 * b + 0.01 * p;
    double c = nn * p + 0.5;
    double vr = 0.92 - 4.2 / b;
    double alpha = (2.83 + 5.1 / b) * spq;
    uint64_t m = (uint64_t)floor((nn + 1) * p);
    double lm = as_binom_logpmf(m, n, p);
    for (;;) {
        double u = as_rng_uniform(rng) - 0.5;
        double v = as_rng_uniform(rng);
        double us = 0.5 - fabs(u);
        if (us <= 0) continue;                /* u = -1/2 exactly */
        double kf = floor((2 * a / us + b) * u + c);
        if (!(kf >= 0 && kf <= nn)) continue;
        uint64_t k = (uint64_t)kf;
        if (us >= 0.07 && v <= vr) return k;
        v = log(v * alpha / (a / (us * us) + b));
        if (v <= as_binom_logpmf(k, n, p) - lm) return k;
    }
}

uint64_t as_rng_binomial(as_rng *rng, uint64_t n, double p) {
    if (n == 0 || !(p > 0)) return 0;
    if (p >= 1) return n;
    if (p > 0.5) return n - as_rng_binomial(rng, n, 1 - p);
    if ((double)n * p < 10) return binomial_inversion(rng, n, p);
    return binomial_btrs(rng, n, p);
}

/* ---- the interval from a bootstrap distribution ----------------------- */

double as_percentile_sorted(const double *sorted, size_t n, double q) {
    /* numpy 1.24 percentile -> _quantile, method "linear": q / 100, virtual
     * index (n - 1) q, neighbours floor / floor + 1 clamped to the ends,
     * and _lerp, which interpolates from the nearer end. */
    double qq = q / 100;
    double vi = (double)(n - 1) * qq;
    if (!(vi >= 0)) return isnan(vi) ? NAN : sorted[0];
    if (vi >= (double)(n - 1)) return sorted[n - 1];
    size_t lo = (size_t)floor(vi);
    double gamma = vi - (double)lo;
    double a = sorted[lo], b = sorted[lo + 1], diff = b - a;
    return gamma >= 0.5 ? b - diff * (1 - gamma) : a + diff * gamma;
}

/* Number of elements < v and <= v in a sorted array. */
static void count_below(const double *s, size_t n, double v, size_t *lt, size_t *le) {
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s[mid] < v) lo = mid + 1;
        else hi = mid;
    }
    *lt = lo;
    hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s[mid] <= v) lo = mid + 1;
        else hi = mid;
    }
    *le = lo;
}

static as_rc resolve_opts(const as_boot_opts *in, as_boot_opts *o, as_err *err) {
    static const as_boot_opts zero;
    *o = in ? *in : zero;
    if (o->n_resamples == 0) o->n_resamples = AS_BOOT_DEFAULT_RESAMPLES;
    if (o->confidence == 0) o->confidence = 0.95;
    if (o->method != AS_BOOT_BCA && o->method != AS_BOOT_PERCENTILE)
        return as_err_set(err, AS_EINVAL, "bootstrap: unknown method %d", (int)o->method);
    if (!(o->confidence > 0 && o->confidence < 1))
        return as_err_set(err, AS_EINVAL, "bootstrap: confidence must be in (0, 1), got %g",
                          o->confidence);
    if (o->n_resamples > AS_BOOT_MAX_RESAMPLES)
        return as_err_set(err, AS_ETOOBIG, "bootstrap: %u resamples is over the limit of %u",
                          o->n_resamples, AS_BOOT_MAX_RESAMPLES);
    return AS_OK;
}

as_rc as_bootstrap_interval(double *theta_b, size_t B, double theta_hat, double accel,
                            const as_boot_opts *opts, as_boot_result *out, as_err *err) {
    as_boot_opts o;
    as_rc rc = resolve_opts(opts, &o, err);
    if (rc != AS_OK) return rc;
    if (B == 0 || B > UINT32_MAX)
        return as_err_set(err, AS_EINVAL, "bootstrap: %zu resamples", B);
    qsort(theta_b, B, sizeof *theta_b, as_cmp_double);

    memset(out, 0, sizeof *out);
    out->estimate = theta_hat;
    out->accel = accel;
    out->n_resamples = (uint32_t)B;
    out->degenerate = theta_b[0] == theta_b[B - 1];

    /* standard_error = np.std(theta_hat_b, ddof=1) */
    double mean = 0, ss = 0;
    for (size_t i = 0; i < B; i++) mean += theta_b[i];
    mean /= (double)B;
    for (size_t i = 0; i < B; i++) ss += (theta_b[i] - mean) * (theta_b[i] - mean);
    out->se = B > 1 ? sqrt(ss / (double)(B - 1)) : NAN;

    /* z0 = ndtri(((theta_b < theta_hat).sum() + (theta_b <= theta_hat).sum()) / (2 B)) */
    size_t lt, le;
    count_below(theta_b, B, theta_hat, &lt, &le);
    out->z0 = as_norm_ppf((double)(lt + le) / (2 * (double)B));

    double alpha = (1 - o.confidence) / 2;
    if (o.method == AS_BOOT_PERCENTILE) {
        out->level_lo = alpha;
        out->level_hi = 1 - alpha;
    } else {
        double z_alpha = as_norm_ppf(alpha), z_1alpha = -z_alpha;
        double num1 = out->z0 + z_alpha;
        double num2 = out->z0 + z_1alpha;
        out->level_lo = as_norm_cdf(out->z0 + num1 / (1 - accel * num1));
        out->level_hi = as_norm_cdf(out->z0 + num2 / (1 - accel * num2));
        if (isnan(accel) && out->degenerate) {
            /* Constant data: every resample is the observed value.  scipy
             * returns NaN here; the honest interval is the point. */
            out->level_lo = alpha;
            out->level_hi = 1 - alpha;
        } else if (isnan(out->level_lo) || isnan(out->level_hi)) {
            out->lo = out->hi = NAN;
            return as_err_set(err, AS_EUNPROCESSABLE,
                              "bootstrap: the BCa interval is undefined (observed value "
                              "outside the bootstrap distribution); use the percentile "
                              "interval");
        }
    }
    out->lo = as_percentile_sorted(theta_b, B, out->level_lo * 100);
    out->hi = as_percentile_sorted(theta_b, B, out->level_hi * 100);
    return AS_OK;
}

double as_jackknife_accel_mean(const double *x, size_t n) {
    if (n < 2) return NAN;
    int constant = 1;
    double mean = 0;
    for (size_t i = 0; i < n; i++) {
        mean += x[i];
        if (x[i] != x[0]) constant = 0;
    }
    if (constant) return NAN;
    mean /= (double)n;
    double corr = 0;                    /* second pass: refine the mean */
    for (size_t i = 0; i < n; i++) corr += x[i] - mean;
    mean += corr / (double)n;
    /* U_i = (n-1)(mean of jackknife means - i-th jackknife mean) = x_i - mean,
     * so a_hat = sum U^3 / (6 (sum U^2)^1.5) (the n powers cancel). */
    double s2 = 0, s3 = 0;
    for (size_t i = 0; i < n; i++) {
        double d = x[i] - mean;
        s2 += d * d;
        s3 += d * d * d;
    }
    return s3 / (6 * pow(s2, 1.5));
}

/* ---- resampling -------------------------------------------------------- */

static as_rc check_finite(const double *x, size_t n, const char *what, as_err *err) {
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i]))
            return as_err_set(err, AS_EINVAL, "bootstrap: %s[%zu] is not a finite number",
                              what, i);
    return AS_OK;
}

/* Every value equal: the interval is that value, flagged degenerate
 * (scipy returns NaN for BCa here). */
static as_rc constant_result(as_boot_result *out, const as_boot_opts *o, double v) {
    memset(out, 0, sizeof *out);
    out->estimate = out->lo = out->hi = v;
    out->se = 0;
    out->z0 = 0;
    out->accel = NAN;
    out->level_lo = (1 - o->confidence) / 2;
    out->level_hi = 1 - out->level_lo;
    out->n_resamples = o->n_resamples;
    out->degenerate = 1;
    return AS_OK;
}

static as_rc boot_array(const double *x, size_t n, const as_boot_opts *opts,
                        as_boot_result *out, as_err *err) {
    as_boot_opts o;
    as_rc rc = resolve_opts(opts, &o, err);
    if (rc != AS_OK) return rc;
    if (n < 2)
        return as_err_set(err, AS_EINVAL,
                          "bootstrap: needs at least 2 observations, got %zu", n);
    if (n > UINT32_MAX)
        return as_err_set(err, AS_ETOOBIG, "bootstrap: %zu observations (use the histogram form)",
                          n);
    int constant = 1;
    for (size_t i = 1; i < n && constant; i++) constant = x[i] == x[0];
    if (constant) return constant_result(out, &o, x[0]);

    double sum = 0;
    for (size_t i = 0; i < n; i++) sum += x[i];
    double theta_hat = sum / (double)n;

    as_rng rng;
    as_rng_seed(&rng, o.seed);
    uint32_t *counts = as_xmalloc(n * sizeof *counts);
    double *theta_b = as_xmalloc((size_t)o.n_resamples * sizeof *theta_b);
    for (uint32_t r = 0; r < o.n_resamples; r++) {
        memset(counts, 0, n * sizeof *counts);
        for (size_t j = 0; j < n; j++) counts[as_rng_below(&rng, n)]++;
        double s = 0;
        for (size_t i = 0; i < n; i++) s += (double)counts[i] * x[i];
        theta_b[r] = s / (double)n;
    }
    rc = as_bootstrap_interval(theta_b, o.n_resamples, theta_hat,
                               as_jackknife_accel_mean(x, n), &o, out, err);
    free(theta_b);
    free(counts);
    return rc;
}

as_rc as_bootstrap_mean(const double *x, size_t n, const as_boot_opts *opts,
                        as_boot_result *out, as_err *err) {
    as_rc rc = check_finite(x, n, "x", err);
    if (rc != AS_OK) return rc;
    return boot_array(x, n, opts, out, err);
}

as_rc as_bootstrap_mean_diff(const double *a, const double *b, size_t n,
                             const as_boot_opts *opts, as_boot_result *out,
                             as_err *err) {
    as_rc rc = check_finite(a, n, "a", err);
    if (rc == AS_OK) rc = check_finite(b, n, "b", err);
    if (rc != AS_OK) return rc;
    /* Resampling indices and taking mean(b[i]) - mean(a[i]) is resampling
     * the differences b - a: same distribution, one subtraction per pair. */
    double *d = as_xmalloc((n ? n : 1) * sizeof *d);
    for (size_t i = 0; i < n; i++) d[i] = b[i] - a[i];
    rc = check_finite(d, n, "b - a", err);
    if (rc == AS_OK) rc = boot_array(d, n, opts, out, err);
    free(d);
    return rc;
}

as_rc as_bootstrap_mean_hist(const double *value, const uint64_t *count, size_t k,
                             const as_boot_opts *opts, as_boot_result *out,
                             as_err *err) {
    as_boot_opts o;
    as_rc rc = resolve_opts(opts, &o, err);
    if (rc != AS_OK) return rc;
    rc = check_finite(value, k, "value", err);
    if (rc != AS_OK) return rc;
    uint64_t total = 0;
    size_t first = k, last = 0;
    int constant = 1;
    for (size_t i = 0; i < k; i++) {
        if (count[i] == 0) continue;
        if (total + count[i] < total || total + count[i] > (UINT64_C(1) << 53))
            return as_err_set(err, AS_ETOOBIG, "bootstrap: more than 2^53 items");
        total += count[i];
        if (first == k) first = i;
        else if (value[i] != value[first]) constant = 0;
        last = i;
    }
    if (total < 2)
        return as_err_set(err, AS_EINVAL,
                          "bootstrap: needs at least 2 observations, got %llu",
                          (unsigned long long)total);
    double nn = (double)total;
    if (constant) return constant_result(out, &o, value[last]);   /* one distinct value */

    double s = 0;
    for (size_t i = 0; i < k; i++) s += (double)count[i] * value[i];
    double theta_hat = s / nn;
    /* Jackknife acceleration over the N items, grouped by value. */
    double mean = theta_hat, corr = 0;
    for (size_t i = 0; i < k; i++) corr += (double)count[i] * (value[i] - mean);
    mean += corr / nn;
    double s2 = 0, s3 = 0;
    for (size_t i = 0; i < k; i++) {
        double dv = value[i] - mean;
        s2 += (double)count[i] * dv * dv;
        s3 += (double)count[i] * dv * dv * dv;
    }
    double accel = s3 / (6 * pow(s2, 1.5));

    as_rng rng;
    as_rng_seed(&rng, o.seed);
    double *theta_b = as_xmalloc((size_t)o.n_resamples * sizeof *theta_b);
    for (uint32_t r = 0; r < o.n_resamples; r++) {
        /* multinomial(N, count / N) as a chain of conditional binomials */
        uint64_t left = total, rest = total;
        double sr = 0;
        for (size_t i = 0; i < k && left > 0; i++) {
            if (count[i] == 0) continue;
            uint64_t x = i == last ? left
                                   : as_rng_binomial(&rng, left, (double)count[i] / (double)rest);
            rest -= count[i];
            left -= x;
            sr += (double)x * value[i];
        }
        theta_b[r] = sr / nn;
    }
    rc = as_bootstrap_interval(theta_b, o.n_resamples, theta_hat, accel, &o, out, err);
    free(theta_b);
    return rc;
}
