/* test_runner.c - the experiment runner's pieces that need no network and
 * no store (src/experiment/spec.c): task spec parsing and validation, the
 * variable mapping, the per-example checks, prompt rendering and the resume
 * bookkeeping (work items from the store's incomplete lists). */
#include "harness.h"

#include <jansson.h>
#include <math.h>
#include <unistd.h>

#include "assay/experiment.h"

static json_t *J(const char *text) {
    json_error_t je;
    json_t *v = json_loads(text, JSON_DECODE_ANY, &je);
    if (!v) fprintf(stderr, "bad test JSON: %s: %s\n", text, je.text);
    return v;
}

/* Parse a spec from JSON text; NULL on failure (err filled). */
static as_task_spec *spec(const char *text, unsigned flags, as_err *err) {
    json_t *in = J(text);
    as_task_spec *t = NULL;
    if (as_task_spec_parse(in, flags, &t, err) != AS_OK) t = NULL;
    json_decref(in);
    return t;
}

/* ---- the spec -------------------------------------------------------------- */

TEST(spec_minimal) {
    as_err err;
    as_task_spec *t = spec("{\"prompt\": \"Answer: {question}\", \"model\": \"openai:gpt-4o-mini\","
                           " \"evaluators\": [\"qa_correctness\", \"contains:Paris\"]}", 0, &err);
    CHECK(t != NULL);
    if (!t) { fprintf(stderr, "  %s\n", err.msg); return; }
    CHECK_INT(t->n_msgs, 1);
    CHECK_STR(t->msgs[0].role, "user");
    CHECK_STR(t->msgs[0].content, "Answer: {question}");
    CHECK_INT(t->format, AS_TMPL_FSTRING);
    CHECK_INT(t->n_vars, 1);
    CHECK_STR(t->vars[0], "question");
    CHECK_STR(t->model, "openai:gpt-4o-mini");
    CHECK(t->judge_model == NULL);
    CHECK_INT(t->concurrency, 4);
    CHECK_STR(t->origin, "server");
    CHECK_STR(t->name, "task");
    CHECK_INT(t->n_evaluators, 2);
    CHECK_STR(t->evaluators[0]->name, "qa_correctness");
    CHECK_INT(t->evaluators[0]->kind, AS_EVAL_JUDGE);
    CHECK_STR(t->evaluators[1]->name, "contains");
    CHECK_INT(t->evaluators[1]->kind, AS_EVAL_CODE);
    /* the canonical form: prompt as messages, defaults written out */
    json_t *want = J("{\"name\": \"task\", \"prompt\": {\"messages\": [{\"role\": \"user\", "
                     "\"content\": \"Answer: {question}\"}], \"format\": \"fstring\"}, "
                     "\"model\": \"openai:gpt-4o-mini\", \"concurrency\": 4, \"no_cache\": false, "
                     "\"origin\": \"server\", \"evaluators\": [\"qa_correctness\", "
                     "\"contains:Paris\"]}");
    CHECK(json_equal(t->json, want));
    json_decref(want);
    /* and it parses back to the same */
    as_task_spec *t2 = NULL;
    CHECK_INT(as_task_spec_parse(t->json, 0, &t2, &err), AS_OK);
    if (t2) CHECK(json_equal(t->json, t2->json));
    as_task_spec_free(t2);
    as_task_spec_free(t);
}

