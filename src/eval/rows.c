/*
 * rows.c - the streaming row reader behind `assay eval --data` (eval.h,
 * "rows"): CSV (RFC 4180) and JSON lines, plain or gzip, one row at a time.
 *
 * Four layers, bottom up:
 *   source   64 KiB chunks from zlib's gzread (which passes a plain file
 *            through unchanged, so one code path reads both) or a caller's
 *            memory (as_rows_open_mem);
 *   bytes    rd_get() hands out one byte at a time, rejects invalid UTF-8
 *            and NUL, and keeps the line and column of the byte.  Columns
 *            count characters (code points), 1-based; a leading BOM is
 *            skipped and not counted.  This is also the unit jansson uses
 *            for its error columns, so CSV and JSONL messages agree;
 *   records  csv_record() / jsonl_line() assemble one record into scratch
 *            buffers owned by the reader.  They grow to the largest record
 *            seen (bounded by the AS_ROWS_MAX_* limits) and are reused, so
 *            memory does not depend on the number of rows;
 *   rows     row_build() copies a record into one allocation (the as_row,
 *            its two pointer arrays and all strings), so a row is
 *            independent of the reader and of other rows, and
 *            as_row_free is a single free().
 * Errors are sticky: once as_rows_next has failed it repeats the same
 * error, so a caller cannot skip a bad row by accident.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <zlib.h>

#include "assay/alloc.h"
#include "assay/eval.h"

#define RD_CHUNK (64u << 10)
#define RD_EOF (-1)
#define RD_ERR (-2)

/* One name or value on its way into a row: bytes, and whether they are
 * JSON text to be copied without whitespace. */
typedef struct fld {
    const char *p;
    size_t n;
    bool json;
} fld;

struct as_rows {
    char *origin;                /* names the input in every message        */
    bool jsonl;

    /* source */
    gzFile gz;                   /* NULL for memory                         */
    unsigned char *chunk;        /* gzread's destination (file only)        */
    const unsigned char *buf;    /* current bytes: chunk, or the memory     */
    size_t len, pos;
    bool src_end;                /* no more chunks (end or error)           */

    /* position of the byte rd_get returned last */
    uint64_t line, col;
    bool nl_pending;             /* that byte ended a line                  */
    bool cr_newline;             /* CSV: a lone CR ends a line too          */

    /* UTF-8 sequence in progress */
    unsigned need;               /* continuation bytes still expected       */
    unsigned char lo, hi;        /* range of the next continuation byte     */
    unsigned char lead;
    uint64_t lead_line, lead_col;

    /* columns: the CSV header or the keys of the first JSONL object */
    char **cols;                 /* one allocation (set_columns)             */
    size_t *col_len;
    size_t n_cols;

    /* record scratch, reused from row to row */
    char *data;                  /* CSV: fields, each NUL-terminated;
                                    JSONL: the line                         */
    size_t dlen, dcap;
    size_t *ends;                /* CSV: offset one past each field's NUL   */
    size_t n_ends, ends_cap;
    fld *fk, *fv;                /* names and values for row_build          */
    size_t f_cap;

    as_row *first;               /* JSONL: read by open, next returns it    */
    uint64_t index;              /* of the next data row                    */
    bool done;
    as_rc erc;                   /* sticky error                            */
    char emsg[AS_ERR_MSG_MAX];
};

/* ---- errors ------------------------------------------------------------ */

