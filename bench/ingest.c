/*
 * bench/ingest.c - OTLP/HTTP load generator for assay (and Phoenix).
 *
 * Design: every connection is one thread with one reused libcurl easy handle
 * (HTTP/1.1 keep-alive).  At start-up each thread encodes a small pool of
 * ExportTraceServiceRequest bodies (bench/otlpgen.h: 12-span trip-planner
 * traces, shared with bench/decode) and per request only rewrites the ids,
 * timestamps and session ids in place, so the generator costs a few
 * microseconds per request whatever the body size.
 *
 * Only spans of requests answered 200 count as acknowledged (minus any
 * partial_success.rejected_spans in the reply).  Latencies are all recorded
 * and sorted at the end.  With --rate the load is open-loop (each thread has
 * a schedule; latency is measured from the scheduled send time, so a slow
 * server cannot hide queueing - "coordinated omission").
 */
#include <curl/curl.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "otlpgen.h"

#define MAX_STATUS 600
#define MAX_CONNECTIONS 1024

/* ------------------------------------------------------------------ time */

static uint64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t wall_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void sleep_until_mono(uint64_t t)
{
    struct timespec ts = { (time_t)(t / 1000000000ull), (long)(t % 1000000000ull) };
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {
    }
}

static void sleep_ms(unsigned msec)
{
    sleep_until_mono(mono_ns() + (uint64_t)msec * 1000000ull);
}


/* ----------------------------------------------------------- the options */

typedef struct opts {
    const char *url;
    const char *project;
    const char *db;
    unsigned connections;
    double duration;
    double warmup;
    unsigned traces_per_request;
    double rate;
    long server_pid;
    bool json;
    bool progress;
    uint64_t prefill;
    unsigned pool;
    uint64_t seed;
    double error_rate;
} opts;

static opts O = {
    .url = "http://127.0.0.1:6006",
    .project = "bench",
    .connections = 8,
    .duration = 10,
    .warmup = 0,
    .traces_per_request = 10,
    .pool = 8,
    .error_rate = 0.02,
};

/* ------------------------------------------------------------ the threads */

typedef struct lat_vec {
    uint64_t *v;
    size_t n, cap;
} lat_vec;

static void lat_push(lat_vec *l, uint64_t ns)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 4096;
        l->v = xrealloc(l->v, l->cap * sizeof *l->v);
    }
    l->v[l->n++] = ns;
}

typedef struct worker {
    pthread_t th;
    unsigned id;
    CURL *curl;
    struct curl_slist *headers;
    body *bodies;
    rng r;
    uint64_t session;
    char url[1024];
    /* response */
    uint8_t resp[8192];
    size_t resp_len;
    char errbuf[CURL_ERROR_SIZE];
    /* results (measurement window only) */
    lat_vec lat;     /* from scheduled (rate) or actual send */
    lat_vec service; /* from actual send, only with --rate */
    uint64_t ok_requests;
    uint64_t spans_acked;
    uint64_t rejected_spans;
    uint64_t status[MAX_STATUS + 1]; /* [0] = transport error */
    uint64_t late_sends;
    long connects;
    char first_error[256];
} worker;

static uint64_t g_start, g_measure_start, g_end;
static atomic_bool g_stop;

/* prefill bookkeeping */
static atomic_uint_fast64_t g_prefill_next;   /* next request number */
static uint64_t g_prefill_requests;          /* requests to send */
static atomic_uint_fast64_t g_prefill_acked; /* spans */
static atomic_uint_fast64_t g_prefill_failed;
static pthread_mutex_t g_million_mu = PTHREAD_MUTEX_INITIALIZER;
static uint64_t g_million_t[4096];
static unsigned g_millions;

static size_t on_write(char *ptr, size_t size, size_t nmemb, void *ud)
{
    worker *w = ud;
    size_t n = size * nmemb;
    size_t room = sizeof w->resp - w->resp_len;
    memcpy(w->resp + w->resp_len, ptr, n < room ? n : room);
    w->resp_len += n < room ? n : room;
    return n;
}

