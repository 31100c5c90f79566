/* Tests for jsonout's own JSON writing: a string and a timeline entry written
 * as text are byte for byte what jansson writes for the same value (show
 * --json wrote them through jansson before), what jansson would refuse
 * is left to it, and a document written as it goes is what jansson writes
 * for the whole tree. */
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
#include "warroom/event.h"
#include "warroom/incident.h"
#include "warroom/jsonout.h"
#include "warroom/stamp.h"
#include "warroom/text.h"

/* S written by jsonout_string and by jansson under FLAGS: the same bytes */
static void same_string(const char *s, size_t flags)
{
    struct buf ours = BUF_INIT;
    json_t *j = json_string(s);
    assert_non_null(j);
    char *theirs = json_dumps(j, flags | JSON_ENCODE_ANY);
    assert_int_equal(jsonout_string(&ours, s, flags), 0);
    assert_string_equal(buf_str(&ours), theirs);
    free(theirs);
    json_decref(j);
    buf_free(&ours);
}

static void test_strings(void **state)
{
    (void)state;
    static const char *const strings[] = {
        "", "plain", "quote \" backslash \\ slash / end", "\b\f\n\r\t", "\x01\x02\x1f\x7f",
        "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xe2\x80\xa8 \xef\xbf\xbf \xf4\x8f\xbf\xbf",
        "\xc2\x80\xdf\xbf\xe0\xa0\x80\xed\x9f\xbf\xee\x80\x80", "a\nmulti\nline\nnote", "\\u0041",
    };
    static const size_t flag_sets[] = {0, JSON_ENSURE_ASCII, JSON_ESCAPE_SLASH, JSON_ENSURE_ASCII | JSON_ESCAPE_SLASH};
    for (size_t i = 0; i < sizeof strings / sizeof *strings; i++)
        for (size_t f = 0; f < sizeof flag_sets / sizeof *flag_sets; f++)
            same_string(strings[i], flag_sets[f]);
    /* random valid UTF-8 of every length of sequence */
    srand(7);
    for (int n = 0; n < 2000; n++) {
        char s[256];
        size_t len = 0;
        while (len < sizeof s - 5) {
            long cp;
            switch (rand() % 4) {
            case 0: cp = 1 + rand() % 0x7f; break;
            case 1: cp = 0x80 + rand() % (0x800 - 0x80); break;
            case 2: cp = 0x800 + rand() % (0x10000 - 0x800); break;
            default: cp = 0x10000 + rand() % (0x110000 - 0x10000); break;
            }
            if (cp >= 0xd800 && cp <= 0xdfff)
                continue;
            len += text_utf8_encode((uint32_t)cp, s + len);
            if (rand() % 16 == 0)
                break;
        }
        s[len] = '\0';
        same_string(s, JSON_ENSURE_ASCII);
        same_string(s, 0);
    }
}

static void test_refused(void **state)
{
    (void)state;
    /* jansson refuses each of these: so does jsonout_string */
    static const char *const bad[] = {"\x80", "a\xc3", "\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80",
                                      "\xf5\x80\x80\x80", "\xff", "ok then \xe2\x82"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        struct buf ours = BUF_INIT;
        assert_null(json_string(bad[i]));
        assert_int_equal(jsonout_string(&ours, bad[i], JSON_ENSURE_ASCII), -1);
        buf_free(&ours);
    }
}

/* What the writer wrote to a temporary file, as a string (freed by the caller). */
static char *written(FILE *f)
{
    long n = ftell(f);
    assert_true(n >= 0);
    char *text = calloc(1, (size_t)n + 1);
    rewind(f);
    assert_int_equal(fread(text, 1, (size_t)n, f), (size_t)n);
    return text;
}

/* The record LINE as a timeline entry with TEXT (NULL: its own), AT and EDITS,
 * written both ways: the same bytes */
