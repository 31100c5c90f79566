/* check — what people type, judged by one rule wherever they type it.
 * The console's prompts and the command line's verbs call the same function
 * for each kind of input, so the two never disagree about what is valid, and
 * each says what is wrong in words a tired responder can act on. Every
 * function returns 0, or -1 with the message in error_last(). */
#ifndef WARROOM_CHECK_H
#define WARROOM_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "warroom/buf.h"
#include "warroom/event.h"
#include "warroom/incident.h"

/* The text of an entry, a title, a target: cleaned (text_clean), spaces at
 * both ends trimmed, into OUT. Empty or only spaces is refused, and so is more
 * than MAX bytes. WHAT names it in the message ("the note"). */
int check_text(struct buf *out, const char *text, size_t max, const char *what);

/* A due date: YYYY-MM-DD, a day that exists. */
int check_due_date(const char *due);

/* An action item's priority: P1, P2 or P3. */
int check_priority(const char *priority);

/* When something happened, as typed: HH:MM[:SS] (UTC, the day of NOW, or the
 * day before when that would be in the future) or ISO 8601 with a zone; never
 * more than a minute after NOW. */
int check_when(int64_t *at, const char *when, int64_t now);

/* A note may start with the time it happened ("14:25 deploy pushed"). Returns
 * 1 with *AT and *SKIP (the bytes of the time and the space after it) when
 * TEXT starts with a time of day, 0 when it does not start with anything like
 * one, and -1 when it starts with what must be a time but is not a possible
 * one ("25:99", "14:61"), or with a time in the future. "14.25" is read as
 * 14:25; a number that is no time with a dot ("99.95") is text. */
int check_leading_time(const char *text, int64_t now, int64_t *at, size_t *skip);

/* True when A and B fall on the same UTC day. */
bool check_same_day(int64_t a, int64_t b);

/* Recording TYPE again would repeat what is already done: a second ack, a
 * second mitigation, a second resolve. Refused with when it was done. */
int check_repeat(const struct incident *inc, enum event_type type);

#endif
