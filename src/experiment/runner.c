/*
 * runner.c - one experiment pass (as_exprun_run, see experiment.h).
 *
 * The calling thread (the "driver") owns every job: it pages through the
 * store's incomplete lists, renders prompts, submits calls, and - when the
 * engine's thread hands a finished call back through the done list -
 * records the run or the evaluation in the store and writes its trace.
 * The engine thread only copies the result into the call and links it on
 * the done list; nothing else is shared.  At most task->concurrency jobs
 * (one job = one (example, repetition): its task call, then its judges)
 * are in flight.
 *
 * Nothing is recorded for a call that was cancelled or could not reach its
 * endpoint: such rows stay incomplete, and the next pass (a resume) does
 * them.  Everything else is recorded, failures with their error text.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "assay/alloc.h"
#include "assay/experiment.h"
#include "assay/hex.h"
#include "assay/store_datasets.h"
#include "assay/store_experiments.h"
#include "../eval/evalout.h"

#define PAGE 64                       /* work items fetched at a time */

typedef struct xjob xjob;

typedef struct xcall {
    xjob *j;
    int ev;                           /* -1: the task call; else evaluator */
    struct xcall *next;               /* done list                         */
    as_llm_msg msgs[AS_TASK_MAX_MESSAGES];  /* rendered (for the trace)    */
    size_t n_msgs;
    int64_t start_ns, end_ns;
    /* outcome, written by the engine thread before the hand-over */
    as_rc rc;
    char *error;
    char *text;                       /* task: the answer                  */
    as_verdict v;                     /* judge: the verdict                */
    int64_t prompt_tokens, completion_tokens;
    bool has_cost, cached, unreachable;
    double cost, latency_ms;
} xcall;

struct xjob {
    struct drv *d;
    as_task_item item;
    int64_t run_id;
    char *output;                     /* the task output text              */
    double task_latency_ms, task_cost;
    int pending;                      /* calls out (driver thread only)    */
    xcall task;
    xcall evals[AS_EVAL_MAX_EVALUATORS];
};

typedef struct drv {
    const as_exprun_opts *o;
    const as_task_spec *t;
    as_exprun_result *res;
    const char *project;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    xcall *done;                      /* under mu */
    int active;                       /* jobs in flight (driver only) */
    char fatal[AS_ERR_MSG_MAX];
    double t0;
} drv;

static double mono_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void random_bytes(uint8_t *p, size_t n) {
    size_t got = 0;
    while (got < n) {
        ssize_t r = getrandom(p + got, n - got, 0);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) {                 /* no entropy source: time and address */
            uint64_t x = (uint64_t)now_ns() ^ (uint64_t)(uintptr_t)p;
            for (; got < n; got++) {
                x ^= x << 13; x ^= x >> 7; x ^= x << 17;
                p[got] = (uint8_t)x;
            }
            return;
        }
        got += (size_t)r;
    }
}

void as_exprun_project_name(char out[48]) {
    uint8_t b[12];
    char hex[25];
    random_bytes(b, sizeof b);
    as_hex_encode(b, sizeof b, hex);
    snprintf(out, 48, "Experiment-%s", hex);
}

/* ---- traces ------------------------------------------------------------------ */

static void free_trace_job(as_ingest_job *job, void *ud) {
    AS_UNUSED(ud);
    as_ingest_job_free(job);
}

static const char *arena_str(as_span_batch *b, const char *s) {
    return as_arena_strdup(&b->arena, s ? s : "");
}

static void set_str(as_span *s, const char *key, const char *val) {
    if (val) json_object_set_new(s->attributes, key, json_string(val));
}

static void set_int(as_span *s, const char *key, int64_t v) {
    if (v >= 0) json_object_set_new(s->attributes, key, json_integer(v));
}

