/*
 * graph.c - the agent graph of a project (include/assay/observe.h).
 *
 * Fed one trace at a time.  Per trace: a span-id hash map gives each
 * span's parent; the children of every parent are laid out contiguously
 * (counting sort) and sorted by start time, which finds the siblings that
 * overlap in one sweep (a child overlaps an earlier sibling when it starts
 * before the largest end so far, a later one when the next sibling starts
 * before it ends).  Nodes are interned "KIND:name" strings; edges live in
 * an open-addressing map keyed by (parent node, child node).  Latencies
 * are kept per node and sorted once at the end for the percentiles.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "assay/alloc.h"
#include "assay/stats.h"
#include "assay/observe.h"
#include "assay/store_analysis.h"

typedef struct gnode {
    uint64_t calls, traces, roots, errors;
    int64_t last_trace;
    double lat_sum;
    double *lat;
    size_t nlat, caplat;
    int64_t prompt, completion;
    double cost;
    bool has_cost;
    size_t kind_len;            /* "KIND:name": the kind's length */
} gnode;

typedef struct gedge {
    uint32_t src, dst;
    uint64_t calls, parents, parallel_calls;
    uint64_t stamp;             /* last parent span counted in parents */
} gedge;

struct as_agent_graph {
    as_an_strings ids;          /* node ids "KIND:name" */
    gnode *nodes;
    size_t capnodes;
    gedge *edges;
    size_t nedges, capedges;
    uint32_t *eslots;           /* edge index + 1, 0 = empty */
    size_t neslots;
    uint64_t traces, spans, stamp;
    /* per-trace scratch */
    uint32_t *nid;
    int32_t *par, *slot, *start, *kids;
    bool *overlap;
    size_t capscratch, capslot;
    char *key;
    size_t capkey;
};

as_agent_graph *as_agent_graph_new(void) {
    return as_xcalloc(1, sizeof(as_agent_graph));
}

void as_agent_graph_free(as_agent_graph *g) {
    if (!g) return;
    for (uint32_t i = 0; i < g->ids.n; i++) free(g->nodes[i].lat);
    as_an_strings_free(&g->ids);
    free(g->nodes);
    free(g->edges);
    free(g->eslots);
    free(g->nid);
    free(g->par);
    free(g->slot);
    free(g->start);
    free(g->kids);
    free(g->overlap);
    free(g->key);
    free(g);
}

static uint32_t node_of(as_agent_graph *g, const as_obs_span *s) {
    size_t kl = strlen(s->kind), nl = strlen(s->name), need = kl + nl + 2;
    if (need > g->capkey) {
        g->capkey = need * 2;
        g->key = as_xrealloc(g->key, g->capkey);
    }
    memcpy(g->key, s->kind, kl);
    g->key[kl] = ':';
    memcpy(g->key + kl + 1, s->name, nl + 1);
    uint32_t before = g->ids.n;
    uint32_t id = as_an_intern(&g->ids, g->key, kl + 1 + nl);
    if (g->ids.n != before) {
        if (g->ids.n > g->capnodes) {
            size_t old = g->capnodes;
            g->capnodes = g->capnodes ? 2 * g->capnodes : 64;
            g->nodes = as_xrealloc(g->nodes, g->capnodes * sizeof(*g->nodes));
            memset(g->nodes + old, 0, (g->capnodes - old) * sizeof(*g->nodes));
        }
        g->nodes[id].last_trace = -1;
        g->nodes[id].kind_len = kl;
    }
    return id;
}

static uint64_t mix(uint64_t x) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    return x ^ (x >> 33);
}

static void edge_rehash(as_agent_graph *g, size_t nslots) {
    free(g->eslots);
    g->eslots = as_xcalloc(nslots, sizeof(uint32_t));
    g->neslots = nslots;
    for (size_t i = 0; i < g->nedges; i++) {
        uint64_t k = (uint64_t)g->edges[i].src << 32 | g->edges[i].dst;
        size_t h = mix(k) & (nslots - 1);
        while (g->eslots[h]) h = (h + 1) & (nslots - 1);
        g->eslots[h] = (uint32_t)i + 1;
    }
}

static gedge *edge_of(as_agent_graph *g, uint32_t src, uint32_t dst) {
    if (!g->neslots) edge_rehash(g, 64);
    uint64_t k = (uint64_t)src << 32 | dst;
    size_t h = mix(k) & (g->neslots - 1);
    for (; g->eslots[h]; h = (h + 1) & (g->neslots - 1)) {
        gedge *e = &g->edges[g->eslots[h] - 1];
        if (e->src == src && e->dst == dst) return e;
    }
    if (g->nedges == g->capedges) {
        g->capedges = g->capedges ? 2 * g->capedges : 64;
        g->edges = as_xrealloc(g->edges, g->capedges * sizeof(*g->edges));
    }
    gedge *e = &g->edges[g->nedges];
    *e = (gedge){ .src = src, .dst = dst };
    g->eslots[h] = (uint32_t)++g->nedges;
    if (g->nedges * 2 > g->neslots) edge_rehash(g, g->neslots * 2);
    return &g->edges[g->nedges - 1];
}

