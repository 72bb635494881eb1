/*
 * sql.c - bound-parameter lists and the SQLite dialect fragments
 * (see include/assay/sql.h).  All SQLite-specific SQL that is shared by
 * builders outside the backend lives here.
 */
#include <stdlib.h>
#include <string.h>

#include "assay/alloc.h"
#include "assay/sql.h"

void as_sql_params_init(as_sql_params *p) { p->v = NULL; p->n = p->cap = 0; }

void as_sql_params_release(as_sql_params *p) {
    for (size_t i = 0; i < p->n; i++)
        if (p->v[i].type == AS_SQL_TEXT || p->v[i].type == AS_SQL_BLOB) free(p->v[i].s);
    free(p->v);
    as_sql_params_init(p);
}

static as_sql_param *push(as_sql_params *p) {
    if (p->n == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 8;
        p->v = as_xrealloc(p->v, p->cap * sizeof(*p->v));
    }
    as_sql_param *x = &p->v[p->n++];
    memset(x, 0, sizeof(*x));
    return x;
}

void as_sql_params_int(as_sql_params *p, int64_t v) { as_sql_param *x = push(p); x->type = AS_SQL_INT; x->i = v; }
void as_sql_params_real(as_sql_params *p, double v) { as_sql_param *x = push(p); x->type = AS_SQL_REAL; x->d = v; }
void as_sql_params_null(as_sql_params *p) { push(p)->type = AS_SQL_NULL; }
void as_sql_params_text(as_sql_params *p, const char *s, size_t n) {
    as_sql_param *x = push(p);
    x->type = AS_SQL_TEXT;
    x->s = as_xstrndup(s, n);
    x->len = n;
}
void as_sql_params_blob(as_sql_params *p, const void *b, size_t n) {
    as_sql_param *x = push(p);
    x->type = AS_SQL_BLOB;
    x->s = as_xstrndup(b, n);
    x->len = n;
}

/* json_extract(col, '$."a"."b"."0"') - the path is bound, never inlined.
 * Segments are quoted so that any key is safe; numeric segments of arrays
 * are written as [N] so that arrays index as they should. */
static as_rc sqlite_json_value(as_buf *sql, as_sql_params *params,
                               const char *col, const char *const *seg,
                               size_t nseg) {
    as_buf path;
    as_buf_init(&path, 4096);
    as_rc rc = as_buf_putc(&path, '$');
    for (size_t i = 0; i < nseg && rc == AS_OK; i++) {
        const char *s = seg[i];
        size_t n = strlen(s);
        bool digits = n > 0 && n < 10 && strspn(s, "0123456789") == n;
        if (digits) {
            rc = as_buf_printf(&path, "[%s]", s);
        } else {
            rc = as_buf_puts(&path, ".\"");
            for (size_t k = 0; k < n && rc == AS_OK; k++) {
                if (s[k] == '"' || s[k] == '\\') rc = as_buf_putc(&path, '\\');
                if (rc == AS_OK) rc = as_buf_putc(&path, s[k]);
            }
            if (rc == AS_OK) rc = as_buf_putc(&path, '"');
        }
    }
    if (rc == AS_OK) rc = as_buf_printf(sql, "json_extract(%s, ?)", col);
    if (rc == AS_OK) as_sql_params_text(params, path.data, path.len);
    as_buf_release(&path);
    return rc;
}

static as_rc sqlite_contains(as_buf *sql, const char *needle, const char *hay) {
    return as_buf_printf(sql, "(instr(%s, %s) > 0)", hay, needle);
}

const as_sql_dialect as_sqlite_dialect = {
    .name = "sqlite",
    .json_value = sqlite_json_value,
    .contains = sqlite_contains,
};
