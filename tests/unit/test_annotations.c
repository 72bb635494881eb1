/* test_annotations.c - annotations, notes, annotation configs and
 * labelling queues in the SQLite store: upsert on (name, target,
 * identifier), all-or-nothing writes, list filters and pages, the filter
 * delete, document annotations (position bounds, cascade with the span),
 * config validation and answers, and the queue's lease / submit / skip /
 * progress rules with a clock the test controls. */
#include <stdlib.h>
#include <unistd.h>

#include "harness.h"
#include "store_fixture.h"

#include "assay/ingest.h"
#include "assay/store.h"
#include "assay/store_annotations.h"
#include "assay/store_datasets.h"
#include "assay/store_queues.h"

/* Two root spans: trace 0x..01 span 0x..0a and trace 0x..02 span 0x..0b,
 * in project "p"; returns their rowids. */
static void write_spans(as_store *st, int64_t rowids[2], int64_t *trace0) {
    as_span_batch b;
    as_span_batch_init(&b);
    for (int i = 0; i < 2; i++) {
        as_span *sp = as_span_batch_add(&b);
        memset(sp->trace_id, 0, 16);
        sp->trace_id[15] = (uint8_t)(1 + i);
        memset(sp->span_id, 0, 8);
        sp->span_id[7] = (uint8_t)(0x0a + i);
        sp->name = as_arena_strdup(&b.arena, i ? "second" : "first");
        sp->start_ns = 1700000000000000000LL + i;
        sp->end_ns = sp->start_ns + 1000;
        sp->status_code = AS_STATUS_OK;
        json_object_set_new(sp->attributes, "openinference.span.kind", json_string("LLM"));
        json_object_set_new(sp->attributes, "input.value", json_string(i ? "q2" : "q1"));
        json_object_set_new(sp->attributes, "output.value", json_string(i ? "a2" : "a1"));
    }
    store_fixture_write(st, &b, "p", NULL);
    as_err err;
    const char *ids[2] = { "000000000000000a", "000000000000000b" };
    as_span_ref refs[2];
    CHECK_INT(as_store_spans_resolve(st, ids, 2, refs, &err), AS_OK);
    rowids[0] = refs[0].rowid;
    rowids[1] = refs[1].rowid;
    CHECK(rowids[0] > 0 && rowids[1] > 0);
    *trace0 = refs[0].trace_rowid;
}

static int64_t jint(const json_t *o, const char *k) {
    return json_integer_value(json_object_get(o, k));
}
static const char *jstr(const json_t *o, const char *k) {
    return json_string_value(json_object_get(o, k));
}


/* ---- configs ------------------------------------------------------------ */

static json_t *load(const char *text) {
    json_error_t je;
    json_t *v = json_loads(text, 0, &je);
    if (!v) { fprintf(stderr, "bad test JSON: %s\n", je.text); abort(); }
    return v;
}

/* as_annotation_config_check's outcome (and message) on a JSON text. */
static as_rc check_config(const char *text, json_t **spec, as_err *err) {
    json_t *in = load(text);
    as_rc rc = as_annotation_config_check(in, spec, err);
    json_decref(in);
    return rc;
}

TEST(config_validation) {
    json_t *spec = NULL;
    as_err err;
    CHECK_INT(check_config("{\"name\":\"c\",\"type\":\"CATEGORICAL\","
                           "\"optimization_direction\":\"MAXIMIZE\","
                           "\"values\":[{\"label\":\"good\",\"score\":1},{\"label\":\"bad\"}]}",
                           &spec, &err), AS_OK);
    CHECK_STR(jstr(spec, "type"), "CATEGORICAL");
    CHECK_INT(json_array_size(json_object_get(spec, "values")), 2);
    CHECK(json_is_null(json_object_get(json_array_get(json_object_get(spec, "values"), 1),
                                       "score")));
    json_decref(spec);

    CHECK_INT(check_config("{\"name\":\"c\",\"type\":\"CATEGORICAL\","
                           "\"optimization_direction\":\"NONE\","
                           "\"values\":[{\"label\":\"a\"},{\"label\":\"a\"}]}", &spec, &err),
              AS_EUNPROCESSABLE);
    CHECK_STR(err.msg, "values[1].label: duplicate label 'a'");
    CHECK_INT(check_config("{\"name\":\"c\",\"type\":\"CATEGORICAL\","
                           "\"optimization_direction\":\"NONE\",\"values\":[]}", &spec, &err),
              AS_EUNPROCESSABLE);
    CHECK_INT(check_config("{\"name\":\"c\",\"type\":\"CATEGORICAL\","
                           "\"optimization_direction\":\"UP\",\"values\":[{\"label\":\"a\"}]}",
                           &spec, &err), AS_EUNPROCESSABLE);
    CHECK_STR(err.msg, "optimization_direction must be MINIMIZE, MAXIMIZE or NONE");
    CHECK_INT(check_config("{\"name\":\"s\",\"type\":\"CONTINUOUS\","
                           "\"optimization_direction\":\"MINIMIZE\","
                           "\"lower_bound\":1,\"upper_bound\":1}", &spec, &err),
              AS_EUNPROCESSABLE);
    CHECK_STR(err.msg, "lower_bound (1) must be less than upper_bound (1)");
    CHECK_INT(check_config("{\"name\":\"s\",\"type\":\"CONTINUOUS\","
                           "\"optimization_direction\":\"MINIMIZE\",\"lower_bound\":\"x\"}",
                           &spec, &err), AS_EUNPROCESSABLE);
    CHECK_STR(err.msg, "lower_bound must be a number or null");
    CHECK_INT(check_config("{\"name\":\"note\",\"type\":\"FREEFORM\"}", &spec, &err),
              AS_EUNPROCESSABLE);
    CHECK_INT(check_config("{\"name\":\"f\",\"type\":\"TEXT\"}", &spec, &err),
              AS_EUNPROCESSABLE);
    CHECK_INT(check_config("{\"name\":\"f\",\"type\":\"FREEFORM\"}", &spec, &err), AS_OK);
    CHECK(json_is_null(json_object_get(spec, "optimization_direction")));
    CHECK(json_is_null(json_object_get(spec, "threshold")));
    json_decref(spec);
}

