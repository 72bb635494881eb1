/*
 * fuzz_template.c - libFuzzer target for judge templates (eval.h,
 * "judges"): loading (YAML and JSON through yamljson.c), prompt rendering,
 * answer parsing, and the substitution engine (tmpl.c) on its own.
 *
 * The input is split at its first NUL byte: before it a template file,
 * after it a "row" (no NUL: an empty row).  The row's lines are the
 * variable values: the lookup hashes a variable's name to pick a line, and
 * answers NULL for about one name in five.  The template text is loaded
 * as YAML and as JSON (as_judge_parse_text); a judge that loads is
 * rendered in the three answer modes, and the row is given to
 * as_judge_verdict as the model's text answer (and, when it is a JSON
 * object, as its structured answer).  The template text is also given
 * raw to as_tmpl_vars and as_tmpl_render in both syntaxes.  Whatever the
 * bytes:
 *   - no crash, leak or undefined behaviour (ASan/UBSan);
 *   - a template that fails to load gives no judge and a non-empty
 *     message that starts with the origin; one that loads has a valid
 *     name, 2 to 64 rails with distinct labels (ignoring case) without
 *     control characters, and at least one variable;
 *   - rendering succeeds exactly when every variable of the judge has a
 *     value, else fails with AS_EINVAL and an empty prompt; a rendered
 *     prompt has 1 or 2 messages (system first), NUL-terminated, valid
 *     UTF-8 when the row is, naming every rail; TOOL and JSON carry the
 *     record_label tool and a schema whose label enum is the rails;
 *   - the verdict's label is a rail (with that rail's score) or
 *     NOT_PARSABLE (score NaN); as_snap_to_rail gives -1 or a rail that
 *     occurs in the text;
 *   - as_tmpl_vars succeeds exactly when as_tmpl_render succeeds with a
 *     value for every name; names are unique and well formed; a render
 *     with empty values is no longer than the template; a render with some
 *     names unanswered fails exactly when one of those names is used;
 *     errors are AS_EINVAL "line L, column C: ..." within the template.
 * Seeds: tests/fuzz/corpus/template/ (built-in templates, JSON ones, each
 * followed by a NUL and a row).  Built by `make fuzz`
 * (build/fuzz/fuzz/fuzz_template); run e.g.
 *   build/fuzz/fuzz/fuzz_template -max_len=16384 tests/fuzz/corpus/template
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "assay/eval.h"
#include "assay/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_LINES 64

static void die(const char *what, const char *detail) {
    fprintf(stderr, "fuzz_template: %s: %s\n", what, detail ? detail : "(null)");
    abort();
}

static bool utf8(const char *s) { return as_utf8_valid(s, strlen(s)); }

/* ---- the row: variable values ------------------------------------------- */

typedef struct row {
    char *text;                 /* the whole row, NUL-terminated          */
    char *buf;                  /* a copy cut into lines                  */
    const char *lines[MAX_LINES];
    size_t n_lines;
    bool all;                   /* lookup never answers NULL              */
    bool empty;                 /* lookup answers "" for every name       */
} row;

