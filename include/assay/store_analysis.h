/*
 * store_analysis.h - bulk reads for the statistics of experiments
 * (src/analysis/): every run and evaluation of an experiment, and the
 * judge and human labels of an agreement question, as flat C arrays
 * rather than JSON rows (a 100k-run experiment is read in one pass).
 *
 * Strings that repeat (evaluation names, labels, annotator names) are
 * interned in an as_an_strings table and referred to by index; AS_AN_NONE
 * marks a NULL.  Every struct filled here is owned by the caller and
 * released with its _free function (which also accepts a zeroed struct).
 * Each call reads inside one transaction, so it sees one snapshot.
 */
#ifndef ASSAY_STORE_ANALYSIS_H
#define ASSAY_STORE_ANALYSIS_H

#include "assay/store.h"

#define AS_AN_NONE UINT32_MAX

/* An interning string table: index -> NUL-terminated string. */
typedef struct as_an_strings {
    char **v;
    uint32_t n, cap;
    uint32_t *slots;          /* open addressing: index + 1, 0 = empty */
    uint32_t nslots;
} as_an_strings;

/* The index of s[0..len-1], adding it if new. */
uint32_t as_an_intern(as_an_strings *t, const char *s, size_t len);
/* The index of s, or AS_AN_NONE when it is not in the table. */
uint32_t as_an_lookup(const as_an_strings *t, const char *s);
void as_an_strings_free(as_an_strings *t);

typedef struct as_an_run {
    int64_t id;
    int64_t example_id;
    int32_t repetition;
    bool failed;               /* error recorded                          */
    int64_t prompt_tokens;     /* -1: not recorded                        */
    int64_t completion_tokens; /* -1: not recorded                        */
    double cost;               /* NaN: not recorded                       */
    int64_t latency_ns;        /* end_time - start_time                   */
} as_an_run;

/* One evaluation of a successful run (evaluations of failed runs are not
 * read). */
typedef struct as_an_eval {
    int64_t example_id;
    int32_t repetition;
    uint32_t name;             /* string index                            */
    uint32_t label;            /* string index or AS_AN_NONE              */
    double score;              /* NaN when null                           */
    bool failed;               /* the evaluator recorded an error         */
} as_an_eval;

typedef struct as_an_experiment {
    int64_t id, dataset_id, dataset_version_id;
    char *name;
    char *dataset_name;
    int32_t repetitions;
    int64_t example_count;     /* examples of its version (and splits)    */
    as_an_run *runs;           /* ordered by (example_id, repetition)     */
    size_t n_runs;
    as_an_eval *evals;         /* ordered by (example_id, repetition)     */
    size_t n_evals;
    as_an_strings str;
} as_an_experiment;

/* The experiment and, when with_data, its runs and evaluations.
 * ENOTFOUND names an unknown experiment. */
as_rc as_store_analysis_experiment(as_store *st, int64_t id, bool with_data,
                                   as_an_experiment *out, as_err *err);
/* The rowid of the experiment named `name`: ENOTFOUND when none,
 * ECONFLICT when several (name them by id then). */
as_rc as_store_analysis_experiment_by_name(as_store *st, const char *name,
                                           int64_t *id, as_err *err);
void as_an_experiment_free(as_an_experiment *x);

/* One rating of an agreement question: a judge's (LLM / CODE evaluation)
 * or a human's label on a target (a dataset example or a span). */
typedef struct as_an_rating {
    int64_t target;            /* dataset example id, or span rowid       */
    uint64_t span_id;          /* spans: the OTel span id; else 0         */
    bool human;
    uint32_t annotator;        /* string: the human's name, or the judge's
                                  annotator kind                          */
    uint32_t label;            /* string index or AS_AN_NONE              */
    double score;              /* NaN when null                           */
    char *explanation;         /* judge rows: owned copy or NULL          */
} as_an_rating;

typedef struct as_an_ratings {
    as_an_rating *v;           /* ordered by target, then row id          */
    size_t n;
    as_an_strings str;
} as_an_ratings;

/* Judge rows: the experiment's successful evaluations named judge_name
 * (lowest repetition first per example); human rows: the HUMAN
 * dataset_example_annotations named human_name on the experiment's
 * examples (annotator = user_id, else identifier, else "human").
 * ENOTFOUND names an unknown experiment. */
as_rc as_store_analysis_ratings_experiment(as_store *st, int64_t experiment_id,
                                           const char *judge_name,
                                           const char *human_name,
                                           as_an_ratings *out, as_err *err);
/* Span annotations named `name` on the spans of a project: LLM / CODE
 * rows are the judge's, HUMAN rows the humans' (annotator = identifier,
 * else user_id, else "human"). */
as_rc as_store_analysis_ratings_project(as_store *st, int64_t project_id,
                                        const char *name, as_an_ratings *out,
                                        as_err *err);
void as_an_ratings_free(as_an_ratings *r);

/* The annotation config named `name` as {type, config{}} (config parsed;
 * Phoenix's categorical configs carry values[{label, score}]), or *row =
 * NULL when there is none. */
as_rc as_store_analysis_label_config(as_store *st, const char *name,
                                     json_t **row, as_err *err);

#endif
