/* test_rows.c - the streaming row reader (eval.h, "rows"): every CSV rule
 * (quotes, "" escapes, embedded line ends and the line numbers of later
 * rows, CRLF and lone CR, BOM, blank lines, missing final newline, header
 * names), JSONL value conversions, every error message with its exact
 * line and column, UTF-8 edge cases, limits, row independence, scan
 * counts, files by extension (plain and gzip), chunk boundaries, and a
 * 200,000-row file read in flat memory (malloc accounting).
 *
 * Most cases use the in-memory entry point; the file cases write into a
 * mkdtemp directory that is removed at the end. */
#include "harness.h"

#include <errno.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "assay/buf.h"
#include "assay/eval.h"

#if defined(__SANITIZE_ADDRESS__)
#define ROWS_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ROWS_ASAN 1
#endif
#endif
#ifdef ROWS_ASAN
/* from ASan's runtime (gcc ships no header for it) */
size_t __sanitizer_get_current_allocated_bytes(void);
static size_t heap_in_use(void) { return __sanitizer_get_current_allocated_bytes(); }
#else
#include <malloc.h>
static size_t heap_in_use(void) {
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
}
#endif

/* ---- helpers ----------------------------------------------------------- */

#define MAX_KEEP 64

/* Everything one read produced: the rows (up to MAX_KEEP kept), how many
 * there were, the columns, and the first error. */
typedef struct got {
    as_rc rc;
    char msg[AS_ERR_MSG_MAX];
    size_t n;
    as_row *rows[MAX_KEEP];
    size_t n_cols;
    char cols[16][64];
    bool opened;
} got;

static void got_free(got *g) {
    for (size_t i = 0; i < g->n && i < MAX_KEEP; i++) as_row_free(g->rows[i]);
    g->n = 0;
}

static void drain(got *g, as_rows *r) {
    const char *const *names = NULL;
    g->n_cols = as_rows_columns(r, &names);
    for (size_t i = 0; i < g->n_cols && i < 16; i++)
        snprintf(g->cols[i], sizeof(g->cols[i]), "%s", names[i]);
    as_err err;
    as_err_clear(&err);
    for (;;) {
        as_row *row = NULL;
        g->rc = as_rows_next(r, &row, &err);
        if (g->rc != AS_OK) {
            snprintf(g->msg, sizeof(g->msg), "%s", err.msg);
            if (row) g->rc = AS_EINTERNAL;      /* no row on error */
            break;
        }
        if (!row) break;
        if (g->n < MAX_KEEP) g->rows[g->n] = row;
        else as_row_free(row);
        g->n++;
    }
}

static void read_mem(got *g, const char *text, size_t len, bool jsonl) {
    memset(g, 0, sizeof(*g));
    as_rows *r = NULL;
    as_err err;
    as_err_clear(&err);
    g->rc = as_rows_open_mem(text, len, jsonl, jsonl ? "data.jsonl" : "data.csv", &r, &err);
    if (g->rc != AS_OK) {
        snprintf(g->msg, sizeof(g->msg), "%s", err.msg);
        if (r) g->rc = AS_EINTERNAL;
        return;
    }
    g->opened = true;
    drain(g, r);
    as_rows_close(r);
}

#define CSV(g, lit) read_mem((g), (lit), sizeof(lit) - 1, false)
#define JSONL(g, lit) read_mem((g), (lit), sizeof(lit) - 1, true)

/* The first error of a whole read, code and message. */
static void expect_err(const char *text, size_t len, bool jsonl, as_rc rc,
                       const char *msg, int line) {
    got g;
    read_mem(&g, text, len, jsonl);
    if (g.rc != rc || strcmp(g.msg, msg) != 0) {
        th_failed_checks++;
        fprintf(stderr, "  %s:%d: %s: got %s \"%s\", expected %s \"%s\"\n", __FILE__, line,
                th_current, as_rc_name(g.rc), g.msg, as_rc_name(rc), msg);
    }
    got_free(&g);
}
#define CSV_ERR(lit, rc, msg) expect_err((lit), sizeof(lit) - 1, false, (rc), (msg), __LINE__)
#define JSONL_ERR(lit, rc, msg) expect_err((lit), sizeof(lit) - 1, true, (rc), (msg), __LINE__)

/* A value of a kept row, or "(none)". */
static const char *val(const got *g, size_t row, const char *name) {
    if (row >= g->n || row >= MAX_KEEP) return "(no row)";
    const char *v = as_row_get(g->rows[row], name);
    return v ? v : "(none)";
}

static char tmpdir[64];
static void cleanup(void);

static const char *tmp_path(const char *name) {
    static char path[256];
    if (!tmpdir[0]) {
        snprintf(tmpdir, sizeof(tmpdir), "/tmp/assay-test-rows-XXXXXX");
        if (!mkdtemp(tmpdir)) abort();
        atexit(cleanup);
    }
    snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
    return path;
}

static const char *write_file(const char *name, const char *data, size_t n) {
    const char *p = tmp_path(name);
    FILE *f = fopen(p, "wb");
    if (!f) abort();
    if (n && fwrite(data, 1, n, f) != n) abort();
    fclose(f);
    return p;
}

#define WRITE_LIT(name, lit) write_file((name), (lit), sizeof(lit) - 1)

static const char *write_gz(const char *name, const char *data, size_t n) {
    const char *p = tmp_path(name);
    gzFile f = gzopen(p, "wb");
    if (!f || gzwrite(f, data, (unsigned)n) != (int)n) abort();
    gzclose(f);
    return p;
}

static void read_path(got *g, const char *path) {
    memset(g, 0, sizeof(*g));
    as_rows *r = NULL;
    as_err err;
    as_err_clear(&err);
    g->rc = as_rows_open(path, &r, &err);
    if (g->rc != AS_OK) {
        snprintf(g->msg, sizeof(g->msg), "%s", err.msg);
        return;
    }
    g->opened = true;
    drain(g, r);
    as_rows_close(r);
}

/* ---- CSV --------------------------------------------------------------- */

TEST(csv_basic) {
    got g;
    CSV(&g, "input,output,expected\nhi,hello,hello\nbye,see you,goodbye\n");
    CHECK_INT(g.rc, AS_OK);
    CHECK_INT(g.n_cols, 3);
    CHECK_STR(g.cols[0], "input");
    CHECK_STR(g.cols[2], "expected");
    CHECK_INT(g.n, 2);
    CHECK_INT(g.rows[0]->n, 3);
    CHECK_INT(g.rows[0]->index, 0);
    CHECK_INT(g.rows[0]->line, 2);
    CHECK_INT(g.rows[1]->index, 1);
    CHECK_INT(g.rows[1]->line, 3);
    CHECK_STR(g.rows[0]->names[1], "output");
    CHECK_STR(g.rows[0]->values[1], "hello");
    CHECK_STR(val(&g, 1, "input"), "bye");
    CHECK_STR(val(&g, 1, "output"), "see you");
    CHECK_STR(val(&g, 1, "expected"), "goodbye");
    CHECK(as_row_get(g.rows[0], "nope") == NULL);
    CHECK(as_row_get(g.rows[0], NULL) == NULL);
    CHECK(as_row_get(NULL, "input") == NULL);
    got_free(&g);
}

