/*
 * bench/bench_agent_graph.c - in-process benchmark of the observability
 * views (include/assay/observe.h) over a store filled with trip-planner
 * traces (bench/otlpgen.h: 12 spans each, three sub-agents in parallel
 * under the planner, then the itinerary agent; LLM spans with ~1 KB of
 * messages and token counts).
 *
 *   build/release/bench/bench_agent_graph [--traces 10000] [--repeat 10]
 *                                         [--per-request 10] [--json] [--keep]
 *
 * Fills a fresh store in a temporary directory through the real ingest
 * path (protobuf decode, as_ingest_prepare, as_store_write_spans), then
 * times as_observe_agent_graph over all traces (the store scan and the
 * computation, as GET /agent_graph does minus the JSON text) and
 * as_observe_timeseries over the same range: the first run ("cold")
 * and the median / max of --repeat runs, in wall time and in the CPU
 * time of the calling thread (which does all the work: the CPU figure
 * stays meaningful on a loaded machine).  Removes the directory unless
 * --keep (then prints its path).
 */
#include <getopt.h>
#include <time.h>
#include <jansson.h>

#include "assay/ingest.h"
#include "assay/observe.h"
#include "assay/otlp.h"
#include "assay/timefmt.h"
#include "otlpgen.h"

#define NOW_NS 1714564800000000000ull

static uint64_t cpu_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

typedef struct timing_set {
    uint64_t cold, p50, max;
} timing_set;

static void summarise(uint64_t *v, unsigned n, uint64_t cold, timing_set *out) {
    qsort(v, n, sizeof *v, cmp_u64);
    out->cold = cold;
    out->p50 = v[(n - 1) / 2];
    out->max = v[n - 1];
}

