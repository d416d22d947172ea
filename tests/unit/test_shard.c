/*
 * test_shard.c - request-record shards (docs/FORMAT.md, "Request-record
 * shards (.shard), version 1.0"): io/shard_writer.c (public API,
 * include/slagg/shard.h) and io/shard_reader.c (io/shard.h).
 *
 * Round trips, determinism, writer validation and crash safety, then
 * corruption: flipped bytes in every part of the file, truncation, a newer
 * major version, and lying counts with every hash recomputed, so that the
 * bound and consistency checks (not the checksums) must catch them. The
 * "model" helpers below are an independent decoder/encoder of the layout,
 * used to build such files.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zstd.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "core/alloc.h"
#include "core/classify.h"
#include "io/records.h"
#include "io/shard.h"

/* ---- fixtures ------------------------------------------------------------------ */

static char tmpdir[64];

static void rm_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        char p[512];
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        struct stat sb;
        if (lstat(p, &sb) == 0 && S_ISDIR(sb.st_mode))
            rm_tree(p);
        else
            unlink(p);
    }
    closedir(d);
    rmdir(dir);
}

static void setup(void)
{
    strcpy(tmpdir, "/tmp/slagg_test_shard_XXXXXX");
    cr_assert_not_null(mkdtemp(tmpdir));
}

static void teardown(void)
{
    rm_tree(tmpdir);
}

TestSuite(shard, .init = setup, .fini = teardown);
TestSuite(shard_writer, .init = setup, .fini = teardown);
TestSuite(shard_corrupt, .init = setup, .fini = teardown);

static const char *tpath(const char *name)
{
    static char buf[4][512];
    static int k;
    k = (k + 1) & 3;
    snprintf(buf[k], sizeof buf[k], "%s/%s", tmpdir, name);
    return buf[k];
}

/* ---- random records --------------------------------------------------------------- */

static uint64_t rng_state;
static uint64_t rnd(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

#define POOL 400
static char pool[POOL][SLAGG_ACCOUNT_MAX + 1];
static size_t pool_len[POOL];

static void make_pool(void)
{
    for (int i = 0; i < POOL; i++) {
        if (i == 0) {
            memset(pool[i], 'm', SLAGG_ACCOUNT_MAX);   /* the longest allowed name */
            pool[i][SLAGG_ACCOUNT_MAX] = '\0';
        } else if (i == 1) {
            strcpy(pool[i], "\xe5\xae\xa2\xe6\x88\xb7-\xe7\x94\xb2");   /* UTF-8 */
        } else if (i == 2) {
            strcpy(pool[i], "Z");
        } else if (i == 3) {
            strcpy(pool[i], "z");   /* case-sensitive: not "Z" */
        } else {
            snprintf(pool[i], sizeof pool[i], "acct-%05d", i);
        }
        pool_len[i] = strlen(pool[i]);
    }
}

static const int common_status[] = {0, 100, 200, 204, 301, 404, 429, 499, 500, 502, 503, 504, 599};

/* n records over the first n_acc accounts of the pool. wide: statuses
 * anywhere in 100-599 (more than 256 (status, cause) pairs a block). */
static slagg_shard_record *make_records(size_t n, int n_acc, int wide, int64_t ts0, int64_t span)
{
    make_pool();
    slagg_shard_record *r = calloc(n ? n : 1, sizeof *r);
    cr_assert_not_null(r);
    for (size_t i = 0; i < n; i++) {
        int a = (int)(rnd() % (uint64_t)n_acc);
        r[i].account = pool[a];
        r[i].account_len = pool_len[a];
        r[i].ts_ms = ts0 + (int64_t)(rnd() % (uint64_t)span);
        if (wide)
            r[i].status = rnd() % 8 == 0 ? 0 : 100 + (int)(rnd() % 500);
        else
            r[i].status = common_status[rnd() % (sizeof common_status / sizeof *common_status)];
        r[i].cause = (slagg_cause)(rnd() % SLAGG_CAUSE_COUNT);
    }
    return r;
}

static void write_shard(const char *path, const slagg_shard_record *r, size_t n, uint32_t block_records)
{
    slagg_shard_writer_opts o = {block_records, 0, 1};
    slagg_shard_writer *w;
    cr_assert_eq(slagg_shard_writer_open(path, &o, &w), SLAGG_OK);
    size_t done = 0;
    cr_assert_eq(slagg_shard_writer_append_batch(w, r, n, &done), SLAGG_OK, "%s",
                 slagg_shard_writer_error(w));
    cr_assert_eq(done, n);
    cr_assert_eq(slagg_shard_writer_count(w), n);
    slagg_err err = {0};
    cr_assert_eq(slagg_shard_writer_close_err(w, &err), SLAGG_OK, "%s", err.msg);
}

/* ---- decoding and comparing --------------------------------------------------------- */

typedef struct key {
    const char *acct;
    size_t len;
    int64_t ts;
    int status, cause;
} key;

static int key_cmp(const void *pa, const void *pb)
{
    const key *a = pa, *b = pb;
    size_t m = a->len < b->len ? a->len : b->len;
    int c = memcmp(a->acct, b->acct, m);
    if (c) return c;
    if (a->len != b->len) return a->len < b->len ? -1 : 1;
    if (a->ts != b->ts) return a->ts < b->ts ? -1 : 1;
    if (a->status != b->status) return a->status - b->status;
    return a->cause - b->cause;
}

/* Opens path, decodes every block, checks each block's order and time
 * range, and returns the records as keys (pointing into *sh's dictionary). */
static key *decode_all(const char *path, slagg_shard **sh, size_t *count)
{
    slagg_err err = {0};
    cr_assert_eq(slagg_shard_open(path, sh, &err), SLAGG_OK, "%s", err.msg);
    slagg_shard *s = *sh;
    uint64_t total = slagg_shard_records(s);
    key *k = calloc(total ? total : 1, sizeof *k);
    cr_assert_not_null(k);
    size_t m = 0;
    slagg_shard_block b = {0};
    for (size_t i = 0; i < slagg_shard_block_count(s); i++) {
        cr_assert_eq(slagg_shard_read_block(s, i, &b, &err), SLAGG_OK, "%s", err.msg);
        const slagg_shard_block_info *bi = slagg_shard_block_at(s, i);
        cr_assert_eq(b.n, bi->records);
        int64_t lo = INT64_MAX, hi = INT64_MIN;
        for (uint32_t j = 0; j < b.n; j++) {
            if (j) {
                /* sorted by account id, then ts */
                cr_assert(b.account[j] >= b.account[j - 1]);
                if (b.account[j] == b.account[j - 1]) cr_assert(b.ts_ms[j] >= b.ts_ms[j - 1]);
            }
            if (b.ts_ms[j] < lo) lo = b.ts_ms[j];
            if (b.ts_ms[j] > hi) hi = b.ts_ms[j];
            cr_assert_lt(m, total);
            k[m].acct = slagg_shard_account(s, b.account[j], &k[m].len);
            cr_assert_not_null(k[m].acct);
            k[m].ts = b.ts_ms[j];
            k[m].status = b.status[j];
            k[m].cause = b.cause[j];
            m++;
        }
        cr_assert_eq(lo, bi->min_ts_ms);
        cr_assert_eq(hi, bi->max_ts_ms);
    }
    slagg_shard_block_free(&b);
    cr_assert_eq(m, total);
    *count = m;
    return k;
}

/* Asserts that the shard at path holds exactly records r[0..n) (as a
 * multiset) and that its dictionary lists accounts by first appearance. */
static void check_shard_equals(const char *path, const slagg_shard_record *r, size_t n)
{
    slagg_shard *s;
    size_t m;
    key *got = decode_all(path, &s, &m);
    cr_assert_eq(m, n);
    key *want = calloc(n ? n : 1, sizeof *want);
    cr_assert_not_null(want);
    for (size_t i = 0; i < n; i++)
        want[i] = (key){r[i].account, r[i].account_len, r[i].ts_ms, r[i].status, (int)r[i].cause};
    qsort(got, n, sizeof *got, key_cmp);
    qsort(want, n, sizeof *want, key_cmp);
    for (size_t i = 0; i < n; i++) cr_assert_eq(key_cmp(&got[i], &want[i]), 0, "record %zu differs", i);

    uint32_t id = 0;
    for (size_t i = 0; i < n; i++) {
        int seen = 0;
        for (size_t j = 0; j < i && !seen; j++)
            seen = r[j].account_len == r[i].account_len &&
                   memcmp(r[j].account, r[i].account, r[i].account_len) == 0;
        if (seen) continue;
        size_t len;
        const char *a = slagg_shard_account(s, id, &len);
        cr_assert_not_null(a);
        cr_assert_eq(len, r[i].account_len);
        cr_assert_eq(memcmp(a, r[i].account, len), 0, "dictionary entry %u", id);
        id++;
    }
    cr_assert_eq(slagg_shard_account_count(s), id);
    cr_assert_null(slagg_shard_account(s, id, NULL));
    free(got);
    free(want);
    slagg_shard_close(s);
}

static unsigned char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "%s", path);
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *p = malloc(len > 0 ? (size_t)len : 1);
    cr_assert_not_null(p);
    cr_assert_eq(fread(p, 1, (size_t)len, f), (size_t)len);
    fclose(f);
    *n = (size_t)len;
    return p;
}

