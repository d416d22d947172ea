/*
 * test_kernels.c - every fold kernel this CPU can run gives exactly what
 * the scalar kernel gives, and the reciprocal division is exact over its
 * whole domain (core/kernels/fold.h).
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "core/classify.h"
#include "core/cpu.h"
#include "core/dict.h"
#include "core/kernels/fold.h"
#include "core/maint.h"

Test(kernels, reciprocal_division_exact_below_2_27)
{
    for (uint32_t x = 0; x < (1u << 27); x++)
        if (slagg_div300k(x) != x / 300000u) cr_assert_fail("x=%u: %u != %u", x, slagg_div300k(x), x / 300000u);
}

Test(kernels, scalar_kernel_by_hand)
{
    /* windows 0, 0, 1, 63 of a ring based at slot 60 (mask 63) */
    uint32_t rel[] = {0, 299999, 300000, 63u * 300000u + 5};
    uint8_t fl[] = {1, 3, 1, 3};
    uint32_t ve[128] = {0};
    slagg_fold_run_scalar(rel, fl, 4, ve, 60, 63, 2);
    cr_assert_eq(ve[2 * 60], 2);
    cr_assert_eq(ve[2 * 60 + 1], 1);
    cr_assert_eq(ve[2 * 61], 1);
    cr_assert_eq(ve[2 * 61 + 1], 0);
    cr_assert_eq(ve[2 * ((60 + 63) & 63)], 1);
    cr_assert_eq(ve[2 * ((60 + 63) & 63) + 1], 1);
    uint32_t sum = 0;
    for (int i = 0; i < 64; i++) sum += ve[2 * i];
    cr_assert_eq(sum, 4);
}

Test(kernels, scalar_kernel_window_major_cells)
{
    /* account 2 of a window-major ring of 5 accounts and 8 windows: the
     * cells of window slot s are at 2 * (s * 5 + 2); base slot 6, so
     * windows 0, 1, 2 land in slots 6, 7, 0 (the ring wraps) */
    uint32_t rel[] = {10, 20, 300000, 600000, 600001};
    uint8_t fl[] = {3, 1, 0, 1, 3};
    uint32_t ve[2 * 5 * 8] = {0};
    slagg_fold_run_scalar(rel, fl, 5, ve + 2 * 2, 6, 7, 2 * 5);
    cr_assert_eq(ve[2 * (6 * 5 + 2)], 2);
    cr_assert_eq(ve[2 * (6 * 5 + 2) + 1], 1);
    cr_assert_eq(ve[2 * (7 * 5 + 2)], 0);
    cr_assert_eq(ve[2 * (0 * 5 + 2)], 2);
    cr_assert_eq(ve[2 * (0 * 5 + 2) + 1], 1);
    uint32_t sum = 0;
    for (int i = 0; i < 2 * 5 * 8; i++) sum += ve[i];
    cr_assert_eq(sum, 6, "nothing else is touched");
}

static uint64_t rng = 0x9E3779B97F4A7C15ULL;
static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* Random sorted runs: dense (many records a window), sparse, and runs
 * whose length is not a multiple of any vector width. */
Test(kernels, every_supported_kernel_matches_scalar)
{
    int n_k;
    const slagg_kernel *ks = slagg_kernels_all(&n_k);
    int tested = 0;
    for (int k = 0; k < n_k; k++) {
        if (!slagg_kernel_supported(&ks[k])) {
            cr_log_info("kernel %s: not supported by this CPU, skipped", ks[k].name);
            continue;
        }
        tested++;
        for (int round = 0; round < 400; round++) {
            size_t n = (size_t)(next_rand() % 3000);
            uint32_t *rel = malloc((n + 1) * sizeof *rel);
            uint8_t *fl = malloc(n + 1);
            uint32_t density = 1 + (uint32_t)(next_rand() % 200000);
            uint32_t x = (uint32_t)(next_rand() % 300000);
            for (size_t i = 0; i < n; i++) {
                x += (uint32_t)(next_rand() % density);
                if (x >= 86400000u) x = 86400000u - 1;
                rel[i] = x;
                fl[i] = (uint8_t)(next_rand() % 3 == 0 ? 1 : next_rand() % 4 == 0 ? 3 : next_rand() % 2);
            }
            /* even rounds: an account-major row (stride 2, 512 windows);
             * odd rounds: account 3's cells of a window-major ring of 7
             * accounts (stride 14, 128 windows) */
            uint32_t ve1[2048], ve2[2048];
            for (int i = 0; i < 2048; i++) ve1[i] = ve2[i] = (uint32_t)i * 7;
            uint32_t mask = round % 2 ? 127 : 511;
            size_t stride = round % 2 ? 14 : 2, off = round % 2 ? 6 : 0;
            uint32_t base = (uint32_t)(next_rand() % (mask + 1));
            slagg_fold_run_scalar(rel, fl, n, ve1 + off, base, mask, stride);
            ks[k].run(rel, fl, n, ve2 + off, base, mask, stride);
            cr_assert(memcmp(ve1, ve2, sizeof ve1) == 0,
                      "kernel %s differs from scalar (round %d, n %zu)", ks[k].name, round, n);
            free(rel);
            free(fl);
        }
    }
    cr_assert_geq(tested, 1);
}

