/*
 * summary.c - fuzzes the compact summary reader (io/summary_file.h):
 * whatever the bytes, slagg_summary_read either fails with an input error
 * naming the file or returns a fleet that keeps the promises of
 * docs/FORMAT.md (sorted accounts, periods of at most a month in order,
 * windows inside their period with 0 < E <= V). Most mutations are caught
 * by a checksum; summary_payload.c reaches the parser behind them.
 * A summary the reader accepts is then exported as `slagg export` would
 * (report, finance.csv, finance.jsonl): an accepted file must not be able
 * to crash the export either.
 */
#include "fuzz_common.h"

#include "core/fleet.h"
#include "core/money.h"
#include "core/report.h"
#include "io/buf.h"
#include "io/export.h"
#include "io/records.h"
#include "io/summary_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Shared with summary_payload.c. */
void fuzz_read_summary(const char *path);

void fuzz_read_summary(const char *path)
{
    slagg_fleet f;
    slagg_tables t;
    slagg_err err;
    memset(&err, 0, sizeof err);
    if (slagg_summary_read(path, &f, &t, &err) != SLAGG_OK) {
        fuzz_check_error(&err, path);
        return;
    }
    for (uint32_t i = 0; i < f.n_accounts; i++)
        FUZZ_CHECK(slagg_account_check(f.accounts[i], f.account_len[i]) == NULL);
    uint64_t nwin = 0;
    for (size_t i = 0; i < f.n_periods; i++) {
        const slagg_period_agg *a = &f.periods[i];
        FUZZ_CHECK(a->account < f.n_accounts);
        int64_t days = a->span.counted_end - a->span.start + 1;
        FUZZ_CHECK(days >= 1 && days <= 31);
        FUZZ_CHECK(a->win_off == nwin);
        for (uint64_t w = a->win_off; w < a->win_off + a->win_count; w++) {
            FUZZ_CHECK(f.ev[w].e > 0 && f.ev[w].e <= f.ev[w].v);
            FUZZ_CHECK(f.win[w] < (uint64_t)days * 288);
        }
        nwin += a->win_count;
    }
    FUZZ_CHECK(nwin == f.n_win);
    for (size_t i = 0; i < t.n_fees; i++)
        FUZZ_CHECK(t.fees[i].voucher_paid >= 0 && t.fees[i].voucher_paid <= t.fees[i].fee &&
                   t.fees[i].fee <= SLAGG_MONEY_MAX_FEN);
    slagg_report rep;
    memset(&rep, 0, sizeof rep);
    if (slagg_report_build(&f, &t, &rep, &err) == SLAGG_OK) {
        FUZZ_CHECK(rep.n_rows == f.n_periods);
        slagg_buf out;
        memset(&out, 0, sizeof out);
        slagg_format_finance_csv(&f, &rep, &out);
        slagg_format_finance_jsonl(&f, &rep, &out);
        slagg_format_summary_json(&f, &rep, t.fees_path, &out);
        slagg_buf_free(&out);
        slagg_report_free(&rep);
    } else {
        FUZZ_CHECK(err.code == SLAGG_E_NOMEM || err.code == SLAGG_E_INPUT);
    }
    slagg_fleet_free(&f);
    slagg_tables_free(&t);
}

#ifndef FUZZ_SUMMARY_NO_MAIN
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_read_summary(fuzz_file(data, size));
    return 0;
}
#endif
