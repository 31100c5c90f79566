/* Clocks, table-driven with a fixed clock: for every severity of the default
 * policy and of a custom three-level one, one second before, at and after
 * each deadline. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "warroom/clock.h"
#include "warroom/error.h"
#include "warroom/log.h"
#include "warroom/stamp.h"

#define T0 INT64_C(1742048700000) /* 2025-03-15T14:25:00Z */
#define S STAMP_SECOND
#define M STAMP_MINUTE
#define H STAMP_HOUR

struct world {
    char dir[64];
    char path[96];
    struct incident_log log;
};

static int world_setup(void **state)
{
    struct world *w = calloc(1, sizeof *w);
    snprintf(w->dir, sizeof w->dir, "/tmp/warroom-clock.XXXXXX");
    assert_non_null(mkdtemp(w->dir));
    snprintf(w->path, sizeof w->path, "%s/events.jsonl", w->dir);
    assert_int_equal(log_open(&w->log, w->path), 0);
    *state = w;
    return 0;
}

static int world_teardown(void **state)
{
    struct world *w = *state;
    log_close(&w->log);
    unlink(w->path);
    rmdir(w->dir);
    free(w);
    return 0;
}

static void add(struct world *w, enum event_type type, int64_t at, const char *key, const char *value)
{
    struct event_draft d;
    event_draft_init(&d, type, "tester");
    d.at = at;
    d.ts = at;
    if (key && strcmp(key, "sev") == 0)
        event_draft_int(&d, key, atoi(value));
    else if (key)
        event_draft_str(&d, key, value);
    if (type == EVENT_DECLARE)
        event_draft_str(&d, "title", "checkout down");
    assert_int_equal(log_append(&w->log, &d), 0);
    event_draft_free(&d);
}

static void declare(struct world *w, int sev)
{
    char s[4];
    snprintf(s, sizeof s, "%d", sev);
    add(w, EVENT_DECLARE, T0, "sev", s);
}

static struct incident *load(struct world *w)
{
    struct incident *inc;
    assert_int_equal(incident_load(&inc, "inc-20250315-checkout-down", w->path), 0);
    return inc;
}

/* The clock with LABEL (and, for escalations, rule id RULE), or NULL. */
static const struct clock *find(const struct clock *clocks, size_t n, enum clock_kind kind, const char *rule)
{
    for (size_t i = 0; i < n; i++)
        if (clocks[i].kind == kind && (!rule || (clocks[i].rule && strcmp(clocks[i].rule->id, rule) == 0)))
            return &clocks[i];
    return NULL;
}

/* Asserts the clock's deadline, and its state one second before, at and after. */
static void expect_deadline(const struct incident *inc, const struct policy *p, enum clock_kind kind,
                            const char *rule, int64_t deadline)
{
    static const struct { int64_t offset; enum clock_state state; } probes[] = {
        {-S, CLOCK_PENDING}, {0, CLOCK_OVERDUE}, {S, CLOCK_OVERDUE},
    };
    for (size_t i = 0; i < 3; i++) {
        struct clock clocks[CLOCK_MAX];
        size_t n = clock_compute(inc, p, deadline + probes[i].offset, clocks);
        const struct clock *c = find(clocks, n, kind, rule);
        if (!c)
            fail_msg("no %s clock %s", clock_kind_name(kind), rule ? rule : "");
        assert_int_equal(c->deadline, deadline);
        if (c->state != probes[i].state)
            fail_msg("%s %s at deadline%+llds: %s, expected %s", clock_kind_name(kind), rule ? rule : "",
                     (long long)(probes[i].offset / S), clock_state_name(c->state),
                     clock_state_name(probes[i].state));
    }
}

static void expect_absent(const struct incident *inc, const struct policy *p, enum clock_kind kind, const char *rule)
{
    struct clock clocks[CLOCK_MAX];
    size_t n = clock_compute(inc, p, T0 + M, clocks);
    if (find(clocks, n, kind, rule))
        fail_msg("unexpected %s clock %s", clock_kind_name(kind), rule ? rule : "");
}

