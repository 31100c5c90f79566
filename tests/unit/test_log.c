/* The event log: append, follow, torn tails, damage, limits, and replay on top. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "warroom/error.h"
#include "warroom/incident.h"
#include "warroom/log.h"
#include "warroom/stamp.h"

struct world {
    char dir[64];
    char path[96];
    struct incident_log log;
};

static int setup(void **state)
{
    struct world *w = calloc(1, sizeof *w);
    snprintf(w->dir, sizeof w->dir, "/tmp/warroom-log.XXXXXX");
    assert_non_null(mkdtemp(w->dir));
    snprintf(w->path, sizeof w->path, "%s/events.jsonl", w->dir);
    assert_int_equal(log_open(&w->log, w->path), 0);
    *state = w;
    return 0;
}

static int teardown(void **state)
{
    struct world *w = *state;
    log_close(&w->log);
    unlink(w->path);
    rmdir(w->dir);
    free(w);
    return 0;
}

static void note(struct world *w, const char *text, char *id_out)
{
    struct event_draft d;
    event_draft_init(&d, EVENT_NOTE, "tester");
    event_draft_str(&d, "text", text);
    assert_int_equal(log_append(&w->log, &d), 0);
    if (id_out)
        strcpy(id_out, d.id);
    event_draft_free(&d);
}

static void raw(struct world *w, const char *bytes)
{
    int fd = open(w->path, O_WRONLY | O_APPEND);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, bytes, strlen(bytes)), (ssize_t)strlen(bytes));
    close(fd);
}

static int count_events(void *ctx, struct event *ev)
{
    (void)ev;
    (*(int *)ctx)++;
    return 0;
}

static void test_created_0600(void **state)
{
    struct world *w = *state;
    struct stat st;
    assert_int_equal(stat(w->path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
}

static void test_append_reads_back(void **state)
{
    struct world *w = *state;
    char id[EVENT_ID_MAX + 1];
    note(w, "first\nsecond line", id);
    struct incident *inc;
    assert_int_equal(incident_load(&inc, "inc-x", w->path), 0);
    assert_int_equal(inc->nevents, 1);
    assert_string_equal(inc->events[0]->id, id);
    assert_string_equal(event_str(inc->events[0], "text"), "first\nsecond line");
    assert_string_equal(inc->events[0]->by, "tester");
    assert_int_equal(inc->events[0]->line, 1);
    incident_free(inc);
}

static void test_record_over_limit_refused(void **state)
{
    struct world *w = *state;
    char *big = malloc(EVENT_RECORD_MAX + 10);
    memset(big, 'x', EVENT_RECORD_MAX + 9);
    big[EVENT_RECORD_MAX + 9] = '\0';
    struct event_draft d;
    event_draft_init(&d, EVENT_NOTE, "tester");
    event_draft_str(&d, "text", big);
    assert_int_equal(log_append(&w->log, &d), -1);
    assert_non_null(strstr(error_last(), "over the limit of 64 KiB"));
    event_draft_free(&d);
    free(big);
    struct stat st;
    assert_int_equal(stat(w->path, &st), 0);
    assert_int_equal(st.st_size, 0);      /* nothing written */
}

