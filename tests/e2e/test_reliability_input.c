/*
 * test_reliability_input.c - every malformed form of every input file
 * (SPEC 6; docs/RELIABILITY.md "Bad input"): bad headers, missing columns,
 * wrong types, bad dates (Feb 30), overlapping contracts, a voucher above
 * its fee, negative money, three decimals, huge numbers, invalid UTF-8,
 * embedded NULs, very long lines, empty files and binary garbage, for
 * records, contracts, fees, maintenance and holidays. Each gives exit 2, a
 * "slagg: " message naming file, line and reason, and no output; CR/LF
 * line ends and a UTF-8 BOM are accepted. CI also runs this file under
 * ASan+UBSan (`./run sanitize`), so "nothing crashes" is checked there.
 */
#include "harness.h"

#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CONTRACTS "account,start,end\na,2026-04-01,2026-04-30\n"
#define ROW "2026-04-10T10:00:00+08:00,a,200\n"
#define RECORDS "ts,account,status\n" ROW

typedef struct bad_case {
    const char *name;     /* what is wrong, for failure messages */
    const char *option;   /* --contracts, --fees, ... or NULL for a record log */
    const char *file;     /* written with `data` */
    const char *data;
    size_t len;           /* 0: strlen(data) */
    const char *where;    /* "FILE:LINE:" or "FILE:" that the message must hold */
    const char *reason;   /* a word of the reason the message must hold */
} bad_case;

#define B(name, option, file, data, where, reason) {name, option, file, data, 0, where, reason}
#define BN(name, option, file, data, where, reason)                                  \
    {name, option, file, data, sizeof data - 1, where, reason}

/* summary.json adds up (SPEC 4) */
static void check_identity(const char *dir)
{
    char *json = h_read_in(dir, "out/summary.json", NULL);
    long long sum = h_json_int(json, "ok") + h_json_int(json, "error") +
                    h_json_int(json, "lost_provider") + h_json_int(json, "not_received") +
                    h_json_int(json, "uncontracted") + h_json_int(json, "after_through") +
                    h_json_int(json, "rejected");
    char *ex = h_json_raw(json, "excluded");
    static const char *const keys[] = {"maintenance", "attack", "content_ban", "external",
                                       "client"};
    for (size_t i = 0; i < 5; i++) sum += h_json_int(ex, keys[i]);
    cr_assert_eq(h_json_int(json, "records_read"), sum, "summary.json does not add up:\n%s", json);
    free(ex);
    free(json);
}

/* Runs fold with the case's file in its place and the good defaults for the
 * rest; returns the result. */
static h_result run_case(const char *d, const bad_case *c)
{
    h_write(d, "c.csv", CONTRACTS);
    h_write(d, "r.csv", RECORDS);
    h_write_bytes(d, c->file, c->data, c->len ? c->len : strlen(c->data));
    const char *args[20];
    size_t n = 0;
    args[n++] = "fold";
    args[n++] = "--out";
    args[n++] = "out";
    args[n++] = "--through";
    args[n++] = "2026-04-30";
    args[n++] = "--contracts";
    args[n++] = c->option && !strcmp(c->option, "--contracts") ? c->file : "c.csv";
    if (c->option && strcmp(c->option, "--contracts")) {
        args[n++] = c->option;
        args[n++] = c->file;
    }
    args[n++] = c->option ? "r.csv" : c->file;
    args[n] = NULL;
    return h_run(d, NULL, 0, args);
}

/* Runs every case, then fails listing all that went wrong (not only the
 * first). */
