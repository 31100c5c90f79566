/* cli_postmortem — `warroom postmortem`: render the incident's postmortem from
 * the team's template, optionally edit it, write it, commit it into the platform
 * repo and push it, and record where it went as a `postmortem` event. The
 * work is the session's (src/session_postmortem.c); this is the verb's face.
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
#include "warroom/cli.h"
#include "warroom/error.h"
#include "warroom/postmortem.h"
#include "warroom/runbook.h"
#include "warroom/repo.h"
#include "warroom/stamp.h"
#include "warroom/store.h"
#include "warroom/template.h"


/* What the verb says on standard output; the console says it on its screen. */
static void say_committed(const struct session_committed *done)
{
    if (done->recovered)
        printf("finished an interrupted commit: its index entry and file now match the branch\n");
    printf("%s %s to %s (%.12s)\n", done->path, done->changed ? "committed" : "already committed", done->branch,
           done->commit);
    if (done->pushed)
        printf("pushed %s to %s%s (%.12s)\n", done->branch, done->remote,
               done->replayed ? " on top of the remote's new commits" : "", done->commit);
}

/* ---- the verb -------------------------------------------------------- */

static void warn_actions(const struct incident *inc)
{
    struct buf list = BUF_INIT;
    if (postmortem_incomplete_actions(inc, &list) == 0)
        return;
    for (char *line = list.data, *nl; line && *line; line = nl + 1) {
        nl = strchr(line, '\n');
        *nl = '\0';
        char item[16];
        snprintf(item, sizeof item, "%.*s", (int)strcspn(line, " "), line);
        fprintf(stderr, "warroom: warning: action item %s; set it with: warroom action set %s --owner NAME --due DATE\n",
                line, item);
    }
    buf_free(&list);
}

int cli_postmortem(struct cli_context *c)
{
    struct cli_options *o = c->opts;
    struct incident *inc = NULL;
    struct repo *repo = NULL;
    struct session_postmortem_settings s = {0};
    struct buf content = BUF_INIT, text = BUF_INIT, source = BUF_INIT, draft_path = BUF_INIT;
    struct session_committed committed = {0};
    json_t *ctx = NULL;
    int rc = EXIT_FAILURE;

    if (o->nargs)
        return cli_usage_error("postmortem takes no arguments (name the incident with --incident ID)");
    if (o->json && (o->commit || o->edit || o->template_path))
        return cli_usage_error("--json prints the template's context; it does not go with --commit, --edit or "
                               "--template");
    if (o->push && !o->commit)
        return cli_usage_error("--push goes with --commit");
    if (o->out && !*o->out)
        return cli_usage_error("--out needs a file name");

    if (session_postmortem_settings(&s, &c->s) < 0)
        goto failed;
    const char *repo_path = session_env_or(o->repo, "WARROOM_REPO");
    int opened = repo_open(&repo, repo_path);
    if (opened < 0) {
        if (o->commit) {
            session_error_wrap("--commit needs the platform repository: ", "");
            goto failed;
        }
        if (repo_path || opened != REPO_ENOTFOUND)
            goto failed;
        repo = NULL;                      /* none around: the built-in template, printed */
    }

    if (session_load_policy(&c->s) < 0 || session_who_am_i(&c->s) < 0 || session_pick_incident(&c->s, &inc, true) < 0)
        goto failed;

    if (inc->declared_at == STAMP_NONE) {
        error_set("%s has not been declared yet; there is nothing to write a postmortem about", inc->id);
        goto failed;
    }
    warn_actions(inc);
    if (o->commit && !o->force && postmortem_incomplete_actions(inc, NULL)) {
        struct buf list = BUF_INIT;
        postmortem_incomplete_actions(inc, &list);
        char first[16];
        snprintf(first, sizeof first, "%.*s", (int)strcspn(list.data, " "), list.data);
        error_set("not committing: every action item needs an owner and a due date first; set them with: "
                  "warroom action set %s --owner NAME --due DATE (or commit anyway with --force)",
                  first);
        buf_free(&list);
        goto failed;
    }
    if (incident_is_open(inc))
        fprintf(stderr, "warroom: warning: %s is still open; the postmortem's figures are as of now\n", inc->id);

    ctx = postmortem_context(inc, &c->s.policy, c->s.now);
    runbook_postmortem_context(ctx, inc, session_env_or(c->opts->repo, "WARROOM_REPO"), c->s.now);
    if (o->json) {
        char *dump = json_dumps(ctx, JSON_INDENT(2) | JSON_ENSURE_ASCII);
        buf_adds(&content, dump);
        buf_addc(&content, '\n');
        free(dump);
    } else if (session_postmortem_template(&text, &source, &c->s, repo, &s) < 0 ||
               postmortem_render(&content, text.data ? text.data : "", text.len, source.data, ctx) < 0) {
        goto failed;
    }
    if (content.len > REPO_FILE_MAX) {
        error_set("the postmortem is %zu bytes, over the limit of %u", content.len, REPO_FILE_MAX);
        goto failed;
    }

    if (o->edit && session_draft_edit(&content, &draft_path) < 0)
        goto failed;

    if (o->out) {
        mode_t mode = repo && session_inside_worktree(o->out, repo_workdir(repo)) ? 0644 : 0600;
        if (session_file_replace(o->out, content.data ? content.data : "", content.len, mode) < 0)
            goto failed;
    }
    if (o->commit) {
        int committed_rc = session_postmortem_commit(&committed, &c->s, repo, inc, &s, &content);
        if (committed.path)
            say_committed(&committed);
        /* a commit that landed is recorded even when the push then failed */
        if (committed.commit[0] && session_postmortem_record(&c->s, inc, &s, &committed) < 0) {
            struct buf before = BUF_INIT;
            buf_printf(&before, "the postmortem is committed as %.12s but could not be recorded in %s: ",
                       committed.commit, inc->id);
            session_error_wrap(before.data, "");
            buf_free(&before);
            goto failed;
        }
        if (committed_rc < 0)
            goto failed;
    }
    if (!o->out && !o->commit) {
        if (fwrite(content.data ? content.data : "", 1, content.len, stdout) != content.len) {
            error_set_errno("cannot write the postmortem");
            goto failed;
        }
    }
    if (draft_path.len)
        unlink(draft_path.data);
    rc = 0;
    goto done;
failed:
    rc = cli_fail();
    if (draft_path.len && access(draft_path.data, F_OK) == 0)
        fprintf(stderr, "warroom: the draft is kept in %s\n", draft_path.data);
done:
    json_decref(ctx);
    session_committed_free(&committed);
    buf_free(&content);
    buf_free(&text);
    buf_free(&source);
    buf_free(&draft_path);
    repo_free(repo);
    incident_free(inc);
    return rc;
}
