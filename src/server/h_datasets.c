/*
 * h_datasets.c - the datasets endpoints (Phoenix REST v1 shapes): list,
 * get, delete, versions, upload (JSON or multipart), examples, downloads,
 * and the assay extension POST /v1/datasets/from_spans.  The work is done
 * by the dataset library (include/assay/dataset.h), which the CLI shares;
 * handlers only parse the request and shape the answer.
 *
 * {id} is a Dataset GlobalID or, as an extension, a dataset name.  The
 * example listing is written straight from the stored JSON text of each
 * example (no jansson tree per example), so 100k examples cost one pass.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "assay/dataset.h"
#include "assay/hex.h"
#include "assay/timefmt.h"
#include "server.h"
#include "wire.h"

#define MAX_SPLITS 64
#define MAX_FROM_SPANS 100000

/* {id}: a Dataset GlobalID or name; replies 404/422 and returns false. */
static bool req_dataset(as_req *r, int64_t *id, json_t **row) {
    as_err e;
    if (as_ds_resolve(r->srv->store, r->params[0], id, row, &e) != AS_OK) {
        as_reply_err(r, &e);
        return false;
    }
    return true;
}

/* ?version_id= (a DatasetVersion GlobalID or a rowid); 0 when absent. */
static bool req_version(as_req *r, int64_t *ver) {
    const char *s = as_req_query(r, "version_id");
    *ver = 0;
    if (!s || !*s || as_id_parse(s, "DatasetVersion", ver)) return true;
    as_reply_errorf(r, AS_EUNPROCESSABLE, "version_id '%.60s' is not a DatasetVersion id", s);
    return false;
}

/* A dataset's labels: [{id (DatasetLabel GlobalID), name, color}]. */
static json_t *wire_label_refs(const json_t *labels) {
    json_t *out = json_array();
    size_t i;
    json_t *l;
    json_array_foreach(labels, i, l)
        json_array_append_new(out, json_pack("{s:o, s:o, s:o}",
                                             "id", wire_gid("DatasetLabel", l, "id"),
                                             "name", wire_copy(l, "name"),
                                             "color", wire_copy(l, "color")));
    return out;
}

static json_t *wire_dataset(const json_t *row) {
    json_t *meta = json_object_get(row, "metadata");
    return json_pack("{s:o, s:O, s:O, s:O, s:o, s:o, s:O, s:o}",
                     "id", wire_gid("Dataset", row, "id"),
                     "name", json_object_get(row, "name"),
                     "description", json_object_get(row, "description"),
                     "metadata", json_is_object(meta) ? meta : json_object(),
                     "created_at", wire_time(row, "created_at"),
                     "updated_at", wire_time(row, "updated_at"),
                     "example_count", json_object_get(row, "example_count"),
                     "labels", wire_label_refs(json_object_get(row, "labels")));
}

static json_t *wire_label(const json_t *row) {
    return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}",
                     "id", wire_gid("DatasetLabel", row, "id"),
                     "name", wire_copy(row, "name"),
                     "description", wire_copy(row, "description"),
                     "color", wire_copy(row, "color"),
                     "created_at", wire_time(row, "created_at"),
                     "dataset_count", wire_copy(row, "dataset_count"));
}

static json_t *wire_version(const json_t *row) {
    json_t *meta = json_object_get(row, "metadata");
    return json_pack("{s:o, s:O, s:O, s:o}",
                     "version_id", wire_gid("DatasetVersion", row, "id"),
                     "description", json_object_get(row, "description"),
                     "metadata", json_is_object(meta) ? meta : json_object(),
                     "created_at", wire_time(row, "created_at"));
}

/* ?cursor= of a newest-first listing: a GlobalID of type naming the
 * first row of the page; returns the exclusive bound (id + 1). */
static bool req_cursor(as_req *r, const char *type, int64_t *before) {
    if (!as_req_cursor_id(r, type, before)) return false;
    if (*before) (*before)++;
    return true;
}

