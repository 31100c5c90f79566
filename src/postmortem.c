/* postmortem — see include/warroom/postmortem.h.
 *
 * The context holds text as the log has it (already cleaned when it was
 * recorded); escaping it for Markdown is the template engine's job, which knows
 * where each value lands. Times are UTC and come from the log only, so two
 * renders of the same log agree to the byte. */
#include "warroom/postmortem.h"
#include "warroom/describe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "warroom/drill.h"
#include "warroom/error.h"
#include "warroom/host.h"
#include "warroom/repo.h"
#include "warroom/stamp.h"
#include "warroom/store.h"
#include "warroom/template.h"

/* ---- figures --------------------------------------------------------- */

static int64_t earliest(int64_t a, int64_t b)
{
    if (a == STAMP_NONE)
        return b;
    if (b == STAMP_NONE)
        return a;
    return a < b ? a : b;
}

/* TO - FROM, never negative; STAMP_NONE when either end is unknown. */
static int64_t span_between(int64_t from, int64_t to)
{
    if (from == STAMP_NONE || to == STAMP_NONE)
        return STAMP_NONE;
    return to > from ? to - from : 0;
}

void postmortem_figures(struct postmortem_figures *f, const struct incident *inc, int64_t now)
{
    f->impact_at = f->detected_at = f->acked_at = f->mitigated_at = f->resolved_at = f->started_at = STAMP_NONE;
    f->ttd = f->tta = f->ttm = f->ttr = f->duration = STAMP_NONE;
    f->ongoing = false;
    if (inc->declared_at == STAMP_NONE)
        return;                           /* nothing to measure from */
    /* replay already moved impact_at back to an earlier `impact` event and set
     * detected_at to the first alert, else the declaration; an alert after the
     * declaration did not detect anything the declaration had not */
    f->impact_at = earliest(inc->impact_at, inc->declared_at);
    f->detected_at = earliest(inc->detected_at, inc->declared_at);
    f->acked_at = inc->acked_at;
    f->mitigated_at = inc->mitigated_at;
    f->resolved_at = inc->resolved_at;
    f->started_at = earliest(f->impact_at, f->detected_at);

    f->ttd = span_between(f->impact_at, f->detected_at);
    f->tta = span_between(f->detected_at, f->acked_at);
    f->ttm = span_between(f->impact_at, f->mitigated_at);
    f->ttr = span_between(f->impact_at, f->resolved_at);
    if (f->resolved_at != STAMP_NONE) {
        f->duration = span_between(f->started_at, f->resolved_at);
    } else {
        f->duration = span_between(f->started_at, now);
        f->ongoing = true;
    }
}

char *postmortem_format_span(char *out, size_t size, int64_t span)
{
    /* computed on whole seconds, by magnitude, so INT64_MIN cannot overflow */
    long long s = (long long)(span / STAMP_SECOND);
    if (s < 0)
        s = -s;
    long long d = s / 86400, h = s % 86400 / 3600, m = s % 3600 / 60;
    if (s == 0)
        snprintf(out, size, "0 min");
    else if (s < 60)
        snprintf(out, size, "%lld s", s);
    else if (s < 3600)
        snprintf(out, size, "%lld min", m);
    else if (s < 86400)
        snprintf(out, size, "%lld h %02lld min", h, m);
    else
        snprintf(out, size, "%lld d %02lld h %02lld min", d, h, m);
    return out;
}

/* ---- the context ----------------------------------------------------- */

static json_t *nullable(const char *s)
{
    return s && *s ? json_string(s) : json_null();
}

static json_t *span_json(int64_t span, bool ongoing)
{
    char text[POSTMORTEM_SPAN_MAX];
    if (span == STAMP_NONE)
        return json_null();
    postmortem_format_span(text, sizeof text, span);
    if (ongoing)
        strncat(text, " so far", sizeof text - strlen(text) - 1);
    return json_string(text);
}

static void format_date(char *out, size_t size, int64_t t)
{
    int y, mo, d, h, mi, s;
    stamp_to_utc(t, &y, &mo, &d, &h, &mi, &s);
    snprintf(out, size, "%04d-%02d-%02d", y, mo, d);
}

static void format_time(char *out, size_t size, int64_t t)
{
    int y, mo, d, h, mi, s;
    stamp_to_utc(t, &y, &mo, &d, &h, &mi, &s);
    snprintf(out, size, "%02d:%02d", h, mi);
}

