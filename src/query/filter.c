/*
 * filter.c - the span filter expression language (contract and grammar in
 * include/assay/filter.h; the user reference is docs/filter.md).
 *
 * Three small stages:
 *   1. A lexer hands out one token at a time, so the error reported is the
 *      leftmost one.  The whole input is first checked for valid UTF-8 and
 *      NUL bytes, so messages that quote the input are always valid UTF-8
 *      (they end up in JSON).  Columns count characters (code points) from 1.
 *   2. A recursive-descent parser, one function per grammar rule, builds an
 *      AST in an arena owned by the as_filter.  'and'/'or' chains become one
 *      n-ary node, so long chains do not deepen the tree; only '(' and 'not'
 *      nest, and they are counted against AS_FILTER_MAX_DEPTH, which bounds
 *      the recursion of both the parser and the compiler.  Checks that need
 *      no column table (lists only after 'in', None only with == and !=, ...)
 *      are made here so that their errors carry a column.
 *   3. The compiler walks the AST and appends fixed SQL fragments with '?'
 *      placeholders; every literal and attribute path is a bound parameter.
 *      Where a sub-expression is needed more than once (the truthiness test)
 *      or in an order the dialect chooses (contains() may put the haystack
 *      first), it is built in a scratch buffer with its own parameter list
 *      and spliced in, so parameters always follow the order of the '?'.
 *
 * Semantics are SQL's, as in Phoenix's SQLAlchemy translation: a comparison
 * with a missing attribute (NULL) is never true, and neither is 'not' of it;
 * 'is None' finds missing values.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "assay/alloc.h"
#include "assay/arena.h"
#include "assay/filter.h"

/* ---- AST ---------------------------------------------------------------- */

typedef enum {
    N_NULL, N_BOOL, N_INT, N_REAL, N_STR,       /* literals (keep first) */
    N_PATH, N_LIST,                             /* other values          */
    N_CMP, N_IN, N_ISNULL, N_NOT, N_AND, N_OR   /* predicates            */
} node_kind;

typedef enum { OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE } cmp_op;

typedef struct node node;
struct node {
    node_kind kind;
    size_t col;            /* 1-based column where the node starts        */
    node *kids, *tail;     /* operands, list items, and/or children       */
    node *next;            /* sibling                                     */
    cmp_op op;             /* N_CMP                                       */
    bool neg;              /* N_IN: 'not in'; N_ISNULL: 'is not None'     */
    int64_t i;             /* N_INT, N_BOOL (1/0)                         */
    double d;              /* N_REAL                                      */
    char *s;               /* N_STR value (no NUL inside); N_PATH: as typed */
    size_t slen;
    const char *colname;   /* N_PATH: name to match against columns, or NULL */
    char **segs;           /* N_PATH: attribute key segments              */
    size_t nseg;
};

struct as_filter {
    as_arena arena;
    node *root;
};

static bool is_literal(const node *n) { return n->kind <= N_STR; }

static void add_kid(node *parent, node *kid) {
    if (parent->tail) parent->tail->next = kid;
    else parent->kids = kid;
    parent->tail = kid;
}

/* ---- characters and numbers --------------------------------------------- */

static bool is_alpha(int c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}
static bool is_digit(int c) { return c >= '0' && c <= '9'; }
static bool is_word(int c) { return is_alpha(c) || is_digit(c); }

static bool all_digits(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (!is_digit(s[i])) return false;
    return n > 0;
}

/* Index of the first byte that is not part of valid UTF-8, or n. */
static size_t utf8_check(const unsigned char *s, size_t n) {
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        if (c < 0x80) { i++; continue; }
        size_t k;
        unsigned lo = 0x80, hi = 0xBF;
        if (c >= 0xC2 && c <= 0xDF) {
            k = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
            k = 2;
            if (c == 0xE0) lo = 0xA0;
            else if (c == 0xED) hi = 0x9F;       /* no surrogates */
        } else if (c >= 0xF0 && c <= 0xF4) {
            k = 3;
            if (c == 0xF0) lo = 0x90;
            else if (c == 0xF4) hi = 0x8F;       /* <= U+10FFFF */
        } else {
            return i;
        }
        if (n - i - 1 < k || s[i + 1] < lo || s[i + 1] > hi) return i;
        for (size_t j = 2; j <= k; j++)
            if ((s[i + j] & 0xC0) != 0x80) return i;
        i += k + 1;
    }
    return n;
}

/* Length of the number at the start of s (-?D+(.D+)?([eE][+-]?D+)?), 0 if
 * there is none. */
static size_t scan_number(const char *s, size_t n) {
    size_t i = 0;
    if (i < n && s[i] == '-') i++;
    size_t d0 = i;
    while (i < n && is_digit(s[i])) i++;
    if (i == d0) return 0;
    if (i + 1 < n && s[i] == '.' && is_digit(s[i + 1])) {
        i++;
        while (i < n && is_digit(s[i])) i++;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        size_t j = i + 1;
        if (j < n && (s[j] == '+' || s[j] == '-')) j++;
        if (j < n && is_digit(s[j])) {
            i = j;
            while (i < n && is_digit(s[i])) i++;
        }
    }
    return i;
}

/* The value of n bytes that scan_number accepted in full: an int64 when it
 * is written without '.' or exponent and fits, else a double.  False when
 * the double is out of range. */
static bool number_value(const char *s, size_t n, bool *is_int, int64_t *iv,
                         double *dv) {
    char small[64];
    char *z = n < sizeof(small) ? small : as_xmalloc(n + 1);
    memcpy(z, s, n);
    z[n] = '\0';
    bool ok = true;
    *is_int = false;
    if (strcspn(z, ".eE") == n) {
        errno = 0;
        long long v = strtoll(z, NULL, 10);
        if (errno == 0) {
            *is_int = true;
            *iv = v;
        }
    }
    if (!*is_int) {
        *dv = strtod(z, NULL);
        ok = isfinite(*dv);
    }
    if (z != small) free(z);
    return ok;
}

