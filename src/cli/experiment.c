/*
 * experiment.c - `assay experiment run|compare`: dispatch, and `run`.
 *
 * `run` is a thin front end over the runner (include/assay/experiment.h):
 * it opens the store directly (no server), checks everything before any
 * call (dataset, prompt, evaluators, model and key, every template
 * variable against every example), creates the experiment, prints its id
 * (so that a killed run can be resumed), runs it with a progress display
 * and prints the experiment's summary: the statistics of
 * GET /v1/experiments/{id}/summary (as_analysis_summary) as a table, or
 * with --json as that JSON body, and the compare command to run next.
 * `run --resume ID` runs what is missing.
 * Exit status: 0 every run and evaluation completed; 1 some failed, the
 * run was interrupted or the endpoint could not be reached (resume it);
 * 2 bad usage or bad input (nothing was called).
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

#include "assay/analysis.h"
#include "assay/experiment.h"
#include "assay/hex.h"
#include "assay/store_datasets.h"
#include "assay/store_experiments.h"
#include "cli.h"
#include "progress.h"

#define MAX_SPLITS 32

static volatile sig_atomic_t stop_flag;

static void on_sigint(int sig) {
    AS_UNUSED(sig);
    stop_flag = AS_EXPRUN_CANCEL;
    signal(SIGINT, SIG_DFL);            /* a second ^C kills */
}

static void usage(FILE *f) {
    fprintf(f,
        "usage: assay experiment run --dataset NAME|ID --prompt FILE|TEXT --model P:M\n"
        "                            [--evaluator SPEC ...] [options]\n"
        "       assay experiment run --resume EXPERIMENT_ID [--data DIR]\n\n"
        "Runs a prompt over every example of a dataset version, judges each answer\n"
        "and records runs, evaluations and traces in the store.\n\n"
        "  --dataset NAME|ID    the dataset (name, id or GlobalID)\n"
        "  --prompt FILE|TEXT   a prompt file (.yaml/.json: messages or template, with\n"
        "                       {field} placeholders from the example input) or the\n"
        "                       template text of one user message\n"
        "  --model P:M          the task's model (openai:gpt-4o-mini, ...)\n"
        "  --judge-model P:M    the judges' model (default: --model)\n"
        "  --evaluator SPEC     a built-in judge, a code evaluator KIND[:ARG], or a\n"
        "                       judge / code evaluator file (repeatable)\n"
        "  --repeat N           repetitions per example (default 1)\n"
        "  --concurrency N      runs in flight (default 4)\n"
        "  --name NAME          experiment name (default: the task name)\n"
        "  --description TEXT\n"
        "  --version ID         dataset version (default: the latest)\n"
        "  --split S            only examples of split S (repeatable)\n"
        "  --temperature T      --max-tokens N    task call parameters\n"
        "  --no-cache           neither read nor write the response cache\n"
        "  --resume ID          run what experiment ID is missing\n"
        "  --data DIR           data directory (default ./assay-data; env ASSAY_DATA)\n"
        "  --config FILE        provider keys and URLs   --prices FILE  price table\n"
        "  --quiet              no progress output\n"
        "  --json               print the experiment's summary as JSON (the body of\n"
        "                       GET /v1/experiments/{id}/summary); the other lines\n"
        "                       go to stderr\n\n"
        "Exit status: 0 all completed, 1 some failed or interrupted (resume it),\n"
        "2 bad usage or input.\n");
}

/* ---- progress and summary ---------------------------------------------------- */

static void on_progress(void *ud, const as_exprun_progress *p) {
    cli_progress *pr = ud;
    double frac = p->total ? (double)p->done / (double)p->total : 1;
    if (frac > 1) frac = 1;
    if (!cli_progress_due(pr, frac, p->done, p->total, p->elapsed_s)) return;
    if (pr->tty) {
        char bar[31];
        cli_progress_bar(bar, frac);
        fprintf(stderr, "\r[%s] %llu/%llu runs %3.0f%%  errors %llu  evals %llu  $%.4f \033[K",
                bar, (unsigned long long)p->done, (unsigned long long)p->total, frac * 100,
                (unsigned long long)p->errors, (unsigned long long)p->evals_done, p->cost_usd);
        fflush(stderr);
        return;
    }
    fprintf(stderr, "assay experiment: %llu/%llu runs (%.0f%%), %llu errors, %llu evaluations, "
                    "$%.4f\n", (unsigned long long)p->done, (unsigned long long)p->total,
            frac * 100, (unsigned long long)p->errors, (unsigned long long)p->evals_done,
            p->cost_usd);
}

