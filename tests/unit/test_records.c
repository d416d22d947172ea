/*
 * test_records.c - io/records: request records from CSV and NDJSON logs,
 * plain and zstd-compressed (SPEC sections 2 and 3), with every reject
 * reason and every open-time error.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

#include "io/csv.h"
#include "io/ndjson.h"
#include "io/records.h"

static char tmpdir[64];

static void setup(void)
{
    strcpy(tmpdir, "/tmp/slagg_test_rec_XXXXXX");
    cr_assert_not_null(mkdtemp(tmpdir));
}

static void teardown(void)
{
    DIR *d = opendir(tmpdir);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        char p[512];
        snprintf(p, sizeof p, "%s/%s", tmpdir, e->d_name);
        unlink(p);
    }
    closedir(d);
    rmdir(tmpdir);
}

TestSuite(records, .init = setup, .fini = teardown);
TestSuite(records_csv, .init = setup, .fini = teardown);
TestSuite(records_ndjson, .init = setup, .fini = teardown);

static char path_buf[512];

/* Writes n bytes to tmpdir/name and returns the path (in path_buf). */
static const char *put(const char *name, const void *data, size_t n)
{
    snprintf(path_buf, sizeof path_buf, "%s/%s", tmpdir, name);
    FILE *f = fopen(path_buf, "wb");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(data, 1, n, f), n);
    cr_assert_eq(fclose(f), 0);
    return path_buf;
}

static const char *put_text(const char *name, const char *text)
{
    return put(name, text, strlen(text));
}

/* Writes a one-frame zstd copy of text to tmpdir/name; returns its size. */
static size_t put_zstd(const char *name, const char *text, size_t n)
{
    size_t cap = ZSTD_compressBound(n);
    void *z = malloc(cap);
    cr_assert_not_null(z);
    size_t zn = ZSTD_compress(z, cap, text, n, 5);
    cr_assert(!ZSTD_isError(zn), "%s", ZSTD_getErrorName(zn));
    put(name, z, zn);
    free(z);
    return zn;
}

static slagg_record_reader *open_ok(const char *path)
{
    slagg_record_reader *r = NULL;
    slagg_err err = {0};
    cr_assert_eq(slagg_record_reader_open(path, &r, &err), SLAGG_OK, "%s", err.msg);
    cr_assert_not_null(r);
    return r;
}

static slagg_record_reader *open_text(const char *name, const char *text)
{
    return open_ok(put_text(name, text));
}

/* Opening must fail with code and exactly the message "PATH<suffix>". */
static void expect_open_error(const char *name, const char *text, slagg_status code,
                              const char *suffix)
{
    const char *p = put_text(name, text);
    slagg_record_reader *r = (slagg_record_reader *)1;
    slagg_err err = {0};
    cr_assert_eq(slagg_record_reader_open(p, &r, &err), code, "%s: %s", name, err.msg);
    cr_assert_null(r);
    char want[1024];
    snprintf(want, sizeof want, "%s%s", p, suffix);
    cr_assert_str_eq(err.msg, want);
    cr_assert_eq(err.code, code);
}

static void expect_rec(slagg_record_reader *r, int64_t ts_ms, const char *account, int status,
                       slagg_cause cause)
{
    slagg_record rec;
    slagg_reject rej = {0};
    slagg_err err = {0};
    int got = slagg_record_reader_next(r, &rec, &rej, &err);
    cr_assert_eq(got, 1, "got %d (line %llu: %s) (%s)", got, (unsigned long long)rej.line,
                 rej.reason, err.msg);
    cr_assert_eq(rec.ts_ms, ts_ms, "ts_ms %lld, want %lld", (long long)rec.ts_ms,
                 (long long)ts_ms);
    cr_assert_eq(rec.account_len, strlen(account));
    cr_assert_eq(memcmp(rec.account, account, rec.account_len), 0, "account '%.*s'",
                 (int)rec.account_len, rec.account);
    cr_assert_eq(rec.status, status);
    cr_assert_eq(rec.cause, cause);
}

static void expect_reject(slagg_record_reader *r, uint64_t line, const char *reason)
{
    slagg_record rec;
    slagg_reject rej = {0};
    slagg_err err = {0};
    int got = slagg_record_reader_next(r, &rec, &rej, &err);
    cr_assert_eq(got, 2, "want a reject '%s' at line %llu, got %d (%s)", reason,
                 (unsigned long long)line, got, err.msg);
    cr_assert_str_eq(rej.reason, reason);
    cr_assert_eq(rej.line, line, "line %llu, want %llu (%s)", (unsigned long long)rej.line,
                 (unsigned long long)line, reason);
}

static void expect_end(slagg_record_reader *r)
{
    slagg_record rec;
    slagg_reject rej = {0};
    slagg_err err = {0};
    int got = slagg_record_reader_next(r, &rec, &rej, &err);
    cr_assert_eq(got, 0, "got %d (line %llu: %s) (%s)", got, (unsigned long long)rej.line,
                 rej.reason, err.msg);
    cr_assert_eq(slagg_record_reader_next(r, &rec, &rej, &err), 0);
}

/* One-row CSV file with header "ts,account,status,cause": the row's reject. */
static void csv_row_rejected(const char *row, const char *reason)
{
    char text[4096];
    snprintf(text, sizeof text, "ts,account,status,cause\n%s\n", row);
    slagg_record_reader *r = open_text("one.csv", text);
    expect_reject(r, 2, reason);
    expect_end(r);
    slagg_record_reader_close(r);
}

/* One-line NDJSON file: the line's reject. */
static void nd_rejected(const char *line, const char *reason)
{
    char text[8192];
    snprintf(text, sizeof text, "%s\n", line);
    slagg_record_reader *r = open_text("one.ndjson", text);
    cr_assert_eq(slagg_record_reader_format(r), SLAGG_FORMAT_NDJSON, "%s", line);
    expect_reject(r, 1, reason);
    expect_end(r);
    slagg_record_reader_close(r);
}

static void nd_accepted(const char *line, int64_t ts_ms, const char *account, int status,
                        slagg_cause cause)
{
    char text[8192];
    snprintf(text, sizeof text, "%s\n", line);
    slagg_record_reader *r = open_text("one.ndjson", text);
    expect_rec(r, ts_ms, account, status, cause);
    expect_end(r);
    slagg_record_reader_close(r);
}

/* 2026-03-17T10:04:59Z and friends */
#define T0 1773741899000LL

static const char CSV_SAMPLE[] =
    "request_id,ts,client_ip,account,status,cause\n"
    "r1,2026-03-17T18:04:59+08:00,10.0.0.1,acme,200,\n"
    "r2,2026-03-17T10:04:59.9999Z,10.0.0.2,acme,503,provider\n"
    "r3,1773741899.5,10.0.0.3,Acme,0,maintenance\n"
    "r4,2026-03-17T04:34:59-05:30,\"10.0.0.4\",\"a,b\",429,client\n";

static void check_csv_sample(slagg_record_reader *r)
{
    cr_assert_eq(slagg_record_reader_format(r), SLAGG_FORMAT_CSV);
    expect_rec(r, T0, "acme", 200, SLAGG_CAUSE_NONE);
    expect_rec(r, T0 + 999, "acme", 503, SLAGG_CAUSE_PROVIDER);
    expect_rec(r, T0 + 500, "Acme", 0, SLAGG_CAUSE_MAINTENANCE);
    expect_rec(r, T0, "a,b", 429, SLAGG_CAUSE_CLIENT);
    expect_end(r);
}

