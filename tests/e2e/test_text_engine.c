/*
 * test_text_engine.c - text inputs (CSV, NDJSON, plain or zstd, stdin)
 * folded through scratch shards and the shard engine (io/text_shards.c,
 * core/engine/fold.c slagg_fold_logs) against the generic scan
 * (SLAGG_ENGINE=generic, the oracle): every output byte, the rejects file
 * and stderr identical, with rejected rows (a quoted newline among them),
 * --from (before_from), --through (after_through), uncontracted accounts,
 * mixed shard + text inputs, .zst and "-"; and the private scratch
 * directory under $TMPDIR gone after a success and after a failure.
 */
#include "harness.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>
#include <zstd.h>

static const char *const outs[] = {"finance.csv", "finance.jsonl", "summary.json", "availability.slagg"};

/* Rows appended to records-000: a February record of a contracted account
 * (before --from 2026-03-01), a record of an account with no contract, and
 * rejects: a bad status, a bad ts, a quoted account holding a newline (one
 * reject spanning two lines), a missing account. */
static const char extra_csv[] =
    "2026-02-27T10:00:00+08:00,acct-00001,200,,x1\n"
    "2026-03-05T10:00:00+08:00,nobody-has-this,503,,x2\n"
    "2026-03-05T10:00:01+08:00,acct-00002,777,,x3\n"
    "2026-13-05T10:00:01+08:00,acct-00002,200,,x4\n"
    "2026-03-05T10:00:02+08:00,\"acct\n00003\",200,,x5\n"
    "2026-03-05T10:00:03+08:00,,200,,x6\n"
    "2026-03-06T11:00:00+08:00,acct-00003,502,provider,x7\n";

static const char extra_ndjson[] =
    "{\"ts\":\"2026-02-27T10:00:00+08:00\",\"account\":\"acct-00001\",\"status\":200}\n"
    "{\"ts\":\"2026-03-05T10:00:00+08:00\",\"account\":\"nobody-has-this\",\"status\":503}\n"
    "{\"ts\":\"2026-03-05T10:00:01+08:00\",\"account\":\"acct-00002\",\"status\":777}\n"
    "{\"ts\":\"2026-13-05T10:00:01+08:00\",\"account\":\"acct-00002\",\"status\":200}\n"
    "not json at all\n"
    "{\"ts\":\"2026-03-06T11:00:00+08:00\",\"account\":\"acct-00003\",\"status\":502,\"cause\":\"provider\"}\n";

static void append(const char *d, const char *name, const char *text)
{
    char *p = h_path(d, name);
    FILE *f = fopen(p, "ab");
    cr_assert_not_null(f, "cannot open %s", p);
    fputs(text, f);
    fclose(f);
    free(p);
}

/* A fleet of 3 files (CSV or NDJSON) with the extra rows in the first. */
static void fleet(const char *d, const char *format)
{
    h_result r = h_slagg(d, NULL, "gen", "--out", "fleet", "--records", "30000", "--accounts", "30", "--files",
                         "3", "--seed", "7", "--format", format, NULL);
    h_assert_code(r, 0);
    h_result_free(&r);
    int nd = strcmp(format, "ndjson") == 0;
    append(d, nd ? "fleet/records-000.ndjson" : "fleet/records-000.csv", nd ? extra_ndjson : extra_csv);
}

/* Makes dir/name.zst from dir/name (one zstd frame). */
static void zst(const char *d, const char *name)
{
    char *p = h_path(d, name);
    size_t n;
    char *raw = h_read(p, &n);
    size_t cap = ZSTD_compressBound(n);
    void *z = malloc(cap);
    size_t zn = ZSTD_compress(z, cap, raw, n, 3);
    cr_assert(!ZSTD_isError(zn));
    char *zname = h_fmt("%s.zst", name);
    h_write_bytes(d, zname, z, zn);
    free(zname);
    free(z);
    free(raw);
    free(p);
}

