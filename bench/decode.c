/*
 * bench/decode.c - CPU cost of the ingest request path inside the server,
 * without HTTP or SQLite: decode (as_otlp_decode_protobuf, or
 * as_otlp_decode_json with --json-body), prepare (as_ingest_prepare:
 * normalise, serialise attributes/events/links, link parents) and release
 * (as_ingest_job_free), each timed separately.
 *
 * Design: the request bodies are the ones bench/ingest sends
 * (bench/otlpgen.h, 12-span trip-planner traces, K traces per request).  A
 * pool of bodies is encoded once; before each request one is refreshed with
 * new ids and timestamps (outside the timed part).  Time is process CPU
 * time (CLOCK_PROCESS_CPUTIME_ID) of this single thread, so the numbers are
 * what one decode worker of the server spends per span.
 *
 * The output is deterministic for a given --seed (timestamps derive from a
 * fixed clock, not the wall clock): the checksums (FNV-1a 64) of every
 * attributes_json, of events_json + links_json, and of the hot fields and
 * parent links let a refactor prove it produces byte-identical rows.
 *
 *   build/release/bench/decode [--requests N] [--traces-per-request K]
 *       [--pool N] [--seed N] [--error-rate F] [--warmup N] [--json-body]
 *       [--json]
 */
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <time.h>

#include "assay/buf.h"
#include "assay/hex.h"
#include "assay/ingest.h"
#include "assay/otlp.h"

#include "otlp_trace_service.pb-c.h"

#include "otlpgen.h"

typedef Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest PbRequest;
typedef Opentelemetry__Proto__Common__V1__KeyValue PbKeyValue;
typedef Opentelemetry__Proto__Common__V1__AnyValue PbAnyValue;

/* A fixed "now" (2024-05-01T12:00:00Z) keeps the output reproducible. */
#define FIXED_NOW_NS 1714564800000000000ull

static uint64_t cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++) h = (h ^ s[i]) * 0x100000001b3ull;
    return h;
}

static uint64_t fnv_str(uint64_t h, const char *s)
{
    if (!s) return fnv(h, "\xff", 1); /* NULL differs from "" */
    return fnv(h, s, strlen(s) + 1);
}

/* ------------------------------------------- protobuf body -> OTLP/JSON */

static void j_str(as_buf *b, const char *s)
{
    as_buf_json_str(b, s, strlen(s));
}

static void j_hex(as_buf *b, const uint8_t *p, size_t n)
{
    char hex[2 * 16 + 1];
    as_hex_encode(p, n, hex);
    as_buf_putc(b, '"');
    as_buf_append(b, hex, 2 * n);
    as_buf_putc(b, '"');
}

static void j_kvs(as_buf *b, PbKeyValue *const *kvs, size_t n);

static void j_any(as_buf *b, const PbAnyValue *v)
{
    if (!v) {
        as_buf_puts(b, "{}");
        return;
    }
    switch (v->value_case) {
    case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE:
        as_buf_puts(b, "{\"stringValue\":");
        j_str(b, v->string_value);
        break;
    case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BOOL_VALUE:
        as_buf_puts(b, v->bool_value ? "{\"boolValue\":true" : "{\"boolValue\":false");
        break;
    case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE:
        as_buf_printf(b, "{\"intValue\":\"%" PRId64 "\"", v->int_value);
        break;
    case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_DOUBLE_VALUE:
        as_buf_printf(b, "{\"doubleValue\":%.17g", v->double_value);
        break;
    case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_ARRAY_VALUE:
        as_buf_puts(b, "{\"arrayValue\":{\"values\":[");
        for (size_t i = 0; v->array_value && i < v->array_value->n_values; i++) {
            if (i) as_buf_putc(b, ',');
            j_any(b, v->array_value->values[i]);
        }
        as_buf_puts(b, "]}");
        break;
    case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_KVLIST_VALUE:
        as_buf_puts(b, "{\"kvlistValue\":{\"values\":");
        j_kvs(b, v->kvlist_value ? v->kvlist_value->values : NULL,
              v->kvlist_value ? v->kvlist_value->n_values : 0);
        as_buf_putc(b, '}');
        break;
    default:
        as_buf_putc(b, '{');
        break;
    }
    as_buf_putc(b, '}');
}

