/*
 * spec.c - the runner's task spec, its variables and its work plan (see
 * experiment.h).  Pure functions over JSON: no store, no network, so that
 * everything here is checked by unit tests and runs before any call.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "assay/alloc.h"
#include "assay/buf.h"
#include "assay/experiment.h"
#include "../eval/yamljson.h"

#define PROMPT_FILE_MAX (1u << 20)
#define EVAL_FILE_MAX (1u << 20)
#define VALUE_MAX (16u << 20)       /* one variable value as text */

/* ---- helpers ------------------------------------------------------------- */

static bool has_suffix_ci(const char *s, const char *suf) {
    size_t n = strlen(s), m = strlen(suf);
    return n >= m && strcasecmp(s + n - m, suf) == 0;
}

static bool is_spec_path(const char *s) {
    return has_suffix_ci(s, ".yaml") || has_suffix_ci(s, ".yml") || has_suffix_ci(s, ".json");
}

/* Compact JSON text of any value (heap). */
static char *json_text(const json_t *v) {
    char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    return s ? s : as_xstrdup("null");
}

/* ---- prompts --------------------------------------------------------------- */

as_rc as_task_prompt_load(const char *arg, json_t **out, as_err *err) {
    *out = NULL;
    struct stat sb;
    if (arg && is_spec_path(arg) && stat(arg, &sb) == 0) {
        json_t *doc = NULL;
        as_yj_limits lim;
        as_yj_limits_default(&lim);
        lim.max_bytes = PROMPT_FILE_MAX;
        as_rc rc = as_yamljson_load_file(arg, &lim, &doc, err);
        if (rc) return rc;
        if (json_is_string(doc)) {
            *out = json_pack("{s:O}", "template", doc);
            json_decref(doc);
            return AS_OK;
        }
        if (!json_is_object(doc)) {
            json_decref(doc);
            return as_err_set(err, AS_EINVAL, "%s: a prompt file holds an object with "
                              "\"messages\" or \"template\"", arg);
        }
        if (!json_object_get(doc, "name")) {       /* default: the file's base name */
            const char *b = strrchr(arg, '/');
            b = b ? b + 1 : arg;
            const char *dot = strrchr(b, '.');
            json_object_set_new(doc, "name", json_stringn(b, dot && dot != b ? (size_t)(dot - b)
                                                                             : strlen(b)));
        }
        *out = doc;
        return AS_OK;
    }
    if (!arg || !*arg) return as_err_set(err, AS_EINVAL, "the prompt is empty");
    if (is_spec_path(arg) && !strchr(arg, '\n') && !strchr(arg, ' '))
        return as_err_set(err, AS_ENOTFOUND, "prompt file %s: No such file or directory", arg);
    *out = json_pack("{s:s}", "template", arg);
    if (!*out) return as_err_set(err, AS_EINVAL, "the prompt is not valid UTF-8");
    return AS_OK;
}

/* ---- evaluators ------------------------------------------------------------ */

/* {"type": "code", "kind", "name"?, "params"?} or a judge template object. */
static as_rc evaluator_from_object(const json_t *obj, const char *where, as_evaluator **out,
                                   as_err *err) {
    *out = NULL;
    const char *type = json_string_value(json_object_get(obj, "type"));
    as_rc rc;
    if (type && strcmp(type, "code") == 0) {
        const char *kind = json_string_value(json_object_get(obj, "kind"));
        const char *name = json_string_value(json_object_get(obj, "name"));
        if (!kind) return as_err_set(err, AS_EINVAL, "%s: a code evaluator needs \"kind\"", where);
        json_t *params = json_object_get(obj, "params");
        char *ptext = params && !json_is_null(params)
            ? (json_is_string(params) ? as_xstrdup(json_string_value(params)) : json_text(params))
            : NULL;
        as_code_eval *c = NULL;
        rc = as_code_eval_new(kind, ptext, &c, err);
        free(ptext);
        if (rc) { as_err_prefix(err, "%s: ", where); return rc; }
        as_evaluator *e = as_xcalloc(1, sizeof *e);
        snprintf(e->name, sizeof e->name, "%s", name && *name ? name : kind);
        e->kind = AS_EVAL_CODE;
        e->code = c;
        *out = e;
        return AS_OK;
    }
    if (!json_is_string(json_object_get(obj, "name")))
        return as_err_set(err, AS_EINVAL, "%s: a judge template object needs \"name\"", where);
    char *text = json_text(obj);
    as_judge *j = NULL;
    rc = as_judge_parse_text(text, strlen(text), false, where, &j, err);
    free(text);
    if (rc) return rc;
    as_evaluator *e = as_xcalloc(1, sizeof *e);
    snprintf(e->name, sizeof e->name, "%s", as_judge_name(j));
    e->kind = AS_EVAL_JUDGE;
    e->judge = j;
    *out = e;
    return AS_OK;
}

