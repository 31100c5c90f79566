/* sync — the console's part in sharing an incident with other hosts: the
 * picker offers the open incidents declared elsewhere, and picking one joins
 * it. The rounds themselves run in the core (sync_follow), off the UI path. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console.h"
#include "warroom/sync.h"

#define PICK_WAIT_MS 3000
#define PICK_MARK "  (on another host)"

static const char *repo_path(const struct console *con)
{
    return session_env_or(con->session->opts->repo, "WARROOM_REPO");
}

void ui_sync_picks(struct console *con)
{
    char **ids;
    size_t n;
    if (sync_remote_open_ids(&ids, &n, &con->session->config, &con->session->store, repo_path(con), PICK_WAIT_MS) < 0)
        return;                      /* offline: the local incidents are what there is */
    con->picks = xrealloc(con->picks, (con->npicks + n + 1) * sizeof *con->picks);
    /* the picker shows the id itself where it has no line of its own */
    con->pick_lines = xrealloc(con->pick_lines, (con->npicks + n + 1) * sizeof *con->pick_lines);
    for (size_t i = 0; i < n; i++) {
        struct buf b = BUF_INIT;
        buf_printf(&b, "%s%s", ids[i], PICK_MARK);
        con->pick_lines[con->npicks] = NULL;
        con->picks[con->npicks++] = buf_detach(&b);
    }
    sync_ids_free(ids, n);
}

char *ui_sync_picked(struct console *con, const char *pick)
{
    size_t len = strlen(pick), mark = strlen(PICK_MARK);
    if (len <= mark || strcmp(pick + len - mark, PICK_MARK) != 0)
        return xstrdup(pick);
    char *id = xstrdup(pick);
    id[len - mark] = '\0';
    /* a failed join leaves no incident here: loading it then says so */
    sync_join_id(&con->session->config, &con->session->store, repo_path(con), id, SYNC_WAIT_DEFAULT_S * 1000);
    return id;
}
