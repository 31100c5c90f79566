/* cli — the verbs that record one event (open, log, sev, role, ack, update,
 * page, mitigate, resolve, reopen, action, edit) and those that read (show,
 * list, policy). Each is one row of the verb table (src/cli_main.c); what
 * they share is in src/cli_common.c and the session. */
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
#include "warroom/log.h"
#include "warroom/outbox.h"
#include "warroom/policy.h"
#include "warroom/repo.h"
#include "warroom/stamp.h"
#include "warroom/store.h"
#include "warroom/text.h"

#define TITLE_MAX_LEN 200
#define SHORT_ID_LEN 8    /* how much of an event id `show` prints; `edit` takes any unique prefix */



















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
    if (store_declare(&c->s.store, buf_str(&title), at == STAMP_NONE ? c->s.now : at, &d, id) < 0) {
        cli_fail();
    } else {
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
static int append_to_incident(struct cli_context *c, struct incident *inc, struct event_draft *d)
{
    int64_t at;
    if (cli_parse_when(c, &at) < 0)
        return cli_fail();
    d->at = at;
    if (session_record(&c->s, inc->id, d) < 0)
        return cli_fail();
    cli_publish_after(c, inc->id);
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
    if (session_load_policy(&c->s) < 0 || session_who_am_i(&c->s) < 0 || session_pick_incident(&c->s, &inc, verb == VERB_REOPEN || verb == VERB_EDIT) < 0)
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
    rc = append_to_incident(c, inc, &d);
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
    rc = append_to_incident(c, inc, &d);
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

/* ---- reading ---- */

static json_t *stamp_json(int64_t t)
{
    char iso[STAMP_TEXT_MAX];
    return t == STAMP_NONE ? json_null() : json_string(stamp_format_iso_s(iso, t));
}

static json_t *nullable(const char *s)
{
    return s && *s ? json_string(s) : json_null();
}

static json_t *incident_json(const struct incident *inc, const struct policy *p, int64_t now, bool timeline,
                             struct outbox *ob)
{
    char name[16];
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(inc->id));
    json_object_set_new(o, "title", nullable(inc->title));
    json_object_set_new(o, "sev", json_integer(inc->sev));
    json_object_set_new(o, "sev_name", json_string(describe_sev(p, inc->sev, name, sizeof name)));
    json_object_set_new(o, "status", json_string(incident_status_name(inc->status)));
    json_object_set_new(o, "impact", nullable(inc->impact));
    json_object_set_new(o, "data_exposed", json_boolean(inc->data_exposed));
    json_object_set_new(o, "declared_by", nullable(inc->declared_by));
    json_object_set_new(o, "declared_at", stamp_json(inc->declared_at));
    json_object_set_new(o, "impact_at", stamp_json(inc->impact_at));
    json_object_set_new(o, "detected_at", stamp_json(inc->detected_at));
    json_object_set_new(o, "acked_at", stamp_json(inc->acked_at));
    json_object_set_new(o, "mitigated_at", stamp_json(inc->mitigated_at));
    json_object_set_new(o, "resolved_at", stamp_json(inc->resolved_at));
    int64_t end = inc->resolved_at != STAMP_NONE ? inc->resolved_at : now;
    json_object_set_new(o, "elapsed_s",
                        inc->declared_at == STAMP_NONE ? json_null() : json_integer((end - inc->declared_at) / 1000));
    if (!timeline)
        return o;

    json_t *roles = json_object(), *smes = json_array(), *history = json_array();
    for (int r = 0; r < ROLE_SME; r++)
        json_object_set_new(roles, incident_role_name((enum role_kind)r), nullable(inc->holder[r]));
    for (size_t i = 0; i < inc->nsmes; i++)
        json_array_append_new(smes, json_string(inc->smes[i]));
    json_object_set_new(roles, "sme", smes);
    for (size_t i = 0; i < inc->nroles; i++)
        json_array_append_new(history, json_pack("{s:s, s:s, s:o, s:s}", "role",
                                                 incident_role_name(inc->roles[i].role), "name", inc->roles[i].name,
                                                 "at", stamp_json(inc->roles[i].at), "by", inc->roles[i].by));
    json_object_set_new(o, "roles", roles);
    json_object_set_new(o, "role_history", history);

    json_t *sevs = json_array();
    for (size_t i = 0; i < inc->nsevs; i++)
        json_array_append_new(sevs, json_pack("{s:i, s:o, s:s, s:o}", "sev", inc->sevs[i].sev, "at",
                                              stamp_json(inc->sevs[i].at), "by", inc->sevs[i].by, "why",
                                              nullable(inc->sevs[i].why)));
    json_object_set_new(o, "severity_history", sevs);

    json_t *actions = json_array();
    for (size_t i = 0; i < inc->nactions; i++) {
        const struct action_item *a = &inc->actions[i];
        json_array_append_new(actions, json_pack("{s:s, s:s, s:o, s:o, s:s, s:s, s:s}", "id", a->item, "text",
                                                 a->text, "owner", nullable(a->owner), "due", nullable(a->due),
                                                 "priority", a->priority, "kind", a->kind, "status", a->status));
    }
    json_object_set_new(o, "actions", actions);

    struct clock clocks[CLOCK_MAX];
    size_t n = clock_compute(inc, p, now, clocks);
    json_t *cj = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *k = json_pack("{s:s, s:s, s:s, s:o, s:I, s:s}", "kind", clock_kind_name(clocks[i].kind), "label",
                              clocks[i].label, "state", clock_state_name(clocks[i].state), "deadline",
                              stamp_json(clocks[i].deadline), "seconds_left",
                              (json_int_t)((clocks[i].deadline - now) / 1000), "action", clocks[i].action);
        if (clocks[i].rule) {
            json_object_set_new(k, "rule", json_string(clocks[i].rule->id));
            json_object_set_new(k, "fired", json_boolean(clocks[i].fired));
        }
        if (clocks[i].met_at != STAMP_NONE)
            json_object_set_new(k, "met_at", stamp_json(clocks[i].met_at));
        json_array_append_new(cj, k);
    }
    json_object_set_new(o, "clocks", cj);

    json_t *tl = json_array();
    for (size_t i = 0; i < inc->ntimeline; i++) {
        const struct timeline_entry *e = &inc->timeline[i];
        json_t *entry = json_pack("{s:s, s:o, s:o, s:s, s:s, s:s}", "id", e->ev->id, "at", stamp_json(e->at), "ts",
                                  stamp_json(e->ev->ts), "by", e->ev->by, "type", e->ev->type_name, "text", e->text);
        for (unsigned f = 0; f < e->ev->nfields; f++) {
            const struct event_field *fld = &e->ev->fields[f];
            if (strcmp(fld->key, "text") == 0 || fld->kind == FIELD_RAW || json_object_get(entry, fld->key))
                continue;
            json_object_set_new(entry, fld->key,
                                fld->kind == FIELD_STRING   ? json_string(fld->value)
                                : fld->kind == FIELD_BOOL   ? json_boolean(fld->value[0] == 't')
                                : fld->kind == FIELD_NUMBER ? json_integer(strtoll(fld->value, NULL, 10))
                                                            : json_null());
        }
        if (e->edits)
            json_object_set_new(entry, "edits", json_integer(e->edits));
        json_array_append_new(tl, entry);
    }
    json_object_set_new(o, "timeline", tl);
    if (ob) {
        /* what publishing stands at, per event and sink: the reason a
         * provider gave when it refused */
        json_t *deliveries = json_array();
        for (size_t i = 0; i < outbox_count(ob); i++) {
            const struct outbox_item *it = outbox_item(ob, i);
            struct buf said = BUF_INIT;
            outbox_describe(&said, it, outbox_clock_ms());
            json_t *d = json_pack("{s:s, s:s, s:s, s:i, s:s}", "event", it->event_id, "sink", it->sink, "state",
                                  buf_str(&said), "attempts", (int)it->attempt, "reason", it->reason ? it->reason : "");
            if (it->http_status)
                json_object_set_new(d, "http_status", json_integer(it->http_status));
            json_array_append_new(deliveries, d);
            buf_free(&said);
        }
        json_object_set_new(o, "deliveries", deliveries);
    }
    json_t *warnings = json_array();
    for (size_t i = 0; i < inc->reader.nwarnings; i++)
        json_array_append_new(warnings, json_string(inc->reader.warnings[i]));
    json_object_set_new(o, "warnings", warnings);
    return o;
}

