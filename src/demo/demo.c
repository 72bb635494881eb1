/*
 * demo.c - `assay demo` as a library call (include/assay/demo.h): find or
 * remove earlier demo content, then build the workspace in order - the
 * traces (traces.c), span annotations, annotation configs, the dataset
 * (two versions, examples linked to root spans), experiments `prompt A`
 * and `prompt B` with runs and evaluations, and the labelling queue with
 * some answers by `alice` and `bob`.
 *
 * The experiment outcomes are laid out, not drawn: 31 examples, prompt A
 * correct on 18, prompt B on 28 (B wins 11 pairs, A wins 1), so the
 * compare verdict for `correctness` is "better"; `mentions_budget` (a
 * real check of the output text) passes 22 times in each with 3 wins
 * each way, so its verdict is "cannot tell yet".  docs/demo.md lists the
 * exact figures the tests rely on.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "assay/alloc.h"
#include "assay/buf.h"
#include "assay/store_annotations.h"
#include "assay/store_datasets.h"
#include "assay/store_experiments.h"
#include "assay/store_queues.h"
#include "assay/timefmt.h"
#include "demo_int.h"

#define MS 1000000LL
#define N_EXAMPLES 31                   /* 30 from spans + 1 added in v2  */

/* ---- finding and removing earlier demo content ----------------------------- */

typedef struct found {
    int64_t project, dataset, queue;    /* 0 = absent */
} found;

static as_rc look(as_store *st, found *f, as_err *err) {
    memset(f, 0, sizeof(*f));
    json_t *row = NULL;
    as_rc rc = as_store_project_get(st, 0, AS_DEMO_PROJECT, &row, err);
    if (rc == AS_OK) f->project = json_integer_value(json_object_get(row, "id"));
    else if (rc != AS_ENOTFOUND) return rc;
    json_decref(row);
    row = NULL;
    rc = as_store_dataset_get(st, 0, AS_DEMO_DATASET, &row, err);
    if (rc == AS_OK) f->dataset = json_integer_value(json_object_get(row, "id"));
    else if (rc != AS_ENOTFOUND) return rc;
    json_decref(row);
    rc = as_store_queue_find(st, AS_DEMO_QUEUE, &f->queue, err);
    if (rc == AS_ENOTFOUND) { f->queue = 0; rc = AS_OK; }
    if (err) as_err_clear(err);
    return rc;
}

static void describe(const found *f, char *what, size_t cap) {
    if (!cap) return;
    what[0] = '\0';
    size_t l = 0;
    if (f->project)
        l += (size_t)snprintf(what + l, cap - l, "project '%s'", AS_DEMO_PROJECT);
    if (f->dataset && l < cap)
        l += (size_t)snprintf(what + l, cap - l, "%sdataset '%s'", l ? ", " : "",
                              AS_DEMO_DATASET);
    if (f->queue && l < cap)
        snprintf(what + l, cap - l, "%slabelling queue '%s'", l ? ", " : "", AS_DEMO_QUEUE);
}

as_rc as_demo_find(as_store *st, bool *is, char *what, size_t cap, as_err *err) {
    found f;
    as_rc rc = look(st, &f, err);
    if (rc != AS_OK) return rc;
    *is = f.project || f.dataset || f.queue;
    describe(&f, what, cap);
    return AS_OK;
}

static as_rc remove_found(as_store *st, const found *f, as_err *err) {
    as_rc rc = AS_OK;
    if (f->queue) rc = as_store_queue_delete(st, f->queue, err);
    /* the experiments with the projects of their task traces; the
     * dataset's deletion would leave those projects behind */
    while (rc == AS_OK && f->dataset) {
        json_t *rows = NULL;
        int64_t next = 0;
        rc = as_store_experiment_list(st, f->dataset, 0, 100, &rows, &next, err);
        size_t n = rc == AS_OK ? json_array_size(rows) : 0;
        for (size_t i = 0; i < n && rc == AS_OK; i++)
            rc = as_store_experiment_delete(
                st, json_integer_value(json_object_get(json_array_get(rows, i), "id")),
                true, err);
        json_decref(rows);
        if (n == 0) break;
    }
    if (rc == AS_OK && f->dataset) rc = as_store_dataset_delete(st, f->dataset, err);
    if (rc == AS_OK && f->project) rc = as_store_project_delete(st, f->project, err);
    return rc;
}

/* ---- annotation configs -------------------------------------------------------- */

