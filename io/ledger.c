/*
 * ledger.c - `slagg ledger` rows from compact summaries (io/ledger.h; SPEC
 * 5). The period rows are the finance export's (core/report.c on each
 * summary, under its own fees and holidays), so a month's ledger row is
 * exactly its finance.csv row cut to the ledger's fields; the claim state
 * is core/claim.c's rule.
 */
#include "io/ledger.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/calendar.h"
#include "core/dict.h"
#include "io/summary_file.h"

static int row_cmp(const void *pa, const void *pb)
{
    const slagg_ledger_row *a = pa, *b = pb;
    int c = slagg_name_cmp(a->account, a->account_len, b->account, b->account_len);
    if (c) return c;
    if (a->start != b->start) return a->start < b->start ? -1 : 1;
    return (a->src > b->src) - (a->src < b->src);
}

slagg_status slagg_ledger_build(const char *const *paths, size_t n, int64_t as_of, slagg_ledger *l,
                                slagg_err *err)
{
    slagg_status st = SLAGG_OK;
    memset(l, 0, sizeof *l);
    l->fleets = slagg_calloc(n ? n : 1, sizeof *l->fleets);
    l->tables = slagg_calloc(n ? n : 1, sizeof *l->tables);
    l->reports = slagg_calloc(n ? n : 1, sizeof *l->reports);
    if (!l->fleets || !l->tables || !l->reports) return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        if ((st = slagg_summary_read(paths[i], &l->fleets[i], &l->tables[i], err)) != SLAGG_OK) return st;
        l->n_src = i + 1;
        /* SPEC 5: "different --tz refused": days, months and claim dates
         * of the two would not be the same days */
        if (l->fleets[i].tz_s != l->fleets[0].tz_s) {
            char a[8], b[8];
            slagg_format_tz(l->fleets[0].tz_s, a);
            slagg_format_tz(l->fleets[i].tz_s, b);
            return slagg_err_set(err, SLAGG_E_INPUT,
                                 "%s was folded with --tz %s, but %s with --tz %s: a ledger joins the months of one fleet, "
                                 "under one service time zone",
                                 paths[0], a, paths[i], b);
        }
        if ((st = slagg_report_build(&l->fleets[i], &l->tables[i], &l->reports[i], err)) != SLAGG_OK) return st;
        total += l->reports[i].n_rows;
    }
    l->rows = slagg_calloc(total ? total : 1, sizeof *l->rows);
    if (!l->rows) return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        const slagg_fleet *f = &l->fleets[i];
        const slagg_report *r = &l->reports[i];
        for (size_t k = 0; k < r->n_rows; k++) {
            const slagg_row *row = &r->rows[k];
            const slagg_period_agg *p = row->p;
            slagg_ledger_row *o = &l->rows[l->n_rows++];
            o->account = f->accounts[p->account];
            o->account_len = f->account_len[p->account];
            o->start = p->span.start;
            o->end = p->span.end;
            o->state = row->state;
            o->tier_pct = row->tier_pct;
            o->has_credit = row->has_credit;
            o->credit = row->credit;
            o->claim_opens = row->claim_opens;
            o->claim_deadline = row->claim_deadline;
            o->claim = slagg_claim_state_at(row->claim_opens, row->claim_deadline,
                                            row->state == SLAGG_STATE_IN_PROGRESS, as_of);
            o->src = i;
        }
    }
    if (l->n_rows > 1) qsort(l->rows, l->n_rows, sizeof *l->rows, row_cmp);
    /* SPEC 5: "one period in two summaries is an input error naming both".
     * Each summary's periods are disjoint, so in (account, start) order any
     * overlap shows between neighbours. */
    for (size_t i = 1; i < l->n_rows; i++) {
        const slagg_ledger_row *a = &l->rows[i - 1], *b = &l->rows[i];
        if (slagg_name_cmp(a->account, a->account_len, b->account, b->account_len) != 0 || b->start > a->end)
            continue;
        const slagg_ledger_row *x = a->src < b->src ? a : b, *y = a->src < b->src ? b : a;
        char xs[11], xe[11], ys[11], ye[11];
        slagg_format_date(x->start, xs);
        slagg_format_date(x->end, xe);
        slagg_format_date(y->start, ys);
        slagg_format_date(y->end, ye);
        if (x->start == y->start && x->end == y->end)
            return slagg_err_set(err, SLAGG_E_INPUT,
                                 "%s and %s both hold the period %s..%s of account '%.*s': a ledger takes each period "
                                 "from one summary (fold each month with its own --from)",
                                 paths[x->src], paths[y->src], xs, xe, (int)(x->account_len > 128 ? 128 : x->account_len),
                                 x->account);
        return slagg_err_set(err, SLAGG_E_INPUT,
                             "%s holds the period %s..%s and %s the period %s..%s of account '%.*s': they overlap, "
                             "a ledger takes each period from one summary",
                             paths[x->src], xs, xe, paths[y->src], ys, ye,
                             (int)(x->account_len > 128 ? 128 : x->account_len), x->account);
    }
    for (size_t i = 0; i < l->n_rows; i++) {
        const slagg_ledger_row *o = &l->rows[i];
        l->periods[o->claim]++;
        if (!o->has_credit) continue;
        l->credit[o->claim] += (slagg_fen_total)(uint64_t)o->credit;   /* credits are >= 0 */
        l->credited[o->claim]++;
    }
    return SLAGG_OK;
}

