/*
 * bench/ingest.c - OTLP/HTTP load generator for assay (and Phoenix).
 *
 * Design: every connection is one thread with one reused libcurl easy handle
 * (HTTP/1.1 keep-alive).  At start-up each thread encodes a small pool of
 * ExportTraceServiceRequest bodies with a tiny protobuf writer of its own
 * (varint / length-delimited / fixed32 / fixed64, nested messages written
 * with a 5-byte length placeholder that is shrunk to the minimal varint when
 * the message ends).  While encoding it records the byte offset of every
 * trace id, span id, parent span id, timestamp and session id ("patches").
 * Per request the thread only overwrites those bytes in place with fresh
 * random ids (splitmix64, never zero) and current timestamps, so the
 * generator costs a few microseconds per request whatever the body size.
 *
 * Each trace is "trip-planner"-shaped, 12 spans:
 *   trip_planner (AGENT, root, session.id)
 *     research_agent (AGENT)          -> LLM (gpt-4o-mini) + TOOL search
 *     budget_agent (AGENT)            -> LLM + TOOL price_lookup
 *     local_experience_agent (AGENT)  -> LLM + TOOL search
 *     itinerary_agent (AGENT)         -> LLM
 * LLM spans carry ~1 KB of message text, token counts, input/output values.
 *
 * Only spans of requests answered 200 count as acknowledged (minus any
 * partial_success.rejected_spans in the reply).  Latencies are all recorded
 * and sorted at the end.  With --rate the load is open-loop (each thread has
 * a schedule; latency is measured from the scheduled send time, so a slow
 * server cannot hide queueing - "coordinated omission").
 */
#include <curl/curl.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define SPANS_PER_TRACE 12
#define MAX_STATUS 600
#define MAX_CONNECTIONS 1024

/* ------------------------------------------------------------------ util */

static void die(const char *msg)
{
    fprintf(stderr, "ingest: %s\n", msg);
    exit(2);
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) die("out of memory");
    return p;
}

static void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p) die("out of memory");
    return p;
}

static uint64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t wall_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void sleep_until_mono(uint64_t t)
{
    struct timespec ts = { (time_t)(t / 1000000000ull), (long)(t % 1000000000ull) };
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {
    }
}

static void sleep_ms(unsigned ms)
{
    sleep_until_mono(mono_ns() + (uint64_t)ms * 1000000ull);
}

/* ------------------------------------------------------------------ PRNG */

typedef struct rng {
    uint64_t s;
} rng;

