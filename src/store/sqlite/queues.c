/*
 * queues.c - the queues part of the SQLite backend.
 */
#include "../queues_ops.h"
#include "sqlite_int.h"

const struct as_queue_ops sq_queue_ops = {
    .name = "sqlite",
};
