/*
 * bench/otlpgen.h - the benchmark workload: realistic OTLP/protobuf
 * ExportTraceServiceRequest bodies, shared by bench/ingest (the HTTP load
 * generator) and bench/decode (the in-process decode/prepare benchmark).
 *
 * Header-only (static functions) because the Makefile builds every
 * each bench/NAME.c as its own program: both programs include this file.
 *
 * A body holds K traces of SPANS_PER_TRACE "trip-planner" spans, encoded
 * with a tiny protobuf writer (varint / length-delimited / fixed32 /
 * fixed64, nested messages written with a 5-byte length placeholder that is
 * shrunk to the minimal varint when the message ends).  While encoding it
 * records the byte offset of every trace id, span id, parent span id,
 * timestamp and session id ("patches"); refresh_body() overwrites those
 * bytes in place with fresh random ids (splitmix64, never zero) and current
 * timestamps, so a body is reused at a cost of a few microseconds.
 *
 * Each trace is "trip-planner"-shaped, 12 spans:
 *   trip_planner (AGENT, root, session.id)
 *     research_agent (AGENT)          -> LLM (gpt-4o-mini) + TOOL search
 *     budget_agent (AGENT)            -> LLM + TOOL price_lookup
 *     local_experience_agent (AGENT)  -> LLM + TOOL search
 *     itinerary_agent (AGENT)         -> LLM
 * LLM spans carry ~1 KB of message text, token counts, input/output values.
 */
#ifndef ASSAY_BENCH_OTLPGEN_H
#define ASSAY_BENCH_OTLPGEN_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SPANS_PER_TRACE 12

/* ------------------------------------------------------------------ util */

static void die(const char *msg)
{
    fprintf(stderr, "%s: %s\n", program_invocation_short_name, msg);
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

#endif
