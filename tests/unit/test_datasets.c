/* test_datasets.c - dataset versioning in the store (no-op re-uploads,
 * create / patch / delete counts, identity by external id and by content
 * hash, examples at an old version, splits), the content hash, and the
 * dataset library's parsers (JSON arrays, CSV / JSONL files with their
 * errors, gzip, multipart) and exports. */
#include <stdlib.h>
#include <unistd.h>
#include <zlib.h>

#include "harness.h"
#include "store_fixture.h"

#include "assay/dataset.h"
#include "assay/hex.h"
#include "assay/store_datasets.h"

/* Upload a JSON body given as text; returns the rc, fills res/err. */
static as_rc upload(as_store *st, const char *json, as_upload_result *res, as_err *err) {
    return as_ds_upload_json(st, json, strlen(json), res, err);
}

/* The examples of dataset ds at version ver as compact JSON of [input...]. */
static char *inputs_at(as_store *st, int64_t ds, int64_t ver) {
    as_example_query q = { .dataset_id = ds, .version_id = ver };
    json_t *rows, *row, *ins = json_array();
    int64_t used;
    bool more;
    if (as_store_dataset_examples(st, &q, &rows, &used, &more, NULL) != AS_OK) return strdup("ERR");
    size_t i;
    json_array_foreach(rows, i, row) json_array_append(ins, json_object_get(row, "input"));
    json_decref(rows);
    char *s = json_dumps(ins, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(ins);
    return s;
}

#define CHECK_INPUTS(st, ds, ver, expect) do { char *th_s = inputs_at(st, ds, ver); \
    CHECK_STR(th_s, expect); free(th_s); } while (0)

TEST(hash_stable) {
    char a[AS_CONTENT_HASH_LEN + 1], b[AS_CONTENT_HASH_LEN + 1], c[AS_CONTENT_HASH_LEN + 1];
    json_t *i1 = json_loads("{\"x\":1,\"y\":{\"b\":2,\"a\":[1,\"s\"]}}", 0, NULL);
    json_t *i2 = json_loads("{ \"y\" : {\"a\":[1,\"s\"],\"b\":2}, \"x\":1 }", 0, NULL);
    json_t *o = json_object();
    CHECK(as_dataset_content_hash(i1, o, NULL, a, NULL) == AS_OK);
    CHECK(as_dataset_content_hash(i2, NULL, o, b, NULL) == AS_OK);
    CHECK_STR(a, b);                                /* key order, NULL = {} */
    CHECK_INT(strlen(a), 32);
    json_object_set_new(o, "k", json_string("v"));
    CHECK(as_dataset_content_hash(i1, o, NULL, c, NULL) == AS_OK);
    CHECK(strcmp(a, c) != 0);
    /* the same content in output vs metadata differs */
    CHECK(as_dataset_content_hash(i1, NULL, o, b, NULL) == AS_OK);
    CHECK(strcmp(b, c) != 0);
    json_decref(i1);
    json_decref(i2);
    json_decref(o);
}

