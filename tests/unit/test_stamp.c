/* Tests for stamp: ISO 8601 with zones and fractions, calendar bounds, the
 * HH:MM[:SS] forms a user types (and the "later than now means yesterday"
 * rule), durations, formatting and its round trip, dates before 1970, spans,
 * and WARROOM_NOW. Expected stamps were worked out independently of this code
 * (calendar.timegm). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "warroom/buf.h"
#include "warroom/error.h"
#include "warroom/stamp.h"

/* 2025-03-15T14:35:02.118Z */
#define T0 INT64_C(1742049302118)

static int64_t iso_ok(const char *s)
{
    int64_t t = 0;
    error_clear();
    if (stamp_parse_iso(&t, s) < 0)
        fail_msg("\"%s\": unexpected error: %s", s, error_last());
    return t;
}

static void iso_fails(const char *s, const char *mentions)
{
    int64_t t = 12345;
    error_clear();
    if (stamp_parse_iso(&t, s) == 0)
        fail_msg("\"%s\" parsed, to %lld", s, (long long)t);
    assert_int_equal(t, 12345);
    if (!strstr(error_last(), mentions))
        fail_msg("\"%s\": message \"%s\" does not mention \"%s\"", s, error_last(), mentions);
}

static void test_iso_zones(void **state)
{
    (void)state;
    assert_int_equal(iso_ok("2025-03-15T14:35:02.118Z"), T0);
    assert_int_equal(iso_ok("2025-03-15t14:35:02.118z"), T0);
    assert_int_equal(iso_ok("2025-03-15 14:35:02.118Z"), T0);
    assert_int_equal(iso_ok("2025-03-15T14:35:02Z"), INT64_C(1742049302000));
    assert_int_equal(iso_ok("2025-03-15T14:35Z"), INT64_C(1742049300000));
    /* the same instant written in other zones */
    assert_int_equal(iso_ok("2025-03-15T16:35:02.118+02:00"), T0);
    assert_int_equal(iso_ok("2025-03-15T09:05:02.118-0530"), T0);
    assert_int_equal(iso_ok("2025-03-15T14:35:02.118+0000"), T0);
    assert_int_equal(iso_ok("2025-03-15T14:35:02.118+00:00"), T0);
    assert_int_equal(iso_ok("2025-03-15T14:35:02.118-00:00"), T0);
    /* local 14:35:02 at +02:00 is 12:35:02Z; at -05:30 it is 20:05:02Z */
    assert_int_equal(iso_ok("2025-03-15T14:35:02+02:00"), INT64_C(1742042102000));
    assert_int_equal(iso_ok("2025-03-15T14:35:02-05:30"), INT64_C(1742069102000));
    /* an offset that moves the date across midnight and a year */
    assert_int_equal(iso_ok("2025-01-01T01:00:00+02:00"), iso_ok("2024-12-31T23:00:00Z"));
}

static void test_iso_fractions(void **state)
{
    (void)state;
    const int64_t base = INT64_C(1742049302000);
    assert_int_equal(iso_ok("2025-03-15T14:35:02.1Z"), base + 100);
    assert_int_equal(iso_ok("2025-03-15T14:35:02.12Z"), base + 120);
    assert_int_equal(iso_ok("2025-03-15T14:35:02.118Z"), base + 118);
    assert_int_equal(iso_ok("2025-03-15T14:35:02.118999Z"), base + 118); /* kept to the ms */
    assert_int_equal(iso_ok("2025-03-15T14:35:02.000001Z"), base);
    assert_int_equal(iso_ok("2025-03-15T14:35:02,5Z"), base + 500);
    assert_int_equal(iso_ok("2025-03-15T14:35:02.5+01:00"), base + 500 - STAMP_HOUR);
    iso_fails("2025-03-15T14:35:02.Z", "ISO 8601");
}

