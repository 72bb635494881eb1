/* test_judge.c - LLM-as-a-judge templates: substitution (tmpl.c), YAML
 * loading with limits (yamljson.c), template validation, the built-ins,
 * prompt assembly, snapping and verdicts (judge.c). */
#include "harness.h"

#include <jansson.h>
#include <math.h>
#include <unistd.h>

#include "assay/buf.h"
#include "assay/eval.h"
#include "../../src/eval/yamljson.h"

/* ---- helpers ------------------------------------------------------------ */

/* Variables as a NULL-terminated list of name, value pairs. */
static const char *kv_var(void *ud, const char *name) {
    const char *const *kv = ud;
    for (size_t i = 0; kv[i]; i += 2)
        if (strcmp(kv[i], name) == 0) return kv[i + 1];
    return NULL;
}

/* Render s with the pairs; returns a heap string or NULL (err filled). */
static char *render(const char *s, as_tmpl_format fmt, const char *const *kv, as_err *err) {
    char *out = NULL;
    if (as_tmpl_render(s, fmt, kv_var, (void *)kv, &out, err) != AS_OK) return NULL;
    return out;
}

static as_rc render_rc(const char *s, as_tmpl_format fmt, as_err *err) {
    static const char *const kv[] = { "a", "1", NULL };
    char *out = NULL;
    as_rc rc = as_tmpl_render(s, fmt, kv_var, (void *)kv, &out, err);
    free(out);
    return rc;
}

static as_judge *parse_yaml(const char *text, as_err *err) {
    as_judge *j = NULL;
    if (as_judge_parse_text(text, strlen(text), true, "t.yaml", &j, err) != AS_OK) return NULL;
    return j;
}

/* The load error message for a YAML template (empty string when it loads). */
static const char *load_error(const char *text, as_rc *rc_out) {
    static as_err err;
    as_err_clear(&err);
    as_judge *j = NULL;
    as_rc rc = as_judge_parse_text(text, strlen(text), true, "t.yaml", &j, &err);
    if (rc_out) *rc_out = rc;
    if (rc == AS_OK) { as_judge_free(j); return ""; }
    return err.msg;
}

static as_rc yaml(const char *text, const as_yj_limits *lim, json_t **out, as_err *err) {
    return as_yaml_to_json(text, strlen(text), "t.yaml", lim, out, err);
}

static char tmpdir[64];

static const char *tmp_path(const char *name, const char *content) {
    static char path[256];
    if (!tmpdir[0]) {
        snprintf(tmpdir, sizeof tmpdir, "/tmp/test_judge.XXXXXX");
        if (!mkdtemp(tmpdir)) { perror("mkdtemp"); exit(1); }
    }
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    if (content) {
        FILE *f = fopen(path, "wb");
        fputs(content, f);
        fclose(f);
    }
    return path;
}

static as_llm_response text_resp(const char *text, const char *structured) {
    as_llm_response r = { 0 };
    r.text = (char *)text;
    r.structured = (char *)structured;
    return r;
}

/* A small judge used throughout. */
static const char k_judge[] =
    "name: facts\n"
    "description: Is the answer supported?\n"
    "role: You are a fact checker.\n"
    "task: Decide whether the answer is supported by the reference.\n"
    "context: |\n"
    "  Question: {input}\n"
    "  Reference: {reference}\n"
    "  Answer: {output}\n"
    "labels:\n"
    "  - {label: factual, score: 1, description: supported by the reference}\n"
    "  - {label: hallucinated, score: 0, description: not supported}\n";

static const char *const k_row[] = {
    "input", "Where is the Eiffel Tower?",
    "reference", "The Eiffel Tower is in Paris.",
    "output", "Paris.",
    NULL,
};

/* ---- f-string ----------------------------------------------------------- */

TEST(fstring_substitutes) {
    static const char *const kv[] = { "input", "hi", "output", "there", NULL };
    as_err err;
    char *s = render("Q: {input}\nA: {output}!", AS_TMPL_FSTRING, kv, &err);
    CHECK_STR(s, "Q: hi\nA: there!");
    free(s);
    s = render("{input}{input}", AS_TMPL_FSTRING, kv, &err);
    CHECK_STR(s, "hihi");
    free(s);
    s = render("", AS_TMPL_FSTRING, kv, &err);
    CHECK_STR(s, "");
    free(s);
    s = render("no variables at all", AS_TMPL_FSTRING, kv, &err);
    CHECK_STR(s, "no variables at all");
    free(s);
}

TEST(fstring_literal_braces) {
    static const char *const kv[] = { "a", "1", NULL };
    as_err err;
    char *s = render("{{a}} {a} }}{{ {{{a}}}", AS_TMPL_FSTRING, kv, &err);
    CHECK_STR(s, "{a} 1 }{ {1}");
    free(s);
    s = render("json: {{\"k\": {a}}}", AS_TMPL_FSTRING, kv, &err);
    CHECK_STR(s, "json: {\"k\": 1}");
    free(s);
}

TEST(fstring_dotted_names) {
    static const char *const kv[] = { "input.question", "why?", "a.b_2.0", "x", NULL };
    as_err err;
    char *s = render("{input.question} {a.b_2.0}", AS_TMPL_FSTRING, kv, &err);
    CHECK_STR(s, "why? x");
    free(s);
}

TEST(fstring_values_verbatim) {
    static const char *const kv[] = { "a", "{b} {{c}} <&> \"q\"", "b", "NO", NULL };
    as_err err;
    char *s = render("[{a}]", AS_TMPL_FSTRING, kv, &err);
    CHECK_STR(s, "[{b} {{c}} <&> \"q\"]");
    free(s);
}

TEST(fstring_errors) {
    as_err err;
    CHECK_INT(render_rc("abc {a", AS_TMPL_FSTRING, &err), AS_EINVAL);
    CHECK_STR(err.msg, "line 1, column 5: unmatched '{' (write {{ for a literal brace)");
    CHECK_INT(render_rc("a } b", AS_TMPL_FSTRING, &err), AS_EINVAL);
    CHECK_STR(err.msg, "line 1, column 3: unmatched '}' (write }} for a literal brace)");
    CHECK_INT(render_rc("x\n  {}", AS_TMPL_FSTRING, &err), AS_EINVAL);
    CHECK_STR(err.msg, "line 2, column 3: empty variable name '{}' (write {{}} for literal braces)");
    CHECK_INT(render_rc("{a b}", AS_TMPL_FSTRING, &err), AS_EINVAL);
    CHECK_STR(err.msg, "line 1, column 1: '{a b}' is not a variable: names are letters, "
                       "digits, '_' and '.' (write {{ and }} for literal braces)");
    CHECK_INT(render_rc("{1a}", AS_TMPL_FSTRING, &err), AS_EINVAL);
    CHECK(strstr(err.msg, "'{1a}' is not a variable") != NULL);
    CHECK_INT(render_rc("{a.}", AS_TMPL_FSTRING, &err), AS_EINVAL);
    CHECK(strstr(err.msg, "'{a.}' is not a variable") != NULL);
    CHECK_INT(render_rc("{a..b}", AS_TMPL_FSTRING, &err), AS_EINVAL);
    CHECK_INT(render_rc("{a!r}", AS_TMPL_FSTRING, &err), AS_EINVAL);
    CHECK_INT(render_rc("{a{a}", AS_TMPL_FSTRING, &err), AS_EINVAL);
    CHECK_STR(err.msg, "line 1, column 1: unmatched '{' (write {{ for a literal brace)");
    /* columns count characters, not bytes */
    CHECK_INT(render_rc("été {a", AS_TMPL_FSTRING, &err), AS_EINVAL);
    CHECK_STR(err.msg, "line 1, column 5: unmatched '{' (write {{ for a literal brace)");
    CHECK_INT(render_rc("{\"key\": 1}", AS_TMPL_FSTRING, &err), AS_EINVAL);
    CHECK(strstr(err.msg, "line 1, column 1: '{\"key\": 1}' is not a variable") != NULL);
    /* a 128-byte name is over the limit */
    char big[200];
    big[0] = '{';
    memset(big + 1, 'a', 128);
    strcpy(big + 129, "}");
    CHECK_INT(render_rc(big, AS_TMPL_FSTRING, &err), AS_EINVAL);
    big[128] = '}';
    big[129] = '\0';
    CHECK_INT(render_rc(big, AS_TMPL_FSTRING, &err), AS_EINVAL);   /* 127: valid, no value */
    CHECK(strstr(err.msg, "has no value") != NULL);
}

TEST(missing_variable) {
    static const char *const kv[] = { "input", "x", NULL };
    as_err err;
    char *out = (char *)"untouched";
    CHECK_INT(as_tmpl_render("{input} {reference}", AS_TMPL_FSTRING, kv_var, (void *)kv,
                             &out, &err), AS_EINVAL);
    CHECK_STR(err.msg, "variable 'reference' has no value");
    CHECK(out == NULL);
    CHECK_INT(as_tmpl_render("{{reference}}", AS_TMPL_MUSTACHE, kv_var, (void *)kv, &out,
                             &err), AS_EINVAL);
    CHECK_STR(err.msg, "variable 'reference' has no value");
    /* no lookup function: every variable is missing */
    CHECK_INT(as_tmpl_render("{x}", AS_TMPL_FSTRING, NULL, NULL, &out, &err), AS_EINVAL);
    CHECK_STR(err.msg, "variable 'x' has no value");
    /* an empty value is a value */
    static const char *const empty[] = { "x", "", NULL };
    CHECK_INT(as_tmpl_render("<{x}>", AS_TMPL_FSTRING, kv_var, (void *)empty, &out, &err), AS_OK);
    CHECK_STR(out, "<>");
    free(out);
}

/* ---- mustache ----------------------------------------------------------- */

TEST(mustache_substitutes) {
    static const char *const kv[] = { "a", "1", "b", "2", "c", "3", "d", "4", "x.y", "5", NULL };
    as_err err;
    char *s = render("{{a}} {{ b }} {{{c}}} {{& d}} {{x.y}} {a} } { }}", AS_TMPL_MUSTACHE, kv, &err);
    CHECK_STR(s, "1 2 3 4 5 {a} } { }}");
    free(s);
    s = render("a{{! a comment }}b{{!}}c", AS_TMPL_MUSTACHE, kv, &err);
    CHECK_STR(s, "abc");
    free(s);
    s = render("{{\ta\t}}", AS_TMPL_MUSTACHE, kv, &err);
    CHECK_STR(s, "1");
    free(s);
}

TEST(mustache_errors) {
    as_err err;
    CHECK_INT(render_rc("x {{#items}}y{{/items}}", AS_TMPL_MUSTACHE, &err), AS_EINVAL);
    CHECK_STR(err.msg, "line 1, column 3: sections ({{#...}}) are not supported");
    CHECK_INT(render_rc("{{^none}}y{{/none}}", AS_TMPL_MUSTACHE, &err), AS_EINVAL);
    CHECK_STR(err.msg, "line 1, column 1: sections ({{^...}}) are not supported");
    CHECK_INT(render_rc("{{/x}}", AS_TMPL_MUSTACHE, &err), AS_EINVAL);
    CHECK(strstr(err.msg, "sections") != NULL);
    CHECK_INT(render_rc("\n\n  {{> part}}", AS_TMPL_MUSTACHE, &err), AS_EINVAL);
    CHECK_STR(err.msg, "line 3, column 3: partials ({{>...}}) are not supported");
    CHECK_INT(render_rc("{{=<% %>=}}", AS_TMPL_MUSTACHE, &err), AS_EINVAL);
    CHECK_STR(err.msg, "line 1, column 1: changing delimiters ({{=...=}}) is not supported");
    CHECK_INT(render_rc("ab {{a", AS_TMPL_MUSTACHE, &err), AS_EINVAL);
    CHECK_STR(err.msg, "line 1, column 4: unmatched '{{'");
    CHECK_INT(render_rc("{{{a}}", AS_TMPL_MUSTACHE, &err), AS_EINVAL);
    CHECK_STR(err.msg, "line 1, column 1: unmatched '{{{'");
    CHECK_INT(render_rc("{{ }}", AS_TMPL_MUSTACHE, &err), AS_EINVAL);
    CHECK_STR(err.msg, "line 1, column 1: empty variable name");
    CHECK_INT(render_rc("{{a b}}", AS_TMPL_MUSTACHE, &err), AS_EINVAL);
    CHECK_STR(err.msg, "line 1, column 1: 'a b' is not a variable: names are letters, digits, '_' and '.'");
}

