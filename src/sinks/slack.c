/* sinks/slack — Slack incoming-webhook bodies: a notification fallback `text`
 * and Block Kit `blocks`.
 * Everything people typed goes into mrkdwn escaped, so a note can never
 * notify a channel, mention someone or hide a link. Slack's limits (50 blocks,
 * 3,000 characters of section text, 150 in a header) are met by splitting the
 * message over sections and, past the last block, cutting it with a marker. */
#include <string.h>

#include <jansson.h>

#include "warroom/config.h"
#include "warroom/error.h"
#include "warroom/sink.h"
#include "warroom/text.h"

#define NAME_MAX_UNITS 200
/* Look this far back from a forced split for a line break or a space. */
#define SPLIT_LOOKBACK 400

void sink_slack_escape(struct buf *out, const char *text, size_t len)
{
    buf_grow(out, len);
    for (size_t i = 0; i < len; i++) {
        switch (text[i]) {
        case '&':
            buf_adds(out, "&amp;");
            break;
        case '<':
            buf_adds(out, "&lt;");
            break;
        case '>':
            buf_adds(out, "&gt;");
            break;
        default:
            buf_addc(out, text[i]);
        }
    }
}

void sink_slack_add_escaped(struct buf *out, const char *s, size_t max_units, unsigned flags)
{
    struct buf clean = BUF_INIT;
    sink_clean(&clean, s, max_units, flags);
    sink_slack_escape(out, buf_str(&clean), clean.len);
    buf_free(&clean);
}

/* Length of the next indivisible piece of escaped text: an entity or one
 * UTF-8 character. */
static size_t piece_len(const char *s, size_t len)
{
    unsigned char c = (unsigned char)s[0];
    if (c == '&') {
        const char *semi = memchr(s, ';', len < 6 ? len : 6);
        return semi ? (size_t)(semi - s) + 1 : 1;
    }
    size_t n = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
    return n <= len ? n : len;
}

/* The longest prefix of S of whole pieces within MAX_UNITS units. */
static size_t prefix_within(const char *s, size_t len, size_t max_units)
{
    size_t i = 0, used = 0;
    while (i < len) {
        size_t n = piece_len(s + i, len - i);
        size_t u = sink_units(s + i, n);
        if (used + u > max_units)
            break;
        used += u;
        i += n;
    }
    return i;
}

json_t *sink_slack_text_object(const char *type, const char *s, size_t len)
{
    json_t *t = json_object();
    json_object_set_new(t, "type", json_string(type));
    json_object_set_new(t, "text", json_stringn(s, len));
    return t;
}

json_t *sink_slack_section(const char *s, size_t len)
{
    json_t *b = json_object();
    json_object_set_new(b, "type", json_string("section"));
    json_object_set_new(b, "text", sink_slack_text_object("mrkdwn", s, len));
    return b;
}

/* Appends the escaped message M to BLOCKS as sections, using at most MAX_BLOCKS. */
static void add_message(json_t *blocks, const char *m, size_t len, size_t max_blocks)
{
    size_t marker_units = sink_units(SINK_SLACK_CUT_MARKER, strlen(SINK_SLACK_CUT_MARKER));
    size_t pos = 0, used = 0;
    while (pos < len && used < max_blocks) {
        const char *s = m + pos;
        size_t rest = len - pos;
        bool last = used + 1 == max_blocks;
        size_t take = prefix_within(s, rest, SINK_SLACK_SECTION_MAX);
        if (take < rest && last) {
            struct buf cut = BUF_INIT;
            take = prefix_within(s, rest, SINK_SLACK_SECTION_MAX - marker_units - 1);
            buf_add(&cut, s, take);
            buf_addc(&cut, '\n');
            buf_adds(&cut, SINK_SLACK_CUT_MARKER);
            json_array_append_new(blocks, sink_slack_section(buf_str(&cut), cut.len));
            buf_free(&cut);
            return;
        }
        if (take < rest) {
            /* Prefer to break after a line or a word when one is near. */
            for (size_t k = take; k > 0 && take - k < SPLIT_LOOKBACK; k--) {
                if (s[k - 1] == '\n' || s[k - 1] == ' ') {
                    take = k;
                    break;
                }
            }
        }
        pos += take;
        if (strspn(s, " \t\n") >= take)
            continue;  /* Slack refuses a section of blanks */
        json_array_append_new(blocks, sink_slack_section(s, take));
        used++;
    }
}

static const char *headline(const struct publish_item *item)
{
    switch (item->kind) {
    case PUBLISH_DECLARE:
        return "Incident declared";
    case PUBLISH_SEV:
        return "Severity changed";
    case PUBLISH_ROLE:
        return "Roles changed";
    case PUBLISH_UPDATE:
        return "Status update";
    case PUBLISH_PAGE:
        return "Paged";
    case PUBLISH_ACK:
        return "Acknowledged";
    case PUBLISH_ESCALATE:
        return "Escalated";
    case PUBLISH_RESOLVE:
        return "Resolved";
    case PUBLISH_ACTION:
        return "Action item";
    }
    return "Update";
}

static json_t *person_field(const char *role, const char *name)
{
    struct buf b = BUF_INIT;
    buf_printf(&b, "*%s*\n", role);
    if (name && *name)
        sink_slack_add_escaped(&b, name, NAME_MAX_UNITS, 0);
    else
        buf_adds(&b, "_unassigned_");
    json_t *f = sink_slack_text_object("mrkdwn", buf_str(&b), b.len);
    buf_free(&b);
    return f;
}