/* Record the reader's error, "origin[:line[:col]]: message"; returns it. */
static as_rc fail_at(as_rows *r, as_rc code, uint64_t line, uint64_t col,
                     const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static as_rc fail_at(as_rows *r, as_rc code, uint64_t line, uint64_t col,
                     const char *fmt, ...) {
    if (r->erc != AS_OK) return r->erc;     /* keep the first error */
    as_err e;
    va_list ap;
    va_start(ap, fmt);
    as_err_vset(&e, code, fmt, ap);
    va_end(ap);
    if (line && col)
        as_err_prefix(&e, "%s:%" PRIu64 ":%" PRIu64 ": ", r->origin, line, col);
    else if (line)
        as_err_prefix(&e, "%s:%" PRIu64 ": ", r->origin, line);
    else
        as_err_prefix(&e, "%s: ", r->origin);
    memcpy(r->emsg, e.msg, sizeof(r->emsg));
    r->erc = code;
    r->done = true;
    return code;
}

static as_rc report(const as_rows *r, as_err *err) {
    return as_err_set(err, r->erc, "%s", r->emsg);
}

/* ---- source ------------------------------------------------------------ */

/* Next chunk into buf.  0, RD_EOF or RD_ERR (error recorded). */
static int rd_refill(as_rows *r) {
    if (r->erc != AS_OK) return RD_ERR;
    if (r->src_end) return RD_EOF;
    if (!r->gz) { r->src_end = true; return RD_EOF; }
    int n = gzread(r->gz, r->chunk, RD_CHUNK);
    if (n > 0) {
        r->buf = r->chunk;
        r->len = (size_t)n;
        r->pos = 0;
        return 0;
    }
    r->src_end = true;
    int zerr = Z_OK;
    const char *zmsg = gzerror(r->gz, &zerr);
    if (n == 0 && zerr == Z_OK) return RD_EOF;
    /* zlib's message starts with the path; we add our own origin. */
    size_t ol = strlen(r->origin);
    if (zmsg && strncmp(zmsg, r->origin, ol) == 0 && strncmp(zmsg + ol, ": ", 2) == 0)
        zmsg += ol + 2;
    if (!zmsg) zmsg = "read error";
    if (zerr == Z_ERRNO) fail_at(r, AS_EIO, 0, 0, "%s", zmsg);
    else if (zerr == Z_BUF_ERROR)
        fail_at(r, AS_EINVAL, 0, 0, "gzip data ends early (truncated file?)");
    else fail_at(r, AS_EINVAL, 0, 0, "corrupt gzip data (%s)", zmsg);
    return RD_ERR;
}

/* The next byte without consuming or checking it; -1 at the end or on a
 * read error (which the next rd_get reports). */
static int rd_peek(as_rows *r) {
    if (r->pos == r->len && rd_refill(r) != 0) return -1;
    return r->buf[r->pos];
}

/* ---- bytes ------------------------------------------------------------- */

/* A UTF-8 lead byte c >= 0x80: the number of continuation bytes (0 when c
 * cannot start a character) and the range of the first one.  The ranges
 * of RFC 3629 leave out overlong forms (C0, C1, E0 80-9F, F0 80-8F),
 * surrogates (ED A0-BF) and code points past U+10FFFF (F4 90-, F5-FF). */
static unsigned utf8_lead(unsigned c, unsigned char *lo, unsigned char *hi) {
    *lo = 0x80;
    *hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) return 1;
    if (c == 0xE0) { *lo = 0xA0; return 2; }
    if (c == 0xED) { *hi = 0x9F; return 2; }
    if (c >= 0xE1 && c <= 0xEF) return 2;
    if (c == 0xF0) { *lo = 0x90; return 3; }
    if (c == 0xF4) { *hi = 0x8F; return 3; }
    if (c >= 0xF1 && c <= 0xF3) return 3;
    return 0;
}

static int utf8_fail(as_rows *r) {
    fail_at(r, AS_EINVAL, r->lead_line, r->lead_col, "invalid UTF-8 (byte 0x%02x)",
            r->lead);
    return RD_ERR;
}

/* The next byte (0..255), RD_EOF, or RD_ERR with the error recorded.
 * Afterwards r->line / r->col are the byte's position. */
static inline int rd_get(as_rows *r) {
    if (r->pos == r->len) {
        int e = rd_refill(r);
        if (e == RD_ERR) return RD_ERR;
        if (e == RD_EOF) return r->need ? utf8_fail(r) : RD_EOF;
    }
    unsigned char c = r->buf[r->pos++];
    if (r->nl_pending) {
        r->line++;
        r->col = 0;
        r->nl_pending = false;
    }
    if (r->need) {                      /* inside a multi-byte character */
        if (c < r->lo || c > r->hi) return utf8_fail(r);
        r->need--;
        r->lo = 0x80;
        r->hi = 0xBF;
        return c;
    }
    r->col++;
    if (c < 0x80) {
        if (c == '\n') {
            r->nl_pending = true;
        } else if (c == '\r') {
            if (r->cr_newline && rd_peek(r) != '\n') r->nl_pending = true;
        } else if (c == 0) {
            fail_at(r, AS_EINVAL, r->line, r->col, "NUL byte");
            return RD_ERR;
        }
        return c;
    }
    r->lead = c;
    r->lead_line = r->line;
    r->lead_col = r->col;
    r->need = utf8_lead(c, &r->lo, &r->hi);
    if (!r->need) return utf8_fail(r);
    return c;
}

