/*
 * wire.c - shaping store rows for the Phoenix REST v1 wire format.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assay/hex.h"
#include "assay/normalize.h"
#include "assay/timefmt.h"
#include "wire.h"

static int64_t iget(const json_t *row, const char *f) {
    return json_integer_value(json_object_get(row, f));
}

json_t *wire_time(const json_t *row, const char *field) {
    char iso[AS_ISO_MAX];
    as_time_iso(iget(row, field), iso);
    return json_string(iso);
}

json_t *wire_gid(const char *type, const json_t *row, const char *field) {
    char id[AS_GLOBALID_MAX];
    as_globalid_encode(type, iget(row, field), id);
    return json_string(id);
}

json_t *wire_map(const json_t *rows, json_t *(*shape)(const json_t *)) {
    json_t *out = json_array();
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row) json_array_append_new(out, shape(row));
    return out;
}

json_t *wire_copy(const json_t *row, const char *f) {
    json_t *v = json_object_get(row, f);
    return v ? json_incref(v) : json_null();
}

void wire_copy_field(json_t *dst, const json_t *src, const char *field) {
    json_t *v = json_object_get(src, field);
    if (v) json_object_set(dst, field, v);
}

json_t *wire_project(const json_t *row) {
    return json_pack("{s:o, s:o, s:o}", "id", wire_gid("Project", row, "id"),
                     "name", wire_copy(row, "name"), "description", wire_copy(row, "description"));
}

json_t *wire_span(const json_t *row) {
    json_t *attrs = as_attributes_flatten(json_object_get(row, "attributes"));
    return json_pack(
        "{s:o, s:o, s:{s:o, s:o}, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o,"
        " s:o, s:o, s:o, s:o, s:o}",
        "id", wire_gid("Span", row, "id"),
        "name", wire_copy(row, "name"),
        "context", "trace_id", wire_copy(row, "trace_id"), "span_id", wire_copy(row, "span_id"),
        "span_kind", wire_copy(row, "span_kind"),
        "parent_id", wire_copy(row, "parent_id"),
        "start_time", wire_time(row, "start_time"),
        "end_time", wire_time(row, "end_time"),
        "status_code", wire_copy(row, "status_code"),
        "status_message", wire_copy(row, "status_message"),
        "attributes", attrs ? attrs : json_object(),
        "events", wire_copy(row, "events"),
        "latency_ms", wire_copy(row, "latency_ms"),
        "cumulative_error_count", wire_copy(row, "cumulative_error_count"),
        "cumulative_token_count_prompt", wire_copy(row, "cumulative_token_count_prompt"),
        "cumulative_token_count_completion", wire_copy(row, "cumulative_token_count_completion"),
        "cost", wire_copy(row, "cost"));
}

/* OtlpAnyValue of a JSON value: Phoenix's /spans/otlpv1 uses the
 * snake_case field names of its OtlpSpan schema (string_value, ...). */
static json_t *any_value(const json_t *v) {
    switch (json_typeof(v)) {
    case JSON_STRING: return json_pack("{s:O}", "string_value", v);
    case JSON_INTEGER: return json_pack("{s:I}", "int_value", json_integer_value(v));
    case JSON_REAL: return json_pack("{s:f}", "double_value", json_real_value(v));
    case JSON_TRUE: return json_pack("{s:b}", "bool_value", 1);
    case JSON_FALSE: return json_pack("{s:b}", "bool_value", 0);
    case JSON_ARRAY: {
        json_t *vals = json_array();
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x) json_array_append_new(vals, any_value(x));
        return json_pack("{s:{s:o}}", "array_value", "values", vals);
    }
    case JSON_OBJECT: {
        /* the schema has no kvlist: nested objects travel as JSON text */
        char *text = json_dumps(v, JSON_COMPACT);
        json_t *out = json_pack("{s:s}", "string_value", text ? text : "{}");
        free(text);
        return out;
    }
    default: return json_object();
    }
}

