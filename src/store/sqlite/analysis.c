/*
 * analysis.c - the analysis part of the SQLite backend.
 */
#include "../analysis_ops.h"
#include "sqlite_int.h"

const struct as_analysis_ops sq_analysis_ops = {
    .name = "sqlite",
};
