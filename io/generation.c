/*
 * generation.c - the one-generation commit and the run lock
 * (io/generation.h; the protocol and what a kill at each step leaves are
 * docs/RELIABILITY.md section 2). Everything works relative to a
 * descriptor of DIR (openat, renameat, symlinkat), so the names below are
 * always entries of DIR itself.
 */
#include "io/generation.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/alloc.h"
#include "io/buf.h"
#include "io/output.h"

const char *const slagg_generation_names[SLAGG_GEN_N_FILES] = {
    "finance.csv", "finance.jsonl", "summary.json", "availability.slagg", SLAGG_MANIFEST_NAME};

typedef struct stepper {
    const slagg_commit_opts *o;
    int n;
} stepper;

/* Reports that one more step is done (the test hook may not return). */
static void step(stepper *s, const char *what, const char *name)
{
    char w[160];
    if (!s) return;
    s->n++;
    if (!s->o || !s->o->step) return;
    snprintf(w, sizeof w, "%s%s%s", what, name ? " " : "", name ? name : "");
    s->o->step(s->o->ctx, s->n, w);
}

static slagg_status io_err(slagg_err *err, const char *dir, const char *name, const char *what, int e)
{
    return slagg_err_set(err, SLAGG_E_IO, "%s/%s: %s: %s", dir, name, what, strerror(e));
}

/* fsync of a directory; EINVAL (a file system that cannot sync one) is
 * not an error. Returns 0 or errno. */
