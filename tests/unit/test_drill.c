/* test_drill — the parts of a game day and of snoozing a clock that need no
 * terminal: a drill's declaration replayed, its postmortem's title, the
 * plan read from a scenario (checked like any log), the steps re-stamped,
 * --speed and --publish; a reminder event quieting a clock until its time or
 * for good, and the clocks that still ring sorting first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "warroom/buf.h"
#include "warroom/builtin.h"
#include "warroom/clock.h"
#include "warroom/drill.h"
#include "warroom/error.h"
#include "warroom/incident.h"
#include "warroom/policy.h"
#include "warroom/postmortem.h"
#include "warroom/stamp.h"

struct fixture {
    char dir[64], path[96];
    struct policy policy;
    struct incident *inc;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/warroom-test-drill.XXXXXX");
    if (!f || !mkdtemp(f->dir))
        return -1;
    snprintf(f->path, sizeof f->path, "%s/events.jsonl", f->dir);
    if (policy_builtin(&f->policy) < 0)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    incident_free(f->inc);
    policy_free(&f->policy);
    unlink(f->path);
    rmdir(f->dir);
    free(f);
    return 0;
}

static void write_log(struct fixture *f, const char *const *lines)
{
    FILE *fp = fopen(f->path, "w");
    assert_non_null(fp);
    for (size_t i = 0; lines[i]; i++)
        fprintf(fp, "%s\n", lines[i]);
    fclose(fp);
}

static struct incident *replay(struct fixture *f, const char *const *lines)
{
    write_log(f, lines);
    incident_free(f->inc);
    f->inc = NULL;
    if (incident_load(&f->inc, "inc-20250315-checkout", f->path) < 0)
        fail_msg("replay failed: %s", error_last());
    return f->inc;
}

static int64_t at(const char *iso)
{
    int64_t t;
    if (stamp_parse_iso(&t, iso) < 0)
        fail_msg("bad test time %s", iso);
    return t;
}

#define REC(id, when, by, type, rest)                                                                         \
    "{\"v\":1,\"id\":\"" id "\",\"ts\":\"" when "\",\"at\":\"" when "\",\"by\":\"" by "\",\"type\":\"" type "\"" \
    rest "}"

#define DECLARE(rest) \
    REC("e01", "2025-03-15T14:00:00Z", "carol", "declare", ",\"title\":\"Checkout failing\",\"sev\":2" rest)

/* ---- reminders ---- */

static const struct clock *find(const struct clock *c, size_t n, enum clock_kind kind)
{
    for (size_t i = 0; i < n; i++)
        if (c[i].kind == kind)
            return &c[i];
    return NULL;
}

static void test_snooze_quiets_until_its_time(void **state)
{
    struct fixture *f = *state;
    static const char *const log[] = {
        DECLARE(""),
        REC("e02", "2025-03-15T14:20:00Z", "dan", "reminder",
            ",\"clock\":\"update\",\"action\":\"snooze\",\"until\":\"2025-03-15T14:35:00Z\""),
        NULL,
    };
    struct incident *inc = replay(f, log);
    assert_int_equal(inc->nreminders, 1);
    struct clock clocks[CLOCK_MAX];
    /* SEV2 updates every 30 minutes: due 14:30, overdue at 14:31 */
    size_t n = clock_compute(inc, &f->policy, at("2025-03-15T14:31:00Z"), clocks);
    const struct clock *u = find(clocks, n, CLOCK_UPDATE);
    assert_non_null(u);
    assert_string_equal(u->key, "update");
    assert_int_equal(u->state, CLOCK_OVERDUE);  /* what happened is not rewritten */
    assert_true(u->quiet);
    assert_int_equal(u->quiet_until, at("2025-03-15T14:35:00Z"));
    /* quiet clocks sort after every clock that still rings */
    for (size_t i = 0; i < n; i++)
        if (!clocks[i].quiet)
            assert_true(&clocks[i] < u);
    /* at its time it rings again */
    n = clock_compute(inc, &f->policy, at("2025-03-15T14:35:00Z"), clocks);
    u = find(clocks, n, CLOCK_UPDATE);
    assert_false(u->quiet);
    assert_int_equal(u->state, CLOCK_OVERDUE);
    /* and before the snooze was recorded it was not quiet either */
    n = clock_compute(inc, &f->policy, at("2025-03-15T14:10:00Z"), clocks);
    assert_false(find(clocks, n, CLOCK_UPDATE)->quiet);
}

