/* test_code_eval.c - the code evaluators (src/eval/code.c) and the text
 * metrics (src/eval/textmetrics.c): every kind's pass, fail, parameter
 * errors and explanation, and BLEU / ROUGE-L / Levenshtein against values
 * computed by hand. */
#include "harness.h"

#include <math.h>
#include <pthread.h>

#include "assay/eval.h"
#include "../../src/eval/textmetrics.h"

/* ---- helpers ---------------------------------------------------------- */

typedef struct vars {
    const char *names[6];
    const char *values[6];
} vars;

static const char *lookup(void *ud, const char *name) {
    const vars *m = ud;
    for (size_t i = 0; i < 6 && m->names[i]; i++)
        if (strcmp(m->names[i], name) == 0) return m->values[i];
    return NULL;
}

static as_verdict V = { "", 0, NULL };
static as_err E;

/* Create, run over {output, expected, latency_ms, cost_usd}, free. */
static as_rc ev4(const char *kind, const char *params, const char *output,
                 const char *expected, const char *latency, const char *cost) {
    as_verdict_clear(&V);
    as_err_clear(&E);
    as_code_eval *c = NULL;
    as_rc rc = as_code_eval_new(kind, params, &c, &E);
    if (rc) return rc;
    vars m = { { "output", "expected", "latency_ms", "cost_usd" },
               { output, expected, latency, cost } };
    rc = as_code_eval_run(c, lookup, &m, &V, &E);
    as_code_eval_free(c);
    return rc;
}

static as_rc ev(const char *kind, const char *params, const char *output,
                const char *expected) {
    return ev4(kind, params, output, expected, NULL, NULL);
}

/* Creation only: the error. */
static as_rc mk(const char *kind, const char *params) {
    as_err_clear(&E);
    as_code_eval *c = NULL;
    as_rc rc = as_code_eval_new(kind, params, &c, &E);
    CHECK(rc == AS_OK ? c != NULL : c == NULL);
    as_code_eval_free(c);
    return rc;
}

#define VERDICT(rc_expr, lab, why) do { \
    CHECK_INT(rc_expr, AS_OK); \
    CHECK_STR(V.label, lab); \
    CHECK_STR(V.explanation, why); \
    CHECK_DBL(V.score, strcmp(lab, "pass") == 0 ? 1.0 : 0.0, 0); } while (0)
#define PASS(rc_expr, why) VERDICT(rc_expr, "pass", why)
#define FAIL(rc_expr, why) VERDICT(rc_expr, "fail", why)
/* Similarity kinds: label, score and explanation. */
#define SIM(rc_expr, lab, sc, why) do { \
    CHECK_INT(rc_expr, AS_OK); \
    CHECK_STR(V.label, lab); \
    CHECK_DBL(V.score, sc, 1e-12); \
    CHECK_STR(V.explanation, why); } while (0)
#define ERR(rc_expr, message) do { \
    CHECK_INT(rc_expr, AS_EINVAL); \
    CHECK_STR(E.msg, message); } while (0)

static bool has(const char *s, const char *sub) { return s && strstr(s, sub); }

/* ---- the kinds table -------------------------------------------------- */

TEST(kinds_list) {
    static const char *const want[] = {
        "exact_match", "contains", "icontains", "starts_with", "contains_any",
        "contains_all", "regex", "json_valid", "json_schema", "max_length",
        "min_length", "levenshtein", "bleu", "rouge_l", "numeric", "latency",
        "cost" };
    const char *const *k = as_code_eval_kinds();
    size_t n = 0;
    while (k[n]) n++;
    CHECK_INT(n, AS_ARRAY_LEN(want));
    for (size_t i = 0; i < n && i < AS_ARRAY_LEN(want); i++) CHECK_STR(k[i], want[i]);
}

/* Minimal parameters of each kind, for the table-wide tests. */
static const char *min_params(const char *kind) {
    static const struct { const char *kind, *params; } p[] = {
        { "contains", "x" }, { "icontains", "x" }, { "starts_with", "x" },
        { "contains_any", "x" }, { "contains_all", "x" }, { "regex", "x" },
        { "json_schema", "{\"type\":\"object\"}" }, { "max_length", "5" },
        { "min_length", "5" }, { "latency", "100" }, { "cost", "0.1" },
    };
    for (size_t i = 0; i < AS_ARRAY_LEN(p); i++)
        if (strcmp(p[i].kind, kind) == 0) return p[i].params;
    return NULL;
}

TEST(kinds_create_and_vars) {
    for (const char *const *k = as_code_eval_kinds(); *k; k++) {
        as_code_eval *c = NULL;
        CHECK_INT(as_code_eval_new(*k, min_params(*k), &c, &E), AS_OK);
        if (!c) continue;
        CHECK_STR(as_code_eval_kind(c), *k);
        const char *const *names;
        size_t n = as_code_eval_vars(c, &names);
        bool cmp = strcmp(*k, "exact_match") == 0 || strcmp(*k, "levenshtein") == 0 ||
                   strcmp(*k, "bleu") == 0 || strcmp(*k, "rouge_l") == 0 ||
                   strcmp(*k, "numeric") == 0;
        CHECK_INT(n, cmp ? 2 : 1);
        const char *first = strcmp(*k, "latency") == 0 ? "latency_ms"
                            : strcmp(*k, "cost") == 0 ? "cost_usd" : "output";
        CHECK_STR(names[0], first);
        if (cmp && n == 2) CHECK_STR(names[1], "expected");
        as_code_eval_free(c);
    }
}

TEST(kinds_missing_variable) {
    /* Every kind refuses a row without its first variable, and the
     * comparing kinds one without `expected`; no verdict is written. */
    for (const char *const *k = as_code_eval_kinds(); *k; k++) {
        as_code_eval *c = NULL;
        if (as_code_eval_new(*k, min_params(*k), &c, &E) != AS_OK) continue;
        const char *const *names;
        size_t n = as_code_eval_vars(c, &names);
        vars none = { { NULL }, { NULL } };
        as_verdict v = { "untouched", 7, NULL };
        char want[200];
        snprintf(want, sizeof want, "%s: variable '%s' has no value", *k, names[0]);
        CHECK_INT(as_code_eval_run(c, lookup, &none, &v, &E), AS_EINVAL);
        CHECK_STR(E.msg, want);
        CHECK_STR(v.label, "untouched");
        CHECK(v.explanation == NULL);
        if (n == 2) {
            vars half = { { names[0] }, { "1" } };
            snprintf(want, sizeof want, "%s: variable '%s' has no value", *k, names[1]);
            CHECK_INT(as_code_eval_run(c, lookup, &half, &v, &E), AS_EINVAL);
            CHECK_STR(E.msg, want);
        }
        as_code_eval_free(c);
    }
    ERR(ev("exact_match", NULL, "a", NULL), "exact_match: variable 'expected' has no value");
}

TEST(unknown_kind) {
    ERR(mk("exact", NULL),
        "unknown code evaluator kind 'exact' (kinds: exact_match, contains, icontains, "
        "starts_with, contains_any, contains_all, regex, json_valid, json_schema, "
        "max_length, min_length, levenshtein, bleu, rouge_l, numeric, latency, cost)");
    CHECK_INT(mk(NULL, NULL), AS_EINVAL);
    CHECK(has(E.msg, "unknown code evaluator kind ''"));
}

TEST(params_common_errors) {
    ERR(mk("contains", "{\"valeu\": \"x\"}"),
        "contains: unknown parameter 'valeu' (accepted: value, column, ignore_case, trim)");
    ERR(mk("icontains", "{\"value\": \"x\", \"ignore_case\": true}"),
        "icontains: unknown parameter 'ignore_case' (accepted: value, column, trim)");
    ERR(mk("contains", "{\"value\": \"x\""),
        "contains: parameters are not valid JSON: '}' expected near end of file "
        "(line 1, column 13)");
    ERR(mk("contains", "{\"value\": \"x\", \"value\": \"y\"}"),
        "contains: parameters are not valid JSON: duplicate object key near '\"value\"' "
        "(line 1, column 22)");
    ERR(mk("exact_match", "yes"),
        "exact_match: takes no plain argument (got \"yes\"); give parameters as a JSON object");
    ERR(mk("json_valid", "x"),
        "json_valid: takes no plain argument (got \"x\"); give parameters as a JSON object");
    ERR(mk("contains", NULL), "contains: parameter 'value' is required (e.g. contains:refund)");
    ERR(mk("contains", ""), "contains: parameter 'value' is required (e.g. contains:refund)");
    ERR(mk("contains", "{}"), "contains: parameter 'value' is required (e.g. contains:refund)");
    ERR(mk("contains", "{\"value\": 3}"),
        "contains: parameter 'value' must be a non-empty string, got 3");
    ERR(mk("contains", "{\"value\": \"\"}"),
        "contains: parameter 'value' must be a non-empty string, got \"\"");
    ERR(mk("contains", "{\"value\": \"a\\u0000b\"}"),
        "contains: parameters are not valid JSON: \\u0000 is not allowed without "
        "JSON_ALLOW_NUL near '\"a\\u0000b\"' (line 1, column 20)");
    ERR(mk("contains", "\xff"), "contains: parameter 'value' is not valid UTF-8");
    ERR(mk("exact_match", "{\"trim\": \"yes\"}"),
        "exact_match: parameter 'trim' must be true or false, got \"yes\"");
    ERR(mk("exact_match", "{\"column\": \"\"}"),
        "exact_match: parameter 'column' must be a non-empty string, got \"\"");
    ERR(mk("exact_match", "{\"column\": null}"),
        "exact_match: parameter 'column' must be a non-empty string, got null");
    ERR(mk("bleu", "{\"ignore_case\": true}"),
        "bleu: unknown parameter 'ignore_case' (accepted: threshold, column, expected_column)");
    ERR(mk("latency", "{\"max_ms\": 5, \"trim\": true}"),
        "latency: unknown parameter 'trim' (accepted: max_ms, column)");
    CHECK_INT(mk("exact_match", NULL), AS_OK);
    CHECK_INT(mk("exact_match", ""), AS_OK);
    CHECK_INT(mk("exact_match", "  {\"trim\": true}"), AS_OK);
}

