/*
 * run.c - evaluators over a data file (see evalrun.h).
 *
 * The calling thread reads rows, runs code evaluators inline, renders
 * judge prompts and submits them; the LLM engine's thread completes calls
 * into the row's task and hands finished tasks back through a done list;
 * the calling thread writes them out.  Flow control: at most o->window
 * calls outstanding.  A task is freed once written.
 */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "assay/alloc.h"
#include "assay/buf.h"
#include "assay/evalrun.h"
#include "evalout.h"

#define KICK_AFTER_S 0.002       /* a batch's calls wait at most this (+ one row) */

typedef struct rep {             /* one judge call's outcome */
    as_verdict v;
    bool done, ok;
    char *error, *raw;
    int64_t prompt_tokens, completion_tokens;
    bool has_cost, cached, unreachable, cancelled;
    double cost, latency_ms;
    int attempts;
} rep;

typedef struct slot {            /* one evaluator's outcome for a row */
    rep *reps;                   /* judges: repeat entries; code: one */
    int n_reps;
} slot;

typedef struct task task;
typedef struct call { task *t; int ev, rep; } call;

struct task {
    task *next;
    struct run *r;
    as_row *row;
    int pending;                 /* calls outstanding (under run.mu)  */
    slot slots[AS_EVAL_MAX_EVALUATORS];
    call *calls;
};

typedef struct run {
    const as_eval_opts *o;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    task *done_head;             /* finished, to be written (under mu) */
    int outstanding;             /* calls in flight (under mu)         */
    eval_out out;
    as_eval_result *res;
    uint8_t *skip;               /* resumed rows bitmap                */
    uint64_t skip_bits;
    char fatal[AS_ERR_MSG_MAX];  /* set once: stop the run             */
} run;

static double mono_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- variables ------------------------------------------------------- */

typedef struct varctx { const as_eval_opts *o; const as_row *row; } varctx;

static const char *column_for(const as_eval_opts *o, const char *var) {
    for (size_t i = 0; i < o->n_maps; i++)
        if (strcmp(o->maps[i].var, var) == 0) return o->maps[i].column;
    return var;
}

static const char *lookup(void *ud, const char *var) {
    varctx *c = ud;
    return as_row_get(c->row, column_for(c->o, var));
}

/* ---- summary ------------------------------------------------------------ */

void as_eval_pass_rate(const as_eval_summary *s, double *rate, double *lo, double *hi) {
    *rate = s->scored ? (double)s->passed / (double)s->scored : NAN;
    as_wilson(s->passed, s->scored, 0.05, lo, hi);
}

static void count_label(as_eval_summary *s, const char *label) {
    for (size_t i = 0; i < s->n_labels; i++)
        if (strcmp(s->labels[i].label, label) == 0) { s->labels[i].n++; return; }
    if (s->n_labels == AS_EVAL_MAX_LABELS) { s->other_labels++; return; }
    snprintf(s->labels[s->n_labels].label, AS_LABEL_MAX, "%s", label);
    s->labels[s->n_labels++].n = 1;
}

void eval_summary_add(as_eval_summary *s, const eval_rec *r) {
    s->rows++;
    s->calls += (uint64_t)r->calls;
    s->cached += (uint64_t)r->cached;
    if (r->prompt_tokens > 0) s->prompt_tokens += (uint64_t)r->prompt_tokens;
    if (r->completion_tokens > 0) s->completion_tokens += (uint64_t)r->completion_tokens;
    s->cost_usd += r->cost_usd;
    s->cost_unknown += (uint64_t)r->cost_unknown;
    if (r->error) { s->errors++; return; }
    count_label(s, r->label);
    if (strcmp(r->label, AS_NOT_PARSABLE) == 0 || isnan(r->score)) {
        s->not_parsable += strcmp(r->label, AS_NOT_PARSABLE) == 0;
        return;
    }
    if (s->score.n == 0) s->binary = true;
    if (r->score != 0 && r->score != 1) s->binary = false;
    s->scored++;
    s->passed += r->passed == 1;
    as_moments_add(&s->score, r->score);
    if (!isnan(r->flip)) {
        as_moments_add(&s->flip, r->flip);
        s->unstable += r->unstable;
    }
}

/* ---- completing a task -------------------------------------------------- */

static void rep_clear(rep *p) {
    as_verdict_clear(&p->v);
    free(p->error);
    free(p->raw);
}

static void task_free(task *t) {
    for (int e = 0; e < AS_EVAL_MAX_EVALUATORS; e++) {
        for (int i = 0; i < t->slots[e].n_reps; i++) rep_clear(&t->slots[e].reps[i]);
        free(t->slots[e].reps);
    }
    free(t->calls);
    as_row_free(t->row);
    free(t);
}

