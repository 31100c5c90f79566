#include "warroom/drill.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "warroom/buf.h"
#include "warroom/error.h"
#include "warroom/outbox.h"
#include "warroom/sink.h"
#include "warroom/stamp.h"

bool drill_is_scripted(const struct event *ev)
{
    switch (ev->type) {
    case EVENT_DECLARE:
    case EVENT_POSTMORTEM:
    case EVENT_REMINDER:
    case EVENT_ESCALATE:
    case EVENT_EDIT:
    case EVENT_DELIVERY:
    case EVENT_TORN:
    case EVENT_UNKNOWN:
        return false;
    case EVENT_NOTE:
        return !event_str(ev, "missed_update");
    default:
        return true;
    }
}

int drill_plan_load(struct drill_plan *plan, const char *path, bool scenario)
{
    memset(plan, 0, sizeof *plan);
    if (incident_load(&plan->source, scenario ? "scenario" : "source", path) < 0) {
        plan->source = NULL;
        return -1;
    }
    struct incident *src = plan->source;
    if (scenario && src->reader.nwarnings) {
        /* a file written by hand: half a record is a mistake, not a crash to recover from */
        error_set("%s: %s", path, src->reader.warnings[0]);
        goto fail;
    }
    for (size_t i = 0; i < src->nevents && !plan->declare; i++)
        if (src->events[i]->type == EVENT_DECLARE)
            plan->declare = src->events[i];
    if (!plan->declare || src->declared_at == STAMP_NONE) {
        error_set("%s declares no incident: a drill needs its title and severity (a \"declare\" record)", path);
        goto fail;
    }
    if (src->sev < 1 || !src->title || !*src->title) {
        /* the drill is declared from it: the same checks as `open` */
        error_set("%s: its declaration needs a title and a severity (\"sev\": 1 to 9)", path);
        goto fail;
    }
    plan->steps = xmalloc((src->ntimeline ? src->ntimeline : 1) * sizeof *plan->steps);
    for (size_t i = 0; i < src->ntimeline; i++) {
        const struct timeline_entry *e = &src->timeline[i];
        if (!drill_is_scripted(e->ev))
            continue;
        plan->steps[plan->nsteps++] = (struct drill_step){e, e->at - src->declared_at};
    }
    return 0;
fail:
    drill_plan_free(plan);
    return -1;
}

void drill_plan_free(struct drill_plan *plan)
{
    incident_free(plan->source);
    free(plan->steps);
    memset(plan, 0, sizeof *plan);
}

int drill_parse_speed(double *speed, const char *text)
{
    char *end;
    double v = text && *text ? strtod(text, &end) : NAN;
    if (!text || !*text || *end || !isfinite(v) || v < 1 || v > DRILL_SPEED_MAX)
        return error_set("--speed takes a number from 1 (the original pace) to %.0f, not \"%.40s\"",
                         DRILL_SPEED_MAX, text ? text : "");
    *speed = v;
    return 0;
}

int drill_parse_publish(char *out, size_t size, const char *text)
{
    size_t used = 0;
    out[0] = '\0';
    if (!text || strlen(text) >= DRILL_PUBLISH_MAX || strlen(text) >= size)
        return error_set("--publish takes a short list of sink names, such as slack,webhook");
    char list[DRILL_PUBLISH_MAX];
    snprintf(list, sizeof list, "%s", text);
    char *save = NULL;
    for (char *name = strtok_r(list, ", ", &save); name; name = strtok_r(NULL, ", ", &save)) {
        enum sink_type type;
        if (strcmp(name, OUTBOX_FILE_SINK) != 0 && sink_type_from_name(&type, name) < 0)
            return error_set("--publish: \"%.40s\" is no sink: %s", name, error_last());
        if (drill_publishes_to(out, name))
            continue;
        used += (size_t)snprintf(out + used, size - used, "%s%s", used ? "," : "", name);
    }
    if (!used)
        return error_set("--publish names no sink");
    return 0;
}

bool drill_publishes_to(const char *publish, const char *sink)
{
    size_t n = strlen(sink);
    for (const char *p = publish; p && *p;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == n && strncmp(p, sink, n) == 0)
            return true;
        p = end ? end + 1 : p + len;
    }
    return false;
}

void drill_draft_declare(struct event_draft *d, const struct drill_plan *plan, const char *by, int64_t at,
                         const char *source_name, double speed, const char *publish)
{
    const struct event *src = plan->declare;
    long long sev;
    char text[32];
    event_draft_init(d, EVENT_DECLARE, by);
    d->at = at;
    event_draft_str(d, "title", plan->source->title);
    event_draft_int(d, "sev", event_int(src, "sev", &sev) ? sev : plan->source->sev);
    event_draft_str(d, "impact", event_str(src, "impact"));
    event_draft_bool(d, "drill", true);
    event_draft_str(d, "drill_of", source_name);
    snprintf(text, sizeof text, "%g", speed);
    event_draft_field(d, "drill_speed", text, FIELD_NUMBER);
    if (publish && *publish)
        event_draft_str(d, "drill_publish", publish);
}

int64_t drill_step_at(const struct drill_plan *plan, size_t i, int64_t declared_at, double speed)
{
    return declared_at + (int64_t)llround((double)plan->steps[i].offset / speed);
}

void drill_draft_step(struct event_draft *d, const struct drill_plan *plan, size_t i, int64_t at)
{
    const struct timeline_entry *e = plan->steps[i].entry;
    const struct event *ev = e->ev;
    event_draft_init(d, ev->type, ev->by);
    d->at = at;
    for (unsigned k = 0; k < ev->nfields; k++) {
        const struct event_field *f = &ev->fields[k];
        /* the host is the drill's own (it publishes and syncs from here); the
         * text is the one the source's edits left */
        if (strcmp(f->key, "host") == 0 || strcmp(f->key, "text") == 0)
            continue;
        event_draft_field(d, f->key, f->value, f->kind);
    }
    if (e->text && *e->text)
        event_draft_str(d, "text", e->text);
}