/* Up to 40 bytes of s (valid UTF-8) for a message: whole characters only,
 * control characters as \xNN, "..." when cut. */
static void excerpt(char *out, size_t cap, const char *s, size_t n) {
    static const char hexd[] = "0123456789abcdef";
    const size_t maxin = 40;
    size_t o = 0, i = 0;
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        size_t clen = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
        if (clen > n - i) clen = n - i;
        bool ctl = c < 0x20 || c == 0x7f;
        size_t need = ctl ? 4 : clen;
        if (i + clen > maxin || o + need + 4 > cap) {
            if (o + 4 <= cap) { memcpy(out + o, "...", 3); o += 3; }
            break;
        }
        if (ctl) {
            out[o++] = '\\';
            out[o++] = 'x';
            out[o++] = hexd[c >> 4];
            out[o++] = hexd[c & 15];
        } else {
            memcpy(out + o, s + i, clen);
            o += clen;
        }
        i += clen;
    }
    out[o] = '\0';
}

/* ---- lexer -------------------------------------------------------------- */

typedef enum {
    T_EOF, T_PATH, T_SEGS, T_STR, T_NUM, T_OP, T_LPAREN, T_RPAREN,
    T_LBRACK, T_RBRACK, T_COMMA, T_DOT,
    T_AND, T_OR, T_NOT, T_IN, T_IS, T_TRUE, T_FALSE, T_NONE
} tok_kind;

typedef struct token {
    tok_kind kind;
    size_t off, len;        /* raw text in the source                     */
    cmp_op op;              /* T_OP                                       */
    char *s;                /* T_STR: decoded value (arena)               */
    size_t slen;
    bool is_int;            /* T_NUM                                      */
    int64_t i;
    double d;
} token;

typedef struct parser {
    const char *src;
    size_t len, pos;
    token tok;              /* the current (lookahead) token              */
    size_t last_off, last_len;
    bool have_last;         /* the token before tok, for "after 'X'"      */
    as_arena *arena;
    char *scratch;          /* len + 1 bytes for decoding strings         */
    size_t nodes, depth;
    size_t col_off, col_val;   /* column cache: col_val is col of col_off */
    as_rc rc;               /* first error                                */
    size_t err_col;
    char msg[sizeof(((as_filter_error *)0)->msg)];
} parser;

static size_t col_at(parser *p, size_t off) {
    if (off < p->col_off) { p->col_off = 0; p->col_val = 1; }
    for (; p->col_off < off && p->col_off < p->len; p->col_off++)
        if (((unsigned char)p->src[p->col_off] & 0xC0) != 0x80) p->col_val++;
    return p->col_val;
}

static size_t tcol(parser *p) { return col_at(p, p->tok.off); }

/* Record the first error; returns NULL for the convenience of callers. */
__attribute__((format(printf, 4, 5)))
static void *fail(parser *p, as_rc rc, size_t col, const char *fmt, ...) {
    if (p->rc == AS_OK) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(p->msg, sizeof(p->msg), fmt, ap);
        va_end(ap);
        p->rc = rc;
        p->err_col = col;
    }
    return NULL;
}

/* "end of expression", "'foo'" or "string 'foo'" for "found ..." parts. */
static const char *describe(parser *p, const token *t, char *buf, size_t cap) {
    char ex[200];
    if (t->kind == T_EOF) return "end of expression";
    excerpt(ex, sizeof(ex), p->src + t->off, t->len);
    snprintf(buf, cap, t->kind == T_STR ? "string %s" : "'%s'", ex);
    return buf;
}

static tok_kind keyword(const char *s, size_t n) {
    static const struct { const char *w; tok_kind k; } kw[] = {
        { "and", T_AND }, { "or", T_OR }, { "not", T_NOT }, { "in", T_IN },
        { "is", T_IS }, { "True", T_TRUE }, { "true", T_TRUE },
        { "False", T_FALSE }, { "false", T_FALSE }, { "None", T_NONE },
        { "null", T_NONE },
    };
    for (size_t i = 0; i < AS_ARRAY_LEN(kw); i++)
        if (strlen(kw[i].w) == n && memcmp(kw[i].w, s, n) == 0) return kw[i].k;
    return T_PATH;
}

/* An operator word written in the wrong case ("AND"), for a hint. */
static const char *operator_hint(const char *s, size_t n) {
    static const char *const ops[] = { "and", "or", "not", "in", "is" };
    for (size_t i = 0; i < AS_ARRAY_LEN(ops); i++)
        if (strlen(ops[i]) == n && strncasecmp(ops[i], s, n) == 0) return ops[i];
    return NULL;
}

/* [A-Za-z0-9_]+ ('.' [A-Za-z0-9_]+)*, starting at i; returns the end. */
static size_t scan_dotted(const char *s, size_t n, size_t i) {
    for (;;) {
        while (i < n && is_word(s[i])) i++;
        if (i + 1 < n && s[i] == '.' && is_word(s[i + 1])) i++;
        else return i;
    }
}