Test(records_csv, sample_with_ignored_columns)
{
    const char *p = put_text("s.csv", CSV_SAMPLE);
    char want[512];
    strcpy(want, p);
    slagg_record_reader *r = open_ok(want);
    cr_assert_str_eq(slagg_record_reader_name(r), want);
    check_csv_sample(r);
    cr_assert_eq(slagg_record_reader_raw_bytes(r), strlen(CSV_SAMPLE));
    slagg_record_reader_close(r);
}

Test(records_csv, zstd_copy_reads_the_same)
{
    size_t zn = put_zstd("s.csv.zst", CSV_SAMPLE, strlen(CSV_SAMPLE));
    slagg_record_reader *r = open_ok(path_buf);
    check_csv_sample(r);
    cr_assert_eq(slagg_record_reader_raw_bytes(r), zn);
    slagg_record_reader_close(r);
}

Test(records_csv, ts_ms_column_and_no_cause)
{
    slagg_record_reader *r = open_text("ms.csv", "account,ts_ms,status\n"
                                                 "x,1773763199999,500\n"
                                                 "y,-1,100\n"
                                                 "z,1.5,200\n"
                                                 "z,2026-03-17T10:04:59Z,200\n");
    expect_rec(r, 1773763199999LL, "x", 500, SLAGG_CAUSE_NONE);
    expect_reject(r, 3, "ts out of range (must be from 1970-01-01 to 2099-12-31 UTC)");
    expect_reject(r, 4, "bad ts_ms '1.5'");
    expect_reject(r, 5, "bad ts_ms '2026-03-17T10:04:59Z'");
    expect_end(r);
    slagg_record_reader_close(r);
}

Test(records_csv, bom_crlf_blank_lines_and_line_numbers)
{
    slagg_record_reader *r = open_text("b.csv", "\xEF\xBB\xBF\r\n\nts,account,status\r\n"
                                                "1,a,200\r\n\r\n"
                                                "\"2\nx\",a,200\r\n"
                                                "3,a,200\r\n");
    expect_rec(r, 1000, "a", 200, SLAGG_CAUSE_NONE);
    expect_reject(r, 6, "bad ts '2\\x0ax'");
    expect_rec(r, 3000, "a", 200, SLAGG_CAUSE_NONE);
    expect_end(r);
    slagg_record_reader_close(r);
}

Test(records_csv, header_only)
{
    slagg_record_reader *r = open_text("h.csv", "ts,account,status");
    expect_end(r);
    slagg_record_reader_close(r);
}

Test(records_csv, header_errors)
{
    expect_open_error("e1.csv", "ts,status\n1,200\n", SLAGG_E_INPUT,
                      ":1: missing column 'account' (found: ts,status; want ts or ts_ms, account, status, optional cause)");
    expect_open_error("e2.csv", "ts,account\n", SLAGG_E_INPUT, ":1: missing column 'status' (found: ts,account; want ts or ts_ms, account, status, optional cause)");
    expect_open_error("e3.csv", "time,account,status\n", SLAGG_E_INPUT,
                      ":1: missing column 'ts' (or 'ts_ms') (found: time,account,status; want ts or ts_ms, account, status, optional cause)");
    expect_open_error("e4.csv", "ts,ts_ms,account,status\n", SLAGG_E_INPUT,
                      ":1: both 'ts' and 'ts_ms' columns (need exactly one)");
    expect_open_error("e5.csv", "ts,account,status,account\n", SLAGG_E_INPUT,
                      ":1: duplicate column 'account'");
    expect_open_error("e6.csv", "ts,account,status,cause,cause\n", SLAGG_E_INPUT,
                      ":1: duplicate column 'cause'");
    expect_open_error("e7.csv", "ts,Account,status\n", SLAGG_E_INPUT,
                      ":1: missing column 'account' (found: ts,Account,status; want ts or ts_ms, account, status, optional cause)");
    expect_open_error("e8.csv", "ts,account ,status\n", SLAGG_E_INPUT,
                      ":1: missing column 'account' (found: ts,account ,status; want ts or ts_ms, account, status, optional cause)");
    expect_open_error("e9.csv", "ts,acc\"ount,status\n", SLAGG_E_INPUT,
                      ":1: bad header: stray quote in unquoted field");
    expect_open_error("e10.csv", "\n\nts,status\n", SLAGG_E_INPUT,
                      ":3: missing column 'account' (found: ts,status; want ts or ts_ms, account, status, optional cause)");
}

Test(records_csv, duplicate_ignored_columns_are_fine)
{
    slagg_record_reader *r = open_text("d.csv", "x,ts,x,account,status,x\n,1,,a,200,\n");
    expect_rec(r, 1000, "a", 200, SLAGG_CAUSE_NONE);
    expect_end(r);
    slagg_record_reader_close(r);
}

Test(records, empty_inputs)
{
    expect_open_error("empty", "", SLAGG_E_INPUT, ": empty input (no header line)");
    expect_open_error("blank", " \t\r\n\n  \n", SLAGG_E_INPUT, ": empty input (no header line)");
    expect_open_error("bom", "\xEF\xBB\xBF", SLAGG_E_INPUT, ": empty input (no header line)");
    expect_open_error("bomblank", "\xEF\xBB\xBF\n\n", SLAGG_E_INPUT,
                      ": empty input (no header line)");
    put_zstd("empty.zst", "", 0);
    slagg_record_reader *r = (slagg_record_reader *)1;
    slagg_err err = {0};
    cr_assert_eq(slagg_record_reader_open(path_buf, &r, &err), SLAGG_E_INPUT);
    cr_assert_null(r);
    cr_assert(strstr(err.msg, ": empty input (no header line)"), "%s", err.msg);
}

Test(records, io_errors)
{
    char p[512];
    snprintf(p, sizeof p, "%s/nope.csv", tmpdir);
    slagg_record_reader *r = (slagg_record_reader *)1;
    slagg_err err = {0};
    /* a missing file: an input error (issue 15); a directory: I/O */
    cr_assert_eq(slagg_record_reader_open(p, &r, &err), SLAGG_E_INPUT);
    cr_assert_null(r);
    cr_assert(strncmp(err.msg, p, strlen(p)) == 0, "%s", err.msg);
    cr_assert_eq(slagg_record_reader_open(tmpdir, &r, &err), SLAGG_E_IO);
    char want[600];
    snprintf(want, sizeof want, "%s: is a directory", tmpdir);
    cr_assert_str_eq(err.msg, want);
}

Test(records_csv, field_count_rejects)
{
    slagg_record_reader *r = open_text("fc.csv", "ts,account,status,request_id\n"
                                                 "1,a\n"
                                                 "1,a,200\n"
                                                 "1,a,200,r\n"
                                                 "1,a,200,r,extra\n"
                                                 "\"\"\n");
    expect_reject(r, 2, "expected 4 fields, got 2");
    expect_rec(r, 1000, "a", 200, SLAGG_CAUSE_NONE);   /* trailing ignored column absent */
    expect_rec(r, 1000, "a", 200, SLAGG_CAUSE_NONE);
    expect_reject(r, 5, "expected 4 fields, got 5");
    expect_reject(r, 6, "expected 4 fields, got 1");
    expect_end(r);
    slagg_record_reader_close(r);
}

