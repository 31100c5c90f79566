/* listen — see include/warroom/listen.h.
 *
 * libmicrohttpd reads the requests (one polling thread: a slow client costs
 * a socket, never the thread); this file only says which route, checks the
 * credentials, and hands the body to intake and the router. The thread is
 * the only user of the session while it runs. */
#include "warroom/listen.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "warroom/buf.h"
#include "warroom/error.h"
#include "warroom/lazy.h"
#include "warroom/intake.h"
#include "warroom/intake_route.h"
#include "warroom/stamp.h"

/* ---- settings ---- */

static int parse_addr(struct listen_settings *ls, const char *addr)
{
    const char *colon = strrchr(addr, ':');
    const char *host = addr;
    size_t hlen;
    if (!colon)
        return error_set("--addr \"%.80s\" is not HOST:PORT", addr);
    hlen = (size_t)(colon - addr);
    if (hlen >= 2 && host[0] == '[' && host[hlen - 1] == ']') {
        host++;
        hlen -= 2;
    }
    if (hlen == 0 || hlen >= sizeof ls->host)
        return error_set("--addr \"%.80s\" has no numeric host", addr);
    memcpy(ls->host, host, hlen);
    ls->host[hlen] = '\0';
    char *end;
    errno = 0;
    long port = strtol(colon + 1, &end, 10);
    if (errno || *end || colon[1] == '\0' || port < 0 || port > 65535)
        return error_set("--addr \"%.80s\": the port is not a number from 0 to 65535", addr);
    ls->port = (unsigned)port;
    struct in_addr a4;
    struct in6_addr a6;
    if (inet_pton(AF_INET, ls->host, &a4) == 1)
        ls->loopback = (ntohl(a4.s_addr) >> 24) == 127;
    else if (inet_pton(AF_INET6, ls->host, &a6) == 1)
        ls->loopback = IN6_IS_ADDR_LOOPBACK(&a6);
    else
        return error_set("--addr \"%.80s\": the host is not a numeric IPv4 or [IPv6] address", addr);
    return 0;
}