static uint64_t rng_next(rng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint64_t rng_range(rng *r, uint64_t lo, uint64_t hi) /* [lo, hi] */
{
    return lo + rng_next(r) % (hi - lo + 1);
}

static uint64_t rng_nonzero(rng *r)
{
    uint64_t v;
    do {
        v = rng_next(r);
    } while (v == 0);
    return v;
}

/* ------------------------------------------------------- protobuf writer */

enum { WT_VARINT = 0, WT_I64 = 1, WT_LEN = 2, WT_I32 = 5 };

enum patch_kind { P_TRACE_ID, P_SPAN_ID, P_TIME, P_SESSION };

typedef struct patch {
    uint32_t off;   /* byte offset in the body */
    uint8_t kind;   /* enum patch_kind */
    uint8_t span;   /* P_SPAN_ID: which span of the trace */
    uint16_t trace; /* index of the trace in the body */
    uint64_t rel;   /* P_TIME: nanoseconds after the trace's start */
} patch;

#define MAX_DEPTH 8

typedef struct pbw {
    uint8_t *p;
    size_t len, cap;
    patch *patches;
    size_t npatch, cappatch;
    size_t stack_pos[MAX_DEPTH];
    size_t stack_np[MAX_DEPTH];
    int depth;
} pbw;

static void pb_reserve(pbw *w, size_t n)
{
    if (w->len + n <= w->cap) return;
    size_t c = w->cap ? w->cap : 4096;
    while (c < w->len + n) c *= 2;
    w->p = xrealloc(w->p, c);
    w->cap = c;
}

static void pb_raw(pbw *w, const void *d, size_t n)
{
    pb_reserve(w, n);
    memcpy(w->p + w->len, d, n);
    w->len += n;
}

static size_t varint_put(uint8_t *out, uint64_t v)
{
    size_t n = 0;
    while (v >= 0x80) {
        out[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    out[n++] = (uint8_t)v;
    return n;
}

static void pb_varint(pbw *w, uint64_t v)
{
    pb_reserve(w, 10);
    w->len += varint_put(w->p + w->len, v);
}

static void pb_tag(pbw *w, uint32_t field, uint32_t wt)
{
    pb_varint(w, ((uint64_t)field << 3) | wt);
}

static void pb_bytes(pbw *w, uint32_t field, const void *d, size_t n)
{
    pb_tag(w, field, WT_LEN);
    pb_varint(w, n);
    pb_raw(w, d, n);
}

static void pb_str(pbw *w, uint32_t field, const char *s)
{
    pb_bytes(w, field, s, strlen(s));
}

static void pb_uint(pbw *w, uint32_t field, uint64_t v)
{
    pb_tag(w, field, WT_VARINT);
    pb_varint(w, v);
}

static void le_put64(uint8_t *out, uint64_t v)
{
    for (int i = 0; i < 8; i++) out[i] = (uint8_t)(v >> (8 * i));
}

static void pb_fixed64(pbw *w, uint32_t field, uint64_t v)
{
    pb_tag(w, field, WT_I64);
    pb_reserve(w, 8);
    le_put64(w->p + w->len, v);
    w->len += 8;
}

static void pb_fixed32(pbw *w, uint32_t field, uint32_t v)
{
    pb_tag(w, field, WT_I32);
    pb_reserve(w, 4);
    for (int i = 0; i < 4; i++) w->p[w->len + (size_t)i] = (uint8_t)(v >> (8 * i));
    w->len += 4;
}

static void pb_double(pbw *w, uint32_t field, double d)
{
    uint64_t v;
    memcpy(&v, &d, sizeof v);
    pb_fixed64(w, field, v);
}

/* Registers a patch at the current end of the buffer. */
static void pb_patch_here(pbw *w, enum patch_kind kind, unsigned trace, unsigned span, uint64_t rel)
{
    if (w->npatch == w->cappatch) {
        w->cappatch = w->cappatch ? w->cappatch * 2 : 256;
        w->patches = xrealloc(w->patches, w->cappatch * sizeof *w->patches);
    }
    patch *p = &w->patches[w->npatch++];
    p->off = (uint32_t)w->len;
    p->kind = (uint8_t)kind;
    p->trace = (uint16_t)trace;
    p->span = (uint8_t)span;
    p->rel = rel;
}

/* Zero bytes that a patch will fill in. */
static void pb_hole(pbw *w, size_t n)
{
    pb_reserve(w, n);
    memset(w->p + w->len, 0, n);
    w->len += n;
}

/* Nested message: tag + 5-byte length placeholder; shrunk on end. */
static void msg_begin(pbw *w, uint32_t field)
{
    if (w->depth == MAX_DEPTH) die("protobuf nesting too deep");
    pb_tag(w, field, WT_LEN);
    w->stack_pos[w->depth] = w->len;
    w->stack_np[w->depth] = w->npatch;
    w->depth++;
    pb_hole(w, 5);
}

static void msg_end(pbw *w)
{
    w->depth--;
    size_t pos = w->stack_pos[w->depth];
    size_t content = pos + 5;
    size_t clen = w->len - content;
    size_t n = varint_put(w->p + pos, clen);
    size_t shift = 5 - n;
    if (shift) {
        memmove(w->p + pos + n, w->p + content, clen);
        w->len -= shift;
        for (size_t i = w->stack_np[w->depth]; i < w->npatch; i++) w->patches[i].off -= (uint32_t)shift;
    }
}

/* KeyValue { key = 1; value = 2 (AnyValue) } */
static void kv_str_n(pbw *w, uint32_t field, const char *key, const char *val, size_t vlen)
{
    msg_begin(w, field);
    pb_str(w, 1, key);
    msg_begin(w, 2);
    pb_bytes(w, 1, val, vlen);
    msg_end(w);
    msg_end(w);
}

static void kv_str(pbw *w, uint32_t field, const char *key, const char *val)
{
    kv_str_n(w, field, key, val, strlen(val));
}

static void kv_int(pbw *w, uint32_t field, const char *key, int64_t v)
{
    msg_begin(w, field);
    pb_str(w, 1, key);
    msg_begin(w, 2);
    pb_uint(w, 3, (uint64_t)v);
    msg_end(w);
    msg_end(w);
}

static void kv_double(pbw *w, uint32_t field, const char *key, double v)
{
    msg_begin(w, field);
    pb_str(w, 1, key);
    msg_begin(w, 2);
    pb_double(w, 4, v);
    msg_end(w);
    msg_end(w);
}

static void kv_str_array(pbw *w, uint32_t field, const char *key, const char *const *vals, size_t n)
{
    msg_begin(w, field);
    pb_str(w, 1, key);
    msg_begin(w, 2);
    msg_begin(w, 5); /* array_value */
    for (size_t i = 0; i < n; i++) {
        msg_begin(w, 1); /* values: AnyValue */
        pb_str(w, 1, vals[i]);
        msg_end(w);
    }
    msg_end(w);
    msg_end(w);
    msg_end(w);
}

#define SESSION_PREFIX "sess-"
#define SESSION_HEX 16

/* session.id = "sess-" + 16 hex digits patched per trace */
static void kv_session(pbw *w, uint32_t field, unsigned trace)
{
    msg_begin(w, field);
    pb_str(w, 1, "session.id");
    msg_begin(w, 2);
    pb_tag(w, 1, WT_LEN);
    pb_varint(w, strlen(SESSION_PREFIX) + SESSION_HEX);
    pb_raw(w, SESSION_PREFIX, strlen(SESSION_PREFIX));
    pb_patch_here(w, P_SESSION, trace, 0, 0);
    pb_raw(w, "0000000000000000", SESSION_HEX);
    msg_end(w);
    msg_end(w);
}

/* ------------------------------------------------------- text generation */

static const char *const CITIES[] = {
    "Lisbon", "Kyoto", "Oaxaca", "Reykjavik", "Marrakech", "Hanoi", "Cape Town", "Vancouver",
    "Tbilisi", "Porto", "Seoul", "Buenos Aires", "Edinburgh", "Istanbul", "Queenstown", "Cusco",
};
static const char *const INTERESTS[] = {
    "street food", "modern architecture", "hiking", "museums", "live music", "wine tasting",
    "local markets", "photography", "beaches", "ancient history", "coffee culture", "cycling",
};
static const char *const FILLER[] = {
    " Prefer options that are reachable by public transport from the city centre.",
    " Mention opening hours and whether booking ahead is necessary.",
    " Flag anything that is usually crowded on weekends and suggest a quieter alternative.",
    " Keep the tone friendly and concise, and avoid repeating information already given.",
    " When prices are uncertain, give a range and say where the estimate comes from.",
    " Consider the weather in {city} for the travel dates and adapt outdoor plans.",
    " The traveller is especially interested in {interest} and dislikes tourist traps.",
    " Group nearby activities together so that walking distances stay short.",
    " Include at least one option that works well on a rainy day.",
    " Note any local customs or etiquette a first-time visitor to {city} should know.",
};
static const char *const ANSWER[] = {
    " The best area for {interest} is around the old town, about ten minutes on foot from most hotels.",
    " Locals recommend going early in the morning, before the tour groups arrive around ten.",
    " A mid-range option costs roughly 25 to 40 euros per person, drinks not included.",
    " The tram pass covers most of the route and pays for itself after four rides.",
    " On day {days}, leave the afternoon free: the weekly market in {city} is worth the detour.",
    " Several reviewers mention that the guided tour is better value than the audio guide.",
    " For {interest}, the neighbourhood north of the river has the most authentic places.",
    " Booking two weeks ahead is advised in high season; otherwise walk-ins are usually fine.",
    " A half-day trip out of {city} fits well between the two busiest sightseeing days.",
    " Budget about 15 percent extra for taxis late at night, when public transport thins out.",
};

typedef struct trip {
    const char *city;
    const char *interest;
    unsigned days;
    unsigned budget;
    unsigned user;
} trip;

/* Appends template t with {city}/{interest}/{days}/{budget} expanded. */
static size_t expand(char *out, size_t cap, size_t len, const char *t, const trip *tr)
{
    char num[32];
    while (*t && len + 1 < cap) {
        const char *sub = NULL;
        size_t skip = 0;
        if (*t == '{') {
            if (!strncmp(t, "{city}", 6)) sub = tr->city, skip = 6;
            else if (!strncmp(t, "{interest}", 10)) sub = tr->interest, skip = 10;
            else if (!strncmp(t, "{days}", 6)) {
                snprintf(num, sizeof num, "%u", tr->days);
                sub = num, skip = 6;
            } else if (!strncmp(t, "{budget}", 8)) {
                snprintf(num, sizeof num, "%u", tr->budget);
                sub = num, skip = 8;
            }
        }
        if (sub) {
            size_t n = strlen(sub);
            if (len + n + 1 > cap) n = cap - len - 1;
            memcpy(out + len, sub, n);
            len += n;
            t += skip;
        } else {
            out[len++] = *t++;
        }
    }
    out[len] = 0;
    return len;
}

/* head, then random sentences from pool until at least target bytes. */
static size_t gen_text(char *out, size_t cap, size_t target, const char *head, const char *const *pool,
                       size_t npool, const trip *tr, rng *r)
{
    size_t len = expand(out, cap, 0, head, tr);
    while (len < target && len + 200 < cap) len = expand(out, cap, len, pool[rng_next(r) % npool], tr);
    return len;
}

/* ------------------------------------------------------------ trace shape */

enum { OK_INTERNAL = 1 };

typedef struct span_shape {
    const char *name;
    const char *oi_kind; /* openinference.span.kind */
    int parent;          /* index in the trace, -1 for the root */
} span_shape;

/* 0 root; 1..3, 4..6, 7..9 sub-agent + LLM + TOOL; 10, 11 itinerary + LLM */
static const span_shape SHAPE[SPANS_PER_TRACE] = {
    { "trip_planner", "AGENT", -1 },
    { "research_agent", "AGENT", 0 },
    { "ChatCompletion", "LLM", 1 },
    { "search", "TOOL", 1 },
    { "budget_agent", "AGENT", 0 },
    { "ChatCompletion", "LLM", 4 },
    { "price_lookup", "TOOL", 4 },
    { "local_experience_agent", "AGENT", 0 },
    { "ChatCompletion", "LLM", 7 },
    { "search", "TOOL", 7 },
    { "itinerary_agent", "AGENT", 0 },
    { "ChatCompletion", "LLM", 10 },
};

static const char *const ROLE_SYSTEM[] = {
    "You are the research agent of a trip planner. Find the most relevant sights, neighbourhoods and "
    "experiences in {city} for a traveller interested in {interest}. Answer with short, factual bullet points.",
    "You are the budget agent of a trip planner. Estimate realistic costs in {city} for accommodation, food, "
    "transport and activities for {days} days, and check that the plan fits a budget of {budget} USD.",
    "You are the local experience agent of a trip planner. Suggest authentic local experiences in {city} that "
    "visitors usually miss, with an emphasis on {interest}, and explain why each one is worth the time.",
    "You are the itinerary agent of a trip planner. Combine the research, budget and local experience notes "
    "into a day-by-day itinerary for {days} days in {city}, balanced between busy and relaxed days.",
};
static const char *const ROLE_USER[] = {
    "Research {city} for a {days}-day trip focused on {interest}.",
    "Estimate the costs of {days} days in {city} with a total budget of {budget} USD.",
    "What local experiences in {city} would someone who loves {interest} enjoy?",
    "Write the final {days}-day itinerary for {city} from the notes of the other agents.",
};
static const char *const ROLE_OUT[] = {
    "Research notes for {city}:",
    "Budget estimate for {days} days in {city} (limit {budget} USD):",
    "Local experiences in {city}:",
    "Itinerary for {days} days in {city}:",
};

typedef struct timing {
    uint64_t start, end; /* ns after the trace start */
} timing;

static uint64_t ms(uint64_t v)
{
    return v * 1000000ull;
}

/* Realistic relative timings: three sub-agents in parallel, then the
 * itinerary agent.  Returns the trace duration. */
static uint64_t make_timings(timing *t, rng *r)
{
    uint64_t par_end = 0;
    for (int a = 0; a < 3; a++) {
        int ag = 1 + 3 * a;
        uint64_t s = ms(2 + (uint64_t)a) + rng_range(r, 0, ms(3));
        uint64_t llm = rng_range(r, ms(400), ms(2500));
        uint64_t tool = rng_range(r, ms(30), ms(400));
        t[ag].start = s;
        t[ag + 1].start = s + ms(1);
        t[ag + 1].end = t[ag + 1].start + llm;
        t[ag + 2].start = t[ag + 1].end + ms(1);
        t[ag + 2].end = t[ag + 2].start + tool;
        t[ag].end = t[ag + 2].end + ms(1);
        if (t[ag].end > par_end) par_end = t[ag].end;
    }
    t[10].start = par_end + ms(2);
    t[11].start = t[10].start + ms(1);
    t[11].end = t[11].start + rng_range(r, ms(800), ms(4000));
    t[10].end = t[11].end + ms(1);
    t[0].start = 0;
    t[0].end = t[10].end + ms(2);
    return t[0].end;
}

typedef struct body {
    uint8_t *data;
    size_t len;
    patch *patches;
    size_t npatch;
    unsigned ntraces;
    uint64_t *trace_dur;  /* per trace */
    uint8_t *trace_ids;   /* scratch: 16 per trace */
    uint8_t *span_ids;    /* scratch: 8 per span */
    uint64_t *trace_base; /* scratch: start time per trace */
    char *sessions;       /* scratch: 16 hex per trace */
} body;

static void encode_span(pbw *w, unsigned ti, unsigned si, const timing *tm, const trip *tr, rng *r,
                        double error_rate)
{
    static const char *const tags[] = { "bench", "trip-planner" };
    const span_shape *sh = &SHAPE[si];
    char buf[4096], buf2[2048], buf3[2048];
    size_t n;

    msg_begin(w, 2); /* ScopeSpans.spans */
    pb_tag(w, 1, WT_LEN);
    pb_varint(w, 16);
    pb_patch_here(w, P_TRACE_ID, ti, 0, 0);
    pb_hole(w, 16);
    pb_tag(w, 2, WT_LEN);
    pb_varint(w, 8);
    pb_patch_here(w, P_SPAN_ID, ti, si, 0);
    pb_hole(w, 8);
    if (sh->parent >= 0) {
        pb_tag(w, 4, WT_LEN);
        pb_varint(w, 8);
        pb_patch_here(w, P_SPAN_ID, ti, (unsigned)sh->parent, 0);
        pb_hole(w, 8);
    }
    pb_str(w, 5, sh->name);
    pb_uint(w, 6, OK_INTERNAL);
    pb_tag(w, 7, WT_I64);
    pb_patch_here(w, P_TIME, ti, si, tm[si].start);
    pb_hole(w, 8);
    pb_tag(w, 8, WT_I64);
    pb_patch_here(w, P_TIME, ti, si, tm[si].end);
    pb_hole(w, 8);

    kv_str(w, 9, "openinference.span.kind", sh->oi_kind);
    bool error = false;
    if (!strcmp(sh->oi_kind, "AGENT")) {
        kv_str(w, 9, "agent.name", sh->name);
        kv_str(w, 9, "graph.node.id", sh->name);
        if (sh->parent >= 0) kv_str(w, 9, "graph.node.parent_id", SHAPE[sh->parent].name);
        n = gen_text(buf, sizeof buf, 120, "Plan a {days}-day trip to {city}; the traveller loves {interest}.",
                     FILLER, sizeof FILLER / sizeof *FILLER, tr, r);
        kv_str_n(w, 9, "input.value", buf, n);
        kv_str(w, 9, "input.mime_type", "text/plain");
        n = gen_text(buf, sizeof buf, si == 0 ? 400 : 200, "Done: summary for {city}.", ANSWER,
                     sizeof ANSWER / sizeof *ANSWER, tr, r);
        kv_str_n(w, 9, "output.value", buf, n);
        kv_str(w, 9, "output.mime_type", "text/plain");
        if (si == 0) {
            kv_session(w, 9, ti);
            snprintf(buf2, sizeof buf2, "user-%u", tr->user);
            kv_str(w, 9, "user.id", buf2);
            snprintf(buf2, sizeof buf2, "{\"channel\":\"web\",\"experiment\":\"bench\",\"days\":%u,\"budget_usd\":%u}",
                     tr->days, tr->budget);
            kv_str(w, 9, "metadata", buf2);
            kv_str_array(w, 9, "tag.tags", tags, 2);
        }
    } else if (!strcmp(sh->oi_kind, "LLM")) {
        unsigned role = si == 11 ? 3 : (si - 2) / 3;
        size_t ls, lu, lo;
        ls = gen_text(buf2, sizeof buf2, 300, ROLE_SYSTEM[role], FILLER, sizeof FILLER / sizeof *FILLER, tr, r);
        lu = gen_text(buf3, sizeof buf3, 220, ROLE_USER[role], FILLER, sizeof FILLER / sizeof *FILLER, tr, r);
        lo = gen_text(buf, sizeof buf, 500, ROLE_OUT[role], ANSWER, sizeof ANSWER / sizeof *ANSWER, tr, r);
        kv_str(w, 9, "llm.model_name", "gpt-4o-mini");
        kv_str(w, 9, "llm.provider", "openai");
        kv_str(w, 9, "llm.system", "openai");
        kv_str(w, 9, "llm.invocation_parameters", "{\"temperature\":0.7,\"max_tokens\":1024}");
        kv_str(w, 9, "llm.input_messages.0.message.role", "system");
        kv_str_n(w, 9, "llm.input_messages.0.message.content", buf2, ls);
        kv_str(w, 9, "llm.input_messages.1.message.role", "user");
        kv_str_n(w, 9, "llm.input_messages.1.message.content", buf3, lu);
        kv_str(w, 9, "llm.output_messages.0.message.role", "assistant");
        kv_str_n(w, 9, "llm.output_messages.0.message.content", buf, lo);
        int64_t pt = (int64_t)((ls + lu) / 4 + rng_range(r, 10, 30));
        int64_t ct = (int64_t)(lo / 4 + rng_range(r, 0, 10));
        kv_int(w, 9, "llm.token_count.prompt", pt);
        kv_int(w, 9, "llm.token_count.completion", ct);
        kv_int(w, 9, "llm.token_count.total", pt + ct);
        kv_str_n(w, 9, "input.value", buf3, lu);
        kv_str(w, 9, "input.mime_type", "text/plain");
        kv_str_n(w, 9, "output.value", buf, lo);
        kv_str(w, 9, "output.mime_type", "text/plain");
        kv_str(w, 9, "llm.finish_reason", "stop");
    } else { /* TOOL */
        bool price = !strcmp(sh->name, "price_lookup");
        if (price)
            snprintf(buf2, sizeof buf2, "{\"city\":\"%s\",\"category\":\"hotel\",\"nights\":%u,\"currency\":\"USD\"}",
                     tr->city, tr->days);
        else
            snprintf(buf2, sizeof buf2, "{\"query\":\"%s in %s\",\"max_results\":5}", tr->interest, tr->city);
        kv_str(w, 9, "tool.name", sh->name);
        kv_str(w, 9, "tool.description",
               price ? "Looks up current prices for hotels, food and transport in a city."
                     : "Searches the web and returns the top results with snippets.");
        kv_str(w, 9, "tool.parameters", buf2);
        kv_str(w, 9, "input.value", buf2);
        kv_str(w, 9, "input.mime_type", "application/json");
        n = gen_text(buf, sizeof buf, 300, "[results for {city}]", ANSWER, sizeof ANSWER / sizeof *ANSWER, tr, r);
        kv_str_n(w, 9, "output.value", buf, n);
        kv_str(w, 9, "output.mime_type", "text/plain");
        error = (double)(rng_next(r) >> 11) / 9007199254740992.0 < error_rate;
    }
    pb_uint(w, 10, 0); /* dropped_attributes_count, written like the JS exporter */
    if (error) {
        msg_begin(w, 11); /* Event */
        pb_tag(w, 1, WT_I64);
        pb_patch_here(w, P_TIME, ti, si, tm[si].end - ms(1));
        pb_hole(w, 8);
        pb_str(w, 2, "exception");
        kv_str(w, 3, "exception.type", "TimeoutError");
        kv_str(w, 3, "exception.message", "upstream search provider timed out after 30s");
        kv_str(w, 3, "exception.stacktrace",
               "Traceback (most recent call last):\n  File \"tools.py\", line 42, in run\nTimeoutError");
        msg_end(w);
    }
    msg_begin(w, 15); /* Status */
    if (error) pb_str(w, 2, "TimeoutError: upstream search provider timed out");
    pb_uint(w, 3, error ? 2 : 1);
    msg_end(w);
    pb_fixed32(w, 16, 0x101); /* sampled | has-is-remote */
    msg_end(w);
}

static void build_body(body *bd, unsigned ntraces, const char *project, rng *r, double error_rate)
{
    pbw w;
    memset(&w, 0, sizeof w);
    memset(bd, 0, sizeof *bd);
    bd->ntraces = ntraces;
    bd->trace_dur = xmalloc(ntraces * sizeof *bd->trace_dur);
    bd->trace_ids = xmalloc((size_t)ntraces * 16);
    bd->span_ids = xmalloc((size_t)ntraces * SPANS_PER_TRACE * 8);
    bd->trace_base = xmalloc(ntraces * sizeof *bd->trace_base);
    bd->sessions = xmalloc((size_t)ntraces * SESSION_HEX);

    msg_begin(&w, 1); /* ExportTraceServiceRequest.resource_spans */
    msg_begin(&w, 1); /* Resource */
    kv_str(&w, 1, "service.name", "trip-planner");
    kv_str(&w, 1, "openinference.project.name", project);
    kv_str(&w, 1, "telemetry.sdk.language", "python");
    kv_str(&w, 1, "telemetry.sdk.name", "opentelemetry");
    kv_str(&w, 1, "telemetry.sdk.version", "1.27.0");
    kv_double(&w, 1, "bench.format_version", 1.0);
    pb_uint(&w, 2, 0);
    msg_end(&w);
    msg_begin(&w, 2); /* ScopeSpans */
    msg_begin(&w, 1); /* InstrumentationScope */
    pb_str(&w, 1, "openinference.instrumentation.openai_agents");
    pb_str(&w, 2, "0.1.12");
    msg_end(&w);
    for (unsigned t = 0; t < ntraces; t++) {
        trip tr = {
            .city = CITIES[rng_next(r) % (sizeof CITIES / sizeof *CITIES)],
            .interest = INTERESTS[rng_next(r) % (sizeof INTERESTS / sizeof *INTERESTS)],
            .days = (unsigned)rng_range(r, 2, 10),
            .budget = (unsigned)rng_range(r, 8, 60) * 100,
            .user = (unsigned)rng_range(r, 1, 5000),
        };
        timing tm[SPANS_PER_TRACE];
        bd->trace_dur[t] = make_timings(tm, r);
        for (unsigned s = 0; s < SPANS_PER_TRACE; s++) encode_span(&w, t, s, tm, &tr, r, error_rate);
    }
    msg_end(&w);
    pb_str(&w, 3, "https://opentelemetry.io/schemas/1.27.0");
    msg_end(&w);
    if (w.depth != 0) die("internal: unbalanced protobuf nesting");
    bd->data = w.p;
    bd->len = w.len;
    bd->patches = w.patches;
    bd->npatch = w.npatch;
}

static void free_body(body *bd)
{
    free(bd->data);
    free(bd->patches);
    free(bd->trace_dur);
    free(bd->trace_ids);
    free(bd->span_ids);
    free(bd->trace_base);
    free(bd->sessions);
}

/* Fresh ids and timestamps, written in place.  Each trace ended a little
 * while ago (exporters batch), the request's traces a few ms apart. */
static void refresh_body(body *bd, rng *r, uint64_t now, uint64_t *session)
{
    static const char hex[] = "0123456789abcdef";
    for (unsigned t = 0; t < bd->ntraces; t++) {
        uint64_t a, b;
        do {
            a = rng_next(r);
            b = rng_next(r);
        } while (a == 0 && b == 0);
        memcpy(bd->trace_ids + 16 * (size_t)t, &a, 8);
        memcpy(bd->trace_ids + 16 * (size_t)t + 8, &b, 8);
        for (unsigned s = 0; s < SPANS_PER_TRACE; s++) {
            uint64_t v = rng_nonzero(r);
            memcpy(bd->span_ids + 8 * ((size_t)t * SPANS_PER_TRACE + s), &v, 8);
        }
        uint64_t ago = bd->trace_dur[t] + ms(5) + (uint64_t)(bd->ntraces - t) * ms(3) + rng_next(r) % ms(2);
        bd->trace_base[t] = now - ago;
        /* about three traces per session */
        if (*session == 0 || rng_next(r) % 3 == 0) *session = rng_nonzero(r);
        for (int i = 0; i < SESSION_HEX; i++)
            bd->sessions[(size_t)t * SESSION_HEX + (size_t)i] = hex[(*session >> (60 - 4 * i)) & 15];
    }
    for (size_t i = 0; i < bd->npatch; i++) {
        const patch *p = &bd->patches[i];
        uint8_t *dst = bd->data + p->off;
        switch (p->kind) {
        case P_TRACE_ID:
            memcpy(dst, bd->trace_ids + 16 * (size_t)p->trace, 16);
            break;
        case P_SPAN_ID:
            memcpy(dst, bd->span_ids + 8 * ((size_t)p->trace * SPANS_PER_TRACE + p->span), 8);
            break;
        case P_TIME:
            le_put64(dst, bd->trace_base[p->trace] + p->rel);
            break;
        case P_SESSION:
            memcpy(dst, bd->sessions + (size_t)p->trace * SESSION_HEX, SESSION_HEX);
            break;
        }
    }
}

/* ----------------------------------------------------------- the options */

typedef struct opts {
    const char *url;
    const char *project;
    const char *db;
    unsigned connections;
    double duration;
    double warmup;
    unsigned traces_per_request;
    double rate;
    long server_pid;
    bool json;
    bool progress;
    uint64_t prefill;
    unsigned pool;
    uint64_t seed;
    double error_rate;
} opts;

static opts O = {
    .url = "http://127.0.0.1:6006",
    .project = "bench",
    .connections = 8,
    .duration = 10,
    .warmup = 0,
    .traces_per_request = 10,
    .pool = 8,
    .error_rate = 0.02,
};

/* ------------------------------------------------------------ the threads */

typedef struct lat_vec {
    uint64_t *v;
    size_t n, cap;
} lat_vec;

static void lat_push(lat_vec *l, uint64_t ns)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 4096;
        l->v = xrealloc(l->v, l->cap * sizeof *l->v);
    }
    l->v[l->n++] = ns;
}

typedef struct worker {
    pthread_t th;
    unsigned id;
    CURL *curl;
    struct curl_slist *headers;
    body *bodies;
    rng r;
    uint64_t session;
    char url[1024];
    /* response */
    uint8_t resp[8192];
    size_t resp_len;
    char errbuf[CURL_ERROR_SIZE];
    /* results (measurement window only) */
    lat_vec lat;     /* from scheduled (rate) or actual send */
    lat_vec service; /* from actual send, only with --rate */
    uint64_t ok_requests;
    uint64_t spans_acked;
    uint64_t rejected_spans;
    uint64_t status[MAX_STATUS + 1]; /* [0] = transport error */
    uint64_t late_sends;
    long connects;
    char first_error[256];
} worker;

static uint64_t g_start, g_measure_start, g_end;
static atomic_bool g_stop;

/* prefill bookkeeping */
static atomic_uint_fast64_t g_prefill_next;   /* next request number */
static uint64_t g_prefill_requests;          /* requests to send */
static atomic_uint_fast64_t g_prefill_acked; /* spans */
static atomic_uint_fast64_t g_prefill_failed;
static pthread_mutex_t g_million_mu = PTHREAD_MUTEX_INITIALIZER;
static uint64_t g_million_t[4096];
static unsigned g_millions;

static size_t on_write(char *ptr, size_t size, size_t nmemb, void *ud)
{
    worker *w = ud;
    size_t n = size * nmemb;
    size_t room = sizeof w->resp - w->resp_len;
    memcpy(w->resp + w->resp_len, ptr, n < room ? n : room);
    w->resp_len += n < room ? n : room;
    return n;
}

static bool rd_varint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
    *v = 0;
    for (int shift = 0; shift < 64 && *p < end; shift += 7) {
        uint8_t b = *(*p)++;
        *v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) return true;
    }
    return false;
}

