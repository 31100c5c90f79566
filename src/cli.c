/* cli — the verbs that record one event: open, log, sev, role, ack, update,
 * page, mitigate, resolve, reopen, action, edit. Each is one row of the verb
 * table (src/cli_main.c); what they share is in src/cli_common.c and the
 * session. */
#include "warroom/cli.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <strings.h>
#include <jansson.h>
#include <math.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "warroom/buf.h"
#include "warroom/check.h"
#include "warroom/clock.h"
#include "warroom/config.h"
#include "warroom/describe.h"
#include "warroom/error.h"
#include "warroom/event.h"
#include "warroom/file.h"
#include "warroom/incident.h"
#include "warroom/intake.h"
#include "warroom/log.h"
#include "warroom/outbox.h"
#include "warroom/runbook.h"
#include "warroom/policy.h"
#include "warroom/repo.h"
#include "warroom/stamp.h"
#include "warroom/store.h"
#include "warroom/summary.h"
#include "warroom/text.h"

#define TITLE_MAX_LEN 200



















/* ---- recording ---- */

/* A role as typed, lower-cased: `role IC carol` is `role ic carol`. */
static const char *role_lowered(const char *name, char out[16])
{
    size_t i = 0;
    for (; name[i] && i < 15; i++)
        out[i] = (char)tolower((unsigned char)name[i]);
    out[i] = '\0';
    return name[i] ? name : out;          /* too long to be a role: left to be refused */
}

/* The event ID names, or the one event whose id starts with it (show prints
 * the first SHORT_ID_LEN characters). */
static const struct event *find_event(const struct incident *inc, const char *id)
{
    const struct event *found = incident_find(inc, id), *match = NULL;
    size_t n = 0, len = strlen(id);
    if (found || len < 4) {
        if (!found)
            error_set("event id \"%.80s\" is too short: give at least 4 characters ('warroom show' prints them)",
                      id);
        return found;
    }
    for (size_t i = 0; i < inc->nevents; i++)
        if (strncmp(inc->events[i]->id, id, len) == 0) {
            match = inc->events[i];
            n++;
        }
    if (n == 1)
        return match;
    if (n > 1)
        error_set("%zu events in %s have ids starting with %.80s; give more of the id", n, inc->id, id);
    else
        error_set("no event %.80s in %s ('warroom show' lists the ids)", id, inc->id);
    return NULL;
}



static int check_sev(const struct cli_context *c, const char *text, int *sev)
{
    char *end;
    long v = strtol(text, &end, 10);
    if ((text[0] == 'S' || text[0] == 's') && strncasecmp(text, "sev", 3) == 0)
        v = strtol(text + 3, &end, 10);
    /* bounded before the cast: 4294967297 must not become 1 */
    if (*end || v < 1 || v > POLICY_SEV_MAX || !policy_level(&c->s.policy, (int)v)) {
        return error_set("severity \"%.20s\" is not on the ladder of %s: use 1 to %zu", text, c->s.policy.source,
                         c->s.policy.nlevels);
    }
    *sev = (int)v;
    return 0;
}

static int bounded_text(const char *text, size_t max, const char *what)
{
    if (strlen(text) > max)
        return error_set("%s is %zu bytes, over the limit of %zu", what, strlen(text), max);
    return 0;
}

/* The service an incident or an alert concerns, judged as intake judges a
 * label's value, so that an alert's service label can match it. */
static int service_field(struct event_draft *d, const char *service)
{
    struct buf clean = BUF_INIT;
    int rc = bounded_text(service, INTAKE_LABEL_VALUE_MAX, "the service");
    if (rc == 0)
        rc = check_text(&clean, service, INTAKE_LABEL_VALUE_MAX, "the service");
    if (rc == 0)
        event_draft_str(d, "service", buf_str(&clean));
    buf_free(&clean);
    return rc;
}

