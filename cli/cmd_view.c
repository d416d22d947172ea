/*
 * cmd_view.c - `slagg periods` and `slagg windows` (SPEC 5, "For people
 * reading the result"): the export's rows and the windows with errors,
 * read from the compact availability summary only (never the raw
 * records), filtered and sorted by exact values, as an aligned table,
 * CSV or JSONL. Times are at the summary's service offset.
 *
 * The rows are those of `slagg export`: slagg_summary_read then
 * slagg_report_build with the fees and holidays the summary holds, and
 * the CSV and JSONL forms of `periods` are io/export.c's own formatters
 * run over the selected rows, so they are byte for byte the export's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cmd.h"
#include "cli/msg.h"
#include "cli/opts.h"
#include "core/alloc.h"
#include "core/calendar.h"
#include "core/exact.h"
#include "core/money.h"
#include "core/report.h"
#include "core/warnings.h"
#include "io/buf.h"
#include "io/export.h"
#include "io/generation.h"
#include "io/summary_file.h"
#include "io/text_table.h"
#include "io/tables.h"

static const char periods_help[] =
    "Usage: slagg periods SUMMARY [--below PCT] [--tier N] [--account A]\n"
    "                     [--sort account|availability|credit] [--format table|csv|jsonl]\n"
    "\n"
    "The finance export's rows (one per contracted period, as 'slagg export'\n"
    "computes them from the compact summary and the fees and holidays it\n"
    "holds), filtered and sorted. SUMMARY is an availability.slagg file or a\n"
    "fold's output directory (its current generation's availability.slagg).\n"
    "\n"
    "Options:\n"
    "  --below PCT        only periods whose exact availability is below PCT\n"
    "                     percent (e.g. 99.9; any state; 99.9000 exactly is not\n"
    "                     below 99.9)\n"
    "  --tier N           only periods of credit tier N (0, 10, 25 or 50)\n"
    "  --account A        only the periods of account A (exact bytes)\n"
    "  --sort KEY         account: as the export (default); availability:\n"
    "                     ascending by exact value; credit: descending, empty\n"
    "                     credit last; ties keep the export's order\n"
    "  --format F         table (default: columns aligned, names never cut),\n"
    "                     csv (finance.csv's header and fields) or jsonl\n"
    "                     (finance.jsonl's)\n"
    "  -h, --help         this help\n"
    "\n"
    "In the table an empty credit (in progress, no fee) shows as '-'.\n"
    "\n"
    "Example:\n"
    "  slagg periods out --below 99.9 --sort availability\n"
    "  slagg periods out/availability.slagg --tier 50 --format csv > tier50.csv\n";

static const char windows_help[] =
    "Usage: slagg windows SUMMARY [--account A] [--period YYYY-MM-DD] [--top N]\n"
    "                     [--format table|csv|jsonl]\n"
    "\n"
    "Every 5-minute window with errors (E > 0) of the compact summary:\n"
    "account,period_start,window_start,window_end,valid,error,rate,share.\n"
    "window_end is window_start + 5 minutes (exclusive), at the service\n"
    "offset; rate = E/V and share = 100 E / (V N), N the period's windows\n"
    "(the window's part of the period's unavailability, in percentage\n"
    "points), both truncated to 6 decimals from the exact values. Sorted by\n"
    "account (bytewise), period_start, window_start. SUMMARY is an\n"
    "availability.slagg file or a fold's output directory.\n"
    "\n"
    "Options:\n"
    "  --account A        only the windows of account A (exact bytes)\n"
    "  --period DAY       only the windows of the period holding DAY\n"
    "                     (YYYY-MM-DD; its period_start, or any day of it)\n"
    "  --top N            the N windows of largest exact share, largest first\n"
    "                     (ties: account, then time)\n"
    "  --format F         table (default), csv or jsonl (rate and share as\n"
    "                     strings with their 6 decimals)\n"
    "  -h, --help         this help\n"
    "\n"
    "Example:\n"
    "  slagg windows out --account acme --period 2026-03-01\n"
    "  slagg windows out/availability.slagg --top 20\n";

enum fmt { FMT_TABLE, FMT_CSV, FMT_JSONL };

static int parse_format(const char *s, enum fmt *f)
{
    if (!s || strcmp(s, "table") == 0) *f = FMT_TABLE;
    else if (strcmp(s, "csv") == 0) *f = FMT_CSV;
    else if (strcmp(s, "jsonl") == 0) *f = FMT_JSONL;
    else {
        slagg_cli_error("--format must be table, csv or jsonl, not '%s'", s);
        return -1;
    }
    return 0;
}

/* Reads SUMMARY (a file or a DIR) and builds the export's rows, as `slagg
 * export` does. Returns 0, or the exit code after printing the error. */
