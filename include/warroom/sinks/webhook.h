/* sinks/webhook — the generic JSON webhook (src/sinks/webhook.c). */
#ifndef WARROOM_SINKS_WEBHOOK_H
#define WARROOM_SINKS_WEBHOOK_H

#include "warroom/sink.h"

extern const struct sink_ops sink_webhook_ops;

/* The JSON body alone (compact, keys in a fixed order), appended to OUT.
 * Returns 0, or < 0 with an error set. */
int sink_build_webhook(struct buf *out, const struct publish_item *item);

#endif