TEST(update_versions) {
    as_store *st = store_fixture_open("ds", NULL);
    as_upload_result r;
    as_err e;
    CHECK(upload(st, "{\"action\":\"update\",\"name\":\"d\",\"inputs\":[{\"q\":1},{\"q\":2},{\"q\":3}]}",
                 &r, &e) == AS_OK);
    CHECK_INT(r.created, 3);
    CHECK(r.new_version);
    int64_t ds = r.dataset_id, v1 = r.version_id;
    CHECK(v1 > 0);
    /* the same upload again: nothing changes, no version */
    CHECK(upload(st, "{\"action\":\"update\",\"name\":\"d\",\"inputs\":[{\"q\":2},{\"q\":1},{\"q\":3}]}",
                 &r, &e) == AS_OK);
    CHECK_INT(r.created + r.updated + r.deleted, 0);
    CHECK(!r.new_version);
    CHECK_INT(r.version_id, v1);
    json_t *vers;
    int64_t next;
    CHECK(as_store_dataset_versions(st, ds, 0, 10, &vers, &next, &e) == AS_OK);
    CHECK_INT(json_array_size(vers), 1);
    json_decref(vers);
    /* drop 2, add 4: one delete, one create */
    CHECK(upload(st, "{\"action\":\"update\",\"name\":\"d\",\"inputs\":[{\"q\":1},{\"q\":3},{\"q\":4}]}",
                 &r, &e) == AS_OK);
    CHECK_INT(r.created, 1);
    CHECK_INT(r.deleted, 1);
    CHECK_INT(r.updated, 0);
    int64_t v2 = r.version_id;
    CHECK(v2 > v1);
    CHECK_INPUTS(st, ds, 0, "[{\"q\":1},{\"q\":3},{\"q\":4}]");
    CHECK_INPUTS(st, ds, v1, "[{\"q\":1},{\"q\":2},{\"q\":3}]");   /* the old version */
    json_t *row;
    CHECK(as_store_dataset_get(st, ds, NULL, &row, &e) == AS_OK);
    CHECK_INT(json_integer_value(json_object_get(row, "example_count")), 3);
    json_decref(row);
    /* a version of another dataset is not found */
    CHECK(upload(st, "{\"name\":\"other\",\"inputs\":[{\"z\":1}]}", &r, &e) == AS_OK);
    as_example_query q = { .dataset_id = ds, .version_id = r.version_id };
    json_t *rows;
    int64_t used;
    bool more;
    CHECK(as_store_dataset_examples(st, &q, &rows, &used, &more, &e) == AS_ENOTFOUND);
    store_fixture_close(st);
}

TEST(external_ids_patch) {
    as_store *st = store_fixture_open("ds", NULL);
    as_upload_result r;
    as_err e;
    CHECK(upload(st, "{\"action\":\"update\",\"name\":\"d\",\"inputs\":[{\"q\":1},{\"q\":2}],"
                     "\"outputs\":[{\"a\":1},{\"a\":2}],\"example_ids\":[\"e1\",\"e2\"]}",
                 &r, &e) == AS_OK);
    CHECK_INT(r.created, 2);
    int64_t ds = r.dataset_id, v1 = r.version_id;
    /* e1 changes its output, e2 unchanged: one PATCH */
    CHECK(upload(st, "{\"action\":\"update\",\"name\":\"d\",\"inputs\":[{\"q\":1},{\"q\":2}],"
                     "\"outputs\":[{\"a\":10},{\"a\":2}],\"example_ids\":[\"e1\",\"e2\"]}",
                 &r, &e) == AS_OK);
    CHECK_INT(r.updated, 1);
    CHECK_INT(r.created, 0);
    CHECK_INT(r.deleted, 0);
    CHECK(r.version_id > v1);
    as_example_query q = { .dataset_id = ds };
    json_t *rows;
    int64_t used;
    bool more;
    CHECK(as_store_dataset_examples(st, &q, &rows, &used, &more, &e) == AS_OK);
    CHECK_INT(json_array_size(rows), 2);
    json_t *first = json_array_get(rows, 0);
    CHECK_STR(json_string_value(json_object_get(first, "external_id")), "e1");
    CHECK_INT(json_integer_value(json_object_get(json_object_get(first, "output"), "a")), 10);
    CHECK_INT(json_integer_value(json_object_get(first, "version_id")), r.version_id);
    json_decref(rows);
    /* append with an existing id and new content patches it; a new id creates */
    CHECK(upload(st, "{\"action\":\"append\",\"name\":\"d\",\"inputs\":[{\"q\":2},{\"q\":9}],"
                     "\"outputs\":[{\"a\":20},{}],\"example_ids\":[\"e2\",\"e9\"]}",
                 &r, &e) == AS_OK);
    CHECK_INT(r.updated, 1);
    CHECK_INT(r.created, 1);
    /* one id twice in one upload is refused, and nothing is written */
    int64_t before = r.version_id;
    CHECK(upload(st, "{\"action\":\"append\",\"name\":\"d\",\"inputs\":[{\"q\":5},{\"q\":6}],"
                     "\"example_ids\":[\"dup\",\"dup\"]}", &r, &e) == AS_EUNPROCESSABLE);
    CHECK(strstr(e.msg, "example 1") != NULL);
    CHECK(strstr(e.msg, "dup") != NULL);
    json_t *vers;
    int64_t next;
    CHECK(as_store_dataset_versions(st, ds, 0, 1, &vers, &next, &e) == AS_OK);
    CHECK_INT(json_integer_value(json_object_get(json_array_get(vers, 0), "id")), before);
    json_decref(vers);
    store_fixture_close(st);
}

