/*
 * test_generation.c - SPEC 4 "One generation", SPEC 5 (two runs on one
 * DIR never interleave, --no-wait) and SPEC 6 (--rejects refuses inputs,
 * tables and outputs), on the real binary (docs/RELIABILITY.md section 2
 * names each promise and its test here):
 *
 *   - a kill at every step of the commit protocol (the SLAGG_TEST_KILL_AT
 *     test hook), for fold, for the migration of a DIR of plain files of
 *     an older slagg, for merge and for export: each time DIR/current
 *     names one whole generation matching its manifest, DIR/NAME shows
 *     its files, all of the previous run or all of the new one; the next
 *     run removes what the killed one left;
 *   - a failed write or rename (chattr +i, where the file system has it)
 *     leaves the previous generation current and unchanged;
 *   - manifest.json: exact provenance (run_id recomputed from the text
 *     docs/RELIABILITY.md defines), sizes and SHA-256 checked against
 *     coreutils sha256sum;
 *   - the lock: --no-wait fails at once naming the holder (fold, merge,
 *     export), a second run waits, two concurrent folds give one whole
 *     generation;
 *   - export commits a generation whose availability.slagg holds the
 *     tables it used;
 *   - --rejects on an input, a table, DIR or a path inside it: exit 1,
 *     nothing touched (fold, merge, pack).
 */
#include "harness.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "io/partial.h"

static const char *const names5[5] = {"finance.csv", "finance.jsonl", "summary.json",
                                      "availability.slagg", "manifest.json"};

#define CONTRACTS "account,start,end\na,2026-04-01,2026-04-30\n"
#define REC_HEAD "ts,account,status\n"

/* Runs `sh -c cmd` in d; asserts exit 0. */
static void sh(const char *d, const char *cmd)
{
    h_result r = h_exec(d, (const char *const[]){"/bin/sh", "-c", cmd, NULL});
    cr_assert_eq(r.code, 0, "sh -c '%s': exit %d: %s", cmd, r.code, r.err);
    h_result_free(&r);
}

/* Runs slagg with args (NULL-terminated) with SLAGG_TEST_KILL_AT=n (0: unset). */
static h_result run_kill_at(const char *d, const char *const *args, int n)
{
    if (n > 0) {
        char v[16];
        snprintf(v, sizeof v, "%d", n);
        setenv("SLAGG_TEST_KILL_AT", v, 1);
    }
    h_result r = h_run(d, NULL, 0, args);
    unsetenv("SLAGG_TEST_KILL_AT");
    return r;
}

static void run_ok(const char *d, const char *const *args)
{
    h_result r = h_run(d, NULL, 0, args);
    h_assert_code(r, 0);
    h_result_free(&r);
}

/* The small fleet: contracts, three record logs (r0, r1, r2 give three
 * different exports), two fee files. */
static char *small_fleet(void)
{
    char *d = h_tmpdir();
    h_write(d, "c.csv", CONTRACTS);
    h_write(d, "r0.csv", REC_HEAD "2026-04-10T10:00:00+08:00,a,200\n");
    h_write(d, "r1.csv", REC_HEAD "2026-04-10T10:00:00+08:00,a,500\n");
    h_write(d, "r2.csv", REC_HEAD "2026-04-10T10:00:00+08:00,a,500\n2026-04-11T11:00:00+08:00,a,503\n");
    h_write(d, "f1.csv", "account,period_start,fee,voucher_paid\na,2026-04-01,100.00,0.00\n");
    h_write(d, "f2.csv", "account,period_start,fee,voucher_paid\na,2026-04-01,200.00,0.00\n");
    return d;
}

#define FOLD(out, rec) "fold", "--quiet", "--out", (out), "--contracts", "c.csv", "--through", "2026-04-30", (rec)

/* 0 when the four outputs and the manifest in d/out equal d/a's, 1 when
 * they equal d/b's; fails on a mix, a partial file, or anything else.
 * migrated_ok: with a's outputs, manifest.json may be a migrated one. */
static int which_run(const char *d, const char *out, const char *a, const char *b, int migrated_ok,
                     const char *what)
{
    int na = 0, nb = 0;
    for (size_t i = 0; i < 4; i++) {
        char *p = h_fmt("%s/%s/%s", d, out, names5[i]);
        char *pa = h_fmt("%s/%s/%s", d, a, names5[i]);
        char *pb = h_fmt("%s/%s/%s", d, b, names5[i]);
        int is_a = h_same_file(p, pa), is_b = h_same_file(p, pb);
        cr_assert(is_a || is_b, "%s: %s is neither %s's nor %s's", what, p, a, b);
        na += is_a && !is_b;
        nb += is_b && !is_a;
        free(p);
        free(pa);
        free(pb);
    }
    cr_assert(!(na && nb), "%s: a mix of two runs (%d files of %s, %d of %s)", what, na, a, nb, b);
    int which = nb > 0;
    char *m = h_fmt("%s/%s/manifest.json", d, out);
    char *ref = h_fmt("%s/%s/manifest.json", d, which ? b : a);
    struct stat sb;
    if (stat(m, &sb) == 0 && !h_same_file(m, ref)) {
        char *text = h_read(m, NULL);
        cr_assert(!which && migrated_ok && h_contains(text, "\"migrated\": true"),
                  "%s: manifest.json is not %s's:\n%s", what, which ? b : a, text);
        free(text);
    } else if (stat(m, &sb) != 0) {
        cr_assert(!which && migrated_ok, "%s: no manifest.json", what);
    }
    free(m);
    free(ref);
    return which;
}