/* HH:MM:SS, with the date in front when T is on another day than DAY (the
 * declaration's): an entry from the night before must not read as later. */
static void print_time(char *out, size_t size, int64_t t, int64_t day, bool dated)
{
    int y, mo, d, h, mi, s;
    stamp_to_utc(t, &y, &mo, &d, &h, &mi, &s);
    if (day != STAMP_NONE && !check_same_day(t, day))
        snprintf(out, size, "%04d-%02d-%02d %02d:%02d:%02d", y, mo, d, h, mi, s);
    else
        snprintf(out, size, "%s%02d:%02d:%02d", dated ? "           " : "", h, mi, s);
}

static void show_text(const struct incident *inc, const struct policy *p, int64_t now)
{
    char name[16], t[STAMP_TEXT_MAX], span[32];
    const struct severity_level *l = policy_level(p, inc->sev);
    printf("%s  %s%s%s  %s\n", inc->id, describe_sev(p, inc->sev, name, sizeof name), l && l->label ? " " : "",
           l && l->label ? l->label : "", incident_status_name(inc->status));
    printf("  %s\n", inc->title ? inc->title : "(not declared)");
    if (inc->impact)
        printf("  impact: %s\n", inc->impact);
    if (inc->declared_at != STAMP_NONE) {
        int64_t end = inc->resolved_at != STAMP_NONE ? inc->resolved_at : now;
        printf("  declared %s by %s, %s %s\n", stamp_format_iso_s(t, inc->declared_at), inc->declared_by,
               inc->resolved_at != STAMP_NONE ? "lasted" : "elapsed",
               stamp_format_span(span, sizeof span, end - inc->declared_at));
    }
    printf("\nroles\n");
    for (int r = 0; r < ROLE_SME; r++)
        printf("  %-7s %s\n", incident_role_name((enum role_kind)r),
               *inc->holder[r] ? inc->holder[r] : (r == ROLE_IC ? "(unassigned!)" : "-"));
    printf("  %-7s ", "sme");
    for (size_t i = 0; i < inc->nsmes; i++)
        printf("%s%s", i ? ", " : "", inc->smes[i]);
    printf("%s\n", inc->nsmes ? "" : "-");

    struct clock clocks[CLOCK_MAX];
    size_t n = clock_compute(inc, p, now, clocks);
    printf("\nclocks\n");
    for (size_t i = 0; i < n; i++) {
        const struct clock *k = &clocks[i];
        const char *state = k->state == CLOCK_OVERDUE ? "OVERDUE" : clock_state_name(k->state);
        if (k->state == CLOCK_MET || k->state == CLOCK_DONE)
            snprintf(span, sizeof span, "%s", clock_state_name(k->state));
        else if (k->state == CLOCK_OVERDUE)
            stamp_format_span(span + 1, sizeof span - 1, now - k->deadline), span[0] = '+';
        else
            stamp_format_span(span, sizeof span, k->deadline - now);
        printf("  %-8s %-20s %-9s %s%s\n", state, k->label, span, k->action, k->fired ? " (done)" : "");
    }
    for (size_t i = 0; i < inc->nactions; i++) {
        if (i == 0)
            printf("\naction items\n");
        const struct action_item *a = &inc->actions[i];
        printf("  %-4s %-7s %-3s %-8s %-12s %-10s %s\n", a->item, a->status, a->priority, a->kind,
               *a->owner ? a->owner : "(no owner)", *a->due ? a->due : "(no due)", a->text);
    }
    printf("\ntimeline\n");
    bool dated = false;                   /* some entry is on another day: keep the columns */
    for (size_t i = 0; i < inc->ntimeline && inc->declared_at != STAMP_NONE; i++)
        dated = dated || !check_same_day(inc->timeline[i].at, inc->declared_at);
    for (size_t i = 0; i < inc->ntimeline; i++) {
        const struct timeline_entry *e = &inc->timeline[i];
        print_time(t, sizeof t, e->at, inc->declared_at, dated);
        struct buf line = BUF_INIT;
        const struct event *ev = e->ev;
        describe_entry(&line, inc, p, e);
        /* multi-line text continues indented, so the time column stays readable */
        for (char *nl = line.data ? strchr(line.data, '\n') : NULL; nl; nl = strchr(nl + 1, '\n'))
            *nl = '\x1f';
        printf("  %s  %.*s  %-10.10s %-10s ", t, SHORT_ID_LEN, ev->id, ev->by, ev->type_name);
        for (const char *q = buf_str(&line); *q; q++) {
            if (*q == '\x1f')
                printf("\n%*s", 36 + SHORT_ID_LEN + 2 + (dated ? 11 : 0), "");
            else
                putchar(*q);
        }
        printf("%s\n", e->edits ? " (edited)" : "");
        buf_free(&line);
    }
    for (size_t i = 0; i < inc->reader.nwarnings; i++)
        fprintf(stderr, "warroom: warning: %s\n", inc->reader.warnings[i]);
}

