/* Tests for following a log: what incident_follow folds in as it arrives
 * (notes, edits of earlier entries, action items, roles, updates, deliveries,
 * back-dated entries, edits recorded out of order) is exactly what a fresh
 * replay of the same bytes gives, and the common cases (an edit included)
 * are folded without a full replay. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "warroom/incident.h"
#include "warroom/stamp.h"

static const char *nz(const char *s)
{
    return s ? s : "(null)";
}

static void assert_same(const struct incident *a, const struct incident *b)
{
    assert_int_equal(a->nevents, b->nevents);
    assert_int_equal(a->ntimeline, b->ntimeline);
    for (size_t i = 0; i < a->ntimeline; i++) {
        const struct timeline_entry *x = &a->timeline[i], *y = &b->timeline[i];
        assert_string_equal(x->ev->id, y->ev->id);
        assert_true(x->at == y->at);
        assert_true(x->happened == y->happened);
        assert_string_equal(x->text, y->text);
        assert_int_equal(x->edits, y->edits);
    }
    assert_string_equal(nz(a->title), nz(b->title));
    assert_int_equal(a->sev, b->sev);
    assert_int_equal(a->status, b->status);
    assert_true(a->declared_at == b->declared_at && a->last_update_at == b->last_update_at &&
                a->resolved_at == b->resolved_at && a->first_alert_at == b->first_alert_at);
    for (int r = 0; r < ROLE_COUNT; r++)
        assert_string_equal(a->holder[r], b->holder[r]);
    assert_int_equal(a->nsmes, b->nsmes);
    assert_int_equal(a->nroles, b->nroles);
    assert_int_equal(a->nupdates, b->nupdates);
    assert_int_equal(a->nedits, b->nedits);
    assert_int_equal(a->nactions, b->nactions);
    for (size_t i = 0; i < a->nactions; i++) {
        const struct action_item *x = &a->actions[i], *y = incident_action(b, a->actions[i].item);
        assert_non_null(y);
        assert_string_equal(x->text, y->text);
        assert_string_equal(x->owner, y->owner);
        assert_string_equal(x->status, y->status);
    }
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
        snprintf(dir, sizeof dir, "/tmp/warroom-follow.XXXXXX");
        assert_non_null(mkdtemp(dir));
        atexit(remove_dir);
    }
    snprintf(path, sizeof path, "%s/events.jsonl", dir);
}
static char ids[4000][16];
static int nids;
static const char *last_target;

static void stamp(char *out, size_t size, int64_t t)
{
    char iso[STAMP_TEXT_MAX];
    snprintf(out, size, "%s", stamp_format_iso(iso, t));
}

/* One record of a busy incident, number I; KIND picks its type. */
static void record(FILE *f, int i, int kind, int64_t t0)
{
    char ts[STAMP_TEXT_MAX], at[STAMP_TEXT_MAX + 16] = "", id[16];
    snprintf(id, sizeof id, "e%06d", i);
    int64_t when = t0 + (int64_t)i * 1000;
    if (kind == 9)
        when -= 30 * 60000;               /* an edit recorded before the ones already read */
    stamp(ts, sizeof ts, when);
    fprintf(f, "{\"v\":1,\"id\":\"%s\",\"ts\":\"%s\",\"by\":\"carol\",", id, ts);
    switch (kind) {
    case 0:
        fprintf(f, "\"type\":\"declare\",\"title\":\"Checkout\",\"sev\":2}\n");
        break;
    case 1:   /* a note, sometimes back-dated */
        if (i % 11 == 0) {
            stamp(at, sizeof at, when - 5 * 60000);
            fprintf(f, "\"at\":\"%s\",", at);
        }
        fprintf(f, "\"type\":\"note\",\"text\":\"note %d\"}\n", i);
        snprintf(ids[nids++ % 4000], 16, "%s", id);
        break;
    case 2:   /* an edit of an earlier note */
        last_target = ids[(i * 7) % (nids < 4000 ? nids : 4000)];
        fprintf(f, "\"type\":\"edit\",\"target\":\"%s\",\"set\":{\"text\":\"edited by %d\"}}\n",
                last_target, i);
        break;
    case 9:   /* an edit of the note edited last, recorded before that edit */
        fprintf(f, "\"type\":\"edit\",\"target\":\"%s\",\"set\":{\"text\":\"edited early by %d\"}}\n",
                last_target ? last_target : ids[0], i);
        break;
    case 3:
        fprintf(f, "\"type\":\"action\",\"item\":\"A%d\",\"text\":\"do %d\",\"owner\":\"dave\"}\n", i % 40, i);
        break;
    case 4:
        fprintf(f, "\"type\":\"role\",\"role\":\"%s\",\"name\":\"p%d\"}\n", i % 2 ? "ic" : "sme", i % 5);
        break;
    case 5:
        fprintf(f, "\"type\":\"update\",\"state\":\"identified\",\"text\":\"u %d\"}\n", i);
        break;
    case 6:
        fprintf(f, "\"type\":\"delivery\",\"update\":\"e%06d\",\"sink\":\"file\",\"outcome\":\"delivered\","
                   "\"attempt\":1}\n",
                i - 1);
        break;
    case 7:   /* an edit that moves its entry */
        stamp(at, sizeof at, when - 90000);
        fprintf(f, "\"type\":\"edit\",\"target\":\"%s\",\"set\":{\"at\":\"%s\"}}\n", ids[(i * 3) % nids], at);
        break;
    default:
        fprintf(f, "\"type\":\"alert\",\"text\":\"alert %d\"}\n", i);
    }
}

