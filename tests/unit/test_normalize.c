/* test_normalize.c - OpenInference normalisation: span kinds, JSON-string
 * attributes, input/output values, the gen_ai.* mapping, unflattening
 * (arrays, conflicts, limits), flattening back, and the hot fields. */
#include "harness.h"

#include <math.h>

#include "assay/normalize.h"
#include "assay/otlp.h"

#define CHECK_HAS(msg, sub) do { const char *th_m = (msg), *th_s = (sub); \
    if (!strstr(th_m, th_s)) { th_failed_checks++; \
    fprintf(stderr, "  %s:%d: %s: message \"%s\" lacks \"%s\"\n", __FILE__, \
            __LINE__, th_current, th_m, th_s); } } while (0)

static char *dump(const json_t *j) {
    static char bufs[2][8192];
    static int which;
    char *buf = bufs[which++ & 1];
    char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY | JSON_REAL_PRECISION(15));
    snprintf(buf, sizeof(bufs[0]), "%s", s ? s : "(null)");
    free(s);
    return buf;
}

static json_t *parse(const char *text) {
    json_error_t e;
    json_t *j = json_loads(text, JSON_DECODE_ANY, &e);
    if (!j) fprintf(stderr, "test JSON does not parse: %s: %s\n", text, e.text);
    return j;
}

/* The nested attributes of a normalised span: its stored JSON text,
 * parsed (freed at exit). */
static json_t *trees[1024];
static size_t ntrees;
static void free_trees(void) { while (ntrees) json_decref(trees[--ntrees]); }
static json_t *tree(const as_span *s) {
    json_t *j = s->attributes_json ? parse(s->attributes_json) : NULL;
    if (ntrees == 0) atexit(free_trees);
    if (j && ntrees < AS_ARRAY_LEN(trees)) trees[ntrees++] = j;
    return j;
}

/* A span whose flat attributes are the given JSON object. */
static as_span *add_span(as_span_batch *b, const char *flat) {
    as_span *s = as_span_batch_add(b);
    json_decref(s->attributes);
    s->attributes = parse(flat);
    s->span_id[0] = 0xab;
    s->span_id[7] = (uint8_t)b->n;
    return s;
}

/* Normalise one span with these flat attributes; returns its nested
 * attributes as sorted compact JSON. */
static const char *norm1(const char *flat) {
    as_span_batch b;
    as_err e;
    as_span_batch_init(&b);
    add_span(&b, flat);
    static char msg[AS_ERR_MSG_MAX];
    as_rc rc = as_normalize_batch(&b, &e);
    const char *out = msg;
    if (rc == AS_OK) out = dump(tree(&b.spans[0]));
    else snprintf(msg, sizeof(msg), "%s", e.msg);
    as_span_batch_release(&b);
    return out;
}

/* flatten(unflatten(x)) == x */
static bool roundtrips(const char *flat) {
    as_span_batch b;
    as_err e;
    as_span_batch_init(&b);
    add_span(&b, flat);
    bool ok = false;
    if (as_normalize_batch(&b, &e) == AS_OK) {
        json_t *back = as_attributes_flatten(tree(&b.spans[0]));
        json_t *want = parse(flat);
        ok = json_equal(back, want);
        if (!ok)
            fprintf(stderr, "  round trip of %s\n    gave %s\n", flat, dump(back));
        json_decref(back);
        json_decref(want);
    } else {
        fprintf(stderr, "  normalise failed: %s\n", e.msg);
    }
    as_span_batch_release(&b);
    return ok;
}

/* ------------------------------------------------------------------ */
/* kinds                                                               */
/* ------------------------------------------------------------------ */

TEST(span_kind) {
    as_span_batch b;
    as_err e;
    as_span_batch_init(&b);
    add_span(&b, "{\"openinference.span.kind\":\"llm\"}");
    add_span(&b, "{}");
    add_span(&b, "{\"openinference.span.kind\":\"bogus\"}");
    add_span(&b, "{\"openinference.span.kind\":7}");
    add_span(&b, "{\"openinference.span.kind\":\"Retriever\"}");
    add_span(&b, "{\"openinference.span.kind\":\"unknown\"}");
    CHECK_INT(as_normalize_batch(&b, &e), AS_OK);
    CHECK_STR(b.spans[0].span_kind, "LLM");
    CHECK_STR(dump(tree(&b.spans[0])), "{\"openinference\":{\"span\":{\"kind\":\"LLM\"}}}");
    CHECK_STR(b.spans[1].span_kind, "UNKNOWN");
    CHECK_STR(b.spans[2].span_kind, "UNKNOWN");
    CHECK_STR(dump(tree(&b.spans[2])), "{\"openinference\":{\"span\":{\"kind\":\"bogus\"}}}");
    CHECK_STR(b.spans[3].span_kind, "UNKNOWN");
    CHECK_STR(b.spans[4].span_kind, "RETRIEVER");
    CHECK_STR(dump(tree(&b.spans[5])), "{\"openinference\":{\"span\":{\"kind\":\"UNKNOWN\"}}}");
    as_span_batch_release(&b);
}

/* ------------------------------------------------------------------ */
/* JSON-string attributes and input/output values                      */
/* ------------------------------------------------------------------ */

