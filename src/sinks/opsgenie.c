/* sinks/opsgenie — Opsgenie Alert API v2 requests.
 * Shaped by the Alert API (opsgenie-oas, paths/alert.yaml): POST /v2/alerts
 * creates (CreateAlertPayload, message required), POST
 * /v2/alerts/{alias}/acknowledge and /close with identifierType=alias act on
 * the alert of that alias. The alias is the incident id, so a second create
 * (a page after the declaration, a retry) finds the same open alert, which
 * Opsgenie deduplicates, and nothing of Opsgenie's needs remembering. */
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>

#include "warroom/config.h"
#include "warroom/error.h"
#include "warroom/sink.h"
#include "warroom/text.h"

#define NAME_MAX_UNITS 200
#define REQUEST_ID_MAX 64

const char *sink_opsgenie_action(enum publish_kind kind)
{
    switch (kind) {
    case PUBLISH_DECLARE:
    case PUBLISH_PAGE:
        return "create";
    case PUBLISH_ACK:
        return "acknowledge";
    case PUBLISH_RESOLVE:
        return "close";
    default:
        return NULL;
    }
}

const char *sink_opsgenie_priority(int sev)
{
    static const char *const p[] = {"P1", "P1", "P2", "P3", "P4", "P5"};
    return sev <= 1 ? "P1" : sev >= 5 ? "P5" : p[sev];
}

static json_t *clean_string(const char *s, size_t max_units, unsigned flags)
{
    struct buf b = BUF_INIT;
    sink_clean(&b, s, max_units, flags);
    json_t *j = json_stringn(buf_str(&b), b.len);
    buf_free(&b);
    return j;
}

/* Adds KEY: S to DETAILS while the whole map stays within Opsgenie's limit. */
static void add_detail(json_t *details, size_t *used, const char *key, const char *s)
{
    if (!s || !*s)
        return;
    struct buf b = BUF_INIT;
    sink_clean_line(&b, s, NAME_MAX_UNITS);
    size_t n = strlen(key) + sink_units(buf_str(&b), b.len);
    if (*used + n <= SINK_OPSGENIE_DETAILS_MAX) {
        json_object_set_new(details, key, json_stringn(buf_str(&b), b.len));
        *used += n;
    }
    buf_free(&b);
}

int sink_build_opsgenie(struct buf *url, struct buf *body, const char *base, const char *source,
                        const struct publish_item *item)
{
    const char *action = sink_opsgenie_action(item->kind);
    struct buf message = BUF_INIT, alias = BUF_INIT;
    json_t *doc = NULL;
    int rc = -1;

    if (!action) {
        rc = error_set("opsgenie does not take a %s", publish_kind_name(item->kind));
        goto done;
    }
    if (!sink_is_web_url(base)) {
        rc = error_set("opsgenie: the API URL must be an http(s) URL");
        goto done;
    }
    if (!item->incident_id || !*item->incident_id) {
        rc = error_set("opsgenie: the incident id is missing");
        goto done;
    }
    sink_clean_line(&alias, item->incident_id, SINK_OPSGENIE_ALIAS_MAX);
    size_t blen = strlen(base);
    while (blen && base[blen - 1] == '/')
        blen--;
    buf_add(url, base, blen);
    buf_adds(url, "/v2/alerts");

    doc = json_object();
    const char *from = source && *source ? source : "warroom";
    if (strcmp(action, "create") == 0) {
        buf_addc(&message, '[');
        sink_sev_label(&message, item);
        buf_adds(&message, "] ");
        sink_clean_line(&message, item->title, SINK_OPSGENIE_MESSAGE_MAX);
        /* Opsgenie's 130 characters, never cut inside one */
        sink_cut(&message, 0, SINK_OPSGENIE_MESSAGE_MAX, "\xe2\x80\xa6");
        json_object_set_new(doc, "message", json_stringn(buf_str(&message), message.len));
        json_object_set_new(doc, "alias", json_stringn(buf_str(&alias), alias.len));
        struct buf desc = BUF_INIT;
        sink_clean(&desc, item->text, SINK_OPSGENIE_DESCRIPTION_MAX, TEXT_KEEP_NEWLINES);
        if (desc.len)
            json_object_set_new(doc, "description", json_stringn(buf_str(&desc), desc.len));
        buf_free(&desc);
        json_t *details = json_object();
        size_t used = 0;
        add_detail(details, &used, "incident", item->incident_id);
        add_detail(details, &used, "kind", publish_kind_name(item->kind));
        add_detail(details, &used, "status", item->status);
        add_detail(details, &used, "ic", item->ic);
        add_detail(details, &used, "comms", item->comms);
        if (sink_is_web_url(item->runbook_url))
            add_detail(details, &used, "runbook", item->runbook_url);
        if (sink_is_web_url(item->dashboard_url))
            add_detail(details, &used, "dashboard", item->dashboard_url);
        json_object_set_new(doc, "details", details);
        json_object_set_new(doc, "tags", json_pack("[s]", "warroom"));
        json_object_set_new(doc, "source", clean_string(from, SINK_OPSGENIE_SOURCE_MAX, 0));
        /* the policy's word for the severity, else P1 for SEV1 ... P5 */
        const char *p = item->priority;
        bool named = p && p[0] == 'P' && p[1] >= '1' && p[1] <= '5' && !p[2];
        json_object_set_new(doc, "priority", json_string(named ? p : sink_opsgenie_priority(item->sev)));
    } else {
        /* the alias goes into the path: escaped, whatever an id may hold */
        char *esc = curl_easy_escape(NULL, buf_str(&alias), (int)alias.len);
        if (!esc) {
            rc = error_set("opsgenie: cannot escape the alias");
            goto done;
        }
        buf_printf(url, "/%s/%s?identifierType=alias", esc, action);
        curl_free(esc);
        json_object_set_new(doc, "source", clean_string(from, SINK_OPSGENIE_SOURCE_MAX, 0));
        if (item->text && *item->text)
            json_object_set_new(doc, "note", clean_string(item->text, SINK_OPSGENIE_NOTE_MAX, TEXT_KEEP_NEWLINES));
    }
    rc = sink_json_dump(body, doc);
done:
    json_decref(doc);
    buf_free(&message);
    buf_free(&alias);
    return rc;
}