static int print_json(json_t *j)
{
    int rc = json_dumpf(j, stdout, JSON_INDENT(2) | JSON_ENSURE_ASCII) == 0 ? 0 : -1;
    fputc('\n', stdout);
    json_decref(j);
    return rc;
}

int cli_show(struct cli_context *c)
{
    struct incident *inc;
    if (c->opts->nargs)
        return cli_usage_error("show takes no arguments (name the incident with --incident ID)");
    if (session_load_policy(&c->s) < 0 || session_pick_incident(&c->s, &inc, true) < 0)
        return cli_fail();
    if (c->opts->json) {
        struct outbox *ob = NULL;
        if (outbox_open(&ob, &c->s.store, inc->id, &c->s.config, &c->s.policy) == 0 &&
            outbox_sync(ob, inc, outbox_clock_ms()) < 0) {
            outbox_free(ob);
            ob = NULL;
        }
        print_json(incident_json(inc, &c->s.policy, c->s.now, true, ob));
        if (ob)
            outbox_free(ob);
    }
    else
        show_text(inc, &c->s.policy, c->s.now);
    incident_free(inc);
    return 0;
}

int cli_list(struct cli_context *c)
{
    char **ids;
    size_t n;
    if (c->opts->nargs)
        return cli_usage_error("list takes no arguments");
    if (session_load_policy(&c->s) < 0 || store_list(&c->s.store, &ids, &n) < 0)
        return cli_fail();
    json_t *open = json_array(), *closed = json_array();
    for (size_t i = 0; i < n; i++) {
        char *path = store_log_path(&c->s.store, ids[i]);
        struct incident *inc;
        if (incident_load(&inc, ids[i], path) < 0) {
            fprintf(stderr, "warroom: warning: %s: %s\n", ids[i], error_last());
        } else {
            json_array_append_new(incident_is_open(inc) ? open : closed,
                                  incident_json(inc, &c->s.policy, c->s.now, false, NULL));
            incident_free(inc);
        }
        free(path);
    }
    json_array_extend(open, closed);
    json_decref(closed);
    store_list_free(ids, n);
    if (c->opts->json)
        return print_json(open) < 0 ? EXIT_FAILURE : 0;
    size_t i;
    json_t *o;
    if (json_array_size(open) == 0)
        printf("no incidents in %s\n", c->s.store.dir);
    json_array_foreach(open, i, o) {
        printf("%-52s %-5s %-13s %s\n", json_string_value(json_object_get(o, "id")),
               json_string_value(json_object_get(o, "sev_name")), json_string_value(json_object_get(o, "status")),
               json_is_string(json_object_get(o, "title")) ? json_string_value(json_object_get(o, "title")) : "");
    }
    json_decref(open);
    return 0;
}

