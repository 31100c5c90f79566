/* Tests for the ticket sinks: Linear's ticket ids, bodies and the reading of
 * GraphQL answers; Opsgenie's requests, limits and its 202; both rows'
 * configuration. The end-to-end story is tests/cli/test_tickets.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "warroom/config.h"
#include "warroom/error.h"
#include "warroom/people.h"
#include "warroom/sink.h"

#define TEAM "0b5f3c2e-8d4a-4f6b-9c1d-2e3f4a5b6c7d"
#define DAVE "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"
#define LINEAR_KEY "lin_api_UnitSecretKey0987654321"

static struct publish_item sample(enum publish_kind kind)
{
    struct publish_item it = {
        .kind = kind, .incident_id = "inc-20250315-checkout-down", .title = "Checkout down", .sev = 1,
        .status = "investigating", .ic = "alice", .text = "Payments API returns 500",
        .event_id = "0123456789abcdef0123456789abcdef",
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

static void test_issue_id(void **state)
{
    (void)state;
    char a[SINK_LINEAR_UUID_LEN + 1], b[SINK_LINEAR_UUID_LEN + 1], c[SINK_LINEAR_UUID_LEN + 1];
    sink_linear_issue_id(a, "inc-1", "ev-1");
    sink_linear_issue_id(b, "inc-1", "ev-1");
    assert_string_equal(a, b);   /* every run, every host */
    assert_true(sink_linear_is_uuid(a));
    assert_int_equal(a[14], '4');   /* version 4 */
    assert_non_null(strchr("89ab", a[19]));
    sink_linear_issue_id(b, "inc-1", "ev-2");
    sink_linear_issue_id(c, "inc-2", "ev-1");
    assert_string_not_equal(a, b);
    assert_string_not_equal(a, c);
    /* the two parts are kept apart: "inc-1" + "0" is not "inc-10" + "" */
    sink_linear_issue_id(b, "inc-10", "");
    sink_linear_issue_id(c, "inc-1", "0");
    assert_string_not_equal(b, c);
    assert_false(sink_linear_is_uuid("0b5f3c2e-8d4a-4f6b-9c1d-2e3f4a5b6c7"));
    assert_false(sink_linear_is_uuid("0b5f3c2e-8d4a-4f6b-9c1d_2e3f4a5b6c7d"));
}

static void test_linear_declare(void **state)
{
    (void)state;
    struct publish_item it = sample(PUBLISH_DECLARE);
    struct buf out = BUF_INIT, warning = BUF_INIT;
    const char *labels[] = {"11111111-2222-4333-8444-555555555555", "not-a-label"};
    assert_int_equal(sink_build_linear(&out, TEAM, labels, 2, &it, &warning), 0);
    json_t *doc = parse(&out);
    assert_non_null(strstr(json_string_value(json_object_get(doc, "query")), "issueCreate(input: $input)"));
    json_t *in = json_object_get(json_object_get(doc, "variables"), "input");
    char id[SINK_LINEAR_UUID_LEN + 1];
    sink_linear_issue_id(id, it.incident_id, it.event_id);
    assert_string_equal(json_string_value(json_object_get(in, "id")), id);
    assert_string_equal(json_string_value(json_object_get(in, "teamId")), TEAM);
    assert_string_equal(json_string_value(json_object_get(in, "title")), "[SEV1] Checkout down");
    assert_int_equal(json_integer_value(json_object_get(in, "priority")), 1);
    assert_int_equal(json_array_size(json_object_get(in, "labelIds")), 1);   /* the odd one left out */
    assert_null(json_object_get(in, "assigneeId"));
    assert_int_equal(warning.len, 0);
    json_decref(doc);
    buf_reset(&out);
    assert_true(sink_build_linear(&out, "team-key", labels, 0, &it, NULL) < 0);
    assert_non_null(strstr(error_last(), "team id"));
    it.kind = PUBLISH_UPDATE;
    assert_true(sink_build_linear(&out, TEAM, labels, 0, &it, NULL) < 0);
    buf_free(&out);
    buf_free(&warning);
}