static json_t *kv_list(const json_t *obj) {
    json_t *out = json_array();
    const char *k;
    json_t *x;
    json_object_foreach((json_t *)obj, k, x)
        json_array_append_new(out, json_pack("{s:s, s:o}", "key", k, "value", any_value(x)));
    return out;
}

json_t *wire_span_otlp(const json_t *row) {
    json_t *flat = as_attributes_flatten(json_object_get(row, "attributes"));
    json_t *events = json_array();
    size_t i;
    json_t *ev;
    json_array_foreach(json_object_get(row, "events"), i, ev) {
        int64_t ts = 0;
        const char *iso = json_string_value(json_object_get(ev, "timestamp"));
        if (iso) as_time_parse(iso, &ts);
        json_t *ea = json_object_get(ev, "attributes");
        json_array_append_new(events, json_pack("{s:o, s:I, s:o}",
            "name", wire_copy(ev, "name"), "time_unix_nano", (json_int_t)ts,
            "attributes", ea ? kv_list(ea) : json_array()));
    }
    const char *sc = json_string_value(json_object_get(row, "status_code"));
    int code = sc && strcmp(sc, "OK") == 0 ? 1 : sc && strcmp(sc, "ERROR") == 0 ? 2 : 0;
    json_t *out = json_pack(
        "{s:o, s:o, s:o, s:o, s:i, s:I, s:I, s:o, s:o, s:{s:i, s:o}}",
        "trace_id", wire_copy(row, "trace_id"),
        "span_id", wire_copy(row, "span_id"),
        "parent_span_id", wire_copy(row, "parent_id"),
        "name", wire_copy(row, "name"),
        "kind", (int)iget(row, "otel_kind"),
        "start_time_unix_nano", (json_int_t)iget(row, "start_time"),
        "end_time_unix_nano", (json_int_t)iget(row, "end_time"),
        "attributes", kv_list(flat ? flat : json_object()),
        "events", events,
        "status", "code", code, "message", wire_copy(row, "status_message"));
    json_decref(flat);
    return out;
}

json_t *wire_trace_span(const json_t *row) {
    return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
                     "id", wire_gid("Span", row, "id"),
                     "span_id", wire_copy(row, "span_id"),
                     "parent_id", wire_copy(row, "parent_id"),
                     "name", wire_copy(row, "name"),
                     "span_kind", wire_copy(row, "span_kind"),
                     "status_code", wire_copy(row, "status_code"),
                     "start_time", wire_time(row, "start_time"),
                     "end_time", wire_time(row, "end_time"));
}

json_t *wire_trace(const json_t *row, json_t *spans) {
    json_t *t = json_pack(
        "{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
        "id", wire_gid("Trace", row, "id"),
        "trace_id", wire_copy(row, "trace_id"),
        "project_id", wire_gid("Project", row, "project_id"),
        "start_time", wire_time(row, "start_time"),
        "end_time", wire_time(row, "end_time"),
        "latency_ms", wire_copy(row, "latency_ms"),
        "token_count_prompt", wire_copy(row, "token_count_prompt"),
        "token_count_completion", wire_copy(row, "token_count_completion"),
        "token_count_total", wire_copy(row, "token_count_total"),
        "error_count", wire_copy(row, "error_count"),
        "span_count", wire_copy(row, "span_count"),
        "cost", wire_copy(row, "cost"));
    json_t *sess = json_object_get(row, "session_rowid");
    json_object_set_new(t, "session_id", json_is_integer(sess)
                                             ? wire_gid("ProjectSession", row, "session_rowid")
                                             : json_null());
    if (spans) json_object_set_new(t, "spans", spans);
    return t;
}

