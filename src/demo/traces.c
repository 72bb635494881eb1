/*
 * traces.c - the demo project's traces and their span annotations.
 *
 * Each trace is one OTLP/JSON export request built in memory: a root
 * AGENT span `trip_planner`, three AGENT spans that run in parallel
 * (research_agent, budget_agent, local_experience_agent, each with a TOOL
 * and an LLM child), then itinerary_agent with its LLM child.  The
 * requests go through the same decode -> prepare -> ingest queue path as
 * POST /v1/traces (src/server/h_otlp.c), so the spans are stored exactly
 * as ingested ones are.  Texts come from data/demo/trips.json.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assay/alloc.h"
#include "assay/ingest.h"
#include "assay/otlp.h"
#include "assay/hex.h"
#include "assay/store_annotations.h"
#include "demo_int.h"

#define MS 1000000LL
#define DEMO_SEED 0x7a1b2c3d4e5f6071ull

/* `bytes` random bytes as lower-case hex (2 * bytes + 1 chars). */
static void hex_id(demo_rng *r, char *out, int bytes) {
    uint8_t b[16];
    for (int i = 0; i < bytes; i += 8) {
        uint64_t v = demo_rng_next(r);
        for (int j = 0; j < 8 && i + j < bytes; j++) b[i + j] = (uint8_t)(v >> (8 * j));
    }
    as_hex_encode(b, (size_t)bytes, out);
}

void demo_plan_make(demo_plan *p, const demo_data *d, int64_t now) {
    demo_rng r = { DEMO_SEED };
    memset(p, 0, sizeof(*p));
    size_t nfu = json_array_size(d->followups);
    int k = 0;
    /* Conversations: DEMO_SESSIONS sessions of 2-5 turns, then one-shot
     * requests until DEMO_TRACES; each starts at its own time. */
    int next_oneshot = DEMO_SESSIONS;
    for (int conv = 0; k < DEMO_TRACES; conv++) {
        bool session = conv < DEMO_SESSIONS;
        int turns = session ? (int)demo_rng_range(&r, 2, 5) : 1;
        if (turns > DEMO_TRACES - k) turns = DEMO_TRACES - k;
        int sc = session ? conv : next_oneshot++ % (int)d->n_sc;
        char variant = demo_rng_next(&r) & 1 ? 'B' : 'A';
        /* 1 conversation in 8 is older than a day (up to a week). */
        int64_t ago = demo_rng_next(&r) % 8 == 0
            ? demo_rng_range(&r, 26 * 3600, 7 * 86400 - 3600)
            : demo_rng_range(&r, 300 + turns * 300, 23 * 3600 + 1800);
        int64_t t = now - ago * 1000 * MS;
        for (int turn = 0; turn < turns; turn++, k++) {
            demo_trace *tr = &p->t[k];
            tr->scenario = sc;
            tr->followup = turn == 0 ? -1 : (int)((size_t)(conv * 3 + turn - 1) % nfu);
            tr->session = session ? conv : -1;
            tr->turn = turn;
            tr->variant = variant;
            tr->start_ns = t + demo_rng_range(&r, 0, 999) * MS;
            t = tr->start_ns + demo_rng_range(&r, 45, 240) * 1000 * MS;
            hex_id(&r, tr->trace_id, 16);
            hex_id(&r, tr->root_span_id, 8);
        }
    }
    p->sessions = DEMO_SESSIONS;
    for (size_t s = 0; s < d->n_sc; s++) p->dataset_trace[s] = -1;
    for (int i = 0; i < DEMO_TRACES; i++)
        if (p->t[i].followup < 0 && p->dataset_trace[p->t[i].scenario] < 0)
            p->dataset_trace[p->t[i].scenario] = i;
    /* Errors on a few traces that are not dataset sources: every 17th
     * candidate, alternating the tool; two of them fail the whole trace. */
    int cand = 0, nerr = 0;
    for (int i = 0; i < DEMO_TRACES && nerr < 6; i++) {
        if (p->dataset_trace[p->t[i].scenario] == i) continue;
        if (cand++ % 17 != 3) continue;
        p->t[i].error = nerr == 1 || nerr == 5 ? 2 : 1;
        p->t[i].error_tool = nerr % 3;
        nerr++;
    }
    p->error_traces = (size_t)nerr;
}

