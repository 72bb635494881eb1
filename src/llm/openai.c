/*
 * openai.c - the chat completions wire format: OpenAI itself, every
 * OpenAI-compatible server (Ollama, vLLM, llama.cpp, LiteLLM...), and Azure
 * OpenAI, which differs only in URL, key header and a body without "model".
 *
 * The JSON writer and the request, response and error-body helpers that
 * all providers share are in wire.c; this file exports only its vtables.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "assay/alloc.h"
#include "provider.h"
#include "wire.h"

/* ---- requests ---------------------------------------------------------- */

static void put_tools(llm_jw *w, const as_llm_request *req, const json_t *schema) {
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

static as_rc chat_build(const char *who, bool azure, const as_llm_request *req,
                        llm_http *out, as_err *err) {
    llm_http_init(out);
    json_t *schema = NULL;
    as_buf url;
    as_buf_init(&url, AS_BUF_UNLIMITED);
    as_rc rc = llm_wire_check_request(who, req, err);
    if (rc) goto out;
    if (req->answer != AS_LLM_ANSWER_TEXT &&
        !(schema = llm_wire_load_schema(who, req->schema_json, err))) {
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

    llm_jw w = { &out->body, AS_OK };
    llm_jw_raw(&w, "{");
    if (!azure) {
        llm_jw_raw(&w, "\"model\":");
        llm_jw_str(&w, m->model);
        llm_jw_raw(&w, ",");
    }
    llm_jw_raw(&w, "\"messages\":");
    llm_jw_messages(&w, req, true);
    llm_jw_raw(&w, ",\"temperature\":");
    llm_jw_num(&w, req->temperature);
    if (req->max_tokens > 0) {
        llm_jw_raw(&w, ",\"max_tokens\":");
        llm_jw_int(&w, req->max_tokens);
    }
    put_tools(&w, req, schema);
    llm_jw_raw(&w, "}");
    rc = llm_jw_done(who, &w, err);
out:
    json_decref(schema);
    as_buf_release(&url);
    if (rc) llm_http_clear(out);
    return rc;
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
static char *content_text(const json_t *content) {
    if (json_is_string(content)) return llm_wire_dup_str(content);
    if (!json_is_array(content)) return NULL;
    as_buf b;
    as_buf_init(&b, LLM_RESP_MAX);
    size_t i;
    const json_t *part;
    bool any = false;
    json_array_foreach(content, i, part) {
        const json_t *t = json_object_get(part, "text");
        if (!json_is_string(t)) continue;
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
    json_t *root;
    as_rc rc = llm_wire_parse_begin(who, body, n, resp, &r, &root, err);
    if (rc) return rc;

    const json_t *e = json_object_get(root, "error");
    const json_t *choices = json_object_get(root, "choices");
    const json_t *c0 = json_array_get(choices, 0);
    const json_t *msg = json_object_get(c0, "message");
    if (e && !json_is_null(e) && !json_is_array(choices)) {
        rc = llm_wire_error_reply(who, root, err);
        goto out;
    }
    if (!json_is_array(choices)) {
        rc = as_err_set(err, AS_EINVAL, "%s response: no choices", who);
        goto out;
    }
    if (!json_is_object(c0)) {
        rc = as_err_set(err, AS_EINVAL, "%s response: no choices[0]", who);
        goto out;
    }
    if (!json_is_object(msg)) {
        rc = as_err_set(err, AS_EINVAL, "%s response: no choices[0].message", who);
        goto out;
    }
    const json_t *fr = json_object_get(c0, "finish_reason");
    if (json_is_string(fr)) r.finish_reason = llm_wire_dup_str(fr);

    r.text = content_text(json_object_get(msg, "content"));
    /* Structured outputs: a refusal comes instead of the content. */
    const json_t *refusal = json_object_get(msg, "refusal");
    if (!r.text && json_is_string(refusal)) r.text = llm_wire_dup_str(refusal);

    const json_t *calls = json_object_get(msg, "tool_calls");
    bool called = json_is_array(calls) && json_array_size(calls) > 0;
    if (called) {
        const json_t *args =
            json_object_get(json_object_get(json_array_get(calls, 0), "function"), "arguments");
        if (json_is_string(args)) {
            char *s = llm_wire_dup_str(args);
            if (llm_wire_is_json_object(s)) {
                r.structured = s;
            } else {
                append_text(&r, s);
                free(s);
            }
        } else if (json_is_object(args)) {     /* some compatible servers */
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
    llm_wire_json_from_text(answer, &r);

    const json_t *usage = json_object_get(root, "usage");
    if (json_is_object(usage)) {
        r.prompt_tokens = llm_wire_count(usage, "prompt_tokens");
        r.completion_tokens = llm_wire_count(usage, "completion_tokens");
        r.total_tokens = llm_wire_count(usage, "total_tokens");
        if (r.total_tokens < 0 && r.prompt_tokens >= 0 && r.completion_tokens >= 0)
            r.total_tokens = r.prompt_tokens + r.completion_tokens;
    }
    r.raw = as_xstrndup(body, n);
out:
    return llm_wire_parse_end(rc, root, &r, resp, err);
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
