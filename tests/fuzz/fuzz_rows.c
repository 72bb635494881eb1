/*
 * fuzz_rows.c - libFuzzer target for the row reader of `assay eval --data`
 * (eval.h, "rows").  The first byte picks the format (even: CSV, odd:
 * JSONL); the rest is the file, read through as_rows_open_mem.  Whatever
 * the bytes:
 *   - no crash, leak or undefined behaviour (ASan/UBSan);
 *   - a failure is AS_EINVAL or AS_ETOOBIG with a "fuzz.csv:" or
 *     "fuzz.jsonl:" message in valid UTF-8 whose line lies inside the
 *     input; no row comes with it, and the next call repeats it;
 *   - rows count from index 0, their lines never go backwards and lie
 *     inside the input, every name and value is valid UTF-8; CSV rows have
 *     the header's names, JSONL rows unique names; as_row_get finds each
 *     value by its name;
 *   - as_rows_count over a second reader gives the same count and error;
 *   - CSV round trip: the header and rows written back with every field
 *     quoted read back to the same names and values.
 * Seeds: tests/fuzz/corpus/rows/ (first byte '0' CSV, '1' JSONL).  Built
 * by `make fuzz` (build/fuzz/fuzz/fuzz_rows); run e.g.
 *   build/fuzz/fuzz/fuzz_rows -max_len=4096 tests/fuzz/corpus/rows
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assay/buf.h"
#include "assay/eval.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void die(const char *what, const char *detail) {
    fprintf(stderr, "fuzz_rows: %s: %s\n", what, detail ? detail : "");
    abort();
}

/* Strict UTF-8 (no overlongs, surrogates or code points past U+10FFFF). */
static bool valid_utf8(const char *s) {
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned c = *p, k, lo = 0x80, hi = 0xBF;
        if (c < 0x80) { p++; continue; }
        if (c >= 0xC2 && c <= 0xDF) k = 1;
        else if (c == 0xE0) { k = 2; lo = 0xA0; }
        else if (c == 0xED) { k = 2; hi = 0x9F; }
        else if (c >= 0xE1 && c <= 0xEF) k = 2;
        else if (c == 0xF0) { k = 3; lo = 0x90; }
        else if (c == 0xF4) { k = 3; hi = 0x8F; }
        else if (c >= 0xF1 && c <= 0xF3) k = 3;
        else return false;
        if (p[1] < lo || p[1] > hi) return false;
        for (unsigned j = 2; j <= k; j++)
            if ((p[j] & 0xC0) != 0x80) return false;
        p += k + 1;
    }
    return true;
}

/* Lines in the input: every LF or CR may end one. */
static uint64_t max_lines(const char *s, size_t n) {
    uint64_t lines = 1;
    for (size_t i = 0; i < n; i++) lines += s[i] == '\n' || s[i] == '\r';
    return lines;
}

static void check_error(as_rc rc, const as_err *err, const char *origin, uint64_t lines) {
    if (rc != AS_EINVAL && rc != AS_ETOOBIG) die("unexpected code", err->msg);
    size_t ol = strlen(origin);
    if (strncmp(err->msg, origin, ol) != 0 || err->msg[ol] != ':' || !valid_utf8(err->msg))
        die("bad message", err->msg);
    const char *p = err->msg + ol + 1;
    if (*p >= '1' && *p <= '9') {
        uint64_t line = strtoull(p, NULL, 10);
        if (line > lines) die("error line past the end", err->msg);
    }
}

typedef struct rowset {
    as_row **v;
    size_t n, cap;
} rowset;

static void keep(rowset *s, as_row *row) {
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 16;
        s->v = realloc(s->v, s->cap * sizeof(*s->v));
        if (!s->v) abort();
    }
    s->v[s->n++] = row;
}

static void put_quoted(as_buf *b, const char *s) {
    as_buf_putc(b, '"');
    for (; *s; s++) {
        if (*s == '"') as_buf_putc(b, '"');
        as_buf_putc(b, *s);
    }
    as_buf_putc(b, '"');
}

/* Write the header and rows back as CSV, every field quoted, and read
 * them again: the same names and values must come out. */
