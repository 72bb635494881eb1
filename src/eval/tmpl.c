/*
 * tmpl.c - variable substitution in judge templates (as_tmpl_*).
 *
 * Two syntaxes, one scanner.  f-string: {var} substitutes, {{ and }} are
 * literal braces, any other brace is an error (so that a JSON snippet
 * pasted into an f-string template fails loudly instead of rendering half
 * a prompt).  mustache: {{var}}, {{ var }}, {{{var}}} and {{& var}}
 * substitute, {{! comment }} is dropped, sections, partials and delimiter
 * changes are refused, single braces are text.  Values go in verbatim:
 * a prompt is not HTML, so nothing is escaped.
 *
 * A variable name is [A-Za-z_][A-Za-z0-9_]* followed by any number of
 * .segment parts ([A-Za-z0-9_]+): "input.question" is one name, looked up
 * as the whole string; what it means is up to the lookup callback.
 *
 * Errors give "line L, column C" (1-based, columns in code points) of the
 * offending brace.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assay/alloc.h"
#include "assay/utf8.h"
#include "assay/buf.h"
#include "assay/eval.h"

#define TMPL_NAME_MAX 128            /* bytes in a variable name          */
#define TMPL_OUT_MAX (64u << 20)     /* a rendered text                   */

typedef as_rc (*tk_text_fn)(void *ud, const char *p, size_t n);
typedef as_rc (*tk_var_fn)(void *ud, const char *name);

typedef struct tk_sink {
    tk_text_fn text;
    tk_var_fn var;
    void *ud;
} tk_sink;

static void pos(const char *s, size_t off, size_t *line, size_t *col) {
    size_t l = 1, c = 1;
    for (size_t i = 0; i < off && s[i]; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '\n') { l++; c = 1; }
        else if ((ch & 0xC0) != 0x80) c++;
    }
    *line = l;
    *col = c;
}

