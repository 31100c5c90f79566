/* sinks/linear — Linear GraphQL requests and the reading of their answers.
 * Shaped by Linear's schema (packages/sdk/src/schema.graphql): issueCreate
 * takes an IssueCreateInput, whose only required field is teamId and whose
 * id may be a UUID chosen by the client. warroom chooses it, from the
 * incident and the event, so every retry asks for the same ticket and Linear
 * cannot make a second one. GraphQL answers a failure with a 200 (or a 400)
 * and an "errors" array: that is read as the failure it is, Linear's
 * RATELIMITED error as a reason to wait, anything else as a refusal. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "warroom/config.h"
#include "warroom/error.h"
#include "warroom/people.h"
#include "warroom/sink.h"
#include "warroom/text.h"

#define KEY_MAX 256
#define WORDS_MAX 400

static const char create_mutation[] =
    "mutation IssueCreate($input: IssueCreateInput!) "
    "{ issueCreate(input: $input) { success issue { id identifier url } } }";

static const char states_query[] =
    "query TicketStates($ids: [ID!], $first: Int) "
    "{ issues(filter: {id: {in: $ids}}, first: $first, includeArchived: true) "
    "{ nodes { id identifier state { type } } } }";

/* ---- ids ---- */

static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static uint64_t fnv64(uint64_t h, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= UINT64_C(0x100000001b3);
    }
    return h;
}

void sink_linear_issue_id(char *out, const char *incident_id, const char *event_id)
{
    /* Two independent 64-bit hashes of "incident NUL event": the same ticket
     * id on every host and run, a different one for every other event. */
    const char *inc = incident_id ? incident_id : "", *ev = event_id ? event_id : "";
    uint64_t a = UINT64_C(0xcbf29ce484222325), b = UINT64_C(0x84222325cbf29ce4);
    a = fnv64(fnv64(a, inc, strlen(inc) + 1), ev, strlen(ev));
    b = fnv64(fnv64(b, ev, strlen(ev) + 1), inc, strlen(inc));
    a = mix64(a ^ mix64(b));
    b = mix64(b + UINT64_C(0x9e3779b97f4a7c15));
    unsigned char u[16];
    for (int i = 0; i < 8; i++) {
        u[i] = (unsigned char)(a >> (8 * i));
        u[8 + i] = (unsigned char)(b >> (8 * i));
    }
    u[6] = (unsigned char)((u[6] & 0x0F) | 0x40);   /* version 4 */
    u[8] = (unsigned char)((u[8] & 0x3F) | 0x80);   /* RFC 4122 variant */
    static const char hex[] = "0123456789abcdef";
    size_t k = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[k++] = '-';
        out[k++] = hex[u[i] >> 4];
        out[k++] = hex[u[i] & 15];
    }
    out[k] = '\0';
}

bool sink_linear_is_uuid(const char *s)
{
    if (!s || strlen(s) != SINK_LINEAR_UUID_LEN)
        return false;
    for (size_t i = 0; i < SINK_LINEAR_UUID_LEN; i++) {
        char c = s[i];
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? c != '-' : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
            return false;
    }
    return true;
}

int sink_linear_priority(const struct publish_item *item)
{
    if (item->kind == PUBLISH_ACTION) {
        const char *p = item->priority;
        if (p && p[0] == 'P' && p[1] >= '1' && p[1] <= '4' && !p[2])
            return p[1] - '0';
        return 0;
    }
    return item->sev <= 0 ? 0 : item->sev >= 4 ? 4 : item->sev;
}

/* ---- issueCreate ---- */

static bool is_date(const char *s)
{
    /* Linear's TimelessDate: YYYY-MM-DD */
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return false;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return false;
    return true;
}

static void add_line(struct buf *md, const char *label, const char *value)
{
    if (!value || !*value)
        return;
    buf_printf(md, "- %s: ", label);
    sink_clean_line(md, value, 400);
    buf_addc(md, '\n');
}

