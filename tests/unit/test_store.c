/* test_store.c - the SQLite store's write path (group commit, duplicates,
 * cumulative counts with children before parents, projects fixed by the
 * first span, sessions) and its read queries. */
#include <stdlib.h>
#include <unistd.h>

#include "harness.h"
#include "store_fixture.h"

#include "assay/ingest.h"
#include "assay/store.h"

/* A span with trace byte t, span byte s, parent byte p (0 = root). */
static as_span *add(as_span_batch *b, uint8_t t, uint8_t s, uint8_t p,
                    const char *kind, int64_t prompt, int64_t completion,
                    bool error) {
    as_span *sp = as_span_batch_add(b);
    memset(sp->trace_id, 0, 16);
    sp->trace_id[15] = t;
    memset(sp->span_id, 0, 8);
    sp->span_id[7] = s;
    if (p) { sp->has_parent = true; memset(sp->parent_id, 0, 8); sp->parent_id[7] = p; }
    char name[16];
    snprintf(name, sizeof(name), "span%u", s);
    sp->name = as_arena_strdup(&b->arena, name);
    sp->start_ns = 1700000000000000000LL + s * 1000000LL;
    sp->end_ns = sp->start_ns + 5000000;
    sp->status_code = error ? AS_STATUS_ERROR : AS_STATUS_OK;
    json_object_set_new(sp->attributes, "openinference.span.kind", json_string(kind));
    if (prompt) json_object_set_new(sp->attributes, "llm.token_count.prompt", json_integer(prompt));
    if (completion) json_object_set_new(sp->attributes, "llm.token_count.completion", json_integer(completion));
    return sp;
}

static int64_t jint(json_t *o, const char *k) { return json_integer_value(json_object_get(o, k)); }

TEST(cumulative_in_one_request) {
    as_store *st = store_fixture_open("store", NULL);
    as_span_batch b;
    as_span_batch_init(&b);
    add(&b, 1, 3, 2, "LLM", 100, 10, false);     /* child before parent */
    add(&b, 1, 1, 0, "AGENT", 0, 0, false);
    add(&b, 1, 2, 1, "CHAIN", 0, 0, false);
    add(&b, 1, 4, 2, "TOOL", 0, 0, true);
    size_t stored;
    store_fixture_write(st, &b, NULL, &stored);
    CHECK_INT(stored, 4);
    int64_t pid = store_fixture_project_id(st, "default");
    CHECK(pid > 0);
    json_t *root = store_fixture_span_named(st, pid, "span1");
    CHECK(root != NULL);
    CHECK_INT(jint(root, "cumulative_token_count_prompt"), 100);
    CHECK_INT(jint(root, "cumulative_token_count_completion"), 10);
    CHECK_INT(jint(root, "cumulative_error_count"), 1);
    CHECK(json_is_null(json_object_get(root, "parent_id")));
    json_decref(root);
    json_t *chain = store_fixture_span_named(st, pid, "span2");
    CHECK_STR(json_string_value(json_object_get(chain, "parent_id")), "0000000000000001");
    CHECK_INT(jint(chain, "cumulative_error_count"), 1);
    json_decref(chain);
    store_fixture_close(st);
}

TEST(children_arrive_first_across_requests) {
    as_store *st = store_fixture_open("store", NULL);
    as_span_batch b;
    as_span_batch_init(&b);
    add(&b, 2, 13, 12, "LLM", 7, 3, false);      /* grandchild */
    add(&b, 2, 14, 12, "LLM", 5, 0, true);
    store_fixture_write(st, &b, "p", NULL);
    as_span_batch_init(&b);
    add(&b, 2, 12, 11, "CHAIN", 0, 0, false);    /* its parent, later */
    store_fixture_write(st, &b, NULL, NULL);
    as_span_batch_init(&b);
    add(&b, 2, 11, 0, "AGENT", 1, 1, false);     /* root, last */
    store_fixture_write(st, &b, NULL, NULL);
    as_span_batch_init(&b);
    add(&b, 2, 15, 11, "LLM", 100, 0, false);    /* a late child of the root */
    store_fixture_write(st, &b, "other-project", NULL);
    int64_t pid = store_fixture_project_id(st, "p");
    json_t *root = store_fixture_span_named(st, pid, "span11");
    CHECK(root != NULL);
    CHECK_INT(jint(root, "cumulative_token_count_prompt"), 1 + 7 + 5 + 100);
    CHECK_INT(jint(root, "cumulative_token_count_completion"), 1 + 3);
    CHECK_INT(jint(root, "cumulative_error_count"), 1);
    json_decref(root);
    json_t *mid = store_fixture_span_named(st, pid, "span12");
    CHECK_INT(jint(mid, "cumulative_token_count_prompt"), 12);
    json_decref(mid);
    /* the trace's project was fixed by its first span */
    json_t *late = store_fixture_span_named(st, pid, "span15");
    CHECK(late != NULL);
    json_decref(late);
    CHECK_INT(store_fixture_project_id(st, "other-project"), -1);
    store_fixture_close(st);
}