static void test_iso_calendar(void **state)
{
    (void)state;
    assert_int_equal(iso_ok("2024-02-29T12:00:00Z"), INT64_C(1709208000000));
    assert_int_equal(iso_ok("2000-02-29T00:00:00Z"), INT64_C(951782400000));
    iso_fails("2023-02-29T00:00:00Z", "ISO 8601");
    iso_fails("1900-02-29T00:00:00Z", "ISO 8601");   /* divisible by 100, not by 400 */
    iso_fails("2025-02-30T00:00:00Z", "ISO 8601");
    iso_fails("2025-04-31T00:00:00Z", "ISO 8601");
    assert_int_equal(iso_ok("2025-12-31T23:59:59Z") + 1000, iso_ok("2026-01-01T00:00:00Z"));
    iso_fails("2025-00-10T00:00:00Z", "ISO 8601");
    iso_fails("2025-13-10T00:00:00Z", "ISO 8601");
    iso_fails("2025-01-00T00:00:00Z", "ISO 8601");
    iso_fails("2025-01-32T00:00:00Z", "ISO 8601");
    iso_fails("2025-01-10T24:00:00Z", "ISO 8601");
    iso_fails("2025-01-10T23:60:00Z", "ISO 8601");
    iso_fails("2025-01-10T23:59:61Z", "ISO 8601");
    /* a leap second is kept as the start of its second */
    assert_int_equal(iso_ok("2016-12-31T23:59:60Z"), iso_ok("2016-12-31T23:59:59Z"));
    /* bad offsets */
    iso_fails("2025-01-10T10:00:00+24:00", "ISO 8601");
    iso_fails("2025-01-10T10:00:00+02:60", "ISO 8601");
    iso_fails("2025-01-10T10:00:00+2:00", "ISO 8601");
    iso_fails("2025-01-10T10:00:00+020", "ISO 8601");
    iso_fails("2025-01-10T10:00:00+02:0", "ISO 8601");
    /* malformed */
    iso_fails("", "ISO 8601");
    iso_fails("2025", "ISO 8601");
    iso_fails("2025-03-15", "ISO 8601");
    iso_fails("2025-3-15T14:35:02Z", "ISO 8601");
    iso_fails("2025-03-15T14", "ISO 8601");
    iso_fails("2025-03-15T14:3Z", "ISO 8601");
    iso_fails("2025-03-15T14:35:02Zjunk", "ISO 8601");
    iso_fails("2025-03-15T14:35:02Z ", "ISO 8601");
    iso_fails("2025-03-15X14:35:02Z", "ISO 8601");
}

/* "+05:" has an hour and a colon but no minutes: not an offset. */
static void test_iso_offset_colon_without_minutes(void **state)
{
    (void)state;
    iso_fails("2025-01-10T10:00:00+05:", "ISO 8601");
}

static void test_iso_missing_zone(void **state)
{
    (void)state;
    iso_fails("2025-03-15T14:35:02", "zone");
    iso_fails("2025-03-15T14:35:02.118", "zone");
    iso_fails("2025-03-15T14:35", "zone");
    /* the message tells how to fix it */
    iso_fails("2025-03-15T14:35:02", "Z");
    iso_fails("2025-03-15T14:35:02", "+02:00");
}

