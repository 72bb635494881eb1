/*
 * engine.c - the asynchronous LLM request engine (see llm.h).
 *
 * One thread drives a libcurl multi handle.  Callers serialise their
 * request on their own thread (provider build, cache key) and push a job
 * into the inbox; the engine thread moves jobs through:
 *
 *     inbox -> (cache hit: done) -> endpoint queue -> in flight -> done
 *                                        ^                |
 *                                        +--- delayed <---+  (retry)
 *
 * Each endpoint (scheme://host:port) has its own concurrency limit, adapted
 * once per round (as many completions as the limit, about one round trip):
 * a round more than 10% throttled (429/503/529) cuts the limit by half the
 * throttled share - all throttled halves it - and any other round adds one.
 * So a server at capacity is backed off from fast, while sporadic 429s
 * (each retried after its Retry-After) do not collapse throughput.  Retries use
 * exponential backoff with equal jitter, or the server's Retry-After /
 * retry-after-ms when it gives one.  An endpoint that refuses connections
 * three times in a row with no success is marked dead: what is queued for
 * it fails at once with the connection error.
 *
 * Ownership: a job and everything in it belongs to the engine thread once
 * it leaves the inbox; the completion callback borrows the result.
 */
#include <curl/curl.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "assay/alloc.h"
#include "assay/llm.h"
#include "assay/utf8.h"
#include "cache.h"
#include "provider.h"

#define ENGINE_MAX_CONCURRENCY 1024
#define DEAD_AFTER_CONNECT_FAILURES 3
#define CONNECT_RETRIES 2
#define THROTTLE_TOLERANCE 0.10    /* throttled share of a round taken as noise */

typedef struct endpoint endpoint;
typedef struct job job;

struct job {
    job *next;                 /* inbox / endpoint queue / delayed list   */
    job *fl_prev, *fl_next;    /* in-flight list                          */
    endpoint *ep;
    const llm_provider *prov;
    llm_http http;
    struct curl_slist *hdrs;
    as_llm_answer answer;
    char provider[16];
    char model[AS_LLM_NAME_MAX];
    bool cacheable;
    uint8_t key[16];
    as_llm_done_fn done;
    void *ud;
    double t_submit, deadline, not_before, t_attempt;
    int attempts;
    int connect_failures;
    bool unreachable;          /* the last failure was a connect failure  */
    CURL *easy;
    as_buf resp;
    long retry_after_ms;       /* from the last response, -1 if none      */
    long status;
    char errbuf[CURL_ERROR_SIZE];
    char last_err[512];
};

struct endpoint {
    endpoint *next;
    char *name;                /* scheme://host[:port]                    */
    double limit;
    int in_flight;
    job *head, *tail;          /* ready to go                             */
    int round_done;            /* completions in the current round        */
    int round_throttled;       /* of which throttled                      */
    int connect_failures;      /* consecutive, reset by any success       */
    bool ever_ok;
    bool dead;
    char dead_msg[512];
};

struct as_llm_engine {
    as_llm_engine_opts o;
    pthread_t thread;
    pthread_mutex_t mu;
    /* under mu */
    job *inbox_head, *inbox_tail;
    bool wake_owed;            /* inbox jobs submitted without a wake-up  */
    bool cancel, stopping;
    as_llm_stats st;
    /* engine thread only */
    CURLM *multi;
    int epfd, evfd;            /* epoll set; eventfd for wake-ups         */
    double curl_timer;         /* when libcurl wants a timeout call, -1   */
    endpoint *eps;
    job *delayed;
    job *inflight;
    llm_cache *cache;
    CURL *pool[64];
    int n_pool;
    uint8_t *reg;              /* epoll registration by fd (REG_*)        */
    int n_reg;
    uint64_t rng;
};

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static double rand01(as_llm_engine *e) {      /* xorshift64* */
    e->rng ^= e->rng >> 12;
    e->rng ^= e->rng << 25;
    e->rng ^= e->rng >> 27;
    return (double)((e->rng * 2685821657736338717ULL) >> 11) / 9007199254740992.0;
}

void as_llm_engine_opts_default(as_llm_engine_opts *o) {
    memset(o, 0, sizeof *o);
    o->concurrency = 8;
    o->min_concurrency = 1;
    o->adaptive = true;
    o->max_retries = 6;
    o->timeout_ms = 60000;
    o->connect_timeout_ms = 5000;
    o->backoff_base_ms = 500;
    o->backoff_max_ms = 30000;
}