/* ExportTraceServiceResponse.partial_success.rejected_spans, 0 if none. */
static uint64_t rejected_in(const uint8_t *p, size_t len, char *msg, size_t msgcap)
{
    const uint8_t *end = p + len;
    uint64_t rejected = 0, key, v;
    while (p < end && rd_varint(&p, end, &key)) {
        unsigned wt = (unsigned)(key & 7);
        if (wt == WT_VARINT) {
            if (!rd_varint(&p, end, &v)) break;
        } else if (wt == WT_I64) {
            p += 8;
        } else if (wt == WT_I32) {
            p += 4;
        } else if (wt == WT_LEN) {
            if (!rd_varint(&p, end, &v) || v > (uint64_t)(end - p)) break;
            if ((key >> 3) == 1) { /* partial_success */
                const uint8_t *q = p, *qe = p + v;
                uint64_t k2, v2;
                while (q < qe && rd_varint(&q, qe, &k2)) {
                    if ((k2 & 7) == WT_VARINT) {
                        if (!rd_varint(&q, qe, &v2)) break;
                        if ((k2 >> 3) == 1) rejected = v2;
                    } else if ((k2 & 7) == WT_LEN) {
                        if (!rd_varint(&q, qe, &v2) || v2 > (uint64_t)(qe - q)) break;
                        if ((k2 >> 3) == 2 && msgcap && !msg[0])
                            snprintf(msg, msgcap, "partial_success: %.*s", (int)v2, (const char *)q);
                        q += v2;
                    } else {
                        break;
                    }
                }
            }
            p += v;
        } else {
            break;
        }
    }
    return rejected;
}

