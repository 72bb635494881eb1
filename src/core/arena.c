/*
 * arena.c - per-request memory pool: a chain of blocks, bump allocation,
 * released all at once.  Requests larger than a quarter block get a block
 * of their own so that big strings do not waste the tail of a block.
 *
 * Released standard blocks go to a process-wide free list (at most
 * POOL_MAX_BLOCKS, 16 MB) instead of free(): an ingest request allocates
 * and releases a few hundred KB, and handing that back to malloc made
 * glibc trim and regrow its heap on every request (page faults cost more
 * than the decoding itself).  One mutex: arenas are released on another
 * thread than the one that filled them (the ingest writer).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "assay/alloc.h"
#include "assay/arena.h"

#define BLOCK_SIZE (16 * 1024)

struct as_arena_block {
    as_arena_block *next;
    size_t size, off;
    _Alignas(16) unsigned char data[];
};

#define POOL_MAX_BLOCKS 1024

static pthread_mutex_t pool_mu = PTHREAD_MUTEX_INITIALIZER;
static as_arena_block *pool;            /* free standard blocks */
static size_t pool_n;

void as_arena_init(as_arena *a) { a->head = NULL; a->used = 0; }

void as_arena_release(as_arena *a) {
    as_arena_block *b = a->head, *keep = NULL, *keep_tail = NULL;
    size_t nkeep = 0;
    while (b) {
        as_arena_block *n = b->next;
        if (b->size == BLOCK_SIZE) {
            b->next = keep;
            if (!keep) keep_tail = b;
            keep = b;
            nkeep++;
        } else {
            free(b);
        }
        b = n;
    }
    if (keep) {
        pthread_mutex_lock(&pool_mu);
        if (pool_n + nkeep <= POOL_MAX_BLOCKS) {
            keep_tail->next = pool;
            pool = keep;
            pool_n += nkeep;
            keep = NULL;
        }
        pthread_mutex_unlock(&pool_mu);
        while (keep) { as_arena_block *n = keep->next; free(keep); keep = n; }
    }
    a->head = NULL;
    a->used = 0;
}

static as_arena_block *new_block(size_t size) {
    as_arena_block *b = NULL;
    if (size == BLOCK_SIZE) {
        pthread_mutex_lock(&pool_mu);
        if (pool) { b = pool; pool = b->next; pool_n--; }
        pthread_mutex_unlock(&pool_mu);
    }
    if (!b) b = as_xmalloc(sizeof(*b) + size);
    b->size = size;
    b->off = 0;
    b->next = NULL;
    return b;
}

void *as_arena_alloc(as_arena *a, size_t n) {
    n = (n + 15) & ~(size_t)15;
    a->used += n;
    if (n > BLOCK_SIZE / 4) {
        as_arena_block *b = new_block(n);
        b->off = n;
        if (a->head) { b->next = a->head->next; a->head->next = b; }
        else a->head = b;
        return b->data;
    }
    if (!a->head || a->head->size - a->head->off < n) {
        as_arena_block *b = new_block(BLOCK_SIZE);
        b->next = a->head;
        a->head = b;
    }
    void *p = a->head->data + a->head->off;
    a->head->off += n;
    return p;
}

void *as_arena_calloc(as_arena *a, size_t n) {
    void *p = as_arena_alloc(a, n);
    memset(p, 0, n);
    return p;
}

char *as_arena_strndup(as_arena *a, const char *s, size_t n) {
    char *p = as_arena_alloc(a, n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *as_arena_strdup(as_arena *a, const char *s) {
    return as_arena_strndup(a, s, strlen(s));
}