TEST(config_answers) {
    json_t *cat = load("{\"name\":\"c\",\"type\":\"CATEGORICAL\",\"values\":"
                       "[{\"label\":\"good\",\"score\":1},{\"label\":\"bad\",\"score\":null}]}");
    json_t *cont = load("{\"name\":\"s\",\"type\":\"CONTINUOUS\",\"lower_bound\":0,"
                        "\"upper_bound\":10}");
    json_t *free_ = load("{\"name\":\"f\",\"type\":\"FREEFORM\"}");
    as_err err;
    bool has = false;
    double score = 0;
    CHECK_INT(as_annotation_config_check_answer(cat, "good", &has, &score, NULL, &err), AS_OK);
    CHECK(has);
    CHECK_DBL(score, 1.0, 0);
    has = false;
    CHECK_INT(as_annotation_config_check_answer(cat, "bad", &has, &score, NULL, &err), AS_OK);
    CHECK(!has);
    CHECK_INT(as_annotation_config_check_answer(cat, "meh", &has, &score, NULL, &err),
              AS_EUNPROCESSABLE);
    CHECK_STR(err.msg, "'c': label 'meh' is not one of the config's labels");
    CHECK_INT(as_annotation_config_check_answer(cat, NULL, &has, &score, "x", &err),
              AS_EUNPROCESSABLE);
    has = true;
    score = 10;
    CHECK_INT(as_annotation_config_check_answer(cont, NULL, &has, &score, NULL, &err), AS_OK);
    score = 10.5;
    CHECK_INT(as_annotation_config_check_answer(cont, NULL, &has, &score, NULL, &err),
              AS_EUNPROCESSABLE);
    CHECK_STR(err.msg, "'s': score 10.5 is outside [0, 10]");
    has = false;
    CHECK_INT(as_annotation_config_check_answer(cont, "x", &has, &score, NULL, &err),
              AS_EUNPROCESSABLE);
    CHECK_INT(as_annotation_config_check_answer(free_, NULL, &has, &score, NULL, &err),
              AS_EUNPROCESSABLE);
    CHECK_INT(as_annotation_config_check_answer(free_, NULL, &has, &score, "text", &err),
              AS_OK);
    json_decref(cat);
    json_decref(cont);
    json_decref(free_);
}

static int64_t make_config(as_store *st, const char *text) {
    json_t *spec, *row;
    as_err err;
    if (check_config(text, &spec, &err) != AS_OK) return 0;
    as_rc rc = as_store_annotation_config_create(st, spec, &row, &err);
    json_decref(spec);
    if (rc != AS_OK) return 0;
    int64_t id = jint(row, "id");
    json_decref(row);
    return id;
}

