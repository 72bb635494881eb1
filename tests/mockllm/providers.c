/*
 * providers.c - the four wire formats the mock speaks.
 *
 * Each provider is a row of four functions (mockllm.h, mock_provider):
 * check the headers (key, required version headers), validate the body and
 * say what it asks for (prompt text, text / tool call / JSON, the schema's
 * label enum), then write the success or error body exactly as that API
 * shapes it.  The answer itself is decided elsewhere (script.c), so the
 * four providers agree on it for the same prompt.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include "mockllm.h"

/* ---- shared helpers ------------------------------------------------------ */

void mock_err_set(mock_err *e, int status, const char *param,
                  const char *code, const char *fmt, ...)
{
    va_list ap;
    e->status = status;
    snprintf(e->param, sizeof e->param, "%s", param ? param : "");
    e->code = code;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    /* A %.40s of user text may cut a UTF-8 sequence: keep bodies valid. */
    for (char *p = e->msg; *p; p++)
        if ((unsigned char)*p >= 0x80) *p = '?';
}

char *json_text(const json_t *j, size_t *len)
{
    char *s = j ? json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    if (!s) {
        fputs("mockllm: cannot encode JSON (out of memory or a bug)\n",
              stderr);
        abort();
    }
    if (len) *len = strlen(s);
    return s;
}

void prompt_add_content(mbuf *b, const json_t *content)
{
    size_t i;
    const json_t *part;

    if (json_is_string(content)) {
        mbuf_add(b, json_string_value(content), json_string_length(content));
        return;
    }
    if (!json_is_array(content)) return;
    json_array_foreach(content, i, part) {
        const json_t *t = json_object_get(part, "text");
        if (json_is_string(part))
            prompt_add_content(b, part);
        else if (json_is_string(t))
            prompt_add_content(b, t);
        else if (json_object_get(part, "content"))   /* tool results */
            prompt_add_content(b, json_object_get(part, "content"));
    }
}

void ask_clear(mock_ask *a)
{
    mbuf_release(&a->prompt);
    memset(a, 0, sizeof *a);
}

/* Take properties and the label enum from a JSON schema (may be NULL). */
static void ask_schema(mock_ask *ask, json_t *schema)
{
    json_t *props = json_object_get(schema, "properties");
    json_t *labels, *v;
    size_t i;

    if (!json_is_object(props)) return;
    ask->props = props;
    labels = json_object_get(json_object_get(props, "label"), "enum");
    if (!json_is_array(labels) || !json_array_size(labels)) return;
    json_array_foreach(labels, i, v)
        if (!json_is_string(v)) return;
    ask->labels = labels;
}

static const char *hdr(struct MHD_Connection *c, const char *name)
{
    return MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
}

static char *finish(json_t *root, size_t *len)
{
    char *s = json_text(root, len);
    json_decref(root);
    return s;
}

/* The text of a tool call's arguments / JSON answer and its byte count:
 * text= from a script replaces the generated JSON verbatim. */
static char *structured_text(const mock_ask *ask, const mock_answer *ans)
{
    return ans->text_override ? xstrdup(ans->text_override)
                              : answer_json(ask, ans);
}

/* For Anthropic and Gemini, whose tool input is an object: the generated
 * object, or text= parsed as an object; NULL when text= is not an object
 * (the reply is then that text, as from a model that did not call). */
static json_t *structured_object(const mock_ask *ask, const mock_answer *ans)
{
    json_t *o;
    if (!ans->text_override) return answer_object(ask, ans);
    o = json_loads(ans->text_override, 0, NULL);
    if (json_is_object(o)) return o;
    json_decref(o);
    return NULL;
}

/* ---- OpenAI and Azure ---------------------------------------------------- */

static int openai_auth(struct MHD_Connection *c, const char *key,
                       mock_err *err)
{
    const char *a = hdr(c, "Authorization");
    if (!key) return 0;
    if (!a || strncasecmp(a, "Bearer ", 7)) {
        mock_err_set(err, 401, NULL, NULL,
                     "You didn't provide an API key. You need to provide "
                     "your API key in an Authorization header using Bearer "
                     "auth (i.e. Authorization: Bearer YOUR_KEY).");
        return -1;
    }
    if (strcmp(a + 7, key)) {
        mock_err_set(err, 401, NULL, "invalid_api_key",
                     "Incorrect API key provided. You can find your API key "
                     "at https://platform.openai.com/account/api-keys.");
        return -1;
    }
    return 0;
}

