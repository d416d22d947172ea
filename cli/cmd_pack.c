/*
 * cmd_pack.c - `slagg pack` (request logs to shards) and `slagg cat`
 * (shards back to CSV or NDJSON).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cmd.h"
#include "cli/common.h"
#include "cli/generation.h"
#include "cli/msg.h"
#include "cli/opts.h"
#include "core/alloc.h"
#include "core/calendar.h"
#include "core/classify.h"
#include "io/buf.h"
#include "io/output.h"
#include "io/pack.h"
#include "io/shard.h"
#include "io/timestamp.h"

static const char pack_help[] =
    "Usage: slagg pack [--out DIR] [options] INPUT...\n"
    "\n"
    "Converts request logs into shards: columnar, zstd-compressed, checksummed\n"
    "files that 'slagg fold' reads far faster than text (docs/FORMAT.md).\n"
    "Each INPUT (CSV or NDJSON, plain or zstd; a directory of them, read\n"
    "recursively; '-' for stdin) becomes DIR/NAME.shard, NAME being the\n"
    "input's file name without its extensions. Only ts, account, status and\n"
    "cause are stored: request ids, client IPs and other columns are dropped\n"
    "(data minimisation).\n"
    "\n"
    "Options:\n"
    "  --out DIR             where the shards go (default: current directory)\n"
    "  --threads N           inputs packed in parallel (default: cores)\n"
    "  --block-records N     records per block (default 262144)\n"
    "  --level N             zstd level 1-19 (default 3)\n"
    "  --shard-format N      2 (default) or 1, for slagg before 2.0: the block\n"
    "                        layout written (docs/FORMAT.md). An INPUT that is\n"
    "                        itself a shard is rewritten in this format, the\n"
    "                        same records: 'slagg pack --out new\n"
    "                        old/*.shard' upgrades 1.0 shards (2.0 blocks\n"
    "                        end at 5-minute window boundaries, so 'slagg\n"
    "                        cat' may list the records in another order)\n"
    "  --rejects FILE        write rejected rows as CSV: file,line,reason\n"
    "  --max-rejects N       tolerate up to N rejected rows (default 0: any\n"
    "                        rejected row fails and no shard is written)\n"
    "  --quiet               print nothing on success (errors still shown)\n"
    "  -h, --help            this help\n"
    "\n"
    "Example:\n"
    "  slagg pack --out shards/2026-03-17 logs/gw-*.csv.zst\n"
    "  slagg fold --out out --contracts contracts.csv shards/\n"
    "\n"
    "Exit codes: 0 success, 1 usage error, 2 input error (bad input, rejects over\n"
    "the limit), 3 internal or I/O error.\n";

static const char cat_help[] =
    "Usage: slagg cat [--format csv|ndjson] [--tz +HH:MM] SHARD...\n"
    "\n"
    "Writes the records of shards to stdout, as CSV (ts,account,status,cause)\n"
    "or NDJSON, with ts in RFC 3339 at the given offset (default +08:00).\n"
    "Every block is verified before its records are written; a corrupt shard\n"
    "stops with exit 2. Within a block, records come sorted by account then\n"
    "time (the order shards store them in).\n"
    "\n"
    "Options:\n"
    "  --format csv|ndjson   the output format (default csv)\n"
    "  --tz +HH:MM           the offset of the ts written (default +08:00)\n"
    "  -h, --help            this help\n"
    "\n"
    "Example:\n"
    "  slagg cat --format ndjson shards/gw-01.shard | head\n"
    "\n"
    "Exit codes: 0 success, 1 usage error, 2 corrupt or missing shard, 3 internal\n"
    "or I/O error.\n";

/* NAME of DIR/NAME.shard: the base name up to its first '.' */
static char *shard_name(const char *out, const char *input)
{
    const char *base = strcmp(input, "-") == 0 ? "stdin" : input;
    const char *slash = strrchr(base, '/');
    if (slash) base = slash + 1;
    size_t n = strcspn(base, ".");
    if (n == 0) n = strlen(base);
    size_t len = strlen(out) + n + 8;
    char *p = slagg_malloc(len);
    if (p) snprintf(p, len, "%s/%.*s.shard", out, (int)n, base);
    return p;
}