TEST(json_string_attributes) {
    CHECK_STR(norm1("{\"metadata\":\"{\\\"user\\\":\\\"u1\\\",\\\"n\\\":[1,2]}\"}"),
              "{\"metadata\":{\"n\":[1,2],\"user\":\"u1\"}}");
    CHECK_STR(norm1("{\"llm.invocation_parameters\":\"{\\\"temperature\\\":0.2}\","
                    "\"llm.prompt_template.variables\":\" {\\\"city\\\":\\\"Paris\\\"}\","
                    "\"tool.parameters\":\"[1]\"}"),
              "{\"llm\":{\"invocation_parameters\":{\"temperature\":0.2},"
              "\"prompt_template\":{\"variables\":{\"city\":\"Paris\"}}},\"tool\":{\"parameters\":[1]}}");
    CHECK_STR(norm1("{\"retrieval.documents.0.document.metadata\":\"{\\\"src\\\":\\\"a.txt\\\"}\","
                    "\"retrieval.documents.0.document.content\":\"hello\","
                    "\"document.metadata\":\"{}\"}"),
              "{\"document\":{\"metadata\":{}},\"retrieval\":{\"documents\":[{\"document\":"
              "{\"content\":\"hello\",\"metadata\":{\"src\":\"a.txt\"}}}]}}");
    /* not JSON, or JSON but not an object/array: kept as the string */
    CHECK_STR(norm1("{\"metadata\":\"not json\"}"), "{\"metadata\":\"not json\"}");
    CHECK_STR(norm1("{\"metadata\":\"5\"}"), "{\"metadata\":\"5\"}");
    CHECK_STR(norm1("{\"metadata\":\"{\\\"a\\\":\"}"), "{\"metadata\":\"{\\\"a\\\":\"}");
    /* other attributes holding JSON text are left alone */
    CHECK_STR(norm1("{\"input.value\":\"{\\\"q\\\":1}\"}"), "{\"input\":{\"value\":\"{\\\"q\\\":1}\"}}");
    /* over-deep JSON text is not parsed */
    char deep[400], flat[500];
    size_t o = 0;
    for (int i = 0; i < 70; i++) deep[o++] = '[';
    for (int i = 0; i < 70; i++) deep[o++] = ']';
    deep[o] = '\0';
    snprintf(flat, sizeof(flat), "{\"metadata\":\"%s\"}", deep);
    char want[500];
    snprintf(want, sizeof(want), "{\"metadata\":\"%s\"}", deep);
    CHECK_STR(norm1(flat), want);
}

TEST(input_output_values) {
    CHECK_STR(norm1("{\"input.value\":{\"q\":\"hi\",\"n\":[1,2]},\"input.mime_type\":\"text/plain\","
                    "\"output.value\":42}"),
              "{\"input\":{\"mime_type\":\"application/json\",\"value\":\"{\\\"q\\\":\\\"hi\\\","
              "\\\"n\\\":[1,2]}\"},\"output\":{\"mime_type\":\"application/json\",\"value\":\"42\"}}");
    CHECK_STR(norm1("{\"input.value\":\"plain\"}"), "{\"input\":{\"value\":\"plain\"}}");
    CHECK_STR(norm1("{\"output.value\":null}"),
              "{\"output\":{\"mime_type\":\"application/json\",\"value\":\"null\"}}");
}

/* ------------------------------------------------------------------ */
/* gen_ai                                                              */
/* ------------------------------------------------------------------ */

TEST(gen_ai_llm) {
    as_span_batch b;
    as_err e;
    as_span_batch_init(&b);
    add_span(&b, "{\"gen_ai.operation.name\":\"chat\",\"gen_ai.system\":\"OpenAI\","
                 "\"gen_ai.request.model\":\"gpt-4o\",\"gen_ai.response.model\":\"gpt-4o-2024-08-06\","
                 "\"gen_ai.usage.input_tokens\":10,\"gen_ai.usage.output_tokens\":\"5\","
                 "\"gen_ai.request.temperature\":0.7,\"gen_ai.request.max_tokens\":100,"
                 "\"gen_ai.request.stop_sequences\":[\"END\"],"
                 "\"gen_ai.conversation.id\":\"conv-1\","
                 "\"gen_ai.prompt\":\"[{\\\"role\\\":\\\"user\\\",\\\"content\\\":\\\"hi\\\"}]\","
                 "\"gen_ai.completion\":\"hello\"}");
    CHECK_INT(as_normalize_batch(&b, &e), AS_OK);
    as_span *s = &b.spans[0];
    CHECK_STR(s->span_kind, "LLM");
    CHECK_STR(s->model_name, "gpt-4o-2024-08-06");
    CHECK_STR(s->session_id, "conv-1");
    CHECK_INT(s->tokens_prompt, 10);
    CHECK_INT(s->tokens_completion, 5);
    CHECK_INT(s->tokens_total, 15);
    json_t *a = tree(s);
    json_t *llm = json_object_get(a, "llm");
    CHECK_STR(json_string_value(json_object_get(llm, "provider")), "openai");
    CHECK_STR(json_string_value(json_object_get(llm, "system")), "openai");
    CHECK_STR(dump(json_object_get(llm, "token_count")), "{\"completion\":5,\"prompt\":10,\"total\":15}");
    CHECK_STR(dump(json_object_get(llm, "invocation_parameters")), "{\"max_tokens\":100,\"stop_sequences\":[\"END\"],\"temperature\":0.7}");
    CHECK_STR(dump(json_object_get(a, "input")),
              "{\"mime_type\":\"application/json\",\"value\":\"[{\\\"role\\\":\\\"user\\\",\\\"content\\\":\\\"hi\\\"}]\"}");
    CHECK_STR(dump(json_object_get(a, "output")), "{\"value\":\"hello\"}");
    CHECK_STR(dump(json_object_get(a, "openinference")), "{\"span\":{\"kind\":\"LLM\"}}");
    /* the gen_ai keys are kept */
    CHECK_STR(json_string_value(json_object_get(json_object_get(json_object_get(a, "gen_ai"), "request"), "model")),
              "gpt-4o");
    as_span_batch_release(&b);
}

