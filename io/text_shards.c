/*
 * text_shards.c - text inputs of a fold as scratch shards (io/text_shards.h,
 * docs/DESIGN.md "Text inputs through the shard engine").
 */
#include "io/text_shards.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/cpu.h"
#include "io/pack.h"
#include "io/shard.h"

struct slagg_text_shards {
    char *dir;                /* the private directory, or NULL */
    size_t n;                 /* inputs */
    const char **paths;       /* [n_paths]: a shard input's own path or a text
                                 input's scratch shards, in input order */
    size_t n_paths;
    char **scratch;           /* [n_scratch]: owned scratch shard paths */
    size_t n_scratch;
    size_t n_text;
};

/* Removes dir and whatever is in it (flat: the scratch shards and any
 * writer temporaries a failure left). */
static void remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
            size_t len = strlen(dir) + strlen(e->d_name) + 2;
            char *p = slagg_malloc(len);
            if (!p) continue;
            snprintf(p, len, "%s/%s", dir, e->d_name);
            unlink(p);
            slagg_free(p);
        }
        closedir(d);
    }
    rmdir(dir);
}

/* The start time of process pid (field 22 of /proc/PID/stat, clock ticks
 * since boot), or 0 when it cannot be read (not Linux, no such process):
 * with the pid it names a process even after its pid is reused. */
static unsigned long long proc_start(long pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return 0;
    buf[n] = '\0';
    const char *p = strrchr(buf, ')');   /* the name may hold spaces and parentheses */
    if (!p) return 0;
    /* p is at the space before field 3: 19 more spaces lead to field 22 */
    p++;
    for (int f = 0; f < 19 && p; f++) p = strchr(p + 1, ' ');
    return p ? strtoull(p + 1, NULL, 10) : 0;
}

/* When process pid started, in seconds since the epoch (the boot time of
 * /proc/stat plus its start in clock ticks), or 0 when it cannot be read. */
static long long proc_start_epoch(long pid)
{
    unsigned long long ticks = proc_start(pid);
    long tck = sysconf(_SC_CLK_TCK);
    if (!ticks || tck <= 0) return 0;
    char buf[4096];
    int fd = open("/proc/stat", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return 0;
    buf[n] = '\0';
    const char *b = strstr(buf, "\nbtime ");
    if (!b) return 0;
    return strtoll(b + 7, NULL, 10) + (long long)(ticks / (unsigned long long)tck);
}

#define OWNER_FILE "owner"

/* Writes DIR/owner: this process's pid and start time, through a rename,
 * so an owner file is whole or absent even when the fold is killed. */
static void write_owner(const char *dir)
{
    char path[4096], tmp[4096], line[64];
    if ((size_t)snprintf(path, sizeof path, "%s/" OWNER_FILE, dir) >= sizeof path ||
        (size_t)snprintf(tmp, sizeof tmp, "%s/." OWNER_FILE, dir) >= sizeof tmp)
        return;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) return;
    long pid = (long)getpid();
    int n = snprintf(line, sizeof line, "%ld %llu\n", pid, proc_start(pid));
    int ok = n > 0 && write(fd, line, (size_t)n) == n;
    close(fd);
    if (!ok || rename(tmp, path) != 0) unlink(tmp);
}

/* A scratch directory without an owner file this old (seconds) is taken
 * for one whose fold was killed before writing it. */
#define OWNERLESS_STALE_S (24 * 3600)

/* A fold killed (SIGKILL, a crash) cannot remove its scratch directory.
 * The next fold that makes one removes, from tmp, every slagg-fold-XXXXXX
 * directory of this user whose owner file names a process that is gone
 * (no such pid, or a pid reused by a process started after the owner
 * file was written),
 * and those without an owner file (killed before writing it) untouched
 * for OWNERLESS_STALE_S. Directories of other users, of live processes,
 * or younger and ownerless (being made) are left alone. Best effort:
 * nothing here can fail the fold. */
