/*
 * mockllm.c - a mock of the OpenAI, Azure OpenAI, Anthropic and Gemini
 * chat APIs for tests and benchmarks (see README.md in this folder).
 *
 * One request goes: body collected -> recorded (record.c) -> routed to a
 * provider (providers.c) -> headers checked -> body validated -> script
 * (directives and rules, script.c) and the global failure rates decide
 * the status -> success or error body -> latency -> response.
 *
 * libmicrohttpd runs one thread per connection, so --latency-ms is a sleep
 * in that thread and never holds up other connections; the sleep wakes at
 * once on SIGINT/SIGTERM so shutdown is quick even mid-delay.  Everything
 * else a request touches is either its own or behind a short lock.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <xxhash.h>
#include "mockllm.h"

#define BODY_MAX (32u << 20)    /* request bodies past this: 413 */

/* ---- memory -------------------------------------------------------------- */

static void oom(void)
{
    fputs("mockllm: out of memory\n", stderr);
    abort();
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) oom();
    return p;
}

void *xcalloc(size_t n, size_t m)
{
    void *p = calloc(n ? n : 1, m ? m : 1);
    if (!p) oom();
    return p;
}

void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p) oom();
    return p;
}

char *xstrndup(const char *s, size_t n)
{
    char *d = xmalloc(n + 1);
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

char *xstrdup(const char *s)
{
    return xstrndup(s, strlen(s));
}

void mbuf_init(mbuf *b, size_t max)
{
    b->p = NULL;
    b->n = b->cap = 0;
    b->max = max;
}

int mbuf_add(mbuf *b, const void *s, size_t n)
{
    if (n > b->max - b->n) return -1;
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->n + n + 1) cap *= 2;
        b->p = xrealloc(b->p, cap);
        b->cap = cap;
    }
    if (n) memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
    return 0;
}

int mbuf_addstr(mbuf *b, const char *s)
{
    return mbuf_add(b, s, strlen(s));
}

void mbuf_release(mbuf *b)
{
    free(b->p);
    mbuf_init(b, b->max);
}

char *mbuf_take(mbuf *b, size_t *len)
{
    char *p = b->p;
    if (len) *len = b->n;
    mbuf_init(b, b->max);
    return p;
}

/* ---- configuration and shared state -------------------------------------- */

static struct {
    const char *host;
    unsigned port;
    long latency_ms;
    double rate_429, rate_500;
    long retry_after_ms;
    uint64_t seed;
    const char *api_key;
    const char *rules;
    unsigned max_conns;
} cfg = { "127.0.0.1", 0, 0, 0.0, 0.0, 100, 0, NULL, NULL, 1024 };

static atomic_ullong g_seq;     /* request number i of the failure rates */

void mock_reset_counters(void)
{
    atomic_store(&g_seq, 0);
}

/* Sleeps end early once the server is stopping. */
static pthread_mutex_t stop_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t stop_cv;
static int stopping;

static void mock_sleep_ms(long ms)
{
    struct timespec until;
    if (ms <= 0) return;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += ms / 1000;
    until.tv_nsec += (ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&stop_mu);
    while (!stopping &&
           pthread_cond_timedwait(&stop_cv, &stop_mu, &until) != ETIMEDOUT)
        ;
    pthread_mutex_unlock(&stop_mu);
}

/* ---- routing ------------------------------------------------------------- */

/* A '*' in a pattern is one non-empty path segment (no '/'), captured. */
static const struct {
    const char *pattern;
    const mock_provider *prov;
} routes[] = {
    { "/v1/chat/completions", &prov_openai },
    { "/chat/completions", &prov_openai },
    { "/openai/deployments/*/chat/completions", &prov_azure },
    { "/v1/messages", &prov_anthropic },
    { "/v1beta/models/*:generateContent", &prov_gemini },
    { "/v1/models/*:generateContent", &prov_gemini },
};

static int match_route(const char *pat, const char *path, mock_route *rt)
{
    const char *star = strchr(pat, '*');
    size_t pre, suf, n = strlen(path), mid;

    if (!star) return !strcmp(pat, path);
    pre = (size_t)(star - pat);
    suf = strlen(star + 1);
    if (n < pre + suf + 1 || strncmp(pat, path, pre) ||
        strcmp(path + n - suf, star + 1))
        return 0;
    mid = n - pre - suf;
    if (memchr(path + pre, '/', mid) || mid >= sizeof rt->name) return 0;
    memcpy(rt->name, path + pre, mid);
    rt->name[mid] = '\0';
    return 1;
}

