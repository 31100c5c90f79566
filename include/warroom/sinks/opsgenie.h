/* sinks/opsgenie — Opsgenie Alert API v2 (src/sinks/opsgenie.c): one alert
 * per incident, its alias the incident id, so acknowledge and close find it
 * without an Opsgenie id. Opsgenie works asynchronously: create, acknowledge
 * and close answer 202 with a request id, recorded as accepted, not delivered. */
#ifndef WARROOM_SINKS_OPSGENIE_H
#define WARROOM_SINKS_OPSGENIE_H

#include "warroom/sink.h"

extern const struct sink_ops sink_opsgenie_ops;

#define SINK_OPSGENIE_URL "https://api.opsgenie.com"
#define SINK_OPSGENIE_EU_URL "https://api.eu.opsgenie.com"
/* Opsgenie's documented field limits, in characters */
#define SINK_OPSGENIE_MESSAGE_MAX 130
#define SINK_OPSGENIE_ALIAS_MAX 512
#define SINK_OPSGENIE_DESCRIPTION_MAX 15000
#define SINK_OPSGENIE_DETAILS_MAX 8000   /* all keys and values together */
#define SINK_OPSGENIE_SOURCE_MAX 100
#define SINK_OPSGENIE_NOTE_MAX 25000

/* "create", "acknowledge" or "close" for KIND, or NULL when Opsgenie does
 * not take it. */
const char *sink_opsgenie_action(enum publish_kind kind);

/* P1 for SEV1 ... P5 for SEV5 and below. */
const char *sink_opsgenie_priority(int sev);

/* The request for ITEM against API base BASE (no trailing slash needed):
 * the URL and the JSON body appended. 0, or < 0 with an error set. */
int sink_build_opsgenie(struct buf *url, struct buf *body, const char *base, const char *source,
                        const struct publish_item *item);

#endif
