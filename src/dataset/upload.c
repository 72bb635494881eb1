/*
 * upload.c - uploads into example streams for as_store_dataset_upload.
 *
 * JSON bodies (Phoenix's parallel arrays) are checked whole first - every
 * array as long as inputs, every element of the right type - so that a
 * 422 names the field and index before anything is written.  Files are
 * read one row at a time while the store writes (one transaction): CSV
 * through the streaming reader of src/eval/rows.c (as_rows_open_mem),
 * JSONL line by line through jansson, because as_rows flattens JSON
 * values to text (the string "1" and the number 1 would become one) and
 * examples must keep their types.  Gzip is inflated into one buffer first
 * (capped), then parsed the same way.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#include "assay/dataset.h"
#include "assay/eval.h"
#include "assay/json.h"
#include "assay/utf8.h"

static const char *const action_names[] = { "create", "append", "update" };

bool as_ds_action_parse(const char *s, as_upload_action *out) {
    if (!s || !*s) { *out = AS_UPLOAD_CREATE; return true; }
    for (size_t i = 0; i < AS_ARRAY_LEN(action_names); i++)
        if (strcmp(s, action_names[i]) == 0) { *out = (as_upload_action)i; return true; }
    return false;
}

const char *as_ds_action_name(as_upload_action a) {
    return (size_t)a < AS_ARRAY_LEN(action_names) ? action_names[a] : "?";
}

as_rc as_ds_check_name(const char *name, as_err *err) {
    if (!name || !*name)
        return as_err_set(err, AS_EUNPROCESSABLE, "'name' must be a non-empty string");
    if (strlen(name) > AS_DS_NAME_MAX)
        return as_err_set(err, AS_EUNPROCESSABLE, "'name' is longer than %d characters",
                          AS_DS_NAME_MAX);
    if (!as_utf8_valid(name, strlen(name)))
        return as_err_set(err, AS_EUNPROCESSABLE, "'name' must be UTF-8 text");
    return AS_OK;
}

/* ---- JSON body ------------------------------------------------------------
 * Read with the arena reader of include/assay/json.h (a light DOM that
 * keeps each value's source text), not into one jansson tree: a 100 MB
 * body would cost several times its size as jansson nodes.  Each example's
 * objects become small jansson trees one at a time, from their text. */

typedef struct json_src {
    const as_jval *inputs, *outputs, *metadata, *splits, *span_ids, *example_ids;
    size_t i, n;
    json_t *cur[4];               /* input, output, metadata, splits       */
} json_src;

static void json_src_clear(json_src *s) {
    for (size_t k = 0; k < AS_ARRAY_LEN(s->cur); k++) {
        json_decref(s->cur[k]);
        s->cur[k] = NULL;
    }
}

/* A jansson copy of an object / array element (NULL for null / absent). */
static as_rc element(const as_jval *arr, size_t i, json_t **out, as_err *err) {
    const as_jval *v = arr ? as_json_at(arr, i) : NULL;
    *out = NULL;
    if (!v || v->type == AS_J_NULL) return AS_OK;
    if (v->type == AS_J_STR) {
        *out = json_stringn(v->u.str, v->n);
        return AS_OK;
    }
    json_error_t je;
    *out = json_loadb(v->src, v->src_len, JSON_DECODE_ANY, &je);
    if (!*out) return as_err_set(err, AS_EINVAL, "example %zu: %s", i, je.text);
    return AS_OK;
}

static as_rc json_next(void *ud, as_example_in *ex, bool *end, as_err *err) {
    json_src *s = ud;
    json_src_clear(s);
    if (s->i == s->n) { *end = true; return AS_OK; }
    size_t i = s->i++;
    const as_jval *arrs[4] = { s->inputs, s->outputs, s->metadata, s->splits };
    for (size_t k = 0; k < 4; k++) {
        as_rc rc = element(arrs[k], i, &s->cur[k], err);
        if (rc != AS_OK) return rc;
    }
    ex->input = s->cur[0];
    ex->output = s->cur[1];
    ex->metadata = s->cur[2];
    ex->splits = s->cur[3];
    ex->span_id = s->span_ids ? as_json_str(as_json_at(s->span_ids, i)) : NULL;
    ex->external_id = s->example_ids ? as_json_str(as_json_at(s->example_ids, i)) : NULL;
    return AS_OK;
}