static void csv_round_trip(size_t n_cols, const char *const *cols, const rowset *rows) {
    as_buf b;
    as_buf_init(&b, AS_BUF_UNLIMITED);
    for (size_t i = 0; i < n_cols; i++) {
        if (i) as_buf_putc(&b, ',');
        put_quoted(&b, cols[i]);
    }
    as_buf_puts(&b, "\r\n");
    for (size_t r = 0; r < rows->n; r++) {
        for (size_t i = 0; i < rows->v[r]->n; i++) {
            if (i) as_buf_putc(&b, ',');
            put_quoted(&b, rows->v[r]->values[i]);
        }
        as_buf_putc(&b, '\n');
    }
    as_rows *rd = NULL;
    as_err err;
    if (as_rows_open_mem(b.data, b.len, false, "again.csv", &rd, &err) != AS_OK)
        die("round trip: open", err.msg);
    const char *const *cols2 = NULL;
    if (as_rows_columns(rd, &cols2) != n_cols) die("round trip: columns", NULL);
    for (size_t i = 0; i < n_cols; i++)
        if (strcmp(cols[i], cols2[i]) != 0) die("round trip: header", cols2[i]);
    for (size_t r = 0;; r++) {
        as_row *row = NULL;
        if (as_rows_next(rd, &row, &err) != AS_OK) die("round trip: next", err.msg);
        if (!row) {
            if (r != rows->n) die("round trip: fewer rows", NULL);
            break;
        }
        if (r >= rows->n || row->n != rows->v[r]->n) die("round trip: row", NULL);
        for (size_t i = 0; i < row->n; i++)
            if (strcmp(row->values[i], rows->v[r]->values[i]) != 0)
                die("round trip: value", row->values[i]);
        as_row_free(row);
    }
    as_rows_close(rd);
    as_buf_release(&b);
}

static void check_row(const as_row *row, uint64_t index, uint64_t *line, uint64_t lines,
                      bool jsonl, size_t n_cols, const char *const *cols) {
    if (row->index != index) die("index out of step", NULL);
    if (row->line < *line || row->line > lines || row->line == 0) die("line", NULL);
    *line = row->line;
    if (!jsonl) {
        if (row->n != n_cols) die("field count differs from the header", NULL);
        for (size_t i = 0; i < row->n; i++)
            if (strcmp(row->names[i], cols[i]) != 0) die("name differs from header", cols[i]);
    }
    for (size_t i = 0; i < row->n; i++) {
        if (!valid_utf8(row->names[i])) die("name not UTF-8", NULL);
        if (!valid_utf8(row->values[i])) die("value not UTF-8", NULL);
        if (jsonl)
            for (size_t j = 0; j < i; j++)
                if (strcmp(row->names[i], row->names[j]) == 0) die("repeated key", row->names[i]);
        if (as_row_get(row, row->names[i]) != row->values[i])
            die("as_row_get", row->names[i]);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0) return 0;
    bool jsonl = data[0] & 1;
    const char *text = (const char *)data + 1;
    size_t n = size - 1;
    const char *origin = jsonl ? "fuzz.jsonl" : "fuzz.csv";
    uint64_t lines = max_lines(text, n);

    as_rows *r = NULL;
    as_err err;
    as_err_clear(&err);
    as_rc rc = as_rows_open_mem(text, n, jsonl, origin, &r, &err);
    uint64_t counted = 0;
    as_err err2;
    as_err_clear(&err2);
    as_rows *r2 = NULL;
    as_rc rc2 = as_rows_open_mem(text, n, jsonl, origin, &r2, &err2);
    if (rc2 == AS_OK) rc2 = as_rows_count(r2, &counted, &err2);
    as_rows_close(r2);
    if (rc != AS_OK) {
        check_error(rc, &err, origin, lines);
        if (r) die("reader returned on error", NULL);
        if (rc2 != rc || strcmp(err.msg, err2.msg) != 0) die("count differs on open", err2.msg);
        return 0;
    }

    const char *const *cols = NULL;
    size_t n_cols = as_rows_columns(r, &cols);
    for (size_t i = 0; i < n_cols; i++)
        if (!valid_utf8(cols[i]) || (!jsonl && cols[i][0] == '\0')) die("column name", NULL);
    rowset rows = { NULL, 0, 0 };
    uint64_t line = 1;
    for (;;) {
        as_row *row = (as_row *)&err;
        rc = as_rows_next(r, &row, &err);
        if (rc != AS_OK) {
            if (row) die("row returned on error", NULL);
            check_error(rc, &err, origin, lines);
            as_err again;
            if (as_rows_next(r, &row, &again) != rc || strcmp(again.msg, err.msg) != 0)
                die("error not repeated", again.msg);
            break;
        }
        if (!row) break;
        check_row(row, rows.n, &line, lines, jsonl, n_cols, cols);
        keep(&rows, row);
    }
    if (counted != rows.n || rc2 != rc || (rc != AS_OK && strcmp(err.msg, err2.msg) != 0))
        die("as_rows_count disagrees", err2.msg);
    if (!jsonl) csv_round_trip(n_cols, cols, &rows);
    as_rows_close(r);
    for (size_t i = 0; i < rows.n; i++) as_row_free(rows.v[i]);
    free(rows.v);
    return 0;
}
