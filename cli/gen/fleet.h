/*
 * fleet.h - the design of a generated fleet (fleet.c): its accounts, their
 * contracts, fees and sizes, and the events of the month (incidents,
 * maintenance, attacks, the regional outage) that put accounts into each
 * credit tier. It depends on the seed, the account count and the month
 * only (opts.h), and is shared read-only by every writer: the tables
 * (tables.c), the text logs (text_writer.c) and the shards (shard_out.c).
 */
#ifndef SLAGG_GEN_FLEET_H
#define SLAGG_GEN_FLEET_H

#include <stddef.h>
#include <stdint.h>

#include "cli/gen/opts.h"
#include "core/error.h"
#include "slagg/shard.h"

/* incidents (<= 252: 2 + 50 + 200) + the fixed events, with room */
#define SLAGG_GEN_MAX_EVENTS 300

enum contract_kind { K_FULL, K_OPEN, K_MID_START, K_MID_END, K_GAP, K_NONE };

/* The causes a generated record carries: the shard format's own values
 * (SPEC 2, classification), so a cause goes into a shard record as is. */
enum cause {
    C_NONE = SLAGG_CAUSE_NONE,
    C_PROVIDER = SLAGG_CAUSE_PROVIDER,
    C_MAINTENANCE = SLAGG_CAUSE_MAINTENANCE,
    C_ATTACK = SLAGG_CAUSE_ATTACK,
    C_CONTENT_BAN = SLAGG_CAUSE_CONTENT_BAN,
    C_EXTERNAL = SLAGG_CAUSE_EXTERNAL,
    C_CLIENT = SLAGG_CAUSE_CLIENT
};

enum ev_type { EV_OUTAGE, EV_LOST, EV_MAINT, EV_ATTACK, EV_BAN, EV_EXTERNAL, EV_REGIONAL };

#define EV_ALL (-1)       /* an event's account: every account */
#define EV_REGION0 (-2)   /* an event's account: the accounts of region 0 */

typedef struct slagg_gen_event {
    int64_t w0, w1;     /* month window indices, [w0, w1) */
    int64_t account;    /* account index, EV_ALL or EV_REGION0 */
    unsigned type;      /* enum ev_type */
    unsigned p;         /* per mille of the account's requests affected */
    unsigned force;     /* records given to the account per window */
} slagg_gen_event;

typedef struct slagg_gen_account {
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
} slagg_gen_account;

typedef struct slagg_gen_fleet {
    uint32_t n;
    int64_t first, last;       /* days of the month */
    unsigned days;
    int64_t windows;           /* 288 x days */
    slagg_gen_account *acc;
    uint64_t *cum;             /* cumulative Zipf weights, n entries */
    slagg_gen_event *ev;
    size_t n_ev;
    /* maintenance windows, for maintenance.csv */
    int64_t maint_all_w0, maint_scoped_w0, maint_late_w0;
    int64_t maint_scoped_acct, maint_late_acct;
    uint32_t designed[4];
    uint32_t uncontracted, no_fee_periods;
} slagg_gen_fleet;

/* Designs the fleet of o (o->seed, o->accounts, o->year and o->month
 * only; o already checked). SLAGG_E_NOMEM with err set; on success the
 * caller frees it with slagg_gen_fleet_free. */
slagg_status slagg_gen_fleet_design(slagg_gen_fleet *f, const slagg_gen_opts *o, slagg_err *err);
void slagg_gen_fleet_free(slagg_gen_fleet *f);

/* Writes the digits of account i's name ("acct-00042": at least five,
 * zero-padded) at name + 5, after the "acct-" the caller put there, and
 * returns the name's length. Computed rather than loaded where the shard
 * writer needs it: consecutive accounts of a chunk are far apart in
 * memory. */
static inline size_t slagg_gen_name_digits(char *name, uint32_t i)
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

#endif
