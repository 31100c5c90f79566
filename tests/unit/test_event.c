/* Tests for event: the log-line parser (fields, unknown types and fields,
 * nested objects, escapes, cleaning, every way a line can be malformed), the
 * record encoder (round trips, cleaning, the size limit), ids and the arena. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "warroom/buf.h"
#include "warroom/error.h"
#include "warroom/event.h"
#include "warroom/stamp.h"

#define FFFD "\xef\xbf\xbd"
#define TS "2025-03-15T14:35:02.118Z"
#define T0 INT64_C(1742049302118)            /* TS */
#define T_AT INT64_C(1742048700000)          /* 2025-03-15T14:25:00Z */
#define HEAD "{\"v\":1,\"id\":\"e1\",\"ts\":\"" TS "\",\"type\":\"note\""

static int setup(void **state)
{
    *state = arena_new();
    return 0;
}

static int teardown(void **state)
{
    arena_free(*state);
    return 0;
}

static struct event parse_ok(struct arena *a, const char *line)
{
    struct event ev;
    error_clear();
    if (event_parse(&ev, a, line, strlen(line)) < 0)
        fail_msg("%s\n  unexpected error: %s", line, error_last());
    return ev;
}

static void parse_fails_n(struct arena *a, const char *line, size_t len, const char *mentions)
{
    struct event ev;
    error_clear();
    if (event_parse(&ev, a, line, len) == 0)
        fail_msg("%.200s\n  parsed", line);
    if (!strstr(error_last(), mentions))
        fail_msg("%.200s\n  message \"%s\" does not mention \"%s\"", line, error_last(), mentions);
}

static void parse_fails(struct arena *a, const char *line, const char *mentions)
{
    parse_fails_n(a, line, strlen(line), mentions);
}

static void field_is(const struct event *ev, const char *key, enum field_kind kind, const char *value)
{
    const struct event_field *f = event_field(ev, key);
    if (!f)
        fail_msg("no field \"%s\"", key);
    assert_int_equal(f->kind, kind);
    assert_string_equal(f->value, value);
    assert_int_equal(f->len, strlen(value));
}

static void test_parse_full(void **state)
{
    struct arena *a = *state;
    struct event ev = parse_ok(a, "{\"v\":1,\"id\":\"01HQ7\",\"ts\":\"" TS "\",\"at\":\"2025-03-15T14:25:00Z\","
                                  "\"by\":\"carol\",\"type\":\"note\",\"text\":\"Deploy #4521 pushed (config change)\"}");
    assert_string_equal(ev.id, "01HQ7");
    assert_string_equal(ev.type_name, "note");
    assert_int_equal(ev.type, EVENT_NOTE);
    assert_string_equal(ev.by, "carol");
    assert_int_equal(ev.ts, T0);
    assert_int_equal(ev.at, T_AT);
    assert_int_equal(ev.version, 1);
    assert_int_equal(ev.line, 0);
    assert_int_equal(ev.nfields, 1);
    assert_string_equal(ev.fields[0].key, "text");
    field_is(&ev, "text", FIELD_STRING, "Deploy #4521 pushed (config change)");
    assert_string_equal(event_str(&ev, "text"), "Deploy #4521 pushed (config change)");
    /* the common fields are members, not fields */
    assert_null(event_field(&ev, "id"));
    assert_null(event_field(&ev, "ts"));
    assert_null(event_field(&ev, "at"));
    assert_null(event_field(&ev, "by"));
    assert_null(event_field(&ev, "type"));
    assert_null(event_field(&ev, "v"));

    /* optional parts absent; whitespace between tokens */
    ev = parse_ok(a, "  { \"type\" : \"ack\" , \"ts\" : \"2025-03-15T16:35:02.118+02:00\" , \"id\" : \"x\" }  ");
    assert_int_equal(ev.type, EVENT_ACK);
    assert_int_equal(ev.ts, T0);
    assert_int_equal(ev.at, T0);
    assert_string_equal(ev.by, "");
    assert_int_equal(ev.version, EVENT_VERSION);
    assert_int_equal(ev.nfields, 0);
    assert_non_null(ev.fields);

    /* a newer version number is kept */
    ev = parse_ok(a, "{\"v\":2,\"id\":\"x\",\"ts\":\"" TS "\",\"type\":\"note\"}");
    assert_int_equal(ev.version, 2);

    /* only LEN bytes are read */
    const char *two = HEAD "}GARBAGE";
    assert_int_equal(event_parse(&ev, a, two, strlen(HEAD "}")), 0);
    assert_string_equal(ev.id, "e1");
}

static void test_types(void **state)
{
    struct arena *a = *state;
    for (int t = 1; t < EVENT_TYPE_COUNT; t++) {
        const char *name = event_type_name((enum event_type)t);
        assert_int_equal(event_type_from_name(name), t);
        char line[256];
        snprintf(line, sizeof line, "{\"id\":\"i\",\"ts\":\"%s\",\"type\":\"%s\"}", TS, name);
        struct event ev = parse_ok(a, line);
        assert_int_equal(ev.type, t);
        assert_string_equal(ev.type_name, name);
    }
    assert_string_equal(event_type_name(EVENT_DECLARE), "declare");
    assert_string_equal(event_type_name(EVENT_POSTMORTEM), "postmortem");
    assert_string_equal(event_type_name(EVENT_TYPE_COUNT), "unknown");
    assert_int_equal(event_type_from_name("NOTE"), EVENT_UNKNOWN);
    assert_int_equal(event_type_from_name(""), EVENT_UNKNOWN);

    struct event ev = parse_ok(a, "{\"id\":\"i\",\"ts\":\"" TS "\",\"type\":\"retro-vote\",\"stars\":5}");
    assert_int_equal(ev.type, EVENT_UNKNOWN);
    assert_string_equal(ev.type_name, "retro-vote");
    field_is(&ev, "stars", FIELD_NUMBER, "5");
}

