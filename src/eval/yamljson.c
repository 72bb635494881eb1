/*
 * yamljson.c - YAML and JSON text into jansson trees, bounded (see
 * yamljson.h for the rules).
 *
 * The YAML side drives libyaml's event parser and builds the tree with an
 * explicit stack (no recursion, so depth is only limited by the limit).
 * Each new value is attached to its parent at once; the frames hold
 * borrowed pointers and the root owns everything, so an error anywhere is
 * cleaned up by one json_decref.  Anchors keep a reference to their node
 * together with its size (nodes, scalar bytes, height); an alias is
 * charged that size before anything is copied, which is what makes alias
 * bombs fail fast instead of exhausting memory.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "assay/alloc.h"
#include "assay/utf8.h"
#include "assay/buf.h"
#include "yamljson.h"

void as_yj_limits_default(as_yj_limits *l) {
    l->max_bytes = AS_YJ_MAX_BYTES;
    l->max_depth = AS_YJ_MAX_DEPTH;
    l->max_nodes = AS_YJ_MAX_NODES;
    l->max_expanded = AS_YJ_MAX_EXPANDED;
    l->max_aliases = AS_YJ_MAX_ALIASES;
}

/* 1-based line and column (in code points) of byte offset off. */
static void text_pos(const char *text, size_t n, size_t off, size_t *line,
                     size_t *col) {
    size_t l = 1, c = 1;
    if (off > n) off = n;
    for (size_t i = 0; i < off; i++) {
        unsigned char ch = (unsigned char)text[i];
        if (ch == '\n') { l++; c = 1; }
        else if ((ch & 0xC0) != 0x80) c++;
    }
    *line = l;
    *col = c;
}

/* ---- YAML --------------------------------------------------------------- */

typedef struct yj_frame {
    json_t *node;      /* borrowed: owned by its parent or the root        */
    bool is_map;
    char *key;         /* pending mapping key (heap) or NULL               */
    char *anchor;      /* registered when the container ends, or NULL      */
    size_t nodes0;     /* y->nodes / y->bytes when the container started   */
    size_t bytes0;
    size_t height;     /* largest height among the children                */
} yj_frame;

typedef struct yj_anchor {
    char *name;
    json_t *node;      /* a reference */
    size_t nodes, bytes, height;
} yj_anchor;

typedef struct yj {
    const char *origin;
    as_yj_limits lim;
    as_err *err;
    yj_frame *stack;
    size_t depth, cap;
    yj_anchor *anchors;
    size_t n_anchors, cap_anchors;
    json_t *root;
    size_t nodes, bytes, aliases;
    int documents;
} yj;