static void spit(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f, "%s", path);
    if (n) cr_assert_eq(fwrite(p, 1, n, f), n);
    cr_assert_eq(fclose(f), 0);
}

/* ---- round trips ------------------------------------------------------------------------ */

Test(shard, round_trip_several_blocks)
{
    rng_state = 1;
    size_t n = 20000;
    slagg_shard_record *r = make_records(n, 300, 0, 1772294400000LL, 31LL * 86400000);
    const char *p = tpath("a.shard");
    write_shard(p, r, n, 1000);
    check_shard_equals(p, r, n);
    slagg_err err;
    slagg_shard *s;
    cr_assert_eq(slagg_shard_open(p, &s, &err), SLAGG_OK);
    cr_assert_eq(slagg_shard_block_count(s), 20);
    cr_assert_eq(slagg_shard_records(s), n);
    cr_assert_eq(slagg_shard_version_minor(s), 0);
    cr_assert_str_eq(slagg_shard_path(s), p);
    struct stat sb;
    cr_assert_eq(stat(p, &sb), 0);
    cr_assert_eq(slagg_shard_file_size(s), (uint64_t)sb.st_size);
    cr_assert_gt(slagg_shard_footer_size(s), 0);
    /* blocks are contiguous from offset 32 */
    uint64_t off = 32;
    for (size_t i = 0; i < slagg_shard_block_count(s); i++) {
        const slagg_shard_block_info *bi = slagg_shard_block_at(s, i);
        cr_assert_eq(bi->offset, off);
        cr_assert_eq(bi->records, 1000);
        off += 48 + bi->comp_size;
    }
    cr_assert_null(slagg_shard_block_at(s, 20));
    slagg_shard_block b = {0};
    cr_assert_neq(slagg_shard_read_block(s, 20, &b, &err), SLAGG_OK);
    slagg_shard_block_free(&b);
    slagg_shard_close(s);
    free(r);
}

Test(shard, round_trip_wide_pair_table_uses_u16_codes)
{
    rng_state = 2;
    size_t n = 12345;   /* last block partial */
    slagg_shard_record *r = make_records(n, POOL, 1, 0, SLAGG_TS_MAX_MS);
    /* the extremes of the time range */
    r[0].ts_ms = SLAGG_TS_MIN_MS;
    r[1].ts_ms = SLAGG_TS_MAX_MS - 1;
    const char *p = tpath("wide.shard");
    write_shard(p, r, n, 4000);
    check_shard_equals(p, r, n);
    free(r);
}

/* Every allowed status with every cause, shuffled over a few accounts: the
 * largest possible pair table (3507 pairs, u16 codes) in one block, and
 * small blocks of a few pairs (u8 codes) in another shard. */
Test(shard, round_trip_every_status_and_cause)
{
    make_pool();
    size_t n = 0;
    slagg_shard_record *r = calloc(501 * SLAGG_CAUSE_COUNT, sizeof *r);
    for (int st = 0; st <= 599; st++) {
        if (!slagg_http_status_allowed(st)) continue;
        for (int c = 0; c < SLAGG_CAUSE_COUNT; c++) {
            int a = (st * 7 + c) % 5;
            r[n++] = (slagg_shard_record){1772294400000LL + st * 1000 + c, pool[a], pool_len[a], st,
                                          (slagg_cause)c};
        }
    }
    cr_assert_eq(n, 501 * SLAGG_CAUSE_COUNT);
    rng_state = 9;
    for (size_t i = n - 1; i > 0; i--) {
        size_t j = (size_t)(rnd() % (i + 1));
        slagg_shard_record t = r[i];
        r[i] = r[j];
        r[j] = t;
    }
    const char *p = tpath("every.shard");
    write_shard(p, r, n, 0);
    check_shard_equals(p, r, n);
    slagg_shard *s;
    slagg_err err;
    cr_assert_eq(slagg_shard_open(p, &s, &err), SLAGG_OK);
    cr_assert_eq(slagg_shard_block_count(s), 1);
    /* raw block: u16 pair count, then the table */
    slagg_shard_block b = {0};
    cr_assert_eq(slagg_shard_read_block(s, 0, &b, &err), SLAGG_OK, "%s", err.msg);
    const unsigned char *raw = b.cur->raw;
    cr_assert_eq(raw[0] | (raw[1] << 8), 501 * SLAGG_CAUSE_COUNT);
    cr_assert_eq(b.cur->n_pairs, 501 * SLAGG_CAUSE_COUNT);
    cr_assert_eq(b.cur->code16, 1, "u16 codes past 256 pairs");
    slagg_shard_block_free(&b);
    slagg_shard_close(s);
    const char *p2 = tpath("every_small.shard");
    write_shard(p2, r, n, 7);
    check_shard_equals(p2, r, n);
    free(r);
}

Test(shard, round_trip_default_block_size_and_single_account)
{
    rng_state = 3;
    size_t n = 300000;   /* > 262144: two blocks */
    slagg_shard_record *r = make_records(n, 1, 0, 1772294400000LL, 86400000);
    const char *p = tpath("one.shard");
    write_shard(p, r, n, 0);
    slagg_shard *s;
    slagg_err err;
    cr_assert_eq(slagg_shard_open(p, &s, &err), SLAGG_OK, "%s", err.msg);
    cr_assert_eq(slagg_shard_block_count(s), 2);
    cr_assert_eq(slagg_shard_block_at(s, 0)->records, 262144);
    cr_assert_eq(slagg_shard_account_count(s), 1);
    slagg_shard_close(s);
    check_shard_equals(p, r, n);
    free(r);
}

Test(shard, round_trip_already_sorted_input)
{
    make_pool();
    size_t n = 5000;
    slagg_shard_record *r = calloc(n, sizeof *r);
    for (size_t i = 0; i < n; i++) {
        int a = (int)(i / 500);
        r[i] = (slagg_shard_record){1000000 + (int64_t)(i % 500) * 7, pool[a], pool_len[a], 200,
                                    SLAGG_CAUSE_NONE};
    }
    const char *p = tpath("sorted.shard");
    write_shard(p, r, n, 2048);
    check_shard_equals(p, r, n);
    free(r);
}

/* Equal (account, ts) keep their arrival order: the sort is stable. */
Test(shard, sort_is_stable_for_equal_account_and_ts)
{
    make_pool();
    size_t n = 600;
    slagg_shard_record *r = calloc(n, sizeof *r);
    for (size_t i = 0; i < n; i++) {
        int a = (int)(i % 3);
        /* statuses tell arrival order: 100 + i / 3 within each account */
        r[i] = (slagg_shard_record){5000 - (int64_t)(i % 2), pool[a], pool_len[a], 100 + (int)(i / 3),
                                    SLAGG_CAUSE_NONE};
    }
    const char *p = tpath("stable.shard");
    write_shard(p, r, n, 0);
    slagg_shard *s;
    slagg_err err;
    cr_assert_eq(slagg_shard_open(p, &s, &err), SLAGG_OK);
    slagg_shard_block b = {0};
    cr_assert_eq(slagg_shard_read_block(s, 0, &b, &err), SLAGG_OK, "%s", err.msg);
    cr_assert_eq(b.n, n);
    for (uint32_t j = 1; j < b.n; j++)
        if (b.account[j] == b.account[j - 1] && b.ts_ms[j] == b.ts_ms[j - 1])
            cr_assert_gt(b.status[j], b.status[j - 1], "arrival order lost at %u", j);
    /* account 0 = pool[0] (first appearance), its first record is ts 4999 */
    cr_assert_eq(b.account[0], 0);
    cr_assert_eq(b.ts_ms[0], 4999);
    slagg_shard_block_free(&b);
    slagg_shard_close(s);
    free(r);
}

/* Account ids above 2^22 with a 42-bit time span do not fit one 64-bit
 * sort key: the writer's two-pass sort. */