TEST(actions_and_errors) {
    as_store *st = store_fixture_open("ds", NULL);
    as_upload_result r;
    as_err e;
    CHECK(upload(st, "{\"name\":\"d\",\"inputs\":[{\"q\":1}]}", &r, &e) == AS_OK);
    CHECK(upload(st, "{\"name\":\"d\",\"inputs\":[{\"q\":1}]}", &r, &e) == AS_ECONFLICT);
    CHECK(upload(st, "{\"action\":\"append\",\"name\":\"nope\",\"inputs\":[{}]}", &r, &e) == AS_ENOTFOUND);
    CHECK(upload(st, "{\"action\":\"bogus\",\"name\":\"x\",\"inputs\":[{}]}", &r, &e) == AS_EUNPROCESSABLE);
    CHECK(strstr(e.msg, "Invalid dataset action") != NULL);
    CHECK(upload(st, "{\"name\":\"x\",\"inputs\":[{},{}],\"outputs\":[{}]}", &r, &e) == AS_EUNPROCESSABLE);
    CHECK(strstr(e.msg, "'outputs'") != NULL);
    CHECK(upload(st, "{\"name\":\"x\",\"inputs\":[{},3]}", &r, &e) == AS_EUNPROCESSABLE);
    CHECK(strstr(e.msg, "'inputs'[1]") != NULL);
    CHECK(upload(st, "{\"name\":\"x\",\"inputs\":[{}],\"splits\":[[\"a\",2]]}", &r, &e) == AS_EUNPROCESSABLE);
    CHECK(strstr(e.msg, "'splits'[0]") != NULL);
    CHECK(upload(st, "{\"name\":\"x\",\"inputs\":[{}", &r, &e) == AS_EINVAL);
    CHECK(strstr(e.msg, "invalid JSON") && strstr(e.msg, "line 1"));
    CHECK(upload(st, "[1]", &r, &e) == AS_EUNPROCESSABLE);
    CHECK(upload(st, "{\"inputs\":[{}]}", &r, &e) == AS_EUNPROCESSABLE);
    CHECK(strstr(e.msg, "'name'") != NULL);
    /* append of identical content without ids adds (append never matches by hash) */
    CHECK(upload(st, "{\"action\":\"append\",\"name\":\"d\",\"inputs\":[{\"q\":1}]}", &r, &e) == AS_OK);
    CHECK_INT(r.created, 1);
    /* an update with an empty list deletes everything */
    CHECK(upload(st, "{\"action\":\"update\",\"name\":\"d\",\"inputs\":[]}", &r, &e) == AS_OK);
    CHECK_INT(r.deleted, 2);
    CHECK_INPUTS(st, r.dataset_id, 0, "[]");
    store_fixture_close(st);
}