TEST(gen_ai_does_not_override) {
    as_span_batch b;
    as_err e;
    as_span_batch_init(&b);
    add_span(&b, "{\"openinference.span.kind\":\"CHAIN\",\"gen_ai.operation.name\":\"chat\","
                 "\"llm.model_name\":\"mine\",\"gen_ai.request.model\":\"theirs\","
                 "\"llm.token_count.prompt\":3,\"gen_ai.usage.input_tokens\":99,"
                 "\"gen_ai.usage.output_tokens\":1,\"llm.token_count.total\":50,"
                 "\"session.id\":\"s\",\"gen_ai.conversation.id\":\"c\","
                 "\"input.value\":\"in\",\"gen_ai.prompt\":\"p\","
                 "\"llm.invocation_parameters\":\"{\\\"temperature\\\":1}\",\"gen_ai.request.temperature\":0.1,"
                 "\"llm.provider\":\"azure\",\"gen_ai.provider.name\":\"openai\"}");
    /* the OpenInference key present in nested (kvlist) form counts too */
    add_span(&b, "{\"llm\":{\"model_name\":\"nested\"},\"gen_ai.request.model\":\"flat\"}");
    CHECK_INT(as_normalize_batch(&b, &e), AS_OK);
    as_span *s = &b.spans[0];
    CHECK_STR(s->span_kind, "CHAIN");
    CHECK_STR(s->model_name, "mine");
    CHECK_STR(s->session_id, "s");
    CHECK_INT(s->tokens_prompt, 3);
    CHECK_INT(s->tokens_completion, 1);
    CHECK_INT(s->tokens_total, 50);
    json_t *llm = json_object_get(tree(s), "llm");
    CHECK_STR(json_string_value(json_object_get(llm, "provider")), "azure");
    CHECK_STR(json_string_value(json_object_get(llm, "system")), "openai");
    CHECK_STR(dump(json_object_get(llm, "invocation_parameters")), "{\"temperature\":1}");
    CHECK_STR(dump(json_object_get(tree(s), "input")), "{\"value\":\"in\"}");
    CHECK_STR(b.spans[1].model_name, "nested");
    CHECK_STR(dump(json_object_get(tree(&b.spans[1]), "llm")), "{\"model_name\":\"nested\"}");
    as_span_batch_release(&b);
}

