/*
 * experiment.h - the server-side experiment runner: a task (a prompt
 * template and a model) run over a dataset version, each output judged by
 * the evaluation engine's evaluators, everything recorded in the store.
 *
 *   task spec   (as_task_*)    the JSON kept in experiments.runner: what to
 *                              call and how to judge it.  Parsed and checked
 *                              before anything is created or called.
 *   variables   (as_task_vars) how template variables are filled from an
 *                              example and a task output.
 *   plan        (as_task_plan) the resume bookkeeping: which (example,
 *                              repetition) pairs are still to run.
 *   run         (as_exprun)    one experiment, driven on the caller's
 *                              thread: missing evaluations first, then the
 *                              missing runs; each run is traced.  Starting
 *                              an experiment and resuming it are the same
 *                              call: nothing that completed is called again.
 *   runner      (as_runner)    the server's manager: background threads,
 *                              one shared LLM engine, cancel, resume, status,
 *                              and the resumption of 'running' experiments
 *                              when the server starts.
 *
 * docs/experiment-runner.md describes the formats and the decisions.
 */
#ifndef ASSAY_EXPERIMENT_H
#define ASSAY_EXPERIMENT_H

#include <jansson.h>
#include <signal.h>

#include "assay/eval.h"
#include "assay/evalrun.h"
#include "assay/ingest.h"
#include "assay/llm.h"
#include "assay/store.h"

/* ---- the task spec --------------------------------------------------------
 *
 * The canonical spec (what experiments.runner holds):
 *   {"name": "answer",                      task name (spans "Task: answer")
 *    "prompt": {"messages": [{"role": "system"|"user"|"assistant",
 *                             "content": "... {question} ..."}, ...],
 *               "format": "fstring"|"mustache"},
 *    "model": "openai:gpt-4o-mini[@url]",   never a key
 *    "judge_model": "...",                  (optional; default: model)
 *    "temperature": 0.2, "max_tokens": 256, (optional)
 *    "evaluators": ["qa_correctness", "contains:Paris",
 *                   {judge template object}, {"type": "code", ...}],
 *    "concurrency": 4, "no_cache": false, "origin": "cli"|"server"}
 * Input forms accepted by as_task_spec_parse: "prompt" may also be a string
 * (one user message) or {"template": "..."}; "evaluators" entries may also
 * be file paths (.yaml/.yml/.json; only with AS_TASK_FILES), which are
 * replaced by their content so that the stored spec stands on its own. */

#define AS_TASK_MAX_MESSAGES 64
#define AS_TASK_MAX_TEXT (1u << 20)      /* one message template            */
#define AS_TASK_MAX_CONCURRENCY 256
#define AS_TASK_NAME_MAX 128

#define AS_TASK_FILES 1u                 /* evaluator strings may be files */

typedef struct as_task_msg {
    char *role;
    char *content;                       /* the template                   */
} as_task_msg;

typedef struct as_task_spec {
    char name[AS_TASK_NAME_MAX];
    as_task_msg msgs[AS_TASK_MAX_MESSAGES];
    size_t n_msgs;
    as_tmpl_format format;
    char *model;                         /* "provider:model[@url]"         */
    char *judge_model;                   /* for judges; NULL: model        */
    bool has_temperature;
    double temperature;
    int max_tokens;                      /* 0: provider default            */
    as_evaluator *evaluators[AS_EVAL_MAX_EVALUATORS];
    size_t n_evaluators;
    int concurrency;                     /* runs in flight (default 4)     */
    bool no_cache;
    char origin[16];                     /* "cli" | "server"               */
    char **vars;                         /* the prompt's variables         */
    size_t n_vars;
    json_t *json;                        /* the canonical spec (owned)     */
} as_task_spec;

/* Parse and check a spec (input forms above); on success *out is a new
 * heap spec (as_task_spec_free).  Errors name the field: "evaluators[1]:
 * unknown evaluator 'foo' ...", "prompt.messages[0].role must be system,
 * user or assistant". */
as_rc as_task_spec_parse(const json_t *in, unsigned flags, as_task_spec **out,
                         as_err *err);
void as_task_spec_free(as_task_spec *t);