static as_rc ensure_config(as_store *st, const char *name, const char *description,
                           const char *good, const char *bad, size_t *created,
                           as_err *err) {
    json_t *row = NULL;
    as_rc rc = as_store_annotation_config_get(st, 0, name, &row, err);
    json_decref(row);
    if (rc == AS_OK) return AS_OK;
    if (rc != AS_ENOTFOUND) return rc;
    json_t *in = json_pack("{s:s, s:s, s:s, s:s, s:[{s:s, s:f}, {s:s, s:f}]}",
                           "name", name, "type", "CATEGORICAL", "description", description,
                           "optimization_direction", "MAXIMIZE", "values",
                           "label", good, "score", 1.0, "label", bad, "score", 0.0);
    json_t *spec = NULL;
    rc = as_annotation_config_check(in, &spec, err);
    if (rc == AS_OK) rc = as_store_annotation_config_create(st, spec, &row, err);
    if (rc == AS_OK) { json_decref(row); (*created)++; }
    json_decref(in);
    json_decref(spec);
    return rc;
}

/* ---- dataset ----------------------------------------------------------------------- */

typedef struct ex_src {
    json_t *items;                      /* [{input, output, metadata, id, span}] */
    size_t i;
} ex_src;

static as_rc ex_next(void *ud, as_example_in *ex, bool *end, as_err *err) {
    AS_UNUSED(err);
    ex_src *s = ud;
    if (s->i >= json_array_size(s->items)) { *end = true; return AS_OK; }
    json_t *o = json_array_get(s->items, s->i++);
    memset(ex, 0, sizeof(*ex));
    ex->input = json_object_get(o, "input");
    ex->output = json_object_get(o, "output");
    ex->metadata = json_object_get(o, "metadata");
    ex->external_id = json_string_value(json_object_get(o, "id"));
    ex->span_id = json_string_value(json_object_get(o, "span"));
    *end = false;
    return AS_OK;
}

static json_t *example_of(const demo_scenario *s, int idx, const demo_trace *t,
                          const char *answer) {
    char id[16];
    snprintf(id, sizeof(id), "trip-%02d", idx + 1);
    json_t *meta = json_pack("{s:s, s:i, s:i, s:s}", "city", s->city, "days", s->days,
                             "budget_usd", s->budget, "traveller", s->who);
    if (t) {
        json_object_set_new(meta, "span_name", json_string("trip_planner"));
        json_object_set_new(meta, "span_kind", json_string("AGENT"));
        json_object_set_new(meta, "trace_id", json_string(t->trace_id));
        json_object_set_new(meta, "span_id", json_string(t->root_span_id));
    }
    json_t *o = json_pack("{s:{s:s}, s:{s:s}, s:o, s:s}", "input", "question", s->request,
                          "output", "answer", answer, "metadata", meta, "id", id);
    if (t) json_object_set_new(o, "span", json_string(t->root_span_id));
    return o;
}

static as_rc make_dataset(as_store *st, const demo_plan *p, const demo_data *d,
                          int64_t *dataset_id, as_demo_summary *sum, as_err *err) {
    ex_src src = { .items = json_array() };
    for (size_t i = 0; i < 30; i++)
        json_array_append_new(src.items, example_of(&d->sc[i], (int)i,
                                                    &p->t[p->dataset_trace[i]],
                                                    d->sc[i].answer));
    as_dataset_upload up = { .name = AS_DEMO_DATASET,
        .description = AS_DEMO_PREFIX " trip-planner requests taken from production "
                       "root spans (assay demo)",
        .action = AS_UPLOAD_CREATE, .next = ex_next, .ud = &src };
    as_upload_result res;
    as_rc rc = as_store_dataset_upload(st, &up, &res, err);
    if (rc == AS_OK) {
        /* version 2: one answer edited, one example added */
        const json_t *edit = json_object_get(d->exps, "dataset_edit");
        size_t at = (size_t)json_integer_value(json_object_get(edit, "index"));
        json_t *o = json_object_get(json_array_get(src.items, at), "output");
        size_t tn = strlen(d->sc[at].answer) + strlen(demo_str(edit, "append")) + 1;
        char *text = as_xmalloc(tn);
        snprintf(text, tn, "%s%s", d->sc[at].answer, demo_str(edit, "append"));
        json_object_set_new(o, "answer", json_string(text));
        free(text);
        json_array_append_new(src.items, example_of(&d->extra, 30, NULL, d->extra.answer));
        src.i = 0;
        up.action = AS_UPLOAD_UPDATE;
        up.description = NULL;
        as_upload_result res2;
        rc = as_store_dataset_upload(st, &up, &res2, err);
        if (rc == AS_OK && (res2.updated != 1 || res2.created != 1 || !res2.new_version))
            rc = as_err_set(err, AS_EINTERNAL, "demo dataset: version 2 changed %lld and "
                            "added %lld examples, expected 1 and 1",
                            (long long)res2.updated, (long long)res2.created);
    }
    json_decref(src.items);
    if (rc != AS_OK) return rc;
    *dataset_id = res.dataset_id;
    sum->examples = N_EXAMPLES;
    sum->versions = 2;
    return AS_OK;
}

