/*
 * paired_driver.c - a line-oriented front end to the paired statistics in
 * stats.h, for tests/stats/paired_check.py, which feeds it generated datasets
 * and compares every number it prints with scipy / statsmodels.  The
 * Makefile builds it as build/$(BUILD)/tests/paired_driver; scripts/run-tests
 * runs the check against the dev and the ASan build.
 *
 * One command per input line, whitespace-separated; one answer line each:
 *   "ok v1 v2 ..." (doubles as %.17g) or "err <rc name> <message>".
 * Commands (n, k, m, B are counts followed by that many numbers):
 *   norm_cdf x | norm_ppf p | binom k n p
 *   mcnemar b c | newcombe a b c d alpha | wald a b c d alpha
 *   wilcoxon n a1..an b1..bn
 *   holm m p1..pm
 *   accel n x1..xn
 *   interval method conf theta_hat accel B t1..tB
 *   boot_mean method seed B n x1..xn
 *   boot_diff method seed B n a1..an b1..bn
 *   boot_hist method seed B k v1..vk c1..ck
 *   need_mcnemar b c n alpha power | need_t mean sd alpha power
 *   binomial seed n p count           (count variates)
 *   verdict p lo hi
 * method is "bca" or "percentile".
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assay/stats.h"

static char *cursor;
static FILE *o;            /* the answer to the current line */
static int bad;

static char *next_tok(void) {
    char *t = strtok_r(NULL, " \t\r\n", &cursor);
    if (!t) bad = 1;
    return t;
}

static double num(void) {
    char *t = next_tok();
    if (!t) return 0;
    char *end;
    double v = strtod(t, &end);
    if (*end) bad = 1;
    return v;
}

static uint64_t u64(void) {
    char *t = next_tok();
    if (!t) return 0;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(t, &end, 10);
    if (*end || errno) bad = 1;
    return v;
}

static double *nums(size_t n) {
    double *v = malloc((n ? n : 1) * sizeof *v);
    if (!v) abort();
    for (size_t i = 0; i < n; i++) v[i] = num();
    return v;
}

static as_boot_method method_arg(void) {
    char *t = next_tok();
    if (t && strcmp(t, "percentile") == 0) return AS_BOOT_PERCENTILE;
    if (t && strcmp(t, "bca") == 0) return AS_BOOT_BCA;
    bad = 1;
    return AS_BOOT_BCA;
}

static void print_boot(as_rc rc, const as_boot_result *r, const as_err *err) {
    if (rc != AS_OK && rc != AS_EUNPROCESSABLE) {
        fprintf(o, "err %s %s\n", as_rc_name(rc), err->msg);
        return;
    }
    fprintf(o, "ok %.17g %.17g %.17g %.17g %.17g %.17g %.17g %.17g %d %d\n", r->estimate, r->lo,
           r->hi, r->se, r->z0, r->accel, r->level_lo, r->level_hi, r->degenerate, (int)rc);
}