Test(kernels, force_isa_selects_or_refuses)
{
    const slagg_kernel *k;
    slagg_err err = {0};
    /* the library reads no environment: the name is the job's isa option */
    setenv("SLAGG_FORCE_ISA", "sse9", 1);
    cr_assert_eq(slagg_kernel_select(&k, &err), SLAGG_OK);
    unsetenv("SLAGG_FORCE_ISA");
    cr_assert_eq(slagg_kernel_pick("scalar", &k, &err), SLAGG_OK);
    cr_assert_str_eq(k->name, "scalar");
    cr_assert_eq(slagg_kernel_pick("sse9", &k, &err), SLAGG_E_USAGE);
    cr_assert(strstr(err.msg, "sse9") != NULL, "%s", err.msg);
    cr_assert_eq(slagg_kernel_pick(NULL, &k, &err), SLAGG_OK);
    cr_assert(slagg_kernel_supported(k));
}

/* The flat kernel's inputs for a chunk of 2 accounts (sink column 2) and
 * 2 periods (sink row 2) in a window-major ring of 8 windows (base slot 6)
 * on day 0 (day_ms 0). Pair codes: 0 = 200, 1 = 503 "", 2 = 503 attack,
 * 3 = 0 "", 4 = 0 provider. */
static const uint16_t flat_status[] = {200, 503, 503, 0, 0};
static const uint8_t flat_cause[] = {SLAGG_CAUSE_NONE, SLAGG_CAUSE_NONE, SLAGG_CAUSE_ATTACK, SLAGG_CAUSE_NONE,
                                     SLAGG_CAUSE_PROVIDER};

static void flat_tables(uint8_t code_cls[5], uint8_t cls_flags[SLAGG_CLASS_COUNT])
{
    for (int k = 0; k < 5; k++) code_cls[k] = (uint8_t)slagg_class_of_pair(flat_status[k], flat_cause[k]);
    for (int c = 0; c < SLAGG_CLASS_COUNT; c++)
        cls_flags[c] = (uint8_t)(slagg_class_is_valid((slagg_class)c) | slagg_class_is_error((slagg_class)c) << 1);
}

#define CELL(slot, a) (2 * ((slot) * 3 + (a)))

