/*
 * queues_ops.h - the queues part of the backend vtable (see store_int.h):
 * one function pointer per as_store_* call of the queues API; the
 * wrappers in src/store/queues.c are the only callers.
 */
#ifndef ASSAY_STORE_QUEUE_OPS_H
#define ASSAY_STORE_QUEUE_OPS_H

#include "store_int.h"

struct as_queue_ops {
    const char *name;
};

#endif
