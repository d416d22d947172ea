/*
 * test_report_html.c - io/report_html: the escaping of every input text,
 * the exact bin bounds of the availability distribution, and the order and
 * cap of the periods under the promise (SPEC 5 "report"; docs/RULES.md
 * "The HTML report"), on fleets built by hand.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/calendar.h"
#include "io/report_html.h"

static void check_text(const char *s, size_t n, const char *want)
{
    slagg_buf b = {0};
    slagg_buf_html_text(&b, s, n);
    cr_assert(!slagg_buf_failed(&b));
    cr_assert_eq(b.len, strlen(want), "got '%.*s', want '%s'", (int)b.len, b.data, want);
    cr_assert(b.len == 0 || memcmp(b.data, want, b.len) == 0, "got '%.*s', want '%s'", (int)b.len, b.data, want);
    slagg_buf_free(&b);
}

#define TEXT(s, want) check_text(s, sizeof(s) - 1, want)

Test(report_html, text_escapes_markup_and_control_characters)
{
    TEXT("acct-1", "acct-1");
    TEXT("<script>", "&lt;script&gt;");
    TEXT("a&b", "a&amp;b");
    TEXT("\"'", "&quot;&#39;");
    TEXT("&amp;", "&amp;amp;");
    TEXT("a\nb\x1b", "a\\x0ab\\x1b");          /* control characters as \xNN (SPEC 6) */
    TEXT("\xc2\x85", "\\xc2\\x85");             /* C1 */
    TEXT("\xff<", "\\xff&lt;");                 /* not UTF-8 */
    TEXT("\xe4\xb8\xad\xe6\x96\x87", "\xe4\xb8\xad\xe6\x96\x87");   /* CJK as is */
    TEXT("", "");
}

/* A fleet of n one-day periods (2026-03-02) of accounts "a000"..., with
 * the unavailability u[i] in ppm (the tier from it) and no window: what
 * the formatter reads of the fleet and report. */
typedef struct fx {
    slagg_fleet f;
    slagg_report r;
    slagg_warnings w;
    char names[400][8];
    char *acc[400];
    uint32_t len[400];
    slagg_period_agg p[400];
    slagg_row rows[400];
} fx;

static fx *make(const uint64_t *u, size_t n)
{
    fx *x = calloc(1, sizeof *x);
    cr_assert(x && n <= 400);
    int64_t day = slagg_days_from_civil(2026, 3, 2);
    for (size_t i = 0; i < n; i++) {
        snprintf(x->names[i], sizeof x->names[i], "a%03u", (unsigned)(i % 1000));   /* n <= 400 */
        x->acc[i] = x->names[i];
        x->len[i] = 4;
        x->p[i].account = (uint32_t)i;
        x->p[i].span = (slagg_span){day, day, day, 0};
        x->rows[i].p = &x->p[i];
        x->rows[i].days = 1;
        x->rows[i].windows = 288;
        x->rows[i].unavail_ppm = u[i];
        x->rows[i].tier_pct = slagg_tier_pct(u[i]);
        x->r.tiers[x->rows[i].tier_pct == 0 ? 0 : x->rows[i].tier_pct == 10 ? 1 : x->rows[i].tier_pct == 25 ? 2 : 3]++;
    }
    x->f.tz_s = 8 * 3600;
    x->f.through = day;
    x->f.n_accounts = (uint32_t)n;
    x->f.accounts = x->acc;
    x->f.account_len = x->len;
    x->f.periods = x->p;
    x->f.n_periods = n;
    x->r.rows = x->rows;
    x->r.n_rows = n;
    x->r.accounts = n;
    x->r.periods[SLAGG_STATE_FINAL] = n;
    return x;
}

static char *format(fx *x)
{
    slagg_buf b = {0};
    slagg_err err = {0};
    cr_assert_eq(slagg_format_report_html(&x->f, &x->r, &x->w, "s.slagg", &b, &err), SLAGG_OK, "%s", err.msg);
    slagg_buf_put(&b, "", 1);
    return b.data;
}

