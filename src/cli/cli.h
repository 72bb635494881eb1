/*
 * cli.h - the assay command line: one table of subcommands (main.c), one
 * file per subcommand.  Each returns the process exit status:
 * 0 ok, 1 runtime failure, 2 usage error.
 */
#ifndef ASSAY_CLI_H
#define ASSAY_CLI_H
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

int cmd_serve(int argc, char **argv);
int cmd_db(int argc, char **argv);
int cmd_version(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_datasets(int argc, char **argv);          /* datasets.c   */
int cmd_experiment(int argc, char **argv);        /* experiment.c */
int cmd_demo(int argc, char **argv);              /* demo.c       */
/* `assay experiment compare` (compare.c), argv[0] = "compare". */
int cmd_experiment_compare(int argc, char **argv);
/* "0.712 [0.660, 0.760]" (with sign: "+0.052 [+0.010, +0.094]") from a
 * figure and its [lo, hi] interval (JSON); "-" without a figure (compare.c). */
void cli_fmt_estimate(char *buf, size_t n, const json_t *v, const json_t *ci, bool sign);

/* Environment default: getenv(name) if set and non-empty, else def. */
const char *cli_env(const char *name, const char *def);
/* Parse a positive integer option; prints an error and returns false. */
bool cli_parse_size(const char *opt, const char *s, unsigned long long min,
                    unsigned long long max, unsigned long long *out);

#endif
