/* Tests for policy: the built-in ladder (docs/policy.json as compiled in), a
 * custom ladder, the exact message for each way a policy can be wrong, and
 * policy_to_json read back by policy_parse. Every error path runs here, so a
 * run under valgrind or ASan also checks that none of them leaks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "warroom/buf.h"
#include "warroom/error.h"
#include "warroom/policy.h"
#include "warroom/stamp.h"

#define MIN STAMP_MINUTE
#define HOUR STAMP_HOUR

/* Two levels and nothing else: the smallest valid policy, with room for one
 * more member at the top level (TOP) and inside the first level (LEVEL). */
#define LEVELS(LEVEL) "[{\"level\":1,\"name\":\"P1\"" LEVEL "},{\"level\":2,\"name\":\"P2\"}]"
#define SMALL(LEVEL, TOP) "{\"severities\":" LEVELS(LEVEL) TOP "}"
/* The same with one escalation rule whose members are RULE. */
#define WITH_RULE(RULE) SMALL("", ",\"escalation\":[{\"id\":\"r1\",\"when\":\"declared\",\"action\":\"page\"," \
                                  "\"target\":\"boss\"" RULE "}]")

static void parse_ok(struct policy *p, const char *text)
{
    error_clear();
    if (policy_parse(p, text, strlen(text), "t") < 0)
        fail_msg("%s\n  unexpected error: %s", text, error_last());
}

static void parse_fails(const char *text, const char *message)
{
    struct policy p;
    error_clear();
    if (policy_parse(&p, text, strlen(text), "t") == 0) {
        policy_free(&p);
        fail_msg("%s\n  parsed", text);
    }
    assert_string_equal(error_last(), message);
    /* a failed parse leaves nothing behind to free */
    assert_null(p.source);
    assert_int_equal(p.nlevels, 0);
    assert_int_equal(p.nrules, 0);
    assert_int_equal(p.nquestions, 0);
}

static void parse_fails_prefix(const char *text, const char *prefix)
{
    struct policy p;
    error_clear();
    if (policy_parse(&p, text, strlen(text), "t") == 0) {
        policy_free(&p);
        fail_msg("%s\n  parsed", text);
    }
    if (strncmp(error_last(), prefix, strlen(prefix)) != 0)
        fail_msg("message \"%s\" does not start with \"%s\"", error_last(), prefix);
}

static void level_is(const struct policy *p, int n, const char *name, const char *label, int64_t ack,
                     int64_t update, int64_t mitigate, int64_t postmortem, const char *pd, const char *sp)
{
    const struct severity_level *l = policy_level(p, n);
    assert_non_null(l);
    assert_int_equal(l->level, n);
    assert_string_equal(l->name, name);
    assert_string_equal(l->label, label);
    assert_int_equal(l->ack_within, ack);
    assert_int_equal(l->update_every, update);
    assert_int_equal(l->mitigate_within, mitigate);
    assert_int_equal(l->postmortem_due, postmortem);
    assert_string_equal(l->pagerduty_severity, pd);
    assert_string_equal(l->statuspage_impact, sp);
}

static void rule_is(const struct escalation_rule *r, const char *id, enum rule_trigger when, int64_t after,
                    unsigned severities, const char *action, const char *target, const char *label)
{
    assert_string_equal(r->id, id);
    assert_int_equal(r->when, when);
    assert_int_equal(r->after, after);
    assert_int_equal(r->severities, severities);
    assert_string_equal(r->action, action);
    assert_string_equal(r->target, target);
    assert_string_equal(r->label, label);
}

