/*
 * metrics.h - the `--metrics FILE` text of fold, merge and export: the
 * Prometheus text exposition format (version 0.0.4) that node_exporter's
 * textfile collector reads (docs/FORMAT.md, "The metrics file"). Not part
 * of the output generation (SPEC 4), so it may carry the run's duration
 * and end time; the caller writes it atomically after the commit.
 */
#ifndef SLAGG_IO_METRICS_H
#define SLAGG_IO_METRICS_H

#include "core/fleet.h"
#include "core/report.h"
#include "core/warnings.h"
#include "io/buf.h"

typedef struct slagg_metrics_run {
    const char *command;     /* "fold", "merge", "export": the `command` label */
    int exit_code;           /* the run's exit code (0: its generation was committed) */
    double duration_s;       /* from the command's start to its end */
    double end_unix_s;       /* Unix time at its end */
} slagg_metrics_run;

/* Appends the metrics text to b. f, r and w are the committed run's
 * fleet, report and warnings; NULL (a failed run) writes only the run's
 * own metrics (success 0, exit code, duration, end time), since the fleet
 * figures of the last good run then still describe DIR's current
 * generation and no new ones exist. Label values are escaped as the
 * format wants (backslash, double quote, newline). */
void slagg_format_metrics(const slagg_metrics_run *run, const slagg_fleet *f, const slagg_report *r,
                          const slagg_warnings *w, slagg_buf *b);

#endif
