/* sinks/slack_channel — the incident's own channel, through Slack's Web API.
 * An item is a chain of requests (struct sink_chain): a declaration creates
 * the channel, sets its topic, invites the role holders, posts the incident
 * message and pins it, then posts and pins the runbook link; later events are
 * posted there (and a change of severity, roles or status sets the topic).
 * Slack answers HTTP 200 with {"ok":false,"error":...} when it refuses, so
 * every answer is read for "ok". Creating a channel and posting a message
 * are not idempotent: the outbox records an attempt before either leaves,
 * and after a lost answer this file asks Slack first (the channel by name,
 * made since the attempt; the message by the block_id that tags it) before
 * anything is sent again. Text people typed is escaped (sink_slack_escape);
 * only a mention warroom makes for a role holder, from the people
 * directory's Slack id, is a real one. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>

#include "warroom/config.h"
#include "warroom/error.h"
#include "warroom/sink.h"
#include "warroom/sinks/slack_channel.h"
#include "warroom/stamp.h"
#include "warroom/text.h"

#define NAME_UNITS 200
#define MESSAGE_SECTIONS_MAX 20
#define SECTION_ROOM 2900   /* below Slack's 3,000, for the headline */
#define CHECK_SLACK_S 5     /* look this far before the attempt left: clocks differ */

enum step_op { OP_CREATE, OP_TOPIC, OP_INVITE, OP_POST, OP_PIN, OP_POST_RUNBOOK, OP_PIN_RUNBOOK, OP_NONE };

/* What each kind of item does, in order. */
static const enum step_op *ops_of(enum publish_kind kind, unsigned *n)
{
    static const enum step_op declare[] = {OP_CREATE, OP_TOPIC, OP_INVITE, OP_POST,
                                           OP_PIN, OP_POST_RUNBOOK, OP_PIN_RUNBOOK};
    static const enum step_op role[] = {OP_TOPIC, OP_INVITE, OP_POST};
    static const enum step_op topic_first[] = {OP_TOPIC, OP_POST};
    static const enum step_op post_first[] = {OP_POST, OP_TOPIC};
    static const enum step_op post[] = {OP_POST};
    switch (kind) {
    case PUBLISH_DECLARE: *n = 7; return declare;
    case PUBLISH_ROLE: *n = 3; return role;
    case PUBLISH_SEV: *n = 2; return topic_first;
    case PUBLISH_UPDATE:
    case PUBLISH_RESOLVE: *n = 2; return post_first;
    default: *n = 1; return post;
    }
}

static enum step_op op_at(enum publish_kind kind, unsigned index)
{
    unsigned n;
    const enum step_op *ops = ops_of(kind, &n);
    return index < n ? ops[index] : OP_NONE;
}

static const char *method_of(enum step_op op, bool check)
{
    switch (op) {
    case OP_CREATE: return check ? "conversations.list" : "conversations.create";
    case OP_TOPIC: return "conversations.setTopic";
    case OP_INVITE: return "conversations.invite";
    case OP_POST:
    case OP_POST_RUNBOOK: return check ? "conversations.history" : "chat.postMessage";
    case OP_PIN:
    case OP_PIN_RUNBOOK: return "pins.add";
    case OP_NONE: break;
    }
    return "";
}

/* ---- names, mentions, topic ---- */

static bool is_slack_user(const char *id)
{
    size_t n = id ? strlen(id) : 0;
    if (n < 3 || n > 32 || (id[0] != 'U' && id[0] != 'W'))
        return false;
    for (size_t i = 1; i < n; i++)
        if (!isupper((unsigned char)id[i]) && !isdigit((unsigned char)id[i]))
            return false;
    return true;
}

/* Appends S folded to Slack's channel alphabet: lowercase letters, digits,
 * '-' and '_'; anything else (spaces, punctuation, non-ASCII) one '-'. */
static void add_folded(struct buf *out, const char *s)
{
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (isalnum(c) && c < 0x80)
            buf_addc(out, (char)tolower(c));
        else if (c == '_')
            buf_addc(out, '_');
        else if (!out->len || out->data[out->len - 1] != '-')
            buf_addc(out, '-');
    }
}

