/*
 * test_trust_text.c - issue 11 ("Finance-grade trust"), items 1, 5 and 8:
 * a rejected row never creates records (SPEC 6), CSV outputs are safe to
 * open in a spreadsheet (SPEC 4 "Spreadsheet safety"), and file names and
 * input text reach stderr and the rejects file with control characters
 * escaped (SPEC 6).
 */
#include "harness.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#define CONTRACTS "account,start,end\nacme,2026-04-01,2026-04-30\n"
#define GOOD "2026-04-10T10:00:00+08:00,acme,200"
#define ACME_100                                                                \
    "acme,2026-04-01,2026-04-30,30,8640,1,0,0,0,100.0000,0,,,0.00,false,final,2026-05-08,2026-06-30\n"
#define REST "; the rest of the file is skipped (no certain record boundary after it)"

/* 100 lines of record-like text, each an error in its own window of acme's
 * period: counted as records, they would take acme from 100.0000 % to 98.8425 %, tier 25. */
static void fake_records(h_buf *b, const char *fmt_line)
{
    for (int i = 0; i < 100; i++)
        h_buf_printf(b, fmt_line, 1 + i / 12, (i % 12) * 5);
}

/* Issue 11 item 1: an extra column whose quoted field opens, runs past
 * 1 MiB (then an LF) and never closes, with 100 record-like lines after
 * the limit. The starting commit rejected "record longer than 1048576
 * bytes", resumed inside the field at that LF and counted the 100 lines
 * (acme lost its 100 %). Now the row is one reject taking the rest of the
 * file. */
static void write_long_unterminated(const char *d, const char *name)
{
    h_buf b = {0};
    h_buf_printf(&b, "ts,account,status,note\n" GOOD ",\n" GOOD ",\"");
    char *pad = malloc((1u << 20) + 16);
    cr_assert_not_null(pad);
    memset(pad, 'x', (1u << 20) + 16);
    h_buf_append(&b, pad, (1u << 20) + 16);
    free(pad);
    h_buf_append(&b, "\n", 1);
    fake_records(&b, "2026-04-%02dT10:%02d:00+08:00,acme,500\n");
    h_write_bytes(d, name, b.data, b.len);
    h_buf_free(&b);
}

Test(trust_text, long_unterminated_quote_creates_no_records)
{
    char *d = h_tmpdir();
    h_write(d, "c.csv", CONTRACTS);
    write_long_unterminated(d, "r.csv");
    h_result r = h_slagg(d, NULL, "fold", "--out", "out", "--contracts", "c.csv", "--through",
                         "2026-04-30", "--max-rejects", "1", "--rejects", "rj.csv", "r.csv", NULL);
    h_assert_code(r, 0);
    h_assert_finance(d, "out", H_FIN_HEADER ACME_100);
    char *json = h_read_in(d, "out/summary.json", NULL);
    cr_assert_eq(h_json_int(json, "records_read"), 2, "%s", json);
    cr_assert_eq(h_json_int(json, "ok"), 1);
    cr_assert_eq(h_json_int(json, "error"), 0);
    cr_assert_eq(h_json_int(json, "rejected"), 1);
    free(json);
    char *rj = h_read_in(d, "rj.csv", NULL);
    cr_assert_str_eq(rj, "file,line,reason\n"
                         "r.csv,3,\"record longer than 1048576 bytes, then unterminated quote" REST
                         "\"\n");
    free(rj);
    cr_assert(h_contains(r.err, "slagg: r.csv:3: rejected: record longer than 1048576 bytes, "
                                "then unterminated quote" REST "\n"),
              "%s", r.err);
    h_result_free(&r);
    h_rmtree(d);
}

/* The same file through pack: the shard holds the one good record only. */
Test(trust_text, pack_stores_no_fabricated_record)
{
    char *d = h_tmpdir();
    write_long_unterminated(d, "r.csv");
    h_result r = h_slagg(d, NULL, "pack", "--quiet", "--out", "shards", "--max-rejects", "1",
                         "r.csv", NULL);
    h_assert_code(r, 0);
    h_result_free(&r);
    r = h_slagg(d, NULL, "cat", "shards/r.shard", NULL);
    h_assert_code(r, 0);
    cr_assert_str_eq(r.out, "ts,account,status,cause\n2026-04-10T10:00:00.000+08:00,acme,200,\n");
    h_result_free(&r);
    h_rmtree(d);
}

/* A NUL in a quoted field leaves the quoting state known: the reader
 * follows the field (its record-like lines included) to the record's end
 * and goes on after it; the starting commit resumed at the first embedded
 * LF and counted the lines inside. */