static void test_follow_sees_new_records_only_when_whole(void **state)
{
    struct world *w = *state;
    struct log_reader r;
    int n = 0;
    note(w, "one", NULL);
    assert_int_equal(log_reader_open(&r, w->path), 0);
    assert_int_equal(log_read(&r, LOG_FOLLOW, count_events, &n), 0);
    assert_int_equal(n, 1);
    /* a record still being written is left for the next read */
    raw(w, "{\"v\":1,\"id\":\"partial\",\"ts\":\"2025-03-15T14:00:00Z\",");
    assert_int_equal(log_read(&r, LOG_FOLLOW, count_events, &n), 0);
    assert_int_equal(n, 1);
    raw(w, "\"type\":\"note\",\"text\":\"done\"}\n");
    assert_int_equal(log_read(&r, LOG_FOLLOW, count_events, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(r.nwarnings, 0);
    log_reader_close(&r);
}

static void test_torn_tail_set_aside_then_closed(void **state)
{
    struct world *w = *state;
    note(w, "whole", NULL);
    raw(w, "{\"v\":1,\"id\":\"torn\",\"ts\":\"2025-03");   /* a writer died here */
    struct incident *inc;
    assert_int_equal(incident_load(&inc, "inc-x", w->path), 0);
    assert_int_equal(inc->nevents, 1);
    assert_int_equal(inc->reader.nwarnings, 1);
    assert_non_null(strstr(inc->reader.warnings[0], "line 2: the last record is torn"));
    /* the console keeps following while the next append closes the torn line */
    char id[EVENT_ID_MAX + 1];
    note(w, "after", id);
    bool changed = false;
    assert_int_equal(incident_follow(inc, &changed), 0);
    assert_true(changed);
    assert_non_null(incident_find(inc, id));
    assert_int_equal(inc->ntimeline, 2);
    assert_int_equal(inc->reader.nwarnings, 1);     /* reported once, not again when closed */
    incident_free(inc);
    /* and a fresh replay sets the torn line aside without calling it damage */
    assert_int_equal(incident_load(&inc, "inc-x", w->path), 0);
    assert_int_equal(inc->ntimeline, 2);
    assert_int_equal(inc->reader.nwarnings, 1);
    assert_non_null(strstr(inc->reader.warnings[0], "line 2: a torn record"));
    incident_free(inc);
}

static void test_damage_in_the_middle_names_the_line(void **state)
{
    struct world *w = *state;
    note(w, "one", NULL);
    raw(w, "not json at all\n");
    note(w, "three", NULL);
    struct incident *inc;
    assert_int_equal(incident_load(&inc, "inc-x", w->path), -1);
    assert_null(inc);
    assert_non_null(strstr(error_last(), "events.jsonl:2: damaged record"));
}

static void test_damage_at_the_end_with_newline(void **state)
{
    struct world *w = *state;
    note(w, "one", NULL);
    raw(w, "{\"v\":1}\n");                   /* complete line, not a record */
    struct incident *inc;
    assert_int_equal(incident_load(&inc, "inc-x", w->path), -1);
    assert_non_null(strstr(error_last(), ":2: damaged record (the record has no valid \"id\")"));
}

static void test_repeated_id_counts_once(void **state)
{
    struct world *w = *state;
    raw(w, "{\"v\":1,\"id\":\"same\",\"ts\":\"2025-03-15T14:00:00Z\",\"type\":\"note\",\"text\":\"a\"}\n");
    raw(w, "{\"v\":1,\"id\":\"same\",\"ts\":\"2025-03-15T14:00:00Z\",\"type\":\"note\",\"text\":\"a\"}\n");
    struct incident *inc;
    assert_int_equal(incident_load(&inc, "inc-x", w->path), 0);
    assert_int_equal(inc->nevents, 1);
    incident_free(inc);
}

/* A fixed clock (WARROOM_NOW) stamps every entry alike: they keep the order
 * they were appended in, and no stamp is changed to make them differ. */
static void append_at(struct world *w, enum event_type type, int64_t at, const char *text);

static void test_same_stamp_keeps_append_order(void **state)
{
    struct world *w = *state;
    setenv("WARROOM_NOW", "2025-03-15T14:00:00Z", 1);
    note(w, "a", NULL);
    note(w, "b", NULL);
    note(w, "c", NULL);
    unsetenv("WARROOM_NOW");
    struct incident *inc;
    assert_int_equal(incident_load(&inc, "inc-x", w->path), 0);
    assert_int_equal(inc->nevents, 3);
    assert_int_equal(inc->events[0]->ts, inc->events[2]->ts);
    assert_string_equal(inc->timeline[0].text, "a");
    assert_string_equal(inc->timeline[1].text, "b");
    assert_string_equal(inc->timeline[2].text, "c");
    incident_free(inc);
}

/* One record stamped 3 h ahead (a wrong clock, a crafted line) moves no other
 * entry, is flagged, and counts as of when it was read. */
static void test_a_stamp_ahead_moves_nothing(void **state)
{
    struct world *w = *state;
    int64_t now = stamp_now();
    char line[256], iso[STAMP_TEXT_MAX];
    snprintf(line, sizeof line, "{\"v\":1,\"id\":\"ahead\",\"ts\":\"%s\",\"type\":\"ack\"}\n",
             stamp_format_iso(iso, now + 3 * STAMP_HOUR + 30 * STAMP_SECOND));
    append_at(w, EVENT_DECLARE, now - 10 * STAMP_MINUTE, NULL);
    raw(w, line);
    char id[EVENT_ID_MAX + 1];
    note(w, "after it", id);
    struct incident *inc;
    assert_int_equal(incident_load(&inc, "inc-x", w->path), 0);
    const struct event *after = incident_find(inc, id);
    assert_true(after->ts <= stamp_now());            /* its own clock, not 3 h on */
    assert_true(after->ts >= now);
    assert_int_equal(inc->nahead, 1);
    assert_true(incident_find(inc, "ahead")->ahead);
    assert_int_equal(inc->reader.nwarnings, 1);
    assert_non_null(strstr(inc->reader.warnings[0], "line 2: stamped "));
    assert_non_null(strstr(inc->reader.warnings[0], "3h00m ahead of this machine's clock"));
    /* shown where it says: last; but acknowledged by now, not in 3 h */
    assert_string_equal(inc->timeline[inc->ntimeline - 1].ev->id, "ahead");
    assert_string_equal(inc->timeline[1].text, "after it");
    assert_true(inc->acked_at != STAMP_NONE && inc->acked_at <= stamp_now());
    incident_free(inc);
}

static void test_edit_keeps_audit_trail(void **state)
{
    struct world *w = *state;
    char id[EVENT_ID_MAX + 1];
    note(w, "deploy pushed", id);
    struct event_draft d;
    event_draft_init(&d, EVENT_EDIT, "carol");
    event_draft_str(&d, "target", id);
    event_draft_str(&d, "set.text", "deploy #4521 pushed");
    event_draft_str(&d, "set.at", "2020-01-01T00:00:00Z");
    assert_int_equal(log_append(&w->log, &d), 0);
    event_draft_free(&d);
    note(w, "later", NULL);
    struct incident *inc;
    assert_int_equal(incident_load(&inc, "inc-x", w->path), 0);
    assert_int_equal(inc->nevents, 3);              /* both kept */
    assert_int_equal(inc->ntimeline, 2);            /* the edit itself is not an entry */
    assert_string_equal(inc->timeline[0].text, "deploy #4521 pushed");
    assert_int_equal(inc->timeline[0].edits, 1);
    assert_string_equal(event_str(incident_find(inc, id), "text"), "deploy pushed");
    incident_free(inc);
}

static void append_at(struct world *w, enum event_type type, int64_t at, const char *text)
{
    struct event_draft d;
    event_draft_init(&d, type, "tester");
    d.at = at;
    if (type == EVENT_DECLARE) {
        event_draft_str(&d, "title", "t");
        event_draft_int(&d, "sev", 2);
    } else if (text) {
        event_draft_str(&d, "text", text);
    }
    assert_int_equal(log_append(&w->log, &d), 0);
    event_draft_free(&d);
}

static void expect_same(const struct incident *a, const struct incident *b)
{
    assert_int_equal(a->ntimeline, b->ntimeline);
    for (size_t i = 0; i < a->ntimeline; i++) {
        assert_string_equal(a->timeline[i].ev->id, b->timeline[i].ev->id);
        assert_string_equal(a->timeline[i].text, b->timeline[i].text);
        assert_int_equal(a->timeline[i].at, b->timeline[i].at);
    }
    assert_int_equal(a->detected_at, b->detected_at);
    assert_int_equal(a->impact_at, b->impact_at);
    assert_int_equal(a->acked_at, b->acked_at);
    assert_int_equal(a->status, b->status);
}

/* Following folds appended events in without a full replay when it can; the
 * result must be what a fresh load gives, whatever arrives. */
static void test_follow_equals_load(void **state)
{
    struct world *w = *state;
    int64_t now = stamp_now();
    append_at(w, EVENT_DECLARE, now - 60 * STAMP_MINUTE, NULL);
    append_at(w, EVENT_NOTE, now - 50 * STAMP_MINUTE, "one");
    struct incident *live, *fresh;
    assert_int_equal(incident_load(&live, "inc-x", w->path), 0);
    assert_int_equal(live->detected_at, live->declared_at);  /* no alert yet */
    bool changed;
    /* in order: the quick path */
    append_at(w, EVENT_ALERT, now - 40 * STAMP_MINUTE, "alert after the declaration");
    append_at(w, EVENT_ACK, now - 39 * STAMP_MINUTE, NULL);
    assert_int_equal(incident_follow(live, &changed), 0);
    assert_int_equal(incident_load(&fresh, "inc-x", w->path), 0);
    expect_same(live, fresh);
    assert_int_equal(live->detected_at, now - 40 * STAMP_MINUTE);
    incident_free(fresh);
    /* back-dated before the declaration: impact and order change */
    append_at(w, EVENT_IMPACT, now - 70 * STAMP_MINUTE, "it began earlier");
    assert_int_equal(incident_follow(live, &changed), 0);
    assert_int_equal(incident_load(&fresh, "inc-x", w->path), 0);
    expect_same(live, fresh);
    assert_int_equal(live->impact_at, now - 70 * STAMP_MINUTE);
    incident_free(fresh);
    /* an edit of an earlier entry */
    struct event_draft d;
    event_draft_init(&d, EVENT_EDIT, "tester");
    event_draft_str(&d, "target", live->timeline[2].ev->id);
    event_draft_str(&d, "set.text", "one, corrected");
    assert_int_equal(log_append(&w->log, &d), 0);
    event_draft_free(&d);
    append_at(w, EVENT_NOTE, now, "after the edit");
    assert_int_equal(incident_follow(live, &changed), 0);
    assert_int_equal(incident_load(&fresh, "inc-x", w->path), 0);
    expect_same(live, fresh);
    incident_free(fresh);
    incident_free(live);
}

/* A write that failed after all but its newline landed leaves a whole record
 * on the last line: the next append closes it and its torn record retires it,
 * though it parses, since the failure was reported. */
static void test_torn_record_retires_a_parseable_line(void **state)
{
    struct world *w = *state;
    note(w, "before", NULL);
    raw(w, "{\"v\":1,\"id\":\"failed\",\"ts\":\"2025-03-15T14:00:00Z\",\"type\":\"note\",\"text\":\"x\"}");
    char id[EVENT_ID_MAX + 1];
    note(w, "retry", id);
    struct incident *inc;
    assert_int_equal(incident_load(&inc, "inc-x", w->path), 0);
    assert_null(incident_find(inc, "failed"));
    assert_non_null(incident_find(inc, id));
    assert_int_equal(inc->ntimeline, 2);
    assert_int_equal(inc->reader.nwarnings, 1);
    assert_non_null(strstr(inc->reader.warnings[0], "line 2: a torn record"));
    incident_free(inc);
}

/* A torn record that retires what a follower already replayed (only a torn
 * record naming complete records does that) makes the follower start again. */
static void test_follow_replays_afresh_when_a_torn_record_retires_seen_events(void **state)
{
    struct world *w = *state;
    char id[EVENT_ID_MAX + 1];
    note(w, "kept", NULL);
    struct stat st;
    assert_int_equal(stat(w->path, &st), 0);
    note(w, "retired", id);
    struct incident *inc;
    assert_int_equal(incident_load(&inc, "inc-x", w->path), 0);
    assert_non_null(incident_find(inc, id));
    char torn[256];
    snprintf(torn, sizeof torn, "{\"v\":1,\"id\":\"t1\",\"ts\":\"2025-03-15T14:00:00Z\",\"type\":\"torn\",\"offset\":%lld}\n",
             (long long)st.st_size);
    raw(w, torn);
    bool changed = false;
    assert_int_equal(incident_follow(inc, &changed), 0);
    assert_true(changed);
    assert_null(incident_find(inc, id));
    assert_int_equal(inc->ntimeline, 1);
    assert_string_equal(inc->timeline[0].text, "kept");
    incident_free(inc);
}

/* A torn record must name a region a torn write can leave. */
static void test_torn_record_beyond_any_region_is_damage(void **state)
{
    struct world *w = *state;
    raw(w, "{\"v\":1,\"id\":\"t1\",\"ts\":\"2025-03-15T14:00:00Z\",\"type\":\"torn\",\"offset\":999}\n");
    struct incident *inc;
    assert_int_equal(incident_load(&inc, "inc-x", w->path), -1);
    assert_non_null(strstr(error_last(), ":1: damaged record (a torn record that does not say"));
}

/* A stamp past 9999 (a clock run past the end, WARROOM_NOW) is refused before
 * anything is written: a five-digit year would make the log unreadable. */
static void test_stamp_past_9999_is_refused(void **state)
{
    struct world *w = *state;
    note(w, "before", NULL);
    struct stat before, after;
    assert_int_equal(stat(w->path, &before), 0);
    struct event_draft d;
    event_draft_init(&d, EVENT_NOTE, "tester");
    event_draft_str(&d, "text", "at the end of time");
    d.ts = STAMP_MAX + 1;
    assert_int_equal(log_append(&w->log, &d), -1);
    assert_non_null(strstr(error_last(), "10000-01-01T00:00:00.000Z is outside the years 0001 to 9999"));
    d.ts = STAMP_MAX;
    d.at = STAMP_MAX + 1;
    assert_int_equal(log_append(&w->log, &d), -1);
    event_draft_free(&d);
    assert_int_equal(stat(w->path, &after), 0);
    assert_int_equal(after.st_size, before.st_size);
    struct incident *inc;
    assert_int_equal(incident_load(&inc, "inc-x", w->path), 0);
    incident_free(inc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_created_0600, setup, teardown),
        cmocka_unit_test_setup_teardown(test_append_reads_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_record_over_limit_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_follow_sees_new_records_only_when_whole, setup, teardown),
        cmocka_unit_test_setup_teardown(test_torn_tail_set_aside_then_closed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_damage_in_the_middle_names_the_line, setup, teardown),
        cmocka_unit_test_setup_teardown(test_damage_at_the_end_with_newline, setup, teardown),
        cmocka_unit_test_setup_teardown(test_repeated_id_counts_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_same_stamp_keeps_append_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_stamp_ahead_moves_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_edit_keeps_audit_trail, setup, teardown),
        cmocka_unit_test_setup_teardown(test_follow_equals_load, setup, teardown),
        cmocka_unit_test_setup_teardown(test_torn_record_retires_a_parseable_line, setup, teardown),
        cmocka_unit_test_setup_teardown(test_follow_replays_afresh_when_a_torn_record_retires_seen_events, setup, teardown),
        cmocka_unit_test_setup_teardown(test_torn_record_beyond_any_region_is_damage, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stamp_past_9999_is_refused, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