TEST(spec_messages_and_options) {
    as_err err;
    as_task_spec *t = spec(
        "{\"name\": \"qa\", \"prompt\": {\"messages\": ["
        "  {\"role\": \"system\", \"content\": \"Be brief.\"},"
        "  {\"role\": \"user\", \"content\": \"{{question}} / {{ input.context }}\"}]},"
        " \"model\": \"anthropic:claude\", \"judge_model\": \"openai:gpt-4o\","
        " \"temperature\": 0.5, \"max_tokens\": 100, \"concurrency\": 9, \"no_cache\": true,"
        " \"origin\": \"cli\", \"evaluators\": ["
        "  {\"type\": \"code\", \"kind\": \"max_length\", \"name\": \"short\", \"params\": {\"chars\": 5}}]}",
        0, &err);
    CHECK(t != NULL);
    if (!t) { fprintf(stderr, "  %s\n", err.msg); return; }
    CHECK_INT(t->format, AS_TMPL_MUSTACHE);
    CHECK_INT(t->n_msgs, 2);
    CHECK_STR(t->msgs[0].role, "system");
    CHECK_INT(t->n_vars, 2);
    CHECK_STR(t->vars[0], "question");
    CHECK_STR(t->vars[1], "input.context");
    CHECK_STR(t->name, "qa");
    CHECK_STR(t->judge_model, "openai:gpt-4o");
    CHECK(t->has_temperature);
    CHECK_DBL(t->temperature, 0.5, 0);
    CHECK_INT(t->max_tokens, 100);
    CHECK_INT(t->concurrency, 9);
    CHECK(t->no_cache);
    CHECK_STR(t->origin, "cli");
    CHECK_STR(t->evaluators[0]->name, "short");
    CHECK_INT(t->evaluators[0]->kind, AS_EVAL_CODE);
    CHECK_STR(json_string_value(json_object_get(json_object_get(t->json, "prompt"), "format")),
              "mustache");
    as_task_spec_free(t);
}

