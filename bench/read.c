/*
 * bench/read.c - read-path latency benchmark for assay's Phoenix REST API.
 *
 * Design: one libcurl easy handle (one keep-alive connection), requests sent
 * one after another so each measures a single query's latency without
 * queueing.  For every endpoint the first request is reported on its own
 * ("cold": caches, prepared statements), then it is repeated R times and the
 * p50 / p99 / mean / max of the wall time of curl_easy_perform (request out,
 * whole body in) are reported.  Bodies are parsed with jansson outside the
 * timed part, to check the status and count the items returned.
 *
 * Endpoints, for project P (default "bench"):
 *   traces_page    GET /v1/projects/P/traces?limit=100&sort=start_time&order=desc
 *   trace_spans    GET /v1/projects/P/spans?trace_id=T&limit=1000
 *                  (T = first trace of the traces page, or --trace-id)
 *   spans_page     GET /v1/projects/P/spans?limit=100
 *   spans_page2    GET /v1/projects/P/spans?limit=100&cursor=C
 *                  (C = next_cursor of spans_page; skipped when null)
 */
#include <curl/curl.h>
#include <getopt.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void die(const char *msg)
{
    fprintf(stderr, "read: %s\n", msg);
    exit(2);
}

static uint64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

typedef struct rbuf {
    char *p;
    size_t len, cap;
} rbuf;

static size_t on_write(char *ptr, size_t size, size_t nmemb, void *ud)
{
    rbuf *b = ud;
    size_t n = size * nmemb;
    if (b->len + n + 1 > b->cap) {
        size_t c = b->cap ? b->cap : 65536;
        while (c < b->len + n + 1) c *= 2;
        char *q = realloc(b->p, c);
        if (!q) return 0; /* makes curl fail the transfer */
        b->p = q;
        b->cap = c;
    }
    memcpy(b->p + b->len, ptr, n);
    b->len += n;
    b->p[b->len] = 0;
    return n;
}

static struct {
    const char *url;
    const char *project;
    const char *trace_id;
    unsigned repeat;
    bool json;
} O = { "http://127.0.0.1:6006", "bench", NULL, 50, false };

static CURL *g_curl;
static rbuf g_body;
static char g_errbuf[CURL_ERROR_SIZE];

/* GET base + path; returns the HTTP status (0 on transport error). */
static long get(const char *url, uint64_t *ns)
{
    g_body.len = 0;
    if (g_body.p) g_body.p[0] = 0;
    g_errbuf[0] = 0;
    curl_easy_setopt(g_curl, CURLOPT_URL, url);
    uint64_t t0 = mono_ns();
    CURLcode rc = curl_easy_perform(g_curl);
    *ns = mono_ns() - t0;
    if (rc != CURLE_OK) {
        fprintf(stderr, "read: %s: %s\n", url, g_errbuf[0] ? g_errbuf : curl_easy_strerror(rc));
        return 0;
    }
    long code = 0;
    curl_easy_getinfo(g_curl, CURLINFO_RESPONSE_CODE, &code);
    return code;
}

typedef struct result {
    const char *name;
    char path[1024];
    unsigned ok, failed;
    long last_status;
    size_t items;  /* len(data) of the last good response */
    size_t bytes;  /* body size of the last good response */
    double first_ms;
    uint64_t *lat; /* repeat samples, ns */
    size_t nlat;
    bool skipped;
    char note[256];
} result;

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static double pct_ms(const result *r, double p)
{
    if (!r->nlat) return 0;
    size_t rank = (size_t)(p / 100.0 * (double)r->nlat + 0.999999);
    if (rank < 1) rank = 1;
    if (rank > r->nlat) rank = r->nlat;
    return (double)r->lat[rank - 1] / 1e6;
}

static double mean_ms(const result *r)
{
    double s = 0;
    for (size_t i = 0; i < r->nlat; i++) s += (double)r->lat[i];
    return r->nlat ? s / (double)r->nlat / 1e6 : 0;
}

/* Runs one endpoint: a cold request, then O.repeat timed ones.  Returns the
 * parsed body of the cold request (caller decrefs) or NULL. */
