/* session — what the command line and the console both stand on: who is
 * acting (--as, the config's name, the login), which incident (the one named,
 * else the one open), the config and policy in force, recording an event, and
 * the postmortem's draft, write, edit and commit.
 * Returns < 0 with a message (error_last); never prints, never exits. What is
 * worth a warning goes to the caller's warn function. */
#ifndef WARROOM_SESSION_H
#define WARROOM_SESSION_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "warroom/buf.h"
#include "warroom/config.h"
#include "warroom/event.h"
#include "warroom/incident.h"
#include "warroom/people.h"
#include "warroom/policy.h"
#include "warroom/repo.h"
#include "warroom/store.h"

#define NAME_MAX_LEN 64

/* The choices a face passes down, each NULL (false) when not made; strings
 * are borrowed (from argv) and must outlive the session. */
struct session_options {
    const char *dir, *incident, *repo, *config, *as, *template_path, *theme;
    bool force, push;
};

struct session {
    const struct session_options *opts;
    struct config config;
    struct store store;
    struct policy policy;
    bool have_policy;
    struct people people;        /* the people directory, once read (session_people) */
    int people_read;             /* 0: not yet; 1: read; -1: it did not parse (people_error) */
    char *people_error;
    char by[NAME_MAX_LEN + 1];   /* who is acting: --as, config name, login */
    int64_t now;
    int lock_wait_ms;            /* how long session_record waits for another writer's lock:
                                    WARROOM_LOCK_WAIT, else LOG_LOCK_WAIT_MS; the console: 0 */
    char recorded[STORE_ID_MAX + 1]; /* the incident an event was recorded in, to push */
    /* Told what is worth a warning ("skipping inc-...: ..."); NULL: nothing. */
    void (*warn)(const char *message);
};

/* Loads the config (OPTS->config, else WARROOM_CONFIG) and, with NEED_STORE,
 * opens the store; reads WARROOM_LOCK_WAIT. WARN may be NULL. On failure S
 * still needs session_close. */
int session_open(struct session *s, const struct session_options *opts, bool need_store,
                 void (*warn)(const char *message));
void session_close(struct session *s);

/* VALUE, else the environment variable ENV when set and not empty, else NULL. */
const char *session_env_or(const char *value, const char *env);
/* Reads PATH (a regular file, at most MAX bytes) into OUT. */
int session_read_file(struct buf *out, const char *path, size_t max);

/* A person's name: one line, clean, bounded (WHAT names it in the message). */
int session_clean_name(char out[NAME_MAX_LEN + 1], const char *name, const char *what);
int session_who_am_i(struct session *s);     /* fills s->by */
int session_load_policy(struct session *s);  /* fills s->policy */

/* The people directory (see people.h): the config's "people" (the map
 * itself, or a file path), else the platform repo's .warroom/people.json, else
 * an empty directory. OUT is the caller's to people_free. */
int session_load_people(struct session *s, struct people *out);
/* The same, read once per session: a team file is the same for every
 * incident a command delivers. NULL with the error set (again on each call)
 * when it does not parse. Owned by the session. */
const struct people *session_people(struct session *s);

/* Reads PATH (relative, e.g. ".warroom/policy.json") from the platform repo
 * (--repo, WARROOM_REPO, else the one around the working directory): the
 * working tree's copy, so a team can try a change before committing it, else
 * the current branch's, so a bare repo works too. SOURCE gets where it came
 * from, for messages. Returns 0, REPO_ENOTFOUND when there is no repository
 * (and none was named) or no such file, or < 0 with an error set. */
int session_read_platform_file(struct session *s, struct buf *text, struct buf *source, const char *path,
                               size_t max);
/* Loads --incident (WARROOM_INCIDENT), else the one open incident; with
 * FALLBACK_LATEST and none open, the latest declared. */
int session_pick_incident(struct session *s, struct incident **out, bool fallback_latest);
/* The same, its id only, into ID; SUM gets its summary when it was picked
 * from the summaries (else sum->size is -1). Only the summaries are read:
 * see summary.h. */
struct incident_summary;
int session_pick_id(struct session *s, char id[STORE_ID_MAX + 1], struct incident_summary *sum,
                    bool fallback_latest);
/* Appends D to incident ID's log; LOG_EBUSY when another process held its
 * lock past s->lock_wait_ms. */
int session_record(struct session *s, const char *id, struct event_draft *d);

/* ---- the postmortem (src/session_postmortem.c) ---- */

/* The config's postmortem.* settings, checked. */
struct session_postmortem_settings {
    const char *dir, *branch, *remote; /* NULL: the defaults */
    bool push;
};
int session_postmortem_settings(struct session_postmortem_settings *ps, const struct session *s);

/* What a commit did. Free with session_committed_free. */
struct session_committed {
    char commit[REPO_OID_HEX + 1];
    char *branch, *path, *remote;
    bool changed, pushed, replayed, recovered;
};
void session_committed_free(struct session_committed *done);

/* --template FILE, else the platform repo's runbooks/post-mortem-template.md on
 * the postmortem branch, else the built-in. SOURCE gets the name messages use. */
int session_postmortem_template(struct buf *text, struct buf *source, const struct session *s, struct repo *repo,
                                const struct session_postmortem_settings *ps);
/* Commits CONTENT as INC's postmortem into REPO (and pushes it when PS says so). */
int session_postmortem_commit(struct session_committed *out, struct session *s, struct repo *repo,
                              const struct incident *inc, const struct session_postmortem_settings *ps,
                              const struct buf *content);
/* Appends the postmortem event, unless it would only repeat the last one. */
int session_postmortem_record(struct session *s, const struct incident *inc,
                              const struct session_postmortem_settings *ps, const struct session_committed *done);
/* Sets a message that wraps the last one: BEFORE, the last message, AFTER. */
int session_error_wrap(const char *before, const char *after);
/* True when PATH's directory lies inside the working tree WORKDIR. */
bool session_inside_worktree(const char *path, const char *workdir);
/* Replaces PATH with CONTENT atomically; MODE 0600 unless it goes into the repo. */
int session_file_replace(const char *path, const char *content, size_t len, mode_t mode);
/* Opens DRAFT in $EDITOR (else $VISUAL, else vi) from a private temporary
 * file, kept in PATH until the caller removes it. */
int session_draft_edit(struct buf *draft, struct buf *path);

/* The console's resolve flow, with the verb's template lookup and commit:
 * render INC's postmortem into OUT; commit CONTENT (and record the event),
 * saying what was done into SAID; or write it where it would be committed
 * (the working tree, else beside the incident's log), its path into WRITTEN. */
int session_postmortem_draft(struct session *s, const struct incident *inc, struct buf *out);
int session_postmortem_commit_draft(struct session *s, const struct incident *inc, const struct buf *content,
                                    struct buf *said);
int session_postmortem_write_draft(struct session *s, const struct incident *inc, const struct buf *content,
                                   struct buf *written);
/* Opens CONTENT in $EDITOR (else $VISUAL, else vi) and replaces it with what
 * was saved. The caller gives the terminal to the editor first. */
int session_postmortem_edit_draft(struct buf *content);

#endif