/* For N = 1, 2, ...: rebuild out/ with setup (a shell command in d), run
 * args killed at step N, check out/ (one whole generation: the previous
 * run's, ref_old, or the new one's, ref_new), then run args again to the
 * end and check it removed what the killed run left. Stops at the first N
 * the run survives (every step was killed once). Returns the number of
 * steps; counts the outcomes in *n_old and *n_new. */
static int kill_every_step(const char *d, const char *setup, const char *const *args,
                           const char *ref_old, const char *ref_new, int migration, int *n_old,
                           int *n_new)
{
    *n_old = *n_new = 0;
    for (int n = 1; n < 500; n++) {
        sh(d, setup);
        h_result r = run_kill_at(d, args, n);
        if (r.code == 0) {
            h_result_free(&r);
            cr_assert_eq(which_run(d, "out", ref_old, ref_new, 0, "unkilled run"), 1);
            free(h_assert_generation(d, "out"));
            return n - 1;
        }
        cr_assert_eq(r.code, 128 + SIGKILL, "step %d: exit %d, stderr:\n%s", n, r.code, r.err);
        h_result_free(&r);
        char *what = h_fmt("killed at step %d", n);
        int temps = 0;
        h_generation_layout(d, "out", &temps);
        if (h_missing(d, "out/current")) {
            /* killed before the migration's switch: the plain files of the
             * older slagg are still there, untouched */
            cr_assert(migration, "%s: no out/current", what);
            for (size_t i = 0; i < 4; i++) {
                char *p = h_fmt("%s/out/%s", d, names5[i]);
                char *q = h_fmt("%s/%s/%s", d, ref_old, names5[i]);
                struct stat sb;
                cr_assert(lstat(p, &sb) == 0 && S_ISREG(sb.st_mode) && h_same_file(p, q),
                          "%s: out/%s is not the previous plain file", what, names5[i]);
                free(p);
                free(q);
            }
            (*n_old)++;
        } else {
            free(h_assert_generation(d, "out"));
            if (which_run(d, "out", ref_old, ref_new, migration, what)) (*n_new)++;
            else (*n_old)++;
        }
        /* the next run commits and removes every leftover but the
         * generation it replaced */
        run_ok(d, args);
        cr_assert_eq(which_run(d, "out", ref_old, ref_new, 0, what), 1);
        free(h_assert_generation(d, "out"));
        int gens = h_generation_layout(d, "out", &temps);
        cr_assert_eq(temps, 0, "%s: the next run left %d temporaries", what, temps);
        cr_assert_leq(gens, 2, "%s: the next run left %d generation folders", what, gens);
        cr_assert(h_missing(d, "out/.gen-stale-AAAAAA"), "%s: a stale folder survived", what);
        free(what);
    }
    cr_assert_fail("the run was killed at every step up to 500");
    return 0;
}

/* The previous state for the steady case: out/ after folds of r0 then r1
 * (current = r1's generation, r0's kept as the replaced one), plus what a
 * killed run leaves: a stale folder, a temporary file, a temporary link. */
static void make_base(const char *d)
{
    run_ok(d, (const char *const[]){FOLD("base", "r0.csv"), NULL});
    run_ok(d, (const char *const[]){FOLD("base", "r1.csv"), NULL});
    sh(d, "mkdir base/.gen-stale-AAAAAA && echo half > base/.gen-stale-AAAAAA/finance.csv && "
          "echo half > base/.finance.csv.tmp-AbC123 && ln -s .gen-nothing base/.current.tmp-00abcd");
    run_ok(d, (const char *const[]){FOLD("ref1", "r1.csv"), NULL});
    run_ok(d, (const char *const[]){FOLD("ref2", "r2.csv"), NULL});
}

Test(generation, kill_at_every_step)
{
    char *d = small_fleet();
    make_base(d);
    int n_old, n_new;
    int steps = kill_every_step(d, "rm -rf out && cp -a base out",
                                (const char *const[]){FOLD("out", "r2.csv"), NULL}, "ref1", "ref2", 0,
                                &n_old, &n_new);
    /* lock-time cleanup (r0's folder, the stale folder, two temporaries),
     * the folder, 5 files x 2, its fsync, the links, the switch, the sync */
    cr_assert_geq(steps, 20, "only %d steps", steps);
    cr_assert_gt(n_old, 0);
    cr_assert_gt(n_new, 0);
    cr_log_info("fold: %d steps, %d kills left the previous generation, %d the new one", steps,
                n_old, n_new);
    h_rmtree(d);
}

/* A DIR of plain files written by an older slagg (and one of its
 * temporaries): at every step of the migration and commit, each name
 * shows the old bytes until the new generation is current. */
