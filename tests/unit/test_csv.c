/*
 * test_csv.c - io/csv (streaming RFC 4180) and io/source (plain / zstd
 * byte streams), on files written to a fresh temporary directory.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include <zstd.h>

#include "core/alloc.h"
#include "io/csv.h"
#include "io/source.h"

static char tmpdir[64];

static void setup(void)
{
    strcpy(tmpdir, "/tmp/slagg_test_csv_XXXXXX");
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

TestSuite(csv, .init = setup, .fini = teardown);
TestSuite(source, .init = setup, .fini = teardown);

/* Writes n bytes to tmpdir/name; returns the path (static buffer per call
 * site is not needed: the caller copies it when it keeps two). */
static const char *put(const char *name, const void *data, size_t n)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(data, 1, n, f), n);
    cr_assert_eq(fclose(f), 0);
    return path;
}

static const char *puts_file(const char *name, const char *text)
{
    return put(name, text, strlen(text));
}

/* zstd-compresses data (one frame) into a malloc'ed buffer. */
static void *zcompress(const void *data, size_t n, size_t *outn)
{
    size_t cap = ZSTD_compressBound(n);
    void *out = malloc(cap);
    cr_assert_not_null(out);
    size_t r = ZSTD_compress(out, cap, data, n, 3);
    cr_assert(!ZSTD_isError(r), "%s", ZSTD_getErrorName(r));
    *outn = r;
    return out;
}

static slagg_csv *open_csv(const char *path)
{
    slagg_csv *c = NULL;
    slagg_err err = {0};
    cr_assert_eq(slagg_csv_open(path, &c, &err), SLAGG_OK, "%s", err.msg);
    return c;
}

/* Reads the next row and checks it is well-formed with the given fields. */
static void expect_row(slagg_csv *c, uint64_t line, size_t nf, const char *const *want)
{
    slagg_csv_row row;
    slagg_err err = {0};
    cr_assert_eq(slagg_csv_next(c, &row, &err), 1, "%s", err.msg);
    cr_assert_null(row.malformed, "line %llu: %s", (unsigned long long)row.line,
                   row.malformed ? row.malformed : "");
    cr_assert_eq(row.line, line, "line %llu, want %llu", (unsigned long long)row.line,
                 (unsigned long long)line);
    cr_assert_eq(row.nfields, nf, "nfields %zu, want %zu", row.nfields, nf);
    for (size_t i = 0; i < nf; i++) {
        cr_assert_eq(row.lens[i], strlen(want[i]), "field %zu length", i);
        cr_assert_eq(memcmp(row.fields[i], want[i], row.lens[i]), 0, "field %zu", i);
        cr_assert_eq(row.fields[i][row.lens[i]], '\0');
    }
}

static void expect_bad(slagg_csv *c, uint64_t line, const char *reason, int rest)
{
    slagg_csv_row row;
    slagg_err err = {0};
    cr_assert_eq(slagg_csv_next(c, &row, &err), 1, "%s", err.msg);
    cr_assert_not_null(row.malformed, "line %llu should be malformed",
                       (unsigned long long)row.line);
    cr_assert_str_eq(row.malformed, reason);
    cr_assert_eq(row.line, line, "line %llu, want %llu", (unsigned long long)row.line,
                 (unsigned long long)line);
    cr_assert_eq(row.nfields, 0);
    cr_assert_eq(row.rest_skipped, rest, "rest_skipped %d, want %d", row.rest_skipped, rest);
}

/* A malformed row after which the reader resumes at the record's end. */
static void expect_bad_row(slagg_csv *c, uint64_t line, const char *reason)
{
    expect_bad(c, line, reason, 0);
}

/* A malformed row with no certain record boundary after it: the rest of
 * the input is this one row (csv.h "Resynchronisation", SPEC section 6). */
static void expect_bad_rest(slagg_csv *c, uint64_t line, const char *reason)
{
    expect_bad(c, line, reason, 1);
}

static void expect_end(slagg_csv *c)
{
    slagg_csv_row row;
    slagg_err err = {0};
    cr_assert_eq(slagg_csv_next(c, &row, &err), 0, "%s", err.msg);
    cr_assert_eq(slagg_csv_next(c, &row, &err), 0, "end is sticky");
}

#define ROW(...) ((const char *const[]){__VA_ARGS__})

