#include "core/buckets.h"

#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/hash.h"

static inline uint64_t key_hash(uint32_t account, int64_t window)
{
    return slagg_mix64(((uint64_t)account << 40) ^ (uint64_t)window);
}

int slagg_buckets_init(slagg_buckets *b)
{
    b->mask = 1023;
    b->n = 0;
    b->slot = slagg_calloc(b->mask + 1, sizeof *b->slot);
    return b->slot ? 0 : -1;
}

void slagg_buckets_free(slagg_buckets *b)
{
    slagg_free(b->slot);
    b->slot = NULL;
    b->n = 0;
}

static int grow(slagg_buckets *b)
{
    size_t ncap = (b->mask + 1) * 2;
    slagg_bucket *ns = slagg_calloc(ncap, sizeof *ns);
    if (!ns) return -1;
    for (size_t i = 0; i <= b->mask; i++) {
        const slagg_bucket *e = &b->slot[i];
        if (!e->used) continue;
        size_t j = key_hash(e->account, e->window) & (ncap - 1);
        while (ns[j].used) j = (j + 1) & (ncap - 1);
        ns[j] = *e;
    }
    slagg_free(b->slot);
    b->slot = ns;
    b->mask = ncap - 1;
    return 0;
}

uint64_t *slagg_buckets_get(slagg_buckets *b, uint32_t account, int64_t window)
{
    size_t i = key_hash(account, window) & b->mask;
    for (;;) {
        slagg_bucket *e = &b->slot[i];
        if (!e->used) break;
        if (e->account == account && e->window == window) return e->cls;
        i = (i + 1) & b->mask;
    }
    /* new entry: keep the load factor at most 1/2 */
    if ((b->n + 1) * 2 > b->mask + 1) {
        if (grow(b) != 0) return NULL;
        i = key_hash(account, window) & b->mask;
        while (b->slot[i].used) i = (i + 1) & b->mask;
    }
    slagg_bucket *e = &b->slot[i];
    e->used = 1;
    e->account = account;
    e->window = window;
    b->n++;
    return e->cls;
}

int slagg_buckets_merge(slagg_buckets *dst, const slagg_buckets *src)
{
    for (size_t i = 0; i <= src->mask; i++) {
        const slagg_bucket *e = &src->slot[i];
        if (!e->used) continue;
        uint64_t *c = slagg_buckets_get(dst, e->account, e->window);
        if (!c) return -1;
        for (int k = 0; k < SLAGG_CLASS_COUNT; k++) c[k] += e->cls[k];
    }
    return 0;
}

static int bucket_cmp(const void *pa, const void *pb)
{
    const slagg_bucket *a = pa, *b = pb;
    if (a->account != b->account) return a->account < b->account ? -1 : 1;
    return (a->window > b->window) - (a->window < b->window);
}

size_t slagg_buckets_sort(slagg_buckets *b)
{
    size_t k = 0;
    for (size_t i = 0; i <= b->mask; i++)
        if (b->slot[i].used) b->slot[k++] = b->slot[i];
    qsort(b->slot, k, sizeof *b->slot, bucket_cmp);
    return k;
}
