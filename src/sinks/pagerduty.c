/* sinks/pagerduty — PagerDuty Events API v2 bodies.
 * Shaped by the shipped specification (pagerduty-events-v2.openapi.json, POST
 * /enqueue): trigger carries a payload; acknowledge and resolve carry only the
 * routing key, the action and the dedup_key, which is all they need. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "warroom/config.h"
#include "warroom/error.h"
#include "warroom/sink.h"
#include "warroom/stamp.h"
#include "warroom/text.h"

#define HOSTNAME_MAX 255
#define DEDUP_KEY_MAX 255   /* PagerDuty's documented limit */
#define SOURCE_MAX 255
#define NAME_MAX_UNITS 200
#define MESSAGE_MAX 8000

const char *sink_pagerduty_action(enum publish_kind kind)
{
    switch (kind) {
    case PUBLISH_DECLARE:
    case PUBLISH_PAGE:
        return "trigger";
    case PUBLISH_ACK:
        return "acknowledge";
    case PUBLISH_RESOLVE:
        return "resolve";
    default:
        return NULL;
    }
}

const char *sink_pagerduty_severity(int sev)
{
    /* Ladders may be longer or shorter than four levels: anything above SEV1
     * is treated as critical, anything below SEV3 as info. */
    if (sev <= 1)
        return "critical";
    if (sev == 2)
        return "error";
    if (sev == 3)
        return "warning";
    return "info";
}

static json_t *clean_string(const char *s, size_t max_units, unsigned flags)
{
    struct buf b = BUF_INIT;
    sink_clean(&b, s, max_units, flags);
    json_t *j = json_stringn(buf_str(&b), b.len);
    buf_free(&b);
    return j;
}

static void add_link(json_t *links, const char *href, const char *text)
{
    if (!sink_is_web_url(href))
        return;
    json_t *link = json_object();
    json_object_set_new(link, "href", json_string(href));
    json_object_set_new(link, "text", json_string(text));
    json_array_append_new(links, link);
}

int sink_build_pagerduty(struct buf *out, const char *routing_key, const char *source,
                         const struct publish_item *item)
{
    json_t *doc = NULL;
    struct buf summary = BUF_INIT;
    int rc = -1;

    const char *action = sink_pagerduty_action(item->kind);
    if (!action) {
        rc = error_set("pagerduty does not take a %s", publish_kind_name(item->kind));
        goto done;
    }
    /* Integration keys are 32 hex digits; a looser check still keeps anything
     * odd out of the body, and the message never repeats the key. */
    if (!sink_is_token(routing_key, 128)) {
        rc = error_set("pagerduty: the routing key is missing or malformed");
        goto done;
    }
    if (!item->incident_id || !*item->incident_id) {
        rc = error_set("pagerduty: the incident id is missing");
        goto done;
    }

    doc = json_object();
    json_object_set_new(doc, "routing_key", json_string(routing_key));
    json_object_set_new(doc, "event_action", json_string(action));
    json_object_set_new(doc, "dedup_key", clean_string(item->incident_id, DEDUP_KEY_MAX, 0));

    if (strcmp(action, "trigger") == 0) {
        json_t *payload = json_object();
        buf_addc(&summary, '[');
        sink_sev_label(&summary, item);
        buf_adds(&summary, "] ");
        sink_clean_line(&summary, item->title, SINK_PD_SUMMARY_MAX);
        sink_cut(&summary, 0, SINK_PD_SUMMARY_MAX, "\xe2\x80\xa6");
        json_object_set_new(payload, "summary", json_stringn(buf_str(&summary), summary.len));
        json_object_set_new(payload, "source",
                            clean_string(source && *source ? source : "warroom", SOURCE_MAX, 0));
        json_object_set_new(payload, "severity", json_string(sink_pagerduty_severity(item->sev)));
        if (item->at_ms > 0) {
            char ts[STAMP_TEXT_MAX];
            json_object_set_new(payload, "timestamp", json_string(stamp_format_iso(ts, item->at_ms)));
        }
        json_object_set_new(payload, "component", json_string("incident"));

        json_t *details = json_object();
        json_object_set_new(details, "incident_id", clean_string(item->incident_id, DEDUP_KEY_MAX, 0));
        json_object_set_new(details, "kind", json_string(publish_kind_name(item->kind)));
        if (item->status)
            json_object_set_new(details, "status", clean_string(item->status, NAME_MAX_UNITS, 0));
        if (item->ic)
            json_object_set_new(details, "ic", clean_string(item->ic, NAME_MAX_UNITS, 0));
        if (item->comms)
            json_object_set_new(details, "comms", clean_string(item->comms, NAME_MAX_UNITS, 0));
        if (item->text && *item->text)
            json_object_set_new(details, "message",
                                clean_string(item->text, MESSAGE_MAX, TEXT_KEEP_NEWLINES));
        json_object_set_new(payload, "custom_details", details);
        json_object_set_new(doc, "payload", payload);
        json_object_set_new(doc, "client", json_string("warroom"));

        json_t *links = json_array();
        add_link(links, item->runbook_url, "Runbook");
        add_link(links, item->dashboard_url, "Dashboard");
        if (json_array_size(links))
            json_object_set_new(doc, "links", links);
        else
            json_decref(links);
    }
    rc = sink_json_dump(out, doc);
done:
    json_decref(doc);
    buf_free(&summary);
    return rc;
}

/* ---- PagerDuty's row of the sink table ---- */

static bool pagerduty_configure(struct sink_settings *s, const struct config *c)
{
    const char *v;
    const char *key = sink_setting("PAGERDUTY_ROUTING_KEY", c, "sinks.pagerduty.routing_key");
    if (!key)
        return false;
    s->secret = xstrdup(key);
    s->url = xstrdup((v = sink_setting("WARROOM_PAGERDUTY_URL", c, "sinks.pagerduty.url")) ? v : SINK_PAGERDUTY_URL);
    v = config_string(c, "sinks.pagerduty.source");
    if (v && *v) {
        s->source = xstrdup(v);
    } else {
        char host[HOSTNAME_MAX + 1] = "";
        if (gethostname(host, sizeof host) != 0 || !*host)
            snprintf(host, sizeof host, "warroom");
        host[HOSTNAME_MAX] = '\0';
        s->source = xstrdup(host);
    }
    if (!sink_is_token(key, 128))
        sink_settings_problem(s, "the routing key is malformed (letters, digits, - and _ only)");
    if (!sink_is_web_url(s->url))
        sink_settings_problem(s, "the events URL is not an http(s) URL");
    return true;
}

static bool pagerduty_takes(enum publish_kind kind)
{
    return sink_pagerduty_action(kind) != NULL;
}

static int pagerduty_build(const char **method, struct buf *url, struct buf *body, struct buf *auth,
                           const struct sink_target *t, const struct publish_item *item, const char *remote_id)
{
    (void)method, (void)auth, (void)remote_id;
    const char *endpoint = t->url && *t->url ? t->url : SINK_PAGERDUTY_URL;
    if (!sink_is_web_url(endpoint))
        return error_set("pagerduty: the events URL must be an http(s) URL");
    buf_adds(url, endpoint);
    return sink_build_pagerduty(body, t->secret, t->source, item);
}

static size_t pagerduty_public_prefix(const char *url)
{
    return sink_prefix_of(url, SINK_PAGERDUTY_URL);
}

const struct sink_ops sink_pagerduty_ops = {
    .type = SINK_PAGERDUTY,
    .name = "pagerduty",
    .configure = pagerduty_configure,
    .takes = pagerduty_takes,
    .build = pagerduty_build,
    .public_prefix = pagerduty_public_prefix,
};
