/* sink_statuspage — Atlassian Statuspage incident bodies.
 * One war-room incident is one Statuspage incident: the first update creates it
 * (POST), every later one patches it (PATCH), so the reply to the creation
 * carries the id that must be recorded; it is validated before anyone puts it
 * into a URL. Every body carries metadata.warroom = {incident, update}: the
 * tag by which a check after an unconfirmed request knows what is its own. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "warroom/error.h"
#include "warroom/sink.h"
#include "warroom/stamp.h"
#include "warroom/text.h"

const char *sink_statuspage_impact(int sev)
{
    if (sev <= 1)
        return "critical";
    if (sev == 2)
        return "major";
    if (sev == 3)
        return "minor";
    return "none";
}

static const char *status_of(const struct publish_item *item)
{
    if (item->state != PUBLISH_STATE_NONE)
        return publish_state_name(item->state);
    return item->kind == PUBLISH_RESOLVE ? "resolved" : "investigating";
}

int sink_build_statuspage(struct buf *out, const struct publish_item *item, bool create)
{
    struct buf name = BUF_INIT, body = BUF_INIT;
    json_t *doc = NULL;
    int rc = -1;

    if (create && (!item->title || !*item->title)) {
        rc = error_set("statuspage: the incident title is missing");
        goto done;
    }
    /* Statuspage shows the body as the update; an empty one is refused. */
    if (item->text && *item->text)
        sink_clean(&body, item->text, SINK_STATUSPAGE_BODY_MAX, TEXT_KEEP_NEWLINES);
    else
        sink_clean_line(&body, item->title, SINK_STATUSPAGE_BODY_MAX);

    doc = json_object();
    json_t *incident = json_object();
    json_object_set_new(doc, "incident", incident);
    if (create) {
        sink_clean_line(&name, item->title, SINK_STATUSPAGE_NAME_MAX);
        json_object_set_new(incident, "name", json_stringn(buf_str(&name), name.len));
    }
    json_object_set_new(incident, "status", json_string(status_of(item)));
    json_object_set_new(incident, "body", json_stringn(buf_str(&body), body.len));
    json_object_set_new(incident, "impact_override", json_string(sink_statuspage_impact(item->sev)));
    if (item->event_id && item->incident_id) {
        /* The tag a check after an unconfirmed request looks for: which
         * war-room incident this is, and which update was sent last. */
        struct buf id = BUF_INIT, ev = BUF_INIT;
        sink_clean_line(&id, item->incident_id, SINK_REMOTE_ID_MAX * 4);
        sink_clean_line(&ev, item->event_id, SINK_REMOTE_ID_MAX);
        json_t *tag = json_object();
        json_object_set_new(tag, "incident", json_stringn(buf_str(&id), id.len));
        json_object_set_new(tag, "update", json_stringn(buf_str(&ev), ev.len));
        json_t *meta = json_object();
        json_object_set_new(meta, SINK_STATUSPAGE_TAG, tag);
        json_object_set_new(incident, "metadata", meta);
        buf_free(&id);
        buf_free(&ev);
    }
    rc = sink_json_dump(out, doc);
done:
    json_decref(doc);
    buf_free(&name);
    buf_free(&body);
    return rc;
}

int sink_statuspage_incident_id(char **out, const char *body, size_t len)
{
    json_error_t jerr;
    json_t *doc = json_loadb(body ? body : "", len, JSON_REJECT_DUPLICATES, &jerr);
    int rc = -1;

    *out = NULL;
    if (!json_is_object(doc)) {
        rc = error_set("statuspage: the reply is not a JSON object");
        goto done;
    }
    const char *id = json_string_value(json_object_get(doc, "id"));
    if (!sink_is_token(id, SINK_REMOTE_ID_MAX)) {
        rc = error_set("statuspage: the reply has no usable incident id");
        goto done;
    }
    *out = xstrdup(id);
    rc = 0;
done:
    json_decref(doc);
    return rc;
}

/* ---- after an unconfirmed request: what is ours ---- */

/* When Statuspage says something happened (Unix ms), or false. */
static bool remote_time(json_t *v, int64_t *out)
{
    const char *s = json_string_value(v);
    return s && stamp_parse_iso(out, s) == 0;
}

/* The warroom tag of a Statuspage incident: 1 when it names INCIDENT_ID and,
 * when EVENT_ID is given, that update; -1 when it names something else; 0
 * when the incident carries none. */
