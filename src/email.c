/* email — see include/warroom/email.h. The pure half: addresses, the draft,
 * the Message-ID, the message's bytes, .netrc and what the template sees. */
#include "warroom/email.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "warroom/error.h"
#include "warroom/postmortem.h"
#include "warroom/stamp.h"
#include "warroom/text.h"

/* ---- addresses ---- */

/* RFC 5322 atext: what a dot-atom's local part may hold besides '.'. */
static bool is_atext(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c && strchr("!#$%&'*+-/=?^_`{|}~", c));
}

static bool is_label_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
}

static int bad_address(const char *addr, size_t len, const char *what, const char *why)
{
    struct buf shown = BUF_INIT;
    text_clean(&shown, addr, len > 120 ? 120 : len, 0);
    int rc = error_set("%s: \"%s%s\" is not an email address warroom sends to: %s", what, buf_str(&shown),
                       len > 120 ? "…" : "", why);
    buf_free(&shown);
    return rc;
}

int email_check_address(const char *addr, size_t len, const char *what)
{
    if (len == 0)
        return error_set("%s: an address is empty", what);
    if (len > EMAIL_ADDRESS_MAX)
        return bad_address(addr, len, what, "longer than 254 bytes");
    const char *at = memchr(addr, '@', len);
    if (!at)
        return bad_address(addr, len, what, "no '@'");
    size_t local = (size_t)(at - addr), domain = len - local - 1;
    if (local == 0 || local > EMAIL_LOCAL_MAX)
        return bad_address(addr, len, what, "the part before '@' must be 1 to 64 characters");
    for (size_t i = 0; i < local; i++) {
        unsigned char c = (unsigned char)addr[i];
        if (c == '.') {
            if (i == 0 || i == local - 1 || addr[i - 1] == '.')
                return bad_address(addr, len, what, "a '.' at the start or end of the name, or two in a row");
        } else if (!is_atext(c)) {
            return bad_address(addr, len, what,
                               c >= 0x80 ? "only ASCII addresses are supported"
                                         : "only letters, digits, '.' and !#$%&'*+-/=?^_`{|}~ before '@'");
        }
    }
    if (domain == 0)
        return bad_address(addr, len, what, "no domain after '@'");
    size_t label = 0;
    for (size_t i = local + 1; i <= len; i++) {
        unsigned char c = i < len ? (unsigned char)addr[i] : '.';
        if (c == '.') {
            if (label == 0 || label > 63 || addr[i - 1] == '-' || addr[i - label] == '-')
                return bad_address(addr, len, what, "the domain's parts must be 1 to 63 letters, digits or "
                                                    "inner '-', separated by single dots");
            label = 0;
        } else if (is_label_char(c)) {
            label++;
        } else {
            return bad_address(addr, len, what,
                               c >= 0x80 ? "only ASCII addresses are supported"
                                         : "the domain may hold only letters, digits, '-' and '.'");
        }
    }
    return 0;
}

void email_recipients_free(struct email_recipients *r)
{
    for (size_t i = 0; i < r->n; i++)
        free(r->addr[i]);
    free(r->addr);
    r->addr = NULL;
    r->n = 0;
}

int email_parse_recipients(struct email_recipients *out, const char *list, const char *what)
{
    out->addr = NULL;
    out->n = 0;
    if (!list || !*list)
        return error_set("%s: no recipient", what);
    for (const char *p = list;;) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        while (n && (*p == ' ' || *p == '\t'))
            p++, n--;
        while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
            n--;
        if (n == 0) {
            email_recipients_free(out);
            return error_set("%s: an empty entry in the list (addresses are separated by single commas)", what);
        }
        if (email_check_address(p, n, what) < 0) {
            email_recipients_free(out);
            return -1;
        }
        for (size_t i = 0; i < out->n; i++) {
            if (strlen(out->addr[i]) == n && strncasecmp(out->addr[i], p, n) == 0) {
                email_recipients_free(out);
                return error_set("%s: %.*s is listed twice", what, (int)n, p);
            }
        }
        if (out->n == EMAIL_RECIPIENTS_MAX) {
            email_recipients_free(out);
            return error_set("%s: more than %d recipients (use a list address)", what, EMAIL_RECIPIENTS_MAX);
        }
        out->addr = xrealloc(out->addr, sizeof *out->addr * (out->n + 1));
        out->addr[out->n++] = xstrndup(p, n);
        if (!end)
            break;
        p = end + 1;
    }
    return 0;
}

void email_recipients_join(struct buf *out, const struct email_recipients *r)
{
    for (size_t i = 0; i < r->n; i++)
        buf_printf(out, "%s%s", i ? ", " : "", r->addr[i]);
}

/* ---- the draft ---- */