static void test_unknown_fields(void **state)
{
    struct arena *a = *state;
    struct event ev = parse_ok(a, HEAD ",\"n\":42,\"neg\":-3.5e+2,\"zero\":0,\"big\":12345678901234567890,"
                                       "\"ok\":true,\"no\":false,\"nil\":null,"
                                       "\"tags\":[ \"a\" , 1,{\"b\":[]},null ],\"empty\":[],\"s\":\"x\"}");
    assert_int_equal(ev.nfields, 10);
    field_is(&ev, "n", FIELD_NUMBER, "42");
    field_is(&ev, "neg", FIELD_NUMBER, "-3.5e+2");
    field_is(&ev, "zero", FIELD_NUMBER, "0");
    field_is(&ev, "big", FIELD_NUMBER, "12345678901234567890");
    field_is(&ev, "ok", FIELD_BOOL, "true");
    field_is(&ev, "no", FIELD_BOOL, "false");
    field_is(&ev, "nil", FIELD_NULL, "null");
    field_is(&ev, "tags", FIELD_RAW, "[ \"a\" , 1,{\"b\":[]},null ]");
    field_is(&ev, "empty", FIELD_RAW, "[]");
    field_is(&ev, "s", FIELD_STRING, "x");
    /* in the order written */
    static const char *const order[] = {"n", "neg", "zero", "big", "ok", "no", "nil", "tags", "empty", "s"};
    for (unsigned i = 0; i < ev.nfields; i++)
        assert_string_equal(ev.fields[i].key, order[i]);

    long long v = 0;
    assert_true(event_int(&ev, "n", &v));
    assert_int_equal(v, 42);
    assert_true(event_int(&ev, "zero", &v));
    assert_int_equal(v, 0);
    v = 7;
    assert_false(event_int(&ev, "neg", &v));
    assert_false(event_int(&ev, "big", &v));     /* out of range */
    assert_false(event_int(&ev, "s", &v));
    assert_false(event_int(&ev, "missing", &v));
    assert_int_equal(v, 7);
    assert_true(event_bool(&ev, "ok"));
    assert_false(event_bool(&ev, "no"));
    assert_false(event_bool(&ev, "s"));
    assert_false(event_bool(&ev, "missing"));
    assert_null(event_str(&ev, "n"));
    assert_null(event_str(&ev, "missing"));
    assert_null(event_field(&ev, "missing"));

    /* a repeated key: the last one wins */
    ev = parse_ok(a, HEAD ",\"text\":\"first\",\"text\":\"second\"}");
    assert_string_equal(event_str(&ev, "text"), "second");
}

static void test_nested(void **state)
{
    struct arena *a = *state;
    struct event ev = parse_ok(a, HEAD ",\"set\":{\"text\":\"New title\",\"at\":\"2025-03-15T14:00:00Z\"},\"after\":1}");
    assert_int_equal(ev.nfields, 3);
    field_is(&ev, "set.text", FIELD_STRING, "New title");
    field_is(&ev, "set.at", FIELD_STRING, "2025-03-15T14:00:00Z");
    field_is(&ev, "after", FIELD_NUMBER, "1");
    assert_null(event_field(&ev, "set"));
    assert_null(event_field(&ev, "text"));
    assert_int_equal(ev.at, ev.ts);          /* set.at is not the record's at */

    ev = parse_ok(a, HEAD ",\"a\":{\"b\":{\"c\":{\"d\":true}},\"e\":[1]},\"f\":{}}");
    assert_int_equal(ev.nfields, 2);
    field_is(&ev, "a.b.c.d", FIELD_BOOL, "true");
    field_is(&ev, "a.e", FIELD_RAW, "[1]");
}

static void test_escapes(void **state)
{
    struct arena *a = *state;
    struct event ev = parse_ok(a, HEAD ",\"e\":\"caf\\u00e9 \\u00E9 \\u4e2d\",\"emoji\":\"\\ud83d\\ude00!\","
                                       "\"hi\":\"\\ud800\",\"lo\":\"x\\udc00y\",\"pair_broken\":\"\\ud800\\u0041\","
                                       "\"nul\":\"a\\u0000b\",\"std\":\"q\\\"b\\\\s\\/e\\be\\ff\\nn\\rr\\tt\","
                                       "\"text\":\"one\\ntwo\\tthree\","
                                       "\"k\\u0065y\":\"v\"}");
    field_is(&ev, "e", FIELD_STRING, "caf\xc3\xa9 \xc3\xa9 \xe4\xb8\xad");
    field_is(&ev, "emoji", FIELD_STRING, "\xf0\x9f\x98\x80!");
    field_is(&ev, "hi", FIELD_STRING, FFFD);
    field_is(&ev, "lo", FIELD_STRING, "x" FFFD "y");
    field_is(&ev, "pair_broken", FIELD_STRING, FFFD "A");
    field_is(&ev, "nul", FIELD_STRING, "a" FFFD "b");
    /* \b, \f and \r are controls and go; in a one-line field newline and tab
     * become spaces, in text the newline stays (as the encoder writes them) */
    field_is(&ev, "std", FIELD_STRING, "q\"b\\s/eef nr t");
    field_is(&ev, "text", FIELD_STRING, "one\ntwo three");
    field_is(&ev, "key", FIELD_STRING, "v");
}

static void test_cleaned_on_parse(void **state)
{
    struct arena *a = *state;
    struct event ev = parse_ok(a, "{\"id\":\"i\\u001b[2Jd\",\"ts\":\"" TS "\",\"type\":\"no\\u202ete\","
                                  "\"by\":\"mal\\u2066lory\\u0007\","
                                  "\"esc\":\"\\u001b[31mred\\u001b[0m\",\"osc\":\"\\u001b]0;t\\u0007x\","
                                  "\"c1\":\"a\\u009b1m\",\"c1raw\":\"a\xc2\x9b" "1m\","
                                  "\"bidi\":\"evil\\u202etxt.exe\",\"bidiraw\":\"evil\xe2\x80\xaetxt.exe\","
                                  "\"zw\":\"a\\u200bb\xe2\x80\x8d" "c\\ufeff\",\"del\":\"a\x7f" "b\","
                                  "\"bad\":\"a\xff" "b\xc0\xaf" "c\xed\xa0\x80\","
                                  "\"k\\u001bey\":1}");
    assert_string_equal(ev.id, "id");
    assert_string_equal(ev.type_name, "note");
    assert_int_equal(ev.type, EVENT_NOTE);
    assert_string_equal(ev.by, "mallory");
    field_is(&ev, "esc", FIELD_STRING, "red");
    field_is(&ev, "osc", FIELD_STRING, "x");
    field_is(&ev, "c1", FIELD_STRING, "a");
    field_is(&ev, "c1raw", FIELD_STRING, "a");
    field_is(&ev, "bidi", FIELD_STRING, "eviltxt.exe");
    field_is(&ev, "bidiraw", FIELD_STRING, "eviltxt.exe");
    field_is(&ev, "zw", FIELD_STRING, "abc");
    field_is(&ev, "del", FIELD_STRING, "ab");
    field_is(&ev, "bad", FIELD_STRING, "a" FFFD "b" FFFD FFFD "c" FFFD FFFD FFFD);
    /* the key was cleaned too (ESC e is a sequence: it goes whole) */
    field_is(&ev, "ky", FIELD_NUMBER, "1");
    assert_int_equal(ev.nfields, 10);
}