/* ---- experiments ----------------------------------------------------------------------- */

/* Outcome tables (see the file comment): index = position of an example
 * in a fixed permutation. */
static bool a_correct(int pos) { return pos == 11 || pos >= 14; }
static bool b_correct(int pos) { return pos <= 11 - 1 || pos >= 14; }
static bool a_total(int pos) { return pos <= 2 || (pos >= 6 && pos <= 24); }
static bool b_total(int pos) { return (pos >= 3 && pos <= 24); }

static void permute(demo_rng *r, int *v, int n) {
    for (int i = 0; i < n; i++) v[i] = i;
    for (int i = n - 1; i > 0; i--) {
        int j = (int)(demo_rng_next(r) % (uint64_t)(i + 1));
        int t = v[i]; v[i] = v[j]; v[j] = t;
    }
}

static bool mentions_total(const char *s) { return strcasestr(s, "total") != NULL; }

typedef struct exp_ctx {
    as_store *st;
    const demo_data *d;
    json_t *examples;                   /* latest version, id order */
    int pos_c[N_EXAMPLES], pos_m[N_EXAMPLES];   /* example -> position */
    int64_t base_ns;
    demo_rng r;
} exp_ctx;

static const demo_scenario *scenario_of(const exp_ctx *c, size_t i) {
    return i < 30 ? &c->d->sc[i] : &c->d->extra;
}

