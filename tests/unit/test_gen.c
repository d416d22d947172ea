/*
 * test_gen.c - the synthetic fleet of cli/gen/: determinism, exact
 * record counts, exact headers, and tables that follow SPEC section 3
 * (valid dates, money with 2 decimals, voucher <= fee) and contain the
 * cases the fold must handle (open-ended contract, no-fee period,
 * unmatched fee row, late-notice maintenance, make-up workday); and the
 * shard output (--shards): the same bytes whatever the thread count,
 * exact record counts, files in time order, records only inside their
 * account's contract days, the same tables and the same records per day
 * as the text logs of the same options.
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
#include "cli/gen/gen.h"
#include "io/shard.h"
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

/* ---- shards (--shards) ----------------------------------------------------------- */

static void gen_shards(const char *dir, uint32_t accounts, uint64_t records, unsigned files,
                       unsigned threads, slagg_gen_result *res)
{
    slagg_gen_opts o;
    slagg_gen_opts_default(&o);
    o.out_dir = dir;
    o.accounts = accounts;
    o.records = records;
    o.files = files;
    o.threads = threads;
    o.shards = 1;
    slagg_err err = {SLAGG_OK, ""};
    slagg_gen_result r;
    cr_assert_eq(slagg_gen_write(&o, res ? res : &r, &err), SLAGG_OK, "%s", err.msg);
}

static void same_file(const char *a, const char *b, const char *name)
{
    size_t na, nb;
    char *ta = slurp(a, name, &na), *tb = slurp(b, name, &nb);
    cr_assert_eq(na, nb, "%s: %zu vs %zu bytes", name, na, nb);
    cr_assert(memcmp(ta, tb, na) == 0, "%s differs", name);
    free(ta);
    free(tb);
}

static size_t count_entries(const char *dir)
{
    DIR *dp = opendir(dir);
    cr_assert_not_null(dp);
    struct dirent *de;
    size_t n = 0;
    while ((de = readdir(dp))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
        cr_assert(de->d_name[0] != '.', "left behind: %s", de->d_name);
        n++;
    }
    closedir(dp);
    return n;
}

Test(gen, shards_same_bytes_whatever_the_threads)
{
    char *d[3] = {tmp_dir(), tmp_dir(), tmp_dir()};
    unsigned threads[3] = {1, 2, 3};
    for (int i = 0; i < 3; i++) gen_shards(d[i], 300, 700000, 5, threads[i], NULL);
    for (int i = 1; i < 3; i++) {
        for (unsigned k = 0; k < 5; k++) {
            char name[64];
            snprintf(name, sizeof name, "records-%03u.shard", k);
            same_file(d[0], d[i], name);
        }
        for (size_t t = 0; t < 4; t++) same_file(d[0], d[i], table_names[t]);
    }
    for (int i = 0; i < 3; i++) {
        rm_rf(d[i]);
        free(d[i]);
    }
}

/* --block-records: every block holds fewer than twice that many records
 * (a full block's last window waits for the next, docs/FORMAT.md
 * "Writing" of 2.0), blocks share no 5-minute window (the records come in
 * time order), the total is exact, threads still do not change the
 * bytes. */
Test(gen, shards_block_records_option)
{
    char *d[2] = {tmp_dir(), tmp_dir()};
    for (int i = 0; i < 2; i++) {
        slagg_gen_opts o;
        slagg_gen_opts_default(&o);
        o.out_dir = d[i];
        o.accounts = 50;
        o.records = 100000;
        o.files = 2;
        o.threads = (unsigned)i + 1;
        o.shards = 1;
        o.block_records = 3000;
        slagg_err err = {SLAGG_OK, ""};
        slagg_gen_result r;
        cr_assert_eq(slagg_gen_write(&o, &r, &err), SLAGG_OK, "%s", err.msg);
    }
    uint64_t total = 0;
    size_t blocks = 0;
    for (unsigned k = 0; k < 2; k++) {
        char name[64], p[4096];
        snprintf(name, sizeof name, "records-%03u.shard", k);
        same_file(d[0], d[1], name);
        snprintf(p, sizeof p, "%s/%s", d[0], name);
        slagg_shard *s;
        slagg_err err = {SLAGG_OK, ""};
        cr_assert_eq(slagg_shard_open(p, &s, &err), SLAGG_OK, "%s", err.msg);
        int64_t prev_w = -1;
        for (size_t i = 0; i < slagg_shard_block_count(s); i++) {
            const slagg_shard_block_info *bi = slagg_shard_block_at(s, i);
            cr_assert_lt(bi->records, 6000u);
            cr_assert_gt(bi->min_ts_ms / 300000, prev_w, "block %zu starts in the last window of block %zu", i,
                         i - 1);
            prev_w = bi->max_ts_ms / 300000;
            blocks++;
        }
        total += slagg_shard_records(s);
        slagg_shard_close(s);
    }
    cr_assert_eq(total, 100000u);
    cr_assert_geq(blocks, 34u, "100000 records in blocks of at most 3000: %zu blocks", blocks);
    for (int i = 0; i < 2; i++) {
        rm_rf(d[i]);
        free(d[i]);
    }
}

