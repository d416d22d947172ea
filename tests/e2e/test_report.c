/*
 * test_report.c - `slagg report SUMMARY --out FILE.html` (SPEC 5
 * "report"; issue 15): one self-contained HTML file, checked as bytes and,
 * when Debian's chromium is installed (`./run test` installs it), in a
 * real browser: the DOM after parsing (--dump-dom), and a screenshot that
 * is not blank.
 *
 * The fixture fleet (tz +08:00, --through 2026-03-31; March: N = 8928
 * windows, 03-02..03-11: N = 2880). Error windows hold one status-500
 * record each (rate 1) unless said otherwise:
 *   a        03-01..03-31  no error; one status-200 record in every window
 *                          of the month (8928 records: no coverage gap),
 *                          first at 03-01 00:02, last at 03-31 23:57
 *                          -> 100.0000, tier 0; fee 100.00 -> 0.00
 *   b        March  9 windows on 03-05 -> u = ceil(10^6 x 9 / 8928) = 1009
 *                          -> 99.8991, tier 10; fee 100.00 -> 10.00
 *   g        March  9 windows on 03-05 (windows 100..108) -> 99.8991,
 *                          tier 10; no fee row -> no_fee, credit empty
 *   <i>&"'x  March  9 windows on 03-06 -> 99.8991, tier 10; fee 100.00 -> 10.00
 *   c        March  60 windows on 03-10, 40 on 03-20: u = ceil(11200.7)
 *                          = 11201 -> 98.8799, tier 25; fee 200.00 -> 50.00
 *   d        March  288 windows on 03-15, 212 on 03-16: u = ceil(56003.6)
 *                          = 56004 -> 94.3996, tier 50; fee 300.00 -> 150.00
 *                          (cap 150.00: not capped)
 *   e        03-02..03-11  2 windows on 03-03 + one of 22 errors in 25
 *                          records: S = 2.88 = 0.001 x 2880 -> exactly
 *                          99.9000: tier 0 (not under the promise); fee
 *                          100.00 -> 0.00
 *   f        03-02..03-11  2 windows on 03-04 + one of 23 in 25: S = 2.92,
 *                          u = ceil(1013.9) = 1014 -> 99.8986, tier 10;
 *                          fee 100.00 -> 10.00
 * Periods 8 (final 7, no_fee 1); tiers 0: 2, 10: 4, 25: 1, 50: 1; total
 * credit 230.00; records_read 8928 + 9 x 3 + 100 + 500 + 27 x 2 = 9609;
 * warnings: one (no_fee g 2026-03-01), no gap.
 * Under the promise, worst first (ties at u = 1009 in the export's order,
 * bytewise: '<' < 'b' < 'g'): d, c, f, <i>&"'x, b, g.
 * Availability bins: < 95: d; 95-99: c; 99-99.5: none; 99.5-99.9: b, g,
 * <i>&"'x, f; 99.9-99.99: e (u = 1000); 99.99-100: none; 100: a.
 * Fleet error windows per day: 03-03 3, 03-04 3, 03-05 18, 03-06 9, 03-10
 * 60, 03-15 288, 03-16 212, 03-20 40: 633 in all.
 */
#include "harness.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define WEIRD "<i>&\"'x"
#define WEIRD_HTML "&lt;i&gt;&amp;&quot;&#39;x"
#define WEIRD_CSV_ACCT "<i>&\"\"'x"   /* inside CSV quotes */

/* One record line per window k of day (March) for account acct. */
static void window_recs(h_buf *r, int day, int k, const char *acct, int n, int errors)
{
    for (int i = 0; i < n; i++)
        h_buf_printf(r, "2026-03-%02dT%02d:%02d:%02d+08:00,%s,%d\n", day, k / 12, k % 12 * 5 + 1, i,
                     acct[0] == '<' ? "\"" WEIRD_CSV_ACCT "\"" : acct, i < errors ? 500 : 200);
}

static void errors_on(h_buf *r, const char *acct, int day, int from, int count)
{
    for (int k = from; k < from + count; k++) window_recs(r, day, k, acct, 1, 1);
}

