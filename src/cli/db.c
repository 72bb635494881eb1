/*
 * db.c - `assay db migrate [--data DIR]`: open the database, run pending
 * schema migrations, report the version.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "assay/store.h"
#include "cli.h"

int cmd_db(int argc, char **argv) {
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fprintf(argc < 2 ? stderr : stdout,
                "usage: assay db migrate [--data DIR]\n\n"
                "  migrate      apply pending schema migrations (assay serve also\n"
                "               runs them at start-up)\n"
                "  --data DIR   data directory (default ./assay-data; env ASSAY_DATA)\n");
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "migrate") != 0) {
        fprintf(stderr, "assay db: unknown subcommand '%s' (try: migrate)\n", argv[1]);
        return 2;
    }
    as_store_config cfg;
    as_store_config_defaults(&cfg);
    cfg.data_dir = cli_env("ASSAY_DATA", "assay-data");
    cfg.read_connections = 1;
    static const struct option opts[] = {
        { "data", required_argument, NULL, 'd' },
        { NULL, 0, NULL, 0 },
    };
    int c;
    optind = 1;
    while ((c = getopt_long(argc - 1, argv + 1, "", opts, NULL)) != -1) {
        if (c == 'd') cfg.data_dir = optarg;
        else return 2;
    }
    as_store *st;
    as_err err;
    if (as_store_open(&cfg, &st, &err) != AS_OK) {
        fprintf(stderr, "assay: %s\n", err.msg);
        return 1;
    }
    printf("assay: %s is at schema version %d (latest %d)\n", as_store_path(st),
           as_store_schema_version(st), as_store_latest_schema_version());
    as_store_close(st);
    return 0;
}
