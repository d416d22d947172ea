/*
 * job.c - the job behind slagg/fold.h: tables -> engine -> report ->
 * staged outputs, assembled here once for `slagg fold` (one process,
 * --partial, rank 0 of an MPI fold), `slagg merge` and `slagg export`
 * (docs/DESIGN.md, "The job API"). It prints nothing and reads no
 * environment: every failure is a status and job->err, which the CLI
 * shows; the rejected rows and the warnings are left for the CLI to list.
 */
#include "core/engine/job.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/strv.h"
#include "core/calendar.h"
#include "core/cpu.h"
#include "core/engine/fold_shards.h"
#include "core/engine/merge.h"
#include "core/report.h"
#include "core/warnings.h"
#include "io/buf.h"
#include "io/export.h"
#include "io/manifest.h"
#include "io/output.h"
#include "io/partial.h"
#include "io/text_shards.h"
#include "io/summary_file.h"
#include "io/timestamp.h"

/* The public kinds are the internal ones (summary.json's order). */
_Static_assert((int)SLAGG_WARNING_KINDS == (int)SLAGG_WARN_KINDS, "warning kinds");
_Static_assert((int)SLAGG_WARNING_GAP == (int)SLAGG_WARN_GAP, "warning kinds");
_Static_assert((int)SLAGG_WARNING_UNMATCHED_FEE == (int)SLAGG_WARN_UNMATCHED_FEE, "warning kinds");
_Static_assert(SLAGG_WARNING_ALL == SLAGG_WARN_ALL, "warning kinds");

#define PROV_MAX_OPTS 16

enum { STAGE_NONE, STAGE_REJECTS, STAGE_WARNINGS, STAGE_DONE };
enum { OPT_TZ = 1, OPT_THROUGH = 2, OPT_MAX_REJECTS = 4, OPT_GAP = 8, OPT_STRICT = 16, OPT_FROM = 32 };

typedef slagg_strv strv;

struct slagg_fold {
    slagg_err err;
    char *table[SLAGG_N_TABLES];
    strv inputs, skipped, partials;
    char *summary;
    slagg_fold_opts fo;
    unsigned opts_set;           /* OPT_* given by the caller */
    char *rejects_path;
    char *tmp_dir;            /* fo.tmp_dir's storage */
    slagg_commit_opts co;
    slagg_run_lock lock;
    char *lock_dir;
    /* the manifest's provenance */
    slagg_provenance prov;
    slagg_prov_opt popts[PROV_MAX_OPTS];
    char pvals[PROV_MAX_OPTS][32];
    slagg_prov_file *pin, *ppart;
    /* the run */
    int prepared, prepare_st, ran;
    slagg_tables tables;         /* fold: loaded; export: the new fees and holidays */
    slagg_tables stored;         /* export: the summary's tables */
    slagg_tables use;            /* export: stored, new tables replacing (borrows both) */
    const slagg_tables *used;    /* the tables of the report and the outputs */
    slagg_partial *parts;        /* merge: the partials' meta sections */
    slagg_partial_reader **readers;  /* merge: their cells, streamed */
    slagg_cov_acc mcov;          /* merge: their coverage, added up */
    strv mpaths;                 /* MPI: the ranks' partials (slagg_fold_adopt_partials) */
    int is_merge;
    size_t n_read;
    strv names;                  /* merge: the partials' inputs, by path */
    int has_state;
    slagg_fold_state state;
    slagg_fleet fleet;
    slagg_rejects rejects;
    slagg_report report;
    slagg_warnings warns;
    int stage;
    int is_partial;              /* slagg_fold_run_partial ran */
    uint64_t n_inputs, partial_bytes, part_records, part_rejected;
};

/* ---- small helpers ------------------------------------------------------------- */

static slagg_status nomem(slagg_fold *j)
{
    return slagg_err_set(&j->err, SLAGG_E_NOMEM, "out of memory");
}

/* Replaces *dst with a copy of s (NULL: none). */
static slagg_status set_str(slagg_fold *j, char **dst, const char *s)
{
    char *c = NULL;
    if (s && !(c = slagg_strndup(s, strlen(s)))) return nomem(j);
    slagg_free(*dst);
    *dst = c;
    return SLAGG_OK;
}

static unsigned cores(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (unsigned)n : 1;
}

/* ---- the job ---------------------------------------------------------------------- */

slagg_fold *slagg_fold_new(void)
{
    slagg_fold *j = slagg_calloc(1, sizeof *j);
    if (!j) return NULL;
    j->lock.fd = -1;
    j->fo.tz_s = 8 * 3600;               /* SPEC 5: --tz default +08:00 */
    j->fo.threads = cores();
    j->fo.gap_min = SLAGG_GAP_DEFAULT;
    j->prov.opts = j->popts;
    return j;
}

void slagg_fold_free(slagg_fold *j)
{
    if (!j) return;
    slagg_outdir_unlock(&j->lock);
    slagg_free(j->lock_dir);
    for (int k = 0; k < SLAGG_N_TABLES; k++) slagg_free(j->table[k]);
    slagg_strv_free(&j->inputs);
    slagg_strv_free(&j->skipped);
    slagg_strv_free(&j->partials);
    slagg_strv_free(&j->names);
    slagg_strv_free(&j->mpaths);
    slagg_free(j->summary);
    slagg_free(j->rejects_path);
    slagg_free(j->tmp_dir);
    slagg_free(j->pin);
    slagg_free(j->ppart);
    slagg_free((void *)j->prov.skipped);
    if (j->parts)
        for (size_t i = 0; i < j->n_read; i++) slagg_partial_free(&j->parts[i]);
    slagg_free(j->parts);
    if (j->readers)
        for (size_t i = 0; i < j->n_read; i++) slagg_partial_reader_close(j->readers[i]);
    slagg_free(j->readers);
    slagg_cov_acc_free(&j->mcov);
    slagg_fold_state_free(&j->state);
    slagg_warnings_free(&j->warns);
    slagg_report_free(&j->report);
    slagg_rejects_free(&j->rejects);
    slagg_fleet_free(&j->fleet);
    slagg_tables_free(&j->tables);
    slagg_tables_free(&j->stored);
    slagg_free(j);
}

const char *slagg_fold_error(const slagg_fold *j)
{
    return j ? j->err.msg : "out of memory";
}

slagg_status slagg_fold_set_table(slagg_fold *j, slagg_table kind, const char *path)
{
    if ((unsigned)kind >= SLAGG_N_TABLES) return slagg_err_set(&j->err, SLAGG_E_USAGE, "unknown table kind %d", (int)kind);
    return set_str(j, &j->table[kind], path);
}

slagg_status slagg_fold_add_input(slagg_fold *j, const char *path)
{
    if (strcmp(path, "-") == 0)
        for (size_t i = 0; i < j->inputs.n; i++)
            if (strcmp(j->inputs.v[i], "-") == 0)
                return slagg_err_set(&j->err, SLAGG_E_USAGE, "'-' (standard input) can be given only once");
    return slagg_strv_push(&j->inputs, path) ? nomem(j) : SLAGG_OK;
}

slagg_status slagg_fold_add_skipped(slagg_fold *j, const char *name)
{
    return slagg_strv_push(&j->skipped, name) ? nomem(j) : SLAGG_OK;
}

slagg_status slagg_fold_add_partial(slagg_fold *j, const char *path)
{
    return slagg_strv_push(&j->partials, path) ? nomem(j) : SLAGG_OK;
}

slagg_status slagg_fold_set_summary(slagg_fold *j, const char *path)
{
    return set_str(j, &j->summary, path);
}

slagg_status slagg_fold_set_tz(slagg_fold *j, const char *offset)
{
    int32_t tz;
    if (!offset || slagg_parse_tz(offset, strlen(offset), &tz) != 0)
        return slagg_err_set(&j->err, SLAGG_E_USAGE, "'%s' is not an offset like +08:00 or -05:30",
                             offset ? offset : "");
    j->fo.tz_s = tz;
    j->opts_set |= OPT_TZ;
    return SLAGG_OK;
}