/* Writes the fixture fleet into a new temp dir and folds it into out/. */
static char *fixture(void)
{
    char *d = h_tmpdir();
    h_write(d, "contracts.csv",
            "account,start,end\na,2026-03-01,2026-03-31\nb,2026-03-01,2026-03-31\n"
            "c,2026-03-01,2026-03-31\nd,2026-03-01,2026-03-31\ne,2026-03-02,2026-03-11\n"
            "f,2026-03-02,2026-03-11\ng,2026-03-01,2026-03-31\n\"" WEIRD_CSV_ACCT "\",2026-03-01,2026-03-31\n");
    h_write(d, "fees.csv",
            "account,period_start,fee,voucher_paid\na,2026-03-01,100.00,0.00\nb,2026-03-01,100.00,0.00\n"
            "c,2026-03-01,200.00,0.00\nd,2026-03-01,300.00,0.00\ne,2026-03-02,100.00,0.00\n"
            "f,2026-03-02,100.00,0.00\n\"" WEIRD_CSV_ACCT "\",2026-03-01,100.00,0.00\n");
    h_buf r = {0};
    h_buf_printf(&r, "ts,account,status\n");
    for (int day = 1; day <= 31; day++)
        for (int k = 0; k < 288; k++)
            h_buf_printf(&r, "2026-03-%02dT%02d:%02d:00+08:00,a,200\n", day, k / 12, k % 12 * 5 + 2);
    errors_on(&r, "b", 5, 0, 9);
    errors_on(&r, "g", 5, 100, 9);
    errors_on(&r, WEIRD, 6, 0, 9);
    errors_on(&r, "c", 10, 0, 60);
    errors_on(&r, "c", 20, 0, 40);
    errors_on(&r, "d", 15, 0, 288);
    errors_on(&r, "d", 16, 0, 212);
    errors_on(&r, "e", 3, 0, 2);
    window_recs(&r, 3, 2, "e", 25, 22);
    errors_on(&r, "f", 4, 0, 2);
    window_recs(&r, 4, 2, "f", 25, 23);
    h_write_bytes(d, "r.csv", r.data, r.len);
    h_buf_free(&r);
    h_result res = h_slagg(d, NULL, "fold", "--out", "out", "--contracts", "contracts.csv", "--fees", "fees.csv",
                           "--through", "2026-03-31", "r.csv", NULL);
    h_assert_code(res, 0);
    h_result_free(&res);
    return d;
}

/* The (account, period_start) of finance.csv's rows with tier_pct > 0:
 * the oracle for "the periods under the promise". A < 99.90 % exactly
 * <=> tier > 0 (SPEC 2 tiers), so this is what `slagg periods --below
 * 99.9` lists; availability_pct alone could not say it (it is truncated:
 * 99.8999... prints as 99.8999, but so could a value above 99.9 never,
 * while 99.9000 may be exact or not). Lines "ACCOUNT|START\n", sorted. */
static char *csv_under(char *csv, int need_tier);

static char *finance_under(const char *dir)
{
    return csv_under(h_read_in(dir, "out/finance.csv", NULL), 1);
}

/* The second oracle: what `slagg periods --below 99.9 --format csv` lists
 * (the export's header and rows, every row below 99.90 % exactly). */
static char *periods_below_99_9(const char *dir)
{
    h_result r = h_slagg(dir, NULL, "periods", "out", "--below", "99.9", "--format", "csv", NULL);
    h_assert_code(r, 0);
    char *csv = strdup(r.out);
    h_result_free(&r);
    return csv_under(csv, 0);
}

/* The rows of an export-shaped CSV (takes csv and frees it), those with
 * tier_pct > 0 when need_tier, as sorted "ACCOUNT|START\n" lines. */
