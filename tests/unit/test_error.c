/* Tests for error: every message is safe to print as it is. What a message
 * quotes (a file's bytes repeated by jansson, a name from a log, a server's
 * reply) reaches stderr and the console's footer, so controls, escape
 * sequences, bidi and zero-width characters and invalid UTF-8 are written out
 * as escapes, and newlines as spaces. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "warroom/error.h"
#include "warroom/policy.h"
#include "warroom/text.h"

/* No byte of the message may be a C0 control or DEL, and the message must be
 * what text_clean would leave unchanged (no C1, bidi, zero-width, bad UTF-8). */
static void assert_printable(const char *s)
{
    for (const char *p = s; *p; p++)
        assert_true((unsigned char)*p >= 0x20 && (unsigned char)*p != 0x7f);
    assert_true(text_is_clean(s, strlen(s), 0));
}

static void test_controls_made_visible(void **state)
{
    (void)state;
    assert_int_equal(error_set("near '%s'", "\x1b]0;PWNED\x07"), -1);
    assert_string_equal(error_last(), "near '\\x1b]0;PWNED\\x07'");
    error_set("a %s b", "\x1b[31mred\x1b[0m");
    assert_string_equal(error_last(), "a \\x1b[31mred\\x1b[0m b");
    error_set("%s", "c1 \xc2\x9b" "31m bidi \xe2\x80\xaeolleh zw \xe2\x80\x8bx del \x7f");
    assert_string_equal(error_last(), "c1 \\u009b31m bidi \\u202eolleh zw \\u200bx del \\x7f");
    error_set("bad %s end", "\xff\xc0\xaf");
    assert_string_equal(error_last(), "bad \\xff\\xc0\\xaf end");
    error_set("two\nlines\tand a tab\r");
    assert_string_equal(error_last(), "two lines and a tab\\x0d");
    assert_printable(error_last());
    /* clean text, UTF-8 included, is left as it is */
    error_set("caf\xc3\xa9 \xe4\xb8\xad \xf0\x9f\x94\xa5 C:\\path");
    assert_string_equal(error_last(), "caf\xc3\xa9 \xe4\xb8\xad \xf0\x9f\x94\xa5 C:\\path");
}

static void test_errno_message(void **state)
{
    (void)state;
    errno = ENOENT;
    assert_int_equal(error_set_errno("cannot open %s", "evil\x1b]0;x\x07.json"), -1);
    assert_string_equal(error_last(), "cannot open evil\\x1b]0;x\\x07.json: No such file or directory");
    assert_int_equal(errno, ENOENT);
}

/* Escapes make a message longer: it is cut to the buffer on a character
 * boundary and stays printable. */
static void test_long_message_bounded(void **state)
{
    (void)state;
    char hostile[2000];
    memset(hostile, 'x', sizeof hostile);
    for (size_t i = 0; i + 3 < sizeof hostile; i += 3)
        memcpy(hostile + i, i % 2 ? "\x1b\xe4\xb8" : "\xad\x07\x1b", 3);
    hostile[sizeof hostile - 1] = '\0';
    error_set("%s", hostile);
    assert_true(strlen(error_last()) < 1024);
    assert_true(strlen(error_last()) > 900);
    assert_printable(error_last());
    char wide[1200];
    memset(wide, 0, sizeof wide);
    for (size_t i = 0; i + 3 < sizeof wide - 1; i += 3)
        memcpy(wide + i, "\xe4\xb8\xad", 3);
    error_set("\x01%s", wide);
    assert_printable(error_last());
    assert_int_equal(strncmp(error_last(), "\\x01\xe4\xb8\xad", 7), 0);
}

/* The case that was seen: a malformed policy whose error repeated jansson's
 * quote of the raw ESC it stopped at. */
/* Context added to the last message quotes that very message: it must come
 * through whole, not read from the buffer being written. */
static void test_context_around_last_message(void **state)
{
    (void)state;
    error_set("the text of the entry is empty");
    error_set("%s: 'warroom log' needs words to record", error_last());
    assert_string_equal(error_last(), "the text of the entry is empty: 'warroom log' needs words to record");
    errno = ENOENT;
    error_set_errno("%s, then opening x failed", error_last());
    assert_string_equal(error_last(),
                        "the text of the entry is empty: 'warroom log' needs words to record, then opening x failed: "
                        "No such file or directory");
}

static void test_policy_error_is_safe(void **state)
{
    (void)state;
    static const char text[] = "{\"levels\": \x1b]0;PWNED\x07}";
    struct policy p;
    assert_true(policy_parse(&p, text, strlen(text), ".warroom/policy.json") < 0);
    assert_printable(error_last());
    assert_non_null(strstr(error_last(), ".warroom/policy.json:1:12: not valid JSON"));
    assert_non_null(strstr(error_last(), "\\x1b"));
    /* a key from the file, quoted by the policy's own message */
    static const char key[] = "{\"sev\\u001b[2Jerity\": 1}";
    assert_true(policy_parse(&p, key, strlen(key), "p.json") < 0);
    assert_printable(error_last());
    assert_null(strchr(error_last(), 0x1b));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_controls_made_visible),
        cmocka_unit_test(test_errno_message),
        cmocka_unit_test(test_long_message_bounded),
        cmocka_unit_test(test_context_around_last_message),
        cmocka_unit_test(test_policy_error_is_safe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
