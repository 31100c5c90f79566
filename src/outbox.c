/* outbox — pending publications derived from the log, delivered through the
 * non-blocking engine, each outcome appended back to the log. It walks the
 * sink table (include/warroom/sinks.h) and never names a provider.
 *
 * Per sink, items go out one at a time in log order: chat readers see the
 * story in order, a pager gets its trigger before the resolve, and a status
 * page's creating POST finishes before any PATCH needs its id. An item
 * that is retrying holds back the ones behind it on that sink (they would fail
 * the same way); one that failed for good does not.
 *
 * A sink with a recovery (struct sink_recovery) is one whose requests are not
 * idempotent: every POST makes an incident and every PATCH an incident update.
 * So before either is sent an "attempting" record goes to the log, and a
 * request whose outcome is unknown (the process died, the reply timed out or
 * broke off) is never resent blindly: the outbox asks the provider first and
 * only sends again when the first one is not there. What warroom sends is
 * tagged (metadata.warroom: the incident and the update), and a check goes by
 * identity, never by words: a creation is the incident of that name carrying
 * the tag (or, from a server that drops metadata, one created after the
 * attempt began, never an older one), an update is the tag or an update of
 * that status and body newer than the newest one known delivered. */
#include "warroom/outbox.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "warroom/builtin.h"
#include "warroom/clock.h"
#include "warroom/deliver.h"
#include "warroom/drill.h"
#include "warroom/error.h"
#include "warroom/event.h"
#include "warroom/host.h"
#include "warroom/log.h"
#include "warroom/people.h"
#include "warroom/stamp.h"
#include "warroom/strindex.h"
#include "warroom/template.h"
#include "warroom/text.h"

#define FILE_SINK_TYPE (-1)
#define CONNECT_TIMEOUT_DEFAULT_MS 5000L
#define TOTAL_TIMEOUT_DEFAULT_MS 15000L
#define TIMEOUT_MAX_MS (10L * 60 * 1000)
#define UPDATES_MAX_BYTES ((size_t)64 << 20)
#define TEXT_MAX 16384

enum rank { RANK_ATTEMPTING = 0, RANK_OUTCOME = 1 };

struct sink_conf {
    int type;                  /* enum sink_type, or FILE_SINK_TYPE */
    const char *name;          /* static */
    char *url, *secret, *page_id, *source;
    char *public_url_prefix;   /* sinks.<name>.public_url_prefix: may be shown */
    char *extra;               /* the provider's own settings (JSON) */
    char *problem;             /* misconfigured: why (never naming a secret) */
    const char *secrets[SINK_SECRETS_MAX + 1]; /* what must be scrubbed from anything shown */
    /* what the provider's replies taught, per sink: several sinks keep
     * remote objects of their own (a status page incident, a channel) */
    char *remote_id;           /* the provider's incident id, once known */
    char *mark_update, *mark_at; /* the newest remote update known delivered */
    char *remote_name;         /* ... and its name for people */
    int64_t last_start;        /* a chain's last request that is not idempotent left then (Unix ms) */
    bool held;                 /* this round, the provider's pace holds the head back */
};

/* One delivery record: from the log, or appended by this process and not yet
 * seen by replay. */
struct record {
    const char *event_id;
    int sink;
    unsigned attempt;
    int rank;
    enum outbox_state state;
    bool unconfirmed;
    int64_t next_at;
    long status;
    const char *reason;
    const char *remote_id;
    int64_t started;           /* attempting: when the request left (Unix ms) */
    const char *remote_update; /* the newest remote incident update seen in a reply */
    const char *remote_update_at; /* ... and when the provider says it was made */
    bool accepted;             /* SENT: accepted, to be done by the provider later */
    const char *receipt;       /* SENT: the provider's id for what it did */
    const char *warning;       /* SENT: what the provider had to leave out */
    unsigned step, steps;      /* a chain's step, and how many the item takes (0: no chain) */
    const char *ref;           /* what the step returned for the item's later steps */
    const char *remote_name;   /* the remote object's name for people */
};

/* A record this process appended, owning its strings. */
struct written {
    struct record r;
    char *event_id, *reason, *remote_id, *remote_update, *remote_update_at;
    char *receipt, *warning, *ref, *remote_name;
};

struct entry {
    char *event_id;
    size_t seq;
    int sink;
    enum publish_kind kind;
    const struct event *ev;    /* borrowed from the incident of the last sync */
    enum outbox_state state;
    bool unconfirmed;          /* RETRYING: the next try is a check */
    unsigned attempt;
    int rank;
    bool seen;                 /* a record applied */
    int64_t started;           /* when its first attempt left (0: none yet) */
    int64_t next_at;
    long status;
    char *reason;
    bool accepted;
    char *receipt, *warning;
    unsigned step;             /* a chain: the step it stands at */
    unsigned last_step;        /* ... and the step of the last record applied */
    char *ref;                 /* what its steps returned last */
    struct outbox_item view;
};

enum op { OP_SEND, OP_CHECK_CREATE, OP_CHECK_UPDATE, OP_STEP };

struct flight {
    uint64_t tag;
    char *event_id;
    int sink;
    unsigned attempt;
    enum op op;
    bool create;               /* the POST that creates the remote incident */
    char *expect;              /* checks: the name or body to look for */
    char *expect_status;       /* update checks: the status sent */
    int64_t started;           /* checks: when the first attempt left */
    char *shown_url;           /* the request's URL, masked: for reasons */
    char *warning;             /* what the provider left out of the request */
    unsigned step, steps;      /* OP_STEP: which, of how many */
    enum publish_kind kind;
    bool check, once;          /* OP_STEP: a check; a step that is not idempotent */
    char *ref;                 /* OP_STEP: the item's ref when it left */
};

/* updates.md as this process last read or wrote it, so that writing update
 * after update reads it once instead of once per update: trusted only while
 * the file is that very file, of that size and mtime. */
struct updates_known {
    bool valid;
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime;
    struct strindex markers;   /* the ids whose marker it holds (keys in ids) */
    char **ids;
    size_t nids;
};

struct outbox {
    struct updates_known known;
    const struct store *store;
    const struct config *config;
    const struct policy *policy;
    char *id;
    char *log_path;
    char *updates_path;
    char *lock_path;
    int lock_fd;
    bool locked;
    struct sink_conf sinks[OUTBOX_SINKS_MAX];
    size_t nsinks;
    long connect_timeout_ms, total_timeout_ms;
    struct sink_backoff backoff;

    struct entry *entries;
    size_t nentries;
    size_t *order;             /* indexes of entries sorted by (event id, sink) */
    struct written *overlay;
    size_t noverlay;
    struct flight *flights;
    size_t nflights;
    uint64_t next_tag;
    struct deliver *engine;
    const struct people *people; /* the team's directory, borrowed; NULL: none */
    /* what the entries were last built from, so a sync after a plain note
     * does not rebuild them (a console follows every event) */
    const struct incident *built_for;
    size_t built_events, built_overlay;
    uint64_t flights_gen, built_flights_gen;
    /* Each sink's head (its first entry not yet sent or failed) and what
     * outbox_problems says, looked for again only after an entry's state
     * changed: the console asks for them on every pass, and an arriving note
     * must not cost a walk over every delivery the incident ever made. */
    uint64_t states_gen, heads_gen, problems_gen;
    size_t heads[OUTBOX_SINKS_MAX];   /* nentries: none */
    struct buf problems;
    size_t nproblems;
};

/* ---- small helpers ---- */

int64_t outbox_clock_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint32_t random32(void)
{
    uint32_t r;
    if (getrandom(&r, sizeof r, GRND_NONBLOCK) != (ssize_t)sizeof r)
        r = (uint32_t)outbox_clock_ms() * 2654435761u;
    return r;
}