static int tag_matches(json_t *incident, const char *incident_id, const char *event_id)
{
    json_t *tag = json_object_get(json_object_get(incident, "metadata"), SINK_STATUSPAGE_TAG);
    if (!json_is_object(tag))
        return 0;
    const char *i = json_string_value(json_object_get(tag, "incident"));
    const char *u = json_string_value(json_object_get(tag, "update"));
    if (!i || !incident_id || strcmp(i, incident_id) != 0)
        return -1;
    return !event_id || (u && strcmp(u, event_id) == 0) ? 1 : -1;
}

int sink_statuspage_find_created(char **out, const char *body, size_t len, const char *name,
                                 const char *incident_id, const char *event_id, int64_t started)
{
    json_error_t jerr;
    json_t *doc = json_loadb(body ? body : "", len, 0, &jerr), *inc;
    size_t i;
    const char *tagged = NULL, *untagged = NULL;
    int64_t untagged_at = 0;
    *out = NULL;
    if (!json_is_array(doc)) {
        json_decref(doc);
        return error_set("statuspage: the search reply is not a list of incidents");
    }
    json_array_foreach(doc, i, inc) {
        const char *n = json_string_value(json_object_get(inc, "name"));
        const char *id = json_string_value(json_object_get(inc, "id"));
        int64_t at;
        if (!n || !name || strcmp(n, name) != 0 || !sink_is_token(id, SINK_REMOTE_ID_MAX))
            continue;
        int tag = tag_matches(inc, incident_id, event_id);
        if (tag > 0 && !tagged)
            tagged = id;
        /* the earliest made since, when several are: the nearest to ours */
        if (tag == 0 && started > 0 && remote_time(json_object_get(inc, "created_at"), &at) && at >= started &&
            (!untagged || at < untagged_at)) {
            untagged = id;
            untagged_at = at;
        }
    }
    if (tagged || untagged)
        *out = xstrdup(tagged ? tagged : untagged);
    json_decref(doc);
    return *out != NULL;
}

int sink_statuspage_newest_update(char **id, int64_t *at, const char *body, size_t len)
{
    json_error_t jerr;
    json_t *doc = json_loadb(body ? body : "", len, 0, &jerr), *u;
    size_t i;
    const char *best_id = NULL;
    int64_t best = 0, t;
    *id = NULL;
    *at = 0;
    json_array_foreach(json_object_get(doc, "incident_updates"), i, u) {
        const char *uid = json_string_value(json_object_get(u, "id"));
        if (sink_is_token(uid, SINK_REMOTE_ID_MAX) && remote_time(json_object_get(u, "created_at"), &t) &&
            (!best_id || t > best)) {
            best_id = uid;
            best = t;
        }
    }
    if (best_id) {
        *id = xstrdup(best_id);
        *at = best;
    }
    json_decref(doc);
    return best_id != NULL;
}

int sink_statuspage_update_arrived(const char *body, size_t len, const struct sink_statuspage_sent *sent)
{
    json_error_t jerr;
    json_t *doc = json_loadb(body ? body : "", len, 0, &jerr), *u;
    size_t i;
    int64_t mark = 0, t;
    int found = 0;
    if (!json_is_array(json_object_get(doc, "incident_updates"))) {
        json_decref(doc);
        return error_set("statuspage: the reply is not an incident with its updates");
    }
    if (tag_matches(doc, sent->incident_id, sent->event_id) > 0) {
        json_decref(doc);
        return 1;
    }
    bool have_mark = sent->mark_id && sent->mark_at && stamp_parse_iso(&mark, sent->mark_at) == 0;
    json_array_foreach(json_object_get(doc, "incident_updates"), i, u) {
        const char *b = json_string_value(json_object_get(u, "body"));
        const char *st = json_string_value(json_object_get(u, "status"));
        const char *id = json_string_value(json_object_get(u, "id"));
        if (!b || !sent->body || strcmp(b, sent->body) != 0 || !st || !sent->status ||
            strcmp(st, sent->status) != 0 || !remote_time(json_object_get(u, "created_at"), &t))
            continue;
        if (have_mark ? (t >= mark && (!id || strcmp(id, sent->mark_id) != 0))
                      : (sent->started > 0 && t >= sent->started))
            found = 1;
    }
    json_decref(doc);
    return found;
}
