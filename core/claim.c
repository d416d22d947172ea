/*
 * claim.c - working days and the claim window (SLA "Claim window"; SPEC
 * section 2 "Claim window").
 */
#include "core/claim.h"

#include "core/calendar.h"

static int contains(const int64_t *a, size_t n, int64_t day)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (a[mid] == day) return 1;
        if (a[mid] < day) lo = mid + 1;
        else hi = mid;
    }
    return 0;
}

/* SPEC: "Monday to Friday, minus dates marked holiday, plus dates marked
 * workday", applied in that order: a date listed as both (the holidays
 * loader should refuse it) ends up a working day. */
int slagg_is_working_day(const slagg_workcal *cal, int64_t day)
{
    if (cal && contains(cal->workdays, cal->n_workdays, day)) return 1;
    if (slagg_weekday(day) >= 5) return 0;
    if (cal && contains(cal->holidays, cal->n_holidays, day)) return 0;
    return 1;
}

/* Walks the month after period_start's month day by day to its 5th working
 * day. A month always has at least 20 weekdays, so only a holidays file that
 * blanks out whole weeks makes the walk run on into later months; it still
 * ends, because the holiday list is finite. */
int64_t slagg_claim_opens(const slagg_workcal *cal, int64_t period_start)
{
    int64_t day = slagg_month_add(period_start, 1);
    int seen = 0;
    for (;; day++) {
        if (slagg_is_working_day(cal, day) && ++seen == 5) return day + 1;
    }
}

/* "No later than two months after the end of the period's month": the last
 * day of the second month after it (March -> May 31, November -> Jan 31). */
int64_t slagg_claim_deadline(int64_t period_start)
{
    return slagg_month_last(slagg_month_add(period_start, 2));
}

/* SPEC 5: "before claim_opens not_open, after claim_deadline expired, else
 * open; in_progress periods are not_open". claim_opens is the first day a
 * claim may be filed ("after the 5th working day") and claim_deadline the
 * last ("no later than"), so both days themselves are open. An in_progress
 * period has no final availability, hence nothing to claim yet. */
slagg_claim_state slagg_claim_state_at(int64_t opens, int64_t deadline, int in_progress, int64_t as_of)
{
    if (in_progress || as_of < opens) return SLAGG_CLAIM_NOT_OPEN;
    if (as_of > deadline) return SLAGG_CLAIM_EXPIRED;
    return SLAGG_CLAIM_OPEN;
}

const char *slagg_claim_state_name(slagg_claim_state s)
{
    switch (s) {
    case SLAGG_CLAIM_NOT_OPEN: return "not_open";
    case SLAGG_CLAIM_OPEN: return "open";
    case SLAGG_CLAIM_EXPIRED: return "expired";
    default: return "?";
    }
}
