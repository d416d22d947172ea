/*
 * common.c - what several subcommands share: expanding INPUT arguments,
 * and reporting rejected rows (SPEC section 6).
 */
#include "cli/common.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/msg.h"
#include "core/alloc.h"
#include "io/buf.h"
#include "io/export.h"
#include "io/output.h"

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* ---- INPUT arguments (SPEC 3) ------------------------------------------------ */

/* A directory the walk entered: the same one reached twice (a symlink to
 * an ancestor, or two routes to one directory) is refused, so a loop
 * never hangs and no file is read twice. */
typedef struct walk_dir_id {
    dev_t dev;
    ino_t ino;
    char *path;
    int active;     /* an ancestor of the directory being read */
} walk_dir_id;

typedef struct walk {
    slagg_path_list *out, *skipped;
    walk_dir_id *dirs;
    size_t n_dirs, cap_dirs;
} walk;

static char *join_path(const char *dir, const char *name)
{
    size_t dl = strlen(dir), n = dl + strlen(name) + 2;
    char *full = slagg_malloc(n);
    if (full) snprintf(full, n, "%s%s%s", dir, dl && dir[dl - 1] == '/' ? "" : "/", name);
    return full;
}

/* Reads one directory's names whole and closes it before descending, so
 * the depth of a tree never costs open files (SPEC 6: the number of open
 * files never limits a run). Returns 0, or an exit code after printing. */
static int read_names(const char *path, slagg_path_list *names)
{
    DIR *d = opendir(path);
    if (!d) {
        slagg_cli_error("%s: %s", path, strerror(errno));
        return 3;
    }
    struct dirent *e;
    int rc = 0;
    errno = 0;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        if (slagg_strv_push(names, e->d_name)) {
            slagg_cli_error("out of memory");
            rc = 3;
            break;
        }
        errno = 0;
    }
    if (!rc && errno) {
        slagg_cli_error("%s: cannot list: %s", path, strerror(errno));
        rc = 3;
    }
    closedir(d);
    return rc;
}

/* Skipped entries are kept (for the manifest's inputs.skipped) and named
 * on stderr by the caller once sorted. */
static int skip(walk *w, const char *full)
{
    if (slagg_strv_push(w->skipped, full)) {
        slagg_cli_error("out of memory");
        return 3;
    }
    return 0;
}

/* Adds the regular files below directory path (whose stat is sb) to
 * w->out, unsorted; names beginning with '.' (files or directories, one
 * entry each) and entries that are neither files nor directories go to
 * w->skipped. Symlinks are followed. */
static int walk_tree(walk *w, const char *path, const struct stat *sb)
{
    for (size_t i = 0; i < w->n_dirs; i++) {
        const walk_dir_id *d = &w->dirs[i];
        if (d->dev != sb->st_dev || d->ino != sb->st_ino) continue;
        if (d->active)
            slagg_cli_error("%s leads back to %s (a directory loop): each input is read once", path,
                            d->path);
        else
            slagg_cli_error("%s and %s are the same directory: each input is read once; drop one",
                            d->path, path);
        return 2;
    }
    if (w->n_dirs == w->cap_dirs) {
        size_t nc = w->cap_dirs ? w->cap_dirs * 2 : 16;
        walk_dir_id *p = slagg_reallocarray(w->dirs, nc, sizeof *p);
        if (!p) {
            slagg_cli_error("out of memory");
            return 3;
        }
        w->dirs = p;
        w->cap_dirs = nc;
    }
    size_t me = w->n_dirs;
    w->dirs[me] = (walk_dir_id){sb->st_dev, sb->st_ino, slagg_strndup(path, strlen(path)), 1};
    if (!w->dirs[me].path) {
        slagg_cli_error("out of memory");
        return 3;
    }
    w->n_dirs++;
    slagg_path_list names = {0};
    int rc = read_names(path, &names);
    for (size_t i = 0; !rc && i < names.n; i++) {
        char *full = join_path(path, names.v[i]);
        struct stat st;
        if (!full) {
            slagg_cli_error("out of memory");
            rc = 3;
        } else if (names.v[i][0] == '.') {
            rc = skip(w, full);
        } else if (stat(full, &st) != 0) {
            slagg_cli_error("%s: %s", full, strerror(errno));
            rc = 3;
        } else if (S_ISDIR(st.st_mode)) {
            rc = walk_tree(w, full, &st);
        } else if (S_ISREG(st.st_mode)) {
            if (slagg_strv_push(w->out, full)) {
                slagg_cli_error("out of memory");
                rc = 3;
            }
        } else {
            rc = skip(w, full);
        }
        slagg_free(full);
    }
    slagg_strv_free(&names);
    w->dirs[me].active = 0;
    return rc;
}

