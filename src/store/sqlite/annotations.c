/*
 * annotations.c - the annotations part of the SQLite backend.
 */
#include "../annotations_ops.h"
#include "sqlite_int.h"

const struct as_annotation_ops sq_annotation_ops = {
    .name = "sqlite",
};