/* The LLM child span of a call. */
static void llm_span(as_span_batch *b, const as_span *parent, const xcall *c,
                     const as_llm_model *m, const as_task_spec *t, bool task) {
    as_span *s = as_span_batch_add(b);
    memcpy(s->trace_id, parent->trace_id, 16);
    random_bytes(s->span_id, 8);
    memcpy(s->parent_id, parent->span_id, 8);
    s->has_parent = true;
    s->name = arena_str(b, task ? "ChatCompletion" : "Judge");
    s->otel_kind = 3;                                 /* CLIENT */
    s->start_ns = c->start_ns;
    s->end_ns = c->end_ns;
    s->status_code = c->rc == AS_OK ? AS_STATUS_OK : AS_STATUS_ERROR;
    s->status_message = arena_str(b, c->rc == AS_OK ? "" : c->error);
    set_str(s, "openinference.span.kind", "LLM");
    set_str(s, "llm.model_name", m->model);
    set_str(s, "llm.provider", m->provider);
    set_str(s, "llm.system", m->provider);
    json_t *inv = json_object();
    if (task && t->has_temperature) json_object_set_new(inv, "temperature", json_real(t->temperature));
    if (!task) json_object_set_new(inv, "temperature", json_real(0));
    if (task && t->max_tokens) json_object_set_new(inv, "max_tokens", json_integer(t->max_tokens));
    char *invs = json_dumps(inv, JSON_COMPACT);
    json_decref(inv);
    set_str(s, "llm.invocation_parameters", invs);
    free(invs);
    json_t *in = json_array();
    for (size_t i = 0; i < c->n_msgs; i++) {
        char k[96];
        snprintf(k, sizeof k, "llm.input_messages.%zu.message.role", i);
        set_str(s, k, c->msgs[i].role);
        snprintf(k, sizeof k, "llm.input_messages.%zu.message.content", i);
        set_str(s, k, c->msgs[i].content);
        json_array_append_new(in, json_pack("{s:s,s:s?}", "role", c->msgs[i].role, "content",
                                            c->msgs[i].content));
    }
    json_t *inobj = json_pack("{s:o}", "messages", in);
    char *ins = json_dumps(inobj, JSON_COMPACT);
    json_decref(inobj);
    set_str(s, "input.value", ins);
    set_str(s, "input.mime_type", "application/json");
    free(ins);
    const char *out = task ? c->text : (c->rc == AS_OK ? c->v.label : NULL);
    if (c->rc == AS_OK && out) {
        set_str(s, "llm.output_messages.0.message.role", "assistant");
        set_str(s, "llm.output_messages.0.message.content", out);
        set_str(s, "output.value", out);
        set_str(s, "output.mime_type", "text/plain");
    }
    set_int(s, "llm.token_count.prompt", c->prompt_tokens);
    set_int(s, "llm.token_count.completion", c->completion_tokens);
    if (c->prompt_tokens >= 0 && c->completion_tokens >= 0)
        set_int(s, "llm.token_count.total", c->prompt_tokens + c->completion_tokens);
}

/* A trace of one root span (and an LLM child when c made a call): into the
 * experiment's project through the ingest queue.  trace_hex receives the id. */
static void write_trace(drv *d, const char *root_name, const char *kind, const xcall *c,
                        const as_llm_model *m, bool task, const char *input,
                        const char *output, bool ok, const char *error, int64_t start,
                        int64_t end, char trace_hex[33]) {
    trace_hex[0] = '\0';
    if (!d->o->ingest) return;
    as_span_batch b;
    as_span_batch_init(&b);
    as_span *root = as_span_batch_add(&b);
    random_bytes(root->trace_id, 16);
    random_bytes(root->span_id, 8);
    root->name = arena_str(&b, root_name);
    root->otel_kind = 1;                              /* INTERNAL */
    root->start_ns = start;
    root->end_ns = end < start ? start : end;
    root->status_code = ok ? AS_STATUS_OK : AS_STATUS_ERROR;
    root->status_message = arena_str(&b, ok ? "" : error);
    set_str(root, "openinference.span.kind", kind);
    set_str(root, "input.value", input);
    set_str(root, "input.mime_type", input && (input[0] == '{' || input[0] == '[')
                                         ? "application/json" : "text/plain");
    set_str(root, "output.value", output);
    if (output) set_str(root, "output.mime_type", "text/plain");
    char meta[96];
    snprintf(meta, sizeof meta, "{\"experiment_id\":%lld}", (long long)d->o->experiment_id);
    set_str(root, "metadata", meta);
    as_hex_encode(root->trace_id, 16, trace_hex);
    if (c && c->start_ns) llm_span(&b, root, c, m, d->t, task);
    as_ingest_job *job = as_ingest_job_new(&b, d->project);
    as_err e;
    if (as_ingest_prepare(job, &e) != AS_OK) {
        as_ingest_job_free(job);
        trace_hex[0] = '\0';
        return;
    }
    /* A full queue clears within a commit or two; give it up to ~2 s. */
    for (int attempt = 0;; attempt++) {
        as_rc rc = as_ingest_submit(d->o->ingest, job, free_trace_job, NULL, &e);
        if (rc == AS_OK) return;
        if (rc != AS_EFULL || attempt == 200) break;
        struct timespec ts = { 0, 10 * 1000000L };
        nanosleep(&ts, NULL);
    }
    as_ingest_job_free(job);
    trace_hex[0] = '\0';
}

