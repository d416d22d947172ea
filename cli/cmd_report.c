/*
 * cmd_report.c - `slagg report SUMMARY --out FILE.html` (SPEC 5 "report"):
 * one self-contained HTML file for people, read from the compact summary
 * the way `slagg export` reads it (never the raw records). The HTML itself
 * is io/report_html.c's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cmd.h"
#include "cli/msg.h"
#include "cli/opts.h"
#include "core/alloc.h"
#include "core/report.h"
#include "core/warnings.h"
#include "io/generation.h"
#include "io/output.h"
#include "io/report_html.h"
#include "io/summary_file.h"

static const char report_help[] =
    "Usage: slagg report SUMMARY --out FILE.html\n"
    "\n"
    "Writes one self-contained HTML file (no script, no network access, no\n"
    "external font or image) to open in a browser: the fleet headline (periods,\n"
    "tiers, total credit, coverage and warnings), the distribution of\n"
    "availability, the periods under the promise (availability below 99.90 %,\n"
    "exactly; the worst 200 listed, each with its error windows per day), the\n"
    "fleet's error windows per day, and the credits by tier. Read from the\n"
    "compact summary alone, never the raw records.\n"
    "\n"
    "SUMMARY is a compact availability summary (DIR/availability.slagg of a\n"
    "fold or export) or the fold's DIR itself (its current generation).\n"
    "FILE.html is written atomically and must end in .html or .htm; it may not\n"
    "be the summary itself.\n"
    "\n"
    "Options:\n"
    "  --out FILE.html    the report to write (its directory is created)\n"
    "  --summary FILE     the compact summary (or give it as the argument)\n"
    "  -h, --help         this help\n"
    "\n"
    "Example:\n"
    "  slagg report out/availability.slagg --out out/report.html\n"
    "  slagg report out --out report.html\n";

static int ends_with_html(const char *s)
{
    size_t n = strlen(s);
    return (n > 5 && strcasecmp(s + n - 5, ".html") == 0 && s[n - 6] != '/') ||
           (n > 4 && strcasecmp(s + n - 4, ".htm") == 0 && s[n - 5] != '/');
}

int slagg_cmd_report(int argc, char **argv)
{
    slagg_opt opts[] = {{"out", 1, NULL, 0}, {"summary", 1, NULL, 0}, {"help", 0, NULL, 'h'}};
    const size_t n_opts = sizeof opts / sizeof *opts;
    const char *pos[1];
    size_t n_pos;
    if (slagg_opts_parse("report", argc, argv, opts, n_opts, pos, 1, &n_pos) != 0) return 1;
    if (slagg_opt_get(opts, n_opts, "help")) {
        fputs(report_help, stdout);
        return 0;
    }
    const char *out = slagg_opt_get(opts, n_opts, "out");
    const char *sum = slagg_opt_get(opts, n_opts, "summary");
    if (n_pos) {
        if (sum) {
            slagg_cli_error("give the summary once, as --summary or as the argument");
            return 1;
        }
        sum = pos[0];
    }
    if (!out || !sum) {
        slagg_cli_error("report needs a SUMMARY and --out FILE.html (see 'slagg report --help')");
        return 1;
    }
    if (!ends_with_html(out)) {
        slagg_cli_error("--out %s: the report is HTML: give a file name ending in .html", out);
        return 1;
    }
    char *path = slagg_generation_path(sum, SLAGG_SUMMARY_NAME);
    if (!path) {
        slagg_cli_error("out of memory");
        return 3;
    }
    /* never replace the summary the report is made from (by any name) */
    struct stat so, ss;
    if (stat(out, &so) == 0 && stat(path, &ss) == 0 && so.st_dev == ss.st_dev && so.st_ino == ss.st_ino) {
        slagg_cli_error("--out %s is the summary %s itself: choose another file", out, path);
        slagg_free(path);
        return 1;
    }
    slagg_fleet f;
    slagg_tables t;
    slagg_report r;
    slagg_warnings w;
    slagg_buf html = {0};
    slagg_err err = {0};
    memset(&r, 0, sizeof r);
    memset(&w, 0, sizeof w);
    slagg_status st = slagg_summary_read(path, &f, &t, &err);
    if (st != SLAGG_OK) {
        slagg_cli_error("%s", err.msg);
        slagg_free(path);
        return slagg_status_exit_code(st);
    }
    /* the same rows and warnings as `slagg export` of this summary */
    st = slagg_report_build(&f, &t, &r, &err);
    if (st == SLAGG_OK) st = slagg_warnings_build(&f, &r, t.fees_path, &w, &err);
    if (st == SLAGG_OK) st = slagg_format_report_html(&f, &r, &w, sum, &html, &err);
    if (st == SLAGG_OK) st = slagg_write_atomic_path(out, html.data, html.len, &err);
    if (st != SLAGG_OK) {
        slagg_cli_error("%s", err.msg);
    } else {
        uint64_t under = r.tiers[1] + r.tiers[2] + r.tiers[3];
        printf("slagg report: %zu periods, %llu under the promise: wrote %s (%zu bytes)\n", r.n_rows,
               (unsigned long long)under, out, html.len);
    }
    slagg_buf_free(&html);
    slagg_warnings_free(&w);
    slagg_report_free(&r);
    slagg_fleet_free(&f);
    slagg_tables_free(&t);
    slagg_free(path);
    return slagg_status_exit_code(st);
}