int sink_slack_channel_name(struct buf *out, const char *template, const char *title, const char *incident_id,
                            int sev, int64_t declared_ms, unsigned suffix)
{
    struct buf raw = BUF_INIT, name = BUF_INIT;
    const char *t = template && *template ? template : "inc-{date}-{slug}";
    int y, mo, d, h, mi, s;
    stamp_to_utc(declared_ms > 0 ? declared_ms : 0, &y, &mo, &d, &h, &mi, &s);
    for (const char *p = t; *p && raw.len < 4 * SINK_SLACK_CHANNEL_NAME_MAX;) {
        if (strncmp(p, "{date}", 6) == 0) {
            buf_printf(&raw, "%04d%02d%02d", y, mo, d);
            p += 6;
        } else if (strncmp(p, "{slug}", 6) == 0) {
            struct buf clean = BUF_INIT;
            sink_clean_line(&clean, title, NAME_UNITS);
            add_folded(&raw, buf_str(&clean));
            buf_free(&clean);
            p += 6;
        } else if (strncmp(p, "{id}", 4) == 0) {
            add_folded(&raw, incident_id);
            p += 4;
        } else if (strncmp(p, "{sev}", 5) == 0) {
            buf_printf(&raw, "sev%d", sev > 0 && sev < 100 ? sev : 0);
            p += 5;
        } else {
            buf_addc(&raw, *p++);
        }
    }
    add_folded(&name, buf_str(&raw));
    char tail[16] = "";
    if (suffix >= 2)
        snprintf(tail, sizeof tail, "-%u", suffix % 1000);
    size_t room = SINK_SLACK_CHANNEL_NAME_MAX - strlen(tail);
    size_t start = 0, end = name.len;
    while (start < end && name.data[start] == '-')
        start++;
    if (end - start > room)
        end = start + room;
    while (end > start && name.data[end - 1] == '-')
        end--;
    int rc = 0;
    if (end == start)
        rc = error_set("slack_channel: the channel name template gives no usable name");
    else {
        buf_add(out, name.data + start, end - start);
        buf_adds(out, tail);
    }
    buf_free(&raw);
    buf_free(&name);
    return rc;
}

void sink_slack_mention(struct buf *out, const char *name, const char *slack_id)
{
    if (is_slack_user(slack_id)) {
        buf_printf(out, "<@%s>", slack_id);
        return;
    }
    struct buf clean = BUF_INIT;
    sink_clean_line(&clean, name && *name ? name : "someone", NAME_UNITS);
    sink_slack_escape(out, buf_str(&clean), clean.len);
    buf_free(&clean);
}

static const char *status_of(const struct publish_item *item)
{
    if (item->state != PUBLISH_STATE_NONE)
        return publish_state_name(item->state);
    return item->status && *item->status ? item->status : "investigating";
}

void sink_slack_channel_topic(struct buf *out, const struct publish_item *item)
{
    size_t start = out->len;
    struct buf line = BUF_INIT;
    sink_sev_label(&line, item);
    buf_adds(&line, " \xc2\xb7 IC: ");
    buf_adds(&line, item->ic && *item->ic ? item->ic : "unassigned");
    buf_adds(&line, " \xc2\xb7 ");
    buf_adds(&line, status_of(item));
    sink_clean_line(out, buf_str(&line), SINK_SLACK_TOPIC_MAX);
    sink_cut(out, start, SINK_SLACK_TOPIC_MAX, "\xe2\x80\xa6");
    buf_free(&line);
}

/* ---- the message ---- */

/* How many bytes of escaped S make at most MAX units, never cutting an
 * entity or a character. */
static size_t fit(const char *s, size_t len, size_t max)
{
    size_t i = 0, used = 0;
    while (i < len) {
        size_t n = 1;
        unsigned char c = (unsigned char)s[i];
        if (c == '&') {
            const char *semi = memchr(s + i, ';', len - i < 6 ? len - i : 6);
            n = semi ? (size_t)(semi - (s + i)) + 1 : 1;
        } else if (c >= 0x80) {
            n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
            if (n > len - i)
                n = len - i;
        }
        size_t u = sink_units(s + i, n);
        if (used + u > max)
            break;
        used += u;
        i += n;
    }
    return i;
}

/* The escaped MESSAGE as sections under Slack's 3,000 characters each, the
 * first one after HEAD; the last one that fits ends with the cut marker. */
static void add_sections(json_t *blocks, const char *head, const char *m, size_t len)
{
    struct buf b = BUF_INIT;
    size_t pos = 0;
    buf_adds(&b, head);
    for (unsigned n = 0; n < MESSAGE_SECTIONS_MAX; n++) {
        size_t room = SECTION_ROOM - (b.len < SECTION_ROOM ? sink_units(b.data, b.len) : SECTION_ROOM);
        size_t take = fit(m + pos, len - pos, room);
        bool last = n + 1 == MESSAGE_SECTIONS_MAX && pos + take < len;
        if (last)
            take = fit(m + pos, len - pos, room - 4);
        buf_add(&b, m + pos, take);
        pos += take;
        if (last)
            buf_adds(&b, "\n" SINK_SLACK_CUT_MARKER);
        if (b.len && strspn(b.data, " \t\n") < b.len)
            json_array_append_new(blocks, sink_slack_section(b.data, b.len));
        buf_reset(&b);
        if (pos >= len)
            break;
    }
    buf_free(&b);
}

