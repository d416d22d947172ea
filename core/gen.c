/*
 * gen.c - the synthetic fleet of `slagg gen` (see gen.h).
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
 *    built for a billion records, see "shards: the bulk generator" below.
 */
#include "core/gen.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "core/alloc.h"
#include "core/calendar.h"
#include "io/output.h"
#include "io/records.h"
#include "io/shard.h"

/* ---- PRNG: splitmix64 seeding xoshiro256** (Blackman & Vigna) ---------- */

typedef struct gen_rng {
    uint64_t s[4];
} gen_rng;

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static void rng_seed(gen_rng *r, uint64_t seed, uint64_t stream)
{
    uint64_t x = seed ^ (stream * 0xd1342543de82ef95ULL);
    for (int i = 0; i < 4; i++) r->s[i] = splitmix64(&x);
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static inline uint64_t rng_next(gen_rng *r)
{
    uint64_t *s = r->s;
    const uint64_t result = rotl(s[1] * 5, 7) * 9;
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

/* Uniform in [0, n); n == 0 gives 0. The modulo bias (< n / 2^64) is
 * irrelevant for synthetic data and keeps the stream portable. */
static inline uint64_t rng_below(gen_rng *r, uint64_t n)
{
    return n ? rng_next(r) % n : 0;
}

/* ---- the fleet design ------------------------------------------------------ */

enum contract_kind { K_FULL, K_OPEN, K_MID_START, K_MID_END, K_GAP, K_NONE };

enum cause {
    C_NONE, C_PROVIDER, C_MAINTENANCE, C_ATTACK, C_CONTENT_BAN, C_EXTERNAL, C_CLIENT
};
static const char *const cause_name[] = {
    "", "provider", "maintenance", "attack", "content_ban", "external", "client"
};
static const unsigned char cause_len[] = {0, 8, 11, 6, 11, 8, 6};

enum ev_type { EV_OUTAGE, EV_LOST, EV_MAINT, EV_ATTACK, EV_BAN, EV_EXTERNAL, EV_REGIONAL };

#define EV_ALL (-1)
#define EV_REGION0 (-2)

typedef struct gen_event {
    int64_t w0, w1;     /* month window indices, [w0, w1) */
    int64_t account;    /* account index, EV_ALL or EV_REGION0 */
    unsigned type;      /* enum ev_type */
    unsigned p;         /* per mille of the account's requests affected */
    unsigned force;     /* records given to the account per window */
} gen_event;

typedef struct gen_account {
    char name[16];
    unsigned name_len;
    unsigned kind;             /* enum contract_kind */
    unsigned tier;             /* designed tier: 0, 10, 25 or 50 */
    unsigned region;           /* 0..5; region 0 gets the regional outage */
    int no_fee;                /* its first period has no fee row */
    int unmatched;             /* also gets a fee row for last month */
    int voucher_mode;          /* 0 random, else voucher per mille of fee */
    int64_t start, end;        /* first contract row; end -1 = open */
    int64_t start2, end2;      /* second row (K_GAP only) */
    int64_t act_first, act_last; /* days its records are drawn in */
    uint64_t fee[2], voucher[2]; /* fen, per period of the month */
} gen_account;

typedef struct gen_fleet {
    uint32_t n;
    int64_t first, last;       /* days of the month */
    unsigned days;
    int64_t windows;           /* 288 x days */
    gen_account *acc;
    uint64_t *cum;             /* cumulative Zipf weights, n entries */
    gen_event *ev;
    size_t n_ev;
    /* maintenance windows, for maintenance.csv */
    int64_t maint_all_w0, maint_scoped_w0, maint_late_w0;
    int64_t maint_scoped_acct, maint_late_acct;
    uint32_t designed[4];
    uint32_t uncontracted, no_fee_periods;
} gen_fleet;

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

static void add_event(gen_fleet *f, int64_t w0, int64_t w1, int64_t account,
                      unsigned type, unsigned p, unsigned force)
{
    if (w0 < 0) w0 = 0;
    if (w1 > f->windows) w1 = f->windows;
    gen_event *e = &f->ev[f->n_ev++];
    e->w0 = w0;
    e->w1 = w1;
    e->account = account;
    e->type = type;
    e->p = p;
    e->force = force;
}

/* Places an incident of dur windows on account a, clear of the fleet-wide
 * maintenance and the regional outage (which would blur its tier). */
static void add_incident(gen_fleet *f, gen_rng *r, int64_t a, int64_t dur,
                         unsigned type, unsigned p)
{
    int64_t all0 = f->maint_all_w0, reg0 = win_of(24, 10, 0);
    if (dur > f->windows) dur = f->windows;
    int64_t w0 = 0;
    for (int tries = 0; tries < 200; tries++) {
        w0 = (int64_t)rng_below(r, (uint64_t)(f->windows - dur + 1));
        if (!overlaps(w0, w0 + dur, all0, all0 + 24) && !overlaps(w0, w0 + dur, reg0, reg0 + 12))
            break;
    }
    add_event(f, w0, w0 + dur, a, type, p, 2);
}

static void set_name(gen_account *a, uint32_t i)
{
    char digits[12];
    int nd = 0;
    uint32_t v = i;
    do {
        digits[nd++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (nd < 5) digits[nd++] = '0';
    memcpy(a->name, "acct-", 5);
    unsigned k = 5;
    while (nd) a->name[k++] = digits[--nd];
    a->name[k] = '\0';
    a->name_len = k;
}

static uint64_t random_fee(gen_rng *r)
{
    return 50000 + rng_below(r, 2000000 - 50000 + 1);   /* 500.00-20000.00 */
}

static void fleet_free(gen_fleet *f)
{
    slagg_free(f->acc);
    slagg_free(f->cum);
    slagg_free(f->ev);
    memset(f, 0, sizeof *f);
}

/* Designs the fleet: contracts, fees, sizes, events. Depends on the seed,
 * the account count and the month only. */
static slagg_status fleet_design(gen_fleet *f, const slagg_gen_opts *o, slagg_err *err)
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
    /* incidents (<= 252) + 7 fixed events */
    f->ev = slagg_calloc(300, sizeof *f->ev);
    if (!f->acc || !f->cum || !perm || !f->ev) {
        slagg_free(perm);
        fleet_free(f);
        return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory for %u accounts", n);
    }
    gen_rng r;
    rng_seed(&r, o->seed, 1);

    /* Zipf sizes over a shuffled rank order. */
    for (uint32_t i = 0; i < n; i++) perm[i] = i;
    for (uint32_t i = n; i > 1; i--) {
        uint32_t j = (uint32_t)rng_below(&r, i);
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
        uint32_t j = (uint32_t)rng_below(&r, i);
        uint32_t t = perm[i - 1];
        perm[i - 1] = perm[j];
        perm[j] = t;
    }
    for (uint32_t i = 0; i < n; i++) {
        gen_account *a = &f->acc[i];
        set_name(a, i);
        a->region = (unsigned)rng_below(&r, 6);
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
        gen_account *a = &f->acc[t50[k]];
        a->tier = 50;
        a->voucher_mode = k == 0 ? 200 : 0;   /* any voucher makes the cap bind */
        add_incident(f, &r, t50[k], 3 * SLAGG_WINDOWS_PER_DAY, k == 1 ? EV_LOST : EV_OUTAGE,
                     880 + (unsigned)rng_below(&r, 71));
    }
    for (unsigned k = 0; k < n25; k++) {
        gen_account *a = &f->acc[t25[k]];
        a->tier = 25;
        if (k == 0) a->voucher_mode = 600;    /* cap 20 % < 25 %: binds */
        if (k == 1) {
            a->kind = K_OPEN;
            a->end = -1;
        }
        /* draws in a fixed order: C leaves the order of argument evaluation
         * open (gcc x86-64 and aarch64 differ), and the fleet must be the
         * same bytes on every architecture */
        unsigned pct = 600 + (unsigned)rng_below(&r, 301);
        int64_t dur = 216 + (int64_t)rng_below(&r, 145);
        add_incident(f, &r, t25[k], dur, EV_OUTAGE, pct);
    }
    for (unsigned k = 0; k < n10; k++) {
        gen_account *a = &f->acc[t10[k]];
        a->tier = 10;
        if (k == 0) {
            /* the late-notified maintenance is this account's incident */
            f->maint_late_acct = t10[k];
            add_event(f, f->maint_late_w0, f->maint_late_w0 + 24, t10[k], EV_MAINT, 800, 2);
            continue;
        }
        if (k == 1) a->no_fee = 1;            /* final, tier 10, no fee: no_fee */
        if (k == 2) a->voucher_mode = 850;    /* cap 7.5 % < 10 %: binds */
        unsigned pct = 600 + (unsigned)rng_below(&r, 201);   /* fixed draw order, as above */
        int64_t dur = 30 + (int64_t)rng_below(&r, 19);
        add_incident(f, &r, t10[k], dur, k == 3 ? EV_LOST : EV_OUTAGE, pct);
    }
    for (unsigned k = 0; k < nunc; k++) {
        gen_account *a = &f->acc[unc[k]];
        a->kind = K_NONE;
        a->start = a->end = -1;
    }
    for (unsigned k = 0; k < ngap; k++) {
        gen_account *a = &f->acc[gap[k]];
        a->kind = K_GAP;
        a->end = f->first + 9;
        a->start2 = f->first + 14;
        a->end2 = -1;
    }
    /* The rest: a few fixed kinds first so small fleets still have them. */
    int first_mid_start = 1;
    for (uint32_t i = rest; i < n; i++) {
        gen_account *a = &f->acc[perm[i]];
        unsigned u = (unsigned)rng_below(&r, 100);
        unsigned kind = i == rest ? K_OPEN : i == rest + 1 ? K_MID_START
                      : i == rest + 2 ? K_MID_END
                      : u < 72 ? K_FULL : u < 82 ? K_OPEN : u < 90 ? K_MID_START : K_MID_END;
        a->kind = kind;
        if (kind == K_OPEN) {
            a->end = -1;
        } else if (kind == K_MID_START) {
            unsigned day = first_mid_start ? 17 : 4 + (unsigned)rng_below(&r, 22);
            a->start = f->first + day - 1;
            if (first_mid_start || rng_below(&r, 2)) {
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
            a->end = f->first + 6 + (int64_t)rng_below(&r, 16);
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
        gen_account *a = &f->acc[i];
        a->act_first = f->first;
        a->act_last = f->last;
        if (a->kind == K_MID_START) a->act_first = a->start;
        if (a->kind == K_MID_END) a->act_last = a->end;
        for (int p = 0; p < 2; p++) {
            uint64_t fee = random_fee(&r);
            uint64_t v;
            if (a->voucher_mode) v = fee * (uint64_t)a->voucher_mode / 1000;
            else v = rng_below(&r, 10) < 7 ? 0 : rng_below(&r, fee * 4 / 10 + 1);
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

/* ---- output files: buffered, optionally zstd, atomic ------------------------ */

#define OUT_BUF (1u << 20)

typedef struct gen_out {
    int fd;
    char *tmp, *final;
    char *buf;
    size_t len;
    ZSTD_CCtx *cctx;
    char *zbuf;
    size_t zcap;
    uint64_t bytes;
} gen_out;

static char *path_join(const char *dir, const char *prefix, const char *name, const char *suffix)
{
    size_t n = strlen(dir) + 1 + strlen(prefix) + strlen(name) + strlen(suffix) + 1;
    char *p = slagg_malloc(n);
    if (p) snprintf(p, n, "%s/%s%s%s", dir, prefix, name, suffix);
    return p;
}

static void out_discard(gen_out *o)
{
    if (o->fd >= 0) close(o->fd);
    if (o->tmp) unlink(o->tmp);
    slagg_free(o->tmp);
    slagg_free(o->final);
    slagg_free(o->buf);
    slagg_free(o->zbuf);
    ZSTD_freeCCtx(o->cctx);
    memset(o, 0, sizeof *o);
    o->fd = -1;
}

static slagg_status out_open(gen_out *o, const char *dir, const char *name, int compress,
                             slagg_err *err)
{
    memset(o, 0, sizeof *o);
    o->fd = -1;
    o->tmp = path_join(dir, ".", name, ".tmp");
    o->final = path_join(dir, "", name, "");
    o->buf = slagg_malloc(OUT_BUF);
    if (compress) {
        o->cctx = ZSTD_createCCtx();
        o->zcap = ZSTD_CStreamOutSize();
        o->zbuf = slagg_malloc(o->zcap);
    }
    if (!o->tmp || !o->final || !o->buf || (compress && (!o->cctx || !o->zbuf))) {
        out_discard(o);
        return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    }
    if (compress) {
        if (ZSTD_isError(ZSTD_CCtx_setParameter(o->cctx, ZSTD_c_compressionLevel, 3)) ||
            ZSTD_isError(ZSTD_CCtx_setParameter(o->cctx, ZSTD_c_checksumFlag, 1))) {
            out_discard(o);
            return slagg_err_set(err, SLAGG_E_INTERNAL, "cannot set up zstd");
        }
    }
    o->fd = open(o->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (o->fd < 0) {
        slagg_status st = slagg_err_set(err, SLAGG_E_IO, "%s: cannot create: %s", o->tmp,
                                        strerror(errno));
        slagg_free(o->tmp);   /* not ours to unlink */
        o->tmp = NULL;
        out_discard(o);
        return st;
    }
    return SLAGG_OK;
}

static slagg_status write_all(gen_out *o, const char *p, size_t n, slagg_err *err)
{
    while (n) {
        ssize_t w = write(o->fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return slagg_err_set(err, SLAGG_E_IO, "%s: write failed: %s", o->tmp, strerror(errno));
        }
        p += w;
        n -= (size_t)w;
        o->bytes += (uint64_t)w;
    }
    return SLAGG_OK;
}

/* Pushes the buffer out (through zstd when compressing); end finishes the
 * zstd frame. */
static slagg_status out_flush(gen_out *o, int end, slagg_err *err)
{
    if (!o->cctx) {
        slagg_status st = write_all(o, o->buf, o->len, err);
        o->len = 0;
        return st;
    }
    ZSTD_inBuffer in = {o->buf, o->len, 0};
    ZSTD_EndDirective mode = end ? ZSTD_e_end : ZSTD_e_continue;
    for (;;) {
        ZSTD_outBuffer out = {o->zbuf, o->zcap, 0};
        size_t rem = ZSTD_compressStream2(o->cctx, &out, &in, mode);
        if (ZSTD_isError(rem))
            return slagg_err_set(err, SLAGG_E_INTERNAL, "%s: zstd: %s", o->tmp,
                                 ZSTD_getErrorName(rem));
        slagg_status st = write_all(o, o->zbuf, out.pos, err);
        if (st != SLAGG_OK) return st;
        if (end ? rem == 0 : in.pos == in.size) break;
    }
    o->len = 0;
    return SLAGG_OK;
}

/* Room for at least need more bytes at o->buf + o->len (need <= 4096). */
static inline slagg_status out_room(gen_out *o, size_t need, slagg_err *err)
{
    if (o->len + need <= OUT_BUF) return SLAGG_OK;
    return out_flush(o, 0, err);
}

static slagg_status out_puts(gen_out *o, const char *s, slagg_err *err)
{
    size_t n = strlen(s);
    slagg_status st = out_room(o, n, err);
    if (st != SLAGG_OK) return st;
    memcpy(o->buf + o->len, s, n);
    o->len += n;
    return SLAGG_OK;
}

/* What the committed files add up to. */
typedef struct gen_tally {
    uint64_t bytes;
    unsigned files;
} gen_tally;

/* Flush, fsync, close, rename over the final name; discards on failure. */
static slagg_status out_commit(gen_out *o, gen_tally *acc, slagg_err *err)
{
    slagg_status st = out_flush(o, 1, err);
    if (st == SLAGG_OK && fsync(o->fd) != 0)
        st = slagg_err_set(err, SLAGG_E_IO, "%s: fsync failed: %s", o->tmp, strerror(errno));
    if (st == SLAGG_OK) {
        int rc = close(o->fd);
        o->fd = -1;
        if (rc != 0)
            st = slagg_err_set(err, SLAGG_E_IO, "%s: close failed: %s", o->tmp, strerror(errno));
    }
    if (st == SLAGG_OK && rename(o->tmp, o->final) != 0)
        st = slagg_err_set(err, SLAGG_E_IO, "%s: cannot rename to %s: %s", o->tmp, o->final,
                           strerror(errno));
    if (st == SLAGG_OK) {
        acc->bytes += o->bytes;
        acc->files++;
        slagg_free(o->tmp);
        o->tmp = NULL;   /* renamed: nothing to unlink */
    }
    out_discard(o);
    return st;
}

/* mkdir -p (io/output.c), refusing an empty name as a usage error */
static slagg_status make_dirs(const char *dir, slagg_err *err)
{
    if (dir[0] == '\0') return slagg_err_set(err, SLAGG_E_USAGE, "empty output directory");
    return slagg_mkdir_p(dir, err);
}

/* ---- formatting by hand (the inner loop never calls printf) ---------------- */

static inline char *put_u64(char *p, uint64_t v)
{
    char t[20];
    int k = 0;
    do {
        t[k++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (k) *p++ = t[--k];
    return p;
}

static inline char *put_2(char *p, unsigned v)
{
    p[0] = (char)('0' + v / 10);
    p[1] = (char)('0' + v % 10);
    return p + 2;
}

static inline char *put_hex64(char *p, uint64_t v)
{
    static const char hex[] = "0123456789abcdef";
    for (int i = 15; i >= 0; i--) {
        p[i] = hex[v & 15];
        v >>= 4;
    }
    return p + 16;
}

static void format_tz(int32_t off, char out[8])
{
    unsigned a = (unsigned)(off < 0 ? -(int64_t)off : off) / 60;
    out[0] = off < 0 ? '-' : '+';
    put_2(out + 1, a / 60 % 100);
    out[3] = ':';
    put_2(out + 4, a % 60);
    out[6] = '\0';
}

/* "YYYY-MM-DDTHH:MM:SS+08:00" of a service-time day and second of day. */
static void format_local(int64_t day, unsigned sec, const char *tz, char out[40])
{
    slagg_format_date(day, out);
    char *p = out + 10;
    *p++ = 'T';
    p = put_2(p, sec / 3600);
    *p++ = ':';
    p = put_2(p, sec / 60 % 60);
    *p++ = ':';
    p = put_2(p, sec % 60);
    memcpy(p, tz, 7);
}

static void format_money(uint64_t fen, char out[32])
{
    char *p = put_u64(out, fen / 100);
    *p++ = '.';
    p = put_2(p, (unsigned)(fen % 100));
    *p = '\0';
}

/* ---- the tables ------------------------------------------------------------ */

static slagg_status write_contracts(const gen_fleet *f, const char *dir, gen_tally *acc,
                                    uint32_t *rows, slagg_err *err)
{
    gen_out o;
    slagg_status st = out_open(&o, dir, "contracts.csv", 0, err);
    if (st != SLAGG_OK) return st;
    st = out_puts(&o, "account,start,end\n", err);
    for (uint32_t i = 0; i < f->n && st == SLAGG_OK; i++) {
        const gen_account *a = &f->acc[i];
        if (a->kind == K_NONE) continue;
        for (int row = 0; row < 2 && st == SLAGG_OK; row++) {
            int64_t s = row ? a->start2 : a->start, e = row ? a->end2 : a->end;
            if (row && a->kind != K_GAP) break;
            char line[64], d1[11], d2[11] = "";
            slagg_format_date(s, d1);
            if (e >= 0) slagg_format_date(e, d2);
            snprintf(line, sizeof line, "%s,%s,%s\n", a->name, d1, d2);
            st = out_puts(&o, line, err);
            (*rows)++;
        }
    }
    if (st != SLAGG_OK) {
        out_discard(&o);
        return st;
    }
    return out_commit(&o, acc, err);
}

static slagg_status fee_line(gen_out *o, const gen_account *a, int64_t period_start, uint64_t fee,
                             uint64_t voucher, slagg_err *err)
{
    char line[96], d[11], m1[32], m2[32];
    slagg_format_date(period_start, d);
    format_money(fee, m1);
    format_money(voucher, m2);
    snprintf(line, sizeof line, "%s,%s,%s,%s\n", a->name, d, m1, m2);
    return out_puts(o, line, err);
}

static slagg_status write_fees(const gen_fleet *f, const char *dir, gen_tally *acc,
                               uint32_t *rows, slagg_err *err)
{
    gen_out o;
    slagg_status st = out_open(&o, dir, "fees.csv", 0, err);
    if (st != SLAGG_OK) return st;
    st = out_puts(&o, "account,period_start,fee,voucher_paid\n", err);
    for (uint32_t i = 0; i < f->n && st == SLAGG_OK; i++) {
        const gen_account *a = &f->acc[i];
        if (a->unmatched) {
            st = fee_line(&o, a, slagg_month_add(f->first, -1), a->fee[1], a->voucher[1], err);
            (*rows)++;
        }
        if (a->kind == K_NONE || st != SLAGG_OK) continue;
        /* the month's periods: the first row's, and the gap account's second */
        if (!a->no_fee) {
            st = fee_line(&o, a, a->start > f->first ? a->start : f->first, a->fee[0],
                          a->voucher[0], err);
            (*rows)++;
        }
        if (a->kind == K_GAP && st == SLAGG_OK) {
            st = fee_line(&o, a, a->start2, a->fee[1], a->voucher[1], err);
            (*rows)++;
        }
    }
    if (st != SLAGG_OK) {
        out_discard(&o);
        return st;
    }
    return out_commit(&o, acc, err);
}

static slagg_status write_maintenance(const gen_fleet *f, const char *dir, const char *tz,
                                      gen_tally *acc, slagg_err *err)
{
    struct mrow {
        int64_t w0, notice_day;
        unsigned notice_sec;
        const char *scope;
    } rows[3];
    unsigned nr = 0;
    /* fleet-wide, notified a week ahead */
    rows[nr++] = (struct mrow){f->maint_all_w0, f->first, 10 * 3600, "*"};
    /* late: notice_at 30 minutes after the start (excludes nothing) */
    if (f->maint_late_acct >= 0)
        rows[nr++] = (struct mrow){f->maint_late_w0, f->first + 11, 14 * 3600 + 30 * 60,
                                   f->acc[f->maint_late_acct].name};
    /* account-scoped, notified two days ahead */
    if (f->maint_scoped_acct >= 0)
        rows[nr++] = (struct mrow){f->maint_scoped_w0, f->first + 17, 9 * 3600 + 30 * 60,
                                   f->acc[f->maint_scoped_acct].name};
    gen_out o;
    slagg_status st = out_open(&o, dir, "maintenance.csv", 0, err);
    if (st != SLAGG_OK) return st;
    st = out_puts(&o, "start,end,scope,notice_at\n", err);
    for (unsigned k = 0; k < nr && st == SLAGG_OK; k++) {
        int64_t w0 = rows[k].w0, w1 = w0 + 24;   /* all are two hours */
        char s[40], e[40], nt[40], line[200];
        format_local(f->first + w0 / 288, (unsigned)(w0 % 288) * 300, tz, s);
        format_local(f->first + w1 / 288, (unsigned)(w1 % 288) * 300, tz, e);
        format_local(rows[k].notice_day, rows[k].notice_sec, tz, nt);
        snprintf(line, sizeof line, "%s,%s,%s,%s\n", s, e, rows[k].scope, nt);
        st = out_puts(&o, line, err);
    }
    if (st != SLAGG_OK) {
        out_discard(&o);
        return st;
    }
    return out_commit(&o, acc, err);
}

/* First day >= from (within its month) whose weekday is in mask (bit 0 =
 * Monday); -1 if none. */
static int64_t first_weekday(int64_t from, unsigned mask)
{
    int64_t last = slagg_month_last(from);
    for (int64_t d = from; d <= last; d++)
        if (mask >> slagg_weekday(d) & 1) return d;
    return -1;
}

static slagg_status write_holidays(const gen_fleet *f, const char *dir, gen_tally *acc,
                                   slagg_err *err)
{
    const unsigned weekdays = 0x1f, saturday = 1u << 5;
    int64_t next = slagg_month_add(f->first, 1), after = slagg_month_add(f->first, 2);
    gen_out o;
    slagg_status st = out_open(&o, dir, "holidays.csv", 0, err);
    if (st != SLAGG_OK) return st;
    st = out_puts(&o, "date,kind\n", err);
    char line[40], d[11];
    int64_t mid = first_weekday(f->first + 4, weekdays);   /* one this month */
    if (mid >= 0 && st == SLAGG_OK) {
        slagg_format_date(mid, d);
        snprintf(line, sizeof line, "%s,holiday\n", d);
        st = out_puts(&o, line, err);
    }
    for (int64_t day = next; day < next + 3 && st == SLAGG_OK; day++) {
        if (!(weekdays >> slagg_weekday(day) & 1)) continue;
        slagg_format_date(day, d);
        snprintf(line, sizeof line, "%s,holiday\n", d);
        st = out_puts(&o, line, err);
    }
    int64_t makeup = first_weekday(next + 3, saturday);
    if (makeup >= 0 && st == SLAGG_OK) {
        slagg_format_date(makeup, d);
        snprintf(line, sizeof line, "%s,workday\n", d);
        st = out_puts(&o, line, err);
    }
    int64_t later = first_weekday(after, weekdays);
    if (later >= 0 && st == SLAGG_OK) {
        slagg_format_date(later, d);
        snprintf(line, sizeof line, "%s,holiday\n", d);
        st = out_puts(&o, line, err);
    }
    if (st != SLAGG_OK) {
        out_discard(&o);
        return st;
    }
    return out_commit(&o, acc, err);
}

/* ---- the records ------------------------------------------------------------ */

/* Daily traffic curve, per mille of the peak, by service-time hour. */
static const unsigned hour_curve[24] = {
    300, 220, 170, 150, 150, 200, 320, 500, 750, 920, 1000, 980,
    850, 900, 980, 1000, 950, 850, 720, 680, 700, 650, 520, 400
};

static uint64_t window_weight(const gen_fleet *f, int64_t w)
{
    int64_t day = f->first + w / SLAGG_WINDOWS_PER_DAY;
    unsigned k = (unsigned)(w % SLAGG_WINDOWS_PER_DAY), h = k / 12, j = k % 12;
    uint64_t base = (uint64_t)hour_curve[h] * (12 - j) + (uint64_t)hour_curve[(h + 1) % 24] * j;
    return base * (slagg_weekday(day) >= 5 ? 6 : 10);
}

typedef struct gen_rec {
    unsigned status;
    unsigned cause;
} gen_rec;

static const unsigned err5xx[4] = {500, 502, 503, 504};

/* Background behaviour of a request drawn as u in [0, 1000000) (SPEC 2's
 * classification table). */
static void background_u(uint64_t u, gen_rec *out)
{
    out->cause = C_NONE;
    if (u < 200) {                     /* 0.02 % 5xx: errors */
        out->status = err5xx[u & 3];
        out->cause = (u >> 2) % 3 == 0 ? C_PROVIDER : C_NONE;
    } else if (u < 250) {              /* lost to a provider fault */
        out->status = 0;
        out->cause = C_PROVIDER;
    } else if (u < 1250) {             /* never received, not the provider's */
        out->status = 0;
        out->cause = u % 3 == 0 ? C_CLIENT : C_NONE;
    } else if (u < 1350) {
        out->status = err5xx[u & 3];
        out->cause = C_CLIENT;
    } else if (u < 1400) {
        out->status = 503;
        out->cause = C_MAINTENANCE;
    } else if (u < 1450) {
        out->status = 502;
        out->cause = C_EXTERNAL;
    } else if (u < 1480) {
        out->status = 503;
        out->cause = C_ATTACK;
    } else if (u < 1500) {
        out->status = 503;
        out->cause = C_CONTENT_BAN;
    } else {
        unsigned v = (unsigned)(u % 1000);
        out->status = v < 880 ? 200 : v < 920 ? 201 : v < 940 ? 204 : v < 955 ? 304
                    : v < 970 ? 404 : v < 980 ? 400 : v < 987 ? 401 : v < 992 ? 403
                    : v < 997 ? 429 : v < 999 ? 409 : 101;
        if (out->status >= 400 && (u / 1000) % 4 == 0) out->cause = C_CLIENT;
    }
}

static void background(gen_rng *r, gen_rec *out)
{
    background_u(rng_below(r, 1000000), out);
}

/* What event e does to a request drawn as u in [0, 1000): 1 when it decides
 * the request (out set), 0 when it spares it. */
static int event_hit(const gen_event *e, unsigned u, gen_rec *out)
{
    switch (e->type) {
    case EV_OUTAGE:
    case EV_REGIONAL:
        if (u < e->p) {
            out->status = err5xx[u & 3];
            out->cause = u % 5 == 0 ? C_PROVIDER : C_NONE;
            return 1;
        }
        break;
    case EV_LOST:
        if (u < e->p) {
            /* mostly never reached the service, some 503 */
            out->status = u % 4 == 0 ? 503 : 0;
            out->cause = C_PROVIDER;
            return 1;
        }
        break;
    case EV_MAINT:
        /* plain 5xx / lost: excluded only through a notified window */
        if (u < e->p) {
            out->status = 503;
            out->cause = C_NONE;
            return 1;
        }
        if (u < e->p + 50) {
            out->status = 0;
            out->cause = C_PROVIDER;
            return 1;
        }
        break;
    case EV_ATTACK:
        if (u < e->p) {
            out->status = 429;
            out->cause = C_ATTACK;
            return 1;
        }
        if (u < e->p + 150) {
            out->status = 503;
            out->cause = C_ATTACK;
            return 1;
        }
        break;
    case EV_BAN:
        if (u < e->p) {
            out->status = 503;
            out->cause = C_CONTENT_BAN;
            return 1;
        }
        break;
    case EV_EXTERNAL:
        if (u < e->p) {
            out->status = 502;
            out->cause = C_EXTERNAL;
            return 1;
        }
        break;
    default:
        break;
    }
    return 0;
}

/* Status and cause of a request of account a in a window where the events
 * act[0..nact) run. The first event that applies to the account decides;
 * requests it spares behave as in the background. */
static void decide(gen_rng *r, const gen_fleet *f, const gen_event *const *act, size_t nact,
                   uint32_t a, gen_rec *out)
{
    for (size_t k = 0; k < nact; k++) {
        const gen_event *e = act[k];
        if (e->account >= 0 ? e->account != (int64_t)a
                            : e->account == EV_REGION0 && f->acc[a].region != 0)
            continue;
        if (event_hit(e, (unsigned)rng_below(r, 1000), out)) return;
        break;
    }
    background(r, out);
}

/* An account drawn by size; redrawn (a few times) while the day is outside
 * the account's contract, so mid-month contracts start and stop cleanly. */
static uint32_t draw_account(gen_rng *r, const gen_fleet *f, int64_t day)
{
    uint64_t total = f->cum[f->n - 1];
    uint32_t a = 0;
    for (int tries = 0; tries < 16; tries++) {
        uint64_t x = rng_below(r, total);
        uint32_t lo = 0, hi = f->n - 1;
        while (lo < hi) {
            uint32_t mid = lo + (hi - lo) / 2;
            if (f->cum[mid] > x) hi = mid;
            else lo = mid + 1;
        }
        a = lo;
        if (day >= f->acc[a].act_first && day <= f->acc[a].act_last) break;
    }
    return a;
}

static int cmp_u32(const void *x, const void *y)
{
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    return (a > b) - (a < b);
}

typedef struct gen_scratch {
    uint32_t *acct;
    uint32_t *ms;
    size_t cap;
} gen_scratch;

static slagg_status scratch_grow(gen_scratch *s, size_t n, slagg_err *err)
{
    if (n <= s->cap) return SLAGG_OK;
    size_t cap = s->cap ? s->cap : 256;
    while (cap < n) cap *= 2;
    uint32_t *a = slagg_reallocarray(s->acct, cap, sizeof *a);
    if (!a) return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    s->acct = a;
    uint32_t *m = slagg_reallocarray(s->ms, cap, sizeof *m);
    if (!m) return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    s->ms = m;
    s->cap = cap;
    return SLAGG_OK;
}

/* Writes windows [w_begin, w_end) of the month into one open records file.
 * cum_before is the cumulative traffic weight before w_begin; wtotal the
 * month's; the window's record count is the floor of its cumulative share
 * of o->records, so all files together hold exactly o->records. */
static slagg_status write_windows(gen_out *out, const gen_fleet *f, const slagg_gen_opts *o,
                                  gen_rng *r, const char *tz, int64_t w_begin, int64_t w_end,
                                  uint64_t *cum_before, uint64_t wtotal, gen_scratch *sc,
                                  uint64_t *written, slagg_err *err)
{
    const int ndjson = o->format == SLAGG_GEN_NDJSON;
    const uint64_t q = o->records / wtotal, rem = o->records % wtotal;
    const gen_event *act[300];
    for (int64_t w = w_begin; w < w_end; w++) {
        uint64_t c0 = *cum_before, c1 = c0 + window_weight(f, w);
        *cum_before = c1;
        uint64_t n = (q * c1 + rem * c1 / wtotal) - (q * c0 + rem * c0 / wtotal);
        if (n == 0) continue;
        slagg_status st = scratch_grow(sc, n, err);
        if (st != SLAGG_OK) return st;

        size_t nact = 0;
        for (size_t k = 0; k < f->n_ev; k++)
            if (w >= f->ev[k].w0 && w < f->ev[k].w1) act[nact++] = &f->ev[k];

        int64_t day = f->first + w / SLAGG_WINDOWS_PER_DAY;
        size_t k = 0;
        for (size_t e = 0; e < nact; e++)
            if (act[e]->account >= 0)
                for (unsigned j = 0; j < act[e]->force && k < n; j++)
                    sc->acct[k++] = (uint32_t)act[e]->account;
        while (k < n) sc->acct[k++] = draw_account(r, f, day);
        for (size_t i = n; i > 1; i--) {
            size_t j = (size_t)rng_below(r, i);
            uint32_t t = sc->acct[i - 1];
            sc->acct[i - 1] = sc->acct[j];
            sc->acct[j] = t;
        }
        for (size_t i = 0; i < n; i++) sc->ms[i] = (uint32_t)rng_below(r, 300000);
        qsort(sc->ms, n, sizeof *sc->ms, cmp_u32);

        /* "YYYY-MM-DDTHH:M" is shared by the window: its minutes are
         * m0..m0+4 with m0 a multiple of 5, so the tens digit is fixed. */
        char prefix[16];
        unsigned minute = (unsigned)(w % SLAGG_WINDOWS_PER_DAY) * 5;
        slagg_format_date(day, prefix);
        prefix[10] = 'T';
        put_2(prefix + 11, minute / 60);
        prefix[13] = ':';
        prefix[14] = (char)('0' + minute % 60 / 10);
        const unsigned unit0 = minute % 10;

        for (size_t i = 0; i < n; i++) {
            st = out_room(out, 512, err);
            if (st != SLAGG_OK) return st;
            uint32_t a = sc->acct[i];
            const gen_account *ac = &f->acc[a];
            gen_rec rec;
            decide(r, f, act, nact, a, &rec);
            uint64_t id = rng_next(r);
            char *p = out->buf + out->len;
            if (ndjson) {
                memcpy(p, "{\"ts\":\"", 7);
                p += 7;
            }
            unsigned ms = sc->ms[i];
            memcpy(p, prefix, 15);
            p += 15;
            *p++ = (char)('0' + unit0 + ms / 60000);
            *p++ = ':';
            p = put_2(p, ms / 1000 % 60);
            *p++ = '.';
            *p++ = (char)('0' + ms % 1000 / 100);
            p = put_2(p, ms % 100);
            memcpy(p, tz, 6);
            p += 6;
            if (ndjson) {
                memcpy(p, "\",\"account\":\"", 13);
                p += 13;
                memcpy(p, ac->name, ac->name_len);
                p += ac->name_len;
                memcpy(p, "\",\"status\":", 11);
                p += 11;
                p = put_u64(p, rec.status);
                if (rec.cause != C_NONE) {
                    memcpy(p, ",\"cause\":\"", 10);
                    p += 10;
                    memcpy(p, cause_name[rec.cause], cause_len[rec.cause]);
                    p += cause_len[rec.cause];
                    *p++ = '"';
                }
                memcpy(p, ",\"req\":{\"id\":\"", 14);
                p += 14;
                p = put_hex64(p, id);
                memcpy(p, "\",\"ip\":\"10.", 11);
                p += 11;
                p = put_u64(p, (id >> 8) & 255);
                *p++ = '.';
                p = put_u64(p, (id >> 16) & 255);
                *p++ = '.';
                p = put_u64(p, 1 + (id >> 24) % 254);
                memcpy(p, "\"}}\n", 4);
                p += 4;
            } else {
                *p++ = ',';
                memcpy(p, ac->name, ac->name_len);
                p += ac->name_len;
                *p++ = ',';
                p = put_u64(p, rec.status);
                *p++ = ',';
                memcpy(p, cause_name[rec.cause], cause_len[rec.cause]);
                p += cause_len[rec.cause];
                *p++ = ',';
                p = put_hex64(p, id);
                *p++ = '\n';
            }
            out->len = (size_t)(p - out->buf);
        }
        *written += n;
    }
    return SLAGG_OK;
}

/* ---- shards: the bulk generator (--shards) ----------------------------------
 *
 * The same fleet (fleet_design, hence the same tables) and the same number
 * of records on every service day as the text logs, built for speed and
 * for threads; the records themselves differ from the text logs'.
 *
 *  - The month's records are numbered in time order (window win holds
 *    positions [wrec[win], wrec[win + 1]), the text logs' counts). File k
 *    holds the positions of windows [fw[k], fw[k + 1]): slices of about
 *    records / files records, in time order. Its records come from an RNG
 *    seeded by (seed, k) alone, and threads take whole files from an
 *    atomic counter, so the bytes do not depend on --threads.
 *  - A file is cut into chunks at the writer's block boundaries (every
 *    SHARD_BLOCK records) and at day boundaries: a chunk is (part of) one
 *    block, within one day. Its accounts are drawn by systematic sampling
 *    over the Zipf sizes of the accounts under contract that day (one
 *    random offset, then fixed steps): every account gets its share with
 *    little noise, a tail account appears with probability equal to its
 *    expected count, and the draws come out grouped by account. Each
 *    record of an account's group gets a random position in the chunk
 *    (uniform for a small group, as independent draws would clump; else
 *    stratified), hence its window (so windows get their counts up to
 *    sampling noise, days exactly) and a millisecond in it; the positions,
 *    and so the timestamps, come out sorted.
 *  - The accounts are walked in the order of the writer's dictionary ids
 *    (ids are given in order of first appearance: the accounts the file
 *    has seen, by id, then the others; each chunk's newcomers join the
 *    seen ones in the order they appeared). So a block arrives sorted by
 *    (account id, ts), and the writer skips its sort, and reads its
 *    dictionary in order; consecutive records of one account hit its
 *    last-account cache.
 *  - Events act as in the text logs (decide: the first event that applies
 *    decides, else the background), looked up per record only for the
 *    accounts an event of the chunk can touch; the forced records of
 *    account-scoped events join their account's group, in time order.
 *  - A record takes one 64-bit draw (40 bits position, 24 bits
 *    background; a table for the 99.85 % common case), one more when an
 *    event applies. Nothing is kept per record: the writer's block is the
 *    only per-record memory; the rest is O(accounts) per thread.
 */

#define SHARD_STREAM 16u   /* RNG stream of file k: SHARD_STREAM + k */
#define SHARD_FILE_RECORDS (UINT64_C(64) << 20)
#define SHARD_BLOCK 262144u   /* records per shard block (the writer's default) */
#define SHARD_GUIDE_MAX 512u
#define SHARD_IID_MAX 32u     /* groups up to this size get unstratified positions */

__extension__ typedef unsigned __int128 gen_u128;

/* An account's place in a file's walk order. */
typedef struct shard_slot {
    uint64_t size;       /* Zipf size */
    uint32_t account;
    uint8_t a0, a1;      /* days of the month (0-based) its records are drawn in */
    uint8_t seen;        /* drawn in the current chunk */
} shard_slot;

/* Forced records of one account in one window. */
typedef struct shard_forced {
    uint32_t pos;        /* the account's slot */
    uint32_t count;
    int64_t win;
} shard_forced;

/* The events overlapping one chunk. */
typedef struct shard_events {
    const gen_event *ev[300];   /* in the fleet's order (decide: the first applies) */
    size_t n;
    uint32_t scoped[300];       /* accounts of the scoped ones, sorted, unique */
    size_t nscoped;
    int all, region0;           /* a fleet-wide / regional event among them */
} shard_events;

typedef struct shard_plan {
    const gen_fleet *f;
    const slagg_gen_opts *o;
    uint64_t *wrec;          /* windows + 1 entries: records before window w */
    int64_t *fw;             /* files + 1 entries: first window of file k */
    unsigned files;
    int64_t base_ms;         /* UTC ms of the start of window 0 */
    shard_slot *slot0;       /* every file's first walk order: by account */
    uint16_t bg[4000];       /* background for u >= 1500, by u % 4000: status * 8 + cause */

    atomic_uint next;        /* the next file to write */
    atomic_int stop;         /* a worker failed: take no more files */
    pthread_mutex_t mu;      /* guards the fields below */
    slagg_status st;
    slagg_err err;
    uint64_t records, bytes;
    unsigned written;
} shard_plan;

typedef struct shard_worker {
    shard_plan *p;
    pthread_t tid;
    shard_slot *slot, *tmp;  /* walk order (n), partition scratch (n) */
    uint32_t *pos_of;        /* account -> its slot */
    uint64_t *cum;           /* cumulative active sizes over the slots, this chunk */
    uint32_t known;          /* slots [0, known): the accounts the writer has, by id */
    shard_forced *forced;
    size_t forced_cap;
    int64_t *fts;            /* timestamps of one forced entry, and their draws */
    uint32_t *fu;
    size_t fts_cap;
    uint64_t xs[SHARD_IID_MAX];   /* the sorted draws of a small group */

    /* the chunk being written */
    slagg_shard_writer *wr;
    gen_rng *r;
    uint64_t P0, len;
    int64_t wlo;
    unsigned gshift;
    int64_t guide[SHARD_GUIDE_MAX];            /* window of position P0 + (g << gshift) */
    uint64_t step[SLAGG_WINDOWS_PER_DAY];      /* (300000 << 32) / records of window wlo + i */
    shard_events se;
    char name[16];
    slagg_shard_record rec;
} shard_worker;

/* Records in windows before w: the floor of their cumulative share, the
 * same formula as write_windows. */
static uint64_t records_before(uint64_t records, uint64_t c, uint64_t wtotal)
{
    const uint64_t q = records / wtotal, rem = records % wtotal;
    return q * c + rem * c / wtotal;
}

/* First slot b >= a with cum[b] > x; cum[n - 1] > x. Gallops: the draws
 * of a chunk arrive in increasing x. */
static inline uint32_t shard_walk(const uint64_t *cum, uint32_t n, uint32_t a, uint64_t x)
{
    if (cum[a] > x) return a;
    uint32_t lo = a, hi, step = 1;   /* cum[lo] <= x */
    for (;;) {
        if (step >= n - 1 - lo) {
            hi = n - 1;
            break;
        }
        hi = lo + step;
        if (cum[hi] > x) break;
        lo = hi;
        step *= 2;
    }
    while (hi - lo > 1) {   /* cum[lo] <= x < cum[hi] */
        uint32_t mid = lo + (hi - lo) / 2;
        if (cum[mid] > x) hi = mid;
        else lo = mid;
    }
    return hi;
}

/* "acct-00042" into name (set_name's spelling), computed rather than
 * loaded: consecutive accounts of a chunk are far apart in memory. */
static inline size_t shard_name(char *name, uint32_t i)
{
    char d[12];
    int nd = 0;
    do {
        d[nd++] = (char)('0' + i % 10);
        i /= 10;
    } while (i);
    while (nd < 5) d[nd++] = '0';
    size_t k = 5;
    while (nd) name[k++] = d[--nd];
    return k;
}

/* The event deciding a request of account a in window win (the first one
 * that applies, as in decide), or NULL. */
static const gen_event *shard_event_at(const gen_fleet *f, const shard_events *se, uint32_t a,
                                       int64_t win)
{
    for (size_t k = 0; k < se->n; k++) {
        const gen_event *e = se->ev[k];
        if (win < e->w0 || win >= e->w1) continue;
        if (e->account >= 0 ? e->account != (int64_t)a
                            : e->account == EV_REGION0 && f->acc[a].region != 0)
            continue;
        return e;
    }
    return NULL;
}

/* Appends a record of the current account at ts: event e (or NULL) first,
 * then the background drawn as u in [0, 1000000). */
static inline slagg_status shard_put(shard_worker *w, const gen_event *e, int64_t ts, uint64_t u)
{
    slagg_shard_record *rec = &w->rec;
    gen_rec g;
    rec->ts_ms = ts;
    if (e && event_hit(e, (unsigned)rng_below(w->r, 1000), &g)) {
        rec->status = (int)g.status;
        rec->cause = (slagg_cause)g.cause;
    } else if (u >= 1500) {
        unsigned k = w->p->bg[u % 4000];
        rec->status = (int)(k >> 3);
        rec->cause = (slagg_cause)(k & 7);
    } else {
        background_u(u, &g);
        rec->status = (int)g.status;
        rec->cause = (slagg_cause)g.cause;
    }
    return slagg_shard_writer_append(w->wr, rec);
}

static slagg_status shard_grow(shard_worker *w, size_t forced, size_t fts)
{
    if (forced > w->forced_cap) {
        size_t cap = w->forced_cap ? w->forced_cap * 2 : 64;
        while (cap < forced) cap *= 2;
        shard_forced *p = slagg_reallocarray(w->forced, cap, sizeof *p);
        if (!p) return SLAGG_E_NOMEM;
        w->forced = p;
        w->forced_cap = cap;
    }
    if (fts > w->fts_cap) {
        size_t cap = w->fts_cap ? w->fts_cap * 2 : 64;
        while (cap < fts) cap *= 2;
        int64_t *t = slagg_reallocarray(w->fts, cap, sizeof *t);
        if (t) w->fts = t;
        uint32_t *u = slagg_reallocarray(w->fu, cap, sizeof *u);
        if (u) w->fu = u;
        if (!t || !u) return SLAGG_E_NOMEM;
        w->fts_cap = cap;
    }
    return SLAGG_OK;
}

/* The records of account a in the chunk, in time order: c drawn ones
 * (stratified positions) merged with the forced entries fe[0..nfe), which
 * are in window order. */
static slagg_status shard_group(shard_worker *w, uint32_t a, uint64_t c, const shard_forced *fe,
                                size_t nfe)
{
    const shard_plan *p = w->p;
    const gen_fleet *f = p->f;
    const uint64_t *wrec = p->wrec;
    const shard_events *se = &w->se;
    w->rec.account_len = shard_name(w->name, a);
    int slow = se->all || (se->region0 && f->acc[a].region == 0);
    if (!slow && se->nscoped) {
        size_t lo = 0, hi = se->nscoped;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (se->scoped[mid] < a) lo = mid + 1;
            else hi = mid;
        }
        slow = lo < se->nscoped && se->scoped[lo] == a;
    }
    /* Position of drawn record k in 64.64 fixed point: v / 2^40 * len for
     * a small group (its c draws sorted: uniform positions, so a small
     * account's records clump in windows as independent draws do), else
     * stratified, (k + v / 2^40) * len / c. The fraction places the record
     * within its position, so the timestamps follow the positions. */
    const int iid = c <= SHARD_IID_MAX;
    const uint64_t L = iid ? w->len << 24 : (w->len << 24) / c;
    if (iid) {
        for (uint64_t j = 0; j < c; j++) {
            uint64_t x = rng_next(w->r), i = j;
            for (; i > 0 && w->xs[i - 1] > x; i--) w->xs[i] = w->xs[i - 1];
            w->xs[i] = x;
        }
    }
    uint64_t k = 0;
    int have = 0;
    int64_t s_ts = 0, s_win = 0;
    uint64_t s_u = 0;
    size_t fi = 0, fk = 0, fn = 0;
    slagg_status st = SLAGG_OK;
    for (;;) {
        if (!have && k < c) {
            uint64_t x = iid ? w->xs[k] : rng_next(w->r);
            gen_u128 fx = (gen_u128)(iid ? x >> 24 : (k << 40) | (x >> 24)) * L;
            uint64_t pos = (uint64_t)(fx >> 64), frac = (uint64_t)fx;
            int64_t win = w->guide[pos >> w->gshift];
            while (wrec[win + 1] <= w->P0 + pos) win++;
            uint64_t in = w->P0 + pos - wrec[win], sw = w->step[win - w->wlo];
            uint64_t ms = (in * sw + (sw >> 16) * (frac >> 48)) >> 32;
            s_ts = p->base_ms + win * 300000 + (int64_t)ms;
            s_win = win;
            s_u = ((x & 0xffffff) * 1000000) >> 24;
            have = 1;
            k++;
        }
        if (fk == fn && fi < nfe) {
            /* the next forced entry's records, sorted */
            fn = fe[fi].count;
            fk = 0;
            if (shard_grow(w, 0, fn) != SLAGG_OK) return SLAGG_E_NOMEM;
            int64_t base = p->base_ms + fe[fi].win * 300000;
            for (size_t j = 0; j < fn; j++) {
                uint64_t x = rng_next(w->r);
                int64_t t = base + (int64_t)(((x >> 32) * 300000) >> 32);
                uint32_t u = (uint32_t)(((x & 0xffffffffu) * 1000000) >> 32);
                size_t i = j;
                for (; i > 0 && w->fts[i - 1] > t; i--) {
                    w->fts[i] = w->fts[i - 1];
                    w->fu[i] = w->fu[i - 1];
                }
                w->fts[i] = t;
                w->fu[i] = u;
            }
            fi++;
        }
        int take_forced = fk < fn && (!have || w->fts[fk] < s_ts);
        if (take_forced) {
            int64_t win = fe[fi - 1].win;
            st = shard_put(w, slow ? shard_event_at(f, se, a, win) : NULL, w->fts[fk], w->fu[fk]);
            fk++;
        } else if (have) {
            st = shard_put(w, slow ? shard_event_at(f, se, a, s_win) : NULL, s_ts, s_u);
            have = 0;
        } else {
            break;
        }
        if (st != SLAGG_OK) return st;
    }
    return SLAGG_OK;
}

static int cmp_forced(const void *x, const void *y)
{
    const shard_forced *a = x, *b = y;
    if (a->pos != b->pos) return (a->pos > b->pos) - (a->pos < b->pos);
    return (a->win > b->win) - (a->win < b->win);
}

/*
 * Positions [P0, P1) of the month into the writer; wlo is the window of
 * P0. The chunk lies within one day and one writer block.
 */
static slagg_status shard_chunk(shard_worker *w, uint64_t P0, uint64_t P1, int64_t wlo)
{
    const shard_plan *p = w->p;
    const gen_fleet *f = p->f;
    const uint64_t *wrec = p->wrec;
    const uint32_t n = f->n;
    const uint64_t len = P1 - P0;
    int64_t whi = wlo;
    while (wrec[whi + 1] < P1) whi++;
    const unsigned day = (unsigned)(wlo / SLAGG_WINDOWS_PER_DAY);
    w->P0 = P0;
    w->len = len;
    w->wlo = wlo;

    /* sizes of the accounts under contract that day (all, should none be) */
    shard_slot *slot = w->slot;
    uint64_t *cum = w->cum, T = 0;
    for (uint32_t j = 0; j < n; j++) {
        T += slot[j].size & (0 - (uint64_t)(slot[j].a0 <= day && day <= slot[j].a1));
        cum[j] = T;
    }
    if (T == 0)
        for (uint32_t j = 0; j < n; j++) cum[j] = T += slot[j].size;

    /* windows of positions; ms steps */
    w->gshift = 0;
    while (((len - 1) >> w->gshift) >= SHARD_GUIDE_MAX) w->gshift++;
    int64_t win = wlo;
    for (uint64_t g = 0; g <= (len - 1) >> w->gshift; g++) {
        while (wrec[win + 1] <= P0 + (g << w->gshift)) win++;
        w->guide[g] = win;
    }
    for (win = wlo; win <= whi; win++) {
        uint64_t nw = wrec[win + 1] - wrec[win];
        w->step[win - wlo] = nw ? (UINT64_C(300000) << 32) / nw : 0;
    }

    shard_events *se = &w->se;
    se->n = se->nscoped = 0;
    se->all = se->region0 = 0;
    for (size_t k = 0; k < f->n_ev; k++) {
        const gen_event *e = &f->ev[k];
        if (e->w1 <= wlo || e->w0 > whi) continue;
        se->ev[se->n++] = e;
        if (e->account == EV_ALL) {
            se->all = 1;
        } else if (e->account == EV_REGION0) {
            se->region0 = 1;
        } else {
            uint32_t a = (uint32_t)e->account;
            size_t j = se->nscoped;
            while (j > 0 && se->scoped[j - 1] > a) j--;
            if (j == 0 || se->scoped[j - 1] != a) {
                memmove(se->scoped + j + 1, se->scoped + j, (se->nscoped - j) * sizeof *se->scoped);
                se->scoped[j] = a;
                se->nscoped++;
            }
        }
    }

    /* forced records, as in the text logs: per window (counted in the
     * chunk where it starts), each scoped event's force, up to the
     * window's records in the chunk */
    size_t nf = 0;
    uint64_t forced = 0;
    for (win = wlo; win <= whi && se->nscoped; win++) {
        if (wrec[win] < P0 || wrec[win] == wrec[win + 1]) continue;
        uint64_t room = (wrec[win + 1] < P1 ? wrec[win + 1] : P1) - wrec[win];
        for (size_t k = 0; k < se->n && room; k++) {
            const gen_event *e = se->ev[k];
            if (e->account < 0 || win < e->w0 || win >= e->w1 || !e->force) continue;
            uint32_t cnt = e->force < room ? e->force : (uint32_t)room;
            if (shard_grow(w, nf + 1, 0) != SLAGG_OK) return SLAGG_E_NOMEM;
            w->forced[nf].pos = w->pos_of[e->account];
            w->forced[nf].count = cnt;
            w->forced[nf].win = win;
            nf++;
            room -= cnt;
            forced += cnt;
        }
    }
    if (nf > 1) {
        qsort(w->forced, nf, sizeof *w->forced, cmp_forced);
        size_t o = 0;   /* one entry per (account, window) */
        for (size_t k = 1; k < nf; k++) {
            if (w->forced[k].pos == w->forced[o].pos && w->forced[k].win == w->forced[o].win)
                w->forced[o].count += w->forced[k].count;
            else
                w->forced[++o] = w->forced[k];
        }
        nf = o + 1;
    }

    /* drawn records: x_i = (U + i * T) / m, account = first slot with
     * cum > x_i; slot order, merged with the forced entries */
    const uint64_t m = len - forced;
    const uint64_t U = m ? rng_below(w->r, T) : 0;
    uint64_t i = 0;
    uint32_t j = 0;
    size_t fi = 0;
    const uint32_t known = w->known;
    while (i < m || fi < nf) {
        uint32_t js = n, jf = fi < nf ? w->forced[fi].pos : n;
        if (i < m) js = j = shard_walk(cum, n, j, (U + i * T) / m);
        uint32_t jj = js < jf ? js : jf;
        uint64_t c = 0;
        if (jj == js) {
            uint64_t end = (cum[js] * m - U + T - 1) / T;
            if (end > m) end = m;
            c = end - i;
            i = end;
        }
        size_t fe = fi;
        while (fe < nf && w->forced[fe].pos == jj) fe++;
        slagg_status st = shard_group(w, slot[jj].account, c, w->forced + fi, fe - fi);
        if (st != SLAGG_OK) return st;
        fi = fe;
        if (jj >= known) slot[jj].seen = 1;
    }

    /* the newcomers join the known accounts, in the order they came */
    uint32_t nn = known, nt = 0;
    for (uint32_t s = known; s < n; s++) {
        if (slot[s].seen) {
            slot[s].seen = 0;
            slot[nn++] = slot[s];
        } else {
            w->tmp[nt++] = slot[s];
        }
    }
    if (nt) memcpy(slot + nn, w->tmp, (size_t)nt * sizeof *slot);
    for (uint32_t s = known; s < n; s++) w->pos_of[slot[s].account] = s;
    w->known = nn;
    return SLAGG_OK;
}

/* The records of file k: its slice of positions, cut into chunks at the
 * writer's block boundaries and at day boundaries. */
static slagg_status shard_records(shard_worker *w, unsigned k)
{
    const shard_plan *p = w->p;
    const uint64_t *wrec = p->wrec;
    const int64_t windows = p->f->windows;
    const uint32_t n = p->f->n;
    memcpy(w->slot, p->slot0, (size_t)n * sizeof *w->slot);
    for (uint32_t a = 0; a < n; a++) w->pos_of[a] = a;
    w->known = 0;
    const uint64_t start = wrec[p->fw[k]], end = wrec[p->fw[k + 1]];
    const uint64_t block = p->o->block_records ? p->o->block_records : SHARD_BLOCK;
    int64_t win = p->fw[k];
    slagg_status st = SLAGG_OK;
    for (uint64_t P = start; P < end && st == SLAGG_OK;) {
        while (wrec[win + 1] <= P) win++;
        int64_t next_day = (win / SLAGG_WINDOWS_PER_DAY + 1) * SLAGG_WINDOWS_PER_DAY;
        uint64_t P1 = P + (block - (P - start) % block);
        if (next_day < windows && P1 > wrec[next_day]) P1 = wrec[next_day];
        if (P1 > end) P1 = end;
        st = shard_chunk(w, P, P1, win);
        P = P1;
    }
    return st;
}

/* Writes DIR/records-NNN.shard for file k. */
static slagg_status shard_file(shard_worker *w, unsigned k, uint64_t *records, uint64_t *bytes,
                               slagg_err *err)
{
    const shard_plan *p = w->p;
    char name[64];
    snprintf(name, sizeof name, "records-%03u.shard", k);
    char *path = path_join(p->o->out_dir, "", name, "");
    if (!path) return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    slagg_shard_writer_opts wo = {p->o->block_records ? p->o->block_records : SHARD_BLOCK, 0};
    slagg_shard_writer *wr;
    slagg_status st = slagg_shard_writer_open_err(path, &wo, &wr, err);
    if (st != SLAGG_OK) {
        slagg_free(path);
        return st;
    }
    gen_rng r;
    rng_seed(&r, p->o->seed, SHARD_STREAM + (uint64_t)k);
    w->wr = wr;
    w->r = &r;
    st = shard_records(w, k);
    w->wr = NULL;
    w->r = NULL;
    if (st != SLAGG_OK) {
        if (st == SLAGG_E_NOMEM && !*slagg_shard_writer_error(wr))
            slagg_err_set(err, st, "%s: out of memory", path);
        else
            slagg_err_set(err, st, "%s", slagg_shard_writer_error(wr));
        slagg_shard_writer_abort(wr);
        slagg_free(path);
        return st;
    }
    uint64_t nrec = slagg_shard_writer_count(wr);
    st = slagg_shard_writer_close_err(wr, err);
    if (st == SLAGG_OK) {
        struct stat sb;
        *records = nrec;
        *bytes = stat(path, &sb) == 0 ? (uint64_t)sb.st_size : 0;
    }
    slagg_free(path);
    return st;
}

static void *shard_worker_main(void *arg)
{
    shard_worker *w = arg;
    shard_plan *p = w->p;
    while (!atomic_load(&p->stop)) {
        unsigned k = atomic_fetch_add(&p->next, 1);
        if (k >= p->files) break;
        uint64_t records = 0, bytes = 0;
        slagg_err e = {SLAGG_OK, ""};
        slagg_status st = shard_file(w, k, &records, &bytes, &e);
        pthread_mutex_lock(&p->mu);
        if (st == SLAGG_OK) {
            p->records += records;
            p->bytes += bytes;
            p->written++;
        } else if (p->st == SLAGG_OK) {
            p->st = st;
            p->err = e;
        }
        pthread_mutex_unlock(&p->mu);
        if (st != SLAGG_OK) atomic_store(&p->stop, 1);
    }
    return NULL;
}

/* The number of shard files for o: o->files, or by default about one per
 * 64 Mi records (at least 2). */
static unsigned shard_files(const slagg_gen_opts *o)
{
    if (o->files) return o->files;
    uint64_t k = o->records / SHARD_FILE_RECORDS;
    return k < 2 ? 2 : k > SLAGG_GEN_MAX_FILES ? SLAGG_GEN_MAX_FILES : (unsigned)k;
}

static unsigned online_cpus(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > SLAGG_GEN_MAX_THREADS ? SLAGG_GEN_MAX_THREADS : (unsigned)n;
}

/* All record files of the fleet as shards; adds to res and acc. */
static slagg_status write_shards(const gen_fleet *f, const slagg_gen_opts *o,
                                 slagg_gen_result *res, gen_tally *acc, slagg_err *err)
{
    shard_plan *p = slagg_calloc(1, sizeof *p);
    if (!p) return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    p->f = f;
    p->o = o;
    p->files = shard_files(o);
    p->base_ms = (f->first * 86400 - o->tz_offset_s) * INT64_C(1000);
    p->wrec = slagg_calloc((size_t)f->windows + 1, sizeof *p->wrec);
    p->fw = slagg_calloc((size_t)p->files + 1, sizeof *p->fw);
    unsigned threads = o->threads ? o->threads : online_cpus();
    if (threads > p->files) threads = p->files;
    shard_worker *w = slagg_calloc(threads, sizeof *w);
    slagg_status st = SLAGG_OK;
    if (!p->wrec || !p->fw || !w) st = slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    p->slot0 = slagg_calloc(f->n, sizeof *p->slot0);
    if (!p->slot0) st = slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    for (unsigned t = 0; t < threads && st == SLAGG_OK; t++) {
        w[t].p = p;
        w[t].slot = slagg_calloc(f->n, sizeof *w[t].slot);
        w[t].tmp = slagg_calloc(f->n, sizeof *w[t].tmp);
        w[t].pos_of = slagg_calloc(f->n, sizeof *w[t].pos_of);
        w[t].cum = slagg_calloc(f->n, sizeof *w[t].cum);
        memcpy(w[t].name, "acct-", 5);
        w[t].rec.account = w[t].name;
        if (!w[t].slot || !w[t].tmp || !w[t].pos_of || !w[t].cum)
            st = slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    }
    if (st == SLAGG_OK) {
        uint64_t wtotal = 0;
        for (int64_t win = 0; win < f->windows; win++) wtotal += window_weight(f, win);
        uint64_t c = 0;
        for (int64_t win = 0; win < f->windows; win++) {
            p->wrec[win] = records_before(o->records, c, wtotal);
            c += window_weight(f, win);
        }
        p->wrec[f->windows] = o->records;
        /* file k starts at the first window with k/files of the records before it */
        int64_t win = 0;
        for (unsigned k = 1; k < p->files; k++) {
            uint64_t want = (o->records * k + p->files - 1) / p->files;
            while (win < f->windows && p->wrec[win] < want) win++;
            p->fw[k] = win;
        }
        p->fw[p->files] = f->windows;
        for (uint32_t a = 0; a < f->n; a++) {
            const gen_account *ac = &f->acc[a];
            int64_t a0 = ac->act_first - f->first, a1 = ac->act_last - f->first;
            p->slot0[a].size = f->cum[a] - (a ? f->cum[a - 1] : 0);
            p->slot0[a].account = a;
            p->slot0[a].a0 = (uint8_t)(a0 < 0 ? 0 : a0 > 255 ? 255 : a0);
            p->slot0[a].a1 = (uint8_t)(a1 < 0 ? 0 : a1 >= f->days ? f->days - 1 : a1);
            if (a1 < 0) p->slot0[a].a0 = 255;   /* never: not in this month */
        }
        for (unsigned u = 0; u < 4000; u++) {
            gen_rec g;
            background_u(u < 1500 ? u + 4000 : u, &g);   /* any v >= 1500 with v % 4000 == u */
            p->bg[u] = (uint16_t)(g.status * 8 + g.cause);
        }
        atomic_init(&p->next, 0);
        atomic_init(&p->stop, 0);
        pthread_mutex_init(&p->mu, NULL);
        p->st = SLAGG_OK;
        unsigned started = 1;
        for (; started < threads; started++)
            if (pthread_create(&w[started].tid, NULL, shard_worker_main, &w[started]) != 0) break;
        shard_worker_main(&w[0]);
        for (unsigned t = 1; t < started; t++) pthread_join(w[t].tid, NULL);
        pthread_mutex_destroy(&p->mu);
        st = p->st;
        if (st != SLAGG_OK) *err = p->err;
        res->records = p->records;
        acc->bytes += p->bytes;
        acc->files += p->written;
    }
    for (unsigned t = 0; w && t < threads; t++) {
        slagg_free(w[t].slot);
        slagg_free(w[t].tmp);
        slagg_free(w[t].pos_of);
        slagg_free(w[t].cum);
        slagg_free(w[t].forced);
        slagg_free(w[t].fts);
        slagg_free(w[t].fu);
    }
    slagg_free(w);
    slagg_free(p->wrec);
    slagg_free(p->fw);
    slagg_free(p->slot0);
    slagg_free(p);
    return st;
}

static slagg_status check_opts(const slagg_gen_opts *o, slagg_err *err)
{
    if (!o->out_dir || !*o->out_dir)
        return slagg_err_set(err, SLAGG_E_USAGE, "no output directory");
    if (o->accounts < 1 || o->accounts > SLAGG_GEN_MAX_ACCOUNTS)
        return slagg_err_set(err, SLAGG_E_USAGE, "accounts must be 1..%u",
                             SLAGG_GEN_MAX_ACCOUNTS);
    if (o->records > SLAGG_GEN_MAX_RECORDS)
        return slagg_err_set(err, SLAGG_E_USAGE, "records must be 0..%llu",
                             (unsigned long long)SLAGG_GEN_MAX_RECORDS);
    if (o->year < 1971 || o->year > 9998 || o->month < 1 || o->month > 12)
        return slagg_err_set(err, SLAGG_E_USAGE, "month must be 1971-01..9998-12");
    if ((o->files < 1 && !o->shards) || o->files > SLAGG_GEN_MAX_FILES)
        return slagg_err_set(err, SLAGG_E_USAGE, "files must be 1..%u",
                             SLAGG_GEN_MAX_FILES);
    if (o->threads > SLAGG_GEN_MAX_THREADS)
        return slagg_err_set(err, SLAGG_E_USAGE, "threads must be 1..%u",
                             SLAGG_GEN_MAX_THREADS);
    if (o->block_records > SLAGG_GEN_MAX_BLOCK_RECORDS)
        return slagg_err_set(err, SLAGG_E_USAGE, "block_records must be 1..%u", SLAGG_GEN_MAX_BLOCK_RECORDS);
    if (o->shards && (o->format != SLAGG_GEN_CSV || o->compress))
        return slagg_err_set(err, SLAGG_E_USAGE,
                             "shards are compressed and have no text format: "
                             "no --format or --compress with --shards");
    if (o->tz_offset_s <= -86400 || o->tz_offset_s >= 86400 || o->tz_offset_s % 60 != 0)
        return slagg_err_set(err, SLAGG_E_USAGE, "bad time zone offset");
    if (o->format != SLAGG_GEN_CSV && o->format != SLAGG_GEN_NDJSON)
        return slagg_err_set(err, SLAGG_E_USAGE, "bad format");
    if (o->shards) {
        /* every timestamp of the month must fit a shard (1970-01-01..2099-12-31) */
        int64_t first = slagg_days_from_civil(o->year, o->month, 1);
        int64_t end = first + slagg_days_in_month(o->year, o->month);
        if ((first * 86400 - o->tz_offset_s) * INT64_C(1000) < SLAGG_TS_MIN_MS ||
            (end * 86400 - o->tz_offset_s) * INT64_C(1000) > SLAGG_TS_MAX_MS)
            return slagg_err_set(err, SLAGG_E_USAGE,
                                 "shards hold 1970-01-01..2099-12-31 UTC: the month is outside");
    }
    return SLAGG_OK;
}

void slagg_gen_opts_default(slagg_gen_opts *o)
{
    memset(o, 0, sizeof *o);
    o->out_dir = NULL;
    o->accounts = 200;
    o->records = 500000;
    o->year = 2026;
    o->month = 3;
    o->seed = 1;
    o->format = SLAGG_GEN_CSV;
    o->compress = 0;
    o->files = 2;
    o->tz_offset_s = 8 * 3600;
    o->shards = 0;
    o->threads = 0;
}

static void sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        (void)fsync(fd);   /* best effort: the files themselves are synced */
        close(fd);
    }
}

/* All record files of the fleet as text logs (one RNG stream through the
 * month, file after file); adds to res and acc. */
static slagg_status write_logs(const gen_fleet *f, const slagg_gen_opts *o, const char *tz,
                               slagg_gen_result *res, gen_tally *acc, slagg_err *err)
{
    slagg_status st = SLAGG_OK;
    uint64_t wtotal = 0;
    for (int64_t w = 0; w < f->windows; w++) wtotal += window_weight(f, w);
    gen_rng rng;
    rng_seed(&rng, o->seed, 2);
    gen_scratch sc = {NULL, NULL, 0};
    uint64_t cum = 0;
    const char *ext = o->format == SLAGG_GEN_NDJSON ? (o->compress ? ".ndjson.zst" : ".ndjson")
                                                     : (o->compress ? ".csv.zst" : ".csv");
    for (unsigned i = 0; i < o->files && st == SLAGG_OK; i++) {
        char name[64];
        snprintf(name, sizeof name, "records-%03u%s", i, ext);
        gen_out out;
        st = out_open(&out, o->out_dir, name, o->compress, err);
        if (st != SLAGG_OK) break;
        if (o->format == SLAGG_GEN_CSV) st = out_puts(&out, "ts,account,status,cause,request_id\n", err);
        int64_t w0 = f->windows * (int64_t)i / o->files, w1 = f->windows * (int64_t)(i + 1) / o->files;
        if (st == SLAGG_OK)
            st = write_windows(&out, f, o, &rng, tz, w0, w1, &cum, wtotal, &sc, &res->records, err);
        if (st != SLAGG_OK) {
            out_discard(&out);
            break;
        }
        st = out_commit(&out, acc, err);
    }
    slagg_free(sc.acct);
    slagg_free(sc.ms);
    return st;
}

slagg_status slagg_gen_write(const slagg_gen_opts *o, slagg_gen_result *res, slagg_err *err)
{
    slagg_status st = check_opts(o, err);
    if (st != SLAGG_OK) return st;
    st = make_dirs(o->out_dir, err);
    if (st != SLAGG_OK) return st;
    gen_fleet f;
    st = fleet_design(&f, o, err);
    if (st != SLAGG_OK) return st;

    char tz[8];
    format_tz(o->tz_offset_s, tz);
    gen_tally acc = {0, 0};
    slagg_gen_result r0;
    memset(&r0, 0, sizeof r0);

    if (o->shards) st = write_shards(&f, o, &r0, &acc, err);
    else st = write_logs(&f, o, tz, &r0, &acc, err);
    if (st == SLAGG_OK) st = write_contracts(&f, o->out_dir, &acc, &r0.contract_rows, err);
    if (st == SLAGG_OK) st = write_fees(&f, o->out_dir, &acc, &r0.fee_rows, err);
    if (st == SLAGG_OK) st = write_maintenance(&f, o->out_dir, tz, &acc, err);
    if (st == SLAGG_OK) st = write_holidays(&f, o->out_dir, &acc, err);
    if (st == SLAGG_OK) sync_dir(o->out_dir);

    r0.bytes = acc.bytes;
    r0.files = acc.files;
    memcpy(r0.designed_tier, f.designed, sizeof r0.designed_tier);
    r0.uncontracted_accounts = f.uncontracted;
    r0.no_fee_periods = f.no_fee_periods;
    fleet_free(&f);
    if (res) *res = r0;
    return st;
}
