/*
 * warnings.c - --gap and --strict parsing (cli/warnings.h, SPEC sections
 * 4 and 5; docs/RULES.md "Warnings"); the job applies them, and
 * cli/fold_job.c prints the warnings.
 */
#include "cli/warnings.h"

#include <stdio.h>
#include <string.h>

#include "cli/msg.h"
#include "cli/opts.h"

static void kinds_list(char *out, size_t cap)
{
    size_t at = 0;
    out[0] = '\0';
    for (int k = 0; k < SLAGG_WARN_KINDS; k++) {
        int n = snprintf(out + at, cap - at, "%s%s", k ? ", " : "", slagg_warn_kind_name((slagg_warn_kind)k));
        if (n < 0 || (size_t)n >= cap - at) break;
        at += (size_t)n;
    }
}

int slagg_cli_parse_strict(const char *value, uint32_t *mask)
{
    char kinds[256];
    *mask = 0;
    if (value == slagg_opt_bare) {
        *mask = SLAGG_WARN_ALL;
        return 0;
    }
    const char *p = value;
    for (;;) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        int k = slagg_warn_kind_parse(p, n);
        if (k < 0) {
            kinds_list(kinds, sizeof kinds);
            if (n == 0)
                slagg_cli_error("--strict=%s: an empty kind; give --strict alone (every kind) or --strict=KIND,... "
                                "with kinds from: %s", value, kinds);
            else
                slagg_cli_error("--strict: unknown warning kind '%.*s'; kinds: %s", (int)(n > 64 ? 64 : n), p, kinds);
            return 1;
        }
        *mask |= 1u << k;
        if (!e) return 0;
        p = e + 1;
    }
}

int slagg_cli_parse_gap(const char *value, uint32_t *gap)
{
    uint64_t v;
    if (slagg_parse_u64(value, SLAGG_GAP_MAX, &v) != 0 || v == 0) {
        slagg_cli_error("--gap '%s' is not a number of minutes from 1 to %d", value, SLAGG_GAP_MAX);
        return 1;
    }
    *gap = (uint32_t)v;
    return 0;
}