/* One "evaluators" entry: opens it and returns its canonical form (a new
 * reference: the string, or the object - a file's content). */
static as_rc open_evaluator(const json_t *v, unsigned flags, const char *where,
                            as_evaluator **out, json_t **canon, as_err *err) {
    *out = NULL;
    *canon = NULL;
    if (json_is_object(v)) {
        as_rc rc = evaluator_from_object(v, where, out, err);
        if (rc == AS_OK) *canon = json_deep_copy(v);
        return rc;
    }
    const char *s = json_string_value(v);
    if (!s || !*s)
        return as_err_set(err, AS_EINVAL, "%s: an evaluator is a name, KIND[:ARG] or an object",
                          where);
    if (is_spec_path(s)) {
        if (!(flags & AS_TASK_FILES))
            return as_err_set(err, AS_EINVAL, "%s: '%s': evaluator files are read by the "
                              "command line only; send the template object itself", where, s);
        json_t *doc = NULL;
        as_yj_limits lim;
        as_yj_limits_default(&lim);
        lim.max_bytes = EVAL_FILE_MAX;
        as_rc rc = as_yamljson_load_file(s, &lim, &doc, err);
        if (rc) return rc;
        if (!json_is_object(doc)) {
            json_decref(doc);
            return as_err_set(err, AS_EINVAL, "%s: an evaluator file holds an object", s);
        }
        const char *type = json_string_value(json_object_get(doc, "type"));
        if (!json_object_get(doc, "name") && !(type && strcmp(type, "code") == 0)) {
            const char *b = strrchr(s, '/');
            b = b ? b + 1 : s;
            const char *dot = strrchr(b, '.');
            json_object_set_new(doc, "name", json_stringn(b, dot && dot != b ? (size_t)(dot - b)
                                                                             : strlen(b)));
        }
        rc = evaluator_from_object(doc, s, out, err);
        if (rc) { json_decref(doc); return rc; }
        *canon = doc;
        return AS_OK;
    }
    as_rc rc = as_evaluator_open(s, out, err);
    if (rc) { as_err_prefix(err, "%s: ", where); return rc; }
    *canon = json_incref((json_t *)v);
    return AS_OK;
}

/* ---- the spec ------------------------------------------------------------------ */

void as_task_spec_free(as_task_spec *t) {
    if (!t) return;
    for (size_t i = 0; i < t->n_msgs; i++) {
        free(t->msgs[i].role);
        free(t->msgs[i].content);
    }
    for (size_t i = 0; i < t->n_evaluators; i++) as_evaluator_free(t->evaluators[i]);
    free(t->model);
    free(t->judge_model);
    as_tmpl_vars_free(t->vars, t->n_vars);
    json_decref(t->json);
    free(t);
}

static as_rc add_var(as_task_spec *t, const char *name) {
    for (size_t i = 0; i < t->n_vars; i++)
        if (strcmp(t->vars[i], name) == 0) return AS_OK;
    t->vars = as_xrealloc(t->vars, (t->n_vars + 1) * sizeof *t->vars);
    t->vars[t->n_vars++] = as_xstrdup(name);
    return AS_OK;
}

