/*
 * output.h - atomic output files (SPEC section 6: "temporary file, fsync,
 * rename: a crash or kill never leaves a half-written export, and a failed
 * run leaves the previous outputs untouched").
 *
 * One file at a time (--partial, --rejects): staged as DIR/.NAME.tmp-XXXXXX,
 * written in full and fsynced, renamed into place, the directory fsynced.
 * Any failure before the rename removes the staged file. Temporary names
 * start with '.' and contain ".tmp-", so no reader mistakes one for an
 * output. The outputs of a fold, merge or export are several files that
 * must change together: io/generation.h commits them as one generation.
 */
#ifndef SLAGG_IO_OUTPUT_H
#define SLAGG_IO_OUTPUT_H

#include <stddef.h>

#include "core/error.h"

typedef struct slagg_staged {
    char *tmp_path;
    char *final_path;
} slagg_staged;

/* Creates dir and its parents when missing (mode 0755). */
slagg_status slagg_mkdir_p(const char *dir, slagg_err *err);

/* Writes data to a new temporary file in dir and fsyncs it. SLAGG_E_IO
 * with "DIR/NAME: reason" on failure (nothing left behind). */
slagg_status slagg_stage_file(const char *dir, const char *name, const void *data, size_t n,
                              slagg_staged *out, slagg_err *err);
/* Renames every staged file into place, then fsyncs dir. */
slagg_status slagg_commit_staged(const char *dir, slagg_staged *files, size_t n, slagg_err *err);
/* Removes staged temporaries (those not committed) and frees the paths. */
void slagg_discard_staged(slagg_staged *files, size_t n);

/* slagg_write_atomic for a path: its directory is the part before the
 * last '/' ("." without one), created when missing (--partial, --rejects).
 * SLAGG_E_IO "PATH: needs a file name" for a path ending in '/'. */
slagg_status slagg_write_atomic_path(const char *path, const void *data, size_t n, slagg_err *err);

/* Stage + commit of one file. */
slagg_status slagg_write_atomic(const char *dir, const char *name, const void *data, size_t n,
                                slagg_err *err);

#endif
