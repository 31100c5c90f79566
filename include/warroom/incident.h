/* incident — the state of one incident, replayed from its log.
 * Everything here is derived: incident_load reads the log and replays it;
 * incident_follow reads what other processes appended since and replays again.
 * Events are ordered by when they happened (at, then ts, then the order they
 * were appended in, then id); a stamp is taken as its writer gave it, and one
 * that lies more than STAMP_SKEW_MAX past the reader's clock is flagged (in
 * reader.warnings) and counts as of when it was read, so a wrong clock can
 * neither hold a clock open nor move another entry; a repeated
 * id counts once; an edit changes what the timeline shows while both the edit
 * and the original stay in `events` (the audit trail). The incident owns every
 * pointer it hands out; they stay valid until the next follow or free. */
#ifndef WARROOM_INCIDENT_H
#define WARROOM_INCIDENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "warroom/event.h"
#include "warroom/log.h"
#include "warroom/strindex.h"

enum incident_status {
    STATUS_NONE,           /* nothing declared yet */
    STATUS_INVESTIGATING,
    STATUS_IDENTIFIED,
    STATUS_MONITORING,
    STATUS_RESOLVED,
    STATUS_REOPENED,
};

const char *incident_status_name(enum incident_status s);
/* The status an update STATE names, or STATUS_NONE when it names none. */
enum incident_status incident_status_from_state(const char *state);

/* The roles of DESIGN.md; SMEs can be several, the others are held by one. */
enum role_kind { ROLE_IC, ROLE_COMMS, ROLE_OPS, ROLE_SCRIBE, ROLE_SME, ROLE_COUNT };
const char *incident_role_name(enum role_kind role);
int incident_role_from_name(const char *name);   /* -1 when unknown */

struct timeline_entry {
    const struct event *ev;
    int64_t at;            /* after edits: where it is shown */
    int64_t happened;      /* what replay counts it as: at, or for an event
                              stamped ahead of the clock, when it was read */
    const char *text;      /* after edits; "" when none */
    unsigned edits;        /* how many edit events changed it */
    uint32_t pos;          /* where ev stands in the incident's events[] (fewer
                              than 2^32: see the id set in incident.c) */
};

struct role_change {
    enum role_kind role;
    const char *name;      /* "" when the role was cleared */
    int64_t at;
    const char *by;
};

struct sev_change {
    int sev;
    int64_t at;
    const char *by;
    const char *why;       /* may be NULL */
};

struct action_item {
    const char *item;      /* "A1", "A2", ... */
    const struct event *first; /* the event that added it */
    const char *text, *owner, *due, *priority, *kind, *status; /* "" when unset */
    int64_t created;
};

/* A clock snoozed until UNTIL, or dismissed for good (UNTIL then INT64_MAX). */
struct reminder {
    const char *clock;     /* the clock's key: see clock_key */
    bool dismissed;
    int64_t until;
    int64_t at;
};

struct incident {
    char *id;
    char *log_path;
    struct log_reader reader;

    /* every event read, repeated ids dropped, in file order */
    struct event **events;
    size_t nevents, events_cap;
    size_t nahead;                  /* events stamped ahead of the clock that read them */
    int64_t read_clock;             /* the clock while the last read ran */
    struct id_set *ids;

    /* derived by replay */
    struct timeline_entry *timeline;
    size_t ntimeline, timeline_cap;
    const char *title, *impact;
    const char *declared_by;
    int sev;                        /* 0 before declaration */
    enum incident_status status;
    bool data_exposed;
    bool drill;                     /* a game day: the declare event said drill: true */
    const char *drill_publish;      /* the sinks a drill may publish to, "a,b"; "" none */
    int64_t exposed_at;             /* when data was first marked exposed; STAMP_NONE */
    int64_t declared_at, impact_at, detected_at, acked_at, mitigated_at, resolved_at,
        last_update_at, reopened_at;  /* STAMP_NONE when it has not happened */
    int64_t first_alert_at, first_impact_at; /* as marked; impact_at and detected_at fall back */
    const struct event **edits;     /* every edit event, in the order recorded */
    size_t nedits;
    struct sev_change *sevs;
    size_t nsevs;
    struct role_change *roles;      /* hand-off history, in order */
    size_t nroles;
    const char *holder[ROLE_COUNT]; /* current holder ("" none); for SMEs the last added */
    const char **smes;
    size_t nsmes;
    struct action_item *actions;
    size_t nactions;
    const struct event **updates;
    size_t nupdates;
    const char **fired;             /* escalation rule ids already recorded */
    size_t nfired;
    const struct event *postmortem; /* the last postmortem event, or NULL */
    const char **alert_names;       /* the distinct `name`s of alert events, first fired first */
    size_t nalert_names;
    const struct event **runbook_marks; /* runbook steps marked done, in the order they happened */
    size_t nrunbook_marks;
    const char *runbook_url;        /* the runbook link recorded last (alert or runbook event), or NULL */
    const struct event *email;      /* the last email event, or NULL */
    int64_t emailed_at;             /* the first customer email the server accepted; STAMP_NONE */
    struct reminder *reminders;     /* every snooze and dismissal, in timeline order */
    size_t nreminders;
    struct strindex *action_index;  /* item name -> position in actions */
    struct strindex *edit_index;    /* edit target id -> edits naming it */
    size_t *slot_of;                /* position in events[] -> timeline slot, (size_t)-1 none */
    size_t slot_cap;
    const struct event *last_edit;  /* the edit recorded last, or NULL */
};

/* Loads the incident ID whose log is at LOG_PATH: a full replay. A torn last
 * line is set aside and listed in reader.warnings; damage is an error. */
int incident_load(struct incident **out, const char *id, const char *log_path);

/* Reads what was appended since and replays. *CHANGED tells whether anything
 * new arrived. */
int incident_follow(struct incident *inc, bool *changed);

void incident_free(struct incident *inc);

/* Whether EV, just read (its id new), is stamped more than STAMP_SKEW_MAX past
 * READ_CLOCK: then it is flagged (ahead, seen) and, R not NULL, R warned, as
 * replay does for each record it reads. */
bool incident_flag_ahead(struct log_reader *r, struct event *ev, int64_t read_clock);

/* A new incident replayed from EVENTS[0..N) alone, records of its log in file
 * order (their lines in the same order), flagged by incident_flag_ahead: what
 * incident_load derives had the log held only them (show --json streams the
 * rest). READER, read already, is taken over (its warnings and arena, which
 * must hold the events, become the incident's). */
int incident_from_events(struct incident **out, const char *id, const char *log_path, struct log_reader *reader,
                         struct event **events, size_t n, int64_t read_clock);

/* The event with id ID, or NULL. */
const struct event *incident_find(const struct incident *inc, const char *id);

/* The action item with id ITEM, or NULL; and the id the next item gets. */
const struct action_item *incident_action(const struct incident *inc, const char *item);
void incident_next_action_id(const struct incident *inc, char *out, size_t size);

bool incident_is_open(const struct incident *inc);

/* How often this process read a log from its start (incident_load) and
 * replayed every event read (a full derive, not the fold of what is new):
 * the figures WARROOM_STATS reports, which the tests hold at zero where
 * nothing needs a replay. */
unsigned long incident_count_loads(void);
unsigned long incident_count_derives(void);

#endif
