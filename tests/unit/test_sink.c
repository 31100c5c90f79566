/* Tests for sink: the exact bodies each provider gets, Slack's escaping and
 * limits, URL masking, the retry policy, and PagerDuty bodies checked against
 * the shipped specification by tests/tools/validate_pagerduty.py. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "warroom/error.h"
#include "warroom/sink.h"
#include "warroom/stamp.h"

#define ROUTING_KEY "R0ut1ngKeySecret00000000000000aa"
#define SLACK_URL "https://hooks.slack.com/services/T000/B000/XXXXSECRETXXXX"
#define SP_KEY "spApiKeySecret123"

static struct publish_item sample(enum publish_kind kind)
{
    struct publish_item it = {
        .kind = kind,
        .incident_id = "inc-20250315-checkout-down",
        .title = "Checkout down",
        .sev = 1,
        .status = "investigating",
        .ic = "alice",
        .comms = "bob",
        .text = "Payments API returns 500",
        .runbook_url = "https://runbooks.example.com/checkout",
        .dashboard_url = "https://grafana.example.com/d/checkout",
        .at_ms = INT64_C(1742049302118), /* 2025-03-15T14:35:02.118Z */
    };
    return it;
}

static json_t *parse(const struct buf *b)
{
    json_error_t err;
    json_t *j = json_loadb(buf_str(b), b->len, JSON_REJECT_DUPLICATES, &err);
    if (!j)
        fail_msg("not JSON: %s in %s", err.text, buf_str(b));
    return j;
}

static const char *str_at(json_t *j, const char *path)
{
    char key[64];
    while (j && *path) {
        size_t n = strcspn(path, ".");
        snprintf(key, sizeof key, "%.*s", (int)n, path);
        j = json_is_array(j) ? json_array_get(j, (size_t)atoi(key)) : json_object_get(j, key);
        path += n + (path[n] == '.');
    }
    return json_string_value(j);
}

static size_t units(const char *s)
{
    return sink_units(s, strlen(s));
}

/* ---- PagerDuty ---- */

static void test_pagerduty_trigger(void **state)
{
    (void)state;
    struct publish_item it = sample(PUBLISH_DECLARE);
    struct buf b = BUF_INIT, again = BUF_INIT;
    assert_int_equal(sink_build_pagerduty(&b, ROUTING_KEY, "web-01", &it), 0);
    json_t *j = parse(&b);
    assert_string_equal(str_at(j, "routing_key"), ROUTING_KEY);
    assert_string_equal(str_at(j, "event_action"), "trigger");
    assert_string_equal(str_at(j, "dedup_key"), "inc-20250315-checkout-down");
    assert_string_equal(str_at(j, "payload.summary"), "[SEV1] Checkout down");
    assert_string_equal(str_at(j, "payload.source"), "web-01");
    assert_string_equal(str_at(j, "payload.severity"), "critical");
    assert_string_equal(str_at(j, "payload.timestamp"), "2025-03-15T14:35:02.118Z");
    assert_string_equal(str_at(j, "payload.custom_details.incident_id"), "inc-20250315-checkout-down");
    assert_string_equal(str_at(j, "payload.custom_details.status"), "investigating");
    assert_string_equal(str_at(j, "payload.custom_details.ic"), "alice");
    assert_string_equal(str_at(j, "links.0.href"), "https://runbooks.example.com/checkout");
    assert_string_equal(str_at(j, "links.0.text"), "Runbook");
    assert_string_equal(str_at(j, "links.1.href"), "https://grafana.example.com/d/checkout");
    assert_int_equal(json_array_size(json_object_get(j, "links")), 2);
    /* Same input, same bytes; keys in a fixed order. */
    assert_int_equal(sink_build_pagerduty(&again, ROUTING_KEY, "web-01", &it), 0);
    assert_string_equal(buf_str(&b), buf_str(&again));
    assert_true(strncmp(buf_str(&b), "{\"routing_key\":", 15) == 0);
    json_decref(j);
    buf_free(&b);
    buf_free(&again);
}

static void test_pagerduty_ack_resolve_minimal(void **state)
{
    (void)state;
    const enum publish_kind kinds[] = {PUBLISH_ACK, PUBLISH_RESOLVE};
    const char *actions[] = {"acknowledge", "resolve"};
    for (size_t i = 0; i < 2; i++) {
        struct publish_item it = sample(kinds[i]);
        struct buf b = BUF_INIT;
        assert_int_equal(sink_build_pagerduty(&b, ROUTING_KEY, NULL, &it), 0);
        json_t *j = parse(&b);
        assert_int_equal(json_object_size(j), 3);
        assert_string_equal(str_at(j, "event_action"), actions[i]);
        assert_string_equal(str_at(j, "dedup_key"), it.incident_id);
        assert_string_equal(str_at(j, "routing_key"), ROUTING_KEY);
        json_decref(j);
        buf_free(&b);
    }
}

static void test_pagerduty_mappings(void **state)
{
    (void)state;
    const char *pd[] = {"critical", "critical", "error", "warning", "info", "info", "info"};
    const char *sp[] = {"critical", "critical", "major", "minor", "none", "none", "none"};
    for (int sev = 0; sev <= 6; sev++) {
        assert_string_equal(sink_pagerduty_severity(sev), pd[sev]);
        assert_string_equal(sink_statuspage_impact(sev), sp[sev]);
    }
    assert_string_equal(sink_pagerduty_action(PUBLISH_DECLARE), "trigger");
    assert_string_equal(sink_pagerduty_action(PUBLISH_PAGE), "trigger");
    assert_string_equal(sink_pagerduty_action(PUBLISH_ACK), "acknowledge");
    assert_string_equal(sink_pagerduty_action(PUBLISH_RESOLVE), "resolve");
    assert_null(sink_pagerduty_action(PUBLISH_UPDATE));
    assert_null(sink_pagerduty_action(PUBLISH_SEV));
}

static void test_pagerduty_bounds_and_links(void **state)
{
    (void)state;
    char *title = malloc(5001);
    memset(title, 'x', 5000);
    title[5000] = '\0';
    struct publish_item it = sample(PUBLISH_PAGE);
    it.title = title;
    it.sev = 3;
    it.sev_name = "SEV3";
    it.runbook_url = "javascript:alert(1)";
    it.dashboard_url = "https://ok.example.com/has space";
    it.at_ms = 0;
    struct buf b = BUF_INIT;
    assert_int_equal(sink_build_pagerduty(&b, ROUTING_KEY, "", &it), 0);
    json_t *j = parse(&b);
    const char *summary = str_at(j, "payload.summary");
    assert_true(units(summary) <= SINK_PD_SUMMARY_MAX);
    assert_true(units(summary) >= SINK_PD_SUMMARY_MAX - 1);
    assert_true(strncmp(summary, "[SEV3] xxx", 10) == 0);
    assert_string_equal(str_at(j, "payload.severity"), "warning");
    assert_string_equal(str_at(j, "payload.source"), "warroom");
    assert_null(json_object_get(j, "links"));
    assert_null(json_object_get(json_object_get(j, "payload"), "timestamp"));
    json_decref(j);
    buf_free(&b);
    free(title);
}

