/*
 * manager.c - the server's experiment runner (as_runner, see experiment.h).
 *
 * One background thread per running experiment, each driving an
 * as_exprun_run pass; all of them share one LLM engine (started with the
 * first experiment: a server that runs none has no engine thread) and the
 * server's ingest queue for their traces.  The registry keeps one entry
 * per experiment run by this process, with its progress; entries stay
 * after the pass ends so that the status endpoint can report the cost.
 *
 * State is in the store, not here: experiments.runner holds the task and
 * experiments.status says whether it is running.  So a restart resumes
 * every experiment a server left 'running'; one the command line left
 * 'running' (origin "cli", killed) is not taken over behind its back -
 * POST /v1/experiments/{id}/resume or `assay experiment run --resume` does.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "assay/alloc.h"
#include "assay/experiment.h"
#include "assay/store_experiments.h"

#define ENGINE_CONCURRENCY 32          /* per endpoint, all experiments */
#define CANCEL_WAIT_MS 10000           /* how long cancel waits for calls */

typedef struct rjob {
    struct rjob *next;
    as_runner *r;
    int64_t id;
    pthread_t thread;
    bool started, active;             /* thread made / still running (mu) */
    volatile sig_atomic_t stop;
    as_task_spec *task;
    as_llm_model model, jmodel;
    bool has_jmodel;
    as_exprun_progress p;             /* last progress (mu)               */
    bool has_p;
    char error[AS_ERR_MSG_MAX];       /* the pass's error, if any (mu)    */
} rjob;

struct as_runner {
    as_store *store;
    as_ingest *ingest;
    char *data_dir;
    pthread_mutex_t mu;
    pthread_cond_t cv;                /* a job ended                      */
    rjob *jobs;
    bool stopping;
    as_llm_engine *engine;
    as_llm_config *cfg;
    as_llm_prices *prices;
};

/* Bad input of a request: the message stays, the code becomes 422. */
static as_rc unprocessable(as_err *err) {
    if (err) err->code = AS_EUNPROCESSABLE;
    return AS_EUNPROCESSABLE;
}

/* ---- the engine (lazily) --------------------------------------------------- */

static as_rc ensure_engine(as_runner *r, as_err *err) {
    if (r->engine) return AS_OK;
    as_rc rc = AS_OK;
    if (!r->cfg) rc = as_llm_config_load(NULL, &r->cfg, err);
    if (rc == AS_OK && !r->prices)
        rc = as_llm_prices_load(as_llm_config_prices(r->cfg), &r->prices, err);
    if (rc) return rc;
    char cache[4096];
    snprintf(cache, sizeof cache, "%s/llm-cache.db", r->data_dir);
    as_llm_engine_opts eo;
    as_llm_engine_opts_default(&eo);
    eo.concurrency = ENGINE_CONCURRENCY;
    eo.cache_path = cache;
    eo.prices = r->prices;
    return as_llm_engine_start(&eo, &r->engine, err);
}

/* ---- jobs -------------------------------------------------------------------- */

static rjob *find_job(as_runner *r, int64_t id) {
    for (rjob *j = r->jobs; j; j = j->next)
        if (j->id == id) return j;
    return NULL;
}

static void on_progress(void *ud, const as_exprun_progress *p) {
    rjob *j = ud;
    pthread_mutex_lock(&j->r->mu);
    j->p = *p;
    j->has_p = true;
    pthread_mutex_unlock(&j->r->mu);
}

static void *job_main(void *arg) {
    rjob *j = arg;
    as_runner *r = j->r;
    pthread_setname_np(pthread_self(), "assay-exprun");
    as_exprun_opts o = {
        .store = r->store, .ingest = r->ingest, .engine = r->engine, .model = &j->model,
        .judge_model = j->has_jmodel ? &j->jmodel : NULL, .experiment_id = j->id,
        .task = j->task, .stop = &j->stop, .abort_in_flight = false,
        .progress = on_progress, .progress_ud = j,
    };
    as_exprun_result *res = as_xcalloc(1, sizeof *res);
    as_err err;
    as_rc rc = as_exprun_run(&o, res, &err);
    pthread_mutex_lock(&r->mu);
    j->p = res->p;
    j->has_p = true;
    if (rc != AS_OK) snprintf(j->error, sizeof j->error, "%s", err.msg);
    as_task_spec_free(j->task);        /* only the progress is kept */
    j->task = NULL;
    j->active = false;
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
    if (rc != AS_OK)
        fprintf(stderr, "assay: experiment %lld: %s\n", (long long)j->id, err.msg);
    free(res);
    return NULL;
}