/* The entries of dir (0 when it is empty or missing). */
static int entries(const char *dir)
{
    DIR *dd = opendir(dir);
    int n = 0;
    if (!dd) return 0;
    struct dirent *e;
    while ((e = readdir(dd)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) n++;
    closedir(dd);
    return n;
}

/* Folds with the given engine ("generic" or NULL) into out; extra args
 * (up to 8, NULL-terminated) then the inputs. Scratch shards go to
 * d/tmp, which must be empty afterwards. */
static h_result fold_run(const char *d, const char *engine, const char *stdin_data, const char *out,
                         const char *const *args)
{
    char *tmp = h_path(d, "tmp");
    mkdir(tmp, 0755);
    setenv("TMPDIR", tmp, 1);
    if (engine) setenv("SLAGG_ENGINE", engine, 1);
    const char *argv[40];
    size_t k = 0;
    const char *fixed[] = {"fold", "--quiet", "--out", out, "--contracts", "fleet/contracts.csv", "--fees",
                           "fleet/fees.csv", "--maintenance", "fleet/maintenance.csv", "--holidays",
                           "fleet/holidays.csv", "--max-rejects", "100"};
    for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++) argv[k++] = fixed[i];
    for (size_t i = 0; args[i]; i++) argv[k++] = args[i];
    argv[k] = NULL;
    h_result r = h_run(d, stdin_data, stdin_data ? strlen(stdin_data) : 0, argv);
    unsetenv("SLAGG_ENGINE");
    unsetenv("TMPDIR");
    cr_assert_eq(entries(tmp), 0, "scratch left in %s after '%s' (exit %d)", tmp, out, r.code);
    free(tmp);
    return r;
}

/* The generic fold and the shard-engine fold of the same inputs agree on
 * every output, the rejects file, stdout and stderr. */
static void agree(const char *d, const char *tag, const char *stdin_data, const char *const *args)
{
    char *og = h_fmt("%s-generic", tag), *os = h_fmt("%s-shard", tag);
    /* a rejects file named rj-TAG.csv among args is compared too */
    char *rj = h_fmt("%s/rj-%s.csv", d, tag), *rjg = h_fmt("%s/rj-%s.generic.csv", d, tag);
    h_result a = fold_run(d, "generic", stdin_data, og, args);
    h_assert_code(a, 0);
    int has_rj = !h_missing(d, rj + strlen(d) + 1);
    if (has_rj) cr_assert_eq(rename(rj, rjg), 0);
    h_result b = fold_run(d, NULL, stdin_data, os, args);
    h_assert_code(b, 0);
    if (has_rj) {
        cr_assert(h_same_file(rj, rjg), "%s: rejects files differ", tag);
        char *t = h_read(rj, NULL);
        cr_assert(strlen(t) > strlen("file,line,reason\n"), "%s: no rejected row: %s", tag, t);
        free(t);
    }
    free(rj);
    free(rjg);
    cr_assert_str_eq(a.out, b.out, "%s: stdout differs", tag);
    cr_assert_str_eq(a.err, b.err, "%s: stderr differs", tag);
    for (size_t i = 0; i < 4; i++) {
        char *pa = h_fmt("%s/%s/%s", d, og, outs[i]), *pb = h_fmt("%s/%s/%s", d, os, outs[i]);
        cr_assert(h_same_file(pa, pb), "%s: %s differs", tag, outs[i]);
        free(pa);
        free(pb);
    }
    h_result_free(&a);
    h_result_free(&b);
    free(og);
    free(os);
}

/* The summary of a run, checked for what the fleet was built to hold. */
static void check_counts(const char *d, const char *out, long rejected)
{
    char *sum = h_read_in(d, out, NULL);
    cr_assert_eq(h_json_int(sum, "rejected"), rejected, "%s", sum);
    cr_assert(h_json_int(sum, "uncontracted") > 0, "%s", sum);
    free(sum);
}

