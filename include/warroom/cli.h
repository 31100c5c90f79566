/* cli — the command line: every verb of DESIGN.md's "Command line".
 * cli_main parses ARGV, runs the verb and returns the exit status: 0 done,
 * 1 failed (a message on stderr says what and what to do), 2 usage.
 * The verbs live in src/cli*.c; what they share is declared here. Every
 * string in a cli_options points into argv; a cli_context owns the rest. */
#ifndef WARROOM_CLI_H
#define WARROOM_CLI_H

#include <stdbool.h>
#include <stdint.h>

#include "warroom/config.h"
#include "warroom/event.h"
#include "warroom/incident.h"
#include "warroom/policy.h"
#include "warroom/store.h"

#define EXIT_USAGE 2
#define NAME_MAX_LEN 64

enum verb {
    VERB_NONE, VERB_OPEN, VERB_LOG, VERB_SEV, VERB_ROLE, VERB_ACK, VERB_UPDATE, VERB_PAGE, VERB_MITIGATE,
    VERB_RESOLVE, VERB_REOPEN, VERB_ACTION, VERB_EDIT, VERB_SHOW, VERB_LIST, VERB_POLICY, VERB_HELP,
    VERB_POSTMORTEM, VERB_FLUSH, VERB_VERSION, VERB_SYNC, VERB_JOIN,
    VERB_COUNT
};

struct cli_options {
    const char *dir, *incident, *repo, *config, *as, *at;
    const char *sev, *title, *impact, *type, *why, *owner, *due, *priority, *kind, *status, *text, *time;
    const char *out, *template_path, *wait, *theme;
    bool json, data_exposed, builtin, edit, commit, push, force, remote, all;
    const char *args[64];
    int nargs;
};

struct cli_context {
    struct cli_options *opts;
    enum verb verb;
    struct config config;
    struct store store;
    struct policy policy;
    bool have_policy;
    char by[NAME_MAX_LEN + 1];   /* who is acting: --as, config name, login */
    int64_t now;
    int lock_wait_ms;            /* how long cli_record waits for another writer's lock:
                                    WARROOM_LOCK_WAIT, else LOG_LOCK_WAIT_MS; the console: 0 */
    char recorded[STORE_ID_MAX + 1]; /* the incident an event was recorded in, to push */
};

int cli_main(int argc, char **argv);

/* What `warroom` with no verb opens: the console, set by main() so the core
 * library needs no curses. NULL (tests, tools): `show` instead. */
extern int (*cli_console)(struct cli_context *c);

/* ---- shared by the verbs ---- */

/* Prints error_last() and returns 1. */
int cli_fail(void);
/* Prints a usage message and returns 2. */
int cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* VALUE, else the environment variable ENV when set and not empty, else NULL. */
const char *cli_env_or(const char *value, const char *env);
/* The arguments from FROM on, joined by spaces; "-" alone reads standard input. */
char *cli_join_args(const struct cli_options *o, int from);
int cli_read_file(struct buf *out, const char *path, size_t max);

int cli_who_am_i(struct cli_context *c);     /* fills c->by */
int cli_load_policy(struct cli_context *c);  /* fills c->policy */
/* Loads --incident, else the one open incident; with FALLBACK_LATEST and none
 * open, the latest declared. */
int cli_pick_incident(struct cli_context *c, struct incident **out, bool fallback_latest);
int cli_parse_when(const struct cli_context *c, int64_t *at); /* --at, or STAMP_NONE */
/* Appends D to incident ID's log; LOG_EBUSY when another process held its
 * lock past c->lock_wait_ms. */
int cli_record(struct cli_context *c, const char *id, struct event_draft *d);

/* ---- verbs in their own files ---- */

int cli_postmortem(struct cli_context *c);      /* src/cli_postmortem.c */
/* The console's resolve flow, with the verb's template lookup and commit:
 * render INC's postmortem into OUT; commit CONTENT (and record the event),
 * saying what was done into SAID; or write it where it would be committed
 * (the working tree, else beside the incident's log), its path into WRITTEN. */
int cli_postmortem_draft(struct cli_context *c, const struct incident *inc, struct buf *out);
int cli_postmortem_commit_draft(struct cli_context *c, const struct incident *inc, const struct buf *content,
                                struct buf *said);
int cli_postmortem_write_draft(struct cli_context *c, const struct incident *inc, const struct buf *content,
                               struct buf *written);
/* Opens CONTENT in $EDITOR (else $VISUAL, else vi) and replaces it with what
 * was saved. The caller gives the terminal to the editor first. */
int cli_postmortem_edit_draft(struct buf *content);
int cli_flush(struct cli_context *c);           /* src/cli_publish.c */
/* After a verb recorded something to publish in incident ID: deliver it,
 * waiting a bounded time, and say what stays queued. Returns 0, or < 0 when
 * delivery could not even start (the event itself is recorded either way). */
int cli_publish_after(struct cli_context *c, const char *id);
int cli_sync(struct cli_context *c);            /* src/cli_sync.c */
int cli_join(struct cli_context *c);
/* After a verb recorded in incident ID: push it, waiting a bounded time. */
void cli_sync_after(struct cli_context *c, const char *id);
/* Adds the remote's incidents to JSON_ARRAY (a json_t array): with
 * REMOTE_ONLY, all of them (past ones with --all), else those declared on
 * other hosts and not joined here. */
int cli_sync_list(struct cli_context *c, void *json_array, bool remote_only);

/* Appends this process's replay counts to $WARROOM_STATS, when set. */
void cli_write_stats(void);

#endif