TEST(csv_quotes_and_escapes) {
    got g;
    CSV(&g, "\"a\",\"b,c\",d\n"
            "\"x,y\",\"he said \"\"hi\"\"\",\"\"\n"
            "\"\"\"\",plain,\"  spaced  \"\n");
    CHECK_INT(g.rc, AS_OK);
    CHECK_STR(g.cols[0], "a");
    CHECK_STR(g.cols[1], "b,c");
    CHECK_INT(g.n, 2);
    CHECK_STR(val(&g, 0, "a"), "x,y");
    CHECK_STR(val(&g, 0, "b,c"), "he said \"hi\"");
    CHECK_STR(val(&g, 0, "d"), "");
    CHECK_STR(val(&g, 1, "a"), "\"");
    CHECK_STR(val(&g, 1, "b,c"), "plain");
    CHECK_STR(val(&g, 1, "d"), "  spaced  ");   /* values are not trimmed */
    got_free(&g);
}

TEST(csv_embedded_newlines) {
    got g;
    CSV(&g, "q,a\n"
            "\"line one\nline two\",x\n"          /* lines 2-3 */
            "y,\"crlf\r\ninside\r\n\"\n"          /* lines 4-6 */
            "\"lone\rcr\",z\n"                    /* lines 7-8 */
            "last,row\n");                        /* line 9 */
    CHECK_INT(g.rc, AS_OK);
    CHECK_INT(g.n, 4);
    CHECK_STR(val(&g, 0, "q"), "line one\nline two");
    CHECK_INT(g.rows[0]->line, 2);
    CHECK_STR(val(&g, 1, "a"), "crlf\r\ninside\r\n");
    CHECK_INT(g.rows[1]->line, 4);
    CHECK_STR(val(&g, 2, "q"), "lone\rcr");
    CHECK_INT(g.rows[2]->line, 7);
    CHECK_STR(val(&g, 3, "a"), "row");
    CHECK_INT(g.rows[3]->line, 9);
    CHECK_INT(g.rows[3]->index, 3);
    got_free(&g);
    /* a quoted newline in the header shifts the first data line too */
    CSV(&g, "\"multi\nline\",b\n1,2\n");
    CHECK_INT(g.rc, AS_OK);
    CHECK_STR(g.cols[0], "multi\nline");
    CHECK_INT(g.rows[0]->line, 3);
    got_free(&g);
}

TEST(csv_line_ends) {
    got g;
    CSV(&g, "a,b\r\n1,2\r\n3,4\r\n");
    CHECK_INT(g.rc, AS_OK);
    CHECK_INT(g.n, 2);
    CHECK_STR(g.cols[1], "b");
    CHECK_STR(val(&g, 0, "b"), "2");
    CHECK_STR(val(&g, 1, "b"), "4");
    CHECK_INT(g.rows[1]->line, 3);
    got_free(&g);
    /* a lone CR ends a line as well (old Mac files) */
    CSV(&g, "a,b\r1,2\r3,4");
    CHECK_INT(g.rc, AS_OK);
    CHECK_INT(g.n, 2);
    CHECK_STR(val(&g, 1, "a"), "3");
    CHECK_INT(g.rows[1]->line, 3);
    got_free(&g);
    /* mixed */
    CSV(&g, "a,b\n1,2\r\n3,4\r5,6\n");
    CHECK_INT(g.n, 3);
    CHECK_INT(g.rows[2]->line, 4);
    CHECK_STR(val(&g, 2, "b"), "6");
    got_free(&g);
}

TEST(csv_bom) {
    got g;
    CSV(&g, "\xEF\xBB\xBFid,text\n1,caf\xC3\xA9\n");
    CHECK_INT(g.rc, AS_OK);
    CHECK_STR(g.cols[0], "id");
    CHECK_STR(val(&g, 0, "id"), "1");
    CHECK_STR(val(&g, 0, "text"), "caf\xC3\xA9");
    got_free(&g);
    /* the BOM is not a character of line 1 */
    CSV_ERR("\xEF\xBB\xBF" "a\"b\n", AS_EINVAL,
            "data.csv:1:2: quote inside an unquoted field (quote the whole field and "
            "double the quote)");
    /* only at the start: later it is part of a value */
    CSV(&g, "a\n\xEF\xBB\xBFx\n");
    CHECK_STR(val(&g, 0, "a"), "\xEF\xBB\xBFx");
    got_free(&g);
}

TEST(csv_final_line_without_newline) {
    got g;
    CSV(&g, "a,b\n1,2");
    CHECK_INT(g.rc, AS_OK);
    CHECK_INT(g.n, 1);
    CHECK_STR(val(&g, 0, "b"), "2");
    got_free(&g);
    CSV(&g, "a,b\n1,\"two\"");
    CHECK_INT(g.n, 1);
    CHECK_STR(val(&g, 0, "b"), "two");
    got_free(&g);
    CSV(&g, "a,b\n1,");
    CHECK_INT(g.n, 1);
    CHECK_STR(val(&g, 0, "b"), "");
    got_free(&g);
    CSV(&g, "a,b");                        /* a header alone, no newline */
    CHECK_INT(g.rc, AS_OK);
    CHECK_INT(g.n_cols, 2);
    CHECK_INT(g.n, 0);
    got_free(&g);
}

TEST(csv_blank_lines) {
    got g;
    CSV(&g, "\n\r\na,b\n\n1,2\n\r\n\n3,4\n\n\n");
    CHECK_INT(g.rc, AS_OK);
    CHECK_INT(g.n_cols, 2);
    CHECK_STR(g.cols[0], "a");
    CHECK_INT(g.n, 2);
    CHECK_INT(g.rows[0]->line, 5);
    CHECK_INT(g.rows[1]->line, 8);
    CHECK_INT(g.rows[1]->index, 1);
    got_free(&g);
    /* a line of spaces is not blank: it is a value */
    CSV(&g, "a\n  \n");
    CHECK_INT(g.n, 1);
    CHECK_STR(val(&g, 0, "a"), "  ");
    got_free(&g);
    /* an empty value in a one-column file is written "" */
    CSV(&g, "a\n\"\"\n\nx\n");
    CHECK_INT(g.n, 2);
    CHECK_STR(val(&g, 0, "a"), "");
    CHECK_STR(val(&g, 1, "a"), "x");
    got_free(&g);
}

TEST(csv_empty_fields) {
    got g;
    CSV(&g, "a,b,c\n,,\n,x,\n");
    CHECK_INT(g.rc, AS_OK);
    CHECK_INT(g.n, 2);
    CHECK_STR(val(&g, 0, "a"), "");
    CHECK_STR(val(&g, 0, "c"), "");
    CHECK_STR(val(&g, 1, "b"), "x");
    CHECK_STR(val(&g, 1, "c"), "");
    got_free(&g);
}

TEST(csv_header_names) {
    got g;
    CSV(&g, " input ,\toutput\t,\" quoted \"\n1,2,3\n");
    CHECK_INT(g.rc, AS_OK);
    CHECK_STR(g.cols[0], "input");
    CHECK_STR(g.cols[1], "output");
    CHECK_STR(g.cols[2], "quoted");
    CHECK_STR(val(&g, 0, "output"), "2");
    CHECK_STR(g.rows[0]->names[2], "quoted");
    got_free(&g);
    CSV_ERR("a,,c\n", AS_EINVAL, "data.csv:1: header column 2 has an empty name");
    CSV_ERR("a,b, \n", AS_EINVAL, "data.csv:1: header column 3 has an empty name");
    CSV_ERR("\n\n\"\"\n", AS_EINVAL, "data.csv:3: header column 1 has an empty name");
    CSV_ERR("id,x,y,id\n", AS_EINVAL,
            "data.csv:1: header column 4 has the same name as column 1");
    CSV_ERR("a,b,c, b,c\n", AS_EINVAL,
            "data.csv:1: header column 4 has the same name as column 2");
    CSV_ERR("z,z,z\n", AS_EINVAL, "data.csv:1: header column 2 has the same name as column 1");
    /* case matters */
    CSV(&g, "A,a\n1,2\n");
    CHECK_INT(g.rc, AS_OK);
    CHECK_STR(val(&g, 0, "a"), "2");
    got_free(&g);
}

