/* test_llm_wire.c - the providers' wire formats (src/llm/provider.h):
 * each request built for OpenAI, Azure, Anthropic and Gemini and read back
 * with jansson; realistic response bodies of each API parsed; error bodies
 * turned into messages.  No network: the providers are pure functions. */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <strings.h>

#include "harness.h"

#include "assay/llm.h"
#include "assay/utf8.h"
#include "../../src/llm/provider.h"

#define KEY "sk-TESTKEY-0123456789abcdef"

/* ---- fixtures ----------------------------------------------------------- */

static as_llm_model model_of(as_llm_kind kind, const char *name, const char *base,
                             const char *key) {
    as_llm_model m;
    memset(&m, 0, sizeof m);
    m.kind = kind;
    static const char *const prov[] = { "openai", "azure", "anthropic", "gemini" };
    snprintf(m.provider, sizeof m.provider, "%s", prov[kind]);
    snprintf(m.model, sizeof m.model, "%s", name);
    snprintf(m.base_url, sizeof m.base_url, "%s", base);
    snprintf(m.api_key, sizeof m.api_key, "%s", key);
    if (kind == AS_LLM_AZURE) snprintf(m.api_version, sizeof m.api_version, "2024-10-21");
    return m;
}

static const as_llm_msg chat3[] = {
    { "system", "You are a strict grader." },
    { "user", "Is 2+2=4? Answer \"yes\" or \"no\"." },
    { "assistant", "yes" },
};

/* Two system messages, one at the start and one in the middle. */
static const as_llm_msg chat5[] = {
    { "system", "Rule A." },
    { "user", "Q1" },
    { "assistant", "A1" },
    { "system", "Rule B." },
    { "user", "Q2" },
};

static const char SCHEMA[] =
    "{\"$schema\":\"https://json-schema.org/draft/2020-12/schema\","
    "\"type\":\"object\",\"properties\":{\"score\":{\"type\":\"integer\",\"minimum\":1,"
    "\"maximum\":5},\"reason\":{\"type\":\"string\",\"description\":\"why\"}},"
    "\"required\":[\"score\",\"reason\"],\"additionalProperties\":false}";

static as_llm_request request(const as_llm_model *m, as_llm_answer answer) {
    as_llm_request r;
    memset(&r, 0, sizeof r);
    r.model = m;
    r.msgs = chat3;
    r.n_msgs = AS_ARRAY_LEN(chat3);
    r.answer = answer;
    if (answer != AS_LLM_ANSWER_TEXT) {
        r.tool_name = "grade";
        r.tool_description = "Record the grade.";
        r.schema_json = SCHEMA;
    }
    return r;
}

/* The value of header `name` (case-insensitive), or NULL. */
static const char *header(const llm_http *h, const char *name) {
    size_t n = strlen(name);
    for (int i = 0; i < h->n_headers; i++)
        if (strncasecmp(h->headers[i], name, n) == 0 && h->headers[i][n] == ':')
            return h->headers[i] + n + 2;
    return NULL;
}

static int header_index(const llm_http *h, const char *name) {
    size_t n = strlen(name);
    for (int i = 0; i < h->n_headers; i++)
        if (strncasecmp(h->headers[i], name, n) == 0 && h->headers[i][n] == ':') return i;
    return -1;
}

/* The body as jansson (caller decrefs); NULL (and a failed check) if the
 * body is not JSON. */
static json_t *body_of(const llm_http *h) {
    json_error_t je;
    json_t *v = json_loadb(h->body.data, h->body.len, 0, &je);
    if (!v) fprintf(stderr, "  body is not JSON: %s: %s\n", je.text, h->body.data);
    CHECK(v != NULL);
    return v;
}

static const char *str_at(const json_t *o, const char *key) {
    return json_string_value(json_object_get(o, key));
}

static json_t *at(const json_t *v, const char *path) {
    /* "a.b.0.c": object keys and array indexes */
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    json_t *cur = (json_t *)v;
    for (char *save = NULL, *seg = strtok_r(buf, ".", &save); seg && cur;
         seg = strtok_r(NULL, ".", &save)) {
        if (json_is_array(cur)) cur = json_array_get(cur, strtoul(seg, NULL, 10));
        else cur = json_object_get(cur, seg);
    }
    return cur;
}

static const char *sat(const json_t *v, const char *path) {
    return json_string_value(at(v, path));
}

static bool equal_to_text(const json_t *v, const char *text) {
    json_t *w = json_loads(text, 0, NULL);
    bool eq = w && json_equal(v, w);
    json_decref(w);
    return eq;
}

/* The key appears in the secret header and nowhere else. */
static void check_key_only_in_secret(const llm_http *h) {
    CHECK(h->secret_header >= 0);
    CHECK(strstr(h->url, KEY) == NULL);
    CHECK(strstr(h->body.data, KEY) == NULL);
    for (int i = 0; i < h->n_headers; i++)
        if (i == h->secret_header) CHECK(strstr(h->headers[i], KEY) != NULL);
        else CHECK(strstr(h->headers[i], KEY) == NULL);
}

static void check_cleared(const llm_http *h) {
    CHECK(h->url == NULL);
    CHECK_INT(h->n_headers, 0);
    CHECK_INT(h->secret_header, -1);
    CHECK_INT(h->body.len, 0);
}

/* ---- llm_http, the table, response_clear -------------------------------- */

TEST(provider_table) {
    CHECK(llm_provider_for(AS_LLM_OPENAI) == &llm_openai);
    CHECK(llm_provider_for(AS_LLM_AZURE) == &llm_azure);
    CHECK(llm_provider_for(AS_LLM_ANTHROPIC) == &llm_anthropic);
    CHECK(llm_provider_for(AS_LLM_GEMINI) == &llm_gemini);
    CHECK(llm_provider_for((as_llm_kind)42) == NULL);
    CHECK_STR(llm_openai.name, "openai");
    CHECK_STR(llm_azure.name, "azure");
    CHECK_STR(llm_anthropic.name, "anthropic");
    CHECK_STR(llm_gemini.name, "gemini");
    const llm_provider *all[] = { &llm_openai, &llm_azure, &llm_anthropic, &llm_gemini };
    for (size_t i = 0; i < AS_ARRAY_LEN(all); i++)
        CHECK(all[i]->build && all[i]->parse && all[i]->error_text);
}

TEST(http_headers) {
    llm_http h;
    llm_http_init(&h);
    check_cleared(&h);
    CHECK_INT(h.body.max, LLM_BODY_MAX);
    for (int i = 0; i < LLM_MAX_HEADERS; i++)
        CHECK_INT(llm_http_header(&h, "X-N%d: %s", i, "v"), AS_OK);
    CHECK_INT(llm_http_header(&h, "X-Too: many"), AS_ETOOBIG);
    CHECK_INT(h.n_headers, LLM_MAX_HEADERS);
    CHECK_STR(h.headers[3], "X-N3: v");
    h.secret_header = 2;
    llm_http_clear(&h);
    check_cleared(&h);
    /* A line break would start a header of the caller's choosing. */
    CHECK_INT(llm_http_header(&h, "X-A: %s", "a\r\nX-Evil: 1"), AS_EINVAL);
    CHECK_INT(llm_http_header(&h, "X-A: %s", "a\nb"), AS_EINVAL);
    CHECK_INT(h.n_headers, 0);
    CHECK_INT(llm_http_header(&h, "X-Tab: a\tb"), AS_OK);
    llm_http_clear(&h);
    llm_http_clear(&h);      /* twice is fine */
    check_cleared(&h);
}

TEST(response_clear) {
    as_llm_response r = { strdup("t"), strdup("{}"), strdup("raw"), strdup("stop"), 1, 2, 3 };
    as_llm_response_clear(&r);
    CHECK(r.text == NULL && r.structured == NULL && r.raw == NULL && r.finish_reason == NULL);
    CHECK_INT(r.prompt_tokens, -1);
    CHECK_INT(r.completion_tokens, -1);
    CHECK_INT(r.total_tokens, -1);
    as_llm_response_clear(&r);
    as_llm_response_clear(NULL);
}

/* ---- OpenAI requests ----------------------------------------------------- */

TEST(openai_build_text) {
    as_llm_model m = model_of(AS_LLM_OPENAI, "gpt-4o-mini", "https://api.openai.com/v1", KEY);
    as_llm_request req = request(&m, AS_LLM_ANSWER_TEXT);
    llm_http h;
    as_err e;
    CHECK_INT(llm_openai.build(&req, &h, &e), AS_OK);
    CHECK_STR(h.url, "https://api.openai.com/v1/chat/completions");
    CHECK_INT(h.n_headers, 2);
    CHECK_STR(header(&h, "Content-Type"), "application/json");
    CHECK_STR(header(&h, "Authorization"), "Bearer " KEY);
    CHECK_INT(h.secret_header, header_index(&h, "Authorization"));
    check_key_only_in_secret(&h);
    json_t *b = body_of(&h);
    CHECK_STR(str_at(b, "model"), "gpt-4o-mini");
    json_t *msgs = json_object_get(b, "messages");
    CHECK_INT(json_array_size(msgs), 3);
    for (size_t i = 0; i < 3; i++) {
        CHECK_STR(sat(msgs, i == 0 ? "0.role" : i == 1 ? "1.role" : "2.role"), chat3[i].role);
        CHECK_STR(str_at(json_array_get(msgs, i), "content"), chat3[i].content);
        CHECK_INT(json_object_size(json_array_get(msgs, i)), 2);
    }
    CHECK(json_is_number(json_object_get(b, "temperature")));
    CHECK_DBL(json_number_value(json_object_get(b, "temperature")), 0.0, 0);
    CHECK(json_object_get(b, "max_tokens") == NULL);
    CHECK(json_object_get(b, "tools") == NULL);
    CHECK(json_object_get(b, "tool_choice") == NULL);
    CHECK(json_object_get(b, "response_format") == NULL);
    CHECK_INT(json_object_size(b), 3);
    /* Keys in a fixed order, compact. */
    static const char start[] =
        "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"system\",\"content\":";
    CHECK(strncmp(h.body.data, start, sizeof start - 1) == 0);
    json_decref(b);
    llm_http_clear(&h);
}

TEST(openai_build_numbers) {
    as_llm_model m = model_of(AS_LLM_OPENAI, "gpt-4o", "https://api.openai.com/v1", KEY);
    as_llm_request req = request(&m, AS_LLM_ANSWER_TEXT);
    const double temps[] = { 0.7, 0.1, 1.0, 0.30000000000000004, 1e-7, 2.0 };
    const char *const texts[] = { "0.7", "0.1", "1", "0.30000000000000004", "1e-07", "2" };
    for (size_t i = 0; i < AS_ARRAY_LEN(temps); i++) {
        req.temperature = temps[i];
        req.max_tokens = (int)i + 100;
        llm_http h;
        CHECK_INT(llm_openai.build(&req, &h, NULL), AS_OK);
        char want[64];
        snprintf(want, sizeof want, "\"temperature\":%s,", texts[i]);
        CHECK(strstr(h.body.data, want) != NULL);
        json_t *b = body_of(&h);
        /* Full precision: the value reads back exactly. */
        CHECK(json_number_value(json_object_get(b, "temperature")) == temps[i]);
        CHECK_INT(json_integer_value(json_object_get(b, "max_tokens")), (int)i + 100);
        json_decref(b);
        llm_http_clear(&h);
    }
}

TEST(openai_build_local_without_key) {
    as_llm_model m = model_of(AS_LLM_OPENAI, "llama3:8b", "http://127.0.0.1:11434/v1/", "");
    as_llm_request req = request(&m, AS_LLM_ANSWER_TEXT);
    llm_http h;
    CHECK_INT(llm_openai.build(&req, &h, NULL), AS_OK);
    CHECK_STR(h.url, "http://127.0.0.1:11434/v1/chat/completions");
    CHECK_INT(h.n_headers, 1);
    CHECK(header(&h, "Authorization") == NULL);
    CHECK_INT(h.secret_header, -1);
    json_t *b = body_of(&h);
    CHECK_STR(str_at(b, "model"), "llama3:8b");
    json_decref(b);
    llm_http_clear(&h);
    /* No base URL at all: OpenAI's. */
    m.base_url[0] = '\0';
    CHECK_INT(llm_openai.build(&req, &h, NULL), AS_OK);
    CHECK_STR(h.url, "https://api.openai.com/v1/chat/completions");
    llm_http_clear(&h);
}