static uint32_t hash(const char *s) {
    uint32_t h = 2166136261u;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

static bool unanswered(const char *name) { return hash(name) % 5 == 0; }

static const char *lookup(void *ud, const char *name) {
    const row *r = ud;
    if (!name || !utf8(name)) die("lookup of a bad name", name);
    if (r->empty) return "";
    if (!r->all && unanswered(name)) return NULL;
    return r->lines[hash(name) / 5 % r->n_lines];
}

static void row_init(row *r, const char *p, size_t n) {
    memset(r, 0, sizeof *r);
    r->text = malloc(n + 1);
    r->buf = malloc(n + 1);
    if (!r->text || !r->buf) abort();
    memcpy(r->text, p, n);
    r->text[n] = '\0';
    memcpy(r->buf, r->text, n + 1);
    char *s = r->buf;
    for (;;) {
        char *nl = strchr(s, '\n');
        if (r->n_lines == MAX_LINES - 1 || !nl) {
            r->lines[r->n_lines++] = s;
            break;
        }
        *nl = '\0';
        r->lines[r->n_lines++] = s;
        s = nl + 1;
    }
}

static void row_free(row *r) {
    free(r->text);
    free(r->buf);
}

/* ---- judges ------------------------------------------------------------- */

static void check_judge(const as_judge *j) {
    const char *name = as_judge_name(j);
    size_t nl = strlen(name);
    if (nl == 0 || nl > 63 || strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                           "0123456789_-.") != nl)
        die("judge name", name);
    const as_rail *rails;
    size_t n = as_judge_rails(j, &rails);
    if (n < 2 || n > 64) die("rail count", name);
    for (size_t i = 0; i < n; i++) {
        const char *l = rails[i].label;
        size_t ll = strlen(l);
        if (ll == 0 || ll >= AS_LABEL_MAX || !utf8(l) || !isfinite(rails[i].score))
            die("rail", l);
        for (const char *c = l; *c; c++)
            if ((unsigned char)*c < 0x20 || *c == 0x7f) die("control character in a label", l);
        if (strcasecmp(l, AS_NOT_PARSABLE) == 0) die("reserved label", l);
        for (size_t k = 0; k < i; k++)
            if (strcasecmp(l, rails[k].label) == 0) die("labels differ only in case", l);
        if (rails[i].description && !utf8(rails[i].description)) die("rail description", l);
    }
    const char *const *vars;
    size_t nv = as_judge_vars(j, &vars);
    if (nv == 0) die("judge without variables", name);
    for (size_t i = 0; i < nv; i++)
        for (size_t k = 0; k < i; k++)
            if (strcmp(vars[i], vars[k]) == 0) die("variable listed twice", vars[i]);
}

static void check_schema(const as_judge *j, const char *schema) {
    json_t *o = json_loads(schema, 0, NULL);
    json_t *en = json_object_get(json_object_get(json_object_get(o, "properties"), "label"),
                                 "enum");
    const as_rail *rails;
    size_t n = as_judge_rails(j, &rails);
    if (!json_is_object(o) || !json_is_array(en) || json_array_size(en) != n)
        die("schema", schema);
    for (size_t i = 0; i < n; i++)
        if (!json_is_string(json_array_get(en, i)) ||
            strcmp(json_string_value(json_array_get(en, i)), rails[i].label) != 0)
            die("schema enum differs from the rails", schema);
    json_decref(o);
}

static void check_render(const as_judge *j, row *r, as_llm_answer answer) {
    const char *const *vars;
    size_t nv = as_judge_vars(j, &vars);
    bool complete = true;
    for (size_t i = 0; i < nv; i++) complete = complete && lookup(r, vars[i]) != NULL;
    as_prompt p;
    memset(&p, 0xa5, sizeof p);
    as_err err;
    as_rc rc = as_judge_render(j, answer, lookup, r, &p, &err);
    if (rc != AS_OK) {
        if (complete) die("render failed with every variable given", err.msg);
        if (rc != AS_EINVAL || strstr(err.msg, "has no value") == NULL)
            die("render failure", err.msg);
        if (p.n_msgs || p.tool_name || p.schema_json || p.owned[0] || p.owned[1])
            die("failed render left a prompt", NULL);
        return;
    }
    if (!complete) die("render succeeded without a value", NULL);
    if (p.n_msgs < 1 || p.n_msgs > 2 || p.answer != answer) die("prompt shape", NULL);
    bool row_utf8 = utf8(r->text);
    for (size_t i = 0; i < p.n_msgs; i++) {
        const char *want = p.n_msgs == 2 && i == 0 ? "system" : "user";
        if (!p.msgs[i].role || strcmp(p.msgs[i].role, want) != 0) die("role", p.msgs[i].role);
        if (!p.msgs[i].content) die("message without content", NULL);
        (void)strlen(p.msgs[i].content);
        if (row_utf8 && !utf8(p.msgs[i].content)) die("prompt is not UTF-8", NULL);
    }
    const char *user = p.msgs[p.n_msgs - 1].content;
    const as_rail *rails;
    size_t n = as_judge_rails(j, &rails);
    for (size_t i = 0; i < n; i++)
        if (!strstr(user, rails[i].label)) die("the prompt does not name a rail", rails[i].label);
    if (answer == AS_LLM_ANSWER_TEXT) {
        if (p.tool_name || p.schema_json) die("text prompt with a tool", NULL);
    } else {
        if (!p.tool_name || strcmp(p.tool_name, "record_label") != 0 || !p.tool_description ||
            !p.schema_json)
            die("structured prompt without its tool", p.tool_name);
        check_schema(j, p.schema_json);
    }
    as_prompt_clear(&p);
}