TEST(gen_ai_operations) {
    as_span_batch b;
    as_err e;
    as_span_batch_init(&b);
    add_span(&b, "{\"gen_ai.operation.name\":\"embeddings\",\"gen_ai.request.model\":\"text-embedding-3-small\"}");
    add_span(&b, "{\"gen_ai.operation.name\":\"execute_tool\",\"gen_ai.tool.name\":\"search\","
                 "\"gen_ai.tool.call.id\":\"call_1\",\"gen_ai.tool.description\":\"web search\"}");
    add_span(&b, "{\"gen_ai.operation.name\":\"invoke_agent\",\"gen_ai.agent.name\":\"planner\"}");
    add_span(&b, "{\"gen_ai.operation.name\":\"create_agent\"}");
    add_span(&b, "{\"gen_ai.operation.name\":\"text_completion\",\"gen_ai.usage.prompt_tokens\":2,"
                 "\"gen_ai.usage.completion_tokens\":3,\"gen_ai.provider.name\":\"Anthropic\","
                 "\"gen_ai.system\":\"other\"}");
    add_span(&b, "{\"gen_ai.operation.name\":\"generate_content\",\"gen_ai.usage.input_tokens\":4,"
                 "\"gen_ai.usage.cache_read_input_tokens\":2,"
                 "\"gen_ai.input.messages\":[{\"role\":\"user\"}],"
                 "\"gen_ai.output.messages\":\"[{\\\"role\\\":\\\"assistant\\\"}]\"}");
    add_span(&b, "{\"gen_ai.operation.name\":\"something_else\"}");
    CHECK_INT(as_normalize_batch(&b, &e), AS_OK);
    CHECK_STR(b.spans[0].span_kind, "EMBEDDING");
    CHECK_STR(b.spans[0].model_name, "text-embedding-3-small");
    CHECK(json_object_get(json_object_get(tree(&b.spans[0]), "embedding"), "model_name") != NULL);
    CHECK(json_object_get(tree(&b.spans[0]), "llm") == NULL);
    CHECK_STR(b.spans[1].span_kind, "TOOL");
    CHECK_STR(dump(json_object_get(tree(&b.spans[1]), "tool")),
              "{\"description\":\"web search\",\"id\":\"call_1\",\"name\":\"search\"}");
    CHECK_STR(b.spans[2].span_kind, "AGENT");
    CHECK_STR(dump(json_object_get(tree(&b.spans[2]), "agent")), "{\"name\":\"planner\"}");
    CHECK_STR(b.spans[3].span_kind, "AGENT");
    CHECK_STR(b.spans[4].span_kind, "LLM");
    CHECK_INT(b.spans[4].tokens_total, 5);
    CHECK_STR(json_string_value(json_object_get(json_object_get(tree(&b.spans[4]), "llm"), "provider")),
              "anthropic");
    CHECK_STR(b.spans[5].span_kind, "LLM");
    CHECK_INT(b.spans[5].tokens_prompt, 4);
    CHECK_INT(b.spans[5].tokens_completion, 0);
    CHECK_INT(b.spans[5].tokens_total, 4);
    json_t *a5 = tree(&b.spans[5]);
    CHECK_STR(dump(json_object_get(json_object_get(a5, "llm"), "token_count")),
              "{\"prompt\":4,\"prompt_details\":{\"cache_read\":2},\"total\":4}");
    CHECK_STR(dump(json_object_get(a5, "input")),
              "{\"mime_type\":\"application/json\",\"value\":\"[{\\\"role\\\":\\\"user\\\"}]\"}");
    CHECK_STR(dump(json_object_get(a5, "output")),
              "{\"mime_type\":\"application/json\",\"value\":\"[{\\\"role\\\":\\\"assistant\\\"}]\"}");
    CHECK_STR(b.spans[6].span_kind, "UNKNOWN");
    as_span_batch_release(&b);
}

/* ------------------------------------------------------------------ */
/* unflatten                                                           */
/* ------------------------------------------------------------------ */

TEST(unflatten_arrays) {
    CHECK_STR(norm1("{\"llm.input_messages.0.message.role\":\"system\","
                    "\"llm.input_messages.0.message.content\":\"be brief\","
                    "\"llm.input_messages.1.message.role\":\"user\","
                    "\"llm.input_messages.1.message.contents.0.message_content.type\":\"text\","
                    "\"llm.input_messages.1.message.contents.0.message_content.text\":\"hi\"}"),
              "{\"llm\":{\"input_messages\":[{\"message\":{\"content\":\"be brief\",\"role\":\"system\"}},"
              "{\"message\":{\"contents\":[{\"message_content\":{\"text\":\"hi\",\"type\":\"text\"}}],"
              "\"role\":\"user\"}}]}}");
    /* index order does not matter; missing slots are null; 10 sorts before 2 */
    CHECK_STR(norm1("{\"a.10\":\"ten\",\"a.2\":\"two\",\"a.0\":\"zero\"}"),
              "{\"a\":[\"zero\",null,\"two\",null,null,null,null,null,null,null,\"ten\"]}");
    /* a non-canonical number is an object key */
    CHECK_STR(norm1("{\"a.01\":1,\"a.1\":2}"), "{\"a\":{\"01\":1,\"1\":2}}");
    /* a numeric segment under an existing object is a key */
    CHECK_STR(norm1("{\"a.-\":1,\"a.0\":2}"), "{\"a\":{\"-\":1,\"0\":2}}");
    /* empty segments are keys too */
    CHECK_STR(norm1("{\"a..b\":1,\".x\":2,\"y.\":3}"),
              "{\"\":{\"x\":2},\"a\":{\"\":{\"b\":1}},\"y\":{\"\":3}}");
    /* array values stay arrays */
    CHECK_STR(norm1("{\"tag.tags\":[\"a\",\"b\"],\"embedding.embeddings.0.embedding.vector\":[0.5,1.5]}"),
              "{\"embedding\":{\"embeddings\":[{\"embedding\":{\"vector\":[0.5,1.5]}}]},\"tag\":{\"tags\":[\"a\",\"b\"]}}");
}

