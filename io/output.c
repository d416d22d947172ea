#include "io/output.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"

slagg_status slagg_mkdir_p(const char *dir, slagg_err *err)
{
    size_t n = strlen(dir);
    char *p = slagg_strndup(dir, n);
    if (!p) return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    for (size_t i = 1; i <= n; i++) {
        if (p[i] != '/' && p[i] != '\0') continue;
        char c = p[i];
        p[i] = '\0';
        if (mkdir(p, 0755) != 0 && errno != EEXIST) {
            slagg_status st = slagg_err_set(err, SLAGG_E_IO, "%s: cannot create directory: %s", p, strerror(errno));
            slagg_free(p);
            return st;
        }
        p[i] = c;
    }
    slagg_free(p);
    struct stat sb;
    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return slagg_err_set(err, SLAGG_E_IO, "%s: not a directory", dir);
    return SLAGG_OK;
}

static char *join(const char *dir, const char *a, const char *b)
{
    size_t n = strlen(dir) + strlen(a) + strlen(b) + 2;
    char *p = slagg_malloc(n);
    if (p) snprintf(p, n, "%s/%s%s", dir, a, b);
    return p;
}

slagg_status slagg_stage_file(const char *dir, const char *name, const void *data, size_t n,
                              slagg_staged *out, slagg_err *err)
{
    memset(out, 0, sizeof *out);
    char *tmpl = slagg_malloc(strlen(dir) + strlen(name) + 16);
    out->final_path = join(dir, name, "");
    if (!tmpl || !out->final_path) {
        slagg_free(tmpl);
        slagg_free(out->final_path);
        out->final_path = NULL;
        return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    }
    sprintf(tmpl, "%s/.%s.tmp-XXXXXX", dir, name);
    int fd = mkstemp(tmpl);
    if (fd < 0) {
        slagg_status st = slagg_err_set(err, SLAGG_E_IO, "%s: cannot create: %s", out->final_path, strerror(errno));
        slagg_free(tmpl);
        slagg_free(out->final_path);
        out->final_path = NULL;
        return st;
    }
    out->tmp_path = tmpl;
    const char *p = data;
    size_t left = n;
    int e = 0;
    while (left) {
        ssize_t w = write(fd, p, left);
        if (w < 0) {
            if (errno == EINTR) continue;
            e = errno;
            break;
        }
        p += w;
        left -= (size_t)w;
    }
    if (!e && fchmod(fd, 0644) != 0) e = errno;
    if (!e && fsync(fd) != 0) e = errno;
    if (close(fd) != 0 && !e) e = errno;
    if (e) {
        slagg_status st = slagg_err_set(err, SLAGG_E_IO, "%s: cannot write: %s", out->final_path, strerror(e));
        slagg_discard_staged(out, 1);
        return st;
    }
    return SLAGG_OK;
}

slagg_status slagg_commit_staged(const char *dir, slagg_staged *files, size_t n, slagg_err *err)
{
    /* Refuse before the first rename what would make a later one fail, so
     * that an error never leaves a mix of old and new outputs. */
    for (size_t i = 0; i < n; i++) {
        struct stat sb;
        if (lstat(files[i].final_path, &sb) == 0 && S_ISDIR(sb.st_mode))
            return slagg_err_set(err, SLAGG_E_IO, "%s: is a directory, cannot replace it",
                                 files[i].final_path);
    }
    for (size_t i = 0; i < n; i++) {
        if (rename(files[i].tmp_path, files[i].final_path) != 0)
            return slagg_err_set(err, SLAGG_E_IO, "%s: cannot rename into place: %s",
                                 files[i].final_path, strerror(errno));
        slagg_free(files[i].tmp_path);
        files[i].tmp_path = NULL;
    }
    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    if (dfd >= 0) {
        int r = fsync(dfd);
        int e = errno;
        close(dfd);
        if (r != 0 && e != EINVAL)
            return slagg_err_set(err, SLAGG_E_IO, "%s: cannot sync directory: %s", dir, strerror(e));
    }
    return SLAGG_OK;
}

void slagg_discard_staged(slagg_staged *files, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (files[i].tmp_path) unlink(files[i].tmp_path);
        slagg_free(files[i].tmp_path);
        slagg_free(files[i].final_path);
        files[i].tmp_path = files[i].final_path = NULL;
    }
}