static bool rd_varint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
    *v = 0;
    for (int shift = 0; shift < 64 && *p < end; shift += 7) {
        uint8_t b = *(*p)++;
        *v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) return true;
    }
    return false;
}

/* ExportTraceServiceResponse.partial_success.rejected_spans, 0 if none. */
static uint64_t rejected_in(const uint8_t *p, size_t len, char *msg, size_t msgcap)
{
    const uint8_t *end = p + len;
    uint64_t rejected = 0, key, v;
    while (p < end && rd_varint(&p, end, &key)) {
        unsigned wt = (unsigned)(key & 7);
        if (wt == WT_VARINT) {
            if (!rd_varint(&p, end, &v)) break;
        } else if (wt == WT_I64) {
            p += 8;
        } else if (wt == WT_I32) {
            p += 4;
        } else if (wt == WT_LEN) {
            if (!rd_varint(&p, end, &v) || v > (uint64_t)(end - p)) break;
            if ((key >> 3) == 1) { /* partial_success */
                const uint8_t *q = p, *qe = p + v;
                uint64_t k2, v2;
                while (q < qe && rd_varint(&q, qe, &k2)) {
                    if ((k2 & 7) == WT_VARINT) {
                        if (!rd_varint(&q, qe, &v2)) break;
                        if ((k2 >> 3) == 1) rejected = v2;
                    } else if ((k2 & 7) == WT_LEN) {
                        if (!rd_varint(&q, qe, &v2) || v2 > (uint64_t)(qe - q)) break;
                        if ((k2 >> 3) == 2 && msgcap && !msg[0])
                            snprintf(msg, msgcap, "partial_success: %.*s", (int)v2, (const char *)q);
                        q += v2;
                    } else {
                        break;
                    }
                }
            }
            p += v;
        } else {
            break;
        }
    }
    return rejected;
}

/* One POST; returns the HTTP status (0 on transport error). */
static long post(worker *w, const body *bd)
{
    w->resp_len = 0;
    curl_easy_setopt(w->curl, CURLOPT_POSTFIELDS, (const char *)bd->data);
    curl_easy_setopt(w->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)bd->len);
    CURLcode rc = curl_easy_perform(w->curl);
    if (rc != CURLE_OK) {
        if (!w->first_error[0])
            snprintf(w->first_error, sizeof w->first_error, "%.200s", w->errbuf[0] ? w->errbuf : curl_easy_strerror(rc));
        return 0;
    }
    long code = 0;
    curl_easy_getinfo(w->curl, CURLINFO_RESPONSE_CODE, &code);
    long nc = 0;
    curl_easy_getinfo(w->curl, CURLINFO_NUM_CONNECTS, &nc);
    w->connects += nc;
    if (code != 200 && !w->first_error[0]) {
        snprintf(w->first_error, sizeof w->first_error, "HTTP %ld: %.*s", code,
                 (int)(w->resp_len < 200 ? w->resp_len : 200), (const char *)w->resp);
    }
    return code;
}

static void count_status(worker *w, long code)
{
    if (code < 0 || code > MAX_STATUS) code = MAX_STATUS;
    w->status[code]++;
}

static void note_prefill_progress(uint64_t before, uint64_t after)
{
    if (before / 1000000 == after / 1000000) return;
    uint64_t now = mono_ns();
    pthread_mutex_lock(&g_million_mu);
    for (uint64_t m = before / 1000000 + 1; m <= after / 1000000; m++) {
        if (g_millions < sizeof g_million_t / sizeof *g_million_t) {
            g_million_t[g_millions] = now;
            uint64_t prev = g_millions ? g_million_t[g_millions - 1] : g_start;
            double secs = (double)(now - prev) / 1e9;
            fprintf(stderr, "prefill: %" PRIu64 "M spans  %.1f s total  this million %.2f s = %.0f spans/s\n", m,
                    (double)(now - g_start) / 1e9, secs, secs > 0 ? 1e6 / secs : 0.0);
            g_millions++;
        }
    }
    pthread_mutex_unlock(&g_million_mu);
}