static void expect_bad(const bad_case *cases, size_t n)
{
    h_buf fails = {0};
    int nfail = 0;
    for (size_t i = 0; i < n; i++) {
        const bad_case *c = &cases[i];
        char *d = h_tmpdir();
        h_result r = run_case(d, c);
        const char *why = NULL;
        if (r.code != 2) why = "exit code is not 2";
        else if (strncmp(r.err, "slagg: ", 7) != 0) why = "no \"slagg: \" message";
        else if (!h_contains(r.err, c->where)) why = "the message does not name the place";
        else if (!h_contains(r.err, c->reason)) why = "the message does not give the reason";
        else {
            for (size_t k = 0; k < 4; k++) {
                static const char *const outs[] = {"out/finance.csv", "out/finance.jsonl",
                                                   "out/summary.json", "out/availability.slagg"};
                if (!h_missing(d, outs[k])) why = "a failed run wrote an output";
            }
        }
        if (why) {
            nfail++;
            h_buf_printf(&fails, "  %s (%s, expected '%s' and '%s'): %s; exit %d, stderr: %s\n",
                         c->name, c->file, c->where, c->reason, why, r.code, r.err);
        }
        h_result_free(&r);
        h_rmtree(d);
    }
    cr_assert_eq(nfail, 0, "%d of %zu cases failed:\n%s", nfail, n, fails.data ? fails.data : "");
    h_buf_free(&fails);
}

/* 2 MiB of 'x' in one field */
static char *long_line(const char *head, const char *tail)
{
    size_t n = 2u << 20;
    size_t hl = strlen(head), tl = strlen(tail);
    char *s = malloc(hl + n + tl + 1);
    cr_assert_not_null(s);
    memcpy(s, head, hl);
    memset(s + hl, 'x', n);
    memcpy(s + hl + n, tail, tl + 1);
    return s;
}

/* Binary garbage: seeded bytes, no structure. */
static char garbage[4096];
static void fill_garbage(void)
{
    uint32_t x = 2463534242u;
    for (size_t i = 0; i < sizeof garbage; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        garbage[i] = (char)(x >> 7);
    }
}