static const mock_provider *route(const char *path, mock_route *rt)
{
    memset(rt, 0, sizeof *rt);
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        if (match_route(routes[i].pattern, path, rt)) {
            rt->prov = routes[i].prov;
            return rt->prov;
        }
    }
    return NULL;
}

/* ---- one request --------------------------------------------------------- */

typedef struct mreq {
    mbuf body;
    int too_big;
} mreq;

/* A number in [0, 1) from (seed, i): the global failure rates. */
static double roll(unsigned long long i)
{
    uint64_t x = XXH3_64bits_withSeed(&i, sizeof i, cfg.seed);
    return (double)(x >> 11) * 0x1.0p-53;
}

static const char *injected_text(int status)
{
    switch (status) {
    case 400: return "bad request";
    case 401: return "unauthorized";
    case 403: return "forbidden";
    case 404: return "not found";
    case 429: return "rate limit reached, please retry later";
    case 500: return "the server had an error while processing your request";
    case 502: return "bad gateway";
    case 503: return "the service is overloaded, please try again later";
    case 504: return "gateway timeout";
    case 529: return "overloaded";
    default: return "error";
    }
}

static const char malformed_body[] =
    "<html><body><h1>mockllm</h1>body=malformed: this is not JSON</body>"
    "</html>\n";

static enum MHD_Result api_request(struct MHD_Connection *c, const char *url,
                                   const char *method, mreq *r)
{
    unsigned long long seq = atomic_fetch_add(&g_seq, 1);
    json_t *root = NULL, *entry;
    const mock_provider *p;
    mock_route rt;
    mock_err err;
    mock_ask ask;
    mock_script sc;
    mock_answer ans;
    mock_body bmode = BODY_NORMAL;
    long delay = cfg.latency_ms, retry = -1;
    int status = 200;
    char *body = NULL, hv[32];
    size_t len = 0;
    struct MHD_Response *resp;
    enum MHD_Result ok;

    memset(&err, 0, sizeof err);
    memset(&ask, 0, sizeof ask);
    memset(&sc, 0, sizeof sc);
    memset(&ans, 0, sizeof ans);
    mbuf_init(&ask.prompt, BODY_MAX);
    if (!r->too_big && r->body.n)
        root = json_loadb(r->body.p, r->body.n, 0, NULL);
    entry = record_begin(c, method, url, r->body.p ? r->body.p : "",
                         r->body.n, root);
    ask.root = root;

    p = route(url, &rt);
    if (!p) {
        p = &prov_openai;
        mock_err_set(&err, 404, NULL, NULL, "Invalid URL (%s %.200s)",
                     method, url);
    } else if (strcmp(method, "POST")) {
        mock_err_set(&err, 405, NULL, NULL, "Method %s not allowed on %.200s",
                     method, url);
    } else if (p->check_headers(c, cfg.api_key, &err)) {
        /* err set */
    } else if (r->too_big) {
        mock_err_set(&err, 413, NULL, NULL,
                     "Request body too large (mockllm limit %u bytes)",
                     BODY_MAX);
    } else if (p->parse(&rt, root, &ask, &err)) {
        /* err set */
    } else if (script_for(ask.prompt.p ? ask.prompt.p : "", ask.prompt.n,
                          &sc, &err)) {
        /* err set */
    } else {
        int fail = (sc.set & SC_FAILURE) != 0;
        answer_decide(&ask, &sc, seq, &ans);
        if (fail && (sc.set & SC_TIMES))
            fail = attempts_next(ans.h) < (unsigned long)sc.times;
        if (fail) {
            if (sc.set & SC_STATUS) status = sc.status;
            if (sc.set & SC_DELAY) delay += sc.delay_ms;
            if (sc.set & SC_BODY) bmode = sc.body;
            if (sc.set & SC_RETRY) retry = sc.retry_after_ms;
        }
        if (status == 200 && (cfg.rate_429 > 0 || cfg.rate_500 > 0)) {
            double u = roll(seq);
            if (u < cfg.rate_429) status = 429;
            else if (u < cfg.rate_429 + cfg.rate_500) status = 500;
        }
        if (status != 200)
            mock_err_set(&err, status, NULL, NULL, "mockllm: injected %d: %s",
                         status, injected_text(status));
        else
            body = p->reply(&ask, &ans, &len);
    }
    if (err.status) {
        status = err.status;
        body = p->error(&err, &len);
    }
    if (status == 429 && retry < 0) retry = cfg.retry_after_ms;

    switch (bmode) {
    case BODY_MALFORMED:
        free(body);
        body = xstrdup(malformed_body);
        len = strlen(body);
        break;
    case BODY_TRUNCATED:
        len /= 2;
        break;
    case BODY_EMPTY:
        len = 0;
        break;
    case BODY_NORMAL:
        break;
    }

    mock_sleep_ms(delay);

    resp = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    MHD_add_response_header(resp, "Content-Type", "application/json");
    snprintf(hv, sizeof hv, "mock-%llu", seq);
    MHD_add_response_header(resp, "x-request-id", hv);
    if (retry >= 0) {
        snprintf(hv, sizeof hv, "%ld", retry);
        MHD_add_response_header(resp, "retry-after-ms", hv);
        snprintf(hv, sizeof hv, "%ld", (retry + 999) / 1000);
        MHD_add_response_header(resp, "retry-after", hv);
    }
    ok = MHD_queue_response(c, (unsigned)status, resp);
    MHD_destroy_response(resp);

    record_done(entry, status);
    answer_clear(&ans);
    script_clear(&sc);
    ask_clear(&ask);
    json_decref(root);
    return ok;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
                                  const char *url, const char *method,
                                  const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
    mreq *r = *con_cls;
    (void)cls;
    (void)version;

    if (!r) {
        r = xcalloc(1, sizeof *r);
        mbuf_init(&r->body, BODY_MAX);
        *con_cls = r;
        return MHD_YES;
    }
    if (*upload_size) {
        if (!r->too_big && mbuf_add(&r->body, upload, *upload_size)) {
            r->too_big = 1;
            mbuf_release(&r->body);
        }
        *upload_size = 0;
        return MHD_YES;
    }
    if (!strncmp(url, "/_mock/", 7))
        return control_handle(c, method, url);
    return api_request(c, url, method, r);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode why)
{
    mreq *r = *con_cls;
    (void)cls;
    (void)c;
    (void)why;
    if (!r) return;
    mbuf_release(&r->body);
    free(r);
    *con_cls = NULL;
}

