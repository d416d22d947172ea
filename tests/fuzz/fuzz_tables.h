/*
 * fuzz_tables.h - the body shared by the four table targets (contracts,
 * fees, maintenance, holidays: io/tables.h). Each loads the input as its
 * table and checks what tables.h promises about what it keeps; a failed
 * load must be an input error naming the file.
 */
#ifndef SLAGG_TESTS_FUZZ_TABLES_H
#define SLAGG_TESTS_FUZZ_TABLES_H

#include "fuzz_common.h"

#include "core/money.h"
#include "io/records.h"
#include "io/tables.h"

typedef slagg_status (*fuzz_loader)(slagg_tables *, const char *, slagg_err *);

static void fuzz_tables_check(const slagg_tables *t)
{
    for (size_t i = 0; i < t->n_contracts; i++) {
        const slagg_contract_in *c = &t->contracts[i];
        FUZZ_CHECK(slagg_account_check(c->account, c->account_len) == NULL);
        FUZZ_CHECK(c->start <= c->end);
        FUZZ_CHECK(c->line >= 2);
    }
    for (size_t i = 0; i < t->n_fees; i++) {
        const slagg_fee_in *f = &t->fees[i];
        FUZZ_CHECK(slagg_account_check(f->account, f->account_len) == NULL);
        FUZZ_CHECK(f->voucher_paid >= 0 && f->voucher_paid <= f->fee);
        FUZZ_CHECK(f->fee <= SLAGG_MONEY_MAX_FEN);
        FUZZ_CHECK(f->line >= 2);
    }
    for (size_t i = 0; i < t->n_maint; i++) {
        const slagg_maint_in *m = &t->maint[i];
        FUZZ_CHECK(m->start_ms < m->end_ms);
        FUZZ_CHECK(m->all || slagg_account_check(m->scope, m->scope_len) == NULL);
        FUZZ_CHECK(m->raw_start && m->raw_end && m->raw_notice);
    }
    for (size_t i = 1; i < t->n_holidays; i++) FUZZ_CHECK(t->holidays[i - 1] < t->holidays[i]);
    for (size_t i = 1; i < t->n_workdays; i++) FUZZ_CHECK(t->workdays[i - 1] < t->workdays[i]);
}

static int fuzz_table(fuzz_loader load, const uint8_t *data, size_t size)
{
    const char *path = fuzz_file(data, size);
    slagg_tables t;
    slagg_err err;
    memset(&t, 0, sizeof t);
    memset(&err, 0, sizeof err);
    if (load(&t, path, &err) == SLAGG_OK) {
        fuzz_tables_check(&t);
    } else {
        fuzz_check_error(&err, path);
        /* "PATH:LINE: reason" or "PATH: reason" */
        FUZZ_CHECK(strncmp(err.msg, path, strlen(path)) == 0 || err.code == SLAGG_E_NOMEM);
    }
    slagg_tables_free(&t);
    return 0;
}

#endif
