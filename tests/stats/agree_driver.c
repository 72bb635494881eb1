/*
 * agree_driver.c - runs the agreement statistics (include/assay/agree.h) on
 * datasets read from stdin and prints one JSON object per dataset, for
 * tests/stats/agree_check.py to compare against sklearn / statsmodels.
 *
 * Input: whitespace-separated integers, one dataset after another:
 *   cohen L n   h_1 .. h_n   j_1 .. j_n      (human and judge labels)
 *   fleiss N L  c_11 .. c_NL                 (count table, row-major)
 *   kripp U C L r_11 .. r_UC                 (ratings, -1 = missing)
 *   rg tp fn fp tn k m                       (labelled 2x2, k of m passes)
 * Output: one line per dataset; undefined figures are null; an error is
 * {"error": "<code>", "message": "..."}.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assay/agree.h"

static long long next_int(void) {
    long long v;
    if (scanf("%lld", &v) != 1) {
        fprintf(stderr, "agree_driver: truncated input\n");
        exit(2);
    }
    return v;
}

static void *xcalloc(size_t n, size_t size) {
    void *p = calloc(n ? n : 1, size);
    if (!p) { fprintf(stderr, "agree_driver: out of memory\n"); exit(2); }
    return p;
}

static void num(const char *key, double v, const char *sep) {
    if (isfinite(v)) printf("\"%s\":%.17g%s", key, v, sep);
    else printf("\"%s\":null%s", key, sep);
}

static void arr(const char *key, const double *v, size_t n, const char *sep) {
    printf("\"%s\":[", key);
    for (size_t i = 0; i < n; i++) {
        if (isfinite(v[i])) printf("%.17g", v[i]);
        else printf("null");
        printf(i + 1 < n ? "," : "");
    }
    printf("]%s", sep);
}

static void fail(const as_err *e) {
    printf("{\"error\":\"%s\",\"message\":\"%s\"}\n", as_rc_name(e->code), e->msg);
}

static void kappa_json(const char *key, const as_kappa *k, const char *sep) {
    printf("\"%s\":{\"defined\":%s,", key, k->defined ? "true" : "false");
    num("kappa", k->kappa, ",");
    num("po", k->po, ",");
    num("pe", k->pe, ",");
    num("se", k->se, ",");
    num("lo", k->lo, ",");
    num("hi", k->hi, ",");
    num("se0", k->se0, "}");
    printf("%s", sep);
}

static void cohen(void) {
    long long L = next_int(), n = next_int();
    uint32_t *h = xcalloc((size_t)n, sizeof *h), *j = xcalloc((size_t)n, sizeof *j);
    for (long long i = 0; i < n; i++) h[i] = (uint32_t)next_int();
    for (long long i = 0; i < n; i++) j[i] = (uint32_t)next_int();
    uint64_t *cm = xcalloc((size_t)(L * L), sizeof *cm);
    as_label_scores *ls = xcalloc((size_t)L, sizeof *ls);
    as_classification cl;
    as_kappa k[3];
    as_err e = { 0 };
    if (as_confusion_matrix(h, j, (size_t)n, (size_t)L, cm, &e) ||
        as_classification_scores(cm, (size_t)L, ls, &cl, &e) ||
        as_cohen_kappa(cm, (size_t)L, AS_KAPPA_UNWEIGHTED, 0.05, &k[0], &e) ||
        as_cohen_kappa(cm, (size_t)L, AS_KAPPA_LINEAR, 0.05, &k[1], &e) ||
        as_cohen_kappa(cm, (size_t)L, AS_KAPPA_QUADRATIC, 0.05, &k[2], &e)) {
        fail(&e);
        goto out;
    }
    printf("{\"kind\":\"cohen\",\"cm\":[");
    for (long long i = 0; i < L * L; i++)
        printf("%" PRIu64 "%s", cm[i], i + 1 < L * L ? "," : "");
    printf("],\"n\":%" PRIu64 ",\"agree\":%" PRIu64 ",", cl.n, cl.agree);
    num("accuracy", cl.accuracy, ",");
    num("macro_precision", cl.macro_precision, ",");
    num("macro_recall", cl.macro_recall, ",");
    num("macro_f1", cl.macro_f1, ",");
    double *tmp = xcalloc((size_t)L, sizeof *tmp);
    for (long long l = 0; l < L; l++) tmp[l] = ls[l].precision;
    arr("precision", tmp, (size_t)L, ",");
    for (long long l = 0; l < L; l++) tmp[l] = ls[l].recall;
    arr("recall", tmp, (size_t)L, ",");
    for (long long l = 0; l < L; l++) tmp[l] = ls[l].f1;
    arr("f1", tmp, (size_t)L, ",");
    for (long long l = 0; l < L; l++) tmp[l] = (double)ls[l].support;
    arr("support", tmp, (size_t)L, ",");
    for (long long l = 0; l < L; l++) tmp[l] = (double)ls[l].predicted;
    arr("predicted", tmp, (size_t)L, ",");
    free(tmp);
    kappa_json("unweighted", &k[0], ",");
    kappa_json("linear", &k[1], ",");
    kappa_json("quadratic", &k[2], ",");
    printf("\"disagreements\":[");
    size_t pos = 0;
    as_disagreement d;
    const char *sep = "";
    while (as_next_disagreement(h, j, (size_t)n, &pos, &d)) {
        printf("%s[%zu,%u,%u]", sep, d.index, d.human, d.judge);
        sep = ",";
    }
    printf("]}\n");
out:
    free(h); free(j); free(cm); free(ls);
}

static void fleiss(void) {
    long long N = next_int(), L = next_int();
    uint32_t *t = xcalloc((size_t)(N * L), sizeof *t);
    for (long long i = 0; i < N * L; i++) t[i] = (uint32_t)next_int();
    as_fleiss f;
    as_kalpha a;
    as_err e = { 0 };
    if (as_fleiss_kappa(t, (size_t)N, (size_t)L, &f, &e) ||
        as_krippendorff_alpha_nominal(t, (size_t)N, (size_t)L, &a, &e)) {
        fail(&e);
    } else {
        printf("{\"kind\":\"fleiss\",\"defined\":%s,", f.defined ? "true" : "false");
        num("kappa", f.kappa, ",");
        num("p_obs", f.p_obs, ",");
        num("p_exp", f.p_exp, ",");
        printf("\"n_raters\":%u,\"alpha_defined\":%s,", f.n_raters,
               a.defined ? "true" : "false");
        num("alpha", a.alpha, "}\n");
    }
    free(t);
}

static void kripp(void) {
    long long U = next_int(), C = next_int(), L = next_int();
    uint32_t *r = xcalloc((size_t)(U * C), sizeof *r);
    uint32_t *t = xcalloc((size_t)(U * L), sizeof *t);
    for (long long i = 0; i < U * C; i++) {
        long long v = next_int();
        r[i] = v < 0 ? AS_RATING_MISSING : (uint32_t)v;
    }
    as_kalpha a;
    as_err e = { 0 };
    if (as_aggregate_ratings(r, (size_t)U, (size_t)C, (size_t)L, t, &e) ||
        as_krippendorff_alpha_nominal(t, (size_t)U, (size_t)L, &a, &e)) {
        fail(&e);
    } else {
        printf("{\"kind\":\"kripp\",\"defined\":%s,", a.defined ? "true" : "false");
        num("alpha", a.alpha, ",");
        num("d_obs", a.d_obs, ",");
        num("d_exp", a.d_exp, ",");
        printf("\"n_pairable\":%" PRIu64 ",\"n_units\":%" PRIu64 ",\"counts\":[",
               a.n_pairable, a.n_units);
        for (long long i = 0; i < U * L; i++) printf("%u%s", t[i], i + 1 < U * L ? "," : "");
        printf("]}\n");
    }
    free(r); free(t);
}

static void rg(void) {
    as_binary_counts c;
    c.tp = (uint64_t)next_int();
    c.fn = (uint64_t)next_int();
    c.fp = (uint64_t)next_int();
    c.tn = (uint64_t)next_int();
    uint64_t k = (uint64_t)next_int(), m = (uint64_t)next_int();
    as_judge_rates jr;
    as_corrected_rate cr;
    as_err e = { 0 };
    if (as_judge_rates_of(&c, 0.05, &jr, &e) || as_rogan_gladen(&c, k, m, 0.05, &cr, &e)) {
        fail(&e);
        return;
    }
    printf("{\"kind\":\"rg\",\"se_defined\":%s,", jr.se_defined ? "true" : "false");
    num("se", jr.se, ",");
    num("se_lo", jr.se_lo, ",");
    num("se_hi", jr.se_hi, ",");
    printf("\"sp_defined\":%s,", jr.sp_defined ? "true" : "false");
    num("sp", jr.sp, ",");
    num("sp_lo", jr.sp_lo, ",");
    num("sp_hi", jr.sp_hi, ",");
    printf("\"defined\":%s,", cr.defined ? "true" : "false");
    num("raw", cr.raw, ",");
    num("unclipped", cr.unclipped, ",");
    num("estimate", cr.estimate, ",");
    num("std_err", cr.std_err, ",");
    num("lo", cr.lo, ",");
    num("hi", cr.hi, ",");
    printf("\"why\":\"%s\"}\n", cr.why);
}

int main(void) {
    char kind[16];
    while (scanf("%15s", kind) == 1) {
        if (strcmp(kind, "cohen") == 0) cohen();
        else if (strcmp(kind, "fleiss") == 0) fleiss();
        else if (strcmp(kind, "kripp") == 0) kripp();
        else if (strcmp(kind, "rg") == 0) rg();
        else { fprintf(stderr, "agree_driver: unknown dataset kind %s\n", kind); return 2; }
        fflush(stdout);
    }
    return 0;
}
