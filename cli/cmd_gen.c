/*
 * cmd_gen.c - `slagg gen`: writes a synthetic fleet (records, contracts,
 * fees, maintenance, holidays) for demos, tests and benchmarks
 * (SPEC section 5). The fleet itself is cli/gen/ (gen.h); this file only
 * reads the command line and reports.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/cmd.h"
#include "cli/msg.h"
#include "cli/gen/gen.h"
#include "cli/opts.h"
#include "core/calendar.h"
#include "io/timestamp.h"

static const char gen_usage[] =
    "Usage: slagg gen --out DIR [--accounts N] [--records N] [--month YYYY-MM]\n"
    "                 [--seed N] [--format csv|ndjson] [--compress] [--files N]\n"
    "                 [--tz +HH:MM] [--shards [--threads N] [--block-records N]]\n"
    "                 [--months N] [--quiet]\n"
    "\n"
    "Writes a synthetic fleet of customer accounts for one service month, the\n"
    "same bytes for the same options, for demos, tests and benchmarks:\n"
    "\n"
    "  DIR/records-000.csv ...  request records (ts,account,status,cause,request_id),\n"
    "                           roughly in time order, the month split by time\n"
    "                           across the files (.ndjson with --format ndjson,\n"
    "                           .zst added with --compress)\n"
    "  DIR/contracts.csv        account,start,end (some start or end mid-month,\n"
    "                           some open-ended, a few accounts have none)\n"
    "  DIR/fees.csv             account,period_start,fee,voucher_paid (some periods\n"
    "                           without a fee, one fee for a period that does not exist)\n"
    "  DIR/maintenance.csv      start,end,scope,notice_at (fleet-wide, one account,\n"
    "                           and one notified after it started)\n"
    "  DIR/holidays.csv         date,kind (holidays and a make-up workday)\n"
    "\n"
    "With --shards the records go to DIR/records-000.shard ... instead\n"
    "(slagg's columnar format: ts, account, status, cause), one time slice of\n"
    "the month per file, generated in parallel: the same fleet, tables and\n"
    "number of records each day as the text logs, but other records (the same\n"
    "designed tiers, not the same request counts). The benchmark fleet:\n"
    "  slagg gen --shards --out DIR --records 1000000000 --accounts 100000\n"
    "\n"
    "The fleet has Zipf-like account sizes, a daily traffic curve, background\n"
    "errors, every exclusion cause, a regional partial outage, and incidents\n"
    "that put a few accounts into each credit tier (10 %, 25 %, 50 %).\n"
    "\n"
    "Options:\n"
    "  --out DIR          directory to write (created if missing)   [required]\n"
    "  --accounts N       number of accounts, acct-00000 ...        [200]\n"
    "  --records N        request records in all files together     [500000]\n"
    "  --month YYYY-MM    the service month                         [2026-03]\n"
    "  --months N         N consecutive months from --month, 1-36:  [1]\n"
    "                     one fleet (full-month contracts run to the\n"
    "                     last month), records-YYYY-MM-NNN.csv with\n"
    "                     --records records each month; text logs\n"
    "                     only. For 'fold --from' month by month\n"
    "                     and 'slagg ledger'\n"
    "  --seed N           seed of the generator                     [1]\n"
    "  --format F         csv or ndjson                             [csv]\n"
    "  --compress         zstd-compress the record files            [off]\n"
    "  --files N          number of record files                    [2; with\n"
    "                     --shards: records / 64 Mi, at least 2]\n"
    "  --tz +HH:MM        service time zone of the timestamps       [+08:00]\n"
    "  --shards           write the records as shards               [off]\n"
    "  --threads N        threads writing shards (the same bytes    [cores]\n"
    "                     whatever N is)\n"
    "  --block-records N  records per shard block, 1 to 2097152     [262144]\n"
    "                     (2.0 shards: above 1048576 is clamped):\n"
    "                     larger blocks compress better and fold\n"
    "                     faster at a billion records, and take\n"
    "                     more memory per thread (bench/RESULTS.md)\n"
    "  --shard-format N   shards only: 2, or 1 for slagg before 2.0 [2]\n"
    "  --quiet            print nothing on success\n"
    "  -h, --help         this help\n"
    "\n"
    "Example:\n"
    "  slagg gen --out demo/fleet\n"
    "  slagg fold --out demo/out --contracts demo/fleet/contracts.csv \\\n"
    "      --fees demo/fleet/fees.csv --maintenance demo/fleet/maintenance.csv \\\n"
    "      --holidays demo/fleet/holidays.csv demo/fleet/records-*.csv\n"
    "\n"
    "Exit codes: 0 success, 1 usage error, 3 internal or I/O error.\n";

/* A usage error in the words of every command (issue 15: one style):
 * "slagg: gen: MSG: 'ARG' (see 'slagg gen --help')". */