/* ---- calls ------------------------------------------------------------------- */

/* Engine thread: copy the outcome, hand the call to the driver. */
static void on_call(void *ud, const as_llm_result *res) {
    xcall *c = ud;
    drv *d = c->j->d;
    c->end_ns = now_ns();
    c->rc = res->rc;
    c->latency_ms = res->latency_ms;
    c->cached = res->cached;
    c->prompt_tokens = c->completion_tokens = -1;
    if (res->rc == AS_OK) {
        c->prompt_tokens = res->resp.prompt_tokens;
        c->completion_tokens = res->resp.completion_tokens;
        c->has_cost = res->has_cost;
        c->cost = res->cost_usd;
        if (c->ev < 0) {
            const char *txt = res->resp.text ? res->resp.text : res->resp.structured;
            c->text = as_xstrdup(txt ? txt : "");
        } else {                      /* pure: the judge is only read */
            as_judge_verdict(d->t->evaluators[c->ev]->judge, &res->resp, &c->v);
        }
    } else {
        c->error = as_xstrdup(res->error ? res->error : as_rc_name(res->rc));
        c->unreachable = res->unreachable;
    }
    pthread_mutex_lock(&d->mu);
    c->next = d->done;
    d->done = c;
    pthread_cond_signal(&d->cv);
    pthread_mutex_unlock(&d->mu);
}

static void call_clear(xcall *c) {
    as_task_msgs_free(c->msgs, c->n_msgs);
    c->n_msgs = 0;
    free(c->error);
    free(c->text);
    as_verdict_clear(&c->v);
    c->error = c->text = NULL;
}

static void job_free(xjob *j) {
    call_clear(&j->task);
    for (int e = 0; e < AS_EVAL_MAX_EVALUATORS; e++) call_clear(&j->evals[e]);
    free(j->output);
    json_decref(j->item.example);
    json_decref(j->item.run);
    free(j);
}

static const as_llm_model *judge_model(const drv *d) {
    return d->o->judge_model ? d->o->judge_model : d->o->model;
}

/* Submit c; false (with c's error set) when the engine refused it. */
static bool submit(drv *d, xcall *c, const as_llm_request *req, unsigned flags) {
    as_err e;
    c->start_ns = now_ns();
    c->j->pending++;
    if (as_llm_submit(d->o->engine, req, flags, on_call, c, &e) == AS_OK) return true;
    c->j->pending--;
    c->rc = e.code;
    c->error = as_xstrdup(e.msg);
    c->end_ns = now_ns();
    return false;
}

/* ---- recording ------------------------------------------------------------------- */

static void add_cost(drv *d, const xcall *c) {
    if (c->rc == AS_OK && c->has_cost) d->res->p.cost_usd += c->cost;
}

static json_t *opt_tokens(int64_t v) { return v >= 0 ? json_integer(v) : json_null(); }