Test(csv, plain_rows)
{
    slagg_csv *c = open_csv(puts_file("a.csv", "ts,account,status\n1,acme,200\n2,b,503\n"));
    expect_row(c, 1, 3, ROW("ts", "account", "status"));
    expect_row(c, 2, 3, ROW("1", "acme", "200"));
    expect_row(c, 3, 3, ROW("2", "b", "503"));
    expect_end(c);
    slagg_csv_close(c);
}

Test(csv, name_is_path)
{
    const char *p = puts_file("n.csv", "a\n");
    char want[512];
    strcpy(want, p);
    slagg_csv *c = open_csv(want);
    cr_assert_str_eq(slagg_csv_name(c), want);
    slagg_csv_close(c);
}

Test(csv, quoting_and_escaped_quotes)
{
    slagg_csv *c = open_csv(puts_file("q.csv", "\"a,b\",\"say \"\"hi\"\"\",plain,\"\"\n"
                                               "\"\"\"\",x\n"));
    expect_row(c, 1, 4, ROW("a,b", "say \"hi\"", "plain", ""));
    expect_row(c, 2, 2, ROW("\"", "x"));
    expect_end(c);
    slagg_csv_close(c);
}

Test(csv, empty_fields)
{
    slagg_csv *c = open_csv(puts_file("e.csv", ",\na,\n,b\n\"\",\"\"\n"));
    expect_row(c, 1, 2, ROW("", ""));
    expect_row(c, 2, 2, ROW("a", ""));
    expect_row(c, 3, 2, ROW("", "b"));
    expect_row(c, 4, 2, ROW("", ""));
    expect_end(c);
    slagg_csv_close(c);
}

Test(csv, embedded_newline_keeps_line_numbers)
{
    slagg_csv *c = open_csv(puts_file("nl.csv", "h1,h2\n\"x\ny\nz\",w\nnext,row\n\"a\r\nb\",c\nlast,1\n"));
    expect_row(c, 1, 2, ROW("h1", "h2"));
    expect_row(c, 2, 2, ROW("x\ny\nz", "w"));
    expect_row(c, 5, 2, ROW("next", "row"));
    expect_row(c, 6, 2, ROW("a\r\nb", "c"));
    expect_row(c, 8, 2, ROW("last", "1"));
    expect_end(c);
    slagg_csv_close(c);
}

Test(csv, crlf)
{
    slagg_csv *c = open_csv(puts_file("crlf.csv", "a,b\r\n1,\"2\"\r\n3,\r\n\r\n4,5"));
    expect_row(c, 1, 2, ROW("a", "b"));
    expect_row(c, 2, 2, ROW("1", "2"));
    expect_row(c, 3, 2, ROW("3", ""));
    expect_row(c, 5, 2, ROW("4", "5"));
    expect_end(c);
    slagg_csv_close(c);
}

Test(csv, bom_skipped)
{
    slagg_csv *c = open_csv(puts_file("bom.csv", "\xEF\xBB\xBFts,account\n1,\xEF\xBB\xBF\n"));
    expect_row(c, 1, 2, ROW("ts", "account"));
    expect_row(c, 2, 2, ROW("1", "\xEF\xBB\xBF"));   /* only a leading BOM is special */
    expect_end(c);
    slagg_csv_close(c);
}

Test(csv, bom_only_and_empty)
{
    slagg_csv *c = open_csv(puts_file("bo.csv", "\xEF\xBB\xBF"));
    expect_end(c);
    slagg_csv_close(c);
    c = open_csv(puts_file("empty.csv", ""));
    expect_end(c);
    slagg_csv_close(c);
    c = open_csv(puts_file("blank.csv", "\n\r\n\n"));
    expect_end(c);
    slagg_csv_close(c);
}

Test(csv, empty_lines_skipped)
{
    slagg_csv *c = open_csv(puts_file("el.csv", "\n\na\n\n\r\nb\n\n"));
    expect_row(c, 3, 1, ROW("a"));
    expect_row(c, 6, 1, ROW("b"));
    expect_end(c);
    slagg_csv_close(c);
}

Test(csv, spaces_are_data)
{
    slagg_csv *c = open_csv(puts_file("sp.csv", " a , b \n \n"));
    expect_row(c, 1, 2, ROW(" a ", " b "));
    expect_row(c, 2, 1, ROW(" "));
    expect_end(c);
    slagg_csv_close(c);
}

Test(csv, no_final_newline)
{
    slagg_csv *c = open_csv(puts_file("nf.csv", "a,b\n\"c\""));
    expect_row(c, 1, 2, ROW("a", "b"));
    expect_row(c, 2, 1, ROW("c"));
    expect_end(c);
    slagg_csv_close(c);
}