/* One POST; returns the HTTP status (0 on transport error). */
static long post(worker *w, const body *bd)
{
    w->resp_len = 0;
    curl_easy_setopt(w->curl, CURLOPT_POSTFIELDS, (const char *)bd->data);
    curl_easy_setopt(w->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)bd->len);
    CURLcode rc = curl_easy_perform(w->curl);
    if (rc != CURLE_OK) {
        if (!w->first_error[0])
            snprintf(w->first_error, sizeof w->first_error, "%.200s", w->errbuf[0] ? w->errbuf : curl_easy_strerror(rc));
        return 0;
    }
    long code = 0;
    curl_easy_getinfo(w->curl, CURLINFO_RESPONSE_CODE, &code);
    long nc = 0;
    curl_easy_getinfo(w->curl, CURLINFO_NUM_CONNECTS, &nc);
    w->connects += nc;
    if (code != 200 && !w->first_error[0]) {
        snprintf(w->first_error, sizeof w->first_error, "HTTP %ld: %.*s", code,
                 (int)(w->resp_len < 200 ? w->resp_len : 200), (const char *)w->resp);
    }
    return code;
}

static void count_status(worker *w, long code)
{
    if (code < 0 || code > MAX_STATUS) code = MAX_STATUS;
    w->status[code]++;
}

