/*
 * test_shard_v2.c - shard format 2.0 (docs/FORMAT.md "Request-record
 * shards, version 2.0"): a head computed by hand, every byte of a file
 * covered by a check, a head that agrees with itself but not with its
 * records refused by every whole-block read, and 1.0 and 2.0 files of the
 * same records decoding to the same records.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "io/shard.h"
#include "slagg/shard.h"

static char dir[64];

static void setup(void)
{
    strcpy(dir, "/tmp/slagg_test_shard_v2_XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
}

static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) cr_log_warn("could not remove %s", dir);
}

static const char *tpath(const char *name)
{
    static char buf[4][256];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
    return buf[k];
}

/* 2026-03-02T00:00:00Z, a window boundary (UTC) */
#define T 1772409600000LL

typedef struct rec {
    int64_t ts;
    const char *acct;
    int status;
    slagg_cause cause;
} rec;

static const rec hand[] = {
    {T + 1000, "a", 200, SLAGG_CAUSE_NONE},     {T + 299999, "a", 503, SLAGG_CAUSE_PROVIDER},
    {T + 5, "b", 200, SLAGG_CAUSE_NONE},        {T + 300000, "a", 200, SLAGG_CAUSE_NONE},
    {T + 600500, "a", 0, SLAGG_CAUSE_PROVIDER}, {T + 10, "b", 504, SLAGG_CAUSE_NONE},
};

static void write_recs(const char *path, const rec *r, size_t n, uint32_t block, int format)
{
    slagg_shard_writer_opts o = {block, 0, format};
    slagg_shard_writer *w;
    cr_assert_eq(slagg_shard_writer_open(path, &o, &w), SLAGG_OK);
    for (size_t i = 0; i < n; i++) {
        slagg_shard_record x = {r[i].ts, r[i].acct, strlen(r[i].acct), r[i].status, r[i].cause};
        cr_assert_eq(slagg_shard_writer_append(w, &x), SLAGG_OK, "%s", slagg_shard_writer_error(w));
    }
    cr_assert_eq(slagg_shard_writer_close(w), SLAGG_OK);
}

TestSuite(shard_v2, .init = setup, .fini = teardown);

/* The head of one block, field by field, as FORMAT.md defines it.
 * Sorted: a (id 0) at +1000, +299999, +300000, +600500; b (id 1) at +5,
 * +10. Pairs: (0, provider), (200, -), (503, provider), (504, -): the OK
 * code is 1. Windows w0 = T / 300000 .. w0 + 2. */
Test(shard_v2, head_by_hand)
{
    const char *p = tpath("hand.shard");
    write_recs(p, hand, 6, 100, 0);
    slagg_err err;
    slagg_shard *s;
    cr_assert_eq(slagg_shard_open(p, &s, &err), SLAGG_OK, "%s", err.msg);
    cr_assert_eq(slagg_shard_version_major(s), 2);
    slagg_shard_head h;
    memset(&h, 0, sizeof h);
    cr_assert_eq(slagg_shard_head_read(s, 0, &h, &err), SLAGG_OK, "%s", err.msg);
    cr_assert_eq(h.records, 6);
    cr_assert_eq(h.w0, T / 300000);
    cr_assert_eq(h.nw, 3);
    cr_assert_eq(h.n_pairs, 4);
    cr_assert(h.pair_status[0] == 0 && h.pair_cause[0] == SLAGG_CAUSE_PROVIDER);
    cr_assert(h.pair_status[1] == 200 && h.pair_status[2] == 503 && h.pair_status[3] == 504);
    cr_assert(h.ok_lo == 1 && h.ok_hi == 2);
    cr_assert_eq(h.n_runs, 2);
    cr_assert(h.run_account[0] == 0 && h.run_len[0] == 4 && h.run_first[0] == 2 && h.run_last[0] == 1);
    cr_assert(h.run_account[1] == 1 && h.run_len[1] == 2 && h.run_first[1] == 2 && h.run_last[1] == 0);
    cr_assert_eq(h.n_exc, 3);
    /* index, run, code, window, ms, seg */
    const uint32_t want[3][6] = {{1, 0, 2, 0, 299999, 2}, {3, 0, 0, 2, 500, 1}, {5, 1, 3, 0, 10, 2}};
    for (int k = 0; k < 3; k++)
        cr_assert(h.exc_index[k] == want[k][0] && h.exc_run[k] == want[k][1] && h.exc_code[k] == want[k][2] &&
                      h.exc_win[k] == want[k][3] && h.exc_ms[k] == want[k][4] && h.exc_seg[k] == want[k][5],
                  "exception %d", k);
    cr_assert_eq(h.cover[0], 7);
    slagg_shard_head_free(&h);
    slagg_shard_close(s);
}

