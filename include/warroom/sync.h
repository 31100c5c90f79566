/* sync — one incident, many machines, through a git remote.
 * Each host publishes only its own events of an incident to its own ref,
 * refs/warroom/<incident>/<host-id>: a chain of commits, one per round, each
 * adding one blob of records (e/<bucket>/<batch>) to the tree. Every push is
 * a fast-forward, so a rejected one means two data directories share a host
 * id: it is reported, never forced. Each host fetches the other hosts' refs
 * and appends the records it has not seen to its local log through
 * log_append_lines (same lock, same checks; ids make it idempotent). Other
 * hosts' refs are untrusted: a record claiming another host, a ref whose
 * history was rewritten, a blob over SYNC_BLOB_MAX or a damaged commit is
 * refused with a message naming the ref, and the other refs go on syncing.
 * Objects live in a repository of the data directory's own (sync.git), so
 * the platform repo's refs and working tree are never touched. Strings a
 * result holds are its own; sync_result_free releases them. */
#ifndef WARROOM_SYNC_H
#define WARROOM_SYNC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "warroom/buf.h"
#include "warroom/config.h"
#include "warroom/store.h"

#define SYNC_BLOB_MAX (8u << 20)      /* a batch larger than this is refused unread */
#define SYNC_BATCH_EVENTS_MAX 2000    /* records per published batch */
#define SYNC_WAIT_DEFAULT_S 10

struct sync_settings {
    char *url;          /* the remote, as libgit2 takes it */
    char *where;        /* for messages: "remote origin of /repo" or the url, secrets redacted */
    char *ssh_key;      /* private key file; NULL: ssh-agent */
    char *known_hosts;  /* ssh host keys checked against it */
    const struct store *store;
    bool configured;    /* the config has a "sync" section: record verbs push */
};

/* Reads sync.url, else the URL of remote sync.remote (default origin) of the
 * platform repository REPO_PATH (NULL: around the working directory), and the
 * ssh settings (sync.ssh_key / WARROOM_SSH_KEY, sync.known_hosts /
 * WARROOM_KNOWN_HOSTS, else ~/.ssh/known_hosts). */
int sync_settings_load(struct sync_settings *s, const struct config *c, const struct store *store,
                       const char *repo_path);
void sync_settings_free(struct sync_settings *s);

struct sync_result {
    unsigned appended;     /* records from other hosts added to the local log */
    unsigned published;    /* our records newly committed to our ref */
    unsigned unpushed;     /* our records the remote does not have yet */
    unsigned hosts;        /* other hosts with a ref for the incident */
    unsigned refused;      /* refs or records refused */
    bool offline;          /* the remote could not be reached */
    int64_t last_reached;  /* when the remote last answered (ms), STAMP_NONE never */
    struct buf said;       /* what people should know, one line each */
};

void sync_result_free(struct sync_result *r);

enum sync_mode {
    SYNC_ROUND,   /* publish, fetch everyone's refs and append, push */
    SYNC_PUSH,    /* publish and push only: after a verb recorded something */
};

/* One round for incident ID. Returns 0 (offline included: RES says so), or
 * < 0 when the local side failed. */
int sync_incident(struct sync_result *res, const struct sync_settings *s, const char *id, enum sync_mode mode);

/* The same, in a child process given WAIT_MS to finish: past it the child is
 * killed and RES says the remote was not reached. Recording never waits on
 * the network longer than that. */
int sync_incident_bounded(struct sync_result *res, const struct sync_settings *s, const char *id,
                          enum sync_mode mode, int64_t wait_ms);

/* Starts following incident ID declared on another host: creates its local
 * directory and runs a round. */
int sync_join(struct sync_result *res, const struct sync_settings *s, const char *id, int64_t wait_ms);

struct sync_remote_incident {
    char id[STORE_ID_MAX + 1];
    char title[256];
    int sev;
    bool open;
    bool local;          /* a local incident directory exists */
    unsigned hosts;
    int64_t declared_at;
    struct incident *replayed; /* sync_remote_replay only: the caller's to incident_free */
};

/* The incidents the remote holds refs for, replayed from the refs alone.
 * REFRESH: fetch them first (bounded by WAIT_MS; offline, what the last fetch
 * brought). *OUT is the caller's to free. */
int sync_remote_list(struct sync_remote_incident **out, size_t *n, struct sync_result *res,
                     const struct sync_settings *s, bool refresh, int64_t wait_ms);
/* The same, keeping each replayed incident in its `replayed` (the report
 * reads the remote's logs without writing them into the store). */
int sync_remote_replay(struct sync_remote_incident **out, size_t *n, struct sync_result *res,
                       const struct sync_settings *s, bool refresh, int64_t wait_ms);

/* Continuous sync for a console: rounds run one after another in a child
 * process, never on the caller's path; sync_follow_poll only looks whether
 * the running round has finished (never blocks) and starts the next one when
 * due. The records a round appends reach the caller through its log. */
#define SYNC_FOLLOW_PERIOD_MS 1000     /* start to start (sync.period_seconds) */
#define SYNC_FOLLOW_WAIT_MS 30000     /* a round not done by then is killed (sync.wait_seconds) */
struct sync_follow;

/* *OUT is NULL (and 0 returned) when the config has no "sync" section. */
int sync_follow_open(struct sync_follow **out, const struct config *c, const struct store *store,
                     const char *repo_path, const char *id);
/* Returns true when what sync_follow_describe says has changed. */
bool sync_follow_poll(struct sync_follow *f, int64_t now);
/* For the header: "sync: offline 3m, 12 events to push", a refusal, or
 * nothing (returns 0) while all is well. */
int sync_follow_describe(const struct sync_follow *f, struct buf *out, int64_t now);
void sync_follow_close(struct sync_follow *f);

/* For the console's picker: the ids of open incidents the remote has and
 * this data directory has not joined (*IDS the caller's: sync_ids_free),
 * fetched within WAIT_MS; and joining one of them. Both do nothing without a
 * "sync" section in the config. */
int sync_remote_open_ids(char ***ids, size_t *n, const struct config *c, const struct store *store,
                         const char *repo_path, int64_t wait_ms);
void sync_ids_free(char **ids, size_t n);
int sync_join_id(const struct config *c, const struct store *store, const char *repo_path, const char *id,
                 int64_t wait_ms);

/* Which host runs the automatic steps (escalations) of INC: the host that
 * named the current IC, else the declaring host; when that one has recorded
 * nothing for SYNC_DUTY_SILENT_MS while others have, the lowest host id heard
 * from in that time. Every host computes the same answer from the same log. */
#define SYNC_DUTY_SILENT_MS (10 * 60 * 1000)
struct incident;
bool sync_on_duty(const struct incident *inc, int64_t now);

#endif
