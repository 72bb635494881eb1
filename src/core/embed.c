/*
 * embed.c - lookup in the tables that tools/embed.c generates.
 */
#include <string.h>

#include "assay/embed.h"

const as_embed_file *as_embed_find(const as_embed_file *table, const char *name) {
    for (const as_embed_file *f = table; f && f->name; f++)
        if (strcmp(f->name, name) == 0) return f;
    return NULL;
}
