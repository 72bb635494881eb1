/*
 * llm.h - LLM providers and the asynchronous request engine.
 *
 * A model is named "provider:model[@base_url]":
 *     openai:gpt-4o-mini
 *     openai:llama3@http://127.0.0.1:11434/v1     (any OpenAI-compatible server)
 *     azure:my-deployment                          (AZURE_OPENAI_ENDPOINT)
 *     anthropic:claude-sonnet-4-5
 *     gemini:gemini-2.0-flash
 * as_llm_model_resolve() turns the name into an endpoint: base URL and key
 * from the spec, else the environment (OPENAI_API_KEY, OPENAI_BASE_URL,
 * ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL, AZURE_OPENAI_API_KEY,
 * AZURE_OPENAI_ENDPOINT, AZURE_OPENAI_API_VERSION, GEMINI_API_KEY,
 * GEMINI_BASE_URL), else the config file, else the provider's default URL.
 * The key is a secret: it goes into one request header and nowhere else -
 * never into a message, a log line, a cache key or an output file.
 *
 * The engine (one per process) runs libcurl multi on its own thread.
 * Callers submit requests and get one completion callback per request, on
 * the engine thread.  Per-endpoint concurrency limit with adaptive cuts on
 * 429/overload, retries with exponential backoff and jitter that honour
 * Retry-After, a per-attempt timeout, an overall deadline, cancellation and
 * a response cache.  The engine only talks to the endpoints named by the
 * models it is given: no telemetry, no update checks.
 */
#ifndef ASSAY_LLM_H
#define ASSAY_LLM_H
#include "assay/common.h"

typedef enum as_llm_kind {
    AS_LLM_OPENAI = 0,   /* chat completions; also every compatible server */
    AS_LLM_AZURE,        /* Azure OpenAI deployments                        */
    AS_LLM_ANTHROPIC,    /* messages API                                    */
    AS_LLM_GEMINI        /* generateContent                                 */
} as_llm_kind;

#define AS_LLM_NAME_MAX 256
#define AS_LLM_URL_MAX 1024
#define AS_LLM_KEY_MAX 512

/* A resolved model endpoint.  Plain data, copyable; holds the key. */
typedef struct as_llm_model {
    as_llm_kind kind;
    char provider[16];                /* "openai", "azure", ...           */
    char model[AS_LLM_NAME_MAX];      /* model or Azure deployment name    */
    char base_url[AS_LLM_URL_MAX];    /* no trailing slash                 */
    char api_key[AS_LLM_KEY_MAX];     /* secret; "" when none (local)      */
    char api_version[64];             /* Azure api-version                 */
} as_llm_model;

/* Provider settings from a config file (JSON):
 *   {"providers": {"openai": {"api_key": "...", "base_url": "..."},
 *                  "azure": {"api_key", "endpoint", "api_version"}, ...},
 *    "prices": "/path/to/prices.json"}
 * Default path: $ASSAY_CONFIG, else $XDG_CONFIG_HOME/assay/config.json,
 * else ~/.config/assay/config.json; a missing default file is not an error. */
typedef struct as_llm_config as_llm_config;
as_rc as_llm_config_load(const char *path, as_llm_config **out, as_err *err);
void as_llm_config_free(as_llm_config *cfg);
/* Path of a user price table named by the config, or NULL. */
const char *as_llm_config_prices(const as_llm_config *cfg);

/* Parse "provider:model[@base_url]" and fill in URL and key (cfg may be
 * NULL).  Unknown provider -> AS_EINVAL naming the ones that exist; a hosted
 * provider without a key -> AS_EINVAL naming the variable to set. */
as_rc as_llm_model_resolve(const char *spec, const as_llm_config *cfg,
                           as_llm_model *out, as_err *err);

/* ---- requests and responses -------------------------------------------- */

typedef struct as_llm_msg {
    const char *role;      /* "system", "user" or "assistant" */
    const char *content;
} as_llm_msg;

typedef enum as_llm_answer {
    AS_LLM_ANSWER_TEXT = 0,   /* free text                                   */
    AS_LLM_ANSWER_TOOL,       /* forced function/tool call with schema       */
    AS_LLM_ANSWER_JSON        /* response constrained to a JSON schema       */
} as_llm_answer;

/* Borrowed by as_llm_submit only for the duration of the call (the engine
 * serialises it at once). */
typedef struct as_llm_request {
    const as_llm_model *model;
    const as_llm_msg *msgs;
    size_t n_msgs;
    double temperature;          /* 0 by default in every caller            */
    int max_tokens;              /* 0: provider default (Anthropic: 1024)   */
    as_llm_answer answer;
    const char *tool_name;       /* TOOL/JSON: name of the function/schema  */
    const char *tool_description;
    const char *schema_json;     /* TOOL/JSON: JSON schema (object) text    */
} as_llm_request;

/* What came back.  All strings heap-allocated, owned by the response;
 * as_llm_response_clear frees them. */