static int azure_auth(struct MHD_Connection *c, const char *key,
                      mock_err *err)
{
    const char *k = hdr(c, "api-key");
    if (!MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND,
                                     "api-version")) {
        mock_err_set(err, 400, NULL, "BadRequest",
                     "Missing required query parameter 'api-version'.");
        return -1;
    }
    if (key && (!k || strcmp(k, key))) {
        mock_err_set(err, 401, NULL, "401",
                     "Access denied due to invalid subscription key or "
                     "wrong API endpoint. Make sure to provide a valid key "
                     "for an active subscription and use a correct regional "
                     "API endpoint for your resource.");
        return -1;
    }
    return 0;
}

static const char *const openai_roles[] = {
    "system", "developer", "user", "assistant", "tool", "function", NULL
};

static int role_ok(const char *role, const char *const *roles)
{
    for (; *roles; roles++)
        if (!strcmp(role, *roles)) return 1;
    return 0;
}

/* Pick the tool: tool_choice {type:function, function:{name}} or the first. */
static int openai_tool(json_t *root, mock_ask *ask, mock_err *err)
{
    json_t *tools = json_object_get(root, "tools");
    json_t *choice = json_object_get(root, "tool_choice");
    const char *want = json_string_value(json_object_get(
        json_object_get(choice, "function"), "name"));
    json_t *t;
    size_t i;

    if (!json_is_array(tools) || !json_array_size(tools)) return 0;
    if (json_is_string(choice) && !strcmp(json_string_value(choice), "none"))
        return 0;
    json_array_foreach(tools, i, t) {
        json_t *fn = json_object_get(t, "function");
        const char *name = json_string_value(json_object_get(fn, "name"));
        char param[64];
        if (!name) {
            snprintf(param, sizeof param, "tools[%zu].function.name", i);
            mock_err_set(err, 400, param, "missing_required_parameter",
                         "Missing required parameter: '%s'.", param);
            return -1;
        }
        if (ask->mode == MODE_TEXT && (!want || !strcmp(want, name))) {
            ask->mode = MODE_TOOL;
            ask->tool_name = name;
            ask_schema(ask, json_object_get(fn, "parameters"));
        }
    }
    if (ask->mode != MODE_TOOL) {
        mock_err_set(err, 400, "tool_choice", NULL,
                     "Invalid value for 'tool_choice': function '%s' is not "
                     "in 'tools'.", want);
        return -1;
    }
    return 0;
}

static int openai_format(json_t *root, mock_ask *ask, mock_err *err)
{
    json_t *rf = json_object_get(root, "response_format");
    const char *type = json_string_value(json_object_get(rf, "type"));
    json_t *js;

    if (!rf || json_is_null(rf)) return 0;
    if (!type) {
        mock_err_set(err, 400, "response_format.type",
                     "missing_required_parameter",
                     "Missing required parameter: 'response_format.type'.");
        return -1;
    }
    if (!strcmp(type, "text")) return 0;
    if (!strcmp(type, "json_object")) {
        ask->mode = MODE_JSON;
        return 0;
    }
    if (strcmp(type, "json_schema")) {
        mock_err_set(err, 400, "response_format.type", "invalid_value",
                     "Invalid value: '%s'. Supported values are: "
                     "'json_object', 'json_schema', and 'text'.", type);
        return -1;
    }
    js = json_object_get(rf, "json_schema");
    if (!json_is_object(js) || !json_is_string(json_object_get(js, "name"))) {
        const char *p = json_is_object(js) ? "response_format.json_schema.name"
                                           : "response_format.json_schema";
        mock_err_set(err, 400, p, "missing_required_parameter",
                     "Missing required parameter: '%s'.", p);
        return -1;
    }
    ask->mode = MODE_JSON;
    ask_schema(ask, json_object_get(js, "schema"));
    return 0;
}

