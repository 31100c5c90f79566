/* sinks/slack — Slack incoming webhooks (src/sinks/slack.c). */
#ifndef WARROOM_SINKS_SLACK_H
#define WARROOM_SINKS_SLACK_H

#include "warroom/sink.h"

extern const struct sink_ops sink_slack_ops;

#define SINK_SLACK_HEADER_MAX 150
#define SINK_SLACK_SECTION_MAX 3000
#define SINK_SLACK_FIELD_MAX 2000
#define SINK_SLACK_BLOCKS_MAX 50
#define SINK_SLACK_FALLBACK_MAX 3000

/* Shown at the end of a Slack message cut short for lack of blocks. */
#define SINK_SLACK_CUT_MARKER "\xe2\x80\xa6 _(message cut: too long for Slack)_"

/* The JSON body alone (compact, keys in a fixed order), appended to OUT.
 * Returns 0, or < 0 with an error set. */
int sink_build_slack(struct buf *out, const struct publish_item *item);

/* Appends TEXT (LEN bytes) escaped for Slack mrkdwn: & < > become entities, so
 * nothing in it can mention, notify or link. */
void sink_slack_escape(struct buf *out, const char *text, size_t len);

/* Appends S (NULL: nothing) cleaned (text_clean FLAGS), cut to MAX_UNITS
 * units and escaped: text from people, ready for mrkdwn. */
void sink_slack_add_escaped(struct buf *out, const char *s, size_t max_units, unsigned flags);

/* Block Kit pieces both Slack sinks build with: a text object of TYPE
 * ("mrkdwn", "plain_text"), and a section holding S as mrkdwn. */
struct json_t *sink_slack_text_object(const char *type, const char *s, size_t len);
struct json_t *sink_slack_section(const char *s, size_t len);

#endif