/* A prompt argument (CLI --prompt, REST "prompt" string) into the prompt
 * object: an existing .yaml/.yml/.json file holding {messages | template,
 * format?, name?} or a bare template string in such a file; anything else
 * is the template text of one user message.  New reference. */
as_rc as_task_prompt_load(const char *arg, json_t **out, as_err *err);

/* ---- variables ------------------------------------------------------------
 *
 * Lookup of a template variable for an example (and, for evaluators, the
 * task's output):
 *   output            the task output (evaluators only)
 *   input             the example's input: the value of its "input" field,
 *                     else of its only field, else its JSON text
 *   reference,
 *   expected          the example's output, the same way ("output" field,
 *                     else the only field, else the JSON text); no value
 *                     when the example has no output
 *   input.F           input field F;  reference.F / expected.F: output F
 *   F                 input field F, else output field F
 *   latency_ms,
 *   cost_usd          of the task call (evaluators only)
 * String values go in as they are; other JSON values as compact JSON. */
typedef struct as_task_vars {
    const json_t *input;                 /* borrowed example input object  */
    const json_t *output;                /* borrowed example output        */
    const char *task_output;             /* NULL while rendering the task  */
    double latency_ms, cost_usd;         /* NAN when unknown               */
    char *owned[64];                     /* values made for lookups        */
    size_t n_owned;
} as_task_vars;

void as_task_vars_init(as_task_vars *v, const json_t *input, const json_t *output,
                       const char *task_output);
/* as_var_fn over an as_task_vars; returned strings live until clear. */
const char *as_task_var(void *ud, const char *name);
void as_task_vars_clear(as_task_vars *v);

/* Check that every variable of the prompt and of every evaluator has a
 * value for this example (an example object, store_datasets.h); the
 * message names the variable, the example and the fields it has. */
as_rc as_task_check_example(const as_task_spec *t, const json_t *example,
                            as_err *err);

/* Render the task's messages for an example (heap strings, as_task_msgs_free). */
as_rc as_task_render(const as_task_spec *t, as_task_vars *v, as_llm_msg *msgs,
                     as_err *err);
void as_task_msgs_free(as_llm_msg *msgs, size_t n);

/* ---- the plan (resume bookkeeping) ----------------------------------------
 *
 * The work of a pass comes from the store's incomplete lists
 * (store_experiments.h); these turn one page into work items and check it
 * against the experiment (repetitions in 1..repetitions, no pair twice). */

typedef struct as_task_item {
    json_t *example;                     /* example object (own reference) */
    int repetition;                      /* 1-based                        */
    json_t *run;                         /* eval-only items: the run       */
    bool want[AS_EVAL_MAX_EVALUATORS];   /* evaluators to run              */
} as_task_item;

/* rows: a page of as_store_experiment_incomplete_runs.  Appends one item
 * per (example, repetition) to *items (heap array, grown), every evaluator
 * wanted.  *last_example receives the cursor for the next page. */
as_rc as_task_plan_runs(const json_t *rows, int repetitions, const as_task_spec *t,
                        as_task_item **items, size_t *n, int64_t *last_example,
                        as_err *err);
/* rows: a page of as_store_experiment_incomplete_evaluations; one item per
 * run with the named evaluators wanted (names not in the spec are
 * ignored).  *last_run: the cursor. */
as_rc as_task_plan_evals(const json_t *rows, const as_task_spec *t,
                         as_task_item **items, size_t *n, int64_t *last_run,
                         as_err *err);
void as_task_items_free(as_task_item *items, size_t n);

/* ---- running an experiment ---------------------------------------------- */

typedef struct as_exprun_progress {
    uint64_t total;                      /* runs: examples x repetitions   */
    uint64_t done;                       /* runs that succeeded or failed  */
    uint64_t succeeded_before;           /* done when this pass began      */
    uint64_t errors;                     /* failed runs in this pass       */
    uint64_t evals_done, eval_errors;    /* evaluations in this pass       */
    double cost_usd;                     /* task + judge calls, this pass  */
    double elapsed_s;
} as_exprun_progress;

/* Per-evaluator tallies of this pass, for the CLI's summary. */
typedef struct as_exprun_result {
    as_exprun_progress p;
    as_eval_summary ev[AS_EVAL_MAX_EVALUATORS];
    size_t n_ev;
    bool cancelled;
    bool unreachable;                    /* stopped: endpoint down         */
} as_exprun_result;

