/* deliver — the HTTP engine on libcurl's multi interface.
 * One thread, no blocking call outside deliver_wait and deliver_run_until:
 * the console drives it from its own loop. Each request is copied into a
 * transfer that lives until it finishes; its outcome is then moved to a queue
 * the caller drains. */
#include "warroom/deliver.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "warroom/buf.h"
#include "warroom/error.h"
#include "warroom/lazy.h"
#include "warroom/sink.h"
#include "warroom/text.h"

#define CONNECT_TIMEOUT_DEFAULT_MS 10000L
#define TOTAL_TIMEOUT_DEFAULT_MS 30000L
#define RETRY_AFTER_MAX 128
#define ERROR_TEXT_MAX 300
#define WAIT_FOREVER_MS (24 * 3600 * 1000)
/* A secret is taken to have leaked into a message when this many of its
 * consecutive bytes appear there. */
#define LEAK_WINDOW 6

struct transfer {
    CURL *easy;
    uint64_t tag;
    char *url;                  /* kept only to scrub error texts */
    struct curl_slist *headers;
    struct buf response;
    bool truncated;
    char *retry_after;
    char errbuf[CURL_ERROR_SIZE];
    struct transfer *prev, *next;
};

struct deliver {
    CURLM *multi;
    struct transfer *active;
    size_t n_active;
    struct deliver_result *done;  /* queue: done[head..n_done) */
    size_t head, n_done, cap_done;
};

int64_t deliver_clock_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void deliver_result_free(struct deliver_result *r)
{
    if (!r)
        return;
    free(r->body);
    free(r->retry_after);
    free(r->error_text);
    memset(r, 0, sizeof *r);
}

int deliver_new(struct deliver **out)
{
    *out = NULL;
    if (lazy_load(&lazy_curl) < 0)        /* libcurl missing: say so, before anything is queued on it */
        return error_set("cannot deliver: %s", error_last());
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return error_set("could not initialise the HTTP library");
    struct deliver *d = xcalloc(1, sizeof *d);
    d->multi = curl_multi_init();
    if (!d->multi) {
        free(d);
        curl_global_cleanup();
        return error_set("could not initialise the HTTP engine");
    }
    *out = d;
    return 0;
}

static void transfer_free(struct transfer *t)
{
    if (!t)
        return;
    if (t->easy)
        curl_easy_cleanup(t->easy);
    curl_slist_free_all(t->headers);
    free(t->url);
    free(t->retry_after);
    buf_free(&t->response);
    free(t);
}

static void unlink_transfer(struct deliver *d, struct transfer *t)
{
    if (t->prev)
        t->prev->next = t->next;
    else
        d->active = t->next;
    if (t->next)
        t->next->prev = t->prev;
    t->prev = t->next = NULL;
    d->n_active--;
}

void deliver_free(struct deliver *d)
{
    if (!d)
        return;
    while (d->active) {
        struct transfer *t = d->active;
        curl_multi_remove_handle(d->multi, t->easy);
        unlink_transfer(d, t);
        transfer_free(t);
    }
    for (size_t i = d->head; i < d->n_done; i++)
        deliver_result_free(&d->done[i]);
    free(d->done);
    curl_multi_cleanup(d->multi);
    free(d);
    curl_global_cleanup();
}

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
    struct transfer *t = arg;
    size_t len = size * n;
    size_t room = t->response.len < DELIVER_BODY_MAX ? DELIVER_BODY_MAX - t->response.len : 0;
    /* Keep reading past the bound (the total timeout limits it) so the status
     * and headers stay meaningful; only the first bytes are kept. */
    if (len > room)
        t->truncated = true;
    buf_add(&t->response, data, len < room ? len : room);
    return len;
}

static size_t on_header(char *data, size_t size, size_t n, void *arg)
{
    struct transfer *t = arg;
    size_t len = size * n;
    static const char name[] = "retry-after:";
    if (len >= 5 && strncmp(data, "HTTP/", 5) == 0) {
        /* A new response (after a 100 Continue): forget the previous one's. */
        free(t->retry_after);
        t->retry_after = NULL;
    } else if (len > sizeof name - 1 && strncasecmp(data, name, sizeof name - 1) == 0) {
        const char *v = data + sizeof name - 1;
        size_t vlen = len - (sizeof name - 1);
        while (vlen && (*v == ' ' || *v == '\t')) {
            v++;
            vlen--;
        }
        while (vlen && (v[vlen - 1] == '\r' || v[vlen - 1] == '\n' || v[vlen - 1] == ' '))
            vlen--;
        if (vlen > RETRY_AFTER_MAX)
            vlen = RETRY_AFTER_MAX;
        struct buf b = BUF_INIT;
        text_clean(&b, v, vlen, 0);
        free(t->retry_after);
        t->retry_after = buf_detach(&b);
    }
    return len;
}

