/*
 * test_stats_paired.c - the statistics of comparing two experiments
 * (stats.h: distributions, bootstrap, McNemar, Newcombe, Wilcoxon, Holm,
 * examples needed, verdict).
 *
 * Expected values are either worked by hand (said so) or were computed once
 * with scipy 1.10.1 / numpy 1.24.2 / statsmodels 0.13.5 (Debian bookworm
 * python3-scipy, python3-statsmodels); the comment above each names the
 * call.  tests/stats/paired_check.py compares thousands of generated cases
 * against the same libraries when they are installed; these tests need no
 * Python.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "assay/stats.h"
#include "harness.h"

#define REL(a, b, r) CHECK_DBL((a), (b), (r) * fabs((double)(b)))

/* ---- distributions ------------------------------------------------------ */

TEST(normal_cdf) {
    /* scipy.special.ndtr(1.5), ndtr(-10), ndtr(0.3) */
    REL(as_norm_cdf(1.5), 0.9331927987311419, 1e-15);
    REL(as_norm_cdf(-10), 7.61985302416047e-24, 1e-14);
    REL(as_norm_cdf(0.3), 0.6179114221889526, 1e-15);
    REL(as_norm_sf(10), 7.61985302416047e-24, 1e-14);
    CHECK(as_norm_cdf(0) == 0.5);
    CHECK(as_norm_cdf(-INFINITY) == 0 && as_norm_cdf(INFINITY) == 1);
    CHECK(isnan(as_norm_cdf(NAN)));
}

TEST(binomial_distribution) {
    /* by hand: C(10,3)/2^10 = 120/1024; P(X <= 3) = 176/1024 */
    REL(as_binom_pmf(3, 10, 0.5), 0.1171875, 1e-14);
    CHECK(as_binom_cdf(3, 10, 0.5) == 0.171875);          /* exact path, p = 1/2 */
    CHECK(as_binom_sf(3, 10, 0.5) == 1 - 0.171875);
    /* scipy.stats.binom.cdf(40, 100, 0.5), .sf(40, 100, 0.3), .cdf(2, 1000, 0.01) */
    REL(as_binom_cdf(40, 100, 0.5), 0.02844396682049044, 1e-13);
    REL(as_binom_sf(40, 100, 0.3), 0.01249840716643819, 1e-12);
    REL(as_binom_cdf(2, 1000, 0.01), 0.00267943199379151, 1e-12);
    /* n = 10^6: 40-digit mpmath (scipy's boost binomial is only good to ~3e-11
     * here: pmf 0.0008705631546113439) */
    REL(as_binom_pmf(300000, 1000000, 0.3), 0.0008705631546366808, 1e-13);
    REL(as_binom_cdf(300000, 1000000, 0.3), 0.5004933190666793, 1e-13);
    REL(as_binom_sf(300000, 1000000, 0.3), 0.49950668093332073, 1e-13);
    /* edges */
    CHECK(as_binom_cdf(10, 10, 0.3) == 1 && as_binom_sf(10, 10, 0.3) == 0);
    CHECK(as_binom_pmf(0, 0, 0.3) == 1 && as_binom_cdf(0, 0, 0.5) == 1);
    CHECK(as_binom_pmf(0, 5, 0) == 1 && as_binom_pmf(5, 5, 1) == 1 && as_binom_pmf(4, 5, 1) == 0);
    CHECK(as_binom_pmf(6, 5, 0.5) == 0);
    CHECK(isnan(as_binom_cdf(1, 5, 1.5)) && isnan(as_binom_pmf(1, 5, NAN)));
}

TEST(wilcoxon_null_distribution) {
    /* by hand: sign patterns of ranks 1..5 by W+ (symmetric, 32 in all) */
    static const uint64_t want[16] = { 1, 1, 1, 2, 2, 3, 3, 3, 3, 3, 3, 2, 2, 1, 1, 1 };
    uint64_t c[16];
    CHECK_INT(as_wilcoxon_null_counts(5, c), 0);
    CHECK(memcmp(c, want, sizeof want) == 0);
    uint64_t one[1];
    CHECK_INT(as_wilcoxon_null_counts(0, one), 0);
    CHECK(one[0] == 1);
    uint64_t *big = calloc(62 * 63 / 2 + 1, sizeof *big);
    CHECK_INT(as_wilcoxon_null_counts(62, big), 0);
    uint64_t total = 0;
    for (size_t w = 0; w <= 62 * 63 / 2; w++) total += big[w];
    CHECK(total == (UINT64_C(1) << 62));
    CHECK(big[0] == 1 && big[1] == 1 && big[3] == 2 && big[62 * 63 / 2] == 1);
    CHECK_INT(as_wilcoxon_null_counts(63, big), -1);
    free(big);
}

/* ---- randomness --------------------------------------------------------- */

