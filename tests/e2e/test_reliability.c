/*
 * test_reliability.c - finance-grade reliability of the real binary
 * (SPEC 6; docs/RELIABILITY.md maps each promise to a test here):
 *
 *   - crash safety: a fold killed with SIGKILL at random points leaves the
 *     previous outputs byte-identical (or, killed after its commit, the
 *     new ones), never a partial file or a mix, and no stray file a reader
 *     could mistake for output; a killed `pack` leaves no shard a fold
 *     would read (the kill at every step of the commit is in
 *     test_generation.c);
 *   - out of space (a 64 KiB tmpfs, and RLIMIT_FSIZE) and an unwritable
 *     output directory: exit 3, a message naming the path, no partial file;
 *   - bounded resources: a zstd bomb (10 GiB of zeros in 320 KiB) ends in
 *     bounded time and memory (RLIMIT_AS 1 GiB in the child, when not
 *     built with ASan, which reserves terabytes of address space);
 *   - nothing lost: the summary.json accounting identity on every run here,
 *     and random fleets, splits, orders and thread counts give the same
 *     bytes.
 *
 * The children are spawned here with fork/exec (not harness.h's h_run)
 * because the tests need to kill them at a chosen instant and to set
 * resource limits in the child before exec.
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
#include <dirent.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define H_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define H_ASAN 1
#endif
#endif
#ifndef H_ASAN
#define H_ASAN 0
#endif

static const char *const outputs[] = {"finance.csv", "finance.jsonl", "summary.json",
                                      "availability.slagg"};
#define N_OUT 4

/* ---- a seeded RNG (splitmix64): every random choice is reproducible ---- */

static uint64_t rng_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static uint64_t rng_below(uint64_t *s, uint64_t n) { return rng_next(s) % n; }

/* ---- spawning ------------------------------------------------------------ */

typedef struct limits {
    rlim_t fsize;   /* RLIMIT_FSIZE in bytes, 0 = none */
    rlim_t as;      /* RLIMIT_AS in bytes, 0 = none */
} limits;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Starts SLAGG_BIN argv (NULL-terminated, without argv[0]) in cwd with
 * stdout/stderr to cwd/NAME.out and cwd/NAME.err where NAME is `tag`. */
