/*
 * store_observe.h - bulk reads for the observability views (src/observe/:
 * the agent graph and the time series of a project): the traces of a
 * time range with the few span columns those views need, streamed trace
 * by trace to a callback as flat C structs (no JSON, no attribute
 * parsing), and the annotations of the range.
 *
 * Strings passed to a callback are borrowed: valid only during that call.
 * Each call reads inside one transaction, so it sees one snapshot.
 */
#ifndef ASSAY_STORE_OBSERVE_H
#define ASSAY_STORE_OBSERVE_H

#include "assay/store.h"

/* One span as the observability views see it. */
typedef struct as_obs_span {
    int64_t span_id;
    int64_t parent_id;
    bool has_parent;           /* false: a root span                       */
    const char *kind;          /* span_kind, borrowed                       */
    const char *name;          /* borrowed                                  */
    int64_t start_ns, end_ns;
    bool error;                /* status_code ERROR                         */
    int64_t prompt, completion;/* own token counts, 0 when absent           */
    bool has_cost;
    double cost;               /* USD when has_cost                         */
} as_obs_span;

/* One trace and its spans (in no particular order). */
typedef struct as_obs_trace {
    int64_t rowid;
    int64_t start_ns, end_ns;
    const as_obs_span *spans;
    size_t n;
} as_obs_trace;

/* Return false to stop the scan early (not an error). */
typedef bool (*as_obs_trace_fn)(void *ud, const as_obs_trace *t);

typedef struct as_obs_scan {
    int64_t project_id;
    int64_t start_ns, end_ns;  /* trace start in [start, end); 0 = open    */
    const uint8_t *trace_id;   /* 16 bytes: only this trace; or NULL        */
    size_t max_traces;         /* the newest ones; 0 = all                  */
} as_obs_scan;

/* Call fn for each trace of the project whose start time is in range,
 * newest first, at most max_traces of them; *truncated (if given) is set
 * when more traces matched.  Cost: one index range scan of the traces and
 * one index seek per trace for its spans. */
as_rc as_store_observe_traces(as_store *st, const as_obs_scan *q,
                              as_obs_trace_fn fn, void *ud, bool *truncated,
                              as_err *err);

/* A trace's own totals (kept by the writer as spans arrive), without its
 * spans: what the time series needs. */
typedef struct as_obs_trace_totals {
    int64_t rowid;
    int64_t start_ns, end_ns;
    int64_t spans, errors;     /* errors: spans with status ERROR          */
    int64_t prompt, completion;/* token counts summed over its spans       */
    bool has_cost;
    double cost;               /* USD over the spans that have one         */
} as_obs_trace_totals;

typedef bool (*as_obs_totals_fn)(void *ud, const as_obs_trace_totals *t);

/* Call fn for each trace of the project whose start time is in range
 * (q->trace_id and q->max_traces as for as_store_observe_traces), in no
 * particular order.  Cost: one index range scan of the traces; no span
 * is read. */
as_rc as_store_observe_trace_totals(as_store *st, const as_obs_scan *q,
                                    as_obs_totals_fn fn, void *ud,
                                    as_err *err);

/* One span or trace annotation (notes, named "note", are not included). */
typedef struct as_obs_annotation {
    const char *name;          /* borrowed                                  */
    const char *label;         /* borrowed, or NULL                         */
    bool has_score;
    double score;
    int64_t time_ns;           /* start time of the annotated span / trace  */
} as_obs_annotation;

typedef bool (*as_obs_annotation_fn)(void *ud, const as_obs_annotation *a);

/* Call fn for each annotation of a span or trace of the project whose
 * start time is in [start_ns, end_ns) (0 = open). */
as_rc as_store_observe_annotations(as_store *st, int64_t project_id,
                                   int64_t start_ns, int64_t end_ns,
                                   as_obs_annotation_fn fn, void *ud,
                                   as_err *err);

#endif