static void j_kvs(as_buf *b, PbKeyValue *const *kvs, size_t n)
{
    as_buf_putc(b, '[');
    for (size_t i = 0; i < n; i++) {
        as_buf_puts(b, i ? ",{\"key\":" : "{\"key\":");
        j_str(b, kvs[i]->key);
        as_buf_puts(b, ",\"value\":");
        j_any(b, kvs[i]->value);
        as_buf_putc(b, '}');
    }
    as_buf_putc(b, ']');
}

/* The same request in OTLP/JSON (what an OTLP/HTTP JSON exporter sends). */
static void to_otlp_json(const uint8_t *pb, size_t len, as_buf *out)
{
    PbRequest *req = opentelemetry__proto__collector__trace__v1__export_trace_service_request__unpack(NULL, len, pb);
    if (!req) die("internal: generated body does not unpack");
    as_buf_reset(out);
    as_buf_puts(out, "{\"resourceSpans\":[");
    for (size_t ri = 0; ri < req->n_resource_spans; ri++) {
        const Opentelemetry__Proto__Trace__V1__ResourceSpans *rs = req->resource_spans[ri];
        as_buf_puts(out, ri ? ",{" : "{");
        if (rs->resource) {
            as_buf_puts(out, "\"resource\":{\"attributes\":");
            j_kvs(out, rs->resource->attributes, rs->resource->n_attributes);
            as_buf_puts(out, "},");
        }
        as_buf_puts(out, "\"scopeSpans\":[");
        for (size_t si = 0; si < rs->n_scope_spans; si++) {
            const Opentelemetry__Proto__Trace__V1__ScopeSpans *ss = rs->scope_spans[si];
            as_buf_puts(out, si ? ",{" : "{");
            if (ss->scope) {
                as_buf_puts(out, "\"scope\":{\"name\":");
                j_str(out, ss->scope->name);
                as_buf_puts(out, ",\"version\":");
                j_str(out, ss->scope->version);
                as_buf_puts(out, "},");
            }
            as_buf_puts(out, "\"spans\":[");
            for (size_t pi = 0; pi < ss->n_spans; pi++) {
                const Opentelemetry__Proto__Trace__V1__Span *s = ss->spans[pi];
                as_buf_puts(out, pi ? ",{\"traceId\":" : "{\"traceId\":");
                j_hex(out, s->trace_id.data, s->trace_id.len);
                as_buf_puts(out, ",\"spanId\":");
                j_hex(out, s->span_id.data, s->span_id.len);
                if (s->parent_span_id.len) {
                    as_buf_puts(out, ",\"parentSpanId\":");
                    j_hex(out, s->parent_span_id.data, s->parent_span_id.len);
                }
                as_buf_puts(out, ",\"name\":");
                j_str(out, s->name);
                as_buf_printf(out, ",\"kind\":%d,\"startTimeUnixNano\":\"%" PRIu64 "\",\"endTimeUnixNano\":\"%" PRIu64
                              "\",\"attributes\":", (int)s->kind, s->start_time_unix_nano, s->end_time_unix_nano);
                j_kvs(out, s->attributes, s->n_attributes);
                as_buf_puts(out, ",\"events\":[");
                for (size_t e = 0; e < s->n_events; e++) {
                    as_buf_printf(out, "%s{\"timeUnixNano\":\"%" PRIu64 "\",\"name\":", e ? "," : "",
                                  s->events[e]->time_unix_nano);
                    j_str(out, s->events[e]->name);
                    as_buf_puts(out, ",\"attributes\":");
                    j_kvs(out, s->events[e]->attributes, s->events[e]->n_attributes);
                    as_buf_putc(out, '}');
                }
                as_buf_putc(out, ']');
                if (s->status) {
                    as_buf_printf(out, ",\"status\":{\"code\":%d,\"message\":", (int)s->status->code);
                    j_str(out, s->status->message);
                    as_buf_putc(out, '}');
                }
                as_buf_putc(out, '}');
            }
            as_buf_puts(out, "]}");
        }
        as_buf_puts(out, "]}");
    }
    as_buf_puts(out, "]}");
    opentelemetry__proto__collector__trace__v1__export_trace_service_request__free_unpacked(req, NULL);
}

