/* Tests for the status line: escaping for tmux (every '#' doubled, controls
 * and escape sequences removed, cut to its columns on a character boundary),
 * the calm line, and the line over a summary: the most severe open incident,
 * its next clock and the overdue mark, the same clocks a replay computes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "warroom/buf.h"
#include "warroom/policy.h"
#include "warroom/stamp.h"
#include "warroom/status.h"
#include "warroom/summary.h"

static int64_t at(const char *iso)
{
    int64_t t;
    if (stamp_parse_iso(&t, iso) < 0)
        fail_msg("bad test time %s", iso);
    return t;
}

static void test_tmux_escape(void **state)
{
    (void)state;
    struct buf b = BUF_INIT;
    status_tmux_escape(&b, "a#[fg=red]#(id)#{host}##", 100);
    assert_string_equal(buf_str(&b), "a##[fg=red]##(id)##{host}####");
    buf_reset(&b);
    status_tmux_escape(&b, "x\033[31my\nz\x7f", 100);
    assert_string_equal(buf_str(&b), "xy z");
    buf_reset(&b);
    status_tmux_escape(&b, "\xc3\xa9t\xc3\xa9 long", 3);   /* "été", cut by columns, not bytes */
    assert_string_equal(buf_str(&b), "\xc3\xa9t\xc3\xa9");
    buf_reset(&b);
    status_tmux_escape(&b, NULL, 10);
    assert_string_equal(buf_str(&b), "");
    buf_free(&b);
}

static void summary_of(struct incident_summary *s, int sev, bool open, const char *declared, const char *title)
{
    memset(s, 0, sizeof *s);
    s->declared_at = at(declared);
    s->open = open;
    s->sev = sev;
    s->status = open ? 1 : 4;
    s->impact_at = s->detected_at = s->declared_at;
    s->acked_at = s->mitigated_at = s->resolved_at = STAMP_NONE;
    s->clocks.last_update_at = s->clocks.reopened_at = s->clocks.exposed_at = s->clocks.postmortem_at = STAMP_NONE;
    s->clocks.nsevs = 1;
    s->clocks.sevs[0] = sev;
    s->clocks.sevs_at[0] = s->declared_at;
    snprintf(s->title, sizeof s->title, "%s", title);
}

static void test_lines(void **state)
{
    (void)state;
    struct policy p;
    assert_int_equal(policy_builtin(&p), 0);
    /* no escalation steps: the ladder's own clocks alone */
    size_t nrules = p.nrules;
    p.nrules = 0;
    struct incident_summary sums[3];
    const char *ids[3] = {"inc-20250315-a", "inc-20250315-b", "inc-20250315-c"};
    struct buf b = BUF_INIT;

    summary_of(&sums[0], 2, false, "2025-03-15T10:00:00Z", "over");
    status_render(&b, sums, ids, NULL, 1, &p, at("2025-03-15T14:00:00Z"), STATUS_FORMAT_TMUX);
    assert_string_equal(buf_str(&b), "#[fg=colour34]no open incident#[default]\n");
    buf_reset(&b);
    status_render(&b, sums, ids, NULL, 1, &p, at("2025-03-15T14:00:00Z"), STATUS_FORMAT_PLAIN);
    assert_string_equal(buf_str(&b), "no open incident\n");
    buf_reset(&b);

    /* SEV2 at 14:00 (ack 15m) and SEV3 at 14:01: the SEV2 is shown */
    summary_of(&sums[1], 2, true, "2025-03-15T14:00:00Z", "Checkout #1");
    summary_of(&sums[2], 3, true, "2025-03-15T14:01:00Z", "Search");
    status_render(&b, sums, ids, NULL, 3, &p, at("2025-03-15T14:10:00Z"), STATUS_FORMAT_PLAIN);
    assert_string_equal(buf_str(&b), " SEV2  10m00s Checkout #1 | acknowledge in 5m00s | +1 open\n");
    buf_reset(&b);
    status_render(&b, sums, ids, NULL, 3, &p, at("2025-03-15T14:20:00Z"), STATUS_FORMAT_TMUX);
    assert_string_equal(buf_str(&b), "#[fg=colour231,bg=colour166,bold] SEV2 #[default] 20m00s Checkout ##1 | "
                                     "#[fg=colour196,bold]! acknowledge overdue 5m00s#[default] | "
                                     "next status update in 10m00s | +1 open\n");
    buf_free(&b);
    p.nrules = nrules;
    policy_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tmux_escape),
        cmocka_unit_test(test_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
