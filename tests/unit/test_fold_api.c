/*
 * test_fold_api.c - the public job API (slagg/fold.h, core/engine/job.c): both
 * engines on the same records give the same bytes, a merge of partials
 * gives one fold's bytes, and failures are statuses with messages.
 * Records are written with the public shard writer (slagg/shard.h) and as
 * the same rows in CSV.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "slagg/fold.h"
#include "slagg/shard.h"

static char dir[64];

static void rm_tree(const char *d)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", d);
    if (system(cmd) != 0) cr_log_warn("could not remove %s", d);
}

static char *path(const char *name)
{
    static char buf[8][256];
    static int k;
    k = (k + 1) % 8;
    snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
    return buf[k];
}

static void put(const char *name, const char *text)
{
    FILE *f = fopen(path(name), "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
}

static char *slurp(const char *p, size_t *len)
{
    FILE *f = fopen(p, "rb");
    cr_assert_not_null(f, "cannot open %s", p);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    cr_assert_eq(fread(b, 1, (size_t)n, f), (size_t)n);
    b[n] = '\0';
    fclose(f);
    *len = (size_t)n;
    return b;
}

static void same_file(const char *a, const char *b)
{
    size_t la, lb;
    char *x = slurp(a, &la), *y = slurp(b, &lb);
    cr_assert(la == lb && memcmp(x, y, la) == 0, "%s and %s differ", a, b);
    free(x);
    free(y);
}

static const char *const outs[4] = {"finance.csv", "finance.jsonl", "summary.json", "availability.slagg"};

static void same_outputs(const char *a, const char *b)
{
    for (int i = 0; i < 4; i++) {
        char pa[300], pb[300];
        snprintf(pa, sizeof pa, "%s/%s", path(a), outs[i]);
        snprintf(pb, sizeof pb, "%s/%s", path(b), outs[i]);
        same_file(pa, pb);
    }
}

/* 2026-03-02T00:00:00Z: acct-a 10 requests in one 5-minute window, the
 * last 3 of them 503 (provider errors); acct-x, without a contract, 1. */
#define T0 1772409600000LL
static const struct {
    int64_t ts;
    const char *account;
    int status;
} recs[] = {
    {T0 + 0, "acct-a", 200},    {T0 + 1000, "acct-a", 200}, {T0 + 2000, "acct-a", 200},
    {T0 + 3000, "acct-a", 200}, {T0 + 4000, "acct-a", 200}, {T0 + 5000, "acct-x", 200},
    {T0 + 6000, "acct-a", 200}, {T0 + 7000, "acct-a", 200}, {T0 + 8000, "acct-a", 503},
    {T0 + 9000, "acct-a", 503}, {T0 + 10000, "acct-a", 503},
};
#define N_RECS (sizeof recs / sizeof *recs)

static void write_shard(const char *name, size_t from, size_t to)
{
    slagg_shard_writer *w;
    slagg_shard_writer_opts o = {4, 0, 0}; /* 4 records a block: several blocks */
    cr_assert_eq(slagg_shard_writer_open(path(name), &o, &w), SLAGG_OK);
    for (size_t i = from; i < to; i++) {
        slagg_shard_record r = {recs[i].ts, recs[i].account, strlen(recs[i].account), recs[i].status,
                                SLAGG_CAUSE_NONE};
        cr_assert_eq(slagg_shard_writer_append(w, &r), SLAGG_OK, "%s", slagg_shard_writer_error(w));
    }
    cr_assert_eq(slagg_shard_writer_close(w), SLAGG_OK);
}

static void write_csv(const char *name, size_t from, size_t to, const char *extra)
{
    char text[2048];
    size_t at = (size_t)snprintf(text, sizeof text, "ts_ms,account,status\n");
    for (size_t i = from; i < to; i++)
        at += (size_t)snprintf(text + at, sizeof text - at, "%lld,%s,%d\n", (long long)recs[i].ts, recs[i].account,
                               recs[i].status);
    if (extra) snprintf(text + at, sizeof text - at, "%s", extra);
    put(name, text);
}