TEST(unflatten_conflicts) {
    /* a scalar and a deeper key: the longer key stays literal */
    CHECK_STR(norm1("{\"a\":1,\"a.b\":2}"), "{\"a\":1,\"a.b\":2}");
    CHECK_STR(norm1("{\"a.b\":2,\"a\":1}"), "{\"a\":1,\"a.b\":2}");
    CHECK_STR(norm1("{\"x.y\":1,\"x.y.z\":2,\"x.w\":3}"), "{\"x\":{\"w\":3,\"y\":1,\"y.z\":2}}");
    /* a scalar array slot */
    CHECK_STR(norm1("{\"a.0\":1,\"a.0.b\":2}"), "{\"a\":[1],\"a.0.b\":2}");
    /* a non-numeric segment meeting an array */
    CHECK_STR(norm1("{\"a.0\":1,\"a.b\":2}"), "{\"a\":[1],\"a.b\":2}");
    /* deepest object on the path */
    CHECK_STR(norm1("{\"x.y.0.z\":1,\"x.y.1\":5,\"x.y.1.w\":3}"),
              "{\"x\":{\"y\":[{\"z\":1},5],\"y.1.w\":3}}");
    CHECK_STR(norm1("{\"x.0.y\":1,\"x.0.y.z\":2}"), "{\"x\":[{\"y\":1,\"y.z\":2}]}");
    /* a null value is a value */
    CHECK_STR(norm1("{\"a\":null,\"a.b\":1}"), "{\"a\":null,\"a.b\":1}");
    /* a kvlist value merges with dotted keys; a taken slot goes to the root */
    CHECK_STR(norm1("{\"a\":{\"b\":1},\"a.c\":2}"), "{\"a\":{\"b\":1,\"c\":2}}");
    CHECK_STR(norm1("{\"a\":{\"c\":1},\"a.c\":2}"), "{\"a\":{\"c\":1},\"a.c\":2}");
    CHECK_STR(norm1("{\"a\":[{\"c\":1}],\"a.0.c\":2,\"a.0.d\":3}"),
              "{\"a\":[{\"c\":1,\"d\":3}],\"a.0.c\":2}");
}

TEST(unflatten_limits) {
    as_span_batch b;
    as_err e;
    /* the index limit */
    as_span_batch_init(&b);
    add_span(&b, "{\"ok\":1}");
    add_span(&b, "{\"a.100001.b\":1}");
    CHECK_INT(as_normalize_batch(&b, &e), AS_ETOOBIG);
    CHECK_HAS(e.msg, "span ab00000000000002: attribute \"a.100001.b\": array index 100001 is over the limit 100000");
    as_span_batch_release(&b);
    as_span_batch_init(&b);
    add_span(&b, "{\"a.99999999999999999999999\":1}");
    CHECK_INT(as_normalize_batch(&b, &e), AS_ETOOBIG);
    CHECK_HAS(e.msg, "is over the limit");
    as_span_batch_release(&b);
    CHECK_STR(norm1("{\"a.0\":0,\"a.100001\":1}"), "span ab00000000000001: attribute \"a.100001\": array index 100001 is over the limit 100000");
    /* at the limit is fine */
    as_span_batch_init(&b);
    add_span(&b, "{\"a.100000\":1}");
    CHECK_INT(as_normalize_batch(&b, &e), AS_OK);
    CHECK_INT(json_array_size(json_object_get(tree(&b.spans[0]), "a")), 100001);
    as_span_batch_release(&b);
    /* the per-batch budget of null padding */
    as_span_batch_init(&b);
    for (int i = 0; i < 11; i++) add_span(&b, "{\"a.99999\":1}");
    CHECK_INT(as_normalize_batch(&b, &e), AS_ETOOBIG);
    CHECK_HAS(e.msg, "span ab0000000000000b");
    CHECK_HAS(e.msg, "too many empty array slots");
    as_span_batch_release(&b);
    /* the depth limit: the tail of a very long key stays literal */
    char key[200], flat[300];
    size_t o = 0;
    for (int i = 0; i < 40; i++) o += (size_t)snprintf(key + o, sizeof(key) - o, "%sk", i ? "." : "");
    snprintf(flat, sizeof(flat), "{\"%s\":1}", key);
    as_span_batch_init(&b);
    add_span(&b, flat);
    CHECK_INT(as_normalize_batch(&b, &e), AS_OK);
    json_t *cur = tree(&b.spans[0]);
    int depth = 0;
    while (json_is_object(cur) && json_object_get(cur, "k")) { cur = json_object_get(cur, "k"); depth++; }
    CHECK_INT(depth, AS_NORMALIZE_MAX_DEPTH - 1);
    CHECK(json_object_get(cur, "k.k.k.k.k.k.k.k.k") != NULL);
    as_span_batch_release(&b);
    CHECK(roundtrips(flat));
}

/* ------------------------------------------------------------------ */
/* flatten                                                             */
/* ------------------------------------------------------------------ */

