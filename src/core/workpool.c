/*
 * workpool.c - fixed thread pool with a bounded FIFO (see workpool.h).
 * A ring buffer of tasks guarded by one mutex; workers sleep on a
 * condition variable.  Stopping drains the queue before joining.
 */
#include <pthread.h>
#include <stdlib.h>

#include "assay/alloc.h"
#include "assay/workpool.h"

typedef struct { as_task_fn fn; void *arg; } task;

struct as_workpool {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    task *ring;
    size_t cap, head, n;
    bool stopping;
    int nthreads;
    pthread_t *threads;
};

static void *worker(void *arg) {
    as_workpool *p = arg;
    pthread_setname_np(pthread_self(), "assay-worker");
    for (;;) {
        pthread_mutex_lock(&p->mu);
        while (p->n == 0 && !p->stopping) pthread_cond_wait(&p->cv, &p->mu);
        if (p->n == 0) { pthread_mutex_unlock(&p->mu); return NULL; }
        task t = p->ring[p->head];
        p->head = (p->head + 1) % p->cap;
        p->n--;
        pthread_mutex_unlock(&p->mu);
        t.fn(t.arg);
    }
}

as_rc as_workpool_start(int threads, size_t max_queued, as_workpool **out,
                        as_err *err) {
    as_workpool *p = as_xcalloc(1, sizeof(*p));
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    p->cap = max_queued ? max_queued : 1;
    p->ring = as_xcalloc(p->cap, sizeof(*p->ring));
    p->threads = as_xcalloc((size_t)(threads > 0 ? threads : 1), sizeof(*p->threads));
    for (int i = 0; i < (threads > 0 ? threads : 1); i++) {
        if (pthread_create(&p->threads[i], NULL, worker, p) != 0) {
            as_workpool_free(p);
            return as_err_set(err, AS_EINTERNAL, "cannot start worker thread %d", i);
        }
        p->nthreads++;
    }
    *out = p;
    return AS_OK;
}

as_rc as_workpool_submit(as_workpool *p, as_task_fn fn, void *arg, as_err *err) {
    pthread_mutex_lock(&p->mu);
    if (p->stopping) {
        pthread_mutex_unlock(&p->mu);
        return as_err_set(err, AS_ESHUTDOWN, "server is shutting down");
    }
    if (p->n == p->cap) {
        pthread_mutex_unlock(&p->mu);
        return as_err_set(err, AS_EFULL, "too many requests waiting to be decoded "
                          "(%zu): retry later", p->cap);
    }
    p->ring[(p->head + p->n) % p->cap] = (task){ fn, arg };
    p->n++;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
    return AS_OK;
}

void as_workpool_stop(as_workpool *p) {
    if (!p) return;
    pthread_mutex_lock(&p->mu);
    p->stopping = true;
    int n = p->nthreads;
    p->nthreads = 0;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < n; i++) pthread_join(p->threads[i], NULL);
}

void as_workpool_free(as_workpool *p) {
    if (!p) return;
    as_workpool_stop(p);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    free(p->threads);
    free(p->ring);
    free(p);
}
