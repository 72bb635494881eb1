/*
 * routes.c - the routing tables: every endpoint is declared once, here
 * for the server's own endpoints and the trace API, and in one table at
 * the top of each resource's handler file for the others (h_datasets.c
 * ...), listed in `tables` below.  Patterns are literal path segments
 * with "{}" for a captured segment; the most specific match wins.
 */
#include <string.h>

#include "server.h"

static const as_route routes[] = {
    { "GET", "/healthz", h_healthz, false, false },
    { "GET", "/readyz", h_readyz, false, false },
    { "GET", "/metrics", h_metrics, false, false },
    { "GET", "/arize_phoenix_version", h_version, false, false },
    { "POST", "/v1/traces", h_otlp_traces, true, false },
    { "GET", "/v1/projects", h_projects_list, false, false },
    { "POST", "/v1/projects", h_projects_create, false, false },
    { "GET", "/v1/projects/{}", h_project_get, false, false },
    { "PUT", "/v1/projects/{}", h_project_update, false, false },
    { "DELETE", "/v1/projects/{}", h_project_delete, false, false },
    { "GET", "/v1/projects/{}/spans", h_spans_list, false, false },
    { "GET", "/v1/projects/{}/spans/otlpv1", h_spans_otlp, false, false },
    { "GET", "/v1/projects/{}/traces", h_traces_list, false, false },
    { "DELETE", "/v1/traces/{}", h_trace_delete, false, false },
    { "GET", "/v1/projects/{}/sessions", h_sessions_list, false, false },
    { "GET", "/v1/sessions/{}", h_session_get, false, false },
    { "DELETE", "/v1/sessions/{}", h_session_delete, false, false },
    { "POST", "/v1/sessions/delete", h_sessions_delete, false, false },
    { NULL, NULL, NULL, false, false },
};

static const as_route *const tables[] = {
    routes,
    as_routes_datasets,
    as_routes_analysis,
    as_routes_experiments,
    as_routes_annotations,
    as_routes_queues,
    as_routes_runner,
    as_routes_openapi,
    as_routes_ui,
    as_routes_observe,
};

/* Match path (a writable copy) against pattern; captured segments are
 * NUL-terminated in place and returned as pointers into path. */
static bool match(const char *pattern, char *path, const char **params) {
    size_t np = 0;
    const char *p = pattern;
    char *s = path;
    while (*p && *s) {
        if (p[0] == '{' && p[1] == '}') {
            char *end = strchr(s, '/');
            if (end == s) return false;             /* empty segment */
            if (np == AS_MAX_PATH_PARAMS) return false;
            params[np++] = s;
            p += 2;
            if (end) { if (*p != '/') return false; *end = '\0'; s = end + 1; p++; }
            else s += strlen(s);
            continue;
        }
        if (*p != *s) return false;
        p++;
        s++;
    }
    return *p == '\0' && *s == '\0';
}

const as_route *as_route_match(const char *method, const char *path,
                               char *tmp, size_t tmpcap, const char **params,
                               bool *method_mismatch) {
    size_t n = strlen(path);
    *method_mismatch = false;
    if (n >= tmpcap) return NULL;
    /* Tolerate one trailing slash ("/v1/projects/"). */
    if (n > 1 && path[n - 1] == '/') n--;
    /* The most specific match wins: the route with the fewest captured
     * segments ("/v1/experiments/compare" before "/v1/experiments/{}"),
     * whatever the order of the tables. */
    const as_route *best = NULL;
    int best_captures = 0;
    for (size_t t = 0; t < AS_ARRAY_LEN(tables); t++) {
        for (const as_route *rt = tables[t]; rt->method; rt++) {
            memcpy(tmp, path, n);
            tmp[n] = '\0';
            if (!match(rt->pattern, tmp, params)) continue;
            if (strcmp(rt->method, method) != 0) { *method_mismatch = true; continue; }
            int captures = 0;
            for (const char *q = rt->pattern; (q = strstr(q, "{}")); q += 2) captures++;
            if (!best || captures < best_captures) { best = rt; best_captures = captures; }
        }
    }
    if (best) {
        *method_mismatch = false;
        memcpy(tmp, path, n);
        tmp[n] = '\0';
        for (size_t k = 0; k < AS_MAX_PATH_PARAMS; k++) params[k] = NULL;
        match(best->pattern, tmp, params);
        return best;
    }
    return NULL;
}