static json_t *moment_json(int64_t t)
{
    char date[16], time[8], text[40];
    if (t == STAMP_NONE)
        return json_null();
    format_date(date, sizeof date, t);
    format_time(time, sizeof time, t);
    snprintf(text, sizeof text, "%s %s UTC", date, time);
    return json_string(text);
}

static json_t *timeline_json(const struct incident *inc, const struct policy *p)
{
    json_t *tl = json_array();
    struct buf line = BUF_INIT;
    for (size_t i = 0; i < inc->ntimeline; i++) {
        const struct timeline_entry *e = &inc->timeline[i];
        char date[16], time[8];
        if (e->ev->type == EVENT_POSTMORTEM)
            continue;
        /* an attempt is followed by what became of it: that one is enough */
        if (e->ev->type == EVENT_EMAIL && strcmp(event_str(e->ev, "status") ? event_str(e->ev, "status") : "", "sending") == 0)
            continue;
        buf_reset(&line);
        describe_entry(&line, inc, p, e);
        format_date(date, sizeof date, e->at);
        format_time(time, sizeof time, e->at);
        /* an automatic step: when it was due, and when it was done */
        const char *due_text = e->ev->type == EVENT_ESCALATE ? event_str(e->ev, "due") : NULL;
        int64_t due_at;
        char due[8] = "";
        if (due_text && stamp_parse_iso(&due_at, due_text) == 0) {
            format_time(due, sizeof due, due_at);
            buf_printf(&line, " (due %s, done %s)", due, time);
        }
        json_t *entry = json_object();
        if (*due)
            json_object_set_new(entry, "due", json_string(due));
        json_object_set_new(entry, "time", json_string(time));
        json_object_set_new(entry, "date", json_string(date));
        json_object_set_new(entry, "by", nullable(e->ev->by));
        json_object_set_new(entry, "type", json_string(e->ev->type_name));
        json_object_set_new(entry, "text", nullable(buf_str(&line)));
        json_array_append_new(tl, entry);
    }
    buf_free(&line);
    return tl;
}

static bool has_author(const json_t *authors, const char *name)
{
    size_t i;
    const json_t *v;
    json_array_foreach(authors, i, v) {
        if (strcmp(json_string_value(v), name) == 0)
            return true;
    }
    return false;
}

/* The IC, then everyone who wrote to the timeline, in order of first entry. */
static json_t *authors_json(const struct incident *inc)
{
    json_t *authors = json_array();
    if (*inc->holder[ROLE_IC])
        json_array_append_new(authors, json_string(inc->holder[ROLE_IC]));
    for (size_t i = 0; i < inc->ntimeline; i++) {
        const struct event *ev = inc->timeline[i].ev;
        if (ev->type == EVENT_POSTMORTEM || !ev->by || !*ev->by || has_author(authors, ev->by))
            continue;
        json_array_append_new(authors, json_string(ev->by));
    }
    return authors;
}

static json_t *actions_json(const struct incident *inc)
{
    json_t *actions = json_array();
    for (size_t i = 0; i < inc->nactions; i++) {
        const struct action_item *a = &inc->actions[i];
        json_t *o = json_object();
        json_object_set_new(o, "id", nullable(a->item));
        json_object_set_new(o, "text", nullable(a->text));
        json_object_set_new(o, "kind", nullable(a->kind));
        json_object_set_new(o, "priority", nullable(a->priority));
        json_object_set_new(o, "owner", nullable(a->owner));
        json_object_set_new(o, "due", nullable(a->due));
        json_object_set_new(o, "status", nullable(a->status));
        json_array_append_new(actions, o);
    }
    return actions;
}

static json_t *updates_json(const struct incident *inc)
{
    json_t *updates = json_array();
    for (size_t i = 0; i < inc->nupdates; i++) {
        const struct event *ev = inc->updates[i];
        const struct timeline_entry *e = NULL;
        /* the timeline entry carries the edited time and text */
        for (size_t k = 0; k < inc->ntimeline && !e; k++)
            if (inc->timeline[k].ev == ev)
                e = &inc->timeline[k];
        char date[16], time[8];
        int64_t at = e ? e->at : ev->at;
        format_date(date, sizeof date, at);
        format_time(time, sizeof time, at);
        json_t *o = json_object();
        json_object_set_new(o, "date", json_string(date));
        json_object_set_new(o, "time", json_string(time));
        json_object_set_new(o, "state", nullable(event_str(ev, "state")));
        json_object_set_new(o, "text", nullable(e ? e->text : event_str(ev, "text")));
        json_array_append_new(updates, o);
    }
    return updates;
}