/* SPEC 6 changed these three (they used to resume at the next physical
 * line): after a stray quote or text after a closing quote the quoting
 * state is not known for certain, so no later LF is certainly a record
 * end and the rest of the file is one reject. */
Test(csv, stray_quote)
{
    slagg_csv *c = open_csv(puts_file("sq.csv", "h\nab\"c,d\"e\nnext,1\n"));
    expect_row(c, 1, 1, ROW("h"));
    expect_bad_rest(c, 2, "stray quote in unquoted field");
    expect_end(c);
    slagg_csv_close(c);
}

/* A writer that does not double quotes: "say "hi\nfake,row\n" is one
 * field to it; resuming at the next LF would read "fake,row" as a record. */
Test(csv, stray_quote_never_resumes_inside_a_possible_field)
{
    slagg_csv *c = open_csv(puts_file("sq2.csv", "h\nok,1\nx,say\"hi\nfake,row\n\"\nmore,2\n"));
    expect_row(c, 1, 1, ROW("h"));
    expect_row(c, 2, 2, ROW("ok", "1"));
    expect_bad_rest(c, 3, "stray quote in unquoted field");
    expect_end(c);
    slagg_csv_close(c);
}

Test(csv, text_after_closing_quote)
{
    slagg_csv *c = open_csv(puts_file("tq.csv", "\"a\"b,c\n\"x\" ,y\nok\n"));
    expect_bad_rest(c, 1, "text after closing quote");
    expect_end(c);
    slagg_csv_close(c);
    c = open_csv(puts_file("tq2.csv", "h\n\"say \"hi\" now\nfake,row\n\",1\n"));
    expect_row(c, 1, 1, ROW("h"));
    expect_bad_rest(c, 2, "text after closing quote");
    expect_end(c);
    slagg_csv_close(c);
}

Test(csv, unterminated_quote)
{
    slagg_csv *c = open_csv(puts_file("uq.csv", "ok,1\n\"abc\ndef\nghi"));
    expect_row(c, 1, 2, ROW("ok", "1"));
    expect_bad_rest(c, 2, "unterminated quote");
    expect_end(c);
    slagg_csv_close(c);
}

Test(csv, nul_byte)
{
    static const char data[] = "a\0b,c\nd\n\"x\0\",y\nz\n";
    slagg_csv *c = open_csv(put("nul.csv", data, sizeof data - 1));
    expect_bad_row(c, 1, "NUL byte");
    expect_row(c, 2, 1, ROW("d"));
    expect_bad_row(c, 3, "NUL byte");
    expect_row(c, 4, 1, ROW("z"));
    expect_end(c);
    slagg_csv_close(c);
}

/* SPEC 6 changed this one (it used to resume at the next LF): a bare CR
 * outside quotes may be a classic Mac line end, after which a record would
 * start, so no later LF is certainly a record end. */
Test(csv, bare_cr)
{
    slagg_csv *c = open_csv(puts_file("cr.csv", "a\rb\nc\n"));
    expect_bad_rest(c, 1, "bare CR (not followed by LF)");
    expect_end(c);
    slagg_csv_close(c);
    c = open_csv(puts_file("cr2.csv", "h\n\rx\nd\n"));
    expect_row(c, 1, 1, ROW("h"));
    expect_bad_rest(c, 2, "bare CR (not followed by LF)");
    expect_end(c);
    slagg_csv_close(c);
    c = open_csv(puts_file("cr3.csv", "h\n\"q\"\rx\nd\n"));
    expect_row(c, 1, 1, ROW("h"));
    expect_bad_rest(c, 2, "bare CR (not followed by LF)");
    expect_end(c);
    slagg_csv_close(c);
    /* a CR at the very end of the input ends the record; inside quotes a
     * CR is content */
    c = open_csv(puts_file("cr4.csv", "\"a\rb\",c\nd\r"));
    expect_row(c, 1, 2, ROW("a\rb", "c"));
    expect_row(c, 2, 1, ROW("d"));
    expect_end(c);
    slagg_csv_close(c);
}

/* A NUL is junk content in whatever state it is met: the quoting state is
 * still known, so the reader follows the quoted field (embedded LFs and
 * all) to the record's real end; before SPEC 6 it resumed at the next LF,
 * inside the field, and read "fake,row" as a record. */
