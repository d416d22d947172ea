/*
 * cmd_ledger.c - `slagg ledger --as-of YYYY-MM-DD --out DIR SUMMARY...`
 * (SPEC 5): the compact summaries of one fleet's months, each folded with
 * its own --from, joined into ledger.csv and ledger.jsonl (one generation
 * of DIR, io/generation.h) with every period's claim state as of a date,
 * and the credits summed per claim state on stdout. The rows are
 * io/ledger.c's; this file parses, locks, commits and prints.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cmd.h"
#include "cli/generation.h"
#include "cli/msg.h"
#include "cli/opts.h"
#include "core/alloc.h"
#include "core/calendar.h"
#include "io/generation.h"
#include "io/ledger.h"
#include "io/manifest.h"
#include "io/partial.h"
#include "io/summary_file.h"

static const char help[] =
    "Usage: slagg ledger --as-of YYYY-MM-DD --out DIR [--no-wait] SUMMARY...\n"
    "\n"
    "Joins the compact summaries (availability.slagg, or a fold's output DIR)\n"
    "of one fleet's months, each folded with its own --from (e.g. monthly runs\n"
    "'slagg fold --from 2026-04-01 --through 2026-04-30 ...'), into one claim\n"
    "ledger as of a date, written atomically into DIR as one generation:\n"
    "  ledger.csv, ledger.jsonl   one row per period, sorted like finance.csv:\n"
    "    " SLAGG_LEDGER_HEADER "\n"
    "  manifest.json              sizes, SHA-256 and provenance\n"
    "The fields are finance.csv's; claim_state is the claim window against\n"
    "--as-of: not_open before claim_opens, expired after claim_deadline, else\n"
    "open (both days included); in_progress periods are not_open.\n"
    "On stdout: the sum of the non-empty credits per claim state.\n"
    "\n"
    "The summaries may come in any order. Refused (exit 2, nothing written):\n"
    "one period in two summaries (naming both), summaries folded with\n"
    "different --tz (naming both and their offsets).\n"
    "\n"
    "Options:\n"
    "  --as-of DATE         the day claim states are taken at, YYYY-MM-DD\n"
    "  --out DIR            output directory (created when missing); not a\n"
    "                       fold's output directory\n"
    "  --no-wait            when another run is writing DIR, fail at once (exit 3)\n"
    "  -h, --help           this help\n"
    "\n"
    "Example:\n"
    "  for m in 03 04 05; do slagg fold --out m$m --from 2026-$m-01 \\\n"
    "      --through $(date -d 2026-$m-01+1month-1day +%F) --contracts c.csv --fees f.csv logs/; done\n"
    "  slagg ledger --as-of 2026-06-15 --out ledger m03 m04 m05\n"
    "\n"
    "Exit codes: 0 success, 1 usage error, 2 input error (a corrupt summary, a\n"
    "period twice, different --tz), 3 internal or I/O error.\n";

static int is_dir(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0 && S_ISDIR(sb.st_mode);
}

typedef struct in_ref {
    const char *path;
    uint64_t size, fp;
} in_ref;

static int in_cmp(const void *pa, const void *pb)
{
    return strcmp(((const in_ref *)pa)->path, ((const in_ref *)pb)->path);
}

int slagg_cmd_ledger(int argc, char **argv)
{
    slagg_opt opts[] = {{"as-of", 1, NULL, 0}, {"out", 1, NULL, 0}, {"no-wait", 0, NULL, 0},
                        {"help", 0, NULL, 'h'}};
    const size_t n_opts = sizeof opts / sizeof *opts;
    const char **pos = slagg_calloc((size_t)argc + 1, sizeof *pos);
    char **paths = NULL;
    in_ref *refs = NULL;
    slagg_prov_file *pin = NULL;
    size_t n_pos = 0;
    int rc = 1;
    slagg_ledger l;
    slagg_cli_gen gen;
    slagg_run_lock lk = {-1};
    slagg_buf csv = {0}, jsonl = {0};
    slagg_err err = {0};
    slagg_status st;
    memset(&l, 0, sizeof l);
    slagg_cli_gen_init(&gen, NULL);
    if (!pos) {
        slagg_cli_error("out of memory");
        return 3;
    }
    if (slagg_opts_parse("ledger", argc, argv, opts, n_opts, pos, (size_t)argc, &n_pos) != 0) goto done;
#define OPT(name) slagg_opt_get(opts, n_opts, name)
    if (OPT("help")) {
        fputs(help, stdout);
        rc = 0;
        goto done;
    }
    const char *as_of_s = OPT("as-of"), *out = OPT("out");
    int no_wait = OPT("no-wait") != NULL;
    if (!as_of_s || !out || n_pos == 0) {
        slagg_cli_error("ledger needs --as-of DATE, --out DIR and at least one SUMMARY (see 'slagg ledger --help')");
        goto done;
    }
    int64_t as_of;
    int dr = slagg_parse_input_date(as_of_s, strlen(as_of_s), &as_of);
    if (dr == -2) {
        slagg_cli_error("--as-of '%s' is after " SLAGG_LAST_DAY_TEXT ": dates after " SLAGG_LAST_DAY_TEXT
                        " are not supported (SPEC 6)", as_of_s);
        goto done;
    }
    if (dr != 0) {
        slagg_cli_error("--as-of '%s' is not a date YYYY-MM-DD", as_of_s);
        goto done;
    }
    /* DIR/current of a fold's DIR names the fold's generation: a ledger
     * committed there would leave finance.csv & co. dangling */
    {
        char *p = slagg_malloc(strlen(out) + 32);
        if (!p) {
            slagg_cli_error("out of memory");
            rc = 3;
            goto done;
        }
        snprintf(p, strlen(out) + 32, "%s/" SLAGG_SUMMARY_NAME, out);
        struct stat sb;
        int fold_dir = lstat(p, &sb) == 0;
        slagg_free(p);
        if (fold_dir) {
            slagg_cli_error("--out %s holds a fold's outputs (" SLAGG_SUMMARY_NAME "): give the ledger a directory of its own", out);
            goto done;
        }
    }
    /* a SUMMARY that is a directory: its current availability.slagg */
    paths = slagg_calloc(n_pos, sizeof *paths);
    if (!paths) {
        slagg_cli_error("out of memory");
        rc = 3;
        goto done;
    }
    for (size_t i = 0; i < n_pos; i++) {
        size_t n = strlen(pos[i]) + sizeof SLAGG_SUMMARY_NAME + 2;
        paths[i] = slagg_malloc(n);
        if (!paths[i]) {
            slagg_cli_error("out of memory");
            rc = 3;
            goto done;
        }
        if (is_dir(pos[i])) snprintf(paths[i], n, "%s/%s", pos[i], SLAGG_SUMMARY_NAME);
        else snprintf(paths[i], n, "%s", pos[i]);
    }