static bool lex_string(parser *p, size_t i) {
    const char *s = p->src;
    size_t n = p->len, start = i, o = 0;
    char q = s[i++];
    for (;;) {
        if (i >= n) return fail(p, AS_EINVAL, col_at(p, start), "unterminated string");
        char c = s[i];
        if (c == q) { i++; break; }
        if (c != '\\') { p->scratch[o++] = c; i++; continue; }
        if (i + 1 >= n) return fail(p, AS_EINVAL, col_at(p, start), "unterminated string");
        char e = s[i + 1], v;
        switch (e) {
        case '\\': case '\'': case '"': v = e; break;
        case 'n': v = '\n'; break;
        case 't': v = '\t'; break;
        case 'r': v = '\r'; break;
        default: {
            unsigned char u = (unsigned char)e;
            size_t cl = u < 0x80 ? 1 : u >= 0xF0 ? 4 : u >= 0xE0 ? 3 : 2;
            char ex[32];
            excerpt(ex, sizeof(ex), s + i + 1, cl <= n - i - 1 ? cl : n - i - 1);
            return fail(p, AS_EINVAL, col_at(p, i), "unknown escape '\\%s' in string", ex);
        }
        }
        p->scratch[o++] = v;
        i += 2;
    }
    p->tok.kind = T_STR;
    p->tok.len = i - start;
    p->tok.s = as_arena_strndup(p->arena, p->scratch, o);
    p->tok.slen = o;
    p->pos = i;
    return true;
}

static bool lex_operator(parser *p, size_t i) {
    static const char opchars[] = "=!<>~&|";
    static const struct { const char *s; cmp_op op; } ops[] = {
        { "==", OP_EQ }, { "!=", OP_NE }, { "<", OP_LT }, { "<=", OP_LE },
        { ">", OP_GT }, { ">=", OP_GE },
    };
    const char *s = p->src;
    size_t start = i;
    while (i < p->len && memchr(opchars, s[i], sizeof(opchars) - 1)) i++;
    size_t k = i - start;
    for (size_t j = 0; j < AS_ARRAY_LEN(ops); j++) {
        if (strlen(ops[j].s) == k && memcmp(ops[j].s, s + start, k) == 0) {
            p->tok.kind = T_OP;
            p->tok.op = ops[j].op;
            p->tok.len = k;
            p->pos = i;
            return true;
        }
    }
    size_t col = col_at(p, start);
    char ex[200];
    excerpt(ex, sizeof(ex), s + start, k);
    if (k == 1 && s[start] == '=')
        return fail(p, AS_EINVAL, col, "'=' is not an operator, use '=='");
    const char *use = NULL;
    if (strcmp(ex, "<>") == 0) use = "!=";
    else if (strcmp(ex, "&&") == 0 || strcmp(ex, "&") == 0) use = "and";
    else if (strcmp(ex, "||") == 0 || strcmp(ex, "|") == 0) use = "or";
    else if (strcmp(ex, "!") == 0) use = "not";
    if (use) return fail(p, AS_EINVAL, col, "unknown operator '%s', use '%s'", ex, use);
    return fail(p, AS_EINVAL, col, "unknown operator '%s'", ex);
}

/* Read the next token into p->tok.  False (with p->rc set) on an error. */
static bool lex(parser *p) {
    const char *s = p->src;
    size_t n = p->len, i = p->pos;
    token *t = &p->tok;
    tok_kind prev = t->kind;
    memset(t, 0, sizeof(*t));
    if (prev == T_DOT && i < n && is_word(s[i])) {
        /* key segments after a '.', digits allowed: a['b'].0.c */
        t->kind = T_SEGS;
        t->off = i;
        p->pos = scan_dotted(s, n, i);
        t->len = p->pos - i;
        return true;
    }
    while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) i++;
    t->off = i;
    if (i >= n) {
        t->kind = T_EOF;
        p->pos = i;
        return true;
    }
    unsigned char c = (unsigned char)s[i];
    if (is_alpha(c)) {
        size_t e = scan_dotted(s, n, i);
        t->len = e - i;
        t->kind = memchr(s + i, '.', t->len) ? T_PATH : keyword(s + i, t->len);
        p->pos = e;
        return true;
    }
    if (is_digit(c) || (c == '-' && i + 1 < n && is_digit(s[i + 1]))) {
        size_t k = scan_number(s + i, n - i), e = i + k;
        char ex[200];
        if (e < n && (is_word(s[e]) || s[e] == '.')) {
            while (e < n && (is_word(s[e]) || s[e] == '.')) e++;
            excerpt(ex, sizeof(ex), s + i, e - i);
            return fail(p, AS_EINVAL, col_at(p, i), "invalid number '%s'", ex);
        }
        t->kind = T_NUM;
        t->len = k;
        if (!number_value(s + i, k, &t->is_int, &t->i, &t->d)) {
            excerpt(ex, sizeof(ex), s + i, k);
            return fail(p, AS_EINVAL, col_at(p, i), "number out of range '%s'", ex);
        }
        p->pos = e;
        return true;
    }
    if (c == '\'' || c == '"') return lex_string(p, i);
    if (memchr("=!<>~&|", c, 7)) return lex_operator(p, i);
    static const struct { char c; tok_kind k; } punct[] = {
        { '(', T_LPAREN }, { ')', T_RPAREN }, { '[', T_LBRACK },
        { ']', T_RBRACK }, { ',', T_COMMA }, { '.', T_DOT },
    };
    for (size_t j = 0; j < AS_ARRAY_LEN(punct); j++) {
        if (punct[j].c == (char)c) {
            t->kind = punct[j].k;
            t->len = 1;
            p->pos = i + 1;
            return true;
        }
    }
    char ex[32];
    size_t cl = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
    excerpt(ex, sizeof(ex), s + i, cl <= n - i ? cl : n - i);
    if (cl == 3 && (unsigned char)s[i] == 0xE2 && (unsigned char)s[i + 1] == 0x80 &&
        ((unsigned char)s[i + 2] == 0x98 || (unsigned char)s[i + 2] == 0x99 ||
         (unsigned char)s[i + 2] == 0x9C || (unsigned char)s[i + 2] == 0x9D))
        return fail(p, AS_EINVAL, col_at(p, i),
                    "unexpected character '%s', use straight quotes ' or \"", ex);
    return fail(p, AS_EINVAL, col_at(p, i), "unexpected character '%s'", ex);
}

