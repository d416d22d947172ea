/*
 * report_html.c - the HTML report of `slagg report` (SPEC 5 "report";
 * docs/RULES.md "The HTML report"). Every figure is formatted from the
 * exact values of core/report.c (tiers from the exact unavailability,
 * money in fen, totals in 128 bits); floating point only places bars.
 */
#include "io/report_html.h"

#include <math.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/calendar.h"
#include "core/exact.h"
#include "core/money.h"
#include "slagg/slagg.h"

void slagg_buf_html_text(slagg_buf *b, const char *s, size_t n)
{
    slagg_buf tmp = {0};
    slagg_buf_escaped(&tmp, s, n);
    if (slagg_buf_failed(&tmp)) {
        b->failed = 1;
        slagg_buf_free(&tmp);
        return;
    }
    size_t run = 0;
    for (size_t i = 0; i < tmp.len; i++) {
        const char *e = NULL;
        switch (tmp.data[i]) {
        case '&': e = "&amp;"; break;
        case '<': e = "&lt;"; break;
        case '>': e = "&gt;"; break;
        case '"': e = "&quot;"; break;
        case '\'': e = "&#39;"; break;
        default: continue;
        }
        slagg_buf_put(b, tmp.data + run, i - run);
        slagg_buf_puts(b, e);
        run = i + 1;
    }
    slagg_buf_put(b, tmp.data + run, tmp.len - run);
    slagg_buf_free(&tmp);
}

static void html_str(slagg_buf *b, const char *s)
{
    slagg_buf_html_text(b, s, strlen(s));
}

/* "20,000,000": the digits of a decimal text (optionally followed by a
 * fraction ".50") grouped by three, for people; the exact text goes in the
 * value attribute of the <data> element around it. */
static void grouped(slagg_buf *b, const char *digits)
{
    size_t n = strcspn(digits, ".");
    for (size_t i = 0; i < n; i++) {
        if (i && (n - i) % 3 == 0) slagg_buf_put(b, ",", 1);
        slagg_buf_put(b, digits + i, 1);
    }
    slagg_buf_puts(b, digits + n);
}

/* grouped() into a char array of cap bytes (a bar's value label). */
static void grouped_text(char *out, size_t cap, const char *digits)
{
    slagg_buf t = {0};
    grouped(&t, digits);
    snprintf(out, cap, "%.*s", t.data ? (int)t.len : 0, t.data ? t.data : "");
    slagg_buf_free(&t);
}

/* <data id=ID value=EXACT>grouped</data> */
static void figure_text(slagg_buf *b, const char *id, const char *exact)
{
    slagg_buf_printf(b, "<data id=\"%s\" value=\"%s\">", id, exact);
    grouped(b, exact);
    slagg_buf_puts(b, "</data>");
}

static void figure_u64(slagg_buf *b, const char *id, uint64_t v)
{
    char t[24];
    snprintf(t, sizeof t, "%llu", (unsigned long long)v);
    figure_text(b, id, t);
}

static void u64_grouped(slagg_buf *b, uint64_t v)
{
    char t[24];
    snprintf(t, sizeof t, "%llu", (unsigned long long)v);
    grouped(b, t);
}

/* ---- charts ------------------------------------------------------------- */

/* One bar of a chart. */
typedef struct bar {
    double v;          /* height in the chart's unit (>= 0) */
    char label[24];    /* x tick label under the bar, or "" */
    char vtext[48];    /* value written above the bar, or "" */
    char tip[160];     /* tooltip (<title>), or "": no rect when v == 0 */
    const char *cls;   /* CSS class of the rect */
} bar;

/* A round step (1, 2 or 5 x 10^k) that cuts [0, vmax] into about n
 * parts; at least 1 when integer ticks are asked. */
