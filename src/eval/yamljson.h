/*
 * yamljson.h - YAML (and JSON) text into jansson values, with limits.
 *
 * Internal to the library.  Judge templates, evaluator files and later
 * config files are YAML or JSON written by users, sometimes by strangers,
 * so loading is bounded: input size, nesting depth, number of nodes, and
 * anchors/aliases (a "billion laughs" document expands exponentially, so
 * every alias use is counted with the full size of what it expands to).
 *
 * YAML scalars follow the YAML 1.2 core schema: null/~/empty, true/false,
 * decimal, 0x and 0o integers, floats with .inf/.nan refused (jansson
 * cannot hold them), everything else a string; quoted scalars are always
 * strings.  yes/no/on/off are strings (no "Norway problem").  Duplicate
 * mapping keys, complex (non-scalar) keys, merge keys (<<), tags other
 * than the standard !!str/!!int/!!float/!!bool/!!null/!!map/!!seq, NUL
 * characters and more than one document are errors.  Aliases expand to
 * deep copies, so the result is a plain tree.
 *
 * Every error message starts with "origin:line:column: " (1-based).
 */
#ifndef ASSAY_EVAL_YAMLJSON_H
#define ASSAY_EVAL_YAMLJSON_H

#include <jansson.h>

#include "assay/common.h"

typedef struct as_yj_limits {
    size_t max_bytes;     /* input text                                   */
    size_t max_depth;     /* nested mappings and sequences                */
    size_t max_nodes;     /* values and keys, each alias counted expanded */
    size_t max_expanded;  /* bytes of scalar text, aliases expanded       */
    size_t max_aliases;   /* alias uses; 0 refuses aliases altogether     */
} as_yj_limits;

#define AS_YJ_MAX_BYTES (4u << 20)
#define AS_YJ_MAX_DEPTH 64
#define AS_YJ_MAX_NODES 1000000u
#define AS_YJ_MAX_EXPANDED (16u << 20)
#define AS_YJ_MAX_ALIASES 1000u

/* Fill in the defaults above. */
void as_yj_limits_default(as_yj_limits *l);

/* Parse YAML text (n bytes, need not be NUL-terminated) into *out (a new
 * reference; json null for an empty document).  lim NULL: defaults.
 * origin names the text in messages (NULL: "yaml").  Errors: AS_EINVAL
 * (syntax, duplicate keys), AS_EUNSUPPORTED (tags, complex or merge keys,
 * several documents), AS_ETOOBIG (a limit). */
as_rc as_yaml_to_json(const char *text, size_t n, const char *origin,
                      const as_yj_limits *lim, json_t **out, as_err *err);

/* The same for JSON text (jansson, duplicate keys rejected), with the same
 * size, depth and node limits. */
as_rc as_json_parse_limited(const char *text, size_t n, const char *origin,
                            const as_yj_limits *lim, json_t **out, as_err *err);

/* Read a whole file (at most max_bytes, else AS_ETOOBIG) into a heap
 * NUL-terminated string.  AS_ENOTFOUND when it does not exist, AS_EIO on
 * other failures; messages start with the path. */
as_rc as_yamljson_read_file(const char *path, size_t max_bytes, char **text,
                            size_t *n, as_err *err);

/* True when path ends in .yaml or .yml (any case). */
bool as_yamljson_is_yaml_path(const char *path);

/* Load a .yaml/.yml (YAML) or .json (JSON) file; other extensions give
 * AS_EUNSUPPORTED.  The path is the origin in messages. */
as_rc as_yamljson_load_file(const char *path, const as_yj_limits *lim,
                            json_t **out, as_err *err);

#endif