int sink_build_linear(struct buf *out, const char *team, const char *const *labels, size_t nlabels,
                      const struct publish_item *item, struct buf *warning)
{
    struct buf title = BUF_INIT, md = BUF_INIT;
    json_t *doc = NULL;
    char id[SINK_LINEAR_UUID_LEN + 1];
    int rc = -1;

    if (item->kind != PUBLISH_DECLARE && item->kind != PUBLISH_ACTION) {
        rc = error_set("linear does not take a %s", publish_kind_name(item->kind));
        goto done;
    }
    if (!sink_linear_is_uuid(team)) {
        rc = error_set("linear: the team id is missing or not a UUID");
        goto done;
    }
    if (!item->incident_id || !*item->incident_id || !item->event_id || !*item->event_id) {
        rc = error_set("linear: the incident or event id is missing");
        goto done;
    }
    sink_linear_issue_id(id, item->incident_id, item->event_id);

    json_t *input = json_object();
    json_object_set_new(input, "id", json_string(id));
    json_object_set_new(input, "teamId", json_string(team));
    if (item->kind == PUBLISH_DECLARE) {
        buf_addc(&title, '[');
        sink_sev_label(&title, item);
        buf_adds(&title, "] ");
        sink_clean_line(&title, item->title, SINK_LINEAR_TITLE_MAX);
        buf_adds(&md, "Incident ");
        sink_clean_line(&md, item->incident_id, 200);
        buf_adds(&md, ", declared in warroom.\n\n");
        sink_clean(&md, item->text, SINK_LINEAR_DESCRIPTION_MAX / 2, TEXT_KEEP_NEWLINES);
        buf_adds(&md, "\n\n");
        add_line(&md, "Status", item->status);
        add_line(&md, "Incident commander", item->ic);
        add_line(&md, "Comms", item->comms);
        if (sink_is_web_url(item->runbook_url))
            add_line(&md, "Runbook", item->runbook_url);
        if (sink_is_web_url(item->dashboard_url))
            add_line(&md, "Dashboard", item->dashboard_url);
    } else {
        buf_adds(&title, "[");
        sink_clean_line(&title, item->action_item ? item->action_item : "action", 16);
        buf_adds(&title, "] ");
        sink_clean_line(&title, item->text, SINK_LINEAR_TITLE_MAX);
        buf_adds(&md, "Action item ");
        sink_clean_line(&md, item->action_item ? item->action_item : "", 16);
        buf_adds(&md, " of incident ");
        sink_clean_line(&md, item->incident_id, 200);
        buf_adds(&md, ": ");
        sink_clean_line(&md, item->title, SINK_LINEAR_TITLE_MAX);
        buf_adds(&md, "\n\n");
        sink_clean(&md, item->text, SINK_LINEAR_DESCRIPTION_MAX / 2, TEXT_KEEP_NEWLINES);
        buf_adds(&md, "\n\n");
        add_line(&md, "Owner", item->owner);
        add_line(&md, "Due", item->due);
        add_line(&md, "Priority", item->priority);
        /* the owner as assignee, when the directory knows their Linear id;
         * else the ticket goes unassigned and the delivery says why */
        const char *user = NULL;
        if (item->owner && *item->owner) {
            if (people_require(&user, item->people, item->owner, PEOPLE_LINEAR) < 0 || !sink_linear_is_uuid(user)) {
                if (warning) {
                    buf_adds(warning, warning->len ? "; unassigned: " : "unassigned: ");
                    sink_clean_line(warning, error_last(), 300);
                }
                error_clear();
                user = NULL;
            }
        }
        if (user)
            json_object_set_new(input, "assigneeId", json_string(user));
        if (is_date(item->due))
            json_object_set_new(input, "dueDate", json_string(item->due));
    }
    sink_cut(&title, 0, SINK_LINEAR_TITLE_MAX, "\xe2\x80\xa6");
    sink_cut(&md, 0, SINK_LINEAR_DESCRIPTION_MAX, "\xe2\x80\xa6");
    json_object_set_new(input, "title", json_stringn(buf_str(&title), title.len));
    json_object_set_new(input, "description", json_stringn(buf_str(&md), md.len));
    int prio = sink_linear_priority(item);
    if (prio)
        json_object_set_new(input, "priority", json_integer(prio));
    if (nlabels) {
        json_t *ids = json_array();
        for (size_t i = 0; i < nlabels && i < SINK_LINEAR_LABELS_MAX; i++)
            if (sink_linear_is_uuid(labels[i]))
                json_array_append_new(ids, json_string(labels[i]));
        json_object_set_new(input, "labelIds", ids);
    }
    doc = json_object();
    json_object_set_new(doc, "query", json_string(create_mutation));
    json_object_set_new(doc, "operationName", json_string("IssueCreate"));
    json_t *vars = json_object();
    json_object_set_new(vars, "input", input);
    json_object_set_new(doc, "variables", vars);
    rc = sink_json_dump(out, doc);
done:
    json_decref(doc);
    buf_free(&title);
    buf_free(&md);
    return rc;
}