static void test_builtin(void **state)
{
    (void)state;
    struct policy p;
    if (policy_builtin(&p) < 0)
        fail_msg("the built-in policy does not parse: %s", error_last());
    assert_string_equal(p.source, "built-in policy");
    assert_int_equal(p.nlevels, 4);
    level_is(&p, 1, "SEV1", "Critical", 5 * MIN, 15 * MIN, HOUR, 48 * HOUR, "critical", "critical");
    level_is(&p, 2, "SEV2", "Major", 15 * MIN, 30 * MIN, 4 * HOUR, 48 * HOUR, "error", "major");
    level_is(&p, 3, "SEV3", "Minor", 60 * MIN, 0, 0, 0, "warning", "minor");
    level_is(&p, 4, "SEV4", "Low", 60 * MIN, 0, 0, 0, "info", "none");
    assert_string_equal(p.levels[0].description,
                        "Complete outage, security breach or data loss; core revenue at risk");
    /* the customer email: 24 h after resolving a SEV1 or SEV2, none below */
    assert_int_equal(p.levels[0].customer_email_due, 24 * HOUR);
    assert_int_equal(p.levels[1].customer_email_due, 24 * HOUR);
    assert_int_equal(p.levels[2].customer_email_due, 0);
    assert_int_equal(p.levels[3].customer_email_due, 0);
    assert_null(policy_level(&p, 0));
    assert_null(policy_level(&p, 5));
    assert_null(policy_level(&p, -1));

    assert_int_equal(p.nrules, 5);
    rule_is(&p.rules[0], "ack-secondary", RULE_UNACKNOWLEDGED, 5 * MIN, 0, "page", "secondary on-call",
            "page secondary");
    rule_is(&p.rules[1], "ack-manager", RULE_UNACKNOWLEDGED, 15 * MIN, 0, "page", "engineering manager",
            "page engineering manager");
    rule_is(&p.rules[2], "sev1-executives", RULE_DECLARED, 0, 1u << 1, "notify", "VP Engineering, CTO",
            "notify VP Eng + CTO");
    rule_is(&p.rules[3], "data-exposure", RULE_DATA_EXPOSED, 0, 0, "notify", "Security, Legal",
            "notify Security + Legal");
    rule_is(&p.rules[4], "more-responders", RULE_UNMITIGATED, 30 * MIN, 0, "request", "more responders",
            "IC requests more responders");

    assert_int_equal(p.nquestions, 7);
    assert_string_equal(p.questions[0].question, "Is the service completely down for customers?");
    static const int sev[] = {1, 1, 1, 2, 2, 3, 4};
    for (size_t i = 0; i < 7; i++) {
        assert_int_equal(p.questions[i].severity, sev[i]);
        assert_int_equal(p.questions[i].data_exposed, i == 1);
    }
    assert_string_equal(p.questions[1].question, "Is there a security breach or exposed customer data?");
    assert_string_equal(p.questions[6].question, "Otherwise (cosmetic, internal only):");
    policy_free(&p);
    assert_null(p.source);
    assert_int_equal(p.nlevels, 0);
}

static const char custom[] =
    "{\n"
    "  \"severities\": [\n"
    "    {\"level\": 1, \"name\": \"P1\", \"label\": \"Urgent\", \"description\": \"Everything is on fire\",\n"
    "     \"ack_within\": \"10m\", \"update_every\": \"20m\", \"mitigate_within\": \"2h\",\n"
    "     \"postmortem_due\": \"5d\", \"pagerduty_severity\": \"critical\", \"statuspage_impact\": \"major\"},\n"
    "    {\"level\": 2, \"name\": \"P2\", \"ack_within\": \"1h30m\", \"update_every\": null},\n"
    "    {\"level\": 3, \"name\": \"P3\", \"label\": null}\n"
    "  ],\n"
    "  \"escalation\": [\n"
    "    {\"id\": \"hands\", \"when\": \"unmitigated\", \"after\": \"90s\", \"severities\": [1, 3],\n"
    "     \"action\": \"request\", \"target\": \"more hands\"},\n"
    "    {\"id\": \"boss\", \"when\": \"unacknowledged\", \"after\": \"1h\", \"action\": \"page\",\n"
    "     \"target\": \"the boss\", \"label\": \"wake the boss\"},\n"
    "    {\"id\": \"legal\", \"when\": \"data_exposed\", \"action\": \"notify\", \"target\": \"Legal\",\n"
    "     \"severities\": []}\n"
    "  ],\n"
    "  \"classification\": [\n"
    "    {\"question\": \"Down?\", \"severity\": 1, \"data_exposed\": false},\n"
    "    {\"question\": \"Leak?\", \"severity\": 2, \"data_exposed\": true},\n"
    "    {\"question\": \"Else\", \"severity\": 3}\n"
    "  ]\n"
    "}\n";