/* ---- options and main ---------------------------------------------------- */

static void usage(FILE *f)
{
    fputs("usage: mockllm [--host 127.0.0.1] [--port N] [--latency-ms N]\n"
          "               [--rate-429 P] [--rate-500 P] [--retry-after-ms N]\n"
          "               [--seed N] [--api-key KEY] [--rules FILE]\n"
          "               [--max-conns N]\n"
          "A mock OpenAI / Azure / Anthropic / Gemini server for tests; see\n"
          "tests/mockllm/README.md.\n", f);
}

static int opt_long(const char *name, const char *v, long lo, long hi,
                    long *out)
{
    char *end;
    long x;
    errno = 0;
    x = strtol(v, &end, 10);
    if (errno || end == v || *end || x < lo || x > hi) {
        fprintf(stderr, "mockllm: --%s wants an integer in [%ld, %ld], "
                "not '%s'\n", name, lo, hi, v);
        return -1;
    }
    *out = x;
    return 0;
}

static int opt_rate(const char *name, const char *v, double *out)
{
    char *end;
    double x;
    errno = 0;
    x = strtod(v, &end);
    if (errno || end == v || *end || !(x >= 0.0 && x <= 1.0)) {
        fprintf(stderr, "mockllm: --%s wants a probability in [0, 1], "
                "not '%s'\n", name, v);
        return -1;
    }
    *out = x;
    return 0;
}