TEST(csv_empty_inputs) {
    got g;
    CSV_ERR("", AS_EINVAL, "data.csv: empty file, expected a header line");
    CSV_ERR("\xEF\xBB\xBF", AS_EINVAL, "data.csv: empty file, expected a header line");
    CSV_ERR("\n\r\n\n", AS_EINVAL, "data.csv: empty file, expected a header line");
    CSV(&g, "a,b\n");
    CHECK_INT(g.rc, AS_OK);
    CHECK_INT(g.n_cols, 2);
    CHECK_INT(g.n, 0);
    got_free(&g);
}

TEST(csv_errors_quotes) {
    CSV_ERR("a,b\n1,\"open\n", AS_EINVAL, "data.csv:2:3: unterminated quoted field");
    /* reported where the quote opened, however far the file goes on */
    CSV_ERR("a,b\n1,2\nx,\"abc\nmore\nlines, \"\"here\n", AS_EINVAL,
            "data.csv:3:3: unterminated quoted field");
    CSV_ERR("\"a", AS_EINVAL, "data.csv:1:1: unterminated quoted field");
    CSV_ERR("a,b\n\xC3\xA9\xC3\xA9,\"x", AS_EINVAL, "data.csv:2:4: unterminated quoted field");
    CSV_ERR("a,b\n1,ab\"c\n", AS_EINVAL,
            "data.csv:2:5: quote inside an unquoted field (quote the whole field and "
            "double the quote)");
    CSV_ERR("a,b\n1, \"c\"\n", AS_EINVAL,
            "data.csv:2:4: quote inside an unquoted field (quote the whole field and "
            "double the quote)");
    CSV_ERR("a,b\n1,\"c\"d\n", AS_EINVAL,
            "data.csv:2:6: characters after the closing quote of a field");
    CSV_ERR("a,b\n1,\"c\" \n", AS_EINVAL,
            "data.csv:2:6: characters after the closing quote of a field");
    CSV_ERR("a,b\n1,\"x\ny\"z,2\n", AS_EINVAL,
            "data.csv:3:3: characters after the closing quote of a field");
    CSV_ERR("\"a\"b,c\n", AS_EINVAL,
            "data.csv:1:4: characters after the closing quote of a field");
}

TEST(csv_errors_field_count) {
    CSV_ERR("a,b,c\n1,2,3\n4,5,6\n7,8,9\n1,2,3,4\n", AS_EINVAL,
            "data.csv:5: 4 fields, the header has 3");
    CSV_ERR("a,b,c\n1,2\n", AS_EINVAL, "data.csv:2: 2 fields, the header has 3");
    CSV_ERR("a,b,c\nx\n", AS_EINVAL, "data.csv:2: 1 field, the header has 3");
    CSV_ERR("a,b,c\n1,2,3,\n", AS_EINVAL, "data.csv:2: 4 fields, the header has 3");
    /* the line is where the row starts */
    CSV_ERR("a\n\"x\ny\",z\n", AS_EINVAL, "data.csv:2: 2 fields, the header has 1");
    /* extra fields are still parsed: an error inside them comes first */
    CSV_ERR("a\n1,2,\"3\n", AS_EINVAL, "data.csv:2:5: unterminated quoted field");
}

TEST(csv_error_nul) {
    static const char t1[] = "a,b\n1,x\0y\n";
    expect_err(t1, sizeof(t1) - 1, false, AS_EINVAL, "data.csv:2:4: NUL byte", __LINE__);
    static const char t2[] = "a,b\n1,\"x\n\0\"\n";
    expect_err(t2, sizeof(t2) - 1, false, AS_EINVAL, "data.csv:3:1: NUL byte", __LINE__);
    static const char t3[] = "\0";
    expect_err(t3, 1, false, AS_EINVAL, "data.csv:1:1: NUL byte", __LINE__);
}

/* Bytes that are not UTF-8, each inside a value at line 2, column 3 (after
 * "é,"), and the byte the message names. */
TEST(csv_utf8_invalid) {
    static const struct { const char *bytes; unsigned char shown; } bad[] = {
        { "\xFF", 0xFF },                 /* never in UTF-8 */
        { "\xFE", 0xFE },
        { "\x80", 0x80 },                 /* a stray continuation byte */
        { "\xBF", 0xBF },
        { "\xC0\xAF", 0xC0 },             /* overlong "/" */
        { "\xC1\xBF", 0xC1 },             /* overlong */
        { "\xE0\x80\xAF", 0xE0 },         /* overlong 3-byte */
        { "\xE0\x9F\xBF", 0xE0 },         /* overlong U+07FF */
        { "\xF0\x80\x80\xAF", 0xF0 },     /* overlong 4-byte */
        { "\xF0\x8F\xBF\xBF", 0xF0 },     /* overlong U+FFFF */
        { "\xED\xA0\x80", 0xED },         /* surrogate U+D800 */
        { "\xED\xBF\xBF", 0xED },         /* surrogate U+DFFF */
        { "\xF4\x90\x80\x80", 0xF4 },     /* U+110000 */
        { "\xF5\x80\x80\x80", 0xF5 },
        { "\xF8\x88\x80\x80\x80", 0xF8 }, /* 5-byte form */
        { "\xC3", 0xC3 },                 /* truncated, then "x" */
        { "\xE2\x82", 0xE2 },             /* truncated */
        { "\xF0\x9F\x98", 0xF0 },         /* truncated */
        { "\xC3\xC3\xA9", 0xC3 },         /* lead after lead */
    };
    for (size_t i = 0; i < AS_ARRAY_LEN(bad); i++) {
        char text[64], msg[128];
        snprintf(text, sizeof(text), "a,b\n\xC3\xA9,%sx\n", bad[i].bytes);
        snprintf(msg, sizeof(msg), "data.csv:2:3: invalid UTF-8 (byte 0x%02x)", bad[i].shown);
        expect_err(text, strlen(text), false, AS_EINVAL, msg, __LINE__);
        /* the same inside a quoted field */
        snprintf(text, sizeof(text), "a,b\n\xC3\xA9,\"%s\"\n", bad[i].bytes);
        snprintf(msg, sizeof(msg), "data.csv:2:4: invalid UTF-8 (byte 0x%02x)", bad[i].shown);
        expect_err(text, strlen(text), false, AS_EINVAL, msg, __LINE__);
    }
    /* truncated at the very end of the input, and before a line end */
    CSV_ERR("a\n\xE2\x82", AS_EINVAL, "data.csv:2:1: invalid UTF-8 (byte 0xe2)");
    CSV_ERR("a\nx\xE2\x82\n", AS_EINVAL, "data.csv:2:2: invalid UTF-8 (byte 0xe2)");
    /* columns count characters, not bytes */
    CSV_ERR("a,b,c\n\xC3\xA9,\xE2\x82\xAC\xF0\x9F\x98\x80,\xFF\n", AS_EINVAL,
            "data.csv:2:6: invalid UTF-8 (byte 0xff)");
}

TEST(csv_utf8_valid_edges) {
    got g;
    /* U+0080, U+07FF, U+0800, U+D7FF, U+E000, U+FFFD, U+FFFF, U+10000, U+10FFFF */
    static const char *const ok[] = {
        "\xC2\x80", "\xDF\xBF", "\xE0\xA0\x80", "\xED\x9F\xBF", "\xEE\x80\x80",
        "\xEF\xBF\xBD", "\xEF\xBF\xBF", "\xF0\x90\x80\x80", "\xF4\x8F\xBF\xBF",
    };
    for (size_t i = 0; i < AS_ARRAY_LEN(ok); i++) {
        char text[64];
        snprintf(text, sizeof(text), "v\n%s\n", ok[i]);
        read_mem(&g, text, strlen(text), false);
        CHECK_INT(g.rc, AS_OK);
        CHECK_STR(val(&g, 0, "v"), ok[i]);
        got_free(&g);
    }
}

