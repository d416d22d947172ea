/*
 * fold_bench.c - the fold benchmark (issue 4): on the same shards, in one
 * run,
 *   (a) a decompress-only pass: every block's zstd payload decompressed,
 *       nothing decoded (the floor any fold over these shards pays);
 *   (b) the fold (slagg_fold_logs: the shard engine, outputs not written)
 *       with each kernel this CPU runs (SLAGG_FORCE_ISA);
 * and prints records/s, the ratio fold / decompress, peak RSS and the
 * kernel used. Not a test: figures go to bench/RESULTS.md.
 *
 * Usage: fold_bench --contracts FILE [--maintenance FILE] [--threads N]
 *                   [--repeat N] [--kernel NAME] SHARD...
 * --kernel folds with that kernel only (quicker runs while tuning).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>
#include <zstd.h>

#include "core/cpu.h"
#include "core/engine/fold.h"
#include "io/shard.h"
#include "io/tables.h"

typedef struct job {
    slagg_shard **shards;
    size_t n_shards;
    size_t *first;           /* first[s]: index of shard s's first block in the flat list */
    size_t n_blocks;
    atomic_size_t next;
    atomic_uint_fast64_t bytes_out;
    int fd_fail;
} job;

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void *decompress_worker(void *arg)
{
    job *j = arg;
    ZSTD_DCtx *dc = ZSTD_createDCtx();
    char *in = NULL, *out = NULL;
    size_t in_cap = 0, out_cap = 0;
    int fd = -1;
    size_t fd_shard = (size_t)-1;
    for (;;) {
        size_t i = atomic_fetch_add(&j->next, 1);
        if (i >= j->n_blocks) break;
        size_t s = 0;
        while (s + 1 < j->n_shards && j->first[s + 1] <= i) s++;
        const slagg_shard_block_info *b = slagg_shard_block_at(j->shards[s], i - j->first[s]);
        if (s != fd_shard) {
            if (fd >= 0) close(fd);
            fd = open(slagg_shard_path(j->shards[s]), O_RDONLY);
            fd_shard = s;
        }
        if (b->comp_size > in_cap) in = realloc(in, in_cap = b->comp_size);
        if (b->raw_size > out_cap) out = realloc(out, out_cap = b->raw_size);
        /* 1.0: one frame after a 48-byte header; 2.0: three frames after 100
         * bytes, which one call decompresses back to back */
        uint64_t head = slagg_shard_version_major(j->shards[s]) >= 2 ? SLAGG_SHARD_BLOCK2_HEADER : 48;
        if (fd < 0 || pread(fd, in, b->comp_size, (off_t)(b->offset + head)) != (ssize_t)b->comp_size) {
            j->fd_fail = 1;
            break;
        }
        size_t r = ZSTD_decompressDCtx(dc, out, out_cap, in, b->comp_size);
        if (ZSTD_isError(r)) {
            j->fd_fail = 1;
            break;
        }
        atomic_fetch_add(&j->bytes_out, r);
    }
    if (fd >= 0) close(fd);
    free(in);
    free(out);
    ZSTD_freeDCtx(dc);
    return NULL;
}

static long peak_rss_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

