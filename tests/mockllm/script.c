/*
 * script.c - how a test tells the mock what to answer.
 *
 * Two sources, both keyed on the prompt text (all message and system text
 * of a request, concatenated):
 *   - directives written in the prompt itself: [[mock status=429 times=2]]
 *   - --rules FILE: a JSON array of {"match": "substring", ...same keys}.
 * The first matching rule is the base; directives overlay it key by key.
 * The "failure part" (status, body, delay) is limited by times=N with a
 * per-prompt attempt counter, so "fail twice then succeed" needs no state
 * in the test.  The answer itself (label, reply text) is a pure function of
 * the prompt text (XXH3), so equal prompts get equal answers.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>
#include "mockllm.h"

/* ---- scripts ------------------------------------------------------------- */

void script_clear(mock_script *s)
{
    free(s->label);
    free(s->text);
    memset(s, 0, sizeof *s);
}

void script_merge(mock_script *dst, const mock_script *src)
{
    if (src->set & SC_LABEL) {
        free(dst->label);
        dst->label = xstrdup(src->label);
    }
    if (src->set & SC_TEXT) {
        free(dst->text);
        dst->text = xstrdup(src->text);
    }
    if (src->set & SC_STATUS) dst->status = src->status;
    if (src->set & SC_RETRY) dst->retry_after_ms = src->retry_after_ms;
    if (src->set & SC_DELAY) dst->delay_ms = src->delay_ms;
    if (src->set & SC_BODY) dst->body = src->body;
    if (src->set & SC_TIMES) dst->times = src->times;
    dst->set |= src->set;
}

/* Parse a non-negative decimal integer no larger than max. */
static int parse_num(const char *v, long max, long *out)
{
    char *end;
    long x;
    if (!isdigit((unsigned char)*v)) return -1;
    errno = 0;
    x = strtol(v, &end, 10);
    if (errno || *end || x > max) return -1;
    *out = x;
    return 0;
}

/* Set one key from its string value (directives, and string-valued rule
 * fields).  -1 with err when the key or value is not understood. */
static int script_set(mock_script *s, const char *key, const char *val,
                      mock_err *err)
{
    long x;
    if (!strcmp(key, "label")) {
        free(s->label);
        s->label = xstrdup(val);
        s->set |= SC_LABEL;
    } else if (!strcmp(key, "text")) {
        free(s->text);
        s->text = xstrdup(val);
        s->set |= SC_TEXT;
    } else if (!strcmp(key, "status")) {
        if (parse_num(val, 599, &x) || x < 400) goto bad;
        s->status = (int)x;
        s->set |= SC_STATUS;
    } else if (!strcmp(key, "retry_after_ms")) {
        if (parse_num(val, 86400000L, &x)) goto bad;
        s->retry_after_ms = x;
        s->set |= SC_RETRY;
    } else if (!strcmp(key, "delay_ms")) {
        if (parse_num(val, 3600000L, &x)) goto bad;
        s->delay_ms = x;
        s->set |= SC_DELAY;
    } else if (!strcmp(key, "times")) {
        if (parse_num(val, 1000000000L, &x)) goto bad;
        s->times = x;
        s->set |= SC_TIMES;
    } else if (!strcmp(key, "body")) {
        if (!strcmp(val, "malformed")) s->body = BODY_MALFORMED;
        else if (!strcmp(val, "truncated")) s->body = BODY_TRUNCATED;
        else if (!strcmp(val, "empty")) s->body = BODY_EMPTY;
        else if (!strcmp(val, "normal")) s->body = BODY_NORMAL;
        else goto bad;
        s->set |= SC_BODY;
    } else {
        mock_err_set(err, 400, NULL, NULL,
                     "mockllm: unknown key '%s' (label, text, status, "
                     "retry_after_ms, delay_ms, body, times)", key);
        return -1;
    }
    return 0;
bad:
    mock_err_set(err, 400, NULL, NULL, "mockllm: bad value '%s' for %s",
                 val, key);
    return -1;
}

/* ---- directives ---------------------------------------------------------- */

#define DIRECTIVE "[[mock"

/* Parse one directive starting just after "[[mock"; *pp is left after the
 * closing "]]".  Syntax: key=value pairs separated by blanks; a value is
 * either bare (up to the next blank or "]]"; in text= an underscore stands
 * for a space) or double-quoted with \" and \\ escapes. */