TEST(rng_reference_streams) {
    /* xoshiro256** reference (Blackman & Vigna's xoshiro256starstar.c) from
     * state {1, 2, 3, 4}, and splitmix64(0)'s first output, recomputed in
     * Python from the published algorithms. */
    as_rng r = { { 1, 2, 3, 4 } };
    CHECK(as_rng_next(&r) == UINT64_C(11520));
    CHECK(as_rng_next(&r) == 0);
    CHECK(as_rng_next(&r) == UINT64_C(1509978240));
    CHECK(as_rng_next(&r) == UINT64_C(1215971899390074240));
    as_rng_seed(&r, 0);
    CHECK(r.s[0] == UINT64_C(0xe220a8397b1dcdaf));
    CHECK(r.s[3] == UINT64_C(0xf88bb8a8724c81ec));
    CHECK(as_rng_next(&r) == UINT64_C(11091344671253066420));
    CHECK(as_rng_next(&r) == UINT64_C(13793997310169335082));
}

TEST(rng_bounded_and_uniform) {
    as_rng r;
    as_rng_seed(&r, 42);
    unsigned hist[7] = { 0 };
    for (int i = 0; i < 70000; i++) hist[as_rng_below(&r, 7)]++;
    double chi2 = 0;
    for (int i = 0; i < 7; i++) chi2 += (hist[i] - 10000.0) * (hist[i] - 10000.0) / 10000.0;
    CHECK(chi2 < 30);                    /* 6 df: P(chi2 > 30) ~ 4e-5 */
    CHECK(as_rng_below(&r, 1) == 0 && as_rng_below(&r, 0) == 0);
    int ok = 1;
    for (int i = 0; i < 1000; i++) {
        ok &= as_rng_below(&r, UINT64_C(1) << 32) < (UINT64_C(1) << 32);
        ok &= as_rng_below(&r, UINT64_C(3) << 40) < (UINT64_C(3) << 40);
        double u = as_rng_uniform(&r);
        ok &= u >= 0 && u < 1;
    }
    CHECK(ok);
}

TEST(rng_binomial) {
    as_rng r;
    as_rng_seed(&r, 7);
    CHECK(as_rng_binomial(&r, 0, 0.5) == 0);
    CHECK(as_rng_binomial(&r, 10, 0) == 0);
    CHECK(as_rng_binomial(&r, 10, 1) == 10);
    /* sample means within 5 standard errors (BTRS and inversion branches) */
    struct { uint64_t n; double p; } cases[] = { { 1000000, 0.3 }, { 20, 0.4 }, { 1000, 0.995 },
                                                 { 100000, 0.00002 } };
    for (size_t c = 0; c < AS_ARRAY_LEN(cases); c++) {
        double s = 0, ss = 0;
        const int reps = 20000;
        uint64_t n = cases[c].n;
        double p = cases[c].p;
        int in_range = 1;
        for (int i = 0; i < reps; i++) {
            uint64_t x = as_rng_binomial(&r, n, p);
            in_range &= x <= n;
            s += (double)x;
            ss += (double)x * (double)x;
        }
        double mean = s / reps, var = ss / reps - mean * mean, sd = sqrt(n * p * (1 - p));
        CHECK(in_range);
        CHECK_DBL(mean, n * p, 5 * sd / sqrt(reps));
        CHECK_DBL(var, sd * sd, 0.06 * sd * sd);
    }
}

/* ---- bootstrap ------------------------------------------------------------ */

/* x = [1, 2, 3, 4, 10] and a fixed 20-value "bootstrap distribution":
 * scipy.stats.bootstrap((x,), np.mean, n_resamples=0, method=M,
 *   confidence_level=CL, bootstrap_result=<object with that distribution>)
 * and scipy.stats._resampling._bca_interval(...) for a_hat, z0. */
static const double boot_x[5] = { 1, 2, 3, 4, 10 };
static const double boot_dist[20] = { 2.4, 3.0, 3.4, 1.8, 4.6, 5.8, 2.2, 3.0, 4.0, 6.6,
                                      3.8, 2.6, 5.0, 4.2, 3.0, 7.2, 2.8, 3.6, 4.4, 2.0 };

TEST(bootstrap_interval_matches_scipy) {
    double a = as_jackknife_accel_mean(boot_x, 5);
    REL(a, 0.0848528137423857, 1e-13);
    struct { as_boot_method m; double cl, lo, hi; } cases[] = {
        { AS_BOOT_BCA, 0.95, 2.297506050873891, 7.1904810886921355 },
        { AS_BOOT_BCA, 0.8, 2.87850392826583, 7.029065548417 },
        { AS_BOOT_PERCENTILE, 0.95, 1.895, 6.914999999999999 },
        { AS_BOOT_PERCENTILE, 0.8, 2.18, 5.880000000000001 },
    };
    for (size_t i = 0; i < AS_ARRAY_LEN(cases); i++) {
        double d[20];
        memcpy(d, boot_dist, sizeof d);
        as_boot_opts o = { .method = cases[i].m, .confidence = cases[i].cl };
        as_boot_result r;
        CHECK_INT(as_bootstrap_interval(d, 20, 4.0, a, &o, &r, NULL), AS_OK);
        REL(r.lo, cases[i].lo, 1e-14);
        REL(r.hi, cases[i].hi, 1e-14);
        REL(r.se, 1.4928249447907393, 1e-14);            /* np.std(dist, ddof=1) */
        REL(r.z0, 0.31863936396437514, 1e-13);
        CHECK(r.n_resamples == 20 && !r.degenerate && r.estimate == 4.0);
        if (cases[i].m == AS_BOOT_BCA && cases[i].cl == 0.95) {
            REL(r.level_lo, 0.13092264496681344, 1e-13);
            REL(r.level_hi, 0.9991650077800118, 1e-13);
        }
    }
}

