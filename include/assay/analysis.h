/*
 * analysis.h - the statistics of experiments, computed from stored data:
 * one experiment's summary, a paired comparison of experiments over the
 * same examples, and how well an LLM judge agrees with human labels.
 *
 * The statistics themselves are the pure functions of stats.h and
 * agree.h; this layer reads the data through store_analysis.h, applies
 * the definitions of docs/analysis.md (what "pass" means, how repetitions
 * are aggregated, which test and interval decide a verdict) and builds the
 * result as JSON in the REST shape (GlobalIDs; a NaN figure is null).
 * Results are new jansson references owned by the caller.  Every figure
 * is reproducible: the bootstraps use a fixed seed.
 */
#ifndef ASSAY_ANALYSIS_H
#define ASSAY_ANALYSIS_H

#include <jansson.h>

#include "assay/common.h"
#include "assay/store.h"

#define AS_ANALYSIS_MAX_CANDIDATES 16
#define AS_ANALYSIS_MAX_LIMIT 10000

typedef struct as_analysis_opts {
    double pass_threshold;      /* a score >= this passes (default 0.5)   */
    double margin;              /* compare: differences within +-margin
                                   do not matter (default 0.05)           */
    uint32_t n_resamples;       /* bootstrap resamples (default 9999)     */
    uint64_t seed;              /* bootstrap seed (default 0)             */
    size_t limit;               /* examples / disagreements listed (100)  */
    const char *positive_label; /* agreement: the judge's "pass" label;
                                   NULL = decided (docs/analysis.md)      */
} as_analysis_opts;

void as_analysis_opts_defaults(as_analysis_opts *o);

/* An experiment named by GlobalID ("Experiment:N"), rowid or name.
 * ENOTFOUND / ECONFLICT (a name shared by several) with a message. */
as_rc as_analysis_resolve_experiment(as_store *st, const char *ident, int64_t *id,
                                     as_err *err);

/* GET /v1/experiments/{id}/summary.  ENOTFOUND: unknown experiment. */
as_rc as_analysis_summary(as_store *st, int64_t experiment_id,
                          const as_analysis_opts *opts, json_t **out, as_err *err);

/* GET /v1/experiments/compare: baseline against each candidate (at most
 * AS_ANALYSIS_MAX_CANDIDATES).  ENOTFOUND: an unknown experiment;
 * EUNPROCESSABLE: a candidate over another dataset, or no example with a
 * successful run in both. */
as_rc as_analysis_compare(as_store *st, int64_t baseline, const int64_t *candidates,
                          size_t n_candidates, const as_analysis_opts *opts,
                          json_t **out, as_err *err);

/* GET /v1/evaluators/agreement: the experiment's evaluation `name` (the
 * judge) against HUMAN example annotations named human_name (NULL: name). */
as_rc as_analysis_agreement_experiment(as_store *st, int64_t experiment_id,
                                       const char *name, const char *human_name,
                                       const as_analysis_opts *opts, json_t **out,
                                       as_err *err);
/* The same over span annotations of a project: LLM / CODE against HUMAN. */
as_rc as_analysis_agreement_project(as_store *st, int64_t project_id,
                                    const char *name, const as_analysis_opts *opts,
                                    json_t **out, as_err *err);

#endif
