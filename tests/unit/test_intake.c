/* test_intake — the webhook parsers against the providers' own examples
 * (tests/specs/alertmanager, grafana, pagerduty): every format firing then
 * resolved, the same delivery giving the same event id, unknown keys
 * ignored, hostile labels cleaned and 1 MB values cut; and the policy's
 * intake section. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "warroom/buf.h"
#include "warroom/error.h"
#include "warroom/event.h"
#include "warroom/intake.h"
#include "warroom/policy.h"
#include "warroom/stamp.h"
#include "warroom/text.h"

static char *slurp(const char *name, size_t *len)
{
    const char *dir = getenv("WARROOM_SOURCE_DIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/specs/%s", dir && *dir ? dir : ".", name);
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    struct buf b = BUF_INIT;
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_add(&b, chunk, n);
    fclose(f);
    *len = b.len;
    return buf_detach(&b);
}

static void parse_file(struct intake_batch *b, const char *name, enum intake_format format)
{
    size_t len;
    char *text = slurp(name, &len);
    int rc = intake_parse(b, text, len, format, NULL);
    if (rc < 0)
        fail_msg("%s: %s", name, error_last());
    free(text);
}

static int64_t at(const char *iso)
{
    int64_t t;
    assert_int_equal(stamp_parse_iso(&t, iso), 0);
    return t;
}

static const char *label(const struct intake_alert *a, const char *key)
{
    for (unsigned i = 0; i < a->nlabels; i++)
        if (strcmp(a->labels[i].key, key) == 0)
            return a->labels[i].value;
    return NULL;
}

/* The record A becomes, parsed back as the log would read it. */
static const char *encoded(const struct intake_alert *a, struct buf *line, struct event *ev, struct arena *arena)
{
    struct event_draft d;
    intake_draft(&d, a);
    d.ts = at("2025-03-15T14:09:00Z");
    buf_reset(line);
    assert_int_equal(event_encode(line, &d), 0);
    event_draft_free(&d);
    assert_int_equal(event_parse(ev, arena, line->data, line->len - 1), 0);
    return line->data;
}

static void test_alertmanager_firing_then_resolved(void **state)
{
    (void)state;
    struct intake_batch fire, res;
    parse_file(&fire, "alertmanager/firing.json", INTAKE_DETECT);
    parse_file(&res, "alertmanager/resolved.json", INTAKE_ALERTMANAGER);
    assert_int_equal(fire.format, INTAKE_ALERTMANAGER);
    assert_int_equal(fire.nalerts, 1);
    const struct intake_alert *f = &fire.alerts[0], *r = &res.alerts[0];
    assert_int_equal(f->status, INTAKE_FIRING);
    assert_string_equal(f->name, "HighErrorBudgetBurnRate_Fast");
    assert_string_equal(f->source, "alertmanager");
    assert_string_equal(f->service, "order-service");
    assert_string_equal(f->severity, "critical");
    assert_string_equal(f->fingerprint, "7d5f3b1c2a9e4f60");
    assert_string_equal(f->text, "order-service is burning its error budget 14x too fast");
    assert_int_equal(f->starts_at, at("2025-03-15T14:02:00.123Z"));
    assert_int_equal(f->ends_at, STAMP_NONE);      /* a firing alert's endsAt is a guess, not an end */
    assert_int_equal(r->status, INTAKE_RESOLVED);
    assert_int_equal(r->starts_at, f->starts_at);
    assert_int_equal(r->ends_at, at("2025-03-15T15:01:30Z"));
    /* two facts: two ids */
    assert_string_not_equal(f->id, r->id);

    /* the event: at its start, the shared shape, labels nested */
    struct buf line = BUF_INIT;
    struct arena *arena = arena_new();
    struct event ev;
    encoded(r, &line, &ev, arena);
    assert_int_equal(ev.type, EVENT_ALERT);
    assert_int_equal(ev.at, at("2025-03-15T14:02:00.123Z"));
    assert_string_equal(ev.id, r->id);
    assert_string_equal(event_str(&ev, "name"), "HighErrorBudgetBurnRate_Fast");
    assert_string_equal(event_str(&ev, "status"), "resolved");
    assert_string_equal(event_str(&ev, "source"), "alertmanager");
    assert_string_equal(event_str(&ev, "fingerprint"), "7d5f3b1c2a9e4f60");
    assert_string_equal(event_str(&ev, "service"), "order-service");
    assert_string_equal(event_str(&ev, "ends_at"), "2025-03-15T15:01:30Z");
    assert_string_equal(event_str(&ev, "labels.severity"), "critical");
    assert_string_equal(event_str(&ev, "annotations.runbook_url"),
                        "https://runbooks.example/order-service-high-error-rate");
    assert_null(event_str(&ev, "ends_at_guess"));
    arena_free(arena);
    buf_free(&line);
    intake_batch_free(&fire);
    intake_batch_free(&res);
}