TEST(config_crud) {
    as_store *st = store_fixture_open("annot", NULL);
    as_err err;
    const char *yes_no = "{\"name\":\"ok\",\"type\":\"CATEGORICAL\","
                         "\"optimization_direction\":\"MAXIMIZE\","
                         "\"values\":[{\"label\":\"yes\",\"score\":1},{\"label\":\"no\",\"score\":0}]}";
    int64_t id = make_config(st, yes_no);
    CHECK(id > 0);
    CHECK_INT(make_config(st, yes_no), 0);          /* name taken */
    json_t *spec, *row = NULL;
    CHECK_INT(check_config(yes_no, &spec, &err), AS_OK);
    CHECK_INT(as_store_annotation_config_create(st, spec, &row, &err), AS_ECONFLICT);
    CHECK_STR(err.msg, "an annotation config named 'ok' already exists");
    json_decref(spec);

    CHECK_INT(check_config("{\"name\":\"ok2\",\"type\":\"CONTINUOUS\","
                           "\"optimization_direction\":\"NONE\",\"upper_bound\":3}",
                           &spec, &err), AS_OK);
    CHECK_INT(as_store_annotation_config_update(st, id, spec, &row, &err), AS_OK);
    CHECK_STR(jstr(row, "name"), "ok2");
    CHECK_STR(jstr(row, "type"), "CONTINUOUS");
    CHECK_DBL(json_real_value(json_object_get(row, "upper_bound")), 3.0, 0);
    CHECK(json_object_get(row, "values") == NULL);
    json_decref(row);
    CHECK_INT(as_store_annotation_config_update(st, id + 100, spec, &row, &err), AS_ENOTFOUND);
    json_decref(spec);

    CHECK_INT(as_store_annotation_config_get(st, 0, "ok2", &row, &err), AS_OK);
    CHECK_INT(jint(row, "id"), id);
    json_decref(row);
    bool has_next;
    CHECK_INT(make_config(st, "{\"name\":\"f\",\"type\":\"FREEFORM\"}") > 0, 1);
    CHECK_INT(as_store_annotation_config_list(st, 0, 1, &row, &has_next, &err), AS_OK);
    CHECK_INT(json_array_size(row), 1);
    CHECK(has_next);
    json_decref(row);

    /* A config used by a queue cannot go; an unused one can. */
    json_t *q = load("{\"name\":\"q\",\"annotation_configs\":[\"ok2\"]}"), *qrow;
    CHECK_INT(as_store_queue_create(st, q, &qrow, &err), AS_OK);
    json_decref(q);
    CHECK_INT(as_store_annotation_config_delete(st, id, &row, &err), AS_ECONFLICT);
    CHECK_STR(err.msg, "annotation config 'ok2' is used by labelling queue 'q'");
    CHECK_INT(as_store_queue_delete(st, jint(qrow, "id"), &err), AS_OK);
    json_decref(qrow);
    CHECK_INT(as_store_annotation_config_delete(st, id, &row, &err), AS_OK);
    CHECK_STR(jstr(row, "name"), "ok2");
    json_decref(row);
    CHECK_INT(as_store_annotation_config_get(st, id, NULL, &row, &err), AS_ENOTFOUND);
    store_fixture_close(st);
}

/* ---- annotations ----------------------------------------------------------- */

static json_t *list(as_store *st, as_annot_target t, int64_t project,
                    const int64_t *targets, size_t n, const char *include,
                    const char *exclude, int limit, int64_t after, bool *has_next) {
    as_annotation_query q;
    memset(&q, 0, sizeof(q));
    q.target = t;
    q.project_id = project;
    q.targets = targets;
    q.n_targets = n;
    q.by_targets = true;
    const char *inc[1] = { include }, *exc[1] = { exclude };
    q.include_names = (as_str_list){ inc, include ? 1 : 0 };
    q.exclude_names = (as_str_list){ exc, exclude ? 1 : 0 };
    q.limit = limit;
    q.after_id = after;
    json_t *rows = NULL;
    as_err err;
    CHECK_INT(as_store_annotations_list(st, &q, &rows, has_next, &err), AS_OK);
    return rows;
}