/* ---- answers ---- */

int sink_linear_errors(struct buf *words, const char *body, size_t len)
{
    json_error_t jerr;
    json_t *doc = json_loadb(body ? body : "", len, 0, &jerr), *e;
    json_t *errors = json_object_get(doc, "errors");
    size_t i;
    int rc = -1;
    if (!json_is_array(errors) || json_array_size(errors) == 0)
        goto done;
    rc = 0;
    size_t start = words->len;
    json_array_foreach(errors, i, e) {
        json_t *ext = json_object_get(e, "extensions");
        const char *code = json_string_value(json_object_get(ext, "code"));
        const char *type = json_string_value(json_object_get(ext, "type"));
        /* the words Linear means for people, else the developer's message */
        const char *msg = json_string_value(json_object_get(ext, "userPresentableMessage"));
        if (!msg)
            msg = json_string_value(json_object_get(e, "message"));
        if ((code && strcmp(code, "RATELIMITED") == 0) || (type && strcasecmp(type, "ratelimited") == 0))
            rc = 1;
        if (words->len - start < WORDS_MAX) {
            if (words->len > start)
                buf_adds(words, "; ");
            sink_clean_line(words, msg ? msg : "GraphQL error", WORDS_MAX);
            if (code)
                buf_printf(words, " (%.40s)", code);
        }
    }
done:
    json_decref(doc);
    return rc;
}

/* Linear's answer to a create whose id already exists: the ticket is there,
 * made by an earlier attempt whose answer was lost. */
static bool says_exists(const char *body, size_t len)
{
    struct buf w = BUF_INIT;
    bool exists = false;
    if (sink_linear_errors(&w, body, len) == 0) {
        char *lower = xstrdup(buf_str(&w));
        for (char *p = lower; *p; p++)
            *p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
        exists = strstr(lower, "already exists") || strstr(lower, "duplicate") || strstr(lower, "conflict");
        free(lower);
    }
    buf_free(&w);
    return exists;
}

static bool is_identifier(const char *s)
{
    /* "ENG-123": a team key, a dash, a number */
    if (!s || strlen(s) >= 32 || !strchr(s, '-'))
        return false;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' ||
              *p == '_'))
            return false;
    return true;
}

static int linear_verdict(const struct deliver_result *r, struct buf *words)
{
    long st = r->http_status;
    if (st >= 500 || (st != 200 && st != 400))
        return -1;   /* the status tells: 5xx and 429 retry, the rest refused */
    int errs = sink_linear_errors(words, r->body, r->body_len);
    if (errs == 1) {
        buf_adds(words, " [rate limited]");
        return SINK_RETRY;
    }
    if (errs == 0) {
        if (says_exists(r->body, r->body_len)) {
            buf_reset(words);
            buf_adds(words, "already created");
            return SINK_DELIVERED;
        }
        return SINK_FAILED;
    }
    if (st == 400)
        return -1;
    json_error_t jerr;
    json_t *doc = json_loadb(r->body ? r->body : "", r->body_len, 0, &jerr);
    json_t *payload = json_object_get(json_object_get(doc, "data"), "issueCreate");
    int rc;
    if (!json_is_object(payload)) {
        /* it may have been made; asking again for the same id is safe */
        buf_adds(words, "the reply has no issueCreate result");
        rc = SINK_RETRY;
    } else if (!json_is_true(json_object_get(payload, "success"))) {
        buf_adds(words, "issueCreate answered success: false");
        rc = SINK_FAILED;
    } else {
        const char *ident = json_string_value(json_object_get(json_object_get(payload, "issue"), "identifier"));
        if (is_identifier(ident))
            buf_adds(words, ident);
        rc = SINK_DELIVERED;
    }
    json_decref(doc);
    return rc;
}

