/*
 * err.c - the as_err message channel (see include/assay/common.h).
 */
#include <stdio.h>
#include <string.h>

#include "assay/common.h"
#include "assay/utf8.h"

as_rc as_err_vset(as_err *err, as_rc code, const char *fmt, va_list ap) {
    if (err) {
        err->code = code;
        int n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
        if (n >= (int)sizeof(err->msg))          /* cut: not inside a character */
            err->msg[as_utf8_trim_partial(err->msg, sizeof(err->msg) - 1)] = '\0';
    }
    return code;
}

as_rc as_err_set(as_err *err, as_rc code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    as_err_vset(err, code, fmt, ap);
    va_end(ap);
    return code;
}

void as_err_prefix(as_err *err, const char *fmt, ...) {
    if (!err) return;
    char head[AS_ERR_MSG_MAX], old[AS_ERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    if (vsnprintf(head, sizeof(head), fmt, ap) >= (int)sizeof(head))
        head[as_utf8_trim_partial(head, sizeof(head) - 1)] = '\0';
    va_end(ap);
    memcpy(old, err->msg, sizeof(old));
    size_t hl = strlen(head), ol = strlen(old);
    if (hl > sizeof(err->msg) - 1) hl = as_utf8_prefix_len(head, hl, sizeof(err->msg) - 1);
    if (ol > sizeof(err->msg) - 1 - hl) ol = as_utf8_prefix_len(old, ol, sizeof(err->msg) - 1 - hl);
    memcpy(err->msg, head, hl);
    memcpy(err->msg + hl, old, ol);
    err->msg[hl + ol] = '\0';
}

void as_err_clear(as_err *err) {
    if (err) { err->code = AS_OK; err->msg[0] = '\0'; }
}

const char *as_rc_name(as_rc rc) {
    static const char *const names[] = {
        [AS_OK] = "ok",
        [AS_EINVAL] = "invalid_argument",
        [AS_ENOTFOUND] = "not_found",
        [AS_ECONFLICT] = "conflict",
        [AS_ETOOBIG] = "too_large",
        [AS_EUNSUPPORTED] = "unsupported",
        [AS_EFULL] = "queue_full",
        [AS_EUNPROCESSABLE] = "unprocessable",
        [AS_EFORBIDDEN] = "forbidden",
        [AS_EIO] = "io_error",
        [AS_EDB] = "storage_error",
        [AS_ESHUTDOWN] = "shutting_down",
        [AS_EINTERNAL] = "internal_error",
    };
    if ((size_t)rc < AS_ARRAY_LEN(names) && names[rc]) return names[rc];
    return "unknown_error";
}