static int sync_fd(int fd)
{
    if (fsync(fd) != 0 && errno != EINVAL) return errno;
    return 0;
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return errno;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Entries of DIR this module owns and may remove: generation folders and
 * temporaries (".NAME.tmp-*", older slagg versions' included). */
static int is_gen(const char *nm) { return strncmp(nm, SLAGG_GEN_PREFIX, strlen(SLAGG_GEN_PREFIX)) == 0; }
static int is_tmp(const char *nm) { return nm[0] == '.' && strstr(nm, ".tmp-") != NULL; }

/* Removes the folder name (in dfd) and what it holds; s (may be NULL)
 * is told once its first entry is gone. Best effort. */
static void remove_folder(int dfd, const char *name, stepper *s)
{
    int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0) {
        DIR *d = fdopendir(fd);
        if (!d) {
            close(fd);
        } else {
            int removed, first = 1;
            do { /* again until a pass removes nothing: readdir and unlink mix */
                struct dirent *e;
                removed = 0;
                rewinddir(d);
                while ((e = readdir(d)) != NULL) {
                    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
                    if (unlinkat(fd, e->d_name, 0) != 0) {
                        if (errno != EISDIR && errno != EPERM) continue;
                        remove_folder(fd, e->d_name, NULL);
                    }
                    removed = 1;
                    if (first) step(s, "cleanup: first entry removed from", name);
                    first = 0;
                }
            } while (removed);
            closedir(d);
        }
    }
    if (unlinkat(dfd, name, AT_REMOVEDIR) != 0) unlinkat(dfd, name, 0);
}

/* The target of DIR/current (malloc'd), or NULL when there is none. */
static char *read_current(int dfd)
{
    char buf[512];
    ssize_t n = readlinkat(dfd, SLAGG_GEN_CURRENT, buf, sizeof buf - 1);
    if (n <= 0) return NULL;
    return slagg_strndup(buf, (size_t)n);
}

/* Removes every .gen-* entry but keep1 and keep2 (may be NULL) and every
 * temporary. The names are collected first, then removed. */
static void remove_stale(int dfd, const char *keep1, const char *keep2, stepper *s)
{
    int fd = dup(dfd);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    char **names = NULL;
    size_t n = 0, cap = 0;
    if (!d) {
        if (fd >= 0) close(fd);
        return;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        const char *nm = e->d_name;
        if (!is_gen(nm) && !is_tmp(nm)) continue;
        if ((keep1 && !strcmp(nm, keep1)) || (keep2 && !strcmp(nm, keep2))) continue;
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 8;
            char **p = slagg_reallocarray(names, nc, sizeof *p);
            if (!p) break;
            names = p;
            cap = nc;
        }
        if (!(names[n] = slagg_strndup(nm, strlen(nm)))) break;
        n++;
    }
    closedir(d);
    for (size_t i = 0; i < n; i++) {
        struct stat sb;
        if (fstatat(dfd, names[i], &sb, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(sb.st_mode))
            remove_folder(dfd, names[i], s);
        else
            unlinkat(dfd, names[i], 0);
        step(s, "cleanup: removed", names[i]);
        slagg_free(names[i]);
    }
    slagg_free(names);
}

/* ---- the lock ------------------------------------------------------------ */

/* "DIR is being written by pid N (started T)" from the holder's line. */
static slagg_status busy_err(slagg_err *err, const char *dir, int fd)
{
    char line[128];
    ssize_t n = pread(fd, line, sizeof line - 1, 0);
    long pid = 0;
    char started[64] = "";
    line[n > 0 ? n : 0] = '\0';
    if (n > 0 && sscanf(line, "pid %ld started %63s", &pid, started) == 2)
        return slagg_err_set(err, SLAGG_E_IO, "%s is being written by pid %ld (started %s)", dir, pid,
                             started);
    return slagg_err_set(err, SLAGG_E_IO,
                         "%s is being written by another process (it has not named itself in %s/" SLAGG_GEN_LOCK " yet)",
                         dir, dir);
}

slagg_status slagg_outdir_lock(const char *dir, int wait, const slagg_commit_opts *o,
                               slagg_run_lock *lk, int *busy, slagg_err *err)
{
    stepper s = {o, 0};
    slagg_status st;
    lk->fd = -1;
    if (busy) *busy = 0;
    if ((st = slagg_mkdir_p(dir, err)) != SLAGG_OK) return st;
    size_t pl = strlen(dir) + sizeof "/" SLAGG_GEN_LOCK;
    char *path = slagg_malloc(pl);
    if (!path) return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    snprintf(path, pl, "%s/" SLAGG_GEN_LOCK, dir);
    int writable = 1;
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        /* a read-only DIR can still be locked (and then fails to write) */
        int e = errno;
        writable = 0;
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            st = slagg_err_set(err, SLAGG_E_IO, "%s: cannot open the run lock: %s", path, strerror(e));
            slagg_free(path);
            return st;
        }
    }
    slagg_free(path);
    int r;
    while ((r = flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB))) != 0 && errno == EINTR) {
    }
    if (r != 0) {
        int e = errno;
        if (e == EWOULDBLOCK) {
            if (busy) *busy = 1;
            st = busy_err(err, dir, fd);
        } else {
            st = slagg_err_set(err, SLAGG_E_IO, "%s/" SLAGG_GEN_LOCK ": cannot lock: %s", dir, strerror(e));
        }
        close(fd);
        return st;
    }
    if (writable) {
        char line[96], when[32];
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
        int n = snprintf(line, sizeof line, "pid %ld started %s\n", (long)getpid(), when);
        if (ftruncate(fd, 0) == 0 && pwrite(fd, line, (size_t)n, 0) < 0) {
            /* the holder line is for messages only */
        }
    }
    lk->fd = fd;
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        char *cur = read_current(dfd);
        remove_stale(dfd, cur, NULL, &s);
        slagg_free(cur);
        close(dfd);
    }
    return SLAGG_OK;
}

void slagg_outdir_unlock(slagg_run_lock *lk)
{
    if (lk->fd >= 0) close(lk->fd);
    lk->fd = -1;
}

/* ---- the commit ---------------------------------------------------------- */

/* Writes name into the folder gfd (gen names it in messages): half of it,
 * a step, the rest, mode 0644, fsync, close, a step. */