Test(csv, nul_in_quoted_field_resumes_after_the_field)
{
    static const char data[] = "h\n\"a\0\nfake,row\n\"\"x\",y\nz,1\n";
    slagg_csv *c = open_csv(put("nulq.csv", data, sizeof data - 1));
    expect_row(c, 1, 1, ROW("h"));
    expect_bad_row(c, 2, "NUL byte");
    expect_row(c, 5, 2, ROW("z", "1"));
    expect_end(c);
    slagg_csv_close(c);
}

/* A certain case that meets an uncertain one while the record's end is
 * sought becomes the rest of the file, naming both. */
Test(csv, nul_then_quote_error_is_rest_of_file)
{
    static const char data[] = "h\na\0b,c\"d\nnext,1\n";
    slagg_csv *c = open_csv(put("nulsq.csv", data, sizeof data - 1));
    expect_row(c, 1, 1, ROW("h"));
    expect_bad_rest(c, 2, "NUL byte, then stray quote in unquoted field");
    expect_end(c);
    slagg_csv_close(c);
    static const char d2[] = "h\n\"a\0\nfake,row\n";
    c = open_csv(put("nuluq.csv", d2, sizeof d2 - 1));
    expect_row(c, 1, 1, ROW("h"));
    expect_bad_rest(c, 2, "NUL byte, then unterminated quote");
    expect_end(c);
    slagg_csv_close(c);
}

/* Builds "h\n" + head + a quoted field of `body` bytes (lines of
 * record-like text "2026-04-10T10:00:00+08:00,acme,500\n") + tail. */
static char *long_quoted(const char *head, size_t body, const char *tail, size_t *n)
{
    static const char fake[] = "2026-04-10T10:00:00+08:00,acme,500\n";
    size_t hl = strlen(head), tl = strlen(tail);
    char *d = malloc(2 + hl + 1 + body + tl + 1);
    cr_assert_not_null(d);
    size_t o = 0;
    memcpy(d + o, "h\n", 2);
    o += 2;
    memcpy(d + o, head, hl);
    o += hl;
    d[o++] = '"';
    for (size_t i = 0; i < body; i++) d[o++] = fake[i % (sizeof fake - 1)];
    memcpy(d + o, tail, tl);
    o += tl;
    d[o] = '\0';
    *n = o;
    return d;
}

/* Issue 11 item 1: a quoted field that opens, runs past 1 MiB and never
 * closes. Before SPEC 6 the reader resumed inside it, at the next LF, and
 * every line of record-like text in it became a record. */
Test(csv, long_unterminated_quoted_field_is_rest_of_file)
{
    size_t n;
    char *d = long_quoted("1,acme,200,", SLAGG_CSV_MAX_RECORD + 4096, "", &n);
    slagg_csv *c = open_csv(put("lq.csv", d, n));
    free(d);
    expect_row(c, 1, 1, ROW("h"));
    expect_bad_rest(c, 2, "record longer than 1048576 bytes, then unterminated quote");
    expect_end(c);
    slagg_csv_close(c);
}

/* A quoted field past the limit that does close: its end is certain, so
 * the reader resumes right after the record, line numbers intact. */
Test(csv, long_quoted_field_that_closes_resumes_after_it)
{
    size_t n;
    size_t body = SLAGG_CSV_MAX_RECORD + 35 * 100;   /* 35-byte lines, the last one cut */
    char *d = long_quoted("1,acme,200,", body, "\",x\nnext,1\n", &n);
    slagg_csv *c = open_csv(put("lqc.csv", d, n));
    free(d);
    uint64_t lfs = body / 35;   /* LFs inside the field: one per whole line */
    expect_row(c, 1, 1, ROW("h"));
    expect_bad_row(c, 2, "record longer than 1048576 bytes");
    expect_row(c, 3 + lfs, 2, ROW("next", "1"));
    expect_end(c);
    slagg_csv_close(c);
}

/* Too many fields: the field count is a limit, not syntax; a quoted field
 * after the limit is followed to its end (the old reader resumed at its
 * embedded LF and read "fake,1" as a record). */
Test(csv, too_many_fields_then_quoted_field_with_lf)
{
    size_t n = SLAGG_CSV_MAX_FIELDS + 1;
    char *data = malloc(2 * n + 64);
    cr_assert_not_null(data);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        data[o++] = 'a';
        data[o++] = ',';
    }
    strcpy(data + o, "\"q\nfake,1\n\"\nok\n");
    slagg_csv *c = open_csv(put("wideq.csv", data, strlen(data)));
    free(data);
    expect_bad_row(c, 1, "more than 4096 fields");
    expect_row(c, 4, 1, ROW("ok"));
    expect_end(c);
    slagg_csv_close(c);
}