void email_draft_free(struct email_draft *d)
{
    free(d->subject);
    free(d->body);
    d->subject = d->body = NULL;
}

/* Characters in S (UTF-8). */
static size_t characters(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

int email_draft_parse(struct email_draft *out, const char *text, size_t len)
{
    static const char head[] = "Subject:";
    out->subject = out->body = NULL;
    if (len > EMAIL_BODY_MAX)
        return error_set("the draft is %zu bytes, over the limit of %d", len, EMAIL_BODY_MAX);
    const char *nl = memchr(text, '\n', len);
    size_t first = nl ? (size_t)(nl - text) : len;
    if (first < sizeof head - 1 || strncasecmp(text, head, sizeof head - 1) != 0)
        return error_set("the draft must start with its Subject: line, then a blank line, then the body");
    const char *s = text + sizeof head - 1;
    size_t slen = first - (sizeof head - 1);
    struct buf b = BUF_INIT;
    text_clean(&b, s, slen, 0);   /* one line: a '\r' or a control cannot split the header */
    size_t start = 0, end = b.len;
    while (start < end && b.data[start] == ' ')
        start++;
    while (end > start && b.data[end - 1] == ' ')
        end--;
    if (end == start) {
        buf_free(&b);
        return error_set("the draft's Subject: line is empty");
    }
    out->subject = xstrndup(b.data + start, end - start);
    buf_free(&b);
    if (characters(out->subject) > EMAIL_SUBJECT_MAX) {
        email_draft_free(out);
        return error_set("the subject is longer than %d characters", EMAIL_SUBJECT_MAX);
    }
    const char *rest = nl ? nl + 1 : text + len;
    size_t rlen = (size_t)(text + len - rest);
    if (rlen && rest[0] == '\r')
        rest++, rlen--;
    if (rlen == 0 || rest[0] != '\n') {
        email_draft_free(out);
        return error_set("the draft's Subject: line must be followed by a blank line, then the body");
    }
    rest++, rlen--;
    struct buf body = BUF_INIT;
    /* CRLF and lone CR become LF first: text_clean would turn a CR into a space */
    struct buf lf = BUF_INIT;
    for (size_t i = 0; i < rlen; i++) {
        if (rest[i] == '\r') {
            buf_addc(&lf, '\n');
            if (i + 1 < rlen && rest[i + 1] == '\n')
                i++;
        } else {
            buf_addc(&lf, rest[i]);
        }
    }
    text_clean(&body, buf_str(&lf), lf.len, TEXT_KEEP_NEWLINES | TEXT_KEEP_TABS);
    buf_free(&lf);
    while (body.len && (body.data[body.len - 1] == '\n' || body.data[body.len - 1] == ' '))
        body.data[--body.len] = '\0';
    size_t lead = 0;
    while (lead < body.len && body.data[lead] == '\n')
        lead++;
    if (lead == body.len) {
        buf_free(&body);
        email_draft_free(out);
        return error_set("the draft's body is empty");
    }
    buf_addc(&body, '\n');
    out->body = xstrdup(body.data + lead);
    buf_free(&body);
    return 0;
}

/* ---- the Message-ID ---- */

static uint64_t fnv1a(uint64_t h, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)s[i]) * UINT64_C(1099511628211);
    return h;
}

/* Each part with its length first, so "ab"+"c" and "a"+"bc" differ. */
static uint64_t fnv_part(uint64_t h, const char *s)
{
    char n[24];
    size_t len = strlen(s);
    int w = snprintf(n, sizeof n, "%zu:", len);
    return fnv1a(fnv1a(h, n, (size_t)w), s, len);
}

void email_message_id(char *out, size_t size, const char *incident_id, const char *from,
                      const struct email_recipients *to, const struct email_draft *d)
{
    /* two differently seeded FNV-1a passes: 128 bits, enough that two drafts
     * never share an id by chance (it names, it does not protect) */
    uint64_t h[2] = {UINT64_C(14695981039346656037), UINT64_C(0x9e3779b97f4a7c15)};
    for (int k = 0; k < 2; k++) {
        h[k] = fnv_part(h[k], incident_id);
        h[k] = fnv_part(h[k], from);
        for (size_t i = 0; i < to->n; i++)
            h[k] = fnv_part(h[k], to->addr[i]);
        h[k] = fnv_part(h[k], d->subject);
        h[k] = fnv_part(h[k], d->body);
    }
    char id[65];
    size_t n = 0;
    for (const char *p = incident_id; *p && n < 64; p++)
        if (is_label_char((unsigned char)*p) || *p == '.' || *p == '_')
            id[n++] = *p;
    id[n] = '\0';
    const char *domain = strchr(from, '@');
    snprintf(out, size, "<warroom.%s.%016llx%016llx@%s>", n ? id : "incident", (unsigned long long)h[0],
             (unsigned long long)h[1], domain ? domain + 1 : "localhost");
}