/* ---- the default ladder ---- */

struct level_case {
    int sev;
    int64_t ack, update, mitigate;   /* 0: no such clock */
    bool executives;                 /* SEV1 notifies VP Eng + CTO at once */
};

static const struct level_case default_levels[] = {
    {1, 5 * M, 15 * M, 1 * H, true},
    {2, 15 * M, 30 * M, 4 * H, false},
    {3, 60 * M, 0, 0, false},
    {4, 60 * M, 0, 0, false},
};

static void test_default_ladder(void **state)
{
    (void)state;
    struct policy p;
    assert_int_equal(policy_builtin(&p), 0);
    for (size_t i = 0; i < sizeof default_levels / sizeof *default_levels; i++) {
        const struct level_case *lc = &default_levels[i];
        struct world *w;
        world_setup((void **)&w);
        declare(w, lc->sev);
        struct incident *inc = load(w);
        expect_deadline(inc, &p, CLOCK_ACK, NULL, T0 + lc->ack);
        if (lc->update)
            expect_deadline(inc, &p, CLOCK_UPDATE, NULL, T0 + lc->update);
        else
            expect_absent(inc, &p, CLOCK_UPDATE, NULL);
        if (lc->mitigate)
            expect_deadline(inc, &p, CLOCK_MITIGATE, NULL, T0 + lc->mitigate);
        else
            expect_absent(inc, &p, CLOCK_MITIGATE, NULL);
        expect_deadline(inc, &p, CLOCK_ESCALATION, "ack-secondary", T0 + 5 * M);
        expect_deadline(inc, &p, CLOCK_ESCALATION, "ack-manager", T0 + 15 * M);
        expect_deadline(inc, &p, CLOCK_ESCALATION, "more-responders", T0 + 30 * M);
        if (lc->executives)
            expect_deadline(inc, &p, CLOCK_ESCALATION, "sev1-executives", T0);
        else
            expect_absent(inc, &p, CLOCK_ESCALATION, "sev1-executives");
        expect_absent(inc, &p, CLOCK_ESCALATION, "data-exposure");
        expect_absent(inc, &p, CLOCK_POSTMORTEM, NULL);
        incident_free(inc);
        world_teardown((void **)&w);
    }
    policy_free(&p);
}

static enum clock_state state_at(const struct incident *inc, const struct policy *p, int64_t now,
                                 enum clock_kind kind, const char *rule)
{
    struct clock clocks[CLOCK_MAX];
    size_t n = clock_compute(inc, p, now, clocks);
    const struct clock *c = find(clocks, n, kind, rule);
    assert_non_null(c);
    return c->state;
}

static void test_ack_meets_ack_clocks(void **state)
{
    struct world *w = *state;
    struct policy p;
    assert_int_equal(policy_builtin(&p), 0);
    declare(w, 1);
    add(w, EVENT_ACK, T0 + 3 * M, NULL, NULL);
    struct incident *inc = load(w);
    /* before the ack happened the clock was still running */
    assert_int_equal(state_at(inc, &p, T0 + 3 * M - S, CLOCK_ACK, NULL), CLOCK_PENDING);
    assert_int_equal(state_at(inc, &p, T0 + 3 * M, CLOCK_ACK, NULL), CLOCK_MET);
    assert_int_equal(state_at(inc, &p, T0 + 1 * H, CLOCK_ACK, NULL), CLOCK_MET);
    assert_int_equal(state_at(inc, &p, T0 + 1 * H, CLOCK_ESCALATION, "ack-secondary"), CLOCK_MET);
    assert_int_equal(state_at(inc, &p, T0 + 1 * H, CLOCK_ESCALATION, "ack-manager"), CLOCK_MET);
    /* an ack does not stop the mitigation clock */
    assert_int_equal(state_at(inc, &p, T0 + 1 * H, CLOCK_MITIGATE, NULL), CLOCK_OVERDUE);
    incident_free(inc);
    policy_free(&p);
}