int main(int argc, char **argv)
{
    const char *contracts = NULL, *maint = NULL, *only = NULL;
    unsigned threads = (unsigned)sysconf(_SC_NPROCESSORS_ONLN);
    int repeat = 3;
    const char **inputs = calloc((size_t)argc, sizeof *inputs);
    size_t n_in = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--contracts") && i + 1 < argc) contracts = argv[++i];
        else if (!strcmp(argv[i], "--maintenance") && i + 1 < argc) maint = argv[++i];
        else if (!strcmp(argv[i], "--threads") && i + 1 < argc) threads = (unsigned)atoi(argv[++i]);
        else if (!strcmp(argv[i], "--repeat") && i + 1 < argc) repeat = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--kernel") && i + 1 < argc) only = argv[++i];
        else inputs[n_in++] = argv[i];
    }
    if (!contracts || !n_in || threads < 1 || repeat < 1) {
        fprintf(stderr, "usage: fold_bench --contracts FILE [--maintenance FILE] [--threads N] [--repeat N]\n"
                        "                  [--kernel NAME] SHARD...\n");
        return 1;
    }
    slagg_err err = {0};
    slagg_tables t = {0};
    if (slagg_load_contracts(&t, contracts, &err) || slagg_load_maintenance(&t, maint, &err)) {
        fprintf(stderr, "fold_bench: %s\n", err.msg);
        return 2;
    }

    /* (a) decompress only */
    job j;
    memset(&j, 0, sizeof j);
    j.shards = calloc(n_in, sizeof *j.shards);
    j.first = calloc(n_in + 1, sizeof *j.first);
    j.n_shards = n_in;
    uint64_t records = 0, comp = 0;
    for (size_t i = 0; i < n_in; i++) {
        if (slagg_shard_open(inputs[i], &j.shards[i], &err) != SLAGG_OK) {
            fprintf(stderr, "fold_bench: %s\n", err.msg);
            return 2;
        }
        j.first[i] = j.n_blocks;
        j.n_blocks += slagg_shard_block_count(j.shards[i]);
        records += slagg_shard_records(j.shards[i]);
        for (size_t b = 0; b < slagg_shard_block_count(j.shards[i]); b++)
            comp += slagg_shard_block_at(j.shards[i], b)->comp_size;
    }
    double best_dec = 1e30;
    uint64_t raw = 0;
    for (int r = 0; r < repeat; r++) {
        pthread_t tid[256];
        unsigned nt = threads > 256 ? 256 : threads;
        atomic_store(&j.next, 0);
        atomic_store(&j.bytes_out, 0);
        double t0 = now();
        for (unsigned k = 0; k < nt; k++) pthread_create(&tid[k], NULL, decompress_worker, &j);
        for (unsigned k = 0; k < nt; k++) pthread_join(tid[k], NULL);
        double dt = now() - t0;
        if (j.fd_fail) {
            fprintf(stderr, "fold_bench: reading a block failed\n");
            return 3;
        }
        raw = atomic_load(&j.bytes_out);
        if (dt < best_dec) best_dec = dt;
    }
    for (size_t i = 0; i < n_in; i++) slagg_shard_close(j.shards[i]);

    printf("shards: %zu files, %zu blocks, %llu records, %.1f MB compressed (%.2f bytes/record), %.1f MB raw\n",
           n_in, j.n_blocks, (unsigned long long)records, comp / 1e6, records ? (double)comp / (double)records : 0.0,
           raw / 1e6);
    printf("threads: %u\n", threads);
    printf("%-22s %10s %14s %12s\n", "pass", "seconds", "records/s", "vs decomp.");
    printf("%-22s %10.3f %14.0f %12s\n", "decompress only", best_dec, (double)records / best_dec, "1.00");

    /* (b) the fold with each kernel */
    int nk;
    const slagg_kernel *ks = slagg_kernels_all(&nk);
    const slagg_kernel *chosen;
    if (slagg_kernel_pick(getenv("SLAGG_FORCE_ISA"), &chosen, &err) != SLAGG_OK) {
        fprintf(stderr, "fold_bench: %s\n", err.msg);
        return 1;
    }
    const char *forced = getenv("SLAGG_FORCE_ISA");
    char *keep = forced ? strdup(forced) : NULL;
    for (int k = 0; k < nk; k++) {
        if (only && strcmp(only, ks[k].name) != 0) continue;
        if (!slagg_kernel_supported(&ks[k])) {
            printf("%-22s %10s\n", ks[k].name, "(not on this CPU)");
            continue;
        }
        setenv("SLAGG_FORCE_ISA", ks[k].name, 1);
        double best = 1e30;
        for (int r = 0; r < repeat; r++) {
            slagg_fold_opts o = {0};
            o.tz_s = 8 * 3600;
            o.threads = threads;
            o.isa = ks[k].name;   /* the job's option; the library reads no environment */
            slagg_fleet f;
            slagg_rejects rej;
            double t0 = now();
            if (slagg_fold_logs(&t, inputs, n_in, &o, &f, &rej, &err) != SLAGG_OK) {
                fprintf(stderr, "fold_bench: %s\n", err.msg);
                return 2;
            }
            double dt = now() - t0;
            if (f.records_read != records) {
                fprintf(stderr, "fold_bench: folded %llu records, shards hold %llu\n",
                        (unsigned long long)f.records_read, (unsigned long long)records);
                return 3;
            }
            slagg_fleet_free(&f);
            slagg_rejects_free(&rej);
            if (dt < best) best = dt;
        }
        char label[40];
        snprintf(label, sizeof label, "fold (%s)%s", ks[k].name, &ks[k] == chosen ? " *" : "");
        printf("%-22s %10.3f %14.0f %12.2f\n", label, best, (double)records / best, best / best_dec);
    }
    if (keep) setenv("SLAGG_FORCE_ISA", keep, 1);
    else unsetenv("SLAGG_FORCE_ISA");
    free(keep);
    printf("kernel chosen at run time: %s (* above)\n", chosen->name);
    printf("peak RSS: %.1f MiB\n", peak_rss_kb() / 1024.0);
    slagg_tables_free(&t);
    free(inputs);
    free(j.shards);
    free(j.first);
    return 0;
}