static void same_entry(const char *line, const char *text, int64_t at, unsigned edits)
{
    struct arena *a = arena_new();
    struct event ev;
    assert_int_equal(event_parse(&ev, a, line, strlen(line)), 0);
    const char *own = event_str(&ev, "text");
    struct timeline_entry e = {.ev = &ev, .at = at == 0 ? ev.at : at, .happened = ev.at,
                               .text = text ? text : own ? own : "", .edits = edits};
    json_t *j = jsonout_entry_json(&e);
    assert_non_null(j);
    char *theirs = json_dumps(j, JSON_INDENT(2) | JSON_ENSURE_ASCII);
    struct buf ours = BUF_INIT;
    assert_int_equal(jsonout_entry_text(&ours, &e, JSON_ENSURE_ASCII, 0), 0);
    assert_string_equal(buf_str(&ours), theirs);
    free(theirs);
    /* written by the writer two levels down, twice, as show --json does */
    FILE *f = tmpfile();
    assert_non_null(f);
    struct jsonw w;
    jsonw_init(&w, f, JSON_ENSURE_ASCII);
    jsonw_object(&w);
    jsonw_key(&w, "timeline");
    jsonw_array(&w);
    assert_true(jsonw_entry(&w, &e));
    assert_true(jsonw_entry(&w, &e));
    jsonw_end(&w);
    jsonw_end(&w);
    assert_int_equal(jsonw_finish(&w), 0);
    char *doc = written(f);
    json_t *tree = json_pack("{s:[O, O]}", "timeline", j, j);
    theirs = json_dumps(tree, JSON_INDENT(2) | JSON_ENSURE_ASCII);
    assert_string_equal(doc, theirs);
    free(theirs);
    free(doc);
    fclose(f);
    json_decref(tree);
    json_decref(j);
    buf_free(&ours);
    arena_free(a);
}

/* An entry the text cannot say (not UTF-8) leaves the writer as it was: no
 * separator, no part of it, and the next value follows as if it had not been
 * tried. */
static void test_entry_refused(void **state)
{
    (void)state;
    struct arena *a = arena_new();
    struct event ev;
    const char *line = "{\"v\":1,\"id\":\"e1\",\"ts\":\"2025-03-15T14:00:00Z\",\"type\":\"note\",\"text\":\"x\"}";
    assert_int_equal(event_parse(&ev, a, line, strlen(line)), 0);
    struct timeline_entry bad = {.ev = &ev, .at = ev.at, .happened = ev.at, .text = "half \xe2\x82"};
    struct timeline_entry good = {.ev = &ev, .at = ev.at, .happened = ev.at, .text = "x"};
    FILE *f = tmpfile();
    assert_non_null(f);
    struct jsonw w;
    jsonw_init(&w, f, 0);
    jsonw_array(&w);
    assert_false(jsonw_entry(&w, &bad));
    jsonw_string(&w, "first");
    assert_false(jsonw_entry(&w, &bad));
    assert_true(jsonw_entry(&w, &good));
    jsonw_end(&w);
    assert_int_equal(jsonw_finish(&w), 0);
    char *doc = written(f);
    json_t *entry = jsonout_entry_json(&good);
    json_t *tree = json_pack("[s, o]", "first", entry);
    char *theirs = json_dumps(tree, JSON_INDENT(2));
    assert_string_equal(doc, theirs);
    free(theirs);
    free(doc);
    json_decref(tree);
    fclose(f);
    arena_free(a);
}

