/* drill — a game day: the scripted events of a past incident (its log, or a
 * scenario file in the same one-record-a-line format) played again into a
 * new incident marked as a drill, at their own pace or faster. The plan is
 * read and checked whole before anything is recorded; each step is re-stamped
 * into the drill's time: its offset from the source's declaration, divided by
 * the speed, after the drill's declaration. The plan owns the source incident
 * and every event it hands out. */
#ifndef WARROOM_DRILL_H
#define WARROOM_DRILL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "warroom/event.h"
#include "warroom/incident.h"

/* What every message of a drill says first, and its postmortem's title. */
#define DRILL_MARK "[DRILL] "
#define DRILL_SPEED_MAX 3600.0     /* an hour a second */
#define DRILL_PUBLISH_MAX 256      /* bytes of the --publish list */

struct drill_step {
    const struct timeline_entry *entry; /* the source's, after its edits */
    int64_t offset;                     /* ms from the source's declaration; < 0 before it */
};

struct drill_plan {
    struct incident *source;
    const struct event *declare;        /* the source's declaration */
    struct drill_step *steps;           /* in the source's timeline order */
    size_t nsteps;
};

/* Reads the log at PATH (an incident's, or a scenario file) as any log is
 * read, every record checked, and lists its scripted events. A scenario must
 * declare its incident and hold no damaged or torn record. Returns 0, or < 0
 * with a message. */
int drill_plan_load(struct drill_plan *plan, const char *path, bool scenario);
void drill_plan_free(struct drill_plan *plan);

/* Whether the source's event EV is played in a drill: everything on the
 * timeline but the declaration (the drill has its own), what warroom itself
 * wrote in reaction to its clocks (escalation steps, missed updates: the
 * drill's own clocks write them again), snoozes and the postmortem. */
bool drill_is_scripted(const struct event *ev);

/* --speed TEXT: a number from 1 to DRILL_SPEED_MAX. */
int drill_parse_speed(double *speed, const char *text);
/* --publish TEXT: sink names ("slack,webhook"), each known, into OUT as
 * "slack,webhook" (no spaces). */
int drill_parse_publish(char *out, size_t size, const char *text);
/* Whether the list PUBLISH ("a,b") names SINK. */
bool drill_publishes_to(const char *publish, const char *sink);

/* The drill's declaration, by BY at AT: the source's title, severity and
 * impact, drill: true, where it came from, its speed and the sinks it may
 * publish to. */
void drill_draft_declare(struct event_draft *d, const struct drill_plan *plan, const char *by, int64_t at,
                         const char *source_name, double speed, const char *publish);
/* When step I happens in a drill declared at DECLARED_AT. */
int64_t drill_step_at(const struct drill_plan *plan, size_t i, int64_t declared_at, double speed);
/* Step I as a new event of the drill, at AT: its type, author and fields, the
 * text as edited. */
void drill_draft_step(struct event_draft *d, const struct drill_plan *plan, size_t i, int64_t at);

#endif
