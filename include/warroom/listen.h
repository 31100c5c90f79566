/* listen — the HTTP receiver for alert webhooks, on libmicrohttpd: POST
 * /alertmanager, /grafana and /pagerduty take the same payloads as `intake`.
 * What it promises: PagerDuty's X-PagerDuty-Signature (v1= HMAC-SHA256 over
 * the raw body, any of several signatures, any of several secrets) and a
 * bearer token or basic auth for the others are checked in constant time
 * before a byte is parsed; a body over the bound is refused with 413; a
 * connection idle past the timeout is closed; and a 2xx goes out only once
 * every alert of the payload is on disk (or was there already). Secrets are
 * never written anywhere: not in the log lines, not in a reply. */
#ifndef WARROOM_LISTEN_H
#define WARROOM_LISTEN_H

#include <stdbool.h>
#include <stddef.h>

#include "warroom/session.h"

#define LISTEN_ADDR_DEFAULT "127.0.0.1:9095"
#define LISTEN_BODY_MAX (1024 * 1024)       /* bytes of a request body */
#define LISTEN_TIMEOUT_S 10                 /* seconds a connection may sit idle */
#define LISTEN_SECRETS_MAX 4
#define LISTEN_LOCK_WAIT_MS 2000            /* at most, for another writer's lock: PagerDuty waits 5 s */

struct listen_settings {
    char host[64];                          /* a numeric address */
    unsigned port;                          /* 0: any free port */
    bool loopback;
    size_t body_max;
    unsigned timeout_s;
    char *pagerduty_secrets[LISTEN_SECRETS_MAX]; /* WARROOM_PAGERDUTY_SECRET, comma-separated */
    size_t npagerduty_secrets;
    char *token;                            /* WARROOM_LISTEN_TOKEN: Authorization: Bearer */
    char *basic_user, *basic_password;      /* WARROOM_LISTEN_BASIC: "user:password" */
};

/* Reads ADDR (NULL: the default; "HOST:PORT", HOST a numeric IPv4 or
 * [IPv6] address) and the secrets from the environment. Fails when no
 * route could ever be authenticated. */
int listen_settings_load(struct listen_settings *ls, const char *addr);
void listen_settings_free(struct listen_settings *ls);

struct listener;
/* Starts serving in its own thread; SAY (may be NULL) is told one line per
 * request, with no secret in it. S is used by that thread alone until
 * listen_stop returns. *PORT gets the port bound. */
int listen_start(struct listener **out, struct session *s, const struct listen_settings *ls,
                 void (*say)(const char *line), unsigned *port);
/* Finishes what is in progress and stops. */
void listen_stop(struct listener *l);

/* True when one of the comma-separated v1= signatures in HEADER is the
 * HMAC-SHA256 of BODY under one of SECRETS (compared in constant time). */
bool listen_pagerduty_signed(const char *header, const char *body, size_t len, char *const *secrets, size_t n);

#endif