TEST(percentile_like_numpy) {
    double s[20];
    memcpy(s, boot_dist, sizeof s);
    as_boot_opts o = { .method = AS_BOOT_PERCENTILE };
    as_boot_result r;
    as_bootstrap_interval(s, 20, 4.0, 0, &o, &r, NULL);   /* sorts s */
    /* np.percentile(sorted(dist), q) for q = 0, 2.5, 50, 97.5, 100, 37.5, 61.11 */
    CHECK(as_percentile_sorted(s, 20, 0) == 1.8);
    CHECK(as_percentile_sorted(s, 20, 2.5) == 1.895);
    CHECK(as_percentile_sorted(s, 20, 50) == 3.5);
    CHECK(as_percentile_sorted(s, 20, 97.5) == 6.914999999999999);
    CHECK(as_percentile_sorted(s, 20, 100) == 7.2);
    CHECK(as_percentile_sorted(s, 20, 37.5) == 3.0);
    CHECK(as_percentile_sorted(s, 20, 61.11) == 3.9221799999999996);
    /* numpy interpolates from the nearer neighbour (its two-sided _lerp):
     * np.percentile([a, b], 60.0) == 0.584672198263382, one ulp away from
     * a + (b - a) * 0.6 == 0.5846721982633821 */
    double ab[2] = { 0.0014900835088361708, 0.9734602747664127 };
    CHECK(as_percentile_sorted(ab, 2, 60.0) == 0.584672198263382);
    double one = 5;
    CHECK(as_percentile_sorted(&one, 1, 2.5) == 5 && as_percentile_sorted(&one, 1, 97.5) == 5);
}

static double *bernoulli(size_t n, double p, uint64_t seed) {
    as_rng r;
    as_rng_seed(&r, seed);
    double *x = malloc(n * sizeof *x);
    for (size_t i = 0; i < n; i++) x[i] = as_rng_uniform(&r) < p ? 1 : 0;
    return x;
}

TEST(bootstrap_reproducible) {
    double *x = bernoulli(300, 0.3, 1);
    as_boot_opts o = { .method = AS_BOOT_BCA, .seed = 12345 };
    as_boot_result r1, r2, r3;
    CHECK_INT(as_bootstrap_mean(x, 300, &o, &r1, NULL), AS_OK);
    CHECK_INT(as_bootstrap_mean(x, 300, &o, &r2, NULL), AS_OK);
    CHECK(memcmp(&r1, &r2, sizeof r1) == 0);                 /* bit for bit */
    o.seed = 12346;
    CHECK_INT(as_bootstrap_mean(x, 300, &o, &r3, NULL), AS_OK);
    CHECK(r3.lo != r1.lo || r3.hi != r1.hi || r3.se != r1.se);
    CHECK(r3.estimate == r1.estimate && r3.accel == r1.accel);
    CHECK(r1.n_resamples == AS_BOOT_DEFAULT_RESAMPLES);
    free(x);
}

TEST(bootstrap_monte_carlo_sanity) {
    /* 0/1 data: the bootstrap se of the mean is sqrt(p(1-p)/n) (population
     * sd, since resampling treats the sample as the population). */
    const size_t n = 1000;
    double *x = bernoulli(n, 0.3, 3);
    double s = 0;
    for (size_t i = 0; i < n; i++) s += x[i];
    double ph = s / n, se = sqrt(ph * (1 - ph) / n);
    as_boot_opts o = { .method = AS_BOOT_PERCENTILE, .seed = 9 };
    as_boot_result r;
    CHECK_INT(as_bootstrap_mean(x, n, &o, &r, NULL), AS_OK);
    CHECK(r.estimate == ph);
    CHECK_DBL(r.se, se, 0.04 * se);
    CHECK_DBL(r.lo, ph - 1.96 * se, 0.15 * se);
    CHECK_DBL(r.hi, ph + 1.96 * se, 0.15 * se);
    o.method = AS_BOOT_BCA;
    CHECK_INT(as_bootstrap_mean(x, n, &o, &r, NULL), AS_OK);
    CHECK_DBL(r.lo, ph - 1.96 * se, 0.2 * se);
    CHECK_DBL(r.hi, ph + 1.96 * se, 0.2 * se);
    CHECK(fabs(r.z0) < 0.1);

    /* the histogram form of the same sample: same estimate and acceleration
     * (deterministic), an interval within Monte Carlo error */
    double v[2] = { 0, 1 };
    uint64_t c[2] = { (uint64_t)(n - s), (uint64_t)s };
    as_boot_result h;
    CHECK_INT(as_bootstrap_mean_hist(v, c, 2, &o, &h, NULL), AS_OK);
    CHECK(h.estimate == r.estimate);
    CHECK_DBL(h.accel, r.accel, 1e-12);
    CHECK_DBL(h.lo, r.lo, 0.2 * se);
    CHECK_DBL(h.hi, r.hi, 0.2 * se);
    CHECK_DBL(h.se, se, 0.04 * se);
    free(x);
}