TEST(splits_filter) {
    as_store *st = store_fixture_open("ds", NULL);
    as_upload_result r;
    as_err e;
    CHECK(upload(st, "{\"name\":\"d\",\"inputs\":[{\"q\":1},{\"q\":2},{\"q\":3}],"
                     "\"splits\":[\"train\",[\"test\",\"hard\"],null]}", &r, &e) == AS_OK);
    const char *names[] = { "test" };
    as_example_query q = { .dataset_id = r.dataset_id, .splits = { names, 1 } };
    json_t *rows;
    int64_t used;
    bool more;
    CHECK(as_store_dataset_examples(st, &q, &rows, &used, &more, &e) == AS_OK);
    CHECK_INT(json_array_size(rows), 1);
    char *s = json_dumps(json_object_get(json_array_get(rows, 0), "splits"), JSON_COMPACT);
    CHECK(s && (strcmp(s, "[\"test\",\"hard\"]") == 0 || strcmp(s, "[\"hard\",\"test\"]") == 0));
    free(s);
    json_decref(rows);
    /* a DatasetSplit GlobalID works as well as a name ("test" is split 2) */
    char gid[AS_GLOBALID_MAX];
    as_globalid_encode("DatasetSplit", 2, gid);
    const char *by_id[] = { gid, "train" };
    as_example_query qi = { .dataset_id = r.dataset_id, .splits = { by_id, 2 } };
    CHECK(as_store_dataset_examples(st, &qi, &rows, &used, &more, &e) == AS_OK);
    CHECK_INT(json_array_size(rows), 2);
    json_decref(rows);
    /* paging: limit and after_id */
    as_example_query p = { .dataset_id = r.dataset_id, .limit = 2 };
    CHECK(as_store_dataset_examples(st, &p, &rows, &used, &more, &e) == AS_OK);
    CHECK_INT(json_array_size(rows), 2);
    CHECK(more);
    p.after_id = json_integer_value(json_object_get(json_array_get(rows, 1), "id"));
    json_decref(rows);
    CHECK(as_store_dataset_examples(st, &p, &rows, &used, &more, &e) == AS_OK);
    CHECK_INT(json_array_size(rows), 1);
    CHECK(!more);
    json_decref(rows);
    store_fixture_close(st);
}

static as_rc upload_text(as_store *st, const char *name, const char *text, const char *fname,
                         const char *const *in, size_t nin, as_upload_result *r, as_err *e) {
    as_ds_file f;
    memset(&f, 0, sizeof(f));
    f.name = name;
    f.data = text;
    f.len = strlen(text);
    f.origin = fname;
    f.filename = fname;
    for (size_t i = 0; i < nin; i++) f.keys.input[i] = in[i];
    f.keys.n_input = nin;
    return as_ds_upload_file(st, &f, r, e);
}

TEST(files_and_errors) {
    as_store *st = store_fixture_open("ds", NULL);
    as_upload_result r;
    as_err e;
    const char *q[] = { "q" };
    CHECK(upload_text(st, "c", "q,a\nx,1\ny,2\n", "d.csv", q, 1, &r, &e) == AS_OK);
    CHECK_INT(r.created, 2);
    CHECK_INPUTS(st, r.dataset_id, 0, "[{\"q\":\"x\"},{\"q\":\"y\"}]");
    CHECK(upload_text(st, "c2", "q,a\nx,1\n\"y,2\n", "d.csv", q, 1, &r, &e) == AS_EINVAL);
    CHECK(strstr(e.msg, "d.csv:3") != NULL);
    CHECK(upload_text(st, "j", "{\"q\":1}\n{\"q\":\"s\"}\n", "d.jsonl", q, 1, &r, &e) == AS_OK);
    CHECK_INPUTS(st, r.dataset_id, 0, "[{\"q\":1},{\"q\":\"s\"}]");   /* types kept */
    CHECK(upload_text(st, "j2", "{\"q\":1}\n\n{\"z\":2}\n", "d.jsonl", q, 1, &r, &e) == AS_EUNPROCESSABLE);
    CHECK(strstr(e.msg, "d.jsonl:3") && strstr(e.msg, "'q'"));
    CHECK(upload_text(st, "j3", "{\"q\":1}\n{\"q\":\n", "d.jsonl", q, 1, &r, &e) == AS_EINVAL);
    CHECK(strstr(e.msg, "d.jsonl:2") != NULL);
    CHECK(upload_text(st, "x", "q\n1\n", "d.txt", q, 1, &r, &e) == AS_EUNSUPPORTED);
    /* nothing of the failed uploads was written */
    json_t *row;
    CHECK(as_store_dataset_get(st, 0, "j2", &row, &e) == AS_ENOTFOUND);
    /* export shape without keys */
    CHECK(upload_text(st, "s", "{\"input\":{\"a\":1},\"output\":{\"b\":2},\"metadata\":{\"m\":3}}\n",
                      "s.jsonl", NULL, 0, &r, &e) == AS_OK);
    as_buf out;
    as_buf_init(&out, AS_BUF_UNLIMITED);
    CHECK(as_ds_export(st, r.dataset_id, 0, AS_DS_EXPORT_JSONL, &out, &e) == AS_OK);
    CHECK_STR(out.data, "{\"input\":{\"a\":1},\"output\":{\"b\":2},\"metadata\":{\"m\":3}}\n");
    as_buf_reset(&out);
    CHECK(as_ds_export(st, r.dataset_id, 0, AS_DS_EXPORT_CSV, &out, &e) == AS_OK);
    CHECK(strncmp(out.data, "example_id,input_a,output_b,metadata_m\r\n", 40) == 0);
    CHECK(strstr(out.data, ",1,2,3\r\n") != NULL);
    /* reals come back in their shortest form, not jansson's 17 digits */
    const char *reals = "{\"input\":{\"x\":0.666,\"y\":1e-07,\"z\":2.0,\"w\":-0.1},"
                        "\"output\":{\"s\":\"\u00fc\\n\"},\"metadata\":{}}\n";
    CHECK(upload_text(st, "reals", reals, "r.jsonl", NULL, 0, &r, &e) == AS_OK);
    as_buf_reset(&out);
    CHECK(as_ds_export(st, r.dataset_id, 0, AS_DS_EXPORT_JSONL, &out, &e) == AS_OK);
    CHECK_STR(out.data, "{\"input\":{\"x\":0.666,\"y\":1e-07,\"z\":2.0,\"w\":-0.1},"
                        "\"output\":{\"s\":\"\xc3\xbc\\n\"},\"metadata\":{}}\n");
    as_buf_reset(&out);
    CHECK(as_ds_export(st, r.dataset_id - 1, 0, AS_DS_EXPORT_CSV, &out, &e) == AS_OK);
    CHECK(strncmp(out.data, "example_id,input_a,output_b,metadata_m\r\n", 40) == 0);
    CHECK(strstr(out.data, ",1,2,3\r\n") != NULL);
    as_buf_release(&out);
    store_fixture_close(st);
}