/* ---- endpoints ----------------------------------------------------------- */

/* Publish the summed limit of all endpoints (and its lowest value) to the
 * stats; called whenever a limit changes. */
static void publish_limit(as_llm_engine *e) {
    int lim = 0;
    for (endpoint *ep = e->eps; ep; ep = ep->next) lim += (int)ep->limit;
    pthread_mutex_lock(&e->mu);
    e->st.limit = lim;
    if (lim > 0 && (e->st.min_limit == 0 || lim < e->st.min_limit)) e->st.min_limit = lim;
    pthread_mutex_unlock(&e->mu);
}

static endpoint *endpoint_for(as_llm_engine *e, const char *url) {
    const char *p = strstr(url, "://");
    p = p ? p + 3 : url;
    size_t n = (size_t)(p - url) + strcspn(p, "/?#");
    for (endpoint *ep = e->eps; ep; ep = ep->next)
        if (strlen(ep->name) == n && memcmp(ep->name, url, n) == 0) return ep;
    endpoint *ep = as_xcalloc(1, sizeof *ep);
    ep->name = as_xstrndup(url, n);
    ep->limit = e->o.concurrency;
    ep->next = e->eps;
    e->eps = ep;
    publish_limit(e);
    return ep;
}

static void ep_push(endpoint *ep, job *j) {
    j->next = NULL;
    if (ep->tail) ep->tail->next = j;
    else ep->head = j;
    ep->tail = j;
}

static job *ep_pop(endpoint *ep) {
    job *j = ep->head;
    if (j) {
        ep->head = j->next;
        if (!ep->head) ep->tail = NULL;
        j->next = NULL;
    }
    return j;
}

/* ---- completion ---------------------------------------------------------- */

static void job_free(as_llm_engine *e, job *j) {
    if (j->easy) {
        if (e->n_pool < (int)AS_ARRAY_LEN(e->pool)) e->pool[e->n_pool++] = j->easy;
        else curl_easy_cleanup(j->easy);
    }
    curl_slist_free_all(j->hdrs);
    llm_http_clear(&j->http);
    as_buf_release(&j->resp);
    free(j);
}

static void finish(as_llm_engine *e, job *j, as_rc rc, const char *error,
                   as_llm_response *resp, bool cached) {
    as_llm_result r;
    memset(&r, 0, sizeof r);
    r.rc = rc;
    r.error = rc ? error : NULL;
    r.http_status = (int)j->status;
    r.attempts = j->attempts;
    r.cached = cached;
    r.unreachable = rc != AS_OK && j->unreachable;
    r.latency_ms = now_ms() - j->t_submit;
    if (resp) {
        r.resp = *resp;
        if (cached) {
            r.has_cost = true;       /* a cache hit costs nothing */
            r.cost_usd = 0;
        } else {
            r.has_cost = as_llm_prices_cost(e->o.prices, j->provider, j->model,
                                            resp->prompt_tokens, resp->completion_tokens,
                                            &r.cost_usd);
        }
    } else {
        r.resp.prompt_tokens = r.resp.completion_tokens = r.resp.total_tokens = -1;
    }
    pthread_mutex_lock(&e->mu);
    e->st.completed++;
    if (rc) e->st.failed++;
    if (cached) e->st.cached++;
    pthread_mutex_unlock(&e->mu);

    j->done(j->ud, &r);
    if (resp) as_llm_response_clear(resp);
    job_free(e, j);
}

/* Try the cache for a job fresh from the inbox; true if it was answered. */
static bool answer_from_cache(as_llm_engine *e, job *j) {
    char *body;
    size_t n;
    if (!j->cacheable || !llm_cache_get(e->cache, j->key, &body, &n)) return false;
    as_llm_response resp;
    memset(&resp, 0, sizeof resp);
    as_err err;
    as_rc rc = j->prov->parse(body, n, j->answer, &resp, &err);
    if (rc) {                          /* unusable entry: ask again */
        as_llm_response_clear(&resp);
        free(body);
        return false;
    }
    if (!resp.raw) resp.raw = body;
    else free(body);
    j->status = 200;
    finish(e, j, AS_OK, NULL, &resp, true);
    return true;
}

/* ---- dispatch ------------------------------------------------------------ */

