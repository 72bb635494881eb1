/*
 * ingest.h - from decoded OTLP request to committed rows.
 *
 *   as_ingest_prepare   (decode worker) normalise and serialise (the
 *                                      texts stay in the batch's arena),
 *                                      link parents within the request;
 *   as_ingest_submit    (HTTP thread)  enqueue on the bounded queue, or
 *                                      AS_EFULL when it is full;
 *   writer thread                      takes every queued request (up to a
 *                                      batch cap), writes them in ONE
 *                                      transaction (group commit) and
 *                                      passes them to the syncer;
 *   syncer thread                      fsyncs the WAL once for all that was
 *                                      committed meanwhile (as_store_sync),
 *                                      then calls each done callback.
 * The done callback runs on the syncer thread after COMMIT returned and
 * the WAL reached the disk, so an acknowledgement sent from it is never
 * ahead of durability.  It must be quick (e.g. resume a suspended HTTP
 * connection).
 *
 * Ownership: after a successful submit the queue owns the job until the
 * done callback, which receives it back; the caller frees it with
 * as_ingest_job_free.  After a failed submit the caller still owns it.
 */
#ifndef ASSAY_INGEST_H
#define ASSAY_INGEST_H

#include "assay/store.h"

typedef struct as_ingest as_ingest;
typedef struct as_ingest_job as_ingest_job;

typedef void (*as_ingest_done_fn)(as_ingest_job *job, void *ud);

struct as_ingest_job {
    as_ingest_request req;
    as_rc rc;                       /* outcome, valid in the callback */
    as_err err;
    as_ingest_done_fn done;
    void *ud;
    as_ingest_job *next;            /* queue link */
};

typedef struct as_ingest_config {
    size_t max_queued_spans;        /* backpressure bound (default 20000)  */
    size_t max_batch_spans;         /* spans per transaction (default 8192)*/
} as_ingest_config;

/* Histogram buckets of commit latency, seconds (for /metrics). */
#define AS_COMMIT_BUCKETS 12
extern const double as_commit_bucket_le[AS_COMMIT_BUCKETS];

typedef struct as_ingest_stats {
    uint64_t spans_received;        /* spans in accepted requests          */
    uint64_t spans_stored;          /* new rows committed (no duplicates)  */
    uint64_t spans_duplicate;
    uint64_t requests_failed;       /* failed in the writer                */
    uint64_t queue_spans;           /* now                                 */
    uint64_t queue_requests;
    uint64_t commits;
    uint64_t commit_buckets[AS_COMMIT_BUCKETS];   /* cumulative counts    */
    double commit_seconds_sum;
} as_ingest_stats;

/* Create a job around a decoded batch (which it takes over). */
as_ingest_job *as_ingest_job_new(as_span_batch *batch, const char *project);
void as_ingest_job_free(as_ingest_job *job);

/* Normalise and serialise (see above).  AS_ETOOBIG/AS_EINVAL on bad input. */
as_rc as_ingest_prepare(as_ingest_job *job, as_err *err);

as_rc as_ingest_start(as_store *st, const as_ingest_config *cfg,
                      as_ingest **out, as_err *err);
/* Enqueue; the job must be prepared.  AS_EFULL when over capacity,
 * AS_ESHUTDOWN when stopping. */
as_rc as_ingest_submit(as_ingest *in, as_ingest_job *job, as_ingest_done_fn done,
                       void *ud, as_err *err);
/* Write what is queued and stop the writer; later submits fail with
 * AS_ESHUTDOWN.  as_ingest_free (which stops first if needed) frees. */
void as_ingest_stop(as_ingest *in);
void as_ingest_free(as_ingest *in);
void as_ingest_get_stats(as_ingest *in, as_ingest_stats *out);

#endif