TEST(openai_build_tool) {
    as_llm_model m = model_of(AS_LLM_OPENAI, "gpt-4o-mini", "https://api.openai.com/v1", KEY);
    as_llm_request req = request(&m, AS_LLM_ANSWER_TOOL);
    llm_http h;
    as_err e;
    CHECK_INT(llm_openai.build(&req, &h, &e), AS_OK);
    json_t *b = body_of(&h);
    json_t *tools = json_object_get(b, "tools");
    CHECK_INT(json_array_size(tools), 1);
    CHECK_STR(sat(tools, "0.type"), "function");
    CHECK_STR(sat(tools, "0.function.name"), "grade");
    CHECK_STR(sat(tools, "0.function.description"), "Record the grade.");
    json_t *params = at(tools, "0.function.parameters");
    CHECK(json_is_object(params));
    CHECK(equal_to_text(params, SCHEMA));       /* embedded as-is, as an object */
    CHECK_STR(sat(b, "tool_choice.type"), "function");
    CHECK_STR(sat(b, "tool_choice.function.name"), "grade");
    CHECK_INT(json_object_size(json_object_get(b, "tool_choice")), 2);
    CHECK(json_object_get(b, "response_format") == NULL);
    /* The schema is not a string inside the body. */
    CHECK(strstr(h.body.data, "\"parameters\":{\"$schema\":") != NULL);
    json_decref(b);
    llm_http_clear(&h);

    /* No description: the key is left out. */
    req.tool_description = NULL;
    CHECK_INT(llm_openai.build(&req, &h, &e), AS_OK);
    b = body_of(&h);
    CHECK(at(b, "tools.0.function.description") == NULL);
    CHECK(json_is_object(at(b, "tools.0.function.parameters")));
    json_decref(b);
    llm_http_clear(&h);
}

TEST(openai_build_json) {
    as_llm_model m = model_of(AS_LLM_OPENAI, "gpt-4o-mini", "https://api.openai.com/v1", KEY);
    as_llm_request req = request(&m, AS_LLM_ANSWER_JSON);
    req.max_tokens = 300;
    llm_http h;
    CHECK_INT(llm_openai.build(&req, &h, NULL), AS_OK);
    json_t *b = body_of(&h);
    json_t *rf = json_object_get(b, "response_format");
    CHECK_STR(str_at(rf, "type"), "json_schema");
    CHECK_STR(sat(rf, "json_schema.name"), "grade");
    CHECK_STR(sat(rf, "json_schema.description"), "Record the grade.");
    CHECK(json_is_true(at(rf, "json_schema.strict")));
    CHECK(equal_to_text(at(rf, "json_schema.schema"), SCHEMA));
    CHECK(json_object_get(b, "tools") == NULL);
    CHECK(json_object_get(b, "tool_choice") == NULL);
    CHECK_INT(json_integer_value(json_object_get(b, "max_tokens")), 300);
    json_decref(b);
    llm_http_clear(&h);
}

TEST(openai_build_bad_schema) {
    as_llm_model m = model_of(AS_LLM_OPENAI, "gpt-4o-mini", "https://api.openai.com/v1", KEY);
    as_llm_request req = request(&m, AS_LLM_ANSWER_TOOL);
    llm_http h;
    as_err e;
    req.schema_json = "{\"type\": \"object\", ";
    CHECK_INT(llm_openai.build(&req, &h, &e), AS_EINVAL);
    CHECK(strncmp(e.msg, "openai request: schema_json is not JSON at line 1 column ", 56) == 0);
    check_cleared(&h);
    req.schema_json = "[{\"type\": \"object\"}]";
    CHECK_INT(llm_openai.build(&req, &h, &e), AS_EINVAL);
    CHECK_STR(e.msg, "openai request: schema_json is not a JSON object");
    check_cleared(&h);
    req.schema_json = "{\"type\": \"object\"} trailing";
    CHECK_INT(llm_openai.build(&req, &h, &e), AS_EINVAL);
    CHECK(strstr(e.msg, "schema_json is not JSON") != NULL);
    req.answer = AS_LLM_ANSWER_JSON;
    req.schema_json = NULL;
    CHECK_INT(llm_openai.build(&req, &h, &e), AS_EINVAL);
    CHECK_STR(e.msg, "openai request: schema_json is required for a JSON answer");
    /* In a text answer the schema is not used, nor checked. */
    req.answer = AS_LLM_ANSWER_TEXT;
    req.schema_json = "not json";
    CHECK_INT(llm_openai.build(&req, &h, &e), AS_OK);
    CHECK(strstr(h.body.data, "not json") == NULL);
    llm_http_clear(&h);
}

TEST(build_rejects_bad_requests) {
    as_llm_model m = model_of(AS_LLM_OPENAI, "gpt-4o-mini", "https://api.openai.com/v1", KEY);
    const llm_provider *all[] = { &llm_openai, &llm_azure, &llm_anthropic, &llm_gemini };
    for (size_t p = 0; p < AS_ARRAY_LEN(all); p++) {
        const llm_provider *pv = all[p];
        m.kind = (as_llm_kind)p;
        snprintf(m.api_version, sizeof m.api_version, "2024-10-21");
        llm_http h;
        as_err e;
        char want[160];
        as_llm_request req = request(&m, AS_LLM_ANSWER_TOOL);

        req.n_msgs = 0;
        CHECK_INT(pv->build(&req, &h, &e), AS_EINVAL);
        snprintf(want, sizeof want, "%s request: no messages", pv->name);
        CHECK_STR(e.msg, want);
        check_cleared(&h);

        as_llm_msg bad[] = { { "user", "hi" }, { "tool", "x" } };
        req.msgs = bad;
        req.n_msgs = 2;
        CHECK_INT(pv->build(&req, &h, &e), AS_EINVAL);
        snprintf(want, sizeof want, "%s request: messages[1].role must be system, user or "
                 "assistant", pv->name);
        CHECK_STR(e.msg, want);
        bad[1].role = NULL;
        CHECK_INT(pv->build(&req, &h, &e), AS_EINVAL);
        CHECK_STR(e.msg, want);
        bad[1].role = "assistant";
        bad[1].content = NULL;
        CHECK_INT(pv->build(&req, &h, &e), AS_EINVAL);
        snprintf(want, sizeof want, "%s request: messages[1] has no content", pv->name);
        CHECK_STR(e.msg, want);

        req = request(&m, AS_LLM_ANSWER_TOOL);
        req.temperature = NAN;
        CHECK_INT(pv->build(&req, &h, &e), AS_EINVAL);
        CHECK(strstr(e.msg, "temperature must be a number >= 0") != NULL);
        req.temperature = -0.5;
        CHECK_INT(pv->build(&req, &h, &e), AS_EINVAL);
        req.temperature = INFINITY;
        CHECK_INT(pv->build(&req, &h, &e), AS_EINVAL);
        req.temperature = 0;
        req.max_tokens = -1;
        CHECK_INT(pv->build(&req, &h, &e), AS_EINVAL);
        CHECK(strstr(e.msg, "max_tokens must be >= 0") != NULL);
        req.max_tokens = 0;

        const char *names[] = { NULL, "", "has space", "9starts_with_digit", "dot.ted",
                                "a23456789012345678901234567890123456789012345678901234567890"
                                "12345" };
        for (size_t i = 0; i < AS_ARRAY_LEN(names); i++) {
            req.tool_name = names[i];
            CHECK_INT(pv->build(&req, &h, &e), AS_EINVAL);
            CHECK(strstr(e.msg, "tool_name must be 1-64 letters") != NULL);
        }
        req.tool_name = "_ok-Name_2";
        CHECK_INT(pv->build(&req, &h, &e), AS_OK);
        llm_http_clear(&h);
        req.answer = (as_llm_answer)7;
        CHECK_INT(pv->build(&req, &h, &e), AS_EINVAL);
        CHECK(strstr(e.msg, "unknown answer mode 7") != NULL);

        req = request(&m, AS_LLM_ANSWER_TEXT);
        req.model = NULL;
        CHECK_INT(pv->build(&req, &h, &e), AS_EINVAL);
        snprintf(want, sizeof want, "%s request: no model", pv->name);
        CHECK_STR(e.msg, want);
        as_llm_model m2 = m;
        m2.model[0] = '\0';
        req.model = &m2;
        CHECK_INT(pv->build(&req, &h, &e), AS_EINVAL);
        CHECK(strstr(e.msg, "the model name is empty") != NULL);
        m2 = m;
        snprintf(m2.api_key, sizeof m2.api_key, "sk-abc\r\nX-Evil: 1");
        CHECK_INT(pv->build(&req, &h, &e), AS_EINVAL);
        CHECK(strstr(e.msg, "the API key holds a control character") != NULL);
        CHECK(strstr(e.msg, "sk-abc") == NULL);    /* the key is not in the message */
        check_cleared(&h);
        CHECK_INT(pv->build(NULL, &h, &e), AS_EINVAL);
    }
}

TEST(build_escapes_text) {
    as_llm_model m = model_of(AS_LLM_OPENAI, "m\"odel", "https://api.openai.com/v1", KEY);
    const char *content = "quote \" backslash \\ newline \n tab \t ctl \x01 del \x7f "
                          "utf8 \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80 slash / end";
    as_llm_msg msgs[] = { { "user", content } };
    const llm_provider *all[] = { &llm_openai, &llm_azure, &llm_anthropic, &llm_gemini };
    for (size_t p = 0; p < AS_ARRAY_LEN(all); p++) {
        m.kind = (as_llm_kind)p;
        snprintf(m.api_version, sizeof m.api_version, "2024-10-21");
        as_llm_request req = request(&m, AS_LLM_ANSWER_TEXT);
        req.msgs = msgs;
        req.n_msgs = 1;
        llm_http h;
        CHECK_INT(all[p]->build(&req, &h, NULL), AS_OK);
        json_t *b = body_of(&h);
        const char *got = p == 3 ? sat(b, "contents.0.parts.0.text") : sat(b, "messages.0.content");
        CHECK_STR(got, content);
        if (p != 1 && p != 3) CHECK_STR(str_at(b, "model"), "m\"odel");
        json_decref(b);
        llm_http_clear(&h);
    }
}

TEST(build_replaces_invalid_utf8) {
    as_llm_model m = model_of(AS_LLM_ANTHROPIC, "claude-sonnet-4-5", "https://api.anthropic.com",
                              KEY);
    /* Latin-1 e-acute, a truncated 3-byte sequence, an overlong '/', a
     * UTF-16 surrogate: each bad byte becomes U+FFFD. */
    as_llm_msg msgs[] = { { "user", "caf\xe9 \xe2\x82 \xc0\xaf \xed\xa0\x80 ok \xc3\xa9" } };
    as_llm_request req = request(&m, AS_LLM_ANSWER_TEXT);
    req.msgs = msgs;
    req.n_msgs = 1;
    llm_http h;
    CHECK_INT(llm_anthropic.build(&req, &h, NULL), AS_OK);
    json_t *b = body_of(&h);
    CHECK_STR(sat(b, "messages.0.content"),
              "caf\xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd "
              "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd ok \xc3\xa9");
    json_decref(b);
    llm_http_clear(&h);
}

TEST(build_body_cap) {
    size_t n = LLM_BODY_MAX + 10;
    char *big = malloc(n + 1);
    memset(big, 'a', n);
    big[n] = '\0';
    as_llm_msg msgs[] = { { "user", big } };
    as_llm_model m = model_of(AS_LLM_OPENAI, "gpt-4o", "https://api.openai.com/v1", KEY);
    const llm_provider *all[] = { &llm_openai, &llm_azure, &llm_anthropic, &llm_gemini };
    for (size_t p = 0; p < AS_ARRAY_LEN(all); p++) {
        m.kind = (as_llm_kind)p;
        snprintf(m.api_version, sizeof m.api_version, "v");
        as_llm_request req = request(&m, AS_LLM_ANSWER_TEXT);
        req.msgs = msgs;
        req.n_msgs = 1;
        llm_http h;
        as_err e;
        CHECK_INT(all[p]->build(&req, &h, &e), AS_ETOOBIG);
        CHECK(strstr(e.msg, "request: the body is over the 8388608-byte limit") != NULL);
        check_cleared(&h);
    }
    free(big);
}

