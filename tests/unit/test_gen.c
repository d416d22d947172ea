/*
 * test_gen.c - the synthetic fleet of core/gen.c: determinism, exact
 * record counts, exact headers, and tables that follow SPEC section 3
 * (valid dates, money with 2 decimals, voucher <= fee) and contain the
 * cases the fold must handle (open-ended contract, no-fee period,
 * unmatched fee row, late-notice maintenance, make-up workday).
 */
#include <criterion/criterion.h>

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

#include "core/calendar.h"
#include "core/gen.h"
#include "io/timestamp.h"

/* ---- helpers ---------------------------------------------------------------- */

static char *tmp_dir(void)
{
    char tmpl[] = "/tmp/slagg_test_gen.XXXXXX";
    char *d = mkdtemp(tmpl);
    cr_assert_not_null(d);
    return strdup(d);
}

static void rm_rf(const char *dir)
{
    DIR *dp = opendir(dir);
    if (!dp) return;
    struct dirent *de;
    while ((de = readdir(dp))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
        char p[4096];
        snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
        unlink(p);
    }
    closedir(dp);
    rmdir(dir);
}

/* Whole file, decompressed when it starts with the zstd magic; NUL-ended. */
static char *slurp(const char *dir, const char *name, size_t *len)
{
    char p[4096];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "rb");
    cr_assert_not_null(f, "cannot open %s", p);
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    size_t got;
    while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) buf = realloc(buf, cap *= 2);
    }
    fclose(f);
    if (n >= 4 && (unsigned char)buf[0] == 0x28 && (unsigned char)buf[1] == 0xb5 &&
        (unsigned char)buf[2] == 0x2f && (unsigned char)buf[3] == 0xfd) {
        ZSTD_DCtx *dc = ZSTD_createDCtx();
        size_t ocap = 1 << 20, on = 0;
        char *out = malloc(ocap);
        ZSTD_inBuffer in = {buf, n, 0};
        size_t rc = 1;
        while (in.pos < in.size || rc != 0) {
            if (ocap - on < (1 << 16)) out = realloc(out, ocap *= 2);
            ZSTD_outBuffer ob = {out + on, ocap - on - 1, 0};
            size_t before = in.pos;
            rc = ZSTD_decompressStream(dc, &ob, &in);
            cr_assert(!ZSTD_isError(rc), "%s: %s", name, ZSTD_getErrorName(rc));
            on += ob.pos;
            if (ob.pos == 0 && in.pos == before && rc != 0 && in.pos == in.size)
                cr_assert_fail("%s: truncated zstd frame", name);
        }
        ZSTD_freeDCtx(dc);
        free(buf);
        buf = out;
        n = on;
    } else {
        buf = realloc(buf, n + 1);
    }
    buf[n] = '\0';
    if (len) *len = n;
    return buf;
}

static size_t count_lines(const char *s)
{
    size_t n = 0;
    for (; *s; s++) n += *s == '\n';
    return n;
}

static void gen_small(const char *dir, uint64_t seed, slagg_gen_format fmt, int compress,
                      slagg_gen_result *res)
{
    slagg_gen_opts o;
    slagg_gen_opts_default(&o);
    o.out_dir = dir;
    o.accounts = 60;
    o.records = 20000;
    o.seed = seed;
    o.format = fmt;
    o.compress = compress;
    o.files = 3;
    slagg_err err = {SLAGG_OK, ""};
    slagg_gen_result r;
    cr_assert_eq(slagg_gen_write(&o, res ? res : &r, &err), SLAGG_OK, "%s", err.msg);
}

static const char *const table_names[] = {"contracts.csv", "fees.csv", "maintenance.csv",
                                          "holidays.csv"};

/* Splits one line (no quoting in generated tables) into fields. */
static int split(char *line, char **f, int max)
{
    int n = 0;
    f[n++] = line;
    for (char *p = line; *p; p++) {
        if (*p == ',') {
            *p = '\0';
            if (n == max) return -1;
            f[n++] = p + 1;
        }
    }
    return n;
}

static int is_money(const char *s)
{
    size_t n = strlen(s);
    if (n < 4 || s[n - 3] != '.') return 0;
    for (size_t i = 0; i < n; i++)
        if (i != n - 3 && (s[i] < '0' || s[i] > '9')) return 0;
    return 1;
}

static uint64_t fen(const char *s)
{
    uint64_t v = 0;
    for (; *s; s++)
        if (*s != '.') v = v * 10 + (uint64_t)(*s - '0');
    return v;
}