Test(kernels, flat_kernel_by_hand)
{
    /* account 1 has a notified maintenance window [600000, 900000): window 2 of day 0 */
    slagg_dict *acc = slagg_dict_new();
    cr_assert_eq(slagg_dict_intern(acc, "a0", 2), 0);
    cr_assert_eq(slagg_dict_intern(acc, "a1", 2), 1);
    slagg_maint_in mi = {.start_ms = 600000, .end_ms = 900000, .scope = "a1", .scope_len = 2, .line = 2};
    slagg_tables t = {.maint = &mi, .n_maint = 1};
    slagg_maint_index *maint = NULL;
    slagg_err err = {0};
    cr_assert_eq(slagg_maint_build(&t, acc, &maint, &err), SLAGG_OK, "%s", err.msg);

    /* run 0: account 0, period 0; run 1: uncontracted (the sinks); run 2:
     * account 1, period 1 */
    const int64_t ts[] = {0, 1000, 300000, 300001, 600000, 650000, 900000, 900001, 1200000};
    const uint16_t code[] = {0, 1, 2, 1, 1, 4, 4, 4, 3};
    const uint32_t run_len[] = {3, 1, 5};
    const uint32_t ridx[] = {0, 0, 0, 1, 2, 0, 0, 0, 0};
    uint32_t run_acc[3 + SLAGG_FOLD_FLAT_AHEAD] = {0, 2, 1}, run_p[3 + SLAGG_FOLD_FLAT_AHEAD] = {0, 2, 1};
    for (int r = 3; r < 3 + SLAGG_FOLD_FLAT_AHEAD; r++) run_acc[r] = 1, run_p[r] = 1;
    uint8_t code_cls[5], cls_flags[SLAGG_CLASS_COUNT];
    flat_tables(code_cls, cls_flags);
    uint32_t ve[2 * 8 * 3] = {0}, nok[3] = {9, 9, 9}, ea[9], ew[9];
    uint64_t ptot[3 * SLAGG_CLASS_COUNT] = {0};
    slagg_fold_flat_args x = {
        .n = 9, .n_runs = 3, .ts_ms = ts, .code = code, .run_len = run_len, .ridx = ridx,
        .run_acc = run_acc, .run_p = run_p, .pair_status = flat_status, .pair_cause = flat_cause,
        .code_cls = code_cls, .cls_flags = cls_flags, .maint = maint, .n_accounts = 2,
        .day_ms = 0, .base_slot = 6, .mask = 7, .row = 3, .w_lo = 0,
        .ve = ve, .ptot = ptot, .run_nok = nok, .err_acc = ea, .err_win = ew,
    };
    slagg_fold_flat_scalar(&x);

    /* windows 0..4 sit in slots 6, 7, 0, 1, 2 */
    uint32_t want[2 * 8 * 3] = {0};
    want[CELL(6, 0)] = 2, want[CELL(6, 0) + 1] = 1;   /* 200, 503 "" (account 0: no maintenance) */
    want[CELL(7, 0)] = 1;                             /* 503 attack: valid, excluded */
    want[CELL(7, 2)] = 1, want[CELL(7, 2) + 1] = 1;   /* the sink takes what it gets, unread */
    want[CELL(0, 1)] = 1;                             /* 503 "" in maintenance: valid; 0 provider in it: nothing */
    want[CELL(1, 1)] = 2, want[CELL(1, 1) + 1] = 2;   /* 0 provider after the window: lost, twice */
    /* slot 2: status 0 "": not received, not valid */
    for (int i = 0; i < 2 * 8 * 3; i++) cr_assert_eq(ve[i], want[i], "ve[%d] = %u, want %u", i, ve[i], want[i]);

    uint64_t pw[3 * SLAGG_CLASS_COUNT] = {0};
    pw[0 * SLAGG_CLASS_COUNT + SLAGG_CLASS_OK] = 1;
    pw[0 * SLAGG_CLASS_COUNT + SLAGG_CLASS_ERROR] = 1;
    pw[0 * SLAGG_CLASS_COUNT + SLAGG_CLASS_EXCL_ATTACK] = 1;
    pw[2 * SLAGG_CLASS_COUNT + SLAGG_CLASS_ERROR] = 1;   /* the sink row: no maintenance lookup */
    pw[1 * SLAGG_CLASS_COUNT + SLAGG_CLASS_EXCL_MAINTENANCE] = 1;
    pw[1 * SLAGG_CLASS_COUNT + SLAGG_CLASS_EXCL_MAINT_LOST] = 1;
    pw[1 * SLAGG_CLASS_COUNT + SLAGG_CLASS_LOST] = 2;
    pw[1 * SLAGG_CLASS_COUNT + SLAGG_CLASS_NOT_RECEIVED] = 1;
    for (int i = 0; i < 3 * SLAGG_CLASS_COUNT; i++)
        cr_assert_eq(ptot[i], pw[i], "ptot[%d] = %llu, want %llu", i, (unsigned long long)ptot[i],
                     (unsigned long long)pw[i]);

    /* error cells: (account 0, window 0), (account 1, window 3) once; none for the sink */
    cr_assert_eq(x.n_err, 2);
    cr_assert_eq(ea[0], 0);
    cr_assert_eq(ew[0], 0);
    cr_assert_eq(ea[1], 1);
    cr_assert_eq(ew[1], 3);
    cr_assert_eq(x.covm, 0x1f, "windows 0..4: %llx", (unsigned long long)x.covm);
    slagg_maint_free(maint);
    slagg_dict_free(acc);
}

