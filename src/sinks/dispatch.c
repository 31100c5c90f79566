/* sinks/dispatch — what the outbox, the composer's preview and masking call:
 * each call finds the provider's row in the sink table and asks it. The
 * shared helpers the providers use are in sink.c, which knows no table. */
#include "warroom/sink.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "warroom/error.h"
#include "warroom/text.h"

#define MASK SINK_MASK

const struct sink_ops *sink_ops_of(enum sink_type type)
{
    return (size_t)type < SINK_TYPE_COUNT ? sink_table[type] : NULL;
}

int sink_type_from_name(enum sink_type *out, const char *name)
{
    for (size_t i = 0; name && i < SINK_TYPE_COUNT; i++)
        if (strcmp(sink_table[i]->name, name) == 0) {
            *out = sink_table[i]->type;
            return 0;
        }
    /* the expected names, from the table: "a, b, c or d" */
    struct buf names = BUF_INIT;
    for (size_t i = 0; i < SINK_TYPE_COUNT; i++)
        buf_printf(&names, "%s%s", i == 0 ? "" : i + 1 == SINK_TYPE_COUNT ? " or " : ", ", sink_table[i]->name);
    int rc = error_set("unknown sink (expected %s)", buf_str(&names));
    buf_free(&names);
    return rc;
}

const char *sink_type_name(enum sink_type type)
{
    const struct sink_ops *ops = sink_ops_of(type);
    return ops ? ops->name : "?";
}

bool sink_takes(enum sink_type type, enum publish_kind kind)
{
    const struct sink_ops *ops = sink_ops_of(type);
    return ops && ops->takes(kind);
}

int sink_build_request(struct sink_request *out, const struct sink_target *t,
                       const struct publish_item *item, const char *remote_id)
{
    struct buf url = BUF_INIT, body = BUF_INIT, auth = BUF_INIT;
    int rc = -1;

    memset(out, 0, sizeof *out);
    if (!sink_takes(t->type, item->kind))
        return 0;
    out->method = "POST";
    const struct sink_ops *ops = sink_ops_of(t->type);
    rc = ops ? ops->build(&out->method, &url, &body, &auth, t, item, remote_id) : error_set("unknown sink");
    if (rc < 0)
        goto done;

    out->headers[out->n_headers++] = xstrdup("Content-Type: application/json");
    if (auth.len)
        out->headers[out->n_headers++] = buf_detach(&auth);
    out->url = buf_detach(&url);
    out->body_len = body.len;
    out->body = buf_detach(&body);
    rc = 1;
done:
    if (rc < 0)
        sink_request_free(out);
    buf_free(&url);
    buf_free(&body);
    /* The key was in here: wipe before giving the memory back. */
    if (auth.data)
        memset(auth.data, 0, auth.cap);
    buf_free(&auth);
    return rc;
}

void sink_step_result_free(struct sink_step_result *r)
{
    free(r->remote_id);
    free(r->ref);
    free(r->warning);
    free(r->remote_name);
    memset(r, 0, sizeof *r);
}

int sink_build_step(struct sink_request *out, struct buf *expect, struct buf *warning, const struct sink_target *t,
                    const struct publish_item *item, const struct sink_step *st)
{
    struct buf url = BUF_INIT, body = BUF_INIT, auth = BUF_INIT;
    const struct sink_ops *ops = sink_ops_of(t->type);
    int rc;

    memset(out, 0, sizeof *out);
    out->method = "POST";
    rc = ops && ops->chain ? ops->chain->build(&out->method, &url, &body, &auth, expect, warning, t, item, st)
                           : error_set("this sink has no steps");
    if (rc > 0) {
        if (body.len)
            out->headers[out->n_headers++] = xstrdup("Content-Type: application/json; charset=utf-8");
        if (auth.len)
            out->headers[out->n_headers++] = buf_detach(&auth);
        out->url = buf_detach(&url);
        out->body_len = body.len;
        out->body = body.len ? buf_detach(&body) : NULL;
    }
    buf_free(&url);
    buf_free(&body);
    if (auth.data)
        memset(auth.data, 0, auth.cap);
    buf_free(&auth);
    return rc;
}

