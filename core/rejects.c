#include "core/rejects.h"

#include <string.h>

#include "core/alloc.h"

int slagg_reject_log_add(slagg_reject_log *l, uint32_t file, uint64_t line, const char *reason,
                         uint64_t keep)
{
    l->total++;
    if (l->n >= keep) return 0;
    if (l->n == l->cap) {
        size_t nc = l->cap ? l->cap * 2 : 16;
        slagg_reject_row *p = slagg_reallocarray(l->rows, nc, sizeof *p);
        if (!p) return -1;
        l->rows = p;
        l->cap = nc;
    }
    char *copy = slagg_strndup(reason, strlen(reason));
    if (!copy) return -1;
    l->rows[l->n++] = (slagg_reject_row){file, line, copy};
    return 0;
}

void slagg_reject_log_free(slagg_reject_log *l)
{
    for (size_t i = 0; i < l->n; i++) slagg_free(l->rows[i].reason);
    slagg_free(l->rows);
    memset(l, 0, sizeof *l);
}

slagg_status slagg_rejects_gather(slagg_reject_log *logs, size_t n, slagg_rejects *out,
                                  slagg_err *err)
{
    size_t kept = 0;
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < n; i++) {
        kept += logs[i].n;
        out->total += logs[i].total;
    }
    if (kept) {
        out->rows = slagg_calloc(kept, sizeof *out->rows);
        if (!out->rows) return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        if (logs[i].n) memcpy(out->rows + out->n, logs[i].rows, logs[i].n * sizeof *out->rows);
        out->n += logs[i].n;
        slagg_free(logs[i].rows);  /* the reasons now belong to out */
        memset(&logs[i], 0, sizeof logs[i]);
    }
    return SLAGG_OK;
}

void slagg_rejects_free(slagg_rejects *r)
{
    for (size_t i = 0; i < r->n; i++) slagg_free(r->rows[i].reason);
    slagg_free(r->rows);
    memset(r, 0, sizeof *r);
}