static void test_custom(void **state)
{
    (void)state;
    struct policy p;
    parse_ok(&p, custom);
    assert_string_equal(p.source, "t");
    assert_int_equal(p.nlevels, 3);
    level_is(&p, 1, "P1", "Urgent", 10 * MIN, 20 * MIN, 2 * HOUR, 5 * STAMP_DAY, "critical", "major");
    assert_string_equal(p.levels[0].description, "Everything is on fire");
    const struct severity_level *l = policy_level(&p, 2);
    assert_string_equal(l->name, "P2");
    assert_null(l->label);
    assert_null(l->description);
    assert_null(l->pagerduty_severity);
    assert_null(l->statuspage_impact);
    assert_int_equal(l->ack_within, 90 * MIN);
    assert_int_equal(l->update_every, 0);
    assert_int_equal(l->mitigate_within, 0);
    assert_int_equal(l->postmortem_due, 0);
    assert_null(policy_level(&p, 3)->label);
    assert_null(policy_level(&p, 4));

    assert_int_equal(p.nrules, 3);
    rule_is(&p.rules[0], "hands", RULE_UNMITIGATED, 90 * STAMP_SECOND, (1u << 1) | (1u << 3), "request",
            "more hands", "request more hands");
    rule_is(&p.rules[1], "boss", RULE_UNACKNOWLEDGED, HOUR, 0, "page", "the boss", "wake the boss");
    rule_is(&p.rules[2], "legal", RULE_DATA_EXPOSED, 0, 0, "notify", "Legal", "notify Legal");

    assert_int_equal(p.nquestions, 3);
    assert_string_equal(p.questions[1].question, "Leak?");
    assert_int_equal(p.questions[1].severity, 2);
    assert_true(p.questions[1].data_exposed);
    assert_false(p.questions[0].data_exposed);
    assert_false(p.questions[2].data_exposed);
    policy_free(&p);

    /* the smallest policy: two levels, no rules, no questions */
    parse_ok(&p, SMALL("", ""));
    assert_int_equal(p.nlevels, 2);
    assert_int_equal(p.nrules, 0);
    assert_int_equal(p.nquestions, 0);
    policy_free(&p);

    /* nine levels is the most */
    struct buf nine = BUF_INIT;
    buf_adds(&nine, "{\"severities\":[");
    for (int i = 1; i <= POLICY_SEV_MAX; i++)
        buf_printf(&nine, "%s{\"level\":%d,\"name\":\"L%d\"}", i > 1 ? "," : "", i, i);
    buf_adds(&nine, "],\"escalation\":[{\"id\":\"x\",\"when\":\"declared\",\"severities\":[9],\"action\":\"page\","
                    "\"target\":\"y\"}]}");
    parse_ok(&p, buf_str(&nine));
    assert_int_equal(p.nlevels, 9);
    assert_string_equal(policy_level(&p, 9)->name, "L9");
    assert_int_equal(p.rules[0].severities, 1u << 9);
    policy_free(&p);
    buf_free(&nine);
}

/* Strings from a policy file are untrusted: they are cleaned. */
static void test_strings_cleaned(void **state)
{
    (void)state;
    struct policy p;
    parse_ok(&p, SMALL(",\"label\":\"Cri\\u001b[31mtical\\u202e\",\"description\":\"two\\nlines\"", ""));
    assert_string_equal(p.levels[0].label, "Critical");
    assert_string_equal(p.levels[0].description, "two lines");
    policy_free(&p);
}

/* A string that is nothing but removed characters: either refused, or kept as
 * a proper (terminated) empty string. */
