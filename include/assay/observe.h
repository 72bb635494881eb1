/*
 * observe.h - the observability views of a project (docs/observe.md):
 *
 *   agent graph   nodes are (span_kind, name) pairs, edges parent node ->
 *                 child node, with call counts, errors, latency
 *                 percentiles, tokens, cost, and whether calls on an edge
 *                 ran in parallel with a sibling span;
 *   time series   per time bucket (by trace start time): traces, spans,
 *                 traces with errors, trace latency percentiles, tokens,
 *                 cost, and the span / trace annotations per name and
 *                 label.
 *
 * Both are computed in C over flat rows streamed from the store
 * (store_observe.h), one trace at a time: no JSON is parsed.  The
 * accumulators can also be fed by hand (tests, benchmarks).
 *
 * Ownership: *_new returns an object freed with its *_free (which accepts
 * NULL); *_json returns a new jansson reference owned by the caller.
 * Percentiles are nearest-rank: the p-th percentile of n sorted values is
 * the value at rank ceil(p/100 * n).
 */
#ifndef ASSAY_OBSERVE_H
#define ASSAY_OBSERVE_H

#include <jansson.h>

#include "assay/store_observe.h"

/* ---- agent graph ------------------------------------------------------ */

#define AS_GRAPH_DEFAULT_TRACES 10000
#define AS_GRAPH_MAX_TRACES 100000

typedef struct as_agent_graph as_agent_graph;

as_agent_graph *as_agent_graph_new(void);
/* Add one trace.  A span whose parent is not among the trace's spans
 * (not ingested, or itself) counts as a root.  Two siblings (children of
 * one parent span) overlap when each starts before the other ends. */
void as_agent_graph_add(as_agent_graph *g, const as_obs_trace *t);
/* {traces, spans, nodes[], edges[]} as in docs/observe.md; nodes by calls
 * descending (then id), edges by calls descending (then source, target). */
json_t *as_agent_graph_json(as_agent_graph *g);
void as_agent_graph_free(as_agent_graph *g);

/* Scan the store and build the graph: {traces, truncated, spans, nodes,
 * edges}.  q->max_traces 0 means AS_GRAPH_DEFAULT_TRACES. */
as_rc as_observe_agent_graph(as_store *st, const as_obs_scan *q, json_t **out,
                             as_err *err);

/* ---- time series ------------------------------------------------------ */

#define AS_TS_MIN_INTERVAL_S 60
#define AS_TS_MAX_BUCKETS 10000
#define AS_TS_DEFAULT_BUCKETS 48

/* The default bucket width in seconds for a range of range_ns: the first
 * of 1, 2, 5, 10, 15, 30 min, 1, 2, 3, 6, 12 h, 1 d, 2 d, 7 d that gives
 * at most AS_TS_DEFAULT_BUCKETS buckets (whole days beyond). */
int64_t as_timeseries_default_interval(int64_t range_ns);

typedef struct as_timeseries as_timeseries;

/* Buckets [start + k*interval, start + (k+1)*interval) covering
 * [start_ns, end_ns); the last one ends at end_ns.  AS_EINVAL when
 * end <= start, interval_s < AS_TS_MIN_INTERVAL_S, or more than
 * AS_TS_MAX_BUCKETS buckets (the message names the parameter). */
as_rc as_timeseries_new(int64_t start_ns, int64_t end_ns, int64_t interval_s,
                        as_timeseries **out, as_err *err);
/* Count a trace in the bucket of its start time (ignored outside): from
 * its stored totals, or from its spans (the same figures). */
void as_timeseries_add_totals(as_timeseries *ts, const as_obs_trace_totals *t);
void as_timeseries_add_trace(as_timeseries *ts, const as_obs_trace *t);
void as_timeseries_add_annotation(as_timeseries *ts, const as_obs_annotation *a);
/* {start_time, end_time, interval_s, buckets[], annotations[]} */
json_t *as_timeseries_json(const as_timeseries *ts);
void as_timeseries_free(as_timeseries *ts);

/* Scan the store and build the series of a project. */
as_rc as_observe_timeseries(as_store *st, int64_t project_id, int64_t start_ns,
                            int64_t end_ns, int64_t interval_s, json_t **out,
                            as_err *err);

#endif