TEST(tmpl_vars_listing) {
    char **names;
    size_t n;
    as_err err;
    CHECK_INT(as_tmpl_vars("{b} {a} {{lit}} {b} {c.d}", AS_TMPL_FSTRING, &names, &n, &err), AS_OK);
    CHECK_INT(n, 3);
    if (n == 3) {
        CHECK_STR(names[0], "b");
        CHECK_STR(names[1], "a");
        CHECK_STR(names[2], "c.d");
    }
    as_tmpl_vars_free(names, n);
    CHECK_INT(as_tmpl_vars("{{ x }} {y} {{{z}}} {{x}} {{!c}}", AS_TMPL_MUSTACHE, &names, &n, &err), AS_OK);
    CHECK_INT(n, 2);
    if (n == 2) {
        CHECK_STR(names[0], "x");
        CHECK_STR(names[1], "z");
    }
    as_tmpl_vars_free(names, n);
    CHECK_INT(as_tmpl_vars("none", AS_TMPL_FSTRING, &names, &n, &err), AS_OK);
    CHECK_INT(n, 0);
    CHECK(names == NULL);
    as_tmpl_vars_free(names, n);
    CHECK_INT(as_tmpl_vars("ok {a}\n{b", AS_TMPL_FSTRING, &names, &n, &err), AS_EINVAL);
    CHECK_STR(err.msg, "line 2, column 1: unmatched '{' (write {{ for a literal brace)");
    CHECK(names == NULL);
    CHECK_INT(n, 0);
}

/* ---- loading ------------------------------------------------------------ */

TEST(load_yaml_all_fields) {
    as_err err;
    as_judge *j = parse_yaml(
        "name: tone\n"
        "description: Friendly or robotic?\n"
        "role: You are a careful reviewer.\n"
        "task: Decide whether the response is friendly or robotic.\n"
        "context: |\n"
        "  [Question]: {input}\n"
        "  [Response]: {output}\n"
        "format: fstring\n"
        "labels:\n"
        "  - {label: friendly, score: 1, description: 'warm, natural'}\n"
        "  - {label: robotic,  score: 0.25, description: stiff}\n"
        "  - {label: mixed, score: 0.5}\n"
        "explanation: false\n"
        "pass: [friendly, Mixed]\n"
        "examples:\n"
        "  - {input: hi, output: Greetings., label: robotic, explanation: stiff}\n", &err);
    CHECK(j != NULL);
    if (!j) { fprintf(stderr, "%s\n", err.msg); return; }
    CHECK_STR(as_judge_name(j), "tone");
    CHECK_STR(as_judge_description(j), "Friendly or robotic?");
    const char *const *vars;
    CHECK_INT(as_judge_vars(j, &vars), 2);
    CHECK_STR(vars[0], "input");
    CHECK_STR(vars[1], "output");
    const as_rail *r;
    CHECK_INT(as_judge_rails(j, &r), 3);
    CHECK_STR(r[0].label, "friendly");
    CHECK_STR(r[0].description, "warm, natural");
    CHECK_DBL(r[0].score, 1, 0);
    CHECK_STR(r[1].label, "robotic");
    CHECK_DBL(r[1].score, 0.25, 0);
    CHECK_STR(r[2].label, "mixed");
    CHECK(r[2].description == NULL);
    CHECK(as_judge_is_pass(j, "friendly"));
    CHECK(as_judge_is_pass(j, "FRIENDLY"));
    CHECK(as_judge_is_pass(j, "mixed"));
    CHECK(!as_judge_is_pass(j, "robotic"));
    CHECK(!as_judge_is_pass(j, AS_NOT_PARSABLE));
    CHECK(!as_judge_is_pass(j, "unknown"));
    CHECK(!as_judge_is_pass(j, NULL));
    as_judge_free(j);
}

TEST(load_json) {
    static const char text[] =
        "{\"name\": \"j\", \"task\": \"Judge {{output}}.\","
        " \"labels\": [{\"label\": \"good\", \"score\": 1}, {\"label\": \"bad\", \"score\": -1.5}],"
        " \"pass\": \"good\"}";
    as_judge *j = NULL;
    as_err err;
    CHECK_INT(as_judge_parse_text(text, strlen(text), false, "j.json", &j, &err), AS_OK);
    if (!j) { fprintf(stderr, "%s\n", err.msg); return; }
    CHECK_STR(as_judge_name(j), "j");
    CHECK(as_judge_description(j) == NULL);
    const char *const *vars;
    CHECK_INT(as_judge_vars(j, &vars), 1);
    CHECK_STR(vars[0], "output");          /* mustache detected from {{output}} */
    const as_rail *r;
    CHECK_INT(as_judge_rails(j, &r), 2);
    CHECK_DBL(r[1].score, -1.5, 0);
    CHECK(as_judge_is_pass(j, "good"));
    CHECK(!as_judge_is_pass(j, "bad"));
    as_judge_free(j);
    /* JSON errors carry line:column */
    CHECK_INT(as_judge_parse_text("{\n  \"task\": }", 13, false, "j.json", &j, &err), AS_EINVAL);
    CHECK(strncmp(err.msg, "j.json:2:", 9) == 0);
    CHECK(j == NULL);
    static const char dup[] = "{\"task\": \"x\", \"task\": \"y\"}";
    CHECK_INT(as_judge_parse_text(dup, strlen(dup), false, "j.json", &j, &err),
              AS_EINVAL);
    CHECK(strstr(err.msg, "duplicate") != NULL);
}

TEST(load_defaults) {
    as_judge *j = NULL;
    as_err err;
    static const char text[] =
        "task: Is {output} polite?\n"
        "labels: [{label: yes, score: 0.5}, {label: no, score: 0.49}]\n";
    CHECK_INT(as_judge_parse_text(text, strlen(text), true, "dir/sub.dir/my-judge.yaml", &j, &err), AS_OK);
    if (!j) { fprintf(stderr, "%s\n", err.msg); return; }
    CHECK_STR(as_judge_name(j), "my-judge");                  /* from the file name */
    CHECK(as_judge_is_pass(j, "yes"));                        /* score >= 0.5 */
    CHECK(!as_judge_is_pass(j, "no"));
    as_judge_free(j);
    CHECK_INT(as_judge_parse_text(text, strlen(text), true, NULL, &j, &err), AS_OK);
    if (j) CHECK_STR(as_judge_name(j), "template");
    as_judge_free(j);
    /* explanation is on by default: the text prompt asks for it */
    CHECK_INT(as_judge_parse_text(text, strlen(text), true, "x.yaml", &j, &err), AS_OK);
    as_prompt p;
    static const char *const kv[] = { "output", "o", NULL };
    CHECK_INT(as_judge_render(j, AS_LLM_ANSWER_TEXT, kv_var, (void *)kv, &p, &err), AS_OK);
    CHECK(strstr(p.msgs[0].content, "EXPLANATION:") != NULL);
    as_prompt_clear(&p);
    as_judge_free(j);
}

TEST(format_detection) {
    as_err err;
    as_judge *j = parse_yaml("task: Rate {{ output }} and {x}.\n"
                             "labels: [{label: a, score: 1}, {label: b, score: 0}]\n", &err);
    CHECK(j != NULL);
    const char *const *vars;
    if (j) {
        CHECK_INT(as_judge_vars(j, &vars), 1);        /* mustache: {x} is text */
        CHECK_STR(vars[0], "output");
    }
    as_judge_free(j);
    j = parse_yaml("task: 'Rate {output}, literal {{\"a\": 1}}.'\n"
                   "labels: [{label: a, score: 1}, {label: b, score: 0}]\n", &err);
    CHECK(j != NULL);
    if (j) {
        CHECK_INT(as_judge_vars(j, &vars), 1);        /* f-string: {{ is a literal */
        CHECK_STR(vars[0], "output");
        static const char *const kv[] = { "output", "X", NULL };
        as_prompt p;
        CHECK_INT(as_judge_render(j, AS_LLM_ANSWER_TEXT, kv_var, (void *)kv, &p, &err), AS_OK);
        CHECK(strncmp(p.msgs[0].content, "Rate X, literal {\"a\": 1}.\n\n", 26) == 0);
        as_prompt_clear(&p);
    }
    as_judge_free(j);
    /* an explicit format wins over detection */
    j = parse_yaml("format: fstring\ntask: 'Rate {{output}} {y}'\n"
                   "labels: [{label: a, score: 1}, {label: b, score: 0}]\n", &err);
    CHECK(j != NULL);
    if (j) {
        CHECK_INT(as_judge_vars(j, &vars), 1);
        CHECK_STR(vars[0], "y");
    }
    as_judge_free(j);
    j = parse_yaml("format: mustache\ntask: 'Rate {output} {{ y }}'\n"
                   "labels: [{label: a, score: 1}, {label: b, score: 0}]\n", &err);
    CHECK(j != NULL);
    if (j) {
        CHECK_INT(as_judge_vars(j, &vars), 1);
        CHECK_STR(vars[0], "y");
    }
    as_judge_free(j);
}

TEST(vars_order_across_fields) {
    as_err err;
    as_judge *j = parse_yaml("role: You judge {domain} answers.\n"
                             "task: Judge the answer to {input}.\n"
                             "context: '{output} / {input} / {reference} / {domain}'\n"
                             "labels: [{label: a, score: 1}, {label: b, score: 0}]\n", &err);
    CHECK(j != NULL);
    if (!j) return;
    const char *const *vars;
    CHECK_INT(as_judge_vars(j, &vars), 4);
    CHECK_STR(vars[0], "domain");
    CHECK_STR(vars[1], "input");
    CHECK_STR(vars[2], "output");
    CHECK_STR(vars[3], "reference");
    CHECK_INT(as_judge_vars(j, NULL), 4);
    as_judge_free(j);
}

#define LABELS2 "labels: [{label: good, score: 1}, {label: bad, score: 0}]\n"
#define TASKCTX "task: Judge it.\ncontext: '{output}'\n"

typedef struct bad_case {
    const char *text;
    as_rc rc;
    const char *msg;
} bad_case;