static int kind_of(int i, bool rare)
{
    if (i == 0)
        return 0;
    int r = (i * 37) % 100;
    if (r < 60)
        return 1;
    if (r < 70)
        return 2;
    if (r < 78)
        return 3;
    if (r < 84)
        return 4;
    if (r < 90)
        return 5;
    if (r < 95)
        return i > 1 && (((i - 1) * 37) % 100) >= 84 && (((i - 1) * 37) % 100) < 90 ? 6 : 1;
    if (rare && r == 97)
        return 7;
    if (rare && r == 98)
        return 9;
    return 8;
}

/* Appends records in batches of 1 to 5, following after each, and compares
 * with a fresh replay at every step. RARE adds edits that move an entry or
 * were recorded before earlier ones: those take a full replay. */
static void follow_and_compare(bool rare, unsigned long *derives)
{
    private_log_path();
    nids = 0;
    last_target = NULL;
    int64_t t0;
    stamp_parse_iso(&t0, "2025-03-15T14:00:00Z");
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    int i = 0;
    for (; i < 200; i++)
        record(f, i, kind_of(i, rare), t0);
    fclose(f);
    struct incident *followed;
    assert_int_equal(incident_load(&followed, "inc-20250315-f", path), 0);
    unsigned long before = incident_count_derives();
    while (i < 2500) {
        f = fopen(path, "a");
        for (int n = 1 + i % 5; n > 0; n--, i++)
            record(f, i, kind_of(i, rare), t0);
        fclose(f);
        bool changed;
        assert_int_equal(incident_follow(followed, &changed), 0);
        assert_true(changed);
        if (i % 50 < 5 || i > 2480) {
            unsigned long mark = incident_count_derives();
            struct incident *fresh;
            assert_int_equal(incident_load(&fresh, "inc-20250315-f", path), 0);
            assert_same(followed, fresh);
            incident_free(fresh);
            before += incident_count_derives() - mark;   /* the fresh replay's own */
        }
    }
    *derives = incident_count_derives() - before;
    incident_free(followed);
    unlink(path);
}

static void test_follow_folds_edits(void **state)
{
    (void)state;
    unsigned long derives;
    follow_and_compare(false, &derives);
    /* back-dated notes take a full replay; edits, items, roles, updates and
     * deliveries do not: far fewer full replays than batches */
    assert_true(derives < 200);
}

static void test_follow_rare_edits(void **state)
{
    (void)state;
    unsigned long derives;
    follow_and_compare(true, &derives);
}

/* Nothing but notes and edits of text: not one full replay. */
static void test_edit_folds_without_replay(void **state)
{
    (void)state;
    private_log_path();
    nids = 0;
    int64_t t0;
    stamp_parse_iso(&t0, "2025-03-15T14:00:00Z");
    FILE *f = fopen(path, "w");
    record(f, 0, 0, t0);
    for (int i = 1; i < 50; i++)
        record(f, i, 1, t0);
    fclose(f);
    struct incident *inc;
    assert_int_equal(incident_load(&inc, "inc-20250315-f", path), 0);
    unsigned long before = incident_count_derives();
    for (int i = 50; i < 400; i++) {
        f = fopen(path, "a");
        record(f, i, i % 3 ? (i % 11 ? 1 : 8) : 2, t0);   /* no back-dated note */
        fclose(f);
        bool changed;
        assert_int_equal(incident_follow(inc, &changed), 0);
    }
    assert_int_equal(incident_count_derives() - before, 0);
    struct incident *fresh;
    assert_int_equal(incident_load(&fresh, "inc-20250315-f", path), 0);
    assert_same(inc, fresh);
    incident_free(fresh);
    incident_free(inc);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_follow_folds_edits),
        cmocka_unit_test(test_follow_rare_edits),
        cmocka_unit_test(test_edit_folds_without_replay),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