static bool advance(parser *p) {
    p->last_off = p->tok.off;
    p->last_len = p->tok.len;
    p->have_last = true;
    return lex(p);
}

/* ---- parser ------------------------------------------------------------- */

static node *parse_or(parser *p);

static node *new_node(parser *p, node_kind kind, size_t col) {
    if (++p->nodes > AS_FILTER_MAX_NODES)
        return fail(p, AS_ETOOBIG, col, "expression is too complex (more than %d terms)",
                    AS_FILTER_MAX_NODES);
    node *n = as_arena_calloc(p->arena, sizeof(*n));
    n->kind = kind;
    n->col = col;
    return n;
}

static bool is_literal_tok(tok_kind k) {
    return k == T_STR || k == T_NUM || k == T_TRUE || k == T_FALSE || k == T_NONE;
}

/* "expected <what> after '<previous token>'[, found <tok>]" */
static void *expected(parser *p, const char *what) {
    char found[256], prev[200];
    describe(p, &p->tok, found, sizeof(found));
    if (!p->have_last)
        return fail(p, AS_EINVAL, tcol(p), "expected %s, found %s", what, found);
    excerpt(prev, sizeof(prev), p->src + p->last_off, p->last_len);
    if (p->tok.kind == T_EOF)
        return fail(p, AS_EINVAL, tcol(p), "expected %s after '%s'", what, prev);
    return fail(p, AS_EINVAL, tcol(p), "expected %s after '%s', found %s", what, prev, found);
}

/* The current token is a literal: make its node and move on. */
static node *parse_literal(parser *p) {
    const token *t = &p->tok;
    node *n = new_node(p, N_NULL, tcol(p));
    if (!n) return NULL;
    switch (t->kind) {
    case T_STR: n->kind = N_STR; n->s = t->s; n->slen = t->slen; break;
    case T_NUM:
        if (t->is_int) { n->kind = N_INT; n->i = t->i; }
        else { n->kind = N_REAL; n->d = t->d; }
        break;
    case T_TRUE: n->kind = N_BOOL; n->i = 1; break;
    case T_FALSE: n->kind = N_BOOL; n->i = 0; break;
    default: break;
    }
    return advance(p) ? n : NULL;
}

/* List items up to `close` (the opening bracket is consumed; for a tuple
 * the first item is already in list).  A trailing comma is allowed. */
static node *parse_items(parser *p, node *list, tok_kind close, const char *closestr) {
    char found[256];
    for (;;) {
        if (!is_literal_tok(p->tok.kind))
            return fail(p, AS_EINVAL, tcol(p), "expected a value in the list, found %s",
                        describe(p, &p->tok, found, sizeof(found)));
        node *item = parse_literal(p);
        if (!item) return NULL;
        add_kid(list, item);
        if (p->tok.kind == T_COMMA) {
            if (!advance(p)) return NULL;
            if (p->tok.kind == close) break;
            continue;
        }
        if (p->tok.kind == close) break;
        return fail(p, AS_EINVAL, tcol(p), "expected ',' or '%s' in the list, found %s",
                    closestr, describe(p, &p->tok, found, sizeof(found)));
    }
    return advance(p) ? list : NULL;
}

static void push_seg(parser *p, char ***v, size_t *nv, size_t *cap,
                     const char *s, size_t n) {
    if (*nv == *cap) {
        *cap = *cap ? *cap * 2 : 8;
        *v = as_xrealloc(*v, *cap * sizeof(**v));
    }
    (*v)[(*nv)++] = as_arena_strndup(p->arena, s, n);
}

static void push_dotted(parser *p, char ***v, size_t *nv, size_t *cap,
                        const char *s, size_t n) {
    size_t a = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || s[i] == '.') {
            push_seg(p, v, nv, cap, s + a, i - a);
            a = i + 1;
        }
    }
}

/* path := dotted-name ( '[' key-or-index ']' | '.' segments )* */
static node *parse_path(parser *p) {
    char found[256];
    const token first = p->tok;
    node *n = new_node(p, N_PATH, tcol(p));
    if (!n) return NULL;
    char **v = NULL;
    size_t nv = 0, cap = 0;
    bool plain = true;           /* no subscripts, no 'attributes' prefix */
    n->s = as_arena_strndup(p->arena, p->src + first.off, first.len);
    n->slen = first.len;
    push_dotted(p, &v, &nv, &cap, p->src + first.off, first.len);
    if (strcmp(v[0], "attributes") == 0) {
        memmove(v, v + 1, (nv - 1) * sizeof(*v));
        nv--;
        plain = false;
    }
    bool ok = advance(p);
    while (ok) {
        if (p->tok.kind == T_LBRACK) {
            plain = false;
            if (!(ok = advance(p))) break;
            const token *t = &p->tok;
            if (t->kind == T_STR) {
                push_seg(p, &v, &nv, &cap, t->s, t->slen);
            } else if (t->kind == T_NUM && t->is_int && all_digits(p->src + t->off, t->len)) {
                push_seg(p, &v, &nv, &cap, p->src + t->off, t->len);
            } else {
                ok = fail(p, AS_EINVAL, tcol(p),
                          "expected a quoted key or an index after '[', found %s",
                          describe(p, t, found, sizeof(found))) != NULL;
                break;
            }
            if (!(ok = advance(p))) break;
            if (p->tok.kind != T_RBRACK) {
                ok = fail(p, AS_EINVAL, tcol(p), "expected ']' after the key, found %s",
                          describe(p, &p->tok, found, sizeof(found))) != NULL;
                break;
            }
            ok = advance(p);
        } else if (p->tok.kind == T_DOT) {
            plain = false;
            if (!(ok = advance(p))) break;
            if (p->tok.kind != T_SEGS) {
                ok = fail(p, AS_EINVAL, tcol(p), "expected a key after '.', found %s",
                          describe(p, &p->tok, found, sizeof(found))) != NULL;
                break;
            }
            push_dotted(p, &v, &nv, &cap, p->src + p->tok.off, p->tok.len);
            ok = advance(p);
        } else {
            break;
        }
    }
    if (ok) {
        n->colname = plain ? n->s : NULL;
        n->nseg = nv;
        n->segs = as_arena_alloc(p->arena, (nv ? nv : 1) * sizeof(*n->segs));
        if (nv) memcpy(n->segs, v, nv * sizeof(*v));
    }
    free(v);
    return ok ? n : NULL;
}

