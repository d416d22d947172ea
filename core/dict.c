#include "core/dict.h"

#include <string.h>

#include "core/alloc.h"
#include "core/hash.h"

struct slagg_dict {
    uint32_t *slots;   /* id + 1, 0 = empty */
    size_t mask;
    char **names;
    size_t *lens;
    uint64_t *hashes;
    uint32_t n, cap;
};

slagg_dict *slagg_dict_new(void)
{
    slagg_dict *d = slagg_calloc(1, sizeof *d);
    if (!d) return NULL;
    d->slots = slagg_calloc(64, sizeof *d->slots);
    if (!d->slots) {
        slagg_free(d);
        return NULL;
    }
    d->mask = 63;
    return d;
}

void slagg_dict_free(slagg_dict *d)
{
    if (!d) return;
    for (uint32_t i = 0; i < d->n; i++) slagg_free(d->names[i]);
    slagg_free(d->names);
    slagg_free(d->lens);
    slagg_free(d->hashes);
    slagg_free(d->slots);
    slagg_free(d);
}

static uint32_t probe(const slagg_dict *d, const char *s, size_t n, uint64_t h, size_t *slot)
{
    size_t i = h & d->mask;
    for (;;) {
        uint32_t v = d->slots[i];
        if (v == 0) {
            *slot = i;
            return SLAGG_DICT_NONE;
        }
        uint32_t id = v - 1;
        if (d->hashes[id] == h && d->lens[id] == n && memcmp(d->names[id], s, n) == 0) {
            *slot = i;
            return id;
        }
        i = (i + 1) & d->mask;
    }
}

static int grow(slagg_dict *d)
{
    size_t ncap = (d->mask + 1) * 2;
    uint32_t *ns = slagg_calloc(ncap, sizeof *ns);
    if (!ns) return -1;
    for (uint32_t id = 0; id < d->n; id++) {
        size_t i = d->hashes[id] & (ncap - 1);
        while (ns[i]) i = (i + 1) & (ncap - 1);
        ns[i] = id + 1;
    }
    slagg_free(d->slots);
    d->slots = ns;
    d->mask = ncap - 1;
    return 0;
}

uint32_t slagg_dict_intern(slagg_dict *d, const char *s, size_t n)
{
    uint64_t h = slagg_hash_bytes(s, n);
    size_t slot;
    uint32_t id = probe(d, s, n, h, &slot);
    if (id != SLAGG_DICT_NONE) return id;
    if (d->n == UINT32_MAX - 1) return SLAGG_DICT_NONE;
    /* keep the load factor at most 1/2 so probes stay short and terminate */
    if ((size_t)(d->n + 1) * 2 > d->mask + 1) {
        if (grow(d) != 0) return SLAGG_DICT_NONE;
        probe(d, s, n, h, &slot);
    }
    if (d->n == d->cap) {
        uint32_t nc = d->cap ? d->cap * 2 : 16;
        char **nn = slagg_reallocarray(d->names, nc, sizeof *nn);
        if (!nn) return SLAGG_DICT_NONE;
        d->names = nn;
        size_t *nl = slagg_reallocarray(d->lens, nc, sizeof *nl);
        if (!nl) return SLAGG_DICT_NONE;
        d->lens = nl;
        uint64_t *nh = slagg_reallocarray(d->hashes, nc, sizeof *nh);
        if (!nh) return SLAGG_DICT_NONE;
        d->hashes = nh;
        d->cap = nc;
    }
    char *copy = slagg_strndup(s, n);
    if (!copy) return SLAGG_DICT_NONE;
    id = d->n++;
    d->names[id] = copy;
    d->lens[id] = n;
    d->hashes[id] = h;
    d->slots[slot] = id + 1;
    return id;
}

uint32_t slagg_dict_find(const slagg_dict *d, const char *s, size_t n)
{
    size_t slot;
    return probe(d, s, n, slagg_hash_bytes(s, n), &slot);
}

uint32_t slagg_dict_count(const slagg_dict *d) { return d->n; }

const char *slagg_dict_name(const slagg_dict *d, uint32_t id, size_t *len)
{
    if (len) *len = d->lens[id];
    return d->names[id];
}

int slagg_name_cmp(const char *a, size_t an, const char *b, size_t bn)
{
    int c = memcmp(a, b, an < bn ? an : bn);
    if (c) return c < 0 ? -1 : 1;
    return an < bn ? -1 : an > bn;
}
