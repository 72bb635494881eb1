/*
 * code.c - the deterministic code evaluators (include/assay/eval.h, "code
 * evaluators"; every kind is described in docs/code-evaluators.md).
 *
 * The kinds are declared once, in the table `kinds`: name, the parameter a
 * plain argument fills, the parameters accepted and required, whether the
 * kind compares with `expected`, and its run function.  as_code_eval_new
 * turns the parameters (nothing, a plain argument or a JSON object) into
 * one JSON object, checks every key against the kind's row, and prepares
 * what can be prepared once: the compiled regex, case-folded needles, the
 * checked schema.  After that an evaluator is never written to, so one
 * instance serves any number of threads (glibc's regexec is thread-safe,
 * and jansson values are only read).
 *
 * as_code_eval_run looks the variables up, trims them if asked, and hands
 * the run function a run_ctx; the run function decides pass/fail (or the
 * score) and writes the explanation into ctx->why.  Run functions return an
 * error only for unusable data (a variable that is not UTF-8 or not a
 * number where the data, not the model, is at fault).
 */
#include <errno.h>
#include <float.h>
#include <jansson.h>
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assay/alloc.h"
#include "assay/buf.h"
#include "assay/eval.h"
#include "assay/utf8.h"
#include "textmetrics.h"

#define WHY_MAX (16u << 10)     /* cap of an explanation                   */
#define SNIP_CHARS 40           /* characters of a value quoted in one     */
#define LIST_MAX 10             /* values listed in one explanation        */

/* ---- parameters --------------------------------------------------------- */

enum param {
    P_VALUE, P_VALUES, P_PATTERN, P_FLAGS, P_SCHEMA, P_CHARS, P_THRESHOLD,
    P_TOLERANCE, P_RELATIVE, P_MAX_MS, P_MAX_USD, P_COLUMN, P_EXPECTED_COLUMN,
    P_IGNORE_CASE, P_TRIM, P_STRIP_FENCE, P_COUNT, P_NONE = -1
};

static const char *const param_names[P_COUNT] = {
    [P_VALUE] = "value", [P_VALUES] = "values", [P_PATTERN] = "pattern",
    [P_FLAGS] = "flags", [P_SCHEMA] = "schema", [P_CHARS] = "chars",
    [P_THRESHOLD] = "threshold", [P_TOLERANCE] = "tolerance",
    [P_RELATIVE] = "relative", [P_MAX_MS] = "max_ms", [P_MAX_USD] = "max_usd",
    [P_COLUMN] = "column", [P_EXPECTED_COLUMN] = "expected_column",
    [P_IGNORE_CASE] = "ignore_case", [P_TRIM] = "trim",
    [P_STRIP_FENCE] = "strip_fence",
};

#define B(p) (1u << (p))
#define TEXT_OPTS (B(P_COLUMN) | B(P_TRIM))
#define CMP_OPTS (B(P_COLUMN) | B(P_EXPECTED_COLUMN))

/* ---- the evaluator ------------------------------------------------------ */

typedef struct run_ctx run_ctx;
typedef as_rc (*run_fn)(run_ctx *x);

/* Variants of a shared run function. */
enum mode { M_PLAIN, M_ICASE, M_ANY, M_ALL, M_MAX, M_MIN, M_MS, M_USD };

typedef struct kind_def {
    const char *name;
    int main;                 /* parameter a plain argument fills          */
    unsigned accepted, required;
    bool compares;            /* also reads `expected`                      */
    const char *column;       /* default variable read                     */
    double num;               /* default threshold / tolerance             */
    run_fn run;
    enum mode mode;
} kind_def;

struct as_code_eval {
    const kind_def *def;
    char *column, *expected_column;
    const char *vars[2];
    size_t n_vars;
    bool trim, ignore_case, relative, strip_fence;
    size_t n_values;
    char **values;            /* as given, for explanations                 */
    char **needles;           /* what is searched (case-folded if ignoring) */
    size_t *needle_len;
    double num;               /* threshold, tolerance, max_ms or max_usd   */
    size_t chars;
    bool has_regex;
    regex_t re;
    char *pattern;
    json_t *schema;
};

struct run_ctx {
    const as_code_eval *c;
    as_slice out, exp;        /* values after trimming                       */
    const char *out_raw;      /* the value as the variable gave it           */
    as_buf *why;
    bool pass;
    double score;             /* similarity kinds; else from pass            */
    as_err *err;
};

/* ---- small text helpers -------------------------------------------------- */

static bool is_ascii_space(char ch) {
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\v' || ch == '\f' ||
           ch == '\r';
}

static void buf_truncate(as_buf *b, size_t len) {
    b->len = len;
    if (b->data) b->data[len] = '\0';
}

static as_slice trim_slice(as_slice s) {
    while (s.n && is_ascii_space(s.p[0])) { s.p++; s.n--; }
    while (s.n && is_ascii_space(s.p[s.n - 1])) s.n--;
    return s;
}

/* Quote at most max characters of s as a JSON string ("..." after the
 * closing quote when cut); invalid UTF-8 shows as U+FFFD so that an
 * explanation is always valid UTF-8. */
static void put_quoted(as_buf *b, const char *s, size_t n, size_t max) {
    as_buf clean;
    as_buf_init(&clean, AS_BUF_UNLIMITED);
    size_t i = 0, k = 0;
    for (; i < n && k < max; k++) {
        uint32_t cp;
        size_t len = as_tm_utf8_next(s, n, i, &cp);
        if (cp >= AS_TM_BAD_BYTE) as_buf_puts(&clean, "\xEF\xBF\xBD");
        else as_buf_append(&clean, s + i, len);
        i += len;
    }
    as_buf_json_str(b, clean.data ? clean.data : "", clean.len);
    if (i < n) as_buf_puts(b, "...");
    as_buf_release(&clean);
}

static void put_qstr(as_buf *b, const char *s) {
    put_quoted(b, s, strlen(s), SNIP_CHARS);
}

/* A JSON value, compact, cut after about 60 bytes.  Written here rather
 * than with json_dumps so that nothing but reads touches the shared schema
 * while evaluators run in parallel. */
static void put_json_rec(as_buf *b, const json_t *v, size_t start) {
    if (b->len - start > 60) return;
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        const char *k;
        json_t *e;
        size_t i = 0;
        as_buf_putc(b, '{');
        json_object_foreach((json_t *)v, k, e) {
            if (i++) as_buf_putc(b, ',');
            if (b->len - start > 60) break;
            as_buf_json_str(b, k, strlen(k));
            as_buf_putc(b, ':');
            put_json_rec(b, e, start);
        }
        as_buf_putc(b, '}');
        break;
    }
    case JSON_ARRAY:
        as_buf_putc(b, '[');
        for (size_t i = 0; i < json_array_size(v); i++) {
            if (i) as_buf_putc(b, ',');
            if (b->len - start > 60) break;
            put_json_rec(b, json_array_get(v, i), start);
        }
        as_buf_putc(b, ']');
        break;
    case JSON_STRING:
        put_quoted(b, json_string_value(v), json_string_length(v), SNIP_CHARS);
        break;
    case JSON_INTEGER:
        as_buf_printf(b, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        break;
    case JSON_REAL:
        as_buf_printf(b, "%.15g", json_real_value(v));
        break;
    case JSON_TRUE: as_buf_puts(b, "true"); break;
    case JSON_FALSE: as_buf_puts(b, "false"); break;
    default: as_buf_puts(b, "null"); break;
    }
}