Test(bad_input, records)
{
    static const bad_case cases[] = {
        B("header without status", NULL, "r.csv", "ts,account\n2026-04-10T10:00:00+08:00,a\n", "r.csv:1:", "status"),
        B("header with ts and ts_ms", NULL, "r.csv", "ts,ts_ms,account,status\n", "r.csv:1:", "ts"),
        B("missing field", NULL, "r.csv", "ts,account,status\n2026-04-10T10:00:00+08:00,a\n", "r.csv:2:", "field"),
        B("status not a number", NULL, "r.csv", "ts,account,status\n2026-04-10T10:00:00+08:00,a,abc\n", "r.csv:2:", "status"),
        B("status 600", NULL, "r.csv", "ts,account,status\n2026-04-10T10:00:00+08:00,a,600\n", "r.csv:2:", "status"),
        B("status 99", NULL, "r.csv", "ts,account,status\n2026-04-10T10:00:00+08:00,a,99\n", "r.csv:2:", "status"),
        B("status huge", NULL, "r.csv", "ts,account,status\n2026-04-10T10:00:00+08:00,a,4294967496\n", "r.csv:2:", "status"),
        B("status negative", NULL, "r.csv", "ts,account,status\n2026-04-10T10:00:00+08:00,a,-200\n", "r.csv:2:", "status"),
        B("Feb 30", NULL, "r.csv", "ts,account,status\n2026-02-30T10:00:00+08:00,a,200\n", "r.csv:2:", "ts"),
        B("month 13", NULL, "r.csv", "ts,account,status\n2026-13-01T10:00:00+08:00,a,200\n", "r.csv:2:", "ts"),
        B("hour 24", NULL, "r.csv", "ts,account,status\n2026-04-10T24:00:00+08:00,a,200\n", "r.csv:2:", "ts"),
        B("no offset", NULL, "r.csv", "ts,account,status\n2026-04-10T10:00:00,a,200\n", "r.csv:2:", "ts"),
        B("huge unix seconds", NULL, "r.csv", "ts,account,status\n99999999999999999999999,a,200\n", "r.csv:2:", "ts"),
        B("ts before 1970", NULL, "r.csv", "ts,account,status\n1969-12-31T23:59:59Z,a,200\n", "r.csv:2:", "ts"),
        B("negative ts_ms", NULL, "r.csv", "ts_ms,account,status\n-1,a,200\n", "r.csv:2:", "ts"),
        B("unknown cause", NULL, "r.csv", "ts,account,status,cause\n2026-04-10T10:00:00+08:00,a,503,Provider\n", "r.csv:2:", "cause"),
        B("invalid UTF-8 account", NULL, "r.csv", "ts,account,status\n2026-04-10T10:00:00+08:00,\xff\xfe,200\n", "r.csv:2:", "UTF-8"),
        B("overlong UTF-8 account", NULL, "r.csv", "ts,account,status\n2026-04-10T10:00:00+08:00,\xc0\xaf,200\n", "r.csv:2:", "UTF-8"),
        B("empty account", NULL, "r.csv", "ts,account,status\n2026-04-10T10:00:00+08:00,,200\n", "r.csv:2:", "account"),
        B("account of 129 bytes", NULL, "r.csv", "ts,account,status\n2026-04-10T10:00:00+08:00,"
          "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
          ",200\n", "r.csv:2:", "128"),
        BN("NUL in account", NULL, "r.csv", "ts,account,status\n2026-04-10T10:00:00+08:00,a\0b,200\n", "r.csv:2:", "NUL"),
        BN("NUL in header", NULL, "r.csv", "ts,acc\0ount,status\n" ROW, "r.csv:1:", "NUL"),
        B("unterminated quote", NULL, "r.csv", "ts,account,status\n2026-04-10T10:00:00+08:00,\"a,200\n", "r.csv:2:", "quote"),
        B("empty file", NULL, "r.csv", "", "r.csv", "empty"),
        B("header only, blank lines", NULL, "r.csv", "\n\n\n", "r.csv", "empty"),
        B("NDJSON status as string", NULL, "r.ndjson", "{\"ts\":1775786400,\"account\":\"a\",\"status\":\"200\"}\n", "r.ndjson:1:", "status"),
        B("NDJSON broken object", NULL, "r.ndjson", "{\"ts\":1775786400,\"account\":\"a\",\"status\":200}\n{\"ts\":1775786400,\"acc\n", "r.ndjson:2:", ""),
        B("NDJSON cause a number", NULL, "r.ndjson", "{\"ts\":1775786400,\"account\":\"a\",\"status\":503,\"cause\":1}\n", "r.ndjson:1:", "cause"),
        B("NDJSON missing account", NULL, "r.ndjson", "{\"ts\":1775786400,\"status\":200}\n", "r.ndjson:1:", "account"),
        B("NDJSON invalid UTF-8", NULL, "r.ndjson", "{\"ts\":1775786400,\"account\":\"\xed\xa0\x80\",\"status\":200}\n", "r.ndjson:1:", "UTF-8"),
        B("NDJSON escaped NUL", NULL, "r.ndjson", "{\"ts\":1775786400,\"account\":\"a\\u0000\",\"status\":200}\n", "r.ndjson:1:", "account"),
        B("NDJSON huge status", NULL, "r.ndjson", "{\"ts\":1775786400,\"account\":\"a\",\"status\":1e400}\n", "r.ndjson:1:", "status"),
    };
    expect_bad(cases, sizeof cases / sizeof cases[0]);
}

Test(bad_input, records_very_long_line_and_garbage)
{
    fill_garbage();
    char *csv = long_line("ts,account,status\n2026-04-10T10:00:00+08:00,", ",200\n" ROW);
    char *nd = long_line("{\"ts\":1775786400,\"status\":200,\"account\":\"", "\"}\n");
    bad_case cases[] = {
        B("2 MiB CSV line", NULL, "r.csv", csv, "r.csv:2:", "longer than"),
        B("2 MiB NDJSON line", NULL, "r.ndjson", nd, "r.ndjson:1:", "longer than"),
        {"binary garbage", NULL, "r.bin", garbage, sizeof garbage, "r.bin", ""},
    };
    expect_bad(cases, sizeof cases / sizeof cases[0]);
    free(csv);
    free(nd);
}

