/*
 * datasets.c - the datasets part of the SQLite backend.
 */
#include "../datasets_ops.h"
#include "sqlite_int.h"

const struct as_dataset_ops sq_dataset_ops = {
    .name = "sqlite",
};
