/*
 * anthropic.c - the Anthropic messages API wire format.
 *
 * System messages leave the message list and are joined into the
 * top-level "system" string.  Anthropic has no JSON-schema response mode,
 * so both structured answers (TOOL and JSON) are a forced call of one tool
 * whose input_schema is the caller's schema; the tool_use block's input is
 * the answer.  max_tokens is required by this API: 1024 when the request
 * leaves it at 0.
 *
 * The JSON helpers shared with the other providers are in wire.c.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "assay/alloc.h"
#include "provider.h"
#include "wire.h"

#define ANTHROPIC_VERSION "2023-06-01"
#define ANTHROPIC_DEFAULT_URL "https://api.anthropic.com"
#define ANTHROPIC_DEFAULT_MAX_TOKENS 1024

/* ---- requests ---------------------------------------------------------- */

static as_rc anthropic_build(const as_llm_request *req, llm_http *out, as_err *err) {
    static const char who[] = "anthropic";
    llm_http_init(out);
    json_t *schema = NULL;
    as_rc rc = llm_wire_check_request(who, req, err);
    if (rc) goto out;
    size_t n_system;
    if ((rc = llm_wire_check_chat(who, req, &n_system, err)) != AS_OK) goto out;
    if (req->answer != AS_LLM_ANSWER_TEXT &&
        !(schema = llm_wire_load_schema(who, req->schema_json, err))) {
        rc = AS_EINVAL;
        goto out;
    }
    const as_llm_model *m = req->model;
    const char *base = m->base_url[0] ? m->base_url : ANTHROPIC_DEFAULT_URL;
    size_t blen = strlen(base);
    while (blen > 0 && base[blen - 1] == '/') blen--;
    out->url = as_xmalloc(blen + sizeof "/v1/messages");
    memcpy(out->url, base, blen);
    memcpy(out->url + blen, "/v1/messages", sizeof "/v1/messages");

    rc = llm_http_header(out, "content-type: application/json");
    if (rc == AS_OK) rc = llm_http_header(out, "anthropic-version: " ANTHROPIC_VERSION);
    if (rc == AS_OK) rc = llm_wire_secret_header(out, "x-api-key: ", m->api_key);
    if (rc) {
        rc = as_err_set(err, rc, "%s request: cannot add the headers", who);
        goto out;
    }

    llm_jw w = { &out->body, AS_OK };
    llm_jw_raw(&w, "{\"model\":");
    llm_jw_str(&w, m->model);
    llm_jw_raw(&w, ",\"max_tokens\":");
    llm_jw_int(&w, req->max_tokens > 0 ? req->max_tokens : ANTHROPIC_DEFAULT_MAX_TOKENS);
    if (n_system) {
        llm_jw_raw(&w, ",\"system\":");
        llm_jw_system(&w, req);
    }
    llm_jw_raw(&w, ",\"messages\":");
    llm_jw_messages(&w, req, false);
    llm_jw_raw(&w, ",\"temperature\":");
    llm_jw_num(&w, req->temperature);
    if (schema) {
        llm_jw_raw(&w, ",\"tools\":[{\"name\":");
        llm_jw_tool_name(&w, req);
        llm_jw_raw(&w, ",\"input_schema\":");
        llm_jw_json(&w, schema);
        llm_jw_raw(&w, "}],\"tool_choice\":{\"type\":\"tool\",\"name\":");
        llm_jw_str(&w, req->tool_name);
        llm_jw_raw(&w, "}");
    }
    llm_jw_raw(&w, "}");
    rc = llm_jw_done(who, &w, err);
out:
    json_decref(schema);
    if (rc) llm_http_clear(out);
    return rc;
}

/* ---- responses --------------------------------------------------------- */

static as_rc anthropic_parse(const char *body, size_t n, as_llm_answer answer,
                             as_llm_response *resp, as_err *err) {
    static const char who[] = "anthropic";
    as_buf text;
    as_buf_init(&text, AS_BUF_UNLIMITED);
    bool any_text = false;
    as_llm_response r;
    json_t *root;
    as_rc rc = llm_wire_parse_begin(who, body, n, resp, &r, &root, err);
    if (rc) return rc;

    const json_t *type = json_object_get(root, "type");
    if (json_is_string(type) && strcmp(json_string_value(type), "error") == 0) {
        rc = llm_wire_error_reply(who, root, err);
        goto out;
    }
    const json_t *content = json_object_get(root, "content");
    if (!json_is_array(content)) {
        rc = as_err_set(err, AS_EINVAL, "%s response: no content", who);
        goto out;
    }
    size_t i;
    const json_t *block;
    json_array_foreach(content, i, block) {
        const json_t *bt = json_object_get(block, "type");
        if (!json_is_string(bt)) {
            rc = as_err_set(err, AS_EINVAL, "%s response: no content[%zu].type", who, i);
            goto out;
        }
        /* Other blocks (thinking, redacted_thinking, server tool results)
         * are not part of the answer. */
        if (strcmp(json_string_value(bt), "text") == 0) {
            const json_t *t = json_object_get(block, "text");
            if (!json_is_string(t)) {
                rc = as_err_set(err, AS_EINVAL, "%s response: no content[%zu].text", who, i);
                goto out;
            }
            llm_wire_put_str(&text, t);
            any_text = true;
        } else if (strcmp(json_string_value(bt), "tool_use") == 0 && !r.structured) {
            const json_t *input = json_object_get(block, "input");
            if (!json_is_object(input)) {
                rc = as_err_set(err, AS_EINVAL, "%s response: no content[%zu].input", who, i);
                goto out;
            }
            r.structured = llm_wire_dump_json(input);
        }
    }
    if (any_text) r.text = as_buf_detach(&text, NULL);
    llm_wire_json_from_text(answer, &r);

    const json_t *stop = json_object_get(root, "stop_reason");
    if (json_is_string(stop)) r.finish_reason = llm_wire_dup_str(stop);
    const json_t *usage = json_object_get(root, "usage");
    if (json_is_object(usage)) {
        /* Input read from or written to the prompt cache is counted apart
         * from input_tokens; all of it is prompt. */
        r.prompt_tokens = llm_wire_count(usage, "input_tokens");
        if (r.prompt_tokens >= 0) {
            int64_t c = llm_wire_count(usage, "cache_creation_input_tokens");
            int64_t rd = llm_wire_count(usage, "cache_read_input_tokens");
            r.prompt_tokens += (c > 0 ? c : 0) + (rd > 0 ? rd : 0);
        }
        r.completion_tokens = llm_wire_count(usage, "output_tokens");
        if (r.prompt_tokens >= 0 && r.completion_tokens >= 0)
            r.total_tokens = r.prompt_tokens + r.completion_tokens;
    }
    r.raw = as_xstrndup(body, n);
out:
    as_buf_release(&text);
    return llm_wire_parse_end(rc, root, &r, resp, err);
}

const llm_provider llm_anthropic = { "anthropic", anthropic_build, anthropic_parse,
                                     llm_wire_error_text };
