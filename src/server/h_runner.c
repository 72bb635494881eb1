/*
 * h_runner.c - the server-side experiment runner's endpoints (an assay
 * extension of the Phoenix REST API; docs/experiment-runner.md):
 *
 *   POST /v1/datasets/{dataset_id}/experiments/run   202 {data: experiment}
 *   POST /v1/experiments/{id}/cancel                 200 {data: experiment}
 *   POST /v1/experiments/{id}/resume                 202 {data: experiment}
 *   GET  /v1/experiments/{id}/status                 200 {data: status}
 *
 * The work is as_runner (src/experiment/manager.c); these only decode ids
 * and bodies and shape the answers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assay/experiment.h"
#include "assay/hex.h"
#include "server.h"
#include "wire.h"

/* A path id: the GlobalID of `type`, or a plain rowid.  Replies 404. */
static bool path_id(as_req *r, const char *s, const char *type, int64_t *id) {
    if (as_id_parse(s, type, id)) return true;
    as_reply_errorf(r, AS_ENOTFOUND, "no %s with id '%.64s'", type, s);
    return false;
}

static void reply_experiment(as_req *r, int status, json_t *row) {
    json_t *body = json_pack("{s:o}", "data", wire_experiment(row));
    json_decref(row);
    as_reply_json(r, status, body);
}

static as_runner *runner(as_req *r) {
    if (!r->srv->runner) {
        as_reply_error(r, AS_ESHUTDOWN, "the experiment runner is not running");
        return NULL;
    }
    return r->srv->runner;
}

/* Body fields that belong to the experiment, not to the task. */
static const char *const create_fields[] = {
    "name", "description", "metadata", "version_id", "splits", "repetitions", NULL,
};

static bool is_create_field(const char *k) {
    for (size_t i = 0; create_fields[i]; i++)
        if (strcmp(create_fields[i], k) == 0) return true;
    return false;
}

static void h_run_start(as_req *r) {
    as_runner *rn = runner(r);
    if (!rn) return;
    int64_t ds;
    if (!path_id(r, r->params[0], "Dataset", &ds)) return;
    json_t *body = as_req_json_body(r);
    if (!body) return;
    /* split the body: experiment fields vs the task spec */
    json_t *task = json_object(), *create = json_object();
    const char *k;
    json_t *v;
    json_object_foreach(body, k, v) {
        if (strcmp(k, "name") == 0) json_object_set(task, "name", v);   /* both */
        json_object_set(is_create_field(k) ? create : task, k, v);
    }
    json_object_set_new(task, "origin", json_string("server"));
    const char *err_field = NULL;
    json_t *ver = json_object_get(create, "version_id");
    if (ver && json_is_string(ver)) {
        int64_t vid;
        if (as_id_parse(json_string_value(ver), "DatasetVersion", &vid))
            json_object_set_new(create, "version_id", json_integer(vid));
        else err_field = "version_id must be a DatasetVersion id";
    } else if (ver && !json_is_null(ver) && !json_is_integer(ver)) {
        err_field = "version_id must be a DatasetVersion id";
    }
    json_t *reps = json_object_get(create, "repetitions");
    if (reps && !json_is_null(reps) &&
        (!json_is_integer(reps) || json_integer_value(reps) < 1 ||
         json_integer_value(reps) > AS_EVAL_MAX_REPEAT))
        err_field = "repetitions must be an integer from 1 to 100";
    json_t *splits = json_object_get(create, "splits");
    if (splits && !json_is_null(splits) && !json_is_array(splits))
        err_field = "splits must be an array of split names";
    if (err_field) {
        as_reply_error(r, AS_EUNPROCESSABLE, err_field);
    } else {
        json_t *row = NULL;
        as_err e;
        if (as_runner_submit(rn, ds, task, create, &row, &e) != AS_OK) as_reply_err(r, &e);
        else reply_experiment(r, 202, row);
    }
    json_decref(task);
    json_decref(create);
    json_decref(body);
}

/* cancel / resume / status share the id decoding. */
static void h_run_cancel(as_req *r) {
    as_runner *rn = runner(r);
    int64_t id;
    if (!rn || !path_id(r, r->params[0], "Experiment", &id)) return;
    json_t *row = NULL;
    as_err e;
    if (as_runner_cancel(rn, id, &row, &e) != AS_OK) as_reply_err(r, &e);
    else reply_experiment(r, 200, row);
}

static void h_run_resume(as_req *r) {
    as_runner *rn = runner(r);
    int64_t id;
    if (!rn || !path_id(r, r->params[0], "Experiment", &id)) return;
    json_t *row = NULL;
    as_err e;
    if (as_runner_resume(rn, id, &row, &e) != AS_OK) as_reply_err(r, &e);
    else reply_experiment(r, 202, row);
}

static void h_run_status(as_req *r) {
    as_runner *rn = runner(r);
    int64_t id;
    if (!rn || !path_id(r, r->params[0], "Experiment", &id)) return;
    json_t *st = NULL;
    as_err e;
    if (as_runner_status(rn, id, &st, &e) != AS_OK) {
        as_reply_err(r, &e);
        return;
    }
    char gid[AS_GLOBALID_MAX];
    as_globalid_encode("Experiment", id, gid);
    json_object_set_new(st, "id", json_string(gid));
    as_reply_data(r, st);
}

const as_route as_routes_runner[] = {
    { "POST", "/v1/datasets/{}/experiments/run", h_run_start, false, false },
    { "POST", "/v1/experiments/{}/cancel", h_run_cancel, false, false },
    { "POST", "/v1/experiments/{}/resume", h_run_resume, false, false },
    { "GET", "/v1/experiments/{}/status", h_run_status, false, false },
    { NULL, NULL, NULL, false, false },
};