static void text_agrees(const char *format)
{
    char *d = h_tmpdir();
    fleet(d, format);
    int nd = strcmp(format, "ndjson") == 0;
    const char *f0 = nd ? "fleet/records-000.ndjson" : "fleet/records-000.csv";
    const char *f1 = nd ? "fleet/records-001.ndjson" : "fleet/records-001.csv";
    const char *f2 = nd ? "fleet/records-002.ndjson" : "fleet/records-002.csv";
    long rej = nd ? 3 : 4;
    {
        const char *a[] = {"--threads", "2", "--rejects", "rj-g.csv", f0, f1, f2, NULL};
        const char *b[] = {"--threads", "2", "--rejects", "rj-s.csv", f0, f1, f2, NULL};
        h_result g = fold_run(d, "generic", NULL, "plain-generic", a);
        h_result s = fold_run(d, NULL, NULL, "plain-shard", b);
        h_assert_code(g, 0);
        h_assert_code(s, 0);
        cr_assert_str_eq(g.err, s.err);
        h_result_free(&g);
        h_result_free(&s);
        char *pa = h_path(d, "rj-g.csv"), *pb = h_path(d, "rj-s.csv");
        cr_assert(h_same_file(pa, pb), "rejects files differ");
        char *rj = h_read(pb, NULL);
        cr_assert(h_contains(rj, f0), "%s", rj);
        free(rj);
        free(pa);
        free(pb);
        for (size_t i = 0; i < 4; i++) {
            char *x = h_fmt("%s/plain-generic/%s", d, outs[i]), *y = h_fmt("%s/plain-shard/%s", d, outs[i]);
            cr_assert(h_same_file(x, y), "%s differs", outs[i]);
            free(x);
            free(y);
        }
        check_counts(d, "plain-shard/summary.json", rej);
    }
    /* the rejects in input order whatever the order of the files */
    {
        const char *a[] = {"--threads", "3", f2, f0, f1, NULL};
        agree(d, "order", NULL, a);
    }
    /* one thread; --from: the February record is before_from */
    {
        const char *a[] = {"--threads", "1", "--from", "2026-03-01", f0, f1, f2, NULL};
        agree(d, "from", NULL, a);
        char *sum = h_read_in(d, "from-shard/summary.json", NULL);
        cr_assert_eq(h_json_int(sum, "before_from"), 1, "%s", sum);
        free(sum);
    }
    /* --through: after_through records */
    {
        const char *a[] = {"--threads", "2", "--through", "2026-03-10", f0, f1, f2, NULL};
        agree(d, "through", NULL, a);
        char *sum = h_read_in(d, "through-shard/summary.json", NULL);
        cr_assert(h_json_int(sum, "after_through") > 0, "%s", sum);
        free(sum);
    }
    /* zstd, stdin, and a shard beside text */
    zst(d, f1);
    {
        h_result r = h_slagg(d, NULL, "pack", "--quiet", "--out", "sh", f2, NULL);
        h_assert_code(r, 0);
        h_result_free(&r);
        char *z = h_fmt("%s.zst", f1);
        char *text0 = h_read_in(d, f0, NULL);
        const char *a[] = {"--threads", "2", "--rejects", "rj-mixed.csv", "sh/records-002.shard", "-", z, NULL};
        agree(d, "mixed", text0, a);
        check_counts(d, "mixed-shard/summary.json", rej);
        /* and the same counts as the plain text fold */
        char *x = h_read_in(d, "plain-shard/summary.json", NULL), *y = h_read_in(d, "mixed-shard/summary.json", NULL);
        cr_assert_eq(h_json_int(x, "records_read"), h_json_int(y, "records_read"));
        free(x);
        free(y);
        free(text0);
        free(z);
    }
    h_rmtree(d);
}

Test(text_engine, csv_equals_generic) { text_agrees("csv"); }
Test(text_engine, ndjson_equals_generic) { text_agrees("ndjson"); }