static slagg_status put_file(int gfd, const char *dir, const char *gen, const char *name,
                             const void *data, size_t n, stepper *s, slagg_err *err)
{
    int fd = openat(gfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0)
        return slagg_err_set(err, SLAGG_E_IO, "%s/%s/%s: cannot create: %s", dir, gen, name, strerror(errno));
    size_t half = n / 2;
    int e = write_all(fd, data, half);
    if (!e) {
        step(s, "half written:", name);
        e = write_all(fd, (const char *)data + half, n - half);
    }
    if (!e && fchmod(fd, 0644) != 0) e = errno;
    if (!e && fsync(fd) != 0) e = errno;
    if (close(fd) != 0 && !e) e = errno;
    if (e) return slagg_err_set(err, SLAGG_E_IO, "%s/%s/%s: cannot write: %s", dir, gen, name, strerror(e));
    step(s, "written and synced:", name);
    return SLAGG_OK;
}

/* Points DIR/name at target by renaming a temporary symlink over it (one
 * atomic step: name always resolves, to the old target or the new). */
static slagg_status switch_link(int dfd, const char *dir, const char *name, const char *target,
                                stepper *s, slagg_err *err)
{
    char tmp[96];
    snprintf(tmp, sizeof tmp, ".%s.tmp-%06x", name, (unsigned)getpid() & 0xffffffu);
    unlinkat(dfd, tmp, 0); /* a stale one of a killed run with our pid */
    if (symlinkat(target, dfd, tmp) != 0) return io_err(err, dir, tmp, "cannot create link", errno);
    step(s, "temporary link made for", name);
    if (renameat(dfd, tmp, dfd, name) != 0) {
        int e = errno;
        unlinkat(dfd, tmp, 0);
        return io_err(err, dir, name, "cannot replace it", e);
    }
    step(s, "link switched:", name);
    return SLAGG_OK;
}

/* Reads the whole file name (in dfd) into b. Returns 0 or errno. */
static int read_at(int dfd, const char *name, slagg_buf *b)
{
    int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) return errno;
    char tmp[65536];
    for (;;) {
        ssize_t r = read(fd, tmp, sizeof tmp);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            int e = errno;
            close(fd);
            return e;
        }
        if (r == 0) break;
        slagg_buf_put(b, tmp, (size_t)r);
    }
    close(fd);
    return slagg_buf_failed(b) ? ENOMEM : 0;
}

/* Makes DIR/PREFIX-XXXXXX (mkdtemp); *name gets its name in DIR
 * (malloc'd) and *gfd an open descriptor of it. */
static slagg_status make_folder(const char *dir, const char *prefix, int *gfd, char **name,
                                slagg_err *err)
{
    size_t n = strlen(dir) + strlen(prefix) + 16;
    char *path = slagg_malloc(n);
    slagg_status st = SLAGG_OK;
    *name = NULL;
    *gfd = -1;
    if (!path) return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    snprintf(path, n, "%s/%s-XXXXXX", dir, prefix);
    if (!mkdtemp(path)) {
        st = slagg_err_set(err, SLAGG_E_IO, "%s: cannot create a generation folder: %s", path, strerror(errno));
        slagg_free(path);
        return st;
    }
    const char *base = strrchr(path, '/') + 1;
    *name = slagg_strndup(base, strlen(base));
    *gfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (*gfd >= 0 && fchmod(*gfd, 0755) != 0) { /* mkdtemp makes it 0700 */
        close(*gfd);
        *gfd = -1;
    }
    if (!*name || *gfd < 0) {
        int e = errno;
        rmdir(path);
        if (*gfd >= 0) close(*gfd);
        *gfd = -1;
        if (!*name) st = slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
        else st = slagg_err_set(err, SLAGG_E_IO, "%s: cannot open: %s", path, strerror(e));
        slagg_free(*name);
        *name = NULL;
    }
    slagg_free(path);
    return st;
}

/* The link DIR/NAME should be: "current/NAME". */
static void link_target(const char *name, char out[64])
{
    snprintf(out, 64, SLAGG_GEN_CURRENT "/%s", name);
}

/* Makes each DIR/NAME the link current/NAME where it is not (missing, or a
 * link elsewhere; a regular file too unless keep_plain), then fsyncs DIR
 * if anything changed. A link made while DIR/current is missing dangles,
 * which shows what was there: nothing. */