static pid_t spawn(const char *cwd, const char *tag, const limits *lim,
                   const char *const *args)
{
    size_t n = 0;
    while (args[n]) n++;
    /* SLAGG_EMULATOR (e.g. "qemu-aarch64 -L /usr/aarch64-linux-gnu", as
     * harness.h's h_run honours it): its words come before SLAGG_BIN */
    const char *emu = getenv("SLAGG_EMULATOR");
    char *emu_copy = h_fmt("%s", emu ? emu : "");
    char **argv = calloc(n + 2 + strlen(emu_copy) / 2 + 1, sizeof *argv);
    cr_assert_not_null(argv);
    size_t a = 0;
    for (char *w = strtok(emu_copy, " \t"); w; w = strtok(NULL, " \t")) argv[a++] = w;
    argv[a++] = (char *)SLAGG_BIN;
    for (size_t i = 0; i < n; i++) argv[a++] = (char *)args[i];
    argv[a] = NULL;
    char *outp = h_fmt("%s/%s.out", cwd, tag), *errp = h_fmt("%s/%s.err", cwd, tag);
    fflush(NULL);
    pid_t pid = fork();
    cr_assert(pid >= 0, "fork: %s", strerror(errno));
    if (pid == 0) {
        int o = open(outp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int e = open(errp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int i = open("/dev/null", O_RDONLY);
        if (o < 0 || e < 0 || i < 0 || chdir(cwd) != 0) _exit(126);
        if (dup2(i, 0) < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0) _exit(126);
        if (lim && lim->fsize) {
            /* with SIGXFSZ ignored, a write past the limit fails with EFBIG
             * as on a full disk instead of killing the process */
            signal(SIGXFSZ, SIG_IGN);
            struct rlimit rl = {lim->fsize, lim->fsize};
            if (setrlimit(RLIMIT_FSIZE, &rl) != 0) _exit(125);
        }
        if (lim && lim->as) {
            struct rlimit rl = {lim->as, lim->as};
            if (setrlimit(RLIMIT_AS, &rl) != 0) _exit(125);
        }
        if (argv[0][0] == '/') execv(argv[0], argv);
        else execvp(argv[0], argv);
        _exit(127);
    }
    free(argv);
    free(emu_copy);
    free(outp);
    free(errp);
    return pid;
}

/* Waits for pid; the exit code, or 128 + signal. Kills it after max_s. */
static int wait_code(pid_t pid, double max_s)
{
    int status = 0;
    double t0 = now_s();
    for (;;) {
        pid_t w = waitpid(pid, &status, WNOHANG);
        if (w == pid) break;
        cr_assert(w == 0 || errno == EINTR, "waitpid: %s", strerror(errno));
        if (now_s() - t0 > max_s) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            cr_assert_fail("the run took more than %.0f s (killed)", max_s);
        }
        struct timespec nap = {0, 1000 * 1000};
        nanosleep(&nap, NULL);
    }
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return -1;
}

/* Runs to the end; returns the exit code and (malloc'd) stderr. */
static int run_full(const char *cwd, const limits *lim, const char *const *args, char **err)
{
    pid_t pid = spawn(cwd, "run", lim, args);
    int code = wait_code(pid, 300);
    if (err) *err = h_read_in(cwd, "run.err", NULL);
    return code;
}

/* ---- the accounting identity (SPEC 4) ----------------------------------- */

/* Asserts records_read = ok + error + lost_provider + not_received +
 * sum(excluded) + uncontracted + after_through + rejected in the
 * summary.json text; returns records_read. */
static long long check_identity(const char *json)
{
    long long read = h_json_int(json, "records_read");
    long long sum = h_json_int(json, "ok") + h_json_int(json, "error") +
                    h_json_int(json, "lost_provider") + h_json_int(json, "not_received") +
                    h_json_int(json, "uncontracted") + h_json_int(json, "after_through") +
                    h_json_int(json, "rejected");
    char *ex = h_json_raw(json, "excluded");
    static const char *const keys[] = {"maintenance", "attack", "content_ban", "external",
                                       "client"};
    for (size_t i = 0; i < 5; i++) sum += h_json_int(ex, keys[i]);
    free(ex);
    cr_assert_eq(read, sum, "summary.json does not add up: records_read %lld, counts %lld:\n%s",
                 read, sum, json);
    return read;
}

static long long check_identity_in(const char *dir, const char *out)
{
    char *p = h_fmt("%s/summary.json", out);
    char *json = h_read_in(dir, p, NULL);
    long long n = check_identity(json);
    free(json);
    free(p);
    return n;
}

/* ---- output directory states -------------------------------------------- */

/* dir/sub holds nothing but SPEC 4's layout (.lock, current, the five
 * names, .gen-* folders, .*.tmp-* temporaries: h_generation_layout), and
 * when it has a current generation, that one is whole and matches its
 * manifest. Returns what a killed or failed run left behind: temporaries,
 * plus generation folders beyond one. */
static int check_no_strays(const char *dir, const char *sub)
{
    int temps = 0;
    int gens = h_generation_layout(dir, sub, &temps);
    char *cur = h_fmt("%s/%s/current", dir, sub);
    struct stat sb;
    if (lstat(cur, &sb) == 0) free(h_assert_generation(dir, sub));
    free(cur);
    return temps + (gens > 1 ? gens - 1 : 0);
}

/* 0 when every output in dir/sub equals the one in dir/ref_a, 1 when every
 * one equals dir/ref_b, 2 for a mix of whole old and whole new files (see
 * mixed_ok); fails on a missing or partial file. */
static int which_outputs_mix(const char *dir, const char *sub, const char *ref_a,
                             const char *ref_b, const char *what, int mixed_ok);

static int which_outputs(const char *dir, const char *sub, const char *ref_a,
                         const char *ref_b, const char *what)
{
    return which_outputs_mix(dir, sub, ref_a, ref_b, what, 0);
}

static int which_outputs_mix(const char *dir, const char *sub, const char *ref_a,
                             const char *ref_b, const char *what, int mixed_ok)
{
    int a = 0, b = 0;
    for (size_t i = 0; i < N_OUT; i++) {
        char *p = h_fmt("%s/%s/%s", dir, sub, outputs[i]);
        char *pa = h_fmt("%s/%s/%s", dir, ref_a, outputs[i]);
        char *pb = h_fmt("%s/%s/%s", dir, ref_b, outputs[i]);
        int is_a = h_same_file(p, pa), is_b = h_same_file(p, pb);
        cr_assert(is_a || is_b, "%s: %s is neither the previous nor the new output", what, p);
        a += is_a && !is_b;
        b += is_b && !is_a;
        free(p);
        free(pa);
        free(pb);
    }
    if (a && b) {
        /* SPEC 4: one generation is committed by one rename; a mix of
         * whole files of two runs is a failure (once accepted, when the
         * four files were renamed one after the other) */
        cr_assert(mixed_ok, "%s: a mix of old (%d) and new (%d) outputs", what, a, b);
        return 2;
    }
    return b > 0;
}

/* Copies the four outputs of dir/from to dir/to (made if missing). */
static void copy_outputs(const char *dir, const char *from, const char *to)
{
    char *pt = h_path(dir, to);
    mkdir(pt, 0755);
    for (size_t i = 0; i < N_OUT; i++) {
        char *s = h_fmt("%s/%s/%s", dir, from, outputs[i]);
        char *t = h_fmt("%s/%s/%s", dir, to, outputs[i]);
        h_copy(s, t);
        free(s);
        free(t);
    }
    free(pt);
}

/* A mid-size generated fleet in dir/fleet (records-000..003.csv). */
static void gen_fleet(const char *d, const char *records, const char *accounts,
                      const char *seed)
{
    h_result r = h_slagg(d, NULL, "gen", "--out", "fleet", "--records", records, "--accounts",
                         accounts, "--files", "4", "--seed", seed, NULL);
    h_assert_code(r, 0);
    h_result_free(&r);
}

#define FLEET_FOLD(out, through)                                                           \
    "fold", "--out", (out), "--contracts", "fleet/contracts.csv", "--fees",                \
        "fleet/fees.csv", "--maintenance", "fleet/maintenance.csv", "--holidays",          \
        "fleet/holidays.csv", "--through", (through), "--threads", "2",                    \
        "fleet/records-000.csv", "fleet/records-001.csv", "fleet/records-002.csv",         \
        "fleet/records-003.csv"

/* ---- crash safety ---------------------------------------------------------- */

/* SIGKILL at a random instant (seeded) of a fold that replaces existing
 * outputs: every time, out/ holds exactly the previous outputs or exactly
 * the new ones, byte for byte (never a mix: SPEC 4, one generation),
 * with a whole current generation matching its manifest, plus at most
 * leftovers of the killed run; a later run over the leftovers succeeds
 * and removes them. Delays: half uniform over the whole run, half in its
 * last 15 % (where the outputs are written). The previous outputs are a
 * generation (odd iterations: a copy of "old" with its links) or plain
 * files as an older slagg wrote them (even: migrated by the run). */
Test(reliability, sigkill_at_random_points_keeps_outputs_whole, .timeout = 600)
{
    char *d = h_tmpdir();
    gen_fleet(d, "100000", "60", "11");
    /* the reference outputs: "old" (through 03-20) and "new" (03-31) */
    const char *old_args[] = {FLEET_FOLD("old", "2026-03-20"), NULL};
    const char *new_args[] = {FLEET_FOLD("new", "2026-03-31"), NULL};
    char *err = NULL;
    cr_assert_eq(run_full(d, NULL, old_args, &err), 0, "%s", err);
    free(err);
    double t0 = now_s();
    cr_assert_eq(run_full(d, NULL, new_args, &err), 0, "%s", err);
    double full = now_s() - t0;
    free(err);
    check_identity_in(d, "old");
    check_identity_in(d, "new");
    char *fo = h_fmt("%s/old/finance.csv", d), *fn = h_fmt("%s/new/finance.csv", d);
    cr_assert(!h_same_file(fo, fn), "the two reference runs should differ");
    free(fo);
    free(fn);

    const char *args[] = {FLEET_FOLD("out", "2026-03-31"), NULL};
    uint64_t seed = 0x5EED0001;
    int iters = 20, killed_old = 0, killed_new = 0, mixed = 0, temps = 0;
    for (int it = 0; it < iters; it++) {
        /* the previous outputs: "old" */
        char *po = h_path(d, "out");
        h_rmtree(po);
        free(po);
        if (it % 2) {
            h_result c = h_exec(d, (const char *const[]){"/bin/cp", "-a", "old", "out", NULL});
            h_assert_code(c, 0);
            h_result_free(&c);
        } else {
            copy_outputs(d, "old", "out");
        }
        double frac = (it % 2) ? 0.85 + (double)rng_below(&seed, 2000) / 10000.0
                               : (double)rng_below(&seed, 10000) / 10000.0;
        double delay = frac * full;
        pid_t pid = spawn(d, "kill", NULL, args);
        struct timespec ts = {(time_t)delay, (long)((delay - (double)(time_t)delay) * 1e9)};
        nanosleep(&ts, NULL);
        kill(pid, SIGKILL);
        int code = wait_code(pid, 300);
        cr_assert(code == 128 + SIGKILL || code == 0,
                  "iteration %d (delay %.3f s): exit %d", it, delay, code);
        char *what = h_fmt("iteration %d (seed 0x5EED0001, delay %.3f s of %.3f s)", it, delay,
                           full);
        temps += check_no_strays(d, "out");
        int w = which_outputs_mix(d, "out", "old", "new", what, 0);
        killed_old += w == 0;
        killed_new += w == 1;
        mixed += w == 2;
        free(what);
    }
    /* a run over whatever the kills left behind still gives the new bytes,
     * and removes the leftovers (the generation it replaced is kept) */
    cr_assert_eq(run_full(d, NULL, args, &err), 0, "%s", err);
    free(err);
    cr_assert_eq(which_outputs(d, "out", "old", "new", "the run after the kills"), 1);
    int left = 0;
    cr_assert_leq(h_generation_layout(d, "out", &left), 2);
    cr_assert_eq(left, 0, "temporaries left after a whole run");
    free(h_assert_generation(d, "out"));
    cr_log_info("sigkill: %d runs left the previous outputs, %d the new ones, %d a mix, %d "
                "leftovers of killed runs; full run %.3f s",
                killed_old, killed_new, mixed, temps, full);
    cr_assert(killed_old > 0, "no kill landed before the commit");
    h_rmtree(d);
}

/* A killed `pack` never leaves a shard under its final name; what it leaves
 * is hidden, and a fold given the directory ignores it. */
Test(reliability, sigkill_during_pack_leaves_no_shard, .timeout = 600)
{
    char *d = h_tmpdir();
    gen_fleet(d, "150000", "60", "12");
    const char *args[] = {"pack", "--out", "shards", "fleet/records-000.csv",
                          "fleet/records-001.csv", "fleet/records-002.csv",
                          "fleet/records-003.csv", NULL};
    double t0 = now_s();
    char *err = NULL;
    cr_assert_eq(run_full(d, NULL, args, &err), 0, "%s", err);
    free(err);
    double full = now_s() - t0;
    char *ps = h_path(d, "shards");
    uint64_t seed = 0x5EED0002;
    for (int it = 0; it < 10; it++) {
        h_rmtree(ps);
        double delay = (double)rng_below(&seed, 9000) / 10000.0 * full;
        pid_t pid = spawn(d, "kill", NULL, args);
        struct timespec ts = {(time_t)delay, (long)((delay - (double)(time_t)delay) * 1e9)};
        nanosleep(&ts, NULL);
        kill(pid, SIGKILL);
        int code = wait_code(pid, 300);
        DIR *dir = opendir(ps);
        int visible = 0;
        if (dir) {
            struct dirent *e;
            while ((e = readdir(dir)) != NULL) {
                if (e->d_name[0] == '.') continue;
                visible++;
                /* a visible shard must be complete: readable end to end */
                char *shard = h_fmt("shards/%s", e->d_name);
                h_result r = h_slagg(d, NULL, "inspect", shard, NULL);
                cr_assert_eq(r.code, 0, "iteration %d: %s is visible but not intact: %s", it,
                             shard, r.err);
                h_result_free(&r);
                free(shard);
            }
            closedir(dir);
        }
        if (code != 0 && visible) {
            /* fold the directory: the hidden leftovers are not inputs */
            h_result r = h_slagg(d, NULL, "fold", "--out", "fo", "--contracts",
                                 "fleet/contracts.csv", "--max-rejects", "1000000", "shards",
                                 NULL);
            cr_assert_eq(r.code, 0, "iteration %d: fold of a killed pack's shards: %s", it,
                         r.err);
            check_identity_in(d, "fo");
            h_result_free(&r);
        }
    }
    free(ps);
    h_rmtree(d);
}

/* A directory holding only what a killed writer leaves (a hidden
 * temporary) has no input: exit 2 with a message naming it. */
Test(reliability, directory_with_only_hidden_temporaries_is_no_input)
{
    char *d = h_tmpdir();
    h_write(d, "c.csv", "account,start,end\na,2026-04-01,2026-04-30\n");
    char *sd = h_path(d, "shards");
    cr_assert_eq(mkdir(sd, 0755), 0);
    h_write(d, "shards/.records-000.shard.tmp-AbC123", "SLAGGSHD half a shard");
    h_result r = h_slagg(d, NULL, "fold", "--out", "out", "--contracts", "c.csv", "shards",
                         NULL);
    h_assert_code(r, 2);
    h_assert_slagg_msg(r);
    cr_assert(h_contains(r.err, "shards"), "%s", r.err);
    h_assert_no_outputs(d, "out");
    h_result_free(&r);
    free(sd);
    h_rmtree(d);
}

/* ---- out of space, unwritable outputs -------------------------------------- */

/* A small fold whose outputs fit in a few KiB, and a big one (300
 * accounts: finance.jsonl alone is over 64 KiB). */
static void small_and_big(const char *d)
{
    h_write(d, "small-c.csv", "account,start,end\na,2026-04-01,2026-04-30\n");
    h_write(d, "small-r.csv", "ts,account,status\n2026-04-10T10:00:00+08:00,a,200\n");
    gen_fleet(d, "40000", "300", "13");
}

#define SMALL_FOLD(out)                                                                      \
    "fold", "--out", (out), "--contracts", "small-c.csv", "--through", "2026-04-30",         \
        "small-r.csv"

/* Asserts a failed output run: exit 3, the message names a path in `out`,
 * the previous outputs (in ref) are byte-identical and nothing else is
 * there, not even a hidden temporary. */
static void expect_io_failure(const char *d, int code, const char *err, const char *out,
                              const char *ref)
{
    cr_assert_eq(code, 3, "exit %d, expected 3; stderr:\n%s", code, err);
    cr_assert(strncmp(err, "slagg: ", 7) == 0, "stderr: %s", err);
    cr_assert(h_contains(err, out), "the message should name %s:\n%s", out, err);
    cr_assert_eq(check_no_strays(d, out), 0, "a failed write left a temporary in %s", out);
    cr_assert_eq(which_outputs(d, out, ref, ref, "after the failed write"), 0);
}

Test(reliability, disk_full_tmpfs_gives_exit_3_and_keeps_outputs, .timeout = 300)
{
    char *d = h_tmpdir();
    small_and_big(d);
    char *mnt = h_path(d, "full");
    cr_assert_eq(mkdir(mnt, 0755), 0);
    if (mount("tmpfs", mnt, "tmpfs", 0, "size=64k") != 0) {
        int e = errno;
        h_rmtree(d);
        cr_skip_test("cannot mount a 64 KiB tmpfs here (%s): the RLIMIT_FSIZE test covers "
                     "the write error path", strerror(e));
    }
    const char *small[] = {SMALL_FOLD("full"), NULL};
    const char *big[] = {FLEET_FOLD("full", "2026-03-31"), NULL};
    char *err = NULL, *err2 = NULL;
    int code1 = run_full(d, NULL, small, &err);
    int code2 = -1;
    if (code1 == 0) {
        copy_outputs(d, "full", "ref");
        code2 = run_full(d, NULL, big, &err2);
    }
    /* check, then unmount whatever happened (asserts end the test) */
    int ok = code1 == 0 && code2 == 3 && h_contains(err2, "full/") &&
             check_no_strays(d, "full") == 0;
    if (ok) expect_io_failure(d, code2, err2, "full", "ref");
    umount2(mnt, MNT_DETACH);
    cr_assert_eq(code1, 0, "%s", err);
    cr_assert(ok, "big fold on a full tmpfs: exit %d, stderr:\n%s", code2, err2 ? err2 : "");
    cr_assert(h_contains(err2, "No space left on device"), "%s", err2);
    free(err);
    free(err2);
    free(mnt);
    h_rmtree(d);
}

/* The same through RLIMIT_FSIZE (EFBIG): works wherever mount does not. */
Test(reliability, file_size_limit_gives_exit_3_and_keeps_outputs, .timeout = 300)
{
    char *d = h_tmpdir();
    small_and_big(d);
    const char *small[] = {SMALL_FOLD("out"), NULL};
    const char *big[] = {FLEET_FOLD("out", "2026-03-31"), NULL};
    char *err = NULL;
    cr_assert_eq(run_full(d, NULL, small, &err), 0, "%s", err);
    free(err);
    copy_outputs(d, "out", "ref");
    limits lim = {8192, 0};   /* the big finance.jsonl is larger */
    int code = run_full(d, &lim, big, &err);
    expect_io_failure(d, code, err, "out/", "ref");
    cr_assert(h_contains(err, "File too large"), "%s", err);
    free(err);
    h_rmtree(d);
}

/* --out that cannot be created or written: under a regular file, inside
 * /proc, on a read-only mount (when this container may mount). Exit 3, a
 * message naming the path, and nothing written. */
Test(reliability, unwritable_output_directory_gives_exit_3, .timeout = 300)
{
    char *d = h_tmpdir();
    small_and_big(d);
    h_write(d, "blocker", "a regular file\n");
    static const char *const outs[] = {"blocker/out", "blocker", "/proc/self/slagg-out",
                                       "/proc/1"};
    for (size_t i = 0; i < sizeof outs / sizeof outs[0]; i++) {
        const char *args[] = {SMALL_FOLD(outs[i]), NULL};
        char *err = NULL;
        int code = run_full(d, NULL, args, &err);
        cr_assert_eq(code, 3, "--out %s: exit %d, stderr:\n%s", outs[i], code, err);
        cr_assert(strncmp(err, "slagg: ", 7) == 0 && h_contains(err, outs[i]),
                  "--out %s: the message should name it:\n%s", outs[i], err);
        free(err);
    }
    char *blk = h_read_in(d, "blocker", NULL);
    cr_assert_str_eq(blk, "a regular file\n");
    free(blk);

    /* a read-only tmpfs holding previous outputs */
    const char *small[] = {SMALL_FOLD("ro"), NULL};
    char *err = NULL;
    cr_assert_eq(run_full(d, NULL, small, &err), 0, "%s", err);
    free(err);
    copy_outputs(d, "ro", "ref");
    char *ro = h_path(d, "ro");
    /* bind the directory read-only over itself */
    if (mount(ro, ro, NULL, MS_BIND, NULL) != 0 ||
        mount(NULL, ro, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) != 0) {
        int e = errno;
        umount2(ro, MNT_DETACH);
        free(ro);
        h_rmtree(d);
        cr_skip_test("cannot make a read-only bind mount here (%s)", strerror(e));
    }
    const char *big[] = {FLEET_FOLD("ro", "2026-03-31"), NULL};
    int code = run_full(d, NULL, big, &err);
    int strays = check_no_strays(d, "ro");
    int same = 1;
    for (size_t i = 0; i < N_OUT; i++) {
        char *a = h_fmt("%s/ro/%s", d, outputs[i]), *b = h_fmt("%s/ref/%s", d, outputs[i]);
        same &= h_same_file(a, b);
        free(a);
        free(b);
    }
    umount2(ro, MNT_DETACH);
    cr_assert_eq(code, 3, "read-only --out: exit %d, stderr:\n%s", code, err);
    cr_assert(h_contains(err, "ro/") && h_contains(err, "Read-only file system"), "%s", err);
    cr_assert_eq(strays, 0);
    cr_assert(same, "the previous outputs changed");
    free(err);
    free(ro);
    h_rmtree(d);
}

/* ---- bounded resources: a zstd bomb ---------------------------------------- */

/* A zstd frame of `blocks` x 128 KiB of `byte`, as RLE blocks (4 bytes
 * each): 10 GiB is 320 KiB. No content size, so nothing can be sized from
 * the header. */
static void write_bomb(const char *d, const char *name, const char *prefix, uint64_t blocks,
                       unsigned char byte)
{
    h_buf b = {0};
    if (prefix) {
        /* the prefix as one raw block in its own frame */
        size_t n = strlen(prefix);
        static const unsigned char fh[] = {0x28, 0xB5, 0x2F, 0xFD, 0x00, 0x38};
        h_buf_append(&b, fh, sizeof fh);
        uint32_t h = (uint32_t)(n << 3) | 0 << 1 | 1;
        unsigned char hb[3] = {(unsigned char)h, (unsigned char)(h >> 8), (unsigned char)(h >> 16)};
        h_buf_append(&b, hb, 3);
        h_buf_append(&b, prefix, n);
    }
    static const unsigned char fh[] = {0x28, 0xB5, 0x2F, 0xFD, 0x00, 0x38};
    h_buf_append(&b, fh, sizeof fh);
    for (uint64_t i = 0; i < blocks; i++) {
        uint32_t h = (131072u << 3) | 1u << 1 | (i + 1 == blocks);
        unsigned char blk[4] = {(unsigned char)h, (unsigned char)(h >> 8),
                                (unsigned char)(h >> 16), byte};
        h_buf_append(&b, blk, 4);
    }
    h_write_bytes(d, name, b.data, b.len);
    h_buf_free(&b);
}

Test(reliability, zstd_bomb_is_bounded, .timeout = 600)
{
    char *d = h_tmpdir();
    h_write(d, "c.csv", "account,start,end\na,2026-04-01,2026-04-30\n");
    const uint64_t gib10 = 10ull << 13;   /* 10 GiB in 128 KiB blocks */
    write_bomb(d, "zeros.zst", NULL, gib10, 0);
    write_bomb(d, "rows.zst", "ts,account,status\n2026-04-10T10:00:00+08:00,a,200\n", gib10, 0);
    write_bomb(d, "ndjson.zst", "{\"ts\":1,\"account\":\"a\",\"status\":200}\n{\"x\":\"", gib10,
               'a');
    /* 64 MiB of empty lines after a header: no row at all, exit 0 (read
     * to the end: time grows with the size, memory does not) */
    write_bomb(d, "blank.zst", "ts,account,status\n", 512, '\n');
    /* RLIMIT_AS 1 GiB, unless the binary under test cannot even start
     * under it (ASan and TSan reserve terabytes of address space) */
    limits lim = {0, H_ASAN ? 0 : (rlim_t)1 << 30};
    if (lim.as) {
        const char *help[] = {"--version", NULL};
        pid_t pid = spawn(d, "probe", &lim, help);
        if (wait_code(pid, 60) != 0) {
            cr_log_info("the binary does not start under RLIMIT_AS 1 GiB (a sanitizer build): "
                        "checking time and RSS only");
            lim.as = 0;
        }
    }
    static const struct {
        const char *file, *where;
        int as_contracts, code;
    } cases[] = {
        {"zeros.zst", "zeros.zst:1:", 0, 2},
        {"rows.zst", "rows.zst:3:", 0, 2},
        {"ndjson.zst", "ndjson.zst:2:", 0, 2},
        {"zeros.zst", "zeros.zst:1:", 1, 2},
        {"blank.zst", "", 0, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *args[] = {"fold", "--out", "out", "--contracts",
                              cases[i].as_contracts ? cases[i].file : "c.csv", "--through",
                              "2026-04-30", cases[i].as_contracts ? "c.csv" : cases[i].file,
                              NULL};
        pid_t pid = spawn(d, "bomb", &lim, args);
        double t0 = now_s();
        int code = wait_code(pid, 240);
        double took = now_s() - t0;
        char *err = h_read_in(d, "bomb.err", NULL);
        struct rusage ru;
        getrusage(RUSAGE_CHILDREN, &ru);
        cr_assert_eq(code, cases[i].code, "%s: exit %d after %.1f s, stderr:\n%s", cases[i].file,
                     code, took, err);
        cr_assert(h_contains(err, cases[i].where), "%s: the message should name %s:\n%s",
                  cases[i].file, cases[i].where, err);
        cr_log_info("bomb %s: exit %d in %.1f s (max RSS of children so far %ld KiB): %s",
                    cases[i].file, code, took, ru.ru_maxrss, err);
        cr_assert(ru.ru_maxrss < (lim.as ? 256 : 1024) * 1024L, "RSS %ld KiB", ru.ru_maxrss);
        if (code == 0) cr_assert_eq(check_identity_in(d, "out"), 0);
        else h_assert_no_outputs(d, "out");
        free(err);
    }
    h_rmtree(d);
}

/* ---- nothing lost: same bytes for any split, order and thread count ------- */

/* Writes `n` records of a random fleet (seeded) into k files of random
 * formats (CSV, NDJSON, zstd-compressed CSV, or a shard made by pack),
 * the records dealt to the files at random. Returns the input names. */
static const char *fmts[] = {"csv", "ndjson", "csv.zst", "shard"};

typedef struct rec {
    long long ts_ms;
    int acct, status, cause;
} rec;

static const char *causes[] = {"", "provider", "maintenance", "attack", "content_ban",
                               "external", "client"};

static void put_rec(h_buf *b, const rec *r, int ndjson)
{
    if (ndjson) {
        h_buf_printf(b, "{\"ts_ms\":%lld,\"account\":\"acct-%d\",\"status\":%d", r->ts_ms, r->acct,
                     r->status);
        if (r->cause) h_buf_printf(b, ",\"cause\":\"%s\"", causes[r->cause]);
        h_buf_printf(b, "}\n");
    } else {
        h_buf_printf(b, "%lld,acct-%d,%d,%s\n", r->ts_ms, r->acct, r->status, causes[r->cause]);
    }
}

static void random_fleet(const char *d, uint64_t seed, size_t n, rec **out)
{
    uint64_t s = seed;
    rec *v = calloc(n, sizeof *v);
    cr_assert_not_null(v);
    /* April 2026 (+08:00), 7 accounts, 6 contracted; traffic bunched in a
     * few hours so windows have mixed rates */
    const long long apr1 = 1774972800000LL - 8 * 3600000LL;
    for (size_t i = 0; i < n; i++) {
        rec *r = &v[i];
        r->acct = (int)rng_below(&s, 7);
        long long day = (long long)rng_below(&s, 32);  /* day 30 = May 1: after --through */
        r->ts_ms = apr1 + day * 86400000LL + (long long)rng_below(&s, 3 * 3600000ULL);
        uint64_t k = rng_below(&s, 100);
        r->status = k < 80 ? 200 : k < 88 ? 404 : k < 96 ? 503 : 0;
        r->cause = (int)(k < 90 ? rng_below(&s, 2) : rng_below(&s, 7));
    }
    h_buf c = {0};
    h_buf_printf(&c, "account,start,end\n");
    for (int a = 0; a < 6; a++)
        h_buf_printf(&c, "acct-%d,2026-04-%02d,%s\n", a, 1 + a * 2, a == 3 ? "" : "2026-04-30");
    h_write_bytes(d, "c.csv", c.data, c.len);
    h_buf_free(&c);
    h_buf f = {0};
    h_buf_printf(&f, "account,period_start,fee,voucher_paid\n");
    for (int a = 0; a < 6; a++)
        h_buf_printf(&f, "acct-%d,2026-04-%02d,%d.%02d,%d.00\n", a, 1 + a * 2, 100 + a * 977,
                     a * 7, a * 13);
    h_write_bytes(d, "f.csv", f.data, f.len);
    h_buf_free(&f);
    h_write(d, "m.csv", "start,end,scope,notice_at\n"
                        "2026-04-03T00:00:00+08:00,2026-04-03T01:00:00+08:00,*,\n"
                        "2026-04-09T01:00:00+08:00,2026-04-09T02:00:00+08:00,acct-2,"
                        "2026-04-01T00:00:00Z\n");
    *out = v;
}

/* Splits v into k files (random assignment, random format, random order
 * of the files on the command line) under dir/sub; args gets their paths. */
static size_t split_inputs(const char *d, const char *sub, const rec *v, size_t n, int k,
                           uint64_t *s, char **names)
{
    h_buf part[8] = {{0}};
    int fmt[8];
    char *ps = h_path(d, sub);
    mkdir(ps, 0755);
    free(ps);
    for (int i = 0; i < k; i++) {
        fmt[i] = (int)rng_below(s, 4);
        if (fmt[i] != 1) h_buf_printf(&part[i], "ts_ms,account,status,cause\n");
    }
    for (size_t i = 0; i < n; i++) {
        int p = (int)rng_below(s, (uint64_t)k);
        put_rec(&part[p], &v[i], fmt[p] == 1);
    }
    size_t m = 0;
    for (int i = 0; i < k; i++) {
        char *name = h_fmt("%s/part-%d.%s", sub, i, fmts[fmt[i]]);
        if (fmt[i] == 2) {
            char *plain = h_fmt("%s/part-%d.csv.plain", sub, i);
            h_write_bytes(d, plain, part[i].data, part[i].len);
            const char *zargv[] = {"/usr/bin/zstd", "-q", "-f", "-o", name, plain, NULL};
            h_result r = h_exec(d, zargv);
            cr_assert_eq(r.code, 0, "zstd: %s", r.err);
            h_result_free(&r);
            char *pp = h_path(d, plain);
            unlink(pp);
            free(pp);
            free(plain);
        } else if (fmt[i] == 3) {
            char *csv = h_fmt("%s/part-%d.csv.in", sub, i);
            h_write_bytes(d, csv, part[i].data, part[i].len);
            char *sd = h_fmt("%s/shards-%d", sub, i);
            h_result r = h_slagg(d, NULL, "pack", "--out", sd, csv, NULL);
            h_assert_code(r, 0);
            h_result_free(&r);
            free(name);
            name = NULL;
            char *psd = h_path(d, sd);
            DIR *dir = opendir(psd);
            cr_assert_not_null(dir, "pack made no %s", sd);
            struct dirent *e;
            while ((e = readdir(dir)) != NULL)
                if (e->d_name[0] != '.') {
                    cr_assert_null(name, "pack wrote more than one shard in %s", sd);
                    name = h_fmt("%s/%s", sd, e->d_name);
                }
            closedir(dir);
            free(psd);
            cr_assert_not_null(name, "pack wrote no shard in %s", sd);
            char *pc = h_path(d, csv);
            unlink(pc);
            free(pc);
            free(csv);
            free(sd);
        } else {
            h_write_bytes(d, name, part[i].data, part[i].len);
        }
        names[m++] = name;
        h_buf_free(&part[i]);
    }
    /* a random order on the command line */
    for (size_t i = m; i > 1; i--) {
        size_t j = (size_t)rng_below(s, i);
        char *t = names[i - 1];
        names[i - 1] = names[j];
        names[j] = t;
    }
    return m;
}

static void fold_into(const char *d, const char *out, char **names, size_t m, int threads)
{
    const char *args[32];
    size_t a = 0;
    char *th = h_fmt("%d", threads);
    const char *fixed[] = {"fold", "--out", out, "--contracts", "c.csv", "--fees", "f.csv",
                           "--maintenance", "m.csv", "--through", "2026-04-30", "--threads", th,
                           "--max-rejects", "1000000"};
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) args[a++] = fixed[i];
    for (size_t i = 0; i < m; i++) args[a++] = names[i];
    args[a] = NULL;
    h_result r = h_run(d, NULL, 0, args);
    h_assert_code(r, 0);
    h_result_free(&r);
    free(th);
}

Test(reliability, random_fleets_splits_orders_threads_same_bytes, .timeout = 600)
{
    static const uint64_t seeds[] = {1, 2, 3};
    static const int threads[] = {1, 3, 8};
    for (size_t si = 0; si < sizeof seeds / sizeof seeds[0]; si++) {
        char *d = h_tmpdir();
        rec *v;
        size_t n = 30000;
        random_fleet(d, seeds[si], n, &v);
        uint64_t s = seeds[si] * 7919;
        /* the reference: one CSV, one thread */
        char *all[1];
        h_buf b = {0};
        h_buf_printf(&b, "ts_ms,account,status,cause\n");
        for (size_t i = 0; i < n; i++) put_rec(&b, &v[i], 0);
        h_write_bytes(d, "all.csv", b.data, b.len);
        h_buf_free(&b);
        all[0] = h_fmt("all.csv");
        fold_into(d, "ref", all, 1, 1);
        free(all[0]);
        cr_assert_eq(check_identity_in(d, "ref"), (long long)n);
        for (int variant = 0; variant < 3; variant++) {
            int k = 1 + (int)rng_below(&s, 6);
            char *sub = h_fmt("split-%d", variant);
            char *names[8];
            size_t m = split_inputs(d, sub, v, n, k, &s, names);
            char *out = h_fmt("out-%d", variant);
            fold_into(d, out, names, m, threads[variant]);
            check_identity_in(d, out);
            char *what = h_fmt("seed %llu, %d files, %d threads",
                               (unsigned long long)seeds[si], k, threads[variant]);
            cr_assert_eq(which_outputs(d, out, "ref", "ref", what), 0);
            free(what);
            for (size_t i = 0; i < m; i++) free(names[i]);
            free(sub);
            free(out);
        }
        free(v);
        h_rmtree(d);
    }
}
