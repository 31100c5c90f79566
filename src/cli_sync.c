/* cli_sync — the war room across machines from the command line: `warroom
 * sync` (one round), `warroom join ID`, the remote part of `warroom list`, and
 * the push every recording verb makes before it exits. Every network step
 * waits a bounded time (--wait, else sync.wait_seconds, else
 * SYNC_WAIT_DEFAULT_S; after a recording verb, delivery's wait): recording
 * itself never waits on the network, and what stays unpushed is said. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "warroom/cli.h"
#include "warroom/error.h"
#include "warroom/incident.h"
#include "warroom/outbox.h"
#include "warroom/stamp.h"
#include "warroom/sync.h"

static int settings_load(struct cli_context *c, struct sync_settings *s)
{
    return sync_settings_load(s, &c->s.config, &c->s.store, session_env_or(c->opts->repo, "WARROOM_REPO"));
}

/* Each line of SAID on stderr, prefixed: it names refs and hosts, already clean. */
static void said_print(const struct sync_result *r)
{
    const char *p = r->said.data ? r->said.data : "";
    while (*p) {
        size_t n = strcspn(p, "\n");
        fprintf(stderr, "warroom: sync: %.*s\n", (int)n, p);
        p += n + (p[n] == '\n');
    }
}

static void offline_print(const char *id, const struct sync_result *r)
{
    char span[32];
    if (r->last_reached != STAMP_NONE)
        fprintf(stderr, "warroom: sync: %s: offline (last reached %s ago), %u events to push\n", id,
                stamp_format_span(span, sizeof span, stamp_now() - r->last_reached), r->unpushed);
    else
        fprintf(stderr, "warroom: sync: %s: offline, %u events to push\n", id, r->unpushed);
}

void cli_sync_after(struct cli_context *c, const char *id)
{
    struct sync_settings s;
    struct sync_result r;
    if (!config_value(&c->s.config, "sync"))
        return;                          /* not shared: nothing to push */
    if (settings_load(c, &s) < 0) {
        fprintf(stderr, "warroom: sync: not pushed: %s\n", error_last());
        return;
    }
    if (sync_incident_bounded(&r, &s, id, SYNC_PUSH, cli_wait_ms(c, "delivery.wait_seconds", OUTBOX_WAIT_DEFAULT_S)) < 0)
        fprintf(stderr, "warroom: sync: not pushed (the event is recorded): %s\n", error_last());
    else if (r.offline)
        offline_print(id, &r);
    said_print(&r);
    sync_result_free(&r);
    sync_settings_free(&s);
}

static int sync_one(struct cli_context *c, struct sync_settings *s, const char *id, bool *offline)
{
    struct sync_result r;
    if (sync_incident_bounded(&r, s, id, SYNC_ROUND, cli_wait_ms(c, "sync.wait_seconds", SYNC_WAIT_DEFAULT_S)) < 0) {
        fprintf(stderr, "warroom: sync: %s: %s\n", id, error_last());
        return -1;
    }
    said_print(&r);
    if (r.offline) {
        offline_print(id, &r);
        *offline = true;
    } else {
        printf("%s: %u new from %u other host%s, %u published, %u to push\n", id, r.appended, r.hosts,
               r.hosts == 1 ? "" : "s", r.published, r.unpushed);
    }
    sync_result_free(&r);
    return 0;
}

int cli_sync(struct cli_context *c)
{
    struct sync_settings s;
    if (c->opts->nargs)
        return cli_usage_error("sync takes no arguments (name an incident with --incident ID)");
    if (settings_load(c, &s) < 0)
        return cli_fail();
    bool offline = false;
    int rc = 0;
    const char *named = session_env_or(c->opts->incident, "WARROOM_INCIDENT");
    if (named) {
        rc = sync_one(c, &s, named, &offline);
    } else {
        /* every open incident here: each one a round */
        char **ids;
        size_t n;
        if (store_list(&c->s.store, &ids, &n) < 0) {
            sync_settings_free(&s);
            return cli_fail();
        }
        for (size_t i = 0; i < n; i++) {
            char *path = store_log_path(&c->s.store, ids[i]);
            struct incident *inc;
            if (incident_load(&inc, ids[i], path) == 0) {
                if (incident_is_open(inc) && sync_one(c, &s, ids[i], &offline) < 0)
                    rc = -1;
                incident_free(inc);
            }
            free(path);
        }
        store_list_free(ids, n);
    }
    sync_settings_free(&s);
    return rc < 0 || offline ? EXIT_FAILURE : 0;
}