static int openai_parse_common(json_t *root, mock_ask *ask, mock_err *err)
{
    json_t *msgs, *m;
    size_t i;

    if (!json_is_object(root)) {
        mock_err_set(err, 400, NULL, NULL,
                     "We could not parse the JSON body of your request. "
                     "(HINT: This likely means you aren't using your HTTP "
                     "library correctly. The OpenAI API expects a JSON "
                     "payload, but what was sent was not valid JSON.)");
        return -1;
    }
    msgs = json_object_get(root, "messages");
    if (!msgs) {
        mock_err_set(err, 400, "messages", "missing_required_parameter",
                     "Missing required parameter: 'messages'.");
        return -1;
    }
    if (!json_is_array(msgs)) {
        mock_err_set(err, 400, "messages", "invalid_type",
                     "Invalid type for 'messages': expected an array of "
                     "objects.");
        return -1;
    }
    if (!json_array_size(msgs)) {
        mock_err_set(err, 400, "messages", "empty_array",
                     "Invalid 'messages': empty array. Expected an array "
                     "with minimum length 1, but got an empty array "
                     "instead.");
        return -1;
    }
    json_array_foreach(msgs, i, m) {
        const char *role = json_string_value(json_object_get(m, "role"));
        char param[48];
        snprintf(param, sizeof param, "messages[%zu].role", i);
        if (!role) {
            mock_err_set(err, 400, param, "missing_required_parameter",
                         "Missing required parameter: '%s'.", param);
            return -1;
        }
        if (!role_ok(role, openai_roles)) {
            mock_err_set(err, 400, param, "invalid_value",
                         "Invalid value: '%.64s'. Supported values are: "
                         "'system', 'assistant', 'user', 'function', 'tool', "
                         "and 'developer'.", role);
            return -1;
        }
        prompt_add_content(&ask->prompt, json_object_get(m, "content"));
    }
    if (openai_tool(root, ask, err)) return -1;
    if (ask->mode == MODE_TEXT && openai_format(root, ask, err)) return -1;
    return 0;
}

static int openai_parse(const mock_route *rt, json_t *root, mock_ask *ask,
                        mock_err *err)
{
    (void)rt;
    if (json_is_object(root)) {
        ask->model = json_string_value(json_object_get(root, "model"));
        if (!ask->model) {
            mock_err_set(err, 400, "model", NULL,
                         "you must provide a model parameter");
            return -1;
        }
    }
    return openai_parse_common(root, ask, err);
}

static int azure_parse(const mock_route *rt, json_t *root, mock_ask *ask,
                       mock_err *err)
{
    ask->model = rt->name;
    return openai_parse_common(root, ask, err);
}

static json_t *azure_filters(void)
{
    static const char *const cats[] = {
        "hate", "self_harm", "sexual", "violence", NULL
    };
    json_t *o = json_object();
    for (const char *const *c = cats; *c; c++)
        json_object_set_new(o, *c, json_pack("{s:b,s:s}", "filtered", 0,
                                             "severity", "safe"));
    return o;
}

static char *openai_reply_common(const mock_ask *ask, const mock_answer *ans,
                                 int azure, size_t *len)
{
    json_t *msg = json_pack("{s:s}", "role", "assistant");
    json_t *choice, *root;
    const char *finish_reason = "stop";
    char id[64], *s = NULL;
    const char *content = ans->text;
    long long ptok = mock_tokens(ask->prompt.n), ctok;

    if (ask->mode == MODE_TOOL) {
        s = structured_text(ask, ans);
        snprintf(id, sizeof id, "call_mock%llu", ans->seq);
        json_object_set_new(msg, "content", json_null());
        json_object_set_new(msg, "tool_calls", json_pack(
            "[{s:s,s:s,s:{s:s,s:s}}]", "id", id, "type", "function",
            "function", "name", ask->tool_name, "arguments", s));
        finish_reason = "tool_calls";
        content = s;
    } else {
        if (ask->mode == MODE_JSON) content = s = structured_text(ask, ans);
        json_object_set_new(msg, "content", json_string(content));
    }
    ctok = mock_tokens(strlen(content));
    free(s);
    json_object_set_new(msg, "refusal", json_null());
    json_object_set_new(msg, "annotations", json_array());

    choice = json_pack("{s:i,s:o,s:n,s:s}", "index", 0, "message", msg,
                       "logprobs", "finish_reason", finish_reason);
    if (azure) json_object_set_new(choice, "content_filter_results",
                                   azure_filters());
    snprintf(id, sizeof id, "chatcmpl-mock%llu", ans->seq);
    root = json_pack(
        "{s:s,s:s,s:I,s:s,s:[o],s:{s:I,s:I,s:I,"
        "s:{s:i,s:i},s:{s:i,s:i,s:i,s:i}}}",
        "id", id, "object", "chat.completion",
        "created", (json_int_t)time(NULL), "model", ask->model ? ask->model : "",
        "choices", choice,
        "usage", "prompt_tokens", (json_int_t)ptok,
        "completion_tokens", (json_int_t)ctok,
        "total_tokens", (json_int_t)(ptok + ctok),
        "prompt_tokens_details", "cached_tokens", 0, "audio_tokens", 0,
        "completion_tokens_details", "reasoning_tokens", 0, "audio_tokens", 0,
        "accepted_prediction_tokens", 0, "rejected_prediction_tokens", 0);
    if (azure) {
        json_object_set_new(root, "prompt_filter_results", json_pack(
            "[{s:i,s:o}]", "prompt_index", 0,
            "content_filter_results", azure_filters()));
    } else {
        json_object_set_new(root, "service_tier", json_string("default"));
    }
    json_object_set_new(root, "system_fingerprint", json_string("fp_mockllm"));
    return finish(root, len);
}