/* One line about this pass (a resumed run does only what was missing). */
static void print_pass(FILE *f, const as_exprun_result *res) {
    fprintf(f, "assay experiment: this pass: %llu of %llu runs done (%llu before it), %llu "
               "failed, %llu evaluations (%llu failed), %.1f s, $%.4f\n",
            (unsigned long long)res->p.done, (unsigned long long)res->p.total,
            (unsigned long long)res->p.succeeded_before, (unsigned long long)res->p.errors,
            (unsigned long long)res->p.evals_done, (unsigned long long)res->p.eval_errors,
            res->p.elapsed_s, res->p.cost_usd);
}

enum { SUM_COLS = 6, SUM_CELL = 80 };

/* The experiment's summary (GET /v1/experiments/{id}/summary, over every
 * pass): examples, runs, and per evaluator an aligned row of examples,
 * errors, pass rate and (scores) mean with their 95% intervals. */
static void print_summary(const json_t *sum, const char *gid) {
    const json_t *x = json_object_get(sum, "experiment"), *runs = json_object_get(sum, "runs");
    printf("\nexperiment %s (%s): %lld examples x %lld repetitions\n",
           json_string_value(json_object_get(x, "name")), gid,
           (long long)json_integer_value(json_object_get(sum, "example_count")),
           (long long)json_integer_value(json_object_get(x, "repetitions")));
    printf("runs: %lld expected, %lld successful, %lld failed, %lld missing\n",
           (long long)json_integer_value(json_object_get(runs, "expected")),
           (long long)json_integer_value(json_object_get(runs, "successful")),
           (long long)json_integer_value(json_object_get(runs, "failed")),
           (long long)json_integer_value(json_object_get(runs, "missing")));
    const json_t *evs = json_object_get(sum, "evaluations");
    size_t rows = json_array_size(evs);
    if (rows == 0) {
        printf("no evaluations\n");
        return;
    }
    static const char *const head[SUM_COLS] = {
        "evaluator", "kind", "examples", "errors", "pass rate [95% CI]", "mean [95% CI]" };
    char (*cell)[SUM_COLS][SUM_CELL] = calloc(rows + 1, sizeof(*cell));
    if (!cell) { fprintf(stderr, "assay: out of memory\n"); exit(1); }
    size_t width[SUM_COLS];
    for (size_t k = 0; k < SUM_COLS; k++) {
        snprintf(cell[0][k], SUM_CELL, "%s", head[k]);
        width[k] = strlen(head[k]);
    }
    for (size_t i = 0; i < rows; i++) {
        const json_t *e = json_array_get(evs, i);
        const json_t *pass = json_object_get(e, "pass"), *score = json_object_get(e, "score");
        const char *kind = json_string_value(json_object_get(e, "kind"));
        char (*row)[SUM_CELL] = cell[i + 1];
        snprintf(row[0], SUM_CELL, "%s", json_string_value(json_object_get(e, "name")));
        snprintf(row[1], SUM_CELL, "%s", kind ? kind : "-");
        snprintf(row[2], SUM_CELL, "%lld", (long long)json_integer_value(json_object_get(e, "examples")));
        snprintf(row[3], SUM_CELL, "%lld", (long long)json_integer_value(json_object_get(e, "errors")));
        cli_fmt_estimate(row[4], SUM_CELL, json_object_get(pass, "rate"), json_object_get(pass, "ci"), false);
        if (kind && strcmp(kind, "score") == 0)
            cli_fmt_estimate(row[5], SUM_CELL, json_object_get(score, "estimate"),
                             json_object_get(score, "ci"), false);
        else
            snprintf(row[5], SUM_CELL, "-");
        for (size_t k = 0; k < SUM_COLS; k++)
            if (strlen(row[k]) > width[k]) width[k] = strlen(row[k]);
    }
    printf("\n");
    for (size_t i = 0; i <= rows; i++) {
        for (size_t k = 0; k < SUM_COLS; k++)
            printf("%-*s%s", k + 1 < SUM_COLS ? (int)width[k] : 0, cell[i][k],
                   k + 1 < SUM_COLS ? "  " : "");
        printf("\n");
    }
    free(cell);
}

/* What to run next: a comparison with the previous experiment on the same
 * dataset (baseline: the older one), or how to make one. */
