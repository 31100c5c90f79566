/* outbox — what an incident still has to publish, and its delivery.
 * Pending work is derived from the log: every published event (declare, sev,
 * role, page, ack, update, escalate, resolve) times every configured sink that
 * takes it, minus what `delivery` events say was delivered or failed for good;
 * every update also goes to the incident's local updates.md (the "file" sink),
 * so the war room works offline. Each attempt's outcome is appended to the log
 * as a `delivery` event, so a restart resumes where delivery stood. Nothing
 * here blocks: the console waits in outbox_wait (its own descriptors folded
 * in) for at most outbox_timeout_ms; only outbox_run (for the command line)
 * loops, and for a bounded time.
 * Secrets (hook URLs, keys, the page id) never leave the request: not in the
 * log, updates.md, a status text or a preview. The outbox owns every pointer it
 * hands out; they stay valid until the next outbox_sync, outbox_perform or
 * outbox_free. */
#ifndef WARROOM_OUTBOX_H
#define WARROOM_OUTBOX_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "warroom/buf.h"
#include "warroom/config.h"
#include "warroom/incident.h"
#include "warroom/policy.h"
#include "warroom/sink.h"
#include "warroom/store.h"

#define OUTBOX_FILE_SINK "file"             /* the sink name of updates.md */
#define OUTBOX_UPDATES_FILE "updates.md"
#define OUTBOX_LOCK_FILE "deliver.lock"
#define OUTBOX_WAIT_DEFAULT_S 10            /* the command line's bounded wait */
#define OUTBOX_WAIT_MAX_S 3600
#define OUTBOX_SINKS_MAX (SINK_TYPE_COUNT + 1) /* every provider and the file */

struct outbox;

/* Where one (event, sink) pair stands. */
enum outbox_state {
    OUTBOX_QUEUED,      /* not tried yet, or waiting behind an earlier one */
    OUTBOX_SENDING,     /* in flight in this process */
    OUTBOX_RETRYING,    /* failed for now; next try at next_at */
    OUTBOX_UNCONFIRMED, /* a request that is not idempotent was sent and its outcome is
                         * unknown (crash, timeout): it is checked, not resent */
    OUTBOX_SENT,
    OUTBOX_FAILED,      /* will not be retried: the provider refused it */
};

struct outbox_item {
    const char *event_id;
    const char *sink;            /* "slack", ..., or OUTBOX_FILE_SINK */
    enum publish_kind kind;
    enum outbox_state state;
    unsigned attempt;            /* attempts recorded so far */
    int64_t next_at;             /* RETRYING: Unix ms of the next try */
    long http_status;            /* of the last attempt; 0 when none */
    const char *reason;          /* why it is not sent: clean, secret-free; "" */
    bool accepted;               /* SENT: the provider only accepted it, to act on later */
    const char *receipt;         /* SENT: the provider's id for it (a ticket, a request); "" */
    const char *warning;         /* SENT: what the provider had to leave out; "" */
};

/* Opens the outbox of incident ID in STORE with the sinks of CONFIG and the
 * environment (see docs/howto-sinks.md). POLICY (may be NULL) names the
 * severities. STORE, CONFIG and POLICY are borrowed and must outlive it. A
 * sink configured wrongly is not an error here: it shows in outbox_problems
 * and its items stay queued. Returns 0, or < 0 with an error set. */
int outbox_open(struct outbox **out, const struct store *store, const char *id,
                const struct config *config, const struct policy *policy);

/* Lends OB the team's directory (NULL: nobody's ids are known); it must
 * outlive OB. */
struct people;
void outbox_set_people(struct outbox *ob, const struct people *people);
/* Whether a configured sink names people by their ids (assignees, invites,
 * mentions), so the directory is worth reading. */
bool outbox_needs_people(const struct outbox *ob);

/* Abandons what is in flight (the log keeps it pending), releases the lock. */
void outbox_free(struct outbox *ob);

/* Takes the incident's delivery lock (flock on <incident dir>/deliver.lock):
 * 1 when this process now delivers (or already did), 0 when another process
 * holds it (the work stays queued for that one), < 0 on error. Non-blocking;
 * the console calls it on every sync until it gets the lock. */
int outbox_lock(struct outbox *ob);
bool outbox_locked(const struct outbox *ob);

/* Recomputes what is pending from the replayed INC (the same incident as the
 * outbox's) and, when this process holds the lock, starts what is due at NOW
 * (Unix ms, the real clock: retry times are wall-clock times) and writes
 * pending updates to updates.md. Never waits on the network. 0 or < 0. */
int outbox_sync(struct outbox *ob, const struct incident *inc, int64_t now);

/* How long the caller may wait before outbox_perform and outbox_sync must run
 * again: the engine's own deadline or the next retry that is due, -1 when
 * nothing is. The console takes the smaller of this and its own deadlines. */
long outbox_timeout_ms(struct outbox *ob, int64_t now);