/* ---- Opsgenie's row of the sink table ---- */

static bool opsgenie_configure(struct sink_settings *s, const struct config *c)
{
    const char *key = sink_setting("OPSGENIE_API_KEY", c, "sinks.opsgenie.api_key");
    if (!key)
        return false;
    s->secret = xstrdup(key);
    const char *url = sink_setting("WARROOM_OPSGENIE_URL", c, "sinks.opsgenie.url");
    const char *region = config_string(c, "sinks.opsgenie.region");
    if (!url && region && strcmp(region, "eu") == 0)
        url = SINK_OPSGENIE_EU_URL;
    else if (!url && region && *region && strcmp(region, "us") != 0)
        sink_settings_problem(s, "sinks.opsgenie.region is \"us\" or \"eu\"");
    s->url = xstrdup(url ? url : SINK_OPSGENIE_URL);
    const char *source = config_string(c, "sinks.opsgenie.source");
    s->source = xstrdup(source && *source ? source : "warroom");
    /* API keys are UUIDs; a looser check still keeps anything odd out of the
     * header, and the message never repeats the key */
    if (!sink_is_token(key, 128))
        sink_settings_problem(s, "the API key is malformed (letters, digits, - and _ only)");
    if (!sink_is_web_url(s->url))
        sink_settings_problem(s, "the API URL is not an http(s) URL");
    return true;
}

static bool opsgenie_takes(enum publish_kind kind)
{
    return sink_opsgenie_action(kind) != NULL;
}

static int opsgenie_build(const char **method, struct buf *url, struct buf *body, struct buf *auth,
                          const struct sink_target *t, const struct publish_item *item, const char *remote_id)
{
    (void)method, (void)remote_id;
    if (!sink_is_token(t->secret, 128))
        return error_set("opsgenie: the API key is missing or malformed");
    int rc = sink_build_opsgenie(url, body, t->url && *t->url ? t->url : SINK_OPSGENIE_URL, t->source, item);
    if (rc == 0)
        buf_printf(auth, "Authorization: GenieKey %s", t->secret);
    return rc;
}

/* 202 Accepted with {"result", "took", "requestId"}: Opsgenie will do it
 * later, and the request id is how to ask it what became of it. */
static int opsgenie_verdict(const struct deliver_result *r, struct buf *words)
{
    if (r->http_status != 202)
        return -1;
    json_error_t jerr;
    json_t *doc = json_loadb(r->body ? r->body : "", r->body_len, 0, &jerr);
    const char *id = json_string_value(json_object_get(doc, "requestId"));
    if (sink_is_token(id, REQUEST_ID_MAX))
        buf_adds(words, id);
    json_decref(doc);
    return SINK_ACCEPTED;
}

static size_t opsgenie_public_prefix(const char *url)
{
    size_t n = sink_prefix_of(url, SINK_OPSGENIE_URL "/v2/alerts");
    return n ? n : sink_prefix_of(url, SINK_OPSGENIE_EU_URL "/v2/alerts");
}

const struct sink_ops sink_opsgenie_ops = {
    .type = SINK_OPSGENIE,
    .name = "opsgenie",
    .configure = opsgenie_configure,
    .takes = opsgenie_takes,
    .build = opsgenie_build,
    .public_prefix = opsgenie_public_prefix,
    .verdict = opsgenie_verdict,
};
