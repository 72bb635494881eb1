/*
 * eval.c - `assay eval`: run evaluators over a CSV / JSONL file.
 *
 * Front end only: options, progress, summary, thresholds and exit status;
 * the work is as_eval_run (src/eval/run.c).  Exit status: 0 all good;
 * 1 a --fail-under threshold was missed; 2 bad usage or bad input (found
 * before any call); 3 the run is incomplete (rows failed, it was
 * interrupted, or the endpoint could not be reached) - rerun with --resume.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "assay/evalrun.h"
#include "cli.h"
#include "progress.h"

#define MAX_THRESHOLDS 32

static volatile sig_atomic_t stop_flag;

static void on_sigint(int sig) {
    AS_UNUSED(sig);
    stop_flag = 1;
    signal(SIGINT, SIG_DFL);            /* a second ^C kills */
}

static void usage(FILE *f) {
    fprintf(f,
        "usage: assay eval --data FILE.{csv,jsonl} --evaluator NAME|KIND[:ARG]|FILE\n"
        "                  [--evaluator ...] [--model provider:model] [options]\n\n"
        "Runs LLM judges and code evaluators over every row of a file.\n\n"
        "  --data FILE          rows to evaluate (.csv with a header, or .jsonl)\n"
        "  --evaluator SPEC     a built-in judge (hallucination, qa_correctness, relevance,\n"
        "                       toxicity, summarization, tone, conciseness, refusal,\n"
        "                       user_frustration, tool_selection, tool_calling,\n"
        "                       code_readability), a code evaluator KIND[:ARG]\n"
        "                       (max_length:500, contains:refund, regex:^[0-9]+$, ...),\n"
        "                       or a judge / code evaluator file (.yaml, .json)\n"
        "  --model P:M          judge model, e.g. openai:gpt-4o-mini, anthropic:claude-\n"
        "                       sonnet-4-5, gemini:gemini-2.0-flash, azure:DEPLOYMENT,\n"
        "                       openai:llama3@http://127.0.0.1:11434/v1\n"
        "  --map VAR=COLUMN     fill template variable VAR from COLUMN (repeatable)\n"
        "  --out FILE           results, .jsonl or .csv, written as rows finish\n"
        "  --resume             continue the run recorded in --out\n"
        "  --concurrency N      LLM calls in flight per endpoint (default 10)\n"
        "  --repeat N           ask each judge N times per row (default 1; bypasses\n"
        "                       the cache) and report agreement and flip rate\n"
        "  --answer MODE        tool (default), json or text: how judges answer\n"
        "  --no-cache           neither read nor write the response cache\n"
        "  --fail-under K=RATE  exit 1 when K's rate is below RATE (0.9 or 90%%); K is\n"
        "                       an evaluator (its pass rate), EVALUATOR.LABEL or LABEL\n"
        "                       (share of rows with that label) (repeatable)\n"
        "  --junit FILE         write a JUnit XML report (one test per evaluator and\n"
        "                       threshold)\n"
        "  --timeout MS         per attempt (default 60000)\n"
        "  --deadline MS        per call, retries and waits included (default: none)\n"
        "  --retries N          per call (default 6)\n"
        "  --data-dir DIR       where the response cache lives (default ./assay-data;\n"
        "                       env ASSAY_DATA)\n"
        "  --config FILE        provider keys and URLs (default ~/.config/assay/config.json)\n"
        "  --prices FILE        a price table that overrides the built-in one\n"
        "  --quiet              no progress output\n\n"
        "Keys come from OPENAI_API_KEY, ANTHROPIC_API_KEY, GEMINI_API_KEY,\n"
        "AZURE_OPENAI_API_KEY (+ AZURE_OPENAI_ENDPOINT) or the config file.\n"
        "Exit status: 0 ok, 1 a threshold missed, 2 bad usage or input, 3 incomplete.\n");
}

/* ---- thresholds ---------------------------------------------------------- */

typedef struct threshold {
    const char *spec;
    int ev;                    /* evaluator index                         */
    char label[AS_LABEL_MAX];  /* "" = the evaluator's pass rate          */
    double min;
    double got;
    bool ok;
} threshold;