Test(trust_text, nul_in_quoted_field_skips_the_whole_record)
{
    char *d = h_tmpdir();
    h_write(d, "c.csv", CONTRACTS);
    h_buf b = {0};
    h_buf_printf(&b, "ts,account,status,note\n" GOOD ",\"x");
    h_buf_append(&b, "\0\n", 2);
    fake_records(&b, "2026-04-%02dT10:%02d:00+08:00,acme,500\n");
    h_buf_printf(&b, "\"\n" GOOD ",\n");
    h_write_bytes(d, "r.csv", b.data, b.len);
    h_buf_free(&b);
    h_result r = h_slagg(d, NULL, "fold", "--out", "out", "--contracts", "c.csv", "--through",
                         "2026-04-30", "--max-rejects", "1", "--rejects", "rj.csv", "r.csv", NULL);
    h_assert_code(r, 0);
    h_result_free(&r);
    h_assert_finance(d, "out", H_FIN_HEADER ACME_100);
    char *json = h_read_in(d, "out/summary.json", NULL);
    cr_assert_eq(h_json_int(json, "records_read"), 2, "%s", json);
    cr_assert_eq(h_json_int(json, "ok"), 1);
    cr_assert_eq(h_json_int(json, "rejected"), 1);
    free(json);
    char *rj = h_read_in(d, "rj.csv", NULL);
    cr_assert_str_eq(rj, "file,line,reason\nr.csv,2,NUL byte\n");
    free(rj);
    h_rmtree(d);
}

/* NDJSON analogue: an over-long line holding record-like objects (joined
 * by CR, which is not a line end) is one reject through its real LF;
 * the records after it count. Every LF is a certain NDJSON boundary (a
 * JSON text holds no raw LF), so this already held on the starting commit:
 * it guards the promise. */
Test(trust_text, ndjson_long_line_creates_no_records)
{
    char *d = h_tmpdir();
    h_write(d, "c.csv", CONTRACTS);
    h_buf b = {0};
    h_buf_printf(&b, "{\"ts\":\"2026-04-10T10:00:00+08:00\",\"account\":\"acme\",\"status\":200}\n"
                     "{\"note\":\"");
    while (b.len < (1u << 20) + 100)
        fake_records(&b, "\\\"},{\"ts\":\"2026-04-%02dT10:%02d:00+08:00\",\"account\":\"acme\","
                         "\"status\":500}\r");
    h_buf_printf(&b, "\"}\n{\"ts\":\"2026-04-10T10:00:00+08:00\",\"account\":\"acme\",\"status\":200}\n");
    h_write_bytes(d, "r.ndjson", b.data, b.len);
    h_buf_free(&b);
    h_result r = h_slagg(d, NULL, "fold", "--out", "out", "--contracts", "c.csv", "--through",
                         "2026-04-30", "--max-rejects", "1", "--rejects", "rj.csv", "r.ndjson",
                         NULL);
    h_assert_code(r, 0);
    h_result_free(&r);
    h_assert_finance(d, "out", H_FIN_HEADER
        "acme,2026-04-01,2026-04-30,30,8640,2,0,0,0,100.0000,0,,,0.00,false,final,2026-05-08,2026-06-30\n");
    char *json = h_read_in(d, "out/summary.json", NULL);
    cr_assert_eq(h_json_int(json, "records_read"), 3, "%s", json);
    cr_assert_eq(h_json_int(json, "ok"), 2);
    cr_assert_eq(h_json_int(json, "rejected"), 1);
    free(json);
    char *rj = h_read_in(d, "rj.csv", NULL);
    cr_assert_str_eq(rj, "file,line,reason\nr.ndjson,2,line longer than 1048576 bytes\n");
    free(rj);
    h_rmtree(d);
}

/* A stray quote leaves the quoting state unknown (a writer that does not
 * double quotes meant a quoted field): the rest of the file is one reject,
 * so the record-like line after it is not counted. */
Test(trust_text, stray_quote_takes_the_rest_of_the_file)
{
    char *d = h_tmpdir();
    h_write(d, "c.csv", CONTRACTS);
    h_write(d, "r.csv", "ts,account,status,note\n" GOOD ",\n" GOOD ",say \"hi\n"
                        "2026-04-10T11:00:00+08:00,acme,500,\n\"\n");
    h_result r = h_slagg(d, NULL, "fold", "--out", "out", "--contracts", "c.csv", "--through",
                         "2026-04-30", "--max-rejects", "1", "--rejects", "rj.csv", "r.csv", NULL);
    h_assert_code(r, 0);
    h_result_free(&r);
    h_assert_finance(d, "out", H_FIN_HEADER ACME_100);
    char *rj = h_read_in(d, "rj.csv", NULL);
    cr_assert_str_eq(rj, "file,line,reason\nr.csv,3,stray quote in unquoted field" REST "\n");
    free(rj);
    h_rmtree(d);
}

/* ---- item 5: spreadsheet formula injection (SPEC 4) --------------------- */