static void test_pagerduty_bad_key_not_echoed(void **state)
{
    (void)state;
    struct publish_item it = sample(PUBLISH_DECLARE);
    struct buf b = BUF_INIT;
    assert_true(sink_build_pagerduty(&b, "bad key\"SECRETPART", NULL, &it) < 0);
    assert_null(strstr(error_last(), "SECRETPART"));
    assert_true(sink_build_pagerduty(&b, NULL, NULL, &it) < 0);
    assert_int_equal(b.len, 0);
    buf_free(&b);
}

/* ---- Slack ---- */

static json_t *slack(struct publish_item *it)
{
    struct buf b = BUF_INIT;
    assert_int_equal(sink_build_slack(&b, it), 0);
    json_t *j = parse(&b);
    buf_free(&b);
    return j;
}

/* Every mrkdwn text in the body, and the fallback text. */
static void assert_no_angle_brackets(json_t *j)
{
    assert_null(strpbrk(str_at(j, "text"), "<>"));
    json_t *blocks = json_object_get(j, "blocks");
    size_t i;
    json_t *blk;
    json_array_foreach(blocks, i, blk)
    {
        json_t *t = json_object_get(blk, "text");
        if (t && strcmp(json_string_value(json_object_get(t, "type")), "mrkdwn") == 0)
            assert_null(strpbrk(json_string_value(json_object_get(t, "text")), "<>"));
        size_t k;
        json_t *f;
        json_array_foreach(json_object_get(blk, "fields"), k, f)
            assert_null(strpbrk(json_string_value(json_object_get(f, "text")), "<>"));
    }
}

static void test_slack_structure(void **state)
{
    (void)state;
    struct publish_item it = sample(PUBLISH_UPDATE);
    it.state = PUBLISH_STATE_IDENTIFIED;
    json_t *j = slack(&it);
    json_t *blocks = json_object_get(j, "blocks");
    assert_int_equal(json_array_size(blocks), 3);
    assert_string_equal(str_at(blocks, "0.type"), "header");
    assert_string_equal(str_at(blocks, "0.text.type"), "plain_text");
    assert_string_equal(str_at(blocks, "0.text.text"), "SEV1 \xc2\xb7 Checkout down");
    assert_string_equal(str_at(blocks, "1.type"), "section");
    assert_non_null(strstr(str_at(blocks, "1.text.text"), "Status: *identified*"));
    assert_string_equal(str_at(blocks, "1.fields.0.text"), "*IC*\nalice");
    assert_string_equal(str_at(blocks, "1.fields.1.text"), "*Comms*\nbob");
    assert_string_equal(str_at(blocks, "2.text.type"), "mrkdwn");
    assert_string_equal(str_at(blocks, "2.text.text"), "Payments API returns 500");
    assert_non_null(strstr(str_at(j, "text"), "[SEV1] Checkout down"));
    assert_non_null(strstr(str_at(j, "text"), "Payments API returns 500"));
    json_decref(j);
}

static void test_slack_escapes_mentions_and_links(void **state)
{
    (void)state;
    struct publish_item it = sample(PUBLISH_UPDATE);
    it.text = "<!channel> <!here> <@U123|x> <http://evil|click> & done";
    it.ic = "<!everyone>";
    it.comms = "<@U999>";
    it.title = "a <!here> title & more";
    json_t *j = slack(&it);
    assert_no_angle_brackets(j);
    json_t *blocks = json_object_get(j, "blocks");
    assert_string_equal(str_at(blocks, "2.text.text"),
                        "&lt;!channel&gt; &lt;!here&gt; &lt;@U123|x&gt; "
                        "&lt;http://evil|click&gt; &amp; done");
    assert_string_equal(str_at(blocks, "1.fields.0.text"), "*IC*\n&lt;!everyone&gt;");
    /* plain_text is never parsed for mentions: shown as typed. */
    assert_string_equal(str_at(blocks, "0.text.text"), "SEV1 \xc2\xb7 a <!here> title & more");
    json_decref(j);

    struct buf b = BUF_INIT;
    sink_slack_escape(&b, "a&b<c>d", 7);
    assert_string_equal(buf_str(&b), "a&amp;b&lt;c&gt;d");
    buf_free(&b);
}

/* Reverses Slack's escaping; fails on a stray '&' (a split entity). */
static void unescape_into(struct buf *out, const char *s)
{
    while (*s) {
        if (*s == '&') {
            if (strncmp(s, "&amp;", 5) == 0) {
                buf_addc(out, '&');
                s += 5;
            } else if (strncmp(s, "&lt;", 4) == 0) {
                buf_addc(out, '<');
                s += 4;
            } else if (strncmp(s, "&gt;", 4) == 0) {
                buf_addc(out, '>');
                s += 4;
            } else {
                fail_msg("split entity at %.10s", s);
            }
        } else {
            buf_addc(out, *s++);
        }
    }
}

static void test_slack_splits_long_text(void **state)
{
    (void)state;
    /* 2998 ASCII, then '&' whose entity straddles 3000; then multibyte text
     * (2- and 4-byte characters) long enough for more sections, no spaces so
     * the split falls where the limit is. */
    struct buf text = BUF_INIT;
    for (int i = 0; i < 2998; i++)
        buf_addc(&text, 'a');
    buf_adds(&text, "&<");
    for (int i = 0; i < 2000; i++)
        buf_adds(&text, "\xc3\xa9\xf0\x9f\x98\x80"); /* é😀: 3 units each pair */
    struct publish_item it = sample(PUBLISH_UPDATE);
    it.text = buf_str(&text);
    json_t *j = slack(&it);
    json_t *blocks = json_object_get(j, "blocks");
    size_t n = json_array_size(blocks);
    assert_true(n >= 5);
    struct buf joined = BUF_INIT;
    for (size_t i = 2; i < n; i++) {
        const char *s = str_at(json_array_get(blocks, i), "text.text");
        assert_true(units(s) <= SINK_SLACK_SECTION_MAX);
        assert_true(units(s) > 0);
        unescape_into(&joined, s);
    }
    /* Nothing lost, nothing split inside a character or an entity. */
    assert_string_equal(buf_str(&joined), buf_str(&text));
    assert_string_equal(str_at(blocks, "2.text.text") + 2990, "aaaaaaaa");
    assert_true(units(str_at(j, "text")) <= SINK_SLACK_FALLBACK_MAX);
    json_decref(j);
    buf_free(&joined);
    buf_free(&text);
}

