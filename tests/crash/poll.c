/*
 * poll.c - the loader of docs/RELIABILITY.md "The loader protocol", as a
 * checker for `./run crash` (tests/crash/crash.sh).
 *
 *   crash_poll --once DIR
 *       DIR/current names a generation folder whose files all match its
 *       manifest.json (size and SHA-256), and each DIR/NAME shows that
 *       generation's file. Exit 0, or 1 naming what is wrong.
 *
 *   crash_poll --reads N --until FILE DIR
 *       reads DIR again and again, each time through one resolution of
 *       DIR/current (open it as a directory, then openat every file),
 *       checking every file against the manifest read the same way, until
 *       it has done N reads and FILE exists. A read whose files do not all
 *       match its manifest is a mixed snapshot (must be 0). A read that
 *       finds a file gone (ENOENT: the generation was replaced and removed
 *       while it read) is retried, as the protocol says. Also reads
 *       DIR/manifest.json and DIR/finance.csv by name, one after the
 *       other, and counts how often they belong to different generations
 *       (allowed: that is why a loader resolves DIR/current once). Prints
 *       the counts; exit 1 when a snapshot was mixed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/sha256.h"

typedef struct buf {
    char *p;
    size_t n, cap;
} buf;

/* Reads the file name in dfd (AT_FDCWD for a path) into b. Returns 0 or errno. */
static int read_at(int dfd, const char *name, buf *b)
{
    b->n = 0;
    int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return errno;
    for (;;) {
        if (b->cap - b->n < 65536) {
            size_t nc = b->cap ? b->cap * 2 : 1 << 20;
            char *q = realloc(b->p, nc);
            if (!q) {
                close(fd);
                return ENOMEM;
            }
            b->p = q;
            b->cap = nc;
        }
        ssize_t r = read(fd, b->p + b->n, b->cap - b->n - 1);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            int e = errno;
            close(fd);
            return e;
        }
        if (r == 0) break;
        b->n += (size_t)r;
    }
    close(fd);
    b->p[b->n] = '\0';
    return 0;
}

typedef struct entry {
    char name[64];
    long long size;
    char sha[65];
} entry;

/* The files list of a manifest. Returns the count, or -1 when unparsable. */
static int parse_manifest(const char *m, entry *out, int max)
{
    const char *p = strstr(m, "\"files\": [");
    int n = 0;
    if (!p) return -1;
    while ((p = strstr(p, "{\"name\": \"")) != NULL) {
        if (n == max) return -1;
        if (sscanf(p, "{\"name\": \"%63[^\"]\", \"size\": %lld, \"sha256\": \"%64[0-9a-f]\"}", out[n].name,
                   &out[n].size, out[n].sha) != 3)
            return -1;
        n++;
        p++;
    }
    return n;
}

static void hex_of(const buf *b, char out[65])
{
    unsigned char d[SLAGG_SHA256_LEN];
    slagg_sha256(b->p, b->n, d);
    slagg_sha256_hex(d, out);
}

enum { READ_OK, READ_RETRY, READ_MIXED };

/* One read of DIR through one resolution of DIR/current. why gets the
 * reason of a mixed read. */
