/*
 * fold_example.c - the nightly fold through the installed public API
 * only (<slagg/slagg.h>, <slagg/fold.h>); docs/DESIGN.md "The job API".
 *
 *   cc fold_example.c $(pkg-config --cflags --libs slagg) -o fold_example
 *   ./fold_example OUT CONTRACTS FEES MAINTENANCE HOLIDAYS INPUT...
 *
 * Writes into OUT what `slagg fold --out OUT --contracts CONTRACTS --fees
 * FEES --maintenance MAINTENANCE --holidays HOLIDAYS INPUT...` writes (a
 * table given as "-" is left out), and prints a short report.
 */
#include <stdio.h>
#include <string.h>

#include <slagg/fold.h>
#include <slagg/slagg.h>

static int fail(slagg_fold *job, slagg_status st)
{
    fprintf(stderr, "fold_example: %s\n", slagg_fold_error(job));
    slagg_fold_free(job);
    return slagg_status_exit_code(st);
}

int main(int argc, char **argv)
{
    if (argc < 7) {
        fprintf(stderr, "usage: fold_example OUT CONTRACTS FEES MAINTENANCE HOLIDAYS INPUT...\n");
        return 1;
    }
    const char *out = argv[1];
    slagg_fold *job = slagg_fold_new();
    slagg_status st;
    if (!job) {
        fprintf(stderr, "fold_example: out of memory\n");
        return 3;
    }
    for (int k = 0; k < SLAGG_N_TABLES; k++) {
        const char *path = argv[2 + k];
        if (strcmp(path, "-") != 0 && (st = slagg_fold_set_table(job, (slagg_table)k, path)) != SLAGG_OK)
            return fail(job, st);
    }
    for (int i = 6; i < argc; i++)
        if ((st = slagg_fold_add_input(job, argv[i])) != SLAGG_OK) return fail(job, st);
    /* the lock before anything is read, held until the commit (SPEC 4) */
    if ((st = slagg_fold_lock(job, out, 1, NULL)) != SLAGG_OK) return fail(job, st);
    st = slagg_fold_run(job);
    for (size_t i = 0; i < slagg_fold_warning_count(job); i++) {
        slagg_warning_kind kind;
        const char *detail;
        size_t len;
        slagg_fold_warning(job, i, &kind, &detail, &len);
        fprintf(stderr, "fold_example: warning: %s: %.*s\n", slagg_warning_kind_name(kind), (int)len, detail);
    }
    if (st != SLAGG_OK || (st = slagg_fold_write(job, out)) != SLAGG_OK) return fail(job, st);
    slagg_fold_result r;
    slagg_fold_get_result(job, &r);
    printf("fold_example (libslagg %s): %llu records from %llu inputs, through %s\n", slagg_version(),
           (unsigned long long)r.records_read, (unsigned long long)r.inputs, r.through);
    printf("  periods %llu, total credit %s CNY, wrote %s\n", (unsigned long long)r.periods, r.total_credit, out);
    slagg_fold_free(job);
    return 0;
}
