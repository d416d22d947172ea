/*
 * msg.c - the command's one writer of messages on stderr (cli/msg.h).
 * Out of cli/main.c, the dispatcher, so that the commands which print
 * depend on this small file, not on the file that calls them.
 */
#include <stdarg.h>
#include <stdio.h>

#include "cli/msg.h"

int slagg_cli_silent;

void slagg_cli_error(const char *fmt, ...)
{
    va_list ap;
    if (slagg_cli_silent) return;
    fputs("slagg: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}