static void test_malformed(void **state)
{
    struct arena *a = *state;
    /* what a record must have */
    parse_fails(a, "{\"ts\":\"" TS "\",\"type\":\"note\"}", "\"id\"");
    parse_fails(a, "{\"id\":\"\",\"ts\":\"" TS "\",\"type\":\"note\"}", "\"id\"");
    parse_fails(a, "{\"id\":7,\"ts\":\"" TS "\",\"type\":\"note\"}", "\"id\"");
    char longid[EVENT_ID_MAX + 2];
    memset(longid, 'a', EVENT_ID_MAX + 1);
    longid[EVENT_ID_MAX + 1] = '\0';
    struct buf line = BUF_INIT;
    buf_printf(&line, "{\"id\":\"%s\",\"ts\":\"" TS "\",\"type\":\"note\"}", longid);
    parse_fails(a, buf_str(&line), "\"id\"");
    buf_reset(&line);
    longid[EVENT_ID_MAX] = '\0';                 /* exactly the maximum is fine */
    buf_printf(&line, "{\"id\":\"%s\",\"ts\":\"" TS "\",\"type\":\"note\"}", longid);
    assert_string_equal(parse_ok(a, buf_str(&line)).id, longid);
    parse_fails(a, "{\"id\":\"x\",\"ts\":\"" TS "\"}", "\"type\"");
    parse_fails(a, "{\"id\":\"x\",\"ts\":\"" TS "\",\"type\":\"\"}", "\"type\"");
    parse_fails(a, "{\"id\":\"x\",\"ts\":\"" TS "\",\"type\":true}", "\"type\"");
    parse_fails(a, "{\"id\":\"x\",\"type\":\"note\"}", "\"ts\"");
    parse_fails(a, "{\"id\":\"x\",\"ts\":\"yesterday\",\"type\":\"note\"}", "\"ts\"");
    parse_fails(a, "{\"id\":\"x\",\"ts\":\"2025-03-15T14:35:02\",\"type\":\"note\"}", "\"ts\"");
    parse_fails(a, "{\"id\":\"x\",\"ts\":1742049302118,\"type\":\"note\"}", "\"ts\"");
    parse_fails(a, "{\"id\":\"x\",\"ts\":\"" TS "\",\"at\":\"14:25\",\"type\":\"note\"}", "\"at\"");

    /* not one JSON object */
    parse_fails(a, "", "not a JSON object");
    parse_fails(a, "   ", "not a JSON object");
    parse_fails(a, "[]", "not a JSON object");
    parse_fails(a, "\"text\"", "not a JSON object");
    parse_fails(a, "null", "not a JSON object");
    parse_fails(a, HEAD "} x", "text after the object");
    parse_fails(a, HEAD "}{}", "text after the object");
    parse_fails(a, HEAD "}}", "text after the object");
    parse_fails(a, HEAD, "an object is not closed properly");
    parse_fails(a, HEAD ",", "an object key is not a string");
    parse_fails(a, HEAD ",}", "key is not a string");
    parse_fails(a, HEAD ",\"a\":1,}", "key is not a string");
    parse_fails(a, HEAD " \"a\":1}", "not closed properly");
    parse_fails(a, HEAD ",a:1}", "key is not a string");
    parse_fails(a, HEAD ",\"a\" 1}", "no ':'");
    parse_fails(a, HEAD ",\"a\":}", "a value is not valid JSON");
    parse_fails(a, HEAD ",\"a\":", "value is missing");
    parse_fails(a, HEAD ",\"\":1}", "key is empty or too long");
    struct buf key = BUF_INIT;
    buf_adds(&key, HEAD ",\"");
    for (int i = 0; i < 64; i++)
        buf_addc(&key, 'k');
    buf_adds(&key, "\":1}");
    assert_int_equal(parse_ok(a, buf_str(&key)).nfields, 1);   /* 64 bytes: the longest key */
    buf_reset(&key);
    buf_adds(&key, HEAD ",\"");
    for (int i = 0; i < 65; i++)
        buf_addc(&key, 'k');
    buf_adds(&key, "\":1}");
    parse_fails(a, buf_str(&key), "key is empty or too long");
    buf_free(&key);
    parse_fails(a, HEAD ",\"a\":tru}", "a value is not valid JSON");
    parse_fails(a, HEAD ",\"a\":nul}", "a value is not valid JSON");
    parse_fails(a, HEAD ",\"a\":01}", "not closed properly");
    parse_fails(a, HEAD ",\"a\":1.}", "point");
    parse_fails(a, HEAD ",\"a\":1e}", "exponent");
    parse_fails(a, HEAD ",\"a\":-}", "a value is not valid JSON");
    parse_fails(a, HEAD ",\"a\":+1}", "a value is not valid JSON");
    parse_fails(a, HEAD ",\"a\":[1,]}", "a value is not valid JSON");
    parse_fails(a, HEAD ",\"a\":[1 2]}", "not closed properly");
    parse_fails(a, HEAD ",\"a\":[{\"b\" 1}]}", "no ':'");
    parse_fails(a, HEAD ",\"a\":[{1:2}]}", "key is not a string");

    /* strings */
    parse_fails(a, HEAD ",\"a\":\"abc", "a string is not closed");
    parse_fails(a, HEAD ",\"a\":\"ab\xc3\xa9", "a string is not closed");
    parse_fails(a, HEAD ",\"a\":\"a\x01" "b\"}", "raw control character");
    parse_fails(a, HEAD ",\"a\":\"a\x1b[31m\"}", "raw control character");
    parse_fails(a, HEAD ",\"a\":\"line\nbreak\"}", "raw control character");
    parse_fails(a, HEAD ",\"a\":\"tab\there\"}", "raw control character");
    parse_fails_n(a, HEAD ",\"a\":\"nul\0x\"}", sizeof(HEAD ",\"a\":\"nul\0x\"}") - 1, "raw control character");
    parse_fails(a, HEAD ",\"a\":\"\\x41\"}", "unknown escape");
    parse_fails(a, HEAD ",\"a\":\"\\U0041\"}", "unknown escape");
    parse_fails(a, HEAD ",\"a\":\"\\'\"}", "unknown escape");
    parse_fails(a, HEAD ",\"a\":\"\\u12\"}", "not hexadecimal");
    parse_fails(a, HEAD ",\"a\":\"\\u12G4\"}", "not hexadecimal");
    parse_fails(a, HEAD ",\"a\":\"\\u12", "cut short");
    parse_fails(a, HEAD ",\"a\":\"\\", "ends inside an escape");

    /* depth: four nested objects are fine, five are not; arrays nest deeper */
    struct event ev = parse_ok(a, HEAD ",\"a\":{\"b\":{\"c\":{\"d\":{\"e\":1}}}}}");
    field_is(&ev, "a.b.c.d.e", FIELD_NUMBER, "1");
    parse_fails(a, HEAD ",\"a\":{\"b\":{\"c\":{\"d\":{\"e\":{\"f\":1}}}}}}", "nested too deeply");
    parse_fails(a, HEAD ",\"a\":[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]}", "nested too deeply");
    buf_reset(&line);
    buf_adds(&line, HEAD ",\"a\":");
    for (int i = 0; i < 10000; i++)
        buf_addc(&line, '[');
    parse_fails(a, buf_str(&line), "nested too deeply");
    buf_free(&line);
}