/* operand := literal | path | '(' expr ')' | '(' literal ',' ... ')'
 *          | '[' literal (',' literal)* ']' */
static node *parse_operand(parser *p) {
    char found[256];
    tok_kind k = p->tok.kind;
    if (is_literal_tok(k)) return parse_literal(p);
    if (k == T_PATH) return parse_path(p);
    if (k == T_LBRACK) {
        size_t col = tcol(p);
        node *list = new_node(p, N_LIST, col);
        if (!list || !advance(p)) return NULL;
        if (p->tok.kind == T_RBRACK) return fail(p, AS_EINVAL, col, "empty list");
        return parse_items(p, list, T_RBRACK, "]");
    }
    if (k == T_LPAREN) {
        size_t col = tcol(p);
        if (++p->depth > AS_FILTER_MAX_DEPTH)
            return fail(p, AS_ETOOBIG, col, "expression is nested too deeply (more than %d levels)",
                        AS_FILTER_MAX_DEPTH);
        if (!advance(p)) return NULL;
        node *inner = parse_or(p);
        if (!inner) return NULL;
        if (p->tok.kind == T_COMMA) {        /* a Python tuple: ('a', 'b') */
            if (!is_literal(inner))
                return fail(p, AS_EINVAL, inner->col, "a list can only contain values");
            node *list = new_node(p, N_LIST, col);
            if (!list || !advance(p)) return NULL;
            add_kid(list, inner);
            if (p->tok.kind == T_RPAREN) {
                p->depth--;
                return advance(p) ? list : NULL;
            }
            p->depth--;
            return parse_items(p, list, T_RPAREN, ")");
        }
        if (p->tok.kind != T_RPAREN)
            return fail(p, AS_EINVAL, tcol(p), "expected ')' to match '(' at column %zu, found %s",
                        col, describe(p, &p->tok, found, sizeof(found)));
        p->depth--;
        return advance(p) ? inner : NULL;
    }
    if (!p->have_last && k == T_EOF) return fail(p, AS_EINVAL, tcol(p), "empty expression");
    return expected(p, "a value");
}

static node *make2(parser *p, node_kind kind, node *a, node *b) {
    node *n = new_node(p, kind, a->col);
    if (!n) return NULL;
    add_kid(n, a);
    if (b) add_kid(n, b);
    return n;
}

/* cmp := operand (cmpop operand | 'is' ['not'] 'None' | ['not'] 'in' operand)? */
static node *parse_cmp(parser *p) {
    char found[256];
    node *lhs = parse_operand(p), *n = NULL;
    if (!lhs) return NULL;
    tok_kind k = p->tok.kind;
    bool has_op = k == T_OP || k == T_IS || k == T_IN || k == T_NOT;
    if (lhs->kind == N_LIST)
        return fail(p, AS_EINVAL, lhs->col, "a list can only follow 'in'");
    if (!has_op) return lhs;
    if (k == T_OP) {
        cmp_op op = p->tok.op;
        size_t opcol = tcol(p);
        if (!advance(p)) return NULL;
        node *rhs = parse_operand(p);
        if (!rhs) return NULL;
        if (rhs->kind == N_LIST)
            return fail(p, AS_EINVAL, rhs->col, "a list can only follow 'in'");
        if ((lhs->kind == N_NULL || rhs->kind == N_NULL) && op != OP_EQ && op != OP_NE)
            return fail(p, AS_EINVAL, opcol, "None can only be compared with == or !=");
        if ((n = make2(p, N_CMP, lhs, rhs))) n->op = op;
    } else if (k == T_IS) {
        bool neg = false;
        if (!advance(p)) return NULL;
        if (p->tok.kind == T_NOT) {
            neg = true;
            if (!advance(p)) return NULL;
        }
        if (p->tok.kind != T_NONE)
            return fail(p, AS_EINVAL, tcol(p), "expected None after '%s', found %s",
                        neg ? "is not" : "is", describe(p, &p->tok, found, sizeof(found)));
        if (!advance(p)) return NULL;
        if ((n = make2(p, N_ISNULL, lhs, NULL))) n->neg = neg;
    } else {
        bool neg = k == T_NOT;
        if (neg) {
            if (!advance(p)) return NULL;
            if (p->tok.kind != T_IN)
                return fail(p, AS_EINVAL, tcol(p), "expected 'in' after 'not', found %s",
                            describe(p, &p->tok, found, sizeof(found)));
        }
        if (!advance(p)) return NULL;
        node *rhs = parse_operand(p);
        if (!rhs) return NULL;
        if (rhs->kind != N_LIST) {
            if (rhs->kind != N_STR && rhs->kind != N_PATH)
                return fail(p, AS_EINVAL, rhs->col,
                            "expected a list, a string or an attribute after 'in'");
            if (lhs->kind != N_STR && lhs->kind != N_INT && lhs->kind != N_REAL &&
                lhs->kind != N_PATH)
                return fail(p, AS_EINVAL, lhs->col,
                            "the left side of 'in' must be a string, a number or an attribute");
        }
        if ((n = make2(p, N_IN, lhs, rhs))) n->neg = neg;
    }
    if (!n) return NULL;
    k = p->tok.kind;
    if (k == T_OP || k == T_IS || k == T_IN)
        return fail(p, AS_EINVAL, tcol(p), "chained comparisons are not supported, use 'and'");
    return n;
}