Test(shard, round_trip_large_account_ids_two_pass_sort, .timeout = 120)
{
    const char *p = tpath("big.shard");
    slagg_shard_writer_opts o = {1u << 21, 1, 1};
    slagg_shard_writer *w;
    cr_assert_eq(slagg_shard_writer_open(p, &o, &w), SLAGG_OK);
    char name[32];
    uint32_t n_acc = (1u << 22) + 5;
    for (uint32_t i = 0; i < n_acc; i++) {
        int len = snprintf(name, sizeof name, "a%u", i);
        slagg_shard_record r = {(int64_t)(i % 1000), name, (size_t)len, 200, SLAGG_CAUSE_NONE};
        cr_assert_eq(slagg_shard_writer_append(w, &r), SLAGG_OK);
    }
    /* a final block mixing new and old accounts over the whole time range */
    for (uint32_t i = 0; i < 64; i++) {
        uint32_t a = i % 2 ? (1u << 22) + 100 + i : i;
        int len = snprintf(name, sizeof name, "a%u", a);
        int64_t ts = i % 3 == 0 ? SLAGG_TS_MAX_MS - 1 - i : (int64_t)i;
        slagg_shard_record r = {ts, name, (size_t)len, 503, SLAGG_CAUSE_PROVIDER};
        cr_assert_eq(slagg_shard_writer_append(w, &r), SLAGG_OK);
    }
    cr_assert_eq(slagg_shard_writer_close(w), SLAGG_OK);
    slagg_shard *s;
    slagg_err err;
    cr_assert_eq(slagg_shard_open(p, &s, &err), SLAGG_OK, "%s", err.msg);
    size_t last = slagg_shard_block_count(s) - 1;
    slagg_shard_block b = {0};
    cr_assert_eq(slagg_shard_read_block(s, last, &b, &err), SLAGG_OK, "%s", err.msg);
    cr_assert_eq(b.n, ((uint64_t)n_acc + 64) % (1u << 21));
    for (uint32_t j = 1; j < b.n; j++) {
        cr_assert(b.account[j] >= b.account[j - 1]);
        if (b.account[j] == b.account[j - 1]) cr_assert(b.ts_ms[j] >= b.ts_ms[j - 1]);
    }
    uint32_t hi_ids = 0;
    for (uint32_t j = 0; j < b.n; j++) hi_ids += b.account[j] >= (1u << 22) && b.status[j] == 503;
    cr_assert_eq(hi_ids, 32);
    slagg_shard_block_free(&b);
    slagg_shard_close(s);
}

Test(shard, empty_shard_is_valid)
{
    const char *p = tpath("empty.shard");
    slagg_shard_writer *w;
    cr_assert_eq(slagg_shard_writer_open(p, NULL, &w), SLAGG_OK);
    cr_assert_eq(slagg_shard_writer_count(w), 0);
    cr_assert_str_eq(slagg_shard_writer_error(w), "");
    cr_assert_eq(slagg_shard_writer_close(w), SLAGG_OK);
    slagg_shard *s;
    slagg_err err;
    cr_assert_eq(slagg_shard_open(p, &s, &err), SLAGG_OK, "%s", err.msg);
    cr_assert_eq(slagg_shard_records(s), 0);
    cr_assert_eq(slagg_shard_block_count(s), 0);
    cr_assert_eq(slagg_shard_account_count(s), 0);
    cr_assert_eq(slagg_shard_file_size(s), 32 + slagg_shard_footer_size(s) + 64);
    slagg_shard_close(s);
    cr_assert(slagg_is_shard(p));
}

Test(shard, deterministic_bytes)
{
    rng_state = 4;
    size_t n = 7000;
    slagg_shard_record *r = make_records(n, 50, 0, 1772294400000LL, 86400000);
    const char *p1 = tpath("d1.shard"), *p2 = tpath("d2.shard");
    write_shard(p1, r, n, 3000);
    write_shard(p2, r, n, 3000);
    size_t n1, n2;
    unsigned char *a = slurp(p1, &n1), *b = slurp(p2, &n2);
    cr_assert_eq(n1, n2);
    cr_assert_eq(memcmp(a, b, n1), 0);
    free(a);
    free(b);
    free(r);
}

Test(shard, is_shard)
{
    const char *p = tpath("x.shard");
    write_shard(p, NULL, 0, 0);
    cr_assert(slagg_is_shard(p));
    const char *c = tpath("x.csv");
    spit(c, "ts,account,status\n", 18);
    cr_assert_not(slagg_is_shard(c));
    cr_assert_not(slagg_is_shard("-"));
    cr_assert_not(slagg_is_shard(tpath("missing")));
}

/* Several threads read the blocks of one shard at once, each with its own
 * slagg_shard_block, and see what a single thread sees. */
typedef struct reader_arg {
    const slagg_shard *s;
    uint64_t sum;
    int failed;
} reader_arg;

static void *reader_thread(void *p)
{
    reader_arg *a = p;
    slagg_shard_block b = {0};
    slagg_err err;
    for (int round = 0; round < 3; round++) {
        for (size_t i = 0; i < slagg_shard_block_count(a->s); i++) {
            size_t k = (i * 7 + (size_t)round) % slagg_shard_block_count(a->s);
            if (slagg_shard_read_block(a->s, k, &b, &err) != SLAGG_OK) {
                a->failed = 1;
                continue;
            }
            for (uint32_t j = 0; j < b.n; j++)
                a->sum += (uint64_t)b.ts_ms[j] * 31 + b.account[j] * 7u + b.status[j] + b.cause[j];
        }
    }
    slagg_shard_block_free(&b);
    return NULL;
}

