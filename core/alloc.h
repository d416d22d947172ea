/*
 * alloc.h - every heap allocation of slagg goes through here.
 *
 * One place so that the allocator is a build choice (the binary links
 * jemalloc, which replaces malloc) and so that allocation failure can be
 * injected by tests: slagg_alloc_fail_after(N) makes the N+1-th allocation
 * from then on fail (the CLI calls it for SLAGG_TEST_FAIL_ALLOC_AFTER=N).
 * All functions return NULL on failure and never abort. (zstd allocations.h)
 */
#ifndef SLAGG_CORE_ALLOC_H
#define SLAGG_CORE_ALLOC_H

#include <stddef.h>

void *slagg_malloc(size_t n);
void *slagg_calloc(size_t count, size_t size);   /* checks count*size overflow */
void *slagg_realloc(void *p, size_t n);
/* realloc of an array of count elements of size bytes, overflow-checked */
void *slagg_reallocarray(void *p, size_t count, size_t size);
char *slagg_strndup(const char *s, size_t n);     /* always NUL-terminates */
void slagg_free(void *p);
/* Test hook: after n more allocations succeed, the next one fails (once);
 * n < 0 turns it off. */
void slagg_alloc_fail_after(long long n);

/* Zeroed memory for big tables hit at random (the shard engine's rings and
 * counters): whole pages, 2 MiB-aligned and advised for transparent huge
 * pages, so random accesses miss the TLB far less. count*size is
 * overflow-checked; free with slagg_free_table and the same count, size. */
void *slagg_calloc_table(size_t count, size_t size);
void slagg_free_table(void *p, size_t count, size_t size);

#endif