static void test_string_cleaned_to_nothing(void **state)
{
    (void)state;
    const char *text = SMALL(",\"label\":\"\\u001b\\u0007\"", "");
    struct policy p;
    if (policy_parse(&p, text, strlen(text), "t") == 0) {
        assert_non_null(p.levels[0].label);
        assert_int_equal(p.levels[0].label[0], '\0');
        policy_free(&p);
    } else {
        assert_true(strlen(error_last()) > 0);
    }
}

static void test_level_errors(void **state)
{
    (void)state;
    parse_fails("{\"severities\":[{\"level\":1,\"name\":\"A\"},{\"level\":3,\"name\":\"B\"}]}",
                "t: severities[1].level: expected 2 (levels are listed from 1, most severe first)");
    parse_fails("{\"severities\":[{\"level\":2,\"name\":\"A\"},{\"level\":1,\"name\":\"B\"}]}",
                "t: severities[0].level: expected 1 (levels are listed from 1, most severe first)");
    parse_fails("{\"severities\":[{\"name\":\"A\"},{\"level\":2,\"name\":\"B\"}]}",
                "t: severities[0].level: expected 1 (levels are listed from 1, most severe first)");
    parse_fails("{\"severities\":[{\"level\":\"1\",\"name\":\"A\"},{\"level\":2,\"name\":\"B\"}]}",
                "t: severities[0].level: expected 1 (levels are listed from 1, most severe first)");
    parse_fails(SMALL(",\"ack_within\":\"5 minutes\"", ""),
                "t: severities[0].ack_within: expected a duration like \"15m\", \"1h\" or \"48h\", or null, "
                "got a string");
    parse_fails(SMALL(",\"update_every\":15", ""),
                "t: severities[0].update_every: expected a duration like \"15m\", \"1h\" or \"48h\", or null, "
                "got a number");
    parse_fails(SMALL(",\"postmortem_due\":[]", ""),
                "t: severities[0].postmortem_due: expected a duration like \"15m\", \"1h\" or \"48h\", or null, "
                "got a list");
    parse_fails(SMALL(",\"customer_email_due\":\"a day\"", ""),
                "t: severities[0].customer_email_due: expected a duration like \"15m\", \"1h\" or \"48h\", or null, "
                "got a string");
    parse_fails(SMALL(",\"mitigate_within\":\"\"", ""),
                "t: severities[0].mitigate_within: expected a duration like \"15m\", \"1h\" or \"48h\", or null, "
                "got a string");
    parse_fails(SMALL(",\"pagerduty_severity\":\"high\"", ""),
                "t: severities[0].pagerduty_severity: expected critical, error, warning or info");
    parse_fails(SMALL(",\"statuspage_impact\":\"total\"", ""),
                "t: severities[0].statuspage_impact: expected critical, major, minor or none");
    parse_fails(SMALL(",\"opsgenie_priority\":\"P9\"", ""),
                "t: severities[0].opsgenie_priority: expected P1, P2, P3, P4 or P5");
    parse_fails("{\"severities\":[{\"level\":1},{\"level\":2,\"name\":\"B\"}]}",
                "t: severities[0].name: expected a string, got nothing");
    parse_fails("{\"severities\":[{\"level\":1,\"name\":\"\"},{\"level\":2,\"name\":\"B\"}]}",
                "t: severities[0].name: expected a non-empty string of at most 200 characters, got a string");
    parse_fails("{\"severities\":[{\"level\":1,\"name\":true},{\"level\":2,\"name\":\"B\"}]}",
                "t: severities[0].name: expected a non-empty string of at most 200 characters, got true/false");
    parse_fails(SMALL(",\"label\":{}", ""),
                "t: severities[0].label: expected a non-empty string of at most 200 characters, got an object");
    parse_fails("{\"severities\":[7,{\"level\":2,\"name\":\"B\"}]}",
                "t: severities[0]: expected an object, got a number");
    parse_fails("{\"severities\":[{\"level\":1,\"name\":\"A\"},null]}",
                "t: severities[1]: expected an object, got null");

    /* 200 characters is the longest string */
    struct buf text = BUF_INIT;
    buf_adds(&text, "{\"severities\":[{\"level\":1,\"name\":\"");
    for (int i = 0; i < 200; i++)
        buf_addc(&text, 'n');
    buf_adds(&text, "\"},{\"level\":2,\"name\":\"B\"}]}");
    struct policy p;
    parse_ok(&p, buf_str(&text));
    assert_int_equal(strlen(p.levels[0].name), 200);
    policy_free(&p);
    buf_reset(&text);
    buf_adds(&text, "{\"severities\":[{\"level\":1,\"name\":\"");
    for (int i = 0; i < 201; i++)
        buf_addc(&text, 'n');
    buf_adds(&text, "\"},{\"level\":2,\"name\":\"B\"}]}");
    parse_fails(buf_str(&text),
                "t: severities[0].name: expected a non-empty string of at most 200 characters, got a string");
    buf_free(&text);
}