static size_t on_body(char *p, size_t size, size_t n, void *ud) {
    job *j = ud;
    return as_buf_append(&j->resp, p, size * n) == AS_OK ? size * n : 0;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud) {
    job *j = ud;
    size_t len = size * n;
    char line[256];
    if (len >= sizeof line) return len;
    memcpy(line, p, len);
    line[len] = '\0';
    if (strncasecmp(line, "retry-after-ms:", 15) == 0) {
        double v = strtod(line + 15, NULL);
        if (v >= 0) j->retry_after_ms = (long)v;
    } else if (strncasecmp(line, "retry-after:", 12) == 0 && j->retry_after_ms < 0) {
        char *s = line + 12, *end;
        while (*s == ' ') s++;
        double v = strtod(s, &end);
        if (end != s) j->retry_after_ms = (long)(v * 1000);
        else {
            time_t t = curl_getdate(s, NULL);
            if (t > 0) {
                double d = difftime(t, time(NULL));
                j->retry_after_ms = d > 0 ? (long)(d * 1000) : 0;
            }
        }
    }
    return len;
}

/* An easy handle with the options every request shares: from the pool
 * (configured when it was made), or new. */
static CURL *easy_handle(as_llm_engine *e) {
    if (e->n_pool) return e->pool[--e->n_pool];
    CURL *c = curl_easy_init();
    if (!c) abort();                  /* out of memory: the OOM policy */
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)e->o.connect_timeout_ms);
    curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);   /* never carry a key elsewhere */
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
    return c;
}

static void start(as_llm_engine *e, job *j, double now) {
    if (!j->easy) j->easy = easy_handle(e);
    CURL *c = j->easy;
    if (!j->hdrs) {
        for (int i = 0; i < j->http.n_headers; i++)
            j->hdrs = curl_slist_append(j->hdrs, j->http.headers[i]);
        j->hdrs = curl_slist_append(j->hdrs, "Expect:");
    }
    as_buf_reset(&j->resp);
    as_buf_reserve(&j->resp, 4096);           /* most answers fit: no regrowth */
    j->retry_after_ms = -1;
    j->status = 0;
    j->errbuf[0] = '\0';
    long timeout = e->o.timeout_ms;
    if (j->deadline > 0) {
        double left = j->deadline - now;
        if (left < timeout) timeout = left < 1 ? 1 : (long)left;
    }
    curl_easy_setopt(c, CURLOPT_URL, j->http.url);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, j->http.body.data ? j->http.body.data : "");
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)j->http.body.len);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, j->hdrs);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, j);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, j);
    curl_easy_setopt(c, CURLOPT_PRIVATE, j);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, j->errbuf);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout);
    j->attempts++;
    j->t_attempt = now;
    j->ep->in_flight++;
    j->fl_prev = NULL;
    j->fl_next = e->inflight;
    if (e->inflight) e->inflight->fl_prev = j;
    e->inflight = j;
    curl_multi_add_handle(e->multi, c);
    pthread_mutex_lock(&e->mu);
    e->st.http_requests++;
    if (j->attempts > 1) e->st.retries++;
    e->st.in_flight++;
    if (e->st.in_flight > e->st.max_in_flight) e->st.max_in_flight = e->st.in_flight;
    pthread_mutex_unlock(&e->mu);
}

static void unlink_inflight(as_llm_engine *e, job *j) {
    curl_multi_remove_handle(e->multi, j->easy);
    if (j->fl_prev) j->fl_prev->fl_next = j->fl_next;
    else e->inflight = j->fl_next;
    if (j->fl_next) j->fl_next->fl_prev = j->fl_prev;
    j->fl_prev = j->fl_next = NULL;
    j->ep->in_flight--;
    pthread_mutex_lock(&e->mu);
    e->st.in_flight--;
    pthread_mutex_unlock(&e->mu);
}

static void dispatch(as_llm_engine *e, double now) {
    for (endpoint *ep = e->eps; ep; ep = ep->next) {
        if (ep->dead) {
            job *j;
            while ((j = ep_pop(ep)) != NULL) {
                j->unreachable = true;
                finish(e, j, AS_EIO, ep->dead_msg, NULL, false);
            }
            continue;
        }
        int limit = (int)ep->limit;
        if (limit < 1) limit = 1;
        while (ep->in_flight < limit && ep->head) start(e, ep_pop(ep), now);
    }
}