/* ---- scratch ----------------------------------------------------------- */

static inline void data_put(as_rows *r, char c) {
    if (r->dlen == r->dcap) {
        r->dcap = r->dcap ? r->dcap * 2 : 256;
        r->data = as_xrealloc(r->data, r->dcap);
    }
    r->data[r->dlen++] = c;
}

static void data_append(as_rows *r, const unsigned char *p, size_t n) {
    if (r->dcap - r->dlen < n) {
        size_t cap = r->dcap ? r->dcap : 256;
        while (cap - r->dlen < n) cap *= 2;
        r->data = as_xrealloc(r->data, cap);
        r->dcap = cap;
    }
    memcpy(r->data + r->dlen, p, n);
    r->dlen += n;
}

static void ends_push(as_rows *r, size_t end) {
    if (r->n_ends == r->ends_cap) {
        r->ends_cap = r->ends_cap ? r->ends_cap * 2 : 16;
        r->ends = as_xrealloc(r->ends, r->ends_cap * sizeof(*r->ends));
    }
    r->ends[r->n_ends++] = end;
}

static void flds_reserve(as_rows *r, size_t n) {
    if (n <= r->f_cap) return;
    size_t cap = r->f_cap ? r->f_cap : 16;
    while (cap < n) cap *= 2;
    r->fk = as_xrealloc(r->fk, cap * sizeof(*r->fk));
    r->fv = as_xrealloc(r->fv, cap * sizeof(*r->fv));
    r->f_cap = cap;
}

/* ---- rows -------------------------------------------------------------- */

/* Copy JSON text without the whitespace between tokens; returns the length. */
static size_t json_compact(const char *s, size_t n, char *out) {
    size_t o = 0;
    bool str = false, esc = false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (str) {
            out[o++] = c;
            if (esc) esc = false;
            else if (c == '\\') esc = true;
            else if (c == '"') str = false;
        } else if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
            out[o++] = c;
            if (c == '"') str = true;
        }
    }
    return o;
}

/* One allocation: the as_row, names[n], values[n], then the strings. */
static as_row *row_build(uint64_t index, uint64_t line, size_t n, const fld *k,
                         const fld *v) {
    size_t total = sizeof(as_row) + 2 * n * sizeof(char *);
    for (size_t i = 0; i < n; i++) total += k[i].n + 1 + v[i].n + 1;
    as_row *row = as_xmalloc(total);
    row->index = index;
    row->line = line;
    row->n = n;
    row->names = (char **)(row + 1);
    row->values = row->names + n;
    char *p = (char *)(row->values + n);
    for (size_t i = 0; i < n; i++) {
        row->names[i] = p;
        memcpy(p, k[i].p, k[i].n);
        p += k[i].n;
        *p++ = '\0';
    }
    for (size_t i = 0; i < n; i++) {
        row->values[i] = p;
        if (v[i].json) {
            p += json_compact(v[i].p, v[i].n, p);
        } else {
            memcpy(p, v[i].p, v[i].n);
            p += v[i].n;
        }
        *p++ = '\0';
    }
    return row;
}

void as_row_free(as_row *row) {
    free(row);
}

const char *as_row_get(const as_row *row, const char *name) {
    if (!row || !name) return NULL;
    for (size_t i = 0; i < row->n; i++)
        if (strcmp(row->names[i], name) == 0) return row->values[i];
    return NULL;
}

/* The reader's columns: one allocation holding the pointer array, the
 * lengths and the strings. */
static void set_columns(as_rows *r, size_t n, const fld *names) {
    size_t total = n * (sizeof(char *) + sizeof(size_t)) + 1;
    for (size_t i = 0; i < n; i++) total += names[i].n + 1;
    char *block = as_xmalloc(total);
    r->cols = (char **)(void *)block;
    r->col_len = (size_t *)(void *)(block + n * sizeof(char *));
    char *p = block + n * (sizeof(char *) + sizeof(size_t));
    for (size_t i = 0; i < n; i++) {
        r->cols[i] = p;
        r->col_len[i] = names[i].n;
        memcpy(p, names[i].p, names[i].n);
        p += names[i].n;
        *p++ = '\0';
    }
    r->n_cols = n;
}