int sink_build_slack(struct buf *out, const struct publish_item *item)
{
    struct buf sev = BUF_INIT, sev_esc = BUF_INIT, line = BUF_INIT, msg = BUF_INIT;
    json_t *doc = NULL;
    int rc = -1;

    if (!item->title || !item->incident_id) {
        rc = error_set("slack: the incident title or id is missing");
        goto done;
    }
    sink_sev_label(&sev, item);
    sink_slack_escape(&sev_esc, buf_str(&sev), sev.len);
    const char *state = item->state != PUBLISH_STATE_NONE ? publish_state_name(item->state)
                        : item->status                    ? item->status
                                                          : NULL;
    sink_slack_add_escaped(&msg, item->text, SINK_TEXT_MAX_BYTES, TEXT_KEEP_NEWLINES | TEXT_KEEP_TABS);

    doc = json_object();

    /* The fallback shows in notifications: severity, title, what happened. */
    buf_printf(&line, "[%s] ", buf_str(&sev_esc));
    sink_slack_add_escaped(&line, item->title, SINK_SLACK_FALLBACK_MAX, 0);
    buf_printf(&line, ": %s", headline(item));
    if (state) {
        buf_adds(&line, " (");
        sink_slack_add_escaped(&line, state, NAME_MAX_UNITS, 0);
        buf_addc(&line, ')');
    }
    if (msg.len) {
        buf_adds(&line, " \xe2\x80\x94 ");
        buf_add(&line, msg.data, prefix_within(msg.data, msg.len, SINK_SLACK_FALLBACK_MAX));
    }
    line.len = prefix_within(line.data, line.len, SINK_SLACK_FALLBACK_MAX);
    line.data[line.len] = '\0';
    json_object_set_new(doc, "text", json_stringn(line.data, line.len));

    json_t *blocks = json_array();
    json_object_set_new(doc, "blocks", blocks);

    /* Header: plain_text is never parsed for mentions or links, so it is not
     * escaped (escaping would show the entities literally). */
    buf_reset(&line);
    buf_printf(&line, "%s \xc2\xb7 ", buf_str(&sev));
    sink_clean_line(&line, item->title, SINK_SLACK_HEADER_MAX);
    sink_cut(&line, 0, SINK_SLACK_HEADER_MAX, "\xe2\x80\xa6");
    json_t *header = json_object();
    json_object_set_new(header, "type", json_string("header"));
    json_t *plain = sink_slack_text_object("plain_text", line.data, line.len);
    json_object_set_new(plain, "emoji", json_true());
    json_object_set_new(header, "text", plain);
    json_array_append_new(blocks, header);

    /* Status, with the roles as fields. */
    buf_reset(&line);
    buf_printf(&line, "*%s*", headline(item));
    if (state) {
        buf_adds(&line, " \xc2\xb7 Status: *");
        sink_slack_add_escaped(&line, state, NAME_MAX_UNITS, 0);
        buf_addc(&line, '*');
    }
    buf_adds(&line, "\n`");
    sink_slack_add_escaped(&line, item->incident_id, NAME_MAX_UNITS, 0);
    buf_addc(&line, '`');
    json_t *status = sink_slack_section(line.data, line.len);
    json_t *fields = json_array();
    json_array_append_new(fields, person_field("IC", item->ic));
    json_array_append_new(fields, person_field("Comms", item->comms));
    json_object_set_new(status, "fields", fields);
    json_array_append_new(blocks, status);

    add_message(blocks, buf_str(&msg), msg.len, SINK_SLACK_BLOCKS_MAX - json_array_size(blocks));
    rc = sink_json_dump(out, doc);
done:
    json_decref(doc);
    buf_free(&sev);
    buf_free(&sev_esc);
    buf_free(&line);
    buf_free(&msg);
    return rc;
}

/* ---- Slack's row of the sink table ---- */

#define SLACK_PUBLIC_PREFIX "https://hooks.slack.com/services"

static bool slack_configure(struct sink_settings *s, const struct config *c)
{
    const char *v = sink_setting("WARROOM_SLACK_WEBHOOK", c, "sinks.slack.webhook_url");
    if (!v)
        return false;
    s->url = xstrdup(v);
    if (!sink_is_web_url(v))
        sink_settings_problem(s, "the webhook URL is not an http(s) URL");
    return true;
}

static bool slack_takes(enum publish_kind kind)
{
    /* action items become tickets (Linear), not announcements */
    return kind != PUBLISH_ACK && kind != PUBLISH_PAGE && kind != PUBLISH_ACTION;
}

static int build_hook(const char **method, struct buf *url, struct buf *body, struct buf *auth,
                      const struct sink_target *t, const struct publish_item *item, const char *remote_id)
{
    (void)method, (void)auth, (void)remote_id;
    if (!sink_is_web_url(t->url))
        return error_set("%s: the URL is missing or not an http(s) URL", "slack");
    buf_adds(url, t->url);
    return sink_build_slack(body, item);
}

static size_t slack_public_prefix(const char *url)
{
    return sink_prefix_of(url, SLACK_PUBLIC_PREFIX);
}

const struct sink_ops sink_slack_ops = {
    .type = SINK_SLACK,
    .name = "slack",
    .configure = slack_configure,
    .takes = slack_takes,
    .build = build_hook,
    .text_replies = true,   /* Slack answers "invalid_payload" in plain text */
    .public_prefix = slack_public_prefix,
};