/* The body stops at its cap to the byte, escapes included (the body is
 * pre-sized and strings are escaped in place). */
TEST(build_body_cap_exact) {
    as_llm_model m = model_of(AS_LLM_OPENAI, "gpt-4o", "https://api.openai.com/v1", KEY);
    as_llm_msg msgs[] = { { "user", "a\n" } };
    as_llm_request req = request(&m, AS_LLM_ANSWER_TEXT);
    req.msgs = msgs;
    req.n_msgs = 1;
    llm_http h;
    CHECK_INT(llm_openai.build(&req, &h, NULL), AS_OK);
    size_t base = h.body.len;                /* with 3 bytes of content: a\n */
    llm_http_clear(&h);
    size_t n = LLM_BODY_MAX - base + 2;      /* content: 'a'... then '\n' */
    char *big = malloc(n + 2);
    memset(big, 'a', n);
    for (int extra = 0; extra <= 1; extra++) {
        big[n - 1 + (size_t)extra] = '\n';
        big[n + (size_t)extra] = '\0';
        msgs[0].content = big;
        as_err e;
        CHECK_INT(llm_openai.build(&req, &h, &e), extra ? AS_ETOOBIG : AS_OK);
        if (!extra) CHECK_INT(h.body.len, LLM_BODY_MAX);
        llm_http_clear(&h);
        big[n - 1] = 'a';
    }
    free(big);
}

/* The caller's schema goes into the body compact, as jansson re-wrote it
 * (bodies are cache keys): no white space, escapes undone where JSON
 * allows, integers as written, other numbers shortest, of duplicate keys
 * the first place and the last value.  What jansson refused stays
 * refused. */
TEST(build_schema_as_jansson_wrote_it) {
    as_llm_model m = model_of(AS_LLM_OPENAI, "gpt-4o", "https://api.openai.com/v1", KEY);
    as_llm_request req = request(&m, AS_LLM_ANSWER_TOOL);
    req.schema_json = " {\n \"type\" : \"object\", \"d\": 1, \"s\":\"\\u00e9\\/\\n\\u0001\","
                      "\"n\": [1.50, -0, 1e2, -2.5E-3, 12345678901234567], \"d\": {\"b\": true,"
                      " \"a\": [null, false]}, \"x\\\"y\": \"\" } ";
    llm_http h;
    as_err e;
    CHECK_INT(llm_openai.build(&req, &h, &e), AS_OK);
    CHECK(strstr(h.body.data, "\"parameters\":{\"type\":\"object\",\"d\":{\"b\":true,\"a\":"
                 "[null,false]},\"s\":\"\xc3\xa9/\\n\\u0001\",\"n\":[1.5,0,1e+02,-0.0025,"
                 "12345678901234567],\"x\\\"y\":\"\"}}") != NULL);
    llm_http_clear(&h);
    struct { const char *schema, *msg; } bad[] = {
        { "{\"a\":\"x\\u0000\"}",
          "openai request: schema_json is not JSON at line 1 column 6: \\u0000 in a string" },
        { "{\"a\":9223372036854775808}",
          "openai request: schema_json is not JSON at line 1 column 6: integer out of range" },
        { "{\"a\":{\n \"k\\u0000\":1}}", "openai request: schema_json is not JSON at line 2 "
          "column 2: \\u0000 in an object key" },
        { "\"{}\"", "openai request: schema_json is not a JSON object" },
    };
    for (size_t i = 0; i < AS_ARRAY_LEN(bad); i++) {
        req.schema_json = bad[i].schema;
        CHECK_INT(llm_openai.build(&req, &h, &e), AS_EINVAL);
        CHECK_STR(e.msg, bad[i].msg);
        check_cleared(&h);
    }
    /* Integers at the ends of long long pass. */
    req.schema_json = "{\"min\":-9223372036854775808,\"max\":9223372036854775807}";
    CHECK_INT(llm_anthropic.build(&req, &h, &e), AS_OK);
    CHECK(strstr(h.body.data, "\"input_schema\":{\"min\":-9223372036854775808,"
                 "\"max\":9223372036854775807}") != NULL);
    llm_http_clear(&h);
}

/* ---- Azure requests ------------------------------------------------------ */

TEST(azure_build) {
    as_llm_model m = model_of(AS_LLM_AZURE, "my-gpt4o", "https://res1.openai.azure.com/", KEY);
    const as_llm_answer modes[] = { AS_LLM_ANSWER_TEXT, AS_LLM_ANSWER_TOOL, AS_LLM_ANSWER_JSON };
    for (size_t i = 0; i < 3; i++) {
        as_llm_request req = request(&m, modes[i]);
        llm_http h;
        as_err e;
        CHECK_INT(llm_azure.build(&req, &h, &e), AS_OK);
        CHECK_STR(h.url, "https://res1.openai.azure.com/openai/deployments/my-gpt4o/chat/"
                  "completions?api-version=2024-10-21");
        CHECK_INT(h.n_headers, 2);
        CHECK_STR(header(&h, "Content-Type"), "application/json");
        CHECK_STR(header(&h, "api-key"), KEY);
        CHECK(header(&h, "Authorization") == NULL);
        CHECK_INT(h.secret_header, header_index(&h, "api-key"));
        check_key_only_in_secret(&h);
        json_t *b = body_of(&h);
        CHECK(json_object_get(b, "model") == NULL);
        CHECK_INT(json_array_size(json_object_get(b, "messages")), 3);
        CHECK_STR(sat(b, "messages.1.content"), chat3[1].content);
        CHECK((json_object_get(b, "tools") != NULL) == (modes[i] == AS_LLM_ANSWER_TOOL));
        CHECK((json_object_get(b, "response_format") != NULL) == (modes[i] == AS_LLM_ANSWER_JSON));
        if (modes[i] == AS_LLM_ANSWER_TOOL) {
            CHECK(equal_to_text(at(b, "tools.0.function.parameters"), SCHEMA));
            CHECK_STR(sat(b, "tool_choice.function.name"), "grade");
        }
        if (modes[i] == AS_LLM_ANSWER_JSON) {
            CHECK(equal_to_text(at(b, "response_format.json_schema.schema"), SCHEMA));
            CHECK(json_is_true(at(b, "response_format.json_schema.strict")));
        }
        json_decref(b);
        llm_http_clear(&h);
    }
}

TEST(azure_build_url_and_errors) {
    as_llm_model m = model_of(AS_LLM_AZURE, "dep name/x", "https://r.openai.azure.com", KEY);
    snprintf(m.api_version, sizeof m.api_version, "2025-01-01-preview");
    as_llm_request req = request(&m, AS_LLM_ANSWER_TEXT);
    llm_http h;
    as_err e;
    CHECK_INT(llm_azure.build(&req, &h, &e), AS_OK);
    CHECK_STR(h.url, "https://r.openai.azure.com/openai/deployments/dep%20name%2Fx/chat/"
              "completions?api-version=2025-01-01-preview");
    llm_http_clear(&h);
    m.api_version[0] = '\0';
    CHECK_INT(llm_azure.build(&req, &h, &e), AS_EINVAL);
    CHECK_STR(e.msg, "azure request: no api-version (AZURE_OPENAI_API_VERSION)");
    check_cleared(&h);
    snprintf(m.api_version, sizeof m.api_version, "2024-10-21");
    m.base_url[0] = '\0';
    CHECK_INT(llm_azure.build(&req, &h, &e), AS_EINVAL);
    CHECK_STR(e.msg, "azure request: no endpoint (base_url)");
    check_cleared(&h);
}

/* ---- Anthropic requests -------------------------------------------------- */

TEST(anthropic_build_text) {
    as_llm_model m = model_of(AS_LLM_ANTHROPIC, "claude-sonnet-4-5", "https://api.anthropic.com",
                              KEY);
    as_llm_request req = request(&m, AS_LLM_ANSWER_TEXT);
    req.temperature = 0.25;
    llm_http h;
    as_err e;
    CHECK_INT(llm_anthropic.build(&req, &h, &e), AS_OK);
    CHECK_STR(h.url, "https://api.anthropic.com/v1/messages");
    CHECK_INT(h.n_headers, 3);
    CHECK_STR(header(&h, "x-api-key"), KEY);
    CHECK_STR(header(&h, "anthropic-version"), "2023-06-01");
    CHECK_STR(header(&h, "content-type"), "application/json");
    CHECK_INT(h.secret_header, header_index(&h, "x-api-key"));
    check_key_only_in_secret(&h);
    json_t *b = body_of(&h);
    CHECK_STR(str_at(b, "model"), "claude-sonnet-4-5");
    CHECK_INT(json_integer_value(json_object_get(b, "max_tokens")), 1024);
    CHECK_STR(str_at(b, "system"), "You are a strict grader.");
    json_t *msgs = json_object_get(b, "messages");
    CHECK_INT(json_array_size(msgs), 2);
    CHECK_STR(sat(msgs, "0.role"), "user");
    CHECK_STR(sat(msgs, "0.content"), chat3[1].content);
    CHECK_STR(sat(msgs, "1.role"), "assistant");
    CHECK_STR(sat(msgs, "1.content"), "yes");
    CHECK(json_number_value(json_object_get(b, "temperature")) == 0.25);
    CHECK(json_object_get(b, "tools") == NULL);
    CHECK(json_object_get(b, "tool_choice") == NULL);
    CHECK_INT(json_object_size(b), 5);
    json_decref(b);
    llm_http_clear(&h);
}

TEST(anthropic_build_system_and_defaults) {
    as_llm_model m = model_of(AS_LLM_ANTHROPIC, "claude-3-5-haiku-latest", "", KEY);
    as_llm_request req = request(&m, AS_LLM_ANSWER_TEXT);
    req.msgs = chat5;
    req.n_msgs = AS_ARRAY_LEN(chat5);
    req.max_tokens = 77;
    llm_http h;
    as_err e;
    CHECK_INT(llm_anthropic.build(&req, &h, &e), AS_OK);
    CHECK_STR(h.url, "https://api.anthropic.com/v1/messages");    /* the default */
    json_t *b = body_of(&h);
    CHECK_STR(str_at(b, "system"), "Rule A.\n\nRule B.");
    CHECK_INT(json_integer_value(json_object_get(b, "max_tokens")), 77);
    json_t *msgs = json_object_get(b, "messages");
    CHECK_INT(json_array_size(msgs), 3);
    CHECK_STR(sat(msgs, "0.content"), "Q1");
    CHECK_STR(sat(msgs, "1.content"), "A1");
    CHECK_STR(sat(msgs, "1.role"), "assistant");
    CHECK_STR(sat(msgs, "2.content"), "Q2");
    json_decref(b);
    llm_http_clear(&h);

    /* No system message: no "system" key. */
    req.msgs = chat3 + 1;
    req.n_msgs = 2;
    CHECK_INT(llm_anthropic.build(&req, &h, &e), AS_OK);
    b = body_of(&h);
    CHECK(json_object_get(b, "system") == NULL);
    CHECK_INT(json_array_size(json_object_get(b, "messages")), 2);
    json_decref(b);
    llm_http_clear(&h);

    /* Only a system message: nothing to answer. */
    req.msgs = chat3;
    req.n_msgs = 1;
    CHECK_INT(llm_anthropic.build(&req, &h, &e), AS_EINVAL);
    CHECK_STR(e.msg, "anthropic request: no user or assistant message");
    check_cleared(&h);

    /* A proxy without a key: no key header. */
    m.api_key[0] = '\0';
    snprintf(m.base_url, sizeof m.base_url, "http://localhost:8080/");
    req.n_msgs = 2;
    CHECK_INT(llm_anthropic.build(&req, &h, &e), AS_OK);
    CHECK_STR(h.url, "http://localhost:8080/v1/messages");
    CHECK(header(&h, "x-api-key") == NULL);
    CHECK_INT(h.secret_header, -1);
    CHECK_INT(h.n_headers, 2);
    llm_http_clear(&h);
}

