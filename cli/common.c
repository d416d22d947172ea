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

int slagg_path_push(slagg_path_list *l, const char *s)
{
    if (l->n == l->cap) {
        size_t nc = l->cap ? l->cap * 2 : 16;
        char **p = slagg_reallocarray(l->v, nc, sizeof *p);
        if (!p) return -1;
        l->v = p;
        l->cap = nc;
    }
    if (!(l->v[l->n] = slagg_strndup(s, strlen(s)))) return -1;
    l->n++;
    return 0;
}

void slagg_path_list_free(slagg_path_list *l)
{
    for (size_t i = 0; i < l->n; i++) slagg_free(l->v[i]);
    slagg_free(l->v);
}

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Expands a directory into its regular, non-hidden files, sorted by name
 * (so the set of inputs, not readdir's order, decides what is read). */
int slagg_cli_expand_input(slagg_path_list *out, const char *path)
{
    struct stat sb;
    if (strcmp(path, "-") == 0) return slagg_path_push(out, path) ? 3 : 0;
    if (stat(path, &sb) != 0) {
        slagg_cli_error("%s: %s", path, strerror(errno));
        return 3;
    }
    if (!S_ISDIR(sb.st_mode)) return slagg_path_push(out, path) ? 3 : 0;
    DIR *d = opendir(path);
    if (!d) {
        slagg_cli_error("%s: %s", path, strerror(errno));
        return 3;
    }
    size_t first = out->n;
    struct dirent *e;
    int rc = 0;
    while (!rc && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue;
        size_t n = strlen(path) + strlen(e->d_name) + 2;
        char *full = slagg_malloc(n);
        if (!full) {
            rc = 3;
            break;
        }
        snprintf(full, n, "%s%s%s", path, path[strlen(path) - 1] == '/' ? "" : "/", e->d_name);
        if (stat(full, &sb) == 0 && S_ISREG(sb.st_mode) && slagg_path_push(out, full)) rc = 3;
        slagg_free(full);
    }
    closedir(d);
    if (out->n > first) qsort(out->v + first, out->n - first, sizeof *out->v, str_cmp);
    if (!rc && out->n == first) {
        slagg_cli_error("%s: directory holds no input files", path);
        return 2;
    }
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