/* The flat kernel of every table entry gives, on random chunks without
 * maintenance, what the run kernel gives for the same records cut into
 * runs: the two paths of the shard engine agree. */
Test(kernels, flat_kernel_matches_run_kernel)
{
    int n_k;
    const slagg_kernel *ks = slagg_kernels_all(&n_k);
    uint8_t code_cls[5], cls_flags[SLAGG_CLASS_COUNT];
    flat_tables(code_cls, cls_flags);
    int tested = 0;
    enum { NA = 6, RING = 16, ROW = NA + 1, NMAX = 600 };
    /* no maintenance window: 503 "" is an error, 0 provider lost */
    slagg_dict *acc = slagg_dict_new();
    slagg_tables t = {0};
    slagg_maint_index *none = NULL;
    slagg_err err = {0};
    cr_assert_eq(slagg_maint_build(&t, acc, &none, &err), SLAGG_OK, "%s", err.msg);
    for (int k = 0; k < n_k; k++) {
        if (!slagg_kernel_supported(&ks[k])) continue;
        for (int round = 0; round < 300; round++) {
            int64_t ts[NMAX];
            uint16_t code[NMAX];
            uint32_t ridx[NMAX] = {0}, run_len[NMAX], run_acc[NMAX + SLAGG_FOLD_FLAT_AHEAD];
            uint32_t run_p[NMAX + SLAGG_FOLD_FLAT_AHEAD], nok[NMAX], ea[NMAX], ew[NMAX];
            uint32_t rel[NMAX];
            uint8_t fl[NMAX];
            uint32_t n = 0, nr = 0;
            uint32_t span = 1 + (uint32_t)(next_rand() % (8u * 300000u)); /* the chunk's windows: 1..8 */
            uint32_t start = (uint32_t)(next_rand() % 300000u);
            while (n < NMAX - 20 && next_rand() % 40) {   /* runs of 1..20 records, sorted within a run */
                uint32_t len = 1 + (uint32_t)(next_rand() % 20), x = start + (uint32_t)(next_rand() % span / 2);
                ridx[n] = nr;
                run_len[nr] = len;
                run_acc[nr] = (uint32_t)(next_rand() % (NA + 1));   /* NA: an uncontracted run, the sink */
                run_p[nr] = run_acc[nr];
                for (uint32_t i = 0; i < len; i++, n++) {
                    x += (uint32_t)(next_rand() % (span / 40 + 1));
                    ts[n] = x;
                    code[n] = (uint16_t)(next_rand() % 3 ? 0 : 1 + next_rand() % 4);
                }
                nr++;
            }
            if (nr == 0) continue;
            ridx[0] = 0;
            for (uint32_t r = nr; r < nr + SLAGG_FOLD_FLAT_AHEAD; r++) run_acc[r] = run_acc[nr - 1], run_p[r] = 0;
            uint32_t ve1[2 * RING * ROW] = {0}, ve2[2 * RING * ROW] = {0};
            uint64_t pt1[(NA + 1) * SLAGG_CLASS_COUNT] = {0}, pt2[(NA + 1) * SLAGG_CLASS_COUNT] = {0};
            uint32_t base = (uint32_t)(next_rand() % RING);
            slagg_fold_flat_args x = {
                .n = n, .n_runs = nr, .ts_ms = ts, .code = code, .run_len = run_len, .ridx = ridx,
                .run_acc = run_acc, .run_p = run_p, .pair_status = flat_status, .pair_cause = flat_cause,
                .code_cls = code_cls, .cls_flags = cls_flags, .maint = none, .n_accounts = NA,
                .day_ms = 0, .base_slot = base, .mask = RING - 1, .row = ROW, .w_lo = (uint32_t)(ts[0] / 300000),
                .ve = ve1, .ptot = pt1, .run_nok = nok, .err_acc = ea, .err_win = ew,
            };
            ks[k].flat(&x);
            /* the run path: flags per record, one run kernel call per run */
            uint64_t cov = 0;
            for (uint32_t r = 0, o = 0; r < nr; o += run_len[r++]) {
                for (uint32_t i = 0; i < run_len[r]; i++) {
                    unsigned c = slagg_classify(flat_status[code[o + i]], flat_cause[code[o + i]], 0);
                    pt2[run_p[r] * SLAGG_CLASS_COUNT + c]++;
                    fl[i] = cls_flags[c];
                    rel[i] = (uint32_t)ts[o + i];
                    cov |= 1ULL << ((rel[i] / 300000 - x.w_lo) & 63);
                }
                slagg_fold_run_scalar(rel, fl, run_len[r], ve2 + 2 * run_acc[r], base, RING - 1, 2 * ROW);
            }
            cr_assert(memcmp(ve1, ve2, sizeof ve1) == 0, "%s: ring differs (round %d)", ks[k].name, round);
            cr_assert(memcmp(pt1, pt2, sizeof pt1) == 0, "%s: class counts differ (round %d)", ks[k].name, round);
            cr_assert_eq(x.covm, cov, "%s: coverage differs (round %d)", ks[k].name, round);
            tested++;
        }
    }
    cr_assert_geq(tested, 100);
    slagg_maint_free(none);
    slagg_dict_free(acc);
}