slagg_status slagg_fold_set_through(slagg_fold *j, const char *date)
{
    int64_t day = 0;
    int dr = date ? slagg_parse_input_date(date, strlen(date), &day) : 0;
    if (dr == -2)
        return slagg_err_set(&j->err, SLAGG_E_USAGE,
                             "'%s' is after " SLAGG_LAST_DAY_TEXT ": dates after " SLAGG_LAST_DAY_TEXT
                             " are not supported (SPEC 6)", date);
    if (dr != 0) return slagg_err_set(&j->err, SLAGG_E_USAGE, "'%s' is not a date YYYY-MM-DD", date);
    j->fo.has_through = date != NULL;
    j->fo.through = day;
    j->opts_set |= OPT_THROUGH;
    return SLAGG_OK;
}

/* SPEC 2 --from: the first day of a month, so that month periods (which
 * never cross a month boundary) are either wholly reported or wholly not,
 * and the monthly runs of one fleet never share a period. */
slagg_status slagg_fold_set_from(slagg_fold *j, const char *date)
{
    int64_t day = 0;
    int dr = date ? slagg_parse_input_date(date, strlen(date), &day) : 0;
    if (dr == -2)
        return slagg_err_set(&j->err, SLAGG_E_USAGE,
                             "'%s' is after " SLAGG_LAST_DAY_TEXT ": dates after " SLAGG_LAST_DAY_TEXT
                             " are not supported (SPEC 6)", date);
    if (dr != 0) return slagg_err_set(&j->err, SLAGG_E_USAGE, "'%s' is not a date YYYY-MM-DD", date);
    if (date && slagg_month_first(day) != day)
        return slagg_err_set(&j->err, SLAGG_E_USAGE, "'%s' is not the first day of a month (SPEC 2)", date);
    j->fo.has_from = date != NULL;
    j->fo.from = day;
    if (date) j->opts_set |= OPT_FROM;
    else j->opts_set &= ~(unsigned)OPT_FROM;
    return SLAGG_OK;
}

slagg_status slagg_fold_set_threads(slagg_fold *j, unsigned n)
{
    if (n > 1024) return slagg_err_set(&j->err, SLAGG_E_USAGE, "%u threads: at most 1024", n);
    j->fo.threads = n ? n : cores();
    return SLAGG_OK;
}

slagg_status slagg_fold_set_max_rejects(slagg_fold *j, uint64_t n)
{
    j->fo.max_rejects = n;
    j->opts_set |= OPT_MAX_REJECTS;
    return SLAGG_OK;
}

slagg_status slagg_fold_set_gap(slagg_fold *j, uint32_t minutes)
{
    if (minutes > SLAGG_GAP_MAX)
        return slagg_err_set(&j->err, SLAGG_E_USAGE, "a gap of %u minutes: at most %d", minutes, SLAGG_GAP_MAX);
    j->fo.gap_min = minutes ? minutes : SLAGG_GAP_DEFAULT;
    if (minutes) j->opts_set |= OPT_GAP;
    else j->opts_set &= ~(unsigned)OPT_GAP;
    return SLAGG_OK;
}

slagg_status slagg_fold_set_strict(slagg_fold *j, uint32_t mask)
{
    if (mask & ~(uint32_t)SLAGG_WARNING_ALL)
        return slagg_err_set(&j->err, SLAGG_E_USAGE, "strict mask 0x%x holds unknown warning kinds", mask);
    j->fo.strict = mask;
    j->opts_set |= OPT_STRICT;
    return SLAGG_OK;
}

slagg_status slagg_fold_set_rejects_file(slagg_fold *j, const char *path)
{
    return set_str(j, &j->rejects_path, path);
}

slagg_status slagg_fold_set_tmp_dir(slagg_fold *j, const char *dir)
{
    if (!dir || !*dir) {
        slagg_free(j->tmp_dir);
        j->tmp_dir = NULL;
        j->fo.tmp_dir = NULL;
        return SLAGG_OK;
    }
    slagg_status st = set_str(j, &j->tmp_dir, dir);
    if (st == SLAGG_OK) j->fo.tmp_dir = j->tmp_dir;
    return st;
}

slagg_status slagg_fold_set_progress(slagg_fold *j, slagg_progress_fn fn, void *ctx)
{
    j->fo.progress = fn;
    j->fo.progress_ctx = ctx;
    return SLAGG_OK;
}

/* Checked now, not when the shard engine starts: a benchmark must not
 * measure what it did not ask for, and a usage error comes before any
 * input is read. */
slagg_status slagg_fold_set_isa(slagg_fold *j, const char *isa)
{
    const slagg_kernel *k;
    if (!isa || !*isa) {
        j->fo.isa = NULL;
        return SLAGG_OK;
    }
    slagg_status st = slagg_kernel_pick(isa, &k, &j->err);
    if (st != SLAGG_OK) return st;
    j->fo.isa = k->name;   /* static storage */
    return SLAGG_OK;
}

slagg_status slagg_fold_set_engine(slagg_fold *j, slagg_engine engine)
{
    if (engine != SLAGG_ENGINE_AUTO && engine != SLAGG_ENGINE_GENERIC)
        return slagg_err_set(&j->err, SLAGG_E_USAGE, "unknown engine %d", (int)engine);
    j->fo.engine_generic = engine == SLAGG_ENGINE_GENERIC;
    return SLAGG_OK;
}

slagg_status slagg_fold_set_ring_layout(slagg_fold *j, slagg_ring_layout layout)
{
    if (layout != SLAGG_RING_AUTO && layout != SLAGG_RING_WINDOW && layout != SLAGG_RING_ACCOUNT)
        return slagg_err_set(&j->err, SLAGG_E_USAGE, "unknown ring layout %d", (int)layout);
    j->fo.ring_layout = (int)layout;
    return SLAGG_OK;
}

slagg_status slagg_fold_set_no_flat(slagg_fold *j, int no_flat)
{
    j->fo.no_flat = no_flat != 0;
    return SLAGG_OK;
}

slagg_status slagg_fold_set_no_sparse(slagg_fold *j, int no_sparse)
{
    j->fo.no_sparse = no_sparse != 0;
    return SLAGG_OK;
}

slagg_status slagg_fold_set_split_bytes(slagg_fold *j, uint64_t bytes)
{
    j->fo.split_bytes = bytes;
    return SLAGG_OK;
}

void slagg_fold_set_commit_hook(slagg_fold *j, const slagg_commit_opts *co)
{
    if (co) j->co = *co;
    else memset(&j->co, 0, sizeof j->co);
}

void slagg_fold_set_spill_limit(slagg_fold *j, uint64_t n)
{
    j->fo.spill_limit = n;
}

slagg_status slagg_fold_lock(slagg_fold *j, const char *dir, int wait, int *busy)
{
    int b = 0;
    if (busy) *busy = 0;
    if (j->lock.fd >= 0) {
        if (strcmp(j->lock_dir, dir) == 0) return SLAGG_OK;
        return slagg_err_set(&j->err, SLAGG_E_USAGE, "%s: the job holds the lock of %s already", dir, j->lock_dir);
    }
    slagg_status st = slagg_outdir_lock(dir, wait, &j->co, &j->lock, &b, &j->err);
    if (busy) *busy = b;
    if (st != SLAGG_OK) return st;
    if (set_str(j, &j->lock_dir, dir) != SLAGG_OK) {
        slagg_outdir_unlock(&j->lock);
        return SLAGG_E_NOMEM;
    }
    return SLAGG_OK;
}

/* ---- provenance (manifest.json, docs/RELIABILITY.md) -------------------------------- */

/* An option that changes the outputs (value NULL: not given; copied). */
static slagg_status prov_opt(slagg_fold *j, const char *name, const char *value)
{
    size_t i = j->prov.n_opts;
    if (i == PROV_MAX_OPTS || (value && strlen(value) >= sizeof j->pvals[i]))
        return slagg_err_set(&j->err, SLAGG_E_INTERNAL, "internal error: option %s does not fit the manifest", name);
    j->popts[i].name = name;
    j->popts[i].value = NULL;
    if (value) {
        memcpy(j->pvals[i], value, strlen(value) + 1);
        j->popts[i].value = j->pvals[i];
    }
    j->prov.n_opts++;
    return SLAGG_OK;
}

