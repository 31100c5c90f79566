/* sink — what each outside system (Slack, PagerDuty, Statuspage, a generic
 * webhook) receives, and how to read what it answers.
 * Pure functions over plain structs: no network, no clock, no randomness of their
 * own, so the outbox, the composer's preview and the tests get identical bytes.
 * Every string taken in is cleaned (text_clean) and bounded; secrets go only into
 * the request field the provider needs and never into a message produced here.
 * Everything returned is owned by the caller (free with the matching *_free). */
#ifndef WARROOM_SINK_H
#define WARROOM_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "warroom/buf.h"
#include "warroom/deliver.h"
#include "warroom/sinks.h"

struct people;

/* What happened in the incident that is being published. */
enum publish_kind {
    PUBLISH_DECLARE,
    PUBLISH_SEV,
    PUBLISH_ROLE,
    PUBLISH_UPDATE,
    PUBLISH_PAGE,
    PUBLISH_ACK,
    PUBLISH_ESCALATE,
    PUBLISH_RESOLVE,
    PUBLISH_ACTION,     /* an action item added (its first action event) */
};

/* The public status of the incident, as Statuspage names it. */
enum publish_state {
    PUBLISH_STATE_NONE,          /* not given: the sink uses what the kind implies */
    PUBLISH_STATE_INVESTIGATING,
    PUBLISH_STATE_IDENTIFIED,
    PUBLISH_STATE_MONITORING,
    PUBLISH_STATE_RESOLVED,
};

#define PUBLISH_ROLES_MAX 12

/* One thing to publish, described with borrowed strings: the builders only read
 * them during the call and copy what they keep. NULL means absent. None of these
 * may hold a secret; secrets live in struct sink_target. */
struct publish_item {
    enum publish_kind kind;
    enum publish_state state;
    const char *incident_id;   /* required; PagerDuty's dedup_key */
    const char *title;         /* required */
    int sev;                   /* 1 is the most severe; 0 when unknown */
    const char *sev_name;      /* "SEV1"; NULL: "SEV<sev>" */
    const char *status;        /* incident status in words, e.g. "investigating" */
    const char *ic;            /* incident commander */
    const char *comms;         /* comms lead */
    const char *text;          /* the message: update text, page reason, note */
    const char *runbook_url;   /* http(s) only; anything else is left out */
    const char *dashboard_url;
    int64_t at_ms;             /* when it happened, Unix ms UTC; <= 0: not sent */
    const char *event_json;    /* the log event as JSON (generic webhook only) */
    const char *event_id;      /* the log event's id: Statuspage's metadata tag; NULL: none */
    /* PUBLISH_ACTION: the action item ("A1"), its owner as the incident names
     * them, due date (YYYY-MM-DD) and priority ("P1"); for the other kinds
     * PRIORITY is the severity's opsgenie_priority from the policy; NULL: absent */
    const char *action_item, *owner, *due, *priority;
    const struct people *people; /* the team's directory (may be NULL) */
    struct buf *warning;       /* where a provider says what it had to leave out
                                * (a missing assignee); NULL: nowhere */
    /* for the incident channel (slack_channel) */
    const char *impact;
    int64_t detected_ms;       /* when it was detected (else declared); <= 0: unknown */
    const char *status_page_url, *postmortem_url;  /* http(s) only, like runbook_url */
    struct publish_role {
        const char *role;      /* "IC", "Comms", "Ops", "Scribe", "SME" */
        const char *name;      /* the holder, as the incident names them */
        const char *slack;     /* their Slack user id (people directory); NULL: none known */
    } roles[PUBLISH_ROLES_MAX];
    size_t nroles;
    const struct publish_role *changed;  /* PUBLISH_ROLE: the role given (name "" when cleared) */
    bool channel;              /* the severity it was declared at gets a channel (policy) */
    const char *channel_template; /* the policy's name template; NULL: the default */
    int64_t declared_ms;       /* for {date} */
};

/* Where and as whom to publish. url, secret and page_id are secrets or carry one:
 * they go only into the request's URL, body or header. */
struct sink_target {
    enum sink_type type;
    const char *url;     /* the hook URL, events endpoint or API base (NULL:
                          * the provider's own default) */
    const char *secret;  /* a routing key or API key */
    const char *page_id; /* the provider's page, when it has pages */
    const char *source;  /* who sends: config, else the host name */
    const char *public_url_prefix; /* the part of url the user marked as fine to
                                    * show (see sink_public_prefix); NULL: none */
    const char *extra;   /* the provider's own settings, a JSON object (NULL: none) */
};

