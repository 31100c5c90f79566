/* Tests for the report across incidents: the percentile method on values
 * worked out by hand, then small logs replayed with incident_load and what
 * report_build makes of them — the figures are the postmortem's, a figure the
 * log does not allow is listed and not counted, drills and incidents outside
 * the period are left out, an id given twice counts once, the update cadence,
 * open and overdue action items, overdue postmortems and severity changes —
 * and that the renderers escape what came from a log. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "warroom/buf.h"
#include "warroom/error.h"
#include "warroom/incident.h"
#include "warroom/policy.h"
#include "warroom/postmortem.h"
#include "warroom/report.h"
#include "warroom/stamp.h"

#define MAX_INCIDENTS 8

struct fixture {
    char dir[64];
    struct policy policy;
    struct incident *incs[MAX_INCIDENTS];
    size_t n;
};

static int setup(void **state)
{
    struct fixture *f = xcalloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/warroom-test-report.XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    if (policy_builtin(&f->policy) < 0)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    for (size_t i = 0; i < f->n; i++) {
        char path[128];
        snprintf(path, sizeof path, "%s/%zu.jsonl", f->dir, i);
        unlink(path);
        incident_free(f->incs[i]);
    }
    policy_free(&f->policy);
    rmdir(f->dir);
    free(f);
    return 0;
}

/* Writes LINES (NULL-terminated) as the log of incident ID and replays it. */
static struct incident *replay(struct fixture *f, const char *id, const char *const *lines)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%zu.jsonl", f->dir, f->n);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    for (size_t i = 0; lines[i]; i++)
        fprintf(fp, "%s\n", lines[i]);
    fclose(fp);
    assert_true(f->n < MAX_INCIDENTS);
    if (incident_load(&f->incs[f->n], id, path) < 0)
        fail_msg("replay failed: %s", error_last());
    return f->incs[f->n++];
}

static int64_t at(const char *iso)
{
    int64_t t;
    if (stamp_parse_iso(&t, iso) < 0)
        fail_msg("bad test time %s", iso);
    return t;
}

#define REC(id, when, type, rest) \
    "{\"v\":1,\"id\":\"" id "\",\"ts\":\"" when "\",\"at\":\"" when "\",\"by\":\"carol\",\"type\":\"" type "\"" rest "}"

static json_t *build(struct fixture *f, const char *now, const char *since, const char *until, bool drills)
{
    struct report_options o = {.since = since ? at(since) : STAMP_NONE, .until = until ? at(until) : STAMP_NONE,
                               .drills = drills, .now = at(now)};
    return report_build(f->incs, f->n, &f->policy, &o);
}

static double number(const json_t *j, const char *path)
{
    /* "severities.0.figures.tta.median_s": objects by key, arrays by index */
    char copy[256];
    snprintf(copy, sizeof copy, "%s", path);
    const json_t *v = j;
    for (char *key = strtok(copy, "."); key && v; key = strtok(NULL, "."))
        v = json_is_array(v) ? json_array_get(v, strtoul(key, NULL, 10)) : json_object_get(v, key);
    if (!json_is_number(v))
        fail_msg("%s is not a number", path);
    return json_number_value(v);
}

/* ---- the percentile method ------------------------------------------- */

