/*
 * strv.h - a growable list of owned strings (input paths, skipped names,
 * partials): the one copy the job (core/engine/job.c) and the CLI's input
 * expansion (cli/common.c) both use.
 */
#ifndef SLAGG_CORE_STRV_H
#define SLAGG_CORE_STRV_H

#include <stddef.h>

typedef struct slagg_strv {
    char **v;
    size_t n, cap;
} slagg_strv;

/* Appends a copy of s. Returns 0, or -1 when out of memory (l unchanged). */
int slagg_strv_push(slagg_strv *l, const char *s);
/* Frees every string and the array; l is left empty, ready for reuse. */
void slagg_strv_free(slagg_strv *l);

#endif
