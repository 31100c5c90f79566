#include "warroom/describe.h"

#include <stdio.h>
#include <string.h>

#include "warroom/error.h"
#include "warroom/stamp.h"

/* The ladder's name for level SEV ("SEV2"), written into BUF when the policy
 * has no such level. */
const char *describe_sev(const struct policy *p, int sev, char *buf, size_t size)
{
    const struct severity_level *l = policy_level(p, sev);
    if (l && l->name && *l->name)
        return l->name;
    snprintf(buf, size, "SEV%d", sev);
    return buf;
}

static const char *role_title(const char *role)
{
    static const char *const titles[ROLE_COUNT] = {
        "Incident commander", "Communications lead", "Operations lead", "Scribe", "Subject-matter expert",
    };
    int r = role ? incident_role_from_name(role) : -1;
    return r < 0 ? "Role" : titles[r];
}

static const char *or_empty(const char *s)
{
    return s ? s : "";
}

/* "Mitigated" or "Mitigated: TEXT". */
static void add_with_text(struct buf *b, const char *what, const char *text)
{
    buf_adds(b, what);
    if (text && *text) {
        buf_adds(b, ": ");                /* not printf: most entries come through here */
        buf_adds(b, text);
    }
}

/* What an action event changed, for an item seen before. */
static void describe_action_change(struct buf *b, const struct event *ev, const char *text)
{
    static const char *const keys[] = {"owner", "due", "priority", "kind", "status"};
    const char *sep = ": ";
    if (text && *text) {
        buf_printf(b, "%stext \"%s\"", sep, text);
        sep = ", ";
    }
    for (size_t k = 0; k < sizeof keys / sizeof *keys; k++) {
        const char *v = event_str(ev, keys[k]);
        if (v) {
            buf_printf(b, "%s%s %s", sep, keys[k], *v ? v : "none");
            sep = ", ";
        }
    }
    /* a status read back from the item's ticket (actions --sync) says so */
    const char *via = event_str(ev, "via"), *ticket = event_str(ev, "ticket");
    if (via && ticket)
        buf_printf(b, " (from %.20s %.32s)", via, ticket);
}

/* "Reminder snoozed until 14:30 UTC: next status update": the clock in the
 * words the clocks panel uses, the time as the record gives it (in UTC: the
 * postmortem is read anywhere). */
static void describe_reminder(struct buf *b, const struct policy *p, const struct event *ev)
{
    static const char *const words[][2] = {
        {"ack", "acknowledge"}, {"update", "next status update"}, {"mitigate", "mitigate"},
        {"postmortem", "postmortem due"},
    };
    const char *clock = or_empty(event_str(ev, "clock")), *action = or_empty(event_str(ev, "action"));
    const char *name = clock;
    for (size_t i = 0; i < sizeof words / sizeof *words; i++)
        if (strcmp(clock, words[i][0]) == 0)
            name = words[i][1];
    if (strncmp(clock, "escalation:", 11) == 0) {
        name = clock + 11;            /* the rule's id, or its label when the policy has it */
        for (size_t i = 0; p && i < p->nrules; i++)
            if (strcmp(p->rules[i].id, clock + 11) == 0 && p->rules[i].label)
                name = p->rules[i].label;
    }
    int64_t until;
    const char *u = event_str(ev, "until");
    if (strcmp(action, "dismiss") == 0) {
        buf_adds(b, "Reminder dismissed");
    } else if (u && stamp_parse_iso(&until, u) == 0) {
        int y, mo, d, h, mi, sec;
        stamp_to_utc(until, &y, &mo, &d, &h, &mi, &sec);
        buf_printf(b, "Reminder snoozed until %02d:%02d UTC", h, mi);
    } else {
        error_clear();
        buf_printf(b, "Reminder %s", *action ? action : "changed");
    }
    buf_printf(b, ": %s", *name ? name : "a clock");
}