/* Names each skipped entry on stderr (SPEC 3: every skipped file is named). */
static void name_skipped(const char *const *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *slash = strrchr(v[i], '/');
        const char *base = slash ? slash + 1 : v[i];
        struct stat sb;
        int is_dir = stat(v[i], &sb) == 0 && S_ISDIR(sb.st_mode);
        if (base[0] == '.')
            slagg_cli_error("skipped hidden %s %s (names beginning with '.' are not read)",
                            is_dir ? "directory" : "file", v[i]);
        else
            slagg_cli_error("skipped %s (neither a regular file nor a directory)", v[i]);
    }
}

static int walk_input(walk *w, const char *path)
{
    struct stat sb;
    if (strcmp(path, "-") == 0) return slagg_strv_push(w->out, path) ? 3 : 0;
    if (stat(path, &sb) != 0) {
        /* issue 15: a name that does not exist is an input error (2), a
         * disk that fails an I/O error (3) */
        slagg_cli_error("%s: %s", path, strerror(errno));
        return slagg_status_exit_code(slagg_open_status(errno));
    }
    if (!S_ISDIR(sb.st_mode)) return slagg_strv_push(w->out, path) ? 3 : 0;
    size_t first = w->out->n, first_skip = w->skipped->n;
    int rc = walk_tree(w, path, &sb);
    if (rc) return rc;
    /* SPEC 3: bytewise order of the full paths, whatever readdir gave */
    if (w->out->n > first) qsort(w->out->v + first, w->out->n - first, sizeof *w->out->v, str_cmp);
    size_t ns = w->skipped->n - first_skip;
    if (ns) qsort(w->skipped->v + first_skip, ns, sizeof *w->skipped->v, str_cmp);
    name_skipped((const char *const *)w->skipped->v + first_skip, ns);
    if (w->out->n == first) {
        if (ns)
            slagg_cli_error("%s: directory holds no input files (%zu skipped, named above)", path, ns);
        else
            slagg_cli_error("%s: directory holds no input files", path);
        return 2;
    }
    return 0;
}

static void walk_free(walk *w)
{
    for (size_t i = 0; i < w->n_dirs; i++) slagg_free(w->dirs[i].path);
    slagg_free(w->dirs);
}

int slagg_cli_expand_input(slagg_path_list *out, slagg_path_list *skipped, const char *path)
{
    walk w = {out, skipped, NULL, 0, 0};
    int rc = walk_input(&w, path);
    walk_free(&w);
    return rc;
}

typedef struct file_id {
    dev_t dev;
    ino_t ino;
    size_t idx;
} file_id;

static int file_id_cmp(const void *pa, const void *pb)
{
    const file_id *a = pa, *b = pb;
    if (a->dev != b->dev) return a->dev < b->dev ? -1 : 1;
    if (a->ino != b->ino) return a->ino < b->ino ? -1 : 1;
    return a->idx < b->idx ? -1 : a->idx > b->idx;
}

static const char *as_given(const char *p) { return strcmp(p, "-") == 0 ? "'-' (standard input)" : p; }