static as_rc parse_prompt(as_task_spec *t, const json_t *p, json_t **canon, as_err *err) {
    json_t *msgs = NULL;
    const json_t *obj = p;
    json_t *tmp = NULL;
    if (json_is_string(p)) obj = tmp = json_pack("{s:O}", "template", p);
    if (!json_is_object(obj))
        return as_err_set(err, AS_EINVAL, "prompt: a template string or an object with "
                          "\"messages\" or \"template\"");
    json_t *tpl = json_object_get(obj, "template");
    json_t *m = json_object_get(obj, "messages");
    as_rc rc = AS_OK;
    if (tpl && m) {
        rc = as_err_set(err, AS_EINVAL, "prompt: give \"messages\" or \"template\", not both");
        goto out;
    }
    if (tpl) {
        if (!json_is_string(tpl) || !*json_string_value(tpl)) {
            rc = as_err_set(err, AS_EINVAL, "prompt.template must be a non-empty string");
            goto out;
        }
        msgs = json_pack("[{s:s,s:O}]", "role", "user", "content", tpl);
    } else if (json_is_array(m) && json_array_size(m) > 0) {
        msgs = json_array();
        size_t i;
        json_t *it;
        json_array_foreach(m, i, it) {
            json_t *role = json_object_get(it, "role"), *content = json_object_get(it, "content");
            if (!json_is_string(content)) {
                rc = as_err_set(err, AS_EINVAL, "prompt.messages[%zu].content must be a string", i);
                goto out;
            }
            const char *r = json_is_string(role) ? json_string_value(role) : NULL;
            if (!r || (strcmp(r, "system") && strcmp(r, "user") && strcmp(r, "assistant"))) {
                rc = as_err_set(err, AS_EINVAL, "prompt.messages[%zu].role must be system, "
                                "user or assistant", i);
                goto out;
            }
            json_array_append_new(msgs, json_pack("{s:s,s:O}", "role", r, "content", content));
        }
    } else {
        rc = as_err_set(err, AS_EINVAL, "prompt needs \"template\" (a string) or \"messages\" "
                        "(a non-empty array of {role, content})");
        goto out;
    }
    if (json_array_size(msgs) > AS_TASK_MAX_MESSAGES) {
        rc = as_err_set(err, AS_ETOOBIG, "prompt: at most %d messages", AS_TASK_MAX_MESSAGES);
        goto out;
    }
    /* format: explicit, else mustache when "{{" appears (as judge templates) */
    json_t *fmt = json_object_get(obj, "format");
    bool mustache = false;
    if (fmt && !json_is_null(fmt)) {
        const char *f = json_string_value(fmt);
        if (f && strcmp(f, "mustache") == 0) mustache = true;
        else if (!f || strcmp(f, "fstring") != 0) {
            rc = as_err_set(err, AS_EINVAL, "prompt.format must be fstring or mustache");
            goto out;
        }
    } else {
        size_t i;
        json_t *it;
        json_array_foreach(msgs, i, it)
            mustache |= strstr(json_string_value(json_object_get(it, "content")), "{{") != NULL;
    }
    t->format = mustache ? AS_TMPL_MUSTACHE : AS_TMPL_FSTRING;
    size_t i;
    json_t *it;
    json_array_foreach(msgs, i, it) {
        const char *content = json_string_value(json_object_get(it, "content"));
        if (strlen(content) > AS_TASK_MAX_TEXT) {
            rc = as_err_set(err, AS_ETOOBIG, "prompt.messages[%zu]: over %u bytes", i,
                            AS_TASK_MAX_TEXT);
            goto out;
        }
        char **names;
        size_t n;
        rc = as_tmpl_vars(content, t->format, &names, &n, err);
        if (rc) {
            as_err_prefix(err, "prompt.messages[%zu]: ", i);
            goto out;
        }
        for (size_t k = 0; k < n; k++) add_var(t, names[k]);
        as_tmpl_vars_free(names, n);
        t->msgs[t->n_msgs].role = as_xstrdup(json_string_value(json_object_get(it, "role")));
        t->msgs[t->n_msgs].content = as_xstrdup(content);
        t->n_msgs++;
    }
    if (!t->name[0]) {
        const char *nm = json_string_value(json_object_get(obj, "name"));
        if (nm) snprintf(t->name, sizeof t->name, "%s", nm);
    }
    *canon = json_pack("{s:O,s:s}", "messages", msgs, "format", mustache ? "mustache" : "fstring");
out:
    json_decref(msgs);
    json_decref(tmp);
    return rc;
}

static bool valid_name(const char *s) {
    if (!*s) return false;
    for (; *s; s++)
        if ((unsigned char)*s < 0x20) return false;
    return true;
}

