/*
 * store.h - the storage layer: every SQL statement assay runs lives behind
 * this interface, so that handlers never see SQL and a second backend
 * (PostgreSQL, a later issue) plugs in by filling an as_store_ops table
 * (src/store/store_int.h) without touching callers.
 *
 * Threads: an as_store is shared by all threads.  Writes of spans come
 * only from the ingest writer thread (as_store_write_spans); everything
 * else borrows a connection from an internal pool per call.
 *
 * Results: read functions return new jansson references (caller decrefs)
 * whose objects use the neutral field names documented beside each call;
 * the REST layer shapes them for the wire.  Row ids are SQLite rowids
 * (int64); the REST layer turns them into GlobalIDs.
 */
#ifndef ASSAY_STORE_H
#define ASSAY_STORE_H

#include <jansson.h>

#include "assay/filter.h"
#include "assay/span.h"

typedef struct as_store as_store;

typedef struct as_store_config {
    const char *data_dir;     /* directory; created if missing            */
    int read_connections;     /* size of the read pool (default 4)        */
    bool sync_full;           /* fsync the WAL on each commit (default)   */
    int64_t cache_kib;        /* writer page cache in KiB (default 65536) */
    const char *prices_path;  /* user price table for span costs, searched
                                 before the built-in one (llm.h); NULL:
                                 built-in only (default)                  */
} as_store_config;

void as_store_config_defaults(as_store_config *c);

/* Open (creating the database if needed) and run pending migrations. */
as_rc as_store_open(const as_store_config *cfg, as_store **out, as_err *err);
void as_store_close(as_store *st);
int as_store_schema_version(as_store *st);
int as_store_latest_schema_version(void);
const char *as_store_path(as_store *st);

/* ---- ingest (writer thread only) -------------------------------------- */

/* One OTLP request, prepared for the writer by as_ingest_prepare. */
typedef struct as_ingest_span {
    const as_span *span;
    char *attributes_json;          /* in the batch arena: nested tree     */
    char *events_json;              /* in the batch arena                  */
    char *links_json;               /* in the batch arena, NULL if none    */
    int64_t cum_errors;             /* own + in-request descendants        */
    int64_t cum_prompt;
    int64_t cum_completion;
    int parent_index;               /* index of parent in request, or -1   */
} as_ingest_span;

typedef struct as_ingest_request {
    as_span_batch batch;            /* normalised spans                    */
    as_ingest_span *items;          /* batch.n entries                     */
    const char *project_override;   /* x-project-name header or NULL       */
    size_t stored;                  /* out: spans inserted (not dups)      */
} as_ingest_request;

/* Write several requests in one transaction (group commit); each request
 * is all-or-nothing (a savepoint each).  rcs[i] / errs[i] receive each
 * request's outcome; the function's own result is the transaction's
 * (a failed COMMIT fails every request). */
as_rc as_store_write_spans(as_store *st, as_ingest_request **reqs, size_t n,
                           as_rc *rcs, as_err *errs, as_err *err);

/* Make every transaction committed by as_store_write_spans durable: the
 * writer's connection commits without waiting for the disk and this call
 * (on another thread, overlapping the next transaction) fsyncs the WAL.
 * A no-op when the store is configured with sync_full = false. */
as_rc as_store_sync(as_store *st, as_err *err);

/* ---- projects ---------------------------------------------------------
 * project object: {id, name, description, created_at, updated_at}
 * (times in ns).  ident: a project name or, if it parses, a rowid. */
as_rc as_store_project_list(as_store *st, const char *name_contains,
                            int64_t after_id, int limit, json_t **rows,
                            int64_t *next_id, as_err *err);
as_rc as_store_project_get(as_store *st, int64_t id, const char *name,
                           json_t **row, as_err *err);
as_rc as_store_project_create(as_store *st, const char *name,
                              const char *description, json_t **row,
                              as_err *err);
as_rc as_store_project_update(as_store *st, int64_t id,
                              const char *description, json_t **row,
                              as_err *err);
as_rc as_store_project_delete(as_store *st, int64_t id, as_err *err);

/* ---- spans ----------------------------------------------------------- */

typedef struct as_str_list {
    const char **v;
    size_t n;
} as_str_list;