TEST(anthropic_build_tool_and_json) {
    as_llm_model m = model_of(AS_LLM_ANTHROPIC, "claude-sonnet-4-5", "https://api.anthropic.com",
                              KEY);
    const as_llm_answer modes[] = { AS_LLM_ANSWER_TOOL, AS_LLM_ANSWER_JSON };
    for (size_t i = 0; i < 2; i++) {
        as_llm_request req = request(&m, modes[i]);
        llm_http h;
        as_err e;
        CHECK_INT(llm_anthropic.build(&req, &h, &e), AS_OK);
        json_t *b = body_of(&h);
        json_t *tools = json_object_get(b, "tools");
        CHECK_INT(json_array_size(tools), 1);
        CHECK_STR(sat(tools, "0.name"), "grade");
        CHECK_STR(sat(tools, "0.description"), "Record the grade.");
        CHECK(json_is_object(at(tools, "0.input_schema")));
        CHECK(equal_to_text(at(tools, "0.input_schema"), SCHEMA));
        CHECK_INT(json_object_size(json_array_get(tools, 0)), 3);
        CHECK_STR(sat(b, "tool_choice.type"), "tool");
        CHECK_STR(sat(b, "tool_choice.name"), "grade");
        CHECK(json_object_get(b, "response_format") == NULL);
        check_key_only_in_secret(&h);
        json_decref(b);
        llm_http_clear(&h);
    }
}

/* ---- Gemini requests ----------------------------------------------------- */

TEST(gemini_build_text) {
    as_llm_model m = model_of(AS_LLM_GEMINI, "gemini-2.0-flash",
                              "https://generativelanguage.googleapis.com", KEY);
    as_llm_request req = request(&m, AS_LLM_ANSWER_TEXT);
    req.msgs = chat5;
    req.n_msgs = AS_ARRAY_LEN(chat5);
    req.temperature = 0.4;
    req.max_tokens = 512;
    llm_http h;
    as_err e;
    CHECK_INT(llm_gemini.build(&req, &h, &e), AS_OK);
    CHECK_STR(h.url, "https://generativelanguage.googleapis.com/v1beta/models/"
              "gemini-2.0-flash:generateContent");
    CHECK_INT(h.n_headers, 2);
    CHECK_STR(header(&h, "x-goog-api-key"), KEY);
    CHECK_STR(header(&h, "Content-Type"), "application/json");
    CHECK_INT(h.secret_header, header_index(&h, "x-goog-api-key"));
    check_key_only_in_secret(&h);
    json_t *b = body_of(&h);
    json_t *contents = json_object_get(b, "contents");
    CHECK_INT(json_array_size(contents), 3);
    CHECK_STR(sat(contents, "0.role"), "user");
    CHECK_STR(sat(contents, "0.parts.0.text"), "Q1");
    CHECK_INT(json_array_size(at(contents, "0.parts")), 1);
    CHECK_STR(sat(contents, "1.role"), "model");
    CHECK_STR(sat(contents, "1.parts.0.text"), "A1");
    CHECK_STR(sat(contents, "2.role"), "user");
    CHECK_STR(sat(contents, "2.parts.0.text"), "Q2");
    CHECK_STR(sat(b, "systemInstruction.parts.0.text"), "Rule A.\n\nRule B.");
    CHECK_INT(json_array_size(at(b, "systemInstruction.parts")), 1);
    json_t *gc = json_object_get(b, "generationConfig");
    CHECK(json_number_value(json_object_get(gc, "temperature")) == 0.4);
    CHECK_INT(json_integer_value(json_object_get(gc, "maxOutputTokens")), 512);
    CHECK_INT(json_object_size(gc), 2);
    CHECK(json_object_get(b, "tools") == NULL);
    CHECK(json_object_get(b, "toolConfig") == NULL);
    CHECK_INT(json_object_size(b), 3);
    json_decref(b);
    llm_http_clear(&h);

    /* No system message, no max_tokens, default URL, "models/" prefix. */
    snprintf(m.model, sizeof m.model, "models/gemini-2.5-flash");
    m.base_url[0] = '\0';
    req.msgs = chat3 + 1;
    req.n_msgs = 2;
    req.max_tokens = 0;
    CHECK_INT(llm_gemini.build(&req, &h, &e), AS_OK);
    CHECK_STR(h.url, "https://generativelanguage.googleapis.com/v1beta/models/"
              "gemini-2.5-flash:generateContent");
    b = body_of(&h);
    CHECK(json_object_get(b, "systemInstruction") == NULL);
    CHECK(at(b, "generationConfig.maxOutputTokens") == NULL);
    CHECK(json_is_number(at(b, "generationConfig.temperature")));
    json_decref(b);
    llm_http_clear(&h);

    req.msgs = chat3;
    req.n_msgs = 1;
    CHECK_INT(llm_gemini.build(&req, &h, &e), AS_EINVAL);
    CHECK_STR(e.msg, "gemini request: no user or assistant message");

    /* A model name cannot reshape the URL. */
    snprintf(m.model, sizeof m.model, "x/../y?key=1");
    req.n_msgs = 2;
    CHECK_INT(llm_gemini.build(&req, &h, &e), AS_OK);
    CHECK_STR(h.url, "https://generativelanguage.googleapis.com/v1beta/models/"
              "x%2F..%2Fy%3Fkey%3D1:generateContent");
    llm_http_clear(&h);
}

TEST(gemini_build_json) {
    as_llm_model m = model_of(AS_LLM_GEMINI, "gemini-2.0-flash", "", KEY);
    as_llm_request req = request(&m, AS_LLM_ANSWER_JSON);
    llm_http h;
    as_err e;
    CHECK_INT(llm_gemini.build(&req, &h, &e), AS_OK);
    json_t *b = body_of(&h);
    json_t *gc = json_object_get(b, "generationConfig");
    CHECK_STR(str_at(gc, "responseMimeType"), "application/json");
    /* $schema and additionalProperties are gone, the rest is kept. */
    CHECK(equal_to_text(json_object_get(gc, "responseSchema"),
                        "{\"type\":\"object\",\"properties\":{\"score\":{\"type\":\"integer\","
                        "\"minimum\":1,\"maximum\":5},\"reason\":{\"type\":\"string\","
                        "\"description\":\"why\"}},\"required\":[\"score\",\"reason\"]}"));
    CHECK(json_object_get(b, "tools") == NULL);
    CHECK(json_object_get(b, "toolConfig") == NULL);
    check_key_only_in_secret(&h);
    json_decref(b);
    llm_http_clear(&h);
}

TEST(gemini_build_tool) {
    as_llm_model m = model_of(AS_LLM_GEMINI, "gemini-2.0-flash", "", KEY);
    as_llm_request req = request(&m, AS_LLM_ANSWER_TOOL);
    llm_http h;
    as_err e;
    CHECK_INT(llm_gemini.build(&req, &h, &e), AS_OK);
    json_t *b = body_of(&h);
    json_t *fd = at(b, "tools.0.functionDeclarations");
    CHECK_INT(json_array_size(json_object_get(b, "tools")), 1);
    CHECK_INT(json_array_size(fd), 1);
    CHECK_STR(sat(fd, "0.name"), "grade");
    CHECK_STR(sat(fd, "0.description"), "Record the grade.");
    json_t *params = at(fd, "0.parameters");
    CHECK(json_is_object(params));
    CHECK(json_object_get(params, "additionalProperties") == NULL);
    CHECK(json_object_get(params, "$schema") == NULL);
    CHECK_STR(sat(params, "properties.score.type"), "integer");
    json_t *fcc = at(b, "toolConfig.functionCallingConfig");
    CHECK_STR(str_at(fcc, "mode"), "ANY");
    CHECK_INT(json_array_size(json_object_get(fcc, "allowedFunctionNames")), 1);
    CHECK_STR(sat(fcc, "allowedFunctionNames.0"), "grade");
    json_t *gc = json_object_get(b, "generationConfig");
    CHECK(json_object_get(gc, "responseSchema") == NULL);
    CHECK(json_object_get(gc, "responseMimeType") == NULL);
    json_decref(b);
    llm_http_clear(&h);
}

/* The schema as Gemini gets it, through a JSON-answer build. */
static json_t *gemini_schema_of(const char *schema, as_rc want_rc, as_err *e) {
    as_llm_model m = model_of(AS_LLM_GEMINI, "gemini-2.0-flash", "", KEY);
    as_llm_request req = request(&m, AS_LLM_ANSWER_JSON);
    req.schema_json = schema;
    llm_http h;
    as_rc rc = llm_gemini.build(&req, &h, e);
    CHECK_INT(rc, want_rc);
    if (rc != AS_OK) return NULL;
    json_t *b = body_of(&h);
    json_t *s = json_incref(at(b, "generationConfig.responseSchema"));
    json_decref(b);
    llm_http_clear(&h);
    return s;
}

TEST(gemini_schema_dialect) {
    as_err e;
    /* Field names under "properties" are the caller's, whatever they are. */
    json_t *s = gemini_schema_of(
        "{\"type\":\"object\",\"$id\":\"x\",\"$comment\":\"c\",\"properties\":{"
        "\"additionalProperties\":{\"type\":\"string\",\"examples\":[\"a\"]},"
        "\"$schema\":{\"type\":\"number\",\"exclusiveMinimum\":0,\"multipleOf\":2}},"
        "\"additionalProperties\":{\"type\":\"string\"},\"patternProperties\":{}}",
        AS_OK, &e);
    CHECK(equal_to_text(s, "{\"type\":\"object\",\"properties\":{"
                           "\"additionalProperties\":{\"type\":\"string\"},"
                           "\"$schema\":{\"type\":\"number\"}}}"));
    json_decref(s);

    /* Nullable types, Optional[X] from pydantic, oneOf, allOf, const,
     * format, nested arrays, local $ref. */
    s = gemini_schema_of(
        "{\"$defs\":{\"Item\":{\"type\":\"object\",\"additionalProperties\":false,"
        "\"properties\":{\"n\":{\"type\":\"integer\",\"format\":\"int64\"}}}},"
        "\"type\":\"object\",\"properties\":{"
        "\"a\":{\"type\":[\"string\",\"null\"]},"
        "\"b\":{\"anyOf\":[{\"type\":\"integer\"},{\"type\":\"null\"}],\"title\":\"B\"},"
        "\"c\":{\"oneOf\":[{\"type\":\"string\"},{\"type\":\"number\"}]},"
        "\"d\":{\"allOf\":[{\"$ref\":\"#/$defs/Item\"}],\"description\":\"an item\"},"
        "\"e\":{\"const\":\"fixed\",\"type\":\"string\"},"
        "\"f\":{\"type\":\"string\",\"format\":\"email\"},"
        "\"g\":{\"type\":\"string\",\"format\":\"date-time\"},"
        "\"h\":{\"type\":\"array\",\"items\":{\"$ref\":\"#/$defs/Item\"},\"minItems\":1,"
        "\"uniqueItems\":true},"
        "\"i\":{\"type\":\"string\",\"enum\":[\"x\",\"y\"]},"
        "\"j\":{\"anyOf\":[{\"type\":\"null\"}]}},"
        "\"required\":[\"a\"]}",
        AS_OK, &e);
    CHECK(s != NULL);
    CHECK(equal_to_text(at(s, "properties.a"), "{\"type\":\"string\",\"nullable\":true}"));
    CHECK(equal_to_text(at(s, "properties.b"),
                        "{\"nullable\":true,\"type\":\"integer\",\"title\":\"B\"}"));
    CHECK(equal_to_text(at(s, "properties.c"),
                        "{\"anyOf\":[{\"type\":\"string\"},{\"type\":\"number\"}]}"));
    CHECK(equal_to_text(at(s, "properties.d"),
                        "{\"type\":\"object\",\"properties\":{\"n\":{\"type\":\"integer\","
                        "\"format\":\"int64\"}},\"description\":\"an item\"}"));
    CHECK(equal_to_text(at(s, "properties.e"), "{\"enum\":[\"fixed\"],\"type\":\"string\"}"));
    CHECK(equal_to_text(at(s, "properties.f"), "{\"type\":\"string\"}"));
    CHECK(equal_to_text(at(s, "properties.g"),
                        "{\"type\":\"string\",\"format\":\"date-time\"}"));
    CHECK(equal_to_text(at(s, "properties.h"),
                        "{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":"
                        "{\"n\":{\"type\":\"integer\",\"format\":\"int64\"}}},\"minItems\":1}"));
    CHECK(equal_to_text(at(s, "properties.i"),
                        "{\"type\":\"string\",\"enum\":[\"x\",\"y\"]}"));
    CHECK(equal_to_text(at(s, "properties.j"), "{\"nullable\":true}"));
    CHECK(json_object_get(s, "$defs") == NULL);
    CHECK(equal_to_text(json_object_get(s, "required"), "[\"a\"]"));
    json_decref(s);

    /* References Gemini cannot take. */
    CHECK(gemini_schema_of("{\"type\":\"object\",\"properties\":{\"x\":{\"$ref\":"
                           "\"#/$defs/Missing\"}}}", AS_EINVAL, &e) == NULL);
    CHECK_STR(e.msg, "gemini request: schema $ref \"#/$defs/Missing\" cannot be resolved "
              "(only local #/... references can)");
    CHECK(gemini_schema_of("{\"type\":\"object\",\"properties\":{\"x\":{\"$ref\":"
                           "\"https://example.com/s.json\"}}}", AS_EINVAL, &e) == NULL);
    CHECK(strstr(e.msg, "cannot be resolved") != NULL);
    CHECK(gemini_schema_of("{\"$defs\":{\"Node\":{\"type\":\"object\",\"properties\":"
                           "{\"next\":{\"$ref\":\"#/$defs/Node\"}}}},\"$ref\":\"#/$defs/Node\"}",
                           AS_EINVAL, &e) == NULL);
    CHECK_STR(e.msg, "gemini request: the schema nests deeper than 64 levels (a recursive "
              "$ref?)");
    CHECK(gemini_schema_of("{\"type\":\"object\",\"properties\":{\"x\":3}}", AS_EINVAL,
                           &e) == NULL);
    CHECK_STR(e.msg, "gemini request: schema_json holds a subschema that is not an object");
    /* JSON pointer escapes: ~1 is '/', ~0 is '~'. */
    s = gemini_schema_of("{\"definitions\":{\"a/b~c\":{\"type\":\"boolean\"}},"
                         "\"type\":\"object\",\"properties\":{\"x\":{\"$ref\":"
                         "\"#/definitions/a~1b~0c\"}}}", AS_OK, &e);
    CHECK(equal_to_text(at(s, "properties.x"), "{\"type\":\"boolean\"}"));
    json_decref(s);
}