/* ---- CSV --------------------------------------------------------------- */

/* The run of plain bytes at the read position, which rd_get would hand out
 * one at a time doing nothing but col++: ASCII other than NUL, CR, LF and
 * the quote (and the comma when `comma`).  0 while rd_get has something
 * else to do first (a line to count, a UTF-8 sequence to finish). */
static size_t plain_run(const as_rows *r, bool comma, size_t max) {
    if (r->nl_pending || r->need) return 0;
    const unsigned char *p = r->buf + r->pos, *q = p, *e = r->buf + r->len;
    if ((size_t)(e - p) > max) e = p + max;
    while (q < e && *q < 0x80 && *q != '"' && *q != '\n' && *q != '\r' && *q != 0 &&
           !(comma && *q == ','))
        q++;
    return (size_t)(q - p);
}

/* Take the plain run at the read position into the field at once, as far
 * as the field and row limits leave room (the byte-by-byte path then meets
 * the byte that breaks one, and says where). */
static void csv_take_run(as_rows *r, bool comma, bool keep, size_t *flen) {
    size_t room = AS_ROWS_MAX_FIELD - *flen;
    if (keep) {
        size_t row_room = r->dlen >= AS_ROWS_MAX_ROW ? 0 : AS_ROWS_MAX_ROW - r->dlen;
        if (row_room < room) room = row_room;
    }
    size_t n = plain_run(r, comma, room);
    if (n == 0) return;
    if (keep) data_append(r, r->buf + r->pos, n);
    *flen += n;
    r->pos += n;
    r->col += n;
}

/* Read one CSV record into data/ends; *got is false at the end of the
 * input.  Blank lines before it are skipped.  For the header every field
 * is kept, at most AS_ROWS_MAX_COLUMNS; for data, fields past the header's
 * count are parsed (so errors in them are found) and counted, not kept. */
static as_rc csv_record(as_rows *r, bool header, uint64_t *line0, size_t *nf_out,
                        bool *got) {
    int c;
    do c = rd_get(r); while (c == '\n' || c == '\r');
    if (c == RD_ERR) return r->erc;
    if (c == RD_EOF) { *got = false; return AS_OK; }
    *got = true;
    *line0 = r->line;
    r->dlen = 0;
    r->n_ends = 0;
    size_t nf = 0;
    for (;;) {                  /* one field per turn; c is its first byte */
        uint64_t fl = r->line, fc = r->col;
        if (header && nf == AS_ROWS_MAX_COLUMNS)
            return fail_at(r, AS_ETOOBIG, fl, fc, "more than %d columns",
                           AS_ROWS_MAX_COLUMNS);
        bool keep = header || nf < r->n_cols;
        size_t flen = 0;
#define CSV_PUT(ch) do { \
            if (++flen > AS_ROWS_MAX_FIELD) \
                return fail_at(r, AS_ETOOBIG, fl, fc, "field longer than %u bytes", \
                               AS_ROWS_MAX_FIELD); \
            if (keep) { \
                if (r->dlen >= AS_ROWS_MAX_ROW) \
                    return fail_at(r, AS_ETOOBIG, *line0, 0, \
                                   "row longer than %u bytes", AS_ROWS_MAX_ROW); \
                data_put(r, (char)(ch)); \
            } \
        } while (0)
        if (c == '"') {
            for (;;) {
                csv_take_run(r, false, keep, &flen);
                c = rd_get(r);
                if (c == RD_ERR) return r->erc;
                if (c == RD_EOF)
                    return fail_at(r, AS_EINVAL, fl, fc, "unterminated quoted field");
                if (c == '"') {
                    if (rd_peek(r) != '"') break;
                    c = rd_get(r);
                }
                CSV_PUT(c);
            }
            c = rd_get(r);
            if (c == RD_ERR) return r->erc;
            if (c != ',' && c != '\n' && c != '\r' && c != RD_EOF)
                return fail_at(r, AS_EINVAL, r->line, r->col,
                               "characters after the closing quote of a field");
        } else {
            while (c != ',' && c != '\n' && c != '\r' && c >= 0) {
                if (c == '"')
                    return fail_at(r, AS_EINVAL, r->line, r->col,
                                   "quote inside an unquoted field (quote the "
                                   "whole field and double the quote)");
                CSV_PUT(c);
                csv_take_run(r, true, keep, &flen);
                c = rd_get(r);
            }
            if (c == RD_ERR) return r->erc;
        }
#undef CSV_PUT
        if (keep) {
            data_put(r, '\0');
            ends_push(r, r->dlen);
        }
        nf++;
        if (c != ',') break;
        c = rd_get(r);
        if (c == RD_ERR) return r->erc;
    }
    *nf_out = nf;
    return AS_OK;
}