/* The customer emails the mail server accepted. */
static json_t *emails_json(const struct incident *inc)
{
    json_t *emails = json_array();
    for (size_t i = 0; i < inc->ntimeline; i++) {
        const struct event *ev = inc->timeline[i].ev;
        const char *status = event_str(ev, "status");
        if (ev->type != EVENT_EMAIL || !status || strcmp(status, "sent") != 0)
            continue;
        char date[16], time[8];
        format_date(date, sizeof date, inc->timeline[i].at);
        format_time(time, sizeof time, inc->timeline[i].at);
        json_t *o = json_object();
        json_object_set_new(o, "date", json_string(date));
        json_object_set_new(o, "time", json_string(time));
        /* the addresses stay in the log: a postmortem is read widely, and
         * customers' addresses are theirs; it says how many */
        const char *to = event_str(ev, "to");
        size_t n = to && *to ? 1 : 0;
        for (const char *c = to ? to : ""; *c; c++)
            n += *c == ',';
        char count[32];
        snprintf(count, sizeof count, "%zu recipient%s", n, n == 1 ? "" : "s");
        json_object_set_new(o, "recipients", json_string(count));
        json_object_set_new(o, "subject", nullable(event_str(ev, "subject")));
        json_object_set_new(o, "message_id", nullable(event_str(ev, "message_id")));
        json_array_append_new(emails, o);
    }
    return emails;
}

/* The customer email's clock, from the log alone (pending or overdue would
 * depend on when the postmortem is rendered): when it was due, when it was
 * sent, whether that was late. Null when the severity owes none. */
static json_t *customer_email_json(const struct incident *inc, const struct severity_level *level)
{
    if (!level || !level->customer_email_due || inc->resolved_at == STAMP_NONE)
        return json_null();
    int64_t due = inc->resolved_at + level->customer_email_due;
    json_t *o = json_object();
    json_object_set_new(o, "due", moment_json(due));
    json_object_set_new(o, "sent", moment_json(inc->emailed_at));
    json_object_set_new(o, "late", json_boolean(inc->emailed_at != STAMP_NONE && inc->emailed_at >= due));
    return o;
}

json_t *postmortem_context(const struct incident *inc, const struct policy *p, int64_t now)
{
    struct postmortem_figures f;
    char name[16];
    postmortem_figures(&f, inc, now);
    const struct severity_level *level = inc->sev ? policy_level(p, inc->sev) : NULL;

    json_t *incident = json_object();
    json_object_set_new(incident, "id", nullable(inc->id));
    /* a drill's postmortem says so in its title, whatever the template */
    if (inc->drill) {
        struct buf title = BUF_INIT;
        buf_printf(&title, "%s%s", DRILL_MARK, inc->title ? inc->title : "");
        json_object_set_new(incident, "title", json_string(buf_str(&title)));
        buf_free(&title);
    } else {
        json_object_set_new(incident, "title", nullable(inc->title));
    }
    json_object_set_new(incident, "drill", json_boolean(inc->drill));
    json_object_set_new(incident, "sev", inc->sev ? json_string(describe_sev(p, inc->sev, name, sizeof name)) : json_null());
    json_object_set_new(incident, "sev_name", nullable(level ? level->label : NULL));
    json_object_set_new(incident, "status", json_string(incident_status_name(inc->status)));
    json_object_set_new(incident, "declared", moment_json(inc->declared_at));
    json_object_set_new(incident, "resolved", moment_json(inc->resolved_at));
    json_object_set_new(incident, "duration", span_json(f.duration, f.ongoing));
    json_object_set_new(incident, "ic", nullable(inc->holder[ROLE_IC]));
    json_object_set_new(incident, "comms", nullable(inc->holder[ROLE_COMMS]));
    json_object_set_new(incident, "authors", authors_json(inc));
    json_object_set_new(incident, "impact", nullable(inc->impact));

    json_t *figures = json_object();
    json_object_set_new(figures, "ttd", span_json(f.ttd, false));
    json_object_set_new(figures, "tta", span_json(f.tta, false));
    json_object_set_new(figures, "ttm", span_json(f.ttm, false));
    json_object_set_new(figures, "ttr", span_json(f.ttr, false));
    json_object_set_new(figures, "duration", span_json(f.duration, f.ongoing));

    json_t *ctx = json_object();
    json_object_set_new(ctx, "incident", incident);
    json_object_set_new(ctx, "figures", figures);
    json_object_set_new(ctx, "timeline", timeline_json(inc, p));
    json_object_set_new(ctx, "actions", actions_json(inc));
    json_object_set_new(ctx, "updates", updates_json(inc));
    json_object_set_new(ctx, "emails", emails_json(inc));
    json_object_set_new(ctx, "customer_email", customer_email_json(inc, level));
    /* what only people can write: null, so the template prompts for it */
    static const char *const prose[] = {"summary", "root_cause", "trigger", "resolution", "detection"};
    for (size_t i = 0; i < sizeof prose / sizeof *prose; i++)
        json_object_set_new(ctx, prose[i], json_null());
    return ctx;
}