static void tally_eval(drv *d, int e, const as_verdict *v, const char *error, const xcall *c) {
    eval_rec r = { .label = error ? NULL : v->label, .score = error ? NAN : v->score,
                   .passed = -1, .error = error, .prompt_tokens = -1, .completion_tokens = -1,
                   .agreement = NAN, .flip = NAN };
    if (!error && !isnan(v->score))
        r.passed = as_evaluator_is_pass(d->t->evaluators[e], v->label, v->score) ? 1 : 0;
    if (c) {
        r.calls = 1;
        r.cached = c->cached;
        r.prompt_tokens = c->prompt_tokens;
        r.completion_tokens = c->completion_tokens;
        r.cost_usd = c->rc == AS_OK && c->has_cost ? c->cost : 0;
        r.cost_unknown = c->rc == AS_OK && !c->has_cost;
    }
    eval_summary_add(&d->res->ev[e], &r);
    d->res->p.evals_done++;
    d->res->p.eval_errors += error != NULL;
}

/* Record one evaluation (and its trace); c is the judge call or NULL. */
static void record_eval(drv *d, xjob *j, int e, const as_verdict *v, const char *error,
                        const xcall *c, int64_t start, int64_t end) {
    const as_evaluator *ev = d->t->evaluators[e];
    char name[160], trace[33];
    snprintf(name, sizeof name, "Evaluation: %s", ev->name);
    write_trace(d, name, "EVALUATOR", c, judge_model(d), false, j->output,
                error ? NULL : v->label, !error, error, start, end, trace);
    json_t *rec = json_pack("{s:I,s:s,s:s,s:o,s:o,s:o,s:o,s:o,s:I,s:I}",
        "experiment_run_id", (json_int_t)j->run_id, "name", ev->name,
        "annotator_kind", ev->kind == AS_EVAL_JUDGE ? "LLM" : "CODE",
        "label", !error && v->label[0] ? json_string(v->label) : json_null(),
        "score", !error && !isnan(v->score) ? json_real(v->score) : json_null(),
        "explanation", !error && v->explanation ? json_string(v->explanation) : json_null(),
        "error", error ? json_string(error) : json_null(),
        "trace_id", trace[0] ? json_string(trace) : json_null(),
        "start_time", (json_int_t)start, "end_time", (json_int_t)end);
    if (!rec) {                       /* a label or text that is not UTF-8 */
        rec = json_pack("{s:I,s:s,s:s,s:s,s:I,s:I}", "experiment_run_id", (json_int_t)j->run_id,
                        "name", ev->name, "annotator_kind",
                        ev->kind == AS_EVAL_JUDGE ? "LLM" : "CODE", "error",
                        "the evaluation's text is not valid UTF-8", "start_time",
                        (json_int_t)start, "end_time", (json_int_t)end);
        error = "not UTF-8";
    }
    json_t *row = NULL;
    as_err se;
    if (as_store_evaluation_upsert(d->o->store, rec, &row, &se) != AS_OK && !d->fatal[0])
        snprintf(d->fatal, sizeof d->fatal, "recording evaluation %s of run %lld: %.300s",
                 ev->name, (long long)j->run_id, se.msg);
    json_decref(row);
    json_decref(rec);
    tally_eval(d, e, v, error, c);
}

/* Record the run of a task call that completed (ok or not).  Returns false
 * when no successful run was recorded (no evaluations follow). */