Test(generation, kill_at_every_step_of_migration)
{
    char *d = small_fleet();
    make_base(d);
    int n_old, n_new;
    int steps = kill_every_step(d,
                                "rm -rf out && mkdir out && cp ref1/finance.csv ref1/finance.jsonl "
                                "ref1/summary.json ref1/availability.slagg out/ && echo half > "
                                "out/.finance.csv.tmp-AbC123",
                                (const char *const[]){FOLD("out", "r2.csv"), NULL}, "ref1", "ref2", 1,
                                &n_old, &n_new);
    cr_assert_geq(steps, 30, "only %d steps", steps);
    cr_assert_gt(n_old, 0);
    cr_assert_gt(n_new, 0);
    /* once migrated, the old export is a generation with its own manifest */
    sh(d, "rm -rf out && mkdir out && cp ref1/finance.csv ref1/finance.jsonl ref1/summary.json "
          "ref1/availability.slagg out/");
    h_result r = run_kill_at(d, (const char *const[]){FOLD("out", "r2.csv"), NULL}, steps - 5);
    cr_assert_eq(r.code, 128 + SIGKILL);
    h_result_free(&r);
    char *g = h_assert_generation(d, "out");
    cr_assert(strncmp(g, ".gen-migrated-", 14) == 0, "current is %s", g);
    char *m = h_read_in(d, "out/manifest.json", NULL);
    cr_assert(h_contains(m, "\"migrated\": true") && h_contains(m, "\"run_id\": null"), "%s", m);
    cr_assert_eq(which_run(d, "out", "ref1", "ref2", 1, "migrated"), 0);
    free(m);
    free(g);
    h_rmtree(d);
}

Test(generation, kill_at_every_step_of_merge_and_export)
{
    char *d = small_fleet();
    /* merge: a generation of pa's merge replaced by pb's */
    run_ok(d, (const char *const[]){"fold", "--quiet", "--partial", "pa.part", "--contracts", "c.csv",
                                    "--through", "2026-04-30", "r1.csv", NULL});
    run_ok(d, (const char *const[]){"fold", "--quiet", "--partial", "pb.part", "--contracts", "c.csv",
                                    "--through", "2026-04-30", "r2.csv", NULL});
    run_ok(d, (const char *const[]){"merge", "--quiet", "--out", "basem", "pa.part", NULL});
    run_ok(d, (const char *const[]){"merge", "--quiet", "--out", "refm1", "pa.part", NULL});
    run_ok(d, (const char *const[]){"merge", "--quiet", "--out", "refm2", "pb.part", NULL});
    sh(d, "mkdir basem/.gen-stale-AAAAAA");
    int n_old, n_new;
    int steps = kill_every_step(d, "rm -rf out && cp -a basem out",
                                (const char *const[]){"merge", "--quiet", "--out", "out", "pb.part", NULL},
                                "refm1", "refm2", 0, &n_old, &n_new);
    cr_assert_geq(steps, 16, "merge: only %d steps", steps);
    cr_assert(n_old > 0 && n_new > 0);

    /* export: a fold's generation (fees f1) replaced by an export (f2) */
    run_ok(d, (const char *const[]){"fold", "--quiet", "--out", "basee", "--contracts", "c.csv", "--fees",
                                    "f1.csv", "--through", "2026-04-30", "r2.csv", NULL});
    sh(d, "cp -a basee refe1 && cp -a basee sum");
    run_ok(d, (const char *const[]){"export", "--out", "refe2", "--fees", "f2.csv",
                                    "sum/availability.slagg", NULL});
    sh(d, "mkdir basee/.gen-stale-AAAAAA");
    steps = kill_every_step(d, "rm -rf out && cp -a basee out",
                            (const char *const[]){"export", "--out", "out", "--fees", "f2.csv",
                                                  "sum/availability.slagg", NULL},
                            "refe1", "refe2", 0, &n_old, &n_new);
    cr_assert_geq(steps, 16, "export: only %d steps", steps);
    cr_assert(n_old > 0 && n_new > 0);
    h_rmtree(d);
}

/* The reproduction: an output that cannot be replaced (chattr +i)
 * in a DIR of an older slagg's plain files made the second fold exit 3
 * with finance.csv and finance.jsonl new and the rest old. Now: exit 3,
 * every name still shows the previous run's bytes. And a DIR in which
 * nothing can be created: exit 3 naming it, the generation unchanged. */
