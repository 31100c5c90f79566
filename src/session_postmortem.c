/* session_postmortem — the postmortem for both faces: render the incident's postmortem from
 * the team's template, optionally edit it, write it, commit it into the platform
 * repo and push it, and record where it went as a `postmortem` event.
 * The `postmortem` verb (src/cli_postmortem.c) and the console call it.
 *
 * Order matters for the user's work: everything that can refuse (usage, action
 * items without owner, a template that does not parse) is checked before the
 * editor opens, and an edited draft is kept on disk until it has gone where it
 * was meant to, so a failed commit never loses what the author wrote. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "warroom/buf.h"
#include "warroom/file.h"
#include "warroom/builtin.h"
#include "warroom/session.h"
#include "warroom/error.h"
#include "warroom/postmortem.h"
#include "warroom/runbook.h"
#include "warroom/repo.h"
#include "warroom/stamp.h"
#include "warroom/store.h"
#include "warroom/template.h"

#define REPO_TEMPLATE "runbooks/post-mortem-template.md"
#define BUILTIN_TEMPLATE "docs/templates/postmortem.md"
#define CONFIG_TEXT_MAX 255   /* bytes of a postmortem.* setting */

/* Sets a message that wraps the last one: BEFORE, the last message, AFTER. (The
 * last message lives in the buffer error_set writes, so it is copied first.) */
int session_error_wrap(const char *before, const char *after)
{
    char *last = xstrdup(error_last());
    error_set("%s%s%s", before, last, after);
    free(last);
    return -1;
}

/* A postmortem.* string setting: one line, bounded, else an error. */
static int setting_string(const struct session *c, const char *key, const char **out)
{
    *out = config_string(&c->config, key);
    if (!*out)
        return 0;
    size_t n = strlen(*out);
    if (n == 0 || n > CONFIG_TEXT_MAX || strpbrk(*out, "\n\r\t"))
        return error_set("%s: %s must be a short name on one line", c->config.path ? c->config.path : "config", key);
    return 0;
}

int session_postmortem_settings(struct session_postmortem_settings *s, const struct session *c)
{
    const json_t *push = config_value(&c->config, "postmortem.push");
    s->push = c->opts->push || json_is_true(push);
    if (push && !json_is_boolean(push))
        return error_set("%s: postmortem.push must be true or false", c->config.path ? c->config.path : "config");
    if (setting_string(c, "postmortem.dir", &s->dir) < 0 || setting_string(c, "postmortem.branch", &s->branch) < 0 ||
        setting_string(c, "postmortem.remote", &s->remote) < 0)
        return -1;
    if (s->branch && repo_check_branch(s->branch) < 0) {
        struct buf before = BUF_INIT;
        buf_printf(&before, "%s: postmortem.branch: ", c->config.path ? c->config.path : "config");
        session_error_wrap(before.data, "");
        buf_free(&before);
        return -1;
    }
    return 0;
}

/* ---- the template ---------------------------------------------------- */

/* --template FILE, else the platform repo's runbooks/post-mortem-template.md on
 * the postmortem branch, else the built-in. SOURCE gets the name messages use. */
int session_postmortem_template(struct buf *text, struct buf *source, const struct session *c, struct repo *repo,
                         const struct session_postmortem_settings *s)
{
    const char *path = c->opts->template_path;
    if (path) {
        buf_adds(source, path);
        return session_read_file(text, path, TEMPLATE_MAX_SIZE);
    }
    if (repo) {
        int rc = repo_read_file(text, repo, s->branch, REPO_TEMPLATE);
        if (rc == 0) {
            const char *branch = s->branch ? s->branch : repo_current_branch(repo);
            buf_printf(source, "%s:%s", branch ? branch : "HEAD", REPO_TEMPLATE);
            return 0;
        }
        if (rc != REPO_ENOTFOUND)
            return session_error_wrap("cannot read " REPO_TEMPLATE " from the platform repository: ", "");
    }
    const struct builtin_file *f = builtin_find(BUILTIN_TEMPLATE);
    if (!f)
        return error_set("the built-in template %s is missing from this build", BUILTIN_TEMPLATE);
    buf_reset(text);
    buf_add(text, f->text, f->len);
    buf_printf(source, "%s (built in)", BUILTIN_TEMPLATE);
    return 0;
}