/* Too many rejects: the fold fails as the generic one does (same exit,
 * same message) and the scratch directory is gone (fold_run checks). */
Test(text_engine, failing_fold_leaves_no_scratch)
{
    char *d = h_tmpdir();
    fleet(d, "csv");
    const char *a[] = {"--max-rejects", "1", "fleet/records-000.csv", "fleet/records-001.csv", NULL};
    h_result g = fold_run(d, "generic", NULL, "fail-generic", a);
    h_result s = fold_run(d, NULL, NULL, "fail-shard", a);
    h_assert_code(g, 2);
    h_assert_code(s, 2);
    cr_assert_str_eq(g.err, s.err);
    cr_assert(h_contains(s.err, "more than --max-rejects 1"), "%s", s.err);
    h_assert_no_outputs(d, "fail-shard");
    h_result_free(&g);
    h_result_free(&s);
    h_rmtree(d);
}

/* No scratch directory can be made: files are folded by the generic scan
 * all the same (same outputs); with stdin among the inputs (read once,
 * into the failing scratch side) the fold fails, naming TMPDIR. The
 * failure with stdin also shows that text really goes through scratch
 * shards: the generic scan needs no directory. */
Test(text_engine, no_scratch_dir)
{
    char *d = h_tmpdir();
    fleet(d, "csv");
    h_result g = h_slagg(d, NULL, "fold", "--quiet", "--out", "g", "--contracts", "fleet/contracts.csv",
                         "--max-rejects", "100", "fleet/records-000.csv", NULL);
    h_assert_code(g, 0);
    setenv("TMPDIR", "/nonexistent/slagg-test", 1);
    h_result s = h_slagg(d, NULL, "fold", "--quiet", "--out", "s", "--contracts", "fleet/contracts.csv",
                         "--max-rejects", "100", "fleet/records-000.csv", NULL);
    char *text = h_read_in(d, "fleet/records-001.csv", NULL);
    h_result in = h_slagg(d, text, "fold", "--quiet", "--out", "i", "--contracts", "fleet/contracts.csv",
                          "--max-rejects", "100", "-", NULL);
    unsetenv("TMPDIR");
    h_assert_code(s, 0);
    cr_assert_str_eq(g.err, s.err);
    for (size_t i = 0; i < 4; i++) {
        char *x = h_fmt("%s/g/%s", d, outs[i]), *y = h_fmt("%s/s/%s", d, outs[i]);
        cr_assert(h_same_file(x, y), "%s differs", outs[i]);
        free(x);
        free(y);
    }
    h_assert_code(in, 3);
    cr_assert(h_contains(in.err, "/nonexistent/slagg-test") && h_contains(in.err, "TMPDIR"), "%s", in.err);
    h_assert_no_outputs(d, "i");
    h_result_free(&g);
    h_result_free(&s);
    h_result_free(&in);
    free(text);
    h_rmtree(d);
}

/* Every row rejected: the scratch shard holds no block, the shard engine
 * declines, and the generic scan folds the scratch shard; the rows the
 * pack rejected still count (records_read 2, rejected 2) exactly as the
 * generic scan of the text counts them. */
Test(text_engine, all_rejected_falls_back_with_the_rejects)
{
    char *d = h_tmpdir();
    fleet(d, "csv");
    h_write(d, "bad.csv", "ts,account,status\n2026-03-01T00:00:00+08:00,acct-00001,999\nnot-a-ts,acct-00002,200\n");
    const char *a[] = {"--rejects", "rj-bad.csv", "bad.csv", NULL};
    agree(d, "bad", NULL, a);
    char *sum = h_read_in(d, "bad-shard/summary.json", NULL);
    cr_assert_eq(h_json_int(sum, "records_read"), 2, "%s", sum);
    cr_assert_eq(h_json_int(sum, "rejected"), 2, "%s", sum);
    free(sum);
    h_rmtree(d);
}