/* Bounds, in characters unless said otherwise. */
#define SINK_TEXT_MAX_BYTES (256 * 1024)  /* any input string is cut here first */
#define SINK_URL_MAX 2048
#define SINK_REMOTE_ID_MAX 64
#define SINK_REMOTE_NAME_MAX 80
#define SINK_REASON_MAX 300
#define SINK_EVENT_JSON_MAX (64 * 1024)

/* A request ready for the delivery engine; every member owned by the request. */
struct sink_request {
    const char *method;   /* static string: "POST" or "PATCH" */
    char *url;            /* secret for slack and webhook */
    char *headers[2];     /* "Name: value"; Authorization holds the API key */
    size_t n_headers;
    char *body;
    size_t body_len;
};

void sink_request_free(struct sink_request *r);

/* Points REQ (headers included) at R's members, for deliver_add; REQ borrows
 * from R and must not outlive it. Timeouts and tag are left to the caller. */
void sink_request_view(struct deliver_request *req, const struct sink_request *r);

/* Parses "slack", "pagerduty", ... Returns 0, or < 0 with an error set. */
int sink_type_from_name(enum sink_type *out, const char *name);
const char *sink_type_name(enum sink_type type);
int publish_kind_from_name(enum publish_kind *out, const char *name);
const char *publish_kind_name(enum publish_kind kind);
int publish_state_from_name(enum publish_state *out, const char *name);
const char *publish_state_name(enum publish_state state); /* "" for NONE */

/* Whether a sink publishes this kind of thing at all. */
bool sink_takes(enum sink_type type, enum publish_kind kind);

/* Builds the whole request for T. REMOTE_ID is Statuspage's id of the incident
 * once created (NULL: this request creates it); other sinks ignore it.
 * Returns 1 with OUT filled, 0 when the sink does not take this kind (OUT left
 * empty), < 0 with an error set (never naming a secret). */
int sink_build_request(struct sink_request *out, const struct sink_target *t,
                       const struct publish_item *item, const char *remote_id);

/* URL for display: scheme, host and port kept, everything after them (the
 * path, query and fragment) shown as "/•••", user info as "•••@". Never NULL;
 * caller frees. */
char *sink_mask_url(const char *url);

/* The same, but the first PREFIX_LEN bytes of URL (a public prefix, see
 * sink_public_prefix) are shown as they are. */
char *sink_mask_url_keeping(const char *url, size_t prefix_len);

/* Where the part of URL that sink_mask_url hides starts (NULL when it hides
 * nothing after the host): what must never be printed. */
const char *sink_url_secret(const char *url);

/* How much of T's configured URL may be shown: the user's public_url_prefix
 * when it is a prefix of the URL that covers at least scheme://host and ends
 * where a path segment, the query or the fragment begins (anything else is
 * ignored: everything stays masked), else what the provider publishes itself
 * (Slack's "https://hooks.slack.com/services", PagerDuty's default events URL,
 * Statuspage's "https://api.statuspage.io/v1"). 0 when nothing is public. */
size_t sink_public_prefix(const struct sink_target *t);

/* The parts of T that are secret, pointers into T's strings, NULL-terminated
 * in OUT (room for SINK_SECRETS_MAX + 1): the key, the page id, and what the
 * URL hides beyond its public part. Returns how many. */
#define SINK_SECRETS_MAX 4
size_t sink_target_secrets(const struct sink_target *t, const char **out);

/* A request URL built for T, for people: the public prefix kept, the rest
 * masked; for Statuspage its API path is shown with the page id masked
 * ("https://api.statuspage.io/v1/pages/•••/incidents/abc"). Caller frees. */
char *sink_mask_target_url(const struct sink_target *t, const char *url);

/* Appends TEXT with every run of SINK_SCRUB_RUN or more characters of any of
 * the NULL-terminated SECRETS (a secret of 4 or 5 bytes: the whole of it;
 * shorter ones are ignored) replaced by "•••", whatever form the run takes in
 * TEXT: as is, upper- or lower-cased, URL-encoded (%2F or %2f, or twice),
 * JSON-escaped (\/, \u002f), as HTML entities, or base64 (standard or
 * URL-safe alphabet, at any alignment). Consecutive masked runs become one
 * "•••". Over-masking is preferred to a leak. */
#define SINK_SCRUB_RUN 6
void sink_scrub(struct buf *out, const char *text, const char *const *secrets);