#define REST "; the rest of the file is skipped (no certain record boundary after it)"

/* SPEC 6 changed this test (the reader used to resume at the next line
 * after each of these): a stray quote, text after a closing quote or an
 * unterminated quote leaves the quoting state uncertain, so the rest of
 * the file is one reject, named as such. */
Test(records_csv, malformed_row_rejected_then_next)
{
    slagg_record_reader *r = open_text("m.csv", "ts,account,status\n"
                                                "1,a,200\n"
                                                "1,a\"b,200\n"
                                                "2,a,200\n");
    expect_rec(r, 1000, "a", 200, SLAGG_CAUSE_NONE);
    expect_reject(r, 3, "stray quote in unquoted field" REST);
    expect_end(r);
    slagg_record_reader_close(r);
    r = open_text("m2.csv", "ts,account,status\n\"1\"x,a,200\n2,a,200\n");
    expect_reject(r, 2, "text after closing quote" REST);
    expect_end(r);
    slagg_record_reader_close(r);
    r = open_text("m3.csv", "ts,account,status\n2,a,200\n3,\"a,200\n4,a,500\n");
    expect_rec(r, 2000, "a", 200, SLAGG_CAUSE_NONE);
    expect_reject(r, 3, "unterminated quote" REST);
    expect_end(r);
    slagg_record_reader_close(r);
}

/* Issue 11 item 1: an extra column whose quoted field opens, runs past
 * 1 MiB and never closes, holding 100 lines of record-like text. The old
 * reader rejected the row, then resumed inside the field and read those
 * lines as records. Now the row is one reject and nothing in it a record. */
Test(records_csv, long_unterminated_quote_creates_no_records)
{
    static const char fake[] = "2026-04-10T10:00:00+08:00,acme,500\n";
    size_t cap = SLAGG_CSV_MAX_RECORD + 8192;
    char *text = malloc(cap);
    cr_assert_not_null(text);
    size_t o = (size_t)sprintf(text, "ts,account,status,note\n"
                                     "2026-04-10T10:00:00+08:00,acme,200,\n"
                                     "2026-04-10T10:00:00+08:00,acme,200,\"");
    for (int i = 0; i < 100; i++) o += (size_t)sprintf(text + o, "%s", fake);
    memset(text + o, 'x', SLAGG_CSV_MAX_RECORD);   /* past the limit, never closed */
    o += SLAGG_CSV_MAX_RECORD;
    slagg_record_reader *r = open_ok(put("lq.csv", text, o));
    free(text);
    expect_rec(r, 1775786400000LL, "acme", 200, SLAGG_CAUSE_NONE);
    expect_reject(r, 3, "record longer than 1048576 bytes, then unterminated quote" REST);
    expect_end(r);
    slagg_record_reader_close(r);
}

/* A NUL leaves the quoting state known: the reader follows the quoted
 * field (with its embedded record-like line) to the record's end and
 * resumes there; the old reader resumed at the embedded LF. */
Test(records_csv, nul_in_quoted_field_resumes_after_it)
{
    static const char text[] = "ts,account,status,note\n"
                               "1,a,200,\"x\0\n2,fake,500\n\"\n"
                               "3,b,200,\n";
    slagg_record_reader *r = open_ok(put("nq.csv", text, sizeof text - 1));
    expect_reject(r, 2, "NUL byte");
    expect_rec(r, 3000, "b", 200, SLAGG_CAUSE_NONE);
    expect_end(r);
    slagg_record_reader_close(r);
}

Test(records_csv, nul_byte_rejected)
{
    static const char text[] = "ts,account,status\n1,a\0b,200\n2,a,200\n";
    slagg_record_reader *r = open_ok(put("nul.csv", text, sizeof text - 1));
    expect_reject(r, 2, "NUL byte");
    expect_rec(r, 2000, "a", 200, SLAGG_CAUSE_NONE);
    expect_end(r);
    slagg_record_reader_close(r);
}

Test(records_csv, ts_rejects)
{
    csv_row_rejected("2026-02-30T00:00:00Z,a,200,", "bad ts '2026-02-30T00:00:00Z'");
    csv_row_rejected("2026-03-17T24:00:00Z,a,200,", "bad ts '2026-03-17T24:00:00Z'");
    csv_row_rejected("2026-03-17T10:00:00,a,200,",
                     "bad ts '2026-03-17T10:00:00': no UTC offset: add Z or an offset such as +08:00");
    csv_row_rejected(",a,200,", "bad ts ''");
    csv_row_rejected("1e9,a,200,", "bad ts '1e9'");
    /* echoed values are cut to 40 bytes and escaped */
    csv_row_rejected("\"\tx\xC3\xA9\"\"y\",a,200,", "bad ts '\\x09x\\xc3\\xa9\"y'");
    csv_row_rejected("0123456789012345678901234567890123456789EXTRA,a,200,",
                     "bad ts '0123456789012345678901234567890123456789...'");
}

Test(records_csv, ts_forms)
{
    slagg_record_reader *r = open_text("tf.csv", "ts,account,status\n"
                                                 "2024-02-29T00:00:00Z,a,200\n"
                                                 "2026-03-17T23:59:59.999+08:00,a,200\n"
                                                 "2026-03-18T00:00:00+08:00,a,200\n"
                                                 "-1.5,a,200\n"
                                                 "1700000000,a,200\n"
                                                 "2099-12-31T23:59:59.999Z,a,200\n"
                                                 "2100-01-01T00:00:00Z,a,200\n"
                                                 "0,a,200\n");
    expect_rec(r, 1709164800000LL, "a", 200, SLAGG_CAUSE_NONE);
    expect_rec(r, 1773763199999LL, "a", 200, SLAGG_CAUSE_NONE);
    expect_rec(r, 1773763200000LL, "a", 200, SLAGG_CAUSE_NONE);
    /* parsed (-1500 ms) but outside the accepted range */
    expect_reject(r, 5, "ts out of range (must be from 1970-01-01 to 2099-12-31 UTC)");
    expect_rec(r, 1700000000000LL, "a", 200, SLAGG_CAUSE_NONE);
    expect_rec(r, 4102444799999LL, "a", 200, SLAGG_CAUSE_NONE);
    expect_reject(r, 8, "ts out of range (must be from 1970-01-01 to 2099-12-31 UTC)");
    expect_rec(r, 0, "a", 200, SLAGG_CAUSE_NONE);
    expect_end(r);
    slagg_record_reader_close(r);
}

Test(records_csv, status_rules)
{
    slagg_record_reader *r = open_text("st.csv", "ts,account,status\n"
                                                 "1,a,0\n1,a,100\n1,a,599\n1,a,000\n1,a,042\n"
                                                 "1,a,600\n1,a,99\n1,a,1000\n1,a,\n1,a,abc\n"
                                                 "1,a, 200\n1,a,-1\n1,a,+200\n1,a,2e2\n");
    expect_rec(r, 1000, "a", 0, SLAGG_CAUSE_NONE);
    expect_rec(r, 1000, "a", 100, SLAGG_CAUSE_NONE);
    expect_rec(r, 1000, "a", 599, SLAGG_CAUSE_NONE);
    expect_rec(r, 1000, "a", 0, SLAGG_CAUSE_NONE);
    expect_reject(r, 6, "status 42 is not 0 or 100-599");
    expect_reject(r, 7, "status 600 is not 0 or 100-599");
    expect_reject(r, 8, "status 99 is not 0 or 100-599");
    expect_reject(r, 9, "bad status '1000'");
    expect_reject(r, 10, "bad status ''");
    expect_reject(r, 11, "bad status 'abc'");
    expect_reject(r, 12, "bad status ' 200'");
    expect_reject(r, 13, "bad status '-1'");
    expect_reject(r, 14, "bad status '+200'");
    expect_reject(r, 15, "bad status '2e2'");
    expect_end(r);
    slagg_record_reader_close(r);
}

