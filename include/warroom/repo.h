/* repo — the platform repository, read and written through libgit2.
 * Reads a file from a branch through the object database (so bare repositories
 * work), commits exactly one file onto a branch without touching anything else
 * the user has staged or changed, durably, finishing a commit a crash
 * interrupted, and pushes that branch. Strings returned are owned by the repo
 * and live until repo_free; bufs passed in are the caller's. */
#ifndef WARROOM_REPO_H
#define WARROOM_REPO_H

#include <stdbool.h>
#include <stddef.h>

#include "warroom/buf.h"

/* Distinct failures a caller acts on; every other failure is -1. All of them
 * leave a message in error_last(). */
enum {
    REPO_ENOTFOUND = -2, /* no repository, branch or file */
    REPO_EEXISTS = -3,   /* the file is there with other content (see force) */
    REPO_EDIRTY = -4,    /* the user has a staged, unstaged or untracked change to the file */
    REPO_ELOCKED = -5,   /* another git process holds a lock (index.lock, ref.lock) */
    REPO_ECONFLICT = -6, /* the branch kept moving (retries exhausted) or cannot be replayed */
    REPO_EREJECTED = -7, /* the remote refused the push for a reason other than fast-forward */
};

#define REPO_FILE_MAX (4u << 20)  /* largest file read or committed */
#define REPO_PATH_MAX 1024        /* longest path inside the repository */
#define REPO_OID_HEX 40

struct repo;

/* Opens the repository at PATH (a working tree or a bare repository), or, when
 * PATH is NULL, the one around the working directory as git finds it (GIT_DIR
 * and the other git environment variables apply). REPO_ENOTFOUND when there is
 * none. */
int repo_open(struct repo **out, const char *path);
void repo_free(struct repo *r);

/* How many times this process opened a repository from disk (an open of one
 * that a handle still holds shares it, and is not counted). */
unsigned long repo_count_opens(void);

bool repo_is_bare(const struct repo *r);

/* The working tree's top directory (with a trailing slash), or NULL for a bare
 * repository. Owned by R. */
const char *repo_workdir(const struct repo *r);

/* The branch HEAD points to ("main"), also when it has no commits yet; NULL
 * with a message when HEAD is detached. Owned by R, valid until the next call. */
const char *repo_current_branch(struct repo *r);

/* Replaces OUT's content with the content of PATH on BRANCH (NULL: the commit
 * HEAD names, also when HEAD is detached). REPO_ENOTFOUND when the branch or
 * the file does not exist, or HEAD has no commit yet. */
int repo_read_file(struct buf *out, struct repo *r, const char *branch, const char *path);

/* The names of the files (blobs) directly in directory DIR on BRANCH (NULL:
 * the commit HEAD names), into *NAMES (each and the array the caller's to
 * free). REPO_ENOTFOUND when there is no such commit or directory. */
int repo_list_dir(char ***names, size_t *n, struct repo *r, const char *branch, const char *dir);

/* 0 when PATH may name a file inside the repository: relative, no empty, "."
 * or ".." component, no ".git" component (nor its NTFS/HFS aliases), no
 * control characters or backslashes, at most REPO_PATH_MAX bytes. */
int repo_check_path(const char *path);

/* 0 when BRANCH may name a branch to commit to, by git's rules for branch
 * names (`git check-ref-format --branch`): "main" or "refs/heads/main"; never
 * "HEAD", "@", a leading '-', "..", a ".lock" component, controls or spaces. */
int repo_check_branch(const char *branch);

/* Writes PATH (checked as by repo_check_path) into the working tree with
 * CONTENT, atomically and synced, 0644, making missing directories: the
 * draft shown with git diff. By the same rule as the commit's own write, no
 * symbolic link is followed, on the way or at PATH itself. -1 for a bare
 * repository. */
int repo_write_file(struct repo *r, const char *path, const char *content, size_t len);