static bool parse_rate(const char *s, double *out) {
    char *end;
    double v = strtod(s, &end);
    if (end == s) return false;
    if (*end == '%') { v /= 100; end++; }
    if (*end || !(v >= 0 && v <= 1)) return false;
    *out = v;
    return true;
}

static bool evaluator_has_label(const as_evaluator *e, const char *label) {
    if (e->kind == AS_EVAL_CODE) return strcmp(label, "pass") == 0 || strcmp(label, "fail") == 0;
    const as_rail *rails;
    size_t n = as_judge_rails(e->judge, &rails);
    for (size_t i = 0; i < n; i++)
        if (strcmp(rails[i].label, label) == 0) return true;
    return strcmp(label, AS_NOT_PARSABLE) == 0;
}

static bool resolve_threshold(threshold *t, as_evaluator **evs, size_t nev) {
    const char *eq = strrchr(t->spec, '=');
    if (!eq || !parse_rate(eq + 1, &t->min)) {
        fprintf(stderr, "assay eval: --fail-under %s: expected KEY=RATE with RATE from 0 to 1 "
                        "or 0%% to 100%%\n", t->spec);
        return false;
    }
    char key[256];
    snprintf(key, sizeof key, "%.*s", (int)(eq - t->spec), t->spec);
    t->ev = -1;
    for (size_t e = 0; e < nev; e++)                      /* evaluator name */
        if (strcmp(evs[e]->name, key) == 0) { t->ev = (int)e; return true; }
    char *dot = strrchr(key, '.');
    if (dot) {                                            /* evaluator.label */
        *dot = '\0';
        for (size_t e = 0; e < nev; e++)
            if (strcmp(evs[e]->name, key) == 0 && evaluator_has_label(evs[e], dot + 1)) {
                t->ev = (int)e;
                snprintf(t->label, sizeof t->label, "%s", dot + 1);
                return true;
            }
        *dot = '.';
    }
    int found = 0;                                        /* a label */
    for (size_t e = 0; e < nev; e++)
        if (evaluator_has_label(evs[e], key)) {
            if (found++ == 0) t->ev = (int)e;
        }
    if (found == 1) {
        snprintf(t->label, sizeof t->label, "%.*s", AS_LABEL_MAX - 1, key);
        return true;
    }
    if (found > 1)
        fprintf(stderr, "assay eval: --fail-under %s: label '%s' belongs to several "
                        "evaluators; write EVALUATOR.%s\n", t->spec, key, key);
    else
        fprintf(stderr, "assay eval: --fail-under %s: '%s' is neither an evaluator nor one "
                        "of their labels\n", t->spec, key);
    return false;
}

/* Rates over every row evaluated: errors and NOT_PARSABLE count against. */
static void check_threshold(threshold *t, const as_eval_result *res) {
    const as_eval_summary *s = &res->ev[t->ev];
    uint64_t k = 0;
    if (!t->label[0]) k = s->passed;
    else
        for (size_t i = 0; i < s->n_labels; i++)
            if (strcmp(s->labels[i].label, t->label) == 0) k = s->labels[i].n;
    t->got = s->rows ? (double)k / (double)s->rows : 0;
    t->ok = s->rows > 0 && t->got + 1e-12 >= t->min;
}

/* ---- progress and summary ----------------------------------------------- */

static void fmt_duration(char *buf, size_t cap, double s) {
    if (!(s >= 0) || isinf(s)) snprintf(buf, cap, "?");
    else if (s < 60) snprintf(buf, cap, "%.1fs", s);
    else if (s < 3600) snprintf(buf, cap, "%dm%02ds", (int)s / 60, (int)s % 60);
    else snprintf(buf, cap, "%dh%02dm", (int)s / 3600, ((int)s % 3600) / 60);
}