static void test_quantile_by_hand(void **state)
{
    (void)state;
    const int64_t one[] = {7};
    assert_true(report_quantile(one, 1, 0.5) == 7.0);
    assert_true(report_quantile(one, 1, 0.9) == 7.0);
    /* 1..10: median h = 4.5 -> 5.5; p90 h = 8.1 -> 9 + 0.1 = 9.1 */
    const int64_t ten[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    assert_true(report_quantile(ten, 10, 0.5) == 5.5);
    assert_float_equal(report_quantile(ten, 10, 0.9), 9.1, 1e-9);
    /* 10, 20, 40, 80: median 30; p90 h = 2.7 -> 40 + 0.7 * 40 = 68 */
    const int64_t four[] = {10, 20, 40, 80};
    assert_true(report_quantile(four, 4, 0.5) == 30.0);
    assert_float_equal(report_quantile(four, 4, 0.9), 68.0, 1e-9);
    assert_true(report_quantile(four, 4, 1.0) == 80.0);
    assert_true(report_quantile(four, 4, 0.0) == 10.0);
}

/* ---- the figures ----------------------------------------------------- */

static const char *const resolved_story[] = {
    REC("a1", "2025-03-15T14:25:00Z", "declare", ",\"title\":\"Checkout failing\",\"sev\":2"),
    REC("a2", "2025-03-15T14:10:00Z", "impact", ",\"text\":\"first failure\""),
    REC("a3", "2025-03-15T14:14:00Z", "alert", ",\"text\":\"5xx\""),
    REC("a4", "2025-03-15T14:27:00Z", "ack", ""),
    REC("a5", "2025-03-15T15:10:00Z", "mitigate", ""),
    REC("a6", "2025-03-15T15:40:00Z", "resolve", ""),
    NULL,
};

static const char *const open_story[] = {
    REC("b1", "2025-03-16T09:00:00Z", "declare", ",\"title\":\"Search slow\",\"sev\":2"),
    REC("b2", "2025-03-16T09:05:00Z", "alert", ",\"text\":\"late alert\""),
    NULL,
};

static void test_figures_are_the_postmortems(void **state)
{
    struct fixture *f = *state;
    struct incident *inc = replay(f, "inc-20250315-checkout-failing", resolved_story);
    json_t *r = build(f, "2025-03-20T00:00:00Z", NULL, NULL, false);
    struct postmortem_figures pf;
    postmortem_figures(&pf, inc, at("2025-03-20T00:00:00Z"));
    /* one incident: median and p90 are its figures, to the millisecond */
    assert_true(number(r, "severities.0.figures.ttd.median_s") * 1000 == (double)pf.ttd);
    assert_true(number(r, "severities.0.figures.tta.p90_s") * 1000 == (double)pf.tta);
    assert_true(number(r, "severities.0.figures.ttm.median_s") * 1000 == (double)pf.ttm);
    assert_true(number(r, "severities.0.figures.ttr.median_s") * 1000 == (double)pf.ttr);
    /* and they are what the log says: impact 14:10, alert 14:14, ack 14:27 */
    assert_true(number(r, "severities.0.figures.ttd.median_s") == 240);
    assert_true(number(r, "severities.0.figures.tta.median_s") == 780);
    assert_true(number(r, "severities.0.figures.ttr.median_s") == 90 * 60);
    assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(r, "severities"), 0), "sev")),
                        "SEV2");
    assert_int_equal(json_array_size(json_object_get(r, "missing")), 0);
    json_decref(r);
}

static void test_missing_figures_are_listed_not_counted(void **state)
{
    struct fixture *f = *state;
    replay(f, "inc-20250315-checkout-failing", resolved_story);
    replay(f, "inc-20250316-search-slow", open_story);
    json_t *r = build(f, "2025-03-20T00:00:00Z", NULL, NULL, false);
    assert_int_equal(number(r, "severities.0.count"), 2);
    /* TTA, TTM, TTR: only the resolved incident's; TTD: both (detected at the declaration) */
    assert_int_equal(number(r, "severities.0.figures.tta.n"), 1);
    assert_true(number(r, "severities.0.figures.tta.median_s") == 780);
    assert_int_equal(number(r, "severities.0.figures.ttr.n"), 1);
    assert_int_equal(number(r, "severities.0.figures.ttd.n"), 2);
    const json_t *missing = json_object_get(r, "missing");
    assert_int_equal(json_array_size(missing), 1);
    const json_t *m = json_array_get(missing, 0);
    assert_string_equal(json_string_value(json_object_get(m, "id")), "inc-20250316-search-slow");
    json_t *want = json_pack("[sss]", "tta", "ttm", "ttr");
    assert_true(json_equal(json_object_get(m, "figures"), want));
    json_decref(want);
    json_decref(r);
}

