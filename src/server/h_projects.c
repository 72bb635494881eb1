/*
 * h_projects.c - /v1/projects: list, create, get, update, delete
 * (Phoenix REST v1 shapes; identifiers are GlobalIDs or names).
 */
#include <stdio.h>
#include <string.h>

#include "assay/hex.h"
#include "server.h"
#include "wire.h"

#define NAME_MAX_LEN 256

void h_projects_list(as_req *r) {
    int limit = as_req_limit(r, 100, 1000);
    if (limit < 0) return;
    int64_t after = 0;
    const char *cursor = as_req_query(r, "cursor");
    if (cursor && *cursor && !as_globalid_decode(cursor, "Project", &after)) {
        as_reply_error(r, AS_EUNPROCESSABLE, "cursor is not a Project id");
        return;
    }
    if (after) after--;                   /* cursor names the first row */
    json_t *rows;
    int64_t next = 0;
    as_err e;
    if (as_store_project_list(r->srv->store, as_req_query(r, "name_contains"), after,
                              limit, &rows, &next, &e) != AS_OK) {
        as_reply_err(r, &e);
        return;
    }
    json_t *data = wire_map(rows, wire_project);
    json_decref(rows);
    char cur[AS_GLOBALID_MAX];
    if (next) as_globalid_encode("Project", next + 1, cur);
    as_reply_page(r, data, next ? cur : NULL);
}

static bool valid_name(as_req *r, const json_t *name) {
    const char *s = json_string_value(name);
    if (!s || !*s) {
        as_reply_error(r, AS_EUNPROCESSABLE, "'name' must be a non-empty string");
        return false;
    }
    if (strlen(s) > NAME_MAX_LEN) {
        as_reply_error(r, AS_EUNPROCESSABLE, "'name' is longer than 256 characters");
        return false;
    }
    return true;
}

static bool opt_string(as_req *r, json_t *body, const char *field, const char **out) {
    json_t *v = json_object_get(body, field);
    *out = NULL;
    if (!v || json_is_null(v)) return true;
    if (!json_is_string(v)) {
        as_reply_errorf(r, AS_EUNPROCESSABLE, "'%s' must be a string", field);
        return false;
    }
    *out = json_string_value(v);
    return true;
}

/* Answer {"data": project} for a store call's outcome; takes row. */
static void reply_project(as_req *r, as_rc rc, json_t *row, const as_err *e) {
    if (rc != AS_OK) {
        as_reply_err(r, e);
        return;
    }
    as_reply_data(r, wire_project(row));
    json_decref(row);
}

void h_projects_create(as_req *r) {
    json_t *body = as_req_json_body(r);
    if (!body) return;
    const char *desc;
    json_t *row = NULL;
    as_err e;
    if (valid_name(r, json_object_get(body, "name")) &&
        opt_string(r, body, "description", &desc)) {
        as_rc rc = as_store_project_create(r->srv->store,
                                           json_string_value(json_object_get(body, "name")),
                                           desc, &row, &e);
        reply_project(r, rc, row, &e);
    }
    json_decref(body);
}

void h_project_get(as_req *r) {
    int64_t id;
    json_t *row;
    if (!as_req_project(r, r->params[0], &id, &row)) return;
    reply_project(r, AS_OK, row, NULL);
}

void h_project_update(as_req *r) {
    int64_t id;
    if (!as_req_project(r, r->params[0], &id, NULL)) return;
    json_t *body = as_req_json_body(r);
    if (!body) return;
    const char *desc;
    json_t *row = NULL;
    as_err e;
    if (opt_string(r, body, "description", &desc)) {
        as_rc rc = as_store_project_update(r->srv->store, id, desc, &row, &e);
        reply_project(r, rc, row, &e);
    }
    json_decref(body);
}

void h_project_delete(as_req *r) {
    int64_t id;
    as_err e;
    json_t *row;
    if (!as_req_project(r, r->params[0], &id, &row)) return;
    bool is_default = strcmp(json_string_value(json_object_get(row, "name")), "default") == 0;
    json_decref(row);
    if (is_default) {
        as_reply_error(r, AS_EFORBIDDEN, "the default project cannot be deleted");
        return;
    }
    if (as_store_project_delete(r->srv->store, id, &e) != AS_OK) {
        as_reply_err(r, &e);
        return;
    }
    as_reply_text(r, 204, "text/plain", "");
}