int cli_join(struct cli_context *c)
{
    struct sync_settings s;
    struct sync_result r;
    if (c->opts->nargs != 1)
        return cli_usage_error("join needs the ID of an incident declared on another host ('warroom list --remote')");
    if (settings_load(c, &s) < 0)
        return cli_fail();
    int rc = sync_join(&r, &s, c->opts->args[0], cli_wait_ms(c, "sync.wait_seconds", SYNC_WAIT_DEFAULT_S));
    sync_settings_free(&s);
    said_print(&r);
    sync_result_free(&r);
    if (rc < 0)
        return cli_fail();
    printf("%s\n", c->opts->args[0]);
    return 0;
}

/* The remote incidents as `list` shows them; with LOCAL_TOO false, only those
 * with no local directory (declared on other hosts), marked. */
int cli_sync_list(struct cli_context *c, void *json_array, bool remote_only)
{
    json_t *arr = json_array;
    struct sync_settings s;
    struct sync_result r;
    struct sync_remote_incident *ris;
    size_t n;
    if (!remote_only && !config_value(&c->s.config, "sync"))
        return 0;
    if (settings_load(c, &s) < 0) {
        if (remote_only)
            return -1;
        fprintf(stderr, "warroom: warning: sync: %s\n", error_last());
        return 0;
    }
    int rc = sync_remote_list(&ris, &n, &r, &s, true, cli_wait_ms(c, "sync.wait_seconds", SYNC_WAIT_DEFAULT_S));
    if (rc == 0 && r.offline)
        fprintf(stderr, "warroom: sync: offline, remote incidents as last fetched\n");
    said_print(&r);
    sync_result_free(&r);
    sync_settings_free(&s);
    if (rc < 0)
        return remote_only ? -1 : 0;
    for (size_t i = 0; i < n; i++) {
        const struct sync_remote_incident *ri = &ris[i];
        if (!remote_only && ri->local)
            continue;
        if (!remote_only && !ri->open)
            continue;                    /* past incidents: list --remote --all */
        if (remote_only && !c->opts->all && !ri->open)
            continue;
        char iso[STAMP_TEXT_MAX], sev[16];
        snprintf(sev, sizeof sev, "SEV%d", ri->sev);
        json_t *o = json_pack("{s:s, s:s, s:i, s:s, s:s, s:b, s:b, s:i}", "id", ri->id, "title", ri->title, "sev",
                              ri->sev, "sev_name", sev, "status", ri->open ? "open" : "resolved", "remote", 1,
                              "local", ri->local, "hosts", (int)ri->hosts);
        json_object_set_new(o, "declared_at", ri->declared_at == STAMP_NONE
                                                  ? json_null()
                                                  : json_string(stamp_format_iso_s(iso, ri->declared_at)));
        json_array_append_new(arr, o);
    }
    free(ris);
    return 0;
}

int cli_sync_remote_incidents(struct cli_context *c, struct incident ***incs, size_t *n, bool asked)
{
    struct sync_settings s;
    struct sync_result r;
    struct sync_remote_incident *ris;
    size_t nris;
    *incs = NULL;
    *n = 0;
    if (!asked && !config_value(&c->s.config, "sync"))
        return 0;
    if (settings_load(c, &s) < 0)
        return -1;
    int rc = sync_remote_replay(&ris, &nris, &r, &s, true, cli_wait_ms(c, "sync.wait_seconds", SYNC_WAIT_DEFAULT_S));
    if (rc == 0 && r.offline)
        fprintf(stderr, "warroom: sync: offline, remote incidents as last fetched\n");
    said_print(&r);
    sync_result_free(&r);
    sync_settings_free(&s);
    if (rc < 0)
        return -1;
    *incs = xmalloc((nris + 1) * sizeof **incs);
    for (size_t i = 0; i < nris; i++) {
        if (ris[i].local)
            incident_free(ris[i].replayed);   /* the local log has it, and what was synced */
        else
            (*incs)[(*n)++] = ris[i].replayed;
    }
    free(ris);
    return 0;
}