Test(records_csv, cause_rules)
{
    slagg_record_reader *r = open_text("ca.csv", "ts,account,status,cause\n"
                                                 "1,a,503,\n1,a,503,provider\n1,a,503,maintenance\n"
                                                 "1,a,503,attack\n1,a,503,content_ban\n"
                                                 "1,a,503,external\n1,a,200,client\n"
                                                 "1,a,503,Provider\n1,a,503, provider\n"
                                                 "1,a,503,oops\xFF\n");
    expect_rec(r, 1000, "a", 503, SLAGG_CAUSE_NONE);
    expect_rec(r, 1000, "a", 503, SLAGG_CAUSE_PROVIDER);
    expect_rec(r, 1000, "a", 503, SLAGG_CAUSE_MAINTENANCE);
    expect_rec(r, 1000, "a", 503, SLAGG_CAUSE_ATTACK);
    expect_rec(r, 1000, "a", 503, SLAGG_CAUSE_CONTENT_BAN);
    expect_rec(r, 1000, "a", 503, SLAGG_CAUSE_EXTERNAL);
    expect_rec(r, 1000, "a", 200, SLAGG_CAUSE_CLIENT);
    expect_reject(r, 9, "unknown cause 'Provider' (allowed: empty, provider, maintenance, attack, content_ban, external, client)");
    expect_reject(r, 10, "unknown cause ' provider' (allowed: empty, provider, maintenance, attack, content_ban, external, client)");
    expect_reject(r, 11, "unknown cause 'oops\\xff' (allowed: empty, provider, maintenance, attack, content_ban, external, client)");
    expect_end(r);
    slagg_record_reader_close(r);
}

Test(records_csv, cause_column_may_be_missing_at_row_end)
{
    /* `cause` is the last column; a row that stops before it has none */
    slagg_record_reader *r = open_text("cm.csv", "ts,account,status,cause\n1,a,503\n");
    expect_reject(r, 2, "expected 4 fields, got 3");
    expect_end(r);
    slagg_record_reader_close(r);
}

Test(records, account_check)
{
    char a128[129], a129[130];
    memset(a128, 'a', 128);
    a128[128] = '\0';
    memset(a129, 'a', 129);
    a129[129] = '\0';
    cr_assert_null(slagg_account_check(a128, 128));
    cr_assert_str_eq(slagg_account_check(a129, 129), "account longer than 128 bytes");
    cr_assert_str_eq(slagg_account_check("", 0), "empty account");
    cr_assert_null(slagg_account_check("acme-1", 6));
    cr_assert_null(slagg_account_check("\xE5\xAE\xA2\xE6\x88\xB7-\xCE\xB1", 9));   /* 客户-α */
    cr_assert_null(slagg_account_check("\xF0\x9F\x98\x80", 4));                    /* U+1F600 */
    cr_assert_null(slagg_account_check("\xF4\x8F\xBF\xBF", 4));                    /* U+10FFFF */
    cr_assert_null(slagg_account_check("\xC2\xA0", 2));                            /* U+00A0 */
    cr_assert_null(slagg_account_check("a b", 3));
    const char *bad_utf8[] = {"\xC0\xAF", "\xC1\xBF", "\xE0\x80\xAF", "\xF0\x80\x80\xAF",
                              "\xED\xA0\x80", "\xED\xBF\xBF", "\xF4\x90\x80\x80",
                              "\xF5\x80\x80\x80", "\xFF", "\x80", "a\xC3", "\xE5\xAE",
                              "\xC3\x28"};
    for (size_t i = 0; i < sizeof bad_utf8 / sizeof bad_utf8[0]; i++)
        cr_assert_str_eq(slagg_account_check(bad_utf8[i], strlen(bad_utf8[i])),
                         "account is not valid UTF-8", "case %zu", i);
    const char *ctl[] = {"a\x01", "\x1F", "a\x7F", "\xC2\x80", "\xC2\x85", "\xC2\x9F", "a\tb",
                         "a\n"};
    for (size_t i = 0; i < sizeof ctl / sizeof ctl[0]; i++)
        cr_assert_str_eq(slagg_account_check(ctl[i], strlen(ctl[i])),
                         "control character in account", "case %zu", i);
    cr_assert_str_eq(slagg_account_check("a\0b", 3), "control character in account");
}

Test(records_csv, account_rejects)
{
    char row[512];
    char a129[130];
    memset(a129, 'a', 129);
    a129[129] = '\0';
    csv_row_rejected("1,,200,", "empty account");
    snprintf(row, sizeof row, "1,%s,200,", a129);
    csv_row_rejected(row, "account longer than 128 bytes");
    csv_row_rejected("1,a\xC0\xAF,200,", "account is not valid UTF-8");
    csv_row_rejected("1,\"a\nb\",200,", "control character in account");
    csv_row_rejected("1,a\x7F,200,", "control character in account");

    /* case-sensitive, stored as-is, multibyte fine */
    slagg_record_reader *r = open_text("acc.csv", "ts,account,status\n"
                                                  "1,Acme,200\n1,acme,200\n"
                                                  "1,\xE5\xAE\xA2\xE6\x88\xB7,200\n");
    expect_rec(r, 1000, "Acme", 200, SLAGG_CAUSE_NONE);
    expect_rec(r, 1000, "acme", 200, SLAGG_CAUSE_NONE);
    expect_rec(r, 1000, "\xE5\xAE\xA2\xE6\x88\xB7", 200, SLAGG_CAUSE_NONE);
    expect_end(r);
    slagg_record_reader_close(r);
}

Test(records_csv, long_row_rejected_next_fine)
{
    size_t big = SLAGG_CSV_MAX_RECORD + 100;
    size_t cap = big + 256;
    char *text = malloc(cap);
    cr_assert_not_null(text);
    size_t o = (size_t)sprintf(text, "ts,account,status,note\n1,a,200,");
    memset(text + o, 'n', big);
    o += big;
    o += (size_t)sprintf(text + o, "\n2,b,500,\n");
    slagg_record_reader *r = open_ok(put("long.csv", text, o));
    free(text);
    expect_reject(r, 2, "record longer than 1048576 bytes");
    expect_rec(r, 2000, "b", 500, SLAGG_CAUSE_NONE);
    expect_end(r);
    slagg_record_reader_close(r);
}

/* Builds a CSV log of n rows (about 40 bytes each). */
static char *big_csv(size_t n, size_t *len)
{
    char *text = malloc(64 + n * 48);
    cr_assert_not_null(text);
    size_t o = (size_t)sprintf(text, "ts_ms,account,status,cause\n");
    for (size_t i = 0; i < n; i++)
        o += (size_t)sprintf(text + o, "%zu,acct-%zu,%d,%s\n", 1773741899000u + i, i % 97,
                             i % 7 ? 200 : 503, i % 11 ? "" : "provider");
    *len = o;
    return text;
}

