/*
 * multipart.c - a multipart/form-data parser (RFC 7578) over a body held
 * in memory: parts point into the body, only the small header values and
 * non-file field values are copied.  Limits: AS_DS_MAX_PARTS parts, 8 KiB
 * of headers per part; fields over 1 MiB are data only (no string copy).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "assay/dataset.h"

#define MAX_PART_HEADERS 8192
#define MAX_FIELD_VALUE (1u << 20)

static const char *memmem_s(const char *h, size_t hn, const char *n, size_t nn) {
    return memmem(h, hn, n, nn);
}

/* boundary="..." or boundary=... from the Content-Type. */
static bool get_boundary(const char *ct, char *out, size_t cap) {
    const char *p = ct;
    while ((p = strcasestr(p, "boundary=")) != NULL) {
        if (p == ct || p[-1] == ';' || p[-1] == ' ' || p[-1] == '\t') break;
        p++;
    }
    if (!p) return false;
    p += 9;
    size_t n = 0;
    if (*p == '"') {
        p++;
        while (p[n] && p[n] != '"') n++;
    } else {
        while (p[n] && p[n] != ';' && p[n] != ' ' && p[n] != '\t') n++;
    }
    if (n == 0 || n > 70 || n + 1 > cap) return false;
    memcpy(out, p, n);
    out[n] = '\0';
    return true;
}

/* A parameter of a Content-Disposition header (name="x"), copied.  The
 * header is read as `type *(";" key "=" (token | quoted-string))`, so
 * that "name=" inside another parameter's quoted value (filename="a
 * name=b") is not taken for the parameter. */
static char *disp_param(const char *h, size_t hn, const char *key) {
    size_t kl = strlen(key);
    const char *p = h, *end = h + hn;
    const char *semi = memchr(p, ';', hn);       /* skip "form-data" */
    if (!semi) return NULL;
    p = semi + 1;
    while (p < end) {
        while (p < end && (*p == ' ' || *p == '\t')) p++;
        const char *k = p;
        while (p < end && *p != '=' && *p != ';') p++;
        const char *kend = p;
        while (kend > k && (kend[-1] == ' ' || kend[-1] == '\t')) kend--;
        const char *v = NULL;
        size_t n = 0;
        if (p < end && *p == '=') {
            p++;
            while (p < end && (*p == ' ' || *p == '\t')) p++;
            if (p < end && *p == '"') {
                v = ++p;
                while (p < end && *p != '"') p++;
                n = (size_t)(p - v);
                if (p < end) p++;               /* the closing quote */
                while (p < end && *p != ';') p++;
            } else {
                v = p;
                while (p < end && *p != ';') p++;
                n = (size_t)(p - v);
                while (n && (v[n - 1] == ' ' || v[n - 1] == '\t')) n--;
            }
        }
        if (p < end) p++;                       /* the ';' */
        if (v && (size_t)(kend - k) == kl && strncasecmp(k, key, kl) == 0) {
            char *s = malloc(n + 1);
            if (!s) return NULL;
            memcpy(s, v, n);
            s[n] = '\0';
            return s;
        }
    }
    return NULL;
}

static char *header_value(const char *hdrs, size_t hn, const char *name, size_t *vlen,
                          const char **vstart) {
    size_t nl = strlen(name);
    const char *p = hdrs, *end = hdrs + hn;
    while (p < end) {
        const char *eol = memmem_s(p, (size_t)(end - p), "\r\n", 2);
        if (!eol) eol = end;
        if ((size_t)(eol - p) > nl && strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
            const char *v = p + nl + 1;
            while (v < eol && (*v == ' ' || *v == '\t')) v++;
            *vstart = v;
            *vlen = (size_t)(eol - v);
            char *s = malloc(*vlen + 1);
            memcpy(s, v, *vlen);
            s[*vlen] = '\0';
            return s;
        }
        if (eol == end) break;            /* not eol + 2: past the end */
        p = eol + 2;
    }
    return NULL;
}

void as_ds_form_release(as_ds_form *f) {
    for (size_t i = 0; i < f->n; i++) {
        free(f->parts[i].name);
        free(f->parts[i].filename);
        free(f->parts[i].content_type);
        if (f->values) free(f->values[i]);
    }
    free(f->parts);
    free(f->values);
    memset(f, 0, sizeof(*f));
}