static int directive_parse(const char **pp, const char *end, mock_script *s,
                           mock_err *err)
{
    const char *p = *pp;
    char key[32], *val = NULL;

    for (;;) {
        size_t kn = 0;
        mbuf v;
        while (p < end && isspace((unsigned char)*p)) p++;
        if (end - p >= 2 && p[0] == ']' && p[1] == ']') {
            *pp = p + 2;
            return 0;
        }
        if (p >= end) break;
        while (p < end && (islower((unsigned char)*p) || *p == '_')) {
            if (kn + 1 >= sizeof key) goto syntax;
            key[kn++] = *p++;
        }
        key[kn] = '\0';
        if (!kn || p >= end || *p != '=') goto syntax;
        p++;
        mbuf_init(&v, 1 << 20);
        if (p < end && *p == '"') {
            for (p++; p < end && *p != '"'; p++) {
                if (*p == '\\' && p + 1 < end) p++;
                mbuf_add(&v, p, 1);
            }
            if (p >= end) {
                mbuf_release(&v);
                goto syntax;
            }
            p++;
        } else {
            int is_text = !strcmp(key, "text");
            for (; p < end && !isspace((unsigned char)*p); p++) {
                if (end - p >= 2 && p[0] == ']' && p[1] == ']') break;
                mbuf_add(&v, is_text && *p == '_' ? " " : p, 1);
            }
        }
        val = mbuf_take(&v, NULL);
        if (!val) val = xstrdup("");
        if (script_set(s, key, val, err)) goto out;
        free(val);
        val = NULL;
    }
syntax:
    mock_err_set(err, 400, NULL, NULL,
                 "mockllm: malformed directive near \"%.40s\" "
                 "(want [[mock key=value ...]])", *pp - strlen(DIRECTIVE));
out:
    free(val);
    return -1;
}

/* ---- rules --------------------------------------------------------------- */

typedef struct rule {
    char *match;             /* NULL: matches every prompt */
    mock_script s;
} rule;

static rule *g_rules;
static size_t g_nrules;

void rules_free(void)
{
    for (size_t i = 0; i < g_nrules; i++) {
        free(g_rules[i].match);
        script_clear(&g_rules[i].s);
    }
    free(g_rules);
    g_rules = NULL;
    g_nrules = 0;
}

int rules_load(const char *path)
{
    json_error_t je;
    json_t *root = json_load_file(path, 0, &je);
    size_t i;
    json_t *r;

    if (!root) {
        fprintf(stderr, "mockllm: %s:%d: %s\n", path, je.line, je.text);
        return -1;
    }
    if (!json_is_array(root)) {
        fprintf(stderr, "mockllm: %s: want a JSON array of rules\n", path);
        json_decref(root);
        return -1;
    }
    g_rules = xcalloc(json_array_size(root) + 1, sizeof *g_rules);
    json_array_foreach(root, i, r) {
        rule *ru = &g_rules[g_nrules++];
        const char *k;
        json_t *v;
        if (!json_is_object(r)) {
            fprintf(stderr, "mockllm: %s: rule %zu is not an object\n", path, i);
            goto fail;
        }
        json_object_foreach(r, k, v) {
            mock_err err;
            char num[32];
            const char *sval;
            if (!strcmp(k, "match")) {
                if (!json_is_string(v)) goto badval;
                ru->match = xstrdup(json_string_value(v));
                continue;
            }
            if (json_is_string(v)) {
                sval = json_string_value(v);
            } else if (json_is_integer(v)) {
                snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT,
                         json_integer_value(v));
                sval = num;
            } else {
                goto badval;
            }
            if (script_set(&ru->s, k, sval, &err)) {
                fprintf(stderr, "mockllm: %s: rule %zu: %s\n", path, i,
                        err.msg + strlen("mockllm: "));
                goto fail;
            }
            continue;
        badval:
            fprintf(stderr, "mockllm: %s: rule %zu: bad value for \"%s\"\n",
                    path, i, k);
            goto fail;
        }
    }
    json_decref(root);
    return 0;
fail:
    json_decref(root);
    rules_free();
    return -1;
}