struct repo_commit_request {
    const char *branch;       /* NULL: the branch HEAD points to */
    const char *path;         /* e.g. "postmortems/2025-03-15-checkout-outage.md" */
    const char *content;      /* bytes, at most REPO_FILE_MAX */
    size_t len;
    const char *message;      /* the whole commit message */
    const char *author_name;  /* used only when git config has no user.name/user.email */
    const char *author_email;
    bool force;               /* replace other content / the user's changes to that file */
    /* Test hook: called once, after the first commit object is written and
     * before the branch is updated. */
    void (*before_ref_update)(void *arg);
    void *hook_arg;
};

struct repo_commit_result {
    char commit[REPO_OID_HEX + 1]; /* the branch tip afterwards */
    bool changed;                  /* false: the file already had this content */
    bool worktree_updated;         /* the file was written to the working tree and index */
    unsigned attempts;             /* commits made until the branch update won */
    bool recovered;                /* an interrupted earlier commit was finished first:
                                    * its index entry and file brought along */
};

/* Commits REQ's file onto the branch as one commit whose only change is that
 * file, built from the branch tip's tree (not the index) and published with a
 * compare-and-swap of the branch, retried on top of a tip that moved meanwhile.
 * When the branch is checked out here, the file is also written to the working
 * tree and exactly its index entry updated; other changes stay as they were.
 * First, what a commit killed part-way left is finished and cleared: the index
 * entry and file of a commit its branch points at, its index.lock (told from a
 * live git's by the journal it links to) and its temporary files; nothing of a
 * process that still runs is touched. Reported only once on disk. */
int repo_commit_file(struct repo_commit_result *res, struct repo *r,
                     const struct repo_commit_request *req);

struct repo_push_options {
    /* The one-file commit on the branch tip, to re-create on top of the
     * remote's tip when the push is not a fast-forward. NULL: no replay, a
     * non-fast-forward is REPO_ECONFLICT. Its branch field is ignored. */
    const struct repo_commit_request *replay;
    unsigned max_attempts;    /* pushes tried; 0 means 3, at most 10 */
};

struct repo_push_result {
    bool pushed;
    unsigned attempts;              /* pushes tried */
    bool replayed;                  /* the commit was re-created on the remote's tip */
    char commit[REPO_OID_HEX + 1];  /* what the remote branch points to afterwards */
};

/* Pushes BRANCH (NULL: current) to REMOTE (NULL: "origin"). Credentials:
 * ssh-agent for ssh URLs; for http(s), WARROOM_GIT_TOKEN, else git's credential
 * helper (`git credential fill`). Secrets never appear in messages. */
int repo_push(struct repo_push_result *res, struct repo *r, const char *remote,
              const char *branch, const struct repo_push_options *opts);

/* Starts libgit2 (once per process; later calls only count), with the CA
 * bundle's parse put off until a TLS session needs it and libssh2's start
 * until an ssh session does. Every start of libgit2 goes through here, sync's
 * too. 0 or more, or negative as git_libgit2_init. */
int repo_git_start(void);

/* libgit2's explanation of its last failure; when it is about ssh (or
 * Negotiate) and libssh2 (or GSSAPI) could not be loaded, followed by the
 * loading's message: which library, why, what to install. For sync's
 * messages too. The text lives until the thread's next call. */
const char *repo_git_message(void);

/* Appends MSG to OUT with its secrets taken out: a URL's "user:token@" and
 * the token from WARROOM_GIT_TOKEN, which a server may echo. For every
 * message that quotes libgit2 or a remote's URL. */
void repo_redact(struct buf *out, const char *msg);

/* How many times this process parsed the CA bundle for TLS: only when a
 * push or fetch over https first needs it, never for a local commit. */
unsigned long repo_count_ca_loads(void);

/* How many times this process started libssh2: only when a push or fetch
 * over ssh makes its first session (or libcurl starts, which starts it too). */
unsigned long repo_count_ssh_starts(void);

/* How many objects this process read from the object databases of the
 * repositories it opened (repeats libgit2 had cached not counted): a commit
 * reads the branch tip and the trees on the file's path, not the whole tree. */
unsigned long repo_count_objects_read(void);

#endif