static void test_user_times(void **state)
{
    (void)state;
    const int64_t now = T0;                               /* 14:35:02.118Z */
    const int64_t day = INT64_C(1741996800000);           /* 2025-03-15T00:00:00Z */
    assert_int_equal(iso_ok("2025-03-15T00:00:00Z"), day);
    int64_t t;
    assert_int_equal(stamp_parse_user(&t, "14:25", now), 0);
    assert_int_equal(t, day + 14 * STAMP_HOUR + 25 * STAMP_MINUTE);
    assert_int_equal(stamp_parse_user(&t, "09:05:30", now), 0);
    assert_int_equal(t, day + 9 * STAMP_HOUR + 5 * STAMP_MINUTE + 30 * STAMP_SECOND);
    assert_int_equal(stamp_parse_user(&t, "9:05", now), 0);
    assert_int_equal(t, day + 9 * STAMP_HOUR + 5 * STAMP_MINUTE);
    assert_int_equal(stamp_parse_user(&t, "00:00", now), 0);
    assert_int_equal(t, day);
    assert_int_equal(stamp_parse_user(&t, "14:35:02", now), 0);
    assert_int_equal(t, day + 14 * STAMP_HOUR + 35 * STAMP_MINUTE + 2 * STAMP_SECOND);
    /* later than now: yesterday */
    assert_int_equal(stamp_parse_user(&t, "23:50", now), 0);
    assert_int_equal(t, day - STAMP_DAY + 23 * STAMP_HOUR + 50 * STAMP_MINUTE);
    assert_int_equal(stamp_parse_user(&t, "15:00", now), 0);
    assert_int_equal(t, day - STAMP_DAY + 15 * STAMP_HOUR);
    /* just after midnight, the evening before */
    assert_int_equal(stamp_parse_user(&t, "23:50", day + 10 * STAMP_MINUTE), 0);
    assert_int_equal(t, day - 10 * STAMP_MINUTE);
    /* ISO with a zone passes through */
    assert_int_equal(stamp_parse_user(&t, "2025-03-15T16:35:02.118+02:00", now), 0);
    assert_int_equal(t, T0);
    /* a day before the epoch */
    assert_int_equal(stamp_parse_user(&t, "12:00", -STAMP_HOUR), 0);  /* now = 1969-12-31T23:00Z */
    assert_int_equal(t, -12 * STAMP_HOUR);
}

static void user_fails(const char *s)
{
    int64_t t = 777;
    error_clear();
    if (stamp_parse_user(&t, s, T0) == 0)
        fail_msg("\"%s\" parsed, to %lld", s, (long long)t);
    assert_int_equal(t, 777);
    assert_true(strlen(error_last()) > 0);
}

static void test_user_errors(void **state)
{
    (void)state;
    user_fails("24:00");
    user_fails("12:60");
    user_fails("12:30:60");
    user_fails("12:3");
    user_fails("12:30:");
    user_fails("12:30 ");
    user_fails("1230");
    user_fails("noon");
    user_fails("2025-03-15");
    user_fails("2025-03-15T14:35:02");   /* no zone */
    user_fails("a");
    assert_non_null(strstr(error_last(), "HH:MM"));
}

/* The empty string must be rejected without reading past its end: it is given
 * here in a heap block of exactly one byte so that ASan and valgrind see any
 * over-read. */
static void test_user_empty(void **state)
{
    (void)state;
    char *empty = xstrdup("");
    user_fails(empty);
    free(empty);
    char *one = xstrdup("7");
    user_fails(one);
    free(one);
}

static void duration_is(const char *s, int64_t want)
{
    int64_t t = -1;
    error_clear();
    if (stamp_parse_duration(&t, s) < 0)
        fail_msg("\"%s\": unexpected error: %s", s, error_last());
    assert_int_equal(t, want);
}

static void duration_fails(const char *s)
{
    int64_t t = 4242;
    error_clear();
    if (stamp_parse_duration(&t, s) == 0)
        fail_msg("\"%s\" parsed, to %lld", s, (long long)t);
    assert_int_equal(t, 4242);
    assert_non_null(strstr(error_last(), "duration"));
}

