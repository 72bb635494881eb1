/*
 * fuzz_dataset_form.c - libFuzzer target for the multipart/form-data
 * parser of dataset uploads (dataset.h: as_ds_form_*).  The input is a
 * Content-Type line and the body: everything up to the first LF is the
 * Content-Type (a trailing CR dropped), the rest the body.  Whatever the
 * bytes:
 *   - no crash, leak or undefined behaviour (ASan/UBSan);
 *   - a failure is AS_EINVAL or AS_ETOOBIG with a message, and leaves the
 *     form empty (as_ds_form_release of it is harmless);
 *   - every part has a name; its data lies inside the body; a non-file part of at most
 *     1 MiB has a NUL-terminated copy of its data, a file part none;
 *   - as_ds_form_get / as_ds_form_all / as_ds_form_file agree with a scan
 *     of the parts (first part of a name, every value in order);
 *   - round trip: the parts written back as a body with a fresh boundary
 *     (when their names, file names and content types are plain enough
 *     to quote) parse back to the same parts.
 * Seeds: tests/fuzz/corpus/dataset_form/.  Built by `make fuzz`
 * (build/fuzz/fuzz/fuzz_dataset_form); run e.g.
 *   build/fuzz/fuzz/fuzz_dataset_form -max_len=8192 tests/fuzz/corpus/dataset_form
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assay/buf.h"
#include "assay/dataset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void die(const char *what, const char *detail) {
    fprintf(stderr, "fuzz_dataset_form: %s: %s\n", what, detail ? detail : "");
    abort();
}

static bool same(const char *a, const char *b) {
    if (!a || !b) return a == b;
    return strcmp(a, b) == 0;
}

/* Can s go back into a quoted parameter / a header line unchanged? */
static bool plain(const char *s) {
    if (!s) return true;
    for (; *s; s++)
        if (*s == '"' || *s == '\r' || *s == '\n' || *s == '\\') return false;
    return true;
}

static void check_form(const as_ds_form *f, const char *body, size_t n) {
    if (f->n > AS_DS_MAX_PARTS) die("too many parts", NULL);
    if (f->n && (!f->parts || !f->values)) die("parts missing", NULL);
    for (size_t i = 0; i < f->n; i++) {
        const as_ds_part *p = &f->parts[i];
        if (!p->name) die("part without a name", NULL);
        if (p->len && (p->data < body || p->data + p->len > body + n))
            die("part data outside the body", p->name);
        const char *v = f->values[i];
        if (p->filename && v) die("file part with a value", p->name);
        if (!p->filename && p->len <= (1u << 20) && !v) die("field without a value", p->name);
        if (v && (memcmp(v, p->data, p->len) != 0 || v[p->len] != '\0'))
            die("value differs from the data", p->name);
    }
    for (size_t i = 0; i < f->n; i++) {
        const char *name = f->parts[i].name;
        size_t first = i;
        for (size_t j = 0; j < i; j++)
            if (strcmp(f->parts[j].name, name) == 0) { first = j; break; }
        if (as_ds_form_get(f, name) != f->values[first]) die("as_ds_form_get", name);
        if (as_ds_form_file(f, name) != &f->parts[first]) die("as_ds_form_file", name);
        const char *all[8];
        size_t k = as_ds_form_all(f, name, all, 8), want = 0;
        for (size_t j = 0; j < f->n && want < 8; j++)
            if (strcmp(f->parts[j].name, name) == 0 && f->values[j]) {
                if (all[want] != f->values[j]) die("as_ds_form_all order", name);
                want++;
            }
        if (k != want) die("as_ds_form_all count", name);
        if (as_ds_form_all(f, name, all, 0) != 0) die("as_ds_form_all max 0", name);
    }
    static const char absent[] = "\x01no such field";
    bool there = false;
    for (size_t i = 0; i < f->n; i++) there |= strcmp(f->parts[i].name, absent) == 0;
    if (!there && (as_ds_form_get(f, absent) || as_ds_form_file(f, absent)))
        die("found a field that is not there", NULL);
}

/* A boundary that the data of no part holds. */
static void fresh_boundary(const as_ds_form *f, char *b, size_t cap) {
    for (unsigned k = 0;; k++) {
        snprintf(b, cap, "fzB%08x", k * 2654435761u);
        bool clash = false;
        for (size_t i = 0; i < f->n && !clash; i++)
            clash = f->parts[i].len && memmem(f->parts[i].data, f->parts[i].len, b, strlen(b));
        if (!clash) return;
    }
}