static json_t *field(const char *label, const char *value, size_t len)
{
    struct buf b = BUF_INIT;
    buf_printf(&b, "*%s*\n", label);
    buf_add(&b, value, fit(value, len, SINK_SLACK_FIELD_MAX - 40));
    json_t *f = sink_slack_text_object("mrkdwn", b.data, b.len);
    buf_free(&b);
    return f;
}

/* A link in mrkdwn, for an http(s) URL that cannot break out of <...|...>. */
static bool add_link(struct buf *out, const char *url, const char *label)
{
    if (!url || !sink_is_web_url(url) || strpbrk(url, "<>| "))
        return false;
    buf_printf(out, "%s<%s|%s>", out->len ? " \xc2\xb7 " : "", url, label);
    return true;
}

static void add_roles(json_t *fields, const struct publish_item *item)
{
    static const char *const order[] = {"IC", "Comms", "Ops", "Scribe", "SME"};
    for (size_t k = 0; k < sizeof order / sizeof *order && json_array_size(fields) < SINK_SLACK_FIELDS_MAX; k++) {
        struct buf who = BUF_INIT;
        for (size_t i = 0; i < item->nroles; i++) {
            if (strcmp(item->roles[i].role, order[k]) != 0)
                continue;
            if (who.len)
                buf_adds(&who, ", ");
            sink_slack_mention(&who, item->roles[i].name, item->roles[i].slack);
        }
        if (who.len || k < 2) {
            if (!who.len)
                buf_adds(&who, "_unassigned_");
            json_array_append_new(fields, field(order[k], who.data, who.len));
        }
        buf_free(&who);
    }
}

static const char *headline(enum publish_kind kind)
{
    switch (kind) {
    case PUBLISH_DECLARE: return "Incident declared";
    case PUBLISH_SEV: return "Severity changed";
    case PUBLISH_ROLE: return "Roles changed";
    case PUBLISH_UPDATE: return "Status update";
    case PUBLISH_PAGE: return "Paged";
    case PUBLISH_ACK: return "Acknowledged";
    case PUBLISH_ESCALATE: return "Escalated";
    case PUBLISH_RESOLVE: return "Resolved";
    case PUBLISH_ACTION: return "Action item";
    }
    return "Update";
}