static void put_json(as_buf *b, const json_t *v) {
    size_t start = b->len;
    put_json_rec(b, v, start);
    if (b->len - start > 60) {
        size_t keep = start + as_tm_utf8_offset(b->data + start, b->len - start, 57);
        buf_truncate(b, keep);
        as_buf_puts(b, "...");
    }
}

static void put_num(as_buf *b, double v) { as_buf_printf(b, "%.10g", v); }

/* "what 0.73 < 0.80": enough decimals (2 to 6) that a score just under the
 * threshold does not print as equal to it. */
static void put_score_vs(as_buf *b, const char *what, double s, double t) {
    char xs[32], ts[32];
    for (int d = 2;; d++) {
        snprintf(xs, sizeof xs, "%.*f", d, s);
        snprintf(ts, sizeof ts, "%.*f", d, t);
        if (s == t || strcmp(xs, ts) != 0 || d >= 6) break;
    }
    as_buf_printf(b, "%s %s %s %s", what, xs, s >= t ? ">=" : "<", ts);
}

/* Parse a number as people and models write it: ASCII whitespace around,
 * one optional sign, one optional currency symbol ($ € £ ¥) before or after
 * the sign, digits with optional thousands separators ("1,234,567"), an
 * optional fraction and exponent.  No inf, nan or hex.  Returns false if
 * the text is anything else or out of the double range. */
static bool parse_number(const char *s, size_t n, double *out) {
    as_slice t = trim_slice((as_slice){ s, n });
    const char *p = t.p, *end = t.p + t.n;
    char tmp[128];              /* what strtod sees: never longer than t */
    if (t.n >= sizeof(tmp)) return false;
    size_t o = 0;
    bool sign = false, cur = false;
    for (;;) {
        if (p < end && (*p == '+' || *p == '-') && !sign) {
            tmp[o++] = *p++;
            sign = true;
            continue;
        }
        if (cur) break;
        static const char *const syms[] = { "$", "\xE2\x82\xAC", "\xC2\xA3",
                                            "\xC2\xA5" };
        bool hit = false;
        for (size_t k = 0; k < AS_ARRAY_LEN(syms) && !hit; k++) {
            size_t l = strlen(syms[k]);
            if ((size_t)(end - p) >= l && memcmp(p, syms[k], l) == 0) {
                p += l;
                cur = hit = true;
            }
        }
        if (!hit) break;
    }
    /* integer part, with well-formed grouping when there are commas */
    const char *ip = p;
    size_t group = 0, digits = 0;
    bool commas = false;
    while (p < end && ((*p >= '0' && *p <= '9') || *p == ',')) {
        if (*p == ',') {
            if (digits == 0 || (commas ? group != 3 : group > 3)) return false;
            commas = true;
            group = 0;
        } else {
            tmp[o++] = *p;
            group++;
            digits++;
        }
        p++;
    }
    if (commas && group != 3) return false;
    if (p > ip && p[-1] == ',') return false;
    size_t frac = 0;
    if (p < end && *p == '.') {
        tmp[o++] = *p++;
        while (p < end && *p >= '0' && *p <= '9') {
            tmp[o++] = *p++;
            frac++;
        }
    }
    if (digits + frac == 0) return false;
    if (p < end && (*p == 'e' || *p == 'E')) {
        tmp[o++] = *p++;
        if (p < end && (*p == '+' || *p == '-')) tmp[o++] = *p++;
        size_t ed = 0;
        while (p < end && *p >= '0' && *p <= '9' && ed < 6) { tmp[o++] = *p++; ed++; }
        if (ed == 0 || (p < end && *p >= '0' && *p <= '9')) return false;
    }
    if (p != end) return false;
    tmp[o] = '\0';
    errno = 0;
    char *e;
    double v = strtod(tmp, &e);
    if (*e || !isfinite(v) || (errno == ERANGE && fabs(v) > 1.0)) return false;
    *out = v;
    return true;
}

static char *fold_or_copy(const char *s, size_t n, bool fold, size_t *out_n) {
    if (fold) return as_tm_fold(s, n, out_n);
    *out_n = n;
    return as_xstrndup(s, n);
}

/* ---- run functions -------------------------------------------------------- */

static as_rc run_exact(run_ctx *x) {
    const as_code_eval *c = x->c;
    size_t na, nb;
    char *a = fold_or_copy(x->out.p, x->out.n, c->ignore_case, &na);
    char *b = fold_or_copy(x->exp.p, x->exp.n, c->ignore_case, &nb);
    size_t i = 0;
    while (i < na && i < nb && a[i] == b[i]) i++;
    x->pass = na == nb && i == na;
    if (x->pass) {
        as_buf_printf(x->why, "output equals expected (%zu characters%s%s)",
                      as_tm_utf8_count(x->out.p, x->out.n),
                      c->trim ? ", trimmed" : "",
                      c->ignore_case ? ", ignoring case" : "");
    } else {
        /* the character holding byte i (folding keeps code points 1:1) */
        size_t k = 0;
        for (size_t pos = 0; pos < i; k++) {
            uint32_t cp;
            size_t len = as_tm_utf8_next(a, na, pos, &cp);
            if (pos + len > i) break;
            pos += len;
        }
        size_t oa = as_tm_utf8_offset(x->out.p, x->out.n, k);
        size_t ob = as_tm_utf8_offset(x->exp.p, x->exp.n, k);
        as_buf_printf(x->why, "first difference at character %zu: output ", k);
        put_quoted(x->why, x->out.p + oa, x->out.n - oa, SNIP_CHARS);
        as_buf_puts(x->why, ", expected ");
        put_quoted(x->why, x->exp.p + ob, x->exp.n - ob, SNIP_CHARS);
    }
    free(a);
    free(b);
    return AS_OK;
}

/* Where needle j occurs in the (folded) haystack, as a character offset,
 * or -1. */
static long long find_needle(const as_code_eval *c, size_t j, const char *hay,
                             size_t n) {
    const char *hit = memmem(hay, n, c->needles[j], c->needle_len[j]);
    return hit ? (long long)as_tm_utf8_count(hay, (size_t)(hit - hay)) : -1;
}

static as_rc run_contains(run_ctx *x) {
    const as_code_eval *c = x->c;
    bool any = c->def->mode == M_ANY, all = c->def->mode == M_ALL;
    size_t n;
    char *hay = fold_or_copy(x->out.p, x->out.n, c->ignore_case, &n);
    size_t missing = 0;
    long long at = -1;
    size_t first = 0;
    for (size_t j = 0; j < c->n_values; j++) {
        long long o = find_needle(c, j, hay, n);
        if (o < 0) missing++;
        else if (at < 0) { at = o; first = j; }
    }
    x->pass = any ? missing < c->n_values : missing == 0;
    if (x->pass && all && c->n_values > 1) {
        as_buf_printf(x->why, "all %zu values found", c->n_values);
    } else if (x->pass) {
        as_buf_puts(x->why, "found ");
        put_qstr(x->why, c->values[first]);
        as_buf_printf(x->why, " at offset %lld", at);
    } else {
        as_buf_puts(x->why, any ? "none found: " : "missing: ");
        size_t listed = 0;
        for (size_t j = 0; j < c->n_values; j++) {
            if (!any && find_needle(c, j, hay, n) >= 0) continue;
            if (listed == LIST_MAX) {
                as_buf_printf(x->why, ", and %zu more", missing - listed);
                break;
            }
            if (listed++) as_buf_puts(x->why, ", ");
            put_qstr(x->why, c->values[j]);
        }
        if (all && c->n_values > 1)
            as_buf_printf(x->why, " (%zu of %zu found)", c->n_values - missing,
                          c->n_values);
    }
    if (c->ignore_case) as_buf_puts(x->why, " (ignoring case)");
    free(hay);
    return AS_OK;
}