TEST(csv_limits) {
    /* a field of exactly AS_ROWS_MAX_FIELD bytes is fine, one more is not */
    size_t big = AS_ROWS_MAX_FIELD;
    char *t = malloc(big + 16);
    memcpy(t, "a,b\n1,", 6);
    memset(t + 6, 'x', big);
    memcpy(t + 6 + big, "\n", 1);
    got g;
    read_mem(&g, t, big + 7, false);
    CHECK_INT(g.rc, AS_OK);
    CHECK_INT(g.n, 1);
    CHECK_INT(strlen(val(&g, 0, "b")), big);
    got_free(&g);
    t[6 + big] = 'x';
    t[7 + big] = '\n';
    expect_err(t, big + 8, false, AS_ETOOBIG, "data.csv:2:3: field longer than 16777216 bytes",
               __LINE__);
    /* quoted, starting on a later line */
    memcpy(t, "a,b\n1,\"", 7);
    memset(t + 7, 'x', big + 1);
    memcpy(t + 8 + big, "\"\n", 2);
    expect_err(t, big + 10, false, AS_ETOOBIG, "data.csv:2:3: field longer than 16777216 bytes",
               __LINE__);
    free(t);

    /* AS_ROWS_MAX_COLUMNS columns are fine, one more is not */
    size_t n = (size_t)AS_ROWS_MAX_COLUMNS + 1;
    char *h = malloc(n * 8 + 8), *p = h;
    for (size_t i = 0; i < n - 1; i++) p += sprintf(p, "%sc%zu", i ? "," : "", i);
    *p++ = '\n';
    read_mem(&g, h, (size_t)(p - h), false);
    CHECK_INT(g.rc, AS_OK);
    CHECK_INT(g.n_cols, AS_ROWS_MAX_COLUMNS);
    got_free(&g);
    p--;
    size_t col = (size_t)(p - h) + 2;      /* column of the 4097th name */
    p += sprintf(p, ",c4096\n");
    char msg[128];
    snprintf(msg, sizeof(msg), "data.csv:1:%zu: more than 4096 columns", col);
    expect_err(h, (size_t)(p - h), false, AS_ETOOBIG, msg, __LINE__);
    free(h);

    /* a row over AS_ROWS_MAX_ROW in total: five fields of 14 MiB */
    size_t fl = 14u << 20, len = 10 + 5 * (fl + 1);
    t = malloc(len);
    p = t;
    p += sprintf(p, "a,b,c,d,e\n");
    for (int i = 0; i < 5; i++) {
        memset(p, 'y', fl);
        p += fl;
        *p++ = i < 4 ? ',' : '\n';
    }
    expect_err(t, (size_t)(p - t), false, AS_ETOOBIG, "data.csv:2: row longer than 67108864 bytes",
               __LINE__);
    free(t);
}

/* Long runs of plain ASCII are taken a run at a time (rows.c, plain_run):
 * the same values from memory, a file and gzip (runs cut by the chunks),
 * and errors right after a run at the byte's own line and column. */
TEST(csv_long_plain_runs) {
    size_t na = 100000, ny = 70000, nz = 5000;
    as_buf b;
    as_buf_init(&b, AS_BUF_UNLIMITED);
    as_buf_puts(&b, "a,b\n");
    for (size_t i = 0; i < na; i++) as_buf_putc(&b, 'x');
    as_buf_puts(&b, ",\"");
    for (size_t i = 0; i < ny; i++) as_buf_putc(&b, i % 1000 == 999 ? ',' : 'y');
    as_buf_puts(&b, "\n\"\"");
    for (size_t i = 0; i < nz; i++) as_buf_putc(&b, 'z');
    as_buf_puts(&b, "\xC3\xA9w\"\n1,2\n");
    char *want_b = malloc(ny + 1 + 2 + nz + 3 + 1);
    size_t k = 0;
    for (size_t i = 0; i < ny; i++) want_b[k++] = i % 1000 == 999 ? ',' : 'y';
    want_b[k++] = '\n';
    want_b[k++] = '"';
    for (size_t i = 0; i < nz; i++) want_b[k++] = 'z';
    memcpy(want_b + k, "\xC3\xA9w", 4);
    for (int how = 0; how < 3; how++) {
        got g;
        if (how == 0) read_mem(&g, b.data, b.len, false);
        else if (how == 1) read_path(&g, write_file("long.csv", b.data, b.len));
        else read_path(&g, write_gz("long.csv.gz", b.data, b.len));
        CHECK_INT(g.rc, AS_OK);
        CHECK_INT(g.n, 2);
        if (g.n == 2) {
            CHECK_INT(strlen(val(&g, 0, "a")), na);
            CHECK(strspn(val(&g, 0, "a"), "x") == na);
            CHECK_STR(val(&g, 0, "b"), want_b);
            CHECK_INT(g.rows[1]->line, 4);
            CHECK_STR(val(&g, 1, "b"), "2");
        }
        got_free(&g);
    }
    free(want_b);
    /* errors after a run: where the offending byte is */
    as_buf_reset(&b);
    as_buf_puts(&b, "a,b\n1,");
    for (size_t i = 0; i < 50000; i++) as_buf_putc(&b, 'q');
    as_buf_puts(&b, "\"\n");
    expect_err(b.data, b.len, false, AS_EINVAL,
               "data.csv:2:50003: quote inside an unquoted field (quote the whole field "
               "and double the quote)", __LINE__);
    as_buf_reset(&b);
    as_buf_puts(&b, "a,b\n1,\"\n");
    for (size_t i = 0; i < 40000; i++) as_buf_putc(&b, 'q');
    as_buf_puts(&b, "\xC3(\"\n");
    expect_err(b.data, b.len, false, AS_EINVAL, "data.csv:3:40001: invalid UTF-8 (byte 0xc3)",
               __LINE__);
    as_buf_reset(&b);
    as_buf_puts(&b, "a,b\n1,\"");
    for (size_t i = 0; i < 30000; i++) as_buf_putc(&b, 'q');
    as_buf_puts(&b, "\"x\n");
    expect_err(b.data, b.len, false, AS_EINVAL,
               "data.csv:2:30005: characters after the closing quote of a field", __LINE__);
    as_buf_release(&b);
}

TEST(csv_error_is_sticky) {
    as_rows *r = NULL;
    as_err err;
    static const char t[] = "a\n1\n\"2\n";
    CHECK_INT(as_rows_open_mem(t, sizeof(t) - 1, false, "s.csv", &r, &err), AS_OK);
    as_row *row = NULL;
    CHECK_INT(as_rows_next(r, &row, &err), AS_OK);
    CHECK(row != NULL);
    CHECK_STR(row->values[0], "1");
    as_row_free(row);
    for (int i = 0; i < 3; i++) {
        as_err_clear(&err);
        row = (as_row *)&err;              /* must be reset to NULL */
        CHECK_INT(as_rows_next(r, &row, &err), AS_EINVAL);
        CHECK(row == NULL);
        CHECK_INT(err.code, AS_EINVAL);
        CHECK_STR(err.msg, "s.csv:3:1: unterminated quoted field");
    }
    CHECK_INT(as_rows_next(r, &row, NULL), AS_EINVAL);   /* err may be NULL */
    as_rows_close(r);
}

