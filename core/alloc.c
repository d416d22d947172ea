#include "core/alloc.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Failure injection for tests: -1 = off; read lazily from the environment. */
static atomic_llong fail_after = -2;

static int alloc_should_fail(void)
{
    long long v = atomic_load_explicit(&fail_after, memory_order_relaxed);
    if (v == -2) {
        const char *s = getenv("SLAGG_TEST_FAIL_ALLOC_AFTER");
        v = s ? strtoll(s, NULL, 10) : -1;
        atomic_store(&fail_after, v);
    }
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