Test(generation, failed_write_or_rename_keeps_previous_generation)
{
    char *d = small_fleet();
    run_ok(d, (const char *const[]){FOLD("ref1", "r1.csv"), NULL});
    sh(d, "mkdir out && cp ref1/finance.csv ref1/finance.jsonl ref1/summary.json "
          "ref1/availability.slagg out/");
    h_result c = h_exec(d, (const char *const[]){"/bin/sh", "-c", "chattr +i out/summary.json", NULL});
    if (c.code != 0) {
        h_result_free(&c);
        h_rmtree(d);
        cr_skip_test("chattr +i is not available here (not root, or the file system lacks it)");
    }
    h_result_free(&c);
    h_result r = h_run(d, NULL, 0, (const char *const[]){FOLD("out", "r2.csv"), NULL});
    int code = r.code;
    char *err = h_fmt("%s", r.err);
    h_result_free(&r);
    int same[4];
    for (size_t i = 0; i < 4; i++) {
        char *p = h_fmt("%s/out/%s", d, names5[i]), *q = h_fmt("%s/ref1/%s", d, names5[i]);
        same[i] = h_same_file(p, q);
        free(p);
        free(q);
    }
    sh(d, "chattr -i out/summary.json");
    cr_assert_eq(code, 3, "exit %d: %s", code, err);
    cr_assert(h_contains(err, "out/summary.json") && h_contains(err, "Operation not permitted"), "%s", err);
    for (size_t i = 0; i < 4; i++)
        cr_assert(same[i], "out/%s is not the previous run's after the failed run", names5[i]);
    free(h_assert_generation(d, "out"));
    free(err);
    /* the next run, the file replaceable again, commits r2's outputs */
    run_ok(d, (const char *const[]){FOLD("ref2", "r2.csv"), NULL});
    run_ok(d, (const char *const[]){FOLD("out", "r2.csv"), NULL});
    cr_assert_eq(which_run(d, "out", "ref1", "ref2", 0, "after chattr -i"), 1);

    /* an immutable DIR: not even the generation folder can be made */
    char *before = h_assert_generation(d, "out");
    sh(d, "chattr +i out");
    r = h_run(d, NULL, 0, (const char *const[]){FOLD("out", "r1.csv"), NULL});
    code = r.code;
    err = h_fmt("%s", r.err);
    h_result_free(&r);
    sh(d, "chattr -i out");
    cr_assert_eq(code, 3, "exit %d: %s", code, err);
    cr_assert(h_contains(err, "out/.gen-"), "%s", err);
    char *after = h_assert_generation(d, "out");
    cr_assert_str_eq(before, after);
    cr_assert_eq(which_run(d, "out", "ref1", "ref2", 0, "immutable DIR"), 1);
    int temps = -1;
    cr_assert_eq(h_generation_layout(d, "out", &temps), 2);
    cr_assert_eq(temps, 0);
    free(before);
    free(after);
    free(err);
    h_rmtree(d);
}

/* sha256sum's digest of d/path (an independent implementation). */
static char *sha256sum(const char *d, const char *path)
{
    char *cmd = h_fmt("sha256sum %s", path);
    h_result r = h_exec(d, (const char *const[]){"/bin/sh", "-c", cmd, NULL});
    cr_assert_eq(r.code, 0, "%s: %s", cmd, r.err);
    char *hex = h_fmt("%.64s", r.out);
    h_result_free(&r);
    free(cmd);
    return hex;
}

/* The files list of a generation as the manifest must give it: each
 * file's size and its SHA-256 by sha256sum. */
static char *expected_files(const char *d, const char *out)
{
    h_buf b = {0};
    h_buf_printf(&b, "  \"files\": [\n");
    for (size_t i = 0; i < 4; i++) {
        char *p = h_fmt("%s/%s", out, names5[i]);
        size_t n;
        free(h_read_in(d, p, &n));
        char *hex = sha256sum(d, p);
        h_buf_printf(&b, "    {\"name\": \"%s\", \"size\": %zu, \"sha256\": \"%s\"}%s\n", names5[i], n, hex,
                     i < 3 ? "," : "");
        free(hex);
        free(p);
    }
    h_buf_printf(&b, "  ]\n}\n");
    return b.data;
}

/* manifest.json byte for byte. The provenance values: c.csv's SHA-256 by
 * sha256sum (b3e504...); r.csv's fingerprint as slagg_input_fingerprint
 * gives it (the one fold --partial records); run_id = SHA-256 of the
 * docs/RELIABILITY.md text
 *   "slagg run v1\nslagg_version 0.1.0\noption gap 60\noption max_rejects 0\n"
 *   "option through 2026-04-30\noption tz +08:00\ntable contracts b3e5...\n"
 *   "table fees -\ntable maintenance -\ntable holidays -\ninput 82 xxh64:02d43b64548526b3\n"
 * computed with Python's hashlib. The finance row is SPEC's arithmetic:
 * one window at rate 1/2 of 8640: 99.99421...% printed 99.9942, tier 0,
 * no fee row so credit 0.00; claim opens the day after the 5th working
 * day of May 2026 (Fri 1, Mon 4 ... Thu 7): 05-08; deadline 06-30. */