static bool record_run(drv *d, xjob *j, const char *error) {
    xcall *c = &j->task;
    char name[160], trace[33];
    snprintf(name, sizeof name, "Task: %s", d->t->name);
    json_t *input = json_object_get(j->item.example, "input");
    char *input_text = json_dumps(input, JSON_COMPACT | JSON_ENCODE_ANY);
    int64_t start = c->start_ns ? c->start_ns : now_ns();
    int64_t end = c->end_ns ? c->end_ns : start;
    write_trace(d, name, "CHAIN", c, d->o->model, true, input_text, error ? NULL : c->text,
                !error, error, start, end, trace);
    free(input_text);
    json_t *out = !error ? json_string(c->text) : json_null();
    if (!out) {
        out = json_null();
        error = "the model's answer is not valid UTF-8";
    }
    json_t *run = json_pack("{s:I,s:i,s:o,s:o,s:I,s:I,s:o,s:o,s:o,s:o}",
        "dataset_example_id", json_integer_value(json_object_get(j->item.example, "id")),
        "repetition_number", j->item.repetition,
        "trace_id", trace[0] ? json_string(trace) : json_null(),
        "output", out, "start_time", (json_int_t)start, "end_time", (json_int_t)end,
        "prompt_token_count", opt_tokens(error ? -1 : c->prompt_tokens),
        "completion_token_count", opt_tokens(error ? -1 : c->completion_tokens),
        "cost", !error && c->has_cost ? json_real(c->cost) : json_null(),
        "error", error ? json_string(error) : json_null());
    json_t *row = NULL;
    as_err se;
    as_rc rc = as_store_run_upsert(d->o->store, d->o->experiment_id, run, &row, &se);
    json_decref(run);
    d->res->p.done++;
    if (rc == AS_ECONFLICT) {        /* someone else completed it meanwhile */
        json_decref(row);
        return false;
    }
    if (rc != AS_OK) {
        if (!d->fatal[0])
            snprintf(d->fatal, sizeof d->fatal, "recording the run of example %lld: %.300s",
                     (long long)json_integer_value(json_object_get(j->item.example, "id")),
                     se.msg);
        d->res->p.errors++;
        return false;
    }
    j->run_id = json_integer_value(json_object_get(row, "id"));
    json_decref(row);
    if (error) {
        d->res->p.errors++;
        return false;
    }
    j->output = as_xstrdup(c->text);
    j->task_latency_ms = c->latency_ms;
    j->task_cost = c->has_cost ? c->cost : NAN;
    return true;
}

/* ---- jobs ---------------------------------------------------------------------- */

static void finish_job(drv *d, xjob *j) {
    d->active--;
    job_free(j);
}

/* Start the evaluations of a job with a successful run. */
static void start_evals(drv *d, xjob *j) {
    as_task_vars v;
    as_task_vars_init(&v, json_object_get(j->item.example, "input"),
                      json_object_get(j->item.example, "output"), j->output);
    v.latency_ms = j->task_latency_ms;
    v.cost_usd = j->task_cost;
    for (size_t e = 0; e < d->t->n_evaluators; e++) {
        if (!j->item.want[e]) continue;
        const as_evaluator *ev = d->t->evaluators[e];
        xcall *c = &j->evals[e];
        c->j = j;
        c->ev = (int)e;
        as_err err;
        int64_t start = now_ns();
        if (ev->kind == AS_EVAL_CODE) {
            as_verdict vd;
            memset(&vd, 0, sizeof vd);
            vd.score = NAN;
            as_rc rc = as_code_eval_run(ev->code, as_task_var, &v, &vd, &err);
            record_eval(d, j, (int)e, &vd, rc ? err.msg : NULL, NULL, start, now_ns());
            as_verdict_clear(&vd);
            continue;
        }
        as_prompt prompt;
        if (as_judge_render(ev->judge, AS_LLM_ANSWER_TOOL, as_task_var, &v, &prompt, &err)) {
            as_verdict none = { .score = NAN };
            record_eval(d, j, (int)e, &none, err.msg, NULL, start, now_ns());
            continue;
        }
        for (size_t i = 0; i < prompt.n_msgs; i++) {
            c->msgs[i].role = prompt.msgs[i].role;
            c->msgs[i].content = as_xstrdup(prompt.msgs[i].content);
        }
        c->n_msgs = prompt.n_msgs;
        as_llm_request req = {
            .model = judge_model(d), .msgs = prompt.msgs, .n_msgs = prompt.n_msgs,
            .temperature = 0, .answer = prompt.answer, .tool_name = prompt.tool_name,
            .tool_description = prompt.tool_description, .schema_json = prompt.schema_json,
        };
        if (!submit(d, c, &req, d->t->no_cache ? AS_LLM_NO_CACHE : 0) &&
            c->rc != AS_ESHUTDOWN) {
            as_verdict none = { .score = NAN };
            record_eval(d, j, (int)e, &none, c->error, NULL, start, c->end_ns);
        }
        as_prompt_clear(&prompt);
    }
    as_task_vars_clear(&v);
    if (j->pending == 0) finish_job(d, j);
}