/* tz, from, through, max_rejects and gap: the fold's settings that change
 * bytes ("from" only when given, so that a run without it keeps the
 * run_id it had before --from existed) */
static slagg_status prov_fold_opts(slagg_fold *j, const slagg_fold_opts *fo)
{
    char tz[8], day[11], mr[24], gap[12], from[11];
    slagg_format_tz(fo->tz_s, tz);
    snprintf(gap, sizeof gap, "%u", fo->gap_min ? fo->gap_min : SLAGG_GAP_DEFAULT);
    if (fo->has_through) slagg_format_date(fo->through, day);
    snprintf(mr, sizeof mr, "%llu", (unsigned long long)fo->max_rejects);
    slagg_status st = prov_opt(j, "tz", tz);
    if (st == SLAGG_OK && fo->has_from) {
        slagg_format_date(fo->from, from);
        st = prov_opt(j, "from", from);
    }
    if (st == SLAGG_OK) st = prov_opt(j, "through", fo->has_through ? day : NULL);
    if (st == SLAGG_OK) st = prov_opt(j, "max_rejects", mr);
    if (st == SLAGG_OK) st = prov_opt(j, "gap", gap);
    return st;
}

/* Table kind read from path (NULL: not given): its SHA-256 ("-": none). */
static slagg_status prov_table(slagg_fold *j, int kind, const char *path)
{
    slagg_prov_table *t = &j->prov.tables[kind];
    memset(t, 0, sizeof *t);
    if (!path) return SLAGG_OK;
    t->given = 1;
    t->path = path;
    if (strcmp(path, "-") == 0) return SLAGG_OK;
    slagg_status st = slagg_sha256_file(path, t->sha256, NULL, &j->err);
    if (st != SLAGG_OK) return st;
    t->has_sha256 = 1;
    return SLAGG_OK;
}

/* Table kind not read from a file: from names where it came from. */
static void prov_table_from(slagg_fold *j, int kind, const char *path, const char *from)
{
    slagg_prov_table *t = &j->prov.tables[kind];
    memset(t, 0, sizeof *t);
    t->given = 1;
    t->path = path;
    t->from = from;
}

/* The inputs' sizes and fingerprints, in the order read ('-': unknown). */
static slagg_status prov_inputs(slagg_fold *j, char *const *paths, size_t n)
{
    slagg_free(j->pin);
    j->pin = slagg_calloc(n ? n : 1, sizeof *j->pin);
    j->prov.inputs = j->pin;
    j->prov.n_inputs = 0;
    if (!j->pin) return nomem(j);
    for (size_t i = 0; i < n; i++) {
        slagg_prov_file *f = &j->pin[i];
        f->path = paths[i];
        if (strcmp(paths[i], "-") == 0) continue;
        slagg_status st = slagg_input_fingerprint(paths[i], &f->size, &f->fp, &j->err);
        if (st != SLAGG_OK) return st;
        f->has_size = f->has_fp = 1;
    }
    j->prov.n_inputs = n;
    return SLAGG_OK;
}

static slagg_status prov_skipped(slagg_fold *j)
{
    if (!j->skipped.n) return SLAGG_OK;
    const char **v = slagg_calloc(j->skipped.n, sizeof *v);
    if (!v) return nomem(j);
    for (size_t i = 0; i < j->skipped.n; i++) v[i] = j->skipped.v[i];
    j->prov.skipped = v;
    j->prov.n_skipped = j->skipped.n;
    return SLAGG_OK;
}

static slagg_status load_tables(slagg_fold *j)
{
    slagg_status st;
    if ((st = slagg_load_contracts(&j->tables, j->table[SLAGG_TABLE_CONTRACTS], &j->err)) != SLAGG_OK ||
        (st = slagg_load_fees(&j->tables, j->table[SLAGG_TABLE_FEES], &j->err)) != SLAGG_OK ||
        (st = slagg_load_maintenance(&j->tables, j->table[SLAGG_TABLE_MAINTENANCE], &j->err)) != SLAGG_OK ||
        (st = slagg_load_holidays(&j->tables, j->table[SLAGG_TABLE_HOLIDAYS], &j->err)) != SLAGG_OK)
        return st;
    j->used = &j->tables;
    return SLAGG_OK;
}

/* ---- merge: partials of one run joined (docs/DISTRIBUTED.md) ------------------------ */

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

static void fmt_day(int has, int64_t day, char out[24])
{
    if (has) slagg_format_date(day, out);
    else snprintf(out, 24, "(not given)");
}

static void fmt_through(const slagg_partial *p, char out[24])
{
    fmt_day(p->has_through, p->through, out);
}

