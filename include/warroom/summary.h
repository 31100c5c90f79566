/* summary — what picking an incident needs to know of it (declared when, open
 * or not, its severity and title), kept beside its log as a cache so that
 * picking "the open incident" among many reads one small file per incident
 * instead of replaying every log. The cache is derived: it names the log's
 * size, mtime and inode it describes, is replaced by a fresh replay whenever
 * they differ, and deleting it changes no output. Written atomically, 0600,
 * never through a symlink; a plain "key value" text read without a JSON
 * parser, since `list` reads one per incident. */
#ifndef WARROOM_SUMMARY_H
#define WARROOM_SUMMARY_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "warroom/store.h"

#define SUMMARY_TITLE_MAX 2048
#define SUMMARY_FILE "summary"
#define SUMMARY_FILE_OLD "summary.json"  /* the JSON one of earlier versions: removed when rebuilt */

#define SUMMARY_IMPACT_MAX 4096
#define SUMMARY_NAME_MAX 256

#define SUMMARY_SEVS_MAX 16       /* severity changes kept; an incident with more is not cached */
#define SUMMARY_FIRED_MAX 32      /* escalation steps taken (POLICY_RULES_MAX) */
#define SUMMARY_RULE_MAX 64       /* bytes of a rule id kept */

/* What the clocks need besides the moments below, so that `warroom status`
 * computes them without a replay (status_incident rebuilds what
 * clock_compute reads from it). */
struct summary_clocks {
    int64_t last_update_at, reopened_at, exposed_at, postmortem_at; /* STAMP_NONE when not */
    size_t nsevs, nfired;
    int sevs[SUMMARY_SEVS_MAX];             /* every severity set, the declaration's first */
    int64_t sevs_at[SUMMARY_SEVS_MAX];
    char fired[SUMMARY_FIRED_MAX][SUMMARY_RULE_MAX + 1];
};

/* What `list` shows of an incident and picking needs. Strings are "" when the
 * incident has none (list shows null for both). */
struct incident_summary {
    int64_t declared_at;      /* STAMP_NONE before the declaration */
    bool open;                /* incident_is_open */
    int sev;
    int status;               /* enum incident_status */
    bool data_exposed;
    bool drill;               /* declared with drill: true */
    int64_t impact_at, detected_at, acked_at, mitigated_at, resolved_at; /* STAMP_NONE when not */
    bool cut;                 /* a string was longer than its room here: not cached, and
                                 whoever shows strings replays the log instead */
    char title[SUMMARY_TITLE_MAX + 1];
    char impact[SUMMARY_IMPACT_MAX + 1];
    char declared_by[SUMMARY_NAME_MAX + 1];
    struct summary_clocks clocks;
    /* the log it describes */
    off_t size;
    int64_t mtime_ns;
    ino_t ino;
    dev_t dev;
};

/* Fills OUT for incident ID: from its cache when that still describes the
 * log, else by replaying the log (and rewriting the cache). Returns < 0 when
 * the log cannot be replayed. *REPLAYED (may be NULL) tells which. */
int summary_get(struct incident_summary *out, const struct store *store, const char *id, bool *replayed);

/* After this process appended the one record with id EVENT_ID, of a type that
 * changes nothing a summary holds (a note, an alert, an impact mark): when
 * the log is now SUM's log plus exactly that record, the cache moves along
 * with it, so the next pick needs no replay. Anything else leaves the cache
 * to be rebuilt. */
void summary_after_append(const struct incident_summary *sum, const struct store *store, const char *id,
                          const char *event_id);

/* How many replays summary_get made in this process (for the tests). */
unsigned long summary_replays(void);

#endif