/* ---- outcomes ------------------------------------------------------------ */

/* Mask every copy of the request's API key in s (in place, same length):
 * an endpoint that echoes the key back must not get it into an error
 * message, an output file or the cache. */
static void redact(const job *j, char *s, size_t n) {
    if (j->http.secret_header < 0 || !s) return;
    const char *v = strchr(j->http.headers[j->http.secret_header], ':');
    if (!v) return;
    for (v++; *v == ' '; v++) {}
    if (strncmp(v, "Bearer ", 7) == 0) v += 7;
    size_t kn = strlen(v);
    if (kn < 8) return;
    for (char *p = memmem(s, n, v, kn); p; p = memmem(p, n - (size_t)(p - s), v, kn))
        memset(p, '*', kn);
}

/* Count a completed attempt toward the endpoint's round; adapt at its end. */
static void adapt(as_llm_engine *e, endpoint *ep, bool throttled) {
    if (!e->o.adaptive) return;
    ep->round_done++;
    ep->round_throttled += throttled;
    int round = (int)ep->limit < 4 ? 4 : (int)ep->limit;
    if (ep->round_done < round) return;
    double share = (double)ep->round_throttled / ep->round_done;
    if (share > THROTTLE_TOLERANCE) {
        ep->limit *= 1 - share / 2;
        if (ep->limit < e->o.min_concurrency) ep->limit = e->o.min_concurrency;
    } else if (ep->limit < e->o.concurrency) {
        ep->limit += 1;
        if (ep->limit > e->o.concurrency) ep->limit = e->o.concurrency;
    } else {
        ep->round_done = ep->round_throttled = 0;
        return;                          /* at the ceiling: nothing changed */
    }
    ep->round_done = ep->round_throttled = 0;
    publish_limit(e);
}

/* Schedule another attempt, or fail the job for good. */
static void retry_or_fail(as_llm_engine *e, job *j, double now, bool retryable,
                          double min_delay_ms) {
    if (!retryable || j->attempts > e->o.max_retries) {
        char msg[700];
        if (retryable)
            snprintf(msg, sizeof msg, "gave up after %d attempts: %s", j->attempts, j->last_err);
        else
            snprintf(msg, sizeof msg, "%s", j->last_err);
        finish(e, j, AS_EIO, msg, NULL, false);
        return;
    }
    double cap = e->o.backoff_max_ms;
    double d = e->o.backoff_base_ms * pow(2.0, j->attempts - 1);
    if (d > cap) d = cap;
    d = d / 2 + rand01(e) * d / 2;                   /* equal jitter */
    if (j->retry_after_ms >= 0)
        d = (double)j->retry_after_ms * (1.0 + 0.1 * rand01(e));
    if (d < min_delay_ms) d = min_delay_ms;
    if (j->deadline > 0 && now + d >= j->deadline) {
        char msg[700];
        snprintf(msg, sizeof msg, "deadline of %d ms reached after %d attempts: %s",
                 e->o.deadline_ms, j->attempts, j->last_err);
        finish(e, j, AS_EIO, msg, NULL, false);
        return;
    }
    j->not_before = now + d;
    j->next = e->delayed;
    e->delayed = j;
}

