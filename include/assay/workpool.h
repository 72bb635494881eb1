/*
 * workpool.h - a fixed pool of worker threads running submitted tasks in
 * FIFO order, with a bounded queue.
 *
 * Used to decode OTLP requests off the HTTP threads, so that the decode
 * work of all connections is spread over every core no matter which HTTP
 * thread accepted which connection.  Ownership: the pool never touches the
 * task's argument except to pass it to fn; a task that cannot be queued
 * (AS_EFULL / AS_ESHUTDOWN) stays the caller's.
 */
#ifndef ASSAY_WORKPOOL_H
#define ASSAY_WORKPOOL_H

#include "assay/common.h"

typedef struct as_workpool as_workpool;
typedef void (*as_task_fn)(void *arg);

/* threads: number of workers (>= 1); max_queued: pending tasks allowed. */
as_rc as_workpool_start(int threads, size_t max_queued, as_workpool **out,
                        as_err *err);
as_rc as_workpool_submit(as_workpool *p, as_task_fn fn, void *arg, as_err *err);
/* Run every queued task and join the workers; later submits fail with
 * AS_ESHUTDOWN.  as_workpool_free (stopping first if needed) frees. */
void as_workpool_stop(as_workpool *p);
void as_workpool_free(as_workpool *p);

#endif