static void test_durations(void **state)
{
    (void)state;
    duration_is("90s", 90 * STAMP_SECOND);
    duration_is("5m", 5 * STAMP_MINUTE);
    duration_is("1h30m", 90 * STAMP_MINUTE);
    duration_is("48h", 48 * STAMP_HOUR);
    duration_is("2d", 2 * STAMP_DAY);
    duration_is("0m", 0);
    duration_is("1d2h3m4s", STAMP_DAY + 2 * STAMP_HOUR + 3 * STAMP_MINUTE + 4 * STAMP_SECOND);
    duration_is("60m", STAMP_HOUR);
    duration_fails("");
    duration_fails("5");
    duration_fails("5x");
    duration_fails("m");
    duration_fails("-5m");
    duration_fails("5 m");
    duration_fails(" 5m");
    duration_fails("5m ");
    duration_fails("1h30");
    duration_fails("5M");
    duration_fails("1.5h");
    duration_fails("99999999999999999999s"); /* no overflow into a small number */
    duration_fails("3651d");                 /* past ten years */
}

static void test_format(void **state)
{
    (void)state;
    char out[STAMP_TEXT_MAX];
    assert_string_equal(stamp_format_iso(out, T0), "2025-03-15T14:35:02.118Z");
    assert_string_equal(stamp_format_iso_s(out, T0), "2025-03-15T14:35:02.118Z");
    assert_string_equal(stamp_format_iso(out, T0 - 118), "2025-03-15T14:35:02.000Z");
    assert_string_equal(stamp_format_iso_s(out, T0 - 118), "2025-03-15T14:35:02Z");
    assert_string_equal(stamp_format_iso(out, 0), "1970-01-01T00:00:00.000Z");
    assert_string_equal(stamp_format_iso(out, -1), "1969-12-31T23:59:59.999Z");
    assert_string_equal(stamp_format_iso_s(out, -1000), "1969-12-31T23:59:59Z");
    assert_string_equal(stamp_format_iso(out, -1001), "1969-12-31T23:59:58.999Z");
    assert_string_equal(stamp_format_iso_s(out, INT64_C(-2208988800000)), "1900-01-01T00:00:00Z");
    assert_string_equal(stamp_format_iso(out, INT64_C(253402300799999)), "9999-12-31T23:59:59.999Z");

    /* format -> parse -> the same stamp, on both sides of the epoch and leap days */
    static const int64_t samples[] = {
        0, 1, 999, 1000, -1, -999, -1000, -1001, -STAMP_DAY, -STAMP_DAY - 1, T0,
        INT64_C(951782400000), INT64_C(1709208000000), INT64_C(-2208988800000),
        INT64_C(-11670976371991), INT64_C(253402300799999), INT64_C(-62135596800000),
    };
    for (size_t i = 0; i < sizeof samples / sizeof *samples; i++) {
        int64_t back;
        stamp_format_iso(out, samples[i]);
        if (stamp_parse_iso(&back, out) < 0 || back != samples[i])
            fail_msg("%lld -> %s did not come back", (long long)samples[i], out);
        stamp_format_iso_s(out, samples[i]);
        assert_int_equal(stamp_parse_iso(&back, out), 0);
        assert_int_equal(back, samples[i]);
    }
    /* and parse -> format gives the canonical text */
    assert_string_equal(stamp_format_iso(out, iso_ok("1600-02-29T06:07:08.009Z")), "1600-02-29T06:07:08.009Z");
    assert_int_equal(iso_ok("1600-02-29T06:07:08.009Z"), INT64_C(-11670976371991));
}

static void utc_is(int64_t t, int y, int mo, int d, int h, int mi, int s)
{
    int gy, gmo, gd, gh, gmi, gs;
    stamp_to_utc(t, &gy, &gmo, &gd, &gh, &gmi, &gs);
    if (gy != y || gmo != mo || gd != d || gh != h || gmi != mi || gs != s)
        fail_msg("%lld: got %04d-%02d-%02d %02d:%02d:%02d, wanted %04d-%02d-%02d %02d:%02d:%02d", (long long)t,
                 gy, gmo, gd, gh, gmi, gs, y, mo, d, h, mi, s);
}