static void on_done(as_llm_engine *e, job *j, CURLcode res, double now) {
    endpoint *ep = j->ep;
    unlink_inflight(e, j);
    curl_easy_getinfo(j->easy, CURLINFO_RESPONSE_CODE, &j->status);

    if (res != CURLE_OK) {
        const char *detail = j->errbuf[0] ? j->errbuf : curl_easy_strerror(res);
        long sent = 0;      /* request bytes sent: 0 means no connection was made */
        curl_easy_getinfo(j->easy, CURLINFO_REQUEST_SIZE, &sent);
        bool no_connection = res == CURLE_COULDNT_CONNECT || res == CURLE_COULDNT_RESOLVE_HOST ||
                             (res == CURLE_OPERATION_TIMEDOUT && sent == 0 && j->status == 0);
        j->unreachable = no_connection;
        if (no_connection) {
            snprintf(j->last_err, sizeof j->last_err, "cannot connect to %s: %s", ep->name, detail);
            ep->connect_failures++;
            if (!ep->ever_ok && ep->connect_failures >= DEAD_AFTER_CONNECT_FAILURES) {
                ep->dead = true;
                snprintf(ep->dead_msg, sizeof ep->dead_msg, "%s", j->last_err);
            }
            if (ep->dead) { finish(e, j, AS_EIO, j->last_err, NULL, false); return; }
            retry_or_fail(e, j, now, ++j->connect_failures <= CONNECT_RETRIES, 0);
            return;
        }
        if (res == CURLE_OPERATION_TIMEDOUT)
            snprintf(j->last_err, sizeof j->last_err, "%s: no answer within %ld ms",
                     ep->name, (long)(now - j->t_attempt + 0.5));
        else if (res == CURLE_WRITE_ERROR) {
            snprintf(j->last_err, sizeof j->last_err, "%s: response larger than %u bytes",
                     ep->name, LLM_RESP_MAX);
            retry_or_fail(e, j, now, false, 0);
            return;
        } else
            snprintf(j->last_err, sizeof j->last_err, "%s: %s", ep->name, detail);
        retry_or_fail(e, j, now, true, 0);
        return;
    }
    ep->connect_failures = 0;
    ep->ever_ok = true;
    j->unreachable = false;

    redact(j, j->resp.data, j->resp.len);
    long st = j->status;
    if (st >= 200 && st < 300) {
        as_llm_response resp;
        memset(&resp, 0, sizeof resp);
        as_err err;
        as_rc rc = j->prov->parse(j->resp.data ? j->resp.data : "", j->resp.len, j->answer,
                                  &resp, &err);
        if (rc) {
            as_llm_response_clear(&resp);
            /* A malformed or truncated body is worth another try; an
             * answer that can never be used (blocked) is not. */
            bool again = rc != AS_EUNPROCESSABLE;
            snprintf(j->last_err, sizeof j->last_err, "%s from %s: %.*s",
                     again ? "malformed response" : "unusable response", ep->name,
                     (int)as_utf8_prefix_len(err.msg, strlen(err.msg), 400), err.msg);
            retry_or_fail(e, j, now, again, 0);
            return;
        }
        adapt(e, ep, false);
        if (j->cacheable)
            llm_cache_put(e->cache, j->key, j->provider, j->model,
                          j->resp.data ? j->resp.data : "", j->resp.len);
        if (!resp.raw) resp.raw = as_buf_detach(&j->resp, NULL);
        finish(e, j, AS_OK, NULL, &resp, false);
        return;
    }

    char text[300];
    j->prov->error_text(j->resp.data ? j->resp.data : "", j->resp.len, text, sizeof text);
    snprintf(j->last_err, sizeof j->last_err, "HTTP %ld from %s%s%s", st, ep->name,
             text[0] ? ": " : "", text);
    bool throttled = st == 429 || st == 503 || st == 529;
    if (throttled) {
        pthread_mutex_lock(&e->mu);
        e->st.throttled++;
        pthread_mutex_unlock(&e->mu);
    }
    adapt(e, ep, throttled);
    bool retryable = throttled || st == 408 || st >= 500;
    retry_or_fail(e, j, now, retryable, 0);
}

/* ---- the thread ---------------------------------------------------------- */

static void cancel_everything(as_llm_engine *e) {
    while (e->inflight) {
        job *j = e->inflight;
        unlink_inflight(e, j);
        finish(e, j, AS_ESHUTDOWN, "cancelled", NULL, false);
    }
    while (e->delayed) {
        job *j = e->delayed;
        e->delayed = j->next;
        finish(e, j, AS_ESHUTDOWN, "cancelled", NULL, false);
    }
    for (endpoint *ep = e->eps; ep; ep = ep->next) {
        job *j;
        while ((j = ep_pop(ep)) != NULL) finish(e, j, AS_ESHUTDOWN, "cancelled", NULL, false);
    }
}

/* libcurl tells us which sockets to watch (socket_action API): they go
 * into our epoll set, next to the eventfd that submit/cancel/stop write.
 *
 * A socket libcurl stops watching (CURL_POLL_REMOVE: its transfer is done)
 * stays registered, parked: the next transfer on that kept-alive
 * connection wants it back, and then one EPOLL_CTL_MOD does instead of a
 * DEL and an ADD per request.  An event on a parked socket (the server
 * closed the idle connection) removes it then.  A closed socket leaves the
 * epoll set by itself, so a registration we remember may be gone, or its
 * fd number taken by a new socket: MOD then fails with ENOENT and an ADD
 * follows (MOD never reaches another socket: epoll keys on the file). */