void slagg_ledger_free(slagg_ledger *l)
{
    for (size_t i = 0; i < l->n_src; i++) {
        slagg_report_free(&l->reports[i]);
        slagg_fleet_free(&l->fleets[i]);
        slagg_tables_free(&l->tables[i]);
    }
    /* a failed build may leave the summary it was reading half filled:
     * slagg_summary_read frees its own on failure, the report likewise */
    slagg_free(l->fleets);
    slagg_free(l->tables);
    slagg_free(l->reports);
    slagg_free(l->rows);
    memset(l, 0, sizeof *l);
}

#define N_FIELDS 9

typedef struct lfield {
    const char *name;
    int quoted;              /* a JSON string (else a number) */
    const char *s;
    size_t n;                /* 0: empty field, JSON null */
} lfield;

/* The 9 fields of one row in header order; text points into buf. */
static void row_fields(const slagg_ledger_row *o, char buf[6][24], lfield f[N_FIELDS])
{
    slagg_format_date(o->start, buf[0]);
    slagg_format_date(o->end, buf[1]);
    snprintf(buf[2], 24, "%d", o->tier_pct);
    buf[3][0] = '\0';
    if (o->has_credit) slagg_money_format(o->credit, buf[3]);
    slagg_format_date(o->claim_opens, buf[4]);
    slagg_format_date(o->claim_deadline, buf[5]);
    const char *state = slagg_state_name(o->state), *claim = slagg_claim_state_name(o->claim);
    f[0] = (lfield){"account", 1, o->account, o->account_len};
    f[1] = (lfield){"period_start", 1, buf[0], strlen(buf[0])};
    f[2] = (lfield){"period_end", 1, buf[1], strlen(buf[1])};
    f[3] = (lfield){"state", 1, state, strlen(state)};
    f[4] = (lfield){"tier_pct", 0, buf[2], strlen(buf[2])};
    f[5] = (lfield){"credit", 1, buf[3], strlen(buf[3])};
    f[6] = (lfield){"claim_opens", 1, buf[4], strlen(buf[4])};
    f[7] = (lfield){"claim_deadline", 1, buf[5], strlen(buf[5])};
    f[8] = (lfield){"claim_state", 1, claim, strlen(claim)};
}

void slagg_ledger_format_csv(const slagg_ledger *l, slagg_buf *out)
{
    char buf[6][24];
    lfield f[N_FIELDS];
    slagg_buf_puts(out, SLAGG_LEDGER_HEADER "\n");
    for (size_t i = 0; i < l->n_rows; i++) {
        row_fields(&l->rows[i], buf, f);
        for (int k = 0; k < N_FIELDS; k++) {
            if (k) slagg_buf_put(out, ",", 1);
            /* the account is the one text field from the input (SPEC 4) */
            if (k == 0) slagg_buf_csv_text(out, f[k].s, f[k].n);
            else slagg_buf_csv_field(out, f[k].s, f[k].n);
        }
        slagg_buf_put(out, "\n", 1);
    }
}

void slagg_ledger_format_jsonl(const slagg_ledger *l, slagg_buf *out)
{
    char buf[6][24];
    lfield f[N_FIELDS];
    for (size_t i = 0; i < l->n_rows; i++) {
        row_fields(&l->rows[i], buf, f);
        slagg_buf_put(out, "{", 1);
        for (int k = 0; k < N_FIELDS; k++) {
            if (k) slagg_buf_put(out, ",", 1);
            slagg_buf_json_str(out, f[k].name, strlen(f[k].name));
            slagg_buf_put(out, ":", 1);
            if (f[k].n == 0) slagg_buf_puts(out, "null");
            else if (f[k].quoted) slagg_buf_json_str(out, f[k].s, f[k].n);
            else slagg_buf_put(out, f[k].s, f[k].n);
        }
        slagg_buf_put(out, "}\n", 2);
    }
}
