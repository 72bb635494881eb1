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

#endif