/* not := 'not' not | cmp */
static node *parse_not(parser *p) {
    if (p->tok.kind != T_NOT) return parse_cmp(p);
    size_t col = tcol(p);
    if (++p->depth > AS_FILTER_MAX_DEPTH)
        return fail(p, AS_ETOOBIG, col, "expression is nested too deeply (more than %d levels)",
                    AS_FILTER_MAX_DEPTH);
    if (!advance(p)) return NULL;
    node *kid = parse_not(p);
    if (!kid) return NULL;
    p->depth--;
    node *n = new_node(p, N_NOT, col);
    if (n) add_kid(n, kid);
    return n;
}

/* and := not ('and' not)*      or := and ('or' and)*   (n-ary nodes) */
static node *parse_chain(parser *p, tok_kind op, node_kind kind,
                         node *(*sub)(parser *)) {
    node *first = sub(p);
    if (!first || p->tok.kind != op) return first;
    node *n = make2(p, kind, first, NULL);
    while (n && p->tok.kind == op) {
        if (!advance(p)) return NULL;
        node *kid = sub(p);
        if (!kid) return NULL;
        add_kid(n, kid);
    }
    return n;
}

static node *parse_and(parser *p) { return parse_chain(p, T_AND, N_AND, parse_not); }
static node *parse_or(parser *p) { return parse_chain(p, T_OR, N_OR, parse_and); }

static node *parse_top(parser *p) {
    char found[256], ex[200];
    if (!lex(p)) return NULL;
    node *root = parse_or(p);
    if (!root || p->tok.kind == T_EOF) return root;
    const token *t = &p->tok;
    if (t->kind == T_RPAREN) return fail(p, AS_EINVAL, tcol(p), "unexpected ')'");
    if (t->kind == T_RBRACK) return fail(p, AS_EINVAL, tcol(p), "unexpected ']'");
    const char *hint = t->kind == T_PATH ? operator_hint(p->src + t->off, t->len) : NULL;
    if (hint) {
        excerpt(ex, sizeof(ex), p->src + t->off, t->len);
        return fail(p, AS_EINVAL, tcol(p), "unknown operator '%s', use '%s'", ex, hint);
    }
    return fail(p, AS_EINVAL, tcol(p), "expected end of expression, found %s",
                describe(p, t, found, sizeof(found)));
}

as_rc as_filter_parse(const char *text, size_t len, as_filter **out,
                      as_filter_error *ferr, as_err *err) {
    if (ferr) { ferr->column = 0; ferr->msg[0] = '\0'; }
    if (!out) return as_err_set(err, AS_EINVAL, "filter: no output given");
    *out = NULL;
    if (!text && len) return as_err_set(err, AS_EINVAL, "filter: no text given");
    if (len > AS_FILTER_MAX_LEN) {
        if (ferr)
            snprintf(ferr->msg, sizeof(ferr->msg), "expression is longer than %d bytes",
                     AS_FILTER_MAX_LEN);
        return as_err_set(err, AS_ETOOBIG, "filter: expression is longer than %d bytes",
                          AS_FILTER_MAX_LEN);
    }
    as_filter *f = as_xcalloc(1, sizeof(*f));
    as_arena_init(&f->arena);
    parser p;
    memset(&p, 0, sizeof(p));
    p.src = text ? text : "";
    p.len = len;
    p.arena = &f->arena;
    p.col_val = 1;
    const char *nul = memchr(p.src, '\0', len);
    size_t bad = utf8_check((const unsigned char *)p.src, len);
    node *root = NULL;
    if (nul && (size_t)(nul - p.src) <= bad) {
        fail(&p, AS_EINVAL, col_at(&p, (size_t)(nul - p.src)), "unexpected NUL byte");
    } else if (bad < len) {
        fail(&p, AS_EINVAL, col_at(&p, bad), "invalid UTF-8");
    } else {
        p.scratch = as_xmalloc(len + 1);
        root = parse_top(&p);
        free(p.scratch);
    }
    if (p.rc != AS_OK || !root) {
        as_rc rc = p.rc != AS_OK ? p.rc : AS_EINTERNAL;
        if (ferr) {
            ferr->column = p.err_col;
            memcpy(ferr->msg, p.msg, sizeof(ferr->msg));
        }
        as_err_set(err, rc, "filter: column %zu: %s", p.err_col, p.msg);
        as_filter_free(f);
        return rc;
    }
    f->root = root;
    *out = f;
    return AS_OK;
}

void as_filter_free(as_filter *f) {
    if (!f) return;
    as_arena_release(&f->arena);
    free(f);
}

/* ---- compiler ----------------------------------------------------------- */

typedef struct compiler {
    const as_sql_dialect *d;
    const as_filter_column *cols;
    size_t ncols;
    const char *attrs;
    as_err *err;
    bool reported;          /* err already holds a specific message */
} compiler;

__attribute__((format(printf, 4, 5)))
static as_rc cfail(compiler *c, as_rc rc, size_t col, const char *fmt, ...) {
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    c->reported = true;
    return as_err_set(c->err, rc, "filter: column %zu: %s", col, msg);
}

static const as_filter_column *find_col(const compiler *c, const node *n) {
    if (n->kind != N_PATH || !n->colname) return NULL;
    for (size_t i = 0; i < c->ncols; i++)
        if (c->cols[i].name && c->cols[i].sql && strcmp(c->cols[i].name, n->colname) == 0)
            return &c->cols[i];
    return NULL;
}

