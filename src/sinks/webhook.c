/* sinks/webhook — the generic JSON webhook: the log event as recorded, every
 * string in it cleaned, plus a summary of the incident so a receiver need not
 * replay anything to make sense of one event. */
#include <string.h>

#include <jansson.h>

#include "warroom/config.h"
#include "warroom/error.h"
#include "warroom/sink.h"
#include "warroom/text.h"

#define NAME_MAX_UNITS 200
#define STRING_MAX_UNITS 16384

static json_t *clean_string(const char *s, size_t len, size_t max_units, unsigned flags)
{
    struct buf b = BUF_INIT;
    /* Embedded NULs end the text: they have no place in an event. */
    size_t n = strnlen(s, len);
    text_clean(&b, s, n, flags);
    sink_cut(&b, 0, max_units, "\xe2\x80\xa6");
    json_t *j = json_stringn(buf_str(&b), b.len);
    buf_free(&b);
    return j;
}

/* A copy of V with every string (keys too) cleaned. */
static json_t *clean_value(json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_STRING:
        return clean_string(json_string_value(v), json_string_length(v), STRING_MAX_UNITS,
                            TEXT_KEEP_NEWLINES | TEXT_KEEP_TABS);
    case JSON_ARRAY: {
        json_t *a = json_array();
        size_t i;
        json_t *e;
        json_array_foreach(v, i, e) json_array_append_new(a, clean_value(e));
        return a;
    }
    case JSON_OBJECT: {
        json_t *o = json_object();
        const char *key;
        size_t key_len;
        json_t *e;
        void *tmp;
        json_object_keylen_foreach_safe(v, tmp, key, key_len, e)
        {
            json_t *k = clean_string(key, key_len, NAME_MAX_UNITS, 0);
            json_object_setn_new(o, json_string_value(k), json_string_length(k), clean_value(e));
            json_decref(k);
        }
        return o;
    }
    default:
        return json_incref(v);
    }
}

static void set_clean(json_t *obj, const char *key, const char *s, size_t max_units)
{
    if (!s)
        return;
    struct buf b = BUF_INIT;
    sink_clean_line(&b, s, max_units);
    json_object_set_new(obj, key, json_stringn(buf_str(&b), b.len));
    buf_free(&b);
}

int sink_build_webhook(struct buf *out, const struct publish_item *item)
{
    json_t *doc = NULL, *event = NULL;
    struct buf sev = BUF_INIT;
    int rc = -1;

    if (!item->incident_id) {
        rc = error_set("webhook: the incident id is missing");
        goto done;
    }
    if (item->event_json) {
        size_t len = strlen(item->event_json);
        json_error_t jerr;
        if (len > SINK_EVENT_JSON_MAX) {
            rc = error_set("webhook: the event is larger than %d bytes", SINK_EVENT_JSON_MAX);
            goto done;
        }
        event = json_loadb(item->event_json, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
        if (!json_is_object(event)) {
            rc = error_set("webhook: the event is not a JSON object");
            goto done;
        }
    }

    doc = json_object();
    json_object_set_new(doc, "event", event ? clean_value(event) : json_null());
    json_t *incident = json_object();
    set_clean(incident, "id", item->incident_id, NAME_MAX_UNITS);
    set_clean(incident, "title", item->title, NAME_MAX_UNITS * 2);
    sink_sev_label(&sev, item);
    json_object_set_new(incident, "sev", json_integer(item->sev));
    json_object_set_new(incident, "sev_name", json_stringn(buf_str(&sev), sev.len));
    set_clean(incident, "status", item->status, NAME_MAX_UNITS);
    if (item->state != PUBLISH_STATE_NONE)
        json_object_set_new(incident, "state", json_string(publish_state_name(item->state)));
    set_clean(incident, "ic", item->ic, NAME_MAX_UNITS);
    set_clean(incident, "comms", item->comms, NAME_MAX_UNITS);
    json_object_set_new(doc, "kind", json_string(publish_kind_name(item->kind)));
    json_object_set_new(doc, "incident", incident);
    rc = sink_json_dump(out, doc);
done:
    json_decref(event);
    json_decref(doc);
    buf_free(&sev);
    return rc;
}

/* ---- the generic webhook's row of the sink table ---- */

static bool webhook_configure(struct sink_settings *s, const struct config *c)
{
    const char *v = sink_setting("WARROOM_WEBHOOK_URL", c, "sinks.webhook.url");
    if (!v)
        return false;
    s->url = xstrdup(v);
    if (!sink_is_web_url(v))
        sink_settings_problem(s, "the URL is not an http(s) URL");
    return true;
}

static bool webhook_takes(enum publish_kind kind)
{
    /* every published event but action items, which become tickets */
    return kind != PUBLISH_ACTION;
}

static int build_hook(const char **method, struct buf *url, struct buf *body, struct buf *auth,
                      const struct sink_target *t, const struct publish_item *item, const char *remote_id)
{
    (void)method, (void)auth, (void)remote_id;
    if (!sink_is_web_url(t->url))
        return error_set("%s: the URL is missing or not an http(s) URL", "webhook");
    buf_adds(url, t->url);
    return sink_build_webhook(body, item);
}

const struct sink_ops sink_webhook_ops = {
    .type = SINK_WEBHOOK,
    .name = "webhook",
    .configure = webhook_configure,
    .takes = webhook_takes,
    .build = build_hook,
};