TEST(validation_errors) {
    static const bad_case cases[] = {
        { "- a\n- b\n", AS_EINVAL,
          "t.yaml: expected a mapping of fields (name, role, task, context, labels, ...)" },
        { "", AS_EINVAL,
          "t.yaml: expected a mapping of fields (name, role, task, context, labels, ...)" },
        { TASKCTX LABELS2 "lables: []\n", AS_EINVAL,
          "t.yaml: unknown field 'lables' (fields: name, description, role, task, context, "
          "format, labels, explanation, pass, examples)" },
        { "name: [x]\n" TASKCTX LABELS2, AS_EINVAL, "t.yaml: name: must be a string" },
        { "name: my judge\n" TASKCTX LABELS2, AS_EINVAL,
          "t.yaml: name: 'my judge' is not a valid name (1 to 63 letters, digits, '_', '-' or '.')" },
        { "description: 3\n" TASKCTX LABELS2, AS_EINVAL, "t.yaml: description: must be a string" },
        { "role: {a: b}\n" TASKCTX LABELS2, AS_EINVAL, "t.yaml: role: must be a string" },
        { "context: '{output}'\n" LABELS2, AS_EINVAL,
          "t.yaml: task: missing (what the judge must decide)" },
        { "task: '  '\ncontext: '{output}'\n" LABELS2, AS_EINVAL, "t.yaml: task: must not be empty" },
        { "task: 12\ncontext: '{output}'\n" LABELS2, AS_EINVAL, "t.yaml: task: must be a string" },
        { "task: Judge it.\n" LABELS2, AS_EINVAL,
          "t.yaml: context: missing (the data to judge, with variables such as {output})" },
        { "format: mustache\ntask: Judge it.\n" LABELS2, AS_EINVAL,
          "t.yaml: context: missing (the data to judge, with variables such as {{output}})" },
        { "task: Judge it.\ncontext: plain text\n" LABELS2, AS_EINVAL,
          "t.yaml: context: uses no variables: the judge would see the same text for every row" },
        { "format: jinja\n" TASKCTX LABELS2, AS_EINVAL, "t.yaml: format: must be fstring or mustache" },
        { "task: Judge it.\ncontext: 'abc {output'\n" LABELS2, AS_EINVAL,
          "t.yaml: context: line 1, column 5: unmatched '{' (write {{ for a literal brace)" },
        { "task: 'Judge {a b}.'\ncontext: '{output}'\n" LABELS2, AS_EINVAL,
          "t.yaml: task: line 1, column 7: '{a b}' is not a variable: names are letters, digits, "
          "'_' and '.' (write {{ and }} for literal braces)" },
        { "role: '} {x}'\n" TASKCTX LABELS2, AS_EINVAL,
          "t.yaml: role: line 1, column 1: unmatched '}' (write }} for a literal brace)" },
        { "format: mustache\ntask: 'x {{#a}}'\ncontext: '{{output}}'\n" LABELS2, AS_EINVAL,
          "t.yaml: task: line 1, column 3: sections ({{#...}}) are not supported" },
        { TASKCTX, AS_EINVAL,
          "t.yaml: labels: missing (at least two labels, e.g. {label: good, score: 1})" },
        { TASKCTX "labels: good\n", AS_EINVAL, "t.yaml: labels: must be a list of at least two labels" },
        { TASKCTX "labels: [{label: good, score: 1}]\n", AS_EINVAL,
          "t.yaml: labels: must be a list of at least two labels" },
        { TASKCTX "labels: [good, bad]\n", AS_EINVAL,
          "t.yaml: labels[0]: must be a mapping with label, score and description" },
        { TASKCTX "labels: [{label: good, score: 1}, {score: 0}]\n", AS_EINVAL,
          "t.yaml: labels[1]: label missing" },
        { TASKCTX "labels: [{label: good, score: 1}, {label: 0, score: 0}]\n", AS_EINVAL,
          "t.yaml: labels[1]: label must be a string" },
        { TASKCTX "labels: [{label: '', score: 1}, {label: bad, score: 0}]\n", AS_EINVAL,
          "t.yaml: labels[0]: label must not be empty" },
        { TASKCTX "labels: [{label: ' good', score: 1}, {label: bad, score: 0}]\n", AS_EINVAL,
          "t.yaml: labels[0]: label ' good' must not start or end with spaces" },
        { TASKCTX "labels: [{label: \"a\\nb\", score: 1}, {label: bad, score: 0}]\n", AS_EINVAL,
          "t.yaml: labels[0]: label must be one line without control characters" },
        { TASKCTX "labels: [{label: good, score: 1}, {label: not_parsable, score: 0}]\n", AS_EINVAL,
          "t.yaml: labels[1]: 'not_parsable' is reserved" },
        { TASKCTX "labels: [{label: Good, score: 1}, {label: bad, score: 0}, {label: GOOD, score: 0}]\n",
          AS_ECONFLICT,
          "t.yaml: labels[2]: 'GOOD' repeats labels[0] ('Good'); labels must differ in more than case" },
        { TASKCTX "labels: [{label: good, score: 1}, {label: bad}]\n", AS_EINVAL,
          "t.yaml: labels[1]: score missing (the number label 'bad' maps to)" },
        { TASKCTX "labels: [{label: good, score: '1'}, {label: bad, score: 0}]\n", AS_EINVAL,
          "t.yaml: labels[0]: score must be a number" },
        { TASKCTX "labels: [{label: good, score: true}, {label: bad, score: 0}]\n", AS_EINVAL,
          "t.yaml: labels[0]: score must be a number" },
        { TASKCTX "labels: [{label: good, score: .inf}, {label: bad, score: 0}]\n", AS_EUNSUPPORTED,
          "t.yaml:3:31: '.inf': infinite and NaN numbers are not supported" },
        { TASKCTX "labels: [{label: good, score: 1, description: [x]}, {label: bad, score: 0}]\n",
          AS_EINVAL, "t.yaml: labels[0]: description must be a string" },
        { TASKCTX "labels: [{label: good, score: 1, scor: 2}, {label: bad, score: 0}]\n", AS_EINVAL,
          "t.yaml: labels[0]: unknown field 'scor' (known: label, score, description)" },
        { TASKCTX LABELS2 "explanation: yes\n", AS_EINVAL,
          "t.yaml: explanation: must be true or false" },
        { TASKCTX LABELS2 "pass: [great]\n", AS_EINVAL,
          "t.yaml: pass[0]: 'great' is not one of the labels (good, bad)" },
        { TASKCTX LABELS2 "pass: []\n", AS_EINVAL,
          "t.yaml: pass: must list the labels that count as a pass (some of: good, bad)" },
        { TASKCTX LABELS2 "pass: [good, 1]\n", AS_EINVAL,
          "t.yaml: pass[1]: must be a label (one of: good, bad)" },
        { TASKCTX LABELS2 "examples: {output: x}\n", AS_EINVAL,
          "t.yaml: examples: must be a list of examples" },
        { TASKCTX LABELS2 "examples: [x]\n", AS_EINVAL,
          "t.yaml: examples[0]: must be a mapping of the variables, label and explanation" },
        { TASKCTX LABELS2 "examples: [{output: x}]\n", AS_EINVAL,
          "t.yaml: examples[0]: label missing (one of: good, bad)" },
        { TASKCTX LABELS2 "examples: [{output: x, label: good}, {output: y, label: meh}]\n", AS_EINVAL,
          "t.yaml: examples[1]: label 'meh' is not one of the labels (good, bad)" },
        { TASKCTX LABELS2 "examples: [{output: x, label: [good]}]\n", AS_EINVAL,
          "t.yaml: examples[0]: label must be a string" },
        { TASKCTX LABELS2 "examples: [{outptu: x, label: good}]\n", AS_EINVAL,
          "t.yaml: examples[0]: 'outptu' is not a variable of the context (output)" },
        { "task: Judge it.\ncontext: '{output} {reference}'\n" LABELS2
          "examples: [{output: x, label: good}]\n", AS_EINVAL,
          "t.yaml: examples[0]: variable 'reference' has no value" },
        { TASKCTX LABELS2 "examples: [{output: x, label: good, explanation: {a: 1}}]\n", AS_EINVAL,
          "t.yaml: examples[0]: explanation must be a string" },
        { "task: Judge {output}.\n" LABELS2 "examples: [{output: x, label: good}]\n", AS_EINVAL,
          "t.yaml: examples: need a context (the examples are shown through it)" },
        { "task: Judge it.\ncontext: |\n  a: {output}\n  b: {x\n" LABELS2, AS_EINVAL,
          "t.yaml: context: line 2, column 4: unmatched '{' (write {{ for a literal brace)" },
        { "task: [unclosed\n", AS_EINVAL, NULL },   /* a YAML error: checked below */
    };
    for (size_t i = 0; i < AS_ARRAY_LEN(cases); i++) {
        as_rc rc;
        const char *msg = load_error(cases[i].text, &rc);
        if (rc != cases[i].rc) fprintf(stderr, "  case %zu: %s\n", i, msg);
        CHECK_INT(rc, cases[i].rc);
        if (cases[i].msg) {
            if (strcmp(msg, cases[i].msg) != 0) fprintf(stderr, "  case %zu\n", i);
            CHECK_STR(msg, cases[i].msg);
        }
    }
    /* 65 labels: over the limit */
    char big[8192] = TASKCTX "labels:\n";
    for (int i = 0; i < 65; i++) {
        char line[64];
        snprintf(line, sizeof line, "  - {label: l%d, score: %d}\n", i, i % 2);
        strcat(big, line);
    }
    as_rc rc;
    CHECK_STR(load_error(big, &rc), "t.yaml: labels: more than 64 labels");
    CHECK_INT(rc, AS_ETOOBIG);
    /* a label of 127 bytes is fine, 128 is not */
    char lab[300];
    memset(lab, 'x', 127);
    lab[127] = '\0';
    snprintf(big, sizeof big, TASKCTX "labels: [{label: %s, score: 1}, {label: bad, score: 0}]\n", lab);
    CHECK_STR(load_error(big, &rc), "");
    memset(lab, 'x', 128);
    lab[128] = '\0';
    snprintf(big, sizeof big, TASKCTX "labels: [{label: %s, score: 1}, {label: bad, score: 0}]\n", lab);
    CHECK_STR(load_error(big, &rc), "t.yaml: labels[0]: label is longer than 127 bytes");
    /* 65 examples: over the limit */
    snprintf(big, sizeof big, TASKCTX LABELS2 "examples:\n");
    for (int i = 0; i < 65; i++) strcat(big, "  - {output: x, label: good}\n");
    CHECK_STR(load_error(big, &rc), "t.yaml: examples: more than 64 examples");
    CHECK_INT(rc, AS_ETOOBIG);
    /* no name, and the file name is not a usable one */
    static const char noname[] = TASKCTX LABELS2;
    as_judge *j = NULL;
    as_err err;
    CHECK_INT(as_judge_parse_text(noname, strlen(noname), true, "dir/my judge.yaml", &j, &err),
              AS_EINVAL);
    CHECK_STR(err.msg, "dir/my judge.yaml: name: missing, and 'my judge' (from the file name) "
                       "is not a valid name (1 to 63 letters, digits, '_', '-' or '.')");
    CHECK(j == NULL);
    /* a name of 63 characters is fine, 64 is not */
    char name[70];
    memset(name, 'n', 64);
    name[64] = '\0';
    snprintf(big, sizeof big, "name: %s\n" TASKCTX LABELS2, name);
    CHECK(strstr(load_error(big, &rc), "is not a valid name") != NULL);
    name[63] = '\0';
    snprintf(big, sizeof big, "name: %s\n" TASKCTX LABELS2, name);
    CHECK_STR(load_error(big, &rc), "");
}

TEST(validation_accepts) {
    as_rc rc;
    /* context may be left out when the task holds the variables */
    CHECK_STR(load_error("task: 'Is {output} polite?'\n" LABELS2, &rc), "");
    /* "correct" is inside "incorrect": fine, snapping takes the longest first */
    CHECK_STR(load_error(TASKCTX "labels: [{label: correct, score: 1}, {label: incorrect, score: 0}]\n", &rc), "");
    /* a single pass label as a string, case-insensitive */
    CHECK_STR(load_error(TASKCTX LABELS2 "pass: GOOD\n", &rc), "");
    /* null fields are the same as absent ones */
    CHECK_STR(load_error(TASKCTX LABELS2 "role: ~\nexplanation: null\npass: ~\nexamples: ~\n", &rc), "");
    /* example values that are not strings are shown as JSON */
    as_err err;
    as_judge *j = parse_yaml(TASKCTX LABELS2
                             "examples: [{output: {a: [1, true]}, label: BAD}, {output: 42, label: good},"
                             " {output: ~, label: good}]\n", &err);
    CHECK(j != NULL);
    if (!j) { fprintf(stderr, "%s\n", err.msg); return; }
    static const char *const kv[] = { "output", "row", NULL };
    as_prompt p;
    CHECK_INT(as_judge_render(j, AS_LLM_ANSWER_TEXT, kv_var, (void *)kv, &p, &err), AS_OK);
    CHECK(strstr(p.msgs[0].content, "=== Example 1 ===\n{\"a\":[1,true]}\n--- Answer ---\nLABEL: bad\n") != NULL);
    CHECK(strstr(p.msgs[0].content, "=== Example 2 ===\n42\n--- Answer ---\nLABEL: good\n") != NULL);
    CHECK(strstr(p.msgs[0].content, "=== Example 3 ===\n\n--- Answer ---\nLABEL: good\n") != NULL);
    as_prompt_clear(&p);
    as_judge_free(j);
}

