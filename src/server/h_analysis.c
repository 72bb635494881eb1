/*
 * h_analysis.c - the statistics of experiments (an assay extension of the
 * REST API; docs/analysis.md):
 *   GET /v1/experiments/{id}/summary
 *   GET /v1/experiments/compare?baseline=A&candidate=B[&candidate=C...]
 *   GET /v1/evaluators/agreement?experiment_id=E&name=N[&human_name=H]
 *   GET /v1/evaluators/agreement?project_id=P&name=N
 * The figures come from src/analysis/; these handlers parse the query and
 * shape errors.  Experiments are named by GlobalID, rowid or name.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assay/analysis.h"
#include "server.h"

#define NAME_MAX_LEN 256

/* A floating-point query parameter within [lo, hi]. */
static bool query_double(as_req *r, const char *name, double lo, double hi, double *out) {
    const char *s = as_req_query(r, name);
    if (!s) return true;
    char *end;
    double v = strtod(s, &end);
    if (*s == '\0' || *end != '\0' || !isfinite(v) || v < lo || v > hi) {
        as_reply_errorf(r, AS_EUNPROCESSABLE, "%s must be a number from %g to %g, got '%.40s'",
                        name, lo, hi, s);
        return false;
    }
    *out = v;
    return true;
}

static bool query_uint(as_req *r, const char *name, unsigned long long max,
                       unsigned long long *out) {
    const char *s = as_req_query(r, name);
    if (!s) return true;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (*s < '0' || *s > '9' || *end != '\0' || errno == ERANGE || v > max) {
        as_reply_errorf(r, AS_EUNPROCESSABLE, "%s must be an integer from 0 to %llu, got '%.40s'",
                        name, max, s);
        return false;
    }
    *out = v;
    return true;
}

/* The options every analysis endpoint takes: pass_threshold, margin,
 * resamples, seed, limit, positive_label. */
static bool read_opts(as_req *r, as_analysis_opts *o) {
    as_analysis_opts_defaults(o);
    unsigned long long resamples = o->n_resamples, seed = o->seed;
    if (!query_double(r, "pass_threshold", -1e300, 1e300, &o->pass_threshold) ||
        !query_double(r, "margin", 0, 1e300, &o->margin) ||
        !query_uint(r, "resamples", 100000, &resamples) ||
        !query_uint(r, "seed", UINT64_MAX, &seed))
        return false;
    if (resamples < 100) {
        as_reply_error(r, AS_EUNPROCESSABLE, "resamples must be at least 100");
        return false;
    }
    int limit = as_req_limit(r, 100, AS_ANALYSIS_MAX_LIMIT);
    if (limit < 0) return false;
    o->n_resamples = (uint32_t)resamples;
    o->seed = seed;
    o->limit = (size_t)limit;
    o->positive_label = as_req_query(r, "positive_label");
    return true;
}

/* Resolve an experiment identifier; replies 404 / 409 / 422 on failure. */
static bool req_experiment(as_req *r, const char *what, const char *ident, int64_t *id) {
    as_err e;
    if (!ident || !*ident) {
        as_reply_errorf(r, AS_EUNPROCESSABLE, "'%s' is required (an experiment id)", what);
        return false;
    }
    if (as_analysis_resolve_experiment(r->srv->store, ident, id, &e) != AS_OK) {
        if (e.code == AS_ENOTFOUND) {
            as_reply_errorf(r, AS_ENOTFOUND, "%s: experiment '%.200s' not found", what, ident);
        } else {
            as_reply_err(r, &e);
        }
        return false;
    }
    return true;
}

/* Reply {"data": result} or the error of the analysis call. */
static void reply_result(as_req *r, as_rc rc, json_t *res, const as_err *e) {
    if (rc != AS_OK) as_reply_err(r, e);
    else as_reply_data(r, res);
}

static void h_summary(as_req *r) {
    as_analysis_opts o;
    int64_t id;
    if (!read_opts(r, &o) || !req_experiment(r, "experiment", r->params[0], &id)) return;
    json_t *res = NULL;
    as_err e;
    as_rc rc = as_analysis_summary(r->srv->store, id, &o, &res, &e);
    reply_result(r, rc, res, &e);
}

static void h_compare(as_req *r) {
    as_analysis_opts o;
    if (!read_opts(r, &o)) return;
    int64_t base;
    if (!req_experiment(r, "baseline", as_req_query(r, "baseline"), &base)) return;
    const char *ids[AS_ANALYSIS_MAX_CANDIDATES + 1];
    size_t n = as_req_query_all(r, "candidate", ids, AS_ARRAY_LEN(ids));
    if (n == 0) {
        as_reply_error(r, AS_EUNPROCESSABLE, "'candidate' is required (an experiment id; "
                                             "repeat it to compare several)");
        return;
    }
    if (n > AS_ANALYSIS_MAX_CANDIDATES) {
        as_reply_errorf(r, AS_EUNPROCESSABLE, "at most %d candidates can be compared at once",
                        AS_ANALYSIS_MAX_CANDIDATES);
        return;
    }
    int64_t cand[AS_ANALYSIS_MAX_CANDIDATES];
    for (size_t i = 0; i < n; i++)
        if (!req_experiment(r, "candidate", ids[i], &cand[i])) return;
    json_t *res = NULL;
    as_err e;
    as_rc rc = as_analysis_compare(r->srv->store, base, cand, n, &o, &res, &e);
    reply_result(r, rc, res, &e);
}

static bool req_name(as_req *r, const char *field, bool required, const char **out) {
    const char *s = as_req_query(r, field);
    *out = s;
    if (!s && !required) return true;
    if (!s || !*s || strlen(s) > NAME_MAX_LEN) {
        as_reply_errorf(r, AS_EUNPROCESSABLE, "'%s' must be a non-empty name of at most %d bytes",
                        field, NAME_MAX_LEN);
        return false;
    }
    return true;
}

static void h_agreement(as_req *r) {
    as_analysis_opts o;
    const char *name, *human, *exp = as_req_query(r, "experiment_id"),
               *proj = as_req_query(r, "project_id");
    if (!read_opts(r, &o) || !req_name(r, "name", true, &name) ||
        !req_name(r, "human_name", false, &human))
        return;
    if (!exp == !proj) {
        as_reply_error(r, AS_EUNPROCESSABLE,
                       "give exactly one of 'experiment_id' and 'project_id'");
        return;
    }
    json_t *res = NULL;
    as_err e;
    as_rc rc;
    if (exp) {
        int64_t id;
        if (!req_experiment(r, "experiment_id", exp, &id)) return;
        rc = as_analysis_agreement_experiment(r->srv->store, id, name, human, &o, &res, &e);
    } else {
        if (human) {
            as_reply_error(r, AS_EUNPROCESSABLE,
                           "'human_name' applies to experiments only (span annotations "
                           "of humans and judges share the name)");
            return;
        }
        int64_t id;
        if (!as_req_project(r, proj, &id, NULL)) return;
        rc = as_analysis_agreement_project(r->srv->store, id, name, &o, &res, &e);
    }
    reply_result(r, rc, res, &e);
}

const as_route as_routes_analysis[] = {
    { "GET", "/v1/experiments/compare", h_compare, false, false },
    { "GET", "/v1/experiments/{}/summary", h_summary, false, false },
    { "GET", "/v1/evaluators/agreement", h_agreement, false, false },
    { NULL, NULL, NULL, false, false },
};