/* Waits at most TIMEOUT_MS (< 0: no limit) for the network or one of EXTRA
 * (the keyboard, the log watcher; revents filled in): the console's one wait,
 * on curl_multi_poll once a transfer was ever started, else on poll(2). A
 * signal ends it early. 0 or < 0. */
int outbox_wait(struct outbox *ob, struct pollfd *extra, size_t n, int timeout_ms);

/* Moves transfers along without blocking, and for each finished one appends
 * its `delivery` event to the log. Returns how many outcomes were recorded
 * (the caller then follows the log and calls outbox_sync), or < 0. */
int outbox_perform(struct outbox *ob, int64_t now);

/* For the command line: sync, perform and wait until nothing is due before
 * DEADLINE (monotonic ms, deliver_clock_ms) or the deadline passes, following
 * INC's log as delivery events are appended. Returns 0 or < 0. */
int outbox_run(struct outbox *ob, struct incident *inc, int64_t deadline_ms);

/* Every (event, sink) pair of the incident, in log order, as of the last sync. */
size_t outbox_count(const struct outbox *ob);
const struct outbox_item *outbox_item(const struct outbox *ob, size_t i);

/* The items of one event (up to MAX into OUT; OUT may be NULL when MAX is 0);
 * returns how many there are. */
size_t outbox_items_of(const struct outbox *ob, const char *event_id,
                       const struct outbox_item **out, size_t max);

/* One line for people: "sent", "queued", "sending", "retrying in 12s: HTTP 500:
 * Internal Server Error", "failed: HTTP 400: invalid_payload", "checking
 * whether it arrived". Appended to OUT. */
void outbox_describe(struct buf *out, const struct outbox_item *item, int64_t now);

/* Counts over every item: not yet sent (queued, sending, retrying,
 * unconfirmed), and failed for good. */
void outbox_counts(const struct outbox *ob, size_t *pending, size_t *failed);

/* The sinks in trouble, for the console's header: "slack (retrying: HTTP 500),
 * statuspage (misconfigured: ...)"; nothing appended when all is well. A sink
 * is in trouble when it is misconfigured or its oldest unsent item is
 * retrying, unconfirmed or failed. Returns how many sinks are in trouble. */
size_t outbox_problems(struct outbox *ob, struct buf *out);

/* How often this process rebuilt the entries from the log, and walked them
 * all to find the sinks' heads or their problems: the tests hold a console
 * following notes to none of either. */
unsigned long outbox_count_builds(void);
unsigned long outbox_count_scans(void);

/* What sink SINK keeps remotely for the incident (Slack's channel), as the
 * log records it: its id and its name (may be NULL). False when none. */
bool outbox_remote(const struct outbox *ob, const char *sink, const char **id, const char **name);

/* The same from the log alone, for what shows the incident without
 * delivering (show, the console's header): the first delivery record of
 * SINK that names a remote object, when its id is 1..SINK_REMOTE_ID_MAX and
 * its name 1..SINK_REMOTE_NAME_MAX characters of [A-Za-z0-9_-]. Pointers
 * into INC. */
bool outbox_remote_recorded(const struct incident *inc, const char *sink, const char **id, const char **name);
/* The same for one event: whether EV is such a record (pointers into EV). */
bool outbox_remote_in(const struct event *ev, const char *sink, const char **id, const char **name);

/* The configured sinks' names, in order, the file sink last. */
size_t outbox_sink_count(const struct outbox *ob);
const char *outbox_sink_name(const struct outbox *ob, size_t i);

/* What each configured sink would receive for a draft update (STATE, TEXT) of
 * INC written BY at AT (the update's time as it will be recorded), secrets
 * masked: the routing key, API key and page id as "•••", hook URLs through
 * sink_mask_url. The same rendering as the delivery, byte for byte. */
struct outbox_preview {
    const char *sink;
    char *method;      /* "POST", "PATCH" */
    char *target;      /* the URL, masked */
    char *body;        /* the JSON body, masked; for the file sink the Markdown */
    char *problem;     /* NULL, or why this sink cannot send it */
};
int outbox_preview(struct outbox_preview **out, size_t *n, const struct outbox *ob,
                   const struct incident *inc, const char *state, const char *text, const char *by, int64_t at);
void outbox_preview_free(struct outbox_preview *p, size_t n);

/* The text of a status update in STATE ("investigating", "identified",
 * "monitoring", "resolved", "internal") rendered from the built-in template
 * docs/templates/<state>.md over the incident (title, sev, sev_name, status,
 * impact, ic, comms, next_update: when the next update is due, "HH:MM UTC").
 * P may be NULL. For the composer to prefill. Appended to OUT; 0 or < 0. */
int outbox_update_text(struct buf *out, const struct incident *inc, const struct policy *p,
                       const char *state, int64_t now);

/* Unix ms from the real-time clock, whatever WARROOM_NOW says: retry times
 * and Retry-After dates are about the real world. */
int64_t outbox_clock_ms(void);

#endif