TEST(load_files) {
    as_judge *j = NULL;
    as_err err;
    const char *path = tmp_path("facts.yaml", k_judge);
    CHECK_INT(as_judge_load(path, &j, &err), AS_OK);
    if (j) CHECK_STR(as_judge_name(j), "facts");
    as_judge_free(j);
    /* .yml; name from the file name */
    path = tmp_path("Short.YML", "task: 'Is {output} ok?'\n" LABELS2);
    CHECK_INT(as_judge_load(path, &j, &err), AS_OK);
    if (j) CHECK_STR(as_judge_name(j), "Short");
    as_judge_free(j);
    path = tmp_path("j.json", "{\"task\": \"Is {output} ok?\", \"labels\": "
                              "[{\"label\": \"good\", \"score\": 1}, {\"label\": \"bad\", \"score\": 0}]}");
    CHECK_INT(as_judge_load(path, &j, &err), AS_OK);
    if (j) CHECK_STR(as_judge_name(j), "j");
    as_judge_free(j);
    /* errors name the file */
    path = tmp_path("bad.yaml", "task: 'Is {output} ok?'\nlabels: [{label: good, score: 1}]\n");
    CHECK_INT(as_judge_load(path, &j, &err), AS_EINVAL);
    char want[512];
    snprintf(want, sizeof want, "%s: labels: must be a list of at least two labels", path);
    CHECK_STR(err.msg, want);
    path = tmp_path("syntax.yaml", "task: x\n  bad: indent\n");
    CHECK_INT(as_judge_load(path, &j, &err), AS_EINVAL);
    snprintf(want, sizeof want, "%s:2:6: ", path);
    CHECK(strncmp(err.msg, want, strlen(want)) == 0);
    path = tmp_path("judge.txt", "task: x\n");
    CHECK_INT(as_judge_load(path, &j, &err), AS_EINVAL);
    snprintf(want, sizeof want, "%s: a judge template must be a .yaml, .yml or .json file", path);
    CHECK_STR(err.msg, want);
    path = tmp_path("missing.yaml", NULL);
    CHECK_INT(as_judge_load(path, &j, &err), AS_ENOTFOUND);
    snprintf(want, sizeof want, "%s: no such file", path);
    CHECK_STR(err.msg, want);
    CHECK(j == NULL);
    /* a file over 1 MiB */
    char *huge = malloc((1u << 20) + 100);
    memset(huge, '#', (1u << 20) + 99);
    huge[(1u << 20) + 99] = '\0';
    path = tmp_path("huge.yaml", huge);
    free(huge);
    CHECK_INT(as_judge_load(path, &j, &err), AS_ETOOBIG);
    CHECK(strstr(err.msg, "larger than 1048576 bytes") != NULL);
}

/* ---- built-ins ---------------------------------------------------------- */

typedef struct builtin_spec {
    const char *name;
    const char *vars[4];
    const char *good, *bad;
} builtin_spec;

static const builtin_spec k_builtins[] = {
    { "code_readability", { "input", "output" }, "readable", "unreadable" },
    { "conciseness", { "input", "output" }, "concise", "verbose" },
    { "hallucination", { "input", "reference", "output" }, "factual", "hallucinated" },
    { "qa_correctness", { "input", "reference", "output" }, "correct", "incorrect" },
    { "refusal", { "input", "output" }, "answered", "refused" },
    { "relevance", { "input", "reference" }, "relevant", "unrelated" },
    { "summarization", { "input", "output" }, "good", "bad" },
    { "tone", { "input", "output" }, "friendly", "robotic" },
    { "tool_calling", { "input", "tools", "tool_call" }, "correct", "incorrect" },
    { "tool_selection", { "input", "tools", "tool_call" }, "correct", "incorrect" },
    { "toxicity", { "output" }, "non-toxic", "toxic" },
    { "user_frustration", { "input" }, "not_frustrated", "frustrated" },
};

static const char *any_var(void *ud, const char *name) {
    AS_UNUSED(ud);
    return name;     /* each variable renders as its own name */
}

TEST(builtin_names) {
    const char *const *names = as_judge_builtin_names();
    size_t n = 0;
    while (names[n]) n++;
    CHECK_INT(n, AS_ARRAY_LEN(k_builtins));
    for (size_t i = 0; i < n && i < AS_ARRAY_LEN(k_builtins); i++)
        CHECK_STR(names[i], k_builtins[i].name);
    CHECK(as_judge_builtin_names() == names);
}

TEST(builtins_load) {
    for (size_t i = 0; i < AS_ARRAY_LEN(k_builtins); i++) {
        const builtin_spec *b = &k_builtins[i];
        as_judge *j = NULL;
        as_err err;
        as_err_clear(&err);
        CHECK_INT(as_judge_builtin(b->name, &j, &err), AS_OK);
        if (!j) { fprintf(stderr, "  %s: %s\n", b->name, err.msg); continue; }
        CHECK_STR(as_judge_name(j), b->name);
        CHECK(as_judge_description(j) != NULL && strlen(as_judge_description(j)) > 20);
        const char *const *vars;
        size_t nv = as_judge_vars(j, &vars), want = 0;
        while (want < 4 && b->vars[want]) want++;
        CHECK_INT(nv, want);
        for (size_t k = 0; k < nv && k < want; k++) CHECK_STR(vars[k], b->vars[k]);
        const as_rail *r;
        CHECK_INT(as_judge_rails(j, &r), 2);
        CHECK_STR(r[0].label, b->good);
        CHECK_STR(r[1].label, b->bad);
        CHECK_DBL(r[0].score, 1, 0);
        CHECK_DBL(r[1].score, 0, 0);
        CHECK(r[0].description && r[1].description);
        CHECK(as_judge_is_pass(j, b->good));
        CHECK(!as_judge_is_pass(j, b->bad));
        /* every answer mode renders, with a role, and the labels in the text */
        as_llm_answer modes[] = { AS_LLM_ANSWER_TEXT, AS_LLM_ANSWER_TOOL, AS_LLM_ANSWER_JSON };
        for (size_t m = 0; m < 3; m++) {
            as_prompt p;
            CHECK_INT(as_judge_render(j, modes[m], any_var, NULL, &p, &err), AS_OK);
            CHECK_INT(p.n_msgs, 2);
            CHECK_STR(p.msgs[0].role, "system");
            for (size_t k = 0; k < want; k++) CHECK(strstr(p.msgs[1].content, b->vars[k]) != NULL);
            CHECK(strstr(p.msgs[1].content, r[0].description) != NULL);
            CHECK(strstr(p.msgs[1].content, r[1].description) != NULL);
            as_prompt_clear(&p);
        }
        /* the model's natural answers snap to the right rail */
        as_verdict v;
        as_llm_response resp = text_resp(NULL, NULL);
        char line[200];
        snprintf(line, sizeof line, "EXPLANATION: because.\nLABEL: %s", b->bad);
        resp.text = line;
        as_judge_verdict(j, &resp, &v);
        CHECK_STR(v.label, b->bad);
        as_verdict_clear(&v);
        snprintf(line, sizeof line, "LABEL: %s", b->good);
        as_judge_verdict(j, &resp, &v);
        CHECK_STR(v.label, b->good);
        as_verdict_clear(&v);
        as_judge_free(j);
    }
}

TEST(builtin_unknown) {
    as_judge *j = (as_judge *)1;
    as_err err;
    CHECK_INT(as_judge_builtin("halucination", &j, &err), AS_ENOTFOUND);
    CHECK(j == NULL);
    CHECK_STR(err.msg, "no built-in judge 'halucination' (built-ins: code_readability, "
                       "conciseness, hallucination, qa_correctness, refusal, relevance, "
                       "summarization, tone, tool_calling, tool_selection, toxicity, "
                       "user_frustration)");
    CHECK_INT(as_judge_builtin("tone.yaml", &j, &err), AS_ENOTFOUND);
    CHECK_INT(as_judge_builtin("", &j, &err), AS_ENOTFOUND);
}

/* ---- prompts ------------------------------------------------------------ */

TEST(prompt_text_exact) {
    as_err err;
    as_judge *j = parse_yaml(k_judge, &err);
    CHECK(j != NULL);
    if (!j) return;
    as_prompt p;
    CHECK_INT(as_judge_render(j, AS_LLM_ANSWER_TEXT, kv_var, (void *)k_row, &p, &err), AS_OK);
    CHECK_INT(p.n_msgs, 2);
    CHECK_INT(p.answer, AS_LLM_ANSWER_TEXT);
    CHECK_STR(p.msgs[0].role, "system");
    CHECK_STR(p.msgs[0].content, "You are a fact checker.");
    CHECK_STR(p.msgs[1].role, "user");
    CHECK_STR(p.msgs[1].content,
              "Decide whether the answer is supported by the reference.\n"
              "\n"
              "Question: Where is the Eiffel Tower?\n"
              "Reference: The Eiffel Tower is in Paris.\n"
              "Answer: Paris.\n"
              "\n"
              "Answer with exactly one of these labels: factual, hallucinated\n"
              "- factual: supported by the reference\n"
              "- hallucinated: not supported\n"
              "\n"
              "First write EXPLANATION: with your reasoning in a few sentences, then on its "
              "own line LABEL: followed by the label only.");
    CHECK(p.tool_name == NULL);
    CHECK(p.tool_description == NULL);
    CHECK(p.schema_json == NULL);
    as_prompt_clear(&p);
    CHECK_INT(p.n_msgs, 0);
    CHECK(p.owned[0] == NULL && p.owned[1] == NULL);
    as_prompt_clear(&p);    /* twice is fine */
    as_judge_free(j);
}

/* Check a schema: object, properties in order, the enum in rail order. */
static void check_schema(const char *schema, bool explanation, const char *const *rails, size_t n) {
    json_error_t je;
    json_t *s = json_loads(schema, 0, &je);
    CHECK(json_is_object(s));
    if (!s) return;
    CHECK_STR(json_string_value(json_object_get(s, "type")), "object");
    CHECK(json_is_false(json_object_get(s, "additionalProperties")));
    json_t *props = json_object_get(s, "properties");
    CHECK_INT(json_object_size(props), explanation ? 2 : 1);
    void *it = json_object_iter(props);
    if (explanation) {
        CHECK_STR(json_object_iter_key(it), "explanation");   /* reasoning first */
        CHECK_STR(json_string_value(json_object_get(json_object_iter_value(it), "type")), "string");
        it = json_object_iter_next(props, it);
    }
    CHECK(it != NULL);
    if (it) CHECK_STR(json_object_iter_key(it), "label");
    json_t *label = json_object_get(props, "label");
    CHECK_STR(json_string_value(json_object_get(label, "type")), "string");
    json_t *en = json_object_get(label, "enum");
    CHECK_INT(json_array_size(en), n);
    for (size_t i = 0; i < n && i < json_array_size(en); i++)
        CHECK_STR(json_string_value(json_array_get(en, i)), rails[i]);
    json_t *req = json_object_get(s, "required");
    CHECK_INT(json_array_size(req), explanation ? 2 : 1);
    if (explanation) CHECK_STR(json_string_value(json_array_get(req, 0)), "explanation");
    CHECK_STR(json_string_value(json_array_get(req, explanation ? 1 : 0)), "label");
    json_decref(s);
}