static void on_progress(void *ud, const as_eval_progress *p) {
    cli_progress *pr = ud;
    if (pr->quiet) return;
    double rate = p->elapsed_s > 0 ? (double)p->done / p->elapsed_s : 0;
    double eta = rate > 0 ? (double)(p->total - p->done) / rate : NAN;
    char etas[32];
    fmt_duration(etas, sizeof etas, eta);
    double frac = p->total ? (double)p->done / (double)p->total : 1;
    if (!cli_progress_due(pr, frac, p->done, p->total, p->elapsed_s)) return;
    if (pr->tty) {
        char bar[31];
        cli_progress_bar(bar, frac);
        fprintf(stderr, "\r[%s] %llu/%llu %3.0f%%  %.1f rows/s  ETA %s  errors %llu  $%.4f \033[K",
                bar, (unsigned long long)p->done, (unsigned long long)p->total, frac * 100, rate,
                etas, (unsigned long long)p->errors, p->cost_usd);
        fflush(stderr);
    } else {
        fprintf(stderr, "assay eval: %llu/%llu rows (%.0f%%), %.1f rows/s, ETA %s, %llu errors, "
                        "$%.4f\n", (unsigned long long)p->done, (unsigned long long)p->total,
                frac * 100, rate, etas, (unsigned long long)p->errors, p->cost_usd);
    }
}

static void print_summary(const as_eval_result *res, as_evaluator **evs, const char *model,
                          int repeat) {
    printf("\nassay eval: %llu of %llu rows in %.1f s", (unsigned long long)res->rows_done,
           (unsigned long long)res->rows_total, res->wall_s);
    if (res->rows_resumed) printf(" (%llu from the resumed output)", (unsigned long long)res->rows_resumed);
    printf(", %llu with errors\n", (unsigned long long)res->rows_failed);
    for (size_t e = 0; e < res->n; e++) {
        const as_eval_summary *s = &res->ev[e];
        bool judge = evs[e]->kind == AS_EVAL_JUDGE;
        printf("\n%s (%s%s%s)\n", s->name, judge ? "judge, " : "code", judge ? model : "",
               judge && repeat > 1 ? ", repeated" : "");
        printf("  labels        ");
        cli_print_labels(s);
        double rate, lo, hi;
        as_eval_pass_rate(s, &rate, &lo, &hi);
        if (s->scored) {
            printf("  pass rate     %.1f%% [%.1f%%, %.1f%%] (Wilson 95%%, %llu of %llu scored rows)\n",
                   rate * 100, lo * 100, hi * 100, (unsigned long long)s->passed,
                   (unsigned long long)s->scored);
            if (!s->binary) {
                as_mean_ci(&s->score, 0.05, &lo, &hi);
                printf("  mean score    %.4f [%.4f, %.4f] (t 95%%)\n", s->score.mean, lo, hi);
            }
        } else {
            printf("  pass rate     n/a (no scored rows)\n");
        }
        printf("  not parsable  %llu    errors %llu\n", (unsigned long long)s->not_parsable,
               (unsigned long long)s->errors);
        if (judge && repeat > 1 && s->flip.n) {
            as_mean_ci(&s->flip, 0.05, &lo, &hi);
            printf("  flip rate     %.3f [%.3f, %.3f] (mean P(two answers differ) over %llu rows, "
                   "t 95%%); %llu unstable rows\n", s->flip.mean, lo < 0 ? 0 : lo, hi,
                   (unsigned long long)s->flip.n, (unsigned long long)s->unstable);
        }
        if (judge) {
            printf("  tokens        %llu prompt, %llu completion\n",
                   (unsigned long long)s->prompt_tokens, (unsigned long long)s->completion_tokens);
            printf("  cost          $%.4f", s->cost_usd);
            if (s->cost_unknown)
                printf(" + unknown: no price for %llu calls (add the model to a --prices file)",
                       (unsigned long long)s->cost_unknown);
            printf("\n  calls         %llu (%llu from the cache)\n", (unsigned long long)s->calls,
                   (unsigned long long)s->cached);
        }
    }
    if (res->llm.http_requests)
        printf("\nhttp: %llu requests, %llu retries, %llu throttled (429/503/529), up to %d in "
               "flight, concurrency limit %d (lowest %d)\n",
               (unsigned long long)res->llm.http_requests, (unsigned long long)res->llm.retries,
               (unsigned long long)res->llm.throttled, res->llm.max_in_flight, res->llm.limit,
               res->llm.min_limit);
}