static void test_late_ack_after_escalation(void **state)
{
    struct world *w = *state;
    struct policy p;
    assert_int_equal(policy_builtin(&p), 0);
    declare(w, 2);
    add(w, EVENT_ACK, T0 + 20 * M, NULL, NULL);
    struct incident *inc = load(w);
    /* at 16 min both steps had run out; once acked they stop counting */
    assert_int_equal(state_at(inc, &p, T0 + 16 * M, CLOCK_ESCALATION, "ack-manager"), CLOCK_OVERDUE);
    assert_int_equal(state_at(inc, &p, T0 + 21 * M, CLOCK_ESCALATION, "ack-manager"), CLOCK_MET);
    incident_free(inc);
    policy_free(&p);
}

static void test_update_restarts_cadence(void **state)
{
    struct world *w = *state;
    struct policy p;
    assert_int_equal(policy_builtin(&p), 0);
    declare(w, 1);
    add(w, EVENT_UPDATE, T0 + 10 * M, "state", "identified");
    struct incident *inc = load(w);
    expect_deadline(inc, &p, CLOCK_UPDATE, NULL, T0 + 10 * M + 15 * M);
    incident_free(inc);
    add(w, EVENT_UPDATE, T0 + 20 * M, "state", "monitoring");
    inc = load(w);
    expect_deadline(inc, &p, CLOCK_UPDATE, NULL, T0 + 20 * M + 15 * M);
    incident_free(inc);
    policy_free(&p);
}

static void test_severity_change_moves_deadlines(void **state)
{
    struct world *w = *state;
    struct policy p;
    assert_int_equal(policy_builtin(&p), 0);
    declare(w, 3);
    add(w, EVENT_SEV, T0 + 2 * M, "sev", "1");
    struct incident *inc = load(w);
    /* the clocks follow the current severity, from the declaration */
    expect_deadline(inc, &p, CLOCK_ACK, NULL, T0 + 5 * M);
    expect_deadline(inc, &p, CLOCK_MITIGATE, NULL, T0 + 1 * H);
    /* but the SEV1 step is due when the SEV1 began, not before */
    expect_deadline(inc, &p, CLOCK_ESCALATION, "sev1-executives", T0 + 2 * M);
    incident_free(inc);
    policy_free(&p);
}

static void test_mitigation_and_resolution(void **state)
{
    struct world *w = *state;
    struct policy p;
    assert_int_equal(policy_builtin(&p), 0);
    declare(w, 2);
    add(w, EVENT_MITIGATE, T0 + 40 * M, NULL, NULL);
    add(w, EVENT_RESOLVE, T0 + 2 * H, NULL, NULL);
    struct incident *inc = load(w);
    assert_int_equal(state_at(inc, &p, T0 + 39 * M, CLOCK_ESCALATION, "more-responders"), CLOCK_OVERDUE);
    assert_int_equal(state_at(inc, &p, T0 + 40 * M, CLOCK_ESCALATION, "more-responders"), CLOCK_MET);
    assert_int_equal(state_at(inc, &p, T0 + 3 * H, CLOCK_MITIGATE, NULL), CLOCK_MET);
    /* resolved: no more status updates are due, the postmortem is */
    expect_absent(inc, &p, CLOCK_UPDATE, NULL);
    expect_deadline(inc, &p, CLOCK_POSTMORTEM, NULL, T0 + 2 * H + 48 * H);
    incident_free(inc);
    add(w, EVENT_POSTMORTEM, T0 + 30 * H, "path", "postmortems/x.md");
    inc = load(w);
    assert_int_equal(state_at(inc, &p, T0 + 60 * H, CLOCK_POSTMORTEM, NULL), CLOCK_MET);
    incident_free(inc);
    policy_free(&p);
}

/* The customer email is due 24 h after a SEV1 or SEV2 is resolved; only an
 * email the server accepted meets it: an attempt, a deferral or a refusal
 * does not. */
