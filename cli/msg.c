/*
 * msg.c - the command's one writer of messages on stderr (cli/msg.h).
 * Out of cli/main.c, the dispatcher, so that the commands which print
 * depend on this small file, not on the file that calls them.
 */
#include <stdarg.h>
#include <stdio.h>

#include "cli/msg.h"
#include "io/buf.h"

int slagg_cli_silent;

/* Every CLI message goes through here, so this is where SPEC section 6's
 * "File names and any text from the input appear in messages ... with
 * control characters escaped" is kept: the whole formatted message (one
 * line; no message carries a newline of its own) is escaped as a unit,
 * whatever the library or the CLI put in it (paths, reasons, arguments).
 * A name with ESC [2J can then never clear or rewrite the user's
 * terminal. */
void slagg_cli_error(const char *fmt, ...)
{
    va_list ap;
    slagg_buf m = {0}, e = {0};
    if (slagg_cli_silent) return;
    va_start(ap, fmt);
    slagg_buf_vprintf(&m, fmt, ap);
    va_end(ap);
    slagg_buf_puts(&e, "slagg: ");
    slagg_buf_escaped(&e, m.data, m.len);
    slagg_buf_put(&e, "\n", 1);
    if (slagg_buf_failed(&m) || slagg_buf_failed(&e))
        fputs("slagg: out of memory (a message was lost)\n", stderr);
    else
        fwrite(e.data, 1, e.len, stderr);
    slagg_buf_free(&m);
    slagg_buf_free(&e);
}
