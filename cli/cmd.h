/*
 * cmd.h - the slagg subcommands, which cli/main.c dispatches to; each is
 * defined in a cli/cmd_*.c. Each takes the arguments after its name
 * (argv[0] is the command name) and returns the process exit code
 * (SPEC section 6: 0 ok, 1 usage, 2 input, 3 internal/I-O). Messages:
 * cli/msg.h.
 */
#ifndef SLAGG_CLI_CMD_H
#define SLAGG_CLI_CMD_H

int slagg_cmd_fold(int argc, char **argv);
int slagg_cmd_export(int argc, char **argv);
int slagg_cmd_inspect(int argc, char **argv);
int slagg_cmd_gen(int argc, char **argv);
int slagg_cmd_pack(int argc, char **argv);
int slagg_cmd_cat(int argc, char **argv);
int slagg_cmd_merge(int argc, char **argv);
int slagg_cmd_periods(int argc, char **argv);  /* cli/cmd_view.c */
int slagg_cmd_windows(int argc, char **argv);  /* cli/cmd_view.c */
int slagg_cmd_report(int argc, char **argv);
int slagg_cmd_ledger(int argc, char **argv);

#endif
