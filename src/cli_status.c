/* cli_status — `warroom status`: one line for tmux's status-right (or plain,
 * or JSON) from the incidents' summaries (src/status.c), so that tmux can run
 * it every second: a summary that still describes its log is read, not
 * replayed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "warroom/cli.h"
#include "warroom/error.h"
#include "warroom/incident.h"
#include "warroom/stamp.h"
#include "warroom/status.h"
#include "warroom/store.h"
#include "warroom/summary.h"

int cli_status(struct cli_context *c)
{
    const char *format = c->opts->format ? c->opts->format : "tmux";
    enum status_format f;
    if (strcmp(format, "tmux") == 0)
        f = STATUS_FORMAT_TMUX;
    else if (strcmp(format, "plain") == 0)
        f = STATUS_FORMAT_PLAIN;
    else if (strcmp(format, "json") == 0)
        f = STATUS_FORMAT_JSON;
    else
        return cli_usage_error("--format is tmux, plain or json");
    if (session_load_policy(&c->s) < 0)
        return cli_fail();
    char **ids = NULL, named_id[STORE_ID_MAX + 1], *named[1] = {named_id};
    size_t n = 0;
    const char *incident = session_env_or(c->opts->incident, "WARROOM_INCIDENT");
    if (incident) {
        if (!store_valid_id(incident))
            return cli_usage_error("\"%.80s\" is not an incident id", incident);
        snprintf(named_id, sizeof named_id, "%s", incident);
        ids = named;
        n = 1;
    } else if (store_list(&c->s.store, &ids, &n) < 0) {
        return cli_fail();
    }
    struct incident_summary *sums = xcalloc(n ? n : 1, sizeof *sums);
    struct incident **replayed = xcalloc(n ? n : 1, sizeof *replayed);
    const char **kept = xcalloc(n ? n : 1, sizeof *kept);
    size_t nkept = 0;
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        if (summary_get(&sums[nkept], &c->s.store, ids[i], NULL) < 0) {
            fprintf(stderr, "warroom: status: skipping %s: %s\n", ids[i], error_last());
            if (incident)
                rc = 1;
            continue;
        }
        /* too much for the summary (a long title, many severity changes): replay that one */
        if (sums[nkept].cut && sums[nkept].open) {
            char *path = store_log_path(&c->s.store, ids[i]);
            if (incident_load(&replayed[nkept], ids[i], path) < 0)
                replayed[nkept] = NULL;
            free(path);
        }
        kept[nkept++] = ids[i];
    }
    if (rc == 0) {
        struct buf line = BUF_INIT;
        status_render(&line, sums, kept, replayed, nkept, &c->s.policy, c->s.now, f);
        fwrite(buf_str(&line), 1, line.len, stdout);
        buf_free(&line);
    }
    for (size_t i = 0; i < nkept; i++)
        incident_free(replayed[i]);
    free(replayed);
    free(kept);
    free(sums);
    if (!incident)
        store_list_free(ids, n);
    return rc;
}