TEST(end_is_stable) {
    as_rows *r = NULL;
    as_err err;
    CHECK_INT(as_rows_open_mem("a\n1\n", 4, false, NULL, &r, &err), AS_OK);
    as_row *row = NULL;
    CHECK_INT(as_rows_next(r, &row, &err), AS_OK);
    as_row_free(row);
    for (int i = 0; i < 3; i++) {
        CHECK_INT(as_rows_next(r, &row, &err), AS_OK);
        CHECK(row == NULL);
    }
    CHECK_INT(as_rows_columns(r, NULL), 1);
    as_rows_close(r);
    /* origin defaults to "data" */
    CHECK_INT(as_rows_open_mem("", 0, false, NULL, &r, &err), AS_EINVAL);
    CHECK(r == NULL);
    CHECK_STR(err.msg, "data: empty file, expected a header line");
    as_rows_close(NULL);
}

/* ---- JSONL ------------------------------------------------------------- */

TEST(jsonl_values) {
    got g;
    JSONL(&g, "{\"s\": \"caf\\u00e9 \\\"q\\\"\\n\", \"i\": 42, \"neg\": -7, \"r\": 1.50,"
              " \"e\": 1E+2, \"z\": -0.0, \"big\": 123456789012345678901234567890,"
              " \"t\": true, \"f\": false, \"n\": null,"
              " \"o\": { \"k\" : [1, 2.0, \"a b\"], \"e\": {} },"
              " \"a\": [ ], \"u\": \"\\ud83d\\ude00\", \"empty\": \"\"}\n");
    CHECK_INT(g.rc, AS_OK);
    CHECK_INT(g.n, 1);
    CHECK_INT(g.rows[0]->n, 14);
    CHECK_STR(val(&g, 0, "s"), "caf\xC3\xA9 \"q\"\n");
    CHECK_STR(val(&g, 0, "i"), "42");
    CHECK_STR(val(&g, 0, "neg"), "-7");
    CHECK_STR(val(&g, 0, "r"), "1.50");
    CHECK_STR(val(&g, 0, "e"), "1E+2");
    CHECK_STR(val(&g, 0, "z"), "-0.0");
    CHECK_STR(val(&g, 0, "big"), "123456789012345678901234567890");
    CHECK_STR(val(&g, 0, "t"), "true");
    CHECK_STR(val(&g, 0, "f"), "false");
    CHECK_STR(val(&g, 0, "n"), "");
    CHECK_STR(val(&g, 0, "o"), "{\"k\":[1,2.0,\"a b\"],\"e\":{}}");
    CHECK_STR(val(&g, 0, "a"), "[]");
    CHECK_STR(val(&g, 0, "u"), "\xF0\x9F\x98\x80");
    CHECK_STR(val(&g, 0, "empty"), "");
    CHECK_INT(g.n_cols, 14);
    CHECK_STR(g.cols[0], "s");
    CHECK_STR(g.cols[13], "empty");
    CHECK_STR(g.rows[0]->names[10], "o");
    got_free(&g);
    /* nested text keeps its escapes as written (it is JSON) */
    JSONL(&g, "{\"o\":{\"k\":\"tab\\there \\u00e9\"},\"w\":[\"x\" ,\t\"y\"]}");
    CHECK_STR(val(&g, 0, "o"), "{\"k\":\"tab\\there \\u00e9\"}");
    CHECK_STR(val(&g, 0, "w"), "[\"x\",\"y\"]");
    got_free(&g);
    /* escaped keys are decoded */
    JSONL(&g, "{\"caf\\u00e9\":1,\"a\\\"b\":2,\"\":3}\n");
    CHECK_STR(val(&g, 0, "caf\xC3\xA9"), "1");
    CHECK_STR(val(&g, 0, "a\"b"), "2");
    CHECK_STR(val(&g, 0, ""), "3");
    got_free(&g);
}

TEST(jsonl_columns_and_keys) {
    got g;
    JSONL(&g, "{\"input\":\"a\",\"output\":\"b\"}\n"
              "{\"output\":\"d\",\"extra\":1,\"input\":\"c\"}\n"
              "{}\n");
    CHECK_INT(g.rc, AS_OK);
    CHECK_INT(g.n_cols, 2);
    CHECK_STR(g.cols[0], "input");
    CHECK_STR(g.cols[1], "output");
    CHECK_INT(g.n, 3);
    CHECK_INT(g.rows[1]->n, 3);
    CHECK_STR(g.rows[1]->names[0], "output");
    CHECK_STR(g.rows[1]->names[1], "extra");
    CHECK_STR(val(&g, 1, "input"), "c");
    CHECK_STR(val(&g, 1, "extra"), "1");
    CHECK_INT(g.rows[2]->n, 0);
    CHECK(as_row_get(g.rows[2], "input") == NULL);
    CHECK_INT(g.rows[2]->index, 2);
    CHECK_INT(g.rows[2]->line, 3);
    got_free(&g);
}

TEST(jsonl_lines) {
    got g;
    JSONL(&g, "\xEF\xBB\xBF\n  \n{\"a\":1}\r\n\t\r\n\n{\"a\":2}\n\n{\"a\":3}");
    CHECK_INT(g.rc, AS_OK);
    CHECK_INT(g.n, 3);
    CHECK_INT(g.rows[0]->line, 3);
    CHECK_INT(g.rows[1]->line, 6);
    CHECK_INT(g.rows[2]->line, 8);
    CHECK_INT(g.rows[2]->index, 2);
    CHECK_STR(val(&g, 2, "a"), "3");
    got_free(&g);
    /* empty inputs are zero rows, zero columns */
    JSONL(&g, "");
    CHECK_INT(g.rc, AS_OK);
    CHECK(g.opened);
    CHECK_INT(g.n_cols, 0);
    CHECK_INT(g.n, 0);
    JSONL(&g, "\n \r\n\t\n");
    CHECK_INT(g.rc, AS_OK);
    CHECK_INT(g.n, 0);
    /* a lone CR is whitespace in JSON, not a line end */
    JSONL(&g, "{\"a\":\r1}\n{\"a\":2}\n");
    CHECK_INT(g.n, 2);
    CHECK_INT(g.rows[1]->line, 2);
    got_free(&g);
}

