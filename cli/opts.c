#include "cli/opts.h"

#include "cli/msg.h"   /* slagg_cli_error: escapes what it prints (SPEC 6) */

#include <string.h>

const char slagg_opt_bare[] = "";

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
            slagg_cli_error("%s: unknown option '%s' (see 'slagg %s --help')", cmd, a, cmd);
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
        if (v > (max - d) / 10) return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}