/* ---- the message ---- */

static void add_date(struct buf *out, int64_t t)
{
    static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    int y, mo, d, h, mi, s;
    stamp_to_utc(t, &y, &mo, &d, &h, &mi, &s);
    int64_t day = t / STAMP_DAY - (t % STAMP_DAY < 0);
    int wd = (int)(((day + 4) % 7 + 7) % 7);   /* 1970-01-01 was a Thursday */
    buf_printf(out, "Date: %s, %02d %s %04d %02d:%02d:%02d +0000\r\n", days[wd], d, months[mo - 1], y, h, mi, s);
}

static bool all_ascii(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s >= 0x80)
            return false;
    return true;
}

static void add_base64(struct buf *out, const unsigned char *s, size_t len)
{
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (size_t i = 0; i < len; i += 3) {
        unsigned v = (unsigned)s[i] << 16 | (i + 1 < len ? (unsigned)s[i + 1] << 8 : 0) | (i + 2 < len ? s[i + 2] : 0);
        buf_addc(out, abc[v >> 18 & 63]);
        buf_addc(out, abc[v >> 12 & 63]);
        buf_addc(out, i + 1 < len ? abc[v >> 6 & 63] : '=');
        buf_addc(out, i + 2 < len ? abc[v & 63] : '=');
    }
}

static void add_subject(struct buf *out, const char *subject)
{
    buf_adds(out, "Subject:");
    if (all_ascii(subject)) {
        buf_printf(out, " %s\r\n", subject);
        return;
    }
    /* RFC 2047 encoded words of at most 42 bytes each (68 characters
     * encoded), cut between characters, one per folded line */
    size_t len = strlen(subject);
    for (size_t at = 0; at < len;) {
        size_t n = len - at < 42 ? len - at : 42;
        while (n > 1 && at + n < len && ((unsigned char)subject[at + n] & 0xC0) == 0x80)
            n--;
        buf_adds(out, at ? "\r\n =?UTF-8?B?" : " =?UTF-8?B?");
        add_base64(out, (const unsigned char *)subject + at, n);
        buf_adds(out, "?=");
        at += n;
    }
    buf_adds(out, "\r\n");
}

/* One line of the body (without its end) as quoted-printable lines of at
 * most 76 characters. */
static void add_qp_line(struct buf *out, const char *s, size_t len)
{
    size_t col = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        char enc[4];
        bool last = i + 1 == len;
        if ((c == ' ' || c == '\t') && !last)
            snprintf(enc, sizeof enc, "%c", c);
        else if (c >= 33 && c <= 126 && c != '=' && !(c == '.' && i == 0))
            snprintf(enc, sizeof enc, "%c", c);
        else
            snprintf(enc, sizeof enc, "=%02X", c);
        size_t w = strlen(enc);
        /* room for a soft break's '=' unless this is the line's last piece */
        if (col + w > (last ? 76 : 75)) {
            buf_adds(out, "=\r\n");
            col = 0;
        }
        buf_adds(out, enc);
        col += w;
    }
    buf_adds(out, "\r\n");
}

void email_build(struct buf *out, const struct email_message *m)
{
    add_date(out, m->date);
    buf_printf(out, "From: %s\r\n", m->from);
    buf_adds(out, "To: ");
    for (size_t i = 0; i < m->to->n; i++)
        buf_printf(out, "%s%s", i ? ",\r\n " : "", m->to->addr[i]);
    buf_adds(out, "\r\n");
    add_subject(out, m->draft->subject);
    buf_printf(out, "Message-ID: %s\r\n", m->message_id);
    buf_adds(out, "MIME-Version: 1.0\r\n"
                  "Content-Type: text/plain; charset=UTF-8\r\n"
                  "Content-Transfer-Encoding: quoted-printable\r\n");
    if (m->incident_id) {
        struct buf id = BUF_INIT;
        text_clean(&id, m->incident_id, strnlen(m->incident_id, 128), 0);
        buf_printf(out, "X-Warroom-Incident: %s\r\n", buf_str(&id));
        buf_free(&id);
    }
    buf_adds(out, "\r\n");
    const char *body = m->draft->body;
    for (const char *p = body; *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        add_qp_line(out, p, n);
        p += n + (nl != NULL);
    }
}

/* ---- .netrc ---- */

struct netrc_reader {
    const char *s, *end;
};

