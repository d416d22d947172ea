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
#include <stdint.h>

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

/* One file written as a stream (the partial file, io/partial_file.c): staged
 * like slagg_stage_file, appended to (and patched: slagg_stream_pwrite),
 * then fsynced and renamed into place by slagg_stream_commit. A failure
 * or slagg_stream_discard removes the staged file. */
typedef struct slagg_stream_out {
    int fd;
    char *dir;
    slagg_staged staged;
    uint64_t off;            /* bytes appended so far */
} slagg_stream_out;

/* Stages a new temporary file for path (its directory created when
 * missing). SLAGG_E_IO "PATH: reason". */
slagg_status slagg_stream_open_path(const char *path, slagg_stream_out *s, slagg_err *err);
slagg_status slagg_stream_write(slagg_stream_out *s, const void *data, size_t n, slagg_err *err);
/* Overwrites n bytes at off (< s->off). */
slagg_status slagg_stream_pwrite(slagg_stream_out *s, const void *data, size_t n, uint64_t off, slagg_err *err);
/* fsync, rename into place, fsync the directory; s is freed either way. */
slagg_status slagg_stream_commit(slagg_stream_out *s, slagg_err *err);
/* Removes the staged file (if any) and frees s. */
void slagg_stream_discard(slagg_stream_out *s);

/* Stage + commit of one file. */
slagg_status slagg_write_atomic(const char *dir, const char *name, const void *data, size_t n,
                                slagg_err *err);

#endif
