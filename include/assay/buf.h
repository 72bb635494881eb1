/*
 * buf.h - a growable byte buffer with a hard cap (after curl's dynbuf).
 *
 * Invariants: data is NUL-terminated whenever data != NULL; len never
 * exceeds max.  Appending past max fails with AS_ETOOBIG and leaves the
 * buffer unchanged, so a buffer doubles as a guard against hostile input.
 * Lifecycle: as_buf_init (no allocation) -> appends -> as_buf_release
 * (frees, back to the init state) or as_buf_detach (caller owns data).
 */
#ifndef ASSAY_BUF_H
#define ASSAY_BUF_H

#include "assay/common.h"

typedef struct as_buf {
    char *data;
    size_t len;
    size_t cap;
    size_t max;
} as_buf;

#define AS_BUF_UNLIMITED ((size_t)-1)

void as_buf_init(as_buf *b, size_t max);
void as_buf_release(as_buf *b);
void as_buf_reset(as_buf *b);                   /* len = 0, keep memory */
char *as_buf_detach(as_buf *b, size_t *len);    /* caller frees */

as_rc as_buf_append(as_buf *b, const void *p, size_t n);
/* Make room for n more bytes without changing the content (pre-sizing). */
as_rc as_buf_reserve(as_buf *b, size_t n);
as_rc as_buf_puts(as_buf *b, const char *s);
as_rc as_buf_putc(as_buf *b, char c);
as_rc as_buf_printf(as_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Append s as a JSON string literal (with quotes, escaped: '"', '\\',
 * \n \r \t, other bytes below 0x20 as \u00XX; all else as is). */
as_rc as_buf_json_str(as_buf *b, const char *s, size_t n);
/* The same without the quotes. */
as_rc as_buf_json_chars(as_buf *b, const char *s, size_t n);

/* A non-owning view of bytes (like h2o_iovec_t / ngx_str_t). */
typedef struct as_slice {
    const char *p;
    size_t n;
} as_slice;

#define AS_SLICE_LIT(s) ((as_slice){ (s), sizeof(s) - 1 })
bool as_slice_eq(as_slice s, const char *lit);

#endif
