/*
 * demo.h - the demo workspace of `assay demo` (docs/demo.md): a realistic
 * project, annotations, a dataset, two experiments and a labelling queue
 * built from recorded data compiled into the binary (the JSON files of data/demo/,
 * table as_embed_demo), so that every page of the web UI has something to
 * show without an API key or the network.
 *
 * Everything goes through the library's ordinary write paths: the traces
 * are OTLP/JSON decoded by as_otlp_decode_json, prepared and written by
 * the ingest queue exactly as POST /v1/traces does; the rest through the
 * store API (store_annotations.h, store_datasets.h, store_experiments.h,
 * store_queues.h).  The content is deterministic (a fixed seed): only the
 * timestamps move with `now_ns`.
 *
 * Demo content is marked as such: the project's description and the
 * queue's description start with AS_DEMO_PREFIX; experiments carry
 * metadata {"assay_demo": true}.
 */
#ifndef ASSAY_DEMO_H
#define ASSAY_DEMO_H

#include "assay/store.h"

#define AS_DEMO_PREFIX "Demo data:"
#define AS_DEMO_PROJECT "trip-planner"
#define AS_DEMO_DATASET "trip-planner-requests"
#define AS_DEMO_QUEUE "Review itineraries"
#define AS_DEMO_EXPERIMENT_A "prompt A"
#define AS_DEMO_EXPERIMENT_B "prompt B"

typedef struct as_demo_opts {
    int64_t now_ns;             /* timestamps end before this (0 = now)   */
    bool force;                 /* replace existing demo content          */
} as_demo_opts;

/* What was created (for the summary the CLI prints). */
typedef struct as_demo_summary {
    size_t traces, spans, sessions, error_traces;
    size_t span_annotations, notes;
    size_t configs_created;
    size_t examples, versions;
    size_t experiments, runs, evaluations;
    size_t queue_items, queue_answers;
    bool replaced;              /* --force removed earlier demo content   */
} as_demo_summary;

/* The demo content already in st, as a text for a message ("project
 * 'trip-planner', dataset 'trip-planner-requests'"); *found false (and
 * the text empty) when there is none. */
as_rc as_demo_find(as_store *st, bool *found, char *what, size_t cap, as_err *err);

/* Build the demo workspace in st.  When demo content exists already:
 * AS_ECONFLICT naming it (nothing is written) unless opts->force, which
 * first deletes the demo project, dataset (with its experiments) and
 * queue; annotation configs that exist are kept and reused.  A failure
 * half-way leaves what was written; `force` cleans it up. */
as_rc as_demo_build(as_store *st, const as_demo_opts *opts, as_demo_summary *out,
                    as_err *err);

#endif