TEST(annotations_upsert_list_delete) {
    as_store *st = store_fixture_open("annot", NULL);
    int64_t spans[2], trace0;
    write_spans(st, spans, &trace0);
    int64_t p = store_fixture_project_id(st, "p");
    as_err err;
    as_annotation a[3] = {
        { .target = spans[0], .name = "correct", .annotator_kind = "LLM", .label = "yes",
          .has_score = true, .score = 1, .explanation = "because", .metadata = "{\"m\":1}" },
        { .target = spans[0], .name = "tone", .annotator_kind = "CODE", .label = "calm" },
        { .target = spans[1], .name = "correct", .annotator_kind = "HUMAN", .label = "no",
          .identifier = "rater-1" },
    };
    int64_t ids[3];
    CHECK_INT(as_store_annotations_upsert(st, AS_ANNOT_SPAN, a, 3, ids, &err), AS_OK);
    CHECK(ids[0] > 0 && ids[1] > ids[0] && ids[2] > ids[1]);

    /* Same (name, span, identifier): updated in place, same id. */
    as_annotation again = { .target = spans[0], .name = "correct", .annotator_kind = "HUMAN",
                            .label = "no", .has_score = true, .score = 0 };
    int64_t id2;
    CHECK_INT(as_store_annotations_upsert(st, AS_ANNOT_SPAN, &again, 1, &id2, &err), AS_OK);
    CHECK_INT(id2, ids[0]);
    /* All or nothing: the second target does not exist, so the first
     * annotation of the request is not written either. */
    as_annotation bad[2] = {
        { .target = spans[1], .name = "fresh", .annotator_kind = "LLM", .label = "x" },
        { .target = spans[1] + 1000, .name = "fresh", .annotator_kind = "LLM", .label = "x" },
    };
    CHECK_INT(as_store_annotations_upsert(st, AS_ANNOT_SPAN, bad, 2, ids, &err), AS_ENOTFOUND);
    CHECK(strstr(err.msg, "annotation 1: span") != NULL);

    bool more;
    json_t *rows = list(st, AS_ANNOT_SPAN, p, spans, 2, NULL, NULL, 100, 0, &more);
    CHECK_INT(json_array_size(rows), 3);
    CHECK(!more);
    json_t *first = json_array_get(rows, 0);
    CHECK_STR(jstr(first, "label"), "no");
    CHECK_STR(jstr(first, "annotator_kind"), "HUMAN");
    CHECK_DBL(json_real_value(json_object_get(first, "score")), 0.0, 0);
    CHECK(json_is_null(json_object_get(first, "explanation")));
    CHECK_STR(jstr(first, "target_key"), "000000000000000a");
    CHECK_STR(jstr(first, "identifier"), "");
    CHECK_STR(jstr(first, "source"), "API");
    CHECK_STR(jstr(json_array_get(rows, 2), "identifier"), "rater-1");
    json_decref(rows);

    rows = list(st, AS_ANNOT_SPAN, p, spans, 1, "correct", NULL, 100, 0, &more);
    CHECK_INT(json_array_size(rows), 1);
    json_decref(rows);
    rows = list(st, AS_ANNOT_SPAN, p, spans, 2, NULL, "correct", 100, 0, &more);
    CHECK_INT(json_array_size(rows), 1);
    CHECK_STR(jstr(json_array_get(rows, 0), "name"), "tone");
    json_decref(rows);
    /* pages of one */
    rows = list(st, AS_ANNOT_SPAN, p, spans, 2, NULL, NULL, 2, 0, &more);
    CHECK_INT(json_array_size(rows), 2);
    CHECK(more);
    int64_t last = jint(json_array_get(rows, 1), "id");
    json_decref(rows);
    rows = list(st, AS_ANNOT_SPAN, p, spans, 2, NULL, NULL, 2, last, &more);
    CHECK_INT(json_array_size(rows), 1);
    CHECK(!more);
    json_decref(rows);
    /* another project sees nothing */
    rows = list(st, AS_ANNOT_SPAN, p + 1, spans, 2, NULL, NULL, 100, 0, &more);
    CHECK_INT(json_array_size(rows), 0);
    json_decref(rows);

    /* a note on the trace, listed by trace */
    as_annotation note = { .target = trace0, .name = AS_ANNOTATION_NOTE,
                           .annotator_kind = "HUMAN", .explanation = "look",
                           .identifier = "px-trace-note:1" };
    CHECK_INT(as_store_annotations_upsert(st, AS_ANNOT_TRACE, &note, 1, &id2, &err), AS_OK);
    rows = list(st, AS_ANNOT_TRACE, p, &trace0, 1, NULL, NULL, 10, 0, &more);
    CHECK_INT(json_array_size(rows), 1);
    CHECK_STR(jstr(json_array_get(rows, 0), "target_key"), "00000000000000000000000000000001");
    CHECK_STR(jstr(json_array_get(rows, 0), "explanation"), "look");
    json_decref(rows);

    /* delete narrowed by name; the others stay */
    as_annotation_delete d = { .target = AS_ANNOT_SPAN, .project_id = p, .name = "correct",
                               .annotator_kind = "HUMAN" };
    int64_t gone;
    CHECK_INT(as_store_annotations_delete(st, &d, &gone, &err), AS_OK);
    CHECK_INT(gone, 2);
    rows = list(st, AS_ANNOT_SPAN, p, spans, 2, NULL, NULL, 100, 0, &more);
    CHECK_INT(json_array_size(rows), 1);
    json_decref(rows);
    d = (as_annotation_delete){ .target = AS_ANNOT_SPAN, .project_id = p, .start_ns = 1,
                                .end_ns = 2 };
    CHECK_INT(as_store_annotations_delete(st, &d, &gone, &err), AS_OK);
    CHECK_INT(gone, 0);                     /* created long after 1970 */
    store_fixture_close(st);
}

/* ---- document annotations ----------------------------------------------- */

/* One trace (0x..03) of two RETRIEVER spans in project "p": 0x..0c with
 * three retrieval.documents (sent flat, as OTLP does), 0x..0d with none;
 * returns their rowids and the trace's rowid. */
static void write_retriever(as_store *st, int64_t rowids[2], int64_t *trace) {
    as_span_batch b;
    as_span_batch_init(&b);
    for (int i = 0; i < 2; i++) {
        as_span *sp = as_span_batch_add(&b);
        memset(sp->trace_id, 0, 16);
        sp->trace_id[15] = 3;
        memset(sp->span_id, 0, 8);
        sp->span_id[7] = (uint8_t)(0x0c + i);
        sp->name = as_arena_strdup(&b.arena, i ? "bare" : "retrieve");
        sp->start_ns = 1700000000000000000LL + i;
        sp->end_ns = sp->start_ns + 1000;
        sp->status_code = AS_STATUS_OK;
        json_object_set_new(sp->attributes, "openinference.span.kind", json_string("RETRIEVER"));
        for (int d = 0; i == 0 && d < 3; d++) {
            char key[64];
            snprintf(key, sizeof(key), "retrieval.documents.%d.document.id", d);
            json_object_set_new(sp->attributes, key, json_integer(100 + d));
        }
    }
    store_fixture_write(st, &b, "p", NULL);
    as_err err;
    const char *ids[2] = { "000000000000000c", "000000000000000d" };
    as_span_ref refs[2];
    CHECK_INT(as_store_spans_resolve(st, ids, 2, refs, &err), AS_OK);
    rowids[0] = refs[0].rowid;
    rowids[1] = refs[1].rowid;
    CHECK(rowids[0] > 0 && rowids[1] > 0);
    *trace = refs[0].trace_rowid;
}

/* Rows of document_annotations, read over a second connection: what a
 * listing (which joins the spans) could not show. */