/* ---- every provider, every mode ------------------------------------------ */

TEST(build_deterministic_and_key_private) {
    const llm_provider *all[] = { &llm_openai, &llm_azure, &llm_anthropic, &llm_gemini };
    const char *bases[] = { "https://api.openai.com/v1", "https://r.openai.azure.com",
                            "https://api.anthropic.com",
                            "https://generativelanguage.googleapis.com" };
    const as_llm_answer modes[] = { AS_LLM_ANSWER_TEXT, AS_LLM_ANSWER_TOOL, AS_LLM_ANSWER_JSON };
    for (size_t p = 0; p < AS_ARRAY_LEN(all); p++) {
        as_llm_model m = model_of((as_llm_kind)p, "some-model", bases[p], KEY);
        for (size_t i = 0; i < 3; i++) {
            as_llm_request req = request(&m, modes[i]);
            req.msgs = chat5;
            req.n_msgs = AS_ARRAY_LEN(chat5);
            req.temperature = 0.7;
            req.max_tokens = 64;
            llm_http h1, h2;
            CHECK_INT(all[p]->build(&req, &h1, NULL), AS_OK);
            CHECK_INT(all[p]->build(&req, &h2, NULL), AS_OK);
            CHECK_STR(h1.url, h2.url);
            CHECK_INT(h1.body.len, h2.body.len);
            CHECK(h1.body.len > 0 && memcmp(h1.body.data, h2.body.data, h1.body.len) == 0);
            CHECK_INT(h1.n_headers, h2.n_headers);
            for (int k = 0; k < h1.n_headers; k++) CHECK_STR(h1.headers[k], h2.headers[k]);
            check_key_only_in_secret(&h1);
            /* Compact: no space or newline outside strings in the body. */
            CHECK(strstr(h1.body.data, "\": ") == NULL && strchr(h1.body.data, '\n') == NULL);
            json_t *b = body_of(&h1);
            CHECK(json_is_object(b));
            json_decref(b);
            llm_http_clear(&h1);
            llm_http_clear(&h2);
        }
    }
}

/* ---- OpenAI responses ---------------------------------------------------- */

static const char OA_TEXT[] =
    "{\n  \"id\": \"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT\",\n  \"object\": \"chat.completion\",\n"
    "  \"created\": 1741569952,\n  \"model\": \"gpt-4o-mini-2024-07-18\",\n  \"choices\": [\n"
    "    {\n      \"index\": 0,\n      \"message\": {\n        \"role\": \"assistant\",\n"
    "        \"content\": \"Yes: 2 + 2 = 4.\\nThat is \\\"correct\\\".\",\n"
    "        \"refusal\": null,\n        \"annotations\": []\n      },\n"
    "      \"logprobs\": null,\n      \"finish_reason\": \"stop\"\n    }\n  ],\n"
    "  \"usage\": {\n    \"prompt_tokens\": 19,\n    \"completion_tokens\": 10,\n"
    "    \"total_tokens\": 29,\n    \"prompt_tokens_details\": {\"cached_tokens\": 0},\n"
    "    \"completion_tokens_details\": {\"reasoning_tokens\": 0}\n  },\n"
    "  \"service_tier\": \"default\",\n  \"system_fingerprint\": \"fp_06737a9306\"\n}\n";

static as_rc parse_str(const llm_provider *p, const char *body, as_llm_answer a,
                       as_llm_response *r, as_err *e) {
    return p->parse(body, strlen(body), a, r, e);
}

TEST(openai_parse_text) {
    as_llm_response r;
    as_err e;
    CHECK_INT(parse_str(&llm_openai, OA_TEXT, AS_LLM_ANSWER_TEXT, &r, &e), AS_OK);
    CHECK_STR(r.text, "Yes: 2 + 2 = 4.\nThat is \"correct\".");
    CHECK(r.structured == NULL);
    CHECK_STR(r.finish_reason, "stop");
    CHECK_INT(r.prompt_tokens, 19);
    CHECK_INT(r.completion_tokens, 10);
    CHECK_INT(r.total_tokens, 29);
    CHECK_STR(r.raw, OA_TEXT);
    as_llm_response_clear(&r);
    /* Azure answers in the same shape. */
    CHECK_INT(parse_str(&llm_azure, OA_TEXT, AS_LLM_ANSWER_TEXT, &r, &e), AS_OK);
    CHECK_STR(r.text, "Yes: 2 + 2 = 4.\nThat is \"correct\".");
    CHECK_INT(r.total_tokens, 29);
    as_llm_response_clear(&r);
}

TEST(openai_parse_tool_call) {
    const char *body =
        "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"model\":\"gpt-4o\","
        "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":null,"
        "\"tool_calls\":[{\"id\":\"call_abc\",\"type\":\"function\",\"function\":{"
        "\"name\":\"grade\",\"arguments\":\"{\\\"score\\\": 4, \\\"reason\\\": \\\"fine\\\"}\"}},"
        "{\"id\":\"call_def\",\"type\":\"function\",\"function\":{\"name\":\"grade\","
        "\"arguments\":\"{\\\"score\\\": 1}\"}}],\"refusal\":null},\"logprobs\":null,"
        "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":70,"
        "\"completion_tokens\":12,\"total_tokens\":82}}";
    as_llm_response r;
    as_err e;
    CHECK_INT(parse_str(&llm_openai, body, AS_LLM_ANSWER_TOOL, &r, &e), AS_OK);
    CHECK_STR(r.structured, "{\"score\": 4, \"reason\": \"fine\"}");   /* the first call */
    CHECK(r.text == NULL);
    CHECK_STR(r.finish_reason, "stop");
    CHECK_INT(r.prompt_tokens, 70);
    CHECK_INT(r.completion_tokens, 12);
    CHECK_INT(r.total_tokens, 82);
    as_llm_response_clear(&r);
}

TEST(openai_parse_tool_arguments_not_json) {
    as_llm_response r;
    as_err e;
    /* Cut-off arguments (finish_reason length): kept as text to snap. */
    const char *cut =
        "{\"choices\":[{\"message\":{\"role\":\"assistant\",\"content\":null,\"tool_calls\":"
        "[{\"type\":\"function\",\"function\":{\"name\":\"grade\",\"arguments\":"
        "\"{\\\"score\\\": 4, \\\"reas\"}}]},\"finish_reason\":\"length\"}]}";
    CHECK_INT(parse_str(&llm_openai, cut, AS_LLM_ANSWER_TOOL, &r, &e), AS_OK);
    CHECK(r.structured == NULL);
    CHECK_STR(r.text, "{\"score\": 4, \"reas");
    CHECK_STR(r.finish_reason, "length");
    CHECK_INT(r.prompt_tokens, -1);
    CHECK_INT(r.completion_tokens, -1);
    CHECK_INT(r.total_tokens, -1);
    as_llm_response_clear(&r);

    /* JSON, but not an object. */
    const char *arr =
        "{\"choices\":[{\"message\":{\"content\":\"Here:\",\"tool_calls\":"
        "[{\"function\":{\"name\":\"grade\",\"arguments\":\"[4, \\\"fine\\\"]\"}}]},"
        "\"finish_reason\":\"tool_calls\"}]}";
    CHECK_INT(parse_str(&llm_openai, arr, AS_LLM_ANSWER_TOOL, &r, &e), AS_OK);
    CHECK(r.structured == NULL);
    CHECK_STR(r.text, "Here:\n\n[4, \"fine\"]");
    as_llm_response_clear(&r);

    /* Some compatible servers send the arguments as an object. */
    const char *obj =
        "{\"choices\":[{\"message\":{\"content\":\"\",\"tool_calls\":"
        "[{\"function\":{\"name\":\"grade\",\"arguments\":{\"score\": 3, \"x\": [1.5, null]}}}]},"
        "\"finish_reason\":\"tool_calls\"}]}";
    CHECK_INT(parse_str(&llm_openai, obj, AS_LLM_ANSWER_TOOL, &r, &e), AS_OK);
    CHECK_STR(r.structured, "{\"score\":3,\"x\":[1.5,null]}");
    CHECK_STR(r.text, "");
    as_llm_response_clear(&r);

    /* A call without arguments is not an answer. */
    const char *none =
        "{\"choices\":[{\"message\":{\"content\":null,\"tool_calls\":"
        "[{\"function\":{\"name\":\"grade\"}}]},\"finish_reason\":\"tool_calls\"}]}";
    CHECK_INT(parse_str(&llm_openai, none, AS_LLM_ANSWER_TOOL, &r, &e), AS_EINVAL);
    CHECK_STR(e.msg, "openai response: no choices[0].message.tool_calls[0].function.arguments");
    CHECK(r.text == NULL && r.structured == NULL && r.raw == NULL);
}

TEST(openai_parse_json_answer) {
    as_llm_response r;
    as_err e;
    const char *body =
        "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":"
        "\"{\\\"score\\\":5,\\\"reason\\\":\\\"exact\\\"}\",\"refusal\":null},"
        "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":100,"
        "\"completion_tokens\":9}}";
    CHECK_INT(parse_str(&llm_openai, body, AS_LLM_ANSWER_JSON, &r, &e), AS_OK);
    CHECK_STR(r.text, "{\"score\":5,\"reason\":\"exact\"}");
    CHECK_STR(r.structured, "{\"score\":5,\"reason\":\"exact\"}");
    CHECK_INT(r.prompt_tokens, 100);
    CHECK_INT(r.completion_tokens, 9);
    CHECK_INT(r.total_tokens, 109);       /* no total_tokens: the sum */
    as_llm_response_clear(&r);
    /* The same body for a text answer: no structured part. */
    CHECK_INT(parse_str(&llm_openai, body, AS_LLM_ANSWER_TEXT, &r, &e), AS_OK);
    CHECK(r.structured == NULL);
    CHECK_STR(r.text, "{\"score\":5,\"reason\":\"exact\"}");
    as_llm_response_clear(&r);
    /* A JSON answer that is not JSON: text only. */
    const char *prose =
        "{\"choices\":[{\"message\":{\"content\":\"Score: 5\"},\"finish_reason\":\"stop\"}],"
        "\"usage\":{\"prompt_tokens\":3}}";
    CHECK_INT(parse_str(&llm_openai, prose, AS_LLM_ANSWER_JSON, &r, &e), AS_OK);
    CHECK_STR(r.text, "Score: 5");
    CHECK(r.structured == NULL);
    CHECK_INT(r.prompt_tokens, 3);
    CHECK_INT(r.completion_tokens, -1);
    CHECK_INT(r.total_tokens, -1);
    as_llm_response_clear(&r);
    /* A refusal comes instead of the content. */
    const char *refusal =
        "{\"choices\":[{\"message\":{\"role\":\"assistant\",\"content\":null,"
        "\"refusal\":\"I'm sorry, I can't help with that.\"},\"finish_reason\":\"stop\"}]}";
    CHECK_INT(parse_str(&llm_openai, refusal, AS_LLM_ANSWER_JSON, &r, &e), AS_OK);
    CHECK_STR(r.text, "I'm sorry, I can't help with that.");
    CHECK(r.structured == NULL);
    as_llm_response_clear(&r);
}