typedef struct as_llm_response {
    char *text;              /* assistant text, or NULL                      */
    char *structured;        /* TOOL: the call's arguments; JSON: the JSON
                                answer (text of a JSON object), or NULL      */
    char *raw;               /* the raw response body (for the record)       */
    char *finish_reason;     /* as the provider names it, or NULL            */
    int64_t prompt_tokens;   /* -1 when the provider did not say             */
    int64_t completion_tokens;
    int64_t total_tokens;
} as_llm_response;

void as_llm_response_clear(as_llm_response *r);

/* ---- prices ------------------------------------------------------------ */

/* A price table (USD per million tokens), built-in plus user entries; user
 * entries win.  Entries: {"provider": "openai", "model": "gpt-4o-mini*",
 * "input": 0.15, "output": 0.60} - model is exact or a prefix with a
 * trailing '*'.  Unknown models have no price: cost is reported as unknown,
 * never as a guess. */
typedef struct as_llm_prices as_llm_prices;
as_rc as_llm_prices_load(const char *user_path, as_llm_prices **out, as_err *err);
void as_llm_prices_free(as_llm_prices *p);
/* Cost in USD into *usd; false when the model has no price or the token
 * counts are unknown. */
bool as_llm_prices_cost(const as_llm_prices *p, const char *provider,
                        const char *model, int64_t prompt_tokens,
                        int64_t completion_tokens, double *usd);

/* ---- the engine -------------------------------------------------------- */

typedef struct as_llm_engine as_llm_engine;

typedef struct as_llm_engine_opts {
    int concurrency;         /* max in flight per endpoint (default 8)      */
    int min_concurrency;     /* adaptive floor (default 1)                  */
    bool adaptive;           /* cut on 429/503, grow back (default true)    */
    int max_retries;         /* per request (default 6)                     */
    int timeout_ms;          /* per attempt (default 60000)                 */
    int connect_timeout_ms;  /* (default 5000)                              */
    int deadline_ms;         /* per request from submission; 0 = none       */
    int backoff_base_ms;     /* first retry delay (default 500)             */
    int backoff_max_ms;      /* cap (default 30000)                         */
    const char *cache_path;  /* SQLite file for the response cache, or NULL */
    const as_llm_prices *prices; /* borrowed; NULL = no costs               */
} as_llm_engine_opts;

void as_llm_engine_opts_default(as_llm_engine_opts *o);

/* Flags for as_llm_submit. */
#define AS_LLM_NO_CACHE 1u   /* neither read nor write the cache            */
#define AS_LLM_DEFER_WAKE 2u /* more submissions follow at once: do not wake
                                the engine thread for this one; the caller
                                calls as_llm_kick when the batch is in (the
                                engine also looks every 200 ms)             */

/* One request's outcome, passed to the callback.  The callback owns
 * nothing: everything is freed when it returns (copy what you keep). */
typedef struct as_llm_result {
    as_rc rc;                 /* AS_OK, or why it failed                     */
    const char *error;        /* message when rc != AS_OK ("HTTP 401 from
                                 openai: Incorrect API key" / "timed out
                                 after 60000 ms" / "cancelled")             */
    int http_status;          /* last HTTP status, 0 if none                 */
    int attempts;             /* 1 + retries                                 */
    bool cached;              /* served from the cache, no network call     */
    bool unreachable;         /* no connection could be made (refused, DNS,
                                 connect timeout): the endpoint is down     */
    double latency_ms;        /* submission to completion                    */
    bool has_cost;
    double cost_usd;
    as_llm_response resp;     /* filled when rc == AS_OK                     */
} as_llm_result;

typedef void (*as_llm_done_fn)(void *ud, const as_llm_result *res);

as_rc as_llm_engine_start(const as_llm_engine_opts *opts, as_llm_engine **out,
                          as_err *err);
/* Queue a request; done(ud, res) is called exactly once, on the engine
 * thread (also for requests served from the cache and for cancellations).
 * Fails only when the request cannot be serialised or the engine stops. */
as_rc as_llm_submit(as_llm_engine *e, const as_llm_request *req, unsigned flags,
                    as_llm_done_fn done, void *ud, as_err *err);
/* Wake the engine thread for requests submitted with AS_LLM_DEFER_WAKE
 * (nothing when none waits).  Any thread. */
void as_llm_kick(as_llm_engine *e);
/* Cancel everything queued or in flight: each gets rc AS_ESHUTDOWN,
 * "cancelled".  Returns at once; the callbacks follow on the engine thread. */
void as_llm_cancel_all(as_llm_engine *e);
/* Cancel all, wait for the callbacks, join the thread, free. */
void as_llm_engine_stop(as_llm_engine *e);

typedef struct as_llm_stats {
    uint64_t submitted, completed, failed, cached;
    uint64_t http_requests, retries, throttled;   /* throttled: 429/503 seen */
    int in_flight, max_in_flight;
    int limit;                                    /* current adaptive limit */
    int min_limit;                                /* lowest it went, 0 if never
                                                     dispatched             */
} as_llm_stats;
void as_llm_engine_stats(as_llm_engine *e, as_llm_stats *out);

#endif