/* After a reject that takes the rest of the file, the rest is still read
 * through the source: a corrupt zstd frame further on is an error. */
Test(csv, rest_of_file_still_reads_to_the_end)
{
    const char *text = "h\na\"b\nc,d\n";
    size_t zn;
    void *z = zcompress(text, strlen(text), &zn);
    unsigned char *b = malloc(zn + 4);
    cr_assert_not_null(b);
    memcpy(b, z, zn);
    memcpy(b + zn, "junk", 4);
    slagg_csv *c = open_csv(put("rz.csv.zst", b, zn + 4));
    free(b);
    free(z);
    expect_row(c, 1, 1, ROW("h"));
    slagg_csv_row row;
    slagg_err err = {0};
    cr_assert_eq(slagg_csv_next(c, &row, &err), -1);
    cr_assert(strstr(err.msg, ": corrupt zstd data: "), "%s", err.msg);
    slagg_csv_close(c);
}

Test(csv, long_line_rejected_next_row_fine)
{
    size_t big = SLAGG_CSV_MAX_RECORD + 10;
    char *data = malloc(big + 64);
    cr_assert_not_null(data);
    strcpy(data, "h\n");
    memset(data + 2, 'x', big);
    strcpy(data + 2 + big, ",y\nnext,1\n");
    slagg_csv *c = open_csv(put("long.csv", data, strlen(data)));
    free(data);
    expect_row(c, 1, 1, ROW("h"));
    expect_bad_row(c, 2, "record longer than 1048576 bytes");
    expect_row(c, 3, 2, ROW("next", "1"));
    expect_end(c);
    slagg_csv_close(c);
}

Test(csv, exactly_max_record_is_fine)
{
    size_t big = SLAGG_CSV_MAX_RECORD;
    char *data = malloc(big + 16);
    cr_assert_not_null(data);
    memset(data, 'x', big - 2);
    strcpy(data + big - 2, ",y\nz\n");
    slagg_csv *c = open_csv(put("max.csv", data, strlen(data)));
    free(data);
    slagg_csv_row row;
    slagg_err err = {0};
    cr_assert_eq(slagg_csv_next(c, &row, &err), 1);
    cr_assert_null(row.malformed);
    cr_assert_eq(row.nfields, 2);
    cr_assert_eq(row.lens[0], SLAGG_CSV_MAX_RECORD - 2);
    cr_assert_str_eq(row.fields[1], "y");
    expect_row(c, 2, 1, ROW("z"));
    expect_end(c);
    slagg_csv_close(c);
}

/* A 256 MiB line, zstd-compressed to almost nothing: the reader must
 * reject it without ever holding it (peak memory grows far less). */
Test(csv, huge_line_bounded_memory)
{
    size_t big = 256u << 20;
    ZSTD_CCtx *cc = ZSTD_createCCtx();
    cr_assert_not_null(cc);
    size_t cap = ZSTD_compressBound(big + 64);
    char *chunk = malloc(1u << 20);
    char *out = malloc(cap > (64u << 20) ? (64u << 20) : cap);
    cr_assert(chunk && out);
    memset(chunk, 'q', 1u << 20);
    size_t outpos = 0, outcap = cap > (64u << 20) ? (64u << 20) : cap;
    ZSTD_outBuffer ob = {out, outcap, 0};
    {
        ZSTD_inBuffer ib = {"h\n", 2, 0};
        cr_assert(!ZSTD_isError(ZSTD_compressStream2(cc, &ob, &ib, ZSTD_e_continue)));
    }
    for (size_t done = 0; done < big; done += 1u << 20) {
        ZSTD_inBuffer ib = {chunk, 1u << 20, 0};
        while (ib.pos < ib.size)
            cr_assert(!ZSTD_isError(ZSTD_compressStream2(cc, &ob, &ib, ZSTD_e_continue)));
    }
    {
        ZSTD_inBuffer ib = {"\nafter,2\n", 9, 0};
        size_t r;
        do {
            r = ZSTD_compressStream2(cc, &ob, &ib, ZSTD_e_end);
            cr_assert(!ZSTD_isError(r));
        } while (r != 0);
    }
    outpos = ob.pos;
    ZSTD_freeCCtx(cc);
    free(chunk);
    const char *p = put("huge.csv.zst", out, outpos);
    free(out);

    struct rusage before, after;
    getrusage(RUSAGE_SELF, &before);
    slagg_csv *c = open_csv(p);
    expect_row(c, 1, 1, ROW("h"));
    expect_bad_row(c, 2, "record longer than 1048576 bytes");
    expect_row(c, 3, 2, ROW("after", "2"));
    expect_end(c);
    slagg_csv_close(c);
    getrusage(RUSAGE_SELF, &after);
    long grown_kib = after.ru_maxrss - before.ru_maxrss;
    cr_assert_lt(grown_kib, 64 * 1024, "peak memory grew by %ld KiB", grown_kib);
}