Test(generation, manifest_is_exact)
{
    char *d = h_tmpdir();
    h_write(d, "c.csv", CONTRACTS);
    h_write(d, "r.csv", REC_HEAD "2026-04-10T10:00:00+08:00,a,200\n2026-04-10T10:01:00+08:00,a,500\n");
    run_ok(d, (const char *const[]){FOLD("out", "r.csv"), NULL});
    char *fin = h_read_in(d, "out/finance.csv", NULL);
    cr_assert_str_eq(fin, H_FIN_HEADER "a,2026-04-01,2026-04-30,30,8640,2,1,0,1,99.9942,0,,,0.00,false,final,2026-05-08,2026-06-30\n");
    free(fin);
    char *rp = h_path(d, "r.csv");
    uint64_t size = 0, fp = 0;
    cr_assert_eq(slagg_input_fingerprint(rp, &size, &fp, NULL), SLAGG_OK);
    cr_assert_eq(size, 82);
    cr_assert_eq(fp, 0x02d43b64548526b3ULL, "fingerprint %016llx", (unsigned long long)fp);
    free(rp);
    char *sha_c = sha256sum(d, "c.csv");
    cr_assert_str_eq(sha_c, "b3e504eddd2c526e3ef67215d1eed73b1d6ebc7e940c73dc9be744eef218f99e");
    char *files = expected_files(d, "out");
    char *want = h_fmt("{\n"
                       "  \"manifest_version\": 1,\n"
                       "  \"run_id\": \"5f3ace5fc8160bf4d91014924044be8fc60dd9e59ffffc66de582e046563c12e\",\n"
                       "  \"slagg_version\": \"0.1.0\",\n"
                       "  \"command\": \"fold\",\n"
                       "  \"options\": {\"gap\": \"60\", \"max_rejects\": \"0\", \"through\": \"2026-04-30\", \"tz\": \"+08:00\"},\n"
                       "  \"tables\": {\n"
                       "    \"contracts\": {\"path\": \"c.csv\", \"sha256\": \"%s\"},\n"
                       "    \"fees\": null,\n"
                       "    \"maintenance\": null,\n"
                       "    \"holidays\": null\n"
                       "  },\n"
                       "  \"inputs\": {\n"
                       "    \"count\": 1,\n"
                       "    \"bytes\": 82,\n"
                       "    \"skipped\": [],\n"
                       "    \"files\": [\n"
                       "      {\"path\": \"r.csv\", \"size\": 82, \"fingerprint\": \"xxh64:02d43b64548526b3\"}\n"
                       "    ]\n"
                       "  },\n"
                       "%s",
                       sha_c, files);
    char *man = h_read_in(d, "out/manifest.json", NULL);
    cr_assert_str_eq(man, want);
    /* the folder is named for the run_id */
    char *g = h_assert_generation(d, "out");
    cr_assert(strncmp(g, ".gen-5f3ace5fc816-", 18) == 0, "%s", g);
    free(g);
    free(man);
    free(want);
    free(files);

    /* standard input: no size, no fingerprint; run_id over "input - -",
     * and the same for '-' and r.csv in either order (not the paths, not
     * their order) */
    h_result r = h_slagg(d, REC_HEAD "2026-04-10T10:00:00+08:00,a,200\n", FOLD("o2", "-"), NULL);
    h_assert_code(r, 0);
    h_result_free(&r);
    man = h_read_in(d, "o2/manifest.json", NULL);
    cr_assert(h_contains(man, "\"run_id\": \"f184a95a4fea7e1301ee2478eeb3da7c2cd3700f8f9875624d5af6ef959783d1\""), "%s", man);
    cr_assert(h_contains(man, "\"count\": 1,\n    \"bytes\": 0,\n"), "%s", man);
    cr_assert(h_contains(man, "{\"path\": \"-\", \"size\": null, \"fingerprint\": null}"), "%s", man);
    free(man);
    static const char *const orders[2][2] = {{"-", "r.csv"}, {"r.csv", "-"}};
    for (int k = 0; k < 2; k++) {
        r = h_slagg(d, REC_HEAD, "fold", "--quiet", "--out", "o3", "--contracts", "c.csv", "--through",
                    "2026-04-30", orders[k][0], orders[k][1], NULL);
        h_assert_code(r, 0);
        h_result_free(&r);
        man = h_read_in(d, "o3/manifest.json", NULL);
        cr_assert(h_contains(man, "\"run_id\": \"91fe77af63a939b42a8e456c39d34ab4a817451f9612a356ba9629dab3609da0\""),
                  "%s", man);
        free(man);
    }
    free(sha_c);
    h_rmtree(d);
}

/* ---- the lock ------------------------------------------------------------ */

