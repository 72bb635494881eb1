/*
 * server.h - the HTTP front end: one libmicrohttpd adapter (http.c), one
 * routing table (routes.c), shared reply helpers (reply.c), and handlers
 * grouped by resource (h_*.c).  Handlers see an as_req, never MHD.
 *
 * Handler contract: a handler fills r->status / r->body (usually through
 * the reply helpers) and returns.  A handler that cannot answer yet (OTLP
 * ingest waiting for its commit) calls as_req_defer() before returning and
 * later, from any thread, as_req_finish(); the adapter then sends the
 * answer.  Ownership: the adapter owns the as_req and frees it when the
 * connection's request completes.
 */
#ifndef ASSAY_SERVER_H
#define ASSAY_SERVER_H

#include <jansson.h>
#include <pthread.h>

#include "assay/buf.h"
#include "assay/ingest.h"
#include "assay/store.h"

/* The Phoenix REST behaviour we match; sent as x-phoenix-server-version. */
#define AS_PHOENIX_COMPAT_VERSION "15.5.0"

typedef struct as_server_config {
    const char *host;
    int port;                   /* 0 = ephemeral                           */
    size_t max_body;            /* bytes, after decompression too          */
    size_t max_upload;          /* the same for upload routes (datasets)   */
    int threads;                /* HTTP worker threads                     */
    int decode_threads;         /* OTLP decode workers (0 = one per core)  */
    as_store_config store;
    as_ingest_config ingest;
} as_server_config;

typedef struct as_server as_server;

typedef struct as_metrics {
    /* requests rejected, by reason (labels of assay_requests_rejected_total) */
    uint64_t rejected_decode;       /* malformed protobuf / JSON           */
    uint64_t rejected_invalid;      /* semantically invalid spans          */
    uint64_t rejected_too_large;    /* 413                                 */
    uint64_t rejected_unsupported;  /* 415                                 */
    uint64_t rejected_queue_full;   /* 503                                 */
    uint64_t rejected_storage;      /* writer failed                       */
    uint64_t http_requests;
} as_metrics;

struct as_server {
    as_server_config cfg;
    as_store *store;
    as_ingest *ingest;
    struct as_workpool *decoders; /* OTLP decoding off the HTTP threads    */
    struct MHD_Daemon *daemon;
    int bound_port;
    pthread_mutex_t metrics_mu;
    as_metrics metrics;
    struct as_runner *runner;     /* server-side experiment runner       */
    volatile int ready;
};

#define AS_MAX_PATH_PARAMS 4

typedef struct as_req {
    as_server *srv;
    struct MHD_Connection *conn;
    const char *method;
    const char *url;
    const char *params[AS_MAX_PATH_PARAMS];   /* captured path segments */
    char path_buf[2048];                      /* params point in here   */
    const struct as_route *route;
    as_buf body;                 /* request body (decompressed)           */
    bool body_too_large;
    /* response */
    int status;
    as_buf out;
    const char *content_type;
    char content_disposition[256]; /* downloads: "attachment; filename=..." */
    char retry_after[16];
    /* deferral */
    bool deferred;
    bool finished;
    void *handler_state;         /* e.g. the ingest job                   */
    void (*free_state)(void *);
    int tag;                     /* a small handler-private value         */
    const char *project;         /* x-project-name (OTLP)                 */
    const char *cache_control;   /* Cache-Control, or NULL                */
    const char *csp;             /* Content-Security-Policy (UI), or NULL */
} as_req;

typedef void (*as_handler_fn)(as_req *r);

typedef struct as_route {
    const char *method;
    const char *pattern;         /* "/v1/projects/{}/spans"               */
    as_handler_fn fn;
    bool raw_body;               /* body is binary (OTLP): no UTF-8 check */
    bool upload;                 /* body capped at max_upload, not max_body */
} as_route;

/* Route tables of the resource handler files, each ending with a
 * { NULL } entry (routes.c lists them). */
extern const as_route as_routes_datasets[];    /* h_datasets.c    */
extern const as_route as_routes_experiments[]; /* h_experiments.c */
extern const as_route as_routes_annotations[]; /* h_annotations.c */
extern const as_route as_routes_queues[];      /* h_queues.c      */
extern const as_route as_routes_analysis[];    /* h_analysis.c    */
extern const as_route as_routes_runner[];      /* h_runner.c      */
extern const as_route as_routes_ui[];          /* h_ui.c          */
extern const as_route as_routes_observe[];     /* h_observe.c     */
extern const as_route as_routes_openapi[];     /* h_openapi.c     */

/* routes.c */
const as_route *as_route_match(const char *method, const char *path,
                               char *tmp, size_t tmpcap, const char **params,
                               bool *method_mismatch);

