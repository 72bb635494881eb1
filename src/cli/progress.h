/*
 * progress.h - what `assay eval` and `assay experiment run` show while
 * they run and after: the progress throttle and bar on stderr, and the
 * label counts of an evaluator's summary.
 */
#ifndef ASSAY_CLI_PROGRESS_H
#define ASSAY_CLI_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

#include "assay/evalrun.h"

typedef struct cli_progress {
    bool tty, quiet;
    bool moving_only;           /* plain lines: none while done stands still */
    double last_print;
    uint64_t last_done;
    int last_decile;
} cli_progress;

/* tty: whether stderr is a terminal. */
void cli_progress_init(cli_progress *pr, bool quiet, bool moving_only);
/* Whether to show progress now (and note that it is shown): never when
 * quiet; on a terminal at most every 0.1 s until done reaches total;
 * else a line at each tenth of frac and at least every 30 s. */
bool cli_progress_due(cli_progress *pr, double frac, uint64_t done, uint64_t total,
                      double elapsed_s);
/* "[#####-----...]" contents: 30 characters for frac (0..1), NUL-terminated. */
void cli_progress_bar(char bar[31], double frac);
/* The summary's label counts: "label n (p%), ..., N others" or "none",
 * and a newline. */
void cli_print_labels(const as_eval_summary *s);

#endif