/* ---- reading tickets back ---- */

int sink_linear_states_query(struct buf *out, const char *const *ids, size_t n)
{
    if (n > SINK_LINEAR_QUERY_IDS_MAX)
        return error_set("linear: at most %d tickets in one query", SINK_LINEAR_QUERY_IDS_MAX);
    json_t *doc = json_object(), *list = json_array();
    for (size_t i = 0; i < n; i++)
        if (sink_linear_is_uuid(ids[i]))
            json_array_append_new(list, json_string(ids[i]));
    json_object_set_new(doc, "query", json_string(states_query));
    json_object_set_new(doc, "operationName", json_string("TicketStates"));
    json_t *vars = json_object();
    json_object_set_new(vars, "ids", list);
    json_object_set_new(vars, "first", json_integer(SINK_LINEAR_QUERY_IDS_MAX));
    json_object_set_new(doc, "variables", vars);
    int rc = sink_json_dump(out, doc);
    json_decref(doc);
    return rc;
}

int sink_linear_states_parse(struct sink_linear_ticket **out, size_t *n, const char *body, size_t len)
{
    struct buf words = BUF_INIT;
    *out = NULL;
    *n = 0;
    int errs = sink_linear_errors(&words, body, len);
    if (errs >= 0) {
        int rc = error_set("linear: %s%s", buf_str(&words), errs == 1 ? " [rate limited]" : "");
        buf_free(&words);
        return rc;
    }
    buf_free(&words);
    json_error_t jerr;
    json_t *doc = json_loadb(body ? body : "", len, 0, &jerr), *node;
    json_t *nodes = json_object_get(json_object_get(json_object_get(doc, "data"), "issues"), "nodes");
    size_t i;
    if (!json_is_array(nodes)) {
        json_decref(doc);
        return error_set("linear: the reply has no list of issues");
    }
    *out = xcalloc(json_array_size(nodes) + 1, sizeof **out);
    json_array_foreach(nodes, i, node) {
        const char *id = json_string_value(json_object_get(node, "id"));
        const char *ident = json_string_value(json_object_get(node, "identifier"));
        const char *type = json_string_value(json_object_get(json_object_get(node, "state"), "type"));
        if (!sink_linear_is_uuid(id))
            continue;
        struct sink_linear_ticket *t = &(*out)[(*n)++];
        snprintf(t->id, sizeof t->id, "%s", id);
        for (char *p = t->id; *p; p++)
            *p = (char)(*p >= 'A' && *p <= 'F' ? *p + 32 : *p);
        if (is_identifier(ident))
            snprintf(t->identifier, sizeof t->identifier, "%s", ident);
        if (type && strlen(type) < sizeof t->state && sink_is_token(type, sizeof t->state - 1))
            snprintf(t->state, sizeof t->state, "%s", type);
    }
    json_decref(doc);
    return 0;
}

/* ---- Linear's row of the sink table ---- */

/* The settings beyond the key and URL, kept as one JSON object for build:
 * {"team": id, "labels": [ids], "postmortem_label": id}. */