TEST(prompt_tool_and_json) {
    as_err err;
    as_judge *j = parse_yaml(k_judge, &err);
    CHECK(j != NULL);
    if (!j) return;
    static const char *const rails[] = { "factual", "hallucinated" };
    as_prompt p;
    CHECK_INT(as_judge_render(j, AS_LLM_ANSWER_TOOL, kv_var, (void *)k_row, &p, &err), AS_OK);
    CHECK_INT(p.answer, AS_LLM_ANSWER_TOOL);
    CHECK_STR(p.tool_name, "record_label");
    CHECK(p.tool_description && strlen(p.tool_description) > 10);
    check_schema(p.schema_json, true, rails, 2);
    CHECK_STR(p.schema_json,
              "{\"type\":\"object\",\"properties\":{\"explanation\":{\"type\":\"string\","
              "\"description\":\"Your reasoning in a few sentences, written before you choose "
              "the label.\"},\"label\":{\"type\":\"string\",\"enum\":[\"factual\","
              "\"hallucinated\"],\"description\":\"The label that applies: exactly one of the "
              "listed labels.\"}},\"required\":[\"explanation\",\"label\"],"
              "\"additionalProperties\":false}");
    const char *u = p.msgs[1].content;
    CHECK(strstr(u, "calling the record_label function") != NULL);
    CHECK(strstr(u, "exactly one of these labels: factual, hallucinated\n"
                    "- factual: supported by the reference\n"
                    "- hallucinated: not supported\n") != NULL);
    CHECK(strstr(u, "reasoning, in a few sentences, in explanation") != NULL);
    CHECK(strstr(u, "LABEL:") == NULL);
    as_prompt_clear(&p);

    CHECK_INT(as_judge_render(j, AS_LLM_ANSWER_JSON, kv_var, (void *)k_row, &p, &err), AS_OK);
    CHECK_INT(p.answer, AS_LLM_ANSWER_JSON);
    CHECK_STR(p.tool_name, "record_label");
    check_schema(p.schema_json, true, rails, 2);
    u = p.msgs[1].content;
    CHECK(strstr(u, "as a JSON object with the fields explanation and label") != NULL);
    CHECK(strstr(u, "- hallucinated: not supported\n") != NULL);
    as_prompt_clear(&p);

    CHECK_INT(as_judge_render(j, (as_llm_answer)7, kv_var, (void *)k_row, &p, &err), AS_EINVAL);
    CHECK_INT(p.n_msgs, 0);
    as_judge_free(j);
}

TEST(prompt_explanation_off) {
    as_err err;
    as_judge *j = parse_yaml("task: 'Is {output} ok?'\nexplanation: false\n"
                             "labels: [{label: yes, score: 1}, {label: no, score: 0},"
                             " {label: maybe, score: 0.5, description: unsure}]\n", &err);
    CHECK(j != NULL);
    if (!j) return;
    static const char *const kv[] = { "output", "X", NULL };
    static const char *const rails[] = { "yes", "no", "maybe" };
    as_prompt p;
    CHECK_INT(as_judge_render(j, AS_LLM_ANSWER_TEXT, kv_var, (void *)kv, &p, &err), AS_OK);
    CHECK_INT(p.n_msgs, 1);                            /* no role: no system message */
    CHECK_STR(p.msgs[0].role, "user");
    CHECK_STR(p.msgs[0].content,
              "Is X ok?\n\n"
              "Answer with exactly one of these labels: yes, no, maybe\n"
              "- yes\n- no\n- maybe: unsure\n\n"
              "Write the label only, with no other words.");
    as_prompt_clear(&p);
    CHECK_INT(as_judge_render(j, AS_LLM_ANSWER_TOOL, kv_var, (void *)kv, &p, &err), AS_OK);
    check_schema(p.schema_json, false, rails, 3);
    CHECK(strstr(p.msgs[0].content, "explanation") == NULL);
    as_prompt_clear(&p);
    CHECK_INT(as_judge_render(j, AS_LLM_ANSWER_JSON, kv_var, (void *)kv, &p, &err), AS_OK);
    check_schema(p.schema_json, false, rails, 3);
    CHECK(strstr(p.msgs[0].content, "with the field label (and nothing else)") != NULL);
    as_prompt_clear(&p);
    as_judge_free(j);
}

TEST(prompt_examples) {
    as_err err;
    as_judge *j = NULL;
    CHECK_INT(as_judge_builtin("tone", &j, &err), AS_OK);
    if (!j) return;
    static const char *const kv[] = { "input", "Where is my parcel?",
                                      "output", "ROW-RESPONSE", NULL };
    as_prompt p;
    CHECK_INT(as_judge_render(j, AS_LLM_ANSWER_TEXT, kv_var, (void *)kv, &p, &err), AS_OK);
    const char *u = p.msgs[1].content;
    const char *task = strstr(u, "Decide whether the tone");
    const char *e1 = strstr(u, "=== Example 1 ===\n<question>\nMy order arrived damaged.");
    const char *a1 = strstr(u, "--- Answer ---\nEXPLANATION: It reacts to the user's situation");
    const char *l1 = strstr(u, "LABEL: friendly\n=== End of example 1 ===");
    const char *e2 = strstr(u, "=== Example 2 ===");
    const char *l2 = strstr(u, "LABEL: robotic\n=== End of example 2 ===");
    const char *row = strstr(u, "=== The case to judge ===\n\n<question>\nWhere is my parcel?");
    const char *end = strstr(u, "ROW-RESPONSE\n</response>\n=== End of the case ===\n\nAnswer with");
    CHECK(task && e1 && a1 && l1 && e2 && l2 && row && end);
    CHECK(task < e1 && e1 < a1 && a1 < l1 && l1 < e2 && e2 < l2 && l2 < row && row < end);
    as_prompt_clear(&p);
    /* structured modes show the examples' answers as the JSON to record */
    CHECK_INT(as_judge_render(j, AS_LLM_ANSWER_TOOL, kv_var, (void *)kv, &p, &err), AS_OK);
    u = p.msgs[1].content;
    CHECK(strstr(u, "--- Answer ---\n{\"explanation\": \"It reacts") != NULL);
    CHECK(strstr(u, "\", \"label\": \"robotic\"}\n=== End of example 2 ===") != NULL);
    CHECK(strstr(u, "LABEL:") == NULL);
    as_prompt_clear(&p);
    as_judge_free(j);

    /* explanation off: the example answer is the bare label */
    j = parse_yaml(TASKCTX LABELS2 "explanation: false\n"
                   "examples: [{output: sample, label: bad, explanation: ignored}]\n", &err);
    CHECK(j != NULL);
    if (!j) return;
    CHECK_INT(as_judge_render(j, AS_LLM_ANSWER_TEXT, kv_var, (void *)kv, &p, &err), AS_OK);
    CHECK_STR(p.msgs[0].content,
              "Judge it.\n\nExamples of cases with their correct answers:\n\n"
              "=== Example 1 ===\nsample\n--- Answer ---\nbad\n=== End of example 1 ===\n\n"
              "=== The case to judge ===\n\nROW-RESPONSE\n=== End of the case ===\n\n"
              "Answer with exactly one of these labels: good, bad\n- good\n- bad\n\n"
              "Write the label only, with no other words.");
    as_prompt_clear(&p);
    CHECK_INT(as_judge_render(j, AS_LLM_ANSWER_JSON, kv_var, (void *)kv, &p, &err), AS_OK);
    CHECK(strstr(p.msgs[0].content, "--- Answer ---\n{\"label\": \"bad\"}\n") != NULL);
    as_prompt_clear(&p);
    as_judge_free(j);
}

TEST(prompt_missing_variable) {
    as_err err;
    as_judge *j = parse_yaml(k_judge, &err);
    CHECK(j != NULL);
    if (!j) return;
    static const char *const kv[] = { "input", "q", "output", "a", NULL };
    as_prompt p;
    CHECK_INT(as_judge_render(j, AS_LLM_ANSWER_TOOL, kv_var, (void *)kv, &p, &err), AS_EINVAL);
    CHECK_STR(err.msg, "variable 'reference' has no value");
    CHECK_INT(p.n_msgs, 0);
    CHECK(p.owned[0] == NULL && p.owned[1] == NULL && p.schema_json == NULL);
    as_prompt_clear(&p);
    /* a variable used only by the role is needed too */
    as_judge_free(j);
    j = parse_yaml("role: 'You judge {domain}.'\n" TASKCTX LABELS2, &err);
    CHECK(j != NULL);
    if (!j) return;
    CHECK_INT(as_judge_render(j, AS_LLM_ANSWER_TEXT, kv_var, (void *)kv, &p, &err), AS_EINVAL);
    CHECK_STR(err.msg, "variable 'domain' has no value");
    static const char *const kv2[] = { "domain", "law", "output", "a", NULL };
    CHECK_INT(as_judge_render(j, AS_LLM_ANSWER_TEXT, kv_var, (void *)kv2, &p, &err), AS_OK);
    CHECK_STR(p.msgs[0].content, "You judge law.");
    as_prompt_clear(&p);
    as_judge_free(j);
}

TEST(prompt_values_verbatim) {
    as_err err;
    as_judge *j = parse_yaml("format: mustache\ntask: Judge.\ncontext: '[{{output}}]'\n" LABELS2, &err);
    CHECK(j != NULL);
    if (!j) return;
    static const char *const kv[] = { "output", "{{output}} {x} <b>&amp;\n\n", NULL };
    as_prompt p;
    CHECK_INT(as_judge_render(j, AS_LLM_ANSWER_TEXT, kv_var, (void *)kv, &p, &err), AS_OK);
    CHECK(strncmp(p.msgs[0].content, "Judge.\n\n[{{output}} {x} <b>&amp;\n\n]\n\n", 35) == 0);
    as_prompt_clear(&p);
    as_judge_free(j);
}

/* ---- snapping ----------------------------------------------------------- */

TEST(snap_phoenix_cases) {
    static const char *const ci[] = { "correct", "incorrect" };
    CHECK_INT(as_snap_to_rail("correct", ci, 2), 0);
    CHECK_INT(as_snap_to_rail("incorrect", ci, 2), 1);
    CHECK_INT(as_snap_to_rail("The answer is correct.", ci, 2), 0);
    CHECK_INT(as_snap_to_rail("The answer is INCORRECT.", ci, 2), 1);
    CHECK_INT(as_snap_to_rail("  Incorrect\n", ci, 2), 1);
    CHECK_INT(as_snap_to_rail("correct, not incorrect", ci, 2), -1);   /* both */
    CHECK_INT(as_snap_to_rail("right", ci, 2), -1);                    /* none */
    CHECK_INT(as_snap_to_rail("", ci, 2), -1);
    CHECK_INT(as_snap_to_rail("correct correct CORRECT", ci, 2), 0);  /* one label, thrice */
    /* substrings inside longer words count: "correctly" holds "correct" */
    CHECK_INT(as_snap_to_rail("formatted correctly", ci, 2), 0);
    CHECK_INT(as_snap_to_rail("incorrectly", ci, 2), 1);
    CHECK_INT(as_snap_to_rail("correctly formatted but incorrect", ci, 2), -1);
    /* the pitfall that makes relevance use "unrelated": irrelevant holds relevant */
    static const char *const rel[] = { "relevant", "unrelated" };
    CHECK_INT(as_snap_to_rail("irrelevant", rel, 2), 0);
    CHECK_INT(as_snap_to_rail("unrelated", rel, 2), 1);
    /* non-toxic is longer than toxic, so it is tried (and removed) first;
     * "not toxic" is not a rail and only "toxic" matches in it */
    static const char *const tox[] = { "toxic", "non-toxic" };
    CHECK_INT(as_snap_to_rail("non-toxic", tox, 2), 1);
    CHECK_INT(as_snap_to_rail("TOXIC", tox, 2), 0);
    CHECK_INT(as_snap_to_rail("not toxic", tox, 2), 0);
    CHECK_INT(as_snap_to_rail("non-toxic, not toxic", tox, 2), -1);
    static const char *const fr[] = { "not_frustrated", "frustrated" };
    CHECK_INT(as_snap_to_rail("label: not_frustrated", fr, 2), 0);
    CHECK_INT(as_snap_to_rail("frustrated", fr, 2), 1);
}

