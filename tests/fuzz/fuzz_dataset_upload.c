/*
 * fuzz_dataset_upload.c - libFuzzer target for the whole dataset upload
 * path (dataset.h) against a real SQLite store, opened once in a
 * temporary data directory (sync_full off) and removed at exit.
 *
 * The first byte picks the kind of upload (even: JSON, e.g. 'j'; odd:
 * multipart, e.g. 'm'); the rest is a Phoenix JSON upload body for
 * as_ds_upload_json, or a Content-Type line and a multipart body (split
 * on the first LF, as fuzz_dataset_form) for as_ds_form_parse +
 * as_ds_upload_form (gunzip capped at 1 MiB).  Before each input the
 * store holds one dataset "fz" (examples with ids "e1", "e2", "e3", splits
 * "train" / "test", a description), so that append / update / create
 * conflicts have something to work on.  Whatever the bytes:
 *   - no crash, leak or undefined behaviour (ASan/UBSan);
 *   - a failing upload returns one of the documented codes with a
 *     message and leaves the store unchanged: a fingerprint of every
 *     dataset table (row counts, highest ids, descriptions, times) is the
 *     same before and after;
 *   - a successful one is readable back: the dataset exists, its examples
 *     at the version the upload names (as_store_dataset_examples) are as
 *     many as the dataset's example_count, each with object input /
 *     output / metadata and a splits array; a create made exactly
 *     `created` examples and nothing else; the dataset exports as CSV and
 *     JSONL, and the JSONL export uploads again as a new dataset with the
 *     same number of examples.
 * After each input every dataset but "fz" is deleted and "fz" is rebuilt
 * when the input changed it, so the store stays small.
 * Seeds: tests/fuzz/corpus/dataset_upload/.  Built by `make fuzz`
 * (build/fuzz/fuzz/fuzz_dataset_upload); run e.g.
 *   build/fuzz/fuzz/fuzz_dataset_upload -max_len=8192 tests/fuzz/corpus/dataset_upload
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assay/buf.h"
#include "assay/dataset.h"
#include "assay/store.h"
#include "assay/store_datasets.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static as_store *g_st;
static sqlite3 *g_db;                 /* a second connection, for fingerprints */
static char g_dir[64];
static int64_t g_base_id, g_base_version;

static const char BASE_BODY[] =
    "{\"name\":\"fz\",\"description\":\"base\","
    "\"inputs\":[{\"q\":\"one\"},{\"q\":\"two\",\"n\":2},{\"q\":\"three\"}],"
    "\"outputs\":[{\"a\":1},null,{\"a\":[3]}],"
    "\"metadata\":[{\"m\":\"x\"},{},null],"
    "\"splits\":[\"train\",[\"train\",\"test\"],null],"
    "\"example_ids\":[\"e1\",\"e2\",\"e3\"]}";

static void die(const char *what, const char *detail) {
    fprintf(stderr, "fuzz_dataset_upload: %s: %s\n", what, detail ? detail : "");
    abort();
}

static void cleanup_dir(void) {
    if (g_st) as_store_close(g_st);
    g_st = NULL;
    if (g_db) sqlite3_close(g_db);
    g_db = NULL;
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_dir);
    if (g_dir[0] && system(cmd) != 0) fprintf(stderr, "could not remove %s\n", g_dir);
}

