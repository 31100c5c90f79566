/* sinks/statuspage — Atlassian Statuspage incident bodies.
 * One war-room incident is one Statuspage incident: the first update creates it
 * (POST), every later one patches it (PATCH), so the reply to the creation
 * carries the id that must be recorded; it is validated before anyone puts it
 * into a URL. Every body carries metadata.warroom = {incident, update}: the
 * tag by which a check after an unconfirmed request knows what is its own. */
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>

#include "warroom/config.h"
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

int sink_statuspage_update_arrived(const char *body, size_t len, const struct sink_sent *sent)
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

int sink_statuspage_url(struct buf *out, const char *base, const char *page_id, const char *remote_id)
{
    if (!base || !*base)
        base = SINK_STATUSPAGE_URL;
    if (!sink_is_web_url(base))
        return error_set("statuspage: the API URL must be an http(s) URL");
    if (!sink_is_token(page_id, SINK_REMOTE_ID_MAX))
        return error_set("statuspage: the page id is missing or malformed");
    if (remote_id && !sink_is_token(remote_id, SINK_REMOTE_ID_MAX))
        return error_set("statuspage: the recorded incident id is malformed");
    /* Atlassian documents the base as ".../v1"; the bare host is what people
     * copy from the address bar. Both mean the same API. */
    size_t n = strlen(base);
    while (n > 0 && base[n - 1] == '/')
        n--;
    if (n >= 3 && memcmp(base + n - 3, "/v1", 3) == 0)
        n -= 3;
    while (n > 0 && base[n - 1] == '/')
        n--;
    buf_add(out, base, n);
    buf_printf(out, "/v1/pages/%s/incidents", page_id);
    if (remote_id)
        buf_printf(out, "/%s", remote_id);
    return 0;
}

/* ---- Statuspage's row of the sink table ---- */

#define STATUSPAGE_PUBLIC_PREFIX "https://api.statuspage.io/v1"
#define MASK SINK_MASK

static bool statuspage_configure(struct sink_settings *s, const struct config *c)
{
    const char *v;
    const char *page = sink_setting("STATUSPAGE_PAGE_ID", c, "sinks.statuspage.page_id");
    const char *key = sink_setting("STATUSPAGE_API_KEY", c, "sinks.statuspage.api_key");
    if (!page && !key)
        return false;
    s->page_id = page ? xstrdup(page) : NULL;
    s->secret = key ? xstrdup(key) : NULL;
    s->url = xstrdup((v = sink_setting("WARROOM_STATUSPAGE_URL", c, "sinks.statuspage.url")) ? v : SINK_STATUSPAGE_URL);
    if (!page)
        sink_settings_problem(s, "the page id is missing (STATUSPAGE_PAGE_ID or sinks.statuspage.page_id)");
    if (!key)
        sink_settings_problem(s, "the API key is missing (STATUSPAGE_API_KEY or sinks.statuspage.api_key)");
    if (page && !sink_is_token(page, SINK_REMOTE_ID_MAX))
        sink_settings_problem(s, "the page id is malformed");
    if (key && !sink_is_token(key, 256))
        sink_settings_problem(s, "the API key is malformed");
    if (!sink_is_web_url(s->url))
        sink_settings_problem(s, "the API URL is not an http(s) URL");
    return true;
}

static bool statuspage_takes(enum publish_kind kind)
{
    return kind == PUBLISH_UPDATE || kind == PUBLISH_RESOLVE;
}

static int statuspage_build(const char **method, struct buf *url, struct buf *body, struct buf *auth,
                            const struct sink_target *t, const struct publish_item *item, const char *remote_id)
{
    if (!sink_is_token(t->secret, 256))
        return error_set("statuspage: the API key is missing or malformed");
    int rc = sink_statuspage_url(url, t->url, t->page_id, remote_id);
    if (rc < 0)
        return rc;
    if (remote_id)
        *method = "PATCH";
    buf_printf(auth, "Authorization: OAuth %s", t->secret);
    return sink_build_statuspage(body, item, remote_id == NULL);
}