TEST(bootstrap_histogram_million_items) {
    /* flip probabilities of a million items, 5 distinct values */
    double v[5] = { 0, 0.32, 0.48, 0.5, 0.64 };
    uint64_t c[5] = { 600000, 200000, 100000, 50000, 50000 };
    as_boot_opts o = { .seed = 1 };                 /* zeroed: BCa, 9999, 95% */
    as_boot_result r;
    CHECK_INT(as_bootstrap_mean_hist(v, c, 5, &o, &r, NULL), AS_OK);
    /* by hand: mean 0.169; population sd sqrt(0.0765 - 0.169^2) */
    CHECK_DBL(r.estimate, 0.169, 1e-15);
    double se = sqrt(0.0765 - 0.169 * 0.169) / 1000;
    CHECK_DBL(r.se, se, 0.04 * se);
    CHECK(r.lo < 0.169 && r.hi > 0.169);
    CHECK_DBL(r.hi - r.lo, 2 * 1.96 * se, 0.2 * se);
    CHECK(r.n_resamples == 9999);
}

TEST(bootstrap_paired_difference) {
    /* B - A with the same index for both: if B = A + 0.25 exactly, every
     * resample gives 0.25 (constant data; dyadic values so that b - a is
     * exactly 0.25 in floating point). */
    double a[6] = { 0, 0.5, 1, 0.25, 0.75, 0.125 }, b[6];
    for (int i = 0; i < 6; i++) b[i] = a[i] + 0.25;
    as_boot_result r;
    CHECK_INT(as_bootstrap_mean_diff(a, b, 6, NULL, &r, NULL), AS_OK);
    CHECK(r.degenerate);
    CHECK_DBL(r.lo, 0.25, 1e-15);
    CHECK(r.lo == r.hi && r.hi == r.estimate);
    /* direction: b larger -> positive difference */
    double b2[6] = { 1, 1, 1, 1, 1, 0.5 }, a2[6] = { 0, 0, 0, 1, 0, 0 };
    CHECK_INT(as_bootstrap_mean_diff(a2, b2, 6, NULL, &r, NULL), AS_OK);
    CHECK_DBL(r.estimate, (5.5 - 1) / 6, 1e-15);
    CHECK(r.lo > 0 && r.hi <= 1);
}

TEST(bootstrap_degenerate_and_errors) {
    as_err err;
    as_boot_result r;
    double c[4] = { 0.7, 0.7, 0.7, 0.7 };
    /* constant data: scipy's BCa gives NaN; we give the point */
    CHECK_INT(as_bootstrap_mean(c, 4, NULL, &r, &err), AS_OK);
    CHECK(r.degenerate && r.lo == 0.7 && r.hi == 0.7 && r.estimate == 0.7 && r.se == 0);
    CHECK(isnan(r.accel));
    CHECK(isnan(as_jackknife_accel_mean(c, 4)));
    double x[2] = { 1, 2 };
    CHECK_INT(as_bootstrap_mean(x, 1, NULL, &r, &err), AS_EINVAL);    /* scipy raises too */
    CHECK(strstr(err.msg, "at least 2") != NULL);
    CHECK_INT(as_bootstrap_mean(x, 0, NULL, &r, &err), AS_EINVAL);
    CHECK_INT(as_bootstrap_mean_diff(x, x, 1, NULL, &r, &err), AS_EINVAL);
    double bad[3] = { 1, NAN, 2 };
    CHECK_INT(as_bootstrap_mean(bad, 3, NULL, &r, &err), AS_EINVAL);
    as_boot_opts o = { .confidence = 1.5 };
    CHECK_INT(as_bootstrap_mean(x, 2, &o, &r, &err), AS_EINVAL);
    o.confidence = 0;
    o.n_resamples = AS_BOOT_MAX_RESAMPLES + 1;
    CHECK_INT(as_bootstrap_mean(x, 2, &o, &r, &err), AS_ETOOBIG);
    o.n_resamples = 0;
    o.method = (as_boot_method)7;
    CHECK_INT(as_bootstrap_mean(x, 2, &o, &r, &err), AS_EINVAL);
    double v[2] = { 3, 4 };
    uint64_t one[2] = { 1, 0 }, same[2] = { 5, 0 };
    CHECK_INT(as_bootstrap_mean_hist(v, one, 2, NULL, &r, &err), AS_EINVAL);
    CHECK_INT(as_bootstrap_mean_hist(v, same, 2, NULL, &r, &err), AS_OK);
    CHECK(r.degenerate && r.lo == 3 && r.hi == 3);
    /* BCa undefined: every resample above the observed value, a != 0
     * (scipy: NaN and a DegenerateDataWarning) */
    double t[3] = { 2, 3, 4 };
    as_boot_opts bca = { .method = AS_BOOT_BCA };
    CHECK_INT(as_bootstrap_interval(t, 3, 1.0, 0.1, &bca, &r, &err), AS_EUNPROCESSABLE);
    CHECK(isnan(r.lo) && isnan(r.hi) && isinf(r.z0));
    as_boot_opts pct = { .method = AS_BOOT_PERCENTILE };
    CHECK_INT(as_bootstrap_interval(t, 3, 1.0, 0.1, &pct, &r, &err), AS_OK);
    CHECK_DBL(r.lo, 2.05, 1e-15);     /* np.percentile([2, 3, 4], [2.5, 97.5]) */
    CHECK_DBL(r.hi, 3.95, 1e-15);
    CHECK_INT(as_bootstrap_interval(t, 0, 1.0, 0.1, &pct, &r, &err), AS_EINVAL);
}

