/*
 * progress.c - progress and summary pieces shared by `assay eval` and
 * `assay experiment run` (see progress.h).
 */
#include <stdio.h>
#include <unistd.h>

#include "progress.h"

void cli_progress_init(cli_progress *pr, bool quiet, bool moving_only) {
    *pr = (cli_progress){ .tty = isatty(2), .quiet = quiet, .moving_only = moving_only,
                          .last_done = (uint64_t)-1, .last_decile = -1 };
}

bool cli_progress_due(cli_progress *pr, double frac, uint64_t done, uint64_t total,
                      double elapsed_s) {
    if (pr->quiet) return false;
    if (pr->tty) {
        if (elapsed_s - pr->last_print < 0.1 && done < total) return false;
        pr->last_print = elapsed_s;
        return true;
    }
    /* plain lines: at each tenth, and at least every 30 s */
    int decile = (int)(frac * 10);
    if (pr->moving_only && done == pr->last_done) return false;
    if (decile == pr->last_decile && elapsed_s - pr->last_print < 30) return false;
    pr->last_decile = decile;
    pr->last_print = elapsed_s;
    pr->last_done = done;
    return true;
}

void cli_progress_bar(char bar[31], double frac) {
    int fill = (int)(frac * 30);
    for (int i = 0; i < 30; i++) bar[i] = i < fill ? '#' : '-';
    bar[30] = '\0';
}

void cli_print_labels(const as_eval_summary *s) {
    for (size_t i = 0; i < s->n_labels; i++)
        printf("%s%s %llu (%.1f%%)", i ? ", " : "", s->labels[i].label,
               (unsigned long long)s->labels[i].n,
               s->rows ? 100.0 * (double)s->labels[i].n / (double)s->rows : 0);
    if (s->other_labels) printf(", %llu others", (unsigned long long)s->other_labels);
    if (!s->n_labels) printf("none");
    printf("\n");
}
