/* Unit tests for sync's rule of who runs the automatic steps: every host
 * computes it from the same log and must agree. The exchange itself is tested
 * end to end against real remotes in tests/cli/test_sync*.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "warroom/host.h"
#include "warroom/incident.h"
#include "warroom/stamp.h"
#include "warroom/sync.h"

#define NOW 1765000000000LL
#define OTHER "00000000000000aa"
#define THIRD "ffffffffffffff00"

static char dir[64];
static char log_path[96];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/warroom-sync-unit.XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(log_path, sizeof log_path, "%s/events.jsonl", dir);
    assert_int_equal(host_open(dir, "unit"), 0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "%s/host-id", dir);
    unlink(path);
    unlink(log_path);
    rmdir(dir);
    return 0;
}

/* Writes a log of records, each "TYPE HOST MINUTES-AGO [ROLE]". */
static struct incident *replay(const char *const *lines)
{
    FILE *f = fopen(log_path, "w");
    assert_non_null(f);
    for (int i = 0; lines[i]; i++) {
        char type[16], host[32], role[16] = "";
        int ago;
        assert_true(sscanf(lines[i], "%15s %31s %d %15s", type, host, &ago, role) >= 3);
        char ts[STAMP_TEXT_MAX];
        stamp_format_iso(ts, NOW - (int64_t)ago * 60000);
        const char *h = strcmp(host, "me") == 0 ? host_id() : host;
        fprintf(f, "{\"v\":1,\"id\":\"e%d\",\"ts\":\"%s\",\"type\":\"%s\"", i, ts, type);
        if (strcmp(type, "declare") == 0)
            fprintf(f, ",\"title\":\"t\",\"sev\":2");
        if (role[0])
            fprintf(f, ",\"role\":\"%s\",\"name\":\"carol\"", role);
        if (strcmp(host, "none") != 0)
            fprintf(f, ",\"host\":\"%s\"", h);
        fprintf(f, "}\n");
    }
    fclose(f);
    struct incident *inc;
    assert_int_equal(incident_load(&inc, "inc-20251201-unit", log_path), 0);
    return inc;
}

static void test_no_hosts_every_host_is_this_one(void **state)
{
    (void)state;
    const char *log[] = {"declare none 5", "note none 1", NULL};
    struct incident *inc = replay(log);
    assert_true(sync_on_duty(inc, NOW));
    incident_free(inc);
}

static void test_the_declaring_host_runs_them(void **state)
{
    (void)state;
    const char *mine[] = {"declare me 5", "note " OTHER " 1", NULL};
    struct incident *inc = replay(mine);
    assert_true(sync_on_duty(inc, NOW));
    incident_free(inc);
    const char *theirs[] = {"declare " OTHER " 5", "note me 1", NULL};
    inc = replay(theirs);
    assert_false(sync_on_duty(inc, NOW));
    incident_free(inc);
}

static void test_the_host_that_named_the_ic_takes_over(void **state)
{
    (void)state;
    const char *log[] = {"declare " OTHER " 5", "role me 3 ic", "note " OTHER " 1", NULL};
    struct incident *inc = replay(log);
    assert_true(sync_on_duty(inc, NOW));
    incident_free(inc);
    const char *back[] = {"declare me 5", "role me 4 ic", "role " OTHER " 2 ic", NULL};
    inc = replay(back);
    assert_false(sync_on_duty(inc, NOW));
    incident_free(inc);
}

static void test_a_silent_host_hands_over_to_the_lowest_id_heard(void **state)
{
    (void)state;
    /* OTHER declared and went silent 30 minutes ago; THIRD and we are heard:
     * the lower id of the two takes over, whichever host computes it */
    const char *log[] = {"declare " OTHER " 30", "note " THIRD " 2", "note me 1", NULL};
    struct incident *inc = replay(log);
    bool me_lower = strcmp(host_id(), THIRD) < 0;
    assert_int_equal(sync_on_duty(inc, NOW), me_lower);
    incident_free(inc);
    /* heard from within the window: it stays on duty */
    const char *recent[] = {"declare " OTHER " 30", "note " OTHER " 5", "note me 1", NULL};
    inc = replay(recent);
    assert_false(sync_on_duty(inc, NOW));
    incident_free(inc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_hosts_every_host_is_this_one),
        cmocka_unit_test(test_the_declaring_host_runs_them),
        cmocka_unit_test(test_the_host_that_named_the_ic_takes_over),
        cmocka_unit_test(test_a_silent_host_hands_over_to_the_lowest_id_heard),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