Test(shard, concurrent_block_reads)
{
    rng_state = 5;
    size_t n = 30000;
    slagg_shard_record *r = make_records(n, 200, 1, 1772294400000LL, 86400000);
    const char *p = tpath("mt.shard");
    write_shard(p, r, n, 1500);
    slagg_shard *s;
    slagg_err err;
    cr_assert_eq(slagg_shard_open(p, &s, &err), SLAGG_OK);
    reader_arg one = {s, 0, 0};
    reader_thread(&one);
    cr_assert_not(one.failed);
    pthread_t t[4];
    reader_arg args[4];
    for (int i = 0; i < 4; i++) {
        args[i] = (reader_arg){s, 0, 0};
        cr_assert_eq(pthread_create(&t[i], NULL, reader_thread, &args[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        cr_assert_not(args[i].failed);
        cr_assert_eq(args[i].sum, one.sum);
    }
    slagg_shard_close(s);
    free(r);
}

/* ---- writer: validation, crash safety ---------------------------------------------------- */

static size_t count_dir_entries(const char *dir, const char *prefix, char *found, size_t found_n)
{
    DIR *d = opendir(dir);
    cr_assert_not_null(d);
    size_t k = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        if (prefix && strncmp(e->d_name, prefix, strlen(prefix)) != 0) continue;
        if (found) snprintf(found, found_n, "%s/%s", dir, e->d_name);
        k++;
    }
    closedir(d);
    return k;
}

Test(shard_writer, rejects_bad_records_and_stays_usable)
{
    const char *p = tpath("v.shard");
    slagg_shard_writer *w;
    cr_assert_eq(slagg_shard_writer_open(p, NULL, &w), SLAGG_OK);
    slagg_shard_record good = {1772294400000LL, "acct-1", 6, 503, SLAGG_CAUSE_PROVIDER};
    cr_assert_eq(slagg_shard_writer_append(w, &good), SLAGG_OK);

    char long_name[SLAGG_ACCOUNT_MAX + 2];
    memset(long_name, 'a', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = '\0';
    slagg_shard_record bad[] = {
        {good.ts_ms, "acct-1", 6, 600, SLAGG_CAUSE_NONE},
        {good.ts_ms, "acct-1", 6, 99, SLAGG_CAUSE_NONE},
        {good.ts_ms, "acct-1", 6, -1, SLAGG_CAUSE_NONE},
        {good.ts_ms, "acct-1", 6, 1000, SLAGG_CAUSE_NONE},
        {good.ts_ms, "acct-1", 6, 200, SLAGG_CAUSE_COUNT},
        {good.ts_ms, "acct-1", 6, 200, (slagg_cause)-1},
        {good.ts_ms, "", 0, 200, SLAGG_CAUSE_NONE},
        {good.ts_ms, NULL, 3, 200, SLAGG_CAUSE_NONE},
        {good.ts_ms, long_name, SLAGG_ACCOUNT_MAX + 1, 200, SLAGG_CAUSE_NONE},
        {good.ts_ms, "a\tb", 3, 200, SLAGG_CAUSE_NONE},
        {good.ts_ms, "a\xff", 2, 200, SLAGG_CAUSE_NONE},
        {-1, "acct-1", 6, 200, SLAGG_CAUSE_NONE},
        {SLAGG_TS_MAX_MS, "acct-1", 6, 200, SLAGG_CAUSE_NONE},
        {INT64_MIN, "acct-1", 6, 200, SLAGG_CAUSE_NONE},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        cr_assert_eq(slagg_shard_writer_append(w, &bad[i]), SLAGG_E_INPUT, "bad record %zu accepted", i);
        cr_assert(strstr(slagg_shard_writer_error(w), p) != NULL, "%s", slagg_shard_writer_error(w));
        cr_assert(strstr(slagg_shard_writer_error(w), "record 2") != NULL, "%s",
                  slagg_shard_writer_error(w));
        cr_assert_eq(slagg_shard_writer_count(w), 1);
    }
    /* the longest name and the edges of the range are fine */
    slagg_shard_record edge[] = {
        {SLAGG_TS_MIN_MS, long_name, SLAGG_ACCOUNT_MAX, 0, SLAGG_CAUSE_CLIENT},
        {SLAGG_TS_MAX_MS - 1, "acct-2", 6, 599, SLAGG_CAUSE_CONTENT_BAN},
        {good.ts_ms, "acct-1", 6, 100, SLAGG_CAUSE_NONE},
    };
    for (size_t i = 0; i < 3; i++) cr_assert_eq(slagg_shard_writer_append(w, &edge[i]), SLAGG_OK);
    cr_assert_eq(slagg_shard_writer_count(w), 4);
    cr_assert_eq(slagg_shard_writer_close(w), SLAGG_OK);
    slagg_shard_record all[] = {good, edge[0], edge[1], edge[2]};
    check_shard_equals(p, all, 4);
}

Test(shard_writer, batch_stops_at_first_bad_record)
{
    const char *p = tpath("b.shard");
    slagg_shard_writer_opts o = {2, 0, 1};
    slagg_shard_writer *w;
    cr_assert_eq(slagg_shard_writer_open(p, &o, &w), SLAGG_OK);
    slagg_shard_record r[5] = {
        {10, "a", 1, 200, SLAGG_CAUSE_NONE},
        {11, "b", 1, 200, SLAGG_CAUSE_NONE},
        {12, "a", 1, 500, SLAGG_CAUSE_NONE},
        {13, "a", 1, 700, SLAGG_CAUSE_NONE},
        {14, "a", 1, 200, SLAGG_CAUSE_NONE},
    };
    size_t done = 99;
    cr_assert_eq(slagg_shard_writer_append_batch(w, r, 5, &done), SLAGG_E_INPUT);
    cr_assert_eq(done, 3);
    cr_assert(strstr(slagg_shard_writer_error(w), "status 700") != NULL, "%s", slagg_shard_writer_error(w));
    cr_assert_eq(slagg_shard_writer_append_batch(w, r + 4, 1, NULL), SLAGG_OK);
    cr_assert_eq(slagg_shard_writer_close(w), SLAGG_OK);
    slagg_shard_record kept[] = {r[0], r[1], r[2], r[4]};
    check_shard_equals(p, kept, 4);
}

Test(shard_writer, unclosed_writer_leaves_no_path_and_an_unreadable_temp)
{
    const char *p = tpath("crash.shard");
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        slagg_shard_writer_opts o = {100, 0, 1};
        slagg_shard_writer *w;
        if (slagg_shard_writer_open(p, &o, &w) != SLAGG_OK) _exit(1);
        for (int i = 0; i < 1050; i++) {
            slagg_shard_record r = {1000 + i, "acct", 4, 200, SLAGG_CAUSE_NONE};
            if (slagg_shard_writer_append(w, &r) != SLAGG_OK) _exit(2);
        }
        _exit(0);   /* "crash": no close, no abort */
    }
    int ws;
    cr_assert_eq(waitpid(pid, &ws, 0), pid);
    cr_assert(WIFEXITED(ws) && WEXITSTATUS(ws) == 0);
    struct stat sb;
    cr_assert_neq(stat(p, &sb), 0, "PATH exists though the writer never closed");
    char tmp[512];
    cr_assert_eq(count_dir_entries(tmpdir, ".crash.shard.tmp-", tmp, sizeof tmp), 1);
    cr_assert_gt(stat(tmp, &sb) == 0 ? sb.st_size : 0, 32 + 48, "blocks were written");
    slagg_shard *s;
    slagg_err err;
    cr_assert_eq(slagg_shard_open(tmp, &s, &err), SLAGG_E_INPUT);
    cr_assert(strstr(err.msg, tmp) != NULL, "%s", err.msg);
    cr_assert(strstr(err.msg, "not a slagg shard") != NULL, "%s", err.msg);
    cr_assert(slagg_is_shard(tmp), "the temporary starts with the magic");
}

Test(shard_writer, abort_removes_the_temporary)
{
    const char *p = tpath("ab.shard");
    slagg_shard_writer_opts o = {10, 0, 1};
    slagg_shard_writer *w;
    cr_assert_eq(slagg_shard_writer_open(p, &o, &w), SLAGG_OK);
    for (int i = 0; i < 55; i++) {
        slagg_shard_record r = {1000 + i, "acct", 4, 200, SLAGG_CAUSE_NONE};
        cr_assert_eq(slagg_shard_writer_append(w, &r), SLAGG_OK);
    }
    cr_assert_eq(count_dir_entries(tmpdir, NULL, NULL, 0), 1);
    slagg_shard_writer_abort(w);
    cr_assert_eq(count_dir_entries(tmpdir, NULL, NULL, 0), 0);
}

Test(shard_writer, close_replaces_an_existing_file_and_creates_directories)
{
    const char *p = tpath("sub/dir/r.shard");
    slagg_shard_record r1 = {1, "a", 1, 200, SLAGG_CAUSE_NONE}, r2 = {2, "b", 1, 503, SLAGG_CAUSE_NONE};
    write_shard(p, &r1, 1, 0);
    write_shard(p, &r2, 1, 0);
    check_shard_equals(p, &r2, 1);
    cr_assert_eq(count_dir_entries(tpath("sub/dir"), NULL, NULL, 0), 1);
}

Test(shard_writer, close_failure_reports_and_removes_the_temporary)
{
    const char *p = tpath("isdir.shard");
    cr_assert_eq(mkdir(p, 0755), 0);
    char inner[600];
    snprintf(inner, sizeof inner, "%s/f", p);
    spit(inner, "x", 1);   /* a non-empty directory cannot be renamed over */
    slagg_shard_writer *w;
    cr_assert_eq(slagg_shard_writer_open(p, NULL, &w), SLAGG_OK);
    slagg_shard_record r = {1, "a", 1, 200, SLAGG_CAUSE_NONE};
    cr_assert_eq(slagg_shard_writer_append(w, &r), SLAGG_OK);
    slagg_err err = {0};
    cr_assert_eq(slagg_shard_writer_close_err(w, &err), SLAGG_E_IO);
    cr_assert(strstr(err.msg, p) != NULL, "%s", err.msg);
    cr_assert_eq(count_dir_entries(tmpdir, ".isdir.shard.tmp-", NULL, 0), 0);
}

Test(shard_writer, open_failure_names_the_path)
{
    spit(tpath("file"), "x", 1);
    const char *p = tpath("file/sub/x.shard");   /* a parent is a regular file */
    slagg_shard_writer *w = (slagg_shard_writer *)1;
    slagg_err err = {0};
    cr_assert_neq(slagg_shard_writer_open_err(p, NULL, &w, &err), SLAGG_OK);
    cr_assert_null(w);
    cr_assert(strstr(err.msg, tpath("file")) != NULL, "%s", err.msg);
    cr_assert_eq(slagg_shard_writer_open(p, NULL, &w), SLAGG_E_IO);
}

/* Every allocation failure is reported as SLAGG_E_NOMEM (or the operation
 * succeeds), never a crash or a leak: each child process fails its k-th
 * allocation and exits with a code that tells what happened
 * (under ASan, a use-after-free or double free on a failure path kills
 * the child with ASan's own exit code 1). */
Test(shard_writer, allocation_failures_are_clean, .timeout = 120)
{
    make_pool();
    int saw_nomem = 0, saw_ok = 0;
    for (int k = 0; k < 60; k++) {
        pid_t pid = fork();
        cr_assert_geq(pid, 0);
        if (pid == 0) {
            slagg_alloc_fail_after(k);
            slagg_shard_writer_opts o = {1000, 0, 1};
            slagg_shard_writer *w;
            slagg_err err;
            char path[600];
            snprintf(path, sizeof path, "%s/nomem-%d.shard", tmpdir, k);
            slagg_status st = slagg_shard_writer_open(path, &o, &w);
            if (st == SLAGG_OK) {
                for (int i = 0; i < 3500 && st == SLAGG_OK; i++) {
                    int a = i % POOL;
                    slagg_shard_record r = {i, pool[a], pool_len[a], 200, SLAGG_CAUSE_NONE};
                    st = slagg_shard_writer_append(w, &r);
                }
                if (st == SLAGG_OK)
                    st = slagg_shard_writer_close(w);
                else
                    slagg_shard_writer_abort(w);
            }
            if (st == SLAGG_OK) {
                slagg_shard *s;
                st = slagg_shard_open(path, &s, &err);
                if (st == SLAGG_OK) {
                    slagg_shard_block b = {0};
                    for (size_t i = 0; i < slagg_shard_block_count(s) && st == SLAGG_OK; i++)
                        st = slagg_shard_read_block(s, i, &b, &err);
                    slagg_shard_block_free(&b);
                    slagg_shard_close(s);
                }
            }
            _exit(st == SLAGG_OK ? 0 : st == SLAGG_E_NOMEM ? 10 : 20);
        }
        int ws;
        cr_assert_eq(waitpid(pid, &ws, 0), pid);
        cr_assert(WIFEXITED(ws), "allocation %d: child died", k);
        int code = WEXITSTATUS(ws);
        cr_assert(code == 0 || code == 10, "allocation %d: exit %d", k, code);
        saw_ok |= code == 0;
        saw_nomem |= code == 10;
    }
    cr_assert(saw_nomem);
    cr_assert(saw_ok, "60 allocations should be enough for the whole run");
    /* no temporary left behind by any failure */
    cr_assert_eq(count_dir_entries(tmpdir, ".", NULL, 0), 0);
}

/* ---- corruption --------------------------------------------------------------------------- */

/* Opens path and reads every block; returns the first failure. */
static slagg_status try_read(const char *path, slagg_err *err)
{
    memset(err, 0, sizeof *err);
    slagg_shard *s;
    slagg_status st = slagg_shard_open(path, &s, err);
    if (st != SLAGG_OK) return st;
    slagg_shard_block b = {0};
    for (size_t i = 0; i < slagg_shard_block_count(s) && st == SLAGG_OK; i++)
        st = slagg_shard_read_block(s, i, &b, err);
    slagg_shard_block_free(&b);
    slagg_shard_close(s);
    return st;
}

/* try_read must fail with SLAGG_E_INPUT, naming the file and saying what. */
static void expect_rejected(const char *path, const char *what)
{
    slagg_err err;
    slagg_status st = try_read(path, &err);
    cr_assert_eq(st, SLAGG_E_INPUT, "status %d: %s", st, err.msg);
    cr_assert(strncmp(err.msg, path, strlen(path)) == 0 && err.msg[strlen(path)] == ':',
              "message does not start with the path: %s", err.msg);
    if (what) cr_assert(strstr(err.msg, what) != NULL, "expected \"%s\" in: %s", what, err.msg);
}

/* The standard victim: 3000 records in 3 blocks. */
static const char *good_shard(void)
{
    rng_state = 77;
    size_t n = 3000;
    slagg_shard_record *r = make_records(n, 40, 0, 1772294400000LL, 86400000);
    static char p[512];   /* not one of tpath's rotating buffers */
    snprintf(p, sizeof p, "%s/good.shard", tmpdir);
    write_shard(p, r, n, 1000);
    free(r);
    slagg_err err;
    cr_assert_eq(try_read(p, &err), SLAGG_OK, "%s", err.msg);
    return p;
}

static void put64le(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) p[i] = (unsigned char)(v >> (8 * i));
}
static void put32le(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (8 * i));
}
static uint64_t get64le(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
    return v;
}
static uint32_t get32le(const unsigned char *p)
{
    return (uint32_t)get64le((const unsigned char[8]){p[0], p[1], p[2], p[3], 0, 0, 0, 0});
}

