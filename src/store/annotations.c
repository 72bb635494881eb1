/*
 * annotations.c - the public annotations API (store_annotations.h): the
 * backend-independent rules of annotation configs (what a valid config
 * is, whether an answer fits one) and one-line dispatch of the storage
 * calls to the backend's annotations vtable (annotations_ops.h).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "annotations_ops.h"

#define A(st) ((st)->ops->annotations)
#define CONFIG_NAME_MAX 256
#define CONFIG_VALUES_MAX 100
#define LABEL_MAX 256

const char *as_annot_target_name(as_annot_target t) {
    switch (t) {
    case AS_ANNOT_SPAN: return "span";
    case AS_ANNOT_TRACE: return "trace";
    case AS_ANNOT_SESSION: return "session";
    case AS_ANNOT_EXAMPLE: return "dataset example";
    case AS_ANNOT_DOCUMENT: return "document";
    }
    return "?";
}

/* ---- configs ---------------------------------------------------------- */

static bool is_direction(const char *s) {
    return s && (strcmp(s, "MINIMIZE") == 0 || strcmp(s, "MAXIMIZE") == 0 ||
                 strcmp(s, "NONE") == 0);
}

/* Optional finite number or null into out (json null when absent). */
static as_rc opt_number(const json_t *in, const char *where, const char *field,
                        json_t **out, as_err *err) {
    json_t *v = json_object_get(in, field);
    if (!v || json_is_null(v)) { *out = json_null(); return AS_OK; }
    if (!json_is_number(v) || !isfinite(json_number_value(v)))
        return as_err_set(err, AS_EUNPROCESSABLE, "%s%s must be a number or null",
                          where, field);
    *out = json_real(json_number_value(v));
    return AS_OK;
}

static as_rc check_values(const json_t *vals, json_t **out, as_err *err) {
    if (!json_is_array(vals) || json_array_size(vals) == 0)
        return as_err_set(err, AS_EUNPROCESSABLE,
                          "values must be a non-empty array of {label, score?}");
    if (json_array_size(vals) > CONFIG_VALUES_MAX)
        return as_err_set(err, AS_EUNPROCESSABLE, "values: more than %d values",
                          CONFIG_VALUES_MAX);
    *out = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(vals, i, v) {
        const char *label = json_string_value(json_object_get(v, "label"));
        if (!json_is_object(v) || !label || !*label || strlen(label) > LABEL_MAX) {
            json_decref(*out);
            return as_err_set(err, AS_EUNPROCESSABLE,
                              "values[%zu].label must be a string of 1-%d bytes", i,
                              LABEL_MAX);
        }
        for (size_t j = 0; j < i; j++)
            if (strcmp(json_string_value(json_object_get(json_array_get(*out, j), "label")),
                       label) == 0) {
                json_decref(*out);
                return as_err_set(err, AS_EUNPROCESSABLE,
                                  "values[%zu].label: duplicate label '%s'", i, label);
            }
        json_t *score;
        char where[40];
        snprintf(where, sizeof(where), "values[%zu].", i);
        if (opt_number(v, where, "score", &score, err) != AS_OK) {
            json_decref(*out);
            return AS_EUNPROCESSABLE;
        }
        json_array_append_new(*out, json_pack("{s:s, s:o}", "label", label, "score", score));
    }
    return AS_OK;
}

as_rc as_annotation_config_check(const json_t *in, json_t **spec, as_err *err) {
    *spec = NULL;
    if (!json_is_object(in))
        return as_err_set(err, AS_EUNPROCESSABLE, "the annotation config must be an object");
    const char *name = json_string_value(json_object_get(in, "name"));
    if (!name || !*name || strlen(name) > CONFIG_NAME_MAX)
        return as_err_set(err, AS_EUNPROCESSABLE, "name must be a string of 1-%d bytes",
                          CONFIG_NAME_MAX);
    if (strcmp(name, AS_ANNOTATION_NOTE) == 0)
        return as_err_set(err, AS_EUNPROCESSABLE,
                          "name: '%s' is reserved for notes", AS_ANNOTATION_NOTE);
    const char *type = json_string_value(json_object_get(in, "type"));
    if (!type || (strcmp(type, "CATEGORICAL") != 0 && strcmp(type, "CONTINUOUS") != 0 &&
                  strcmp(type, "FREEFORM") != 0))
        return as_err_set(err, AS_EUNPROCESSABLE,
                          "type must be CATEGORICAL, CONTINUOUS or FREEFORM");
    json_t *desc = json_object_get(in, "description");
    if (desc && !json_is_null(desc) && !json_is_string(desc))
        return as_err_set(err, AS_EUNPROCESSABLE, "description must be a string or null");
    json_t *dir = json_object_get(in, "optimization_direction");
    bool freeform = strcmp(type, "FREEFORM") == 0;
    if ((!freeform || (dir && !json_is_null(dir))) && !is_direction(json_string_value(dir)))
        return as_err_set(err, AS_EUNPROCESSABLE,
                          "optimization_direction must be MINIMIZE, MAXIMIZE or NONE");
    json_t *out = json_pack("{s:s, s:s, s:O, s:O}", "name", name, "type", type,
                            "description", desc ? desc : json_null(),
                            "optimization_direction", dir ? dir : json_null());
    as_rc rc = AS_OK;
    if (strcmp(type, "CATEGORICAL") == 0) {
        json_t *vals = NULL;
        rc = check_values(json_object_get(in, "values"), &vals, err);
        if (rc == AS_OK) json_object_set_new(out, "values", vals);
    } else {
        json_t *lo = NULL, *hi = NULL, *th = NULL;
        if ((rc = opt_number(in, "", "lower_bound", &lo, err)) == AS_OK &&
            (rc = opt_number(in, "", "upper_bound", &hi, err)) == AS_OK &&
            (rc = opt_number(in, "", "threshold", &th, err)) == AS_OK &&
            json_is_number(lo) && json_is_number(hi) &&
            !(json_number_value(lo) < json_number_value(hi)))
            rc = as_err_set(err, AS_EUNPROCESSABLE,
                            "lower_bound (%g) must be less than upper_bound (%g)",
                            json_number_value(lo), json_number_value(hi));
        json_object_set_new(out, "lower_bound", lo ? lo : json_null());
        json_object_set_new(out, "upper_bound", hi ? hi : json_null());
        if (freeform) json_object_set_new(out, "threshold", th ? th : json_null());
        else json_decref(th);
    }
    if (rc != AS_OK) { json_decref(out); return rc; }
    *spec = out;
    return AS_OK;
}

