/*
 * export.c - downloads in Phoenix's shapes, one example at a time from
 * the store's stored JSON text:
 *   csv           example_id, input_<k>..., output_<k>..., metadata_<k>...
 *                 (the union of keys in first-seen order: a first pass
 *                 collects them); strings as they are, other values as
 *                 compact JSON, missing values empty; RFC 4180 quoting.
 *   jsonl         {"input":{..},"output":{..},"metadata":{..}} a line.
 *   openai_ft     {"messages": input.messages ++ output.messages} (+ "tools"
 *                 from input.tools when present) a line.
 *   openai_evals  {"messages": input.messages, "ideal": content of the last
 *                 output message}; examples without both are left out.
 */
#include <stdlib.h>
#include <string.h>

#include "assay/dataset.h"
#include "assay/hex.h"

static const char *const format_names[] = { "csv", "jsonl", "openai_ft", "openai_evals" };

bool as_ds_export_format_parse(const char *s, as_ds_export_format *out) {
    for (size_t i = 0; s && i < AS_ARRAY_LEN(format_names); i++)
        if (strcmp(s, format_names[i]) == 0) { *out = (as_ds_export_format)i; return true; }
    return false;
}

typedef struct export_ctx {
    as_buf *out;
    as_ds_export_format fmt;
    json_t *cols[3];          /* csv: key sets (objects used as ordered sets) */
    bool collect;             /* csv: first pass                              */
} export_ctx;

static json_t *load(const char *s, size_t n) {
    json_t *v = json_loadb(s, n, 0, NULL);
    if (!json_is_object(v)) { json_decref(v); v = json_object(); }
    return v;
}

static as_rc put_csv_cell(as_buf *b, const char *s, size_t n) {
    bool quote = n && (s[0] == ' ' || s[n - 1] == ' ');
    for (size_t i = 0; i < n && !quote; i++)
        quote = s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r';
    if (!quote) return as_buf_append(b, s, n);
    as_buf_putc(b, '"');
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"') as_buf_putc(b, '"');
        as_buf_putc(b, s[i]);
    }
    return as_buf_putc(b, '"');
}

static as_rc put_csv_value(as_buf *b, const json_t *v) {
    if (!v || json_is_null(v)) return AS_OK;
    if (json_is_string(v)) return put_csv_cell(b, json_string_value(v), json_string_length(v));
    as_buf t;
    as_buf_init(&t, AS_BUF_UNLIMITED);
    as_rc rc = as_dataset_json_text(&t, v);
    if (rc == AS_OK) rc = put_csv_cell(b, t.data, t.len);
    as_buf_release(&t);
    return rc;
}

static as_rc put_json_line(as_buf *b, json_t *v) {
    as_rc rc = as_dataset_json_text(b, v);
    json_decref(v);
    if (rc == AS_OK) rc = as_buf_putc(b, '\n');
    return rc;
}

static as_rc export_one(void *ud, const as_example_row *ex, as_err *err) {
    export_ctx *c = ud;
    as_buf *b = c->out;
    as_rc rc = AS_OK;
    if (c->fmt == AS_DS_EXPORT_JSONL) {
        as_buf_puts(b, "{\"input\":");
        as_buf_append(b, ex->input, ex->input_len);
        as_buf_puts(b, ",\"output\":");
        as_buf_append(b, ex->output, ex->output_len);
        as_buf_puts(b, ",\"metadata\":");
        as_buf_append(b, ex->metadata, ex->metadata_len);
        rc = as_buf_puts(b, "}\n");
    } else if (c->fmt == AS_DS_EXPORT_CSV) {
        json_t *parts[3] = { load(ex->input, ex->input_len), load(ex->output, ex->output_len),
                             load(ex->metadata, ex->metadata_len) };
        if (c->collect) {
            for (int k = 0; k < 3; k++) {
                const char *key;
                json_t *v;
                json_object_foreach(parts[k], key, v)
                    if (!json_object_get(c->cols[k], key))
                        json_object_set_new(c->cols[k], key, json_true());
            }
        } else {
            char gid[AS_GLOBALID_MAX];
            as_globalid_encode("DatasetExample", ex->id, gid);
            as_buf_puts(b, gid);
            for (int k = 0; k < 3; k++) {
                const char *key;
                json_t *v;
                json_object_foreach(c->cols[k], key, v) {
                    as_buf_putc(b, ',');
                    put_csv_value(b, json_object_get(parts[k], key));
                }
            }
            rc = as_buf_puts(b, "\r\n");
        }
        for (int k = 0; k < 3; k++) json_decref(parts[k]);
    } else {
        json_t *in = load(ex->input, ex->input_len), *out = load(ex->output, ex->output_len);
        json_t *im = json_object_get(in, "messages"), *om = json_object_get(out, "messages");
        if (c->fmt == AS_DS_EXPORT_OPENAI_FT) {
            json_t *msgs = json_array();
            if (json_is_array(im)) json_array_extend(msgs, im);
            if (json_is_array(om)) json_array_extend(msgs, om);
            json_t *line = json_pack("{s:o}", "messages", msgs);
            json_t *tools = json_object_get(in, "tools");
            if (json_is_array(tools) && json_array_size(tools))
                json_object_set(line, "tools", tools);
            rc = put_json_line(b, line);
        } else {
            json_t *last = json_is_array(om) && json_array_size(om)
                               ? json_array_get(om, json_array_size(om) - 1) : NULL;
            json_t *ideal = json_object_get(last, "content");
            if (json_is_array(im) && json_is_string(ideal))
                rc = put_json_line(b, json_pack("{s:O, s:O}", "messages", im, "ideal", ideal));
        }
        json_decref(in);
        json_decref(out);
    }
    if (rc != AS_OK) return as_err_set(err, rc, "the export is too large");
    return AS_OK;
}

as_rc as_ds_export(as_store *st, int64_t ds, int64_t ver, as_ds_export_format fmt,
                   as_buf *out, as_err *err) {
    export_ctx c = { .out = out, .fmt = fmt };
    as_example_query q = { .dataset_id = ds, .version_id = ver };
    if (fmt != AS_DS_EXPORT_CSV)
        return as_store_dataset_examples_each(st, &q, export_one, &c, NULL, NULL, err);
    static const char *const prefix[3] = { "input_", "output_", "metadata_" };
    for (int k = 0; k < 3; k++) c.cols[k] = json_object();
    c.collect = true;
    int64_t used = 0;
    as_rc rc = as_store_dataset_examples_each(st, &q, export_one, &c, &used, NULL, err);
    if (rc == AS_OK) {
        as_buf_puts(out, "example_id");
        for (int k = 0; k < 3; k++) {
            const char *key;
            json_t *v;
            json_object_foreach(c.cols[k], key, v) {
                size_t pl = strlen(prefix[k]), kl = strlen(key);
                char *name = malloc(pl + kl + 1);
                memcpy(name, prefix[k], pl);
                memcpy(name + pl, key, kl + 1);
                as_buf_putc(out, ',');
                put_csv_cell(out, name, pl + kl);
                free(name);
            }
        }
        as_buf_puts(out, "\r\n");
        c.collect = false;
        q.version_id = used;           /* the same version on both passes */
        rc = as_store_dataset_examples_each(st, &q, export_one, &c, NULL, NULL, err);
    }
    for (int k = 0; k < 3; k++) json_decref(c.cols[k]);
    return rc;
}
