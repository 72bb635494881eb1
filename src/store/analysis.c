/*
 * analysis.c - the analysis store API (include/assay/store_analysis.h):
 * one-line dispatch to the backend, and the string table and free
 * functions shared by every backend.
 */
#include <stdlib.h>
#include <string.h>

#include "analysis_ops.h"
#include "assay/alloc.h"

as_rc as_store_analysis_experiment(as_store *st, int64_t id, bool with_data,
                                   as_an_experiment *out, as_err *err) {
    return st->ops->analysis->experiment(st, id, with_data, out, err);
}
as_rc as_store_analysis_experiment_by_name(as_store *st, const char *name,
                                           int64_t *id, as_err *err) {
    return st->ops->analysis->experiment_by_name(st, name, id, err);
}
as_rc as_store_analysis_ratings_experiment(as_store *st, int64_t experiment_id,
                                           const char *judge_name,
                                           const char *human_name,
                                           as_an_ratings *out, as_err *err) {
    return st->ops->analysis->ratings_experiment(st, experiment_id, judge_name,
                                                 human_name, out, err);
}
as_rc as_store_analysis_ratings_project(as_store *st, int64_t project_id,
                                        const char *name, as_an_ratings *out,
                                        as_err *err) {
    return st->ops->analysis->ratings_project(st, project_id, name, out, err);
}
as_rc as_store_analysis_label_config(as_store *st, const char *name,
                                     json_t **row, as_err *err) {
    return st->ops->analysis->label_config(st, name, row, err);
}

/* FNV-1a: the table holds a few distinct names and labels. */
static uint32_t str_hash(const char *s, size_t len) {
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++) h = (h ^ (uint8_t)s[i]) * 16777619u;
    return h;
}

static void rehash(as_an_strings *t, uint32_t nslots) {
    free(t->slots);
    t->slots = as_xcalloc(nslots, sizeof(uint32_t));
    t->nslots = nslots;
    for (uint32_t i = 0; i < t->n; i++) {
        uint32_t h = str_hash(t->v[i], strlen(t->v[i])) & (nslots - 1);
        while (t->slots[h]) h = (h + 1) & (nslots - 1);
        t->slots[h] = i + 1;
    }
}

static uint32_t find(const as_an_strings *t, const char *s, size_t len,
                     uint32_t *slot) {
    uint32_t h = str_hash(s, len) & (t->nslots - 1);
    for (;;) {
        uint32_t k = t->slots[h];
        if (!k) { *slot = h; return AS_AN_NONE; }
        const char *v = t->v[k - 1];
        if (strncmp(v, s, len) == 0 && v[len] == '\0') { *slot = h; return k - 1; }
        h = (h + 1) & (t->nslots - 1);
    }
}

uint32_t as_an_intern(as_an_strings *t, const char *s, size_t len) {
    if (t->nslots == 0) rehash(t, 64);
    uint32_t slot, i = find(t, s, len, &slot);
    if (i != AS_AN_NONE) return i;
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 16;
        t->v = as_xrealloc(t->v, t->cap * sizeof(char *));
    }
    t->v[t->n] = as_xstrndup(s, len);
    t->slots[slot] = ++t->n;
    if ((uint64_t)t->n * 2 > t->nslots) rehash(t, t->nslots * 2);
    return t->n - 1;
}

uint32_t as_an_lookup(const as_an_strings *t, const char *s) {
    if (t->nslots == 0) return AS_AN_NONE;
    uint32_t slot;
    return find(t, s, strlen(s), &slot);
}

void as_an_strings_free(as_an_strings *t) {
    for (uint32_t i = 0; i < t->n; i++) free(t->v[i]);
    free(t->v);
    free(t->slots);
    memset(t, 0, sizeof(*t));
}

void as_an_experiment_free(as_an_experiment *x) {
    free(x->name);
    free(x->dataset_name);
    free(x->runs);
    free(x->evals);
    as_an_strings_free(&x->str);
    memset(x, 0, sizeof(*x));
}

void as_an_ratings_free(as_an_ratings *r) {
    for (size_t i = 0; i < r->n; i++) free(r->v[i].explanation);
    free(r->v);
    as_an_strings_free(&r->str);
    memset(r, 0, sizeof(*r));
}