Test(records, zstd_large_all_records)
{
    size_t len, n = 50000;
    char *text = big_csv(n, &len);
    size_t zn = put_zstd("big.csv.zst", text, len);
    free(text);
    slagg_record_reader *r = open_ok(path_buf);
    slagg_record rec;
    slagg_reject rej;
    slagg_err err = {0};
    size_t count = 0;
    int got;
    while ((got = slagg_record_reader_next(r, &rec, &rej, &err)) == 1) {
        cr_assert_eq(rec.ts_ms, 1773741899000LL + (int64_t)count);
        cr_assert_eq(rec.status, count % 7 ? 200 : 503);
        cr_assert_eq(rec.cause, count % 11 ? SLAGG_CAUSE_NONE : SLAGG_CAUSE_PROVIDER);
        count++;
    }
    cr_assert_eq(got, 0, "%s / %s", err.msg, rej.reason);
    cr_assert_eq(count, n);
    cr_assert_eq(slagg_record_reader_raw_bytes(r), zn);
    slagg_record_reader_close(r);
}

Test(records, truncated_zstd_is_fatal)
{
    size_t len, n = 50000;
    char *text = big_csv(n, &len);
    size_t cap = ZSTD_compressBound(len);
    char *z = malloc(cap);
    size_t zn = ZSTD_compress(z, cap, text, len, 3);
    cr_assert(!ZSTD_isError(zn));
    free(text);
    const char *p = put("trunc.csv.zst", z, zn - 20);
    free(z);
    char want[600];
    snprintf(want, sizeof want, "%s: truncated zstd frame", p);
    slagg_record_reader *r = open_ok(p);
    slagg_record rec;
    slagg_reject rej;
    slagg_err err = {0};
    size_t count = 0;
    int got;
    while ((got = slagg_record_reader_next(r, &rec, &rej, &err)) == 1) count++;
    cr_assert_eq(got, -1, "got %d after %zu records", got, count);
    cr_assert_eq(err.code, SLAGG_E_INPUT);
    cr_assert_str_eq(err.msg, want);
    cr_assert_gt(count, 1000);
    cr_assert_lt(count, n);
    slagg_record_reader_close(r);
}

Test(records, truncated_tiny_zstd_is_fatal)
{
    const char *text = "{\"ts\":1,\"account\":\"a\",\"status\":200}\n";
    size_t cap = ZSTD_compressBound(strlen(text));
    char *z = malloc(cap);
    size_t zn = ZSTD_compress(z, cap, text, strlen(text), 3);
    const char *p = put("tiny.zst", z, zn - 4);   /* drops the checksum-less end */
    free(z);
    slagg_record_reader *r = NULL;
    slagg_err err = {0};
    slagg_status st = slagg_record_reader_open(p, &r, &err);
    if (st == SLAGG_OK) {
        slagg_record rec;
        slagg_reject rej;
        int got;
        while ((got = slagg_record_reader_next(r, &rec, &rej, &err)) > 0) {
        }
        cr_assert_eq(got, -1);
        slagg_record_reader_close(r);
    }
    cr_assert_eq(err.code, SLAGG_E_INPUT);
    cr_assert(strstr(err.msg, ": truncated zstd frame") || strstr(err.msg, ": corrupt zstd data"),
              "%s", err.msg);
}

Test(records, stdin_dash)
{
    const char *p = put_text("in.ndjson", "{\"ts\":\"2026-03-17T10:04:59Z\",\"account\":\"s\",\"status\":204}\n");
    FILE *f = fopen(p, "rb");
    cr_assert_not_null(f);
    cr_assert_eq(dup2(fileno(f), STDIN_FILENO), STDIN_FILENO);
    fclose(f);
    slagg_record_reader *r = open_ok("-");
    cr_assert_str_eq(slagg_record_reader_name(r), "<stdin>");
    expect_rec(r, T0, "s", 204, SLAGG_CAUSE_NONE);
    expect_end(r);
    slagg_record_reader_close(r);
}

/* ---- NDJSON -------------------------------------------------------------------- */

static const char ND_SAMPLE[] =
    "\xEF\xBB\xBF\n"
    "  \t\r\n"
    "{\"ts\":\"2026-03-17T18:04:59+08:00\",\"account\":\"acme\",\"status\":200}\n"
    "{\"request\":{\"id\":[1,2,{\"deep\":[true,false,null,-1.5e+3]}],\"h\":\"x\\\"y\"},"
    "\"account\":\"acme\",\"ts\":1773741899.9999,\"status\":503,\"cause\":\"provider\"}\r\n"
    "\n"
    "{ \"ts_ms\" : 1773741899001 , \"account\" : \"\\u00e9\\ud83d\\ude00\\/\" , \"status\" : 0 ,"
    " \"cause\" : \"\\u0070rovider\" }\n"
    "{\"ts_ms\":\"1773741899002\",\"account\":\"q\",\"status\":429,\"cause\":\"\"}\n"
    "{\"ts\":\"1773741899\",\"account\":\"q\",\"status\":599,\"extra\":\"\\b\\f\\n\\r\\t\\\\\"}";

static void check_nd_sample(slagg_record_reader *r)
{
    cr_assert_eq(slagg_record_reader_format(r), SLAGG_FORMAT_NDJSON);
    expect_rec(r, T0, "acme", 200, SLAGG_CAUSE_NONE);
    expect_rec(r, T0 + 999, "acme", 503, SLAGG_CAUSE_PROVIDER);
    expect_rec(r, T0 + 1, "\xC3\xA9\xF0\x9F\x98\x80/", 0, SLAGG_CAUSE_PROVIDER);
    expect_rec(r, T0 + 2, "q", 429, SLAGG_CAUSE_NONE);
    expect_rec(r, T0, "q", 599, SLAGG_CAUSE_NONE);
    expect_end(r);
}

Test(records_ndjson, sample_nested_and_escapes)
{
    slagg_record_reader *r = open_ok(put("s.ndjson", ND_SAMPLE, sizeof ND_SAMPLE - 1));
    check_nd_sample(r);
    slagg_record_reader_close(r);
}

Test(records_ndjson, zstd_copy_reads_the_same)
{
    size_t zn = put_zstd("s.ndjson.zst", ND_SAMPLE, sizeof ND_SAMPLE - 1);
    slagg_record_reader *r = open_ok(path_buf);
    check_nd_sample(r);
    cr_assert_eq(slagg_record_reader_raw_bytes(r), zn);
    slagg_record_reader_close(r);
}

Test(records_ndjson, line_numbers_with_blank_lines)
{
    slagg_record_reader *r = open_text("ln.ndjson", "\n\n{\"x\":1}\n   \n"
                                                    "{\"ts\":1,\"account\":\"a\",\"status\":200}\n"
                                                    "[1]\n");
    expect_reject(r, 3, "missing 'account'");
    expect_rec(r, 1000, "a", 200, SLAGG_CAUSE_NONE);
    expect_reject(r, 6, "not a JSON object");
    expect_end(r);
    slagg_record_reader_close(r);
}