/* ---- building the OTLP/JSON request -------------------------------------- */

static void attr_str(json_t *a, const char *k, const char *v) {
    json_array_append_new(a, json_pack("{s:s, s:{s:s}}", "key", k, "value", "stringValue", v));
}

static void attr_int(json_t *a, const char *k, int64_t v) {
    json_array_append_new(a, json_pack("{s:s, s:{s:I}}", "key", k, "value", "intValue",
                                       (json_int_t)v));
}

static char *ns_text(int64_t ns) {
    char b[24];
    snprintf(b, sizeof(b), "%lld", (long long)ns);
    return as_xstrdup(b);
}

typedef struct tctx {
    demo_rng *r;
    const demo_trace *tr;
    json_t *spans;
    size_t n;
} tctx;

/* Append a span; returns its attribute array (borrowed) for the caller
 * to fill.  span_id out (17 bytes). */
static json_t *add_span(tctx *c, const char *name, const char *parent, int64_t start,
                        int64_t end, const char *kind, char span_id[17], bool error,
                        const char *message) {
    if (parent) hex_id(c->r, span_id, 8);
    else memcpy(span_id, c->tr->root_span_id, 17);
    json_t *attrs = json_array();
    attr_str(attrs, "openinference.span.kind", kind);
    char *s = ns_text(start), *e = ns_text(end);
    json_t *sp = json_pack("{s:s, s:s, s:s, s:s, s:i, s:s, s:s, s:o, s:{s:i, s:s}}",
                           "traceId", c->tr->trace_id, "spanId", span_id,
                           "parentSpanId", parent ? parent : "", "name", name, "kind", 1,
                           "startTimeUnixNano", s, "endTimeUnixNano", e,
                           "attributes", attrs, "status", "code", error ? 2 : 1,
                           "message", error && message ? message : "");
    free(s);
    free(e);
    json_array_append_new(c->spans, sp);
    c->n++;
    return attrs;
}

static void io_values(json_t *a, const char *in, const char *out) {
    attr_str(a, "input.value", in);
    attr_str(a, "input.mime_type", "text/plain");
    if (out) {
        attr_str(a, "output.value", out);
        attr_str(a, "output.mime_type", "text/plain");
    }
}

/* An LLM child: chat completion with system + user messages. */
static int64_t add_llm(tctx *c, const char *parent, int64_t start, int64_t lo, int64_t hi,
                       const char *sys, const char *user, const char *out) {
    int64_t end = start + demo_rng_range(c->r, lo, hi) * MS;
    char id[17];
    json_t *a = add_span(c, "ChatCompletion", parent, start, end, "LLM", id, false, NULL);
    attr_str(a, "llm.model_name", "gpt-4o-mini");
    attr_str(a, "llm.provider", "openai");
    attr_str(a, "llm.system", "openai");
    attr_str(a, "llm.invocation_parameters", "{\"temperature\": 0.3, \"max_tokens\": 800}");
    attr_str(a, "llm.input_messages.0.message.role", "system");
    attr_str(a, "llm.input_messages.0.message.content", sys);
    attr_str(a, "llm.input_messages.1.message.role", "user");
    attr_str(a, "llm.input_messages.1.message.content", user);
    attr_str(a, "llm.output_messages.0.message.role", "assistant");
    attr_str(a, "llm.output_messages.0.message.content", out);
    int64_t prompt = (int64_t)(strlen(sys) + strlen(user)) / 4 + 14;
    int64_t completion = (int64_t)strlen(out) / 4 + 3;
    attr_int(a, "llm.token_count.prompt", prompt);
    attr_int(a, "llm.token_count.completion", completion);
    attr_int(a, "llm.token_count.total", prompt + completion);
    json_t *msgs = json_pack("{s:s, s:[{s:s, s:s}, {s:s, s:s}]}", "model", "gpt-4o-mini",
                             "messages", "role", "system", "content", sys, "role", "user",
                             "content", user);
    char *in = json_dumps(msgs, JSON_COMPACT);
    json_decref(msgs);
    attr_str(a, "input.value", in);
    attr_str(a, "input.mime_type", "application/json");
    attr_str(a, "output.value", out);
    attr_str(a, "output.mime_type", "text/plain");
    free(in);
    return end;
}