Test(csv, too_many_fields)
{
    size_t n = SLAGG_CSV_MAX_FIELDS + 1;
    char *data = malloc(2 * n + 16);
    cr_assert_not_null(data);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        data[o++] = 'a';
        data[o++] = i + 1 < n ? ',' : '\n';
    }
    strcpy(data + o, "ok\n");
    slagg_csv *c = open_csv(put("wide.csv", data, strlen(data)));
    expect_bad_row(c, 1, "more than 4096 fields");
    expect_row(c, 2, 1, ROW("ok"));
    expect_end(c);
    slagg_csv_close(c);
    /* exactly the maximum is accepted */
    data[2 * (n - 1) - 1] = '\n';
    data[2 * (n - 1)] = '\0';
    c = open_csv(put("wide2.csv", data, strlen(data)));
    slagg_csv_row row;
    slagg_err err = {0};
    cr_assert_eq(slagg_csv_next(c, &row, &err), 1);
    cr_assert_null(row.malformed);
    cr_assert_eq(row.nfields, SLAGG_CSV_MAX_FIELDS);
    slagg_csv_close(c);
    free(data);
}

Test(csv, zstd_compressed)
{
    const char *text = "\xEF\xBB\xBF" "a,b\r\n\"x\ny\",2\n";
    size_t zn;
    void *z = zcompress(text, strlen(text), &zn);
    slagg_csv *c = open_csv(put("c.csv.zst", z, zn));
    free(z);
    expect_row(c, 1, 2, ROW("a", "b"));
    expect_row(c, 2, 2, ROW("x\ny", "2"));
    expect_end(c);
    slagg_csv_close(c);
}

Test(csv, open_errors)
{
    slagg_csv *c = (slagg_csv *)1;
    slagg_err err = {0};
    char p[512];
    snprintf(p, sizeof p, "%s/missing.csv", tmpdir);
    cr_assert_eq(slagg_csv_open(p, &c, &err), SLAGG_E_INPUT);   /* missing: issue 15 */
    cr_assert_null(c);
    cr_assert(strstr(err.msg, p) == err.msg, "%s", err.msg);
    cr_assert_eq(slagg_csv_open(tmpdir, &c, &err), SLAGG_E_IO);
    cr_assert(strstr(err.msg, "is a directory"), "%s", err.msg);
}

/* ---- source ----------------------------------------------------------------- */

/* Reads the whole stream with reads of at most step bytes. */
static char *read_all(const char *path, size_t step, size_t *n, int *rc, slagg_err *err)
{
    slagg_source *s = NULL;
    cr_assert_eq(slagg_source_open(path, &s, err), SLAGG_OK, "%s", err->msg);
    size_t cap = 1024, len = 0;
    char *buf = malloc(cap);
    *rc = 0;
    for (;;) {
        if (cap - len < step) buf = realloc(buf, cap = cap * 2 + step);
        ssize_t k = slagg_source_read(s, buf + len, step, err);
        if (k < 0) {
            *rc = -1;
            break;
        }
        if (k == 0) break;
        len += (size_t)k;
    }
    slagg_source_close(s);
    *n = len;
    return buf;
}

Test(source, plain_passthrough)
{
    slagg_err err = {0};
    slagg_source *s;
    cr_assert_eq(slagg_source_open(puts_file("p", "ab"), &s, &err), SLAGG_OK);
    cr_assert_eq(slagg_source_is_zstd(s), 0);
    char b[8];
    cr_assert_eq(slagg_source_read(s, b, 1, &err), 1);
    cr_assert_eq(b[0], 'a');
    cr_assert_eq(slagg_source_read(s, b, 8, &err), 1);
    cr_assert_eq(b[0], 'b');
    cr_assert_eq(slagg_source_read(s, b, 8, &err), 0);
    cr_assert_eq(slagg_source_raw_bytes(s), 2);
    slagg_source_close(s);
}