static int64_t document_rows(as_store *st) {
    sqlite3 *db;
    sqlite3_stmt *q;
    int64_t n = -1;
    if (sqlite3_open(as_store_path(st), &db) != SQLITE_OK) abort();
    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM document_annotations", -1, &q, NULL) ==
        SQLITE_OK) {
        if (sqlite3_step(q) == SQLITE_ROW) n = sqlite3_column_int64(q, 0);
        sqlite3_finalize(q);
    }
    sqlite3_close(db);
    return n;
}

TEST(document_annotations) {
    as_store *st = store_fixture_open("docannot", NULL);
    int64_t spans[2], trace;
    write_retriever(st, spans, &trace);
    int64_t p = store_fixture_project_id(st, "p");
    as_err err;
    as_annotation a[3] = {
        { .target = spans[0], .document_position = 0, .name = "relevance",
          .annotator_kind = "LLM", .label = "relevant", .has_score = true, .score = 0.9 },
        { .target = spans[0], .document_position = 2, .name = "relevance",
          .annotator_kind = "LLM", .label = "irrelevant" },
        { .target = spans[0], .document_position = 0, .name = "grounded",
          .annotator_kind = "CODE", .explanation = "cited" },
    };
    int64_t ids[3];
    CHECK_INT(as_store_annotations_upsert(st, AS_ANNOT_DOCUMENT, a, 3, ids, &err), AS_OK);
    CHECK(ids[0] > 0 && ids[1] > ids[0] && ids[2] > ids[1]);

    /* Same (name, span, position, identifier): updated in place. */
    as_annotation again = { .target = spans[0], .document_position = 2, .name = "relevance",
                            .annotator_kind = "HUMAN", .label = "relevant",
                            .metadata = "{\"by\":\"ann\"}" };
    int64_t id2;
    CHECK_INT(as_store_annotations_upsert(st, AS_ANNOT_DOCUMENT, &again, 1, &id2, &err), AS_OK);
    CHECK_INT(id2, ids[1]);

    /* Out of bounds: nothing of the request is written. */
    as_annotation bad[2] = {
        { .target = spans[0], .document_position = 1, .name = "fresh", .annotator_kind = "LLM",
          .label = "x" },
        { .target = spans[0], .document_position = 3, .name = "fresh", .annotator_kind = "LLM",
          .label = "x" },
    };
    CHECK_INT(as_store_annotations_upsert(st, AS_ANNOT_DOCUMENT, bad, 2, ids, &err),
              AS_EUNPROCESSABLE);
    CHECK_STR(err.msg, "Document position 3 is out of bounds for span 000000000000000c (max: 2)");
    bad[1].document_position = -1;
    CHECK_INT(as_store_annotations_upsert(st, AS_ANNOT_DOCUMENT, bad, 2, ids, &err),
              AS_EUNPROCESSABLE);
    CHECK_STR(err.msg, "Document position -1 is out of bounds for span 000000000000000c (max: 2)");
    /* A span without documents has no valid position. */
    bad[1] = (as_annotation){ .target = spans[1], .name = "fresh", .annotator_kind = "LLM" };
    CHECK_INT(as_store_annotations_upsert(st, AS_ANNOT_DOCUMENT, bad, 2, ids, &err),
              AS_EUNPROCESSABLE);
    CHECK_STR(err.msg, "Document position 0 is out of bounds for span 000000000000000d (max: -1)");
    bad[1].target = spans[1] + 1000;
    CHECK_INT(as_store_annotations_upsert(st, AS_ANNOT_DOCUMENT, bad, 2, ids, &err), AS_ENOTFOUND);
    CHECK(strstr(err.msg, "annotation 1: span") != NULL);
    CHECK_INT(document_rows(st), 3);

    bool more;
    json_t *rows = list(st, AS_ANNOT_DOCUMENT, p, spans, 2, NULL, NULL, 100, 0, &more);
    CHECK_INT(json_array_size(rows), 3);
    CHECK(!more);
    json_t *r1 = json_array_get(rows, 1);
    CHECK_INT(jint(r1, "id"), id2);
    CHECK_INT(jint(r1, "document_position"), 2);
    CHECK_STR(jstr(r1, "target_key"), "000000000000000c");
    CHECK_STR(jstr(r1, "annotator_kind"), "HUMAN");
    CHECK_STR(jstr(r1, "label"), "relevant");
    CHECK_STR(jstr(json_object_get(r1, "metadata"), "by"), "ann");
    CHECK_INT(jint(json_array_get(rows, 0), "document_position"), 0);
    json_decref(rows);
    rows = list(st, AS_ANNOT_DOCUMENT, p, spans, 2, "grounded", NULL, 100, 0, &more);
    CHECK_INT(json_array_size(rows), 1);
    CHECK_STR(jstr(json_array_get(rows, 0), "explanation"), "cited");
    json_decref(rows);
    /* span annotations are another table */
    rows = list(st, AS_ANNOT_SPAN, p, spans, 2, NULL, NULL, 100, 0, &more);
    CHECK_INT(json_array_size(rows), 0);
    json_decref(rows);

    as_annotation_delete d = { .target = AS_ANNOT_DOCUMENT, .project_id = p,
                               .name = "grounded" };
    int64_t gone;
    CHECK_INT(as_store_annotations_delete(st, &d, &gone, &err), AS_OK);
    CHECK_INT(gone, 1);
    CHECK_INT(document_rows(st), 2);

    /* Deleting the trace deletes its spans and their document annotations. */
    CHECK_INT(as_store_trace_delete(st, trace, &err), AS_OK);
    CHECK_INT(document_rows(st), 0);
    store_fixture_close(st);
}