static json_t *run(result *r, const char *name, const char *path)
{
    char url[2048];
    memset(r, 0, sizeof *r);
    r->name = name;
    snprintf(r->path, sizeof r->path, "%s", path);
    snprintf(url, sizeof url, "%s%s", O.url, path);
    r->lat = calloc(O.repeat ? O.repeat : 1, sizeof *r->lat);
    if (!r->lat) die("out of memory");
    json_t *first = NULL;
    for (unsigned i = 0; i <= O.repeat; i++) {
        uint64_t ns;
        long code = get(url, &ns);
        r->last_status = code;
        json_error_t jerr;
        json_t *doc = code == 200 ? json_loadb(g_body.p, g_body.len, 0, &jerr) : NULL;
        json_t *data = doc ? json_object_get(doc, "data") : NULL;
        bool good = data && json_is_array(data);
        if (!good) {
            r->failed++;
            if (!r->note[0]) {
                if (code == 0)
                    snprintf(r->note, sizeof r->note, "transport error: %.200s", g_errbuf[0] ? g_errbuf : "see stderr");
                else if (code != 200)
                    snprintf(r->note, sizeof r->note, "HTTP %ld: %.120s", code, g_body.p ? g_body.p : "");
                else
                    snprintf(r->note, sizeof r->note, "bad JSON: %s", doc ? "no data array" : jerr.text);
            }
            json_decref(doc);
            if (code == 0 && i == 0) return NULL; /* server not reachable: do not repeat */
            continue;
        }
        r->ok++;
        r->items = json_array_size(data);
        r->bytes = g_body.len;
        if (i == 0) {
            r->first_ms = (double)ns / 1e6;
            first = doc;
        } else {
            r->lat[r->nlat++] = ns;
            json_decref(doc);
        }
    }
    if (r->nlat) qsort(r->lat, r->nlat, sizeof *r->lat, cmp_u64);
    return first;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: read [--url URL] [--project NAME] [--repeat R] [--trace-id HEX] [--json]\n"
               "  --url URL        server base URL (default http://127.0.0.1:6006)\n"
               "  --project NAME   project name or id (default bench)\n"
               "  --repeat R       timed repetitions per endpoint after one cold request (default 50)\n"
               "  --trace-id HEX   trace for trace_spans (default: first trace of the traces page)\n"
               "  --json           print one JSON line of results instead of the table\n");
}

static void parse_args(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "url", required_argument, NULL, 'u' },    { "project", required_argument, NULL, 'p' },
        { "repeat", required_argument, NULL, 'r' }, { "trace-id", required_argument, NULL, 't' },
        { "json", no_argument, NULL, 'j' },         { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    int c;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'u': O.url = optarg; break;
        case 'p': O.project = optarg; break;
        case 'r': {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (*end || v < 1 || v > 1000000) die("--repeat must be 1..1000000");
            O.repeat = (unsigned)v;
            break;
        }
        case 't': O.trace_id = optarg; break;
        case 'j': O.json = true; break;
        case 'h': usage(stdout); exit(0);
        default: usage(stderr); exit(2);
        }
    }
    if (optind < argc) {
        usage(stderr);
        exit(2);
    }
    static char url[1024];
    size_t ul = strlen(O.url);
    while (ul > 0 && O.url[ul - 1] == '/') ul--;
    snprintf(url, sizeof url, "%.*s", (int)ul, O.url);
    O.url = url;
}

#define NRES 4