/* ---- McNemar, Newcombe, Wald --------------------------------------------- */

TEST(mcnemar_exact) {
    /* statsmodels mcnemar([[0, b], [c, 0]], exact=True).pvalue */
    CHECK(as_mcnemar_exact_p(3, 10) == 0.09228515625);
    CHECK(as_mcnemar_exact_p(10, 3) == 0.09228515625);
    CHECK(as_mcnemar_exact_p(0, 5) == 0.0625);
    CHECK(as_mcnemar_exact_p(4, 1) == 0.375);
    CHECK(as_mcnemar_exact_p(0, 0) == 1);              /* no discordant pairs */
    CHECK(as_mcnemar_exact_p(5, 5) == 1);
    CHECK(as_mcnemar_exact_p(5, 6) == 1);
    REL(as_mcnemar_exact_p(1000, 1100), 0.030720707864242486, 1e-12);
    /* statsmodels says 0.0 (boost underflows); 40-digit mpmath says: */
    REL(as_mcnemar_exact_p(30, 1070), 6.6862365076828021e-273, 1e-12);
}

TEST(paired_difference_intervals) {
    double est, lo, hi;
    /* Newcombe method 10, from the formula with statsmodels
     * proportion_confint(method="wilson") for the margins
     * (tests/stats/paired_check.py, newcombe_ref); Wald by hand. */
    as_paired_table t1 = { 36, 12, 2, 0 };
    as_paired_diff_newcombe(&t1, 0.05, &est, &lo, &hi);
    CHECK_DBL(est, -0.2, 1e-15);
    CHECK_DBL(lo, -0.3404276029749408, 1e-13);
    CHECK_DBL(hi, -0.0569295840032388, 1e-13);
    as_paired_diff_wald(&t1, 0.05, &est, &lo, &hi);
    /* by hand: -0.2 -+ 1.959963984540054 * sqrt(14 - 100/50) / 50 */
    CHECK_DBL(lo, -0.3357902880891406, 1e-13);
    CHECK_DBL(hi, -0.06420971191085942, 1e-13);

    as_paired_table t2 = { 1, 1, 7, 12 }, t3 = { 59, 6, 16, 80 };
    as_paired_diff_newcombe(&t2, 0.05, &est, &lo, &hi);
    CHECK_DBL(est, 0.2857142857142857, 1e-15);
    CHECK_DBL(lo, 0.03605255348883657, 1e-13);
    CHECK_DBL(hi, 0.5016625403015134, 1e-13);
    as_paired_diff_newcombe(&t3, 0.05, &est, &lo, &hi);
    CHECK_DBL(lo, 0.005923505431808501, 1e-13);
    CHECK_DBL(hi, 0.11735092760633911, 1e-13);
    as_paired_diff_wald(&t3, 0.05, &est, &lo, &hi);
    CHECK_DBL(lo, 0.0058239448228921825, 1e-13);
    CHECK_DBL(hi, 0.11839965766157987, 1e-13);

    /* no discordant pairs: Wald collapses to [0, 0]; Newcombe too when the
     * margins are 1/2 (phi = 1 and symmetric Wilson intervals), not otherwise */
    as_paired_table t4 = { 90, 0, 0, 10 }, t5 = { 10, 0, 0, 10 }, t6 = { 3, 0, 0, 0 };
    as_paired_diff_newcombe(&t4, 0.05, &est, &lo, &hi);
    CHECK(est == 0);
    CHECK_DBL(lo, -0.029594798565588675, 1e-13);
    CHECK_DBL(hi, 0.029594798565588675, 1e-13);
    as_paired_diff_wald(&t4, 0.05, &est, &lo, &hi);
    CHECK(lo == 0 && hi == 0);
    as_paired_diff_newcombe(&t5, 0.05, &est, &lo, &hi);
    CHECK_DBL(lo, 0, 1e-15);
    CHECK_DBL(hi, 0, 1e-15);
    as_paired_diff_newcombe(&t6, 0.05, &est, &lo, &hi);    /* margins empty: phi = 0 */
    CHECK_DBL(lo, -0.5614970317550456, 1e-13);
    CHECK_DBL(hi, 0.5614970317550456, 1e-13);
    /* all discordant one way; n = 0 */
    as_paired_table t7 = { 0, 0, 5, 0 }, t0 = { 0, 0, 0, 0 };
    as_paired_diff_newcombe(&t7, 0.05, &est, &lo, &hi);
    CHECK(est == 1 && hi == 1);
    CHECK_DBL(lo, 0.38554900569034356, 1e-13);
    as_paired_diff_newcombe(&t0, 0.05, &est, &lo, &hi);
    CHECK(est == 0 && lo == -1 && hi == 1);
    as_paired_diff_wald(&t0, 0.05, &est, &lo, &hi);
    CHECK(est == 0 && lo == -1 && hi == 1);
    /* Wald is clipped to [-1, 1] */
    as_paired_table t8 = { 0, 1, 9, 0 };
    as_paired_diff_wald(&t8, 0.05, &est, &lo, &hi);
    CHECK(hi == 1 && lo > 0.3);
}