static void test_repeated_delivery_same_id(void **state)
{
    (void)state;
    struct intake_batch a, b, c;
    parse_file(&a, "alertmanager/firing.json", INTAKE_DETECT);
    parse_file(&b, "alertmanager/firing.json", INTAKE_DETECT);
    /* a repeat after repeat_interval: new keys, a new endsAt, the same alert */
    parse_file(&c, "alertmanager/unknown-keys.json", INTAKE_DETECT);
    assert_string_equal(a.alerts[0].id, b.alerts[0].id);
    assert_string_equal(a.alerts[0].id, c.alerts[0].id);
    assert_int_equal(strlen(a.alerts[0].id), 32);
    intake_batch_free(&a);
    intake_batch_free(&b);
    intake_batch_free(&c);
}

static void test_unknown_keys_ignored(void **state)
{
    (void)state;
    struct intake_batch b;
    parse_file(&b, "alertmanager/unknown-keys.json", INTAKE_DETECT);
    assert_int_equal(b.nalerts, 1);
    assert_string_equal(b.alerts[0].name, "HighErrorBudgetBurnRate_Fast");
    assert_int_equal(b.alerts[0].cut, 0);
    intake_batch_free(&b);
    /* but another version is refused, saying which */
    const char *v5 = "{\"version\":\"5\",\"alerts\":[]}";
    assert_int_equal(intake_parse(&b, v5, strlen(v5), INTAKE_ALERTMANAGER, NULL), -1);
    assert_non_null(strstr(error_last(), "version \"5\""));
    assert_int_equal(intake_parse(&b, v5, strlen(v5), INTAKE_DETECT, NULL), -1);
    assert_non_null(strstr(error_last(), "--format"));
}

static void test_grafana_firing_then_resolved(void **state)
{
    (void)state;
    struct intake_batch fire, res;
    parse_file(&fire, "grafana/grafana-docs_webhook-notifier_example_v1.json", INTAKE_DETECT);
    parse_file(&res, "grafana/resolved.json", INTAKE_DETECT);
    assert_int_equal(fire.format, INTAKE_GRAFANA);
    assert_int_equal(fire.nalerts, 2);
    const struct intake_alert *f = &fire.alerts[0], *r = &res.alerts[0];
    assert_string_equal(f->source, "grafana");
    assert_string_equal(f->name, "High memory usage");
    assert_string_equal(f->fingerprint, "c6eadffa33fcdf37");
    assert_string_equal(f->text, "This alert was triggered for zone us-1");
    assert_string_equal(label(f, "zone"), "us-1");
    assert_int_equal(f->starts_at, at("2021-10-12T07:51:03.157Z"));   /* +02:00 read as such */
    assert_int_equal(f->ends_at, STAMP_NONE);                          /* Go's zero time */
    assert_int_equal(r->status, INTAKE_RESOLVED);
    assert_int_equal(r->ends_at, at("2021-10-12T08:21:03.157Z"));
    assert_string_not_equal(f->id, r->id);
    assert_string_not_equal(fire.alerts[0].id, fire.alerts[1].id);
    intake_batch_free(&fire);
    intake_batch_free(&res);
}