TEST(openai_parse_variants) {
    as_llm_response r;
    as_err e;
    /* Content as a list of parts; a NUL escape inside; null usage fields. */
    const char *parts =
        "{\"choices\":[{\"message\":{\"content\":[{\"type\":\"text\",\"text\":\"ab\"},"
        "{\"type\":\"image\"},{\"type\":\"text\",\"text\":\"c\\u0000d\"}]},"
        "\"finish_reason\":null}],\"usage\":{\"prompt_tokens\":null,"
        "\"completion_tokens\":2.5,\"total_tokens\":-4}}";
    CHECK_INT(parse_str(&llm_openai, parts, AS_LLM_ANSWER_TEXT, &r, &e), AS_OK);
    CHECK_STR(r.text, "abcd");
    CHECK(r.finish_reason == NULL);
    CHECK_INT(r.prompt_tokens, -1);
    CHECK_INT(r.completion_tokens, -1);
    CHECK_INT(r.total_tokens, -1);
    as_llm_response_clear(&r);
    /* The old response is overwritten, not freed: parse into a fresh one. */
    const char *empty = "{\"choices\":[{\"message\":{\"content\":\"\"},\"finish_reason\":\"stop\"}]}";
    CHECK_INT(parse_str(&llm_openai, empty, AS_LLM_ANSWER_TEXT, &r, &e), AS_OK);
    CHECK_STR(r.text, "");
    as_llm_response_clear(&r);
}

TEST(openai_parse_errors) {
    as_llm_response r;
    as_err e;
    struct { const char *body, *msg; } cases[] = {
        { "{\"object\":\"chat.completion\",\"choices\":[]}", "openai response: no choices[0]" },
        { "{\"object\":\"chat.completion\"}", "openai response: no choices" },
        { "{\"choices\":{}}", "openai response: no choices" },
        { "{\"choices\":[null]}", "openai response: no choices[0]" },
        { "{\"choices\":[{\"index\":0,\"finish_reason\":\"stop\"}]}",
          "openai response: no choices[0].message" },
        { "{\"choices\":[{\"message\":{\"role\":\"assistant\",\"content\":null},"
          "\"finish_reason\":\"content_filter\"}]}",
          "openai response: no choices[0].message.content (finish_reason content_filter)" },
        { "{\"choices\":[{\"message\":{\"role\":\"assistant\"}}]}",
          "openai response: no choices[0].message.content" },
        { "{\"error\":{\"message\":\"The server had an error\",\"type\":\"server_error\"}}",
          "openai response: error: The server had an error" },
        { "[{\"choices\":[]}]", "openai response: not a JSON object" },
        { "", "openai response: not JSON at line 1 column 1: unexpected end of text" },
        { "<html>502</html>", "openai response: not JSON at line 1 column 1: unexpected "
                              "character" },
    };
    for (size_t i = 0; i < AS_ARRAY_LEN(cases); i++) {
        CHECK_INT(parse_str(&llm_openai, cases[i].body, AS_LLM_ANSWER_TEXT, &r, &e), AS_EINVAL);
        CHECK_STR(e.msg, cases[i].msg);
        CHECK(r.text == NULL && r.structured == NULL && r.raw == NULL && r.finish_reason == NULL);
        CHECK_INT(r.total_tokens, -1);
    }
    /* Truncated in the middle (a dropped connection). */
    size_t half = strlen(OA_TEXT) / 2;
    CHECK_INT(llm_openai.parse(OA_TEXT, half, AS_LLM_ANSWER_TEXT, &r, &e), AS_EINVAL);
    CHECK(strncmp(e.msg, "openai response: not JSON at line ", 34) == 0);
    CHECK(strstr(e.msg, "column") != NULL);
    CHECK_INT(llm_azure.parse(OA_TEXT, half, AS_LLM_ANSWER_TEXT, &r, &e), AS_EINVAL);
    CHECK(strncmp(e.msg, "azure response: not JSON at line ", 33) == 0);
    /* Over the cap: refused before it is read. */
    CHECK_INT(llm_openai.parse(OA_TEXT, (size_t)LLM_RESP_MAX + 1, AS_LLM_ANSWER_TEXT, &r, &e),
              AS_ETOOBIG);
    CHECK_STR(e.msg, "openai response: 16777217 bytes is over the 16777216-byte limit");
    CHECK_INT(llm_openai.parse(NULL, 0, AS_LLM_ANSWER_TEXT, &r, &e), AS_EINVAL);
}

/* ---- Anthropic responses ------------------------------------------------- */

TEST(anthropic_parse_text) {
    const char *body =
        "{\"id\":\"msg_01XFDUDYJgAACzvnptvVoYEL\",\"type\":\"message\",\"role\":\"assistant\","
        "\"model\":\"claude-sonnet-4-5-20250929\",\"content\":[{\"type\":\"text\","
        "\"text\":\"Hello\"},{\"type\":\"text\",\"text\":\", world\\n\"}],"
        "\"stop_reason\":\"end_turn\",\"stop_sequence\":null,\"usage\":{\"input_tokens\":12,"
        "\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0,"
        "\"output_tokens\":6,\"service_tier\":\"standard\"}}";
    as_llm_response r;
    as_err e;
    CHECK_INT(parse_str(&llm_anthropic, body, AS_LLM_ANSWER_TEXT, &r, &e), AS_OK);
    CHECK_STR(r.text, "Hello, world\n");
    CHECK(r.structured == NULL);
    CHECK_STR(r.finish_reason, "end_turn");
    CHECK_INT(r.prompt_tokens, 12);
    CHECK_INT(r.completion_tokens, 6);
    CHECK_INT(r.total_tokens, 18);
    CHECK_STR(r.raw, body);
    as_llm_response_clear(&r);
}

TEST(anthropic_parse_tool_use) {
    const char *body =
        "{\"id\":\"msg_01\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude\","
        "\"content\":[{\"type\":\"thinking\",\"thinking\":\"hmm\",\"signature\":\"x\"},"
        "{\"type\":\"text\",\"text\":\"Grading.\"},"
        "{\"type\":\"tool_use\",\"id\":\"toolu_01A09q90qw90lq917835lq9\",\"name\":\"grade\","
        "\"input\": {\"score\": 4, \"reason\": \"fine \\\"enough\\\"\", \"sub\": {\"a\": "
        "[1, 2.5, 0.1, true, null, -3e-8]}}},"
        "{\"type\":\"tool_use\",\"id\":\"toolu_02\",\"name\":\"grade\",\"input\":{\"score\":1}}],"
        "\"stop_reason\":\"tool_use\",\"stop_sequence\":null,"
        "\"usage\":{\"input_tokens\":10,\"cache_creation_input_tokens\":5,"
        "\"cache_read_input_tokens\":20,\"output_tokens\":3}}";
    const as_llm_answer modes[] = { AS_LLM_ANSWER_TOOL, AS_LLM_ANSWER_JSON };
    for (size_t i = 0; i < 2; i++) {
        as_llm_response r;
        as_err e;
        CHECK_INT(parse_str(&llm_anthropic, body, modes[i], &r, &e), AS_OK);
        /* Compact, keys in order, numbers as they were meant. */
        CHECK_STR(r.structured, "{\"score\":4,\"reason\":\"fine \\\"enough\\\"\",\"sub\":"
                  "{\"a\":[1,2.5,0.1,true,null,-3e-08]}}");
        CHECK_STR(r.text, "Grading.");          /* thinking is not the answer */
        CHECK_STR(r.finish_reason, "tool_use");
        CHECK_INT(r.prompt_tokens, 35);          /* with the prompt cache's tokens */
        CHECK_INT(r.completion_tokens, 3);
        CHECK_INT(r.total_tokens, 38);
        as_llm_response_clear(&r);
    }
}

TEST(anthropic_parse_variants) {
    as_llm_response r;
    as_err e;
    /* An empty answer is an answer. */
    const char *empty = "{\"type\":\"message\",\"content\":[],\"stop_reason\":\"end_turn\"}";
    CHECK_INT(parse_str(&llm_anthropic, empty, AS_LLM_ANSWER_TEXT, &r, &e), AS_OK);
    CHECK(r.text == NULL && r.structured == NULL);
    CHECK_STR(r.finish_reason, "end_turn");
    CHECK_INT(r.prompt_tokens, -1);
    CHECK_INT(r.total_tokens, -1);
    as_llm_response_clear(&r);
    /* A JSON answer that came as text instead of a tool call. */
    const char *text_json =
        "{\"content\":[{\"type\":\"text\",\"text\":\" {\\\"score\\\": 2} \"}],"
        "\"stop_reason\":\"max_tokens\",\"usage\":{\"output_tokens\":7}}";
    CHECK_INT(parse_str(&llm_anthropic, text_json, AS_LLM_ANSWER_JSON, &r, &e), AS_OK);
    CHECK_STR(r.structured, " {\"score\": 2} ");
    CHECK_STR(r.finish_reason, "max_tokens");
    CHECK_INT(r.prompt_tokens, -1);
    CHECK_INT(r.completion_tokens, 7);
    CHECK_INT(r.total_tokens, -1);
    as_llm_response_clear(&r);
    CHECK_INT(parse_str(&llm_anthropic, text_json, AS_LLM_ANSWER_TOOL, &r, &e), AS_OK);
    CHECK(r.structured == NULL);
    as_llm_response_clear(&r);
    /* A tool_use with empty input. */
    const char *noargs =
        "{\"content\":[{\"type\":\"tool_use\",\"id\":\"t\",\"name\":\"grade\",\"input\":{}}],"
        "\"stop_reason\":\"tool_use\"}";
    CHECK_INT(parse_str(&llm_anthropic, noargs, AS_LLM_ANSWER_TOOL, &r, &e), AS_OK);
    CHECK_STR(r.structured, "{}");
    CHECK(r.text == NULL);
    as_llm_response_clear(&r);
}

TEST(anthropic_parse_errors) {
    as_llm_response r;
    as_err e;
    struct { const char *body, *msg; } cases[] = {
        { "{\"type\":\"message\",\"role\":\"assistant\"}", "anthropic response: no content" },
        { "{\"content\":\"hi\"}", "anthropic response: no content" },
        { "{\"content\":[{\"type\":\"text\",\"text\":\"a\"},{\"type\":\"text\"}]}",
          "anthropic response: no content[1].text" },
        { "{\"content\":[{\"text\":\"a\"}]}", "anthropic response: no content[0].type" },
        { "{\"content\":[{\"type\":\"tool_use\",\"name\":\"g\",\"input\":\"{}\"}]}",
          "anthropic response: no content[0].input" },
        { "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\","
          "\"message\":\"Overloaded\"}}", "anthropic response: error: Overloaded" },
        { "{\"id\":\"msg_01\",\"type\" \"message\"}",
          "anthropic response: not JSON at line 1 column 23: ':' expected" },
        { "{\"content\":[]}}", "anthropic response: not JSON at line 1 column 15: text after "
                               "the JSON value" },
    };
    for (size_t i = 0; i < AS_ARRAY_LEN(cases); i++) {
        CHECK_INT(parse_str(&llm_anthropic, cases[i].body, AS_LLM_ANSWER_TOOL, &r, &e),
                  AS_EINVAL);
        CHECK_STR(e.msg, cases[i].msg);
        CHECK(r.text == NULL && r.structured == NULL && r.raw == NULL);
    }
    const char *full = "{\"content\":[{\"type\":\"text\",\"text\":\"Hello\"}],\"stop_reason\":"
                       "\"end_turn\"}";
    CHECK_INT(llm_anthropic.parse(full, 20, AS_LLM_ANSWER_TEXT, &r, &e), AS_EINVAL);
    CHECK(strncmp(e.msg, "anthropic response: not JSON at line 1 column ", 46) == 0);
}

