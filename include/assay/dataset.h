/*
 * dataset.h - the dataset library shared by the REST front end and the
 * CLI: turning uploads (a JSON body of parallel arrays, or a CSV / JSONL
 * file, optionally gzip, optionally inside multipart/form-data) into a
 * stream of examples for as_store_dataset_upload, exports in Phoenix's
 * download shapes, and datasets built from spans.
 *
 * Nothing here holds a whole dataset in memory: file rows are parsed one
 * at a time while the store writes them (one transaction), and exports
 * copy the stored JSON text of one example at a time.
 *
 * Errors follow include/assay/common.h: a malformed file is AS_EINVAL
 * naming origin, line (and column); a row without a key the upload names
 * is AS_EUNPROCESSABLE naming the key and the line.
 */
#ifndef ASSAY_DATASET_H
#define ASSAY_DATASET_H

#include "assay/buf.h"
#include "assay/store_datasets.h"

#define AS_DS_NAME_MAX 256
#define AS_DS_MAX_KEYS 256          /* per key list                          */
#define AS_DS_MAX_EXAMPLES 10000000 /* per upload                            */

/* "create" | "append" | "update" (NULL = create, Phoenix's default). */
bool as_ds_action_parse(const char *s, as_upload_action *out);
const char *as_ds_action_name(as_upload_action a);

/* ---- JSON upload ----------------------------------------------------------
 * body (n bytes of JSON text, borrowed): {action?, name, description?,
 * inputs[], outputs?[], metadata?[], splits?[], span_ids?[],
 * example_ids?[]} (Phoenix's JSON upload).  The arrays must all be as
 * long as inputs (422 naming the field and the lengths) and hold the right
 * types (422 naming field[index]; ids and split names are non-empty
 * strings without NULs), checked before anything is written.
 * Malformed JSON is AS_EINVAL naming line and column; nesting deeper than
 * AS_JSON_MAX_DEPTH is AS_ETOOBIG. */
as_rc as_ds_upload_json(as_store *st, const char *body, size_t n,
                        as_upload_result *res, as_err *err);

/* ---- file upload -------------------------------------------------------- */

/* Which columns (CSV) or keys (JSONL) make up an example.  With no input
 * keys, a JSONL file is read in the export shape: each line an object
 * {input{}, output?{}, metadata?{}, splits?, id?, span_id?}. */
typedef struct as_ds_keys {
    const char *input[AS_DS_MAX_KEYS];
    size_t n_input;
    const char *output[AS_DS_MAX_KEYS];
    size_t n_output;
    const char *metadata[AS_DS_MAX_KEYS];
    size_t n_metadata;
    const char *splits[AS_DS_MAX_KEYS]; /* split_keys[] (deprecated): each  */
    size_t n_splits;                    /* column's value is a split name   */
    const char *split_key;              /* one column: a name or JSON list  */
    const char *span_id_key;
    const char *example_id_key;
} as_ds_keys;

typedef struct as_ds_file {
    const char *name;
    const char *description;
    as_upload_action action;
    const char *data;               /* the file's bytes (borrowed)          */
    size_t len;
    const char *origin;             /* names the file in errors             */
    const char *content_type;       /* of the part / file, or NULL          */
    const char *filename;           /* for the format by extension, or NULL */
    size_t max_inflated;            /* cap on gunzipped size (0 = 1 GiB)    */
    as_ds_keys keys;
} as_ds_file;

/* Format from content type (text/csv, application/jsonl,
 * application/x-ndjson, application/json), else from the filename
 * extension (.csv, .jsonl, .ndjson, .json, each optionally + .gz).  Gzip
 * from the content type (application/gzip, application/x-gzip), a .gz
 * name or the magic bytes 1f 8b. */
as_rc as_ds_upload_file(as_store *st, const as_ds_file *f, as_upload_result *res,
                        as_err *err);

/* ---- multipart/form-data ------------------------------------------------ */

#define AS_DS_MAX_PARTS 4096

typedef struct as_ds_part {
    char *name;                     /* the form field name                   */
    char *filename;                 /* NULL when not a file                  */
    char *content_type;             /* NULL when absent                      */
    const char *data;               /* into the body (not NUL-terminated)    */
    size_t len;
} as_ds_part;

typedef struct as_ds_form {
    as_ds_part *parts;
    size_t n;
    char **values;                  /* NUL-terminated copies of each part's
                                       data for non-file parts (else NULL)  */
} as_ds_form;

/* Parse body by the boundary in content_type.  The parts point into body,
 * which must outlive the form.  as_ds_form_release frees the form. */
as_rc as_ds_form_parse(const char *content_type, const char *body, size_t n,
                       as_ds_form *form, as_err *err);
void as_ds_form_release(as_ds_form *form);
/* First value of a field (NULL when absent); a file part returns NULL. */
const char *as_ds_form_get(const as_ds_form *form, const char *name);
/* Every value of a field, into out (up to max); returns the count. */
size_t as_ds_form_all(const as_ds_form *form, const char *name, const char **out,
                      size_t max);
const as_ds_part *as_ds_form_file(const as_ds_form *form, const char *name);

/* The whole multipart upload: the fields of Phoenix's form (name,
 * description, action, input_keys[], output_keys[], metadata_keys[],
 * split_key, split_keys[], span_id_key, example_id_key, file).  Those
 * text fields must be UTF-8 without NULs (else AS_EUNPROCESSABLE naming
 * the field); a file name that is not UTF-8 is called "file" in errors. */
as_rc as_ds_upload_form(as_store *st, const as_ds_form *form, size_t max_inflated,
                        as_upload_result *res, as_err *err);

/* ---- exports ------------------------------------------------------------ */

typedef enum as_ds_export_format {
    AS_DS_EXPORT_CSV,
    AS_DS_EXPORT_JSONL,             /* {"input","output","metadata"} a line  */
    AS_DS_EXPORT_OPENAI_FT,         /* {"messages": input.messages ++ output.messages} */
    AS_DS_EXPORT_OPENAI_EVALS       /* {"messages", "ideal"}                 */
} as_ds_export_format;

bool as_ds_export_format_parse(const char *s, as_ds_export_format *out);
/* Append the dataset's examples at version (0 = latest) to out. */
as_rc as_ds_export(as_store *st, int64_t dataset_id, int64_t version_id,
                   as_ds_export_format fmt, as_buf *out, as_err *err);

/* ---- identifiers ---------------------------------------------------------- */

/* A dataset by GlobalID ("Dataset:N"), else by name, else (CLI) by a
 * plain rowid.  *row (may be NULL) receives the dataset object. */
as_rc as_ds_resolve(as_store *st, const char *ident, int64_t *id, json_t **row,
                    as_err *err);

/* ---- from spans ------------------------------------------------------------
 * One example per span: input / output from the span's input.value /
 * output.value (a JSON object value is used as it is; other text becomes
 * {"input": text} / {"output": text}), metadata {span_name, span_kind,
 * trace_id, span_id}, linked to the span.  Unknown span ids are
 * ENOTFOUND naming them; nothing is written then. */
/* A dataset name: non-empty UTF-8, at most AS_DS_NAME_MAX bytes; else
 * AS_EUNPROCESSABLE naming the problem. */
as_rc as_ds_check_name(const char *name, as_err *err);

as_rc as_ds_from_spans(as_store *st, const char *name, const char *description,
                       as_upload_action action, const char *const *span_ids,
                       size_t n, as_upload_result *res, as_err *err);

#endif
