/* email_smtp — one SMTP submission through libcurl (see email.h).
 * Why an attempt ended decides what the caller may do next, so this file
 * watches two things libcurl does not report: whether the message's data
 * started to leave (libcurl reads it only after the server's 354), and the
 * server's replies, seen through the debug callback (only what the server
 * says is kept, never what is sent, which holds the AUTH exchange). */
#include "warroom/email.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "warroom/error.h"
#include "warroom/sink.h"
#include "warroom/text.h"

const char *email_outcome_name(enum email_outcome o)
{
    static const char *const names[] = {"sent", "deferred", "refused", "unknown"};
    return names[o];
}

/* ---- the URL ---- */

int email_server_parse(struct email_server *s, struct buf *url_out, struct buf *host_out, const char *url,
                       const char *what)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *port = NULL, *user = NULL, *password = NULL, *query = NULL, *built = NULL;
    int rc = -1;
    s->plain = false;
    if (!u) {
        error_set("out of memory");
        goto done;
    }
    if (strlen(url) > SINK_URL_MAX || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK) {
        /* the URL itself is not shown: it may hold a password */
        error_set("%s is not a URL like smtp://mail.example.com:587 or smtps://mail.example.com", what);
        goto done;
    }
    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0);
    curl_url_get(u, CURLUPART_HOST, &host, 0);
    curl_url_get(u, CURLUPART_PORT, &port, 0);
    if (!scheme || (strcmp(scheme, "smtp") != 0 && strcmp(scheme, "smtps") != 0) || !host || !*host) {
        error_set("%s must be an smtp:// or smtps:// URL with a host", what);
        goto done;
    }
    if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK ||
        curl_url_get(u, CURLUPART_PASSWORD, &password, 0) == CURLUE_OK) {
        error_set("%s must not hold a user or password (set WARROOM_SMTP_USER and WARROOM_SMTP_PASSWORD, or "
                  "use ~/.netrc)",
                  what);
        goto done;
    }
    if (curl_url_get(u, CURLUPART_QUERY, &query, 0) == CURLUE_OK) {
        if (strcmp(query, "starttls=no") != 0) {
            error_set("%s: the only query warroom knows is ?starttls=no", what);
            goto done;
        }
        if (strcmp(scheme, "smtps") == 0) {
            error_set("%s: ?starttls=no goes with smtp://, not smtps:// (which is TLS from the start)", what);
            goto done;
        }
        s->plain = true;
        curl_url_set(u, CURLUPART_QUERY, NULL, 0);
    }
    curl_url_set(u, CURLUPART_FRAGMENT, NULL, 0);
    if (curl_url_get(u, CURLUPART_URL, &built, 0) != CURLUE_OK) {
        error_set("%s cannot be used", what);
        goto done;
    }
    buf_reset(url_out);
    buf_adds(url_out, built);
    buf_reset(host_out);
    buf_adds(host_out, host);
    s->url = url_out->data;
    rc = 0;
done:
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_free(user);
    curl_free(password);
    curl_free(query);
    curl_free(built);
    curl_url_cleanup(u);
    return rc;
}

/* ---- one submission ---- */

struct exchange {
    const char *data;
    size_t len, sent;
    bool data_started;   /* libcurl read the message: the server said 354 */
    bool data_done;      /* all of it was handed over */
    unsigned replies_after_data;
    char last_reply[512];   /* the server's last reply line, raw */
};

static size_t read_message(char *buffer, size_t size, size_t nitems, void *userp)
{
    struct exchange *x = userp;
    size_t room = size * nitems, n = x->len - x->sent;
    x->data_started = true;
    if (n > room)
        n = room;
    memcpy(buffer, x->data + x->sent, n);
    x->sent += n;
    if (x->sent == x->len)
        x->data_done = true;   /* libcurl need not ask again once it has the size */
    return n;
}

static int watch_replies(CURL *handle, curl_infotype type, char *data, size_t size, void *userp)
{
    (void)handle;
    struct exchange *x = userp;
    if (type != CURLINFO_HEADER_IN)
        return 0;    /* what goes out (AUTH included) is never kept */
    size_t n = size < sizeof x->last_reply - 1 ? size : sizeof x->last_reply - 1;
    memcpy(x->last_reply, data, n);
    x->last_reply[n] = '\0';
    x->last_reply[strcspn(x->last_reply, "\r\n")] = '\0';
    if (x->data_done)
        x->replies_after_data++;
    return 0;
}