static as_rc run_starts_with(run_ctx *x) {
    const as_code_eval *c = x->c;
    size_t n;
    char *hay = fold_or_copy(x->out.p, x->out.n, c->ignore_case, &n);
    x->pass = n >= c->needle_len[0] &&
              memcmp(hay, c->needles[0], c->needle_len[0]) == 0;
    free(hay);
    as_buf_puts(x->why, x->pass ? "starts with " : "does not start with ");
    put_qstr(x->why, c->values[0]);
    if (!x->pass) {
        as_buf_puts(x->why, "; the output starts with ");
        size_t len = as_tm_utf8_count(c->values[0], strlen(c->values[0]));
        put_quoted(x->why, x->out.p, x->out.n, len < 20 ? 20 : len);
    }
    if (c->ignore_case) as_buf_puts(x->why, " (ignoring case)");
    return AS_OK;
}

static as_rc run_regex(run_ctx *x) {
    const as_code_eval *c = x->c;
    char *copy = NULL;
    const char *s = x->out.p;
    if (s[x->out.n] != '\0') s = copy = as_xstrndup(x->out.p, x->out.n);
    regmatch_t m[1];
    x->pass = regexec(&c->re, s, 1, m, 0) == 0;
    if (x->pass) {
        size_t so = (size_t)m[0].rm_so, eo = (size_t)m[0].rm_eo;
        as_buf_puts(x->why, "matched ");
        put_quoted(x->why, s + so, eo - so, SNIP_CHARS);
        as_buf_printf(x->why, " at offset %zu", as_tm_utf8_count(s, so));
    } else {
        as_buf_puts(x->why, "no match for ");
        put_qstr(x->why, c->pattern);
    }
    free(copy);
    return AS_OK;
}

/* ```json ... ``` around the output: take the inside.  The opening fence
 * is the first line (any info string); the closing one is optional. */
static as_slice strip_fence(as_slice s, bool *stripped) {
    as_slice t = trim_slice(s);
    *stripped = false;
    if (t.n < 3 || memcmp(t.p, "```", 3) != 0) return s;
    const char *nl = memchr(t.p, '\n', t.n);
    if (!nl) return s;
    as_slice body = { nl + 1, t.n - (size_t)(nl + 1 - t.p) };
    body = trim_slice(body);
    if (body.n >= 3 && memcmp(body.p + body.n - 3, "```", 3) == 0) body.n -= 3;
    *stripped = true;
    return trim_slice(body);
}

static const char *json_kind(const json_t *v) {
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "object";
    case JSON_ARRAY: return "array";
    case JSON_STRING: return "string";
    case JSON_INTEGER: return "integer";
    case JSON_REAL: return "number";
    case JSON_TRUE:
    case JSON_FALSE: return "boolean";
    default: return "null";
    }
}

/* Parse the output as any JSON value; on failure a fail explanation. */
static json_t *load_output(run_ctx *x, bool *stripped) {
    as_slice s = x->out;
    *stripped = false;
    if (x->c->strip_fence) s = strip_fence(s, stripped);
    json_error_t je;
    json_t *v = json_loadb(s.p, s.n, JSON_DECODE_ANY, &je);
    if (!v) {
        as_buf_printf(x->why, "not valid JSON: %s (line %d, column %d)",
                      je.text, je.line, je.column);
        if (*stripped) as_buf_puts(x->why, " (after removing the ``` fence)");
    }
    return v;
}

static as_rc run_json_valid(run_ctx *x) {
    bool stripped;
    json_t *v = load_output(x, &stripped);
    x->pass = v != NULL;
    if (v) {
        as_buf_printf(x->why, "valid JSON (%s)", json_kind(v));
        if (stripped) as_buf_puts(x->why, " after removing the ``` fence");
        json_decref(v);
    }
    return AS_OK;
}

/* ---- JSON schema subset ---------------------------------------------------- */

static void path_key(as_buf *path, const char *key) {
    bool ident = (key[0] >= 'A' && key[0] <= 'Z') || (key[0] >= 'a' && key[0] <= 'z') ||
                 key[0] == '_';
    for (const char *k = key; ident && *k; k++)
        ident = (*k >= 'A' && *k <= 'Z') || (*k >= 'a' && *k <= 'z') ||
                (*k >= '0' && *k <= '9') || *k == '_';
    if (ident) {
        as_buf_printf(path, ".%s", key);
    } else {
        as_buf_putc(path, '[');
        as_buf_json_str(path, key, strlen(key));
        as_buf_putc(path, ']');
    }
}


/* JSON equality with 1 == 1.0 (as JSON Schema's enum and const use it). */
static bool json_same(const json_t *a, const json_t *b) {
    if (json_is_number(a) && json_is_number(b)) {
        if (json_is_integer(a) && json_is_integer(b))
            return json_integer_value(a) == json_integer_value(b);
        return json_number_value(a) == json_number_value(b);
    }
    if (json_typeof(a) != json_typeof(b)) return false;
    if (json_is_array(a)) {
        if (json_array_size(a) != json_array_size(b)) return false;
        for (size_t i = 0; i < json_array_size(a); i++)
            if (!json_same(json_array_get(a, i), json_array_get(b, i))) return false;
        return true;
    }
    if (json_is_object(a)) {
        if (json_object_size(a) != json_object_size(b)) return false;
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)a, k, v) {
            json_t *w = json_object_get(b, k);
            if (!w || !json_same(v, w)) return false;
        }
        return true;
    }
    return json_equal(a, b);
}

static bool type_is(const char *t, const json_t *v) {
    if (strcmp(t, "integer") == 0)
        return json_is_integer(v) ||
               (json_is_real(v) && floor(json_real_value(v)) == json_real_value(v));
    if (strcmp(t, "number") == 0) return json_is_number(v);
    if (strcmp(t, "boolean") == 0) return json_is_boolean(v);
    return strcmp(t, json_kind(v)) == 0;
}

