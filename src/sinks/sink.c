/* sink — the shared parts the providers build on: names, settings, cleaning
 * and bounding, requests, URL masking, scrubbing and the retry policy. It
 * knows no provider and no table: dispatch.c asks the table (table.c), whose
 * rows are the providers' files beside this one. */
#include "warroom/sink.h"
#include "warroom/stamp.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "warroom/config.h"
#include "warroom/error.h"
#include "warroom/text.h"

static const char *const kind_names[] = {
    [PUBLISH_DECLARE] = "declare", [PUBLISH_SEV] = "sev",
    [PUBLISH_ROLE] = "role",       [PUBLISH_UPDATE] = "update",
    [PUBLISH_PAGE] = "page",       [PUBLISH_ACK] = "ack",
    [PUBLISH_ESCALATE] = "escalate", [PUBLISH_RESOLVE] = "resolve",
    [PUBLISH_ACTION] = "action",
};

static const char *const state_names[] = {
    [PUBLISH_STATE_NONE] = "",
    [PUBLISH_STATE_INVESTIGATING] = "investigating",
    [PUBLISH_STATE_IDENTIFIED] = "identified",
    [PUBLISH_STATE_MONITORING] = "monitoring",
    [PUBLISH_STATE_RESOLVED] = "resolved",
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static int lookup(const char *const *names, size_t n, const char *name)
{
    if (!name)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (names[i][0] && strcmp(names[i], name) == 0)
            return (int)i;
    return -1;
}




int publish_kind_from_name(enum publish_kind *out, const char *name)
{
    int i = lookup(kind_names, COUNT(kind_names), name);
    if (i < 0)
        return error_set("unknown kind of publication");
    *out = (enum publish_kind)i;
    return 0;
}

const char *publish_kind_name(enum publish_kind kind)
{
    return (size_t)kind < COUNT(kind_names) ? kind_names[kind] : "?";
}

int publish_state_from_name(enum publish_state *out, const char *name)
{
    int i = lookup(state_names, COUNT(state_names), name);
    if (i < 0)
        return error_set("unknown status (expected investigating, identified, monitoring or resolved)");
    *out = (enum publish_state)i;
    return 0;
}

const char *publish_state_name(enum publish_state state)
{
    return (size_t)state < COUNT(state_names) ? state_names[state] : "";
}


const char *sink_setting(const char *env, const struct config *c, const char *key)
{
    const char *e = getenv(env);
    if (e && *e)
        return e;
    const char *v = config_string(c, key);
    return v && *v ? v : NULL;
}

void sink_settings_problem(struct sink_settings *s, const char *what)
{
    if (!s->problem)
        s->problem = xstrdup(what);
}

bool sink_status_retries(long st)
{
    /* 420 is Statuspage's (and others') "slow down"; 425 "too early" is
     * safe to repeat by definition. */
    return st == 408 || st == 420 || st == 425 || st == 429 || (st >= 500 && st <= 599);
}

const char *sink_outcome_name(enum sink_outcome outcome)
{
    switch (outcome) {
    case SINK_DELIVERED:
        return "delivered";
    case SINK_ACCEPTED:
        return "accepted";
    case SINK_RETRY:
        return "retry";
    case SINK_FAILED:
        return "failed";
    }
    return "?";
}

/* ---- cleaning and bounding ---- */

/* Providers count characters in UTF-16 code units (JavaScript and Java
 * backends); counting that way never exceeds their limit, whichever they use. */
size_t sink_units(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c & 0xC0) != 0x80)
            n += c >= 0xF0 ? 2 : 1;
    }
    return n;
}

size_t sink_utf8_boundary(const char *s, size_t len, size_t at)
{
    if (at >= len)
        return len;
    while (at > 0 && ((unsigned char)s[at] & 0xC0) == 0x80)
        at--;
    return at;
}

void sink_cut(struct buf *b, size_t start, size_t max_units, const char *marker)
{
    const char *s = b->data ? b->data + start : "";
    size_t len = b->len - start;
    if (sink_units(s, len) <= max_units)
        return;
    size_t mu = marker ? sink_units(marker, strlen(marker)) : 0;
    size_t budget = max_units > mu ? max_units - mu : 0;
    size_t i = 0, used = 0;
    while (i < len) {
        unsigned char c = (unsigned char)s[i];
        size_t n = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
        size_t u = c >= 0xF0 ? 2 : 1;
        if (used + u > budget || i + n > len)
            break;
        used += u;
        i += n;
    }
    b->len = start + i;
    b->data[b->len] = '\0';
    if (marker && mu <= max_units)
        buf_adds(b, marker);
}