static void sweep_stale(const char *tmp)
{
    DIR *d = opendir(tmp);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, "slagg-fold-", 11) != 0 || strlen(e->d_name) != 17) continue;
        char dir[4096], owner[4200], line[64];
        if ((size_t)snprintf(dir, sizeof dir, "%s/%s", tmp, e->d_name) >= sizeof dir) continue;
        struct stat st;
        if (lstat(dir, &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid()) continue;
        snprintf(owner, sizeof owner, "%s/" OWNER_FILE, dir);
        int fd = open(owner, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        ssize_t n = fd < 0 ? -1 : read(fd, line, sizeof line - 1);
        if (fd >= 0) close(fd);
        if (n <= 0) {
            if (time(NULL) - st.st_mtime > OWNERLESS_STALE_S) remove_dir(dir);
            continue;
        }
        line[n] = '\0';
        long pid = 0;
        unsigned long long start = 0;
        if (sscanf(line, "%ld %llu", &pid, &start) != 2 || pid <= 0 || pid == (long)getpid()) continue;
        int gone = kill((pid_t)pid, 0) != 0 && errno == ESRCH;
        if (!gone) {
            /* a live pid that started after the owner file was written is
             * another process: the pid was reused. The start time is read
             * here, from another process's /proc entry, never the one the
             * owner wrote of itself (qemu-user fakes a process's own
             * /proc/self/stat, so the two disagree for a live fold). */
            long long started = proc_start_epoch(pid);
            struct stat ost;
            gone = started > 0 && stat(owner, &ost) == 0 && started > (long long)ost.st_mtime + 2;
        }
        if (gone) remove_dir(dir);
    }
    closedir(d);
}

void slagg_text_shards_free(slagg_text_shards *ts)
{
    if (!ts) return;
    for (size_t i = 0; i < ts->n_scratch; i++) {
        if (ts->scratch[i]) unlink(ts->scratch[i]);
        slagg_free(ts->scratch[i]);
    }
    if (ts->dir) remove_dir(ts->dir);
    slagg_free(ts->dir);
    slagg_free(ts->scratch);
    slagg_free(ts->paths);
    slagg_free(ts);
}

size_t slagg_text_shards_count(const slagg_text_shards *ts)
{
    return ts ? ts->n_text : 0;
}

const char *slagg_text_shards_dir(const slagg_text_shards *ts)
{
    return ts ? ts->dir : NULL;
}