static bool vfail(as_buf *why, const as_buf *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static bool vfail(as_buf *why, const as_buf *path, const char *fmt, ...) {
    as_buf_printf(why, "%s: ", path->data);
    va_list ap;
    va_start(ap, fmt);
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    as_buf_puts(why, msg);
    return false;
}

static bool validate(const json_t *s, const json_t *v, as_buf *path, as_buf *why);

static bool validate_object(const json_t *s, const json_t *v, as_buf *path,
                            as_buf *why) {
    const json_t *req = json_object_get(s, "required");
    for (size_t i = 0; i < json_array_size(req); i++) {
        const char *k = json_string_value(json_array_get(req, i));
        if (!json_object_get(v, k)) {
            vfail(why, path, "missing required property ");
            put_qstr(why, k);
            return false;
        }
    }
    const json_t *props = json_object_get(s, "properties");
    const json_t *addl = json_object_get(s, "additionalProperties");
    const char *k;
    json_t *val;
    size_t len = path->len;
    json_object_foreach((json_t *)v, k, val) {
        const json_t *sub = props ? json_object_get(props, k) : NULL;
        if (!sub) sub = addl;
        if (!sub) continue;
        path_key(path, k);
        bool ok;
        if (sub == addl && json_is_false(addl))
            ok = vfail(why, path, "property not allowed (additionalProperties is false)");
        else
            ok = validate(sub, val, path, why);
        buf_truncate(path, len);
        if (!ok) return false;
    }
    return true;
}

static bool validate(const json_t *s, const json_t *v, as_buf *path, as_buf *why) {
    if (json_is_true(s)) return true;
    if (json_is_false(s)) return vfail(why, path, "not allowed by the schema");
    const json_t *type = json_object_get(s, "type");
    if (type) {
        bool ok = false;
        if (json_is_string(type)) {
            ok = type_is(json_string_value(type), v);
        } else {
            for (size_t i = 0; i < json_array_size(type) && !ok; i++)
                ok = type_is(json_string_value(json_array_get(type, i)), v);
        }
        if (!ok) {
            as_buf_printf(why, "%s: expected ", path->data);
            if (json_is_string(type)) {
                as_buf_puts(why, json_string_value(type));
            } else {
                for (size_t i = 0; i < json_array_size(type); i++)
                    as_buf_printf(why, "%s%s", i ? " or " : "",
                                  json_string_value(json_array_get(type, i)));
            }
            as_buf_printf(why, ", got %s", json_kind(v));
            return false;
        }
    }
    const json_t *en = json_object_get(s, "enum");
    if (en) {
        bool ok = false;
        for (size_t i = 0; i < json_array_size(en) && !ok; i++)
            ok = json_same(json_array_get(en, i), v);
        if (!ok) {
            as_buf_printf(why, "%s: ", path->data);
            put_json(why, v);
            as_buf_puts(why, " is not one of ");
            put_json(why, en);
            return false;
        }
    }
    const json_t *cn = json_object_get(s, "const");
    if (cn && !json_same(cn, v)) {
        as_buf_printf(why, "%s: expected ", path->data);
        put_json(why, cn);
        as_buf_puts(why, ", got ");
        put_json(why, v);
        return false;
    }
    if (json_is_object(v)) return validate_object(s, v, path, why);
    if (json_is_array(v)) {
        size_t n = json_array_size(v);
        const json_t *mn = json_object_get(s, "minItems");
        const json_t *mx = json_object_get(s, "maxItems");
        if (mn && (json_int_t)n < json_integer_value(mn))
            return vfail(why, path, "%zu items, minItems %" JSON_INTEGER_FORMAT, n,
                         json_integer_value(mn));
        if (mx && (json_int_t)n > json_integer_value(mx))
            return vfail(why, path, "%zu items, maxItems %" JSON_INTEGER_FORMAT, n,
                         json_integer_value(mx));
        const json_t *items = json_object_get(s, "items");
        if (!items) return true;
        size_t len = path->len;
        for (size_t i = 0; i < n; i++) {
            as_buf_printf(path, "[%zu]", i);
            bool ok = validate(items, json_array_get(v, i), path, why);
            buf_truncate(path, len);
            if (!ok) return false;
        }
        return true;
    }
    if (json_is_string(v)) {
        size_t n = as_tm_utf8_count(json_string_value(v), json_string_length(v));
        const json_t *mn = json_object_get(s, "minLength");
        const json_t *mx = json_object_get(s, "maxLength");
        if (mn && (json_int_t)n < json_integer_value(mn))
            return vfail(why, path, "%zu characters, minLength %" JSON_INTEGER_FORMAT,
                         n, json_integer_value(mn));
        if (mx && (json_int_t)n > json_integer_value(mx))
            return vfail(why, path, "%zu characters, maxLength %" JSON_INTEGER_FORMAT,
                         n, json_integer_value(mx));
        return true;
    }
    if (json_is_number(v)) {
        double d = json_number_value(v);
        const json_t *mn = json_object_get(s, "minimum");
        const json_t *mx = json_object_get(s, "maximum");
        if (mn && d < json_number_value(mn)) {
            as_buf_printf(why, "%s: ", path->data);
            put_json(why, v);
            as_buf_puts(why, " is less than the minimum ");
            put_json(why, mn);
            return false;
        }
        if (mx && d > json_number_value(mx)) {
            as_buf_printf(why, "%s: ", path->data);
            put_json(why, v);
            as_buf_puts(why, " is greater than the maximum ");
            put_json(why, mx);
            return false;
        }
    }
    return true;
}

static as_rc run_json_schema(run_ctx *x) {
    bool stripped;
    json_t *v = load_output(x, &stripped);
    if (!v) {
        x->pass = false;
        return AS_OK;
    }
    as_buf path;
    as_buf_init(&path, AS_BUF_UNLIMITED);
    as_buf_putc(&path, '$');
    x->pass = validate(x->c->schema, v, &path, x->why);
    if (x->pass) as_buf_puts(x->why, "valid against the schema");
    if (stripped) as_buf_puts(x->why, " (after removing the ``` fence)");
    as_buf_release(&path);
    json_decref(v);
    return AS_OK;
}

/* ---- lengths, similarities, numbers ------------------------------------------ */

static as_rc run_length(run_ctx *x) {
    const as_code_eval *c = x->c;
    size_t bad = as_utf8_invalid_at(x->out.p, x->out.n);
    if (bad < x->out.n)
        return as_err_set(x->err, AS_EINVAL,
                          "%s: variable '%s' is not valid UTF-8 at byte %zu",
                          c->def->name, c->column,
                          (size_t)(x->out.p - x->out_raw) + bad);
    size_t n = as_tm_utf8_count(x->out.p, x->out.n);
    if (c->def->mode == M_MAX) {
        x->pass = n <= c->chars;
        as_buf_printf(x->why, x->pass ? "%zu characters, limit %zu"
                                      : "%zu characters, over the limit of %zu",
                      n, c->chars);
    } else {
        x->pass = n >= c->chars;
        as_buf_printf(x->why, x->pass ? "%zu characters, minimum %zu"
                                      : "%zu characters, under the minimum of %zu",
                      n, c->chars);
    }
    return AS_OK;
}

static void note_truncated(as_buf *why, bool truncated, const char *unit) {
    if (truncated)
        as_buf_printf(why, "; compared the first %u %s of each text only",
                      AS_TM_MAX, unit);
}

static as_rc run_levenshtein(run_ctx *x) {
    const as_code_eval *c = x->c;
    size_t na, nb;
    char *a = fold_or_copy(x->out.p, x->out.n, c->ignore_case, &na);
    char *b = fold_or_copy(x->exp.p, x->exp.n, c->ignore_case, &nb);
    as_lev_detail d;
    x->score = as_tm_levenshtein(a, na, b, nb, &d);
    free(a);
    free(b);
    x->pass = x->score >= c->num;
    put_score_vs(x->why, "similarity", x->score, c->num);
    as_buf_printf(x->why, " (edit distance %zu, %zu vs %zu characters",
                  d.distance, d.len_a, d.len_b);
    if (c->ignore_case) as_buf_puts(x->why, ", ignoring case");
    note_truncated(x->why, d.truncated, "characters");
    as_buf_putc(x->why, ')');
    return AS_OK;
}

static as_rc run_bleu(run_ctx *x) {
    as_bleu_detail d;
    x->score = as_tm_bleu(x->out.p, x->out.n, x->exp.p, x->exp.n, &d);
    x->pass = x->score >= x->c->num;
    put_score_vs(x->why, "BLEU", x->score, x->c->num);
    as_buf_printf(x->why, " (%zu vs %zu tokens", d.cand_len, d.ref_len);
    if (d.order > 0) {
        as_buf_puts(x->why, "; n-gram matches");
        for (int n = 0; n < d.order; n++)
            as_buf_printf(x->why, " %zu/%zu", d.matches[n], d.totals[n]);
        as_buf_printf(x->why, "; brevity penalty %.3f", d.brevity_penalty);
    }
    note_truncated(x->why, d.truncated, "tokens");
    as_buf_putc(x->why, ')');
    return AS_OK;
}

static as_rc run_rouge_l(run_ctx *x) {
    as_rouge_detail d;
    x->score = as_tm_rouge_l(x->out.p, x->out.n, x->exp.p, x->exp.n, &d);
    x->pass = x->score >= x->c->num;
    put_score_vs(x->why, "ROUGE-L F1", x->score, x->c->num);
    as_buf_printf(x->why,
                  " (longest common subsequence %zu tokens; precision %zu/%zu, "
                  "recall %zu/%zu",
                  d.lcs, d.lcs, d.cand_len, d.lcs, d.ref_len);
    note_truncated(x->why, d.truncated, "tokens");
    as_buf_putc(x->why, ')');
    return AS_OK;
}

static as_rc not_a_number(run_ctx *x, const char *var, as_slice s) {
    as_buf q;
    as_buf_init(&q, AS_BUF_UNLIMITED);
    put_quoted(&q, s.p, s.n, SNIP_CHARS);
    as_rc rc = as_err_set(x->err, AS_EINVAL, "%s: variable '%s' is not a number: %s",
                          x->c->def->name, var, q.data);
    as_buf_release(&q);
    return rc;
}

static as_rc run_numeric(run_ctx *x) {
    const as_code_eval *c = x->c;
    double o, e;
    if (!parse_number(x->exp.p, x->exp.n, &e))
        return not_a_number(x, c->expected_column, x->exp);
    if (!parse_number(x->out.p, x->out.n, &o)) {
        x->pass = false;
        as_buf_puts(x->why, "output is not a number: ");
        put_quoted(x->why, x->out.p, x->out.n, SNIP_CHARS);
        return AS_OK;
    }
    double diff = fabs(o - e);
    /* A few ulps of slack so that |1.01 - 1| counts as 0.01. */
    double slack = 4 * DBL_EPSILON * fmax(fabs(o), fabs(e));
    if (c->relative) {
        x->pass = diff <= c->num * fabs(e) + slack;
        double rel = e != 0 ? diff / fabs(e) : (diff == 0 ? 0 : INFINITY);
        as_buf_puts(x->why, "relative difference |");
        put_num(x->why, o);
        as_buf_puts(x->why, " - ");
        put_num(x->why, e);
        as_buf_puts(x->why, "| / |");
        put_num(x->why, e);
        as_buf_puts(x->why, "| = ");
        put_num(x->why, rel);
    } else {
        x->pass = diff <= c->num + slack;
        as_buf_puts(x->why, "|");
        put_num(x->why, o);
        as_buf_puts(x->why, " - ");
        put_num(x->why, e);
        as_buf_puts(x->why, "| = ");
        put_num(x->why, diff);
    }
    as_buf_puts(x->why, x->pass ? " <= tolerance " : " > tolerance ");
    put_num(x->why, c->num);
    return AS_OK;
}

static as_rc run_limit(run_ctx *x) {
    const as_code_eval *c = x->c;
    bool cost = c->def->mode == M_USD;
    double v;
    if (!parse_number(x->out.p, x->out.n, &v)) return not_a_number(x, c->column, x->out);
    x->pass = v <= c->num;
    const char *pre = cost ? "$" : "", *unit = cost ? "" : " ms";
    as_buf_puts(x->why, pre);
    put_num(x->why, v);
    as_buf_printf(x->why, "%s, %s%s", unit, x->pass ? "limit " : "over the limit of ", pre);
    put_num(x->why, c->num);
    as_buf_puts(x->why, unit);
    return AS_OK;
}

/* ---- the table ------------------------------------------------------------------ */

static const kind_def kinds[] = {
    { "exact_match", P_NONE, CMP_OPTS | B(P_TRIM) | B(P_IGNORE_CASE), 0, true,
      "output", 0, run_exact, M_PLAIN },
    { "contains", P_VALUE, B(P_VALUE) | TEXT_OPTS | B(P_IGNORE_CASE), B(P_VALUE),
      false, "output", 0, run_contains, M_PLAIN },
    { "icontains", P_VALUE, B(P_VALUE) | TEXT_OPTS, B(P_VALUE), false, "output", 0,
      run_contains, M_ICASE },
    { "starts_with", P_VALUE, B(P_VALUE) | TEXT_OPTS | B(P_IGNORE_CASE),
      B(P_VALUE), false, "output", 0, run_starts_with, M_PLAIN },
    { "contains_any", P_VALUES, B(P_VALUES) | TEXT_OPTS | B(P_IGNORE_CASE),
      B(P_VALUES), false, "output", 0, run_contains, M_ANY },
    { "contains_all", P_VALUES, B(P_VALUES) | TEXT_OPTS | B(P_IGNORE_CASE),
      B(P_VALUES), false, "output", 0, run_contains, M_ALL },
    { "regex", P_PATTERN, B(P_PATTERN) | B(P_FLAGS) | TEXT_OPTS, B(P_PATTERN),
      false, "output", 0, run_regex, M_PLAIN },
    { "json_valid", P_NONE, B(P_COLUMN) | B(P_STRIP_FENCE), 0, false, "output", 0,
      run_json_valid, M_PLAIN },
    { "json_schema", P_SCHEMA, B(P_SCHEMA) | B(P_COLUMN) | B(P_STRIP_FENCE),
      B(P_SCHEMA), false, "output", 0, run_json_schema, M_PLAIN },
    { "max_length", P_CHARS, B(P_CHARS) | TEXT_OPTS, B(P_CHARS), false, "output",
      0, run_length, M_MAX },
    { "min_length", P_CHARS, B(P_CHARS) | TEXT_OPTS, B(P_CHARS), false, "output",
      0, run_length, M_MIN },
    { "levenshtein", P_THRESHOLD,
      B(P_THRESHOLD) | CMP_OPTS | B(P_TRIM) | B(P_IGNORE_CASE), 0, true, "output",
      0.8, run_levenshtein, M_PLAIN },
    { "bleu", P_THRESHOLD, B(P_THRESHOLD) | CMP_OPTS, 0, true, "output", 0.5,
      run_bleu, M_PLAIN },
    { "rouge_l", P_THRESHOLD, B(P_THRESHOLD) | CMP_OPTS, 0, true, "output", 0.5,
      run_rouge_l, M_PLAIN },
    { "numeric", P_TOLERANCE, B(P_TOLERANCE) | B(P_RELATIVE) | CMP_OPTS, 0, true,
      "output", 0, run_numeric, M_PLAIN },
    { "latency", P_MAX_MS, B(P_MAX_MS) | B(P_COLUMN), B(P_MAX_MS), false,
      "latency_ms", 0, run_limit, M_MS },
    { "cost", P_MAX_USD, B(P_MAX_USD) | B(P_COLUMN), B(P_MAX_USD), false,
      "cost_usd", 0, run_limit, M_USD },
};

static const char *const kind_names[] = {
    "exact_match", "contains", "icontains", "starts_with", "contains_any",
    "contains_all", "regex", "json_valid", "json_schema", "max_length",
    "min_length", "levenshtein", "bleu", "rouge_l", "numeric", "latency", "cost",
    NULL
};

_Static_assert(AS_ARRAY_LEN(kinds) + 1 == AS_ARRAY_LEN(kind_names),
               "kind_names lists every kind");

const char *const *as_code_eval_kinds(void) { return kind_names; }

/* ---- creation ---------------------------------------------------------------------- */

static as_rc param_error(const as_code_eval *c, const char *name,
                         const char *must, const json_t *got, as_err *err) {
    as_buf g;
    as_buf_init(&g, AS_BUF_UNLIMITED);
    put_json(&g, got);
    as_rc rc = as_err_set(err, AS_EINVAL, "%s: parameter '%s' must be %s, got %s",
                          c->def->name, name, must, g.data);
    as_buf_release(&g);
    return rc;
}

static bool is_count(const json_t *v) {
    if (json_is_integer(v)) return json_integer_value(v) >= 0;
    if (!json_is_real(v)) return false;
    double d = json_real_value(v);
    return d >= 0 && floor(d) == d && d < 9e15;
}

static double count_of(const json_t *v) { return json_number_value(v); }

/* ---- the schema, checked once ---- */

static const char *const schema_supported[] = {
    "type", "properties", "required", "enum", "const", "items",
    "additionalProperties", "minLength", "maxLength", "minimum", "maximum",
    "minItems", "maxItems",
};
/* Annotations: accepted and ignored. */
static const char *const schema_ignored[] = {
    "$schema", "$id", "$comment", "title", "description", "default", "examples",
    "format", "deprecated", "readOnly", "writeOnly", "$defs", "definitions",
};
static const char *const schema_types[] = {
    "object", "array", "string", "number", "integer", "boolean", "null",
};

static bool in_list(const char *s, const char *const *list, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (strcmp(s, list[i]) == 0) return true;
    return false;
}

static as_rc schema_error(as_err *err, const as_buf *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static as_rc schema_error(as_err *err, const as_buf *path, const char *fmt, ...) {
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return as_err_set(err, AS_EINVAL, "json_schema: schema error at %s: %s",
                      path->data, msg);
}

static as_rc check_schema(const json_t *s, as_buf *path, as_err *err);

static as_rc check_type_name(const json_t *t, as_buf *path, as_err *err) {
    const char *name = json_string_value(t);
    if (name && in_list(name, schema_types, AS_ARRAY_LEN(schema_types))) return AS_OK;
    as_buf g;
    as_buf_init(&g, AS_BUF_UNLIMITED);
    put_json(&g, t);
    as_rc rc = schema_error(err, path,
                            "unknown type %s (types: object, array, string, "
                            "number, integer, boolean, null)", g.data);
    as_buf_release(&g);
    return rc;
}

static as_rc check_keyword(const char *k, const json_t *v, as_buf *path, as_err *err) {
    size_t len = path->len;
    as_rc rc = AS_OK;
    path_key(path, k);
    if (strcmp(k, "type") == 0) {
        if (json_is_array(v) && json_array_size(v) > 0) {
            for (size_t i = 0; i < json_array_size(v) && !rc; i++)
                rc = check_type_name(json_array_get(v, i), path, err);
        } else {
            rc = check_type_name(v, path, err);
        }
    } else if (strcmp(k, "properties") == 0) {
        if (!json_is_object(v)) {
            rc = schema_error(err, path, "must be an object of schemas");
        } else {
            const char *pk;
            json_t *pv;
            size_t l2 = path->len;
            json_object_foreach((json_t *)v, pk, pv) {
                path_key(path, pk);
                rc = check_schema(pv, path, err);
                buf_truncate(path, l2);
                if (rc) break;
            }
        }
    } else if (strcmp(k, "required") == 0) {
        bool ok = json_is_array(v);
        for (size_t i = 0; ok && i < json_array_size(v); i++)
            ok = json_is_string(json_array_get(v, i));
        if (!ok) rc = schema_error(err, path, "must be an array of strings");
    } else if (strcmp(k, "enum") == 0) {
        if (!json_is_array(v) || json_array_size(v) == 0)
            rc = schema_error(err, path, "must be a non-empty array");
    } else if (strcmp(k, "items") == 0 || strcmp(k, "additionalProperties") == 0) {
        rc = check_schema(v, path, err);
    } else if (strcmp(k, "minimum") == 0 || strcmp(k, "maximum") == 0) {
        if (!json_is_number(v)) rc = schema_error(err, path, "must be a number");
    } else if (strcmp(k, "const") != 0) {       /* lengths and item counts */
        if (!json_is_integer(v) || json_integer_value(v) < 0)
            rc = schema_error(err, path, "must be a non-negative integer");
    }
    buf_truncate(path, len);
    return rc;
}

static as_rc check_schema(const json_t *s, as_buf *path, as_err *err) {
    if (json_is_boolean(s)) return AS_OK;
    if (!json_is_object(s))
        return schema_error(err, path, "a schema must be an object or a boolean");
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)s, k, v) {
        if (in_list(k, schema_ignored, AS_ARRAY_LEN(schema_ignored))) continue;
        if (!in_list(k, schema_supported, AS_ARRAY_LEN(schema_supported)))
            return schema_error(err, path,
                                "keyword '%s' is not supported (supported: type, "
                                "properties, required, enum, const, items, "
                                "additionalProperties, minLength, maxLength, "
                                "minimum, maximum, minItems, maxItems)", k);
        as_rc rc = check_keyword(k, v, path, err);
        if (rc) return rc;
    }
    return AS_OK;
}