static void make_base(void) {
    as_upload_result res;
    as_err err;
    if (as_ds_upload_json(g_st, BASE_BODY, strlen(BASE_BODY), &res, &err) != AS_OK)
        die("base dataset", err.msg);
    g_base_id = res.dataset_id;
    g_base_version = res.version_id;
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    snprintf(g_dir, sizeof(g_dir), "/tmp/assay-fuzz-ds-XXXXXX");
    if (!mkdtemp(g_dir)) die("mkdtemp", g_dir);
    atexit(cleanup_dir);
    as_store_config cfg;
    as_store_config_defaults(&cfg);
    cfg.data_dir = g_dir;
    cfg.sync_full = false;
    cfg.read_connections = 1;
    cfg.cache_kib = 4096;
    as_err err;
    if (as_store_open(&cfg, &g_st, &err) != AS_OK) die("store open", err.msg);
    if (sqlite3_open_v2(as_store_path(g_st), &g_db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
        die("second connection", sqlite3_errmsg(g_db));
    sqlite3_busy_timeout(g_db, 5000);
    make_base();
    return 0;
}

/* Every dataset table, summed up in one line of text (malloc'd). */
static char *fingerprint(void) {
    static const char sql[] =
        "SELECT (SELECT count(*) || '/' || coalesce(max(id), 0) || '/' || "
        "  coalesce(group_concat(id || ':' || name || ':' || coalesce(description, '~') || ':' "
        "  || updated_at, ','), '') FROM datasets)"
        " || ' v' || (SELECT count(*) || '/' || coalesce(max(id), 0) FROM dataset_versions)"
        " || ' e' || (SELECT count(*) || '/' || coalesce(max(id), 0) || '/' || "
        "  coalesce(sum(length(coalesce(external_id, '')) + length(coalesce(source_span_id, ''))), 0)"
        "  FROM dataset_examples)"
        " || ' r' || (SELECT count(*) || '/' || coalesce(max(id), 0) FROM dataset_example_revisions)"
        " || ' s' || (SELECT count(*) || '/' || coalesce(max(id), 0) FROM dataset_splits)"
        " || ' se' || (SELECT count(*) || '/' || coalesce(sum(split_id * 31 + example_id), 0)"
        "  FROM dataset_split_examples)";
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(g_db, sql, -1, &q, NULL) != SQLITE_OK)
        die("fingerprint", sqlite3_errmsg(g_db));
    if (sqlite3_step(q) != SQLITE_ROW) die("fingerprint step", sqlite3_errmsg(g_db));
    char *s = strdup((const char *)sqlite3_column_text(q, 0));
    sqlite3_finalize(q);
    return s;
}

static void check_failure(as_rc rc, const as_err *err) {
    switch (rc) {
    case AS_EINVAL: case AS_ETOOBIG: case AS_EUNPROCESSABLE: case AS_EUNSUPPORTED:
    case AS_ECONFLICT: case AS_ENOTFOUND:
        break;
    default:
        die("unexpected code", err->msg);
    }
    if (!err->msg[0]) die("error without a message", NULL);
}

static size_t count_lines(const as_buf *b) {
    size_t n = 0;
    for (size_t i = 0; i < b->len; i++) n += b->data[i] == '\n';
    return n;
}

/* The uploaded dataset reads back; returns its example count. */
static size_t check_readback(as_upload_action action, const as_upload_result *res) {
    as_err err;
    json_t *ds = NULL;
    if (as_store_dataset_get(g_st, res->dataset_id, NULL, &ds, &err) != AS_OK)
        die("uploaded dataset not found", err.msg);
    json_int_t count = json_integer_value(json_object_get(ds, "example_count"));
    json_decref(ds);
    if (res->version_id == 0) {
        if (count != 0 || res->created || res->updated || res->deleted)
            die("no version but examples", NULL);
        return 0;
    }
    as_example_query q = { .dataset_id = res->dataset_id, .version_id = res->version_id };
    json_t *rows = NULL;
    int64_t ver = 0;
    bool more = true;
    if (as_store_dataset_examples(g_st, &q, &rows, &ver, &more, &err) != AS_OK)
        die("examples of the upload", err.msg);
    if (ver != res->version_id || more) die("examples: version / has_next", NULL);
    size_t n = json_array_size(rows);
    if ((json_int_t)n != count) {
        fprintf(stderr, "examples %zu, example_count %lld, dataset %lld version %lld\n", n,
                (long long)count, (long long)res->dataset_id, (long long)res->version_id);
        die("examples differ from example_count", NULL);
    }
    for (size_t i = 0; i < n; i++) {
        json_t *ex = json_array_get(rows, i);
        if (!json_is_object(json_object_get(ex, "input")) ||
            !json_is_object(json_object_get(ex, "output")) ||
            !json_is_object(json_object_get(ex, "metadata")) ||
            !json_is_array(json_object_get(ex, "splits")))
            die("example shape", NULL);
    }
    json_decref(rows);
    if (res->created < 0 || res->updated < 0 || res->deleted < 0) die("negative counts", NULL);
    if (res->created + res->updated > (int64_t)n && action != AS_UPLOAD_UPDATE)
        die("more written than stored", NULL);
    if (action == AS_UPLOAD_CREATE &&
        ((int64_t)n != res->created || res->updated || res->deleted || !res->new_version))
        die("create counts", NULL);
    return n;
}

/* Export as CSV and JSONL; upload the JSONL again as "fz-rt". */
static void check_export(const as_upload_result *res, size_t n) {
    as_err err;
    as_buf csv, jl;
    as_buf_init(&csv, AS_BUF_UNLIMITED);
    as_buf_init(&jl, AS_BUF_UNLIMITED);
    if (as_ds_export(g_st, res->dataset_id, res->version_id, AS_DS_EXPORT_CSV, &csv, &err) != AS_OK)
        die("CSV export", err.msg);
    if (as_ds_export(g_st, res->dataset_id, res->version_id, AS_DS_EXPORT_JSONL, &jl, &err) != AS_OK)
        die("JSONL export", err.msg);
    if (count_lines(&jl) != n) die("JSONL export lines", NULL);
    if (n) {
        as_ds_file f;
        memset(&f, 0, sizeof(f));
        f.name = "fz-rt";
        f.data = jl.data;
        f.len = jl.len;
        f.origin = "export.jsonl";
        f.filename = "export.jsonl";
        as_upload_result r2;
        if (as_ds_upload_file(g_st, &f, &r2, &err) != AS_OK) die("re-upload of the export", err.msg);
        if (r2.created != (int64_t)n) die("re-upload count", NULL);
        if (as_store_dataset_delete(g_st, r2.dataset_id, &err) != AS_OK) die("delete", err.msg);
    }
    as_buf_release(&csv);
    as_buf_release(&jl);
}

/* Back to the one base dataset. */
static void reset_store(void) {
    as_err err;
    json_t *rows = NULL;
    int64_t next = 0;
    if (as_store_dataset_list(g_st, NULL, 0, 1000, &rows, &next, &err) != AS_OK)
        die("list", err.msg);
    bool base_ok = false;
    for (size_t i = 0; i < json_array_size(rows); i++) {
        int64_t id = json_integer_value(json_object_get(json_array_get(rows, i), "id"));
        if (id == g_base_id) { base_ok = true; continue; }
        if (as_store_dataset_delete(g_st, id, &err) != AS_OK) die("delete", err.msg);
    }
    json_decref(rows);
    if (base_ok) {
        json_t *ds = NULL;
        if (as_store_dataset_get(g_st, g_base_id, NULL, &ds, &err) != AS_OK) die("base", err.msg);
        const char *desc = json_string_value(json_object_get(ds, "description"));
        base_ok = desc && strcmp(desc, "base") == 0 &&
                  json_integer_value(json_object_get(ds, "example_count")) == 3;
        json_decref(ds);
        json_t *vers = NULL;
        if (base_ok && as_store_dataset_versions(g_st, g_base_id, 0, 2, &vers, &next, &err) != AS_OK)
            die("versions", err.msg);
        if (base_ok)
            base_ok = json_array_size(vers) == 1 &&
                      json_integer_value(json_object_get(json_array_get(vers, 0), "id")) ==
                          g_base_version;
        json_decref(vers);
        if (!base_ok && as_store_dataset_delete(g_st, g_base_id, &err) != AS_OK)
            die("delete base", err.msg);
    }
    if (!base_ok) make_base();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0) return 0;
    bool multipart = data[0] & 1;
    const char *in = (const char *)data + 1;
    size_t n = size - 1;
    char *before = fingerprint();
    as_upload_result res;
    memset(&res, 0, sizeof(res));
    as_err err;
    as_err_clear(&err);
    as_rc rc;
    as_upload_action action = AS_UPLOAD_CREATE;
    char *body = NULL, *ct = NULL;
    as_ds_form form;
    bool have_form = false;
    if (!multipart) {
        body = malloc(n ? n : 1);          /* own allocation: ASan sees overreads */
        if (n) memcpy(body, in, n);
        rc = as_ds_upload_json(g_st, body, n, &res, &err);
        if (rc == AS_OK) {
            /* the action, as the body names it */
            json_t *j = json_loadb(body, n, 0, NULL);
            const char *a = json_string_value(json_object_get(j, "action"));
            if (a && !as_ds_action_parse(a, &action)) die("accepted an unknown action", a);
            json_decref(j);
        }
    } else {
        const char *nl = memchr(in, '\n', n);
        if (!nl) { free(before); return 0; }
        size_t cl = (size_t)(nl - in);
        if (cl && in[cl - 1] == '\r') cl--;
        ct = malloc(cl + 1);
        memcpy(ct, in, cl);
        ct[cl] = '\0';
        size_t bn = n - (size_t)(nl + 1 - in);
        body = malloc(bn ? bn : 1);
        if (bn) memcpy(body, nl + 1, bn);
        rc = as_ds_form_parse(ct, body, bn, &form, &err);
        if (rc == AS_OK) {
            have_form = true;
            rc = as_ds_upload_form(g_st, &form, (size_t)1 << 20, &res, &err);
            if (rc == AS_OK && !as_ds_action_parse(as_ds_form_get(&form, "action"), &action))
                die("accepted an unknown action", NULL);
        }
    }
    if (rc != AS_OK) {
        check_failure(rc, &err);
        char *after = fingerprint();
        if (strcmp(before, after) != 0) {
            fprintf(stderr, "before: %s\nafter:  %s\nerror: %s\n", before, after, err.msg);
            die("a failed upload changed the store", err.msg);
        }
        free(after);
    } else {
        size_t count = check_readback(action, &res);
        check_export(&res, count);
    }
    if (have_form) as_ds_form_release(&form);
    free(body);
    free(ct);
    free(before);
    reset_store();
    return 0;
}
