/*
 * warnings.c - --gap, --strict and the warnings on stderr (cli/warnings.h,
 * SPEC sections 4 and 5; docs/RULES.md "Warnings").
 */
#include "cli/warnings.h"

#include <stdio.h>
#include <string.h>

#include "cli/msg.h"
#include "cli/opts.h"
#include "core/alloc.h"
#include "core/report.h"

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

void slagg_cli_strict_text(uint32_t mask, char *out, size_t cap)
{
    size_t at = 0;
    out[0] = '\0';
    if ((mask & SLAGG_WARN_ALL) == SLAGG_WARN_ALL) {
        snprintf(out, cap, "all");
        return;
    }
    for (int k = 0; k < SLAGG_WARN_KINDS; k++) {
        if (!(mask & (1u << k))) continue;
        int n = snprintf(out + at, cap - at, "%s%s", at ? "," : "", slagg_warn_kind_name((slagg_warn_kind)k));
        if (n < 0 || (size_t)n >= cap - at) break;
        at += (size_t)n;
    }
}

/* A detail for stderr: control characters as \xNN (SPEC 6: text from the
 * input appears in messages with control characters escaped). */
static void escape(const char *s, size_t n, char *out, size_t cap)
{
    size_t at = 0;
    for (size_t i = 0; i < n && at + 5 < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f) at += (size_t)snprintf(out + at, cap - at, "\\x%02x", c);
        else out[at++] = (char)c;
    }
    out[at] = '\0';
}

int slagg_cli_warnings_check(const slagg_fleet *f, const slagg_tables *t, uint32_t strict,
                             size_t counts[SLAGG_WARN_KINDS])
{
    slagg_report r;
    slagg_warnings w;
    slagg_err err = {0};
    if (slagg_report_build(f, t, &r, &err) != SLAGG_OK) {
        slagg_cli_error("%s", err.msg);
        return 3;
    }
    if (slagg_warnings_build(f, &r, t->fees_path, &w, &err) != SLAGG_OK) {
        slagg_report_free(&r);
        slagg_cli_error("%s", err.msg);
        return 3;
    }
    slagg_report_free(&r);
    char *line = slagg_malloc(4 * 4096 + 64);
    size_t shown = 0;
    for (size_t i = 0; line && i < w.n; i++) {
        slagg_warn_kind k = w.v[i].kind;
        shown = i && w.v[i - 1].kind == k ? shown + 1 : 1;
        if (shown <= SLAGG_CLI_WARN_SHOW) {
            escape(w.v[i].detail, w.v[i].len, line, 4 * 4096 + 64);
            slagg_cli_error("warning: %s: %s", slagg_warn_kind_name(k), line);
        } else if (shown == SLAGG_CLI_WARN_SHOW + 1) {
            slagg_cli_error("warning: ... and %zu more %s warnings (summary.json lists them all)",
                            w.count[k] - SLAGG_CLI_WARN_SHOW, slagg_warn_kind_name(k));
        }
    }
    slagg_free(line);
    size_t hit = 0;
    char which[256] = "";
    size_t at = 0;
    for (int k = 0; k < SLAGG_WARN_KINDS; k++) {
        if (counts) counts[k] = w.count[k];
        if (!(strict & (1u << k)) || !w.count[k]) continue;
        hit += w.count[k];
        int n = snprintf(which + at, sizeof which - at, "%s%s %zu", at ? ", " : "",
                         slagg_warn_kind_name((slagg_warn_kind)k), w.count[k]);
        if (n > 0 && (size_t)n < sizeof which - at) at += (size_t)n;
    }
    slagg_warnings_free(&w);
    if (!hit) return 0;
    char mode[160];
    slagg_cli_strict_text(strict, mode, sizeof mode);
    slagg_cli_error("--strict%s%s: failing on %zu warning%s (%s); nothing written", strcmp(mode, "all") ? "=" : "",
                    strcmp(mode, "all") ? mode : "", hit, hit == 1 ? "" : "s", which);
    return 2;
}
