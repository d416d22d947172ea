/*
 * report_html.h - `slagg report`'s one self-contained HTML file (SPEC 5
 * "report"; docs/RULES.md "The HTML report"): the fleet headline, the
 * distribution of availability, the periods under the promise with their
 * error windows over the days, the fleet's error windows per day and the
 * credits by tier. Pure formatting into a memory buffer: no script, no
 * external resource (a Content-Security-Policy of default-src 'none'
 * says so to the browser too), inline CSS, charts as inline SVG with
 * axes, tick labels and axis titles with units. Sized for people, not for
 * the fleet: a fixed number of bins, bars and listed periods whatever the
 * number of accounts, so 100 k accounts stay within 2 MB and 20,000 DOM
 * nodes.
 */
#ifndef SLAGG_IO_REPORT_HTML_H
#define SLAGG_IO_REPORT_HTML_H

#include <stddef.h>

#include "core/error.h"
#include "core/fleet.h"
#include "core/report.h"
#include "core/warnings.h"
#include "io/buf.h"

/* Periods under the promise listed one by one (the worst first); the rest
 * are counted in one line. */
#define SLAGG_REPORT_MAX_LISTED 200
/* Bars of the fleet's error windows per day: a longer range is shown in
 * groups of whole days. */
#define SLAGG_REPORT_MAX_DAY_BARS 400
/* Details of one warning kind, and coverage gaps, shown one by one. */
#define SLAGG_REPORT_MAX_DETAILS 10

/* Formats the report of fleet f into b: r is slagg_report_build(f, ...),
 * w is slagg_warnings_build(f, r, ...); source names the summary read (shown
 * as text, escaped). Every text from the input is HTML-escaped (& < > " ')
 * after its control characters are escaped as \xNN (SPEC 6). The same
 * fleet and source give the same bytes (no clock time). SLAGG_E_NOMEM when
 * an allocation fails (b is then incomplete). */
slagg_status slagg_format_report_html(const slagg_fleet *f, const slagg_report *r, const slagg_warnings *w,
                                      const char *source, slagg_buf *b, slagg_err *err);

/* The HTML text of s (n bytes) for an element's content or a quoted
 * attribute: control characters as \xNN (slagg_buf_escaped), then
 * & < > " ' as character references. */
void slagg_buf_html_text(slagg_buf *b, const char *s, size_t n);

#endif
