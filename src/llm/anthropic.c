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
    as_arena a;
    as_arena_init(&a);
    const as_jval *schema = NULL;
    as_rc rc = llm_wire_check_request(who, req, err);
    if (rc) goto out;
    size_t n_system;
    if ((rc = llm_wire_check_chat(who, req, &n_system, err)) != AS_OK) goto out;
    if (req->answer != AS_LLM_ANSWER_TEXT &&
        !(schema = llm_wire_load_schema(who, req->schema_json, &a, err))) {
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

    llm_jw w = llm_jw_begin(&out->body, req);
    llm_jw_raw(&w, "\"model\":");
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
    rc = llm_jw_done(who, &w, err);
out:
    return llm_wire_build_end(rc, &a, out);
}

/* ---- responses --------------------------------------------------------- */

static as_rc anthropic_parse(const char *body, size_t n, as_llm_answer answer,
                             as_llm_response *resp, as_err *err) {
    static const char who[] = "anthropic";
    as_buf text;
    as_buf_init(&text, AS_BUF_UNLIMITED);
    bool any_text = false;
    as_llm_response r;
    llm_doc d;
    as_rc rc = llm_wire_parse_begin(who, body, n, resp, &r, &d, err);
    if (rc) return rc;

    const as_jval *type = llm_wire_get(d.root, "type");
    if (as_json_is(type, AS_J_STR) && strcmp(type->u.str, "error") == 0) {
        rc = llm_wire_error_reply(who, d.root, err);
        goto out;
    }
    const as_jval *content = llm_wire_get(d.root, "content");
    if (!as_json_is(content, AS_J_ARR)) {
        rc = as_err_set(err, AS_EINVAL, "%s response: no content", who);
        goto out;
    }
    for (size_t i = 0; i < content->n; i++) {
        const as_jval *block = &content->u.items[i];
        const as_jval *bt = llm_wire_get(block, "type");
        if (!as_json_is(bt, AS_J_STR)) {
            rc = as_err_set(err, AS_EINVAL, "%s response: no content[%zu].type", who, i);
            goto out;
        }
        /* Other blocks (thinking, redacted_thinking, server tool results)
         * are not part of the answer. */
        if (strcmp(bt->u.str, "text") == 0) {
            const as_jval *t = llm_wire_get(block, "text");
            if (!as_json_is(t, AS_J_STR)) {
                rc = as_err_set(err, AS_EINVAL, "%s response: no content[%zu].text", who, i);
                goto out;
            }
            llm_wire_put_str(&text, t);
            any_text = true;
        } else if (strcmp(bt->u.str, "tool_use") == 0 && !r.structured) {
            const as_jval *input = llm_wire_get(block, "input");
            if (!as_json_is(input, AS_J_OBJ)) {
                rc = as_err_set(err, AS_EINVAL, "%s response: no content[%zu].input", who, i);
                goto out;
            }
            r.structured = llm_wire_dump_json(input);
        }
    }
    if (any_text) r.text = as_buf_detach(&text, NULL);
    llm_wire_json_from_text(answer, &r, &d.arena);

    const as_jval *stop = llm_wire_get(d.root, "stop_reason");
    if (as_json_is(stop, AS_J_STR)) r.finish_reason = llm_wire_dup_str(stop);
    const as_jval *usage = llm_wire_get(d.root, "usage");
    if (as_json_is(usage, AS_J_OBJ)) {
        /* Input read from or written to the prompt cache is counted apart
         * from input_tokens; all of it is prompt. */
        r.prompt_tokens = llm_wire_count(usage, "input_tokens");
        if (r.prompt_tokens >= 0) {
            int64_t c = llm_wire_count(usage, "cache_creation_input_tokens");
            int64_t rd = llm_wire_count(usage, "cache_read_input_tokens");
            r.prompt_tokens = llm_wire_add(r.prompt_tokens,
                                           llm_wire_add(c > 0 ? c : 0, rd > 0 ? rd : 0));
        }
        r.completion_tokens = llm_wire_count(usage, "output_tokens");
        if (r.prompt_tokens >= 0 && r.completion_tokens >= 0)
            r.total_tokens = llm_wire_add(r.prompt_tokens, r.completion_tokens);
    }
    r.raw = as_xstrndup(body, n);
out:
    as_buf_release(&text);
    return llm_wire_parse_end(rc, &d, &r, resp, err);
}

const llm_provider llm_anthropic = { "anthropic", anthropic_build, anthropic_parse,
                                     llm_wire_error_text };