/* Resolve the models of t (keys from the environment or the config file). */
static as_rc resolve(as_runner *r, const as_task_spec *t, as_llm_model *m, as_llm_model *jm,
                     bool *has_jm, as_err *err) {
    as_rc rc = as_llm_model_resolve(t->model, r->cfg, m, err);
    if (rc) return rc;
    *has_jm = t->judge_model != NULL;
    return *has_jm ? as_llm_model_resolve(t->judge_model, r->cfg, jm, err) : AS_OK;
}

/* Start a pass over experiment id with task t (taken over); under r->mu. */
static as_rc launch(as_runner *r, int64_t id, as_task_spec *t, as_err *err) {
    if (r->stopping) {
        as_task_spec_free(t);
        return as_err_set(err, AS_ESHUTDOWN, "the server is stopping");
    }
    as_rc rc = ensure_engine(r, err);
    rjob *j = find_job(r, id);
    if (rc == AS_OK && j && j->active)
        rc = as_err_set(err, AS_ECONFLICT, "experiment %lld is running already", (long long)id);
    if (rc) { as_task_spec_free(t); return rc; }
    if (!j) {
        j = as_xcalloc(1, sizeof *j);
        j->r = r;
        j->id = id;
        j->next = r->jobs;
        r->jobs = j;
    } else if (j->started) {          /* an earlier pass: reap its thread */
        pthread_join(j->thread, NULL);
        j->started = false;
    }
    as_task_spec_free(j->task);
    j->task = t;
    j->stop = 0;
    j->error[0] = '\0';
    j->has_p = false;
    rc = resolve(r, t, &j->model, &j->jmodel, &j->has_jmodel, err);
    if (rc) return rc;
    j->active = true;
    if (pthread_create(&j->thread, NULL, job_main, j) != 0) {
        j->active = false;
        return as_err_set(err, AS_EINTERNAL, "cannot start a thread for experiment %lld",
                          (long long)id);
    }
    j->started = true;
    return AS_OK;
}

/* ---- the API ------------------------------------------------------------------ */

as_rc as_runner_start(as_store *st, as_ingest *ingest, const char *data_dir, as_runner **out,
                      as_err *err) {
    as_runner *r = as_xcalloc(1, sizeof *r);
    r->store = st;
    r->ingest = ingest;
    r->data_dir = as_xstrdup(data_dir ? data_dir : ".");
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->cv, NULL);
    json_t *rows = NULL;
    as_rc rc = as_store_experiments_with_status(st, "running", &rows, err);
    if (rc) {
        as_runner_stop(r);
        return rc;
    }
    size_t i;
    json_t *exp;
    json_array_foreach(rows, i, exp) {
        json_t *runner = json_object_get(exp, "runner");
        const char *origin = json_string_value(json_object_get(runner, "origin"));
        if (!origin || strcmp(origin, "server") != 0) continue;
        int64_t id = json_integer_value(json_object_get(exp, "id"));
        as_task_spec *t = NULL;
        as_err e;
        rc = as_task_spec_parse(runner, 0, &t, &e);
        if (rc == AS_OK) {
            pthread_mutex_lock(&r->mu);
            rc = launch(r, id, t, &e);
            pthread_mutex_unlock(&r->mu);
        }
        if (rc == AS_OK) {
            fprintf(stderr, "assay: experiment %lld: resumed\n", (long long)id);
        } else {
            fprintf(stderr, "assay: experiment %lld: cannot resume: %s\n", (long long)id, e.msg);
            as_store_experiment_set_status(st, id, "failed", e.msg, NULL);
        }
    }
    json_decref(rows);
    *out = r;
    return AS_OK;
}

void as_runner_stop(as_runner *r) {
    if (!r) return;
    pthread_mutex_lock(&r->mu);
    r->stopping = true;
    for (rjob *j = r->jobs; j; j = j->next)
        if (j->active) j->stop = AS_EXPRUN_SHUTDOWN;
    pthread_mutex_unlock(&r->mu);
    if (r->engine) as_llm_cancel_all(r->engine);   /* in-flight calls end now */
    for (rjob *j = r->jobs; j; j = j->next)
        if (j->started) pthread_join(j->thread, NULL);
    as_llm_engine_stop(r->engine);
    while (r->jobs) {
        rjob *j = r->jobs;
        r->jobs = j->next;
        as_task_spec_free(j->task);
        free(j);
    }
    as_llm_prices_free(r->prices);
    as_llm_config_free(r->cfg);
    pthread_cond_destroy(&r->cv);
    pthread_mutex_destroy(&r->mu);
    free(r->data_dir);
    free(r);
}

