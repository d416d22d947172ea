/*
 * common.h - helpers shared by the subcommands.
 */
#ifndef SLAGG_CLI_COMMON_H
#define SLAGG_CLI_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "core/rejects.h"

typedef struct slagg_path_list {
    char **v;
    size_t n, cap;
} slagg_path_list;

int slagg_path_push(slagg_path_list *l, const char *s);
void slagg_path_list_free(slagg_path_list *l);

/* Appends path to out; a directory adds its regular, non-hidden files,
 * sorted by name. Returns 0, or an exit code after printing the error. */
int slagg_cli_expand_input(slagg_path_list *out, const char *path);

/* Writes the rejects file (CSV file,line,reason) atomically. Returns 0 or
 * an exit code after printing the error. */
int slagg_cli_write_rejects(const char *path, const char *const *inputs, const slagg_rejects *rj);

/* Names the first rejected rows on stderr; returns -1 (after saying so)
 * when there are more than max. */
int slagg_cli_report_rejects(const char *const *inputs, const slagg_rejects *rj, uint64_t max,
                             int have_file);

#endif
