/*
 * reply.c - the reply and request helpers every handler shares: the one
 * mapping from as_rc to HTTP status, the {"data": ...} envelope, JSON error
 * bodies ({"detail": message, "code": name}), and parsing of the common
 * query parameters (limit, times, cursors, project and other identifiers).
 */
#include <stdarg.h>
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "assay/hex.h"
#include "assay/otlp.h"
#include "assay/timefmt.h"
#include "server.h"
#include "wire.h"

int as_http_status(as_rc rc) {
    switch (rc) {
    case AS_OK: return 200;
    case AS_EINVAL: return 400;
    case AS_ENOTFOUND: return 404;
    case AS_ECONFLICT: return 409;
    case AS_ETOOBIG: return 413;
    case AS_EUNSUPPORTED: return 415;
    case AS_EUNPROCESSABLE: return 422;
    case AS_EFORBIDDEN: return 403;
    case AS_EFULL: return 503;
    case AS_ESHUTDOWN: return 503;
    case AS_EIO: case AS_EDB: case AS_EINTERNAL: return 500;
    }
    return 500;
}

void as_reply_json(as_req *r, int status, json_t *body) {
    r->status = status;
    r->content_type = "application/json";
    as_buf_reset(&r->out);
    char *s = json_dumps(body, JSON_COMPACT | JSON_ENCODE_ANY);
    if (s) { as_buf_puts(&r->out, s); free(s); }
    json_decref(body);
}

void as_reply_data(as_req *r, json_t *data) {
    as_reply_json(r, 200, json_pack("{s:o}", "data", data));
}

void as_reply_page(as_req *r, json_t *data, const char *next_cursor) {
    as_reply_json(r, 200, json_pack("{s:o, s:o}", "data", data, "next_cursor",
                                    next_cursor ? json_string(next_cursor) : json_null()));
}

void as_reply_text(as_req *r, int status, const char *ctype, const char *text) {
    r->status = status;
    r->content_type = ctype;
    as_buf_reset(&r->out);
    as_buf_puts(&r->out, text);
}

const char *as_safe_text(const char *msg, char buf[AS_ERR_MSG_MAX]) {
    size_t n = strlen(msg);
    if (as_utf8_valid(msg, n)) return msg;
    if (n >= AS_ERR_MSG_MAX) n = AS_ERR_MSG_MAX - 1;
    for (size_t i = 0; i < n; i++) buf[i] = (unsigned char)msg[i] < 0x80 ? msg[i] : '?';
    buf[n] = '\0';
    return buf;
}

void as_reply_error(as_req *r, as_rc rc, const char *msg) {
    if (rc == AS_EFULL || rc == AS_ESHUTDOWN) snprintf(r->retry_after, sizeof(r->retry_after), "1");
    char safe[AS_ERR_MSG_MAX];
    msg = as_safe_text(msg, safe);
    as_reply_json(r, as_http_status(rc),
                  json_pack("{s:s, s:s}", "detail", msg, "code", as_rc_name(rc)));
}