/* A fold killed with SIGKILL leaves its scratch directory; the next fold
 * that makes one removes those of processes that are gone (the owner file:
 * pid and start time), and ownerless ones a day old, and leaves the
 * others alone: a live owner, a young directory without an owner file. */
Test(text_engine, stale_scratch_of_dead_folds_is_swept)
{
    char *d = h_tmpdir();
    fleet(d, "csv");
    char *tmp = h_path(d, "tmp2");
    cr_assert_eq(mkdir(tmp, 0700), 0);
    pid_t dead = fork();
    if (dead == 0) _exit(0);
    cr_assert(dead > 0);
    cr_assert_eq(waitpid(dead, NULL, 0), dead);
    static const char *const names[] = {"slagg-fold-AAAAAA", "slagg-fold-BBBBBB", "slagg-fold-CCCCCC",
                                        "slagg-fold-DDDDDD", "slagg-fold-EEEEEE", "slagg-fold-FFFFFF"};
    /* D: our pid, an owner file older than us: a reused pid. F: our pid
     * with a start time that is not ours, written now: a live fold whose
     * view of its own start differs (qemu-user fakes /proc/self/stat),
     * which a sweep once removed under a running fold */
    char *owners[6] = {h_fmt("%ld 0\n", (long)dead), h_fmt("%ld 0\n", (long)getpid()), NULL,
                       h_fmt("%ld 1\n", (long)getpid()), NULL, h_fmt("%ld 1\n", (long)getpid())};
    for (size_t i = 0; i < 6; i++) {
        char *p = h_fmt("%s/%s", tmp, names[i]);
        cr_assert_eq(mkdir(p, 0700), 0);
        h_write(p, "0.shard", "left by a killed fold");
        if (owners[i]) h_write(p, "owner", owners[i]);
        if (i == 3) {   /* D: its owner file written two days ago, before this process started */
            char *o = h_fmt("%s/owner", p);
            struct timespec old[2] = {{time(NULL) - 2 * 86400, 0}, {time(NULL) - 2 * 86400, 0}};
            cr_assert_eq(utimensat(AT_FDCWD, o, old, 0), 0);
            free(o);
        }
        if (i == 4) {   /* E: ownerless, two days old */
            struct timespec old[2] = {{time(NULL) - 2 * 86400, 0}, {time(NULL) - 2 * 86400, 0}};
            cr_assert_eq(utimensat(AT_FDCWD, p, old, 0), 0);
        }
        free(p);
        free(owners[i]);
    }
    setenv("TMPDIR", tmp, 1);
    h_result r = h_slagg(d, NULL, "fold", "--quiet", "--out", "o", "--contracts", "fleet/contracts.csv",
                         "--max-rejects", "100", "fleet/records-001.csv", NULL);
    unsetenv("TMPDIR");
    h_assert_code(r, 0);
    h_result_free(&r);
    cr_assert(h_missing(tmp, names[0]), "a dead fold's scratch was kept");
    cr_assert(!h_missing(tmp, names[1]), "a live fold's scratch was removed");
    cr_assert(!h_missing(tmp, names[2]), "a young scratch without owner was removed");
    cr_assert(h_missing(tmp, names[4]), "a two-day-old scratch without owner was kept");
    cr_assert(!h_missing(tmp, names[5]), "a live fold's scratch was removed (its own start time differed)");
    struct stat sb;
    if (stat("/proc/self/stat", &sb) == 0) cr_assert(h_missing(tmp, names[3]), "a reused pid's scratch was kept");
    cr_assert_eq(entries(tmp), 3 + !h_missing(tmp, names[3]), "the fold left its own scratch");
    free(tmp);
    h_rmtree(d);
}

/* ---- one big log read in pieces by several threads (io/pack.c) ----------- */