static bool linear_configure(struct sink_settings *s, const struct config *c)
{
    const char *key = sink_setting("LINEAR_API_KEY", c, "sinks.linear.api_key");
    if (!key)
        return false;
    s->secret = xstrdup(key);
    const char *url = sink_setting("WARROOM_LINEAR_URL", c, "sinks.linear.url");
    s->url = xstrdup(url ? url : SINK_LINEAR_URL);
    const char *team = sink_setting("WARROOM_LINEAR_TEAM", c, "sinks.linear.team");
    json_t *extra = json_object(), *labels = json_array(), *v;
    size_t i;
    if (!team)
        sink_settings_problem(s, "no team: set WARROOM_LINEAR_TEAM or sinks.linear.team to the team's id");
    else if (!sink_linear_is_uuid(team))
        sink_settings_problem(s, "the team is not a Linear id (a UUID)");
    else
        json_object_set_new(extra, "team", json_string(team));
    json_t *cl = config_value(c, "sinks.linear.labels");
    if (cl && !json_is_array(cl))
        sink_settings_problem(s, "sinks.linear.labels is a list of label ids");
    json_array_foreach(cl, i, v) {
        if (!sink_linear_is_uuid(json_string_value(v)) || i >= SINK_LINEAR_LABELS_MAX) {
            sink_settings_problem(s, "sinks.linear.labels holds something that is not a label id (a UUID)");
            break;
        }
        json_array_append(labels, v);
    }
    json_object_set_new(extra, "labels", labels);
    const char *pm = config_string(c, "sinks.linear.postmortem_label");
    if (pm && !sink_linear_is_uuid(pm))
        sink_settings_problem(s, "sinks.linear.postmortem_label is not a label id (a UUID)");
    else if (pm)
        json_object_set_new(extra, "postmortem_label", json_string(pm));
    char *dump = json_dumps(extra, JSON_COMPACT);
    s->extra = dump ? xstrdup(dump) : NULL;
    free(dump);
    json_decref(extra);
    /* personal API keys (lin_api_...) are sent as they are */
    if (!sink_is_token(key, KEY_MAX))
        sink_settings_problem(s, "the API key is malformed (letters, digits, - and _ only)");
    if (!sink_is_web_url(s->url))
        sink_settings_problem(s, "the GraphQL URL is not an http(s) URL");
    return true;
}

static bool linear_takes(enum publish_kind kind)
{
    return kind == PUBLISH_DECLARE || kind == PUBLISH_ACTION;
}

static int linear_build(const char **method, struct buf *url, struct buf *body, struct buf *auth,
                        const struct sink_target *t, const struct publish_item *item, const char *remote_id)
{
    (void)method, (void)remote_id;
    const char *endpoint = t->url && *t->url ? t->url : SINK_LINEAR_URL;
    if (!sink_is_web_url(endpoint))
        return error_set("linear: the GraphQL URL must be an http(s) URL");
    if (!sink_is_token(t->secret, KEY_MAX))
        return error_set("linear: the API key is missing or malformed");
    json_error_t jerr;
    json_t *extra = t->extra ? json_loads(t->extra, 0, &jerr) : NULL, *v;
    const char *labels[SINK_LINEAR_LABELS_MAX + 1];
    size_t n = 0, i;
    if (item->kind == PUBLISH_ACTION) {
        const char *pm = json_string_value(json_object_get(extra, "postmortem_label"));
        if (pm)
            labels[n++] = pm;
        else if (item->warning)
            buf_printf(item->warning, "%sno \"" SINK_LINEAR_POSTMORTEM_LABEL "\" label: set sinks.linear.postmortem_label",
                       item->warning->len ? "; " : "");
    } else {
        json_array_foreach(json_object_get(extra, "labels"), i, v) if (n < SINK_LINEAR_LABELS_MAX && json_is_string(v))
            labels[n++] = json_string_value(v);
    }
    buf_adds(url, endpoint);
    int rc = sink_build_linear(body, json_string_value(json_object_get(extra, "team")), labels, n, item, item->warning);
    if (rc == 0)
        buf_printf(auth, "Authorization: %s", t->secret);
    json_decref(extra);
    return rc;
}

static size_t linear_public_prefix(const char *url)
{
    return sink_prefix_of(url, SINK_LINEAR_URL);
}

const struct sink_ops sink_linear_ops = {
    .type = SINK_LINEAR,
    .name = "linear",
    .names_people = true,
    .configure = linear_configure,
    .takes = linear_takes,
    .build = linear_build,
    .public_prefix = linear_public_prefix,
    .verdict = linear_verdict,
};