TEST(flatten_roundtrip) {
    static const char *const sets[] = {
        /* an LLM span as the OpenAI instrumentation sends it */
        "{\"openinference.span.kind\":\"LLM\",\"llm.model_name\":\"gpt-4o\",\"llm.provider\":\"openai\","
        "\"llm.system\":\"openai\",\"input.value\":\"{\\\"messages\\\":[]}\",\"input.mime_type\":\"application/json\","
        "\"output.value\":\"hi\",\"llm.input_messages.0.message.role\":\"user\","
        "\"llm.input_messages.0.message.content\":\"hello\","
        "\"llm.input_messages.1.message.role\":\"user\","
        "\"llm.input_messages.1.message.contents.0.message_content.type\":\"image\","
        "\"llm.input_messages.1.message.contents.0.message_content.image.image.url\":\"http://x/y.png\","
        "\"llm.output_messages.0.message.role\":\"assistant\","
        "\"llm.output_messages.0.message.tool_calls.0.tool_call.id\":\"call_1\","
        "\"llm.output_messages.0.message.tool_calls.0.tool_call.function.name\":\"get_weather\","
        "\"llm.output_messages.0.message.tool_calls.0.tool_call.function.arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\","
        "\"llm.tools.0.tool.json_schema\":\"{}\",\"llm.token_count.prompt\":10,"
        "\"llm.token_count.completion\":5,\"llm.token_count.total\":15,"
        "\"llm.token_count.prompt_details.cache_read\":2,\"llm.invocation_parameters.temperature\":0.1,"
        "\"session.id\":\"s1\",\"user.id\":\"u1\",\"metadata.k.0\":1,\"metadata.k.1.deep\":true,"
        "\"tag.tags\":[\"a\",\"b\"],\"llm.prompt_template.template\":\"{x}\","
        "\"llm.prompt_template.variables.x\":\"1\",\"llm.prompt_template.version\":\"v1\"}",
        /* a retriever and a reranker */
        "{\"openinference.span.kind\":\"RETRIEVER\",\"input.value\":\"q\","
        "\"retrieval.documents.0.document.id\":\"d1\",\"retrieval.documents.0.document.content\":\"c1\","
        "\"retrieval.documents.0.document.score\":0.9,\"retrieval.documents.0.document.metadata.src\":\"a\","
        "\"retrieval.documents.1.document.id\":\"d2\",\"retrieval.documents.1.document.metadata\":[1,2],"
        "\"reranker.query\":\"q\",\"reranker.top_k\":3,\"reranker.model_name\":\"rr\","
        "\"reranker.input_documents.0.document.id\":\"d1\"}",
        /* an embedding span and a tool span */
        "{\"embedding.model_name\":\"e\",\"embedding.embeddings.0.embedding.text\":\"t\","
        "\"embedding.embeddings.0.embedding.vector\":[0.1,0.2,0.3],"
        "\"tool.name\":\"search\",\"tool.parameters.type\":\"object\",\"tool.description\":\"d\","
        "\"graph.node.id\":\"n1\",\"graph.node.parent_id\":\"n0\",\"agent.name\":\"a\"}",
        /* conflicts and odd keys */
        "{\"a\":1,\"a.b\":2,\"x.y\":1,\"x.y.z\":2,\"p.0\":1,\"p.0.q\":2,\"p.1.r\":3,"
        "\"m..n\":1,\".lead\":2,\"trail.\":3,\"n.01\":4,\"\":5,\"e\":{},\"arr\":[],"
        "\"nul\":null,\"deep.0.0.x\":1}",
    };
    for (size_t i = 0; i < AS_ARRAY_LEN(sets); i++) CHECK(roundtrips(sets[i]));
}

TEST(flatten_shapes) {
    json_t *nested = parse(
        "{\"llm\":{\"input_messages\":[{\"message\":{\"role\":\"user\"}},null,{\"message\":{}}],"
        "\"token_count\":{\"total\":3}},\"tag\":{\"tags\":[\"x\"]},\"metadata\":{\"a\":{\"b\":1}},"
        "\"retrieval\":{\"documents\":[{\"document\":{\"metadata\":{\"m\":1}}}]},"
        "\"mixed\":[1,[2,3],{\"k\":4}],\"s\":\"v\"}");
    json_t *flat = as_attributes_flatten(nested);
    CHECK_STR(dump(flat),
              "{\"llm.input_messages.0.message.role\":\"user\",\"llm.input_messages.2.message\":{},"
              "\"llm.token_count.total\":3,\"metadata.a.b\":1,\"mixed.0\":1,\"mixed.1\":[2,3],"
              "\"mixed.2.k\":4,\"retrieval.documents.0.document.metadata.m\":1,\"s\":\"v\","
              "\"tag.tags\":[\"x\"]}");
    json_decref(flat);
    json_decref(nested);
    flat = as_attributes_flatten(NULL);
    CHECK_STR(dump(flat), "{}");
    json_decref(flat);
    json_t *arr = parse("[1]");
    flat = as_attributes_flatten(arr);
    CHECK_STR(dump(flat), "{}");
    json_decref(flat);
    json_decref(arr);
}

/* ------------------------------------------------------------------ */
/* hot fields                                                          */
/* ------------------------------------------------------------------ */

