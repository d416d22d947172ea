/*
 * fold_job.c - the CLI around the job (cli/fold_job.h): input expansion,
 * the environment's engine settings, and printing what the job did, so
 * fold, merge and the MPI fold print the same lines.
 */
#include "cli/fold_job.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/msg.h"
#include "cli/warnings.h"
#include "core/alloc.h"
#include "core/money.h"
#include "core/engine/job.h"

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

int slagg_cli_add_inputs(slagg_fold *job, const slagg_path_list *inputs, const slagg_path_list *skipped)
{
    for (size_t i = 0; i < inputs->n; i++) {
        slagg_status st = slagg_fold_add_input(job, inputs->v[i]);
        if (st != SLAGG_OK) return slagg_cli_job_error(job, st);
    }
    for (size_t i = 0; skipped && i < skipped->n; i++) {
        slagg_status st = slagg_fold_add_skipped(job, skipped->v[i]);
        if (st != SLAGG_OK) return slagg_cli_job_error(job, st);
    }
    return 0;
}

int slagg_cli_engine_env(slagg_fold *job)
{
    const char *isa = getenv("SLAGG_FORCE_ISA");
    if (isa && *isa && slagg_fold_set_isa(job, isa) != SLAGG_OK) {
        slagg_cli_error("SLAGG_FORCE_ISA=%s", slagg_fold_error(job));
        return 1;
    }
    const char *eng = getenv("SLAGG_ENGINE");
    if (eng && strcmp(eng, "generic") == 0) slagg_fold_set_engine(job, SLAGG_ENGINE_GENERIC);
    const char *lay = getenv("SLAGG_RING_LAYOUT");   /* tests and benchmarks force one */
    if (lay) {
        if (strcmp(lay, "window") != 0 && strcmp(lay, "account") != 0) {
            slagg_cli_error("SLAGG_RING_LAYOUT must be 'window' or 'account', not '%s'", lay);
            return 1;
        }
        slagg_fold_set_ring_layout(job, strcmp(lay, "window") == 0 ? SLAGG_RING_WINDOW : SLAGG_RING_ACCOUNT);
    }
    slagg_fold_set_no_flat(job, getenv("SLAGG_NO_FLAT") != NULL);
    slagg_fold_set_no_sparse(job, getenv("SLAGG_NO_SPARSE") != NULL);
    const char *tmp = getenv("TMPDIR");   /* text inputs' scratch shards (io/text_shards.h) */
    if (tmp && *tmp && slagg_fold_set_tmp_dir(job, tmp) != SLAGG_OK) return slagg_cli_job_error(job, SLAGG_E_NOMEM);
    const char *split = getenv("SLAGG_SPLIT_BYTES");   /* tests and benchmarks: text pieces (io/pack.h) */
    if (split && *split) {
        char *end;
        unsigned long long v = strtoull(split, &end, 10);
        if (*end || v == 0) {
            slagg_cli_error("SLAGG_SPLIT_BYTES must be a positive number of bytes, not '%s'", split);
            return 1;
        }
        slagg_fold_set_split_bytes(job, (uint64_t)v);
    }
    const char *lim = getenv("SLAGG_TEST_SPILL_LIMIT");
    if (lim) slagg_fold_set_spill_limit(job, strtoull(lim, NULL, 10));
    return 0;
}

int slagg_cli_job_error(const slagg_fold *job, slagg_status st)
{
    slagg_cli_error("%s", slagg_fold_error(job));
    return slagg_status_exit_code(st);
}

void slagg_cli_print_rejects(const slagg_fold *job, int have_file)
{
    uint64_t total = slagg_fold_rejects_total(job);
    size_t n = slagg_fold_reject_count(job);
    if (total == 0) return;
    /* name the first few on stderr even when under the limit: nothing is
     * dropped silently (SPEC 6) */
    size_t show = n < 10 ? n : 10;
    for (size_t i = 0; i < show; i++) {
        const char *input, *reason;
        uint64_t line;
        slagg_fold_reject(job, i, &input, &line, &reason);
        slagg_cli_error("%s:%llu: rejected: %s", input, (unsigned long long)line, reason);
    }
    if (total > show)
        slagg_cli_error("... %llu rejected rows in all%s", (unsigned long long)total,
                        have_file ? "" : " (--rejects FILE lists them)");
}

/* A detail for stderr: control characters as \xNN (SPEC 6: text from the
 * input appears in messages with control characters escaped). */
static void escape(const char *s, size_t n, char *out, size_t cap)
{
    size_t at = 0;
    for (size_t i = 0; i < n && at + 5 < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f) at += (size_t)snprintf(out + at, cap - at, "\\x%02x", c);
        else out[at++] = (char)c;
    }
    out[at] = '\0';
}