static char *openai_reply(const mock_ask *ask, const mock_answer *ans,
                          size_t *len)
{
    return openai_reply_common(ask, ans, 0, len);
}

static char *azure_reply(const mock_ask *ask, const mock_answer *ans,
                         size_t *len)
{
    return openai_reply_common(ask, ans, 1, len);
}

static char *openai_error(const mock_err *e, size_t *len)
{
    const char *type = "invalid_request_error", *code = e->code;
    if (e->status == 429) {
        type = "requests";
        if (!code) code = "rate_limit_exceeded";
    } else if (e->status == 403) {
        type = "permission_error";
    } else if (e->status >= 500) {
        type = "server_error";
    }
    return finish(json_pack("{s:{s:s,s:s,s:o,s:o}}", "error",
                            "message", e->msg, "type", type,
                            "param", e->param[0] ? json_string(e->param)
                                                 : json_null(),
                            "code", code ? json_string(code) : json_null()),
                  len);
}

/* Azure answers auth, rate-limit and routing errors with its own gateway
 * shape {"error":{"code":"429","message":...}}; model errors as OpenAI. */
static char *azure_error(const mock_err *e, size_t *len)
{
    char code[16];
    if (e->status != 401 && e->status != 429 &&
        !(e->code && !strcmp(e->code, "BadRequest")))
        return openai_error(e, len);
    snprintf(code, sizeof code, "%d", e->status);
    return finish(json_pack("{s:{s:s,s:s}}", "error", "code",
                            e->code && e->status != 429 ? e->code : code,
                            "message", e->msg), len);
}

const mock_provider prov_openai = {
    "openai", openai_auth, openai_parse, openai_reply, openai_error
};
const mock_provider prov_azure = {
    "azure", azure_auth, azure_parse, azure_reply, azure_error
};

/* ---- Anthropic ----------------------------------------------------------- */

static int anthropic_headers(struct MHD_Connection *c, const char *key,
                             mock_err *err)
{
    const char *k = hdr(c, "x-api-key");
    if (key && !k) {
        mock_err_set(err, 401, NULL, NULL, "x-api-key header is required");
        return -1;
    }
    if (key && strcmp(k, key)) {
        mock_err_set(err, 401, NULL, NULL, "invalid x-api-key");
        return -1;
    }
    if (!hdr(c, "anthropic-version")) {
        mock_err_set(err, 400, "anthropic-version", NULL,
                     "anthropic-version: header is required");
        return -1;
    }
    return 0;
}

