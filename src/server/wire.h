/*
 * wire.h - store rows (neutral JSON, see store.h) to Phoenix REST v1
 * shapes: GlobalIDs, ISO 8601 times, flattened attributes; and the opaque
 * pagination cursors.  Functions take a borrowed row, return a new value.
 */
#ifndef ASSAY_WIRE_H
#define ASSAY_WIRE_H

#include <jansson.h>

#include "assay/common.h"

json_t *wire_project(const json_t *row);
json_t *wire_span(const json_t *row);
json_t *wire_span_otlp(const json_t *row);
json_t *wire_trace(const json_t *row, json_t *spans /* stolen, or NULL */);
json_t *wire_trace_span(const json_t *row);
json_t *wire_session(const json_t *row);
json_t *wire_time(const json_t *row, const char *field);
json_t *wire_gid(const char *type, const json_t *row, const char *field);
/* row[f] (a new reference), or null when absent. */
json_t *wire_copy(const json_t *row, const char *f);
/* dst[field] = src[field] when src has it. */
void wire_copy_field(json_t *dst, const json_t *src, const char *field);
/* A new array of shape(row) for every row of rows (borrowed). */
json_t *wire_map(const json_t *rows, json_t *(*shape)(const json_t *));

/* Cursor: base64 of "a:b".  Decoding returns false on anything else. */
void wire_cursor_encode(int64_t a, int64_t b, char out[96]);
bool wire_cursor_decode(const char *s, int64_t *a, int64_t *b);

/* Annotations (store_annotations.h rows): Phoenix's SpanAnnotation /
 * TraceAnnotation / SessionAnnotation shapes, assay's dataset example
 * annotation ({..., example_id: DatasetExample GlobalID}) and document
 * annotation ({..., span_id, document_position}). */
#include "assay/store_annotations.h"
json_t *wire_annotation(const json_t *row, as_annot_target t);
/* Categorical/Continuous/FreeformAnnotationConfig by the row's type. */
json_t *wire_annotation_config(const json_t *row);
/* The GlobalID type of a config type ("CATEGORICAL" ->
 * "CategoricalAnnotationConfig"). */
const char *wire_config_gid_type(const char *type);
/* A GlobalID of any of the three config types: its rowid, or false. */
bool wire_config_gid_decode(const char *s, int64_t *id);

/* Pages of rows in id order whose cursor is the GlobalID (of `type`) of
 * the first row of the next page.  wire_gid_cursor: NULL or "" -> 0;
 * otherwise the id to resume after, false when s is not such a cursor.
 * wire_gid_next: the cursor following the last row of rows. */
bool wire_gid_cursor(const char *s, const char *type, int64_t *after);
void wire_gid_next(const json_t *rows, const char *type, char out[96]);

/* Experiments (store_experiments.h rows): Phoenix's Experiment with the
 * server runner's status, status_message and runner fields (null for
 * experiments a client ran), ExperimentRun, and the DatasetExample of
 * incomplete-runs / incomplete-evaluations (h_datasets.c streams the
 * same shape for the examples listing). */
json_t *wire_experiment(const json_t *row);
json_t *wire_run(const json_t *row);
json_t *wire_example(const json_t *row);

#endif