void sink_clean(struct buf *out, const char *s, size_t max_units, unsigned flags)
{
    if (!s)
        return;
    size_t len = strlen(s);
    /* Cut oversized input before cleaning so hostile sizes cost nothing. */
    if (len > SINK_TEXT_MAX_BYTES)
        len = sink_utf8_boundary(s, len, SINK_TEXT_MAX_BYTES);
    size_t start = out->len;
    text_clean(out, s, len, flags);
    sink_cut(out, start, max_units, "\xe2\x80\xa6");
}

void sink_clean_line(struct buf *out, const char *s, size_t max_units)
{
    sink_clean(out, s, max_units, 0);
}

bool sink_is_web_url(const char *url)
{
    if (!url)
        return false;
    size_t len = strlen(url);
    if (len == 0 || len > SINK_URL_MAX)
        return false;
    if (strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0)
        return false;
    const char *host = strstr(url, "://") + 3;
    if (!*host || *host == '/')
        return false;
    for (const char *p = url; *p; p++)
        if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7F)
            return false;
    return true;
}

bool sink_is_token(const char *s, size_t max)
{
    if (!s)
        return false;
    size_t n = 0;
    for (; s[n]; n++) {
        char c = s[n];
        if (n >= max || !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                          (c >= '0' && c <= '9') || c == '-' || c == '_'))
            return false;
    }
    return n > 0;
}

void sink_sev_label(struct buf *out, const struct publish_item *item)
{
    if (item->sev_name && *item->sev_name)
        sink_clean_line(out, item->sev_name, 16);
    else if (item->sev > 0)
        buf_printf(out, "SEV%d", item->sev);
    else
        buf_adds(out, "SEV?");
}

int sink_json_dump(struct buf *out, struct json_t *doc)
{
    char *s = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (!s)
        return error_set("could not encode the request body");
    buf_adds(out, s);
    free(s);
    return 0;
}

/* ---- requests ---- */

void sink_request_free(struct sink_request *r)
{
    free(r->url);
    for (size_t i = 0; i < r->n_headers; i++)
        free(r->headers[i]);
    free(r->body);
    memset(r, 0, sizeof *r);
}

void sink_request_view(struct deliver_request *req, const struct sink_request *r)
{
    memset(req, 0, sizeof *req);
    req->method = r->method;
    req->url = r->url;
    req->headers = (const char *const *)r->headers;
    req->n_headers = r->n_headers;
    req->body = r->body;
    req->body_len = r->body_len;
}


/* ---- URLs and secrets ---- */

#define MASK SINK_MASK

/* Splits URL at the parts sink_mask_url treats apart. Returns false for
 * anything that is not scheme://authority[...]. */
struct url_parts {
    size_t scheme_end;   /* index of ':' in "://" */
    size_t host;         /* after the user info */
    size_t host_end;     /* end of authority */
};

static bool url_split(const char *url, struct url_parts *p)
{
    const char *sep = strstr(url, "://");
    if (!sep || sep == url)
        return false;
    for (const char *c = url; c < sep; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
              (c > url && ((*c >= '0' && *c <= '9') || *c == '+' || *c == '-' || *c == '.'))))
            return false;
    p->scheme_end = (size_t)(sep - url);
    size_t auth = p->scheme_end + 3;
    size_t end = auth + strcspn(url + auth, "/?#");
    p->host = auth;
    for (size_t i = auth; i < end; i++)
        if (url[i] == '@')
            p->host = i + 1;
    p->host_end = end;
    return p->host != end;
}