int sink_slack_channel_message(struct buf *out, const struct publish_item *item, const char *channel,
                               const char *tag)
{
    struct buf sev = BUF_INIT, line = BUF_INIT, msg = BUF_INIT, links = BUF_INIT;
    if (!item->title || !item->incident_id || !channel || !*channel)
        return error_set("slack_channel: the incident title, id or channel is missing");
    json_t *doc = json_object(), *blocks = json_array();
    json_object_set_new(doc, "channel", json_string(channel));
    sink_sev_label(&sev, item);

    /* the notification text */
    buf_printf(&line, "[%s] ", buf_str(&sev));
    sink_slack_add_escaped(&line, item->title, SINK_SLACK_FALLBACK_MAX, 0);
    buf_printf(&line, ": %s", headline(item->kind));
    line.len = fit(line.data, line.len, SINK_SLACK_FALLBACK_MAX);
    line.data[line.len] = '\0';
    json_object_set_new(doc, "text", json_stringn(line.data, line.len));

    /* header: plain text, never parsed for mentions, so not escaped */
    buf_reset(&line);
    buf_printf(&line, "%s \xc2\xb7 ", buf_str(&sev));
    sink_clean_line(&line, item->title, SINK_SLACK_HEADER_MAX);
    sink_cut(&line, 0, SINK_SLACK_HEADER_MAX, "\xe2\x80\xa6");
    json_t *header = json_object();
    json_object_set_new(header, "type", json_string("header"));
    if (tag)
        json_object_set_new(header, "block_id", json_string(tag));
    json_object_set_new(header, "text", sink_slack_text_object("plain_text", line.data, line.len));
    json_array_append_new(blocks, header);

    if (item->kind == PUBLISH_DECLARE) {
        char when[64] = "unknown";
        if (item->detected_ms > 0) {
            int y, mo, d, h, mi, s;
            stamp_to_utc(item->detected_ms, &y, &mo, &d, &h, &mi, &s);
            snprintf(when, sizeof when, "%04d-%02d-%02d %02d:%02d UTC", y, mo, d, h, mi);
        }
        json_t *fields = json_array();
        struct buf v = BUF_INIT;
        sink_slack_escape(&v, buf_str(&sev), sev.len);
        json_array_append_new(fields, field("Severity", v.data, v.len));
        buf_reset(&v);
        sink_slack_add_escaped(&v, status_of(item), NAME_UNITS, 0);
        json_array_append_new(fields, field("Status", v.data, v.len));
        json_array_append_new(fields, field("Detected", when, strlen(when)));
        add_roles(fields, item);
        buf_free(&v);
        json_t *facts = sink_slack_section("*Incident declared*", strlen("*Incident declared*"));
        json_object_set_new(facts, "fields", fields);
        json_array_append_new(blocks, facts);
        if (item->impact && *item->impact) {
            sink_slack_add_escaped(&msg, item->impact, SINK_TEXT_MAX_BYTES, TEXT_KEEP_NEWLINES);
            add_sections(blocks, "*Impact*\n", msg.data, msg.len);
        }
        add_link(&links, item->status_page_url, "Status page");
        add_link(&links, item->runbook_url, "Runbook");
        add_link(&links, item->dashboard_url, "Dashboard");
        if (links.len)
            json_array_append_new(blocks, sink_slack_section(links.data, links.len));
    } else {
        struct buf head = BUF_INIT;
        buf_printf(&head, "*%s* \xc2\xb7 Status: *", headline(item->kind));
        sink_slack_add_escaped(&head, status_of(item), NAME_UNITS, 0);
        buf_adds(&head, "*\n");
        if (item->kind == PUBLISH_ROLE && item->changed) {
            sink_slack_add_escaped(&msg, item->changed->role, NAME_UNITS, 0);
            if (item->changed->name && *item->changed->name) {
                buf_adds(&msg, " is now ");
                sink_slack_mention(&msg, item->changed->name, item->changed->slack);
            } else {
                buf_adds(&msg, " is unassigned");
            }
        } else {
            sink_slack_add_escaped(&msg, item->text, SINK_TEXT_MAX_BYTES, TEXT_KEEP_NEWLINES | TEXT_KEEP_TABS);
        }
        add_sections(blocks, head.data, msg.data, msg.len);
        buf_free(&head);
        if (item->kind == PUBLISH_RESOLVE && add_link(&links, item->postmortem_url, "Postmortem"))
            json_array_append_new(blocks, sink_slack_section(links.data, links.len));
    }
    json_object_set_new(doc, "blocks", blocks);
    json_object_set_new(doc, "unfurl_links", json_false());
    int rc = sink_json_dump(out, doc);
    json_decref(doc);
    buf_free(&sev);
    buf_free(&line);
    buf_free(&msg);
    buf_free(&links);
    return rc;
}

/* ---- the chain ---- */

static void api_url(struct buf *url, const struct sink_target *t, const char *method)
{
    const char *base = t->url && *t->url ? t->url : SINK_SLACK_API_URL;
    size_t n = strlen(base);
    while (n > 0 && base[n - 1] == '/')
        n--;
    buf_add(url, base, n);
    buf_printf(url, "/%s", method);
}

/* A create step's ref: the name's suffix ("0" for none), and while a lost
 * answer is being looked up page by page, the page and Slack's cursor for it:
 * "SUFFIX;PAGE;CURSOR". Slack's cursors are base64, short; anything else
 * ends the lookup. */
#define LOOKUP_PAGES_MAX 100   /* of up to 1,000 channels: a workspace of 100,000 */
#define CURSOR_MAX 48          /* so the whole ref stays within SINK_REMOTE_ID_MAX */

static bool is_cursor(const char *s, size_t len)
{
    static const char ok[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=_-";
    if (len == 0 || len > CURSOR_MAX)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!s[i] || !strchr(ok, s[i]))
            return false;
    return true;
}

static unsigned suffix_of(const char *ref)
{
    char *end;
    unsigned long v = ref && *ref ? strtoul(ref, &end, 10) : 0;
    return ref && *ref && (!*end || *end == ';') && v >= 2 && v <= SINK_SLACK_NAME_SUFFIX_MAX ? (unsigned)v : 0;
}

/* The lookup's page (2 on) and cursor in REF; 0 when it is at its start. */
static unsigned lookup_page(const char *ref, const char **cursor)
{
    const char *p = ref ? strchr(ref, ';') : NULL;
    *cursor = NULL;
    if (!p)
        return 0;
    char *end;
    unsigned long page = strtoul(p + 1, &end, 10);
    if (*end != ';' || page < 2 || page > LOOKUP_PAGES_MAX || !is_cursor(end + 1, strlen(end + 1)))
        return 0;
    *cursor = end + 1;
    return (unsigned)page;
}

static bool is_ts(const char *s)
{
    return s && *s && strlen(s) < 32 && strspn(s, "0123456789.") == strlen(s);
}

static void tag_of(struct buf *out, const struct sink_step *st)
{
    buf_printf(out, "warroom-%s-%u", st->event_id, st->index);
}