static bool header_line_ok(const char *h)
{
    if (!h || !strchr(h, ':') || h[0] == ':')
        return false;
    for (const char *p = h; *p; p++)
        if (*p == '\r' || *p == '\n')
            return false;
    return true;
}

static int setup_method(CURL *e, const struct deliver_request *req)
{
    const char *m = req->method ? req->method : "POST";
    bool body = req->body != NULL;
    if (strcmp(m, "GET") == 0) {
        curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
        return 0;
    }
    if (strcmp(m, "POST") != 0 && strcmp(m, "PATCH") != 0 && strcmp(m, "PUT") != 0 &&
        strcmp(m, "DELETE") != 0)
        return error_set("unsupported HTTP method");
    /* libcurl sends a request again by itself when a connection it reused
     * turns out dead before any answer, though the server may have acted on
     * it: a second message, a second incident. A request that changes
     * something goes on a connection of its own, so it is on the wire at most
     * once per attempt the outbox recorded. */
    curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
    if (strcmp(m, "DELETE") != 0 || body) {
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(body ? req->body_len : 0));
        curl_easy_setopt(e, CURLOPT_COPYPOSTFIELDS, body ? req->body : "");
    }
    if (strcmp(m, "POST") != 0)
        curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, m);
    return 0;
}

int deliver_add(struct deliver *d, const struct deliver_request *req)
{
    struct transfer *t = NULL;
    int rc = -1;

    if (!sink_is_web_url(req->url)) {
        rc = error_set("the sink URL is not an http(s) URL");
        goto done;
    }
    t = xcalloc(1, sizeof *t);
    t->tag = req->tag;
    t->url = xstrdup(req->url);
    t->easy = curl_easy_init();
    if (!t->easy) {
        rc = error_set("could not start an HTTP transfer");
        goto done;
    }
    for (size_t i = 0; i < req->n_headers; i++) {
        if (!header_line_ok(req->headers[i])) {
            rc = error_set("a request header is malformed");
            goto done;
        }
        struct curl_slist *l = curl_slist_append(t->headers, req->headers[i]);
        if (!l) {
            rc = error_set("out of memory for request headers");
            goto done;
        }
        t->headers = l;
    }
    /* Never wait a second for "100 Continue" from servers that do not send it. */
    struct curl_slist *l = curl_slist_append(t->headers, "Expect:");
    if (!l) {
        rc = error_set("out of memory for request headers");
        goto done;
    }
    t->headers = l;

    CURL *e = t->easy;
    curl_easy_setopt(e, CURLOPT_URL, t->url);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_USERAGENT, DELIVER_USER_AGENT);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->headers);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                     req->connect_timeout_ms > 0 ? req->connect_timeout_ms : CONNECT_TIMEOUT_DEFAULT_MS);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS,
                     req->total_timeout_ms > 0 ? req->total_timeout_ms : TOTAL_TIMEOUT_DEFAULT_MS);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->errbuf);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, t);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, t);
    curl_easy_setopt(e, CURLOPT_PRIVATE, t);
    rc = setup_method(e, req);
    if (rc < 0)
        goto done;
    if (curl_multi_add_handle(d->multi, e) != CURLM_OK) {
        rc = error_set("could not queue the HTTP transfer");
        goto done;
    }
    t->next = d->active;
    if (d->active)
        d->active->prev = t;
    d->active = t;
    d->n_active++;
    t = NULL;
    rc = 0;
done:
    transfer_free(t);
    return rc;
}

static enum deliver_error error_kind(CURLcode code)
{
    switch (code) {
    case CURLE_OK:
        return DELIVER_OK;
    case CURLE_OPERATION_TIMEDOUT:
        return DELIVER_TIMEOUT;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
        return DELIVER_CONNECT;
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_NOT_BUILT_IN:
    case CURLE_BAD_FUNCTION_ARGUMENT:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
        return DELIVER_REFUSED;
    default:
        return DELIVER_NETWORK;
    }
}

/* The user info and the part of the URL past the host: what must never show.
 * (Not the whole URL: any six characters of a secret are masked, and the
 * host's name is what a connection error is about.) */
static void url_secrets(const char *url, const char *out[3])
{
    out[0] = sink_url_secret(url);
    out[1] = NULL;
    out[2] = NULL;
}

static bool leaks(const char *text, const char *secret)
{
    size_t n = strlen(secret);
    for (size_t i = 0; i + LEAK_WINDOW <= n; i++) {
        char window[LEAK_WINDOW + 1];
        memcpy(window, secret + i, LEAK_WINDOW);
        window[LEAK_WINDOW] = '\0';
        if (strstr(text, window))
            return true;
    }
    return false;
}

/* curl's messages may quote the URL, and the URL may be the secret: mask it,
 * and when any piece of the secret still shows, say only what kind of error. */