/* ---- parameter values ---- */

static as_rc set_string(as_code_eval *c, const char *name, const json_t *v,
                        char **dst, as_err *err) {
    if (!json_is_string(v) || json_string_length(v) == 0)
        return param_error(c, name, "a non-empty string", v, err);
    free(*dst);
    *dst = as_xstrdup(json_string_value(v));
    return AS_OK;
}

static as_rc set_values(as_code_eval *c, const json_t *v, bool single, as_err *err) {
    const char *name = param_names[single ? P_VALUE : P_VALUES];
    size_t n = single ? 1 : json_array_size(v);
    if (!single && (!json_is_array(v) || n == 0))
        return param_error(c, name, "a non-empty array of strings", v, err);
    char **vals = as_xcalloc(n, sizeof(*vals));
    as_rc rc = AS_OK;
    for (size_t i = 0; i < n && !rc; i++) {
        const json_t *e = single ? v : json_array_get(v, i);
        char ename[32];
        if (single) snprintf(ename, sizeof ename, "%s", name);
        else snprintf(ename, sizeof ename, "%s[%zu]", name, i);
        rc = set_string(c, ename, e, &vals[i], err);
    }
    if (rc) {
        for (size_t i = 0; i < n; i++) free(vals[i]);
        free(vals);
        return rc;
    }
    for (size_t i = 0; i < c->n_values; i++) free(c->values[i]);
    free(c->values);
    c->values = vals;
    c->n_values = n;
    return AS_OK;
}