/* ------------------------------------------------------------- the run */

typedef struct opts {
    unsigned requests, warmup, traces_per_request, pool;
    uint64_t seed;
    double error_rate;
    bool json_body, json;
} opts;

typedef struct totals {
    uint64_t decode_ns, prepare_ns, release_ns;
    uint64_t spans, requests, body_bytes;
    uint64_t sum_attrs, sum_events, sum_hot;
} totals;

static void checksum(totals *t, const as_ingest_job *job)
{
    const as_ingest_request *r = &job->req;
    for (size_t i = 0; i < r->batch.n; i++) {
        const as_ingest_span *it = &r->items[i];
        const as_span *s = it->span;
        t->sum_attrs = fnv_str(t->sum_attrs, it->attributes_json);
        t->sum_events = fnv_str(t->sum_events, it->events_json);
        t->sum_events = fnv_str(t->sum_events, it->links_json);
        uint64_t h = t->sum_hot;
        h = fnv_str(h, s->span_kind);
        h = fnv_str(h, s->model_name);
        h = fnv_str(h, s->session_id);
        h = fnv_str(h, s->user_id);
        h = fnv_str(h, s->name);
        h = fnv_str(h, s->project_name);
        int64_t nums[] = { s->tokens_prompt, s->tokens_completion, s->tokens_total, s->start_ns, s->end_ns,
                           s->status_code, s->otel_kind, it->parent_index };
        h = fnv(h, nums, sizeof nums);
        h = fnv(h, s->trace_id, 16);
        h = fnv(h, s->span_id, 8);
        t->sum_hot = h;
    }
}

/* One request: decode, prepare, release, each timed; added to t when counted. */
static void one(const opts *o, const uint8_t *data, size_t len, totals *t, bool counted)
{
    as_span_batch batch;
    as_err err;
    as_span_batch_init(&batch);
    uint64_t t0 = cpu_ns();
    as_rc rc = o->json_body ? as_otlp_decode_json((const char *)data, len, &batch, &err)
                            : as_otlp_decode_protobuf(data, len, &batch, &err);
    uint64_t t1 = cpu_ns();
    if (rc != AS_OK) {
        fprintf(stderr, "decode: %s\n", err.msg);
        exit(1);
    }
    size_t n = batch.n;
    as_ingest_job *job = as_ingest_job_new(&batch, NULL);
    rc = as_ingest_prepare(job, &err);
    uint64_t t2 = cpu_ns();
    if (rc != AS_OK) {
        fprintf(stderr, "prepare: %s\n", err.msg);
        exit(1);
    }
    if (counted) checksum(t, job);
    uint64_t t3 = cpu_ns();
    as_ingest_job_free(job);
    uint64_t t4 = cpu_ns();
    if (!counted) return;
    t->decode_ns += t1 - t0;
    t->prepare_ns += t2 - t1;
    t->release_ns += t4 - t3;
    t->spans += n;
    t->requests++;
    t->body_bytes += len;
}

