/*
 * fleet.c - the design of the synthetic fleet of `slagg gen` (fleet.h),
 * and the behaviour its records follow (traffic.c).
 *
 * How the fleet is built (all of it from --seed, --accounts and --month):
 *
 *  - Accounts acct-00000.. get Zipf-like sizes (weight 2^32/(rank+1), the
 *    ranks shuffled so size is not tied to the name).
 *  - Traffic follows a daily curve in service time (night ~15 % of the
 *    peak, weekends at 60 %); the month's --records are spread over its
 *    5-minute windows exactly (floor of the cumulative share), so the files
 *    hold exactly --records rows, in time order, window after window.
 *  - Background: ~0.02 % 5xx (errors), ~0.005 % status 0 lost to the
 *    provider, ~0.1 % status 0 not received (empty or `client` cause), and
 *    a trickle of 5xx with each exclusion cause (SPEC 2, classification).
 *  - Events (SPEC 1, "error request"; SPEC 3, maintenance):
 *      incidents that put accounts into each credit tier (below),
 *      a regional partial outage on about 1/6 of the accounts (day 24,
 *        10:00-11:00, 25 % of requests fail: stays in tier 0 on its own),
 *      a fleet-wide `*` maintenance notified a week ahead,
 *      an account-scoped maintenance notified two days ahead,
 *      a late-notified maintenance (notice_at 30 min after its start):
 *        its 5xx count as errors and put its account into tier 10,
 *      an attack (429/503 `attack`), a content ban (503 `content_ban`) and
 *      an upstream failure (502 `external`) on three other accounts.
 *    While an account-scoped event runs, a few of each window's records are
 *    given to that account (clients retry), so small accounts still show
 *    it and the designed tiers hold whatever their size.
 *  - Designed tiers, N = 288 x days windows (31 days: tier 10 needs a sum
 *    of window error rates in (8.93, 89.3], tier 25 in (89.3, 446.4],
 *    tier 50 above; 28 days scales them by 28/31):
 *      tier 10: 30-48 windows at 60-80 % failure (sum ~18-38),
 *      tier 25: 18-30 hours at 60-90 % (sum ~130-324),
 *      tier 50: 3 days at 88-95 % (sum ~760-820).
 *    Default fleet (200 accounts): 2 x 50 %, 4 x 25 %, 8 x 10 % (one of
 *    them the late-notice maintenance, one without a fee row: no_fee).
 *  - Contracts: most cover the month; some open-ended; some start mid-month
 *    (the first one on day 17 for three months, SPEC 1's example); some
 *    end mid-month; one account has a 4-day gap between two rows (its gap
 *    records are uncontracted); ~1 % of accounts have no contract at all.
 *    Records of an account are only drawn inside its contract days, except
 *    for the gap account and the uncontracted accounts.
 *  - Fees: 500.00-20000.00 a period, voucher_paid 0 or up to 40 %, larger
 *    where the 50 % cap should bind (SPEC 2, money); some periods without
 *    a fee row (no_fee); one row for a period that does not exist
 *    (the month before a contract starts: unmatched).
 *  - Holidays: weekdays among the 1st-3rd of the next month, a make-up
 *    `workday` Saturday after them, one holiday in this month and one in
 *    the month after next (the claim windows of SPEC 2 use them).
 *  - Records as shards (--shards): the same fleet from a parallel generator
 *    built for a billion records (shard_out.c).
 */
#include "cli/gen/fleet.h"

#include <string.h>

#include "cli/gen/rng.h"
#include "core/alloc.h"
#include "core/calendar.h"

static int64_t win_of(unsigned day_in_month, unsigned hour, unsigned minute)
{
    return (int64_t)(day_in_month - 1) * SLAGG_WINDOWS_PER_DAY + hour * 12 + minute / 5;
}

static unsigned clampu(uint64_t v, unsigned lo, unsigned hi)
{
    return v < lo ? lo : v > hi ? hi : (unsigned)v;
}

static int overlaps(int64_t a0, int64_t a1, int64_t b0, int64_t b1)
{
    return a0 < b1 && b0 < a1;
}