int main(int argc, char **argv)
{
    parse_args(argc, argv);
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) die("curl_global_init failed");
    g_curl = curl_easy_init();
    if (!g_curl) die("curl_easy_init failed");
    curl_easy_setopt(g_curl, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(g_curl, CURLOPT_WRITEDATA, &g_body);
    curl_easy_setopt(g_curl, CURLOPT_ERRORBUFFER, g_errbuf);
    curl_easy_setopt(g_curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(g_curl, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(g_curl, CURLOPT_TIMEOUT, 120L);
    curl_easy_setopt(g_curl, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
    curl_easy_setopt(g_curl, CURLOPT_ACCEPT_ENCODING, ""); /* what a browser/client would do */

    char *proj = curl_easy_escape(g_curl, O.project, 0);
    if (!proj) die("curl_easy_escape failed");
    char path[1024];
    result res[NRES];
    memset(res, 0, sizeof res);
    unsigned nres = 0;

    /* 1. first page of traces, newest first */
    snprintf(path, sizeof path, "/v1/projects/%s/traces?limit=100&sort=start_time&order=desc", proj);
    json_t *traces = run(&res[nres++], "traces_page", path);
    const char *tid = O.trace_id;
    if (!tid && traces) {
        json_t *t0 = json_array_get(json_object_get(traces, "data"), 0);
        tid = json_string_value(json_object_get(t0, "trace_id"));
    }

    /* 2. all spans of one trace */
    result *r = &res[nres++];
    json_t *ts = NULL;
    if (tid) {
        char *etid = curl_easy_escape(g_curl, tid, 0);
        snprintf(path, sizeof path, "/v1/projects/%s/spans?trace_id=%s&limit=1000", proj, etid ? etid : "");
        curl_free(etid);
        ts = run(r, "trace_spans", path);
    } else {
        memset(r, 0, sizeof *r);
        r->name = "trace_spans";
        r->skipped = true;
        snprintf(r->note, sizeof r->note, "skipped: no trace id (empty project? run bench/ingest first)");
    }

    /* 3. first page of spans, and 4. the page after it */
    snprintf(path, sizeof path, "/v1/projects/%s/spans?limit=100", proj);
    json_t *spans = run(&res[nres++], "spans_page", path);
    const char *cursor = spans ? json_string_value(json_object_get(spans, "next_cursor")) : NULL;
    r = &res[nres++];
    json_t *sp2 = NULL;
    if (cursor) {
        char *ec = curl_easy_escape(g_curl, cursor, 0);
        snprintf(path, sizeof path, "/v1/projects/%s/spans?limit=100&cursor=%s", proj, ec ? ec : "");
        curl_free(ec);
        sp2 = run(r, "spans_page2", path);
    } else {
        memset(r, 0, sizeof *r);
        r->name = "spans_page2";
        r->skipped = true;
        snprintf(r->note, sizeof r->note, "skipped: spans_page has no next_cursor");
    }

    bool all_ok = true;
    json_t *out = json_object();
    json_object_set_new(out, "url", json_string(O.url));
    json_object_set_new(out, "project", json_string(O.project));
    json_object_set_new(out, "repeat", json_integer(O.repeat));
    if (tid) json_object_set_new(out, "trace_id", json_string(tid));
    if (!O.json) {
        printf("read bench: %s project=%s repeat=%u%s%s\n", O.url, O.project, O.repeat, tid ? " trace=" : "",
               tid ? tid : "");
        printf("%-12s %7s %6s %9s %9s %9s %9s %9s %9s\n", "endpoint", "ok", "items", "KB", "cold ms", "p50 ms",
               "p99 ms", "mean ms", "max ms");
    }
    for (unsigned i = 0; i < nres; i++) {
        r = &res[i];
        if (!r->skipped && r->failed) all_ok = false;
        json_t *e = json_object();
        json_object_set_new(e, "path", json_string(r->path));
        if (r->skipped) {
            json_object_set_new(e, "skipped", json_true());
        } else {
            json_object_set_new(e, "ok", json_integer(r->ok));
            json_object_set_new(e, "failed", json_integer(r->failed));
            json_object_set_new(e, "items", json_integer((json_int_t)r->items));
            json_object_set_new(e, "bytes", json_integer((json_int_t)r->bytes));
            json_object_set_new(e, "cold_ms", json_real(r->first_ms));
            json_object_set_new(e, "p50_ms", json_real(pct_ms(r, 50)));
            json_object_set_new(e, "p99_ms", json_real(pct_ms(r, 99)));
            json_object_set_new(e, "mean_ms", json_real(mean_ms(r)));
            json_object_set_new(e, "max_ms", json_real(r->nlat ? (double)r->lat[r->nlat - 1] / 1e6 : 0));
        }
        if (r->note[0]) json_object_set_new(e, "note", json_string(r->note));
        json_object_set_new(out, r->name, e);
        if (!O.json) {
            if (r->skipped) {
                printf("%-12s %s\n", r->name, r->note);
                continue;
            }
            printf("%-12s %3u/%-3u %6zu %9.1f %9.2f %9.2f %9.2f %9.2f %9.2f\n", r->name, r->ok, O.repeat + 1,
                   r->items, (double)r->bytes / 1024, r->first_ms, pct_ms(r, 50), pct_ms(r, 99), mean_ms(r),
                   r->nlat ? (double)r->lat[r->nlat - 1] / 1e6 : 0.0);
            if (r->note[0]) printf("%-12s   %s\n", "", r->note);
        }
    }
    if (O.json) {
        char *s = json_dumps(out, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
        if (s) puts(s);
        free(s);
    }
    json_decref(out);
    json_decref(traces);
    json_decref(ts);
    json_decref(spans);
    json_decref(sp2);
    for (unsigned i = 0; i < nres; i++) free(res[i].lat);
    free(g_body.p);
    curl_free(proj);
    curl_easy_cleanup(g_curl);
    curl_global_cleanup();
    return all_ok ? 0 : 1;
}