static bool is_blank(char c) { return c == ' ' || c == '\t'; }

typedef struct name_ix {
    const char *p;
    size_t n;
    size_t ix;
} name_ix;

static int name_ix_cmp(const void *a, const void *b) {
    const name_ix *x = a, *y = b;
    size_t m = x->n < y->n ? x->n : y->n;
    int c = memcmp(x->p, y->p, m);
    if (c) return c;
    if (x->n != y->n) return x->n < y->n ? -1 : 1;
    return x->ix < y->ix ? -1 : x->ix > y->ix;
}

static as_rc csv_header(as_rows *r) {
    uint64_t line0 = 0;
    size_t nf = 0;
    bool got = false;
    as_rc rc = csv_record(r, true, &line0, &nf, &got);
    if (rc != AS_OK) return rc;
    if (!got) return fail_at(r, AS_EINVAL, 0, 0, "empty file, expected a header line");
    flds_reserve(r, nf);
    /* Names are trimmed of spaces and tabs ("input, output" is common). */
    for (size_t i = 0; i < nf; i++) {
        size_t b = i ? r->ends[i - 1] : 0, e = r->ends[i] - 1;
        while (b < e && is_blank(r->data[b])) b++;
        while (e > b && is_blank(r->data[e - 1])) e--;
        if (b == e)
            return fail_at(r, AS_EINVAL, line0, 0, "header column %zu has an empty name",
                           i + 1);
        r->fk[i] = (fld){ r->data + b, e - b, false };
    }
    name_ix *s = as_xmalloc((nf ? nf : 1) * sizeof(*s));
    for (size_t i = 0; i < nf; i++) s[i] = (name_ix){ r->fk[i].p, r->fk[i].n, i };
    qsort(s, nf, sizeof(*s), name_ix_cmp);
    /* Sorted by (name, column), so the first of each run of equal names
     * is the original; report the repeat that comes first in the file. */
    size_t dup = SIZE_MAX, orig = 0, run = 0;
    for (size_t i = 1; i < nf; i++) {
        if (s[i].n != s[i - 1].n || memcmp(s[i].p, s[i - 1].p, s[i].n) != 0) {
            run = i;
        } else if (s[i].ix < dup) {
            dup = s[i].ix;
            orig = s[run].ix;
        }
    }
    free(s);
    if (dup != SIZE_MAX)
        return fail_at(r, AS_EINVAL, line0, 0,
                       "header column %zu has the same name as column %zu", dup + 1,
                       orig + 1);
    set_columns(r, nf, r->fk);
    return AS_OK;
}

static as_rc csv_next(as_rows *r, bool build, as_row **row, bool *got) {
    uint64_t line0 = 0;
    size_t nf = 0;
    as_rc rc = csv_record(r, false, &line0, &nf, got);
    if (rc != AS_OK || !*got) return rc;
    if (nf != r->n_cols)
        return fail_at(r, AS_EINVAL, line0, 0, "%zu field%s, the header has %zu", nf,
                       nf == 1 ? "" : "s", r->n_cols);
    if (build) {
        for (size_t i = 0; i < nf; i++) {
            size_t b = i ? r->ends[i - 1] : 0;
            r->fk[i] = (fld){ r->cols[i], r->col_len[i], false };
            r->fv[i] = (fld){ r->data + b, r->ends[i] - 1 - b, false };
        }
        *row = row_build(r->index, line0, nf, r->fk, r->fv);
    }
    r->index++;
    return AS_OK;
}

/* ---- JSONL ------------------------------------------------------------- */