/* ---- queues ------------------------------------------------------------- */

typedef struct one_example { bool done; json_t *in, *out, *md; } one_example;

static as_rc next_example(void *ud, as_example_in *ex, bool *end, as_err *err) {
    AS_UNUSED(err);
    one_example *o = ud;
    memset(ex, 0, sizeof(*ex));
    if (o->done) { *end = true; return AS_OK; }
    o->done = true;
    *end = false;
    ex->input = o->in;
    ex->output = o->out;
    ex->metadata = o->md;
    return AS_OK;
}

/* One dataset with one example; returns the example's rowid. */
static int64_t make_example(as_store *st) {
    one_example o = { false, load("{\"q\":\"2+2\"}"), load("{\"a\":\"4\"}"), json_object() };
    as_dataset_upload up = { .name = "ds", .action = AS_UPLOAD_CREATE, .next = next_example,
                             .ud = &o };
    as_upload_result res;
    as_err err;
    int64_t id = 0;
    if (as_store_dataset_upload(st, &up, &res, &err) == AS_OK) {
        as_example_query q = { .dataset_id = res.dataset_id };
        json_t *rows;
        int64_t ver;
        bool more;
        if (as_store_dataset_examples(st, &q, &rows, &ver, &more, &err) == AS_OK) {
            id = jint(json_array_get(rows, 0), "id");
            json_decref(rows);
        }
    } else {
        fprintf(stderr, "upload: %s\n", err.msg);
    }
    json_decref(o.in);
    json_decref(o.out);
    json_decref(o.md);
    return id;
}

static int64_t next_item(as_store *st, int64_t q, const char *who, int64_t now) {
    json_t *item = NULL;
    as_err err;
    CHECK_INT(as_store_queue_next(st, q, who, now, 600000000000LL, &item, &err), AS_OK);
    int64_t id = item ? jint(item, "id") : 0;
    json_decref(item);
    return id;
}