static void print_next(as_store *st, int64_t dataset_id, int64_t exp_id, const char *data_opt) {
    json_t *rows = NULL;
    int64_t next = 0;
    as_err err;
    int64_t prev = 0;
    if (as_store_experiment_list(st, dataset_id, exp_id, 1, &rows, &next, &err) == AS_OK)
        prev = json_integer_value(json_object_get(json_array_get(rows, 0), "id"));
    json_decref(rows);
    if (prev > 0)
        printf("\ncompare with the previous experiment on this dataset:\n"
               "  assay experiment compare %lld %lld%s%s\n", (long long)prev,
               (long long)exp_id, data_opt ? " --data " : "", data_opt ? data_opt : "");
    else
        printf("\ncompare with another experiment on this dataset:\n"
               "  assay experiment compare %lld OTHER_EXPERIMENT%s%s\n", (long long)exp_id,
               data_opt ? " --data " : "", data_opt ? data_opt : "");
}

/* ---- identifiers ---------------------------------------------------------------- */

/* A rowid, or a GlobalID of `type`; 0 when neither. */
static int64_t parse_id(const char *s, const char *type) {
    int64_t id = 0;
    if (as_globalid_decode(s, type, &id)) return id;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    return !errno && *s && !*end && v > 0 ? (int64_t)v : 0;
}

static as_rc find_dataset(as_store *st, const char *arg, json_t **row, as_err *err) {
    int64_t id = parse_id(arg, "Dataset");
    if (id && as_store_dataset_get(st, id, NULL, row, err) == AS_OK) return AS_OK;
    as_rc rc = as_store_dataset_get(st, 0, arg, row, err);
    if (rc == AS_ENOTFOUND)
        return as_err_set(err, AS_ENOTFOUND, "no dataset named or numbered '%s'", arg);
    return rc;
}

/* ---- the command --------------------------------------------------------------------- */

typedef struct run_args {
    const char *dataset, *prompt, *model, *judge_model, *name, *description, *version;
    const char *resume, *config, *prices;
    const char *evaluators[AS_EVAL_MAX_EVALUATORS];
    size_t n_evaluators;
    const char *splits[MAX_SPLITS];
    size_t n_splits;
    unsigned long long repeat, concurrency, max_tokens;
    double temperature;
    bool has_temperature, no_cache, quiet, json;
    const char *data_opt;                /* --data as given, for messages */
} run_args;

/* The spec JSON of a new experiment's task from the options. */
static as_rc build_spec(const run_args *a, json_t **out, as_err *err) {
    json_t *prompt = NULL;
    as_rc rc = as_task_prompt_load(a->prompt, &prompt, err);
    if (rc) return rc;
    json_t *spec = json_pack("{s:o,s:s,s:I,s:b,s:s}", "prompt", prompt, "model", a->model,
                             "concurrency", (json_int_t)a->concurrency, "no_cache", a->no_cache,
                             "origin", "cli");
    const char *task_name = json_string_value(json_object_get(prompt, "name"));
    json_object_set_new(spec, "name", json_string(task_name ? task_name : "task"));
    if (a->judge_model) json_object_set_new(spec, "judge_model", json_string(a->judge_model));
    if (a->has_temperature) json_object_set_new(spec, "temperature", json_real(a->temperature));
    if (a->max_tokens) json_object_set_new(spec, "max_tokens", json_integer((json_int_t)a->max_tokens));
    json_t *evs = json_array();
    for (size_t i = 0; i < a->n_evaluators; i++)
        json_array_append_new(evs, json_string(a->evaluators[i]));
    json_object_set_new(spec, "evaluators", evs);
    *out = spec;
    return AS_OK;
}