static bool json_ws(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

/* Column (in characters, 1-based) of byte i of the line. */
static uint64_t char_col(const char *s, size_t i) {
    uint64_t col = 0;
    for (size_t k = 0; k <= i; k++)
        if (((unsigned char)s[k] & 0xC0) != 0x80) col++;
    return col;
}

/* Read one non-blank line into data (without its LF).  *got false at the
 * end of the input. */
static as_rc jsonl_line(as_rows *r, uint64_t *line0, bool *got) {
    for (;;) {
        r->dlen = 0;
        int c = rd_get(r);
        if (c == RD_ERR) return r->erc;
        if (c == RD_EOF) { *got = false; return AS_OK; }
        *line0 = r->line;
        bool blank = true;
        while (c >= 0 && c != '\n') {
            if (r->dlen >= AS_ROWS_MAX_FIELD)
                return fail_at(r, AS_ETOOBIG, *line0, 0, "line longer than %u bytes",
                               AS_ROWS_MAX_FIELD);
            if (!json_ws((char)c)) blank = false;
            data_put(r, (char)c);
            c = rd_get(r);
        }
        if (c == RD_ERR) return r->erc;
        if (!blank) { *got = true; return AS_OK; }
        if (c == RD_EOF) { *got = false; return AS_OK; }
    }
}

/* Nesting over AS_ROWS_MAX_DEPTH is refused before jansson sees the line
 * (jansson's own limit is far higher and recursive). */
static as_rc jsonl_depth(as_rows *r, uint64_t line0) {
    const char *s = r->data;
    int depth = 0;
    bool str = false, esc = false;
    for (size_t i = 0; i < r->dlen; i++) {
        char c = s[i];
        if (str) {
            if (esc) esc = false;
            else if (c == '\\') esc = true;
            else if (c == '"') str = false;
        } else if (c == '"') {
            str = true;
        } else if (c == '{' || c == '[') {
            if (++depth > AS_ROWS_MAX_DEPTH)
                return fail_at(r, AS_ETOOBIG, line0, char_col(s, i),
                               "nesting deeper than %d levels", AS_ROWS_MAX_DEPTH);
        } else if (c == '}' || c == ']') {
            depth--;
        }
    }
    return AS_OK;
}

static size_t skip_ws(const char *s, size_t n, size_t i) {
    while (i < n && json_ws(s[i])) i++;
    return i;
}

static size_t skip_string(const char *s, size_t n, size_t i) {
    for (i++; i < n && s[i] != '"'; i++)
        if (s[i] == '\\') i++;
    return i < n ? i + 1 : n;
}

/* One JSON value starting at i (text that jansson has accepted). */
static size_t skip_value(const char *s, size_t n, size_t i) {
    if (s[i] == '"') return skip_string(s, n, i);
    if (s[i] == '{' || s[i] == '[') {
        int depth = 0;
        while (i < n) {
            char c = s[i];
            if (c == '"') { i = skip_string(s, n, i); continue; }
            if (c == '{' || c == '[') depth++;
            else if ((c == '}' || c == ']') && --depth == 0) return i + 1;
            i++;
        }
        return n;
    }
    while (i < n && !json_ws(s[i]) && s[i] != ',' && s[i] != '}' && s[i] != ']') i++;
    return i;
}

static const char *json_kind(const json_t *j) {
    switch (json_typeof(j)) {
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER:
    case JSON_REAL: return "a number";
    case JSON_TRUE: return "true";
    case JSON_FALSE: return "false";
    case JSON_NULL: return "null";
    default: return "an object";
    }
}

/* Replace the bytes of s that do not form valid UTF-8 with '?'.  jansson
 * quotes the text "near" an error, cut at a byte count, which can end in
 * the middle of a character; messages must stay UTF-8 (they end up in
 * JSON). */
static void utf8_scrub(char *s) {
    unsigned char *p = (unsigned char *)s;
    while (*p) {
        if (*p < 0x80) { p++; continue; }
        unsigned char lo, hi;
        unsigned k = utf8_lead(*p, &lo, &hi);
        bool ok = k > 0 && p[1] >= lo && p[1] <= hi;
        for (unsigned j = 2; ok && j <= k; j++) ok = (p[j] & 0xC0) == 0x80;
        if (!ok) { *p++ = '?'; continue; }
        p += k + 1;
    }
}

/* Check the line in data and, when build, turn it into a row.  Values:
 * strings decoded; null ""; numbers, booleans, objects and arrays as their
 * text in the file without whitespace (so 1.50 stays "1.50"). */
static as_rc jsonl_parse(as_rows *r, uint64_t line0, bool build, as_row **row) {
    as_rc rc = jsonl_depth(r, line0);
    if (rc != AS_OK) return rc;
    json_error_t je;
    json_t *obj = json_loadb(r->data, r->dlen, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY |
                                            JSON_DECODE_INT_AS_REAL, &je);
    if (!obj) {
        const char *text = je.text;
        if (strstr(text, "JSON_ALLOW_NUL")) text = "\\u0000 (NUL) is not allowed in strings";
        else utf8_scrub(je.text);
        /* Lines hold no LF, so jansson's line is 1 and its column ours. */
        return fail_at(r, AS_EINVAL, line0, je.column > 0 ? (uint64_t)je.column : 0,
                       "%s", text);
    }
    if (!json_is_object(obj)) {
        rc = fail_at(r, AS_EINVAL, line0, 0, "expected a JSON object, got %s",
                     json_kind(obj));
        json_decref(obj);
        return rc;
    }
    size_t n = json_object_size(obj);
    if (n > AS_ROWS_MAX_COLUMNS) {
        json_decref(obj);
        return fail_at(r, AS_ETOOBIG, line0, 0, "more than %d keys", AS_ROWS_MAX_COLUMNS);
    }
    if (build) {
        /* jansson iterates in insertion order, so the i-th key of the
         * iterator is the i-th key of the text, whose value span we take. */
        flds_reserve(r, n);
        const char *s = r->data;
        size_t len = r->dlen, i = skip_ws(s, len, 0) + 1, k = 0;
        void *it = json_object_iter(obj);
        for (; it && k < n; it = json_object_iter_next(obj, it), k++) {
            i = skip_ws(s, len, i);
            i = skip_ws(s, len, skip_string(s, len, i)) + 1;     /* key and ':' */
            i = skip_ws(s, len, i);
            size_t vb = i;
            i = skip_value(s, len, i);
            const char *key = json_object_iter_key(it);
            json_t *v = json_object_iter_value(it);
            r->fk[k] = (fld){ key, strlen(key), false };
            if (json_is_string(v))
                r->fv[k] = (fld){ json_string_value(v), json_string_length(v), false };
            else if (json_is_null(v))
                r->fv[k] = (fld){ "", 0, false };
            else
                r->fv[k] = (fld){ s + vb, i - vb, true };
            i = skip_ws(s, len, i) + 1;                          /* ',' or '}' */
        }
        if (k != n || it) {
            json_decref(obj);
            return fail_at(r, AS_EINTERNAL, line0, 0, "object keys out of step");
        }
        *row = row_build(r->index, line0, n, r->fk, r->fv);
    }
    json_decref(obj);
    r->index++;
    return AS_OK;
}

static as_rc jsonl_next(as_rows *r, bool build, as_row **row, bool *got) {
    uint64_t line0 = 0;
    as_rc rc = jsonl_line(r, &line0, got);
    if (rc != AS_OK || !*got) return rc;
    return jsonl_parse(r, line0, build, row);
}

/* ---- the reader -------------------------------------------------------- */

static as_rc rows_step(as_rows *r, bool build, as_row **row, bool *got) {
    *got = false;
    if (row) *row = NULL;
    if (r->erc != AS_OK) return r->erc;
    if (r->first) {
        *got = true;
        if (build) *row = r->first;
        else as_row_free(r->first);
        r->first = NULL;
        return AS_OK;
    }
    if (r->done) return AS_OK;
    as_rc rc = r->jsonl ? jsonl_next(r, build, row, got) : csv_next(r, build, row, got);
    if (rc != AS_OK || !*got) r->done = true;
    return rc;
}

static as_rows *rows_new(const char *origin, bool jsonl) {
    as_rows *r = as_xcalloc(1, sizeof(*r));
    r->origin = as_xstrdup(origin);
    r->jsonl = jsonl;
    r->cr_newline = !jsonl;
    r->line = 1;
    return r;
}

/* Skip a BOM, then read the header (CSV) or the first row (JSONL). */
static as_rc rows_start(as_rows *r) {
    if (rd_peek(r) == 0xEF && r->len - r->pos >= 3 &&
        r->buf[r->pos + 1] == 0xBB && r->buf[r->pos + 2] == 0xBF)
        r->pos += 3;
    if (!r->jsonl) return csv_header(r);
    bool got = false;
    as_rc rc = rows_step(r, true, &r->first, &got);
    if (rc != AS_OK) return rc;
    if (got) {
        as_row *f = r->first;
        flds_reserve(r, f->n);
        for (size_t i = 0; i < f->n; i++)
            r->fk[i] = (fld){ f->names[i], strlen(f->names[i]), false };
        set_columns(r, f->n, r->fk);
    } else {
        set_columns(r, 0, NULL);
    }
    return AS_OK;
}

static as_rc rows_finish_open(as_rows *r, as_rows **out, as_err *err) {
    as_rc rc = rows_start(r);
    if (rc != AS_OK) {
        report(r, err);
        as_rows_close(r);
        return rc;
    }
    *out = r;
    return AS_OK;
}

static bool ends_with(const char *s, size_t n, const char *suffix) {
    size_t k = strlen(suffix);
    return n >= k && strncasecmp(s + n - k, suffix, k) == 0;
}

as_rc as_rows_open(const char *path, as_rows **out, as_err *err) {
    *out = NULL;
    size_t n = strlen(path);
    if (ends_with(path, n, ".gz")) n -= 3;
    bool jsonl;
    if (ends_with(path, n, ".csv")) jsonl = false;
    else if (ends_with(path, n, ".jsonl") || ends_with(path, n, ".ndjson") ||
             ends_with(path, n, ".json")) jsonl = true;
    else
        return as_err_set(err, AS_EUNSUPPORTED,
                          "%s: unknown data file type; use .csv, .jsonl, .ndjson or "
                          ".json (JSON lines), optionally with .gz", path);
    errno = 0;
    gzFile gz = gzopen(path, "rb");
    if (!gz)
        return as_err_set(err, AS_EIO, "%s: %s", path, strerror(errno ? errno : ENOMEM));
    gzbuffer(gz, RD_CHUNK);
    as_rows *r = rows_new(path, jsonl);
    r->gz = gz;
    r->chunk = as_xmalloc(RD_CHUNK);
    r->buf = r->chunk;
    return rows_finish_open(r, out, err);
}

as_rc as_rows_open_mem(const char *data, size_t n, bool jsonl, const char *origin,
                       as_rows **out, as_err *err) {
    *out = NULL;
    as_rows *r = rows_new(origin ? origin : "data", jsonl);
    r->buf = (const unsigned char *)data;
    r->len = data ? n : 0;
    return rows_finish_open(r, out, err);
}

as_rc as_rows_next(as_rows *r, as_row **row, as_err *err) {
    bool got;
    as_rc rc = rows_step(r, true, row, &got);
    return rc == AS_OK ? AS_OK : report(r, err);
}

size_t as_rows_columns(as_rows *r, const char *const **names) {
    if (names) *names = (const char *const *)r->cols;
    return r->n_cols;
}

void as_rows_close(as_rows *r) {
    if (!r) return;
    if (r->gz) gzclose(r->gz);
    as_row_free(r->first);
    free(r->chunk);
    free(r->origin);
    free(r->cols);
    free(r->data);
    free(r->ends);
    free(r->fk);
    free(r->fv);
    free(r);
}

as_rc as_rows_count(as_rows *r, uint64_t *n_rows, as_err *err) {
    uint64_t n = 0;
    bool got = true;
    as_rc rc = AS_OK;
    while (rc == AS_OK && got) {
        rc = rows_step(r, false, NULL, &got);
        if (rc == AS_OK && got) n++;
    }
    if (n_rows) *n_rows = n;
    return rc == AS_OK ? AS_OK : report(r, err);
}

as_rc as_rows_scan(const char *path, uint64_t *n_rows, as_err *err) {
    if (n_rows) *n_rows = 0;
    as_rows *r = NULL;
    as_rc rc = as_rows_open(path, &r, err);
    if (rc != AS_OK) return rc;
    rc = as_rows_count(r, n_rows, err);
    as_rows_close(r);
    return rc;
}
