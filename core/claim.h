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

#endif