/* The counts of the distribution table, in bin order, as "c0 c1 ...". */
static void bins_of(const char *html, char *out, size_t cap)
{
    const char *t = strstr(html, "<table id=\"distribution-table\">");
    cr_assert_not_null(t);
    out[0] = 0;
    for (int k = 0; k < 7; k++) {
        t = strstr(t, "<td class=\"n\"><data value=\"");
        cr_assert_not_null(t);
        t += strlen("<td class=\"n\"><data value=\"");
        size_t at = strlen(out);
        snprintf(out + at, cap - at, "%s%.*s", k ? " " : "", (int)strcspn(t, "\""), t);
    }
}

/* Each bin holds its lower bound, decided on the exact u (ppm):
 * A >= 99.99 <=> u <= 100; A >= 99.9 <=> u <= 1000; A >= 99.5 <=> u <=
 * 5000; A >= 99 <=> u <= 10000; A >= 95 <=> u <= 50000; 100 <=> u = 0. */
Test(report_html, distribution_bins_at_their_exact_bounds)
{
    static const uint64_t u[] = {0,     1,     100,   101,   1000,  1001,  5000,
                                 5001,  10000, 10001, 50000, 50001, 1000000};
    fx *x = make(u, sizeof u / sizeof *u);
    char *html = format(x);
    char got[128];
    bins_of(html, got, sizeof got);
    /* < 95: 50001, 10^6; 95-99: 10001, 50000; 99-99.5: 5001, 10000;
     * 99.5-99.9: 1001, 5000; 99.9-99.99: 101, 1000; 99.99-100: 1, 100; 100: 0 */
    cr_assert_str_eq(got, "2 2 2 2 2 2 1");
    /* under the promise: u > 1000, i.e. 8 periods; u = 1000 (99.9000) is not */
    cr_assert(strstr(html, "<data id=\"under-count\" value=\"8\">8</data>"));
    cr_assert(!strstr(html, "data-account=\"a004\""), "u = 1000 is exactly 99.90 %%: not under");
    cr_assert(strstr(html, "data-account=\"a005\""));
    free(html);
    free(x);
}

/* Worst first by u, ties in the export's order; at most 200 listed. */
Test(report_html, under_promise_worst_first_ties_in_export_order_capped)
{
    uint64_t u[300];
    for (size_t i = 0; i < 300; i++) u[i] = 2000 + (i % 3);   /* 2000, 2001, 2002, ... */
    u[7] = 60000;
    fx *x = make(u, 300);
    char *html = format(x);
    const char *p = html;
    char want[16];
    /* a007 first, then the 100 periods at 2002 (a002, a005, ..., a299),
     * then the 99 at 2001 (a001, a004, ..., a298 but a007): 200 listed,
     * none at 2000 (a000, a003, ...), 100 counted */
    const char *order[] = {"a007", "a002", "a005", "a008", "a011"};
    for (size_t i = 0; i < 5; i++) {
        snprintf(want, sizeof want, "\"%s\"", order[i]);
        const char *q = strstr(p, "<tr class=\"period\" data-account=");
        cr_assert_not_null(q);
        cr_assert_eq(strncmp(q + strlen("<tr class=\"period\" data-account="), want, strlen(want)), 0,
                     "row %zu is not %s: %.60s", i, order[i], q);
        p = q + 1;
    }
    size_t rows = 0;
    for (const char *q = strstr(html, "<tr class=\"period\""); q; q = strstr(q + 1, "<tr class=\"period\"")) rows++;
    cr_assert_eq(rows, 200);
    cr_assert(strstr(html, "<p id=\"under-more\"><data value=\"100\">100</data> more periods"));
    cr_assert(strstr(html, "data-account=\"a298\""));
    cr_assert(!strstr(html, "data-account=\"a000\""));
    free(html);
    free(x);
}
