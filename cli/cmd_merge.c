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
#include "cli/msg.h"
#include "cli/opts.h"
#include "cli/warnings.h"
#include "core/alloc.h"
#include "core/calendar.h"
#include "core/engine/fold.h"
#include "io/partial.h"

static const char help[] =
    "Usage: slagg merge --out DIR [--rejects FILE] [--no-wait] [--quiet] PART...\n"
    "\n"
    "Joins partial results written by 'slagg fold --partial FILE ...' (one per\n"
    "machine or job, each over its share of the day's inputs) and writes into\n"
    "DIR, atomically, exactly what one 'slagg fold' over all the inputs writes:\n"
    "finance.csv, finance.jsonl, summary.json and availability.slagg.\n"
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

typedef struct fp_ref {
    uint64_t size, fp;
    size_t part, input;
} fp_ref;

static int fp_cmp(const void *pa, const void *pb)
{
    const fp_ref *a = pa, *b = pb;
    if (a->fp != b->fp) return a->fp < b->fp ? -1 : 1;
    if (a->size != b->size) return a->size < b->size ? -1 : 1;
    if (a->part != b->part) return a->part < b->part ? -1 : 1;
    return (a->input > b->input) - (a->input < b->input);
}

typedef struct in_ref {
    const char *path;
    size_t part, input;
} in_ref;

static int in_ref_cmp(const void *pa, const void *pb)
{
    const in_ref *a = pa, *b = pb;
    int c = strcmp(a->path, b->path);
    if (c) return c;
    if (a->part != b->part) return a->part < b->part ? -1 : 1;
    return (a->input > b->input) - (a->input < b->input);
}

static int row_cmp(const void *pa, const void *pb)
{
    const slagg_reject_row *a = pa, *b = pb;
    if (a->file != b->file) return a->file < b->file ? -1 : 1;
    return (a->line > b->line) - (a->line < b->line);
}

static void fmt_tz(int32_t tz_s, char out[24])
{
    int32_t a = tz_s < 0 ? -tz_s : tz_s;
    snprintf(out, 24, "%c%02d:%02d", tz_s < 0 ? '-' : '+', (int)(a / 3600 % 100), (int)(a / 60 % 60));
}

static void fmt_through(const slagg_partial *p, char out[24])
{
    if (p->has_through) slagg_format_date(p->through, out);
    else snprintf(out, 24, "(not given)");
}

/* Names the first table that differs between two partials' tables. */
static const char *table_diff(const slagg_tables *a, const slagg_tables *b)
{
    slagg_buf x = {0}, y = {0};
    slagg_tables one = {0};
    const char *names[4] = {"contracts", "fees", "maintenance", "holidays"};
    const char *which = "tables";
    for (int k = 0; k < 4 && !slagg_buf_failed(&x); k++) {
        /* encode each table alone: the others left empty */
        slagg_tables ta = one, tb = one;
        if (k == 0) {
            ta.contracts_path = a->contracts_path; ta.contracts = a->contracts; ta.n_contracts = a->n_contracts;
            tb.contracts_path = b->contracts_path; tb.contracts = b->contracts; tb.n_contracts = b->n_contracts;
        } else if (k == 1) {
            ta.fees_path = a->fees_path; ta.fees = a->fees; ta.n_fees = a->n_fees;
            tb.fees_path = b->fees_path; tb.fees = b->fees; tb.n_fees = b->n_fees;
        } else if (k == 2) {
            ta.maintenance_path = a->maintenance_path; ta.maint = a->maint; ta.n_maint = a->n_maint;
            tb.maintenance_path = b->maintenance_path; tb.maint = b->maint; tb.n_maint = b->n_maint;
        } else {
            ta.holidays_path = a->holidays_path; ta.holidays = a->holidays; ta.n_holidays = a->n_holidays;
            ta.workdays = a->workdays; ta.n_workdays = a->n_workdays;
            tb.holidays_path = b->holidays_path; tb.holidays = b->holidays; tb.n_holidays = b->n_holidays;
            tb.workdays = b->workdays; tb.n_workdays = b->n_workdays;
        }
        x.len = y.len = 0;
        slagg_tables_encode(&ta, &x);
        slagg_tables_encode(&tb, &y);
        if (!slagg_buf_failed(&x) && !slagg_buf_failed(&y) &&
            (x.len != y.len || memcmp(x.data, y.data, x.len) != 0)) {
            which = names[k];
            break;
        }
    }
    slagg_buf_free(&x);
    slagg_buf_free(&y);
    return which;
}

