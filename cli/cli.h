/*
 * cli.h - the slagg subcommands. Each takes the arguments after its name
 * (argv[0] is the command name) and returns the process exit code
 * (SPEC section 6: 0 ok, 1 usage, 2 input, 3 internal/I-O).
 */
#ifndef SLAGG_CLI_CLI_H
#define SLAGG_CLI_CLI_H

int slagg_cmd_fold(int argc, char **argv);
int slagg_cmd_export(int argc, char **argv);
int slagg_cmd_inspect(int argc, char **argv);
int slagg_cmd_gen(int argc, char **argv);
int slagg_cmd_pack(int argc, char **argv);
int slagg_cmd_cat(int argc, char **argv);
int slagg_cmd_merge(int argc, char **argv);

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