typedef struct as_span_query {
    int64_t project_id;
    int64_t start_ns, end_ns;       /* 0 = unbounded; start incl, end excl */
    as_str_list trace_ids;          /* hex */
    as_str_list span_ids;           /* hex */
    as_str_list parent_ids;         /* hex, or "null" for roots            */
    as_str_list names, kinds, status_codes;
    as_str_list attr_keys;          /* attribute[] key:value pairs...     */
    json_t **attr_values;           /* ...values parsed as JSON (borrowed) */
    const as_filter *filter;        /* ?filter= expression, or NULL        */
    bool sort_latency;              /* order by end - start, else start    */
    bool ascending;                 /* else newest / slowest first         */
    int64_t cursor_start, cursor_id;/* resume after (key, id) if id != 0:
                                       key is the start time, or end -
                                       start (ns) when sort_latency       */
    int limit;
    bool with_trace_rowid;
} as_span_query;

/* span object: {id, trace_rowid, trace_id, span_id, parent_id (or null),
 * name, span_kind, otel_kind, start_time, end_time (ns), latency_ms,
 * status_code ("OK"|"ERROR"|"UNSET"), status_message, attributes (nested),
 * events[], links[], cumulative_error_count, cumulative_token_count_prompt,
 * cumulative_token_count_completion, cost (USD or null)}.  next_* describe
 * the next page: *next_start is the sort key of the last row (see
 * cursor_start). */
as_rc as_store_span_query(as_store *st, const as_span_query *q, json_t **rows,
                          bool *has_next, int64_t *next_start,
                          int64_t *next_id, as_err *err);

/* Find spans by span id alone (16 hex digits), as annotations and
 * datasets-from-spans name them.  out[i] receives the span's rowid, its
 * trace's rowid and its project (all 0 when no such span exists); when
 * several traces hold the same span id, the most recently stored span
 * wins.  A malformed id is AS_EUNPROCESSABLE naming it and its index.
 * Cost: an index seek per id, after indexing the spans stored since the
 * previous call (the index is kept by readers, not by ingest). */
typedef struct as_span_ref {
    int64_t rowid, trace_rowid, project_id;
} as_span_ref;

as_rc as_store_spans_resolve(as_store *st, const char *const *span_ids,
                             size_t n, as_span_ref *out, as_err *err);

/* ---- traces ---------------------------------------------------------- */

typedef struct as_trace_query {
    int64_t project_id;
    int64_t start_ns, end_ns;
    bool sort_latency;              /* else start_time                     */
    bool ascending;
    as_str_list session_ids;        /* session_id strings                  */
    int64_t cursor_key, cursor_id;  /* resume after (key, id) if id != 0   */
    double cursor_keyd;             /* key when sorting by latency         */
    int limit;
} as_trace_query;

/* trace object: {id, trace_id, project_id, session_rowid, start_time,
 * end_time, latency_ms, token_count_prompt, token_count_completion,
 * token_count_total, error_count, span_count, cost (USD: the sum over
 * its spans with a cost, null when none has one)} */
as_rc as_store_trace_query(as_store *st, const as_trace_query *q,
                           json_t **rows, bool *has_next, as_err *err);
/* Spans of one trace (by rowid), in start order: light span objects
 * {id, span_id, parent_id, name, span_kind, status_code, start_time,
 * end_time}. */
as_rc as_store_trace_spans(as_store *st, int64_t trace_rowid, json_t **rows,
                           as_err *err);
/* Find a trace by rowid or by 32-hex trace id. */
as_rc as_store_trace_get(as_store *st, int64_t id, const char *trace_id,
                         json_t **row, as_err *err);
as_rc as_store_trace_delete(as_store *st, int64_t id, as_err *err);

/* ---- sessions ---------------------------------------------------------
 * session object: {id, session_id, project_id, start_time, end_time,
 * token_count_prompt, token_count_completion, token_count_total,
 * traces[{id, trace_id, start_time, end_time}]} */
as_rc as_store_session_list(as_store *st, int64_t project_id,
                            bool ascending, int64_t cursor_id, int limit,
                            json_t **rows, bool *has_next, as_err *err);
as_rc as_store_session_get(as_store *st, int64_t id, const char *session_id,
                           json_t **row, as_err *err);
as_rc as_store_session_delete(as_store *st, int64_t id, as_err *err);

/* ---- statistics for /metrics and benchmarks ------------------------- */
int64_t as_store_span_count(as_store *st);

#endif