static const char *const agent_names[3] = { "research_agent", "budget_agent",
                                            "local_experience_agent" };
static const char *const agent_keys[3] = { "research", "budget", "local" };

static char *fill(const json_t *o, const char *key, const demo_scenario *s, const char *q) {
    return demo_fill(demo_str(o, key), s, q);
}

/* One sub-agent with its tool and LLM children; returns its end time. */
static int64_t add_agent(tctx *c, const demo_data *d, int i, const char *root, int64_t start,
                         const demo_scenario *s, const char *q, char *note, size_t cap) {
    const json_t *ag = json_object_get(json_object_get(d->trips, "agents"), agent_keys[i]);
    const json_t *er = json_array_get(d->errors, (size_t)c->tr->error_tool);
    bool tool_err = c->tr->error && c->tr->error_tool == i;
    bool fails = tool_err && c->tr->error == 2;
    char *user = fill(ag, "user", s, q), *sys = fill(ag, "system", s, q);
    char *out = fill(ag, "output", s, q), *result = fill(ag, "tool_result", s, q);
    const char *tool = demo_str(ag, "tool");
    /* the tool's arguments, as the agent framework records them */
    json_t *args = i == 0 ? json_pack("{s:s}", "query", "")
                 : i == 1 ? json_pack("{s:i, s:s, s:s}", "amount", s->budget, "from", "USD",
                                      "to", s->currency)
                          : json_pack("{s:s, s:i}", "city", s->city, "days", s->days);
    if (i == 0) {
        char *query = fill(ag, "query", s, q);
        json_object_set_new(args, "query", json_string(query));
        free(query);
    }
    char *args_text = json_dumps(args, JSON_COMPACT);
    json_decref(args);

    char agent_id[17], tool_id[17];
    /* the agent's own span is added first with a provisional end, fixed below */
    json_t *aa = add_span(c, agent_names[i], root, start, start, "AGENT", agent_id, fails,
                          fails ? demo_str(er, "message") : NULL);
    json_t *agent_span = json_array_get(c->spans, c->n - 1);
    io_values(aa, user, NULL);
    attr_str(aa, "graph.node.id", agent_names[i]);
    attr_str(aa, "graph.node.parent_id", "trip_planner");

    int64_t ts = start + demo_rng_range(c->r, 1, 4) * MS;
    bool timeout = tool_err && strcmp(demo_str(er, "type"), "TimeoutError") == 0;
    int64_t te = ts + (timeout ? 10000 + demo_rng_range(c->r, 1, 20)
                               : demo_rng_range(c->r, 50, 400)) * MS;
    json_t *ta = add_span(c, tool, agent_id, ts, te, "TOOL", tool_id, tool_err,
                          tool_err ? demo_str(er, "message") : NULL);
    attr_str(ta, "tool.name", tool);
    attr_str(ta, "tool.description", demo_str(ag, "tool_description"));
    attr_str(ta, "tool.parameters", args_text);
    attr_str(ta, "input.value", args_text);
    attr_str(ta, "input.mime_type", "application/json");
    if (!tool_err) {
        attr_str(ta, "output.value", result);
        attr_str(ta, "output.mime_type", i == 1 ? "application/json" : "text/plain");
    } else {
        char *t = ns_text(te);
        json_t *ev = json_pack("{s:s, s:s, s:[]}", "timeUnixNano", t, "name", "exception",
                               "attributes");
        free(t);
        json_t *ea = json_object_get(ev, "attributes");
        attr_str(ea, "exception.type", demo_str(er, "type"));
        attr_str(ea, "exception.message", demo_str(er, "message"));
        attr_str(ea, "exception.stacktrace", demo_str(er, "stacktrace"));
        attr_str(ea, "exception.escaped", fails ? "true" : "false");
        json_object_set_new(json_array_get(c->spans, c->n - 1), "events", json_pack("[o]", ev));
    }
    int64_t end;
    const char *agent_out = out;
    char *recovered = NULL;
    if (fails) {
        end = te + 2 * MS;
        agent_out = NULL;
    } else {
        if (tool_err) {
            size_t n = strlen(out) + 160;
            recovered = as_xmalloc(n);
            snprintf(recovered, n, "(%s failed, answered without live data) %s", tool, out);
            agent_out = recovered;
        }
        end = add_llm(c, agent_id, te + 3 * MS, 400, 3000, sys, user, agent_out) + 4 * MS;
        if (note && cap) {
            size_t l = strlen(note);
            snprintf(note + l, cap - l, "%s%s", l ? "\n" : "", agent_out);
        }
    }
    char *e = ns_text(end);
    json_object_set_new(agent_span, "endTimeUnixNano", json_string(e));
    free(e);
    if (agent_out) {
        attr_str(aa, "output.value", agent_out);
        attr_str(aa, "output.mime_type", "text/plain");
    }
    free(recovered);
    free(args_text);
    free(user);
    free(sys);
    free(out);
    free(result);
    return end;
}

