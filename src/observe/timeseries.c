/*
 * timeseries.c - the time series of a project (include/assay/observe.h):
 * fixed-width buckets from the range's start, each trace counted in the
 * bucket of its start time, each annotation in the bucket of its span's
 * or trace's start time.  Trace latencies are kept per bucket and sorted
 * once for the percentiles.  Annotation names and their labels are
 * interned; counts per (name, bucket, label) grow as labels appear.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "assay/alloc.h"
#include "assay/stats.h"
#include "assay/observe.h"
#include "assay/store_analysis.h"
#include "assay/timefmt.h"

/* At most this many labels per annotation name are counted by label
 * (the rest still count in `count`). */
#define TS_MAX_LABELS 100
/* At most this many annotation names. */
#define TS_MAX_NAMES 200

typedef struct tbucket {
    uint64_t traces, spans, errors;
    double *lat;
    size_t nlat, caplat;
    int64_t prompt, completion;
    double cost;
    bool has_cost;
} tbucket;

typedef struct abucket {
    uint64_t count, nscore;
    double score_sum;
    uint64_t *labels;           /* per label index, nlabels long */
    size_t nlabels;
} abucket;

typedef struct aname {
    as_an_strings labels;
    uint64_t *label_total;      /* per label index */
    abucket *b;                 /* nb buckets */
    uint64_t total;
} aname;

struct as_timeseries {
    int64_t start, end, interval_ns;
    size_t nb;
    tbucket *b;
    as_an_strings names;
    aname *an;
    size_t capan;
};

int64_t as_timeseries_default_interval(int64_t range_ns) {
    static const int64_t nice[] = { 60, 120, 300, 600, 900, 1800, 3600, 7200,
                                    10800, 21600, 43200, 86400, 172800, 604800 };
    int64_t range_s = (range_ns + 999999999) / 1000000000;
    for (size_t i = 0; i < AS_ARRAY_LEN(nice); i++)
        if (nice[i] * AS_TS_DEFAULT_BUCKETS >= range_s) return nice[i];
    int64_t days = (range_s / AS_TS_DEFAULT_BUCKETS + 86399) / 86400;
    return days * 86400;
}

as_rc as_timeseries_new(int64_t start_ns, int64_t end_ns, int64_t interval_s,
                        as_timeseries **out, as_err *err) {
    *out = NULL;
    if (end_ns <= start_ns)
        return as_err_set(err, AS_EINVAL, "end_time must be after start_time");
    if (interval_s < AS_TS_MIN_INTERVAL_S || interval_s > INT64_MAX / 1000000000)
        return as_err_set(err, AS_EINVAL, "interval must be at least %d seconds",
                          AS_TS_MIN_INTERVAL_S);
    int64_t iv = interval_s * 1000000000;
    uint64_t range = (uint64_t)end_ns - (uint64_t)start_ns;
    uint64_t nb = range / (uint64_t)iv + (range % (uint64_t)iv != 0);
    if (nb > AS_TS_MAX_BUCKETS)
        return as_err_set(err, AS_EINVAL, "interval %lld s gives %llu buckets over the "
                          "range, more than %d: use a larger interval or a shorter range",
                          (long long)interval_s, (unsigned long long)nb, AS_TS_MAX_BUCKETS);
    as_timeseries *ts = as_xcalloc(1, sizeof(*ts));
    ts->start = start_ns;
    ts->end = end_ns;
    ts->interval_ns = iv;
    ts->nb = (size_t)nb;
    ts->b = as_xcalloc(ts->nb, sizeof(*ts->b));
    *out = ts;
    return AS_OK;
}

void as_timeseries_free(as_timeseries *ts) {
    if (!ts) return;
    for (size_t i = 0; i < ts->nb; i++) free(ts->b[i].lat);
    free(ts->b);
    for (uint32_t k = 0; k < ts->names.n; k++) {
        aname *a = &ts->an[k];
        for (size_t i = 0; i < ts->nb; i++) free(a->b[i].labels);
        free(a->b);
        free(a->label_total);
        as_an_strings_free(&a->labels);
    }
    free(ts->an);
    as_an_strings_free(&ts->names);
    free(ts);
}

/* The bucket of time t, or -1 outside the range. */
static ssize_t bucket_of(const as_timeseries *ts, int64_t t) {
    if (t < ts->start || t >= ts->end) return -1;
    return (ssize_t)(((uint64_t)t - (uint64_t)ts->start) / (uint64_t)ts->interval_ns);
}

