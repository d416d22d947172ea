/*
 * shard_engine_rings.c - a shard engine thread's private state
 * (core/engine/shard_engine.h): its rings and class rows, the overflow
 * table beyond the ring, the error list of window-major rings, the set of
 * uncontracted runs, the chunk scratch; its one free function; the ring's
 * spills (before a u32 counter could wrap) and the overflow's way back
 * into the rings before finalisation.
 */
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/engine/shard_engine.h"

static uint64_t ovf_hash(uint32_t a, int64_t w)
{
    uint64_t x = ((uint64_t)a << 40) ^ (uint64_t)w;
    x ^= x >> 31;
    x *= 0x9e3779b97f4a7c15ULL;
    return x ^ (x >> 29);
}

static int ovf_init(ovf_map *m)
{
    m->mask = 255;
    m->n = 0;
    m->slot = slagg_calloc(m->mask + 1, sizeof *m->slot);
    return m->slot ? 0 : -1;
}

static void ovf_free(ovf_map *m)
{
    slagg_free(m->slot);
    memset(m, 0, sizeof *m);
}

const ovf_ent *slagg_shards_ovf_find(const ovf_map *m, uint32_t a, int64_t w)
{
    if (!m->n) return NULL;
    for (size_t i = ovf_hash(a, w) & m->mask; m->slot[i].used; i = (i + 1) & m->mask)
        if (m->slot[i].account == a && m->slot[i].window == w) return &m->slot[i];
    return NULL;
}

void slagg_shards_ovf_drop(ovf_map *m)
{
    ovf_free(m);
}

/* The entry of (a, w), created zeroed; NULL when out of memory. */
ovf_ent *slagg_shards_ovf_get(ovf_map *m, uint32_t a, int64_t w)
{
    size_t i = ovf_hash(a, w) & m->mask;
    for (; m->slot[i].used; i = (i + 1) & m->mask)
        if (m->slot[i].account == a && m->slot[i].window == w) return &m->slot[i];
    if ((m->n + 1) * 2 > m->mask + 1) {
        size_t ncap = (m->mask + 1) * 2;
        /* written zero, not calloc'd: a fresh calloc'd table is untouched
         * pages, which the probes below first map read-only (the zero
         * page), so each page's first store was a second fault and a TLB
         * shootdown IPI to every other fold thread: 5 % of a 2-thread
         * fold of the standard fleet */
        ovf_ent *ns = slagg_reallocarray(NULL, ncap, sizeof *ns);
        if (!ns) return NULL;
        memset(ns, 0, ncap * sizeof *ns);
        for (size_t k = 0; k <= m->mask; k++) {
            if (!m->slot[k].used) continue;
            size_t j = ovf_hash(m->slot[k].account, m->slot[k].window) & (ncap - 1);
            while (ns[j].used) j = (j + 1) & (ncap - 1);
            ns[j] = m->slot[k];
        }
        slagg_free(m->slot);
        m->slot = ns;
        m->mask = ncap - 1;
        i = ovf_hash(a, w) & m->mask;
        while (m->slot[i].used) i = (i + 1) & m->mask;
    }
    m->slot[i] = (ovf_ent){w, a, 1, 0, 0};
    m->n++;
    return &m->slot[i];
}

int slagg_shards_err_push(err_vec *v, uint32_t a, int64_t w)
{
    if (v->n && v->v[v->n - 1].account == a && v->v[v->n - 1].window == w) return 0;
    if (v->n == v->cap) {
        size_t nc = v->cap ? v->cap * 2 : 1024;
        errcell *p = slagg_reallocarray(v->v, nc, sizeof *p);
        if (!p) return -1;
        v->v = p;
        v->cap = nc;
    }
    v->v[v->n++] = (errcell){a, w};
    return 0;
}