TEST(verdict_clear) {
    as_verdict v = { "pass", 1, NULL };
    CHECK_INT(ev("contains", "a", "abc", NULL), AS_OK);
    v.explanation = V.explanation;
    V.explanation = NULL;
    as_verdict_clear(&v);
    CHECK(v.explanation == NULL);
    CHECK_STR(v.label, "");
    CHECK(isnan(v.score));
    as_verdict_clear(&v);       /* twice is fine */
    as_verdict_clear(NULL);
}

/* ---- exact_match ------------------------------------------------------ */

TEST(exact_match) {
    PASS(ev("exact_match", NULL, "Paris", "Paris"),
         "output equals expected (5 characters)");
    FAIL(ev("exact_match", NULL, "Paris, France", "Paris"),
         "first difference at character 5: output \", France\", expected \"\"");
    FAIL(ev("exact_match", NULL, "paris", "Paris"),
         "first difference at character 0: output \"paris\", expected \"Paris\"");
    PASS(ev("exact_match", NULL, "", ""), "output equals expected (0 characters)");
    FAIL(ev("exact_match", NULL, "", "a"),
         "first difference at character 0: output \"\", expected \"a\"");
    /* positions count characters, not bytes */
    FAIL(ev("exact_match", NULL, "h\xc3\xa9llo w", "h\xc3\xa9llo v"),
         "first difference at character 6: output \"w\", expected \"v\"");
    FAIL(ev("exact_match", NULL, "caf\xc3\xa9", "caf\xc3\xa8"),
         "first difference at character 3: output \"\xc3\xa9\", expected \"\xc3\xa8\"");
    /* no trimming unless asked */
    FAIL(ev("exact_match", NULL, "Paris\n", "Paris"),
         "first difference at character 5: output \"\\n\", expected \"\"");
    PASS(ev("exact_match", "{\"trim\": true}", " \tParis\n", "Paris  "),
         "output equals expected (5 characters, trimmed)");
    /* a long difference is cut */
    char long_a[200], long_b[200];
    memset(long_a, 'a', 100);
    long_a[100] = 0;
    memset(long_b, 'a', 100);
    long_b[100] = 0;
    long_b[10] = 'b';
    FAIL(ev("exact_match", NULL, long_a, long_b),
         "first difference at character 10: output "
         "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"..., expected "
         "\"baaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"...");
    /* invalid UTF-8 shows as U+FFFD in the explanation */
    FAIL(ev("exact_match", NULL, "x\x80y", "x\x81y"),
         "first difference at character 1: output \"\xef\xbf\xbdy\", expected \"\xef\xbf\xbdy\"");
    FAIL(ev("exact_match", NULL, "\xc3\xa9\xc3\xa9", "\xc3\xa9\xc3\xa8"),
         "first difference at character 1: output \"\xc3\xa9\", expected \"\xc3\xa8\"");
    FAIL(ev("exact_match", NULL, "a\xff", "a"),
         "first difference at character 1: output \"\xef\xbf\xbd\", expected \"\"");
}

TEST(exact_match_ignore_case) {
    const char *ic = "{\"ignore_case\": true}";
    PASS(ev("exact_match", ic, "PARIS", "paris"),
         "output equals expected (5 characters, ignoring case)");
    /* Latin-1, Latin Extended-A, Greek (final sigma), Cyrillic, Armenian */
    PASS(ev("exact_match", ic, "\xc3\x89" "COLE \xc3\x80 \xc3\x9e", "\xc3\xa9" "cole \xc3\xa0 \xc3\xbe"),
         "output equals expected (9 characters, ignoring case)");
    PASS(ev("exact_match", ic, "\xc5\x81\xc3\x93\xc5\xb9", "\xc5\x82\xc3\xb3\xc5\xba"),
         "output equals expected (3 characters, ignoring case)");   /* ŁÓŹ / łóź */
    PASS(ev("exact_match", ic, "\xce\xa3\xce\x9f\xce\xa6\xce\x9f\xce\xa3",
            "\xcf\x83\xce\xbf\xcf\x86\xce\xbf\xcf\x82"),
         "output equals expected (5 characters, ignoring case)");   /* ΣΟΦΟΣ / σοφος */
    PASS(ev("exact_match", ic, "\xd0\x9c\xd0\x9e\xd0\xa1\xd0\x9a\xd0\x92\xd0\x90",
            "\xd0\xbc\xd0\xbe\xd1\x81\xd0\xba\xd0\xb2\xd0\xb0"),
         "output equals expected (6 characters, ignoring case)");   /* МОСКВА */
    PASS(ev("exact_match", ic, "\xd0\x81", "\xd1\x91"),
         "output equals expected (1 characters, ignoring case)");   /* Ё ё */
    /* ß is not folded to ss (simple folding only); ẞ folds to ß */
    FAIL(ev("exact_match", ic, "Stra\xc3\x9f" "e", "strasse"),
         "first difference at character 4: output \"\xc3\x9f" "e\", expected \"sse\"");
    PASS(ev("exact_match", ic, "STRA\xe1\xba\x9e" "E", "stra\xc3\x9f" "e"),
         "output equals expected (6 characters, ignoring case)");
    /* the difference position is in characters after folding too */
    FAIL(ev("exact_match", ic, "\xc3\x89t\xc3\xa9 X", "\xc3\xa9t\xc3\xa9 y"),
         "first difference at character 4: output \"X\", expected \"y\"");
    PASS(ev("exact_match", "{\"ignore_case\": true, \"trim\": true}", " ABC ", "abc"),
         "output equals expected (3 characters, trimmed, ignoring case)");
}

TEST(exact_match_columns) {
    as_code_eval *c = NULL;
    CHECK_INT(as_code_eval_new("exact_match",
                               "{\"column\": \"answer\", \"expected_column\": \"reference\"}",
                               &c, &E), AS_OK);
    const char *const *names;
    CHECK_INT(as_code_eval_vars(c, &names), 2);
    CHECK_STR(names[0], "answer");
    CHECK_STR(names[1], "reference");
    vars m = { { "output", "expected", "answer", "reference" }, { "x", "x", "42", "42" } };
    as_verdict v = { "", 0, NULL };
    CHECK_INT(as_code_eval_run(c, lookup, &m, &v, &E), AS_OK);
    CHECK_STR(v.label, "pass");
    as_verdict_clear(&v);
    vars m2 = { { "answer" }, { "42" } };
    CHECK_INT(as_code_eval_run(c, lookup, &m2, &v, &E), AS_EINVAL);
    CHECK_STR(E.msg, "exact_match: variable 'reference' has no value");
    as_code_eval_free(c);
}

/* ---- substring kinds -------------------------------------------------- */

TEST(contains) {
    PASS(ev("contains", "refund", "We will refund you.", NULL),
         "found \"refund\" at offset 8");
    FAIL(ev("contains", "refund", "We will not help.", NULL), "missing: \"refund\"");
    FAIL(ev("contains", "refund", "REFUND", NULL), "missing: \"refund\"");
    PASS(ev("contains", "{\"value\": \"refund\", \"ignore_case\": true}", "A REFUND!", NULL),
         "found \"refund\" at offset 2 (ignoring case)");
    /* offsets count characters: "€ " is two */
    PASS(ev("contains", "refund", "\xe2\x82\xac refund", NULL), "found \"refund\" at offset 2");
    PASS(ev("contains", "\xe2\x82\xac", "costs 5\xe2\x82\xac", NULL),
         "found \"\xe2\x82\xac\" at offset 7");
    FAIL(ev("contains", "refund", "", NULL), "missing: \"refund\"");
    /* a plain argument is taken as it is (spaces kept) ... */
    FAIL(ev("contains", " refund", "refund", NULL), "missing: \" refund\"");
    /* ... but a JSON string literal is decoded (a file's "params": "x") */
    PASS(ev("contains", "\"refund\"", "refund", NULL), "found \"refund\" at offset 0");
    PASS(ev("contains", "\"say \\\"hi\\\"\"", "they say \"hi\"", NULL),
         "found \"say \\\"hi\\\"\" at offset 5");
    /* a plain argument starting with [ is text for contains */
    PASS(ev("contains", "[1]", "see [1]", NULL), "found \"[1]\" at offset 4");
    PASS(ev("contains", "{\"value\": \"{x}\"}", "a{x}", NULL), "found \"{x}\" at offset 1");
    /* the output variable can be renamed */
    vars m = { { "answer" }, { "full refund" } };
    as_code_eval *c = NULL;
    CHECK_INT(as_code_eval_new("contains", "{\"value\": \"refund\", \"column\": \"answer\"}",
                               &c, &E), AS_OK);
    as_verdict_clear(&V);
    CHECK_INT(as_code_eval_run(c, lookup, &m, &V, &E), AS_OK);
    CHECK_STR(V.explanation, "found \"refund\" at offset 5");
    as_verdict_clear(&V);
    as_code_eval_free(c);
    /* a long value is cut in the explanation */
    FAIL(ev("contains", "0123456789012345678901234567890123456789XYZ", "none", NULL),
         "missing: \"0123456789012345678901234567890123456789\"...");
}

TEST(icontains) {
    PASS(ev("icontains", "Refund", "full REFUND issued", NULL),
         "found \"Refund\" at offset 5 (ignoring case)");
    PASS(ev("icontains", "caf\xc3\xa9", "CAF\xc3\x89 au lait", NULL),
         "found \"caf\xc3\xa9\" at offset 0 (ignoring case)");
    PASS(ev("icontains", "\xcf\x83\xce\xbf\xcf\x86\xce\xbf\xcf\x82", "\xce\xa3\xce\x9f\xce\xa6\xce\x9f\xce\xa3!", NULL),
         "found \"\xcf\x83\xce\xbf\xcf\x86\xce\xbf\xcf\x82\" at offset 0 (ignoring case)");
    FAIL(ev("icontains", "refund", "no money back", NULL),
         "missing: \"refund\" (ignoring case)");
    ERR(mk("icontains", NULL), "icontains: parameter 'value' is required (e.g. icontains:refund)");
    /* trim is accepted; it moves the offset origin */
    PASS(ev("icontains", "{\"value\": \"a\", \"trim\": true}", "  xA", NULL),
         "found \"a\" at offset 1 (ignoring case)");
}

TEST(starts_with) {
    PASS(ev("starts_with", "Dear", "Dear customer,", NULL), "starts with \"Dear\"");
    FAIL(ev("starts_with", "Dear", "Hello there, dear customer", NULL),
         "does not start with \"Dear\"; the output starts with \"Hello there, dear cu\"...");
    FAIL(ev("starts_with", "Dear", " Dear", NULL),
         "does not start with \"Dear\"; the output starts with \" Dear\"");
    PASS(ev("starts_with", "{\"value\": \"Dear\", \"trim\": true}", " \nDear x", NULL),
         "starts with \"Dear\"");
    PASS(ev("starts_with", "{\"value\": \"dear\", \"ignore_case\": true}", "DEAR x", NULL),
         "starts with \"dear\" (ignoring case)");
    FAIL(ev("starts_with", "Dear", "De", NULL),
         "does not start with \"Dear\"; the output starts with \"De\"");
    FAIL(ev("starts_with", "Dear", "", NULL),
         "does not start with \"Dear\"; the output starts with \"\"");
    ERR(mk("starts_with", "{\"value\": [\"a\"]}"),
        "starts_with: parameter 'value' must be a non-empty string, got [\"a\"]");
}

TEST(contains_any) {
    PASS(ev("contains_any", "[\"refund\", \"credit\"]", "store credit", NULL),
         "found \"credit\" at offset 6");
    /* the first listed value that is found is named */
    PASS(ev("contains_any", "[\"b\", \"a\"]", "ab", NULL), "found \"b\" at offset 1");
    FAIL(ev("contains_any", "[\"refund\", \"credit\"]", "nothing", NULL),
         "none found: \"refund\", \"credit\"");
    /* a plain string is one value, even with commas */
    PASS(ev("contains_any", "a,b", "xa,by", NULL), "found \"a,b\" at offset 1");
    FAIL(ev("contains_any", "a,b", "a b", NULL), "none found: \"a,b\"");
    PASS(ev("contains_any", "{\"values\": [\"X\"], \"ignore_case\": true}", "axe", NULL),
         "found \"X\" at offset 1 (ignoring case)");
    ERR(mk("contains_any", "[\"a\", 2]"),
        "contains_any: parameter 'values[1]' must be a non-empty string, got 2");
    ERR(mk("contains_any", "[]"),
        "contains_any: parameter 'values' must be a non-empty array of strings, got []");
    ERR(mk("contains_any", "[\"a\""),
        "contains_any: parameter 'values' is not a valid JSON array: ']' expected near end "
        "of file (line 1, column 4)");
    ERR(mk("contains_any", "{\"values\": \"a\"}"),
        "contains_any: parameter 'values' must be a non-empty array of strings, got \"a\"");
    ERR(mk("contains_any", "{\"value\": \"a\"}"),
        "contains_any: unknown parameter 'value' (accepted: values, column, ignore_case, trim)");
}

TEST(contains_all) {
    PASS(ev("contains_all", "[\"a\", \"b\", \"c\"]", "cab", NULL), "all 3 values found");
    PASS(ev("contains_all", "only", "the only one", NULL), "found \"only\" at offset 4");
    FAIL(ev("contains_all", "[\"refund\", \"sorry\", \"credit\"]", "sorry", NULL),
         "missing: \"refund\", \"credit\" (1 of 3 found)");
    FAIL(ev("contains_all", "[\"refund\"]", "sorry", NULL), "missing: \"refund\"");
    FAIL(ev("contains_all",
            "[\"v1\",\"v2\",\"v3\",\"v4\",\"v5\",\"v6\",\"v7\",\"v8\",\"v9\",\"v10\",\"v11\",\"v12\"]",
            "none", NULL),
         "missing: \"v1\", \"v2\", \"v3\", \"v4\", \"v5\", \"v6\", \"v7\", \"v8\", \"v9\", "
         "\"v10\", and 2 more (0 of 12 found)");
    PASS(ev("contains_all", "{\"values\": [\"\xc3\x89T\xc3\x89\", \"hiver\"], \"ignore_case\": true}",
            "l'\xc3\xa9t\xc3\xa9 et l'HIVER", NULL),
         "all 2 values found (ignoring case)");
}

/* ---- regex -------------------------------------------------------------- */

TEST(regex) {
    PASS(ev("regex", "[0-9]+", "order 1234 shipped", NULL), "matched \"1234\" at offset 6");
    FAIL(ev("regex", "^[0-9]+$", "order 1234", NULL), "no match for \"^[0-9]+$\"");
    /* \d and \D are translated (POSIX EREs lack them) */
    PASS(ev("regex", "^\\d+$", "12345", NULL), "matched \"12345\" at offset 0");
    FAIL(ev("regex", "^\\d+$", "12a45", NULL), "no match for \"^\\\\d+$\"");
    PASS(ev("regex", "\\D+", "12ab3", NULL), "matched \"ab\" at offset 2");
    /* ... but not inside a bracket expression, where \ is literal */
    PASS(ev("regex", "[\\d]+", "5d\\x", NULL), "matched \"d\\\\\" at offset 1");
    PASS(ev("regex", "[[:digit:]]+\\d", "ab123", NULL), "matched \"123\" at offset 2");
    PASS(ev("regex", "[]a]+", "x]a]", NULL), "matched \"]a]\" at offset 1");
    /* GNU's \s \w \b work as documented */
    PASS(ev("regex", "\\w+\\s+\\w+\\b", "- hello  world!", NULL),
         "matched \"hello  world\" at offset 2");
    /* EREs: alternation, groups, intervals */
    PASS(ev("regex", "(yes|no){2}", "maybe yesno", NULL), "matched \"yesno\" at offset 6");
    /* offsets in characters */
    PASS(ev("regex", "b", "\xc3\xa9\xc3\xa9" "b", NULL), "matched \"b\" at offset 2");
    /* case: sensitive unless flags i */
    FAIL(ev("regex", "refund", "REFUND", NULL), "no match for \"refund\"");
    PASS(ev("regex", "{\"pattern\": \"refund\", \"flags\": \"i\"}", "REFUND", NULL),
         "matched \"REFUND\" at offset 0");
    PASS(ev("regex", "{\"pattern\": \"^ok$\", \"trim\": true}", "  ok\n", NULL),
         "matched \"ok\" at offset 0");
    FAIL(ev("regex", "^ok$", "  ok\n", NULL), "no match for \"^ok$\"");
    PASS(ev("regex", "^$", "", NULL), "matched \"\" at offset 0");
    /* errors */
    ERR(mk("regex", "(abc"),
        "regex: parameter 'pattern' \"(abc\" does not compile: Unmatched ( or \\(");
    ERR(mk("regex", "a{2,1}"),
        "regex: parameter 'pattern' \"a{2,1}\" does not compile: Invalid content of \\{\\}");
    ERR(mk("regex", "{\"pattern\": \"a\", \"flags\": \"ix\"}"),
        "regex: parameter 'flags' has an unknown flag 'x' (supported: i)");
    ERR(mk("regex", "{\"pattern\": \"a\", \"flags\": 1}"),
        "regex: parameter 'flags' must be a string such as \"i\", got 1");
    ERR(mk("regex", "{\"pattern\": \"\"}"),
        "regex: parameter 'pattern' must be a non-empty string, got \"\"");
    ERR(mk("regex", "{\"flags\": \"i\"}"),
        "regex: parameter 'pattern' is required (e.g. regex:^[0-9]+$)");
    ERR(mk("regex", "{\"pattern\": \"a\", \"ignore_case\": true}"),
        "regex: unknown parameter 'ignore_case' (accepted: pattern, flags, column, trim)");
}

/* ---- JSON ------------------------------------------------------------------ */

TEST(json_valid) {
    PASS(ev("json_valid", NULL, "{\"a\": [1, 2]}", NULL), "valid JSON (object)");
    PASS(ev("json_valid", NULL, "[1]", NULL), "valid JSON (array)");
    PASS(ev("json_valid", NULL, " 42 ", NULL), "valid JSON (integer)");
    PASS(ev("json_valid", NULL, "\"hi\"", NULL), "valid JSON (string)");
    PASS(ev("json_valid", NULL, "null", NULL), "valid JSON (null)");
    FAIL(ev("json_valid", NULL, "{\"a\": }", NULL),
         "not valid JSON: unexpected token near '}' (line 1, column 7)");
    FAIL(ev("json_valid", NULL, "", NULL),
         "not valid JSON: unexpected token near end of file (line 1, column 0)");
    FAIL(ev("json_valid", NULL, "{} extra", NULL),
         "not valid JSON: end of file expected near 'extra' (line 1, column 8)");
    /* strict by default: a fence is not JSON */
    FAIL(ev("json_valid", NULL, "```json\n{}\n```", NULL),
         "not valid JSON: invalid token near '`' (line 1, column 1)");
    PASS(ev("json_valid", "{\"strip_fence\": true}", "```json\n{\"a\": 1}\n```", NULL),
         "valid JSON (object) after removing the ``` fence");
    FAIL(ev("json_valid", "{\"strip_fence\": true}", "```json\n{\"a\": }\n```", NULL),
         "not valid JSON: unexpected token near '}' (line 1, column 7) "
         "(after removing the ``` fence)");
    ERR(mk("json_valid", "{\"strip_fence\": 1}"),
        "json_valid: parameter 'strip_fence' must be true or false, got 1");
}

static const char *person_schema =
    "{\"type\": \"object\", \"required\": [\"name\", \"age\"],"
    " \"properties\": {"
    "   \"name\": {\"type\": \"string\", \"minLength\": 2, \"maxLength\": 5},"
    "   \"age\": {\"type\": \"integer\", \"minimum\": 0, \"maximum\": 150},"
    "   \"email\": {\"type\": [\"string\", \"null\"]},"
    "   \"role\": {\"enum\": [\"admin\", \"user\", 3]},"
    "   \"kind\": {\"const\": \"person\"},"
    "   \"tags\": {\"type\": \"array\", \"items\": {\"type\": \"string\"},"
    "              \"minItems\": 1, \"maxItems\": 3},"
    "   \"items\": {\"type\": \"array\", \"items\": {\"type\": \"object\","
    "              \"required\": [\"name\"], \"properties\": {\"name\": {\"type\": \"string\"}}}},"
    "   \"first name\": {\"type\": \"string\"}"
    " },"
    " \"additionalProperties\": false}";

TEST(json_schema_pass) {
    PASS(ev("json_schema", person_schema, "{\"name\": \"Ann\", \"age\": 30}", NULL),
         "valid against the schema");
    PASS(ev("json_schema", person_schema,
            "{\"name\": \"Ann\", \"age\": 30.0, \"email\": null, \"role\": 3.0,"
            " \"kind\": \"person\", \"tags\": [\"a\"], \"items\": [{\"name\": \"x\"}],"
            " \"first name\": \"A\"}", NULL),
         "valid against the schema");
    /* Unicode lengths are code points */
    PASS(ev("json_schema", person_schema, "{\"name\": \"\xc3\x89lod\xc3\xa9\", \"age\": 1}", NULL),
         "valid against the schema");
    /* fenced output is unwrapped by default */
    PASS(ev("json_schema", person_schema,
            "```json\n{\"name\": \"Ann\", \"age\": 30}\n```\n", NULL),
         "valid against the schema (after removing the ``` fence)");
    PASS(ev("json_schema", person_schema, "```\n{\"name\": \"Ann\", \"age\": 30}", NULL),
         "valid against the schema (after removing the ``` fence)");
    /* object form, the annotation keywords are ignored */
    PASS(ev("json_schema",
            "{\"schema\": {\"$schema\": \"x\", \"title\": \"t\", \"description\": \"d\","
            " \"type\": \"number\", \"format\": \"f\"}, \"column\": \"output\"}",
            "2.5", NULL),
         "valid against the schema");
    /* a boolean schema, additionalProperties as a schema */
    PASS(ev("json_schema", "{\"schema\": true}", "[1, \"x\"]", NULL), "valid against the schema");
    PASS(ev("json_schema", "{\"additionalProperties\": {\"type\": \"integer\"}}",
            "{\"a\": 1, \"b\": 2}", NULL), "valid against the schema");
}

TEST(json_schema_fail) {
    const char *s = person_schema;
    FAIL(ev("json_schema", s, "[1]", NULL), "$: expected object, got array");
    FAIL(ev("json_schema", s, "{\"age\": 3}", NULL), "$: missing required property \"name\"");
    FAIL(ev("json_schema", s, "{\"name\": \"Ann\", \"age\": \"30\"}", NULL),
         "$.age: expected integer, got string");
    FAIL(ev("json_schema", s, "{\"name\": \"Ann\", \"age\": 30.5}", NULL),
         "$.age: expected integer, got number");
    FAIL(ev("json_schema", s, "{\"name\": \"Ann\", \"age\": -1}", NULL),
         "$.age: -1 is less than the minimum 0");
    FAIL(ev("json_schema", s, "{\"name\": \"Ann\", \"age\": 151}", NULL),
         "$.age: 151 is greater than the maximum 150");
    FAIL(ev("json_schema", s, "{\"name\": \"A\", \"age\": 1}", NULL),
         "$.name: 1 characters, minLength 2");
    FAIL(ev("json_schema", s, "{\"name\": \"\xc3\x89lod\xc3\xa9" "e\", \"age\": 1}", NULL),
         "$.name: 6 characters, maxLength 5");
    FAIL(ev("json_schema", s, "{\"name\": \"Ann\", \"age\": 1, \"email\": 5}", NULL),
         "$.email: expected string or null, got integer");
    FAIL(ev("json_schema", s, "{\"name\": \"Ann\", \"age\": 1, \"role\": \"root\"}", NULL),
         "$.role: \"root\" is not one of [\"admin\",\"user\",3]");
    FAIL(ev("json_schema", s, "{\"name\": \"Ann\", \"age\": 1, \"kind\": \"cat\"}", NULL),
         "$.kind: expected \"person\", got \"cat\"");
    FAIL(ev("json_schema", s, "{\"name\": \"Ann\", \"age\": 1, \"tags\": []}", NULL),
         "$.tags: 0 items, minItems 1");
    FAIL(ev("json_schema", s, "{\"name\": \"Ann\", \"age\": 1, \"tags\": [\"a\",\"b\",\"c\",\"d\"]}",
            NULL), "$.tags: 4 items, maxItems 3");
    FAIL(ev("json_schema", s, "{\"name\": \"Ann\", \"age\": 1, \"tags\": [\"a\", true]}", NULL),
         "$.tags[1]: expected string, got boolean");
    /* nested: the first error, with its path */
    FAIL(ev("json_schema", s,
            "{\"name\": \"Ann\", \"age\": 1, \"items\": [{\"name\": \"a\"}, {\"name\": \"b\"},"
            " {\"name\": 7}]}", NULL),
         "$.items[2].name: expected string, got integer");
    FAIL(ev("json_schema", s,
            "{\"name\": \"Ann\", \"age\": 1, \"items\": [{\"name\": \"a\"}, {}]}", NULL),
         "$.items[1]: missing required property \"name\"");
    FAIL(ev("json_schema", s, "{\"name\": \"Ann\", \"age\": 1, \"first name\": 1}", NULL),
         "$[\"first name\"]: expected string, got integer");
    FAIL(ev("json_schema", s, "{\"name\": \"Ann\", \"age\": 1, \"nick\": \"x\"}", NULL),
         "$.nick: property not allowed (additionalProperties is false)");
    FAIL(ev("json_schema", "{\"additionalProperties\": {\"type\": \"integer\"}}",
            "{\"a\": 1, \"b\": \"2\"}", NULL), "$.b: expected integer, got string");
    FAIL(ev("json_schema", "{\"schema\": false}", "1", NULL), "$: not allowed by the schema");
    FAIL(ev("json_schema", "{\"properties\": {\"a\": false}}", "{\"a\": 1}", NULL),
         "$.a: not allowed by the schema");
    FAIL(ev("json_schema", "{\"type\": \"object\"}", "{\"type\": ", NULL),
         "not valid JSON: unexpected token near end of file (line 1, column 9)");
    FAIL(ev("json_schema", "{\"type\": \"object\"}", "```json\n{\"a\" 1}\n```", NULL),
         "not valid JSON: ':' expected near '1' (line 1, column 6) "
         "(after removing the ``` fence)");
    FAIL(ev("json_schema", "{\"schema\": {\"type\": \"object\"}, \"strip_fence\": false}",
            "```json\n{}\n```", NULL),
         "not valid JSON: invalid token near '`' (line 1, column 1)");
    FAIL(ev("json_schema", "{\"type\": \"boolean\"}", "\"true\"", NULL),
         "$: expected boolean, got string");
    FAIL(ev("json_schema", "{\"type\": \"null\"}", "0", NULL), "$: expected null, got integer");
    FAIL(ev("json_schema", "{\"enum\": [{\"a\": [1, 2]}]}", "{\"a\": [1, 3]}", NULL),
         "$: {\"a\":[1,3]} is not one of [{\"a\":[1,2]}]");
    PASS(ev("json_schema", "{\"enum\": [{\"a\": [1, 2.0]}]}", "{\"a\": [1.0, 2]}", NULL),
         "valid against the schema");
}

TEST(json_schema_errors) {
    ERR(mk("json_schema", NULL),
        "json_schema: parameter 'schema' is required (e.g. json_schema:{\"type\":\"object\"})");
    ERR(mk("json_schema", "object"),
        "json_schema: parameter 'schema' must be a JSON object, got \"object\"");
    ERR(mk("json_schema", "{\"schema\": [1]}"),
        "json_schema: parameter 'schema' must be a JSON object, got [1]");
    ERR(mk("json_schema", "{\"type\": }"),
        "json_schema: parameters are not valid JSON: unexpected token near '}' "
        "(line 1, column 10)");
    ERR(mk("json_schema", "{\"type\": \"int\"}"),
        "json_schema: schema error at $.type: unknown type \"int\" (types: object, array, "
        "string, number, integer, boolean, null)");
    ERR(mk("json_schema", "{\"properties\": {\"a\": {\"type\": [\"string\", 1]}}}"),
        "json_schema: schema error at $.properties.a.type: unknown type 1 (types: object, "
        "array, string, number, integer, boolean, null)");
    ERR(mk("json_schema", "{\"properties\": {\"a b\": {\"oneOf\": []}}}"),
        "json_schema: schema error at $.properties[\"a b\"]: keyword 'oneOf' is not supported "
        "(supported: type, properties, required, enum, const, items, additionalProperties, "
        "minLength, maxLength, minimum, maximum, minItems, maxItems)");
    ERR(mk("json_schema", "{\"required\": \"a\"}"),
        "json_schema: schema error at $.required: must be an array of strings");
    ERR(mk("json_schema", "{\"enum\": []}"),
        "json_schema: schema error at $.enum: must be a non-empty array");
    ERR(mk("json_schema", "{\"items\": {\"minLength\": -1}}"),
        "json_schema: schema error at $.items.minLength: must be a non-negative integer");
    ERR(mk("json_schema", "{\"items\": [{}]}"),
        "json_schema: schema error at $.items: a schema must be an object or a boolean");
    ERR(mk("json_schema", "{\"properties\": 1}"),
        "json_schema: schema error at $.properties: must be an object of schemas");
    ERR(mk("json_schema", "{\"minimum\": \"1\"}"),
        "json_schema: schema error at $.minimum: must be a number");
    ERR(mk("json_schema", "{\"schema\": {}, \"trim\": true}"),
        "json_schema: unknown parameter 'trim' (accepted: schema, column, strip_fence)");
}

/* ---- lengths ------------------------------------------------------------------ */

TEST(max_min_length) {
    PASS(ev("max_length", "5", "hello", NULL), "5 characters, limit 5");
    FAIL(ev("max_length", "5", "hello!", NULL), "6 characters, over the limit of 5");
    PASS(ev("max_length", "0", "", NULL), "0 characters, limit 0");
    /* code points, not bytes: "héllo wörld" is 11 characters, 13 bytes */
    PASS(ev("max_length", "11", "h\xc3\xa9llo w\xc3\xb6rld", NULL), "11 characters, limit 11");
    PASS(ev("max_length", "2", "\xf0\x9f\x98\x80\xe4\xbd\xa0", NULL), "2 characters, limit 2");
    PASS(ev("min_length", "{\"chars\": 3}", "abc", NULL), "3 characters, minimum 3");
    FAIL(ev("min_length", "10", "abc", NULL), "3 characters, under the minimum of 10");
    PASS(ev("min_length", "0", "", NULL), "0 characters, minimum 0");
    FAIL(ev("min_length", "{\"chars\": 3, \"trim\": true}", "  ab \n", NULL),
         "2 characters, under the minimum of 3");
    PASS(ev("max_length", "{\"chars\": 4.0}", "abcd", NULL), "4 characters, limit 4");
    /* invalid UTF-8 is an error naming the byte */
    ERR(ev("max_length", "5", "ab\xc3(", NULL),
        "max_length: variable 'output' is not valid UTF-8 at byte 2");
    ERR(ev("min_length", "{\"chars\": 1, \"trim\": true}", "  a\xed\xa0\x80", NULL),
        "min_length: variable 'output' is not valid UTF-8 at byte 3");
    ERR(ev("max_length", "5", "\xc0\x80", NULL),
        "max_length: variable 'output' is not valid UTF-8 at byte 0");
    /* parameters */
    ERR(mk("max_length", "-1"),
        "max_length: parameter 'chars' must be a non-negative integer, got -1");
    ERR(mk("max_length", "abc"),
        "max_length: parameter 'chars' must be a non-negative integer, got \"abc\"");
    ERR(mk("max_length", "5.5"),
        "max_length: parameter 'chars' must be a non-negative integer, got 5.5");
    ERR(mk("min_length", "{\"chars\": \"5\"}"),
        "min_length: parameter 'chars' must be a non-negative integer, got \"5\"");
    ERR(mk("max_length", NULL), "max_length: parameter 'chars' is required (e.g. max_length:500)");
    /* a large output */
    size_t n = 1u << 20;
    char *big = malloc(n + 1);
    for (size_t i = 0; i < n; i += 2) { big[i] = '\xc3'; big[i + 1] = '\xa9'; }
    big[n] = 0;
    FAIL(ev("max_length", "500", big, NULL), "524288 characters, over the limit of 500");
    free(big);
}

/* ---- similarities ------------------------------------------------------------- */

TEST(levenshtein_metric) {
    CHECK_DBL(as_levenshtein_similarity("kitten", "sitting"), 4.0 / 7, 1e-15);
    CHECK_DBL(as_levenshtein_similarity("sitting", "kitten"), 4.0 / 7, 1e-15);
    CHECK_DBL(as_levenshtein_similarity("flaw", "lawn"), 0.5, 1e-15);      /* d = 2 */
    CHECK_DBL(as_levenshtein_similarity("", ""), 1.0, 0);
    CHECK_DBL(as_levenshtein_similarity("abc", ""), 0.0, 0);
    CHECK_DBL(as_levenshtein_similarity(NULL, "ab"), 0.0, 0);
    CHECK_DBL(as_levenshtein_similarity("same", "same"), 1.0, 0);
    CHECK_DBL(as_levenshtein_similarity("abcdef", "azcdxf"), 4.0 / 6, 1e-15);
    CHECK_DBL(as_levenshtein_similarity("ab", "ba"), 0.0, 0);   /* no transpositions */
    /* code points: é vs e is one substitution, not two bytes */
    CHECK_DBL(as_levenshtein_similarity("caf\xc3\xa9", "cafe"), 0.75, 0);
    CHECK_DBL(as_levenshtein_similarity("\xe4\xbd\xa0\xe5\xa5\xbd", "\xe4\xbd\xa0"), 0.5, 0);
    /* case matters in the metric */
    CHECK_DBL(as_levenshtein_similarity("ABC", "abc"), 0.0, 0);
    /* 4 of 5 is exactly 0.8 (passes a 0.8 threshold) */
    CHECK(as_levenshtein_similarity("abcde", "abcdX") == 0.8);
    as_lev_detail d;
    CHECK_DBL(as_tm_levenshtein("intention", 9, "execution", 9, &d), 4.0 / 9, 1e-15);
    CHECK_INT(d.distance, 5);
    CHECK_INT(d.len_a, 9);
    CHECK(!d.truncated);
}

TEST(levenshtein_eval) {
    SIM(ev("levenshtein", NULL, "kitten", "sitting"), "fail", 4.0 / 7,
        "similarity 0.57 < 0.80 (edit distance 3, 6 vs 7 characters)");
    SIM(ev("levenshtein", "0.5", "kitten", "sitting"), "pass", 4.0 / 7,
        "similarity 0.57 >= 0.50 (edit distance 3, 6 vs 7 characters)");
    SIM(ev("levenshtein", NULL, "abcde", "abcdX"), "pass", 0.8,
        "similarity 0.80 >= 0.80 (edit distance 1, 5 vs 5 characters)");
    /* just under the threshold: more decimals so the two differ */
    SIM(ev("levenshtein", "0.572", "kitten", "sitting"), "fail", 4.0 / 7,
        "similarity 0.571 < 0.572 (edit distance 3, 6 vs 7 characters)");
    SIM(ev("levenshtein", "{\"threshold\": 0}", "", "abc"), "pass", 0,
        "similarity 0.00 >= 0.00 (edit distance 3, 0 vs 3 characters)");
    SIM(ev("levenshtein", NULL, "", ""), "pass", 1,
        "similarity 1.00 >= 0.80 (edit distance 0, 0 vs 0 characters)");
    SIM(ev("levenshtein", "{\"ignore_case\": true, \"trim\": true}", " HELLO ", "hello"),
        "pass", 1, "similarity 1.00 >= 0.80 (edit distance 0, 5 vs 5 characters, ignoring case)");
    SIM(ev("levenshtein", "1", "caf\xc3\xa9", "cafe"), "fail", 0.75,
        "similarity 0.75 < 1.00 (edit distance 1, 4 vs 4 characters)");
    ERR(mk("levenshtein", "1.5"),
        "levenshtein: parameter 'threshold' must be a number in [0, 1], got 1.5");
    ERR(mk("levenshtein", "-0.1"),
        "levenshtein: parameter 'threshold' must be a number in [0, 1], got -0.1");
    ERR(mk("levenshtein", "high"),
        "levenshtein: parameter 'threshold' must be a number in [0, 1], got \"high\"");
    ERR(mk("levenshtein", "{\"threshold\": \"0.5\"}"),
        "levenshtein: parameter 'threshold' must be a number in [0, 1], got \"0.5\"");
}

TEST(levenshtein_long) {
    /* Beyond AS_TM_MAX code points only the prefixes are compared, and the
     * explanation says so: these differ only after 25,000 characters. */
    size_t n = 25000;
    char *a = malloc(n + 2), *b = malloc(n + 2);
    memset(a, 'a', n);
    memset(b, 'a', n);
    a[n] = 'x';
    b[n] = 'y';
    a[n + 1] = b[n + 1] = 0;
    SIM(ev("levenshtein", NULL, a, b), "pass", 1.0,
        "similarity 1.00 >= 0.80 (edit distance 0, 20000 vs 20000 characters; "
        "compared the first 20000 characters of each text only)");
    /* a long, completely different pair still finishes (one row of memory) */
    memset(a, 'a', 3000);
    a[3000] = 0;
    memset(b, 'b', 4000);
    b[4000] = 0;
    CHECK_DBL(as_levenshtein_similarity(a, b), 0.0, 0);
    b[1500] = 'a';
    CHECK_DBL(as_levenshtein_similarity(a, b), 1.0 / 4000, 1e-15);
    free(a);
    free(b);
}

/* Tokens joined with '|', for the tokeniser tests. */
static void tok_join(void *ud, const char *t, size_t n) {
    char *out = ud;
    size_t len = strlen(out);
    if (len) out[len++] = '|';
    memcpy(out + len, t, n);
    out[len + n] = 0;
}

static const char *toks(const char *s) {
    static char out[512];
    out[0] = 0;
    as_tm_tokenise(s, strlen(s), 100, tok_join, out, NULL);
    return out;
}

TEST(tokeniser) {
    CHECK_STR(toks("Hello, World! It's 3.14 and 1,000."), "hello|world|it|s|3.14|and|1,000");
    CHECK_STR(toks("  \t\n"), "");
    CHECK_STR(toks("a--b__c"), "a|b|c");
    CHECK_STR(toks("end. 3. .5"), "end|3|5");
    /* Unicode: folding, no-break space, typographic quotes and dashes */
    CHECK_STR(toks("\xc3\x89" "COLE\xc2\xa0" "D'\xc3\x89T\xc3\x89"), "\xc3\xa9" "cole|d|\xc3\xa9t\xc3\xa9");
    CHECK_STR(toks("\xe2\x80\x9cquoted\xe2\x80\x9d \xe2\x80\x94 dash\xe2\x80\xa6"), "quoted|dash");
    CHECK_STR(toks("\xc2\xbf" "Qu\xc3\xa9?"), "qu\xc3\xa9");
    CHECK_STR(toks("\xce\x9a\xce\x91\xce\x9b\xce\x97\xce\x9c\xce\x95\xce\xa1\xce\x91"),
              "\xce\xba\xce\xb1\xce\xbb\xce\xb7\xce\xbc\xce\xb5\xcf\x81\xce\xb1");
    /* CJK: one token per character, punctuation dropped */
    CHECK_STR(toks("\xe6\x88\x91\xe7\x88\xb1\xe5\x8c\x97\xe4\xba\xac\xe3\x80\x82"),
              "\xe6\x88\x91|\xe7\x88\xb1|\xe5\x8c\x97|\xe4\xba\xac");
    CHECK_STR(toks("\xe6\x9d\xb1\xe4\xba\xac" "Tower"), "\xe6\x9d\xb1|\xe4\xba\xac|tower");
    /* fullwidth letters fold, fullwidth punctuation separates */
    CHECK_STR(toks("\xef\xbc\xa1\xef\xbc\xa2\xef\xbc\x81\xef\xbd\x83"), "\xef\xbd\x81\xef\xbd\x82|\xef\xbd\x83");
    /* invalid bytes stay inside words */
    CHECK_STR(toks("ab\xff" "c d"), "ab\xff" "c|d");
    /* the cap */
    char out[64] = "";
    bool more = false;
    CHECK_INT(as_tm_tokenise("a b c d", 7, 3, tok_join, out, &more), 3);
    CHECK_STR(out, "a|b|c");
    CHECK(more);
    out[0] = 0;
    CHECK_INT(as_tm_tokenise("a b c", 5, 3, tok_join, out, &more), 3);
    CHECK(!more);
}

TEST(utf8_helpers) {
    /* strict decoding: an invalid byte is its own pseudo code point */
    uint32_t cp;
    CHECK_INT(as_tm_utf8_next("\xf0\x9f\x98\x80", 4, 0, &cp), 4);
    CHECK_INT(cp, 0x1F600);
    CHECK_INT(as_tm_utf8_next("\xc0\xaf", 2, 0, &cp), 1);           /* overlong */
    CHECK_INT(cp, AS_TM_BAD_BYTE + 0xC0);
    CHECK_INT(as_tm_utf8_next("\xe0\x80\xaf", 3, 0, &cp), 1);       /* overlong */
    CHECK_INT(as_tm_utf8_next("\xed\xa0\x80", 3, 0, &cp), 1);       /* surrogate */
    CHECK_INT(cp, AS_TM_BAD_BYTE + 0xED);
    CHECK_INT(as_tm_utf8_next("\xf4\x90\x80\x80", 4, 0, &cp), 1);  /* > U+10FFFF */
    CHECK_INT(as_tm_utf8_next("\xe2\x82", 2, 0, &cp), 1);           /* truncated */
    CHECK_INT(as_tm_utf8_next("\x80", 1, 0, &cp), 1);
    CHECK_INT(cp, AS_TM_BAD_BYTE + 0x80);
    char enc[4];
    CHECK_INT(as_tm_utf8_encode(0x20AC, enc), 3);
    CHECK(memcmp(enc, "\xe2\x82\xac", 3) == 0);
    CHECK_INT(as_tm_utf8_encode(0x1F600, enc), 4);
    CHECK(memcmp(enc, "\xf0\x9f\x98\x80", 4) == 0);
    CHECK_INT(as_tm_utf8_count("h\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 10), 4);
    CHECK_INT(as_tm_utf8_count("a\xff" "b", 3), 3);
    CHECK_INT(as_tm_utf8_offset("h\xc3\xa9llo", 6, 2), 3);
    CHECK_INT(as_tm_utf8_offset("ab", 2, 5), 2);
    CHECK_INT(as_tm_case_fold('Q'), 'q');
    CHECK_INT(as_tm_case_fold(0xC9), 0xE9);
    CHECK_INT(as_tm_case_fold(0xD7), 0xD7);     /* × */
    CHECK_INT(as_tm_case_fold(0x178), 0xFF);    /* Ÿ */
    CHECK_INT(as_tm_case_fold(0x17F), 's');     /* long s */
    CHECK_INT(as_tm_case_fold(0x130), 0x130);   /* İ: Turkic only */
    CHECK_INT(as_tm_case_fold(0x3A3), 0x3C3);
    CHECK_INT(as_tm_case_fold(0x3C2), 0x3C3);
    CHECK_INT(as_tm_case_fold(0x386), 0x3AC);
    CHECK_INT(as_tm_case_fold(0x401), 0x451);
    CHECK_INT(as_tm_case_fold(0x531), 0x561);
    CHECK_INT(as_tm_case_fold(0x1E9E), 0xDF);
    CHECK_INT(as_tm_case_fold(0x212A), 'k');
    CHECK_INT(as_tm_case_fold(0xFF21), 0xFF41);
    CHECK_INT(as_tm_case_fold(0x4E00), 0x4E00);
    size_t n;
    char *f = as_tm_fold("K\xe2\x84\xaa\xc3\x85\xff", 7, &n);   /* K, Kelvin, Å, bad */
    CHECK_STR(f, "kk\xc3\xa5\xff");
    CHECK_INT(n, 5);
    free(f);
}

TEST(bleu_metric) {
    /* identical: every precision 1, no brevity penalty */
    CHECK_DBL(as_bleu("the cat sat on the mat", "the cat sat on the mat"), 1.0, 1e-15);
    /* case and punctuation are not tokens */
    CHECK_DBL(as_bleu("Hello, World!", "hello world"), 1.0, 1e-15);
    /* short identical sentences too (orders above the length are not used) */
    CHECK_DBL(as_bleu("yes", "yes"), 1.0, 1e-15);
    /* worked example: 1-4-gram matches 5/6, 3/5, 1/4, 0/3 (smoothed to
     * 0.1/3), c = r = 6 */
    CHECK_DBL(as_bleu("the cat sat on the mat", "the cat is on the mat"),
              pow(5.0 / 6 * 3.0 / 5 * 1.0 / 4 * 0.1 / 3, 0.25), 1e-12);
    CHECK_DBL(as_bleu("the cat sat on the mat", "the cat is on the mat"), 0.2540663, 1e-7);
    /* no overlap at all: every precision smoothed, 0.1/4 0.1/3 0.1/2 0.1/1 */
    CHECK_DBL(as_bleu("a b c d", "e f g h"), pow(0.025 * (0.1 / 3) * 0.05 * 0.1, 0.25), 1e-12);
    CHECK_DBL(as_bleu("a b c d", "e f g h"), 0.0451801, 1e-7);
    /* clipping (Papineni's example): "the" x7 matches 2 of the reference */
    CHECK_DBL(as_bleu("the the the the the the the", "the cat is on the mat"),
              pow(2.0 / 7 * (0.1 / 6) * (0.1 / 5) * (0.1 / 4), 0.25), 1e-12);
    /* brevity penalty exp(1 - r/c) = exp(1 - 6/2) with two orders used */
    CHECK_DBL(as_bleu("the cat", "the cat sat on the mat"), exp(-2.0), 1e-12);
    /* longer candidate: no penalty; 4 of 4 words of the reference inside */
    CHECK_DBL(as_bleu("a b c d e", "a b c d"),
              pow(4.0 / 5 * 3.0 / 4 * 2.0 / 3 * 1.0 / 2, 0.25), 1e-12);
    /* single word, different: 0.1 */
    CHECK_DBL(as_bleu("a", "b"), 0.1, 1e-15);
    /* empty */
    CHECK_DBL(as_bleu("", ""), 1.0, 0);
    CHECK_DBL(as_bleu("...", "!"), 1.0, 0);
    CHECK_DBL(as_bleu("", "a"), 0.0, 0);
    CHECK_DBL(as_bleu("a", ""), 0.0, 0);
    CHECK_DBL(as_bleu(NULL, NULL), 1.0, 0);
    /* details */
    as_bleu_detail d;
    as_tm_bleu("the cat sat on the mat", 22, "the cat is on the mat", 21, &d);
    CHECK_INT(d.cand_len, 6);
    CHECK_INT(d.ref_len, 6);
    CHECK_INT(d.order, 4);
    CHECK_INT(d.matches[0], 5);
    CHECK_INT(d.matches[1], 3);
    CHECK_INT(d.matches[2], 1);
    CHECK_INT(d.matches[3], 0);
    CHECK_INT(d.totals[3], 3);
    CHECK_DBL(d.brevity_penalty, 1.0, 0);
}

TEST(bleu_eval) {
    SIM(ev("bleu", NULL, "the cat sat on the mat", "the cat is on the mat"), "fail",
        0.25406637407730243,
        "BLEU 0.25 < 0.50 (6 vs 6 tokens; n-gram matches 5/6 3/5 1/4 0/3; brevity "
        "penalty 1.000)");
    SIM(ev("bleu", "0.25", "the cat sat on the mat", "the cat is on the mat"), "pass",
        0.25406637407730243,
        "BLEU 0.254 >= 0.250 (6 vs 6 tokens; n-gram matches 5/6 3/5 1/4 0/3; brevity "
        "penalty 1.000)");
    SIM(ev("bleu", NULL, "The cat.", "the cat sat on the mat"), "fail", exp(-2.0),
        "BLEU 0.14 < 0.50 (2 vs 6 tokens; n-gram matches 2/2 1/1; brevity penalty 0.135)");
    SIM(ev("bleu", NULL, "", "x"), "fail", 0, "BLEU 0.00 < 0.50 (0 vs 1 tokens)");
    SIM(ev("bleu", NULL, "", ""), "pass", 1, "BLEU 1.00 >= 0.50 (0 vs 0 tokens)");
    ERR(mk("bleu", "2"), "bleu: parameter 'threshold' must be a number in [0, 1], got 2");
}

TEST(rouge_l) {
    /* the classic ROUGE-L examples (Lin 2004) */
    CHECK_DBL(as_rouge_l("police kill the gunman", "police killed the gunman"), 0.75, 1e-15);
    CHECK_DBL(as_rouge_l("the gunman kill police", "police killed the gunman"), 0.5, 1e-15);
    /* LCS 3: P = 3/3, R = 3/6, F = 2PR/(P+R) = 2/3 */
    CHECK_DBL(as_rouge_l("a b c", "a x b y c z"), 2.0 / 3, 1e-15);
    CHECK_DBL(as_rouge_l("a x b y c z", "a b c"), 2.0 / 3, 1e-15);
    /* LCS 5 of 6 and 6 */
    CHECK_DBL(as_rouge_l("the cat sat on the mat", "the cat is on the mat"), 5.0 / 6, 1e-15);
    /* LCS "b c d" = 3 with P = 3/4, R = 3/5: F = 2*0.75*0.6/1.35 */
    CHECK_DBL(as_rouge_l("a b c d", "b e c f d"), 2 * 0.75 * 0.6 / 1.35, 1e-15);
    CHECK_DBL(as_rouge_l("Same Words!", "same words"), 1.0, 0);
    CHECK_DBL(as_rouge_l("a b", "c d"), 0.0, 0);
    CHECK_DBL(as_rouge_l("", ""), 1.0, 0);
    CHECK_DBL(as_rouge_l("a", ""), 0.0, 0);
    CHECK_DBL(as_rouge_l(NULL, "a"), 0.0, 0);
    as_rouge_detail d;
    as_tm_rouge_l("a b c", 5, "a x b y c z", 11, &d);
    CHECK_INT(d.lcs, 3);
    CHECK_INT(d.cand_len, 3);
    CHECK_INT(d.ref_len, 6);
    SIM(ev("rouge_l", NULL, "police kill the gunman", "police killed the gunman"), "pass", 0.75,
        "ROUGE-L F1 0.75 >= 0.50 (longest common subsequence 3 tokens; precision 3/4, "
        "recall 3/4)");
    SIM(ev("rouge_l", "0.8", "a b c", "a x b y c z"), "fail", 2.0 / 3,
        "ROUGE-L F1 0.67 < 0.80 (longest common subsequence 3 tokens; precision 3/3, "
        "recall 3/6)");
    ERR(mk("rouge_l", "{\"threshold\": true}"),
        "rouge_l: parameter 'threshold' must be a number in [0, 1], got true");
}

TEST(token_metrics_long) {
    /* 30,000 tokens each: only the first 20,000 are compared */
    size_t words = 30000;
    char *a = malloc(words * 2 + 1), *b = malloc(words * 2 + 1);
    for (size_t i = 0; i < words; i++) {
        a[2 * i] = (char)('a' + i % 26);
        a[2 * i + 1] = ' ';
    }
    a[words * 2] = 0;
    memcpy(b, a, words * 2 + 1);
    b[2 * 25000] = '#';     /* differs after the cap: '#' is not a token */
    SIM(ev("rouge_l", NULL, a, b), "pass", 1.0,
        "ROUGE-L F1 1.00 >= 0.50 (longest common subsequence 20000 tokens; precision "
        "20000/20000, recall 20000/20000; compared the first 20000 tokens of each text only)");
    SIM(ev("bleu", NULL, a, b), "pass", 1.0,
        "BLEU 1.00 >= 0.50 (20000 vs 20000 tokens; n-gram matches 20000/20000 "
        "19999/19999 19998/19998 19997/19997; brevity penalty 1.000; compared the first "
        "20000 tokens of each text only)");
    /* different in the middle: LCS over the differing part still finishes */
    b[2 * 100] = 'Z';
    b[2 * 25000] = 'a';
    as_rouge_detail d;
    CHECK_DBL(as_tm_rouge_l(a, strlen(a), b, strlen(b), &d), 19999.0 / 20000, 1e-12);
    CHECK_INT(d.lcs, 19999);
    free(a);
    free(b);
}

/* ---- numbers ------------------------------------------------------------------ */

TEST(numeric) {
    PASS(ev("numeric", NULL, "42", "42.0"), "|42 - 42| = 0 <= tolerance 0");
    FAIL(ev("numeric", NULL, "42.5", "42"), "|42.5 - 42| = 0.5 > tolerance 0");
    PASS(ev("numeric", NULL, " 1e3\n", "1000"), "|1000 - 1000| = 0 <= tolerance 0");
    PASS(ev("numeric", NULL, "$1,234.50", "1234.5"), "|1234.5 - 1234.5| = 0 <= tolerance 0");
    PASS(ev("numeric", NULL, "-$5", "$-5"), "|-5 - -5| = 0 <= tolerance 0");
    PASS(ev("numeric", NULL, "\xe2\x82\xac" "12", "\xc2\xa3" "12"),
         "|12 - 12| = 0 <= tolerance 0");
    PASS(ev("numeric", NULL, "+.5", "0.5"), "|0.5 - 0.5| = 0 <= tolerance 0");
    PASS(ev("numeric", NULL, "5.", "5"), "|5 - 5| = 0 <= tolerance 0");
    /* tolerance: absolute; a few ulps of slack so 1.01 is within 0.01 of 1 */
    PASS(ev("numeric", "0.01", "1.01", "1"), "|1.01 - 1| = 0.01 <= tolerance 0.01");
    FAIL(ev("numeric", "0.01", "1.02", "1"), "|1.02 - 1| = 0.02 > tolerance 0.01");
    PASS(ev("numeric", "0.5", "-0.4", "0"), "|-0.4 - 0| = 0.4 <= tolerance 0.5");
    /* relative: |o - e| <= tolerance * |e| */
    PASS(ev("numeric", "{\"tolerance\": 0.05, \"relative\": true}", "105", "100"),
         "relative difference |105 - 100| / |100| = 0.05 <= tolerance 0.05");
    FAIL(ev("numeric", "{\"tolerance\": 0.05, \"relative\": true}", "94", "100"),
         "relative difference |94 - 100| / |100| = 0.06 > tolerance 0.05");
    FAIL(ev("numeric", "{\"tolerance\": 0.05, \"relative\": true}", "0.001", "0"),
         "relative difference |0.001 - 0| / |0| = inf > tolerance 0.05");
    PASS(ev("numeric", "{\"tolerance\": 0.05, \"relative\": true}", "0", "0"),
         "relative difference |0 - 0| / |0| = 0 <= tolerance 0.05");
    /* a non-numeric output is a fail ... */
    FAIL(ev("numeric", NULL, "forty-two", "42"), "output is not a number: \"forty-two\"");
    FAIL(ev("numeric", NULL, "", "42"), "output is not a number: \"\"");
    FAIL(ev("numeric", NULL, "42 apples", "42"), "output is not a number: \"42 apples\"");
    FAIL(ev("numeric", NULL, "inf", "42"), "output is not a number: \"inf\"");
    FAIL(ev("numeric", NULL, "nan", "42"), "output is not a number: \"nan\"");
    FAIL(ev("numeric", NULL, "0x10", "16"), "output is not a number: \"0x10\"");
    FAIL(ev("numeric", NULL, "1,23", "123"), "output is not a number: \"1,23\"");
    FAIL(ev("numeric", NULL, "1234,567", "1234567"), "output is not a number: \"1234,567\"");
    FAIL(ev("numeric", NULL, "1,234,56", "1"), "output is not a number: \"1,234,56\"");
    FAIL(ev("numeric", NULL, "1e999", "1"), "output is not a number: \"1e999\"");
    FAIL(ev("numeric", NULL, "--1", "1"), "output is not a number: \"--1\"");
    FAIL(ev("numeric", NULL, "$$1", "1"), "output is not a number: \"$$1\"");
    FAIL(ev("numeric", NULL, "1e", "1"), "output is not a number: \"1e\"");
    FAIL(ev("numeric", NULL, ".", "1"), "output is not a number: \".\"");
    FAIL(ev("numeric", NULL, "50%", "50"), "output is not a number: \"50%\"");
    char digits[140];
    memset(digits, '1', 139);
    digits[139] = 0;
    FAIL(ev("numeric", NULL, digits, "1"),
         "output is not a number: \"1111111111111111111111111111111111111111\"...");
    memset(digits, '1', 100);
    digits[100] = 0;
    PASS(ev("numeric", "{\"tolerance\": 0.1, \"relative\": true}", digits, "1.2e99"),
         "relative difference |1.111111111e+99 - 1.2e+99| / |1.2e+99| = 0.07407407407 <= "
         "tolerance 0.1");
    PASS(ev("numeric", NULL, "12,345,678", "12345678"),
         "|12345678 - 12345678| = 0 <= tolerance 0");
    /* ... a non-numeric expected is an error in the data */
    ERR(ev("numeric", NULL, "42", "abc"), "numeric: variable 'expected' is not a number: \"abc\"");
    ERR(mk("numeric", "-1"), "numeric: parameter 'tolerance' must be a non-negative number, got -1");
    ERR(mk("numeric", "{\"relative\": 1}"),
        "numeric: parameter 'relative' must be true or false, got 1");
    ERR(mk("numeric", "{\"tolerance\": \"0.1\"}"),
        "numeric: parameter 'tolerance' must be a non-negative number, got \"0.1\"");
}

TEST(latency_cost) {
    PASS(ev4("latency", "2000", "x", NULL, "1520", NULL), "1520 ms, limit 2000 ms");
    PASS(ev4("latency", "{\"max_ms\": 2000}", "x", NULL, "2000", NULL), "2000 ms, limit 2000 ms");
    FAIL(ev4("latency", "2000", "x", NULL, "2500.5", NULL), "2500.5 ms, over the limit of 2000 ms");
    ERR(ev4("latency", "2000", "x", NULL, NULL, NULL), "latency: variable 'latency_ms' has no value");
    ERR(ev4("latency", "2000", "x", NULL, "slow", NULL),
        "latency: variable 'latency_ms' is not a number: \"slow\"");
    ERR(mk("latency", NULL), "latency: parameter 'max_ms' is required (e.g. latency:2000)");
    ERR(mk("latency", "-5"), "latency: parameter 'max_ms' must be a non-negative number, got -5");
    PASS(ev4("cost", "0.01", "x", NULL, NULL, "0.004"), "$0.004, limit $0.01");
    PASS(ev4("cost", "0.01", "x", NULL, NULL, "$0.01"), "$0.01, limit $0.01");
    FAIL(ev4("cost", "{\"max_usd\": 0.01}", "x", NULL, NULL, "0.0123"),
         "$0.0123, over the limit of $0.01");
    ERR(ev4("cost", "0.01", "x", NULL, NULL, ""), "cost: variable 'cost_usd' is not a number: \"\"");
    ERR(mk("cost", NULL), "cost: parameter 'max_usd' is required (e.g. cost:0.01)");
    /* a renamed column */
    vars m = { { "total_ms" }, { "90" } };
    as_code_eval *c = NULL;
    CHECK_INT(as_code_eval_new("latency", "{\"max_ms\": 100, \"column\": \"total_ms\"}", &c, &E),
              AS_OK);
    const char *const *names;
    CHECK_INT(as_code_eval_vars(c, &names), 1);
    CHECK_STR(names[0], "total_ms");
    as_verdict_clear(&V);
    CHECK_INT(as_code_eval_run(c, lookup, &m, &V, &E), AS_OK);
    CHECK_STR(V.explanation, "90 ms, limit 100 ms");
    as_verdict_clear(&V);
    as_code_eval_free(c);
}

/* ---- threads ----------------------------------------------------------------- */

typedef struct shared {
    as_code_eval *re, *schema, *bleu, *ci;
    int failures;
} shared;

static void *hammer(void *arg) {
    shared *s = arg;
    int bad = 0;
    for (int i = 0; i < 300; i++) {
        as_verdict v = { "", 0, NULL };
        char out[64];
        snprintf(out, sizeof out, "{\"n\": %d, \"tags\": [\"x\", %s]}", i,
                 i % 2 ? "1" : "\"y\"");
        vars m = { { "output", "expected" }, { out, "{\"n\": 1}" } };
        bad += as_code_eval_run(s->schema, lookup, &m, &v, NULL) != AS_OK ||
               strcmp(v.label, i % 2 ? "fail" : "pass") != 0 ||
               (i % 2 && strcmp(v.explanation, "$.tags[1]: expected string, got integer"));
        as_verdict_clear(&v);
        bad += as_code_eval_run(s->re, lookup, &m, &v, NULL) != AS_OK ||
               strcmp(v.label, "pass") != 0;
        as_verdict_clear(&v);
        vars t = { { "output", "expected" }, { "the cat sat on the mat", "the cat is on the mat" } };
        bad += as_code_eval_run(s->bleu, lookup, &t, &v, NULL) != AS_OK ||
               fabs(v.score - 0.25406637407730243) > 1e-12;
        as_verdict_clear(&v);
        vars u = { { "output" }, { "A FULL R\xc3\x89" "FUND" } };
        bad += as_code_eval_run(s->ci, lookup, &u, &v, NULL) != AS_OK ||
               strcmp(v.label, "pass") != 0;
        as_verdict_clear(&v);
    }
    __atomic_add_fetch(&s->failures, bad, __ATOMIC_RELAXED);
    return NULL;
}

TEST(reentrant) {
    shared s = { 0 };
    CHECK_INT(as_code_eval_new("regex", "\"n\": [0-9]+", &s.re, &E), AS_OK);
    CHECK_INT(as_code_eval_new("json_schema",
                               "{\"properties\": {\"tags\": {\"items\": {\"type\": \"string\"}}}}",
                               &s.schema, &E), AS_OK);
    CHECK_INT(as_code_eval_new("bleu", NULL, &s.bleu, &E), AS_OK);
    CHECK_INT(as_code_eval_new("icontains", "r\xc3\xa9" "fund", &s.ci, &E), AS_OK);
    pthread_t th[4];
    for (int i = 0; i < 4; i++) pthread_create(&th[i], NULL, hammer, &s);
    for (int i = 0; i < 4; i++) pthread_join(th[i], NULL);
    CHECK_INT(s.failures, 0);
    as_code_eval_free(s.re);
    as_code_eval_free(s.schema);
    as_code_eval_free(s.bleu);
    as_code_eval_free(s.ci);
}

TEST(cleanup) { as_verdict_clear(&V); }

/* --evaluator NAME=SPEC names an evaluator; the rest is the usual spec. */
TEST(evaluator_names) {
    as_evaluator *e = NULL;
    as_err err;
    CHECK_INT(as_evaluator_open("paris=contains:Paris", &e, &err), AS_OK);
    if (e) {
        CHECK_STR(e->name, "paris");
        CHECK_INT(e->kind, AS_EVAL_CODE);
        as_evaluator_free(e);
    }
    CHECK_INT(as_evaluator_open("contains:a=b", &e, &err), AS_OK);
    if (e) { CHECK_STR(e->name, "contains"); as_evaluator_free(e); }
    CHECK_INT(as_evaluator_open("judge-1=hallucination", &e, &err), AS_OK);
    if (e) { CHECK_STR(e->name, "judge-1"); CHECK_INT(e->kind, AS_EVAL_JUDGE); as_evaluator_free(e); }
    CHECK_INT(as_evaluator_open("x=nope", &e, &err), AS_EINVAL);
    char longname[100];
    memset(longname, 'n', 80);
    strcpy(longname + 80, "=contains:a");
    CHECK_INT(as_evaluator_open(longname, &e, &err), AS_EINVAL);
    CHECK(strstr(err.msg, "longer than") != NULL);
}

TEST_MAIN(T(kinds_list), T(kinds_create_and_vars), T(kinds_missing_variable),
          T(unknown_kind), T(params_common_errors), T(verdict_clear), T(exact_match),
          T(exact_match_ignore_case), T(exact_match_columns), T(contains), T(icontains),
          T(starts_with), T(contains_any), T(contains_all), T(regex), T(json_valid),
          T(json_schema_pass), T(json_schema_fail), T(json_schema_errors),
          T(max_min_length), T(levenshtein_metric), T(levenshtein_eval),
          T(levenshtein_long), T(tokeniser), T(utf8_helpers), T(bleu_metric), T(bleu_eval),
          T(rouge_l), T(token_metrics_long), T(numeric), T(latency_cost), T(reentrant),
          T(evaluator_names), T(cleanup))