/* Copies src to a new file with byte off xor-ed with x. */
static const char *flipped(const char *src, size_t off, unsigned char x, const char *name)
{
    size_t n;
    unsigned char *d = slurp(src, &n);
    cr_assert_lt(off, n);
    d[off] ^= x;
    const char *p = tpath(name);
    spit(p, d, n);
    free(d);
    return p;
}

/* Offsets of the parts of a shard file. */
typedef struct layout {
    size_t size, footer_off, footer_comp, n_blocks;
    size_t block_off[16], block_comp[16];
} layout;

static layout layout_of(const unsigned char *d, size_t n)
{
    layout l = {0};
    l.size = n;
    const unsigned char *t = d + n - 64;
    l.footer_off = (size_t)get64le(t);
    l.footer_comp = (size_t)get64le(t + 8);
    l.n_blocks = (size_t)get64le(t + 24);
    cr_assert_leq(l.n_blocks, 16);
    size_t off = 32;
    for (size_t i = 0; i < l.n_blocks; i++) {
        l.block_off[i] = off;
        l.block_comp[i] = get32le(d + off + 24);
        off += 48 + l.block_comp[i];
    }
    cr_assert_eq(off, l.footer_off);
    return l;
}

static void rehash_header(unsigned char *d)
{
    put64le(d + 24, XXH64(d, 24, 0));
}
static void rehash_block_header(unsigned char *h)
{
    put64le(h + 40, XXH64(h, 40, 0));
}
static void rehash_trailer(unsigned char *t)
{
    put64le(t + 48, XXH64(t, 48, 0));
}

Test(shard_corrupt, flipped_byte_in_file_header)
{
    const char *g = good_shard();
    expect_rejected(flipped(g, 12, 0x01, "h.shard"), "file header checksum");
    expect_rejected(flipped(g, 20, 0x80, "h2.shard"), "file header checksum");
    expect_rejected(flipped(g, 0, 0x20, "h3.shard"), "not a slagg shard");
}

Test(shard_corrupt, flipped_byte_in_block_header)
{
    const char *g = good_shard();
    size_t n;
    unsigned char *d = slurp(g, &n);
    layout l = layout_of(d, n);
    free(d);
    expect_rejected(flipped(g, l.block_off[1] + 5, 0x04, "bh.shard"), "block 1: header checksum");
    expect_rejected(flipped(g, l.block_off[2] + 0, 0x04, "bh2.shard"), "block 2: no block magic");
    expect_rejected(flipped(g, l.block_off[0] + 41, 0x04, "bh3.shard"), "block 0: header checksum");
}

Test(shard_corrupt, flipped_byte_in_block_payload)
{
    const char *g = good_shard();
    size_t n;
    unsigned char *d = slurp(g, &n);
    layout l = layout_of(d, n);
    free(d);
    for (size_t b = 0; b < 3; b++) {
        char name[32];
        snprintf(name, sizeof name, "bp%zu.shard", b);
        char what[64];
        snprintf(what, sizeof what, "block %zu: checksum mismatch", b);
        expect_rejected(flipped(g, l.block_off[b] + 48 + l.block_comp[b] / 2, 0x10, name), what);
        snprintf(name, sizeof name, "bpe%zu.shard", b);
        expect_rejected(flipped(g, l.block_off[b] + 48 + l.block_comp[b] - 1, 0x01, name), what);
    }
}

Test(shard_corrupt, flipped_byte_in_footer)
{
    const char *g = good_shard();
    size_t n;
    unsigned char *d = slurp(g, &n);
    layout l = layout_of(d, n);
    free(d);
    expect_rejected(flipped(g, l.footer_off + l.footer_comp / 2, 0x01, "f.shard"), "footer checksum");
    expect_rejected(flipped(g, l.footer_off + l.footer_comp - 1, 0x80, "f2.shard"), "footer checksum");
}

Test(shard_corrupt, flipped_byte_in_trailer)
{
    const char *g = good_shard();
    size_t n;
    unsigned char *d = slurp(g, &n);
    free(d);
    for (size_t off = 0; off < 56; off += 5) {
        char name[32];
        snprintf(name, sizeof name, "t%zu.shard", off);
        expect_rejected(flipped(g, n - 64 + off, 0x02, name), "trailer checksum");
    }
    expect_rejected(flipped(g, n - 1, 0x02, "tm.shard"), "not a slagg shard: no trailer");
}

Test(shard_corrupt, truncated_files)
{
    const char *g = good_shard();
    size_t n;
    unsigned char *d = slurp(g, &n);
    const char *p = tpath("trunc.shard");
    size_t cuts[] = {n - 1, n - 63, n - 64, n / 2, 100, 40, 32, 31, 8, 7, 1};
    for (size_t i = 0; i < sizeof cuts / sizeof *cuts; i++) {
        spit(p, d, cuts[i]);
        expect_rejected(p, "not a slagg shard");
    }
    spit(p, d, 0);
    expect_rejected(p, "not a slagg shard: empty file");
    /* a shard with bytes appended is no longer a shard either */
    unsigned char *longer = malloc(n + 10);
    memcpy(longer, d, n);
    memset(longer + n, 0, 10);
    spit(p, longer, n + 10);
    expect_rejected(p, "not a slagg shard");
    free(longer);
    free(d);
}

Test(shard_corrupt, not_a_shard_at_all)
{
    const char *p = tpath("csv.shard");
    spit(p, "ts,account,status\n1,a,200\n", 26);
    expect_rejected(p, "not a slagg shard");
    slagg_err err;
    slagg_shard *s;
    cr_assert_eq(slagg_shard_open(tpath("nope"), &s, &err), SLAGG_E_INPUT);   /* missing: issue 15 */
    cr_assert(strstr(err.msg, tpath("nope")) != NULL);
    cr_assert_eq(slagg_shard_open(tmpdir, &s, &err), SLAGG_E_INPUT);
}

Test(shard_corrupt, newer_major_version_and_unknown_flags)
{
    const char *g = good_shard();
    size_t n;
    unsigned char *d = slurp(g, &n);
    const char *p = tpath("v3.shard");
    d[8] = 3;   /* major 3, minor 0, header hash recomputed */
    rehash_header(d);
    spit(p, d, n);
    expect_rejected(p, "shard format version 3.0 is newer than this slagg reads (2.x)");
    d[8] = 2;   /* a 1.0 file claiming 2.0: its blocks are not 2.0 blocks */
    rehash_header(d);
    spit(p, d, n);
    expect_rejected(p, "corrupt shard");
    d[8] = 1;
    d[10] = 7;   /* minor 7: additions a 1.0 reader may ignore */
    rehash_header(d);
    spit(p, d, n);
    slagg_err err;
    slagg_shard *s;
    cr_assert_eq(slagg_shard_open(p, &s, &err), SLAGG_OK, "%s", err.msg);
    cr_assert_eq(slagg_shard_version_minor(s), 7);
    slagg_shard_close(s);
    d[10] = 0;
    d[12] = 1;   /* flags */
    rehash_header(d);
    spit(p, d, n);
    expect_rejected(p, "flags");
    free(d);
}