/* The code scans of shard format 2.0 (core/kernels/scan.h): by hand, then
 * every supported kernel against the scalar one on random codes, every
 * length from 0 to 300 (the SIMD strides and their tails), every range. */
Test(kernels, code_scan_by_hand)
{
    const uint8_t c8[] = {3, 1, 1, 0, 2, 255, 1};
    uint32_t out[8];
    cr_assert_eq(slagg_scan8_scalar(c8, 7, 1, 2, out), 3);   /* OK codes 1, 2 */
    cr_assert(out[0] == 0 && out[1] == 3 && out[2] == 5);
    const uint16_t c16[] = {300, 5, 299, 301};
    cr_assert_eq(slagg_scan16_scalar(c16, 4, 299, 2, out), 2);   /* OK 299, 300 */
    cr_assert(out[0] == 1 && out[1] == 3);
}

Test(kernels, every_code_scan_matches_scalar)
{
    int n_k;
    const slagg_kernel *ks = slagg_kernels_all(&n_k);
    uint64_t x = 12345;
    uint8_t c8[300];
    uint16_t c16[300];
    uint32_t want[300], got[300];
    for (int k = 0; k < n_k; k++) {
        if (!slagg_kernel_supported(&ks[k])) continue;
        for (size_t n = 0; n <= 300; n++) {
            x = x * 6364136223846793005ULL + 1442695040888963407ULL;
            uint8_t lo = (uint8_t)(x >> 33), span = (uint8_t)(x >> 45);
            for (size_t i = 0; i < n; i++) {
                x = x * 6364136223846793005ULL + 1442695040888963407ULL;
                /* mostly inside the range, as in a fleet, some outside */
                c8[i] = (x >> 60) ? (uint8_t)(lo + (span ? (x >> 20) % span : 0)) : (uint8_t)(x >> 24);
                c16[i] = (x >> 61) ? (uint16_t)(lo * 7 + (span ? (x >> 20) % span : 0)) : (uint16_t)(x >> 24);
            }
            size_t w = slagg_scan8_scalar(c8, n, lo, span, want), g = ks[k].scan8(c8, n, lo, span, got);
            cr_assert_eq(g, w, "%s scan8 n=%zu", ks[k].name, n);
            cr_assert(memcmp(want, got, w * sizeof *want) == 0, "%s scan8 n=%zu", ks[k].name, n);
            w = slagg_scan16_scalar(c16, n, (uint16_t)(lo * 7), span, want);
            g = ks[k].scan16(c16, n, (uint16_t)(lo * 7), span, got);
            cr_assert_eq(g, w, "%s scan16 n=%zu", ks[k].name, n);
            cr_assert(memcmp(want, got, w * sizeof *want) == 0, "%s scan16 n=%zu", ks[k].name, n);
        }
    }
}