static void note_prefill_progress(uint64_t before, uint64_t after)
{
    if (before / 1000000 == after / 1000000) return;
    uint64_t now = mono_ns();
    pthread_mutex_lock(&g_million_mu);
    for (uint64_t m = before / 1000000 + 1; m <= after / 1000000; m++) {
        if (g_millions < sizeof g_million_t / sizeof *g_million_t) {
            g_million_t[g_millions] = now;
            uint64_t prev = g_millions ? g_million_t[g_millions - 1] : g_start;
            double secs = (double)(now - prev) / 1e9;
            fprintf(stderr, "prefill: %" PRIu64 "M spans  %.1f s total  this million %.2f s = %.0f spans/s\n", m,
                    (double)(now - g_start) / 1e9, secs, secs > 0 ? 1e6 / secs : 0.0);
            g_millions++;
        }
    }
    pthread_mutex_unlock(&g_million_mu);
}

static void *prefill_loop(worker *w)
{
    unsigned spans = O.traces_per_request * SPANS_PER_TRACE;
    for (uint64_t i = 0;; i++) {
        uint64_t req = atomic_fetch_add(&g_prefill_next, 1);
        if (req >= g_prefill_requests || atomic_load(&g_stop)) break;
        body *bd = &w->bodies[i % O.pool];
        refresh_body(bd, &w->r, wall_ns(), &w->session);
        bool done = false;
        for (unsigned attempt = 0; attempt < 20 && !done; attempt++) {
            uint64_t t0 = mono_ns();
            long code = post(w, bd);
            uint64_t t1 = mono_ns();
            count_status(w, code);
            if (code == 200) {
                uint64_t rej = rejected_in(w->resp, w->resp_len, w->first_error, sizeof w->first_error);
                uint64_t acked = spans > rej ? spans - rej : 0;
                w->ok_requests++;
                w->spans_acked += acked;
                w->rejected_spans += rej;
                lat_push(&w->lat, t1 - t0);
                uint64_t before = atomic_fetch_add(&g_prefill_acked, acked);
                note_prefill_progress(before, before + acked);
                done = true;
            } else {
                /* 429/503 back-pressure, or the server is not up yet */
                sleep_ms(attempt < 5 ? 20u << attempt : 1000u);
            }
        }
        if (!done) atomic_fetch_add(&g_prefill_failed, 1);
    }
    return NULL;
}

