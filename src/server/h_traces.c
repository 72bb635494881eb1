/*
 * h_traces.c - GET /v1/projects/{id}/traces and DELETE /v1/traces/{id};
 * GET /v1/projects/{id}/sessions, GET/DELETE /v1/sessions/{id}.
 * Trace identifiers: GlobalID (Trace:N) or 32-hex OTel trace id; session
 * identifiers: GlobalID (ProjectSession:N) or the session.id string.
 */
#include <stdio.h>
#include <string.h>

#include "assay/hex.h"
#include "server.h"
#include "wire.h"

#define MAX_SESSIONS 1000

void h_traces_list(as_req *r) {
    as_trace_query q;
    memset(&q, 0, sizeof(q));
    if (!as_req_project(r, r->params[0], &q.project_id, NULL)) return;
    if ((q.limit = as_req_limit(r, 100, 1000)) < 0) return;
    if (!as_req_time(r, "start_time", &q.start_ns) || !as_req_time(r, "end_time", &q.end_ns))
        return;
    if (!as_req_sort(r, &q.sort_latency, &q.ascending)) return;
    const char *sessions[MAX_SESSIONS];
    q.session_ids.v = sessions;
    q.session_ids.n = as_req_query_all(r, "session_identifier", sessions, MAX_SESSIONS);
    const char *cursor = as_req_query(r, "cursor");
    if (cursor && *cursor &&
        (!wire_cursor_decode(cursor, &q.cursor_key, &q.cursor_id) || q.cursor_id <= 0)) {
        as_reply_error(r, AS_EUNPROCESSABLE, "cursor is not one this server issued");
        return;
    }
    const char *inc = as_req_query(r, "include_spans");
    bool include_spans = inc && (strcmp(inc, "true") == 0 || strcmp(inc, "1") == 0);
    json_t *rows;
    bool has_next;
    as_err e;
    if (as_store_trace_query(r->srv->store, &q, &rows, &has_next, &e) != AS_OK) {
        json_decref(rows);
        as_reply_err(r, &e);
        return;
    }
    json_t *data = json_array();
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row) {
        json_t *spans = NULL;
        if (include_spans) {
            json_t *srows;
            if (as_store_trace_spans(r->srv->store, json_integer_value(json_object_get(row, "id")),
                                     &srows, &e) != AS_OK) {
                json_decref(srows);
                json_decref(rows);
                json_decref(data);
                as_reply_err(r, &e);
                return;
            }
            spans = wire_map(srows, wire_trace_span);
            json_decref(srows);
        }
        json_array_append_new(data, wire_trace(row, spans));
    }
    char cur[96];
    if (has_next) {
        json_t *last = json_array_get(rows, json_array_size(rows) - 1);
        int64_t key = q.sort_latency
            ? json_integer_value(json_object_get(last, "end_time")) -
                  json_integer_value(json_object_get(last, "start_time"))
            : json_integer_value(json_object_get(last, "start_time"));
        wire_cursor_encode(key, json_integer_value(json_object_get(last, "id")), cur);
    }
    json_decref(rows);
    as_reply_page(r, data, has_next ? cur : NULL);
}

static bool find_trace(as_req *r, const char *ident, int64_t *id) {
    int64_t rowid;
    json_t *row;
    as_err e;
    as_rc rc = as_globalid_decode(ident, "Trace", &rowid)
                   ? as_store_trace_get(r->srv->store, rowid, NULL, &row, &e)
                   : as_store_trace_get(r->srv->store, 0, ident, &row, &e);
    if (rc != AS_OK) {
        if (rc == AS_ENOTFOUND) as_reply_errorf(r, rc, "trace '%.100s' not found", ident);
        else as_reply_err(r, &e);
        return false;
    }
    *id = json_integer_value(json_object_get(row, "id"));
    json_decref(row);
    return true;
}

void h_trace_delete(as_req *r) {
    int64_t id;
    as_err e;
    if (!find_trace(r, r->params[0], &id)) return;
    if (as_store_trace_delete(r->srv->store, id, &e) != AS_OK) as_reply_err(r, &e);
    else as_reply_text(r, 204, "text/plain", "");
}