static void on_call(void *ud, const as_llm_result *res) {
    call *c = ud;
    task *t = c->t;
    run *r = t->r;
    const as_evaluator *ev = r->o->evaluators[c->ev];
    rep *p = &t->slots[c->ev].reps[c->rep];
    p->done = true;
    p->attempts = res->attempts;
    p->latency_ms = res->latency_ms;
    p->cached = res->cached;
    if (res->rc == AS_OK) {
        p->ok = true;
        as_judge_verdict(ev->judge, &res->resp, &p->v);
        p->raw = res->resp.raw ? as_xstrdup(res->resp.raw) : NULL;
        p->prompt_tokens = res->resp.prompt_tokens;
        p->completion_tokens = res->resp.completion_tokens;
        p->has_cost = res->has_cost;
        p->cost = res->cost_usd;
    } else {
        p->error = as_xstrdup(res->error ? res->error : as_rc_name(res->rc));
        p->unreachable = res->unreachable;
        p->cancelled = res->rc == AS_ESHUTDOWN;
        p->prompt_tokens = p->completion_tokens = -1;
    }
    pthread_mutex_lock(&r->mu);
    r->outstanding--;
    if (--t->pending == 0) {
        t->next = r->done_head;
        r->done_head = t;
    }
    /* Wake the reader only when it has work: half the window is free (it
     * refills in a batch, the engine still has a full round queued) or
     * nothing is left.  It also wakes on its own every 250 ms. */
    if (r->outstanding <= r->o->window / 2 || r->outstanding == 0)
        pthread_cond_signal(&r->cv);
    pthread_mutex_unlock(&r->mu);
}

/* Fold a slot's repetitions into one record (majority label); views of
 * every repetition go to views[] (repeat > 1). */
static void slot_record(const as_evaluator *ev, slot *s, eval_rec *rec,
                        eval_rep_view *views) {
    memset(rec, 0, sizeof *rec);
    rec->score = NAN;
    rec->flip = NAN;
    rec->agreement = NAN;
    rec->passed = -1;
    rec->prompt_tokens = rec->completion_tokens = -1;
    bool judge = ev->kind == AS_EVAL_JUDGE;
    for (int i = 0; judge && i < s->n_reps; i++) {
        rep *p = &s->reps[i];
        rec->calls++;
        rec->cached += p->cached;
        if (p->prompt_tokens >= 0)
            rec->prompt_tokens = (rec->prompt_tokens < 0 ? 0 : rec->prompt_tokens) + p->prompt_tokens;
        if (p->completion_tokens >= 0)
            rec->completion_tokens = (rec->completion_tokens < 0 ? 0 : rec->completion_tokens) +
                                     p->completion_tokens;
        if (p->ok && p->has_cost) rec->cost_usd += p->cost;
        else if (p->ok) rec->cost_unknown++;
        if (p->latency_ms > rec->latency_ms) rec->latency_ms = p->latency_ms;
        rec->attempts += p->attempts;
    }
    /* majority over the repetitions that answered (first seen wins ties) */
    const char *labels[AS_EVAL_MAX_REPEAT];
    uint32_t counts[AS_EVAL_MAX_REPEAT];
    int first[AS_EVAL_MAX_REPEAT];
    size_t nl = 0;
    const rep *first_err = NULL;
    for (int i = 0; i < s->n_reps; i++) {
        rep *p = &s->reps[i];
        if (s->n_reps > 1)
            views[i] = (eval_rep_view){ p->error ? NULL : p->v.label, p->v.explanation,
                                        p->error, p->raw };
        if (p->error) { if (!first_err) first_err = p; continue; }
        size_t k = 0;
        while (k < nl && strcmp(labels[k], p->v.label) != 0) k++;
        if (k == nl) { labels[nl] = p->v.label; counts[nl] = 0; first[nl] = i; nl++; }
        counts[k]++;
    }
    if (s->n_reps > 1) {
        rec->reps = views;
        rec->n_reps = s->n_reps;
    }
    if (nl == 0) {
        rec->error = first_err ? first_err->error : "no answer";
        rec->raw = first_err ? first_err->raw : NULL;
        return;
    }
    size_t maj;
    int strict;
    double share = as_majority_share(counts, nl, &maj, &strict);
    const rep *m = &s->reps[first[maj]];
    rec->label = m->v.label;
    rec->score = m->v.score;
    rec->explanation = m->v.explanation;
    rec->raw = m->raw;
    if (!isnan(rec->score))
        rec->passed = as_evaluator_is_pass(ev, rec->label, rec->score) ? 1 : 0;
    if (s->n_reps > 1) {
        rec->agreement = share;
        rec->flip = as_flip_probability(counts, nl);
        rec->unstable = !strict || share < 0.8;
        if (first_err) rec->partial_error = first_err->error;
    }
}