Test(source, concatenated_and_skippable_frames)
{
    /* skippable frame, frame "hello ", empty frame, frame "world" */
    unsigned char skip[8 + 5] = {0x5A, 0x2A, 0x4D, 0x18, 5, 0, 0, 0, 1, 2, 3, 4, 5};
    size_t n1, n2, n3;
    void *f1 = zcompress("hello ", 6, &n1);
    void *f2 = zcompress("", 0, &n2);
    void *f3 = zcompress("world", 5, &n3);
    size_t total = sizeof skip + n1 + n2 + n3;
    unsigned char *all = malloc(total);
    memcpy(all, skip, sizeof skip);
    memcpy(all + sizeof skip, f1, n1);
    memcpy(all + sizeof skip + n1, f2, n2);
    memcpy(all + sizeof skip + n1 + n2, f3, n3);
    const char *p = put("cat.zst", all, total);
    for (size_t step = 1; step <= 64; step *= 4) {
        slagg_err err = {0};
        size_t n;
        int rc;
        char *got = read_all(p, step, &n, &rc, &err);
        cr_assert_eq(rc, 0, "%s", err.msg);
        cr_assert_eq(n, 11);
        cr_assert_eq(memcmp(got, "hello world", 11), 0);
        free(got);
    }
    slagg_source *s;
    slagg_err err = {0};
    cr_assert_eq(slagg_source_open(p, &s, &err), SLAGG_OK);
    cr_assert_eq(slagg_source_is_zstd(s), 1);
    char b[64];
    while (slagg_source_read(s, b, sizeof b, &err) > 0) {
    }
    cr_assert_eq(slagg_source_raw_bytes(s), total);
    slagg_source_close(s);
    free(f1);
    free(f2);
    free(f3);
    free(all);
}

Test(source, truncated_frame)
{
    size_t n;
    void *z = zcompress("0123456789abcdef0123456789", 26, &n);
    const char *p = put("t.zst", z, n - 3);
    char path[512];
    strcpy(path, p);
    slagg_err err = {0};
    size_t got_n;
    int rc;
    char *got = read_all(path, 4096, &got_n, &rc, &err);
    cr_assert_eq(rc, -1);
    cr_assert_eq(err.code, SLAGG_E_INPUT);
    char want[600];
    snprintf(want, sizeof want, "%s: truncated zstd frame", path);
    cr_assert_str_eq(err.msg, want);
    free(got);
    free(z);
}

Test(source, corrupt_frame)
{
    size_t n;
    void *z = zcompress("0123456789abcdef0123456789", 26, &n);
    unsigned char *b = z;
    b[n - 1] ^= 0xFF;   /* breaks the content checksum / last block */
    b[5] ^= 0x55;       /* and the frame header */
    const char *p = put("c.zst", z, n);
    slagg_err err = {0};
    size_t got_n;
    int rc;
    char *got = read_all(p, 4096, &got_n, &rc, &err);
    cr_assert_eq(rc, -1);
    cr_assert_eq(err.code, SLAGG_E_INPUT);
    cr_assert(strstr(err.msg, ": corrupt zstd data: ") || strstr(err.msg, ": truncated zstd frame"),
              "%s", err.msg);
    free(got);
    free(z);
}

Test(source, garbage_after_frame)
{
    size_t n;
    void *z = zcompress("abc", 3, &n);
    unsigned char *b = malloc(n + 4);
    memcpy(b, z, n);
    memcpy(b + n, "junk", 4);
    const char *p = put("g.zst", b, n + 4);
    slagg_err err = {0};
    size_t got_n;
    int rc;
    char *got = read_all(p, 4096, &got_n, &rc, &err);
    cr_assert_eq(rc, -1);
    cr_assert_eq(err.code, SLAGG_E_INPUT);
    cr_assert(strstr(err.msg, ": corrupt zstd data: "), "%s", err.msg);
    free(got);
    free(b);
    free(z);
}

Test(source, short_files_are_plain)
{
    slagg_err err = {0};
    size_t n;
    int rc;
    char *got = read_all(put("s1", "\x28\xB5\x2F", 3), 16, &n, &rc, &err);
    cr_assert_eq(rc, 0);
    cr_assert_eq(n, 3);
    free(got);
    got = read_all(puts_file("s0", ""), 16, &n, &rc, &err);
    cr_assert_eq(rc, 0);
    cr_assert_eq(n, 0);
    free(got);
}