TEST(gzip_and_multipart) {
    as_store *st = store_fixture_open("ds", NULL);
    const char *plain = "q,a\n\"x, y\",1\nz,2\n";
    uLongf zl = 256;
    unsigned char z[256];
    z_stream zs;
    memset(&zs, 0, sizeof(zs));
    deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
    zs.next_in = (Bytef *)plain;
    zs.avail_in = (uInt)strlen(plain);
    zs.next_out = z;
    zs.avail_out = sizeof(z);
    deflate(&zs, Z_FINISH);
    zl = sizeof(z) - zs.avail_out;
    deflateEnd(&zs);
    as_buf body;
    as_buf_init(&body, AS_BUF_UNLIMITED);
    as_buf_puts(&body, "--XyZ\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\ngz\r\n"
                       "--XyZ\r\nContent-Disposition: form-data; name=\"input_keys[]\"\r\n\r\nq\r\n"
                       "--XyZ\r\nContent-Disposition: form-data; name=\"output_keys[]\"\r\n\r\na\r\n"
                       "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"d.csv.gz\"\r\n"
                       "Content-Type: application/gzip\r\n\r\n");
    as_buf_append(&body, z, zl);
    as_buf_puts(&body, "\r\n--XyZ--\r\n");
    as_ds_form form;
    as_err e;
    CHECK(as_ds_form_parse("multipart/form-data; boundary=XyZ", body.data, body.len, &form, &e) == AS_OK);
    CHECK_INT(form.n, 4);
    CHECK_STR(as_ds_form_get(&form, "name"), "gz");
    as_upload_result r;
    CHECK(as_ds_upload_form(st, &form, 1 << 20, &r, &e) == AS_OK);
    CHECK_INT(r.created, 2);
    CHECK_INPUTS(st, r.dataset_id, 0, "[{\"q\":\"x, y\"},{\"q\":\"z\"}]");
    as_ds_form_release(&form);
    CHECK(as_ds_form_parse("multipart/form-data", body.data, body.len, &form, &e) == AS_EINVAL);
    CHECK(as_ds_form_parse("multipart/form-data; boundary=XyZ", body.data, 40, &form, &e) == AS_EINVAL);
    /* truncated gzip */
    as_ds_file f;
    memset(&f, 0, sizeof(f));
    f.name = "t";
    f.data = (const char *)z;
    f.len = zl / 2;
    f.origin = f.filename = "t.csv.gz";
    f.keys.input[0] = "q";
    f.keys.n_input = 1;
    CHECK(as_ds_upload_file(st, &f, &r, &e) == AS_EINVAL);
    CHECK(strstr(e.msg, "gzip") != NULL);
    as_buf_release(&body);
    store_fixture_close(st);
}