int cli_policy(struct cli_context *c)
{
    struct cli_options *o = c->opts;
    int rc;
    if (o->nargs > 1)
        return cli_usage_error("policy takes at most one FILE");
    if (o->builtin) {
        rc = policy_builtin(&c->s.policy);
    } else if (o->nargs == 1) {
        struct buf text = BUF_INIT;
        rc = session_read_file(&text, o->args[0], 1024 * 1024);
        if (rc == 0)
            rc = policy_parse(&c->s.policy, buf_str(&text), text.len, o->args[0]);
        buf_free(&text);
    } else {
        rc = session_load_policy(&c->s);
    }
    if (rc < 0)
        return cli_fail();
    c->s.have_policy = true;
    if (o->json)
        return print_json(policy_to_json(&c->s.policy)) < 0 ? EXIT_FAILURE : 0;
    printf("policy: %s\n", c->s.policy.source);
    for (size_t i = 0; i < c->s.policy.nlevels; i++) {
        const struct severity_level *l = &c->s.policy.levels[i];
        char a[32], u[32], m[32];
        printf("  %-6s %-10s ack %-7s update %-7s mitigate %s\n", l->name, l->label ? l->label : "",
               l->ack_within ? stamp_format_span(a, sizeof a, l->ack_within) : "-",
               l->update_every ? stamp_format_span(u, sizeof u, l->update_every) : "-",
               l->mitigate_within ? stamp_format_span(m, sizeof m, l->mitigate_within) : "-");
    }
    for (size_t i = 0; i < c->s.policy.nrules; i++)
        printf("  rule %-18s %s\n", c->s.policy.rules[i].id, c->s.policy.rules[i].label);
    return 0;
}

