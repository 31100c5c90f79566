/* email — the customer email an incident owes once it is resolved: the
 * draft (a Subject: line, a blank line, the body), the addresses it goes to,
 * its Message-ID and the message as it goes on the wire; then sending it over
 * SMTP (src/email_smtp.c, the only part that touches the network).
 * Everything above "sending" is pure: the same draft, addresses and incident
 * give the same bytes, so a retry after a lost reply carries the same
 * Message-ID and a receiver can tell it is the same mail.
 * Every address is checked to be a plain ASCII addr-spec (dot-atom@domain):
 * nothing that could end a header or an SMTP command gets through. Everything
 * returned is owned by the caller (free with the matching *_free). */
#ifndef WARROOM_EMAIL_H
#define WARROOM_EMAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "warroom/buf.h"

#define EMAIL_TEMPLATE "comms/incident-email-template.md"   /* in the platform repo */
#define EMAIL_BUILTIN_TEMPLATE "docs/templates/customer-email.md"
#define EMAIL_ADDRESS_MAX 254      /* bytes, RFC 5321's path limit less the brackets */
#define EMAIL_LOCAL_MAX 64
#define EMAIL_RECIPIENTS_MAX 100
#define EMAIL_SUBJECT_MAX 200      /* characters */
#define EMAIL_BODY_MAX (256 * 1024)
#define EMAIL_MESSAGE_ID_MAX 200
#define EMAIL_REASON_MAX 300

/* 0 when ADDR[0..LEN) is an address warroom sends to or from, else < 0 with
 * an error naming WHAT ("WARROOM_EMAIL_TO") and the address, cleaned. */
int email_check_address(const char *addr, size_t len, const char *what);

struct email_recipients {
    char **addr;
    size_t n;
};

/* Splits LIST at commas (spaces around each address are dropped), checks
 * every address and refuses an empty list, an empty entry, more than
 * EMAIL_RECIPIENTS_MAX or the same address twice (compared without case).
 * 0, or < 0 with an error set and OUT empty. */
int email_parse_recipients(struct email_recipients *out, const char *list, const char *what);
void email_recipients_free(struct email_recipients *r);
/* "a@example.com, b@example.com" */
void email_recipients_join(struct buf *out, const struct email_recipients *r);

/* The draft as people edit it: "Subject: ..." on the first line, a blank
 * line, the body. */
struct email_draft {
    char *subject;   /* one clean line, 1..EMAIL_SUBJECT_MAX characters */
    char *body;      /* clean text, '\n' line ends, ends with one '\n' */
};

/* 0, or < 0 with an error saying what is wrong with TEXT. */
int email_draft_parse(struct email_draft *out, const char *text, size_t len);
void email_draft_free(struct email_draft *d);

/* "<warroom.INCIDENT.HASH@DOMAIN>": HASH covers the incident, the sender,
 * every recipient and the draft, DOMAIN is the sender's. OUT has room for
 * EMAIL_MESSAGE_ID_MAX + 1. FROM must have passed email_check_address. */
void email_message_id(char *out, size_t size, const char *incident_id, const char *from,
                      const struct email_recipients *to, const struct email_draft *d);

struct email_message {
    const char *from;                    /* checked addresses */
    const struct email_recipients *to;
    const struct email_draft *draft;
    const char *message_id;
    const char *incident_id;             /* X-Warroom-Incident, cleaned */
    int64_t date;                        /* ms UTC: the Date header */
};

/* The message as sent: headers (Date, From, To, Subject, Message-ID,
 * MIME-Version, Content-Type, Content-Transfer-Encoding, X-Warroom-Incident)
 * and the body in quoted-printable, every line ending in CRLF and no longer
 * than 78 characters but for an ASCII subject's and the Message-ID's (each at
 * most 998); a non-ASCII subject as
 * RFC 2047 encoded words. A body line starting with '.' starts with "=2E",
 * so no line of it can end the SMTP DATA. Appends to OUT. */
void email_build(struct buf *out, const struct email_message *m);

/* From the text of a .netrc file: the login and password of the first entry
 * for HOST ("default" when none names it), when LOGIN is NULL or the entry's
 * login equals it. Tokens may be double-quoted with backslash escapes; macdef
 * blocks are skipped. Returns 1 with *OUT_LOGIN / *OUT_PASSWORD set (either
 * may be NULL when the entry has none; caller frees), 0 when there is none. */
int email_netrc_find(const char *text, size_t len, const char *host, const char *login, char **out_login,
                     char **out_password);

/* What the template sees: the postmortem's context (see postmortem.h) and
 * "email": impact, started and resolved ("2025-03-15 14:02 UTC"), duration,
 * resolution, mitigation and last_update (texts as logged; null when
 * absent). The caller json_decref()s it. */
struct incident;
struct policy;
json_t *email_context(const struct incident *inc, const struct policy *p, int64_t now);

/* ---- sending (src/email_smtp.c): the network ---- */

/* What the event's "status" says of an attempt. */
enum email_outcome {
    EMAIL_SENT,      /* the server answered 250 to the end of the data */
    EMAIL_DEFERRED,  /* a 4xx, or no connection: nothing arrived, try later */
    EMAIL_REFUSED,   /* a 5xx, or TLS not possible: nothing arrived, fix first */
    EMAIL_UNKNOWN,   /* the data left and no answer came back: it may have arrived */
};
const char *email_outcome_name(enum email_outcome o);  /* "sent", "deferred", ... */

struct email_server {
    const char *url;          /* smtp://host[:port] or smtps://host[:port] */
    bool plain;               /* the URL's ?starttls=no: no TLS at all */
    const char *user, *password;  /* NULL: no AUTH */
    const char *ca_file;      /* NULL: the system's CAs */
    long connect_timeout_ms, timeout_ms;
};

/* Checks URL (WHAT names it in messages) and fills S->url (into URL_OUT, the
 * URL without its query) and S->plain; the host into HOST for .netrc.
 * Refuses another scheme, a user or password in the URL, a query other than
 * starttls=no, ?starttls=no with smtps. Messages never show more of the URL
 * than its scheme, host and port. */
int email_server_parse(struct email_server *s, struct buf *url_out, struct buf *host, const char *url,
                       const char *what);

struct email_result {
    enum email_outcome outcome;
    int code;                 /* the server's last reply code; 0 when none */
    char reason[EMAIL_REASON_MAX + 1]; /* one clean line, secrets masked; "" when sent */
};

/* Sends MESSAGE[0..LEN) from FROM to TO through S, once: no retry here.
 * STARTTLS is required unless S->plain, and a password is never sent
 * without TLS. R says what became of it; returns 0, or < 0 with an error
 * set when it could not even start (nothing was sent). */
int email_send(struct email_result *r, const struct email_server *s, const char *from,
               const struct email_recipients *to, const char *message, size_t len);

#endif
