/*
 * queues_ops.h - the queues part of the backend vtable (see store_int.h):
 * one function pointer per as_store_* call of the queues API; the
 * wrappers in src/store/queues.c are the only callers.
 */
#ifndef ASSAY_STORE_QUEUE_OPS_H
#define ASSAY_STORE_QUEUE_OPS_H

#include "assay/store_queues.h"
#include "store_int.h"

struct as_queue_ops {
    const char *name;
    as_rc (*create)(as_store *, const json_t *, json_t **, as_err *);
    as_rc (*update)(as_store *, int64_t, const json_t *, json_t **, as_err *);
    as_rc (*get)(as_store *, int64_t, json_t **, as_err *);
    as_rc (*find)(as_store *, const char *, int64_t *, as_err *);
    as_rc (*list)(as_store *, int64_t, int, json_t **, bool *, as_err *);
    as_rc (*remove)(as_store *, int64_t, as_err *);
    as_rc (*add_items)(as_store *, int64_t, const as_queue_target *, size_t,
                       int64_t *, size_t *, as_err *);
    as_rc (*items)(as_store *, int64_t, as_queue_status, int64_t, int,
                   json_t **, bool *, as_err *);
    as_rc (*next)(as_store *, int64_t, const char *, int64_t, int64_t,
                  json_t **, as_err *);
    as_rc (*submit)(as_store *, int64_t, int64_t, const char *,
                    const as_queue_answer *, size_t, const char *, json_t **,
                    as_err *);
    as_rc (*skip)(as_store *, int64_t, int64_t, const char *, json_t **,
                  as_err *);
    as_rc (*progress)(as_store *, int64_t, int64_t, json_t **, as_err *);
};

#endif