static int reply_code(const char *line)
{
    if (strlen(line) < 3)
        return 0;
    for (int i = 0; i < 3; i++)
        if (line[i] < '0' || line[i] > '9')
            return 0;
    return (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
}

/* REASON: one clean line, the password masked in every form it could take. */
static void set_reason(struct email_result *r, const struct email_server *s, const char *text)
{
    const char *secrets[2] = {s->password, NULL};
    struct buf scrubbed = BUF_INIT, clean = BUF_INIT;
    if (s->password && *s->password)
        sink_scrub(&scrubbed, text, secrets);
    else
        buf_adds(&scrubbed, text);
    text_clean(&clean, buf_str(&scrubbed), scrubbed.len, 0);
    size_t n = clean.len;
    if (n > EMAIL_REASON_MAX)
        n = sink_utf8_boundary(clean.data, clean.len, EMAIL_REASON_MAX);
    snprintf(r->reason, sizeof r->reason, "%.*s", (int)n, buf_str(&clean));
    buf_free(&scrubbed);
    buf_free(&clean);
}

int email_send(struct email_result *r, const struct email_server *s, const char *from,
               const struct email_recipients *to, const char *message, size_t len)
{
    struct exchange x = {.data = message, .len = len};
    struct curl_slist *rcpt = NULL;
    struct buf addr = BUF_INIT;
    char errbuf[CURL_ERROR_SIZE] = "";
    memset(r, 0, sizeof *r);
    if (s->plain && s->password)
        return error_set("a password is never sent without TLS: drop ?starttls=no from WARROOM_SMTP_URL, or "
                         "unset WARROOM_SMTP_PASSWORD for a relay that needs none");
    CURL *e = curl_easy_init();
    if (!e)
        return error_set("cannot start libcurl");
    buf_printf(&addr, "<%s>", from);
    curl_easy_setopt(e, CURLOPT_URL, s->url);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(e, CURLOPT_USE_SSL, s->plain ? (long)CURLUSESSL_NONE : (long)CURLUSESSL_ALL);
    if (s->ca_file)
        curl_easy_setopt(e, CURLOPT_CAINFO, s->ca_file);
    curl_easy_setopt(e, CURLOPT_NETRC, (long)CURL_NETRC_IGNORED);   /* read by the caller, scrubbed here */
    if (s->user)
        curl_easy_setopt(e, CURLOPT_USERNAME, s->user);
    if (s->password)
        curl_easy_setopt(e, CURLOPT_PASSWORD, s->password);
    curl_easy_setopt(e, CURLOPT_MAIL_FROM, buf_str(&addr));
    for (size_t i = 0; i < to->n; i++) {
        buf_reset(&addr);
        buf_printf(&addr, "<%s>", to->addr[i]);
        struct curl_slist *more = curl_slist_append(rcpt, buf_str(&addr));
        if (!more) {
            curl_slist_free_all(rcpt);
            curl_easy_cleanup(e);
            buf_free(&addr);
            return error_set("out of memory");
        }
        rcpt = more;
    }
    curl_easy_setopt(e, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(e, CURLOPT_READFUNCTION, read_message);
    curl_easy_setopt(e, CURLOPT_READDATA, &x);
    curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
    curl_easy_setopt(e, CURLOPT_VERBOSE, 1L);   /* for the debug callback alone */
    curl_easy_setopt(e, CURLOPT_DEBUGFUNCTION, watch_replies);
    curl_easy_setopt(e, CURLOPT_DEBUGDATA, &x);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, s->connect_timeout_ms > 0 ? s->connect_timeout_ms : 10000L);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, s->timeout_ms > 0 ? s->timeout_ms : 60000L);
    CURLcode cc = curl_easy_perform(e);

    int code = reply_code(x.last_reply);
    r->code = code;
    struct buf why = BUF_INIT;
    if (cc == CURLE_OK) {
        r->outcome = EMAIL_SENT;
        set_reason(r, s, x.last_reply);
    } else if (x.data_started && x.replies_after_data == 0) {
        /* the data went, no answer came: it may well be in the recipients' boxes */
        r->outcome = EMAIL_UNKNOWN;
        r->code = 0;
        buf_printf(&why, "the connection ended after the message was sent, before the server answered (%s)",
                   *errbuf ? errbuf : curl_easy_strerror(cc));
        set_reason(r, s, why.data);
    } else if (cc == CURLE_USE_SSL_FAILED) {
        r->outcome = EMAIL_REFUSED;
        set_reason(r, s, "the server does not offer STARTTLS and warroom does not send in the clear; nothing "
                         "was sent (use smtps://, or ?starttls=no for a relay that is trusted as it is)");
    } else if (code >= 400 && code < 500) {
        r->outcome = EMAIL_DEFERRED;
        set_reason(r, s, x.last_reply);
    } else if (code >= 500 && code < 600) {
        r->outcome = EMAIL_REFUSED;
        set_reason(r, s, x.last_reply);
    } else {
        /* no reply to read: TLS, name or connection trouble before any data */
        bool lasting = cc == CURLE_PEER_FAILED_VERIFICATION || cc == CURLE_SSL_CACERT_BADFILE ||
                       cc == CURLE_SSL_CERTPROBLEM || cc == CURLE_LOGIN_DENIED || cc == CURLE_UNSUPPORTED_PROTOCOL;
        r->outcome = lasting ? EMAIL_REFUSED : EMAIL_DEFERRED;
        r->code = 0;
        set_reason(r, s, *errbuf ? errbuf : curl_easy_strerror(cc));
    }
    buf_free(&why);
    buf_free(&addr);
    curl_slist_free_all(rcpt);
    curl_easy_cleanup(e);
    return 0;
}