/* Take over an item and start its work. */
static void start_job(drv *d, as_task_item *item) {
    xjob *j = as_xcalloc(1, sizeof *j);
    j->d = d;
    j->item = *item;
    memset(item, 0, sizeof *item);
    j->task.j = j;
    j->task.ev = -1;
    d->active++;
    if (j->item.run) {                /* the run exists: evaluations only */
        json_t *run = j->item.run;
        json_t *out = json_object_get(run, "output");
        j->run_id = json_integer_value(json_object_get(run, "id"));
        j->output = json_is_string(out) ? as_xstrdup(json_string_value(out))
                                         : json_dumps(out, JSON_COMPACT | JSON_ENCODE_ANY);
        if (!j->output) j->output = as_xstrdup("");
        int64_t st = json_integer_value(json_object_get(run, "start_time"));
        int64_t en = json_integer_value(json_object_get(run, "end_time"));
        j->task_latency_ms = en >= st ? (double)(en - st) / 1e6 : NAN;
        json_t *cost = json_object_get(run, "cost");
        j->task_cost = json_is_number(cost) ? json_number_value(cost) : NAN;
        start_evals(d, j);
        return;
    }
    as_task_vars v;
    as_task_vars_init(&v, json_object_get(j->item.example, "input"),
                      json_object_get(j->item.example, "output"), NULL);
    as_err err;
    as_rc rc = as_task_render(d->t, &v, j->task.msgs, &err);
    as_task_vars_clear(&v);
    if (rc != AS_OK) {
        record_run(d, j, err.msg);
        finish_job(d, j);
        return;
    }
    j->task.n_msgs = d->t->n_msgs;
    as_llm_request req = {
        .model = d->o->model, .msgs = j->task.msgs, .n_msgs = j->task.n_msgs,
        .temperature = d->t->has_temperature ? d->t->temperature : 0,
        .max_tokens = d->t->max_tokens, .answer = AS_LLM_ANSWER_TEXT,
    };
    /* repetitions must be independent samples: only repetition 1 may come
     * from the cache */
    unsigned flags = d->t->no_cache || j->item.repetition > 1 ? AS_LLM_NO_CACHE : 0;
    if (!submit(d, &j->task, &req, flags)) {
        if (j->task.rc != AS_ESHUTDOWN) record_run(d, j, j->task.error);
        finish_job(d, j);
    }
}

/* A finished call, on the driver. */
static void complete(drv *d, xcall *c) {
    xjob *j = c->j;
    j->pending--;
    bool cancelled = c->rc == AS_ESHUTDOWN;
    if (c->unreachable && !d->fatal[0])
        snprintf(d->fatal, sizeof d->fatal, "%s", c->error);
    if (c->ev < 0) {
        add_cost(d, c);
        if (cancelled || c->unreachable) {      /* left for the next pass */
            finish_job(d, j);
            return;
        }
        /* once stopped, judges are left to the next pass (it runs them) */
        if (record_run(d, j, c->rc == AS_OK ? NULL : c->error) && !d->fatal[0] &&
            !(d->o->stop && *d->o->stop))
            start_evals(d, j);
        else
            finish_job(d, j);
        return;
    }
    add_cost(d, c);
    if (!cancelled && !c->unreachable)
        record_eval(d, j, c->ev, &c->v, c->rc == AS_OK ? NULL : c->error, c,
                    c->start_ns, c->end_ns);
    if (j->pending == 0) finish_job(d, j);
}

/* Handle finished calls; wait up to 250 ms for one when `wait`. */
static void drain(drv *d, bool wait) {
    pthread_mutex_lock(&d->mu);
    if (!d->done && wait) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 250 * 1000000L;
        if (ts.tv_nsec >= 1000000000L) { ts.tv_sec++; ts.tv_nsec -= 1000000000L; }
        pthread_cond_timedwait(&d->cv, &d->mu, &ts);
    }
    xcall *list = d->done;
    d->done = NULL;
    pthread_mutex_unlock(&d->mu);
    /* oldest first */
    xcall *rev = NULL;
    while (list) { xcall *n = list->next; list->next = rev; rev = list; list = n; }
    while (rev) { xcall *n = rev->next; complete(d, rev); rev = n; }
    if (d->o->progress) {
        d->res->p.elapsed_s = mono_s() - d->t0;
        d->o->progress(d->o->progress_ud, &d->res->p);
    }
}

