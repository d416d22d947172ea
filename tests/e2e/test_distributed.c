/*
 * test_distributed.c - one day's inputs folded on several processes
 * (docs/DISTRIBUTED.md): `mpirun -np K slagg fold` and `slagg fold
 * --partial` + `slagg merge` write exactly what one `slagg fold` over all
 * the inputs writes, byte for byte ("Results are identical whatever the
 * ... number of processes", SPEC 2); merge refuses partials of different
 * runs and an input fed twice; a bad input on one rank fails the whole job
 * with no export.
 *
 * Fleet: `slagg gen --records 50000 --accounts 30 --files 4`, with
 * records-000.csv packed into a shard, so the inputs are three CSV logs and
 * a directory holding one shard. The mpirun tests are skipped when mpirun
 * is not installed (./run installs it).
 */
#include "harness.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

static const char *const outputs[] = {"finance.csv", "finance.jsonl", "summary.json",
                                      "availability.slagg"};

#define TABLES "--contracts", "fleet/contracts.csv", "--fees", "fleet/fees.csv", \
    "--maintenance", "fleet/maintenance.csv", "--holidays", "fleet/holidays.csv"
#define INPUTS "fleet/records-001.csv", "fleet/records-002.csv", "fleet/records-003.csv", "shards"

/* The mpirun on PATH (malloc'd), or NULL. */
static char *find_mpirun(void)
{
    const char *path = getenv("PATH");
    if (!path) path = "/usr/bin:/bin";
    char *copy = strdup(path), *save = NULL;
    char *found = NULL;
    for (char *d = strtok_r(copy, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
        char *p = h_fmt("%s/mpirun", *d ? d : ".");
        if (access(p, X_OK) == 0) found = p;
        else free(p);
    }
    free(copy);
    return found;
}

/* A fresh directory with the fleet, the shard and the one-process export
 * in one/ (and its rejects, none, in one.rej). */
static char *setup_fleet(void)
{
    char *d = h_tmpdir();
    h_result r = h_slagg(d, NULL, "gen", "--out", "fleet", "--records", "50000", "--accounts",
                         "30", "--files", "4", NULL);
    h_assert_code(r, 0);
    h_result_free(&r);
    r = h_slagg(d, NULL, "pack", "--out", "shards", "fleet/records-000.csv", NULL);
    h_assert_code(r, 0);
    h_result_free(&r);
    r = h_slagg(d, NULL, "fold", "--quiet", "--out", "one", TABLES, INPUTS, NULL);
    h_assert_code(r, 0);
    h_result_free(&r);
    return d;
}

static void assert_same_outputs(const char *d, const char *a, const char *b)
{
    for (size_t i = 0; i < 4; i++) {
        char *pa = h_fmt("%s/%s/%s", d, a, outputs[i]);
        char *pb = h_fmt("%s/%s/%s", d, b, outputs[i]);
        cr_assert(h_same_file(pa, pb), "%s/%s and %s/%s differ", a, outputs[i], b, outputs[i]);
        free(pa);
        free(pb);
    }
}

/* mpirun -np K slagg fold ... (no shell); args after the fold command. */
static h_result mpirun_fold(const char *d, const char *mpirun, const char *np,
                            const char *const *fold_args)
{
    const char *argv[64];
    size_t n = 0;
    argv[n++] = mpirun;
    argv[n++] = "--allow-run-as-root";
    argv[n++] = "--oversubscribe";
    argv[n++] = "-np";
    argv[n++] = np;
    argv[n++] = SLAGG_BIN;
    argv[n++] = "fold";
    for (size_t i = 0; fold_args[i]; i++) {
        cr_assert(n < 63);
        argv[n++] = fold_args[i];
    }
    argv[n] = NULL;
    return h_exec(d, argv);
}

static char *need_mpirun(void)
{
    char *m = find_mpirun();
    if (!m) cr_skip_test("mpirun is not installed (./run setup installs openmpi-bin)");
    h_result r = h_slagg("/", NULL, "--version", NULL);
    int with_mpi = h_contains(r.out, "mpirun support: yes");
    h_result_free(&r);
    if (!with_mpi) {
        free(m);
        cr_skip_test("this slagg was built without MPI (libopenmpi-dev missing at configure time)");
    }
    return m;
}

/* Open MPI in containers: no CMA single-copy (ptrace is often denied), and
 * quiet about missing high-speed networks. */
static void mpi_env(void)
{
    setenv("OMPI_MCA_btl_vader_single_copy_mechanism", "none", 1);
    setenv("OMPI_MCA_btl_base_warn_component_unused", "0", 1);
    setenv("OMPI_MCA_rmaps_base_oversubscribe", "1", 1);
}

/* ---- mpirun ---------------------------------------------------------------- */

Test(distributed, mpirun_1_2_3_ranks_write_the_same_bytes, .timeout = 280)
{
    char *m = need_mpirun();
    mpi_env();
    char *d = setup_fleet();
    static const char *const nps[] = {"1", "2", "3"};
    for (size_t i = 0; i < 3; i++) {
        char *out = h_fmt("mpi%s", nps[i]);
        const char *args[] = {"--out", out, "--threads", "1", TABLES, INPUTS, NULL};
        h_result r = mpirun_fold(d, m, nps[i], args);
        h_assert_code(r, 0);
        cr_assert(h_contains(r.out, "slagg fold: 50000 records from 4 inputs"),
                  "rank 0 reports the whole job:\n%s", r.out);
        h_result_free(&r);
        assert_same_outputs(d, "one", out);
        free(out);
    }
    free(m);
    h_rmtree(d);
}

/* The two-phase exchange (docs/DISTRIBUTED.md "The two-phase exchange"
 * and "The cover"): two halves of one log, alternate lines, so nearly
 * every busy window has records on both ranks, and an error window of one
 * rank needs the other rank's V of it. Then the second half as a 1.0 shard, which its rank
 * folds with the ring engine: that rank writes every cell, and the keys of
 * its error cells still go out, for the other rank's sparse fold. */
Test(distributed, mpirun_ranks_sharing_windows_exchange_their_error_cells, .timeout = 280)
{
    char *m = need_mpirun();
    mpi_env();
    char *d = h_tmpdir();
    h_result r = h_slagg(d, NULL, "gen", "--out", "fleet", "--records", "200000", "--accounts", "5", "--files",
                         "1", NULL);
    h_assert_code(r, 0);
    h_result_free(&r);
    r = h_exec(d, (const char *const[]){"/bin/sh", "-c",
                                        "head -1 fleet/records-000.csv > odd.csv && cp odd.csv even.csv && "
                                        "tail -n +2 fleet/records-000.csv | awk 'NR % 2 == 1' >> odd.csv && "
                                        "tail -n +2 fleet/records-000.csv | awk 'NR % 2 == 0' >> even.csv",
                                        NULL});
    h_assert_code(r, 0);
    h_result_free(&r);
    r = h_slagg(d, NULL, "pack", "--shard-format", "1", "--out", "v1", "even.csv", NULL);
    h_assert_code(r, 0);
    h_result_free(&r);
    static const char *const second[] = {"even.csv", "v1"};
    for (size_t i = 0; i < 2; i++) {
        r = h_slagg(d, NULL, "fold", "--quiet", "--out", "one", TABLES, "odd.csv", second[i], NULL);
        h_assert_code(r, 0);
        h_result_free(&r);
        const char *args[] = {"--out", "mpi", "--threads", "1", TABLES, "odd.csv", second[i], NULL};
        r = mpirun_fold(d, m, "2", args);
        h_assert_code(r, 0);
        cr_assert(h_contains(r.out, "error cells exchanged: "), "the mpi line says what was exchanged:\n%s", r.out);
        /* two sparse ranks sum their block covers (each alone covers no
         * window: a cover kept to one rank drops the V the other's error
         * windows need, and the bytes differ); a ring rank cannot tell */
        cr_assert(h_contains(r.out, i == 0 ? "(with the ranks' block cover)" : "(no block cover: every group kept)"),
                  "the mpi line says whether the ranks' cover was used:\n%s", r.out);
        h_result_free(&r);
        assert_same_outputs(d, "one", "mpi");
        char *one = h_path(d, "one"), *mpi = h_path(d, "mpi");
        h_rmtree(one);
        h_rmtree(mpi);
        free(one);
        free(mpi);
    }
    free(m);
    h_rmtree(d);
}

/* The cover (docs/DISTRIBUTED.md "The cover"): in one window of one
 * account, rank 0 holds only an excluded 5xx (valid, no error: an
 * exception group a process drops where one block covers the window) and
 * rank 1 the error. The window's rate is 1/2 only with rank 0's record,
 * which rank 0 keeps because the ranks' summed cover is 2 there (its own
 * block alone would say 1): availability 1 - (1/2) / 8928. */
Test(distributed, mpirun_keeps_an_exception_another_ranks_error_needs, .timeout = 120)
{
    char *m = need_mpirun();
    mpi_env();
    char *d = h_tmpdir();
    h_write(d, "contracts.csv", "account,start,end\nacct-x,2026-03-01,2026-03-31\n");
    h_write(d, "a.csv", "ts,account,status,cause,request_id\n2026-03-10T02:01:00Z,acct-x,503,attack,r1\n");
    h_write(d, "b.csv", "ts,account,status,cause,request_id\n2026-03-10T02:02:00Z,acct-x,503,,r2\n");
    const char *args[] = {"--out", "mpi", "--threads", "1", "--contracts", "contracts.csv", "--through",
                          "2026-03-31", "a.csv", "b.csv", NULL};
    h_result r = mpirun_fold(d, m, "2", args);
    h_assert_code(r, 0);
    cr_assert(h_contains(r.out, "(with the ranks' block cover)"), "the ranks summed their cover:\n%s", r.out);
    h_result_free(&r);
    r = h_slagg(d, NULL, "fold", "--quiet", "--out", "one", "--contracts", "contracts.csv", "--through",
                "2026-03-31", "a.csv", "b.csv", NULL);
    h_assert_code(r, 0);
    h_result_free(&r);
    char *fin = h_read_in(d, "mpi/finance.csv", NULL);
    cr_assert(h_contains(fin, ",99.9943,"), "availability 1 - 0.5 / 8928 (99.9887 without rank 0's record):\n%s",
              fin);
    free(fin);
    assert_same_outputs(d, "one", "mpi");
    free(m);
    h_rmtree(d);
}

/* Rejected rows: counted over all ranks, --max-rejects applied to the
 * total, and rank 0 writes the same rejects file as one process. */
Test(distributed, mpirun_rejects_are_gathered_and_limited_globally, .timeout = 280)
{
    char *m = need_mpirun();
    mpi_env();
    char *d = setup_fleet();
    /* one bad row in each of two inputs that go to different ranks */
    h_result r = h_exec(d, (const char *const[]){"/bin/sh", "-c",
                                                 "mkdir rj && cp fleet/records-00*.csv rj/ && "
                                                 "printf 'garbage,acct-00001,200,\\n' >> rj/records-001.csv && "
                                                 "printf '2026-03-05T00:00:00Z,acct-00001,999,\\n' >> rj/records-002.csv",
                                                 NULL});
    h_assert_code(r, 0);
    h_result_free(&r);
    r = h_slagg(d, NULL, "fold", "--quiet", "--out", "r1", "--rejects", "r1.csv", "--max-rejects",
                "2", TABLES, "rj", NULL);
    h_assert_code(r, 0);
    h_result_free(&r);
    const char *ok[] = {"--quiet", "--out", "r3", "--rejects", "r3.csv", "--max-rejects", "2",
                        TABLES, "rj", NULL};
    r = mpirun_fold(d, m, "3", ok);
    h_assert_code(r, 0);
    h_result_free(&r);
    assert_same_outputs(d, "r1", "r3");
    char *a = h_path(d, "r1.csv"), *b = h_path(d, "r3.csv");
    cr_assert(h_same_file(a, b), "the rejects files differ");
    char *rej = h_read(b, NULL);
    cr_assert(h_contains(rej, "rj/records-001.csv,") && h_contains(rej, "rj/records-002.csv,"),
              "rejects:\n%s", rej);
    free(rej);
    free(a);
    free(b);
    /* 2 rejected rows, each alone under the limit of 1 on its rank: the
     * job as a whole is over it */
    const char *over[] = {"--quiet", "--out", "r4", "--max-rejects", "1", TABLES, "rj", NULL};
    r = mpirun_fold(d, m, "2", over);
    h_assert_code(r, 2);
    cr_assert(h_contains(r.err, "2 rows rejected, more than --max-rejects 1"), "stderr:\n%s", r.err);
    h_result_free(&r);
    h_assert_no_outputs(d, "r4");
    free(m);
    h_rmtree(d);
}

/* A corrupt shard read by rank 1 of 2: exit 2, rank 0 names the file, and
 * no rank writes anything. */
Test(distributed, mpirun_bad_input_on_one_rank_fails_the_job, .timeout = 280)
{
    char *m = need_mpirun();
    mpi_env();
    char *d = setup_fleet();
    /* inputs in order: records-001, -002, -003, x.shard: index 3 -> rank 1 */
    h_result r = h_exec(d, (const char *const[]){"/bin/sh", "-c",
                                                 "mkdir bad && cp fleet/records-00[123].csv bad/ && "
                                                 "cp shards/records-000.shard bad/x.shard", NULL});
    h_assert_code(r, 0);
    h_result_free(&r);
    size_t n;
    char *sp = h_path(d, "bad/x.shard");
    char *data = h_read(sp, &n);
    data[n / 2] ^= 0x5a;
    h_write_bytes(d, "bad/x.shard", data, n);
    free(data);
    free(sp);
    /* a previous export stays as it was */
    r = h_slagg(d, NULL, "fold", "--quiet", "--out", "keep", TABLES, "fleet/records-001.csv", NULL);
    h_assert_code(r, 0);
    h_result_free(&r);
    char *before = h_read_in(d, "keep/finance.csv", NULL);
    const char *args[] = {"--quiet", "--out", "keep", TABLES, "bad", NULL};
    r = mpirun_fold(d, m, "2", args);
    h_assert_code(r, 2);
    cr_assert(h_contains(r.err, "slagg: bad/x.shard: "), "rank 0 names the file:\n%s", r.err);
    cr_assert(h_contains(r.err, "[rank 1 of 2]"), "and the rank:\n%s", r.err);
    cr_assert(h_contains(r.err, "nothing written"), "stderr:\n%s", r.err);
    h_result_free(&r);
    char *after = h_read_in(d, "keep/finance.csv", NULL);
    cr_assert_str_eq(before, after, "a failed job changed the export");
    free(before);
    free(after);
    /* an unreadable input named on the command line: rank 0 says so */
    const char *missing[] = {"--quiet", "--out", "nope", TABLES, "fleet/records-001.csv",
                             "no-such-file.csv", NULL};
    r = mpirun_fold(d, m, "2", missing);
    cr_assert_neq(r.code, 0, "a missing input fails the job");
    cr_assert(h_contains(r.err, "no-such-file.csv"), "stderr:\n%s", r.err);
    h_result_free(&r);
    h_assert_no_outputs(d, "nope");
    free(m);
    h_rmtree(d);
}

/* A rank killed mid-run (after it folded its share, before its partial
 * reached rank 0: the CLI's SLAGG_TEST_MPI_KILL_RANK): the MPI runtime
 * fails the job, naming the rank and the signal; nothing is written and
 * the previous export stays as it was. */
Test(distributed, mpirun_a_killed_rank_fails_the_job_and_writes_nothing, .timeout = 280)
{
    char *m = need_mpirun();
    mpi_env();
    char *d = setup_fleet();
    h_result r = h_slagg(d, NULL, "fold", "--quiet", "--out", "keep", TABLES, "fleet/records-001.csv", NULL);
    h_assert_code(r, 0);
    h_result_free(&r);
    char *before = h_read_in(d, "keep/finance.csv", NULL);
    /* a killed rank cannot remove its temporary partial: keep it in d */
    char *tmp = h_fmt("%s/tmp", d);
    cr_assert(mkdir(tmp, 0755) == 0);
    setenv("TMPDIR", tmp, 1);
    const char *args[] = {"--quiet", "--out", "keep", TABLES, INPUTS, NULL};
    setenv("SLAGG_TEST_MPI_KILL_RANK", "1", 1);
    r = mpirun_fold(d, m, "2", args);
    unsetenv("SLAGG_TEST_MPI_KILL_RANK");
    cr_assert_neq(r.code, 0, "a killed rank fails the job; stderr:\n%s", r.err);
    cr_assert(h_contains(r.err, "rank 1") && h_contains(r.err, "signal 9"),
              "the runtime names the rank and the signal:\n%s", r.err);
    h_result_free(&r);
    char *after = h_read_in(d, "keep/finance.csv", NULL);
    cr_assert_str_eq(before, after, "a failed job changed the export");
    free(before);
    free(after);
    /* and into a new directory: none of the outputs */
    const char *fresh[] = {"--quiet", "--out", "fresh", TABLES, INPUTS, NULL};
    setenv("SLAGG_TEST_MPI_KILL_RANK", "1", 1);
    r = mpirun_fold(d, m, "2", fresh);
    unsetenv("SLAGG_TEST_MPI_KILL_RANK");
    cr_assert_neq(r.code, 0);
    h_result_free(&r);
    h_assert_no_outputs(d, "fresh");
    unsetenv("TMPDIR");
    free(tmp);
    free(m);
    h_rmtree(d);
}

/* ---- fold --partial + merge ------------------------------------------------ */

static void partial(const char *d, const char *file, const char *const *inputs)
{
    const char *args[32] = {"fold", "--quiet", "--partial", file, TABLES};
    size_t n = 12;
    for (size_t i = 0; inputs[i]; i++) args[n++] = inputs[i];
    args[n] = NULL;
    h_result r = h_run(d, NULL, 0, args);
    h_assert_code(r, 0);
    h_result_free(&r);
}

Test(distributed, merge_of_2_and_3_partials_in_any_order_writes_the_same_bytes, .timeout = 280)
{
    char *d = setup_fleet();
    partial(d, "p2/a.part", (const char *const[]){"fleet/records-003.csv", "shards", NULL});
    partial(d, "p2/b.part", (const char *const[]){"fleet/records-001.csv", "fleet/records-002.csv", NULL});
    partial(d, "p3/a.part", (const char *const[]){"fleet/records-002.csv", NULL});
    partial(d, "p3/b.part", (const char *const[]){"shards", "fleet/records-001.csv", NULL});
    partial(d, "p3/c.part", (const char *const[]){"fleet/records-003.csv", NULL});
    static const char *const runs[][8] = {
        {"merge", "--out", "m2a", "p2/a.part", "p2/b.part", NULL},
        {"merge", "--out", "m2b", "p2/b.part", "p2/a.part", NULL},
        {"merge", "--out", "m3a", "p3/a.part", "p3/b.part", "p3/c.part", NULL},
        {"merge", "--out", "m3b", "p3/c.part", "p3/a.part", "p3/b.part", NULL},
    };
    for (size_t i = 0; i < 4; i++) {
        h_result r = h_run(d, NULL, 0, runs[i]);
        h_assert_code(r, 0);
        cr_assert(h_contains(r.out, "slagg merge: 50000 records from 4 inputs"), "stdout:\n%s", r.out);
        h_result_free(&r);
        assert_same_outputs(d, "one", runs[i][2]);
    }
    /* one partial of everything is the single fold too */
    partial(d, "all.part", (const char *const[]){INPUTS, NULL});
    h_result r = h_slagg(d, NULL, "merge", "--quiet", "--out", "m1", "all.part", NULL);
    h_assert_code(r, 0);
    h_result_free(&r);
    assert_same_outputs(d, "one", "m1");
    h_rmtree(d);
}

Test(distributed, merge_applies_max_rejects_to_all_partials, .timeout = 280)
{
    char *d = setup_fleet();
    h_write(d, "bad1.csv", "ts,account,status\n2026-03-02T00:00:00Z,acct-00001,200\nnope,acct-00001,200\n");
    h_write(d, "bad2.csv", "ts,account,status\n2026-03-02T00:00:00Z,acct-00002,777\n");
    h_result r = h_slagg(d, NULL, "fold", "--quiet", "--out", "r1", "--rejects", "r1.csv",
                         "--max-rejects", "2", TABLES, "bad1.csv", "bad2.csv", INPUTS, NULL);
    h_assert_code(r, 0);
    h_result_free(&r);
    const char *a[] = {"fold", "--quiet", "--partial", "a.part", "--max-rejects", "2", TABLES,
                       "bad2.csv", "fleet/records-001.csv", NULL};
    const char *b[] = {"fold", "--quiet", "--partial", "b.part", "--max-rejects", "2", TABLES,
                       "bad1.csv", "fleet/records-002.csv", "fleet/records-003.csv", "shards", NULL};
    r = h_run(d, NULL, 0, a);
    h_assert_code(r, 0);
    h_result_free(&r);
    r = h_run(d, NULL, 0, b);
    h_assert_code(r, 0);
    h_result_free(&r);
    r = h_slagg(d, NULL, "merge", "--quiet", "--out", "m", "--rejects", "m.csv", "a.part", "b.part", NULL);
    h_assert_code(r, 0);
    h_result_free(&r);
    assert_same_outputs(d, "r1", "m");
    char *p1 = h_path(d, "r1.csv"), *p2 = h_path(d, "m.csv");
    cr_assert(h_same_file(p1, p2), "rejects files differ");
    free(p1);
    free(p2);
    /* each partial alone is under a limit of 1; together they are over */
    const char *a1[] = {"fold", "--quiet", "--partial", "a1.part", "--max-rejects", "1", TABLES,
                        "bad2.csv", NULL};
    const char *b1[] = {"fold", "--quiet", "--partial", "b1.part", "--max-rejects", "1", TABLES,
                        "fleet/records-001.csv", "bad1.csv", NULL};
    r = h_run(d, NULL, 0, a1);
    h_assert_code(r, 0);
    h_result_free(&r);
    r = h_run(d, NULL, 0, b1);
    h_assert_code(r, 0);
    h_result_free(&r);
    r = h_slagg(d, NULL, "merge", "--quiet", "--out", "m1", "a1.part", "b1.part", NULL);
    h_assert_code(r, 2);
    cr_assert(h_contains(r.err, "2 rows rejected, more than --max-rejects 1"), "stderr:\n%s", r.err);
    h_result_free(&r);
    h_assert_no_outputs(d, "m1");
    h_rmtree(d);
}

/* Partials of shards only come from the shard engine (its cells streamed
 * into the file as it finalises them, core/engine/fold_shards.c), the
 * others from the generic scan: a merge of any mix writes the single
 * fold's bytes, whatever the ring layout, the thread count, and when the
 * rings spill into the overflow (whose leftovers are the partial's tail). */
Test(distributed, merge_of_shard_engine_partials_writes_the_same_bytes, .timeout = 280)
{
    char *d = setup_fleet();
    h_result r = h_slagg(d, NULL, "pack", "--out", "more", "fleet/records-001.csv", "fleet/records-002.csv",
                         "fleet/records-003.csv", NULL);
    h_assert_code(r, 0);
    h_result_free(&r);
    static const char *const layouts[] = {"window", "account"};
    static const char *const threads[] = {"1", "2"};
    static const char *const spill[] = {NULL, "5000"};
    for (size_t l = 0; l < 2; l++)
        for (size_t t = 0; t < 2; t++)
            for (size_t k = 0; k < 2; k++) {
                setenv("SLAGG_RING_LAYOUT", layouts[l], 1);
                if (spill[k]) setenv("SLAGG_TEST_SPILL_LIMIT", spill[k], 1);
                const char *a[] = {"fold", "--quiet", "--threads", threads[t], "--partial", "e/a.part", TABLES,
                                   "shards", "more/records-002.shard", NULL};
                const char *b[] = {"fold", "--quiet", "--threads", threads[t], "--partial", "e/b.part", TABLES,
                                   "more/records-001.shard", "more/records-003.shard", NULL};
                r = h_run(d, NULL, 0, a);
                h_assert_code(r, 0);
                h_result_free(&r);
                r = h_run(d, NULL, 0, b);
                h_assert_code(r, 0);
                h_result_free(&r);
                unsetenv("SLAGG_RING_LAYOUT");
                unsetenv("SLAGG_TEST_SPILL_LIMIT");
                char *out = h_fmt("m-%s-%s-%s", layouts[l], threads[t], spill[k] ? spill[k] : "0");
                r = h_slagg(d, NULL, "merge", "--quiet", "--out", out, "e/b.part", "e/a.part", NULL);
                h_assert_code(r, 0);
                h_result_free(&r);
                assert_same_outputs(d, "one", out);
                free(out);
            }
    /* one block spanning the whole month, beyond any ring: its records
     * go through the overflow, whose leftovers are the partial's tail */
    r = h_exec(d, (const char *const[]){"/bin/sh", "-c",
                                        "cat fleet/records-000.csv > month.csv && for i in 1 2 3; do "
                                        "tail -n +2 fleet/records-00$i.csv >> month.csv; done",
                                        NULL});
    h_assert_code(r, 0);
    h_result_free(&r);
    r = h_slagg(d, NULL, "pack", "--quiet", "--out", "wide", "--block-records", "262144", "month.csv", NULL);
    h_assert_code(r, 0);
    h_result_free(&r);
    for (size_t t = 0; t < 2; t++) {
        const char *a[] = {"fold", "--quiet", "--threads", threads[t], "--partial", "w.part", TABLES,
                           "wide/month.shard", NULL};
        r = h_run(d, NULL, 0, a);
        h_assert_code(r, 0);
        h_result_free(&r);
        r = h_slagg(d, NULL, "merge", "--quiet", "--out", threads[t][0] == '1' ? "mw1" : "mw2", "w.part", NULL);
        h_assert_code(r, 0);
        h_result_free(&r);
        assert_same_outputs(d, "one", threads[t][0] == '1' ? "mw1" : "mw2");
    }
    /* an engine partial merged with a generic one */
    partial(d, "g/a.part", (const char *const[]){"fleet/records-001.csv", "fleet/records-002.csv",
                                                  "fleet/records-003.csv", NULL});
    partial(d, "g/b.part", (const char *const[]){"shards", NULL});
    r = h_slagg(d, NULL, "merge", "--quiet", "--out", "mg", "g/a.part", "g/b.part", NULL);
    h_assert_code(r, 0);
    h_result_free(&r);
    assert_same_outputs(d, "one", "mg");
    h_rmtree(d);
}

static void assert_refused(const char *d, const char *out, h_result *r, const char *needle)
{
    h_assert_code(*r, 2);
    h_assert_slagg_msg(*r);
    cr_assert(h_contains(r->err, needle), "expected \"%s\" in:\n%s", needle, r->err);
    h_result_free(r);
    h_assert_no_outputs(d, out);
}

Test(distributed, merge_refuses_partials_of_different_runs, .timeout = 280)
{
    char *d = setup_fleet();
    partial(d, "a.part", (const char *const[]){"fleet/records-001.csv", NULL});
    /* another time zone */
    const char *tz[] = {"fold", "--quiet", "--partial", "tz.part", "--tz", "+09:00", TABLES,
                        "fleet/records-002.csv", NULL};
    h_result r = h_run(d, NULL, 0, tz);
    h_assert_code(r, 0);
    h_result_free(&r);
    r = h_slagg(d, NULL, "merge", "--out", "o1", "a.part", "tz.part", NULL);
    assert_refused(d, "o1", &r, "tz.part was folded with --tz +09:00, but a.part with --tz +08:00");
    /* another --through */
    const char *th[] = {"fold", "--quiet", "--partial", "th.part", "--through", "2026-03-20",
                        TABLES, "fleet/records-002.csv", NULL};
    r = h_run(d, NULL, 0, th);
    h_assert_code(r, 0);
    h_result_free(&r);
    r = h_slagg(d, NULL, "merge", "--out", "o2", "a.part", "th.part", NULL);
    assert_refused(d, "o2", &r, "--through 2026-03-20");
    /* other contracts (one more row), and other fees (same rows, other file) */
    r = h_exec(d, (const char *const[]){"/bin/sh", "-c",
                                        "cp fleet/contracts.csv c2.csv && echo 'zz-new,2026-03-01,' >> c2.csv && "
                                        "cp fleet/fees.csv fees2.csv", NULL});
    h_assert_code(r, 0);
    h_result_free(&r);
    const char *c2[] = {"fold", "--quiet", "--partial", "c2.part", "--contracts", "c2.csv",
                        "--fees", "fleet/fees.csv", "--maintenance", "fleet/maintenance.csv",
                        "--holidays", "fleet/holidays.csv", "fleet/records-002.csv", NULL};
    r = h_run(d, NULL, 0, c2);
    h_assert_code(r, 0);
    h_result_free(&r);
    r = h_slagg(d, NULL, "merge", "--out", "o3", "a.part", "c2.part", NULL);
    assert_refused(d, "o3", &r, "c2.part was folded under other contracts than a.part");
    const char *f2[] = {"fold", "--quiet", "--partial", "f2.part", "--contracts", "fleet/contracts.csv",
                        "--fees", "fees2.csv", "--maintenance", "fleet/maintenance.csv",
                        "--holidays", "fleet/holidays.csv", "fleet/records-002.csv", NULL};
    r = h_run(d, NULL, 0, f2);
    h_assert_code(r, 0);
    h_result_free(&r);
    r = h_slagg(d, NULL, "merge", "--out", "o4", "a.part", "f2.part", NULL);
    assert_refused(d, "o4", &r, "f2.part was folded under other fees than a.part");
    /* another --max-rejects */
    const char *mr[] = {"fold", "--quiet", "--partial", "mr.part", "--max-rejects", "5", TABLES,
                        "fleet/records-002.csv", NULL};
    r = h_run(d, NULL, 0, mr);
    h_assert_code(r, 0);
    h_result_free(&r);
    r = h_slagg(d, NULL, "merge", "--out", "o5", "a.part", "mr.part", NULL);
    assert_refused(d, "o5", &r, "--max-rejects");
    h_rmtree(d);
}

Test(distributed, merge_refuses_an_input_fed_twice, .timeout = 280)
{
    char *d = setup_fleet();
    partial(d, "a.part", (const char *const[]){"fleet/records-001.csv", "fleet/records-002.csv", NULL});
    partial(d, "b.part", (const char *const[]){"fleet/records-003.csv", "fleet/records-002.csv", NULL});
    h_result r = h_slagg(d, NULL, "merge", "--out", "o1", "a.part", "b.part", NULL);
    assert_refused(d, "o1", &r, "a.part and b.part both hold the same input (fleet/records-002.csv");
    /* the same partial twice */
    r = h_slagg(d, NULL, "merge", "--out", "o2", "a.part", "a.part", NULL);
    assert_refused(d, "o2", &r, "both hold the same input");
    /* a copy under another name is the same input */
    r = h_exec(d, (const char *const[]){"/bin/cp", "fleet/records-001.csv", "copy.csv", NULL});
    h_assert_code(r, 0);
    h_result_free(&r);
    partial(d, "c.part", (const char *const[]){"copy.csv", NULL});
    r = h_slagg(d, NULL, "merge", "--out", "o3", "a.part", "c.part", NULL);
    assert_refused(d, "o3", &r, "(fleet/records-001.csv and copy.csv: same size and fingerprint)");
    h_rmtree(d);
}

Test(distributed, merge_refuses_corrupt_partials, .timeout = 280)
{
    char *d = setup_fleet();
    partial(d, "a.part", (const char *const[]){"fleet/records-001.csv", NULL});
    size_t n;
    char *p = h_path(d, "a.part");
    char *data = h_read(p, &n);
    /* truncated */
    h_write_bytes(d, "t.part", data, n - 9);
    h_result r = h_slagg(d, NULL, "merge", "--out", "o1", "t.part", NULL);
    assert_refused(d, "o1", &r, "t.part: not an intact slagg partial");
    /* a flipped payload byte: zstd's checksum */
    data[n / 2] ^= 1;
    h_write_bytes(d, "f.part", data, n);
    r = h_slagg(d, NULL, "merge", "--out", "o2", "f.part", NULL);
    assert_refused(d, "o2", &r, "f.part: not an intact slagg partial");
    /* a partial of format 1.x (an older slagg's): named, with what to do */
    unsigned char old[48] = "SLAGGPRT";
    old[8] = 1;
    old[10] = 2;
    uint64_t hash = XXH64(old, 32, 0);
    for (int i = 0; i < 8; i++) old[32 + i] = (unsigned char)(hash >> (8 * i));
    memcpy(old + 40, "SLAGGEND", 8);
    h_write_bytes(d, "old.part", old, sizeof old);
    r = h_slagg(d, NULL, "merge", "--out", "o4", "old.part", NULL);
    assert_refused(d, "o4", &r, "old.part: a partial of format 1.2, written by an older slagg, which this one no "
                                "longer merges: fold its inputs again with this slagg's 'fold --partial'");
    /* not a partial at all */
    r = h_slagg(d, NULL, "merge", "--out", "o3", "fleet/contracts.csv", NULL);
    assert_refused(d, "o3", &r, "not an intact slagg partial: no partial header");
    free(data);
    free(p);
    h_rmtree(d);
}

Test(distributed, usage_errors, .timeout = 120)
{
    char *d = h_tmpdir();
    h_write(d, "c.csv", "account,start,end\na,2026-03-01,\n");
    h_write(d, "r.csv", "ts,account,status\n2026-03-02T00:00:00Z,a,200\n");
    h_result r = h_slagg(d, NULL, "fold", "--partial", "x.part", "--out", "o", "--contracts",
                         "c.csv", "r.csv", NULL);
    h_assert_code(r, 1);
    h_result_free(&r);
    r = h_slagg(d, NULL, "fold", "--partial", "x.part", "--rejects", "rj.csv", "--contracts",
                "c.csv", "r.csv", NULL);
    h_assert_code(r, 1);
    h_result_free(&r);
    r = h_slagg(d, "ts,account,status\n", "fold", "--partial", "x.part", "--contracts", "c.csv", "-", NULL);
    h_assert_code(r, 1);
    cr_assert(h_contains(r.err, "'-' (standard input) cannot be used with --partial"), "%s", r.err);
    h_result_free(&r);
    r = h_slagg(d, NULL, "merge", "--out", "o", NULL);
    h_assert_code(r, 1);
    h_result_free(&r);
    r = h_slagg(d, NULL, "merge", "x.part", NULL);
    h_assert_code(r, 1);
    h_result_free(&r);
    r = h_slagg(d, NULL, "merge", "--out", "o", "missing.part", NULL);
    h_assert_code(r, 2);   /* a missing input is an input error (issue 15) */
    h_result_free(&r);
    r = h_slagg(d, NULL, "merge", "--help", NULL);
    h_assert_code(r, 0);
    cr_assert(h_contains(r.out, "Usage: slagg merge"));
    h_result_free(&r);
    cr_assert(h_missing(d, "x.part"));
    h_rmtree(d);
}