#define REG_ON 1u                  /* registered (as far as we know)     */
#define REG_PARKED 2u              /* libcurl no longer watches it       */

static uint8_t *reg_at(as_llm_engine *e, int fd) {
    if (fd >= e->n_reg) {
        int n = e->n_reg ? e->n_reg : 64;
        while (n <= fd) n *= 2;
        e->reg = as_xrealloc(e->reg, (size_t)n);
        memset(e->reg + e->n_reg, 0, (size_t)(n - e->n_reg));
        e->n_reg = n;
    }
    return &e->reg[fd];
}

static int on_socket(CURL *easy, curl_socket_t fd, int what, void *ud, void *sockp) {
    AS_UNUSED(easy);
    AS_UNUSED(sockp);
    as_llm_engine *e = ud;
    if (fd < 0) return 0;
    uint8_t *reg = reg_at(e, fd);
    if (what == CURL_POLL_REMOVE) {
        if (*reg & REG_ON) *reg |= REG_PARKED;
        return 0;
    }
    struct epoll_event ev = { 0 };
    ev.data.fd = fd;
    ev.events = (what & CURL_POLL_IN ? EPOLLIN : 0) | (what & CURL_POLL_OUT ? EPOLLOUT : 0);
    int rc = -1;
    if (*reg & REG_ON) rc = epoll_ctl(e->epfd, EPOLL_CTL_MOD, fd, &ev);
    if (rc != 0 && epoll_ctl(e->epfd, EPOLL_CTL_ADD, fd, &ev) != 0 && errno == EEXIST)
        epoll_ctl(e->epfd, EPOLL_CTL_MOD, fd, &ev);
    *reg = REG_ON;
    return 0;
}

/* An event for fd: false when it is a parked socket, now unregistered. */
static bool watched(as_llm_engine *e, int fd) {
    if (fd >= e->n_reg || !(e->reg[fd] & REG_PARKED)) return true;
    epoll_ctl(e->epfd, EPOLL_CTL_DEL, fd, NULL);
    e->reg[fd] = 0;
    return false;
}

static int on_timer(CURLM *multi, long timeout_ms, void *ud) {
    AS_UNUSED(multi);
    as_llm_engine *e = ud;
    e->curl_timer = timeout_ms < 0 ? -1 : now_ms() + (double)timeout_ms;
    return 0;
}

static void wake(as_llm_engine *e) {
    uint64_t one = 1;
    ssize_t n = write(e->evfd, &one, sizeof one);
    AS_UNUSED(n);                      /* EAGAIN: a wake-up is pending anyway */
}

static void reap(as_llm_engine *e) {
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(e->multi, &left)) != NULL) {
        if (m->msg != CURLMSG_DONE) continue;
        job *j;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&j);
        on_done(e, j, m->data.result, now_ms());
    }
}