size_t sink_public_prefix(const struct sink_target *t)
{
    /* what each provider publishes of its own URLs: its documentation, not
     * the user's secret */
    const struct sink_ops *ops = sink_ops_of(t->type);
    return sink_public_prefix_by(t, ops ? ops->public_prefix : NULL);
}

size_t sink_target_secrets(const struct sink_target *t, const char **out)
{
    size_t n = 0;
    const char *hidden = t->url ? sink_url_secret(t->url) : NULL;
    size_t pub = sink_public_prefix(t);
    if (hidden && pub && (size_t)(hidden - t->url) < pub)
        hidden = t->url[pub] ? t->url + pub : NULL;
    if (hidden && *hidden)
        out[n++] = hidden;
    if (t->secret && *t->secret)
        out[n++] = t->secret;
    const struct sink_ops *ops = sink_ops_of(t->type);
    const char *more = ops && ops->more_secret ? ops->more_secret(t) : NULL;
    if (more && *more)
        out[n++] = more;
    out[n] = NULL;
    return n;
}

char *sink_mask_target_url(const struct sink_target *t, const char *url)
{
    if (!url)
        return xstrdup(MASK);
    const struct sink_ops *ops = sink_ops_of(t->type);
    char *own = ops && ops->mask_url ? ops->mask_url(t, url) : NULL;
    if (own)
        return own;
    struct sink_target u = *t;
    u.url = url;
    return sink_mask_url_keeping(url, sink_public_prefix(&u));
}

static void squeeze_line(struct buf *out, const char *s, size_t len)
{
    struct buf clean = BUF_INIT;
    size_t start = out->len;
    text_clean(&clean, s, len, 0);
    bool space = false;
    for (size_t i = 0; i < clean.len; i++) {
        char c = clean.data[i];
        if (c == ' ') {
            space = out->len > start;
            continue;
        }
        if (space)
            buf_addc(out, ' ');
        space = false;
        buf_addc(out, c);
    }
    buf_free(&clean);
}

static void add_strings(struct buf *out, json_t *v, const char *sep)
{
    if (json_is_string(v)) {
        if (out->len)
            buf_adds(out, sep);
        buf_add(out, json_string_value(v), json_string_length(v));
    } else if (json_is_array(v)) {
        size_t i;
        json_t *e;
        json_array_foreach(v, i, e) add_strings(out, e, sep);
    } else if (json_is_object(v)) {
        add_strings(out, json_object_get(v, "message"), sep);
    }
}

/* The provider's own words from an error reply: PagerDuty's
 * {"status","message","errors"}, Statuspage's {"error": ...}, or text as is
 * (Slack answers "invalid_payload" in plain text). */
static void provider_text(struct buf *out, enum sink_type type, const char *body, size_t len)
{
    struct buf words = BUF_INIT, extra = BUF_INIT;
    json_t *doc = NULL;
    const struct sink_ops *ops = sink_ops_of(type);
    if (!(ops && ops->text_replies) && len && (body[0] == '{' || body[0] == '[')) {
        json_error_t jerr;
        doc = json_loadb(body, len, 0, &jerr);
    }
    if (json_is_object(doc)) {
        const char *status = json_string_value(json_object_get(doc, "status"));
        add_strings(&words, json_object_get(doc, "message"), "; ");
        add_strings(&words, json_object_get(doc, "error"), "; ");
        if (status && (!words.len || strcmp(status, buf_str(&words)) != 0)) {
            struct buf both = BUF_INIT;
            buf_adds(&both, status);
            if (words.len)
                buf_printf(&both, ": %s", buf_str(&words));
            buf_free(&words);
            words = both;
        }
        add_strings(&extra, json_object_get(doc, "errors"), "; ");
        if (extra.len)
            buf_printf(&words, " (%s)", buf_str(&extra));
        if (!words.len)
            buf_add(&words, body, len);
    } else {
        buf_add(&words, body, len);
    }
    squeeze_line(out, buf_str(&words), words.len);
    json_decref(doc);
    buf_free(&words);
    buf_free(&extra);
}