static const char *env(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

int listen_settings_load(struct listen_settings *ls, const char *addr)
{
    memset(ls, 0, sizeof *ls);
    ls->body_max = LISTEN_BODY_MAX;
    ls->timeout_s = LISTEN_TIMEOUT_S;
    if (parse_addr(ls, addr ? addr : LISTEN_ADDR_DEFAULT) < 0)
        return -1;
    const char *t = env("WARROOM_LISTEN_TIMEOUT");
    if (t) {
        char *end;
        long v = strtol(t, &end, 10);
        if (*end || v < 1 || v > 300)
            return error_set("WARROOM_LISTEN_TIMEOUT is not a number of seconds from 1 to 300");
        ls->timeout_s = (unsigned)v;
    }
    const char *secrets = env("WARROOM_PAGERDUTY_SECRET");
    for (const char *p = secrets; p && *p;) {
        size_t len = strcspn(p, ",");
        if (len) {
            if (ls->npagerduty_secrets == LISTEN_SECRETS_MAX)
                return error_set("WARROOM_PAGERDUTY_SECRET holds more than %d secrets", LISTEN_SECRETS_MAX);
            ls->pagerduty_secrets[ls->npagerduty_secrets++] = xstrndup(p, len);
        }
        p += len;
        if (*p == ',')
            p++;
    }
    if ((t = env("WARROOM_LISTEN_TOKEN")))
        ls->token = xstrdup(t);
    if ((t = env("WARROOM_LISTEN_BASIC"))) {
        const char *colon = strchr(t, ':');
        if (!colon || colon == t || !colon[1])
            return error_set("WARROOM_LISTEN_BASIC is not USER:PASSWORD");
        ls->basic_user = xstrndup(t, (size_t)(colon - t));
        ls->basic_password = xstrdup(colon + 1);
    }
    if (!ls->npagerduty_secrets && !ls->token && !ls->basic_user)
        return error_set("listen needs a credential to check: WARROOM_PAGERDUTY_SECRET (PagerDuty's signing "
                         "secret), WARROOM_LISTEN_TOKEN (a bearer token) or WARROOM_LISTEN_BASIC (USER:PASSWORD) "
                         "for Alertmanager and Grafana");
    return 0;
}

static void wipe_free(char *s)
{
    if (s) {
        OPENSSL_cleanse(s, strlen(s));
        free(s);
    }
}

void listen_settings_free(struct listen_settings *ls)
{
    for (size_t i = 0; i < ls->npagerduty_secrets; i++)
        wipe_free(ls->pagerduty_secrets[i]);
    wipe_free(ls->token);
    wipe_free(ls->basic_user);
    wipe_free(ls->basic_password);
    memset(ls, 0, sizeof *ls);
}

/* ---- credentials ---- */

/* Constant time in the length of WANT: the length of what was given is all
 * a timing can tell. */
static bool same_secret(const char *given, size_t glen, const char *want)
{
    size_t wlen = strlen(want);
    unsigned char diff = glen != wlen;
    for (size_t i = 0; i < wlen; i++)
        diff |= (unsigned char)(want[i] ^ (i < glen ? given[i] : 0));
    return diff == 0;
}

bool listen_pagerduty_signed(const char *header, const char *body, size_t len, char *const *secrets, size_t n)
{
    if (!header)
        return false;
    bool ok = false;
    for (size_t s = 0; s < n; s++) {
        unsigned char mac[EVP_MAX_MD_SIZE];
        unsigned maclen = 0;
        char hex[2 * EVP_MAX_MD_SIZE + 1];
        static const char digits[] = "0123456789abcdef";
        if (!HMAC(EVP_sha256(), secrets[s], (int)strlen(secrets[s]), (const unsigned char *)body, len, mac, &maclen))
            continue;
        for (unsigned i = 0; i < maclen; i++) {
            hex[2 * i] = digits[mac[i] >> 4];
            hex[2 * i + 1] = digits[mac[i] & 15];
        }
        hex[2 * maclen] = '\0';
        for (const char *p = header; *p;) {
            while (*p == ' ')
                p++;
            size_t l = strcspn(p, ",");
            size_t t = l;
            while (t && p[t - 1] == ' ')
                t--;
            if (t > 3 && strncmp(p, "v1=", 3) == 0)
                ok |= same_secret(p + 3, t - 3, hex);   /* every one compared: no early way out */
            p += l;
            if (*p == ',')
                p++;
        }
        OPENSSL_cleanse(mac, sizeof mac);
    }
    return ok;
}

/* ---- the server ---- */

struct listener {
    struct MHD_Daemon *daemon;
    struct session *s;
    const struct listen_settings *ls;
    void (*say)(const char *line);
};

struct request {
    struct buf body;
    size_t received;       /* bytes of the body read, kept or not */
    bool too_big;
    struct timespec started;
};

/* How long a body may take in all, in idle timeouts: the idle timeout alone
 * lets a client that sends a byte every few seconds hold a connection for
 * ever. */
#define LISTEN_BODY_TIMEOUTS 3

static double seconds_since(const struct timespec *t)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t->tv_sec) + (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

#define LISTEN_DISCARD_MAX (8 * 1024 * 1024)

static void say(const struct listener *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(const struct listener *l, const char *fmt, ...)
{
    if (!l->say)
        return;
    struct buf b = BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    l->say(buf_str(&b));
    buf_free(&b);
}

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned code, const char *json)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(strlen(json), (void *)(uintptr_t)json,
                                                             MHD_RESPMEM_MUST_COPY);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, "Content-Type", "application/json");
    enum MHD_Result rc = MHD_queue_response(conn, code, r);
    MHD_destroy_response(r);
    return rc;
}

static enum MHD_Result reply_error(const struct listener *l, struct MHD_Connection *conn, const char *method,
                                   const char *url, unsigned code, const char *why)
{
    struct buf b = BUF_INIT;
    buf_adds(&b, "{\"error\":");
    event_json_string(&b, why, strlen(why));
    buf_adds(&b, "}\n");
    say(l, "%.10s %.40s %u: %s", method, url, code, why);
    enum MHD_Result rc = reply(conn, code, buf_str(&b));
    buf_free(&b);
    return rc;
}