static void setup(void)
{
    strcpy(dir, "/tmp/slagg_test_fold_api_XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    put("contracts.csv", "account,start,end\nacct-a,2026-03-01,2026-03-31\n");
    put("fees.csv", "account,period_start,fee,voucher_paid\nacct-a,2026-03-01,100.00,0.00\n");
    write_shard("s1.shard", 0, 6);
    write_shard("s2.shard", 6, N_RECS);
    write_csv("r1.csv", 0, 6, NULL);
    write_csv("r2.csv", 6, N_RECS, NULL);
}

static void teardown(void)
{
    rm_tree(dir);
}

typedef struct settings {
    slagg_engine engine;
    slagg_ring_layout layout;
    const char *isa;
    int no_flat;
    unsigned threads;
} settings;

static slagg_fold *new_job(const char *in1, const char *in2)
{
    slagg_fold *j = slagg_fold_new();
    cr_assert_not_null(j);
    cr_assert_eq(slagg_fold_set_table(j, SLAGG_TABLE_CONTRACTS, path("contracts.csv")), SLAGG_OK);
    cr_assert_eq(slagg_fold_set_table(j, SLAGG_TABLE_FEES, path("fees.csv")), SLAGG_OK);
    cr_assert_eq(slagg_fold_set_through(j, "2026-03-31"), SLAGG_OK);
    if (in1) cr_assert_eq(slagg_fold_add_input(j, path(in1)), SLAGG_OK);
    if (in2) cr_assert_eq(slagg_fold_add_input(j, path(in2)), SLAGG_OK);
    return j;
}

static slagg_fold_result fold(const char *out, const char *in1, const char *in2, const settings *s)
{
    slagg_fold *j = new_job(in1, in2);
    cr_assert_eq(slagg_fold_set_engine(j, s->engine), SLAGG_OK);
    cr_assert_eq(slagg_fold_set_ring_layout(j, s->layout), SLAGG_OK);
    cr_assert_eq(slagg_fold_set_isa(j, s->isa), SLAGG_OK, "%s", slagg_fold_error(j));
    cr_assert_eq(slagg_fold_set_no_flat(j, s->no_flat), SLAGG_OK);
    cr_assert_eq(slagg_fold_set_threads(j, s->threads), SLAGG_OK);
    cr_assert_eq(slagg_fold_lock(j, path(out), 0, NULL), SLAGG_OK, "%s", slagg_fold_error(j));
    cr_assert_eq(slagg_fold_run(j), SLAGG_OK, "%s", slagg_fold_error(j));
    cr_assert_eq(slagg_fold_write(j, path(out)), SLAGG_OK, "%s", slagg_fold_error(j));
    slagg_fold_result r;
    cr_assert_eq(slagg_fold_get_result(j, &r), SLAGG_OK);
    slagg_fold_free(j);
    return r;
}

static void check_result(const slagg_fold_result *r)
{
    cr_assert_eq(r->inputs, 2);
    cr_assert_eq(r->records_read, 11);
    cr_assert_eq(r->uncontracted, 1);
    cr_assert_eq(r->rejected, 0);
    cr_assert_eq(r->after_through, 0);
    cr_assert_str_eq(r->through, "2026-03-31");
    cr_assert_eq(r->accounts, 1);
    cr_assert_eq(r->periods, 1);
    cr_assert_eq(r->periods_final, 1);
    cr_assert_eq(r->tiers[0], 1);   /* 99.9966 % is above every credit tier */
    cr_assert_str_eq(r->total_credit, "0.00");
    cr_assert_eq(r->warnings[SLAGG_WARNING_UNCONTRACTED], 1);
}

TestSuite(fold_api, .init = setup, .fini = teardown);

Test(fold_api, both_engines_give_the_same_bytes)
{
    settings gen = {SLAGG_ENGINE_GENERIC, SLAGG_RING_AUTO, NULL, 0, 2};
    settings shard = {SLAGG_ENGINE_AUTO, SLAGG_RING_AUTO, NULL, 0, 2};
    settings win = {SLAGG_ENGINE_AUTO, SLAGG_RING_WINDOW, "scalar", 1, 1};
    settings acc = {SLAGG_ENGINE_AUTO, SLAGG_RING_ACCOUNT, "scalar", 0, 3};
    slagg_fold_result rs[5];
    rs[0] = fold("generic", "s1.shard", "s2.shard", &gen);
    rs[1] = fold("shard", "s1.shard", "s2.shard", &shard);
    rs[2] = fold("window", "s1.shard", "s2.shard", &win);
    rs[3] = fold("account", "s1.shard", "s2.shard", &acc);
    rs[4] = fold("text", "r1.csv", "r2.csv", &shard);  /* text: the generic scan */
    for (int i = 0; i < 5; i++) {
        check_result(&rs[i]);
        cr_assert(memcmp(&rs[i], &rs[0], sizeof rs[0]) == 0, "result %d differs from the generic engine's", i);
    }
    same_outputs("generic", "shard");
    same_outputs("generic", "window");
    same_outputs("generic", "account");
    same_outputs("generic", "text");
    /* SPEC 2: 3 errors of 10 in 1 of 8928 windows: A = 1 - 0.3/8928 =
     * 99.99663...%, printed truncated to 4 decimals; no tier, no credit */
    size_t n;
    char *csv = slurp(path("shard/finance.csv"), &n);
    const char *row = strchr(csv, '\n') + 1;
    cr_assert(strncmp(row, "acct-a,2026-03-01,2026-03-31,31,8928,10,3,0,1,99.9966,0,100.00,0.00,0.00,false,final,",
                      strlen("acct-a,2026-03-01,2026-03-31,31,8928,10,3,0,1,99.9966,0,100.00,0.00,0.00,false,final,")) == 0,
              "%s", csv);
    free(csv);
}

Test(fold_api, merge_of_partials_gives_one_folds_bytes)
{
    settings shard = {SLAGG_ENGINE_AUTO, SLAGG_RING_AUTO, NULL, 0, 2};
    fold("one", "s1.shard", "s2.shard", &shard);
    const char *ins[2] = {"s1.shard", "s2.shard"}, *parts[2] = {"p1.part", "p2.part"};
    for (int i = 0; i < 2; i++) {
        slagg_fold *j = new_job(ins[i], NULL);
        cr_assert_eq(slagg_fold_run_partial(j, path(parts[i])), SLAGG_OK, "%s", slagg_fold_error(j));
        slagg_fold_result r;
        slagg_fold_get_result(j, &r);
        cr_assert_eq(r.records_read, i == 0 ? 6 : 5);
        cr_assert_gt(r.partial_bytes, 0);
        slagg_fold_free(j);
    }
    slagg_fold *m = slagg_fold_new();
    cr_assert_eq(slagg_fold_add_partial(m, path("p2.part")), SLAGG_OK);
    cr_assert_eq(slagg_fold_add_partial(m, path("p1.part")), SLAGG_OK);
    cr_assert_eq(slagg_fold_run(m), SLAGG_OK, "%s", slagg_fold_error(m));
    cr_assert_eq(slagg_fold_write(m, path("merged")), SLAGG_OK, "%s", slagg_fold_error(m));
    slagg_fold_result r;
    slagg_fold_get_result(m, &r);
    check_result(&r);
    cr_assert_str_eq(slagg_fold_table_path(m, SLAGG_TABLE_FEES), path("fees.csv"));
    cr_assert_null(slagg_fold_table_path(m, SLAGG_TABLE_HOLIDAYS));
    slagg_fold_free(m);
    same_outputs("one", "merged");
}

Test(fold_api, failures_are_statuses_with_messages)
{
    slagg_fold *j = slagg_fold_new();
    cr_assert_str_eq(slagg_fold_error(j), "");
    cr_assert_eq(slagg_fold_set_tz(j, "8"), SLAGG_E_USAGE);
    cr_assert_str_eq(slagg_fold_error(j), "'8' is not an offset like +08:00 or -05:30");
    cr_assert_eq(slagg_fold_set_through(j, "2026-02-30"), SLAGG_E_USAGE);
    cr_assert_eq(slagg_fold_set_isa(j, "sse9"), SLAGG_E_USAGE);
    cr_assert_str_eq(slagg_fold_error(j), "sse9: unknown or not built here (scalar, avx2, avx512, neon)");
    cr_assert_eq(slagg_fold_set_gap(j, 44641), SLAGG_E_USAGE);
    cr_assert_eq(slagg_fold_set_strict(j, 1u << SLAGG_WARNING_KINDS), SLAGG_E_USAGE);
    cr_assert_eq(slagg_fold_add_input(j, "-"), SLAGG_OK);
    cr_assert_eq(slagg_fold_add_input(j, "-"), SLAGG_E_USAGE);
    cr_assert_eq(slagg_fold_run(j), SLAGG_E_USAGE);     /* no contracts */
    cr_assert_str_eq(slagg_fold_error(j), "a fold needs the contracts table");
    cr_assert_eq(slagg_fold_write(j, path("never")), SLAGG_E_USAGE);
    struct stat sb;
    cr_assert_neq(stat(path("never"), &sb), 0, "a failed job created its output directory");
    slagg_fold_free(j);

    /* a table that does not exist: SLAGG_E_INPUT naming it (issue 15) */
    j = slagg_fold_new();
    slagg_fold_set_table(j, SLAGG_TABLE_CONTRACTS, path("missing.csv"));
    slagg_fold_add_input(j, path("r1.csv"));
    cr_assert_eq(slagg_fold_run(j), SLAGG_E_INPUT);
    cr_assert(strstr(slagg_fold_error(j), "missing.csv") != NULL, "%s", slagg_fold_error(j));
    slagg_fold_free(j);

    /* SPEC 6: one rejected row over --max-rejects 0: the row is listed,
     * the run fails before any warning or output */
    write_csv("bad.csv", 0, 2, "bad,acct-a,200\n");
    j = new_job("bad.csv", NULL);
    cr_assert_eq(slagg_fold_set_rejects_file(j, path("rejects.csv")), SLAGG_OK);
    cr_assert_eq(slagg_fold_run(j), SLAGG_E_INPUT);
    cr_assert_str_eq(slagg_fold_error(j), "1 row rejected, more than --max-rejects 0 allows; nothing written");
    cr_assert_eq(slagg_fold_rejects_total(j), 1);
    cr_assert_eq(slagg_fold_reject_count(j), 1);
    const char *in, *reason;
    uint64_t line;
    cr_assert_eq(slagg_fold_reject(j, 0, &in, &line, &reason), SLAGG_OK);
    cr_assert_str_eq(in, path("bad.csv"));
    cr_assert_eq(line, 4);
    cr_assert_str_eq(reason, "bad ts_ms 'bad'");
    cr_assert_eq(slagg_fold_warning_count(j), 0);
    cr_assert_eq(slagg_fold_write(j, path("never")), SLAGG_E_USAGE);
    slagg_fold_free(j);
    size_t n;
    char *rj = slurp(path("rejects.csv"), &n);
    char want[400];
    snprintf(want, sizeof want, "file,line,reason\n%s,4,", path("bad.csv"));
    snprintf(want, sizeof want, "file,line,reason\n%s,4,bad ts_ms 'bad'\n", path("bad.csv"));
    cr_assert_str_eq(rj, want);
    free(rj);

    /* --strict=uncontracted: acct-x fails the run after its warning */
    j = new_job("r1.csv", "r2.csv");
    cr_assert_eq(slagg_fold_set_strict(j, 1u << SLAGG_WARNING_UNCONTRACTED), SLAGG_OK);
    cr_assert_eq(slagg_fold_run(j), SLAGG_E_INPUT);
    cr_assert_str_eq(slagg_fold_error(j), "--strict=uncontracted: failing on 1 warning (uncontracted 1); nothing written");
    size_t nw = slagg_fold_warning_count(j), found = 0;
    for (size_t i = 0; i < nw; i++) {
        slagg_warning_kind k;
        const char *d;
        size_t len;
        cr_assert_eq(slagg_fold_warning(j, i, &k, &d, &len), SLAGG_OK);
        if (k == SLAGG_WARNING_UNCONTRACTED) {
            cr_assert(len == 6 && memcmp(d, "acct-x", 6) == 0, "%.*s", (int)len, d);
            found++;
        }
    }
    cr_assert_eq(found, 1);
    cr_assert_str_eq(slagg_warning_kind_name(SLAGG_WARNING_UNCONTRACTED), "uncontracted");
    slagg_fold_free(j);
}