static void test_entries(void **state)
{
    (void)state;
    const char *base = "{\"v\":1,\"id\":\"e1\",\"ts\":\"2025-03-15T14:00:00Z\",\"by\":\"carol\",\"type\":\"note\",";
    static const char *const rest[] = {
        "\"text\":\"plain\"}",
        "\"text\":\"caf\\u00e9 \\ud83d\\ude00 \\\"quoted\\\" \\\\ /\"}",
        "\"text\":\"a\\nb\",\"n\":42,\"neg\":-7,\"big\":12345678901234,\"yes\":true,\"no\":false,\"nil\":null}",
        "\"text\":\"x\",\"list\":[1,2,3],\"after\":\"the list is left out\"}",
        "\"text\":\"x\",\"set\":{\"text\":\"nested\",\"at\":\"2025-03-15T14:01:00Z\"}}",
        "\"text\":\"x\",\"edits\":\"a field of that name\",\"z\":1}",
        "\"text\":\"x\",\"host\":\"h1\",\"host\":\"h2\"}",
        "\"state\":\"identified\",\"at\":\"2025-03-15T13:00:00Z\"}",
        "\"text\":\"x\",\"unicode key \\u00e9\":\"v\"}",
        "\"text\":\"x\",\"n\":1.5,\"e\":2e3}",
    };
    for (size_t i = 0; i < sizeof rest / sizeof *rest; i++) {
        struct buf line = BUF_INIT;
        buf_adds(&line, base);
        buf_adds(&line, rest[i]);
        same_entry(buf_str(&line), NULL, 0, 0);
        same_entry(buf_str(&line), "edited \xe2\x80\x94 text", 1742047200000LL, 3);
        same_entry(buf_str(&line), NULL, STAMP_NONE, 1);
        buf_free(&line);
    }
}


/* A document written by the writer, and the same tree built and dumped by
 * jansson: the same bytes, nesting, empty containers, every kind of value,
 * text and trees spliced in at depth, and a long array flushed as it goes. */
static void test_writer(void **state)
{
    (void)state;
    FILE *f = tmpfile();
    assert_non_null(f);
    struct jsonw w;
    jsonw_init(&w, f, JSON_ENSURE_ASCII);
    json_t *tree = json_object();
    json_t *head = json_pack("{s:s, s:i, s:n, s:b}", "id", "inc-1", "sev", 2, "impact", "drill", 1);

    jsonw_object(&w);
    jsonw_members(&w, head);
    json_object_update(tree, head);
    jsonw_key(&w, "empty_array");
    jsonw_array(&w);
    jsonw_end(&w);
    json_object_set_new(tree, "empty_array", json_array());
    jsonw_key(&w, "empty_object");
    jsonw_object(&w);
    jsonw_end(&w);
    json_object_set_new(tree, "empty_object", json_object());
    jsonw_key(&w, "nested");
    jsonw_object(&w);
    jsonw_key(&w, "list");
    jsonw_array(&w);
    jsonw_string(&w, "caf\xc3\xa9 \"quoted\" \\ / \n");
    jsonw_int(&w, -9007199254740993LL);
    jsonw_bool(&w, false);
    jsonw_null(&w);
    jsonw_nullable(&w, "");
    jsonw_nullable(&w, "kept");
    jsonw_stamp(&w, 1742047200123LL);
    jsonw_stamp(&w, STAMP_NONE);
    jsonw_string(&w, "\xff not UTF-8");
    jsonw_array(&w);
    jsonw_array(&w);
    jsonw_end(&w);
    jsonw_end(&w);
    jsonw_end(&w);
    jsonw_end(&w);
    json_object_set_new(tree, "nested",
                        json_pack("{s:[s, I, b, n, n, s, s, n, n, [[]]]}", "list", "caf\xc3\xa9 \"quoted\" \\ / \n",
                                  (json_int_t)-9007199254740993LL, 0, "kept", "2025-03-15T14:00:00.123Z"));
    /* a value as text, and a tree, two levels down */
    json_t *inner = json_pack("{s:[i, {s:s}], s:{}}", "a", 1, "b", "c", "d");
    char *text = json_dumps(inner, JSON_INDENT(2) | JSON_ENSURE_ASCII);
    jsonw_key(&w, "spliced");
    jsonw_array(&w);
    jsonw_text(&w, text, strlen(text));
    jsonw_json(&w, inner);
    jsonw_end(&w);
    json_object_set_new(tree, "spliced", json_pack("[O, O]", inner, inner));
    free(text);
    json_decref(inner);
    /* more than the buffer holds */
    json_t *many = json_array();
    jsonw_key(&w, "many");
    jsonw_array(&w);
    for (int i = 0; i < 20000; i++) {
        jsonw_object(&w);
        jsonw_key(&w, "n");
        jsonw_int(&w, i);
        jsonw_end(&w);
        json_array_append_new(many, json_pack("{s:i}", "n", i));
    }
    jsonw_end(&w);
    json_object_set_new(tree, "many", many);
    jsonw_end(&w);
    assert_int_equal(jsonw_finish(&w), 0);

    char *ours = written(f);
    char *theirs = json_dumps(tree, JSON_INDENT(2) | JSON_ENSURE_ASCII);
    assert_string_equal(ours, theirs);
    free(ours);
    free(theirs);
    json_decref(head);
    json_decref(tree);
    fclose(f);
}

