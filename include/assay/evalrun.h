/*
 * evalrun.h - run evaluators over a data file: what `assay eval` does.
 *
 * Streams: rows are read one at a time, at most `window` LLM calls are
 * outstanding, and each row's results are written to the output file as
 * soon as all its evaluations are in (so output order follows completion;
 * every line carries its row number).  Memory stays flat for any number
 * of rows.  Everything is checked before the first call: the file parses
 * (as_rows_scan), every variable of every evaluator has a column.
 *
 * Output: JSONL (one object per row) or CSV (one line per row), chosen by
 * the extension.  A run resumes from its own output file (resume = true):
 * rows already there are skipped and count in the summary.
 */
#ifndef ASSAY_EVALRUN_H
#define ASSAY_EVALRUN_H
#include <signal.h>
#include "assay/eval.h"
#include "assay/llm.h"
#include "assay/stats.h"

#define AS_EVAL_MAX_EVALUATORS 32
#define AS_EVAL_MAX_REPEAT 100
#define AS_EVAL_MAX_MAPS 64
#define AS_EVAL_MAX_LABELS 32        /* distinct labels counted per evaluator */

typedef struct as_eval_map {
    const char *var;                 /* template variable            */
    const char *column;              /* the data column that fills it */
} as_eval_map;

/* Progress, reported from the calling thread at least every 250 ms. */
typedef struct as_eval_progress {
    uint64_t done, total, errors;
    double elapsed_s;
    double cost_usd;
} as_eval_progress;

typedef struct as_eval_opts {
    const char *data_path;
    as_evaluator **evaluators;       /* borrowed */
    size_t n_evaluators;
    const as_llm_model *model;       /* needed when a judge is present */
    as_llm_engine *engine;           /* borrowed; needed with judges    */
    as_llm_answer answer;            /* how judges answer (TOOL default) */
    int repeat;                      /* judge calls per row (1..100)    */
    bool no_cache;
    int window;                      /* max outstanding calls           */
    const as_eval_map *maps;
    size_t n_maps;
    const char *out_path;            /* NULL: no output file            */
    bool resume;
    volatile sig_atomic_t *stop;     /* set to 1 to stop (SIGINT)       */
    void (*progress)(void *ud, const as_eval_progress *p);
    void *progress_ud;
} as_eval_opts;

typedef struct as_eval_label_count {
    char label[AS_LABEL_MAX];
    uint64_t n;
} as_eval_label_count;

/* The summary of one evaluator over the run (including resumed rows). */
typedef struct as_eval_summary {
    char name[64];
    uint64_t rows;                   /* rows evaluated (incl. errors)     */
    uint64_t errors;                 /* rows with no verdict: call failed */
    uint64_t not_parsable;
    uint64_t scored;                 /* rows with a rail / pass-fail      */
    uint64_t passed;
    as_eval_label_count labels[AS_EVAL_MAX_LABELS];
    size_t n_labels;
    uint64_t other_labels;           /* beyond AS_EVAL_MAX_LABELS         */
    as_moments score;                /* over scored rows                  */
    bool binary;                     /* every score seen was 0 or 1       */
    /* with repeat > 1 */
    as_moments flip;                 /* per-row flip probability          */
    uint64_t unstable;               /* majority not strict or < 0.8      */
    uint64_t prompt_tokens, completion_tokens;
    double cost_usd;
    uint64_t cost_unknown;           /* calls without a known price       */
    uint64_t calls, cached;
} as_eval_summary;

typedef struct as_eval_result {
    as_eval_summary ev[AS_EVAL_MAX_EVALUATORS];
    size_t n;
    uint64_t rows_total;             /* rows in the data file             */
    uint64_t rows_done;              /* written (this run + resumed)      */
    uint64_t rows_resumed;
    uint64_t rows_failed;            /* rows with an error in any eval    */
    bool interrupted;
    bool started;                    /* input checks passed, rows began   */
    double wall_s;
    as_llm_stats llm;
} as_eval_result;

/* Run; fills *res.  Bad input (file, columns, output) -> an error before
 * any call.  An endpoint that cannot be reached stops the run with AS_EIO
 * (rows done so far are written; rerun with resume). */
as_rc as_eval_run(const as_eval_opts *o, as_eval_result *res, as_err *err);

/* Pass rate over scored rows with its Wilson interval. */
void as_eval_pass_rate(const as_eval_summary *s, double *rate, double *lo, double *hi);

#endif