char *sink_mask_url_keeping(const char *url, size_t prefix_len)
{
    struct url_parts p;
    struct buf out = BUF_INIT;
    if (!url || !url_split(url, &p))
        return xstrdup(MASK);
    /* A public prefix never reaches into the user info, and covers the host. */
    size_t keep = p.host_end;
    if (prefix_len > keep && p.host == p.scheme_end + 3 && prefix_len <= strlen(url))
        keep = prefix_len;
    text_clean(&out, url, p.scheme_end + 3, 0);
    if (p.host != p.scheme_end + 3)
        buf_adds(&out, MASK "@");
    text_clean(&out, url + p.host, keep - p.host, 0);
    if (url[keep]) {
        char c = url[keep];
        if (url[keep - 1] != '/')
            buf_addc(&out, c == '?' || c == '#' ? c : '/');
        buf_adds(&out, MASK);
    }
    return buf_detach(&out);
}

char *sink_mask_url(const char *url)
{
    return sink_mask_url_keeping(url, 0);
}

const char *sink_url_secret(const char *url)
{
    struct url_parts p;
    if (!url || !url_split(url, &p))
        return url;
    if (p.host != p.scheme_end + 3)
        return url + p.scheme_end + 3;
    return url[p.host_end] ? url + p.host_end : NULL;
}

/* Length of PREFIX when it is a prefix of URL ending at a boundary (the end,
 * '/', '?' or '#' follows it, or it ends in '/'), else 0. */
size_t sink_prefix_of(const char *url, const char *prefix)
{
    if (!url || !prefix || !*prefix)
        return 0;
    size_t n = strlen(prefix);
    if (strncmp(url, prefix, n) != 0)
        return 0;
    char next = url[n];
    if (next && next != '/' && next != '?' && next != '#' && prefix[n - 1] != '/')
        return 0;
    return n;
}


size_t sink_public_prefix_by(const struct sink_target *t, size_t (*provider)(const char *url))
{
    struct url_parts p;
    if (!t->url || !url_split(t->url, &p))
        return 0;
    size_t n = sink_prefix_of(t->url, t->public_url_prefix);
    /* the user info is never public, and the prefix must cover the host */
    if (n && p.host == p.scheme_end + 3 && n >= p.host_end)
        return n;
    /* what each provider publishes of its own URLs: its documentation, not
     * the user's secret */
    return provider ? provider(t->url) : 0;
}



/* ---- scrubbing ---- */

/* TEXT decoded the ways a server may echo a secret, and lower-cased: byte i
 * of the folded text came from TEXT[from[i] .. from[i + 1]). */
struct folded {
    unsigned char *c;
    size_t *from;   /* n + 1 entries */
    size_t n;
};

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static int hex_at(const char *s, size_t len, size_t i, size_t n)
{
    int v = 0;
    if (i + n > len)
        return -1;
    for (size_t k = 0; k < n; k++) {
        int h = hex_value(s[i + k]);
        if (h < 0)
            return -1;
        v = v * 16 + h;
    }
    return v;
}

/* One encoded character at S[I]: its value into *C, its length returned
 * (1 for a plain byte). */
static size_t decode_one(const char *s, size_t len, size_t i, unsigned char *c)
{
    int v;
    if (s[i] == '%' && (v = hex_at(s, len, i + 1, 2)) >= 0) {
        int w;
        if (v == '%' && (w = hex_at(s, len, i + 3, 2)) >= 0) {   /* %252F: encoded twice */
            *c = (unsigned char)w;
            return 5;
        }
        *c = (unsigned char)v;
        return 3;
    }
    if (s[i] == '\\' && i + 1 < len) {
        char n = s[i + 1];
        if (n == '/' || n == '\\' || n == '"' || n == '\'') {
            *c = (unsigned char)n;
            return 2;
        }
        if (n == 'u' && (v = hex_at(s, len, i + 2, 4)) >= 0 && v < 0x80) {
            *c = (unsigned char)v;
            return 6;
        }
        if (n == 'x' && (v = hex_at(s, len, i + 2, 2)) >= 0) {
            *c = (unsigned char)v;
            return 4;
        }
    }
    if (s[i] == '&') {
        static const struct {
            const char *name;
            char c;
        } entities[] = {{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''},
                        {"&sol;", '/'}};
        for (size_t k = 0; k < sizeof entities / sizeof entities[0]; k++) {
            size_t n = strlen(entities[k].name);
            if (i + n <= len && strncasecmp(s + i, entities[k].name, n) == 0) {
                *c = (unsigned char)entities[k].c;
                return n;
            }
        }
        if (i + 3 < len && s[i + 1] == '#') {
            size_t j = i + 2;
            bool hex = s[j] == 'x' || s[j] == 'X';
            int value = 0, digits = 0;
            j += hex;
            for (; j < len && digits < 6; j++, digits++) {
                int h = hex ? hex_value(s[j]) : (s[j] >= '0' && s[j] <= '9' ? s[j] - '0' : -1);
                if (h < 0)
                    break;
                value = value * (hex ? 16 : 10) + h;
            }
            if (digits && j < len && s[j] == ';' && value < 0x80) {
                *c = (unsigned char)value;
                return j + 1 - i;
            }
        }
    }
    *c = (unsigned char)s[i];
    return 1;
}