json_t *wire_session(const json_t *row) {
    json_t *traces = json_array();
    size_t i;
    json_t *tr;
    json_array_foreach(json_object_get(row, "traces"), i, tr)
        json_array_append_new(traces, json_pack("{s:o, s:o, s:o, s:o}",
            "id", wire_gid("Trace", tr, "id"), "trace_id", wire_copy(tr, "trace_id"),
            "start_time", wire_time(tr, "start_time"), "end_time", wire_time(tr, "end_time")));
    return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
                     "id", wire_gid("ProjectSession", row, "id"),
                     "session_id", wire_copy(row, "session_id"),
                     "project_id", wire_gid("Project", row, "project_id"),
                     "start_time", wire_time(row, "start_time"),
                     "end_time", wire_time(row, "end_time"),
                     "traces", traces,
                     "token_count_prompt", wire_copy(row, "token_count_prompt"),
                     "token_count_completion", wire_copy(row, "token_count_completion"),
                     "token_count_total", wire_copy(row, "token_count_total"));
}

void wire_cursor_encode(int64_t a, int64_t b, char out[96]) {
    char raw[64];
    int n = snprintf(raw, sizeof(raw), "%" PRId64 ":%" PRId64, a, b);
    as_base64_encode((const uint8_t *)raw, (size_t)n, out);
}

bool wire_cursor_decode(const char *s, int64_t *a, int64_t *b) {
    uint8_t raw[64];
    long n = as_base64_decode(s, strlen(s), raw, sizeof(raw) - 1);
    if (n <= 0) return false;
    raw[n] = '\0';
    char *end;
    long long x = strtoll((char *)raw, &end, 10);
    if (*end != ':') return false;
    long long y = strtoll(end + 1, &end, 10);
    if (*end != '\0') return false;
    *a = x;
    *b = y;
    return true;
}

/* ---- annotations ------------------------------------------------------ */

json_t *wire_annotation(const json_t *row, as_annot_target t) {
    static const char *const gid[] = {
        [AS_ANNOT_SPAN] = "SpanAnnotation", [AS_ANNOT_TRACE] = "TraceAnnotation",
        [AS_ANNOT_SESSION] = "ProjectSessionAnnotation",
        [AS_ANNOT_EXAMPLE] = "DatasetExampleAnnotation",
        [AS_ANNOT_DOCUMENT] = "DocumentAnnotation",
    };
    static const char *const field[] = {
        [AS_ANNOT_SPAN] = "span_id", [AS_ANNOT_TRACE] = "trace_id",
        [AS_ANNOT_SESSION] = "session_id", [AS_ANNOT_EXAMPLE] = "example_id",
        [AS_ANNOT_DOCUMENT] = "span_id",
    };
    json_t *out = json_pack(
        "{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:{s:o, s:o, s:o}, s:o, s:o}",
        "id", wire_gid(gid[t], row, "id"),
        "created_at", wire_time(row, "created_at"),
        "updated_at", wire_time(row, "updated_at"),
        "source", wire_copy(row, "source"),
        "user_id", wire_copy(row, "user_id"),
        "name", wire_copy(row, "name"),
        "annotator_kind", wire_copy(row, "annotator_kind"),
        "result", "label", wire_copy(row, "label"), "score", wire_copy(row, "score"),
        "explanation", wire_copy(row, "explanation"),
        "metadata", wire_copy(row, "metadata"),
        "identifier", wire_copy(row, "identifier"));
    json_object_set_new(out, field[t], t == AS_ANNOT_EXAMPLE
                                           ? wire_gid("DatasetExample", row, "target_id")
                                           : wire_copy(row, "target_key"));
    if (t == AS_ANNOT_DOCUMENT)
        json_object_set_new(out, "document_position", wire_copy(row, "document_position"));
    return out;
}

bool wire_config_gid_decode(const char *s, int64_t *id) {
    static const char *const types[] = { "CategoricalAnnotationConfig",
                                         "ContinuousAnnotationConfig",
                                         "FreeformAnnotationConfig" };
    *id = 0;
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]) && *id == 0; i++)
        if (!as_globalid_decode(s, types[i], id)) *id = 0;
    return *id != 0;
}

const char *wire_config_gid_type(const char *type) {
    if (type && strcmp(type, "CATEGORICAL") == 0) return "CategoricalAnnotationConfig";
    if (type && strcmp(type, "CONTINUOUS") == 0) return "ContinuousAnnotationConfig";
    return "FreeformAnnotationConfig";
}

