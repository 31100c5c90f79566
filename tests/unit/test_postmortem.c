/* Tests for the postmortem's context and figures: each case writes a small
 * event log, replays it with incident_load and checks what postmortem.c derives
 * from it — the figures (an earlier impact event, no alert, an alert after the
 * declaration, not yet mitigated, resolved without a mitigation), their
 * formatting, every field of the context the template sees, the file path and
 * commit message, the action items that block a commit, template errors, and
 * that the same log gives the same bytes whatever the clock says. */
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
#include "warroom/builtin.h"
#include "warroom/error.h"
#include "warroom/incident.h"
#include "warroom/policy.h"
#include "warroom/postmortem.h"
#include "warroom/stamp.h"

/* ---- fixtures -------------------------------------------------------- */

struct fixture {
    char dir[64];
    char path[96];
    struct policy policy;
    struct incident *inc;
};

static int setup(void **state)
{
    struct fixture *f = xcalloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/warroom-test-pm.XXXXXX");
    if (!mkdtemp(f->dir))
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

/* Writes LINES (one JSON record each, NULL-terminated) as the log and replays it. */
static struct incident *replay(struct fixture *f, const char *const *lines)
{
    FILE *fp = fopen(f->path, "w");
    assert_non_null(fp);
    for (size_t i = 0; lines[i]; i++)
        fprintf(fp, "%s\n", lines[i]);
    fclose(fp);
    incident_free(f->inc);
    f->inc = NULL;
    if (incident_load(&f->inc, "inc-20250315-checkout-failing", f->path) < 0)
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

static const char *const declare_1425 =
    REC("e01", "2025-03-15T14:25:00Z", "carol", "declare",
        ",\"title\":\"Checkout failing\",\"sev\":2,\"impact\":\"Card payments fail\"");

/* The demo-like story: impact marked before the alert, both before the
 * declaration; acknowledged, mitigated, resolved. */
static const char *const story[] = {
    REC("e01", "2025-03-15T14:25:00Z", "carol", "declare",
        ",\"title\":\"Checkout failing\",\"sev\":2,\"impact\":\"Card payments fail\""),
    REC("e02", "2025-03-15T14:10:30Z", "scribe-bot", "impact", ",\"text\":\"First failed checkout\""),
    REC("e03", "2025-03-15T14:14:00Z", "pagerduty", "alert", ",\"text\":\"5xx above 5%\""),
    REC("e04", "2025-03-15T14:27:00Z", "carol", "ack", ""),
    REC("e05", "2025-03-15T14:26:00Z", "carol", "role", ",\"role\":\"ic\",\"name\":\"erin\""),
    REC("e06", "2025-03-15T14:26:30Z", "carol", "role", ",\"role\":\"comms\",\"name\":\"dan\""),
    REC("e07", "2025-03-15T14:30:00Z", "erin", "sev", ",\"sev\":1,\"why\":\"every card payment\""),
    REC("e08", "2025-03-15T14:40:00Z", "dan", "update", ",\"state\":\"identified\",\"text\":\"Config change\""),
    REC("e09", "2025-03-15T14:41:00Z", "erin", "page", ",\"target\":\"db-oncall\",\"reason\":\"lag\""),
    REC("e10", "2025-03-15T14:20:00Z", "dave", "note", ",\"text\":\"Deploy #4521 pushed\""),
    REC("e11", "2025-03-15T14:55:45Z", "dave", "mitigate", ",\"text\":\"rolled back\""),
    REC("e12", "2025-03-15T15:35:00Z", "erin", "resolve", ""),
    REC("e13", "2025-03-15T15:36:00Z", "erin", "action",
        ",\"item\":\"A1\",\"text\":\"Canary config\",\"kind\":\"prevent\",\"priority\":\"P1\",\"status\":\"open\","
        "\"owner\":\"dave\",\"due\":\"2025-03-22\""),
    REC("e14", "2025-03-15T15:37:00Z", "erin", "action",
        ",\"item\":\"A2\",\"text\":\"Alert on latency\",\"kind\":\"mitigate\",\"priority\":\"P2\",\"status\":\"open\""),
    REC("e15", "2025-03-15T15:38:00Z", "frank", "action", ",\"item\":\"A2\",\"owner\":\"frank\""),
    REC("e16", "2025-03-15T15:39:00Z", "sme", "role", ",\"role\":\"sme\",\"name\":\"-grace\""),
    REC("e17", "2025-03-15T15:40:00Z", "erin", "postmortem",
        ",\"path\":\"postmortems/2025-03-15-checkout-failing.md\",\"commit\":\"abc\",\"pushed\":false"),
    /* an edit moves the note to when it really happened and corrects it */
    REC("e18", "2025-03-15T15:41:00Z", "dave", "edit",
        ",\"target\":\"e10\",\"set\":{\"text\":\"Deploy #4521 pushed (config)\",\"at\":\"2025-03-15T14:05:00Z\"}"),
    NULL,
};

/* ---- figures --------------------------------------------------------- */

static void test_span_format(void **state)
{
    (void)state;
    char s[POSTMORTEM_SPAN_MAX];
    assert_string_equal(postmortem_format_span(s, sizeof s, 0), "0 min");
    assert_string_equal(postmortem_format_span(s, sizeof s, 999), "0 min");
    assert_string_equal(postmortem_format_span(s, sizeof s, 45 * STAMP_SECOND), "45 s");
    assert_string_equal(postmortem_format_span(s, sizeof s, STAMP_MINUTE), "1 min");
    assert_string_equal(postmortem_format_span(s, sizeof s, 4 * STAMP_MINUTE + 59 * STAMP_SECOND), "4 min");
    assert_string_equal(postmortem_format_span(s, sizeof s, 59 * STAMP_MINUTE), "59 min");
    assert_string_equal(postmortem_format_span(s, sizeof s, STAMP_HOUR), "1 h 00 min");
    assert_string_equal(postmortem_format_span(s, sizeof s, STAMP_HOUR + 5 * STAMP_MINUTE), "1 h 05 min");
    assert_string_equal(postmortem_format_span(s, sizeof s, 23 * STAMP_HOUR + 59 * STAMP_MINUTE), "23 h 59 min");
    assert_string_equal(postmortem_format_span(s, sizeof s, 2 * STAMP_DAY + 3 * STAMP_HOUR + 10 * STAMP_MINUTE),
                        "2 d 03 h 10 min");
    assert_string_equal(postmortem_format_span(s, sizeof s, -(4 * STAMP_MINUTE)), "4 min");
    assert_non_null(postmortem_format_span(s, sizeof s, INT64_MIN + 1));
    /* a short buffer is cut, never overrun */
    char tiny[4];
    assert_string_equal(postmortem_format_span(tiny, sizeof tiny, STAMP_HOUR + 5 * STAMP_MINUTE), "1 h");
}

static void test_figures_story(void **state)
{
    struct fixture *f = *state;
    struct incident *inc = replay(f, story);
    struct postmortem_figures fig;
    postmortem_figures(&fig, inc, at("2025-03-20T00:00:00Z"));
    assert_int_equal(fig.impact_at, at("2025-03-15T14:10:30Z"));   /* the earlier impact event */
    assert_int_equal(fig.detected_at, at("2025-03-15T14:14:00Z"));  /* the first alert */
    assert_int_equal(fig.started_at, at("2025-03-15T14:10:30Z"));
    assert_int_equal(fig.ttd, 3 * STAMP_MINUTE + 30 * STAMP_SECOND);
    assert_int_equal(fig.tta, 13 * STAMP_MINUTE);
    assert_int_equal(fig.ttm, 45 * STAMP_MINUTE + 15 * STAMP_SECOND);
    assert_int_equal(fig.ttr, STAMP_HOUR + 24 * STAMP_MINUTE + 30 * STAMP_SECOND);
    assert_int_equal(fig.duration, fig.ttr);
    assert_false(fig.ongoing);
}

static void test_figures_no_alert(void **state)
{
    struct fixture *f = *state;
    const char *const log[] = {
        declare_1425,
        REC("e02", "2025-03-15T14:31:00Z", "carol", "ack", ""),
        REC("e03", "2025-03-15T15:00:00Z", "carol", "mitigate", ""),
        REC("e04", "2025-03-15T15:10:00Z", "carol", "resolve", ""),
        NULL,
    };
    struct postmortem_figures fig;
    postmortem_figures(&fig, replay(f, log), STAMP_NONE);
    /* no alert: detection is the declaration, which is also the start of impact */
    assert_int_equal(fig.detected_at, at("2025-03-15T14:25:00Z"));
    assert_int_equal(fig.impact_at, at("2025-03-15T14:25:00Z"));
    assert_int_equal(fig.ttd, 0);
    assert_int_equal(fig.tta, 6 * STAMP_MINUTE);
    assert_int_equal(fig.ttm, 35 * STAMP_MINUTE);
    assert_int_equal(fig.ttr, 45 * STAMP_MINUTE);
    assert_int_equal(fig.duration, 45 * STAMP_MINUTE);

    /* an earlier impact event and still no alert: detection is the declaration */
    const char *const log2[] = {
        declare_1425,
        REC("e02", "2025-03-15T14:05:00Z", "carol", "impact", ""),
        REC("e03", "2025-03-15T15:10:00Z", "carol", "resolve", ""),
        NULL,
    };
    postmortem_figures(&fig, replay(f, log2), STAMP_NONE);
    assert_int_equal(fig.ttd, 20 * STAMP_MINUTE);
    assert_int_equal(fig.tta, STAMP_NONE);
    /* resolved without a separate mitigation: mitigated when resolved */
    assert_int_equal(fig.ttm, STAMP_HOUR + 5 * STAMP_MINUTE);
    assert_int_equal(fig.ttr, STAMP_HOUR + 5 * STAMP_MINUTE);
}

static void test_figures_late_alert_and_early_ack(void **state)
{
    struct fixture *f = *state;
    const char *const log[] = {
        declare_1425,
        /* an alert after the declaration detected nothing new */
        REC("e02", "2025-03-15T14:40:00Z", "pagerduty", "alert", ",\"text\":\"late\""),
        /* an impact event after the declaration does not move impact start */
        REC("e03", "2025-03-15T14:45:00Z", "carol", "impact", ""),
        /* acknowledged (back-dated) before the declaration: not negative */
        REC("e04", "2025-03-15T14:20:00Z", "carol", "ack", ""),
        REC("e05", "2025-03-15T15:25:00Z", "carol", "resolve", ""),
        NULL,
    };
    struct postmortem_figures fig;
    postmortem_figures(&fig, replay(f, log), STAMP_NONE);
    assert_int_equal(fig.detected_at, at("2025-03-15T14:25:00Z"));
    assert_int_equal(fig.impact_at, at("2025-03-15T14:25:00Z"));
    assert_int_equal(fig.ttd, 0);
    assert_int_equal(fig.tta, 0);
    assert_int_equal(fig.ttr, STAMP_HOUR);
    assert_int_equal(fig.duration, STAMP_HOUR);

    /* an alert before the marked start of impact: detection 0, duration from the alert */
    const char *const log2[] = {
        declare_1425,
        REC("e02", "2025-03-15T14:00:00Z", "pagerduty", "alert", ""),
        REC("e03", "2025-03-15T14:10:00Z", "carol", "impact", ""),
        REC("e04", "2025-03-15T15:10:00Z", "carol", "resolve", ""),
        NULL,
    };
    postmortem_figures(&fig, replay(f, log2), STAMP_NONE);
    assert_int_equal(fig.ttd, 0);
    assert_int_equal(fig.ttr, STAMP_HOUR);
    assert_int_equal(fig.started_at, at("2025-03-15T14:00:00Z"));
    assert_int_equal(fig.duration, STAMP_HOUR + 10 * STAMP_MINUTE);
}

static void test_figures_open(void **state)
{
    struct fixture *f = *state;
    const char *const log[] = {
        declare_1425,
        REC("e02", "2025-03-15T14:20:00Z", "pagerduty", "alert", ""),
        NULL,
    };
    struct postmortem_figures fig;
    struct incident *inc = replay(f, log);
    postmortem_figures(&fig, inc, at("2025-03-15T15:30:00Z"));
    assert_int_equal(fig.ttd, 0);
    assert_int_equal(fig.tta, STAMP_NONE);
    assert_int_equal(fig.ttm, STAMP_NONE);
    assert_int_equal(fig.ttr, STAMP_NONE);
    assert_true(fig.ongoing);
    assert_int_equal(fig.duration, STAMP_HOUR + 10 * STAMP_MINUTE);

    /* the context has null where the template shows its prompt */
    json_t *ctx = postmortem_context(inc, &f->policy, at("2025-03-15T15:30:00Z"));
    json_t *figs = json_object_get(ctx, "figures");
    assert_true(json_is_null(json_object_get(figs, "tta")));
    assert_true(json_is_null(json_object_get(figs, "ttm")));
    assert_true(json_is_null(json_object_get(figs, "ttr")));
    assert_string_equal(json_string_value(json_object_get(figs, "ttd")), "0 min");
    assert_string_equal(json_string_value(json_object_get(figs, "duration")), "1 h 10 min so far");
    json_t *incident = json_object_get(ctx, "incident");
    assert_true(json_is_null(json_object_get(incident, "resolved")));
    assert_string_equal(json_string_value(json_object_get(incident, "status")), "investigating");
    assert_true(json_is_null(json_object_get(incident, "ic")));
    /* with nobody holding the IC role, the authors are the timeline's writers */
    json_t *authors = json_object_get(incident, "authors");
    assert_int_equal(json_array_size(authors), 2);
    assert_string_equal(json_string_value(json_array_get(authors, 0)), "pagerduty");
    assert_string_equal(json_string_value(json_array_get(authors, 1)), "carol");
    json_decref(ctx);

    /* nothing declared: nothing to measure */
    const char *const none[] = {REC("e01", "2025-03-15T14:20:00Z", "x", "note", ",\"text\":\"hi\""), NULL};
    postmortem_figures(&fig, replay(f, none), at("2025-03-15T15:30:00Z"));
    assert_int_equal(fig.ttd, STAMP_NONE);
    assert_int_equal(fig.duration, STAMP_NONE);
}

/* ---- the context ----------------------------------------------------- */

static const char *str_at(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    if (!json_is_string(v))
        fail_msg("%s is not a string", key);
    return json_string_value(v);
}

static void test_context_fields(void **state)
{
    struct fixture *f = *state;
    struct incident *inc = replay(f, story);
    json_t *ctx = postmortem_context(inc, &f->policy, at("2025-03-20T00:00:00Z"));

    /* exactly the top-level keys the template is written against */
    static const char *const keys[] = {"incident", "figures", "timeline", "actions", "updates", "emails",
                                       "customer_email", "summary", "root_cause", "trigger", "resolution",
                                       "detection"};
    assert_int_equal(json_object_size(ctx), sizeof keys / sizeof *keys);
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
        assert_non_null(json_object_get(ctx, keys[i]));
    assert_true(json_is_null(json_object_get(ctx, "summary")));
    /* a resolved SEV1 owes the customer email 24 h after resolution; none was sent */
    json_t *ce = json_object_get(ctx, "customer_email");
    assert_string_equal(json_string_value(json_object_get(ce, "due")), "2025-03-16 15:35 UTC");
    assert_true(json_is_null(json_object_get(ce, "sent")));
    assert_true(json_is_false(json_object_get(ce, "late")));
    assert_int_equal(json_array_size(json_object_get(ctx, "emails")), 0);

    json_t *i = json_object_get(ctx, "incident");
    assert_int_equal(json_object_size(i), 13);
    assert_true(json_is_false(json_object_get(i, "drill")));
    assert_string_equal(str_at(i, "id"), "inc-20250315-checkout-failing");
    assert_string_equal(str_at(i, "title"), "Checkout failing");
    assert_string_equal(str_at(i, "sev"), "SEV1");
    assert_string_equal(str_at(i, "sev_name"), "Critical");
    assert_string_equal(str_at(i, "status"), "resolved");
    assert_string_equal(str_at(i, "declared"), "2025-03-15 14:25 UTC");
    assert_string_equal(str_at(i, "resolved"), "2025-03-15 15:35 UTC");
    assert_string_equal(str_at(i, "duration"), "1 h 24 min");
    assert_string_equal(str_at(i, "ic"), "erin");
    assert_string_equal(str_at(i, "comms"), "dan");
    assert_string_equal(str_at(i, "impact"), "Card payments fail");
    /* the IC first, then who wrote to the timeline in order; not the
     * postmortem's own event's writer unless they wrote something else */
    const char *want[] = {"erin", "dave", "scribe-bot", "pagerduty", "carol", "dan", "frank", "sme"};
    json_t *authors = json_object_get(i, "authors");
    assert_int_equal(json_array_size(authors), sizeof want / sizeof *want);
    for (size_t k = 0; k < sizeof want / sizeof *want; k++)
        assert_string_equal(json_string_value(json_array_get(authors, k)), want[k]);

    json_t *figs = json_object_get(ctx, "figures");
    assert_int_equal(json_object_size(figs), 5);
    assert_string_equal(str_at(figs, "ttd"), "3 min");
    assert_string_equal(str_at(figs, "tta"), "13 min");
    assert_string_equal(str_at(figs, "ttm"), "45 min");
    assert_string_equal(str_at(figs, "ttr"), "1 h 24 min");
    assert_string_equal(str_at(figs, "duration"), "1 h 24 min");

    /* every entry but the postmortem's own, in the order things happened,
     * the edited note at its corrected time with its corrected text */
    static const struct {
        const char *time, *by, *type, *text;
    } tl[] = {
        {"14:05", "dave", "note", "Deploy #4521 pushed (config)"},
        {"14:10", "scribe-bot", "impact", "Impact began: First failed checkout"},
        {"14:14", "pagerduty", "alert", "Alert: 5xx above 5%"},
        {"14:25", "carol", "declare", "Declared SEV2: Checkout failing"},
        {"14:26", "carol", "role", "Incident commander: erin"},
        {"14:26", "carol", "role", "Communications lead: dan"},
        {"14:27", "carol", "ack", "Acknowledged"},
        {"14:30", "erin", "sev", "Severity changed to SEV1: every card payment"},
        {"14:40", "dan", "update", "Status update (identified): Config change"},
        {"14:41", "erin", "page", "Paged db-oncall: lag"},
        {"14:55", "dave", "mitigate", "Mitigated: rolled back"},
        {"15:35", "erin", "resolve", "Resolved"},
        {"15:36", "erin", "action", "Action item A1 added: Canary config (owner dave, due 2025-03-22)"},
        {"15:37", "erin", "action", "Action item A2 added: Alert on latency (no owner, no due date)"},
        {"15:38", "frank", "action", "Action item A2 changed: owner frank"},
        {"15:39", "sme", "role", "Subject-matter expert left: grace"},
    };
    json_t *timeline = json_object_get(ctx, "timeline");
    assert_int_equal(json_array_size(timeline), sizeof tl / sizeof *tl);
    for (size_t k = 0; k < sizeof tl / sizeof *tl; k++) {
        json_t *e = json_array_get(timeline, k);
        assert_int_equal(json_object_size(e), 5);
        assert_string_equal(str_at(e, "date"), "2025-03-15");
        assert_string_equal(str_at(e, "time"), tl[k].time);
        assert_string_equal(str_at(e, "by"), tl[k].by);
        assert_string_equal(str_at(e, "type"), tl[k].type);
        assert_string_equal(str_at(e, "text"), tl[k].text);
    }

    json_t *actions = json_object_get(ctx, "actions");
    assert_int_equal(json_array_size(actions), 2);
    json_t *a1 = json_array_get(actions, 0), *a2 = json_array_get(actions, 1);
    assert_int_equal(json_object_size(a1), 7);
    assert_string_equal(str_at(a1, "id"), "A1");
    assert_string_equal(str_at(a1, "text"), "Canary config");
    assert_string_equal(str_at(a1, "kind"), "prevent");
    assert_string_equal(str_at(a1, "priority"), "P1");
    assert_string_equal(str_at(a1, "owner"), "dave");
    assert_string_equal(str_at(a1, "due"), "2025-03-22");
    assert_string_equal(str_at(a1, "status"), "open");
    assert_string_equal(str_at(a2, "owner"), "frank");
    assert_true(json_is_null(json_object_get(a2, "due")));   /* the template says _No date_ */

    json_t *updates = json_object_get(ctx, "updates");
    assert_int_equal(json_array_size(updates), 1);
    json_t *u = json_array_get(updates, 0);
    assert_string_equal(str_at(u, "date"), "2025-03-15");
    assert_string_equal(str_at(u, "time"), "14:40");
    assert_string_equal(str_at(u, "state"), "identified");
    assert_string_equal(str_at(u, "text"), "Config change");
    json_decref(ctx);
}

static void test_context_dates_and_ladder(void **state)
{
    struct fixture *f = *state;
    /* over midnight, on a level the ladder does not name */
    const char *const log[] = {
        REC("e01", "2025-03-15T23:50:00Z", "carol", "declare", ",\"title\":\"Night\",\"sev\":7"),
        REC("e02", "2025-03-16T00:20:00Z", "carol", "resolve", ",\"text\":\"quiet again\""),
        NULL,
    };
    json_t *ctx = postmortem_context(replay(f, log), &f->policy, STAMP_NONE);
    json_t *i = json_object_get(ctx, "incident");
    assert_string_equal(str_at(i, "sev"), "SEV7");
    assert_true(json_is_null(json_object_get(i, "sev_name")));
    assert_true(json_is_null(json_object_get(i, "impact")));
    json_t *tl = json_object_get(ctx, "timeline");
    assert_string_equal(str_at(json_array_get(tl, 0), "date"), "2025-03-15");
    assert_string_equal(str_at(json_array_get(tl, 0), "text"), "Declared SEV7: Night");
    assert_string_equal(str_at(json_array_get(tl, 1), "date"), "2025-03-16");
    assert_string_equal(str_at(json_array_get(tl, 1), "time"), "00:20");
    assert_string_equal(str_at(json_array_get(tl, 1), "text"), "Resolved: quiet again");
    assert_string_equal(str_at(json_object_get(ctx, "figures"), "duration"), "30 min");
    assert_int_equal(json_array_size(json_object_get(ctx, "actions")), 0);
    json_decref(ctx);
}

/* ---- determinism ----------------------------------------------------- */

static char *render_default(const json_t *ctx)
{
    const struct builtin_file *tpl = builtin_find("docs/templates/postmortem.md");
    assert_non_null(tpl);
    struct buf out = BUF_INIT;
    if (postmortem_render(&out, tpl->text, tpl->len, "built-in", ctx) < 0)
        fail_msg("render failed: %s", error_last());
    return buf_detach(&out);
}

static void test_deterministic(void **state)
{
    struct fixture *f = *state;
    struct incident *inc = replay(f, story);
    /* a resolved incident: the clock does not matter */
    json_t *one = postmortem_context(inc, &f->policy, at("2025-03-16T00:00:00Z"));
    json_t *two = postmortem_context(inc, &f->policy, at("2030-01-01T00:00:00Z"));
    char *j1 = json_dumps(one, JSON_INDENT(2)), *j2 = json_dumps(two, JSON_INDENT(2));
    assert_string_equal(j1, j2);
    char *m1 = render_default(one), *m2 = render_default(two);
    assert_string_equal(m1, m2);
    /* and replaying the same log again gives the same bytes */
    inc = replay(f, story);
    json_t *three = postmortem_context(inc, &f->policy, at("2025-03-16T00:00:00Z"));
    char *m3 = render_default(three);
    assert_string_equal(m1, m3);
    /* what the template made of it */
    assert_non_null(strstr(m1, "| Time to detect[^ttd] | 3 min |\n"));
    assert_non_null(strstr(m1, "| 2025-03-15 14:05 | dave | Deploy #4521 pushed (config) |\n"));
    assert_non_null(strstr(m1, "| A2 | Alert on latency | mitigate | P2 | frank | _No date_ | open |\n"));
    assert_non_null(strstr(m1, "- **Severity:** SEV1 (Critical)\n"));
    assert_null(strstr(m1, "postmortems/"));   /* the postmortem's own event is left out */
    free(j1);
    free(j2);
    free(m1);
    free(m2);
    free(m3);
    json_decref(one);
    json_decref(two);
    json_decref(three);
}

/* ---- path, message, action items, template errors --------------------- */

static void test_path_and_message(void **state)
{
    struct fixture *f = *state;
    const char *const log[] = {
        REC("e01", "2025-03-15T14:25:00Z", "carol", "declare", ",\"title\":\"Checkout: failing / 502s!\",\"sev\":2"),
        NULL,
    };
    struct incident *inc = replay(f, log);
    struct buf b = BUF_INIT;
    assert_int_equal(postmortem_path(&b, inc, NULL), 0);
    assert_string_equal(buf_str(&b), "postmortems/2025-03-15-checkout-failing-502s.md");
    assert_int_equal(postmortem_path(&b, inc, "docs/incidents/"), 0);
    assert_string_equal(buf_str(&b), "docs/incidents/2025-03-15-checkout-failing-502s.md");
    assert_true(postmortem_path(&b, inc, "../elsewhere") < 0);
    assert_true(postmortem_path(&b, inc, "/etc") < 0);
    assert_true(postmortem_path(&b, inc, ".git/hooks") < 0);
    postmortem_commit_message(&b, inc, &f->policy);
    assert_string_equal(buf_str(&b), "postmortem: Checkout: failing / 502s! (SEV2, inc-20250315-checkout-failing)\n\n"
                                     "Incident: inc-20250315-checkout-failing\n");

    const char *const undeclared[] = {REC("e01", "2025-03-15T14:20:00Z", "x", "note", ",\"text\":\"hi\""), NULL};
    assert_true(postmortem_path(&b, replay(f, undeclared), NULL) < 0);
    buf_free(&b);
}

static void test_incomplete_actions(void **state)
{
    struct fixture *f = *state;
    struct incident *inc = replay(f, story);
    struct buf list = BUF_INIT;
    assert_int_equal(postmortem_incomplete_actions(inc, &list), 1);
    assert_string_equal(buf_str(&list), "A2 has no due date\n");

    const char *const log[] = {
        declare_1425,
        REC("e02", "2025-03-15T14:30:00Z", "c", "action", ",\"item\":\"A1\",\"text\":\"x\""),
        REC("e03", "2025-03-15T14:31:00Z", "c", "action", ",\"item\":\"A2\",\"text\":\"y\",\"due\":\"2025-04-01\""),
        REC("e04", "2025-03-15T14:32:00Z", "c", "action",
            ",\"item\":\"A3\",\"text\":\"z\",\"owner\":\"o\",\"due\":\"2025-04-01\""),
        NULL,
    };
    buf_reset(&list);
    assert_int_equal(postmortem_incomplete_actions(replay(f, log), &list), 2);
    assert_string_equal(buf_str(&list), "A1 has no owner and no due date\nA2 has no owner\n");
    assert_int_equal(postmortem_incomplete_actions(f->inc, NULL), 2);
    buf_free(&list);
}

static void test_render_errors_name_the_source(void **state)
{
    (void)state;
    json_t *ctx = json_object();
    struct buf out = BUF_INIT;
    buf_adds(&out, "kept");
    const char bad[] = "# {{title}}\n\n  {{#timeline}}\n";
    assert_true(postmortem_render(&out, bad, strlen(bad), "main:runbooks/post-mortem-template.md", ctx) < 0);
    assert_string_equal(error_last(),
                        "main:runbooks/post-mortem-template.md:3:3: section \"timeline\" opened here is never closed");
    assert_string_equal(buf_str(&out), "kept");
    const char unclosed[] = "ok\n{{title";
    assert_true(postmortem_render(&out, unclosed, strlen(unclosed), "team.md", ctx) < 0);
    assert_string_equal(error_last(), "team.md:2:1: tag \"{{\" opened here is never closed");
    json_decref(ctx);
    buf_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_span_format),
        cmocka_unit_test_setup_teardown(test_figures_story, setup, teardown),
        cmocka_unit_test_setup_teardown(test_figures_no_alert, setup, teardown),
        cmocka_unit_test_setup_teardown(test_figures_late_alert_and_early_ack, setup, teardown),
        cmocka_unit_test_setup_teardown(test_figures_open, setup, teardown),
        cmocka_unit_test_setup_teardown(test_context_fields, setup, teardown),
        cmocka_unit_test_setup_teardown(test_context_dates_and_ladder, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deterministic, setup, teardown),
        cmocka_unit_test_setup_teardown(test_path_and_message, setup, teardown),
        cmocka_unit_test_setup_teardown(test_incomplete_actions, setup, teardown),
        cmocka_unit_test(test_render_errors_name_the_source),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