static void *engine_main(void *arg) {
    as_llm_engine *e = arg;
    struct epoll_event evs[64];
    int running;
    for (;;) {
        pthread_mutex_lock(&e->mu);
        job *in = e->inbox_head;
        e->inbox_head = e->inbox_tail = NULL;
        e->wake_owed = false;
        bool cancel = e->cancel, stopping = e->stopping;
        e->cancel = false;
        pthread_mutex_unlock(&e->mu);

        while (in) {
            job *j = in;
            in = in->next;
            j->next = NULL;
            if (cancel) finish(e, j, AS_ESHUTDOWN, "cancelled", NULL, false);
            else if (!answer_from_cache(e, j)) {
                j->ep = endpoint_for(e, j->http.url);
                ep_push(j->ep, j);
            }
        }
        if (cancel) cancel_everything(e);
        if (stopping && !e->inflight && !e->delayed) {
            bool queued = false;
            for (endpoint *ep = e->eps; ep; ep = ep->next) queued |= ep->head != NULL;
            pthread_mutex_lock(&e->mu);
            bool empty = !e->inbox_head;
            pthread_mutex_unlock(&e->mu);
            if (!queued && empty) break;
        }

        double now = now_ms(), next_wake = now + 200;
        for (job **pp = &e->delayed; *pp;) {
            job *j = *pp;
            if (j->not_before <= now) {
                *pp = j->next;
                ep_push(j->ep, j);
            } else {
                if (j->not_before < next_wake) next_wake = j->not_before;
                pp = &j->next;
            }
        }
        dispatch(e, now);
        llm_cache_flush(e->cache);

        if (e->curl_timer >= 0 && e->curl_timer < next_wake) next_wake = e->curl_timer;
        int timeout = (int)ceil(next_wake - now_ms());
        if (timeout < 0) timeout = 0;
        int n = epoll_wait(e->epfd, evs, (int)AS_ARRAY_LEN(evs), timeout);
        for (int i = 0; i < n; i++) {
            int fd = evs[i].data.fd;
            if (fd == e->evfd) {
                uint64_t v;
                ssize_t r = read(e->evfd, &v, sizeof v);
                AS_UNUSED(r);
                continue;
            }
            if (!watched(e, fd)) continue;
            int flags = (evs[i].events & EPOLLIN ? CURL_CSELECT_IN : 0) |
                        (evs[i].events & EPOLLOUT ? CURL_CSELECT_OUT : 0) |
                        (evs[i].events & (EPOLLERR | EPOLLHUP) ? CURL_CSELECT_ERR : 0);
            curl_multi_socket_action(e->multi, fd, flags, &running);
        }
        if (e->curl_timer >= 0 && e->curl_timer <= now_ms()) {
            e->curl_timer = -1;
            curl_multi_socket_action(e->multi, CURL_SOCKET_TIMEOUT, 0, &running);
        }
        reap(e);
    }
    return NULL;
}