static void h_list(as_req *r) {
    int limit = as_req_limit(r, 10, 1000);
    int64_t before;
    if (limit < 0 || !req_cursor(r, "Dataset", &before)) return;
    json_t *rows;
    int64_t next;
    as_err e;
    if (as_store_dataset_list(r->srv->store, as_req_query(r, "name"), before, limit,
                              &rows, &next, &e) != AS_OK) {
        as_reply_err(r, &e);
        return;
    }
    as_reply_rows_page(r, rows, next, "Dataset", wire_dataset);
}

static void h_get(as_req *r) {
    int64_t id;
    json_t *row;
    if (!req_dataset(r, &id, &row)) return;
    as_reply_data(r, wire_dataset(row));
    json_decref(row);
}

static void h_delete(as_req *r) {
    int64_t id;
    as_err e;
    if (!req_dataset(r, &id, NULL)) return;
    as_reply_done(r, as_store_dataset_delete(r->srv->store, id, &e), &e);
}

static void h_versions(as_req *r) {
    int64_t id, before;
    int limit = as_req_limit(r, 10, 1000);
    if (limit < 0 || !req_cursor(r, "DatasetVersion", &before)) return;
    if (!req_dataset(r, &id, NULL)) return;
    json_t *rows;
    int64_t next;
    as_err e;
    if (as_store_dataset_versions(r->srv->store, id, before, limit, &rows, &next, &e) != AS_OK) {
        as_reply_err(r, &e);
        return;
    }
    as_reply_rows_page(r, rows, next, "DatasetVersion", wire_version);
}

static void reply_upload(as_req *r, as_rc rc, const as_upload_result *res,
                         const as_err *e) {
    if (rc != AS_OK) {
        as_reply_err(r, e);
        return;
    }
    char ds[AS_GLOBALID_MAX], ver[AS_GLOBALID_MAX];
    as_globalid_encode("Dataset", res->dataset_id, ds);
    as_globalid_encode("DatasetVersion", res->version_id, ver);
    as_reply_data(r, json_pack("{s:s, s:o, s:I, s:I, s:I}", "dataset_id", ds,
                               "version_id", res->version_id ? json_string(ver) : json_null(),
                               "num_created_examples", (json_int_t)res->created,
                               "num_updated_examples", (json_int_t)res->updated,
                               "num_deleted_examples", (json_int_t)res->deleted));
}

static bool ctype_is(const char *ct, const char *t) {
    size_t m = strlen(t);
    return ct && strncasecmp(ct, t, m) == 0 && (ct[m] == '\0' || ct[m] == ';' || ct[m] == ' ');
}

/* POST /v1/datasets/upload: JSON or multipart/form-data.  Always
 * synchronous (?sync is accepted and ignored). */
static void h_upload(as_req *r) {
    const char *ct = as_req_header(r, "Content-Type");
    as_upload_result res;
    as_err e;
    as_rc rc;
    if (ctype_is(ct, "multipart/form-data")) {
        as_ds_form form;
        rc = as_ds_form_parse(ct, r->body.data ? r->body.data : "", r->body.len, &form, &e);
        if (rc == AS_OK) {
            rc = as_ds_upload_form(r->srv->store, &form, as_req_body_cap(r), &res, &e);
            as_ds_form_release(&form);
        }
        reply_upload(r, rc, &res, &e);
        return;
    }
    if (ct && !ctype_is(ct, "application/json")) {
        as_reply_errorf(r, AS_EUNSUPPORTED, "unsupported Content-Type '%.80s': send "
                        "application/json or multipart/form-data", ct);
        return;
    }
    rc = as_ds_upload_json(r->srv->store, r->body.data ? r->body.data : "", r->body.len,
                           &res, &e);
    reply_upload(r, rc, &res, &e);
}

/* ---- examples -------------------------------------------------------------- */

typedef struct list_ctx {
    as_buf *out;
    size_t n;
} list_ctx;

static as_rc put_gid(as_buf *b, const char *type, int64_t id) {
    char g[AS_GLOBALID_MAX];
    as_globalid_encode(type, id, g);
    return as_buf_json_str(b, g, strlen(g));
}