as_rc as_task_spec_parse(const json_t *in, unsigned flags, as_task_spec **out, as_err *err) {
    *out = NULL;
    if (!json_is_object(in)) return as_err_set(err, AS_EINVAL, "the task spec must be an object");
    static const char *const known[] = {
        "name", "prompt", "model", "judge_model", "temperature", "max_tokens", "evaluators", "concurrency",
        "no_cache", "origin", NULL,
    };
    const char *key;
    json_t *val;
    json_object_foreach((json_t *)in, key, val) {
        size_t k = 0;
        while (known[k] && strcmp(known[k], key) != 0) k++;
        if (!known[k]) return as_err_set(err, AS_EINVAL, "task spec: unknown field '%s'", key);
    }
    as_task_spec *t = as_xcalloc(1, sizeof *t);
    t->concurrency = 4;
    snprintf(t->origin, sizeof t->origin, "server");
    t->json = json_object();
    as_rc rc = AS_OK;
    json_t *v;

    if ((v = json_object_get(in, "name")) && !json_is_null(v)) {
        const char *s = json_string_value(v);
        if (!s || !valid_name(s) || strlen(s) >= AS_TASK_NAME_MAX) {
            rc = as_err_set(err, AS_EINVAL, "name must be a non-empty string of at most %d "
                            "bytes", AS_TASK_NAME_MAX - 1);
            goto fail;
        }
        snprintf(t->name, sizeof t->name, "%s", s);
    }
    json_t *prompt = json_object_get(in, "prompt");
    if (!prompt) { rc = as_err_set(err, AS_EINVAL, "prompt is required"); goto fail; }
    json_t *canon = NULL;
    if ((rc = parse_prompt(t, prompt, &canon, err))) goto fail;
    json_object_set_new(t->json, "prompt", canon);
    if (!t->name[0]) snprintf(t->name, sizeof t->name, "task");
    json_object_set_new(t->json, "name", json_string(t->name));

    const char *model = json_string_value(json_object_get(in, "model"));
    if (!model || !strchr(model, ':') || strlen(model) > AS_LLM_NAME_MAX + AS_LLM_URL_MAX) {
        rc = as_err_set(err, AS_EINVAL, "model is required: \"provider:model\" (e.g. "
                        "openai:gpt-4o-mini)");
        goto fail;
    }
    t->model = as_xstrdup(model);
    json_object_set_new(t->json, "model", json_string(model));
    if ((v = json_object_get(in, "judge_model")) && !json_is_null(v)) {
        const char *jm = json_string_value(v);
        if (!jm || !strchr(jm, ':') || strlen(jm) > AS_LLM_NAME_MAX + AS_LLM_URL_MAX) {
            rc = as_err_set(err, AS_EINVAL, "judge_model must be \"provider:model\"");
            goto fail;
        }
        t->judge_model = as_xstrdup(jm);
        json_object_set_new(t->json, "judge_model", json_string(jm));
    }

    if ((v = json_object_get(in, "temperature")) && !json_is_null(v)) {
        double d = json_number_value(v);
        if (!json_is_number(v) || !(d >= 0 && d <= 2)) {
            rc = as_err_set(err, AS_EINVAL, "temperature must be a number from 0 to 2");
            goto fail;
        }
        t->has_temperature = true;
        t->temperature = d;
        json_object_set_new(t->json, "temperature", json_real(d));
    }
    if ((v = json_object_get(in, "max_tokens")) && !json_is_null(v)) {
        if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 1000000) {
            rc = as_err_set(err, AS_EINVAL, "max_tokens must be an integer from 1 to 1000000");
            goto fail;
        }
        t->max_tokens = (int)json_integer_value(v);
        json_object_set_new(t->json, "max_tokens", json_integer(t->max_tokens));
    }
    if ((v = json_object_get(in, "concurrency")) && !json_is_null(v)) {
        if (!json_is_integer(v) || json_integer_value(v) < 1 ||
            json_integer_value(v) > AS_TASK_MAX_CONCURRENCY) {
            rc = as_err_set(err, AS_EINVAL, "concurrency must be an integer from 1 to %d",
                            AS_TASK_MAX_CONCURRENCY);
            goto fail;
        }
        t->concurrency = (int)json_integer_value(v);
    }
    json_object_set_new(t->json, "concurrency", json_integer(t->concurrency));
    if ((v = json_object_get(in, "no_cache")) && !json_is_null(v)) {
        if (!json_is_boolean(v)) {
            rc = as_err_set(err, AS_EINVAL, "no_cache must be true or false");
            goto fail;
        }
        t->no_cache = json_is_true(v);
    }
    json_object_set_new(t->json, "no_cache", json_boolean(t->no_cache));
    if ((v = json_object_get(in, "origin")) && !json_is_null(v)) {
        const char *s = json_string_value(v);
        if (!s || (strcmp(s, "cli") && strcmp(s, "server"))) {
            rc = as_err_set(err, AS_EINVAL, "origin must be cli or server");
            goto fail;
        }
        snprintf(t->origin, sizeof t->origin, "%s", s);
    }
    json_object_set_new(t->json, "origin", json_string(t->origin));

    json_t *evs = json_object_get(in, "evaluators");
    if (evs && !json_is_null(evs) && !json_is_array(evs)) {
        rc = as_err_set(err, AS_EINVAL, "evaluators must be an array");
        goto fail;
    }
    if (json_array_size(evs) > AS_EVAL_MAX_EVALUATORS) {
        rc = as_err_set(err, AS_EINVAL, "at most %d evaluators", AS_EVAL_MAX_EVALUATORS);
        goto fail;
    }
    json_t *cevs = json_array();
    json_object_set_new(t->json, "evaluators", cevs);
    size_t i;
    json_array_foreach(evs, i, v) {
        char where[48];
        snprintf(where, sizeof where, "evaluators[%zu]", i);
        json_t *c = NULL;
        if ((rc = open_evaluator(v, flags, where, &t->evaluators[i], &c, err))) goto fail;
        t->n_evaluators = i + 1;
        json_array_append_new(cevs, c);
        for (size_t f = 0; f < i; f++)
            if (strcmp(t->evaluators[f]->name, t->evaluators[i]->name) == 0) {
                rc = as_err_set(err, AS_EINVAL, "two evaluators are named '%s'; give one "
                                "another name (NAME=SPEC, e.g. paris=contains:Paris)", t->evaluators[i]->name);
                goto fail;
            }
    }
    *out = t;
    return AS_OK;
