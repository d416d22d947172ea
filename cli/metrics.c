/*
 * metrics.c - the CLI side of --metrics (cli/metrics.h): the clocks (only
 * the CLI reads them: the generation carries no clock time, SPEC 4) and
 * the atomic write of what io/metrics.c formats.
 */
#include "cli/metrics.h"

#include "cli/msg.h"
#include "core/engine/job.h"
#include "io/buf.h"
#include "io/metrics.h"
#include "io/output.h"

void slagg_cli_metrics_start(slagg_cli_metrics *m, const char *command)
{
    m->path = NULL;
    m->command = command;
    clock_gettime(CLOCK_MONOTONIC, &m->t0);
}

int slagg_cli_metrics_finish(const slagg_cli_metrics *m, const slagg_fold *job, int rc)
{
    if (!m->path) return rc;
    struct timespec t1, now;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    clock_gettime(CLOCK_REALTIME, &now);
    slagg_metrics_run run = {
        m->command, rc,
        (double)(t1.tv_sec - m->t0.tv_sec) + (double)(t1.tv_nsec - m->t0.tv_nsec) / 1e9,
        (double)now.tv_sec + (double)now.tv_nsec / 1e9,
    };
    slagg_buf b = {0};
    /* a failed run: only the run's own metrics (io/metrics.h says why) */
    slagg_format_metrics(&run, rc == 0 ? slagg_fold_fleet(job) : NULL, rc == 0 ? slagg_fold_report(job) : NULL,
                         rc == 0 ? slagg_fold_warnings(job) : NULL, &b);
    slagg_err err = {0};
    slagg_status st = slagg_buf_failed(&b) ? SLAGG_E_NOMEM : slagg_write_atomic_path(m->path, b.data, b.len, &err);
    slagg_buf_free(&b);
    if (st == SLAGG_OK) return rc;
    slagg_cli_error("--metrics: %s%s", st == SLAGG_E_NOMEM ? "out of memory" : err.msg,
                    rc == 0 ? " (the outputs were written; only the metrics file is missing)" : "");
    return rc ? rc : 3;
}
