/*
 * datasets.c - `assay datasets upload|list|export|from-spans`.
 */
#include <stdio.h>

#include "cli.h"

int cmd_datasets(int argc, char **argv) {
    (void)argc; (void)argv;
    fprintf(stderr, "assay datasets: not built yet\n");
    return 2;
}
