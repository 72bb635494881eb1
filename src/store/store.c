/*
 * store.c - the public storage API: configuration defaults and one-line
 * dispatch to the backend's vtable (see store_int.h).  SQLite is the only
 * backend today; choosing another would happen in as_store_open.
 */
#include "store_int.h"

void as_store_config_defaults(as_store_config *c) {
    c->data_dir = "assay-data";
    c->read_connections = 4;
    c->sync_full = true;
    c->cache_kib = 65536;
    c->prices_path = NULL;
}

as_rc as_store_open(const as_store_config *cfg, as_store **out, as_err *err) {
    return as_sqlite_open(cfg, out, err);
}

int as_store_latest_schema_version(void) { return as_sqlite_latest_version(); }

void as_store_close(as_store *st) { if (st) st->ops->close(st); }
int as_store_schema_version(as_store *st) { return st->ops->schema_version(st); }
const char *as_store_path(as_store *st) { return st->ops->path(st); }
int64_t as_store_span_count(as_store *st) { return st->ops->span_count(st); }

as_rc as_store_spans_resolve(as_store *st, const char *const *ids, size_t n,
                             as_span_ref *out, as_err *err) {
    return st->ops->spans_resolve(st, ids, n, out, err);
}

as_rc as_store_write_spans(as_store *st, as_ingest_request **reqs, size_t n,
                           as_rc *rcs, as_err *errs, as_err *err) {
    return st->ops->write_spans(st, reqs, n, rcs, errs, err);
}

as_rc as_store_sync(as_store *st, as_err *err) { return st->ops->sync(st, err); }

as_rc as_store_project_list(as_store *st, const char *nc, int64_t after,
                            int limit, json_t **rows, int64_t *next,
                            as_err *err) {
    return st->ops->project_list(st, nc, after, limit, rows, next, err);
}
as_rc as_store_project_get(as_store *st, int64_t id, const char *name,
                           json_t **row, as_err *err) {
    return st->ops->project_get(st, id, name, row, err);
}
as_rc as_store_project_create(as_store *st, const char *name,
                              const char *desc, json_t **row, as_err *err) {
    return st->ops->project_create(st, name, desc, row, err);
}
as_rc as_store_project_update(as_store *st, int64_t id, const char *desc,
                              json_t **row, as_err *err) {
    return st->ops->project_update(st, id, desc, row, err);
}
as_rc as_store_project_delete(as_store *st, int64_t id, as_err *err) {
    return st->ops->project_delete(st, id, err);
}
as_rc as_store_span_query(as_store *st, const as_span_query *q, json_t **rows,
                          bool *has_next, int64_t *ns, int64_t *nid,
                          as_err *err) {
    return st->ops->span_query(st, q, rows, has_next, ns, nid, err);
}
as_rc as_store_trace_query(as_store *st, const as_trace_query *q,
                           json_t **rows, bool *has_next, as_err *err) {
    return st->ops->trace_query(st, q, rows, has_next, err);
}
as_rc as_store_trace_spans(as_store *st, int64_t id, json_t **rows,
                           as_err *err) {
    return st->ops->trace_spans(st, id, rows, err);
}
as_rc as_store_trace_get(as_store *st, int64_t id, const char *tid,
                         json_t **row, as_err *err) {
    return st->ops->trace_get(st, id, tid, row, err);
}
as_rc as_store_trace_delete(as_store *st, int64_t id, as_err *err) {
    return st->ops->trace_delete(st, id, err);
}
as_rc as_store_session_list(as_store *st, int64_t pid, bool asc,
                            int64_t cursor, int limit, json_t **rows,
                            bool *has_next, as_err *err) {
    return st->ops->session_list(st, pid, asc, cursor, limit, rows, has_next, err);
}
as_rc as_store_session_get(as_store *st, int64_t id, const char *sid,
                           json_t **row, as_err *err) {
    return st->ops->session_get(st, id, sid, row, err);
}
as_rc as_store_session_delete(as_store *st, int64_t id, as_err *err) {
    return st->ops->session_delete(st, id, err);
}