Test(source, stdin_dash_with_zstd)
{
    /* each Criterion test runs in its own process: fd 0 is ours to replace */
    size_t zn;
    void *z = zcompress("from stdin\n", 11, &zn);
    const char *p = put("in.zst", z, zn);
    free(z);
    FILE *f = fopen(p, "rb");
    cr_assert_not_null(f);
    cr_assert_eq(dup2(fileno(f), STDIN_FILENO), STDIN_FILENO);
    fclose(f);
    slagg_err err = {0};
    slagg_source *s;
    cr_assert_eq(slagg_source_open("-", &s, &err), SLAGG_OK);
    cr_assert_str_eq(slagg_source_name(s), "<stdin>");
    cr_assert_eq(slagg_source_is_zstd(s), 1);
    char b[64];
    cr_assert_eq(slagg_source_read(s, b, sizeof b, &err), 11);
    cr_assert_eq(memcmp(b, "from stdin\n", 11), 0);
    cr_assert_eq(slagg_source_read(s, b, sizeof b, &err), 0);
    slagg_source_close(s);
    /* standard input is not closed */
    cr_assert_neq(fcntl(STDIN_FILENO, F_GETFD), -1);
}

Test(source, alloc_failure_reported)
{
    /* each Criterion test runs in its own process */
    slagg_alloc_fail_after(0);
    slagg_err err = {0};
    slagg_source *s = (slagg_source *)1;
    cr_assert_eq(slagg_source_open(puts_file("af", "x"), &s, &err), SLAGG_E_NOMEM);
    cr_assert_null(s);
}

/* The fast path (csv_fast: a whole unquoted line in the buffer) and the
 * state machine take turns: lines of every length cross the 64 KiB buffer's
 * end, quoted lines (with a comma and a newline inside), CRLF lines, empty
 * lines and lines of more fields than the arrays first hold (40 > 16) sit
 * between plain ones. Every row must come out with its fields and line. */
Test(csv, fast_path_and_state_machine_agree)
{
    size_t cap = 8u << 20, len = 0;
    char *text = malloc(cap);
    cr_assert_not_null(text);
    uint64_t line = 1;
    for (int i = 0; i < 20000; i++) {
        int kind = i % 13 == 5 ? 1 : i % 17 == 3 ? 2 : i % 19 == 7 ? 3 : i % 23 == 11 ? 4 : 0;
        size_t pad = (size_t)(i * 7919) % 300;
        if (kind == 4) len += (size_t)snprintf(text + len, cap - len, "\n");   /* an empty line */
        len += (size_t)snprintf(text + len, cap - len, "r%d,", i);
        for (size_t k = 0; k < pad; k++) text[len++] = (char)('a' + (int)(k % 26));
        if (kind == 1) len += (size_t)snprintf(text + len, cap - len, ",\"q,%d\nz\"", i);
        if (kind == 2)
            for (int k = 0; k < 38; k++) len += (size_t)snprintf(text + len, cap - len, ",f%d", k);
        len += (size_t)snprintf(text + len, cap - len, kind == 3 ? ",\r\n" : ",\n");
    }
    slagg_csv *c = open_csv(put("fast.csv", text, len));
    char pad_s[301], q[32], id[16], fk[38][8];
    for (int i = 0; i < 20000; i++) {
        int kind = i % 13 == 5 ? 1 : i % 17 == 3 ? 2 : i % 19 == 7 ? 3 : i % 23 == 11 ? 4 : 0;
        size_t pad = (size_t)(i * 7919) % 300;
        if (kind == 4) line++;
        for (size_t k = 0; k < pad; k++) pad_s[k] = (char)('a' + (int)(k % 26));
        pad_s[pad] = '\0';
        snprintf(id, sizeof id, "r%d", i);
        const char *want[41] = {id, pad_s};
        size_t nf = 2;
        if (kind == 1) {
            snprintf(q, sizeof q, "q,%d\nz", i);
            want[nf++] = q;
        }
        if (kind == 2)
            for (int k = 0; k < 38; k++) {
                snprintf(fk[k], sizeof fk[k], "f%d", k);
                want[nf++] = fk[k];
            }
        want[nf++] = "";
        expect_row(c, line, nf, want);
        line += kind == 1 ? 2 : 1;
    }
    expect_end(c);
    slagg_csv_close(c);
    free(text);
}