Test(records_ndjson, json_syntax_rejects)
{
    nd_rejected("{\"ts\":1,}", "bad JSON at column 9: expected a string key");
    nd_rejected("{\"ts\":1,\"account\":\"a\",\"status\":200} x",
                "bad JSON at column 37: trailing characters after the object");
    nd_rejected("{\"ts\":1,\"account\":\"a\",\"status\":200}{}",
                "bad JSON at column 36: trailing characters after the object");
    nd_rejected("{\"ts\" 1}", "bad JSON at column 7: expected ':'");
    nd_rejected("{\"ts\":1 \"a\":2}", "bad JSON at column 9: expected ',' or '}'");
    nd_rejected("{\"ts\":01}", "bad JSON at column 8: expected ',' or '}'");
    nd_rejected("{\"ts\":1.}", "bad JSON at column 9: invalid number");
    nd_rejected("{\"ts\":-}", "bad JSON at column 8: invalid number");
    nd_rejected("{\"ts\":+1}", "bad JSON at column 7: unexpected character");
    nd_rejected("{\"ts\":tru}", "bad JSON at column 7: unexpected character");
    nd_rejected("{\"ts\":'a'}", "bad JSON at column 7: unexpected character");
    nd_rejected("{\"ts\":\"a", "bad JSON at column 9: unterminated string");
    nd_rejected("{\"ts\":\"a\\x\"}", "bad JSON at column 9: invalid escape in string");
    nd_rejected("{\"ts\":\"\\u12G4\"}", "bad JSON at column 8: invalid \\u escape");
    nd_rejected("{\"ts\":\"\\udc00\"}", "bad JSON at column 8: lone low surrogate in \\u escape");
    nd_rejected("{\"ts\":\"\\ud800x\"}",
                "bad JSON at column 8: unpaired high surrogate in \\u escape");
    nd_rejected("{\"ts\":\"\\ud800\\u0041\"}",
                "bad JSON at column 8: unpaired high surrogate in \\u escape");
    nd_rejected("{\"ts\":\"a\tb\"}", "bad JSON at column 9: control character in string");
    nd_rejected("{\"x\":\"\xC0\xAF\"}", "bad JSON at column 7: invalid UTF-8 in string");
    nd_rejected("{\"x\":[1,2}", "bad JSON at column 10: expected ',' or ']'");
    nd_rejected("{\"x\":[1,2", "bad JSON at column 10: unterminated array");
    nd_rejected("{\"x\":{\"y\":1}", "bad JSON at column 13: unterminated object");
    nd_rejected("{\"x\":", "bad JSON at column 6: expected a value");
    nd_rejected("{", "bad JSON at column 2: expected a string key");
    nd_rejected("{1:2}", "bad JSON at column 2: expected a string key");
    nd_rejected("{\"x\":[,]}", "bad JSON at column 7: unexpected character");
    nd_rejected("{\"x\":[1,]}", "bad JSON at column 9: unexpected character");
    nd_rejected("{} \"x\"", "bad JSON at column 4: trailing characters after the object");
}

/* The string scan reads 8 bytes a step and the line's last (fewer than
 * 8) bytes as one shifted word: a string ending, escaped or broken at
 * every offset of a line's last bytes reads as it does anywhere else. */
Test(records_ndjson, strings_ending_in_the_last_bytes_of_a_line)
{
    char line[256], name[32], want[64];
    for (int k = 1; k <= 17; k++) {
        memset(name, 'a' + k % 26, (size_t)k);
        name[k] = '\0';
        snprintf(line, sizeof line, "{\"ts\":1,\"status\":200,\"account\":\"%s\"}", name);
        nd_accepted(line, 1000, name, 200, SLAGG_CAUSE_NONE);
        /* an escaped quote as the name's last character */
        snprintf(line, sizeof line, "{\"ts\":1,\"status\":200,\"account\":\"%s\\\"\"}", name);
        snprintf(want, sizeof want, "%s\"", name);
        nd_accepted(line, 1000, want, 200, SLAGG_CAUSE_NONE);
        /* a tab inside the name, k bytes before the line's end */
        snprintf(line, sizeof line, "{\"ts\":1,\"status\":200,\"account\":\"x\t%s\"}", name);
        snprintf(want, sizeof want, "bad JSON at column %zu: control character in string",
                 (size_t)(strchr(line, '\t') - line) + 1);
        nd_rejected(line, want);
        /* the line ends inside the name */
        snprintf(line, sizeof line, "{\"ts\":1,\"status\":200,\"account\":\"%s", name);
        snprintf(want, sizeof want, "bad JSON at column %zu: unterminated string", strlen(line) + 1);
        nd_rejected(line, want);
    }
    /* lines shorter than one word */
    nd_rejected("{\"a\"", "bad JSON at column 5: expected ':'");
    nd_rejected("{\"a", "bad JSON at column 4: unterminated string");
}

Test(records_ndjson, not_an_object)
{
    /* a first line that is not '{' makes the file CSV: test later lines */
    slagg_record_reader *r = open_text("no.ndjson", "{\"ts\":1,\"account\":\"a\",\"status\":200}\n"
                                                    "[]\n\"x\"\n42\nnull\nts,account,status\n");
    expect_rec(r, 1000, "a", 200, SLAGG_CAUSE_NONE);
    for (uint64_t line = 2; line <= 6; line++) expect_reject(r, line, "not a JSON object");
    expect_end(r);
    slagg_record_reader_close(r);
}

Test(records_ndjson, nesting_depth_limit)
{
    char line[2048];
    size_t o = (size_t)sprintf(line, "{\"x\":");
    for (int i = 0; i < 300; i++) line[o++] = '[';
    line[o] = '\0';
    nd_rejected(line, "bad JSON at column 261: nesting too deep");
    /* deep but within the limit: fine */
    o = (size_t)sprintf(line, "{\"ts\":1,\"account\":\"a\",\"status\":200,\"x\":");
    for (int i = 0; i < 200; i++) line[o++] = '[';
    for (int i = 0; i < 200; i++) line[o++] = ']';
    line[o++] = '}';
    line[o] = '\0';
    nd_accepted(line, 1000, "a", 200, SLAGG_CAUSE_NONE);
}

Test(records_ndjson, duplicate_keys)
{
    nd_rejected("{\"ts\":1,\"account\":\"a\",\"status\":200,\"status\":500}",
                "duplicate key 'status'");
    nd_rejected("{\"ts\":1,\"account\":\"a\",\"status\":200,\"\\u0073tatus\":500}",
                "duplicate key 'status'");
    nd_rejected("{\"ts\":1,\"ts\":2,\"account\":\"a\",\"status\":200}", "duplicate key 'ts'");
    nd_rejected("{\"ts\":1,\"account\":\"a\",\"account\":\"b\",\"status\":200}",
                "duplicate key 'account'");
    nd_rejected("{\"ts\":1,\"account\":\"a\",\"status\":200,\"cause\":\"\",\"cause\":\"\"}",
                "duplicate key 'cause'");
    nd_rejected("{\"ts_ms\":1,\"ts_ms\":1,\"account\":\"a\",\"status\":200}",
                "duplicate key 'ts_ms'");
    /* repeated unused keys and nested used names are fine */
    nd_accepted("{\"x\":1,\"x\":2,\"ts\":1,\"account\":\"a\",\"status\":200,"
                "\"n\":{\"status\":1,\"status\":2}}",
                1000, "a", 200, SLAGG_CAUSE_NONE);
}