static void test_dismiss_is_for_good_and_the_last_word_counts(void **state)
{
    struct fixture *f = *state;
    static const char *const log[] = {
        DECLARE(""),
        REC("e02", "2025-03-15T14:05:00Z", "carol", "reminder", ",\"clock\":\"ack\",\"action\":\"dismiss\""),
        REC("e03", "2025-03-15T14:06:00Z", "carol", "reminder", ",\"clock\":\"update\",\"action\":\"dismiss\""),
        REC("e04", "2025-03-15T14:07:00Z", "carol", "reminder",
            ",\"clock\":\"update\",\"action\":\"snooze\",\"until\":\"2025-03-15T14:40:00Z\""),
        /* a snooze with no time it ends is no snooze: ignored, never taken as for good */
        REC("e05", "2025-03-15T14:08:00Z", "carol", "reminder", ",\"clock\":\"mitigate\",\"action\":\"snooze\""),
        REC("e06", "2025-03-15T14:08:00Z", "carol", "reminder", ",\"clock\":\"mitigate\",\"action\":\"forget\""),
        NULL,
    };
    struct incident *inc = replay(f, log);
    assert_int_equal(inc->nreminders, 3);
    struct clock clocks[CLOCK_MAX];
    size_t n = clock_compute(inc, &f->policy, at("2025-03-16T10:00:00Z"), clocks);
    const struct clock *a = find(clocks, n, CLOCK_ACK);
    assert_true(a->quiet);
    assert_int_equal(a->quiet_until, INT64_MAX);
    assert_false(find(clocks, n, CLOCK_UPDATE)->quiet);   /* the later snooze ran out */
    assert_false(find(clocks, n, CLOCK_MITIGATE)->quiet);
    assert_non_null(clock_find(clocks, n, "mitigate"));
    assert_null(clock_find(clocks, n, "nothing"));
    /* an escalation clock is named by its rule */
    for (size_t i = 0; i < n; i++)
        if (clocks[i].kind == CLOCK_ESCALATION)
            assert_int_equal(strncmp(clocks[i].key, "escalation:", 11), 0);
}

/* ---- drills ---- */

static void test_drill_declaration_and_postmortem(void **state)
{
    struct fixture *f = *state;
    static const char *const plain[] = {DECLARE(""), NULL};
    assert_false(replay(f, plain)->drill);
    static const char *const log[] = {DECLARE(",\"drill\":true,\"drill_publish\":\"slack,webhook\""), NULL};
    struct incident *inc = replay(f, log);
    assert_true(inc->drill);
    assert_string_equal(inc->drill_publish, "slack,webhook");
    assert_true(drill_publishes_to(inc->drill_publish, "webhook"));
    assert_false(drill_publishes_to(inc->drill_publish, "web"));
    assert_false(drill_publishes_to(inc->drill_publish, "pagerduty"));

    json_t *ctx = postmortem_context(inc, &f->policy, at("2025-03-20T00:00:00Z"));
    json_t *i = json_object_get(ctx, "incident");
    assert_string_equal(json_string_value(json_object_get(i, "title")), "[DRILL] Checkout failing");
    assert_true(json_is_true(json_object_get(i, "drill")));
    const struct builtin_file *tpl = builtin_find("docs/templates/postmortem.md");
    struct buf out = BUF_INIT;
    assert_int_equal(postmortem_render(&out, tpl->text, tpl->len, "built-in", ctx), 0);
    /* Markdown's escape keeps the bracket a bracket */
    if (!strstr(buf_str(&out), "# Postmortem: \\[DRILL] Checkout failing\n"))
        fail_msg("%.200s", buf_str(&out));
    postmortem_commit_message(&out, inc, &f->policy);
    assert_int_equal(strncmp(buf_str(&out), "postmortem: [DRILL] Checkout failing", 36), 0);
    buf_free(&out);
    json_decref(ctx);
}