static const char *transport_words(enum deliver_error e)
{
    switch (e) {
    case DELIVER_TIMEOUT:
        return "timed out";
    case DELIVER_CONNECT:
        return "could not connect";
    case DELIVER_NETWORK:
        return "connection broke off";
    case DELIVER_REFUSED:
        return "request refused";
    case DELIVER_OK:
        break;
    }
    return "failed";
}

enum sink_outcome sink_classify(enum sink_type type, const struct deliver_result *r,
                                const char *const *secrets, struct buf *reason)
{
    return sink_classify_at(type, r, secrets, NULL, reason);
}

enum sink_outcome sink_classify_at(enum sink_type type, const struct deliver_result *r,
                                   const char *const *secrets, const char *shown_url,
                                   struct buf *reason)
{
    enum sink_outcome outcome;
    struct buf raw = BUF_INIT;
    long st = r->http_status;

    const struct sink_ops *judge = sink_ops_of(type);
    struct buf said = BUF_INIT;
    int verdict = r->error == DELIVER_OK && judge && judge->verdict ? judge->verdict(r, &said) : -1;
    if (verdict == SINK_DELIVERED || verdict == SINK_ACCEPTED) {
        /* a receipt: the provider's id for what it did, cleaned and bounded */
        size_t start = reason->len;
        struct buf line = BUF_INIT;
        squeeze_line(&line, buf_str(&said), said.len);
        sink_scrub(reason, buf_str(&line), secrets);
        sink_cut(reason, start, SINK_REMOTE_ID_MAX * 2, NULL);
        buf_free(&line);
        buf_free(&said);
        return (enum sink_outcome)verdict;
    }
    if (verdict >= 0) {
        /* the provider's own verdict in a reply whose status would not tell */
        outcome = (enum sink_outcome)verdict;
        buf_printf(&raw, "HTTP %ld: ", st);
        squeeze_line(&raw, buf_str(&said), said.len);
    } else if (r->error != DELIVER_OK) {
        outcome = r->error == DELIVER_REFUSED ? SINK_FAILED : SINK_RETRY;
        buf_adds(&raw, transport_words(r->error));
        if (shown_url && r->error == DELIVER_CONNECT)
            buf_printf(&raw, " to %s", shown_url);
        if (r->error_text && *r->error_text) {
            buf_adds(&raw, ": ");
            squeeze_line(&raw, r->error_text, strlen(r->error_text));
        }
    } else if (st >= 200 && st <= 299) {
        return SINK_DELIVERED;
    } else {
        const struct sink_ops *ops = sink_ops_of(type);
        bool again = ops && ops->retries ? ops->retries(st) : sink_status_retries(st);
        outcome = again ? SINK_RETRY : SINK_FAILED;
        buf_printf(&raw, "HTTP %ld", st);
        /* the address is the likely mistake: say which one was tried */
        if (shown_url && ((st >= 300 && st <= 399) || st == 404 || st == 405 || st == 410))
            buf_printf(&raw, " from %s", shown_url);
        if (st >= 300 && st <= 399)
            buf_adds(&raw, " (redirects are not followed)");
        struct buf words = BUF_INIT;
        provider_text(&words, type, r->body ? r->body : "", r->body ? r->body_len : 0);
        if (words.len)
            buf_printf(&raw, ": %s", buf_str(&words));
        buf_free(&words);
    }
    buf_free(&said);
    size_t start = reason->len;
    sink_scrub(reason, buf_str(&raw), secrets);
    sink_cut(reason, start, SINK_REASON_MAX, "\xe2\x80\xa6");
    while (reason->len - start > SINK_REASON_MAX) {  /* units, then bytes */
        reason->len = start + sink_utf8_boundary(reason->data + start, reason->len - start,
                                                 SINK_REASON_MAX);
        reason->data[reason->len] = '\0';
    }
    buf_free(&raw);
    return outcome;
}
