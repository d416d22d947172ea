/*
 * partial.c - fuzzes the partial file reader (io/partial.h, format 2.0):
 * whatever the bytes, slagg_partial_reader_open either fails with an
 * input error naming the file, or returns a meta section that keeps the
 * promises of docs/DISTRIBUTED.md; then every cell of the tail and of the
 * main stream is read as `slagg merge` reads them: each either fails the
 * same way or is in range (account < accounts, 1 <= V, E <= V) and in
 * strictly increasing (window, account) order. Most mutations are caught
 * by a checksum; partial_cells.c reaches the cell decoder behind them.
 */
#include "fuzz_common.h"

#include "core/coverage.h"
#include "io/partial.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Shared with partial_cells.c. */
void fuzz_read_partial(const char *path);

static int after(const slagg_cell *c, const slagg_cell *p)
{
    return c->window > p->window || (c->window == p->window && c->account > p->account);
}

void fuzz_read_partial(const char *path)
{
    slagg_partial p;
    slagg_partial_reader *r = NULL;
    slagg_cov_acc cov;
    slagg_err err;
    memset(&err, 0, sizeof err);
    FUZZ_CHECK(slagg_cov_acc_init(&cov) == 0);
    if (slagg_partial_reader_open(path, &p, &cov, &r, &err) != SLAGG_OK) {
        fuzz_check_error(&err, path);
        slagg_cov_acc_free(&cov);
        return;
    }
    uint32_t na = slagg_tables_account_count(&p.tables);
    for (size_t i = 0; i < p.n_periods; i++) {
        FUZZ_CHECK(p.periods[i].account < na);
        FUZZ_CHECK(p.periods[i].start <= p.own_through);
    }
    FUZZ_CHECK(p.rejected <= p.records_read);
    slagg_cell *tail = NULL, c, prev;
    size_t nt = 0;
    int ok = slagg_partial_reader_tail(r, &tail, &nt, &err) == 0;
    if (!ok) fuzz_check_error(&err, path);
    for (size_t i = 0; ok && i < nt; i++) {
        FUZZ_CHECK(tail[i].account < na && tail[i].v >= 1 && tail[i].e <= tail[i].v);
        FUZZ_CHECK(i == 0 || after(&tail[i], &tail[i - 1]));
    }
    uint64_t n = 0;
    int got;
    while (ok && (got = slagg_partial_reader_next(r, 0, &c, &err)) == 1) {
        FUZZ_CHECK(c.account < na && c.v >= 1 && c.e <= c.v);
        FUZZ_CHECK(n == 0 || after(&c, &prev));
        prev = c;
        n++;
    }
    if (ok && got < 0) fuzz_check_error(&err, path);
    else if (ok) FUZZ_CHECK(n == p.n_cells);
    free(tail);
    slagg_partial_reader_close(r);
    slagg_partial_free(&p);
    slagg_cov_acc_free(&cov);
}

#ifndef FUZZ_PARTIAL_NO_MAIN
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_read_partial(fuzz_file(data, size));
    return 0;
}
#endif