static void test_slack_cuts_at_fifty_blocks(void **state)
{
    (void)state;
    /* Far more than 48 sections' worth of hostile text. */
    struct buf text = BUF_INIT;
    for (int i = 0; i < 40000; i++)
        buf_adds(&text, "<!here>\xf0\x9f\x98\x80 ");
    struct publish_item it = sample(PUBLISH_UPDATE);
    it.text = buf_str(&text);
    it.title = buf_str(&text); /* hostile and long everywhere */
    json_t *j = slack(&it);
    json_t *blocks = json_object_get(j, "blocks");
    assert_int_equal(json_array_size(blocks), SINK_SLACK_BLOCKS_MAX);
    assert_true(units(str_at(blocks, "0.text.text")) <= SINK_SLACK_HEADER_MAX);
    for (size_t i = 2; i < SINK_SLACK_BLOCKS_MAX; i++) {
        const char *s = str_at(json_array_get(blocks, i), "text.text");
        assert_true(units(s) <= SINK_SLACK_SECTION_MAX);
        struct buf check = BUF_INIT;
        unescape_into(&check, s);
        buf_free(&check);
    }
    const char *last = str_at(json_array_get(blocks, SINK_SLACK_BLOCKS_MAX - 1), "text.text");
    size_t ll = strlen(last), ml = strlen(SINK_SLACK_CUT_MARKER);
    assert_true(ll > ml);
    assert_string_equal(last + ll - ml, SINK_SLACK_CUT_MARKER);
    assert_no_angle_brackets(j);
    json_decref(j);
    buf_free(&text);
}

static void test_slack_blank_and_control_text(void **state)
{
    (void)state;
    struct publish_item it = sample(PUBLISH_DECLARE);
    it.text = "   \n ";
    it.ic = NULL;
    json_t *j = slack(&it);
    json_t *blocks = json_object_get(j, "blocks");
    assert_int_equal(json_array_size(blocks), 2); /* no blank section */
    assert_string_equal(str_at(blocks, "1.fields.0.text"), "*IC*\n_unassigned_");
    json_decref(j);

    it.text = "bell\x07 and \xe2\x80\xaeRTL override and bad \xff byte";
    j = slack(&it);
    const char *s = str_at(json_object_get(j, "blocks"), "2.text.text");
    assert_null(strchr(s, '\x07'));
    assert_null(strstr(s, "\xe2\x80\xae"));
    assert_non_null(strstr(s, "RTL override"));
    json_decref(j);
}

/* ---- Statuspage ---- */

static void test_statuspage_bodies(void **state)
{
    (void)state;
    struct publish_item it = sample(PUBLISH_UPDATE);
    it.state = PUBLISH_STATE_IDENTIFIED;
    it.sev = 2;
    struct buf b = BUF_INIT;
    assert_int_equal(sink_build_statuspage(&b, &it, true), 0);
    json_t *j = parse(&b);
    assert_int_equal(json_object_size(j), 1);
    assert_string_equal(str_at(j, "incident.name"), "Checkout down");
    assert_string_equal(str_at(j, "incident.status"), "identified");
    assert_string_equal(str_at(j, "incident.body"), "Payments API returns 500");
    assert_string_equal(str_at(j, "incident.impact_override"), "major");
    json_decref(j);

    buf_reset(&b);
    it = sample(PUBLISH_RESOLVE);
    it.text = "Fixed.";
    assert_int_equal(sink_build_statuspage(&b, &it, false), 0);
    j = parse(&b);
    assert_null(json_object_get(json_object_get(j, "incident"), "name"));
    assert_string_equal(str_at(j, "incident.status"), "resolved");
    assert_string_equal(str_at(j, "incident.body"), "Fixed.");
    assert_string_equal(str_at(j, "incident.impact_override"), "critical");
    json_decref(j);
    buf_free(&b);
}

static void test_statuspage_request(void **state)
{
    (void)state;
    struct sink_target t = {.type = SINK_STATUSPAGE, .url = "http://127.0.0.1:9/",
                            .secret = SP_KEY, .page_id = "pg1"};
    struct publish_item it = sample(PUBLISH_UPDATE);
    it.state = PUBLISH_STATE_MONITORING;
    struct sink_request r;
    assert_int_equal(sink_build_request(&r, &t, &it, NULL), 1);
    assert_string_equal(r.method, "POST");
    assert_string_equal(r.url, "http://127.0.0.1:9/v1/pages/pg1/incidents");
    assert_int_equal(r.n_headers, 2);
    assert_string_equal(r.headers[0], "Content-Type: application/json");
    assert_string_equal(r.headers[1], "Authorization: OAuth " SP_KEY);
    assert_null(strstr(r.body, SP_KEY));
    sink_request_free(&r);

    assert_int_equal(sink_build_request(&r, &t, &it, "p0000001"), 1);
    assert_string_equal(r.method, "PATCH");
    assert_string_equal(r.url, "http://127.0.0.1:9/v1/pages/pg1/incidents/p0000001");
    sink_request_free(&r);

    /* A hostile id from a reply never reaches a URL. */
    assert_true(sink_build_request(&r, &t, &it, "../../admin") < 0);
    assert_null(r.url);
    /* Declarations are not published to the status page. */
    it.kind = PUBLISH_DECLARE;
    assert_int_equal(sink_build_request(&r, &t, &it, NULL), 0);
    /* A missing key is an error that does not quote anything secret. */
    t.secret = NULL;
    it.kind = PUBLISH_UPDATE;
    assert_true(sink_build_request(&r, &t, &it, NULL) < 0);
}

static void test_statuspage_incident_id(void **state)
{
    (void)state;
    char *id = NULL;
    const char *ok = "{\"id\":\"p31zjtct2jer\",\"name\":\"x\",\"status\":\"investigating\"}";
    assert_int_equal(sink_statuspage_incident_id(&id, ok, strlen(ok)), 0);
    assert_string_equal(id, "p31zjtct2jer");
    free(id);
    const char *bad[] = {
        "{\"name\":\"x\"}", "{\"id\":\"../etc\"}", "{\"id\":\"\"}", "{\"id\":42}",
        "[\"id\"]", "not json", "",
        "{\"id\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}",
        "{\"id\":\"a b\"}", "{\"id\":\"a\",\"id\":\"b\"}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_true(sink_statuspage_incident_id(&id, bad[i], strlen(bad[i])) < 0);
        assert_null(id);
    }
}

/* ---- Generic webhook ---- */

static void test_webhook_body(void **state)
{
    (void)state;
    struct publish_item it = sample(PUBLISH_UPDATE);
    it.state = PUBLISH_STATE_MONITORING;
    it.event_json = "{\"v\":1,\"id\":\"e1\",\"type\":\"update\",\"state\":\"monitoring\","
                    "\"text\":\"fixed\\u001b[31m red\",\"n\":[1,{\"k\\u202e\":\"v\"}]}";
    struct buf b = BUF_INIT;
    assert_int_equal(sink_build_webhook(&b, &it), 0);
    json_t *j = parse(&b);
    assert_string_equal(str_at(j, "event.id"), "e1");
    assert_string_equal(str_at(j, "event.type"), "update");
    assert_string_equal(str_at(j, "event.text"), "fixed red");
    assert_string_equal(str_at(j, "event.n.1.k"), "v");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "event"), "v")), 1);
    assert_string_equal(str_at(j, "kind"), "update");
    assert_string_equal(str_at(j, "incident.id"), "inc-20250315-checkout-down");
    assert_string_equal(str_at(j, "incident.title"), "Checkout down");
    assert_string_equal(str_at(j, "incident.sev_name"), "SEV1");
    assert_string_equal(str_at(j, "incident.state"), "monitoring");
    assert_string_equal(str_at(j, "incident.ic"), "alice");
    json_decref(j);

    buf_reset(&b);
    it.event_json = "{\"broken\":";
    assert_true(sink_build_webhook(&b, &it) < 0);
    it.event_json = "[1,2]";
    assert_true(sink_build_webhook(&b, &it) < 0);
    buf_free(&b);
}