static void scratch(as_agent_graph *g, size_t n) {
    if (n + 1 > g->capscratch) {
        g->capscratch = 2 * (n + 1);
        g->nid = as_xrealloc(g->nid, g->capscratch * sizeof(*g->nid));
        g->par = as_xrealloc(g->par, g->capscratch * sizeof(*g->par));
        g->start = as_xrealloc(g->start, g->capscratch * sizeof(*g->start));
        g->kids = as_xrealloc(g->kids, g->capscratch * sizeof(*g->kids));
        g->overlap = as_xrealloc(g->overlap, g->capscratch * sizeof(*g->overlap));
    }
    size_t cap = 16;
    while (cap < 2 * n) cap *= 2;
    if (cap > g->capslot) {
        g->capslot = cap;
        g->slot = as_xrealloc(g->slot, cap * sizeof(*g->slot));
    }
}

static int cmp_start(const void *a, const void *b, void *arg) {
    const as_obs_span *s = arg;
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    if (s[x].start_ns != s[y].start_ns) return s[x].start_ns < s[y].start_ns ? -1 : 1;
    return (x > y) - (x < y);
}

void as_agent_graph_add(as_agent_graph *g, const as_obs_trace *t) {
    size_t n = t->n;
    const as_obs_span *sp = t->spans;
    g->traces++;
    g->spans += n;
    if (n == 0) return;
    scratch(g, n);
    size_t mask = 0;
    {
        size_t cap = 16;
        while (cap < 2 * n) cap *= 2;
        mask = cap - 1;
        memset(g->slot, 0xff, cap * sizeof(*g->slot));
    }
    for (size_t i = 0; i < n; i++) {
        size_t h = mix((uint64_t)sp[i].span_id) & mask;
        while (g->slot[h] >= 0) h = (h + 1) & mask;
        g->slot[h] = (int32_t)i;
    }
    /* Parents, and each span's own contribution to its node. */
    for (size_t i = 0; i < n; i++) {
        const as_obs_span *s = &sp[i];
        int32_t p = -1;
        if (s->has_parent) {
            for (size_t h = mix((uint64_t)s->parent_id) & mask; g->slot[h] >= 0; h = (h + 1) & mask) {
                if (sp[g->slot[h]].span_id == s->parent_id) { p = g->slot[h]; break; }
            }
            if (p == (int32_t)i) p = -1;
        }
        g->par[i] = p;
        uint32_t id = node_of(g, s);
        g->nid[i] = id;
        gnode *nd = &g->nodes[id];
        nd->calls++;
        if (nd->last_trace != (int64_t)g->traces) {
            nd->last_trace = (int64_t)g->traces;
            nd->traces++;
        }
        if (p < 0) nd->roots++;
        if (s->error) nd->errors++;
        double ms = (double)(s->end_ns - s->start_ns) / 1e6;
        nd->lat_sum += ms;
        if (nd->nlat == nd->caplat) {
            nd->caplat = nd->caplat ? 2 * nd->caplat : 16;
            nd->lat = as_xrealloc(nd->lat, nd->caplat * sizeof(double));
        }
        nd->lat[nd->nlat++] = ms;
        nd->prompt += s->prompt;
        nd->completion += s->completion;
        if (s->has_cost) { nd->cost += s->cost; nd->has_cost = true; }
    }
    /* Children of each parent, contiguous: start[p] .. start[p+1]. */
    memset(g->start, 0, (n + 1) * sizeof(*g->start));
    for (size_t i = 0; i < n; i++)
        if (g->par[i] >= 0) g->start[g->par[i] + 1]++;
    for (size_t i = 0; i < n; i++) g->start[i + 1] += g->start[i];
    /* par[] is kept; fill kids with a moving cursor borrowed from slot[]. */
    int32_t *cur = g->slot;                 /* the map is no longer needed */
    memcpy(cur, g->start, n * sizeof(*cur));
    for (size_t i = 0; i < n; i++)
        if (g->par[i] >= 0) g->kids[cur[g->par[i]]++] = (int32_t)i;
    for (size_t p = 0; p < n; p++) {
        int32_t lo = g->start[p], hi = g->start[p + 1];
        if (lo == hi) continue;
        int32_t *k = g->kids + lo;
        size_t m = (size_t)(hi - lo);
        if (m > 1) qsort_r(k, m, sizeof(*k), cmp_start, (void *)sp);
        int64_t max_end = INT64_MIN;
        for (size_t j = 0; j < m; j++) {
            const as_obs_span *c = &sp[k[j]];
            bool ov = j > 0 && c->start_ns < max_end;
            if (j + 1 < m && sp[k[j + 1]].start_ns < c->end_ns) ov = true;
            g->overlap[k[j]] = ov;
            if (c->end_ns > max_end) max_end = c->end_ns;
        }
        g->stamp++;
        for (size_t j = 0; j < m; j++) {
            gedge *e = edge_of(g, g->nid[p], g->nid[k[j]]);
            e->calls++;
            if (g->overlap[k[j]]) e->parallel_calls++;
            if (e->stamp != g->stamp) { e->stamp = g->stamp; e->parents++; }
        }
    }
}