/* The export request of trace tr. */
static json_t *build_trace(demo_rng *r, const demo_trace *tr, const demo_data *d,
                           size_t *nspans) {
    const demo_scenario *s = &d->sc[tr->scenario];
    char *q, *answer;
    if (tr->followup < 0) {
        q = as_xstrdup(s->request);
        answer = as_xstrdup(s->answer);
    } else {
        const json_t *fu = json_array_get(d->followups, (size_t)tr->followup);
        q = demo_fill(demo_str(fu, "request"), s, NULL);
        answer = demo_fill(demo_str(fu, "answer"), s, NULL);
    }
    tctx c = { .r = r, .tr = tr, .spans = json_array() };
    char root_id[17];
    json_t *ra = add_span(&c, "trip_planner", NULL, tr->start_ns, tr->start_ns, "AGENT",
                          root_id, false, NULL);
    json_t *root = json_array_get(c.spans, 0);
    attr_str(ra, "input.value", q);
    attr_str(ra, "input.mime_type", "text/plain");
    char sess[32], user[32], meta[96];
    snprintf(user, sizeof(user), "user-%03d", tr->session >= 0 ? tr->session + 1
                                                               : 100 + tr->scenario);
    attr_str(ra, "user.id", user);
    if (tr->session >= 0) {
        snprintf(sess, sizeof(sess), "trip-session-%02d", tr->session + 1);
        attr_str(ra, "session.id", sess);
    }
    snprintf(meta, sizeof(meta), "{\"variant\": \"%c\", \"app_version\": \"1.4.%d\", "
             "\"turn\": %d}", tr->variant, tr->variant == 'A' ? 2 : 3, tr->turn + 1);
    attr_str(ra, "metadata", meta);

    char notes[4096] = "";
    int64_t t0 = tr->start_ns + 2 * MS, last = t0;
    for (int i = 0; i < 3; i++) {
        int64_t e = add_agent(&c, d, i, root_id, t0 + demo_rng_range(r, 0, 15) * MS, s, q,
                              notes, sizeof(notes));
        if (e > last) last = e;
    }
    int64_t end;
    const char *root_out = answer;
    char failed[512];
    if (tr->error == 2) {
        const json_t *er = json_array_get(d->errors, (size_t)tr->error_tool);
        snprintf(failed, sizeof(failed), "Sorry, I could not finish your plan: %s failed "
                 "(%s). Please try again in a minute.", agent_names[tr->error_tool],
                 demo_str(er, "message"));
        root_out = failed;
        json_object_set_new(root, "status", json_pack("{s:i, s:s}", "code", 2, "message",
                                                      failed));
        end = last + 3 * MS;
    } else {
        const json_t *it = json_object_get(json_object_get(d->trips, "agents"), "itinerary");
        char *sys = fill(it, "system", s, q), *u = fill(it, "user", s, q);
        size_t un = strlen(u) + strlen(notes) + 32;
        char *user_msg = as_xmalloc(un);
        snprintf(user_msg, un, "%s\n\nNotes:\n%s", u, notes);
        char it_id[17];
        int64_t st = last + demo_rng_range(r, 5, 20) * MS;
        json_t *ia = add_span(&c, "itinerary_agent", root_id, st, st, "AGENT", it_id, false,
                              NULL);
        json_t *it_span = json_array_get(c.spans, c.n - 1);
        io_values(ia, q, answer);
        attr_str(ia, "graph.node.id", "itinerary_agent");
        attr_str(ia, "graph.node.parent_id", "trip_planner");
        int64_t ie = add_llm(&c, it_id, st + 2 * MS, 800, 3000, sys, user_msg, answer) + 4 * MS;
        char *e = ns_text(ie);
        json_object_set_new(it_span, "endTimeUnixNano", json_string(e));
        free(e);
        end = ie + 3 * MS;
        free(sys);
        free(u);
        free(user_msg);
    }
    attr_str(ra, "output.value", root_out);
    attr_str(ra, "output.mime_type", "text/plain");
    char *e = ns_text(end);
    json_object_set_new(root, "endTimeUnixNano", json_string(e));
    free(e);
    free(q);
    free(answer);
    *nspans = c.n;
    return json_pack("{s:[{s:{s:[{s:s, s:{s:s}}, {s:s, s:{s:s}}]}, s:[{s:{s:s, s:s}, s:o}]}]}",
                     "resourceSpans", "resource", "attributes",
                     "key", "service.name", "value", "stringValue", "trip-planner",
                     "key", "openinference.project.name", "value", "stringValue",
                     AS_DEMO_PROJECT,
                     "scopeSpans", "scope", "name", "openinference.instrumentation.openai_agents",
                     "version", "0.1.12", "spans", c.spans);
}