static int anthropic_parse(const mock_route *rt, json_t *root, mock_ask *ask,
                           mock_err *err)
{
    json_t *msgs, *m, *tools, *t, *mt, *of;
    const char *choice, *want;
    size_t i;

    (void)rt;
    if (!json_is_object(root)) {
        mock_err_set(err, 400, NULL, NULL,
                     "There was an issue with the request body: it is not "
                     "valid JSON.");
        return -1;
    }
    ask->model = json_string_value(json_object_get(root, "model"));
    if (!ask->model) {
        mock_err_set(err, 400, "model", NULL, "model: Field required");
        return -1;
    }
    mt = json_object_get(root, "max_tokens");
    if (!mt) {
        mock_err_set(err, 400, "max_tokens", NULL,
                     "max_tokens: Field required");
        return -1;
    }
    if (!json_is_integer(mt) || json_integer_value(mt) < 1) {
        mock_err_set(err, 400, "max_tokens", NULL,
                     "max_tokens: Input should be a valid integer greater "
                     "than or equal to 1");
        return -1;
    }
    msgs = json_object_get(root, "messages");
    if (!json_is_array(msgs)) {
        mock_err_set(err, 400, "messages", NULL, msgs
                     ? "messages: Input should be a valid list"
                     : "messages: Field required");
        return -1;
    }
    if (!json_array_size(msgs)) {
        mock_err_set(err, 400, "messages", NULL,
                     "messages: at least one message is required");
        return -1;
    }
    prompt_add_content(&ask->prompt, json_object_get(root, "system"));
    json_array_foreach(msgs, i, m) {
        const char *role = json_string_value(json_object_get(m, "role"));
        if (role && !strcmp(role, "system")) {
            mock_err_set(err, 400, "messages", NULL,
                         "messages: Unexpected role \"system\". The Messages "
                         "API accepts a top-level `system` parameter, not "
                         "\"system\" as an input message role.");
            return -1;
        }
        if (!role || (strcmp(role, "user") && strcmp(role, "assistant"))) {
            mock_err_set(err, 400, "messages", NULL,
                         role ? "messages.%zu.role: Input should be 'user' "
                                "or 'assistant'"
                              : "messages.%zu.role: Field required", i);
            return -1;
        }
        if (!json_object_get(m, "content")) {
            mock_err_set(err, 400, "messages", NULL,
                         "messages.%zu.content: Field required", i);
            return -1;
        }
        prompt_add_content(&ask->prompt, json_object_get(m, "content"));
    }

    tools = json_object_get(root, "tools");
    choice = json_string_value(json_object_get(
        json_object_get(root, "tool_choice"), "type"));
    want = choice && !strcmp(choice, "tool")
        ? json_string_value(json_object_get(
              json_object_get(root, "tool_choice"), "name"))
        : NULL;
    if (json_is_array(tools) && !(choice && !strcmp(choice, "none"))) {
        json_array_foreach(tools, i, t) {
            const char *name = json_string_value(json_object_get(t, "name"));
            if (!name) {
                mock_err_set(err, 400, "tools", NULL,
                             "tools.%zu.name: Field required", i);
                return -1;
            }
            if (!json_object_get(t, "type") &&
                !json_is_object(json_object_get(t, "input_schema"))) {
                mock_err_set(err, 400, "tools", NULL,
                             "tools.%zu.custom.input_schema: Field required",
                             i);
                return -1;
            }
            if (ask->mode == MODE_TEXT && (!want || !strcmp(want, name))) {
                ask->mode = MODE_TOOL;
                ask->tool_name = name;
                ask_schema(ask, json_object_get(t, "input_schema"));
            }
        }
        if (want && ask->mode != MODE_TOOL) {
            mock_err_set(err, 400, "tool_choice", NULL,
                         "tool_choice.name: tool '%.64s' not found in tools",
                         want);
            return -1;
        }
    }
    /* Structured outputs: output_format {type:"json_schema", schema}. */
    of = json_object_get(root, "output_format");
    if (ask->mode == MODE_TEXT && json_is_object(of)) {
        ask->mode = MODE_JSON;
        ask_schema(ask, json_object_get(of, "schema"));
    }
    return 0;
}