TEST(hot_fields) {
    as_span_batch b;
    as_err e;
    as_span_batch_init(&b);
    add_span(&b, "{\"openinference.span.kind\":\"LLM\",\"llm.model_name\":\"gpt-4o\","
                 "\"session.id\":\"sess\",\"user.id\":\"user\",\"llm.token_count.prompt\":7,"
                 "\"llm.token_count.completion\":\"8\"}");
    add_span(&b, "{\"embedding.model_name\":\"emb\",\"llm.token_count.total\":100,"
                 "\"llm.token_count.prompt\":1.0}");
    add_span(&b, "{\"session.id\":12,\"llm.model_name\":null}");
    add_span(&b, "{\"llm\":1,\"llm.model_name\":\"literal\",\"session\":{\"id\":\"kv\"}}");
    CHECK_INT(as_normalize_batch(&b, &e), AS_OK);
    as_span *s = &b.spans[0];
    CHECK_STR(s->model_name, "gpt-4o");
    CHECK_STR(s->session_id, "sess");
    CHECK_STR(s->user_id, "user");
    CHECK_INT(s->tokens_prompt, 7);
    CHECK_INT(s->tokens_completion, 8);
    CHECK_INT(s->tokens_total, 15);
    /* the values of the final nested tree */
    CHECK_STR(s->model_name, json_string_value(json_object_get(json_object_get(tree(s), "llm"), "model_name")));
    CHECK_STR(s->session_id, json_string_value(json_object_get(json_object_get(tree(s), "session"), "id")));
    CHECK_STR(s->user_id, json_string_value(json_object_get(json_object_get(tree(s), "user"), "id")));
    s = &b.spans[1];
    CHECK_STR(s->span_kind, "UNKNOWN");
    CHECK_STR(s->model_name, "emb");
    CHECK_INT(s->tokens_prompt, 1);
    CHECK_INT(s->tokens_total, 100);
    CHECK(s->session_id == NULL && s->user_id == NULL);
    s = &b.spans[2];
    CHECK(s->session_id == NULL);
    CHECK(s->model_name == NULL);
    CHECK_INT(s->tokens_total, 0);
    s = &b.spans[3];
    CHECK_STR(s->model_name, "literal");
    CHECK_STR(s->model_name, json_string_value(json_object_get(tree(s), "llm.model_name")));
    CHECK_STR(s->session_id, "kv");
    as_span_batch_release(&b);
}

TEST(idempotent_and_events_untouched) {
    as_span_batch b;
    as_err e;
    as_span_batch_init(&b);
    as_span *s = add_span(&b, "{\"openinference.span.kind\":\"tool\",\"tool.name\":\"t\","
                              "\"metadata\":\"{\\\"a\\\":1}\",\"a.0.b\":1}");
    as_attr *ea = as_arena_alloc(&b.arena, sizeof(*ea));
    *ea = (as_attr){ "exception.type", 14, { .type = AS_V_STR, .n = 1, .u.s = "E" } };
    s->events = as_arena_alloc(&b.arena, sizeof(*s->events));
    *s->events = (as_event){ 1714564800500000000LL, "exception", 9, ea, 1 };
    s->n_events = 1;
    CHECK_INT(as_normalize_batch(&b, &e), AS_OK);
    char first[1024];
    snprintf(first, sizeof(first), "%s", dump(tree(&b.spans[0])));
    CHECK_INT(as_normalize_batch(&b, &e), AS_OK);
    CHECK_STR(dump(tree(&b.spans[0])), first);
    CHECK_STR(b.spans[0].span_kind, "TOOL");
    CHECK_STR(b.spans[0].events_json,
              "[{\"name\":\"exception\",\"timestamp\":\"2024-05-01T12:00:00.500000+00:00\","
              "\"attributes\":{\"exception.type\":\"E\"}}]");
    as_span_batch_release(&b);
}

TEST(decode_then_normalize) {
    const char *body =
        "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{"
        "\"traceId\":\"5b8efff798038103d269b633813fc60c\",\"spanId\":\"eee19b7ec3c1b174\",\"name\":\"llm\","
        "\"attributes\":["
        "{\"key\":\"openinference.span.kind\",\"value\":{\"stringValue\":\"llm\"}},"
        "{\"key\":\"llm.model_name\",\"value\":{\"stringValue\":\"claude\"}},"
        "{\"key\":\"llm.token_count.prompt\",\"value\":{\"intValue\":\"12\"}},"
        "{\"key\":\"llm.token_count.completion\",\"value\":{\"intValue\":3}},"
        "{\"key\":\"input.value\",\"value\":{\"kvlistValue\":{\"values\":[{\"key\":\"q\",\"value\":{\"stringValue\":\"\xe6\x97\xa5\"}}]}}},"
        "{\"key\":\"metadata\",\"value\":{\"stringValue\":\"{\\\"env\\\":\\\"prod\\\"}\"}}"
        "]}]}]}]}";
    as_span_batch b;
    as_err e;
    as_span_batch_init(&b);
    CHECK_INT(as_otlp_decode_json(body, strlen(body), &b, &e), AS_OK);
    CHECK_INT(as_normalize_batch(&b, &e), AS_OK);
    if (b.n == 1) {
        as_span *s = &b.spans[0];
        CHECK_STR(s->span_kind, "LLM");
        CHECK_STR(s->model_name, "claude");
        CHECK_INT(s->tokens_total, 15);
        CHECK_STR(dump(tree(s)),
                  "{\"input\":{\"mime_type\":\"application/json\",\"value\":\"{\\\"q\\\":\\\"\xe6\x97\xa5\\\"}\"},"
                  "\"llm\":{\"model_name\":\"claude\",\"token_count\":{\"completion\":3,\"prompt\":12}},"
                  "\"metadata\":{\"env\":\"prod\"},\"openinference\":{\"span\":{\"kind\":\"LLM\"}}}");
    }
    as_span_batch_release(&b);
}


/* ------------------------------------------------------------------ */
/* the stored text is what jansson wrote                               */
/* ------------------------------------------------------------------ */