static slagg_status fix_links(int dfd, const char *dir, const char *const *names, size_t n_names, int keep_plain,
                              stepper *s, slagg_err *err)
{
    int changed = 0, e;
    for (size_t i = 0; i < n_names; i++) {
        char target[64], have[64];
        struct stat sb;
        link_target(names[i], target);
        if (fstatat(dfd, names[i], &sb, AT_SYMLINK_NOFOLLOW) == 0) {
            if (S_ISREG(sb.st_mode) && keep_plain) continue;
            ssize_t n = readlinkat(dfd, names[i], have, sizeof have - 1);
            if (n >= 0 && (size_t)n == strlen(target) && memcmp(have, target, (size_t)n) == 0) continue;
        }
        slagg_status st = switch_link(dfd, dir, names[i], target, s, err);
        if (st != SLAGG_OK) return st;
        changed = 1;
    }
    if (changed && (e = sync_fd(dfd)) != 0)
        return slagg_err_set(err, SLAGG_E_IO, "%s: cannot sync directory: %s", dir, strerror(e));
    return SLAGG_OK;
}

/* Turns the plain files of an older slagg into a generation without ever
 * showing anything else under their names (docs/RELIABILITY.md, step 2):
 * hard links (copies where link fails) in .gen-migrated-XXXXXX with a
 * manifest, current switched to it, then each plain DIR/NAME replaced by
 * its link. *cur gets the folder's name. */
static slagg_status migrate(int dfd, const char *dir, const int is_reg[SLAGG_GEN_N_FILES],
                            char **cur, stepper *s, slagg_err *err)
{
    slagg_buf data[SLAGG_GEN_N_FILES - 1], mb = {0};
    slagg_gen_file files[SLAGG_GEN_N_FILES - 1];
    size_t nf = 0;
    int gfd = -1;
    slagg_status st = SLAGG_OK;
    memset(data, 0, sizeof data);
    char *gname = NULL;
    if ((st = make_folder(dir, SLAGG_GEN_PREFIX "migrated", &gfd, &gname, err)) != SLAGG_OK) return st;
    for (int i = 0; st == SLAGG_OK && i < SLAGG_GEN_N_FILES - 1; i++) {
        if (!is_reg[i]) continue;
        int e = read_at(dfd, slagg_generation_names[i], &data[i]);
        if (e) {
            st = io_err(err, dir, slagg_generation_names[i], "cannot read", e);
            break;
        }
        files[nf++] = (slagg_gen_file){slagg_generation_names[i], data[i].data ? data[i].data : "", data[i].len};
        if (linkat(dfd, slagg_generation_names[i], gfd, slagg_generation_names[i], 0) != 0)
            st = put_file(gfd, dir, gname, slagg_generation_names[i], data[i].data, data[i].len, NULL, err);
    }
    if (st == SLAGG_OK) {
        step(s, "migration: old files linked into", gname);
        st = slagg_manifest_format(NULL, files, nf, &mb, NULL, err);
    }
    if (st == SLAGG_OK) st = put_file(gfd, dir, gname, SLAGG_MANIFEST_NAME, mb.data, mb.len, s, err);
    int e;
    if (st == SLAGG_OK && (e = sync_fd(gfd)) != 0) st = io_err(err, dir, gname, "cannot sync", e);
    if (st == SLAGG_OK) step(s, "migration: folder synced", gname);
    if (gfd >= 0) close(gfd);
    /* the names without a plain file get their (dangling) link first */
    if (st == SLAGG_OK) st = fix_links(dfd, dir, slagg_generation_names, SLAGG_GEN_N_FILES, 1, s, err);
    if (st == SLAGG_OK) st = switch_link(dfd, dir, SLAGG_GEN_CURRENT, gname, s, err);
    if (st != SLAGG_OK) {
        remove_folder(dfd, gname, NULL);
        slagg_free(gname);
    } else {
        *cur = gname;
        if ((e = sync_fd(dfd)) != 0) st = slagg_err_set(err, SLAGG_E_IO, "%s: cannot sync directory: %s", dir, strerror(e));
    }
    /* then each plain file is replaced by its link to the same inode */
    if (st == SLAGG_OK) st = fix_links(dfd, dir, slagg_generation_names, SLAGG_GEN_N_FILES, 0, s, err);
    if (st == SLAGG_OK) step(s, "migration: done", NULL);
    for (size_t i = 0; i < SLAGG_GEN_N_FILES - 1; i++) slagg_buf_free(&data[i]);
    slagg_buf_free(&mb);
    return st;
}