static const as_filter_column *number_col(const compiler *c, const node *n) {
    const as_filter_column *col = find_col(c, n);
    return col && col->type == AS_COL_NUMBER ? col : NULL;
}

static void params_copy(as_sql_params *dst, const as_sql_params *src) {
    for (size_t i = 0; i < src->n; i++) {
        const as_sql_param *x = &src->v[i];
        switch (x->type) {
        case AS_SQL_INT: as_sql_params_int(dst, x->i); break;
        case AS_SQL_REAL: as_sql_params_real(dst, x->d); break;
        case AS_SQL_TEXT: as_sql_params_text(dst, x->s, strlen(x->s)); break;
        default: as_sql_params_null(dst); break;
        }
    }
}

/* Append a sub-expression built in a scratch buffer, with its params. */
static as_rc splice(as_buf *sql, as_sql_params *ps, const as_buf *sub,
                    const as_sql_params *subp) {
    as_rc rc = as_buf_append(sql, sub->data, sub->len);
    if (rc == AS_OK) params_copy(ps, subp);
    return rc;
}

static as_rc c_bool(compiler *c, const node *n, as_buf *sql, as_sql_params *ps);

/* '?' bound to a literal.  Next to a number column a string must hold a
 * number, which is bound as one. */
static as_rc c_literal(compiler *c, const node *n, const as_filter_column *numcol,
                       as_buf *sql, as_sql_params *ps) {
    as_rc rc = as_buf_putc(sql, '?');
    if (rc != AS_OK) return rc;
    switch (n->kind) {
    case N_NULL: as_sql_params_null(ps); break;
    case N_BOOL: case N_INT: as_sql_params_int(ps, n->i); break;
    case N_REAL: as_sql_params_real(ps, n->d); break;
    case N_STR: {
        if (!numcol) {
            as_sql_params_text(ps, n->s, n->slen);
            break;
        }
        bool is_int = false;
        int64_t iv = 0;
        double dv = 0;
        if (n->slen == 0 || scan_number(n->s, n->slen) != n->slen ||
            !number_value(n->s, n->slen, &is_int, &iv, &dv)) {
            char ex[200];
            excerpt(ex, sizeof(ex), n->s, n->slen);
            return cfail(c, AS_EINVAL, n->col, "%s is a number, got '%s'", numcol->name, ex);
        }
        if (is_int) as_sql_params_int(ps, iv);
        else as_sql_params_real(ps, dv);
        break;
    }
    default: return AS_EINTERNAL;
    }
    return AS_OK;
}

/* A value: literal, column, attribute, or a predicate used as a value. */
static as_rc c_value(compiler *c, const node *n, const as_filter_column *numcol,
                     as_buf *sql, as_sql_params *ps) {
    if (is_literal(n)) return c_literal(c, n, numcol, sql, ps);
    if (n->kind == N_LIST) return AS_EINTERNAL;     /* the parser forbids it */
    if (n->kind != N_PATH) return c_bool(c, n, sql, ps);
    const as_filter_column *col = find_col(c, n);
    if (col) return as_buf_puts(sql, col->sql);
    if (!c->attrs) {
        char ex[200];
        excerpt(ex, sizeof(ex), n->s, n->slen);
        return cfail(c, AS_EINVAL, n->col, "unknown field '%s'", ex);
    }
    /* Built apart so that a path too long for the dialect is told from a
     * full sql buffer. */
    as_buf b;
    as_sql_params bp;
    as_buf_init(&b, AS_BUF_UNLIMITED);
    as_sql_params_init(&bp);
    as_rc rc = c->d->json_value(&b, &bp, c->attrs, (const char *const *)n->segs, n->nseg);
    if (rc == AS_ETOOBIG) rc = cfail(c, rc, n->col, "attribute path is too long");
    if (rc == AS_OK) rc = splice(sql, ps, &b, &bp);
    as_buf_release(&b);
    as_sql_params_release(&bp);
    return rc;
}

/* Build a value into a scratch buffer and parameter list. */
static as_rc c_scratch(compiler *c, const node *n, const as_buf *like, as_buf *b,
                       as_sql_params *ps) {
    as_buf_init(b, like->max);
    as_sql_params_init(ps);
    return c_value(c, n, NULL, b, ps);
}

/* A bare value used as a condition: (E IS NOT NULL AND E != 0 AND E != '') */
static as_rc c_truthy(compiler *c, const node *n, as_buf *sql, as_sql_params *ps) {
    static const char *const parts[] = { "(", " IS NOT NULL AND ", " != 0 AND ", " != '')" };
    as_buf e;
    as_sql_params ep;
    as_rc rc = c_scratch(c, n, sql, &e, &ep);
    for (size_t i = 0; i < AS_ARRAY_LEN(parts) && rc == AS_OK; i++) {
        rc = as_buf_puts(sql, parts[i]);
        if (rc == AS_OK && i + 1 < AS_ARRAY_LEN(parts)) rc = splice(sql, ps, &e, &ep);
    }
    as_buf_release(&e);
    as_sql_params_release(&ep);
    return rc;
}

/* Substring test through the dialect.  contains() is called with two
 * marker bytes in place of the expressions; the markers are then replaced
 * by the real expressions, each with its parameters, in the order (and as
 * many times) as the dialect's SQL uses them. */
