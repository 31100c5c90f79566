/* Tests for people: the directory's shape, each system's id form, lookups
 * without regard to case, and messages that say what is missing where. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "warroom/error.h"
#include "warroom/people.h"

static const char team[] =
    "{\"people\": {"
    "\"carol\": {\"name\": \"Carol Diaz\", \"slack\": \"U024BE7LH\", \"email\": \"carol@example.com\","
    "  \"linear\": \"8f5c2d9e-1b3a-4c6d-9e8f-0a1b2c3d4e5f\", \"pagerduty\": \"PABC123\", \"phone\": \"+493012345678\"},"
    "\"Dan\": {\"email\": \"dan@example.org\"},"
    "\"erin\": {}"
    "}}";

static int parse(struct people *p, const char *text)
{
    return people_parse(p, text, strlen(text), "people.json");
}

static void test_lookup(void **state)
{
    (void)state;
    struct people p;
    assert_int_equal(parse(&p, team), 0);
    assert_int_equal(p.n, 3);
    assert_string_equal(people_id(&p, "carol", PEOPLE_SLACK), "U024BE7LH");
    assert_string_equal(people_id(&p, "CAROL", PEOPLE_PAGERDUTY), "PABC123");
    assert_string_equal(people_id(&p, "carol", PEOPLE_LINEAR), "8f5c2d9e-1b3a-4c6d-9e8f-0a1b2c3d4e5f");
    assert_string_equal(people_id(&p, "carol", PEOPLE_PHONE), "+493012345678");
    assert_string_equal(people_find(&p, "carol")->display, "Carol Diaz");
    assert_string_equal(people_id(&p, "dan", PEOPLE_EMAIL), "dan@example.org");
    assert_null(people_id(&p, "dan", PEOPLE_SLACK));
    assert_non_null(people_find(&p, "erin"));
    assert_null(people_find(&p, "frank"));
    assert_null(people_find(&p, "car"));

    const char *id = "unchanged";
    assert_int_equal(people_require(&id, &p, "dan", PEOPLE_SLACK), -1);
    assert_null(id);
    assert_string_equal(error_last(), "dan has no slack id in the people directory (people.json)");
    assert_int_equal(people_require(&id, &p, "frank", PEOPLE_LINEAR), -1);
    assert_non_null(strstr(error_last(), "frank is not in the people directory (people.json)"));
    assert_non_null(strstr(error_last(), "\"linear\""));
    assert_int_equal(people_require(&id, &p, "Carol", PEOPLE_EMAIL), 0);
    assert_string_equal(id, "carol@example.com");
    people_free(&p);

    /* an empty directory: every name works, none has an id */
    struct people none = PEOPLE_INIT;
    assert_null(people_find(&none, "carol"));
    assert_int_equal(people_require(&id, &none, "carol", PEOPLE_SLACK), -1);
    assert_non_null(strstr(error_last(), ".warroom/people.json"));
    people_free(&none);
}

static void refused(const char *text, const char *says)
{
    struct people p;
    assert_int_equal(parse(&p, text), -1);
    if (!strstr(error_last(), says))
        fail_msg("for %s: expected \"%s\" in \"%s\"", text, says, error_last());
    assert_int_equal(p.n, 0);
    assert_null(p.list);
    people_free(&p);
}

static void test_refusals(void **state)
{
    (void)state;
    refused("{\"people\": {\"carol\": {\"slak\": \"U1\"}}}", "unknown key \"slak\"");
    refused("{\"people\": {}, \"extra\": 1}", "unknown key \"extra\"");
    refused("[]", "expected {\"people\"");
    refused("{\"people\": []}", "expected {\"people\"");
    refused("{\"people\": {\"carol\": \"U1\"}}", "people.carol must be an object");
    refused("{\"people\": {\"carol\": {\"slack\": 7}}}", "people.carol.slack must be a string");
    refused("{\"people\": {\"carol\": {\"slack\": \"<!channel>\"}}}", "is not a Slack user id");
    refused("{\"people\": {\"carol\": {\"slack\": \"u024be7lh\"}}}", "is not a Slack user id");
    refused("{\"people\": {\"carol\": {\"email\": \"carol@example.com\\r\\nBcc: x@y.z\"}}}", "is not an address");
    refused("{\"people\": {\"carol\": {\"email\": \"carol example.com\"}}}", "is not an address");
    refused("{\"people\": {\"carol\": {\"email\": \"a@b@c\"}}}", "is not an address");
    refused("{\"people\": {\"carol\": {\"email\": \"carol@.com\"}}}", "is not an address");
    refused("{\"people\": {\"carol\": {\"linear\": \"8f5c2d9e1b3a4c6d9e8f0a1b2c3d4e5f\"}}}", "is not a Linear user id");
    refused("{\"people\": {\"carol\": {\"pagerduty\": \"P-1\"}}}", "is not a PagerDuty user id");
    refused("{\"people\": {\"carol\": {\"phone\": \"030 1234567\"}}}", "is not a number in E.164 form");
    refused("{\"people\": {\"carol\": {\"email\": \"a\\u0000@b.c\"}}}", "is not allowed");
    refused("{\"people\": {\"carol\": {}, \"CAROL\": {}}}", "are the same name");
    refused("{\"people\": {\"ca\\u001b[2Jrol\": {}}}", "holds control characters");
    refused("{\"people\": {\" carol\": {}}}", "starts or ends with a space");
    refused("{\"people\": {\"carol\": {\"name\": \"Carol\\nDiaz\"}}}", "holds control characters");
    refused("{\"people\": {\"carol\": {}, \"carol\": {}}}", "duplicate object key");
    refused("{\"people\": {", "people.json:1:");

    /* bounded: a huge file is refused before it is parsed */
    size_t big = PEOPLE_FILE_MAX + 2;
    char *text = malloc(big + 1);
    memset(text, ' ', big);
    text[big] = '\0';
    struct people p;
    assert_int_equal(people_parse(&p, text, big, "people.json"), -1);
    assert_non_null(strstr(error_last(), "larger than"));
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lookup),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
