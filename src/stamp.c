#include "warroom/stamp.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "warroom/error.h"

/* Days from 1970-01-01 to Y-M-D in the proleptic Gregorian calendar (Howard
 * Hinnant's days_from_civil): no timegm, no TZ, no locale. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int64_t stamp_from_utc(int year, int mon, int day, int hour, int min, int sec)
{
    return (days_from_civil(year, mon, day) * 86400 + hour * 3600 + min * 60 + sec) * 1000;
}

void stamp_to_utc(int64_t t, int *year, int *mon, int *day, int *hour, int *min, int *sec)
{
    int64_t secs = t >= 0 ? t / 1000 : (t - 999) / 1000;
    int64_t z = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
    int64_t rem = secs - z * 86400;
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int d = (int)(doy - (153 * mp + 2) / 5 + 1);
    int m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *year = (int)(yoe + era * 400 + (m <= 2));
    *mon = m;
    *day = d;
    *hour = (int)(rem / 3600);
    *min = (int)(rem / 60 % 60);
    *sec = (int)(rem % 60);
}

static int days_in_month(int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return days[m - 1];
}

/* Reads exactly N digits at *P into *OUT. */
static bool digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)(*p)[i]))
            return false;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    *out = v;
    return true;
}

int stamp_parse_iso(int64_t *out, const char *s)
{
    const char *p = s;
    int y, mo, d, h, mi, sec = 0, ms = 0;
    if (!digits(&p, 4, &y) || *p++ != '-' || !digits(&p, 2, &mo) || *p++ != '-' ||
        !digits(&p, 2, &d) || (*p != 'T' && *p != 't' && *p != ' '))
        goto bad;
    p++;
    if (!digits(&p, 2, &h) || *p++ != ':' || !digits(&p, 2, &mi))
        goto bad;
    if (*p == ':') {
        p++;
        if (!digits(&p, 2, &sec))
            goto bad;
        if (*p == '.' || *p == ',') {
            p++;
            int scale = 100, n = 0;
            while (isdigit((unsigned char)*p)) {
                if (n++ < 3) {
                    ms += (*p - '0') * scale;
                    scale /= 10;
                }
                p++;
            }
            if (n == 0)
                goto bad;
        }
    }
    if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || sec > 60)
        goto bad;
    int64_t offset = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p++ == '-' ? -1 : 1, oh, om = 0;
        if (!digits(&p, 2, &oh))
            goto bad;
        if (*p == ':') {
            p++;
            if (!digits(&p, 2, &om))      /* "+05:" needs its minutes */
                goto bad;
        } else if (isdigit((unsigned char)*p) && !digits(&p, 2, &om)) {
            goto bad;
        }
        if (oh > 23 || om > 59)
            goto bad;
        offset = sign * ((int64_t)oh * 60 + om) * STAMP_MINUTE;
    } else {
        return error_set("time \"%.40s\" has no zone: add Z for UTC or an offset like +02:00", s);
    }
    if (*p)
        goto bad;
    if (sec == 60)
        sec = 59;                         /* a leap second is recorded as its second's start */
    int64_t t = ((days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec) * 1000 + ms) - offset;
    if (!stamp_in_range(t))
        return error_set("time \"%.40s\" is outside the years 0001 to 9999 (UTC)", s);
    *out = t;
    return 0;
bad:
    return error_set("time \"%.40s\" is not ISO 8601 (expected like 2025-03-15T14:25:00Z)", s);
}

bool stamp_in_range(int64_t t)
{
    return t >= STAMP_MIN && t <= STAMP_MAX;
}

int stamp_parse_user(int64_t *out, const char *s, int64_t now)
{
    const char *p = s;
    int h, m, sec = 0;
    if (s[0] && strlen(s) <= 8 && digits(&p, isdigit((unsigned char)s[1]) ? 2 : 1, &h) && *p == ':') {
        p++;
        if (!digits(&p, 2, &m))
            goto bad;
        if (*p == ':') {
            p++;
            if (!digits(&p, 2, &sec))
                goto bad;
        }
        if (*p || h > 23 || m > 59 || sec > 59)
            goto bad;
        int64_t day = (now >= 0 ? now : now - STAMP_DAY + 1) / STAMP_DAY * STAMP_DAY;
        int64_t t = day + h * STAMP_HOUR + m * STAMP_MINUTE + sec * STAMP_SECOND;
        if (t > now + STAMP_MINUTE)
            t -= STAMP_DAY;               /* "23:50" typed at 00:10 means last night */
        if (!stamp_in_range(t))
            return error_set("time \"%.40s\" today is outside the years 0001 to 9999 (UTC): is the clock right?", s);
        *out = t;
        return 0;
    }
    if (strchr(s, 'T') || strchr(s, 't') || strchr(s, ' '))
        return stamp_parse_iso(out, s);
bad:
    return error_set("time \"%.40s\" is not HH:MM[:SS] (UTC, today) or ISO 8601 with a zone", s);
}

