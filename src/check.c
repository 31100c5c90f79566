#include "warroom/check.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "warroom/error.h"
#include "warroom/stamp.h"
#include "warroom/text.h"

int check_text(struct buf *out, const char *text, size_t max, const char *what)
{
    struct buf clean = BUF_INIT;
    text_clean(&clean, text, strlen(text), 0);
    size_t start = 0, end = clean.len;
    while (start < end && clean.data[start] == ' ')
        start++;
    while (end > start && clean.data[end - 1] == ' ')
        end--;
    int rc = 0;
    if (end == start)
        rc = error_set("%s is empty%s", what, clean.len ? " (only spaces)" : "");
    else if (end - start > max)
        rc = error_set("%s is %zu bytes, over the limit of %zu", what, end - start, max);
    else
        buf_add(out, clean.data + start, end - start);
    buf_free(&clean);
    return rc;
}

int check_due_date(const char *due)
{
    char iso[32];
    int64_t t;
    bool shaped = strlen(due) == 10;
    for (size_t i = 0; shaped && i < 10; i++)
        shaped = i == 4 || i == 7 ? due[i] == '-' : isdigit((unsigned char)due[i]) != 0;
    snprintf(iso, sizeof iso, "%.10sT00:00:00Z", due);
    if (!shaped || stamp_parse_iso(&t, iso) < 0)
        return error_set("due date \"%.40s\" is not a day written YYYY-MM-DD", due);
    return 0;
}

int check_priority(const char *priority)
{
    if (strcmp(priority, "P1") && strcmp(priority, "P2") && strcmp(priority, "P3"))
        return error_set("priority \"%.20s\" is not P1, P2 or P3", priority);
    return 0;
}

int check_when(int64_t *at, const char *when, int64_t now)
{
    if (stamp_parse_user(at, when, now) < 0)
        return -1;
    if (*at > now + STAMP_MINUTE)
        return error_set("%.40s is in the future; the timeline records what has happened", when);
    return 0;
}

/* Reads 1 or 2 digits at *P. */
static int read_number(const char **p, int *out)
{
    int n = 0, v = 0;
    while (n < 3 && isdigit((unsigned char)**p)) {
        v = v * 10 + (*(*p)++ - '0');
        n++;
    }
    *out = v;
    return n;
}

int check_leading_time(const char *text, int64_t now, int64_t *at, size_t *skip)
{
    const char *p = text;
    int h, m, s = 0, nh, nm, ns = 2;
    if ((nh = read_number(&p, &h)) < 1 || nh > 2 || (*p != ':' && *p != '.'))
        return 0;
    char sep = *p++;
    if ((nm = read_number(&p, &m)) != 2)
        return 0;
    if (sep == ':' && *p == ':') {
        p++;
        ns = read_number(&p, &s);
    }
    if (*p != ' ' && *p != '\0')
        return 0;                         /* "14:25h", "1.250s": words, not a time */
    size_t len = (size_t)(p - text);
    if (ns != 2 || h > 23 || m > 59 || s > 59) {
        if (sep == '.')
            return 0;                     /* "99.95 availability": a number */
        return error_set("%.*s is not a time of day (00:00 to 23:59); to back-date, start with HH:MM",
                         (int)len, text);
    }
    char hhmm[40];
    snprintf(hhmm, sizeof hhmm, "%02d:%02d:%02d", h, m, s);
    if (check_when(at, hhmm, now) < 0)
        return -1;
    *skip = len + (*p == ' ');
    return 1;
}

bool check_same_day(int64_t a, int64_t b)
{
    int ya, ma, da, yb, mb, db, x;
    stamp_to_utc(a, &ya, &ma, &da, &x, &x, &x);
    stamp_to_utc(b, &yb, &mb, &db, &x, &x, &x);
    return ya == yb && ma == mb && da == db;
}

int check_repeat(const struct incident *inc, enum event_type type)
{
    char iso[STAMP_TEXT_MAX];
    switch (type) {
    case EVENT_ACK:
        if (inc->acked_at != STAMP_NONE)
            return error_set("already acknowledged at %s; nothing recorded", stamp_format_iso_s(iso, inc->acked_at));
        break;
    case EVENT_MITIGATE: {
        /* mitigated since the last reopen (a resolve counts as mitigated) */
        int64_t since = STAMP_NONE;
        for (size_t i = 0; i < inc->ntimeline; i++) {
            enum event_type t = inc->timeline[i].ev->type;
            if (t == EVENT_MITIGATE || t == EVENT_RESOLVE)
                since = since == STAMP_NONE ? inc->timeline[i].at : since;
            else if (t == EVENT_REOPEN)
                since = STAMP_NONE;
        }
        if (since != STAMP_NONE)
            return error_set("already mitigated at %s; nothing recorded", stamp_format_iso_s(iso, since));
        break;
    }
    case EVENT_RESOLVE:
        if (inc->status == STATUS_RESOLVED)
            return error_set("already resolved at %s; nothing recorded (reopen it if it is not over)",
                             stamp_format_iso_s(iso, inc->resolved_at));
        break;
    default:
        break;
    }
    return 0;
}