/* A CSV log where a piece's guessed start (the byte after an LF) often
 * lies inside a quoted field, and where the lines inside those fields
 * read as records of their own: a 503 of acct-00001 that is not one. A
 * BOM, CRLF ends, empty lines, rejects (one spanning two lines) among
 * them. tail, when set, ends the log (e.g. a row whose stray quote makes
 * the rest of the file one reject). */
static char *tricky_csv(size_t rows, const char *tail)
{
    size_t cap = rows * 200 + 256 + (tail ? strlen(tail) : 0), n = 0;
    char *s = malloc(cap);
    cr_assert_not_null(s);
    n += (size_t)snprintf(s + n, cap - n, "\xEF\xBB\xBFts,account,status,cause,request_id\r\n");
    for (size_t i = 0; i < rows; i++) {
        unsigned day = 1 + (unsigned)(i * 31 / rows), hh = (unsigned)(i % 24), mm = (unsigned)(i * 7 % 60);
        const char *acct = i % 163 == 0 ? "\"acct\n00003\"" : "acct-00002";
        unsigned status = i % 151 == 0 ? 777 : i % 5 == 0 ? 503 : 200;
        const char *cause = i % 5 == 0 && i % 10 == 0 ? "provider" : "";
        n += (size_t)snprintf(s + n, cap - n, "2026-03-%02uT%02u:%02u:00+08:00,%s,%u,%s,", day, hh, mm, acct,
                              status, cause);
        if (i % 3 == 0)
            n += (size_t)snprintf(s + n, cap - n,
                                  "\"r%zu\n2026-03-%02uT%02u:%02u:30+08:00,acct-00001,503,provider,fake\n\"", i, day,
                                  hh, mm);
        else
            n += (size_t)snprintf(s + n, cap - n, "r%zu", i);
        n += (size_t)snprintf(s + n, cap - n, "%s", i % 11 == 0 ? "\r\n" : "\n");
        if (i % 13 == 0) n += (size_t)snprintf(s + n, cap - n, i % 2 ? "\n" : "\r\n");
    }
    if (tail) n += (size_t)snprintf(s + n, cap - n, "%s", tail);
    return s;
}

/* The fold of name, its log read whole by the generic scan and in k
 * pieces (k = 2 ... 16 with 4 threads) by the shard engine: the same
 * outputs, rejects file, stdout and stderr every time. */
static void pieces_agree_text(const char *d, const char *name, long long text_bytes)
{
    static const unsigned ks[] = {2, 3, 5, 7, 11, 16};
    for (size_t q = 0; q < sizeof ks / sizeof *ks; q++) {
        char *split = h_fmt("%lld", text_bytes / ks[q]);
        char *tag = h_fmt("%s-%u", name, ks[q]), *rj = h_fmt("rj-%s.csv", tag);
        setenv("SLAGG_SPLIT_BYTES", split, 1);
        const char *a[] = {"--threads", "4", "--rejects", rj, name, NULL};
        agree(d, tag, NULL, a);
        unsetenv("SLAGG_SPLIT_BYTES");
        free(split);
        free(tag);
        free(rj);
    }
}

static void pieces_agree(const char *d, const char *name)
{
    char *p = h_path(d, name);
    struct stat sb;
    cr_assert_eq(stat(p, &sb), 0);
    free(p);
    pieces_agree_text(d, name, (long long)sb.st_size);
}

/* dir/name.zst of dir/name as many zstd frames (each with its content
 * size, as ZSTD_compress writes them), cut every few hundred to few
 * thousand bytes, so frames start mid-line, inside quoted fields and at
 * line starts, with a skippable frame and an empty frame among them.
 * Returns the text size. */
