/*
 * main.c - the slagg command: dispatch to a subcommand (SPEC section 5).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd.h"
#include "cli/msg.h"
#include "core/alloc.h"
#include "slagg/slagg.h"

static const char usage[] =
    "slagg " SLAGG_VERSION_STRING " - SLA availability, credit tiers and finance exports\n"
    "\n"
    "Usage: slagg COMMAND [OPTIONS]\n"
    "\n"
    "Commands:\n"
    "  fold     request logs -> finance.csv, finance.jsonl, summary.json and the\n"
    "           compact availability summary (the nightly job)\n"
    "  merge    partial results (fold --partial) of one day's inputs -> the\n"
    "           same outputs as one fold over all of them\n"
    "  export   the finance files again from a compact summary (e.g. new fees)\n"
    "  ledger   monthly compact summaries -> one claim ledger as of a date\n"
    "  pack     request logs -> shards (columnar, zstd, checksummed)\n"
    "  cat      shards -> CSV or NDJSON on stdout\n"
    "  inspect  what a shard or compact summary holds, and whether it is intact\n"
    "  periods  the export's rows from a compact summary, filtered and sorted\n"
    "  windows  the 5-minute windows with errors, with their share of the period\n"
    "  report   one self-contained HTML report of a compact summary, for a browser\n"
    "  gen      a synthetic fleet (records, contracts, fees, maintenance,\n"
    "           holidays) for demos and benchmarks\n"
    "\n"
    "Run 'slagg COMMAND --help' (or 'slagg help COMMAND') for a command's options\n"
    "and an example.\n"
    "Several machines: 'mpirun -np K slagg fold ...', or 'fold --partial' on\n"
    "each machine then 'slagg merge' (docs/DISTRIBUTED.md).\n"
    "\n"
    "Quick start:\n"
    "  slagg gen --out fleet\n"
    "  slagg fold --out out --contracts fleet/contracts.csv --fees fleet/fees.csv \\\n"
    "      --maintenance fleet/maintenance.csv --holidays fleet/holidays.csv fleet/records-*.csv\n"
    "  slagg report out --out out/report.html\n"
    "\n"
    "Exit codes: 0 success, 1 usage error, 2 input error, 3 internal or I/O error.\n";

int main(int argc, char **argv)
{
    /* core/alloc.c's test hook: only the CLI reads the environment */
    const char *fail_after = getenv("SLAGG_TEST_FAIL_ALLOC_AFTER");
    if (fail_after) slagg_alloc_fail_after(strtoll(fail_after, NULL, 10));
    if (argc < 2) {
        fputs(usage, stderr);
        return 1;
    }
    const char *cmd = argv[1];
    /* issue 15: 'slagg help CMD' is 'slagg CMD --help' */
    char help_flag[] = "--help";
    if (strcmp(cmd, "help") == 0 && argc > 2 && argv[2][0] != '-') {
        argv[1] = argv[2];
        argv[2] = help_flag;
        argc = 3;
        cmd = argv[1];
    }
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        fputs(usage, stdout);
        return 0;
    }
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
        printf("slagg %s\n", slagg_version());
#if SLAGG_HAVE_MPI
        puts("mpirun support: yes (mpirun -np K slagg fold)");
#else
        puts("mpirun support: no (built without MPI; fold --partial + merge work)");
#endif
        return 0;
    }
    if (strcmp(cmd, "fold") == 0) return slagg_cmd_fold(argc - 1, argv + 1);
    if (strcmp(cmd, "merge") == 0) return slagg_cmd_merge(argc - 1, argv + 1);
    if (strcmp(cmd, "export") == 0) return slagg_cmd_export(argc - 1, argv + 1);
    if (strcmp(cmd, "inspect") == 0) return slagg_cmd_inspect(argc - 1, argv + 1);
    if (strcmp(cmd, "report") == 0) return slagg_cmd_report(argc - 1, argv + 1);
    if (strcmp(cmd, "gen") == 0) return slagg_cmd_gen(argc - 1, argv + 1);
    if (strcmp(cmd, "pack") == 0) return slagg_cmd_pack(argc - 1, argv + 1);
    if (strcmp(cmd, "cat") == 0) return slagg_cmd_cat(argc - 1, argv + 1);
    if (strcmp(cmd, "periods") == 0) return slagg_cmd_periods(argc - 1, argv + 1);
    if (strcmp(cmd, "windows") == 0) return slagg_cmd_windows(argc - 1, argv + 1);
    if (strcmp(cmd, "ledger") == 0) return slagg_cmd_ledger(argc - 1, argv + 1);
    slagg_cli_error("unknown command '%s' (see 'slagg --help')", cmd);
    return 1;
}