/* Write a finished task, unless it must be redone (its endpoint was
 * unreachable, or the run was cancelled): then it stays for --resume. */
static void complete(run *r, task *t) {
    const as_eval_opts *o = r->o;
    bool redo = false;
    for (size_t e = 0; e < o->n_evaluators; e++) {
        slot *s = &t->slots[e];
        for (int i = 0; i < s->n_reps; i++) {
            if (s->reps[i].unreachable && !r->fatal[0])
                snprintf(r->fatal, sizeof r->fatal, "%s", s->reps[i].error);
            if (s->reps[i].unreachable || s->reps[i].cancelled) redo = true;
        }
    }
    if (!redo) {
        eval_rec recs[AS_EVAL_MAX_EVALUATORS];
        eval_rep_view *views = o->repeat > 1
            ? as_xcalloc(o->n_evaluators * (size_t)o->repeat, sizeof *views) : NULL;
        bool failed = false;
        for (size_t e = 0; e < o->n_evaluators; e++) {
            slot_record(o->evaluators[e], &t->slots[e], &recs[e],
                        views ? views + e * (size_t)o->repeat : NULL);
            eval_summary_add(&r->res->ev[e], &recs[e]);
            failed |= recs[e].error != NULL;
        }
        r->res->rows_failed += failed;
        r->res->rows_done++;
        if (o->out_path) eval_out_write(&r->out, t->row, recs);
        free(views);
    }
    task_free(t);
}

static void drain(run *r, bool wait_all, double t0) {
    const as_eval_opts *o = r->o;
    pthread_mutex_lock(&r->mu);
    for (;;) {
        task *list = r->done_head;
        r->done_head = NULL;
        if (list) {
            pthread_mutex_unlock(&r->mu);
            while (list) {
                task *t = list;
                list = list->next;
                complete(r, t);
            }
            pthread_mutex_lock(&r->mu);
            continue;
        }
        if (o->progress) {
            as_eval_progress p = { r->res->rows_done, r->res->rows_total, r->res->rows_failed,
                                   mono_s() - t0, 0 };
            for (size_t e = 0; e < o->n_evaluators; e++) p.cost_usd += r->res->ev[e].cost_usd;
            pthread_mutex_unlock(&r->mu);
            o->progress(o->progress_ud, &p);
            pthread_mutex_lock(&r->mu);
            if (r->done_head) continue;
        }
        bool stop = o->stop && *o->stop;
        if (r->outstanding == 0) break;
        if (!wait_all && r->outstanding < o->window && !stop && !r->fatal[0]) break;
        if (o->engine) {                               /* the batch is in */
            pthread_mutex_unlock(&r->mu);
            as_llm_kick(o->engine);
            pthread_mutex_lock(&r->mu);
        }
        if (o->out_path) eval_out_flush(&r->out);     /* idle: make it durable */
        if (stop && o->engine) {
            pthread_mutex_unlock(&r->mu);
            as_llm_cancel_all(o->engine);
            pthread_mutex_lock(&r->mu);
        }
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 250 * 1000000L;
        if (ts.tv_nsec >= 1000000000L) { ts.tv_sec++; ts.tv_nsec -= 1000000000L; }
        if (!r->done_head) pthread_cond_timedwait(&r->cv, &r->mu, &ts);
    }
    pthread_mutex_unlock(&r->mu);
}

/* ---- one row ------------------------------------------------------------- */