TEST(export_openai) {
    as_store *st = store_fixture_open("ds", NULL);
    as_upload_result r;
    as_err e;
    CHECK(upload(st, "{\"name\":\"o\",\"inputs\":[{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]},{\"x\":1}],"
                     "\"outputs\":[{\"messages\":[{\"role\":\"assistant\",\"content\":\"yo\"}]},{}]}",
                 &r, &e) == AS_OK);
    as_buf out;
    as_buf_init(&out, AS_BUF_UNLIMITED);
    CHECK(as_ds_export(st, r.dataset_id, 0, AS_DS_EXPORT_OPENAI_FT, &out, &e) == AS_OK);
    CHECK_STR(out.data, "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"},"
                        "{\"role\":\"assistant\",\"content\":\"yo\"}]}\n{\"messages\":[]}\n");
    as_buf_reset(&out);
    CHECK(as_ds_export(st, r.dataset_id, 0, AS_DS_EXPORT_OPENAI_EVALS, &out, &e) == AS_OK);
    CHECK_STR(out.data, "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"ideal\":\"yo\"}\n");
    as_buf_release(&out);
    store_fixture_close(st);
}

/* Found by tests/fuzz/fuzz_dataset_form: "name=" inside the quoted value
 * of another parameter was taken for the field name. */
TEST(form_params_quoted) {
    const char *body =
        "--XyZ\r\nContent-Disposition: form-data; filename=\"a name=evil.csv\"; name=\"file\"\r\n"
        "\r\nq\r\n"
        "--XyZ\r\nContent-Disposition: form-data; name=\"x; filename=y\"\r\n\r\nv\r\n"
        "--XyZ\r\nContent-Disposition: form-data;name = plain ; filename=\"\"\r\n\r\nw\r\n"
        "--XyZ--\r\n";
    as_ds_form form;
    as_err e;
    CHECK(as_ds_form_parse("multipart/form-data; boundary=XyZ", body, strlen(body), &form, &e) == AS_OK);
    CHECK_INT(form.n, 3);
    CHECK_STR(form.parts[0].name, "file");
    CHECK_STR(form.parts[0].filename, "a name=evil.csv");
    CHECK_STR(form.parts[1].name, "x; filename=y");
    CHECK(form.parts[1].filename == NULL);
    CHECK_STR(as_ds_form_get(&form, "x; filename=y"), "v");
    CHECK_STR(form.parts[2].name, "plain");
    CHECK_STR(form.parts[2].filename, "");
    as_ds_form_release(&form);
}

/* Found by tests/fuzz/fuzz_dataset_upload: a form's name field in bytes
 * that are not UTF-8 made a dataset that could not be read back. */