int cli_open(struct cli_context *c)
{
    struct cli_options *o = c->opts;
    struct event_draft d;
    char id[STORE_ID_MAX + 1];
    int sev, rc = EXIT_FAILURE;
    int64_t at;
    if (!o->sev || !o->title)
        return cli_usage_error("open needs --sev N and --title TEXT");
    if (o->nargs)
        return cli_usage_error("open takes no arguments (quote the title: --title \"...\")");
    struct buf title = BUF_INIT;
    if (session_load_policy(&c->s) < 0 || check_sev(c, o->sev, &sev) < 0 || session_who_am_i(&c->s) < 0 || cli_parse_when(c, &at) < 0 ||
        bounded_text(o->title, TITLE_MAX_LEN, "the title") < 0 || check_text(&title, o->title, TITLE_MAX_LEN, "the title") < 0) {
        buf_free(&title);
        return cli_fail();
    }
    event_draft_init(&d, EVENT_DECLARE, c->s.by);
    d.at = at;
    event_draft_str(&d, "title", buf_str(&title));
    event_draft_int(&d, "sev", sev);
    event_draft_str(&d, "impact", o->impact);
    if (o->data_exposed)
        event_draft_bool(&d, "data_exposed", true);
    if (o->service && service_field(&d, o->service) < 0) {
        event_draft_free(&d);
        buf_free(&title);
        return cli_fail();
    }
    if (store_declare(&c->s.store, buf_str(&title), at == STAMP_NONE ? c->s.now : at, &d, id) < 0) {
        cli_fail();
    } else {
        snprintf(c->s.recorded, sizeof c->s.recorded, "%s", id);   /* pushed before the verb exits */
        printf("%s\n", id);
        fflush(stdout);
        cli_publish_after(c, id);
        rc = 0;
    }
    event_draft_free(&d);
    buf_free(&title);
    return rc;
}

/* The common path of every verb that appends one event to the current incident. */
static int append_to_incident(struct cli_context *c, const char *id, struct event_draft *d)
{
    int64_t at;
    if (cli_parse_when(c, &at) < 0)
        return cli_fail();
    d->at = at;
    if (session_record(&c->s, id, d) < 0)
        return cli_fail();
    cli_publish_after(c, id);
    return 0;
}

/* `log`: a note, an alert or an impact mark needs nothing of the incident but
 * its id, and publishes nothing, so nothing is replayed: the scribe's append
 * costs the same on the millionth event as on the first. */
static int append_entry(struct cli_context *c, struct event_draft *d)
{
    char id[STORE_ID_MAX + 1];
    struct incident_summary sum;
    int64_t at;
    if (session_pick_id(&c->s, id, &sum, false) < 0 || cli_parse_when(c, &at) < 0)
        return cli_fail();
    d->at = at;
    if (session_record(&c->s, id, d) < 0)
        return cli_fail();
    if (sum.size >= 0)
        summary_after_append(&sum, &c->s.store, id, d->id);
    return 0;
}

