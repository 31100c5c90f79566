/* sinks — the table of providers: one row, one `const struct sink_ops` (see
 * sink.h), one file under src/sinks/ per outside system. The outbox, the
 * composer's preview, masking and `show --json` walk sink_table and never
 * name a provider. Adding one: a value here, a row in src/sinks/table.c and
 * its own src/sinks/<name>.c (and include/warroom/sinks/<name>.h for what its
 * tests call directly). */
#ifndef WARROOM_SINKS_H
#define WARROOM_SINKS_H

#include <stddef.h>

/* The index of a provider's row in sink_table: the table's order is the
 * order sinks are configured, listed and shown. */
enum sink_type {
    SINK_SLACK,
    SINK_PAGERDUTY,
    SINK_STATUSPAGE,
    SINK_WEBHOOK,
    SINK_LINEAR,
    SINK_OPSGENIE,
    SINK_SLACK_CHANNEL,
    SINK_TYPE_COUNT
};

struct sink_ops;
extern const struct sink_ops *const sink_table[SINK_TYPE_COUNT];

#endif