/* A record with N fields in all, counting id, ts and type. */
static char *record_with_fields(unsigned n)
{
    struct buf line = BUF_INIT;
    buf_adds(&line, "{\"id\":\"x\",\"ts\":\"" TS "\",\"type\":\"note\"");
    for (unsigned i = 3; i < n; i++)
        buf_printf(&line, ",\"f%u\":%u", i, i);
    buf_addc(&line, '}');
    return buf_detach(&line);
}

static void test_limits(void **state)
{
    struct arena *a = *state;
    char *line = record_with_fields(EVENT_FIELDS_MAX);
    struct event ev = parse_ok(a, line);
    assert_int_equal(ev.nfields, EVENT_FIELDS_MAX - 3);
    field_is(&ev, "f63", FIELD_NUMBER, "63");
    free(line);
    /* more than the maximum besides the six common fields */
    line = record_with_fields(EVENT_FIELDS_MAX + 7);
    parse_fails(a, line, "too many fields");
    free(line);

    /* a record of EVENT_RECORD_MAX - 1 bytes (its newline makes the maximum) parses */
    struct buf big = BUF_INIT;
    buf_adds(&big, HEAD ",\"text\":\"");
    while (big.len < EVENT_RECORD_MAX - 3)
        buf_addc(&big, 'x');
    buf_adds(&big, "\"}");
    assert_int_equal(big.len, EVENT_RECORD_MAX - 1);
    ev = parse_ok(a, buf_str(&big));
    assert_int_equal(event_field(&ev, "text")->len, EVENT_RECORD_MAX - 1 - strlen(HEAD ",\"text\":\"\"}"));
    /* one byte more is too long, whatever it holds */
    buf_reset(&big);
    buf_adds(&big, HEAD ",\"text\":\"");
    while (big.len < EVENT_RECORD_MAX - 2)
        buf_addc(&big, 'x');
    buf_adds(&big, "\"}");
    assert_int_equal(big.len, EVENT_RECORD_MAX);
    parse_fails(a, buf_str(&big), "64 KiB");
    buf_free(&big);
}

/* The fields a record carries (id, ts, at, by, type, v) are members: a repeat
 * of one of them must not be left among the fields, where a re-encoded record
 * would carry it again and have it override the real one. */
static void test_repeated_common_field(void **state)
{
    struct arena *a = *state;
    struct event ev;
    const char *line = "{\"ts\":1,\"id\":\"old\",\"id\":\"x\",\"type\":\"note\",\"ts\":\"" TS "\"}";
    if (event_parse(&ev, a, line, strlen(line)) == 0) {
        assert_null(event_field(&ev, "ts"));
        assert_null(event_field(&ev, "id"));
        assert_int_equal(ev.nfields, 0);
    } else {
        assert_true(strlen(error_last()) > 0);
    }
}

/* The common keys told from others that begin alike, wherever they stand:
 * before the other fields, between them, after them. */
static void test_common_keys_among_others(void **state)
{
    struct arena *a = *state;
    const char *line = "{\"v\":1,\"id\":\"e1\",\"t\":\"a\",\"ts\":\"" TS "\",\"type2\":\"b\",\"by\":\"carol\","
                       "\"i\":\"c\",\"ids\":\"d\",\"type\":\"note\",\"byte\":\"e\",\"a\":\"f\",\"ata\":\"g\","
                       "\"at\":\"" TS "\",\"v2\":\"h\",\"tsx\":\"i\",\"b\":\"j\"}";
    struct event ev = parse_ok(a, line);
    assert_string_equal(ev.id, "e1");
    assert_string_equal(ev.by, "carol");
    assert_int_equal(ev.type, EVENT_NOTE);
    assert_int_equal(ev.version, 1);
    static const char *const keys[] = {"t", "type2", "i", "ids", "byte", "a", "ata", "v2", "tsx", "b"};
    static const char *const values[] = {"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"};
    assert_int_equal(ev.nfields, 10);
    for (unsigned i = 0; i < ev.nfields; i++) {
        assert_string_equal(ev.fields[i].key, keys[i]);
        assert_string_equal(ev.fields[i].value, values[i]);
    }
}

/* A byte that is not plain ASCII found at every place in a string, eight
 * bytes being looked at together: a raw control character refused, DEL
 * cleaned away, an escape and a multi-byte character decoded. */