static as_rc tmpl_fail(as_err *err, const char *s, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static as_rc tmpl_fail(as_err *err, const char *s, size_t off, const char *fmt, ...) {
    char msg[AS_ERR_MSG_MAX];
    size_t line, col;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    pos(s, off, &line, &col);
    return as_err_set(err, AS_EINVAL, "line %zu, column %zu: %s", line, col, msg);
}

static bool alpha_(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
static bool alnum_(char c) { return alpha_(c) || (c >= '0' && c <= '9'); }

static bool valid_name(const char *p, size_t n) {
    if (n == 0 || n >= TMPL_NAME_MAX || !alpha_(p[0])) return false;
    size_t i = 1;
    while (i < n && alnum_(p[i])) i++;
    while (i < n) {
        if (p[i] != '.') return false;
        size_t start = ++i;
        while (i < n && alnum_(p[i])) i++;
        if (i == start) return false;
    }
    return true;
}

/* "{x y}" for messages, shortened. */
static const char *show(const char *p, size_t n, char *out, size_t cap) {
    return as_utf8_excerpt(p, n, out, cap);
}

static as_rc emit_var(const tk_sink *k, const char *p, size_t n) {
    char name[TMPL_NAME_MAX];
    memcpy(name, p, n);
    name[n] = '\0';
    return k->var(k->ud, name);
}

static as_rc scan_fstring(const char *s, const tk_sink *k, as_err *err) {
    size_t i = 0, text = 0;
    as_rc rc = AS_OK;
    char shown[64];
    while (s[i] && rc == AS_OK) {
        char c = s[i];
        if ((c == '{' || c == '}') && s[i + 1] == c) {   /* {{ or }}: one literal */
            rc = k->text(k->ud, s + text, i + 1 - text);
            i += 2;
            text = i;
            continue;
        }
        if (c == '}')
            return tmpl_fail(err, s, i, "unmatched '}' (write }} for a literal brace)");
        if (c != '{') {                 /* text: on to the next brace */
            i++;
            i += strcspn(s + i, "{}");
            continue;
        }
        size_t j = i + 1;
        while (s[j] && s[j] != '}' && s[j] != '{') j++;
        if (s[j] != '}')
            return tmpl_fail(err, s, i, "unmatched '{' (write {{ for a literal brace)");
        const char *name = s + i + 1;
        size_t n = j - i - 1;
        if (n == 0)
            return tmpl_fail(err, s, i, "empty variable name '{}' (write {{}} for literal braces)");
        if (!valid_name(name, n))
            return tmpl_fail(err, s, i,
                             "'{%s}' is not a variable: names are letters, digits, "
                             "'_' and '.' (write {{ and }} for literal braces)",
                             show(name, n, shown, sizeof shown));
        rc = k->text(k->ud, s + text, i - text);
        if (rc == AS_OK) rc = emit_var(k, name, n);
        i = j + 1;
        text = i;
    }
    if (rc == AS_OK) rc = k->text(k->ud, s + text, i - text);
    return rc;
}

static bool is_blank(char c) { return c == ' ' || c == '\t'; }

static as_rc scan_mustache(const char *s, const tk_sink *k, as_err *err) {
    size_t i = 0, text = 0;
    as_rc rc = AS_OK;
    char shown[64];
    while (s[i] && rc == AS_OK) {
        if (s[i] != '{' || s[i + 1] != '{') {  /* text: on to the next brace */
            const char *b = strchr(s + i + 1, '{');
            i = b ? (size_t)(b - s) : i + 1 + strlen(s + i + 1);
            continue;
        }
        bool triple = s[i + 2] == '{';
        const char *close = strstr(s + i + (triple ? 3 : 2), triple ? "}}}" : "}}");
        if (!close)
            return tmpl_fail(err, s, i, triple ? "unmatched '{{{'" : "unmatched '{{'");
        const char *p = s + i + (triple ? 3 : 2), *e = close;
        while (p < e && is_blank(*p)) p++;
        while (e > p && is_blank(e[-1])) e--;
        size_t next = (size_t)(close - s) + (triple ? 3 : 2);
        if (!triple && p < e) {
            switch (*p) {
            case '!':                                 /* comment */
                rc = k->text(k->ud, s + text, i - text);
                i = text = next;
                continue;
            case '#': case '^': case '/':
                return tmpl_fail(err, s, i, "sections ({{%c...}}) are not supported", *p);
            case '>':
                return tmpl_fail(err, s, i, "partials ({{>...}}) are not supported");
            case '=':
                return tmpl_fail(err, s, i, "changing delimiters ({{=...=}}) is not supported");
            case '&':
                p++;
                while (p < e && is_blank(*p)) p++;
                break;
            default: break;
            }
        }
        size_t n = (size_t)(e - p);
        if (n == 0) return tmpl_fail(err, s, i, "empty variable name");
        if (!valid_name(p, n))
            return tmpl_fail(err, s, i,
                             "'%s' is not a variable: names are letters, digits, '_' and '.'",
                             show(p, n, shown, sizeof shown));
        rc = k->text(k->ud, s + text, i - text);
        if (rc == AS_OK) rc = emit_var(k, p, n);
        i = text = next;
    }
    if (rc == AS_OK) rc = k->text(k->ud, s + text, i - text);
    return rc;
}

static as_rc scan(const char *tmpl, as_tmpl_format fmt, const tk_sink *k, as_err *err) {
    return fmt == AS_TMPL_MUSTACHE ? scan_mustache(tmpl, k, err)
                                   : scan_fstring(tmpl, k, err);
}

/* ---- render ------------------------------------------------------------- */

typedef struct render_ctx {
    as_buf out;
    as_var_fn var;
    void *ud;
    as_err *err;
} render_ctx;

static as_rc render_text(void *ud, const char *p, size_t n) {
    render_ctx *r = ud;
    if (as_buf_append(&r->out, p, n) != AS_OK)
        return as_err_set(r->err, AS_ETOOBIG, "rendered text is larger than %u bytes",
                          TMPL_OUT_MAX);
    return AS_OK;
}

static as_rc render_var(void *ud, const char *name) {
    render_ctx *r = ud;
    const char *v = r->var ? r->var(r->ud, name) : NULL;
    if (!v) return as_err_set(r->err, AS_EINVAL, "variable '%s' has no value", name);
    return render_text(ud, v, strlen(v));
}

as_rc as_tmpl_render(const char *tmpl, as_tmpl_format fmt, as_var_fn var,
                     void *ud, char **out, as_err *err) {
    render_ctx r = { .var = var, .ud = ud, .err = err };
    as_buf_init(&r.out, TMPL_OUT_MAX);
    *out = NULL;
    tk_sink k = { render_text, render_var, &r };
    as_rc rc = scan(tmpl ? tmpl : "", fmt, &k, err);
    if (rc != AS_OK) {
        as_buf_release(&r.out);
        return rc;
    }
    *out = as_buf_detach(&r.out, NULL);
    return AS_OK;
}

/* ---- variable listing --------------------------------------------------- */

typedef struct vars_ctx {
    char **names;
    size_t n, cap;
} vars_ctx;

static as_rc vars_text(void *ud, const char *p, size_t n) {
    AS_UNUSED(ud); AS_UNUSED(p); AS_UNUSED(n);
    return AS_OK;
}

static as_rc vars_var(void *ud, const char *name) {
    vars_ctx *v = ud;
    for (size_t i = 0; i < v->n; i++)
        if (strcmp(v->names[i], name) == 0) return AS_OK;
    if (v->n == v->cap) {
        v->cap = v->cap ? 2 * v->cap : 8;
        v->names = as_xrealloc(v->names, v->cap * sizeof *v->names);
    }
    v->names[v->n++] = as_xstrdup(name);
    return AS_OK;
}

as_rc as_tmpl_vars(const char *tmpl, as_tmpl_format fmt, char ***names,
                   size_t *n, as_err *err) {
    vars_ctx v = { 0 };
    tk_sink k = { vars_text, vars_var, &v };
    *names = NULL;
    *n = 0;
    as_rc rc = scan(tmpl ? tmpl : "", fmt, &k, err);
    if (rc != AS_OK) {
        as_tmpl_vars_free(v.names, v.n);
        return rc;
    }
    *names = v.names;
    *n = v.n;
    return AS_OK;
}

void as_tmpl_vars_free(char **names, size_t n) {
    if (!names) return;
    for (size_t i = 0; i < n; i++) free(names[i]);
    free(names);
}