static void fmt_tz(int32_t tz_s, char out[24])
{
    int32_t a = tz_s < 0 ? -tz_s : tz_s;
    snprintf(out, 24, "%c%02d:%02d", tz_s < 0 ? '-' : '+', (int)(a / 3600 % 100), (int)(a / 60 % 60));
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

/* Refuses a partial that disagrees with the first one (SLAGG_E_INPUT). */
static slagg_status check_same_run(slagg_fold *j, const char *pa, const slagg_partial *a, const char *pb,
                                   const slagg_partial *b)
{
    char x[24], y[24];
    if (a->tz_s != b->tz_s) {
        fmt_tz(a->tz_s, x);
        fmt_tz(b->tz_s, y);
        return slagg_err_set(&j->err, SLAGG_E_INPUT,
                             "%s was folded with --tz %s, but %s with --tz %s: partials of different runs cannot be merged",
                             pb, y, pa, x);
    }
    if (a->has_through != b->has_through || (a->has_through && a->through != b->through)) {
        fmt_through(a, x);
        fmt_through(b, y);
        return slagg_err_set(&j->err, SLAGG_E_INPUT,
                             "%s was folded with --through %s, but %s with --through %s: partials of different runs cannot be merged",
                             pb, y, pa, x);
    }
    if (a->has_from != b->has_from || (a->has_from && a->from != b->from)) {
        fmt_day(a->has_from, a->from, x);
        fmt_day(b->has_from, b->from, y);
        return slagg_err_set(&j->err, SLAGG_E_INPUT,
                             "%s was folded with --from %s, but %s with --from %s: partials of different runs cannot be merged",
                             pb, y, pa, x);
    }
    if (a->tables_hash != b->tables_hash)
        return slagg_err_set(&j->err, SLAGG_E_INPUT,
                             "%s was folded under other %s than %s (different files, paths or contents): partials of different runs cannot be merged",
                             pb, table_diff(&a->tables, &b->tables), pa);
    if (a->gap_min != b->gap_min || a->strict != b->strict) {
        char sa[160], sb[160];
        slagg_warn_mask_text(a->strict, sa, sizeof sa);
        slagg_warn_mask_text(b->strict, sb, sizeof sb);
        return slagg_err_set(&j->err, SLAGG_E_INPUT,
                             "%s was folded with --gap %u --strict=%s, but %s with --gap %u --strict=%s: "
                             "partials of different runs cannot be merged",
                             pb, b->gap_min, b->strict ? sb : "(none)", pa, a->gap_min, a->strict ? sa : "(none)");
    }
    if (a->max_rejects != b->max_rejects)
        return slagg_err_set(&j->err, SLAGG_E_INPUT,
                             "%s was folded with --max-rejects %llu, but %s with %llu: partials of different runs cannot be merged",
                             pb, (unsigned long long)b->max_rejects, pa, (unsigned long long)a->max_rejects);
    return SLAGG_OK;
}

/* Reads every partial into one fold state (j->state) over the inputs of
 * all of them ordered by path (j->names), as one fold over them would
 * have: refuses partials of different runs and an input held twice. */
static slagg_status prepare_merge(slagg_fold *j)
{
    const size_t n = j->partials.n;
    char *const *pos = j->partials.v;
    slagg_fold_state *s = &j->state;
    size_t n_inputs = 0;
    fp_ref *fps = NULL;
    in_ref *refs = NULL;
    size_t **map = NULL;
    slagg_status st;

    j->has_state = 1;
    /* the PART files' fingerprints for the manifest */
    j->ppart = slagg_calloc(n, sizeof *j->ppart);
    if (!j->ppart) return nomem(j);
    for (size_t i = 0; i < n; i++) {
        slagg_prov_file *f = &j->ppart[i];
        f->path = pos[i];
        f->has_size = f->has_fp = 1;
        if ((st = slagg_input_fingerprint(pos[i], &f->size, &f->fp, &j->err)) != SLAGG_OK) return st;
    }
    j->prov.partials = j->ppart;
    j->prov.n_partials = n;
    j->is_merge = 1;
    j->parts = slagg_calloc(n, sizeof *j->parts);
    j->readers = slagg_calloc(n, sizeof *j->readers);
    if (!j->parts || !j->readers || slagg_cov_acc_init(&j->mcov) != 0) return nomem(j);
    /* Every partial's meta section read, its cells left to stream
     * (core/engine/merge.c); the partials of one run share account ids
     * (the contracts' accounts in bytewise order), which the tables check
     * guarantees. */
    for (size_t i = 0; i < n; i++) {
        st = slagg_partial_reader_open(pos[i], &j->parts[i], &j->mcov, &j->readers[i], &j->err);
        if (st != SLAGG_OK) return st;
        j->n_read++;
        if (i && (st = check_same_run(j, pos[0], &j->parts[0], pos[i], &j->parts[i])) != SLAGG_OK) return st;
        n_inputs += j->parts[i].n_inputs;
    }
    /* The same input in two partials would count its records twice. */
    fps = slagg_calloc(n_inputs ? n_inputs : 1, sizeof *fps);
    if (!fps) return nomem(j);
    size_t nf = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < j->parts[i].n_inputs; k++)
            fps[nf++] = (fp_ref){j->parts[i].inputs[k].size, j->parts[i].inputs[k].fingerprint, i, k};
    if (nf) qsort(fps, nf, sizeof *fps, fp_cmp);
    for (size_t i = 1; i < nf; i++) {
        const fp_ref *x = &fps[i - 1], *y = &fps[i];
        if (x->fp == y->fp && x->size == y->size && x->part != y->part) {
            st = slagg_err_set(&j->err, SLAGG_E_INPUT,
                               "%s and %s both hold the same input (%s and %s: same size and fingerprint): "
                               "an input fed twice would count its records twice; nothing written",
                               pos[x->part], pos[y->part], j->parts[x->part].inputs[x->input].path,
                               j->parts[y->part].inputs[y->input].path);
            slagg_free(fps);
            return st;
        }
    }
    slagg_free(fps);
    /* Inputs ordered by path (then PART order), so the rejects file does
     * not depend on the order of the PARTs and, for inputs from one
     * directory, matches a single fold's; rejected rows re-indexed. */
    refs = slagg_calloc(n_inputs ? n_inputs : 1, sizeof *refs);
    map = slagg_calloc(n, sizeof *map);
    int oom = !refs || !map;
    size_t nr = 0;
    for (size_t i = 0; !oom && i < n; i++) {
        map[i] = slagg_calloc(j->parts[i].n_inputs ? j->parts[i].n_inputs : 1, sizeof **map);
        oom |= !map[i];
        for (size_t k = 0; k < j->parts[i].n_inputs; k++) refs[nr++] = (in_ref){j->parts[i].inputs[k].path, i, k};
    }
    if (!oom && nr) qsort(refs, nr, sizeof *refs, in_ref_cmp);
    if (!oom) j->pin = slagg_calloc(nr ? nr : 1, sizeof *j->pin);
    oom |= !j->pin;
    for (size_t g = 0; !oom && g < nr; g++) {
        map[refs[g].part][refs[g].input] = g;
        oom |= slagg_strv_push(&j->names, refs[g].path) != 0;
        /* the manifest's inputs: as the partials recorded them */
        const slagg_partial_input *pi = &j->parts[refs[g].part].inputs[refs[g].input];
        j->pin[g] = (slagg_prov_file){pi->path, 1, pi->size, 1, pi->fingerprint};
    }
    j->prov.inputs = j->pin;
    j->prov.n_inputs = oom ? 0 : nr;
    for (size_t i = 0; !oom && i < n; i++) {
        slagg_partial *p = &j->parts[i];
        s->records_read += p->records_read;
        s->rejected += p->rejected;
        s->before_from += p->before_from;
        if (p->has_record && (!s->has_record || p->max_ms > s->max_ms)) s->max_ms = p->max_ms;
        if (p->has_record && (!s->has_record || p->min_ms < s->min_ms)) s->min_ms = p->min_ms;
        s->has_record |= p->has_record;
        s->rejects.total += p->rejects.total;
        if (p->rejects.n) {
            slagg_reject_row *rw = slagg_reallocarray(s->rejects.rows, s->rejects.n + p->rejects.n, sizeof *rw);
            if (!rw) {
                oom = 1;
                break;
            }
            s->rejects.rows = rw;
            for (size_t k = 0; k < p->rejects.n; k++) {
                rw[s->rejects.n] = p->rejects.rows[k];
                rw[s->rejects.n].file = (uint32_t)map[i][p->rejects.rows[k].file];
                s->rejects.n++;
                p->rejects.rows[k].reason = NULL; /* now s's */
            }
        }
    }
    if (map)
        for (size_t i = 0; i < n; i++) slagg_free(map[i]);
    slagg_free(map);
    slagg_free(refs);
    if (oom) return nomem(j);
    /* rows of one input come from one partial, in line order */
    if (s->rejects.n) qsort(s->rejects.rows, s->rejects.n, sizeof *s->rejects.rows, row_cmp);
    const slagg_partial *p0 = &j->parts[0];
    j->fo.tz_s = p0->tz_s;
    j->fo.has_through = p0->has_through;
    j->fo.through = p0->through;
    j->fo.has_from = p0->has_from;
    j->fo.from = p0->from;
    j->fo.max_rejects = p0->max_rejects;
    j->fo.gap_min = p0->gap_min;
    j->fo.strict = p0->strict;
    /* j->fo.threads stays the job's (every core unless set): the merge
     * streams on one, the outputs are formatted on all (same bytes) */
    j->used = &p0->tables;
    j->n_inputs = nr;
    /* the tables come from the partials: their paths, no SHA-256 */
    const char *tpath[4] = {p0->tables.contracts_path, p0->tables.fees_path, p0->tables.maintenance_path,
                            p0->tables.holidays_path};
    for (int k = 0; k < 4; k++)
        if (tpath[k]) prov_table_from(j, k, tpath[k], pos[0]);
    char th[24];
    snprintf(th, sizeof th, "%016llx", (unsigned long long)p0->tables_hash);
    if ((st = prov_fold_opts(j, &j->fo)) != SLAGG_OK) return st;
    return prov_opt(j, "tables_xxh64", th);
}

/* ---- export: a compact summary's fleet, new fees or holidays ------------------------ */