static void test_build_request_all_sinks(void **state)
{
    (void)state;
    struct publish_item it = sample(PUBLISH_DECLARE);
    struct sink_request r;

    struct sink_target slack_t = {.type = SINK_SLACK, .url = SLACK_URL};
    assert_int_equal(sink_build_request(&r, &slack_t, &it, NULL), 1);
    assert_string_equal(r.method, "POST");
    assert_string_equal(r.url, SLACK_URL);
    assert_int_equal(r.n_headers, 1);
    assert_string_equal(r.headers[0], "Content-Type: application/json");
    assert_int_equal(r.body_len, strlen(r.body));
    assert_null(strstr(r.body, "XXXXSECRET"));
    struct deliver_request dr;
    sink_request_view(&dr, &r);
    assert_ptr_equal(dr.url, r.url);
    assert_int_equal(dr.n_headers, 1);
    sink_request_free(&r);

    struct sink_target pd = {.type = SINK_PAGERDUTY, .secret = ROUTING_KEY, .source = "h"};
    assert_int_equal(sink_build_request(&r, &pd, &it, NULL), 1);
    assert_string_equal(r.url, SINK_PAGERDUTY_URL);
    assert_non_null(strstr(r.body, ROUTING_KEY));
    sink_request_free(&r);
    it.kind = PUBLISH_SEV;
    assert_int_equal(sink_build_request(&r, &pd, &it, NULL), 0);

    struct sink_target wh = {.type = SINK_WEBHOOK, .url = "ftp://example.com/x"};
    assert_true(sink_build_request(&r, &wh, &it, NULL) < 0);
    assert_null(strstr(error_last(), "example.com"));

    assert_true(sink_takes(SINK_SLACK, PUBLISH_ESCALATE));
    assert_false(sink_takes(SINK_SLACK, PUBLISH_ACK));
    assert_true(sink_takes(SINK_WEBHOOK, PUBLISH_ACK));
    assert_false(sink_takes(SINK_STATUSPAGE, PUBLISH_SEV));
}

static void test_names(void **state)
{
    (void)state;
    enum sink_type t;
    enum publish_kind k;
    enum publish_state s;
    assert_int_equal(sink_type_from_name(&t, "statuspage"), 0);
    assert_int_equal(t, SINK_STATUSPAGE);
    assert_true(sink_type_from_name(&t, "email") < 0);
    assert_int_equal(publish_kind_from_name(&k, "escalate"), 0);
    assert_int_equal(k, PUBLISH_ESCALATE);
    assert_true(publish_kind_from_name(&k, "note") < 0);
    assert_int_equal(publish_state_from_name(&s, "monitoring"), 0);
    assert_int_equal(s, PUBLISH_STATE_MONITORING);
    assert_true(publish_state_from_name(&s, "") < 0);
    assert_true(publish_state_from_name(&s, NULL) < 0);
}

/* ---- masking ---- */