static int parse_args(int argc, char **argv)
{
    static const struct option opts[] = {
        { "host", required_argument, NULL, 'h' },
        { "port", required_argument, NULL, 'p' },
        { "latency-ms", required_argument, NULL, 'l' },
        { "rate-429", required_argument, NULL, '4' },
        { "rate-500", required_argument, NULL, '5' },
        { "retry-after-ms", required_argument, NULL, 'r' },
        { "seed", required_argument, NULL, 's' },
        { "api-key", required_argument, NULL, 'k' },
        { "rules", required_argument, NULL, 'R' },
        { "max-conns", required_argument, NULL, 'm' },
        { "help", no_argument, NULL, 'H' },
        { NULL, 0, NULL, 0 }
    };
    int o;
    long x;

    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (o) {
        case 'h': cfg.host = optarg; break;
        case 'p':
            if (opt_long("port", optarg, 0, 65535, &x)) return -1;
            cfg.port = (unsigned)x;
            break;
        case 'l':
            if (opt_long("latency-ms", optarg, 0, 3600000L, &x)) return -1;
            cfg.latency_ms = x;
            break;
        case '4': if (opt_rate("rate-429", optarg, &cfg.rate_429)) return -1; break;
        case '5': if (opt_rate("rate-500", optarg, &cfg.rate_500)) return -1; break;
        case 'r':
            if (opt_long("retry-after-ms", optarg, 0, 86400000L, &x)) return -1;
            cfg.retry_after_ms = x;
            break;
        case 's': {
            char *end;
            errno = 0;
            cfg.seed = strtoull(optarg, &end, 0);
            if (errno || end == optarg || *end || *optarg == '-') {
                fprintf(stderr, "mockllm: --seed wants an unsigned integer\n");
                return -1;
            }
            break;
        }
        case 'k': cfg.api_key = optarg; break;
        case 'R': cfg.rules = optarg; break;
        case 'm':
            if (opt_long("max-conns", optarg, 1, 100000, &x)) return -1;
            cfg.max_conns = (unsigned)x;
            break;
        case 'H': usage(stdout); exit(0);
        default: usage(stderr); return -1;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "mockllm: unexpected argument '%s'\n", argv[optind]);
        usage(stderr);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct sockaddr_in a4;
    struct sockaddr_in6 a6;
    struct sockaddr *sa;
    const union MHD_DaemonInfo *info;
    struct MHD_Daemon *d;
    pthread_condattr_t ca;
    sigset_t sigs;
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION |
                     MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL |
                     MHD_USE_ITC | MHD_USE_ERROR_LOG;
    int v6, sig;

    if (parse_args(argc, argv)) return 2;
    if (cfg.rules && rules_load(cfg.rules)) return 2;
    if (!strcmp(cfg.host, "localhost")) cfg.host = "127.0.0.1";
    json_object_seed(0);        /* before any thread makes an object */

    /* One descriptor per connection: lift the soft limit for --max-conns. */
    {
        struct rlimit rl;
        if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < rl.rlim_max &&
            rl.rlim_cur < (rlim_t)cfg.max_conns + 64) {
            rl.rlim_cur = rl.rlim_max;
            setrlimit(RLIMIT_NOFILE, &rl);
        }
    }

    memset(&a4, 0, sizeof a4);
    memset(&a6, 0, sizeof a6);
    v6 = strchr(cfg.host, ':') != NULL;
    if (v6) {
        a6.sin6_family = AF_INET6;
        a6.sin6_port = htons((uint16_t)cfg.port);
        if (inet_pton(AF_INET6, cfg.host, &a6.sin6_addr) != 1) goto badhost;
        sa = (struct sockaddr *)&a6;
        flags |= MHD_USE_IPv6;
    } else {
        a4.sin_family = AF_INET;
        a4.sin_port = htons((uint16_t)cfg.port);
        if (inet_pton(AF_INET, cfg.host, &a4.sin_addr) != 1) goto badhost;
        sa = (struct sockaddr *)&a4;
    }

    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&stop_cv, &ca);
    pthread_condattr_destroy(&ca);

    /* Block the stop signals in every thread (MHD's inherit the mask);
     * main waits for them with sigwait. */
    signal(SIGPIPE, SIG_IGN);
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);

    record_init();
    d = MHD_start_daemon(flags, (uint16_t)cfg.port, NULL, NULL, on_request,
                         NULL,
                         MHD_OPTION_SOCK_ADDR, sa,
                         MHD_OPTION_CONNECTION_LIMIT, cfg.max_conns,
                         MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
                         MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "mockllm: cannot listen on %s port %u: %s\n",
                cfg.host, cfg.port, strerror(errno));
        rules_free();
        return 1;
    }
    info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    printf("mockllm: listening on http://%s%s%s:%u\n", v6 ? "[" : "",
           cfg.host, v6 ? "]" : "", info ? (unsigned)info->port : cfg.port);
    fflush(stdout);

    while (sigwait(&sigs, &sig) != 0)
        ;
    pthread_mutex_lock(&stop_mu);
    stopping = 1;
    pthread_cond_broadcast(&stop_cv);
    pthread_mutex_unlock(&stop_mu);
    MHD_stop_daemon(d);

    record_free();
    attempts_reset();
    rules_free();
    pthread_cond_destroy(&stop_cv);
    return 0;

badhost:
    fprintf(stderr, "mockllm: --host wants a numeric IPv4 or IPv6 address, "
            "not '%s'\n", cfg.host);
    return 2;
}