static as_rc c_contains(compiler *c, const node *needle, const node *hay, bool neg,
                        as_buf *sql, as_sql_params *ps) {
    as_buf nb, hb, tmpl;
    as_sql_params np, hp;
    as_buf_init(&tmpl, sql->max);
    as_rc rc = c_scratch(c, needle, sql, &nb, &np);
    as_rc rc2 = c_scratch(c, hay, sql, &hb, &hp);
    if (rc == AS_OK) rc = rc2;
    if (rc == AS_OK) rc = c->d->contains(&tmpl, "\x01", "\x02");
    if (rc == AS_OK && neg) rc = as_buf_puts(sql, "(NOT ");
    for (size_t i = 0; i < tmpl.len && rc == AS_OK; i++) {
        if (tmpl.data[i] == '\x01') rc = splice(sql, ps, &nb, &np);
        else if (tmpl.data[i] == '\x02') rc = splice(sql, ps, &hb, &hp);
        else rc = as_buf_putc(sql, tmpl.data[i]);
    }
    if (rc == AS_OK && neg) rc = as_buf_putc(sql, ')');
    as_buf_release(&nb);
    as_buf_release(&hb);
    as_buf_release(&tmpl);
    as_sql_params_release(&np);
    as_sql_params_release(&hp);
    return rc;
}

static as_rc c_cmp(compiler *c, const node *n, as_buf *sql, as_sql_params *ps) {
    static const char *const sqlop[] = {
        [OP_EQ] = " = ", [OP_NE] = " != ", [OP_LT] = " < ",
        [OP_LE] = " <= ", [OP_GT] = " > ", [OP_GE] = " >= ",
    };
    const node *l = n->kids, *r = l->next;
    as_rc rc = as_buf_putc(sql, '(');
    if (l->kind == N_NULL || r->kind == N_NULL) {     /* x == None: IS NULL */
        const node *v = l->kind == N_NULL ? r : l;
        if (rc == AS_OK) rc = c_value(c, v, NULL, sql, ps);
        if (rc == AS_OK) rc = as_buf_puts(sql, n->op == OP_EQ ? " IS NULL)" : " IS NOT NULL)");
        return rc;
    }
    if (rc == AS_OK) rc = c_value(c, l, number_col(c, r), sql, ps);
    if (rc == AS_OK) rc = as_buf_puts(sql, sqlop[n->op]);
    if (rc == AS_OK) rc = c_value(c, r, number_col(c, l), sql, ps);
    if (rc == AS_OK) rc = as_buf_putc(sql, ')');
    return rc;
}

static as_rc c_in(compiler *c, const node *n, as_buf *sql, as_sql_params *ps) {
    const node *l = n->kids, *r = l->next;
    if (r->kind != N_LIST) return c_contains(c, l, r, n->neg, sql, ps);
    const as_filter_column *numcol = number_col(c, l);
    as_rc rc = as_buf_putc(sql, '(');
    if (rc == AS_OK) rc = c_value(c, l, NULL, sql, ps);
    if (rc == AS_OK) rc = as_buf_puts(sql, n->neg ? " NOT IN (" : " IN (");
    for (const node *k = r->kids; k && rc == AS_OK; k = k->next) {
        if (k != r->kids) rc = as_buf_puts(sql, ", ");
        if (rc == AS_OK) rc = c_literal(c, k, numcol, sql, ps);
    }
    if (rc == AS_OK) rc = as_buf_puts(sql, "))");
    return rc;
}

/* A condition.  Every form is parenthesized. */
static as_rc c_bool(compiler *c, const node *n, as_buf *sql, as_sql_params *ps) {
    as_rc rc;
    switch (n->kind) {
    case N_AND:
    case N_OR:
        rc = as_buf_putc(sql, '(');
        for (const node *k = n->kids; k && rc == AS_OK; k = k->next) {
            if (k != n->kids) rc = as_buf_puts(sql, n->kind == N_AND ? " AND " : " OR ");
            if (rc == AS_OK) rc = c_bool(c, k, sql, ps);
        }
        return rc == AS_OK ? as_buf_putc(sql, ')') : rc;
    case N_NOT:
        rc = as_buf_puts(sql, "(NOT ");
        if (rc == AS_OK) rc = c_bool(c, n->kids, sql, ps);
        return rc == AS_OK ? as_buf_putc(sql, ')') : rc;
    case N_CMP:
        return c_cmp(c, n, sql, ps);
    case N_IN:
        return c_in(c, n, sql, ps);
    case N_ISNULL:
        rc = as_buf_putc(sql, '(');
        if (rc == AS_OK) rc = c_value(c, n->kids, NULL, sql, ps);
        return rc == AS_OK ? as_buf_puts(sql, n->neg ? " IS NOT NULL)" : " IS NULL)") : rc;
    case N_LIST:
        return AS_EINTERNAL;
    default:
        return c_truthy(c, n, sql, ps);
    }
}

as_rc as_filter_to_sql(const as_filter *f, const as_sql_dialect *d,
                       const as_filter_column *cols, size_t ncols,
                       const char *attrs_col, as_buf *sql,
                       as_sql_params *params, as_err *err) {
    if (!f || !f->root || !d || !d->json_value || !d->contains || !sql || !params ||
        (ncols && !cols))
        return as_err_set(err, AS_EINVAL, "filter: missing argument");
    compiler c = { d, cols, ncols, attrs_col, err, false };
    size_t len0 = sql->len, n0 = params->n;
    as_rc rc = c_bool(&c, f->root, sql, params);
    if (rc == AS_OK) return AS_OK;
    /* Leave sql and params as they were. */
    sql->len = len0;
    if (sql->data) sql->data[len0] = '\0';
    for (size_t i = n0; i < params->n; i++)
        if (params->v[i].type == AS_SQL_TEXT) free(params->v[i].s);
    params->n = n0;
    if (!c.reported) {
        if (rc == AS_ETOOBIG) as_err_set(err, rc, "filter: the SQL for this filter is too long");
        else as_err_set(err, rc, "filter: could not build the SQL (%s)", as_rc_name(rc));
    }
    return rc;
}