int slagg_cli_check_distinct(const slagg_path_list *in, const char *const *from)
{
    file_id *ids = slagg_calloc(in->n ? in->n : 1, sizeof *ids);
    size_t n = 0;
    if (!ids) {
        slagg_cli_error("out of memory");
        return 3;
    }
    for (size_t i = 0; i < in->n; i++) {
        struct stat sb;
        /* one that cannot be stat'ed is named by its reader */
        int ok = strcmp(in->v[i], "-") == 0 ? fstat(0, &sb) == 0 : stat(in->v[i], &sb) == 0;
        if (ok) ids[n++] = (file_id){sb.st_dev, sb.st_ino, i};
    }
    qsort(ids, n, sizeof *ids, file_id_cmp);
    /* of all pairs, the one whose second input comes first: the message
     * does not depend on the sort */
    size_t a = 0, b = SIZE_MAX;
    for (size_t k = 1; k < n; k++) {
        if (ids[k].dev != ids[k - 1].dev || ids[k].ino != ids[k - 1].ino) continue;
        size_t g = k - 1;
        while (g > 0 && ids[g - 1].dev == ids[k].dev && ids[g - 1].ino == ids[k].ino) g--;
        if (ids[k].idx < b) {
            a = ids[g].idx;
            b = ids[k].idx;
        }
    }
    slagg_free(ids);
    if (b == SIZE_MAX) return 0;
    const char *fa = from && from[a] && strcmp(from[a], in->v[a]) != 0 ? from[a] : NULL;
    const char *fb = from && from[b] && strcmp(from[b], in->v[b]) != 0 ? from[b] : NULL;
    slagg_cli_error("%s%s%s%s and %s%s%s%s are the same file: each input is read once; drop one",
                    as_given(in->v[a]), fa ? " (found in directory " : "", fa ? fa : "", fa ? ")" : "",
                    as_given(in->v[b]), fb ? " (found in directory " : "", fb ? fb : "", fb ? ")" : "");
    return 2;
}

int slagg_cli_expand_all(const char *const *pos, size_t n_pos, slagg_path_list *out,
                         slagg_path_list *skipped)
{
    walk w = {out, skipped, NULL, 0, 0};
    int rc = 0;
    const char **from = NULL;
    size_t n_from = 0;
    size_t first = out->n;
    for (size_t i = 0; !rc && i < n_pos; i++) {
        rc = walk_input(&w, pos[i]);
        /* the argument each entry came from, for the message */
        if (!rc && out->n > n_from) {
            const char **f = slagg_reallocarray(from, out->n, sizeof *f);
            if (!f) {
                slagg_cli_error("out of memory");
                rc = 3;
                break;
            }
            from = f;
            for (; n_from < out->n; n_from++) from[n_from] = n_from < first ? NULL : pos[i];
        }
    }
    walk_free(&w);
    if (!rc) rc = slagg_cli_check_distinct(out, from);
    slagg_free(from);
    return rc;
}

int slagg_cli_write_rejects(const char *path, const char *const *inputs, const slagg_rejects *rj)
{
    slagg_buf b = {0};
    slagg_err err = {0};
    slagg_format_rejects_csv(inputs, rj, &b);
    slagg_status st = slagg_buf_failed(&b) ? slagg_err_set(&err, SLAGG_E_NOMEM, "out of memory")
                                           : slagg_write_atomic_path(path, b.data, b.len, &err);
    slagg_buf_free(&b);
    if (st != SLAGG_OK) {
        slagg_cli_error("%s", err.msg);
        return slagg_status_exit_code(st);
    }
    return 0;
}

int slagg_cli_report_rejects(const char *const *inputs, const slagg_rejects *rj, uint64_t max,
                             int have_file)
{
    if (rj->total == 0) return 0;
    /* name the first few on stderr even when under the limit: nothing is
     * dropped silently */
    size_t show = rj->n < 10 ? rj->n : 10;
    for (size_t i = 0; i < show; i++)
        slagg_cli_error("%s:%llu: rejected: %s", inputs[rj->rows[i].file],
                        (unsigned long long)rj->rows[i].line, rj->rows[i].reason);
    if (rj->total > show)
        slagg_cli_error("... %llu rejected rows in all%s", (unsigned long long)rj->total,
                        have_file ? "" : " (--rejects FILE lists them)");
    if (rj->total <= max) return 0;
    slagg_cli_error("%llu row%s rejected, more than --max-rejects %llu allows; nothing written",
                    (unsigned long long)rj->total, rj->total == 1 ? "" : "s",
                    (unsigned long long)max);
    return -1;
}