static unsigned channel_steps(const struct publish_item *item)
{
    unsigned n;
    if (!item->channel)
        return 0;
    ops_of(item->kind, &n);
    return n;
}

static bool channel_once(const struct publish_item *item, unsigned index)
{
    enum step_op op = op_at(item->kind, index);
    return op == OP_CREATE || op == OP_POST || op == OP_POST_RUNBOOK;
}

static bool channel_paced(const struct publish_item *item, unsigned index)
{
    enum step_op op = op_at(item->kind, index);
    return op == OP_POST || op == OP_POST_RUNBOOK;
}

static int dump(struct buf *body, json_t *doc)
{
    int rc = sink_json_dump(body, doc);
    json_decref(doc);
    return rc;
}

/* Whom to invite: the role holders' Slack ids, once each; the holders the
 * directory has no id for go into WARNING by name. */
static void invitees(struct buf *users, struct buf *warning, const struct publish_item *item)
{
    struct buf missing = BUF_INIT;
    const struct publish_role *list = item->kind == PUBLISH_ROLE ? item->changed : item->roles;
    size_t n = item->kind == PUBLISH_ROLE ? (item->changed ? 1 : 0) : item->nroles;
    for (size_t i = 0; i < n; i++) {
        const struct publish_role *r = &list[i];
        if (!r->name || !*r->name)
            continue;
        if (!is_slack_user(r->slack)) {
            if (missing.len)
                buf_adds(&missing, ", ");
            sink_clean_line(&missing, r->name, NAME_UNITS);
            buf_printf(&missing, " (%s)", r->role);
            continue;
        }
        bool seen = false;
        for (size_t j = 0; j < i; j++)
            seen |= list[j].slack && strcmp(list[j].slack, r->slack) == 0;
        if (!seen)
            buf_printf(users, "%s%s", users->len ? "," : "", r->slack);
    }
    if (missing.len)
        buf_printf(warning, "not invited, no Slack id in the people directory: %s", missing.data);
    buf_free(&missing);
}

static int channel_build(const char **method, struct buf *url, struct buf *body, struct buf *auth,
                         struct buf *expect, struct buf *warning, const struct sink_target *t,
                         const struct publish_item *item, const struct sink_step *st)
{
    enum step_op op = op_at(st->kind, st->index);
    const char *channel = st->remote_id;
    if (!sink_is_token(t->secret, 256))
        return error_set("slack_channel: the bot token is missing or malformed");
    if (!sink_is_web_url(t->url ? t->url : SINK_SLACK_API_URL))
        return error_set("slack_channel: the API URL must be an http(s) URL");
    if (op != OP_CREATE && !sink_is_token(channel, SINK_REMOTE_ID_MAX))
        return error_set("slack_channel: the incident channel is not known (its creation did not succeed)");
    if (!sink_is_token(st->event_id, SINK_REMOTE_ID_MAX))
        return error_set("slack_channel: the event id is malformed");
    buf_printf(auth, "Authorization: Bearer %s", t->secret);
    api_url(url, t, method_of(op, st->check));
    json_t *doc = json_object();
    struct buf text = BUF_INIT, tag = BUF_INIT;
    int rc = 1;
    switch (op) {
    case OP_CREATE:
        if (sink_slack_channel_name(expect, item->channel_template, item->title, item->incident_id, item->sev,
                                    item->declared_ms, suffix_of(st->ref)) < 0) {
            rc = -1;
            break;
        }
        if (st->check) {
            /* Lost answer: is a channel of that name there, made since? Slack
             * answers a page at a time, often fewer than asked for. */
            *method = "GET";
            buf_adds(url, "?exclude_archived=true&types=public_channel&limit=1000");
            const char *cursor;
            if (lookup_page(st->ref, &cursor)) {
                char *esc = curl_easy_escape(NULL, cursor, 0);   /* base64: + / = */
                if (!esc) {
                    rc = error_set("slack_channel: cannot escape the list's cursor");
                    break;
                }
                buf_printf(url, "&cursor=%s", esc);
                curl_free(esc);
            }
            break;
        }
        json_object_set_new(doc, "name", json_string(expect->data));
        json_object_set_new(doc, "is_private", json_false());
        break;
    case OP_TOPIC:
        sink_slack_channel_topic(&text, item);
        json_object_set_new(doc, "channel", json_string(channel));
        json_object_set_new(doc, "topic", json_stringn(buf_str(&text), text.len));
        break;
    case OP_INVITE:
        invitees(&text, warning, item);
        if (!text.len) {
            rc = 0;   /* nobody with a Slack id: the warning says who */
            break;
        }
        json_object_set_new(doc, "channel", json_string(channel));
        json_object_set_new(doc, "users", json_stringn(text.data, text.len));
        break;
    case OP_POST:
    case OP_POST_RUNBOOK:
        tag_of(&tag, st);
        buf_adds(expect, tag.data);
        if (st->check) {
            *method = "GET";
            int64_t from = st->started > 0 ? st->started / 1000 - CHECK_SLACK_S : 0;
            buf_printf(url, "?channel=%s&oldest=%lld&inclusive=true&limit=200", channel,
                       (long long)(from > 0 ? from : 0));
            break;
        }
        if (op == OP_POST_RUNBOOK) {
            struct buf line = BUF_INIT;
            if (!add_link(&line, item->runbook_url, "Runbook")) {
                buf_free(&line);
                rc = 0;   /* no runbook configured: nothing to pin */
                break;
            }
            json_decref(doc);
            doc = json_object();
            json_object_set_new(doc, "channel", json_string(channel));
            json_object_set_new(doc, "text", json_string("Runbook"));
            json_t *blocks = json_array();
            struct buf m = BUF_INIT;
            buf_printf(&m, "*Runbook*: %s", line.data);
            json_t *sec = sink_slack_section(m.data, m.len);
            json_object_set_new(sec, "block_id", json_string(tag.data));
            json_array_append_new(blocks, sec);
            json_object_set_new(doc, "blocks", blocks);
            json_object_set_new(doc, "unfurl_links", json_false());
            buf_free(&m);
            buf_free(&line);
            break;
        }
        json_decref(doc);
        doc = NULL;
        rc = sink_slack_channel_message(body, item, channel, tag.data) < 0 ? -1 : 1;
        break;
    case OP_PIN:
    case OP_PIN_RUNBOOK:
        if (op == OP_PIN_RUNBOOK && !add_link(&text, item->runbook_url, "Runbook")) {
            rc = 0;
            break;
        }
        if (!is_ts(st->ref)) {
            rc = error_set("slack_channel: the message to pin is not known");
            break;
        }
        json_object_set_new(doc, "channel", json_string(channel));
        json_object_set_new(doc, "timestamp", json_string(st->ref));
        break;
    case OP_NONE:
        rc = error_set("slack_channel: no such step");
        break;
    }
    if (doc && rc > 0 && !st->check && dump(body, doc) < 0)
        rc = -1;
    else if (doc && !(rc > 0 && !st->check))
        json_decref(doc);
    buf_free(&text);
    buf_free(&tag);
    return rc;
}