/* One record as read back, for comparing files whose blocks differ. */
typedef struct got {
    int64_t ts;
    uint32_t account;
    int status, cause;
} got;

static int got_cmp(const void *pa, const void *pb)
{
    const got *a = pa, *b = pb;
    if (a->ts != b->ts) return a->ts < b->ts ? -1 : 1;
    if (a->account != b->account) return a->account < b->account ? -1 : 1;
    if (a->status != b->status) return a->status - b->status;
    return a->cause - b->cause;
}

/* Every record of the shard at path, sorted (*n of them; free()). */
static got *read_sorted(const char *path, size_t *n)
{
    slagg_err err;
    slagg_shard *s;
    cr_assert_eq(slagg_shard_open(path, &s, &err), SLAGG_OK, "%s", err.msg);
    got *g = calloc(slagg_shard_records(s) + 1, sizeof *g);
    size_t m = 0;
    slagg_shard_block k;
    memset(&k, 0, sizeof k);
    for (size_t i = 0; i < slagg_shard_block_count(s); i++) {
        cr_assert_eq(slagg_shard_read_block(s, i, &k, &err), SLAGG_OK, "%s", err.msg);
        for (uint32_t j = 0; j < k.n; j++) {
            size_t len;
            const char *name = slagg_shard_account(s, k.account[j], &len);
            /* the shards' dictionaries differ in order: ids by name */
            g[m++] = (got){k.ts_ms[j], (uint32_t)strtoul(name + 4, NULL, 10), k.status[j], (int)k.cause[j]};
        }
    }
    slagg_shard_block_free(&k);
    *n = m;
    cr_assert_eq(m, slagg_shard_records(s));
    slagg_shard_close(s);
    qsort(g, m, sizeof *g, got_cmp);
    return g;
}

/* A 1.0 and a 2.0 file of the same records hold the same records,
 * whatever the block size (2.0's full blocks end at a window boundary, so
 * their blocks may differ from 1.0's). */
Test(shard_v2, same_records_as_format_1)
{
    static rec many[5000];
    static char names[50][8];
    uint64_t x = 99;
    for (int i = 0; i < 50; i++) snprintf(names[i], sizeof names[i], "acct%02d", i);
    static const int st[] = {200, 200, 200, 404, 503, 0, 500, 101, 599};
    for (size_t i = 0; i < 5000; i++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        many[i] = (rec){T + (int64_t)((x >> 20) % (3 * 86400000ULL)), names[(x >> 8) % 50], st[(x >> 40) % 9],
                        (slagg_cause)((x >> 50) % SLAGG_CAUSE_COUNT)};
    }
    const uint32_t blocks[] = {1, 7, 300, 5000};
    for (int b = 0; b < 4; b++) {
        write_recs(tpath("v1.shard"), many, 5000, blocks[b], 1);
        write_recs(tpath("v2.shard"), many, 5000, blocks[b], 2);
        size_t n1, n2;
        got *g1 = read_sorted(tpath("v1.shard"), &n1), *g2 = read_sorted(tpath("v2.shard"), &n2);
        cr_assert_eq(n1, 5000u);
        cr_assert_eq(n2, 5000u);
        for (size_t i = 0; i < n1; i++)
            cr_assert(got_cmp(&g1[i], &g2[i]) == 0, "record %zu (blocks of %u)", i, blocks[b]);
        free(g1);
        free(g2);
    }
}

/* Records in time order: 2.0's blocks share no window and hold fewer than
 * 2 block_records; 1.0's (the same records) cut inside windows. */