static void test_drills_period_and_doubles(void **state)
{
    struct fixture *f = *state;
    static const char *const drill[] = {
        REC("d1", "2025-03-17T10:00:00Z", "declare", ",\"title\":\"Game day\",\"sev\":1,\"drill\":true"),
        REC("d2", "2025-03-17T10:20:00Z", "resolve", ""),
        NULL,
    };
    replay(f, "inc-20250315-checkout-failing", resolved_story);
    replay(f, "inc-20250317-game-day", drill);
    replay(f, "inc-20250315-checkout-failing", open_story);  /* the same id again: the first counts */
    json_t *r = build(f, "2025-03-20T00:00:00Z", NULL, NULL, false);
    assert_int_equal(number(r, "incidents"), 1);
    assert_int_equal(json_array_size(json_object_get(r, "severities")), 1);
    json_decref(r);
    r = build(f, "2025-03-20T00:00:00Z", NULL, NULL, true);
    assert_int_equal(number(r, "incidents"), 2);
    assert_int_equal(number(r, "overall.figures.ttr.n"), 2);
    json_decref(r);
    /* the period is over the declaration, its end left out */
    r = build(f, "2025-03-20T00:00:00Z", "2025-03-16T00:00:00Z", NULL, true);
    assert_int_equal(number(r, "incidents"), 1);
    json_decref(r);
    r = build(f, "2025-03-20T00:00:00Z", NULL, "2025-03-15T14:25:00Z", true);
    assert_int_equal(number(r, "incidents"), 0);
    json_decref(r);
}

/* ---- cadence, actions, postmortems, calibration ---------------------- */

static void test_cadence_actions_calibration(void **state)
{
    struct fixture *f = *state;
    /* SEV2 (updates every 30m), raised to SEV1 (every 15m) at 14:30 */
    static const char *const story[] = {
        REC("c1", "2025-03-15T14:00:00Z", "declare", ",\"title\":\"Checkout\",\"sev\":2"),
        REC("c2", "2025-03-15T14:20:00Z", "update", ",\"state\":\"investigating\",\"text\":\"on it\""),
        REC("c3", "2025-03-15T14:30:00Z", "sev", ",\"sev\":1"),
        /* due 14:35 (15m after 14:20 at SEV1): 10 min late */
        REC("c4", "2025-03-15T14:45:00Z", "update", ",\"state\":\"identified\",\"text\":\"found\""),
        /* due 15:00: 2 min late */
        REC("c5", "2025-03-15T15:02:00Z", "update", ",\"state\":\"monitoring\",\"text\":\"fixed\""),
        REC("c6", "2025-03-15T15:05:00Z", "sev", ",\"sev\":2"),
        /* due 15:32 (SEV2 again): resolved 15:40 without it, 8 min */
        REC("c7", "2025-03-15T15:40:00Z", "resolve", ""),
        REC("c8", "2025-03-15T15:41:00Z", "action",
            ",\"item\":\"A1\",\"text\":\"Canary\",\"kind\":\"prevent\",\"owner\":\"dave\",\"due\":\"2025-03-18\",\"status\":\"open\""),
        REC("c9", "2025-03-15T15:42:00Z", "action",
            ",\"item\":\"A2\",\"text\":\"Alert\",\"kind\":\"mitigate\",\"owner\":\"erin\",\"due\":\"2025-03-30\",\"status\":\"open\""),
        REC("c10", "2025-03-15T15:43:00Z", "action",
            ",\"item\":\"A3\",\"text\":\"Done one\",\"kind\":\"mitigate\",\"owner\":\"dave\",\"status\":\"done\""),
        NULL,
    };
    replay(f, "inc-20250315-checkout", story);
    json_t *r = build(f, "2025-03-19T00:00:00Z", NULL, NULL, false);
    const json_t *c = json_array_get(json_object_get(r, "cadence"), 0);
    assert_non_null(c);
    assert_int_equal(number(c, "updates"), 3);
    assert_int_equal(number(c, "late"), 2);
    assert_true(number(c, "late_total_s") == 12 * 60);
    assert_true(number(c, "late_max_s") == 10 * 60);
    assert_true(number(c, "silent_end_s") == 8 * 60);

    /* open items oldest first; A1's day (the 18th) is over on the 19th */
    const json_t *actions = json_object_get(r, "actions");
    assert_int_equal(json_array_size(actions), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(actions, 0), "item")), "A1");
    assert_true(json_is_true(json_object_get(json_array_get(actions, 0), "overdue")));
    assert_true(json_is_false(json_object_get(json_array_get(actions, 1), "overdue")));
    const json_t *dave = json_array_get(json_object_get(r, "actions_by_owner"), 0);
    assert_string_equal(json_string_value(json_object_get(dave, "owner")), "dave");
    assert_int_equal(number(dave, "open"), 1);
    assert_int_equal(number(dave, "overdue"), 1);
    assert_int_equal(json_array_size(json_object_get(r, "actions_by_kind")), 2);

    /* SEV2's postmortem is due 48h after 15:40: overdue on the 19th */
    assert_int_equal(json_array_size(json_object_get(r, "postmortems_overdue")), 1);
    assert_int_equal(number(r, "calibration.changed"), 1);
    assert_int_equal(number(r, "calibration.up"), 1);
    assert_int_equal(number(r, "calibration.down"), 1);
    json_decref(r);
    /* on the 16th: nothing overdue yet */
    r = build(f, "2025-03-16T00:00:00Z", NULL, NULL, false);
    assert_int_equal(json_array_size(json_object_get(r, "postmortems_overdue")), 0);
    assert_true(json_is_false(json_object_get(json_array_get(json_object_get(r, "actions"), 0), "overdue")));
    json_decref(r);
}