int script_for(const char *prompt, size_t n, mock_script *out,
               mock_err *err)
{
    const char *p = prompt, *end = prompt + n;

    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < g_nrules; i++) {
        if (!g_rules[i].match || memmem(prompt, n, g_rules[i].match,
                                        strlen(g_rules[i].match))) {
            script_merge(out, &g_rules[i].s);
            break;
        }
    }
    while ((p = memmem(p, (size_t)(end - p), DIRECTIVE, strlen(DIRECTIVE)))) {
        mock_script d = {0};
        p += strlen(DIRECTIVE);
        if (p < end && !isspace((unsigned char)*p) && *p != ']')
            continue;            /* "[[mockery": not ours */
        if (directive_parse(&p, end, &d, err)) {
            script_clear(&d);
            script_clear(out);
            return -1;
        }
        script_merge(out, &d);
        script_clear(&d);
    }
    return 0;
}

/* ---- attempt counters ---------------------------------------------------- */

/* Open addressing, linear probing, grown at half load.  Key 0 marks an
 * empty slot (a hash of 0 is stored as 1: a harmless collision). */
typedef struct attempt_slot {
    uint64_t key;
    unsigned long n;
} attempt_slot;

static pthread_mutex_t att_mu = PTHREAD_MUTEX_INITIALIZER;
static attempt_slot *att;
static size_t att_cap, att_used;

static attempt_slot *att_find(attempt_slot *t, size_t cap, uint64_t key)
{
    size_t i = (size_t)key & (cap - 1);
    while (t[i].key && t[i].key != key) i = (i + 1) & (cap - 1);
    return &t[i];
}

unsigned long attempts_next(uint64_t h)
{
    unsigned long n;
    attempt_slot *s;

    if (!h) h = 1;
    pthread_mutex_lock(&att_mu);
    if ((att_used + 1) * 2 > att_cap) {
        size_t ncap = att_cap ? att_cap * 2 : 256;
        attempt_slot *nt = xcalloc(ncap, sizeof *nt);
        for (size_t i = 0; i < att_cap; i++)
            if (att[i].key) *att_find(nt, ncap, att[i].key) = att[i];
        free(att);
        att = nt;
        att_cap = ncap;
    }
    s = att_find(att, att_cap, h);
    if (!s->key) {
        s->key = h;
        att_used++;
    }
    n = s->n++;
    pthread_mutex_unlock(&att_mu);
    return n;
}

void attempts_reset(void)
{
    pthread_mutex_lock(&att_mu);
    free(att);
    att = NULL;
    att_cap = att_used = 0;
    pthread_mutex_unlock(&att_mu);
}

/* ---- the answer ---------------------------------------------------------- */

void answer_decide(const mock_ask *ask, const mock_script *sc,
                   unsigned long long seq, mock_answer *out)
{
    const char *prompt = ask->prompt.p ? ask->prompt.p : "";
    mbuf t;

    memset(out, 0, sizeof *out);
    out->h = XXH3_64bits(prompt, ask->prompt.n);
    out->seq = seq;
    snprintf(out->explanation, sizeof out->explanation,
             "mock explanation %08" PRIx32, (uint32_t)(out->h >> 32));
    if (sc->set & SC_LABEL)
        out->label = sc->label;
    else if (ask->labels)
        out->label = json_string_value(json_array_get(
            ask->labels, (size_t)(out->h % json_array_size(ask->labels))));
    if (sc->set & SC_TEXT) out->text_override = sc->text;

    mbuf_init(&t, (size_t)-1);
    if (out->text_override) {
        mbuf_addstr(&t, out->text_override);
    } else if (sc->set & SC_LABEL) {
        mbuf_addstr(&t, "EXPLANATION: ");
        mbuf_addstr(&t, out->explanation);
        mbuf_addstr(&t, "\nLABEL: ");
        mbuf_addstr(&t, out->label);
    } else {
        char r[40];
        snprintf(r, sizeof r, "mock reply %016" PRIx64, out->h);
        mbuf_addstr(&t, r);
    }
    out->text = mbuf_take(&t, NULL);
}

void answer_clear(mock_answer *a)
{
    free(a->text);
    a->text = NULL;
}

json_t *answer_object(const mock_ask *ask, const mock_answer *a)
{
    json_t *o = json_object();
    /* No schema (json_object mode): both keys; else as the schema says. */
    if (!ask->props || json_object_get(ask->props, "explanation"))
        json_object_set_new(o, "explanation", json_string(a->explanation));
    json_object_set_new(o, "label", json_string(a->label ? a->label : "mock"));
    return o;
}

char *answer_json(const mock_ask *ask, const mock_answer *a)
{
    json_t *o = answer_object(ask, a);
    char *s = json_text(o, NULL);
    json_decref(o);
    return s;
}