static void run(char *line) {
    char *cmd = strtok_r(line, " \t\r\n", &cursor);
    if (!cmd) { fprintf(o, "err empty\n"); return; }
    bad = 0;
    as_err err = { 0 };
    if (strcmp(cmd, "norm_cdf") == 0) {
        double x = num();
        fprintf(o, "ok %.17g %.17g\n", as_norm_cdf(x), as_norm_sf(x));
    } else if (strcmp(cmd, "norm_ppf") == 0) {
        fprintf(o, "ok %.17g\n", as_norm_ppf(num()));
    } else if (strcmp(cmd, "binom") == 0) {
        uint64_t k = u64(), n = u64();
        double p = num();
        fprintf(o, "ok %.17g %.17g %.17g\n", as_binom_pmf(k, n, p), as_binom_cdf(k, n, p),
               as_binom_sf(k, n, p));
    } else if (strcmp(cmd, "mcnemar") == 0) {
        uint64_t b = u64(), c = u64();
        fprintf(o, "ok %.17g\n", as_mcnemar_exact_p(b, c));
    } else if (strcmp(cmd, "newcombe") == 0 || strcmp(cmd, "wald") == 0) {
        as_paired_table t;
        t.a = u64(); t.b = u64(); t.c = u64(); t.d = u64();
        double alpha = num(), est, lo, hi;
        if (cmd[0] == 'n') as_paired_diff_newcombe(&t, alpha, &est, &lo, &hi);
        else as_paired_diff_wald(&t, alpha, &est, &lo, &hi);
        fprintf(o, "ok %.17g %.17g %.17g\n", est, lo, hi);
    } else if (strcmp(cmd, "wilcoxon") == 0) {
        size_t n = u64();
        double *a = nums(n), *b = nums(n);
        as_wilcoxon_result r;
        as_rc rc = bad ? AS_OK : as_wilcoxon(a, b, n, &r, &err);
        if (!bad && rc != AS_OK) fprintf(o, "err %s %s\n", as_rc_name(rc), err.msg);
        else if (!bad)
            fprintf(o, "ok %.17g %.17g %.17g %s %zu %zu %d %.17g %.17g\n", r.statistic, r.pvalue,
                   r.z, r.method == AS_WILCOXON_EXACT ? "exact"
                        : r.method == AS_WILCOXON_APPROX ? "approx" : "none",
                   r.n_used, r.n_zero, r.ties, r.w_plus, r.w_minus);
        free(a);
        free(b);
    } else if (strcmp(cmd, "holm") == 0) {
        size_t m = u64();
        double *p = nums(m), *adj = nums(0);
        adj = realloc(adj, (m ? m : 1) * sizeof *adj);
        as_rc rc = bad ? AS_OK : as_holm(p, m, adj, &err);
        if (!bad && rc != AS_OK) fprintf(o, "err %s %s\n", as_rc_name(rc), err.msg);
        else if (!bad) {
            fprintf(o, "ok");
            for (size_t i = 0; i < m; i++) fprintf(o, " %.17g", adj[i]);
            fprintf(o, "\n");
        }
        free(p);
        free(adj);
    } else if (strcmp(cmd, "accel") == 0) {
        size_t n = u64();
        double *x = nums(n);
        if (!bad) fprintf(o, "ok %.17g\n", as_jackknife_accel_mean(x, n));
        free(x);
    } else if (strcmp(cmd, "interval") == 0) {
        as_boot_opts bo = { 0 };
        bo.method = method_arg();
        bo.confidence = num();
        double theta_hat = num(), accel = num();
        size_t B = u64();
        double *t = nums(B);
        as_boot_result r;
        if (!bad) print_boot(as_bootstrap_interval(t, B, theta_hat, accel, &bo, &r, &err), &r,
                             &err);
        free(t);
    } else if (strcmp(cmd, "boot_mean") == 0 || strcmp(cmd, "boot_diff") == 0) {
        as_boot_opts bo = { 0 };
        bo.method = method_arg();
        bo.seed = u64();
        bo.n_resamples = (uint32_t)u64();
        size_t n = u64();
        double *a = nums(n), *b = cmd[5] == 'd' ? nums(n) : NULL;
        as_boot_result r;
        if (!bad) {
            as_rc rc = b ? as_bootstrap_mean_diff(a, b, n, &bo, &r, &err)
                         : as_bootstrap_mean(a, n, &bo, &r, &err);
            print_boot(rc, &r, &err);
        }
        free(a);
        free(b);
    } else if (strcmp(cmd, "boot_hist") == 0) {
        as_boot_opts bo = { 0 };
        bo.method = method_arg();
        bo.seed = u64();
        bo.n_resamples = (uint32_t)u64();
        size_t k = u64();
        double *v = nums(k);
        uint64_t *c = malloc((k ? k : 1) * sizeof *c);
        if (!c) abort();
        for (size_t i = 0; i < k; i++) c[i] = u64();
        as_boot_result r;
        if (!bad) print_boot(as_bootstrap_mean_hist(v, c, k, &bo, &r, &err), &r, &err);
        free(v);
        free(c);
    } else if (strcmp(cmd, "need_mcnemar") == 0 || strcmp(cmd, "need_t") == 0) {
        as_examples_needed e;
        if (cmd[5] == 'm') {
            uint64_t b = u64(), c = u64(), n = u64();
            double alpha = num(), power = num();
            e = as_examples_needed_mcnemar(b, c, n, alpha, power);
        } else {
            double m = num(), sd = num(), alpha = num(), power = num();
            e = as_examples_needed_paired_t(m, sd, alpha, power);
        }
        fprintf(o, "ok %d %.17g %" PRIu64 "\n", e.estimable, e.raw, e.n);
    } else if (strcmp(cmd, "binomial") == 0) {
        uint64_t seed = u64(), n = u64();
        double p = num();
        size_t count = u64();
        as_rng rng;
        as_rng_seed(&rng, seed);
        fprintf(o, "ok");
        for (size_t i = 0; i < count && !bad; i++)
            fprintf(o, " %" PRIu64, as_rng_binomial(&rng, n, p));
        fprintf(o, "\n");
    } else if (strcmp(cmd, "verdict") == 0) {
        double p = num(), lo = num(), hi = num();
        fprintf(o, "ok %s\n", as_cmp_verdict_name(as_cmp_verdict_of(p, lo, hi)));
    } else {
        fprintf(o, "err unknown command %s\n", cmd);
    }
}

int main(void) {
    char *line = NULL, *ans = NULL;
    size_t cap = 0, anslen = 0;
    setvbuf(stdout, NULL, _IOFBF, 1 << 16);
    while (getline(&line, &cap, stdin) > 0) {
        o = open_memstream(&ans, &anslen);
        if (!o) abort();
        char *cmd = line + strspn(line, " \t");
        size_t cmdlen = strcspn(cmd, " \t\r\n");
        run(line);
        fclose(o);
        if (bad) printf("err bad arguments to %.*s\n", (int)cmdlen, cmd);
        else fputs(ans, stdout);
        free(ans);
        ans = NULL;
    }
    free(line);
    return 0;
}
