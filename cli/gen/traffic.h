/*
 * traffic.h - what the records of a fleet look like (traffic.c): how many
 * fall in each 5-minute window of the month, which account sends each,
 * and the status and cause each gets from the background and from the
 * events of the fleet's design (fleet.h). The text logs (text_writer.c)
 * and the shards (shard_out.c) both draw their records from it.
 */
#ifndef SLAGG_GEN_TRAFFIC_H
#define SLAGG_GEN_TRAFFIC_H

#include <stddef.h>
#include <stdint.h>

#include "cli/gen/fleet.h"
#include "cli/gen/rng.h"

/* The status and cause (enum cause) of one generated request. */
typedef struct slagg_gen_rec {
    unsigned status;
    unsigned cause;
} slagg_gen_rec;

/* Traffic weight of window w of the month: the daily curve in service
 * time, weekends at 60 %. The month's records are spread over the windows
 * by these weights (slagg_gen_records_before). */
uint64_t slagg_gen_window_weight(const slagg_gen_fleet *f, int64_t w);

/* Records before a window whose cumulative weight is c, of a month of
 * wtotal holding `records` in all: the floor of the cumulative share, so
 * the windows add up to exactly `records` (and c = wtotal gives it). */
static inline uint64_t slagg_gen_records_before(uint64_t records, uint64_t c, uint64_t wtotal)
{
    const uint64_t q = records / wtotal, rem = records % wtotal;
    return q * c + rem * c / wtotal;
}

/* Background behaviour of a request drawn as u in [0, 1000000) (SPEC 2's
 * classification table): mostly 2xx, a little of every error and cause. */
void slagg_gen_background(uint64_t u, slagg_gen_rec *out);

/* What event e does to a request drawn as u in [0, 1000): 1 when it
 * decides the request (out set), 0 when it spares it. */
int slagg_gen_event_hit(const slagg_gen_event *e, unsigned u, slagg_gen_rec *out);

/* Whether event e concerns account a (its own, the whole fleet, or a's
 * region). The time is the caller's to check. */
static inline int slagg_gen_event_applies(const slagg_gen_fleet *f, const slagg_gen_event *e,
                                          uint32_t a)
{
    return e->account >= 0 ? e->account == (int64_t)a
                           : e->account != EV_REGION0 || f->acc[a].region == 0;
}

/* Status and cause of a request of account a in a window where the events
 * act[0..nact) run. The first event that concerns the account decides;
 * requests it spares behave as in the background. */
void slagg_gen_decide(slagg_gen_rng *r, const slagg_gen_fleet *f, const slagg_gen_event *const *act,
                      size_t nact, uint32_t a, slagg_gen_rec *out);

/* An account drawn by size; redrawn (a few times) while day is outside the
 * account's contract days, so mid-month contracts start and stop cleanly. */
uint32_t slagg_gen_draw_account(slagg_gen_rng *r, const slagg_gen_fleet *f, int64_t day);

#endif