static int cmp_node(const void *a, const void *b, void *arg) {
    const as_agent_graph *g = arg;
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    const gnode *nx = &g->nodes[x], *ny = &g->nodes[y];
    if (nx->calls != ny->calls) return nx->calls > ny->calls ? -1 : 1;
    return strcmp(g->ids.v[x], g->ids.v[y]);
}

static int cmp_edge(const void *a, const void *b, void *arg) {
    const as_agent_graph *g = arg;
    const gedge *x = a, *y = b;
    if (x->calls != y->calls) return x->calls > y->calls ? -1 : 1;
    int c = strcmp(g->ids.v[x->src], g->ids.v[y->src]);
    return c ? c : strcmp(g->ids.v[x->dst], g->ids.v[y->dst]);
}

json_t *as_agent_graph_json(as_agent_graph *g) {
    uint32_t nn = g->ids.n;
    uint32_t *order = as_xmalloc((nn ? nn : 1) * sizeof(*order));
    for (uint32_t i = 0; i < nn; i++) order[i] = i;
    qsort_r(order, nn, sizeof(*order), cmp_node, g);
    json_t *nodes = json_array();
    for (uint32_t k = 0; k < nn; k++) {
        gnode *nd = &g->nodes[order[k]];
        const char *id = g->ids.v[order[k]];
        if (nd->nlat > 1) qsort(nd->lat, nd->nlat, sizeof(double), as_cmp_double);
        json_t *o = json_pack(
            "{s:s, s:s, s:s#, s:I, s:I, s:I, s:I, s:f,"
            " s:{s:f, s:f, s:f}, s:{s:I, s:I}}",
            "id", id, "name", id + nd->kind_len + 1, "kind", id, (int)nd->kind_len,
            "calls", (json_int_t)nd->calls, "traces", (json_int_t)nd->traces,
            "roots", (json_int_t)nd->roots, "errors", (json_int_t)nd->errors,
            "error_rate", nd->calls ? (double)nd->errors / (double)nd->calls : 0.0,
            "latency_ms", "mean", nd->nlat ? nd->lat_sum / (double)nd->nlat : 0.0,
            "p50", nd->nlat ? as_quantile_nearest_rank(nd->lat, nd->nlat, 0.50) : 0.0,
            "p95", nd->nlat ? as_quantile_nearest_rank(nd->lat, nd->nlat, 0.95) : 0.0,
            "tokens", "prompt", (json_int_t)nd->prompt, "completion", (json_int_t)nd->completion);
        json_object_set_new(o, "cost", nd->has_cost ? json_real(nd->cost) : json_null());
        json_array_append_new(nodes, o);
    }
    if (g->nedges > 1) qsort_r(g->edges, g->nedges, sizeof(*g->edges), cmp_edge, g);
    edge_rehash(g, g->neslots ? g->neslots : 64);     /* indexes moved */
    json_t *edges = json_array();
    for (size_t i = 0; i < g->nedges; i++) {
        const gedge *e = &g->edges[i];
        json_array_append_new(edges, json_pack(
            "{s:s, s:s, s:I, s:I, s:b, s:I}",
            "source", g->ids.v[e->src], "target", g->ids.v[e->dst],
            "calls", (json_int_t)e->calls, "parents", (json_int_t)e->parents,
            "parallel", e->parallel_calls > 0,
            "parallel_calls", (json_int_t)e->parallel_calls));
    }
    free(order);
    return json_pack("{s:I, s:I, s:o, s:o}", "traces", (json_int_t)g->traces,
                     "spans", (json_int_t)g->spans, "nodes", nodes, "edges", edges);
}

static bool add_cb(void *ud, const as_obs_trace *t) {
    as_agent_graph_add(ud, t);
    return true;
}

as_rc as_observe_agent_graph(as_store *st, const as_obs_scan *q, json_t **out,
                             as_err *err) {
    as_obs_scan s = *q;
    if (!s.max_traces) s.max_traces = AS_GRAPH_DEFAULT_TRACES;
    as_agent_graph *g = as_agent_graph_new();
    bool truncated = false;
    *out = NULL;
    as_rc rc = as_store_observe_traces(st, &s, add_cb, g, &truncated, err);
    if (rc == AS_OK) {
        *out = as_agent_graph_json(g);
        json_object_set_new(*out, "truncated", json_boolean(truncated));
    }
    as_agent_graph_free(g);
    return rc;
}