/* ---- retries ---- */

enum sink_outcome {
    SINK_DELIVERED,
    SINK_ACCEPTED,  /* taken to be done later (Opsgenie's 202 and request id) */
    SINK_RETRY,     /* try again later: timeout, network, 408, 425, 429, 420, 5xx */
    SINK_FAILED,    /* will not succeed as it is: other 4xx, a refused request */
};

const char *sink_outcome_name(enum sink_outcome outcome);

#define SINK_RETRY_AFTER_MAX_S 3600

/* Parses a Retry-After value: delta-seconds, or an HTTP-date (IMF-fixdate, and
 * the obsolete RFC 850 and asctime forms) taken relative to NOW_S (Unix s).
 * *DELAY_S gets 0..SINK_RETRY_AFTER_MAX_S (a date in the past gives 0).
 * Returns 0, or < 0 with an error set for anything else. */
int sink_retry_after_parse(int64_t *delay_s, const char *value, int64_t now_s);

struct sink_backoff {
    int64_t base_ms;  /* first retry waits between base/2 and base */
    int64_t cap_ms;   /* no wait longer than this (Retry-After aside) */
};

#define SINK_BACKOFF_DEFAULT { 2000, 5 * 60 * 1000 }

/* Capped exponential backoff with "equal jitter": for ATTEMPT n >= 1 (the attempt
 * that just failed), d = min(cap, base * 2^(n-1)) and the result lies in
 * [d/2, d], placed by RANDOM (any 32-bit value; the caller's random source). */
int64_t sink_backoff_ms(const struct sink_backoff *policy, unsigned attempt, uint32_t random);

/* The wait before the next attempt: the backoff, but never less than what the
 * provider asked for in RETRY_AFTER (raw header value or NULL; unparseable
 * values are ignored). */
int64_t sink_retry_delay_ms(const struct sink_backoff *policy, unsigned attempt,
                            uint32_t random, const char *retry_after, int64_t now_s);

/* Classifies a finished transfer. For SINK_DELIVERED and SINK_ACCEPTED, REASON
 * gets the provider's receipt, if its verdict gave one. Otherwise REASON gets
 * one clean line of at most SINK_REASON_MAX bytes: the HTTP status and the
 * provider's own error text (Slack's plain text, PagerDuty's message and errors,
 * Statuspage's error), or the transport failure, with each of the
 * NULL-terminated SECRETS (may be NULL) scrubbed out. */
enum sink_outcome sink_classify(enum sink_type type, const struct deliver_result *r,
                                const char *const *secrets, struct buf *reason);

/* The same, naming SHOWN_URL (the request URL already masked; NULL: none) in
 * the reason when the address itself looks wrong: a redirect, 404, 405, 410,
 * or no connection. */
enum sink_outcome sink_classify_at(enum sink_type type, const struct deliver_result *r,
                                   const char *const *secrets, const char *shown_url,
                                   struct buf *reason);

/* ---- shared by the sink_*.c builders (and handy to callers) ---- */

/* Length of S[0..LEN) in UTF-16 code units: how providers count characters. */
size_t sink_units(const char *s, size_t len);

/* The largest index <= AT that does not fall inside a UTF-8 character. */
size_t sink_utf8_boundary(const char *s, size_t len, size_t at);

/* Cuts B's text from byte START on to at most MAX_UNITS units, MARKER (may be
 * NULL) included, when it is longer; never inside a character. */
void sink_cut(struct buf *b, size_t start, size_t max_units, const char *marker);

/* Appends S (NULL: nothing) cleaned with text_clean FLAGS and cut to MAX_UNITS
 * units with "…"; sink_clean_line makes one line of it. */
void sink_clean(struct buf *out, const char *s, size_t max_units, unsigned flags);
void sink_clean_line(struct buf *out, const char *s, size_t max_units);

/* An http(s) URL of at most SINK_URL_MAX bytes, printable ASCII, with a host. */
bool sink_is_web_url(const char *url);

/* 1..MAX characters, all from [A-Za-z0-9_-]: safe in a URL path or header. */
bool sink_is_token(const char *s, size_t max);

/* "SEV1": the item's sev_name cleaned, else SEV<sev>, else "SEV?". */
void sink_sev_label(struct buf *out, const struct publish_item *item);

/* Appends DOC as compact JSON, keys in insertion order. 0 or < 0. */
struct json_t;
int sink_json_dump(struct buf *out, struct json_t *doc);

/* ---- the sink table: what makes one provider differ from another ---- */