static bool one_of(const char *s, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(s, *list) == 0)
            return true;
    return false;
}

/* A channel of that name made since the attempt left: ours. */
static bool find_channel(json_t *doc, const char *name, int64_t started, char **id, char **shown)
{
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(doc, "channels"), i, c) {
        const char *n = json_string_value(json_object_get(c, "name"));
        const char *cid = json_string_value(json_object_get(c, "id"));
        json_t *created = json_object_get(c, "created");
        if (!n || !name || strcmp(n, name) != 0 || !sink_is_token(cid, SINK_REMOTE_ID_MAX) ||
            !json_is_integer(created))
            continue;
        if (started > 0 && json_integer_value(created) < started / 1000 - CHECK_SLACK_S)
            continue;   /* an older channel of that name is somebody else's */
        *id = xstrdup(cid);
        *shown = xstrdup(n);
        return true;
    }
    return false;
}

/* The message that carries TAG as a block_id: ours. */
static bool find_message(json_t *doc, const char *tag, char **ts)
{
    size_t i, j;
    json_t *m, *b;
    json_array_foreach(json_object_get(doc, "messages"), i, m) {
        const char *t = json_string_value(json_object_get(m, "ts"));
        json_array_foreach(json_object_get(m, "blocks"), j, b) {
            const char *id = json_string_value(json_object_get(b, "block_id"));
            if (id && tag && strcmp(id, tag) == 0 && is_ts(t)) {
                *ts = xstrdup(t);
                return true;
            }
        }
    }
    return false;
}

static void say(struct buf *reason, const char *const *secrets, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Appends one clean line to REASON, secrets scrubbed, bounded. */
static void say(struct buf *reason, const char *const *secrets, const char *fmt, ...)
{
    struct buf raw = BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&raw, fmt, ap);
    va_end(ap);
    size_t start = reason->len;
    sink_scrub(reason, buf_str(&raw), secrets);
    sink_cut(reason, start, SINK_REASON_MAX, "\xe2\x80\xa6");
    buf_free(&raw);
}

