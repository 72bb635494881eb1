/*
 * queue.c - the bounded ingest queue and its single writer thread
 * (group commit).
 *
 * HTTP threads push prepared jobs; the writer takes everything queued (up
 * to max_batch_spans, at least one job), writes it in one transaction,
 * then completes each job.  Under light load a batch is one request and
 * the latency is one commit; under heavy load requests pile up while a
 * commit runs and the next transaction takes them all, so the fsync cost
 * is shared.  The queue is bounded in spans: a push that would exceed the
 * bound fails with AS_EFULL (HTTP 503 + Retry-After) - except into an
 * empty queue, so that one large request can always get through.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "assay/alloc.h"
#include "assay/ingest.h"
#include "assay/timefmt.h"

const double as_commit_bucket_le[AS_COMMIT_BUCKETS] = {
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
};

struct as_ingest {
    as_store *store;
    as_ingest_config cfg;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    as_ingest_job *head, *tail;
    size_t queued_spans, queued_requests;
    bool stopping;
    bool joined;
    as_ingest_stats stats;          /* guarded by mu */
    /* committed, waiting for the WAL fsync (guarded by mu) */
    pthread_t syncer;
    pthread_cond_t sync_cv;
    as_ingest_job *sync_head, *sync_tail;
    bool writer_done;
};

static void record_commit(as_ingest *in, double secs) {
    in->stats.commits++;
    in->stats.commit_seconds_sum += secs;
    for (int b = 0; b < AS_COMMIT_BUCKETS; b++)
        if (secs <= as_commit_bucket_le[b]) in->stats.commit_buckets[b]++;
}

static void *writer_main(void *arg) {
    as_ingest *in = arg;
    pthread_setname_np(pthread_self(), "assay-writer");
    size_t cap = 64;
    as_ingest_job **jobs = as_xmalloc(cap * sizeof(*jobs));
    as_ingest_request **reqs = as_xmalloc(cap * sizeof(*reqs));
    as_rc *rcs = as_xmalloc(cap * sizeof(*rcs));
    as_err *errs = as_xmalloc(cap * sizeof(*errs));
    for (;;) {
        pthread_mutex_lock(&in->mu);
        while (!in->head && !in->stopping) pthread_cond_wait(&in->cv, &in->mu);
        if (!in->head && in->stopping) { pthread_mutex_unlock(&in->mu); break; }
        size_t n = 0, spans = 0;
        while (in->head && (n == 0 || spans + in->head->req.batch.n <= in->cfg.max_batch_spans)) {
            as_ingest_job *j = in->head;
            in->head = j->next;
            if (!in->head) in->tail = NULL;
            if (n == cap) {
                cap *= 2;
                jobs = as_xrealloc(jobs, cap * sizeof(*jobs));
                reqs = as_xrealloc(reqs, cap * sizeof(*reqs));
                rcs = as_xrealloc(rcs, cap * sizeof(*rcs));
                errs = as_xrealloc(errs, cap * sizeof(*errs));
            }
            jobs[n] = j;
            reqs[n] = &j->req;
            n++;
            spans += j->req.batch.n;
        }
        /* The spans stay counted against the bound until committed, so
         * memory held by the writer is bounded too. */
        pthread_mutex_unlock(&in->mu);

        as_err terr;
        as_err_clear(&terr);
        for (size_t i = 0; i < n; i++) as_err_clear(&errs[i]);
        int64_t t0 = as_mono_ns();
        as_store_write_spans(in->store, reqs, n, rcs, errs, &terr);
        double secs = (double)(as_mono_ns() - t0) / 1e9;

        pthread_mutex_lock(&in->mu);
        record_commit(in, secs);
        in->queued_spans -= spans;
        in->queued_requests -= n;
        for (size_t i = 0; i < n; i++) {
            if (rcs[i] == AS_OK) {
                in->stats.spans_stored += jobs[i]->req.stored;
                in->stats.spans_duplicate += jobs[i]->req.batch.n - jobs[i]->req.stored;
            } else {
                in->stats.requests_failed++;
            }
        }
        /* Hand the batch to the syncer: it is acknowledged once the WAL
         * is on disk, while this thread already writes the next batch. */
        for (size_t i = 0; i < n; i++) {
            as_ingest_job *j = jobs[i];
            j->rc = rcs[i];
            j->err = errs[i];
            j->next = NULL;
            if (in->sync_tail) in->sync_tail->next = j;
            else in->sync_head = j;
            in->sync_tail = j;
        }
        pthread_cond_signal(&in->sync_cv);
        pthread_mutex_unlock(&in->mu);
    }
    pthread_mutex_lock(&in->mu);
    in->writer_done = true;
    pthread_cond_signal(&in->sync_cv);
    pthread_mutex_unlock(&in->mu);
    free(jobs);
    free(reqs);
    free(rcs);
    free(errs);
    return NULL;
}