TEST(snap_edges) {
    static const char *const gb[] = { "good", "bad" };
    /* a removed match does not join its neighbours: "b|good|ad" does not
     * become "bad" (Phoenix's str.replace would make it one) */
    CHECK_INT(as_snap_to_rail("bgoodad", gb, 2), 0);
    CHECK_INT(as_snap_to_rail(NULL, gb, 2), -1);
    CHECK_INT(as_snap_to_rail("good", NULL, 2), -1);
    CHECK_INT(as_snap_to_rail("good", gb, 0), -1);
    /* empty and NULL labels never match */
    static const char *const odd[] = { "", NULL, "yes" };
    CHECK_INT(as_snap_to_rail("yes", odd, 3), 2);
    CHECK_INT(as_snap_to_rail("no", odd, 3), -1);
    /* ties in length: both tried, both match -> ambiguous */
    static const char *const ab[] = { "ab", "ba" };
    CHECK_INT(as_snap_to_rail("ab ba", ab, 2), -1);
    CHECK_INT(as_snap_to_rail("aba", ab, 2), 0);   /* "ab" first (index order), "a" left */
    /* ASCII case folding only: É and é differ */
    static const char *const fr[] = { "été", "hiver" };
    CHECK_INT(as_snap_to_rail("Été", fr, 2), -1);
    CHECK_INT(as_snap_to_rail("ÉTÉ", fr, 2), -1);
    CHECK_INT(as_snap_to_rail("l'été", fr, 2), 0);
    CHECK_INT(as_snap_to_rail("HIVER", fr, 2), 1);
    /* a label longer than the text */
    static const char *const lng[] = { "verylonglabel", "x" };
    CHECK_INT(as_snap_to_rail("x", lng, 2), 1);
    /* the same label twice (different case): one distinct match */
    static const char *const dup[] = { "Yes", "yes", "no" };
    CHECK_INT(as_snap_to_rail("yes", dup, 3), 0);
}

/* ---- verdicts ----------------------------------------------------------- */

static as_judge *facts_judge(void) {
    as_err err;
    as_judge *j = parse_yaml(k_judge, &err);
    if (!j) fprintf(stderr, "%s\n", err.msg);
    return j;
}

static as_judge *ci_judge(void) {
    as_err err;
    return parse_yaml(TASKCTX "labels: [{label: correct, score: 1}, {label: incorrect, score: 0}]\n", &err);
}

TEST(verdict_structured) {
    as_judge *j = facts_judge();
    if (!j) { CHECK(0); return; }
    as_verdict v;
    as_llm_response r = text_resp(NULL, "{\"explanation\": \" Not in the text. \", \"label\": \"hallucinated\"}");
    as_judge_verdict(j, &r, &v);
    CHECK_STR(v.label, "hallucinated");
    CHECK_DBL(v.score, 0, 0);
    CHECK_STR(v.explanation, "Not in the text.");
    as_verdict_clear(&v);
    /* case-insensitive exact rail, normalised to the rail's spelling */
    r.structured = "{\"label\": \" FACTUAL \"}";
    as_judge_verdict(j, &r, &v);
    CHECK_STR(v.label, "factual");
    CHECK_DBL(v.score, 1, 0);
    CHECK(v.explanation == NULL);
    as_verdict_clear(&v);
    /* a label that is not a rail is snapped */
    r.structured = "{\"label\": \"the answer is factual\", \"explanation\": \"ok\"}";
    as_judge_verdict(j, &r, &v);
    CHECK_STR(v.label, "factual");
    as_verdict_clear(&v);
    /* ...and NOT_PARSABLE when that fails; the explanation is kept */
    r.structured = "{\"label\": \"maybe\", \"explanation\": \"unsure\"}";
    r.text = "LABEL: factual";     /* not consulted: the structured answer is well-formed */
    as_judge_verdict(j, &r, &v);
    CHECK_STR(v.label, AS_NOT_PARSABLE);
    CHECK(isnan(v.score));
    CHECK_STR(v.explanation, "unsure");
    as_verdict_clear(&v);
    r.structured = "{\"label\": \"factual or hallucinated\"}";
    r.text = NULL;
    as_judge_verdict(j, &r, &v);
    CHECK_STR(v.label, AS_NOT_PARSABLE);
    CHECK(isnan(v.score));
    as_verdict_clear(&v);
    r.structured = "{\"label\": \"\", \"explanation\": \"\"}";
    as_judge_verdict(j, &r, &v);
    CHECK_STR(v.label, AS_NOT_PARSABLE);
    CHECK(v.explanation == NULL);
    as_verdict_clear(&v);
    /* exact beats snapping: "incorrect" holds "correct" */
    as_judge_free(j);
    j = ci_judge();
    if (!j) { CHECK(0); return; }
    r.structured = "{\"label\": \"Incorrect\"}";
    as_judge_verdict(j, &r, &v);
    CHECK_STR(v.label, "incorrect");
    CHECK_DBL(v.score, 0, 0);
    as_verdict_clear(&v);
    as_judge_free(j);
}

TEST(verdict_structured_fallback) {
    as_judge *j = facts_judge();
    if (!j) { CHECK(0); return; }
    as_verdict v;
    static const char *const bad[] = {
        "{oops", "[\"factual\"]", "{\"label\": 1}", "{\"verdict\": \"hallucinated\"}", "",
        "\"factual\"", "null",
    };
    for (size_t i = 0; i < AS_ARRAY_LEN(bad); i++) {
        as_llm_response r = text_resp("EXPLANATION: fine\nLABEL: hallucinated", bad[i]);
        as_judge_verdict(j, &r, &v);
        CHECK_STR(v.label, "hallucinated");
        CHECK_STR(v.explanation, "fine");
        as_verdict_clear(&v);
        r.text = NULL;    /* nothing else to go on */
        as_judge_verdict(j, &r, &v);
        CHECK_STR(v.label, AS_NOT_PARSABLE);
        CHECK(isnan(v.score));
        as_verdict_clear(&v);
    }
    as_llm_response none = text_resp(NULL, NULL);
    as_judge_verdict(j, &none, &v);
    CHECK_STR(v.label, AS_NOT_PARSABLE);
    CHECK(isnan(v.score));
    CHECK(v.explanation == NULL);
    as_judge_verdict(j, NULL, &v);
    CHECK_STR(v.label, AS_NOT_PARSABLE);
    as_judge_free(j);
}

TEST(verdict_text) {
    as_judge *j = facts_judge();
    if (!j) { CHECK(0); return; }
    typedef struct { const char *text, *label, *expl; } tc;
    static const tc cases[] = {
        { "EXPLANATION: The reference says Paris.\nLABEL: factual", "factual",
          "The reference says Paris." },
        { "explanation: multi\nline reasoning\n\nlabel: Hallucinated\n", "hallucinated",
          "multi\nline reasoning" },
        { "**EXPLANATION:** supported.\n**LABEL:** **factual**", "factual", "supported." },
        /* the last LABEL: counts; an earlier "label:" is part of the reasoning */
        { "EXPLANATION: the label: factual would be wrong here.\nLABEL: hallucinated",
          "hallucinated", "the label: factual would be wrong here." },
        { "LABEL:\n\n  factual.\n", "factual", NULL },
        { "Reasoning first.\nLABEL: factual", "factual", "Reasoning first." },
        { "LABEL: factual\nEXPLANATION: after the label", "factual", "after the label" },
        { "LABEL: `hallucinated`", "hallucinated", NULL },
        /* what follows LABEL: is not a rail: NOT_PARSABLE, no second guess
         * from the rest of the text */
        { "EXPLANATION: looks factual\nLABEL: unsure", AS_NOT_PARSABLE, "looks factual" },
        { "LABEL: factual or hallucinated", AS_NOT_PARSABLE, NULL },
        { "LABEL:", AS_NOT_PARSABLE, NULL },
        /* no LABEL: the whole text is snapped */
        { "factual", "factual", NULL },
        { "Factual.", "factual", NULL },
        { "  HALLUCINATED  ", "hallucinated", NULL },
        { "It is factual, not hallucinated.", AS_NOT_PARSABLE, NULL },
        { "I cannot tell.", AS_NOT_PARSABLE, NULL },
        { "", AS_NOT_PARSABLE, NULL },
    };
    for (size_t i = 0; i < AS_ARRAY_LEN(cases); i++) {
        as_verdict v;
        as_llm_response r = text_resp(cases[i].text, NULL);
        as_judge_verdict(j, &r, &v);
        if (strcmp(v.label, cases[i].label) != 0) fprintf(stderr, "  case %zu\n", i);
        CHECK_STR(v.label, cases[i].label);
        if (!strcmp(cases[i].label, "factual")) CHECK_DBL(v.score, 1, 0);
        else if (!strcmp(cases[i].label, "hallucinated")) CHECK_DBL(v.score, 0, 0);
        else CHECK(isnan(v.score));
        if (cases[i].expl) CHECK_STR(v.explanation, cases[i].expl);
        else CHECK(v.explanation == NULL);
        as_verdict_clear(&v);
    }
    as_judge_free(j);
    /* with rails where one contains the other */
    j = ci_judge();
    if (!j) { CHECK(0); return; }
    as_verdict v;
    as_llm_response r = text_resp("EXPLANATION: wrong city.\nLABEL: INCORRECT", NULL);
    as_judge_verdict(j, &r, &v);
    CHECK_STR(v.label, "incorrect");
    as_verdict_clear(&v);
    r.text = "LABEL: correct";
    as_judge_verdict(j, &r, &v);
    CHECK_STR(v.label, "correct");
    CHECK_DBL(v.score, 1, 0);
    as_verdict_clear(&v);
    r.text = "The answer is not correct, it is incorrect";
    as_judge_verdict(j, &r, &v);
    CHECK_STR(v.label, AS_NOT_PARSABLE);
    as_verdict_clear(&v);
    as_judge_free(j);
}

/* ---- YAML --------------------------------------------------------------- */

TEST(yaml_scalars) {
    json_t *v = NULL;
    as_err err;
    CHECK_INT(yaml("a: ~\nb: null\nc:\nd: true\ne: False\nf: yes\ng: 12\nh: -3\ni: 0x1F\n"
                   "j: 0o17\nk: 1.5\nl: 1e3\nm: '12'\nn: !!str 12\no: !!int \"7\"\n"
                   "p: 99999999999999999999\nq: hello world\nr: \"esc\\tx\"\ns: .5\n"
                   "t: !!float 2\nu: !!bool true\nv: !!null ''\nw: ! 12\nx: +4\ny: 1.\n", NULL, &v, &err), AS_OK);
    CHECK(json_is_object(v));
    if (!v) { fprintf(stderr, "%s\n", err.msg); return; }
    CHECK(json_is_null(json_object_get(v, "a")));
    CHECK(json_is_null(json_object_get(v, "b")));
    CHECK(json_is_null(json_object_get(v, "c")));
    CHECK(json_is_true(json_object_get(v, "d")));
    CHECK(json_is_false(json_object_get(v, "e")));
    CHECK_STR(json_string_value(json_object_get(v, "f")), "yes");   /* YAML 1.2: a string */
    CHECK_INT(json_integer_value(json_object_get(v, "g")), 12);
    CHECK_INT(json_integer_value(json_object_get(v, "h")), -3);
    CHECK_INT(json_integer_value(json_object_get(v, "i")), 31);
    CHECK_INT(json_integer_value(json_object_get(v, "j")), 15);
    CHECK_DBL(json_real_value(json_object_get(v, "k")), 1.5, 0);
    CHECK_DBL(json_real_value(json_object_get(v, "l")), 1000, 0);
    CHECK_STR(json_string_value(json_object_get(v, "m")), "12");
    CHECK_STR(json_string_value(json_object_get(v, "n")), "12");
    CHECK_INT(json_integer_value(json_object_get(v, "o")), 7);
    CHECK(json_is_real(json_object_get(v, "p")));
    CHECK_DBL(json_real_value(json_object_get(v, "p")), 1e20, 1e5);
    CHECK_STR(json_string_value(json_object_get(v, "q")), "hello world");
    CHECK_STR(json_string_value(json_object_get(v, "r")), "esc\tx");
    CHECK_DBL(json_real_value(json_object_get(v, "s")), 0.5, 0);
    CHECK_DBL(json_real_value(json_object_get(v, "t")), 2, 0);
    CHECK(json_is_true(json_object_get(v, "u")));
    CHECK(json_is_null(json_object_get(v, "v")));
    CHECK_STR(json_string_value(json_object_get(v, "w")), "12");
    CHECK_INT(json_integer_value(json_object_get(v, "x")), 4);
    CHECK_DBL(json_real_value(json_object_get(v, "y")), 1, 0);
    json_decref(v);
    /* an empty document is null; a bare scalar is fine */
    CHECK_INT(yaml("", NULL, &v, &err), AS_OK);
    CHECK(json_is_null(v));
    json_decref(v);
    CHECK_INT(yaml("# only a comment\n", NULL, &v, &err), AS_OK);
    CHECK(json_is_null(v));
    json_decref(v);
    CHECK_INT(yaml("--- 42\n...\n", NULL, &v, &err), AS_OK);
    CHECK_INT(json_integer_value(v), 42);
    json_decref(v);
}