/* ---- determinism -------------------------------------------------------------- */

Test(gen, same_seed_same_bytes)
{
    char *a = tmp_dir(), *b = tmp_dir();
    gen_small(a, 7, SLAGG_GEN_CSV, 1, NULL);
    gen_small(b, 7, SLAGG_GEN_CSV, 1, NULL);
    const char *names[] = {"records-000.csv.zst", "records-001.csv.zst", "records-002.csv.zst",
                           "contracts.csv", "fees.csv", "maintenance.csv", "holidays.csv"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        char pa[4096], pb[4096];
        snprintf(pa, sizeof pa, "%s/%s", a, names[i]);
        snprintf(pb, sizeof pb, "%s/%s", b, names[i]);
        FILE *fa = fopen(pa, "rb"), *fb = fopen(pb, "rb");
        cr_assert(fa && fb, "%s missing", names[i]);
        int ca, cb;
        long off = 0;
        do {
            ca = fgetc(fa);
            cb = fgetc(fb);
            cr_assert_eq(ca, cb, "%s differs at byte %ld", names[i], off);
            off++;
        } while (ca != EOF);
        fclose(fa);
        fclose(fb);
    }
    rm_rf(a);
    rm_rf(b);
    free(a);
    free(b);
}

Test(gen, different_seed_different_records)
{
    char *a = tmp_dir(), *b = tmp_dir();
    gen_small(a, 1, SLAGG_GEN_CSV, 0, NULL);
    gen_small(b, 2, SLAGG_GEN_CSV, 0, NULL);
    char *ra = slurp(a, "records-000.csv", NULL), *rb = slurp(b, "records-000.csv", NULL);
    cr_assert(strcmp(ra, rb) != 0);
    free(ra);
    free(rb);
    rm_rf(a);
    rm_rf(b);
    free(a);
    free(b);
}

Test(gen, records_do_not_change_the_fleet_design)
{
    char *a = tmp_dir(), *b = tmp_dir();
    slagg_gen_opts o;
    slagg_gen_opts_default(&o);
    o.accounts = 60;
    o.records = 1000;
    o.out_dir = a;
    slagg_err err = {SLAGG_OK, ""};
    slagg_gen_result r;
    cr_assert_eq(slagg_gen_write(&o, &r, &err), SLAGG_OK, "%s", err.msg);
    o.records = 30000;
    o.out_dir = b;
    cr_assert_eq(slagg_gen_write(&o, &r, &err), SLAGG_OK, "%s", err.msg);
    for (size_t i = 0; i < 4; i++) {
        char *ta = slurp(a, table_names[i], NULL), *tb = slurp(b, table_names[i], NULL);
        cr_assert_str_eq(ta, tb, "%s", table_names[i]);
        free(ta);
        free(tb);
    }
    rm_rf(a);
    rm_rf(b);
    free(a);
    free(b);
}

/* ---- record files ------------------------------------------------------------- */

static void check_records(slagg_gen_format fmt, int compress)
{
    char *d = tmp_dir();
    slagg_gen_result res;
    gen_small(d, 3, fmt, compress, &res);
    cr_assert_eq(res.records, 20000);
    const char *ext = fmt == SLAGG_GEN_NDJSON ? (compress ? "ndjson.zst" : "ndjson")
                                              : (compress ? "csv.zst" : "csv");
    int64_t first = slagg_days_from_civil(2026, 3, 1) * SLAGG_MS_PER_DAY - 8 * 3600 * 1000LL;
    int64_t end = first + 31 * SLAGG_MS_PER_DAY;
    size_t rows = 0;
    int64_t prev = INT64_MIN;
    for (int i = 0; i < 3; i++) {
        char name[64];
        snprintf(name, sizeof name, "records-%03d.%s", i, ext);
        char *s = slurp(d, name, NULL);
        char *p = s;
        if (fmt == SLAGG_GEN_CSV) {
            const char *hdr = "ts,account,status,cause,request_id\n";
            cr_assert(!strncmp(s, hdr, strlen(hdr)), "%s header", name);
            p += strlen(hdr);
        }
        while (*p) {
            char *nl = strchr(p, '\n');
            cr_assert_not_null(nl, "%s: last line without newline", name);
            const char *ts = p;
            if (fmt == SLAGG_GEN_NDJSON) {
                cr_assert(!strncmp(p, "{\"ts\":\"", 7), "%s: %.60s", name, p);
                ts = p + 7;
                cr_assert(!strncmp(nl - 3, "\"}}", 3), "%s: %.60s", name, p);
                *nl = '\0';   /* keep strstr inside the line */
                cr_assert_not_null(strstr(p, "\",\"account\":\"acct-"), "%s: %s", name, p);
                cr_assert_not_null(strstr(p, "\",\"status\":"), "%s: %s", name, p);
                *nl = '\n';
            } else {
                /* 5 fields: ts,account,status,cause,request_id */
                int commas = 0;
                for (char *q = p; q < nl; q++) commas += *q == ',';
                cr_assert_eq(commas, 4, "%s: %.80s", name, p);
            }
            int64_t ms;
            cr_assert_eq(slagg_parse_rfc3339(ts, 29, &ms), 0, "%s: ts %.29s", name, ts);
            cr_assert(!strncmp(ts + 23, "+08:00", 6), "%s: offset %.29s", name, ts);
            cr_assert(ms >= first && ms < end, "%s: ts outside the month %.29s", name, ts);
            cr_assert(ms >= prev, "%s: not in time order at %.29s", name, ts);
            prev = ms;
            rows++;
            p = nl + 1;
        }
        free(s);
    }
    cr_assert_eq(rows, 20000);
    rm_rf(d);
    free(d);
}

