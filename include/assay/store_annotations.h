/*
 * store_annotations.h - annotations (labels, scores, explanations) on
 * spans, traces, sessions, retrieved documents and dataset examples,
 * notes, and the annotation configs that describe what a label may be.
 *
 * Phoenix's model: an annotation is unique on (name, target,
 * identifier); writing one that exists updates it (upsert).  A note is
 * an annotation named "note" with a unique identifier.  A document
 * annotation targets one retrieved document of a span (the span and the
 * document's position in its retrieval.documents; unique on name, span,
 * position, identifier).  Dataset example annotations are assay's:
 * human ground truth for judge-vs-human agreement, written by labelling
 * queues (store_queues.h) or REST.
 *
 * Same conventions as store.h: results are new jansson references (the
 * caller decrefs) with the neutral field names documented beside each
 * call; ids are rowids; times are unix ns.  Every write is one
 * transaction: it happens whole or not at all.
 */
#ifndef ASSAY_STORE_ANNOTATIONS_H
#define ASSAY_STORE_ANNOTATIONS_H

#include "assay/store.h"

typedef enum as_annot_target {
    AS_ANNOT_SPAN,
    AS_ANNOT_TRACE,
    AS_ANNOT_SESSION,
    AS_ANNOT_EXAMPLE,           /* dataset example (assay extension)      */
    AS_ANNOT_DOCUMENT           /* one retrieved document of a span       */
} as_annot_target;

/* "span", "trace", "session", "dataset example", "document" (for
 * messages). */
const char *as_annot_target_name(as_annot_target t);

#define AS_ANNOTATION_NOTE "note"  /* the name reserved for notes         */

/* One annotation to write.  All strings are borrowed for the call. */
typedef struct as_annotation {
    int64_t target;             /* rowid of the span/trace/session/example;
                                 * documents: the span's rowid            */
    int64_t document_position;  /* documents: 0-based index into the span's
                                 * retrieval.documents; else ignored      */
    const char *name;
    const char *annotator_kind; /* "LLM" | "CODE" | "HUMAN"               */
    const char *label;          /* NULL = none                            */
    bool has_score;
    double score;
    const char *explanation;    /* NULL = none                            */
    const char *metadata;       /* JSON object text; NULL = "{}"          */
    const char *identifier;     /* NULL = ""                              */
    const char *source;         /* "API" | "APP"; NULL = "API"            */
    const char *user_id;        /* example annotations: the annotator's
                                 * name; ignored for the other targets    */
} as_annotation;

/* Upsert n annotations of one target kind in one transaction; ids[i]
 * receives the row id of a[i].  ENOTFOUND "annotation 2: span 17 not
 * found" when a target row does not exist (nothing is written).
 * Documents: EUNPROCESSABLE "Document position 3 is out of bounds for
 * span 0123456789abcdef (max: 2)" when the position is not below the
 * number of entries of the span's retrieval.documents attribute (a span
 * without documents has none: max -1); nothing is written. */
as_rc as_store_annotations_upsert(as_store *st, as_annot_target t,
                                  const as_annotation *a, size_t n,
                                  int64_t *ids, as_err *err);

/* annotation object: {id, target_id (rowid), target_key (span id hex |
 * trace id hex | session id string | null for examples), name,
 * document_position (documents only),
 * annotator_kind, label, score, explanation (each null when unset),
 * metadata{}, identifier, source, user_id (string or null), created_at,
 * updated_at} */
typedef struct as_annotation_query {
    as_annot_target target;
    int64_t project_id;         /* spans/traces/sessions: only this project */
    int64_t dataset_id;         /* examples: only this dataset (0 = any)  */
    const int64_t *targets;     /* target rowids to match...              */
    size_t n_targets;
    bool by_targets;            /* ...when true (an empty list matches none) */
    as_str_list identifiers;    /* empty = any                            */
    as_str_list include_names;  /* empty = any                            */
    as_str_list exclude_names;
    int64_t after_id;           /* cursor: rows with id > after_id        */
    int limit;
} as_annotation_query;

/* Annotations in id order; *has_next when more rows follow. */
as_rc as_store_annotations_list(as_store *st, const as_annotation_query *q,
                                json_t **rows, bool *has_next, as_err *err);

/* Delete the annotations of a project that match every given filter
 * (NULL / 0 = no filter).  start_ns/end_ns bound created_at ([start,
 * end)).  *deleted receives the number of rows removed. */
typedef struct as_annotation_delete {
    as_annot_target target;     /* span, trace, session or document       */
    int64_t project_id;
    const char *name, *identifier, *annotator_kind;
    int64_t start_ns, end_ns;   /* 0 = unbounded                          */
} as_annotation_delete;

as_rc as_store_annotations_delete(as_store *st, const as_annotation_delete *d,
                                  int64_t *deleted, as_err *err);

/* ---- annotation configs ------------------------------------------------
 * config object: {id, name, type ("CATEGORICAL" | "CONTINUOUS" |
 * "FREEFORM"), description, optimization_direction ("MINIMIZE" |
 * "MAXIMIZE" | "NONE", or null for FREEFORM), values[{label, score}]
 * (CATEGORICAL), lower_bound, upper_bound (CONTINUOUS, FREEFORM; null
 * when unbounded), threshold (FREEFORM), created_at, updated_at}. */

/* Validate a config as a client sends it (Phoenix's
 * CreateAnnotationConfigData) and return the canonical spec to store:
 * a new object with the fields above less id and times.  EUNPROCESSABLE
 * names the field ("values[2].label: duplicate label 'good'"). */
as_rc as_annotation_config_check(const json_t *in, json_t **spec, as_err *err);

/* Check one answer against a config (a config object) and complete it:
 * CATEGORICAL needs a label among the values (the score becomes that
 * value's score when the config gives one); CONTINUOUS needs a score
 * within the bounds; FREEFORM needs any of label, score, explanation.
 * score and has_score are updated in place. */
as_rc as_annotation_config_check_answer(const json_t *config,
                                        const char *label, bool *has_score,
                                        double *score, const char *explanation,
                                        as_err *err);

as_rc as_store_annotation_config_list(as_store *st, int64_t after_id,
                                      int limit, json_t **rows,
                                      bool *has_next, as_err *err);
/* By rowid, or by name when name is not NULL. */
as_rc as_store_annotation_config_get(as_store *st, int64_t id,
                                     const char *name, json_t **row,
                                     as_err *err);
/* spec: from as_annotation_config_check.  ECONFLICT: the name is taken. */
as_rc as_store_annotation_config_create(as_store *st, const json_t *spec,
                                        json_t **row, as_err *err);
as_rc as_store_annotation_config_update(as_store *st, int64_t id,
                                        const json_t *spec, json_t **row,
                                        as_err *err);
/* *row receives the deleted config.  ECONFLICT when a labelling queue
 * uses it (the message names the queue). */
as_rc as_store_annotation_config_delete(as_store *st, int64_t id,
                                        json_t **row, as_err *err);

#endif
