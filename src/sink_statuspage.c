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