static int run_main(const run_args *a, const char *data_dir) {
    int status = 2;
    as_err err;
    as_store *st = NULL;
    as_task_spec *t = NULL;
    json_t *spec = NULL, *exp = NULL, *ds = NULL;
    as_llm_config *cfg = NULL;
    as_llm_prices *prices = NULL;
    as_llm_engine *engine = NULL;
    as_ingest *ingest = NULL;
    as_llm_model model, jmodel;

    as_store_config sc;
    as_store_config_defaults(&sc);
    sc.data_dir = data_dir;
    if (as_store_open(&sc, &st, &err) != AS_OK) {
        fprintf(stderr, "assay experiment: %s\n", err.msg);
        status = 1;
        goto out;
    }
    int64_t exp_id = 0, dataset_id = 0, version_id = 0;
    const char *split_v[MAX_SPLITS];
    as_str_list splits = { split_v, 0 };
    if (a->resume) {
        exp_id = parse_id(a->resume, "Experiment");
        if (!exp_id) {
            fprintf(stderr, "assay experiment: --resume %s: not an experiment id\n", a->resume);
            goto out;
        }
        if (as_exprun_load(st, exp_id, &exp, &t, &err) != AS_OK) {
            fprintf(stderr, "assay experiment: %s\n", err.msg);
            goto out;
        }
        dataset_id = json_integer_value(json_object_get(exp, "dataset_id"));
        version_id = json_integer_value(json_object_get(exp, "dataset_version_id"));
        size_t i;
        json_t *s;
        json_array_foreach(json_object_get(exp, "splits"), i, s)
            if (splits.n < MAX_SPLITS && json_is_string(s)) split_v[splits.n++] = json_string_value(s);
    } else {
        if (find_dataset(st, a->dataset, &ds, &err) != AS_OK) {
            fprintf(stderr, "assay experiment: %s\n", err.msg);
            goto out;
        }
        dataset_id = json_integer_value(json_object_get(ds, "id"));
        if (a->version && !(version_id = parse_id(a->version, "DatasetVersion"))) {
            fprintf(stderr, "assay experiment: --version %s: not a version id\n", a->version);
            goto out;
        }
        for (size_t i = 0; i < a->n_splits; i++) split_v[splits.n++] = a->splits[i];
        if (build_spec(a, &spec, &err) != AS_OK ||
            as_task_spec_parse(spec, AS_TASK_FILES, &t, &err) != AS_OK) {
            fprintf(stderr, "assay experiment: %s\n", err.msg);
            goto out;
        }
    }
    if (as_llm_config_load(a->config, &cfg, &err) != AS_OK ||
        as_llm_model_resolve(t->model, cfg, &model, &err) != AS_OK ||
        (t->judge_model && as_llm_model_resolve(t->judge_model, cfg, &jmodel, &err) != AS_OK) ||
        as_llm_prices_load(a->prices ? a->prices : as_llm_config_prices(cfg), &prices, &err)) {
        fprintf(stderr, "assay experiment: %s\n", err.msg);
        goto out;
    }
    uint64_t n_examples = 0;
    if (as_exprun_check(st, dataset_id, version_id, &splits, t, &n_examples, &err) != AS_OK) {
        fprintf(stderr, "assay experiment: %s\n", err.msg);
        status = err.code == AS_EINVAL || err.code == AS_ENOTFOUND ? 2 : 1;
        goto out;
    }
    if (n_examples == 0) {
        fprintf(stderr, "assay experiment: the dataset has no examples%s\n",
                splits.n ? " in these splits" : "");
        goto out;
    }
    if (!a->resume) {
        char project[48];
        as_exprun_project_name(project);
        json_t *sp = json_array();
        for (size_t i = 0; i < splits.n; i++) json_array_append_new(sp, json_string(splits.v[i]));
        json_t *create = json_pack("{s:s,s:I,s:I,s:s,s:O,s:s,s:o}",
            "name", a->name ? a->name : t->name, "version_id", (json_int_t)version_id,
            "repetitions", (json_int_t)a->repeat, "project_name", project,
            "runner", t->json, "status", "running", "splits", sp);
        if (a->description) json_object_set_new(create, "description", json_string(a->description));
        if (!splits.n) json_object_del(create, "splits");
        as_rc rc = as_store_experiment_create(st, dataset_id, create, &exp, &err);
        json_decref(create);
        if (rc != AS_OK) {
            fprintf(stderr, "assay experiment: %s\n", err.msg);
            status = rc == AS_EUNPROCESSABLE || rc == AS_ENOTFOUND || rc == AS_EINVAL ? 2 : 1;
            goto out;
        }
        exp_id = json_integer_value(json_object_get(exp, "id"));
    }
    char gid[AS_GLOBALID_MAX];
    as_globalid_encode("Experiment", exp_id, gid);
    FILE *info = a->json ? stderr : stdout;       /* --json: stdout is the JSON */
    fprintf(info, "assay experiment: experiment %lld (%s), project %s, %llu examples x %lld "
           "repetitions\n", (long long)exp_id, gid,
           json_string_value(json_object_get(exp, "project_name")),
           (unsigned long long)n_examples,
           (long long)json_integer_value(json_object_get(exp, "repetitions")));
    fprintf(info, "assay experiment: resume with: assay experiment run --resume %lld\n",
            (long long)exp_id);
    fflush(info);

    /* traces: through an ingest queue of our own (one writer thread) */
    if (as_ingest_start(st, NULL, &ingest, &err) != AS_OK) {
        fprintf(stderr, "assay experiment: %s\n", err.msg);
        status = 1;
        goto out;
    }
    char cache_path[4096] = "";
    if (!t->no_cache) snprintf(cache_path, sizeof cache_path, "%s/llm-cache.db", data_dir);
    as_llm_engine_opts eo;
    as_llm_engine_opts_default(&eo);
    eo.concurrency = t->concurrency * 2;   /* task + judges of each run in flight */
    eo.cache_path = cache_path[0] ? cache_path : NULL;
    eo.prices = prices;
    if (as_llm_engine_start(&eo, &engine, &err) != AS_OK) {
        fprintf(stderr, "assay experiment: %s\n", err.msg);
        status = 1;
        goto out;
    }
    cli_progress pr;
    cli_progress_init(&pr, a->quiet, true);      /* plain lines only while it moves */
    as_exprun_opts o = {
        .store = st, .ingest = ingest, .engine = engine, .model = &model,
        .judge_model = t->judge_model ? &jmodel : NULL, .experiment_id = exp_id, .task = t,
        .stop = &stop_flag, .abort_in_flight = true, .progress = on_progress,
        .progress_ud = &pr,
    };
    as_exprun_result *res = calloc(1, sizeof *res);
    signal(SIGINT, on_sigint);
    as_rc rc = as_exprun_run(&o, res, &err);
    signal(SIGINT, SIG_DFL);
    if (pr.tty && !a->quiet) fprintf(stderr, "\n");
    if (!a->json) printf("\n");
    print_pass(info, res);
    /* The experiment as a whole, every pass included: the statistics of
     * GET /v1/experiments/{id}/summary. */
    as_analysis_opts ao;
    as_analysis_opts_defaults(&ao);
    json_t *sum = NULL;
    as_err serr;
    bool no_summary = as_analysis_summary(st, exp_id, &ao, &sum, &serr) != AS_OK;
    if (no_summary) {
        fprintf(stderr, "assay experiment: no summary: %s\n", serr.msg);
    } else if (a->json) {
        json_t *body = json_pack("{s:o}", "data", sum);
        sum = NULL;
        char *js = json_dumps(body, JSON_COMPACT);
        if (js) { puts(js); free(js); }
        json_decref(body);
    } else {
        print_summary(sum, gid);
        print_next(st, dataset_id, exp_id, a->data_opt);
    }
    json_decref(sum);
    status = no_summary;
    for (size_t e = 0; e < res->n_ev; e++) status |= res->ev[e].errors > 0;
    if (res->p.errors) {
        fprintf(stderr, "assay experiment: %llu runs failed (their errors are recorded; "
                "--resume %lld retries them)\n", (unsigned long long)res->p.errors,
                (long long)exp_id);
        status = 1;
    }
    if (rc != AS_OK) {
        fprintf(stderr, "assay experiment: %s; continue with --resume %lld\n", err.msg,
                (long long)exp_id);
        status = 1;
    } else if (res->cancelled) {
        fprintf(stderr, "assay experiment: interrupted; continue with --resume %lld\n",
                (long long)exp_id);
        status = 1;
    }
    free(res);
out:
    as_llm_engine_stop(engine);
    if (ingest) {
        as_ingest_stop(ingest);           /* the traces queued so far are written */
        as_ingest_free(ingest);
    }
    as_task_spec_free(t);
    json_decref(spec);
    json_decref(exp);
    json_decref(ds);
    as_llm_prices_free(prices);
    as_llm_config_free(cfg);
    as_store_close(st);
    return status;
}