/* ---- rendering ------------------------------------------------------- */

static void test_renderers_escape_the_log(void **state)
{
    struct fixture *f = *state;
    static const char *const story[] = {
        REC("h1", "2025-03-15T14:00:00Z", "declare", ",\"title\":\"x | <b>y</b> *z*\",\"sev\":2"),
        REC("h2", "2025-03-15T14:05:00Z", "action",
            ",\"item\":\"A1\",\"text\":\"=cmd|' /C calc'!A0\",\"owner\":\"\\u001b[31mmallory\",\"status\":\"open\""),
        NULL,
    };
    replay(f, "inc-20250315-x-b-y-b-z", story);
    json_t *r = build(f, "2025-03-19T00:00:00Z", NULL, NULL, false);
    struct buf md = BUF_INIT, csv = BUF_INIT, svg = BUF_INIT, table = BUF_INIT;
    report_render_markdown(&md, r, "r.svg");
    assert_non_null(strstr(buf_str(&md), "x \\| "));      /* the pipe cannot end the cell */
    assert_non_null(strstr(buf_str(&md), "\\<b>"));     /* no raw HTML */
    assert_null(strstr(buf_str(&md), " <b>"));
    assert_null(strchr(buf_str(&md), '\033'));
    assert_non_null(strstr(buf_str(&md), "![Monthly medians per severity](r.svg)"));
    report_render_table(&table, r);
    assert_null(strchr(buf_str(&table), '\033'));
    report_render_csv(&csv, r);
    assert_true(strncmp(buf_str(&csv), REPORT_CSV_COLUMNS "\r\n", strlen(REPORT_CSV_COLUMNS) + 2) == 0);
    report_render_svg(&svg, r);
    assert_true(strncmp(buf_str(&svg), "<svg ", 5) == 0);
    assert_non_null(strstr(buf_str(&svg), "</svg>\n"));
    buf_free(&md);
    buf_free(&csv);
    buf_free(&svg);
    buf_free(&table);
    json_decref(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quantile_by_hand),
        cmocka_unit_test_setup_teardown(test_figures_are_the_postmortems, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_figures_are_listed_not_counted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_drills_period_and_doubles, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cadence_actions_calibration, setup, teardown),
        cmocka_unit_test_setup_teardown(test_renderers_escape_the_log, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