int slagg_shards_unc_add(unc_set *u, uint64_t key)
{
    key++;
    if ((u->n + 1) * 2 > u->mask + 1 || !u->slot) {
        size_t ncap = u->slot ? (u->mask + 1) * 2 : 64;
        uint64_t *ns = slagg_calloc(ncap, sizeof *ns);
        if (!ns) return -1;
        for (size_t k = 0; u->slot && k <= u->mask; k++) {
            if (!u->slot[k]) continue;
            size_t j = (size_t)((u->slot[k] * 0x9e3779b97f4a7c15ULL) >> 20) & (ncap - 1);
            while (ns[j]) j = (j + 1) & (ncap - 1);
            ns[j] = u->slot[k];
        }
        slagg_free(u->slot);
        u->slot = ns;
        u->mask = ncap - 1;
    }
    size_t i = (size_t)((key * 0x9e3779b97f4a7c15ULL) >> 20) & u->mask;
    for (; u->slot[i]; i = (i + 1) & u->mask)
        if (u->slot[i] == key) return 0;
    u->slot[i] = key;
    u->n++;
    return 0;
}

/* Moves a thread's whole ring into its overflow table (u64), so no u32
 * counter can wrap however many records one window gets. */
int slagg_shards_spill_ring(thr *th)
{
    engine *g = th->g;
    for (uint32_t a = 0; a < g->n_accounts; a++) {
        for (int64_t w = g->base; w < g->base + g->ring; w++) {
            size_t s = cell_of(g, a, w);
            if (!th->ve[s] && !th->ve[s + 1]) continue;
            ovf_ent *c = slagg_shards_ovf_get(&th->ovf, a, w);
            if (!c) return -1;
            c->v += th->ve[s];
            c->e += th->ve[s + 1];
            th->ve[s] = th->ve[s + 1] = 0;
        }
        th->tlo[a] = INT64_MAX;
        th->thi[a] = INT64_MIN;
    }
    th->since_spill = 0;
    return 0;
}

int slagg_shards_grow_scratch(thr *th, size_t n)
{
    if (n <= th->scratch_cap) return 0;
    uint32_t *r = slagg_reallocarray(th->rel, n, sizeof *r);
    if (!r) return -1;
    th->rel = r;
    uint8_t *f = slagg_reallocarray(th->flags, n, 1);
    if (!f) return -1;
    th->flags = f;
    uint32_t *ro = slagg_reallocarray(th->run_off, n + 1 + PREFETCH_RUNS, sizeof *ro);
    if (!ro) return -1;
    th->run_off = ro;
    uint32_t *ra = slagg_reallocarray(th->run_acc, n + 1 + PREFETCH_RUNS, sizeof *ra);
    if (!ra) return -1;
    th->run_acc = ra;
    uint32_t *rp = slagg_reallocarray(th->run_p, n + 1 + PREFETCH_RUNS, sizeof *rp);
    if (!rp) return -1;
    th->run_p = rp;
    uint32_t *ri = slagg_reallocarray(th->ridx, n + 1, sizeof *ri);
    if (!ri) return -1;
    th->ridx = ri;
    uint32_t *nk = slagg_reallocarray(th->run_nok, n + 1, sizeof *nk);
    if (!nk) return -1;
    th->run_nok = nk;
    uint32_t *ea = slagg_reallocarray(th->err_acc, n, sizeof *ea);
    if (!ea) return -1;
    th->err_acc = ea;
    uint32_t *ew = slagg_reallocarray(th->err_win, n, sizeof *ew);
    if (!ew) return -1;
    th->err_win = ew;
    th->scratch_cap = n;
    return 0;
}

