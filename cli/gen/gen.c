/*
 * gen.c - `slagg gen`'s entry point (gen.h): checks the options, designs
 * the fleet (fleet.c), writes its records as text logs (text_writer.c) or
 * shards (shard_out.c), then its tables (tables.c).
 *
 * The generator is not part of libslagg: it is a demo and benchmark tool
 * built on the library's public and internal API, linked into the slagg
 * binary and its own unit test only (CMakeLists.txt, slagg_gen).
 */
#include "cli/gen/gen.h"

#include <stdio.h>
#include <string.h>

#include "cli/gen/fleet.h"
#include "cli/gen/out_file.h"
#include "cli/gen/shard_out.h"
#include "cli/gen/tables.h"
#include "cli/gen/text_writer.h"
#include "core/calendar.h"
#include "io/output.h"
#include "io/records.h"
#include "io/timestamp.h"

/* Every option in its range (gen.h), and what --shards excludes: the
 * writers below assume a checked o. SLAGG_E_USAGE naming the option. */
static slagg_status check_opts(const slagg_gen_opts *o, slagg_err *err)
{
    if (!o->out_dir || !*o->out_dir)
        return slagg_err_set(err, SLAGG_E_USAGE, "no output directory");
    if (o->accounts < 1 || o->accounts > SLAGG_GEN_MAX_ACCOUNTS)
        return slagg_err_set(err, SLAGG_E_USAGE, "accounts must be 1..%u",
                             SLAGG_GEN_MAX_ACCOUNTS);
    if (o->records > SLAGG_GEN_MAX_RECORDS)
        return slagg_err_set(err, SLAGG_E_USAGE, "records must be 0..%llu",
                             (unsigned long long)SLAGG_GEN_MAX_RECORDS);
    if (o->year < 1971 || o->year > 9998 || o->month < 1 || o->month > 12)
        return slagg_err_set(err, SLAGG_E_USAGE, "month must be 1971-01..9998-12");
    if ((o->files < 1 && !o->shards) || o->files > SLAGG_GEN_MAX_FILES)
        return slagg_err_set(err, SLAGG_E_USAGE, "files must be 1..%u",
                             SLAGG_GEN_MAX_FILES);
    if (o->threads > SLAGG_GEN_MAX_THREADS)
        return slagg_err_set(err, SLAGG_E_USAGE, "threads must be 1..%u",
                             SLAGG_GEN_MAX_THREADS);
    if (o->block_records > SLAGG_GEN_MAX_BLOCK_RECORDS)
        return slagg_err_set(err, SLAGG_E_USAGE, "block_records must be 1..%u", SLAGG_GEN_MAX_BLOCK_RECORDS);
    if (o->shards && (o->format != SLAGG_GEN_CSV || o->compress))
        return slagg_err_set(err, SLAGG_E_USAGE,
                             "shards are compressed and have no text format: "
                             "no --format or --compress with --shards");
    if (o->tz_offset_s <= -86400 || o->tz_offset_s >= 86400 || o->tz_offset_s % 60 != 0)
        return slagg_err_set(err, SLAGG_E_USAGE, "bad time zone offset");
    if (o->format != SLAGG_GEN_CSV && o->format != SLAGG_GEN_NDJSON)
        return slagg_err_set(err, SLAGG_E_USAGE, "bad format");
    if (o->months > SLAGG_GEN_MAX_MONTHS)
        return slagg_err_set(err, SLAGG_E_USAGE, "months must be 1..%u", SLAGG_GEN_MAX_MONTHS);
    if (o->months > 1 && o->shards)
        return slagg_err_set(err, SLAGG_E_USAGE, "--months writes text logs: no --shards with it (pack them)");
    if (o->months > 1 && (int64_t)o->year * 12 + o->month - 1 + o->months - 1 > 9998LL * 12 + 11)
        return slagg_err_set(err, SLAGG_E_USAGE, "the months must end by 9998-12");
    if (o->shards) {
        /* every timestamp of the month must fit a shard (1970-01-01..2099-12-31) */
        int64_t first = slagg_days_from_civil(o->year, o->month, 1);
        int64_t end = first + slagg_days_in_month(o->year, o->month);
        if ((first * 86400 - o->tz_offset_s) * INT64_C(1000) < SLAGG_TS_MIN_MS ||
            (end * 86400 - o->tz_offset_s) * INT64_C(1000) > SLAGG_TS_MAX_MS)
            return slagg_err_set(err, SLAGG_E_USAGE,
                                 "shards hold 1970-01-01..2099-12-31 UTC: the month is outside");
    }
    return SLAGG_OK;
}

void slagg_gen_opts_default(slagg_gen_opts *o)
{
    memset(o, 0, sizeof *o);
    o->out_dir = NULL;
    o->accounts = 200;
    o->records = 500000;
    o->year = 2026;
    o->month = 3;
    o->seed = 1;
    o->format = SLAGG_GEN_CSV;
    o->compress = 0;
    o->files = 2;
    o->tz_offset_s = 8 * 3600;
    o->shards = 0;
    o->threads = 0;
}