static void add_event(slagg_gen_fleet *f, int64_t w0, int64_t w1, int64_t account,
                      unsigned type, unsigned p, unsigned force)
{
    if (w0 < 0) w0 = 0;
    if (w1 > f->windows) w1 = f->windows;
    slagg_gen_event *e = &f->ev[f->n_ev++];
    e->w0 = w0;
    e->w1 = w1;
    e->account = account;
    e->type = type;
    e->p = p;
    e->force = force;
}

/* Places an incident of dur windows on account a, clear of the fleet-wide
 * maintenance and the regional outage (which would blur its tier). */
static void add_incident(slagg_gen_fleet *f, slagg_gen_rng *r, int64_t a, int64_t dur,
                         unsigned type, unsigned p)
{
    int64_t all0 = f->maint_all_w0, reg0 = win_of(24, 10, 0);
    if (dur > f->windows) dur = f->windows;
    int64_t w0 = 0;
    for (int tries = 0; tries < 200; tries++) {
        w0 = (int64_t)slagg_gen_rng_below(r, (uint64_t)(f->windows - dur + 1));
        if (!overlaps(w0, w0 + dur, all0, all0 + 24) && !overlaps(w0, w0 + dur, reg0, reg0 + 12))
            break;
    }
    add_event(f, w0, w0 + dur, a, type, p, 2);
}

static void set_name(slagg_gen_account *a, uint32_t i)
{
    memcpy(a->name, "acct-", 5);
    a->name_len = (unsigned)slagg_gen_name_digits(a->name, i);
    a->name[a->name_len] = '\0';
}

static uint64_t random_fee(slagg_gen_rng *r)
{
    return 50000 + slagg_gen_rng_below(r, 2000000 - 50000 + 1);   /* 500.00-20000.00 */
}

void slagg_gen_fleet_free(slagg_gen_fleet *f)
{
    slagg_free(f->acc);
    slagg_free(f->cum);
    slagg_free(f->ev);
    memset(f, 0, sizeof *f);
}

/* Designs the fleet: contracts, fees, sizes, events. Depends on the seed,
 * the account count and the month only, so a small and a large run of one
 * seed describe the same fleet (gen.h). */