static void test_ladder_size(void **state)
{
    (void)state;
    parse_fails("{\"severities\":[{\"level\":1,\"name\":\"A\"}]}",
                "t: severities: expected a list of 2 to 9 levels, got a list");
    parse_fails("{\"severities\":[]}", "t: severities: expected a list of 2 to 9 levels, got a list");
    parse_fails("{}", "t: severities: expected a list of 2 to 9 levels, got nothing");
    parse_fails("{\"severities\":{}}", "t: severities: expected a list of 2 to 9 levels, got an object");
    parse_fails("{\"severities\":\"SEV1\"}", "t: severities: expected a list of 2 to 9 levels, got a string");
    struct buf ten = BUF_INIT;
    buf_adds(&ten, "{\"severities\":[");
    for (int i = 1; i <= POLICY_SEV_MAX + 1; i++)
        buf_printf(&ten, "%s{\"level\":%d,\"name\":\"L%d\"}", i > 1 ? "," : "", i, i);
    buf_adds(&ten, "]}");
    parse_fails(buf_str(&ten), "t: severities: expected a list of 2 to 9 levels, got a list");
    buf_free(&ten);
}

static void test_unknown_keys(void **state)
{
    (void)state;
    parse_fails(SMALL("", ",\"sevs\":1"), "t: top level: unknown key \"sevs\" (known: see docs/policy.json)");
    parse_fails("{\"Severities\":[]}", "t: top level: unknown key \"Severities\" (known: see docs/policy.json)");
}

/* Inside a level, a rule or a question, the message names the element. */
static void test_unknown_key_inside(void **state)
{
    (void)state;
    parse_fails(SMALL(",\"colour\":\"red\"", ""),
                "t: severities[0]: unknown key \"colour\" (known: see docs/policy.json)");
    parse_fails(WITH_RULE(",\"colour\":\"red\""),
                "t: escalation[0]: unknown key \"colour\" (known: see docs/policy.json)");
    parse_fails(SMALL("", ",\"classification\":[{\"question\":\"Q\",\"severity\":1,\"weight\":2}]"),
                "t: classification[0]: unknown key \"weight\" (known: see docs/policy.json)");
}