/* ---- ingest ---------------------------------------------------------------- */

typedef struct ingest_wait {
    pthread_mutex_t mu;
    size_t done, stored;
    as_rc rc;
    as_err err;
} ingest_wait;

static void on_done(as_ingest_job *job, void *ud) {
    ingest_wait *w = ud;
    pthread_mutex_lock(&w->mu);
    w->done++;
    w->stored += job->req.stored;
    if (job->rc != AS_OK && w->rc == AS_OK) {
        w->rc = job->rc;
        w->err = job->err;
    }
    pthread_mutex_unlock(&w->mu);
    as_ingest_job_free(job);
}

as_rc demo_ingest(as_store *st, demo_plan *p, const demo_data *d, as_err *err) {
    as_ingest *in;
    as_rc rc = as_ingest_start(st, NULL, &in, err);
    if (rc != AS_OK) return rc;
    ingest_wait w = { .rc = AS_OK };
    pthread_mutex_init(&w.mu, NULL);
    demo_rng r = { DEMO_SEED ^ 0x5bd1e995ull };
    size_t submitted = 0;
    p->spans = 0;
    for (int i = 0; i < DEMO_TRACES && rc == AS_OK; i++) {
        size_t n;
        json_t *req = build_trace(&r, &p->t[i], d, &n);
        char *body = json_dumps(req, JSON_COMPACT);
        json_decref(req);
        as_span_batch batch;
        as_span_batch_init(&batch);
        rc = as_otlp_decode_json(body, strlen(body), &batch, err);
        free(body);
        if (rc != AS_OK) {
            as_span_batch_release(&batch);
            as_err_prefix(err, "demo trace %d: ", i);
            break;
        }
        as_ingest_job *job = as_ingest_job_new(&batch, AS_DEMO_PROJECT);
        if ((rc = as_ingest_prepare(job, err)) == AS_OK)
            rc = as_ingest_submit(in, job, on_done, &w, err);
        if (rc != AS_OK) { as_ingest_job_free(job); break; }
        submitted++;
        p->spans += n;
    }
    as_ingest_free(in);                 /* writes what is queued, then stops */
    pthread_mutex_destroy(&w.mu);
    if (rc != AS_OK) return rc;
    if (w.done != submitted)
        return as_err_set(err, AS_EINTERNAL, "demo ingest: %zu of %zu requests answered",
                          w.done, submitted);
    if (w.rc != AS_OK) {
        if (err) *err = w.err;
        return w.rc;
    }
    if (w.stored != p->spans)
        return as_err_set(err, AS_ECONFLICT, "demo ingest: %zu of %zu spans stored (the "
                          "others exist already in another project)", w.stored, p->spans);
    const char *ids[DEMO_TRACES];
    as_span_ref refs[DEMO_TRACES];
    for (int i = 0; i < DEMO_TRACES; i++) ids[i] = p->t[i].root_span_id;
    if ((rc = as_store_spans_resolve(st, ids, DEMO_TRACES, refs, err)) != AS_OK) return rc;
    for (int i = 0; i < DEMO_TRACES; i++) {
        if (refs[i].rowid == 0)
            return as_err_set(err, AS_EINTERNAL, "demo trace %d: root span %s was not stored",
                              i, ids[i]);
        p->t[i].root_rowid = refs[i].rowid;
    }
    return AS_OK;
}