static void test_pagerduty_triggered_acknowledged_resolved(void **state)
{
    (void)state;
    struct intake_batch t, a, r, other;
    parse_file(&t, "pagerduty/incident.triggered.json", INTAKE_DETECT);
    parse_file(&a, "pagerduty/incident.acknowledged.json", INTAKE_PAGERDUTY);
    parse_file(&r, "pagerduty/incident.resolved.json", INTAKE_DETECT);
    parse_file(&other, "pagerduty/v3_webhook_example_incident.priority_updated.json", INTAKE_DETECT);
    assert_int_equal(t.format, INTAKE_PAGERDUTY);
    const struct intake_alert *f = &t.alerts[0];
    assert_int_equal(f->status, INTAKE_FIRING);
    assert_string_equal(f->source, "pagerduty");
    assert_string_equal(f->name, "A little bump in the road");
    assert_string_equal(f->fingerprint, "d3640fbd41094207a1c11e58e46b1662");   /* incident_key */
    assert_string_equal(f->service, "API Service");
    assert_string_equal(f->severity, "P1");
    assert_int_equal(f->starts_at, at("2020-04-09T15:16:27Z"));                /* created_at */
    assert_int_equal(a.alerts[0].status, INTAKE_ACKNOWLEDGED);
    assert_int_equal(a.alerts[0].acked_at, at("2020-04-09T15:20:02Z"));
    assert_string_equal(a.alerts[0].by, "Tenex Engineer");
    assert_int_equal(r.alerts[0].status, INTAKE_RESOLVED);
    assert_int_equal(r.alerts[0].starts_at, f->starts_at);
    assert_int_equal(r.alerts[0].ends_at, at("2020-04-09T16:01:45Z"));
    assert_string_not_equal(f->id, r.alerts[0].id);
    assert_string_not_equal(f->id, a.alerts[0].id);
    /* reopened: firing again from when it was reopened; resolved again: a new fact */
    struct intake_batch re, again;
    parse_file(&re, "pagerduty/incident.reopened.json", INTAKE_DETECT);
    parse_file(&again, "pagerduty/incident.resolved-after-reopen.json", INTAKE_DETECT);
    assert_int_equal(re.alerts[0].status, INTAKE_FIRING);
    assert_int_equal(re.alerts[0].starts_at, at("2020-10-02T18:45:22Z"));
    assert_string_not_equal(re.alerts[0].id, f->id);
    assert_int_equal(again.alerts[0].status, INTAKE_RESOLVED);
    assert_string_not_equal(again.alerts[0].id, r.alerts[0].id);
    intake_batch_free(&re);
    intake_batch_free(&again);
    /* a priority change is no alert */
    assert_int_equal(other.nalerts, 0);
    assert_int_equal(other.skipped, 1);

    struct buf line = BUF_INIT;
    struct arena *arena = arena_new();
    struct event ev;
    encoded(&a.alerts[0], &line, &ev, arena);
    assert_int_equal(ev.type, EVENT_ACK);
    assert_int_equal(ev.at, at("2020-04-09T15:20:02Z"));
    assert_string_equal(event_str(&ev, "text"), "acknowledged in PagerDuty by Tenex Engineer: A little bump in the road");
    arena_free(arena);
    buf_free(&line);
    intake_batch_free(&t);
    intake_batch_free(&a);
    intake_batch_free(&r);
    intake_batch_free(&other);
}

static void test_hostile_labels(void **state)
{
    (void)state;
    struct buf p = BUF_INIT;
    buf_adds(&p, "{\"version\":\"4\",\"alerts\":[{\"status\":\"firing\",\"startsAt\":\"2025-03-15T14:02:00Z\","
                 "\"labels\":{\"alertname\":\"Evil\\u001b]0;pwned\\u0007\\u001b[31mRed\\u202e\","
                 "\"service\":\"svc\\u0000x\",\"a.b\":\"dotted\",\"big\":\"");
    for (int i = 0; i < 1000 * 1000; i++)
        buf_addc(&p, 'x');
    buf_adds(&p, "\"");
    for (int i = 0; i < 40; i++)
        buf_printf(&p, ",\"l%02d\":\"v\"", i);
    buf_adds(&p, "},\"annotations\":{\"summary\":\"line one\\nline two \\u001b[2J\"}}]}");
    struct intake_batch b;
    assert_int_equal(intake_parse(&b, p.data, p.len, INTAKE_DETECT, NULL), 0);
    const struct intake_alert *a = &b.alerts[0];
    assert_string_equal(a->name, "EvilRed");
    assert_null(strchr(a->text, '\033'));
    assert_null(strchr(a->text, '\n'));
    assert_string_equal(a->text, "line one line two ");
    assert_true(text_is_clean(a->service, strlen(a->service), 0));
    assert_string_equal(label(a, "a_b"), "dotted");
    const char *big = label(a, "big");
    assert_non_null(big);
    assert_true(strlen(big) <= INTAKE_LABEL_VALUE_MAX);
    assert_int_equal(a->nlabels, INTAKE_LABELS_MAX);
    assert_true(a->cut >= 1 + (44 - INTAKE_LABELS_MAX));
    /* and the record it makes stays within a record's bound */
    struct buf line = BUF_INIT;
    struct arena *arena = arena_new();
    struct event ev;
    encoded(a, &line, &ev, arena);
    assert_true(line.len < EVENT_RECORD_MAX);
    assert_null(strchr(line.data, '\033'));
    arena_free(arena);
    buf_free(&line);
    intake_batch_free(&b);

    /* a payload over the bound is refused whole, saying so */
    buf_reset(&p);
    buf_adds(&p, "{\"version\":\"4\",\"alerts\":[],\"x\":\"");
    while (p.len <= INTAKE_PAYLOAD_MAX)
        buf_adds(&p, "0123456789abcdef");
    buf_adds(&p, "\"}");
    assert_int_equal(intake_parse(&b, p.data, p.len, INTAKE_DETECT, NULL), -1);
    assert_non_null(strstr(error_last(), "over the limit"));
    buf_free(&p);
}

