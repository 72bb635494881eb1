/*
 * embed.h - files compiled into the binary (built-in judge templates, the
 * price table, later the web UI), so that the one `assay` file is the
 * whole product.  tools/embed.c generates the tables at build time from
 * the files in the source tree; a table ends with a {NULL, NULL, 0} entry.
 * The data is NUL-terminated (len excludes the NUL) and lives forever.
 */
#ifndef ASSAY_EMBED_H
#define ASSAY_EMBED_H
#include <stddef.h>

typedef struct as_embed_file {
    const char *name;              /* file name without directories */
    const unsigned char *data;
    size_t len;
} as_embed_file;

/* The entry named name, or NULL. */
const as_embed_file *as_embed_find(const as_embed_file *table, const char *name);

extern const as_embed_file as_embed_templates[];  /* src/eval/templates/ *.yaml */
extern const as_embed_file as_embed_prices[];     /* src/llm/prices.json        */
extern const as_embed_file as_embed_demo[];       /* data/demo/ *.json          */
extern const as_embed_file as_embed_openapi[];    /* src/server/openapi.json    */

#endif