static void *prefill_loop(worker *w)
{
    unsigned spans = O.traces_per_request * SPANS_PER_TRACE;
    for (uint64_t i = 0;; i++) {
        uint64_t req = atomic_fetch_add(&g_prefill_next, 1);
        if (req >= g_prefill_requests || atomic_load(&g_stop)) break;
        body *bd = &w->bodies[i % O.pool];
        refresh_body(bd, &w->r, wall_ns(), &w->session);
        bool done = false;
        for (unsigned attempt = 0; attempt < 20 && !done; attempt++) {
            uint64_t t0 = mono_ns();
            long code = post(w, bd);
            uint64_t t1 = mono_ns();
            count_status(w, code);
            if (code == 200) {
                uint64_t rej = rejected_in(w->resp, w->resp_len, w->first_error, sizeof w->first_error);
                uint64_t acked = spans > rej ? spans - rej : 0;
                w->ok_requests++;
                w->spans_acked += acked;
                w->rejected_spans += rej;
                lat_push(&w->lat, t1 - t0);
                uint64_t before = atomic_fetch_add(&g_prefill_acked, acked);
                note_prefill_progress(before, before + acked);
                done = true;
            } else {
                /* 429/503 back-pressure, or the server is not up yet */
                sleep_ms(attempt < 5 ? 20u << attempt : 1000u);
            }
        }
        if (!done) atomic_fetch_add(&g_prefill_failed, 1);
    }
    return NULL;
}

static void *timed_loop(worker *w)
{
    unsigned spans = O.traces_per_request * SPANS_PER_TRACE;
    uint64_t interval = 0, next = 0;
    if (O.rate > 0) {
        interval = (uint64_t)(1e9 * O.connections / O.rate);
        next = g_start + interval * w->id / O.connections; /* stagger the threads */
    }
    for (uint64_t i = 0;; i++) {
        uint64_t sched;
        if (interval) {
            sched = next;
            next += interval;
            if (sched >= g_end) break;
            uint64_t now = mono_ns();
            if (sched > now) sleep_until_mono(sched);
            else if (now - sched > ms(1)) w->late_sends++;
        } else {
            sched = mono_ns();
            if (sched >= g_end) break;
        }
        if (atomic_load(&g_stop)) break;
        body *bd = &w->bodies[i % O.pool];
        refresh_body(bd, &w->r, wall_ns(), &w->session);
        uint64_t t0 = mono_ns();
        long code = post(w, bd);
        uint64_t t1 = mono_ns();
        if (t1 > g_end) break; /* finished after the window: not counted */
        if (t1 < g_measure_start) { /* warm-up: nothing is counted */
            w->first_error[0] = 0;
            if (code == 0) sleep_ms(10);
            continue;
        }
        count_status(w, code);
        if (code == 200) {
            uint64_t rej = rejected_in(w->resp, w->resp_len, w->first_error, sizeof w->first_error);
            w->ok_requests++;
            w->spans_acked += spans > rej ? spans - rej : 0;
            w->rejected_spans += rej;
            lat_push(&w->lat, t1 - (interval ? (sched < t0 ? sched : t0) : t0));
            if (interval) lat_push(&w->service, t1 - t0);
        } else if (code == 0) {
            sleep_ms(10); /* connection refused etc.: do not spin */
        }
    }
    return NULL;
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    return O.prefill ? prefill_loop(w) : timed_loop(w);
}