static void check_verdict(const as_judge *j, const as_llm_response *resp) {
    as_verdict v;
    memset(&v, 0xa5, sizeof v);
    as_judge_verdict(j, resp, &v);
    if (!memchr(v.label, '\0', sizeof v.label)) die("label not terminated", NULL);
    const as_rail *rails;
    size_t n = as_judge_rails(j, &rails);
    if (strcmp(v.label, AS_NOT_PARSABLE) == 0) {
        if (!isnan(v.score)) die("NOT_PARSABLE with a score", NULL);
    } else {
        size_t i = 0;
        while (i < n && strcmp(v.label, rails[i].label) != 0) i++;
        if (i == n) die("verdict label is not a rail", v.label);
        if (v.score != rails[i].score) die("verdict score is not the rail's", v.label);
        if (as_judge_is_pass(j, v.label) != as_judge_is_pass(j, rails[i].label))
            die("is_pass", v.label);
    }
    if (v.explanation) (void)strlen(v.explanation);
    as_verdict_clear(&v);
}

static void check_answers(const as_judge *j, const row *r) {
    as_llm_response resp = { .text = r->text, .prompt_tokens = -1, .completion_tokens = -1,
                             .total_tokens = -1 };
    check_verdict(j, &resp);
    json_t *o = json_loads(r->text, 0, NULL);
    if (json_is_object(o)) {
        resp.structured = r->text;
        check_verdict(j, &resp);
        resp.text = NULL;
        check_verdict(j, &resp);
    }
    json_decref(o);
    check_verdict(j, NULL);

    /* as_snap_to_rail: -1, or a rail that occurs in the text (any case). */
    const as_rail *rails;
    size_t n = as_judge_rails(j, &rails);
    const char *labels[64];
    for (size_t i = 0; i < n; i++) labels[i] = rails[i].label;
    int k = as_snap_to_rail(r->text, labels, n);
    if (k < -1 || k >= (int)n) die("as_snap_to_rail out of range", NULL);
    if (k >= 0 && !strcasestr(r->text, labels[k])) die("snapped to an absent rail", labels[k]);
}

static void try_judge(const char *text, size_t n, bool yaml, row *r) {
    const char *origin = yaml ? "fuzz.yaml" : "fuzz.json";
    as_judge *j = (as_judge *)&j;
    as_err err;
    memset(&err, 0x5a, sizeof err);
    as_rc rc = as_judge_parse_text(text, n, yaml, origin, &j, &err);
    if (rc != AS_OK) {
        if (j) die("judge returned on error", err.msg);
        if (rc != AS_EINVAL && rc != AS_ETOOBIG && rc != AS_EUNSUPPORTED && rc != AS_ECONFLICT)
            die("unexpected code", err.msg);
        if (!memchr(err.msg, '\0', sizeof err.msg) || strncmp(err.msg, origin, 9) != 0 ||
            err.msg[9] != ':')
            die("message does not start with the origin", err.msg);
#ifdef FUZZ_STRICT_MESSAGES
        if (as_utf8_valid(text, n) && !utf8(err.msg)) die("message is not UTF-8", err.msg);
#endif
        return;
    }
    check_judge(j);
    static const as_llm_answer modes[] = {
        AS_LLM_ANSWER_TEXT, AS_LLM_ANSWER_TOOL, AS_LLM_ANSWER_JSON,
    };
    for (size_t m = 0; m < AS_ARRAY_LEN(modes); m++) {
        r->all = false;
        check_render(j, r, modes[m]);
        r->all = true;
        check_render(j, r, modes[m]);
    }
    r->all = false;
    check_answers(j, r);
    as_judge_free(j);
}

/* ---- the substitution engine on its own --------------------------------- */

