/* describe — the words for a timeline entry, the same wherever it is shown:
 * `warroom show`, the console's timeline and the postmortem's. Plain text
 * (clean, as the log holds it); whoever puts it on a terminal or into
 * Markdown escapes it for that place. */
#ifndef WARROOM_DESCRIBE_H
#define WARROOM_DESCRIBE_H

#include <stddef.h>

#include "warroom/buf.h"
#include "warroom/incident.h"
#include "warroom/policy.h"

/* Appends what entry E of INC says ("Declared SEV2: Checkout failing",
 * "Status update (identified): ...", "Action item A1 added: ...") to OUT.
 * P names the severities (its ladder's names; "SEVn" past its end). */
void describe_entry(struct buf *out, const struct incident *inc, const struct policy *p,
                    const struct timeline_entry *e);

/* The ladder's name for level SEV, written into BUF when P has no such level. */
const char *describe_sev(const struct policy *p, int sev, char *buf, size_t size);

#endif
