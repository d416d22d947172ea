/*
 * tables.c - contracts.csv, fees.csv, maintenance.csv and holidays.csv of
 * a generated fleet (tables.h). A table is O(accounts) bytes, so each is
 * built in a library buffer (io/buf.h) with the library's date and money
 * formatters and written with the library's atomic writer (io/output.h):
 * the same bytes the fold's readers expect, by the same code that formats
 * them elsewhere.
 */
#include "cli/gen/tables.h"

#include "core/calendar.h"
#include "core/money.h"
#include "io/buf.h"
#include "io/output.h"

/* Writes b as DIR/name (temporary, fsync, rename) and frees it; adds it
 * to *acc. */
static slagg_status commit_table(slagg_buf *b, const char *dir, const char *name,
                                 slagg_gen_tally *acc, slagg_err *err)
{
    slagg_status st;
    if (slagg_buf_failed(b))
        st = slagg_err_set(err, SLAGG_E_NOMEM, "%s/%s: out of memory", dir, name);
    else
        st = slagg_write_atomic(dir, name, b->data, b->len, err);
    if (st == SLAGG_OK) {
        acc->bytes += b->len;
        acc->files++;
    }
    slagg_buf_free(b);
    return st;
}

/* account,start,end (SPEC 3, contracts): one row an account, two for the
 * gap account, none for the uncontracted ones; an open end is empty. */
static slagg_status write_contracts(const slagg_gen_fleet *f, const char *dir,
                                    slagg_gen_tally *acc, uint32_t *rows, slagg_err *err)
{
    slagg_buf b = {0};
    slagg_buf_puts(&b, "account,start,end\n");
    for (uint32_t i = 0; i < f->n; i++) {
        const slagg_gen_account *a = &f->acc[i];
        if (a->kind == K_NONE) continue;
        for (int row = 0; row < 2; row++) {
            int64_t s = row ? a->start2 : a->start, e = row ? a->end2 : a->end;
            if (row && a->kind != K_GAP) break;
            char d1[11], d2[11] = "";
            slagg_format_date(s, d1);
            if (e >= 0) slagg_format_date(e, d2);
            slagg_buf_printf(&b, "%s,%s,%s\n", a->name, d1, d2);
            (*rows)++;
        }
    }
    return commit_table(&b, dir, "contracts.csv", acc, err);
}

static void fee_line(slagg_buf *b, const slagg_gen_account *a, int64_t period_start, uint64_t fee,
                     uint64_t voucher)
{
    char d[11], m1[24], m2[24];
    slagg_format_date(period_start, d);
    slagg_money_format((int64_t)fee, m1);
    slagg_money_format((int64_t)voucher, m2);
    slagg_buf_printf(b, "%s,%s,%s,%s\n", a->name, d, m1, m2);
}

/* account,period_start,fee,voucher_paid (SPEC 3, fees): the month's
 * periods of every contracted account but the no_fee ones, and a row for
 * last month, a period that does not exist, for the unmatched one; with
 * --months, then each later month's period of the account's contract
 * (fs[k]'s fee for it), no_fee applying to the first month only. */
static slagg_status write_fees(const slagg_gen_fleet *fs, unsigned n_months, const char *dir,
                               slagg_gen_tally *acc, uint32_t *rows, slagg_err *err)
{
    const slagg_gen_fleet *f = &fs[0];
    slagg_buf b = {0};
    slagg_buf_puts(&b, "account,period_start,fee,voucher_paid\n");
    for (uint32_t i = 0; i < f->n; i++) {
        const slagg_gen_account *a = &f->acc[i];
        if (a->unmatched) {
            fee_line(&b, a, slagg_month_add(f->first, -1), a->fee[1], a->voucher[1]);
            (*rows)++;
        }
        if (a->kind == K_NONE) continue;
        /* the month's periods: the first row's, and the gap account's second */
        if (!a->no_fee) {
            fee_line(&b, a, a->start > f->first ? a->start : f->first, a->fee[0], a->voucher[0]);
            (*rows)++;
        }
        if (a->kind == K_GAP) {
            fee_line(&b, a, a->start2, a->fee[1], a->voucher[1]);
            (*rows)++;
        }
        /* the contract's last row: the gap account's second */
        int64_t s = a->kind == K_GAP ? a->start2 : a->start, e = a->kind == K_GAP ? a->end2 : a->end;
        for (unsigned k = 1; k < n_months; k++) {
            const slagg_gen_fleet *fk = &fs[k];
            if (s > fk->last || (e >= 0 && e < fk->first)) continue;
            fee_line(&b, a, s > fk->first ? s : fk->first, fk->acc[i].fee[0], fk->acc[i].voucher[0]);
            (*rows)++;
        }
    }
    return commit_table(&b, dir, "fees.csv", acc, err);
}

/* "YYYY-MM-DDTHH:MM:SS+08:00" of a service-time day and second of day:
 * RFC 3339 without the milliseconds slagg_format_rfc3339 writes, as a
 * maintenance table is typed by hand. */
static void put_local(slagg_buf *b, int64_t day, unsigned sec, const char *tz)
{
    char d[11];
    slagg_format_date(day, d);
    slagg_buf_printf(b, "%sT%02u:%02u:%02u%s", d, sec / 3600, sec / 60 % 60, sec % 60, tz);
}

/* start,end,scope,notice_at (SPEC 3, maintenance): the fleet-wide window,
 * the late-notified one and the account-scoped one, two hours each. */
