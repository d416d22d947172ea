/*
 * opts.h - a small long-option parser shared by the subcommands:
 * "--name value", "--name=value", flags without a value, "--" ending the
 * options, and positional arguments collected in order.
 */
#ifndef SLAGG_CLI_OPTS_H
#define SLAGG_CLI_OPTS_H

#include <stddef.h>
#include <stdint.h>

typedef struct slagg_opt {
    const char *name;   /* without the dashes */
    int takes_value;    /* 1: "--name value" or "--name=value"; 2: optional, only "--name=value"
                         * (bare: value is slagg_opt_bare) */
    const char *value;  /* set when seen (flags: "1") */
    char short_name;    /* e.g. 'h', or 0 */
} slagg_opt;

/* The value of a takes_value 2 option given without "=value". */
extern const char slagg_opt_bare[];

/* Parses argv[1..argc). Fills opts[i].value and pos (at most max_pos).
 * Returns 0, or -1 after printing "slagg CMD: ..." for an unknown option
 * or a missing value. */
int slagg_opts_parse(const char *cmd, int argc, char **argv, slagg_opt *opts, size_t n_opts,
                     const char **pos, size_t max_pos, size_t *n_pos);

/* Looks a parsed option up by name; NULL when not given. */
const char *slagg_opt_get(const slagg_opt *opts, size_t n_opts, const char *name);

/* Parses a non-negative decimal integer <= max. Returns 0 or -1. */
int slagg_parse_u64(const char *s, uint64_t max, uint64_t *out);

#endif