Test(gen, csv_rows_headers_order) { check_records(SLAGG_GEN_CSV, 0); }
Test(gen, csv_zst_rows) { check_records(SLAGG_GEN_CSV, 1); }
Test(gen, ndjson_rows) { check_records(SLAGG_GEN_NDJSON, 0); }
Test(gen, ndjson_zst_rows) { check_records(SLAGG_GEN_NDJSON, 1); }

Test(gen, exact_counts_for_awkward_sizes)
{
    uint64_t counts[] = {0, 1, 7, 8929, 123457};
    unsigned files[] = {1, 2, 5, 7, 4};
    for (size_t k = 0; k < sizeof counts / sizeof *counts; k++) {
        char *d = tmp_dir();
        slagg_gen_opts o;
        slagg_gen_opts_default(&o);
        o.out_dir = d;
        o.accounts = 13;
        o.records = counts[k];
        o.files = files[k];
        o.month = 2;   /* 28 days */
        slagg_err err = {SLAGG_OK, ""};
        slagg_gen_result r;
        cr_assert_eq(slagg_gen_write(&o, &r, &err), SLAGG_OK, "%s", err.msg);
        cr_assert_eq(r.records, counts[k]);
        size_t lines = 0;
        for (unsigned i = 0; i < files[k]; i++) {
            char name[64];
            snprintf(name, sizeof name, "records-%03u.csv", i);
            char *s = slurp(d, name, NULL);
            lines += count_lines(s) - 1;
            free(s);
        }
        cr_assert_eq(lines, counts[k], "records %llu", (unsigned long long)counts[k]);
        rm_rf(d);
        free(d);
    }
}

Test(gen, rfc3339_window_edge_digits)
{
    /* 10:04:59.999 style: minute digit, seconds and millis are hand-made */
    char *d = tmp_dir();
    gen_small(d, 11, SLAGG_GEN_CSV, 0, NULL);
    char *s = slurp(d, "records-001.csv", NULL);
    char *p = strchr(s, '\n') + 1;
    int saw_minute_4_or_9 = 0;
    while (*p) {
        cr_assert(p[4] == '-' && p[7] == '-' && p[10] == 'T' && p[13] == ':' && p[16] == ':' &&
                  p[19] == '.' && p[29] == ',', "%.40s", p);
        saw_minute_4_or_9 |= p[15] == '4' || p[15] == '9';
        p = strchr(p, '\n') + 1;
    }
    cr_assert(saw_minute_4_or_9);
    free(s);
    rm_rf(d);
    free(d);
}

/* ---- tables ------------------------------------------------------------------- */

typedef struct period {
    char account[32];
    int64_t start;
} period;