Test(bad_input, contracts)
{
    fill_garbage();
    bad_case cases[] = {
        B("missing column", "--contracts", "k.csv", "account,start\na,2026-04-01\n", "k.csv:1:", "end"),
        B("column twice", "--contracts", "k.csv", "account,start,end,start\na,2026-04-01,,\n", "k.csv:1:", "twice"),
        B("Feb 30", "--contracts", "k.csv", "account,start,end\na,2026-02-30,2026-04-30\n", "k.csv:2:", "date"),
        B("not a date", "--contracts", "k.csv", "account,start,end\na,2026/04/01,\n", "k.csv:2:", "date"),
        B("date with time", "--contracts", "k.csv", "account,start,end\na,2026-04-01T00:00:00Z,\n", "k.csv:2:", "date"),
        B("end before start", "--contracts", "k.csv", "account,start,end\na,2026-04-02,2026-04-01\n", "k.csv:2:", "before"),
        B("overlap", "--contracts", "k.csv", "account,start,end\na,2026-04-01,2026-04-30\na,2026-04-30,\n", "k.csv:3:", "line 2"),
        B("too few fields", "--contracts", "k.csv", "account,start,end\na,2026-04-01\n", "k.csv:2:", "fields"),
        B("too many fields", "--contracts", "k.csv", "account,start,end\na,2026-04-01,,x\n", "k.csv:2:", "fields"),
        B("invalid UTF-8", "--contracts", "k.csv", "account,start,end\n\xe2\x82,2026-04-01,\n", "k.csv:2:", "UTF-8"),
        B("control character", "--contracts", "k.csv", "account,start,end\na\x01,2026-04-01,\n", "k.csv:2:", "control"),
        BN("NUL", "--contracts", "k.csv", "account,start,end\na\0,2026-04-01,\n", "k.csv:2:", "NUL"),
        B("empty file", "--contracts", "k.csv", "", "k.csv", "empty"),
        B("unterminated quote", "--contracts", "k.csv", "account,start,end\n\"a,2026-04-01,\n", "k.csv:2:", "quote"),
        {"binary garbage", "--contracts", "k.csv", garbage, sizeof garbage, "k.csv", ""},
    };
    expect_bad(cases, sizeof cases / sizeof cases[0]);
}

Test(bad_input, fees)
{
    static const bad_case cases[] = {
        B("missing column", "--fees", "f.csv", "account,period_start,fee\na,2026-04-01,1.00\n", "f.csv:1:", "voucher_paid"),
        B("voucher above fee", "--fees", "f.csv", "account,period_start,fee,voucher_paid\na,2026-04-01,10.00,10.01\n", "f.csv:2:", "voucher_paid"),
        B("negative fee", "--fees", "f.csv", "account,period_start,fee,voucher_paid\na,2026-04-01,-1.00,0\n", "f.csv:2:", "fee"),
        B("negative voucher", "--fees", "f.csv", "account,period_start,fee,voucher_paid\na,2026-04-01,1.00,-0.01\n", "f.csv:2:", "voucher_paid"),
        B("three decimals", "--fees", "f.csv", "account,period_start,fee,voucher_paid\na,2026-04-01,1.005,0\n", "f.csv:2:", "fee"),
        B("huge fee", "--fees", "f.csv", "account,period_start,fee,voucher_paid\na,2026-04-01,99999999999999999999999.00,0\n", "f.csv:2:", "fee"),
        B("just above the maximum", "--fees", "f.csv", "account,period_start,fee,voucher_paid\na,2026-04-01,1000000000000000.01,0\n", "f.csv:2:", "fee"),
        B("exponent", "--fees", "f.csv", "account,period_start,fee,voucher_paid\na,2026-04-01,1e3,0\n", "f.csv:2:", "fee"),
        B("spaces", "--fees", "f.csv", "account,period_start,fee,voucher_paid\na,2026-04-01, 10.00,0\n", "f.csv:2:", "fee"),
        B("dot without digits", "--fees", "f.csv", "account,period_start,fee,voucher_paid\na,2026-04-01,10.,0\n", "f.csv:2:", "fee"),
        B("empty fee", "--fees", "f.csv", "account,period_start,fee,voucher_paid\na,2026-04-01,,0\n", "f.csv:2:", "fee"),
        B("Feb 30", "--fees", "f.csv", "account,period_start,fee,voucher_paid\na,2026-02-30,1.00,0\n", "f.csv:2:", "date"),
        B("April 31", "--fees", "f.csv", "account,period_start,fee,voucher_paid\na,2026-04-31,1.00,0\n", "f.csv:2:", "date"),
        B("second row for a period", "--fees", "f.csv", "account,period_start,fee,voucher_paid\na,2026-04-01,1.00,0\na,2026-04-01,2.00,0\n", "f.csv:3:", "line 2"),
        B("invalid UTF-8", "--fees", "f.csv", "account,period_start,fee,voucher_paid\n\x80,2026-04-01,1.00,0\n", "f.csv:2:", "UTF-8"),
        B("empty file", "--fees", "f.csv", "", "f.csv", "empty"),
    };
    expect_bad(cases, sizeof cases / sizeof cases[0]);
}