static void usage(void)
{
    fprintf(stderr, "usage: decode [--requests N] [--warmup N] [--traces-per-request K] [--pool N] [--seed N]\n"
                    "              [--error-rate F] [--json-body] [--json]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    opts o = { .requests = 2000, .warmup = 100, .traces_per_request = 10, .pool = 8, .seed = 1, .error_rate = 0.02 };
    static const struct option lo[] = {
        { "requests", required_argument, NULL, 'n' }, { "warmup", required_argument, NULL, 'w' },
        { "traces-per-request", required_argument, NULL, 'k' }, { "pool", required_argument, NULL, 'p' },
        { "seed", required_argument, NULL, 's' }, { "error-rate", required_argument, NULL, 'e' },
        { "json-body", no_argument, NULL, 'J' }, { "json", no_argument, NULL, 'j' }, { NULL, 0, NULL, 0 },
    };
    int c;
    while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        switch (c) {
        case 'n': o.requests = (unsigned)strtoul(optarg, NULL, 10); break;
        case 'w': o.warmup = (unsigned)strtoul(optarg, NULL, 10); break;
        case 'k': o.traces_per_request = (unsigned)strtoul(optarg, NULL, 10); break;
        case 'p': o.pool = (unsigned)strtoul(optarg, NULL, 10); break;
        case 's': o.seed = strtoull(optarg, NULL, 10); break;
        case 'e': o.error_rate = strtod(optarg, NULL); break;
        case 'J': o.json_body = true; break;
        case 'j': o.json = true; break;
        default: usage();
        }
    }
    if (optind != argc) usage();
    if (o.requests < 1) die("--requests must be >= 1");
    if (o.traces_per_request < 1 || o.traces_per_request > 65535) die("--traces-per-request must be 1..65535");
    if (o.pool < 1) die("--pool must be >= 1");

    rng r = { o.seed };
    body *pool = xmalloc(o.pool * sizeof *pool);
    for (unsigned i = 0; i < o.pool; i++) build_body(&pool[i], o.traces_per_request, "bench", &r, o.error_rate);
    as_buf jbody;
    as_buf_init(&jbody, AS_BUF_UNLIMITED);

    totals t = { .sum_attrs = 0xcbf29ce484222325ull, .sum_events = 0xcbf29ce484222325ull,
                 .sum_hot = 0xcbf29ce484222325ull };
    uint64_t session = 0;
    for (unsigned i = 0; i < o.warmup + o.requests; i++) {
        body *bd = &pool[i % o.pool];
        refresh_body(bd, &r, FIXED_NOW_NS + (uint64_t)i * 50000000ull, &session);
        const uint8_t *data = bd->data;
        size_t len = bd->len;
        if (o.json_body) {
            to_otlp_json(bd->data, bd->len, &jbody);
            data = (const uint8_t *)jbody.data;
            len = jbody.len;
        }
        one(&o, data, len, &t, i >= o.warmup);
    }

    double spans = (double)t.spans;
    double dec = (double)t.decode_ns / 1e3 / spans, prep = (double)t.prepare_ns / 1e3 / spans,
           rel = (double)t.release_ns / 1e3 / spans;
    if (o.json) {
        printf("{\"body\":\"%s\",\"requests\":%" PRIu64 ",\"spans\":%" PRIu64 ",\"bytes_per_span\":%.0f,"
               "\"us_per_span\":{\"decode\":%.3f,\"prepare\":%.3f,\"release\":%.3f,\"total\":%.3f},"
               "\"checksum\":{\"attributes\":\"%016" PRIx64 "\",\"events_links\":\"%016" PRIx64
               "\",\"hot\":\"%016" PRIx64 "\"}}\n",
               o.json_body ? "json" : "protobuf", t.requests, t.spans, (double)t.body_bytes / spans, dec, prep, rel,
               dec + prep + rel, t.sum_attrs, t.sum_events, t.sum_hot);
    } else {
        printf("body               : %s, %u traces/request, %.0f bytes/span\n", o.json_body ? "OTLP/JSON" : "protobuf",
               o.traces_per_request, (double)t.body_bytes / spans);
        printf("requests / spans   : %" PRIu64 " / %" PRIu64 "  (+%u warm-up requests)\n", t.requests, t.spans,
               o.warmup);
        printf("cpu us/span        : decode %.2f  prepare %.2f  release %.2f  total %.2f\n", dec, prep, rel,
               dec + prep + rel);
        printf("spans/s (1 core)   : %.0f\n", 1e6 / (dec + prep + rel));
        printf("checksum           : attributes %016" PRIx64 "  events+links %016" PRIx64 "  hot %016" PRIx64 "\n",
               t.sum_attrs, t.sum_events, t.sum_hot);
    }
    for (unsigned i = 0; i < o.pool; i++) free_body(&pool[i]);
    free(pool);
    as_buf_release(&jbody);
    return 0;
}