static as_rc make_experiment(exp_ctx *c, char which, int64_t dataset_id, int64_t *id,
                             as_demo_summary *sum, as_err *err) {
    const json_t *x = c->d->exps;
    const json_t *outs = json_object_get(x, "outputs");
    char name[16];
    snprintf(name, sizeof(name), "prompt %c", which);
    const char *prompt = demo_str(x, which == 'A' ? "prompt_a" : "prompt_b");
    json_t *spec = json_pack("{s:s, s:s, s:{s:s, s:s, s:s, s:b}, s:i}", "name", name,
        "description", which == 'A' ? AS_DEMO_PREFIX " baseline prompt (short itinerary)"
                                    : AS_DEMO_PREFIX " structured prompt: days, places, "
                                      "stay and an estimated total",
        "metadata", "prompt", prompt, "model", demo_str(x, "model"),
        "judge_model", demo_str(x, "judge_model"), "assay_demo", 1, "repetitions", 1);
    json_t *row = NULL;
    as_rc rc = as_store_experiment_create(c->st, dataset_id, spec, &row, err);
    json_decref(spec);
    if (rc != AS_OK) return rc;
    *id = json_integer_value(json_object_get(row, "id"));
    json_decref(row);
    int64_t t = c->base_ns + (which == 'A' ? 0 : 3600LL * 1000 * MS);
    const json_t *judge = json_object_get(x, "judge");
    for (size_t i = 0; i < N_EXAMPLES && rc == AS_OK; i++) {
        const demo_scenario *s = scenario_of(c, i);
        json_t *ex = json_array_get(c->examples, i);
        int pc = c->pos_c[i], pm = c->pos_m[i];
        bool ok = which == 'A' ? a_correct(pc) : b_correct(pc);
        bool tot = which == 'A' ? a_total(pm) : b_total(pm);
        char key[24];
        snprintf(key, sizeof(key), "%c_%s%s", which == 'A' ? 'a' : 'b',
                 ok ? "correct" : "wrong", tot ? "_total" : "");
        char *out = demo_fill(demo_str(outs, key), s, NULL);
        int64_t lat = demo_rng_range(&c->r, which == 'A' ? 900 : 1600,
                                     which == 'A' ? 2600 : 4200) * MS;
        int64_t prompt_tok = (int64_t)(strlen(prompt) + strlen(s->request)) / 4 + 9;
        int64_t compl_tok = (int64_t)strlen(out) / 4 + 2;
        json_t *run = json_pack("{s:I, s:i, s:n, s:s, s:I, s:I, s:I, s:I, s:f, s:n}",
            "dataset_example_id", json_integer_value(json_object_get(ex, "id")),
            "repetition_number", 1, "trace_id", "output", out,
            "start_time", (json_int_t)t, "end_time", (json_int_t)(t + lat),
            "prompt_token_count", (json_int_t)prompt_tok,
            "completion_token_count", (json_int_t)compl_tok,
            "cost", (prompt_tok * 0.15 + compl_tok * 0.6) / 1e6, "error");
        rc = as_store_run_upsert(c->st, *id, run, &row, err);
        json_decref(run);
        int64_t run_id = 0;
        if (rc == AS_OK) { run_id = json_integer_value(json_object_get(row, "id")); json_decref(row); }
        sum->runs += rc == AS_OK;
        /* the LLM judge and the code check */
        bool has_total = mentions_total(out);
        if (rc == AS_OK && has_total != tot)
            rc = as_err_set(err, AS_EINTERNAL, "demo %s example %zu: template '%s' and "
                            "mentions_budget disagree", name, i, key);
        int64_t je = t + lat + demo_rng_range(&c->r, 700, 2400) * MS;
        if (rc == AS_OK) {
            const json_t *texts = json_object_get(judge, ok ? "correct" : "incorrect");
            char *expl = demo_fill(json_string_value(json_array_get(texts, i % 3)), s, NULL);
            json_t *ev = json_pack("{s:I, s:s, s:s, s:s, s:f, s:s, s:{s:s}, s:I, s:I}",
                "experiment_run_id", (json_int_t)run_id, "name", "correctness",
                "annotator_kind", "LLM", "label", ok ? "correct" : "incorrect",
                "score", ok ? 1.0 : 0.0, "explanation", expl,
                "metadata", "model", demo_str(x, "judge_model"),
                "start_time", (json_int_t)(t + lat), "end_time", (json_int_t)je);
            free(expl);
            rc = as_store_evaluation_upsert(c->st, ev, &row, err);
            json_decref(ev);
            if (rc == AS_OK) { json_decref(row); sum->evaluations++; }
        }
        if (rc == AS_OK) {
            json_t *ev = json_pack("{s:I, s:s, s:s, s:s, s:f, s:s, s:I, s:I}",
                "experiment_run_id", (json_int_t)run_id, "name", "mentions_budget",
                "annotator_kind", "CODE", "label", has_total ? "pass" : "fail",
                "score", has_total ? 1.0 : 0.0, "explanation",
                has_total ? "the output states a total cost" : "no total cost in the output",
                "start_time", (json_int_t)(t + lat), "end_time", (json_int_t)(t + lat + MS));
            rc = as_store_evaluation_upsert(c->st, ev, &row, err);
            json_decref(ev);
            if (rc == AS_OK) { json_decref(row); sum->evaluations++; }
        }
        free(out);
        t += lat + demo_rng_range(&c->r, 50, 400) * MS;
    }
    if (rc == AS_OK) sum->experiments++;
    return rc;
}

/* ---- labelling queue ------------------------------------------------------------------------ */

static as_rc make_queue(exp_ctx *c, as_demo_summary *sum, as_err *err) {
    json_t *spec = json_pack("{s:s, s:s, s:s, s:i, s:[s]}", "name", AS_DEMO_QUEUE,
        "description", AS_DEMO_PREFIX " check the final itineraries of the trip planner "
                       "(assay demo)",
        "instructions", "Read the request and the reference answer. Is the answer a "
                        "correct, complete itinerary for the request (days, budget, "
                        "interests)? Choose correct or incorrect; add a note when unsure.",
        "required", 2, "annotation_configs", "correctness");
    json_t *q = NULL;
    as_rc rc = as_store_queue_create(c->st, spec, &q, err);
    json_decref(spec);
    if (rc != AS_OK) return rc;
    int64_t qid = json_integer_value(json_object_get(q, "id"));
    json_decref(q);
    as_queue_target tg[N_EXAMPLES];
    int64_t items[N_EXAMPLES];
    for (size_t i = 0; i < N_EXAMPLES; i++)
        tg[i] = (as_queue_target){ AS_QITEM_EXAMPLE,
            json_integer_value(json_object_get(json_array_get(c->examples, i), "id")) };
    size_t added;
    if ((rc = as_store_queue_add_items(c->st, qid, tg, N_EXAMPLES, items, &added, err)) != AS_OK)
        return rc;
    sum->queue_items = added;
    /* alice answers items 0..14, bob 9..16; humans mostly side with the
     * prompt B judge: alice differs on items 3 and 11, bob differs from
     * alice on item 12 (a tie, left out of the judge comparison). */
    const json_t *notes = json_object_get(c->d->exps, "human_notes");
    for (int who = 0; who < 2 && rc == AS_OK; who++) {
        int from = who == 0 ? 0 : 9, to = who == 0 ? 14 : 16;
        for (int i = from; i <= to && rc == AS_OK; i++) {
            bool ok = b_correct(c->pos_c[i]);
            if (i == 3 || i == 11) ok = !ok;
            if (who == 1 && i == 12) ok = !ok;
            as_queue_answer a = { .name = "correctness", .label = ok ? "correct" : "incorrect" };
            const char *note = who == 0 && i == 3 ? json_string_value(json_array_get(notes, 0))
                             : who == 1 && i == 12 ? json_string_value(json_array_get(notes, 2))
                             : NULL;
            json_t *item = NULL;
            rc = as_store_queue_submit(c->st, qid, items[i], who == 0 ? "alice" : "bob", &a,
                                       1, note, &item, err);
            json_decref(item);
            if (rc == AS_OK) sum->queue_answers++;
        }
    }
    return rc;
}

