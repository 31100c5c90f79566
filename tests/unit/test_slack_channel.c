/* Tests for sinks/slack_channel: Slack's channel-name rules applied to the
 * policy's template, real mentions only for role holders with a Slack id,
 * the topic's bound, and the incident channel message within Block Kit's
 * limits (header 150, section 3,000, fields 10 of 2,000, blocks 50). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "warroom/error.h"
#include "warroom/sink.h"
#include "warroom/stamp.h"

#define DAY_MS 1742040000000LL   /* 2025-03-15T12:00:00Z */

static char *name_of(const char *template, const char *title, unsigned suffix)
{
    struct buf b = BUF_INIT;
    if (sink_slack_channel_name(&b, template, title, "inc-20250315-x", 2, DAY_MS, suffix) < 0) {
        buf_free(&b);
        return NULL;
    }
    return buf_detach(&b);
}

static void expect_name(const char *template, const char *title, unsigned suffix, const char *want)
{
    char *got = name_of(template, title, suffix);
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

static void test_channel_name(void **state)
{
    (void)state;
    expect_name(NULL, "Checkout failing for card payments", 0, "inc-20250315-checkout-failing-for-card-payments");
    /* lowercase; punctuation, spaces and non-ASCII one hyphen; ends trimmed */
    expect_name(NULL, "  EU: Payments -- DOWN (502)!  ", 0, "inc-20250315-eu-payments-down-502");
    expect_name(NULL, "Zahlungen für Käufer", 0, "inc-20250315-zahlungen-f-r-k-ufer");
    expect_name(NULL, "snake_case stays", 0, "inc-20250315-snake_case-stays");
    expect_name("war-{sev}-{id}", "ignored", 0, "war-sev2-inc-20250315-x");
    expect_name("#Incident {date}", "x", 0, "incident-20250315");
    /* at most 80, the suffix included, never ending in a hyphen */
    char title[300];
    memset(title, 'a', sizeof title - 1);
    title[sizeof title - 1] = '\0';
    title[100] = ' ';
    char *n = name_of(NULL, title, 0);
    assert_int_equal(strlen(n), 80);
    free(n);
    n = name_of(NULL, title, 7);
    assert_int_equal(strlen(n), 80);
    assert_string_equal(n + 78, "-7");
    assert_null(strstr(n, "--"));
    free(n);
    expect_name(NULL, "Taken", 2, "inc-20250315-taken-2");
    /* a cut that lands on a hyphen drops it: shorter, never "…-" */
    title[100] = 'a';
    title[66] = ' ';
    n = name_of(NULL, title, 0);
    assert_int_equal(strlen(n), 79);
    assert_int_not_equal(n[78], '-');
    free(n);
    /* a template that leaves nothing is an error, not a channel called "" */
    error_clear();
    assert_null(name_of("!!!", "x", 0));
    assert_non_null(strstr(error_last(), "no usable name"));
}

static void test_mention(void **state)
{
    (void)state;
    struct buf b = BUF_INIT;
    sink_slack_mention(&b, "carol", "U024BE7LH");
    assert_string_equal(buf_str(&b), "<@U024BE7LH>");
    buf_reset(&b);
    /* no id, or one that is not an id: the name, escaped, mentions nobody */
    sink_slack_mention(&b, "<!channel>", NULL);
    assert_string_equal(buf_str(&b), "&lt;!channel&gt;");
    buf_reset(&b);
    sink_slack_mention(&b, "dan", "U12>|<!here");
    assert_string_equal(buf_str(&b), "dan");
    buf_free(&b);
}

static struct publish_item item_of(enum publish_kind kind)
{
    struct publish_item it = {
        .kind = kind,
        .incident_id = "inc-20250315-checkout",
        .title = "Checkout failing",
        .sev = 1,
        .sev_name = "SEV1",
        .status = "investigating",
        .ic = "carol",
        .impact = "Card checkouts fail",
        .runbook_url = "https://runbooks.example.com/checkout",
        .status_page_url = "https://status.example.com",
        .dashboard_url = "javascript:alert(1)",
        .detected_ms = DAY_MS,
        .channel = true,
    };
    it.roles[0] = (struct publish_role){"IC", "carol", "U0CAROL01"};
    it.roles[1] = (struct publish_role){"Comms", "dan", NULL};
    it.nroles = 2;
    return it;
}

static json_t *message_of(const struct publish_item *it)
{
    struct buf b = BUF_INIT;
    assert_int_equal(sink_slack_channel_message(&b, it, "C0123", "warroom-ev-3"), 0);
    json_error_t jerr;
    json_t *doc = json_loads(buf_str(&b), 0, &jerr);
    assert_non_null(doc);
    buf_free(&b);
    return doc;
}

static size_t units_of(json_t *s)
{
    const char *t = json_string_value(s);
    return t ? sink_units(t, strlen(t)) : 0;
}

/* Every limit of tests/specs/slack_limits.md that a message can break. */
static void within_limits(json_t *doc)
{
    json_t *blocks = json_object_get(doc, "blocks"), *b, *f;
    size_t i, j;
    assert_true(json_array_size(blocks) >= 1 && json_array_size(blocks) <= 50);
    json_array_foreach(blocks, i, b) {
        const char *type = json_string_value(json_object_get(b, "type"));
        json_t *text = json_object_get(json_object_get(b, "text"), "text");
        if (strcmp(type, "header") == 0) {
            assert_true(units_of(text) >= 1 && units_of(text) <= 150);
            continue;
        }
        assert_string_equal(type, "section");
        if (text)
            assert_true(units_of(text) >= 1 && units_of(text) <= 3000);
        assert_true(json_array_size(json_object_get(b, "fields")) <= 10);
        json_array_foreach(json_object_get(b, "fields"), j, f)
            assert_true(units_of(json_object_get(f, "text")) <= 2000);
    }
}

static void test_declare_message(void **state)
{
    (void)state;
    struct publish_item it = item_of(PUBLISH_DECLARE);
    json_t *doc = message_of(&it);
    within_limits(doc);
    char *text = json_dumps(doc, 0);
    assert_non_null(strstr(text, "\"block_id\": \"warroom-ev-3\""));
    assert_non_null(strstr(text, "*IC*\\n<@U0CAROL01>"));     /* a real mention */
    assert_non_null(strstr(text, "*Comms*\\ndan"));           /* no id: the name */
    assert_non_null(strstr(text, "*Detected*\\n2025-03-15 12:00 UTC"));
    assert_non_null(strstr(text, "<https://status.example.com|Status page>"));
    assert_non_null(strstr(text, "<https://runbooks.example.com/checkout|Runbook>"));
    assert_null(strstr(text, "javascript"));                  /* not a web link: left out */
    free(text);
    json_decref(doc);
}

static void test_long_message_within_limits(void **state)
{
    (void)state;
    struct publish_item it = item_of(PUBLISH_UPDATE);
    size_t n = 200 * 1000;
    char *big = malloc(n + 1), *title = malloc(1001);
    for (size_t i = 0; i < n; i++)
        big[i] = "ab &<>\n"[i % 7];
    big[n] = '\0';
    memset(title, 'T', 1000);
    title[1000] = '\0';
    it.text = big;
    it.title = title;
    json_t *doc = message_of(&it);
    within_limits(doc);
    /* what did not fit says so */
    json_t *blocks = json_object_get(doc, "blocks");
    const char *last = json_string_value(json_object_get(json_object_get(json_array_get(blocks, json_array_size(blocks) - 1), "text"), "text"));
    assert_non_null(strstr(last, SINK_SLACK_CUT_MARKER));
    /* an entity is never cut in two */
    size_t len = strlen(last);
    const char *amp = strrchr(last, '&');
    assert_true(!amp || memchr(amp, ';', len - (size_t)(amp - last)));
    json_decref(doc);
    free(big);
    free(title);
}

static void test_typed_mentions_stay_escaped(void **state)
{
    (void)state;
    struct publish_item it = item_of(PUBLISH_UPDATE);
    it.text = "ping <!channel> and <@U0CAROL01>";
    json_t *doc = message_of(&it);
    char *text = json_dumps(doc, 0);
    assert_non_null(strstr(text, "ping &lt;!channel&gt; and &lt;@U0CAROL01&gt;"));
    assert_null(strstr(text, "<!channel>"));
    free(text);
    json_decref(doc);
}

static void test_topic(void **state)
{
    (void)state;
    struct publish_item it = item_of(PUBLISH_SEV);
    struct buf b = BUF_INIT;
    sink_slack_channel_topic(&b, &it);
    assert_string_equal(buf_str(&b), "SEV1 \xc2\xb7 IC: carol \xc2\xb7 investigating");
    buf_reset(&b);
    char ic[600];
    memset(ic, 'x', sizeof ic - 1);
    ic[sizeof ic - 1] = '\0';
    it.ic = ic;
    sink_slack_channel_topic(&b, &it);
    assert_true(sink_units(b.data, b.len) <= SINK_SLACK_TOPIC_MAX);
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_channel_name),
        cmocka_unit_test(test_mention),
        cmocka_unit_test(test_declare_message),
        cmocka_unit_test(test_long_message_within_limits),
        cmocka_unit_test(test_typed_mentions_stay_escaped),
        cmocka_unit_test(test_topic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