static long long zst_frames(const char *d, const char *name)
{
    char *p = h_path(d, name);
    size_t n;
    char *raw = h_read(p, &n);
    static const size_t cuts[] = {1000, 333, 4096, 77, 2500, 1, 1777, 640};
    size_t cap = ZSTD_compressBound(n) + n / 64 * 64 + 4096, zn = 0;
    unsigned char *z = malloc(cap);
    cr_assert_not_null(z);
    for (size_t at = 0, k = 0; at < n; k++) {
        size_t len = cuts[k % 8] < n - at ? cuts[k % 8] : n - at;
        size_t c = ZSTD_compress(z + zn, cap - zn, raw + at, len, 1);
        cr_assert(!ZSTD_isError(c));
        zn += c;
        at += len;
        if (k == 3) {   /* a skippable frame: magic 0x184D2A50, size 4, payload */
            static const unsigned char skip[] = {0x50, 0x2A, 0x4D, 0x18, 4, 0, 0, 0, 'n', 'o', 'p', 'e'};
            memcpy(z + zn, skip, sizeof skip);
            zn += sizeof skip;
        }
        if (k == 5) {   /* an empty frame */
            c = ZSTD_compress(z + zn, cap - zn, "", 0, 1);
            cr_assert(!ZSTD_isError(c));
            zn += c;
        }
    }
    char *zname = h_fmt("%s.zst", name);
    h_write_bytes(d, zname, z, zn);
    free(zname);
    free(z);
    free(raw);
    free(p);
    return (long long)n;
}

Test(text_engine, csv_in_pieces_equals_one_reader)
{
    char *d = h_tmpdir();
    fleet(d, "csv");
    char *s = tricky_csv(6000, NULL);
    h_write(d, "big.csv", s);
    free(s);
    pieces_agree(d, "big.csv");
    /* the fake records inside the quoted fields never counted */
    char *sum = h_read_in(d, "big.csv-16-shard/summary.json", NULL);
    cr_assert_eq(h_json_int(sum, "records_read"), 6000, "%s", sum);
    free(sum);
    h_rmtree(d);
}

/* A stray quote in the middle: no certain record boundary after it, so
 * the rest of the file is one reject (SPEC 6), whichever pieces were
 * read past it, and the records of those pieces do not count. */
Test(text_engine, csv_in_pieces_rest_skipped_after_a_stray_quote)
{
    char *d = h_tmpdir();
    fleet(d, "csv");
    char *a = tricky_csv(3000, "2026-03-20T10:00:00+08:00,acct-0\"0001,200,,bad\n");
    char *b = tricky_csv(3000, NULL);
    char *s = h_fmt("%s%s", a, strchr(b, '\n') + 1);   /* b without its header */
    h_write(d, "stray.csv", s);
    free(a);
    free(b);
    free(s);
    pieces_agree(d, "stray.csv");
    char *sum = h_read_in(d, "stray.csv-5-shard/summary.json", NULL);
    cr_assert_eq(h_json_int(sum, "records_read"), 3001, "%s", sum);
    free(sum);
    h_rmtree(d);
}

Test(text_engine, ndjson_in_pieces_equals_one_reader)
{
    char *d = h_tmpdir();
    fleet(d, "ndjson");
    char *raw = h_read_in(d, "fleet/records-001.ndjson", NULL);
    char *s = h_fmt("\n\n%s%s\r\n\n%s", raw, extra_ndjson, raw);
    h_write(d, "big.ndjson", s);
    free(raw);
    free(s);
    pieces_agree(d, "big.ndjson");
    h_rmtree(d);
}

/* A .zst of many frames is read in pieces too, each from a frame's start:
 * the same records, rejects and lines as one reader. */
Test(text_engine, zstd_frames_in_pieces_equal_one_reader)
{
    char *d = h_tmpdir();
    fleet(d, "csv");
    char *s = tricky_csv(6000, NULL);
    h_write(d, "big.csv", s);
    free(s);
    long long n = zst_frames(d, "big.csv");
    pieces_agree_text(d, "big.csv.zst", n);
    char *sum = h_read_in(d, "big.csv.zst-16-shard/summary.json", NULL);
    cr_assert_eq(h_json_int(sum, "records_read"), 6000, "%s", sum);
    free(sum);
    h_rmtree(d);
}
