/*
 * classify.h - the SLA's classification table for one request record
 * (SPEC section 2, "Classifying one request record").
 *
 * A record's cause is parsed once into a slagg_cause; slagg_classify then
 * maps (status, cause, inside a notified maintenance window) to exactly one
 * slagg_class. Which classes count as valid and as error is fixed here and
 * nowhere else.
 */
#ifndef SLAGG_CORE_CLASSIFY_H
#define SLAGG_CORE_CLASSIFY_H

#include <stddef.h>
#include <stdint.h>

#include "slagg/shard.h"

/* slagg_cause is public (slagg/shard.h): its values are stored in shards. */

/* Parses an allowed cause ("" included). Returns 0, or -1 for an unknown one. */
int slagg_cause_parse(const char *s, size_t n, slagg_cause *out);
const char *slagg_cause_name(slagg_cause c);

/* One count per class; every record that is not rejected, after_through or
 * uncontracted lands in exactly one. */
typedef enum slagg_class {
    SLAGG_CLASS_OK = 0,            /* 1xx-4xx: valid */
    SLAGG_CLASS_ERROR,             /* 5xx, cause empty/provider, no maintenance: valid + error */
    SLAGG_CLASS_LOST,              /* status 0, cause provider: valid + error */
    SLAGG_CLASS_NOT_RECEIVED,      /* status 0, other causes: ignored, counted */
    SLAGG_CLASS_EXCL_MAINTENANCE,  /* 5xx excluded as maintenance (cause or window): valid */
    SLAGG_CLASS_EXCL_ATTACK,       /* 5xx cause attack: valid */
    SLAGG_CLASS_EXCL_CONTENT_BAN,  /* 5xx cause content_ban: valid */
    SLAGG_CLASS_EXCL_EXTERNAL,     /* 5xx cause external: valid */
    SLAGG_CLASS_EXCL_CLIENT,       /* 5xx cause client: valid */
    SLAGG_CLASS_EXCL_MAINT_LOST,   /* status 0 provider inside maintenance: excluded, NOT valid */
    SLAGG_CLASS_COUNT
} slagg_class;

/* True for the HTTP statuses a record may carry: 0 or 100-599 (not a
 * slagg_status, the library's error codes). */
static inline int slagg_http_status_allowed(int status)
{
    return status == 0 || (status >= 100 && status <= 599);
}

/* Precondition: slagg_http_status_allowed(status). in_maintenance: the record's
 * instant lies in a notified maintenance window scoped to its account. */
static inline slagg_class slagg_classify(int status, slagg_cause cause, int in_maintenance)
{
    if (status >= 100 && status <= 499) return SLAGG_CLASS_OK;
    if (status >= 500) {
        switch (cause) {
        case SLAGG_CAUSE_MAINTENANCE: return SLAGG_CLASS_EXCL_MAINTENANCE;
        case SLAGG_CAUSE_ATTACK: return SLAGG_CLASS_EXCL_ATTACK;
        case SLAGG_CAUSE_CONTENT_BAN: return SLAGG_CLASS_EXCL_CONTENT_BAN;
        case SLAGG_CAUSE_EXTERNAL: return SLAGG_CLASS_EXCL_EXTERNAL;
        case SLAGG_CAUSE_CLIENT: return SLAGG_CLASS_EXCL_CLIENT;
        default:
            return in_maintenance ? SLAGG_CLASS_EXCL_MAINTENANCE : SLAGG_CLASS_ERROR;
        }
    }
    /* status 0: never reached the service */
    if (cause == SLAGG_CAUSE_PROVIDER)
        return in_maintenance ? SLAGG_CLASS_EXCL_MAINT_LOST : SLAGG_CLASS_LOST;
    return SLAGG_CLASS_NOT_RECEIVED;
}

/* The code of a (status, cause) pair in the engines' per-pair tables when
 * its class depends on the record's instant: the caller then asks the
 * maintenance index and calls slagg_classify. Not a slagg_class. */
#define SLAGG_CLASS_BY_MAINT 0xffu

/* 1 when the class of (status, cause) depends on the record lying in a
 * notified maintenance window (SPEC 2, the classification table: a 5xx
 * with an empty or `provider` cause, a status 0 with `provider`; a
 * record's own cause takes precedence over a window). Derived from
 * slagg_classify, so the rule is written once, here.
 * Precondition: slagg_http_status_allowed(status). */
static inline int slagg_class_maint_dependent(int status, slagg_cause cause)
{
    return slagg_classify(status, cause, 0) != slagg_classify(status, cause, 1);
}

/* The class of (status, cause) as far as it is known without the
 * instant: a slagg_class, or SLAGG_CLASS_BY_MAINT. What the shard engine's
 * per-pair table holds and the flat kernel (core/kernels/fold.h) reads.
 * Precondition: slagg_http_status_allowed(status). */
static inline unsigned slagg_class_of_pair(int status, slagg_cause cause)
{
    return slagg_class_maint_dependent(status, cause) ? SLAGG_CLASS_BY_MAINT
                                                      : (unsigned)slagg_classify(status, cause, 0);
}

/* Valid requests: received by the service (SPEC "Valid request"). */
static inline int slagg_class_is_valid(slagg_class c)
{
    return c != SLAGG_CLASS_NOT_RECEIVED && c != SLAGG_CLASS_EXCL_MAINT_LOST;
}
static inline int slagg_class_is_error(slagg_class c)
{
    return c == SLAGG_CLASS_ERROR || c == SLAGG_CLASS_LOST;
}
static inline int slagg_class_is_excluded(slagg_class c)
{
    return c >= SLAGG_CLASS_EXCL_MAINTENANCE;
}

#endif
