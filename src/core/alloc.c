/*
 * alloc.c - allocation wrappers that abort on out-of-memory (server policy;
 * see include/assay/alloc.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assay/alloc.h"

static void oom(size_t n) {
    fprintf(stderr, "assay: out of memory allocating %zu bytes\n", n);
    abort();
}

void *as_xmalloc(size_t n) {
    void *p = malloc(n ? n : 1);
    if (!p) oom(n);
    return p;
}

void *as_xcalloc(size_t nmemb, size_t size) {
    void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);
    if (!p) oom(nmemb * size);
    return p;
}

void *as_xrealloc(void *p, size_t n) {
    void *q = realloc(p, n ? n : 1);
    if (!q) oom(n);
    return q;
}

char *as_xstrndup(const char *s, size_t n) {
    char *p = as_xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *as_xstrdup(const char *s) { return as_xstrndup(s, strlen(s)); }
