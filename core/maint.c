#include "core/maint.h"

#include <stdlib.h>

#include "core/alloc.h"

typedef struct ival {
    uint32_t account;  /* SLAGG_DICT_NONE for "*" (sorts last) */
    int64_t start, end;
} ival;

struct slagg_maint_index {
    ival *iv;           /* per account, sorted by start, merged */
    size_t n;
    size_t *first;      /* first[a] .. first[a+1]: account a's intervals; a = n_accounts is "*" */
    uint32_t n_accounts;
};

static int ival_cmp(const void *pa, const void *pb)
{
    const ival *a = pa, *b = pb;
    if (a->account != b->account) return a->account < b->account ? -1 : 1;
    if (a->start != b->start) return a->start < b->start ? -1 : 1;
    return (a->end > b->end) - (a->end < b->end);
}

slagg_status slagg_maint_build(const slagg_tables *t, const slagg_dict *accounts,
                               slagg_maint_index **out, slagg_err *err)
{
    slagg_maint_index *m = slagg_calloc(1, sizeof *m);
    uint32_t na = slagg_dict_count(accounts);
    if (!m) return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    m->n_accounts = na;
    m->iv = slagg_calloc(t->n_maint ? t->n_maint : 1, sizeof *m->iv);
    m->first = slagg_calloc((size_t)na + 2, sizeof *m->first);
    if (!m->iv || !m->first) {
        slagg_maint_free(m);
        return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    }
    size_t n = 0;
    for (size_t i = 0; i < t->n_maint; i++) {
        const slagg_maint_in *w = &t->maint[i];
        if (w->late) continue;
        uint32_t a = w->all ? SLAGG_DICT_NONE : slagg_dict_find(accounts, w->scope, w->scope_len);
        if (!w->all && a == SLAGG_DICT_NONE) continue;
        m->iv[n++] = (ival){a, w->start_ms, w->end_ms};
    }
    qsort(m->iv, n, sizeof *m->iv, ival_cmp);
    /* merge overlapping or touching intervals of one scope */
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (k && m->iv[k - 1].account == m->iv[i].account && m->iv[i].start <= m->iv[k - 1].end) {
            if (m->iv[i].end > m->iv[k - 1].end) m->iv[k - 1].end = m->iv[i].end;
        } else {
            m->iv[k++] = m->iv[i];
        }
    }
    m->n = k;
    /* first[a] = index of the first interval of account a ("*" is index na) */
    size_t j = 0;
    for (uint32_t a = 0; a <= na; a++) {
        uint32_t key = a == na ? SLAGG_DICT_NONE : a;
        while (j < k && m->iv[j].account < key) j++;
        m->first[a] = j;
    }
    m->first[na + 1] = k;
    *out = m;
    return SLAGG_OK;
}

static int in_list(const ival *iv, size_t n, int64_t ts)
{
    /* last interval with start <= ts */
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (iv[mid].start <= ts) lo = mid + 1;
        else hi = mid;
    }
    return lo > 0 && ts < iv[lo - 1].end;
}

int slagg_maint_contains(const slagg_maint_index *m, uint32_t account, int64_t ts_ms)
{
    if (m->n == 0) return 0;
    uint32_t na = m->n_accounts;
    if (in_list(m->iv + m->first[na], m->first[na + 1] - m->first[na], ts_ms)) return 1;
    if (account >= na) return 0;
    return in_list(m->iv + m->first[account], m->first[account + 1] - m->first[account], ts_ms);
}

void slagg_maint_free(slagg_maint_index *m)
{
    if (!m) return;
    slagg_free(m->iv);
    slagg_free(m->first);
    slagg_free(m);
}