static void test_to_utc(void **state)
{
    (void)state;
    utc_is(0, 1970, 1, 1, 0, 0, 0);
    utc_is(999, 1970, 1, 1, 0, 0, 0);
    utc_is(T0, 2025, 3, 15, 14, 35, 2);
    /* before the epoch, seconds round down, never toward zero */
    utc_is(-1, 1969, 12, 31, 23, 59, 59);
    utc_is(-999, 1969, 12, 31, 23, 59, 59);
    utc_is(-1000, 1969, 12, 31, 23, 59, 59);
    utc_is(-1001, 1969, 12, 31, 23, 59, 58);
    utc_is(-STAMP_DAY, 1969, 12, 31, 0, 0, 0);
    utc_is(-STAMP_DAY - 1, 1969, 12, 30, 23, 59, 59);
    utc_is(INT64_C(-2208988800000), 1900, 1, 1, 0, 0, 0);
    utc_is(INT64_C(-11670976371991), 1600, 2, 29, 6, 7, 8);
    utc_is(INT64_C(-62135596800000), 1, 1, 1, 0, 0, 0);
    utc_is(INT64_C(951782400000), 2000, 2, 29, 0, 0, 0);
    utc_is(INT64_C(253402300799999), 9999, 12, 31, 23, 59, 59);
}

static void test_span(void **state)
{
    (void)state;
    char out[32];
    assert_string_equal(stamp_format_span(out, sizeof out, 0), "0s");
    assert_string_equal(stamp_format_span(out, sizeof out, 999), "0s");
    assert_string_equal(stamp_format_span(out, sizeof out, 12 * STAMP_SECOND), "12s");
    assert_string_equal(stamp_format_span(out, sizeof out, 59 * STAMP_SECOND), "59s");
    assert_string_equal(stamp_format_span(out, sizeof out, 60 * STAMP_SECOND), "1m00s");
    assert_string_equal(stamp_format_span(out, sizeof out, 4 * STAMP_MINUTE + 12 * STAMP_SECOND), "4m12s");
    assert_string_equal(stamp_format_span(out, sizeof out, 2 * STAMP_HOUR + 5 * STAMP_MINUTE + 59 * STAMP_SECOND),
                        "2h05m");
    assert_string_equal(stamp_format_span(out, sizeof out, 23 * STAMP_HOUR + 59 * STAMP_MINUTE), "23h59m");
    assert_string_equal(stamp_format_span(out, sizeof out, 3 * STAMP_DAY + 4 * STAMP_HOUR + 30 * STAMP_MINUTE),
                        "3d04h");
    assert_string_equal(stamp_format_span(out, sizeof out, 400 * STAMP_DAY), "400d00h");
    /* negative spans by magnitude */
    assert_string_equal(stamp_format_span(out, sizeof out, -(4 * STAMP_MINUTE + 12 * STAMP_SECOND)), "4m12s");
    assert_string_equal(stamp_format_span(out, sizeof out, -12 * STAMP_SECOND), "12s");
    /* truncated to the buffer, still terminated */
    char small[4];
    assert_string_equal(stamp_format_span(small, sizeof small, 4 * STAMP_MINUTE + 12 * STAMP_SECOND), "4m1");
}

/* The most negative span has a magnitude that does not fit in an int64_t; it
 * must still come out as a positive span, not as "-…s" or undefined behaviour.
 * |INT64_MIN| ms = 9223372036854775 s = 106751991167 days and 7 hours. */
static void test_span_most_negative(void **state)
{
    (void)state;
    char out[32];
    assert_string_equal(stamp_format_span(out, sizeof out, INT64_MIN), "106751991167d07h");
    assert_string_equal(stamp_format_span(out, sizeof out, INT64_MAX), "106751991167d07h");
}