static void test_malformed_refused(void **state)
{
    (void)state;
    struct intake_batch b;
    static const char *const bad[] = {
        "not json",
        "[1]",
        "{\"version\":\"4\",\"alerts\":{}}",
        "{\"version\":\"4\",\"alerts\":[{\"status\":\"pending\",\"startsAt\":\"2025-03-15T14:02:00Z\"}]}",
        "{\"version\":\"4\",\"alerts\":[{\"status\":\"firing\",\"startsAt\":\"yesterday\"}]}",
        "{\"version\":\"4\",\"alerts\":[{\"status\":\"resolved\",\"startsAt\":\"2025-03-15T14:02:00Z\","
        "\"endsAt\":\"0001-01-01T00:00:00Z\"}]}",
        "{\"version\":\"4\",\"alerts\":[{\"status\":\"firing\",\"startsAt\":\"2025-03-15T14:02:00Z\",\"labels\":[]}]}",
        "{\"version\":\"4\",\"version\":\"4\",\"alerts\":[]}",
        "{\"event\":{\"event_type\":\"incident.triggered\"}}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        if (intake_parse(&b, bad[i], strlen(bad[i]), INTAKE_DETECT, NULL) != -1)
            fail_msg("accepted: %s", bad[i]);
        assert_true(*error_last());
    }
}

static void test_labels_named_by_policy(void **state)
{
    (void)state;
    size_t len;
    char *text = slurp("alertmanager/firing.json", &len);
    struct intake_labels labels = {"namespace", "alertname"};
    struct intake_batch b;
    assert_int_equal(intake_parse(&b, text, len, INTAKE_DETECT, &labels), 0);
    assert_string_equal(b.alerts[0].service, "prod");
    assert_string_equal(b.alerts[0].severity, "HighErrorBudgetBurnRate_Fast");
    intake_batch_free(&b);
    free(text);
}

static void test_policy_intake_section(void **state)
{
    (void)state;
    struct policy p;
    assert_int_equal(policy_builtin(&p), 0);
    assert_string_equal(p.intake.service_label, "service");
    assert_int_equal(policy_intake_sev(&p, "critical"), 1);
    assert_int_equal(policy_intake_sev(&p, "P2"), 2);
    assert_int_equal(policy_intake_sev(&p, "warning"), 0);
    assert_true(p.intake.record);
    policy_free(&p);
    const char *base = "{\"severities\":[{\"level\":1,\"name\":\"A\"},{\"level\":2,\"name\":\"B\"}],\"intake\":";
    struct {
        const char *section, *error;
    } cases[] = {
        {"{\"declare\":{\"critical\":3}}", "t: intake.declare.critical: expected a level from 1 to 2"},
        {"{\"otherwise\":\"drop\"}", "t: intake.otherwise: expected record or ignore"},
        {"{\"colour\":1}", "t: intake: unknown key \"colour\" (known: see docs/policy.json)"},
        {"[]", "t: intake: expected an object, got a list"},
        {"{\"service_label\":5}", "t: intake.service_label: expected a non-empty string of at most 200 characters, got a number"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char text[512];
        snprintf(text, sizeof text, "%s%s}", base, cases[i].section);
        assert_int_equal(policy_parse(&p, text, strlen(text), "t"), -1);
        assert_string_equal(error_last(), cases[i].error);
    }
    char text[512];
    snprintf(text, sizeof text, "%s%s}", base, "{\"service_label\":\"app\",\"declare\":{\"page\":1},\"otherwise\":\"ignore\"}");
    assert_int_equal(policy_parse(&p, text, strlen(text), "t"), 0);
    assert_string_equal(p.intake.service_label, "app");
    assert_string_equal(p.intake.severity_label, "severity");
    assert_int_equal(policy_intake_sev(&p, "page"), 1);
    assert_false(p.intake.record);
    policy_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alertmanager_firing_then_resolved),
        cmocka_unit_test(test_repeated_delivery_same_id),
        cmocka_unit_test(test_unknown_keys_ignored),
        cmocka_unit_test(test_grafana_firing_then_resolved),
        cmocka_unit_test(test_pagerduty_triggered_acknowledged_resolved),
        cmocka_unit_test(test_hostile_labels),
        cmocka_unit_test(test_malformed_refused),
        cmocka_unit_test(test_labels_named_by_policy),
        cmocka_unit_test(test_policy_intake_section),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
