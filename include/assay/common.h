/*
 * common.h - the one error convention of the assay library.
 *
 * Every fallible function returns an as_rc (AS_OK is 0) and, when it fails,
 * writes a human-readable message into the caller's as_err.  The message
 * names the problem and where it is ("span 3: trace_id must be 16 bytes").
 * Callers that do not care about the text may pass NULL for the as_err.
 * Front ends map codes to their own world in one place (HTTP statuses in
 * src/server/reply.c, exit codes in src/cli/main.c).
 */
#ifndef ASSAY_COMMON_H
#define ASSAY_COMMON_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum as_rc {
    AS_OK = 0,
    AS_EINVAL,       /* malformed input: bad syntax, bad ids, bad values  */
    AS_ENOTFOUND,    /* the named thing does not exist                    */
    AS_ECONFLICT,    /* it exists already / violates a uniqueness rule    */
    AS_ETOOBIG,      /* over a size or depth limit                        */
    AS_EUNSUPPORTED, /* content type / encoding / feature not supported   */
    AS_EFULL,        /* a bounded queue is full: retry later              */
    AS_EUNPROCESSABLE, /* well-formed but semantically invalid            */
    AS_EFORBIDDEN,   /* not allowed (e.g. deleting the default project)   */
    AS_EIO,          /* file system or socket failure                     */
    AS_EDB,          /* storage engine failure                            */
    AS_ESHUTDOWN,    /* the component is stopping                         */
    AS_EINTERNAL     /* a bug: an invariant did not hold                  */
} as_rc;

#define AS_ERR_MSG_MAX 512

typedef struct as_err {
    as_rc code;
    char msg[AS_ERR_MSG_MAX];
} as_err;

/* Record code and a printf-style message in err (if non-NULL); returns code
 * so that callers can write `return as_err_set(err, AS_EINVAL, "...")`. */
as_rc as_err_set(as_err *err, as_rc code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
as_rc as_err_vset(as_err *err, as_rc code, const char *fmt, va_list ap);

/* Prefix the message already in err with more context ("line 3: " + msg). */
void as_err_prefix(as_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

void as_err_clear(as_err *err);

/* Stable lower-case name of a code, e.g. "invalid_argument". */
const char *as_rc_name(as_rc rc);

#define AS_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define AS_UNUSED(x) ((void)(x))

#endif
