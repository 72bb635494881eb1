/*
 * h_otlp.c - POST /v1/traces: OTLP/HTTP trace export, protobuf or JSON.
 *
 * The HTTP thread only checks the content type and defers the request;
 * a decode worker decodes and prepares it and hands it to the ingest
 * queue, whose done callback answers after the commit and the WAL fsync -
 * so a 200 means the spans are durable.  Errors follow OTLP/HTTP: 400 with a google.rpc.Status
 * (protobuf requests) or {"code", "message", "detail"} (JSON requests);
 * 503 + Retry-After when the queue is full.
 */
#include <string.h>
#include <strings.h>

#include "assay/otlp.h"
#include "assay/workpool.h"
#include "server.h"

static void put_varint(as_buf *b, uint64_t v) {
    while (v >= 0x80) { as_buf_putc(b, (char)(v | 0x80)); v >>= 7; }
    as_buf_putc(b, (char)v);
}

/* google.rpc.Status{code=1 (int32), message=2 (string)} */
static int grpc_code(as_rc rc) {
    switch (rc) {
    case AS_EINVAL: return 3;          /* INVALID_ARGUMENT */
    case AS_ETOOBIG: return 3;
    case AS_EFULL: case AS_ESHUTDOWN: return 14;   /* UNAVAILABLE */
    case AS_EUNSUPPORTED: return 12;   /* UNIMPLEMENTED */
    default: return 13;                /* INTERNAL */
    }
}

static void otlp_error(as_req *r, bool protobuf, as_rc rc, const char *msg) {
    char safe[AS_ERR_MSG_MAX];
    msg = as_safe_text(msg, safe);
    as_reply_error(r, rc, msg);         /* status, Retry-After */
    if (!protobuf) {
        as_reply_json(r, r->status, json_pack("{s:i, s:s, s:s, s:s}", "code",
                                              grpc_code(rc), "message", msg,
                                              "detail", msg, "error", as_rc_name(rc)));
        return;
    }
    as_buf_reset(&r->out);
    size_t n = strlen(msg);
    as_buf_putc(&r->out, 0x08);
    put_varint(&r->out, (uint64_t)grpc_code(rc));
    as_buf_putc(&r->out, 0x12);
    put_varint(&r->out, n);
    as_buf_append(&r->out, msg, n);
    r->content_type = "application/x-protobuf";
}

static void count_rejection(as_req *r, as_rc rc) {
    as_metrics *m = &r->srv->metrics;
    uint64_t *c = rc == AS_ETOOBIG ? &m->rejected_too_large
                : rc == AS_EFULL || rc == AS_ESHUTDOWN ? &m->rejected_queue_full
                : rc == AS_EUNSUPPORTED ? &m->rejected_unsupported
                : rc == AS_EINVAL ? &m->rejected_decode : &m->rejected_storage;
    as_metrics_add(r->srv, c, 1);
}

static void reply_ok(as_req *r, bool protobuf) {
    r->status = 200;
    as_buf_reset(&r->out);
    if (protobuf) {
        as_otlp_response_protobuf(&r->out);
        r->content_type = "application/x-protobuf";
    } else {
        as_otlp_response_json(&r->out);
        r->content_type = "application/json";
    }
}

static void on_committed(as_ingest_job *job, void *ud) {
    as_req *r = ud;
    bool protobuf = r->tag;
    if (job->rc == AS_OK) {
        reply_ok(r, protobuf);
    } else {
        otlp_error(r, protobuf, job->rc == AS_EDB ? AS_EFULL : job->rc, job->err.msg);
    }
    as_req_finish(r);
}

static void free_job(void *p) { as_ingest_job_free(p); }

/* Runs on a decode worker while the connection is suspended. */
static void decode_task(void *arg) {
    as_req *r = arg;
    bool protobuf = r->tag;
    as_span_batch batch;
    as_span_batch_init(&batch);
    as_err e;
    as_err_clear(&e);
    as_rc rc = protobuf
        ? as_otlp_decode_protobuf((const uint8_t *)r->body.data, r->body.len, &batch, &e)
        : as_otlp_decode_json(r->body.data ? r->body.data : "", r->body.len, &batch, &e);
    as_buf_release(&r->body);           /* not needed past decoding */
    if (rc != AS_OK) {
        as_span_batch_release(&batch);
        count_rejection(r, rc);
        otlp_error(r, protobuf, rc, e.msg);
        as_req_finish(r);
        return;
    }
    if (batch.n == 0) {
        as_span_batch_release(&batch);
        reply_ok(r, protobuf);
        as_req_finish(r);
        return;
    }
    as_ingest_job *job = as_ingest_job_new(&batch, r->project);
    rc = as_ingest_prepare(job, &e);
    if (rc != AS_OK) {
        as_ingest_job_free(job);
        count_rejection(r, rc);
        otlp_error(r, protobuf, rc, e.msg);
        as_req_finish(r);
        return;
    }
    r->handler_state = job;
    r->free_state = free_job;
    rc = as_ingest_submit(r->srv->ingest, job, on_committed, r, &e);
    if (rc != AS_OK) {
        count_rejection(r, rc);
        otlp_error(r, protobuf, rc, e.msg);
        as_req_finish(r);
    }
}

void h_otlp_traces(as_req *r) {
    const char *ct = as_req_header(r, "Content-Type");
    size_t ctlen = ct ? strcspn(ct, "; ") : 0;
    bool protobuf = ct && ((ctlen == 22 && strncasecmp(ct, "application/x-protobuf", 22) == 0) ||
                           (ctlen == 20 && strncasecmp(ct, "application/protobuf", 20) == 0));
    bool json = ct && ctlen == 16 && strncasecmp(ct, "application/json", 16) == 0;
    if (!protobuf && !json) {
        count_rejection(r, AS_EUNSUPPORTED);
        char msg[200];
        snprintf(msg, sizeof(msg), "unsupported Content-Type '%.80s': send "
                 "application/x-protobuf or application/json", ct ? ct : "(none)");
        otlp_error(r, false, AS_EUNSUPPORTED, msg);
        return;
    }
    /* Decoding is CPU work: hand it to the decode pool so that every core
     * shares it whichever HTTP thread holds the connection. */
    r->tag = protobuf;
    r->project = as_req_header(r, "x-project-name");
    as_req_defer(r);
    as_err e;
    as_rc rc = as_workpool_submit(r->srv->decoders, decode_task, r, &e);
    if (rc != AS_OK) {
        count_rejection(r, rc);
        otlp_error(r, protobuf, rc, e.msg);
        as_req_finish(r);
    }
}
