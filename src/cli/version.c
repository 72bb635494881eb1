/*
 * version.c - `assay version`.
 */
#include <stdbool.h>
#include <stdio.h>

#include "../server/server.h"
#include "cli.h"

int cmd_version(int argc, char **argv) {
    (void)argc; (void)argv;
    printf("assay %s (schema %d, Phoenix REST compatibility %s)\n", ASSAY_VERSION,
           as_store_latest_schema_version(), AS_PHOENIX_COMPAT_VERSION);
    return 0;
}