static slagg_status prepare_export(slagg_fold *j)
{
    const char *sum = j->summary;
    const char *fees = j->table[SLAGG_TABLE_FEES], *hol = j->table[SLAGG_TABLE_HOLIDAYS];
    slagg_status st;
    /* the manifest's inputs (the summary) and tables (new files, or those
     * the summary holds) */
    if ((st = prov_inputs(j, &j->summary, 1)) != SLAGG_OK) return st;
    if ((st = prov_table(j, SLAGG_TABLE_FEES, fees)) != SLAGG_OK) return st;
    if ((st = prov_table(j, SLAGG_TABLE_HOLIDAYS, hol)) != SLAGG_OK) return st;
    if ((st = slagg_summary_read(sum, &j->fleet, &j->stored, &j->err)) != SLAGG_OK) return st;
    /* contracts and maintenance were folded into the summary */
    prov_table_from(j, SLAGG_TABLE_CONTRACTS, NULL, sum);
    prov_table_from(j, SLAGG_TABLE_MAINTENANCE, NULL, sum);
    const slagg_tables *s = &j->stored;
    if (!fees && (s->fees_path || s->n_fees)) prov_table_from(j, SLAGG_TABLE_FEES, s->fees_path, sum);
    if (!hol && (s->holidays_path || s->n_holidays || s->n_workdays))
        prov_table_from(j, SLAGG_TABLE_HOLIDAYS, s->holidays_path, sum);
    if ((st = slagg_load_fees(&j->tables, fees, &j->err)) != SLAGG_OK ||
        (st = slagg_load_holidays(&j->tables, hol, &j->err)) != SLAGG_OK)
        return st;
    /* new tables replace the stored ones, one kind at a time */
    j->use = j->stored;
    if (fees) {
        j->use.fees = j->tables.fees;
        j->use.n_fees = j->tables.n_fees;
        j->use.fees_path = j->tables.fees_path;
    }
    if (hol) {
        j->use.holidays = j->tables.holidays;
        j->use.n_holidays = j->tables.n_holidays;
        j->use.workdays = j->tables.workdays;
        j->use.n_workdays = j->tables.n_workdays;
        j->use.holidays_path = j->tables.holidays_path;
    }
    memset(j->use.owned, 0, sizeof j->use.owned);
    j->used = &j->use;
    /* the stored intervals give any threshold's gaps */
    if (j->opts_set & OPT_GAP) j->fleet.cov.gap_min = j->fo.gap_min;
    j->n_inputs = 1;
    return SLAGG_OK;
}

/* ---- running ------------------------------------------------------------------------ */

/* Which source the job reads: inputs (fold), partials (merge) or a
 * summary (export); usage errors for mixed or missing ones. */
static slagg_status check_sources(slagg_fold *j)
{
    int kinds = (j->inputs.n > 0) + (j->partials.n > 0) + (j->summary != NULL);
    if (kinds > 1)
        return slagg_err_set(&j->err, SLAGG_E_USAGE, "a job reads inputs, partials or a summary, not two of them");
    if (j->partials.n) {
        for (int k = 0; k < SLAGG_N_TABLES; k++)
            if (j->table[k])
                return slagg_err_set(&j->err, SLAGG_E_USAGE, "a merge takes its tables from the partials");
        if (j->opts_set)
            return slagg_err_set(&j->err, SLAGG_E_USAGE, "a merge takes --tz, --from, --through, --max-rejects, --gap and --strict from the partials");
        return SLAGG_OK;
    }
    if (j->summary) {
        if (j->table[SLAGG_TABLE_CONTRACTS] || j->table[SLAGG_TABLE_MAINTENANCE])
            return slagg_err_set(&j->err, SLAGG_E_USAGE, "an export takes contracts and maintenance from the summary");
        if (j->opts_set & (OPT_TZ | OPT_FROM | OPT_THROUGH | OPT_MAX_REJECTS))
            return slagg_err_set(&j->err, SLAGG_E_USAGE, "an export takes --tz, --from, --through and --max-rejects from the summary");
        return SLAGG_OK;
    }
    if (!j->table[SLAGG_TABLE_CONTRACTS])
        return slagg_err_set(&j->err, SLAGG_E_USAGE, "a fold needs the contracts table");
    if (!j->inputs.n) return slagg_err_set(&j->err, SLAGG_E_USAGE, "a fold needs at least one input");
    if (j->fo.has_from && j->fo.has_through && j->fo.through < j->fo.from) {
        char f[11], t[11];
        slagg_format_date(j->fo.from, f);
        slagg_format_date(j->fo.through, t);
        return slagg_err_set(&j->err, SLAGG_E_USAGE, "--through %s is before --from %s: no day would be counted", t, f);
    }
    return SLAGG_OK;
}

slagg_status slagg_fold_begin(slagg_fold *j)
{
    if (j->prepared) return (slagg_status)j->prepare_st;
    j->prepared = 1;
    slagg_status st = check_sources(j);
    if (st == SLAGG_OK) st = prov_skipped(j);
    if (st == SLAGG_OK) {
        if (j->partials.n) {
            j->prov.command = "merge";
            st = prepare_merge(j);
        } else if (j->summary) {
            j->prov.command = "export";
            st = prepare_export(j);
        } else {
            /* SPEC 4: the provenance before any input is read */
            j->prov.command = "fold";
            j->n_inputs = j->inputs.n;
            st = prov_inputs(j, j->inputs.v, j->inputs.n);
            for (int k = 0; st == SLAGG_OK && k < SLAGG_N_TABLES; k++) st = prov_table(j, k, j->table[k]);
            if (st == SLAGG_OK) st = prov_fold_opts(j, &j->fo);
            if (st == SLAGG_OK) st = load_tables(j);
        }
    }
    j->prepare_st = (int)st;
    return st;
}

const slagg_tables *slagg_fold_tables(const slagg_fold *j)
{
    return j->used ? j->used : &j->tables;
}

const slagg_fold_opts *slagg_fold_options(const slagg_fold *j)
{
    return &j->fo;
}

const char *const *slagg_fold_input_list(const slagg_fold *j, size_t *n)
{
    *n = j->inputs.n;
    return (const char *const *)j->inputs.v;
}

void slagg_fold_adopt_state(slagg_fold *j, slagg_fold_state *s)
{
    slagg_fold_state_free(&j->state);
    j->state = *s;
    memset(s, 0, sizeof *s);
    j->has_state = 1;
}

/* The rejects file (SPEC 6), written atomically. */
static slagg_status write_rejects(slagg_fold *j, const char *path, char *const *inputs, const slagg_rejects *rj)
{
    slagg_buf b = {0};
    slagg_format_rejects_csv((const char *const *)inputs, rj, &b);
    slagg_status st = slagg_buf_failed(&b) ? nomem(j) : slagg_write_atomic_path(path, b.data, b.len, &j->err);
    slagg_buf_free(&b);
    return st;
}

/* After the fold: the rejects file, --max-rejects over all the rejected
 * rows, the report and the warnings, then --strict (SPEC 5, 6): nothing
 * may be written past a failure here. */
static slagg_status finish_run(slagg_fold *j)
{
    char *const *names = j->partials.n ? j->names.v : j->inputs.v;
    const slagg_rejects *rj = &j->rejects;
    slagg_status st;
    if (j->rejects_path && (st = write_rejects(j, j->rejects_path, names, rj)) != SLAGG_OK) return st;
    j->stage = STAGE_REJECTS;
    if (rj->total > j->fo.max_rejects)
        return slagg_err_set(&j->err, SLAGG_E_INPUT, "%llu row%s rejected, more than --max-rejects %llu allows; nothing written",
                             (unsigned long long)rj->total, rj->total == 1 ? "" : "s",
                             (unsigned long long)j->fo.max_rejects);
    if ((st = slagg_report_build(&j->fleet, j->used, &j->report, &j->err)) != SLAGG_OK) return st;
    if ((st = slagg_warnings_build(&j->fleet, &j->report, j->used->fees_path, &j->warns, &j->err)) != SLAGG_OK)
        return st;
    j->stage = STAGE_WARNINGS;
    uint32_t strict = j->fo.strict;
    size_t hit = 0, at = 0;
    char which[256] = "";
    for (int k = 0; k < SLAGG_WARN_KINDS; k++) {
        if (!(strict & (1u << k)) || !j->warns.count[k]) continue;
        hit += j->warns.count[k];
        int n = snprintf(which + at, sizeof which - at, "%s%s %zu", at ? ", " : "",
                         slagg_warn_kind_name((slagg_warn_kind)k), j->warns.count[k]);
        if (n > 0 && (size_t)n < sizeof which - at) at += (size_t)n;
    }
    if (hit) {
        char mode[160];
        slagg_warn_mask_text(strict, mode, sizeof mode);
        int all = strcmp(mode, "all") == 0;
        return slagg_err_set(&j->err, SLAGG_E_INPUT, "--strict%s%s: failing on %zu warning%s (%s); nothing written",
                             all ? "" : "=", all ? "" : mode, hit, hit == 1 ? "" : "s", which);
    }
    j->stage = STAGE_DONE;
    return SLAGG_OK;
}