/* Each bad spec fails with a message naming the field. */
TEST(spec_errors) {
    static const struct { const char *json, *needle; } cases[] = {
        { "{\"model\": \"openai:m\"}", "prompt is required" },
        { "{\"prompt\": \"x\"}", "model is required" },
        { "{\"prompt\": \"x\", \"model\": \"nocolon\"}", "model is required" },
        { "{\"prompt\": \"x\", \"model\": \"openai:m\", \"bogus\": 1}", "unknown field 'bogus'" },
        { "{\"prompt\": {\"messages\": [{\"role\": \"user\", \"content\": \"a\"}, {\"role\": "
          "\"robot\", \"content\": \"b\"}]}, \"model\": \"openai:m\"}",
          "prompt.messages[1].role must be system, user or assistant" },
        { "{\"prompt\": {\"messages\": []}, \"model\": \"openai:m\"}", "prompt needs" },
        { "{\"prompt\": {\"template\": \"a\", \"messages\": []}, \"model\": \"openai:m\"}",
          "not both" },
        { "{\"prompt\": \"a {b\", \"model\": \"openai:m\"}", "prompt.messages[0]: " },
        { "{\"prompt\": \"x\", \"model\": \"openai:m\", \"evaluators\": [\"nope\"]}",
          "evaluators[0]: unknown evaluator 'nope'" },
        { "{\"prompt\": \"x\", \"model\": \"openai:m\", \"evaluators\": [\"contains:a\", "
          "\"contains:b\"]}", "two evaluators are named 'contains'" },
        { "{\"prompt\": \"x\", \"model\": \"openai:m\", \"evaluators\": [\"judge.yaml\"]}",
          "evaluator files are read by the command line only" },
        { "{\"prompt\": \"x\", \"model\": \"openai:m\", \"evaluators\": [{\"role\": \"r\"}]}",
          "needs \"name\"" },
        { "{\"prompt\": \"x\", \"model\": \"openai:m\", \"evaluators\": [{\"type\": \"code\"}]}",
          "needs \"kind\"" },
        { "{\"prompt\": \"x\", \"model\": \"openai:m\", \"concurrency\": 0}",
          "concurrency must be an integer from 1 to 256" },
        { "{\"prompt\": \"x\", \"model\": \"openai:m\", \"temperature\": 3}",
          "temperature must be a number from 0 to 2" },
        { "{\"prompt\": \"x\", \"model\": \"openai:m\", \"origin\": \"elsewhere\"}",
          "origin must be cli or server" },
        { "[1]", "must be an object" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        as_err err = { 0 };
        as_task_spec *t = spec(cases[i].json, 0, &err);
        CHECK(t == NULL);
        if (!strstr(err.msg, cases[i].needle)) {
            fprintf(stderr, "  case %zu: '%s' lacks '%s'\n", i, err.msg, cases[i].needle);
            CHECK(strstr(err.msg, cases[i].needle) != NULL);
        }
        as_task_spec_free(t);
    }
}

/* Files (command line): the content goes into the spec, the path does not. */
TEST(spec_files) {
    char dir[] = "/tmp/assay-runner-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char judge[256], prompt[256];
    snprintf(judge, sizeof judge, "%s/tone.yaml", dir);
    snprintf(prompt, sizeof prompt, "%s/greet.yaml", dir);
    FILE *f = fopen(judge, "w");
    fputs("role: You judge tone.\ntask: Is it friendly?\ncontext: \"{output}\"\n"
          "labels:\n  - {label: friendly, score: 1}\n  - {label: robotic, score: 0}\n", f);
    fclose(f);
    f = fopen(prompt, "w");
    fputs("messages:\n  - {role: system, content: Be kind.}\n"
          "  - {role: user, content: \"Greet {name}\"}\n", f);
    fclose(f);

    as_err err;
    json_t *p = NULL;
    CHECK_INT(as_task_prompt_load(prompt, &p, &err), AS_OK);
    CHECK_STR(json_string_value(json_object_get(p, "name")), "greet");
    CHECK_INT(json_array_size(json_object_get(p, "messages")), 2);
    json_t *in = json_pack("{s:O,s:s,s:[s]}", "prompt", p, "model", "openai:m", "evaluators", judge);
    as_task_spec *t = NULL;
    CHECK_INT(as_task_spec_parse(in, 0, &t, &err), AS_EINVAL);       /* no files flag */
    CHECK_INT(as_task_spec_parse(in, AS_TASK_FILES, &t, &err), AS_OK);
    if (t) {
        CHECK_STR(t->name, "greet");
        CHECK_STR(t->evaluators[0]->name, "tone");
        json_t *ev = json_array_get(json_object_get(t->json, "evaluators"), 0);
        CHECK(json_is_object(ev));
        CHECK_STR(json_string_value(json_object_get(ev, "name")), "tone");
        CHECK_STR(json_string_value(json_object_get(ev, "task")), "Is it friendly?");
        /* the stored spec stands alone: it parses with the file gone */
        unlink(judge);
        as_task_spec *t2 = NULL;
        CHECK_INT(as_task_spec_parse(t->json, 0, &t2, &err), AS_OK);
        if (t2) CHECK_STR(t2->evaluators[0]->name, "tone");
        as_task_spec_free(t2);
    }
    as_task_spec_free(t);
    json_decref(in);
    json_decref(p);

    /* a missing file that looks like one is an error, text is a template */
    CHECK_INT(as_task_prompt_load("/nonexistent/p.yaml", &p, &err), AS_ENOTFOUND);
    CHECK(strstr(err.msg, "/nonexistent/p.yaml") != NULL);
    CHECK_INT(as_task_prompt_load("Say hi to {name}", &p, &err), AS_OK);
    CHECK_STR(json_string_value(json_object_get(p, "template")), "Say hi to {name}");
    json_decref(p);
    unlink(prompt);
    rmdir(dir);
}

/* ---- variables -------------------------------------------------------------- */

TEST(vars_mapping) {
    json_t *in = J("{\"question\": \"Q?\"}"), *out = J("{\"answer\": \"A.\"}");
    as_task_vars v;
    as_task_vars_init(&v, in, out, "the output");
    CHECK_STR(as_task_var(&v, "input"), "Q?");           /* the only field */
    CHECK_STR(as_task_var(&v, "question"), "Q?");
    CHECK_STR(as_task_var(&v, "input.question"), "Q?");
    CHECK_STR(as_task_var(&v, "reference"), "A.");
    CHECK_STR(as_task_var(&v, "expected"), "A.");
    CHECK_STR(as_task_var(&v, "answer"), "A.");          /* output field by name */
    CHECK_STR(as_task_var(&v, "reference.answer"), "A.");
    CHECK_STR(as_task_var(&v, "expected.answer"), "A.");
    CHECK_STR(as_task_var(&v, "output"), "the output");
    CHECK(as_task_var(&v, "nope") == NULL);
    CHECK(as_task_var(&v, "input.nope") == NULL);
    CHECK(as_task_var(&v, "latency_ms") == NULL);        /* unknown: no value */
    v.latency_ms = 250;
    v.cost_usd = 0.5;
    CHECK_STR(as_task_var(&v, "latency_ms"), "250");
    CHECK_STR(as_task_var(&v, "cost_usd"), "0.5");
    as_task_vars_clear(&v);
    json_decref(in);
    json_decref(out);

    /* several fields: "input" is the field of that name, else the JSON text;
     * non-string values are compact JSON */
    in = J("{\"a\": 1, \"b\": [true, null]}");
    out = J("{\"x\": \"1\", \"output\": \"the answer\"}");
    as_task_vars_init(&v, in, out, NULL);
    CHECK_STR(as_task_var(&v, "input"), "{\"a\":1,\"b\":[true,null]}");
    CHECK_STR(as_task_var(&v, "a"), "1");
    CHECK_STR(as_task_var(&v, "b"), "[true,null]");
    CHECK_STR(as_task_var(&v, "reference"), "the answer");
    CHECK(as_task_var(&v, "output") != NULL);          /* output field while rendering */
    CHECK_STR(as_task_var(&v, "output"), "the answer");
    as_task_vars_clear(&v);
    json_decref(in);
    json_decref(out);

    in = J("{\"input\": \"the input\", \"other\": \"o\"}");
    out = J("{}");
    as_task_vars_init(&v, in, out, NULL);
    CHECK_STR(as_task_var(&v, "input"), "the input");
    CHECK(as_task_var(&v, "reference") == NULL);       /* no output: no value */
    as_task_vars_clear(&v);
    json_decref(in);
    json_decref(out);
}

/* Many lookups in one context do not grow without bound. */
TEST(vars_many_lookups) {
    json_t *in = J("{\"a\": {\"deep\": [1, 2, 3]}}");
    as_task_vars v;
    as_task_vars_init(&v, in, NULL, NULL);
    for (int i = 0; i < 1000; i++) CHECK_STR(as_task_var(&v, "a"), "{\"deep\":[1,2,3]}");
    CHECK(v.n_owned <= 64);
    as_task_vars_clear(&v);
    json_decref(in);
}

TEST(check_example) {
    as_err err;
    as_task_spec *t = spec("{\"prompt\": \"{question} ({topic})\", \"model\": \"openai:m\","
                           " \"evaluators\": [\"qa_correctness\", \"max_length:100\"]}", 0, &err);
    CHECK(t != NULL);
    if (!t) return;
    json_t *ok = J("{\"id\": 7, \"input\": {\"question\": \"q\", \"topic\": \"t\"}, "
                   "\"output\": {\"answer\": \"a\"}}");
    CHECK_INT(as_task_check_example(t, ok, &err), AS_OK);
    json_t *no_topic = J("{\"id\": 8, \"input\": {\"question\": \"q\", \"subject\": \"s\"}, "
                         "\"output\": {\"answer\": \"a\"}}");
    CHECK_INT(as_task_check_example(t, no_topic, &err), AS_EINVAL);
    CHECK(strstr(err.msg, "variable 'topic'") != NULL);
    CHECK(strstr(err.msg, "example 8") != NULL);
    CHECK(strstr(err.msg, "question, subject") != NULL);
    /* qa_correctness needs a reference: an example without output fails */
    json_t *no_ref = J("{\"id\": 9, \"input\": {\"question\": \"q\", \"topic\": \"t\"}, "
                       "\"output\": {}}");
    CHECK_INT(as_task_check_example(t, no_ref, &err), AS_EINVAL);
    CHECK(strstr(err.msg, "evaluator qa_correctness: variable 'reference'") != NULL);
    json_decref(ok);
    json_decref(no_topic);
    json_decref(no_ref);
    as_task_spec_free(t);

    /* the task's prompt cannot use its own output */
    t = spec("{\"prompt\": \"{output}\", \"model\": \"openai:m\"}", 0, &err);
    json_t *ex = J("{\"id\": 1, \"input\": {\"output\": \"x\"}, \"output\": {}}");
    CHECK_INT(as_task_check_example(t, ex, &err), AS_EINVAL);
    CHECK(strstr(err.msg, "'output' is the task's own output") != NULL);
    json_decref(ex);
    as_task_spec_free(t);
}

TEST(render) {
    as_err err;
    as_task_spec *t = spec("{\"prompt\": {\"messages\": [{\"role\": \"system\", \"content\": "
                           "\"Topic: {topic}\"}, {\"role\": \"user\", \"content\": \"{question}\"}]},"
                           " \"model\": \"openai:m\"}", 0, &err);
    CHECK(t != NULL);
    if (!t) return;
    json_t *in = J("{\"question\": \"Why?\", \"topic\": 42}");
    as_task_vars v;
    as_task_vars_init(&v, in, NULL, NULL);
    as_llm_msg msgs[AS_TASK_MAX_MESSAGES];
    CHECK_INT(as_task_render(t, &v, msgs, &err), AS_OK);
    CHECK_STR(msgs[0].role, "system");
    CHECK_STR(msgs[0].content, "Topic: 42");
    CHECK_STR(msgs[1].role, "user");
    CHECK_STR(msgs[1].content, "Why?");
    as_task_msgs_free(msgs, t->n_msgs);
    as_task_vars_clear(&v);
    json_decref(in);
    /* a missing value is an error naming the message */
    in = J("{\"question\": \"Why?\"}");
    as_task_vars_init(&v, in, NULL, NULL);
    CHECK_INT(as_task_render(t, &v, msgs, &err), AS_EINVAL);
    CHECK(strstr(err.msg, "prompt.messages[0]: variable 'topic' has no value") != NULL);
    as_task_vars_clear(&v);
    json_decref(in);
    as_task_spec_free(t);
}

/* ---- the plan (resume bookkeeping) ------------------------------------------- */

TEST(plan_runs) {
    as_err err;
    as_task_spec *t = spec("{\"prompt\": \"x\", \"model\": \"openai:m\", \"evaluators\": "
                           "[\"contains:a\", \"max_length:3\"]}", 0, &err);
    CHECK(t != NULL);
    if (!t) return;
    json_t *rows = J("[{\"example\": {\"id\": 2}, \"repetition_numbers\": [1, 3]},"
                     " {\"example\": {\"id\": 5}, \"repetition_numbers\": [2, 2]}]");
    as_task_item *items = NULL;
    size_t n = 0;
    int64_t cursor = 0;
    CHECK_INT(as_task_plan_runs(rows, 3, t, &items, &n, &cursor, &err), AS_OK);
    CHECK_INT(n, 3);                                   /* the duplicate 2 once */
    CHECK_INT(cursor, 5);
    if (n == 3) {
        CHECK_INT(json_integer_value(json_object_get(items[0].example, "id")), 2);
        CHECK_INT(items[0].repetition, 1);
        CHECK_INT(items[1].repetition, 3);
        CHECK_INT(json_integer_value(json_object_get(items[2].example, "id")), 5);
        CHECK_INT(items[2].repetition, 2);
        CHECK(items[0].want[0] && items[0].want[1] && !items[0].want[2]);
        CHECK(items[0].run == NULL);
    }
    /* the next page appends */
    json_t *page2 = J("[{\"example\": {\"id\": 9}, \"repetition_numbers\": [1]}]");
    CHECK_INT(as_task_plan_runs(page2, 3, t, &items, &n, &cursor, &err), AS_OK);
    CHECK_INT(n, 4);
    CHECK_INT(cursor, 9);
    as_task_items_free(items, n);
    json_decref(page2);
    json_decref(rows);

    /* a page that is not in order, or a repetition out of range, is refused */
    items = NULL;
    n = 0;
    cursor = 5;
    rows = J("[{\"example\": {\"id\": 4}, \"repetition_numbers\": [1]}]");
    CHECK_INT(as_task_plan_runs(rows, 3, t, &items, &n, &cursor, &err), AS_EINTERNAL);
    CHECK(strstr(err.msg, "out of order") != NULL);
    json_decref(rows);
    cursor = 0;
    rows = J("[{\"example\": {\"id\": 4}, \"repetition_numbers\": [4]}]");
    CHECK_INT(as_task_plan_runs(rows, 3, t, &items, &n, &cursor, &err), AS_EINTERNAL);
    CHECK(strstr(err.msg, "repetition 4 out of 1..3") != NULL);
    as_task_items_free(items, n);
    json_decref(rows);

    /* many items: the array grows */
    items = NULL;
    n = 0;
    cursor = 0;
    json_t *big = json_array();
    for (int i = 1; i <= 40; i++)
        json_array_append_new(big, json_pack("{s:{s:i},s:[i,i]}", "example", "id", i,
                                             "repetition_numbers", 1, 2));
    CHECK_INT(as_task_plan_runs(big, 2, t, &items, &n, &cursor, &err), AS_OK);
    CHECK_INT(n, 80);
    if (n == 80) {
        CHECK_INT(items[79].repetition, 2);
        CHECK_INT(json_integer_value(json_object_get(items[79].example, "id")), 40);
    }
    as_task_items_free(items, n);
    json_decref(big);
    as_task_spec_free(t);
}

TEST(plan_evals) {
    as_err err;
    as_task_spec *t = spec("{\"prompt\": \"x\", \"model\": \"openai:m\", \"evaluators\": "
                           "[\"contains:a\", \"max_length:3\"]}", 0, &err);
    CHECK(t != NULL);
    if (!t) return;
    json_t *rows = J(
        "[{\"run\": {\"id\": 10, \"repetition_number\": 2, \"output\": \"o\"}, "
        "  \"example\": {\"id\": 1}, \"evaluation_names\": [\"max_length\", \"gone\"]},"
        " {\"run\": {\"id\": 11, \"repetition_number\": 1}, \"example\": {\"id\": 1}, "
        "  \"evaluation_names\": [\"gone\"]},"
        " {\"run\": {\"id\": 12, \"repetition_number\": 1}, \"example\": {\"id\": 2}, "
        "  \"evaluation_names\": [\"contains\", \"max_length\"]}]");
    as_task_item *items = NULL;
    size_t n = 0;
    int64_t cursor = 0;
    CHECK_INT(as_task_plan_evals(rows, t, &items, &n, &cursor, &err), AS_OK);
    CHECK_INT(n, 2);                         /* run 11 wants nothing we have */
    CHECK_INT(cursor, 12);
    if (n == 2) {
        CHECK_INT(json_integer_value(json_object_get(items[0].run, "id")), 10);
        CHECK_INT(items[0].repetition, 2);
        CHECK(!items[0].want[0] && items[0].want[1]);
        CHECK(items[1].want[0] && items[1].want[1]);
    }
    as_task_items_free(items, n);
    json_decref(rows);
    as_task_spec_free(t);
}

TEST(project_name) {
    char a[48], b[48];
    as_exprun_project_name(a);
    as_exprun_project_name(b);
    CHECK_INT(strlen(a), 11 + 24);
    CHECK(strncmp(a, "Experiment-", 11) == 0);
    CHECK(strspn(a + 11, "0123456789abcdef") == 24);
    CHECK(strcmp(a, b) != 0);
}

TEST_MAIN(T(spec_minimal), T(spec_messages_and_options), T(spec_errors), T(spec_files),
          T(vars_mapping), T(vars_many_lookups), T(check_example), T(render), T(plan_runs),
          T(plan_evals), T(project_name))
