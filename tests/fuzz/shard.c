/*
 * shard.c - fuzzes the shard reader (io/shard.h): open, then read and
 * decode every block. Whatever the bytes, open and read either fail with an
 * input error naming the file or return records that keep every promise of
 * docs/FORMAT.md (ts within the block's range and [1970, 2100), known
 * account ids, allowed status and cause, counts adding up to the trailer's).
 * Most mutations are caught by a checksum; shard_payload.c reaches the
 * decoder behind them.
 */
#include "fuzz_common.h"

#include "io/records.h"
#include "io/shard.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Shared with shard_payload.c: reads the shard at path to the end. */
void fuzz_read_shard(const char *path);

void fuzz_read_shard(const char *path)
{
    slagg_err err;
    memset(&err, 0, sizeof err);
    slagg_shard *s = NULL;
    if (slagg_shard_open(path, &s, &err) != SLAGG_OK) {
        fuzz_check_error(&err, path);
        return;
    }
    uint32_t na = slagg_shard_account_count(s);
    for (uint32_t a = 0; a < na; a++) {
        size_t len = 0;
        const char *name = slagg_shard_account(s, a, &len);
        FUZZ_CHECK(name && slagg_account_check(name, len) == NULL);
    }
    slagg_shard_block b;
    memset(&b, 0, sizeof b);
    uint64_t total = 0;
    size_t nb = slagg_shard_block_count(s);
    for (size_t i = 0; i < nb; i++) {
        const slagg_shard_block_info *info = slagg_shard_block_at(s, i);
        if (slagg_shard_read_block(s, i, &b, &err) != SLAGG_OK) {
            fuzz_check_error(&err, path);
            break;
        }
        FUZZ_CHECK(b.n == info->records);
        for (uint32_t k = 0; k < b.n; k++) {
            FUZZ_CHECK(b.ts_ms[k] >= info->min_ts_ms && b.ts_ms[k] <= info->max_ts_ms);
            FUZZ_CHECK(b.ts_ms[k] >= SLAGG_TS_MIN_MS && b.ts_ms[k] < SLAGG_TS_MAX_MS);
            FUZZ_CHECK(b.account[k] < na);
            FUZZ_CHECK(b.status[k] == 0 || (b.status[k] >= 100 && b.status[k] <= 599));
            FUZZ_CHECK(b.cause[k] < SLAGG_CAUSE_COUNT);
            if (k) /* sorted by (account, ts) */
                FUZZ_CHECK(b.account[k - 1] < b.account[k] ||
                           (b.account[k - 1] == b.account[k] && b.ts_ms[k - 1] <= b.ts_ms[k]));
        }
        total += b.n;
        if (i + 1 == nb) FUZZ_CHECK(total == slagg_shard_records(s));
    }
    /* 2.0: each block's head alone (what the sparse fold reads), within
     * the bounds docs/FORMAT.md gives */
    slagg_shard_head h;
    memset(&h, 0, sizeof h);
    for (size_t i = 0; slagg_shard_version_major(s) >= 2 && i < nb; i++) {
        const slagg_shard_block_info *info = slagg_shard_block_at(s, i);
        if (slagg_shard_head_read(s, i, &h, &err) != SLAGG_OK) {
            fuzz_check_error(&err, path);
            break;
        }
        uint64_t sum = 0;
        for (uint32_t r = 0; r < h.n_runs; r++) {
            FUZZ_CHECK(h.run_account[r] < na && h.run_len[r] >= 1);
            FUZZ_CHECK(h.run_first[r] + h.run_last[r] <= h.run_len[r] || h.nw == 1);
            if (r) FUZZ_CHECK(h.run_account[r - 1] < h.run_account[r]);
            sum += h.run_len[r];
        }
        FUZZ_CHECK(sum == info->records);
        for (uint32_t k = 0; k < h.n_exc; k++) {
            FUZZ_CHECK(h.exc_index[k] < info->records && h.exc_run[k] < h.n_runs && h.exc_code[k] < h.n_pairs);
            FUZZ_CHECK(h.exc_win[k] < h.nw && h.exc_ms[k] < SLAGG_SHARD_WINDOW_MS);
            FUZZ_CHECK(h.exc_seg[k] >= 1 && h.exc_seg[k] <= h.run_len[h.exc_run[k]]);
            if (k) FUZZ_CHECK(h.exc_index[k - 1] < h.exc_index[k]);
        }
    }
    slagg_shard_head_free(&h);
    slagg_shard_block_free(&b);
    slagg_shard_close(s);
}

#ifndef FUZZ_SHARD_NO_MAIN
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_read_shard(fuzz_file(data, size));
    return 0;
}
#endif