/* ---- Wilcoxon --------------------------------------------------------------- */

static as_wilcoxon_result wilcoxon(const double *a, const double *b, size_t n) {
    as_wilcoxon_result r;
    as_rc rc = as_wilcoxon(a, b, n, &r, NULL);
    CHECK_INT(rc, AS_OK);
    return r;
}

TEST(wilcoxon_exact) {
    /* scipy's documentation example (Wilcoxon 1945 corn heights):
     * wilcoxon(d) == (24.0, 0.041259765625) */
    double d[15] = { 6, 8, 14, 16, 23, 24, 28, 29, 41, -48, 49, 56, 60, -67, 75 }, z[50] = { 0 };
    as_wilcoxon_result r = wilcoxon(d, z, 15);
    CHECK(r.method == AS_WILCOXON_EXACT && r.statistic == 24 && r.pvalue == 0.041259765625);
    CHECK(r.w_plus == 96 && r.w_minus == 24 && r.n_used == 15 && r.n_zero == 0 && !r.ties);
    CHECK(isnan(r.z));
    CHECK_STR(as_wilcoxon_method_name(r.method), "exact");

    /* n = 50, all positive: exact, p = 2 / 2^50 (scipy 1.7763568394002505e-15) */
    double up[51];
    for (int i = 0; i < 51; i++) up[i] = i + 1;
    r = wilcoxon(up, z, 50);
    CHECK(r.method == AS_WILCOXON_EXACT && r.statistic == 0 && r.pvalue == 1.7763568394002505e-15);

    /* the centre of the distribution: p = 1 (scipy: (17.0, 0.9453125) just
     * off it; tied centre (5.0, 1.0)) */
    double c8[8] = { 1, -2, 3, -4, -5, 6, 7, -8 }, c4[4] = { 1, -1, 2, -2 };
    r = wilcoxon(c8, z, 8);
    CHECK(r.statistic == 17 && r.pvalue == 0.9453125);
    r = wilcoxon(c4, z, 4);
    CHECK(r.statistic == 5 && r.pvalue == 1.0 && r.ties);
}

TEST(wilcoxon_ties_under_exact) {
    /* d = [1, -2, 2, 4, 5.5]: ranks 1, 2.5, 2.5, 4, 5; W+ = 12.5, W- = 2.5.
     * scipy: wilcoxon(d, 0) == (2.5, 0.3125) but wilcoxon(0, d) == (2.5,
     * 0.1875): it truncates W+ to an integer before summing the exact tails. */
    double d[5] = { 1, -2, 2, 4, 5.5 }, z[5] = { 0 };
    as_wilcoxon_result r = wilcoxon(d, z, 5);
    CHECK(r.method == AS_WILCOXON_EXACT && r.ties);
    CHECK(r.statistic == 2.5 && r.pvalue == 0.3125 && r.w_plus == 12.5);
    r = wilcoxon(z, d, 5);
    CHECK(r.statistic == 2.5 && r.pvalue == 0.1875 && r.w_plus == 2.5);
}

TEST(wilcoxon_normal_approximation) {
    /* one zero among 10 pairs switches scipy 1.10 to the normal
     * approximation; the 9 others are tied (all 0.5): by hand
     * se = sqrt((9*10*19 - 0.5*9*80)/24) = 7.5, z = -22.5/7.5 = -3;
     * scipy: (0.0, 0.0026997960632601866), zstatistic -3.0 */
    double a[10], b[10];
    for (int i = 0; i < 10; i++) { a[i] = i; b[i] = i == 0 ? 0 : i - 0.5; }
    as_wilcoxon_result r = wilcoxon(a, b, 10);
    CHECK(r.method == AS_WILCOXON_APPROX && r.n_zero == 1 && r.n_used == 9 && r.ties);
    CHECK(r.statistic == 0 && r.z == -3);
    REL(r.pvalue, 0.0026997960632601866, 1e-14);
    CHECK_STR(as_wilcoxon_method_name(r.method), "normal approximation");

    /* n = 51 > 50: approximation; scipy (0.0, 5.145276051717656e-10) */
    double up[51], z[51] = { 0 };
    for (int i = 0; i < 51; i++) up[i] = i + 1;
    r = wilcoxon(up, z, 51);
    CHECK(r.method == AS_WILCOXON_APPROX && r.statistic == 0);
    REL(r.pvalue, 5.145276051717656e-10, 1e-12);

    /* integer scores 0..5, ties and zeros, n = 30:
     * scipy wilcoxon(A, B, ...) == (33.0, 0.01402906089830037),
     * wilcoxon(A, B, method="approx").zstatistic == -2.4565184222025875 */
    double A[30] = { 3, 4, 2, 5, 5, 1, 0, 3, 4, 4, 2, 3, 5, 1, 2,
                     3, 4, 4, 5, 2, 3, 3, 1, 4, 5, 2, 3, 4, 0, 1 };
    double B[30] = { 4, 4, 3, 5, 3, 2, 1, 3, 5, 5, 2, 4, 5, 3, 2,
                     4, 3, 5, 5, 3, 4, 2, 1, 5, 5, 4, 3, 4, 1, 1 };
    r = wilcoxon(A, B, 30);
    CHECK(r.method == AS_WILCOXON_APPROX && r.statistic == 33);
    REL(r.pvalue, 0.01402906089830037, 1e-13);
    REL(r.z, -2.4565184222025875, 1e-13);
}