static void worker_init(worker *w, unsigned id, uint64_t seed)
{
    memset(w, 0, sizeof *w);
    w->id = id;
    w->r.s = seed ^ (0x51ed270b27f3a1c5ull * (id + 1));
    rng_next(&w->r);
    w->bodies = xmalloc(O.pool * sizeof *w->bodies);
    for (unsigned i = 0; i < O.pool; i++)
        build_body(&w->bodies[i], O.traces_per_request, O.project, &w->r, O.error_rate);
    snprintf(w->url, sizeof w->url, "%s/v1/traces", O.url);
    w->curl = curl_easy_init();
    if (!w->curl) die("curl_easy_init failed");
    w->headers = curl_slist_append(NULL, "Content-Type: application/x-protobuf");
    w->headers = curl_slist_append(w->headers, "Expect:"); /* no 100-continue round trip */
    curl_easy_setopt(w->curl, CURLOPT_URL, w->url);
    curl_easy_setopt(w->curl, CURLOPT_POST, 1L);
    curl_easy_setopt(w->curl, CURLOPT_HTTPHEADER, w->headers);
    curl_easy_setopt(w->curl, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(w->curl, CURLOPT_WRITEDATA, w);
    curl_easy_setopt(w->curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(w->curl, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(w->curl, CURLOPT_TIMEOUT, 120L);
    curl_easy_setopt(w->curl, CURLOPT_CONNECTTIMEOUT, 5L);
    curl_easy_setopt(w->curl, CURLOPT_ERRORBUFFER, w->errbuf);
    curl_easy_setopt(w->curl, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
}

/* ------------------------------------------------------ server RSS, db size */

static atomic_bool g_sampler_stop;
static uint64_t g_peak_rss, g_hwm; /* bytes */
static bool g_pid_gone;

static bool read_status(long pid, uint64_t *rss, uint64_t *hwm)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%ld/status", pid);
    FILE *f = fopen(path, "r");
    if (!f) return false;
    *rss = *hwm = 0;
    while (fgets(line, sizeof line, f)) {
        unsigned long long kb;
        if (sscanf(line, "VmRSS: %llu kB", &kb) == 1) *rss = kb * 1024;
        else if (sscanf(line, "VmHWM: %llu kB", &kb) == 1) *hwm = kb * 1024;
    }
    fclose(f);
    return true;
}

static void *sampler_main(void *arg)
{
    (void)arg;
    while (!atomic_load(&g_sampler_stop)) {
        uint64_t rss, hwm;
        if (!read_status(O.server_pid, &rss, &hwm)) {
            g_pid_gone = true;
            break;
        }
        if (rss > g_peak_rss) g_peak_rss = rss;
        if (hwm > g_hwm) g_hwm = hwm;
        sleep_ms(100);
    }
    return NULL;
}

static uint64_t file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
}

static void db_sizes(uint64_t *db, uint64_t *wal)
{
    char p[4096];
    *db = file_size(O.db);
    snprintf(p, sizeof p, "%s-wal", O.db);
    *wal = file_size(p);
}

/* ---------------------------------------------------------------- report */

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* nearest-rank percentile of a sorted vector, in ms */
static double pct_ms(const lat_vec *l, double p)
{
    if (!l->n) return 0;
    size_t rank = (size_t)(p / 100.0 * (double)l->n + 0.999999);
    if (rank < 1) rank = 1;
    if (rank > l->n) rank = l->n;
    return (double)l->v[rank - 1] / 1e6;
}

static double mean_ms(const lat_vec *l)
{
    if (!l->n) return 0;
    double s = 0;
    for (size_t i = 0; i < l->n; i++) s += (double)l->v[i];
    return s / (double)l->n / 1e6;
}

static void merge(lat_vec *dst, const lat_vec *src)
{
    for (size_t i = 0; i < src->n; i++) lat_push(dst, src->v[i]);
}

static json_t *lat_json(const lat_vec *l)
{
    return json_pack("{s:f,s:f,s:f,s:f,s:f,s:I}", "p50", pct_ms(l, 50), "p90", pct_ms(l, 90), "p99", pct_ms(l, 99),
                     "max", l->n ? (double)l->v[l->n - 1] / 1e6 : 0.0, "mean", mean_ms(l), "count",
                     (json_int_t)l->n);
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: ingest [options]\n"
            "  --url URL                 server base URL (default http://127.0.0.1:6006); POSTs to URL/v1/traces\n"
            "  --connections N           keep-alive connections, one thread each (default 8)\n"
            "  --duration SECONDS        measured time (default 10)\n"
            "  --warmup SECONDS          unmeasured load before the measurement (default 0)\n"
            "  --traces-per-request K    12-span traces per request (default 10 = 120 spans)\n"
            "  --rate R                  open-loop: R requests/s in total (latency from scheduled send)\n"
            "  --server-pid PID          sample /proc/PID/status every 100 ms, report peak RSS\n"
            "  --db PATH                 database file: report (size + PATH-wal) / spans acknowledged\n"
            "  --prefill N               send N spans as fast as possible, report the rate per million, exit\n"
            "  --project NAME            openinference.project.name (default bench)\n"
            "  --pool N                  distinct request bodies per thread (default 8)\n"
            "  --error-rate F            share of TOOL spans with status ERROR + exception event (default 0.02)\n"
            "  --seed N                  PRNG seed (default: time and pid)\n"
            "  --progress                print spans/s every second on stderr\n"
            "  --json                    print one JSON line of results instead of the text report\n");
}

static double parse_num(const char *opt, const char *s)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || v < 0) {
        fprintf(stderr, "ingest: bad value for %s: %s\n", opt, s);
        exit(2);
    }
    return v;
}