fail:
    as_task_spec_free(t);
    return rc;
}

/* ---- variables ------------------------------------------------------------------ */

void as_task_vars_init(as_task_vars *v, const json_t *input, const json_t *output,
                       const char *task_output) {
    memset(v, 0, sizeof *v);
    v->input = input;
    v->output = output;
    v->task_output = task_output;
    v->latency_ms = NAN;
    v->cost_usd = NAN;
}

void as_task_vars_clear(as_task_vars *v) {
    for (size_t i = 0; i < v->n_owned; i++) free(v->owned[i]);
    v->n_owned = 0;
}

static const char *keep(as_task_vars *v, char *s) {
    if (v->n_owned == AS_ARRAY_LEN(v->owned)) {     /* full: drop the oldest */
        free(v->owned[0]);
        memmove(v->owned, v->owned + 1, (v->n_owned - 1) * sizeof *v->owned);
        v->n_owned--;
    }
    v->owned[v->n_owned++] = s;
    return s;
}

/* A value as template text: strings verbatim, others compact JSON. */
static const char *value_text(as_task_vars *v, const json_t *val) {
    if (!val || json_is_null(val)) return NULL;
    if (json_is_string(val)) return json_string_value(val);
    return keep(v, json_text(val));
}

static bool empty(const json_t *o) {
    return !o || json_is_null(o) || (json_is_object(o) && json_object_size(o) == 0);
}

/* The whole input/output as one value: field `pref`, else the only
 * field, else the JSON text. */
static const char *collapse(as_task_vars *v, const json_t *o, const char *pref) {
    if (empty(o)) return NULL;
    if (!json_is_object(o)) return value_text(v, o);
    const json_t *f = json_object_get(o, pref);
    if (f) return value_text(v, f);
    if (json_object_size(o) == 1) {
        void *it = json_object_iter((json_t *)o);
        return value_text(v, json_object_iter_value(it));
    }
    return keep(v, json_text(o));
}

