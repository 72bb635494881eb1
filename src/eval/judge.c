/*
 * judge.c - LLM-as-a-judge templates: loading, prompts, verdicts.
 *
 * A judge is "a role, a task, the context with {variables}, and the labels
 * (rails) that define good and bad".  The model answers with a label -
 * never a number - and the label maps to a score here, in code.  This
 * file turns a template file (YAML or JSON, or a built-in compiled into
 * the binary from src/eval/templates/) into an immutable as_judge, renders
 * it for one row into chat messages plus the answer format (a forced
 * record_label tool call, a JSON schema, or plain text), and turns the
 * model's answer back into a verdict.  Answer parsing never fails: what
 * is not exactly one rail is NOT_PARSABLE.
 *
 * A loaded judge is never modified, so one judge serves any number of
 * threads rendering and parsing at once.  Substitution itself is in
 * tmpl.c, YAML in yamljson.c; docs/evaluators.md is the user's view.
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assay/alloc.h"
#include "assay/buf.h"
#include "assay/embed.h"
#include "assay/eval.h"
#include "yamljson.h"
#include "../llm/wire.h"

#define JUDGE_FILE_MAX (1u << 20)      /* a template file                 */
#define JUDGE_MAX_RAILS 64
#define JUDGE_MAX_EXAMPLES 64
#define JUDGE_NAME_MAX 64              /* as_evaluator.name               */
#define JUDGE_PROMPT_MAX (128u << 20)  /* one rendered user message       */
#define JUDGE_TOOL_NAME "record_label"

typedef struct judge_example {
    char *text;           /* the context rendered with the example's values */
    size_t rail;
    char *explanation;    /* or NULL */
} judge_example;

struct as_judge {
    char *name;
    char *description;    /* or NULL */
    char *role;           /* or NULL */
    char *task;
    char *context;        /* or NULL when the task holds the variables */
    as_tmpl_format fmt;
    as_rail *rails;
    const char **labels;  /* rails[i].label, for as_snap_to_rail */
    bool *pass;
    size_t n_rails;
    bool explanation;
    judge_example *examples;
    size_t n_examples;
    char **vars;
    size_t n_vars;
    char *schema;         /* the structured answer's JSON schema, built once */
};

/* ---- small helpers ------------------------------------------------------ */

static char lower(char c) { return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c; }

static bool ieq(const char *a, const char *b) {
    for (; *a && *b; a++, b++)
        if (lower(*a) != lower(*b)) return false;
    return *a == *b;
}

static bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* A heap copy of s[0..n) without surrounding characters from `strip`;
 * NULL when nothing is left. */
static char *trimmed_dup(const char *s, size_t n, const char *strip) {
    while (n > 0 && strchr(strip, s[0]) && s[0]) { s++; n--; }
    while (n > 0 && strchr(strip, s[n - 1]) && s[n - 1]) n--;
    return n ? as_xstrndup(s, n) : NULL;
}

/* Case-insensitive search for needle (ASCII) in s; last = the last one. */
static const char *ifind(const char *s, const char *needle, bool last) {
    size_t n = strlen(needle);
    const char *hit = NULL;
    for (const char *p = s; *p; p++) {
        size_t i = 0;
        while (i < n && p[i] && lower(p[i]) == lower(needle[i])) i++;
        if (i == n) {
            hit = p;
            if (!last) break;
        }
    }
    return hit;
}

static as_rc ferr(as_err *err, as_rc rc, const char *origin, const char *field,
                  const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* "origin: field: message" */
static as_rc ferr(as_err *err, as_rc rc, const char *origin, const char *field,
                  const char *fmt, ...) {
    char msg[AS_ERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (field) return as_err_set(err, rc, "%s: %s: %s", origin, field, msg);
    return as_err_set(err, rc, "%s: %s", origin, msg);
}

/* "a, b, c" of the rails, into buf. */
static void label_list(const as_judge *j, char *buf, size_t cap) {
    size_t k = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < j->n_rails && k < cap; i++) {
        int w = snprintf(buf + k, cap - k, "%s%s", i ? ", " : "", j->rails[i].label);
        if (w < 0) break;
        k += (size_t)w;
    }
}

static int find_rail_ci(const as_judge *j, const char *label) {
    for (size_t i = 0; i < j->n_rails; i++)
        if (ieq(j->rails[i].label, label)) return (int)i;
    return -1;
}

/* ---- lifecycle ---------------------------------------------------------- */

void as_judge_free(as_judge *j) {
    if (!j) return;
    free(j->name);
    free(j->description);
    free(j->role);
    free(j->task);
    free(j->context);
    for (size_t i = 0; i < j->n_rails; i++) {
        free(j->rails[i].label);
        free(j->rails[i].description);
    }
    free(j->rails);
    free(j->labels);
    free(j->pass);
    for (size_t i = 0; i < j->n_examples; i++) {
        free(j->examples[i].text);
        free(j->examples[i].explanation);
    }
    free(j->examples);
    as_tmpl_vars_free(j->vars, j->n_vars);
    free(j->schema);
    free(j);
}

const char *as_judge_name(const as_judge *j) { return j->name; }
const char *as_judge_description(const as_judge *j) { return j->description; }

size_t as_judge_vars(const as_judge *j, const char *const **names) {
    if (names) *names = (const char *const *)j->vars;
    return j->n_vars;
}

size_t as_judge_rails(const as_judge *j, const as_rail **rails) {
    if (rails) *rails = j->rails;
    return j->n_rails;
}

bool as_judge_is_pass(const as_judge *j, const char *label) {
    if (!label) return false;
    int i = find_rail_ci(j, label);
    return i >= 0 && j->pass[i];
}

/* ---- loading ------------------------------------------------------------ */

static const char *const k_fields[] = {
    "name", "description", "role", "task", "context", "format",
    "labels", "explanation", "pass", "examples",
};

typedef struct loader {
    const char *origin;
    as_err *err;
    as_judge *j;
} loader;

/* An optional string field: *out is NULL when absent (or only blanks). */
static as_rc opt_text(loader *L, json_t *root, const char *field, char **out) {
    json_t *v = json_object_get(root, field);
    *out = NULL;
    if (!v || json_is_null(v)) return AS_OK;
    if (!json_is_string(v))
        return ferr(L->err, AS_EINVAL, L->origin, field, "must be a string");
    *out = trimmed_dup(json_string_value(v), json_string_length(v), " \t\r\n");
    return AS_OK;
}

static bool valid_judge_name(const char *s) {
    size_t n = strlen(s);
    if (n == 0 || n >= JUDGE_NAME_MAX) return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.'))
            return false;
    }
    return true;
}