/* ---- files ----------------------------------------------------------- */

/* True when PATH's directory lies inside the working tree WORKDIR. */
bool session_inside_worktree(const char *path, const char *workdir)
{
    char *copy = xstrdup(path), dir[PATH_MAX], top[PATH_MAX];
    bool inside = workdir && realpath(dirname(copy), dir) && realpath(workdir, top);
    if (inside) {
        size_t n = strlen(top);
        inside = strncmp(dir, top, n) == 0 && (dir[n] == '/' || dir[n] == '\0');
    }
    free(copy);
    return inside;
}

/* Replaces PATH with CONTENT atomically: a temporary file beside it, fsync,
 * rename, fsync of the directory. MODE 0600 unless it goes into the repo. */
int session_file_replace(const char *path, const char *content, size_t len, mode_t mode)
{
    char *copy = xstrdup(path);
    const char *dir = dirname(copy);
    struct buf tmp = BUF_INIT;
    int fd = -1, dfd = -1, rc = -1;
    buf_printf(&tmp, "%s/.warroom-postmortem-XXXXXX", dir);
    fd = mkstemp(tmp.data);
    if (fd < 0) {
        error_set_errno("cannot create a temporary file in %s", dir);
        buf_reset(&tmp);
        goto done;
    }
    if (file_write_all(fd, content, len) < 0 || fchmod(fd, mode) < 0 || fsync(fd) < 0) {
        error_set_errno("cannot write %s", tmp.data);
        goto done;
    }
    if (close(fd) < 0) {
        fd = -1;
        error_set_errno("cannot write %s", tmp.data);
        goto done;
    }
    fd = -1;
    if (rename(tmp.data, path) < 0) {
        error_set_errno("cannot replace %s", path);
        goto done;
    }
    buf_reset(&tmp);
    dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0)
        fsync(dfd);
    rc = 0;
done:
    if (fd >= 0)
        close(fd);
    if (dfd >= 0)
        close(dfd);
    if (tmp.len)
        unlink(tmp.data);
    buf_free(&tmp);
    free(copy);
    return rc;
}

/* ---- the editor ------------------------------------------------------ */

/* Writes DRAFT to a new 0600 file and names it in PATH. */
static int draft_write(struct buf *path, const struct buf *draft)
{
    const char *tmpdir = getenv("TMPDIR");
    buf_reset(path);
    buf_printf(path, "%s/warroom-postmortem-XXXXXX.md", tmpdir && *tmpdir ? tmpdir : "/tmp");
    int fd = mkstemps(path->data, 3);   /* the .md suffix lets the editor pick Markdown */
    if (fd < 0)
        return error_set_errno("cannot create a draft in %s", tmpdir && *tmpdir ? tmpdir : "/tmp");
    int rc = file_write_all(fd, draft->data ? draft->data : "", draft->len);
    if (close(fd) < 0 || rc < 0) {
        unlink(path->data);
        return error_set_errno("cannot write the draft %s", path->data);
    }
    return 0;
}

/* Runs $EDITOR (else $VISUAL, else vi) on PATH the way git does: the editor
 * setting is shell text (it may carry arguments), the path is passed as "$1"
 * so no character in it is ever interpreted by the shell. */
static int editor_run(const char *path)
{
    const char *editor = session_env_or(NULL, "EDITOR");
    if (!editor)
        editor = session_env_or(NULL, "VISUAL");
    if (!editor)
        editor = "vi";
    struct buf script = BUF_INIT;
    buf_printf(&script, "%s \"$@\"", editor);
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        buf_free(&script);
        return error_set_errno("cannot start the editor");
    }
    if (pid == 0) {
        execl("/bin/sh", "sh", "-c", script.data, "sh", path, (char *)NULL);
        _exit(127);
    }
    buf_free(&script);
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            return error_set_errno("cannot wait for the editor");
    }
    if (!WIFEXITED(status))
        return error_set("the editor (%s) was stopped by signal %d", editor, WTERMSIG(status));
    if (WEXITSTATUS(status) != 0)
        return error_set("the editor (%s) exited with status %d", editor, WEXITSTATUS(status));
    return 0;
}