/* The syncer: fsync the WAL once for everything committed since the last
 * fsync, then complete those jobs.  This is group commit's second half:
 * the writer commits without waiting for the disk (synchronous=NORMAL on
 * its connection) and the acknowledgement still waits for it. */
static void *syncer_main(void *arg) {
    as_ingest *in = arg;
    pthread_setname_np(pthread_self(), "assay-syncer");
    pthread_mutex_lock(&in->mu);
    for (;;) {
        while (!in->sync_head && !in->writer_done) pthread_cond_wait(&in->sync_cv, &in->mu);
        if (!in->sync_head) break;
        as_ingest_job *list = in->sync_head;
        in->sync_head = in->sync_tail = NULL;
        pthread_mutex_unlock(&in->mu);
        as_err serr;
        as_rc src = as_store_sync(in->store, &serr);
        while (list) {
            as_ingest_job *j = list;
            list = j->next;
            if (src != AS_OK && j->rc == AS_OK) {
                j->rc = src;
                j->err = serr;
            }
            j->done(j, j->ud);
        }
        pthread_mutex_lock(&in->mu);
    }
    pthread_mutex_unlock(&in->mu);
    return NULL;
}

as_rc as_ingest_start(as_store *st, const as_ingest_config *cfg,
                      as_ingest **out, as_err *err) {
    as_ingest *in = as_xcalloc(1, sizeof(*in));
    in->store = st;
    in->cfg.max_queued_spans = cfg && cfg->max_queued_spans ? cfg->max_queued_spans : 20000;
    in->cfg.max_batch_spans = cfg && cfg->max_batch_spans ? cfg->max_batch_spans : 8192;
    pthread_mutex_init(&in->mu, NULL);
    pthread_cond_init(&in->cv, NULL);
    pthread_cond_init(&in->sync_cv, NULL);
    if (pthread_create(&in->syncer, NULL, syncer_main, in) != 0) {
        free(in);
        return as_err_set(err, AS_EINTERNAL, "cannot start the ingest syncer thread");
    }
    if (pthread_create(&in->thread, NULL, writer_main, in) != 0) {
        pthread_mutex_lock(&in->mu);
        in->writer_done = true;
        pthread_cond_signal(&in->sync_cv);
        pthread_mutex_unlock(&in->mu);
        pthread_join(in->syncer, NULL);
        free(in);
        return as_err_set(err, AS_EINTERNAL, "cannot start the ingest writer thread");
    }
    *out = in;
    return AS_OK;
}

as_rc as_ingest_submit(as_ingest *in, as_ingest_job *j, as_ingest_done_fn done,
                       void *ud, as_err *err) {
    size_t n = j->req.batch.n;
    pthread_mutex_lock(&in->mu);
    if (in->stopping) {
        pthread_mutex_unlock(&in->mu);
        return as_err_set(err, AS_ESHUTDOWN, "server is shutting down");
    }
    if (in->queued_spans > 0 && in->queued_spans + n > in->cfg.max_queued_spans) {
        size_t q = in->queued_spans;
        pthread_mutex_unlock(&in->mu);
        return as_err_set(err, AS_EFULL, "ingest queue is full (%zu spans queued, "
                          "capacity %zu): retry later", q, in->cfg.max_queued_spans);
    }
    j->done = done;
    j->ud = ud;
    j->next = NULL;
    if (in->tail) in->tail->next = j;
    else in->head = j;
    in->tail = j;
    in->queued_spans += n;
    in->queued_requests++;
    in->stats.spans_received += n;
    pthread_cond_signal(&in->cv);
    pthread_mutex_unlock(&in->mu);
    return AS_OK;
}

void as_ingest_stop(as_ingest *in) {
    if (!in) return;
    pthread_mutex_lock(&in->mu);
    bool joined = in->joined;
    in->stopping = true;
    in->joined = true;
    pthread_cond_signal(&in->cv);
    pthread_mutex_unlock(&in->mu);
    if (!joined) {
        pthread_join(in->thread, NULL);
        pthread_join(in->syncer, NULL);
    }
}

void as_ingest_free(as_ingest *in) {
    if (!in) return;
    as_ingest_stop(in);
    pthread_mutex_destroy(&in->mu);
    pthread_cond_destroy(&in->cv);
    pthread_cond_destroy(&in->sync_cv);
    free(in);
}

void as_ingest_get_stats(as_ingest *in, as_ingest_stats *out) {
    pthread_mutex_lock(&in->mu);
    *out = in->stats;
    out->queue_spans = in->queued_spans;
    out->queue_requests = in->queued_requests;
    pthread_mutex_unlock(&in->mu);
}