void as_reply_errorf(as_req *r, as_rc rc, const char *fmt, ...) {
    char msg[AS_ERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    as_reply_error(r, rc, msg);
}

void as_reply_err(as_req *r, const as_err *err) { as_reply_error(r, err->code, err->msg); }

void as_reply_row(as_req *r, as_rc rc, json_t *row, json_t *(*shape)(const json_t *),
                  const as_err *err) {
    if (rc != AS_OK) { as_reply_err(r, err); return; }
    as_reply_data(r, shape(row));
    json_decref(row);
}

void as_reply_done(as_req *r, as_rc rc, const as_err *err) {
    if (rc != AS_OK) as_reply_err(r, err);
    else as_reply_text(r, 204, "text/plain", "");
}

void as_reply_page_id(as_req *r, json_t *data, int64_t next, const char *type) {
    char cur[AS_GLOBALID_MAX];
    if (next) as_globalid_encode(type, next, cur);
    as_reply_page(r, data, next ? cur : NULL);
}

void as_reply_rows_page(as_req *r, json_t *rows, int64_t next, const char *type,
                        json_t *(*shape)(const json_t *)) {
    json_t *data = wire_map(rows, shape);
    json_decref(rows);
    as_reply_page_id(r, data, next, type);
}

void as_reply_attachment(as_req *r, const char *name, const char *ext) {
    char safe[160];
    size_t n = 0;
    for (const char *p = name ? name : ""; *p && n < sizeof(safe) - 1; p++) {
        unsigned char c = (unsigned char)*p;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                  (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
        safe[n++] = ok ? (char)c : '_';
    }
    safe[n] = '\0';
    snprintf(r->content_disposition, sizeof(r->content_disposition),
             "attachment; filename=\"%s.%s\"", n ? safe : "download", ext);
}

json_t *as_req_json_body(as_req *r) {
    json_error_t je;
    if (r->body.len == 0) {
        as_reply_error(r, AS_EUNPROCESSABLE, "request body must be a JSON object");
        return NULL;
    }
    json_t *v = json_loadb(r->body.data, r->body.len, 0, &je);
    if (!v) {
        as_reply_errorf(r, AS_EINVAL, "invalid JSON at line %d, column %d: %s", je.line,
                        je.column, je.text);
        return NULL;
    }
    if (!json_is_object(v)) {
        json_decref(v);
        as_reply_error(r, AS_EUNPROCESSABLE, "request body must be a JSON object");
        return NULL;
    }
    return v;
}

bool as_req_int(as_req *r, const char *name, long long lo, long long hi, long long *out) {
    const char *s = as_req_query(r, name);
    if (!s) return true;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (*s == '\0' || *end != '\0' || errno == ERANGE || v < lo || v > hi) {
        as_reply_errorf(r, AS_EUNPROCESSABLE, "%s must be an integer from %lld to %lld, "
                        "got '%.40s'", name, lo, hi, s);
        return false;
    }
    *out = v;
    return true;
}

int as_req_limit(as_req *r, int def, int max) {
    long long v = def;
    return as_req_int(r, "limit", 1, max, &v) ? (int)v : -1;
}

bool as_req_time(as_req *r, const char *name, int64_t *ns) {
    const char *s = as_req_query(r, name);
    *ns = 0;
    if (!s || !*s) return true;
    if (as_time_parse(s, ns)) return true;
    as_reply_errorf(r, AS_EUNPROCESSABLE, "%s must be an ISO 8601 timestamp, got '%.60s'",
                    name, s);
    return false;
}

bool as_req_project(as_req *r, const char *ident, int64_t *id, json_t **row) {
    as_err e;
    json_t *p = NULL;
    int64_t rowid;
    as_rc rc;
    if (as_globalid_decode(ident, "Project", &rowid))
        rc = as_store_project_get(r->srv->store, rowid, NULL, &p, &e);
    else
        rc = as_store_project_get(r->srv->store, 0, ident, &p, &e);
    if (rc != AS_OK) {
        if (rc == AS_ENOTFOUND) as_reply_errorf(r, rc, "project '%.200s' not found", ident);
        else as_reply_err(r, &e);
        return false;
    }
    *id = json_integer_value(json_object_get(p, "id"));
    if (row) *row = p;
    else json_decref(p);
    return true;
}

bool as_req_sort(as_req *r, bool *latency, bool *ascending) {
    const char *sort = as_req_query(r, "sort"), *order = as_req_query(r, "order");
    if (sort && strcmp(sort, "start_time") != 0 && strcmp(sort, "latency_ms") != 0) {
        as_reply_errorf(r, AS_EUNPROCESSABLE, "sort must be start_time or latency_ms, "
                        "not '%.40s'", sort);
        return false;
    }
    if (order && strcmp(order, "asc") != 0 && strcmp(order, "desc") != 0) {
        as_reply_errorf(r, AS_EUNPROCESSABLE, "order must be asc or desc, not '%.40s'", order);
        return false;
    }
    *latency = sort && strcmp(sort, "latency_ms") == 0;
    *ascending = order && strcmp(order, "asc") == 0;
    return true;
}

bool as_id_parse(const char *s, const char *type, int64_t *id) {
    if (as_globalid_decode(s, type, id) && *id > 0) return true;
    char *end;
    long long v = strtoll(s, &end, 10);
    *id = *s && *end == '\0' && v > 0 ? v : 0;
    return *id > 0;
}

bool as_is_hex(const char *s, size_t n) {
    uint8_t b[16];
    return n <= 2 * sizeof(b) && strlen(s) == n && as_hex_decode(s, n, b, n / 2);
}

bool as_req_cursor_id(as_req *r, const char *type, int64_t *id) {
    const char *c = as_req_query(r, "cursor");
    *id = 0;
    if (!c || !*c) return true;
    if (as_globalid_decode(c, type, id) && *id > 0) return true;
    as_reply_errorf(r, AS_EUNPROCESSABLE, "cursor is not a %s id", type);
    return false;
}

bool as_req_page_cursor(as_req *r, const char *type, int64_t *after) {
    if (wire_gid_cursor(as_req_query(r, "cursor"), type, after)) return true;
    as_reply_error(r, AS_EUNPROCESSABLE, "cursor is not one this server issued");
    return false;
}
