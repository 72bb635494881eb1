/*
 * compare_driver.c - runs the analysis of stored experiments
 * (include/assay/analysis.h) on a data directory and prints the result as
 * JSON, for tests/stats/compare_check.py to check against scipy /
 * statsmodels / sklearn.  (`assay experiment compare --json` is checked by
 * the same script; this driver covers what has no CLI: the summary and
 * the agreement.)
 *
 *   compare_driver DIR migrate                   create / migrate the store
 *   compare_driver DIR summary EXP
 *   compare_driver DIR compare BASE CAND...
 *   compare_driver DIR agreement-experiment EXP NAME [HUMAN_NAME]
 *   compare_driver DIR agreement-project PROJECT_ID NAME
 * Experiments by rowid, GlobalID or name.  Exit 0 ok, 1 error (message
 * as {"error": code, "message": ...} on stdout).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assay/analysis.h"
#include "assay/store.h"

static int fail(const as_err *e) {
    json_t *j = json_pack("{s:s, s:s}", "error", as_rc_name(e->code), "message", e->msg);
    char *s = json_dumps(j, JSON_COMPACT);
    puts(s);
    free(s);
    json_decref(j);
    return 1;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: compare_driver DIR migrate|summary|compare|"
                        "agreement-experiment|agreement-project ...\n");
        return 2;
    }
    as_store_config cfg;
    as_store_config_defaults(&cfg);
    cfg.data_dir = argv[1];
    cfg.read_connections = 1;
    as_store *st;
    as_err e;
    if (as_store_open(&cfg, &st, &e) != AS_OK) return fail(&e);
    as_analysis_opts o;
    as_analysis_opts_defaults(&o);
    o.limit = AS_ANALYSIS_MAX_LIMIT;
    const char *cmd = argv[2];
    json_t *res = NULL;
    as_rc rc = AS_OK;
    int64_t id, ids[AS_ANALYSIS_MAX_CANDIDATES];
    if (strcmp(cmd, "migrate") == 0) {
        res = json_pack("{s:i}", "schema_version", as_store_schema_version(st));
    } else if (strcmp(cmd, "summary") == 0 && argc == 4) {
        rc = as_analysis_resolve_experiment(st, argv[3], &id, &e);
        if (rc == AS_OK) rc = as_analysis_summary(st, id, &o, &res, &e);
    } else if (strcmp(cmd, "compare") == 0 && argc >= 5 &&
               argc - 4 <= AS_ANALYSIS_MAX_CANDIDATES) {
        rc = as_analysis_resolve_experiment(st, argv[3], &id, &e);
        for (int i = 4; i < argc && rc == AS_OK; i++)
            rc = as_analysis_resolve_experiment(st, argv[i], &ids[i - 4], &e);
        if (rc == AS_OK) rc = as_analysis_compare(st, id, ids, (size_t)(argc - 4), &o, &res, &e);
    } else if (strcmp(cmd, "agreement-experiment") == 0 && (argc == 5 || argc == 6)) {
        rc = as_analysis_resolve_experiment(st, argv[3], &id, &e);
        if (rc == AS_OK)
            rc = as_analysis_agreement_experiment(st, id, argv[4], argc == 6 ? argv[5] : NULL,
                                                  &o, &res, &e);
    } else if (strcmp(cmd, "agreement-project") == 0 && argc == 5) {
        rc = as_analysis_agreement_project(st, strtoll(argv[3], NULL, 10), argv[4], &o,
                                           &res, &e);
    } else {
        fprintf(stderr, "compare_driver: bad arguments\n");
        as_store_close(st);
        return 2;
    }
    int status = 0;
    if (rc != AS_OK) {
        status = fail(&e);
    } else {
        json_t *body = json_pack("{s:o}", "data", res);
        char *s = json_dumps(body, JSON_COMPACT);
        puts(s);
        free(s);
        json_decref(body);
    }
    as_store_close(st);
    return status;
}