static as_rc set_number(as_code_eval *c, int p, const json_t *v, as_err *err) {
    const char *name = param_names[p];
    if (p == P_CHARS) {
        if (!is_count(v)) return param_error(c, name, "a non-negative integer", v, err);
        c->chars = (size_t)count_of(v);
        return AS_OK;
    }
    if (p == P_THRESHOLD) {
        if (!json_is_number(v) || json_number_value(v) < 0 || json_number_value(v) > 1)
            return param_error(c, name, "a number in [0, 1]", v, err);
    } else if (!json_is_number(v) || json_number_value(v) < 0) {
        return param_error(c, name, "a non-negative number", v, err);
    }
    c->num = json_number_value(v);
    return AS_OK;
}

static as_rc set_flags(as_code_eval *c, const json_t *v, int *cflags, as_err *err) {
    if (!json_is_string(v)) return param_error(c, "flags", "a string such as \"i\"", v, err);
    for (const char *f = json_string_value(v); *f; f++) {
        if (*f == 'i') *cflags |= REG_ICASE;
        else
            return as_err_set(err, AS_EINVAL,
                              "regex: parameter 'flags' has an unknown flag '%c' "
                              "(supported: i)", *f);
    }
    return AS_OK;
}

static as_rc apply_param(as_code_eval *c, int p, const json_t *v, int *cflags,
                         as_err *err) {
    const char *name = param_names[p];
    switch (p) {
    case P_VALUE: return set_values(c, v, true, err);
    case P_VALUES: return set_values(c, v, false, err);
    case P_PATTERN: return set_string(c, name, v, &c->pattern, err);
    case P_FLAGS: return set_flags(c, v, cflags, err);
    case P_COLUMN: return set_string(c, name, v, &c->column, err);
    case P_EXPECTED_COLUMN: return set_string(c, name, v, &c->expected_column, err);
    case P_SCHEMA: {
        if (!json_is_object(v) && !json_is_boolean(v))
            return param_error(c, name, "a JSON object", v, err);
        as_buf path;
        as_buf_init(&path, AS_BUF_UNLIMITED);
        as_buf_putc(&path, '$');
        as_rc rc = check_schema(v, &path, err);
        as_buf_release(&path);
        if (rc) return rc;
        json_decref(c->schema);
        c->schema = json_incref((json_t *)v);
        return AS_OK;
    }
    case P_RELATIVE:
    case P_IGNORE_CASE:
    case P_TRIM:
    case P_STRIP_FENCE: {
        if (!json_is_boolean(v)) return param_error(c, name, "true or false", v, err);
        bool b = json_is_true(v);
        if (p == P_RELATIVE) c->relative = b;
        else if (p == P_IGNORE_CASE) c->ignore_case = b;
        else if (p == P_TRIM) c->trim = b;
        else c->strip_fence = b;
        return AS_OK;
    }
    default:
        return set_number(c, p, v, err);
    }
}