slagg_status slagg_fold_run(slagg_fold *j)
{
    if (j->ran) return slagg_err_set(&j->err, SLAGG_E_USAGE, "the job has run already");
    j->ran = 1;
    slagg_status st = slagg_fold_begin(j);
    if (st != SLAGG_OK) return st;
    if (j->is_merge) {
        /* merge: the partials streamed into one fleet (core/engine/merge.c) */
        j->rejects = j->state.rejects;
        memset(&j->state.rejects, 0, sizeof j->state.rejects);
        st = slagg_merge_partials(j->used, &j->fo, j->partials.n ? j->partials.v : j->mpaths.v, j->parts, j->readers,
                                  j->n_read, &j->mcov, &j->fleet, &j->err);
    } else if (j->has_state) {
        /* MPI: a merged state over the inputs, finished here */
        j->rejects = j->state.rejects;
        memset(&j->state.rejects, 0, sizeof j->state.rejects);
        st = slagg_fold_finish(j->used, &j->fo, &j->state, &j->fleet, &j->err);
    } else if (!j->summary) {
        /* one process: the shard engine when every input is a shard
         * (core/fold_shards.c), else the generic scan */
        st = slagg_fold_logs(j->used, (const char *const *)j->inputs.v, j->inputs.n, &j->fo, &j->fleet,
                             &j->rejects, &j->err);
    }
    if (st != SLAGG_OK) return st;
    return finish_run(j);
}

slagg_status slagg_fold_write(slagg_fold *j, const char *dir)
{
    if (j->stage != STAGE_DONE)
        return slagg_err_set(&j->err, SLAGG_E_USAGE, "%s: nothing to write: the job has not run successfully", dir);
    slagg_status st = slagg_fold_lock(j, dir, 1, NULL);
    if (st != SLAGG_OK) return st;
    /* the report finish_run built (and checked --strict against) */
    return slagg_write_outputs(dir, &j->fleet, j->used, &j->report, j->fo.threads, &j->prov, &j->co, &j->err);
}

/* ---- fold --partial: the engine's cells streamed into the partial file ---------------- */

/* The sink's side: the partial's writer and, for an MPI rank, its
 * exchange and the keys of the error cells written, for the exchange when
 * the engine did not make it (the ring engine, the generic scan: they
 * write every cell, but their error windows need the other ranks' V). */
typedef struct part_sink {
    slagg_partial_writer *w;
    const slagg_cell_exchange *ex;
    slagg_cell_exchange wrap;   /* ex, noting that it was called */
    int covered, exchanged;
    slagg_cell_key *keys;
    size_t n_keys, cap_keys;
    int keys_failed;
} part_sink;

static void note_keys(part_sink *ps, const slagg_cell *c, size_t n)
{
    for (size_t i = 0; ps->ex && !ps->exchanged && !ps->keys_failed && i < n; i++) {
        if (!c[i].e) continue;
        if (ps->n_keys == ps->cap_keys) {
            size_t cap = ps->cap_keys ? 2 * ps->cap_keys : 1024;
            slagg_cell_key *nk = slagg_reallocarray(ps->keys, cap, sizeof *nk);
            if (!nk) {
                ps->keys_failed = 1;
                return;
            }
            ps->keys = nk;
            ps->cap_keys = cap;
        }
        ps->keys[ps->n_keys++] = (slagg_cell_key){c[i].window, c[i].account};
    }
}

static slagg_status sink_cells(void *ctx, const slagg_cell *c, size_t n, slagg_err *err)
{
    part_sink *ps = ctx;
    note_keys(ps, c, n);
    return slagg_partial_writer_cells(ps->w, c, n, err);
}

static slagg_status sink_tail(void *ctx, slagg_cell *c, size_t n, slagg_err *err)
{
    part_sink *ps = ctx;
    note_keys(ps, c, n);
    return slagg_partial_writer_tail(ps->w, c, n, err);
}

static slagg_status sink_cover(void *ctx, const uint32_t *cover, int64_t lo, int64_t span, uint32_t **sum,
                               int64_t *sum_lo, int64_t *sum_span, slagg_err *err)
{
    part_sink *ps = ctx;
    ps->covered = 1;
    *sum = NULL;
    return ps->ex->cover ? ps->ex->cover(ps->ex->ctx, cover, lo, span, sum, sum_lo, sum_span, err) : SLAGG_OK;
}

/* A rank that does not take the sparse fold: "cannot tell" to the cover
 * step, before its scan (so that the sparse ranks need not wait for it);
 * one without inputs (more ranks than inputs) covers nothing, and says so. */
static slagg_status cover_unknown(part_sink *ps, int no_inputs, slagg_err *err)
{
    if (!ps->ex || ps->covered) return SLAGG_OK;
    static const uint32_t nothing[1] = {0};
    uint32_t *sum = NULL;
    int64_t lo = 0, span = 0;
    slagg_status st = sink_cover(ps, no_inputs ? nothing : NULL, 0, 0, &sum, &lo, &span, err);
    slagg_free(sum);
    return st;
}

static slagg_status sink_exchange(void *ctx, const slagg_cell_key *mine, size_t n, slagg_cell_key **all,
                                  size_t *n_all, slagg_err *err)
{
    part_sink *ps = ctx;
    ps->exchanged = 1;   /* (fn itself makes the cover step first when no one did: core/cell.h) */
    return ps->ex->fn(ps->ex->ctx, mine, n, all, n_all, err);
}

/* An MPI rank whose cells were all written (not the sparse fold): the
 * keys of its error cells, sorted and unique, to the exchange; what comes
 * back is not needed (its partial holds every cell's V). */
static slagg_status exchange_written(part_sink *ps, slagg_err *err)
{
    if (ps->keys_failed) return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    size_t m = 0;
    if (ps->n_keys) qsort(ps->keys, ps->n_keys, sizeof *ps->keys, slagg_cell_key_cmp);
    for (size_t i = 0; i < ps->n_keys; i++)
        if (!m || slagg_cell_key_cmp(&ps->keys[m - 1], &ps->keys[i]) != 0) ps->keys[m++] = ps->keys[i];
    slagg_cell_key *all = NULL;
    size_t na = 0;
    slagg_status st = sink_exchange(ps, ps->keys, m, &all, &na, err);
    slagg_free(all);
    return st;
}

/* The generic scan's cells, taken from its buckets before
 * slagg_fold_finish consumes them (*c, *n: every contracted account's
 * bucket with a valid record or an error). Memory grows with the buckets:
 * only the fallback for what the shard engine does not fold. */
static slagg_status generic_cells_take(const slagg_fold_state *s, slagg_cell **c, size_t *n, slagg_err *err)
{
    size_t m = 0;
    *c = slagg_calloc(s->buckets.slot ? s->buckets.mask + 1 : 1, sizeof **c);
    if (!*c) return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    for (size_t i = 0; s->buckets.slot && i <= s->buckets.mask; i++) {
        const slagg_bucket *e = &s->buckets.slot[i];
        if (!e->used || e->account == SLAGG_DICT_NONE) continue;
        uint64_t v = slagg_agg_valid(e->cls), x = slagg_agg_error(e->cls);
        if (v || x) (*c)[m++] = (slagg_cell){e->window, e->account, v, x};
    }
    *n = m;
    return SLAGG_OK;
}

/* ... then, once f's periods are settled, those counted in a period, in
 * (window, account) order, to the partial. */
