/*
 * cmd_merge.c - `slagg merge PART... --out DIR`: partial results written
 * by `slagg fold --partial` on shares of one day's inputs, joined into the
 * outputs one fold over all of them writes, byte for byte
 * (docs/DISTRIBUTED.md). The partials carry the tables they were folded
 * under, so merge reads no other file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd.h"
#include "cli/common.h"
#include "cli/fold_job.h"
#include "cli/metrics.h"
#include "cli/msg.h"
#include "cli/opts.h"
#include "core/alloc.h"
#include "slagg/fold.h"

static const char help[] =
    "Usage: slagg merge --out DIR [--rejects FILE] [--metrics FILE] [--no-wait] [--quiet] PART...\n"
    "\n"
    "Joins partial results written by 'slagg fold --partial FILE ...' (one per\n"
    "machine or job, each over its share of the day's inputs) and writes into\n"
    "DIR, atomically, exactly what one 'slagg fold' over all the inputs writes:\n"
    "finance.csv, finance.jsonl, summary.json and availability.slagg.\n"
    "The partials are streamed (format 2.0, docs/DISTRIBUTED.md): memory grows\n"
    "with the fleet (accounts, periods, windows with an error), not with the\n"
    "records. Partials of format 1.x (older slagg) are refused: fold again.\n"
    "\n"
    "The partials carry the tables they were folded under (contracts, fees,\n"
    "maintenance, holidays), --tz, --through and --max-rejects: merge needs no\n"
    "other file, and refuses partials that disagree on any of them, or two\n"
    "partials holding the same input (same size and fingerprint of its first\n"
    "and last 64 KiB). --max-rejects applies to the rejected rows of all the\n"
    "partials together.\n"
    "\n"
    "Options:\n"
    "  --out DIR            output directory (created when missing)\n"
    "  --rejects FILE       write the rejected rows of all partials as CSV\n"
    "                       (file,line,reason; inputs ordered by path)\n"
    "  --no-wait            when another run is writing DIR, fail at once (exit 3,\n"
    "                       naming it) instead of waiting for it\n"
    "  --metrics FILE       the run's figures for Prometheus (node_exporter's textfile\n"
    "                       collector), written atomically, also for a failed run\n"
    "                       (slagg_run_success 0); not inside DIR (docs/FORMAT.md)\n"
    "  --quiet              print nothing on success\n"
    "  -h, --help           this help\n"
    "\n"
    "Example (two machines, then one merge):\n"
    "  slagg fold --partial a.part --contracts c.csv --fees f.csv logs/a/\n"
    "  slagg fold --partial b.part --contracts c.csv --fees f.csv logs/b/\n"
    "  slagg merge --out out a.part b.part\n"
    "\n"
    "Exit codes: 0 success, 1 usage error, 2 input error (corrupt or inconsistent\n"
    "partials, rejects over the limit, --strict warnings), 3 internal or I/O\n"
    "error. --gap and --strict are those the partials were folded with. A failed run\n"
    "changes nothing in DIR.\n";

int slagg_cmd_merge(int argc, char **argv)
{
    slagg_opt opts[] = {
        {"out", 1, NULL, 0},
        {"rejects", 1, NULL, 0},
        {"quiet", 0, NULL, 'q'},
        {"help", 0, NULL, 'h'},
        {"no-wait", 0, NULL, 0},
        {"metrics", 1, NULL, 0},
    };
    const size_t n_opts = sizeof opts / sizeof *opts;
    const char **pos = slagg_calloc((size_t)argc + 1, sizeof *pos);
    size_t n_pos = 0;
    int rc = 1;
    slagg_cli_gen gen;
    slagg_cli_metrics met;
    slagg_cli_metrics_start(&met, "merge");
    slagg_fold *job = slagg_fold_new();

    if (!pos || !job) {
        slagg_cli_error("out of memory");
        slagg_free(pos);
        slagg_fold_free(job);
        return 3;
    }
    slagg_cli_gen_init(&gen, job);
    if (slagg_opts_parse("merge", argc, argv, opts, n_opts, pos, (size_t)argc, &n_pos) != 0) goto done;
#define OPT(name) slagg_opt_get(opts, n_opts, name)
    if (OPT("help")) {
        fputs(help, stdout);
        rc = 0;
        goto done;
    }
    const char *out = OPT("out"), *rejects = OPT("rejects"), *metrics = OPT("metrics");
    int quiet = OPT("quiet") != NULL, no_wait = OPT("no-wait") != NULL;
#undef OPT
    if (!out || n_pos == 0) {
        slagg_cli_error("merge needs --out DIR and at least one PART (see 'slagg merge --help')");
        goto done;
    }
    if ((rc = slagg_cli_check_rejects(rejects, out, pos, n_pos, NULL, NULL, 0)) != 0) goto done;
    if ((rc = slagg_cli_check_out_path("--metrics", metrics, out, pos, n_pos, NULL, &rejects, rejects != NULL)) != 0)
        goto done;
    met.path = metrics;   /* from here on, every end of the run writes it */
    slagg_status st = SLAGG_OK;
    for (size_t i = 0; st == SLAGG_OK && i < n_pos; i++) st = slagg_fold_add_partial(job, pos[i]);
    if (st == SLAGG_OK && rejects) st = slagg_fold_set_rejects_file(job, rejects);
    if (st != SLAGG_OK) {
        rc = slagg_cli_job_error(job, st);
        goto done;
    }
    /* DIR's lock before reading anything (SPEC 4); the job reads the
     * partials, refuses those of different runs, and joins them */
    if ((rc = slagg_cli_job_lock(job, out, no_wait, quiet)) != 0) goto done;
    char extra[96];
    snprintf(extra, sizeof extra, "  merged %zu partial%s\n", n_pos, n_pos == 1 ? "" : "s");
    rc = slagg_cli_job_finish("merge", job, slagg_fold_run(job), out, rejects != NULL, quiet, extra);
done:
    rc = slagg_cli_metrics_finish(&met, job, rc);
    slagg_fold_free(job);
    slagg_free(pos);
    return rc;
}