static int param_index(const char *key) {
    for (int p = 0; p < P_COUNT; p++)
        if (strcmp(key, param_names[p]) == 0) return p;
    return P_NONE;
}

static as_rc unknown_param(const as_code_eval *c, const char *key, as_err *err) {
    char list[256] = "";
    size_t used = 0;
    for (int p = 0; p < P_COUNT; p++)
        if (c->def->accepted & B(p))
            used += (size_t)snprintf(list + used, sizeof list - used, "%s%s",
                                     used ? ", " : "", param_names[p]);
    return as_err_set(err, AS_EINVAL, "%s: unknown parameter '%s' (accepted: %s)",
                      c->def->name, key, list);
}

/* A plain argument that is a number: its JSON value; anything else stays a
 * string and the parameter check reports it. */
static json_t *plain_number(const char *s) {
    as_slice t = trim_slice((as_slice){ s, strlen(s) });
    char tmp[64];
    bool ok = t.n > 0 && t.n < sizeof tmp;
    for (size_t i = 0; ok && i < t.n; i++) ok = strchr("+-.0123456789eE", t.p[i]) != NULL;
    if (ok) {
        memcpy(tmp, t.p, t.n);
        tmp[t.n] = '\0';
        char *e;
        errno = 0;
        long long ll = strtoll(tmp, &e, 10);
        if (!*e && errno == 0) return json_integer(ll);
        double d = strtod(tmp, &e);
        if (!*e && isfinite(d)) return json_real(d);
    }
    return json_stringn(s, strlen(s));
}

/* The parameters as one JSON object (new reference in *obj). */
static as_rc params_object(const as_code_eval *c, const char *params, json_t **obj,
                           as_err *err) {
    const kind_def *d = c->def;
    *obj = NULL;
    if (!params || !*params) {
        *obj = json_object();
        return AS_OK;
    }
    const char *p = params;
    while (is_ascii_space(*p)) p++;
    json_error_t je;
    if (*p == '{') {
        json_t *v = json_loads(p, JSON_REJECT_DUPLICATES, &je);
        if (!v)
            return as_err_set(err, AS_EINVAL,
                              "%s: parameters are not valid JSON: %s (line %d, column %d)",
                              d->name, je.text, je.line, je.column);
        /* json_schema's plain argument is itself an object: without a
         * "schema" key, the whole object is the schema. */
        if (d->main == P_SCHEMA && !json_object_get(v, "schema")) {
            json_t *w = json_object();
            json_object_set_new(w, "schema", v);
            v = w;
        }
        *obj = v;
        return AS_OK;
    }
    if (d->main == P_NONE) {
        as_buf g;
        as_buf_init(&g, AS_BUF_UNLIMITED);
        put_qstr(&g, params);
        as_rc rc = as_err_set(err, AS_EINVAL,
                              "%s: takes no plain argument (got %s); give parameters "
                              "as a JSON object", d->name, g.data);
        as_buf_release(&g);
        return rc;
    }
    json_t *val = NULL;
    size_t n = strlen(params);
    if (*p == '"') {
        /* A JSON string literal (a file's "params": "refund") is decoded. */
        val = json_loads(p, JSON_DECODE_ANY, &je);
        if (val && !json_is_string(val)) {
            json_decref(val);
            val = NULL;
        }
    }
    if (val) {
        /* decoded above */
    } else if (d->main == P_VALUES && *p == '[') {
        val = json_loads(p, 0, &je);
        if (!val)
            return as_err_set(err, AS_EINVAL,
                              "%s: parameter 'values' is not a valid JSON array: %s "
                              "(line %d, column %d)", d->name, je.text, je.line, je.column);
    } else if (d->main == P_VALUE || d->main == P_VALUES || d->main == P_PATTERN ||
               d->main == P_SCHEMA) {
        val = json_stringn(params, n);
    } else {
        val = plain_number(params);
    }
    if (!val)
        return as_err_set(err, AS_EINVAL, "%s: parameter '%s' is not valid UTF-8",
                          d->name, param_names[d->main]);
    if (d->main == P_VALUES && json_is_string(val)) {
        json_t *arr = json_array();
        json_array_append_new(arr, val);
        val = arr;
    }
    *obj = json_object();
    json_object_set_new(*obj, param_names[d->main], val);
    return AS_OK;
}

