/* sinks/pagerduty — PagerDuty Events API v2 (src/sinks/pagerduty.c). */
#ifndef WARROOM_SINKS_PAGERDUTY_H
#define WARROOM_SINKS_PAGERDUTY_H

#include "warroom/sink.h"

extern const struct sink_ops sink_pagerduty_ops;

#define SINK_PAGERDUTY_URL "https://events.pagerduty.com/v2/enqueue"
#define SINK_PD_SUMMARY_MAX 1024

/* The JSON body alone (compact, keys in a fixed order), appended to OUT.
 * Returns 0, or < 0 with an error set. The preview in the composer passes a
 * placeholder instead of the real routing key. */
int sink_build_pagerduty(struct buf *out, const char *routing_key, const char *source,
                         const struct publish_item *item);

/* PagerDuty's event_action for KIND ("trigger", "acknowledge", "resolve"), or
 * NULL when PagerDuty does not take it. */
const char *sink_pagerduty_action(enum publish_kind kind);
const char *sink_pagerduty_severity(int sev);   /* critical, error, warning, info */

#endif
