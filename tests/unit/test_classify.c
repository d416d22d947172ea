/*
 * test_classify.c - which (status, cause) pairs depend on a maintenance
 * window (core/classify.h slagg_class_maint_dependent, slagg_class_of_pair),
 * against SPEC 2's classification table written out by hand.
 */
#include <criterion/criterion.h>

#include "core/classify.h"

/* SPEC 2: "500-599 | inside a declared maintenance window" applies to the
 * rows without a cause of their own (empty or `provider`: a record's own
 * cause takes precedence), and "0 | `provider`, inside a declared
 * maintenance window"; every other allowed pair ignores the windows. */
static int spec_dependent(int s, slagg_cause c)
{
    if (s >= 500 && s <= 599) return c == SLAGG_CAUSE_NONE || c == SLAGG_CAUSE_PROVIDER;
    if (s == 0) return c == SLAGG_CAUSE_PROVIDER;
    return 0;
}

Test(classify, maintenance_dependence_follows_the_spec_table)
{
    int dependent = 0;
    for (int s = 0; s <= 599; s++) {
        if (!slagg_http_status_allowed(s)) continue;
        for (int c = 0; c < SLAGG_CAUSE_COUNT; c++) {
            int want = spec_dependent(s, (slagg_cause)c);
            cr_assert_eq(slagg_class_maint_dependent(s, (slagg_cause)c), want, "status %d cause %d", s, c);
            dependent += want;
        }
    }
    cr_assert_eq(dependent, 100 * 2 + 1, "503-like statuses x 2 causes, and 0 provider");
}

Test(classify, class_of_pair_by_hand)
{
    cr_assert_eq(slagg_class_of_pair(200, SLAGG_CAUSE_PROVIDER), SLAGG_CLASS_OK);
    cr_assert_eq(slagg_class_of_pair(499, SLAGG_CAUSE_NONE), SLAGG_CLASS_OK);
    cr_assert_eq(slagg_class_of_pair(503, SLAGG_CAUSE_NONE), SLAGG_CLASS_BY_MAINT);
    cr_assert_eq(slagg_class_of_pair(500, SLAGG_CAUSE_PROVIDER), SLAGG_CLASS_BY_MAINT);
    cr_assert_eq(slagg_class_of_pair(599, SLAGG_CAUSE_ATTACK), SLAGG_CLASS_EXCL_ATTACK);
    cr_assert_eq(slagg_class_of_pair(502, SLAGG_CAUSE_MAINTENANCE), SLAGG_CLASS_EXCL_MAINTENANCE);
    cr_assert_eq(slagg_class_of_pair(504, SLAGG_CAUSE_CLIENT), SLAGG_CLASS_EXCL_CLIENT);
    cr_assert_eq(slagg_class_of_pair(0, SLAGG_CAUSE_PROVIDER), SLAGG_CLASS_BY_MAINT);
    cr_assert_eq(slagg_class_of_pair(0, SLAGG_CAUSE_NONE), SLAGG_CLASS_NOT_RECEIVED);
    cr_assert_eq(slagg_class_of_pair(0, SLAGG_CAUSE_EXTERNAL), SLAGG_CLASS_NOT_RECEIVED);
    /* and what the maintenance lookup then gives */
    cr_assert_eq(slagg_classify(503, SLAGG_CAUSE_NONE, 0), SLAGG_CLASS_ERROR);
    cr_assert_eq(slagg_classify(503, SLAGG_CAUSE_NONE, 1), SLAGG_CLASS_EXCL_MAINTENANCE);
    cr_assert_eq(slagg_classify(0, SLAGG_CAUSE_PROVIDER, 0), SLAGG_CLASS_LOST);
    cr_assert_eq(slagg_classify(0, SLAGG_CAUSE_PROVIDER, 1), SLAGG_CLASS_EXCL_MAINT_LOST);
}
