/*
 * claim.h - working days and the claim window (SLA "Claim window"; SPEC
 * section 2 "Claim window").
 *
 * Working days are Monday to Friday, minus dates marked holiday, plus dates
 * marked workday (make-up working days).
 */
#ifndef SLAGG_CORE_CLAIM_H
#define SLAGG_CORE_CLAIM_H

#include <stddef.h>
#include <stdint.h>

typedef struct slagg_workcal {
    const int64_t *holidays;  /* sorted ascending, no duplicates */
    size_t n_holidays;
    const int64_t *workdays;  /* sorted ascending, no duplicates */
    size_t n_workdays;
} slagg_workcal;

/* 1 when day is a working day under cal (cal may be NULL: Mon-Fri). */
int slagg_is_working_day(const slagg_workcal *cal, int64_t day);

/* The calendar day after the 5th working day of the month that follows the
 * month of period_start. */
int64_t slagg_claim_opens(const slagg_workcal *cal, int64_t period_start);

/* The last day of the second month after the month of period_start
 * (a March period: May 31). */
int64_t slagg_claim_deadline(int64_t period_start);

/* A period's claim window against a date (SPEC 5 `slagg ledger`). */
typedef enum slagg_claim_state {
    SLAGG_CLAIM_NOT_OPEN = 0,
    SLAGG_CLAIM_OPEN = 1,
    SLAGG_CLAIM_EXPIRED = 2,
    SLAGG_CLAIM_STATES = 3
} slagg_claim_state;

/* not_open before opens, expired after deadline, else open (both ends
 * inclusive); an in_progress period is not_open whatever the date. */
slagg_claim_state slagg_claim_state_at(int64_t opens, int64_t deadline, int in_progress, int64_t as_of);
/* "not_open", "open", "expired". */
const char *slagg_claim_state_name(slagg_claim_state s);

#endif