as_rc as_annotation_config_check_answer(const json_t *config, const char *label,
                                        bool *has_score, double *score,
                                        const char *explanation, as_err *err) {
    const char *type = json_string_value(json_object_get(config, "type"));
    const char *name = json_string_value(json_object_get(config, "name"));
    if (!type || !name) return as_err_set(err, AS_EINTERNAL, "malformed annotation config");
    if (*has_score && !isfinite(*score))
        return as_err_set(err, AS_EUNPROCESSABLE, "'%s': score must be a finite number", name);
    if (strcmp(type, "CATEGORICAL") == 0) {
        if (!label)
            return as_err_set(err, AS_EUNPROCESSABLE, "'%s': a label is required", name);
        size_t i;
        json_t *v;
        json_array_foreach(json_object_get(config, "values"), i, v) {
            if (strcmp(json_string_value(json_object_get(v, "label")), label) != 0) continue;
            json_t *s = json_object_get(v, "score");
            if (json_is_number(s)) { *has_score = true; *score = json_number_value(s); }
            return AS_OK;
        }
        return as_err_set(err, AS_EUNPROCESSABLE,
                          "'%s': label '%.100s' is not one of the config's labels", name,
                          label);
    }
    if (strcmp(type, "CONTINUOUS") == 0) {
        if (!*has_score)
            return as_err_set(err, AS_EUNPROCESSABLE, "'%s': a score is required", name);
        json_t *lo = json_object_get(config, "lower_bound");
        json_t *hi = json_object_get(config, "upper_bound");
        if ((json_is_number(lo) && *score < json_number_value(lo)) ||
            (json_is_number(hi) && *score > json_number_value(hi)))
            return as_err_set(err, AS_EUNPROCESSABLE,
                              "'%s': score %g is outside [%g, %g]", name, *score,
                              json_is_number(lo) ? json_number_value(lo) : -INFINITY,
                              json_is_number(hi) ? json_number_value(hi) : INFINITY);
        return AS_OK;
    }
    if (!label && !*has_score && !explanation)
        return as_err_set(err, AS_EUNPROCESSABLE,
                          "'%s': one of label, score or explanation is required", name);
    return AS_OK;
}

/* ---- dispatch --------------------------------------------------------- */

as_rc as_store_annotations_upsert(as_store *st, as_annot_target t,
                                  const as_annotation *a, size_t n,
                                  int64_t *ids, as_err *err) {
    return A(st)->upsert(st, t, a, n, ids, err);
}
as_rc as_store_annotations_list(as_store *st, const as_annotation_query *q,
                                json_t **rows, bool *has_next, as_err *err) {
    return A(st)->list(st, q, rows, has_next, err);
}
as_rc as_store_annotations_delete(as_store *st, const as_annotation_delete *d,
                                  int64_t *deleted, as_err *err) {
    return A(st)->remove(st, d, deleted, err);
}
as_rc as_store_annotation_config_list(as_store *st, int64_t after_id, int limit,
                                      json_t **rows, bool *has_next, as_err *err) {
    return A(st)->config_list(st, after_id, limit, rows, has_next, err);
}
as_rc as_store_annotation_config_get(as_store *st, int64_t id, const char *name,
                                     json_t **row, as_err *err) {
    return A(st)->config_get(st, id, name, row, err);
}
as_rc as_store_annotation_config_create(as_store *st, const json_t *spec,
                                        json_t **row, as_err *err) {
    return A(st)->config_create(st, spec, row, err);
}
as_rc as_store_annotation_config_update(as_store *st, int64_t id,
                                        const json_t *spec, json_t **row,
                                        as_err *err) {
    return A(st)->config_update(st, id, spec, row, err);
}
as_rc as_store_annotation_config_delete(as_store *st, int64_t id, json_t **row,
                                        as_err *err) {
    return A(st)->config_delete(st, id, row, err);
}