/* Block header fields set to huge values, header hash recomputed. */
Test(shard_corrupt, huge_block_header_counts)
{
    const char *g = good_shard();
    size_t n;
    unsigned char *orig = slurp(g, &n);
    layout l = layout_of(orig, n);
    const char *p = tpath("bc.shard");
    size_t fields[] = {4, 24, 28};   /* records, comp_size, raw_size */
    uint32_t values[] = {0xffffffffu, 1u << 24, (1u << 24) + 1, 0x7fffffffu, 0};
    for (size_t f = 0; f < 3; f++) {
        for (size_t v = 0; v < sizeof values / sizeof *values; v++) {
            unsigned char *d = malloc(n);
            memcpy(d, orig, n);
            unsigned char *h = d + l.block_off[1];
            put32le(h + fields[f], values[v]);
            rehash_block_header(h);
            spit(p, d, n);
            expect_rejected(p, "block 1");
            free(d);
        }
    }
    free(orig);
}

/* Trailer fields set to huge values, trailer hash recomputed. */
Test(shard_corrupt, huge_trailer_counts)
{
    const char *g = good_shard();
    size_t n;
    unsigned char *orig = slurp(g, &n);
    const char *p = tpath("tc.shard");
    uint64_t values[] = {1ull << 60, UINT64_MAX, 1ull << 32, 1ull << 24, 0};
    for (size_t f = 0; f < 40; f += 8) {   /* footer off, comp, raw, n_blocks, n_records */
        for (size_t v = 0; v < sizeof values / sizeof *values; v++) {
            unsigned char *d = malloc(n);
            memcpy(d, orig, n);
            unsigned char *t = d + n - 64;
            put64le(t + f, values[v]);
            rehash_trailer(t);
            spit(p, d, n);
            expect_rejected(p, "corrupt shard");
            free(d);
        }
    }
    free(orig);
}

/* ---- the model: an independent decoder/encoder for crafted files ---------------------------- */

typedef struct model_block {
    unsigned char *raw;
    size_t raw_len;
    uint32_t records;
    int64_t min_ts, max_ts;
} model_block;

typedef struct model {
    unsigned char header[32];
    size_t n_blocks;
    model_block blk[16];
    unsigned char *footer;   /* raw; its index entries are rewritten on save unless keep_index */
    size_t footer_len;
    int keep_index;
    uint64_t n_records;      /* trailer value; recomputed on save unless keep_records */
    int keep_records;
} model;

static unsigned char *unzstd(const unsigned char *src, size_t n, size_t *out_len)
{
    unsigned long long sz = ZSTD_getFrameContentSize(src, n);
    cr_assert(sz != ZSTD_CONTENTSIZE_ERROR && sz != ZSTD_CONTENTSIZE_UNKNOWN);
    unsigned char *o = malloc(sz ? sz : 1);
    size_t r = ZSTD_decompress(o, sz, src, n);
    cr_assert(!ZSTD_isError(r) && r == sz);
    *out_len = r;
    return o;
}

static unsigned char *zstd(const unsigned char *src, size_t n, size_t *out_len)
{
    ZSTD_CCtx *c = ZSTD_createCCtx();
    ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1);
    size_t cap = ZSTD_compressBound(n);
    unsigned char *o = malloc(cap);
    size_t r = ZSTD_compress2(c, o, cap, src, n);
    cr_assert(!ZSTD_isError(r));
    ZSTD_freeCCtx(c);
    *out_len = r;
    return o;
}

static void model_load(const char *path, model *m)
{
    memset(m, 0, sizeof *m);
    size_t n;
    unsigned char *d = slurp(path, &n);
    layout l = layout_of(d, n);
    memcpy(m->header, d, 32);
    m->n_blocks = l.n_blocks;
    for (size_t i = 0; i < l.n_blocks; i++) {
        const unsigned char *h = d + l.block_off[i];
        m->blk[i].records = get32le(h + 4);
        m->blk[i].min_ts = (int64_t)get64le(h + 8);
        m->blk[i].max_ts = (int64_t)get64le(h + 16);
        m->blk[i].raw = unzstd(h + 48, l.block_comp[i], &m->blk[i].raw_len);
    }
    m->footer = unzstd(d + l.footer_off, l.footer_comp, &m->footer_len);
    m->n_records = get64le(d + n - 64 + 32);
    free(d);
}

static void model_save(model *m, const char *path)
{
    size_t cap = 1 << 20, len = 0;
    unsigned char *o = malloc(cap);
    memcpy(o, m->header, 32);
    len = 32;
    uint64_t records = 0;
    unsigned char *index = m->footer + m->footer_len - 36 * m->n_blocks;
    for (size_t i = 0; i < m->n_blocks; i++) {
        model_block *b = &m->blk[i];
        size_t cl;
        unsigned char *c = zstd(b->raw, b->raw_len, &cl);
        cr_assert_lt(len + 48 + cl, cap);
        unsigned char *h = o + len;
        memcpy(h, "BLK1", 4);
        put32le(h + 4, b->records);
        put64le(h + 8, (uint64_t)b->min_ts);
        put64le(h + 16, (uint64_t)b->max_ts);
        put32le(h + 24, (uint32_t)cl);
        put32le(h + 28, (uint32_t)b->raw_len);
        put64le(h + 32, XXH64(c, cl, 0));
        rehash_block_header(h);
        if (!m->keep_index) {
            unsigned char *e = index + 36 * i;
            put64le(e, len);
            put32le(e + 8, b->records);
            put32le(e + 12, (uint32_t)cl);
            put32le(e + 16, (uint32_t)b->raw_len);
            put64le(e + 20, (uint64_t)b->min_ts);
            put64le(e + 28, (uint64_t)b->max_ts);
        }
        memcpy(h + 48, c, cl);
        len += 48 + cl;
        records += b->records;
        free(c);
    }
    size_t fl;
    unsigned char *fc = zstd(m->footer, m->footer_len, &fl);
    cr_assert_lt(len + fl + 64, cap);
    uint64_t footer_off = len;
    memcpy(o + len, fc, fl);
    len += fl;
    unsigned char *t = o + len;
    put64le(t, footer_off);
    put64le(t + 8, fl);
    put64le(t + 16, m->footer_len);
    put64le(t + 24, m->n_blocks);
    put64le(t + 32, m->keep_records ? m->n_records : records);
    put64le(t + 40, XXH64(fc, fl, 0));
    rehash_trailer(t);
    memcpy(t + 56, "SLAGGEND", 8);
    len += 64;
    spit(path, o, len);
    free(fc);
    free(o);
}

static void model_free(model *m)
{
    for (size_t i = 0; i < m->n_blocks; i++) free(m->blk[i].raw);
    free(m->footer);
}

/* A small shard whose raw block is easy to edit: 1 block, 4 records of
 * 2 accounts ("a": ts 1000, 1005; "b": ts 1002, 1010), pairs (200,0),
 * (503,1). Raw block: 02 00 | c8 00 00 | f7 01 01 | 02 00 00 00 | 00 02 01 02 |
 * codes 00 01 00 00 | ts 00 05 02 08. */
static const char *tiny_shard(void)
{
    slagg_shard_record r[] = {
        {1005, "a", 1, 503, SLAGG_CAUSE_PROVIDER},
        {1002, "b", 1, 200, SLAGG_CAUSE_NONE},
        {1000, "a", 1, 200, SLAGG_CAUSE_NONE},
        {1010, "b", 1, 200, SLAGG_CAUSE_NONE},
    };
    static char p[512];
    snprintf(p, sizeof p, "%s/tiny.shard", tmpdir);
    write_shard(p, r, 4, 0);
    return p;
}

static const unsigned char tiny_raw[] = {0x02, 0x00, 0xc8, 0x00, 0x00, 0xf7, 0x01, 0x01,
                                         0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x01, 0x02,
                                         0x00, 0x01, 0x00, 0x00, 0x00, 0x05, 0x02, 0x08};

Test(shard_corrupt, model_matches_the_documented_layout)
{
    const char *g = tiny_shard();
    model m;
    model_load(g, &m);
    cr_assert_eq(m.n_blocks, 1);
    cr_assert_eq(m.blk[0].raw_len, sizeof tiny_raw);
    cr_assert_eq(memcmp(m.blk[0].raw, tiny_raw, sizeof tiny_raw), 0);
    cr_assert_eq(m.blk[0].min_ts, 1000);
    cr_assert_eq(m.blk[0].max_ts, 1010);
    /* footer: 2 accounts "a", "b"; 1 block */
    static const unsigned char dict[] = {2, 0, 0, 0, 1, 'a', 1, 'b', 1, 0, 0, 0, 0, 0, 0, 0};
    cr_assert_eq(m.footer_len, sizeof dict + 36);
    cr_assert_eq(memcmp(m.footer, dict, sizeof dict), 0);
    /* re-encoding through the model gives a valid shard */
    const char *p = tpath("re.shard");
    model_save(&m, p);
    slagg_err err;
    cr_assert_eq(try_read(p, &err), SLAGG_OK, "%s", err.msg);
    model_free(&m);
}