static void parse_args(int argc, char **argv)
{
    enum { OPT_URL = 256, OPT_CONN, OPT_DUR, OPT_WARM, OPT_TPR, OPT_RATE, OPT_PID, OPT_DB, OPT_PREFILL,
           OPT_PROJECT, OPT_POOL, OPT_ERR, OPT_SEED, OPT_PROGRESS, OPT_JSON, OPT_HELP };
    static const struct option longopts[] = {
        { "url", required_argument, NULL, OPT_URL },
        { "connections", required_argument, NULL, OPT_CONN },
        { "duration", required_argument, NULL, OPT_DUR },
        { "warmup", required_argument, NULL, OPT_WARM },
        { "traces-per-request", required_argument, NULL, OPT_TPR },
        { "rate", required_argument, NULL, OPT_RATE },
        { "server-pid", required_argument, NULL, OPT_PID },
        { "db", required_argument, NULL, OPT_DB },
        { "prefill", required_argument, NULL, OPT_PREFILL },
        { "project", required_argument, NULL, OPT_PROJECT },
        { "pool", required_argument, NULL, OPT_POOL },
        { "error-rate", required_argument, NULL, OPT_ERR },
        { "seed", required_argument, NULL, OPT_SEED },
        { "progress", no_argument, NULL, OPT_PROGRESS },
        { "json", no_argument, NULL, OPT_JSON },
        { "help", no_argument, NULL, OPT_HELP },
        { NULL, 0, NULL, 0 },
    };
    int c;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_URL: O.url = optarg; break;
        case OPT_CONN: O.connections = (unsigned)parse_num("--connections", optarg); break;
        case OPT_DUR: O.duration = parse_num("--duration", optarg); break;
        case OPT_WARM: O.warmup = parse_num("--warmup", optarg); break;
        case OPT_TPR: O.traces_per_request = (unsigned)parse_num("--traces-per-request", optarg); break;
        case OPT_RATE: O.rate = parse_num("--rate", optarg); break;
        case OPT_PID: O.server_pid = (long)parse_num("--server-pid", optarg); break;
        case OPT_DB: O.db = optarg; break;
        case OPT_PREFILL: O.prefill = (uint64_t)parse_num("--prefill", optarg); break;
        case OPT_PROJECT: O.project = optarg; break;
        case OPT_POOL: O.pool = (unsigned)parse_num("--pool", optarg); break;
        case OPT_ERR: O.error_rate = parse_num("--error-rate", optarg); break;
        case OPT_SEED: O.seed = (uint64_t)strtoull(optarg, NULL, 0); break;
        case OPT_PROGRESS: O.progress = true; break;
        case OPT_JSON: O.json = true; break;
        case 'h':
        case OPT_HELP: usage(stdout); exit(0);
        default: usage(stderr); exit(2);
        }
    }
    if (optind < argc) {
        usage(stderr);
        exit(2);
    }
    if (O.connections < 1 || O.connections > MAX_CONNECTIONS) die("--connections must be 1..1024");
    if (O.traces_per_request < 1 || O.traces_per_request > 65535) die("--traces-per-request must be 1..65535");
    if (O.pool < 1) die("--pool must be >= 1");
    if (!O.prefill && O.duration <= 0) die("--duration must be > 0");
    size_t ul = strlen(O.url);
    while (ul > 0 && O.url[ul - 1] == '/') ul--; /* tolerate a trailing slash */
    static char url[1024];
    snprintf(url, sizeof url, "%.*s", (int)ul, O.url);
    O.url = url;
}