static void global_init(void) {
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

as_rc as_llm_engine_start(const as_llm_engine_opts *opts, as_llm_engine **out,
                          as_err *err) {
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, global_init);
    as_llm_engine *e = as_xcalloc(1, sizeof *e);
    e->o = *opts;
    if (e->o.concurrency < 1) e->o.concurrency = 1;
    if (e->o.concurrency > ENGINE_MAX_CONCURRENCY) e->o.concurrency = ENGINE_MAX_CONCURRENCY;
    if (e->o.min_concurrency < 1) e->o.min_concurrency = 1;
    if (e->o.min_concurrency > e->o.concurrency) e->o.min_concurrency = e->o.concurrency;
    if (e->o.max_retries < 0) e->o.max_retries = 0;
    if (e->o.timeout_ms <= 0) e->o.timeout_ms = 60000;
    if (e->o.connect_timeout_ms <= 0) e->o.connect_timeout_ms = 5000;
    if (e->o.backoff_base_ms <= 0) e->o.backoff_base_ms = 500;
    if (e->o.backoff_max_ms < e->o.backoff_base_ms) e->o.backoff_max_ms = e->o.backoff_base_ms;
    e->o.cache_path = NULL;               /* borrowed only during start */
    e->rng = (uint64_t)time(NULL) ^ ((uint64_t)(uintptr_t)e << 16) ^ 0x9E3779B97F4A7C15ULL;
    if (e->rng == 0) e->rng = 1;
    if (opts->cache_path) {
        as_rc rc = llm_cache_open(opts->cache_path, &e->cache, err);
        if (rc) { free(e); return rc; }
    }
    e->multi = curl_multi_init();
    if (!e->multi) {
        llm_cache_close(e->cache);
        free(e);
        return as_err_set(err, AS_EINTERNAL, "curl_multi_init failed");
    }
    curl_multi_setopt(e->multi, CURLMOPT_MAXCONNECTS, (long)(e->o.concurrency * 2 + 8));
    curl_multi_setopt(e->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
    curl_multi_setopt(e->multi, CURLMOPT_SOCKETDATA, e);
    curl_multi_setopt(e->multi, CURLMOPT_TIMERFUNCTION, on_timer);
    curl_multi_setopt(e->multi, CURLMOPT_TIMERDATA, e);
    e->curl_timer = -1;
    e->epfd = epoll_create1(EPOLL_CLOEXEC);
    e->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    struct epoll_event wev = { .events = EPOLLIN, .data.fd = e->evfd };
    if (e->epfd < 0 || e->evfd < 0 || epoll_ctl(e->epfd, EPOLL_CTL_ADD, e->evfd, &wev) != 0) {
        if (e->epfd >= 0) close(e->epfd);
        if (e->evfd >= 0) close(e->evfd);
        curl_multi_cleanup(e->multi);
        llm_cache_close(e->cache);
        free(e);
        return as_err_set(err, AS_EIO, "LLM engine: epoll/eventfd: %s", strerror(errno));
    }
    pthread_mutex_init(&e->mu, NULL);
    if (pthread_create(&e->thread, NULL, engine_main, e) != 0) {
        close(e->epfd);
        close(e->evfd);
        curl_multi_cleanup(e->multi);
        llm_cache_close(e->cache);
        free(e);
        return as_err_set(err, AS_EINTERNAL, "cannot start the LLM engine thread");
    }
    *out = e;
    return AS_OK;
}

as_rc as_llm_submit(as_llm_engine *e, const as_llm_request *req, unsigned flags,
                    as_llm_done_fn done, void *ud, as_err *err) {
    const llm_provider *prov = llm_provider_for(req->model->kind);
    if (!prov) return as_err_set(err, AS_EINVAL, "no provider for model %s", req->model->model);
    job *j = as_xcalloc(1, sizeof *j);
    llm_http_init(&j->http);
    as_rc rc = prov->build(req, &j->http, err);
    if (rc) {
        llm_http_clear(&j->http);
        free(j);
        return rc;
    }
    j->prov = prov;
    j->answer = req->answer;
    snprintf(j->provider, sizeof j->provider, "%s", req->model->provider);
    snprintf(j->model, sizeof j->model, "%s", req->model->model);
    j->cacheable = e->cache && !(flags & AS_LLM_NO_CACHE) && req->temperature == 0;
    if (j->cacheable) llm_cache_key(j->provider, &j->http, j->key);
    j->done = done;
    j->ud = ud;
    j->t_submit = now_ms();
    j->deadline = e->o.deadline_ms > 0 ? j->t_submit + e->o.deadline_ms : 0;
    j->retry_after_ms = -1;
    as_buf_init(&j->resp, LLM_RESP_MAX);

    pthread_mutex_lock(&e->mu);
    if (e->stopping) {
        pthread_mutex_unlock(&e->mu);
        llm_http_clear(&j->http);
        free(j);
        return as_err_set(err, AS_ESHUTDOWN, "the LLM engine is stopping");
    }
    /* The endpoint table belongs to the engine thread; look it up there. */
    j->ep = NULL;
    /* An empty inbox, or one filled by deferred submissions, has no
     * wake-up pending; otherwise one is. */
    bool need_wake = e->inbox_head == NULL || e->wake_owed;
    if (e->inbox_tail) e->inbox_tail->next = j;
    else e->inbox_head = j;
    e->inbox_tail = j;
    e->st.submitted++;
    bool defer = (flags & AS_LLM_DEFER_WAKE) != 0;
    e->wake_owed = defer && need_wake;
    pthread_mutex_unlock(&e->mu);
    if (need_wake && !defer) wake(e);
    return AS_OK;
}

void as_llm_kick(as_llm_engine *e) {
    pthread_mutex_lock(&e->mu);
    bool owed = e->wake_owed;
    e->wake_owed = false;
    pthread_mutex_unlock(&e->mu);
    if (owed) wake(e);
}

void as_llm_cancel_all(as_llm_engine *e) {
    pthread_mutex_lock(&e->mu);
    e->cancel = true;
    pthread_mutex_unlock(&e->mu);
    wake(e);
}

void as_llm_engine_stop(as_llm_engine *e) {
    if (!e) return;
    pthread_mutex_lock(&e->mu);
    e->cancel = true;
    e->stopping = true;
    pthread_mutex_unlock(&e->mu);
    wake(e);
    pthread_join(e->thread, NULL);
    for (int i = 0; i < e->n_pool; i++) curl_easy_cleanup(e->pool[i]);
    curl_multi_cleanup(e->multi);
    close(e->epfd);
    close(e->evfd);
    free(e->reg);
    llm_cache_close(e->cache);
    while (e->eps) {
        endpoint *ep = e->eps;
        e->eps = ep->next;
        free(ep->name);
        free(ep);
    }
    pthread_mutex_destroy(&e->mu);
    free(e);
}

void as_llm_engine_stats(as_llm_engine *e, as_llm_stats *out) {
    pthread_mutex_lock(&e->mu);
    *out = e->st;
    pthread_mutex_unlock(&e->mu);
}