Test(gen, tables_follow_the_spec_and_have_every_case)
{
    char *d = tmp_dir();
    slagg_gen_opts o;
    slagg_gen_opts_default(&o);   /* the default fleet's tables, few records */
    o.out_dir = d;
    o.records = 2000;
    slagg_err err = {SLAGG_OK, ""};
    slagg_gen_result res;
    cr_assert_eq(slagg_gen_write(&o, &res, &err), SLAGG_OK, "%s", err.msg);
    cr_assert_eq(res.designed_tier[1], 8);
    cr_assert_eq(res.designed_tier[2], 4);
    cr_assert_eq(res.designed_tier[3], 2);
    cr_assert_eq(res.designed_tier[0] + 14 + res.uncontracted_accounts, 200);

    const int64_t m_first = slagg_days_from_civil(2026, 3, 1), m_last = m_first + 30;

    /* contracts: account,start,end; the month's periods */
    char *s = slurp(d, "contracts.csv", NULL);
    cr_assert(!strncmp(s, "account,start,end\n", 18));
    period *pers = calloc(1000, sizeof *pers);
    size_t nper = 0, open_ended = 0, mid_start = 0, mid_end = 0, rows = 0;
    char prev_acct[32] = "";
    int64_t prev_end = -1;
    for (char *line = strtok(s + 18, "\n"); line; line = strtok(NULL, "\n")) {
        char *f[4];
        cr_assert_eq(split(line, f, 4), 3, "contracts: %s", line);
        int64_t st, en = INT64_MAX;
        cr_assert_eq(slagg_parse_date(f[1], strlen(f[1]), &st), 0, "start %s", f[1]);
        if (*f[2]) cr_assert_eq(slagg_parse_date(f[2], strlen(f[2]), &en), 0, "end %s", f[2]);
        else open_ended++;
        cr_assert(st <= en);
        cr_assert(strlen(f[0]) >= 1 && strlen(f[0]) < 32);
        if (!strcmp(prev_acct, f[0])) cr_assert(st > prev_end, "overlap for %s", f[0]);
        else cr_assert(strcmp(prev_acct, f[0]) < 0, "contracts sorted by account");
        snprintf(prev_acct, sizeof prev_acct, "%s", f[0]);
        prev_end = en;
        mid_start += st > m_first;
        mid_end += en < m_last;
        rows++;
        if (st <= m_last) {   /* the month's period of this row */
            snprintf(pers[nper].account, sizeof pers[nper].account, "%s", f[0]);
            pers[nper++].start = st > m_first ? st : m_first;
        }
    }
    cr_assert_eq(rows, res.contract_rows);
    cr_assert(open_ended >= 1);
    cr_assert(mid_start >= 1);
    cr_assert(mid_end >= 1);
    free(s);

    /* fees: account,period_start,fee,voucher_paid */
    s = slurp(d, "fees.csv", NULL);
    const char *fh = "account,period_start,fee,voucher_paid\n";
    cr_assert(!strncmp(s, fh, strlen(fh)));
    char *matched = calloc(nper, 1);
    size_t unmatched = 0, capped = 0, frows = 0;
    for (char *line = strtok(s + strlen(fh), "\n"); line; line = strtok(NULL, "\n")) {
        char *f[5];
        cr_assert_eq(split(line, f, 5), 4, "fees: %s", line);
        int64_t ps;
        cr_assert_eq(slagg_parse_date(f[1], strlen(f[1]), &ps), 0, "period_start %s", f[1]);
        cr_assert(is_money(f[2]) && is_money(f[3]), "money: %s,%s", f[2], f[3]);
        uint64_t fee = fen(f[2]), v = fen(f[3]);
        cr_assert(v <= fee, "voucher > fee: %s", line);
        cr_assert(fee >= 50000 && fee <= 2000000, "fee range: %s", f[2]);
        /* cap binds for tier 10 when voucher > 80 % of the fee */
        capped += v * 10 > fee * 8;
        int hit = 0;
        for (size_t k = 0; k < nper; k++)
            if (!strcmp(pers[k].account, f[0]) && pers[k].start == ps) {
                cr_assert(!matched[k], "two fee rows for %s %s", f[0], f[1]);
                matched[k] = 1;
                hit = 1;
            }
        unmatched += !hit;
        frows++;
    }
    cr_assert_eq(frows, res.fee_rows);
    size_t no_fee = 0;
    for (size_t k = 0; k < nper; k++) no_fee += !matched[k];
    cr_assert(no_fee >= 1, "a period without a fee row");
    cr_assert_eq(no_fee, res.no_fee_periods);
    cr_assert_eq(unmatched, 1, "one fee row for a period that does not exist");
    cr_assert(capped >= 1, "a voucher large enough for the cap to bind");
    free(matched);
    free(pers);
    free(s);

    /* maintenance: start,end,scope,notice_at */
    s = slurp(d, "maintenance.csv", NULL);
    const char *mh = "start,end,scope,notice_at\n";
    cr_assert(!strncmp(s, mh, strlen(mh)));
    size_t late = 0, fleet_wide = 0, scoped_notified = 0;
    for (char *line = strtok(s + strlen(mh), "\n"); line; line = strtok(NULL, "\n")) {
        char *f[5];
        cr_assert_eq(split(line, f, 5), 4, "maintenance: %s", line);
        int64_t a, b, n;
        cr_assert_eq(slagg_parse_rfc3339(f[0], strlen(f[0]), &a), 0);
        cr_assert_eq(slagg_parse_rfc3339(f[1], strlen(f[1]), &b), 0);
        cr_assert_eq(slagg_parse_rfc3339(f[3], strlen(f[3]), &n), 0);
        cr_assert(a < b);
        if (n > a) late++;
        else if (!strcmp(f[2], "*")) fleet_wide++;
        else scoped_notified++;
    }
    cr_assert(late >= 1 && fleet_wide >= 1 && scoped_notified >= 1);
    free(s);

    /* holidays: date,kind; a make-up workday on a Saturday of next month */
    s = slurp(d, "holidays.csv", NULL);
    cr_assert(!strncmp(s, "date,kind\n", 10));
    size_t holidays = 0, saturday_workday = 0;
    for (char *line = strtok(s + 10, "\n"); line; line = strtok(NULL, "\n")) {
        char *f[3];
        cr_assert_eq(split(line, f, 3), 2, "holidays: %s", line);
        int64_t day;
        cr_assert_eq(slagg_parse_date(f[0], 10, &day), 0);
        if (!strcmp(f[1], "holiday")) holidays++;
        else {
            cr_assert_str_eq(f[1], "workday");
            saturday_workday += slagg_weekday(day) == 5 && slagg_month_first(day) ==
                                                           slagg_month_add(m_first, 1);
        }
    }
    cr_assert(holidays >= 2);
    cr_assert_eq(saturday_workday, 1);
    free(s);
    rm_rf(d);
    free(d);
}