/* "{{" then blanks then an identifier start somewhere in s. */
static bool looks_mustache(const char *s) {
    if (!s) return false;
    for (const char *p = strstr(s, "{{"); p; p = strstr(p + 1, "{{")) {
        const char *q = p + 2;
        while (*q == ' ' || *q == '\t') q++;
        if ((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') || *q == '_') return true;
    }
    return false;
}

/* Append the variables of text (field name for messages) to the judge's. */
static as_rc collect_vars(loader *L, const char *text, const char *field) {
    if (!text) return AS_OK;
    char **names;
    size_t n;
    as_rc rc = as_tmpl_vars(text, L->j->fmt, &names, &n, L->err);
    if (rc != AS_OK) {
        as_err_prefix(L->err, "%s: %s: ", L->origin, field);
        return rc;
    }
    as_judge *j = L->j;
    for (size_t i = 0; i < n; i++) {
        bool seen = false;
        for (size_t k = 0; k < j->n_vars && !seen; k++) seen = strcmp(j->vars[k], names[i]) == 0;
        if (seen) continue;
        j->vars = as_xrealloc(j->vars, (j->n_vars + 1) * sizeof *j->vars);
        j->vars[j->n_vars++] = as_xstrdup(names[i]);
    }
    as_tmpl_vars_free(names, n);
    return AS_OK;
}

static as_rc load_rail(loader *L, json_t *item, size_t i, as_rail *r) {
    char field[32];
    snprintf(field, sizeof field, "labels[%zu]", i);
    if (!json_is_object(item))
        return ferr(L->err, AS_EINVAL, L->origin, field,
                    "must be a mapping with label, score and description");
    const char *key;
    json_t *v;
    json_object_foreach(item, key, v) {
        if (strcmp(key, "label") && strcmp(key, "score") && strcmp(key, "description"))
            return ferr(L->err, AS_EINVAL, L->origin, field,
                        "unknown field '%s' (known: label, score, description)", key);
    }
    v = json_object_get(item, "label");
    if (!v) return ferr(L->err, AS_EINVAL, L->origin, field, "label missing");
    if (!json_is_string(v))
        return ferr(L->err, AS_EINVAL, L->origin, field, "label must be a string");
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    if (n == 0) return ferr(L->err, AS_EINVAL, L->origin, field, "label must not be empty");
    if (n >= AS_LABEL_MAX)
        return ferr(L->err, AS_EINVAL, L->origin, field,
                    "label is longer than %d bytes", AS_LABEL_MAX - 1);
    for (size_t k = 0; k < n; k++)
        if ((unsigned char)s[k] < 0x20 || s[k] == 0x7f)
            return ferr(L->err, AS_EINVAL, L->origin, field,
                        "label must be one line without control characters");
    if (is_space(s[0]) || is_space(s[n - 1]))
        return ferr(L->err, AS_EINVAL, L->origin, field,
                    "label '%s' must not start or end with spaces", s);
    if (ieq(s, AS_NOT_PARSABLE))
        return ferr(L->err, AS_EINVAL, L->origin, field, "'%s' is reserved", s);
    for (size_t k = 0; k < i; k++)
        if (ieq(L->j->rails[k].label, s))
            return ferr(L->err, AS_ECONFLICT, L->origin, field,
                        "'%s' repeats labels[%zu] ('%s'); labels must differ in more "
                        "than case", s, k, L->j->rails[k].label);
    v = json_object_get(item, "score");
    if (!v)
        return ferr(L->err, AS_EINVAL, L->origin, field,
                    "score missing (the number label '%s' maps to)", s);
    if (!json_is_number(v))
        return ferr(L->err, AS_EINVAL, L->origin, field, "score must be a number");
    double score = json_number_value(v);
    if (!isfinite(score))
        return ferr(L->err, AS_EINVAL, L->origin, field, "score must be finite");
    json_t *d = json_object_get(item, "description");
    if (d && !json_is_null(d) && !json_is_string(d))
        return ferr(L->err, AS_EINVAL, L->origin, field, "description must be a string");
    r->label = as_xstrndup(s, n);
    r->score = score;
    r->description = json_is_string(d)
        ? trimmed_dup(json_string_value(d), json_string_length(d), " \t\r\n") : NULL;
    return AS_OK;
}

static as_rc load_rails(loader *L, json_t *root) {
    json_t *labels = json_object_get(root, "labels");
    as_judge *j = L->j;
    if (!labels)
        return ferr(L->err, AS_EINVAL, L->origin, "labels",
                    "missing (at least two labels, e.g. {label: good, score: 1})");
    if (!json_is_array(labels) || json_array_size(labels) < 2)
        return ferr(L->err, AS_EINVAL, L->origin, "labels",
                    "must be a list of at least two labels");
    size_t n = json_array_size(labels);
    if (n > JUDGE_MAX_RAILS)
        return ferr(L->err, AS_ETOOBIG, L->origin, "labels",
                    "more than %d labels", JUDGE_MAX_RAILS);
    j->rails = as_xcalloc(n, sizeof *j->rails);
    j->labels = as_xcalloc(n, sizeof *j->labels);
    j->pass = as_xcalloc(n, sizeof *j->pass);
    for (size_t i = 0; i < n; i++) {
        as_rc rc = load_rail(L, json_array_get(labels, i), i, &j->rails[i]);
        if (rc != AS_OK) return rc;
        j->labels[i] = j->rails[i].label;
        j->n_rails = i + 1;
    }
    return AS_OK;
}

static as_rc load_pass(loader *L, json_t *root) {
    as_judge *j = L->j;
    json_t *p = json_object_get(root, "pass");
    if (!p || json_is_null(p)) {
        for (size_t i = 0; i < j->n_rails; i++) j->pass[i] = j->rails[i].score >= 0.5;
        return AS_OK;
    }
    json_t *one = NULL;
    if (json_is_string(p)) {
        one = json_array();
        json_array_append(one, p);
        p = one;
    }
    as_rc rc = AS_OK;
    char list[AS_ERR_MSG_MAX / 2];
    label_list(j, list, sizeof list);
    if (!json_is_array(p) || json_array_size(p) == 0) {
        rc = ferr(L->err, AS_EINVAL, L->origin, "pass",
                  "must list the labels that count as a pass (some of: %s)", list);
        goto out;
    }
    for (size_t i = 0; i < json_array_size(p); i++) {
        json_t *v = json_array_get(p, i);
        char field[32];
        snprintf(field, sizeof field, "pass[%zu]", i);
        int r = json_is_string(v) ? find_rail_ci(j, json_string_value(v)) : -1;
        if (!json_is_string(v)) {
            rc = ferr(L->err, AS_EINVAL, L->origin, field, "must be a label (one of: %s)", list);
            goto out;
        }
        if (r < 0) {
            rc = ferr(L->err, AS_EINVAL, L->origin, field,
                      "'%s' is not one of the labels (%s)", json_string_value(v), list);
            goto out;
        }
        j->pass[r] = true;
    }
out:
    json_decref(one);
    return rc;
}

/* Variables of one example, for the lookup callback. */
typedef struct example_vars {
    const char *names[64];
    char *values[64];
    size_t n;
} example_vars;

static const char *example_var(void *ud, const char *name) {
    example_vars *ev = ud;
    for (size_t i = 0; i < ev->n; i++)
        if (strcmp(ev->names[i], name) == 0) return ev->values[i];
    return NULL;
}

static char *value_text(json_t *v) {
    if (json_is_string(v)) return as_xstrndup(json_string_value(v), json_string_length(v));
    if (json_is_null(v)) return as_xstrdup("");
    char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    char *copy = as_xstrdup(s ? s : "");
    free(s);
    return copy;
}

static as_rc load_example(loader *L, json_t *item, size_t i, char **ctx_vars,
                          size_t n_ctx_vars, judge_example *ex) {
    as_judge *j = L->j;
    char field[32], list[AS_ERR_MSG_MAX / 2];
    snprintf(field, sizeof field, "examples[%zu]", i);
    if (!json_is_object(item))
        return ferr(L->err, AS_EINVAL, L->origin, field,
                    "must be a mapping of the variables, label and explanation");
    json_t *lab = json_object_get(item, "label");
    label_list(j, list, sizeof list);
    if (!lab) return ferr(L->err, AS_EINVAL, L->origin, field, "label missing (one of: %s)", list);
    if (!json_is_string(lab))
        return ferr(L->err, AS_EINVAL, L->origin, field, "label must be a string");
    int r = find_rail_ci(j, json_string_value(lab));
    if (r < 0)
        return ferr(L->err, AS_EINVAL, L->origin, field, "label '%s' is not one of the labels (%s)",
                    json_string_value(lab), list);
    json_t *ex_expl = json_object_get(item, "explanation");
    if (ex_expl && !json_is_null(ex_expl) && !json_is_string(ex_expl))
        return ferr(L->err, AS_EINVAL, L->origin, field, "explanation must be a string");

    example_vars ev = { .n = 0 };
    const char *key;
    json_t *v;
    as_rc rc = AS_OK;
    json_object_foreach(item, key, v) {
        if (!strcmp(key, "label") || !strcmp(key, "explanation")) continue;
        bool known = false;
        for (size_t k = 0; k < n_ctx_vars && !known; k++) known = !strcmp(ctx_vars[k], key);
        if (!known) {
            char vars[AS_ERR_MSG_MAX / 2];
            size_t w = 0;
            vars[0] = '\0';
            for (size_t k = 0; k < n_ctx_vars && w < sizeof vars; k++) {
                int m = snprintf(vars + w, sizeof vars - w, "%s%s", k ? ", " : "", ctx_vars[k]);
                if (m < 0) break;
                w += (size_t)m;
            }
            rc = ferr(L->err, AS_EINVAL, L->origin, field,
                      "'%s' is not a variable of the context (%s)", key, vars);
            goto out;
        }
        ev.names[ev.n] = key;             /* n <= n_ctx_vars <= 64 here */
        ev.values[ev.n++] = value_text(v);
    }
    rc = as_tmpl_render(j->context, j->fmt, example_var, &ev, &ex->text, L->err);
    if (rc != AS_OK) {
        as_err_prefix(L->err, "%s: %s: ", L->origin, field);
        goto out;
    }
    ex->rail = (size_t)r;
    ex->explanation = json_is_string(ex_expl)
        ? trimmed_dup(json_string_value(ex_expl), json_string_length(ex_expl), " \t\r\n")
        : NULL;
    /* the rendered text is shown inside the prompt: keep it tidy */
    char *t = trimmed_dup(ex->text, strlen(ex->text), " \t\r\n");
    free(ex->text);
    ex->text = t ? t : as_xstrdup("");
out:
    for (size_t k = 0; k < ev.n; k++) free(ev.values[k]);
    return rc;
}

static as_rc load_examples(loader *L, json_t *root) {
    as_judge *j = L->j;
    json_t *exs = json_object_get(root, "examples");
    if (!exs || json_is_null(exs)) return AS_OK;
    if (!json_is_array(exs))
        return ferr(L->err, AS_EINVAL, L->origin, "examples", "must be a list of examples");
    size_t n = json_array_size(exs);
    if (n == 0) return AS_OK;
    if (n > JUDGE_MAX_EXAMPLES)
        return ferr(L->err, AS_ETOOBIG, L->origin, "examples", "more than %d examples",
                    JUDGE_MAX_EXAMPLES);
    if (!j->context)
        return ferr(L->err, AS_EINVAL, L->origin, "examples",
                    "need a context (the examples are shown through it)");
    char **ctx_vars;
    size_t n_ctx;
    as_rc rc = as_tmpl_vars(j->context, j->fmt, &ctx_vars, &n_ctx, L->err);
    if (rc != AS_OK) return rc;        /* checked before: cannot happen */
    if (n_ctx > 64) {
        as_tmpl_vars_free(ctx_vars, n_ctx);
        return ferr(L->err, AS_ETOOBIG, L->origin, "examples",
                    "a context with more than 64 variables cannot have examples");
    }
    j->examples = as_xcalloc(n, sizeof *j->examples);
    for (size_t i = 0; i < n && rc == AS_OK; i++) {
        rc = load_example(L, json_array_get(exs, i), i, ctx_vars, n_ctx, &j->examples[i]);
        if (rc == AS_OK) j->n_examples = i + 1;
        else { free(j->examples[i].text); j->examples[i].text = NULL; }
    }
    as_tmpl_vars_free(ctx_vars, n_ctx);
    return rc;
}

static as_rc load_fields(loader *L, json_t *root, const char *default_name) {
    as_judge *j = L->j;
    if (!json_is_object(root))
        return ferr(L->err, AS_EINVAL, L->origin, NULL,
                    "expected a mapping of fields (name, role, task, context, labels, ...)");
    const char *key;
    json_t *v;
    json_object_foreach(root, key, v) {
        bool known = false;
        for (size_t i = 0; i < AS_ARRAY_LEN(k_fields) && !known; i++)
            known = strcmp(key, k_fields[i]) == 0;
        if (!known)
            return ferr(L->err, AS_EINVAL, L->origin, NULL,
                        "unknown field '%s' (fields: name, description, role, task, "
                        "context, format, labels, explanation, pass, examples)", key);
    }

    as_rc rc = opt_text(L, root, "name", &j->name);
    if (rc != AS_OK) return rc;
    if (!j->name) {
        j->name = as_xstrdup(default_name);
        if (!valid_judge_name(j->name))
            return ferr(L->err, AS_EINVAL, L->origin, "name",
                        "missing, and '%s' (from the file name) is not a valid name "
                        "(1 to 63 letters, digits, '_', '-' or '.')", j->name);
    } else if (!valid_judge_name(j->name)) {
        return ferr(L->err, AS_EINVAL, L->origin, "name",
                    "'%s' is not a valid name (1 to 63 letters, digits, '_', '-' or '.')",
                    j->name);
    }
    if ((rc = opt_text(L, root, "description", &j->description)) != AS_OK) return rc;
    if ((rc = opt_text(L, root, "role", &j->role)) != AS_OK) return rc;
    if ((rc = opt_text(L, root, "task", &j->task)) != AS_OK) return rc;
    if ((rc = opt_text(L, root, "context", &j->context)) != AS_OK) return rc;
    if (!j->task)
        return ferr(L->err, AS_EINVAL, L->origin, "task",
                    json_object_get(root, "task") ? "must not be empty"
                                                  : "missing (what the judge must decide)");

    json_t *f = json_object_get(root, "format");
    if (f && !json_is_null(f)) {
        const char *s = json_is_string(f) ? json_string_value(f) : "";
        if (!strcmp(s, "fstring") || !strcmp(s, "f-string")) j->fmt = AS_TMPL_FSTRING;
        else if (!strcmp(s, "mustache")) j->fmt = AS_TMPL_MUSTACHE;
        else return ferr(L->err, AS_EINVAL, L->origin, "format",
                         "must be fstring or mustache");
    } else {
        j->fmt = (looks_mustache(j->role) || looks_mustache(j->task) ||
                  looks_mustache(j->context)) ? AS_TMPL_MUSTACHE : AS_TMPL_FSTRING;
    }
    if ((rc = collect_vars(L, j->role, "role")) != AS_OK) return rc;
    if ((rc = collect_vars(L, j->task, "task")) != AS_OK) return rc;
    size_t task_vars = j->n_vars;
    if (!j->context && task_vars == 0)
        return ferr(L->err, AS_EINVAL, L->origin, "context",
                    "missing (the data to judge, with variables such as %s)",
                    j->fmt == AS_TMPL_MUSTACHE ? "{{output}}" : "{output}");
    if ((rc = collect_vars(L, j->context, "context")) != AS_OK) return rc;
    if (j->n_vars == 0)
        return ferr(L->err, AS_EINVAL, L->origin, "context",
                    "uses no variables: the judge would see the same text for every row");

    if ((rc = load_rails(L, root)) != AS_OK) return rc;

    json_t *e = json_object_get(root, "explanation");
    if (e && !json_is_null(e) && !json_is_boolean(e))
        return ferr(L->err, AS_EINVAL, L->origin, "explanation", "must be true or false");
    j->explanation = !e || json_is_null(e) || json_is_true(e);

    if ((rc = load_pass(L, root)) != AS_OK) return rc;
    return load_examples(L, root);
}

static char *build_schema(const as_judge *j);

static as_rc judge_from_json(json_t *root, const char *origin, const char *default_name,
                             as_judge **out, as_err *err) {
    loader L = { .origin = origin, .err = err, .j = as_xcalloc(1, sizeof(as_judge)) };
    as_rc rc = load_fields(&L, root, default_name);
    if (rc != AS_OK) {
        as_judge_free(L.j);
        return rc;
    }
    L.j->schema = build_schema(L.j);
    *out = L.j;
    return AS_OK;
}

static void limits(as_yj_limits *l) {
    as_yj_limits_default(l);
    l->max_bytes = JUDGE_FILE_MAX;
    l->max_nodes = 100000;
    l->max_expanded = 4u * JUDGE_FILE_MAX;
}

/* "dir/tone.yaml" -> "tone" */
static void base_name(const char *path, char *out, size_t cap) {
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    const char *dot = strrchr(b, '.');
    size_t n = dot && dot != b ? (size_t)(dot - b) : strlen(b);
    if (n >= cap) n = cap - 1;
    memcpy(out, b, n);
    out[n] = '\0';
}

as_rc as_judge_parse_text(const char *text, size_t n, bool yaml, const char *origin,
                          as_judge **out, as_err *err) {
    *out = NULL;
    if (!origin) origin = "template";
    as_yj_limits l;
    limits(&l);
    json_t *root;
    as_rc rc = yaml ? as_yaml_to_json(text, n, origin, &l, &root, err)
                    : as_json_parse_limited(text, n, origin, &l, &root, err);
    if (rc != AS_OK) return rc;
    char name[256];
    base_name(origin, name, sizeof name);
    rc = judge_from_json(root, origin, name, out, err);
    json_decref(root);
    return rc;
}

as_rc as_judge_load(const char *path, as_judge **out, as_err *err) {
    *out = NULL;
    bool yaml = as_yamljson_is_yaml_path(path);
    size_t len = strlen(path);
    if (!yaml && !(len >= 5 && ieq(path + len - 5, ".json")))
        return as_err_set(err, AS_EINVAL,
                          "%s: a judge template must be a .yaml, .yml or .json file", path);
    char *text;
    size_t n;
    as_rc rc = as_yamljson_read_file(path, JUDGE_FILE_MAX, &text, &n, err);
    if (rc != AS_OK) return rc;
    rc = as_judge_parse_text(text, n, yaml, path, out, err);
    free(text);
    return rc;
}

/* ---- built-ins ---------------------------------------------------------- */

#define JUDGE_MAX_BUILTINS 64
static char builtin_store[JUDGE_MAX_BUILTINS][JUDGE_NAME_MAX];
static const char *builtin_names[JUDGE_MAX_BUILTINS + 1];
static pthread_once_t builtin_once = PTHREAD_ONCE_INIT;

static void builtin_init(void) {
    size_t k = 0;
    for (const as_embed_file *f = as_embed_templates; f->name && k < JUDGE_MAX_BUILTINS; f++) {
        size_t n = strlen(f->name);
        if (n <= 5 || strcmp(f->name + n - 5, ".yaml") != 0 || n - 5 >= JUDGE_NAME_MAX)
            continue;
        memcpy(builtin_store[k], f->name, n - 5);
        builtin_store[k][n - 5] = '\0';
        builtin_names[k] = builtin_store[k];
        k++;
    }
    builtin_names[k] = NULL;
}

const char *const *as_judge_builtin_names(void) {
    pthread_once(&builtin_once, builtin_init);
    return builtin_names;
}

as_rc as_judge_builtin(const char *name, as_judge **out, as_err *err) {
    *out = NULL;
    const char *const *names = as_judge_builtin_names();
    for (size_t i = 0; names[i]; i++) {
        if (strcmp(names[i], name) != 0) continue;
        char file[JUDGE_NAME_MAX + 8];
        snprintf(file, sizeof file, "%s.yaml", name);
        const as_embed_file *f = as_embed_find(as_embed_templates, file);
        if (!f) break;
        return as_judge_parse_text((const char *)f->data, f->len, true, file, out, err);
    }
    as_buf b;
    as_buf_init(&b, 400);
    for (size_t i = 0; names[i]; i++)
        if (as_buf_printf(&b, "%s%s", i ? ", " : "", names[i]) != AS_OK) break;
    as_err_set(err, AS_ENOTFOUND, "no built-in judge '%s' (built-ins: %s)", name,
               b.data ? b.data : "none");
    as_buf_release(&b);
    return AS_ENOTFOUND;
}

/* ---- prompts ------------------------------------------------------------ */

void as_prompt_clear(as_prompt *p) {
    if (!p) return;
    for (size_t i = 0; i < AS_ARRAY_LEN(p->owned); i++) free(p->owned[i]);
    free(p->tool_name);
    free(p->tool_description);
    free(p->schema_json);
    memset(p, 0, sizeof *p);
}

static char *build_schema(const as_judge *j) {
    json_t *props = json_object();
    if (j->explanation)
        json_object_set_new(props, "explanation", json_pack(
            "{s:s, s:s}", "type", "string", "description",
            "Your reasoning in a few sentences, written before you choose the label."));
    json_t *en = json_array();
    for (size_t i = 0; i < j->n_rails; i++)
        json_array_append_new(en, json_string(j->rails[i].label));
    json_object_set_new(props, "label", json_pack(
        "{s:s, s:o, s:s}", "type", "string", "enum", en, "description",
        "The label that applies: exactly one of the listed labels."));
    json_t *req = json_array();
    if (j->explanation) json_array_append_new(req, json_string("explanation"));
    json_array_append_new(req, json_string("label"));
    json_t *schema = json_pack("{s:s, s:o, s:o, s:b}", "type", "object", "properties",
                               props, "required", req, "additionalProperties", 0);
    char *s = json_dumps(schema, JSON_COMPACT);
    json_decref(schema);
    char *copy = as_xstrdup(s);
    free(s);
    return copy;
}

/* One example's answer, in the shape the model is asked to answer in. */
static as_rc example_answer(const as_judge *j, const judge_example *ex,
                            as_llm_answer answer, as_buf *b) {
    const char *label = j->rails[ex->rail].label;
    if (answer == AS_LLM_ANSWER_TEXT) {
        if (!j->explanation) return as_buf_printf(b, "%s\n", label);
        if (ex->explanation)
            return as_buf_printf(b, "EXPLANATION: %s\nLABEL: %s\n", ex->explanation, label);
        return as_buf_printf(b, "LABEL: %s\n", label);
    }
    json_t *o = json_object();
    if (j->explanation && ex->explanation)
        json_object_set_new(o, "explanation", json_string(ex->explanation));
    json_object_set_new(o, "label", json_string(label));
    char *s = json_dumps(o, 0);
    json_decref(o);
    as_rc rc = as_buf_printf(b, "%s\n", s ? s : "{}");
    free(s);
    return rc;
}

static as_rc instructions(const as_judge *j, as_llm_answer answer, as_buf *b) {
    as_rc rc = AS_OK;
    if (answer == AS_LLM_ANSWER_TEXT)
        rc = as_buf_puts(b, "Answer with exactly one of these labels: ");
    else if (answer == AS_LLM_ANSWER_TOOL)
        rc = as_buf_puts(b, "Record your answer by calling the " JUDGE_TOOL_NAME
                            " function. Its label must be exactly one of these labels: ");
    else
        rc = as_buf_printf(b, "Record your answer as a JSON object with the field%s "
                              "(and nothing else). label must be exactly one of these "
                              "labels: ", j->explanation ? "s explanation and label"
                                                         : " label");
    for (size_t i = 0; i < j->n_rails && rc == AS_OK; i++)
        rc = as_buf_printf(b, "%s%s", i ? ", " : "", j->rails[i].label);
    if (rc == AS_OK) rc = as_buf_putc(b, '\n');
    for (size_t i = 0; i < j->n_rails && rc == AS_OK; i++) {
        const as_rail *r = &j->rails[i];
        rc = r->description ? as_buf_printf(b, "- %s: %s\n", r->label, r->description)
                            : as_buf_printf(b, "- %s\n", r->label);
    }
    if (rc != AS_OK) return rc;
    if (answer == AS_LLM_ANSWER_TEXT) {
        if (j->explanation)
            return as_buf_puts(b, "\nFirst write EXPLANATION: with your reasoning in a few "
                                  "sentences, then on its own line LABEL: followed by the "
                                  "label only.");
        return as_buf_puts(b, "\nWrite the label only, with no other words.");
    }
    if (j->explanation)
        return as_buf_puts(b, "\nWrite your reasoning, in a few sentences, in explanation "
                              "first; then choose the label.");
    return AS_OK;
}

static void rtrim(char *s) {
    size_t n = strlen(s);
    while (n > 0 && is_space(s[n - 1])) s[--n] = '\0';
}

static as_rc assemble(const as_judge *j, as_llm_answer answer, const char *task,
                      const char *context, as_buf *b) {
    as_rc rc = as_buf_puts(b, task);
    if (rc == AS_OK && j->n_examples)
        rc = as_buf_puts(b, "\n\nExamples of cases with their correct answers:");
    for (size_t i = 0; i < j->n_examples && rc == AS_OK; i++) {
        rc = as_buf_printf(b, "\n\n=== Example %zu ===\n%s\n--- Answer ---\n", i + 1,
                           j->examples[i].text);
        if (rc == AS_OK) rc = example_answer(j, &j->examples[i], answer, b);
        if (rc == AS_OK) rc = as_buf_printf(b, "=== End of example %zu ===", i + 1);
    }
    if (rc == AS_OK && j->n_examples) rc = as_buf_puts(b, "\n\n=== The case to judge ===");
    if (rc == AS_OK && context) rc = as_buf_printf(b, "\n\n%s", context);
    if (rc == AS_OK && j->n_examples) rc = as_buf_puts(b, "\n=== End of the case ===");
    if (rc == AS_OK) rc = as_buf_puts(b, "\n\n");
    if (rc == AS_OK) rc = instructions(j, answer, b);
    return rc;
}

as_rc as_judge_render(const as_judge *j, as_llm_answer answer, as_var_fn var,
                      void *ud, as_prompt *out, as_err *err) {
    memset(out, 0, sizeof *out);
    if (answer != AS_LLM_ANSWER_TEXT && answer != AS_LLM_ANSWER_TOOL &&
        answer != AS_LLM_ANSWER_JSON)
        return as_err_set(err, AS_EINVAL, "%s: unknown answer mode %d", j->name, (int)answer);
    char *task = NULL, *context = NULL;
    as_rc rc = AS_OK;
    if (j->role) rc = as_tmpl_render(j->role, j->fmt, var, ud, &out->owned[0], err);
    if (rc == AS_OK) rc = as_tmpl_render(j->task, j->fmt, var, ud, &task, err);
    if (rc == AS_OK && j->context)
        rc = as_tmpl_render(j->context, j->fmt, var, ud, &context, err);
    if (rc == AS_OK) {
        rtrim(task);
        if (context) rtrim(context);
        as_buf b;
        as_buf_init(&b, JUDGE_PROMPT_MAX);
        if (assemble(j, answer, task, context, &b) != AS_OK) {
            as_buf_release(&b);
            rc = as_err_set(err, AS_ETOOBIG, "%s: the prompt is larger than %u bytes",
                            j->name, JUDGE_PROMPT_MAX);
        } else {
            out->owned[1] = as_buf_detach(&b, NULL);
        }
    }
    free(task);
    free(context);
    if (rc != AS_OK) {
        as_prompt_clear(out);
        return rc;
    }
    if (out->owned[0]) {
        out->msgs[0] = (as_llm_msg){ "system", out->owned[0] };
        out->msgs[1] = (as_llm_msg){ "user", out->owned[1] };
        out->n_msgs = 2;
    } else {
        out->msgs[0] = (as_llm_msg){ "user", out->owned[1] };
        out->n_msgs = 1;
    }
    out->answer = answer;
    if (answer != AS_LLM_ANSWER_TEXT) {
        out->tool_name = as_xstrdup(JUDGE_TOOL_NAME);
        out->tool_description = as_xstrdup(
            j->explanation ? "Record the judgement of the case: the reasoning, then the "
                             "label that applies."
                           : "Record the judgement of the case: the label that applies.");
        out->schema_json = as_xstrdup(j->schema);
    }
    return AS_OK;
}

/* ---- answers ------------------------------------------------------------ */

static int by_length_desc(const void *a, const void *b) {
    const size_t *x = a, *y = b;
    if (x[1] != y[1]) return x[1] < y[1] ? 1 : -1;
    return x[0] < y[0] ? -1 : x[0] > y[0];
}

int as_snap_to_rail(const char *text, const char *const *labels, size_t n) {
    if (!text || !labels || n == 0) return -1;
    size_t tn = strlen(text);
    char *t = as_xmalloc(tn + 1);
    for (size_t i = 0; i <= tn; i++) t[i] = lower(text[i]);
    size_t (*order)[2] = as_xmalloc(n * sizeof *order);   /* {index, length} */
    for (size_t i = 0; i < n; i++) {
        order[i][0] = i;
        order[i][1] = labels[i] ? strlen(labels[i]) : 0;
    }
    qsort(order, n, sizeof *order, by_length_desc);
    int found = -1, matches = 0;
    char *lab = NULL;
    for (size_t k = 0; k < n && matches < 2; k++) {
        size_t idx = order[k][0], ln = order[k][1];
        if (ln == 0 || ln > tn) continue;
        lab = as_xrealloc(lab, ln);
        for (size_t i = 0; i < ln; i++) lab[i] = lower(labels[idx][i]);
        bool hit = false;
        char *p = t, *end = t + tn;
        char *q;
        while ((size_t)(end - p) >= ln && (q = memmem(p, (size_t)(end - p), lab, ln))) {
            /* remove the match: NUL bytes never occur in a label, and unlike
             * cutting the match out they do not join its neighbours */
            memset(q, 0, ln);
            hit = true;
            p = q + ln;
        }
        if (hit) {
            matches++;
            found = (int)idx;
        }
    }
    free(lab);
    free(order);
    free(t);
    return matches == 1 ? found : -1;
}

static void set_rail(const as_judge *j, int r, as_verdict *out) {
    if (r < 0) return;
    snprintf(out->label, sizeof out->label, "%s", j->rails[r].label);
    out->score = j->rails[r].score;
}

/* The verdict from a structured answer; false when it is not an object
 * with a string label (then the text is tried). */
/* The label and explanation of a structured answer: its "label" string
 * (trimmed, matched to a rail) and "explanation" string (trimmed). */
static void structured_verdict(const as_judge *j, const char *lab, size_t lab_n,
                               const char *expl, size_t expl_n, as_verdict *out) {
    char *label = trimmed_dup(lab, lab_n, " \t\r\n");
    int r = label ? find_rail_ci(j, label) : -1;
    if (r < 0 && label) r = as_snap_to_rail(label, j->labels, j->n_rails);
    set_rail(j, r, out);
    free(label);
    if (expl) out->explanation = trimmed_dup(expl, expl_n, " \t\r\n");
}

/* A structured answer read with jansson (JSON_ALLOW_NUL).  The arena
 * reader, held to what jansson accepts (llm_wire_read), answers first:
 * no tree of mallocs per call.  What it refuses (nesting past its depth,
 * or not JSON at all) goes to jansson, so both read the same texts the
 * same way: of duplicate keys the last counts, "\u0000" may be in values. */
static bool from_structured(const as_judge *j, const char *s, as_verdict *out) {
    as_arena a;
    as_arena_init(&a);
    const as_jval *root;
    as_err aerr;
    if (llm_wire_read(s, strlen(s), true, &a, &root, &aerr) == AS_OK) {
        const as_jval *lab = llm_wire_get(root, "label");   /* NULL-safe */
        bool ok = as_json_is(root, AS_J_OBJ) && as_json_is(lab, AS_J_STR);
        if (ok) {
            const as_jval *e = llm_wire_get(root, "explanation");
            bool es = as_json_is(e, AS_J_STR);
            structured_verdict(j, lab->u.str, lab->n, es ? e->u.str : NULL, es ? e->n : 0, out);
        }
        as_arena_release(&a);
        return ok;
    }
    as_arena_release(&a);
    json_error_t je;
    json_t *o = json_loads(s, JSON_ALLOW_NUL, &je);
    json_t *lab = json_object_get(o, "label");   /* NULL-safe */
    if (!json_is_object(o) || !json_is_string(lab)) {
        json_decref(o);
        return false;
    }
    json_t *e = json_object_get(o, "explanation");
    structured_verdict(j, json_string_value(lab), json_string_length(lab),
                       json_is_string(e) ? json_string_value(e) : NULL,
                       json_is_string(e) ? json_string_length(e) : 0, out);
    json_decref(o);
    return true;
}

static void from_text(const as_judge *j, const char *text, as_verdict *out) {
    const char *lab = ifind(text, "label:", true);
    if (!lab) {
        set_rail(j, as_snap_to_rail(text, j->labels, j->n_rails), out);
        return;
    }
    /* the label: the first non-blank line after the last "LABEL:" */
    const char *p = lab + 6;
    while (is_space(*p)) p++;
    const char *eol = strchr(p, '\n');
    char *line = as_xstrndup(p, eol ? (size_t)(eol - p) : strlen(p));
    char *exact = trimmed_dup(line, strlen(line), " \t\r*.`'\"");
    int r = exact ? find_rail_ci(j, exact) : -1;
    if (r < 0) r = as_snap_to_rail(line, j->labels, j->n_rails);
    set_rail(j, r, out);
    free(exact);
    free(line);
    /* the explanation: from "EXPLANATION:" to "LABEL:" (or to the end when
     * it comes after the label); without the marker, what precedes LABEL: */
    const char *ex = ifind(text, "explanation:", false);
    const char *strip = " \t\r\n*#";
    if (ex && ex < lab) out->explanation = trimmed_dup(ex + 12, (size_t)(lab - ex - 12), strip);
    else if (ex) out->explanation = trimmed_dup(ex + 12, strlen(ex + 12), strip);
    else out->explanation = trimmed_dup(text, (size_t)(lab - text), strip);
}

void as_judge_verdict(const as_judge *j, const as_llm_response *resp, as_verdict *out) {
    memset(out, 0, sizeof *out);
    snprintf(out->label, sizeof out->label, "%s", AS_NOT_PARSABLE);
    out->score = NAN;
    if (!resp) return;
    if (resp->structured && from_structured(j, resp->structured, out)) return;
    if (resp->text) from_text(j, resp->text, out);
}