void as_timeseries_add_totals(as_timeseries *ts, const as_obs_trace_totals *t) {
    ssize_t k = bucket_of(ts, t->start_ns);
    if (k < 0) return;
    tbucket *b = &ts->b[k];
    b->prompt += t->prompt;
    b->completion += t->completion;
    if (t->has_cost) { b->cost += t->cost; b->has_cost = true; }
    b->traces++;
    b->spans += (uint64_t)t->spans;
    b->errors += t->errors > 0;
    if (b->nlat == b->caplat) {
        b->caplat = b->caplat ? 2 * b->caplat : 16;
        b->lat = as_xrealloc(b->lat, b->caplat * sizeof(double));
    }
    b->lat[b->nlat++] = (double)(t->end_ns - t->start_ns) / 1e6;
}

void as_timeseries_add_trace(as_timeseries *ts, const as_obs_trace *t) {
    as_obs_trace_totals tt = { .rowid = t->rowid, .start_ns = t->start_ns,
                               .end_ns = t->end_ns, .spans = (int64_t)t->n };
    for (size_t i = 0; i < t->n; i++) {
        const as_obs_span *s = &t->spans[i];
        tt.errors += s->error;
        tt.prompt += s->prompt;
        tt.completion += s->completion;
        if (s->has_cost) { tt.cost += s->cost; tt.has_cost = true; }
    }
    as_timeseries_add_totals(ts, &tt);
}

void as_timeseries_add_annotation(as_timeseries *ts, const as_obs_annotation *a) {
    ssize_t k = bucket_of(ts, a->time_ns);
    if (k < 0) return;
    uint32_t ni = as_an_lookup(&ts->names, a->name);
    if (ni == AS_AN_NONE) {
        if (ts->names.n >= TS_MAX_NAMES) return;
        ni = as_an_intern(&ts->names, a->name, strlen(a->name));
        if (ts->names.n > ts->capan) {
            ts->capan = ts->capan ? 2 * ts->capan : 8;
            ts->an = as_xrealloc(ts->an, ts->capan * sizeof(*ts->an));
        }
        memset(&ts->an[ni], 0, sizeof(ts->an[ni]));
        ts->an[ni].b = as_xcalloc(ts->nb, sizeof(abucket));
    }
    aname *an = &ts->an[ni];
    abucket *b = &an->b[k];
    an->total++;
    b->count++;
    if (a->has_score && isfinite(a->score)) { b->nscore++; b->score_sum += a->score; }
    if (!a->label) return;
    uint32_t li = as_an_lookup(&an->labels, a->label);
    if (li == AS_AN_NONE) {
        if (an->labels.n >= TS_MAX_LABELS) return;
        li = as_an_intern(&an->labels, a->label, strlen(a->label));
        an->label_total = as_xrealloc(an->label_total, an->labels.n * sizeof(uint64_t));
        an->label_total[li] = 0;
    }
    an->label_total[li]++;
    if (li >= b->nlabels) {
        size_t n = an->labels.n;
        b->labels = as_xrealloc(b->labels, n * sizeof(uint64_t));
        memset(b->labels + b->nlabels, 0, (n - b->nlabels) * sizeof(uint64_t));
        b->nlabels = n;
    }
    b->labels[li]++;
}

static json_t *pct_json(const double *v, size_t n, double p) {
    if (!n) return json_null();
    return json_real(as_quantile_nearest_rank(v, n, p));
}

static json_t *iso(int64_t ns) {
    char s[AS_ISO_MAX];
    as_time_iso(ns, s);
    return json_string(s);
}

static int cmp_label(const void *a, const void *b, void *arg) {
    const aname *an = arg;
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    if (an->label_total[x] != an->label_total[y])
        return an->label_total[x] > an->label_total[y] ? -1 : 1;
    return strcmp(an->labels.v[x], an->labels.v[y]);
}

static int cmp_name(const void *a, const void *b, void *arg) {
    const as_timeseries *ts = arg;
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return strcmp(ts->names.v[x], ts->names.v[y]);
}

static json_t *annotation_json(const as_timeseries *ts, uint32_t ni) {
    const aname *an = &ts->an[ni];
    uint32_t nl = an->labels.n;
    uint32_t *order = as_xmalloc((nl ? nl : 1) * sizeof(*order));
    for (uint32_t i = 0; i < nl; i++) order[i] = i;
    qsort_r(order, nl, sizeof(*order), cmp_label, (void *)an);
    json_t *labels = json_array();
    for (uint32_t i = 0; i < nl; i++) json_array_append_new(labels, json_string(an->labels.v[order[i]]));
    json_t *buckets = json_array();
    for (size_t k = 0; k < ts->nb; k++) {
        const abucket *b = &an->b[k];
        json_t *counts = json_object();
        for (uint32_t i = 0; i < nl; i++) {
            uint32_t li = order[i];
            json_object_set_new(counts, an->labels.v[li],
                                json_integer(li < b->nlabels ? (json_int_t)b->labels[li] : 0));
        }
        json_array_append_new(buckets, json_pack("{s:I, s:o, s:o}",
            "count", (json_int_t)b->count, "labels", counts,
            "mean_score", b->nscore ? json_real(b->score_sum / (double)b->nscore) : json_null()));
    }
    free(order);
    return json_pack("{s:s, s:o, s:o}", "name", ts->names.v[ni], "labels", labels,
                     "buckets", buckets);
}