static double cpu_seconds(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
           (double)ru.ru_stime.tv_usec / 1e6;
}

int main(int argc, char **argv)
{
    parse_args(argc, argv);
    signal(SIGPIPE, SIG_IGN);
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) die("curl_global_init failed");

    uint64_t seed = O.seed ? O.seed : (wall_ns() ^ ((uint64_t)getpid() << 32));
    worker *ws = xmalloc(O.connections * sizeof *ws);
    uint64_t t_build = mono_ns();
    for (unsigned i = 0; i < O.connections; i++) worker_init(&ws[i], i, seed);
    double build_s = (double)(mono_ns() - t_build) / 1e9;
    unsigned spans_per_req = O.traces_per_request * SPANS_PER_TRACE;
    size_t bytes_per_req = ws[0].bodies[0].len;
    if (!O.json)
        fprintf(stderr, "ingest: %u connections, %u spans (%.1f KB) per request, %u bodies/thread built in %.2f s\n",
                O.connections, spans_per_req, (double)bytes_per_req / 1024, O.pool, build_s);

    uint64_t db0 = 0, wal0 = 0;
    if (O.db) db_sizes(&db0, &wal0);

    pthread_t sampler;
    bool sampling = O.server_pid > 0;
    if (sampling && pthread_create(&sampler, NULL, sampler_main, NULL) != 0) die("pthread_create failed");

    double cpu0 = cpu_seconds();
    g_start = mono_ns();
    g_measure_start = g_start + (uint64_t)(O.warmup * 1e9);
    g_end = g_measure_start + (uint64_t)(O.duration * 1e9);
    if (O.prefill) {
        g_prefill_requests = (O.prefill + spans_per_req - 1) / spans_per_req;
        g_measure_start = g_start;
        g_end = UINT64_MAX;
    }
    for (unsigned i = 0; i < O.connections; i++)
        if (pthread_create(&ws[i].th, NULL, worker_main, &ws[i]) != 0) die("pthread_create failed");

    if (O.progress && !O.prefill) {
        uint64_t last_acked = 0;
        for (unsigned sec = 1; mono_ns() < g_end; sec++) {
            uint64_t t = g_start + (uint64_t)sec * 1000000000ull;
            if (t > g_end) t = g_end;
            sleep_until_mono(t);
            uint64_t acked = 0, errs = 0;
            for (unsigned i = 0; i < O.connections; i++) { /* racy read: progress only */
                acked += *(volatile uint64_t *)&ws[i].spans_acked;
                for (int s = 0; s <= MAX_STATUS; s++)
                    if (s != 200) errs += *(volatile uint64_t *)&ws[i].status[s];
            }
            fprintf(stderr, "t=%us  spans/s %" PRIu64 "  errors %" PRIu64 "%s\n", sec, acked - last_acked, errs,
                    t <= g_measure_start ? "  (warm-up)" : "");
            last_acked = acked;
        }
    }
    for (unsigned i = 0; i < O.connections; i++) pthread_join(ws[i].th, NULL);
    uint64_t t_done = mono_ns();
    double cpu = cpu_seconds() - cpu0;
    if (sampling) {
        atomic_store(&g_sampler_stop, true);
        pthread_join(sampler, NULL);
    }

    /* aggregate */
    lat_vec lat = { 0 }, svc = { 0 };
    uint64_t ok = 0, acked = 0, rejected = 0, late = 0, status[MAX_STATUS + 1] = { 0 };
    long connects = 0;
    const char *first_error = NULL;
    for (unsigned i = 0; i < O.connections; i++) {
        worker *w = &ws[i];
        merge(&lat, &w->lat);
        merge(&svc, &w->service);
        ok += w->ok_requests;
        acked += w->spans_acked;
        rejected += w->rejected_spans;
        late += w->late_sends;
        connects += w->connects;
        for (int s = 0; s <= MAX_STATUS; s++) status[s] += w->status[s];
        if (!first_error && w->first_error[0]) first_error = w->first_error;
    }
    if (lat.n) qsort(lat.v, lat.n, sizeof *lat.v, cmp_u64);
    if (svc.n) qsort(svc.v, svc.n, sizeof *svc.v, cmp_u64);
    double elapsed = O.prefill ? (double)(t_done - g_start) / 1e9 : O.duration;
    double sps = elapsed > 0 ? (double)acked / elapsed : 0;
    uint64_t errors = 0;
    for (int s = 0; s <= MAX_STATUS; s++)
        if (s != 200) errors += status[s];

    uint64_t db = 0, wal = 0;
    if (O.db) db_sizes(&db, &wal);

    json_t *j = json_object();
    json_object_set_new(j, "mode", json_string(O.prefill ? "prefill" : O.rate > 0 ? "rate" : "closed-loop"));
    json_object_set_new(j, "url", json_string(O.url));
    json_object_set_new(j, "connections", json_integer(O.connections));
    json_object_set_new(j, "traces_per_request", json_integer(O.traces_per_request));
    json_object_set_new(j, "spans_per_request", json_integer(spans_per_req));
    json_object_set_new(j, "request_bytes", json_integer((json_int_t)bytes_per_req));
    json_object_set_new(j, "duration_s", json_real(elapsed));
    json_object_set_new(j, "warmup_s", json_real(O.prefill ? 0 : O.warmup));
    if (O.rate > 0) {
        json_object_set_new(j, "target_rate", json_real(O.rate));
        json_object_set_new(j, "late_sends", json_integer((json_int_t)late));
        json_object_set_new(j, "service_latency_ms", lat_json(&svc));
    }
    json_object_set_new(j, "requests_ok", json_integer((json_int_t)ok));
    json_object_set_new(j, "requests_per_s", json_real(elapsed > 0 ? (double)ok / elapsed : 0));
    json_object_set_new(j, "spans_acked", json_integer((json_int_t)acked));
    json_object_set_new(j, "spans_per_s", json_real(sps));
    json_object_set_new(j, "rejected_spans", json_integer((json_int_t)rejected));
    json_object_set_new(j, "latency_ms", lat_json(&lat));
    json_t *errs = json_object();
    for (int s = 0; s <= MAX_STATUS; s++) {
        if (s == 200 || !status[s]) continue;
        char k[16];
        snprintf(k, sizeof k, "%d", s);
        json_object_set_new(errs, s == 0 ? "transport" : k, json_integer((json_int_t)status[s]));
    }
    json_object_set_new(j, "errors", errs);
    if (first_error) json_object_set_new(j, "first_error", json_string(first_error));
    json_object_set_new(j, "connections_opened", json_integer(connects));
    if (sampling) {
        json_object_set_new(j, "server_peak_rss_bytes", json_integer((json_int_t)g_peak_rss));
        json_object_set_new(j, "server_vmhwm_bytes", json_integer((json_int_t)g_hwm));
    }
    if (O.db) {
        json_object_set_new(j, "db_bytes", json_integer((json_int_t)db));
        json_object_set_new(j, "wal_bytes", json_integer((json_int_t)wal));
        json_object_set_new(j, "db_bytes_per_span", acked ? json_real((double)(db + wal) / (double)acked) : json_null());
        json_object_set_new(j, "db_growth_bytes_per_span",
                            acked ? json_real(((double)(db + wal) - (double)(db0 + wal0)) / (double)acked) : json_null());
    }
    if (O.prefill) {
        json_object_set_new(j, "prefill_target_spans", json_integer((json_int_t)O.prefill));
        json_object_set_new(j, "prefill_failed_requests", json_integer((json_int_t)atomic_load(&g_prefill_failed)));
        json_t *pm = json_array();
        for (unsigned m = 0; m < g_millions; m++) {
            double s = (double)(g_million_t[m] - (m ? g_million_t[m - 1] : g_start)) / 1e9;
            json_array_append_new(pm, json_pack("{s:i,s:f,s:f}", "million", (int)(m + 1), "seconds", s,
                                                "spans_per_s", s > 0 ? 1e6 / s : 0.0));
        }
        json_object_set_new(j, "per_million", pm);
    }
    json_object_set_new(j, "client_cpu_s", json_real(cpu));

    if (O.json) {
        char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
        if (s) puts(s);
        free(s);
    } else {
        printf("mode               : %s\n", O.prefill ? "prefill" : O.rate > 0 ? "open-loop rate" : "closed-loop");
        printf("requests ok        : %" PRIu64 "  (%.1f/s)\n", ok, elapsed > 0 ? (double)ok / elapsed : 0);
        printf("spans acknowledged : %" PRIu64 "%s\n", acked, rejected ? "  (after partial_success rejections)" : "");
        if (rejected) printf("spans rejected     : %" PRIu64 "\n", rejected);
        printf("spans/s            : %.0f  over %.2f s\n", sps, elapsed);
        printf("request latency ms : p50 %.2f  p90 %.2f  p99 %.2f  max %.2f  mean %.2f%s\n", pct_ms(&lat, 50),
               pct_ms(&lat, 90), pct_ms(&lat, 99), lat.n ? (double)lat.v[lat.n - 1] / 1e6 : 0.0, mean_ms(&lat),
               O.rate > 0 ? "  (from scheduled send)" : "");
        if (O.rate > 0) {
            printf("service time ms    : p50 %.2f  p90 %.2f  p99 %.2f  max %.2f\n", pct_ms(&svc, 50),
                   pct_ms(&svc, 90), pct_ms(&svc, 99), svc.n ? (double)svc.v[svc.n - 1] / 1e6 : 0.0);
            printf("target rate        : %.1f req/s  (%" PRIu64 " sends more than 1 ms late)\n", O.rate, late);
        }
        printf("errors             : ");
        if (!errors) printf("none");
        for (int s = 0; s <= MAX_STATUS; s++) {
            if (s == 200 || !status[s]) continue;
            if (s == 0) printf("transport %" PRIu64 "  ", status[s]);
            else printf("%d: %" PRIu64 "  ", s, status[s]);
        }
        printf("\n");
        if (first_error) printf("first error        : %s\n", first_error);
        printf("connections opened : %ld\n", connects);
        if (sampling)
            printf("server peak RSS    : %.1f MB sampled  (VmHWM %.1f MB)%s\n", (double)g_peak_rss / 1048576.0,
                   (double)g_hwm / 1048576.0, g_pid_gone ? "  [process went away]" : "");
        if (O.db) {
            if (acked)
                printf("db bytes/span      : %.0f  (db %.1f MB + wal %.1f MB; growth this run %.0f B/span)\n",
                       (double)(db + wal) / (double)acked, (double)db / 1048576.0, (double)wal / 1048576.0,
                       ((double)(db + wal) - (double)(db0 + wal0)) / (double)acked);
            else
                printf("db bytes/span      : n/a (no spans acknowledged)\n");
        }
        if (O.prefill)
            printf("prefill            : %" PRIu64 " requests failed after retries\n",
                   (uint64_t)atomic_load(&g_prefill_failed));
        printf("client cpu         : %.2f s  (%.0f%% of one core)\n", cpu,
               100.0 * cpu / ((double)(t_done - g_start) / 1e9));
    }
    json_decref(j);

    for (unsigned i = 0; i < O.connections; i++) {
        for (unsigned b = 0; b < O.pool; b++) free_body(&ws[i].bodies[b]);
        free(ws[i].bodies);
        free(ws[i].lat.v);
        free(ws[i].service.v);
        curl_slist_free_all(ws[i].headers);
        curl_easy_cleanup(ws[i].curl);
    }
    free(ws);
    free(lat.v);
    free(svc.v);
    curl_global_cleanup();
    return acked > 0 ? 0 : 1;
}
