#include "core/alloc.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* Failure injection for tests: -1 = off (set by slagg_alloc_fail_after;
 * the library reads no environment, the CLI passes its variable on). */
static atomic_llong fail_after = -1;

void slagg_alloc_fail_after(long long n)
{
    atomic_store(&fail_after, n < 0 ? -1 : n);
}

static int alloc_should_fail(void)
{
    long long v = atomic_load_explicit(&fail_after, memory_order_relaxed);
    if (v < 0) return 0;
    return atomic_fetch_sub(&fail_after, 1) <= 0;
}

void *slagg_malloc(size_t n)
{
    if (alloc_should_fail()) return NULL;
    return malloc(n ? n : 1);
}

void *slagg_calloc(size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size) return NULL;
    if (alloc_should_fail()) return NULL;
    return calloc(count ? count : 1, size ? size : 1);
}

void *slagg_realloc(void *p, size_t n)
{
    if (alloc_should_fail()) return NULL;
    return realloc(p, n ? n : 1);
}

void *slagg_reallocarray(void *p, size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size) return NULL;
    return slagg_realloc(p, count * size);
}

char *slagg_strndup(const char *s, size_t n)
{
    char *d = slagg_malloc(n + 1);
    if (!d) return NULL;
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

void slagg_free(void *p) { free(p); }

#define TABLE_ALIGN ((size_t)2 << 20)

static size_t table_len(size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size) return 0;
    size_t n = count * size;
    if (n > SIZE_MAX - 2 * TABLE_ALIGN) return 0;
    return (n + TABLE_ALIGN - 1) & ~(TABLE_ALIGN - 1);
}

void *slagg_calloc_table(size_t count, size_t size)
{
    size_t len = table_len(count ? count : 1, size ? size : 1);
    if (!len || alloc_should_fail()) return NULL;
    /* map one alignment unit more, then trim to a 2 MiB boundary */
    unsigned char *m = mmap(NULL, len + TABLE_ALIGN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) return NULL;
    uintptr_t at = ((uintptr_t)m + TABLE_ALIGN - 1) & ~(uintptr_t)(TABLE_ALIGN - 1);
    unsigned char *p = (unsigned char *)at;
    if (p > m) munmap(m, (size_t)(p - m));
    if (p + len < m + len + TABLE_ALIGN) munmap(p + len, (size_t)(m + len + TABLE_ALIGN - (p + len)));
#ifdef MADV_HUGEPAGE
    (void)madvise(p, len, MADV_HUGEPAGE);   /* advice only: fine if refused */
#endif
    return p;
}

void slagg_free_table(void *p, size_t count, size_t size)
{
    if (!p) return;
    munmap(p, table_len(count ? count : 1, size ? size : 1));
}