static char *dup_or_null(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

static long config_ms(const struct config *c, const char *key, long fallback)
{
    json_t *v = config_value(c, key);
    if (!json_is_number(v))
        return fallback;
    double d = json_number_value(v);
    if (d < 1 || d > TIMEOUT_MAX_MS)
        return fallback;
    return (long)d;
}

static struct sink_conf *add_sink(struct outbox *ob, int type, const char *name)
{
    struct sink_conf *s = &ob->sinks[ob->nsinks++];
    memset(s, 0, sizeof *s);
    s->type = type;
    s->name = name;
    return s;
}

static void finish_secrets(struct sink_conf *s)
{
    s->secrets[0] = NULL;
    if (s->type == FILE_SINK_TYPE)
        return;
    struct sink_target t = {.type = (enum sink_type)s->type, .url = s->url, .secret = s->secret,
                            .page_id = s->page_id, .public_url_prefix = s->public_url_prefix};
    sink_target_secrets(&t, s->secrets);
}

/* The sinks of DESIGN.md's table, in the sink table's order: the environment
 * wins over the config file, so a secret never has to sit in a file. */
static void load_sinks(struct outbox *ob, const struct config *c)
{
    for (size_t i = 0; i < SINK_TYPE_COUNT; i++) {
        const struct sink_ops *ops = sink_table[i];
        struct sink_settings got = {0};
        if (!ops->configure(&got, c))
            continue;
        struct sink_conf *s = add_sink(ob, ops->type, ops->name);
        s->url = got.url;
        s->secret = got.secret;
        s->page_id = got.page_id;
        s->source = got.source;
        s->problem = got.problem;
        s->extra = got.extra;
    }
    add_sink(ob, FILE_SINK_TYPE, OUTBOX_FILE_SINK);
    for (size_t i = 0; i < ob->nsinks; i++) {
        struct buf name = BUF_INIT;
        buf_printf(&name, "sinks.%s.public_url_prefix", ob->sinks[i].name);
        ob->sinks[i].public_url_prefix = dup_or_null(config_string(c, name.data));
        buf_free(&name);
        finish_secrets(&ob->sinks[i]);
    }
}

static void wipe_free(char *s)
{
    if (s) {
        memset(s, 0, strlen(s));
        free(s);
    }
}

static void free_sinks(struct outbox *ob)
{
    for (size_t i = 0; i < ob->nsinks; i++) {
        struct sink_conf *s = &ob->sinks[i];
        wipe_free(s->url);
        wipe_free(s->secret);
        wipe_free(s->page_id);
        free(s->source);
        free(s->public_url_prefix);
        free(s->problem);
        free(s->extra);
        free(s->remote_id);
        free(s->remote_name);
        free(s->mark_update);
        free(s->mark_at);
    }
    ob->nsinks = 0;
}

int outbox_open(struct outbox **out, const struct store *store, const char *id,
                const struct config *config, const struct policy *policy)
{
    *out = NULL;
    if (!store_valid_id(id))
        return error_set("\"%.80s\" is not an incident id", id);
    struct outbox *ob = xcalloc(1, sizeof *ob);
    ob->states_gen = 1;   /* the kept heads and problems (gen 0) are not worked out yet */
    ob->store = store;
    ob->config = config;
    ob->policy = policy;
    ob->id = xstrdup(id);
    ob->log_path = store_log_path(store, id);
    ob->updates_path = store_incident_file(store, id, OUTBOX_UPDATES_FILE);
    ob->lock_path = store_incident_file(store, id, OUTBOX_LOCK_FILE);
    ob->lock_fd = -1;
    ob->connect_timeout_ms = config_ms(config, "delivery.connect_timeout_ms", CONNECT_TIMEOUT_DEFAULT_MS);
    ob->total_timeout_ms = config_ms(config, "delivery.timeout_ms", TOTAL_TIMEOUT_DEFAULT_MS);
    ob->backoff = (struct sink_backoff)SINK_BACKOFF_DEFAULT;
    load_sinks(ob, config);
    *out = ob;
    return 0;
}

void outbox_set_people(struct outbox *ob, const struct people *people)
{
    ob->people = people;
}

bool outbox_needs_people(const struct outbox *ob)
{
    for (size_t i = 0; i < ob->nsinks; i++)
        if (ob->sinks[i].type != FILE_SINK_TYPE && sink_ops_of((enum sink_type)ob->sinks[i].type)->names_people)
            return true;
    return false;
}

static void written_free(struct written *w)
{
    free(w->receipt);
    free(w->warning);
    free(w->event_id);
    free(w->reason);
    free(w->remote_id);
    free(w->remote_update);
    free(w->remote_update_at);
    free(w->ref);
    free(w->remote_name);
}

static void flight_free(struct flight *f)
{
    free(f->event_id);
    free(f->expect);
    free(f->expect_status);
    free(f->shown_url);
    free(f->warning);
    free(f->ref);
}

static void free_entries(struct outbox *ob)
{
    for (size_t i = 0; i < ob->nentries; i++) {
        free(ob->entries[i].event_id);
        free(ob->entries[i].reason);
        free(ob->entries[i].receipt);
        free(ob->entries[i].ref);
        free(ob->entries[i].warning);
    }
    free(ob->entries);
    free(ob->order);
    ob->entries = NULL;
    ob->order = NULL;
    ob->nentries = 0;
    ob->states_gen++;
}

static void known_forget(struct updates_known *k)
{
    strindex_clear(&k->markers);
    for (size_t i = 0; i < k->nids; i++)
        free(k->ids[i]);
    free(k->ids);
    memset(k, 0, sizeof *k);
}

static void known_add(struct updates_known *k, const char *id, size_t len)
{
    bool added;
    char *copy = xstrndup(id, len);
    strindex_put(&k->markers, copy, 0, &added);
    if (!added) {
        free(copy);
        return;
    }
    k->ids = xrealloc(k->ids, sizeof *k->ids * (k->nids + 1));
    k->ids[k->nids++] = copy;
}

/* Remembers FD (just read or written, ending on a complete section of SIZE
 * bytes) as it stands now. */
static void known_stat(struct updates_known *k, int fd, off_t size)
{
    struct stat st;
    k->valid = fstat(fd, &st) == 0 && st.st_size == size && size > 0;
    if (k->valid) {
        k->dev = st.st_dev;
        k->ino = st.st_ino;
        k->size = st.st_size;
        k->mtime = st.st_mtim;
    }
}

static bool known_holds(const struct updates_known *k, int fd)
{
    struct stat st;
    return k->valid && fstat(fd, &st) == 0 && st.st_dev == k->dev && st.st_ino == k->ino && st.st_size == k->size &&
           st.st_mtim.tv_sec == k->mtime.tv_sec && st.st_mtim.tv_nsec == k->mtime.tv_nsec;
}

void outbox_free(struct outbox *ob)
{
    if (!ob)
        return;
    known_forget(&ob->known);
    deliver_free(ob->engine);
    free_entries(ob);
    buf_free(&ob->problems);
    for (size_t i = 0; i < ob->noverlay; i++)
        written_free(&ob->overlay[i]);
    free(ob->overlay);
    for (size_t i = 0; i < ob->nflights; i++)
        flight_free(&ob->flights[i]);
    free(ob->flights);
    free_sinks(ob);
    if (ob->lock_fd >= 0)
        close(ob->lock_fd);   /* releases the flock */
    free(ob->id);
    free(ob->log_path);
    free(ob->updates_path);
    free(ob->lock_path);
    free(ob);
}

int outbox_lock(struct outbox *ob)
{
    if (ob->locked)
        return 1;
    if (ob->lock_fd < 0) {
        ob->lock_fd = open(ob->lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (ob->lock_fd < 0)
            return error_set_errno("cannot open %s", ob->lock_path);
    }
    if (flock(ob->lock_fd, LOCK_EX | LOCK_NB) < 0) {
        if (errno == EWOULDBLOCK || errno == EINTR)
            return 0;
        return error_set_errno("cannot lock %s", ob->lock_path);
    }
    ob->locked = true;
    return 1;
}

bool outbox_locked(const struct outbox *ob)
{
    return ob->locked;
}

/* ---- deriving the entries from the log ---- */

static bool kind_of(enum event_type t, enum publish_kind *kind)
{
    switch (t) {
    case EVENT_DECLARE: *kind = PUBLISH_DECLARE; return true;
    case EVENT_SEV: *kind = PUBLISH_SEV; return true;
    case EVENT_ROLE: *kind = PUBLISH_ROLE; return true;
    case EVENT_PAGE: *kind = PUBLISH_PAGE; return true;
    case EVENT_ACK: *kind = PUBLISH_ACK; return true;
    case EVENT_UPDATE: *kind = PUBLISH_UPDATE; return true;
    case EVENT_ESCALATE: *kind = PUBLISH_ESCALATE; return true;
    case EVENT_RESOLVE: *kind = PUBLISH_RESOLVE; return true;
    case EVENT_ACTION: *kind = PUBLISH_ACTION; return true;
    default: return false;
    }
}

static bool sink_takes_kind(const struct sink_conf *s, enum publish_kind kind)
{
    if (s->type == FILE_SINK_TYPE)
        return kind == PUBLISH_UPDATE;
    return sink_takes((enum sink_type)s->type, kind);
}

/* How sink S finds out what arrived after a lost answer; NULL when its
 * requests are safe to send again (and for the updates file). */
static const struct sink_recovery *recovery_of(const struct sink_conf *s)
{
    const struct sink_ops *ops = s->type == FILE_SINK_TYPE ? NULL : sink_ops_of((enum sink_type)s->type);
    return ops ? ops->recovery : NULL;
}

/* The steps of sink S's items; NULL when an item is one request. */
static const struct sink_chain *chain_of(const struct sink_conf *s)
{
    const struct sink_ops *ops = s->type == FILE_SINK_TYPE ? NULL : sink_ops_of((enum sink_type)s->type);
    return ops ? ops->chain : NULL;
}

static int sink_index(const struct outbox *ob, const char *name)
{
    for (size_t i = 0; name && i < ob->nsinks; i++)
        if (strcmp(ob->sinks[i].name, name) == 0)
            return (int)i;
    return -1;
}

static int compare_key(const char *id_a, int sink_a, const char *id_b, int sink_b)
{
    int c = strcmp(id_a, id_b);
    return c ? c : (sink_a > sink_b) - (sink_a < sink_b);
}

static int compare_order(const void *pa, const void *pb, void *arg)
{
    const struct outbox *ob = arg;
    const struct entry *a = &ob->entries[*(const size_t *)pa], *b = &ob->entries[*(const size_t *)pb];
    return compare_key(a->event_id, a->sink, b->event_id, b->sink);
}

static struct entry *find_entry(struct outbox *ob, const char *event_id, int sink)
{
    size_t lo = 0, hi = ob->nentries;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        struct entry *e = &ob->entries[ob->order[mid]];
        int c = compare_key(e->event_id, e->sink, event_id, sink);
        if (c == 0)
            return e;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static enum outbox_state state_of_outcome(const char *outcome, int *rank)
{
    *rank = RANK_OUTCOME;
    if (strcmp(outcome, "delivered") == 0 || strcmp(outcome, "accepted") == 0)
        return OUTBOX_SENT;
    if (strcmp(outcome, "failed") == 0)
        return OUTBOX_FAILED;
    if (strcmp(outcome, "attempting") == 0) {
        *rank = RANK_ATTEMPTING;
        return OUTBOX_UNCONFIRMED;
    }
    return OUTBOX_RETRYING;
}

static void apply_record(struct outbox *ob, const struct record *r)
{
    ob->states_gen++;
    struct sink_conf *sc = &ob->sinks[r->sink];
    bool recovers = recovery_of(sc) != NULL;
    if (r->remote_id && !sc->remote_id && chain_of(sc) && sink_is_token(r->remote_id, SINK_REMOTE_ID_MAX)) {
        free(sc->remote_name);
        sc->remote_name = r->remote_name && strlen(r->remote_name) <= SINK_REMOTE_NAME_MAX ? xstrdup(r->remote_name) : NULL;
    }
    if (r->remote_id && !sc->remote_id && (recovers || chain_of(sc)) && sink_is_token(r->remote_id, SINK_REMOTE_ID_MAX))
        sc->remote_id = xstrdup(r->remote_id);
    /* the newest record that saw the remote updates marks what is known
     * to be there: an update checked later must be newer than that */
    if (recovers && sink_is_token(r->remote_update, SINK_REMOTE_ID_MAX) && r->remote_update_at &&
        strlen(r->remote_update_at) < STAMP_TEXT_MAX) {
        free(sc->mark_update);
        free(sc->mark_at);
        sc->mark_update = xstrdup(r->remote_update);
        sc->mark_at = xstrdup(r->remote_update_at);
    }
    /* the provider's pace holds across processes: a chain's attempts are
     * in the log with the time they left */
    if (chain_of(sc) && r->rank == RANK_ATTEMPTING && r->started > sc->last_start)
        sc->last_start = r->started;
    struct entry *e = find_entry(ob, r->event_id, r->sink);
    if (!e)
        return;
    /* Records of one item come in order: by step, then attempt; an equal key
     * is a later word on the same attempt (a check's outcome after the
     * attempt's). */
    if (e->seen && (r->step < e->last_step ||
                    (r->step == e->last_step &&
                     (r->attempt < e->attempt || (r->attempt == e->attempt && r->rank < e->rank)))))
        return;
    if (e->seen && r->step > e->last_step)
        e->started = 0;   /* a new step: its own first attempt */
    if (r->started > 0 && (e->started == 0 || r->started < e->started))
        e->started = r->started;
    e->seen = true;
    e->last_step = e->step = r->step;
    if (r->ref && *r->ref && strlen(r->ref) <= SINK_REMOTE_ID_MAX) {
        free(e->ref);
        e->ref = xstrdup(r->ref);
    }
    e->attempt = r->attempt;
    e->rank = r->rank;
    e->state = r->state;
    e->unconfirmed = r->unconfirmed;
    e->next_at = r->next_at;
    e->status = r->status;
    e->accepted = r->accepted;
    free(e->receipt);
    e->receipt = NULL;
    /* from the log, so untrusted: one clean, bounded line, scrubbed; a
     * warning stays with the entry through a chain's later steps (the invite
     * step's missing id is still worth saying once the pins are done) */
    struct buf line = BUF_INIT, scrubbed = BUF_INIT;
    if (r->receipt) {
        sink_clean_line(&line, r->receipt, SINK_REMOTE_ID_MAX * 2);
        sink_scrub(&scrubbed, buf_str(&line), ob->sinks[r->sink].secrets);
        e->receipt = buf_detach(&scrubbed);
    }
    if (r->warning && *r->warning) {
        buf_reset(&line);
        sink_clean_line(&line, r->warning, SINK_REASON_MAX);
        sink_scrub(&scrubbed, buf_str(&line), ob->sinks[r->sink].secrets);
        free(e->warning);
        e->warning = buf_detach(&scrubbed);
    } else if (!r->steps) {
        free(e->warning);
        e->warning = NULL;
    }
    buf_free(&line);
    buf_free(&scrubbed);
    free(e->reason);
    /* scrubbed again as it is read: a record written by an older warroom, or
     * by hand, must not show a secret either */
    struct buf clean = BUF_INIT;
    sink_scrub(&clean, r->reason ? r->reason : "", ob->sinks[r->sink].secrets);
    e->reason = buf_detach(&clean);
    if (r->state == OUTBOX_SENT && r->step + 1 < r->steps) {
        /* a step of a chain is done: the item goes on with the next one */
        e->step = r->step + 1;
        e->state = OUTBOX_QUEUED;
        e->attempt = 0;
        e->rank = RANK_OUTCOME;
        e->unconfirmed = false;
        e->started = 0;
    }
}

static bool record_from_event(const struct outbox *ob, const struct event *ev, struct record *r)
{
    const char *target = event_str(ev, "update"), *sink = event_str(ev, "sink"),
               *outcome = event_str(ev, "outcome");
    long long v;
    memset(r, 0, sizeof *r);
    if (!target || !outcome || (r->sink = sink_index(ob, sink)) < 0)
        return false;
    r->event_id = target;
    r->state = state_of_outcome(outcome, &r->rank);
    r->attempt = event_int(ev, "attempt", &v) && v > 0 && v < 1000000 ? (unsigned)v : 1;
    r->unconfirmed = event_bool(ev, "unconfirmed");
    r->status = event_int(ev, "status", &v) && v >= 0 && v < 1000 ? (long)v : 0;
    r->reason = event_str(ev, "error");
    r->remote_id = event_str(ev, "remote_id");
    r->remote_update = event_str(ev, "remote_update");
    r->remote_update_at = event_str(ev, "remote_update_at");
    r->accepted = strcmp(outcome, "accepted") == 0;
    r->receipt = event_str(ev, "receipt");
    r->step = event_int(ev, "step", &v) && v >= 0 && v < 1000 ? (unsigned)v : 0;
    r->steps = event_int(ev, "steps", &v) && v > 0 && v <= 1000 ? (unsigned)v : 0;
    r->ref = event_str(ev, "ref");
    r->remote_name = event_str(ev, "remote_name");
    r->warning = event_str(ev, "warning");
    const char *next = event_str(ev, "next_at"), *started = event_str(ev, "started");
    int64_t t;
    r->next_at = next && stamp_parse_iso(&t, next) == 0 ? t : 0;
    r->started = r->rank == RANK_ATTEMPTING && started && stamp_parse_iso(&t, started) == 0 ? t : 0;
    return true;
}

/* The severity the incident was declared at: what decides its channel. */
static int declared_sev(const struct incident *inc)
{
    long long v;
    for (size_t i = 0; i < inc->nevents; i++)
        if (inc->events[i]->type == EVENT_DECLARE)
            return event_int(inc->events[i], "sev", &v) && v > 0 && v <= POLICY_SEV_MAX ? (int)v : inc->sev;
    return inc->sev;
}

/* Whether an incident declared at SEV gets a channel of its own. */
static bool channel_wanted(const struct outbox *ob, int sev)
{
    if (!ob->policy)
        return sev == 1 || sev == 2;
    return sev > 0 && sev <= POLICY_SEV_MAX && (ob->policy->channel_severities & (1u << sev));
}

static unsigned long builds, scans;   /* see outbox_count_scans */

unsigned long outbox_count_builds(void)
{
    return builds;
}

unsigned long outbox_count_scans(void)
{
    return scans;
}

static void build_entries(struct outbox *ob, const struct incident *inc)
{
    builds++;
    free_entries(ob);
    for (size_t s = 0; s < ob->nsinks; s++) {
        free(ob->sinks[s].remote_id);
        free(ob->sinks[s].remote_name);
        ob->sinks[s].remote_id = ob->sinks[s].remote_name = NULL;
    }
    size_t cap = 0;
    /* a chain says from the kind and the declared severity alone whether an
     * item is for it at all (the channel of a SEV3 that has none) */
    int sev = declared_sev(inc);
    bool channel = channel_wanted(ob, sev);
    for (size_t i = 0; i < inc->nevents; i++) {
        const struct event *ev = inc->events[i];
        enum publish_kind kind;
        /* each event is published by the host that recorded it, once */
        if (!kind_of(ev->type, &kind) || !host_is_ours(ev))
            continue;
        /* an action item is published once, when it is added */
        if (kind == PUBLISH_ACTION) {
            const struct action_item *a = incident_action(inc, event_str(ev, "item"));
            if (!a || a->first != ev)
                continue;
        }
        for (size_t s = 0; s < ob->nsinks; s++) {
            if (!sink_takes_kind(&ob->sinks[s], kind))
                continue;
            /* a drill publishes nowhere but where it was told to */
            if (inc->drill && !drill_publishes_to(inc->drill_publish, ob->sinks[s].name))
                continue;
            const struct sink_chain *ch = chain_of(&ob->sinks[s]);
            struct publish_item probe = {.kind = kind, .sev = sev, .channel = channel};
            if (ch && ch->steps(&probe) == 0)
                continue;
            if (ob->nentries == cap) {
                cap = cap ? cap * 2 : 32;
                ob->entries = xrealloc(ob->entries, cap * sizeof *ob->entries);
            }
            struct entry *e = &ob->entries[ob->nentries++];
            memset(e, 0, sizeof *e);
            e->event_id = xstrdup(ev->id);
            e->seq = i;
            e->sink = (int)s;
            e->kind = kind;
            e->ev = ev;
            e->state = OUTBOX_QUEUED;
        }
    }
    ob->order = xmalloc((ob->nentries ? ob->nentries : 1) * sizeof *ob->order);
    for (size_t i = 0; i < ob->nentries; i++)
        ob->order[i] = i;
    qsort_r(ob->order, ob->nentries, sizeof *ob->order, compare_order, ob);

    for (size_t i = 0; i < inc->nevents; i++) {
        struct record r;
        if (inc->events[i]->type == EVENT_DELIVERY && record_from_event(ob, inc->events[i], &r))
            apply_record(ob, &r);
    }
    for (size_t i = 0; i < ob->noverlay; i++)
        apply_record(ob, &ob->overlay[i].r);
    for (size_t i = 0; i < ob->nflights; i++) {
        struct entry *e = find_entry(ob, ob->flights[i].event_id, ob->flights[i].sink);
        if (e)
            e->state = OUTBOX_SENDING;
    }
    ob->states_gen++;
}

/* ---- what an event says, for the providers ---- */

struct item_text {
    struct publish_item item;
    struct buf text, event_json, sev_name, warning, title;
    struct publish_role changed;
};

static const char *nonempty(const char *s)
{
    return s && *s ? s : NULL;
}

static const char *const role_labels[ROLE_COUNT] = {"IC", "Comms", "Ops", "Scribe", "SME"};

static void add_role(struct publish_item *item, const struct people *people, const char *role, const char *name)
{
    if (!name || !*name || item->nroles >= PUBLISH_ROLES_MAX)
        return;
    item->roles[item->nroles++] = (struct publish_role){role, name, people ? people_id(people, name, PEOPLE_SLACK) : NULL};
}

/* Who holds the roles now, with their Slack ids, and what the policy says
 * of the incident's channel. */
static void item_people(struct item_text *it, const struct outbox *ob, const struct incident *inc,
                        const struct event *ev)
{
    struct publish_item *item = &it->item;
    for (int r = 0; r < ROLE_COUNT; r++) {
        if (r == ROLE_SME)
            continue;
        add_role(item, ob->people, role_labels[r], inc->holder[r]);
    }
    for (size_t i = 0; i < inc->nsmes; i++)
        add_role(item, ob->people, role_labels[ROLE_SME], inc->smes[i]);
    if (item->kind == PUBLISH_ROLE) {
        int r = event_str(ev, "role") ? incident_role_from_name(event_str(ev, "role")) : -1;
        const char *name = event_str(ev, "name") ? event_str(ev, "name") : "";
        it->changed = (struct publish_role){r >= 0 ? role_labels[r] : "role", name,
                                            *name ? people_id(ob->people, name, PEOPLE_SLACK) : NULL};
        item->changed = &it->changed;
    }
    item->channel = channel_wanted(ob, declared_sev(inc));
    item->channel_template = ob->policy ? ob->policy->channel_name : NULL;
    item->declared_ms = inc->declared_at != STAMP_NONE ? inc->declared_at : ev->at;
    item->detected_ms = inc->detected_at != STAMP_NONE && inc->detected_at > 0 ? inc->detected_at : item->declared_ms;
    item->impact = nonempty(inc->impact);
    item->status_page_url = config_string(ob->config, "status_page_url");
    item->postmortem_url = config_string(ob->config, "postmortem_url");
}

static const struct timeline_entry *timeline_of(const struct incident *inc, const struct event *ev)
{
    for (size_t i = 0; i < inc->ntimeline; i++)
        if (inc->timeline[i].ev == ev)
            return &inc->timeline[i];
    return NULL;
}

static void event_to_json(struct buf *out, const struct event *ev)
{
    json_t *o = json_object();
    char ts[STAMP_TEXT_MAX];
    json_object_set_new(o, "v", json_integer(ev->version));
    json_object_set_new(o, "id", json_string(ev->id));
    json_object_set_new(o, "ts", json_string(stamp_format_iso(ts, ev->ts)));
    json_object_set_new(o, "at", json_string(stamp_format_iso(ts, ev->at)));
    json_object_set_new(o, "by", json_string(ev->by));
    json_object_set_new(o, "type", json_string(ev->type_name));
    for (unsigned i = 0; i < ev->nfields; i++) {
        const struct event_field *f = &ev->fields[i];
        json_t *v;
        json_error_t jerr;
        switch (f->kind) {
        case FIELD_STRING: v = json_stringn(f->value, f->len); break;
        case FIELD_BOOL: v = json_boolean(f->value[0] == 't'); break;
        case FIELD_NUMBER:
        case FIELD_RAW: v = json_loadb(f->value, f->len, JSON_DECODE_ANY, &jerr); break;
        default: v = json_null(); break;
        }
        json_object_set_new(o, f->key, v ? v : json_null());
    }
    sink_json_dump(out, o);
    json_decref(o);
}

static void item_init(struct item_text *it, const struct outbox *ob, const struct incident *inc,
                      const struct event *ev, enum publish_kind kind)
{
    struct publish_item *item = &it->item;
    const struct timeline_entry *te = timeline_of(inc, ev);
    const char *text = te ? te->text : event_str(ev, "text");
    long long v;
    memset(it, 0, sizeof *it);
    item->kind = kind;
    item->incident_id = inc->id;
    item->title = inc->title ? inc->title : event_str(ev, "title");
    if (inc->drill) {
        /* every provider shows the title or the text: both say it is a drill */
        buf_printf(&it->title, "%s%s", DRILL_MARK, item->title ? item->title : "");
        item->title = buf_str(&it->title);
        buf_adds(&it->text, DRILL_MARK);
    }
    item->sev = (kind == PUBLISH_DECLARE || kind == PUBLISH_SEV) && event_int(ev, "sev", &v) && v > 0 && v < 100
                    ? (int)v : inc->sev;
    const struct severity_level *l = ob->policy ? policy_level(ob->policy, item->sev) : NULL;
    item->sev_name = l ? l->name : NULL;
    item->priority = l ? l->opsgenie_priority : NULL;   /* an action item's own, below */
    item->status = incident_status_name(inc->status);
    item->ic = nonempty(inc->holder[ROLE_IC]);
    item->comms = nonempty(inc->holder[ROLE_COMMS]);
    /* the incident's own runbook (see runbook.h), else the config's one link */
    item->runbook_url = inc->runbook_url ? inc->runbook_url : config_string(ob->config, "runbook_url");
    item->dashboard_url = config_string(ob->config, "dashboard_url");
    item->at_ms = ev->at;
    item->event_id = ev->id;
    switch (kind) {
    case PUBLISH_DECLARE:
        item->state = PUBLISH_STATE_INVESTIGATING;
        buf_printf(&it->text, "Incident declared%s%s", event_str(ev, "impact") ? ". Impact: " : "",
                   event_str(ev, "impact") ? event_str(ev, "impact") : "");
        break;
    case PUBLISH_SEV:
        buf_adds(&it->text, "Severity is now ");
        sink_sev_label(&it->text, item);
        if (event_str(ev, "why"))
            buf_printf(&it->text, ": %s", event_str(ev, "why"));
        break;
    case PUBLISH_ROLE: {
        const char *name = event_str(ev, "name");
        buf_printf(&it->text, "%s: %s", event_str(ev, "role") ? event_str(ev, "role") : "role",
                   name && *name ? name : "(cleared)");
        break;
    }
    case PUBLISH_PAGE:
        buf_printf(&it->text, "Paged %s%s%s", event_str(ev, "target") ? event_str(ev, "target") : "",
                   event_str(ev, "reason") ? ": " : "", event_str(ev, "reason") ? event_str(ev, "reason") : "");
        break;
    case PUBLISH_ACK:
        buf_printf(&it->text, "Acknowledged by %s", *ev->by ? ev->by : "someone");
        break;
    case PUBLISH_UPDATE:
        publish_state_from_name(&item->state, event_str(ev, "state"));
        error_clear();
        buf_adds(&it->text, text ? text : "");
        break;
    case PUBLISH_ESCALATE:
        buf_adds(&it->text, event_str(ev, "label") ? event_str(ev, "label") : "Escalated");
        break;
    case PUBLISH_RESOLVE:
        item->state = PUBLISH_STATE_RESOLVED;
        buf_adds(&it->text, text && *text ? text : "Resolved");
        break;
    case PUBLISH_ACTION: {
        /* the item as it stands now: an owner corrected before the ticket
         * was made is the one it gets */
        const struct action_item *a = incident_action(inc, event_str(ev, "item"));
        item->action_item = event_str(ev, "item");
        item->owner = a ? nonempty(a->owner) : event_str(ev, "owner");
        item->due = a ? nonempty(a->due) : event_str(ev, "due");
        item->priority = a ? nonempty(a->priority) : event_str(ev, "priority");
        buf_adds(&it->text, a && *a->text ? a->text : event_str(ev, "text") ? event_str(ev, "text") : "");
        break;
    }
    }
    item->people = ob->people;
    item->warning = &it->warning;
    item->text = buf_str(&it->text);
    item_people(it, ob, inc, ev);
    event_to_json(&it->event_json, ev);
    item->event_json = buf_str(&it->event_json);
}

static void item_free(struct item_text *it)
{
    buf_free(&it->text);
    buf_free(&it->event_json);
    buf_free(&it->sev_name);
    buf_free(&it->warning);
    buf_free(&it->title);
}

static void target_of(struct sink_target *t, const struct sink_conf *s)
{
    memset(t, 0, sizeof *t);
    t->type = (enum sink_type)s->type;
    t->url = s->url;
    t->secret = s->secret;
    t->page_id = s->page_id;
    t->source = s->source;
    t->public_url_prefix = s->public_url_prefix;
    t->extra = s->extra;
}

/* ---- appending records ---- */

static int append_record(struct outbox *ob, const struct record *r)
{
    struct incident_log log;
    struct event_draft d;
    char iso[STAMP_TEXT_MAX];
    static const char *const outcome_names[] = {
        [OUTBOX_QUEUED] = "retry", [OUTBOX_SENDING] = "attempting", [OUTBOX_RETRYING] = "retry",
        [OUTBOX_UNCONFIRMED] = "attempting", [OUTBOX_SENT] = "delivered", [OUTBOX_FAILED] = "failed",
    };
    event_draft_init(&d, EVENT_DELIVERY, "warroom");
    event_draft_str(&d, "update", r->event_id);
    event_draft_str(&d, "sink", ob->sinks[r->sink].name);
    event_draft_str(&d, "outcome", r->state == OUTBOX_SENT && r->accepted ? "accepted" : outcome_names[r->state]);
    event_draft_int(&d, "attempt", r->attempt);
    if (r->status)
        event_draft_int(&d, "status", r->status);
    if (r->reason && *r->reason)
        event_draft_str(&d, "error", r->reason);
    if (r->state == OUTBOX_RETRYING)
        event_draft_str(&d, "next_at", stamp_format_iso(iso, r->next_at));
    if (r->state == OUTBOX_UNCONFIRMED)
        event_draft_str(&d, "started", stamp_format_iso(iso, r->started > 0 ? r->started : outbox_clock_ms()));
    if (r->unconfirmed)
        event_draft_bool(&d, "unconfirmed", true);
    if (r->remote_id)
        event_draft_str(&d, "remote_id", r->remote_id);
    if (r->remote_update && r->remote_update_at) {
        event_draft_str(&d, "remote_update", r->remote_update);
        event_draft_str(&d, "remote_update_at", r->remote_update_at);
    }
    if (r->receipt && *r->receipt)
        event_draft_str(&d, "receipt", r->receipt);
    if (r->steps) {
        event_draft_int(&d, "step", r->step);
        event_draft_int(&d, "steps", r->steps);
    }
    if (r->ref)
        event_draft_str(&d, "ref", r->ref);
    if (r->remote_name)
        event_draft_str(&d, "remote_name", r->remote_name);
    if (r->warning && *r->warning)
        event_draft_str(&d, "warning", r->warning);
    int rc = log_open(&log, ob->log_path);
    if (rc == 0) {
        rc = log_append(&log, &d);
        log_close(&log);
    }
    event_draft_free(&d);
    if (rc < 0)
        return -1;
    /* Until replay shows it, the outbox remembers what it wrote. */
    ob->overlay = xrealloc(ob->overlay, (ob->noverlay + 1) * sizeof *ob->overlay);
    struct written *o = &ob->overlay[ob->noverlay++];
    ob->flights_gen++;
    o->r = *r;
    o->r.event_id = o->event_id = xstrdup(r->event_id);
    o->r.reason = o->reason = dup_or_null(r->reason);
    o->r.remote_id = o->remote_id = dup_or_null(r->remote_id);
    o->r.remote_update = o->remote_update = dup_or_null(r->remote_update);
    o->r.remote_update_at = o->remote_update_at = dup_or_null(r->remote_update_at);
    o->r.receipt = o->receipt = dup_or_null(r->receipt);
    o->r.ref = o->ref = dup_or_null(r->ref);
    o->r.remote_name = o->remote_name = dup_or_null(r->remote_name);
    o->r.warning = o->warning = dup_or_null(r->warning);
    apply_record(ob, &o->r);
    return 0;
}

/* ---- the local record: updates.md ---- */

static void updates_marker(struct buf *out, const char *event_id)
{
    buf_printf(out, "<!-- warroom update %s -->", event_id);
}

static void render_update(struct buf *out, const struct outbox *ob, const struct incident *inc,
                          const struct event *ev, const char *state, const char *text)
{
    char iso[STAMP_TEXT_MAX];
    int y, mo, d, h, mi, s;
    stamp_to_utc(ev->at, &y, &mo, &d, &h, &mi, &s);
    (void)iso;
    buf_printf(out, "## %s%04d-%02d-%02d %02d:%02d:%02d UTC \xc2\xb7 ", inc->drill ? DRILL_MARK : "", y, mo, d, h, mi,
               s);
    template_escape(out, state ? state : "update", strlen(state ? state : "update"), TEMPLATE_LINE);
    buf_adds(out, "\n\n");
    if (text && *text)
        template_escape(out, text, strlen(text), TEMPLATE_INLINE);
    else
        buf_adds(out, "_(no text)_");
    buf_adds(out, "\n\n");
    const struct severity_level *l = ob->policy ? policy_level(ob->policy, inc->sev) : NULL;
    buf_adds(out, "by ");
    template_escape(out, *ev->by ? ev->by : "unknown", strlen(*ev->by ? ev->by : "unknown"), TEMPLATE_INLINE);
    if (l)
        buf_printf(out, " \xc2\xb7 %s", l->name);
    else if (inc->sev > 0)
        buf_printf(out, " \xc2\xb7 SEV%d", inc->sev);
    if (inc->title) {
        buf_adds(out, " \xc2\xb7 ");
        template_escape(out, inc->title, strlen(inc->title), TEMPLATE_INLINE);
    }
    buf_adds(out, "\n");
}

/* Writes all of DATA at the end of FD: a short write is continued, and only
 * write's own failure (with its errno) or a write of nothing is an error. */
static int write_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0) {
            errno = ENOSPC;   /* a write that takes nothing: the disk is full */
            return -1;
        }
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Appends the update to updates.md once: a marker naming the event closes
 * each section, so a crash between the write and its delivery record does not
 * write it twice. A write that fails is taken back (the file cut to where it
 * was), so the retry leaves one copy; a section torn by a crash (the start of
 * this very section after the last complete one) is replaced, not repeated. */
static int write_update(struct outbox *ob, const struct incident *inc, struct entry *e)
{
    struct buf existing = BUF_INIT, section = BUF_INIT, marker = BUF_INIT;
    int fd = -1, rc = -1;
    const struct timeline_entry *te = timeline_of(inc, e->ev);
    updates_marker(&marker, e->event_id);

    fd = open(ob->updates_path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        rc = error_set_errno("cannot open %s", ob->updates_path);
        goto done;
    }
    /* the file as this process left it: its markers are known, and it ends
     * on a complete section */
    bool known = known_holds(&ob->known, fd);
    size_t have = known ? (size_t)ob->known.size : 0;
    char chunk[8192];
    ssize_t n = 0;
    while (!known && (n = read(fd, chunk, sizeof chunk)) > 0 && existing.len < UPDATES_MAX_BYTES)
        buf_add(&existing, chunk, (size_t)n);
    if (n < 0) {
        rc = error_set_errno("cannot read %s", ob->updates_path);
        goto done;
    }
    if (!known)
        have = existing.len;
    bool present = known ? strindex_find(&ob->known.markers, e->event_id) != NULL
                         : existing.data && strstr(existing.data, marker.data);
    if (!present) {
        /* where the last complete section (or the file's heading) ends */
        size_t whole = known ? have : 0;
        const char *p = existing.data;
        for (const char *m; p && (m = strstr(p, " -->\n\n")); p = m + 1)
            whole = (size_t)(m - existing.data) + 6;
        struct buf heading = BUF_INIT;
        buf_printf(&heading, "# Status updates: %s\n\n", inc->id);
        if (whole == 0 && existing.len >= heading.len && memcmp(existing.data, heading.data, heading.len) == 0)
            whole = heading.len;
        if (!known) {
            /* learn the markers of what was read; kept only when the file
             * ends on a complete section and was read whole */
            known_forget(&ob->known);
            static const char open_mark[] = "<!-- warroom update ";
            for (const char *m = existing.data; m && (m = strstr(m, open_mark)); m++) {
                const char *id = m + sizeof open_mark - 1, *end = strstr(id, " -->");
                if (end)
                    known_add(&ob->known, id, (size_t)(end - id));
            }
        }
        if (whole == 0)
            buf_add(&section, heading.data, heading.len);
        buf_free(&heading);
        render_update(&section, ob, inc, e->ev, event_str(e->ev, "state"), te ? te->text : event_str(e->ev, "text"));
        buf_add(&section, marker.data, marker.len);
        buf_adds(&section, "\n\n");
        size_t tail = have - whole;
        off_t keep = (off_t)have;
        if (tail && tail < section.len && memcmp(existing.data + whole, section.data, tail) == 0) {
            keep = (off_t)whole;   /* our own torn start: write it whole instead */
            if (ftruncate(fd, keep) < 0) {
                rc = error_set_errno("cannot repair %s", ob->updates_path);
                goto done;
            }
        }
        if (write_all(fd, section.data, section.len) < 0 || fdatasync(fd) < 0) {
            rc = error_set_errno("cannot write %s", ob->updates_path);
            int saved = errno;
            /* take back what did get written, so a retry writes it once */
            if (ftruncate(fd, keep) == 0)
                (void)fdatasync(fd);
            known_forget(&ob->known);
            errno = saved;
            goto done;
        }
        /* it now ends on this complete section */
        known_add(&ob->known, e->event_id, strlen(e->event_id));
        known_stat(&ob->known, fd, keep + (off_t)section.len);
        if (existing.len >= UPDATES_MAX_BYTES)
            known_forget(&ob->known);     /* not read whole: read it again next time */
    }
    struct record r = {.event_id = e->event_id, .sink = e->sink, .attempt = e->attempt + 1,
                       .rank = RANK_OUTCOME, .state = OUTBOX_SENT};
    rc = append_record(ob, &r);
done:
    if (fd >= 0)
        close(fd);
    buf_free(&existing);
    buf_free(&section);
    buf_free(&marker);
    return rc;
}

/* ---- starting requests ---- */

/* Takes EXPECT, EXPECT_STATUS and SHOWN_URL. */
static struct flight *add_flight(struct outbox *ob, const struct entry *e, unsigned attempt, enum op op,
                                 bool create, char *expect, uint64_t tag)
{
    ob->flights = xrealloc(ob->flights, (ob->nflights + 1) * sizeof *ob->flights);
    struct flight *f = &ob->flights[ob->nflights++];
    memset(f, 0, sizeof *f);
    ob->flights_gen++;
    f->tag = tag;
    f->event_id = xstrdup(e->event_id);
    f->sink = e->sink;
    f->attempt = attempt;
    f->op = op;
    f->create = create;
    f->expect = expect;
    f->started = e->started;
    return f;
}

static int ensure_engine(struct outbox *ob)
{
    return ob->engine ? 0 : deliver_new(&ob->engine);
}

static int start_check(struct outbox *ob, const struct sink_conf *s, struct entry *e, const struct sink_request *built)
{
    struct buf url = BUF_INIT, auth = BUF_INIT;
    const struct sink_recovery *rec = recovery_of(s);
    bool create = s->remote_id == NULL;
    char *expect = rec->expect(built->body, create);
    char *status = rec->expect_status(built->body);
    struct sink_target t;
    int rc = -1;
    target_of(&t, s);
    if (rec->check_request(&url, &auth, &t, create ? NULL : s->remote_id, expect) < 0)
        goto done;
    const char *headers[1] = {auth.data};
    struct deliver_request req = {
        .method = "GET", .url = url.data, .headers = headers, .n_headers = 1,
        .connect_timeout_ms = ob->connect_timeout_ms, .total_timeout_ms = ob->total_timeout_ms,
        .tag = ++ob->next_tag,
    };
    if (!expect || !status) {
        rc = error_set("%s: could not tell what to look for", s->name);
        goto done;
    }
    if (ensure_engine(ob) < 0 || deliver_add(ob->engine, &req) < 0)
        goto done;
    struct flight *f = add_flight(ob, e, e->attempt, create ? OP_CHECK_CREATE : OP_CHECK_UPDATE, create, expect,
                                  req.tag);
    f->expect_status = status;
    f->shown_url = sink_mask_target_url(&t, url.data);
    expect = status = NULL;
    e->state = OUTBOX_SENDING;
    ob->states_gen++;
    rc = 0;
done:
    free(expect);
    free(status);
    buf_free(&url);
    if (auth.data)
        memset(auth.data, 0, auth.len);
    buf_free(&auth);
    return rc;
}

static void wipe_request(struct sink_request *built)
{
    if (built->url)
        memset(built->url, 0, strlen(built->url));
    for (size_t i = 0; i < built->n_headers; i++)
        memset(built->headers[i], 0, strlen(built->headers[i]));
    sink_request_free(built);
}

/* Starts the step E stands at, for a sink whose items are chains. A step
 * with nothing to send is recorded as done at once, and the next one
 * started; one that cannot be built fails the item, as a refusal would. */
static int start_step(struct outbox *ob, const struct incident *inc, struct entry *e, int64_t now)
{
    struct sink_conf *s = &ob->sinks[e->sink];
    const struct sink_chain *ch = chain_of(s);
    struct item_text it;
    struct sink_target t;
    int rc = 0;

    item_init(&it, ob, inc, e->ev, e->kind);
    target_of(&t, s);
    unsigned n = ch->steps(&it.item);
    if (n == 0) {
        /* not for this sink (a severity without a channel): nothing to
         * record, replay derives the same */
        e->state = OUTBOX_SENT;
        ob->states_gen++;
        item_free(&it);
        return 0;
    }
    for (unsigned guard = 0; rc == 0 && e->state != OUTBOX_SENT && e->state != OUTBOX_FAILED && guard < 100;
         guard++) {
        struct sink_request built;
        struct buf expect = BUF_INIT, warning = BUF_INIT, reason = BUF_INIT;
        bool once = ch->once(&it.item, e->step);
        if (e->step < n && ch->paced && ch->paced(&it.item, e->step) && s->last_start &&
            now < s->last_start + ch->min_interval_ms) {
            s->held = true;   /* the provider's pace: outbox_timeout_ms says when */
            break;
        }
        struct sink_step st = {.index = e->step, .kind = e->kind, .incident_id = inc->id, .event_id = e->event_id,
                               .remote_id = s->remote_id, .ref = e->ref, .started = e->started,
                               .check = once && (e->state == OUTBOX_UNCONFIRMED ||
                                                 (e->state == OUTBOX_RETRYING && e->unconfirmed))};
        int b = e->step < n ? sink_build_step(&built, &expect, &warning, &t, &it.item, &st) : 0;
        if (b <= 0) {
            struct record r = {.event_id = e->event_id, .sink = e->sink, .attempt = e->attempt + 1,
                               .rank = RANK_OUTCOME, .state = b < 0 ? OUTBOX_FAILED : OUTBOX_SENT,
                               .step = e->step, .steps = n};
            struct buf w = BUF_INIT;
            if (b < 0)
                sink_scrub(&reason, error_last(), s->secrets);
            sink_scrub(&w, buf_str(&warning), s->secrets);
            r.reason = reason.data;
            r.warning = w.data;
            rc = append_record(ob, &r);
            buf_free(&w);
        } else {
            unsigned attempt = e->attempt + 1;
            if (once && !st.check) {
                /* Written before the request leaves: if we die before its
                 * outcome, the next run checks instead of sending again. */
                struct record r = {.event_id = e->event_id, .sink = e->sink, .attempt = attempt,
                                   .rank = RANK_ATTEMPTING, .state = OUTBOX_UNCONFIRMED,
                                   .started = outbox_clock_ms(), .step = e->step, .steps = n};
                rc = append_record(ob, &r);
            }
            struct deliver_request req;
            sink_request_view(&req, &built);
            req.connect_timeout_ms = ob->connect_timeout_ms;
            req.total_timeout_ms = ob->total_timeout_ms;
            req.tag = ++ob->next_tag;
            if (rc == 0 && (rc = ensure_engine(ob)) == 0 && (rc = deliver_add(ob->engine, &req)) == 0) {
                struct flight *f = add_flight(ob, e, attempt, OP_STEP, false, buf_detach(&expect), req.tag);
                f->shown_url = sink_mask_target_url(&t, built.url);
                f->step = e->step;
                f->steps = n;
                f->check = st.check;
                f->once = once;
                f->started = e->started;
                f->ref = dup_or_null(e->ref);
                f->kind = e->kind;
                e->state = OUTBOX_SENDING;
                ob->states_gen++;
                if (ch->paced && ch->paced(&it.item, e->step) && now > s->last_start)
                    s->last_start = now;
            }
            wipe_request(&built);
        }
        buf_free(&expect);
        buf_free(&warning);
        buf_free(&reason);
        if (e->state == OUTBOX_SENDING)
            break;
    }
    item_free(&it);
    return rc;
}

/* Starts entry E. A request that cannot even be built (the item lacks what
 * the provider needs) fails for good, recorded like a refusal. */
static int start_entry(struct outbox *ob, const struct incident *inc, struct entry *e, int64_t now)
{
    const struct sink_conf *s = &ob->sinks[e->sink];
    struct item_text it;
    struct sink_target t;
    struct sink_request built;
    int rc;

    if (chain_of(s))
        return start_step(ob, inc, e, now);
    item_init(&it, ob, inc, e->ev, e->kind);
    target_of(&t, s);
    bool recovers = recovery_of(s) != NULL;
    rc = sink_build_request(&built, &t, &it.item, recovers ? s->remote_id : NULL);
    if (rc <= 0) {
        struct buf reason = BUF_INIT;
        sink_scrub(&reason, rc < 0 ? error_last() : "this sink does not take it", s->secrets);
        struct record r = {.event_id = e->event_id, .sink = e->sink, .attempt = e->attempt + 1,
                           .rank = RANK_OUTCOME, .state = OUTBOX_FAILED, .reason = reason.data};
        rc = append_record(ob, &r);
        buf_free(&reason);
        item_free(&it);
        return rc;
    }
    bool check = recovers && (e->state == OUTBOX_UNCONFIRMED || (e->state == OUTBOX_RETRYING && e->unconfirmed));
    if (check) {
        rc = start_check(ob, s, e, &built);
    } else {
        unsigned attempt = e->attempt + 1;
        rc = 0;
        if (recovers) {
            /* Written before the request leaves: if we die before its outcome,
             * the next run checks instead of sending it again. */
            struct record r = {.event_id = e->event_id, .sink = e->sink, .attempt = attempt,
                               .rank = RANK_ATTEMPTING, .state = OUTBOX_UNCONFIRMED,
                               .started = outbox_clock_ms()};
            rc = append_record(ob, &r);
        }
        struct deliver_request req;
        sink_request_view(&req, &built);
        req.connect_timeout_ms = ob->connect_timeout_ms;
        req.total_timeout_ms = ob->total_timeout_ms;
        req.tag = ++ob->next_tag;
        if (rc == 0 && (rc = ensure_engine(ob)) == 0 && (rc = deliver_add(ob->engine, &req)) == 0) {
            struct flight *f = add_flight(ob, e, attempt, OP_SEND, recovers && !s->remote_id, NULL, req.tag);
            f->shown_url = sink_mask_target_url(&t, built.url);
            if (it.warning.len) {
                struct buf clean = BUF_INIT;
                sink_scrub(&clean, buf_str(&it.warning), s->secrets);
                f->warning = buf_detach(&clean);
            }
            e->state = OUTBOX_SENDING;
            ob->states_gen++;
        }
    }
    (void)now;
    /* the built request held the secrets */
    wipe_request(&built);
    item_free(&it);
    return rc;
}

static bool due(const struct entry *e, int64_t now)
{
    switch (e->state) {
    case OUTBOX_QUEUED:
    case OUTBOX_UNCONFIRMED:
        return true;
    case OUTBOX_RETRYING:
        return e->next_at <= now;
    default:
        return false;
    }
}

/* The oldest unfinished entry of sink S in log order, or NULL. */
static struct entry *head_of(struct outbox *ob, int s)
{
    if (ob->heads_gen != ob->states_gen) {
        scans++;
        for (size_t k = 0; k < ob->nsinks; k++)
            ob->heads[k] = ob->nentries;
        for (size_t i = ob->nentries; i-- > 0;) {
            const struct entry *e = &ob->entries[i];
            if (e->state != OUTBOX_SENT && e->state != OUTBOX_FAILED)
                ob->heads[e->sink] = i;
        }
        ob->heads_gen = ob->states_gen;
    }
    return ob->heads[s] < ob->nentries ? &ob->entries[ob->heads[s]] : NULL;
}

/* True when something since the last build can change an entry: a new event
 * that publishes or records a delivery, or this process's own outcomes and
 * transfers. */
static bool needs_build(const struct outbox *ob, const struct incident *inc)
{
    if (ob->built_for != inc || inc->nevents < ob->built_events || ob->noverlay != ob->built_overlay ||
        ob->flights_gen != ob->built_flights_gen)
        return true;
    for (size_t i = ob->built_events; i < inc->nevents; i++) {
        enum publish_kind kind;
        if (inc->events[i]->type == EVENT_DELIVERY || kind_of(inc->events[i]->type, &kind))
            return true;
    }
    return false;
}

int outbox_sync(struct outbox *ob, const struct incident *inc, int64_t now)
{
    int rc = 0;
    if (needs_build(ob, inc)) {
        build_entries(ob, inc);
        ob->built_for = inc;
        ob->built_overlay = ob->noverlay;
        ob->built_flights_gen = ob->flights_gen;
    }
    ob->built_events = inc->nevents;
    if (!ob->locked)
        return 0;
    for (size_t s = 0; s < ob->nsinks && rc == 0; s++) {
        const struct sink_conf *sc = &ob->sinks[s];
        if (sc->problem)
            continue;
        struct entry *e;
        if (sc->type == FILE_SINK_TYPE) {
            /* No network: write every pending update now, in order. */
            while (rc == 0 && (e = head_of(ob, (int)s)))
                rc = write_update(ob, inc, e);
            continue;
        }
        ob->sinks[s].held = false;
        /* Each start can record an outcome at once (a request that cannot be
         * built); then the next one is the head. */
        for (unsigned guard = 0; rc == 0 && guard < 1000; guard++) {
            e = head_of(ob, (int)s);
            if (!e || !due(e, now))
                break;
            rc = start_entry(ob, inc, e, now);
            if (e->state == OUTBOX_SENDING || sc->held)
                break;
        }
    }
    return rc;
}

long outbox_timeout_ms(struct outbox *ob, int64_t now)
{
    long t = ob->engine ? deliver_next_timeout_ms(ob->engine) : -1;
    if (!ob->locked)
        return t;
    for (size_t s = 0; s < ob->nsinks; s++) {
        /* only the sink's head waits on the pace or a retry */
        const struct entry *e = head_of(ob, (int)s);
        if (e) {
            const struct sink_chain *ch = chain_of(&ob->sinks[s]);
            if (ch && !ob->sinks[s].problem && (e->state == OUTBOX_QUEUED || e->state == OUTBOX_UNCONFIRMED) &&
                ob->sinks[s].last_start) {
                int64_t left = ob->sinks[s].last_start + ch->min_interval_ms - now;
                long ms = left < 0 ? 0 : (long)left;
                if (t < 0 || ms < t)
                    t = ms;
            }
            if (e->state == OUTBOX_RETRYING && !ob->sinks[s].problem) {
                int64_t left = e->next_at - now;
                long ms = left < 0 ? 0 : left > 24L * 3600 * 1000 ? 24L * 3600 * 1000 : (long)left;
                if (t < 0 || ms < t)
                    t = ms;
            }
        }
    }
    return t;
}

int outbox_wait(struct outbox *ob, struct pollfd *extra, size_t n, int timeout_ms)
{
    if (ob->engine)
        return deliver_wait(ob->engine, extra, n, timeout_ms);
    if (n == 0) {
        if (timeout_ms > 0) {
            struct timespec ts = {timeout_ms / 1000, (long)(timeout_ms % 1000) * 1000000L};
            nanosleep(&ts, NULL);
        }
        return 0;
    }
    if (poll(extra, n, timeout_ms) < 0 && errno != EINTR)
        return error_set_errno("poll");
    return 0;
}

/* ---- outcomes ---- */

static struct flight *take_flight(struct outbox *ob, uint64_t tag, struct flight *out)
{
    for (size_t i = 0; i < ob->nflights; i++) {
        if (ob->flights[i].tag == tag) {
            *out = ob->flights[i];
            ob->flights[i] = ob->flights[--ob->nflights];
            ob->flights_gen++;
            return out;
        }
    }
    return NULL;
}

/* The answer to a step of a chain: the sink reads it; what it learned (the
 * channel, the message) goes into the record, so later steps and later runs
 * have it from the log. */
static int handle_step_result(struct outbox *ob, const struct flight *f, const struct deliver_result *res,
                              int64_t now)
{
    struct sink_conf *s = &ob->sinks[f->sink];
    const struct sink_chain *ch = chain_of(s);
    struct buf reason = BUF_INIT, warning = BUF_INIT;
    struct sink_step_result out = {0};
    struct sink_step st = {.index = f->step, .kind = f->kind, .incident_id = ob->id, .event_id = f->event_id,
                           .remote_id = s->remote_id, .ref = f->ref, .expect = f->expect,
                           .check = f->check, .started = f->started};
    struct record r = {.event_id = f->event_id, .sink = f->sink, .attempt = f->attempt, .rank = RANK_OUTCOME,
                       .status = res->http_status, .step = f->step, .steps = f->steps};
    /* the request may have arrived although no answer came back */
    bool ambiguous = res->error == DELIVER_TIMEOUT || res->error == DELIVER_NETWORK;
    ch->read(&out, &st, res, s->secrets, &reason);
    r.remote_id = out.remote_id;
    r.remote_name = out.remote_name;
    r.ref = out.ref;
    if (out.outcome == SINK_DELIVERED) {
        r.state = OUTBOX_SENT;
        sink_scrub(&warning, out.warning ? out.warning : "", s->secrets);
        r.warning = warning.data;
        buf_reset(&reason);
    } else if (out.outcome == SINK_RETRY) {
        r.state = OUTBOX_RETRYING;
        r.unconfirmed = f->once && (out.check_again || (!out.again_now && (ambiguous || out.unsure || f->check)));
        r.next_at = out.again_now || out.check_again ? now
                                  : now + sink_retry_delay_ms(&ob->backoff, f->attempt, random32(), res->retry_after,
                                                              now / 1000);
    } else {
        r.state = OUTBOX_FAILED;
    }
    r.reason = reason.data;
    int rc = append_record(ob, &r);
    sink_step_result_free(&out);
    buf_free(&reason);
    buf_free(&warning);
    return rc;
}

static int handle_result(struct outbox *ob, const struct flight *f, const struct deliver_result *res, int64_t now)
{
    if (f->op == OP_STEP)
        return handle_step_result(ob, f, res, now);
    const struct sink_conf *s = &ob->sinks[f->sink];
    struct buf reason = BUF_INIT;
    struct record r = {.event_id = f->event_id, .sink = f->sink, .attempt = f->attempt, .rank = RANK_OUTCOME,
                       .status = res->http_status};
    char *remote = NULL;
    const struct sink_recovery *rec = recovery_of(s);
    enum sink_outcome outcome = sink_classify_at((enum sink_type)s->type, res, s->secrets, f->shown_url, &reason);
    char *newest_id = NULL, newest_at[STAMP_TEXT_MAX];
    int64_t newest_ms;
    bool ok2xx = res->error == DELIVER_OK && res->http_status >= 200 && res->http_status <= 299;
    /* The request may have arrived although no answer came back. */
    bool ambiguous = res->error == DELIVER_TIMEOUT || res->error == DELIVER_NETWORK;
    int rc;

    if (f->op == OP_CHECK_CREATE || f->op == OP_CHECK_UPDATE) {
        int found = -1;
        if (ok2xx && f->op == OP_CHECK_CREATE) {
            found = rec->find_created(&remote, res->body, res->body_len, f->expect, ob->id, f->event_id,
                                                 f->started);
        } else if (ok2xx) {
            struct sink_sent sent = {.incident_id = ob->id, .event_id = f->event_id, .body = f->expect,
                                     .status = f->expect_status, .started = f->started,
                                     .mark_id = s->mark_update, .mark_at = s->mark_at};
            found = rec->update_arrived(res->body, res->body_len, &sent);
        }
        error_clear();
        bool there = found > 0, understood = found >= 0;
        if (ok2xx && !understood) {
            buf_reset(&reason);
            buf_printf(&reason, "could not check whether it arrived: HTTP %ld with an unexpected reply",
                       res->http_status);
            r.state = OUTBOX_RETRYING;
            r.unconfirmed = true;
            r.next_at = now + sink_retry_delay_ms(&ob->backoff, f->attempt, random32(), res->retry_after, now / 1000);
        } else if (ok2xx) {
            if (there) {
                r.state = OUTBOX_SENT;
                r.remote_id = remote;
                if (f->op == OP_CHECK_UPDATE &&
                    rec->newest_update(&newest_id, &newest_ms, res->body, res->body_len) > 0) {
                    r.remote_update = newest_id;
                    r.remote_update_at = stamp_format_iso(newest_at, newest_ms);
                }
                buf_reset(&reason);
                buf_adds(&reason, "it had arrived (checked after an unconfirmed attempt)");
            } else {
                r.state = OUTBOX_RETRYING;   /* it never arrived: send it now */
                r.next_at = now;
                buf_reset(&reason);
                buf_printf(&reason, "not found on %s after an unconfirmed attempt; sending again", rec->title);
            }
        } else {
            struct buf why = BUF_INIT;
            buf_printf(&why, "could not check whether it arrived: %s", buf_str(&reason));
            buf_free(&reason);
            reason = why;
            r.state = outcome == SINK_FAILED ? OUTBOX_FAILED : OUTBOX_RETRYING;
            r.unconfirmed = true;
            r.next_at = now + sink_retry_delay_ms(&ob->backoff, f->attempt, random32(), res->retry_after, now / 1000);
        }
    } else if (outcome == SINK_DELIVERED || outcome == SINK_ACCEPTED) {
        r.state = OUTBOX_SENT;
        r.accepted = outcome == SINK_ACCEPTED;
        r.warning = f->warning;
        /* what the classification gave for a success is the provider's
         * receipt (a ticket's identifier, a request id), not an error */
        r.receipt = reason.len ? reason.data : NULL;
        if (rec) {
            /* what is now known to be there, for a later check */
            if (rec->newest_update(&newest_id, &newest_ms, res->body, res->body_len) > 0) {
                r.remote_update = newest_id;
                r.remote_update_at = stamp_format_iso(newest_at, newest_ms);
            }
        }
        if (f->create) {
            if (rec->created_id(&remote, res->body, res->body_len) < 0) {
                /* Created, but we cannot tell which: find it by name next. */
                r.state = OUTBOX_RETRYING;
                r.unconfirmed = true;
                r.next_at = now;
                buf_printf(&reason, "HTTP %ld but %s", res->http_status, error_last());
            }
            r.remote_id = remote;
        }
    } else if (outcome == SINK_RETRY) {
        r.state = OUTBOX_RETRYING;
        r.unconfirmed = rec && ambiguous;
        r.next_at = now + sink_retry_delay_ms(&ob->backoff, f->attempt, random32(), res->retry_after, now / 1000);
    } else {
        r.state = OUTBOX_FAILED;
    }
    r.reason = r.state == OUTBOX_SENT && r.receipt == reason.data ? NULL : reason.data;
    rc = append_record(ob, &r);
    free(newest_id);
    free(remote);
    buf_free(&reason);
    return rc;
}

int outbox_perform(struct outbox *ob, int64_t now)
{
    int recorded = 0;
    if (!ob->engine)
        return 0;
    if (deliver_perform(ob->engine) < 0)
        return -1;
    struct deliver_result res;
    while (deliver_next_result(ob->engine, &res)) {
        struct flight f;
        if (take_flight(ob, res.tag, &f)) {
            int rc = handle_result(ob, &f, &res, now);
            flight_free(&f);
            if (rc < 0) {
                deliver_result_free(&res);
                return -1;
            }
            recorded++;
        }
        deliver_result_free(&res);
    }
    return recorded;
}

static bool anything_due(const struct outbox *ob, int64_t now, int64_t horizon)
{
    for (size_t s = 0; s < ob->nsinks; s++) {
        if (ob->sinks[s].problem)
            continue;
        for (size_t i = 0; i < ob->nentries; i++) {
            const struct entry *e = &ob->entries[i];
            if (e->sink != (int)s || e->state == OUTBOX_SENT || e->state == OUTBOX_FAILED)
                continue;
            if (e->state == OUTBOX_SENDING || e->state == OUTBOX_QUEUED || e->state == OUTBOX_UNCONFIRMED ||
                e->next_at <= now + horizon)
                return true;
            break;
        }
    }
    return false;
}

int outbox_run(struct outbox *ob, struct incident *inc, int64_t deadline_ms)
{
    for (;;) {
        int64_t now = outbox_clock_ms();
        if (outbox_sync(ob, inc, now) < 0)
            return -1;
        int64_t left = deadline_ms - deliver_clock_ms();
        if (left <= 0 || !ob->locked || !anything_due(ob, now, left))
            return 0;
        long t = outbox_timeout_ms(ob, now);
        if (t < 0 || t > left)
            t = (long)left;
        if (t > 1000)
            t = 1000;
        if (outbox_wait(ob, NULL, 0, (int)t) < 0)
            return -1;
        int n = outbox_perform(ob, outbox_clock_ms());
        if (n < 0)
            return -1;
        if (n > 0) {
            bool changed;
            if (incident_follow(inc, &changed) < 0)
                return -1;
        }
    }
}

/* ---- status ---- */

size_t outbox_count(const struct outbox *ob)
{
    return ob->nentries;
}

const struct outbox_item *outbox_item(const struct outbox *ob, size_t i)
{
    if (i >= ob->nentries)
        return NULL;
    struct entry *e = &ob->entries[i];
    struct outbox_item *v = &e->view;
    v->event_id = e->event_id;
    v->sink = ob->sinks[e->sink].name;
    v->kind = e->kind;
    v->state = e->state;
    if (e->state == OUTBOX_RETRYING && e->unconfirmed)
        v->state = OUTBOX_UNCONFIRMED;
    v->attempt = e->attempt;
    v->next_at = e->next_at;
    v->http_status = e->status;
    v->accepted = e->accepted;
    v->receipt = e->receipt ? e->receipt : "";
    v->warning = e->warning ? e->warning : "";
    v->reason = ob->sinks[e->sink].problem && e->state != OUTBOX_SENT && e->state != OUTBOX_FAILED
                    ? ob->sinks[e->sink].problem
                    : e->reason ? e->reason : "";
    v->warning = e->warning ? e->warning : "";
    return v;
}

size_t outbox_items_of(const struct outbox *ob, const char *event_id, const struct outbox_item **out, size_t max)
{
    /* the entries sorted by (event id, sink): the first of this event, then
     * its neighbours; the console asks for every entry on screen each frame */
    size_t lo = 0, hi = ob->nentries;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(ob->entries[ob->order[mid]].event_id, event_id) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t n = 0;
    for (size_t k = lo; k < ob->nentries && strcmp(ob->entries[ob->order[k]].event_id, event_id) == 0; k++) {
        if (n < max)
            out[n] = outbox_item(ob, ob->order[k]);
        n++;
    }
    return n;
}

void outbox_describe(struct buf *out, const struct outbox_item *item, int64_t now)
{
    char span[32];
    switch (item->state) {
    case OUTBOX_QUEUED:
        buf_adds(out, "queued");
        if (*item->reason)
            buf_printf(out, ": %s", item->reason);
        return;
    case OUTBOX_SENDING:
        buf_adds(out, "sending");
        return;
    case OUTBOX_RETRYING: {
        int64_t left = item->next_at - now;
        if (left < 1000)
            buf_adds(out, "retrying now");
        else
            buf_printf(out, "retrying in %s", stamp_format_span(span, sizeof span, left));
        break;
    }
    case OUTBOX_UNCONFIRMED:
        buf_adds(out, "checking whether it arrived");
        break;
    case OUTBOX_SENT:
        /* an acceptance is not a delivery: the provider acts on it later */
        buf_adds(out, item->accepted ? "accepted" : "sent");
        if (item->receipt && *item->receipt)
            buf_printf(out, " (%s%s)", item->accepted ? "request " : "", item->receipt);
        if (item->warning && *item->warning)
            buf_printf(out, "; warning: %s", item->warning);
        return;
    case OUTBOX_FAILED:
        buf_adds(out, "failed");
        break;
    }
    if (*item->reason)
        buf_printf(out, ": %s", item->reason);
}

void outbox_counts(const struct outbox *ob, size_t *pending, size_t *failed)
{
    *pending = *failed = 0;
    for (size_t i = 0; i < ob->nentries; i++) {
        if (ob->entries[i].state == OUTBOX_FAILED)
            (*failed)++;
        else if (ob->entries[i].state != OUTBOX_SENT)
            (*pending)++;
    }
}

/* What outbox_problems says, worked out again into ob->problems. */
static void find_problems(struct outbox *ob)
{
    size_t n = 0;
    scans++;
    buf_reset(&ob->problems);
    for (size_t s = 0; s < ob->nsinks; s++) {
        struct buf why = BUF_INIT;
        const struct sink_conf *sc = &ob->sinks[s];
        if (sc->problem) {
            buf_printf(&why, "misconfigured: %s", sc->problem);
        } else {
            /* the newest finished-or-stuck item says how the sink is doing */
            for (size_t i = 0; i < ob->nentries; i++) {
                const struct entry *e = &ob->entries[i];
                if (e->sink != (int)s || e->state == OUTBOX_SENT)
                    continue;
                if (e->state == OUTBOX_FAILED && !why.len)
                    buf_printf(&why, "failed: %s", e->reason ? e->reason : "");
                if (e->state == OUTBOX_RETRYING || e->state == OUTBOX_UNCONFIRMED) {
                    buf_reset(&why);
                    buf_printf(&why, "%s: %s", e->state == OUTBOX_RETRYING ? "retrying" : "unconfirmed",
                               e->reason ? e->reason : "");
                    break;
                }
            }
        }
        if (why.len) {
            buf_printf(&ob->problems, "%s%s (%s)", n ? ", " : "", sc->name, why.data);
            n++;
        }
        buf_free(&why);
    }
    ob->nproblems = n;
    ob->problems_gen = ob->states_gen;
}

size_t outbox_problems(struct outbox *ob, struct buf *out)
{
    if (ob->problems_gen != ob->states_gen)
        find_problems(ob);
    buf_add(out, buf_str(&ob->problems), ob->problems.len);
    return ob->nproblems;
}

bool outbox_remote(const struct outbox *ob, const char *sink, const char **id, const char **name)
{
    int s = sink_index(ob, sink);
    *id = *name = NULL;
    if (s < 0 || !ob->sinks[s].remote_id)
        return false;
    *id = ob->sinks[s].remote_id;
    *name = ob->sinks[s].remote_name;
    return true;
}

bool outbox_remote_in(const struct event *ev, const char *sink, const char **id, const char **name)
{
    const char *s = ev->type == EVENT_DELIVERY ? event_str(ev, "sink") : NULL;
    const char *outcome = s ? event_str(ev, "outcome") : NULL;
    *id = *name = NULL;
    if (!s || strcmp(s, sink) != 0 || !outcome || strcmp(outcome, "delivered") != 0 ||
        !sink_is_token(event_str(ev, "remote_id"), SINK_REMOTE_ID_MAX))
        return false;
    *id = event_str(ev, "remote_id");
    const char *n = event_str(ev, "remote_name");
    *name = sink_is_token(n, SINK_REMOTE_NAME_MAX) ? n : NULL;
    return true;
}

bool outbox_remote_recorded(const struct incident *inc, const char *sink, const char **id, const char **name)
{
    *id = *name = NULL;
    for (size_t i = 0; i < inc->nevents; i++)
        if (outbox_remote_in(inc->events[i], sink, id, name))
            return true;
    return false;
}

size_t outbox_sink_count(const struct outbox *ob)
{
    return ob->nsinks;
}

const char *outbox_sink_name(const struct outbox *ob, size_t i)
{
    return i < ob->nsinks ? ob->sinks[i].name : NULL;
}

/* ---- preview ---- */

int outbox_preview(struct outbox_preview **out, size_t *n, const struct outbox *ob, const struct incident *inc,
                   const char *state, const char *text, const char *by, int64_t at)
{
    struct event ev;
    struct event_field fields[2];
    *out = xcalloc(ob->nsinks, sizeof **out);
    *n = 0;
    memset(&ev, 0, sizeof ev);
    ev.id = "preview";
    ev.type = EVENT_UPDATE;
    ev.type_name = "update";
    /* the update as it will be recorded: its author, its time */
    ev.by = by ? by : "";
    ev.ts = ev.at = at;
    ev.version = EVENT_VERSION;
    fields[0] = (struct event_field){"state", state ? state : "", (uint32_t)strlen(state ? state : ""), FIELD_STRING};
    fields[1] = (struct event_field){"text", text ? text : "", (uint32_t)strlen(text ? text : ""), FIELD_STRING};
    ev.fields = fields;
    ev.nfields = 2;

    for (size_t s = 0; s < ob->nsinks; s++) {
        const struct sink_conf *sc = &ob->sinks[s];
        struct outbox_preview *p = &(*out)[(*n)++];
        struct buf body = BUF_INIT, problem = BUF_INIT;
        p->sink = sc->name;
        if (sc->type == FILE_SINK_TYPE) {
            p->method = xstrdup("append");
            p->target = xstrdup(ob->updates_path);
            render_update(&body, ob, inc, &ev, state, text);
            p->body = buf_detach(&body);
            continue;
        }
        struct item_text it;
        struct sink_target t;
        struct sink_request built;
        item_init(&it, ob, inc, &ev, PUBLISH_UPDATE);
        it.item.text = text ? text : "";
        target_of(&t, sc);
        int rc = sc->problem ? -1 : sink_build_request(&built, &t, &it.item, recovery_of(sc) || chain_of(sc) ? sc->remote_id : NULL);
        if (sc->problem) {
            p->problem = xstrdup(sc->problem);
        } else if (rc == 0) {
            p->problem = xstrdup("this sink does not take status updates");
        } else if (rc < 0) {
            sink_scrub(&problem, error_last(), sc->secrets);
            p->problem = buf_detach(&problem);
        } else {
            p->method = xstrdup(built.method);
            char *masked = sink_mask_target_url(&t, built.url);
            sink_scrub(&problem, masked, sc->secrets);
            free(masked);
            p->target = buf_detach(&problem);
            sink_scrub(&body, built.body, sc->secrets);
            p->body = buf_detach(&body);
            sink_request_free(&built);
        }
        item_free(&it);
    }
    return 0;
}

void outbox_preview_free(struct outbox_preview *p, size_t n)
{
    for (size_t i = 0; p && i < n; i++) {
        free(p[i].method);
        free(p[i].target);
        free(p[i].body);
        free(p[i].problem);
    }
    free(p);
}

/* ---- update texts ---- */

int outbox_update_text(struct buf *out, const struct incident *inc, const struct policy *p, const char *state,
                       int64_t now)
{
    static const char *const states[] = {"investigating", "identified", "monitoring", "resolved", "internal"};
    struct buf path = BUF_INIT;
    json_t *ctx = NULL;
    int rc = -1;
    bool known = false;
    for (size_t i = 0; state && i < sizeof states / sizeof *states; i++)
        known |= strcmp(state, states[i]) == 0;
    if (!known)
        return error_set("no update template for \"%.20s\" (investigating, identified, monitoring, resolved, "
                         "internal)", state ? state : "");
    buf_printf(&path, "docs/templates/%s.md", state);
    const struct builtin_file *f = builtin_find(path.data);
    if (!f) {
        rc = error_set("the built-in template %s is missing", path.data);
        goto done;
    }
    const struct severity_level *l = p ? policy_level(p, inc->sev) : NULL;
    char sev_name[16], next[32] = "";
    snprintf(sev_name, sizeof sev_name, "SEV%d", inc->sev);
    if (p) {
        struct clock clocks[CLOCK_MAX];
        size_t nc = clock_compute(inc, p, now, clocks);
        for (size_t i = 0; i < nc; i++) {
            if (clocks[i].kind == CLOCK_UPDATE && clocks[i].state != CLOCK_MET) {
                int y, mo, d, h, mi, s;
                /* the update being written restarts the cadence */
                const struct severity_level *lv = policy_level(p, inc->sev);
                int64_t due = lv && lv->update_every ? now + lv->update_every : clocks[i].deadline;
                stamp_to_utc(due, &y, &mo, &d, &h, &mi, &s);
                snprintf(next, sizeof next, "%02d:%02d UTC", h, mi);
                break;
            }
        }
    }
    ctx = json_object();
    json_object_set_new(ctx, "title", json_string(inc->title ? inc->title : ""));
    json_object_set_new(ctx, "sev", json_integer(inc->sev));
    json_object_set_new(ctx, "sev_name", json_string(l ? l->name : sev_name));
    json_object_set_new(ctx, "sev_label", json_string(l && l->label ? l->label : ""));
    json_object_set_new(ctx, "status", json_string(incident_status_name(inc->status)));
    json_object_set_new(ctx, "impact", json_string(inc->impact ? inc->impact : ""));
    json_object_set_new(ctx, "ic", json_string(inc->holder[ROLE_IC] ? inc->holder[ROLE_IC] : ""));
    json_object_set_new(ctx, "comms", json_string(inc->holder[ROLE_COMMS] ? inc->holder[ROLE_COMMS] : ""));
    json_object_set_new(ctx, "next_update", json_string(next));
    size_t start = out->len;
    rc = template_render_text(f->text, f->len, ctx, out);
    if (rc == 0) {
        /* trailing blank lines are the template file's, not the message's */
        while (out->len > start && (out->data[out->len - 1] == '\n' || out->data[out->len - 1] == ' '))
            out->data[--out->len] = '\0';
    }
done:
    json_decref(ctx);
    buf_free(&path);
    return rc;
}