static slagg_status generic_cells_put(slagg_cell *c, size_t n, const slagg_fleet *f, part_sink *w,
                                      slagg_err *err)
{
    qsort(c, n, sizeof *c, slagg_cell_cmp_account);
    size_t m = 0, p = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t day = slagg_floordiv(c[i].window, SLAGG_WINDOWS_PER_DAY);
        if (c[i].account >= f->n_accounts || day > f->through) continue;
        while (p < f->n_periods && (f->periods[p].account < c[i].account ||
                                    (f->periods[p].account == c[i].account && f->periods[p].span.counted_end < day)))
            p++;
        if (p == f->n_periods || f->periods[p].account != c[i].account || f->periods[p].span.start > day) continue;
        c[m++] = c[i];
    }
    qsort(c, m, sizeof *c, slagg_cell_cmp_window);
    slagg_status st = sink_cells(w, c, m, err);
    if (st == SLAGG_OK) st = sink_tail(w, NULL, 0, err);
    return st;
}

/* The partial's meta from the fold's fleet f (periods with their class
 * totals, counters, names counted uncontracted) and window map. */
static slagg_status write_meta(const slagg_tables *t, slagg_partial *p, const slagg_fleet *f,
                               const slagg_cov_map *map, slagg_partial_writer *w, uint64_t *bytes, slagg_err *err)
{
    slagg_cov_acc acc;
    if (slagg_cov_acc_init(&acc) != 0) return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    slagg_cov_map own = acc.map;
    slagg_cov_map none = {0};
    acc.map = map ? *map : none;   /* borrowed */
    slagg_status st = SLAGG_OK;
    p->periods = slagg_calloc(f->n_periods ? f->n_periods : 1, sizeof *p->periods);
    if (!p->periods) st = slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    for (size_t i = 0; st == SLAGG_OK && i < f->n_periods; i++) {
        uint64_t any = 0;
        for (int k = 0; k < SLAGG_CLASS_COUNT; k++) any |= f->periods[i].cls[k];
        if (!any) continue;
        slagg_partial_period *q = &p->periods[p->n_periods++];
        q->account = f->periods[i].account;
        q->start = f->periods[i].span.start;
        memcpy(q->cls, f->periods[i].cls, sizeof q->cls);
    }
    /* the accounts counted uncontracted, as names on a day <= through */
    int64_t day = f->through < SLAGG_COV_DAY_FIRST ? SLAGG_COV_DAY_FIRST
                  : f->through > SLAGG_COV_DAY_LAST ? SLAGG_COV_DAY_LAST : f->through;
    for (size_t i = 0; st == SLAGG_OK && i < f->cov.n_unc; i++)
        if (slagg_cov_note_unknown(&acc, f->cov.unc[i], f->cov.unc_len[i], day) != 0)
            st = slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    p->own_through = f->through;
    p->uncontracted = f->uncontracted;
    p->after_through = f->after_through;
    if (st == SLAGG_OK) st = slagg_partial_writer_commit(w, p, t, &acc, bytes, err);
    else slagg_partial_writer_discard(w);
    acc.map = own;
    slagg_cov_acc_free(&acc);
    slagg_free(p->periods);
    p->periods = NULL;
    return st;
}

slagg_status slagg_fold_partial_file(const slagg_tables *t, const slagg_fold_opts *fo, const char *const *inputs,
                                     size_t n, const char *path, const slagg_cell_exchange *ex,
                                     slagg_partial_stats *out, slagg_err *err)
{
    part_sink psink = {0};
    slagg_partial_input *fps = NULL;
    slagg_partial p = {0};
    slagg_partial_writer *w = NULL;
    slagg_fleet f = {0};
    slagg_cov_map map = {0};
    slagg_fold_state s = {0};
    slagg_cell *cells = NULL;
    size_t n_cells = 0;
    const char *const *paths = NULL;
    slagg_rejects trej = {0};
    slagg_text_shards *ts = NULL;
    slagg_status st = SLAGG_OK;
    memset(out, 0, sizeof *out);
    fps = slagg_calloc(n ? n : 1, sizeof *fps);
    if (!fps) return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        fps[i].path = (char *)inputs[i];
        if ((st = slagg_input_fingerprint(inputs[i], &fps[i].size, &fps[i].fingerprint, err)) != SLAGG_OK) goto done;
    }
    if ((st = slagg_partial_writer_open(path, slagg_tables_account_count(t), &w, err)) != SLAGG_OK) goto done;
    /* the shard engine, its cells streamed into the file as it finalises
     * them (bounded memory); else the generic scan */
    psink.w = w;
    psink.ex = ex;
    psink.wrap = (slagg_cell_exchange){sink_exchange, sink_cover, &psink};
    const slagg_cell_sink sink = {sink_cells, sink_tail, &psink, ex ? &psink.wrap : NULL};
    int used = 0, scratch_failed = 0;
    /* text inputs as scratch shards (io/text_shards.h), as a fold makes
     * them; when the scratch side fails, the generic scan reads them (no
     * stdin here: it can) */
    if (!fo->engine_generic && n) {
        slagg_text_shards_opts to = {fo->threads, fo->max_rejects, fo->tmp_dir, 0, 0, fo->split_bytes, fo->isa};
        size_t n_paths = 0;
        st = slagg_text_shards_make(inputs, n, &to, &paths, &n_paths, &trej, &ts, &scratch_failed, err);
        if (st != SLAGG_OK && scratch_failed) {
            memset(err, 0, sizeof *err);
            st = SLAGG_OK;
        } else if (st == SLAGG_OK) {
            st = slagg_fold_shards_partial(t, paths, n_paths, fo, &sink, &f, &map, &used, err);
        }
        if (st != SLAGG_OK) goto done;
    }
    if (used) {
        p.records_read = f.records_read + trej.total;
        p.rejected = f.rejected + trej.total;
        p.rejects = trej;
        p.has_record = f.cov.has_record;
        p.min_ms = f.cov.first_ms;
        p.max_ms = f.cov.last_ms;
        p.before_from = f.before_from;
    } else {
        st = cover_unknown(&psink, n == 0, err);
        if (st == SLAGG_OK) st = slagg_fold_scan(t, inputs, n, fo, &s, err);
        if (st == SLAGG_OK) {
            p.records_read = s.records_read;
            p.rejected = s.rejected;
            p.has_record = s.has_record;
            p.min_ms = s.has_record ? s.min_ms : 0;
            p.max_ms = s.has_record ? s.max_ms : 0;
            p.before_from = s.before_from;
            p.rejects = s.rejects;     /* borrowed: freed with s */
            map = s.cov.map;           /* moved: s keeps none */
            memset(&s.cov.map, 0, sizeof s.cov.map);
            st = generic_cells_take(&s, &cells, &n_cells, err);
            if (st == SLAGG_OK) st = slagg_fold_finish(t, fo, &s, &f, err);
        }
        if (st == SLAGG_OK) st = generic_cells_put(cells, n_cells, &f, &psink, err);
    }
    if (st == SLAGG_OK && ex && !psink.exchanged) st = exchange_written(&psink, err);
    if (st != SLAGG_OK) goto done;
    /* the settings, the inputs' fingerprints, the counters and the rest
     * of what the merge needs (io/partial.h), then the file into place */
    p.tz_s = fo->tz_s;
    p.has_through = fo->has_through;
    p.through = fo->through;
    p.has_from = fo->has_from;
    p.from = fo->from;
    p.max_rejects = fo->max_rejects;
    p.inputs = fps;
    p.n_inputs = n;
    p.gap_min = fo->gap_min;
    p.strict = fo->strict;
    out->records = p.records_read;
    out->rejected = p.rejected;
    st = write_meta(t, &p, &f, map.bits ? &map : NULL, w, &out->bytes, err);
    w = NULL;   /* committed or discarded */
done:
    out->exchanged = psink.exchanged;
    slagg_partial_writer_discard(w);
    slagg_free(cells);
    slagg_free(psink.keys);
    slagg_fleet_free(&f);
    slagg_cov_map_free(&map);
    slagg_fold_state_free(&s);
    slagg_rejects_free(&trej);
    slagg_text_shards_free(ts);
    slagg_free(fps);
    return st;
}