static void test_customer_email_clock(void **state)
{
    struct world *w = *state;
    struct policy p;
    assert_int_equal(policy_builtin(&p), 0);
    declare(w, 2);
    struct incident *inc = load(w);
    expect_absent(inc, &p, CLOCK_EMAIL, NULL);          /* open: nothing due yet */
    incident_free(inc);
    add(w, EVENT_RESOLVE, T0 + 2 * H, NULL, NULL);
    inc = load(w);
    expect_deadline(inc, &p, CLOCK_EMAIL, NULL, T0 + 2 * H + 24 * H);
    incident_free(inc);
    add(w, EVENT_EMAIL, T0 + 3 * H, "status", "sending");
    add(w, EVENT_EMAIL, T0 + 3 * H, "status", "deferred");
    add(w, EVENT_EMAIL, T0 + 4 * H, "status", "refused");
    inc = load(w);
    expect_deadline(inc, &p, CLOCK_EMAIL, NULL, T0 + 2 * H + 24 * H);
    incident_free(inc);
    add(w, EVENT_EMAIL, T0 + 5 * H, "status", "sent");
    inc = load(w);
    assert_int_equal(state_at(inc, &p, T0 + 5 * H - S, CLOCK_EMAIL, NULL), CLOCK_PENDING);
    assert_int_equal(state_at(inc, &p, T0 + 60 * H, CLOCK_EMAIL, NULL), CLOCK_MET);
    incident_free(inc);
    policy_free(&p);
}

static void test_sev3_has_no_customer_email_clock(void **state)
{
    struct world *w = *state;
    struct policy p;
    assert_int_equal(policy_builtin(&p), 0);
    declare(w, 3);
    add(w, EVENT_RESOLVE, T0 + H, NULL, NULL);
    struct incident *inc = load(w);
    struct clock clocks[CLOCK_MAX];
    size_t n = clock_compute(inc, &p, T0 + 100 * H, clocks);
    assert_null(find(clocks, n, CLOCK_EMAIL, NULL));
    incident_free(inc);
    policy_free(&p);
}

static void test_sev3_has_no_postmortem_clock(void **state)
{
    struct world *w = *state;
    struct policy p;
    assert_int_equal(policy_builtin(&p), 0);
    declare(w, 3);
    add(w, EVENT_RESOLVE, T0 + H, NULL, NULL);
    struct incident *inc = load(w);
    struct clock clocks[CLOCK_MAX];
    size_t n = clock_compute(inc, &p, T0 + 100 * H, clocks);
    assert_null(find(clocks, n, CLOCK_POSTMORTEM, NULL));
    incident_free(inc);
    policy_free(&p);
}

static void test_data_exposure_rule(void **state)
{
    struct world *w = *state;
    struct policy p;
    assert_int_equal(policy_builtin(&p), 0);
    struct event_draft d;
    event_draft_init(&d, EVENT_DECLARE, "tester");
    d.at = d.ts = T0;
    event_draft_str(&d, "title", "leak");
    event_draft_int(&d, "sev", 2);
    event_draft_bool(&d, "data_exposed", true);
    assert_int_equal(log_append(&w->log, &d), 0);
    event_draft_free(&d);
    struct incident *inc = load(w);
    expect_deadline(inc, &p, CLOCK_ESCALATION, "data-exposure", T0);
    struct clock clocks[CLOCK_MAX];
    size_t n = clock_compute(inc, &p, T0, clocks);
    assert_string_equal(find(clocks, n, CLOCK_ESCALATION, "data-exposure")->label, "notify Security + Legal");
    incident_free(inc);
    policy_free(&p);
}