TEST(queue_flow) {
    as_store *st = store_fixture_open("annot", NULL);
    int64_t spans[2], trace0;
    write_spans(st, spans, &trace0);
    int64_t example = make_example(st);
    CHECK(example > 0);
    int64_t cfg_ok = make_config(st, "{\"name\":\"ok\",\"type\":\"CATEGORICAL\","
                                     "\"optimization_direction\":\"MAXIMIZE\",\"values\":"
                                     "[{\"label\":\"yes\",\"score\":1},{\"label\":\"no\",\"score\":0}]}");
    CHECK(make_config(st, "{\"name\":\"stars\",\"type\":\"CONTINUOUS\","
                          "\"optimization_direction\":\"MAXIMIZE\",\"lower_bound\":1,"
                          "\"upper_bound\":5}") > 0);
    as_err err;
    json_t *spec = json_pack("{s:s, s:i, s:[I, s]}", "name", "review", "required", 2,
                             "annotation_configs", (json_int_t)cfg_ok, "stars");
    json_t *queue;
    CHECK_INT(as_store_queue_create(st, spec, &queue, &err), AS_OK);
    json_decref(spec);
    int64_t q = jint(queue, "id");
    CHECK_INT(json_array_size(json_object_get(queue, "annotation_configs")), 2);
    CHECK_STR(jstr(json_array_get(json_object_get(queue, "annotation_configs"), 1), "name"),
              "stars");
    CHECK_INT(jint(queue, "required"), 2);
    json_decref(queue);
    int64_t found = 0;
    CHECK_INT(as_store_queue_find(st, "review", &found, &err), AS_OK);
    CHECK_INT(found, q);
    CHECK_INT(as_store_queue_find(st, "nope", &found, &err), AS_ENOTFOUND);
    CHECK_STR(err.msg, "labelling queue 'nope' not found");
    spec = json_pack("{s:s, s:[s]}", "name", "bad", "annotation_configs", "nope");
    CHECK_INT(as_store_queue_create(st, spec, &queue, &err), AS_ENOTFOUND);
    CHECK_STR(err.msg, "annotation_configs[0]: annotation config 'nope' not found");
    json_decref(spec);

    as_queue_target t[3] = { { AS_QITEM_SPAN, spans[0] }, { AS_QITEM_EXAMPLE, example },
                             { AS_QITEM_SPAN, spans[0] } };
    int64_t ids[3];
    size_t added;
    CHECK_INT(as_store_queue_add_items(st, q, t, 3, ids, &added, &err), AS_OK);
    CHECK_INT(added, 2);
    CHECK_INT(ids[2], ids[0]);
    as_queue_target missing = { AS_QITEM_EXAMPLE, example + 50 };
    CHECK_INT(as_store_queue_add_items(st, q, &missing, 1, ids + 2, &added, &err),
              AS_ENOTFOUND);
    int64_t span_item = ids[0], ex_item = ids[1];

    int64_t now = 1000000000000LL;
    CHECK_INT(next_item(st, q, "alice", now), span_item);   /* oldest first */
    CHECK_INT(next_item(st, q, "alice", now), span_item);   /* her lease again */
    CHECK_INT(next_item(st, q, "bob", now), span_item);     /* 2 answers needed */
    CHECK_INT(next_item(st, q, "carol", now), ex_item);     /* 2 leases on the first */
    /* Leases expire: dave gets the span item once they are over. */
    CHECK_INT(next_item(st, q, "dave", now + 600000000001LL), span_item);

    /* dave's call reclaimed the expired leases, carol's among them: she
     * now gets the span item (one lease on it, two answers needed), with
     * its content; a one-nanosecond lease. */
    json_t *item;
    CHECK_INT(as_store_queue_next(st, q, "carol", now, 1, &item, &err), AS_OK);
    CHECK_INT(jint(item, "id"), span_item);
    json_t *content = json_object_get(item, "content");
    CHECK_STR(jstr(content, "name"), "first");
    CHECK_STR(jstr(content, "span_id"), "000000000000000a");
    CHECK_STR(jstr(json_object_get(json_object_get(content, "attributes"), "input"), "value"),
              "q1");
    json_decref(item);
    CHECK_INT(as_store_queue_next(st, q, "erin", now, 1, &item, &err), AS_OK);
    CHECK_INT(jint(item, "id"), ex_item);       /* dave + carol lease the span */
    CHECK_STR(jstr(json_object_get(json_object_get(item, "content"), "input"), "q"), "2+2");
    json_decref(item);

    /* Submit: validated against the configs, nothing written on error. */
    as_queue_answer bad_label = { .name = "ok", .label = "maybe" };
    CHECK_INT(as_store_queue_submit(st, q, span_item, "alice", &bad_label, 1, NULL, &item,
                                    &err), AS_EUNPROCESSABLE);
    CHECK_STR(err.msg, "annotations[0]: 'ok': label 'maybe' is not one of the config's labels");
    as_queue_answer unknown = { .name = "other", .label = "yes" };
    CHECK_INT(as_store_queue_submit(st, q, span_item, "alice", &unknown, 1, NULL, &item, &err),
              AS_EUNPROCESSABLE);
    as_queue_answer good[2] = { { .name = "ok", .label = "yes" },
                                { .name = "stars", .has_score = true, .score = 4 } };
    CHECK_INT(as_store_queue_submit(st, q, span_item, "alice", good, 2, "nice", &item, &err),
              AS_OK);
    CHECK_INT(jint(item, "done_count"), 1);
    CHECK(!json_is_true(json_object_get(item, "complete")));
    json_decref(item);
    /* re-submitting updates her answer; the count stays */
    good[0].label = "no";
    CHECK_INT(as_store_queue_submit(st, q, span_item, "alice", good, 1, NULL, &item, &err),
              AS_OK);
    CHECK_INT(jint(item, "done_count"), 1);
    json_decref(item);
    CHECK_INT(as_store_queue_skip(st, q, span_item, "alice", &item, &err), AS_ECONFLICT);
    CHECK_INT(next_item(st, q, "alice", now), ex_item);      /* she answered the span */
    CHECK_INT(as_store_queue_skip(st, q, ex_item, "alice", &item, &err), AS_OK);
    json_decref(item);
    CHECK_INT(as_store_queue_submit(st, q, span_item, "bob", good, 1, NULL, &item, &err), AS_OK);
    CHECK_INT(jint(item, "done_count"), 2);
    CHECK(json_is_true(json_object_get(item, "complete")));
    json_decref(item);
    CHECK_INT(as_store_queue_submit(st, q, ex_item, "carol", good, 1, NULL, &item, &err), AS_OK);
    json_decref(item);
    CHECK_INT(as_store_queue_submit(st, q, ex_item + 99, "carol", good, 1, NULL, &item, &err),
              AS_ENOTFOUND);

    /* Annotations: one per annotator (identifier queue:<id>:<name>). */
    bool more;
    json_t *rows = list(st, AS_ANNOT_SPAN, store_fixture_project_id(st, "p"), spans, 1, "ok", NULL, 10, 0,
                        &more);
    CHECK_INT(json_array_size(rows), 2);
    char ident[64];
    snprintf(ident, sizeof(ident), "queue:%lld:alice", (long long)q);
    CHECK_STR(jstr(json_array_get(rows, 0), "identifier"), ident);
    CHECK_STR(jstr(json_array_get(rows, 0), "label"), "no");
    CHECK_DBL(json_real_value(json_object_get(json_array_get(rows, 0), "score")), 0.0, 0);
    CHECK_STR(jstr(json_array_get(rows, 0), "annotator_kind"), "HUMAN");
    CHECK_STR(jstr(json_array_get(rows, 0), "source"), "APP");
    json_decref(rows);
    rows = list(st, AS_ANNOT_SPAN, store_fixture_project_id(st, "p"), spans, 1, "note", NULL, 10, 0, &more);
    CHECK_INT(json_array_size(rows), 1);
    CHECK_STR(jstr(json_array_get(rows, 0), "explanation"), "nice");
    json_decref(rows);
    rows = list(st, AS_ANNOT_EXAMPLE, 0, &example, 1, NULL, NULL, 10, 0, &more);
    CHECK_INT(json_array_size(rows), 1);
    CHECK_STR(jstr(json_array_get(rows, 0), "user_id"), "carol");
    json_decref(rows);

    /* Progress: the span item is complete, the example has one of two. */
    json_t *prog;
    CHECK_INT(as_store_queue_progress(st, q, now, &prog, &err), AS_OK);
    CHECK_INT(jint(prog, "total"), 2);
    CHECK_INT(jint(prog, "complete"), 1);
    CHECK_INT(jint(prog, "in_progress"), 1);
    CHECK_INT(jint(prog, "pending"), 0);
    json_t *people = json_object_get(prog, "annotators");
    CHECK_INT(json_array_size(people), 5);
    CHECK_STR(jstr(json_array_get(people, 0), "annotator"), "alice");
    CHECK_INT(jint(json_array_get(people, 0), "done"), 1);
    CHECK_INT(jint(json_array_get(people, 0), "skipped"), 1);
    json_decref(prog);

    rows = NULL;
    CHECK_INT(as_store_queue_items(st, q, AS_QSTATUS_PENDING, 0, 10, &rows, &more, &err), AS_OK);
    CHECK_INT(json_array_size(rows), 1);
    CHECK_INT(jint(json_array_get(rows, 0), "id"), ex_item);
    json_decref(rows);
    CHECK_INT(as_store_queue_items(st, q, AS_QSTATUS_COMPLETE, 0, 10, &rows, &more, &err),
              AS_OK);
    CHECK_INT(json_array_size(rows), 1);
    CHECK_STR(jstr(json_array_get(rows, 0), "target_key"), "000000000000000a");
    json_decref(rows);

    /* alice answered both items; bob has not answered the example, but
     * erin's lease on it holds its second answer until it expires. */
    CHECK_INT(next_item(st, q, "alice", now), 0);
    CHECK_INT(next_item(st, q, "bob", now), 0);
    CHECK_INT(next_item(st, q, "bob", now + 2), ex_item);

    /* PATCH: required 1 completes the example item for progress. */
    spec = json_pack("{s:i}", "required", 1);
    CHECK_INT(as_store_queue_update(st, q, spec, &queue, &err), AS_OK);
    CHECK_INT(jint(json_object_get(queue, "progress"), "complete"), 2);
    CHECK_STR(jstr(queue, "name"), "review");
    json_decref(queue);
    json_decref(spec);
    CHECK_INT(as_store_queue_delete(st, q, &err), AS_OK);
    CHECK_INT(as_store_queue_get(st, q, &queue, &err), AS_ENOTFOUND);
    store_fixture_close(st);
}