static void maintenance_rows(const slagg_gen_fleet *f, const char *tz, slagg_buf *b)
{
    struct mrow {
        int64_t w0, notice_day;
        unsigned notice_sec;
        const char *scope;
    } rows[3];
    unsigned nr = 0;
    /* fleet-wide, notified a week ahead */
    rows[nr++] = (struct mrow){f->maint_all_w0, f->first, 10 * 3600, "*"};
    /* late: notice_at 30 minutes after the start (excludes nothing) */
    if (f->maint_late_acct >= 0)
        rows[nr++] = (struct mrow){f->maint_late_w0, f->first + 11, 14 * 3600 + 30 * 60,
                                   f->acc[f->maint_late_acct].name};
    /* account-scoped, notified two days ahead */
    if (f->maint_scoped_acct >= 0)
        rows[nr++] = (struct mrow){f->maint_scoped_w0, f->first + 17, 9 * 3600 + 30 * 60,
                                   f->acc[f->maint_scoped_acct].name};
    for (unsigned k = 0; k < nr; k++) {
        int64_t w0 = rows[k].w0, w1 = w0 + 24;   /* all are two hours */
        put_local(b, f->first + w0 / 288, (unsigned)(w0 % 288) * 300, tz);
        slagg_buf_puts(b, ",");
        put_local(b, f->first + w1 / 288, (unsigned)(w1 % 288) * 300, tz);
        slagg_buf_printf(b, ",%s,", rows[k].scope);
        put_local(b, rows[k].notice_day, rows[k].notice_sec, tz);
        slagg_buf_puts(b, "\n");
    }
}

/* The maintenance windows of each month, month after month. */
static slagg_status write_maintenance(const slagg_gen_fleet *fs, unsigned n_months, const char *dir,
                                      const char *tz, slagg_gen_tally *acc, slagg_err *err)
{
    slagg_buf b = {0};
    slagg_buf_puts(&b, "start,end,scope,notice_at\n");
    for (unsigned k = 0; k < n_months; k++) maintenance_rows(&fs[k], tz, &b);
    return commit_table(&b, dir, "maintenance.csv", acc, err);
}

/* First day >= from (within its month) whose weekday is in mask (bit 0 =
 * Monday); -1 if none. */
static int64_t first_weekday(int64_t from, unsigned mask)
{
    int64_t last = slagg_month_last(from);
    for (int64_t d = from; d <= last; d++)
        if (mask >> slagg_weekday(d) & 1) return d;
    return -1;
}

typedef struct hday {
    int64_t day;
    const char *kind;
} hday;

static void holiday_line(hday *v, unsigned *n, int64_t day, const char *kind)
{
    v[(*n)++] = (hday){day, kind};
}

/* date,kind (SPEC 3, holidays): one holiday this month, the weekdays
 * among the 1st-3rd of the next, a make-up Saturday `workday` after them,
 * and one holiday the month after next (the claim windows of SPEC 2). */
/* A month's lines, in date order (at most 6). */
static void month_holidays(const slagg_gen_fleet *f, hday *v, unsigned *n)
{
    const unsigned weekdays = 0x1f, saturday = 1u << 5;
    int64_t next = slagg_month_add(f->first, 1), after = slagg_month_add(f->first, 2);
    int64_t mid = first_weekday(f->first + 4, weekdays);   /* one this month */
    if (mid >= 0) holiday_line(v, n, mid, "holiday");
    for (int64_t day = next; day < next + 3; day++)
        if (weekdays >> slagg_weekday(day) & 1) holiday_line(v, n, day, "holiday");
    int64_t makeup = first_weekday(next + 3, saturday);
    if (makeup >= 0) holiday_line(v, n, makeup, "workday");
    int64_t later = first_weekday(after, weekdays);
    if (later >= 0) holiday_line(v, n, later, "holiday");
}

/* Every month's lines merged by date, each date once: months overlap (a
 * month's "month after next" holiday is a later month's "next month"
 * one), and a holiday is always a weekday, a make-up day a Saturday, so
 * one date never has two kinds. One month: its lines as they are. */
static slagg_status write_holidays(const slagg_gen_fleet *fs, unsigned n_months, const char *dir,
                                   slagg_gen_tally *acc, slagg_err *err)
{
    hday v[6 * SLAGG_GEN_MAX_MONTHS];
    unsigned n = 0;
    for (unsigned k = 0; k < n_months; k++) month_holidays(&fs[k], v, &n);
    for (unsigned i = 1; i < n; i++)   /* insertion sort: a few dozen lines */
        for (unsigned j = i; j > 0 && v[j - 1].day > v[j].day; j--) {
            hday t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    slagg_buf b = {0};
    slagg_buf_puts(&b, "date,kind\n");
    for (unsigned i = 0; i < n; i++) {
        if (i && v[i].day == v[i - 1].day) continue;
        char d[11];
        slagg_format_date(v[i].day, d);
        slagg_buf_printf(&b, "%s,%s\n", d, v[i].kind);
    }
    return commit_table(&b, dir, "holidays.csv", acc, err);
}

slagg_status slagg_gen_write_tables(const slagg_gen_fleet *fs, unsigned n_months, const char *dir, const char *tz,
                                    slagg_gen_tally *acc, uint32_t *contract_rows,
                                    uint32_t *fee_rows, slagg_err *err)
{
    if (n_months < 1) n_months = 1;
    slagg_status st = write_contracts(&fs[0], dir, acc, contract_rows, err);
    if (st == SLAGG_OK) st = write_fees(fs, n_months, dir, acc, fee_rows, err);
    if (st == SLAGG_OK) st = write_maintenance(fs, n_months, dir, tz, acc, err);
    if (st == SLAGG_OK) st = write_holidays(fs, n_months, dir, acc, err);
    return st;
}