static void xml_text(FILE *f, const char *s) {
    for (; *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        default: fputc(*s, f);
        }
    }
}

static bool write_junit(const char *path, const as_eval_result *res, const threshold *th,
                        size_t nth) {
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "assay eval: --junit %s: %s\n", path, strerror(errno));
        return false;
    }
    size_t tests = res->n + nth, failures = 0;
    for (size_t e = 0; e < res->n; e++) failures += res->ev[e].errors > 0;
    for (size_t i = 0; i < nth; i++) failures += !th[i].ok;
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
               "<testsuites name=\"assay eval\" tests=\"%zu\" failures=\"%zu\" time=\"%.3f\">\n"
               "  <testsuite name=\"assay eval\" tests=\"%zu\" failures=\"%zu\" time=\"%.3f\">\n",
            tests, failures, res->wall_s, tests, failures, res->wall_s);
    for (size_t e = 0; e < res->n; e++) {
        const as_eval_summary *s = &res->ev[e];
        double rate, lo, hi;
        as_eval_pass_rate(s, &rate, &lo, &hi);
        fprintf(f, "    <testcase classname=\"evaluator\" name=\"");
        xml_text(f, s->name);
        fprintf(f, "\">\n      <system-out>rows %llu, scored %llu, passed %llu, not parsable "
                   "%llu, errors %llu, pass rate %.4f [%.4f, %.4f]</system-out>\n",
                (unsigned long long)s->rows, (unsigned long long)s->scored,
                (unsigned long long)s->passed, (unsigned long long)s->not_parsable,
                (unsigned long long)s->errors, isnan(rate) ? 0 : rate, lo, hi);
        if (s->errors)
            fprintf(f, "      <failure message=\"%llu rows failed\"/>\n",
                    (unsigned long long)s->errors);
        fprintf(f, "    </testcase>\n");
    }
    for (size_t i = 0; i < nth; i++) {
        fprintf(f, "    <testcase classname=\"threshold\" name=\"");
        xml_text(f, th[i].spec);
        fprintf(f, "\">\n");
        if (!th[i].ok)
            fprintf(f, "      <failure message=\"%.4f is below %.4f\"/>\n", th[i].got, th[i].min);
        fprintf(f, "    </testcase>\n");
    }
    fprintf(f, "  </testsuite>\n</testsuites>\n");
    return fclose(f) == 0;
}

/* ---- main ------------------------------------------------------------------ */

