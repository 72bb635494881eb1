/*
 * compare.c - `assay experiment compare A B`.
 */
#include <stdio.h>

#include "cli.h"

int cmd_experiment_compare(int argc, char **argv) {
    (void)argc; (void)argv;
    fprintf(stderr, "assay experiment compare: not built yet\n");
    return 2;
}