/* A bucket's figures (its latencies sorted). */
static json_t *bucket_json(const tbucket *b) {
    return json_pack(
        "{s:I, s:I, s:I, s:o, s:{s:o, s:o, s:o}, s:{s:I, s:I, s:I}, s:o}",
        "traces", (json_int_t)b->traces, "spans", (json_int_t)b->spans,
        "errors", (json_int_t)b->errors,
        "error_rate", b->traces ? json_real((double)b->errors / (double)b->traces) : json_null(),
        "latency_ms", "p50", pct_json(b->lat, b->nlat, 0.50),
        "p95", pct_json(b->lat, b->nlat, 0.95), "p99", pct_json(b->lat, b->nlat, 0.99),
        "tokens", "prompt", (json_int_t)b->prompt, "completion", (json_int_t)b->completion,
        "total", (json_int_t)(b->prompt + b->completion),
        "cost", b->has_cost ? json_real(b->cost) : json_null());
}

/* The figures of the whole range: the sums of the buckets, and the
 * latency percentiles over every trace (not a mean of bucket figures). */
static json_t *summary_json(const as_timeseries *ts) {
    tbucket all = { 0 };
    size_t n = 0;
    for (size_t k = 0; k < ts->nb; k++) n += ts->b[k].nlat;
    all.lat = as_xmalloc((n ? n : 1) * sizeof(double));
    for (size_t k = 0; k < ts->nb; k++) {
        const tbucket *b = &ts->b[k];
        if (b->nlat) memcpy(all.lat + all.nlat, b->lat, b->nlat * sizeof(double));
        all.nlat += b->nlat;
        all.traces += b->traces;
        all.spans += b->spans;
        all.errors += b->errors;
        all.prompt += b->prompt;
        all.completion += b->completion;
        if (b->has_cost) { all.cost += b->cost; all.has_cost = true; }
    }
    if (all.nlat > 1) qsort(all.lat, all.nlat, sizeof(double), as_cmp_double);
    json_t *o = bucket_json(&all);
    free(all.lat);
    return o;
}

json_t *as_timeseries_json(const as_timeseries *ts) {
    json_t *buckets = json_array();
    for (size_t k = 0; k < ts->nb; k++) {
        tbucket *b = &ts->b[k];
        if (b->nlat > 1) qsort(b->lat, b->nlat, sizeof(double), as_cmp_double);
        json_t *o = bucket_json(b);
        json_object_set_new(o, "start_time", iso(ts->start + (int64_t)k * ts->interval_ns));
        json_array_append_new(buckets, o);
    }
    uint32_t nn = ts->names.n;
    uint32_t *order = as_xmalloc((nn ? nn : 1) * sizeof(*order));
    for (uint32_t i = 0; i < nn; i++) order[i] = i;
    qsort_r(order, nn, sizeof(*order), cmp_name, (void *)ts);
    json_t *ann = json_array();
    for (uint32_t i = 0; i < nn; i++) json_array_append_new(ann, annotation_json(ts, order[i]));
    free(order);
    return json_pack("{s:o, s:o, s:I, s:o, s:o, s:o}", "start_time", iso(ts->start),
                     "end_time", iso(ts->end),
                     "interval_s", (json_int_t)(ts->interval_ns / 1000000000),
                     "summary", summary_json(ts), "buckets", buckets, "annotations", ann);
}

static bool totals_cb(void *ud, const as_obs_trace_totals *t) {
    as_timeseries_add_totals(ud, t);
    return true;
}

static bool annotation_cb(void *ud, const as_obs_annotation *a) {
    as_timeseries_add_annotation(ud, a);
    return true;
}

as_rc as_observe_timeseries(as_store *st, int64_t project_id, int64_t start_ns,
                            int64_t end_ns, int64_t interval_s, json_t **out,
                            as_err *err) {
    as_timeseries *ts;
    *out = NULL;
    as_rc rc = as_timeseries_new(start_ns, end_ns, interval_s, &ts, err);
    if (rc != AS_OK) return rc;
    as_obs_scan q = { .project_id = project_id, .start_ns = start_ns, .end_ns = end_ns };
    rc = as_store_observe_trace_totals(st, &q, totals_cb, ts, err);
    if (rc == AS_OK)
        rc = as_store_observe_annotations(st, project_id, start_ns, end_ns, annotation_cb,
                                          ts, err);
    if (rc == AS_OK) *out = as_timeseries_json(ts);
    as_timeseries_free(ts);
    return rc;
}