/* Opens the draft in the editor and replaces DRAFT with what was saved. */
int session_draft_edit(struct buf *draft, struct buf *path)
{
    if (draft_write(path, draft) < 0)
        return -1;
    if (editor_run(path->data) < 0)
        return -1;
    buf_reset(draft);
    if (session_read_file(draft, path->data, REPO_FILE_MAX) < 0)
        return -1;
    size_t i = 0;
    while (i < draft->len && strchr(" \t\r\n", draft->data[i]))
        i++;
    if (i == draft->len)
        return error_set("the saved draft is empty; nothing was written");
    return 0;
}

/* ---- committing ------------------------------------------------------ */

static int commit_refused(int rc)
{
    const char *prefix = "cannot commit the postmortem: ";
    if ((rc == REPO_EEXISTS || rc == REPO_EDIRTY) && !strstr(error_last(), "--force"))
        return session_error_wrap(prefix, " (--force replaces it)");
    if (rc == REPO_ELOCKED)
        return session_error_wrap(prefix, "; try again when it has finished");
    return session_error_wrap(prefix, "");
}


int session_postmortem_commit(struct session_committed *out, struct session *c, struct repo *repo,
                             const struct incident *inc, const struct session_postmortem_settings *s, const struct buf *content)
{
    struct buf path = BUF_INIT, message = BUF_INIT, email = BUF_INIT;
    struct repo_commit_result res;
    struct repo_push_result pushed;
    char local[NAME_MAX_LEN + 1];
    int rc = -1;

    const char *branch = s->branch ? s->branch : repo_current_branch(repo);
    if (!branch) {
        session_error_wrap("cannot commit the postmortem: ", " (or set postmortem.branch in the config)");
        goto done;
    }
    out->branch = xstrdup(branch);
    if (postmortem_path(&path, inc, s->dir) < 0)
        goto done;
    postmortem_commit_message(&message, inc, &c->policy);
    /* used only when git config names nobody */
    const char *author = *inc->holder[ROLE_IC] ? inc->holder[ROLE_IC] : c->by;
    store_slug(local, NAME_MAX_LEN, author);
    buf_printf(&email, "%s@warroom.invalid", local);
    struct repo_commit_request req = {
        .branch = out->branch,
        .path = path.data,
        .content = content->data ? content->data : "",
        .len = content->len,
        .message = message.data,
        .author_name = author,
        .author_email = email.data,
        .force = c->opts->force,
    };
    if ((rc = repo_commit_file(&res, repo, &req)) < 0) {
        rc = commit_refused(rc);
        goto done;
    }
    memcpy(out->commit, res.commit, sizeof out->commit);
    out->changed = res.changed;
    out->recovered = res.recovered;
    out->path = xstrdup(path.data);

    if (s->push) {
        const char *remote = s->remote ? s->remote : "origin";
        struct repo_push_options po = {.replay = &req};
        if ((rc = repo_push(&pushed, repo, remote, out->branch, &po)) < 0) {
            struct buf before = BUF_INIT;
            buf_printf(&before, "committed %s locally as %.12s, but the push to %s failed: ", path.data, out->commit,
                       remote);
            session_error_wrap(before.data, "");
            buf_free(&before);
            goto done;
        }
        out->pushed = true;
        out->replayed = pushed.replayed;
        out->remote = xstrdup(remote);
        memcpy(out->commit, pushed.commit, sizeof out->commit);
    }
    rc = 0;
done:
    buf_free(&path);
    buf_free(&message);
    buf_free(&email);
    return rc;
}

/* Appends the postmortem event, unless it would only repeat the last one. */
int session_postmortem_record(struct session *c, const struct incident *inc, const struct session_postmortem_settings *s,
                             const struct session_committed *done)
{
    struct buf path = BUF_INIT;
    struct event_draft d;
    int rc = postmortem_path(&path, inc, s->dir);
    const struct event *last = inc->postmortem;
    if (rc < 0)
        goto out;
    if (!done->changed && last && !done->pushed == !event_bool(last, "pushed") &&
        event_str(last, "commit") && strcmp(event_str(last, "commit"), done->commit) == 0)
        goto out;                         /* nothing new to say */
    event_draft_init(&d, EVENT_POSTMORTEM, c->by);
    event_draft_str(&d, "path", path.data);
    event_draft_str(&d, "commit", done->commit);
    event_draft_bool(&d, "pushed", done->pushed);
    event_draft_str(&d, "branch", done->branch);
    rc = session_record(c, inc->id, &d);
    event_draft_free(&d);
out:
    buf_free(&path);
    return rc;
}