static void channel_read(struct sink_step_result *out, const struct sink_step *st, const struct deliver_result *r,
                         const char *const *secrets, struct buf *reason)
{
    static const char *const again[] = {"ratelimited", "rate_limited", "request_timeout", "fatal_error",
                                        "internal_error", "service_unavailable", NULL};
    static const char *const auth[] = {"not_authed", "invalid_auth", "account_inactive", "token_revoked",
                                       "token_expired", "missing_scope", "no_permission", NULL};
    enum step_op op = op_at(st->kind, st->index);
    const char *method = method_of(op, st->check);
    memset(out, 0, sizeof *out);
    if (r->error != DELIVER_OK) {
        static const char *const words[] = {[DELIVER_OK] = "", [DELIVER_TIMEOUT] = "timed out",
                                            [DELIVER_CONNECT] = "could not connect",
                                            [DELIVER_NETWORK] = "connection broke off",
                                            [DELIVER_REFUSED] = "request refused"};
        out->outcome = r->error == DELIVER_REFUSED ? SINK_FAILED : SINK_RETRY;
        say(reason, secrets, "%s: %s%s%s", method, words[r->error], r->error_text ? ": " : "",
            r->error_text ? r->error_text : "");
        return;
    }
    if (r->http_status < 200 || r->http_status > 299) {
        /* 429 with Retry-After (the outbox honours it), 5xx: again */
        json_error_t jerr;
        json_t *doc = json_loadb(r->body ? r->body : "", r->body_len, 0, &jerr);
        const char *e = json_string_value(json_object_get(doc, "error"));
        out->outcome = sink_status_retries(r->http_status) ? SINK_RETRY : SINK_FAILED;
        say(reason, secrets, "%s: HTTP %ld%s%s", method, r->http_status, e && sink_is_token(e, 64) ? ": " : "",
            e && sink_is_token(e, 64) ? e : "");
        json_decref(doc);
        return;
    }
    json_error_t jerr;
    json_t *doc = json_loadb(r->body ? r->body : "", r->body_len, 0, &jerr);
    json_t *ok = json_object_get(doc, "ok");
    if (!json_is_boolean(ok)) {
        /* 2xx but not Slack's answer: whether it arrived is unknown */
        out->outcome = SINK_RETRY;
        out->unsure = true;
        say(reason, secrets, "HTTP 200 from %s without Slack's \"ok\"", method);
        json_decref(doc);
        return;
    }
    if (json_is_false(ok)) {
        const char *e = json_string_value(json_object_get(doc, "error"));
        char err[65] = "unknown_error";
        if (e && sink_is_token(e, 64))
            snprintf(err, sizeof err, "%s", e);
        out->outcome = SINK_FAILED;
        if (one_of(err, again)) {
            out->outcome = SINK_RETRY;
            /* a server that timed out may have done it */
            out->unsure = strcmp(err, "ratelimited") != 0 && strcmp(err, "rate_limited") != 0;
        } else if (op == OP_INVITE && !one_of(err, auth)) {
            out->outcome = SINK_DELIVERED;
            if (strcmp(err, "already_in_channel") != 0 && strcmp(err, "cant_invite_self") != 0) {
                struct buf w = BUF_INIT;
                say(&w, secrets, "Slack refused the invite: %s", err);
                out->warning = buf_detach(&w);
            }
        } else if ((op == OP_PIN || op == OP_PIN_RUNBOOK) && strcmp(err, "already_pinned") == 0) {
            out->outcome = SINK_DELIVERED;
        } else if (op == OP_CREATE && !st->check && strcmp(err, "name_taken") == 0) {
            unsigned next = suffix_of(st->ref) ? suffix_of(st->ref) + 1 : 2;
            if (next <= SINK_SLACK_NAME_SUFFIX_MAX) {
                /* somebody else's channel has the name: the next suffix */
                char n[16];
                snprintf(n, sizeof n, "%u", next);
                out->outcome = SINK_RETRY;
                out->again_now = true;
                out->ref = xstrdup(n);
                say(reason, secrets, "conversations.create: name_taken (#%s); trying the next name",
                    st->expect ? st->expect : "");
                json_decref(doc);
                return;
            }
        }
        if (out->outcome != SINK_DELIVERED)
            say(reason, secrets, "%s: %s", method, err);
        json_decref(doc);
        return;
    }
    out->outcome = SINK_DELIVERED;
    if (op == OP_CREATE && st->check) {
        if (!find_channel(doc, st->expect, st->started, &out->remote_id, &out->remote_name)) {
            const char *cursor, *next = json_string_value(
                json_object_get(json_object_get(doc, "response_metadata"), "next_cursor"));
            unsigned page = lookup_page(st->ref, &cursor);
            unsigned suffix = suffix_of(st->ref);
            char ref[SINK_REMOTE_ID_MAX + 1];
            out->outcome = SINK_RETRY;
            if (next && is_cursor(next, strlen(next)) && (page ? page : 1) < LOOKUP_PAGES_MAX) {
                /* not on this page: the next one, at once */
                snprintf(ref, sizeof ref, "%u;%u;%s", suffix, page ? page + 1 : 2, next);
                out->check_again = true;
                say(reason, secrets, "not on page %u of Slack's channels; looking at the next", page ? page : 1);
            } else {
                /* the last page: the name's suffix alone, so a later lookup starts at the first */
                snprintf(ref, sizeof ref, "%u", suffix);
                out->again_now = true;
                say(reason, secrets, "not found on Slack after an unconfirmed attempt; creating #%s",
                    st->expect ? st->expect : "");
            }
            out->ref = xstrdup(ref);
        }
    } else if (op == OP_CREATE) {
        json_t *c = json_object_get(doc, "channel");
        const char *id = json_string_value(json_object_get(c, "id"));
        const char *name = json_string_value(json_object_get(c, "name"));
        if (sink_is_token(id, SINK_REMOTE_ID_MAX)) {
            out->remote_id = xstrdup(id);
            out->remote_name = xstrdup(name && sink_is_token(name, SINK_REMOTE_NAME_MAX) ? name
                                                                                         : st->expect ? st->expect : id);
        } else {
            out->outcome = SINK_RETRY;
            out->unsure = true;
            say(reason, secrets, "conversations.create answered ok without a channel id");
        }
    } else if ((op == OP_POST || op == OP_POST_RUNBOOK) && st->check) {
        if (!find_message(doc, st->expect, &out->ref)) {
            out->outcome = SINK_RETRY;
            out->again_now = true;
            say(reason, secrets, "not found on Slack after an unconfirmed attempt; posting again");
        }
    } else if (op == OP_POST || op == OP_POST_RUNBOOK) {
        const char *ts = json_string_value(json_object_get(doc, "ts"));
        if (is_ts(ts)) {
            out->ref = xstrdup(ts);
        } else {
            out->outcome = SINK_RETRY;
            out->unsure = true;
            say(reason, secrets, "chat.postMessage answered ok without a message ts");
        }
    }
    json_decref(doc);
}