typedef enum { EL_OBJECT, EL_SPLIT, EL_STRING } el_kind;

/* A non-empty string without NULs: ids and split names are used as C
 * strings, so "a\u0000b" would silently become "a". */
static bool nonempty_str(const as_jval *v) {
    return v->type == AS_J_STR && v->n > 0 && strlen(v->u.str) == v->n;
}

static bool has_nul(const as_jval *v) {
    return v && v->type == AS_J_STR && strlen(v->u.str) != v->n;
}

/* An optional array field: absent/null is fine; else an array of n
 * elements of the kind (null allowed except for objects of inputs). */
static as_rc check_array(const as_jval *body, const char *field, size_t n,
                         el_kind kind, bool required, const as_jval **out,
                         as_err *err) {
    const as_jval *a = as_json_get(body, field);
    *out = NULL;
    if (!a || a->type == AS_J_NULL) {
        if (required) return as_err_set(err, AS_EUNPROCESSABLE, "'%s' is required", field);
        return AS_OK;
    }
    if (a->type != AS_J_ARR)
        return as_err_set(err, AS_EUNPROCESSABLE, "'%s' must be an array", field);
    if (a->n != n)
        return as_err_set(err, AS_EUNPROCESSABLE,
                          "'%s' has %zu elements but 'inputs' has %zu: the arrays "
                          "must have equal lengths", field, a->n, n);
    for (size_t i = 0; i < n; i++) {
        const as_jval *v = as_json_at(a, i);
        bool ok;
        switch (kind) {
        case EL_OBJECT: ok = v->type == AS_J_OBJ || (!required && v->type == AS_J_NULL); break;
        case EL_STRING: ok = v->type == AS_J_NULL || nonempty_str(v); break;
        default:
            ok = v->type == AS_J_NULL || nonempty_str(v);
            if (v->type == AS_J_ARR) {
                ok = true;
                for (size_t k = 0; k < v->n; k++)
                    if (!nonempty_str(as_json_at(v, k))) ok = false;
            }
        }
        if (!ok)
            return as_err_set(err, AS_EUNPROCESSABLE, "'%s'[%zu] must be %s", field, i,
                              kind == EL_OBJECT ? (required ? "an object" : "an object or null")
                              : kind == EL_STRING ? "a non-empty string or null"
                              : "a split name, a list of split names, or null");
    }
    *out = a;
    return AS_OK;
}

static as_rc upload_jval(as_store *st, const as_jval *body, as_upload_result *res,
                         as_err *err) {
    if (body->type != AS_J_OBJ)
        return as_err_set(err, AS_EUNPROCESSABLE, "request body must be a JSON object");
    as_upload_action action = AS_UPLOAD_CREATE;
    const as_jval *act = as_json_get(body, "action");
    if (act && act->type != AS_J_NULL &&
        (act->type != AS_J_STR || !as_ds_action_parse(act->u.str, &action)))
        return as_err_set(err, AS_EUNPROCESSABLE,
                          "Invalid dataset action: must be create, append or update");
    const as_jval *jname = as_json_get(body, "name");
    const char *name = as_json_str(jname);
    as_rc rc = as_ds_check_name(name, err);
    if (rc != AS_OK) return rc;
    if (has_nul(jname))
        return as_err_set(err, AS_EUNPROCESSABLE, "'name' must not hold NUL characters");
    const as_jval *desc = as_json_get(body, "description");
    if ((desc && desc->type != AS_J_NULL && desc->type != AS_J_STR) || has_nul(desc))
        return as_err_set(err, AS_EUNPROCESSABLE, "'description' must be a string");
    const as_jval *inputs = as_json_get(body, "inputs");
    if (!inputs || inputs->type != AS_J_ARR)
        return as_err_set(err, AS_EUNPROCESSABLE, "'inputs' must be an array of objects");
    size_t n = inputs->n;
    if (n > AS_DS_MAX_EXAMPLES)
        return as_err_set(err, AS_ETOOBIG, "more than %d examples", AS_DS_MAX_EXAMPLES);
    json_src s = { .n = n };
    if ((rc = check_array(body, "inputs", n, EL_OBJECT, true, &s.inputs, err)) != AS_OK ||
        (rc = check_array(body, "outputs", n, EL_OBJECT, false, &s.outputs, err)) != AS_OK ||
        (rc = check_array(body, "metadata", n, EL_OBJECT, false, &s.metadata, err)) != AS_OK ||
        (rc = check_array(body, "splits", n, EL_SPLIT, false, &s.splits, err)) != AS_OK ||
        (rc = check_array(body, "span_ids", n, EL_STRING, false, &s.span_ids, err)) != AS_OK ||
        (rc = check_array(body, "example_ids", n, EL_STRING, false, &s.example_ids, err)) != AS_OK)
        return rc;
    as_dataset_upload up = { .name = name, .description = as_json_str(desc),
                             .action = action, .next = json_next, .ud = &s };
    rc = as_store_dataset_upload(st, &up, res, err);
    json_src_clear(&s);
    return rc;
}

