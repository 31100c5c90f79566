#include "warroom/clock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "warroom/stamp.h"

const char *clock_kind_name(enum clock_kind k)
{
    static const char *const names[] = {"ack", "update", "mitigate", "escalation", "postmortem", "email"};
    return names[k];
}

const char *clock_state_name(enum clock_state s)
{
    static const char *const names[] = {"pending", "met", "overdue", "done"};
    return names[s];
}

/* A clock that is met at MET (STAMP_NONE: not yet) and otherwise runs out at
 * DEADLINE. Met counts only when it came before now; a met event recorded
 * back-dated into the future of NOW does not count yet. */
static void settle(struct clock *c, int64_t deadline, int64_t met, int64_t now)
{
    c->deadline = deadline;
    c->met_at = STAMP_NONE;
    if (met != STAMP_NONE && met <= now) {
        c->state = CLOCK_MET;
        c->met_at = met;
    } else {
        c->state = now >= deadline ? CLOCK_OVERDUE : CLOCK_PENDING;
    }
}

static bool rule_fired(const struct incident *inc, const char *id)
{
    for (size_t i = 0; i < inc->nfired; i++)
        if (strcmp(inc->fired[i], id) == 0)
            return true;
    return false;
}

/* When the condition of rule R began: the declaration, or later when the
 * rule waits for something the declaration did not bring: the incident
 * entering a severity the rule lists (SEV2 raised to SEV1 at 14:00 makes the
 * SEV1 step due at 14:00, not at the declaration), or customer data being
 * marked exposed. */
static int64_t rule_start(const struct incident *inc, const struct escalation_rule *r)
{
    int64_t start = inc->declared_at;
    if (r->when == RULE_DATA_EXPOSED && inc->exposed_at != STAMP_NONE && inc->exposed_at > start)
        start = inc->exposed_at;
    if (r->severities) {
        int64_t entered = STAMP_NONE;
        bool listed = false;
        for (size_t i = 0; i < inc->nsevs; i++) {
            bool now_listed = inc->sevs[i].sev >= 0 && inc->sevs[i].sev < 32 && (r->severities & (1u << inc->sevs[i].sev));
            if (now_listed && !listed)
                entered = inc->sevs[i].at;
            listed = now_listed;
        }
        if (listed && entered != STAMP_NONE && entered > start)
            start = entered;
    }
    return start;
}

static int compare_clocks(const void *pa, const void *pb)
{
    const struct clock *a = pa, *b = pb;
    if (a->quiet != b->quiet)
        return a->quiet ? 1 : -1;
    /* met and done clocks are settled: below everything still running */
    bool am = a->state == CLOCK_MET || a->state == CLOCK_DONE, bm = b->state == CLOCK_MET || b->state == CLOCK_DONE;
    if (am != bm)
        return am ? 1 : -1;
    if (a->deadline != b->deadline)
        return a->deadline < b->deadline ? -1 : 1;
    return strcmp(a->label, b->label);
}

/* The clock's key, then the last reminder naming it: the one in force. */
static void quiet(const struct incident *inc, struct clock *c, int64_t now)
{
    if (c->kind == CLOCK_ESCALATION && c->rule)
        snprintf(c->key, sizeof c->key, "escalation:%s", c->rule->id);
    else
        snprintf(c->key, sizeof c->key, "%s", clock_kind_name(c->kind));
    c->quiet_until = STAMP_NONE;
    c->quiet = false;
    for (size_t i = inc->nreminders; i-- > 0;) {
        const struct reminder *r = &inc->reminders[i];
        if (strcmp(r->clock, c->key) != 0 || r->at > now)
            continue;
        c->quiet_until = r->dismissed ? INT64_MAX : r->until;
        c->quiet = now < c->quiet_until;
        return;
    }
}

