/*
 * maint.h - "is this instant inside a notified maintenance window for this
 * account?" (SPEC section 2, classification table; section 3, maintenance
 * windows).
 *
 * Built once from the maintenance table: late-notified windows (notice_at
 * after start) are left out, since they exclude nothing. Windows scoped
 * "*" apply to every account. Each list is sorted and merged into disjoint
 * [start, end) intervals, so a lookup is two binary searches. Read-only
 * after building: safe to query from many threads.
 */
#ifndef SLAGG_CORE_MAINT_H
#define SLAGG_CORE_MAINT_H

#include <stddef.h>
#include <stdint.h>

#include "core/dict.h"
#include "core/error.h"
#include "core/tables.h"

typedef struct slagg_maint_index slagg_maint_index;

/* Accounts are resolved through accounts (scopes naming no known account
 * are ignored: their records are uncontracted anyway). */
slagg_status slagg_maint_build(const slagg_tables *t, const slagg_dict *accounts,
                               slagg_maint_index **out, slagg_err *err);
/* 1 when ts_ms lies in a notified window for account id (or a "*" one). */
int slagg_maint_contains(const slagg_maint_index *m, uint32_t account, int64_t ts_ms);
void slagg_maint_free(slagg_maint_index *m);

#endif