static as_rc yj_fail(yj *y, as_rc rc, yaml_mark_t m, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static as_rc yj_fail(yj *y, as_rc rc, yaml_mark_t m, const char *fmt, ...) {
    char msg[AS_ERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return as_err_set(y->err, rc, "%s:%zu:%zu: %s", y->origin, m.line + 1,
                      m.column + 1, msg);
}

/* A short printable excerpt of a scalar for messages. */
static const char *excerpt(const char *p, size_t n, char *out, size_t cap) {
    return as_utf8_excerpt(p, n, out, cap);
}

static as_rc yj_oom(yj *y, yaml_mark_t m) {
    return yj_fail(y, AS_EINTERNAL, m, "out of memory");
}

static as_rc charge(yj *y, size_t nodes, size_t bytes, yaml_mark_t m) {
    if (nodes > y->lim.max_nodes - y->nodes)
        return yj_fail(y, AS_ETOOBIG, m, "more than %zu nodes", y->lim.max_nodes);
    if (bytes > y->lim.max_expanded - y->bytes)
        return yj_fail(y, AS_ETOOBIG, m, "more than %zu bytes of text",
                       y->lim.max_expanded);
    y->nodes += nodes;
    y->bytes += bytes;
    return AS_OK;
}

/* Attach v (stolen) to the current container, or make it the root. */
static as_rc attach(yj *y, json_t *v, size_t height, yaml_mark_t m) {
    if (!v) return yj_oom(y, m);
    if (y->depth == 0) {
        y->root = v;
        return AS_OK;
    }
    yj_frame *f = &y->stack[y->depth - 1];
    if (height > f->height) f->height = height;
    if (f->is_map) {
        int rc = json_object_set_new(f->node, f->key, v);
        free(f->key);
        f->key = NULL;
        if (rc != 0) return yj_oom(y, m);
        return AS_OK;
    }
    if (json_array_append_new(f->node, v) != 0) return yj_oom(y, m);
    return AS_OK;
}

static as_rc add_anchor(yj *y, const char *name, json_t *node, size_t nodes,
                        size_t bytes, size_t height) {
    if (y->n_anchors == y->cap_anchors) {
        y->cap_anchors = y->cap_anchors ? 2 * y->cap_anchors : 8;
        y->anchors = as_xrealloc(y->anchors, y->cap_anchors * sizeof *y->anchors);
    }
    yj_anchor *a = &y->anchors[y->n_anchors++];
    a->name = as_xstrdup(name);
    a->node = json_incref(node);
    a->nodes = nodes;
    a->bytes = bytes;
    a->height = height;
    return AS_OK;
}

static const yj_anchor *find_anchor(const yj *y, const char *name) {
    for (size_t i = y->n_anchors; i-- > 0;)     /* the latest definition wins */
        if (strcmp(y->anchors[i].name, name) == 0) return &y->anchors[i];
    return NULL;
}

static bool want_key(const yj *y) {
    return y->depth > 0 && y->stack[y->depth - 1].is_map &&
           y->stack[y->depth - 1].key == NULL;
}

static bool is_digits(const char *s, size_t n, int base) {
    if (n == 0) return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool ok = base == 16 ? ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
                                (c >= 'A' && c <= 'F'))
                : base == 8 ? (c >= '0' && c <= '7')
                            : (c >= '0' && c <= '9');
        if (!ok) return false;
    }
    return true;
}

static bool is_null_word(const char *s, size_t n) {
    return n == 0 || (n == 1 && s[0] == '~') || (n == 4 && (!strcmp(s, "null") ||
           !strcmp(s, "Null") || !strcmp(s, "NULL")));
}

static int bool_word(const char *s) {   /* 1 true, 0 false, -1 neither */
    if (!strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "TRUE")) return 1;
    if (!strcmp(s, "false") || !strcmp(s, "False") || !strcmp(s, "FALSE")) return 0;
    return -1;
}

/* [-+]?[0-9]+ | 0o[0-7]+ | 0x[0-9a-fA-F]+ */
static bool is_int_word(const char *s, size_t n) {
    if (n > 2 && s[0] == '0' && s[1] == 'o') return is_digits(s + 2, n - 2, 8);
    if (n > 2 && s[0] == '0' && s[1] == 'x') return is_digits(s + 2, n - 2, 16);
    if (n > 0 && (s[0] == '-' || s[0] == '+')) { s++; n--; }
    return is_digits(s, n, 10);
}

/* [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? */
static bool is_float_word(const char *s, size_t n) {
    size_t i = 0, d = 0;
    if (i < n && (s[i] == '-' || s[i] == '+')) i++;
    while (i < n && s[i] >= '0' && s[i] <= '9') { i++; d++; }
    if (i < n && s[i] == '.') {
        i++;
        while (i < n && s[i] >= '0' && s[i] <= '9') { i++; d++; }
    }
    if (d == 0) return false;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '-' || s[i] == '+')) i++;
        size_t e = 0;
        while (i < n && s[i] >= '0' && s[i] <= '9') { i++; e++; }
        if (e == 0) return false;
    }
    return i == n;
}

static bool is_special_float(const char *s) {
    if (*s == '-' || *s == '+') s++;
    return !strcmp(s, ".inf") || !strcmp(s, ".Inf") || !strcmp(s, ".INF") ||
           !strcmp(s, ".nan") || !strcmp(s, ".NaN") || !strcmp(s, ".NAN");
}