/* One raw-block edit per case (offsets in tiny_raw); every other byte and
 * every hash and size stays consistent, so only the decoder's checks can
 * catch it. */
typedef struct raw_edit {
    size_t off, len;
    unsigned char bytes[4];
    const char *what;
} raw_edit;

Test(shard_corrupt, block_contents_checked)
{
    const char *g = tiny_shard();
    static const raw_edit edits[] = {
        {0, 1, {0x00}, "bad pair count"},                   /* n_pairs 0 */
        {0, 1, {0xff}, "bad pair count"},                   /* more pairs than bytes */
        {1, 1, {0x80}, "bad pair count"},                   /* n_pairs 0x8002 */
        {2, 2, {0x58, 0x02}, "pair table: status not 0 or 100-599"},    /* status 600 */
        {2, 1, {0x63}, "pair table: status not 0 or 100-599"},          /* status 99 */
        {4, 1, {0x07}, "pair table: unknown cause"},
        {2, 3, {0xf7, 0x01, 0x01}, "pair table not strictly sorted"},   /* a repeated pair */
        {2, 3, {0xf8, 0x01, 0x00}, "pair table not strictly sorted"},   /* (504,0) before (503,1) */
        {8, 1, {0x00}, "bad run count"},                    /* 0 runs */
        {8, 1, {0x05}, "bad run count"},                    /* more runs than records */
        {11, 1, {0x01}, "bad run count"},                   /* 2^24 + 2 runs */
        {13, 1, {0x05}, "run lengths"},                     /* run length 5 > 4 records */
        {13, 1, {0x00}, "run lengths"},                     /* run length 0 */
        {15, 1, {0x01}, "run lengths"},                     /* runs add up to 3 */
        {14, 1, {0x02}, "account id beyond the dictionary"},
        {14, 1, {0x00}, "runs not sorted by account"},
        {17, 1, {0x02}, "code beyond the pair table"},
        {20, 1, {0x0b}, "timestamp beyond the block's time range"},  /* first ts 1011 > max 1010 */
        {21, 1, {0x0b}, "timestamp beyond the block's time range"},  /* 1000 + 11 */
        {20, 1, {0x01}, "time range in the header"},       /* min 1000 never occurs */
        {23, 1, {0x88}, "truncated timestamps"},           /* last varint runs off the end */
    };
    for (size_t i = 0; i < sizeof edits / sizeof *edits; i++) {
        model m;
        model_load(g, &m);
        cr_assert_leq(edits[i].off + edits[i].len, m.blk[0].raw_len);
        memcpy(m.blk[0].raw + edits[i].off, edits[i].bytes, edits[i].len);
        const char *p = tpath("edit.shard");
        model_save(&m, p);
        char what[128];
        snprintf(what, sizeof what, "block 0: %s", edits[i].what);
        expect_rejected(p, what);
        model_free(&m);
    }
}

/* tests/fuzz/corpus/shard_payload/delta_past_int64: a first delta that
 * leaves the range by about 2^63, then more records of the run. The time
 * pass checks each delta against hi - base; after the bad one, base is
 * far outside the range, and hi - base must not overflow (UBSan found the
 * signed overflow). The block is refused as out of range. */
Test(shard_corrupt, huge_delta_then_more_records_is_refused_without_overflow)
{
    const char *g = tiny_shard();
    model m;
    model_load(g, &m);
    static const unsigned char raw[] = {
        0x01, 0x00, 0xc8, 0x00, 0x00,                    /* 1 pair: (200, none) */
        0x01, 0x00, 0x00, 0x00, 0x00, 0x04,              /* 1 run: account 0, 4 records */
        0x00, 0x00, 0x00, 0x00,                          /* codes */
        0x80, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f,   /* 0x7fffffffffffff00 */
        0x00, 0x00, 0x00};
    free(m.blk[0].raw);
    m.blk[0].raw = malloc(sizeof raw);
    memcpy(m.blk[0].raw, raw, sizeof raw);
    m.blk[0].raw_len = sizeof raw;
    const char *p = tpath("huge_delta.shard");
    model_save(&m, p);
    expect_rejected(p, "block 0: timestamp beyond the block's time range");
    model_free(&m);
}

Test(shard_corrupt, block_length_mismatches)
{
    const char *g = tiny_shard();
    model m;
    const char *p = tpath("len.shard");
    /* trailing byte after the timestamps */
    model_load(g, &m);
    m.blk[0].raw = realloc(m.blk[0].raw, m.blk[0].raw_len + 1);
    m.blk[0].raw[m.blk[0].raw_len++] = 0;
    model_save(&m, p);
    expect_rejected(p, "trailing bytes");
    model_free(&m);
    /* missing last ts */
    model_load(g, &m);
    m.blk[0].raw_len -= 1;
    model_save(&m, p);
    expect_rejected(p, "block 0");
    model_free(&m);
    /* header record count disagreeing with the runs (index agrees with it) */
    model_load(g, &m);
    m.blk[0].records = 5;
    m.keep_records = 1;
    m.n_records = 5;
    model_save(&m, p);
    expect_rejected(p, "block 0");
    model_free(&m);
    /* header time range wider than the records (and index agrees) */
    model_load(g, &m);
    m.blk[0].max_ts = 2000;
    model_save(&m, p);
    expect_rejected(p, "time range in the header");
    model_free(&m);
    /* a time range beyond 2099 */
    model_load(g, &m);
    m.blk[0].max_ts = SLAGG_TS_MAX_MS;
    model_save(&m, p);
    expect_rejected(p, "time range");
    model_free(&m);
}

Test(shard_corrupt, index_must_match_block_headers)
{
    const char *g = good_shard();
    const char *p = tpath("idx.shard");
    model m;
    model_load(g, &m);
    m.keep_index = 1;   /* index from the original file */
    m.blk[1].min_ts -= 1;
    model_save(&m, p);
    expect_rejected(p, "block 1");
    model_free(&m);
    /* index entry with different sizes than the block: offsets no longer contiguous */
    model_load(g, &m);
    m.keep_index = 1;
    m.blk[0].raw = realloc(m.blk[0].raw, m.blk[0].raw_len + 5000);
    memset(m.blk[0].raw + m.blk[0].raw_len, 0x55, 5000);
    m.blk[0].raw_len += 5000;
    model_save(&m, p);
    expect_rejected(p, "corrupt shard");
    model_free(&m);
}

/* Footer (dictionary + index) edits, re-compressed with hashes and trailer fixed. */
Test(shard_corrupt, footer_contents_checked)
{
    const char *g = good_shard();
    const char *p = tpath("ft.shard");
    model m;
    size_t n_acc_off = 0;
    /* account count huge */
    uint32_t counts[] = {0xffffffffu, 1u << 31, 41, 39, 0};
    for (size_t i = 0; i < sizeof counts / sizeof *counts; i++) {
        model_load(g, &m);
        m.keep_index = 1;
        put32le(m.footer + n_acc_off, counts[i]);
        model_save(&m, p);
        expect_rejected(p, "corrupt shard: footer");
        model_free(&m);
    }
    /* an account name with a control character, a zero length, a repeat */
    model_load(g, &m);
    m.keep_index = 1;
    m.footer[5] = '\n';
    model_save(&m, p);
    expect_rejected(p, "account 0");
    model_free(&m);
    model_load(g, &m);
    m.keep_index = 1;
    m.footer[4] = 0;
    model_save(&m, p);
    expect_rejected(p, "corrupt shard: footer");
    model_free(&m);
    model_load(g, &m);
    m.keep_index = 1;
    /* make some account equal the one before it (two names of one length) */
    size_t at = 4, prev = 0;
    int done = 0;
    for (uint32_t id = 0; id < get32le(m.footer) && !done; id++) {
        if (id && m.footer[at] == m.footer[prev]) {
            memcpy(m.footer + at + 1, m.footer + prev + 1, m.footer[at]);
            done = 1;
        }
        prev = at;
        at += 1 + m.footer[at];
    }
    cr_assert(done);
    model_save(&m, p);
    expect_rejected(p, "repeats account");
    model_free(&m);
}