TEST(wilcoxon_degenerate) {
    as_wilcoxon_result r;
    double one[1] = { 1 }, zero[10] = { 0 }, ones[10];
    for (int i = 0; i < 10; i++) ones[i] = 1;
    CHECK_INT(as_wilcoxon(one, one, 0, &r, NULL), AS_OK);       /* scipy: (nan, nan) */
    CHECK(r.method == AS_WILCOXON_NONE && isnan(r.statistic) && isnan(r.pvalue));
    CHECK_INT(as_wilcoxon(ones, ones, 10, &r, NULL), AS_OK);    /* scipy raises */
    CHECK(r.method == AS_WILCOXON_NONE && isnan(r.pvalue) && r.n_zero == 10 && r.n_used == 0);
    CHECK_STR(as_wilcoxon_method_name(r.method), "none");
    r = wilcoxon(one, zero, 1);                                  /* scipy: (0.0, 1.0) */
    CHECK(r.method == AS_WILCOXON_EXACT && r.statistic == 0 && r.pvalue == 1);
    as_err err;
    double bad[2] = { 1, INFINITY };
    CHECK_INT(as_wilcoxon(bad, zero, 2, &r, &err), AS_EINVAL);
    CHECK(strstr(err.msg, "pair 1") != NULL);
}

/* ---- Holm --------------------------------------------------------------------- */

TEST(holm) {
    /* statsmodels multipletests(p, method="holm")[1] */
    double p1[3] = { 0.01, 0.04, 0.03 }, out[5];
    CHECK_INT(as_holm(p1, 3, out, NULL), AS_OK);
    CHECK(out[0] == 0.03 && out[1] == 0.06 && out[2] == 0.06);
    double p2[4] = { 0.2, 0.2, 0.2, 0.01 };
    CHECK_INT(as_holm(p2, 4, out, NULL), AS_OK);
    CHECK_DBL(out[0], 0.6, 1e-15);
    CHECK(out[0] == out[1] && out[1] == out[2] && out[3] == 0.04);
    double p3[5] = { 0.5, 0.001, 0.3, 0.02, 0.02 };
    CHECK_INT(as_holm(p3, 5, p3, NULL), AS_OK);                  /* in place */
    CHECK_DBL(p3[0], 0.6, 1e-15);
    CHECK_DBL(p3[1], 0.005, 1e-17);
    CHECK_DBL(p3[2], 0.6, 1e-15);
    CHECK(p3[3] == 0.08 && p3[4] == 0.08);
    double p4[3] = { 0.9, 0.8, 0.7 };                           /* capped at 1 */
    CHECK_INT(as_holm(p4, 3, out, NULL), AS_OK);
    CHECK(out[0] == 1 && out[1] == 1 && out[2] == 1);
    CHECK_INT(as_holm(p4, 0, out, NULL), AS_OK);
    as_err err;
    double bad[2] = { 0.1, 1.5 }, nan2[2] = { NAN, 0.1 };
    out[0] = -1;
    CHECK_INT(as_holm(bad, 2, out, &err), AS_EINVAL);
    CHECK_INT(as_holm(nan2, 2, out, &err), AS_EINVAL);
    CHECK(out[0] == -1);
}

/* ---- examples needed, verdict --------------------------------------------------- */

