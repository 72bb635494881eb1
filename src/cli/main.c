/*
 * main.c - `assay` entry point: dispatch to a subcommand from the table.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const struct {
    const char *name;
    int (*fn)(int, char **);
    const char *help;
} commands[] = {
    { "serve", cmd_serve, "run the server (OTLP ingest, REST API)" },
    { "eval", cmd_eval, "run LLM judges and code evaluators over a CSV/JSONL file" },
    { "datasets", cmd_datasets, "datasets: upload, list, export, from-spans" },
    { "experiment", cmd_experiment, "experiments: run a prompt over a dataset, compare two" },
    { "demo", cmd_demo, "fill the data directory with a recorded demo workspace" },
    { "db", cmd_db, "database maintenance: `assay db migrate`" },
    { "version", cmd_version, "print the version" },
};

static void usage(FILE *f) {
    fprintf(f, "usage: assay <command> [options]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
    fprintf(f, "\n`assay <command> --help` describes a command's options.\n"
               "Environment: ASSAY_HOST, ASSAY_PORT, ASSAY_DATA give serve's defaults.\n");
}

const char *cli_env(const char *name, const char *def) {
    const char *v = getenv(name);
    return v && *v ? v : def;
}

bool cli_parse_size(const char *opt, const char *s, unsigned long long min,
                    unsigned long long max, unsigned long long *out) {
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (*s == '\0' || *s == '-' || *end != '\0' || v < min || v > max) {
        fprintf(stderr, "assay: %s must be an integer from %llu to %llu, got '%s'\n",
                opt, min, max, s);
        return false;
    }
    *out = v;
    return true;
}

int main(int argc, char **argv) {
    if (argc < 2) { usage(stderr); return 2; }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0) return cmd_version(argc - 1, argv + 1);
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "assay: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return 2;
}
