/*
 * record.c - what the mock remembers, and the /_mock control endpoints
 * that let a test read and reset it.
 *
 *   GET  /_mock/stats            counters (requests, by_status, in_flight,
 *                                max_in_flight, by_path)
 *   GET  /_mock/requests?last=N  the last N requests (ring of RING_SIZE)
 *   POST /_mock/reset            zero the counters, clear the ring and the
 *                                per-prompt attempt counters
 *
 * Counters are atomics (no lock on the hot path but the path table and the
 * ring).  Ring entries are jansson objects shared with the request thread
 * that made them; they are only mutated (the "status" field) and dumped
 * under ring_mu, and the request thread only reads the parsed body, so
 * jansson's atomic reference counts are all the sharing needs.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mockllm.h"

#define RING_SIZE 256
#define MAX_PATHS 128      /* distinct paths counted; the rest: "(other)" */
#define MAX_STATUS 600

static atomic_ullong n_requests;
static atomic_ullong by_status[MAX_STATUS];
static atomic_long in_flight, max_in_flight;

static pthread_mutex_t path_mu = PTHREAD_MUTEX_INITIALIZER;
static struct { char *path; unsigned long long n; } paths[MAX_PATHS];
static size_t n_paths;
static unsigned long long other_paths;

static pthread_mutex_t ring_mu = PTHREAD_MUTEX_INITIALIZER;
static json_t *ring[RING_SIZE];
static size_t ring_head, ring_count;   /* head: next slot written */

void record_init(void)
{
}

static void ring_clear(void)
{
    for (size_t i = 0; i < RING_SIZE; i++) {
        json_decref(ring[i]);
        ring[i] = NULL;
    }
    ring_head = ring_count = 0;
}

static void paths_clear(void)
{
    for (size_t i = 0; i < n_paths; i++) free(paths[i].path);
    n_paths = 0;
    other_paths = 0;
}

void record_free(void)
{
    pthread_mutex_lock(&ring_mu);
    ring_clear();
    pthread_mutex_unlock(&ring_mu);
    pthread_mutex_lock(&path_mu);
    paths_clear();
    pthread_mutex_unlock(&path_mu);
}

/* A JSON string of bytes that may not be UTF-8 (headers, raw bodies):
 * other bytes become '?'. */
static json_t *lossy_string(const char *s, size_t n)
{
    json_t *j = json_stringn(s, n);
    char *c;
    if (j) return j;
    c = xstrndup(s, n);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)c[i] >= 0x80 || !c[i]) c[i] = '?';
    j = json_stringn(c, n);
    free(c);
    return j;
}

static enum MHD_Result add_header(void *cls, enum MHD_ValueKind kind,
                                  const char *key, const char *value)
{
    char name[128];
    size_t i;
    (void)kind;
    for (i = 0; key[i] && i + 1 < sizeof name; i++)
        name[i] = (char)(key[i] >= 'A' && key[i] <= 'Z' ? key[i] + 32 : key[i]);
    name[i] = '\0';
    json_object_set_new((json_t *)cls, name,
                        value ? lossy_string(value, strlen(value))
                              : json_null());
    return MHD_YES;
}

/* Query names are case-sensitive: kept as sent.  "?flag" has a null value. */
static enum MHD_Result add_query(void *cls, enum MHD_ValueKind kind,
                                 const char *key, const char *value)
{
    (void)kind;
    json_object_set_new((json_t *)cls, key,
                        value ? lossy_string(value, strlen(value))
                              : json_null());
    return MHD_YES;
}

static void count_path(const char *raw)
{
    char path[512];
    size_t i;
    /* Keys of by_path must be UTF-8: non-ASCII bytes become '?'. */
    for (i = 0; raw[i] && i + 1 < sizeof path; i++)
        path[i] = (unsigned char)raw[i] >= 0x80 ? '?' : raw[i];
    path[i] = '\0';
    pthread_mutex_lock(&path_mu);
    for (i = 0; i < n_paths && strcmp(paths[i].path, path); i++)
        ;
    if (i < n_paths) {
        paths[i].n++;
    } else if (n_paths < MAX_PATHS) {
        paths[n_paths].path = xstrdup(path);
        paths[n_paths++].n = 1;
    } else {
        other_paths++;
    }
    pthread_mutex_unlock(&path_mu);
}

json_t *record_begin(struct MHD_Connection *c, const char *method,
                     const char *path, const char *body, size_t n,
                     json_t *parsed)
{
    json_t *e, *hdrs = json_object(), *query = json_object();
    long now, max;

    atomic_fetch_add(&n_requests, 1);
    now = atomic_fetch_add(&in_flight, 1) + 1;
    max = atomic_load(&max_in_flight);
    while (now > max && !atomic_compare_exchange_weak(&max_in_flight, &max, now))
        ;
    count_path(path);

    MHD_get_connection_values(c, MHD_HEADER_KIND, add_header, hdrs);
    MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, add_query, query);
    e = json_pack("{s:o,s:o,s:o,s:o,s:o,s:n}",
                  "method", lossy_string(method, strlen(method)),
                  "path", lossy_string(path, strlen(path)), "query", query,
                  "headers", hdrs,
                  "body", parsed ? json_incref(parsed) : lossy_string(body, n),
                  "status");
    pthread_mutex_lock(&ring_mu);
    json_decref(ring[ring_head]);
    ring[ring_head] = json_incref(e);
    ring_head = (ring_head + 1) % RING_SIZE;
    if (ring_count < RING_SIZE) ring_count++;
    pthread_mutex_unlock(&ring_mu);
    return e;
}