/* The commit of any set of files: names are the files' names then
 * manifest.json (n_names = n_files + 1, at most SLAGG_GEN_MAX_FILES);
 * fold_set: the fold's five, whose plain files an older slagg wrote and
 * which are migrated first. */
static slagg_status commit_set(const char *dir, const char *const *names, size_t n_names, int fold_set,
                               const slagg_gen_file *files, size_t n_files, const slagg_provenance *p,
                               const slagg_commit_opts *o, slagg_err *err)
{
    stepper s = {o, 0};
    slagg_buf mb = {0};
    char run_id[SLAGG_SHA256_HEX] = "", *cur = NULL, *gname = NULL;
    int is_reg[SLAGG_GEN_MAX_FILES] = {0}, any_reg = 0, gfd = -1, e;
    slagg_status st = SLAGG_OK;
    if (n_names != n_files + 1 || n_names > SLAGG_GEN_MAX_FILES)
        return slagg_err_set(err, SLAGG_E_INTERNAL, "a generation has %zu files, not %zu", n_names - 1, n_files);
    for (size_t i = 0; i < n_files; i++)
        if (strcmp(files[i].name, names[i]) != 0)
            return slagg_err_set(err, SLAGG_E_INTERNAL, "generation file %zu is %s, not %s", i, files[i].name, names[i]);
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) return slagg_err_set(err, SLAGG_E_IO, "%s: cannot open: %s", dir, strerror(errno));

    /* 1. preflight: refuse now what would make a later rename fail */
    struct stat sb;
    if (fstatat(dfd, SLAGG_GEN_CURRENT, &sb, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISLNK(sb.st_mode)) {
        st = slagg_err_set(err, SLAGG_E_IO, "%s/" SLAGG_GEN_CURRENT ": not a slagg generation link (a %s is there); move it away",
                           dir, S_ISDIR(sb.st_mode) ? "directory" : "file");
        goto done;
    }
    for (size_t i = 0; i < n_names; i++) {
        if (fstatat(dfd, names[i], &sb, AT_SYMLINK_NOFOLLOW) != 0) continue;
        if (S_ISDIR(sb.st_mode)) {
            st = slagg_err_set(err, SLAGG_E_IO, "%s/%s: is a directory, cannot replace it", dir, names[i]);
            goto done;
        }
        if (!S_ISLNK(sb.st_mode) && !S_ISREG(sb.st_mode)) {
            st = slagg_err_set(err, SLAGG_E_IO, "%s/%s: not a file or a link, cannot replace it", dir, names[i]);
            goto done;
        }
        is_reg[i] = S_ISREG(sb.st_mode);
        any_reg |= is_reg[i];
    }
    if ((st = slagg_manifest_format(p, files, n_files, &mb, run_id, err)) != SLAGG_OK) goto done;

    /* 2. migration of a DIR of plain files */
    cur = read_current(dfd);
    if (!cur && any_reg && fold_set && (st = migrate(dfd, dir, is_reg, &cur, &s, err)) != SLAGG_OK) goto done;

    /* 3. stage the five files in a new folder */
    char prefix[40];
    snprintf(prefix, sizeof prefix, SLAGG_GEN_PREFIX "%.12s", run_id);
    if ((st = make_folder(dir, prefix, &gfd, &gname, err)) != SLAGG_OK) goto done;
    step(&s, "folder made:", gname);
    for (size_t i = 0; st == SLAGG_OK && i < n_names; i++) {
        const void *d = i < n_files ? files[i].data : mb.data;
        size_t len = i < n_files ? files[i].len : mb.len;
        st = put_file(gfd, dir, gname, names[i], d ? d : "", len, &s, err);
    }
    if (st == SLAGG_OK && (e = sync_fd(gfd)) != 0) st = io_err(err, dir, gname, "cannot sync", e);
    close(gfd);
    if (st == SLAGG_OK) step(&s, "folder synced:", gname);
    /* 4. DIR/NAME -> current/NAME, made once: in place before the switch,
     * they show the current generation before it and the new one after */
    if (st == SLAGG_OK) st = fix_links(dfd, dir, names, n_names, 0, &s, err);
    if (st == SLAGG_OK) step(&s, "links in place", NULL);
    /* 5. the switch: the one atomic step */
    if (st == SLAGG_OK) st = switch_link(dfd, dir, SLAGG_GEN_CURRENT, gname, &s, err);
    if (st != SLAGG_OK) {
        remove_folder(dfd, gname, NULL);
        goto done;
    }
    if ((e = sync_fd(dfd)) != 0) {
        st = slagg_err_set(err, SLAGG_E_IO, "%s: cannot sync directory (the new generation is current): %s", dir, strerror(e));
        goto done;
    }
    step(&s, "directory synced: committed", gname);

    /* 6. what a killed run may have left since the lock (nothing, unless
     * another slagg ignored the lock); the replaced generation is kept */
    remove_stale(dfd, gname, cur, &s);
done:
    slagg_free(cur);
    slagg_free(gname);
    slagg_buf_free(&mb);
    close(dfd);
    return st;
}