static size_t statuspage_public_prefix(const char *url)
{
    size_t n = sink_prefix_of(url, STATUSPAGE_PUBLIC_PREFIX);
    return n ? n : sink_prefix_of(url, SINK_STATUSPAGE_URL);
}

static const char *statuspage_more_secret(const struct sink_target *t)
{
    return t->page_id && *t->page_id ? t->page_id : NULL;
}

static char *statuspage_mask_url(const struct sink_target *t, const char *url)
{
    if (!(t->page_id && *t->page_id))
        return NULL;
    /* Statuspage's own path is documentation; only the page id in it is
     * the user's. */
    struct buf base = BUF_INIT, out = BUF_INIT;
    const char *given = t->url && *t->url ? t->url : SINK_STATUSPAGE_URL;
    if (sink_statuspage_url(&base, t->url, t->page_id, NULL) == 0) {
        size_t api = base.len - strlen("/v1/pages/") - strlen(t->page_id) - strlen("/incidents");
        if (strncmp(url, base.data, base.len) == 0 && strncmp(given, url, api) == 0) {
            struct sink_target b = *t;
            char *cut = xstrdup(url);
            cut[api] = '\0';
            b.url = cut;
            char *head = sink_mask_url_keeping(cut, sink_public_prefix_by(&b, statuspage_public_prefix));
            free(cut);
            buf_adds(&out, head);
            free(head);
            buf_adds(&out, "/v1/pages/" MASK "/incidents");
            const char *rest = url + base.len;
            size_t path = strcspn(rest, "?#");
            text_clean(&out, rest, path, 0);
            if (rest[path])
                buf_printf(&out, "%c" MASK, rest[path]);
            buf_free(&base);
            return buf_detach(&out);
        }
    }
    buf_free(&base);
    buf_free(&out);
    return NULL;
}

/* A string field of the Statuspage body just built: what a check looks for. */
static char *statuspage_field(const char *body, const char *key)
{
    json_error_t jerr;
    json_t *doc = json_loads(body, 0, &jerr);
    const char *v = json_string_value(json_object_get(json_object_get(doc, "incident"), key));
    char *out = v ? xstrdup(v) : NULL;
    json_decref(doc);
    return out;
}

static char *statuspage_expect(const char *body, bool create)
{
    return statuspage_field(body, create ? "name" : "body");
}

static char *statuspage_expect_status(const char *body)
{
    return statuspage_field(body, "status");
}

/* a creation is looked for by name (Statuspage searches names), then told
 * apart by its tag and its age; an update by the incident's own */
static int statuspage_check_request(struct buf *url, struct buf *auth, const struct sink_target *t,
                                    const char *remote_id, const char *expect)
{
    if (sink_statuspage_url(url, t->url, t->page_id, remote_id) < 0)
        return -1;
    if (!remote_id) {
        char *q = curl_easy_escape(NULL, expect ? expect : "", 0);
        buf_printf(url, "?q=%s&limit=100", q ? q : "");
        curl_free(q);
    }
    buf_printf(auth, "Authorization: OAuth %s", t->secret);
    return 0;
}

static const struct sink_recovery statuspage_recovery = {
    .title = "Statuspage",
    .expect = statuspage_expect,
    .expect_status = statuspage_expect_status,
    .check_request = statuspage_check_request,
    .find_created = sink_statuspage_find_created,
    .update_arrived = sink_statuspage_update_arrived,
    .newest_update = sink_statuspage_newest_update,
    .created_id = sink_statuspage_incident_id,
};

const struct sink_ops sink_statuspage_ops = {
    .type = SINK_STATUSPAGE,
    .name = "statuspage",
    .configure = statuspage_configure,
    .takes = statuspage_takes,
    .build = statuspage_build,
    .public_prefix = statuspage_public_prefix,
    .more_secret = statuspage_more_secret,
    .mask_url = statuspage_mask_url,
    .recovery = &statuspage_recovery,
};
