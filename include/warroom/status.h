/* status — one line on the incidents in progress, for tmux's status-right
 * (`warroom status`), computed from the incidents' summaries alone: their
 * severity, how long they have run, the next clock with its countdown and a
 * mark when a clock is overdue, so running it every second replays nothing.
 * status_render is a pure function of the summaries, the policy and NOW.
 * Everything that came from a log or the policy is cleaned and, for tmux,
 * has every '#' doubled, so it can neither open a style (#[...]) nor run a
 * command (#(...)). */
#ifndef WARROOM_STATUS_H
#define WARROOM_STATUS_H

#include <stddef.h>
#include <stdint.h>

#include "warroom/buf.h"
#include "warroom/event.h"
#include "warroom/incident.h"
#include "warroom/policy.h"
#include "warroom/store.h"
#include "warroom/summary.h"

#define STATUS_TITLE_COLS 40     /* columns of the title the line keeps */

enum status_format { STATUS_FORMAT_TMUX, STATUS_FORMAT_PLAIN, STATUS_FORMAT_JSON };

/* What clock_compute reads of an incident, rebuilt from its summary; INC
 * points into the rest, so the struct must not be copied. */
struct status_incident {
    struct incident inc;
    struct sev_change sevs[SUMMARY_SEVS_MAX];
    const char *fired[SUMMARY_FIRED_MAX];
    struct event postmortem;
    char id[STORE_ID_MAX + 1];
};
void status_incident(struct status_incident *out, const struct incident_summary *sum, const char *id);

/* The line (with a newline) over the summaries SUMS[0..N) of incidents IDS:
 * the most severe open one (the latest declared among equals), and how many
 * more are open; nothing open, a short calm line. REPLAYED (NULL, or NULL
 * entries) holds the replayed incident where a summary could not hold all
 * the clocks need (summary.cut). */
void status_render(struct buf *out, const struct incident_summary *sums, const char *const *ids,
                   struct incident *const *replayed, size_t n, const struct policy *p, int64_t now,
                   enum status_format format);

/* S cleaned to one line of at most COLS columns, '#' doubled: safe inside a
 * tmux format. */
void status_tmux_escape(struct buf *out, const char *s, size_t cols);

#endif