/* About a block's worth of records a day: chunks cut at day boundaries
 * inside blocks; blocks still in time order; the same bytes again. */
Test(gen, shards_dense_days_same_bytes_and_block_order)
{
    char *a = tmp_dir(), *b = tmp_dir();
    const uint64_t N = 9000000;
    slagg_gen_result ra;
    gen_shards(a, 50, N, 2, 1, &ra);
    gen_shards(b, 50, N, 2, 2, NULL);
    cr_assert_eq(ra.records, N);
    uint64_t total = 0;
    for (unsigned k = 0; k < 2; k++) {
        char name[64], p[4096];
        snprintf(name, sizeof name, "records-%03u.shard", k);
        same_file(a, b, name);
        snprintf(p, sizeof p, "%s/%s", a, name);
        slagg_shard *s;
        slagg_err err = {SLAGG_OK, ""};
        cr_assert_eq(slagg_shard_open(p, &s, &err), SLAGG_OK, "%s", err.msg);
        total += slagg_shard_records(s);
        cr_assert(slagg_shard_block_count(s) >= 17);
        int64_t prev_max = INT64_MIN + 300000;
        for (size_t i = 0; i < slagg_shard_block_count(s); i++) {
            const slagg_shard_block_info *bi = slagg_shard_block_at(s, i);
            cr_assert(bi->min_ts_ms >= prev_max - 300000, "block %zu", i);
            cr_assert(bi->max_ts_ms - bi->min_ts_ms < 2 * SLAGG_MS_PER_DAY, "block %zu", i);
            prev_max = bi->max_ts_ms;
        }
        slagg_shard_close(s);
    }
    cr_assert_eq(total, N);
    rm_rf(a);
    rm_rf(b);
    free(a);
    free(b);
}

Test(gen, shards_different_seed_different_records)
{
    char *a = tmp_dir(), *b = tmp_dir();
    slagg_gen_opts o;
    slagg_gen_opts_default(&o);
    o.records = 20000;
    o.shards = 1;
    o.out_dir = a;
    slagg_err err = {SLAGG_OK, ""};
    slagg_gen_result r;
    cr_assert_eq(slagg_gen_write(&o, &r, &err), SLAGG_OK, "%s", err.msg);
    o.seed = 2;
    o.out_dir = b;
    cr_assert_eq(slagg_gen_write(&o, &r, &err), SLAGG_OK, "%s", err.msg);
    size_t na, nb;
    char *ta = slurp(a, "records-000.shard", &na), *tb = slurp(b, "records-000.shard", &nb);
    cr_assert(na != nb || memcmp(ta, tb, na) != 0);
    free(ta);
    free(tb);
    rm_rf(a);
    rm_rf(b);
    free(a);
    free(b);
}

static uint64_t shard_count(const char *dir, const char *name)
{
    char p[4096];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    slagg_shard *s;
    slagg_err err = {SLAGG_OK, ""};
    cr_assert_eq(slagg_shard_open(p, &s, &err), SLAGG_OK, "%s", err.msg);
    uint64_t n = slagg_shard_records(s);
    slagg_shard_close(s);
    return n;
}

Test(gen, shards_exact_counts_for_awkward_sizes)
{
    uint64_t counts[] = {0, 1, 7, 8929, 123457, 600001};
    unsigned files[] = {1, 2, 5, 7, 4, 0};   /* 0: the default, 2 */
    for (size_t k = 0; k < sizeof counts / sizeof *counts; k++) {
        char *d = tmp_dir();
        slagg_gen_opts o;
        slagg_gen_opts_default(&o);
        o.out_dir = d;
        o.accounts = 13;
        o.records = counts[k];
        o.files = files[k];
        o.month = 2;   /* 28 days */
        o.shards = 1;
        o.threads = 2;
        slagg_err err = {SLAGG_OK, ""};
        slagg_gen_result r;
        cr_assert_eq(slagg_gen_write(&o, &r, &err), SLAGG_OK, "%s", err.msg);
        cr_assert_eq(r.records, counts[k]);
        unsigned nf = files[k] ? files[k] : 2;
        uint64_t total = 0;
        for (unsigned i = 0; i < nf; i++) {
            char name[64];
            snprintf(name, sizeof name, "records-%03u.shard", i);
            total += shard_count(d, name);
        }
        cr_assert_eq(total, counts[k], "records %llu", (unsigned long long)counts[k]);
        cr_assert_eq(r.files, nf + 4);
        cr_assert_eq(count_entries(d), nf + 4);   /* and no temporary left */
        rm_rf(d);
        free(d);
    }
}