int main(int argc, char **argv) {
    unsigned traces = 10000, repeat = 10, per = 10;
    bool json = false, keep = false;
    static const struct option lo[] = {
        { "traces", required_argument, 0, 't' }, { "repeat", required_argument, 0, 'r' },
        { "per-request", required_argument, 0, 'k' }, { "json", no_argument, 0, 'j' },
        { "keep", no_argument, 0, 'K' },
        { 0, 0, 0, 0 },
    };
    int c;
    while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        switch (c) {
        case 't': traces = (unsigned)strtoul(optarg, NULL, 10); break;
        case 'r': repeat = (unsigned)strtoul(optarg, NULL, 10); break;
        case 'k': per = (unsigned)strtoul(optarg, NULL, 10); break;
        case 'j': json = true; break;
        case 'K': keep = true; break;
        default:
            fprintf(stderr, "usage: bench_agent_graph [--traces N] [--repeat R] "
                            "[--per-request K] [--json] [--keep]\n");
            return 2;
        }
    }
    if (traces < per || per < 1 || repeat < 1) die("--traces >= --per-request >= 1, --repeat >= 1");

    char dir[] = "/tmp/assay-bench-graph-XXXXXX";
    if (!mkdtemp(dir)) die("mkdtemp failed");
    as_store_config cfg;
    as_store_config_defaults(&cfg);
    cfg.data_dir = dir;
    cfg.sync_full = false;
    as_store *st;
    as_err err;
    if (as_store_open(&cfg, &st, &err) != AS_OK) die(err.msg);

    /* Fill: traces / per requests of `per` traces, 50 ms apart. */
    rng r = { 42 };
    body bd;
    build_body(&bd, per, "bench", &r, 0.02);
    uint64_t session = 0, t0 = (uint64_t)as_mono_ns();
    unsigned nreq = traces / per;
    for (unsigned i = 0; i < nreq; i++) {
        refresh_body(&bd, &r, NOW_NS + (uint64_t)i * 50000000ull, &session);
        as_span_batch batch;
        as_span_batch_init(&batch);
        if (as_otlp_decode_protobuf(bd.data, bd.len, &batch, &err) != AS_OK) die(err.msg);
        as_ingest_job *job = as_ingest_job_new(&batch, NULL);
        if (as_ingest_prepare(job, &err) != AS_OK) die(err.msg);
        as_ingest_request *req = &job->req;
        as_rc rc;
        as_err rerr;
        if (as_store_write_spans(st, &req, 1, &rc, &rerr, &err) != AS_OK || rc != AS_OK)
            die("writing spans failed");
        as_ingest_job_free(job);
    }
    double fill_s = (double)((uint64_t)as_mono_ns() - t0) / 1e9;
    free_body(&bd);

    json_t *row;
    if (as_store_project_get(st, 0, "bench", &row, &err) != AS_OK) die(err.msg);
    int64_t project = json_integer_value(json_object_get(row, "id"));
    json_decref(row);

    uint64_t *v = xmalloc(repeat * sizeof *v), *vc = xmalloc(repeat * sizeof *vc);
    uint64_t cold = 0, cold_cpu = 0;
    timing_set graph, series, graph_cpu, series_cpu;
    json_int_t nspans = 0, ntraces = 0, nnodes = 0, nedges = 0;
    as_obs_scan q = { .project_id = project, .max_traces = traces };
    for (unsigned i = 0; i <= repeat; i++) {
        json_t *out;
        uint64_t s = (uint64_t)as_mono_ns(), sc = cpu_ns();
        if (as_observe_agent_graph(st, &q, &out, &err) != AS_OK) die(err.msg);
        uint64_t d = (uint64_t)as_mono_ns() - s, dc = cpu_ns() - sc;
        if (i == 0) {
            cold = d;
            cold_cpu = dc;
            ntraces = json_integer_value(json_object_get(out, "traces"));
            nspans = json_integer_value(json_object_get(out, "spans"));
            nnodes = (json_int_t)json_array_size(json_object_get(out, "nodes"));
            nedges = (json_int_t)json_array_size(json_object_get(out, "edges"));
        } else {
            v[i - 1] = d;
            vc[i - 1] = dc;
        }
        json_decref(out);
    }
    summarise(v, repeat, cold, &graph);
    summarise(vc, repeat, cold_cpu, &graph_cpu);
    int64_t start = (int64_t)NOW_NS - 60 * 1000000000LL;
    int64_t end = (int64_t)NOW_NS + (int64_t)nreq * 50000000LL + 60 * 1000000000LL;
    for (unsigned i = 0; i <= repeat; i++) {
        json_t *out;
        uint64_t s = (uint64_t)as_mono_ns(), sc = cpu_ns();
        if (as_observe_timeseries(st, project, start, end, 60, &out, &err) != AS_OK) die(err.msg);
        uint64_t d = (uint64_t)as_mono_ns() - s, dc = cpu_ns() - sc;
        if (i == 0) { cold = d; cold_cpu = dc; }
        else { v[i - 1] = d; vc[i - 1] = dc; }
        json_decref(out);
    }
    summarise(v, repeat, cold, &series);
    summarise(vc, repeat, cold_cpu, &series_cpu);
    free(v);
    free(vc);
    as_store_close(st);
    char cmd[96];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (keep) fprintf(stderr, "kept %s\n", dir);
    else if (system(cmd) != 0) fprintf(stderr, "cleanup of %s failed\n", dir);

    if (json) {
        printf("{\"traces\":%lld,\"spans\":%lld,\"nodes\":%lld,\"edges\":%lld,\"fill_s\":%.2f,"
               "\"agent_graph_ms\":{\"cold\":%.1f,\"p50\":%.1f,\"max\":%.1f,\"cpu_p50\":%.1f},"
               "\"timeseries_ms\":{\"cold\":%.1f,\"p50\":%.1f,\"max\":%.1f,\"cpu_p50\":%.1f}}\n",
               (long long)ntraces, (long long)nspans, (long long)nnodes, (long long)nedges, fill_s,
               graph.cold / 1e6, graph.p50 / 1e6, graph.max / 1e6, graph_cpu.p50 / 1e6,
               series.cold / 1e6, series.p50 / 1e6, series.max / 1e6, series_cpu.p50 / 1e6);
    } else {
        printf("store: %lld traces, %lld spans (filled in %.2f s)\n", (long long)ntraces,
               (long long)nspans, fill_s);
        printf("agent_graph: %lld nodes, %lld edges; wall: cold %.1f ms, p50 %.1f ms, max %.1f ms; "
               "thread CPU: cold %.1f ms, p50 %.1f ms, max %.1f ms (%u runs)\n", (long long)nnodes,
               (long long)nedges, graph.cold / 1e6, graph.p50 / 1e6, graph.max / 1e6,
               graph_cpu.cold / 1e6, graph_cpu.p50 / 1e6, graph_cpu.max / 1e6, repeat);
        printf("timeseries (60 s buckets): wall: cold %.1f ms, p50 %.1f ms, max %.1f ms; "
               "thread CPU: cold %.1f ms, p50 %.1f ms, max %.1f ms\n",
               series.cold / 1e6, series.p50 / 1e6, series.max / 1e6,
               series_cpu.cold / 1e6, series_cpu.p50 / 1e6, series_cpu.max / 1e6);
    }
    return 0;
}
