/*
 * metrics.h - `--metrics FILE` of fold, merge and export (cli/metrics.c):
 * the run's figures for node_exporter's textfile collector, written
 * atomically once the run has ended (io/metrics.h; docs/FORMAT.md "The
 * metrics file").
 */
#ifndef SLAGG_CLI_METRICS_H
#define SLAGG_CLI_METRICS_H

#include <time.h>

#include "slagg/fold.h"

typedef struct slagg_cli_metrics {
    const char *path;        /* --metrics FILE; NULL: none */
    const char *command;     /* "fold", "merge", "export" */
    struct timespec t0;      /* the command's start (CLOCK_MONOTONIC) */
} slagg_cli_metrics;

/* Notes the command's start; call it first thing, so the duration counts
 * the whole run (lock wait, tables, fold, commit). */
void slagg_cli_metrics_start(slagg_cli_metrics *m, const char *command);

/* The end of a run whose --metrics path passed its checks: writes the
 * file (a run that exited rc != 0 writes slagg_run_success 0 and its exit
 * code only) and returns rc, or 3 when the file could not be written
 * (after saying so; the generation stays committed). m->path NULL: rc. */
int slagg_cli_metrics_finish(const slagg_cli_metrics *m, const slagg_fold *job, int rc);

#endif
