/*
 * fold_job.c - the parts of `slagg fold` that `slagg merge` and the MPI
 * fold reuse (cli/fold_job.h), so all three write the same bytes.
 */
#include "cli/fold_job.h"

#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/calendar.h"
#include "core/money.h"
#include "core/report.h"
#include "io/export.h"

int slagg_cli_load_tables(const slagg_fold_args *a, slagg_tables *t)
{
    slagg_err err = {0};
    slagg_status st;
    if ((st = slagg_load_contracts(t, a->contracts, &err)) != SLAGG_OK ||
        (st = slagg_load_fees(t, a->fees, &err)) != SLAGG_OK ||
        (st = slagg_load_maintenance(t, a->maintenance, &err)) != SLAGG_OK ||
        (st = slagg_load_holidays(t, a->holidays, &err)) != SLAGG_OK) {
        slagg_cli_error("%s", err.msg);
        return slagg_status_exit_code(st);
    }
    return 0;
}

int slagg_cli_expand_inputs(const char *const *pos, size_t n_pos, int no_stdin,
                            const char *why_no_stdin, slagg_path_list *out, slagg_path_list *skipped)
{
    size_t n_stdin = 0;
    for (size_t i = 0; i < n_pos; i++) n_stdin += strcmp(pos[i], "-") == 0;
    if (n_stdin && no_stdin) {
        slagg_cli_error("'-' (standard input) cannot be used %s", why_no_stdin);
        return 1;
    }
    if (n_stdin > 1) {
        slagg_cli_error("'-' (standard input) can be given only once");
        return 1;
    }
    return slagg_cli_expand_all(pos, n_pos, out, skipped);
}

static void print_result(const char *cmd, const char *out, const slagg_fleet *f,
                         const slagg_report *r, size_t n_inputs)
{
    char money[SLAGG_MONEY_TOTAL_CHARS], day[11];
    slagg_money_format_total(r->total_credit, money);
    slagg_format_date(f->through, day);
    printf("slagg %s: %llu records from %zu input%s, through %s\n", cmd,
           (unsigned long long)f->records_read, n_inputs, n_inputs == 1 ? "" : "s", day);
    printf("  accounts %llu, periods %zu (final %llu, in_progress %llu, no_fee %llu)\n",
           (unsigned long long)r->accounts, r->n_rows,
           (unsigned long long)r->periods[SLAGG_STATE_FINAL],
           (unsigned long long)r->periods[SLAGG_STATE_IN_PROGRESS],
           (unsigned long long)r->periods[SLAGG_STATE_NO_FEE]);
    printf("  tiers: 0%% %llu, 10%% %llu, 25%% %llu, 50%% %llu; total credit %s CNY\n",
           (unsigned long long)r->tiers[0], (unsigned long long)r->tiers[1],
           (unsigned long long)r->tiers[2], (unsigned long long)r->tiers[3], money);
    printf("  uncontracted %llu, after_through %llu, rejected %llu\n",
           (unsigned long long)f->uncontracted, (unsigned long long)f->after_through,
           (unsigned long long)f->rejected);
    if (f->n_late)
        printf("  %zu maintenance window%s notified late (listed in summary.json)\n", f->n_late,
               f->n_late == 1 ? "" : "s");
    if (r->n_unmatched)
        printf("  %zu fee row%s matched no period (listed in summary.json)\n", r->n_unmatched,
               r->n_unmatched == 1 ? "" : "s");
    printf("  wrote %s/finance.csv, finance.jsonl, summary.json, availability.slagg\n", out);
}

int slagg_cli_write_fleet(const char *cmd, const char *out, const slagg_tables *t,
                          const slagg_fold_opts *fo, const slagg_fleet *fleet,
                          const slagg_rejects *rejects, const char *const *inputs, size_t n_inputs,
                          const char *rejects_path, int quiet, const char *extra)
{
    slagg_report report = {0};
    slagg_err err = {0};
    int rc;
    if (rejects_path && (rc = slagg_cli_write_rejects(rejects_path, inputs, rejects)) != 0)
        goto done;
    if (slagg_cli_report_rejects(inputs, rejects, fo->max_rejects, rejects_path != NULL) != 0) {
        rc = 2;
        goto done;
    }
    slagg_status st = slagg_write_outputs(out, fleet, t, 1, &report, &err);
    if (st != SLAGG_OK) {
        slagg_cli_error("%s", err.msg);
        rc = slagg_status_exit_code(st);
        goto done;
    }
    if (!quiet) {
        print_result(cmd, out, fleet, &report, n_inputs);
        if (extra) fputs(extra, stdout);
    }
    rc = 0;
done:
    slagg_report_free(&report);
    return rc;
}

int slagg_cli_fold_write(const char *cmd, const char *out, const slagg_tables *t,
                         const slagg_fold_opts *fo, slagg_fold_state *s,
                         const char *const *inputs, size_t n_inputs, const char *rejects_path,
                         int quiet, const char *extra)
{
    slagg_rejects rejects = s->rejects;
    slagg_fleet fleet = {0};
    slagg_err err = {0};
    int rc;
    memset(&s->rejects, 0, sizeof s->rejects);
    slagg_status st = slagg_fold_finish(t, fo, s, &fleet, &err);
    if (st != SLAGG_OK) {
        slagg_cli_error("%s", err.msg);
        rc = slagg_status_exit_code(st);
    } else {
        rc = slagg_cli_write_fleet(cmd, out, t, fo, &fleet, &rejects, inputs, n_inputs, rejects_path,
                                   quiet, extra);
    }
    slagg_rejects_free(&rejects);
    slagg_fleet_free(&fleet);
    return rc;
}