/* A trace item: its content is the root span; required 1 means one lease
 * keeps it from everyone else; answers land on the trace. */
TEST(queue_trace_item) {
    as_store *st = store_fixture_open("annot", NULL);
    int64_t spans[2], trace0;
    write_spans(st, spans, &trace0);
    CHECK(make_config(st, "{\"name\":\"why\",\"type\":\"FREEFORM\"}") > 0);
    as_err err;
    json_t *spec = json_pack("{s:s, s:[s]}", "name", "traces", "annotation_configs", "why");
    json_t *queue, *item;
    CHECK_INT(as_store_queue_create(st, spec, &queue, &err), AS_OK);
    json_decref(spec);
    int64_t q = jint(queue, "id");
    json_decref(queue);
    as_queue_target t = { AS_QITEM_TRACE, trace0 };
    int64_t id;
    size_t added;
    CHECK_INT(as_store_queue_add_items(st, q, &t, 1, &id, &added, &err), AS_OK);
    CHECK_INT(as_store_queue_next(st, q, "ann", 5, 100, &item, &err), AS_OK);
    CHECK_INT(jint(item, "id"), id);
    CHECK_STR(jstr(item, "target_key"), "00000000000000000000000000000001");
    json_t *content = json_object_get(item, "content");
    CHECK_STR(jstr(content, "trace_id"), "00000000000000000000000000000001");
    CHECK_STR(jstr(json_object_get(content, "root_span"), "name"), "first");
    json_decref(item);
    CHECK_INT(next_item(st, q, "other", 5), 0);            /* leased to ann */
    CHECK_INT(next_item(st, q, "other", 106), id);         /* her lease ran out */
    as_queue_answer a = { .name = "why", .explanation = "slow tool call" };
    CHECK_INT(as_store_queue_submit(st, q, id, "ann", &a, 1, NULL, &item, &err), AS_OK);
    CHECK(json_is_true(json_object_get(item, "complete")));
    json_decref(item);
    CHECK_INT(next_item(st, q, "other", 106), 0);           /* complete */
    bool more;
    json_t *rows = list(st, AS_ANNOT_TRACE, store_fixture_project_id(st, "p"), &trace0, 1, NULL, NULL, 10, 0,
                        &more);
    CHECK_INT(json_array_size(rows), 1);
    CHECK_STR(jstr(json_array_get(rows, 0), "explanation"), "slow tool call");
    CHECK(json_is_null(json_object_get(json_array_get(rows, 0), "user_id")));
    json_decref(rows);
    store_fixture_close(st);
}

TEST_MAIN(T(config_validation), T(config_answers), T(config_crud),
          T(annotations_upsert_list_delete), T(document_annotations),
          T(queue_flow), T(queue_trace_item))