#undef OPT
    int busy = 0;
    st = slagg_outdir_lock(out, !no_wait, &gen.co, &lk, &busy, &err);
    if (st != SLAGG_OK) {
        if (busy) slagg_cli_error("%s; wait for it or drop --no-wait", err.msg);
        else slagg_cli_error("%s", err.msg);
        rc = slagg_status_exit_code(st);
        goto done;
    }
    st = slagg_ledger_build((const char *const *)paths, n_pos, as_of, &l, &err);
    if (st != SLAGG_OK) {
        slagg_cli_error("%s", err.msg);
        rc = slagg_status_exit_code(st);
        goto done;
    }
    /* the manifest: the summaries as inputs, by path (the order given
     * changes no byte of the generation) */
    refs = slagg_calloc(n_pos, sizeof *refs);
    pin = slagg_calloc(n_pos, sizeof *pin);
    if (!refs || !pin) {
        slagg_cli_error("out of memory");
        rc = 3;
        goto done;
    }
    for (size_t i = 0; i < n_pos; i++) {
        refs[i].path = paths[i];
        if ((st = slagg_input_fingerprint(paths[i], &refs[i].size, &refs[i].fp, &err)) != SLAGG_OK) {
            slagg_cli_error("%s", err.msg);
            rc = slagg_status_exit_code(st);
            goto done;
        }
    }
    qsort(refs, n_pos, sizeof *refs, in_cmp);
    for (size_t i = 0; i < n_pos; i++) pin[i] = (slagg_prov_file){refs[i].path, 1, refs[i].size, 1, refs[i].fp};
    char day[11];
    slagg_format_date(as_of, day);
    slagg_prov_opt popt = {"as_of", day};
    slagg_provenance prov;
    memset(&prov, 0, sizeof prov);
    prov.command = "ledger";
    prov.opts = &popt;
    prov.n_opts = 1;
    prov.inputs = pin;
    prov.n_inputs = n_pos;
    slagg_ledger_format_csv(&l, &csv);
    slagg_ledger_format_jsonl(&l, &jsonl);
    if (slagg_buf_failed(&csv) || slagg_buf_failed(&jsonl)) {
        slagg_cli_error("out of memory");
        rc = 3;
        goto done;
    }
    slagg_gen_file files[2] = {{"ledger.csv", csv.data ? csv.data : "", csv.len},
                               {"ledger.jsonl", jsonl.data ? jsonl.data : "", jsonl.len}};
    st = slagg_generation_commit_files(out, files, 2, &prov, &gen.co, &err);
    if (st != SLAGG_OK) {
        slagg_cli_error("%s", err.msg);
        rc = slagg_status_exit_code(st);
        goto done;
    }
    /* SPEC 5: "on stdout the sum of non-empty credits per claim state" */
    printf("slagg ledger: %zu period%s from %zu summar%s as of %s; wrote %s/ledger.csv, ledger.jsonl, manifest.json\n",
           l.n_rows, l.n_rows == 1 ? "" : "s", n_pos, n_pos == 1 ? "y" : "ies", day, out);
    for (int k = 0; k < SLAGG_CLAIM_STATES; k++) {
        char total[SLAGG_MONEY_TOTAL_CHARS];
        slagg_money_format_total(l.credit[k], total);
        printf("  %s: %s CNY (%llu period%s)\n", slagg_claim_state_name((slagg_claim_state)k), total,
               (unsigned long long)l.periods[k], l.periods[k] == 1 ? "" : "s");
    }
    rc = 0;
done:
    slagg_outdir_unlock(&lk);
    slagg_ledger_free(&l);
    slagg_buf_free(&csv);
    slagg_buf_free(&jsonl);
    if (paths)
        for (size_t i = 0; i < n_pos; i++) slagg_free(paths[i]);
    slagg_free(paths);
    slagg_free(refs);
    slagg_free(pin);
    slagg_free(pos);
    return rc;
}