const char *as_task_var(void *ud, const char *name) {
    as_task_vars *v = ud;
    if (strcmp(name, "output") == 0 && v->task_output) return v->task_output;
    if (strcmp(name, "input") == 0) return collapse(v, v->input, "input");
    if (strcmp(name, "reference") == 0 || strcmp(name, "expected") == 0)
        return collapse(v, v->output, "output");
    if (strcmp(name, "latency_ms") == 0 || strcmp(name, "cost_usd") == 0) {
        double d = name[0] == 'l' ? v->latency_ms : v->cost_usd;
        if (isnan(d)) return NULL;
        char buf[64];
        snprintf(buf, sizeof buf, "%.17g", d);
        return keep(v, as_xstrdup(buf));
    }
    if (strncmp(name, "input.", 6) == 0)
        return value_text(v, json_object_get(v->input, name + 6));
    if (strncmp(name, "reference.", 10) == 0)
        return value_text(v, json_object_get(v->output, name + 10));
    if (strncmp(name, "expected.", 9) == 0)
        return value_text(v, json_object_get(v->output, name + 9));
    const json_t *f = json_object_get(v->input, name);
    if (f) return value_text(v, f);
    return value_text(v, json_object_get(v->output, name));
}

/* "question, context" - the fields of an object, for messages. */
static void field_list(const json_t *o, char *buf, size_t cap) {
    size_t used = 0;
    buf[0] = '\0';
    const char *k;
    json_t *val;
    json_object_foreach((json_t *)o, k, val) {
        int w = snprintf(buf + used, cap - used, "%s%s", used ? ", " : "", k);
        if (w < 0 || (size_t)w >= cap - used) break;
        used += (size_t)w;
    }
    if (!used) snprintf(buf, cap, "none");
}

as_rc as_task_check_example(const as_task_spec *t, const json_t *ex, as_err *err) {
    const json_t *in = json_object_get(ex, "input");
    const json_t *outv = json_object_get(ex, "output");
    json_int_t id = json_integer_value(json_object_get(ex, "id"));
    as_task_vars v;
    as_task_vars_init(&v, in, outv, NULL);
    as_rc rc = AS_OK;
    char fields[512];
    for (size_t i = 0; i < t->n_vars && rc == AS_OK; i++) {
        if (strcmp(t->vars[i], "output") == 0) {
            rc = as_err_set(err, AS_EINVAL, "prompt: variable 'output' is the task's own "
                            "output; use an input field");
        } else if (!as_task_var(&v, t->vars[i])) {
            field_list(in, fields, sizeof fields);
            rc = as_err_set(err, AS_EINVAL, "prompt: variable '%s' is not in the input of "
                            "example %lld (its input fields: %s)", t->vars[i],
                            (long long)id, fields);
        }
    }
    /* evaluators: output, latency_ms and cost_usd come from the task */
    as_task_vars_clear(&v);
    as_task_vars_init(&v, in, outv, "");
    v.latency_ms = v.cost_usd = 0;
    for (size_t e = 0; e < t->n_evaluators && rc == AS_OK; e++) {
        const char *const *names;
        size_t n = as_evaluator_vars(t->evaluators[e], &names);
        for (size_t k = 0; k < n && rc == AS_OK; k++) {
            if (as_task_var(&v, names[k])) continue;
            char ofields[256];
            field_list(in, fields, sizeof fields);
            field_list(empty(outv) ? NULL : outv, ofields, sizeof ofields);
            rc = as_err_set(err, AS_EINVAL, "evaluator %s: variable '%s' has no value for "
                            "example %lld (input fields: %s; output fields: %s)",
                            t->evaluators[e]->name, names[k], (long long)id, fields, ofields);
        }
    }
    as_task_vars_clear(&v);
    return rc;
}

as_rc as_task_render(const as_task_spec *t, as_task_vars *v, as_llm_msg *msgs, as_err *err) {
    for (size_t i = 0; i < t->n_msgs; i++) {
        char *text = NULL;
        as_rc rc = as_tmpl_render(t->msgs[i].content, t->format, as_task_var, v, &text, err);
        if (rc) {
            as_task_msgs_free(msgs, i);
            as_err_prefix(err, "prompt.messages[%zu]: ", i);
            return rc;
        }
        msgs[i].role = t->msgs[i].role;
        msgs[i].content = text;
    }
    return AS_OK;
}

