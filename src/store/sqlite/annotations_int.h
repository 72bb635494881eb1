/*
 * annotations_int.h - what the SQLite labelling queues (queues.c) share
 * with the annotations file (annotations.c): writing annotations and
 * reading configs inside a transaction the caller holds (the
 * transaction bracket, sq_tx_begin / sq_tx_end, is sqlite_int.h's).
 */
#ifndef ASSAY_SQLITE_ANNOTATIONS_INT_H
#define ASSAY_SQLITE_ANNOTATIONS_INT_H

#include "assay/store_annotations.h"
#include "sqlite_int.h"

/* as_store_annotations_upsert on db, inside the caller's transaction. */
as_rc sq_annotations_upsert_on(sqlite3 *db, as_annot_target t,
                               const as_annotation *a, size_t n, int64_t *ids,
                               as_err *err);
/* A config object by rowid (name NULL) or name; ENOTFOUND otherwise. */
as_rc sq_config_get_on(sqlite3 *db, int64_t id, const char *name,
                       json_t **row, as_err *err);
/* 16 lower-case hex digits of a stored span id. */
void sq_span_hex(int64_t v, char out[17]);

#endif