static void test_linear_action(void **state)
{
    (void)state;
    struct people people = PEOPLE_INIT;
    static const char dir[] = "{\"people\": {\"dave\": {\"linear\": \"" DAVE "\"}, \"erin\": {\"slack\": \"U0ERIN\"}}}";
    assert_int_equal(people_parse(&people, dir, strlen(dir), "people.json"), 0);
    struct publish_item it = sample(PUBLISH_ACTION);
    it.action_item = "A1";
    it.text = "Canary config changes";
    it.owner = "Dave";   /* names match without regard to case */
    it.due = "2025-03-22";
    it.priority = "P2";
    it.people = &people;
    struct buf out = BUF_INIT, warning = BUF_INIT;
    const char *labels[] = {"99999999-8888-4777-8666-555555555555"};
    assert_int_equal(sink_build_linear(&out, TEAM, labels, 1, &it, &warning), 0);
    json_t *doc = parse(&out);
    json_t *in = json_object_get(json_object_get(doc, "variables"), "input");
    assert_string_equal(json_string_value(json_object_get(in, "title")), "[A1] Canary config changes");
    assert_string_equal(json_string_value(json_object_get(in, "assigneeId")), DAVE);
    assert_string_equal(json_string_value(json_object_get(in, "dueDate")), "2025-03-22");
    assert_int_equal(json_integer_value(json_object_get(in, "priority")), 2);
    assert_string_equal(json_string_value(json_array_get(json_object_get(in, "labelIds"), 0)), labels[0]);
    assert_int_equal(warning.len, 0);
    json_decref(doc);

    /* erin is in the directory without a Linear id; a bad date is left out */
    it.owner = "erin";
    it.due = "next week";
    buf_reset(&out);
    assert_int_equal(sink_build_linear(&out, TEAM, labels, 1, &it, &warning), 0);
    doc = parse(&out);
    in = json_object_get(json_object_get(doc, "variables"), "input");
    assert_null(json_object_get(in, "assigneeId"));
    assert_null(json_object_get(in, "dueDate"));
    assert_non_null(strstr(buf_str(&warning), "unassigned: "));
    assert_non_null(strstr(buf_str(&warning), "erin"));
    assert_non_null(strstr(buf_str(&warning), "linear"));
    json_decref(doc);
    buf_free(&out);
    buf_free(&warning);
    people_free(&people);
}

static enum sink_outcome classify(enum sink_type type, long status, const char *body, struct buf *reason)
{
    struct deliver_result r = {.error = DELIVER_OK, .http_status = status, .body = (char *)(uintptr_t)body,
                               .body_len = strlen(body)};
    const char *secrets[] = {LINEAR_KEY, NULL};
    buf_reset(reason);
    return sink_classify(type, &r, secrets, reason);
}

static void test_linear_answers(void **state)
{
    (void)state;
    struct buf reason = BUF_INIT;
    assert_int_equal(classify(SINK_LINEAR, 200,
                              "{\"data\":{\"issueCreate\":{\"success\":true,\"issue\":{\"id\":\"x\",\"identifier\":\"ENG-7\"}}}}",
                              &reason),
                     SINK_DELIVERED);
    assert_string_equal(buf_str(&reason), "ENG-7");
    /* a GraphQL error in an HTTP 200 is a refusal, in Linear's words, the key scrubbed */
    assert_int_equal(classify(SINK_LINEAR, 200,
                              "{\"errors\":[{\"message\":\"Authentication required, not authenticated: " LINEAR_KEY
                              "\",\"extensions\":{\"code\":\"AUTHENTICATION_ERROR\"}}]}",
                              &reason),
                     SINK_FAILED);
    assert_non_null(strstr(buf_str(&reason), "HTTP 200: Authentication required"));
    assert_non_null(strstr(buf_str(&reason), "(AUTHENTICATION_ERROR)"));
    assert_null(strstr(buf_str(&reason), "UnitSecret"));
    /* Linear's rate limit: HTTP 400 with RATELIMITED, retried */
    assert_int_equal(classify(SINK_LINEAR, 400,
                              "{\"errors\":[{\"message\":\"Rate limit exceeded\",\"extensions\":{\"code\":\"RATELIMITED\"}}]}",
                              &reason),
                     SINK_RETRY);
    assert_non_null(strstr(buf_str(&reason), "rate limited"));
    /* the id exists: an earlier attempt made the ticket */
    assert_int_equal(classify(SINK_LINEAR, 200, "{\"errors\":[{\"message\":\"Entity already exists\"}]}", &reason),
                     SINK_DELIVERED);
    /* a 200 that says nothing: it may have been made, and asking again is safe */
    assert_int_equal(classify(SINK_LINEAR, 200, "<html>gateway</html>", &reason), SINK_RETRY);
    assert_int_equal(classify(SINK_LINEAR, 200, "{\"data\":{\"issueCreate\":{\"success\":false}}}", &reason),
                     SINK_FAILED);
    assert_int_equal(classify(SINK_LINEAR, 503, "{\"errors\":[{\"message\":\"down\"}]}", &reason), SINK_RETRY);
    assert_int_equal(classify(SINK_LINEAR, 429, "", &reason), SINK_RETRY);
    assert_int_equal(classify(SINK_LINEAR, 401, "Unauthorized", &reason), SINK_FAILED);
    buf_free(&reason);
}

