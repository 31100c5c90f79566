/* intake_route — where each alert of a batch is recorded, by the policy's
 * intake section: the open incident of its service, a new incident declared
 * at the level its severity maps to, or the incident picked as every verb
 * picks one. A fact already in an incident's log (the same delivery again) is
 * not appended twice. Each append is on disk (log_append's fdatasync) before
 * this returns, so a caller that answers "received" after it never answers
 * for what is not written. Returns < 0 only when it could not even look;
 * each alert's own outcome is in the report. */
#ifndef WARROOM_INTAKE_ROUTE_H
#define WARROOM_INTAKE_ROUTE_H

#include <stddef.h>

#include "warroom/intake.h"
#include "warroom/session.h"

enum intake_outcome {
    INTAKE_RECORDED,     /* appended to an open incident */
    INTAKE_DECLARED,     /* a new incident was declared for it, and it was appended there */
    INTAKE_REPEATED,     /* already in the log: nothing appended */
    INTAKE_UNPLACED,     /* no incident to put it in: nothing appended */
    INTAKE_IGNORED,      /* the policy says to ignore it */
    INTAKE_FAILED,       /* the append failed: message says why */
};

struct intake_result {
    enum intake_outcome outcome;
    char incident[STORE_ID_MAX + 1];   /* "" when none */
    char *message;                     /* for UNPLACED and FAILED; the report's */
};

struct intake_report {
    struct intake_result *results;     /* one per alert of the batch, in order */
    size_t n;
    size_t failed;                     /* how many FAILED */
};

/* Records B's alerts through S (its policy loaded here). */
int intake_route_batch(struct session *s, const struct intake_batch *b, struct intake_report *report);
void intake_report_free(struct intake_report *r);
const char *intake_outcome_name(enum intake_outcome o);

#endif