slagg_status slagg_fold_run_partial(slagg_fold *j, const char *path)
{
    slagg_status st;
    if (j->ran) return slagg_err_set(&j->err, SLAGG_E_USAGE, "the job has run already");
    j->ran = j->prepared = j->is_partial = 1;
    if ((st = check_sources(j)) != SLAGG_OK) return st;
    if (j->summary || j->partials.n)
        return slagg_err_set(&j->err, SLAGG_E_USAGE, "a partial is folded from inputs, not from partials or a summary");
    for (size_t i = 0; i < j->inputs.n; i++)
        if (strcmp(j->inputs.v[i], "-") == 0)
            return slagg_err_set(&j->err, SLAGG_E_USAGE,
                                 "'-' (standard input) cannot be used with --partial (its inputs are fingerprinted)");
    if ((st = load_tables(j)) != SLAGG_OK) return st;
    slagg_partial_stats ps;
    st = slagg_fold_partial_file(&j->tables, &j->fo, (const char *const *)j->inputs.v, j->inputs.n, path, NULL, &ps,
                                 &j->err);
    j->n_inputs = j->inputs.n;
    j->part_records = ps.records;
    j->part_rejected = ps.rejected;
    j->partial_bytes = ps.bytes;
    return st;
}

slagg_status slagg_fold_adopt_partials(slagg_fold *j, const char *const *paths, size_t n,
                                       const size_t *const *input_of)
{
    slagg_status st = slagg_fold_begin(j);
    if (st != SLAGG_OK) return st;
    j->is_merge = 1;
    j->parts = slagg_calloc(n ? n : 1, sizeof *j->parts);
    j->readers = slagg_calloc(n ? n : 1, sizeof *j->readers);
    if (!j->parts || !j->readers || slagg_cov_acc_init(&j->mcov) != 0) return nomem(j);
    slagg_rejects *rj = &j->state.rejects;
    /* the ranks wrote their partials under this job's tables (rank 0's):
     * checked by hash, not decoded again from each (io/partial.h) */
    int hash_ok = 0;
    const uint64_t th = slagg_tables_hash(slagg_fold_tables(j), &hash_ok);
    if (!hash_ok) return nomem(j);
    const uint32_t n_accounts = slagg_tables_account_count(slagg_fold_tables(j));
    for (size_t i = 0; i < n; i++) {
        if (slagg_strv_push(&j->mpaths, paths[i]) != 0) return nomem(j);
        st = slagg_partial_reader_open_known(paths[i], th, n_accounts, &j->parts[i], &j->mcov, &j->readers[i],
                                             &j->err);
        if (st != SLAGG_OK) return st;
        j->n_read++;
        slagg_partial *p = &j->parts[i];
        rj->total += p->rejects.total;
        if (p->rejects.n) {
            slagg_reject_row *rw = slagg_reallocarray(rj->rows, rj->n + p->rejects.n, sizeof *rw);
            if (!rw) return nomem(j);
            rj->rows = rw;
            for (size_t k = 0; k < p->rejects.n; k++) {
                rw[rj->n] = p->rejects.rows[k];
                rw[rj->n].file = (uint32_t)input_of[i][p->rejects.rows[k].file];
                rj->n++;
                p->rejects.rows[k].reason = NULL; /* now the job's */
            }
        }
    }
    /* rows of one input come from one partial, in line order */
    if (rj->n) qsort(rj->rows, rj->n, sizeof *rj->rows, row_cmp);
    return SLAGG_OK;
}

/* ---- results ---------------------------------------------------------------------------- */

slagg_status slagg_fold_get_result(const slagg_fold *j, slagg_fold_result *out)
{
    memset(out, 0, sizeof *out);
    out->inputs = j->n_inputs;
    out->partial_bytes = j->partial_bytes;
    if (j->is_partial) {
        out->records_read = j->part_records;
        out->rejected = j->part_rejected;
        return SLAGG_OK;
    }
    if (j->stage < STAGE_WARNINGS) {
        out->records_read = j->fleet.records_read;
        out->rejected = j->fleet.rejected;
        return SLAGG_OK;
    }
    const slagg_fleet *f = &j->fleet;
    const slagg_report *r = &j->report;
    out->records_read = f->records_read;
    out->rejected = f->rejected;
    out->uncontracted = f->uncontracted;
    out->after_through = f->after_through;
    out->before_from = f->before_from;
    slagg_format_date(f->through, out->through);
    if (f->has_from) slagg_format_date(f->from, out->from);
    out->accounts = r->accounts;
    out->periods = r->n_rows;
    out->periods_final = r->periods[SLAGG_STATE_FINAL];
    out->periods_in_progress = r->periods[SLAGG_STATE_IN_PROGRESS];
    out->periods_no_fee = r->periods[SLAGG_STATE_NO_FEE];
    for (int i = 0; i < 4; i++) out->tiers[i] = r->tiers[i];
    slagg_money_format_total(r->total_credit, out->total_credit);
    out->late_maintenance = f->n_late;
    out->unmatched_fees = r->n_unmatched;
    for (int k = 0; k < SLAGG_WARNING_KINDS; k++) out->warnings[k] = j->warns.count[k];
    return SLAGG_OK;
}

const char *slagg_fold_table_path(const slagg_fold *j, slagg_table kind)
{
    const slagg_tables *t = j->used ? j->used : &j->tables;
    switch (kind) {
    case SLAGG_TABLE_CONTRACTS: return t->contracts_path;
    case SLAGG_TABLE_FEES: return t->fees_path;
    case SLAGG_TABLE_MAINTENANCE: return t->maintenance_path;
    case SLAGG_TABLE_HOLIDAYS: return t->holidays_path;
    default: return NULL;
    }
}

const char *slagg_warning_kind_name(slagg_warning_kind kind)
{
    return (unsigned)kind < SLAGG_WARNING_KINDS ? slagg_warn_kind_name((slagg_warn_kind)kind) : NULL;
}

size_t slagg_fold_warning_count(const slagg_fold *j)
{
    return j->stage >= STAGE_WARNINGS ? j->warns.n : 0;
}

slagg_status slagg_fold_warning(const slagg_fold *j, size_t i, slagg_warning_kind *kind, const char **detail,
                                size_t *detail_len)
{
    if (i >= slagg_fold_warning_count(j)) return SLAGG_E_USAGE;
    const slagg_warning *w = &j->warns.v[i];
    if (kind) *kind = (slagg_warning_kind)w->kind;
    if (detail) *detail = w->detail;
    if (detail_len) *detail_len = w->len;
    return SLAGG_OK;
}

size_t slagg_fold_reject_count(const slagg_fold *j)
{
    return j->stage >= STAGE_REJECTS ? j->rejects.n : 0;
}

uint64_t slagg_fold_rejects_total(const slagg_fold *j)
{
    return j->stage >= STAGE_REJECTS ? j->rejects.total : 0;
}

slagg_status slagg_fold_reject(const slagg_fold *j, size_t i, const char **input, uint64_t *line, const char **reason)
{
    if (i >= slagg_fold_reject_count(j)) return SLAGG_E_USAGE;
    const slagg_reject_row *r = &j->rejects.rows[i];
    char *const *names = j->partials.n ? j->names.v : j->inputs.v;
    if (input) *input = names[r->file];
    if (line) *line = r->line;
    if (reason) *reason = r->reason;
    return SLAGG_OK;
}

/* ---- what the CLI's --metrics and export's before/after read (core/engine/job.h) ---- */

const slagg_fleet *slagg_fold_fleet(const slagg_fold *j)
{
    return j->stage >= STAGE_WARNINGS ? &j->fleet : NULL;
}

const slagg_report *slagg_fold_report(const slagg_fold *j)
{
    return j->stage >= STAGE_WARNINGS ? &j->report : NULL;
}

const slagg_warnings *slagg_fold_warnings(const slagg_fold *j)
{
    return j->stage >= STAGE_WARNINGS ? &j->warns : NULL;
}

const slagg_tables *slagg_fold_stored_tables(const slagg_fold *j)
{
    return j->summary && j->used == &j->use ? &j->stored : NULL;
}