void describe_entry(struct buf *b, const struct incident *inc, const struct policy *p,
                    const struct timeline_entry *e)
{
    const struct event *ev = e->ev;
    const char *text = e->text;
    char name[16];
    long long n;
    switch (ev->type) {
    case EVENT_DECLARE:
        buf_printf(b, "Declared %s", describe_sev(p, event_int(ev, "sev", &n) ? (int)n : 0, name, sizeof name));
        if (event_str(ev, "title") && *event_str(ev, "title"))
            buf_printf(b, ": %s", event_str(ev, "title"));
        if (*text)
            buf_printf(b, " (%s)", text);
        break;
    case EVENT_SEV:
        buf_printf(b, "Severity changed to %s", describe_sev(p, event_int(ev, "sev", &n) ? (int)n : 0, name, sizeof name));
        if (event_str(ev, "why") && *event_str(ev, "why"))
            buf_printf(b, ": %s", event_str(ev, "why"));
        if (event_bool(ev, "data_exposed"))
            buf_adds(b, " (customer data exposed)");
        break;
    case EVENT_ROLE: {
        const char *role = event_str(ev, "role"), *who = or_empty(event_str(ev, "name"));
        if (role && strcmp(role, "sme") == 0 && who[0] == '-')
            buf_printf(b, "%s left: %s", role_title(role), who + 1);
        else {
            buf_adds(b, role_title(role));
            buf_adds(b, ": ");
            buf_adds(b, *who ? who : "nobody");
        }
        break;
    }
    case EVENT_ACK:
        add_with_text(b, "Acknowledged", text);
        break;
    case EVENT_ALERT: {
        /* a resolution stands at the alert's start, so it says when it ended */
        const char *ends = event_str(ev, "ends_at");
        const char *status = event_str(ev, "status");
        if (status && strcmp(status, "resolved") == 0)
            buf_printf(b, "Alert resolved%s%s", ends ? " at " : "", ends ? ends : "");
        else
            buf_adds(b, "Alert");
        add_with_text(b, "", text);
        break;
    }
    case EVENT_IMPACT:
        add_with_text(b, "Impact began", text);
        break;
    case EVENT_UPDATE: {
        const char *state = event_str(ev, "state");
        buf_adds(b, "Status update");
        if (state && *state) {
            buf_adds(b, " (");
            buf_adds(b, state);
            buf_addc(b, ')');
        }
        add_with_text(b, "", text);
        break;
    }
    case EVENT_PAGE: {
        const char *reason = event_str(ev, "reason");
        buf_printf(b, "Paged %s", or_empty(event_str(ev, "target")));
        if (reason && *reason)
            buf_printf(b, ": %s", reason);
        break;
    }
    case EVENT_ESCALATE: {
        const char *label = event_str(ev, "label");
        add_with_text(b, "Escalated", label && *label ? label : text);
        break;
    }
    case EVENT_MITIGATE:
        add_with_text(b, "Mitigated", text);
        break;
    case EVENT_RESOLVE:
        add_with_text(b, "Resolved", text);
        break;
    case EVENT_REOPEN:
        add_with_text(b, "Reopened", text);
        break;
    case EVENT_ACTION: {
        const char *item = or_empty(event_str(ev, "item"));
        const struct action_item *a = *item ? incident_action(inc, item) : NULL;
        if (a && a->first == ev) {
            /* who owns it and by when: what the room needs to hear */
            const char *owner = event_str(ev, "owner"), *due = event_str(ev, "due");
            buf_printf(b, "Action item %s added", item);
            if (*text)
                buf_printf(b, ": %s", text);
            if (owner && *owner)
                buf_printf(b, " (owner %s, ", owner);
            else
                buf_adds(b, " (no owner, ");
            if (due && *due)
                buf_printf(b, "due %s)", due);
            else
                buf_adds(b, "no due date)");
        } else {
            buf_printf(b, "Action item %s changed", item);
            describe_action_change(b, ev, text);
        }
        break;
    }
    case EVENT_POSTMORTEM: {
        const char *commit = event_str(ev, "commit");
        if (commit)
            buf_printf(b, "Postmortem committed %.12s%s: ", commit, event_bool(ev, "pushed") ? " and pushed" : "");
        else
            buf_adds(b, "Postmortem written: ");
        buf_adds(b, or_empty(event_str(ev, "path")));
        break;
    }
    case EVENT_RUNBOOK: {
        /* "Runbook diagnosis 1 done: Check recent deployments (deploy correlates)" */
        const char *section = event_str(ev, "section"), *step = event_str(ev, "step"),
                   *result = event_str(ev, "result");
        buf_printf(b, "Runbook %s", section && *section ? section : "step");
        if (event_int(ev, "number", &n) && n > 0 && n < 1000)
            buf_printf(b, " %lld", n);
        buf_printf(b, " done: %s", or_empty(step));
        if (result && *result)
            buf_printf(b, " (%s)", result);
        break;
    }
    case EVENT_EMAIL: {
        /* what became of the customer email (see email.h): said once per attempt */
        const char *status = or_empty(event_str(ev, "status")), *to = or_empty(event_str(ev, "to"));
        const char *reason = event_str(ev, "reason");
        size_t count = *to ? 1 : 0;
        for (const char *c = to; *c; c++)
            count += *c == ',';
        if (strcmp(status, "sending") == 0)
            buf_printf(b, "Customer email: sending to %zu recipient%s as %s", count, count == 1 ? "" : "s",
                       or_empty(event_str(ev, "message_id")));
        else if (strcmp(status, "sent") == 0)
            buf_printf(b, "Customer email sent to %zu recipient%s: %s", count, count == 1 ? "" : "s",
                       or_empty(event_str(ev, "subject")));
        else if (strcmp(status, "deferred") == 0)
            add_with_text(b, "Customer email deferred by the mail server, to try again later", reason);
        else if (strcmp(status, "refused") == 0)
            add_with_text(b, "Customer email refused", reason);
        else
            add_with_text(b, "Customer email may or may not have arrived", reason);
        break;
    }
    case EVENT_REMINDER:
        describe_reminder(b, p, ev);
        break;
    default:
        buf_adds(b, text);
        break;
    }
}