static as_rc put_example(void *ud, const as_example_row *ex, as_err *err) {
    list_ctx *c = ud;
    as_buf *b = c->out;
    char iso[AS_ISO_MAX];
    as_time_iso(ex->updated_at, iso);
    if (c->n++) as_buf_putc(b, ',');
    as_buf_puts(b, "{\"id\":");
    put_gid(b, "DatasetExample", ex->id);
    as_buf_puts(b, ",\"node_id\":");
    put_gid(b, "DatasetExample", ex->id);
    as_buf_puts(b, ",\"input\":");
    as_buf_append(b, ex->input, ex->input_len);
    as_buf_puts(b, ",\"output\":");
    as_buf_append(b, ex->output, ex->output_len);
    as_buf_puts(b, ",\"metadata\":");
    as_buf_append(b, ex->metadata, ex->metadata_len);
    as_buf_puts(b, ",\"updated_at\":");
    as_buf_json_str(b, iso, strlen(iso));
    as_buf_puts(b, ",\"external_id\":");
    if (ex->external_id) as_buf_json_str(b, ex->external_id, strlen(ex->external_id));
    else as_buf_puts(b, "null");
    as_buf_puts(b, ",\"source_span_id\":");
    if (ex->source_span_id) as_buf_json_str(b, ex->source_span_id, strlen(ex->source_span_id));
    else as_buf_puts(b, "null");
    as_buf_puts(b, ",\"splits\":");
    as_rc rc = as_buf_puts(b, ex->splits ? ex->splits : "[]");
    if (rc == AS_OK) rc = as_buf_putc(b, '}');
    if (rc != AS_OK) return as_err_set(err, rc, "the answer is too large");
    return AS_OK;
}

static void h_examples(as_req *r) {
    int64_t id, ver;
    if (!req_version(r, &ver) || !req_dataset(r, &id, NULL)) return;
    const char *splits[MAX_SPLITS];
    size_t ns = as_req_query_all(r, "split", splits, MAX_SPLITS);
    as_example_query q = { .dataset_id = id, .version_id = ver,
                           .splits = { splits, ns } };
    as_err e;
    if (ver == 0) {
        /* the latest version, named before the examples are written */
        json_t *rows;
        int64_t next;
        if (as_store_dataset_versions(r->srv->store, id, 0, 1, &rows, &next, &e) != AS_OK) {
            as_reply_err(r, &e);
            return;
        }
        ver = json_integer_value(json_object_get(json_array_get(rows, 0), "id"));
        json_decref(rows);
    }
    q.version_id = ver;
    as_buf *b = &r->out;
    as_buf_reset(b);
    as_buf_puts(b, "{\"data\":{\"dataset_id\":");
    put_gid(b, "Dataset", id);
    as_buf_puts(b, ",\"version_id\":");
    if (ver) put_gid(b, "DatasetVersion", ver);
    else as_buf_puts(b, "null");
    as_buf_puts(b, ",\"filtered_splits\":[");
    for (size_t i = 0; i < ns; i++) {
        if (i) as_buf_putc(b, ',');
        as_buf_json_str(b, splits[i], strlen(splits[i]));
    }
    as_buf_puts(b, "],\"examples\":[");
    list_ctx c = { b, 0 };
    if (ver && as_store_dataset_examples_each(r->srv->store, &q, put_example, &c, NULL, NULL,
                                              &e) != AS_OK) {
        as_reply_err(r, &e);
        return;
    }
    as_buf_puts(b, "]}}");
    r->status = 200;
    r->content_type = "application/json";
}

/* PATCH /v1/datasets/{id}/examples/{example_id}: {input?, output?,
 * metadata?, splits?, version_description?}; DELETE removes the example.
 * Either makes a new version when something changed and answers
 * {dataset_id, version_id, changed, example (PATCH; null after DELETE)}. */