Test(bad_input, maintenance_and_holidays)
{
    static const bad_case cases[] = {
        B("missing column", "--maintenance", "m.csv", "start,end\n2026-04-10T00:00:00Z,2026-04-10T01:00:00Z\n", "m.csv:1:", "scope"),
        B("end before start", "--maintenance", "m.csv", "start,end,scope\n2026-04-10T01:00:00Z,2026-04-10T00:00:00Z,*\n", "m.csv:2:", "end"),
        B("empty window", "--maintenance", "m.csv", "start,end,scope\n2026-04-10T01:00:00Z,2026-04-10T01:00:00Z,*\n", "m.csv:2:", "end"),
        B("Feb 30", "--maintenance", "m.csv", "start,end,scope\n2026-02-30T01:00:00Z,2026-03-01T01:00:00Z,*\n", "m.csv:2:", "start"),
        B("no offset", "--maintenance", "m.csv", "start,end,scope\n2026-04-10T01:00:00,2026-04-10T02:00:00Z,*\n", "m.csv:2:", "start"),
        B("date only", "--maintenance", "m.csv", "start,end,scope\n2026-04-10,2026-04-10T02:00:00Z,*\n", "m.csv:2:", "start"),
        B("bad notice_at", "--maintenance", "m.csv", "start,end,scope,notice_at\n2026-04-10T01:00:00Z,2026-04-10T02:00:00Z,*,yesterday\n", "m.csv:2:", "notice_at"),
        B("empty scope", "--maintenance", "m.csv", "start,end,scope\n2026-04-10T01:00:00Z,2026-04-10T02:00:00Z,\n", "m.csv:2:", "scope"),
        B("invalid UTF-8 scope", "--maintenance", "m.csv", "start,end,scope\n2026-04-10T01:00:00Z,2026-04-10T02:00:00Z,\xf8\n", "m.csv:2:", "scope"),
        B("empty file", "--maintenance", "m.csv", "", "m.csv", "empty"),
        B("missing column", "--holidays", "h.csv", "date\n2026-10-01\n", "h.csv:1:", "kind"),
        B("bad kind", "--holidays", "h.csv", "date,kind\n2026-10-01,Holiday\n", "h.csv:2:", "kind"),
        B("Feb 29 of 2026", "--holidays", "h.csv", "date,kind\n2026-02-29,holiday\n", "h.csv:2:", "date"),
        B("listed twice", "--holidays", "h.csv", "date,kind\n2026-10-01,holiday\n2026-10-02,holiday\n2026-10-01,workday\n", "h.csv:4:", "line 2"),
        B("empty file", "--holidays", "h.csv", "", "h.csv", "empty"),
    };
    expect_bad(cases, sizeof cases / sizeof cases[0]);
}

/* CR/LF line ends and a UTF-8 BOM are not errors: the same export as LF
 * without BOM, for every input file. */
