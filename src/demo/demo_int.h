/*
 * demo_int.h - shared parts of the demo builder (include/assay/demo.h):
 * the recorded data (data/demo/trips.json, experiments.json) read from
 * the embedded table, the fixed-seed generator, the {placeholder}
 * templates, and the plan of traces that traces.c ingests and demo.c
 * refers to (dataset examples come from some of their root spans).
 */
#ifndef ASSAY_DEMO_INT_H
#define ASSAY_DEMO_INT_H

#include <jansson.h>

#include "assay/demo.h"

#define DEMO_TRACES 120
#define DEMO_SESSIONS 15
#define DEMO_MAX_SCENARIOS 64

/* One recorded request with its facts (borrowed from the JSON tree). */
typedef struct demo_scenario {
    const char *city, *country, *currency, *who, *request, *highlight,
               *events, *answer;
    double rate;
    int days, budget;
} demo_scenario;

/* The recorded data, parsed once. */
typedef struct demo_data {
    json_t *trips, *exps;               /* owned trees                    */
    demo_scenario sc[DEMO_MAX_SCENARIOS];
    size_t n_sc;
    demo_scenario extra;                /* the example added in version 2 */
    json_t *followups, *errors;         /* borrowed arrays                */
} demo_data;

as_rc demo_data_load(demo_data *d, as_err *err);
void demo_data_release(demo_data *d);
/* Parse a scenario object; AS_EINVAL naming `where` when a field lacks. */
as_rc demo_scenario_parse(const json_t *o, demo_scenario *s, const char *where,
                          as_err *err);

/* splitmix64: the one generator, seeded with a constant. */
typedef struct demo_rng { uint64_t s; } demo_rng;
uint64_t demo_rng_next(demo_rng *r);
/* Uniform in [lo, hi]. */
int64_t demo_rng_range(demo_rng *r, int64_t lo, int64_t hi);

/* Expand {name} placeholders of tmpl from scenario s ({question} is
 * `question` when given, else s->request).  Unknown names stay as they
 * are.  Returns a malloc'd string. */
char *demo_fill(const char *tmpl, const demo_scenario *s, const char *question);
/* The JSON string at key of object o, or "" (for recorded texts). */
const char *demo_str(const json_t *o, const char *key);

/* A trace of the plan. */
typedef struct demo_trace {
    int scenario;                       /* index into demo_data.sc        */
    int followup;                       /* -1: the first request          */
    int session;                        /* -1: none                       */
    int turn;
    char variant;                       /* 'A' | 'B'                      */
    int error;                          /* 0 none, 1 recovered, 2 failed  */
    int error_tool;                     /* 0..2 (research, budget, local) */
    int64_t start_ns;
    char trace_id[33];
    char root_span_id[17];
    int64_t root_rowid;                 /* filled after ingest            */
} demo_trace;

typedef struct demo_plan {
    demo_trace t[DEMO_TRACES];
    int dataset_trace[DEMO_MAX_SCENARIOS];  /* scenario -> its first trace */
    size_t spans, sessions, error_traces;
} demo_plan;

/* Lay out the traces (sessions, times, errors) from the fixed seed. */
void demo_plan_make(demo_plan *p, const demo_data *d, int64_t now_ns);
/* Ingest the plan into project AS_DEMO_PROJECT (OTLP/JSON -> decode ->
 * prepare -> ingest queue), then resolve the root spans' rowids. */
as_rc demo_ingest(as_store *st, demo_plan *p, const demo_data *d, as_err *err);
/* Span annotations (LLM judge, humans, notes) on root spans. */
as_rc demo_span_annotations(as_store *st, const demo_plan *p, const demo_data *d,
                            as_demo_summary *sum, as_err *err);

#endif