static void example_edit(as_req *r, bool remove) {
    int64_t id, ex;
    if (!req_dataset(r, &id, NULL)) return;
    if (!as_id_parse(r->params[1], "DatasetExample", &ex)) {
        as_reply_errorf(r, AS_EUNPROCESSABLE, "'%.60s' is not a DatasetExample id",
                        r->params[1]);
        return;
    }
    as_example_edit ed = { .remove = remove };
    json_t *body = NULL;
    if (!remove) {
        if (!(body = as_req_json_body(r))) return;
        static const char *const fields[] = { "input", "output", "metadata", "splits",
                                              "version_description" };
        const char *k;
        json_t *v;
        json_object_foreach(body, k, v) {
            size_t i = 0;
            while (i < 5 && strcmp(k, fields[i]) != 0) i++;
            if (i == 5) {
                as_reply_errorf(r, AS_EUNPROCESSABLE, "unknown field '%.60s' (fields: input, "
                                "output, metadata, splits, version_description)", k);
                json_decref(body);
                return;
            }
        }
        ed.input = json_object_get(body, "input");
        ed.output = json_object_get(body, "output");
        ed.metadata = json_object_get(body, "metadata");
        ed.splits = json_object_get(body, "splits");
        json_t *desc = json_object_get(body, "version_description");
        if (desc && !json_is_string(desc) && !json_is_null(desc)) {
            as_reply_errorf(r, AS_EUNPROCESSABLE, "'version_description' must be a string");
            json_decref(body);
            return;
        }
        ed.description = json_string_value(desc);
    }
    as_upload_result res;
    as_err e;
    as_rc rc = as_store_dataset_example_edit(r->srv->store, id, ex, &ed, &res, &e);
    json_decref(body);
    if (rc != AS_OK) {
        as_reply_err(r, &e);
        return;
    }
    as_buf *b = &r->out;
    as_buf_reset(b);
    as_buf_puts(b, "{\"data\":{\"dataset_id\":");
    put_gid(b, "Dataset", id);
    as_buf_puts(b, ",\"version_id\":");
    put_gid(b, "DatasetVersion", res.version_id);
    as_buf_puts(b, res.new_version ? ",\"changed\":true" : ",\"changed\":false");
    as_buf_puts(b, ",\"example\":");
    list_ctx c = { b, 0 };
    as_example_query q = { .dataset_id = id, .version_id = res.version_id,
                           .after_id = ex - 1, .limit = 1 };
    if (!remove && as_store_dataset_examples_each(r->srv->store, &q, put_example, &c, NULL,
                                                  NULL, &e) != AS_OK) {
        as_reply_err(r, &e);
        return;
    }
    if (c.n == 0) as_buf_puts(b, "null");
    as_buf_puts(b, "}}");
    r->status = 200;
    r->content_type = "application/json";
}

static void h_example_patch(as_req *r) { example_edit(r, false); }
static void h_example_delete(as_req *r) { example_edit(r, true); }

/* ---- downloads ----------------------------------------------------------- */

/* The dataset as a file named "<dataset name>.<ext>". */
static void download(as_req *r, as_ds_export_format fmt, const char *ctype, const char *ext) {
    int64_t id, ver;
    json_t *row;
    if (!req_version(r, &ver) || !req_dataset(r, &id, &row)) return;
    as_buf_reset(&r->out);
    as_err e;
    if (as_ds_export(r->srv->store, id, ver, fmt, &r->out, &e) != AS_OK) {
        json_decref(row);
        as_reply_err(r, &e);
        return;
    }
    as_reply_attachment(r, json_string_value(json_object_get(row, "name")), ext);
    json_decref(row);
    r->status = 200;
    r->content_type = ctype;
}

static void h_csv(as_req *r) { download(r, AS_DS_EXPORT_CSV, "text/csv", "csv"); }
static void h_jsonl(as_req *r) { download(r, AS_DS_EXPORT_JSONL, "text/plain", "jsonl"); }
static void h_openai_ft(as_req *r) {
    download(r, AS_DS_EXPORT_OPENAI_FT, "text/plain", "jsonl");
}
static void h_openai_evals(as_req *r) {
    download(r, AS_DS_EXPORT_OPENAI_EVALS, "text/plain", "jsonl");
}

/* POST /v1/datasets/from_spans {name, action?, description?, span_ids[]}:
 * the action defaults to append, creating the dataset when it does not
 * exist (see docs/datasets.md). */
