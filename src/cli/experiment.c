/*
 * experiment.c - `assay experiment run|compare`: dispatch, and `run`.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

int cmd_experiment(int argc, char **argv) {
    if (argc >= 2 && strcmp(argv[1], "compare") == 0)
        return cmd_experiment_compare(argc - 1, argv + 1);
    fprintf(stderr, "usage: assay experiment run|compare ...\n");
    return 2;
}