TEST(examples_needed) {
    /* Connor (1987) worked example (p01 = 0.45, p10 = 0.05, two-sided 5%,
     * 80% power -> 23 pairs; powerandsamplesize.com's R code): raw by hand
     * (1.959963984540054 sqrt(0.5) + 0.8416212335729143 sqrt(0.34))^2 / 0.16 */
    as_examples_needed e = as_examples_needed_mcnemar(5, 45, 100, 0.05, 0.8);
    CHECK(e.estimable && e.n == 23);
    CHECK_DBL(e.raw, 22.011324427435788, 1e-11);
    e = as_examples_needed_mcnemar(45, 5, 100, 0.05, 0.8);      /* direction does not matter */
    CHECK(e.estimable && e.n == 23);
    e = as_examples_needed_mcnemar(7, 7, 100, 0.05, 0.8);
    CHECK(!e.estimable && e.n == 0 && isnan(e.raw));
    CHECK(!as_examples_needed_mcnemar(0, 0, 100, 0.05, 0.8).estimable);
    CHECK(!as_examples_needed_mcnemar(1, 2, 0, 0.05, 0.8).estimable);
    CHECK(!as_examples_needed_mcnemar(60, 50, 100, 0.05, 0.8).estimable);  /* b + c > n */
    e = as_examples_needed_mcnemar(0, 100, 100, 0.05, 0.8);     /* psi = delta = 1 */
    CHECK(e.estimable && e.n == 4);                              /* 1.96^2 = 3.84 */

    /* paired t: ((norm.ppf(0.975) + norm.ppf(0.8)) * 0.5 / 0.1)**2 with scipy */
    e = as_examples_needed_paired_t(0.1, 0.5, 0.05, 0.8);
    REL(e.raw, 196.22199335872716, 1e-14);
    CHECK(e.estimable && e.n == 197 && e.power == 0.8 && e.alpha == 0.05);
    e = as_examples_needed_paired_t(-0.1, 0.5, 0.05, 0.8);
    CHECK(e.n == 197);
    e = as_examples_needed_paired_t(0.1, 0, 0.05, 0.8);         /* no spread: at least 2 */
    CHECK(e.estimable && e.n == 2);
    CHECK(!as_examples_needed_paired_t(0, 0.5, 0.05, 0.8).estimable);
    CHECK(!as_examples_needed_paired_t(NAN, 0.5, 0.05, 0.8).estimable);
    CHECK(!as_examples_needed_paired_t(0.1, 0.5, 0, 0.8).estimable);
}

TEST(verdict) {
    CHECK(as_cmp_verdict_of(0.01, 0.02, 0.2) == AS_CMP_BETTER);
    CHECK(as_cmp_verdict_of(0.01, -0.2, -0.02) == AS_CMP_WORSE);
    CHECK(as_cmp_verdict_of(0.05, 0.02, 0.2) == AS_CMP_UNDECIDED);      /* p not < 0.05 */
    CHECK(as_cmp_verdict_of(0.01, 0.0, 0.2) == AS_CMP_UNDECIDED);       /* touches 0 */
    CHECK(as_cmp_verdict_of(0.01, -0.1, 0.2) == AS_CMP_UNDECIDED);      /* test and CI disagree */
    CHECK(as_cmp_verdict_of(NAN, 0.02, 0.2) == AS_CMP_UNDECIDED);
    CHECK(as_cmp_verdict_of(0.01, NAN, 0.2) == AS_CMP_UNDECIDED);
    CHECK_STR(as_cmp_verdict_name(AS_CMP_BETTER), "better");
    CHECK_STR(as_cmp_verdict_name(AS_CMP_WORSE), "worse");
    CHECK_STR(as_cmp_verdict_name(AS_CMP_UNDECIDED), "not_distinguishable");
    CHECK_STR(as_cmp_verdict_wording(AS_CMP_BETTER), "B better");
    CHECK_STR(as_cmp_verdict_wording(AS_CMP_WORSE), "B worse");
    CHECK_STR(as_cmp_verdict_wording(AS_CMP_UNDECIDED), "not distinguishable yet");

    char buf[200];
    as_examples_needed e = as_examples_needed_paired_t(0.1, 0.5, 0.05, 0.8);
    size_t len = as_cmp_verdict_describe(buf, sizeof buf, AS_CMP_UNDECIDED, &e);
    CHECK_STR(buf, "not distinguishable yet (estimate: about 197 examples would detect a "
                   "difference this size with 80% power at alpha 0.05)");
    CHECK(len == strlen(buf));
    e = as_examples_needed_paired_t(0, 0.5, 0.05, 0.8);
    as_cmp_verdict_describe(buf, sizeof buf, AS_CMP_UNDECIDED, &e);
    CHECK_STR(buf, "not distinguishable yet (no difference observed, so no estimate of the "
                   "examples needed)");
    as_cmp_verdict_describe(buf, sizeof buf, AS_CMP_BETTER, &e);
    CHECK_STR(buf, "B better");
    as_cmp_verdict_describe(buf, sizeof buf, AS_CMP_UNDECIDED, NULL);
    CHECK_STR(buf, "not distinguishable yet");
    char small[8];
    len = as_cmp_verdict_describe(small, sizeof small, AS_CMP_WORSE, NULL);
    CHECK(len == 7 && strcmp(small, "B worse") == 0);
    len = as_cmp_verdict_describe(small, 4, AS_CMP_WORSE, NULL);
    CHECK(len == 7 && strcmp(small, "B w") == 0);
}

TEST_MAIN(T(normal_cdf), T(binomial_distribution), T(wilcoxon_null_distribution),
          T(rng_reference_streams), T(rng_bounded_and_uniform), T(rng_binomial),
          T(bootstrap_interval_matches_scipy), T(percentile_like_numpy), T(bootstrap_reproducible),
          T(bootstrap_monte_carlo_sanity), T(bootstrap_histogram_million_items),
          T(bootstrap_paired_difference), T(bootstrap_degenerate_and_errors), T(mcnemar_exact),
          T(paired_difference_intervals), T(wilcoxon_exact), T(wilcoxon_ties_under_exact),
          T(wilcoxon_normal_approximation), T(wilcoxon_degenerate), T(holm), T(examples_needed),
          T(verdict))
