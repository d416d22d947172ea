/*
 * fold_flat_scalar.c - the flat kernel (kernels/fold.h): a chunk of a
 * window-major ring inside one service day, record by record, with no
 * branch that depends on the data but the rare ones (maintenance-dependent
 * classes, errors). A record's run is found by a running maximum over
 * marks set at each run's first record, so short runs (a few records each,
 * the common case at a billion records a month) cost no mispredicted loop
 * exits. Gives exactly what the run path (the engine's day segments and
 * slagg_fold_run_*) gives for the same records.
 */
#include <string.h>

#include "core/classify.h"
#include "core/kernels/fold.h"
#include "core/maint.h"

void slagg_fold_flat_scalar(slagg_fold_flat_args *x)
{
    const uint32_t n = x->n, nr = x->n_runs, na = x->n_accounts;
    const size_t row = x->row;
    const int64_t *ts = x->ts_ms;
    const uint16_t *code_of = x->code;
    const uint32_t *ridx = x->ridx, *racc = x->run_acc, *rp = x->run_p;
    const uint8_t *code_cls = x->code_cls, *cls_flags = x->cls_flags;
    const int64_t day_ms = x->day_ms;
    const uint32_t base_slot = x->base_slot, mask = x->mask, wl = x->w_lo;
    uint32_t *ve = x->ve, *nok = x->run_nok, *ea = x->err_acc, *ew = x->err_win;
    uint64_t *ptot = x->ptot;
    uint32_t ne = 0, cur = 0;
    /* coverage: the chunk's windows as bits from its first one, in a
     * register (exact when the chunk spans fewer than 64 windows) */
    uint64_t covm = 0;
    memset(nok, 0, nr * sizeof *nok);
    for (uint32_t j = 0; j < n; j++) {
        cur = ridx[j] > cur ? ridx[j] : cur;
        uint32_t a = racc[cur];
        unsigned code = code_of[j];
        unsigned c = code_cls[code];
        uint32_t w = slagg_div300k((uint32_t)(ts[j] - day_ms));
        covm |= 1ULL << ((w - wl) & 63);
        size_t cell = 2 * ((size_t)((base_slot + w) & mask) * row + a);
        /* a later run's ring cell (in this record's window row: runs of a
         * chunk mostly share their windows) */
        ptrdiff_t ahead = (ptrdiff_t)racc[cur + SLAGG_FOLD_FLAT_AHEAD] - (ptrdiff_t)a;
        __builtin_prefetch(ve + (ptrdiff_t)cell + 2 * ahead, 1);
        if (c == SLAGG_CLASS_OK) {   /* nearly every record: valid, no error, counted per run below */
            ve[cell]++;
            continue;
        }
        if (c == SLAGG_CLASS_BY_MAINT)
            c = slagg_classify(x->pair_status[code], (slagg_cause)x->pair_cause[code],
                               a < na && slagg_maint_contains(x->maint, a, ts[j]));
        if (c != SLAGG_CLASS_OK) {
            ptot[(size_t)rp[cur] * SLAGG_CLASS_COUNT + c]++;
            nok[cur]++;
        }
        unsigned fl = cls_flags[c];
        ve[cell] += fl & 1u;
        ve[cell + 1] += fl >> 1;
        if ((fl & 2) && a < na && !(ne && ea[ne - 1] == a && ew[ne - 1] == w)) {
            ea[ne] = a;
            ew[ne] = w;
            ne++;
        }
    }
    for (uint32_t r = 0; r < nr; r++)
        ptot[(size_t)rp[r] * SLAGG_CLASS_COUNT + SLAGG_CLASS_OK] += x->run_len[r] - nok[r];
    x->n_err = ne;
    x->covm = covm;
}