/* ---- Gemini responses ---------------------------------------------------- */

TEST(gemini_parse_text) {
    const char *body =
        "{\n  \"candidates\": [\n    {\n      \"content\": {\n        \"parts\": [\n"
        "          {\"text\": \"Hel\"},\n          {\"text\": \"lo\\n\"}\n        ],\n"
        "        \"role\": \"model\"\n      },\n      \"finishReason\": \"STOP\",\n"
        "      \"avgLogprobs\": -0.12\n    }\n  ],\n  \"usageMetadata\": {\n"
        "    \"promptTokenCount\": 8,\n    \"candidatesTokenCount\": 2,\n"
        "    \"totalTokenCount\": 10,\n    \"promptTokensDetails\": [{\"modality\": \"TEXT\", "
        "\"tokenCount\": 8}]\n  },\n  \"modelVersion\": \"gemini-2.0-flash\",\n"
        "  \"responseId\": \"abc\"\n}\n";
    as_llm_response r;
    as_err e;
    CHECK_INT(parse_str(&llm_gemini, body, AS_LLM_ANSWER_TEXT, &r, &e), AS_OK);
    CHECK_STR(r.text, "Hello\n");
    CHECK(r.structured == NULL);
    CHECK_STR(r.finish_reason, "STOP");
    CHECK_INT(r.prompt_tokens, 8);
    CHECK_INT(r.completion_tokens, 2);
    CHECK_INT(r.total_tokens, 10);
    CHECK_STR(r.raw, body);
    as_llm_response_clear(&r);
}

TEST(gemini_parse_function_call) {
    const char *body =
        "{\"candidates\":[{\"content\":{\"parts\":[{\"functionCall\":{\"name\":\"grade\","
        "\"args\":{\"reason\":\"ok\",\"score\":5}}},{\"functionCall\":{\"name\":\"grade\","
        "\"args\":{\"score\":1}}}],\"role\":\"model\"},\"finishReason\":\"STOP\"}],"
        "\"usageMetadata\":{\"promptTokenCount\":40,\"candidatesTokenCount\":5,"
        "\"totalTokenCount\":45}}";
    as_llm_response r;
    as_err e;
    CHECK_INT(parse_str(&llm_gemini, body, AS_LLM_ANSWER_TOOL, &r, &e), AS_OK);
    CHECK_STR(r.structured, "{\"reason\":\"ok\",\"score\":5}");
    CHECK(r.text == NULL);
    CHECK_STR(r.finish_reason, "STOP");
    CHECK_INT(r.total_tokens, 45);
    as_llm_response_clear(&r);
    /* A call without args: an empty object. */
    const char *noargs =
        "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"ok \"},"
        "{\"functionCall\":{\"name\":\"grade\"}}]},\"finishReason\":\"STOP\"}]}";
    CHECK_INT(parse_str(&llm_gemini, noargs, AS_LLM_ANSWER_TOOL, &r, &e), AS_OK);
    CHECK_STR(r.structured, "{}");
    CHECK_STR(r.text, "ok ");
    CHECK_INT(r.prompt_tokens, -1);
    CHECK_INT(r.completion_tokens, -1);
    CHECK_INT(r.total_tokens, -1);
    as_llm_response_clear(&r);
}

TEST(gemini_parse_json_and_thinking) {
    const char *body =
        "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"Let me think\",\"thought\":true},"
        "{\"text\":\"{\\\"score\\\": 3,\"},{\"text\":\" \\\"reason\\\": \\\"meh\\\"}\"}],"
        "\"role\":\"model\"},\"finishReason\":\"STOP\",\"index\":0}],"
        "\"usageMetadata\":{\"promptTokenCount\":20,\"candidatesTokenCount\":11,"
        "\"thoughtsTokenCount\":100,\"totalTokenCount\":131}}";
    as_llm_response r;
    as_err e;
    CHECK_INT(parse_str(&llm_gemini, body, AS_LLM_ANSWER_JSON, &r, &e), AS_OK);
    CHECK_STR(r.text, "{\"score\": 3, \"reason\": \"meh\"}");
    CHECK_STR(r.structured, "{\"score\": 3, \"reason\": \"meh\"}");
    CHECK_INT(r.prompt_tokens, 20);
    CHECK_INT(r.completion_tokens, 111);     /* thinking is billed as output */
    CHECK_INT(r.total_tokens, 131);
    as_llm_response_clear(&r);
    CHECK_INT(parse_str(&llm_gemini, body, AS_LLM_ANSWER_TEXT, &r, &e), AS_OK);
    CHECK(r.structured == NULL);
    as_llm_response_clear(&r);
    /* Zero counts are left out of the usage (proto3 JSON). */
    const char *zero =
        "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"\"}],\"role\":\"model\"},"
        "\"finishReason\":\"STOP\"}],\"usageMetadata\":{\"promptTokenCount\":4}}";
    CHECK_INT(parse_str(&llm_gemini, zero, AS_LLM_ANSWER_JSON, &r, &e), AS_OK);
    CHECK_STR(r.text, "");
    CHECK(r.structured == NULL);
    CHECK_INT(r.prompt_tokens, 4);
    CHECK_INT(r.completion_tokens, 0);
    CHECK_INT(r.total_tokens, 4);
    as_llm_response_clear(&r);
}

TEST(gemini_parse_errors) {
    as_llm_response r;
    as_err e;
    /* A blocked prompt or answer is unprocessable (asking again gets the
     * same refusal); anything else is malformed (worth a retry). */
    struct { const char *body, *msg; as_rc rc; } cases[] = {
        { "{\"promptFeedback\":{\"blockReason\":\"SAFETY\",\"safetyRatings\":[{\"category\":"
          "\"HARM_CATEGORY_DANGEROUS_CONTENT\",\"probability\":\"HIGH\"}]},\"usageMetadata\":"
          "{\"promptTokenCount\":9,\"totalTokenCount\":9},\"modelVersion\":\"gemini-2.0-flash\"}",
          "gemini response: blocked (SAFETY)", AS_EUNPROCESSABLE },
        { "{\"candidates\":[],\"promptFeedback\":{\"blockReason\":\"PROHIBITED_CONTENT\"}}",
          "gemini response: blocked (PROHIBITED_CONTENT)", AS_EUNPROCESSABLE },
        { "{\"usageMetadata\":{\"promptTokenCount\":9}}", "gemini response: no candidates[0]",
          AS_EINVAL },
        { "{\"candidates\":[{\"finishReason\":\"SAFETY\",\"index\":0,\"safetyRatings\":[]}]}",
          "gemini response: no candidates[0].content (finishReason SAFETY)",
          AS_EUNPROCESSABLE },
        { "{\"candidates\":[{\"content\":{\"parts\":[],\"role\":\"model\"},\"finishReason\":"
          "\"PROHIBITED_CONTENT\"}]}", "gemini response: nothing in candidates[0].content.parts "
          "(finishReason PROHIBITED_CONTENT)", AS_EUNPROCESSABLE },
        { "{\"candidates\":[{\"content\":{\"role\":\"model\"},\"finishReason\":\"MAX_TOKENS\"}]}",
          "gemini response: no candidates[0].content.parts (finishReason MAX_TOKENS)",
          AS_EINVAL },
        { "{\"candidates\":[{\"content\":{\"parts\":{}}}]}",
          "gemini response: no candidates[0].content.parts", AS_EINVAL },
        { "{\"candidates\":[{\"content\":{\"parts\":[{\"functionCall\":{\"name\":\"g\","
          "\"args\":[1]}}]}}]}",
          "gemini response: no candidates[0].content.parts[0].functionCall.args",
          AS_EINVAL },
        { "{\"error\":{\"code\":503,\"message\":\"The model is overloaded.\",\"status\":"
          "\"UNAVAILABLE\"}}", "gemini response: error: The model is overloaded.", AS_EINVAL },
        { "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"a\"}]}}]", "gemini response: "
          "not JSON at line 1 column 53: ',' or '}' expected", AS_EINVAL },
    };
    for (size_t i = 0; i < AS_ARRAY_LEN(cases); i++) {
        CHECK_INT(parse_str(&llm_gemini, cases[i].body, AS_LLM_ANSWER_TOOL, &r, &e),
                  cases[i].rc);
        CHECK_STR(e.msg, cases[i].msg);
        CHECK(r.text == NULL && r.structured == NULL && r.raw == NULL);
    }
}

/* Bodies are read as jansson read them: what it refused is not JSON (so
 * that a structured answer always reads back with jansson, as the judge
 * reads it), duplicate keys give their last value, and structured answers
 * that came as objects are written as jansson wrote them. */
TEST(parse_reads_as_jansson) {
    as_llm_response r;
    as_err e;
    struct { const llm_provider *p; const char *body, *msg; } bad[] = {
        { &llm_anthropic, "{\"content\":[{\"type\":\"tool_use\",\"input\":{\"n\":"
          "12345678901234567890}}]}", "anthropic response: not JSON at line 1 column 45: "
          "integer out of range" },
        { &llm_gemini, "{\"candidates\":[{\"content\":{\"parts\":[{\"functionCall\":{\"name\":"
          "\"f\",\"args\":{\"k\\u0000\":1}}}]}}]}", "gemini response: not JSON at line 1 "
          "column 73: \\u0000 in an object key" },
        { &llm_openai, "{\"choices\":[{\"message\":{\"content\":\"x\"}}],\"choices\":null}",
          "openai response: no choices" },
        { &llm_openai, "\"text\"", "openai response: not a JSON object" },
    };
    for (size_t i = 0; i < AS_ARRAY_LEN(bad); i++) {
        CHECK_INT(parse_str(bad[i].p, bad[i].body, AS_LLM_ANSWER_TOOL, &r, &e), AS_EINVAL);
        CHECK_STR(e.msg, bad[i].msg);
        CHECK(r.raw == NULL && r.structured == NULL);
    }
    /* Objects: the first place of a key, its last value; numbers as
     * jansson wrote them; "\u0000" inside strings kept as an escape. */
    const char *an =
        "{\"content\":[{\"type\":\"tool_use\",\"input\":{\"a\":1,\"b\":\"\\u00e9\\/\\u0000\","
        "\"a\":{\"x\":1.0,\"y\":-0,\"z\":[2E1,9223372036854775807]}}}],"
        "\"usage\":{\"input_tokens\":9223372036854775807,\"cache_read_input_tokens\":5,"
        "\"output_tokens\":1}}";
    CHECK_INT(parse_str(&llm_anthropic, an, AS_LLM_ANSWER_TOOL, &r, &e), AS_OK);
    CHECK_STR(r.structured, "{\"a\":{\"x\":1,\"y\":0,\"z\":[2e+01,9223372036854775807]},"
              "\"b\":\"\xc3\xa9/\\u0000\"}");
    CHECK(r.prompt_tokens == INT64_MAX && r.total_tokens == INT64_MAX);  /* no overflow */
    as_llm_response_clear(&r);
    const char *oa = "{\"choices\":[{\"message\":{\"tool_calls\":[{\"function\":{\"arguments\":"
                     "{\"k\":[1,{}],\"k\":\"v\"}}}]}}],\"usage\":{\"total_tokens\":-0}}";
    CHECK_INT(parse_str(&llm_openai, oa, AS_LLM_ANSWER_TOOL, &r, &e), AS_OK);
    CHECK_STR(r.structured, "{\"k\":\"v\"}");
    CHECK_INT(r.total_tokens, 0);
    as_llm_response_clear(&r);
    /* Many keys (a hash table finds the duplicates): 40 keys, then 10
     * of them again. */
    char many[2048], want[2048];
    size_t km = (size_t)sprintf(many, "{\"content\":[{\"type\":\"tool_use\",\"input\":{");
    size_t kw = (size_t)sprintf(want, "{");
    for (int i = 0; i < 40; i++) {
        km += (size_t)sprintf(many + km, "%s\"k%d\":%d", i ? "," : "", i, i);
        kw += (size_t)sprintf(want + kw, "%s\"k%d\":%d", i ? "," : "", i, i % 4 ? i : -i);
    }
    for (int i = 36; i >= 0; i -= 4) km += (size_t)sprintf(many + km, ",\"k%d\":%d", i, -i);
    strcpy(many + km, "}}]}");
    strcpy(want + kw, "}");
    CHECK_INT(parse_str(&llm_anthropic, many, AS_LLM_ANSWER_TOOL, &r, &e), AS_OK);
    CHECK_STR(r.structured, want);
    as_llm_response_clear(&r);
    /* Arguments as text: an object that jansson reads without
     * JSON_ALLOW_NUL, else text. */
    const char *nul_args = "{\"choices\":[{\"message\":{\"tool_calls\":[{\"function\":"
                           "{\"arguments\":\"{\\\"k\\\":\\\"\\\\u0000\\\"}\"}}]}}]}";
    CHECK_INT(parse_str(&llm_openai, nul_args, AS_LLM_ANSWER_TOOL, &r, &e), AS_OK);
    CHECK(r.structured == NULL);
    CHECK_STR(r.text, "{\"k\":\"\\u0000\"}");
    as_llm_response_clear(&r);
    /* Nesting: deep is fine, too deep (past 512 levels) is not JSON. */
    for (size_t depth = 100; depth <= 600; depth += 500) {
        char *body = malloc(2 * depth + 64);
        size_t k = (size_t)sprintf(body, "{\"content\":[],\"x\":");
        for (size_t i = 0; i < depth; i++) body[k++] = '[';
        for (size_t i = 0; i < depth; i++) body[k++] = ']';
        strcpy(body + k, "}");
        as_rc rc = parse_str(&llm_anthropic, body, AS_LLM_ANSWER_TEXT, &r, &e);
        CHECK_INT(rc, depth == 100 ? AS_OK : AS_EINVAL);
        if (rc) CHECK(strstr(e.msg, "anthropic response: not JSON at line 1 column ") &&
                      strstr(e.msg, ": nested too deeply"));
        as_llm_response_clear(&r);
        free(body);
    }
}