/* Refuses a partial that disagrees with the first one. Returns 0 or 2. */
static int check_same_run(const char *pa, const slagg_partial *a, const char *pb,
                          const slagg_partial *b)
{
    char x[24], y[24];
    if (a->tz_s != b->tz_s) {
        fmt_tz(a->tz_s, x);
        fmt_tz(b->tz_s, y);
        slagg_cli_error("%s was folded with --tz %s, but %s with --tz %s: partials of different runs cannot be merged",
                        pb, y, pa, x);
        return 2;
    }
    if (a->has_through != b->has_through || (a->has_through && a->through != b->through)) {
        fmt_through(a, x);
        fmt_through(b, y);
        slagg_cli_error("%s was folded with --through %s, but %s with --through %s: partials of different runs cannot be merged",
                        pb, y, pa, x);
        return 2;
    }
    if (a->tables_hash != b->tables_hash) {
        slagg_cli_error("%s was folded under other %s than %s (different files, paths or contents): partials of different runs cannot be merged",
                        pb, table_diff(&a->tables, &b->tables), pa);
        return 2;
    }
    if (a->gap_min != b->gap_min || a->strict != b->strict) {
        char sa[160], sb[160];
        slagg_cli_strict_text(a->strict, sa, sizeof sa);
        slagg_cli_strict_text(b->strict, sb, sizeof sb);
        slagg_cli_error("%s was folded with --gap %u --strict=%s, but %s with --gap %u --strict=%s: "
                        "partials of different runs cannot be merged",
                        pb, b->gap_min, b->strict ? sb : "(none)", pa, a->gap_min, a->strict ? sa : "(none)");
        return 2;
    }
    if (a->max_rejects != b->max_rejects) {
        slagg_cli_error("%s was folded with --max-rejects %llu, but %s with %llu: partials of different runs cannot be merged",
                        pb, (unsigned long long)b->max_rejects, pa, (unsigned long long)a->max_rejects);
        return 2;
    }
    return 0;
}