static as_rc make_int(yj *y, const char *s, yaml_mark_t m, json_t **out) {
    errno = 0;
    char *end;
    if (s[0] == '0' && (s[1] == 'o' || s[1] == 'x')) {
        unsigned long long u = strtoull(s + 2, &end, s[1] == 'o' ? 8 : 16);
        if (errno == 0 && u <= (unsigned long long)LLONG_MAX) {
            *out = json_integer((json_int_t)u);
            return AS_OK;
        }
    } else {
        long long v = strtoll(s, &end, 10);
        if (errno == 0) {
            *out = json_integer((json_int_t)v);
            return AS_OK;
        }
        double d = strtod(s, &end);   /* too large for an integer */
        if (isfinite(d)) { *out = json_real(d); return AS_OK; }
    }
    char ex[48];
    return yj_fail(y, AS_EINVAL, m, "integer '%s' is out of range",
                   excerpt(s, strlen(s), ex, sizeof ex));
}

static as_rc make_float(yj *y, const char *s, yaml_mark_t m, json_t **out) {
    char ex[48];
    if (is_special_float(s))
        return yj_fail(y, AS_EUNSUPPORTED, m,
                       "'%s': infinite and NaN numbers are not supported", s);
    double d = strtod(s, NULL);
    if (!isfinite(d))
        return yj_fail(y, AS_EINVAL, m, "number '%s' is out of range",
                       excerpt(s, strlen(s), ex, sizeof ex));
    *out = json_real(d);
    return AS_OK;
}

#define YTAG "tag:yaml.org,2002:"

/* The JSON value of a scalar event (not a key). */
static as_rc resolve_scalar(yj *y, const yaml_event_t *ev, json_t **out) {
    const char *s = (const char *)ev->data.scalar.value;
    size_t n = ev->data.scalar.length;
    const char *tag = (const char *)ev->data.scalar.tag;
    yaml_mark_t m = ev->start_mark;
    char ex[48];
    *out = NULL;
    if (tag && strcmp(tag, "!") != 0) {
        if (!strcmp(tag, YTAG "str")) { *out = json_stringn(s, n); return AS_OK; }
        if (!strcmp(tag, YTAG "null")) {
            if (!is_null_word(s, n)) goto mismatch;
            *out = json_null();
            return AS_OK;
        }
        if (!strcmp(tag, YTAG "bool")) {
            int b = bool_word(s);
            if (b < 0) goto mismatch;
            *out = json_boolean(b);
            return AS_OK;
        }
        if (!strcmp(tag, YTAG "int")) {
            if (!is_int_word(s, n)) goto mismatch;
            return make_int(y, s, m, out);
        }
        if (!strcmp(tag, YTAG "float")) {
            if (is_special_float(s) || is_float_word(s, n)) return make_float(y, s, m, out);
            goto mismatch;
        }
        return yj_fail(y, AS_EUNSUPPORTED, m, "unsupported tag '%s'", tag);
    mismatch:
        return yj_fail(y, AS_EINVAL, m, "'%s' does not match its tag '%s'",
                       excerpt(s, n, ex, sizeof ex), tag);
    }
    if (ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE || tag) {
        *out = json_stringn(s, n);
        return AS_OK;
    }
    if (is_null_word(s, n)) { *out = json_null(); return AS_OK; }
    int b = bool_word(s);
    if (b >= 0) { *out = json_boolean(b); return AS_OK; }
    if (is_int_word(s, n)) return make_int(y, s, m, out);
    if (is_float_word(s, n) || is_special_float(s)) return make_float(y, s, m, out);
    *out = json_stringn(s, n);
    return AS_OK;
}

static as_rc set_key(yj *y, const char *s, size_t n, yaml_mark_t m) {
    yj_frame *f = &y->stack[y->depth - 1];
    char ex[48];
    if (json_object_get(f->node, s))
        return yj_fail(y, AS_EINVAL, m, "duplicate key '%s'", excerpt(s, n, ex, sizeof ex));
    f->key = as_xstrndup(s, n);
    return AS_OK;
}