static void h_from_spans(as_req *r) {
    json_t *body = as_req_json_body(r);
    if (!body) return;
    as_err e;
    as_upload_result res;
    as_rc rc = AS_OK;
    const char *name = json_string_value(json_object_get(body, "name"));
    const char *desc = json_string_value(json_object_get(body, "description"));
    const char *act = json_string_value(json_object_get(body, "action"));
    json_t *ids = json_object_get(body, "span_ids");
    as_upload_action action = AS_UPLOAD_APPEND;
    const char **v = NULL;
    size_t n = json_array_size(ids);
    if (!name || !*name) rc = as_err_set(&e, AS_EUNPROCESSABLE, "'name' must be a non-empty string");
    else if (act && strcmp(act, "create") == 0) action = AS_UPLOAD_CREATE;
    else if (act && strcmp(act, "append") != 0)
        rc = as_err_set(&e, AS_EUNPROCESSABLE, "'action' must be create or append");
    if (rc == AS_OK && (!json_is_array(ids) || n == 0))
        rc = as_err_set(&e, AS_EUNPROCESSABLE, "'span_ids' must be a non-empty array of span ids");
    if (rc == AS_OK && n > MAX_FROM_SPANS)
        rc = as_err_set(&e, AS_ETOOBIG, "more than %d span ids", MAX_FROM_SPANS);
    if (rc == AS_OK) {
        v = calloc(n, sizeof(*v));
        for (size_t i = 0; rc == AS_OK && i < n; i++) {
            v[i] = json_string_value(json_array_get(ids, i));
            if (!v[i]) rc = as_err_set(&e, AS_EUNPROCESSABLE, "'span_ids'[%zu] must be a string", i);
        }
    }
    if (rc == AS_OK) {
        /* append-or-create unless create was asked for */
        json_t *row = NULL;
        if (action == AS_UPLOAD_APPEND &&
            as_store_dataset_get(r->srv->store, 0, name, &row, NULL) != AS_OK)
            action = AS_UPLOAD_CREATE;
        json_decref(row);
        rc = as_ds_from_spans(r->srv->store, name, desc, action, v, n, &res, &e);
    }
    free(v);
    json_decref(body);
    reply_upload(r, rc, &res, &e);
}

/* ---- labels (assay extension) -------------------------------------------
 * Global names with an optional #rrggbb colour, attached to datasets. */

#define LABEL_NAME_MAX 128

/* {id} of a label: a DatasetLabel GlobalID, a rowid, or a name. */
static bool req_label(as_req *r, const char *ident, int64_t *id, json_t **row) {
    int64_t lid = 0;
    as_err e;
    bool by_id = as_id_parse(ident, "DatasetLabel", &lid);
    json_t *got = NULL;
    if (as_store_dataset_label_get(r->srv->store, by_id ? lid : 0, by_id ? NULL : ident,
                                   &got, &e) != AS_OK) {
        as_reply_err(r, &e);
        return false;
    }
    *id = json_integer_value(json_object_get(got, "id"));
    if (row) *row = got;
    else json_decref(got);
    return true;
}

static bool valid_color(const char *c) {
    return strlen(c) == 7 && c[0] == '#' && as_is_hex(c + 1, 6);
}

static void h_labels_list(as_req *r) {
    json_t *rows;
    as_err e;
    if (as_store_dataset_label_list(r->srv->store, &rows, &e) != AS_OK) {
        as_reply_err(r, &e);
        return;
    }
    as_reply_data(r, wire_map(rows, wire_label));
    json_decref(rows);
}

static void h_label_create(as_req *r) {
    json_t *body = as_req_json_body(r);
    if (!body) return;
    const char *name = json_string_value(json_object_get(body, "name"));
    json_t *desc = json_object_get(body, "description");
    json_t *color = json_object_get(body, "color");
    if (!name || !*name || strlen(name) > LABEL_NAME_MAX)
        as_reply_errorf(r, AS_EUNPROCESSABLE, "'name' must be a string of 1 to %d bytes",
                        LABEL_NAME_MAX);
    else if (desc && !json_is_null(desc) && !json_is_string(desc))
        as_reply_error(r, AS_EUNPROCESSABLE, "'description' must be a string");
    else if (color && !json_is_null(color) &&
             !(json_is_string(color) && valid_color(json_string_value(color))))
        as_reply_error(r, AS_EUNPROCESSABLE, "'color' must be \"#rrggbb\"");
    else {
        json_t *row = NULL;
        as_err e;
        as_rc rc = as_store_dataset_label_create(r->srv->store, name,
                                                 json_string_value(desc),
                                                 json_string_value(color), &row, &e);
        as_reply_row(r, rc, row, wire_label, &e);
    }
    json_decref(body);
}