slagg_status slagg_shards_threads_new(engine *g, slagg_err *err)
{
    g->th = slagg_calloc(g->nt, sizeof *g->th);
    if (!g->th) return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    for (unsigned i = 0; i < g->nt; i++) {
        thr *th = &g->th[i];
        th->g = g;
        th->index = i;
        th->ve = slagg_calloc_table(RING_U32S(g), sizeof *th->ve);
        th->ptot = slagg_calloc_table((g->n_periods + 1) * SLAGG_CLASS_COUNT, sizeof *th->ptot);
        th->tlo = slagg_malloc(((size_t)g->n_accounts + 1) * sizeof *th->tlo);
        th->thi = slagg_malloc(((size_t)g->n_accounts + 1) * sizeof *th->thi);
        th->terr = slagg_calloc((size_t)g->n_accounts + 1, 1);
        if (!th->tlo || !th->thi || !th->terr) return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
        for (uint32_t a = 0; a < g->n_accounts; a++) {
            th->tlo[a] = INT64_MAX;
            th->thi[a] = INT64_MIN;
        }
        if (!th->ve || !th->ptot || ovf_init(&th->ovf) != 0 || slagg_cov_map_init(&th->cov) != 0 ||
            slagg_shards_grow_scratch(th, SLAGG_SHARD_CHUNK) != 0 || !(th->cur = slagg_calloc(1, sizeof *th->cur)) ||
            !(th->code_cls = slagg_calloc(SLAGG_SHARD_PAIRS_MAX, 1)))
            return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    }
    return SLAGG_OK;
}

void slagg_shards_thread_free(const engine *g, thr *th)
{
    slagg_free_table(th->ve, RING_U32S(g), sizeof *th->ve);
    slagg_free_table(th->ptot, (g->n_periods + 1) * SLAGG_CLASS_COUNT, sizeof *th->ptot);
    slagg_free(th->tlo);
    slagg_free(th->thi);
    slagg_free(th->terr);
    ovf_free(&th->ovf);
    slagg_shard_cursor_free(th->cur);
    slagg_free(th->cur);
    slagg_shard_head_free(th->head);
    slagg_free(th->head);
    slagg_free(th->sp_acc);
    slagg_free(th->code_cls);
    slagg_free(th->rel);
    slagg_free(th->flags);
    slagg_free(th->run_off);
    slagg_free(th->run_acc);
    slagg_free(th->run_p);
    slagg_free(th->ridx);
    slagg_free(th->run_nok);
    slagg_free(th->err_acc);
    slagg_free(th->err_win);
    slagg_free(th->out.v);
    slagg_free(th->errs.v);
    slagg_cov_map_free(&th->cov);
    slagg_free(th->unc.slot);
    memset(th, 0, sizeof *th);
}

/* Before windows [wlo, whi) are finalised: overflow entries of those
 * windows are added to the rings (thread 0's), so the finalisation sees
 * them. An entry too big for a u32 ring counter takes the rings' counts
 * instead and stays in the overflow table for the final sweep. */
int slagg_shards_overflow_into_ring(engine *g)
{
    for (unsigned k = 0; k < g->nt; k++) {
        ovf_map *o = &g->th[k].ovf;
        if (!o->n) continue;
        for (size_t i = 0; i <= o->mask; i++) {
            ovf_ent *e = &o->slot[i];
            if (!e->used || e->window < g->wlo || e->window >= g->whi) continue;
            if (!e->v && !e->e) continue;
            size_t s = cell_of(g, e->account, e->window);
            uint64_t v = e->v, er = e->e;
            for (unsigned j = 0; j < g->nt; j++) {
                v += g->th[j].ve[s];
                er += g->th[j].ve[s + 1];
                g->th[j].ve[s] = g->th[j].ve[s + 1] = 0;
            }
            if (v <= UINT32_MAX) {
                g->th[0].ve[s] = (uint32_t)v;
                g->th[0].ve[s + 1] = (uint32_t)er;
                e->v = e->e = 0;
                if (er && g->wmajor && slagg_shards_err_push(&g->th[0].errs, e->account, e->window) != 0) return -1;
                if (er) g->th[0].terr[e->account] = 1;
                if (e->window < g->th[0].tlo[e->account]) g->th[0].tlo[e->account] = e->window;
                if (e->window > g->th[0].thi[e->account]) g->th[0].thi[e->account] = e->window;
            } else {
                e->v = v;
                e->e = er;
            }
        }
    }
    return 0;
}
