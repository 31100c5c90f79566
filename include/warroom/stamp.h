/* stamp — points in time as the log records them.
 * A stamp is milliseconds since the Unix epoch, UTC, in an int64_t. The log
 * writes them as ISO 8601 with a Z ("2025-03-15T14:35:02.118Z"); the command
 * line also takes HH:MM[:SS] (today, UTC) and ISO 8601 with any zone. */
#ifndef WARROOM_STAMP_H
#define WARROOM_STAMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STAMP_NONE INT64_MIN  /* "no time": never a valid stamp */
#define STAMP_SECOND INT64_C(1000)
#define STAMP_MINUTE (60 * STAMP_SECOND)
#define STAMP_HOUR (60 * STAMP_MINUTE)
#define STAMP_DAY (24 * STAMP_HOUR)
#define STAMP_TEXT_MAX 32
/* How far past the reader's clock a stamp may lie before it is taken for a
 * wrong clock: machines drift by seconds, not minutes. */
#define STAMP_SKEW_MAX (5 * STAMP_MINUTE)

/* Every stamp warroom reads or writes lies in [STAMP_MIN, STAMP_MAX], UTC:
 * 0001-01-01T00:00:00.000Z to 9999-12-31T23:59:59.999Z, what four-digit ISO
 * 8601 years can write and read back. Parsing, the clock, --at and encoding
 * refuse anything else with a message, so no record is ever written that
 * cannot be read. */
#define STAMP_MIN INT64_C(-62135596800000)
#define STAMP_MAX INT64_C(253402300799999)

bool stamp_in_range(int64_t t);

/* Now, from the real-time clock, unless WARROOM_NOW (ISO 8601) fixes it; with a
 * trailing "+" ("2025-03-15T14:00:00Z+") time starts there at the first call
 * and then runs. Tests and demos control time through it without sleeping. */
int64_t stamp_now(void);

/* Checks the clock stamp_now reads: a WARROOM_NOW that does not parse, or a
 * time outside [STAMP_MIN, STAMP_MAX], is an error with a message. */
int stamp_check_now(void);

/* Parses an ISO 8601 date-time with a zone (Z or ±HH:MM or ±HHMM), with optional
 * fractional seconds (kept to the millisecond). Returns 0 or -1 with a message. */
int stamp_parse_iso(int64_t *out, const char *s);

/* Parses what a user may type for --at: HH:MM or HH:MM:SS (on the UTC day of NOW;
 * a time more than a minute later than NOW means yesterday, since one cannot
 * log the future), or ISO 8601 with a zone. */
int stamp_parse_user(int64_t *out, const char *s, int64_t now);

/* Parses a duration like "90s", "5m", "1h30m", "48h", "2d". Returns 0 or -1. */
int stamp_parse_duration(int64_t *out, const char *s);

/* Formats into OUT (at least STAMP_TEXT_MAX bytes), returns OUT:
 *   stamp_format_iso: 2025-03-15T14:35:02.118Z (milliseconds always shown)
 *   stamp_format_iso_s: 2025-03-15T14:35:02Z (milliseconds shown only when set) */
char *stamp_format_iso(char *out, int64_t t);
char *stamp_format_iso_s(char *out, int64_t t);

/* "2h05m", "4m12s", "12s", "3d04h": a span for people to read. Negative spans
 * are formatted by magnitude. */
char *stamp_format_span(char *out, size_t size, int64_t span);

/* The stamp of a UTC calendar date and time (fields as written, not checked). */
int64_t stamp_from_utc(int year, int mon, int day, int hour, int min, int sec);

/* Splits T into UTC calendar fields. */
void stamp_to_utc(int64_t t, int *year, int *mon, int *day, int *hour, int *min, int *sec);

#endif