static void *timed_loop(worker *w)
{
    unsigned spans = O.traces_per_request * SPANS_PER_TRACE;
    uint64_t interval = 0, next = 0;
    if (O.rate > 0) {
        interval = (uint64_t)(1e9 * O.connections / O.rate);
        next = g_start + interval * w->id / O.connections; /* stagger the threads */
    }
    for (uint64_t i = 0;; i++) {
        uint64_t sched;
        if (interval) {
            sched = next;
            next += interval;
            if (sched >= g_end) break;
            uint64_t now = mono_ns();
            if (sched > now) sleep_until_mono(sched);
            else if (now - sched > ms(1)) w->late_sends++;
        } else {
            sched = mono_ns();
            if (sched >= g_end) break;
        }
        if (atomic_load(&g_stop)) break;
        body *bd = &w->bodies[i % O.pool];
        refresh_body(bd, &w->r, wall_ns(), &w->session);
        uint64_t t0 = mono_ns();
        long code = post(w, bd);
        uint64_t t1 = mono_ns();
        if (t1 > g_end) break; /* finished after the window: not counted */
        if (t1 < g_measure_start) { /* warm-up: nothing is counted */
            w->first_error[0] = 0;
            if (code == 0) sleep_ms(10);
            continue;
        }
        count_status(w, code);
        if (code == 200) {
            uint64_t rej = rejected_in(w->resp, w->resp_len, w->first_error, sizeof w->first_error);
            w->ok_requests++;
            w->spans_acked += spans > rej ? spans - rej : 0;
            w->rejected_spans += rej;
            lat_push(&w->lat, t1 - (interval ? (sched < t0 ? sched : t0) : t0));
            if (interval) lat_push(&w->service, t1 - t0);
        } else if (code == 0) {
            sleep_ms(10); /* connection refused etc.: do not spin */
        }
    }
    return NULL;
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    return O.prefill ? prefill_loop(w) : timed_loop(w);
}

static void worker_init(worker *w, unsigned id, uint64_t seed)
{
    memset(w, 0, sizeof *w);
    w->id = id;
    w->r.s = seed ^ (0x51ed270b27f3a1c5ull * (id + 1));
    rng_next(&w->r);
    w->bodies = xmalloc(O.pool * sizeof *w->bodies);
    for (unsigned i = 0; i < O.pool; i++)
        build_body(&w->bodies[i], O.traces_per_request, O.project, &w->r, O.error_rate);
    snprintf(w->url, sizeof w->url, "%s/v1/traces", O.url);
    w->curl = curl_easy_init();
    if (!w->curl) die("curl_easy_init failed");
    w->headers = curl_slist_append(NULL, "Content-Type: application/x-protobuf");
    w->headers = curl_slist_append(w->headers, "Expect:"); /* no 100-continue round trip */
    curl_easy_setopt(w->curl, CURLOPT_URL, w->url);
    curl_easy_setopt(w->curl, CURLOPT_POST, 1L);
    curl_easy_setopt(w->curl, CURLOPT_HTTPHEADER, w->headers);
    curl_easy_setopt(w->curl, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(w->curl, CURLOPT_WRITEDATA, w);
    curl_easy_setopt(w->curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(w->curl, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(w->curl, CURLOPT_TIMEOUT, 120L);
    curl_easy_setopt(w->curl, CURLOPT_CONNECTTIMEOUT, 5L);
    curl_easy_setopt(w->curl, CURLOPT_ERRORBUFFER, w->errbuf);
    curl_easy_setopt(w->curl, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
}

/* ------------------------------------------------------ server RSS, db size */

static atomic_bool g_sampler_stop;
static uint64_t g_peak_rss, g_hwm; /* bytes */
static bool g_pid_gone;

static bool read_status(long pid, uint64_t *rss, uint64_t *hwm)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%ld/status", pid);
    FILE *f = fopen(path, "r");
    if (!f) return false;
    *rss = *hwm = 0;
    while (fgets(line, sizeof line, f)) {
        unsigned long long kb;
        if (sscanf(line, "VmRSS: %llu kB", &kb) == 1) *rss = kb * 1024;
        else if (sscanf(line, "VmHWM: %llu kB", &kb) == 1) *hwm = kb * 1024;
    }
    fclose(f);
    return true;
}

static void *sampler_main(void *arg)
{
    (void)arg;
    while (!atomic_load(&g_sampler_stop)) {
        uint64_t rss, hwm;
        if (!read_status(O.server_pid, &rss, &hwm)) {
            g_pid_gone = true;
            break;
        }
        if (rss > g_peak_rss) g_peak_rss = rss;
        if (hwm > g_hwm) g_hwm = hwm;
        sleep_ms(100);
    }
    return NULL;
}

static uint64_t file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
}

static void db_sizes(uint64_t *db, uint64_t *wal)
{
    char p[4096];
    *db = file_size(O.db);
    snprintf(p, sizeof p, "%s-wal", O.db);
    *wal = file_size(p);
}

/* ---------------------------------------------------------------- report */

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* nearest-rank percentile of a sorted vector, in ms */
static double pct_ms(const lat_vec *l, double p)
{
    if (!l->n) return 0;
    size_t rank = (size_t)(p / 100.0 * (double)l->n + 0.999999);
    if (rank < 1) rank = 1;
    if (rank > l->n) rank = l->n;
    return (double)l->v[rank - 1] / 1e6;
}

static double mean_ms(const lat_vec *l)
{
    if (!l->n) return 0;
    double s = 0;
    for (size_t i = 0; i < l->n; i++) s += (double)l->v[i];
    return s / (double)l->n / 1e6;
}

static void merge(lat_vec *dst, const lat_vec *src)
{
    for (size_t i = 0; i < src->n; i++) lat_push(dst, src->v[i]);
}

static json_t *lat_json(const lat_vec *l)
{
    return json_pack("{s:f,s:f,s:f,s:f,s:f,s:I}", "p50", pct_ms(l, 50), "p90", pct_ms(l, 90), "p99", pct_ms(l, 99),
                     "max", l->n ? (double)l->v[l->n - 1] / 1e6 : 0.0, "mean", mean_ms(l), "count",
                     (json_int_t)l->n);
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: ingest [options]\n"
            "  --url URL                 server base URL (default http://127.0.0.1:6006); POSTs to URL/v1/traces\n"
            "  --connections N           keep-alive connections, one thread each (default 8)\n"
            "  --duration SECONDS        measured time (default 10)\n"
            "  --warmup SECONDS          unmeasured load before the measurement (default 0)\n"
            "  --traces-per-request K    12-span traces per request (default 10 = 120 spans)\n"
            "  --rate R                  open-loop: R requests/s in total (latency from scheduled send)\n"
            "  --server-pid PID          sample /proc/PID/status every 100 ms, report peak RSS\n"
            "  --db PATH                 database file: report (size + PATH-wal) / spans acknowledged\n"
            "  --prefill N               send N spans as fast as possible, report the rate per million, exit\n"
            "  --project NAME            openinference.project.name (default bench)\n"
            "  --pool N                  distinct request bodies per thread (default 8)\n"
            "  --error-rate F            share of TOOL spans with status ERROR + exception event (default 0.02)\n"
            "  --seed N                  PRNG seed (default: time and pid)\n"
            "  --progress                print spans/s every second on stderr\n"
            "  --json                    print one JSON line of results instead of the text report\n");
}

static double parse_num(const char *opt, const char *s)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || v < 0) {
        fprintf(stderr, "ingest: bad value for %s: %s\n", opt, s);
        exit(2);
    }
    return v;
}