static char *error_text(const struct transfer *t, CURLcode code)
{
    const char *secrets[3];
    struct buf scrubbed = BUF_INIT, out = BUF_INIT;
    url_secrets(t->url, secrets);
    sink_scrub(&scrubbed, t->errbuf[0] ? t->errbuf : curl_easy_strerror(code), secrets);
    const char *text = buf_str(&scrubbed);
    if (secrets[0] && leaks(text, secrets[0]))
        text = curl_easy_strerror(code);
    sink_clean_line(&out, text, ERROR_TEXT_MAX);
    buf_free(&scrubbed);
    return buf_detach(&out);
}

static void queue_result(struct deliver *d, struct deliver_result *r)
{
    if (d->head > 0 && d->head == d->n_done) {
        d->head = d->n_done = 0;
    }
    if (d->n_done == d->cap_done) {
        if (d->head > 0) {
            memmove(d->done, d->done + d->head, (d->n_done - d->head) * sizeof *d->done);
            d->n_done -= d->head;
            d->head = 0;
        } else {
            d->cap_done = d->cap_done ? d->cap_done * 2 : 16;
            d->done = xrealloc(d->done, d->cap_done * sizeof *d->done);
        }
    }
    d->done[d->n_done++] = *r;
}

static void finish(struct deliver *d, CURL *e, CURLcode code)
{
    struct transfer *t = NULL;
    struct deliver_result r;
    curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&t);
    curl_multi_remove_handle(d->multi, e);
    unlink_transfer(d, t);

    memset(&r, 0, sizeof r);
    r.tag = t->tag;
    r.error = error_kind(code);
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &r.http_status);
    if (r.error != DELIVER_OK)
        r.error_text = error_text(t, code);
    r.body_len = t->response.len;
    r.body = buf_detach(&t->response);
    r.body_truncated = t->truncated;
    r.retry_after = t->retry_after;
    t->retry_after = NULL;
    queue_result(d, &r);
    transfer_free(t);
}

int deliver_perform(struct deliver *d)
{
    int running = 0, left = 0;
    CURLMcode mc = curl_multi_perform(d->multi, &running);
    if (mc != CURLM_OK)
        return error_set("HTTP engine: %s", curl_multi_strerror(mc));
    CURLMsg *msg;
    while ((msg = curl_multi_info_read(d->multi, &left)))
        if (msg->msg == CURLMSG_DONE)
            finish(d, msg->easy_handle, msg->data.result);
    return (int)d->n_active;
}

int deliver_wait(struct deliver *d, struct pollfd *extra, size_t n, int timeout_ms)
{
    struct curl_waitfd stack[8], *w = n <= 8 ? stack : xcalloc(n, sizeof *w);
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        w[i].fd = extra[i].fd;
        w[i].events = (short)(((extra[i].events & POLLIN) ? CURL_WAIT_POLLIN : 0) |
                              ((extra[i].events & POLLPRI) ? CURL_WAIT_POLLPRI : 0) |
                              ((extra[i].events & POLLOUT) ? CURL_WAIT_POLLOUT : 0));
        w[i].revents = 0;
    }
    CURLMcode mc = curl_multi_poll(d->multi, n ? w : NULL, (unsigned)n,
                                   timeout_ms < 0 ? WAIT_FOREVER_MS : timeout_ms, NULL);
    if (mc != CURLM_OK) {
        rc = error_set("HTTP engine: %s", curl_multi_strerror(mc));
        goto done;
    }
    for (size_t i = 0; i < n; i++)
        extra[i].revents = (short)(((w[i].revents & CURL_WAIT_POLLIN) ? POLLIN : 0) |
                                   ((w[i].revents & CURL_WAIT_POLLPRI) ? POLLPRI : 0) |
                                   ((w[i].revents & CURL_WAIT_POLLOUT) ? POLLOUT : 0));
done:
    if (w != stack)
        free(w);
    return rc;
}

long deliver_next_timeout_ms(struct deliver *d)
{
    long ms = -1;
    if (d->n_active == 0 || curl_multi_timeout(d->multi, &ms) != CURLM_OK)
        return -1;
    return ms;
}

bool deliver_next_result(struct deliver *d, struct deliver_result *out)
{
    if (d->head >= d->n_done)
        return false;
    *out = d->done[d->head++];
    return true;
}

size_t deliver_in_flight(const struct deliver *d)
{
    return d->n_active;
}

size_t deliver_in_flight_tags(const struct deliver *d, uint64_t *tags, size_t max)
{
    size_t n = 0;
    for (const struct transfer *t = d->active; t; t = t->next, n++)
        if (n < max)
            tags[n] = t->tag;
    return n;
}

int deliver_run_until(struct deliver *d, int64_t deadline_ms)
{
    for (;;) {
        int n = deliver_perform(d);
        if (n <= 0)
            return n;
        int64_t left = deadline_ms - deliver_clock_ms();
        if (left <= 0)
            return n;
        if (deliver_wait(d, NULL, 0, left > 1000 ? 1000 : (int)left) < 0)
            return -1;
    }
}