static void test_fired_escalation_is_marked(void **state)
{
    struct world *w = *state;
    struct policy p;
    assert_int_equal(policy_builtin(&p), 0);
    declare(w, 1);
    struct incident *inc = load(w);
    struct clock clocks[CLOCK_MAX];
    size_t n = clock_compute(inc, &p, T0 + 6 * M, clocks);
    const struct clock *c = find(clocks, n, CLOCK_ESCALATION, "ack-secondary");
    assert_false(c->fired);
    char id[EVENT_ID_MAX + 1];
    clock_escalation_id(id, sizeof id, inc->id, c->rule);
    assert_string_equal(id, "escalate:inc-20250315-checkout-down:ack-secondary");
    incident_free(inc);
    /* two consoles record the same step: same id, it counts once */
    for (int twice = 0; twice < 2; twice++) {
        struct event_draft d;
        event_draft_init(&d, EVENT_ESCALATE, "console");
        snprintf(d.id, sizeof d.id, "%s", id);
        d.at = d.ts = T0 + 5 * M;
        event_draft_str(&d, "rule", "ack-secondary");
        assert_int_equal(log_append(&w->log, &d), 0);
        event_draft_free(&d);
    }
    inc = load(w);
    n = clock_compute(inc, &p, T0 + 6 * M, clocks);
    assert_true(find(clocks, n, CLOCK_ESCALATION, "ack-secondary")->fired);
    assert_int_equal(inc->nfired, 1);
    incident_free(inc);
    policy_free(&p);
}

/* A step taken is done: it neither counts up as overdue nor sorts above the
 * clocks still running, however long ago it fired. */
static void test_done_step_is_done(void **state)
{
    struct world *w = *state;
    struct policy p;
    assert_int_equal(policy_builtin(&p), 0);
    declare(w, 1);
    struct event_draft d;
    event_draft_init(&d, EVENT_ESCALATE, "warroom");
    d.at = d.ts = T0;
    event_draft_str(&d, "rule", "sev1-executives");
    assert_int_equal(log_append(&w->log, &d), 0);
    event_draft_free(&d);
    struct incident *inc = load(w);
    struct clock clocks[CLOCK_MAX];
    size_t n = clock_compute(inc, &p, T0 + 52 * M, clocks);
    const struct clock *c = find(clocks, n, CLOCK_ESCALATION, "sev1-executives");
    assert_int_equal(c->state, CLOCK_DONE);
    assert_string_equal(clock_state_name(c->state), "done");
    assert_int_equal(c->met_at, T0);
    /* the acknowledge clock, overdue and running, comes before it */
    assert_int_equal(clocks[0].kind, CLOCK_ACK);
    assert_int_equal(clocks[0].state, CLOCK_OVERDUE);
    bool seen_settled = false;
    for (size_t i = 0; i < n; i++) {
        bool settled = clocks[i].state == CLOCK_MET || clocks[i].state == CLOCK_DONE;
        assert_true(settled || !seen_settled);
        seen_settled |= settled;
    }
    incident_free(inc);
    policy_free(&p);
}

static void test_clocks_sorted_soonest_first(void **state)
{
    struct world *w = *state;
    struct policy p;
    assert_int_equal(policy_builtin(&p), 0);
    declare(w, 1);
    add(w, EVENT_ACK, T0 + M, NULL, NULL);
    struct incident *inc = load(w);
    struct clock clocks[CLOCK_MAX];
    size_t n = clock_compute(inc, &p, T0 + 2 * M, clocks);
    assert_true(n >= 5);
    bool seen_met = false;
    for (size_t i = 0; i < n; i++) {
        if (clocks[i].state == CLOCK_MET)
            seen_met = true;
        else
            assert_false(seen_met);       /* running clocks first */
        if (i > 0 && clocks[i].state != CLOCK_MET && clocks[i - 1].state != CLOCK_MET)
            assert_true(clocks[i - 1].deadline <= clocks[i].deadline);
    }
    incident_free(inc);
    policy_free(&p);
}

/* ---- a custom three-level ladder ---- */

