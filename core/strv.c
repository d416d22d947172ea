#include "core/strv.h"

#include <string.h>

#include "core/alloc.h"

int slagg_strv_push(slagg_strv *l, const char *s)
{
    if (l->n == l->cap) {
        size_t nc = l->cap ? l->cap * 2 : 16;
        char **p = slagg_reallocarray(l->v, nc, sizeof *p);
        if (!p) return -1;
        l->v = p;
        l->cap = nc;
    }
    if (!(l->v[l->n] = slagg_strndup(s, strlen(s)))) return -1;
    l->n++;
    return 0;
}

void slagg_strv_free(slagg_strv *l)
{
    for (size_t i = 0; i < l->n; i++) slagg_free(l->v[i]);
    slagg_free(l->v);
    memset(l, 0, sizeof *l);
}