static void h_label_get(as_req *r) {
    int64_t id;
    json_t *row;
    if (req_label(r, r->params[0], &id, &row)) as_reply_row(r, AS_OK, row, wire_label, NULL);
}

static void h_label_delete(as_req *r) {
    int64_t id;
    as_err e;
    if (!req_label(r, r->params[0], &id, NULL)) return;
    as_reply_done(r, as_store_dataset_label_delete(r->srv->store, id, &e), &e);
}

/* PUT /v1/datasets/{id}/labels {"labels": [name or DatasetLabel id, ...]}:
 * the dataset's labels become exactly these. */
static void h_set_labels(as_req *r) {
    int64_t id;
    if (!req_dataset(r, &id, NULL)) return;
    json_t *body = as_req_json_body(r);
    if (!body) return;
    json_t *labels = json_object_get(body, "labels");
    if (!json_is_array(labels) || json_array_size(labels) > 256) {
        as_reply_error(r, AS_EUNPROCESSABLE, "'labels' must be an array of at most 256 "
                       "label names or ids");
        json_decref(body);
        return;
    }
    size_t n = json_array_size(labels);
    int64_t *ids = calloc(n + 1, sizeof(*ids));
    bool ok = ids != NULL;
    for (size_t i = 0; ok && i < n; i++) {
        const char *l = json_string_value(json_array_get(labels, i));
        if (!l) {
            as_reply_errorf(r, AS_EUNPROCESSABLE, "labels[%zu] must be a string", i);
            ok = false;
        } else {
            ok = req_label(r, l, &ids[i], NULL);
        }
    }
    as_err e;
    if (ok) {
        as_rc rc = as_store_dataset_set_labels(r->srv->store, id, ids, n, &e);
        json_t *row = NULL;
        if (rc == AS_OK) rc = as_store_dataset_get(r->srv->store, id, NULL, &row, &e);
        as_reply_row(r, rc, row, wire_dataset, &e);
    }
    free(ids);
    json_decref(body);
}

const as_route as_routes_datasets[] = {
    { "GET", "/v1/dataset_labels", h_labels_list, false, false },
    { "POST", "/v1/dataset_labels", h_label_create, false, false },
    { "GET", "/v1/dataset_labels/{}", h_label_get, false, false },
    { "DELETE", "/v1/dataset_labels/{}", h_label_delete, false, false },
    { "PUT", "/v1/datasets/{}/labels", h_set_labels, false, false },
    { "GET", "/v1/datasets", h_list, false, false },
    { "POST", "/v1/datasets/upload", h_upload, true, true },
    { "POST", "/v1/datasets/from_spans", h_from_spans, false, false },
    { "GET", "/v1/datasets/{}", h_get, false, false },
    { "DELETE", "/v1/datasets/{}", h_delete, false, false },
    { "GET", "/v1/datasets/{}/versions", h_versions, false, false },
    { "GET", "/v1/datasets/{}/examples", h_examples, false, false },
    { "PATCH", "/v1/datasets/{}/examples/{}", h_example_patch, false, false },
    { "DELETE", "/v1/datasets/{}/examples/{}", h_example_delete, false, false },
    { "GET", "/v1/datasets/{}/csv", h_csv, false, false },
    { "GET", "/v1/datasets/{}/jsonl", h_jsonl, false, false },
    { "GET", "/v1/datasets/{}/jsonl/openai_ft", h_openai_ft, false, false },
    { "GET", "/v1/datasets/{}/jsonl/openai_evals", h_openai_evals, false, false },
    { NULL, NULL, NULL, false, false },
};