static int cmd_experiment_run(int argc, char **argv) {
    run_args a = { .repeat = 1, .concurrency = 4 };
    const char *data_dir = cli_env("ASSAY_DATA", "assay-data");
    enum { O_JUDGE = 256, O_NAME, O_DESC, O_VERSION, O_SPLIT, O_NOCACHE, O_RESUME, O_DATA,
           O_CONFIG, O_PRICES, O_QUIET, O_TEMP, O_MAXTOK, O_REPEAT, O_CONC, O_JSON };
    static const struct option opts[] = {
        { "dataset", required_argument, NULL, 'd' },
        { "prompt", required_argument, NULL, 'p' },
        { "model", required_argument, NULL, 'm' },
        { "evaluator", required_argument, NULL, 'e' },
        { "judge-model", required_argument, NULL, O_JUDGE },
        { "repeat", required_argument, NULL, O_REPEAT },
        { "concurrency", required_argument, NULL, O_CONC },
        { "name", required_argument, NULL, O_NAME },
        { "description", required_argument, NULL, O_DESC },
        { "version", required_argument, NULL, O_VERSION },
        { "split", required_argument, NULL, O_SPLIT },
        { "no-cache", no_argument, NULL, O_NOCACHE },
        { "resume", required_argument, NULL, O_RESUME },
        { "data", required_argument, NULL, O_DATA },
        { "config", required_argument, NULL, O_CONFIG },
        { "prices", required_argument, NULL, O_PRICES },
        { "temperature", required_argument, NULL, O_TEMP },
        { "max-tokens", required_argument, NULL, O_MAXTOK },
        { "quiet", no_argument, NULL, O_QUIET },
        { "json", no_argument, NULL, O_JSON },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "d:p:m:e:h", opts, NULL)) != -1) {
        switch (c) {
        case 'd': a.dataset = optarg; break;
        case 'p': a.prompt = optarg; break;
        case 'm': a.model = optarg; break;
        case 'e':
            if (a.n_evaluators == AS_EVAL_MAX_EVALUATORS) {
                fprintf(stderr, "assay experiment: at most %d evaluators\n",
                        AS_EVAL_MAX_EVALUATORS);
                return 2;
            }
            a.evaluators[a.n_evaluators++] = optarg;
            break;
        case O_JUDGE: a.judge_model = optarg; break;
        case O_REPEAT:
            if (!cli_parse_size("--repeat", optarg, 1, AS_EVAL_MAX_REPEAT, &a.repeat)) return 2;
            break;
        case O_CONC:
            if (!cli_parse_size("--concurrency", optarg, 1, AS_TASK_MAX_CONCURRENCY,
                                &a.concurrency))
                return 2;
            break;
        case O_NAME: a.name = optarg; break;
        case O_DESC: a.description = optarg; break;
        case O_VERSION: a.version = optarg; break;
        case O_SPLIT:
            if (a.n_splits == MAX_SPLITS) {
                fprintf(stderr, "assay experiment: at most %d --split\n", MAX_SPLITS);
                return 2;
            }
            a.splits[a.n_splits++] = optarg;
            break;
        case O_NOCACHE: a.no_cache = true; break;
        case O_RESUME: a.resume = optarg; break;
        case O_DATA: data_dir = a.data_opt = optarg; break;
        case O_CONFIG: a.config = optarg; break;
        case O_PRICES: a.prices = optarg; break;
        case O_QUIET: a.quiet = true; break;
        case O_JSON: a.json = true; break;
        case O_TEMP: {
            char *end;
            a.temperature = strtod(optarg, &end);
            if (end == optarg || *end || !(a.temperature >= 0 && a.temperature <= 2)) {
                fprintf(stderr, "assay experiment: --temperature must be from 0 to 2\n");
                return 2;
            }
            a.has_temperature = true;
            break;
        }
        case O_MAXTOK:
            if (!cli_parse_size("--max-tokens", optarg, 1, 1000000, &a.max_tokens)) return 2;
            break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "assay experiment run: unexpected argument '%s'\n", argv[optind]);
        return 2;
    }
    if (a.resume) {
        if (a.dataset || a.prompt || a.model || a.n_evaluators || a.judge_model || a.version ||
            a.n_splits || a.name) {
            fprintf(stderr, "assay experiment run: --resume takes the task from the "
                            "experiment; give only --data (and --config/--prices)\n");
            return 2;
        }
    } else if (!a.dataset || !a.prompt || !a.model) {
        fprintf(stderr, "assay experiment run: --dataset, --prompt and --model are required\n\n");
        usage(stderr);
        return 2;
    }
    return run_main(&a, data_dir);
}

int cmd_experiment(int argc, char **argv) {
    if (argc >= 2 && strcmp(argv[1], "compare") == 0)
        return cmd_experiment_compare(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "run") == 0)
        return cmd_experiment_run(argc - 1, argv + 1);
    fprintf(stderr, "usage: assay experiment run|compare ...\n");
    return 2;
}