static char *anthropic_reply(const mock_ask *ask, const mock_answer *ans,
                             size_t *len)
{
    json_t *content, *root, *obj = NULL;
    const char *stop = "end_turn";
    char id[64], *s = NULL;
    long long ptok = mock_tokens(ask->prompt.n), ctok;

    if (ask->mode == MODE_TOOL) obj = structured_object(ask, ans);
    if (obj) {
        s = json_text(obj, NULL);
        ctok = mock_tokens(strlen(s));
        snprintf(id, sizeof id, "toolu_mock%llu", ans->seq);
        content = json_pack("[{s:s,s:s,s:s,s:o}]", "type", "tool_use",
                            "id", id, "name", ask->tool_name, "input", obj);
        stop = "tool_use";
    } else {
        const char *text = ans->text;
        if (ask->mode != MODE_TEXT) text = s = structured_text(ask, ans);
        ctok = mock_tokens(strlen(text));
        content = json_pack("[{s:s,s:s}]", "type", "text", "text", text);
    }
    free(s);
    snprintf(id, sizeof id, "msg_mock%llu", ans->seq);
    root = json_pack("{s:s,s:s,s:s,s:s,s:o,s:s,s:n,"
                     "s:{s:I,s:i,s:i,s:I,s:s}}",
                     "id", id, "type", "message", "role", "assistant",
                     "model", ask->model, "content", content,
                     "stop_reason", stop, "stop_sequence",
                     "usage", "input_tokens", (json_int_t)ptok,
                     "cache_creation_input_tokens", 0,
                     "cache_read_input_tokens", 0,
                     "output_tokens", (json_int_t)ctok,
                     "service_tier", "standard");
    return finish(root, len);
}

static char *anthropic_error(const mock_err *e, size_t *len)
{
    const char *type;
    switch (e->status) {
    case 401: type = "authentication_error"; break;
    case 402: type = "billing_error"; break;
    case 403: type = "permission_error"; break;
    case 404: type = "not_found_error"; break;
    case 413: type = "request_too_large"; break;
    case 429: type = "rate_limit_error"; break;
    case 503: case 529: type = "overloaded_error"; break;
    case 504: type = "timeout_error"; break;
    default: type = e->status >= 500 ? "api_error" : "invalid_request_error";
    }
    return finish(json_pack("{s:s,s:{s:s,s:s}}", "type", "error", "error",
                            "type", type, "message", e->msg), len);
}

const mock_provider prov_anthropic = {
    "anthropic", anthropic_headers, anthropic_parse, anthropic_reply,
    anthropic_error
};

/* ---- Gemini -------------------------------------------------------------- */

static int gemini_auth(struct MHD_Connection *c, const char *key,
                       mock_err *err)
{
    const char *k = hdr(c, "x-goog-api-key");
    if (!k) k = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "key");
    if (!key) return 0;
    if (!k) {
        mock_err_set(err, 401, NULL, NULL,
                     "Method doesn't allow unregistered callers (callers "
                     "without established identity). Please use API Key or "
                     "other form of API consumer identity to call this API.");
        return -1;
    }
    if (strcmp(k, key)) {
        mock_err_set(err, 401, NULL, NULL,
                     "API key not valid. Please pass a valid API key.");
        return -1;
    }
    return 0;
}