TEST(duplicates_ignored) {
    as_store *st = store_fixture_open("store", NULL);
    as_span_batch b;
    as_span_batch_init(&b);
    add(&b, 3, 21, 0, "AGENT", 0, 0, false);
    add(&b, 3, 22, 21, "LLM", 10, 0, false);
    size_t stored;
    store_fixture_write(st, &b, NULL, &stored);
    CHECK_INT(stored, 2);
    as_span_batch_init(&b);
    add(&b, 3, 22, 21, "LLM", 10, 0, false);     /* re-sent */
    add(&b, 3, 23, 22, "TOOL", 0, 0, true);      /* new child of it */
    store_fixture_write(st, &b, NULL, &stored);
    CHECK_INT(stored, 1);
    int64_t pid = store_fixture_project_id(st, "default");
    json_t *root = store_fixture_span_named(st, pid, "span21");
    CHECK_INT(jint(root, "cumulative_token_count_prompt"), 10);
    CHECK_INT(jint(root, "cumulative_error_count"), 1);
    json_decref(root);
    json_t *llm = store_fixture_span_named(st, pid, "span22");
    CHECK_INT(jint(llm, "cumulative_error_count"), 1);
    json_decref(llm);
    CHECK_INT(as_store_span_count(st), 3);
    store_fixture_close(st);
}

TEST(traces_and_sessions) {
    as_store *st = store_fixture_open("store", NULL);
    as_span_batch b;
    as_span_batch_init(&b);
    as_span *s = add(&b, 4, 31, 0, "AGENT", 0, 0, false);
    json_object_set_new(s->attributes, "session.id", json_string("sess-1"));
    add(&b, 4, 32, 31, "LLM", 20, 5, false);
    s = add(&b, 5, 33, 0, "AGENT", 0, 0, false);
    json_object_set_new(s->attributes, "session.id", json_string("sess-1"));
    store_fixture_write(st, &b, NULL, NULL);
    int64_t pid = store_fixture_project_id(st, "default");
    as_trace_query q;
    memset(&q, 0, sizeof(q));
    q.project_id = pid;
    q.limit = 1;
    json_t *rows;
    bool more;
    as_err err;
    CHECK_INT(as_store_trace_query(st, &q, &rows, &more, &err), AS_OK);
    CHECK_INT(json_array_size(rows), 1);
    CHECK(more);
    json_decref(rows);
    q.limit = 10;
    q.sort_latency = true;
    CHECK_INT(as_store_trace_query(st, &q, &rows, &more, &err), AS_OK);
    CHECK_INT(json_array_size(rows), 2);
    CHECK(!more);
    json_t *t4 = NULL;
    for (size_t i = 0; i < 2; i++) {
        json_t *t = json_array_get(rows, i);
        if (strcmp(json_string_value(json_object_get(t, "trace_id")),
                   "00000000000000000000000000000004") == 0) t4 = t;
    }
    CHECK(t4 != NULL);
    if (t4) {
        CHECK_INT(jint(t4, "token_count_prompt"), 20);
        CHECK_INT(jint(t4, "token_count_total"), 25);
        CHECK_INT(jint(t4, "span_count"), 2);
    }
    json_decref(rows);
    json_t *sess;
    CHECK_INT(as_store_session_get(st, 0, "sess-1", &sess, &err), AS_OK);
    CHECK_INT(json_array_size(json_object_get(sess, "traces")), 2);
    CHECK_INT(jint(sess, "token_count_completion"), 5);
    int64_t sid = jint(sess, "id");
    json_decref(sess);
    CHECK_INT(as_store_session_delete(st, sid, &err), AS_OK);
    CHECK_INT(as_store_span_count(st), 0);
    CHECK_INT(as_store_session_get(st, sid, NULL, &sess, &err), AS_ENOTFOUND);
    store_fixture_close(st);
}