/* ---- the NDJSON line pre-scan (core/kernels/text.h) ---------------------- */

/* The definition, a byte at a time. */
static int plain_ref(const unsigned char *s, size_t n, uint64_t *q)
{
    memset(q, 0, ((n + 63) / 64) * sizeof *q);
    for (size_t i = 0; i < n; i++) {
        if (s[i] < 0x20 || s[i] >= 0x80 || s[i] == '\\') return 0;
        if (s[i] == '"') q[i / 64] |= 1ULL << (i % 64);
    }
    return 1;
}

Test(kernels, json_plain_by_hand)
{
    uint64_t q[SLAGG_JSON_LINE_MAX / 64];
    const char *line = "{\"ts\":\"2026-03-01T00:00:04.587+08:00\",\"account\":\"a\",\"status\":200}";
    cr_assert_eq(slagg_json_plain_scalar((const unsigned char *)line, strlen(line), q), 1);
    cr_assert_eq(q[0], (1ULL << 1) | (1ULL << 4) | (1ULL << 6) | (1ULL << 36) | (1ULL << 38) | (1ULL << 46) |
                           (1ULL << 48) | (1ULL << 50) | (1ULL << 52) | (1ULL << 59));
    cr_assert_eq(q[1], 0);
    cr_assert_eq(slagg_json_plain_scalar((const unsigned char *)"{\"a\\n\":1}", 9, q), 0);   /* an escape */
    cr_assert_eq(slagg_json_plain_scalar((const unsigned char *)"{\"\xc3\xa9\":1}", 8, q), 0); /* UTF-8 */
    cr_assert_eq(slagg_json_plain_scalar((const unsigned char *)"{\t}", 3, q), 0);              /* a tab */
    cr_assert_eq(slagg_json_plain_scalar((const unsigned char *)"", 0, q), 1);
}

/* Every supported kernel against the definition: random plain lines of
 * every length up to 300 (every tail), a quote or a disqualifying byte
 * planted at every position of some (chunk edges included), and the
 * bytes next to the boundaries (0x1F 0x20 0x7F 0x80 0xFF). */
Test(kernels, every_json_plain_matches_the_definition)
{
    int nk;
    const slagg_kernel *ks = slagg_kernels_all(&nk);
    static const unsigned char edge[] = {0x1F, 0x20, 0x7F, 0x80, 0xFF, '\\', '"', 0x00, 0x21, 0x5B, 0x5D};
    unsigned char s[SLAGG_JSON_LINE_MAX];
    uint64_t want[SLAGG_JSON_LINE_MAX / 64], got[SLAGG_JSON_LINE_MAX / 64];
    uint32_t x = 12345;
    for (int k = 0; k < nk; k++) {
        if (!slagg_kernel_supported(&ks[k])) continue;
        for (size_t n = 0; n <= 300; n++) {
            for (size_t at = 0; at <= n; at++) {
                for (size_t e = 0; e < sizeof edge; e++) {
                    if (at == n && e > 0) break;   /* at == n: no plant, once */
                    for (size_t i = 0; i < n; i++) {
                        x = x * 1103515245u + 12345u;
                        unsigned r = (x >> 16) % 97;
                        s[i] = r < 8 ? '"' : (unsigned char)(0x21 + r % 0x5E);
                        if (s[i] == '\\') s[i] = 'x';
                    }
                    if (at < n) s[at] = edge[e];
                    int w = plain_ref(s, n, want), g = ks[k].json_plain(s, n, got);
                    cr_assert_eq(g, w, "%s n=%zu at=%zu byte=0x%02x", ks[k].name, n, at, edge[e]);
                    if (w)
                        cr_assert(memcmp(want, got, ((n + 63) / 64) * sizeof *want) == 0, "%s quotes n=%zu at=%zu",
                                  ks[k].name, n, at);
                }
            }
        }
        /* the longest line, all quotes */
        memset(s, '"', sizeof s);
        cr_assert_eq(ks[k].json_plain(s, sizeof s, got), 1);
        for (size_t w = 0; w < SLAGG_JSON_LINE_MAX / 64; w++) cr_assert_eq(got[w], ~0ULL, "%s", ks[k].name);
    }
}