static as_rc on_scalar(yj *y, const yaml_event_t *ev) {
    const char *s = (const char *)ev->data.scalar.value;
    size_t n = ev->data.scalar.length;
    yaml_mark_t m = ev->start_mark;
    as_rc rc = charge(y, 1, n, m);
    if (rc != AS_OK) return rc;
    if (memchr(s, '\0', n))
        return yj_fail(y, AS_EINVAL, m, "NUL character in a string");
    const char *anchor = (const char *)ev->data.scalar.anchor;
    if (want_key(y)) {
        if (ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && n == 2 &&
            s[0] == '<' && s[1] == '<' && !ev->data.scalar.tag)
            return yj_fail(y, AS_EUNSUPPORTED, m, "merge keys (<<) are not supported");
        rc = set_key(y, s, n, m);
        if (rc == AS_OK && anchor) {
            json_t *k = json_stringn(s, n);
            if (!k) return yj_oom(y, m);
            add_anchor(y, anchor, k, 1, n, 0);
            json_decref(k);
        }
        return rc;
    }
    json_t *v;
    rc = resolve_scalar(y, ev, &v);
    if (rc != AS_OK) return rc;
    if (!v) return yj_oom(y, m);
    if (anchor) add_anchor(y, anchor, v, 1, n, 0);
    return attach(y, v, 0, m);
}

static as_rc on_alias(yj *y, const yaml_event_t *ev) {
    const char *name = (const char *)ev->data.alias.anchor;
    yaml_mark_t m = ev->start_mark;
    if (y->lim.max_aliases == 0)
        return yj_fail(y, AS_EUNSUPPORTED, m, "aliases (*%s) are not allowed", name);
    if (++y->aliases > y->lim.max_aliases)
        return yj_fail(y, AS_ETOOBIG, m, "more than %zu aliases", y->lim.max_aliases);
    const yj_anchor *a = find_anchor(y, name);
    if (!a)
        return yj_fail(y, AS_EINVAL, m,
                       "alias '*%s' names no complete anchor (unknown, or an "
                       "alias inside its own anchor)", name);
    if (y->depth + a->height > y->lim.max_depth)
        return yj_fail(y, AS_ETOOBIG, m, "alias '*%s' nests deeper than %zu levels",
                       name, y->lim.max_depth);
    as_rc rc = charge(y, a->nodes, a->bytes, m);
    if (rc != AS_OK) return rc;
    if (want_key(y)) {
        if (!json_is_string(a->node))
            return yj_fail(y, AS_EUNSUPPORTED, m,
                           "keys must be scalars (alias '*%s' is a collection)", name);
        return set_key(y, json_string_value(a->node), json_string_length(a->node), m);
    }
    return attach(y, json_deep_copy(a->node), a->height, m);
}

static as_rc on_start(yj *y, const yaml_event_t *ev, bool is_map) {
    yaml_mark_t m = ev->start_mark;
    const char *tag = (const char *)(is_map ? ev->data.mapping_start.tag
                                            : ev->data.sequence_start.tag);
    const char *anchor = (const char *)(is_map ? ev->data.mapping_start.anchor
                                               : ev->data.sequence_start.anchor);
    if (want_key(y))
        return yj_fail(y, AS_EUNSUPPORTED, m,
                       "keys must be scalars (complex keys are not supported)");
    if (tag && strcmp(tag, "!") != 0 &&
        strcmp(tag, is_map ? YTAG "map" : YTAG "seq") != 0)
        return yj_fail(y, AS_EUNSUPPORTED, m, "unsupported tag '%s'", tag);
    if (y->depth + 1 > y->lim.max_depth)
        return yj_fail(y, AS_ETOOBIG, m, "nesting deeper than %zu levels",
                       y->lim.max_depth);
    size_t nodes0 = y->nodes, bytes0 = y->bytes;
    as_rc rc = charge(y, 1, 0, m);
    if (rc != AS_OK) return rc;
    json_t *c = is_map ? json_object() : json_array();
    rc = attach(y, c, 1, m);
    if (rc != AS_OK) return rc;
    if (y->depth == y->cap) {
        y->cap = y->cap ? 2 * y->cap : 16;
        y->stack = as_xrealloc(y->stack, y->cap * sizeof *y->stack);
    }
    y->stack[y->depth++] = (yj_frame){
        .node = c, .is_map = is_map, .anchor = anchor ? as_xstrdup(anchor) : NULL,
        .nodes0 = nodes0, .bytes0 = bytes0, .height = 0,
    };
    return AS_OK;
}

