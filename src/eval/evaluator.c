/*
 * evaluator.c - one name over judges and code evaluators (see eval.h).
 */
#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assay/alloc.h"
#include "assay/eval.h"
#include "yamljson.h"

#define EVALUATOR_FILE_MAX (1u << 20)

static bool has_suffix(const char *s, const char *suf) {
    size_t n = strlen(s), m = strlen(suf);
    return n >= m && strcmp(s + n - m, suf) == 0;
}

static as_evaluator *evaluator_new(const char *name, as_evaluator_kind kind) {
    as_evaluator *e = as_xcalloc(1, sizeof *e);
    snprintf(e->name, sizeof e->name, "%s", name);
    e->kind = kind;
    return e;
}

static bool kind_exists(const char *kind, size_t len) {
    for (const char *const *k = as_code_eval_kinds(); *k; k++)
        if (strlen(*k) == len && strncmp(*k, kind, len) == 0) return true;
    return false;
}

static as_rc unknown(const char *spec, as_err *err) {
    char list[1024] = "";
    size_t used = 0;
    for (const char *const *n = as_judge_builtin_names(); *n; n++)
        used += (size_t)snprintf(list + used, used < sizeof list ? sizeof list - used : 0,
                                 "%s%s", used ? ", " : "", *n);
    char kinds[1024] = "";
    used = 0;
    for (const char *const *k = as_code_eval_kinds(); *k; k++)
        used += (size_t)snprintf(kinds + used, used < sizeof kinds ? sizeof kinds - used : 0,
                                 "%s%s", used ? ", " : "", *k);
    return as_err_set(err, AS_EINVAL,
                      "unknown evaluator '%s': not a built-in judge (%s), a code "
                      "evaluator (%s), or a .yaml/.json file", spec, list, kinds);
}

/* A file: a judge template, or {"type": "code", "kind", "name", "params"}. */
static as_rc open_file(const char *path, as_evaluator **out, as_err *err) {
    bool yaml = as_yamljson_is_yaml_path(path);
    char *text = NULL;
    size_t n = 0;
    as_rc rc = as_yamljson_read_file(path, EVALUATOR_FILE_MAX, &text, &n, err);
    if (rc) return rc;
    json_t *doc = NULL;
    rc = yaml ? as_yaml_to_json(text, n, path, NULL, &doc, err)
              : as_json_parse_limited(text, n, path, NULL, &doc, err);
    if (rc) { free(text); return rc; }
    const char *type = json_string_value(json_object_get(doc, "type"));
    if (type && strcmp(type, "code") == 0) {
        const char *kind = json_string_value(json_object_get(doc, "kind"));
        const char *name = json_string_value(json_object_get(doc, "name"));
        json_t *params = json_object_get(doc, "params");
        char *ptext = params ? json_dumps(params, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
        as_code_eval *c = NULL;
        if (!kind) rc = as_err_set(err, AS_EINVAL, "%s: a code evaluator needs \"kind\"", path);
        else rc = as_code_eval_new(kind, ptext, &c, err);
        if (rc == AS_OK) {
            *out = evaluator_new(name ? name : kind, AS_EVAL_CODE);
            (*out)->code = c;
        } else if (kind) {
            as_err_prefix(err, "%s: ", path);
        }
        free(ptext);
    } else {
        as_judge *j = NULL;
        rc = as_judge_parse_text(text, n, yaml, path, &j, err);
        if (rc == AS_OK) {
            *out = evaluator_new(as_judge_name(j), AS_EVAL_JUDGE);
            (*out)->judge = j;
        }
    }
    json_decref(doc);
    free(text);
    return rc;
}

/* "NAME=SPEC": the length of NAME (letters, digits, '_', '-', '.'), or 0
 * when spec does not start with one followed by '='. */
static size_t name_prefix(const char *spec) {
    size_t i = 0;
    while (isalnum((unsigned char)spec[i]) || spec[i] == '_' || spec[i] == '-' ||
           spec[i] == '.')
        i++;
    return i > 0 && spec[i] == '=' ? i : 0;
}

as_rc as_evaluator_open(const char *spec, as_evaluator **out, as_err *err) {
    *out = NULL;
    size_t nlen = name_prefix(spec);
    if (nlen) {
        if (nlen >= sizeof((*out)->name))
            return as_err_set(err, AS_EINVAL, "evaluator name '%.*s' is longer than "
                              "%zu characters", (int)nlen, spec,
                              sizeof((*out)->name) - 1);
        as_rc rc = as_evaluator_open(spec + nlen + 1, out, err);
        if (rc == AS_OK) snprintf((*out)->name, sizeof((*out)->name), "%.*s", (int)nlen, spec);
        return rc;
    }
    if (has_suffix(spec, ".yaml") || has_suffix(spec, ".yml") || has_suffix(spec, ".json"))
        return open_file(spec, out, err);
    as_judge *j = NULL;
    if (as_judge_builtin(spec, &j, NULL) == AS_OK) {
        *out = evaluator_new(as_judge_name(j), AS_EVAL_JUDGE);
        (*out)->judge = j;
        return AS_OK;
    }
    size_t klen = strcspn(spec, ":");
    if (!kind_exists(spec, klen)) return unknown(spec, err);
    char kind[64];
    snprintf(kind, sizeof kind, "%.*s", (int)klen, spec);
    as_code_eval *c = NULL;
    as_rc rc = as_code_eval_new(kind, spec[klen] == ':' ? spec + klen + 1 : NULL, &c, err);
    if (rc) return rc;
    *out = evaluator_new(kind, AS_EVAL_CODE);
    (*out)->code = c;
    return AS_OK;
}

void as_evaluator_free(as_evaluator *e) {
    if (!e) return;
    as_judge_free(e->judge);
    as_code_eval_free(e->code);
    free(e);
}

size_t as_evaluator_vars(const as_evaluator *e, const char *const **names) {
    return e->kind == AS_EVAL_JUDGE ? as_judge_vars(e->judge, names)
                                    : as_code_eval_vars(e->code, names);
}

bool as_evaluator_is_pass(const as_evaluator *e, const char *label, double score) {
    if (e->kind == AS_EVAL_JUDGE) return as_judge_is_pass(e->judge, label);
    AS_UNUSED(score);
    return strcmp(label, "pass") == 0;
}
