/*
 * msg.h - messages of the slagg command on stderr (cli/msg.c).
 */
#ifndef SLAGG_CLI_MSG_H
#define SLAGG_CLI_MSG_H

/* When set, slagg_cli_error prints nothing: MPI ranks other than 0, whose
 * messages rank 0 prints (cli/mpi.c). */
extern int slagg_cli_silent;

/* Prints "slagg: " + message + newline on stderr (unless slagg_cli_silent). */
void slagg_cli_error(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

#endif
