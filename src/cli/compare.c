/*
 * compare.c - `assay experiment compare A B [C ...]`: the paired
 * comparison of docs/analysis.md, read straight from the data directory,
 * printed as an aligned table or (--json) as the REST body of
 * GET /v1/experiments/compare.  Exit 0 ok, 1 failure, 2 usage.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assay/analysis.h"
#include "assay/store.h"
#include "cli.h"

static void usage(FILE *f) {
    fprintf(f,
        "usage: assay experiment compare BASELINE CANDIDATE [CANDIDATE...] [options]\n\n"
        "Compares experiments run over the same dataset, paired on the examples\n"
        "both ran: per evaluator the pass rates or mean scores with 95%% intervals,\n"
        "the difference (candidate - baseline), the p-value (exact McNemar or\n"
        "Wilcoxon), the Holm-adjusted p-value and a verdict.  Experiments are\n"
        "named by GlobalID, rowid or name.\n\n"
        "  --data DIR              data directory (default ./assay-data; env ASSAY_DATA)\n"
        "  --json                  print the REST body of GET /v1/experiments/compare\n"
        "  --limit N               differing examples listed (default 100; 0 = none)\n"
        "  --pass-threshold X      a score >= X passes (default 0.5)\n"
        "  --margin X              differences within +-X do not matter: \"no\n"
        "                          difference\" needs the whole interval inside\n"
        "                          (default 0.05)\n"
        "  --resamples N           bootstrap resamples (default 9999)\n"
        "  --seed N                bootstrap seed (default 0)\n\n"
        "Exit status: 0 ok, 1 an experiment is unknown or cannot be compared,\n"
        "2 bad usage.\n");
}

void cli_fmt_estimate(char *buf, size_t n, const json_t *v, const json_t *ci, bool sign) {
    if (!json_is_number(v)) { snprintf(buf, n, "-"); return; }
    const char *f = sign ? "%+.3f" : "%.3f";
    int k = snprintf(buf, n, f, json_number_value(v));
    if (json_array_size(ci) == 2 && json_is_number(json_array_get(ci, 0)) && k > 0 &&
        (size_t)k < n) {
        char lo[32], hi[32];
        snprintf(lo, sizeof(lo), f, json_number_value(json_array_get(ci, 0)));
        snprintf(hi, sizeof(hi), f, json_number_value(json_array_get(ci, 1)));
        snprintf(buf + k, n - (size_t)k, " [%s, %s]", lo, hi);
    }
}

static void fmt_p(char *buf, size_t n, const json_t *p) {
    if (!json_is_number(p)) snprintf(buf, n, "-");
    else if (json_number_value(p) < 1e-4) snprintf(buf, n, "%.1e", json_number_value(p));
    else snprintf(buf, n, "%.4f", json_number_value(p));
}

enum { COLS = 9, CELL = 96 };

static void print_comparison(const json_t *base, const json_t *c) {
    const json_t *cand = json_object_get(c, "candidate");
    printf("baseline  %s (%s)\ncandidate %s (%s)\n",
           json_string_value(json_object_get(base, "name")),
           json_string_value(json_object_get(base, "id")),
           json_string_value(json_object_get(cand, "name")),
           json_string_value(json_object_get(cand, "id")));
    printf("examples compared: %lld (baseline only %lld, candidate only %lld)\n\n",
           (long long)json_integer_value(json_object_get(c, "shared_examples")),
           (long long)json_integer_value(json_object_get(c, "baseline_only_examples")),
           (long long)json_integer_value(json_object_get(c, "candidate_only_examples")));
    static const char *const head[COLS] = {
        "evaluator", "n", "baseline", "candidate", "difference", "p", "Holm p",
        "verdict", "examples needed" };
    const json_t *evs = json_object_get(c, "evaluations");
    size_t rows = json_array_size(evs);
    char (*cell)[COLS][CELL] = calloc(rows + 1, sizeof(*cell));
    if (!cell) { fprintf(stderr, "assay: out of memory\n"); exit(1); }
    size_t width[COLS];
    for (size_t k = 0; k < COLS; k++) {
        snprintf(cell[0][k], CELL, "%s", head[k]);
        width[k] = strlen(head[k]);
    }
    for (size_t i = 0; i < rows; i++) {
        const json_t *e = json_array_get(evs, i);
        char (*row)[CELL] = cell[i + 1];
        bool binary = strcmp(json_string_value(json_object_get(e, "kind")), "binary") == 0;
        const char *key = binary ? "pass_rate" : "mean";
        const json_t *b = json_object_get(e, "baseline"), *k = json_object_get(e, "candidate");
        const json_t *d = json_object_get(e, "difference");
        snprintf(row[0], CELL, "%s%s", json_string_value(json_object_get(e, "name")),
                 binary ? "" : " (score)");
        snprintf(row[1], CELL, "%lld", (long long)json_integer_value(json_object_get(e, "n")));
        cli_fmt_estimate(row[2], CELL, json_object_get(b, key), json_object_get(b, "ci"), false);
        cli_fmt_estimate(row[3], CELL, json_object_get(k, key), json_object_get(k, "ci"), false);
        cli_fmt_estimate(row[4], CELL, json_object_get(d, "estimate"), json_object_get(d, "ci"), true);
        fmt_p(row[5], CELL, json_object_get(e, "p_value"));
        fmt_p(row[6], CELL, json_object_get(e, "p_holm"));
        snprintf(row[7], CELL, "%s", json_string_value(json_object_get(e, "verdict_text")));
        const json_t *need = json_object_get(e, "examples_needed");
        if (json_is_object(need) &&
            strcmp(json_string_value(json_object_get(e, "verdict")), "cannot_tell_yet") == 0)
            snprintf(row[8], CELL, "~%lld (%lld more)",
                     (long long)json_integer_value(json_object_get(need, "total")),
                     (long long)json_integer_value(json_object_get(need, "more")));
        else
            snprintf(row[8], CELL, "-");
        for (size_t j = 0; j < COLS; j++)
            if (strlen(row[j]) > width[j]) width[j] = strlen(row[j]);
    }
    for (size_t i = 0; i <= rows; i++) {
        for (size_t j = 0; j < COLS; j++)
            printf(j + 1 < COLS ? "%-*s  " : "%-*s", (int)(j + 1 < COLS ? width[j] : 0),
                   cell[i][j]);
        printf("\n");
    }
    free(cell);
    const json_t *only = json_object_get(c, "evaluations_not_compared");
    size_t i;
    const json_t *v;
    json_array_foreach(only, i, v)
        printf("not compared: %s (only in the %s)\n",
               json_string_value(json_object_get(v, "name")),
               json_string_value(json_object_get(v, "only_in")));
    const json_t *diff = json_object_get(c, "differing_examples");
    const json_t *items = json_object_get(diff, "items");
    printf("\nexamples where they differ: %lld\n",
           (long long)json_integer_value(json_object_get(diff, "total")));
    json_array_foreach(items, i, v) {
        const json_t *b = json_object_get(v, "baseline"), *k = json_object_get(v, "candidate");
        const char *bl = json_string_value(json_object_get(b, "label"));
        const char *kl = json_string_value(json_object_get(k, "label"));
        char bs[32] = "-", ks[32] = "-";
        if (json_is_number(json_object_get(b, "score")))
            snprintf(bs, sizeof(bs), "%g", json_number_value(json_object_get(b, "score")));
        if (json_is_number(json_object_get(k, "score")))
            snprintf(ks, sizeof(ks), "%g", json_number_value(json_object_get(k, "score")));
        printf("  %s  %s: %s%s%s -> %s%s%s\n",
               json_string_value(json_object_get(v, "example_id")),
               json_string_value(json_object_get(v, "evaluation")),
               bl ? bl : "", bl ? " " : "", bs, kl ? kl : "", kl ? " " : "", ks);
    }
}

int cmd_experiment_compare(int argc, char **argv) {
    as_store_config cfg;
    as_store_config_defaults(&cfg);
    cfg.data_dir = cli_env("ASSAY_DATA", "assay-data");
    cfg.read_connections = 1;
    as_analysis_opts o;
    as_analysis_opts_defaults(&o);
    o.limit = 0;
    bool json = false, limit_given = false;
    static const struct option opts[] = {
        { "data", required_argument, NULL, 'd' },
        { "json", no_argument, NULL, 'j' },
        { "limit", required_argument, NULL, 'l' },
        { "pass-threshold", required_argument, NULL, 't' },
        { "margin", required_argument, NULL, 'm' },
        { "resamples", required_argument, NULL, 'r' },
        { "seed", required_argument, NULL, 's' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    int c;
    unsigned long long v;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'd': cfg.data_dir = optarg; break;
        case 'j': json = true; break;
        case 'l':
            if (!cli_parse_size("--limit", optarg, 0, AS_ANALYSIS_MAX_LIMIT, &v)) return 2;
            o.limit = (size_t)v;
            limit_given = true;
            break;
        case 't':
        case 'm': {
            char *end;
            double x = strtod(optarg, &end);
            if (*optarg == '\0' || *end != '\0' || !isfinite(x) || (c == 'm' && x < 0)) {
                fprintf(stderr, "assay: --%s must be a%s number, got '%s'\n",
                        c == 't' ? "pass-threshold" : "margin",
                        c == 't' ? "" : " non-negative", optarg);
                return 2;
            }
            if (c == 't') o.pass_threshold = x;
            else o.margin = x;
            break;
        }
        case 'r':
            if (!cli_parse_size("--resamples", optarg, 100, 100000, &v)) return 2;
            o.n_resamples = (uint32_t)v;
            break;
        case 's':
            if (!cli_parse_size("--seed", optarg, 0, UINT64_MAX, &v)) return 2;
            o.seed = v;
            break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (!limit_given && json) o.limit = 100;
    int npos = argc - optind;
    if (npos < 2) {
        fprintf(stderr, "assay experiment compare: give a baseline and at least one "
                        "candidate experiment\n");
        usage(stderr);
        return 2;
    }
    if (npos - 1 > AS_ANALYSIS_MAX_CANDIDATES) {
        fprintf(stderr, "assay experiment compare: at most %d candidates\n",
                AS_ANALYSIS_MAX_CANDIDATES);
        return 2;
    }
    as_store *st;
    as_err err;
    if (as_store_open(&cfg, &st, &err) != AS_OK) {
        fprintf(stderr, "assay: %s\n", err.msg);
        return 1;
    }
    int rc = 1;
    int64_t base, cand[AS_ANALYSIS_MAX_CANDIDATES];
    json_t *res = NULL;
    if (as_analysis_resolve_experiment(st, argv[optind], &base, &err) != AS_OK) {
        fprintf(stderr, "assay: baseline '%s': %s\n", argv[optind], err.msg);
        goto out;
    }
    for (int i = 1; i < npos; i++)
        if (as_analysis_resolve_experiment(st, argv[optind + i], &cand[i - 1], &err) != AS_OK) {
            fprintf(stderr, "assay: candidate '%s': %s\n", argv[optind + i], err.msg);
            goto out;
        }
    if (as_analysis_compare(st, base, cand, (size_t)(npos - 1), &o, &res, &err) != AS_OK) {
        fprintf(stderr, "assay: %s\n", err.msg);
        goto out;
    }
    if (json) {
        json_t *body = json_pack("{s:o}", "data", res);
        res = NULL;
        char *s = json_dumps(body, JSON_COMPACT);
        if (s) { puts(s); free(s); }
        json_decref(body);
    } else {
        size_t i;
        const json_t *cmp;
        json_array_foreach(json_object_get(res, "comparisons"), i, cmp) {
            if (i) printf("\n");
            print_comparison(json_object_get(res, "baseline"), cmp);
        }
    }
    rc = 0;
out:
    json_decref(res);
    as_store_close(st);
    return rc;
}