int slagg_cmd_merge(int argc, char **argv)
{
    slagg_opt opts[] = {
        {"out", 1, NULL, 0},
        {"rejects", 1, NULL, 0},
        {"quiet", 0, NULL, 'q'},
        {"help", 0, NULL, 'h'},
        {"no-wait", 0, NULL, 0},
    };
    const size_t n_opts = sizeof opts / sizeof *opts;
    const char **pos = slagg_calloc((size_t)argc + 1, sizeof *pos);
    size_t n_pos = 0, n_inputs = 0, n_read = 0;
    int rc = 1;
    slagg_partial *parts = NULL;
    slagg_fold_state s = {0};
    slagg_path_list inputs = {0};
    fp_ref *fps = NULL;
    slagg_err err = {0};
    slagg_status st;
    slagg_cli_gen gen;

    slagg_cli_gen_init(&gen, "merge");
    if (!pos) {
        slagg_cli_error("out of memory");
        return 3;
    }
    if (slagg_opts_parse("merge", argc, argv, opts, n_opts, pos, (size_t)argc, &n_pos) != 0) goto done;
#define OPT(name) slagg_opt_get(opts, n_opts, name)
    if (OPT("help")) {
        fputs(help, stdout);
        rc = 0;
        goto done;
    }
    const char *out = OPT("out"), *rejects = OPT("rejects");
    int quiet = OPT("quiet") != NULL, no_wait = OPT("no-wait") != NULL;
#undef OPT
    if (!out || n_pos == 0) {
        slagg_cli_error("merge needs --out DIR and at least one PART (see 'slagg merge --help')");
        goto done;
    }
    if ((rc = slagg_cli_check_rejects(rejects, out, pos, n_pos, NULL, NULL, 0)) != 0) goto done;
    /* DIR's lock before reading anything (SPEC 4), then the PART files'
     * fingerprints for the manifest */
    if ((rc = slagg_cli_gen_lock(&gen, out, no_wait, quiet)) != 0) goto done;
    rc = 1;
    gen.partials = slagg_calloc(n_pos, sizeof *gen.partials);
    if (!gen.partials) {
        slagg_cli_error("out of memory");
        rc = 3;
        goto done;
    }
    for (size_t i = 0; i < n_pos; i++) {
        slagg_prov_file *f = &gen.partials[i];
        f->path = pos[i];
        f->has_size = f->has_fp = 1;
        if ((st = slagg_input_fingerprint(pos[i], &f->size, &f->fp, &err)) != SLAGG_OK) {
            slagg_cli_error("%s", err.msg);
            rc = slagg_status_exit_code(st);
            goto done;
        }
    }
    gen.prov.partials = gen.partials;
    gen.prov.n_partials = n_pos;
    parts = slagg_calloc(n_pos, sizeof *parts);
    if (!parts || slagg_buckets_init(&s.buckets) != 0 || slagg_cov_acc_init(&s.cov) != 0) {
        slagg_cli_error("out of memory");
        rc = 3;
        goto done;
    }
    /* Read every partial, adding its buckets; the partials of one run
     * share account ids (the contracts' accounts in bytewise order), which
     * the tables check below guarantees. */
    for (size_t i = 0; i < n_pos; i++) {
        st = slagg_partial_read(pos[i], &parts[i], &s.buckets, &s.cov, &err);
        if (st != SLAGG_OK) {
            slagg_cli_error("%s", err.msg);
            rc = slagg_status_exit_code(st);
            goto done;
        }
        n_read++;
        if (i && (rc = check_same_run(pos[0], &parts[0], pos[i], &parts[i])) != 0) goto done;
        n_inputs += parts[i].n_inputs;
    }
    rc = 1;
    /* The same input in two partials would count its records twice. */
    fps = slagg_calloc(n_inputs ? n_inputs : 1, sizeof *fps);
    if (!fps) {
        slagg_cli_error("out of memory");
        rc = 3;
        goto done;
    }
    size_t nf = 0;
    for (size_t i = 0; i < n_pos; i++)
        for (size_t k = 0; k < parts[i].n_inputs; k++)
            fps[nf++] = (fp_ref){parts[i].inputs[k].size, parts[i].inputs[k].fingerprint, i, k};
    if (nf) qsort(fps, nf, sizeof *fps, fp_cmp);
    for (size_t i = 1; i < nf; i++) {
        const fp_ref *x = &fps[i - 1], *y = &fps[i];
        if (x->fp == y->fp && x->size == y->size && x->part != y->part) {
            slagg_cli_error("%s and %s both hold the same input (%s and %s: same size and fingerprint): "
                            "an input fed twice would count its records twice; nothing written",
                            pos[x->part], pos[y->part], parts[x->part].inputs[x->input].path,
                            parts[y->part].inputs[y->input].path);
            rc = 2;
            goto done;
        }
    }
    /* Inputs ordered by path (then PART order), so the rejects file does not
     * depend on the order of the PARTs and, for inputs from one directory,
     * matches a single fold's; rejected rows re-indexed into that list. */
    in_ref *refs = slagg_calloc(n_inputs ? n_inputs : 1, sizeof *refs);
    size_t **map = slagg_calloc(n_pos, sizeof *map);
    if (!refs || !map) {
        slagg_free(refs);
        slagg_free(map);
        slagg_cli_error("out of memory");
        rc = 3;
        goto done;
    }
    size_t nr = 0;
    int oom = 0;
    for (size_t i = 0; i < n_pos; i++) {
        map[i] = slagg_calloc(parts[i].n_inputs ? parts[i].n_inputs : 1, sizeof **map);
        oom |= !map[i];
        for (size_t k = 0; k < parts[i].n_inputs; k++)
            refs[nr++] = (in_ref){parts[i].inputs[k].path, i, k};
    }
    if (nr) qsort(refs, nr, sizeof *refs, in_ref_cmp);
    gen.inputs = slagg_calloc(nr ? nr : 1, sizeof *gen.inputs);
    oom |= !gen.inputs;
    for (size_t g = 0; !oom && g < nr; g++) {
        map[refs[g].part][refs[g].input] = g;
        oom |= slagg_path_push(&inputs, refs[g].path) != 0;
        /* the manifest's inputs: as the partials recorded them */
        const slagg_partial_input *pi = &parts[refs[g].part].inputs[refs[g].input];
        gen.inputs[g] = (slagg_prov_file){pi->path, 1, pi->size, 1, pi->fingerprint};
    }
    gen.prov.inputs = gen.inputs;
    gen.prov.n_inputs = oom ? 0 : nr;
    for (size_t i = 0; !oom && i < n_pos; i++) {
        slagg_partial *p = &parts[i];
        s.records_read += p->records_read;
        s.rejected += p->rejected;
        if (p->has_record && (!s.has_record || p->max_ms > s.max_ms)) s.max_ms = p->max_ms;
        if (p->has_record && (!s.has_record || p->min_ms < s.min_ms)) s.min_ms = p->min_ms;
        s.cov_unknown |= !p->cov_known;
        s.has_record |= p->has_record;
        s.rejects.total += p->rejects.total;
        if (p->rejects.n) {
            slagg_reject_row *rw = slagg_reallocarray(s.rejects.rows, s.rejects.n + p->rejects.n, sizeof *rw);
            if (!rw) {
                oom = 1;
                break;
            }
            s.rejects.rows = rw;
            for (size_t k = 0; k < p->rejects.n; k++) {
                rw[s.rejects.n] = p->rejects.rows[k];
                rw[s.rejects.n].file = (uint32_t)map[i][p->rejects.rows[k].file];
                s.rejects.n++;
                p->rejects.rows[k].reason = NULL; /* now s's */
            }
        }
    }
    for (size_t i = 0; i < n_pos; i++) slagg_free(map[i]);
    slagg_free(map);
    slagg_free(refs);
    if (oom) {
        slagg_cli_error("out of memory");
        rc = 3;
        goto done;
    }
    /* rows of one input come from one partial, in line order */
    if (s.rejects.n) qsort(s.rejects.rows, s.rejects.n, sizeof *s.rejects.rows, row_cmp);
    slagg_fold_opts fo = {0};
    fo.tz_s = parts[0].tz_s;
    fo.has_through = parts[0].has_through;
    fo.through = parts[0].through;
    fo.max_rejects = parts[0].max_rejects;
    fo.gap_min = parts[0].gap_min;
    fo.strict = parts[0].strict;
    fo.threads = 1;
    char extra[96], th[24];
    snprintf(extra, sizeof extra, "  merged %zu partial%s\n", n_pos, n_pos == 1 ? "" : "s");
    /* the tables come from the partials: their paths, no SHA-256 */
    const slagg_tables *pt = &parts[0].tables;
    const char *tpath[4] = {pt->contracts_path, pt->fees_path, pt->maintenance_path, pt->holidays_path};
    for (int k = 0; k < 4; k++)
        if (tpath[k]) slagg_cli_gen_table_from(&gen, k, tpath[k], pos[0]);
    snprintf(th, sizeof th, "%016llx", (unsigned long long)parts[0].tables_hash);
    if ((rc = slagg_cli_gen_fold_opts(&gen, &fo)) != 0 || (rc = slagg_cli_gen_opt(&gen, "tables_xxh64", th)) != 0)
        goto done;
    rc = slagg_cli_fold_write("merge", out, &parts[0].tables, &fo, &s, (const char *const *)inputs.v,
                              inputs.n, rejects, quiet, extra, &gen);
done:
    if (parts)
        for (size_t i = 0; i < n_read; i++) slagg_partial_free(&parts[i]);
    slagg_free(parts);
    slagg_free(fps);
    slagg_fold_state_free(&s);
    slagg_path_list_free(&inputs);
    slagg_cli_gen_free(&gen);
    slagg_free(pos);
    return rc;
}