static void parse_args(int argc, char **argv)
{
    enum { OPT_URL = 256, OPT_CONN, OPT_DUR, OPT_WARM, OPT_TPR, OPT_RATE, OPT_PID, OPT_DB, OPT_PREFILL,
           OPT_PROJECT, OPT_POOL, OPT_ERR, OPT_SEED, OPT_PROGRESS, OPT_JSON, OPT_HELP };
    static const struct option longopts[] = {
        { "url", required_argument, NULL, OPT_URL },
        { "connections", required_argument, NULL, OPT_CONN },
        { "duration", required_argument, NULL, OPT_DUR },
        { "warmup", required_argument, NULL, OPT_WARM },
        { "traces-per-request", required_argument, NULL, OPT_TPR },
        { "rate", required_argument, NULL, OPT_RATE },
        { "server-pid", required_argument, NULL, OPT_PID },
        { "db", required_argument, NULL, OPT_DB },
        { "prefill", required_argument, NULL, OPT_PREFILL },
        { "project", required_argument, NULL, OPT_PROJECT },
        { "pool", required_argument, NULL, OPT_POOL },
        { "error-rate", required_argument, NULL, OPT_ERR },
        { "seed", required_argument, NULL, OPT_SEED },
        { "progress", no_argument, NULL, OPT_PROGRESS },
        { "json", no_argument, NULL, OPT_JSON },
        { "help", no_argument, NULL, OPT_HELP },
        { NULL, 0, NULL, 0 },
    };
    int c;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_URL: O.url = optarg; break;
        case OPT_CONN: O.connections = (unsigned)parse_num("--connections", optarg); break;
        case OPT_DUR: O.duration = parse_num("--duration", optarg); break;
        case OPT_WARM: O.warmup = parse_num("--warmup", optarg); break;
        case OPT_TPR: O.traces_per_request = (unsigned)parse_num("--traces-per-request", optarg); break;
        case OPT_RATE: O.rate = parse_num("--rate", optarg); break;
        case OPT_PID: O.server_pid = (long)parse_num("--server-pid", optarg); break;
        case OPT_DB: O.db = optarg; break;
        case OPT_PREFILL: O.prefill = (uint64_t)parse_num("--prefill", optarg); break;
        case OPT_PROJECT: O.project = optarg; break;
        case OPT_POOL: O.pool = (unsigned)parse_num("--pool", optarg); break;
        case OPT_ERR: O.error_rate = parse_num("--error-rate", optarg); break;
        case OPT_SEED: O.seed = (uint64_t)strtoull(optarg, NULL, 0); break;
        case OPT_PROGRESS: O.progress = true; break;
        case OPT_JSON: O.json = true; break;
        case 'h':
        case OPT_HELP: usage(stdout); exit(0);
        default: usage(stderr); exit(2);
        }
    }
    if (optind < argc) {
        usage(stderr);
        exit(2);
    }
    if (O.connections < 1 || O.connections > MAX_CONNECTIONS) die("--connections must be 1..1024");
    if (O.traces_per_request < 1 || O.traces_per_request > 65535) die("--traces-per-request must be 1..65535");
    if (O.pool < 1) die("--pool must be >= 1");
    if (!O.prefill && O.duration <= 0) die("--duration must be > 0");
    size_t ul = strlen(O.url);
    while (ul > 0 && O.url[ul - 1] == '/') ul--; /* tolerate a trailing slash */
    static char url[1024];
    snprintf(url, sizeof url, "%.*s", (int)ul, O.url);
    O.url = url;
}

static double cpu_seconds(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
           (double)ru.ru_stime.tv_usec / 1e6;
}

