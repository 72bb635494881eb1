/*
 * openai.c - the chat completions wire format: OpenAI itself, every
 * OpenAI-compatible server (Ollama, vLLM, llama.cpp, LiteLLM...), and Azure
 * OpenAI, which differs only in URL, key header and a body without "model".
 *
 * The JSON writer and the request, response and error-body helpers that
 * all providers share are in wire.c; this file exports only its vtables.
 */
#include <stdlib.h>
#include <string.h>

#include "assay/alloc.h"
#include "provider.h"
#include "wire.h"

/* ---- requests ---------------------------------------------------------- */

static void put_tools(llm_jw *w, const as_llm_request *req, const as_jval *schema) {
    if (req->answer == AS_LLM_ANSWER_TOOL) {
        llm_jw_raw(w, ",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":");
        llm_jw_tool_name(w, req);
        llm_jw_raw(w, ",\"parameters\":");
        llm_jw_json(w, schema);
        llm_jw_raw(w, "}}],\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":");
        llm_jw_str(w, req->tool_name);
        llm_jw_raw(w, "}}");
    } else if (req->answer == AS_LLM_ANSWER_JSON) {
        llm_jw_raw(w, ",\"response_format\":{\"type\":\"json_schema\","
                      "\"json_schema\":{\"name\":");
        llm_jw_tool_name(w, req);
        llm_jw_raw(w, ",\"schema\":");
        llm_jw_json(w, schema);
        llm_jw_raw(w, ",\"strict\":true}}");
    }
}

/* OpenAI's reasoning models (o1, o3, o4-mini, gpt-5...) refuse a
 * temperature other than the default and want max_completion_tokens. */
static bool reasoning_model(const char *model) {
    static const char *const prefixes[] = { "o1", "o3", "o4", "gpt-5" };
    for (size_t i = 0; i < AS_ARRAY_LEN(prefixes); i++) {
        size_t n = strlen(prefixes[i]);
        if (strncmp(model, prefixes[i], n) == 0 && (model[n] == '\0' || model[n] == '-'))
            return true;
    }
    return false;
}

static as_rc chat_build(const char *who, bool azure, const as_llm_request *req,
                        llm_http *out, as_err *err) {
    llm_http_init(out);
    as_arena a;
    as_arena_init(&a);
    const as_jval *schema = NULL;
    as_buf url;
    as_buf_init(&url, AS_BUF_UNLIMITED);
    as_rc rc = llm_wire_check_request(who, req, err);
    if (rc) goto out;
    if (req->answer != AS_LLM_ANSWER_TEXT &&
        !(schema = llm_wire_load_schema(who, req->schema_json, &a, err))) {
        rc = AS_EINVAL;
        goto out;
    }
    const as_llm_model *m = req->model;
    const char *base = m->base_url[0] ? m->base_url : azure ? "" : "https://api.openai.com/v1";
    size_t blen = strlen(base);
    while (blen > 0 && base[blen - 1] == '/') blen--;
    if (blen == 0) {
        rc = as_err_set(err, AS_EINVAL, "%s request: no endpoint (base_url)", who);
        goto out;
    }
    as_buf_append(&url, base, blen);
    if (azure) {
        if (!m->api_version[0]) {
            rc = as_err_set(err, AS_EINVAL, "%s request: no api-version "
                            "(AZURE_OPENAI_API_VERSION)", who);
            goto out;
        }
        as_buf_puts(&url, "/openai/deployments/");
        llm_wire_url_segment(&url, m->model);
        as_buf_puts(&url, "/chat/completions?api-version=");
        llm_wire_url_segment(&url, m->api_version);
    } else {
        as_buf_puts(&url, "/chat/completions");
    }
    out->url = as_buf_detach(&url, NULL);

    rc = llm_http_header(out, "Content-Type: application/json");
    if (rc == AS_OK)
        rc = llm_wire_secret_header(out, azure ? "api-key: " : "Authorization: Bearer ",
                                    m->api_key);
    if (rc) {
        rc = as_err_set(err, rc, "%s request: cannot add the headers", who);
        goto out;
    }

    llm_jw w = llm_jw_begin(&out->body, req);
    if (!azure) {
        llm_jw_raw(&w, "\"model\":");
        llm_jw_str(&w, m->model);
        llm_jw_raw(&w, ",");
    }
    llm_jw_raw(&w, "\"messages\":");
    llm_jw_messages(&w, req, true);
    bool reasoning = !azure && reasoning_model(m->model);
    if (!reasoning) {              /* reasoning models accept only the default */
        llm_jw_raw(&w, ",\"temperature\":");
        llm_jw_num(&w, req->temperature);
    }
    if (req->max_tokens > 0) {
        llm_jw_raw(&w, reasoning ? ",\"max_completion_tokens\":" : ",\"max_tokens\":");
        llm_jw_int(&w, req->max_tokens);
    }
    put_tools(&w, req, schema);
    rc = llm_jw_done(who, &w, err);
out:
    as_buf_release(&url);
    return llm_wire_build_end(rc, &a, out);
}

static as_rc openai_build(const as_llm_request *req, llm_http *out, as_err *err) {
    return chat_build("openai", false, req, out, err);
}

static as_rc azure_build(const as_llm_request *req, llm_http *out, as_err *err) {
    return chat_build("azure", true, req, out, err);
}

/* ---- responses --------------------------------------------------------- */

/* message.content: a string, or (some compatible servers) an array of
 * {"type":"text","text":...} parts.  NULL when there is no text. */
static char *content_text(const as_jval *content) {
    if (as_json_is(content, AS_J_STR)) return llm_wire_dup_str(content);
    if (!as_json_is(content, AS_J_ARR)) return NULL;
    as_buf b;
    as_buf_init(&b, LLM_RESP_MAX);
    bool any = false;
    for (size_t i = 0; i < content->n; i++) {
        const as_jval *t = llm_wire_get(&content->u.items[i], "text");
        if (!as_json_is(t, AS_J_STR)) continue;
        llm_wire_put_str(&b, t);
        any = true;
    }
    if (!any) return NULL;
    return as_buf_detach(&b, NULL);
}

/* Text and tool arguments that did not parse: both go to text, so the
 * caller can still find an answer in them. */
static void append_text(as_llm_response *r, const char *s) {
    if (!r->text) {
        r->text = as_xstrdup(s);
        return;
    }
    size_t a = strlen(r->text), b = strlen(s);
    r->text = as_xrealloc(r->text, a + 2 + b + 1);
    memcpy(r->text + a, "\n\n", 2);
    memcpy(r->text + a + 2, s, b + 1);
}

static as_rc chat_parse(const char *who, const char *body, size_t n, as_llm_answer answer,
                        as_llm_response *resp, as_err *err) {
    as_llm_response r;
    llm_doc d;
    as_rc rc = llm_wire_parse_begin(who, body, n, resp, &r, &d, err);
    if (rc) return rc;

    const as_jval *e = llm_wire_get(d.root, "error");
    const as_jval *choices = llm_wire_get(d.root, "choices");
    const as_jval *c0 = as_json_at(choices, 0);
    const as_jval *msg = llm_wire_get(c0, "message");
    if (e && e->type != AS_J_NULL && !as_json_is(choices, AS_J_ARR)) {
        rc = llm_wire_error_reply(who, d.root, err);
        goto out;
    }
    if (!as_json_is(choices, AS_J_ARR)) {
        rc = as_err_set(err, AS_EINVAL, "%s response: no choices", who);
        goto out;
    }
    if (!as_json_is(c0, AS_J_OBJ)) {
        rc = as_err_set(err, AS_EINVAL, "%s response: no choices[0]", who);
        goto out;
    }
    if (!as_json_is(msg, AS_J_OBJ)) {
        rc = as_err_set(err, AS_EINVAL, "%s response: no choices[0].message", who);
        goto out;
    }
    const as_jval *fr = llm_wire_get(c0, "finish_reason");
    if (as_json_is(fr, AS_J_STR)) r.finish_reason = llm_wire_dup_str(fr);

    r.text = content_text(llm_wire_get(msg, "content"));
    /* Structured outputs: a refusal comes instead of the content. */
    const as_jval *refusal = llm_wire_get(msg, "refusal");
    if (!r.text && as_json_is(refusal, AS_J_STR)) r.text = llm_wire_dup_str(refusal);

    const as_jval *calls = llm_wire_get(msg, "tool_calls");
    bool called = as_json_is(calls, AS_J_ARR) && calls->n > 0;
    if (called) {
        const as_jval *args =
            llm_wire_get(llm_wire_get(as_json_at(calls, 0), "function"), "arguments");
        if (as_json_is(args, AS_J_STR)) {
            char *s = llm_wire_dup_str(args);
            if (llm_wire_is_json_object(s, &d.arena)) {
                r.structured = s;
            } else {
                append_text(&r, s);
                free(s);
            }
        } else if (as_json_is(args, AS_J_OBJ)) {     /* some compatible servers */
            r.structured = llm_wire_dump_json(args);
        } else {
            rc = as_err_set(err, AS_EINVAL, "%s response: no choices[0].message.tool_calls[0]"
                            ".function.arguments", who);
            goto out;
        }
    }
    if (!r.text && !called) {
        rc = as_err_set(err, AS_EINVAL, "%s response: no choices[0].message.content%s%s%s",
                        who, r.finish_reason ? " (finish_reason " : "",
                        r.finish_reason ? r.finish_reason : "", r.finish_reason ? ")" : "");
        goto out;
    }
    llm_wire_json_from_text(answer, &r, &d.arena);

    const as_jval *usage = llm_wire_get(d.root, "usage");
    if (as_json_is(usage, AS_J_OBJ)) {
        r.prompt_tokens = llm_wire_count(usage, "prompt_tokens");
        r.completion_tokens = llm_wire_count(usage, "completion_tokens");
        r.total_tokens = llm_wire_count(usage, "total_tokens");
        if (r.total_tokens < 0 && r.prompt_tokens >= 0 && r.completion_tokens >= 0)
            r.total_tokens = llm_wire_add(r.prompt_tokens, r.completion_tokens);
    }
    r.raw = as_xstrndup(body, n);
out:
    return llm_wire_parse_end(rc, &d, &r, resp, err);
}

static as_rc openai_parse(const char *body, size_t n, as_llm_answer answer,
                          as_llm_response *resp, as_err *err) {
    return chat_parse("openai", body, n, answer, resp, err);
}

static as_rc azure_parse(const char *body, size_t n, as_llm_answer answer,
                         as_llm_response *resp, as_err *err) {
    return chat_parse("azure", body, n, answer, resp, err);
}

const llm_provider llm_openai = { "openai", openai_build, openai_parse, llm_wire_error_text };
const llm_provider llm_azure = { "azure", azure_build, azure_parse, llm_wire_error_text };