static double nice_step(double vmax, int n, int integer)
{
    if (!(vmax > 0)) return 1;
    double raw = vmax / n, p = pow(10, floor(log10(raw))), m = raw / p;
    double s = (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
    return integer && s < 1 ? 1 : s;
}

/* A tick value for an axis whose top tick is top, in one unit for the
 * whole axis: "0", "250", "2.5k", "12M", "0.25". */
static void tick_text(double v, double top, char out[24])
{
    static const char *const suffix[] = {"", "k", "M", "G", "T", "P"};
    int k = 0;
    double div = 1;
    if (top >= 1e4)
        while (top / div >= 1000 && k < 5) {
            div *= 1000;
            k++;
        }
    v /= div;
    if (v == floor(v)) snprintf(out, 24, "%.0f%s", v, v == 0 ? "" : suffix[k]);
    else snprintf(out, 24, "%.3g%s", v, suffix[k]);
}

#define CH_W 960
#define CH_H 300
#define CH_L 80   /* left margin: y tick labels and the y title */
#define CH_R 20
#define CH_T 24
#define CH_B 64   /* bottom: x tick labels and the x title */

/* A bar chart as inline SVG: y axis with round ticks and grid lines, x tick
 * labels under the bars (every label_every-th one that is not empty), both
 * axis titles (with units), an accessible title. One rect (with its
 * tooltip) per bar of non-zero height, so the DOM grows with the bars
 * drawn, never with the fleet. */
#define CH_INTEGER 1  /* integer ticks (counts) */
#define CH_LOG 2      /* a log y axis (counts spanning orders of magnitude) */

/* The height of value v as a fraction of the plot: linear from 0 to top,
 * or log from 0.5 (so that a count of 1 still shows) to top. */
static double frac_of(double v, double top, int flags)
{
    if (!(v > 0)) return 0;
    if (!(flags & CH_LOG)) return v / top;
    const double lo = log10(0.5);
    return (log10(v) - lo) / (log10(top) - lo);
}

static void bar_chart(slagg_buf *b, const char *id, const char *title, const char *x_title, const char *y_title,
                      const bar *bars, size_t n, int flags, size_t label_every)
{
    const double pw = CH_W - CH_L - CH_R, ph = CH_H - CH_T - CH_B;
    double vmax = 0;
    for (size_t i = 0; i < n; i++)
        if (bars[i].v > vmax) vmax = bars[i].v;
    double step = nice_step(vmax, 5, flags & CH_INTEGER);
    double top = step * ceil(vmax / step);
    if (!(top > 0)) top = step;
    if (flags & CH_LOG) top = pow(10, ceil(log10(vmax > 10 ? vmax : 10)));
    slagg_buf_printf(b,
                     "<svg id=\"%s\" class=\"chart\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" "
                     "role=\"img\" aria-labelledby=\"%s-title\"><title id=\"%s-title\">",
                     id, CH_W, CH_H, CH_W, CH_H, id, id);
    html_str(b, title);
    slagg_buf_puts(b, "</title>\n<g class=\"axis y\">");
    for (int k = 0; k <= 12; k++) {
        static const char *const sfx[] = {"", "k", "M", "G", "T", "P"};
        char t[24];
        double v;
        if (flags & CH_LOG) {
            v = pow(10, k);
            snprintf(t, sizeof t, "%s%s", k % 3 == 0 ? "1" : k % 3 == 1 ? "10" : "100", sfx[k / 3 < 5 ? k / 3 : 5]);
        } else {
            v = step * k;
            tick_text(v, top, t);
        }
        if (v > top * (1 + 1e-9)) break;
        double y = CH_T + ph - ph * frac_of(v, top, flags);
        slagg_buf_printf(b, "<line class=\"grid\" x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\"/>", CH_L,
                         CH_W - CH_R, y, y);
        slagg_buf_printf(b, "<text class=\"tick\" x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>", CH_L - 6,
                         y + 4, t);
    }
    slagg_buf_printf(b,
                     "<text class=\"axis-title\" transform=\"translate(18 %.1f) rotate(-90)\" "
                     "text-anchor=\"middle\">",
                     CH_T + ph / 2);
    html_str(b, y_title);
    slagg_buf_puts(b, "</text></g>\n<g class=\"bars\">");
    double slot = n ? pw / (double)n : pw, bw = slot * 0.8 > 1 ? slot * 0.8 : 1;
    if (slot > 120) bw = 96;
    for (size_t i = 0; i < n; i++) {
        const bar *r = &bars[i];
        double x = CH_L + slot * (double)i + (slot - bw) / 2;
        double h = ph * frac_of(r->v, top, flags);
        if (r->v > 0 && h < 1) h = 1;
        if (r->v > 0) {
            slagg_buf_printf(b, "<rect class=\"%s\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\">",
                             r->cls ? r->cls : "bar", x, CH_T + ph - h, bw, h);
            if (r->tip[0]) {
                slagg_buf_puts(b, "<title>");
                html_str(b, r->tip);
                slagg_buf_puts(b, "</title>");
            }
            slagg_buf_puts(b, "</rect>");
        }
        if (r->vtext[0]) {
            slagg_buf_printf(b, "<text class=\"value\" x=\"%.2f\" y=\"%.2f\" text-anchor=\"middle\">",
                             x + bw / 2, CH_T + ph - h - 5);
            html_str(b, r->vtext);
            slagg_buf_puts(b, "</text>");
        }
    }
    slagg_buf_puts(b, "</g>\n<g class=\"axis x\">");
    slagg_buf_printf(b, "<line class=\"baseline\" x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\"/>", CH_L,
                     CH_W - CH_R, CH_T + ph, CH_T + ph);
    for (size_t i = 0; i < n; i++) {
        if (!bars[i].label[0] || (label_every > 1 && i % label_every)) continue;
        slagg_buf_printf(b, "<text class=\"tick\" x=\"%.2f\" y=\"%.1f\" text-anchor=\"middle\">",
                         CH_L + slot * (double)i + slot / 2, CH_T + ph + 18);
        html_str(b, bars[i].label);
        slagg_buf_puts(b, "</text>");
    }
    slagg_buf_printf(b, "<text class=\"axis-title\" x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">",
                     CH_L + pw / 2, CH_H - 12);
    html_str(b, x_title);
    slagg_buf_puts(b, "</text></g></svg>\n");
}

/* ---- sections ----------------------------------------------------------- */

static const char css[] =
    "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,'Helvetica Neue',Arial,sans-serif;"
    "color:#1b1f24;background:#fff;margin:24px auto;max-width:1120px;padding:0 16px;line-height:1.4}"
    "h1{font-size:1.6em;margin:0 0 4px}h2{font-size:1.25em;margin:32px 0 8px;border-bottom:1px solid #d0d7de;"
    "padding-bottom:4px}p.meta{color:#57606a;margin:0 0 16px}"
    ".cards{display:grid;grid-template-columns:repeat(4,1fr);gap:12px;margin:12px 0}"
    ".card{border:1px solid #d0d7de;border-radius:6px;padding:10px 12px}"
    ".card .k{color:#57606a;font-size:.85em}.card .v{font-size:1.5em;font-weight:600}"
    ".card .s{color:#57606a;font-size:.85em}"
    "table{border-collapse:collapse;margin:8px 0;font-size:.9em}"
    "th,td{border-bottom:1px solid #d0d7de;padding:3px 8px;text-align:left;vertical-align:middle}"
    "th{background:#f6f8fa}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}"
    "td{white-space:nowrap}td.acct{white-space:normal;overflow-wrap:anywhere;min-width:9em}"
    "div.scroll{overflow-x:auto}"
    "svg.chart{max-width:100%;height:auto;display:block;margin:8px 0}"
    "svg text{font-family:inherit;font-size:13px;fill:#1b1f24}svg text.tick{font-size:12px;fill:#57606a}"
    "svg text.axis-title{font-size:13px;font-weight:600}svg text.value{font-size:12px}"
    "svg line.grid{stroke:#eaeef2}svg line.baseline{stroke:#57606a}"
    "rect.bar{fill:#0969da}rect.under{fill:#cf222e}rect.meets{fill:#2da44e}rect.credit{fill:#bf8700}"
    "svg.strip rect{fill:#cf222e}svg.strip line{stroke:#8c959f}"
    ".legend span{display:inline-block;width:12px;height:12px;margin:0 4px 0 12px;vertical-align:-1px}"
    "ul.warn{margin:4px 0 8px 0;padding-left:20px;font-size:.9em}code{background:#f6f8fa;padding:0 3px}"
    "p.note{color:#57606a;font-size:.9em}\n";

typedef struct ctx {
    const slagg_fleet *f;
    const slagg_report *r;
    const slagg_warnings *w;
    slagg_buf *b;
    char tz[8];
} ctx;

static void card_begin(slagg_buf *b, const char *key)
{
    slagg_buf_printf(b, "<div class=\"card\"><div class=\"k\">%s</div><div class=\"v\">", key);
}

/* The headline (SPEC 5: periods, tiers, total credit, coverage and
 * warnings), each figure exactly as summary.json gives it. */
static void headline(ctx *c)
{
    slagg_buf *b = c->b;
    const slagg_report *r = c->r;
    const slagg_fleet *f = c->f;
    const slagg_warnings *w = c->w;
    char total[SLAGG_MONEY_TOTAL_CHARS], x[40];
    uint64_t n_rows = r->n_rows, under = r->tiers[1] + r->tiers[2] + r->tiers[3];
    slagg_buf_puts(b, "<section id=\"headline\"><h2>Fleet headline</h2>\n<div class=\"cards\">");
    card_begin(b, "periods");
    figure_u64(b, "h-periods", n_rows);
    slagg_buf_puts(b, "</div><div class=\"s\">final ");
    figure_u64(b, "h-final", r->periods[SLAGG_STATE_FINAL]);
    slagg_buf_puts(b, ", in progress ");
    figure_u64(b, "h-in-progress", r->periods[SLAGG_STATE_IN_PROGRESS]);
    slagg_buf_puts(b, ", no fee ");
    figure_u64(b, "h-no-fee", r->periods[SLAGG_STATE_NO_FEE]);
    slagg_buf_puts(b, "</div></div>");
    card_begin(b, "accounts");
    figure_u64(b, "h-accounts", r->accounts);
    slagg_buf_puts(b, "</div><div class=\"s\">records read ");
    figure_u64(b, "h-records", f->records_read);
    slagg_buf_puts(b, "</div></div>");
    card_begin(b, "periods under the promise (&lt; 99.90 %)");
    figure_u64(b, "h-under", under);
    slagg_buf_puts(b, "</div><div class=\"s\">tier 10 %: ");
    figure_u64(b, "h-tier-10", r->tiers[1]);
    slagg_buf_puts(b, ", 25 %: ");
    figure_u64(b, "h-tier-25", r->tiers[2]);
    slagg_buf_puts(b, ", 50 %: ");
    figure_u64(b, "h-tier-50", r->tiers[3]);
    slagg_buf_puts(b, "; no credit: ");
    figure_u64(b, "h-tier-0", r->tiers[0]);
    slagg_buf_puts(b, "</div></div>");
    card_begin(b, "total credit (CNY)");
    slagg_money_format_total(r->total_credit, total);
    figure_text(b, "h-total-credit", total);
    slagg_buf_puts(b, "</div><div class=\"s\">vouchers owed for final periods</div></div></div>\n");

    /* coverage */
    slagg_buf_puts(b, "<h3>Coverage</h3>\n<p id=\"h-coverage\">");
    if (!f->cov.known) {
        slagg_buf_puts(b, "Not recorded: the summary predates coverage (format 1.0).");
    } else if (!f->cov.has_record) {
        slagg_buf_puts(b, "No accepted record at all.");
    } else {
        slagg_format_rfc3339(f->cov.first_ms, f->tz_s, x);
        slagg_buf_printf(b, "Records from <time id=\"h-first-record\">%s</time>", x);
        slagg_format_rfc3339(f->cov.last_ms, f->tz_s, x);
        slagg_buf_printf(b, " to <time id=\"h-last-record\">%s</time>; ", x);
    }
    if (f->cov.known) {
        slagg_buf_printf(b, "<data id=\"h-gaps\" value=\"%zu\">%zu</data> gap%s of %u min or more without any "
                         "accepted record.", w->n_gaps, w->n_gaps, w->n_gaps == 1 ? "" : "s", f->cov.gap_min);
    }
    slagg_buf_puts(b, "</p>\n");
    if (w->n_gaps) {
        slagg_buf_puts(b, "<ul class=\"warn\" id=\"gaps\">");
        for (size_t i = 0; i < w->n_gaps && i < SLAGG_REPORT_MAX_DETAILS; i++) {
            char y[40];
            slagg_format_window_start(w->gaps[2 * i], f->tz_s, x);
            slagg_format_window_start(w->gaps[2 * i + 1], f->tz_s, y);
            slagg_buf_printf(b, "<li>%s .. %s (%lld min)</li>", x, y,
                             (long long)(w->gaps[2 * i + 1] - w->gaps[2 * i]) * 5);
        }
        if (w->n_gaps > SLAGG_REPORT_MAX_DETAILS)
            slagg_buf_printf(b, "<li>and %zu more (summary.json lists them all)</li>",
                             w->n_gaps - SLAGG_REPORT_MAX_DETAILS);
        slagg_buf_puts(b, "</ul>\n");
    }

    /* warnings: a count per kind, the first few details of each */
    slagg_buf_printf(b, "<h3>Warnings: <data id=\"h-warnings\" value=\"%zu\">", w->n);
    u64_grouped(b, w->n);
    slagg_buf_puts(b, "</data></h3>\n");
    if (!w->n) slagg_buf_puts(b, "<p>None.</p>\n");
    for (size_t k = 0, i = 0; k < SLAGG_WARN_KINDS; k++) {
        size_t nk = w->count[k];
        if (!nk) continue;
        const char *name = slagg_warn_kind_name((slagg_warn_kind)k);
        slagg_buf_printf(b, "<p class=\"wkind\" id=\"w-%s\"><code>%s</code>: <data value=\"%zu\">", name, name,
                         nk);
        u64_grouped(b, nk);
        slagg_buf_puts(b, "</data></p><ul class=\"warn\">");
        while (i < w->n && w->v[i].kind < (slagg_warn_kind)k) i++;
        for (size_t j = 0; j < nk && j < SLAGG_REPORT_MAX_DETAILS; j++) {
            slagg_buf_puts(b, "<li>");
            slagg_buf_html_text(b, w->v[i + j].detail, w->v[i + j].len);
            slagg_buf_puts(b, "</li>");
        }
        if (nk > SLAGG_REPORT_MAX_DETAILS)
            slagg_buf_printf(b, "<li>and %zu more (summary.json lists them all)</li>",
                             nk - SLAGG_REPORT_MAX_DETAILS);
        slagg_buf_puts(b, "</ul>\n");
        i += nk;
    }
    slagg_buf_puts(b, "</section>\n");
}

/* The distribution of availability: fixed bins decided on the exact
 * unavailability u (ppm, core/exact.h), whose integer ceiling makes each
 * bound exact: A < 95 % <=> u > 50000, A < 99 % <=> u > 10000, A < 99.5 %
 * <=> u > 5000, A < 99.9 % <=> u > 1000, A < 99.99 % <=> u > 100,
 * A = 100 % <=> u = 0. */
#define N_BINS 7
static const char *const bin_label[N_BINS] = {"< 95", "95 - 99", "99 - 99.5", "99.5 - 99.9",
                                              "99.9 - 99.99", "99.99 - 100", "100"};

static int bin_of(uint64_t u)
{
    return u > 50000 ? 0 : u > 10000 ? 1 : u > 5000 ? 2 : u > 1000 ? 3 : u > 100 ? 4 : u > 0 ? 5 : 6;
}

static void distribution(ctx *c)
{
    slagg_buf *b = c->b;
    uint64_t count[N_BINS] = {0};
    for (size_t i = 0; i < c->r->n_rows; i++) count[bin_of(c->r->rows[i].unavail_ppm)]++;
    bar bars[N_BINS];
    memset(bars, 0, sizeof bars);
    for (int k = 0; k < N_BINS; k++) {
        bars[k].v = (double)count[k];
        snprintf(bars[k].label, sizeof bars[k].label, "%s", bin_label[k]);
        char t[24];
        snprintf(t, sizeof t, "%llu", (unsigned long long)count[k]);
        grouped_text(bars[k].vtext, sizeof bars[k].vtext, t);
        snprintf(bars[k].tip, sizeof bars[k].tip, "availability %s %%: %llu periods", bin_label[k],
                 (unsigned long long)count[k]);
        bars[k].cls = k < 4 ? "under" : "meets";
    }
    slagg_buf_puts(b,
                   "<section id=\"distribution\"><h2>Distribution of availability</h2>\n"
                   "<p class=\"legend\">Periods by availability; each bin holds its lower bound "
                   "(95 - 99 is 95 % &lt;= A &lt; 99 %), 100 is exactly 100 %."
                   "<span class=\"l-under\" style=\"background:#cf222e\"></span>under the promise"
                   "<span style=\"background:#2da44e\"></span>meets it (&gt;= 99.90 %)</p>\n");
    uint64_t lo = UINT64_MAX, hi = 0;
    for (int k = 0; k < N_BINS; k++)
        if (count[k]) {
            if (count[k] < lo) lo = count[k];
            if (count[k] > hi) hi = count[k];
        }
    int log_axis = hi > 100 * lo;   /* else the bins under the promise would not show */
    bar_chart(b, "chart-distribution", "Periods by availability (%)", "availability (%)",
              log_axis ? "periods (log scale)" : "periods", bars, N_BINS, CH_INTEGER | (log_axis ? CH_LOG : 0), 1);
    slagg_buf_puts(b, "<table id=\"distribution-table\"><tr><th>availability (%)</th>");
    for (int k = 0; k < N_BINS; k++) slagg_buf_printf(b, "<th class=\"n\">%s</th>", bin_label[k]);
    slagg_buf_puts(b, "</tr><tr><th>periods</th>");
    for (int k = 0; k < N_BINS; k++) {
        slagg_buf_printf(b, "<td class=\"n\"><data value=\"%llu\">", (unsigned long long)count[k]);
        u64_grouped(b, count[k]);
        slagg_buf_puts(b, "</data></td>");
    }
    slagg_buf_puts(b, "</tr></table></section>\n");
}

/* Worst first: larger exact unavailability (ppm), then the export's order. */
static int worse_first(const void *pa, const void *pb)
{
    const slagg_row *a = *(const slagg_row *const *)pa, *b = *(const slagg_row *const *)pb;
    if (a->unavail_ppm != b->unavail_ppm) return a->unavail_ppm > b->unavail_ppm ? -1 : 1;
    return (a > b) - (a < b);
}

/* A period's error windows per day as a small SVG: one bar per day with
 * errors, its height the day's count against the row's busiest day (the
 * figure beside the strip); the x axis runs over the period's counted days. */
static void strip(ctx *c, const slagg_row *row)
{
    slagg_buf *b = c->b;
    const slagg_period_agg *p = row->p;
    uint32_t per_day[31] = {0};
    int64_t days = row->days > 31 ? 31 : row->days;
    for (uint64_t i = 0; i < p->win_count; i++) {
        uint64_t d = c->f->win[p->win_off + i] / SLAGG_WINDOWS_PER_DAY;
        if (d < (uint64_t)days) per_day[d]++;
    }
    uint32_t peak = 0;
    int64_t peak_day = 0;
    for (int64_t d = 0; d < days; d++)
        if (per_day[d] > peak) {
            peak = per_day[d];
            peak_day = d;
        }
    const int dw = 4, h = 24;
    char s[11], e[11], pd[11];
    slagg_format_date(p->span.start, s);
    slagg_format_date(p->span.start + days - 1, e);
    slagg_format_date(p->span.start + peak_day, pd);
    slagg_buf_printf(b,
                     "<svg class=\"strip\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\">"
                     "<title>error windows per day, %s .. %s: peak %u on %s</title>",
                     (int)days * dw + 2, h + 2, (int)days * dw + 2, h + 2, s, e, peak, pd);
    for (int64_t d = 0; d < days && peak; d++) {
        if (!per_day[d]) continue;
        int bh = (int)((per_day[d] * (uint64_t)h + peak - 1) / peak);
        slagg_buf_printf(b, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"/>", 1 + (int)d * dw, 1 + h - bh,
                         dw - 1, bh);
    }
    slagg_buf_printf(b, "<line x1=\"0\" x2=\"%d\" y1=\"%d.5\" y2=\"%d.5\"/></svg> <span class=\"peak\">peak %u/day</span>",
                     (int)days * dw + 2, h + 1, h + 1, peak);
}

/* The periods under the promise (A < 99.90 % exactly, i.e. tier > 0, any
 * state: what `slagg periods --below 99.9` lists), the worst
 * SLAGG_REPORT_MAX_LISTED one by one with their error windows over the
 * days, the rest counted. */
static slagg_status under_promise(ctx *c, slagg_err *err)
{
    slagg_buf *b = c->b;
    const slagg_report *r = c->r;
    size_t n = 0;
    for (size_t i = 0; i < r->n_rows; i++) n += r->rows[i].tier_pct > 0;
    slagg_buf_printf(b,
                     "<section id=\"under-promise\"><h2>Periods under the promise</h2>\n"
                     "<p>Periods whose availability is below 99.90 %% (exactly; any state): "
                     "<data id=\"under-count\" value=\"%zu\">",
                     n);
    u64_grouped(b, n);
    slagg_buf_puts(b, "</data>");
    if (!n) {
        slagg_buf_puts(b, ". Every period meets the promise.</p></section>\n");
        return SLAGG_OK;
    }
    size_t shown = n < SLAGG_REPORT_MAX_LISTED ? n : SLAGG_REPORT_MAX_LISTED;
    if (shown < n) slagg_buf_printf(b, "; the worst %d are listed", SLAGG_REPORT_MAX_LISTED);
    slagg_buf_puts(b, ", the least available first. <em>Error windows per day</em>: one bar per day "
                      "from the period's start to its last counted day, its height that day's windows "
                      "with errors against the period's peak day (the figure beside it).</p>\n");
    const slagg_row **v = slagg_calloc(n, sizeof *v);
    if (!v) return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    for (size_t i = 0, k = 0; i < r->n_rows; i++)
        if (r->rows[i].tier_pct > 0) v[k++] = &r->rows[i];
    qsort(v, n, sizeof *v, worse_first);
    slagg_buf_puts(b,
                   "<div class=\"scroll\"><table id=\"under-table\"><thead><tr><th class=\"n\">#</th><th>account</th>"
                   "<th>period</th><th>state</th><th class=\"n\">days</th><th class=\"n\">error windows</th>"
                   "<th class=\"n\">availability (%)</th><th class=\"n\">tier (%)</th>"
                   "<th class=\"n\">credit (CNY)</th><th>error windows per day</th></tr></thead>\n<tbody>");
    for (size_t i = 0; i < shown; i++) {
        const slagg_row *row = v[i];
        const slagg_period_agg *p = row->p;
        char s[11], e[11], avail[16], credit[24] = "";
        slagg_format_date(p->span.start, s);
        slagg_format_date(p->span.end, e);
        slagg_format_availability(row->unavail_ppm, avail);
        if (row->has_credit) slagg_money_format(row->credit, credit);
        slagg_buf_printf(b, "<tr class=\"period\" data-account=\"");
        slagg_buf_html_text(b, c->f->accounts[p->account], c->f->account_len[p->account]);
        slagg_buf_printf(b, "\" data-start=\"%s\"><td class=\"n\">%zu</td><td class=\"acct\">", s, i + 1);
        slagg_buf_html_text(b, c->f->accounts[p->account], c->f->account_len[p->account]);
        slagg_buf_printf(b,
                         "</td><td>%s .. %s</td><td>%s</td><td class=\"n\">%lld</td><td class=\"n\">%llu</td>"
                         "<td class=\"n\">%s</td><td class=\"n\">%d</td><td class=\"n\">%s</td><td>",
                         s, e + (memcmp(s, e, 5) == 0 ? 5 : 0), slagg_state_name(row->state), (long long)row->days,
                         (unsigned long long)p->error_windows, avail, row->tier_pct,
                         row->has_credit ? credit : "-");
        strip(c, row);
        slagg_buf_puts(b, "</td></tr>\n");
    }
    slagg_buf_puts(b, "</tbody></table></div>\n");
    if (shown < n) {
        slagg_buf_printf(b, "<p id=\"under-more\"><data value=\"%zu\">", n - shown);
        u64_grouped(b, n - shown);
        slagg_buf_puts(b, "</data> more periods under the promise are not listed (see "
                          "<code>slagg periods --below 99.9</code>).</p>\n");
    }
    slagg_buf_puts(b, "</section>\n");
    slagg_free(v);
    return SLAGG_OK;
}

/* The fleet's error windows per service-time day, over the days of its
 * reported periods (earliest period_start to the last counted day); a
 * range longer than SLAGG_REPORT_MAX_DAY_BARS days is drawn in groups of
 * g whole days. */
static slagg_status errors_per_day(ctx *c, slagg_err *err)
{
    slagg_buf *b = c->b;
    const slagg_fleet *f = c->f;
    slagg_buf_puts(b, "<section id=\"errors-per-day\"><h2>Fleet error windows per day</h2>\n");
    if (!f->n_periods) {
        slagg_buf_puts(b, "<p>No period is reported.</p></section>\n");
        return SLAGG_OK;
    }
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    for (size_t i = 0; i < f->n_periods; i++) {
        if (f->periods[i].span.start < lo) lo = f->periods[i].span.start;
        if (f->periods[i].span.counted_end > hi) hi = f->periods[i].span.counted_end;
    }
    uint64_t days = (uint64_t)(hi - lo) + 1;
    uint64_t g = (days + SLAGG_REPORT_MAX_DAY_BARS - 1) / SLAGG_REPORT_MAX_DAY_BARS;
    size_t nb = (size_t)((days + g - 1) / g);
    uint64_t *cnt = slagg_calloc(nb, sizeof *cnt);
    bar *bars = slagg_calloc(nb, sizeof *bars);
    if (!cnt || !bars) {
        slagg_free(cnt);
        slagg_free(bars);
        return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    }
    uint64_t total = 0;
    for (size_t i = 0; i < f->n_periods; i++) {
        const slagg_period_agg *p = &f->periods[i];
        for (uint64_t k = 0; k < p->win_count; k++) {
            int64_t d = p->span.start + f->win[p->win_off + k] / SLAGG_WINDOWS_PER_DAY;
            if (d < lo || d > hi) continue;
            cnt[(uint64_t)(d - lo) / g]++;
            total++;
        }
    }
    char s[11], e[11];
    for (size_t i = 0; i < nb; i++) {
        int64_t d0 = lo + (int64_t)(i * g), d1 = d0 + (int64_t)g - 1;
        if (d1 > hi) d1 = hi;
        slagg_format_date(d0, s);
        slagg_format_date(d1, e);
        bars[i].v = (double)cnt[i];
        bars[i].cls = "bar";
        snprintf(bars[i].label, sizeof bars[i].label, "%s", s + 5);   /* MM-DD */
        if (g == 1)
            snprintf(bars[i].tip, sizeof bars[i].tip, "%s: %llu error windows", s, (unsigned long long)cnt[i]);
        else
            snprintf(bars[i].tip, sizeof bars[i].tip, "%s .. %s: %llu error windows", s, e,
                     (unsigned long long)cnt[i]);
    }
    slagg_format_date(lo, s);
    slagg_format_date(hi, e);
    slagg_buf_printf(b, "<p>Windows with E &gt; 0, summed over every period of the fleet, per service-time day "
                        "(%s), %s .. %s: <data id=\"fleet-error-windows\" value=\"%llu\">",
                     c->tz, s, e, (unsigned long long)total);
    u64_grouped(b, total);
    slagg_buf_puts(b, "</data> in all.");
    if (g > 1) slagg_buf_printf(b, " Each bar sums %llu days.", (unsigned long long)g);
    slagg_buf_puts(b, "</p>\n");
    char x_title[96], y_title[64];
    snprintf(x_title, sizeof x_title, "day (service time %s, MM-DD)", c->tz);
    snprintf(y_title, sizeof y_title, g == 1 ? "error windows per day" : "error windows per %llu days",
             (unsigned long long)g);
    size_t every = nb <= 16 ? 1 : (nb + 14) / 15;
    bar_chart(b, "chart-errors-per-day", "Fleet error windows per day", x_title, y_title, bars, nb, CH_INTEGER,
              every);
    slagg_buf_puts(b, "</section>\n");
    slagg_free(cnt);
    slagg_free(bars);
    return SLAGG_OK;
}

/* Credits by tier: the periods of each tier, how many carry a credit, and
 * the exact sum of their credits (128-bit, as summary.json's total). */
static void credits(ctx *c)
{
    slagg_buf *b = c->b;
    const slagg_report *r = c->r;
    static const int pct[4] = {0, 10, 25, 50};
    uint64_t n[4] = {0}, credited[4] = {0}, in_prog[4] = {0}, no_fee[4] = {0};
    slagg_fen_total sum[4] = {0};
    for (size_t i = 0; i < r->n_rows; i++) {
        const slagg_row *row = &r->rows[i];
        int t = row->tier_pct == 0 ? 0 : row->tier_pct == 10 ? 1 : row->tier_pct == 25 ? 2 : 3;
        n[t]++;
        if (row->state == SLAGG_STATE_IN_PROGRESS) in_prog[t]++;
        if (row->state == SLAGG_STATE_NO_FEE) no_fee[t]++;
        if (row->has_credit && row->credit > 0) {
            credited[t]++;
            sum[t] += (slagg_fen_total)row->credit;
        }
    }
    bar bars[3];
    memset(bars, 0, sizeof bars);
    char m[SLAGG_MONEY_TOTAL_CHARS];
    for (int k = 1; k < 4; k++) {
        bar *x = &bars[k - 1];
        slagg_money_format_total(sum[k], m);
        x->v = (double)sum[k] / 100.0;   /* drawing only */
        x->cls = "credit";
        snprintf(x->label, sizeof x->label, "%d %%", pct[k]);
        grouped_text(x->vtext, sizeof x->vtext, m);
        snprintf(x->tip, sizeof x->tip, "tier %d %%: CNY %s over %llu periods", pct[k], m,
                 (unsigned long long)credited[k]);
    }
    slagg_buf_puts(b, "<section id=\"credits\"><h2>Credits by tier</h2>\n");
    bar_chart(b, "chart-credits", "Credit by tier (CNY)", "credit tier (% of the fee)", "credit (CNY)",
              bars, 3, 0, 1);
    slagg_buf_puts(b,
                   "<table id=\"credits-table\"><thead><tr><th>tier (% of fee)</th><th class=\"n\">periods</th>"
                   "<th class=\"n\">with a credit</th><th class=\"n\">in progress (no credit yet)</th>"
                   "<th class=\"n\">no fee (no credit)</th><th class=\"n\">credit (CNY)</th></tr></thead><tbody>");
    for (int k = 0; k < 4; k++) {
        slagg_money_format_total(sum[k], m);
        slagg_buf_printf(b, "<tr data-tier=\"%d\"><td>%d</td><td class=\"n\">", pct[k], pct[k]);
        u64_grouped(b, n[k]);
        slagg_buf_puts(b, "</td><td class=\"n\">");
        u64_grouped(b, credited[k]);
        slagg_buf_puts(b, "</td><td class=\"n\">");
        u64_grouped(b, in_prog[k]);
        slagg_buf_puts(b, "</td><td class=\"n\">");
        u64_grouped(b, no_fee[k]);
        slagg_buf_printf(b, "</td><td class=\"n\"><data value=\"%s\">", m);
        grouped(b, m);
        slagg_buf_puts(b, "</data></td></tr>");
    }
    slagg_money_format_total(r->total_credit, m);
    slagg_buf_puts(b, "<tr class=\"total\"><th>total</th><th class=\"n\">");
    u64_grouped(b, r->n_rows);
    slagg_buf_puts(b, "</th><th class=\"n\">");
    u64_grouped(b, credited[1] + credited[2] + credited[3]);
    slagg_buf_puts(b, "</th><th class=\"n\">");
    u64_grouped(b, r->periods[SLAGG_STATE_IN_PROGRESS]);
    slagg_buf_puts(b, "</th><th class=\"n\">");
    u64_grouped(b, r->periods[SLAGG_STATE_NO_FEE]);
    slagg_buf_printf(b, "</th><th class=\"n\"><data id=\"credits-total\" value=\"%s\">", m);
    grouped(b, m);
    slagg_buf_puts(b, "</data></th></tr></tbody></table>\n"
                      "<p class=\"note\">A period's credit is min(tier x fee, half of the fee not paid with "
                      "vouchers); in-progress periods and periods without a fee carry none yet.</p>"
                      "</section>\n");
}

slagg_status slagg_format_report_html(const slagg_fleet *f, const slagg_report *r, const slagg_warnings *w,
                                      const char *source, slagg_buf *b, slagg_err *err)
{
    ctx c = {f, r, w, b, {0}};
    char through[11];
    slagg_format_tz(f->tz_s, c.tz);
    slagg_format_date(f->through, through);
    slagg_buf_puts(b,
                   "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
                   "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
                   "style-src 'unsafe-inline'\">\n"
                   "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    slagg_buf_printf(b, "<title>slagg report: availability through %s</title>\n<style>", through);
    slagg_buf_puts(b, css);
    slagg_buf_puts(b, "</style></head><body>\n");
    slagg_buf_printf(b, "<header><h1>SLA availability report</h1><p class=\"meta\">Through <time "
                        "id=\"through\">%s</time>, service time <span id=\"tz\">%s</span>; promise: 99.90 %% "
                        "a period. Summary: <code id=\"source\">",
                     through, c.tz);
    html_str(b, source ? source : "");
    slagg_buf_printf(b, "</code>; slagg %s.</p></header>\n", slagg_version());
    headline(&c);
    distribution(&c);
    slagg_status st = under_promise(&c, err);
    if (st == SLAGG_OK) st = errors_per_day(&c, err);
    if (st == SLAGG_OK) credits(&c);
    slagg_buf_puts(b, "</body></html>\n");
    if (st == SLAGG_OK && slagg_buf_failed(b)) st = slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    return st;
}
