/*
 * filter.h - the span filter expression language (an assay extension used
 * by the UI and the CLI: GET /v1/projects/{id}/spans?filter=...).
 *
 * Grammar (Python-flavoured, like Phoenix's span filters):
 *   expr    := or
 *   or      := and ('or' and)*
 *   and     := not ('and' not)*
 *   not     := 'not' not | cmp
 *   cmp     := operand (cmpop operand | 'is' ['not'] 'None'
 *                       | ['not'] 'in' operand)?
 *   cmpop   := '==' | '!=' | '<' | '<=' | '>' | '>='
 *   operand := literal | path | '(' expr ')' | '[' literal (',' literal)* ']'
 *   literal := 'str' | "str" | number | True | False | None
 *   path    := ident ('.' ident)*   (ident: [A-Za-z_][A-Za-z0-9_]*;
 *              also attributes['any.key'] for keys that are not identifiers)
 * Examples: span_kind == 'LLM' and latency_ms > 2000
 *           'tokyo' in input.value         llm.model_name == 'gpt-4o'
 *           status_code == 'ERROR'         metadata.variant == 'B'
 *           span_kind in ['LLM', 'TOOL']   llm.token_count.total >= 1000
 *
 * A path that names a column in the caller's column table compiles to that
 * column; any other path is an attribute path into the JSON attribute tree.
 * Everything from the request becomes a bound parameter; the SQL text is
 * made only of fixed fragments.  Limits: AS_FILTER_MAX_LEN bytes of input,
 * AS_FILTER_MAX_DEPTH nesting, AS_FILTER_MAX_NODES nodes.
 */
#ifndef ASSAY_FILTER_H
#define ASSAY_FILTER_H

#include "assay/sql.h"

#define AS_FILTER_MAX_LEN 4096
#define AS_FILTER_MAX_DEPTH 64
#define AS_FILTER_MAX_NODES 1024

typedef enum { AS_COL_TEXT, AS_COL_NUMBER } as_col_type;

typedef struct as_filter_column {
    const char *name;     /* as written in expressions, e.g. "latency_ms"  */
    const char *sql;      /* fixed SQL expression, e.g. "s.latency_ms"     */
    as_col_type type;
} as_filter_column;

typedef struct as_filter as_filter;

typedef struct as_filter_error {
    size_t column;        /* 1-based position in the expression           */
    char msg[256];        /* "expected a value after '=='"                 */
} as_filter_error;

/* Parse text (len bytes).  On a syntax error returns AS_EINVAL, fills ferr
 * and sets err to "filter: column N: <msg>".  *out is freed with
 * as_filter_free. */
as_rc as_filter_parse(const char *text, size_t len, as_filter **out,
                      as_filter_error *ferr, as_err *err);
void as_filter_free(as_filter *f);

/* Append a SQL boolean expression (wrapped in parentheses) to sql and its
 * bound values to params.  attrs_col is the JSON attribute column
 * expression, e.g. "s.attributes". */
as_rc as_filter_to_sql(const as_filter *f, const as_sql_dialect *d,
                       const as_filter_column *cols, size_t ncols,
                       const char *attrs_col, as_buf *sql,
                       as_sql_params *params, as_err *err);

#endif