/* ---- the whole workspace -------------------------------------------------------------------- */

as_rc as_demo_build(as_store *st, const as_demo_opts *opts, as_demo_summary *sum,
                    as_err *err) {
    memset(sum, 0, sizeof(*sum));
    int64_t now = opts && opts->now_ns ? opts->now_ns : as_now_ns();
    found f;
    as_rc rc = look(st, &f, err);
    if (rc != AS_OK) return rc;
    if (f.project || f.dataset || f.queue) {
        char what[256];
        describe(&f, what, sizeof(what));
        if (!opts || !opts->force)
            return as_err_set(err, AS_ECONFLICT, "the data directory already holds demo "
                              "data (%s); use --force to replace it", what);
        if ((rc = remove_found(st, &f, err)) != AS_OK) return rc;
        sum->replaced = true;
    }
    demo_data d;
    if ((rc = demo_data_load(&d, err)) != AS_OK) return rc;
    demo_plan *p = as_xcalloc(1, sizeof(*p));
    exp_ctx c = { .st = st, .d = &d, .r = { 0x0d15ea5eull } };
    json_t *row = NULL;
    rc = as_store_project_create(st, AS_DEMO_PROJECT, AS_DEMO_PREFIX " recorded "
                                 "trip-planner traces (assay demo)", &row, err);
    json_decref(row);
    if (rc == AS_OK) {
        demo_plan_make(p, &d, now);
        rc = demo_ingest(st, p, &d, err);
        sum->traces = DEMO_TRACES;
        sum->spans = p->spans;
        sum->sessions = p->sessions;
        sum->error_traces = p->error_traces;
    }
    if (rc == AS_OK) rc = demo_span_annotations(st, p, &d, sum, err);
    if (rc == AS_OK)
        rc = ensure_config(st, "correctness", "Is the answer a correct, complete answer to "
                           "the request?", "correct", "incorrect", &sum->configs_created, err);
    if (rc == AS_OK)
        rc = ensure_config(st, "helpfulness", "Does the answer help the user plan the trip?",
                           "helpful", "unhelpful", &sum->configs_created, err);
    int64_t dataset_id = 0, exp_a = 0, exp_b = 0;
    if (rc == AS_OK) rc = make_dataset(st, p, &d, &dataset_id, sum, err);
    if (rc == AS_OK) {
        as_example_query q = { .dataset_id = dataset_id };
        int64_t version;
        bool more;
        rc = as_store_dataset_examples(st, &q, &c.examples, &version, &more, err);
        if (rc == AS_OK && json_array_size(c.examples) != N_EXAMPLES)
            rc = as_err_set(err, AS_EINTERNAL, "demo dataset has %zu examples, expected %d",
                            json_array_size(c.examples), N_EXAMPLES);
    }
    if (rc == AS_OK) {
        demo_rng r = { 0xc0ffee11ull };
        int perm[N_EXAMPLES];
        permute(&r, perm, N_EXAMPLES);
        for (int i = 0; i < N_EXAMPLES; i++) c.pos_c[perm[i]] = i;
        permute(&r, perm, N_EXAMPLES);
        for (int i = 0; i < N_EXAMPLES; i++) c.pos_m[perm[i]] = i;
        c.base_ns = now - 5 * 3600LL * 1000 * MS;
        rc = make_experiment(&c, 'A', dataset_id, &exp_a, sum, err);
    }
    if (rc == AS_OK) rc = make_experiment(&c, 'B', dataset_id, &exp_b, sum, err);
    if (rc == AS_OK) rc = make_queue(&c, sum, err);
    json_decref(c.examples);
    free(p);
    demo_data_release(&d);
    return rc;
}