static void test_rule_errors(void **state)
{
    (void)state;
    parse_fails(SMALL("", ",\"escalation\":[{\"id\":\"r\",\"when\":\"later\",\"action\":\"page\",\"target\":\"x\"}]"),
                "t: escalation[0].when: expected unacknowledged, unmitigated, declared or data_exposed");
    parse_fails(SMALL("", ",\"escalation\":[{\"id\":\"r\",\"when\":\"declared\",\"action\":\"email\",\"target\":\"x\"}]"),
                "t: escalation[0].action: expected page, notify or request");
    parse_fails(SMALL("", ",\"escalation\":[{\"id\":\"r\",\"action\":\"page\",\"target\":\"x\"}]"),
                "t: escalation[0].when: expected a string, got nothing");
    parse_fails(SMALL("", ",\"escalation\":[{\"when\":\"declared\",\"action\":\"page\",\"target\":\"x\"}]"),
                "t: escalation[0].id: expected a string, got nothing");
    parse_fails(SMALL("", ",\"escalation\":[{\"id\":\"r\",\"when\":\"declared\",\"action\":\"page\"}]"),
                "t: escalation[0].target: expected a string, got nothing");
    parse_fails(WITH_RULE(",\"after\":\"soon\""),
                "t: escalation[0].after: expected a duration like \"15m\", \"1h\" or \"48h\", or null, got a string");
    parse_fails(WITH_RULE(",\"severities\":[3]"), "t: escalation[0].severities[0]: expected a level from 1 to 2");
    parse_fails(WITH_RULE(",\"severities\":[0]"), "t: escalation[0].severities[0]: expected a level from 1 to 2");
    parse_fails(WITH_RULE(",\"severities\":[1,\"2\"]"), "t: escalation[0].severities[1]: expected a level from 1 to 2");
    parse_fails(WITH_RULE(",\"severities\":[1,-1]"), "t: escalation[0].severities[1]: expected a level from 1 to 2");
    parse_fails(WITH_RULE(",\"severities\":1"),
                "t: escalation[0].severities: expected a list of levels like [1, 2], got a number");
    parse_fails(SMALL("", ",\"escalation\":[{\"id\":\"a\",\"when\":\"declared\",\"action\":\"page\",\"target\":\"x\"},"
                          "{\"id\":\"b\",\"when\":\"declared\",\"action\":\"page\",\"target\":\"x\"},"
                          "{\"id\":\"a\",\"when\":\"declared\",\"action\":\"page\",\"target\":\"x\"}]"),
                "t: escalation[2].id: \"a\" is already used by escalation[0]");
    parse_fails(SMALL("", ",\"escalation\":{}"), "t: escalation: expected a list of at most 32 rules, got an object");
    parse_fails(SMALL("", ",\"escalation\":[\"r\"]"), "t: escalation[0]: expected an object, got a string");

    struct buf many = BUF_INIT;
    buf_adds(&many, "{\"severities\":" LEVELS("") ",\"escalation\":[");
    for (int i = 0; i <= POLICY_RULES_MAX; i++)
        buf_printf(&many, "%s{\"id\":\"r%d\",\"when\":\"declared\",\"action\":\"page\",\"target\":\"x\"}",
                   i ? "," : "", i);
    buf_adds(&many, "]}");
    parse_fails(buf_str(&many), "t: escalation: expected a list of at most 32 rules, got a list");
    buf_free(&many);
}

static void test_question_errors(void **state)
{
    (void)state;
    parse_fails(SMALL("", ",\"classification\":[{\"question\":\"Q\",\"severity\":3}]"),
                "t: classification[0].severity: expected a level from 1 to 2");
    parse_fails(SMALL("", ",\"classification\":[{\"question\":\"Q\"}]"),
                "t: classification[0].severity: expected a level from 1 to 2");
    parse_fails(SMALL("", ",\"classification\":[{\"severity\":1}]"),
                "t: classification[0].question: expected a string, got nothing");
    parse_fails(SMALL("", ",\"classification\":[[]]"), "t: classification[0]: expected an object, got a list");
    parse_fails(SMALL("", ",\"classification\":\"Q\""),
                "t: classification: expected a list of at most 16 questions, got a string");
}

static void test_json_errors(void **state)
{
    (void)state;
    parse_fails("[1,2]", "t: expected a JSON object at the top level");
    parse_fails("[]", "t: expected a JSON object at the top level");
    parse_fails_prefix("", "t:1:0: not valid JSON: ");
    parse_fails_prefix("{\"severities\": [", "t:1:16: not valid JSON: ");
    parse_fails_prefix("{\n  \"severities\": [\n    {\"level\": 1,}\n  ]\n}", "t:3:17: not valid JSON: ");
    parse_fails_prefix("{\"severities\": []} x", "t:1:20: not valid JSON: ");
    /* a repeated key is an error, not a silent override */
    parse_fails_prefix("{\"severities\":" LEVELS("") ",\n\"severities\":" LEVELS("") "}", "t:2:12: not valid JSON: ");
    parse_fails_prefix(SMALL(",\"name\":\"again\"", ""), "t:1:44: not valid JSON: ");
    struct policy p;
    const char *dup = SMALL(",\"name\":\"again\"", "");
    assert_true(policy_parse(&p, dup, strlen(dup), "t") < 0);
    assert_non_null(strstr(error_last(), "duplicate"));

    /* larger than a policy may be */
    size_t size = 1024 * 1024 + 1;
    char *big = xmalloc(size + 1);
    memset(big, ' ', size);
    memcpy(big, "{}", 2);
    big[size] = '\0';
    parse_fails(big, "t: the policy is larger than 1 MiB");
    free(big);
}