slagg_status slagg_generation_commit(const char *dir, const slagg_gen_file *files, size_t n_files,
                                     const slagg_provenance *p, const slagg_commit_opts *o,
                                     slagg_err *err)
{
    return commit_set(dir, slagg_generation_names, SLAGG_GEN_N_FILES, 1, files, n_files, p, o, err);
}

slagg_status slagg_generation_commit_files(const char *dir, const slagg_gen_file *files, size_t n_files,
                                           const slagg_provenance *p, const slagg_commit_opts *o,
                                           slagg_err *err)
{
    const char *names[SLAGG_GEN_MAX_FILES];
    if (n_files + 1 > SLAGG_GEN_MAX_FILES)
        return slagg_err_set(err, SLAGG_E_INTERNAL, "a generation has at most %d files", SLAGG_GEN_MAX_FILES - 1);
    for (size_t i = 0; i < n_files; i++) names[i] = files[i].name;
    names[n_files] = SLAGG_MANIFEST_NAME;
    return commit_set(dir, names, n_files + 1, 0, files, n_files, p, o, err);
}

char *slagg_generation_path(const char *arg, const char *name)
{
    struct stat sb;
    if (stat(arg, &sb) != 0 || !S_ISDIR(sb.st_mode)) return slagg_strndup(arg, strlen(arg));
    size_t n = strlen(arg);
    while (n > 1 && arg[n - 1] == '/') n--;
    char *cur = slagg_malloc(n + sizeof "/" SLAGG_GEN_CURRENT);
    if (!cur) return NULL;
    snprintf(cur, n + sizeof "/" SLAGG_GEN_CURRENT, "%.*s/%s", (int)n, arg, SLAGG_GEN_CURRENT);
    char target[512];
    ssize_t t = readlink(cur, target, sizeof target - 1);
    slagg_free(cur);
    if (t > 0) target[t] = '\0';
    size_t len = n + (t > 0 ? (size_t)t : 0) + strlen(name) + 3;
    char *p = slagg_malloc(len);
    if (!p) return NULL;
    if (t > 0 && target[0] == '/') snprintf(p, len, "%s/%s", target, name);
    else if (t > 0) snprintf(p, len, "%.*s/%s/%s", (int)n, arg, target, name);
    else snprintf(p, len, "%.*s/%s", (int)n, arg, name);
    return p;
}
