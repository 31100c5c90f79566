/* cli — the command line: every verb of DESIGN.md's "Command line".
 * cli_main parses ARGV, runs the verb and returns the exit status: 0 done,
 * 1 failed (a message on stderr says what and what to do), 2 usage.
 * The verbs live in src/cli*.c; what they share is declared here. Every
 * string in a cli_options points into argv; a cli_context owns the rest. */
#ifndef WARROOM_CLI_H
#define WARROOM_CLI_H

#include <stdbool.h>
#include <stdint.h>

#include "warroom/session.h"

#define EXIT_USAGE 2

enum verb {
    VERB_NONE, VERB_OPEN, VERB_LOG, VERB_SEV, VERB_ROLE, VERB_ACK, VERB_UPDATE, VERB_PAGE, VERB_MITIGATE,
    VERB_RESOLVE, VERB_REOPEN, VERB_ACTION, VERB_EDIT, VERB_SHOW, VERB_LIST, VERB_POLICY, VERB_HELP,
    VERB_POSTMORTEM, VERB_FLUSH, VERB_VERSION, VERB_SYNC, VERB_JOIN, VERB_PEOPLE, VERB_REPORT, VERB_STATUS,
    VERB_RUNBOOK, VERB_EMAIL, VERB_INTAKE, VERB_LISTEN, VERB_ACTIONS, VERB_DRILL,
    VERB_COUNT
};

struct cli_options {
    const char *dir, *incident, *repo, *config, *as, *at;
    const char *sev, *title, *impact, *type, *why, *owner, *due, *priority, *kind, *status, *text, *time;
    const char *out, *template_path, *wait, *theme;
    const char *since, *until, *format, *output;
    const char *name;               /* log --type alert --name: the alert's name */
    const char *service;            /* open, log --type alert: the service it concerns (intake attaches by it) */
    const char *addr;               /* listen --addr */
    const char *speed, *publish;    /* drill */
    bool json, data_exposed, builtin, edit, commit, push, force, remote, all;
    bool drills;
    bool send;
    bool sync_tickets;   /* actions --sync */
    const char *args[64];
    int nargs;
};

/* A verb's context: its options and the session it runs in (src/session.c
 * owns config, store, policy and who is acting). */
struct cli_context {
    struct cli_options *opts;
    enum verb verb;
    struct session_options common;  /* what of opts the session reads */
    struct session s;
};

int cli_main(int argc, char **argv);

/* What `warroom` with no verb opens: the console, set by main() so the core
 * library needs no curses. NULL (tests, tools): `show` instead. */
extern int (*cli_console)(struct session *s);

/* ---- the verb table (src/cli_main.c) ---- */

struct cli_verb {
    enum verb verb;
    const char *name;
    int (*run)(struct cli_context *c);   /* NULL: help, version, none (cli_main answers) */
    const char *help;       /* its lines of `warroom help`, as printed; NULL: not listed */
    const char *usage;      /* its synopsis, one line per form (the man page's) */
    bool records;           /* appends an event: takes --at and --as */
    bool publishes;         /* what it records goes to the sinks: takes --wait */
    const char *const *options;  /* its own options, NULL-terminated (NULL: none) */
};

extern const struct cli_verb cli_verbs[VERB_COUNT];

/* ---- shared by the verbs (src/cli_common.c): calls no verb ---- */

/* Parses ARGV against TABLE (N rows indexed by enum verb): the verb, then
 * every option checked against the verb's row. 0, or the exit status of a
 * usage error (said on stderr). */
int cli_parse_args(struct cli_options *o, enum verb *verb, const struct cli_verb *table, size_t n, int argc,
                   char **argv);
/* Whether verb V takes OPTION (a global option aside). */
bool cli_verb_takes(const struct cli_verb *v, const char *option);
/* `warroom help`, the bash and zsh completion scripts and the man page's synopsis of
 * the verbs, written from TABLE. */