static void test_now(void **state)
{
    (void)state;
    char *saved = getenv("WARROOM_NOW") ? xstrdup(getenv("WARROOM_NOW")) : NULL;
    setenv("WARROOM_NOW", "2025-03-15T14:35:02.118Z", 1);
    assert_int_equal(stamp_now(), T0);
    setenv("WARROOM_NOW", "2025-03-15T16:35:02.118+02:00", 1);
    assert_int_equal(stamp_now(), T0);
    setenv("WARROOM_NOW", "1969-12-31T23:59:59Z", 1);
    assert_int_equal(stamp_now(), -1000);
    /* unset, empty or unreadable: the real clock, which is well past 2025-01-01 */
    const int64_t y2025 = INT64_C(1735689600000);
    setenv("WARROOM_NOW", "not a time", 1);
    assert_true(stamp_now() > y2025);
    setenv("WARROOM_NOW", "", 1);
    assert_true(stamp_now() > y2025);
    unsetenv("WARROOM_NOW");
    assert_true(stamp_now() > y2025);
    if (saved) {
        setenv("WARROOM_NOW", saved, 1);
        free(saved);
    }
}

/* Every way a stamp comes in stops at 9999-12-31T23:59:59.999Z: a year of five
 * digits is written by no one and read by no one. */
static void test_range_at_the_door(void **state)
{
    (void)state;
    assert_true(stamp_in_range(STAMP_MAX));
    assert_false(stamp_in_range(STAMP_MAX + 1));
    assert_true(stamp_in_range(STAMP_MIN));
    assert_false(stamp_in_range(STAMP_MIN - 1));
    assert_false(stamp_in_range(STAMP_NONE));
    assert_int_equal(iso_ok("9999-12-31T23:59:59.999Z"), STAMP_MAX);
    iso_fails("9999-12-31T23:59:59.999-00:01", "outside the years 0001 to 9999");
    iso_fails("10000-01-01T00:00:00Z", "ISO 8601");
    /* HH:MM on a clock at the very end of the range */
    int64_t t;
    assert_int_equal(stamp_parse_user(&t, "23:59", STAMP_MAX), 0);
    assert_int_equal(stamp_parse_user(&t, "00:30", STAMP_MAX + STAMP_HOUR), -1);
    assert_non_null(strstr(error_last(), "outside the years 0001 to 9999"));
    /* the clock itself */
    char *saved = getenv("WARROOM_NOW") ? xstrdup(getenv("WARROOM_NOW")) : NULL;
    setenv("WARROOM_NOW", "9999-12-31T23:59:59.999Z", 1);
    assert_int_equal(stamp_check_now(), 0);
    setenv("WARROOM_NOW", "10000-01-01T00:00:00Z", 1);
    assert_int_equal(stamp_check_now(), -1);
    assert_non_null(strstr(error_last(), "WARROOM_NOW: time \"10000-01-01T00:00:00Z\" is not ISO 8601"));
    setenv("WARROOM_NOW", "not a time", 1);
    assert_int_equal(stamp_check_now(), -1);
    assert_non_null(strstr(error_last(), "WARROOM_NOW"));
    /* stamp_now keeps a message a caller is about to show */
    error_set("the message");
    (void)stamp_now();
    assert_string_equal(error_last(), "the message");
    unsetenv("WARROOM_NOW");
    assert_int_equal(stamp_check_now(), 0);
    if (saved) {
        setenv("WARROOM_NOW", saved, 1);
        free(saved);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_iso_zones),
        cmocka_unit_test(test_iso_fractions),
        cmocka_unit_test(test_iso_calendar),
        cmocka_unit_test(test_iso_offset_colon_without_minutes),
        cmocka_unit_test(test_iso_missing_zone),
        cmocka_unit_test(test_user_times),
        cmocka_unit_test(test_user_errors),
        cmocka_unit_test(test_user_empty),
        cmocka_unit_test(test_durations),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_to_utc),
        cmocka_unit_test(test_span),
        cmocka_unit_test(test_span_most_negative),
        cmocka_unit_test(test_now),
        cmocka_unit_test(test_range_at_the_door),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