static void test_linear_states(void **state)
{
    (void)state;
    const char *ids[] = {DAVE, "not-a-uuid"};
    struct buf q = BUF_INIT;
    assert_int_equal(sink_linear_states_query(&q, ids, 2), 0);
    json_t *doc = parse(&q);
    assert_int_equal(json_array_size(json_object_get(json_object_get(doc, "variables"), "ids")), 1);
    json_decref(doc);
    struct sink_linear_ticket *t;
    size_t n;
    static const char reply[] =
        "{\"data\":{\"issues\":{\"nodes\":[{\"id\":\"" DAVE "\",\"identifier\":\"ENG-2\",\"state\":{\"type\":\"completed\"}},"
        "{\"id\":\"junk\",\"state\":{\"type\":\"completed\"}},"
        "{\"id\":\"AAAAAAAA-BBBB-4CCC-8DDD-EEEEEEEEEEEF\",\"identifier\":\"\\u001b[2J\",\"state\":{\"type\":\"x y\"}}]}}}";
    assert_int_equal(sink_linear_states_parse(&t, &n, reply, strlen(reply)), 0);
    assert_int_equal(n, 2);
    assert_string_equal(t[0].id, DAVE);
    assert_string_equal(t[0].identifier, "ENG-2");
    assert_string_equal(t[0].state, "completed");
    assert_string_equal(t[1].id, "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeef");   /* folded */
    assert_string_equal(t[1].identifier, "");   /* a terminal escape is no identifier */
    assert_string_equal(t[1].state, "");
    free(t);
    static const char err[] = "{\"errors\":[{\"message\":\"slow down\",\"extensions\":{\"code\":\"RATELIMITED\"}}]}";
    assert_true(sink_linear_states_parse(&t, &n, err, strlen(err)) < 0);
    assert_non_null(strstr(error_last(), "rate limited"));
    assert_true(sink_linear_states_parse(&t, &n, "{}", 2) < 0);
    buf_free(&q);
}

static void test_opsgenie_requests(void **state)
{
    (void)state;
    struct publish_item it = sample(PUBLISH_DECLARE);
    struct buf url = BUF_INIT, body = BUF_INIT;
    /* 60 ASCII characters, then 40 of two UTF-16 units each: 147 units */
    char title[256] = "";
    for (int i = 0; i < 60; i++)
        strcat(title, "x");
    for (int i = 0; i < 40; i++)
        strcat(title, "\xf0\x9f\x94\xa5");   /* U+1F525 */
    it.title = title;
    assert_int_equal(sink_build_opsgenie(&url, &body, "https://api.eu.opsgenie.com/", "warroom", &it), 0);
    assert_string_equal(buf_str(&url), "https://api.eu.opsgenie.com/v2/alerts");
    json_t *doc = parse(&body);
    const char *msg = json_string_value(json_object_get(doc, "message"));
    assert_int_equal(sink_units(msg, strlen(msg)), SINK_OPSGENIE_MESSAGE_MAX);
    /* "[SEV1] " + 60 + 31 whole characters of two units + "…" */
    assert_int_equal(strlen(msg), 7 + 60 + 31 * 4 + 3);
    assert_string_equal(json_string_value(json_object_get(doc, "alias")), it.incident_id);
    assert_string_equal(json_string_value(json_object_get(doc, "priority")), "P1");
    json_decref(doc);

    it.kind = PUBLISH_ACK;
    it.incident_id = "inc-1 /x";   /* whatever an id holds, the path stays one segment */
    buf_reset(&url);
    buf_reset(&body);
    assert_int_equal(sink_build_opsgenie(&url, &body, "https://api.opsgenie.com", "warroom", &it), 0);
    assert_string_equal(buf_str(&url), "https://api.opsgenie.com/v2/alerts/inc-1%20%2Fx/acknowledge?identifierType=alias");
    it.kind = PUBLISH_RESOLVE;
    buf_reset(&url);
    buf_reset(&body);
    assert_int_equal(sink_build_opsgenie(&url, &body, "https://api.opsgenie.com", "warroom", &it), 0);
    assert_non_null(strstr(buf_str(&url), "/close?identifierType=alias"));
    it.kind = PUBLISH_UPDATE;
    assert_true(sink_build_opsgenie(&url, &body, "https://api.opsgenie.com", "warroom", &it) < 0);
    assert_string_equal(sink_opsgenie_priority(2), "P2");
    assert_string_equal(sink_opsgenie_priority(9), "P5");
    assert_string_equal(sink_opsgenie_priority(0), "P1");
    buf_free(&url);
    buf_free(&body);
}