static void start_row(run *r, as_row *row) {
    const as_eval_opts *o = r->o;
    task *t = as_xcalloc(1, sizeof *t);
    t->r = r;
    t->row = row;
    varctx vc = { o, row };
    int ncalls = 0;
    for (size_t e = 0; e < o->n_evaluators; e++)
        if (o->evaluators[e]->kind == AS_EVAL_JUDGE) ncalls += o->repeat;
    t->calls = ncalls ? as_xcalloc((size_t)ncalls, sizeof *t->calls) : NULL;
    int ci = 0;
    pthread_mutex_lock(&r->mu);
    t->pending = 1;                     /* held until every call is out */
    pthread_mutex_unlock(&r->mu);
    for (size_t e = 0; e < o->n_evaluators; e++) {
        const as_evaluator *ev = o->evaluators[e];
        slot *s = &t->slots[e];
        as_err err;
        if (ev->kind == AS_EVAL_CODE) {
            s->n_reps = 1;
            s->reps = as_xcalloc(1, sizeof *s->reps);
            s->reps[0].prompt_tokens = s->reps[0].completion_tokens = -1;
            if (as_code_eval_run(ev->code, lookup, &vc, &s->reps[0].v, &err) != AS_OK)
                s->reps[0].error = as_xstrdup(err.msg);
            s->reps[0].done = true;
            continue;
        }
        s->n_reps = o->repeat;
        s->reps = as_xcalloc((size_t)o->repeat, sizeof *s->reps);
        as_prompt prompt;
        if (as_judge_render(ev->judge, o->answer, lookup, &vc, &prompt, &err) != AS_OK) {
            for (int i = 0; i < o->repeat; i++) {
                s->reps[i].error = as_xstrdup(err.msg);
                s->reps[i].prompt_tokens = s->reps[i].completion_tokens = -1;
            }
            continue;
        }
        as_llm_request req = {
            .model = o->model, .msgs = prompt.msgs, .n_msgs = prompt.n_msgs,
            .temperature = 0, .answer = prompt.answer, .tool_name = prompt.tool_name,
            .tool_description = prompt.tool_description, .schema_json = prompt.schema_json,
        };
        /* rows are read and submitted in a batch (until the window is
         * full or the data ends): drain wakes the engine once for it */
        unsigned flags = AS_LLM_DEFER_WAKE | ((o->no_cache || o->repeat > 1) ? AS_LLM_NO_CACHE : 0);
        for (int i = 0; i < o->repeat; i++) {
            call *c = &t->calls[ci++];
            c->t = t;
            c->ev = (int)e;
            c->rep = i;
            pthread_mutex_lock(&r->mu);
            t->pending++;
            r->outstanding++;
            pthread_mutex_unlock(&r->mu);
            if (as_llm_submit(o->engine, &req, flags, on_call, c, &err) != AS_OK) {
                rep *p = &s->reps[i];
                p->done = true;
                p->error = as_xstrdup(err.msg);
                p->cancelled = err.code == AS_ESHUTDOWN;
                p->prompt_tokens = p->completion_tokens = -1;
                pthread_mutex_lock(&r->mu);
                t->pending--;
                r->outstanding--;
                pthread_mutex_unlock(&r->mu);
            }
        }
        as_prompt_clear(&prompt);
    }
    pthread_mutex_lock(&r->mu);
    if (--t->pending == 0) {
        t->next = r->done_head;
        r->done_head = t;
    }
    pthread_mutex_unlock(&r->mu);
}

/* ---- checks before any call --------------------------------------------- */

static as_rc check_columns(const as_eval_opts *o, as_rows *rows, as_err *err) {
    const char *const *cols;
    size_t nc = as_rows_columns(rows, &cols);
    for (size_t e = 0; e < o->n_evaluators; e++) {
        const char *const *vars;
        size_t nv = as_evaluator_vars(o->evaluators[e], &vars);
        for (size_t v = 0; v < nv; v++) {
            const char *col = column_for(o, vars[v]);
            bool found = false;
            for (size_t c = 0; c < nc && !found; c++) found = strcmp(cols[c], col) == 0;
            if (found) continue;
            as_buf b;
            as_buf_init(&b, 2000);
            for (size_t c = 0; c < nc; c++)
                as_buf_printf(&b, "%s%s", c ? ", " : "", cols[c]);
            as_rc rc;
            if (strcmp(col, vars[v]) != 0)
                rc = as_err_set(err, AS_EINVAL, "%s: --map %s=%s names column '%s', which "
                                "%s does not have (columns: %s)", o->evaluators[e]->name,
                                vars[v], col, col, o->data_path, b.data ? b.data : "");
            else
                rc = as_err_set(err, AS_EINVAL, "evaluator %s: variable '%s' has no column in "
                                "%s (columns: %s); map one with --map %s=COLUMN",
                                o->evaluators[e]->name, vars[v], o->data_path,
                                b.data ? b.data : "", vars[v]);
            as_buf_release(&b);
            return rc;
        }
    }
    return AS_OK;
}

static void skip_mark(void *ud, uint64_t row) {
    run *r = ud;
    if (row >= r->skip_bits) {
        uint64_t nb = (row + 1) * 2 > 1024 ? (row + 1) * 2 : 1024;
        r->skip = as_xrealloc(r->skip, (size_t)((nb + 7) / 8));
        memset(r->skip + (r->skip_bits + 7) / 8, 0, (size_t)((nb + 7) / 8 - (r->skip_bits + 7) / 8));
        r->skip_bits = nb;
    }
    r->skip[row / 8] |= (uint8_t)(1u << (row % 8));
}