int slagg_cmd_pack(int argc, char **argv)
{
    slagg_opt opts[] = {
        {"out", 1, NULL, 0},     {"threads", 1, NULL, 0}, {"block-records", 1, NULL, 0},
        {"level", 1, NULL, 0},   {"rejects", 1, NULL, 0}, {"max-rejects", 1, NULL, 0},
        {"shard-format", 1, NULL, 0},
        {"quiet", 0, NULL, 'q'}, {"help", 0, NULL, 'h'},
    };
    const size_t n_opts = sizeof opts / sizeof *opts;
    const char **pos = slagg_calloc((size_t)argc + 1, sizeof *pos);
    size_t n_pos = 0;
    int rc = 1;
    slagg_path_list inputs = {0}, outputs = {0}, skipped = {0};
    slagg_pack pk = {0};
    slagg_rejects rej = {0};
    slagg_err err = {0};
    slagg_pack_opts po = {0};
    uint64_t v;
    if (!pos) return 3;
    if (slagg_opts_parse("pack", argc, argv, opts, n_opts, pos, (size_t)argc, &n_pos) != 0) goto done;
#define OPT(name) slagg_opt_get(opts, n_opts, name)
    if (OPT("help")) {
        fputs(pack_help, stdout);
        rc = 0;
        goto done;
    }
    if (n_pos == 0) {
        slagg_cli_error("pack needs at least one INPUT (see 'slagg pack --help')");
        goto done;
    }
    const char *out = OPT("out") ? OPT("out") : ".";
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    po.threads = ncpu > 0 ? (unsigned)ncpu : 1;
    if (OPT("threads")) {
        if (slagg_parse_u64(OPT("threads"), 256, &v) != 0 || v == 0) {
            slagg_cli_error("--threads '%s' is not a number from 1 to 256", OPT("threads"));
            goto done;
        }
        po.threads = (unsigned)v;
    }
    if (OPT("block-records")) {
        if (slagg_parse_u64(OPT("block-records"), 1u << 24, &v) != 0 || v == 0) {
            slagg_cli_error("--block-records '%s' is not a number from 1 to 16777216", OPT("block-records"));
            goto done;
        }
        po.writer.block_records = (uint32_t)v;
    }
    if (OPT("level")) {
        if (slagg_parse_u64(OPT("level"), 19, &v) != 0 || v == 0) {
            slagg_cli_error("--level '%s' is not a number from 1 to 19", OPT("level"));
            goto done;
        }
        po.writer.level = (int)v;
    }
    if (OPT("shard-format")) {
        if (slagg_parse_u64(OPT("shard-format"), 2, &v) != 0 || v == 0) {
            slagg_cli_error("--shard-format '%s' is not 1 or 2", OPT("shard-format"));
            goto done;
        }
        po.writer.format = (int)v;
    }
    if (OPT("max-rejects")) {
        if (slagg_parse_u64(OPT("max-rejects"), UINT64_MAX / 2, &v) != 0) {
            slagg_cli_error("--max-rejects '%s' is not a non-negative number", OPT("max-rejects"));
            goto done;
        }
        po.max_rejects = v;
    }
    if ((rc = slagg_cli_expand_all(pos, n_pos, &inputs, &skipped)) != 0) goto done;
    rc = 1;
    for (size_t i = 0; i < inputs.n; i++) {
        char *name = shard_name(out, inputs.v[i]);
        if (!name || slagg_strv_push(&outputs, name) != 0) {
            slagg_free(name);
            slagg_cli_error("out of memory");
            rc = 3;
            goto done;
        }
        slagg_free(name);
        for (size_t k = 0; k < i; k++) {
            if (strcmp(outputs.v[k], outputs.v[i]) == 0) {
                slagg_cli_error("'%s' and '%s' would both be packed into %s; rename one", inputs.v[k],
                                inputs.v[i], outputs.v[i]);
                goto done;
            }
        }
    }
    /* SPEC 6: never write the rejects over an input or a shard */
    if ((rc = slagg_cli_check_rejects(OPT("rejects"), NULL, pos, n_pos, NULL,
                                      (const char *const *)outputs.v, outputs.n)) != 0)
        goto done;
    slagg_status st = slagg_mkdir_p(out, &err);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (st == SLAGG_OK)
        st = slagg_pack_files((const char *const *)inputs.v, (const char *const *)outputs.v, inputs.n,
                              &po, &pk, &rej, &err);
    if (st != SLAGG_OK) {
        slagg_cli_error("%s", err.msg);
        rc = slagg_status_exit_code(st);
        goto done;
    }
    if (OPT("rejects") &&
        (rc = slagg_cli_write_rejects(OPT("rejects"), (const char *const *)inputs.v, &rej)) != 0)
        goto done;
    if (slagg_cli_report_rejects((const char *const *)inputs.v, &rej, po.max_rejects,
                                 OPT("rejects") != NULL) != 0) {
        rc = 2;
        goto done;
    }
    if ((st = slagg_pack_commit(&pk, &err)) != SLAGG_OK) {
        slagg_cli_error("%s", err.msg);
        rc = slagg_status_exit_code(st);
        goto done;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (!OPT("quiet")) {
        uint64_t total = 0;
        for (size_t i = 0; i < inputs.n; i++) total += pk.records[i];
        double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
        printf("slagg pack: %llu records from %zu input%s into %zu shard%s in %s (%.2f s, %.1f M records/s)\n",
               (unsigned long long)total, inputs.n, inputs.n == 1 ? "" : "s", inputs.n,
               inputs.n == 1 ? "" : "s", out, s, s > 0 ? (double)total / s / 1e6 : 0.0);
    }
    rc = 0;
#undef OPT
done:
    slagg_pack_discard(&pk);
    slagg_rejects_free(&rej);
    slagg_strv_free(&inputs);
    slagg_strv_free(&outputs);
    slagg_strv_free(&skipped);
    slagg_free(pos);
    return rc;
}

static void cat_record(slagg_buf *b, int ndjson, int32_t tz, int64_t ts, const char *acct,
                       size_t alen, int status, int cause)
{
    char t[40];
    slagg_format_rfc3339(ts, tz, t);
    const char *cn = slagg_cause_name((slagg_cause)cause);
    if (ndjson) {
        slagg_buf_printf(b, "{\"ts\":\"%s\",\"account\":", t);
        slagg_buf_json_str(b, acct, alen);
        slagg_buf_printf(b, ",\"status\":%d", status);
        if (cause) slagg_buf_printf(b, ",\"cause\":\"%s\"", cn);
        slagg_buf_puts(b, "}\n");
    } else {
        slagg_buf_puts(b, t);
        slagg_buf_put(b, ",", 1);
        /* exact, not slagg_buf_csv_text: cat writes request records for
         * slagg to read back (pack, fold), and a guard ' would change the
         * account (docs/RULES.md "Spreadsheet safety") */
        slagg_buf_csv_field(b, acct, alen);
        slagg_buf_printf(b, ",%d,%s\n", status, cn);
    }
}

int slagg_cmd_cat(int argc, char **argv)
{
    slagg_opt opts[] = {{"format", 1, NULL, 0}, {"tz", 1, NULL, 0}, {"help", 0, NULL, 'h'}};
    const size_t n_opts = sizeof opts / sizeof *opts;
    const char **pos = slagg_calloc((size_t)argc + 1, sizeof *pos);
    size_t n_pos;
    int32_t tz;
    int rc = 1;
    if (!pos) return 3;
    if (slagg_opts_parse("cat", argc, argv, opts, n_opts, pos, (size_t)argc, &n_pos) != 0) goto done;
    if (slagg_opt_get(opts, n_opts, "help")) {
        fputs(cat_help, stdout);
        rc = 0;
        goto done;
    }
    const char *fmt = slagg_opt_get(opts, n_opts, "format");
    const char *tzs = slagg_opt_get(opts, n_opts, "tz");
    int ndjson = fmt && strcmp(fmt, "ndjson") == 0;
    if (fmt && !ndjson && strcmp(fmt, "csv") != 0) {
        slagg_cli_error("--format must be csv or ndjson, not '%s'", fmt);
        goto done;
    }
    if (!tzs) tzs = "+08:00";
    if (slagg_parse_tz(tzs, strlen(tzs), &tz) != 0) {
        slagg_cli_error("--tz '%s' is not an offset like +08:00", tzs);
        goto done;
    }
    if (n_pos == 0) {
        slagg_cli_error("cat needs at least one SHARD (see 'slagg cat --help')");
        goto done;
    }
    rc = 0;
    if (!ndjson) fputs("ts,account,status,cause\n", stdout);
    for (size_t i = 0; i < n_pos && rc == 0; i++) {
        slagg_shard *sh = NULL;
        slagg_err err = {0};
        slagg_status st = slagg_shard_open(pos[i], &sh, &err);
        slagg_shard_block blk;
        memset(&blk, 0, sizeof blk);
        for (size_t k = 0; st == SLAGG_OK && k < slagg_shard_block_count(sh); k++) {
            slagg_buf b = {0};
            st = slagg_shard_read_block(sh, k, &blk, &err);
            for (uint32_t j = 0; st == SLAGG_OK && j < blk.n; j++) {
                size_t alen;
                const char *a = slagg_shard_account(sh, blk.account[j], &alen);
                cat_record(&b, ndjson, tz, blk.ts_ms[j], a, alen, blk.status[j], blk.cause[j]);
            }
            if (st == SLAGG_OK && (slagg_buf_failed(&b) || fwrite(b.data, 1, b.len, stdout) != b.len))
                st = slagg_err_set(&err, SLAGG_E_IO, "cannot write to stdout");
            slagg_buf_free(&b);
        }
        slagg_shard_block_free(&blk);
        if (st != SLAGG_OK) {
            slagg_cli_error("%s", err.msg);
            rc = slagg_status_exit_code(st);
        }
        if (sh) slagg_shard_close(sh);
    }
    if (fflush(stdout) != 0 && rc == 0) {
        slagg_cli_error("cannot write to stdout");
        rc = 3;
    }
done:
    slagg_free(pos);
    return rc;
}