static int verb_record(struct cli_context *c, enum verb verb)
{
    struct cli_options *o = c->opts;
    struct incident *inc = NULL;
    struct event_draft d;
    char *text = NULL, role[16];
    int rc = EXIT_FAILURE;
    bool drafted = false;

    /* usage first: a mistake in the command line costs no disk access */
    switch (verb) {
    case VERB_LOG:
        if (o->nargs < 1)
            return cli_usage_error("log needs the text of the entry");
        if (o->type && strcmp(o->type, "note") && strcmp(o->type, "alert") && strcmp(o->type, "impact"))
            return cli_usage_error("--type is note, alert or impact, not \"%.20s\"", o->type);
        if (o->name && (!o->type || strcmp(o->type, "alert")))
            return cli_usage_error("--name names an alert: it goes with --type alert");
        if (o->service && (!o->type || strcmp(o->type, "alert")))
            return cli_usage_error("--service names an alert's service: it goes with --type alert");
        if (o->name && (!*o->name || strlen(o->name) > RUNBOOK_ALERT_NAME_MAX))
            return cli_usage_error("--name is the alert's name, 1 to %d bytes", RUNBOOK_ALERT_NAME_MAX);
        break;
    case VERB_SEV:
        if (o->nargs != 1)
            return cli_usage_error("sev needs one level, e.g. 'warroom sev 1 --why \"checkout down\"'");
        break;
    case VERB_ROLE:
        if (o->nargs < 2)
            return cli_usage_error("role needs ROLE and NAME, e.g. 'warroom role ic carol'");
        if (incident_role_from_name(role_lowered(o->args[0], role)) < 0)
            return cli_usage_error("ROLE is ic, comms, ops, scribe or sme, not \"%.20s\"", o->args[0]);
        break;
    case VERB_ACK:
        if (o->nargs)
            return cli_usage_error("ack takes no arguments");
        break;
    case VERB_UPDATE:
        if (o->nargs < 1)
            return cli_usage_error("update needs a STATE (and a TEXT, else the state's template is used)");
        if (incident_status_from_state(o->args[0]) == STATUS_NONE)
            return cli_usage_error("STATE is investigating, identified, monitoring or resolved, not \"%.20s\"",
                               o->args[0]);
        break;
    case VERB_PAGE:
        if (o->nargs < 1)
            return cli_usage_error("page needs a TARGET (a person, a team or a rotation)");
        break;
    case VERB_EDIT:
        if (o->nargs != 1 || (!o->text && !o->time))
            return cli_usage_error("edit needs an EVENT-ID and --text TEXT and/or --time TIME");
        break;
    default:
        break;
    }
    /* a timeline entry needs no policy: in a repository, reading it would
     * load libgit2 and open the repository for nothing (7 ms of a 10 ms log) */
    if ((verb != VERB_LOG && session_load_policy(&c->s) < 0) || session_who_am_i(&c->s) < 0 ||
        (verb != VERB_LOG && session_pick_incident(&c->s, &inc, verb == VERB_REOPEN || verb == VERB_EDIT) < 0))
        goto failed;

    static const enum event_type types[VERB_COUNT] = {
        [VERB_LOG] = EVENT_NOTE, [VERB_SEV] = EVENT_SEV, [VERB_ROLE] = EVENT_ROLE, [VERB_ACK] = EVENT_ACK,
        [VERB_UPDATE] = EVENT_UPDATE, [VERB_PAGE] = EVENT_PAGE, [VERB_MITIGATE] = EVENT_MITIGATE,
        [VERB_RESOLVE] = EVENT_RESOLVE, [VERB_REOPEN] = EVENT_REOPEN, [VERB_EDIT] = EVENT_EDIT,
    };
    enum event_type type = types[verb];
    if (verb == VERB_LOG && o->type)
        type = event_type_from_name(o->type);
    event_draft_init(&d, type, c->s.by);
    drafted = true;

    switch (verb) {
    case VERB_LOG: {
        /* judged as the console judges a note; recorded as given (its lines
         * kept, its size left to the record's limit) */
        struct buf judged = BUF_INIT;
        text = cli_join_args(o, 0);
        int empty = check_text(&judged, text, SIZE_MAX, "the text of the entry");
        buf_free(&judged);
        if (empty < 0) {
            rc = cli_usage_error("%s: 'warroom log' needs words to record", error_last());
            goto done;
        }
        event_draft_str(&d, "text", text);
        if (o->service && service_field(&d, o->service) < 0)
            goto failed;
        if (o->name)                      /* its name picks the runbook, whose link goes with it */
            runbook_draft_alert(&d, o->name, session_env_or(o->repo, "WARROOM_REPO"),
                                config_string(&c->s.config, "runbook_base_url"));
        break;
    }
    case VERB_SEV: {
        int sev;
        if (check_sev(c, o->args[0], &sev) < 0)
            goto failed;
        event_draft_int(&d, "sev", sev);
        event_draft_str(&d, "why", o->why);
        if (o->data_exposed)
            event_draft_bool(&d, "data_exposed", true);
        break;
    }
    case VERB_ROLE: {
        char name[NAME_MAX_LEN + 1];
        text = cli_join_args(o, 1);
        if (session_clean_name(name, text, "the name") < 0)
            goto failed;
        event_draft_str(&d, "role", role_lowered(o->args[0], role));
        event_draft_str(&d, "name", name);
        break;
    }
    case VERB_UPDATE:
        if (o->nargs > 1) {
            text = cli_join_args(o, 1);
        } else {
            /* no text: the state's template, as the console prefills it */
            struct buf t = BUF_INIT;
            if (outbox_update_text(&t, inc, &c->s.policy, o->args[0], c->s.now) < 0) {
                buf_free(&t);
                goto failed;
            }
            while (t.len && t.data[t.len - 1] == '\n')
                t.data[--t.len] = '\0';
            text = buf_detach(&t);
        }
        event_draft_str(&d, "state", o->args[0]);
        event_draft_str(&d, "text", text);
        break;
    case VERB_PAGE:
        text = cli_join_args(o, 0);
        event_draft_str(&d, "target", text);
        event_draft_str(&d, "reason", o->why);
        break;
    case VERB_MITIGATE:
    case VERB_RESOLVE:
    case VERB_REOPEN:
        if (verb == VERB_RESOLVE && inc->status == STATUS_RESOLVED) {
            error_set("%s is already resolved; 'warroom reopen' if it is not over", inc->id);
            goto failed;
        }
        if (verb == VERB_REOPEN && inc->status != STATUS_RESOLVED) {
            error_set("%s is not resolved, so there is nothing to reopen", inc->id);
            goto failed;
        }
        if (o->nargs) {
            text = cli_join_args(o, 0);
            event_draft_str(&d, "text", text);
        }
        break;
    case VERB_EDIT: {
        const struct event *target = find_event(inc, o->args[0]);
        if (!target)
            goto failed;
        event_draft_str(&d, "target", target->id);
        if (o->text)
            event_draft_str(&d, "set.text", o->text);
        if (o->time) {
            int64_t when;
            char iso[STAMP_TEXT_MAX];
            if (stamp_parse_user(&when, o->time, c->s.now) < 0)
                goto failed;
            event_draft_str(&d, "set.at", stamp_format_iso_s(iso, when));
        }
        break;
    }
    default:
        break;
    }
    rc = verb == VERB_LOG ? append_entry(c, &d) : append_to_incident(c, inc->id, &d);
    goto done;
failed:
    rc = cli_fail();
done:
    if (drafted)
        event_draft_free(&d);
    free(text);
    incident_free(inc);
    return rc;
}