/* Accounts that a spreadsheet would evaluate get one leading ' in
 * finance.csv, rows still sorted by the exact value (0acct sorts between
 * -1 and =HYPERLINK by its exact bytes; by the guarded text it would come
 * after all of them); finance.jsonl and the compact summary keep the exact
 * value (a round trip through `slagg export` gives the same finance.csv). */
Test(trust_text, finance_csv_guards_formulas)
{
    char *d = h_tmpdir();
    h_write(d, "c.csv", "account,start,end\n"
                        "\"=HYPERLINK(\"\"http://x\"\")\",2026-04-01,2026-04-30\n"
                        "+cmd|' /C calc'!A0,2026-04-01,2026-04-30\n"
                        "@SUM(1+1),2026-04-01,2026-04-30\n"
                        "-1,2026-04-01,2026-04-30\n"
                        "'quoted,2026-04-01,2026-04-30\n"
                        "0acct,2026-04-01,2026-04-30\n"
                        "acme,2026-04-01,2026-04-30\n");
    h_write(d, "r.csv", "ts,account,status\n"
                        "2026-04-10T10:00:00+08:00,\"=HYPERLINK(\"\"http://x\"\")\",200\n"
                        "2026-04-10T10:00:00+08:00,+cmd|' /C calc'!A0,200\n"
                        "2026-04-10T10:00:00+08:00,@SUM(1+1),200\n"
                        "2026-04-10T10:00:00+08:00,-1,200\n"
                        "2026-04-10T10:00:00+08:00,'quoted,200\n"
                        "2026-04-10T10:00:00+08:00,0acct,200\n"
                        GOOD "\n");
    h_result r = h_slagg(d, NULL, "fold", "--out", "out", "--contracts", "c.csv", "--through",
                         "2026-04-30", "r.csv", NULL);
    h_assert_code(r, 0);
    h_result_free(&r);
#define TAIL ",2026-04-01,2026-04-30,30,8640,1,0,0,0,100.0000,0,,,0.00,false,final,2026-05-08,2026-06-30\n"
    static const char want[] = H_FIN_HEADER
        "''quoted" TAIL
        "'+cmd|' /C calc'!A0" TAIL
        "'-1" TAIL
        "0acct" TAIL
        "\"'=HYPERLINK(\"\"http://x\"\")\"" TAIL
        "'@SUM(1+1)" TAIL
        "acme" TAIL;
    char *csv = h_read_in(d, "out/finance.csv", NULL);
    cr_assert_str_eq(csv, want);
    free(csv);
    char *jl = h_read_in(d, "out/finance.jsonl", NULL);
    static const char *const exact[] = {
        "{\"account\":\"'quoted\",", "{\"account\":\"+cmd|' /C calc'!A0\",",
        "{\"account\":\"-1\",", "{\"account\":\"0acct\",",
        "{\"account\":\"=HYPERLINK(\\\"http://x\\\")\",", "{\"account\":\"@SUM(1+1)\",",
        "{\"account\":\"acme\","};
    const char *at = jl;
    for (size_t i = 0; i < sizeof exact / sizeof *exact; i++) {
        cr_assert(strncmp(at, exact[i], strlen(exact[i])) == 0, "line %zu: %.60s", i, at);
        at = strchr(at, '\n');
        cr_assert_not_null(at);
        at++;
    }
    cr_assert_str_eq(at, "");
    free(jl);
    /* the compact summary keeps the exact names: export gives the same csv */
    r = h_slagg(d, NULL, "export", "--out", "out2", "out/availability.slagg", NULL);
    h_assert_code(r, 0);
    h_result_free(&r);
    csv = h_read_in(d, "out2/finance.csv", NULL);
    cr_assert_str_eq(csv, want);
    free(csv);
#undef TAIL
    h_rmtree(d);
}

/* The rejects file is a CSV slagg writes: a file name that begins with a
 * formula character gets the guard too. */
Test(trust_text, rejects_file_guards_formulas)
{
    char *d = h_tmpdir();
    h_write(d, "c.csv", CONTRACTS);
    h_write(d, "=cmd.csv", "ts,account,status\n" GOOD "\n2026-04-10T10:00:00+08:00,acme,600\n");
    h_result r = h_slagg(d, NULL, "fold", "--out", "out", "--contracts", "c.csv", "--through",
                         "2026-04-30", "--max-rejects", "1", "--rejects", "rj.csv", "=cmd.csv",
                         NULL);
    h_assert_code(r, 0);
    h_result_free(&r);
    char *rj = h_read_in(d, "rj.csv", NULL);
    cr_assert_str_eq(rj, "file,line,reason\n'=cmd.csv,3,status 600 is not 0 or 100-599\n");
    free(rj);
    h_rmtree(d);
}

/* ---- item 8: terminal escapes (SPEC 6) ----------------------------------- */