static void test_drill_plan_from_a_scenario(void **state)
{
    struct fixture *f = *state;
    static const char *const scenario[] = {
        REC("s1", "2025-03-15T13:58:00Z", "pagerduty", "alert",
            ",\"text\":\"5xx above 5%\",\"labels\":{\"severity\":\"page\"}"),
        DECLARE(""),
        REC("s2", "2025-03-15T14:10:00Z", "dave", "note", ",\"text\":\"Deploy rolled back\""),
        REC("s3", "2025-03-15T14:12:00Z", "warroom", "escalate", ",\"rule\":\"sev1-exec\""),
        REC("s4", "2025-03-15T14:13:00Z", "warroom", "note",
            ",\"text\":\"Status update missed\",\"missed_update\":\"x\""),
        REC("s5", "2025-03-15T14:20:00Z", "dave", "edit",
            ",\"target\":\"s2\",\"set\":{\"text\":\"Deploy #9 rolled back\"}"),
        NULL,
    };
    write_log(f, scenario);
    struct drill_plan plan;
    if (drill_plan_load(&plan, f->path, true) < 0)
        fail_msg("plan: %s", error_last());
    /* the alert before the declaration and the note; not warroom's own reactions */
    assert_int_equal(plan.nsteps, 2);
    assert_int_equal(plan.steps[0].offset, -2 * STAMP_MINUTE);
    assert_int_equal(plan.steps[1].offset, 10 * STAMP_MINUTE);
    int64_t start = at("2026-01-01T09:00:00Z");
    assert_int_equal(drill_step_at(&plan, 0, start, 60), start - 2 * STAMP_SECOND);
    assert_int_equal(drill_step_at(&plan, 1, start, 60), start + 10 * STAMP_SECOND);
    assert_int_equal(drill_step_at(&plan, 1, start, 1), start + 10 * STAMP_MINUTE);

    struct event_draft d;
    drill_draft_step(&d, &plan, 1, start);
    assert_int_equal(d.type, EVENT_NOTE);
    assert_string_equal(d.by, "dave");
    struct buf line = BUF_INIT;
    d.ts = start;
    if (event_encode(&line, &d) < 0)
        fail_msg("%s", error_last());
    assert_non_null(strstr(buf_str(&line), "\"text\":\"Deploy #9 rolled back\""));   /* as edited */
    event_draft_free(&d);
    drill_draft_step(&d, &plan, 0, start);
    d.ts = start;
    buf_reset(&line);
    assert_int_equal(event_encode(&line, &d), 0);
    assert_non_null(strstr(buf_str(&line), "\"labels\":{\"severity\":\"page\"}"));  /* nested fields kept */
    event_draft_free(&d);

    drill_draft_declare(&d, &plan, "gm", start, "scenario.jsonl", 60, "");
    buf_reset(&line);
    d.ts = start;
    if (event_encode(&line, &d) < 0)
        fail_msg("%s", error_last());
    assert_non_null(strstr(buf_str(&line), "\"drill\":true"));
    assert_non_null(strstr(buf_str(&line), "\"sev\":2"));
    assert_null(strstr(buf_str(&line), "drill_publish"));
    event_draft_free(&d);
    buf_free(&line);
    drill_plan_free(&plan);
}

static void test_drill_scenario_checked_like_a_log(void **state)
{
    struct fixture *f = *state;
    struct drill_plan plan;
    static const char *const damaged[] = {DECLARE(""), "{\"v\":1,\"id\":\"x\",\"type\":", DECLARE(""), NULL};
    write_log(f, damaged);
    assert_true(drill_plan_load(&plan, f->path, true) < 0);
    static const char *const undeclared[] = {REC("s1", "2025-03-15T13:58:00Z", "pd", "alert", ",\"text\":\"x\""), NULL};
    write_log(f, undeclared);
    assert_true(drill_plan_load(&plan, f->path, true) < 0);
    assert_non_null(strstr(error_last(), "declares no incident"));
    static const char *const untitled[] = {REC("s0", "2025-03-15T13:58:00Z", "gm", "declare", ",\"sev\":2"), NULL};
    write_log(f, untitled);
    assert_true(drill_plan_load(&plan, f->path, true) < 0);
    assert_non_null(strstr(error_last(), "needs a title and a severity"));
    static const char *const no_sev[] = {REC("s0", "2025-03-15T13:58:00Z", "gm", "declare", ",\"title\":\"x\""), NULL};
    write_log(f, no_sev);
    assert_true(drill_plan_load(&plan, f->path, true) < 0);
    /* a torn last line: a mistake in a file written by hand */
    FILE *fp = fopen(f->path, "w");
    fprintf(fp, "%s\n{\"v\":1,\"id\":\"half", DECLARE(""));
    fclose(fp);
    assert_true(drill_plan_load(&plan, f->path, true) < 0);
}

static void test_drill_options(void **state)
{
    (void)state;
    double v;
    assert_int_equal(drill_parse_speed(&v, "60"), 0);
    assert_true(v == 60);
    assert_int_equal(drill_parse_speed(&v, "1.5"), 0);
    assert_true(drill_parse_speed(&v, "0") < 0);
    assert_true(drill_parse_speed(&v, "0.5") < 0);
    assert_true(drill_parse_speed(&v, "60x") < 0);
    assert_true(drill_parse_speed(&v, "nan") < 0);
    assert_true(drill_parse_speed(&v, "1e9") < 0);
    char out[DRILL_PUBLISH_MAX];
    assert_int_equal(drill_parse_publish(out, sizeof out, "slack, webhook,slack"), 0);
    assert_string_equal(out, "slack,webhook");
    assert_int_equal(drill_parse_publish(out, sizeof out, "file"), 0);
    assert_true(drill_parse_publish(out, sizeof out, "slack,nowhere") < 0);
    assert_true(drill_parse_publish(out, sizeof out, ",") < 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_snooze_quiets_until_its_time, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dismiss_is_for_good_and_the_last_word_counts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_drill_declaration_and_postmortem, setup, teardown),
        cmocka_unit_test_setup_teardown(test_drill_plan_from_a_scenario, setup, teardown),
        cmocka_unit_test_setup_teardown(test_drill_scenario_checked_like_a_log, setup, teardown),
        cmocka_unit_test(test_drill_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