TEST(jsonl_errors) {
    JSONL_ERR("{\"a\":1}\n{\"a\":2}\n\n[1,2]\n", AS_EINVAL,
              "data.jsonl:4: expected a JSON object, got an array");
    JSONL_ERR("\"text\"\n", AS_EINVAL, "data.jsonl:1: expected a JSON object, got a string");
    JSONL_ERR("{}\n12.5\n", AS_EINVAL, "data.jsonl:2: expected a JSON object, got a number");
    JSONL_ERR("{}\n-3\n", AS_EINVAL, "data.jsonl:2: expected a JSON object, got a number");
    JSONL_ERR("true\n", AS_EINVAL, "data.jsonl:1: expected a JSON object, got true");
    JSONL_ERR("false\n", AS_EINVAL, "data.jsonl:1: expected a JSON object, got false");
    JSONL_ERR("{}\nnull\n", AS_EINVAL, "data.jsonl:2: expected a JSON object, got null");
    /* syntax errors carry jansson's column (the end of the bad token) */
    JSONL_ERR("{}\n{\"a\": tru}\n", AS_EINVAL, "data.jsonl:2:9: invalid token near 'tru'");
    JSONL_ERR("{\"a\":1\n", AS_EINVAL, "data.jsonl:1:6: '}' expected near end of file");
    JSONL_ERR("{\"a\":1}}\n", AS_EINVAL, "data.jsonl:1:8: end of file expected near '}'");
    JSONL_ERR("{\"a\":1} {\"b\":2}\n", AS_EINVAL,
              "data.jsonl:1:9: end of file expected near '{'");
    JSONL_ERR("{\"\xC3\xA9\": x}\n", AS_EINVAL, "data.jsonl:1:7: invalid token near 'x'");
    JSONL_ERR("{\"a\":1,\"a\":2}\n", AS_EINVAL,
              "data.jsonl:1:10: duplicate object key near '\"a\"'");
    JSONL_ERR("{\"a\":\"\\u0000\"}\n", AS_EINVAL,
              "data.jsonl:1:13: \\u0000 (NUL) is not allowed in strings");
    JSONL_ERR("{\"a\":{\"b\":\"\\u0000\"}}\n", AS_EINVAL,
              "data.jsonl:1:18: \\u0000 (NUL) is not allowed in strings");
    JSONL_ERR("{\"a\":\"\\ud800\"}\n", AS_EINVAL,
              "data.jsonl:1:13: invalid Unicode '\\uD800' near '\"\\ud800\"'");
    JSONL_ERR("{\"a\":01}\n", AS_EINVAL, "data.jsonl:1:6: invalid token near '0'");
    /* jansson's "near" text can stop inside a character: kept UTF-8 */
    JSONL_ERR("{\"a\":\"\\u\xC3\xA9\"}\n", AS_EINVAL,
              "data.jsonl:1:9: invalid escape near '\"\\u?'");
    /* numbers keep their text, but jansson must still read them as doubles */
    JSONL_ERR("{\"a\":1e400}\n", AS_EINVAL, "data.jsonl:1:10: real number overflow near '1e400'");
    /* a pretty-printed object is not JSON lines */
    JSONL_ERR("{\n  \"a\": 1\n}\n", AS_EINVAL,
              "data.jsonl:1:1: string or '}' expected near end of file");
    /* a first bad row fails the open itself */
    got g;
    JSONL(&g, "[]\n");
    CHECK(!g.opened);
    CHECK_INT(g.rc, AS_EINVAL);
}

TEST(jsonl_bytes) {
    JSONL_ERR("{}\n{\"a\":\"caf\xC3\xA9 \xFF\"}\n", AS_EINVAL,
              "data.jsonl:2:12: invalid UTF-8 (byte 0xff)");
    JSONL_ERR("{\"a\":\"\xED\xA0\x80\"}\n", AS_EINVAL,
              "data.jsonl:1:7: invalid UTF-8 (byte 0xed)");
    JSONL_ERR("{\"a\":\"\xC0\x80\"}\n", AS_EINVAL, "data.jsonl:1:7: invalid UTF-8 (byte 0xc0)");
    JSONL_ERR("{\"a\":\"x\"}\xE2\x82", AS_EINVAL, "data.jsonl:1:10: invalid UTF-8 (byte 0xe2)");
    static const char t[] = "{\"a\":\"x\0\"}\n";
    expect_err(t, sizeof(t) - 1, true, AS_EINVAL, "data.jsonl:1:8: NUL byte", __LINE__);
}

TEST(jsonl_limits) {
    /* depth: the row object is level 1; 64 levels pass, 65 do not */
    char t[512];
    size_t p = 0;
    p += (size_t)sprintf(t, "{\"a\":");
    for (int i = 0; i < 62; i++) t[p++] = '[';
    t[p++] = '{';
    t[p++] = '}';
    for (int i = 0; i < 62; i++) t[p++] = ']';
    t[p++] = '}';
    got g;
    read_mem(&g, t, p, true);
    CHECK_INT(g.rc, AS_OK);
    CHECK_INT(strlen(val(&g, 0, "a")), 126);
    got_free(&g);
    p = (size_t)sprintf(t, "{\"a\":\"[[[[{{\",\"b\":");      /* brackets in strings do not count */
    size_t start = p;
    for (int i = 0; i < 64; i++) t[p++] = '[';
    for (int i = 0; i < 64; i++) t[p++] = ']';
    t[p++] = '}';
    char msg[128];
    snprintf(msg, sizeof(msg), "data.jsonl:1:%zu: nesting deeper than 64 levels", start + 64);
    expect_err(t, p, true, AS_ETOOBIG, msg, __LINE__);

    /* a line of exactly AS_ROWS_MAX_FIELD bytes is fine, one more is not */
    size_t big = AS_ROWS_MAX_FIELD;
    char *s = malloc(big + 8);
    memcpy(s, "{\"a\":\"", 6);
    memset(s + 6, 'x', big - 8);
    memcpy(s + big - 2, "\"}\n", 3);
    read_mem(&g, s, big + 1, true);
    CHECK_INT(g.rc, AS_OK);
    CHECK_INT(strlen(val(&g, 0, "a")), big - 8);
    got_free(&g);
    memcpy(s, "{}\n{\"a\":\"", 9);
    memset(s + 9, 'x', big - 7);             /* a line of big + 1 bytes */
    memcpy(s + big + 2, "\"}\n", 3);
    expect_err(s, big + 5, true, AS_ETOOBIG, "data.jsonl:2: line longer than 16777216 bytes",
               __LINE__);
    free(s);

    /* AS_ROWS_MAX_COLUMNS keys pass, one more does not */
    size_t n = (size_t)AS_ROWS_MAX_COLUMNS;
    s = malloc(n * 16 + 32);
    size_t q = 0;
    s[q++] = '{';
    for (size_t i = 0; i < n; i++) q += (size_t)sprintf(s + q, "%s\"k%zu\":%zu", i ? "," : "", i, i);
    s[q++] = '}';
    read_mem(&g, s, q, true);
    CHECK_INT(g.rc, AS_OK);
    CHECK_INT(g.rows[0]->n, n);
    CHECK_STR(val(&g, 0, "k4095"), "4095");
    got_free(&g);
    q--;
    q += (size_t)sprintf(s + q, ",\"k4096\":0}");
    expect_err(s, q, true, AS_ETOOBIG, "data.jsonl:1: more than 4096 keys", __LINE__);
    free(s);
}

/* ---- rows are independent ---------------------------------------------- */

TEST(rows_outlive_reader) {
    static const char t[] = "a,b\n1,2\n3,4\n5,6\n";
    as_rows *r = NULL;
    as_err err;
    CHECK_INT(as_rows_open_mem(t, sizeof(t) - 1, false, "d.csv", &r, &err), AS_OK);
    as_row *rows[3] = { NULL, NULL, NULL };
    for (int i = 0; i < 3; i++) CHECK_INT(as_rows_next(r, &rows[i], &err), AS_OK);
    as_rows_close(r);                    /* rows live on */
    CHECK_STR(as_row_get(rows[0], "a"), "1");
    as_row_free(rows[1]);
    CHECK_STR(as_row_get(rows[2], "b"), "6");
    CHECK_STR(rows[2]->names[0], "a");
    as_row_free(rows[2]);
    CHECK_STR(as_row_get(rows[0], "b"), "2");
    as_row_free(rows[0]);
    as_row_free(NULL);

    static const char j[] = "{\"k\":\"v1\"}\n{\"k\":\"v2\",\"x\":[1]}\n";
    CHECK_INT(as_rows_open_mem(j, sizeof(j) - 1, true, "d.jsonl", &r, &err), AS_OK);
    as_row *a = NULL, *b = NULL;
    CHECK_INT(as_rows_next(r, &a, &err), AS_OK);
    CHECK_INT(as_rows_next(r, &b, &err), AS_OK);
    as_rows_close(r);
    CHECK_STR(as_row_get(a, "k"), "v1");
    CHECK_STR(as_row_get(b, "x"), "[1]");
    as_row_free(b);
    CHECK_STR(as_row_get(a, "k"), "v1");
    as_row_free(a);

    /* closing with rows unread (and the first JSONL row pending) leaks nothing */
    CHECK_INT(as_rows_open_mem(j, sizeof(j) - 1, true, "d.jsonl", &r, &err), AS_OK);
    as_rows_close(r);
}