#define AS_EXPRUN_CANCEL 1
#define AS_EXPRUN_SHUTDOWN 2

typedef struct as_exprun_opts {
    as_store *store;
    as_ingest *ingest;                   /* traces go here; NULL: none     */
    as_llm_engine *engine;               /* borrowed                       */
    const as_llm_model *model;           /* resolved task model            */
    const as_llm_model *judge_model;     /* judges' (NULL: model)          */
    int64_t experiment_id;
    const as_task_spec *task;            /* borrowed                       */
    volatile sig_atomic_t *stop;         /* AS_EXPRUN_CANCEL: stop, status
                                            'cancelled'; AS_EXPRUN_SHUTDOWN:
                                            stop, status stays 'running'
                                            (resumed at the next start)    */
    bool abort_in_flight;                /* on stop: cancel the engine's
                                            calls (only with an engine of
                                            one's own)                     */
    void (*progress)(void *ud, const as_exprun_progress *p);
    void *progress_ud;
} as_exprun_opts;

/* Check the experiment's examples against the task (every variable has a
 * value in every example) and count them; nothing is called. */
as_rc as_exprun_check(as_store *st, int64_t dataset_id, int64_t version_id,
                      const as_str_list *splits, const as_task_spec *t,
                      uint64_t *n_examples, as_err *err);

/* Run the experiment's missing evaluations and runs.  Sets the status to
 * 'running' at the start and, at the end, 'done' (also with failed runs:
 * they are recorded with their error and a resume retries them),
 * 'cancelled' when stopped, or 'failed' (with the message) when the
 * endpoint could not be reached or the store failed.  A row's failure
 * never stops the run. */
as_rc as_exprun_run(const as_exprun_opts *o, as_exprun_result *res, as_err *err);

/* The experiment's task spec, parsed from the store (AS_EINVAL when the
 * experiment has no runner: a client-driven experiment). */
as_rc as_exprun_load(as_store *st, int64_t experiment_id, json_t **experiment,
                     as_task_spec **task, as_err *err);

/* A fresh Phoenix-style project name for an experiment's traces:
 * "Experiment-" + 24 hex digits. */
void as_exprun_project_name(char out[48]);

/* ---- the server's runner -------------------------------------------------- */

typedef struct as_runner as_runner;

/* Start the manager (no thread, no engine until the first experiment) and
 * resume every experiment left 'running' by a server (origin "server").
 * data_dir holds the LLM response cache.  Borrowed: store, ingest. */
as_rc as_runner_start(as_store *st, as_ingest *ingest, const char *data_dir,
                      as_runner **out, as_err *err);
/* Stop every experiment (their calls are cancelled; status stays
 * 'running', so that the next start resumes them), join, free. */
void as_runner_stop(as_runner *r);

/* Create and start an experiment: task is a task spec (input forms above;
 * no files), create the as_store_experiment_create spec (name?,
 * description?, metadata?, version_id?, splits?, repetitions?); runner,
 * status and project_name are filled in.  Everything is checked first
 * (EUNPROCESSABLE: bad spec, unknown evaluator, a variable an example
 * lacks, no key for the model; ENOTFOUND: dataset or version), then the
 * experiment is created and runs in the background.  *experiment: the row. */
as_rc as_runner_submit(as_runner *r, int64_t dataset_id, const json_t *task,
                       const json_t *create, json_t **experiment, as_err *err);
/* Resume / cancel one experiment.  ECONFLICT: already running / not
 * running; EUNPROCESSABLE: not a runner experiment.  Cancel waits (up to
 * 10 s) for the calls in flight, so the answer shows 'cancelled'. */
as_rc as_runner_resume(as_runner *r, int64_t experiment_id, json_t **experiment,
                       as_err *err);
as_rc as_runner_cancel(as_runner *r, int64_t experiment_id, json_t **experiment,
                       as_err *err);
/* {status, status_message, active, runs: {total, done, errors},
 * evaluations: {done, errors}, cost_usd (this server's passes, or null)} */
as_rc as_runner_status(as_runner *r, int64_t experiment_id, json_t **out,
                       as_err *err);

#endif
