/*
 * test_json.c - the arena JSON reader (src/core/json.c), checked against
 * what jansson reads from the same text.
 */
#include <jansson.h>

#include "assay/json.h"
#include "assay/utf8.h"
#include "harness.h"

static const as_jval *rd(as_arena *a, const char *s, as_err *err) {
    const as_jval *v = NULL;
    if (as_json_read(s, strlen(s), a, 0, &v, err) != AS_OK) return NULL;
    return v;
}

TEST(json_values) {
    as_arena a;
    as_arena_init(&a);
    as_err err;
    const as_jval *v = rd(&a, " {\"a\": [1, -2.5e3, true, false, null, \"x\"], \"b\": {}, \"c\": [] } ", &err);
    CHECK(v != NULL);
    CHECK(as_json_is(v, AS_J_OBJ));
    CHECK_INT(v->n, 3);
    const as_jval *arr = as_json_get(v, "a");
    CHECK_INT(arr->n, 6);
    int64_t i = 0;
    CHECK(as_json_int(as_json_at(arr, 0), &i) && i == 1);
    CHECK_DBL(as_json_at(arr, 1)->u.num, -2500, 0);
    CHECK(as_json_int(as_json_at(arr, 1), &i) && i == -2500);
    CHECK(as_json_is(as_json_at(arr, 2), AS_J_TRUE));
    CHECK(as_json_is(as_json_at(arr, 3), AS_J_FALSE));
    CHECK(as_json_is(as_json_at(arr, 4), AS_J_NULL));
    CHECK_STR(as_json_str(as_json_at(arr, 5)), "x");
    CHECK(as_json_at(arr, 6) == NULL);
    CHECK(as_json_get(v, "zz") == NULL);
    CHECK(as_json_get(arr, "a") == NULL);
    CHECK(as_json_str(arr) == NULL);
    CHECK(as_json_is(as_json_get(v, "b"), AS_J_OBJ) && as_json_get(v, "b")->n == 0);
    /* each value knows its source text */
    CHECK_INT(arr->src_len, strlen("[1, -2.5e3, true, false, null, \"x\"]"));
    CHECK(memcmp(arr->src, "[1, -2.5e3", 10) == 0);
    /* big and non-integral numbers */
    v = rd(&a, "[9223372036854775807, 9223372036854775808, 1.5, 1e400]", &err);
    CHECK(v == NULL && strstr(err.msg, "out of range") != NULL);
    v = rd(&a, "[9223372036854775807, 9223372036854775808, 1.5, 3.0]", &err);
    CHECK(as_json_int(as_json_at(v, 0), &i) && i == INT64_MAX);
    CHECK(!as_json_int(as_json_at(v, 1), &i));
    CHECK(!as_json_int(as_json_at(v, 2), &i));
    CHECK(as_json_int(as_json_at(v, 3), &i) && i == 3);
    as_arena_release(&a);
}

TEST(json_strings) {
    as_arena a;
    as_arena_init(&a);
    as_err err;
    const as_jval *v = rd(&a, "\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\\u00e9\\u20AC\\ud83d\\ude00\\u0000z\"", &err);
    CHECK(v != NULL);
    const char want[] = "a\"b\\c/d\b\f\n\r\t\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\0z";
    CHECK_INT(v->n, sizeof want - 1);
    CHECK(memcmp(v->u.str, want, sizeof want) == 0);
    /* keys are unescaped too; the first of duplicate keys wins */
    v = rd(&a, "{\"k\\u0031\": 1, \"k1\": 2}", &err);
    int64_t i;
    CHECK(as_json_int(as_json_get(v, "k1"), &i) && i == 1);
    as_arena_release(&a);
}

TEST(json_errors_name_the_place) {
    as_arena a;
    as_arena_init(&a);
    as_err err;
    struct { const char *text, *msg; } cases[] = {
        { "", "line 1 column 1: unexpected end of text" },
        { "{\"a\" 1}", "line 1 column 6: ':' expected" },
        { "[1,\n 2,,]", "line 2 column 4: unexpected character" },
        { "{\"a\":1,}", "line 1 column 8: object key expected" },
        { "[1 2]", "line 1 column 4: ',' or ']' expected" },
        { "\"abc", "line 1 column 1: unterminated string" },
        { "\"a\tb\"", "line 1 column 3: control character in a string" },
        { "\"\\x\"", "line 1 column 2: bad escape in a string" },
        { "\"\\u12\"", "line 1 column 2: bad \\u escape" },
        { "\"\\ud800x\"", "line 1 column 2: lone surrogate in a \\u escape" },
        { "\"\\udc00\"", "line 1 column 2: lone surrogate in a \\u escape" },
        { "\"\xff\"", "line 1 column 2: invalid UTF-8 in a string" },
        { "{} x", "line 1 column 4: text after the JSON value" },
        { "01", "line 1 column 2: text after the JSON value" },
        { "-", "line 1 column 1: unexpected character" },
        { "1.", "line 1 column 3: digit expected" },
        { "tru", "line 1 column 1: unexpected character" },
    };
    for (size_t k = 0; k < AS_ARRAY_LEN(cases); k++) {
        const as_jval *v = NULL;
        as_rc rc = as_json_read(cases[k].text, strlen(cases[k].text), &a, 0, &v, &err);
        CHECK(rc == AS_EINVAL && v == NULL);
        if (rc) CHECK_STR(err.msg, cases[k].msg);
    }
    /* depth */
    char deep[200];
    memset(deep, '[', 100);
    memset(deep + 100, ']', 100);
    const as_jval *v = NULL;
    CHECK_INT(as_json_read(deep, 200, &a, 64, &v, &err), AS_ETOOBIG);
    CHECK_INT(as_json_read(deep + 40, 120, &a, 64, &v, &err), AS_OK);
    as_arena_release(&a);
}