/* http.c */
as_rc as_server_start(const as_server_config *cfg, as_server **out, as_err *err);
/* The body cap of r's route: max_upload for upload routes, else max_body. */
size_t as_req_body_cap(const as_req *r);
void as_server_stop(as_server *srv);
void as_req_defer(as_req *r);
void as_req_finish(as_req *r);        /* any thread; after defer */
const char *as_req_header(as_req *r, const char *name);
const char *as_req_query(as_req *r, const char *name);
/* All values of a repeated query parameter (also accepts "name[]"). */
size_t as_req_query_all(as_req *r, const char *name, const char **out, size_t max);
void as_metrics_add(as_server *srv, uint64_t *counter, uint64_t n);

/* reply.c */
int as_http_status(as_rc rc);
void as_reply_json(as_req *r, int status, json_t *body);   /* steals body */
void as_reply_data(as_req *r, json_t *data);               /* {"data":..} */
void as_reply_page(as_req *r, json_t *data, const char *next_cursor);
void as_reply_text(as_req *r, int status, const char *ctype, const char *text);
void as_reply_error(as_req *r, as_rc rc, const char *msg);
/* as_reply_error with a printf message (at most AS_ERR_MSG_MAX - 1 bytes). */
void as_reply_errorf(as_req *r, as_rc rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Messages quote client input and may be cut mid-character; JSON needs
 * valid UTF-8: returns msg, or a copy in buf with non-ASCII bytes as '?'. */
const char *as_safe_text(const char *msg, char buf[AS_ERR_MSG_MAX]);
void as_reply_err(as_req *r, const as_err *err);
/* The outcome of a store call: {"data": shape(row)} (row is taken), or
 * the call's error. */
void as_reply_row(as_req *r, as_rc rc, json_t *row, json_t *(*shape)(const json_t *),
                  const as_err *err);
/* 204 No Content, or the error of the store call. */
void as_reply_done(as_req *r, as_rc rc, const as_err *err);
/* as_reply_page whose next_cursor is the GlobalID of `type` of row
 * `next` (null when next is 0); as_reply_rows_page: of rows (taken),
 * shaped by shape. */
void as_reply_page_id(as_req *r, json_t *data, int64_t next, const char *type);
void as_reply_rows_page(as_req *r, json_t *rows, int64_t next, const char *type,
                        json_t *(*shape)(const json_t *));
/* Downloads: Content-Disposition "attachment; filename="NAME.EXT"", with
 * every byte of name but letters, digits, '-', '_' and '.' as '_'. */
void as_reply_attachment(as_req *r, const char *name, const char *ext);
/* Parse the JSON body as an object; on failure replies 400/422 and
 * returns NULL. */
json_t *as_req_json_body(as_req *r);
/* ?name= as an integer in [lo, hi] (*out untouched when absent); replies
 * 422 naming the parameter and returns false. */
bool as_req_int(as_req *r, const char *name, long long lo, long long hi, long long *out);
/* ?limit= within [1, max] (default def); replies 422 and returns -1. */
int as_req_limit(as_req *r, int def, int max);
/* ?name= as ISO 8601 into ns (0 if absent); replies 422 and returns false. */
bool as_req_time(as_req *r, const char *name, int64_t *ns);

/* ?cursor= naming a row by its GlobalID of `type`: *id = its rowid (0
 * when absent).  Replies 422 "cursor is not a TYPE id", returns false. */
bool as_req_cursor_id(as_req *r, const char *type, int64_t *id);
/* ?cursor= as wire_gid_cursor (the first row of the next page); replies
 * 422 and returns false on a cursor this server did not issue. */
bool as_req_page_cursor(as_req *r, const char *type, int64_t *after);
/* An identifier that is a GlobalID of `type` or a positive rowid (digits);
 * false (and *id 0) otherwise.  No reply. */
/* ?sort=start_time|latency_ms and ?order=asc|desc of the span and trace
 * listings; replies 422 naming the bad value and returns false. */
bool as_req_sort(as_req *r, bool *latency, bool *ascending);
bool as_id_parse(const char *s, const char *type, int64_t *id);
/* s is exactly n hex digits (n <= 32: a span id is 16, a trace id 32). */
bool as_is_hex(const char *s, size_t n);

/* Resolve {project_identifier}: GlobalID or name.  Replies 404 on miss. */
bool as_req_project(as_req *r, const char *ident, int64_t *id, json_t **row);

/* Handlers (h_*.c) */
void h_healthz(as_req *r);
void h_readyz(as_req *r);
void h_metrics(as_req *r);
void h_version(as_req *r);
void h_otlp_traces(as_req *r);
void h_projects_list(as_req *r);
void h_projects_create(as_req *r);
void h_project_get(as_req *r);
void h_project_update(as_req *r);
void h_project_delete(as_req *r);
void h_spans_list(as_req *r);
void h_spans_otlp(as_req *r);
void h_traces_list(as_req *r);
void h_trace_delete(as_req *r);
void h_sessions_list(as_req *r);
void h_session_get(as_req *r);
void h_session_delete(as_req *r);
void h_sessions_delete(as_req *r);
void h_root(as_req *r);

#endif