TEST(yaml_structures) {
    json_t *v = NULL;
    as_err err;
    CHECK_INT(yaml("list:\n  - a\n  - {b: [1, 2], c: {}}\n  - []\n"
                   "text: |\n  line 1\n  line 2\nfolded: >\n  one\n  two\n", NULL, &v, &err), AS_OK);
    if (!v) { fprintf(stderr, "%s\n", err.msg); return; }
    char *s = json_dumps(v, JSON_COMPACT);
    CHECK_STR(s, "{\"list\":[\"a\",{\"b\":[1,2],\"c\":{}},[]],\"text\":\"line 1\\nline 2\\n\","
                 "\"folded\":\"one two\\n\"}");
    free(s);
    json_decref(v);
}

TEST(yaml_errors_line_col) {
    typedef struct { const char *text; as_rc rc; const char *msg; } tc;
    static const tc cases[] = {
        { "a: 1\na: 2\n", AS_EINVAL, "t.yaml:2:1: duplicate key 'a'" },
        { "x:\n  a: 1\n  b: 2\n  a: 3\n", AS_EINVAL, "t.yaml:4:3: duplicate key 'a'" },
        { "base: &b {x: 1}\nother:\n  <<: *b\n", AS_EUNSUPPORTED,
          "t.yaml:3:3: merge keys (<<) are not supported" },
        { "? [a, b]\n: c\n", AS_EUNSUPPORTED,
          "t.yaml:1:3: keys must be scalars (complex keys are not supported)" },
        { "a: 1\n---\nb: 2\n", AS_EUNSUPPORTED, "t.yaml:2:1: more than one document" },
        { "a: !custom x\n", AS_EUNSUPPORTED, "t.yaml:1:4: unsupported tag '!custom'" },
        { "a: !!binary aGk=\n", AS_EUNSUPPORTED,
          "t.yaml:1:4: unsupported tag 'tag:yaml.org,2002:binary'" },
        { "a: !!set {x}\n", AS_EUNSUPPORTED,
          "t.yaml:1:4: unsupported tag 'tag:yaml.org,2002:set'" },
        { "a: !!int twelve\n", AS_EINVAL,
          "t.yaml:1:4: 'twelve' does not match its tag 'tag:yaml.org,2002:int'" },
        { "a: -.inf\n", AS_EUNSUPPORTED,
          "t.yaml:1:4: '-.inf': infinite and NaN numbers are not supported" },
        { "a: .NaN\n", AS_EUNSUPPORTED,
          "t.yaml:1:4: '.NaN': infinite and NaN numbers are not supported" },
        { "a: 1e999\n", AS_EINVAL, "t.yaml:1:4: number '1e999' is out of range" },
        { "a: 0x1FFFFFFFFFFFFFFFFF\n", AS_EINVAL,
          "t.yaml:1:4: integer '0x1FFFFFFFFFFFFFFFFF' is out of range" },
        { "a: \"x\\0y\"\n", AS_EINVAL, "t.yaml:1:4: NUL character in a string" },
        { "a: *nope\n", AS_EINVAL,
          "t.yaml:1:4: alias '*nope' names no complete anchor (unknown, or an alias inside "
          "its own anchor)" },
        { "a: &x [1, *x]\n", AS_EINVAL,
          "t.yaml:1:11: alias '*x' names no complete anchor (unknown, or an alias inside "
          "its own anchor)" },
        { "a: [1, 2\n", AS_EINVAL, NULL },
        { "a: b\n  c: d\n", AS_EINVAL, NULL },
        { "a:\n\t- b\n", AS_EINVAL, NULL },
        { "a: 'open\n", AS_EINVAL, NULL },
        { "key: \xff\xfe bad\n", AS_EINVAL, NULL },
    };
    for (size_t i = 0; i < AS_ARRAY_LEN(cases); i++) {
        json_t *v = (json_t *)1;
        as_err err;
        as_err_clear(&err);
        as_rc rc = yaml(cases[i].text, NULL, &v, &err);
        if (rc != cases[i].rc) fprintf(stderr, "  case %zu: %s\n", i, err.msg);
        CHECK_INT(rc, cases[i].rc);
        CHECK(v == NULL);
        if (cases[i].msg) {
            CHECK_STR(err.msg, cases[i].msg);
        } else {
            /* libyaml's own messages: origin:line:column: then the problem */
            unsigned line = 0, col = 0;
            CHECK(sscanf(err.msg, "t.yaml:%u:%u: ", &line, &col) == 2);
            CHECK(line >= 1 && col >= 1);
            CHECK(strlen(err.msg) > 14);
        }
    }
    /* the exact libyaml places for two common mistakes */
    json_t *v;
    as_err err;
    CHECK_INT(yaml("a: b\n  c: d\n", NULL, &v, &err), AS_EINVAL);
    CHECK_STR(err.msg, "t.yaml:2:4: mapping values are not allowed in this context");
    CHECK_INT(yaml("list:\n  - a\n  - [b, c\n", NULL, &v, &err), AS_EINVAL);
    CHECK(strncmp(err.msg, "t.yaml:4:1: ", 12) == 0);
    CHECK_INT(yaml("key: \xff\n", NULL, &v, &err), AS_EINVAL);
    CHECK(strncmp(err.msg, "t.yaml:1:6: invalid", 19) == 0);
    /* NULL origin */
    CHECK_INT(as_yaml_to_json("a: [", 4, NULL, NULL, &v, &err), AS_EINVAL);
    CHECK(strncmp(err.msg, "yaml:", 5) == 0);
}

static char *nested(size_t depth, bool flow) {
    size_t cap = flow ? 2 * depth + 16 : depth * 8 + depth * depth + 16;
    char *s = malloc(cap), *p = s;
    if (flow) {
        for (size_t i = 0; i < depth; i++) *p++ = '[';
        *p++ = '1';
        for (size_t i = 0; i < depth; i++) *p++ = ']';
    } else {
        for (size_t i = 0; i < depth; i++) {
            for (size_t k = 0; k < i; k++) *p++ = ' ';
            p += sprintf(p, "k:\n");
        }
        for (size_t k = 0; k < depth; k++) *p++ = ' ';
        *p++ = '1';
    }
    *p++ = '\n';
    *p = '\0';
    return s;
}

TEST(yaml_depth_limit) {
    json_t *v;
    as_err err;
    char *s = nested(64, true);
    CHECK_INT(yaml(s, NULL, &v, &err), AS_OK);
    json_decref(v);
    free(s);
    s = nested(65, true);
    CHECK_INT(yaml(s, NULL, &v, &err), AS_ETOOBIG);
    CHECK_STR(err.msg, "t.yaml:1:65: nesting deeper than 64 levels");
    free(s);
    s = nested(64, false);
    CHECK_INT(yaml(s, NULL, &v, &err), AS_OK);
    json_decref(v);
    free(s);
    s = nested(65, false);
    CHECK_INT(yaml(s, NULL, &v, &err), AS_ETOOBIG);
    CHECK_STR(err.msg, "t.yaml:65:65: nesting deeper than 64 levels");
    free(s);
    /* a million open brackets fail at the 65th, fast */
    s = nested(1000000, true);
    CHECK_INT(yaml(s, NULL, &v, &err), AS_ETOOBIG);
    CHECK_STR(err.msg, "t.yaml:1:65: nesting deeper than 64 levels");
    free(s);
    s = nested(3000000, true);
    CHECK_INT(yaml(s, NULL, &v, &err), AS_ETOOBIG);
    CHECK_STR(err.msg, "t.yaml: larger than 4194304 bytes");
    free(s);
    as_yj_limits lim;
    as_yj_limits_default(&lim);
    /* an alias counts with the depth of what it expands to */
    lim.max_depth = 3;
    CHECK_INT(yaml("a: &x [[1]]\nb: *x\n", &lim, &v, &err), AS_OK);
    json_decref(v);
    CHECK_INT(yaml("a: &x [[1]]\nb: [*x]\n", &lim, &v, &err), AS_ETOOBIG);
    CHECK_STR(err.msg, "t.yaml:2:5: alias '*x' nests deeper than 3 levels");
}

TEST(yaml_aliases) {
    json_t *v;
    as_err err;
    CHECK_INT(yaml("a: &x {k: [1, 2]}\nb: *x\nc: &s text\nd: [*s, *s]\n&key e: 1\nf: *key\n",
                   NULL, &v, &err), AS_OK);
    if (!v) { fprintf(stderr, "%s\n", err.msg); return; }
    char *s = json_dumps(v, JSON_COMPACT);
    CHECK_STR(s, "{\"a\":{\"k\":[1,2]},\"b\":{\"k\":[1,2]},\"c\":\"text\",\"d\":[\"text\",\"text\"],"
                 "\"e\":1,\"f\":\"e\"}");
    free(s);
    /* deep copies, not shared nodes */
    CHECK(json_object_get(v, "a") != json_object_get(v, "b"));
    json_decref(v);
    /* an anchor may be redefined; the alias takes the latest */
    CHECK_INT(yaml("a: &x 1\nb: &x 2\nc: *x\n", NULL, &v, &err), AS_OK);
    CHECK_INT(json_integer_value(json_object_get(v, "c")), 2);
    json_decref(v);
    /* an alias as a key must be a string */
    CHECK_INT(yaml("a: &k name\n*k : 1\n", NULL, &v, &err), AS_OK);
    CHECK_INT(json_integer_value(json_object_get(v, "name")), 1);
    json_decref(v);
    CHECK_INT(yaml("a: &k [1]\n*k : 1\n", NULL, &v, &err), AS_EUNSUPPORTED);
    CHECK_STR(err.msg, "t.yaml:2:1: keys must be scalars (alias '*k' is a collection)");
    CHECK_INT(yaml("a: &k x\nx: 1\n*k : 2\n", NULL, &v, &err), AS_EINVAL);
    CHECK_STR(err.msg, "t.yaml:3:1: duplicate key 'x'");
    /* aliases refused */
    as_yj_limits lim;
    as_yj_limits_default(&lim);
    lim.max_aliases = 0;
    CHECK_INT(yaml("a: &x 1\nb: *x\n", &lim, &v, &err), AS_EUNSUPPORTED);
    CHECK_STR(err.msg, "t.yaml:2:4: aliases (*x) are not allowed");
    CHECK_INT(yaml("a: &x 1\n", &lim, &v, &err), AS_OK);     /* an unused anchor is harmless */
    json_decref(v);
    /* alias count */
    lim.max_aliases = 2;
    CHECK_INT(yaml("a: &x 1\nb: [*x, *x]\n", &lim, &v, &err), AS_OK);
    json_decref(v);
    CHECK_INT(yaml("a: &x 1\nb: [*x, *x, *x]\n", &lim, &v, &err), AS_ETOOBIG);
    CHECK_STR(err.msg, "t.yaml:2:13: more than 2 aliases");
}

