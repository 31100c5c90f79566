/* sinks/linear — Linear's GraphQL API (src/sinks/linear.c): an incident
 * ticket on declaration and one ticket per action item, each created with an
 * id of warroom's choosing derived from the incident and the event, so a
 * retry can never make a second ticket; and the one query that reads the
 * tickets' states back (`warroom actions --sync`). */
#ifndef WARROOM_SINKS_LINEAR_H
#define WARROOM_SINKS_LINEAR_H

#include "warroom/sink.h"

extern const struct sink_ops sink_linear_ops;

#define SINK_LINEAR_URL "https://api.linear.app/graphql"
#define SINK_LINEAR_UUID_LEN 36
#define SINK_LINEAR_TITLE_MAX 255
#define SINK_LINEAR_DESCRIPTION_MAX 20000
#define SINK_LINEAR_LABELS_MAX 20
#define SINK_LINEAR_QUERY_IDS_MAX 100   /* ids asked about in one query */
#define SINK_LINEAR_POSTMORTEM_LABEL "post-mortem"

/* The ticket's id for EVENT_ID of INCIDENT_ID: a UUID in version 4 form,
 * the same on every run and host, into OUT (SINK_LINEAR_UUID_LEN + 1). */
void sink_linear_issue_id(char *out, const char *incident_id, const char *event_id);

/* A Linear id: a UUID, lower-case hex. */
bool sink_linear_is_uuid(const char *s);

/* Linear's priority: 1 urgent ... 4 low, 0 none. From "P1".."P3" or a sev. */
int sink_linear_priority(const struct publish_item *item);

/* The issueCreate request body for ITEM (a declaration or an action item):
 * TEAM the team's id, LABELS[0..NLABELS) the label ids.
 * WARNING (may be NULL) gets what had to be left out, e.g. an owner without
 * a Linear user id. 0, or < 0 with an error set. */
int sink_build_linear(struct buf *out, const char *team, const char *const *labels, size_t nlabels,
                      const struct publish_item *item, struct buf *warning);

/* ---- reading tickets back ---- */

/* The query body for the tickets IDS[0..N) (N <= SINK_LINEAR_QUERY_IDS_MAX). */
int sink_linear_states_query(struct buf *out, const char *const *ids, size_t n);

struct sink_linear_ticket {
    char id[SINK_LINEAR_UUID_LEN + 1];
    char identifier[32];   /* "ENG-123"; "" when absent or odd */
    char state[16];        /* Linear's state type: triage, backlog, unstarted, started,
                            * completed, canceled; "" when absent or odd */
};

/* Parses the reply to sink_linear_states_query: the tickets found, into a
 * new array *OUT (caller frees) of *N. A GraphQL error or an odd reply is
 * < 0 with the provider's words (unscrubbed: scrub before showing). */
int sink_linear_states_parse(struct sink_linear_ticket **out, size_t *n, const char *body, size_t len);

/* The words of a GraphQL "errors" reply, and whether it says rate limited:
 * 1 rate limited, 0 another error, -1 no errors in BODY. */
int sink_linear_errors(struct buf *words, const char *body, size_t len);

#endif
