/*
 * h_ops.c - operational endpoints: /, /healthz, /readyz, /metrics
 * (Prometheus text format 0.0.4) and /arize_phoenix_version.
 */
#include <stdio.h>

#include "server.h"

void h_root(as_req *r) {
    as_reply_text(r, 200, "text/plain; charset=utf-8",
                  "assay " ASSAY_VERSION " - LLM tracing and evaluation.\n"
                  "OTLP: POST /v1/traces   REST: /v1/projects   health: /healthz\n");
}

void h_healthz(as_req *r) { as_reply_text(r, 200, "text/plain", "OK"); }

void h_readyz(as_req *r) {
    if (r->srv->ready) as_reply_text(r, 200, "text/plain", "OK");
    else as_reply_text(r, 503, "text/plain", "not ready");
}

void h_version(as_req *r) {
    as_reply_text(r, 200, "text/plain", AS_PHOENIX_COMPAT_VERSION);
}

void h_metrics(as_req *r) {
    as_server *srv = r->srv;
    as_ingest_stats st;
    as_ingest_get_stats(srv->ingest, &st);
    pthread_mutex_lock(&srv->metrics_mu);
    as_metrics m = srv->metrics;
    pthread_mutex_unlock(&srv->metrics_mu);
    as_buf *b = &r->out;
    as_buf_reset(b);
    as_buf_printf(b,
        "# HELP assay_spans_received_total Spans in OTLP requests accepted into the ingest queue.\n"
        "# TYPE assay_spans_received_total counter\n"
        "assay_spans_received_total %llu\n"
        "# HELP assay_spans_stored_total Spans committed to storage (duplicates excluded).\n"
        "# TYPE assay_spans_stored_total counter\n"
        "assay_spans_stored_total %llu\n"
        "# HELP assay_spans_duplicate_total Spans ignored because their span id was already stored.\n"
        "# TYPE assay_spans_duplicate_total counter\n"
        "assay_spans_duplicate_total %llu\n",
        (unsigned long long)st.spans_received, (unsigned long long)st.spans_stored,
        (unsigned long long)st.spans_duplicate);
    struct { const char *reason; uint64_t n; } rej[] = {
        { "decode_error", m.rejected_decode },
        { "too_large", m.rejected_too_large },
        { "unsupported_media_type", m.rejected_unsupported },
        { "queue_full", m.rejected_queue_full },
        { "storage_error", m.rejected_storage + st.requests_failed },
    };
    as_buf_puts(b, "# HELP assay_requests_rejected_total OTLP requests rejected, by reason.\n"
                   "# TYPE assay_requests_rejected_total counter\n");
    for (size_t i = 0; i < AS_ARRAY_LEN(rej); i++)
        as_buf_printf(b, "assay_requests_rejected_total{reason=\"%s\"} %llu\n",
                      rej[i].reason, (unsigned long long)rej[i].n);
    as_buf_printf(b,
        "# HELP assay_ingest_queue_depth Spans waiting for or in the current commit.\n"
        "# TYPE assay_ingest_queue_depth gauge\n"
        "assay_ingest_queue_depth %llu\n"
        "# HELP assay_ingest_queue_requests Requests waiting for or in the current commit.\n"
        "# TYPE assay_ingest_queue_requests gauge\n"
        "assay_ingest_queue_requests %llu\n"
        "# HELP assay_http_requests_total HTTP requests received.\n"
        "# TYPE assay_http_requests_total counter\n"
        "assay_http_requests_total %llu\n"
        "# HELP assay_batch_commit_seconds Time to write and commit one group-commit batch.\n"
        "# TYPE assay_batch_commit_seconds histogram\n",
        (unsigned long long)st.queue_spans, (unsigned long long)st.queue_requests,
        (unsigned long long)m.http_requests);
    for (int i = 0; i < AS_COMMIT_BUCKETS; i++)
        as_buf_printf(b, "assay_batch_commit_seconds_bucket{le=\"%g\"} %llu\n",
                      as_commit_bucket_le[i], (unsigned long long)st.commit_buckets[i]);
    as_buf_printf(b, "assay_batch_commit_seconds_bucket{le=\"+Inf\"} %llu\n"
                     "assay_batch_commit_seconds_sum %.6f\n"
                     "assay_batch_commit_seconds_count %llu\n",
                  (unsigned long long)st.commits, st.commit_seconds_sum,
                  (unsigned long long)st.commits);
    r->status = 200;
    r->content_type = "text/plain; version=0.0.4";
}