slagg_status slagg_gen_fleet_design(slagg_gen_fleet *f, const slagg_gen_opts *o, slagg_err *err)
{
    memset(f, 0, sizeof *f);
    const uint32_t n = o->accounts;
    f->n = n;
    f->first = slagg_days_from_civil(o->year, o->month, 1);
    f->days = slagg_days_in_month(o->year, o->month);
    f->last = f->first + f->days - 1;
    f->windows = (int64_t)f->days * SLAGG_WINDOWS_PER_DAY;
    f->acc = slagg_calloc(n, sizeof *f->acc);
    f->cum = slagg_calloc(n, sizeof *f->cum);
    uint32_t *perm = slagg_calloc(n, sizeof *perm);
    f->ev = slagg_calloc(SLAGG_GEN_MAX_EVENTS, sizeof *f->ev);
    if (!f->acc || !f->cum || !perm || !f->ev) {
        slagg_free(perm);
        slagg_gen_fleet_free(f);
        return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory for %u accounts", n);
    }
    slagg_gen_rng r;
    slagg_gen_rng_seed(&r, o->seed, 1);

    /* Zipf sizes over a shuffled rank order. */
    for (uint32_t i = 0; i < n; i++) perm[i] = i;
    for (uint32_t i = n; i > 1; i--) {
        uint32_t j = (uint32_t)slagg_gen_rng_below(&r, i);
        uint32_t t = perm[i - 1];
        perm[i - 1] = perm[j];
        perm[j] = t;
    }
    uint64_t total = 0;
    for (uint32_t i = 0; i < n; i++) {
        /* account perm[i] has rank i; store weights by account, then sum */
        f->cum[perm[i]] = (UINT64_C(1) << 32) / ((uint64_t)i + 1);
    }
    for (uint32_t i = 0; i < n; i++) {
        total += f->cum[i];
        f->cum[i] = total;
    }

    /* Roles, taken from a second shuffle so they are independent of size. */
    for (uint32_t i = n; i > 1; i--) {
        uint32_t j = (uint32_t)slagg_gen_rng_below(&r, i);
        uint32_t t = perm[i - 1];
        perm[i - 1] = perm[j];
        perm[j] = t;
    }
    for (uint32_t i = 0; i < n; i++) {
        slagg_gen_account *a = &f->acc[i];
        set_name(a, i);
        a->region = (unsigned)slagg_gen_rng_below(&r, 6);
        a->kind = K_FULL;
        a->start = f->first;
        a->end = f->last;
        a->start2 = a->end2 = -1;
    }
    unsigned n50 = n >= 100 ? 2 : n >= 5 ? 1 : 0;
    unsigned n25 = n >= 5 ? clampu(n / 50, 1, 50) : 0;
    unsigned n10 = n >= 10 ? clampu(n / 25, 3, 200) : n >= 3 ? 1 : 0;
    unsigned nunc = n >= 20 ? clampu(n / 100, 1, 100) : 0;
    unsigned ngap = n >= 10 ? 1 : 0;
    uint32_t pos = 0;
    uint32_t *t50 = perm + pos; pos += n50;
    uint32_t *t25 = perm + pos; pos += n25;
    uint32_t *t10 = perm + pos; pos += n10;
    uint32_t *unc = perm + pos; pos += nunc;
    uint32_t *gap = perm + pos; pos += ngap;
    uint32_t rest = pos;

    f->maint_all_w0 = win_of(8, 2, 0);
    f->maint_late_w0 = win_of(12, 14, 0);
    f->maint_scoped_w0 = win_of(20, 1, 0);
    f->maint_scoped_acct = -1;
    f->maint_late_acct = -1;

    for (unsigned k = 0; k < n50; k++) {
        slagg_gen_account *a = &f->acc[t50[k]];
        a->tier = 50;
        a->voucher_mode = k == 0 ? 200 : 0;   /* any voucher makes the cap bind */
        add_incident(f, &r, t50[k], 3 * SLAGG_WINDOWS_PER_DAY, k == 1 ? EV_LOST : EV_OUTAGE,
                     880 + (unsigned)slagg_gen_rng_below(&r, 71));
    }
    for (unsigned k = 0; k < n25; k++) {
        slagg_gen_account *a = &f->acc[t25[k]];
        a->tier = 25;
        if (k == 0) a->voucher_mode = 600;    /* cap 20 % < 25 %: binds */
        if (k == 1) {
            a->kind = K_OPEN;
            a->end = -1;
        }
        /* draws in a fixed order: C leaves the order of argument evaluation
         * open (gcc x86-64 and aarch64 differ), and the fleet must be the
         * same bytes on every architecture */
        unsigned pct = 600 + (unsigned)slagg_gen_rng_below(&r, 301);
        int64_t dur = 216 + (int64_t)slagg_gen_rng_below(&r, 145);
        add_incident(f, &r, t25[k], dur, EV_OUTAGE, pct);
    }
    for (unsigned k = 0; k < n10; k++) {
        slagg_gen_account *a = &f->acc[t10[k]];
        a->tier = 10;
        if (k == 0) {
            /* the late-notified maintenance is this account's incident */
            f->maint_late_acct = t10[k];
            add_event(f, f->maint_late_w0, f->maint_late_w0 + 24, t10[k], EV_MAINT, 800, 2);
            continue;
        }
        if (k == 1) a->no_fee = 1;            /* final, tier 10, no fee: no_fee */
        if (k == 2) a->voucher_mode = 850;    /* cap 7.5 % < 10 %: binds */
        unsigned pct = 600 + (unsigned)slagg_gen_rng_below(&r, 201);   /* fixed draw order, as above */
        int64_t dur = 30 + (int64_t)slagg_gen_rng_below(&r, 19);
        add_incident(f, &r, t10[k], dur, k == 3 ? EV_LOST : EV_OUTAGE, pct);
    }
    for (unsigned k = 0; k < nunc; k++) {
        slagg_gen_account *a = &f->acc[unc[k]];
        a->kind = K_NONE;
        a->start = a->end = -1;
    }
    for (unsigned k = 0; k < ngap; k++) {
        slagg_gen_account *a = &f->acc[gap[k]];
        a->kind = K_GAP;
        a->end = f->first + 9;
        a->start2 = f->first + 14;
        a->end2 = -1;
    }
    /* The rest: a few fixed kinds first so small fleets still have them. */
    int first_mid_start = 1;
    for (uint32_t i = rest; i < n; i++) {
        slagg_gen_account *a = &f->acc[perm[i]];
        unsigned u = (unsigned)slagg_gen_rng_below(&r, 100);
        unsigned kind = i == rest ? K_OPEN : i == rest + 1 ? K_MID_START
                      : i == rest + 2 ? K_MID_END
                      : u < 72 ? K_FULL : u < 82 ? K_OPEN : u < 90 ? K_MID_START : K_MID_END;
        a->kind = kind;
        if (kind == K_OPEN) {
            a->end = -1;
        } else if (kind == K_MID_START) {
            unsigned day = first_mid_start ? 17 : 4 + (unsigned)slagg_gen_rng_below(&r, 22);
            a->start = f->first + day - 1;
            if (first_mid_start || slagg_gen_rng_below(&r, 2)) {
                /* three months bought: 03-17 .. 06-16 (SPEC 1's example) */
                int64_t y;
                unsigned m, d;
                slagg_civil_from_days(slagg_month_add(a->start, 3), &y, &m, &d);
                a->end = slagg_days_from_civil(y, m, day) - 1;
            } else {
                a->end = -1;
            }
            first_mid_start = 0;
        } else if (kind == K_MID_END) {
            a->end = f->first + 6 + (int64_t)slagg_gen_rng_below(&r, 16);
        }
    }
    /* Event and fee roles among the full-month rest accounts. */
    int64_t roles[8];
    unsigned nroles = 0;
    unsigned nofee_extra = n >= 50 ? clampu(n / 100, 1, 50) : 0;
    for (uint32_t i = rest; i < n && nroles < 8; i++) {
        if (f->acc[perm[i]].kind == K_FULL) roles[nroles++] = perm[i];
    }
    for (unsigned k = 0; k < nroles; k++) {
        int64_t a = roles[k];
        switch (k) {
        case 0:
            f->maint_scoped_acct = a;
            add_event(f, f->maint_scoped_w0, f->maint_scoped_w0 + 24, a, EV_MAINT, 700, 2);
            break;
        case 1:
            add_event(f, win_of(5, 20, 0), win_of(6, 2, 0), a, EV_ATTACK, 500, 6);
            break;
        case 2:
            add_event(f, win_of(14, 0, 0), win_of(16, 0, 0), a, EV_BAN, 300, 1);
            break;
        case 3:
            add_event(f, win_of(22, 8, 0), win_of(22, 12, 0), a, EV_EXTERNAL, 400, 1);
            break;
        case 4:
            f->acc[a].unmatched = 1;   /* fee row for last month: no such period */
            break;
        default:
            if (k - 5 < nofee_extra) f->acc[a].no_fee = 1;   /* tier 0, no fee row */
            break;
        }
    }
    /* for fleets too small for a full-month rest account */
    if (nroles < 5 && n > 0) f->acc[perm[n - 1]].unmatched = 1;

    add_event(f, win_of(24, 10, 0), win_of(24, 11, 0), EV_REGION0, EV_REGIONAL, 250, 0);
    add_event(f, f->maint_all_w0, f->maint_all_w0 + 24, EV_ALL, EV_MAINT, 700, 0);

    /* Fees, activity days and the tally of the design. */
    for (uint32_t i = 0; i < n; i++) {
        slagg_gen_account *a = &f->acc[i];
        a->act_first = f->first;
        a->act_last = f->last;
        if (a->kind == K_MID_START) a->act_first = a->start;
        if (a->kind == K_MID_END) a->act_last = a->end;
        for (int p = 0; p < 2; p++) {
            uint64_t fee = random_fee(&r);
            uint64_t v;
            if (a->voucher_mode) v = fee * (uint64_t)a->voucher_mode / 1000;
            else v = slagg_gen_rng_below(&r, 10) < 7 ? 0 : slagg_gen_rng_below(&r, fee * 4 / 10 + 1);
            a->fee[p] = fee;
            a->voucher[p] = v;
        }
        if (a->kind == K_NONE) {
            f->uncontracted++;
            continue;
        }
        f->designed[a->tier == 0 ? 0 : a->tier == 10 ? 1 : a->tier == 25 ? 2 : 3]++;
        if (a->no_fee) f->no_fee_periods++;
    }
    slagg_free(perm);
    return SLAGG_OK;
}