int cli_record_verb(struct cli_context *c)
{
    return verb_record(c, c->verb);
}

int cli_action(struct cli_context *c)
{
    struct cli_options *o = c->opts;
    struct incident *inc = NULL;
    struct event_draft d;
    char *text = NULL;
    int rc;
    if (o->nargs < 1 || (strcmp(o->args[0], "add") && strcmp(o->args[0], "set")))
        return cli_usage_error("action add TEXT --owner NAME --due DATE, or action set ID [--status ..]");
    bool add = strcmp(o->args[0], "add") == 0;
    if (add && o->nargs < 2)
        return cli_usage_error("action add needs the TEXT of the action item");
    if (!add && o->nargs != 2)
        return cli_usage_error("action set needs the item's ID (A1, A2, ...)");
    if (o->priority && check_priority(o->priority) < 0)
        return cli_usage_error("--priority: %s", error_last());
    if (o->kind && strcmp(o->kind, "mitigate") && strcmp(o->kind, "prevent"))
        return cli_usage_error("--kind is mitigate or prevent");
    if (o->status && strcmp(o->status, "open") && strcmp(o->status, "done") && strcmp(o->status, "wontfix"))
        return cli_usage_error("--status is open, done or wontfix");
    if (session_who_am_i(&c->s) < 0 || session_pick_incident(&c->s, &inc, false) < 0)
        return cli_fail();
    char item[16];
    if (add) {
        incident_next_action_id(inc, item, sizeof item);
    } else if (!incident_action(inc, o->args[1])) {
        error_set("no action item %.20s in %s", o->args[1], inc->id);
        incident_free(inc);
        return cli_fail();
    } else {
        snprintf(item, sizeof item, "%s", o->args[1]);
    }
    if (o->due && check_due_date(o->due) < 0) {
        incident_free(inc);
        return cli_usage_error("--due: %s", error_last());
    }
    event_draft_init(&d, EVENT_ACTION, c->s.by);
    event_draft_str(&d, "item", item);
    if (add) {
        text = cli_join_args(o, 1);
        event_draft_str(&d, "text", text);
        event_draft_str(&d, "kind", o->kind ? o->kind : "prevent");
        event_draft_str(&d, "priority", o->priority ? o->priority : "P2");
        event_draft_str(&d, "status", o->status ? o->status : "open");
    } else {
        event_draft_str(&d, "text", o->text);
        event_draft_str(&d, "kind", o->kind);
        event_draft_str(&d, "priority", o->priority);
        event_draft_str(&d, "status", o->status);
    }
    event_draft_str(&d, "owner", o->owner);
    event_draft_str(&d, "due", o->due);
    rc = append_to_incident(c, inc->id, &d);
    if (rc == 0 && add)
        printf("%s\n", item);
    if (rc == 0 && add && (!o->owner || !o->due))
        fprintf(stderr, "warroom: warning: %s has no %s yet; the postmortem needs both "
                        "(warroom action set %s --owner NAME --due DATE)\n",
                item, !o->owner ? "owner" : "due date", item);
    event_draft_free(&d);
    free(text);
    incident_free(inc);
    return rc;
}
