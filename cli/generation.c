/*
 * generation.c - the CLI side of the one-generation commit
 * (cli/generation.h): lock messages, the kill test hook, the --rejects
 * path check. The library (io/generation.c) reads no
 * environment; the hook's setting comes from here (STYLE.md).
 */
#include "cli/generation.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/msg.h"
#include "core/alloc.h"
#include "core/engine/job.h"

/* The test hook (docs/RELIABILITY.md "Test hook"): counts steps over the
 * lock-time cleanup and the commit, and stops the process dead at the
 * N-th, as a power cut or `kill -9` would. */
static void on_step(void *ctx, int n, const char *what)
{
    slagg_cli_gen *g = ctx;
    (void)n;
    g->steps++;
    if (g->trace) fprintf(stderr, "slagg: test hook: step %ld: %s\n", g->steps, what);
    if (g->kill_at && g->steps == g->kill_at) raise(SIGKILL);
}

void slagg_cli_gen_init(slagg_cli_gen *g, slagg_fold *job)
{
    memset(g, 0, sizeof *g);
    const char *k = getenv("SLAGG_TEST_KILL_AT");
    const char *t = getenv("SLAGG_TEST_TRACE_STEPS");
    if (k && *k) g->kill_at = strtol(k, NULL, 10);
    g->trace = t && *t && strcmp(t, "0") != 0;
    if (g->kill_at > 0 || g->trace) {
        g->co.step = on_step;
        g->co.ctx = g;
    }
    if (job) slagg_fold_set_commit_hook(job, &g->co);
}

int slagg_cli_job_lock(slagg_fold *job, const char *dir, int no_wait, int quiet)
{
    int busy = 0;
    struct stat sb;
    /* issue 15: name --out, and say what is wrong with it, before the
     * library's "DIR: not a directory" (exit 3 as before: DIR cannot be
     * written) */
    if (stat(dir, &sb) == 0 && !S_ISDIR(sb.st_mode)) {
        slagg_cli_error("--out %s is a file, not a directory: give a directory (created when missing); nothing done", dir);
        return 3;
    }
    if (stat(dir, &sb) != 0 && errno == ENOTDIR) {
        slagg_cli_error("--out %s: a part of that path is a file, not a directory; nothing done", dir);
        return 3;
    }
    slagg_status st = slagg_fold_lock(job, dir, 0, &busy);
    if (st != SLAGG_OK && busy && !no_wait) {
        if (!quiet) slagg_cli_error("%s; waiting", slagg_fold_error(job));
        st = slagg_fold_lock(job, dir, 1, &busy);
    }
    if (st == SLAGG_OK) return 0;
    if (busy) slagg_cli_error("%s; wait for it or drop --no-wait", slagg_fold_error(job));
    else slagg_cli_error("%s", slagg_fold_error(job));
    return slagg_status_exit_code(st);
}

/* ---- output paths: --rejects, --metrics ----------------------------------------------------------- */

/* p made absolute and normalised: its longest existing prefix resolved
 * (realpath: symlinks, '.', '..'), the rest appended with '.' dropped and
 * '..' taking one component off. malloc'd; NULL when out of memory. */
static char *canon(const char *p)
{
    char cwd[PATH_MAX];
    size_t n = strlen(p);
    char *buf;
    if (p[0] == '/') {
        buf = slagg_strndup(p, n);
    } else {
        if (!getcwd(cwd, sizeof cwd)) return NULL;
        size_t m = strlen(cwd) + n + 2;
        buf = slagg_malloc(m);
        if (buf) snprintf(buf, m, "%s/%s", cwd, p);
    }
    if (!buf) return NULL;
    size_t total = strlen(buf);
    char *res = NULL;
    size_t cut = total; /* buf[0..cut) is the prefix tried */
    for (;;) {
        char save = buf[cut];
        buf[cut] = '\0';
        res = realpath(cut ? buf : "/", NULL);
        buf[cut] = save;
        if (res || cut == 0) break;
        while (cut > 0 && buf[cut - 1] != '/') cut--;
        if (cut > 0) cut--; /* drop the '/' too */
    }
    if (!res) {
        slagg_free(buf);
        return NULL;
    }
    size_t cap = strlen(res) + (total - cut) + 2;
    char *out = slagg_malloc(cap);
    if (!out) {
        free(res);
        slagg_free(buf);
        return NULL;
    }
    strcpy(out, res);
    free(res);
    size_t len = strlen(out);
    if (len > 1 && out[len - 1] == '/') out[--len] = '\0';
    for (char *c = buf + cut; *c;) {
        while (*c == '/') c++;
        char *e = c;
        while (*e && *e != '/') e++;
        size_t cl = (size_t)(e - c);
        if (cl == 0 || (cl == 1 && c[0] == '.')) {
        } else if (cl == 2 && c[0] == '.' && c[1] == '.') {
            while (len > 1 && out[len - 1] != '/') len--;
            if (len > 1) len--;
            out[len] = '\0';
        } else {
            if (len > 1 || out[0] != '/') out[len++] = '/';
            memcpy(out + len, c, cl);
            len += cl;
            out[len] = '\0';
        }
        c = e;
    }
    slagg_free(buf);
    return out;
}