void as_task_msgs_free(as_llm_msg *msgs, size_t n) {
    for (size_t i = 0; i < n; i++) {
        free((char *)msgs[i].content);
        msgs[i].content = NULL;
    }
}

/* ---- the plan ---------------------------------------------------------------- */

static void push_item(as_task_item **items, size_t *n, const as_task_item *it) {
    if (*n == 0 || (*n >= 16 && (*n & (*n - 1)) == 0)) {   /* capacity: 16, 32, 64... */
        size_t cap = *n ? *n * 2 : 16;
        *items = as_xrealloc(*items, cap * sizeof **items);
    }
    (*items)[(*n)++] = *it;
}

void as_task_items_free(as_task_item *items, size_t n) {
    for (size_t i = 0; i < n; i++) {
        json_decref(items[i].example);
        json_decref(items[i].run);
    }
    free(items);
}

as_rc as_task_plan_runs(const json_t *rows, int repetitions, const as_task_spec *t,
                        as_task_item **items, size_t *n, int64_t *last_example, as_err *err) {
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row) {
        json_t *ex = json_object_get(row, "example");
        json_t *reps = json_object_get(row, "repetition_numbers");
        json_int_t id = json_integer_value(json_object_get(ex, "id"));
        if (!json_is_object(ex) || id <= 0 || !json_is_array(reps))
            return as_err_set(err, AS_EINTERNAL, "incomplete runs[%zu]: no example or "
                              "repetition_numbers", i);
        if (id <= *last_example)
            return as_err_set(err, AS_EINTERNAL, "incomplete runs[%zu]: example %lld out of "
                              "order", i, (long long)id);
        *last_example = id;
        uint64_t seen[(AS_EVAL_MAX_REPEAT + 64) / 64] = { 0 };
        size_t k;
        json_t *r;
        json_array_foreach(reps, k, r) {
            json_int_t rep = json_integer_value(r);
            if (!json_is_integer(r) || rep < 1 || rep > repetitions || rep > AS_EVAL_MAX_REPEAT)
                return as_err_set(err, AS_EINTERNAL, "example %lld: repetition %lld out of "
                                  "1..%d", (long long)id, (long long)rep, repetitions);
            if (seen[rep / 64] >> (rep % 64) & 1) continue;
            seen[rep / 64] |= 1ull << (rep % 64);
            as_task_item it = { .example = json_incref(ex), .repetition = (int)rep };
            for (size_t e = 0; e < t->n_evaluators; e++) it.want[e] = true;
            push_item(items, n, &it);
        }
    }
    return AS_OK;
}

as_rc as_task_plan_evals(const json_t *rows, const as_task_spec *t, as_task_item **items,
                         size_t *n, int64_t *last_run, as_err *err) {
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row) {
        json_t *run = json_object_get(row, "run");
        json_t *ex = json_object_get(row, "example");
        json_t *names = json_object_get(row, "evaluation_names");
        json_int_t id = json_integer_value(json_object_get(run, "id"));
        if (!json_is_object(run) || !json_is_object(ex) || id <= 0 || !json_is_array(names))
            return as_err_set(err, AS_EINTERNAL, "incomplete evaluations[%zu]: no run, "
                              "example or evaluation_names", i);
        if (id <= *last_run)
            return as_err_set(err, AS_EINTERNAL, "incomplete evaluations[%zu]: run %lld out "
                              "of order", i, (long long)id);
        *last_run = id;
        as_task_item it = { 0 };
        bool any = false;
        size_t k;
        json_t *nm;
        json_array_foreach(names, k, nm) {
            const char *s = json_string_value(nm);
            for (size_t e = 0; s && e < t->n_evaluators; e++)
                if (strcmp(t->evaluators[e]->name, s) == 0) any = it.want[e] = true;
        }
        if (!any) continue;
        it.example = json_incref(ex);
        it.run = json_incref(run);
        it.repetition = (int)json_integer_value(json_object_get(run, "repetition_number"));
        push_item(items, n, &it);
    }
    return AS_OK;
}