void slagg_cli_print_warnings(const slagg_fold *job)
{
    size_t n = slagg_fold_warning_count(job);
    if (!n) return;
    slagg_fold_result r;
    slagg_fold_get_result(job, &r);
    char *line = slagg_malloc(4 * 4096 + 64);
    size_t shown = 0;
    slagg_warning_kind prev = SLAGG_WARNING_KINDS;
    for (size_t i = 0; line && i < n; i++) {
        slagg_warning_kind k;
        const char *detail;
        size_t len;
        slagg_fold_warning(job, i, &k, &detail, &len);
        shown = i && prev == k ? shown + 1 : 1;
        prev = k;
        if (shown <= SLAGG_CLI_WARN_SHOW) {
            escape(detail, len, line, 4 * 4096 + 64);
            slagg_cli_error("warning: %s: %s", slagg_warning_kind_name(k), line);
        } else if (shown == SLAGG_CLI_WARN_SHOW + 1) {
            slagg_cli_error("warning: ... and %llu more %s warnings (summary.json lists them all)",
                            (unsigned long long)(r.warnings[k] - SLAGG_CLI_WARN_SHOW), slagg_warning_kind_name(k));
        }
    }
    slagg_free(line);
}

/* "  tables: contracts c.csv, fees (none: ...), ...": which optional
 * tables the credits were computed under, since leaving one out changes
 * them without any other sign (SPEC 5). */
static void print_tables(const slagg_fold *job)
{
    const char *c = slagg_fold_table_path(job, SLAGG_TABLE_CONTRACTS);
    const char *f = slagg_fold_table_path(job, SLAGG_TABLE_FEES);
    const char *m = slagg_fold_table_path(job, SLAGG_TABLE_MAINTENANCE);
    const char *h = slagg_fold_table_path(job, SLAGG_TABLE_HOLIDAYS);
    printf("  tables: contracts %s", c ? c : "(none)");
    if (f) printf(", fees %s", f);
    else printf(", fees (none: periods with a tier have no credit, state no_fee)");
    if (m) printf(", maintenance %s", m);
    else printf(", maintenance (none: no maintenance exclusions)");
    if (h) printf(", holidays %s\n", h);
    else printf(", holidays (none: claim windows count Mon-Fri only)\n");
}

/* "  warnings: gap 1, no_records 1 (listed in summary.json)" */
static void print_warning_counts(const slagg_fold_result *r)
{
    int any = 0;
    printf("  warnings:");
    for (int k = 0; k < SLAGG_WARNING_KINDS; k++) {
        if (!r->warnings[k]) continue;
        printf("%s %s %llu", any ? "," : "", slagg_warning_kind_name((slagg_warning_kind)k),
               (unsigned long long)r->warnings[k]);
        any = 1;
    }
    printf(any ? " (listed in summary.json)\n" : " none\n");
}

static void print_result(const char *cmd, const char *out, const slagg_fold *job)
{
    slagg_fold_result r;
    slagg_fold_get_result(job, &r);
    printf("slagg %s: %llu records from %llu input%s, through %s\n", cmd, (unsigned long long)r.records_read,
           (unsigned long long)r.inputs, r.inputs == 1 ? "" : "s", r.through);
    printf("  accounts %llu, periods %llu (final %llu, in_progress %llu, no_fee %llu)\n",
           (unsigned long long)r.accounts, (unsigned long long)r.periods, (unsigned long long)r.periods_final,
           (unsigned long long)r.periods_in_progress, (unsigned long long)r.periods_no_fee);
    printf("  tiers: 0%% %llu, 10%% %llu, 25%% %llu, 50%% %llu; total credit %s CNY\n",
           (unsigned long long)r.tiers[0], (unsigned long long)r.tiers[1], (unsigned long long)r.tiers[2],
           (unsigned long long)r.tiers[3], r.total_credit);
    printf("  uncontracted %llu, after_through %llu, rejected %llu\n", (unsigned long long)r.uncontracted,
           (unsigned long long)r.after_through, (unsigned long long)r.rejected);
    if (r.from[0])
        printf("  from %s: %llu record%s before it (before_from)\n", r.from, (unsigned long long)r.before_from,
               r.before_from == 1 ? "" : "s");
    if (r.late_maintenance)
        printf("  %llu maintenance window%s notified late (listed in summary.json)\n",
               (unsigned long long)r.late_maintenance, r.late_maintenance == 1 ? "" : "s");
    if (r.unmatched_fees)
        printf("  %llu fee row%s matched no period (listed in summary.json)\n", (unsigned long long)r.unmatched_fees,
               r.unmatched_fees == 1 ? "" : "s");
    print_tables(job);
    print_warning_counts(&r);
    printf("  wrote %s/finance.csv, finance.jsonl, summary.json, availability.slagg, manifest.json\n", out);
}

int slagg_cli_job_finish(const char *cmd, slagg_fold *job, slagg_status st, const char *out,
                         int have_rejects_file, int quiet, const char *extra)
{
    slagg_cli_print_rejects(job, have_rejects_file);
    slagg_cli_print_warnings(job);
    if (st == SLAGG_OK) st = slagg_fold_write(job, out);
    if (st != SLAGG_OK) return slagg_cli_job_error(job, st);
    if (!quiet) {
        print_result(cmd, out, job);
        if (extra) fputs(extra, stdout);
    }
    return 0;
}