static void test_mask_url(void **state)
{
    (void)state;
    /* Every path segment, query and user info is hidden: a short lower-case
     * segment can be the whole secret (http://host/qzxwvkjhgfdsapo). */
    static const struct {
        const char *url, *masked;
    } cases[] = {
        {SLACK_URL, "https://hooks.slack.com/•••"},
        {"https://events.pagerduty.com/v2/enqueue", "https://events.pagerduty.com/•••"},
        {"https://example.com", "https://example.com"},
        {"http://127.0.0.1:8080/qzxwvkjhgfdsapo", "http://127.0.0.1:8080/•••"},
        {"https://example.com/hook?token=abc", "https://example.com/•••"},
        {"https://example.com?token=abc", "https://example.com?•••"},
        {"https://example.com/9f8e7d6c5b4a", "https://example.com/•••"},
        {"https://user:pw@example.com:8443/x", "https://•••@example.com:8443/•••"},
        {"not a url", "•••"},
        {"https://", "•••"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *m = sink_mask_url(cases[i].url);
        if (strcmp(m, cases[i].masked) != 0)
            fail_msg("case %zu: %s", i, m);
        free(m);
    }
    char *m = sink_mask_url(NULL);
    assert_string_equal(m, "•••");
    free(m);
    assert_string_equal(sink_url_secret(SLACK_URL), "/services/T000/B000/XXXXSECRETXXXX");
    assert_null(sink_url_secret("https://example.com"));
    assert_string_equal(sink_url_secret("https://u:p@h/x"), "u:p@h/x");
}

/* What the user marks public stays readable; what a provider publishes of its
 * own URLs too; nothing else. */
static void test_public_prefix(void **state)
{
    (void)state;
    static const struct {
        enum sink_type type;
        const char *url, *prefix, *masked, *secret;
    } cases[] = {
        {SINK_WEBHOOK, "http://h/qzxwvkjhgfdsapo", NULL, "http://h/•••", "/qzxwvkjhgfdsapo"},
        {SINK_WEBHOOK, "http://h/hooks/qzxwvkjhgfdsapo", "http://h/hooks", "http://h/hooks/•••", "/qzxwvkjhgfdsapo"},
        {SINK_WEBHOOK, "http://h/hooks/qzxwvkjhgfdsapo", "http://h/hooks/", "http://h/hooks/•••", "qzxwvkjhgfdsapo"},
        /* not at a segment boundary, not a prefix, or into the user info: ignored */
        {SINK_WEBHOOK, "http://h/hooks/qzxwvkjhgfdsapo", "http://h/hooks/qzx", "http://h/•••", "/hooks/qzxwvkjhgfdsapo"},
        {SINK_WEBHOOK, "http://h/hooks/qzxwvkjhgfdsapo", "http://other/hooks", "http://h/•••", "/hooks/qzxwvkjhgfdsapo"},
        {SINK_WEBHOOK, "http://u:pw@h/x", "http://u:pw@h", "http://•••@h/•••", "u:pw@h/x"},
        {SINK_WEBHOOK, "http://h/a/b", "http://h/a/b", "http://h/a/b", NULL},
        {SINK_SLACK, SLACK_URL, NULL, "https://hooks.slack.com/services/•••", "/T000/B000/XXXXSECRETXXXX"},
        {SINK_SLACK, "http://127.0.0.1:9/services/T0/B0/xyz", NULL, "http://127.0.0.1:9/•••", "/services/T0/B0/xyz"},
        {SINK_PAGERDUTY, SINK_PAGERDUTY_URL, NULL, SINK_PAGERDUTY_URL, NULL},
        {SINK_PAGERDUTY, "https://proxy.example.com/tok3nvalue/enqueue", NULL, "https://proxy.example.com/•••",
         "/tok3nvalue/enqueue"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct sink_target t = {.type = cases[i].type, .url = cases[i].url,
                                .public_url_prefix = cases[i].prefix, .secret = "k3yk3yk3y"};
        char *m = sink_mask_target_url(&t, t.url);
        const char *secrets[SINK_SECRETS_MAX + 1];
        size_t n = sink_target_secrets(&t, secrets);
        if (strcmp(m, cases[i].masked) != 0)
            fail_msg("case %zu: %s", i, m);
        if (cases[i].secret) {
            assert_int_equal(n, 2);
            assert_string_equal(secrets[0], cases[i].secret);
            assert_string_equal(secrets[1], "k3yk3yk3y");
        } else {
            assert_int_equal(n, 1);
            assert_string_equal(secrets[0], "k3yk3yk3y");
        }
        assert_null(secrets[n]);
        free(m);
    }
}

/* Atlassian's documented base, the bare host and a proxy all reach
 * .../v1/pages/...; what is shown of the URL hides the page id only. */
static void test_statuspage_url(void **state)
{
    (void)state;
    static const char *const bases[] = {NULL, "", "https://api.statuspage.io", "https://api.statuspage.io/",
                                        "https://api.statuspage.io/v1", "https://api.statuspage.io/v1/"};
    for (size_t i = 0; i < sizeof bases / sizeof bases[0]; i++) {
        struct buf b = BUF_INIT;
        assert_int_equal(sink_statuspage_url(&b, bases[i], "pg1", "inc9"), 0);
        assert_string_equal(buf_str(&b), "https://api.statuspage.io/v1/pages/pg1/incidents/inc9");
        struct sink_target t = {.type = SINK_STATUSPAGE, .url = bases[i], .page_id = "pg1", .secret = "k3yk3yk3y"};
        char *m = sink_mask_target_url(&t, b.data);
        assert_string_equal(m, "https://api.statuspage.io/v1/pages/•••/incidents/inc9");
        free(m);
        buf_free(&b);
    }
    struct buf b = BUF_INIT;
    assert_int_equal(sink_statuspage_url(&b, "http://127.0.0.1:9/proxy/v1", "pg1", NULL), 0);
    assert_string_equal(buf_str(&b), "http://127.0.0.1:9/proxy/v1/pages/pg1/incidents");
    struct sink_target t = {.type = SINK_STATUSPAGE, .url = "http://127.0.0.1:9/proxy/v1", .page_id = "pg1"};
    buf_adds(&b, "?q=Checkout&limit=100");
    char *m = sink_mask_target_url(&t, b.data);
    assert_string_equal(m, "http://127.0.0.1:9/•••/v1/pages/•••/incidents?•••");
    free(m);
    t.public_url_prefix = "http://127.0.0.1:9/proxy";
    m = sink_mask_target_url(&t, b.data);
    assert_string_equal(m, "http://127.0.0.1:9/proxy/v1/pages/•••/incidents?•••");
    free(m);
    buf_free(&b);

    /* An address that answers 404 is named in the reason, masked. */
    struct deliver_result r = {.http_status = 404, .body = (char *)(uintptr_t)"Not Found", .body_len = 9};
    struct buf reason = BUF_INIT;
    const char *secrets[] = {"pg1secretpage", NULL};
    assert_int_equal(sink_classify_at(SINK_STATUSPAGE, &r, secrets,
                                      "https://api.statuspage.io/v1/pages/•••/incidents", &reason), SINK_FAILED);
    assert_string_equal(buf_str(&reason), "HTTP 404 from https://api.statuspage.io/v1/pages/•••/incidents: Not Found");
    buf_free(&reason);
}

/* After a lost answer: an older incident of the same name is never ours. */
static void test_statuspage_find_created(void **state)
{
    (void)state;
    const int64_t started = stamp_from_utc(2026, 12, 1, 12, 0, 0);
    const char *list =
        "[{\"id\":\"old1\",\"name\":\"Checkout failing\",\"created_at\":\"2026-11-01T10:00:00Z\"},"
        " {\"id\":\"oldtag\",\"name\":\"Checkout failing\",\"created_at\":\"2026-11-02T10:00:00Z\","
        "  \"metadata\":{\"warroom\":{\"incident\":\"inc-1\",\"update\":\"ev0\"}}},"
        " {\"id\":\"other\",\"name\":\"Checkout failing twice\",\"created_at\":\"2026-12-01T12:00:05Z\"}]";
    char *id = (char *)1;
    /* only last month's incidents of that name: not there, so create again */
    assert_int_equal(sink_statuspage_find_created(&id, list, strlen(list), "Checkout failing", "inc-1", "ev1", started), 0);
    assert_null(id);

    const char *tagged =
        "[{\"id\":\"old1\",\"name\":\"Checkout failing\",\"created_at\":\"2026-11-01T10:00:00Z\"},"
        " {\"id\":\"new1\",\"name\":\"Checkout failing\",\"created_at\":\"2026-12-01T11:59:58Z\","
        "  \"metadata\":{\"warroom\":{\"incident\":\"inc-1\",\"update\":\"ev1\"}}},"
        " {\"id\":\"stranger\",\"name\":\"Checkout failing\",\"created_at\":\"2026-12-01T12:00:01Z\","
        "  \"metadata\":{\"warroom\":{\"incident\":\"inc-9\",\"update\":\"ev9\"}}}]";
    /* the tag wins, even over a clock that made ours look a little early */
    assert_int_equal(sink_statuspage_find_created(&id, tagged, strlen(tagged), "Checkout failing", "inc-1", "ev1", started), 1);
    assert_string_equal(id, "new1");
    free(id);

    const char *untagged =
        "[{\"id\":\"late2\",\"name\":\"Checkout failing\",\"created_at\":\"2026-12-01T13:00:09+01:00\"},"
        " {\"id\":\"late1\",\"name\":\"Checkout failing\",\"created_at\":\"2026-12-01T12:00:03.5Z\"},"
        " {\"id\":\"old1\",\"name\":\"Checkout failing\",\"created_at\":\"2026-12-01T11:59:59Z\"}]";
    /* no tags (a server that drops metadata): the earliest made since the attempt */
    assert_int_equal(sink_statuspage_find_created(&id, untagged, strlen(untagged), "Checkout failing", "inc-1", "ev1", started), 1);
    assert_string_equal(id, "late1");
    free(id);
    /* without a start time, an untagged incident cannot be told apart */
    assert_int_equal(sink_statuspage_find_created(&id, untagged, strlen(untagged), "Checkout failing", "inc-1", "ev1", 0), 0);
    assert_true(sink_statuspage_find_created(&id, "{}", 2, "Checkout failing", "inc-1", "ev1", started) < 0);
    const char *hostile = "[{\"id\":\"../../x\",\"name\":\"Checkout failing\",\"created_at\":\"2030-01-01T00:00:00Z\"}]";
    assert_int_equal(sink_statuspage_find_created(&id, hostile, strlen(hostile), "Checkout failing", "inc-1", "ev1", started), 0);
}

/* A PATCH is confirmed by its own identity, not by words an earlier one had. */
static void test_statuspage_update_arrived(void **state)
{
    (void)state;
    const int64_t started = stamp_from_utc(2026, 12, 1, 12, 0, 0);
    const char *before =
        "{\"id\":\"i1\",\"metadata\":{\"warroom\":{\"incident\":\"inc-1\",\"update\":\"ev1\"}},\"incident_updates\":["
        "{\"id\":\"u1\",\"status\":\"identified\",\"body\":\"We know the cause\",\"created_at\":\"2026-12-01T11:50:00Z\"}]}";
    struct sink_statuspage_sent sent = {.incident_id = "inc-1", .event_id = "ev2", .body = "We know the cause",
                                        .status = "identified", .started = started,
                                        .mark_id = "u1", .mark_at = "2026-12-01T11:50:00.000Z"};
    /* only the earlier update with the same words: it did not arrive */
    assert_int_equal(sink_statuspage_update_arrived(before, strlen(before), &sent), 0);
    sent.mark_id = sent.mark_at = NULL;
    assert_int_equal(sink_statuspage_update_arrived(before, strlen(before), &sent), 0);

    const char *after =
        "{\"id\":\"i1\",\"incident_updates\":["
        "{\"id\":\"u2\",\"status\":\"identified\",\"body\":\"We know the cause\",\"created_at\":\"2026-12-01T11:50:00.004Z\"},"
        "{\"id\":\"u1\",\"status\":\"identified\",\"body\":\"We know the cause\",\"created_at\":\"2026-12-01T11:50:00Z\"}]}";
    /* newer than the mark, on Statuspage's clock (ours may be ahead) */
    sent.mark_id = "u1";
    sent.mark_at = "2026-12-01T11:50:00.000Z";
    assert_int_equal(sink_statuspage_update_arrived(after, strlen(after), &sent), 1);
    /* the same words with another status are another update */
    sent.status = "monitoring";
    assert_int_equal(sink_statuspage_update_arrived(after, strlen(after), &sent), 0);
    sent.status = "identified";

    const char *tagged = "{\"metadata\":{\"warroom\":{\"incident\":\"inc-1\",\"update\":\"ev2\"}},\"incident_updates\":[]}";
    assert_int_equal(sink_statuspage_update_arrived(tagged, strlen(tagged), &sent), 1);
    assert_true(sink_statuspage_update_arrived("[]", 2, &sent) < 0);

    char *id;
    int64_t at;
    assert_int_equal(sink_statuspage_newest_update(&id, &at, after, strlen(after)), 1);
    assert_string_equal(id, "u2");
    assert_int_equal(at, stamp_from_utc(2026, 12, 1, 11, 50, 0) + 4);
    free(id);
    assert_int_equal(sink_statuspage_newest_update(&id, &at, "{}", 2), 0);
    assert_null(id);
}

static void test_scrub(void **state)
{
    (void)state;
    const char *secrets[] = {"SECRETKEY", "abc", "KEY", NULL};
    struct buf b = BUF_INIT;
    sink_scrub(&b, "key SECRETKEY and SECRETKEYSECRETKEY, abc", secrets);
    /* Secrets shorter than 4 bytes are ignored: too likely to be words. */
    assert_string_equal(buf_str(&b), "key ••• and •••, abc");
    buf_reset(&b);
    sink_scrub(&b, "", NULL);
    assert_string_equal(buf_str(&b), "");
    buf_free(&b);
}

/* A server may echo a secret, or six characters of it, in any form. */
static void test_scrub_encodings(void **state)
{
    (void)state;
    const char *url_secret = "/services/T0SLACK/B0SLACK/hooksecretXYZ123";
    const char *key = "spapikeysecret9876";
    const char *secrets[] = {url_secret, key, NULL};
    static const char *const echoes[] = {
        "/services/T0SLACK/B0SLACK/hooksecretXYZ123",             /* as is */
        "%2Fservices%2FT0SLACK%2FB0SLACK%2Fhooksecret",           /* URL-encoded */
        "%2fservices%2ft0slack%2fb0slack%2fhooksecretxyz123",     /* lower-case escapes */
        "%252Fservices%252FT0SLACK%252FB0",                       /* encoded twice */
        "\\/services\\/T0SLACK\\/B0SLACK\\/hooksecretXYZ123",     /* JSON-escaped */
        "\\u002fservices\\u002fT0SLACK",                          /* JSON \\u escapes */
        "/SERVICES/T0SLACK/B0SLACK/HOOKSECRETXYZ123",             /* upper-cased */
        "spapikeysecret9876", "SPAPIKEYSECRET9876", "spapikeysecret9876",
        "SPAPIK",                                                 /* six characters */
        "ikeysecr",                                               /* from the middle */
        "c3BhcGlrZXlzZWNyZXQ5ODc2",                               /* base64 */
        "Bearer YmVhcmVyOnNwYXBpa2V5c2VjcmV0OTg3Ng==",           /* base64 of "bearer:<key>" */
        "OnNwYXBpa2V5c2VjcmV0OTg3Ng",                             /* another alignment */
        "c3BhcGlrZXlzZWNyZXQ5ODc2",
        "L3NlcnZpY2VzL1QwU0xBQ0svQjBTTEFDSy9ob29rc2VjcmV0WFlaMTIz", /* base64 of the URL secret */
        "&#x2F;services&#47;T0SLACK&amp;",                        /* HTML entities */
    };
    static const char *const leftovers[] = {"T0SLACK", "t0slack", "hooksecret", "HOOKSECRET", "spapik", "SPAPIK",
                                            "ikeysecr", "c3BhcGlr", "NwYXBpa2V5", "L3NlcnZpY2Vz", "5ODc2"};
    for (size_t i = 0; i < sizeof echoes / sizeof echoes[0]; i++) {
        struct buf b = BUF_INIT, text = BUF_INIT;
        buf_printf(&text, "error: <%s> rejected", echoes[i]);
        sink_scrub(&b, text.data, secrets);
        for (size_t k = 0; k < sizeof leftovers / sizeof leftovers[0]; k++)
            if (strstr(buf_str(&b), leftovers[k]))
                fail_msg("echo %zu left \"%s\" in: %s", i, leftovers[k], buf_str(&b));
        if (strncmp(buf_str(&b), "error: <", 8) != 0 || !strstr(buf_str(&b), "> rejected") ||
            !strstr(buf_str(&b), "•••"))
            fail_msg("echo %zu: %s", i, buf_str(&b));
        buf_free(&b);
        buf_free(&text);
    }
    /* Five characters of a long secret are not a run; words stay. */
    struct buf b = BUF_INIT;
    sink_scrub(&b, "spapi is a word; invalid_payload", secrets);
    assert_string_equal(buf_str(&b), "spapi is a word; invalid_payload");
    buf_free(&b);
}

/* ---- retries ---- */

static void test_retry_after(void **state)
{
    (void)state;
    /* Sun, 06 Nov 1994 08:49:37 GMT */
    const int64_t t0 = INT64_C(784111777);
    static const struct {
        const char *value;
        int64_t now, expect;
    } ok[] = {
        {"120", 0, 120},
        {"0", 0, 0},
        {"  5\t", 0, 5},
        {"3600", 0, 3600},
        {"99999999999999999999999", 0, SINK_RETRY_AFTER_MAX_S},
        {"Sun, 06 Nov 1994 08:49:37 GMT", t0 - 30, 30},
        {"Sun, 06 Nov 1994 08:49:37 GMT", t0 + 100, 0},
        {"Sun, 06 Nov 1994 08:49:37 GMT", t0 - 86400, SINK_RETRY_AFTER_MAX_S},
        {"sun, 06 nov 1994 08:49:37 GMT", t0 - 1, 1},
        {"Sunday, 06-Nov-94 08:49:37 GMT", t0 - 45, 45},
        {"Sun Nov  6 08:49:37 1994", t0 - 7, 7},
        {"Sun Nov 16 08:49:37 1994", t0 + 10 * 86400 - 60, 60},
        {"Thu, 29 Feb 2024 23:59:60 GMT", INT64_C(1709251200) - 10, 10},
        {"Wed, 01 Jan 2070 00:00:00 GMT", INT64_C(3155760000) - 2, 2},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        int64_t d = -1;
        if (sink_retry_after_parse(&d, ok[i].value, ok[i].now) != 0)
            fail_msg("rejected %s", ok[i].value);
        if (d != ok[i].expect)
            fail_msg("%s: %lld, expected %lld", ok[i].value, (long long)d, (long long)ok[i].expect);
    }
    const char *bad[] = {
        "", "   ", "abc", "-5", "5s", "1.5", "+5", "0x10",
        "Sun, 06 Nov 1994 08:49:37 UTC", "Sun, 06 Nov 1994 08:49:37", "Sun, 6 Nov 1994 08:49:37 GMT",
        "Sun, 30 Feb 1994 08:49:37 GMT", "Sun, 06 Foo 1994 08:49:37 GMT", "Sun, 06 Nov 1994 25:00:00 GMT",
        "Fri, 29 Feb 2023 00:00:00 GMT", "Sun, 06 Nov 1994 08:49:37 GMT trailing",
        "Sunday, 06-Nov-1994 08:49:37 GMT", "Sun Nov 6 08:49:37 1994",
        "2025-03-15T14:35:02Z",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t d = 77;
        if (sink_retry_after_parse(&d, bad[i], t0) == 0)
            fail_msg("accepted %s", bad[i]);
        assert_int_equal(d, 77);
    }
    int64_t d;
    assert_true(sink_retry_after_parse(&d, NULL, 0) < 0);
}

static void test_backoff(void **state)
{
    (void)state;
    const struct sink_backoff p = {1000, 60000};
    assert_int_equal(sink_backoff_ms(&p, 1, 0), 500);
    assert_int_equal(sink_backoff_ms(&p, 1, 500), 1000);
    assert_int_equal(sink_backoff_ms(&p, 1, 501), 500); /* wraps in [d/2, d] */
    assert_int_equal(sink_backoff_ms(&p, 0, 0), 500);
    assert_int_equal(sink_backoff_ms(&p, 3, 0), 2000);
    assert_int_equal(sink_backoff_ms(&p, 3, 2000), 4000);
    assert_int_equal(sink_backoff_ms(&p, 7, 0), 30000);
    assert_int_equal(sink_backoff_ms(&p, 7, 30000), 60000);
    const uint32_t rnd[] = {0, 1, 12345, 0x7fffffffu, 0xffffffffu};
    for (unsigned a = 1; a < 2000; a += 37) {
        int64_t d = 1000;
        for (unsigned i = 1; i < a && d < 60000; i++)
            d *= 2;
        if (d > 60000)
            d = 60000;
        for (size_t k = 0; k < sizeof rnd / sizeof rnd[0]; k++) {
            int64_t v = sink_backoff_ms(&p, a, rnd[k]);
            assert_true(v >= d / 2 && v <= d);
        }
    }
    assert_int_equal(sink_backoff_ms(&p, UINT32_MAX, 0xffffffffu) <= 60000, 1);

    /* Retry-After wins when it asks for longer, never when shorter. */
    assert_int_equal(sink_retry_delay_ms(&p, 1, 0, "120", 0), 120000);
    assert_int_equal(sink_retry_delay_ms(&p, 7, 0, "1", 0), 30000);
    assert_int_equal(sink_retry_delay_ms(&p, 1, 0, "garbage", 0), 500);
    assert_int_equal(sink_retry_delay_ms(&p, 1, 0, NULL, 0), 500);
}

static void test_classify(void **state)
{
    (void)state;
    static const struct {
        enum sink_type type;
        enum deliver_error error;
        long status;
        const char *body, *error_text;
        enum sink_outcome expect;
        const char *reason; /* exact */
    } cases[] = {
        {SINK_SLACK, DELIVER_OK, 200, "ok", NULL, SINK_DELIVERED, ""},
        {SINK_PAGERDUTY, DELIVER_OK, 202, "{\"status\":\"success\"}", NULL, SINK_DELIVERED, ""},
        {SINK_STATUSPAGE, DELIVER_OK, 201, "{}", NULL, SINK_DELIVERED, ""},
        {SINK_SLACK, DELIVER_OK, 400, "invalid_payload", NULL, SINK_FAILED, "HTTP 400: invalid_payload"},
        {SINK_SLACK, DELIVER_OK, 404, "no_service\n", NULL, SINK_FAILED, "HTTP 404: no_service"},
        {SINK_PAGERDUTY, DELIVER_OK, 400,
         "{\"status\":\"invalid event\",\"message\":\"Event object is invalid\","
         "\"errors\":[\"'payload.severity' is missing\",\"'links' must be an array\"]}",
         NULL, SINK_FAILED,
         "HTTP 400: invalid event: Event object is invalid ('payload.severity' is missing; "
         "'links' must be an array)"},
        {SINK_STATUSPAGE, DELIVER_OK, 401, "{\"error\":\"Unauthorized\"}", NULL, SINK_FAILED,
         "HTTP 401: Unauthorized"},
        {SINK_STATUSPAGE, DELIVER_OK, 422, "{\"error\":[\"Name can't be blank\",\"Status bad\"]}", NULL,
         SINK_FAILED, "HTTP 422: Name can't be blank; Status bad"},
        {SINK_STATUSPAGE, DELIVER_OK, 420, "", NULL, SINK_RETRY, "HTTP 420"},
        {SINK_PAGERDUTY, DELIVER_OK, 429, "{\"status\":\"throttle event\",\"message\":\"Requests for this service are arriving too quickly\"}", NULL,
         SINK_RETRY, "HTTP 429: throttle event: Requests for this service are arriving too quickly"},
        {SINK_WEBHOOK, DELIVER_OK, 408, "", NULL, SINK_RETRY, "HTTP 408"},
        {SINK_WEBHOOK, DELIVER_OK, 425, "", NULL, SINK_RETRY, "HTTP 425"},
        {SINK_WEBHOOK, DELIVER_OK, 500, "<html>\n<b>oops</b>\n</html>", NULL, SINK_RETRY,
         "HTTP 500: <html> <b>oops</b> </html>"},
        {SINK_WEBHOOK, DELIVER_OK, 503, "{}", NULL, SINK_RETRY, "HTTP 503: {}"},
        {SINK_WEBHOOK, DELIVER_OK, 403, "{\"message\":\"forbidden\"}", NULL, SINK_FAILED, "HTTP 403: forbidden"},
        {SINK_WEBHOOK, DELIVER_OK, 301, "", NULL, SINK_FAILED, "HTTP 301 (redirects are not followed)"},
        {SINK_WEBHOOK, DELIVER_TIMEOUT, 0, "", "Operation timed out after 1000 milliseconds", SINK_RETRY,
         "timed out: Operation timed out after 1000 milliseconds"},
        {SINK_WEBHOOK, DELIVER_CONNECT, 0, "", "Could not resolve host: x", SINK_RETRY,
         "could not connect: Could not resolve host: x"},
        {SINK_WEBHOOK, DELIVER_NETWORK, 0, "", NULL, SINK_RETRY, "connection broke off"},
        {SINK_WEBHOOK, DELIVER_REFUSED, 0, "", "Unsupported protocol", SINK_FAILED,
         "request refused: Unsupported protocol"},
        {SINK_PAGERDUTY, DELIVER_OK, 400, "{\"message\":\"bad key R0ut1ngKeySecret00000000000000aa\"}", NULL,
         SINK_FAILED, "HTTP 400: bad key \xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2"},
    };
    const char *secrets[] = {ROUTING_KEY, NULL};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct deliver_result r = {0};
        r.error = cases[i].error;
        r.http_status = cases[i].status;
        r.body = (char *)(uintptr_t)cases[i].body;
        r.body_len = strlen(cases[i].body);
        r.error_text = (char *)(uintptr_t)cases[i].error_text;
        struct buf reason = BUF_INIT;
        enum sink_outcome o = sink_classify(cases[i].type, &r, secrets, &reason);
        if (o != cases[i].expect || strcmp(buf_str(&reason), cases[i].reason) != 0)
            fail_msg("case %zu: %s \"%s\"", i, sink_outcome_name(o), buf_str(&reason));
        buf_free(&reason);
    }

    /* A huge hostile error body becomes one bounded clean line. */
    struct buf big = BUF_INIT, reason = BUF_INIT;
    buf_adds(&big, "{\"message\":\"");
    for (int i = 0; i < 5000; i++)
        buf_adds(&big, "\\u001b[2J\\n\xf0\x9f\x98\x80");
    buf_adds(&big, "\"}");
    struct deliver_result r = {.http_status = 400, .body = big.data, .body_len = big.len};
    assert_int_equal(sink_classify(SINK_WEBHOOK, &r, NULL, &reason), SINK_FAILED);
    assert_true(reason.len <= SINK_REASON_MAX);
    assert_null(strchr(buf_str(&reason), '\n'));
    assert_null(strchr(buf_str(&reason), '\x1b'));
    buf_free(&big);
    buf_free(&reason);
}

/* ---- PagerDuty bodies against the shipped specification ---- */

static const char *env_or(const char *name, const char *fallback)
{
    const char *v = getenv(name);
    return v && *v ? v : fallback;
}

/* Runs the validator on FILES; returns its exit status. QUIET hides its
 * complaints when a rejection is what the test expects. */
static int validate(char *const *files, size_t n, bool quiet)
{
    char tool[4096], spec[4096];
    snprintf(tool, sizeof tool, "%s/tests/tools/validate_pagerduty.py",
             env_or("WARROOM_SOURCE_DIR", "."));
    snprintf(spec, sizeof spec, "%s/tests/specs/pagerduty-events-v2.openapi.json",
             env_or("WARROOM_SOURCE_DIR", "."));
    if (access(spec, R_OK) != 0)
        fail_msg("the PagerDuty specification is not at %s (a clone ships it under tests/specs)", spec);
    const char *argv[40] = {"/usr/bin/python3", tool, spec};
    assert_true(n + 4 <= sizeof argv / sizeof argv[0]);
    for (size_t i = 0; i < n; i++)
        argv[3 + i] = files[i];
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (quiet && !freopen("/dev/null", "w", stderr))
            _exit(126);
        execv(argv[0], (char *const *)(uintptr_t)argv);
        _exit(127);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    return WEXITSTATUS(status);
}

static char *write_temp(const char *dir, const char *text)
{
    char *path = malloc(strlen(dir) + 32);
    sprintf(path, "%s/body-XXXXXX", dir);
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

static void test_pagerduty_bodies_validate_against_spec(void **state)
{
    (void)state;
    char dir[] = "/tmp/warroom-sink-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char *files[16];
    size_t n = 0;
    const enum publish_kind kinds[] = {PUBLISH_DECLARE, PUBLISH_PAGE, PUBLISH_ACK, PUBLISH_RESOLVE};
    for (size_t k = 0; k < 4; k++) {
        for (int variant = 0; variant < 3; variant++) {
            struct publish_item it = sample(kinds[k]);
            it.sev = variant == 0 ? 1 : variant == 1 ? 4 : 7;
            if (variant == 1) {
                it.runbook_url = it.dashboard_url = NULL;
                it.at_ms = 0;
                it.ic = it.text = NULL;
            }
            if (variant == 2)
                it.title = "\xe2\x80\xae<!here> & \xff\x01 \xf0\x9f\x94\xa5 fire";
            struct buf b = BUF_INIT;
            assert_int_equal(sink_build_pagerduty(&b, ROUTING_KEY, variant ? NULL : "h", &it), 0);
            files[n++] = write_temp(dir, buf_str(&b));
            buf_free(&b);
        }
    }
    assert_int_equal(validate(files, n, false), 0);

    /* The check can fail: a body that breaks the spec is rejected. */
    char *bad = write_temp(dir, "{\"routing_key\":\"k\",\"event_action\":\"trigger\","
                                "\"payload\":{\"summary\":\"s\",\"source\":\"h\",\"severity\":\"sev1\"}}");
    assert_int_equal(validate(&bad, 1, true), 1);
    char *no_dedup = write_temp(dir, "{\"routing_key\":\"k\",\"event_action\":\"resolve\"}");
    assert_int_equal(validate(&no_dedup, 1, true), 1);

    for (size_t i = 0; i < n; i++) {
        unlink(files[i]);
        free(files[i]);
    }
    unlink(bad);
    unlink(no_dedup);
    free(bad);
    free(no_dedup);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pagerduty_trigger),
        cmocka_unit_test(test_pagerduty_ack_resolve_minimal),
        cmocka_unit_test(test_pagerduty_mappings),
        cmocka_unit_test(test_pagerduty_bounds_and_links),
        cmocka_unit_test(test_pagerduty_bad_key_not_echoed),
        cmocka_unit_test(test_slack_structure),
        cmocka_unit_test(test_slack_escapes_mentions_and_links),
        cmocka_unit_test(test_slack_splits_long_text),
        cmocka_unit_test(test_slack_cuts_at_fifty_blocks),
        cmocka_unit_test(test_slack_blank_and_control_text),
        cmocka_unit_test(test_statuspage_bodies),
        cmocka_unit_test(test_statuspage_request),
        cmocka_unit_test(test_statuspage_incident_id),
        cmocka_unit_test(test_webhook_body),
        cmocka_unit_test(test_build_request_all_sinks),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_mask_url),
        cmocka_unit_test(test_public_prefix),
        cmocka_unit_test(test_statuspage_url),
        cmocka_unit_test(test_statuspage_find_created),
        cmocka_unit_test(test_statuspage_update_arrived),
        cmocka_unit_test(test_scrub),
        cmocka_unit_test(test_scrub_encodings),
        cmocka_unit_test(test_retry_after),
        cmocka_unit_test(test_backoff),
        cmocka_unit_test(test_classify),
        cmocka_unit_test(test_pagerduty_bodies_validate_against_spec),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