/* Contract rows of one account (contracts.csv), as days. */
typedef struct acct_rows {
    int rows;
    int64_t start[2], end[2];   /* end INT64_MAX: open */
} acct_rows;

static acct_rows *read_contracts(const char *dir, uint32_t accounts)
{
    acct_rows *c = calloc(accounts, sizeof *c);
    char *s = slurp(dir, "contracts.csv", NULL);
    for (char *line = strtok(s + 18, "\n"); line; line = strtok(NULL, "\n")) {
        char *f[4];
        cr_assert_eq(split(line, f, 4), 3);
        unsigned a = (unsigned)atoi(f[0] + 5);
        cr_assert(a < accounts && c[a].rows < 2, "%s", line);
        int64_t st, en = INT64_MAX;
        cr_assert_eq(slagg_parse_date(f[1], strlen(f[1]), &st), 0);
        if (*f[2]) cr_assert_eq(slagg_parse_date(f[2], strlen(f[2]), &en), 0);
        c[a].start[c[a].rows] = st;
        c[a].end[c[a].rows] = en;
        c[a].rows++;
    }
    free(s);
    return c;
}

Test(gen, shards_time_slices_contracts_and_days_as_text)
{
    enum { ACC = 400, FILES = 4 };
    const uint64_t N = 900000;
    char *d = tmp_dir(), *t = tmp_dir();
    slagg_gen_result res, rt;
    gen_shards(d, ACC, N, FILES, 2, &res);
    cr_assert_eq(res.records, N);

    /* the text logs of the same options: same tables, same records per day */
    slagg_gen_opts o;
    slagg_gen_opts_default(&o);
    o.out_dir = t;
    o.accounts = ACC;
    o.records = N;
    o.files = FILES;
    slagg_err err = {SLAGG_OK, ""};
    cr_assert_eq(slagg_gen_write(&o, &rt, &err), SLAGG_OK, "%s", err.msg);
    for (size_t k = 0; k < 4; k++) same_file(d, t, table_names[k]);
    cr_assert_eq(memcmp(res.designed_tier, rt.designed_tier, sizeof res.designed_tier), 0);
    cr_assert_eq(res.contract_rows, rt.contract_rows);
    cr_assert_eq(res.fee_rows, rt.fee_rows);

    const int64_t tz_ms = 8 * 3600 * 1000LL, m_first = slagg_days_from_civil(2026, 3, 1);
    const int64_t first = m_first * SLAGG_MS_PER_DAY - tz_ms, end = first + 31 * SLAGG_MS_PER_DAY;
    uint64_t per_day_shard[31] = {0}, per_day_text[31] = {0};
    acct_rows *c = read_contracts(d, ACC);
    uint64_t total = 0, errors = 0, accounts_seen = 0;
    char *seen = calloc(ACC, 1);
    int64_t prev_file_max = INT64_MIN;
    slagg_shard_block b;
    memset(&b, 0, sizeof b);
    for (unsigned k = 0; k < FILES; k++) {
        char p[4096];
        snprintf(p, sizeof p, "%s/records-%03u.shard", d, k);
        slagg_shard *s;
        cr_assert_eq(slagg_shard_open(p, &s, &err), SLAGG_OK, "%s", err.msg);
        /* the files are consecutive time slices of about equal size */
        uint64_t nrec = slagg_shard_records(s);
        cr_assert(nrec > N / FILES * 9 / 10 && nrec < N / FILES * 11 / 10, "file %u: %llu", k,
                  (unsigned long long)nrec);
        int64_t file_min = INT64_MAX, file_max = INT64_MIN, prev_block_max = INT64_MIN + 300000;
        for (size_t i = 0; i < slagg_shard_block_count(s); i++) {
            const slagg_shard_block_info *bi = slagg_shard_block_at(s, i);
            /* blocks in time order, sharing at most the window they are cut in */
            cr_assert(bi->min_ts_ms >= prev_block_max - 300000, "file %u block %zu", k, i);
            prev_block_max = bi->max_ts_ms;
            cr_assert_eq(slagg_shard_read_block(s, i, &b, &err), SLAGG_OK, "%s", err.msg);
            for (uint32_t j = 0; j < b.n; j++) {
                int64_t ms = b.ts_ms[j];
                cr_assert(ms >= first && ms < end, "ts outside the month");
                if (ms < file_min) file_min = ms;
                if (ms > file_max) file_max = ms;
                int64_t day = (ms + tz_ms) / SLAGG_MS_PER_DAY;   /* service-time day */
                per_day_shard[day - m_first]++;
                size_t len;
                const char *name = slagg_shard_account(s, b.account[j], &len);
                cr_assert(len >= 10 && !strncmp(name, "acct-", 5));
                unsigned a = (unsigned)atoi(name + 5);
                cr_assert(a < ACC);
                if (!seen[a]) accounts_seen++;
                seen[a] = 1;
                /* one contract row: records only on its days */
                if (c[a].rows == 1)
                    cr_assert(day >= c[a].start[0] && day <= c[a].end[0],
                              "%.*s has a record outside its contract", (int)len, name);
                unsigned st = b.status[j];
                cr_assert(st == 0 || (st >= 100 && st <= 599));
                cr_assert(b.cause[j] < SLAGG_CAUSE_COUNT);
                errors += st >= 500;
                total++;
            }
        }
        cr_assert(file_min >= prev_file_max, "file %u starts before file %u ends", k, k - 1);
        prev_file_max = file_max;
        slagg_shard_close(s);
    }
    slagg_shard_block_free(&b);
    cr_assert_eq(total, N);
    cr_assert(accounts_seen > ACC * 9 / 10, "most accounts have records: %llu",
              (unsigned long long)accounts_seen);
    cr_assert(errors > N / 1000 && errors < N / 10, "5xx: %llu", (unsigned long long)errors);

    for (unsigned k = 0; k < FILES; k++) {
        char name[64];
        snprintf(name, sizeof name, "records-%03u.csv", k);
        char *txt = slurp(t, name, NULL);
        char *q = strchr(txt, '\n') + 1;
        while (*q) {
            int64_t ms;
            cr_assert_eq(slagg_parse_rfc3339(q, 29, &ms), 0);
            per_day_text[(ms + tz_ms) / SLAGG_MS_PER_DAY - m_first]++;
            q = strchr(q, '\n') + 1;
        }
        free(txt);
    }
    for (int i = 0; i < 31; i++)
        cr_assert_eq(per_day_shard[i], per_day_text[i], "day %d: %llu vs %llu", i + 1,
                     (unsigned long long)per_day_shard[i], (unsigned long long)per_day_text[i]);
    free(seen);
    free(c);
    rm_rf(d);
    rm_rf(t);
    free(d);
    free(t);
}