int main(int argc, char **argv)
{
    parse_args(argc, argv);
    signal(SIGPIPE, SIG_IGN);
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) die("curl_global_init failed");

    uint64_t seed = O.seed ? O.seed : (wall_ns() ^ ((uint64_t)getpid() << 32));
    worker *ws = xmalloc(O.connections * sizeof *ws);
    uint64_t t_build = mono_ns();
    for (unsigned i = 0; i < O.connections; i++) worker_init(&ws[i], i, seed);
    double build_s = (double)(mono_ns() - t_build) / 1e9;
    unsigned spans_per_req = O.traces_per_request * SPANS_PER_TRACE;
    size_t bytes_per_req = ws[0].bodies[0].len;
    if (!O.json)
        fprintf(stderr, "ingest: %u connections, %u spans (%.1f KB) per request, %u bodies/thread built in %.2f s\n",
                O.connections, spans_per_req, (double)bytes_per_req / 1024, O.pool, build_s);

    uint64_t db0 = 0, wal0 = 0;
    if (O.db) db_sizes(&db0, &wal0);

    pthread_t sampler;
    bool sampling = O.server_pid > 0;
    if (sampling && pthread_create(&sampler, NULL, sampler_main, NULL) != 0) die("pthread_create failed");

    double cpu0 = cpu_seconds();
    g_start = mono_ns();
    g_measure_start = g_start + (uint64_t)(O.warmup * 1e9);
    g_end = g_measure_start + (uint64_t)(O.duration * 1e9);
    if (O.prefill) {
        g_prefill_requests = (O.prefill + spans_per_req - 1) / spans_per_req;
        g_measure_start = g_start;
        g_end = UINT64_MAX;
    }
    for (unsigned i = 0; i < O.connections; i++)
        if (pthread_create(&ws[i].th, NULL, worker_main, &ws[i]) != 0) die("pthread_create failed");

    if (O.progress && !O.prefill) {
        uint64_t last_acked = 0;
        for (unsigned sec = 1; mono_ns() < g_end; sec++) {
            uint64_t t = g_start + (uint64_t)sec * 1000000000ull;
            if (t > g_end) t = g_end;
            sleep_until_mono(t);
            uint64_t acked = 0, errs = 0;
            for (unsigned i = 0; i < O.connections; i++) { /* racy read: progress only */
                acked += *(volatile uint64_t *)&ws[i].spans_acked;
                for (int s = 0; s <= MAX_STATUS; s++)
                    if (s != 200) errs += *(volatile uint64_t *)&ws[i].status[s];
            }
            fprintf(stderr, "t=%us  spans/s %" PRIu64 "  errors %" PRIu64 "%s\n", sec, acked - last_acked, errs,
                    t <= g_measure_start ? "  (warm-up)" : "");
            last_acked = acked;
        }
    }
    for (unsigned i = 0; i < O.connections; i++) pthread_join(ws[i].th, NULL);
    uint64_t t_done = mono_ns();
    double cpu = cpu_seconds() - cpu0;
    if (sampling) {
        atomic_store(&g_sampler_stop, true);
        pthread_join(sampler, NULL);
    }

    /* aggregate */
    lat_vec lat = { 0 }, svc = { 0 };
    uint64_t ok = 0, acked = 0, rejected = 0, late = 0, status[MAX_STATUS + 1] = { 0 };
    long connects = 0;
    const char *first_error = NULL;
    for (unsigned i = 0; i < O.connections; i++) {
        worker *w = &ws[i];
        merge(&lat, &w->lat);
        merge(&svc, &w->service);
        ok += w->ok_requests;
        acked += w->spans_acked;
        rejected += w->rejected_spans;
        late += w->late_sends;
        connects += w->connects;
        for (int s = 0; s <= MAX_STATUS; s++) status[s] += w->status[s];
        if (!first_error && w->first_error[0]) first_error = w->first_error;
    }
    if (lat.n) qsort(lat.v, lat.n, sizeof *lat.v, cmp_u64);
    if (svc.n) qsort(svc.v, svc.n, sizeof *svc.v, cmp_u64);
    double elapsed = O.prefill ? (double)(t_done - g_start) / 1e9 : O.duration;
    double sps = elapsed > 0 ? (double)acked / elapsed : 0;
    uint64_t errors = 0;
    for (int s = 0; s <= MAX_STATUS; s++)
        if (s != 200) errors += status[s];

    uint64_t db = 0, wal = 0;
    if (O.db) db_sizes(&db, &wal);

    json_t *j = json_object();
    json_object_set_new(j, "mode", json_string(O.prefill ? "prefill" : O.rate > 0 ? "rate" : "closed-loop"));
    json_object_set_new(j, "url", json_string(O.url));
    json_object_set_new(j, "connections", json_integer(O.connections));
    json_object_set_new(j, "traces_per_request", json_integer(O.traces_per_request));
    json_object_set_new(j, "spans_per_request", json_integer(spans_per_req));
    json_object_set_new(j, "request_bytes", json_integer((json_int_t)bytes_per_req));
    json_object_set_new(j, "duration_s", json_real(elapsed));
    json_object_set_new(j, "warmup_s", json_real(O.prefill ? 0 : O.warmup));
    if (O.rate > 0) {
        json_object_set_new(j, "target_rate", json_real(O.rate));
        json_object_set_new(j, "late_sends", json_integer((json_int_t)late));
        json_object_set_new(j, "service_latency_ms", lat_json(&svc));
    }
    json_object_set_new(j, "requests_ok", json_integer((json_int_t)ok));
    json_object_set_new(j, "requests_per_s", json_real(elapsed > 0 ? (double)ok / elapsed : 0));
    json_object_set_new(j, "spans_acked", json_integer((json_int_t)acked));
    json_object_set_new(j, "spans_per_s", json_real(sps));
    json_object_set_new(j, "rejected_spans", json_integer((json_int_t)rejected));
    json_object_set_new(j, "latency_ms", lat_json(&lat));
    json_t *errs = json_object();
    for (int s = 0; s <= MAX_STATUS; s++) {
        if (s == 200 || !status[s]) continue;
        char k[16];
        snprintf(k, sizeof k, "%d", s);
        json_object_set_new(errs, s == 0 ? "transport" : k, json_integer((json_int_t)status[s]));
    }
    json_object_set_new(j, "errors", errs);
    if (first_error) json_object_set_new(j, "first_error", json_string(first_error));
    json_object_set_new(j, "connections_opened", json_integer(connects));
    if (sampling) {
        json_object_set_new(j, "server_peak_rss_bytes", json_integer((json_int_t)g_peak_rss));
        json_object_set_new(j, "server_vmhwm_bytes", json_integer((json_int_t)g_hwm));
    }
    if (O.db) {
        json_object_set_new(j, "db_bytes", json_integer((json_int_t)db));
        json_object_set_new(j, "wal_bytes", json_integer((json_int_t)wal));
        json_object_set_new(j, "db_bytes_per_span", acked ? json_real((double)(db + wal) / (double)acked) : json_null());
        json_object_set_new(j, "db_growth_bytes_per_span",
                            acked ? json_real(((double)(db + wal) - (double)(db0 + wal0)) / (double)acked) : json_null());
    }
    if (O.prefill) {
        json_object_set_new(j, "prefill_target_spans", json_integer((json_int_t)O.prefill));
        json_object_set_new(j, "prefill_failed_requests", json_integer((json_int_t)atomic_load(&g_prefill_failed)));
        json_t *pm = json_array();
        for (unsigned m = 0; m < g_millions; m++) {
            double s = (double)(g_million_t[m] - (m ? g_million_t[m - 1] : g_start)) / 1e9;
            json_array_append_new(pm, json_pack("{s:i,s:f,s:f}", "million", (int)(m + 1), "seconds", s,
                                                "spans_per_s", s > 0 ? 1e6 / s : 0.0));
        }
        json_object_set_new(j, "per_million", pm);
    }
    json_object_set_new(j, "client_cpu_s", json_real(cpu));

    if (O.json) {
        char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
        if (s) puts(s);
        free(s);
    } else {
        printf("mode               : %s\n", O.prefill ? "prefill" : O.rate > 0 ? "open-loop rate" : "closed-loop");
        printf("requests ok        : %" PRIu64 "  (%.1f/s)\n", ok, elapsed > 0 ? (double)ok / elapsed : 0);
        printf("spans acknowledged : %" PRIu64 "%s\n", acked, rejected ? "  (after partial_success rejections)" : "");
        if (rejected) printf("spans rejected     : %" PRIu64 "\n", rejected);
        printf("spans/s            : %.0f  over %.2f s\n", sps, elapsed);
        printf("request latency ms : p50 %.2f  p90 %.2f  p99 %.2f  max %.2f  mean %.2f%s\n", pct_ms(&lat, 50),
               pct_ms(&lat, 90), pct_ms(&lat, 99), lat.n ? (double)lat.v[lat.n - 1] / 1e6 : 0.0, mean_ms(&lat),
               O.rate > 0 ? "  (from scheduled send)" : "");
        if (O.rate > 0) {
            printf("service time ms    : p50 %.2f  p90 %.2f  p99 %.2f  max %.2f\n", pct_ms(&svc, 50),
                   pct_ms(&svc, 90), pct_ms(&svc, 99), svc.n ? (double)svc.v[svc.n - 1] / 1e6 : 0.0);
            printf("target rate        : %.1f req/s  (%" PRIu64 " sends more than 1 ms late)\n", O.rate, late);
        }
        printf("errors             : ");
        if (!errors) printf("none");
        for (int s = 0; s <= MAX_STATUS; s++) {
            if (s == 200 || !status[s]) continue;
            if (s == 0) printf("transport %" PRIu64 "  ", status[s]);
            else printf("%d: %" PRIu64 "  ", s, status[s]);
        }
        printf("\n");
        if (first_error) printf("first error        : %s\n", first_error);
        printf("connections opened : %ld\n", connects);
        if (sampling)
            printf("server peak RSS    : %.1f MB sampled  (VmHWM %.1f MB)%s\n", (double)g_peak_rss / 1048576.0,
                   (double)g_hwm / 1048576.0, g_pid_gone ? "  [process went away]" : "");
        if (O.db) {
            if (acked)
                printf("db bytes/span      : %.0f  (db %.1f MB + wal %.1f MB; growth this run %.0f B/span)\n",
                       (double)(db + wal) / (double)acked, (double)db / 1048576.0, (double)wal / 1048576.0,
                       ((double)(db + wal) - (double)(db0 + wal0)) / (double)acked);
            else
                printf("db bytes/span      : n/a (no spans acknowledged)\n");
        }
        if (O.prefill)
            printf("prefill            : %" PRIu64 " requests failed after retries\n",
                   (uint64_t)atomic_load(&g_prefill_failed));
        printf("client cpu         : %.2f s  (%.0f%% of one core)\n", cpu,
               100.0 * cpu / ((double)(t_done - g_start) / 1e9));
    }
    json_decref(j);

    for (unsigned i = 0; i < O.connections; i++) {
        for (unsigned b = 0; b < O.pool; b++) free_body(&ws[i].bodies[b]);
        free(ws[i].bodies);
        free(ws[i].lat.v);
        free(ws[i].service.v);
        curl_slist_free_all(ws[i].headers);
        curl_easy_cleanup(ws[i].curl);
    }
    free(ws);
    free(lat.v);
    free(svc.v);
    curl_global_cleanup();
    return acked > 0 ? 0 : 1;
}