static bool authorised(const struct listener *l, struct MHD_Connection *conn, enum intake_format route,
                       const struct request *req)
{
    const struct listen_settings *ls = l->ls;
    if (route == INTAKE_PAGERDUTY)
        return ls->npagerduty_secrets &&
               listen_pagerduty_signed(MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-PagerDuty-Signature"),
                                       req->body.data ? req->body.data : "", req->body.len, ls->pagerduty_secrets,
                                       ls->npagerduty_secrets);
    bool ok = false;
    const char *auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    if (ls->token && auth && strncmp(auth, "Bearer ", 7) == 0)
        ok |= same_secret(auth + 7, strlen(auth + 7), ls->token);
    if (ls->basic_user) {
        char *password = NULL;
        char *user = MHD_basic_auth_get_username_password(conn, &password);
        if (user && password) {
            bool u = same_secret(user, strlen(user), ls->basic_user);
            bool p = same_secret(password, strlen(password), ls->basic_password);
            ok |= u && p;
        }
        if (password) {
            OPENSSL_cleanse(password, strlen(password));
            MHD_free(password);
        }
        if (user)
            MHD_free(user);
    }
    return ok;
}

static enum MHD_Result handle_payload(struct listener *l, struct MHD_Connection *conn, const char *url,
                                      enum intake_format route, struct request *req)
{
    struct intake_batch batch;
    struct intake_report report;
    struct session *s = l->s;
    if (route == INTAKE_PAGERDUTY && !authorised(l, conn, route, req))
        return reply_error(l, conn, "POST", url, MHD_HTTP_UNAUTHORIZED, "the X-PagerDuty-Signature does not match");
    s->now = stamp_now();
    if (!s->have_policy && session_load_policy(s) < 0)
        return reply_error(l, conn, "POST", url, MHD_HTTP_INTERNAL_SERVER_ERROR, error_last());
    struct intake_labels labels = {s->policy.intake.service_label, s->policy.intake.severity_label};
    if (intake_parse(&batch, req->body.data ? req->body.data : "", req->body.len, route, &labels) < 0)
        return reply_error(l, conn, "POST", url, MHD_HTTP_BAD_REQUEST, error_last());
    if (intake_route_batch(s, &batch, &report) < 0) {
        intake_batch_free(&batch);
        return reply_error(l, conn, "POST", url, MHD_HTTP_SERVICE_UNAVAILABLE, error_last());
    }
    size_t count[INTAKE_FAILED + 1] = {0};
    for (size_t i = 0; i < report.n; i++) {
        const struct intake_result *res = &report.results[i];
        const struct intake_alert *a = &batch.alerts[i];
        count[res->outcome]++;
        say(l, "%s %s %s %.200s%s%s%s%s", intake_outcome_name(res->outcome), a->source,
            intake_status_name(a->status), a->name, *res->incident ? " in " : "", res->incident,
            res->message ? ": " : "", res->message ? res->message : "");
    }
    struct buf b = BUF_INIT;
    buf_printf(&b, "{\"recorded\":%zu,\"declared\":%zu,\"repeated\":%zu,\"unplaced\":%zu,\"ignored\":%zu,"
                   "\"failed\":%zu,\"skipped\":%zu}\n",
               count[INTAKE_RECORDED], count[INTAKE_DECLARED], count[INTAKE_REPEATED], count[INTAKE_UNPLACED],
               count[INTAKE_IGNORED], count[INTAKE_FAILED], batch.skipped);
    /* a failed append, or an alert with no incident to go to, is not on
     * disk: the sender must try again (what was recorded is a repeat then) */
    unsigned code = report.failed || count[INTAKE_UNPLACED] ? MHD_HTTP_SERVICE_UNAVAILABLE : MHD_HTTP_OK;
    say(l, "POST %.40s %u", url, code);
    enum MHD_Result rc = reply(conn, code, buf_str(&b));
    buf_free(&b);
    intake_report_free(&report);
    intake_batch_free(&batch);
    return rc;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    struct listener *l = cls;
    struct request *req = *con_cls;
    (void)version;
    enum intake_format route = strcmp(url, "/alertmanager") == 0 ? INTAKE_ALERTMANAGER
                             : strcmp(url, "/grafana") == 0      ? INTAKE_GRAFANA
                             : strcmp(url, "/pagerduty") == 0    ? INTAKE_PAGERDUTY
                                                                 : INTAKE_DETECT;
    if (!req) {
        /* the first call: headers only. Refuse what can be refused unread. */
        if (route == INTAKE_DETECT)
            return reply_error(l, conn, strcmp(method, "POST") == 0 ? "POST" : "(other)", "(another path)",
                               MHD_HTTP_NOT_FOUND,
                               "no such route: POST to /alertmanager, /grafana or /pagerduty");
        if (strcmp(method, MHD_HTTP_METHOD_POST) != 0)
            return reply_error(l, conn, "(not POST)", url, MHD_HTTP_METHOD_NOT_ALLOWED, "only POST is taken");
        /* a token or a password is checked before the body is read; a
         * signature needs the body */
        if (route != INTAKE_PAGERDUTY && !authorised(l, conn, route, NULL))
            return reply_error(l, conn, "POST", url, MHD_HTTP_UNAUTHORIZED, "the credentials do not match");
        const char *length = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (length && strtoull(length, NULL, 10) > l->ls->body_max)
            return reply_error(l, conn, "POST", url, MHD_HTTP_CONTENT_TOO_LARGE, "the body is over the bound");
        req = xcalloc(1, sizeof *req);
        clock_gettime(CLOCK_MONOTONIC, &req->started);
        *con_cls = req;
        return MHD_YES;
    }
    if (*upload_data_size) {
        if (seconds_since(&req->started) > (double)(LISTEN_BODY_TIMEOUTS * l->ls->timeout_s)) {
            say(l, "POST %.40s: the body took longer than %u s: connection closed", url,
                LISTEN_BODY_TIMEOUTS * l->ls->timeout_s);
            return MHD_NO;
        }
        req->received += *upload_data_size;
        if (!req->too_big && req->received > l->ls->body_max) {
            /* sent without a length: past the bound nothing more is kept, and
             * the 413 goes out once the sender stops (a reply queued in the
             * middle of an upload would never reach it); one that goes on far
             * past the bound is cut off */
            req->too_big = true;
            buf_free(&req->body);
        }
        if (req->too_big && req->received > LISTEN_DISCARD_MAX) {
            say(l, "POST %.40s: the body goes on past %d MiB: connection closed", url,
                LISTEN_DISCARD_MAX / (1024 * 1024));
            return MHD_NO;
        }
        if (!req->too_big)
            buf_add(&req->body, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (req->too_big)
        return reply_error(l, conn, "POST", url, MHD_HTTP_CONTENT_TOO_LARGE, "the body is over the bound");
    return handle_payload(l, conn, url, route, req);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    (void)toe;
    struct request *req = *con_cls;
    if (req) {
        buf_free(&req->body);
        free(req);
        *con_cls = NULL;
    }
}

int listen_start(struct listener **out, struct session *s, const struct listen_settings *ls,
                 void (*say_fn)(const char *line), unsigned *port)
{
    struct sockaddr_storage ss;
    if (lazy_load(&lazy_mhd) < 0 || lazy_load(&lazy_crypto) < 0)   /* before the server's thread starts */
        return error_set("cannot listen: %s", error_last());
    memset(&ss, 0, sizeof ss);
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL;
    if (strchr(ls->host, ':')) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
        a->sin6_family = AF_INET6;
        a->sin6_port = htons((uint16_t)ls->port);
        inet_pton(AF_INET6, ls->host, &a->sin6_addr);
        flags |= MHD_USE_IPv6;
    } else {
        struct sockaddr_in *a = (struct sockaddr_in *)&ss;
        a->sin_family = AF_INET;
        a->sin_port = htons((uint16_t)ls->port);
        inet_pton(AF_INET, ls->host, &a->sin_addr);
    }
    struct listener *l = xcalloc(1, sizeof *l);
    l->s = s;
    l->ls = ls;
    l->say = say_fn;
    l->daemon = MHD_start_daemon(flags, (uint16_t)ls->port, NULL, NULL, on_request, l,
                                 MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
                                 MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)ls->timeout_s,
                                 MHD_OPTION_CONNECTION_LIMIT, (unsigned)64,
                                 MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
                                 MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
                                 MHD_OPTION_END);
    if (!l->daemon) {
        free(l);
        return error_set("cannot listen on %s port %u (in use? a host this machine does not have?)", ls->host,
                         ls->port);
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(l->daemon, MHD_DAEMON_INFO_BIND_PORT);
    *port = info ? info->port : ls->port;
    *out = l;
    return 0;
}

void listen_stop(struct listener *l)
{
    if (!l)
        return;
    MHD_stop_daemon(l->daemon);
    free(l);
}