/* Which severities get a Slack channel, and its name's template: SEV1 and
 * SEV2 and "inc-{date}-{slug}" unless the policy says otherwise. */
static void test_incident_channel(void **state)
{
    (void)state;
    struct policy p;
    assert_int_equal(policy_builtin(&p), 0);
    assert_int_equal(p.channel_severities, (1u << 1) | (1u << 2));
    assert_string_equal(p.channel_name, "inc-{date}-{slug}");
    policy_free(&p);
    parse_ok(&p, SMALL("", ""));
    assert_int_equal(p.channel_severities, (1u << 1) | (1u << 2));
    assert_string_equal(p.channel_name, POLICY_CHANNEL_NAME_DEFAULT);
    policy_free(&p);
    parse_ok(&p, SMALL("", ",\"incident_channel\":{\"severities\":[1],\"name\":\"war-{id}\"}"));
    assert_int_equal(p.channel_severities, 1u << 1);
    assert_string_equal(p.channel_name, "war-{id}");
    policy_free(&p);
    parse_ok(&p, SMALL("", ",\"incident_channel\":{\"severities\":[]}"));
    assert_int_equal(p.channel_severities, 0);
    policy_free(&p);
    parse_fails(SMALL("", ",\"incident_channel\":{\"severities\":[3]}"),
                "t: incident_channel.severities[0]: expected a level from 1 to 2");
    parse_fails(SMALL("", ",\"incident_channel\":{\"name\":\"\"}"),
                "t: incident_channel.name: expected a non-empty string of at most 200 characters, got a string");
    parse_fails_prefix(SMALL("", ",\"incident_channel\":{\"topic\":1}"), "t: incident_channel");
    parse_fails_prefix(SMALL("", ",\"incident_channel\":[]"), "t: incident_channel");
}

static void expect_same_policy(const struct policy *a, const struct policy *b)
{
    assert_int_equal(a->nlevels, b->nlevels);
    for (size_t i = 0; i < a->nlevels; i++) {
        const struct severity_level *x = &a->levels[i], *y = &b->levels[i];
        assert_int_equal(x->level, y->level);
        assert_string_equal(x->name, y->name);
        assert_true((x->label == NULL) == (y->label == NULL));
        if (x->label)
            assert_string_equal(x->label, y->label);
        assert_true((x->description == NULL) == (y->description == NULL));
        if (x->description)
            assert_string_equal(x->description, y->description);
        assert_int_equal(x->ack_within, y->ack_within);
        assert_int_equal(x->update_every, y->update_every);
        assert_int_equal(x->mitigate_within, y->mitigate_within);
        assert_int_equal(x->postmortem_due, y->postmortem_due);
        assert_int_equal(x->customer_email_due, y->customer_email_due);
        assert_true((x->pagerduty_severity == NULL) == (y->pagerduty_severity == NULL));
        if (x->pagerduty_severity)
            assert_string_equal(x->pagerduty_severity, y->pagerduty_severity);
        assert_true((x->statuspage_impact == NULL) == (y->statuspage_impact == NULL));
        if (x->statuspage_impact)
            assert_string_equal(x->statuspage_impact, y->statuspage_impact);
    }
    assert_int_equal(a->nrules, b->nrules);
    for (size_t i = 0; i < a->nrules; i++)
        rule_is(&b->rules[i], a->rules[i].id, a->rules[i].when, a->rules[i].after, a->rules[i].severities,
                a->rules[i].action, a->rules[i].target, a->rules[i].label);
    assert_int_equal(a->nquestions, b->nquestions);
    for (size_t i = 0; i < a->nquestions; i++) {
        assert_string_equal(a->questions[i].question, b->questions[i].question);
        assert_int_equal(a->questions[i].severity, b->questions[i].severity);
        assert_int_equal(a->questions[i].data_exposed, b->questions[i].data_exposed);
    }
}

