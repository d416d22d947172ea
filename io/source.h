/*
 * source.h - a byte stream from a file or standard input, transparently
 * zstd-decompressed.
 *
 * SPEC section 3: "Any input may be zstd-compressed ... told by content,
 * not by file name: zstd by its magic bytes". The first bytes are peeked:
 * a zstd frame (28 B5 2F FD) or a skippable frame (5? 2A 4D 18) switches
 * the stream to streaming decompression (ZSTD_decompressStream), which
 * handles several concatenated frames. Memory stays bounded whatever the
 * compression ratio (a zstd bomb only produces a long stream).
 */
#ifndef SLAGG_IO_SOURCE_H
#define SLAGG_IO_SOURCE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/error.h"

typedef struct slagg_source slagg_source;

/* Opens path; "-" means standard input (never closed by slagg_source_close).
 * Errors: SLAGG_E_IO when the file cannot be opened or is a directory
 * (message: "PATH: reason"), SLAGG_E_NOMEM. */
slagg_status slagg_source_open(const char *path, slagg_source **out, slagg_err *err);

/* Opens the regular file path at byte offset, for one piece of a file
 * split between threads (io/pack.c): nothing is peeked; zstd = 1 when the
 * offset is the start of a zstd frame (the stream decompresses from
 * there), 0 for a plain file. The caller has opened the file from its
 * start first and knows which. Errors as slagg_source_open. */
slagg_status slagg_source_open_at(const char *path, uint64_t offset, int zstd, slagg_source **out,
                                 slagg_err *err);

/* Reads up to cap decompressed bytes into buf. Returns the count (> 0),
 * 0 at the end of the stream, or -1 with err set: SLAGG_E_IO for a read
 * failure, SLAGG_E_INPUT for corrupt or truncated zstd data ("PATH: corrupt
 * zstd data: ..." / "PATH: truncated zstd frame"). */
ssize_t slagg_source_read(slagg_source *s, void *buf, size_t cap, slagg_err *err);

/* Pushes n decoded bytes back in front of the stream: the next reads return
 * them first (the record reader peeks to tell CSV from NDJSON). Errors:
 * SLAGG_E_NOMEM. */
slagg_status slagg_source_unread(slagg_source *s, const void *buf, size_t n, slagg_err *err);

/* How many input files this process may hold open at once: the soft
 * RLIMIT_NOFILE less a reserve of 16 (stdio, outputs, the run's lock,
 * libraries), at least 1, at most 4096. The engines size their pools of
 * open inputs and their reader counts by it, so that the number of open
 * files never limits how many inputs a run takes (SPEC 6). */
unsigned slagg_input_fd_budget(void);

/* The path as given, or "<stdin>" for "-". */
const char *slagg_source_name(const slagg_source *s);
/* 1 when the stream is zstd-compressed (known after open). */
int slagg_source_is_zstd(const slagg_source *s);
/* 1 when the stream is standard input. */
int slagg_source_is_stdin(const slagg_source *s);
/* Compressed bytes consumed so far from the underlying file (for progress). */
uint64_t slagg_source_raw_bytes(const slagg_source *s);

void slagg_source_close(slagg_source *s);

#endif