/* ---- files ------------------------------------------------------------- */

TEST(count_in_memory) {
    static const char t[] = "a\n1\n2\n\"3\n\"\n4\n";
    as_rows *r = NULL;
    as_err err;
    uint64_t n = 99;
    CHECK_INT(as_rows_open_mem(t, sizeof(t) - 1, false, "c.csv", &r, &err), AS_OK);
    as_row *row = NULL;
    CHECK_INT(as_rows_next(r, &row, &err), AS_OK);
    as_row_free(row);
    CHECK_INT(as_rows_count(r, &n, &err), AS_OK);     /* the remaining rows */
    CHECK_INT(n, 3);
    as_rows_close(r);
    static const char j[] = "{\"a\":1}\n{\"a\":2}\n[\n";
    CHECK_INT(as_rows_open_mem(j, sizeof(j) - 1, true, "c.jsonl", &r, &err), AS_OK);
    CHECK_INT(as_rows_count(r, &n, &err), AS_EINVAL);
    CHECK_INT(n, 2);
    CHECK_STR(err.msg, "c.jsonl:3:1: ']' expected near end of file");
    as_rows_close(r);
}

TEST(scan_files) {
    uint64_t n = 99;
    as_err err;
    const char *p = WRITE_LIT("ok.csv", "a,b\n1,\"x\ny\"\n\n3,4\n");
    CHECK_INT(as_rows_scan(p, &n, &err), AS_OK);
    CHECK_INT(n, 2);
    p = WRITE_LIT("bad.csv", "a,b\n1,2\n3,4\n5\n6,7\n");
    n = 99;
    CHECK_INT(as_rows_scan(p, &n, &err), AS_EINVAL);
    CHECK_INT(n, 2);                          /* the good rows before the error */
    char want[512];
    snprintf(want, sizeof(want), "%s:4: 1 field, the header has 2", p);
    CHECK_STR(err.msg, want);
    p = WRITE_LIT("ok.jsonl", "{\"a\":1}\n\n{\"b\":2}\n{}\n");
    CHECK_INT(as_rows_scan(p, &n, &err), AS_OK);
    CHECK_INT(n, 3);
    p = WRITE_LIT("empty.jsonl", "");
    n = 99;
    CHECK_INT(as_rows_scan(p, &n, &err), AS_OK);
    CHECK_INT(n, 0);
    p = WRITE_LIT("bad.jsonl", "[1]\n");
    n = 99;
    CHECK_INT(as_rows_scan(p, &n, &err), AS_EINVAL);
    CHECK_INT(n, 0);
    snprintf(want, sizeof(want), "%s:1: expected a JSON object, got an array", p);
    CHECK_STR(err.msg, want);
    CHECK_INT(as_rows_scan(p, NULL, NULL), AS_EINVAL);
}

TEST(open_by_extension) {
    static const char csv[] = "a,b\n1,2\n";
    static const char jl[] = "{\"a\":\"1\",\"b\":2}\n";
    static const char *const csv_names[] = { "x.csv", "X.CSV", "x.Csv" };
    static const char *const jl_names[] = { "x.jsonl", "x.ndjson", "x.json", "X.JSONL" };
    got g;
    for (size_t i = 0; i < AS_ARRAY_LEN(csv_names); i++) {
        read_path(&g, write_file(csv_names[i], csv, sizeof(csv) - 1));
        CHECK_INT(g.rc, AS_OK);
        CHECK_STR(val(&g, 0, "b"), "2");
        got_free(&g);
    }
    for (size_t i = 0; i < AS_ARRAY_LEN(jl_names); i++) {
        read_path(&g, write_file(jl_names[i], jl, sizeof(jl) - 1));
        CHECK_INT(g.rc, AS_OK);
        CHECK_STR(val(&g, 0, "a"), "1");
        CHECK_STR(val(&g, 0, "b"), "2");
        got_free(&g);
    }
    /* the extension decides: CSV text named .jsonl is a JSON error */
    const char *p = write_file("csv-as.jsonl", csv, sizeof(csv) - 1);
    read_path(&g, p);
    CHECK_INT(g.rc, AS_EINVAL);
    static const char *const unknown[] = { "x.txt", "x.tsv", "x", "x.gz", "x.csv.zip",
                                           "csv", ".gz" };
    for (size_t i = 0; i < AS_ARRAY_LEN(unknown); i++) {
        read_path(&g, unknown[i]);
        CHECK_INT(g.rc, AS_EUNSUPPORTED);
        char want[256];
        snprintf(want, sizeof(want),
                 "%s: unknown data file type; use .csv, .jsonl, .ndjson or .json (JSON "
                 "lines), optionally with .gz", unknown[i]);
        CHECK_STR(g.msg, want);
    }
    read_path(&g, "data.csv");               /* relative, and not there */
    if (access("data.csv", F_OK) != 0) {
        CHECK_INT(g.rc, AS_EIO);
        CHECK_STR(g.msg, "data.csv: No such file or directory");
    }
    p = tmp_path("missing.jsonl.gz");
    read_path(&g, p);
    CHECK_INT(g.rc, AS_EIO);
    char want[512];
    snprintf(want, sizeof(want), "%s: No such file or directory", p);
    CHECK_STR(g.msg, want);
    p = tmp_path("dir.csv");
    mkdir(p, 0700);
    read_path(&g, p);
    CHECK_INT(g.rc, AS_EIO);
    snprintf(want, sizeof(want), "%s: Is a directory", p);
    CHECK_STR(g.msg, want);
    rmdir(p);
}

TEST(gzip_files) {
    static const char csv[] = "\xEF\xBB\xBFq,a\n\"x\ny\",1\n2,3\n";
    got g;
    read_path(&g, write_gz("z.csv.gz", csv, sizeof(csv) - 1));
    CHECK_INT(g.rc, AS_OK);
    CHECK_INT(g.n, 2);
    CHECK_STR(g.cols[0], "q");
    CHECK_STR(val(&g, 0, "q"), "x\ny");
    CHECK_INT(g.rows[1]->line, 4);
    got_free(&g);
    static const char jl[] = "{\"a\":1}\n{\"a\":[2]}\n";
    read_path(&g, write_gz("z.JSONL.GZ", jl, sizeof(jl) - 1));
    CHECK_INT(g.rc, AS_OK);
    CHECK_STR(val(&g, 1, "a"), "[2]");
    got_free(&g);
    /* a .gz name over plain text is read as it is */
    read_path(&g, write_file("plain.csv.gz", csv, sizeof(csv) - 1));
    CHECK_INT(g.rc, AS_OK);
    CHECK_INT(g.n, 2);
    got_free(&g);

    /* truncated and corrupt gzip data */
    char big[4096];
    uint32_t x = 12345;
    for (size_t i = 0; i < sizeof(big); i++) {
        x = x * 1103515245u + 12345u;
        big[i] = (char)('a' + (x >> 16) % 26);
    }
    memcpy(big, "h\n", 2);
    for (size_t i = 80; i < sizeof(big); i += 80) big[i] = '\n';
    const char *p = write_gz("t.csv.gz", big, sizeof(big));
    FILE *f = fopen(p, "rb");
    char z[8192];
    size_t zn = fread(z, 1, sizeof(z), f);
    fclose(f);
    p = write_file("trunc.csv.gz", z, zn / 2);
    read_path(&g, p);
    CHECK_INT(g.rc, AS_EINVAL);
    char want[512];
    snprintf(want, sizeof(want), "%s: gzip data ends early (truncated file?)", p);
    CHECK_STR(g.msg, want);
    got_free(&g);
    uint64_t n = 0;
    as_err err;
    CHECK_INT(as_rows_scan(p, &n, &err), AS_EINVAL);
    CHECK_STR(err.msg, want);
    z[3] = (char)0xE0;                       /* reserved header flags */
    p = write_file("corrupt.csv.gz", z, zn);
    read_path(&g, p);
    CHECK_INT(g.rc, AS_EINVAL);
    snprintf(want, sizeof(want), "%s: corrupt gzip data (", p);
    CHECK(strncmp(g.msg, want, strlen(want)) == 0);
    got_free(&g);
}