/* Dumps P with policy_to_json, optionally without its "source" member, and
 * parses the text again into *BACK. */
static int dump_and_parse(struct policy *back, const struct policy *p, bool drop_source)
{
    json_t *j = policy_to_json(p);
    assert_non_null(j);
    if (json_object_get(j, "source"))
        assert_string_equal(json_string_value(json_object_get(j, "source")), p->source);
    if (drop_source)
        json_object_del(j, "source");
    char *text = json_dumps(j, JSON_INDENT(2));
    json_decref(j);
    assert_non_null(text);
    int rc = policy_parse(back, text, strlen(text), "dump");
    free(text);
    return rc;
}

/* What policy_to_json prints (`warroom policy`) is a policy a team can save as
 * its own: policy_parse reads it as it is. */
static void test_to_json_parses_as_is(void **state)
{
    (void)state;
    struct policy p, back;
    assert_int_equal(policy_builtin(&p), 0);
    if (dump_and_parse(&back, &p, false) < 0) {
        policy_free(&p);
        fail_msg("policy_to_json output does not parse: %s", error_last());
    }
    expect_same_policy(&p, &back);
    policy_free(&back);
    policy_free(&p);
}

/* Every field survives the dump (the "source" member is taken out here, so
 * that this checks the fields whatever happens to it; the test above checks
 * the dump as it is). */
static void test_to_json_fields_round_trip(void **state)
{
    (void)state;
    struct policy p, back;
    assert_int_equal(policy_builtin(&p), 0);
    if (dump_and_parse(&back, &p, true) < 0)
        fail_msg("the dump does not parse: %s", error_last());
    expect_same_policy(&p, &back);
    policy_free(&back);
    policy_free(&p);

    parse_ok(&p, custom);
    if (dump_and_parse(&back, &p, true) < 0)
        fail_msg("the dump does not parse: %s", error_last());
    expect_same_policy(&p, &back);
    /* durations come back in the largest exact unit */
    json_t *j = policy_to_json(&p);
    json_t *l0 = json_array_get(json_object_get(j, "severities"), 0);
    assert_string_equal(json_string_value(json_object_get(l0, "ack_within")), "10m");
    assert_string_equal(json_string_value(json_object_get(l0, "mitigate_within")), "2h");
    assert_string_equal(json_string_value(json_object_get(l0, "postmortem_due")), "120h");
    json_t *l1 = json_array_get(json_object_get(j, "severities"), 1);
    assert_string_equal(json_string_value(json_object_get(l1, "ack_within")), "90m");
    assert_true(json_is_null(json_object_get(l1, "update_every")));
    json_t *r0 = json_array_get(json_object_get(j, "escalation"), 0);
    assert_string_equal(json_string_value(json_object_get(r0, "after")), "90s");
    json_t *sevs = json_object_get(r0, "severities");
    assert_int_equal(json_array_size(sevs), 2);
    assert_int_equal(json_integer_value(json_array_get(sevs, 0)), 1);
    assert_int_equal(json_integer_value(json_array_get(sevs, 1)), 3);
    json_decref(j);
    policy_free(&back);
    policy_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_builtin),
        cmocka_unit_test(test_custom),
        cmocka_unit_test(test_strings_cleaned),
        cmocka_unit_test(test_string_cleaned_to_nothing),
        cmocka_unit_test(test_level_errors),
        cmocka_unit_test(test_ladder_size),
        cmocka_unit_test(test_unknown_keys),
        cmocka_unit_test(test_unknown_key_inside),
        cmocka_unit_test(test_rule_errors),
        cmocka_unit_test(test_question_errors),
        cmocka_unit_test(test_json_errors),
        cmocka_unit_test(test_to_json_parses_as_is),
        cmocka_unit_test(test_to_json_fields_round_trip),
        cmocka_unit_test(test_incident_channel),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
