/*
 * test_inspect.c - `slagg inspect FILE` prints what a compact summary
 * holds; exit 0 when intact, 2 when corrupt or truncated (SPEC 6:
 * "Corrupt or truncated shards are detected (checksums) and named"),
 * 3 when it cannot be read.
 */
#include "harness.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

/* Folds a small fleet; returns the temp dir holding out/availability.slagg. */
static char *fold_small(void)
{
    char *d = h_tmpdir();
    h_write(d, "c.csv", "account,start,end\nalpha,2026-03-17,2026-04-30\n"
                        "beta,2026-04-01,\n");
    h_write(d, "r.csv", "ts,account,status\n"
                        "2026-03-20T10:00:00+08:00,alpha,500\n"
                        "2026-03-20T10:00:01+08:00,alpha,200\n"
                        "2026-04-02T00:00:00+08:00,beta,503\n"
                        "2026-04-30T23:59:59+08:00,beta,200\n");
    h_result r = h_slagg(d, NULL, "fold", "--out", "out", "--contracts", "c.csv",
                         "r.csv", NULL);
    h_assert_code(r, 0);
    h_result_free(&r);
    return d;
}

Test(inspect, intact_summary)
{
    char *d = fold_small();
    h_result r = h_slagg(d, NULL, "inspect", "out/availability.slagg", NULL);
    h_assert_code(r, 0);
    cr_assert(r.out_len > 0, "inspect printed nothing");
    cr_assert_eq(r.err_len, 0, "inspect of an intact file complained:\n%s", r.err);
    h_result_free(&r);
    h_rmtree(d);
}

/* The brief: flip a byte in the middle -> exit 2, message names the file. */
Test(inspect, flipped_middle_byte)
{
    char *d = fold_small();
    size_t n;
    char *b = h_read_in(d, "out/availability.slagg", &n);
    cr_assert(n > 8);
    b[n / 2] ^= 0x01;
    h_write_bytes(d, "bad.slagg", b, n);
    h_result r = h_slagg(d, NULL, "inspect", "bad.slagg", NULL);
    h_assert_code(r, 2);
    h_assert_slagg_msg(r);
    cr_assert(h_contains(r.err, "bad.slagg"), "stderr should name the file:\n%s", r.err);
    h_result_free(&r);
    free(b);
    h_rmtree(d);
}

/* Any single flipped byte is either reported as corrupt (exit 2) or
 * changes nothing the summary means (e.g. an unused bit of the zstd frame
 * header): then export gives exactly the original's outputs. Never a
 * crash, never silently different figures. */
Test(inspect, no_flipped_byte_goes_unnoticed, .timeout = 300)
{
    char *d = fold_small();
    h_result r0 = h_slagg(d, NULL, "export", "--summary", "out/availability.slagg",
                          "--out", "ref", NULL);
    h_assert_code(r0, 0);
    h_result_free(&r0);
    char *ref_csv = h_read_in(d, "ref/finance.csv", NULL);
    char *ref_sum = h_read_in(d, "ref/summary.json", NULL);
    size_t n;
    char *orig = h_read_in(d, "out/availability.slagg", &n);
    size_t limit = n < 4096 ? n : 4096;
    h_buf missed = {0};
    h_buf_append(&missed, "", 0);
    for (size_t i = 0; i < limit; i++) {
        char *b = malloc(n);
        memcpy(b, orig, n);
        b[i] ^= 0x10;
        h_write_bytes(d, "bad.slagg", b, n);
        free(b);
        h_result r = h_slagg(d, NULL, "inspect", "bad.slagg", NULL);
        if (r.code == 0) {
            h_result e = h_slagg(d, NULL, "export", "--summary", "bad.slagg",
                                 "--out", "flip", NULL);
            if (e.code == 0) {
                char *csv = h_read_in(d, "flip/finance.csv", NULL);
                char *sum = h_read_in(d, "flip/summary.json", NULL);
                if (strcmp(csv, ref_csv) || strcmp(sum, ref_sum))
                    h_buf_printf(&missed, " byte %zu: inspect says intact, export differs;", i);
                free(csv);
                free(sum);
            } else if (e.code != 2) {
                h_buf_printf(&missed, " byte %zu: export exit %d;", i, e.code);
            }
            h_result_free(&e);
        } else if (r.code != 2) {
            h_buf_printf(&missed, " byte %zu: inspect exit %d;", i, r.code);
        }
        h_result_free(&r);
    }
    cr_assert_str_eq(missed.data, "", "of %zu bytes:%s", n, missed.data);
    h_buf_free(&missed);
    free(orig);
    free(ref_csv);
    free(ref_sum);
    h_rmtree(d);
}

/* Truncated (to half, and by one byte) and empty files: exit 2. */
Test(inspect, truncated_and_empty)
{
    char *d = fold_small();
    size_t n;
    char *b = h_read_in(d, "out/availability.slagg", &n);
    size_t cuts[] = {n / 2, n - 1, 0};
    for (size_t i = 0; i < 3; i++) {
        h_write_bytes(d, "short.slagg", b, cuts[i]);
        h_result r = h_slagg(d, NULL, "inspect", "short.slagg", NULL);
        cr_assert_eq(r.code, 2, "cut to %zu of %zu bytes: exit %d; stderr:\n%s",
                     cuts[i], n, r.code, r.err);
        cr_assert(h_contains(r.err, "short.slagg"), "stderr:\n%s", r.err);
        h_result_free(&r);
    }
    free(b);
    h_rmtree(d);
}

/* A file that is not a compact summary at all (a CSV): exit 2. */
Test(inspect, not_a_summary)
{
    char *d = fold_small();
    h_result r = h_slagg(d, NULL, "inspect", "r.csv", NULL);
    h_assert_code(r, 2);
    cr_assert(h_contains(r.err, "r.csv"), "stderr:\n%s", r.err);
    h_result_free(&r);
    h_rmtree(d);
}

/* A missing file: input error, exit 2 (issue 15: not 3 like a full disk). */
Test(inspect, missing_file)
{
    char *d = h_tmpdir();
    h_result r = h_slagg(d, NULL, "inspect", "nope.slagg", NULL);
    h_assert_code(r, 2);
    cr_assert(h_contains(r.err, "nope.slagg"), "stderr:\n%s", r.err);
    h_result_free(&r);
    h_rmtree(d);
}