/* Whether path p is dir or lies below it (both canonical). */
static int under(const char *p, const char *dir)
{
    size_t n = strlen(dir);
    if (n == 1 && dir[0] == '/') return 1;
    return strncmp(p, dir, n) == 0 && (p[n] == '\0' || p[n] == '/');
}

int slagg_cli_check_out_path(const char *opt, const char *rejects, const char *out_dir,
                             const char *const *inputs, size_t n_inputs, const char *const *tables,
                             const char *const *outputs, size_t n_outputs)
{
    static const char *const kinds[4] = {"--contracts", "--fees", "--maintenance", "--holidays"};
    if (!rejects) return 0;
    struct stat rs, sb;
    int r_exists = stat(rejects, &rs) == 0;
    char *cr = canon(rejects), *c = NULL;
    int rc = 0;
    if (!cr) {
        slagg_cli_error("out of memory");
        return 3;
    }
    if (out_dir && (c = canon(out_dir)) != NULL && under(cr, c)) {
        slagg_cli_error("%s %s is inside the output directory %s, which holds only the "
                        "generations of the outputs: give a path outside it; nothing done",
                        opt, rejects, out_dir);
        rc = 1;
    }
    slagg_free(c);
    for (size_t i = 0; !rc && i < n_inputs; i++) {
        if (strcmp(inputs[i], "-") == 0 || stat(inputs[i], &sb) != 0) continue;
        c = canon(inputs[i]);
        if (S_ISDIR(sb.st_mode) ? (c && under(cr, c))
                                : ((r_exists && rs.st_dev == sb.st_dev && rs.st_ino == sb.st_ino) ||
                                   (c && strcmp(c, cr) == 0))) {
            slagg_cli_error(S_ISDIR(sb.st_mode)
                                ? "%s %s is inside the input directory %s (it would be read as an input); nothing done"
                                : "%s %s is the input %s: writing it would destroy it; nothing done",
                            opt, rejects, inputs[i]);
            rc = 1;
        }
        slagg_free(c);
    }
    for (int k = 0; !rc && tables && k < 4; k++) {
        if (!tables[k] || stat(tables[k], &sb) != 0) continue;
        c = canon(tables[k]);
        if ((r_exists && rs.st_dev == sb.st_dev && rs.st_ino == sb.st_ino) || (c && strcmp(c, cr) == 0)) {
            slagg_cli_error("%s %s is the %s table %s: writing it would destroy it; nothing done",
                            opt, rejects, kinds[k], tables[k]);
            rc = 1;
        }
        slagg_free(c);
    }
    for (size_t i = 0; !rc && i < n_outputs; i++) {
        c = canon(outputs[i]);
        if (c && strcmp(c, cr) == 0) {
            slagg_cli_error("%s %s is the output %s; nothing done", opt, rejects, outputs[i]);
            rc = 1;
        }
        slagg_free(c);
    }
    slagg_free(cr);
    return rc;
}

int slagg_cli_check_rejects(const char *rejects, const char *out_dir, const char *const *inputs,
                            size_t n_inputs, const char *const *tables, const char *const *outputs,
                            size_t n_outputs)
{
    return slagg_cli_check_out_path("--rejects", rejects, out_dir, inputs, n_inputs, tables, outputs, n_outputs);
}