static int load(const char *arg, slagg_fleet *f, slagg_tables *t, slagg_report *r)
{
    char *path = slagg_generation_path(arg, SLAGG_SUMMARY_NAME);
    slagg_err err = {0};
    if (!path) {
        slagg_cli_error("out of memory");
        return 3;
    }
    slagg_status st = slagg_summary_read(path, f, t, &err);
    slagg_free(path);
    if (st == SLAGG_OK) {
        st = slagg_report_build(f, t, r, &err);
        if (st != SLAGG_OK) {
            slagg_fleet_free(f);
            slagg_tables_free(t);
        }
    }
    if (st != SLAGG_OK) {
        slagg_cli_error("%s", err.msg);
        return slagg_status_exit_code(st);
    }
    return 0;
}

static void unload(slagg_fleet *f, slagg_tables *t, slagg_report *r)
{
    slagg_report_free(r);
    slagg_fleet_free(f);
    slagg_tables_free(t);
}

/* Writes b to stdout. 0, or 3 after saying so. */
static int emit(slagg_buf *b)
{
    int rc = 0;
    if (slagg_buf_failed(b)) {
        slagg_cli_error("out of memory");
        rc = 3;
    } else if ((b->len && fwrite(b->data, 1, b->len, stdout) != b->len) || fflush(stdout) != 0) {
        slagg_cli_error("cannot write to stdout");
        rc = 3;
    }
    slagg_buf_free(b);
    return rc;
}

/* PCT of --below: digits, optionally '.' and digits, from 0 to 100, with at
 * most 12 fractional digits once trailing zeros are dropped: *num / *den
 * exactly (den a power of ten). 0 or -1. */
