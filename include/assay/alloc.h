/*
 * alloc.h - allocation wrappers with the server's out-of-memory policy.
 *
 * The server cannot do anything useful once malloc fails, so these wrappers
 * print a message and abort (as redis zmalloc and git xmalloc do).  Code in
 * the library core uses them; a future embeddable SDK would not.
 * Memory from as_xmalloc & co. is released with plain free().
 */
#ifndef ASSAY_ALLOC_H
#define ASSAY_ALLOC_H

#include <stddef.h>

void *as_xmalloc(size_t n);
void *as_xcalloc(size_t nmemb, size_t size);
void *as_xrealloc(void *p, size_t n);
char *as_xstrdup(const char *s);
char *as_xstrndup(const char *s, size_t n);

#endif