struct config;

/* What a provider's configuration gave: owned strings (NULL: absent) and the
 * first thing wrong with them (NULL: nothing). */
struct sink_settings {
    char *url, *secret, *page_id, *source;
    char *extra;   /* the provider's own settings as a JSON object; NULL: none */
    char *problem;
};

/* Config value: the environment variable ENV when set and not empty, else the
 * config file's KEY when not empty, else NULL. The environment wins, so a
 * secret never has to sit in a file. */
const char *sink_setting(const char *env, const struct config *c, const char *key);
/* Keeps WHAT as S's problem unless it has one already. */
void sink_settings_problem(struct sink_settings *s, const char *what);

/* For a provider whose requests are not idempotent: after an attempt whose
 * answer was lost, the outbox asks the provider what arrived instead of
 * sending again. All pure; see the provider's header for the rules. */
struct sink_sent {
    const char *incident_id, *event_id;  /* the tag */
    const char *body, *status;           /* what the update said */
    int64_t started;                     /* when the first attempt left */
    const char *mark_id, *mark_at;       /* the newest update known there */
};

struct sink_recovery {
    const char *title;   /* the provider's name in messages: "not found on ..." */
    /* What a check looks for in the request body just built: the name of the
     * incident to create (CREATE) or the update's body, and its status. */
    char *(*expect)(const char *body, bool create);
    char *(*expect_status)(const char *body);
    /* The GET that checks: URL (for CREATE, a search for EXPECT) and the
     * header that authorises it. 0, or < 0 with an error set. */
    int (*check_request)(struct buf *url, struct buf *auth, const struct sink_target *t,
                         const char *remote_id, const char *expect);
    int (*find_created)(char **out, const char *body, size_t len, const char *name,
                        const char *incident_id, const char *event_id, int64_t started);
    int (*update_arrived)(const char *body, size_t len, const struct sink_sent *sent);
    int (*newest_update)(char **id, int64_t *at, const char *body, size_t len);
    int (*created_id)(char **out, const char *body, size_t len);
};

/* For a provider that delivers one item as a chain of requests, where later
 * ones need what earlier ones returned (Slack: create a channel, then set its
 * topic, invite, post, pin). The outbox records each step's outcome in the
 * log with what it returned, so a restart resumes at the step it stood at and
 * never repeats one that is done. */
struct sink_step {
    unsigned index;            /* 0: the first */
    enum publish_kind kind;    /* of the item */
    const char *incident_id, *event_id;
    const char *remote_id;     /* the sink's own remote object (a channel), once recorded */
    const char *ref;           /* what this item's steps recorded last (a message ts, a name suffix) */
    const char *expect;        /* a check: what the step's build said to look for */
    bool check;                /* the last attempt's answer was lost: ask, do not send */
    int64_t started;           /* when the first attempt of this step left (Unix ms; 0: none) */
};

struct sink_step_result {
    enum sink_outcome outcome;
    bool again_now;            /* SINK_RETRY at once, not after a backoff */
    bool check_again;          /* SINK_RETRY at once, and ask again (the next page of a lookup) */
    bool unsure;               /* SINK_RETRY: the answer does not say whether it arrived */
    char *remote_id, *ref;     /* learned; NULL: nothing (owned, freed by the caller) */
    char *remote_name;         /* the remote object's name for people (a channel's) */
    char *warning;             /* SINK_DELIVERED, with something people should know */
};

struct sink_chain {
    /* How many steps ITEM takes (0: none, it is not for this sink). Deriving
     * what is pending, the outbox asks with only kind, sev and channel set. */
    unsigned (*steps)(const struct publish_item *item);
    /* Whether step INDEX is not idempotent: an "attempting" record goes to the
     * log before it leaves and, when its answer is lost, the next attempt is
     * a check (st->check) rather than a resend. */
    bool (*once)(const struct publish_item *item, unsigned index);
    /* Fills the request of step ST (with st->check, the one that asks), what a
     * check would look for into EXPECT, and a warning to record with the step
     * into WARNING. 1, 0 when this step has nothing to send (recorded as done,
     * with the warning), or < 0 with an error set. */
    int (*build)(const char **method, struct buf *url, struct buf *body, struct buf *auth, struct buf *expect,
                 struct buf *warning, const struct sink_target *t, const struct publish_item *item,
                 const struct sink_step *st);
    /* Reads the answer R to step ST into OUT; REASON gets one clean line (the
     * provider's error) for anything but SINK_DELIVERED, SECRETS scrubbed. */
    void (*read)(struct sink_step_result *out, const struct sink_step *st, const struct deliver_result *r,
                 const char *const *secrets, struct buf *reason);
    /* Whether step INDEX counts against the provider's pace (a message):
     * at least MIN_INTERVAL_MS between two of them. */
    bool (*paced)(const struct publish_item *item, unsigned index);
    int64_t min_interval_ms;
};