as_rc as_ds_form_parse(const char *ct, const char *body, size_t n, as_ds_form *f,
                       as_err *err) {
    memset(f, 0, sizeof(*f));
    char bnd[80], delim[90];
    if (!ct || !get_boundary(ct, bnd, sizeof(bnd)))
        return as_err_set(err, AS_EINVAL, "multipart/form-data without a boundary parameter");
    size_t dl = (size_t)snprintf(delim, sizeof(delim), "\r\n--%s", bnd);
    /* the first delimiter may sit at the very start (no CRLF before it) */
    const char *p;
    if (n >= dl - 2 && memcmp(body, delim + 2, dl - 2) == 0) p = body + dl - 2;
    else {
        p = memmem_s(body, n, delim, dl);
        if (!p) return as_err_set(err, AS_EINVAL, "multipart body: no boundary line");
        p += dl;
    }
    const char *end = body + n;
    size_t cap = 0;
    for (;;) {
        if (end - p >= 2 && p[0] == '-' && p[1] == '-') return AS_OK;   /* final */
        while (p < end && (*p == ' ' || *p == '\t')) p++;
        if (end - p < 2 || p[0] != '\r' || p[1] != '\n') break;
        p += 2;
        const char *hend = memmem_s(p, (size_t)(end - p), "\r\n\r\n", 4);
        if (!hend || hend - p > MAX_PART_HEADERS) {
            as_ds_form_release(f);
            return as_err_set(err, AS_EINVAL, "multipart part %zu: headers do not end", f->n);
        }
        const char *data = hend + 4;
        const char *next = memmem_s(data, (size_t)(end - data), delim, dl);
        if (!next) {
            as_ds_form_release(f);
            return as_err_set(err, AS_EINVAL, "multipart part %zu: no closing boundary", f->n);
        }
        if (f->n == AS_DS_MAX_PARTS) {
            as_ds_form_release(f);
            return as_err_set(err, AS_ETOOBIG, "multipart body has more than %d parts",
                              AS_DS_MAX_PARTS);
        }
        if (f->n == cap) {
            cap = cap ? cap * 2 : 16;
            f->parts = realloc(f->parts, cap * sizeof(*f->parts));
            f->values = realloc(f->values, cap * sizeof(*f->values));
        }
        as_ds_part *part = &f->parts[f->n];
        memset(part, 0, sizeof(*part));
        f->values[f->n] = NULL;
        f->n++;
        size_t hn = (size_t)(hend - p) + 2, vl;
        const char *vs;
        char *disp = header_value(p, hn, "Content-Disposition", &vl, &vs);
        if (disp) {
            part->name = disp_param(vs, vl, "name");
            part->filename = disp_param(vs, vl, "filename");
            free(disp);
        }
        part->content_type = header_value(p, hn, "Content-Type", &vl, &vs);
        if (!part->name) {
            as_ds_form_release(f);
            return as_err_set(err, AS_EINVAL, "multipart part %zu has no form field name",
                              f->n - 1);
        }
        part->data = data;
        part->len = (size_t)(next - data);
        /* small non-file fields get a NUL-terminated copy; a large
         * part without a filename is data only (as_ds_form_file) */
        if (!part->filename && part->len <= MAX_FIELD_VALUE) {
            char *v = malloc(part->len + 1);
            memcpy(v, data, part->len);
            v[part->len] = '\0';
            f->values[f->n - 1] = v;
        }
        p = next + dl;
    }
    as_ds_form_release(f);
    return as_err_set(err, AS_EINVAL, "multipart body: malformed boundary line");
}

const char *as_ds_form_get(const as_ds_form *f, const char *name) {
    for (size_t i = 0; i < f->n; i++)
        if (strcmp(f->parts[i].name, name) == 0) return f->values[i];
    return NULL;
}

size_t as_ds_form_all(const as_ds_form *f, const char *name, const char **out, size_t max) {
    size_t k = 0;
    for (size_t i = 0; i < f->n && k < max; i++)
        if (strcmp(f->parts[i].name, name) == 0 && f->values[i]) out[k++] = f->values[i];
    return k;
}

const as_ds_part *as_ds_form_file(const as_ds_form *f, const char *name) {
    for (size_t i = 0; i < f->n; i++)
        if (strcmp(f->parts[i].name, name) == 0) return &f->parts[i];
    return NULL;
}
