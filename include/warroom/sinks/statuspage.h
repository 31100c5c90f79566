/* sinks/statuspage — Atlassian Statuspage (src/sinks/statuspage.c): the one
 * provider whose requests are not idempotent, so it also says how to find out
 * what arrived after an answer was lost (struct sink_recovery). */
#ifndef WARROOM_SINKS_STATUSPAGE_H
#define WARROOM_SINKS_STATUSPAGE_H

#include "warroom/sink.h"

extern const struct sink_ops sink_statuspage_ops;

#define SINK_STATUSPAGE_URL "https://api.statuspage.io"

#define SINK_STATUSPAGE_NAME_MAX 255
#define SINK_STATUSPAGE_BODY_MAX 10000

/* The JSON body alone (compact, keys in a fixed order), appended to OUT.
 * Returns 0, or < 0 with an error set. */
int sink_build_statuspage(struct buf *out, const struct publish_item *item, bool create);

/* The key of Statuspage's incident metadata under which warroom tags what it
 * sends: {"incident": the war-room id, "update": the event id}, given an
 * item's event_id. */
#define SINK_STATUSPAGE_TAG "warroom"

const char *sink_statuspage_impact(int sev);    /* critical, major, minor, none */

/* After a Statuspage request whose answer was lost, whether it arrived: by
 * identity, never by words alone (templates make equal bodies common). */

/* In the search reply BODY (GET .../incidents?q=NAME) after an unconfirmed
 * creation: the incident that attempt made into *OUT (caller frees). Ours is
 * one named NAME and tagged with INCIDENT_ID and EVENT_ID; failing a tag (a
 * server that drops metadata), the earliest one of that name created no
 * earlier than STARTED (Unix ms, when the first attempt left), never an older
 * one: last month's "Checkout failing" is somebody else's. Returns 1 when
 * found, 0 when it is not there, < 0 (error set) when the reply is not a
 * list: then nothing can be concluded. */
int sink_statuspage_find_created(char **out, const char *body, size_t len, const char *name,
                                 const char *incident_id, const char *event_id, int64_t started);

/* What an unconfirmed PATCH sent, and what is known to be there already: the
 * newest update seen in a reply to a delivered request (MARK_ID made at
 * MARK_AT, Statuspage's own clock; NULL when none was). */
/* struct sink_sent (sink.h), under the name its tests know */
#define sink_statuspage_sent sink_sent

/* Whether the incident in BODY (GET .../incidents/ID) shows that update: its
 * tag names it, or it has an update of that status and body newer than the
 * mark (without a mark: made no earlier than STARTED). An earlier update with
 * the same words does not count. 1, 0, or < 0 when the reply is not an
 * incident. */
int sink_statuspage_update_arrived(const char *body, size_t len, const struct sink_sent *sent);

/* The newest of the incident updates in BODY (a created or patched incident):
 * its id into *ID (caller frees) and its time into *AT. 1, or 0 when there is
 * none that can be read. */
int sink_statuspage_newest_update(char **id, int64_t *at, const char *body, size_t len);

/* Reads the created incident's id from Statuspage's reply. *OUT (caller frees)
 * is 1..SINK_REMOTE_ID_MAX characters from [A-Za-z0-9_-]. 0, or < 0. */
int sink_statuspage_incident_id(char **out, const char *body, size_t len);

/* Statuspage's API URL for page PAGE_ID's incidents (REMOTE_ID: one of them)
 * appended to OUT from BASE: Atlassian's documented base
 * "https://api.statuspage.io/v1", the bare host, or either with a trailing
 * slash, all give ".../v1/pages/PAGE_ID/incidents". 0, or < 0. */
int sink_statuspage_url(struct buf *out, const char *base, const char *page_id, const char *remote_id);


#endif
