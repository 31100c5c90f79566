/* policy — the severity ladder, its clocks and the escalation rules, as data.
 * The built-in default (docs/policy.json, compiled in) is the industry ladder;
 * a team replaces it with .warroom/policy.json in its platform repo, or with
 * "policy" in the user's config. A policy is validated whole: an error names the
 * key and what was expected. A policy owns all of its strings. */
#ifndef WARROOM_POLICY_H
#define WARROOM_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define POLICY_SEV_MAX 9
#define POLICY_RULES_MAX 32
#define POLICY_QUESTIONS_MAX 16

struct severity_level {
    int level;                 /* 1 is the most severe */
    char *name;                /* "SEV1" */
    char *label;               /* "Critical" */
    char *description;
    int64_t ack_within;        /* ms; 0 = no such clock */
    int64_t update_every;
    int64_t mitigate_within;
    int64_t postmortem_due;
    int64_t customer_email_due; /* after resolution; 0 = no customer email clock */
    char *pagerduty_severity;  /* critical | error | warning | info */
    char *statuspage_impact;   /* critical | major | minor | none */
    char *opsgenie_priority;   /* P1 .. P5; NULL: from the level */
};

enum rule_trigger {
    RULE_UNACKNOWLEDGED, /* runs from declaration; met by an acknowledgement */
    RULE_UNMITIGATED,    /* runs from declaration; met by mitigation or resolution */
    RULE_DECLARED,       /* fires once the incident is declared (at a listed severity) */
    RULE_DATA_EXPOSED,   /* fires once customer data is marked exposed */
};

struct escalation_rule {
    char *id;
    enum rule_trigger when;
    int64_t after;
    unsigned severities;       /* bit N set: applies at level N; 0 = every level */
    char *action;              /* page | notify | request */
    char *target;
    char *label;               /* what happens, for people: "page secondary" */
};

struct classify_question {
    char *question;
    int severity;
    bool data_exposed;
};

/* Where an alert from intake goes (the "intake" section): to the open
 * incident of its service; else, firing with a severity DECLARE maps, into a
 * new incident at that level; else, with RECORD, into the incident picked as
 * every verb picks one (--incident, the one open), or nowhere. */
#define POLICY_INTAKE_DECLARE_MAX 16
struct intake_policy {
    char *service_label;       /* "service" */
    char *severity_label;      /* "severity" */
    struct {
        char *value;           /* the severity label's value: "critical" */
        int sev;               /* the level it declares: 1 */
    } declare[POLICY_INTAKE_DECLARE_MAX];
    size_t ndeclare;
    bool record;               /* "otherwise": "record" (true) or "ignore" */
};

struct policy {
    char *source;              /* where it came from, for messages */
    struct severity_level levels[POLICY_SEV_MAX];
    size_t nlevels;
    struct escalation_rule rules[POLICY_RULES_MAX];
    size_t nrules;
    struct classify_question questions[POLICY_QUESTIONS_MAX];
    size_t nquestions;
    struct intake_policy intake;
    /* "incident_channel": which severities get a Slack channel of their own
     * (bit N: level N; default SEV1 and SEV2), and its name's template:
     * {date} (YYYYMMDD, UTC, of the declaration), {slug} (from the title),
     * {id} (the incident id), {sev} ("sev1"); default "inc-{date}-{slug}". */
    unsigned channel_severities;
    char *channel_name;
};

#define POLICY_CHANNEL_NAME_DEFAULT "inc-{date}-{slug}"
#define POLICY_CHANNEL_NAME_MAX 200


/* Parses and validates policy JSON TEXT; SOURCE names it in messages. */
int policy_parse(struct policy *p, const char *text, size_t len, const char *source);
/* The built-in default. */
int policy_builtin(struct policy *p);
void policy_free(struct policy *p);

/* The level LEVEL, or NULL when the ladder has no such level. */
const struct severity_level *policy_level(const struct policy *p, int level);

/* The level alerts whose severity label is VALUE declare, 0 for none. */
int policy_intake_sev(const struct policy *p, const char *value);

/* The policy as JSON text (a jansson json_t *, returned as void * so this
 * header needs no jansson); the caller json_decref()s it. */
void *policy_to_json(const struct policy *p);

#endif