static char *csv_under(char *csv, int need_tier)
{
    h_buf acc = {0};
    char *lines[64];
    size_t n = 0;
    char *save = NULL;
    strtok_r(csv, "\n", &save);   /* header */
    for (char *line = strtok_r(NULL, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        /* fields: the account (maybe quoted, "" for "), then plain ones */
        char acct[256];
        size_t al = 0;
        char *p = line;
        if (*p == '"') {
            for (p++; *p; p++) {
                if (*p == '"' && p[1] == '"') acct[al++] = '"', p++;
                else if (*p == '"') break;
                else acct[al++] = *p;
            }
            p++;
        } else {
            while (*p != ',') acct[al++] = *p++;
        }
        acct[al] = 0;
        cr_assert_eq(*p, ',');
        char *f[17];
        char *q = p + 1;
        for (int i = 0; i < 17; i++) {
            f[i] = q;
            char *c = strchr(q, ',');
            if (c) *c = 0, q = c + 1;
            else q = q + strlen(q);
        }
        if (!need_tier || atoi(f[9]) > 0) lines[n++] = h_fmt("%s|%s\n", acct, f[0]);   /* tier_pct */
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            if (strcmp(lines[j], lines[i]) < 0) {
                char *t = lines[i];
                lines[i] = lines[j];
                lines[j] = t;
            }
    for (size_t i = 0; i < n; i++) {
        h_buf_printf(&acc, "%s", lines[i]);
        free(lines[i]);
    }
    free(csv);
    if (!acc.data) h_buf_printf(&acc, "%s", "");
    return acc.data;
}

/* Replaces the character references an HTML serializer writes in an
 * attribute value (&amp; &quot; &lt; &gt; &#39; &#NN;) by their bytes. */
static void unescape(char *s)
{
    static const struct { const char *ref; char c; } refs[] = {
        {"&amp;", '&'}, {"&quot;", '"'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&#39;", '\''}, {"&apos;", '\''}};
    char *w = s;
    while (*s) {
        int done = 0;
        for (size_t i = 0; i < sizeof refs / sizeof *refs && !done; i++)
            if (strncmp(s, refs[i].ref, strlen(refs[i].ref)) == 0) {
                *w++ = refs[i].c;
                s += strlen(refs[i].ref);
                done = 1;
            }
        if (!done) *w++ = *s++;
    }
    *w = 0;
}

/* The listed periods of a report (raw file or dumped DOM), in the order
 * listed, as "ACCOUNT|START\n" lines. */
static char *listed_periods(const char *html, int sorted)
{
    char *lines[512];
    size_t n = 0;
    const char *tag = "<tr class=\"period\" data-account=\"";
    for (const char *p = strstr(html, tag); p; p = strstr(p + 1, tag)) {
        const char *a = p + strlen(tag), *ae = strchr(a, '"');
        const char *s = strstr(ae, "data-start=\"");
        cr_assert(ae && s && n < 512);
        s += strlen("data-start=\"");
        char *acct = h_fmt("%.*s", (int)(ae - a), a);
        unescape(acct);
        lines[n++] = h_fmt("%s|%.10s\n", acct, s);
        free(acct);
    }
    for (size_t i = 0; sorted && i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            if (strcmp(lines[j], lines[i]) < 0) {
                char *t = lines[i];
                lines[i] = lines[j];
                lines[j] = t;
            }
    h_buf acc = {0};
    h_buf_printf(&acc, "%s", "");
    for (size_t i = 0; i < n; i++) {
        h_buf_printf(&acc, "%s", lines[i]);
        free(lines[i]);
    }
    return acc.data;
}

static size_t count_of(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle)) n++;
    return n;
}

/* The text from the element with id="ID" to the end of its section. */
static char *section_text(const char *html, const char *id)
{
    char *pat = h_fmt("<section id=\"%s\">", id);
    const char *p = strstr(html, pat);
    cr_assert_not_null(p, "no %s in the report", pat);
    const char *e = strstr(p, "</section>");
    cr_assert_not_null(e);
    free(pat);
    return h_fmt("%.*s", (int)(e - p), p);
}

static void assert_has(const char *hay, const char *needle, const char *where)
{
    cr_assert(h_contains(hay, needle), "%s lacks\n  %s", where, needle);
}

/* What the report says about the fixture, in the raw file or the DOM. */
static void assert_fixture_report(const char *html, const char *where)
{
    static const char *const sections[] = {"headline", "distribution", "under-promise", "errors-per-day",
                                           "credits"};
    for (size_t i = 0; i < 5; i++) free(section_text(html, sections[i]));
    /* the headline, exactly as summary.json gives it */
    char *h = section_text(html, "headline");
    assert_has(h, "<data id=\"h-periods\" value=\"8\">8</data>", where);
    assert_has(h, "<data id=\"h-final\" value=\"7\">", where);
    assert_has(h, "<data id=\"h-in-progress\" value=\"0\">", where);
    assert_has(h, "<data id=\"h-no-fee\" value=\"1\">", where);
    assert_has(h, "<data id=\"h-accounts\" value=\"8\">", where);
    assert_has(h, "<data id=\"h-records\" value=\"9609\">9,609</data>", where);
    assert_has(h, "<data id=\"h-under\" value=\"6\">", where);
    assert_has(h, "<data id=\"h-tier-0\" value=\"2\">", where);
    assert_has(h, "<data id=\"h-tier-10\" value=\"4\">", where);
    assert_has(h, "<data id=\"h-tier-25\" value=\"1\">", where);
    assert_has(h, "<data id=\"h-tier-50\" value=\"1\">", where);
    assert_has(h, "<data id=\"h-total-credit\" value=\"230.00\">230.00</data>", where);
    assert_has(h, "<time id=\"h-first-record\">2026-03-01T00:02:00.000+08:00</time>", where);
    assert_has(h, "<time id=\"h-last-record\">2026-03-31T23:57:00.000+08:00</time>", where);
    assert_has(h, "<data id=\"h-gaps\" value=\"0\">", where);
    assert_has(h, "<data id=\"h-warnings\" value=\"1\">", where);
    assert_has(h, "<li>g 2026-03-01</li>", where);
    free(h);
    /* the distribution: bins and their counts, axis titles */
    char *s = section_text(html, "distribution");
    assert_has(s, ">availability (%)</text>", where);
    assert_has(s, ">periods</text>", where);
    const char *t = strstr(s, "<table id=\"distribution-table\">");
    cr_assert_not_null(t);
    static const char *const bins[] = {"1", "1", "0", "4", "1", "0", "1"};
    for (size_t i = 0; i < 7; i++) {
        char *cell = h_fmt("<td class=\"n\"><data value=\"%s\">", bins[i]);
        const char *c = strstr(t, cell);
        cr_assert_not_null(c, "%s: bin %zu should hold %s periods:\n%s", where, i, bins[i], t);
        t = c + strlen(cell);
        free(cell);
    }
    free(s);
    /* periods under the promise: the worst first, with their strips */
    s = section_text(html, "under-promise");
    char *order = listed_periods(s, 0);
    cr_assert_str_eq(order,
                     "d|2026-03-01\nc|2026-03-01\nf|2026-03-02\n" WEIRD "|2026-03-01\nb|2026-03-01\n"
                     "g|2026-03-01\n",
                     "%s: listed in this order:\n%s", where, order);
    free(order);
    assert_has(s, "<data id=\"under-count\" value=\"6\">", where);
    assert_has(s, "<td class=\"n\">94.3996</td><td class=\"n\">50</td><td class=\"n\">150.00</td>", where);
    assert_has(s, "<td class=\"n\">99.8986</td><td class=\"n\">10</td><td class=\"n\">10.00</td>", where);
    assert_has(s, "<td>no_fee</td>", where);
    assert_has(s, "error windows per day, 2026-03-01 .. 2026-03-31: peak 288 on 2026-03-15", where);
    assert_has(s, "error windows per day, 2026-03-01 .. 2026-03-31: peak 60 on 2026-03-10", where);
    assert_has(s, "error windows per day, 2026-03-02 .. 2026-03-11: peak 3 on 2026-03-04", where);
    cr_assert(!h_contains(s, "data-account=\"e\""), "%s: e is exactly at 99.90 %%: not listed", where);
    cr_assert(!h_contains(s, "under-more"), "%s: every period is listed", where);
    free(s);
    /* fleet error windows per day */
    s = section_text(html, "errors-per-day");
    assert_has(s, ">error windows per day</text>", where);
    assert_has(s, ">day (service time +08:00, MM-DD)</text>", where);
    assert_has(s, "<data id=\"fleet-error-windows\" value=\"633\">", where);
    static const char *const per_day[] = {"03-03: 3 ", "03-04: 3 ", "03-05: 18 ", "03-06: 9 ",
                                          "03-10: 60 ", "03-15: 288 ", "03-16: 212 ", "03-20: 40 "};
    for (size_t i = 0; i < 8; i++) {
        char *tip = h_fmt("<title>2026-%serror windows</title>", per_day[i]);
        assert_has(s, tip, where);
        free(tip);
    }
    cr_assert_eq(count_of(s, " error windows</title>"), 8, "%s: one bar per day with errors", where);
    free(s);
    /* credits by tier */
    s = section_text(html, "credits");
    assert_has(s, ">credit (CNY)</text>", where);
    assert_has(s, ">credit tier (% of the fee)</text>", where);
    assert_has(s, "<title>tier 10 %: CNY 30.00 over 3 periods</title>", where);
    assert_has(s, "<title>tier 25 %: CNY 50.00 over 1 periods</title>", where);
    assert_has(s, "<title>tier 50 %: CNY 150.00 over 1 periods</title>", where);
    assert_has(s, "<tr data-tier=\"10\"><td>10</td><td class=\"n\">4</td><td class=\"n\">3</td>"
                  "<td class=\"n\">0</td><td class=\"n\">1</td><td class=\"n\"><data value=\"30.00\">",
               where);
    assert_has(s, "<data id=\"credits-total\" value=\"230.00\">230.00</data>", where);
    free(s);
}

Test(report, fixture_sections_figures_and_periods_as_the_export)
{
    char *d = fixture();
    h_result r = h_slagg(d, NULL, "report", "out/availability.slagg", "--out", "rep/report.html", NULL);
    h_assert_code(r, 0);
    cr_assert(h_contains(r.out, "slagg report: 8 periods, 6 under the promise: wrote rep/report.html ("),
              "stdout: %s", r.out);
    h_result_free(&r);
    size_t n;
    char *html = h_read_in(d, "rep/report.html", &n);
    cr_assert_eq(strlen(html), n, "no NUL in the report");
    assert_fixture_report(html, "report.html");
    /* the listed periods are exactly the export's rows with a credit tier */
    char *want = finance_under(d), *got = listed_periods(html, 1);
    cr_assert_str_eq(got, want, "listed:\n%s\nfinance.csv tier > 0:\n%s", got, want);
    free(want);
    free(got);
    /* the strip of d: bars of 24 px (288, the peak, on day 15) and
     * ceil(212 x 24 / 288) = 18 px (day 16), 4 px a day from x = 1 */
    assert_has(html, "<rect x=\"57\" y=\"1\" width=\"3\" height=\"24\"/><rect x=\"61\" y=\"7\" width=\"3\" "
                     "height=\"18\"/><line",
               "report.html");
    /* every input text escaped: the account never appears raw */
    assert_has(html, "<td class=\"acct\">" WEIRD_HTML "</td>", "report.html");
    cr_assert(!h_contains(html, "<i>&"), "an account is written unescaped");
    free(html);
    h_rmtree(d);   /* d is freed at exit (harness.c) */
}

Test(report, self_contained_no_script_no_external_resource)
{
    char *d = fixture();
    h_result r = h_slagg(d, NULL, "report", "out/availability.slagg", "--out", "r.html", NULL);
    h_assert_code(r, 0);
    h_result_free(&r);
    char *html = h_read_in(d, "r.html", NULL);
    static const char *const banned[] = {"http://", "https://", "<script", "<link", "@import", "url(",
                                         "<img", "<iframe", "<object", "<embed", " src=", " href=", "//"};
    for (size_t i = 0; i < sizeof banned / sizeof *banned; i++)
        cr_assert(!h_contains(html, banned[i]), "the report holds \"%s\"", banned[i]);
    cr_assert(strncmp(html, "<!DOCTYPE html>\n", 16) == 0);
    assert_has(html, "<meta charset=\"utf-8\">", "report");
    assert_has(html, "content=\"default-src 'none'; style-src 'unsafe-inline'\"", "report");
    /* the same summary gives the same bytes (no clock time) */
    r = h_slagg(d, NULL, "report", "out/availability.slagg", "--out", "r2.html", NULL);
    h_assert_code(r, 0);
    h_result_free(&r);
    char *p1 = h_path(d, "r.html"), *p2 = h_path(d, "r2.html");
    cr_assert(h_same_file(p1, p2));
    free(p1);
    free(p2);
    free(html);
    h_rmtree(d);   /* d is freed at exit (harness.c) */
}

/* The report of a fold's DIR is that of its current generation's summary;
 * only the source named in the header differs. */
Test(report, dir_is_its_current_generation)
{
    char *d = fixture();
    h_result r = h_slagg(d, NULL, "report", "out", "--out", "dir.html", NULL);
    h_assert_code(r, 0);
    h_result_free(&r);
    r = h_slagg(d, NULL, "report", "--summary", "out/current/availability.slagg", "--out", "file.html", NULL);
    h_assert_code(r, 0);
    h_result_free(&r);
    char *a = h_read_in(d, "dir.html", NULL), *b = h_read_in(d, "file.html", NULL);
    char *pa = strstr(a, "<code id=\"source\">out</code>"),
         *pb = strstr(b, "<code id=\"source\">out/current/availability.slagg</code>");
    cr_assert(pa && pb, "the source is named as given");
    cr_assert_eq(pa - a, pb - b);
    cr_assert(strncmp(a, b, (size_t)(pa - a)) == 0);
    cr_assert_str_eq(pa + strlen("<code id=\"source\">out</code>"),
                     pb + strlen("<code id=\"source\">out/current/availability.slagg</code>"));
    free(a);
    free(b);
    /* a fold with other fees makes a new generation: the DIR's report follows */
    h_write(d, "fees2.csv", "account,period_start,fee,voucher_paid\nd,2026-03-01,1000.00,0.00\n");
    r = h_slagg(d, NULL, "export", "--out", "out", "--fees", "fees2.csv", "out/availability.slagg", NULL);
    h_assert_code(r, 0);
    h_result_free(&r);
    r = h_slagg(d, NULL, "report", "out/", "--out", "dir2.html", NULL);
    h_assert_code(r, 0);
    h_result_free(&r);
    a = h_read_in(d, "dir2.html", NULL);
    assert_has(a, "<data id=\"h-total-credit\" value=\"500.00\">500.00</data>", "the new generation");
    free(a);
    h_rmtree(d);   /* d is freed at exit (harness.c) */
}

Test(report, source_path_is_escaped)
{
    char *d = fixture();
    char *src = h_path(d, "out/availability.slagg"), *dst = h_path(d, "s<&>'.slagg");
    h_copy(src, dst);
    h_result r = h_slagg(d, NULL, "report", "s<&>'.slagg", "--out", "r.html", NULL);
    h_assert_code(r, 0);
    h_result_free(&r);
    char *html = h_read_in(d, "r.html", NULL);
    assert_has(html, "<code id=\"source\">s&lt;&amp;&gt;&#39;.slagg</code>", "report");
    free(html);
    free(src);
    free(dst);
    h_rmtree(d);   /* d is freed at exit (harness.c) */
}

Test(report, usage_errors_and_refusals)
{
    char *d = fixture();
    char *sum = h_path(d, "out/availability.slagg"), *copy = h_path(d, "sum.html");
    h_copy(sum, copy);
    struct {
        const char *args[6];
        int code;
        const char *msg;
    } cases[] = {
        {{"report", "out", NULL}, 1, "report needs a SUMMARY and --out FILE.html"},
        {{"report", "--out", "r.html", NULL}, 1, "report needs a SUMMARY and --out FILE.html"},
        {{"report", "out", "--out", "r.txt", NULL}, 1, "--out r.txt: the report is HTML"},
        {{"report", "out", "--out", "out/summary.json", NULL}, 1, "the report is HTML"},
        {{"report", "sum.html", "--out", "sum.html", NULL}, 1, "--out sum.html is the summary sum.html itself"},
        {{"report", "out/finance.csv", "--out", "r.html", NULL}, 2, "out/finance.csv"},
        {{"report", "out", "--summary", "out", "--out", "r.html"}, 1, "give the summary once"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const char *args[8] = {0};
        for (size_t k = 0; k < 6 && cases[i].args[k]; k++) args[k] = cases[i].args[k];
        h_result r = h_run(d, NULL, 0, args);
        h_assert_code(r, cases[i].code);
        h_assert_slagg_msg(r);
        cr_assert(h_contains(r.err, cases[i].msg), "case %zu: stderr: %s", i, r.err);
        h_result_free(&r);
    }
    cr_assert(h_same_file(sum, copy), "the summary is left as it was");
    cr_assert(h_missing(d, "r.html"));
    h_result r = h_slagg(d, NULL, "report", "--help", NULL);
    h_assert_code(r, 0);
    cr_assert(h_contains(r.out, "Usage: slagg report SUMMARY --out FILE.html"));
    cr_assert(h_contains(r.out, "Example:\n  slagg report "));
    h_result_free(&r);
    free(sum);
    free(copy);
    h_rmtree(d);   /* d is freed at exit (harness.c) */
}

/* 205 periods under the promise, all at u = ceil(10^6 / 288) = 3473
 * (99.6527, one failed window of 288): the first 200 in the export's order
 * are listed, one line counts the 5 others. */
static char *many_under(int n)
{
    char *d = h_tmpdir();
    h_buf c = {0}, r = {0};
    h_buf_printf(&c, "account,start,end\n");
    h_buf_printf(&r, "ts,account,status\n");
    for (int i = 0; i < n; i++) {
        h_buf_printf(&c, "p%04d,2026-03-02,2026-03-02\n", i);
        h_buf_printf(&r, "2026-03-02T10:%02d:00+08:00,p%04d,500\n", i % 12 * 5, i);
    }
    h_write_bytes(d, "c.csv", c.data, c.len);
    h_write_bytes(d, "r.csv", r.data, r.len);
    h_buf_free(&c);
    h_buf_free(&r);
    h_result res = h_slagg(d, NULL, "fold", "--out", "out", "--contracts", "c.csv", "r.csv", NULL);
    h_assert_code(res, 0);
    h_result_free(&res);
    res = h_slagg(d, NULL, "report", "out", "--out", "r.html", NULL);
    h_assert_code(res, 0);
    h_result_free(&res);
    return d;
}

Test(report, at_most_200_periods_listed_then_a_count)
{
    char *d = many_under(205);
    char *html = h_read_in(d, "r.html", NULL);
    cr_assert_eq(count_of(html, "<tr class=\"period\""), 200);
    assert_has(html, "data-account=\"p0199\"", "report");
    cr_assert(!h_contains(html, "data-account=\"p0200\""));
    assert_has(html, "<data id=\"under-count\" value=\"205\">205</data>; the worst 200 are listed", "report");
    assert_has(html, "<p id=\"under-more\"><data value=\"5\">5</data> more periods under the promise are not "
                     "listed (see <code>slagg periods --below 99.9</code>).</p>",
               "report");
    assert_has(html, "<td class=\"n\">99.6527</td><td class=\"n\">10</td><td class=\"n\">-</td>", "report");
    free(html);
    h_rmtree(d);   /* d is freed at exit (harness.c) */
}

/* ---- in a real browser ------------------------------------------------ */

/* The chromium binary: $SLAGG_CHROMIUM, else the first of chromium,
 * chromium-browser, google-chrome on PATH; NULL when none (the browser
 * tests then skip, saying so). */
static char *find_chromium(void)
{
    const char *env = getenv("SLAGG_CHROMIUM");
    if (env && *env) return access(env, X_OK) == 0 ? h_fmt("%s", env) : NULL;
    static const char *const names[] = {"chromium", "chromium-browser", "google-chrome"};
    const char *path = getenv("PATH");
    for (size_t i = 0; i < 3; i++) {
        char *dirs = h_fmt("%s", path ? path : "/usr/bin:/bin");
        char *save = NULL;
        for (char *dir = strtok_r(dirs, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
            char *p = h_fmt("%s/%s", dir, names[i]);
            if (access(p, X_OK) == 0) {
                free(dirs);
                return p;
            }
            free(p);
        }
        free(dirs);
    }
    return NULL;
}

#define NEED_CHROMIUM(var)                                                                         \
    char *var = find_chromium();                                                                   \
    if (!var) {                                                                                    \
        cr_skip_test("chromium not found (set SLAGG_CHROMIUM, or ./run test installs Debian's " \
                     "chromium): the browser checks of the report did not run");                   \
    }

/* chromium --headless on file://dir/name with one more option (--dump-dom,
 * --screenshot=...); its own profile in dir. */
static h_result chromium_run(const char *chrome, const char *dir, const char *name, const char *what)
{
    char *url = h_fmt("file://%s/%s", dir, name), *prof = h_fmt("--user-data-dir=%s/chromium-profile", dir);
    const char *argv[] = {chrome, "--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                          "--no-first-run", "--window-size=1280,2000", prof, what, url, NULL};
    h_result r = h_exec(dir, argv);
    free(url);
    free(prof);
    return r;
}

/* Elements in a serialized DOM: one start tag each ("<" then a letter;
 * text and attributes hold "<" only as &lt;). */
static size_t dom_elements(const char *dom)
{
    size_t n = 0;
    for (const char *p = dom; *p; p++)
        if (p[0] == '<' && ((p[1] >= 'a' && p[1] <= 'z') || (p[1] >= 'A' && p[1] <= 'Z'))) n++;
    return n;
}

Test(report, browser_dom_shows_every_section_and_the_exported_periods, .timeout = 240)
{
    NEED_CHROMIUM(chrome);
    char *d = fixture();
    h_result r = h_slagg(d, NULL, "report", "out", "--out", "report.html", NULL);
    h_assert_code(r, 0);
    h_result_free(&r);
    r = chromium_run(chrome, d, "report.html", "--dump-dom");
    cr_assert_eq(r.code, 0, "chromium --dump-dom failed (%d):\n%s", r.code, r.err);
    /* the DOM the browser built holds what the file says */
    assert_fixture_report(r.out, "the browser's DOM");
    char *want = finance_under(d), *got = listed_periods(r.out, 1);
    cr_assert_str_eq(got, want, "listed in the browser:\n%s\nfinance.csv tier > 0:\n%s", got, want);
    char *below = periods_below_99_9(d);
    cr_assert_str_eq(got, below, "listed in the browser:\n%s\nslagg periods --below 99.9:\n%s", got, below);
    free(below);
    /* the account's text is text, not markup, in the browser too */
    cr_assert(!h_contains(r.out, "<i>&amp;"), "the browser made an element of an account name");
    size_t n = dom_elements(r.out);
    cr_assert(n > 100 && n < 20000, "%zu elements", n);
    free(want);
    free(got);
    h_result_free(&r);
    h_rmtree(d);   /* d is freed at exit (harness.c) */
    free(chrome);
}

Test(report, browser_dom_stays_small_with_many_periods_under_the_promise, .timeout = 240)
{
    NEED_CHROMIUM(chrome);
    char *d = many_under(205);
    h_result r = chromium_run(chrome, d, "r.html", "--dump-dom");
    cr_assert_eq(r.code, 0, "chromium --dump-dom failed (%d):\n%s", r.code, r.err);
    cr_assert_eq(count_of(r.out, "<tr class=\"period\""), 200);
    assert_has(r.out, "id=\"under-more\"", "the browser's DOM");
    size_t n = dom_elements(r.out);
    cr_assert(n < 20000, "%zu elements", n);
    h_result_free(&r);
    h_rmtree(d);   /* d is freed at exit (harness.c) */
    free(chrome);
}

/* The screenshot is not blank: a PNG of the report is much larger than the
 * PNG chromium makes of an empty page of the same size (which compresses
 * to almost nothing), and is a PNG of the asked size. */
Test(report, browser_screenshot_is_not_blank, .timeout = 240)
{
    NEED_CHROMIUM(chrome);
    char *d = fixture();
    h_result r = h_slagg(d, NULL, "report", "out", "--out", "report.html", NULL);
    h_assert_code(r, 0);
    h_result_free(&r);
    h_write(d, "blank.html", "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"></head><body></body></html>\n");
    r = chromium_run(chrome, d, "report.html", "--screenshot=report.png");
    cr_assert_eq(r.code, 0, "chromium --screenshot failed (%d):\n%s", r.code, r.err);
    h_result_free(&r);
    r = chromium_run(chrome, d, "blank.html", "--screenshot=blank.png");
    cr_assert_eq(r.code, 0, "chromium --screenshot failed (%d):\n%s", r.code, r.err);
    h_result_free(&r);
    size_t nr, nb;
    unsigned char *png = (unsigned char *)h_read_in(d, "report.png", &nr);
    char *blank = h_read_in(d, "blank.png", &nb);
    cr_assert(nr > 24 && memcmp(png, "\x89PNG\r\n\x1a\n", 8) == 0, "not a PNG");
    unsigned w = (unsigned)png[16] << 24 | (unsigned)png[17] << 16 | (unsigned)png[18] << 8 | png[19];
    unsigned h = (unsigned)png[20] << 24 | (unsigned)png[21] << 16 | (unsigned)png[22] << 8 | png[23];
    cr_assert(w == 1280 && h == 2000, "a %ux%u screenshot", w, h);
    cr_assert(nr > 10 * nb && nr > 50000, "report.png is %zu bytes, a blank page's %zu: blank?", nr, nb);
    free(png);
    free(blank);
    h_rmtree(d);   /* d is freed at exit (harness.c) */
    free(chrome);
}