json_t *wire_annotation_config(const json_t *row) {
    const char *type = json_string_value(json_object_get(row, "type"));
    json_t *out = json_pack("{s:o, s:o, s:o, s:o, s:o}",
                            "id", wire_gid(wire_config_gid_type(type), row, "id"),
                            "name", wire_copy(row, "name"), "type", wire_copy(row, "type"),
                            "description", wire_copy(row, "description"),
                            "optimization_direction", wire_copy(row, "optimization_direction"));
    if (type && strcmp(type, "CATEGORICAL") == 0) {
        json_object_set_new(out, "values", wire_copy(row, "values"));
        return out;
    }
    json_object_set_new(out, "lower_bound", wire_copy(row, "lower_bound"));
    json_object_set_new(out, "upper_bound", wire_copy(row, "upper_bound"));
    if (type && strcmp(type, "FREEFORM") == 0)
        json_object_set_new(out, "threshold", wire_copy(row, "threshold"));
    return out;
}

bool wire_gid_cursor(const char *s, const char *type, int64_t *after) {
    *after = 0;
    if (!s || !*s) return true;
    if (!as_globalid_decode(s, type, after) || *after <= 0) return false;
    (*after)--;
    return true;
}

void wire_gid_next(const json_t *rows, const char *type, char out[96]) {
    json_t *last = json_array_get(rows, json_array_size(rows) - 1);
    as_globalid_encode(type, iget(last, "id") + 1, out);
}

/* ---- datasets and experiments ----------------------------------------- */

json_t *wire_experiment(const json_t *row) {
    return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o,"
                     " s:o, s:o, s:o}",
                     "id", wire_gid("Experiment", row, "id"),
                     "dataset_id", wire_gid("Dataset", row, "dataset_id"),
                     "dataset_version_id", wire_gid("DatasetVersion", row, "dataset_version_id"),
                     "name", wire_copy(row, "name"),
                     "description", wire_copy(row, "description"),
                     "repetitions", wire_copy(row, "repetitions"),
                     "metadata", wire_copy(row, "metadata"),
                     "project_name", wire_copy(row, "project_name"),
                     "created_at", wire_time(row, "created_at"),
                     "updated_at", wire_time(row, "updated_at"),
                     "example_count", wire_copy(row, "example_count"),
                     "successful_run_count", wire_copy(row, "successful_run_count"),
                     "failed_run_count", wire_copy(row, "failed_run_count"),
                     "missing_run_count", wire_copy(row, "missing_run_count"),
                     "status", wire_copy(row, "status"),
                     "status_message", wire_copy(row, "status_message"),
                     "runner", wire_copy(row, "runner"));
}

json_t *wire_run(const json_t *row) {
    return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
                     "id", wire_gid("ExperimentRun", row, "id"),
                     "experiment_id", wire_gid("Experiment", row, "experiment_id"),
                     "dataset_example_id", wire_gid("DatasetExample", row, "dataset_example_id"),
                     "repetition_number", wire_copy(row, "repetition_number"),
                     "start_time", wire_time(row, "start_time"),
                     "end_time", wire_time(row, "end_time"),
                     "output", wire_copy(row, "output"),
                     "trace_id", wire_copy(row, "trace_id"),
                     "error", wire_copy(row, "error"));
}

json_t *wire_example(const json_t *row) {
    return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
                     "id", wire_gid("DatasetExample", row, "id"),
                     "node_id", wire_gid("DatasetExample", row, "id"),
                     "input", wire_copy(row, "input"),
                     "output", wire_copy(row, "output"),
                     "metadata", wire_copy(row, "metadata"),
                     "updated_at", wire_time(row, "updated_at"),
                     "external_id", wire_copy(row, "external_id"),
                     "source_span_id", wire_copy(row, "source_span_id"),
                     "splits", wire_copy(row, "splits"));
}
