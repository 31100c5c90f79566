/* cli_runbook — `warroom runbook [NAME]`: the runbook for the open
 * incident's alerts (the names its alert events carry), or the one NAME
 * names (an alert name, or the file's name), printed with the steps already
 * marked done. A file that does not parse is named on stderr with its line
 * and column and left out. A row of the verb table (src/cli_main.c). */
#include "warroom/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "warroom/buf.h"
#include "warroom/error.h"
#include "warroom/runbook.h"

int cli_runbook(struct cli_context *c)
{
    struct cli_options *o = c->opts;
    struct runbook_set set;
    struct incident *inc = NULL;
    int rc = EXIT_FAILURE;
    if (o->nargs > 1)
        return cli_usage_error("runbook takes at most one NAME (an alert name or a runbook's file name)");
    if (runbook_set_load(&set, session_env_or(c->opts->repo, "WARROOM_REPO")) < 0)
        return cli_fail();
    for (size_t i = 0; i < set.nproblems; i++)
        fprintf(stderr, "warroom: warning: %s (left out)\n", set.problems[i]);
    const struct runbook *rb = NULL;
    if (o->nargs == 1) {
        /* the incident, when there is one, only says which steps are done */
        if (session_pick_incident(&c->s, &inc, true) < 0)
            inc = NULL;
        rb = runbook_set_find(&set, o->args[0]);
        if (!rb)
            error_set("no runbook for \"%.80s\" in %s/ (%s, %zu runbook%s)", o->args[0], RUNBOOK_DIR,
                      set.source[0] ? set.source : "no platform repository", set.n, set.n == 1 ? "" : "s");
    } else if (session_pick_incident(&c->s, &inc, true) == 0) {
        rb = runbook_set_match(&set, inc->alert_names, inc->nalert_names);
        if (!rb && !inc->nalert_names)
            error_set("%s has no named alert to pick a runbook by: log one (warroom log --type alert --name "
                      "NAME TEXT) or name the runbook (warroom runbook NAME)", inc->id);
        else if (!rb)
            error_set("no runbook in %s/ (%s) lists the alert%s of %s: %s%s", RUNBOOK_DIR,
                      set.source[0] ? set.source : "no platform repository", inc->nalert_names == 1 ? "" : "s",
                      inc->id, inc->alert_names[0], inc->nalert_names > 1 ? ", ..." : "");
    }
    if (!rb) {
        cli_fail();
        goto done;
    }
    struct buf out = BUF_INIT;
    runbook_describe(&out, rb, inc);
    char *link = runbook_link(rb, config_string(&c->s.config, "runbook_base_url"));
    if (link)
        buf_printf(&out, "\nlink      %s\n", link);
    free(link);
    fputs(buf_str(&out), stdout);
    buf_free(&out);
    rc = 0;
done:
    incident_free(inc);
    runbook_set_free(&set);
    return rc;
}
