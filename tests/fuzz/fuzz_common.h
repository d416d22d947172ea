/*
 * fuzz_common.h - shared by the libFuzzer targets in tests/fuzz/ (one
 * LLVMFuzzerTestOneInput per target; STYLE.md "Tests, fuzzers").
 *
 * The readers under test take a path, so each input is written to a memfd
 * (an anonymous in-memory file) and handed over as /proc/self/fd/N: no
 * disk, no temp files left behind, and the reader's real open/read/pread
 * path runs. FUZZ_CHECK aborts (a libFuzzer crash) when a promise of the
 * reader is broken: the library must turn every bad input into an error
 * status with a message, never crash, hang or return garbage.
 * SLAGG_FUZZ_VERBOSE=1 prints each error message (to see what a seed hits).
 */
#ifndef SLAGG_TESTS_FUZZ_COMMON_H
#define SLAGG_TESTS_FUZZ_COMMON_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1   /* memfd_create */
#endif

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/error.h"

#define FUZZ_CHECK(cond)                                                      \
    do {                                                                      \
        if (!(cond)) {                                                        \
            fprintf(stderr, "%s:%d: FUZZ_CHECK failed: %s\n", __FILE__,      \
                    __LINE__, #cond);                                         \
            abort();                                                          \
        }                                                                     \
    } while (0)

/* Replaces the content of this process's memfd with data[0..size) and
 * returns its path (the same for every call). */
static inline const char *fuzz_file(const void *data, size_t size)
{
    static int fd = -1;
    static char path[64];
    if (fd < 0) {
        fd = memfd_create("slagg-fuzz", 0);
        FUZZ_CHECK(fd >= 0);
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    }
    FUZZ_CHECK(ftruncate(fd, 0) == 0);
    size_t off = 0;
    while (off < size) {
        ssize_t w = pwrite(fd, (const char *)data + off, size - off, (off_t)off);
        FUZZ_CHECK(w > 0);
        off += (size_t)w;
    }
    return path;
}

/* A failed load must say why: an input error naming the file, never an
 * I/O or internal error (the memfd is always readable) and never an empty
 * message. Out of memory is allowed (libFuzzer's -rss_limit_mb / malloc
 * limit can cause it). */
static inline void fuzz_check_error(const slagg_err *err, const char *path)
{
    static int verbose = -1;
    if (verbose < 0) verbose = getenv("SLAGG_FUZZ_VERBOSE") != NULL;
    if (verbose) fprintf(stderr, "slagg: %s\n", err->msg);
    if (err->code == SLAGG_E_NOMEM) return;
    if (err->code != SLAGG_E_INPUT) {
        fprintf(stderr, "unexpected status %d: %s\n", (int)err->code, err->msg);
        abort();
    }
    FUZZ_CHECK(strlen(err->msg) > 0);
    FUZZ_CHECK(strstr(err->msg, path) != NULL);
}

/* Little-endian stores for the targets that assemble files. */
static inline void fuzz_put16(unsigned char *p, uint16_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
}
static inline void fuzz_put32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (8 * i));
}
static inline void fuzz_put64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) p[i] = (unsigned char)(v >> (8 * i));
}
static inline uint32_t fuzz_get32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t fuzz_get64(const unsigned char *p)
{
    return (uint64_t)fuzz_get32(p) | (uint64_t)fuzz_get32(p + 4) << 32;
}

#endif