Test(bad_input, crlf_and_bom_are_accepted)
{
    char *d = h_tmpdir();
    h_write(d, "c.csv", CONTRACTS);
    h_write(d, "r.csv", RECORDS "2026-04-11T10:00:00+08:00,a,503\n");
    h_write(d, "f.csv", "account,period_start,fee,voucher_paid\na,2026-04-01,100.00,0\n");
    h_write(d, "m.csv", "start,end,scope\n2026-04-20T00:00:00Z,2026-04-20T01:00:00Z,*\n");
    h_write(d, "h.csv", "date,kind\n2026-05-01,holiday\n");
    h_result r = h_slagg(d, NULL, "fold", "--out", "lf", "--contracts", "c.csv", "--fees",
                         "f.csv", "--maintenance", "m.csv", "--holidays", "h.csv", "--through",
                         "2026-04-30", "r.csv", NULL);
    h_assert_code(r, 0);
    h_result_free(&r);
    h_write(d, "c2.csv", "\xef\xbb\xbf" "account,start,end\r\na,2026-04-01,2026-04-30\r\n");
    h_write(d, "r2.csv", "\xef\xbb\xbf" "ts,account,status\r\n2026-04-10T10:00:00+08:00,a,200\r\n"
                         "2026-04-11T10:00:00+08:00,a,503\r\n");
    h_write(d, "f2.csv", "\xef\xbb\xbf" "account,period_start,fee,voucher_paid\r\na,2026-04-01,100.00,0\r\n");
    h_write(d, "m2.csv", "\xef\xbb\xbf" "start,end,scope\r\n2026-04-20T00:00:00Z,2026-04-20T01:00:00Z,*\r\n");
    h_write(d, "h2.csv", "\xef\xbb\xbf" "date,kind\r\n2026-05-01,holiday\r\n");
    r = h_slagg(d, NULL, "fold", "--out", "out", "--contracts", "c2.csv", "--fees", "f2.csv",
                "--maintenance", "m2.csv", "--holidays", "h2.csv", "--through", "2026-04-30",
                "r2.csv", NULL);
    h_assert_code(r, 0);
    h_result_free(&r);
    check_identity(d);
    char *a = h_path(d, "lf/finance.csv"), *b = h_path(d, "out/finance.csv");
    cr_assert(h_same_file(a, b), "CR/LF + BOM gave another export");
    free(a);
    free(b);
    h_rmtree(d);
}

/* Rejected record rows with --max-rejects: the run succeeds, every row is
 * counted exactly once (rejected or read into a class). */
Test(bad_input, rejects_are_counted_in_the_identity)
{
    char *d = h_tmpdir();
    h_write(d, "c.csv", CONTRACTS);
    h_write(d, "r.csv", RECORDS "2026-02-30T10:00:00+08:00,a,200\n"
                        "2026-04-10T10:00:00+08:00,a,600\n"
                        "2026-04-10T10:00:00+08:00,\xff,200\n"
                        "2026-04-10T10:00:00+08:00,b,200\n"
                        "2026-05-10T10:00:00+08:00,a,503\n");
    h_result r = h_slagg(d, NULL, "fold", "--out", "out", "--contracts", "c.csv", "--through",
                         "2026-04-30", "--max-rejects", "3", "--rejects", "rej.txt", "r.csv",
                         NULL);
    h_assert_code(r, 0);
    h_result_free(&r);
    check_identity(d);
    char *json = h_read_in(d, "out/summary.json", NULL);
    cr_assert_eq(h_json_int(json, "records_read"), 6);
    cr_assert_eq(h_json_int(json, "rejected"), 3);
    free(json);
    char *rej = h_read_in(d, "rej.txt", NULL);
    cr_assert(h_contains(rej, "r.csv,3,bad ts") && h_contains(rej, "r.csv,4,status") &&
                  h_contains(rej, "r.csv,5,account"),
              "%s", rej);
    free(rej);
    h_rmtree(d);
}