as_rc as_ds_upload_json(as_store *st, const char *body, size_t n, as_upload_result *res,
                        as_err *err) {
    as_arena a;
    as_arena_init(&a);
    const as_jval *root;
    as_rc rc = as_json_read(body, n, &a, AS_JSON_MAX_DEPTH, &root, err);
    if (rc == AS_EINVAL) as_err_prefix(err, "invalid JSON: ");
    if (rc == AS_OK) rc = upload_jval(st, root, res, err);
    as_arena_release(&a);
    return rc;
}

/* ---- files ------------------------------------------------------------------ */

static bool ends_with_ci(const char *s, const char *suffix) {
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

/* Content type without parameters equals t? */
static bool ctype_is(const char *ct, const char *t) {
    size_t m = strlen(t);
    return ct && strncasecmp(ct, t, m) == 0 && (ct[m] == '\0' || ct[m] == ';' || ct[m] == ' ');
}

static as_rc gunzip(const char *data, size_t len, size_t max, as_buf *out,
                    const char *origin, as_err *err) {
    z_stream z;
    memset(&z, 0, sizeof(z));
    if (inflateInit2(&z, 15 + 32) != Z_OK)
        return as_err_set(err, AS_EINTERNAL, "%s: cannot start gunzip", origin);
    as_buf_init(out, max);
    z.next_in = (Bytef *)data;
    z.avail_in = (uInt)(len > UINT32_MAX ? UINT32_MAX : len);
    size_t left = len - z.avail_in;
    as_rc rc = AS_OK;
    int zr = Z_OK;
    while (rc == AS_OK && zr != Z_STREAM_END) {
        if (as_buf_reserve(out, 1 << 20) != AS_OK) {
            rc = as_err_set(err, AS_ETOOBIG, "%s: gunzipped data exceeds %zu bytes", origin, max);
            break;
        }
        size_t room = out->cap - out->len - 1;
        if (room > UINT32_MAX) room = UINT32_MAX;
        z.next_out = (Bytef *)out->data + out->len;
        z.avail_out = (uInt)room;
        zr = inflate(&z, Z_NO_FLUSH);
        out->len += room - z.avail_out;
        out->data[out->len] = '\0';
        if (out->len > max) {
            rc = as_err_set(err, AS_ETOOBIG, "%s: gunzipped data exceeds %zu bytes", origin, max);
        } else if (zr == Z_STREAM_END) {
            break;
        } else if (zr != Z_OK && zr != Z_BUF_ERROR) {
            rc = as_err_set(err, AS_EINVAL, "%s: corrupt gzip data (%s)", origin,
                            z.msg ? z.msg : "inflate failed");
        } else if (z.avail_in == 0) {
            if (left == 0) {
                if (z.avail_out != 0)
                    rc = as_err_set(err, AS_EINVAL, "%s: gzip data ends early (truncated?)", origin);
            } else {
                z.avail_in = (uInt)(left > UINT32_MAX ? UINT32_MAX : left);
                left -= z.avail_in;
            }
        }
    }
    inflateEnd(&z);
    if (rc != AS_OK) as_buf_release(out);
    return rc;
}

typedef struct file_src {
    const as_ds_file *f;
    const as_ds_keys *k;
    bool jsonl;
    /* CSV */
    as_rows *rows;
    as_row *row;
    /* JSONL */
    const char *p, *end;
    uint64_t line;
    json_t *obj;
    /* the example being handed out */
    json_t *input, *output, *metadata, *splits;
    char *span_id, *external_id;
} file_src;

static void src_clear(file_src *s) {
    json_decref(s->input);
    json_decref(s->output);
    json_decref(s->metadata);
    json_decref(s->splits);
    json_decref(s->obj);
    free(s->span_id);
    free(s->external_id);
    as_row_free(s->row);
    s->input = s->output = s->metadata = s->splits = s->obj = NULL;
    s->span_id = s->external_id = NULL;
    s->row = NULL;
}

/* The value of key in the current row as JSON (NULL when absent). */
static json_t *row_value(file_src *s, const char *key) {
    if (s->jsonl) {
        json_t *v = json_object_get(s->obj, key);
        return v ? json_incref(v) : NULL;
    }
    const char *v = as_row_get(s->row, key);
    return v ? json_string(v) : NULL;
}

static uint64_t cur_line(const file_src *s) { return s->jsonl ? s->line : s->row->line; }

static as_rc missing(file_src *s, const char *key, as_err *err) {
    return as_err_set(err, AS_EUNPROCESSABLE, "%s:%llu: key '%.100s' is missing",
                      s->f->origin, (unsigned long long)cur_line(s), key);
}

static as_rc pick(file_src *s, const char *const *keys, size_t n, json_t **out,
                  as_err *err) {
    *out = json_object();
    for (size_t i = 0; i < n; i++) {
        json_t *v = row_value(s, keys[i]);
        if (!v) return missing(s, keys[i], err);
        json_object_set_new(*out, keys[i], v);
    }
    return AS_OK;
}

/* A string column (ids): NULL when absent, null or empty. */
static as_rc opt_string(file_src *s, const char *key, char **out, as_err *err) {
    *out = NULL;
    if (!key) return AS_OK;
    json_t *v = row_value(s, key);
    if (!v) return missing(s, key, err);
    if (json_is_string(v) && *json_string_value(v)) *out = strdup(json_string_value(v));
    else if (!json_is_null(v) && !json_is_string(v)) {
        json_decref(v);
        return as_err_set(err, AS_EUNPROCESSABLE, "%s:%llu: '%.100s' must be a string",
                          s->f->origin, (unsigned long long)cur_line(s), key);
    }
    json_decref(v);
    return AS_OK;
}

/* split_key: a split name, or a JSON list of names (as text in CSV). */
static as_rc split_value(file_src *s, json_t *v, json_t **out, as_err *err) {
    *out = NULL;
    if (json_is_string(v)) {
        const char *t = json_string_value(v);
        while (*t == ' ' || *t == '\t') t++;
        if (*t == '\0') return AS_OK;
        if (*t == '[') {
            json_t *l = json_loads(t, 0, NULL);
            if (!json_is_array(l)) {
                json_decref(l);
                return as_err_set(err, AS_EUNPROCESSABLE,
                                  "%s:%llu: split value is not a JSON list of names",
                                  s->f->origin, (unsigned long long)cur_line(s));
            }
            *out = l;
            return AS_OK;
        }
        *out = json_incref(v);
        return AS_OK;
    }
    if (json_is_array(v)) { *out = json_incref(v); return AS_OK; }
    if (json_is_null(v)) return AS_OK;
    return as_err_set(err, AS_EUNPROCESSABLE, "%s:%llu: split value must be a name or a list",
                      s->f->origin, (unsigned long long)cur_line(s));
}

static as_rc build_keyed(file_src *s, as_err *err) {
    const as_ds_keys *k = s->k;
    as_rc rc = pick(s, k->input, k->n_input, &s->input, err);
    if (rc == AS_OK) rc = pick(s, k->output, k->n_output, &s->output, err);
    if (rc == AS_OK) rc = pick(s, k->metadata, k->n_metadata, &s->metadata, err);
    if (rc == AS_OK && k->split_key) {
        json_t *v = row_value(s, k->split_key);
        if (!v) return missing(s, k->split_key, err);
        rc = split_value(s, v, &s->splits, err);
        json_decref(v);
    }
    for (size_t i = 0; rc == AS_OK && i < k->n_splits; i++) {
        json_t *v = row_value(s, k->splits[i]);
        if (!v) return missing(s, k->splits[i], err);
        if (json_is_string(v) && *json_string_value(v)) {
            if (!s->splits) s->splits = json_array();
            else if (!json_is_array(s->splits)) {
                json_t *a = json_array();
                json_array_append(a, s->splits);
                json_decref(s->splits);
                s->splits = a;
            }
            json_array_append(s->splits, v);
        }
        json_decref(v);
    }
    if (rc == AS_OK) rc = opt_string(s, k->span_id_key, &s->span_id, err);
    if (rc == AS_OK) rc = opt_string(s, k->example_id_key, &s->external_id, err);
    return rc;
}

/* JSONL in the export shape: {input{}, output?{}, metadata?{}, splits?,
 * id?, span_id?}. */
static as_rc build_shaped(file_src *s, as_err *err) {
    static const char *const fields[] = { "input", "output", "metadata" };
    json_t **dst[] = { &s->input, &s->output, &s->metadata };
    for (size_t i = 0; i < 3; i++) {
        json_t *v = json_object_get(s->obj, fields[i]);
        if (!v && i == 0) return missing(s, "input", err);
        if (v && !json_is_null(v) && !json_is_object(v))
            return as_err_set(err, AS_EUNPROCESSABLE, "%s:%llu: '%s' must be an object",
                              s->f->origin, (unsigned long long)s->line, fields[i]);
        *dst[i] = json_is_object(v) ? json_incref(v) : NULL;
    }
    json_t *sp = json_object_get(s->obj, "splits");
    as_rc rc = sp ? split_value(s, sp, &s->splits, err) : AS_OK;
    if (rc == AS_OK && json_object_get(s->obj, "id")) rc = opt_string(s, "id", &s->external_id, err);
    if (rc == AS_OK && json_object_get(s->obj, "span_id"))
        rc = opt_string(s, "span_id", &s->span_id, err);
    return rc;
}

/* Next non-blank JSONL line into s->obj. */
static as_rc jsonl_row(file_src *s, bool *end, as_err *err) {
    for (;;) {
        if (s->p >= s->end) { *end = true; return AS_OK; }
        const char *nl = memchr(s->p, '\n', (size_t)(s->end - s->p));
        const char *stop = nl ? nl : s->end;
        const char *a = s->p;
        s->p = nl ? nl + 1 : s->end;
        s->line++;
        if (s->line == 1 && stop - a >= 3 && memcmp(a, "\xEF\xBB\xBF", 3) == 0) a += 3;
        const char *b = stop;
        while (b > a && (b[-1] == '\r' || b[-1] == ' ' || b[-1] == '\t')) b--;
        const char *t = a;
        while (t < b && (*t == ' ' || *t == '\t')) t++;
        if (t == b) continue;
        if ((size_t)(b - a) > AS_ROWS_MAX_FIELD)
            return as_err_set(err, AS_ETOOBIG, "%s:%llu: line longer than %u bytes",
                              s->f->origin, (unsigned long long)s->line, AS_ROWS_MAX_FIELD);
        json_error_t je;
        s->obj = json_loadb(a, (size_t)(b - a), JSON_REJECT_DUPLICATES, &je);
        if (!s->obj)
            return as_err_set(err, AS_EINVAL, "%s:%llu:%d: %s", s->f->origin,
                              (unsigned long long)s->line, je.column, je.text);
        if (!json_is_object(s->obj))
            return as_err_set(err, AS_EINVAL, "%s:%llu: a line must be a JSON object",
                              s->f->origin, (unsigned long long)s->line);
        return AS_OK;
    }
}

static as_rc file_next(void *ud, as_example_in *ex, bool *end, as_err *err) {
    file_src *s = ud;
    src_clear(s);
    as_rc rc;
    if (s->jsonl) {
        rc = jsonl_row(s, end, err);
    } else {
        rc = as_rows_next(s->rows, &s->row, err);
        if (rc == AS_OK && !s->row) *end = true;
    }
    if (rc != AS_OK || *end) return rc;
    rc = s->k->n_input || !s->jsonl ? build_keyed(s, err) : build_shaped(s, err);
    if (rc != AS_OK) return rc;
    ex->input = s->input;
    ex->output = s->output;
    ex->metadata = s->metadata;
    ex->splits = s->splits;
    ex->span_id = s->span_id;
    ex->external_id = s->external_id;
    return AS_OK;
}

as_rc as_ds_upload_file(as_store *st, const as_ds_file *f, as_upload_result *res,
                        as_err *err) {
    as_rc rc = as_ds_check_name(f->name, err);
    if (rc != AS_OK) return rc;
    if (f->description && !as_utf8_valid(f->description, strlen(f->description)))
        return as_err_set(err, AS_EUNPROCESSABLE, "'description' must be UTF-8 text");
    const char *fname = f->filename ? f->filename : "";
    const char *ct = f->content_type;
    bool gz = ctype_is(ct, "application/gzip") || ctype_is(ct, "application/x-gzip") ||
              ends_with_ci(fname, ".gz") ||
              (f->len >= 2 && (unsigned char)f->data[0] == 0x1f &&
               (unsigned char)f->data[1] == 0x8b);
    bool jsonl, known = true;
    char base[512];
    snprintf(base, sizeof(base), "%s", fname);
    if (ends_with_ci(base, ".gz")) base[strlen(base) - 3] = '\0';
    if (ctype_is(ct, "text/csv")) jsonl = false;
    else if (ctype_is(ct, "application/jsonl") || ctype_is(ct, "application/x-ndjson") ||
             ctype_is(ct, "application/json") || ctype_is(ct, "application/x-jsonlines"))
        jsonl = true;
    else if (ends_with_ci(base, ".csv")) jsonl = false;
    else if (ends_with_ci(base, ".jsonl") || ends_with_ci(base, ".ndjson") ||
             ends_with_ci(base, ".json"))
        jsonl = true;
    else known = false;
    if (!known)
        return as_err_set(err, AS_EUNSUPPORTED,
                          "%s: cannot tell the file format: send Content-Type text/csv, "
                          "application/jsonl or application/x-ndjson, or a .csv / .jsonl "
                          "file name", f->origin);
    if (!jsonl && f->keys.n_input == 0)
        return as_err_set(err, AS_EUNPROCESSABLE, "input_keys[] is required for CSV files");
    as_buf plain;
    as_buf_init(&plain, 0);
    const char *data = f->data;
    size_t len = f->len;
    if (gz) {
        rc = gunzip(f->data, f->len, f->max_inflated ? f->max_inflated : (size_t)1 << 30,
                    &plain, f->origin, err);
        if (rc != AS_OK) return rc;
        data = plain.data ? plain.data : "";
        len = plain.len;
    }
    file_src s = { .f = f, .k = &f->keys, .jsonl = jsonl, .p = data, .end = data + len };
    if (!jsonl) {
        rc = as_rows_open_mem(data, len, false, f->origin, &s.rows, err);
        if (rc == AS_OK) {
            const char *const *cols;
            size_t nc = as_rows_columns(s.rows, &cols);
            const as_ds_keys *k = &f->keys;
            const char *const *lists[] = { k->input, k->output, k->metadata, k->splits };
            size_t ns[] = { k->n_input, k->n_output, k->n_metadata, k->n_splits };
            for (size_t l = 0; rc == AS_OK && l < 4; l++)
                for (size_t i = 0; rc == AS_OK && i < ns[l]; i++) {
                    bool found = false;
                    for (size_t c = 0; c < nc && !found; c++) found = strcmp(cols[c], lists[l][i]) == 0;
                    if (!found && nc)
                        rc = as_err_set(err, AS_EUNPROCESSABLE,
                                        "%s:1: column '%.100s' is not in the header",
                                        f->origin, lists[l][i]);
                }
        }
    }
    if (rc == AS_OK) {
        as_dataset_upload up = { .name = f->name, .description = f->description,
                                 .action = f->action, .next = file_next, .ud = &s };
        rc = as_store_dataset_upload(st, &up, res, err);
    }
    src_clear(&s);
    if (s.rows) as_rows_close(s.rows);
    as_buf_release(&plain);
    return rc;
}

/* ---- the multipart form ----------------------------------------------------- */

static as_rc form_keys(const as_ds_form *form, const char *field, const char **out,
                       size_t *n, as_err *err) {
    char alt[64];
    snprintf(alt, sizeof(alt), "%s[]", field);
    *n = as_ds_form_all(form, alt, out, AS_DS_MAX_KEYS);
    *n += as_ds_form_all(form, field, out + *n, AS_DS_MAX_KEYS - *n);
    if (*n == AS_DS_MAX_KEYS)
        return as_err_set(err, AS_ETOOBIG, "'%s' names more than %d keys", alt,
                          AS_DS_MAX_KEYS - 1);
    for (size_t i = 0; i < *n; i++)
        if (!*out[i]) return as_err_set(err, AS_EUNPROCESSABLE, "'%s' has an empty key", alt);
    return AS_OK;
}

static const char *nonempty(const char *s) { return s && *s ? s : NULL; }

/* The text fields of the form must be UTF-8 without NULs: they become
 * dataset names, descriptions and JSON keys (jansson refuses other
 * bytes, and a NUL would cut the value short). */
static as_rc check_form_text(const as_ds_form *form, as_err *err) {
    static const char *const fields[] = {
        "name", "description", "action", "input_keys", "input_keys[]", "output_keys",
        "output_keys[]", "metadata_keys", "metadata_keys[]", "split_keys", "split_keys[]",
        "split_key", "span_id_key", "example_id_key"
    };
    for (size_t i = 0; i < form->n; i++) {
        const char *v = form->values ? form->values[i] : NULL;
        if (!v) continue;
        for (size_t k = 0; k < AS_ARRAY_LEN(fields); k++) {
            if (strcmp(form->parts[i].name, fields[k]) != 0) continue;
            if (strlen(v) != form->parts[i].len || !as_utf8_valid(v, form->parts[i].len))
                return as_err_set(err, AS_EUNPROCESSABLE,
                                  "'%s' must be UTF-8 text without NUL characters", fields[k]);
        }
    }
    return AS_OK;
}

as_rc as_ds_upload_form(as_store *st, const as_ds_form *form, size_t max_inflated,
                        as_upload_result *res, as_err *err) {
    as_ds_file f;
    memset(&f, 0, sizeof(f));
    as_rc rc = check_form_text(form, err);
    if (rc != AS_OK) return rc;
    f.name = as_ds_form_get(form, "name");
    f.description = as_ds_form_get(form, "description");
    if (!as_ds_action_parse(as_ds_form_get(form, "action"), &f.action))
        return as_err_set(err, AS_EUNPROCESSABLE,
                          "Invalid dataset action: must be create, append or update");
    if ((rc = form_keys(form, "input_keys", f.keys.input, &f.keys.n_input, err)) != AS_OK ||
        (rc = form_keys(form, "output_keys", f.keys.output, &f.keys.n_output, err)) != AS_OK ||
        (rc = form_keys(form, "metadata_keys", f.keys.metadata, &f.keys.n_metadata, err)) != AS_OK ||
        (rc = form_keys(form, "split_keys", f.keys.splits, &f.keys.n_splits, err)) != AS_OK)
        return rc;
    f.keys.split_key = nonempty(as_ds_form_get(form, "split_key"));
    f.keys.span_id_key = nonempty(as_ds_form_get(form, "span_id_key"));
    f.keys.example_id_key = nonempty(as_ds_form_get(form, "example_id_key"));
    const as_ds_part *file = as_ds_form_file(form, "file");
    if (!file) return as_err_set(err, AS_EUNPROCESSABLE, "the form has no 'file' part");
    f.data = file->data;
    f.len = file->len;
    f.filename = file->filename;
    f.content_type = file->content_type;
    /* the origin names the file in error messages: UTF-8 only */
    f.origin = file->filename && *file->filename &&
               as_utf8_valid(file->filename, strlen(file->filename)) ? file->filename : "file";
    f.max_inflated = max_inflated;
    return as_ds_upload_file(st, &f, res, err);
}