int stamp_parse_duration(int64_t *out, const char *s)
{
    const char *p = s;
    int64_t total = 0;
    if (!*p)
        goto bad;
    while (*p) {
        if (!isdigit((unsigned char)*p))
            goto bad;
        int64_t n = 0;
        while (isdigit((unsigned char)*p)) {
            n = n * 10 + (*p++ - '0');
            if (n > 100000000)
                goto bad;
        }
        int64_t unit;
        switch (*p++) {
        case 's': unit = STAMP_SECOND; break;
        case 'm': unit = STAMP_MINUTE; break;
        case 'h': unit = STAMP_HOUR; break;
        case 'd': unit = STAMP_DAY; break;
        default: goto bad;
        }
        total += n * unit;
        if (total > 3650 * STAMP_DAY)
            goto bad;
    }
    *out = total;
    return 0;
bad:
    return error_set("duration \"%.40s\" is not like 90s, 5m, 1h30m or 2d", s);
}

static char *format(char *out, int64_t t, bool always_ms)
{
    int y, mo, d, h, mi, s;
    stamp_to_utc(t, &y, &mo, &d, &h, &mi, &s);
    int ms = (int)(((t % 1000) + 1000) % 1000);
    if (always_ms || ms)
        snprintf(out, STAMP_TEXT_MAX, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", y, mo, d, h, mi, s, ms);
    else
        snprintf(out, STAMP_TEXT_MAX, "%04d-%02d-%02dT%02d:%02d:%02dZ", y, mo, d, h, mi, s);
    return out;
}

char *stamp_format_iso(char *out, int64_t t)
{
    return format(out, t, true);
}

char *stamp_format_iso_s(char *out, int64_t t)
{
    return format(out, t, false);
}

char *stamp_format_span(char *out, size_t size, int64_t span)
{
    /* by magnitude; computed on the seconds so INT64_MIN cannot overflow */
    int64_t s = span / 1000;
    if (s < 0)
        s = -s;
    if (s >= 86400)
        snprintf(out, size, "%lldd%02lldh", (long long)(s / 86400), (long long)(s % 86400 / 3600));
    else if (s >= 3600)
        snprintf(out, size, "%lldh%02lldm", (long long)(s / 3600), (long long)(s % 3600 / 60));
    else if (s >= 60)
        snprintf(out, size, "%lldm%02llds", (long long)(s / 60), (long long)(s % 60));
    else
        snprintf(out, size, "%llds", (long long)s);
    return out;
}

/* WARROOM_NOW's starting point into *OUT, and whether it runs: 1; 0 when it
 * is unset; -1 when it does not parse (with a message when REPORT). */
static int fixed_now(int64_t *out, bool *running, bool report)
{
    const char *fixed = getenv("WARROOM_NOW");
    char text[STAMP_TEXT_MAX];
    if (!fixed || !*fixed)
        return 0;
    size_t n = strlen(fixed);
    *running = fixed[n - 1] == '+';
    if (*running)
        n--;
    if (n >= sizeof text) {
        if (report)
            error_set("WARROOM_NOW \"%.40s\" is not a time like 2025-03-15T14:00:00Z", fixed);
        return -1;
    }
    memcpy(text, fixed, n);
    text[n] = '\0';
    int64_t t;
    if (!report) {
        /* no message: stamp_now must not replace one a caller is about to show */
        char saved[1024];
        snprintf(saved, sizeof saved, "%s", error_last());
        int rc = stamp_parse_iso(&t, text);
        error_set("%s", saved);
        if (rc < 0)
            return -1;
    } else if (stamp_parse_iso(&t, text) < 0) {
        char why[256];
        snprintf(why, sizeof why, "%s", error_last());
        error_set("WARROOM_NOW: %s", why);
        return -1;
    }
    *out = t;
    return 1;
}

int stamp_check_now(void)
{
    int64_t t;
    bool running;
    int rc = fixed_now(&t, &running, true);
    if (rc < 0)
        return -1;
    t = stamp_now();
    if (!stamp_in_range(t)) {
        char text[STAMP_TEXT_MAX];
        return error_set("the clock reads %s, outside the years 0001 to 9999: set the system clock%s",
                         stamp_format_iso(text, t), rc ? " or WARROOM_NOW" : "");
    }
    return 0;
}

int64_t stamp_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t real = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    int64_t t;
    bool running;
    /* "...Z" stands still; "...Z+" starts there and runs with the real clock,
     * so a test can put a deadline seconds away and watch it pass. One that
     * does not parse is refused at the door (stamp_check_now). */
    if (fixed_now(&t, &running, false) <= 0)
        return real;
    if (!running)
        return t;
    static int64_t start_real = STAMP_NONE;
    if (start_real == STAMP_NONE)
        start_real = real;
    return t + (real - start_real);
}