size_t clock_compute(const struct incident *inc, const struct policy *policy, int64_t now, struct clock *out)
{
    size_t n = 0;
    if (inc->declared_at == STAMP_NONE)
        return 0;
    const struct severity_level *lvl = policy_level(policy, inc->sev);
    /* a level the ladder does not have (a policy changed mid-incident) is held
     * to the least severe level's clocks rather than to none */
    if (!lvl)
        lvl = policy_level(policy, (int)policy->nlevels);
    int64_t start = inc->declared_at;
    bool resolved = inc->status == STATUS_RESOLVED;
    int64_t settled = resolved ? inc->resolved_at : STAMP_NONE;

    if (lvl->ack_within) {
        struct clock *c = &out[n++];
        memset(c, 0, sizeof *c);
        c->kind = CLOCK_ACK;
        snprintf(c->label, sizeof c->label, "acknowledge");
        snprintf(c->action, sizeof c->action, "escalate");
        int64_t met = inc->acked_at != STAMP_NONE ? inc->acked_at : settled;
        settle(c, start + lvl->ack_within, met, now);
    }
    if (lvl->update_every && !resolved) {
        struct clock *c = &out[n++];
        memset(c, 0, sizeof *c);
        c->kind = CLOCK_UPDATE;
        snprintf(c->label, sizeof c->label, "next status update");
        snprintf(c->action, sizeof c->action, "status update overdue");
        int64_t base = inc->last_update_at != STAMP_NONE && inc->last_update_at > start ? inc->last_update_at : start;
        if (inc->reopened_at != STAMP_NONE && inc->reopened_at > base)
            base = inc->reopened_at;
        settle(c, base + lvl->update_every, STAMP_NONE, now);
    }
    if (lvl->mitigate_within) {
        struct clock *c = &out[n++];
        memset(c, 0, sizeof *c);
        c->kind = CLOCK_MITIGATE;
        snprintf(c->label, sizeof c->label, "mitigate");
        snprintf(c->action, sizeof c->action, "mitigation target missed");
        settle(c, start + lvl->mitigate_within, inc->mitigated_at, now);
    }
    for (size_t i = 0; i < policy->nrules; i++) {
        const struct escalation_rule *r = &policy->rules[i];
        if (r->severities && !(r->severities & (1u << inc->sev)))
            continue;
        int64_t met;
        switch (r->when) {
        case RULE_UNACKNOWLEDGED:
            met = inc->acked_at != STAMP_NONE ? inc->acked_at : settled;
            break;
        case RULE_UNMITIGATED:
            met = inc->mitigated_at;
            break;
        case RULE_DATA_EXPOSED:
            if (!inc->data_exposed)
                continue;
            met = STAMP_NONE;
            break;
        case RULE_DECLARED:
        default:
            met = STAMP_NONE;
            break;
        }
        struct clock *c = &out[n++];
        memset(c, 0, sizeof *c);
        c->kind = CLOCK_ESCALATION;
        c->rule = r;
        /* the step is what people look for; when it happens is the detail */
        snprintf(c->label, sizeof c->label, "%s", r->label);
        snprintf(c->action, sizeof c->action, "%s", r->when == RULE_UNACKNOWLEDGED ? "if not acknowledged"
                                                    : r->when == RULE_UNMITIGATED  ? "if not mitigated"
                                                    : r->when == RULE_DATA_EXPOSED ? "customer data exposed"
                                                                                   : "on declaration");
        settle(c, rule_start(inc, r) + r->after, met, now);
        c->fired = rule_fired(inc, r->id);
        if (c->fired) {
            /* a step taken is done, whatever came after: it never counts up
             * again (it was recorded at its deadline) */
            c->state = CLOCK_DONE;
            c->met_at = c->deadline;
        }
    }
    if (lvl->postmortem_due && resolved) {
        struct clock *c = &out[n++];
        memset(c, 0, sizeof *c);
        c->kind = CLOCK_POSTMORTEM;
        snprintf(c->label, sizeof c->label, "postmortem due");
        snprintf(c->action, sizeof c->action, "postmortem overdue");
        settle(c, inc->resolved_at + lvl->postmortem_due, inc->postmortem ? inc->postmortem->at : STAMP_NONE, now);
    }
    if (lvl->customer_email_due && resolved) {
        struct clock *c = &out[n++];
        memset(c, 0, sizeof *c);
        c->kind = CLOCK_EMAIL;
        snprintf(c->label, sizeof c->label, "customer email due");
        snprintf(c->action, sizeof c->action, "customer email overdue");
        settle(c, inc->resolved_at + lvl->customer_email_due, inc->emailed_at, now);
    }
    for (size_t i = 0; i < n; i++)
        quiet(inc, &out[i], now);
    qsort(out, n, sizeof *out, compare_clocks);
    return n;
}

const struct clock *clock_find(const struct clock *clocks, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(clocks[i].key, key) == 0)
            return &clocks[i];
    return NULL;
}

/* FNV-1a, 64 bits: the whole text counts, however long. */
static uint64_t fnv1a(uint64_t h, const char *s)
{
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * UINT64_C(1099511628211);
    return h;
}

void clock_escalation_id(char *out, size_t size, const char *inc_id, const struct escalation_rule *rule)
{
    /* "escalate:INC:RULE" while it fits, readable and what older versions
     * wrote; else the rule id's hash after a '#' (which readable ones never
     * hold), so two rules differing only past what fits get two ids. */
    int n = snprintf(out, size, "escalate:%s:%s", inc_id, rule->id);
    if (n >= 0 && (size_t)n < size && n <= EVENT_ID_MAX && !strchr(rule->id, '#'))
        return;
    uint64_t h = fnv1a(fnv1a(UINT64_C(14695981039346656037), inc_id), "\n");
    snprintf(out, size, "escalate:%s:#%016llx", inc_id, (unsigned long long)fnv1a(h, rule->id));
}