/* ---- the pass ---------------------------------------------------------------------- */

typedef struct feed {
    int phase;                        /* 0: evaluations, 1: runs, 2: done */
    int64_t cursor;
    bool has_next;
    as_task_item *items;
    size_t n, next;
} feed;

/* The next item, fetching pages as needed; NULL when there is no more.
 * A store failure sets d->fatal. */
static as_task_item *feed_next(drv *d, feed *f, int repetitions) {
    for (;;) {
        if (f->next < f->n) return &f->items[f->next++];
        as_task_items_free(f->items, f->n);
        f->items = NULL;
        f->n = f->next = 0;
        if (f->phase == 2) return NULL;
        if (!f->has_next) {
            if (++f->phase == 2) return NULL;
            f->cursor = 0;
            f->has_next = true;
            continue;
        }
        json_t *rows = NULL;
        as_err e;
        as_rc rc;
        if (f->phase == 0) {
            const char *names[AS_EVAL_MAX_EVALUATORS];
            for (size_t i = 0; i < d->t->n_evaluators; i++) names[i] = d->t->evaluators[i]->name;
            as_str_list nl = { names, d->t->n_evaluators };
            if (nl.n == 0) { f->has_next = false; continue; }
            rc = as_store_experiment_incomplete_evaluations(d->o->store, d->o->experiment_id, &nl,
                                                            f->cursor, PAGE, &rows, &f->has_next, &e);
            if (rc == AS_OK)
                rc = as_task_plan_evals(rows, d->t, &f->items, &f->n, &f->cursor, &e);
        } else {
            rc = as_store_experiment_incomplete_runs(d->o->store, d->o->experiment_id, f->cursor,
                                                     PAGE, &rows, &f->has_next, &e);
            if (rc == AS_OK)
                rc = as_task_plan_runs(rows, repetitions, d->t, &f->items, &f->n, &f->cursor, &e);
        }
        json_decref(rows);
        if (rc != AS_OK) {
            snprintf(d->fatal, sizeof d->fatal, "%s", e.msg);
            return NULL;
        }
    }
}

