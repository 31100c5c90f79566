/* clock — the deadlines of an incident, computed, never stored.
 * clock_compute is a pure function of (incident, policy, now): the acknowledge
 * deadline and the escalation steps behind it, the next status update (its
 * cadence set by the severity, restarted by every update), the mitigation
 * target, the other escalation rules, the postmortem due date and the customer
 * email's (met by the first email the server accepted, see email.h). A clock runs
 * out AT its deadline: one millisecond before it is pending, at it overdue.
 * An escalation step is due its rule's delay after its condition began: the
 * declaration, the moment the incident entered a severity the rule lists, or
 * the moment customer data was marked exposed. A reminder event quiets a
 * clock: snoozed, until the time it names; dismissed, for good. A quiet clock
 * keeps its deadline and state (what happened is not rewritten) and sorts
 * after the ones that still ring. */
#ifndef WARROOM_CLOCK_H
#define WARROOM_CLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "warroom/incident.h"
#include "warroom/policy.h"

enum clock_kind { CLOCK_ACK, CLOCK_UPDATE, CLOCK_MITIGATE, CLOCK_ESCALATION, CLOCK_POSTMORTEM,
                  CLOCK_EMAIL };
/* DONE: an escalation step that was taken (its escalate event is in the log) */
enum clock_state { CLOCK_PENDING, CLOCK_MET, CLOCK_OVERDUE, CLOCK_DONE };

#define CLOCK_MAX (8 + POLICY_RULES_MAX)

struct clock {
    enum clock_kind kind;
    enum clock_state state;
    char label[64];          /* "acknowledge", "next status update", ... */
    char action[128];        /* what happens when it runs out: "page secondary on-call" */
    int64_t deadline;        /* ms, UTC */
    int64_t met_at;          /* STAMP_NONE unless met */
    const struct escalation_rule *rule; /* escalation clocks: the rule, owned by the policy */
    bool fired;              /* escalation: the step is already in the log */
    char key[96];            /* what a reminder event names it by: "ack", "update",
                                "mitigate", "postmortem", "escalation:RULE" */
    int64_t quiet_until;     /* snoozed until then (INT64_MAX: dismissed); STAMP_NONE */
    bool quiet;              /* snoozed or dismissed as of now: it must not ring,
                                fire its step or be announced as missed */
};

const char *clock_kind_name(enum clock_kind k);
const char *clock_state_name(enum clock_state s);

/* Fills OUT (room for CLOCK_MAX) with every clock of INC, soonest first:
 * pending and overdue ones by deadline, then the met and done ones. Returns
 * the count. */
size_t clock_compute(const struct incident *inc, const struct policy *policy, int64_t now, struct clock *out);

/* The clock of CLOCKS (N of them) whose key is KEY, or NULL. */
const struct clock *clock_find(const struct clock *clocks, size_t n, const char *key);

/* The deterministic id of the escalate event that records RULE firing for
 * incident INC_ID: two consoles firing the same step write the same id, and
 * two rules get two ids however long their ids (a hash of the whole rule id
 * stands in for one that does not fit). OUT has room for EVENT_ID_MAX + 1. */
void clock_escalation_id(char *out, size_t size, const char *inc_id, const struct escalation_rule *rule);

#endif