static int read_generation(const char *dir, buf *man, buf *file, char *why, size_t wn)
{
    char cur[4096];
    snprintf(cur, sizeof cur, "%s/current", dir);
    int g = open(cur, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (g < 0) return READ_RETRY;
    int e = read_at(g, "manifest.json", man);
    if (e) {
        close(g);
        if (e == ENOENT) return READ_RETRY;
        snprintf(why, wn, "manifest.json: %s", strerror(e));
        return READ_MIXED;
    }
    entry ents[8];
    int ne = parse_manifest(man->p, ents, 8);
    if (ne < 4) {
        close(g);
        snprintf(why, wn, "manifest.json lists %d files:\n%s", ne, man->p);
        return READ_MIXED;
    }
    for (int i = 0; i < ne; i++) {
        e = read_at(g, ents[i].name, file);
        if (e == ENOENT) {
            close(g);
            return READ_RETRY;
        }
        char hex[65];
        if (!e) hex_of(file, hex);
        if (e || (long long)file->n != ents[i].size || strcmp(hex, ents[i].sha) != 0) {
            snprintf(why, wn, "%.63s: %zu bytes, sha256 %.64s; its manifest says %lld bytes, %.64s", ents[i].name,
                     file->n, e ? strerror(e) : hex, ents[i].size, ents[i].sha);
            close(g);
            return READ_MIXED;
        }
    }
    close(g);
    return READ_OK;
}

/* --once: the generation, and DIR/NAME against it (no writer running). */
static int once(const char *dir)
{
    buf man = {0}, f = {0}, g = {0};
    char why[512] = "";
    int r = read_generation(dir, &man, &f, why, sizeof why);
    if (r != READ_OK) {
        fprintf(stderr, "crash_poll: %s: %s\n", dir, r == READ_RETRY ? "no whole generation (DIR/current)" : why);
        return 1;
    }
    static const char *const names[5] = {"finance.csv", "finance.jsonl", "summary.json", "availability.slagg",
                                         "manifest.json"};
    char cur[4096], p[4096];
    snprintf(cur, sizeof cur, "%s/current", dir);
    for (int i = 0; i < 5; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, names[i]);
        char q[4200];
        snprintf(q, sizeof q, "%s/%s", cur, names[i]);
        if (read_at(AT_FDCWD, p, &f) || read_at(AT_FDCWD, q, &g) || f.n != g.n || memcmp(f.p, g.p, f.n) != 0) {
            fprintf(stderr, "crash_poll: %s does not show the current generation's file\n", p);
            return 1;
        }
    }
    free(man.p);
    free(f.p);
    free(g.p);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--once") == 0) return once(argv[2]);
    if (argc != 6 || strcmp(argv[1], "--reads") != 0 || strcmp(argv[3], "--until") != 0) {
        fprintf(stderr, "usage: crash_poll --once DIR | crash_poll --reads N --until FILE DIR\n");
        return 2;
    }
    long long want = atoll(argv[2]);
    const char *until = argv[4], *dir = argv[5];
    buf man = {0}, f = {0}, nm = {0}, nf = {0};
    long long reads = 0, retries = 0, mixed = 0, crossed = 0, name_reads = 0;
    char why[512], np[4096], fp[4096];
    snprintf(np, sizeof np, "%s/manifest.json", dir);
    snprintf(fp, sizeof fp, "%s/finance.csv", dir);
    for (;;) {
        struct stat sb;
        if (reads >= want && stat(until, &sb) == 0) break;
        int r = read_generation(dir, &man, &f, why, sizeof why);
        if (r == READ_RETRY) {
            retries++;
            continue;
        }
        reads++;
        if (r == READ_MIXED) {
            mixed++;
            if (mixed <= 5) fprintf(stderr, "crash_poll: MIXED snapshot at read %lld: %s\n", reads, why);
        }
        /* by name, one after the other: two resolutions of DIR/current */
        if (reads % 4 == 0 && read_at(AT_FDCWD, np, &nm) == 0 && read_at(AT_FDCWD, fp, &nf) == 0) {
            entry ents[8];
            char hex[65];
            int ne = parse_manifest(nm.p, ents, 8);
            name_reads++;
            hex_of(&nf, hex);
            if (ne < 1 || strcmp(ents[0].name, "finance.csv") != 0 || strcmp(ents[0].sha, hex) != 0) crossed++;
        }
    }
    printf("crash_poll: %lld reads through one resolution of %s/current, %lld mixed, %lld retried "
           "(generation removed while read); %lld reads by name, %lld of them saw two generations\n",
           reads, dir, mixed, retries, name_reads, crossed);
    free(man.p);
    free(f.p);
    free(nm.p);
    free(nf.p);
    return mixed ? 1 : 0;
}
