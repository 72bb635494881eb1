/*
 * arena.h - a per-request memory pool (after h2o_mem_pool / ngx_palloc).
 *
 * Everything decoded from one OTLP request is allocated from one arena and
 * released at once with as_arena_release.  Allocation never fails (the
 * server's OOM policy aborts).  Pointers stay valid until release.
 */
#ifndef ASSAY_ARENA_H
#define ASSAY_ARENA_H

#include <stddef.h>

typedef struct as_arena_block as_arena_block;

typedef struct as_arena {
    as_arena_block *head;
    size_t used;          /* bytes handed out, for accounting */
} as_arena;

void as_arena_init(as_arena *a);
void as_arena_release(as_arena *a);
void *as_arena_alloc(as_arena *a, size_t n);          /* 16-byte aligned */
void *as_arena_calloc(as_arena *a, size_t n);
char *as_arena_strndup(as_arena *a, const char *s, size_t n);
char *as_arena_strdup(as_arena *a, const char *s);

#endif