TEST(form_text_utf8) {
    as_store *st = store_fixture_open("ds", NULL);
    const char *fields[] = { "name", "description", "input_keys[]" };
    for (size_t i = 0; i < 3; i++) {
        char body[512];
        int n = snprintf(body, sizeof(body),
                         "--XyZ\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\n%s\r\n"
                         "--XyZ\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\nq\x89\r\n"
                         "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"d.jsonl\"\r\n"
                         "\r\n{\"q\":1}\n\r\n--XyZ--\r\n",
                         i == 0 ? "x" : "ok", fields[i]);
        as_ds_form form;
        as_err e;
        as_upload_result r;
        CHECK(as_ds_form_parse("multipart/form-data; boundary=XyZ", body, (size_t)n, &form, &e) == AS_OK);
        CHECK(as_ds_upload_form(st, &form, 1 << 20, &r, &e) == AS_EUNPROCESSABLE);
        CHECK(strstr(e.msg, "UTF-8") != NULL);
        as_ds_form_release(&form);
    }
    /* the file path (CLI) checks the name and description too */
    as_ds_file df;
    memset(&df, 0, sizeof(df));
    df.name = "bad\xff";
    df.data = "{\"input\":{}}\n";
    df.len = strlen(df.data);
    df.origin = df.filename = "d.jsonl";
    as_upload_result dr;
    as_err de;
    CHECK(as_ds_upload_file(st, &df, &dr, &de) == AS_EUNPROCESSABLE);
    df.name = "good";
    df.description = "\xc3";
    CHECK(as_ds_upload_file(st, &df, &dr, &de) == AS_EUNPROCESSABLE);
    /* a NUL inside a text field */
    static const char nul_body[] =
        "--XyZ\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\na\0b\r\n"
        "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"d.jsonl\"\r\n"
        "\r\n{\"input\":{}}\n\r\n--XyZ--\r\n";
    as_ds_form form;
    as_err e;
    as_upload_result r;
    CHECK(as_ds_form_parse("multipart/form-data; boundary=XyZ", nul_body, sizeof(nul_body) - 1,
                           &form, &e) == AS_OK);
    CHECK(as_ds_upload_form(st, &form, 1 << 20, &r, &e) == AS_EUNPROCESSABLE);
    as_ds_form_release(&form);
    json_t *rows = NULL;
    int64_t next = 0;
    CHECK(as_store_dataset_list(st, NULL, 0, 10, &rows, &next, &e) == AS_OK);
    CHECK_INT(json_array_size(rows), 0);
    json_decref(rows);
    store_fixture_close(st);
}

/* Strings with NULs in a JSON upload: ids, split names and the name are
 * used as C strings, so "e\u0000x" would have become "e". */
TEST(json_nul_strings) {
    as_store *st = store_fixture_open("ds", NULL);
    as_upload_result r;
    as_err e;
    CHECK(upload(st, "{\"name\":\"n\",\"inputs\":[{},{}],\"example_ids\":[\"e\",\"e\\u0000x\"]}",
                 &r, &e) == AS_EUNPROCESSABLE);
    CHECK(strstr(e.msg, "'example_ids'[1]") != NULL);
    CHECK(upload(st, "{\"name\":\"n\",\"inputs\":[{}],\"splits\":[[\"a\\u0000\"]]}", &r, &e) ==
          AS_EUNPROCESSABLE);
    CHECK(upload(st, "{\"name\":\"n\\u0000x\",\"inputs\":[{}]}", &r, &e) == AS_EUNPROCESSABLE);
    CHECK(upload(st, "{\"name\":\"n\",\"description\":\"\\u0000\",\"inputs\":[{}]}", &r, &e) ==
          AS_EUNPROCESSABLE);
    CHECK(upload(st, "{\"name\":\"n\",\"inputs\":[{}],\"example_ids\":[\"e\"]}", &r, &e) == AS_OK);
    store_fixture_close(st);
}

/* The store itself refuses names that are not UTF-8 (whatever the caller
 * checked), and datasets from spans check their name first. */
TEST(names_checked_by_store) {
    as_store *st = store_fixture_open("ds", NULL);
    as_dataset_upload up;
    memset(&up, 0, sizeof(up));
    up.name = "bad\xff";
    as_upload_result res;
    as_err err;
    CHECK_INT(as_store_dataset_upload(st, &up, &res, &err), AS_EUNPROCESSABLE);
    CHECK(strstr(err.msg, "name") != NULL);
    up.name = "ok";
    up.description = "\xc3";
    CHECK_INT(as_store_dataset_upload(st, &up, &res, &err), AS_EUNPROCESSABLE);
    CHECK(strstr(err.msg, "description") != NULL);
    const char *ids[] = { "0000000000000001" };
    CHECK_INT(as_ds_from_spans(st, "", NULL, AS_UPLOAD_APPEND, ids, 1, &res, &err),
              AS_EUNPROCESSABLE);
    CHECK(strstr(err.msg, "name") != NULL);
    store_fixture_close(st);
}

TEST_MAIN(T(hash_stable), T(update_versions), T(external_ids_patch), T(actions_and_errors),
          T(splits_filter), T(files_and_errors), T(gzip_and_multipart), T(export_openai),
          T(form_params_quoted), T(form_text_utf8), T(json_nul_strings),
          T(names_checked_by_store))