slagg_status slagg_write_atomic(const char *dir, const char *name, const void *data, size_t n,
                                slagg_err *err)
{
    slagg_staged s;
    slagg_status st = slagg_stage_file(dir, name, data, n, &s, err);
    if (st != SLAGG_OK) return st;
    st = slagg_commit_staged(dir, &s, 1, err);
    slagg_discard_staged(&s, 1);
    return st;
}

slagg_status slagg_write_atomic_path(const char *path, const void *data, size_t n, slagg_err *err)
{
    const char *slash = strrchr(path, '/');
    const char *name = slash ? slash + 1 : path;
    if (!*name) return slagg_err_set(err, SLAGG_E_IO, "%s: needs a file name", path);
    char *dir = slash ? slagg_strndup(path, (size_t)(slash - path) + (slash == path)) : slagg_strndup(".", 1);
    if (!dir) return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    slagg_status st = slagg_mkdir_p(dir, err);
    if (st == SLAGG_OK) st = slagg_write_atomic(dir, name, data, n, err);
    slagg_free(dir);
    return st;
}

/* ---- a staged file written as a stream ------------------------------------------------- */

static int write_all(int fd, const void *data, size_t n, int64_t at)
{
    const char *p = data;
    while (n) {
        ssize_t w = at < 0 ? write(fd, p, n) : pwrite(fd, p, n, (off_t)at);
        if (w < 0) {
            if (errno == EINTR) continue;
            return errno;
        }
        p += w;
        n -= (size_t)w;
        if (at >= 0) at += w;
    }
    return 0;
}

slagg_status slagg_stream_open_path(const char *path, slagg_stream_out *s, slagg_err *err)
{
    memset(s, 0, sizeof *s);
    s->fd = -1;
    const char *slash = strrchr(path, '/');
    const char *name = slash ? slash + 1 : path;
    if (!*name) return slagg_err_set(err, SLAGG_E_IO, "%s: needs a file name", path);
    s->dir = slash ? slagg_strndup(path, (size_t)(slash - path) + (slash == path)) : slagg_strndup(".", 1);
    if (!s->dir) return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    slagg_status st = slagg_mkdir_p(s->dir, err);
    if (st != SLAGG_OK) {
        slagg_stream_discard(s);
        return st;
    }
    char *tmpl = slagg_malloc(strlen(s->dir) + strlen(name) + 16);
    s->staged.final_path = join(s->dir, name, "");
    if (!tmpl || !s->staged.final_path) {
        slagg_free(tmpl);
        slagg_stream_discard(s);
        return slagg_err_set(err, SLAGG_E_NOMEM, "out of memory");
    }
    sprintf(tmpl, "%s/.%s.tmp-XXXXXX", s->dir, name);
    s->fd = mkstemp(tmpl);
    if (s->fd < 0) {
        st = slagg_err_set(err, SLAGG_E_IO, "%s: cannot create: %s", s->staged.final_path, strerror(errno));
        slagg_free(tmpl);
        slagg_stream_discard(s);
        return st;
    }
    s->staged.tmp_path = tmpl;
    return SLAGG_OK;
}

slagg_status slagg_stream_write(slagg_stream_out *s, const void *data, size_t n, slagg_err *err)
{
    int e = write_all(s->fd, data, n, -1);
    if (e) return slagg_err_set(err, SLAGG_E_IO, "%s: cannot write: %s", s->staged.final_path, strerror(e));
    s->off += n;
    return SLAGG_OK;
}

slagg_status slagg_stream_pwrite(slagg_stream_out *s, const void *data, size_t n, uint64_t off, slagg_err *err)
{
    int e = write_all(s->fd, data, n, (int64_t)off);
    if (e) return slagg_err_set(err, SLAGG_E_IO, "%s: cannot write: %s", s->staged.final_path, strerror(e));
    return SLAGG_OK;
}

slagg_status slagg_stream_commit(slagg_stream_out *s, slagg_err *err)
{
    int e = 0;
    if (fchmod(s->fd, 0644) != 0) e = errno;
    if (!e && fsync(s->fd) != 0) e = errno;
    if (close(s->fd) != 0 && !e) e = errno;
    s->fd = -1;
    slagg_status st = e ? slagg_err_set(err, SLAGG_E_IO, "%s: cannot write: %s", s->staged.final_path, strerror(e))
                        : slagg_commit_staged(s->dir, &s->staged, 1, err);
    slagg_stream_discard(s);
    return st;
}

void slagg_stream_discard(slagg_stream_out *s)
{
    if (s->fd >= 0) close(s->fd);
    s->fd = -1;
    slagg_discard_staged(&s->staged, 1);
    slagg_free(s->dir);
    s->dir = NULL;
}