/* ---- the file and the commit ----------------------------------------- */

int postmortem_path(struct buf *out, const struct incident *inc, const char *dir)
{
    char slug[POSTMORTEM_SLUG_MAX + 1], date[16];
    if (!dir)
        dir = POSTMORTEM_DIR_DEFAULT;
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/')
        n--;                              /* "postmortems/" names the same directory */
    if (inc->declared_at == STAMP_NONE)
        return error_set("%s has not been declared, so it has no date for the postmortem's file name", inc->id);
    store_slug(slug, POSTMORTEM_SLUG_MAX, inc->title ? inc->title : "");
    format_date(date, sizeof date, inc->declared_at);
    buf_reset(out);
    buf_printf(out, "%.*s/%s-%s.md", (int)n, dir, date, slug);
    if (repo_check_path(buf_str(out)) < 0)
        return error_set("postmortem.dir \"%.80s\" is not a relative directory inside the repository", dir);
    return 0;
}

static int compare_hosts(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

void postmortem_commit_message(struct buf *out, const struct incident *inc, const struct policy *p)
{
    char name[16];
    buf_reset(out);
    buf_printf(out, "postmortem: %s%s (%s, %s)\n\nIncident: %s\n", inc->drill ? DRILL_MARK : "",
               inc->title && *inc->title ? inc->title : inc->id,
               describe_sev(p, inc->sev, name, sizeof name), inc->id, inc->id);
    /* the timeline behind it stays on the remote: one ref per host that
     * recorded in it, sorted, so the same log gives the same message */
    const char **hosts = xmalloc((inc->nevents + 1) * sizeof *hosts);
    size_t n = 0;
    for (size_t i = 0; i < inc->nevents; i++) {
        const char *h = event_str(inc->events[i], "host");
        if (h && host_valid_id(h))
            hosts[n++] = h;
    }
    qsort(hosts, n, sizeof *hosts, compare_hosts);
    for (size_t i = 0; i < n; i++)
        if (i == 0 || strcmp(hosts[i], hosts[i - 1]) != 0)
            buf_printf(out, "Timeline: refs/warroom/%s/%s\n", inc->id, hosts[i]);
    free(hosts);
}

size_t postmortem_incomplete_actions(const struct incident *inc, struct buf *list)
{
    size_t n = 0;
    for (size_t i = 0; i < inc->nactions; i++) {
        const struct action_item *a = &inc->actions[i];
        bool owner = *a->owner != '\0', due = *a->due != '\0';
        if (owner && due)
            continue;
        n++;
        if (list)
            buf_printf(list, "%s has no %s\n", a->item,
                       !owner && !due ? "owner and no due date" : !owner ? "owner" : "due date");
    }
    return n;
}

int postmortem_render(struct buf *out, const char *text, size_t len, const char *source, const json_t *ctx)
{
    struct template *tpl = NULL;
    int rc = template_parse(&tpl, text, len);
    if (rc < 0) {
        /* the engine says "template:LINE:COL: what"; say which template */
        static const char prefix[] = "template:";
        char *msg = xstrdup(error_last());
        const char *rest = strncmp(msg, prefix, sizeof prefix - 1) == 0 ? msg + sizeof prefix - 1 : msg;
        error_set("%s:%s", source, rest);
        free(msg);
        return -1;
    }
    rc = template_render(tpl, ctx, out);
    template_free(tpl);
    return rc;
}
