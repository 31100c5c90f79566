/* sinks/table — the sink table: one row per provider, in the order sinks are
 * configured, listed and shown. Adding a provider: its value in
 * include/warroom/sinks.h, its file beside this one, its row here. */
#include "warroom/sink.h"

const struct sink_ops *const sink_table[SINK_TYPE_COUNT] = {
    [SINK_SLACK] = &sink_slack_ops,
    [SINK_PAGERDUTY] = &sink_pagerduty_ops,
    [SINK_STATUSPAGE] = &sink_statuspage_ops,
    [SINK_WEBHOOK] = &sink_webhook_ops,
    [SINK_LINEAR] = &sink_linear_ops,
    [SINK_OPSGENIE] = &sink_opsgenie_ops,
    [SINK_SLACK_CHANNEL] = &sink_slack_channel_ops,
};