as_rc as_exprun_run(const as_exprun_opts *o, as_exprun_result *res, as_err *err) {
    memset(res, 0, sizeof *res);
    const as_task_spec *t = o->task;
    json_t *exp = NULL;
    as_rc rc = as_store_experiment_get(o->store, o->experiment_id, &exp, err);
    if (rc) return rc;
    int repetitions = (int)json_integer_value(json_object_get(exp, "repetitions"));
    const char *project = json_string_value(json_object_get(exp, "project_name"));
    char project_buf[256];
    snprintf(project_buf, sizeof project_buf, "%s", project ? project : "default");
    json_int_t examples = json_integer_value(json_object_get(exp, "example_count"));
    json_int_t ok_runs = json_integer_value(json_object_get(exp, "successful_run_count"));
    json_decref(exp);
    if (repetitions < 1 || repetitions > AS_EVAL_MAX_REPEAT)
        return as_err_set(err, AS_EINVAL, "experiment %lld: %d repetitions (1 to %d)",
                          (long long)o->experiment_id, repetitions, AS_EVAL_MAX_REPEAT);
    if (!o->engine || !o->model)
        return as_err_set(err, AS_EINVAL, "an experiment run needs an LLM engine and a model");

    drv d;
    memset(&d, 0, sizeof d);
    d.o = o;
    d.t = t;
    d.res = res;
    d.project = project_buf;
    d.t0 = mono_s();
    pthread_mutex_init(&d.mu, NULL);
    pthread_cond_init(&d.cv, NULL);
    res->n_ev = t->n_evaluators;
    for (size_t e = 0; e < t->n_evaluators; e++)
        snprintf(res->ev[e].name, sizeof res->ev[e].name, "%s", t->evaluators[e]->name);
    res->p.total = (uint64_t)(examples > 0 ? examples : 0) * (uint64_t)repetitions;
    res->p.succeeded_before = (uint64_t)(ok_runs > 0 ? ok_runs : 0);
    res->p.done = res->p.succeeded_before;

    rc = as_store_experiment_set_status(o->store, o->experiment_id, "running", NULL, err);
    if (rc) goto out;

    feed f = { .phase = 0, .has_next = true };
    bool more = true;
    int window = t->concurrency > 0 ? t->concurrency : 1;
    bool aborted = false;
    for (;;) {
        bool stop = o->stop && *o->stop;
        while (more && !stop && !d.fatal[0] && d.active < window) {
            as_task_item *it = feed_next(&d, &f, repetitions);
            if (!it) { more = false; break; }
            start_job(&d, it);
        }
        if (d.active == 0 && (!more || stop || d.fatal[0])) break;
        if (stop && o->abort_in_flight && !aborted) {
            as_llm_cancel_all(o->engine);
            aborted = true;
        }
        drain(&d, true);
    }
    as_task_items_free(f.items, f.n);
    drain(&d, false);

    res->cancelled = o->stop && *o->stop;
    res->unreachable = d.fatal[0] != '\0';
    const char *status = d.fatal[0] ? "failed" : res->cancelled ? "cancelled" : "done";
    if (o->stop && *o->stop == AS_EXPRUN_SHUTDOWN && !d.fatal[0]) goto out;  /* stays 'running' */
    char msg[AS_ERR_MSG_MAX + 64];
    if (d.fatal[0]) snprintf(msg, sizeof msg, "%s", d.fatal);
    else if (res->cancelled) snprintf(msg, sizeof msg, "cancelled after %llu of %llu runs",
                                      (unsigned long long)res->p.done,
                                      (unsigned long long)res->p.total);
    else snprintf(msg, sizeof msg, "%llu runs, %llu failed", (unsigned long long)res->p.done,
                  (unsigned long long)res->p.errors);
    as_err se;
    if (as_store_experiment_set_status(o->store, o->experiment_id, status, msg, &se) != AS_OK &&
        !d.fatal[0])
        snprintf(d.fatal, sizeof d.fatal, "%s", se.msg);
    if (d.fatal[0]) rc = as_err_set(err, AS_EIO, "%s", d.fatal);
out:
    res->p.elapsed_s = mono_s() - d.t0;
    pthread_cond_destroy(&d.cv);
    pthread_mutex_destroy(&d.mu);
    return rc;
}

/* ---- before a pass -------------------------------------------------------------------- */

as_rc as_exprun_check(as_store *st, int64_t dataset_id, int64_t version_id,
                      const as_str_list *splits, const as_task_spec *t, uint64_t *n_examples,
                      as_err *err) {
    *n_examples = 0;
    as_example_query q = { .dataset_id = dataset_id, .version_id = version_id, .limit = 500 };
    if (splits) q.splits = *splits;
    for (;;) {
        json_t *rows = NULL;
        bool has_next = false;
        int64_t ver = 0;
        as_rc rc = as_store_dataset_examples(st, &q, &rows, &ver, &has_next, err);
        if (rc) return rc;
        size_t i;
        json_t *ex;
        json_array_foreach(rows, i, ex) {
            rc = as_task_check_example(t, ex, err);
            if (rc) { json_decref(rows); return rc; }
            q.after_id = json_integer_value(json_object_get(ex, "id"));
            (*n_examples)++;
        }
        json_decref(rows);
        if (!has_next || i == 0) break;
    }
    return AS_OK;
}

as_rc as_exprun_load(as_store *st, int64_t experiment_id, json_t **experiment,
                     as_task_spec **task, as_err *err) {
    *experiment = NULL;
    *task = NULL;
    json_t *exp = NULL;
    as_rc rc = as_store_experiment_get(st, experiment_id, &exp, err);
    if (rc) return rc;
    json_t *runner = json_object_get(exp, "runner");
    if (!json_is_object(runner)) {
        json_decref(exp);
        return as_err_set(err, AS_EINVAL, "experiment %lld was not started by the runner (its "
                          "client runs its tasks)", (long long)experiment_id);
    }
    rc = as_task_spec_parse(runner, 0, task, err);
    if (rc) {
        as_err_prefix(err, "experiment %lld: stored task: ", (long long)experiment_id);
        json_decref(exp);
        return rc;
    }
    *experiment = exp;
    return AS_OK;
}