static void on_end(yj *y) {
    yj_frame f = y->stack[--y->depth];
    size_t height = f.height + 1;
    if (y->depth > 0 && y->stack[y->depth - 1].height < height)
        y->stack[y->depth - 1].height = height;
    if (f.anchor) {
        add_anchor(y, f.anchor, f.node, y->nodes - f.nodes0, y->bytes - f.bytes0, height);
        free(f.anchor);
    }
    free(f.key);
}

static as_rc parser_error(yj *y, const yaml_parser_t *p, const char *text, size_t n) {
    const char *problem = p->problem ? p->problem : "syntax error";
    if (p->error == YAML_MEMORY_ERROR)
        return as_err_set(y->err, AS_EINTERNAL, "%s: out of memory", y->origin);
    if (p->error == YAML_READER_ERROR) {
        size_t line, col;
        text_pos(text, n, p->problem_offset, &line, &col);
        return as_err_set(y->err, AS_EINVAL, "%s:%zu:%zu: %s", y->origin, line, col,
                          problem);
    }
    yaml_mark_t m = p->problem_mark;
    if (p->context)
        return yj_fail(y, AS_EINVAL, m, "%s %s", p->context, problem);
    return yj_fail(y, AS_EINVAL, m, "%s", problem);
}

static void yj_release(yj *y) {
    for (size_t i = 0; i < y->depth; i++) {
        free(y->stack[i].key);
        free(y->stack[i].anchor);
    }
    free(y->stack);
    for (size_t i = 0; i < y->n_anchors; i++) {
        free(y->anchors[i].name);
        json_decref(y->anchors[i].node);
    }
    free(y->anchors);
    json_decref(y->root);
}

as_rc as_yaml_to_json(const char *text, size_t n, const char *origin,
                      const as_yj_limits *lim, json_t **out, as_err *err) {
    yj y = { .origin = origin ? origin : "yaml", .err = err };
    if (lim) y.lim = *lim;
    else as_yj_limits_default(&y.lim);
    *out = NULL;
    if (n > y.lim.max_bytes)
        return as_err_set(err, AS_ETOOBIG, "%s: larger than %zu bytes", y.origin,
                          y.lim.max_bytes);

    yaml_parser_t p;
    if (!yaml_parser_initialize(&p))
        return as_err_set(err, AS_EINTERNAL, "%s: out of memory", y.origin);
    yaml_parser_set_input_string(&p, (const unsigned char *)text, n);
    as_rc rc = AS_OK;
    bool done = false;
    while (!done && rc == AS_OK) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&p, &ev)) {
            rc = parser_error(&y, &p, text, n);
            break;
        }
        switch (ev.type) {
        case YAML_DOCUMENT_START_EVENT:
            if (++y.documents > 1)
                rc = yj_fail(&y, AS_EUNSUPPORTED, ev.start_mark,
                             "more than one document");
            break;
        case YAML_SCALAR_EVENT: rc = on_scalar(&y, &ev); break;
        case YAML_ALIAS_EVENT: rc = on_alias(&y, &ev); break;
        case YAML_SEQUENCE_START_EVENT: rc = on_start(&y, &ev, false); break;
        case YAML_MAPPING_START_EVENT: rc = on_start(&y, &ev, true); break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT: on_end(&y); break;
        case YAML_STREAM_END_EVENT: done = true; break;
        default: break;
        }
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&p);
    if (rc == AS_OK) {
        *out = y.root ? y.root : json_null();
        y.root = NULL;
    }
    yj_release(&y);
    return rc;
}

/* ---- JSON --------------------------------------------------------------- */

/* Check nesting before jansson parses (so that the message has a place). */
static as_rc json_depth_scan(const char *text, size_t n, const char *origin,
                             size_t max_depth, as_err *err) {
    size_t depth = 0;
    bool in_str = false;
    for (size_t i = 0; i < n; i++) {
        char c = text[i];
        if (in_str) {
            if (c == '\\') i++;
            else if (c == '"') in_str = false;
            continue;
        }
        if (c == '"') in_str = true;
        else if (c == '[' || c == '{') {
            if (++depth > max_depth) {
                size_t line, col;
                text_pos(text, n, i, &line, &col);
                return as_err_set(err, AS_ETOOBIG, "%s:%zu:%zu: nesting deeper than %zu levels",
                                  origin, line, col, max_depth);
            }
        } else if ((c == ']' || c == '}') && depth > 0) depth--;
    }
    return AS_OK;
}