as_rc as_runner_submit(as_runner *r, int64_t dataset_id, const json_t *task_in,
                       const json_t *create_in, json_t **experiment, as_err *err) {
    *experiment = NULL;
    as_task_spec *t = NULL;
    as_rc rc = as_task_spec_parse(task_in, 0, &t, err);
    if (rc) return rc == AS_EINVAL ? unprocessable(err) : rc;
    if (strcmp(t->origin, "server") != 0) {
        as_task_spec_free(t);
        return as_err_set(err, AS_EUNPROCESSABLE, "origin must be server");
    }
    /* the model and its key, before anything is created */
    as_llm_model m, jm;
    bool has_jm;
    pthread_mutex_lock(&r->mu);
    rc = ensure_engine(r, err);
    if (rc == AS_OK) rc = resolve(r, t, &m, &jm, &has_jm, err);
    pthread_mutex_unlock(&r->mu);
    if (rc) {
        as_task_spec_free(t);
        return rc == AS_EINVAL ? unprocessable(err) : rc;
    }
    json_t *splits = json_object_get(create_in, "splits");
    const char *sv[64];
    as_str_list sl = { sv, 0 };
    size_t i;
    json_t *s;
    json_array_foreach(splits, i, s)
        if (sl.n < AS_ARRAY_LEN(sv) && json_is_string(s)) sv[sl.n++] = json_string_value(s);
    uint64_t n = 0;
    rc = as_exprun_check(r->store, dataset_id,
                         json_integer_value(json_object_get(create_in, "version_id")), &sl, t,
                         &n, err);
    if (rc == AS_OK && n == 0)
        rc = as_err_set(err, AS_EUNPROCESSABLE, "the dataset has no examples%s",
                        sl.n ? " in these splits" : "");
    if (rc) {
        as_task_spec_free(t);
        return rc == AS_EINVAL ? unprocessable(err) : rc;
    }
    char project[48];
    as_exprun_project_name(project);
    json_t *create = json_deep_copy(create_in);
    if (!create) create = json_object();
    json_object_set(create, "runner", t->json);
    json_object_set_new(create, "status", json_string("running"));
    json_object_set_new(create, "project_name", json_string(project));
    if (!json_object_get(create, "name")) json_object_set_new(create, "name", json_string(t->name));
    json_t *exp = NULL;
    rc = as_store_experiment_create(r->store, dataset_id, create, &exp, err);
    json_decref(create);
    if (rc) {
        as_task_spec_free(t);
        return rc;
    }
    int64_t id = json_integer_value(json_object_get(exp, "id"));
    pthread_mutex_lock(&r->mu);
    rc = launch(r, id, t, err);
    pthread_mutex_unlock(&r->mu);
    if (rc) {
        as_store_experiment_set_status(r->store, id, "failed", err->msg, NULL);
        json_decref(exp);
        return rc;
    }
    *experiment = exp;
    return AS_OK;
}

as_rc as_runner_resume(as_runner *r, int64_t id, json_t **experiment, as_err *err) {
    *experiment = NULL;
    json_t *exp = NULL;
    as_task_spec *t = NULL;
    as_rc rc = as_exprun_load(r->store, id, &exp, &t, err);
    if (rc) return rc == AS_EINVAL ? unprocessable(err) : rc;
    pthread_mutex_lock(&r->mu);
    rjob *j = find_job(r, id);
    bool busy = j && j->active;
    pthread_mutex_unlock(&r->mu);
    if (busy) {
        as_task_spec_free(t);
        json_decref(exp);
        return as_err_set(err, AS_ECONFLICT, "experiment %lld is running already", (long long)id);
    }
    json_t *splits = json_object_get(exp, "splits");
    const char *sv[64];
    as_str_list sl = { sv, 0 };
    size_t i;
    json_t *s;
    json_array_foreach(splits, i, s)
        if (sl.n < AS_ARRAY_LEN(sv) && json_is_string(s)) sv[sl.n++] = json_string_value(s);
    uint64_t n = 0;
    rc = as_exprun_check(r->store, json_integer_value(json_object_get(exp, "dataset_id")),
                         json_integer_value(json_object_get(exp, "dataset_version_id")), &sl, t,
                         &n, err);
    json_decref(exp);
    if (rc) {
        as_task_spec_free(t);
        return rc == AS_EINVAL ? unprocessable(err) : rc;
    }
    /* status 'running' first, so that the answer shows it */
    rc = as_store_experiment_set_status(r->store, id, "running", NULL, err);
    if (rc) { as_task_spec_free(t); return rc; }
    pthread_mutex_lock(&r->mu);
    rc = launch(r, id, t, err);
    pthread_mutex_unlock(&r->mu);
    if (rc) {
        as_store_experiment_set_status(r->store, id, "failed", err->msg, NULL);
        return rc == AS_EINVAL ? unprocessable(err) : rc;
    }
    return as_store_experiment_get(r->store, id, experiment, err);
}

