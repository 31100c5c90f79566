/* postmortem — what a postmortem says about an incident, derived from its log.
 * Builds the JSON context a postmortem template is rendered over (the one
 * `warroom postmortem --json` prints), the figures it quotes (time to detect,
 * acknowledge, mitigate, resolve; total duration), the file's path and the
 * commit message. Everything here is a pure function of the replayed incident
 * and the policy: no I/O, no clock (NOW is used only while the incident is still
 * open), so the same log gives the same bytes. Returned JSON is the caller's to
 * json_decref; bufs passed in are the caller's. */
#ifndef WARROOM_POSTMORTEM_H
#define WARROOM_POSTMORTEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "warroom/buf.h"
#include "warroom/incident.h"
#include "warroom/policy.h"

#define POSTMORTEM_SPAN_MAX 48     /* bytes of a formatted span, NUL included */
#define POSTMORTEM_SLUG_MAX 60     /* bytes of the title's slug in the file name */
#define POSTMORTEM_DIR_DEFAULT "postmortems"

/* The moments and spans of an incident, in ms. Every field is STAMP_NONE when
 * the log does not say (nothing declared, not acknowledged, not mitigated...).
 *   impact_at    the start of impact: the declaration, or an earlier `impact` event
 *   detected_at  the first alert, or the declaration when no alert came before it
 *   started_at   the earliest of the start of impact, the first alert and the declaration
 *   ttd = detected_at - impact_at     tta = acked_at - detected_at
 *   ttm = mitigated_at - impact_at    ttr = resolved_at - impact_at
 *   duration = resolved_at - started_at, or NOW - started_at while open (ONGOING)
 * Spans are never negative: a moment logged before the one it is measured from
 * (an acknowledgement back-dated before the first alert) counts as 0. */
struct postmortem_figures {
    int64_t impact_at, detected_at, acked_at, mitigated_at, resolved_at, started_at;
    int64_t ttd, tta, ttm, ttr, duration;
    bool ongoing;
};

void postmortem_figures(struct postmortem_figures *f, const struct incident *inc, int64_t now);

/* A span for a postmortem's reader, rounded down to the minute: "0 min", "4 min",
 * "1 h 05 min", "2 d 03 h 10 min"; under a minute, "45 s". Writes at most SIZE
 * bytes into OUT and returns OUT. */
char *postmortem_format_span(char *out, size_t size, int64_t span);

/* The template's context (see docs/howto-postmortem.md for every field):
 *   { "incident": { id, title, sev, sev_name, status, declared, resolved,
 *                   duration, ic, comms, authors: [..], impact },
 *     "figures":  { ttd, tta, ttm, ttr, duration },
 *     "timeline": [ { time, date, by, type, text } ],
 *     "actions":  [ { id, text, kind, priority, owner, due, status } ],
 *     "updates":  [ { date, time, state, text } ],
 *     "summary", "root_cause", "trigger", "resolution", "detection" }
 * Unknown values are null, so a template shows its prompt for the author. The
 * timeline holds every entry in the order things happened (UTC), except the
 * postmortem's own events: publishing the postmortem is not part of the story,
 * and leaving it out lets a committed postmortem be rendered again unchanged.
 * NOW matters only while the incident is open (the duration so far). */
json_t *postmortem_context(const struct incident *inc, const struct policy *p, int64_t now);

/* The file a postmortem is committed as: DIR/YYYY-MM-DD-<slug>.md, the date the
 * incident's declaration, the slug made of its title. DIR (NULL: "postmortems")
 * must be a relative path inside a repository (repo_check_path). Replaces OUT's
 * content; returns 0 or < 0 with a message. */
int postmortem_path(struct buf *out, const struct incident *inc, const char *dir);

/* "postmortem: <title> (<SEV>, <id>)\n\nIncident: <id>\n", then a "Timeline:
 * refs/warroom/<id>/<host>" trailer per host that recorded in it (sync keeps
 * those refs on the remote), replacing OUT's content. */
void postmortem_commit_message(struct buf *out, const struct incident *inc, const struct policy *p);

/* How many action items lack an owner or a due date. When LIST is not NULL,
 * appends one line per such item to it: "A2 has no owner and no due date". */
size_t postmortem_incomplete_actions(const struct incident *inc, struct buf *list);

/* Renders template TEXT[0..LEN) over CTX, appending Markdown to OUT. A malformed
 * template is an error naming SOURCE, the line and the column
 * ("runbooks/post-mortem-template.md:3:14: ..."). */
int postmortem_render(struct buf *out, const char *text, size_t len, const char *source, const json_t *ctx);

#endif