static size_t json_count(json_t *v) {
    size_t k = 1;
    if (json_is_array(v)) {
        size_t i;
        json_t *e;
        json_array_foreach(v, i, e) k += json_count(e);
    } else if (json_is_object(v)) {
        const char *key;
        json_t *e;
        json_object_foreach(v, key, e) k += 1 + json_count(e);
    }
    return k;
}

as_rc as_json_parse_limited(const char *text, size_t n, const char *origin,
                            const as_yj_limits *lim, json_t **out, as_err *err) {
    as_yj_limits l;
    if (lim) l = *lim;
    else as_yj_limits_default(&l);
    if (!origin) origin = "json";
    *out = NULL;
    if (n > l.max_bytes)
        return as_err_set(err, AS_ETOOBIG, "%s: larger than %zu bytes", origin,
                          l.max_bytes);
    as_rc rc = json_depth_scan(text, n, origin, l.max_depth, err);
    if (rc != AS_OK) return rc;
    json_error_t je;
    json_t *v = json_loadb(text, n, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
    if (!v)
        return as_err_set(err, AS_EINVAL, "%s:%d:%d: %s", origin, je.line < 1 ? 1 : je.line,
                          je.column < 1 ? 1 : je.column, je.text);
    if (json_count(v) > l.max_nodes) {    /* depth is bounded: recursion is safe */
        json_decref(v);
        return as_err_set(err, AS_ETOOBIG, "%s: more than %zu nodes", origin, l.max_nodes);
    }
    *out = v;
    return AS_OK;
}

/* ---- files -------------------------------------------------------------- */

as_rc as_yamljson_read_file(const char *path, size_t max_bytes, char **text,
                            size_t *n, as_err *err) {
    *text = NULL;
    if (n) *n = 0;
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (errno == ENOENT) return as_err_set(err, AS_ENOTFOUND, "%s: no such file", path);
        return as_err_set(err, AS_EIO, "%s: %s", path, strerror(errno));
    }
    as_buf b;
    as_buf_init(&b, max_bytes);
    char chunk[16384];
    as_rc rc = AS_OK;
    for (;;) {
        size_t k = fread(chunk, 1, sizeof chunk, f);
        if (k > 0 && as_buf_append(&b, chunk, k) != AS_OK) {
            rc = as_err_set(err, AS_ETOOBIG, "%s: larger than %zu bytes", path, max_bytes);
            break;
        }
        if (k < sizeof chunk) {
            if (ferror(f)) rc = as_err_set(err, AS_EIO, "%s: %s", path, strerror(errno));
            break;
        }
    }
    fclose(f);
    if (rc != AS_OK) {
        as_buf_release(&b);
        return rc;
    }
    *text = as_buf_detach(&b, n);
    return AS_OK;
}

static bool ends_with_ci(const char *s, const char *suffix) {
    size_t a = strlen(s), b = strlen(suffix);
    if (a < b) return false;
    for (size_t i = 0; i < b; i++) {
        char c = s[a - b + i];
        if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
        if (c != suffix[i]) return false;
    }
    return true;
}

bool as_yamljson_is_yaml_path(const char *path) {
    return ends_with_ci(path, ".yaml") || ends_with_ci(path, ".yml");
}

as_rc as_yamljson_load_file(const char *path, const as_yj_limits *lim,
                            json_t **out, as_err *err) {
    as_yj_limits l;
    if (lim) l = *lim;
    else as_yj_limits_default(&l);
    *out = NULL;
    bool yaml = as_yamljson_is_yaml_path(path);
    if (!yaml && !ends_with_ci(path, ".json"))
        return as_err_set(err, AS_EUNSUPPORTED,
                          "%s: unknown file type (expected .yaml, .yml or .json)", path);
    char *text;
    size_t n;
    as_rc rc = as_yamljson_read_file(path, l.max_bytes, &text, &n, err);
    if (rc != AS_OK) return rc;
    rc = yaml ? as_yaml_to_json(text, n, path, &l, out, err)
              : as_json_parse_limited(text, n, path, &l, out, err);
    free(text);
    return rc;
}