TEST(yaml_alias_bomb) {
    /* "billion laughs": 9^9 strings from a few hundred bytes */
    static const char bomb[] =
        "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
        "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
        "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
        "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
        "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
        "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
        "g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]\n"
        "h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]\n"
        "i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]\n";
    json_t *v = (json_t *)1;
    as_err err;
    CHECK_INT(yaml(bomb, NULL, &v, &err), AS_ETOOBIG);
    CHECK(v == NULL);
    /* 1 + 2 + 10 + 2*91 + 2*820 + ... : the seventh line crosses a million */
    CHECK_STR(err.msg, "t.yaml:7:8: more than 1000000 nodes");
    /* the same with big strings: caught by the expanded-bytes limit */
    as_buf b;
    as_buf_init(&b, AS_BUF_UNLIMITED);
    as_buf_puts(&b, "s: &s '");
    for (int i = 0; i < 100000; i++) as_buf_putc(&b, 'x');
    as_buf_puts(&b, "'\nl: [");
    for (int i = 0; i < 200; i++) as_buf_puts(&b, i ? ", *s" : "*s");
    as_buf_puts(&b, "]\n");
    CHECK_INT(yaml(b.data, NULL, &v, &err), AS_ETOOBIG);
    CHECK(strstr(err.msg, "more than 16777216 bytes of text") != NULL);
    CHECK(strncmp(err.msg, "t.yaml:2:", 9) == 0);
    as_buf_release(&b);
    /* through the judge loader (smaller limits) */
    as_judge *j = NULL;
    CHECK_INT(as_judge_parse_text(bomb, strlen(bomb), true, "bomb.yaml", &j, &err), AS_ETOOBIG);
    CHECK(j == NULL);
    CHECK(strstr(err.msg, "bomb.yaml:") == err.msg && strstr(err.msg, "nodes") != NULL);
}

TEST(yaml_size_and_node_limits) {
    json_t *v;
    as_err err;
    as_yj_limits lim;
    as_yj_limits_default(&lim);
    CHECK_INT(lim.max_bytes, 4u << 20);
    CHECK_INT(lim.max_depth, 64);
    CHECK_INT(lim.max_nodes, 1000000);
    CHECK_INT(lim.max_aliases, 1000);
    lim.max_bytes = 10;
    CHECK_INT(yaml("a: 0123456789\n", &lim, &v, &err), AS_ETOOBIG);
    CHECK_STR(err.msg, "t.yaml: larger than 10 bytes");
    as_yj_limits_default(&lim);
    lim.max_nodes = 5;    /* mapping + 2 keys + 2 values */
    CHECK_INT(yaml("a: 1\nb: 2\n", &lim, &v, &err), AS_OK);
    json_decref(v);
    CHECK_INT(yaml("a: 1\nb: 2\nc: 3\n", &lim, &v, &err), AS_ETOOBIG);
    CHECK_STR(err.msg, "t.yaml:3:1: more than 5 nodes");
    /* a document of 5 MiB through the default limit */
    size_t n = 5u << 20;
    char *big = malloc(n + 1);
    memset(big, 'a', n);
    big[n] = '\0';
    CHECK_INT(as_yaml_to_json(big, n, "big.yaml", NULL, &v, &err), AS_ETOOBIG);
    CHECK_STR(err.msg, "big.yaml: larger than 4194304 bytes");
    /* a long flat list within the size limit but over a node limit */
    size_t k = 0;
    big[k++] = '[';
    while (k < 2999990) { memcpy(big + k, "1, ", 3); k += 3; }
    memcpy(big + k, "1]\n", 3);
    k += 3;
    lim.max_nodes = 100000;
    CHECK_INT(as_yaml_to_json(big, k, "big.yaml", &lim, &v, &err), AS_ETOOBIG);
    CHECK_STR(err.msg, "big.yaml:1:299999: more than 100000 nodes");
    CHECK_INT(as_yaml_to_json(big, k, "big.yaml", NULL, &v, &err), AS_OK);
    CHECK_INT(json_array_size(v), (k - 1) / 3);
    json_decref(v);
    free(big);
}

TEST(json_limited) {
    json_t *v;
    as_err err;
    CHECK_INT(as_json_parse_limited("{\"a\": [1, {\"b\": null}]}", 23, "t.json", NULL, &v, &err), AS_OK);
    CHECK(json_is_object(v));
    json_decref(v);
    CHECK_INT(as_json_parse_limited("{\"a\": 1,\n \"a\": 2}", 17, "t.json", NULL, &v, &err), AS_EINVAL);
    CHECK(strncmp(err.msg, "t.json:2:", 9) == 0 && strstr(err.msg, "duplicate") != NULL);
    CHECK_INT(as_json_parse_limited("[1,\n 2,,]", 9, "t.json", NULL, &v, &err), AS_EINVAL);
    CHECK(strncmp(err.msg, "t.json:2:", 9) == 0);
    char *deep = nested(65, true);
    CHECK_INT(as_json_parse_limited(deep, strlen(deep), "t.json", NULL, &v, &err), AS_ETOOBIG);
    CHECK_STR(err.msg, "t.json:1:65: nesting deeper than 64 levels");
    free(deep);
    deep = nested(64, true);
    CHECK_INT(as_json_parse_limited(deep, strlen(deep), "t.json", NULL, &v, &err), AS_OK);
    json_decref(v);
    free(deep);
    /* brackets inside strings do not count */
    static const char instr[] =
        "[\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\\\"[[\"]";
    CHECK_INT(as_json_parse_limited(instr, strlen(instr), "t.json", NULL, &v, &err), AS_OK);
    json_decref(v);
    as_yj_limits lim;
    as_yj_limits_default(&lim);
    lim.max_nodes = 3;
    CHECK_INT(as_json_parse_limited("[1, 2, 3]", 9, "t.json", &lim, &v, &err), AS_ETOOBIG);
    CHECK_STR(err.msg, "t.json: more than 3 nodes");
    lim.max_bytes = 4;
    CHECK_INT(as_json_parse_limited("[1, 2]", 6, "t.json", &lim, &v, &err), AS_ETOOBIG);
    CHECK_STR(err.msg, "t.json: larger than 4 bytes");
    CHECK_INT(as_json_parse_limited("\"a\\u0000b\"", 10, "t.json", NULL, &v, &err), AS_EINVAL);
}

TEST(yamljson_files) {
    json_t *v;
    as_err err;
    const char *p = tmp_path("cfg.yaml", "a: [1, 2]\n");
    CHECK_INT(as_yamljson_load_file(p, NULL, &v, &err), AS_OK);
    CHECK_INT(json_array_size(json_object_get(v, "a")), 2);
    json_decref(v);
    p = tmp_path("cfg.json", "{\"a\": true}");
    CHECK_INT(as_yamljson_load_file(p, NULL, &v, &err), AS_OK);
    CHECK(json_is_true(json_object_get(v, "a")));
    json_decref(v);
    p = tmp_path("cfg.toml", "a = 1\n");
    CHECK_INT(as_yamljson_load_file(p, NULL, &v, &err), AS_EUNSUPPORTED);
    CHECK(strstr(err.msg, "unknown file type (expected .yaml, .yml or .json)") != NULL);
    p = tmp_path("bad.yml", "a: [\n");
    CHECK_INT(as_yamljson_load_file(p, NULL, &v, &err), AS_EINVAL);
    char want[300];
    snprintf(want, sizeof want, "%s:2:1: ", p);
    CHECK(strncmp(err.msg, want, strlen(want)) == 0);
    CHECK(as_yamljson_is_yaml_path("x.YAML"));
    CHECK(as_yamljson_is_yaml_path("x.yml"));
    CHECK(!as_yamljson_is_yaml_path("x.json"));
    CHECK(!as_yamljson_is_yaml_path("yaml"));
    char *text;
    size_t n;
    p = tmp_path("ten.txt", "0123456789");
    CHECK_INT(as_yamljson_read_file(p, 10, &text, &n, &err), AS_OK);
    CHECK_INT(n, 10);
    CHECK_STR(text, "0123456789");
    free(text);
    CHECK_INT(as_yamljson_read_file(p, 9, &text, &n, &err), AS_ETOOBIG);
    CHECK(text == NULL);
    CHECK_INT(as_yamljson_read_file(tmpdir, 100, &text, &n, &err), AS_EIO);
    p = tmp_path("empty.txt", "");
    CHECK_INT(as_yamljson_read_file(p, 10, &text, &n, &err), AS_OK);
    CHECK_STR(text, "");
    CHECK_INT(n, 0);
    free(text);
}

/* ---- the documentation stays honest ------------------------------------- */

TEST(docs_match) {
    char *doc = NULL;
    size_t n = 0;
    as_err err;
    if (as_yamljson_read_file("docs/evaluators.md", 1u << 20, &doc, &n, &err) != AS_OK) {
        fprintf(stderr, "  docs_match: run from the source tree to check docs/evaluators.md\n");
        return;
    }
    /* the example template (the first yaml block) loads */
    const char *start = strstr(doc, "```yaml\n");
    CHECK(start != NULL);
    if (start) {
        start += 8;
        const char *end = strstr(start, "```");
        CHECK(end != NULL);
        as_judge *j = NULL;
        CHECK_INT(as_judge_parse_text(start, end ? (size_t)(end - start) : 0, true,
                                      "docs-example.yaml", &j, &err), AS_OK);
        if (!j) fprintf(stderr, "  %s\n", err.msg);
        if (j) {
            CHECK_STR(as_judge_name(j), "tone");
            CHECK(as_judge_is_pass(j, "friendly"));
        }
        as_judge_free(j);
    }
    /* every built-in has a row in the table and a section */
    for (const char *const *b = as_judge_builtin_names(); *b; b++) {
        char want[128];
        snprintf(want, sizeof want, "\n| `%s` | ", *b);
        CHECK(strstr(doc, want) != NULL);
        snprintf(want, sizeof want, "\n### %s\n", *b);
        if (!strstr(doc, want)) fprintf(stderr, "  no section for %s\n", *b);
        CHECK(strstr(doc, want) != NULL);
    }
    CHECK(strstr(doc, "\n## Code evaluators\n\nSee docs/code-evaluators.md.\n") != NULL);
    free(doc);
}

TEST(cleanup_tmpdir) {
    if (!tmpdir[0]) return;
    static const char *const files[] = {
        "facts.yaml", "Short.YML", "j.json", "bad.yaml", "syntax.yaml", "judge.txt",
        "huge.yaml", "cfg.yaml", "cfg.json", "cfg.toml", "bad.yml", "ten.txt", "empty.txt",
    };
    for (size_t i = 0; i < AS_ARRAY_LEN(files); i++) unlink(tmp_path(files[i], NULL));
    CHECK(rmdir(tmpdir) == 0);
}

TEST_MAIN(
    T(fstring_substitutes), T(fstring_literal_braces), T(fstring_dotted_names),
    T(fstring_values_verbatim), T(fstring_errors), T(missing_variable),
    T(mustache_substitutes), T(mustache_errors), T(tmpl_vars_listing),
    T(load_yaml_all_fields), T(load_json), T(load_defaults), T(format_detection),
    T(vars_order_across_fields), T(validation_errors), T(validation_accepts), T(load_files),
    T(builtin_names), T(builtins_load), T(builtin_unknown),
    T(prompt_text_exact), T(prompt_tool_and_json), T(prompt_explanation_off),
    T(prompt_examples), T(prompt_missing_variable), T(prompt_values_verbatim),
    T(snap_phoenix_cases), T(snap_edges),
    T(verdict_structured), T(verdict_structured_fallback), T(verdict_text),
    T(yaml_scalars), T(yaml_structures), T(yaml_errors_line_col), T(yaml_depth_limit),
    T(yaml_aliases), T(yaml_alias_bomb), T(yaml_size_and_node_limits), T(json_limited),
    T(yamljson_files), T(docs_match), T(cleanup_tmpdir))
