/*
 * experiments.c - the experiments part of the SQLite backend.
 */
#include "../experiments_ops.h"
#include "sqlite_int.h"

const struct as_experiment_ops sq_experiment_ops = {
    .name = "sqlite",
};