Test(records_ndjson, missing_and_both)
{
    nd_rejected("{\"ts\":1,\"status\":200}", "missing 'account'");
    nd_rejected("{\"ts\":1,\"account\":\"a\"}", "missing 'status'");
    nd_rejected("{\"account\":\"a\",\"status\":200}", "missing 'ts' (or 'ts_ms')");
    nd_rejected("{}", "missing 'account'");
    nd_rejected("{\"ts\":1,\"ts_ms\":1000,\"account\":\"a\",\"status\":200}",
                "both 'ts' and 'ts_ms' (need exactly one)");
    nd_rejected("{\"TS\":1,\"account\":\"a\",\"status\":200}", "missing 'ts' (or 'ts_ms')");
}

Test(records_ndjson, ts_values)
{
    nd_accepted("{\"ts\":\"2026-03-17T23:59:59.999+08:00\",\"account\":\"a\",\"status\":200}",
                1773763199999LL, "a", 200, SLAGG_CAUSE_NONE);
    nd_accepted("{\"ts\":\"2026-03-18T00:00:00+08:00\",\"account\":\"a\",\"status\":200}",
                1773763200000LL, "a", 200, SLAGG_CAUSE_NONE);
    nd_rejected("{\"ts\":-1.0005,\"account\":\"a\",\"status\":200}", "ts out of range (must be from 1970-01-01 to 2099-12-31 UTC)");
    nd_accepted("{\"ts\":\"1700000000.25\",\"account\":\"a\",\"status\":200}", 1700000000250LL,
                "a", 200, SLAGG_CAUSE_NONE);
    nd_accepted("{\"ts\":\"\\u0032026-03-17T10:04:59Z\",\"account\":\"a\",\"status\":200}", T0,
                "a", 200, SLAGG_CAUSE_NONE);
    nd_rejected("{\"ts_ms\":-5,\"account\":\"a\",\"status\":200}", "ts out of range (must be from 1970-01-01 to 2099-12-31 UTC)");
    nd_rejected("{\"ts\":1e9,\"account\":\"a\",\"status\":200}", "bad ts '1e9'");
    nd_rejected("{\"ts\":\"2026-02-29T00:00:00Z\",\"account\":\"a\",\"status\":200}",
                "bad ts '2026-02-29T00:00:00Z'");
    nd_rejected("{\"ts\":\"a\\u0000b\",\"account\":\"a\",\"status\":200}", "bad ts 'a\\x00b'");
    nd_rejected("{\"ts\":true,\"account\":\"a\",\"status\":200}", "ts must be a string or a number");
    nd_rejected("{\"ts\":null,\"account\":\"a\",\"status\":200}", "ts must be a string or a number");
    nd_rejected("{\"ts\":[1],\"account\":\"a\",\"status\":200}", "ts must be a string or a number");
    nd_rejected("{\"ts_ms\":1.5,\"account\":\"a\",\"status\":200}",
                "ts_ms must be an integer or a string of digits");
    nd_rejected("{\"ts_ms\":{},\"account\":\"a\",\"status\":200}",
                "ts_ms must be an integer or a string of digits");
    nd_rejected("{\"ts_ms\":\"12a\",\"account\":\"a\",\"status\":200}", "bad ts_ms '12a'");
    nd_rejected("{\"ts_ms\":99999999999999999999,\"account\":\"a\",\"status\":200}",
                "bad ts_ms '99999999999999999999'");
}

Test(records_ndjson, account_values)
{
    nd_rejected("{\"ts\":1,\"account\":7,\"status\":200}", "account must be a string");
    nd_rejected("{\"ts\":1,\"account\":null,\"status\":200}", "account must be a string");
    nd_rejected("{\"ts\":1,\"account\":\"\",\"status\":200}", "empty account");
    nd_rejected("{\"ts\":1,\"account\":\"a\\nb\",\"status\":200}", "control character in account");
    nd_rejected("{\"ts\":1,\"account\":\"\\u0085\",\"status\":200}", "control character in account");
    nd_rejected("{\"ts\":1,\"account\":\"\\u0000\",\"status\":200}", "control character in account");
    char line[1024], acc[130];
    memset(acc, 'z', 129);
    acc[129] = '\0';
    snprintf(line, sizeof line, "{\"ts\":1,\"account\":\"%s\",\"status\":200}", acc);
    nd_rejected(line, "account longer than 128 bytes");
    /* 128 bytes after decoding (escapes do not count) */
    acc[128] = '\0';
    snprintf(line, sizeof line, "{\"ts\":1,\"account\":\"\\u007a%s\",\"status\":200}", acc + 1);
    nd_accepted(line, 1000, acc, 200, SLAGG_CAUSE_NONE);
    nd_accepted("{\"ts\":1,\"account\":\"\\\"q\\\\\",\"status\":200}", 1000, "\"q\\", 200,
                SLAGG_CAUSE_NONE);
}

Test(records_ndjson, status_values)
{
    nd_accepted("{\"ts\":1,\"account\":\"a\",\"status\":0}", 1000, "a", 0, SLAGG_CAUSE_NONE);
    nd_accepted("{\"ts\":1,\"account\":\"a\",\"status\":-0}", 1000, "a", 0, SLAGG_CAUSE_NONE);
    nd_accepted("{\"ts\":1,\"account\":\"a\",\"status\":100}", 1000, "a", 100, SLAGG_CAUSE_NONE);
    nd_accepted("{\"ts\":1,\"account\":\"a\",\"status\":599}", 1000, "a", 599, SLAGG_CAUSE_NONE);
    nd_rejected("{\"ts\":1,\"account\":\"a\",\"status\":\"200\"}", "status must be a number");
    nd_rejected("{\"ts\":1,\"account\":\"a\",\"status\":null}", "status must be a number");
    nd_rejected("{\"ts\":1,\"account\":\"a\",\"status\":true}", "status must be a number");
    nd_rejected("{\"ts\":1,\"account\":\"a\",\"status\":200.0}",
                "status must be an integer, got '200.0'");
    nd_rejected("{\"ts\":1,\"account\":\"a\",\"status\":2e2}",
                "status must be an integer, got '2e2'");
    nd_rejected("{\"ts\":1,\"account\":\"a\",\"status\":600}", "status 600 is not 0 or 100-599");
    nd_rejected("{\"ts\":1,\"account\":\"a\",\"status\":99}", "status 99 is not 0 or 100-599");
    nd_rejected("{\"ts\":1,\"account\":\"a\",\"status\":-1}", "status -1 is not 0 or 100-599");
    nd_rejected("{\"ts\":1,\"account\":\"a\",\"status\":-200}", "status -200 is not 0 or 100-599");
    nd_rejected("{\"ts\":1,\"account\":\"a\",\"status\":1000}", "status 1000 is not 0 or 100-599");
    nd_rejected("{\"ts\":1,\"account\":\"a\",\"status\":123456789012345678901234567890}",
                "status 123456789012345678901234567890 is not 0 or 100-599");
}

