/*
 * common.h - helpers shared by the subcommands.
 */
#ifndef SLAGG_CLI_COMMON_H
#define SLAGG_CLI_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "core/rejects.h"
#include "core/strv.h"

/* Input paths and skipped names: core/strv.h's list (slagg_strv_push,
 * slagg_strv_free). */
typedef slagg_strv slagg_path_list;

/* Appends INPUT path to out (SPEC 3): a file or '-' as given; a directory
 * its regular files, recursively (symlinks followed), in bytewise order
 * of their full paths. Names beginning with '.' (one entry for a hidden
 * directory) and entries that are neither files nor directories are not
 * read: they are appended to skipped and named on stderr. A directory
 * reached twice (a loop) is an input error. Returns 0, or an exit code
 * after printing the error (2 for a directory that holds no input file). */
int slagg_cli_expand_input(slagg_path_list *out, slagg_path_list *skipped, const char *path);

/* Exit 2 (after naming both as given) when two entries of in are the same
 * file (st_dev, st_ino after symlinks; '-' is fstat(0)): SPEC 3, an input
 * given twice is never counted twice. from (may be NULL) names the
 * argument each entry came from, shown when it was a directory. Entries
 * that cannot be stat'ed are left to their reader. Returns 0 or an exit
 * code. */
int slagg_cli_check_distinct(const slagg_path_list *in, const char *const *from);

/* slagg_cli_expand_input over every argument, then
 * slagg_cli_check_distinct over the result. */
int slagg_cli_expand_all(const char *const *pos, size_t n_pos, slagg_path_list *out,
                         slagg_path_list *skipped);

/* Writes the rejects file (CSV file,line,reason) atomically. Returns 0 or
 * an exit code after printing the error. */
int slagg_cli_write_rejects(const char *path, const char *const *inputs, const slagg_rejects *rj);

/* Names the first rejected rows on stderr; returns -1 (after saying so)
 * when there are more than max. */
int slagg_cli_report_rejects(const char *const *inputs, const slagg_rejects *rj, uint64_t max,
                             int have_file);

#endif