void h_sessions_list(as_req *r) {
    int64_t pid;
    if (!as_req_project(r, r->params[0], &pid, NULL)) return;
    int limit = as_req_limit(r, 100, 1000);
    if (limit < 0) return;
    const char *order = as_req_query(r, "order");
    bool asc = order && strcmp(order, "asc") == 0;
    int64_t cursor = 0;
    const char *c = as_req_query(r, "cursor");
    if (c && *c && !as_globalid_decode(c, "ProjectSession", &cursor)) {
        as_reply_error(r, AS_EUNPROCESSABLE, "cursor is not a ProjectSession id");
        return;
    }
    /* The cursor names the first row of the next page. */
    if (cursor) cursor += asc ? -1 : 1;
    json_t *rows;
    bool has_next;
    as_err e;
    if (as_store_session_list(r->srv->store, pid, asc, cursor, limit, &rows, &has_next, &e) != AS_OK) {
        json_decref(rows);
        as_reply_err(r, &e);
        return;
    }
    json_t *data = wire_map(rows, wire_session);
    int64_t last = json_integer_value(
        json_object_get(json_array_get(rows, json_array_size(rows) - 1), "id"));
    json_decref(rows);
    char cur[AS_GLOBALID_MAX];
    if (has_next) as_globalid_encode("ProjectSession", asc ? last + 1 : last - 1, cur);
    as_reply_page(r, data, has_next ? cur : NULL);
}

static as_rc find_session(as_req *r, const char *ident, json_t **row, as_err *e) {
    int64_t rowid;
    return as_globalid_decode(ident, "ProjectSession", &rowid)
               ? as_store_session_get(r->srv->store, rowid, NULL, row, e)
               : as_store_session_get(r->srv->store, 0, ident, row, e);
}

static bool get_session(as_req *r, json_t **row) {
    const char *ident = r->params[0];
    as_err e;
    as_rc rc = find_session(r, ident, row, &e);
    if (rc == AS_OK) return true;
    if (rc == AS_ENOTFOUND) as_reply_errorf(r, rc, "session '%.100s' not found", ident);
    else as_reply_err(r, &e);
    return false;
}

void h_session_get(as_req *r) {
    json_t *row;
    if (!get_session(r, &row)) return;
    as_reply_data(r, wire_session(row));
    json_decref(row);
}

void h_session_delete(as_req *r) {
    json_t *row;
    as_err e;
    if (!get_session(r, &row)) return;
    int64_t id = json_integer_value(json_object_get(row, "id"));
    json_decref(row);
    if (as_store_session_delete(r->srv->store, id, &e) != AS_OK) as_reply_err(r, &e);
    else as_reply_text(r, 204, "text/plain", "");
}

/* POST /v1/sessions/delete {"session_identifiers": [...]}: unknown ones
 * are skipped, as Phoenix does. */
void h_sessions_delete(as_req *r) {
    json_t *body = as_req_json_body(r);
    if (!body) return;
    json_t *ids = json_object_get(body, "session_identifiers");
    if (!json_is_array(ids)) {
        json_decref(body);
        as_reply_error(r, AS_EUNPROCESSABLE, "'session_identifiers' must be an array of strings");
        return;
    }
    size_t i;
    json_t *id;
    json_array_foreach(ids, i, id) {
        json_t *row;
        as_err e;
        if (!json_is_string(id)) continue;
        as_rc rc = find_session(r, json_string_value(id), &row, &e);
        if (rc == AS_ENOTFOUND) continue;
        if (rc == AS_OK) {
            rc = as_store_session_delete(r->srv->store,
                                         json_integer_value(json_object_get(row, "id")), &e);
            json_decref(row);
        }
        if (rc != AS_OK && rc != AS_ENOTFOUND) {
            json_decref(body);
            as_reply_err(r, &e);
            return;
        }
    }
    json_decref(body);
    as_reply_text(r, 204, "text/plain", "");
}