/* ---- span annotations -------------------------------------------------------- */

as_rc demo_span_annotations(as_store *st, const demo_plan *p, const demo_data *d,
                            as_demo_summary *sum, as_err *err) {
    demo_rng r = { DEMO_SEED ^ 0x1234567ull };
    const json_t *sj = json_object_get(d->exps, "span_judge");
    as_annotation a[DEMO_TRACES + 64];
    size_t n = 0, n_alice = 0;
    bool helpful[DEMO_TRACES];
    static const char meta_judge[] = "{\"model\": \"gpt-4o\", \"evaluator\": \"online helpfulness\"}";
    for (int i = 0; i < DEMO_TRACES; i += 2) {     /* the online judge: 60 roots */
        const demo_trace *t = &p->t[i];
        helpful[i] = t->error == 0 && demo_rng_next(&r) % 100 >= 18;
        const json_t *texts = json_object_get(sj, helpful[i] ? "helpful" : "unhelpful");
        a[n++] = (as_annotation){ .target = t->root_rowid, .name = "helpfulness",
            .annotator_kind = "LLM", .label = helpful[i] ? "helpful" : "unhelpful",
            .has_score = true, .score = helpful[i] ? 1 : 0,
            .explanation = json_string_value(json_array_get(texts, (size_t)(t->error ? 1
                               : i % 2 == 0 ? (size_t)(i / 2) % 2 : 0))),
            .metadata = meta_judge, .identifier = "", .source = "API" };
    }
    /* alice reviewed 25 of them (disagreeing on 4), bob 6 of hers (1 differs) */
    for (int i = 0, j = 0; i < DEMO_TRACES && n_alice < 25; i += 2, j++) {
        if (j % 12 == 11) continue;             /* not every judged span */
        bool h = helpful[i];
        if (n_alice == 2 || n_alice == 9 || n_alice == 15 || n_alice == 21) h = !h;
        a[n++] = (as_annotation){ .target = p->t[i].root_rowid, .name = "helpfulness",
            .annotator_kind = "HUMAN", .label = h ? "helpful" : "unhelpful",
            .has_score = true, .score = h ? 1 : 0,
            .explanation = h == helpful[i] ? NULL : "I disagree with the judge here.",
            .identifier = "human:alice", .source = "APP", .metadata = "{}" };
        if (n_alice < 6) {
            bool hb = n_alice == 5 ? !h : h;
            a[n++] = (as_annotation){ .target = p->t[i].root_rowid, .name = "helpfulness",
                .annotator_kind = "HUMAN", .label = hb ? "helpful" : "unhelpful",
                .has_score = true, .score = hb ? 1 : 0, .identifier = "human:bob",
                .source = "APP", .metadata = "{}" };
        }
        n_alice++;
    }
    size_t n_annot = n;
    /* two notes: on the first trace and on the first failed one */
    const json_t *notes = json_object_get(d->exps, "span_notes");
    int failed = 0;
    for (int i = 0; i < DEMO_TRACES; i++)
        if (p->t[i].error == 2) { failed = i; break; }
    int note_on[2] = { 0, failed };
    for (int k = 0; k < 2; k++) {
        static const char *const ids[2] = { "demo-note-1", "demo-note-2" };
        a[n++] = (as_annotation){ .target = p->t[note_on[k]].root_rowid,
            .name = AS_ANNOTATION_NOTE, .annotator_kind = "HUMAN",
            .explanation = json_string_value(json_array_get(notes, (size_t)k)),
            .identifier = ids[k], .source = "APP", .metadata = "{}" };
    }
    as_rc rc = as_store_annotations_upsert(st, AS_ANNOT_SPAN, a, n, NULL, err);
    if (rc != AS_OK) return rc;
    sum->span_annotations = n_annot;
    sum->notes = 2;
    return AS_OK;
}
