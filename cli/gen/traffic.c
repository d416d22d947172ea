/*
 * traffic.c - the behaviour of a generated fleet's requests (traffic.h):
 * the daily traffic curve, the background mix of statuses and causes, and
 * what each kind of event does to the requests it touches (SPEC 1, "error
 * request"; SPEC 2, classification; SPEC 3, maintenance).
 */
#include "cli/gen/traffic.h"

#include "core/calendar.h"

/* Daily traffic curve, per mille of the peak, by service-time hour. */
static const unsigned hour_curve[24] = {
    300, 220, 170, 150, 150, 200, 320, 500, 750, 920, 1000, 980,
    850, 900, 980, 1000, 950, 850, 720, 680, 700, 650, 520, 400
};

uint64_t slagg_gen_window_weight(const slagg_gen_fleet *f, int64_t w)
{
    int64_t day = f->first + w / SLAGG_WINDOWS_PER_DAY;
    unsigned k = (unsigned)(w % SLAGG_WINDOWS_PER_DAY), h = k / 12, j = k % 12;
    uint64_t base = (uint64_t)hour_curve[h] * (12 - j) + (uint64_t)hour_curve[(h + 1) % 24] * j;
    return base * (slagg_weekday(day) >= 5 ? 6 : 10);
}

static const unsigned err5xx[4] = {500, 502, 503, 504};

/* The thresholds are per million: 0.02 % 5xx errors, 0.005 % lost to the
 * provider, 0.1 % never received, a trickle of 5xx with each exclusion
 * cause; the remaining 99.85 % by u % 4000 alone (status by u % 1000, a
 * client cause by u / 1000 % 4), which the shard writer tabulates
 * (shard_out.c). */
void slagg_gen_background(uint64_t u, slagg_gen_rec *out)
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

/* Outages fail u < p with 5xx (a fifth blamed on the provider); lost
 * requests mostly never reach the service; maintenance fails with plain 503s,
 * excluded only through a notified window; attacks, bans and upstream
 * failures carry their exclusion cause. */
int slagg_gen_event_hit(const slagg_gen_event *e, unsigned u, slagg_gen_rec *out)
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

void slagg_gen_decide(slagg_gen_rng *r, const slagg_gen_fleet *f, const slagg_gen_event *const *act,
                      size_t nact, uint32_t a, slagg_gen_rec *out)
{
    for (size_t k = 0; k < nact; k++) {
        const slagg_gen_event *e = act[k];
        if (!slagg_gen_event_applies(f, e, a)) continue;
        if (slagg_gen_event_hit(e, (unsigned)slagg_gen_rng_below(r, 1000), out)) return;
        break;
    }
    slagg_gen_background(slagg_gen_rng_below(r, 1000000), out);
}

/* A binary search of the cumulative Zipf weights; 16 tries at most, so a
 * day no account is under contract on still ends. */
uint32_t slagg_gen_draw_account(slagg_gen_rng *r, const slagg_gen_fleet *f, int64_t day)
{
    uint64_t total = f->cum[f->n - 1];
    uint32_t a = 0;
    for (int tries = 0; tries < 16; tries++) {
        uint64_t x = slagg_gen_rng_below(r, total);
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
