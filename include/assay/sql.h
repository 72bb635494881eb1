/*
 * sql.h - dialect-neutral pieces shared by SQL builders and storage
 * backends: bound parameter lists and the SQL dialect description.
 *
 * Request text never becomes SQL text: builders append fixed SQL fragments
 * with '?' placeholders to an as_buf and push the values as as_sql_param.
 * A backend rewrites '?' to its own placeholder syntax if it needs to.
 * Dialect-specific SQL fragments live in an as_sql_dialect (one per
 * backend), so builders never test for a backend by name.
 */
#ifndef ASSAY_SQL_H
#define ASSAY_SQL_H

#include "assay/buf.h"

typedef enum { AS_SQL_NULL, AS_SQL_INT, AS_SQL_REAL, AS_SQL_TEXT, AS_SQL_BLOB } as_sql_type;

typedef struct as_sql_param {
    as_sql_type type;
    int64_t i;
    double d;
    char *s;            /* owned (malloc) when type is TEXT or BLOB */
    size_t len;         /* bytes of s */
} as_sql_param;

typedef struct as_sql_params {
    as_sql_param *v;
    size_t n, cap;
} as_sql_params;

void as_sql_params_init(as_sql_params *p);
void as_sql_params_release(as_sql_params *p);
void as_sql_params_int(as_sql_params *p, int64_t v);
void as_sql_params_real(as_sql_params *p, double v);
void as_sql_params_text(as_sql_params *p, const char *s, size_t n);
void as_sql_params_null(as_sql_params *p);
void as_sql_params_blob(as_sql_params *p, const void *b, size_t n);

typedef struct as_sql_dialect {
    const char *name;
    /* Append an expression giving the JSON value at a path inside the JSON
     * column expression `col`, as a typed SQL scalar (text, number, or NULL);
     * the path (segments of a dotted attribute key) is pushed as params. */
    as_rc (*json_value)(as_buf *sql, as_sql_params *params, const char *col,
                        const char *const *segments, size_t nseg);
    /* Append "needle occurs in haystack" given two already-built
     * expressions (haystack is text). */
    as_rc (*contains)(as_buf *sql, const char *needle_expr,
                      const char *haystack_expr);
} as_sql_dialect;

extern const as_sql_dialect as_sqlite_dialect;

#endif