static void test_opsgenie_answers(void **state)
{
    (void)state;
    struct buf reason = BUF_INIT;
    assert_int_equal(classify(SINK_OPSGENIE, 202,
                              "{\"result\":\"Request will be processed\",\"took\":0.2,\"requestId\":\"43a29c5c-3dbf-4fa4-9c26-f4f71023e120\"}",
                              &reason),
                     SINK_ACCEPTED);
    assert_string_equal(buf_str(&reason), "43a29c5c-3dbf-4fa4-9c26-f4f71023e120");
    assert_int_equal(classify(SINK_OPSGENIE, 202, "not json", &reason), SINK_ACCEPTED);
    assert_string_equal(buf_str(&reason), "");
    assert_int_equal(classify(SINK_OPSGENIE, 422, "{\"message\":\"Message can not be empty.\",\"took\":0.1}", &reason),
                     SINK_FAILED);
    assert_non_null(strstr(buf_str(&reason), "Message can not be empty."));
    assert_int_equal(classify(SINK_OPSGENIE, 429, "{\"message\":\"too many\"}", &reason), SINK_RETRY);
    assert_string_equal(sink_outcome_name(SINK_ACCEPTED), "accepted");
    buf_free(&reason);
}

static void load(struct config *c, const char *json)
{
    char path[] = "/tmp/warroom-test-tickets-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, json, strlen(json)), (ssize_t)strlen(json));
    close(fd);
    assert_int_equal(config_load(c, path), 0);
    unlink(path);
}

static void settings_free(struct sink_settings *s)
{
    free(s->url);
    free(s->secret);
    free(s->page_id);
    free(s->source);
    free(s->extra);
    free(s->problem);
    memset(s, 0, sizeof *s);
}

static void test_configure(void **state)
{
    (void)state;
    struct config c;
    struct sink_settings s = {0};
    unsetenv("LINEAR_API_KEY");
    unsetenv("WARROOM_LINEAR_TEAM");
    unsetenv("WARROOM_LINEAR_URL");
    unsetenv("OPSGENIE_API_KEY");
    unsetenv("WARROOM_OPSGENIE_URL");
    load(&c, "{\"sinks\": {\"opsgenie\": {\"api_key\": \"k-123\", \"region\": \"eu\"}, \"linear\": {}}}");
    assert_true(sink_opsgenie_ops.configure(&s, &c));
    assert_string_equal(s.url, SINK_OPSGENIE_EU_URL);
    assert_null(s.problem);
    settings_free(&s);
    /* linear without a key is not configured at all */
    assert_false(sink_linear_ops.configure(&s, &c));
    setenv("LINEAR_API_KEY", LINEAR_KEY, 1);
    assert_true(sink_linear_ops.configure(&s, &c));
    assert_non_null(s.problem);
    assert_non_null(strstr(s.problem, "WARROOM_LINEAR_TEAM"));
    assert_string_equal(s.url, SINK_LINEAR_URL);
    settings_free(&s);
    setenv("WARROOM_LINEAR_TEAM", TEAM, 1);
    assert_true(sink_linear_ops.configure(&s, &c));
    assert_null(s.problem);
    assert_non_null(strstr(s.extra, TEAM));
    settings_free(&s);
    config_free(&c);

    load(&c, "{\"sinks\": {\"opsgenie\": {\"api_key\": \"k-123\", \"region\": \"mars\"},"
             " \"linear\": {\"labels\": [\"nope\"]}}}");
    assert_true(sink_opsgenie_ops.configure(&s, &c));
    assert_non_null(strstr(s.problem, "region"));
    settings_free(&s);
    assert_true(sink_linear_ops.configure(&s, &c));
    assert_non_null(strstr(s.problem, "labels"));
    settings_free(&s);
    config_free(&c);
    unsetenv("LINEAR_API_KEY");
    unsetenv("WARROOM_LINEAR_TEAM");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_issue_id),       cmocka_unit_test(test_linear_declare),
        cmocka_unit_test(test_linear_action),  cmocka_unit_test(test_linear_answers),
        cmocka_unit_test(test_linear_states),  cmocka_unit_test(test_opsgenie_requests),
        cmocka_unit_test(test_opsgenie_answers), cmocka_unit_test(test_configure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
