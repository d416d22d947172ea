/*
 * metrics.c - the --metrics text (io/metrics.h; docs/FORMAT.md "The
 * metrics file"). Every figure is one that summary.json or finance.csv
 * already shows, printed the same way (availability truncated to 4
 * decimals, money exactly from the fen), so a dashboard never disagrees
 * with the export; Prometheus then holds them as floats, which is fine
 * for graphs and alerts (finance reads finance.csv, never the metrics).
 */
#include "io/metrics.h"

#include <stdio.h>

#include "core/calendar.h"
#include "core/exact.h"
#include "core/money.h"

/* "# HELP name text\n# TYPE name gauge\n": every slagg metric is a gauge
 * (a value of the last run, not a count that only grows). */
static void head(slagg_buf *b, const char *name, const char *help)
{
    slagg_buf_printf(b, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

/* A label value as the text format wants it: \\, \" and \n escaped; any
 * other byte (UTF-8 included) as it is. */
static void label_value(slagg_buf *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\\') slagg_buf_puts(b, "\\\\");
        else if (s[i] == '"') slagg_buf_puts(b, "\\\"");
        else if (s[i] == '\n') slagg_buf_puts(b, "\\n");
        else slagg_buf_put(b, &s[i], 1);
    }
}

static void u64_line(slagg_buf *b, const char *name, const char *labels, uint64_t v)
{
    slagg_buf_printf(b, "%s%s%s%s %llu\n", name, labels ? "{" : "", labels ? labels : "", labels ? "}" : "",
                     (unsigned long long)v);
}

static void run_metrics(const slagg_metrics_run *run, slagg_buf *b)
{
    char lab[64];
    snprintf(lab, sizeof lab, "command=\"%s\"", run->command);
    head(b, "slagg_run_success", "1 when the last run committed its generation, 0 when it failed (DIR unchanged).");
    u64_line(b, "slagg_run_success", lab, run->exit_code == 0);
    head(b, "slagg_run_exit_code", "Exit code of the last run: 0 success, 1 usage, 2 input, 3 internal or I/O error.");
    u64_line(b, "slagg_run_exit_code", lab, (uint64_t)run->exit_code);
    head(b, "slagg_run_duration_seconds", "Wall-clock duration of the last run, from its start to its commit.");
    slagg_buf_printf(b, "slagg_run_duration_seconds{%s} %.6f\n", lab, run->duration_s);
    head(b, "slagg_last_run_timestamp_seconds", "Unix time at the end of the last run.");
    slagg_buf_printf(b, "slagg_last_run_timestamp_seconds{%s} %.3f\n", lab, run->end_unix_s);
}

void slagg_format_metrics(const slagg_metrics_run *run, const slagg_fleet *f, const slagg_report *r,
                          const slagg_warnings *w, slagg_buf *b)
{
    run_metrics(run, b);
    if (!f || !r) return;
    const uint64_t *c = r->cls;
    /* summary.json's counts, one class each: they add up to records_read (SPEC 4) */
    static const char *const cls_name[] = {"ok", "error", "lost_provider", "not_received",
                                           "excluded_maintenance", "excluded_attack", "excluded_content_ban",
                                           "excluded_external", "excluded_client"};
    const uint64_t cls_v[] = {c[SLAGG_CLASS_OK], c[SLAGG_CLASS_ERROR], c[SLAGG_CLASS_LOST],
                              c[SLAGG_CLASS_NOT_RECEIVED],
                              c[SLAGG_CLASS_EXCL_MAINTENANCE] + c[SLAGG_CLASS_EXCL_MAINT_LOST],
                              c[SLAGG_CLASS_EXCL_ATTACK], c[SLAGG_CLASS_EXCL_CONTENT_BAN],
                              c[SLAGG_CLASS_EXCL_EXTERNAL], c[SLAGG_CLASS_EXCL_CLIENT]};
    char lab[96];
    head(b, "slagg_records_read", "Request records read by the last run (summary.json records_read).");
    u64_line(b, "slagg_records_read", NULL, f->records_read);
    head(b, "slagg_records", "Request records of the last run by class (summary.json); they add up to slagg_records_read.");
    for (size_t k = 0; k < sizeof cls_name / sizeof *cls_name; k++) {
        snprintf(lab, sizeof lab, "class=\"%s\"", cls_name[k]);
        u64_line(b, "slagg_records", lab, cls_v[k]);
    }
    u64_line(b, "slagg_records", "class=\"uncontracted\"", f->uncontracted);
    u64_line(b, "slagg_records", "class=\"before_from\"", f->before_from);
    u64_line(b, "slagg_records", "class=\"after_through\"", f->after_through);
    u64_line(b, "slagg_records", "class=\"rejected\"", f->rejected);
    head(b, "slagg_accounts", "Distinct accounts in the finance export.");
    u64_line(b, "slagg_accounts", NULL, r->accounts);
    /* every tier x state pair, zeros included, so each series exists on every run */
    uint64_t n[4][3] = {{0}};
    for (size_t i = 0; i < r->n_rows; i++) {
        int t = r->rows[i].tier_pct;
        n[t == 10 ? 1 : t == 25 ? 2 : t == 50 ? 3 : 0][r->rows[i].state]++;
    }
    static const char *const tiers[4] = {"0", "10", "25", "50"};
    head(b, "slagg_periods", "Periods in the finance export by credit tier (percent of the fee) and state.");
    for (int t = 0; t < 4; t++)
        for (int s = 0; s < 3; s++) {
            snprintf(lab, sizeof lab, "tier=\"%s\",state=\"%s\"", tiers[t], slagg_state_name((slagg_state)s));
            u64_line(b, "slagg_periods", lab, n[t][s]);
        }
    char total[SLAGG_MONEY_TOTAL_CHARS];
    slagg_money_format_total(r->total_credit, total);
    head(b, "slagg_total_credit_cny", "Total credit of the export in CNY, as summary.json total_credit (exact text; finance reads finance.csv).");
    slagg_buf_printf(b, "slagg_total_credit_cny %s\n", total);
    if (w) {
        head(b, "slagg_warnings", "Warnings of the last run by kind (summary.json warnings).");
        for (int k = 0; k < SLAGG_WARN_KINDS; k++) {
            snprintf(lab, sizeof lab, "kind=\"%s\"", slagg_warn_kind_name((slagg_warn_kind)k));
            u64_line(b, "slagg_warnings", lab, w->count[k]);
        }
    }
    head(b, "slagg_period_availability_percent",
         "Availability of each period in percent, truncated to 4 decimals as in finance.csv (in_progress: month to date).");
    for (size_t i = 0; i < r->n_rows; i++) {
        const slagg_row *row = &r->rows[i];
        char day[11], avail[16];
        slagg_format_date(row->p->span.start, day);
        slagg_format_availability(row->unavail_ppm, avail);
        slagg_buf_puts(b, "slagg_period_availability_percent{account=\"");
        label_value(b, f->accounts[row->p->account], f->account_len[row->p->account]);
        slagg_buf_printf(b, "\",period_start=\"%s\"} %s\n", day, avail);
    }
}