static const struct sink_chain channel_chain = {
    .steps = channel_steps,
    .once = channel_once,
    .build = channel_build,
    .read = channel_read,
    .paced = channel_paced,
    .min_interval_ms = 1000,   /* Slack: about one message a second per channel */
};

void sink_slack_channel_link(struct buf *out, const char *id)
{
    buf_adds(out, "https://slack.com/app_redirect?channel=");
    if (sink_is_token(id, SINK_REMOTE_ID_MAX))
        buf_adds(out, id);
}

/* ---- the row of the sink table ---- */

static bool channel_configure(struct sink_settings *s, const struct config *c)
{
    const char *token = sink_setting("WARROOM_SLACK_TOKEN", c, "sinks.slack_channel.token");
    const char *url = sink_setting("WARROOM_SLACK_API_URL", c, "sinks.slack_channel.url");
    if (!token && !url)
        return false;
    s->secret = token ? xstrdup(token) : NULL;
    s->url = xstrdup(url ? url : SINK_SLACK_API_URL);
    if (!token)
        sink_settings_problem(s, "the bot token is missing (WARROOM_SLACK_TOKEN or sinks.slack_channel.token)");
    else if (!sink_is_token(token, 256))
        sink_settings_problem(s, "the bot token is malformed");
    if (!sink_is_web_url(s->url))
        sink_settings_problem(s, "the API URL is not an http(s) URL");
    return true;
}

static bool channel_takes(enum publish_kind kind)
{
    (void)kind;
    return true;
}

/* One request for an item (the composer's preview): its message. */
static int channel_build_one(const char **method, struct buf *url, struct buf *body, struct buf *auth,
                             const struct sink_target *t, const struct publish_item *item, const char *remote_id)
{
    (void)method;
    if (!sink_is_token(remote_id, SINK_REMOTE_ID_MAX))
        return error_set("slack_channel: the incident has no channel yet");
    if (!sink_is_token(t->secret, 256))
        return error_set("slack_channel: the bot token is missing or malformed");
    api_url(url, t, "chat.postMessage");
    buf_printf(auth, "Authorization: Bearer %s", t->secret);
    return sink_slack_channel_message(body, item, remote_id, NULL);
}

static size_t channel_public_prefix(const char *url)
{
    return sink_prefix_of(url, SINK_SLACK_API_URL);
}

const struct sink_ops sink_slack_channel_ops = {
    .type = SINK_SLACK_CHANNEL,
    .name = "slack_channel",
    .names_people = true,
    .configure = channel_configure,
    .takes = channel_takes,
    .build = channel_build_one,
    .public_prefix = channel_public_prefix,
    .chain = &channel_chain,
    .remote_label = "channel",
    .remote_sigil = "#",
    .remote_link = sink_slack_channel_link,
};