/* Nesting has no fixed limit: 40 levels, objects and arrays in turn, each
 * with a member before the next level and one after it, are what jansson
 * writes for the same tree (deeper than 16 levels indexed past the writer's
 * fixed arrays and stopped indenting). */
static void test_writer_deep(void **state)
{
    (void)state;
    enum { LEVELS = 40 };
    FILE *f = tmpfile();
    assert_non_null(f);
    struct jsonw w;
    jsonw_init(&w, f, 0);
    json_t *stack[LEVELS];
    for (int d = 0; d < LEVELS; d++) {
        stack[d] = d % 2 ? json_array() : json_object();
        if (d % 2) {
            jsonw_array(&w);
            jsonw_int(&w, d);
            json_array_append_new(stack[d], json_integer(d));
        } else {
            jsonw_object(&w);
            jsonw_member_int(&w, "before", d);
            json_object_set_new(stack[d], "before", json_integer(d));
            jsonw_key(&w, "next");
        }
    }
    for (int d = LEVELS - 1; d >= 0; d--) {
        if (d % 2)
            jsonw_string(&w, "after");
        else
            jsonw_member_string(&w, "after", "after");
        jsonw_end(&w);
        if (d > 0) {
            if ((d - 1) % 2)
                json_array_append_new(stack[d - 1], stack[d]);
            else
                json_object_set_new(stack[d - 1], "next", stack[d]);
        }
        if (d % 2)
            json_array_append_new(stack[d], json_string("after"));
        else
            json_object_set_new(stack[d], "after", json_string("after"));
    }
    assert_int_equal(jsonw_finish(&w), 0);
    char *ours = written(f);
    char *theirs = json_dumps(stack[0], JSON_INDENT(2));
    assert_string_equal(ours, theirs);
    free(ours);
    free(theirs);
    json_decref(stack[0]);
    fclose(f);
}

/* A write that fails is said when the writer finishes, and nothing more is
 * written after it. */
static void test_writer_failing(void **state)
{
    (void)state;
    FILE *f = fopen("/dev/full", "w");
    assert_non_null(f);
    struct jsonw w;
    jsonw_init(&w, f, 0);
    jsonw_array(&w);
    for (int i = 0; i < 100000; i++)
        jsonw_string(&w, "a line that fills the buffer");
    jsonw_end(&w);
    assert_true(w.failed);
    assert_int_equal(jsonw_finish(&w), -1);
    fclose(f);

    f = fopen("/dev/full", "w");
    assert_non_null(f);
    jsonw_init(&w, f, 0);
    jsonw_string(&w, "short: only the last write finds out");
    assert_int_equal(jsonw_finish(&w), -1);
    fclose(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_entries),
        cmocka_unit_test(test_entry_refused),
        cmocka_unit_test(test_writer),
        cmocka_unit_test(test_writer_failing),
        cmocka_unit_test(test_writer_deep),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