static int parse_pct(const char *s, uint64_t *num, uint64_t *den)
{
    const char *dot = strchr(s, '.');
    size_t ni = dot ? (size_t)(dot - s) : strlen(s);
    size_t nf = dot ? strlen(dot + 1) : 0;
    if (ni == 0 || ni > 3 || (dot && nf == 0)) return -1;
    while (nf && dot[nf] == '0') nf--;
    if (nf > 12) return -1;
    uint64_t v = 0, d = 1;
    for (size_t i = 0; i < ni; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    for (size_t i = 1; dot && dot[i]; i++)
        if (dot[i] < '0' || dot[i] > '9') return -1;
    for (size_t i = 1; i <= nf; i++) {
        v = v * 10 + (uint64_t)(dot[i] - '0');
        d *= 10;
    }
    if (v > 100 * d) return -1;
    *num = v;
    *den = d;
    return 0;
}

/* ---- periods ------------------------------------------------------------ */

/* qsort has no context argument: the rows being sorted, and a sticky
 * failure of the exact comparison (out of memory in its fallback). */
static const slagg_fleet *sort_fleet;
static const slagg_report *sort_report;
static slagg_status sort_status;

static int by_index(size_t a, size_t b)
{
    return (a > b) - (a < b);
}

/* Ascending exact availability = descending exact unavailability S / N.
 * The rounded-up ppm decides when it differs (ceil is monotone); equal
 * ppm above 0 goes to the exact comparison. */
static int cmp_availability(const void *pa, const void *pb)
{
    size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
    const slagg_row *x = &sort_report->rows[a], *y = &sort_report->rows[b];
    if (x->unavail_ppm != y->unavail_ppm) return x->unavail_ppm > y->unavail_ppm ? -1 : 1;
    int c = 0;
    if (x->unavail_ppm != 0 && sort_status == SLAGG_OK) {
        slagg_status st = slagg_unavail_cmp(sort_fleet->ev + x->p->win_off, x->p->win_count, x->windows,
                                            sort_fleet->ev + y->p->win_off, y->p->win_count, y->windows, &c);
        if (st != SLAGG_OK) sort_status = st, c = 0;
    }
    return c ? -c : by_index(a, b);
}

/* Descending credit, empty credit last. */
static int cmp_credit(const void *pa, const void *pb)
{
    size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
    const slagg_row *x = &sort_report->rows[a], *y = &sort_report->rows[b];
    if (x->has_credit != y->has_credit) return x->has_credit ? -1 : 1;
    if (x->has_credit && x->credit != y->credit) return x->credit > y->credit ? -1 : 1;
    return by_index(a, b);
}

static void periods_table(const slagg_fleet *f, const slagg_report *r, const size_t *sel, size_t n,
                          slagg_buf *out)
{
    static const char *const head[] = {"account", "period_start", "period_end", "days",
                                       "valid_requests", "error_requests", "error_windows",
                                       "availability_pct", "tier_pct", "credit", "state"};
    slagg_text_table t;
    slagg_text_table_init(&t, 11, head, "lllrrrrrrrl");
    for (size_t i = 0; i < n; i++) {
        const slagg_row *row = &r->rows[sel[i]];
        const slagg_period_agg *p = row->p;
        char s[11], e[11], days[24], valid[24], errs[24], ew[24], avail[16], tier[8], credit[24] = "-";
        slagg_format_date(p->span.start, s);
        slagg_format_date(p->span.end, e);
        snprintf(days, sizeof days, "%lld", (long long)row->days);
        snprintf(valid, sizeof valid, "%llu", (unsigned long long)row->valid);
        snprintf(errs, sizeof errs, "%llu", (unsigned long long)row->errors);
        snprintf(ew, sizeof ew, "%llu", (unsigned long long)p->error_windows);
        slagg_format_availability(row->unavail_ppm, avail);
        snprintf(tier, sizeof tier, "%d", row->tier_pct);
        if (row->has_credit) slagg_money_format(row->credit, credit);
        const char *cells[11] = {f->accounts[p->account], s, e, days, valid, errs, ew, avail, tier, credit,
                                 slagg_state_name(row->state)};
        size_t lens[11];
        for (int k = 0; k < 11; k++) lens[k] = strlen(cells[k]);
        lens[0] = f->account_len[p->account];
        slagg_text_table_add(&t, cells, lens);
    }
    slagg_text_table_format(&t, "", out);
    slagg_text_table_free(&t);
}

int slagg_cmd_periods(int argc, char **argv)
{
    slagg_opt opts[] = {{"below", 1, NULL, 0},  {"tier", 1, NULL, 0},   {"account", 1, NULL, 0},
                        {"sort", 1, NULL, 0},   {"format", 1, NULL, 0}, {"help", 0, NULL, 'h'}};
    const size_t n_opts = sizeof opts / sizeof *opts;
    const char *pos[1];
    size_t n_pos;
    if (slagg_opts_parse("periods", argc, argv, opts, n_opts, pos, 1, &n_pos) != 0) return 1;
#define OPT(name) slagg_opt_get(opts, n_opts, name)
    if (OPT("help")) {
        fputs(periods_help, stdout);
        return 0;
    }
    enum fmt fmt;
    uint64_t pct_num = 0, pct_den = 1, tier = 0;
    const char *sort = OPT("sort") ? OPT("sort") : "account";
    if (parse_format(OPT("format"), &fmt) != 0) return 1;
    if (OPT("below") && parse_pct(OPT("below"), &pct_num, &pct_den) != 0) {
        slagg_cli_error("--below '%s' is not a percentage from 0 to 100 with at most 12 decimals (e.g. 99.9)", OPT("below"));
        return 1;
    }
    if (OPT("tier") && (slagg_parse_u64(OPT("tier"), 50, &tier) != 0 ||
                        (tier != 0 && tier != 10 && tier != 25 && tier != 50))) {
        slagg_cli_error("--tier '%s' is not a credit tier: 0, 10, 25 or 50", OPT("tier"));
        return 1;
    }
    if (strcmp(sort, "account") && strcmp(sort, "availability") && strcmp(sort, "credit")) {
        slagg_cli_error("--sort must be account, availability or credit, not '%s'", sort);
        return 1;
    }
    if (n_pos != 1) {
        slagg_cli_error("periods needs a SUMMARY (see 'slagg periods --help')");
        return 1;
    }
    slagg_fleet f;
    slagg_tables t;
    slagg_report r;
    int rc = load(pos[0], &f, &t, &r);
    if (rc) return rc;
    size_t *sel = slagg_calloc(r.n_rows ? r.n_rows : 1, sizeof *sel);
    slagg_row *rows = slagg_calloc(r.n_rows ? r.n_rows : 1, sizeof *rows);
    size_t n = 0;
    slagg_status st = sel && rows ? SLAGG_OK : SLAGG_E_NOMEM;
    const char *acct = OPT("account");
    for (size_t i = 0; i < r.n_rows && st == SLAGG_OK; i++) {
        const slagg_row *row = &r.rows[i];
        const slagg_period_agg *p = row->p;
        if (acct && (strlen(acct) != f.account_len[p->account] ||
                     memcmp(acct, f.accounts[p->account], f.account_len[p->account]) != 0))
            continue;
        if (OPT("tier") && (uint64_t)row->tier_pct != tier) continue;
        if (OPT("below")) {
            int below = 0;
            st = slagg_avail_below(f.ev + p->win_off, p->win_count, row->windows, pct_num, pct_den, &below);
            if (!below) continue;
        }
        sel[n++] = i;
    }
    sort_fleet = &f;
    sort_report = &r;
    sort_status = st;
    if (strcmp(sort, "availability") == 0) qsort(sel, n, sizeof *sel, cmp_availability);
    else if (strcmp(sort, "credit") == 0) qsort(sel, n, sizeof *sel, cmp_credit);
    st = sort_status;
    if (st != SLAGG_OK) {
        slagg_cli_error("%s", st == SLAGG_E_NOMEM ? "out of memory" : "cannot compare availabilities");
        rc = 3;
    } else {
        slagg_buf b = {0};
        if (fmt == FMT_TABLE) {
            periods_table(&f, &r, sel, n, &b);
        } else {
            /* the export's own formatters over the selected rows, in order */
            for (size_t i = 0; i < n; i++) rows[i] = r.rows[sel[i]];
            slagg_report view = r;
            view.rows = rows;
            view.n_rows = n;
            if (fmt == FMT_CSV) slagg_format_finance_csv(&f, &view, &b);
            else slagg_format_finance_jsonl(&f, &view, &b);
        }
        rc = emit(&b);
    }
#undef OPT
    slagg_free(sel);
    slagg_free(rows);
    unload(&f, &t, &r);
    return rc;
}

/* ---- windows ------------------------------------------------------------ */

typedef struct win_ref {
    const slagg_row *row;
    size_t w;       /* index into fleet.ev / fleet.win */
    size_t order;   /* position in account, period_start, window_start order */
} win_ref;

static const slagg_fleet *win_fleet;

/* Largest exact share first; ties by account, then time (the order). */
static int cmp_share(const void *pa, const void *pb)
{
    const win_ref *a = pa, *b = pb;
    const slagg_ev *x = &win_fleet->ev[a->w], *y = &win_fleet->ev[b->w];
    int c = slagg_share_cmp(x->e, x->v, a->row->windows, y->e, y->v, b->row->windows);
    if (c) return -c;
    return by_index(a->order, b->order);
}

int slagg_cmd_windows(int argc, char **argv)
{
    slagg_opt opts[] = {{"account", 1, NULL, 0}, {"period", 1, NULL, 0}, {"top", 1, NULL, 0},
                        {"format", 1, NULL, 0},  {"help", 0, NULL, 'h'}};
    const size_t n_opts = sizeof opts / sizeof *opts;
    const char *pos[1];
    size_t n_pos;
    if (slagg_opts_parse("windows", argc, argv, opts, n_opts, pos, 1, &n_pos) != 0) return 1;
#define OPT(name) slagg_opt_get(opts, n_opts, name)
    if (OPT("help")) {
        fputs(windows_help, stdout);
        return 0;
    }
    enum fmt fmt;
    int64_t day = 0;
    uint64_t top = 0;
    if (parse_format(OPT("format"), &fmt) != 0) return 1;
    if (OPT("period")) {
        const char *s = OPT("period");
        int pr = slagg_parse_input_date(s, strlen(s), &day);
        if (pr != 0) {
            slagg_cli_error(pr == -2 ? "--period '%s' is after " SLAGG_LAST_DAY_TEXT
                                     : "--period '%s' is not a date YYYY-MM-DD",
                            s);
            return 1;
        }
    }
    if (OPT("top") && (slagg_parse_u64(OPT("top"), UINT64_MAX, &top) != 0 || top == 0)) {
        slagg_cli_error("--top '%s' is not a number of windows from 1", OPT("top"));
        return 1;
    }
    if (n_pos != 1) {
        slagg_cli_error("windows needs a SUMMARY (see 'slagg windows --help')");
        return 1;
    }
    slagg_fleet f;
    slagg_tables t;
    slagg_report r;
    int rc = load(pos[0], &f, &t, &r);
    if (rc) return rc;
    const char *acct = OPT("account");
    win_ref *refs = slagg_calloc(f.n_win ? f.n_win : 1, sizeof *refs);
    size_t n = 0;
    if (!refs) {
        slagg_cli_error("out of memory");
        unload(&f, &t, &r);
        return 3;
    }
    /* report rows are the fleet's periods in order: account (bytewise),
     * period_start; each period's windows are stored by time */
    for (size_t i = 0; i < r.n_rows; i++) {
        const slagg_row *row = &r.rows[i];
        const slagg_period_agg *p = row->p;
        if (acct && (strlen(acct) != f.account_len[p->account] ||
                     memcmp(acct, f.accounts[p->account], f.account_len[p->account]) != 0))
            continue;
        if (OPT("period") && (day < p->span.start || day > p->span.end)) continue;
        for (uint64_t k = 0; k < p->win_count; k++) {
            refs[n] = (win_ref){row, (size_t)(p->win_off + k), n};
            n++;
        }
    }
    if (OPT("top")) {
        win_fleet = &f;
        qsort(refs, n, sizeof *refs, cmp_share);
        if (top < n) n = (size_t)top;
    }
    static const char *const head[] = {"account", "period_start", "window_start", "window_end",
                                       "valid", "error", "rate", "share"};
    slagg_buf b = {0};
    slagg_text_table tb;
    if (fmt == FMT_TABLE) slagg_text_table_init(&tb, 8, head, "llllrrrr");
    if (fmt == FMT_CSV) slagg_buf_puts(&b, "account,period_start,window_start,window_end,valid,error,rate,share\n");
    for (size_t i = 0; i < n; i++) {
        const slagg_period_agg *p = refs[i].row->p;
        const slagg_ev *ev = &f.ev[refs[i].w];
        const char *a = f.accounts[p->account];
        size_t alen = f.account_len[p->account];
        int64_t w = p->span.start * SLAGG_WINDOWS_PER_DAY + (int64_t)f.win[refs[i].w];
        char ps[11], ws[40], we[40], valid[24], err[24], rate[SLAGG_TRUNC6_CHARS], share[SLAGG_TRUNC6_CHARS];
        slagg_format_date(p->span.start, ps);
        slagg_format_window_start(w, f.tz_s, ws);
        slagg_format_window_start(w + 1, f.tz_s, we);
        snprintf(valid, sizeof valid, "%llu", (unsigned long long)ev->v);
        snprintf(err, sizeof err, "%llu", (unsigned long long)ev->e);
        slagg_format_trunc6(ev->e, 1, ev->v, 1, rate);
        slagg_format_trunc6(ev->e, 100, ev->v, refs[i].row->windows, share);
        if (fmt == FMT_TABLE) {
            const char *cells[8] = {a, ps, ws, we, valid, err, rate, share};
            size_t lens[8];
            for (int k = 0; k < 8; k++) lens[k] = strlen(cells[k]);
            lens[0] = alen;
            slagg_text_table_add(&tb, cells, lens);
        } else if (fmt == FMT_CSV) {
            slagg_buf_csv_text(&b, a, alen);  /* SPEC 4 spreadsheet safety */
            slagg_buf_printf(&b, ",%s,%s,%s,%s,%s,%s,%s\n", ps, ws, we, valid, err, rate, share);
        } else {
            slagg_buf_puts(&b, "{\"account\":");
            slagg_buf_json_str(&b, a, alen);
            slagg_buf_printf(&b,
                             ",\"period_start\":\"%s\",\"window_start\":\"%s\",\"window_end\":\"%s\","
                             "\"valid\":%s,\"error\":%s,\"rate\":\"%s\",\"share\":\"%s\"}\n",
                             ps, ws, we, valid, err, rate, share);
        }
    }
    if (fmt == FMT_TABLE) {
        slagg_text_table_format(&tb, "", &b);
        slagg_text_table_free(&tb);
    }
    rc = emit(&b);
#undef OPT
    slagg_free(refs);
    unload(&f, &t, &r);
    return rc;
}