/* Line ends, "" escapes and multi-byte characters on the 64 KiB boundary
 * between two reads: shift a padding field so each lands on it. */
TEST(chunk_boundaries) {
    const size_t chunk = 64u << 10;
    size_t cap = chunk + 256;
    char *t = malloc(cap);
    for (size_t shift = 0; shift < 20; shift++) {
        size_t pad = chunk - 4 - 3 - shift;        /* "h,v\n" then "\"" pad "\"," */
        char *p = t;
        p += sprintf(p, "h,v\n\"");
        memset(p, 'p', pad);
        p += pad;
        p += sprintf(p, "\",\"a\"\"b\xE2\x82\xAC\xF0\x9F\x98\x80\"\r\n\r\n");
        p += sprintf(p, "x,\xC3\xA9\r\n");
        got g;
        read_path(&g, write_file("chunk.csv", t, (size_t)(p - t)));
        CHECK_INT(g.rc, AS_OK);
        CHECK_INT(g.n, 2);
        CHECK_INT(strlen(val(&g, 0, "h")), pad);
        CHECK_STR(val(&g, 0, "v"), "a\"b\xE2\x82\xAC\xF0\x9F\x98\x80");
        CHECK_STR(val(&g, 1, "v"), "\xC3\xA9");
        CHECK_INT(g.n >= 2 ? g.rows[1]->line : 0, 4);
        got_free(&g);
        /* and an error column after the boundary */
        p -= 4;
        p += sprintf(p, "\xFF\r\n");
        read_path(&g, write_file("chunk.csv", t, (size_t)(p - t)));
        CHECK_INT(g.rc, AS_EINVAL);
        CHECK(strstr(g.msg, ":4:3: invalid UTF-8 (byte 0xff)") != NULL);
        got_free(&g);
    }
    free(t);
}

/* 200,000 rows (some spanning lines) through the file reader: the heap in
 * use stays flat while they stream, whatever the file size. */
TEST(large_file_flat_memory) {
    const char *p = tmp_path("big.csv");
    FILE *f = fopen(p, "wb");
    fprintf(f, "id,input,output\n");
    const unsigned rows = 200000;
    uint64_t line = 2, last_line = 0;
    for (unsigned i = 0; i < rows; i++) {
        if (i == rows - 1) last_line = line;
        if (i % 1000 == 7) {
            fprintf(f, "%u,\"multi\nline, %u\",\"say \"\"hi\"\"\"\r\n", i, i);
            line += 2;
        } else {
            fprintf(f, "%u,question number %u with some text,answer %u\n", i, i, i * 3);
            line++;
        }
    }
    fclose(f);

    size_t base = heap_in_use(), peak = base;
    as_rows *r = NULL;
    as_err err;
    CHECK_INT(as_rows_open(p, &r, &err), AS_OK);
    uint64_t n = 0;
    bool values_ok = true;
    for (;;) {
        as_row *row = NULL;
        if (as_rows_next(r, &row, &err) != AS_OK) {
            CHECK_STR(err.msg, "");
            break;
        }
        if (!row) break;
        char want[64];
        snprintf(want, sizeof(want), "%" PRIu64, n);
        if (row->index != n || strcmp(row->values[0], want) != 0) values_ok = false;
        if (n % 1000 == 7 && strcmp(row->values[2], "say \"hi\"") != 0) values_ok = false;
        if (n == rows - 1) {
            CHECK_INT(row->line, last_line);
            snprintf(want, sizeof(want), "answer %u", (rows - 1) * 3);
            CHECK_STR(row->values[2], want);
        }
        as_row_free(row);
        n++;
        if (n % 97 == 0) {
            size_t now = heap_in_use();
            if (now > peak) peak = now;
        }
    }
    as_rows_close(r);
    size_t after = heap_in_use();
    CHECK(values_ok);
    CHECK_INT(n, rows);
    /* the reader's buffers (gzip's and ours) are well under 1 MiB; the
     * rows alone would be over 10 MiB if any were kept */
    CHECK(peak - base < (1u << 20));
    CHECK(after <= base + 4096);
    uint64_t counted = 0;
    CHECK_INT(as_rows_scan(p, &counted, &err), AS_OK);
    CHECK_INT(counted, rows);

    /* the same for JSON lines */
    p = tmp_path("big.jsonl");
    f = fopen(p, "wb");
    for (unsigned i = 0; i < rows; i++)
        fprintf(f, "{\"id\":%u,\"input\":\"q %u\",\"meta\":{\"k\":[%u, 1.50]}}\n", i, i, i);
    fclose(f);
    base = heap_in_use();
    peak = base;
    CHECK_INT(as_rows_open(p, &r, &err), AS_OK);
    n = 0;
    values_ok = true;
    for (;;) {
        as_row *row = NULL;
        if (as_rows_next(r, &row, &err) != AS_OK || !row) break;
        char want[64];
        snprintf(want, sizeof(want), "{\"k\":[%" PRIu64 ",1.50]}", n);
        if (strcmp(as_row_get(row, "meta"), want) != 0 || row->line != n + 1) values_ok = false;
        as_row_free(row);
        n++;
        if (n % 97 == 0) {
            size_t now = heap_in_use();
            if (now > peak) peak = now;
        }
    }
    as_rows_close(r);
    CHECK(values_ok);
    CHECK_INT(n, rows);
    CHECK(peak - base < (1u << 20));
    CHECK(heap_in_use() <= base + 4096);
}

static void cleanup(void) {
    if (!tmpdir[0]) return;
    static const char *const names[] = {
        "ok.csv", "bad.csv", "ok.jsonl", "empty.jsonl", "bad.jsonl", "x.csv", "X.CSV",
        "x.Csv", "x.jsonl", "x.ndjson", "x.json", "X.JSONL", "csv-as.jsonl", "z.csv.gz",
        "z.JSONL.GZ", "plain.csv.gz", "t.csv.gz", "trunc.csv.gz", "corrupt.csv.gz",
        "chunk.csv", "big.csv", "big.jsonl",
    };
    for (size_t i = 0; i < AS_ARRAY_LEN(names); i++) unlink(tmp_path(names[i]));
    rmdir(tmpdir);
}

TEST_MAIN(T(large_file_flat_memory), T(csv_basic), T(csv_quotes_and_escapes),
          T(csv_embedded_newlines), T(csv_line_ends), T(csv_bom),
          T(csv_final_line_without_newline), T(csv_blank_lines), T(csv_empty_fields),
          T(csv_header_names), T(csv_empty_inputs), T(csv_errors_quotes),
          T(csv_errors_field_count), T(csv_error_nul), T(csv_utf8_invalid),
          T(csv_utf8_valid_edges), T(csv_limits), T(csv_long_plain_runs), T(csv_error_is_sticky), T(end_is_stable),
          T(jsonl_values), T(jsonl_columns_and_keys), T(jsonl_lines), T(jsonl_errors),
          T(jsonl_bytes), T(jsonl_limits), T(rows_outlive_reader), T(count_in_memory),
          T(scan_files), T(open_by_extension), T(gzip_files), T(chunk_boundaries))
