/* sinks/slack_channel — the incident's own Slack channel, through the Web API
 * with a bot token (src/sinks/slack_channel.c). Declaring an incident of a
 * severity the policy names creates the channel, sets its topic, invites the
 * role holders, posts the incident message and pins it with the runbook link;
 * every later published event is posted there. Each item is a chain of
 * requests (struct sink_chain): the channel id and the message ts come back
 * in one answer and are needed by the next request, so the outbox records
 * them in the log. */
#ifndef WARROOM_SINKS_SLACK_CHANNEL_H
#define WARROOM_SINKS_SLACK_CHANNEL_H

#include "warroom/sink.h"

extern const struct sink_ops sink_slack_channel_ops;

#define SINK_SLACK_API_URL "https://slack.com/api"
#define SINK_SLACK_CHANNEL_NAME_MAX 80   /* Slack's rule for channel names */
#define SINK_SLACK_TOPIC_MAX 250         /* conversations.setTopic refuses longer */
#define SINK_SLACK_FIELD_MAX 2000        /* a section field's text */
#define SINK_SLACK_FIELDS_MAX 10
#define SINK_SLACK_NAME_SUFFIX_MAX 9     /* name_taken: -2 ... -9, then a refusal */

/* The channel name from TEMPLATE (NULL: "inc-{date}-{slug}"): {date} is the
 * declaration's day (YYYYMMDD, UTC), {slug} the title's words, {id} the
 * incident id, {sev} "sev1". Slack's rules are enforced on the result:
 * lowercase, only letters, digits, hyphens and underscores (anything else a
 * hyphen, runs of them one), at most 80 characters with "-SUFFIX" when
 * SUFFIX >= 2. Returns 0, or < 0 when nothing usable is left. */
int sink_slack_channel_name(struct buf *out, const char *template, const char *title, const char *incident_id,
                            int sev, int64_t declared_ms, unsigned suffix);

/* A role holder as Slack shows them: "<@U024BE7LH>", a real mention, when
 * SLACK_ID is a Slack user id; else NAME escaped, which mentions nobody. */
void sink_slack_mention(struct buf *out, const char *name, const char *slack_id);

/* The channel's topic: severity, IC and status, plain text, at most
 * SINK_SLACK_TOPIC_MAX characters. */
void sink_slack_channel_topic(struct buf *out, const struct publish_item *item);

/* The chat.postMessage body for ITEM in CHANNEL: the incident channel
 * message for a declaration (severity, title, detected, impact, roles,
 * links), else the event; TAG (a block_id) marks it as this item's, so a
 * check after a lost answer can find it. 0, or < 0. */
int sink_slack_channel_message(struct buf *out, const struct publish_item *item, const char *channel,
                               const char *tag);

/* Where a person opens channel ID: Slack's own redirect, which finds the
 * workspace ("https://slack.com/app_redirect?channel=C0123"). */
void sink_slack_channel_link(struct buf *out, const char *id);

#endif
