/*
 * demo.c - `assay demo`: fill a data directory with the recorded demo
 * workspace (include/assay/demo.h, docs/demo.md) so that every page of
 * the web UI has data, with no API key and no network.  Opens the store
 * directly; a server running on the same directory may stay up (WAL).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "assay/demo.h"
#include "cli.h"

static void demo_usage(FILE *f) {
    fprintf(f,
        "usage: assay demo [--data DIR] [--force]\n\n"
        "Creates a demo workspace from recorded data built into assay: project\n"
        "'" AS_DEMO_PROJECT "' (120 traces of a multi-agent trip planner, sessions,\n"
        "annotations), dataset '" AS_DEMO_DATASET "' (2 versions), experiments\n"
        "'" AS_DEMO_EXPERIMENT_A "' and '" AS_DEMO_EXPERIMENT_B "' with evaluations, and the labelling queue\n"
        "'" AS_DEMO_QUEUE "'.  No API key or network is needed.\n\n"
        "options:\n"
        "  --data DIR   data directory (default ./assay-data; env ASSAY_DATA); a\n"
        "               running `assay serve` may use it at the same time\n"
        "  --force      replace demo data made earlier (the demo project, dataset\n"
        "               with its experiments, and queue are deleted first)\n"
        "  -h, --help   this text\n");
}

int cmd_demo(int argc, char **argv) {
    as_store_config cfg;
    as_store_config_defaults(&cfg);
    cfg.data_dir = cli_env("ASSAY_DATA", "assay-data");
    cfg.sync_full = false;              /* one fsync at close is enough here */
    as_demo_opts opts = { 0 };
    static const struct option lopts[] = {
        { "data", required_argument, NULL, 'd' },
        { "force", no_argument, NULL, 'f' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", lopts, NULL)) != -1) {
        switch (c) {
        case 'd': cfg.data_dir = optarg; break;
        case 'f': opts.force = true; break;
        case 'h': demo_usage(stdout); return 0;
        default: demo_usage(stderr); return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "assay demo: unexpected argument '%s'\n", argv[optind]);
        return 2;
    }
    as_store *st;
    as_err err;
    if (as_store_open(&cfg, &st, &err) != AS_OK) {
        fprintf(stderr, "assay demo: %s\n", err.msg);
        return 1;
    }
    as_demo_summary s;
    as_rc rc = as_demo_build(st, &opts, &s, &err);
    as_store_close(st);
    if (rc != AS_OK) {
        fprintf(stderr, "assay demo: %s\n", err.msg);
        return 1;
    }
    printf("assay demo: %s the demo workspace in %s\n", s.replaced ? "replaced" : "created",
           cfg.data_dir);
    printf("  project '%s': %zu traces (%zu spans, %zu with errors), %zu sessions,\n"
           "    %zu span annotations, %zu notes\n",
           AS_DEMO_PROJECT, s.traces, s.spans, s.error_traces, s.sessions,
           s.span_annotations, s.notes);
    printf("  dataset '%s': %zu examples, %zu versions\n", AS_DEMO_DATASET, s.examples,
           s.versions);
    printf("  experiments '%s' and '%s': %zu runs, %zu evaluations\n", AS_DEMO_EXPERIMENT_A,
           AS_DEMO_EXPERIMENT_B, s.runs, s.evaluations);
    printf("  labelling queue '%s': %zu items, %zu answers (alice, bob)\n", AS_DEMO_QUEUE,
           s.queue_items, s.queue_answers);
    if (s.configs_created)
        printf("  annotation configs created: %zu (correctness, helpfulness)\n",
               s.configs_created);
    printf("Open http://127.0.0.1:6006 (a running server shows it on reload; else run "
           "`assay serve%s%s`)\n",
           strcmp(cfg.data_dir, "assay-data") ? " --data " : "",
           strcmp(cfg.data_dir, "assay-data") ? cfg.data_dir : "");
    return 0;
}
