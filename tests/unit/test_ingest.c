/* test_ingest.c - the ingest queue (group commit, syncer, shutdown, the
 * "an empty queue always accepts" rule) and the decode work pool (FIFO,
 * bounded, drained on stop). */
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "harness.h"

#include "assay/ingest.h"
#include "assay/workpool.h"

/* ---- work pool ---------------------------------------------------------- */

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int ran, gate_open, blocked;

static void count_task(void *arg) {
    (void)arg;
    pthread_mutex_lock(&mu);
    ran++;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
}

static void gate_task(void *arg) {
    (void)arg;
    pthread_mutex_lock(&mu);
    blocked = 1;
    pthread_cond_broadcast(&cv);
    while (!gate_open) pthread_cond_wait(&cv, &mu);
    ran++;
    pthread_mutex_unlock(&mu);
}

TEST(workpool_bounded_and_drained) {
    as_workpool *p;
    as_err e;
    ran = gate_open = blocked = 0;
    CHECK_INT(as_workpool_start(1, 2, &p, &e), AS_OK);
    CHECK_INT(as_workpool_submit(p, gate_task, NULL, &e), AS_OK);
    pthread_mutex_lock(&mu);
    while (!blocked) pthread_cond_wait(&cv, &mu);       /* the worker is busy */
    pthread_mutex_unlock(&mu);
    CHECK_INT(as_workpool_submit(p, count_task, NULL, &e), AS_OK);
    CHECK_INT(as_workpool_submit(p, count_task, NULL, &e), AS_OK);
    CHECK_INT(as_workpool_submit(p, count_task, NULL, &e), AS_EFULL);
    CHECK(strstr(e.msg, "retry later") != NULL);
    pthread_mutex_lock(&mu);
    gate_open = 1;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
    as_workpool_stop(p);                                 /* drains the queue */
    CHECK_INT(ran, 3);
    CHECK_INT(as_workpool_submit(p, count_task, NULL, &e), AS_ESHUTDOWN);
    as_workpool_free(p);
}

TEST(workpool_many) {
    as_workpool *p;
    as_err e;
    ran = 0;
    CHECK_INT(as_workpool_start(3, 1000, &p, &e), AS_OK);
    for (int i = 0; i < 500; i++) CHECK_INT(as_workpool_submit(p, count_task, NULL, &e), AS_OK);
    as_workpool_free(p);
    CHECK_INT(ran, 500);
}

/* ---- ingest queue ------------------------------------------------------- */

static char dir[64];
static int done_calls, done_ok;
static size_t done_stored;

static void on_done(as_ingest_job *j, void *ud) {
    (void)ud;
    pthread_mutex_lock(&mu);
    done_calls++;
    if (j->rc == AS_OK) done_ok++;
    done_stored += j->req.stored;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
}

static as_ingest_job *job_of(int trace, int nspans) {
    as_span_batch b;
    as_span_batch_init(&b);
    for (int i = 0; i < nspans; i++) {
        as_span *s = as_span_batch_add(&b);
        memset(s->trace_id, 0, 16);
        s->trace_id[15] = (uint8_t)trace;
        memset(s->span_id, 0, 8);
        s->span_id[6] = (uint8_t)trace;
        s->span_id[7] = (uint8_t)(i + 1);
        if (i) { s->has_parent = true; memcpy(s->parent_id, s->span_id, 8); s->parent_id[7] = 1; }
        s->name = "x";
        s->start_ns = 1700000000000000000LL + i;
        s->end_ns = s->start_ns + 10;
    }
    as_ingest_job *j = as_ingest_job_new(&b, "q");
    as_err e;
    if (as_ingest_prepare(j, &e) != AS_OK) abort();
    return j;
}

TEST(ingest_group_commit_and_shutdown) {
    snprintf(dir, sizeof(dir), "/tmp/assay-test-ingest-XXXXXX");
    if (!mkdtemp(dir)) abort();
    as_store_config sc;
    as_store_config_defaults(&sc);
    sc.data_dir = dir;
    as_store *st;
    as_err e;
    CHECK_INT(as_store_open(&sc, &st, &e), AS_OK);
    as_ingest_config ic = { .max_queued_spans = 4, .max_batch_spans = 100 };
    as_ingest *in;
    CHECK_INT(as_ingest_start(st, &ic, &in, &e), AS_OK);
    done_calls = done_ok = 0;
    done_stored = 0;
    /* bigger than the bound, into an empty queue: accepted */
    as_ingest_job *big = job_of(1, 10);
    CHECK_INT(as_ingest_submit(in, big, on_done, NULL, &e), AS_OK);
    pthread_mutex_lock(&mu);
    while (done_calls < 1) pthread_cond_wait(&cv, &mu);
    pthread_mutex_unlock(&mu);
    CHECK_INT(done_ok, 1);
    CHECK_INT(done_stored, 10);
    as_ingest_job_free(big);
    /* many small ones: every one completed once, all stored */
    as_ingest_job *jobs[20];
    int accepted = 0;
    for (int i = 0; i < 20; i++) {
        jobs[i] = job_of(10 + i, 2);
        as_rc rc = as_ingest_submit(in, jobs[i], on_done, NULL, &e);
        if (rc == AS_OK) accepted++;
        else { CHECK_INT(rc, AS_EFULL); as_ingest_job_free(jobs[i]); jobs[i] = NULL; }
    }
    pthread_mutex_lock(&mu);
    while (done_calls < 1 + accepted) pthread_cond_wait(&cv, &mu);
    pthread_mutex_unlock(&mu);
    CHECK_INT(done_ok, 1 + accepted);
    CHECK_INT(done_stored, 10 + 2 * (size_t)accepted);
    CHECK_INT(as_store_span_count(st), 10 + 2 * accepted);
    as_ingest_stats stats;
    as_ingest_get_stats(in, &stats);
    CHECK_INT(stats.spans_stored, 10 + 2 * accepted);
    CHECK_INT(stats.queue_spans, 0);
    for (int i = 0; i < 20; i++) as_ingest_job_free(jobs[i]);
    as_ingest_stop(in);
    as_ingest_job *late = job_of(99, 1);
    CHECK_INT(as_ingest_submit(in, late, on_done, NULL, &e), AS_ESHUTDOWN);
    as_ingest_job_free(late);
    as_ingest_free(in);
    as_store_close(st);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    if (system(cmd) != 0) fprintf(stderr, "cleanup failed\n");
}

TEST_MAIN(T(workpool_bounded_and_drained), T(workpool_many),
          T(ingest_group_commit_and_shutdown))