#define ESC_NAME "r\x1b[2J.csv"
#define ESC_SHOWN "r\\x1b[2J.csv"

/* A file named with ESC [2J (clear screen): stderr and the rejects file
 * show \x1b, never the raw byte. */
Test(trust_text, escape_in_file_name_is_escaped)
{
    char *d = h_tmpdir();
    h_write(d, "c.csv", CONTRACTS);
    h_write(d, ESC_NAME, "ts,account,status\n" GOOD "\n2026-04-10T10:00:00+08:00,acme,600\n");
    h_result r = h_slagg(d, NULL, "fold", "--out", "out", "--contracts", "c.csv", "--through",
                         "2026-04-30", "--max-rejects", "1", "--rejects", "rj.csv", ESC_NAME,
                         NULL);
    h_assert_code(r, 0);
    cr_assert(!memchr(r.err, 0x1b, r.err_len), "raw ESC on stderr:\n%s", r.err);
    cr_assert(h_contains(r.err, "slagg: " ESC_SHOWN ":3: rejected: status 600 is not 0 or 100-599\n"),
              "%s", r.err);
    h_result_free(&r);
    size_t n;
    char *rj = h_read_in(d, "rj.csv", &n);
    cr_assert(!memchr(rj, 0x1b, n), "raw ESC in the rejects file:\n%s", rj);
    cr_assert_str_eq(rj, "file,line,reason\n" ESC_SHOWN ",3,status 600 is not 0 or 100-599\n");
    free(rj);

    /* a failed run: the error names the file escaped */
    h_write(d, ESC_NAME, "ts,account,status\n2026-04-10T10:00:00+08:00,acme,600\n");
    r = h_slagg(d, NULL, "fold", "--out", "out", "--contracts", "c.csv", ESC_NAME, NULL);
    h_assert_code(r, 2);
    cr_assert(!memchr(r.err, 0x1b, r.err_len), "raw ESC on stderr:\n%s", r.err);
    cr_assert(h_contains(r.err, ESC_SHOWN ":2:"), "%s", r.err);
    h_result_free(&r);

    /* a file that does not exist, a table, a bad option: all escaped */
    r = h_slagg(d, NULL, "fold", "--out", "out", "--contracts", "c.csv", "gone\x1b]0;x\x07.csv", NULL);
    cr_assert_neq(r.code, 0);
    cr_assert(!memchr(r.err, 0x1b, r.err_len) && !memchr(r.err, 0x07, r.err_len), "%s", r.err);
    cr_assert(h_contains(r.err, "gone\\x1b]0;x\\x07.csv"), "%s", r.err);
    h_result_free(&r);
    h_write(d, "k\x1b[31m.csv", "account,start,end\nacme,2026-04-01\n");
    r = h_slagg(d, NULL, "fold", "--out", "out", "--contracts", "k\x1b[31m.csv", ESC_NAME, NULL);
    h_assert_code(r, 2);
    cr_assert(!memchr(r.err, 0x1b, r.err_len), "%s", r.err);
    cr_assert(h_contains(r.err, "slagg: k\\x1b[31m.csv:2: "), "%s", r.err);
    h_result_free(&r);
    r = h_slagg(d, NULL, "fold", "--bad\x1b[2J", NULL);
    h_assert_code(r, 1);
    cr_assert_str_eq(r.err, "slagg: fold: unknown option '--bad\\x1b[2J' (see 'slagg fold --help')\n");
    h_result_free(&r);
    h_rmtree(d);
}

/* C1 controls in UTF-8 (U+009B is CSI) and tabs or newlines in a name are
 * escaped too; ordinary UTF-8 names are shown as they are. */
Test(trust_text, c1_and_newline_in_file_name_are_escaped)
{
    char *d = h_tmpdir();
    h_write(d, "c.csv", CONTRACTS);
    const char *name = "\xe5\xae\xa2\xc2\x9b" "2J\tx\ny.csv";
    h_write(d, name, "ts,account,status\n2026-04-10T10:00:00+08:00,acme,600\n");
    h_result r = h_slagg(d, NULL, "fold", "--out", "out", "--contracts", "c.csv", "--max-rejects",
                         "1", "--rejects", "rj.csv", name, NULL);
    h_assert_code(r, 0);
    const char *shown = "\xe5\xae\xa2\\xc2\\x9b2J\\x09x\\x0ay.csv";
    cr_assert(h_contains(r.err, h_fmt("slagg: %s:2: rejected: ", shown)), "%s", r.err);
    h_result_free(&r);
    char *rj = h_read_in(d, "rj.csv", NULL);
    cr_assert_str_eq(rj, h_fmt("file,line,reason\n%s,2,status 600 is not 0 or 100-599\n", shown));
    free(rj);
    h_rmtree(d);
}