/* ---- for the console ------------------------------------------------- */

/* The platform repo, when there is one (NULL and 0 when there is none around
 * and none was named). */
static int repo_for(struct repo **repo, const struct session *c)
{
    const char *path = session_env_or(c->opts->repo, "WARROOM_REPO");
    int rc = repo_open(repo, path);
    if (rc == REPO_ENOTFOUND && !path) {
        *repo = NULL;
        return 0;
    }
    return rc < 0 ? -1 : 0;
}

int session_postmortem_draft(struct session *c, const struct incident *inc, struct buf *out)
{
    struct session_postmortem_settings s = {0};
    struct repo *repo = NULL;
    struct buf text = BUF_INIT, source = BUF_INIT;
    json_t *ctx = NULL;
    int rc = -1;
    if (session_postmortem_settings(&s, c) < 0 || repo_for(&repo, c) < 0)
        goto done;
    ctx = postmortem_context(inc, &c->policy, stamp_now());
    runbook_postmortem_context(ctx, inc, session_env_or(c->opts->repo, "WARROOM_REPO"), stamp_now());
    if (session_postmortem_template(&text, &source, c, repo, &s) < 0)
        goto done;
    rc = postmortem_render(out, text.data ? text.data : "", text.len, source.data, ctx);
done:
    json_decref(ctx);
    buf_free(&text);
    buf_free(&source);
    repo_free(repo);
    return rc;
}

int session_postmortem_commit_draft(struct session *c, const struct incident *inc, const struct buf *content,
                                struct buf *said)
{
    struct session_postmortem_settings s = {0};
    struct repo *repo = NULL;
    struct session_committed done = {0};
    int rc = -1;
    if (session_postmortem_settings(&s, c) < 0 || repo_for(&repo, c) < 0)
        goto out;
    if (!repo) {
        error_set("no platform repository to commit into (run warroom in it, or set --repo / WARROOM_REPO)");
        goto out;
    }
    if (!c->opts->force && postmortem_incomplete_actions(inc, NULL)) {
        error_set("every action item needs an owner and a due date before the postmortem is committed "
                  "(warroom action set ID --owner NAME --due DATE)");
        goto out;
    }
    rc = session_postmortem_commit(&done, c, repo, inc, &s, content);
    if (done.commit[0] && session_postmortem_record(c, inc, &s, &done) < 0)
        rc = -1;
    if (done.path)
        buf_printf(said, "%s%s %s as %.12s%s", done.recovered ? "interrupted commit finished; " : "", done.path,
                   done.changed ? "committed" : "already committed", done.commit, done.pushed ? ", pushed" : "");
out:
    session_committed_free(&done);
    repo_free(repo);
    return rc;
}

int session_postmortem_edit_draft(struct buf *content)
{
    struct buf path = BUF_INIT;
    int rc = session_draft_edit(content, &path);
    if (path.len)
        unlink(path.data);
    buf_free(&path);
    return rc;
}

int session_postmortem_write_draft(struct session *c, const struct incident *inc, const struct buf *content,
                               struct buf *written)
{
    struct session_postmortem_settings s = {0};
    struct repo *repo = NULL;
    struct buf rel = BUF_INIT;
    int rc = -1;
    if (session_postmortem_settings(&s, c) < 0 || repo_for(&repo, c) < 0 || postmortem_path(&rel, inc, s.dir) < 0)
        goto out;
    /* into the working tree where it would be committed, for a look with git
     * diff, by the commit's own rule (no symbolic link followed); without
     * one, beside the incident's log */
    const char *workdir = repo ? repo_workdir(repo) : NULL;
    if (workdir) {
        buf_printf(written, "%s%s", workdir, rel.data);
        rc = repo_write_file(repo, rel.data, content->data, content->len);
    } else {
        char *path = store_incident_file(&c->store, inc->id, "postmortem.md");
        buf_adds(written, path);
        free(path);
        rc = session_file_replace(written->data, content->data ? content->data : "", content->len, 0600);
    }
out:
    buf_free(&rel);
    repo_free(repo);
    return rc;
}

void session_committed_free(struct session_committed *done)
{
    free(done->branch);
    free(done->path);
    free(done->remote);
    memset(done, 0, sizeof *done);
}