static const char three_levels[] =
    "{\"severities\": ["
    " {\"level\": 1, \"name\": \"P1\", \"ack_within\": \"10m\", \"update_every\": \"20m\", \"mitigate_within\": \"2h\","
    "  \"postmortem_due\": \"5d\"},"
    " {\"level\": 2, \"name\": \"P2\", \"ack_within\": \"30m\", \"mitigate_within\": \"8h\"},"
    " {\"level\": 3, \"name\": \"P3\", \"ack_within\": \"2h\"}],"
    " \"escalation\": ["
    " {\"id\": \"backup\", \"when\": \"unacknowledged\", \"after\": \"10m\", \"severities\": [1, 2],"
    "  \"action\": \"page\", \"target\": \"backup on-call\"},"
    " {\"id\": \"war-room\", \"when\": \"unmitigated\", \"after\": \"1h\", \"severities\": [1],"
    "  \"action\": \"request\", \"target\": \"incident manager\"}]}";

struct custom_case {
    int sev;
    int64_t ack, update, mitigate;
    bool backup, war_room;
};

static const struct custom_case custom_levels[] = {
    {1, 10 * M, 20 * M, 2 * H, true, true},
    {2, 30 * M, 0, 8 * H, true, false},
    {3, 2 * H, 0, 0, false, false},
};

static void test_three_level_ladder(void **state)
{
    (void)state;
    struct policy p;
    assert_int_equal(policy_parse(&p, three_levels, strlen(three_levels), "custom"), 0);
    assert_int_equal(p.nlevels, 3);
    for (size_t i = 0; i < sizeof custom_levels / sizeof *custom_levels; i++) {
        const struct custom_case *cc = &custom_levels[i];
        struct world *w;
        world_setup((void **)&w);
        declare(w, cc->sev);
        struct incident *inc = load(w);
        expect_deadline(inc, &p, CLOCK_ACK, NULL, T0 + cc->ack);
        if (cc->update)
            expect_deadline(inc, &p, CLOCK_UPDATE, NULL, T0 + cc->update);
        else
            expect_absent(inc, &p, CLOCK_UPDATE, NULL);
        if (cc->mitigate)
            expect_deadline(inc, &p, CLOCK_MITIGATE, NULL, T0 + cc->mitigate);
        else
            expect_absent(inc, &p, CLOCK_MITIGATE, NULL);
        if (cc->backup)
            expect_deadline(inc, &p, CLOCK_ESCALATION, "backup", T0 + 10 * M);
        else
            expect_absent(inc, &p, CLOCK_ESCALATION, "backup");
        if (cc->war_room)
            expect_deadline(inc, &p, CLOCK_ESCALATION, "war-room", T0 + H);
        else
            expect_absent(inc, &p, CLOCK_ESCALATION, "war-room");
        incident_free(inc);
        world_teardown((void **)&w);
    }
    /* P1's postmortem is due five days after resolution */
    struct world *w;
    world_setup((void **)&w);
    declare(w, 1);
    add(w, EVENT_RESOLVE, T0 + H, NULL, NULL);
    struct incident *inc = load(w);
    expect_deadline(inc, &p, CLOCK_POSTMORTEM, NULL, T0 + H + 5 * STAMP_DAY);
    incident_free(inc);
    world_teardown((void **)&w);
    policy_free(&p);
}

static void test_undeclared_has_no_clocks(void **state)
{
    struct world *w = *state;
    struct policy p;
    assert_int_equal(policy_builtin(&p), 0);
    add(w, EVENT_NOTE, T0, "text", "before anything was declared");
    struct incident *inc = load(w);
    struct clock clocks[CLOCK_MAX];
    assert_int_equal(clock_compute(inc, &p, T0 + H, clocks), 0);
    incident_free(inc);
    policy_free(&p);
}

/* Records stamped hours past the clock that reads them (a writer's clock
 * ahead): they have happened by the time they are read, so they count as of
 * then and hold no clock open, nor push a deadline hours out. */