static int gemini_parse(const mock_route *rt, json_t *root, mock_ask *ask,
                        mock_err *err)
{
    json_t *contents, *c, *tools, *t, *gc, *schema;
    const char *mode, *want, *mime;
    json_t *fcc;
    size_t i, j;

    if (!json_is_object(root)) {
        mock_err_set(err, 400, NULL, NULL,
                     "Invalid JSON payload received. Unexpected token.");
        return -1;
    }
    ask->model = rt->name;
    contents = json_object_get(root, "contents");
    if (!json_is_array(contents) || !json_array_size(contents)) {
        mock_err_set(err, 400, "contents", NULL,
                     "* GenerateContentRequest.contents: contents is not "
                     "specified");
        return -1;
    }
    prompt_add_content(&ask->prompt, json_object_get(
        json_object_get(root, "systemInstruction"), "parts"));
    json_array_foreach(contents, i, c) {
        const char *role = json_string_value(json_object_get(c, "role"));
        json_t *parts = json_object_get(c, "parts");
        if (role && strcmp(role, "user") && strcmp(role, "model")) {
            mock_err_set(err, 400, "contents", NULL,
                         "Please use a valid role: user, model.");
            return -1;
        }
        if (!json_is_array(parts) || !json_array_size(parts)) {
            mock_err_set(err, 400, "contents", NULL,
                         "* GenerateContentRequest.contents[%zu].parts: "
                         "contents.parts must not be empty.", i);
            return -1;
        }
        prompt_add_content(&ask->prompt, parts);
    }

    fcc = json_object_get(json_object_get(root, "toolConfig"),
                          "functionCallingConfig");
    mode = json_string_value(json_object_get(fcc, "mode"));
    want = json_string_value(json_array_get(
        json_object_get(fcc, "allowedFunctionNames"), 0));
    tools = json_object_get(root, "tools");
    if (json_is_array(tools) && !(mode && !strcasecmp(mode, "NONE"))) {
        json_array_foreach(tools, i, t) {
            json_t *decls = json_object_get(t, "functionDeclarations"), *d;
            json_array_foreach(decls, j, d) {
                const char *name = json_string_value(json_object_get(d, "name"));
                json_t *params;
                if (!name) {
                    mock_err_set(err, 400, "tools", NULL,
                                 "* GenerateContentRequest.tools[%zu]."
                                 "function_declarations[%zu].name: Name "
                                 "cannot be empty.", i, j);
                    return -1;
                }
                if (ask->mode != MODE_TEXT || (want && strcmp(want, name)))
                    continue;
                ask->mode = MODE_TOOL;
                ask->tool_name = name;
                params = json_object_get(d, "parameters");
                if (!params) params = json_object_get(d, "parametersJsonSchema");
                ask_schema(ask, params);
            }
        }
    }
    if (ask->mode != MODE_TEXT) return 0;
    gc = json_object_get(root, "generationConfig");
    schema = json_object_get(gc, "responseSchema");
    if (!schema) schema = json_object_get(gc, "responseJsonSchema");
    mime = json_string_value(json_object_get(gc, "responseMimeType"));
    if (schema || (mime && !strcmp(mime, "application/json"))) {
        ask->mode = MODE_JSON;
        ask_schema(ask, schema);
    }
    return 0;
}

static char *gemini_reply(const mock_ask *ask, const mock_answer *ans,
                          size_t *len)
{
    json_t *part, *root, *obj = NULL;
    char id[64], *s = NULL;
    long long ptok = mock_tokens(ask->prompt.n), ctok;

    if (ask->mode == MODE_TOOL) obj = structured_object(ask, ans);
    if (obj) {
        s = json_text(obj, NULL);
        ctok = mock_tokens(strlen(s));
        part = json_pack("{s:{s:s,s:o}}", "functionCall", "name",
                         ask->tool_name, "args", obj);
    } else {
        const char *text = ans->text;
        if (ask->mode != MODE_TEXT) text = s = structured_text(ask, ans);
        ctok = mock_tokens(strlen(text));
        part = json_pack("{s:s}", "text", text);
    }
    free(s);
    snprintf(id, sizeof id, "mock%llu", ans->seq);
    root = json_pack("{s:[{s:{s:[o],s:s},s:s,s:i}],s:{s:I,s:I,s:I},"
                     "s:s,s:s}",
                     "candidates", "content", "parts", part, "role", "model",
                     "finishReason", "STOP", "index", 0,
                     "usageMetadata", "promptTokenCount", (json_int_t)ptok,
                     "candidatesTokenCount", (json_int_t)ctok,
                     "totalTokenCount", (json_int_t)(ptok + ctok),
                     "modelVersion", ask->model, "responseId", id);
    return finish(root, len);
}

static char *gemini_error(const mock_err *e, size_t *len)
{
    const char *status;
    switch (e->status) {
    case 400: status = "INVALID_ARGUMENT"; break;
    case 401: status = "UNAUTHENTICATED"; break;
    case 403: status = "PERMISSION_DENIED"; break;
    case 404: status = "NOT_FOUND"; break;
    case 409: status = "ABORTED"; break;
    case 429: status = "RESOURCE_EXHAUSTED"; break;
    case 499: status = "CANCELLED"; break;
    case 501: status = "UNIMPLEMENTED"; break;
    case 503: status = "UNAVAILABLE"; break;
    case 504: status = "DEADLINE_EXCEEDED"; break;
    default: status = e->status >= 500 ? "INTERNAL" : "FAILED_PRECONDITION";
    }
    return finish(json_pack("{s:{s:i,s:s,s:s}}", "error", "code", e->status,
                            "message", e->msg, "status", status), len);
}

const mock_provider prov_gemini = {
    "gemini", gemini_auth, gemini_parse, gemini_reply, gemini_error
};