static void test_string_special_at_every_place(void **state)
{
    struct arena *a = *state;
    static const struct {
        const char *written, *meant;  /* in the record, and what the field holds */
    } specials[] = {{"\\\"", "\""}, {"\\\\", "\\"}, {"\\u00e9", "\xc3\xa9"}, {"\xc3\xa9", "\xc3\xa9"},
                    {"\x7f", ""}, {"\\n", " "}};
    for (size_t k = 0; k < sizeof specials / sizeof *specials; k++) {
        for (int place = 0; place < 20; place++) {
            char pad[32], line[256], want[64];
            memset(pad, 'x', (size_t)place);
            pad[place] = '\0';
            snprintf(line, sizeof line, HEAD ",\"s\":\"%s%s%s\"}", pad, specials[k].written, "tail-of-it");
            snprintf(want, sizeof want, "%s%s%s", pad, specials[k].meant, "tail-of-it");
            struct event ev = parse_ok(a, line);
            assert_string_equal(event_str(&ev, "s"), want);
        }
    }
    for (int place = 0; place < 20; place++) {
        char line[256];
        snprintf(line, sizeof line, HEAD ",\"s\":\"%.*s\x01tail-of-it\"}", place, "xxxxxxxxxxxxxxxxxxxx");
        struct event ev;
        assert_int_equal(event_parse(&ev, a, line, strlen(line)), -1);
    }
}

/* Copies every field of EV into a fresh draft, kinds and all. */
static void draft_from_event(struct event_draft *d, const struct event *ev)
{
    event_draft_init(d, ev->type, ev->by);
    d->type_name = ev->type_name;
    snprintf(d->id, sizeof d->id, "%s", ev->id);
    d->ts = ev->ts;
    d->at = ev->at;
    for (unsigned i = 0; i < ev->nfields && i < EVENT_FIELDS_MAX; i++) {
        d->fields[i].key = xstrdup(ev->fields[i].key);
        d->fields[i].value = xstrdup(ev->fields[i].value);
        d->fields[i].kind = ev->fields[i].kind;
        d->nfields++;
    }
}

/* LINE parses; re-encoding what it parsed to gives a line that parses to the
 * same record. */
static void reencodes(struct arena *a, const char *line)
{
    struct event ev = parse_ok(a, line), back;
    struct event_draft d;
    struct buf out = BUF_INIT;
    draft_from_event(&d, &ev);
    int rc = event_encode(&out, &d);
    /* kept in the arena, which teardown frees even when an assertion fails */
    const char *rec = arena_strndup(a, buf_str(&out), out.len);
    size_t len = out.len;
    event_draft_free(&d);
    buf_free(&out);
    if (rc < 0)
        fail_msg("%s\n  does not encode: %s", line, error_last());
    if (event_parse(&back, a, rec, len - 1) < 0)
        fail_msg("%s\n  encoded as %s  which does not parse: %s", line, rec, error_last());
    assert_string_equal(back.id, ev.id);
    assert_int_equal(back.ts, ev.ts);
    assert_int_equal(back.at, ev.at);
    assert_int_equal(back.nfields, ev.nfields);
    for (unsigned i = 0; i < ev.nfields; i++) {
        assert_string_equal(back.fields[i].key, ev.fields[i].key);
        assert_int_equal(back.fields[i].kind, ev.fields[i].kind);
    }
}

/* Like reencodes, for a line the parser may also refuse. */
static void reencodes_if_parses(struct arena *a, const char *line)
{
    struct event ev;
    if (event_parse(&ev, a, line, strlen(line)) == 0)
        reencodes(a, line);
}

static void test_parsed_records_reencode(void **state)
{
    struct arena *a = *state;
    reencodes(a, HEAD ",\"text\":\"hi\",\"set\":{\"text\":\"a\",\"at\":\"b\"},\"n\":-1.5e3,\"t\":[1,{\"x\":\"y\"}],"
                  "\"z\":null,\"ok\":false}");
    reencodes(a, "{\"id\":\"x\",\"ts\":\"" TS "\",\"at\":\"2025-03-15T14:25:00.5Z\",\"type\":\"later\"}");
    /* objects nested deeper than one level come back as they were */
    reencodes(a, HEAD ",\"extra\":{\"a\":{\"b\":{\"c\":[1,[2,[3]]]},\"d\":1},\"e\":true},\"z\":0}");
    /* a dot in a written key would be read back as nesting: such keys are refused */
    struct event ev;
    const char *dotted = HEAD ",\"a.b\":1,\"a.c\":2,\"c\":{\"d.e\":3}}";
    assert_int_equal(event_parse(&ev, a, dotted, strlen(dotted)), -1);
    assert_non_null(strstr(error_last(), "a key contains '.'"));
}

/* The parser takes any key up to 64 bytes; the encoder splits keys at their
 * first dot to write nested objects, which leaves an empty key for a key that
 * starts or ends with a dot. Either the parser refuses such keys or the
 * encoder writes them so that they come back. */
static void test_reencode_key_starting_with_dot(void **state)
{
    reencodes_if_parses(*state, HEAD ",\".x\":1}");
}

static void test_reencode_key_ending_with_dot(void **state)
{
    reencodes_if_parses(*state, HEAD ",\"x.\":1}");
}

static void test_reencode_key_with_two_dots(void **state)
{
    reencodes_if_parses(*state, HEAD ",\"a.b\":1,\"a..b\":2}");
    reencodes_if_parses(*state, HEAD ",\"a\":{\".b\":1}}");
}

/* The most fields a record may have, written without "v": the encoder adds
 * "v", which must not push the record over the parser's limit. */
static void test_reencode_most_fields(void **state)
{
    char *line = record_with_fields(EVENT_FIELDS_MAX);
    const char *kept = arena_strndup(*state, line, strlen(line));
    free(line);
    reencodes(*state, kept);
}

/* A record stamped before year 0 or after 9999 in UTC (reachable through a zone
 * offset) must either be refused or encode to a line that parses again. */
static void test_extreme_years(void **state)
{
    struct arena *a = *state;
    static const char *const stamps[] = {"0000-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"};
    for (size_t i = 0; i < 2; i++) {
        char line[200];
        snprintf(line, sizeof line, "{\"id\":\"x\",\"ts\":\"%s\",\"type\":\"note\"}", stamps[i]);
        reencodes_if_parses(a, line);
    }
}