static void test_records_far_ahead_count_as_of_reading(void **state)
{
    struct world *w = *state;
    struct policy p;
    assert_int_equal(policy_builtin(&p), 0);
    declare(w, 1);
    add(w, EVENT_ACK, T0 + 3 * H, NULL, NULL);
    add(w, EVENT_UPDATE, T0 + 3 * H, "state", "identified");
    char iso[STAMP_TEXT_MAX];
    setenv("WARROOM_NOW", stamp_format_iso(iso, T0 + 10 * M), 1);
    struct incident *inc = load(w);
    unsetenv("WARROOM_NOW");
    assert_int_equal(inc->nahead, 2);
    assert_int_equal(inc->acked_at, T0 + 10 * M);
    assert_int_equal(state_at(inc, &p, T0 + 20 * M, CLOCK_ACK, NULL), CLOCK_MET);
    assert_int_equal(state_at(inc, &p, T0 + 20 * M, CLOCK_ESCALATION, "ack-secondary"), CLOCK_MET);
    assert_int_equal(state_at(inc, &p, T0 + 20 * M, CLOCK_ESCALATION, "ack-manager"), CLOCK_MET);
    /* the next update is due 15 min after the one read, not 3 h on */
    expect_deadline(inc, &p, CLOCK_UPDATE, NULL, T0 + 10 * M + 15 * M);
    /* the mitigation target still runs from the declaration */
    expect_deadline(inc, &p, CLOCK_MITIGATE, NULL, T0 + H);
    incident_free(inc);
    policy_free(&p);
}

/* Two rules whose ids share their first 150 bytes: two event ids, and once
 * both are recorded both count as fired (one id for both left the second
 * unfired for ever, and the console appended it again every second). */
static void test_long_rule_ids_get_their_own_event_ids(void **state)
{
    struct world *w = *state;
    char prefix[151], text[2048];
    memset(prefix, 'r', 150);
    prefix[150] = '\0';
    snprintf(text, sizeof text,
             "{\"severities\": [{\"level\": 1, \"name\": \"SEV1\", \"ack_within\": \"5m\"},"
             " {\"level\": 2, \"name\": \"SEV2\", \"ack_within\": \"15m\"}],"
             " \"escalation\": ["
             " {\"id\": \"%s-one\", \"when\": \"declared\", \"after\": \"0m\", \"action\": \"notify\", \"target\": \"a\"},"
             " {\"id\": \"%s-two\", \"when\": \"declared\", \"after\": \"0m\", \"action\": \"notify\", \"target\": \"b\"}]}",
             prefix, prefix);
    struct policy p;
    if (policy_parse(&p, text, strlen(text), "long ids") < 0)
        fail_msg("%s", error_last());
    char one[EVENT_ID_MAX + 1], two[EVENT_ID_MAX + 1], again[EVENT_ID_MAX + 1];
    clock_escalation_id(one, sizeof one, "inc-20250315-checkout-down", &p.rules[0]);
    clock_escalation_id(two, sizeof two, "inc-20250315-checkout-down", &p.rules[1]);
    clock_escalation_id(again, sizeof again, "inc-20250315-checkout-down", &p.rules[0]);
    assert_string_not_equal(one, two);
    assert_string_equal(one, again);               /* deterministic */
    assert_true(strlen(one) <= EVENT_ID_MAX);
    assert_int_equal(strncmp(one, "escalate:inc-20250315-checkout-down:#", 37), 0);
    /* a rule id that looks like a hash is hashed too, never taken as one */
    struct escalation_rule fake = p.rules[0];
    char looks[EVENT_ID_MAX + 1];
    snprintf(looks, sizeof looks, "%s", one + strlen("escalate:inc-20250315-checkout-down:"));
    fake.id = looks;
    clock_escalation_id(again, sizeof again, "inc-20250315-checkout-down", &fake);
    assert_string_not_equal(again, one);
    declare(w, 1);
    for (size_t i = 0; i < 2; i++) {
        struct event_draft d;
        event_draft_init(&d, EVENT_ESCALATE, "console");
        snprintf(d.id, sizeof d.id, "%s", i ? two : one);
        d.at = d.ts = T0;
        event_draft_str(&d, "rule", p.rules[i].id);
        assert_int_equal(log_append(&w->log, &d), 0);
        event_draft_free(&d);
    }
    struct incident *inc = load(w);
    struct clock clocks[CLOCK_MAX];
    size_t n = clock_compute(inc, &p, T0 + M, clocks);
    assert_true(find(clocks, n, CLOCK_ESCALATION, p.rules[0].id)->fired);
    assert_true(find(clocks, n, CLOCK_ESCALATION, p.rules[1].id)->fired);
    incident_free(inc);
    policy_free(&p);
}

