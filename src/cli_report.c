/* cli_report — `warroom report`: the view across incidents (src/report.c)
 * over this data directory's incidents and those only the sync remote holds
 * (read from the fetched refs, never written into the store), for a period,
 * as a table, Markdown (with its SVG chart beside it), JSON or CSV. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "warroom/cli.h"
#include "warroom/error.h"
#include "warroom/incident.h"
#include "warroom/report.h"
#include "warroom/stamp.h"
#include "warroom/store.h"

/* --since / --until: a date (YYYY-MM-DD, UTC; as --until, the whole day is
 * in) or an ISO 8601 date-time. */
static int parse_bound(int64_t *out, const char *text, const char *option, bool until)
{
    int y, mo, d;
    char tail;
    if (strlen(text) == 10 && sscanf(text, "%4d-%2d-%2d%c", &y, &mo, &d, &tail) == 3 && mo >= 1 && mo <= 12 &&
        d >= 1 && d <= 31) {
        *out = stamp_from_utc(y, mo, d, 0, 0, 0) + (until ? 86400 * STAMP_SECOND : 0);
        return 0;
    }
    if (stamp_parse_iso(out, text) == 0)
        return 0;
    return cli_usage_error("%s takes a date (2025-03-01) or an ISO 8601 time (2025-03-01T00:00:00Z)", option);
}

static void incidents_free(struct incident **incs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        incident_free(incs[i]);
    free(incs);
}

/* This data directory's incidents, then the remote's. An incident whose log
 * cannot be replayed is said and left out, never counted as nothing. */
static int incidents_load(struct cli_context *c, struct incident ***out, size_t *n)
{
    char **ids;
    size_t nids;
    *out = NULL;
    *n = 0;
    if (store_list(&c->s.store, &ids, &nids) < 0)
        return -1;
    struct incident **incs = NULL, **remote = NULL;
    size_t ninc = 0, nremote = 0;
    incs = xmalloc((nids + 1) * sizeof *incs);
    for (size_t i = 0; i < nids; i++) {
        char *path = store_log_path(&c->s.store, ids[i]);
        if (incident_load(&incs[ninc], ids[i], path) == 0) {
            /* the report never follows a log: its descriptor goes now, or a
             * data directory of thousands of incidents would run out of them */
            close(incs[ninc]->reader.fd);
            incs[ninc++]->reader.fd = -1;
        }
        else
            fprintf(stderr, "warroom: report: left out %s: %s\n", ids[i], error_last());
        free(path);
    }
    store_list_free(ids, nids);
    if (cli_sync_remote_incidents(c, &remote, &nremote, c->opts->remote) < 0) {
        if (c->opts->remote) {
            incidents_free(incs, ninc);
            return -1;                    /* asked for: no report without them */
        }
        fprintf(stderr, "warroom: report: the remote's incidents are left out: %s\n", error_last());
    }
    incs = xrealloc(incs, (ninc + nremote + 1) * sizeof *incs);
    for (size_t i = 0; i < nremote; i++)
        incs[ninc++] = remote[i];
    free(remote);
    *out = incs;
    *n = ninc;
    return 0;
}

/* FILE.md's chart: FILE.svg. */
static char *svg_path(const char *output)
{
    size_t n = strlen(output);
    if (n > 3 && strcmp(output + n - 3, ".md") == 0)
        n -= 3;
    char *path = xmalloc(n + 5);
    memcpy(path, output, n);
    memcpy(path + n, ".svg", 5);
    return path;
}

int cli_report(struct cli_context *c)
{
    const struct cli_options *o = c->opts;
    const char *format = o->format ? o->format : "table";
    if (strcmp(format, "table") && strcmp(format, "markdown") && strcmp(format, "json") && strcmp(format, "csv"))
        return cli_usage_error("--format is table, markdown, json or csv");
    struct report_options ro = {.since = STAMP_NONE, .until = STAMP_NONE, .drills = o->drills, .now = c->s.now};
    if (o->since && parse_bound(&ro.since, o->since, "--since", false) != 0)
        return EXIT_USAGE;
    if (o->until && parse_bound(&ro.until, o->until, "--until", true) != 0)
        return EXIT_USAGE;
    if (ro.since != STAMP_NONE && ro.until != STAMP_NONE && ro.until <= ro.since)
        return cli_usage_error("--until must come after --since");
    if (session_load_policy(&c->s) < 0)
        return cli_fail();
    struct incident **incs;
    size_t n;
    if (incidents_load(c, &incs, &n) < 0)
        return cli_fail();
    json_t *report = report_build(incs, n, &c->s.policy, &ro);

    struct buf text = BUF_INIT, chart = BUF_INIT;
    char *chart_path = NULL;
    int rc = 0;
    if (strcmp(format, "json") == 0) {
        char *dump = json_dumps(report, JSON_INDENT(2) | JSON_ENSURE_ASCII);
        buf_adds(&text, dump ? dump : "null");
        buf_adds(&text, "\n");
        free(dump);
    } else if (strcmp(format, "csv") == 0) {
        report_render_csv(&text, report);
    } else if (strcmp(format, "markdown") == 0) {
        /* the chart goes beside the file, named relative to it */
        if (o->output) {
            chart_path = svg_path(o->output);
            const char *base = strrchr(chart_path, '/');
            report_render_svg(&chart, report);
            report_render_markdown(&text, report, base ? base + 1 : chart_path);
        } else {
            report_render_markdown(&text, report, NULL);
        }
    } else {
        report_render_table(&text, report);
    }
    if (o->output) {
        if (chart_path && session_file_replace(chart_path, buf_str(&chart), chart.len, 0600) < 0)
            rc = cli_fail();
        else if (session_file_replace(o->output, buf_str(&text), text.len, 0600) < 0)
            rc = cli_fail();
        else if (chart_path)
            fprintf(stderr, "warroom: report written to %s, its chart to %s\n", o->output, chart_path);
        else
            fprintf(stderr, "warroom: report written to %s\n", o->output);
    } else {
        fwrite(buf_str(&text), 1, text.len, stdout);
    }
    free(chart_path);
    buf_free(&text);
    buf_free(&chart);
    json_decref(report);
    incidents_free(incs, n);
    return rc;
}