static int gen_bad(const char *msg, const char *arg)
{
    if (arg) slagg_cli_error("gen: %s: '%s' (see 'slagg gen --help')", msg, arg);   /* escaped (SPEC 6) */
    else slagg_cli_error("gen: %s (see 'slagg gen --help')", msg);
    return 1;
}

/* "YYYY-MM", 1971-01 to 9998-12 (the generator's range, gen.h) */
static int parse_month(const char *s, int32_t *year, unsigned *month)
{
    unsigned y, m;
    if (strlen(s) != 7 || s[4] != '-') return -1;
    if (slagg_parse_digits(s, 4, &y) || slagg_parse_digits(s + 5, 2, &m)) return -1;
    if (m < 1 || m > 12 || y < 1971 || y > 9998) return -1;
    *year = (int32_t)y;
    *month = m;
    return 0;
}

int slagg_cmd_gen(int argc, char **argv)
{
    slagg_gen_opts o;
    slagg_gen_opts_default(&o);
    int files_set = 0;
    /* the parser every command shares (cli/opts.h: --name VALUE,
     * --name=VALUE, "did you mean" for an unknown option) */
    slagg_opt opts[] = {{"out", 1, NULL, 0},      {"accounts", 1, NULL, 0}, {"records", 1, NULL, 0},
                        {"month", 1, NULL, 0},    {"seed", 1, NULL, 0},     {"format", 1, NULL, 0},
                        {"files", 1, NULL, 0},    {"tz", 1, NULL, 0},       {"threads", 1, NULL, 0},
                        {"block-records", 1, NULL, 0}, {"compress", 0, NULL, 0}, {"shards", 0, NULL, 0},
                        {"months", 1, NULL, 0},   {"shard-format", 1, NULL, 0},
                        {"quiet", 0, NULL, 'q'},  {"help", 0, NULL, 'h'}};
    const size_t n_opts = sizeof opts / sizeof *opts;
    const char *pos[1];
    size_t n_pos;
    if (slagg_opts_parse("gen", argc, argv, opts, n_opts, pos, 1, &n_pos) != 0) return 1;
#define OPT(name) slagg_opt_get(opts, n_opts, name)
    if (OPT("help")) {
        fputs(gen_usage, stdout);
        return 0;
    }
    if (n_pos) return gen_bad("unexpected argument (gen takes no input files)", pos[0]);
    o.compress = OPT("compress") != NULL;
    o.shards = OPT("shards") != NULL;
    int quiet = OPT("quiet") != NULL;
    const char *val;
    uint64_t v;
    if ((val = OPT("out")) != NULL) {
        if (!*val) return gen_bad("--out needs a directory", NULL);
        o.out_dir = val;
    }
    if ((val = OPT("accounts")) != NULL) {
        if (slagg_parse_u64(val, SLAGG_GEN_MAX_ACCOUNTS, &v) || v == 0)
            return gen_bad("--accounts must be an integer from 1 to 1000000", val);
        o.accounts = (uint32_t)v;
    }
    if ((val = OPT("records")) != NULL) {
        if (slagg_parse_u64(val, SLAGG_GEN_MAX_RECORDS, &v))
            return gen_bad("--records must be an integer from 0 to 100000000000", val);
        o.records = v;
    }
    if ((val = OPT("month")) != NULL && parse_month(val, &o.year, &o.month))
        return gen_bad("--month must be YYYY-MM (1971-01 to 9998-12)", val);
    if ((val = OPT("months")) != NULL) {
        if (slagg_parse_u64(val, SLAGG_GEN_MAX_MONTHS, &v) || v == 0)
            return gen_bad("--months must be an integer from 1 to 36", val);
        o.months = (unsigned)v;
    }
    if ((val = OPT("seed")) != NULL) {
        if (slagg_parse_u64(val, UINT64_MAX, &v)) return gen_bad("--seed must be a non-negative integer", val);
        o.seed = v;
    }
    if ((val = OPT("format")) != NULL) {
        if (!strcmp(val, "csv")) o.format = SLAGG_GEN_CSV;
        else if (!strcmp(val, "ndjson")) o.format = SLAGG_GEN_NDJSON;
        else return gen_bad("--format must be csv or ndjson", val);
    }
    if ((val = OPT("files")) != NULL) {
        if (slagg_parse_u64(val, SLAGG_GEN_MAX_FILES, &v) || v == 0)
            return gen_bad("--files must be an integer from 1 to 1000", val);
        o.files = (unsigned)v;
        files_set = 1;
    }
    if ((val = OPT("block-records")) != NULL) {
        if (slagg_parse_u64(val, SLAGG_GEN_MAX_BLOCK_RECORDS, &v) || v == 0)
            return gen_bad("--block-records must be an integer from 1 to 2097152", val);
        o.block_records = (uint32_t)v;
    }
    if ((val = OPT("shard-format")) != NULL) {
        if (slagg_parse_u64(val, 2, &v) || v == 0) return gen_bad("--shard-format must be 1 or 2", val);
        o.shard_format = (int)v;
    }
    if ((val = OPT("threads")) != NULL) {
        if (slagg_parse_u64(val, SLAGG_GEN_MAX_THREADS, &v) || v == 0)
            return gen_bad("--threads must be an integer from 1 to 256", val);
        o.threads = (unsigned)v;
    }
    if ((val = OPT("tz")) != NULL) {
        int32_t off;
        if (slagg_parse_tz(val, strlen(val), &off)) return gen_bad("--tz must be +HH:MM, -HH:MM or Z", val);
        o.tz_offset_s = off;
    }
#undef OPT
    if (!o.out_dir) return gen_bad("--out DIR is required", NULL);
    if (o.threads && !o.shards) return gen_bad("--threads applies to --shards only", NULL);
    if (o.block_records && !o.shards) return gen_bad("--block-records applies to --shards only", NULL);
    if (o.shard_format && !o.shards) return gen_bad("--shard-format applies to --shards only", NULL);
    if (o.shards && !files_set) o.files = 0;   /* the library's default for shards */

    slagg_err err = {SLAGG_OK, ""};
    slagg_gen_result res;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    slagg_status st = slagg_gen_write(&o, &res, &err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (st != SLAGG_OK) {
        if (st == SLAGG_E_USAGE) slagg_cli_error("gen: %s (see 'slagg gen --help')", err.msg);
        else slagg_cli_error("gen: %s", err.msg);
        return slagg_status_exit_code(st);
    }
    if (quiet) return 0;
    printf("slagg gen: wrote %llu records, %u files, %llu bytes to %s\n"
           "slagg gen: %u accounts designed for tier 0/10/25/50: %u/%u/%u/%u, "
           "%u uncontracted, %u periods without a fee row\n",
           (unsigned long long)res.records, res.files, (unsigned long long)res.bytes, o.out_dir,
           o.accounts, res.designed_tier[0], res.designed_tier[1], res.designed_tier[2],
           res.designed_tier[3], res.uncontracted_accounts, res.no_fee_periods);
    if (o.shards) {
        /* the text-log lines above are unchanged; shards add their speed */
        double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
        printf("slagg gen: %.2f s, %.2f M records/s\n", s,
               s > 0 ? (double)res.records / s / 1e6 : 0.0);
    }
    return 0;
}