slagg_status slagg_text_shards_make(const char *const *inputs, size_t n, const slagg_text_shards_opts *o,
                                    const char *const **paths_out, size_t *n_paths,
                                    slagg_rejects *rej, slagg_text_shards **out, int *scratch_failed,
                                    slagg_err *err)
{
    slagg_status st = SLAGG_OK;
    const char **text_in = NULL;
    size_t *text_at = NULL;   /* index into inputs of each text input */
    char **names = NULL;      /* [n_text]: the scratch shard of each text input */
    int wfail = 0;
    slagg_pack pk;
    memset(&pk, 0, sizeof pk);
    *out = NULL;
    *paths_out = NULL;
    *n_paths = 0;
    memset(rej, 0, sizeof *rej);
    if (scratch_failed) *scratch_failed = 0;

    slagg_text_shards *ts = slagg_calloc(1, sizeof *ts);
    if (!ts) return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    ts->n = n;
    text_in = slagg_calloc(n ? n : 1, sizeof *text_in);
    text_at = slagg_calloc(n ? n : 1, sizeof *text_at);
    names = slagg_calloc(n ? n : 1, sizeof *names);
    if (!text_in || !text_at || !names) {
        st = slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        if (!slagg_is_shard(inputs[i])) {
            text_at[ts->n_text] = i;
            text_in[ts->n_text++] = inputs[i];
        }
    }
    if (ts->n_text) {
        const char *tmp = o->tmp_dir && *o->tmp_dir ? o->tmp_dir : "/tmp";
        size_t len = strlen(tmp) + sizeof "/slagg-fold-XXXXXX";
        ts->dir = slagg_malloc(len);
        if (!ts->dir) {
            st = slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
            goto done;
        }
        snprintf(ts->dir, len, "%s%sslagg-fold-XXXXXX", tmp, tmp[strlen(tmp) - 1] == '/' ? "" : "/");
        sweep_stale(tmp);
        if (!mkdtemp(ts->dir)) {
            int e = errno;
            slagg_free(ts->dir);
            ts->dir = NULL;
            if (scratch_failed) *scratch_failed = 1;
            st = slagg_err_set(err, SLAGG_E_IO,
                               "%s: cannot create a scratch directory for the text inputs: %s "
                               "(set TMPDIR to a writable directory)", tmp, strerror(e));
            goto done;
        }
        write_owner(ts->dir);
        for (size_t k = 0; k < ts->n_text; k++) {
            size_t plen = strlen(ts->dir) + 32;
            names[k] = slagg_malloc(plen);
            if (!names[k]) {
                st = slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
                goto done;
            }
            snprintf(names[k], plen, "%s/%zu.shard", ts->dir, text_at[k]);
        }
        slagg_pack_opts po;
        memset(&po, 0, sizeof po);
        po.threads = o->threads ? o->threads : 1;
        po.max_rejects = o->max_rejects;
        po.writer.level = o->level ? o->level : SLAGG_TEXT_SHARDS_LEVEL;
        po.writer.block_records = o->block_records ? o->block_records : SLAGG_TEXT_SHARDS_BLOCK;
        po.scratch = 1;
        po.writer_failed = &wfail;
        po.split_bytes = o->split_bytes;
        if (o->isa && *o->isa) {
            const slagg_kernel *k;
            if ((st = slagg_kernel_pick(o->isa, &k, err)) != SLAGG_OK) goto done;
            po.scan = k->json_plain;
        }
        st = slagg_pack_files((const char *const *)text_in, (const char *const *)names, ts->n_text, &po, &pk, rej, err);
        if (st == SLAGG_OK) {
            /* the scratch shards are ours from here, whatever the commit
             * does: slagg_text_shards_free removes them */
            ts->scratch = pk.paths;
            ts->n_scratch = pk.n_out;
            pk.paths = NULL;
            st = slagg_pack_commit(&pk, err);
            if (st != SLAGG_OK) wfail = 1;
        }
        if (st != SLAGG_OK) {
            if (scratch_failed) *scratch_failed = wfail;
            goto done;
        }
        /* the rows name the text inputs by their index among them: give
         * them the index of the input they came from */
        for (size_t r = 0; r < rej->n; r++) rej->rows[r].file = (uint32_t)text_at[rej->rows[r].file];
    }
    /* every input in order: a shard as given, a text input as its
     * scratch shards (more than one for a log read in pieces) */
    ts->paths = slagg_calloc(n + ts->n_scratch + 1, sizeof *ts->paths);
    if (!ts->paths) {
        st = slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0, k = 0, q = 0; i < n; i++) {
        if (k < ts->n_text && text_at[k] == i) {
            for (; q < ts->n_scratch && pk.of[q] == k; q++) ts->paths[ts->n_paths++] = ts->scratch[q];
            k++;
        } else {
            ts->paths[ts->n_paths++] = inputs[i];
        }
    }
done:
    for (size_t k = 0; names && k < ts->n_text; k++) slagg_free(names[k]);
    slagg_free(names);
    slagg_free(text_in);
    slagg_free(text_at);
    slagg_pack_discard(&pk);
    if (st != SLAGG_OK) {
        slagg_rejects_free(rej);
        slagg_text_shards_free(ts);
        return st;
    }
    *paths_out = (const char *const *)ts->paths;
    *n_paths = ts->n_paths;
    *out = ts;
    return SLAGG_OK;
}
