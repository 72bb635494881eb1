/*
 * evalout.h - the output file of an evaluation run (internal to src/eval).
 *
 * One record per evaluator per row (eval_rec, borrowed views of the
 * row's results), written as one JSONL object or one CSV line per row,
 * flushed whenever the runner goes idle.  Resuming reads the file back: the rows it holds are
 * marked done and fed to the summaries; a torn last JSONL line (a crash
 * mid-write) is cut off.
 */
#ifndef ASSAY_EVALOUT_H
#define ASSAY_EVALOUT_H
#include <stdio.h>
#include "assay/buf.h"
#include "assay/evalrun.h"

typedef struct eval_rep_view {        /* one repetition (repeat > 1) */
    const char *label, *explanation, *error, *raw;
} eval_rep_view;

typedef struct eval_rec {
    const char *label;                /* NULL when error               */
    double score;                     /* NAN when none                 */
    int passed;                       /* 1, 0, or -1 (no verdict)      */
    const char *explanation, *error, *raw;
    const char *partial_error;        /* some repetitions failed       */
    int64_t prompt_tokens, completion_tokens;   /* -1: unknown / none  */
    double cost_usd;
    int cost_unknown;                 /* calls without a price         */
    int calls, cached, attempts;      /* judge calls; 0 for code       */
    double latency_ms;
    double agreement, flip;           /* NAN unless repeat > 1         */
    int unstable;
    const eval_rep_view *reps;        /* repeat > 1: every answer      */
    int n_reps;
} eval_rec;

typedef struct eval_out {
    FILE *f;
    char *fbuf;                       /* f's 64 KB buffer (owned)      */
    char *path;
    bool csv;
    char **cols;                      /* data columns (CSV)            */
    size_t ncols;
    as_evaluator *const *evs;
    size_t nev;
    int repeat;
    as_buf line;
    as_err err;                       /* first write error             */
} eval_out;

typedef void (*eval_mark_fn)(void *ud, uint64_t row);

/* Open for writing (truncating), or with resume read what is there:
 * mark(ud, row) for each row, summaries in res->ev[], res->rows_done. */
as_rc eval_out_open(eval_out *w, const char *path, bool resume,
                    const char *const *cols, size_t ncols,
                    as_evaluator *const *evs, size_t nev, int repeat,
                    eval_mark_fn mark, void *ud, as_eval_result *res, as_err *err);
void eval_out_write(eval_out *w, const as_row *row, const eval_rec *recs);
/* Push buffered lines to the file (the runner calls it whenever it is
 * about to wait, so a crash loses at most what finished since). */
void eval_out_flush(eval_out *w);
as_rc eval_out_close(eval_out *w, as_err *err);

/* Add one record to an evaluator's summary (run.c). */
void eval_summary_add(as_eval_summary *s, const eval_rec *r);

#endif