Test(shard_v2, full_blocks_end_at_a_window_boundary)
{
    static rec many[20000];
    static char names[30][8];
    for (int i = 0; i < 30; i++) snprintf(names[i], sizeof names[i], "acct%02d", i);
    for (size_t i = 0; i < 20000; i++)   /* 2.5 records a second: 750 a window */
        many[i] = (rec){T + (int64_t)i * 401 + 7, names[(i * 7) % 30], i % 97 ? 200 : 503, SLAGG_CAUSE_NONE};
    int shared[2] = {0, 0};
    for (int f = 1; f <= 2; f++) {
        write_recs(tpath("t.shard"), many, 20000, 3000, f);
        slagg_err err;
        slagg_shard *s;
        cr_assert_eq(slagg_shard_open(tpath("t.shard"), &s, &err), SLAGG_OK, "%s", err.msg);
        uint64_t total = 0;
        for (size_t i = 0; i < slagg_shard_block_count(s); i++) {
            const slagg_shard_block_info *bi = slagg_shard_block_at(s, i);
            cr_assert_lt(bi->records, 6000u);
            if (i) shared[f - 1] += bi->min_ts_ms / 300000 == slagg_shard_block_at(s, i - 1)->max_ts_ms / 300000;
            total += bi->records;
        }
        cr_assert_eq(total, 20000u);
        slagg_shard_close(s);
    }
    cr_assert_gt(shared[0], 0, "1.0 cuts every 3000 records, inside windows");
    cr_assert_eq(shared[1], 0, "2.0 blocks share %d windows", shared[1]);
}

static unsigned char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f);
    fseek(f, 0, SEEK_END);
    *n = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *d = malloc(*n);
    cr_assert_eq(fread(d, 1, *n, f), *n);
    fclose(f);
    return d;
}

static void spit(const char *path, const void *d, size_t n)
{
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(d, 1, n, f), n);
    fclose(f);
}

/* Every block of path read whole (the cursor) and by its head: the first
 * failure's status, or SLAGG_OK. */
static slagg_status read_all(const char *path, slagg_err *err)
{
    slagg_shard *s;
    slagg_status st = slagg_shard_open(path, &s, err);
    if (st != SLAGG_OK) return st;
    slagg_shard_block b;
    slagg_shard_head h;
    memset(&b, 0, sizeof b);
    memset(&h, 0, sizeof h);
    for (size_t i = 0; st == SLAGG_OK && i < slagg_shard_block_count(s); i++) {
        st = slagg_shard_head_read(s, i, &h, err);
        if (st == SLAGG_OK) st = slagg_shard_read_block(s, i, &b, err);
    }
    slagg_shard_block_free(&b);
    slagg_shard_head_free(&h);
    slagg_shard_close(s);
    return st;
}

/* Every byte is under a checksum: flipping any one is refused, by name. */
Test(shard_v2, every_flipped_byte_is_refused)
{
    const char *p = tpath("hand.shard");
    write_recs(p, hand, 6, 4, 0);   /* two blocks */
    size_t n;
    unsigned char *d = slurp(p, &n);
    const char *q = tpath("flip.shard");
    for (size_t off = 0; off < n; off++) {
        d[off] ^= 0x10;
        spit(q, d, n);
        d[off] ^= 0x10;
        slagg_err err;
        memset(&err, 0, sizeof err);
        slagg_status st = read_all(q, &err);
        cr_assert_eq(st, SLAGG_E_INPUT, "byte %zu of %zu flipped: read as %d", off, n, (int)st);
        cr_assert(strstr(err.msg, "flip.shard") != NULL, "%s", err.msg);
    }
    free(d);
}

static size_t zstd_frame(const void *src, size_t len, unsigned char **out)
{
    *out = malloc(ZSTD_compressBound(len));
    ZSTD_CCtx *cc = ZSTD_createCCtx();
    ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 1);
    ZSTD_CCtx_setParameter(cc, ZSTD_c_contentSizeFlag, 1);
    size_t r = ZSTD_compress2(cc, *out, ZSTD_compressBound(len), src, len);
    ZSTD_freeCCtx(cc);
    cr_assert(!ZSTD_isError(r));
    return r;
}

