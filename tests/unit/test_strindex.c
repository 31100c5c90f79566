/* Tests for strindex and the replay lookups built on it: action items found
 * by name and edits applied to their targets, whatever their number, give
 * what the linear searches they replaced gave. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "warroom/error.h"
#include "warroom/incident.h"
#include "warroom/strindex.h"

static void test_put_find_grow(void **state)
{
    (void)state;
    enum { N = 20000 };
    static char keys[N][16];
    struct strindex x = STRINDEX_INIT;
    bool added;
    for (size_t i = 0; i < N; i++) {
        snprintf(keys[i], sizeof keys[i], "A%zu", i);
        assert_int_equal(*strindex_put(&x, keys[i], i, &added), i);
        assert_true(added);
    }
    assert_int_equal(x.count, N);
    char probe[16];
    for (size_t i = 0; i < N; i++) {
        snprintf(probe, sizeof probe, "A%zu", i);   /* a different pointer, the same string */
        size_t *v = strindex_find(&x, probe);
        assert_non_null(v);
        assert_int_equal(*v, i);
    }
    assert_int_equal(*strindex_put(&x, "A7", 99, &added), 7);   /* the first value stays */
    assert_false(added);
    assert_null(strindex_find(&x, "A20000"));
    assert_null(strindex_find(&x, ""));
    strindex_clear(&x);
    assert_null(strindex_find(&x, "A1"));
}

static char path[128];

/* Logs live in a directory of their own: warroom refuses one that others may
 * write to, as /tmp is. */
static char dir[64];
static void remove_dir(void)
{
    rmdir(dir);
}
static void private_log_path(void)
{
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "/tmp/warroom-strindex.XXXXXX");
        assert_non_null(mkdtemp(dir));
        atexit(remove_dir);
    }
    snprintf(path, sizeof path, "%s/events.jsonl", dir);
}

static void line(FILE *f, int i, const char *type, const char *rest)
{
    fprintf(f, "{\"v\":1,\"id\":\"e%06d\",\"ts\":\"2025-03-15T14:%02d:%02d.%03dZ\",\"by\":\"carol\",\"type\":\"%s\"%s}\n",
            i, (i / 1000) / 60 % 60, (i / 1000) % 60, i % 1000, type, rest);
}

/* 3,000 items, each changed later; edits recorded out of order (by ts) and
 * one naming an event that arrives after it. */
static void test_items_and_edits(void **state)
{
    (void)state;
    private_log_path();
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    char rest[200];
    int n = 0;
    line(f, n++, "declare", ",\"title\":\"t\",\"sev\":2");
    for (int i = 1; i <= 3000; i++) {
        snprintf(rest, sizeof rest, ",\"item\":\"A%d\",\"text\":\"item %d\",\"owner\":\"dave\"", i, i);
        line(f, n++, "action", rest);
    }
    for (int i = 3000; i >= 1; i -= 7) {
        snprintf(rest, sizeof rest, ",\"item\":\"A%d\",\"status\":\"done\"", i);
        line(f, n++, "action", rest);
    }
    line(f, n++, "note", ",\"text\":\"first\"");    /* e006430 */
    int note = n - 1;
    /* two edits of the note: the later-recorded one (ts larger) is written first */
    snprintf(rest, sizeof rest, ",\"target\":\"e%06d\",\"set\":{\"text\":\"second edit\"}", note);
    line(f, n + 5, "edit", rest);
    snprintf(rest, sizeof rest, ",\"target\":\"e%06d\",\"set\":{\"text\":\"first edit\"}", note);
    line(f, n++, "edit", rest);
    line(f, n + 10, "edit", ",\"target\":\"e999999\",\"set\":{\"text\":\"late target\"}");
    fclose(f);

    struct incident *inc;
    int rc = incident_load(&inc, "inc-20250315-t", path);
    if (rc < 0)
        fprintf(stderr, "%s\n", error_last());
    assert_int_equal(rc, 0);
    assert_int_equal(inc->nactions, 3000);
    for (int i = 1; i <= 3000; i++) {
        char item[16];
        snprintf(item, sizeof item, "A%d", i);
        const struct action_item *a = incident_action(inc, item);
        assert_non_null(a);
        assert_string_equal(a->item, item);
        assert_string_equal(a->status, (3000 - i) % 7 == 0 ? "done" : "open");
    }
    assert_null(incident_action(inc, "A3001"));
    char next[16];
    incident_next_action_id(inc, next, sizeof next);
    assert_string_equal(next, "A3001");
    const struct timeline_entry *shown = NULL;
    for (size_t i = 0; i < inc->ntimeline; i++)
        if (strcmp(inc->timeline[i].ev->id, "e006430") == 0 || inc->timeline[i].ev->line == (unsigned)note + 1)
            shown = &inc->timeline[i];
    assert_non_null(shown);
    assert_string_equal(shown->text, "second edit");   /* applied by ts, not by line */
    assert_int_equal(shown->edits, 2);

    /* the late target arrives: the edit already read applies to it */
    f = fopen(path, "a");
    fprintf(f, "{\"v\":1,\"id\":\"e999999\",\"ts\":\"2025-03-15T15:00:00.000Z\",\"by\":\"carol\",\"type\":\"note\","
               "\"text\":\"late\"}\n");
    fclose(f);
    bool changed;
    assert_int_equal(incident_follow(inc, &changed), 0);
    assert_true(changed);
    const struct timeline_entry *last = &inc->timeline[inc->ntimeline - 1];
    assert_string_equal(last->ev->id, "e999999");
    assert_string_equal(last->text, "late target");
    incident_free(inc);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_put_find_grow),
        cmocka_unit_test(test_items_and_edits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