/* Turn \d and \D (outside bracket expressions) into [0-9] and [^0-9]: POSIX
 * EREs do not have them, and people write them anyway. */
static char *ere_translate(const char *p) {
    as_buf b;
    as_buf_init(&b, AS_BUF_UNLIMITED);
    while (*p) {
        if (p[0] == '\\' && p[1]) {
            if (p[1] == 'd') as_buf_puts(&b, "[0-9]");
            else if (p[1] == 'D') as_buf_puts(&b, "[^0-9]");
            else as_buf_append(&b, p, 2);
            p += 2;
            continue;
        }
        if (*p != '[') {
            as_buf_putc(&b, *p++);
            continue;
        }
        /* copy a bracket expression as it is: [^]...] with [:x:] inside */
        const char *q = p + 1;
        if (*q == '^') q++;
        if (*q == ']') q++;
        while (*q && *q != ']') {
            if (q[0] == '[' && (q[1] == ':' || q[1] == '=' || q[1] == '.')) {
                const char *e = strchr(q + 2, q[1]);
                while (e && e[1] != ']') e = strchr(e + 1, q[1]);
                q = e ? e + 2 : q + 1;
            } else {
                q++;
            }
        }
        if (*q) q++;
        as_buf_append(&b, p, (size_t)(q - p));
        p = q;
    }
    return as_buf_detach(&b, NULL);
}

static as_rc prepare(as_code_eval *c, int cflags, as_err *err) {
    const kind_def *d = c->def;
    if (d->mode == M_ICASE) c->ignore_case = true;
    if (c->n_values) {
        c->needles = as_xcalloc(c->n_values, sizeof(*c->needles));
        c->needle_len = as_xcalloc(c->n_values, sizeof(*c->needle_len));
        for (size_t i = 0; i < c->n_values; i++)
            c->needles[i] = fold_or_copy(c->values[i], strlen(c->values[i]),
                                         c->ignore_case, &c->needle_len[i]);
    }
    if (c->pattern) {
        char *ere = ere_translate(c->pattern);
        int rc = regcomp(&c->re, ere, cflags);
        free(ere);
        if (rc != 0) {
            char msg[200];
            regerror(rc, &c->re, msg, sizeof msg);
            as_buf q;
            as_buf_init(&q, AS_BUF_UNLIMITED);
            put_qstr(&q, c->pattern);
            as_err_set(err, AS_EINVAL, "regex: parameter 'pattern' %s does not compile: %s",
                       q.data, msg);
            as_buf_release(&q);
            return AS_EINVAL;
        }
        c->has_regex = true;
    }
    c->vars[0] = c->column;
    c->n_vars = 1;
    if (d->compares) c->vars[c->n_vars++] = c->expected_column;
    return AS_OK;
}

as_rc as_code_eval_new(const char *kind, const char *params, as_code_eval **out,
                       as_err *err) {
    *out = NULL;
    const kind_def *d = NULL;
    for (size_t i = 0; kind && i < AS_ARRAY_LEN(kinds) && !d; i++)
        if (strcmp(kinds[i].name, kind) == 0) d = &kinds[i];
    if (!d) {
        char list[512] = "";
        size_t used = 0;
        for (size_t i = 0; i < AS_ARRAY_LEN(kinds); i++)
            used += (size_t)snprintf(list + used, sizeof list - used, "%s%s",
                                     used ? ", " : "", kinds[i].name);
        return as_err_set(err, AS_EINVAL, "unknown code evaluator kind '%s' (kinds: %s)",
                          kind ? kind : "", list);
    }
    as_code_eval *c = as_xcalloc(1, sizeof(*c));
    c->def = d;
    c->num = d->num;
    c->strip_fence = d->main == P_SCHEMA;
    json_t *obj = NULL;
    int cflags = REG_EXTENDED;
    as_rc rc = params_object(c, params, &obj, err);
    const char *key;
    json_t *v;
    unsigned seen = 0;
    if (rc == AS_OK) {
        json_object_foreach(obj, key, v) {
            int p = param_index(key);
            if (p == P_NONE || !(d->accepted & B(p))) {
                rc = unknown_param(c, key, err);
                break;
            }
            rc = apply_param(c, p, v, &cflags, err);
            if (rc) break;
            seen |= B(p);
        }
    }
    for (int p = 0; rc == AS_OK && p < P_COUNT; p++)
        if ((d->required & B(p)) && !(seen & B(p)))
            rc = as_err_set(err, AS_EINVAL, "%s: parameter '%s' is required (e.g. %s:%s)",
                            d->name, param_names[p], d->name,
                            p == P_VALUE ? "refund" : p == P_VALUES ? "[\"a\",\"b\"]"
                            : p == P_PATTERN ? "^[0-9]+$" : p == P_SCHEMA
                            ? "{\"type\":\"object\"}" : p == P_MAX_USD ? "0.01"
                            : p == P_MAX_MS ? "2000" : "500");
    json_decref(obj);
    if (rc == AS_OK) {
        if (!c->column) c->column = as_xstrdup(d->column);
        if (!c->expected_column) c->expected_column = as_xstrdup("expected");
        rc = prepare(c, cflags, err);
    }
    if (rc) {
        as_code_eval_free(c);
        return rc;
    }
    *out = c;
    return AS_OK;
}

void as_code_eval_free(as_code_eval *c) {
    if (!c) return;
    for (size_t i = 0; i < c->n_values; i++) {
        free(c->values[i]);
        if (c->needles) free(c->needles[i]);
    }
    free(c->values);
    free(c->needles);
    free(c->needle_len);
    if (c->has_regex) regfree(&c->re);
    free(c->pattern);
    json_decref(c->schema);
    free(c->column);
    free(c->expected_column);
    free(c);
}

const char *as_code_eval_kind(const as_code_eval *c) { return c->def->name; }

size_t as_code_eval_vars(const as_code_eval *c, const char *const **names) {
    *names = c->vars;
    return c->n_vars;
}

/* ---- running ------------------------------------------------------------------------ */

as_rc as_code_eval_run(const as_code_eval *c, as_var_fn var, void *ud,
                       as_verdict *out, as_err *err) {
    const char *vals[2];
    for (size_t i = 0; i < c->n_vars; i++) {
        vals[i] = var(ud, c->vars[i]);
        if (!vals[i])
            return as_err_set(err, AS_EINVAL, "%s: variable '%s' has no value",
                              c->def->name, c->vars[i]);
    }
    as_buf why;
    as_buf_init(&why, WHY_MAX);
    run_ctx x = {
        .c = c,
        .out = { vals[0], strlen(vals[0]) },
        .exp = c->def->compares ? (as_slice){ vals[1], strlen(vals[1]) }
                                : (as_slice){ "", 0 },
        .out_raw = vals[0],
        .why = &why,
        .score = NAN,
        .err = err,
    };
    if (c->trim) {
        x.out = trim_slice(x.out);
        if (c->def->compares) x.exp = trim_slice(x.exp);
    }
    as_rc rc = c->def->run(&x);
    if (rc) {
        as_buf_release(&why);
        return rc;
    }
    snprintf(out->label, sizeof out->label, "%s", x.pass ? "pass" : "fail");
    out->score = isnan(x.score) ? (x.pass ? 1.0 : 0.0) : x.score;
    out->explanation = as_buf_detach(&why, NULL);
    return AS_OK;
}