Test(shard_corrupt, index_entries_huge)
{
    const char *g = good_shard();
    const char *p = tpath("ih.shard");
    /* entry fields: offset 0 (u64), records 8, comp 12, raw 16 (u32), min 20, max 28 (i64) */
    struct {
        size_t off;
        int wide;
        uint64_t v;
    } cases[] = {
        {0, 1, 1ull << 60}, {0, 1, 33}, {8, 0, 0xffffffffu}, {8, 0, 0}, {8, 0, 1001},
        {12, 0, 0xffffffffu}, {12, 0, 3}, {16, 0, 0xffffffffu}, {16, 0, 65u << 20},
        {20, 1, UINT64_MAX}, {28, 1, 1ull << 62}, {28, 1, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        model m;
        model_load(g, &m);
        m.keep_index = 1;
        unsigned char *e = m.footer + m.footer_len - 36 * m.n_blocks + 36 * 1;
        if (cases[i].wide)
            put64le(e + cases[i].off, cases[i].v);
        else
            put32le(e + cases[i].off, (uint32_t)cases[i].v);
        model_save(&m, p);
        expect_rejected(p, "corrupt shard");
        model_free(&m);
    }
    /* the footer's block count disagreeing with the trailer */
    model m;
    model_load(g, &m);
    m.keep_index = 1;
    put64le(m.footer + m.footer_len - 36 * m.n_blocks - 8, 1ull << 60);
    model_save(&m, p);
    expect_rejected(p, "corrupt shard: footer");
    model_free(&m);
    /* the trailer's record count disagreeing with the blocks */
    model_load(g, &m);
    m.keep_records = 1;
    m.n_records += 1;
    model_save(&m, p);
    expect_rejected(p, "corrupt shard");
    model_free(&m);
}

/* A footer frame whose declared content size is huge (trailer agreeing):
 * caught by the bound on the footer size, before any allocation. */
Test(shard_corrupt, footer_raw_size_huge)
{
    const char *g = good_shard();
    size_t n;
    unsigned char *d = slurp(g, &n);
    unsigned char *t = d + n - 64;
    put64le(t + 16, 1ull << 40);
    rehash_trailer(t);
    const char *p = tpath("fr.shard");
    spit(p, d, n);
    expect_rejected(p, "footer size");
    free(d);
}

/* ---- bounded open files (SPEC 6: the number of open files never limits
 * how many inputs a run takes) ------------------------------------------------------- */

TestSuite(shard_pool, .init = setup, .fini = teardown);

static size_t open_fds(void)
{
    return count_dir_entries("/proc/self/fd", NULL, NULL, 0);
}

typedef struct pool_arg {
    slagg_shard **s;
    size_t n;
    unsigned seed;
    uint64_t sum;
    int failed;
} pool_arg;

/* Reads every block of every shard, shards interleaved, in an order that
 * differs per thread; sums what it read. */
static void *pool_reader(void *p)
{
    pool_arg *a = p;
    slagg_shard_block b = {0};
    slagg_err err;
    size_t nb = slagg_shard_block_count(a->s[0]);
    for (size_t i = 0; i < nb; i++) {
        for (size_t k = 0; k < a->n; k++) {
            size_t sh = (k * 5 + a->seed) % a->n, blk = (i + a->seed) % nb;
            if (slagg_shard_read_block(a->s[sh], blk, &b, &err) != SLAGG_OK) {
                a->failed = 1;
                continue;
            }
            for (uint32_t j = 0; j < b.n; j++)
                a->sum += (uint64_t)b.ts_ms[j] * 31 + b.account[j] * 7u + b.status[j] + b.cause[j] + sh;
        }
    }
    slagg_shard_block_free(&b);
    return NULL;
}

Test(shard_pool, many_shards_read_through_two_open_files)
{
    enum { N = 7 };
    rng_state = 11;
    slagg_shard *plain[N], *pooled[N];
    slagg_err err = {0};
    for (int i = 0; i < N; i++) {
        char name[32];
        snprintf(name, sizeof name, "p%d.shard", i);
        slagg_shard_record *r = make_records(4000, 40, 0, 1772294400000LL, 86400000);
        write_shard(tpath(name), r, 4000, 500);
        free(r);
    }
    slagg_shard_pool *fdp;
    cr_assert_eq(slagg_shard_pool_new(2, &fdp, &err), SLAGG_OK);
    size_t fds0 = open_fds();
    for (int i = 0; i < N; i++) {
        char name[32];
        snprintf(name, sizeof name, "p%d.shard", i);
        cr_assert_eq(slagg_shard_open_pooled(tpath(name), fdp, &pooled[i], &err), SLAGG_OK, "%s", err.msg);
        cr_assert_eq(slagg_shard_block_count(pooled[i]), 8);
    }
    /* seven shards open, their footers read: two files held */
    cr_assert_eq(open_fds(), fds0 + 2, "%zu files open, pool of 2", open_fds() - fds0);
    pool_arg one = {pooled, N, 0, 0, 0};
    pool_reader(&one);
    cr_assert_not(one.failed);
    cr_assert_eq(open_fds(), fds0 + 2);
    cr_assert_gt(slagg_shard_pool_reopens(fdp), 0);
    /* the same bytes as shards each holding its own file */
    for (int i = 0; i < N; i++) {
        char name[32];
        snprintf(name, sizeof name, "p%d.shard", i);
        cr_assert_eq(slagg_shard_open(tpath(name), &plain[i], &err), SLAGG_OK);
    }
    pool_arg ref = {plain, N, 0, 0, 0};
    pool_reader(&ref);
    cr_assert_eq(ref.sum, one.sum);
    for (int i = 0; i < N; i++) slagg_shard_close(plain[i]);
    /* four threads share two files: some wait for one, none fails */
    pthread_t t[4];
    pool_arg args[4];
    for (unsigned i = 0; i < 4; i++) {
        args[i] = (pool_arg){pooled, N, 0, 0, 0};
        cr_assert_eq(pthread_create(&t[i], NULL, pool_reader, &args[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        cr_assert_not(args[i].failed);
        cr_assert_eq(args[i].sum, one.sum);
    }
    cr_assert_leq(open_fds(), fds0 + 2);
    for (int i = 0; i < N; i++) slagg_shard_close(pooled[i]);
    cr_assert_eq(open_fds(), fds0, "closing every shard closes every file");
    slagg_shard_pool_free(fdp);
}

Test(shard_pool, a_file_replaced_while_closed_is_refused)
{
    rng_state = 12;
    slagg_shard_record *r = make_records(3000, 20, 0, 1772294400000LL, 86400000);
    write_shard(tpath("a.shard"), r, 3000, 1000);
    write_shard(tpath("b.shard"), r, 3000, 1000);
    write_shard(tpath("other.shard"), r, 2000, 1000);
    free(r);
    slagg_shard_pool *fdp;
    slagg_shard *a, *b;
    slagg_shard_block blk = {0};
    slagg_err err = {0};
    cr_assert_eq(slagg_shard_pool_new(1, &fdp, &err), SLAGG_OK);
    cr_assert_eq(slagg_shard_open_pooled(tpath("a.shard"), fdp, &a, &err), SLAGG_OK);
    cr_assert_eq(slagg_shard_open_pooled(tpath("b.shard"), fdp, &b, &err), SLAGG_OK);  /* closes a's file */
    cr_assert_eq(rename(tpath("other.shard"), tpath("a.shard")), 0);
    cr_assert_eq(slagg_shard_read_block(b, 0, &blk, &err), SLAGG_OK);
    cr_assert_eq(slagg_shard_read_block(a, 0, &blk, &err), SLAGG_E_IO);
    cr_assert(strstr(err.msg, "a.shard: the file changed while it was read"), "%s", err.msg);
    slagg_shard_block_free(&blk);
    slagg_shard_close(a);
    slagg_shard_close(b);
    slagg_shard_pool_free(fdp);
}

Test(shard_writer, seal_releases_the_file_and_close_only_renames)
{
    rng_state = 13;
    size_t n = 5000;
    slagg_shard_record *r = make_records(n, 30, 0, 1772294400000LL, 86400000);
    const char *p = tpath("sealed.shard");
    slagg_shard_writer_opts o = {1000, 0, 1};
    slagg_shard_writer *w;
    slagg_err err = {0};
    size_t fds0 = open_fds();
    cr_assert_eq(slagg_shard_writer_open(p, &o, &w), SLAGG_OK);
    cr_assert_eq(open_fds(), fds0 + 1);
    cr_assert_eq(slagg_shard_writer_append_batch(w, r, n, NULL), SLAGG_OK);
    cr_assert_eq(slagg_shard_writer_seal(w, &err), SLAGG_OK, "%s", err.msg);
    cr_assert_eq(open_fds(), fds0, "a sealed writer holds no file");
    cr_assert(access(p, F_OK) != 0, "not in place before close");
    cr_assert_eq(count_dir_entries(tmpdir, ".sealed.shard.tmp-", NULL, 0), 1);
    cr_assert_eq(slagg_shard_writer_append(w, &r[0]), SLAGG_E_USAGE);
    cr_assert_eq(slagg_shard_writer_count(w), n);
    cr_assert_eq(slagg_shard_writer_close_err(w, &err), SLAGG_OK, "%s", err.msg);
    cr_assert_eq(count_dir_entries(tmpdir, ".sealed.shard.tmp-", NULL, 0), 0);
    check_shard_equals(p, r, n);
    /* abort after seal removes the temporary */
    cr_assert_eq(slagg_shard_writer_open(tpath("gone.shard"), &o, &w), SLAGG_OK);
    cr_assert_eq(slagg_shard_writer_append_batch(w, r, 10, NULL), SLAGG_OK);
    cr_assert_eq(slagg_shard_writer_seal(w, &err), SLAGG_OK);
    slagg_shard_writer_abort(w);
    cr_assert_eq(count_dir_entries(tmpdir, ".gone.shard.tmp-", NULL, 0), 0);
    cr_assert(access(tpath("gone.shard"), F_OK) != 0);
    free(r);
}