void record_done(json_t *entry, int status)
{
    if (status > 0 && status < MAX_STATUS)
        atomic_fetch_add(&by_status[status], 1);
    atomic_fetch_sub(&in_flight, 1);
    pthread_mutex_lock(&ring_mu);
    json_object_set_new(entry, "status", json_integer(status));
    pthread_mutex_unlock(&ring_mu);
    json_decref(entry);
}

/* ---- the control endpoints ----------------------------------------------- */

static enum MHD_Result send_body(struct MHD_Connection *c, int status,
                                 char *body, size_t len)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    enum MHD_Result ok;
    MHD_add_response_header(r, "Content-Type", "application/json");
    ok = MHD_queue_response(c, (unsigned)status, r);
    MHD_destroy_response(r);
    return ok;
}

static enum MHD_Result send_json(struct MHD_Connection *c, int status,
                                 json_t *j)
{
    size_t len;
    char *s = json_text(j, &len);
    json_decref(j);
    return send_body(c, status, s, len);
}

static json_t *stats_json(void)
{
    json_t *st = json_object(), *bp = json_object();
    char k[16];

    for (int i = 0; i < MAX_STATUS; i++) {
        unsigned long long n = atomic_load(&by_status[i]);
        if (!n) continue;
        snprintf(k, sizeof k, "%d", i);
        json_object_set_new(st, k, json_integer((json_int_t)n));
    }
    pthread_mutex_lock(&path_mu);
    for (size_t i = 0; i < n_paths; i++)
        json_object_set_new(bp, paths[i].path,
                            json_integer((json_int_t)paths[i].n));
    if (other_paths)
        json_object_set_new(bp, "(other)", json_integer((json_int_t)other_paths));
    pthread_mutex_unlock(&path_mu);
    return json_pack("{s:I,s:o,s:I,s:I,s:o}",
                     "requests", (json_int_t)atomic_load(&n_requests),
                     "by_status", st,
                     "in_flight", (json_int_t)atomic_load(&in_flight),
                     "max_in_flight", (json_int_t)atomic_load(&max_in_flight),
                     "by_path", bp);
}

static enum MHD_Result requests_reply(struct MHD_Connection *c)
{
    const char *q = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND,
                                                "last");
    size_t last = RING_SIZE, len;
    char *s;
    json_t *arr = json_array();

    if (q) {
        char *end;
        long x = strtol(q, &end, 10);
        if (*end || end == q || x < 0) {
            json_decref(arr);
            return send_json(c, 400, json_pack("{s:s}", "error",
                             "mockllm: last must be a non-negative integer"));
        }
        if ((size_t)x < last) last = (size_t)x;
    }
    pthread_mutex_lock(&ring_mu);
    if (last > ring_count) last = ring_count;
    for (size_t i = 0; i < last; i++) {
        size_t at = (ring_head + RING_SIZE - last + i) % RING_SIZE;
        json_array_append(arr, ring[at]);
    }
    /* Dump under the lock: record_done may set "status" concurrently. */
    s = json_text(arr, &len);
    json_decref(arr);
    pthread_mutex_unlock(&ring_mu);
    return send_body(c, 200, s, len);
}

static void reset_all(void)
{
    atomic_store(&n_requests, 0);
    for (int i = 0; i < MAX_STATUS; i++) atomic_store(&by_status[i], 0);
    atomic_store(&max_in_flight, atomic_load(&in_flight));
    pthread_mutex_lock(&path_mu);
    paths_clear();
    pthread_mutex_unlock(&path_mu);
    pthread_mutex_lock(&ring_mu);
    ring_clear();
    pthread_mutex_unlock(&ring_mu);
    attempts_reset();
    mock_reset_counters();
}

enum MHD_Result control_handle(struct MHD_Connection *c, const char *method,
                               const char *path)
{
    static const struct {
        const char *path, *method;
        int what;
    } routes[] = {
        { "/_mock/stats", "GET", 0 },
        { "/_mock/requests", "GET", 1 },
        { "/_mock/reset", "POST", 2 },
    };
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        if (strcmp(path, routes[i].path)) continue;
        if (strcmp(method, routes[i].method))
            return send_json(c, 405, json_pack("{s:s}", "error",
                             "mockllm: method not allowed"));
        switch (routes[i].what) {
        case 0: return send_json(c, 200, stats_json());
        case 1: return requests_reply(c);
        default:
            reset_all();
            return send_json(c, 200, json_pack("{s:b}", "ok", 1));
        }
    }
    return send_json(c, 404, json_pack("{s:s}", "error",
                     "mockllm: unknown control endpoint (stats, requests, "
                     "reset)"));
}