static void test_encode_exact(void **state)
{
    struct arena *a = *state;
    struct event_draft d;
    event_draft_init(&d, EVENT_EDIT, "carol");
    assert_int_equal(d.at, STAMP_NONE);
    assert_int_equal(d.ts, STAMP_NONE);
    strcpy(d.id, "abc");
    d.ts = T0;
    d.at = T_AT;
    event_draft_str(&d, "text", "line1\nline2");
    event_draft_str(&d, "set.text", "T");
    event_draft_str(&d, "set.at", "2025-03-15T14:00:00Z");
    event_draft_int(&d, "n", -5);
    event_draft_bool(&d, "ok", true);
    event_draft_str(&d, "skipped", NULL);
    struct buf out = BUF_INIT;
    assert_int_equal(event_encode(&out, &d), 0);
    assert_string_equal(buf_str(&out),
                        "{\"v\":1,\"id\":\"abc\",\"ts\":\"2025-03-15T14:35:02.118Z\",\"at\":\"2025-03-15T14:25:00Z\","
                        "\"by\":\"carol\",\"type\":\"edit\",\"text\":\"line1\\nline2\","
                        "\"set\":{\"text\":\"T\",\"at\":\"2025-03-15T14:00:00Z\"},\"n\":-5,\"ok\":true}\n");

    struct event ev;
    assert_int_equal(event_parse(&ev, a, out.data, out.len - 1), 0);
    assert_string_equal(ev.id, "abc");
    assert_int_equal(ev.type, EVENT_EDIT);
    assert_int_equal(ev.at, T_AT);
    field_is(&ev, "set.text", FIELD_STRING, "T");
    field_is(&ev, "set.at", FIELD_STRING, "2025-03-15T14:00:00Z");
    event_draft_free(&d);
    assert_int_equal(d.nfields, 0);

    /* at equal to ts, no by: neither is written; a repeated key replaces */
    event_draft_init(&d, EVENT_ACK, NULL);
    strcpy(d.id, "x");
    d.ts = d.at = 0;
    event_draft_str(&d, "text", "one");
    event_draft_str(&d, "text", "two");
    event_draft_int(&d, "text2", 1);
    event_draft_int(&d, "text2", 2);
    buf_reset(&out);
    assert_int_equal(event_encode(&out, &d), 0);
    assert_string_equal(buf_str(&out), "{\"v\":1,\"id\":\"x\",\"ts\":\"1970-01-01T00:00:00.000Z\",\"type\":\"ack\","
                                       "\"text\":\"two\",\"text2\":2}\n");
    event_draft_free(&d);

    /* an unknown type keeps its name */
    event_draft_init(&d, EVENT_UNKNOWN, "");
    d.type_name = "retro-vote";
    strcpy(d.id, "x");
    d.ts = T0;
    buf_reset(&out);
    assert_int_equal(event_encode(&out, &d), 0);
    assert_string_equal(buf_str(&out), "{\"v\":1,\"id\":\"x\",\"ts\":\"" TS "\",\"type\":\"retro-vote\"}\n");
    event_draft_free(&d);
    buf_free(&out);
}

static void test_encode_round_trip(void **state)
{
    struct arena *a = *state;
    struct event_draft d;
    event_draft_init(&d, EVENT_DECLARE, "Zo\xc3\xab \xe5\xbc\xa0");
    strcpy(d.id, "0123456789abcdef0123456789abcdef");
    d.ts = INT64_C(-1001);
    d.at = INT64_C(253402300799000);
    event_draft_str(&d, "title", "Checkout \"down\" \\ 50% \xf0\x9f\x94\xa5");
    event_draft_int(&d, "sev", 1);
    event_draft_int(&d, "min", LLONG_MIN);
    event_draft_int(&d, "max", LLONG_MAX);
    event_draft_bool(&d, "data_exposed", true);
    event_draft_bool(&d, "paged", false);
    event_draft_str(&d, "impact", "EU customers\ncannot pay");
    event_draft_str(&d, "set.text", "multi\nline");
    event_draft_str(&d, "set.at", "2025-03-15T14:00:00Z");
    event_draft_str(&d, "empty", "");
    struct buf out = BUF_INIT;
    assert_int_equal(event_encode(&out, &d), 0);
    assert_int_equal(out.data[out.len - 1], '\n');
    assert_null(memchr(out.data, '\n', out.len - 1));   /* one line */

    struct event ev;
    assert_int_equal(event_parse(&ev, a, out.data, out.len - 1), 0);
    assert_string_equal(ev.id, d.id);
    assert_int_equal(ev.type, EVENT_DECLARE);
    assert_string_equal(ev.by, "Zo\xc3\xab \xe5\xbc\xa0");
    assert_int_equal(ev.ts, -1001);
    assert_int_equal(ev.at, INT64_C(253402300799000));
    assert_int_equal(ev.nfields, 10);
    field_is(&ev, "title", FIELD_STRING, "Checkout \"down\" \\ 50% \xf0\x9f\x94\xa5");
    long long v;
    assert_true(event_int(&ev, "sev", &v));
    assert_int_equal(v, 1);
    assert_true(event_int(&ev, "min", &v));
    assert_true(v == LLONG_MIN);
    assert_true(event_int(&ev, "max", &v));
    assert_true(v == LLONG_MAX);
    assert_true(event_bool(&ev, "data_exposed"));
    field_is(&ev, "paged", FIELD_BOOL, "false");
    field_is(&ev, "impact", FIELD_STRING, "EU customers\ncannot pay");
    field_is(&ev, "set.text", FIELD_STRING, "multi\nline");
    field_is(&ev, "set.at", FIELD_STRING, "2025-03-15T14:00:00Z");
    field_is(&ev, "empty", FIELD_STRING, "");
    assert_non_null(strstr(out.data, "\"set\":{\"text\":\"multi\\nline\",\"at\":\"2025-03-15T14:00:00Z\"}"));
    event_draft_free(&d);
    buf_free(&out);
}