/* Messages quote the body: they stay one line of valid UTF-8, and a body
 * with a NUL byte (which jansson lets through after a number) is not
 * JSON.  Found by tests/fuzz/fuzz_llm_wire.c. */
TEST(parse_messages_and_nul_bytes) {
    as_llm_response r;
    as_err e;
    static const char nul[] = "{\"type\":\"message\",\"content\":[],\"usage\":{\"input_tokens\":"
                              "2\0,\"output_tokens\":0}}";
    CHECK_INT(llm_anthropic.parse(nul, sizeof nul - 1, AS_LLM_ANSWER_TEXT, &r, &e), AS_EINVAL);
    CHECK_STR(e.msg, "anthropic response: not JSON: a NUL byte at offset 56");
    CHECK(r.raw == NULL);
    CHECK_INT(parse_str(&llm_openai, "{\"error\":{\"message\":\"line 1\\nline 2\\u007f\"}}",
                        AS_LLM_ANSWER_TEXT, &r, &e), AS_EINVAL);
    CHECK_STR(e.msg, "openai response: error: line 1 line 2 ");
    /* A long message is cut on a character boundary. */
    for (size_t pad = 1; pad <= 3; pad++) {      /* moves where the cut falls */
        char body[1200];
        size_t k = (size_t)snprintf(body, sizeof body, "{\"error\":\"%.*s", (int)pad, "xxx");
        while (k < 1000) k += (size_t)snprintf(body + k, sizeof body - k, "\xe2\x82\xac");
        snprintf(body + k, sizeof body - k, "\"}");
        CHECK_INT(parse_str(&llm_gemini, body, AS_LLM_ANSWER_TEXT, &r, &e), AS_EINVAL);
        CHECK(strncmp(e.msg, "gemini response: error: x", 25) == 0);
        CHECK(as_utf8_valid(e.msg, strlen(e.msg)));
        CHECK(strlen(e.msg) >= AS_ERR_MSG_MAX - 4);
    }
}

/* ---- error bodies --------------------------------------------------------- */

static const char *etext(const llm_provider *p, const char *body, size_t cap) {
    static char out[512];
    memset(out, 'Z', sizeof out);
    p->error_text(body, strlen(body), out, cap);
    return out;
}

TEST(error_text_shapes) {
    CHECK_STR(etext(&llm_openai, "{\n  \"error\": {\n    \"message\": \"Incorrect API key "
                    "provided: sk-abc***xyz. You can find your API key at https://platform."
                    "openai.com/account/api-keys.\",\n    \"type\": \"invalid_request_error\",\n"
                    "    \"param\": null,\n    \"code\": \"invalid_api_key\"\n  }\n}\n", 512),
              "Incorrect API key provided: sk-abc***xyz. You can find your API key at "
              "https://platform.openai.com/account/api-keys.");
    CHECK_STR(etext(&llm_azure, "{\"error\":{\"code\":\"DeploymentNotFound\",\"message\":"
                    "\"The API deployment for this resource does not exist.\"}}", 512),
              "The API deployment for this resource does not exist.");
    CHECK_STR(etext(&llm_anthropic, "{\"type\":\"error\",\"error\":{\"type\":"
                    "\"overloaded_error\",\"message\":\"Overloaded\"},\"request_id\":\"req_1\"}",
                    512), "Overloaded");
    CHECK_STR(etext(&llm_anthropic, "{\"type\":\"error\",\"error\":{\"type\":"
                    "\"rate_limit_error\",\"message\":\"\"}}", 512), "rate_limit_error");
    CHECK_STR(etext(&llm_gemini, "{\n  \"error\": {\n    \"code\": 400,\n    \"message\": "
                    "\"API key not valid. Please pass a valid API key.\",\n    \"status\": "
                    "\"INVALID_ARGUMENT\",\n    \"details\": [{\"@type\": \"type.googleapis.com/"
                    "google.rpc.ErrorInfo\", \"reason\": \"API_KEY_INVALID\"}]\n  }\n}\n", 512),
              "API key not valid. Please pass a valid API key.");
    CHECK_STR(etext(&llm_gemini, "[{\"error\":{\"code\":429,\"message\":\"Resource has been "
                    "exhausted (e.g. check quota).\",\"status\":\"RESOURCE_EXHAUSTED\"}}]", 512),
              "Resource has been exhausted (e.g. check quota).");
    CHECK_STR(etext(&llm_gemini, "{\"error\":{\"code\":500,\"status\":\"INTERNAL\"}}", 512),
              "INTERNAL");
    /* Compatible servers. */
    CHECK_STR(etext(&llm_openai, "{\"error\":\"model \\\"llama9\\\" not found, try pulling "
                    "it first\"}", 512), "model \"llama9\" not found, try pulling it first");
    CHECK_STR(etext(&llm_openai, "{\"object\":\"error\",\"message\":\"The model `x` does not "
                    "exist.\",\"type\":\"NotFoundError\",\"code\":404}", 512),
              "The model `x` does not exist.");
    CHECK_STR(etext(&llm_openai, "{\"detail\":\"Not Found\"}", 512), "Not Found");
    /* Line breaks in a message become spaces. */
    CHECK_STR(etext(&llm_openai, "{\"error\":{\"message\":\"  line one\\nline two\\t!\\n\"}}",
                    512), "line one line two !");
    /* DEL is trimmed like the other control characters (fuzz_llm_wire). */
    CHECK_STR(etext(&llm_openai, "{\"detail\":\"\x7f\\u007f ok \x7f\"}", 512), "ok");
}

TEST(error_text_not_json) {
    const llm_provider *all[] = { &llm_openai, &llm_azure, &llm_anthropic, &llm_gemini };
    for (size_t p = 0; p < AS_ARRAY_LEN(all); p++) {
        CHECK_STR(etext(all[p], "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n"
                        "<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n"
                        "</html>\r\n", 512),
                  "<html> <head><title>502 Bad Gateway</title></head> <body> <center><h1>502 "
                  "Bad Gateway</h1></center> </body> </html>");
        CHECK_STR(etext(all[p], "upstream connect error \x01\x02 caf\xc3\xa9\x7f", 512),
                  "upstream connect error ?? caf???");
        /* JSON without a message: the body itself. */
        CHECK_STR(etext(all[p], "{\"status\": 500}", 512), "{\"status\": 500}");
        CHECK_STR(etext(all[p], "", 512), "");
        CHECK_STR(etext(all[p], "   \n ", 512), "");
    }
    /* Only the first 200 bytes. */
    char big[600];
    for (size_t i = 0; i < sizeof big - 1; i++) big[i] = (char)('a' + i % 26);
    big[sizeof big - 1] = '\0';
    const char *got = etext(&llm_openai, big, 512);
    CHECK_INT(strlen(got), 200);
    CHECK(strncmp(got, big, 200) == 0);
}

TEST(error_text_caps) {
    /* Cut to the buffer, on a UTF-8 boundary. */
    CHECK_STR(etext(&llm_openai, "{\"error\":{\"message\":\"Overloaded, retry\"}}", 8),
              "Overloa");
    CHECK_STR(etext(&llm_openai, "{\"error\":{\"message\":\"h\\u00e9llo\"}}", 3), "h");
    CHECK_STR(etext(&llm_openai, "{\"error\":{\"message\":\"h\\u00e9llo\"}}", 4), "h\xc3\xa9");
    CHECK_STR(etext(&llm_openai, "not json at all", 5), "not");   /* trimmed */
    CHECK_STR(etext(&llm_openai, "x", 1), "");
    /* cap 0: nothing written. */
    const char *out = etext(&llm_gemini, "{\"error\":{\"message\":\"m\"}}", 0);
    CHECK(out[0] == 'Z');
    llm_gemini.error_text(NULL, 0, NULL, 0);
    char small[4] = "abc";
    llm_anthropic.error_text(NULL, 5, small, sizeof small);
    CHECK_STR(small, "");
}

TEST(openai_reasoning_models) {
    as_llm_model m;
    memset(&m, 0, sizeof m);
    m.kind = AS_LLM_OPENAI;
    snprintf(m.provider, sizeof m.provider, "openai");
    snprintf(m.base_url, sizeof m.base_url, "https://api.openai.com/v1");
    snprintf(m.api_key, sizeof m.api_key, "sk-x");
    as_llm_msg msg = { "user", "hi" };
    as_llm_request req = { .model = &m, .msgs = &msg, .n_msgs = 1, .temperature = 0,
                           .max_tokens = 100 };
    const char *models[] = { "gpt-5-mini", "o3", "o4-mini", "gpt-4o-mini", "o1x" };
    const bool reasoning[] = { true, true, true, false, false };
    for (size_t i = 0; i < 5; i++) {
        snprintf(m.model, sizeof m.model, "%s", models[i]);
        llm_http h;
        as_err err;
        CHECK_INT(llm_openai.build(&req, &h, &err), AS_OK);
        bool has_temp = strstr(h.body.data, "\"temperature\"") != NULL;
        bool has_mct = strstr(h.body.data, "\"max_completion_tokens\":100") != NULL;
        CHECK(has_temp == !reasoning[i]);
        CHECK(has_mct == reasoning[i]);
        CHECK((strstr(h.body.data, "\"max_tokens\":100") != NULL) == !reasoning[i]);
        llm_http_clear(&h);
    }
}

TEST_MAIN(T(openai_reasoning_models), T(provider_table), T(http_headers), T(response_clear),
          T(openai_build_text), T(openai_build_numbers), T(openai_build_local_without_key),
          T(openai_build_tool), T(openai_build_json), T(openai_build_bad_schema),
          T(build_rejects_bad_requests), T(build_escapes_text), T(build_replaces_invalid_utf8),
          T(build_body_cap), T(build_body_cap_exact), T(build_schema_as_jansson_wrote_it),
          T(azure_build), T(azure_build_url_and_errors),
          T(anthropic_build_text), T(anthropic_build_system_and_defaults),
          T(anthropic_build_tool_and_json), T(gemini_build_text), T(gemini_build_json),
          T(gemini_build_tool), T(gemini_schema_dialect), T(build_deterministic_and_key_private),
          T(openai_parse_text), T(openai_parse_tool_call), T(openai_parse_tool_arguments_not_json),
          T(openai_parse_json_answer), T(openai_parse_variants), T(openai_parse_errors),
          T(anthropic_parse_text), T(anthropic_parse_tool_use), T(anthropic_parse_variants),
          T(anthropic_parse_errors), T(gemini_parse_text), T(gemini_parse_function_call),
          T(gemini_parse_json_and_thinking), T(gemini_parse_errors),
          T(parse_reads_as_jansson), T(parse_messages_and_nul_bytes), T(error_text_shapes),
          T(error_text_not_json), T(error_text_caps))