/* Holds d/out/.lock as a run would, naming pid 4242. Returns the fd. */
static int hold_lock(const char *d, const char *out)
{
    char *p = h_path(d, out);
    mkdir(p, 0755);
    char *lp = h_fmt("%s/.lock", p);
    int fd = open(lp, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    cr_assert(fd >= 0, "%s: %s", lp, strerror(errno));
    cr_assert_eq(flock(fd, LOCK_EX | LOCK_NB), 0, "flock: %s", strerror(errno));
    const char line[] = "pid 4242 started 2026-12-02T04:30:00Z\n";
    cr_assert_eq(ftruncate(fd, 0), 0);
    cr_assert_eq(write(fd, line, sizeof line - 1), (ssize_t)(sizeof line - 1));
    free(lp);
    free(p);
    return fd;
}

/* Starts slagg args in d, stdout/stderr to d/TAG.out, d/TAG.err. */
static pid_t spawn(const char *d, const char *tag, const char *const *args)
{
    size_t n = 0;
    while (args[n]) n++;
    char **argv = calloc(n + 2, sizeof *argv);
    argv[0] = (char *)SLAGG_BIN;
    for (size_t i = 0; i < n; i++) argv[i + 1] = (char *)args[i];
    char *op = h_fmt("%s/%s.out", d, tag), *ep = h_fmt("%s/%s.err", d, tag);
    fflush(NULL);
    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        int o = open(op, O_WRONLY | O_CREAT | O_TRUNC, 0644), e = open(ep, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int i = open("/dev/null", O_RDONLY);
        if (o < 0 || e < 0 || i < 0 || chdir(d) != 0 || dup2(i, 0) < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0)
            _exit(126);
        execv(argv[0], argv);
        _exit(127);
    }
    free(argv);
    free(op);
    free(ep);
    return pid;
}

static int wait_code(pid_t pid)
{
    int st = 0;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void nap_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* SPEC 5: with --no-wait a second run on a locked DIR fails at once, exit
 * 3, naming the holder from DIR/.lock; fold, merge and export alike. */
Test(lock, no_wait_names_the_holder)
{
    char *d = small_fleet();
    run_ok(d, (const char *const[]){FOLD("src", "r1.csv"), NULL});
    run_ok(d, (const char *const[]){"fold", "--quiet", "--partial", "pa.part", "--contracts", "c.csv",
                                    "--through", "2026-04-30", "r1.csv", NULL});
    int fd = hold_lock(d, "out");
    const char *const *cmds[3] = {
        (const char *const[]){"fold", "--no-wait", "--out", "out", "--contracts", "c.csv", "r1.csv", NULL},
        (const char *const[]){"merge", "--no-wait", "--out", "out", "pa.part", NULL},
        (const char *const[]){"export", "--no-wait", "--out", "out", "src/availability.slagg", NULL},
    };
    for (int k = 0; k < 3; k++) {
        h_result r = h_run(d, NULL, 0, cmds[k]);
        h_assert_code(r, 3);
        cr_assert(h_contains(r.err, "slagg: out is being written by pid 4242 (started 2026-12-02T04:30:00Z); "
                                    "wait for it or drop --no-wait"),
                  "%s: stderr:\n%s", cmds[k][0], r.err);
        h_result_free(&r);
        h_assert_no_outputs(d, "out");
        cr_assert(h_missing(d, "out/current"));
    }
    close(fd);
    h_rmtree(d);
}

/* SPEC 5: without --no-wait the second run waits: it says so, writes
 * nothing while the lock is held, and commits once it is released. */
Test(lock, second_run_waits_for_the_lock)
{
    char *d = small_fleet();
    run_ok(d, (const char *const[]){FOLD("ref", "r1.csv"), NULL});
    int fd = hold_lock(d, "out");
    pid_t pid = spawn(d, "w", (const char *const[]){"fold", "--out", "out", "--contracts", "c.csv",
                                                     "--through", "2026-04-30", "r1.csv", NULL});
    nap_ms(700);
    int st = 0;
    cr_assert_eq(waitpid(pid, &st, WNOHANG), 0, "the second run did not wait for the lock");
    cr_assert(h_missing(d, "out/current"), "the waiting run wrote a generation");
    char *err = h_read_in(d, "w.err", NULL);
    cr_assert(h_contains(err, "slagg: out is being written by pid 4242 (started 2026-12-02T04:30:00Z); waiting"),
              "stderr:\n%s", err);
    free(err);
    close(fd);
    cr_assert_eq(wait_code(pid), 0);
    free(h_assert_generation(d, "out"));
    cr_assert_eq(which_run(d, "out", "ref", "ref", 0, "after the wait"), 0);
    /* the lock file names the last holder */
    char *lk = h_read_in(d, "out/.lock", NULL);
    char *want = h_fmt("pid %ld started ", (long)pid);
    cr_assert(strncmp(lk, want, strlen(want)) == 0 && strlen(lk) == strlen(want) + 21, "%s", lk);
    free(want);
    free(lk);
    h_rmtree(d);
}

/* Two folds of different data on one --out, started 0-200 ms apart (a
 * seeded RNG), ten times: both exit 0 and out/ is one whole generation
 * of one of them. */
Test(lock, concurrent_folds_give_one_generation, .timeout = 300)
{
    char *d = h_tmpdir();
    h_result r = h_slagg(d, NULL, "gen", "--out", "fleet", "--records", "300000", "--accounts", "40",
                         "--files", "2", "--seed", "7", NULL);
    h_assert_code(r, 0);
    h_result_free(&r);
#define CFOLD(out, through)                                                                             \
    "fold", "--out", (out), "--contracts", "fleet/contracts.csv", "--fees", "fleet/fees.csv",           \
        "--through", (through), "--threads", "1", "fleet/records-000.csv", "fleet/records-001.csv"
    run_ok(d, (const char *const[]){CFOLD("refa", "2026-03-20"), "--quiet", NULL});
    run_ok(d, (const char *const[]){CFOLD("refb", "2026-03-31"), "--quiet", NULL});
    uint64_t seed = 0x10C4;
    int waited = 0, last_b = 0;
    for (int it = 0; it < 10; it++) {
        sh(d, "rm -rf out");
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        long gap = (long)((seed >> 33) % 201);
        pid_t a = spawn(d, "ca", (const char *const[]){CFOLD("out", "2026-03-20"), NULL});
        nap_ms(gap);
        pid_t b = spawn(d, "cb", (const char *const[]){CFOLD("out", "2026-03-31"), NULL});
        cr_assert_eq(wait_code(a), 0, "iteration %d: the first fold failed", it);
        cr_assert_eq(wait_code(b), 0, "iteration %d: the second fold failed", it);
        char *what = h_fmt("iteration %d (gap %ld ms)", it, gap);
        free(h_assert_generation(d, "out"));
        last_b += which_run(d, "out", "refa", "refb", 0, what);
        char *ea = h_read_in(d, "ca.err", NULL), *eb = h_read_in(d, "cb.err", NULL);
        waited += h_contains(ea, "waiting") || h_contains(eb, "waiting");
        free(ea);
        free(eb);
        free(what);
    }
    cr_assert_gt(waited, 0, "no round had one run wait for the other: the test did not overlap them");
    cr_log_info("concurrent folds: %d of 10 rounds had a run wait for the other; the second-started "
                "run's generation is current in %d",
                waited, last_b);
#undef CFOLD
    h_rmtree(d);
}

/* ---- export ---------------------------------------------------------------- */

/* The new generation holds a summary with the tables it used: an export
 * with --fees f2 into the fold's DIR, then an export without --fees from
 * that DIR, keeps f2's fees (the old export left availability.slagg with
 * f1's, so the second export silently went back to them). */
Test(generation, export_generation_holds_the_tables_it_used)
{
    char *d = small_fleet();
    run_ok(d, (const char *const[]){"fold", "--quiet", "--out", "out", "--contracts", "c.csv", "--fees",
                                    "f1.csv", "--through", "2026-04-30", "r2.csv", NULL});
    char *f1 = h_read_in(d, "out/finance.csv", NULL);
    cr_assert(h_contains(f1, ",100.00,0.00,"), "%s", f1);
    run_ok(d, (const char *const[]){"export", "--out", "out", "--fees", "f2.csv", "out/availability.slagg", NULL});
    char *f2 = h_read_in(d, "out/finance.csv", NULL);
    cr_assert(h_contains(f2, ",200.00,0.00,"), "%s", f2);
    sh(d, "cp -a out out-f2");
    run_ok(d, (const char *const[]){"export", "--out", "out", "out/availability.slagg", NULL});
    char *f3 = h_read_in(d, "out/finance.csv", NULL);
    cr_assert_str_eq(f3, f2, "an export without --fees went back to the fold's fees");
    /* the f2 export's generation: five files, the tables it used */
    free(h_assert_generation(d, "out-f2"));
    char *man = h_read_in(d, "out-f2/manifest.json", NULL);
    char *sha_f2 = sha256sum(d, "f2.csv");
    char *fees = h_fmt("\"fees\": {\"path\": \"f2.csv\", \"sha256\": \"%s\"}", sha_f2);
    cr_assert(h_contains(man, fees), "%s", man);
    cr_assert(h_contains(man, "\"contracts\": {\"path\": null, \"sha256\": null, \"from\": \"out/availability.slagg\"}"), "%s", man);
    cr_assert(h_contains(man, "\"command\": \"export\""), "%s", man);
    cr_assert(h_contains(man, "{\"name\": \"availability.slagg\""), "%s", man);
    free(man);
    man = h_read_in(d, "out/manifest.json", NULL);
    cr_assert(h_contains(man, "\"fees\": {\"path\": \"f2.csv\", \"sha256\": null, \"from\": \"out/availability.slagg\"}"),
              "%s", man);
    free(h_assert_generation(d, "out"));
    free(man);
    free(fees);
    free(sha_f2);
    free(f1);
    free(f2);
    free(f3);
    h_rmtree(d);
}

/* A failed run still removes what a killed one left (at lock time), and
 * changes nothing of the current generation. */
Test(generation, failed_run_removes_stale_leftovers)
{
    char *d = small_fleet();
    run_ok(d, (const char *const[]){FOLD("out", "r0.csv"), NULL});
    run_ok(d, (const char *const[]){FOLD("out", "r1.csv"), NULL});
    run_ok(d, (const char *const[]){FOLD("ref", "r1.csv"), NULL});
    char *before = h_assert_generation(d, "out");
    sh(d, "mkdir out/.gen-stale-AAAAAA && echo x > out/.gen-stale-AAAAAA/finance.csv && "
          "echo half > out/.summary.json.tmp-Zz9Yy8 && ln -s .gen-x out/.current.tmp-001234");
    int temps;
    cr_assert_eq(h_generation_layout(d, "out", &temps), 3);
    h_write(d, "bad.csv", REC_HEAD "2026-04-10T10:00:00+08:00,a,999\n");
    h_result r = h_slagg(d, NULL, FOLD("out", "bad.csv"), NULL);
    h_assert_code(r, 2);
    h_result_free(&r);
    char *after = h_assert_generation(d, "out");
    cr_assert_str_eq(before, after);
    cr_assert_eq(which_run(d, "out", "ref", "ref", 0, "failed run"), 0);
    cr_assert_eq(h_generation_layout(d, "out", &temps), 1, "stale folders survived");
    cr_assert_eq(temps, 0, "temporaries survived");
    free(before);
    free(after);
    h_rmtree(d);
}

/* ---- --rejects ------------------------------------------------------------ */

/* Runs args, expects exit 1 with both paths named, and d/victim unchanged
 * (its bytes before, `keep`). */
static void expect_refused(const char *d, const char *const *args, const char *rejects,
                           const char *other, const char *victim)
{
    size_t n0 = 0, n1 = 0;
    char *keep = victim ? h_read_in(d, victim, &n0) : NULL;
    h_result r = h_run(d, NULL, 0, args);
    cr_assert_eq(r.code, 1, "--rejects %s: exit %d, expected 1; stderr:\n%s", rejects, r.code, r.err);
    char *rj = h_fmt("--rejects %s", rejects);
    cr_assert(h_contains(r.err, rj) && h_contains(r.err, other), "--rejects %s: stderr should name %s:\n%s",
              rejects, other, r.err);
    free(rj);
    h_result_free(&r);
    if (victim) {
        char *now = h_read_in(d, victim, &n1);
        cr_assert(n0 == n1 && memcmp(keep, now, n0) == 0, "--rejects %s changed %s", rejects, victim);
        free(now);
    }
    free(keep);
}

/* SPEC 6: --rejects refuses (exit 1) a path that is one of the run's
 * inputs, tables or outputs, before any work: an input (and a symlink to
 * it, and a path inside an input directory), a table, DIR, DIR/NAME,
 * DIR/current/NAME, a generation folder, a path through '..'; and on a
 * failed run, which once replaced the previous export with the rejects. */
Test(rejects, refuses_inputs_tables_outputs)
{
    char *d = small_fleet();
    h_write(d, "bad.csv", REC_HEAD "2026-04-10T10:00:00+08:00,a,200\n2026-04-10T10:00:00+08:00,a,999\n");
    sh(d, "mkdir logs && cp r1.csv logs/ && ln -s bad.csv link.csv");
    run_ok(d, (const char *const[]){FOLD("out", "r1.csv"), NULL});
#define RFOLD(rej, in) "fold", "--out", "out", "--contracts", "c.csv", "--rejects", (rej), (in), NULL
    expect_refused(d, (const char *const[]){RFOLD("bad.csv", "bad.csv")}, "bad.csv", "input bad.csv", "bad.csv");
    expect_refused(d, (const char *const[]){RFOLD("link.csv", "bad.csv")}, "link.csv", "bad.csv", "bad.csv");
    expect_refused(d, (const char *const[]){RFOLD("./bad.csv", "bad.csv")}, "./bad.csv", "bad.csv", "bad.csv");
    expect_refused(d, (const char *const[]){RFOLD("logs/r1.csv", "logs")}, "logs/r1.csv", "logs", "logs/r1.csv");
    expect_refused(d, (const char *const[]){RFOLD("logs/new.csv", "logs")}, "logs/new.csv", "logs", NULL);
    expect_refused(d, (const char *const[]){RFOLD("c.csv", "bad.csv")}, "c.csv", "--contracts table c.csv", "c.csv");
    /* the issue: a failed run ("nothing written") replaced the export */
    expect_refused(d, (const char *const[]){RFOLD("out/finance.csv", "bad.csv")}, "out/finance.csv",
                   "output directory out", "out/finance.csv");
    char *g = h_assert_generation(d, "out");
    char *in_gen = h_fmt("out/%s/rej.csv", g);
    const char *outs[] = {"out/finance.csv", "out", "out/current/summary.json", in_gen, "logs/../out/manifest.json",
                          "out/rejects.csv"};
    for (size_t i = 0; i < sizeof outs / sizeof *outs; i++)
        expect_refused(d, (const char *const[]){RFOLD(outs[i], "bad.csv")}, outs[i], "output directory out",
                       "out/finance.csv");
    cr_assert_str_eq(g, h_assert_generation(d, "out"));
    cr_assert_eq(which_run(d, "out", "out", "out", 0, "after the refusals"), 0);
    /* a path of its own is still written (atomically), on a failed run too */
    h_result r = h_slagg(d, NULL, RFOLD("rej.csv", "bad.csv"));
    h_assert_code(r, 2);
    h_result_free(&r);
    char *rej = h_read_in(d, "rej.csv", NULL);
    cr_assert_str_eq(rej, "file,line,reason\nbad.csv,3,status 999 is not 0 or 100-599\n");
    free(rej);
#undef RFOLD
    /* merge: a PART, and the output directory */
    run_ok(d, (const char *const[]){"fold", "--quiet", "--partial", "pa.part", "--contracts", "c.csv", "r1.csv", NULL});
    expect_refused(d, (const char *const[]){"merge", "--out", "m", "--rejects", "pa.part", "pa.part", NULL},
                   "pa.part", "input pa.part", "pa.part");
    expect_refused(d, (const char *const[]){"merge", "--out", "m", "--rejects", "m/x.csv", "pa.part", NULL},
                   "m/x.csv", "output directory m", NULL);
    /* pack: an input, and a shard it writes */
    expect_refused(d, (const char *const[]){"pack", "--out", "s", "--rejects", "bad.csv", "bad.csv", NULL},
                   "bad.csv", "input bad.csv", "bad.csv");
    expect_refused(d, (const char *const[]){"pack", "--out", "s", "--rejects", "s/r1.shard", "r1.csv", NULL},
                   "s/r1.shard", "output s/r1.shard", NULL);
    free(in_gen);
    free(g);
    h_rmtree(d);
}