/* Spans found by span id alone: the index is caught up by the reader, the
 * same span id in two traces resolves to the newer span, a deleted span
 * disappears, and a span stored after a deletion (its rowid reused) is
 * found. */
TEST(spans_resolve) {
    as_store *st = store_fixture_open("store", NULL);
    as_span_batch b;
    as_span_batch_init(&b);
    add(&b, 6, 41, 0, "AGENT", 0, 0, false);
    add(&b, 6, 42, 41, "LLM", 1, 1, false);
    store_fixture_write(st, &b, NULL, NULL);
    const char *ids[] = { "0000000000000029", "000000000000002a", "00000000000000ff" };
    as_span_ref ref[3];
    as_err err;
    CHECK_INT(as_store_spans_resolve(st, ids, 3, ref, &err), AS_OK);
    CHECK(ref[0].rowid > 0 && ref[1].rowid > 0 && ref[0].rowid != ref[1].rowid);
    CHECK(ref[0].trace_rowid == ref[1].trace_rowid && ref[0].trace_rowid > 0);
    CHECK_INT(ref[0].project_id, store_fixture_project_id(st, "default"));
    CHECK_INT(ref[2].rowid, 0);
    int64_t first_trace = ref[0].trace_rowid;

    /* The same span id in a later trace: the newer span wins. */
    as_span_batch_init(&b);
    add(&b, 7, 41, 0, "AGENT", 0, 0, false);
    store_fixture_write(st, &b, "other", NULL);
    CHECK_INT(as_store_spans_resolve(st, ids, 1, ref, &err), AS_OK);
    CHECK(ref[0].trace_rowid != first_trace);
    CHECK_INT(ref[0].project_id, store_fixture_project_id(st, "other"));
    int64_t newest = ref[0].rowid;

    /* Delete the newest trace: its span goes, the older one is found
     * again; a new span then reuses the freed rowid and is found too. */
    CHECK_INT(as_store_trace_delete(st, ref[0].trace_rowid, &err), AS_OK);
    CHECK_INT(as_store_spans_resolve(st, ids, 1, ref, &err), AS_OK);
    CHECK_INT(ref[0].trace_rowid, first_trace);
    as_span_batch_init(&b);
    add(&b, 8, 43, 0, "AGENT", 0, 0, false);
    store_fixture_write(st, &b, NULL, NULL);
    const char *id43 = "000000000000002b";
    CHECK_INT(as_store_spans_resolve(st, &id43, 1, ref, &err), AS_OK);
    CHECK_INT(ref[0].rowid, newest);

    const char *bad = "xyz";
    CHECK_INT(as_store_spans_resolve(st, &bad, 1, ref, &err), AS_EUNPROCESSABLE);
    CHECK(strstr(err.msg, "xyz") != NULL);
    store_fixture_close(st);
}

TEST(projects_crud) {
    as_store *st = store_fixture_open("store", NULL);
    json_t *row;
    as_err err;
    CHECK_INT(as_store_project_create(st, "alpha", "first", &row, &err), AS_OK);
    int64_t id = jint(row, "id");
    json_decref(row);
    CHECK_INT(as_store_project_create(st, "alpha", NULL, &row, &err), AS_ECONFLICT);
    CHECK(strstr(err.msg, "alpha") != NULL);
    CHECK_INT(as_store_project_update(st, id, "changed", &row, &err), AS_OK);
    CHECK_STR(json_string_value(json_object_get(row, "description")), "changed");
    json_decref(row);
    CHECK_INT(as_store_project_delete(st, id, &err), AS_OK);
    CHECK_INT(as_store_project_delete(st, id, &err), AS_ENOTFOUND);
    CHECK_INT(as_store_schema_version(st), as_store_latest_schema_version());
    store_fixture_close(st);
}

TEST_MAIN(T(cumulative_in_one_request), T(children_arrive_first_across_requests),
          T(duplicates_ignored), T(traces_and_sessions), T(projects_crud),
          T(spans_resolve))