as_rc as_runner_cancel(as_runner *r, int64_t id, json_t **experiment, as_err *err) {
    *experiment = NULL;
    json_t *exp = NULL;
    as_rc rc = as_store_experiment_get(r->store, id, &exp, err);
    if (rc) return rc;
    bool runner = json_is_object(json_object_get(exp, "runner"));
    char status[32];
    snprintf(status, sizeof status, "%s",
             json_is_string(json_object_get(exp, "status"))
                 ? json_string_value(json_object_get(exp, "status")) : "none");
    bool running = strcmp(status, "running") == 0 || strcmp(status, "queued") == 0;
    json_decref(exp);
    if (!runner)
        return as_err_set(err, AS_EUNPROCESSABLE, "experiment %lld was not started by the "
                          "runner", (long long)id);
    pthread_mutex_lock(&r->mu);
    rjob *j = find_job(r, id);
    if (j && j->active) {
        j->stop = AS_EXPRUN_CANCEL;
        /* in-flight calls finish (the engine is shared); wait for them */
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += CANCEL_WAIT_MS / 1000;
        while (j->active && pthread_cond_timedwait(&r->cv, &r->mu, &ts) == 0) {}
        pthread_mutex_unlock(&r->mu);
    } else {
        pthread_mutex_unlock(&r->mu);
        if (!running)
            return as_err_set(err, AS_ECONFLICT, "experiment %lld is not running (status %s)",
                              (long long)id, status);
        /* 'running' with no pass here: a killed command line's experiment */
        rc = as_store_experiment_set_status(r->store, id, "cancelled", "cancelled", err);
        if (rc) return rc;
    }
    return as_store_experiment_get(r->store, id, experiment, err);
}

as_rc as_runner_status(as_runner *r, int64_t id, json_t **out, as_err *err) {
    *out = NULL;
    json_t *exp = NULL;
    as_rc rc = as_store_experiment_get(r->store, id, &exp, err);
    if (rc) return rc;
    json_int_t examples = json_integer_value(json_object_get(exp, "example_count"));
    json_int_t reps = json_integer_value(json_object_get(exp, "repetitions"));
    json_int_t ok = json_integer_value(json_object_get(exp, "successful_run_count"));
    json_int_t failed = json_integer_value(json_object_get(exp, "failed_run_count"));
    json_t *st = json_object_get(exp, "status");
    json_t *msg = json_object_get(exp, "status_message");
    json_t *o = json_pack("{s:O,s:O,s:{s:I,s:I,s:I,s:I}}",
        "status", st ? st : json_null(), "status_message", msg ? msg : json_null(),
        "runs", "total", examples * reps, "done", ok + failed, "succeeded", ok,
        "errors", failed);
    json_decref(exp);
    pthread_mutex_lock(&r->mu);
    rjob *j = find_job(r, id);
    json_object_set_new(o, "active", json_boolean(j && j->active));
    if (j && j->has_p) {
        json_object_set_new(o, "evaluations", json_pack("{s:I,s:I}", "done",
                            (json_int_t)j->p.evals_done, "errors", (json_int_t)j->p.eval_errors));
        json_object_set_new(o, "cost_usd", json_real(j->p.cost_usd));
        json_object_set_new(o, "elapsed_s", json_real(j->p.elapsed_s));
    } else {
        json_object_set_new(o, "evaluations", json_null());
        json_object_set_new(o, "cost_usd", json_null());
    }
    pthread_mutex_unlock(&r->mu);
    *out = o;
    return AS_OK;
}