static void fold(struct folded *f, const char *s, size_t len, bool decode)
{
    f->c = xmalloc(len + 1);
    f->from = xmalloc((len + 1) * sizeof *f->from);
    f->n = 0;
    for (size_t i = 0; i < len;) {
        unsigned char c;
        size_t n = decode ? decode_one(s, len, i, &c) : (c = (unsigned char)s[i], 1);
        f->c[f->n] = (unsigned char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
        f->from[f->n++] = i;
        i += n;
    }
    f->from[f->n] = len;
}

static void folded_free(struct folded *f)
{
    free(f->c);
    free(f->from);
}

/* Fixed-length pieces ("grams") of the secrets, in an open-addressing set. */
struct grams {
    uint64_t *slot;   /* 0: empty; else the gram's bytes with its length on top */
    size_t cap;
    unsigned lengths; /* bit L set: grams of length L are in the set */
};

static uint64_t gram_key(const unsigned char *s, size_t n)
{
    uint64_t k = (uint64_t)n << 56;
    for (size_t i = 0; i < n; i++)
        k |= (uint64_t)s[i] << (8 * i);
    return k;
}

static size_t gram_hash(uint64_t k, size_t cap)
{
    k ^= k >> 33;
    k *= UINT64_C(0xff51afd7ed558ccd);
    k ^= k >> 33;
    return (size_t)k & (cap - 1);
}

static void grams_add(struct grams *g, const unsigned char *s, size_t len, size_t n)
{
    g->lengths |= 1u << n;
    for (size_t i = 0; i + n <= len; i++) {
        uint64_t k = gram_key(s + i, n);
        size_t h = gram_hash(k, g->cap);
        while (g->slot[h] && g->slot[h] != k)
            h = (h + 1) & (g->cap - 1);
        g->slot[h] = k;
    }
}

static bool grams_has(const struct grams *g, const unsigned char *s, size_t n)
{
    uint64_t k = gram_key(s, n);
    for (size_t h = gram_hash(k, g->cap); g->slot[h]; h = (h + 1) & (g->cap - 1))
        if (g->slot[h] == k)
            return true;
    return false;
}

static const char b64_std[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* The base64 characters that SECRET alone decides when it starts at byte
 * offset ALIGN of an encoded stream: what any base64 text holding it shows. */
static void base64_core(struct buf *out, const char *secret, size_t len, unsigned align)
{
    size_t m = align + len, bits = 0, nbits = 0, start = (align * 8 + 5) / 6, end = m * 8 / 6, k = 0;
    for (size_t i = 0; i < m; i++) {
        bits = (bits << 8) | (i < align ? 0u : (unsigned char)secret[i - align]);
        nbits += 8;
        while (nbits >= 6) {
            nbits -= 6;
            char c = b64_std[(bits >> nbits) & 63];
            if (k >= start && k < end)
                buf_addc(out, c);
            k++;
        }
        bits &= (1u << nbits) - 1;
    }
}

static void add_variant(struct grams *g, const char *s, size_t len, bool decode)
{
    struct folded f;
    fold(&f, s, len, decode);
    size_t n = f.n < SINK_SCRUB_RUN ? f.n : SINK_SCRUB_RUN;
    if (n >= 4)
        grams_add(g, f.c, f.n, n);
    folded_free(&f);
}

void sink_scrub(struct buf *out, const char *text, const char *const *secrets)
{
    size_t len = strlen(text), total = 0;
    for (size_t k = 0; secrets && secrets[k]; k++)
        total += strlen(secrets[k]);
    if (!total) {
        buf_add(out, text, len);
        buf_add(out, "", 0);  /* a valid string even when TEXT was empty */
        return;
    }
    struct grams g = {0};
    for (g.cap = 64; g.cap < total * 24; g.cap *= 2)
        ;
    g.slot = xcalloc(g.cap, sizeof *g.slot);
    for (size_t k = 0; secrets[k]; k++) {
        const char *s = secrets[k];
        size_t n = strlen(s);
        if (n < 4)
            continue;   /* too likely to be a word */
        add_variant(&g, s, n, false);
        add_variant(&g, s, n, true);    /* a secret that holds escapes itself */
        if (n >= SINK_SCRUB_RUN) {
            for (unsigned a = 0; a < 3; a++) {
                struct buf b64 = BUF_INIT;
                base64_core(&b64, s, n, a);
                add_variant(&g, buf_str(&b64), b64.len, false);
                for (size_t i = 0; i < b64.len; i++)  /* the URL-safe alphabet */
                    b64.data[i] = b64.data[i] == '+' ? '-' : b64.data[i] == '/' ? '_' : b64.data[i];
                add_variant(&g, buf_str(&b64), b64.len, false);
                buf_free(&b64);
            }
        }
    }

    /* Mark every folded byte that lies in a gram of a secret, in the text as
     * decoded and as it is (so an escape inside a secret still matches). */
    bool *hit = xcalloc(len + 1, sizeof *hit);
    for (int pass = 0; pass < 2; pass++) {
        struct folded f;
        fold(&f, text, len, pass == 1);
        for (size_t i = 0; i < f.n; i++) {
            for (unsigned n = 4; n <= SINK_SCRUB_RUN; n++) {
                if (!(g.lengths & (1u << n)) || i + n > f.n || !grams_has(&g, f.c + i, n))
                    continue;
                for (size_t b = f.from[i]; b < f.from[i + n]; b++)
                    hit[b] = true;
            }
        }
        folded_free(&f);
    }
    for (size_t i = 0; i < len;) {
        if (!hit[i]) {
            buf_addc(out, text[i++]);
            continue;
        }
        buf_adds(out, MASK);
        while (i < len && (hit[i] || ((unsigned char)text[i] & 0xC0) == 0x80))
            i++;    /* never leave half a character behind */
    }
    buf_add(out, "", 0);
    free(hit);
    free(g.slot);
}

/* ---- retries ---- */

static const char *const months[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                     "jul", "aug", "sep", "oct", "nov", "dec"};
static const char *const days_short[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
static const char *const days_long[] = {"monday", "tuesday", "wednesday", "thursday",
                                        "friday", "saturday", "sunday"};

/* Matches one of NAMES (case-insensitively) at *P and moves past it. */
static int take_name(const char **p, const char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(names[i]);
        if (strncasecmp(*p, names[i], len) == 0) {
            *p += len;
            return (int)i;
        }
    }
    return -1;
}

static bool take_char(const char **p, char c)
{
    if (**p != c)
        return false;
    (*p)++;
    return true;
}

/* Exactly N digits. */
static bool take_digits(const char **p, int n, int *value)
{
    *value = 0;
    for (int i = 0; i < n; i++) {
        char c = (*p)[i];
        if (c < '0' || c > '9')
            return false;
        *value = *value * 10 + (c - '0');
    }
    *p += n;
    return true;
}

static bool take_time(const char **p, int *h, int *m, int *s)
{
    return take_digits(p, 2, h) && take_char(p, ':') && take_digits(p, 2, m) &&
           take_char(p, ':') && take_digits(p, 2, s) && *h <= 23 && *m <= 59 && *s <= 60;
}

static bool date_valid(int y, int mon, int d)
{
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (mon < 1 || mon > 12 || d < 1 || d > mdays[mon - 1])
        return false;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return !(mon == 2 && d == 29 && !leap);
}

/* The three forms RFC 9110 section 5.6.7 lets a recipient accept:
 *   Sun, 06 Nov 1994 08:49:37 GMT   (IMF-fixdate, the one senders use)
 *   Sunday, 06-Nov-94 08:49:37 GMT  (obsolete RFC 850)
 *   Sun Nov  6 08:49:37 1994        (obsolete asctime) */
static bool parse_http_date(const char *s, int64_t *out)
{
    const char *p = s;
    int y = 0, mon, d = 0, h, mi, sec;

    if (take_name(&p, days_long, 7) >= 0) {
        if (!take_char(&p, ',') || !take_char(&p, ' ') || !take_digits(&p, 2, &d) ||
            !take_char(&p, '-') || (mon = take_name(&p, months, 12)) < 0 || !take_char(&p, '-') ||
            !take_digits(&p, 2, &y) || !take_char(&p, ' ') || !take_time(&p, &h, &mi, &sec) ||
            strcmp(p, " GMT") != 0)
            return false;
        /* Two-digit years: the nearest century that is not in the far future. */
        y += y < 70 ? 2000 : 1900;
    } else if (take_name(&p, days_short, 7) >= 0) {
        if (take_char(&p, ',')) {
            if (!take_char(&p, ' ') || !take_digits(&p, 2, &d) || !take_char(&p, ' ') ||
                (mon = take_name(&p, months, 12)) < 0 || !take_char(&p, ' ') ||
                !take_digits(&p, 4, &y) || !take_char(&p, ' ') || !take_time(&p, &h, &mi, &sec) ||
                strcmp(p, " GMT") != 0)
                return false;
        } else {
            if (!take_char(&p, ' ') || (mon = take_name(&p, months, 12)) < 0 || !take_char(&p, ' '))
                return false;
            if (*p == ' ') {
                p++;
                if (!take_digits(&p, 1, &d))
                    return false;
            } else if (!take_digits(&p, 2, &d)) {
                return false;
            }
            if (!take_char(&p, ' ') || !take_time(&p, &h, &mi, &sec) || !take_char(&p, ' ') ||
                !take_digits(&p, 4, &y) || *p)
                return false;
        }
    } else {
        return false;
    }
    mon += 1;
    if (!date_valid(y, mon, d))
        return false;
    *out = stamp_from_utc(y, mon, d, h, mi, sec) / 1000;
    return true;
}

int sink_retry_after_parse(int64_t *delay_s, const char *value, int64_t now_s)
{
    if (!value)
        return error_set("no Retry-After value");
    size_t len = strlen(value);
    while (len && (value[len - 1] == ' ' || value[len - 1] == '\t'))
        len--;
    while (len && (*value == ' ' || *value == '\t')) {
        value++;
        len--;
    }
    if (len == 0 || len > 64)
        return error_set("Retry-After is empty or too long");

    char text[65];
    memcpy(text, value, len);
    text[len] = '\0';

    if (text[0] >= '0' && text[0] <= '9') {
        int64_t n = 0;
        for (size_t i = 0; i < len; i++) {
            if (text[i] < '0' || text[i] > '9')
                return error_set("Retry-After is neither seconds nor an HTTP date");
            if (n <= SINK_RETRY_AFTER_MAX_S)
                n = n * 10 + (text[i] - '0');
        }
        *delay_s = n > SINK_RETRY_AFTER_MAX_S ? SINK_RETRY_AFTER_MAX_S : n;
        return 0;
    }
    int64_t when;
    if (!parse_http_date(text, &when))
        return error_set("Retry-After is neither seconds nor an HTTP date");
    int64_t d = when - now_s;
    *delay_s = d < 0 ? 0 : d > SINK_RETRY_AFTER_MAX_S ? SINK_RETRY_AFTER_MAX_S : d;
    return 0;
}

int64_t sink_backoff_ms(const struct sink_backoff *policy, unsigned attempt, uint32_t random)
{
    int64_t base = policy->base_ms > 0 ? policy->base_ms : 1;
    int64_t cap = policy->cap_ms >= base ? policy->cap_ms : base;
    int64_t d = base;
    for (unsigned i = 1; i < attempt && d < cap; i++)
        d = d > cap / 2 ? cap : d * 2;
    if (d > cap)
        d = cap;
    int64_t half = d / 2;
    return half + (int64_t)(random % (uint64_t)(d - half + 1));
}

int64_t sink_retry_delay_ms(const struct sink_backoff *policy, unsigned attempt,
                            uint32_t random, const char *retry_after, int64_t now_s)
{
    int64_t d = sink_backoff_ms(policy, attempt, random), asked;
    if (retry_after && sink_retry_after_parse(&asked, retry_after, now_s) == 0 && asked * 1000 > d)
        d = asked * 1000;
    return d;
}

/* Squeezes S into one line: runs of blanks become one space, ends trimmed. */
