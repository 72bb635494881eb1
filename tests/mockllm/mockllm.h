/*
 * mockllm.h - the pieces of the mock LLM server (tests/mockllm/) and how
 * they fit.
 *
 *   mockllm.c   options, the HTTP daemon, routing, latency, failure
 *               injection: one request from bytes to response.
 *   providers.c the four wire formats (OpenAI, Azure, Anthropic, Gemini):
 *               auth, validation, what the request asks for, and the
 *               success and error bodies each API sends.
 *   script.c    prompt-text directives [[mock ...]], --rules, the answer
 *               (label, reply text) and the per-prompt attempt counters.
 *   record.c    stats, the ring of recent requests, the /_mock endpoints.
 *
 * The mock is a test tool: it aborts on out-of-memory (xmalloc) and keeps
 * no state a test cannot reset with POST /_mock/reset.
 */
#ifndef MOCKLLM_H
#define MOCKLLM_H
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include <microhttpd.h>

/* ---- memory and a capped string builder --------------------------------- */

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t m);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/* A growable byte buffer with a hard maximum (protection against hostile
 * input).  p is NUL-terminated whenever non-NULL.  mbuf_release frees p;
 * mbuf_take hands p to the caller (malloc'd) and resets the buffer. */
typedef struct mbuf {
    char *p;
    size_t n, cap, max;
} mbuf;

void mbuf_init(mbuf *b, size_t max);
int mbuf_add(mbuf *b, const void *s, size_t n);   /* -1 past max */
int mbuf_addstr(mbuf *b, const char *s);
void mbuf_release(mbuf *b);
char *mbuf_take(mbuf *b, size_t *len);

/* ---- what a request asks for -------------------------------------------- */

typedef enum mock_mode {
    MODE_TEXT = 0,   /* free text                                  */
    MODE_TOOL,       /* a function/tool call                       */
    MODE_JSON        /* text constrained to JSON (schema or not)   */
} mock_mode;

/* Filled by a provider's parse().  Pointers into root are borrowed. */
typedef struct mock_ask {
    json_t *root;          /* the parsed body                         */
    const char *model;     /* echoed back                             */
    mbuf prompt;           /* all message/system text, concatenated   */
    mock_mode mode;
    const char *tool_name; /* MODE_TOOL: the function/tool called     */
    json_t *props;         /* schema "properties" object, or NULL     */
    json_t *labels;        /* props.label.enum (strings), or NULL     */
} mock_ask;

/* A provider-neutral error; each provider gives it its own shape. */
typedef struct mock_err {
    int status;
    char param[96];        /* field the error is about; "" -> null    */
    const char *code;      /* provider "code" string, or NULL         */
    char msg[512];         /* "" -> the provider's usual text         */
} mock_err;

void mock_err_set(mock_err *e, int status, const char *param,
                  const char *code, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* ---- scripts: directives and rules -------------------------------------- */

enum {
    SC_LABEL = 1u << 0, SC_TEXT = 1u << 1, SC_STATUS = 1u << 2,
    SC_RETRY = 1u << 3, SC_DELAY = 1u << 4, SC_BODY = 1u << 5,
    SC_TIMES = 1u << 6
};
#define SC_FAILURE (SC_STATUS | SC_DELAY | SC_BODY)

typedef enum mock_body {
    BODY_NORMAL = 0, BODY_MALFORMED, BODY_TRUNCATED, BODY_EMPTY
} mock_body;

/* What a directive or rule says.  Only fields whose SC_ bit is in set are
 * meaningful.  Strings are owned; script_clear frees them. */
typedef struct mock_script {
    unsigned set;
    char *label;
    char *text;
    int status;
    long retry_after_ms;
    long delay_ms;
    mock_body body;
    long times;
} mock_script;

void script_clear(mock_script *s);
/* Overlay: every field set in src replaces dst's (copied). */
void script_merge(mock_script *dst, const mock_script *src);

/* Load --rules FILE; -1 with a message on stderr. */
int rules_load(const char *path);
void rules_free(void);

/* The script for a prompt: first matching rule, overlaid by every
 * [[mock ...]] directive in the text (later ones win).  -1 and err filled
 * (400) when a directive is malformed. */
int script_for(const char *prompt, size_t n, mock_script *out, mock_err *err);

/* Per-prompt attempt counters (for times=N): returns how many requests with
 * this hash came before this one, and counts this one. */
unsigned long attempts_next(uint64_t h);
void attempts_reset(void);

/* The answer, decided from the ask and the script. */
typedef struct mock_answer {
    uint64_t h;                 /* XXH3 of the prompt text             */
    unsigned long long seq;     /* request number, for ids             */
    const char *label;          /* chosen label or NULL                */
    char explanation[40];       /* "mock explanation <hex8>"           */
    const char *text_override;  /* text= from the script, or NULL      */
    char *text;                 /* the reply text for MODE_TEXT (owned) */
} mock_answer;

void answer_decide(const mock_ask *ask, const mock_script *sc,
                   unsigned long long seq, mock_answer *out);
void answer_clear(mock_answer *a);
/* The structured answer {"explanation"?, "label"} as a new object. */
json_t *answer_object(const mock_ask *ask, const mock_answer *a);
/* Its compact JSON text, malloc'd. */
char *answer_json(const mock_ask *ask, const mock_answer *a);

/* ceil(n / 4): the mock's token count. */
static inline long long mock_tokens(size_t n) { return (long long)((n + 3) / 4); }

/* ---- providers ----------------------------------------------------------- */

/* Route parameters taken from the URL. */
typedef struct mock_route {
    const struct mock_provider *prov;
    char name[256];            /* Gemini model / Azure deployment      */
} mock_route;

typedef struct mock_provider {
    const char *name;
    /* 0 when the credentials are acceptable (key NULL: anything goes);
     * else err is filled (401, or 400 for a missing required header). */
    int (*check_headers)(struct MHD_Connection *c, const char *key,
                         mock_err *err);
    /* Validate root and fill ask; -1 with err (400) when invalid. */
    int (*parse)(const mock_route *rt, json_t *root, mock_ask *ask,
                 mock_err *err);
    /* Success body, malloc'd, *len set. */
    char *(*reply)(const mock_ask *ask, const mock_answer *ans, size_t *len);
    /* Error body, malloc'd, *len set. */
    char *(*error)(const mock_err *err, size_t *len);
} mock_provider;

extern const mock_provider prov_openai, prov_azure, prov_anthropic,
    prov_gemini;

/* Append the text of a content value: a string, or an array of strings /
 * parts with "text" (tool results' "content" recursively). */
void prompt_add_content(mbuf *b, const json_t *content);
void ask_clear(mock_ask *a);

/* Dump compact JSON into a malloc'd string (aborts on OOM). */
char *json_text(const json_t *j, size_t *len);

/* ---- records: stats and the request ring -------------------------------- */

void record_init(void);
void record_free(void);
/* One API request arrived: counts it; returns its ring entry (a new
 * reference the caller drops with record_done). */
json_t *record_begin(struct MHD_Connection *c, const char *method,
                     const char *path, const char *body, size_t n,
                     json_t *parsed);
void record_done(json_t *entry, int status);
/* Handle GET/POST /_mock/...; returns the MHD result. */
enum MHD_Result control_handle(struct MHD_Connection *c, const char *method,
                               const char *path);
/* Hook run by POST /_mock/reset besides the records (request counter). */
void mock_reset_counters(void);

#endif