void sink_step_result_free(struct sink_step_result *r);

/* Builds step ST of ITEM for T's chain: the request, with its Authorization
 * and, when it has a body, "Content-Type: application/json; charset=utf-8".
 * Returns 1, 0 (nothing to send), or < 0; EXPECT and WARNING as the chain's. */
int sink_build_step(struct sink_request *out, struct buf *expect, struct buf *warning, const struct sink_target *t,
                    const struct publish_item *item, const struct sink_step *st);

struct sink_ops {
    enum sink_type type;
    const char *name;   /* "slack": the config section sinks.<name>, shown as is */
    /* Reads the provider's keys and environment variables into S; false when
     * the provider is not configured at all (S untouched). */
    bool (*configure)(struct sink_settings *s, const struct config *c);
    /* Whether it publishes this kind of thing at all. */
    bool (*takes)(enum publish_kind kind);
    /* Fills the URL, body and Authorization header (AUTH, may stay empty) of
     * the request for ITEM, and its METHOD; REMOTE_ID is the provider's own id
     * of the incident once created. 0, or < 0 with an error set. */
    int (*build)(const char **method, struct buf *url, struct buf *body, struct buf *auth,
                 const struct sink_target *t, const struct publish_item *item, const char *remote_id);
    /* Whether HTTP status ST is worth trying again (NULL: sink_status_retries). */
    bool (*retries)(long st);
    bool text_replies;   /* error replies are plain text, never JSON */
    /* How much of URL the provider publishes itself (0: none; NULL: none). */
    size_t (*public_prefix)(const char *url);
    /* A secret beyond the URL's hidden part and t->secret (NULL: none). */
    const char *(*more_secret)(const struct sink_target *t);
    /* The request URL masked for people, when the provider knows better than
     * sink_mask_url_keeping (NULL: it does not, or NULL returned). */
    char *(*mask_url)(const struct sink_target *t, const char *url);
    const struct sink_recovery *recovery;  /* NULL: requests are idempotent */
    /* It names people by their ids in the people directory (assignees,
     * invites, mentions), so the outbox loads the directory for it. */
    bool names_people;
    /* Judges a reply whose HTTP status does not tell (a GraphQL error in a
     * 200, a 202 that only accepts): an enum sink_outcome with the provider's
     * words, or for SINK_DELIVERED and SINK_ACCEPTED its receipt (an issue
     * identifier, a request id), appended to WORDS; -1: the status decides.
     * Retry-After from the reply still applies. NULL: the status decides. */
    int (*verdict)(const struct deliver_result *r, struct buf *words);
    const struct sink_chain *chain;        /* NULL: one request an item */
    /* A remote object the sink keeps for an incident that people open (a
     * Slack channel): what it is called ("channel"), how its name is written
     * ("#"), and the link to remote id ID. NULL: nothing to show. */
    const char *remote_label, *remote_sigil;
    void (*remote_link)(struct buf *out, const char *id);
};

/* T's row of the table, or NULL for a value outside it. */
const struct sink_ops *sink_ops_of(enum sink_type type);

/* The statuses every provider retries: 408, 420, 425, 429 and 5xx. */
bool sink_status_retries(long st);

/* sink_public_prefix with PROVIDER (may be NULL) saying what of a URL the
 * provider publishes itself: for a provider asking about its own target. */
size_t sink_public_prefix_by(const struct sink_target *t, size_t (*provider)(const char *url));

/* Length of PREFIX when it is a prefix of URL ending at a boundary (the end,
 * '/', '?' or '#' follows it, or it ends in '/'), else 0. */
size_t sink_prefix_of(const char *url, const char *prefix);

#define SINK_MASK "\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2"  /* ••• */

/* The providers' own functions, for their tests and the composer. */
#include "warroom/sinks/slack.h"
#include "warroom/sinks/pagerduty.h"
#include "warroom/sinks/statuspage.h"
#include "warroom/sinks/webhook.h"
#include "warroom/sinks/linear.h"
#include "warroom/sinks/opsgenie.h"
#include "warroom/sinks/slack_channel.h"

#endif