void cli_help(struct buf *out, const struct cli_verb *table, size_t n);
void cli_completion_bash(struct buf *out, const struct cli_verb *table, size_t n);
void cli_completion_zsh(struct buf *out, const struct cli_verb *table, size_t n);
void cli_man_synopsis(struct buf *out, const struct cli_verb *table, size_t n);


/* Prints error_last() and returns 1. */
int cli_fail(void);
/* Prints a usage message and returns 2. */
int cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The arguments from FROM on, joined by spaces; "-" alone reads standard input. */
char *cli_join_args(const struct cli_options *o, int from);
/* --wait TEXT as seconds, 0 to OUTBOX_WAIT_MAX_S; a usage error otherwise.
 * cli_main checks it before any verb runs, so nothing is recorded first. */
int cli_parse_wait(const char *text, double *seconds);
/* How long a verb waits on the network, in ms: --wait, else config KEY when it
 * is in range, else FALLBACK seconds. */
int64_t cli_wait_ms(const struct cli_context *c, const char *key, double fallback);

int cli_parse_when(const struct cli_context *c, int64_t *at); /* --at, or STAMP_NONE */
/* Prints J (taking it) as indented JSON; 0, or < 0 when it cannot be written. */
struct json_t;
int cli_print_json(struct json_t *j);

/* ---- the verbs, each a row of the table ---- */

int cli_open(struct cli_context *c);            /* src/cli.c */
int cli_record_verb(struct cli_context *c);     /* log, sev, role, ack, update, page, mitigate, resolve,
                                                   reopen, edit */
int cli_action(struct cli_context *c);
int cli_show(struct cli_context *c);            /* src/cli_show.c */
int cli_list(struct cli_context *c);
int cli_policy(struct cli_context *c);          /* src/cli_policy.c */
int cli_people(struct cli_context *c);          /* src/cli_policy.c */
int cli_actions(struct cli_context *c);         /* src/cli_actions.c */

int cli_postmortem(struct cli_context *c);      /* src/cli_postmortem.c */
int cli_flush(struct cli_context *c);           /* src/cli_publish.c */
int cli_email(struct cli_context *c);           /* src/cli_email.c */
/* After a verb recorded something to publish in incident ID: deliver it,
 * waiting a bounded time, and say what stays queued. Returns 0, or < 0 when
 * delivery could not even start (the event itself is recorded either way). */
int cli_publish_after(struct cli_context *c, const char *id);
/* The same when what publishes is not the last event recorded (intake: a
 * declaration, then its alert); says what was delivered. */
int cli_publish_pending(struct cli_context *c, const char *id);
/* Gives OB the people directory when one of its sinks wants assignees. */
struct outbox;
void cli_outbox_people(struct cli_context *c, struct outbox *ob);
int cli_sync(struct cli_context *c);            /* src/cli_sync.c */
int cli_join(struct cli_context *c);
int cli_runbook(struct cli_context *c);         /* src/cli_runbook.c */
int cli_intake(struct cli_context *c);         /* src/cli_intake.c */
int cli_listen(struct cli_context *c);
int cli_drill(struct cli_context *c);           /* src/cli_drill.c */
/* After a verb recorded in incident ID: push it, waiting a bounded time. */
void cli_sync_after(struct cli_context *c, const char *id);
/* Adds the remote's incidents to JSON_ARRAY (a json_t array): with
 * REMOTE_ONLY, all of them (past ones with --all), else those declared on
 * other hosts and not joined here. */
int cli_sync_list(struct cli_context *c, void *json_array, bool remote_only);
/* The incidents only the remote holds (none joined here), replayed from its
 * refs as last fetched after a bounded fetch; *INCS the caller's to free, each
 * with incident_free. Without a "sync" section, none unless ASKED (then the
 * platform repo's remote, as `list --remote`). */
int cli_sync_remote_incidents(struct cli_context *c, struct incident ***incs, size_t *n, bool asked);
int cli_report(struct cli_context *c);          /* src/cli_report.c */
int cli_status(struct cli_context *c);          /* src/cli_status.c */

/* Appends this process's replay counts to $WARROOM_STATS, when set. */
void cli_write_stats(void);

#endif