static uint64_t rnd_state = 42;
static uint64_t rnd(void) {
    uint64_t z = (rnd_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static json_t *rnd_value(int depth) {
    switch (rnd() % (depth < 3 ? 8 : 6)) {
    case 0: {
        double d;
        uint64_t bits = rnd();
        memcpy(&d, &bits, sizeof(d));
        if (!isfinite(d)) d = (double)(int64_t)rnd() / 1e3;
        return json_real(rnd() % 4 ? d : (double)(rnd() % 100000) / 8);
    }
    case 1: return json_integer((json_int_t)rnd());
    case 2: {
        char str[40];
        size_t n = rnd() % sizeof(str);
        for (size_t i = 0; i < n; i++) {
            static const char pool[] = "ab\"\\/\b\f\n\r\t\x01\x1f\x7f z";
            str[i] = pool[rnd() % (sizeof(pool) - 1)];
        }
        return json_stringn(str, n);
    }
    case 3: return json_string("\xe6\x97\xa5\xf0\x9f\x98\x80 \xc3\xa9");
    case 4: return rnd() % 2 ? json_true() : json_null();
    case 5: return json_false();
    case 6: {
        json_t *a = json_array();
        for (int i = (int)(rnd() % 4); i > 0; i--) json_array_append_new(a, rnd_value(depth + 1));
        return a;
    }
    default: {
        json_t *o = json_object();
        for (int i = (int)(rnd() % 4); i > 0; i--) {
            char k[32];
            snprintf(k, sizeof(k), "k%d.%d", (int)(rnd() % 5), i);
            json_object_set_new(o, k, rnd_value(depth + 1));
        }
        return o;
    }
    }
}

TEST(text_as_jansson_wrote_it) {
    /* keys without dots are not unflattened: the text must be exactly
     * json_dumps of the flat object */
    for (int round = 0; round < 300; round++) {
        as_span_batch b;
        as_err e;
        as_span_batch_init(&b);
        as_span *s = add_span(&b, "{}");
        for (int i = (int)(rnd() % 12); i > 0; i--) {
            char k[32];
            snprintf(k, sizeof(k), "%c%d", "xyzk\n\""[rnd() % 6], (int)(rnd() % 9));
            json_object_set_new(s->attributes, k, rnd_value(0));
        }
        char *want = json_dumps(s->attributes, JSON_COMPACT | JSON_ENCODE_ANY);
        CHECK_INT(as_normalize_batch(&b, &e), AS_OK);
        CHECK_STR(s->attributes_json, want);
        free(want);
        as_span_batch_release(&b);
    }
}

TEST(json_text_parsed_as_jansson_does) {
    static const char *const texts[] = {
        "{\"a\":1}", "[1,2,3]", "{\"a\":1,\"a\":2,\"b\":[true,false,null]}", " \n{\"t\":0.7,\"m\":1024}",
        "{\"x\":1.0,\"y\":1e2,\"z\":-0,\"w\":-0.0,\"v\":1.5e-7,\"u\":123456789.123456789,\"s\":1E+300}",
        "{\"big\":12345678901234567890}", "{\"r\":1e400}", "[\"\\u00e9\\n\\ud83d\\ude00\\/\"]",
        "{\"n\":\"\\u0000\"}", "{} x", "{\"a\":}", "[", "{\"a\":01}", "{\"a\":-}", "{\"a\":1.}",
        "[0.1,0.2,0.30000000000000004,100.0,1e16,1e-5]", "{\"\\ud800\":1}", "\t[\r]",
        "[-9223372036854775808, 9223372036854775807]", "[-9223372036854775809]", "{\"a\" : [ 1 , 2 ] }",
        "[1e22,1e21,123e-20,5e-324,2.2250738585072014e-308,4.9e-324,1e-400]", "{\"a\":\"\x01\"}",
        "[tru]", "[nul]", "[1,]", "{\"a\":1,}", "[\"a\",{\"b\":{\"c\":[[],{}]}}]", "[1 2]", "{\"k\" 1}",
        "[-]", "[.5]", "[1e]", "[1e+]", "[0x10]", "[+1]", "[\"\\x\"]", "[\"\\u12\"]", "{\"\":\"\"}",
    };
    for (size_t i = 0; i < AS_ARRAY_LEN(texts); i++) {
        as_span_batch b;
        as_err e;
        as_span_batch_init(&b);
        as_span *s = add_span(&b, "{}");
        json_object_set_new(s->attributes, "metadata", json_string(texts[i]));
        json_t *want = json_object();
        json_t *parsed = json_loads(texts[i], 0, NULL);
        json_object_set_new(want, "metadata", parsed ? parsed : json_string(texts[i]));
        char *w = json_dumps(want, JSON_COMPACT | JSON_ENCODE_ANY);
        CHECK_INT(as_normalize_batch(&b, &e), AS_OK);
        CHECK_STR(s->attributes_json, w);
        free(w);
        json_decref(want);
        as_span_batch_release(&b);
    }
}

TEST_MAIN(T(span_kind), T(json_string_attributes), T(input_output_values), T(gen_ai_llm),
          T(gen_ai_does_not_override), T(gen_ai_operations), T(unflatten_arrays),
          T(unflatten_conflicts), T(unflatten_limits), T(flatten_roundtrip), T(flatten_shapes),
          T(hot_fields), T(idempotent_and_events_untouched), T(decode_then_normalize),
          T(text_as_jansson_wrote_it), T(json_text_parsed_as_jansson_does))