static bool skipped(const run *r, uint64_t row) {
    return row < r->skip_bits && (r->skip[row / 8] >> (row % 8)) & 1;
}

as_rc as_eval_run(const as_eval_opts *o, as_eval_result *res, as_err *err) {
    memset(res, 0, sizeof *res);
    double t0 = mono_s();
    if (o->n_evaluators == 0 || o->n_evaluators > AS_EVAL_MAX_EVALUATORS)
        return as_err_set(err, AS_EINVAL, "between 1 and %d evaluators, got %zu",
                          AS_EVAL_MAX_EVALUATORS, o->n_evaluators);
    bool judges = false;
    for (size_t e = 0; e < o->n_evaluators; e++) {
        judges |= o->evaluators[e]->kind == AS_EVAL_JUDGE;
        snprintf(res->ev[e].name, sizeof res->ev[e].name, "%s", o->evaluators[e]->name);
        for (size_t f = 0; f < e; f++)
            if (strcmp(o->evaluators[f]->name, o->evaluators[e]->name) == 0)
                return as_err_set(err, AS_EINVAL, "two evaluators are named '%s'; give "
                                  "one another name (NAME=SPEC, e.g. paris=contains:Paris)", o->evaluators[e]->name);
    }
    res->n = o->n_evaluators;
    if (judges && (!o->model || !o->engine))
        return as_err_set(err, AS_EINVAL, "a judge needs a model: --model provider:model");
    if (o->repeat < 1 || o->repeat > AS_EVAL_MAX_REPEAT)
        return as_err_set(err, AS_EINVAL, "--repeat must be 1 to %d", AS_EVAL_MAX_REPEAT);

    as_rc rc = as_rows_scan(o->data_path, &res->rows_total, err);
    if (rc) return rc;
    as_rows *rows = NULL;
    rc = as_rows_open(o->data_path, &rows, err);
    if (rc) return rc;
    rc = check_columns(o, rows, err);
    if (rc) { as_rows_close(rows); return rc; }

    run r;
    memset(&r, 0, sizeof r);
    r.o = o;
    r.res = res;
    pthread_mutex_init(&r.mu, NULL);
    pthread_cond_init(&r.cv, NULL);
    if (o->out_path) {
        const char *const *cols;
        size_t nc = as_rows_columns(rows, &cols);
        rc = eval_out_open(&r.out, o->out_path, o->resume, cols, nc, o->evaluators,
                           o->n_evaluators, o->repeat, skip_mark, &r, res, err);
        if (rc) goto out;
        res->rows_resumed = res->rows_done;
    }

    res->started = true;
    double kicked = mono_s();
    as_eval_opts local = *o;
    if (local.window < 1) local.window = 1;
    r.o = &local;
    for (;;) {
        if ((o->stop && *o->stop) || r.fatal[0]) break;
        as_row *row = NULL;
        rc = as_rows_next(rows, &row, err);
        if (rc || !row) break;
        if (skipped(&r, row->index)) { as_row_free(row); continue; }
        start_row(&r, row);
        /* a batch is flushed when the window is full (drain); rows that
         * are slow to read or evaluate do not hold its calls back longer
         * than KICK_AFTER_S */
        if (o->engine) {
            double now = mono_s();
            if (now - kicked >= KICK_AFTER_S) {
                as_llm_kick(o->engine);
                kicked = now;
            }
        }
        drain(&r, false, t0);
    }
    drain(&r, true, t0);
    if (rc == AS_OK && r.fatal[0])
        rc = as_err_set(err, AS_EIO, "%s; stopped after %llu of %llu rows (rerun with --resume "
                        "when it is reachable)", r.fatal, (unsigned long long)res->rows_done,
                        (unsigned long long)res->rows_total);
    res->interrupted = o->stop && *o->stop;
out:
    if (o->out_path) {
        as_err cerr;
        if (eval_out_close(&r.out, &cerr) != AS_OK && rc == AS_OK) {
            *err = cerr;
            rc = cerr.code;
        }
    }
    if (o->engine) as_llm_engine_stats(o->engine, &res->llm);
    res->wall_s = mono_s() - t0;
    free(r.skip);
    as_rows_close(rows);
    pthread_cond_destroy(&r.cv);
    pthread_mutex_destroy(&r.mu);
    return rc;
}