Test(records_ndjson, cause_values)
{
    nd_accepted("{\"ts\":1,\"account\":\"a\",\"status\":502,\"cause\":\"attack\"}", 1000, "a", 502,
                SLAGG_CAUSE_ATTACK);
    nd_accepted("{\"ts\":1,\"account\":\"a\",\"status\":502,\"cause\":\"content_ban\"}", 1000, "a",
                502, SLAGG_CAUSE_CONTENT_BAN);
    nd_accepted("{\"ts\":1,\"account\":\"a\",\"status\":0,\"cause\":\"external\"}", 1000, "a", 0,
                SLAGG_CAUSE_EXTERNAL);
    nd_rejected("{\"ts\":1,\"account\":\"a\",\"status\":502,\"cause\":null}", "cause must be a string");
    nd_rejected("{\"ts\":1,\"account\":\"a\",\"status\":502,\"cause\":1}", "cause must be a string");
    nd_rejected("{\"ts\":1,\"account\":\"a\",\"status\":502,\"cause\":[\"provider\"]}",
                "cause must be a string");
    nd_rejected("{\"ts\":1,\"account\":\"a\",\"status\":502,\"cause\":\"PROVIDER\"}",
                "unknown cause 'PROVIDER' (allowed: empty, provider, maintenance, attack, content_ban, external, client)");
    nd_rejected("{\"ts\":1,\"account\":\"a\",\"status\":502,\"cause\":\"\\u00e9\"}",
                "unknown cause '\\xc3\\xa9' (allowed: empty, provider, maintenance, attack, content_ban, external, client)");
}

Test(records_ndjson, long_line_rejected_next_fine)
{
    size_t big = SLAGG_CSV_MAX_RECORD + 10;
    char *text = malloc(big + 256);
    cr_assert_not_null(text);
    size_t o = (size_t)sprintf(text, "{\"ts\":1,\"account\":\"a\",\"status\":200}\n{\"pad\":\"");
    size_t start = o;
    memset(text + o, 'p', big);
    o += big;
    o += (size_t)sprintf(text + o, "\"}\n{\"ts\":2,\"account\":\"b\",\"status\":201}");
    (void)start;
    slagg_record_reader *r = open_ok(put("long.ndjson", text, o));
    free(text);
    expect_rec(r, 1000, "a", 200, SLAGG_CAUSE_NONE);
    expect_reject(r, 2, "line longer than 1048576 bytes");
    expect_rec(r, 2000, "b", 201, SLAGG_CAUSE_NONE);
    expect_end(r);
    slagg_record_reader_close(r);
}

/* SPEC 6, NDJSON: a JSON text cannot hold a raw LF, so every LF is a
 * certain record boundary; an over-long line is skipped through its real
 * end, and nothing inside it (here: record-like objects separated by CR
 * and spaces) is read as a record, however many reads it spans. */
Test(records_ndjson, long_line_with_records_inside_is_one_reject)
{
    static const char obj[] = "{\"ts\":5,\"account\":\"acme\",\"status\":500}\r ";
    size_t cap = SLAGG_CSV_MAX_RECORD + 4096;
    char *text = malloc(cap);
    cr_assert_not_null(text);
    size_t o = (size_t)sprintf(text, "{\"ts\":1,\"account\":\"a\",\"status\":200}\n");
    while (o < SLAGG_CSV_MAX_RECORD + 1024) o += (size_t)sprintf(text + o, "%s", obj);
    o += (size_t)sprintf(text + o, "\n{\"ts\":2,\"account\":\"b\",\"status\":201}\n");
    slagg_record_reader *r = open_ok(put("longobj.ndjson", text, o));
    free(text);
    expect_rec(r, 1000, "a", 200, SLAGG_CAUSE_NONE);
    expect_reject(r, 2, "line longer than 1048576 bytes");
    expect_rec(r, 2000, "b", 201, SLAGG_CAUSE_NONE);
    expect_end(r);
    slagg_record_reader_close(r);
}

Test(records_ndjson, line_just_under_limit_is_parsed)
{
    /* a valid object of exactly SLAGG_CSV_MAX_RECORD bytes spanning reads */
    const char *head = "{\"ts\":1,\"account\":\"a\",\"status\":200,\"pad\":\"";
    size_t total = SLAGG_CSV_MAX_RECORD;
    char *text = malloc(total + 64);
    size_t o = (size_t)sprintf(text, "%s", head);
    memset(text + o, 'p', total - o - 2);
    o = total - 2;
    memcpy(text + o, "\"}", 2);
    o += 2;
    text[o++] = '\n';
    slagg_record_reader *r = open_ok(put("max.ndjson", text, o));
    free(text);
    expect_rec(r, 1000, "a", 200, SLAGG_CAUSE_NONE);
    expect_end(r);
    slagg_record_reader_close(r);
}

Test(records_ndjson, crlf_and_no_final_newline)
{
    slagg_record_reader *r = open_text("crlf.ndjson", "{\"ts\":1,\"account\":\"a\",\"status\":200}\r\n"
                                                      "\r\n"
                                                      "{\"ts\":2,\"account\":\"b\",\"status\":300}");
    expect_rec(r, 1000, "a", 200, SLAGG_CAUSE_NONE);
    expect_rec(r, 2000, "b", 300, SLAGG_CAUSE_NONE);
    expect_end(r);
    slagg_record_reader_close(r);
}

/* NDJSON strings skip their plain ASCII eight bytes at a time (io/ndjson.c
 * jp_string): a quote, a backslash escape, a control byte or a UTF-8 byte
 * an invalid UTF-8 byte at any position of an account of any length 1-40 must end the run
 * exactly there. The account decodes to the expected bytes, or the line is
 * refused for the control or invalid byte. */
Test(records, ndjson_string_runs_end_at_every_position)
{
    for (size_t len = 1; len <= 40; len++) {
        for (size_t at = 0; at < len; at++) {
            for (int kind = 0; kind < 6; kind++) {
                char acct[64], want[64], line[256], reason[256];
                size_t wn = 0, an = 0;
                for (size_t k = 0; k < len; k++) {
                    if (k != at) {
                        acct[an++] = want[wn++] = (char)('a' + (int)(k % 26));
                        continue;
                    }
                    switch (kind) {
                    case 0: acct[an++] = '\\'; acct[an++] = '"'; want[wn++] = '"'; break;
                    case 1: acct[an++] = '\\'; acct[an++] = '\\'; want[wn++] = '\\'; break;
                    case 2: memcpy(acct + an, "\xc3\xa9", 2); an += 2; memcpy(want + wn, "\xc3\xa9", 2); wn += 2; break;
                    case 3: memcpy(acct + an, "\\u00e9", 6); an += 6; memcpy(want + wn, "\xc3\xa9", 2); wn += 2; break;
                    case 4: acct[an++] = '\t'; break;
                    default: acct[an++] = (char)0xff; break;   /* not UTF-8 */
                    }
                }
                int n = snprintf(line, sizeof line, "{\"ts\":\"2026-03-01T00:00:00Z\",\"account\":\"%.*s\",\"status\":200}",
                                 (int)an, acct);
                slagg_ndjson_record rec;
                int r = slagg_ndjson_parse(line, (size_t)n, &rec, reason, sizeof reason);
                if (kind >= 4) {
                    cr_assert_eq(r, -1, "len %zu at %zu: byte %d was accepted", len, at, kind);
                    cr_assert(strstr(reason, kind == 4 ? "control character" : "UTF-8") != NULL, "%s", reason);
                    continue;
                }
                cr_assert_eq(r, 0, "len %zu at %zu kind %d: %s", len, at, kind, reason);
                cr_assert_eq(rec.account.n, wn, "len %zu at %zu kind %d", len, at, kind);
                cr_assert_eq(memcmp(rec.account.p, want, wn), 0, "len %zu at %zu kind %d", len, at, kind);
            }
        }
    }
}