/* --months N (N >= 2): one fleet over N consecutive months. The first
 * month's design gives the contracts, its full-month rows stretched to the
 * last month (open, mid-month and gap rows as designed: SPEC 1's 03-17
 * example then spans four periods); each month k has its own design of
 * the same seed and accounts (incidents on the same accounts, the month's
 * maintenance, holidays and fees), its records drawn only on the days of
 * the accounts' contracts, written as records-YYYY-MM-NNN. */
static slagg_status write_months(const slagg_gen_opts *o, slagg_gen_result *r0, slagg_err *err)
{
    unsigned n = o->months;
    slagg_gen_fleet fs[SLAGG_GEN_MAX_MONTHS];
    slagg_status st = SLAGG_OK;
    unsigned made = 0;
    char tz[8];
    slagg_format_tz(o->tz_offset_s, tz);
    slagg_gen_tally acc = {0, 0};
    for (; made < n && st == SLAGG_OK; made++) {
        slagg_gen_opts ok = *o;
        unsigned m0 = o->month - 1 + made;
        ok.year = o->year + (int32_t)(m0 / 12);
        ok.month = m0 % 12 + 1;
        st = slagg_gen_fleet_design(&fs[made], &ok, err);
        if (st != SLAGG_OK) break;
    }
    if (st == SLAGG_OK) {
        slagg_gen_fleet *f0 = &fs[0];
        int64_t last = fs[n - 1].last;
        for (uint32_t i = 0; i < f0->n; i++)
            if (f0->acc[i].kind == K_FULL) f0->acc[i].end = last;
        for (unsigned k = 0; k < n && st == SLAGG_OK; k++) {
            slagg_gen_fleet *fk = &fs[k];
            for (uint32_t i = 0; i < fk->n; i++) {
                const slagg_gen_account *a = &f0->acc[i];
                slagg_gen_account *b = &fk->acc[i];
                b->act_first = fk->first;
                b->act_last = fk->last;
                if (a->kind == K_NONE || a->kind == K_GAP) continue;   /* as designed: the whole month */
                if (a->start > b->act_first) b->act_first = a->start;
                if (a->end >= 0 && a->end < b->act_last) b->act_last = a->end;
            }
            slagg_gen_opts ok = *o;
            char tag[16];
            int64_t y;
            unsigned mo, d;
            slagg_civil_from_days(fk->first, &y, &mo, &d);
            snprintf(tag, sizeof tag, "%04d-%02u-", (int)y, mo);
            ok.file_tag = tag;
            uint64_t recs = 0;
            st = slagg_gen_write_logs(fk, &ok, tz, &recs, &acc, err);
            r0->records += recs;
            for (int t = 0; t < 4; t++) r0->designed_tier[t] += fk->designed[t];
        }
    }
    if (st == SLAGG_OK)
        st = slagg_gen_write_tables(fs, n, o->out_dir, tz, &acc, &r0->contract_rows, &r0->fee_rows, err);
    if (made) {
        r0->uncontracted_accounts = fs[0].uncontracted;
        r0->no_fee_periods = fs[0].no_fee_periods;
    }
    r0->bytes = acc.bytes;
    r0->files = acc.files;
    for (unsigned k = 0; k < made; k++) slagg_gen_fleet_free(&fs[k]);
    return st;
}

slagg_status slagg_gen_write(const slagg_gen_opts *o, slagg_gen_result *res, slagg_err *err)
{
    slagg_status st = check_opts(o, err);
    if (st != SLAGG_OK) return st;
    if (o->months > 1) {
        slagg_gen_result r0;
        memset(&r0, 0, sizeof r0);
        st = slagg_mkdir_p(o->out_dir, err);
        if (st == SLAGG_OK) st = write_months(o, &r0, err);
        if (res) *res = r0;
        return st;
    }
    st = slagg_mkdir_p(o->out_dir, err);
    if (st != SLAGG_OK) return st;
    slagg_gen_fleet f;
    st = slagg_gen_fleet_design(&f, o, err);
    if (st != SLAGG_OK) return st;

    char tz[8];
    slagg_format_tz(o->tz_offset_s, tz);
    slagg_gen_tally acc = {0, 0};
    slagg_gen_result r0;
    memset(&r0, 0, sizeof r0);

    if (o->shards) st = slagg_gen_write_shards(&f, o, &r0.records, &acc, err);
    else st = slagg_gen_write_logs(&f, o, tz, &r0.records, &acc, err);
    /* the tables last: each one's rename is followed by an fsync of the
     * directory (io/output.h), which makes the record files' renames
     * durable too */
    if (st == SLAGG_OK)
        st = slagg_gen_write_tables(&f, 1, o->out_dir, tz, &acc, &r0.contract_rows, &r0.fee_rows, err);

    r0.bytes = acc.bytes;
    r0.files = acc.files;
    memcpy(r0.designed_tier, f.designed, sizeof r0.designed_tier);
    r0.uncontracted_accounts = f.uncontracted;
    r0.no_fee_periods = f.no_fee_periods;
    slagg_gen_fleet_free(&f);
    if (res) *res = r0;
    return st;
}