static void st32(unsigned char *p, uint32_t v) { memcpy(p, &v, 4); }
static void st64(unsigned char *p, uint64_t v) { memcpy(p, &v, 8); }
static uint32_t ld32(const unsigned char *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}
static uint64_t ld64(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

/* A head that is consistent in itself but not with its records (the
 * cover says window w0 + 1 is empty; a's record at +300000 is in it),
 * with every checksum and size recomputed: the head alone passes, every
 * whole-block read refuses the block. */
Test(shard_v2, head_disagreeing_with_its_records_is_refused)
{
    const char *p = tpath("hand.shard");
    write_recs(p, hand, 6, 100, 0);
    size_t n;
    unsigned char *d = slurp(p, &n);
    const size_t B = 32, H = SLAGG_SHARD_BLOCK2_HEADER;
    uint32_t c0 = ld32(d + B + 32), r0 = ld32(d + B + 36);
    unsigned char *raw0 = malloc(r0);
    cr_assert_eq(ZSTD_decompress(raw0, r0, d + B + H, c0), r0);
    cr_assert_eq(raw0[r0 - 1], 7);
    raw0[r0 - 1] = 5;   /* windows 0 and 2 only */
    unsigned char *z0;
    size_t nc0 = zstd_frame(raw0, r0, &z0);
    uint32_t c1 = ld32(d + B + 52), c2 = ld32(d + B + 72);
    /* the new file: header | block header | new frame 0 | frames 1, 2 | footer | trailer */
    size_t body = B + H + nc0 + c1 + c2;
    unsigned char *o = malloc(n + nc0 + 64);
    memcpy(o, d, B + H);
    memcpy(o + B + H, z0, nc0);
    memcpy(o + B + H + nc0, d + B + H + c0, (size_t)c1 + c2);
    unsigned char *h = o + B;
    st32(h + 24, (uint32_t)(nc0 + c1 + c2));
    st32(h + 32, (uint32_t)nc0);
    st64(h + 40, XXH64(z0, nc0, 0));
    st64(h + 92, XXH64(h, 92, 0));
    /* the footer's index entry: comp_size */
    const unsigned char *t = d + n - 64;
    uint64_t f_off = ld64(t), f_comp = ld64(t + 8), f_raw = ld64(t + 16);
    unsigned char *foot = malloc(f_raw);
    cr_assert_eq(ZSTD_decompress(foot, f_raw, d + f_off, f_comp), f_raw);
    st32(foot + f_raw - 36 + 12, (uint32_t)(nc0 + c1 + c2));
    unsigned char *zf;
    size_t nzf = zstd_frame(foot, f_raw, &zf);
    memcpy(o + body, zf, nzf);
    unsigned char *nt = o + body + nzf;
    memcpy(nt, t, 64);
    st64(nt, body);
    st64(nt + 8, nzf);
    st64(nt + 40, XXH64(zf, nzf, 0));
    st64(nt + 48, XXH64(nt, 48, 0));
    const char *q = tpath("forged.shard");
    spit(q, o, body + nzf + 64);
    slagg_err err;
    slagg_shard *s;
    cr_assert_eq(slagg_shard_open(q, &s, &err), SLAGG_OK, "%s", err.msg);
    slagg_shard_head hd;
    memset(&hd, 0, sizeof hd);
    cr_assert_eq(slagg_shard_head_read(s, 0, &hd, &err), SLAGG_OK, "%s", err.msg);
    cr_assert_eq(hd.cover[0], 5);
    slagg_shard_block b;
    memset(&b, 0, sizeof b);
    cr_assert_eq(slagg_shard_read_block(s, 0, &b, &err), SLAGG_E_INPUT);
    cr_assert(strstr(err.msg, "forged.shard: corrupt shard: block 0: cover does not match the records"), "%s",
              err.msg);
    slagg_shard_block_free(&b);
    slagg_shard_head_free(&hd);
    slagg_shard_close(s);
    free(foot);
    free(zf);
    free(z0);
    free(raw0);
    free(o);
    free(d);
}
