/*
 * error.h - the one error record every internal function fills.
 *
 * The library never prints and never exits (STYLE.md, "Names and errors"):
 * a failing function returns a status code and writes a message that names
 * the file, the line and the reason into a slagg_err the caller owns. The
 * CLI prints err.msg and maps err.code to an exit code (SPEC section 6).
 */
#ifndef SLAGG_CORE_ERROR_H
#define SLAGG_CORE_ERROR_H

#include <stdarg.h>
#include "slagg/slagg.h"

typedef struct slagg_err {
    slagg_status code;  /* SLAGG_OK while nothing failed */
    char msg[1024];     /* "FILE:LINE: reason" or a plain sentence */
} slagg_err;

/* Sets err (if not NULL) and returns code, so callers can write
 * `return slagg_err_set(err, SLAGG_E_INPUT, "%s:%llu: bad date", ...);` */
slagg_status slagg_err_set(slagg_err *err, slagg_status code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* The status of a failed open() of a file slagg was asked to read, from
 * its errno: ENOENT or ENOTDIR (no such file: a wrong name on the command
 * line) is an input error (exit 2, issue 15), anything else (permissions,
 * too many open files, a failing disk) an I/O error (exit 3). */
slagg_status slagg_open_status(int errnum);

#endif
