/* report — the view across incidents: how fast they were detected,
 * acknowledged, mitigated and resolved (per severity and per month), whether
 * the update cadence was kept, which action items and postmortems are overdue,
 * and how often a severity was changed after the declaration.
 * report_build is a pure function of the replayed incidents, the policy and
 * the options (NOW only decides what is overdue): the same logs give the same
 * report. The figures are the postmortem's own (postmortem_figures), never
 * derived again here. The renderers turn the report (the JSON `warroom report
 * --format json` prints) into the terminal's table, Markdown, CSV and SVG;
 * every string from a log is cleaned and escaped for where it lands. Returned
 * JSON is the caller's to json_decref; bufs passed in are the caller's. */
#ifndef WARROOM_REPORT_H
#define WARROOM_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "warroom/buf.h"
#include "warroom/incident.h"
#include "warroom/policy.h"

/* What the percentiles are: the R-7 estimate of Hyndman and Fan (linear
 * interpolation between the closest ranks: numpy's default, Excel's
 * PERCENTILE.INC, Python's statistics.quantiles(method="inclusive")). */
#define REPORT_PERCENTILE_METHOD "linear interpolation between closest ranks (Hyndman-Fan R-7)"

struct report_options {
    int64_t since, until;   /* the period, over the declaration: since <= declared < until;
                               STAMP_NONE leaves that end open */
    bool drills;            /* include incidents declared as drills */
    int64_t now;            /* what is overdue is overdue as of NOW */
};

/* The Q-quantile (0 <= Q <= 1) of SORTED[0..N), ascending, N > 0, by
 * REPORT_PERCENTILE_METHOD: h = (N - 1) Q, then SORTED[floor h] plus the
 * fraction of h of the way to the next one. */
double report_quantile(const int64_t *sorted, size_t n, double q);

/* The report over INCS[0..N) (ids need not be unique: the first one given
 * counts, so pass local incidents before the remote's). Keys:
 *   period {since, until}, drills, now, percentile_method, incidents (count),
 *   months ["YYYY-MM", ...]: every month from the first declaration to the last,
 *   severities [{sev, level, count, figures, months: [{month, count, figures}]}]
 *     and overall (the same for every severity), where figures is
 *     {ttd, tta, ttm, ttr} each {n, median_s, p90_s} (null when n is 0),
 *   missing [{id, title, sev, declared, figures: ["tta", ...], why: [...]}],
 *   cadence [{id, sev, updates, late, late_total_s, late_max_s, silent_end_s}],
 *   actions [{incident, item, text, owner, kind, priority, due, created, overdue}]
 *     open items, oldest first; actions_by_owner and actions_by_kind
 *     [{owner | kind, open, overdue, oldest}],
 *   postmortems_overdue [{id, title, sev, resolved, due, overdue_by_s}],
 *   calibration {incidents, changed, up, down, changes: [{id, declared_sev,
 *     sev, up, down}]}. */
json_t *report_build(struct incident *const *incs, size_t n, const struct policy *p,
                     const struct report_options *o);

/* The terminal's view: tables, and a sparkline of the monthly medians of
 * every figure per severity. */
void report_render_table(struct buf *out, const json_t *report);
/* Markdown for the platform repo (markdownlint-clean, GitHub tables); SVG
 * (may be NULL) names the chart to show beside it. */
void report_render_markdown(struct buf *out, const json_t *report, const char *svg);
/* One row per severity and month (month "all": the whole period; severity
 * "all": every severity); the columns are REPORT_CSV_COLUMNS. */
#define REPORT_CSV_COLUMNS                                                                                        \
    "severity,month,count,ttd_n,ttd_median_s,ttd_p90_s,tta_n,tta_median_s,tta_p90_s,ttm_n,ttm_median_s,ttm_p90_s," \
    "ttr_n,ttr_median_s,ttr_p90_s"
void report_render_csv(struct buf *out, const json_t *report);
/* A chart of the monthly medians: one panel per figure, one line per severity. */
void report_render_svg(struct buf *out, const json_t *report);

#endif