Test(gen, shards_reject_bad_options)
{
    slagg_gen_opts o;
    slagg_err err = {SLAGG_OK, ""};
    slagg_gen_result r;
    slagg_gen_opts_default(&o);
    o.out_dir = "/tmp/slagg_test_gen_never";
    o.shards = 1;
    o.format = SLAGG_GEN_NDJSON;
    cr_assert_eq(slagg_gen_write(&o, &r, &err), SLAGG_E_USAGE);
    o.format = SLAGG_GEN_CSV;
    o.compress = 1;
    cr_assert_eq(slagg_gen_write(&o, &r, &err), SLAGG_E_USAGE);
    o.compress = 0;
    o.threads = SLAGG_GEN_MAX_THREADS + 1;
    cr_assert_eq(slagg_gen_write(&o, &r, &err), SLAGG_E_USAGE);
    o.threads = 0;
    o.block_records = SLAGG_GEN_MAX_BLOCK_RECORDS + 1;
    cr_assert_eq(slagg_gen_write(&o, &r, &err), SLAGG_E_USAGE);
    o.block_records = 0;
    o.year = 2099;   /* 2099-12 at -05:00 ends after what a shard holds */
    o.month = 12;
    o.tz_offset_s = -5 * 3600;
    cr_assert_eq(slagg_gen_write(&o, &r, &err), SLAGG_E_USAGE);
    cr_assert_eq(access("/tmp/slagg_test_gen_never", F_OK), -1, "nothing created");
    o.shards = 0;   /* text logs: files 0 stays an error */
    o.year = 2026;
    o.month = 3;
    o.files = 0;
    cr_assert_eq(slagg_gen_write(&o, &r, &err), SLAGG_E_USAGE);
}

Test(gen, shards_unwritable_directory_is_an_io_error)
{
    slagg_gen_opts o;
    slagg_err err = {SLAGG_OK, ""};
    slagg_gen_result r;
    slagg_gen_opts_default(&o);
    o.out_dir = "/dev/null/fleet";
    o.records = 10;
    o.shards = 1;
    cr_assert_eq(slagg_gen_write(&o, &r, &err), SLAGG_E_IO);
    cr_assert_not_null(strstr(err.msg, "/dev/null"), "%s", err.msg);
}