/* An escalation step is due when its condition began: SEV2 raised to SEV1
 * makes the SEV1 step due then; a step that waits for something (customer
 * data marked exposed) from that moment. */
static void test_escalation_due_when_its_condition_began(void **state)
{
    struct world *w = *state;
    struct policy p;
    assert_int_equal(policy_builtin(&p), 0);
    declare(w, 2);
    add(w, EVENT_SEV, T0 + 8 * M, "sev", "1");
    struct event_draft d;
    event_draft_init(&d, EVENT_SEV, "tester");
    d.at = d.ts = T0 + 20 * M;
    event_draft_int(&d, "sev", 1);
    event_draft_bool(&d, "data_exposed", true);
    assert_int_equal(log_append(&w->log, &d), 0);
    event_draft_free(&d);
    struct incident *inc = load(w);
    expect_deadline(inc, &p, CLOCK_ESCALATION, "sev1-executives", T0 + 8 * M);
    expect_deadline(inc, &p, CLOCK_ESCALATION, "data-exposure", T0 + 20 * M);
    /* ack steps listed for every level still run from the declaration */
    expect_deadline(inc, &p, CLOCK_ESCALATION, "ack-secondary", T0 + 5 * M);
    incident_free(inc);
    /* down to SEV2 and back up: the step is due from the second SEV1 */
    add(w, EVENT_SEV, T0 + 30 * M, "sev", "2");
    add(w, EVENT_SEV, T0 + 40 * M, "sev", "1");
    inc = load(w);
    expect_deadline(inc, &p, CLOCK_ESCALATION, "sev1-executives", T0 + 40 * M);
    incident_free(inc);
    policy_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_ladder),
        cmocka_unit_test_setup_teardown(test_ack_meets_ack_clocks, world_setup, world_teardown),
        cmocka_unit_test_setup_teardown(test_late_ack_after_escalation, world_setup, world_teardown),
        cmocka_unit_test_setup_teardown(test_update_restarts_cadence, world_setup, world_teardown),
        cmocka_unit_test_setup_teardown(test_severity_change_moves_deadlines, world_setup, world_teardown),
        cmocka_unit_test_setup_teardown(test_mitigation_and_resolution, world_setup, world_teardown),
        cmocka_unit_test_setup_teardown(test_sev3_has_no_postmortem_clock, world_setup, world_teardown),
        cmocka_unit_test_setup_teardown(test_data_exposure_rule, world_setup, world_teardown),
        cmocka_unit_test_setup_teardown(test_fired_escalation_is_marked, world_setup, world_teardown),
        cmocka_unit_test_setup_teardown(test_done_step_is_done, world_setup, world_teardown),
        cmocka_unit_test_setup_teardown(test_clocks_sorted_soonest_first, world_setup, world_teardown),
        cmocka_unit_test(test_three_level_ladder),
        cmocka_unit_test_setup_teardown(test_escalation_due_when_its_condition_began, world_setup, world_teardown),
        cmocka_unit_test_setup_teardown(test_long_rule_ids_get_their_own_event_ids, world_setup, world_teardown),
        cmocka_unit_test_setup_teardown(test_records_far_ahead_count_as_of_reading, world_setup, world_teardown),
        cmocka_unit_test_setup_teardown(test_undeclared_has_no_clocks, world_setup, world_teardown),
        cmocka_unit_test_setup_teardown(test_customer_email_clock, world_setup, world_teardown),
        cmocka_unit_test_setup_teardown(test_sev3_has_no_customer_email_clock, world_setup, world_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
