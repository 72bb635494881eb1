/*
 * h_observe.c - the observability views of a project (an assay extension
 * of the REST API; docs/observe.md):
 *   GET /v1/projects/{project_identifier}/agent_graph
 *       ?start_time&end_time&trace_id&max_traces
 *   GET /v1/projects/{project_identifier}/timeseries
 *       ?start_time&end_time&interval
 * The figures come from src/observe/; these handlers parse the query and
 * shape errors (404 unknown project or trace, 422 a bad parameter).
 */
#include <string.h>

#include "assay/hex.h"
#include "assay/observe.h"
#include "assay/timefmt.h"
#include "server.h"

#define DAY_NS (86400LL * 1000000000LL)

static bool time_range(as_req *r, int64_t *start, int64_t *end) {
    if (!as_req_time(r, "start_time", start) || !as_req_time(r, "end_time", end))
        return false;
    if (*start && *end && *end <= *start) {
        as_reply_error(r, AS_EUNPROCESSABLE, "end_time must be after start_time");
        return false;
    }
    return true;
}

static void h_agent_graph(as_req *r) {
    as_obs_scan q = { 0 };
    if (!as_req_project(r, r->params[0], &q.project_id, NULL)) return;
    if (!time_range(r, &q.start_ns, &q.end_ns)) return;
    long long max = AS_GRAPH_DEFAULT_TRACES;
    if (!as_req_int(r, "max_traces", 1, AS_GRAPH_MAX_TRACES, &max)) return;
    q.max_traces = (size_t)max;
    uint8_t tid[16];
    const char *trace_id = as_req_query(r, "trace_id");
    if (trace_id && *trace_id) {
        if (!as_is_hex(trace_id, 32) || !as_hex_decode(trace_id, 32, tid, 16)) {
            as_reply_errorf(r, AS_EUNPROCESSABLE, "trace_id '%.40s' is not 32 hex characters",
                            trace_id);
            return;
        }
        q.trace_id = tid;
    }
    json_t *out;
    as_err e;
    if (as_observe_agent_graph(r->srv->store, &q, &out, &e) != AS_OK) {
        as_reply_err(r, &e);
        return;
    }
    if (q.trace_id && json_integer_value(json_object_get(out, "traces")) == 0) {
        json_decref(out);
        as_reply_errorf(r, AS_ENOTFOUND, "trace '%s' not found in project '%.100s'%s",
                        trace_id, r->params[0],
                        q.start_ns || q.end_ns ? " within the time range" : "");
        return;
    }
    as_reply_data(r, out);
}

static void h_timeseries(as_req *r) {
    int64_t project, start, end;
    if (!as_req_project(r, r->params[0], &project, NULL)) return;
    if (!time_range(r, &start, &end)) return;
    if (!end) end = as_now_ns();
    if (!start) start = end - DAY_NS;
    if (end <= start) {
        as_reply_error(r, AS_EUNPROCESSABLE, "end_time (default: now) must be after start_time");
        return;
    }
    long long interval = as_timeseries_default_interval(end - start);
    if (!as_req_int(r, "interval", AS_TS_MIN_INTERVAL_S, 100LL * 365 * 86400, &interval)) return;
    json_t *out;
    as_err e;
    as_rc rc = as_observe_timeseries(r->srv->store, project, start, end, interval, &out, &e);
    if (rc == AS_EINVAL) {
        /* the parameters do not fit together (too many buckets) */
        as_reply_error(r, AS_EUNPROCESSABLE, e.msg);
        return;
    }
    if (rc != AS_OK) {
        as_reply_err(r, &e);
        return;
    }
    as_reply_data(r, out);
}

const as_route as_routes_observe[] = {
    { "GET", "/v1/projects/{}/agent_graph", h_agent_graph, false, false },
    { "GET", "/v1/projects/{}/timeseries", h_timeseries, false, false },
    { NULL, NULL, NULL, false, false },
};