/* Compare with jansson on many shapes: same structure and values. */
static bool same(const as_jval *v, const json_t *j) {
    switch (v->type) {
    case AS_J_NULL: return json_is_null(j);
    case AS_J_TRUE: return json_is_true(j);
    case AS_J_FALSE: return json_is_false(j);
    case AS_J_NUM: return json_is_number(j) && json_number_value(j) == v->u.num;
    case AS_J_STR: return json_is_string(j) && json_string_length(j) == v->n &&
                          memcmp(json_string_value(j), v->u.str, v->n) == 0;
    case AS_J_ARR:
        if (!json_is_array(j) || json_array_size(j) != v->n) return false;
        for (size_t i = 0; i < v->n; i++)
            if (!same(&v->u.items[i], json_array_get(j, i))) return false;
        return true;
    case AS_J_OBJ:
        if (!json_is_object(j) || json_object_size(j) != v->n) return false;
        for (size_t i = 0; i < v->n; i++)
            if (!same(&v->u.members[i].val, json_object_get(j, v->u.members[i].key))) return false;
        return true;
    }
    return false;
}

TEST(json_agrees_with_jansson) {
    const char *docs[] = {
        "{\"id\":\"chatcmpl-1\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
        "\"content\":null,\"tool_calls\":[{\"function\":{\"name\":\"record_label\",\"arguments\":"
        "\"{\\\"explanation\\\":\\\"ok \\\\u00e9\\\",\\\"label\\\":\\\"factual\\\"}\"}}]},"
        "\"finish_reason\":\"tool_calls\"}],\"usage\":{\"prompt_tokens\":435,\"completion_tokens\":16}}",
        "[[[[[]]]],{\"a\":{\"b\":{\"c\":[1,2,{\"d\":\"e\"}]}}}, 0.1, -0, 1E+2, 2e-3]",
        "{\"many\":[0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33]}",
        "{\"k0\":0,\"k1\":1,\"k2\":2,\"k3\":3,\"k4\":4,\"k5\":5,\"k6\":6,\"k7\":7,\"k8\":8,\"k9\":9,"
        "\"k10\":10,\"k11\":11,\"k12\":12,\"k13\":13,\"k14\":14,\"k15\":15,\"k16\":16,\"k17\":17}",
        "\"\\u00e9\\u4e2d\\ud834\\udd1e\"",
    };
    for (size_t k = 0; k < AS_ARRAY_LEN(docs); k++) {
        as_arena a;
        as_arena_init(&a);
        as_err err;
        const as_jval *v = rd(&a, docs[k], &err);
        json_t *j = json_loads(docs[k], JSON_DECODE_ANY, NULL);
        CHECK(v != NULL && j != NULL);
        if (v && j) CHECK(same(v, j));
        json_decref(j);
        as_arena_release(&a);
    }
}

TEST(utf8_cuts_on_character_boundaries) {
    const char *s = "ab\xe2\x82\xac\xe2\x82\xac";             /* ab€€ */
    CHECK_INT(as_utf8_prefix_len(s, 8, 8), 8);
    CHECK_INT(as_utf8_prefix_len(s, 8, 7), 5);
    CHECK_INT(as_utf8_prefix_len(s, 8, 4), 2);
    CHECK_INT(as_utf8_prefix_len(s, 8, 2), 2);
    char out[16];
    CHECK_STR(as_utf8_excerpt(s, 8, out, 9), "ab\xe2\x82\xac...");
    CHECK_STR(as_utf8_excerpt("a\nb", 3, out, 16), "a b");
    as_err err;
    char big[600];
    memset(big, 'x', 509);
    strcpy(big + 509, "\xe2\x82\xac\xe2\x82\xac");          /* a cut inside a character */
    as_err_set(&err, AS_EINVAL, "%s", big);
    CHECK(as_utf8_valid(err.msg, strlen(err.msg)));
    CHECK_INT(strlen(err.msg), 509);
}

TEST_MAIN(T(utf8_cuts_on_character_boundaries), T(json_values), T(json_strings), T(json_errors_name_the_place), T(json_agrees_with_jansson))
