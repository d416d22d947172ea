#include "core/error.h"

#include <errno.h>
#include <stdio.h>

slagg_status slagg_open_status(int errnum)
{
    return errnum == ENOENT || errnum == ENOTDIR ? SLAGG_E_INPUT : SLAGG_E_IO;
}

slagg_status slagg_err_set(slagg_err *err, slagg_status code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        err->code = code;
    }
    return code;
}