static void test_encode_cleans(void **state)
{
    struct arena *a = *state;
    struct event_draft d;
    event_draft_init(&d, EVENT_NOTE, "mal\xe2\x80\xaelory\nx");
    strcpy(d.id, "x");
    d.ts = T0;
    event_draft_str(&d, "text", "a\x1b[31mb\nc\td\r\xc2\x9b" "e\xff");
    event_draft_str(&d, "title", "t\x1b]0;x\x07y\nz\tw");
    event_draft_str(&d, "impact", "i\n\xe2\x80\x8bj");
    event_draft_str(&d, "set.text", "s\nt\x7f");
    event_draft_str(&d, "set.title", "u\nv");
    struct buf out = BUF_INIT;
    assert_int_equal(event_encode(&out, &d), 0);
    for (size_t i = 0; i + 1 < out.len; i++) {
        unsigned char c = (unsigned char)out.data[i];
        assert_true(c >= 0x20 && c != 0x7f);
    }
    assert_null(strstr(out.data, "\xe2\x80\xae"));
    assert_null(strstr(out.data, "\xc2\x9b"));
    assert_null(strstr(out.data, "\\u001b"));
    assert_null(strstr(out.data, "\\u0007"));
    assert_non_null(strstr(out.data, "\"by\":\"mallory x\""));
    assert_non_null(strstr(out.data, "\"text\":\"ab\\nc d" FFFD "\""));
    assert_non_null(strstr(out.data, "\"title\":\"ty z w\""));
    assert_non_null(strstr(out.data, "\"impact\":\"i\\nj\""));
    assert_non_null(strstr(out.data, "\"set\":{\"text\":\"s\\nt\",\"title\":\"u v\"}"));

    struct event ev;
    assert_int_equal(event_parse(&ev, a, out.data, out.len - 1), 0);
    assert_string_equal(ev.by, "mallory x");
    field_is(&ev, "text", FIELD_STRING, "ab\nc d" FFFD);
    field_is(&ev, "set.title", FIELD_STRING, "u v");
    event_draft_free(&d);
    buf_free(&out);
}

/* Every string is cleaned when encoded: the id and an unknown type's name too. */
static void test_encode_cleans_id_and_type(void **state)
{
    struct event_draft d;
    event_draft_init(&d, EVENT_UNKNOWN, "x");
    d.type_name = "ty\xe2\x80\xaepe\x1b";
    strcpy(d.id, "ab\xe2\x80\xae" "cd\xc2\x9b");
    d.ts = T0;
    struct buf out = BUF_INIT;
    int rc = event_encode(&out, &d);
    const char *rec = arena_strndup(*state, buf_str(&out), out.len);
    event_draft_free(&d);
    buf_free(&out);
    assert_int_equal(rc, 0);
    assert_non_null(strstr(rec, "\"type\":\"type\""));
    assert_null(strstr(rec, "\xe2\x80\xae"));
    assert_null(strstr(rec, "\xc2\x9b"));
}

/* A note whose record takes exactly SIZE bytes with its newline. */
static void draft_of_size(struct event_draft *d, size_t size)
{
    event_draft_init(d, EVENT_NOTE, "carol");
    strcpy(d->id, "x");
    d->ts = T0;
    const size_t overhead = strlen("{\"v\":1,\"id\":\"x\",\"ts\":\"" TS "\",\"by\":\"carol\",\"type\":\"note\","
                                   "\"text\":\"\"}\n");
    char *text = xmalloc(size - overhead + 1);
    memset(text, 'x', size - overhead);
    text[size - overhead] = '\0';
    event_draft_str(d, "text", text);
    free(text);
}

static void test_encode_too_big(void **state)
{
    struct arena *a = *state;
    struct event_draft d;
    struct buf out = BUF_INIT;
    buf_adds(&out, "earlier record\n");

    draft_of_size(&d, EVENT_RECORD_MAX);
    assert_int_equal(event_encode(&out, &d), 0);
    assert_int_equal(out.len, strlen("earlier record\n") + EVENT_RECORD_MAX);
    struct event ev;
    const char *rec = out.data + strlen("earlier record\n");
    assert_int_equal(event_parse(&ev, a, rec, EVENT_RECORD_MAX - 1), 0);
    event_draft_free(&d);

    buf_reset(&out);
    buf_adds(&out, "earlier record\n");
    draft_of_size(&d, EVENT_RECORD_MAX + 1);
    error_clear();
    assert_true(event_encode(&out, &d) < 0);
    assert_non_null(strstr(error_last(), "over the limit of 64 KiB"));
    assert_non_null(strstr(error_last(), "65 KiB"));
    assert_string_equal(buf_str(&out), "earlier record\n");
    assert_int_equal(out.len, strlen("earlier record\n"));
    event_draft_free(&d);

    /* far over: the message says by how much */
    event_draft_init(&d, EVENT_NOTE, "");
    strcpy(d.id, "x");
    d.ts = T0;
    char *huge = xmalloc(200 * 1024 + 1);
    memset(huge, 'y', 200 * 1024);
    huge[200 * 1024] = '\0';
    event_draft_str(&d, "text", huge);
    free(huge);
    buf_reset(&out);
    assert_true(event_encode(&out, &d) < 0);
    assert_non_null(strstr(error_last(), "201 KiB"));
    assert_int_equal(out.len, 0);
    assert_string_equal(buf_str(&out), "");
    event_draft_free(&d);
    buf_free(&out);
}

/* What the encoder writes, the parser must read: a draft full to
 * EVENT_FIELDS_MAX either encodes to a record that parses, or is refused. */
static void test_encode_full_draft(void **state)
{
    struct arena *a = *state;
    struct event_draft d;
    event_draft_init(&d, EVENT_NOTE, "carol");
    strcpy(d.id, "x");
    d.ts = T0;
    d.at = T_AT;
    for (int i = 0; i < EVENT_FIELDS_MAX; i++) {
        char key[16];
        snprintf(key, sizeof key, "k%d", i);
        event_draft_int(&d, key, i);
    }
    struct buf out = BUF_INIT;
    int rc = event_encode(&out, &d);
    const char *rec = arena_strndup(a, buf_str(&out), out.len);
    size_t len = out.len;
    event_draft_free(&d);
    buf_free(&out);
    if (rc == 0) {
        struct event ev;
        if (event_parse(&ev, a, rec, len - 1) < 0)
            fail_msg("a full draft encodes to a record that does not parse: %s", error_last());
        assert_int_equal(ev.nfields, EVENT_FIELDS_MAX);
    } else {
        assert_true(strlen(error_last()) > 0);
        assert_int_equal(len, 0);
    }
}

static void test_json_string(void **state)
{
    (void)state;
    struct buf out = BUF_INIT;
    const char in[] = "q\"b\\n\nt\tr\rc\x01\x1f\x7f\xc3\xa9";
    event_json_string(&out, in, sizeof in - 1);
    assert_string_equal(buf_str(&out), "\"q\\\"b\\\\n\\nt\\tr\\rc\\u0001\\u001f\x7f\xc3\xa9\"");
    buf_reset(&out);
    event_json_string(&out, "", 0);
    assert_string_equal(buf_str(&out), "\"\"");
    buf_free(&out);
}