Test(gen, sla_example_contract_three_months_from_the_17th)
{
    char *d = tmp_dir();
    gen_small(d, 5, SLAGG_GEN_CSV, 0, NULL);
    char *s = slurp(d, "contracts.csv", NULL);
    cr_assert_not_null(strstr(s, ",2026-03-17,2026-06-16\n"), "%s", s);
    free(s);
    rm_rf(d);
    free(d);
}

/* ---- bad options ------------------------------------------------------------- */

Test(gen, rejects_bad_options)
{
    slagg_gen_opts o;
    slagg_err err = {SLAGG_OK, ""};
    slagg_gen_result r;
    slagg_gen_opts_default(&o);
    cr_assert_eq(slagg_gen_write(&o, &r, &err), SLAGG_E_USAGE);   /* no out_dir */
    o.out_dir = "/tmp/slagg_test_gen_never";
    o.accounts = 0;
    cr_assert_eq(slagg_gen_write(&o, &r, &err), SLAGG_E_USAGE);
    slagg_gen_opts_default(&o);
    o.out_dir = "/tmp/slagg_test_gen_never";
    o.files = 0;
    cr_assert_eq(slagg_gen_write(&o, &r, &err), SLAGG_E_USAGE);
    o.files = 2;
    o.month = 13;
    cr_assert_eq(slagg_gen_write(&o, &r, &err), SLAGG_E_USAGE);
    cr_assert_eq(access("/tmp/slagg_test_gen_never", F_OK), -1, "nothing created");
}

Test(gen, unwritable_directory_is_an_io_error)
{
    slagg_gen_opts o;
    slagg_err err = {SLAGG_OK, ""};
    slagg_gen_result r;
    slagg_gen_opts_default(&o);
    o.out_dir = "/dev/null/fleet";
    o.records = 10;
    cr_assert_eq(slagg_gen_write(&o, &r, &err), SLAGG_E_IO);
    cr_assert_not_null(strstr(err.msg, "/dev/null"), "%s", err.msg);
}

Test(gen, no_temporary_files_left)
{
    char *d = tmp_dir();
    gen_small(d, 9, SLAGG_GEN_NDJSON, 1, NULL);
    DIR *dp = opendir(d);
    struct dirent *de;
    size_t n = 0;
    while ((de = readdir(dp))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
        cr_assert(de->d_name[0] != '.', "left behind: %s", de->d_name);
        n++;
    }
    closedir(dp);
    cr_assert_eq(n, 7);   /* 3 record files + 4 tables */
    rm_rf(d);
    free(d);
}
