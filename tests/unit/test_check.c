/* Tests for check: the rules the console's prompts and the command line share
 * for text, due dates, priorities, times, a note's leading time and repeats.
 * Stamps were worked out by hand: 2025-03-15T14:30:00Z is 1742049000000. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "warroom/buf.h"
#include "warroom/check.h"
#include "warroom/error.h"
#include "warroom/stamp.h"

#define NOW INT64_C(1742049000000) /* 2025-03-15T14:30:00Z */

static void test_text(void **state)
{
    (void)state;
    struct buf b = BUF_INIT;
    assert_int_equal(check_text(&b, "  deploy pushed  ", 100, "the note"), 0);
    assert_string_equal(buf_str(&b), "deploy pushed");
    buf_reset(&b);
    assert_int_equal(check_text(&b, "", 100, "the note"), -1);
    assert_string_equal(error_last(), "the note is empty");
    assert_int_equal(check_text(&b, "   ", 100, "the note"), -1);
    assert_string_equal(error_last(), "the note is empty (only spaces)");
    assert_int_equal(check_text(&b, "\a\t\n ", 100, "the note"), -1);   /* controls and blanks: nothing left */
    assert_int_equal(check_text(&b, "abcdef", 5, "the title"), -1);
    assert_non_null(strstr(error_last(), "over the limit of 5"));
    assert_int_equal(b.len, 0);
    buf_free(&b);
}

static void test_due_and_priority(void **state)
{
    (void)state;
    assert_int_equal(check_due_date("2025-03-01"), 0);
    assert_int_equal(check_due_date("2024-02-29"), 0);
    assert_int_equal(check_due_date("2025-02-30"), -1);
    assert_non_null(strstr(error_last(), "2025-02-30"));
    assert_int_equal(check_due_date("2025-02-29"), -1);
    assert_int_equal(check_due_date("2025-3-01"), -1);
    assert_int_equal(check_due_date("2025-03-01x"), -1);
    assert_int_equal(check_due_date("2025-03-0Z"), -1);
    assert_int_equal(check_priority("P1"), 0);
    assert_int_equal(check_priority("P3"), 0);
    assert_int_equal(check_priority("P4"), -1);
    assert_int_equal(check_priority("p1"), -1);
}

static void test_leading_time(void **state)
{
    (void)state;
    int64_t at = 0;
    size_t skip = 0;
    assert_int_equal(check_leading_time("14:25 deploy", NOW, &at, &skip), 1);
    assert_int_equal(at, NOW - 5 * STAMP_MINUTE);
    assert_int_equal(skip, 6);
    assert_int_equal(check_leading_time("14.25 deploy", NOW, &at, &skip), 1);
    assert_int_equal(at, NOW - 5 * STAMP_MINUTE);
    assert_int_equal(check_leading_time("9:05:30 x", NOW, &at, &skip), 1);
    assert_int_equal(at, NOW - 5 * STAMP_HOUR - 24 * STAMP_MINUTE - 30 * STAMP_SECOND);
    assert_int_equal(skip, 8);
    assert_int_equal(check_leading_time("23:59 typo", NOW, &at, &skip), 1);
    assert_int_equal(at, NOW + 9 * STAMP_HOUR + 29 * STAMP_MINUTE - STAMP_DAY);  /* the day before */
    assert_false(check_same_day(at, NOW));
    /* impossible times with a colon are refused, not kept as text */
    assert_int_equal(check_leading_time("25:99 x", NOW, &at, &skip), -1);
    assert_non_null(strstr(error_last(), "25:99 is not a time of day"));
    assert_int_equal(check_leading_time("14:61 x", NOW, &at, &skip), -1);
    assert_int_equal(check_leading_time("14:25:75 x", NOW, &at, &skip), -1);
    /* what is no time at all is text */
    assert_int_equal(check_leading_time("99.95 availability", NOW, &at, &skip), 0);
    assert_int_equal(check_leading_time("deploy at 14:25", NOW, &at, &skip), 0);
    assert_int_equal(check_leading_time("14:25h later", NOW, &at, &skip), 0);
    assert_int_equal(check_leading_time("1.250s latency", NOW, &at, &skip), 0);
    assert_int_equal(check_leading_time("4521 pushed", NOW, &at, &skip), 0);
    assert_int_equal(check_leading_time("", NOW, &at, &skip), 0);
}

static void test_when(void **state)
{
    (void)state;
    int64_t at = 0;
    assert_int_equal(check_when(&at, "14:25", NOW), 0);
    assert_int_equal(at, NOW - 5 * STAMP_MINUTE);
    assert_int_equal(check_when(&at, "2025-03-16T10:00:00Z", NOW), -1);
    assert_non_null(strstr(error_last(), "in the future"));
    assert_int_equal(check_when(&at, "soon", NOW), -1);
    assert_true(check_same_day(NOW, NOW - 14 * STAMP_HOUR));
    assert_false(check_same_day(NOW, NOW - 15 * STAMP_HOUR));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text),
        cmocka_unit_test(test_due_and_priority),
        cmocka_unit_test(test_leading_time),
        cmocka_unit_test(test_when),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