static void round_trip(const as_ds_form *f) {
    for (size_t i = 0; i < f->n; i++) {
        const as_ds_part *p = &f->parts[i];
        if (!plain(p->name) || !plain(p->filename) || !plain(p->content_type)) return;
        /* a content type with leading blanks reads back without them */
        if (p->content_type && (p->content_type[0] == ' ' || p->content_type[0] == '\t'))
            return;
    }
    char bnd[32], ct[64];
    fresh_boundary(f, bnd, sizeof(bnd));
    snprintf(ct, sizeof(ct), "multipart/form-data; boundary=%s", bnd);
    as_buf b;
    as_buf_init(&b, AS_BUF_UNLIMITED);
    for (size_t i = 0; i < f->n; i++) {
        const as_ds_part *p = &f->parts[i];
        as_buf_printf(&b, "--%s\r\nContent-Disposition: form-data; name=\"%s\"", bnd, p->name);
        if (p->filename) as_buf_printf(&b, "; filename=\"%s\"", p->filename);
        as_buf_puts(&b, "\r\n");
        if (p->content_type) as_buf_printf(&b, "Content-Type: %s\r\n", p->content_type);
        as_buf_puts(&b, "\r\n");
        as_buf_append(&b, p->data, p->len);
        as_buf_puts(&b, "\r\n");
    }
    as_buf_printf(&b, "--%s--\r\n", bnd);
    as_ds_form g;
    as_err err;
    if (as_ds_form_parse(ct, b.data ? b.data : "", b.len, &g, &err) != AS_OK)
        die("round trip: parse", err.msg);
    if (g.n != f->n) die("round trip: part count", NULL);
    for (size_t i = 0; i < f->n; i++) {
        const as_ds_part *p = &f->parts[i], *q = &g.parts[i];
        if (!same(p->name, q->name)) die("round trip: name", q->name);
        if (!same(p->filename, q->filename)) die("round trip: filename", q->filename);
        /* trailing blanks of a header value may go */
        if (!same(p->content_type, q->content_type)) {
            size_t a = p->content_type ? strlen(p->content_type) : 0;
            size_t c = q->content_type ? strlen(q->content_type) : 0;
            if (!p->content_type || !q->content_type || c > a ||
                strncmp(p->content_type, q->content_type, c) != 0 ||
                strspn(p->content_type + c, " \t") != a - c)
                die("round trip: content type", q->content_type);
        }
        if (p->len != q->len || memcmp(p->data, q->data, p->len) != 0)
            die("round trip: data", p->name);
    }
    as_ds_form_release(&g);
    as_buf_release(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *in = (const char *)data;
    const char *nl = memchr(in, '\n', size);
    if (!nl) return 0;
    size_t cl = (size_t)(nl - in);
    if (cl && in[cl - 1] == '\r') cl--;
    char *ct = malloc(cl + 1);
    memcpy(ct, in, cl);
    ct[cl] = '\0';
    if (strlen(ct) != cl) {               /* a NUL in the header line */
        free(ct);
        return 0;
    }
    /* the body in its own allocation, so that ASan sees reads past it */
    size_t n = size - (size_t)(nl + 1 - in);
    char *body = malloc(n ? n : 1);
    if (n) memcpy(body, nl + 1, n);

    as_ds_form f;
    as_err err;
    as_err_clear(&err);
    memset(&f, 0x5a, sizeof(f));
    as_rc rc = as_ds_form_parse(ct, body, n, &f, &err);
    if (rc != AS_OK) {
        if (rc != AS_EINVAL && rc != AS_ETOOBIG) die("unexpected code", err.msg);
        if (!err.msg[0]) die("error without a message", NULL);
        if (f.n || f.parts || f.values) die("form not empty after an error", NULL);
        as_ds_form_release(&f);
    } else {
        check_form(&f, body, n);
        round_trip(&f);
        as_ds_form_release(&f);
        if (f.n || f.parts || f.values) die("release left parts", NULL);
        as_ds_form_release(&f);           /* twice is harmless */
    }
    free(body);
    free(ct);
    return 0;
}