/* The next token into TOK (reset first); false at the end. */
static bool netrc_token(struct netrc_reader *r, struct buf *tok)
{
    buf_reset(tok);
    while (r->s < r->end && strchr(" \t\r\n", *r->s))
        r->s++;
    if (r->s >= r->end)
        return false;
    if (*r->s == '"') {
        for (r->s++; r->s < r->end && *r->s != '"'; r->s++) {
            if (*r->s == '\\' && r->s + 1 < r->end)
                r->s++;
            buf_addc(tok, *r->s);
        }
        if (r->s < r->end)
            r->s++;
    } else {
        while (r->s < r->end && !strchr(" \t\r\n", *r->s))
            buf_addc(tok, *r->s++);
    }
    return true;
}

int email_netrc_find(const char *text, size_t len, const char *host, const char *login, char **out_login,
                     char **out_password)
{
    struct netrc_reader r = {text, text + len};
    struct buf tok = BUF_INIT;
    char *e_login = NULL, *e_password = NULL;
    bool in_entry = false, matches = false, found = false;
    *out_login = *out_password = NULL;
    for (;;) {
        bool more = netrc_token(&r, &tok);
        const char *t = buf_str(&tok);   /* "" for an empty token: its data may be NULL */
        bool starts = more && (strcmp(t, "machine") == 0 || strcmp(t, "default") == 0);
        if (!more || starts) {
            /* the entry before ends here: take it if it fits */
            if (in_entry && matches && (!login || (e_login && strcmp(e_login, login) == 0))) {
                *out_login = e_login;
                *out_password = e_password;
                e_login = e_password = NULL;
                found = true;
                break;
            }
            free(e_login);
            free(e_password);
            e_login = e_password = NULL;
            if (!more)
                break;
            in_entry = true;
            if (strcmp(t, "machine") == 0)
                matches = netrc_token(&r, &tok) && strcasecmp(buf_str(&tok), host) == 0;
            else
                matches = true;   /* default: netrc lists it last */
        } else if (strcmp(t, "login") == 0 || strcmp(t, "password") == 0 || strcmp(t, "account") == 0) {
            char which = t[0];
            if (!netrc_token(&r, &tok))
                continue;
            if (which == 'l') {
                free(e_login);
                e_login = xstrdup(buf_str(&tok));
            } else if (which == 'p') {
                free(e_password);
                e_password = xstrdup(buf_str(&tok));
            }
        } else if (strcmp(t, "macdef") == 0) {
            /* a macro runs to the next blank line */
            const char *blank = NULL;
            for (const char *p = r.s; p + 1 < r.end; p++)
                if (p[0] == '\n' && (p[1] == '\n' || (p[1] == '\r' && p + 2 < r.end && p[2] == '\n'))) {
                    blank = p + 1;
                    break;
                }
            r.s = blank ? blank : r.end;
        }
    }
    free(e_login);
    if (e_password)
        memset(e_password, 0, strlen(e_password));
    free(e_password);
    if (tok.data)
        memset(tok.data, 0, tok.len);
    buf_free(&tok);
    return found ? 1 : 0;
}

/* ---- the context the template sees ---- */

static json_t *moment(int64_t t)
{
    if (t == STAMP_NONE)
        return json_null();
    int y, mo, d, h, mi, s;
    char text[40];
    stamp_to_utc(t, &y, &mo, &d, &h, &mi, &s);
    snprintf(text, sizeof text, "%04d-%02d-%02d %02d:%02d UTC", y, mo, d, h, mi);
    return json_string(text);
}

static json_t *text_or_null(const char *s)
{
    return s && *s ? json_string(s) : json_null();
}

/* The text of the last timeline entry of TYPE (as edited), or NULL. */
static const char *last_text(const struct incident *inc, enum event_type type)
{
    for (size_t i = inc->ntimeline; i-- > 0;)
        if (inc->timeline[i].ev->type == type)
            return inc->timeline[i].text;
    return NULL;
}

json_t *email_context(const struct incident *inc, const struct policy *p, int64_t now)
{
    json_t *ctx = postmortem_context(inc, p, now);
    struct postmortem_figures f;
    postmortem_figures(&f, inc, now);
    json_t *email = json_object();
    json_object_set_new(email, "impact", text_or_null(inc->impact));
    json_object_set_new(email, "started", moment(f.started_at));
    json_object_set_new(email, "resolved", moment(inc->resolved_at));
    char span[POSTMORTEM_SPAN_MAX];
    json_object_set_new(email, "duration", f.resolved_at != STAMP_NONE && f.duration != STAMP_NONE
                                               ? json_string(postmortem_format_span(span, sizeof span, f.duration))
                                               : json_null());
    json_object_set_new(email, "resolution", text_or_null(last_text(inc, EVENT_RESOLVE)));
    json_object_set_new(email, "mitigation", text_or_null(last_text(inc, EVENT_MITIGATE)));
    json_object_set_new(email, "last_update", text_or_null(last_text(inc, EVENT_UPDATE)));
    json_object_set_new(ctx, "email", email);
    return ctx;
}
