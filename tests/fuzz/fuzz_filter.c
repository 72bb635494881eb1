/*
 * fuzz_filter.c - libFuzzer target for the span filter language: each
 * input is parsed and, when it parses, compiled with the SQLite dialect and
 * run against a small in-memory table.  Whatever the bytes:
 *   - no crash, leak or undefined behaviour (ASan/UBSan);
 *   - a failure is AS_EINVAL or AS_ETOOBIG with a "filter: ..." message in
 *     valid UTF-8 (messages end up in JSON) and a column inside the input;
 *   - a success is parenthesized SQL with exactly one '?' per parameter and
 *     no request text in it (no quote but the fixed '', no ';' or comment),
 *     which SQLite prepares and runs without error.
 * Seeds: tests/fuzz/corpus/filter/.  Built by `make fuzz`
 * (build/fuzz/fuzz/fuzz_filter); run e.g.
 *   build/fuzz/fuzz/fuzz_filter -max_len=512 tests/fuzz/corpus/filter
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assay/filter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static sqlite3 *db;

static const as_filter_column cols[] = {
    { "name", "s.name", AS_COL_TEXT },
    { "span_kind", "s.span_kind", AS_COL_TEXT },
    { "status_code", "s.status_code", AS_COL_TEXT },
    { "latency_ms", "s.latency_ms", AS_COL_NUMBER },
    { "trace_id", "t.trace_id", AS_COL_TEXT },
    { "parent_id", "s.parent_id", AS_COL_TEXT },
    { "context.span_id", "s.span_id", AS_COL_TEXT },
};

static const char prefix[] =
    "SELECT count(*) FROM spans s JOIN traces t ON t.id = s.trace_rowid WHERE ";

static void die(const char *what, const char *detail) {
    fprintf(stderr, "fuzz_filter: %s: %s\n", what, detail ? detail : "");
    abort();
}

static void open_db(void) {
    const char *schema =
        "CREATE TABLE traces (id INTEGER PRIMARY KEY, trace_id TEXT);"
        "INSERT INTO traces VALUES (1, 'aaaa');"
        "CREATE TABLE spans (id INTEGER PRIMARY KEY, trace_rowid INTEGER, span_id TEXT,"
        " parent_id TEXT, name TEXT, span_kind TEXT, status_code TEXT, latency_ms REAL,"
        " attributes TEXT);"
        "INSERT INTO spans VALUES (1, 1, 's1', NULL, 'chat', 'LLM', 'OK', 12.5,"
        " '{\"llm\":{\"model_name\":\"m\",\"input_messages\":[{\"message\":"
        "{\"content\":\"hi\"}}],\"is_streaming\":true},\"a.b\":1,\"it''s\":[1,2.5,null]}');"
        "INSERT INTO spans VALUES (2, 1, 's2', 's1', 'x''y', 'TOOL', 'ERROR', NULL, '{}');";
    if (sqlite3_open(":memory:", &db) != SQLITE_OK ||
        sqlite3_exec(db, schema, NULL, NULL, NULL) != SQLITE_OK)
        die("sqlite setup", sqlite3_errmsg(db));
}

static bool valid_utf8(const char *s) {
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        size_t k = *p < 0x80 ? 0 : (*p & 0xE0) == 0xC0 ? 1 : (*p & 0xF0) == 0xE0 ? 2
                 : (*p & 0xF8) == 0xF0 ? 3 : 9;
        if (k == 9 || (k == 1 && *p < 0xC2)) return false;
        for (size_t j = 1; j <= k; j++)
            if ((p[j] & 0xC0) != 0x80) return false;
        p += k + 1;
    }
    return true;
}

/* The compiled part: parenthesized, one '?' per parameter, no request text. */
static void check_sql(const char *s, size_t nparams) {
    size_t n = strlen(s), q = 0;
    if (n < 2 || s[0] != '(' || s[n - 1] != ')') die("not parenthesized", s);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '?') q++;
        if (c == '\'') {
            if (s[i + 1] != '\'') die("quote in SQL", s);
            i++;
        } else if (c == '"' || c == ';' || c < 0x20 || c >= 0x7f ||
                   (c == '-' && s[i + 1] == '-') || (c == '/' && s[i + 1] == '*')) {
            die("request text in SQL", s);
        }
    }
    if (q != nparams) die("'?' count differs from parameter count", s);
}

static void run_sql(const char *sql, const as_sql_params *ps) {
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) die("prepare", sql);
    if ((size_t)sqlite3_bind_parameter_count(st) != ps->n) die("bind count", sql);
    for (size_t i = 0; i < ps->n; i++) {
        const as_sql_param *x = &ps->v[i];
        int b = (int)i + 1;
        switch (x->type) {
        case AS_SQL_INT: sqlite3_bind_int64(st, b, x->i); break;
        case AS_SQL_REAL: sqlite3_bind_double(st, b, x->d); break;
        case AS_SQL_TEXT: sqlite3_bind_text(st, b, x->s, -1, SQLITE_STATIC); break;
        default: sqlite3_bind_null(st, b); break;
        }
    }
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {}
    if (rc != SQLITE_DONE) die("step", sqlite3_errmsg(db));
    sqlite3_finalize(st);
}

static void check_error(as_rc rc, const as_err *err) {
    if (rc != AS_EINVAL && rc != AS_ETOOBIG) die("unexpected code", as_rc_name(rc));
    if (strncmp(err->msg, "filter: ", 8) != 0 || !valid_utf8(err->msg))
        die("bad message", err->msg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!db) open_db();
    as_filter *f = NULL;
    as_filter_error ferr;
    as_err err;
    as_err_clear(&err);
    as_rc rc = as_filter_parse((const char *)data, size, &f, &ferr, &err);
    if (rc != AS_OK) {
        check_error(rc, &err);
        if (f) die("filter returned on error", NULL);
        if (!valid_utf8(ferr.msg) || ferr.msg[0] == '\0') die("bad ferr message", ferr.msg);
        if (ferr.column > size + 1) die("column past the end", ferr.msg);
        return 0;
    }
    as_buf sql;
    as_sql_params ps;
    as_buf_init(&sql, 1 << 20);
    as_sql_params_init(&ps);
    as_buf_puts(&sql, prefix);
    rc = as_filter_to_sql(f, &as_sqlite_dialect, cols, sizeof(cols) / sizeof(cols[0]),
                          "s.attributes", &sql, &ps, &err);
    if (rc == AS_OK) {
        check_sql(sql.data + sizeof(prefix) - 1, ps.n);
        run_sql(sql.data, &ps);
    } else {
        check_error(rc, &err);
        if (sql.len != sizeof(prefix) - 1 || ps.n != 0) die("output left on error", err.msg);
    }
    as_buf_release(&sql);
    as_sql_params_release(&ps);
    as_filter_free(f);
    return 0;
}
