#include "cli/opts.h"

#include "cli/msg.h"   /* slagg_cli_error: escapes what it prints (SPEC 6) */

#include <stdio.h>
#include <string.h>

const char slagg_opt_bare[] = "";

/* Edit distance (insertions, deletions, substitutions, adjacent swaps)
 * between a[0..n) and b[0..m), stopping at 3: only "close" matters. */
static size_t distance(const char *a, size_t n, const char *b, size_t m)
{
    enum { MAX = 40 };
    size_t d[MAX + 1][MAX + 1];
    if (n > MAX || m > MAX) return 3;
    for (size_t i = 0; i <= n; i++) d[i][0] = i;
    for (size_t j = 0; j <= m; j++) d[0][j] = j;
    for (size_t i = 1; i <= n; i++)
        for (size_t j = 1; j <= m; j++) {
            size_t v = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            if (d[i - 1][j] + 1 < v) v = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < v) v = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < v)
                v = d[i - 2][j - 2] + 1;
            d[i][j] = v;
        }
    return d[n][m] < 3 ? d[n][m] : 3;
}

/* "unknown option '--contract' (did you mean --contracts? see ...)":
 * the options within edit distance 2 of the name (1 for a name of 3 or
 * 4 bytes, 0 for shorter), or of which it is a prefix of at least 2
 * bytes, closest first (at most 3; issue 15). */
static void unknown_option(const char *cmd, const char *arg, const slagg_opt *opts, size_t n_opts)
{
    const char *name = arg;
    while (*name == '-') name++;
    const char *eq = strchr(name, '=');
    size_t len = eq ? (size_t)(eq - name) : strlen(name);
    const char *pick[3];
    size_t n_pick = 0;
    /* a short name is close to everything: fewer edits count for it */
    size_t max = len <= 2 ? 0 : len <= 4 ? 1 : 2;
    for (size_t want = 0; want <= 2 && n_pick < 3; want++)
        for (size_t k = 0; k < n_opts && n_pick < 3; k++) {
            size_t ol = strlen(opts[k].name);
            size_t dist = distance(name, len, opts[k].name, ol);
            int prefix = len >= 2 && len < ol && memcmp(opts[k].name, name, len) == 0;
            if ((prefix ? 1 : dist) == want && (dist <= max || prefix)) pick[n_pick++] = opts[k].name;
        }
    if (!n_pick) {
        slagg_cli_error("%s: unknown option '%s' (see 'slagg %s --help')", cmd, arg, cmd);
        return;
    }
    char alt[160] = "";
    size_t at = 0;
    for (size_t i = 0; i < n_pick; i++) {
        int w = snprintf(alt + at, sizeof alt - at, "%s--%s", i == 0 ? "" : i + 1 == n_pick ? " or " : ", ", pick[i]);
        if (w > 0 && (size_t)w < sizeof alt - at) at += (size_t)w;
    }
    slagg_cli_error("%s: unknown option '%s' (did you mean %s? see 'slagg %s --help')", cmd, arg, alt, cmd);
}

int slagg_opts_parse(const char *cmd, int argc, char **argv, slagg_opt *opts, size_t n_opts,
                     const char **pos, size_t max_pos, size_t *n_pos)
{
    int only_pos = 0;
    *n_pos = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (only_pos || a[0] != '-' || a[1] == '\0') {
            if (*n_pos == max_pos) {
                slagg_cli_error("%s: too many arguments (see 'slagg %s --help')", cmd, cmd);
                return -1;
            }
            pos[(*n_pos)++] = a;
            continue;
        }
        if (strcmp(a, "--") == 0) {
            only_pos = 1;
            continue;
        }
        slagg_opt *o = NULL;
        const char *eq = NULL;
        if (a[1] == '-') {
            const char *name = a + 2;
            eq = strchr(name, '=');
            size_t len = eq ? (size_t)(eq - name) : strlen(name);
            for (size_t k = 0; k < n_opts; k++)
                if (strlen(opts[k].name) == len && memcmp(opts[k].name, name, len) == 0) o = &opts[k];
        } else if (a[2] == '\0') {
            for (size_t k = 0; k < n_opts; k++)
                if (opts[k].short_name && opts[k].short_name == a[1]) o = &opts[k];
        }
        if (!o) {
            unknown_option(cmd, a, opts, n_opts);
            return -1;
        }
        if (o->takes_value == 2) {
            o->value = eq ? eq + 1 : slagg_opt_bare;
            continue;
        }
        if (!o->takes_value) {
            if (eq) {
                slagg_cli_error("%s: option --%s takes no value", cmd, o->name);
                return -1;
            }
            o->value = "1";
            continue;
        }
        if (eq) {
            o->value = eq + 1;
        } else if (i + 1 < argc) {
            o->value = argv[++i];
        } else {
            slagg_cli_error("%s: option --%s needs a value", cmd, o->name);
            return -1;
        }
    }
    return 0;
}

const char *slagg_opt_get(const slagg_opt *opts, size_t n_opts, const char *name)
{
    for (size_t k = 0; k < n_opts; k++)
        if (strcmp(opts[k].name, name) == 0) return opts[k].value;
    return NULL;
}

int slagg_parse_u64(const char *s, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;
    if (!s || !*s) return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9') return -1;
        unsigned d = (unsigned)(*s - '0');
        if (d > max || v > (max - d) / 10) return -1;   /* d > max: max - d would wrap */
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}