int cmd_eval(int argc, char **argv) {
    const char *data = NULL, *model_spec = NULL, *out = NULL, *junit = NULL;
    const char *config_path = NULL, *prices_path = NULL;
    const char *data_dir = cli_env("ASSAY_DATA", "assay-data");
    const char *ev_specs[AS_EVAL_MAX_EVALUATORS];
    size_t nev = 0;
    as_eval_map maps[AS_EVAL_MAX_MAPS];
    size_t nmaps = 0;
    threshold th[MAX_THRESHOLDS];
    size_t nth = 0;
    unsigned long long concurrency = 10, repeat = 1, timeout = 60000, retries = 6, deadline = 0;
    bool resume = false, no_cache = false, quiet = false;
    as_llm_answer answer = AS_LLM_ANSWER_TOOL;

    enum { O_MAP = 256, O_RESUME, O_NOCACHE, O_FAIL, O_JUNIT, O_TIMEOUT, O_DEADLINE, O_RETRIES,
           O_DATADIR, O_CONFIG, O_PRICES, O_ANSWER, O_QUIET, O_REPEAT, O_CONC };
    static const struct option opts[] = {
        { "data", required_argument, NULL, 'd' },
        { "evaluator", required_argument, NULL, 'e' },
        { "model", required_argument, NULL, 'm' },
        { "out", required_argument, NULL, 'o' },
        { "map", required_argument, NULL, O_MAP },
        { "resume", no_argument, NULL, O_RESUME },
        { "concurrency", required_argument, NULL, O_CONC },
        { "repeat", required_argument, NULL, O_REPEAT },
        { "answer", required_argument, NULL, O_ANSWER },
        { "no-cache", no_argument, NULL, O_NOCACHE },
        { "fail-under", required_argument, NULL, O_FAIL },
        { "junit", required_argument, NULL, O_JUNIT },
        { "timeout", required_argument, NULL, O_TIMEOUT },
        { "deadline", required_argument, NULL, O_DEADLINE },
        { "retries", required_argument, NULL, O_RETRIES },
        { "data-dir", required_argument, NULL, O_DATADIR },
        { "config", required_argument, NULL, O_CONFIG },
        { "prices", required_argument, NULL, O_PRICES },
        { "quiet", no_argument, NULL, O_QUIET },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "d:e:m:o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'd': data = optarg; break;
        case 'e':
            if (nev == AS_EVAL_MAX_EVALUATORS) {
                fprintf(stderr, "assay eval: at most %d evaluators\n", AS_EVAL_MAX_EVALUATORS);
                return 2;
            }
            ev_specs[nev++] = optarg;
            break;
        case 'm': model_spec = optarg; break;
        case 'o': out = optarg; break;
        case O_MAP: {
            char *eq = strchr(optarg, '=');
            if (!eq || eq == optarg || !eq[1] || nmaps == AS_EVAL_MAX_MAPS) {
                fprintf(stderr, "assay eval: --map %s: expected VAR=COLUMN\n", optarg);
                return 2;
            }
            *eq = '\0';
            maps[nmaps++] = (as_eval_map){ optarg, eq + 1 };
            break;
        }
        case O_RESUME: resume = true; break;
        case O_CONC:
            if (!cli_parse_size("--concurrency", optarg, 1, 1024, &concurrency)) return 2;
            break;
        case O_REPEAT:
            if (!cli_parse_size("--repeat", optarg, 1, AS_EVAL_MAX_REPEAT, &repeat)) return 2;
            break;
        case O_ANSWER:
            if (strcmp(optarg, "tool") == 0) answer = AS_LLM_ANSWER_TOOL;
            else if (strcmp(optarg, "json") == 0) answer = AS_LLM_ANSWER_JSON;
            else if (strcmp(optarg, "text") == 0) answer = AS_LLM_ANSWER_TEXT;
            else {
                fprintf(stderr, "assay eval: --answer must be tool, json or text\n");
                return 2;
            }
            break;
        case O_NOCACHE: no_cache = true; break;
        case O_FAIL:
            if (nth == MAX_THRESHOLDS) {
                fprintf(stderr, "assay eval: at most %d --fail-under\n", MAX_THRESHOLDS);
                return 2;
            }
            th[nth++] = (threshold){ .spec = optarg };
            break;
        case O_JUNIT: junit = optarg; break;
        case O_TIMEOUT:
            if (!cli_parse_size("--timeout", optarg, 1, 3600000, &timeout)) return 2;
            break;
        case O_DEADLINE:
            if (!cli_parse_size("--deadline", optarg, 1, 86400000, &deadline)) return 2;
            break;
        case O_RETRIES:
            if (!cli_parse_size("--retries", optarg, 0, 100, &retries)) return 2;
            break;
        case O_DATADIR: data_dir = optarg; break;
        case O_CONFIG: config_path = optarg; break;
        case O_PRICES: prices_path = optarg; break;
        case O_QUIET: quiet = true; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "assay eval: unexpected argument '%s'\n", argv[optind]);
        return 2;
    }
    if (!data || nev == 0) {
        fprintf(stderr, "assay eval: --data and at least one --evaluator are required\n\n");
        usage(stderr);
        return 2;
    }
    if (resume && !out) {
        fprintf(stderr, "assay eval: --resume needs --out (the output to continue)\n");
        return 2;
    }

    int status = 2;
    as_err err;
    as_evaluator *evs[AS_EVAL_MAX_EVALUATORS] = { 0 };
    as_llm_config *cfg = NULL;
    as_llm_prices *prices = NULL;
    as_llm_engine *engine = NULL;
    as_llm_model model;
    bool judges = false;
    for (size_t i = 0; i < nev; i++) {
        if (as_evaluator_open(ev_specs[i], &evs[i], &err) != AS_OK) {
            fprintf(stderr, "assay eval: %s\n", err.msg);
            goto out;
        }
        judges |= evs[i]->kind == AS_EVAL_JUDGE;
    }
    for (size_t i = 0; i < nth; i++)
        if (!resolve_threshold(&th[i], evs, nev)) goto out;
    if (judges) {
        if (!model_spec) {
            fprintf(stderr, "assay eval: judges need --model provider:model (e.g. "
                            "openai:gpt-4o-mini)\n");
            goto out;
        }
        if (as_llm_config_load(config_path, &cfg, &err) != AS_OK ||
            as_llm_model_resolve(model_spec, cfg, &model, &err) != AS_OK ||
            as_llm_prices_load(prices_path ? prices_path : as_llm_config_prices(cfg), &prices,
                               &err) != AS_OK) {
            fprintf(stderr, "assay eval: %s\n", err.msg);
            goto out;
        }
        char cache_path[4096] = "";
        if (!no_cache) {
            if (mkdir(data_dir, 0700) != 0 && errno != EEXIST) {
                fprintf(stderr, "assay eval: --data-dir %s: %s\n", data_dir, strerror(errno));
                goto out;
            }
            snprintf(cache_path, sizeof cache_path, "%s/llm-cache.db", data_dir);
        }
        as_llm_engine_opts eo;
        as_llm_engine_opts_default(&eo);
        eo.concurrency = (int)concurrency;
        eo.timeout_ms = (int)timeout;
        eo.max_retries = (int)retries;
        eo.deadline_ms = (int)deadline;
        eo.cache_path = no_cache ? NULL : cache_path;
        eo.prices = prices;
        if (as_llm_engine_start(&eo, &engine, &err) != AS_OK) {
            fprintf(stderr, "assay eval: %s\n", err.msg);
            goto out;
        }
    }

    cli_progress pr;
    cli_progress_init(&pr, quiet, false);
    as_eval_opts o = {
        .data_path = data, .evaluators = evs, .n_evaluators = nev,
        .model = judges ? &model : NULL, .engine = engine, .answer = answer,
        .repeat = (int)repeat, .no_cache = no_cache, .window = (int)concurrency * 2,
        .maps = maps, .n_maps = nmaps, .out_path = out, .resume = resume,
        .stop = &stop_flag, .progress = on_progress, .progress_ud = &pr,
    };
    signal(SIGINT, on_sigint);
    as_eval_result *res = calloc(1, sizeof *res);
    as_rc rc = as_eval_run(&o, res, &err);
    signal(SIGINT, SIG_DFL);
    if (pr.tty && !quiet) fprintf(stderr, "\n");
    if (rc != AS_OK && !res->started) {
        fprintf(stderr, "assay eval: %s\n", err.msg);         /* bad input: nothing ran */
        free(res);
        goto out;
    }
    print_summary(res, evs, judges ? model_spec : "", (int)repeat);
    bool all_ok = true;
    for (size_t i = 0; i < nth; i++) {
        check_threshold(&th[i], res);
        printf("%s --fail-under %s: %.1f%% (needs %.1f%%)\n", th[i].ok ? "ok  " : "FAIL",
               th[i].spec, th[i].got * 100, th[i].min * 100);
        all_ok &= th[i].ok;
    }
    if (junit && !write_junit(junit, res, th, nth)) all_ok = false;
    status = all_ok ? 0 : 1;
    if (rc != AS_OK) {
        fprintf(stderr, "assay eval: %s\n", err.msg);
        status = 3;
    } else if (res->interrupted) {
        fprintf(stderr, "assay eval: interrupted after %llu of %llu rows%s\n",
                (unsigned long long)res->rows_done, (unsigned long long)res->rows_total,
                out ? "; continue with --resume" : "");
        status = 3;
    } else if (res->rows_failed && status == 0) {
        fprintf(stderr, "assay eval: %llu rows failed (their errors are in the output)\n",
                (unsigned long long)res->rows_failed);
        status = 3;
    }
    free(res);
out:
    as_llm_engine_stop(engine);
    for (size_t i = 0; i < nev; i++) as_evaluator_free(evs[i]);
    as_llm_prices_free(prices);
    as_llm_config_free(cfg);
    return status;
}