static bool well_formed_name(const char *s) {
    size_t i = 0;
    if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') || s[0] == '_'))
        return false;
    bool seg = true;
    for (; s[i]; i++) {
        char c = s[i];
        bool an = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_';
        if (c == '.') {
            if (!seg) return false;
            seg = false;
        } else if (an) {
            seg = true;
        } else {
            return false;
        }
    }
    return seg && i < 128;
}

static void check_tmpl_error(as_rc rc, const as_err *err, const char *tmpl) {
    if (rc != AS_EINVAL) die("tmpl: unexpected code", err->msg);
    size_t line, col;
    if (sscanf(err->msg, "line %zu, column %zu: ", &line, &col) != 2)
        die("tmpl: message without a place", err->msg);
    size_t lines = 1;
    for (const char *c = tmpl; *c; c++) lines += *c == '\n';
    if (line < 1 || line > lines || col < 1 || col > strlen(tmpl) + 1)
        die("tmpl: place outside the template", err->msg);
#ifdef FUZZ_STRICT_MESSAGES
    if (utf8(tmpl) && !utf8(err->msg)) die("tmpl: message is not UTF-8", err->msg);
#endif
}

static void try_tmpl(const char *tmpl, as_tmpl_format fmt, row *r) {
    char **names = (char **)&names;
    size_t n = 99;
    as_err err;
    as_rc rc = as_tmpl_vars(tmpl, fmt, &names, &n, &err);
    char *out = (char *)&out;
    as_err err2;
    r->all = true;
    as_rc rc2 = as_tmpl_render(tmpl, fmt, lookup, r, &out, &err2);
    if ((rc == AS_OK) != (rc2 == AS_OK)) die("vars and render disagree", rc ? err.msg : err2.msg);
    if (rc != AS_OK) {
        if (names || n) die("vars returned names on error", NULL);
        if (out) die("render returned text on error", NULL);
        check_tmpl_error(rc, &err, tmpl);
        check_tmpl_error(rc2, &err2, tmpl);
        if (strcmp(err.msg, err2.msg) != 0) die("vars and render give other errors", err2.msg);
        return;
    }
    bool some_unanswered = false;
    for (size_t i = 0; i < n; i++) {
        if (!well_formed_name(names[i])) die("tmpl: bad name", names[i]);
        for (size_t k = 0; k < i; k++)
            if (strcmp(names[i], names[k]) == 0) die("tmpl: name listed twice", names[i]);
        some_unanswered = some_unanswered || unanswered(names[i]);
    }
    if (utf8(tmpl) && utf8(r->text) && !utf8(out)) die("tmpl: render is not UTF-8", NULL);
    free(out);

    r->empty = true;
    rc2 = as_tmpl_render(tmpl, fmt, lookup, r, &out, &err2);
    r->empty = false;
    if (rc2 != AS_OK) die("tmpl: render with empty values failed", err2.msg);
    if (strlen(out) > strlen(tmpl)) die("tmpl: render longer than its template", out);
    free(out);

    r->all = false;
    rc2 = as_tmpl_render(tmpl, fmt, lookup, r, &out, &err2);
    if ((rc2 != AS_OK) != some_unanswered) die("tmpl: render and unanswered names disagree",
                                                rc2 ? err2.msg : NULL);
    if (rc2 != AS_OK && (rc2 != AS_EINVAL || !strstr(err2.msg, "has no value")))
        die("tmpl: render failure", err2.msg);
    free(out);
    as_tmpl_vars_free(names, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *text = (const char *)data;
    const char *nul = memchr(text, '\0', size);
    size_t tn = nul ? (size_t)(nul - text) : size;
    row r;
    row_init(&r, nul ? nul + 1 : "", nul ? size - tn - 1 : 0);

    /* The template text as the loaders get it: n bytes, no terminator. */
    char *t = malloc(tn ? tn : 1);
    if (!t) abort();
    memcpy(t, text, tn);
    try_judge(t, tn, true, &r);
    try_judge(t, tn, false, &r);
    free(t);

    char *z = malloc(tn + 1);
    if (!z) abort();
    memcpy(z, text, tn);
    z[tn] = '\0';
    try_tmpl(z, AS_TMPL_FSTRING, &r);
    try_tmpl(z, AS_TMPL_MUSTACHE, &r);
    free(z);
    row_free(&r);
    return 0;
}
