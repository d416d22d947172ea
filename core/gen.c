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
 */
#include "core/gen.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "core/alloc.h"
#include "core/calendar.h"

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
        add_incident(f, &r, t25[k], 216 + (int64_t)rng_below(&r, 145), EV_OUTAGE,
                     600 + (unsigned)rng_below(&r, 301));
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
        add_incident(f, &r, t10[k], 30 + (int64_t)rng_below(&r, 19), k == 3 ? EV_LOST : EV_OUTAGE,
                     600 + (unsigned)rng_below(&r, 201));
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

/* mkdir -p */
static slagg_status make_dirs(const char *dir, slagg_err *err)
{
    size_t n = strlen(dir);
    if (n == 0) return slagg_err_set(err, SLAGG_E_USAGE, "empty output directory");
    char *p = slagg_strndup(dir, n);
    if (!p) return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    for (size_t i = 1; i <= n; i++) {
        if (p[i] != '/' && p[i] != '\0') continue;
        if (p[i - 1] == '/') continue;
        char c = p[i];
        p[i] = '\0';
        if (mkdir(p, 0777) != 0 && errno != EEXIST) {
            slagg_status st = slagg_err_set(err, SLAGG_E_IO, "%s: cannot create directory: %s",
                                            p, strerror(errno));
            slagg_free(p);
            return st;
        }
        p[i] = c;
    }
    slagg_free(p);
    struct stat sb;
    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return slagg_err_set(err, SLAGG_E_IO, "%s: not a directory", dir);
    return SLAGG_OK;
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

/* Background behaviour of one request (SPEC 2's classification table). */
static void background(gen_rng *r, gen_rec *out)
{
    uint64_t u = rng_below(r, 1000000);
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
        unsigned u = (unsigned)rng_below(r, 1000);
        switch (e->type) {
        case EV_OUTAGE:
        case EV_REGIONAL:
            if (u < e->p) {
                out->status = err5xx[u & 3];
                out->cause = u % 5 == 0 ? C_PROVIDER : C_NONE;
                return;
            }
            break;
        case EV_LOST:
            if (u < e->p) {
                /* mostly never reached the service, some 503 */
                out->status = u % 4 == 0 ? 503 : 0;
                out->cause = C_PROVIDER;
                return;
            }
            break;
        case EV_MAINT:
            /* plain 5xx / lost: excluded only through a notified window */
            if (u < e->p) {
                out->status = 503;
                out->cause = C_NONE;
                return;
            }
            if (u < e->p + 50) {
                out->status = 0;
                out->cause = C_PROVIDER;
                return;
            }
            break;
        case EV_ATTACK:
            if (u < e->p) {
                out->status = 429;
                out->cause = C_ATTACK;
                return;
            }
            if (u < e->p + 150) {
                out->status = 503;
                out->cause = C_ATTACK;
                return;
            }
            break;
        case EV_BAN:
            if (u < e->p) {
                out->status = 503;
                out->cause = C_CONTENT_BAN;
                return;
            }
            break;
        case EV_EXTERNAL:
            if (u < e->p) {
                out->status = 502;
                out->cause = C_EXTERNAL;
                return;
            }
            break;
        default:
            break;
        }
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
    if (o->files < 1 || o->files > SLAGG_GEN_MAX_FILES)
        return slagg_err_set(err, SLAGG_E_USAGE, "files must be 1..%u",
                             SLAGG_GEN_MAX_FILES);
    if (o->tz_offset_s <= -86400 || o->tz_offset_s >= 86400 || o->tz_offset_s % 60 != 0)
        return slagg_err_set(err, SLAGG_E_USAGE, "bad time zone offset");
    if (o->format != SLAGG_GEN_CSV && o->format != SLAGG_GEN_NDJSON)
        return slagg_err_set(err, SLAGG_E_USAGE, "bad format");
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
}

static void sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        (void)fsync(fd);   /* best effort: the files themselves are synced */
        close(fd);
    }
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

    uint64_t wtotal = 0;
    for (int64_t w = 0; w < f.windows; w++) wtotal += window_weight(&f, w);
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
        int64_t w0 = f.windows * (int64_t)i / o->files, w1 = f.windows * (int64_t)(i + 1) / o->files;
        if (st == SLAGG_OK)
            st = write_windows(&out, &f, o, &rng, tz, w0, w1, &cum, wtotal, &sc, &r0.records, err);
        if (st != SLAGG_OK) {
            out_discard(&out);
            break;
        }
        st = out_commit(&out, &acc, err);
    }
    slagg_free(sc.acct);
    slagg_free(sc.ms);
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