static void test_new_id(void **state)
{
    (void)state;
    char a[EVENT_ID_MAX + 1], b[EVENT_ID_MAX + 1];
    memset(a, 'Z', sizeof a);
    assert_int_equal(event_new_id(a), 0);
    assert_int_equal(event_new_id(b), 0);
    assert_int_equal(strlen(a), 32);
    assert_int_equal(strlen(b), 32);
    assert_int_equal(strspn(a, "0123456789abcdef"), 32);
    assert_int_equal(strspn(b, "0123456789abcdef"), 32);
    assert_string_not_equal(a, b);
}

/* Keys, types, authors and short values are kept once per arena; ids and
 * long texts are not. */
static void test_intern(void **state)
{
    (void)state;
    struct arena *a = arena_new();
    const char *x = arena_intern(a, "carol", 5), *y = arena_intern(a, "carolyn", 5);
    assert_ptr_equal(x, y);
    assert_string_equal(x, "carol");
    assert_ptr_not_equal(arena_intern(a, "carolyn", 7), x);
    static const char line1[] = "{\"v\":1,\"id\":\"a1\",\"ts\":\"2025-03-15T14:00:00Z\",\"by\":\"carol\","
                                "\"type\":\"update\",\"state\":\"identified\",\"set\":{\"text\":\"x\"}}";
    static const char line2[] = "{\"v\":1,\"id\":\"a2\",\"ts\":\"2025-03-15T14:00:01Z\",\"by\":\"carol\","
                                "\"type\":\"update\",\"state\":\"identified\",\"set\":{\"text\":\"y\"}}";
    struct event e1, e2;
    assert_int_equal(event_parse(&e1, a, line1, strlen(line1)), 0);
    assert_int_equal(event_parse(&e2, a, line2, strlen(line2)), 0);
    assert_ptr_equal(e1.by, e2.by);
    assert_ptr_equal(e1.by, x);
    assert_ptr_equal(e1.type_name, e2.type_name);
    assert_ptr_equal(event_field(&e1, "state")->key, event_field(&e2, "state")->key);
    assert_ptr_equal(event_str(&e1, "state"), event_str(&e2, "state"));
    assert_ptr_equal(event_field(&e1, "set.text")->key, event_field(&e2, "set.text")->key);
    assert_string_equal(event_str(&e2, "set.text"), "y");
    assert_ptr_not_equal(e1.id, e2.id);
    assert_int_equal(e2.ts - e1.ts, 1000);
    /* past its bound the pool stops growing and still answers */
    char s[16];
    for (int i = 0; i < 70000; i++) {
        int n = snprintf(s, sizeof s, "v%d", i);
        assert_string_equal(arena_intern(a, s, (size_t)n), s);
    }
    assert_ptr_equal(arena_intern(a, "carol", 5), x);
    arena_free(a);
}

static void test_arena(void **state)
{
    (void)state;
    struct arena *a = arena_new();
    assert_int_equal(arena_used(a), 0);
    enum { N = 100000 };
    unsigned char **ptrs = xcalloc(N, sizeof *ptrs);
    size_t asked = 0;
    for (size_t i = 0; i < N; i++) {
        size_t size = 1 + i % 97;
        ptrs[i] = arena_alloc(a, size);
        assert_non_null(ptrs[i]);
        assert_int_equal((uintptr_t)ptrs[i] % 8, 0);
        memset(ptrs[i], (int)(i & 0xff), size);
        asked += size;
        if (i == N / 2) {
            /* a big one in the middle, bigger than a chunk */
            unsigned char *big = arena_alloc(a, 3 * 1024 * 1024);
            assert_int_equal((uintptr_t)big % 8, 0);
            memset(big, 0xab, 3 * 1024 * 1024);
            assert_int_equal(big[3 * 1024 * 1024 - 1], 0xab);
            asked += 3 * 1024 * 1024;
        }
    }
    for (size_t i = 0; i < N; i++) {
        size_t size = 1 + i % 97;
        for (size_t j = 0; j < size; j++)
            if (ptrs[i][j] != (unsigned char)(i & 0xff))
                fail_msg("allocation %zu was overwritten", i);
    }
    assert_true(arena_used(a) >= asked);
    free(ptrs);

    char *s = arena_strndup(a, "hello world", 5);
    assert_string_equal(s, "hello");
    s = arena_strndup(a, "", 0);
    assert_string_equal(s, "");
    assert_non_null(arena_alloc(a, 0));
    arena_free(a);
    arena_free(NULL);

    /* a big allocation first, then small ones */
    a = arena_new();
    unsigned char *big = arena_alloc(a, 1024 * 1024);
    memset(big, 1, 1024 * 1024);
    for (int i = 0; i < 1000; i++)
        memset(arena_alloc(a, 100), 2, 100);
    for (size_t i = 0; i < 1024 * 1024; i++)
        if (big[i] != 1)
            fail_msg("the big allocation was overwritten at %zu", i);
    arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_parse_full, setup, teardown),
        cmocka_unit_test_setup_teardown(test_types, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_fields, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nested, setup, teardown),
        cmocka_unit_test_setup_teardown(test_escapes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cleaned_on_parse, setup, teardown),
        cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_repeated_common_field, setup, teardown),
        cmocka_unit_test_setup_teardown(test_common_keys_among_others, setup, teardown),
        cmocka_unit_test_setup_teardown(test_string_special_at_every_place, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parsed_records_reencode, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reencode_key_starting_with_dot, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reencode_key_ending_with_dot, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reencode_key_with_two_dots, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reencode_most_fields, setup, teardown),
        cmocka_unit_test_setup_teardown(test_extreme_years, setup, teardown),
        cmocka_unit_test_setup_teardown(test_encode_exact, setup, teardown),
        cmocka_unit_test_setup_teardown(test_encode_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_encode_cleans, setup, teardown),
        cmocka_unit_test_setup_teardown(test_encode_cleans_id_and_type, setup, teardown),
        cmocka_unit_test_setup_teardown(test_encode_too_big, setup, teardown),
        cmocka_unit_test_setup_teardown(test_encode_full_draft, setup, teardown),
        cmocka_unit_test(test_json_string),
        cmocka_unit_test(test_new_id),
        cmocka_unit_test(test_arena),
        cmocka_unit_test(test_intern),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
