/* error — how the core reports failure.
 * Following libgit2's convention: a function that can fail returns < 0 and leaves
 * a message here that the caller can show as is. The core never exits and never
 * prints; the command line and the console decide what to do with the message.
 * Every message is safe to print as it is: what would steer a terminal or
 * reorder text (controls, escape sequences, bidi and zero-width characters,
 * invalid UTF-8) is written out as \xNN or \uNNNN, newlines as spaces. */
#ifndef WARROOM_ERROR_H
#define WARROOM_ERROR_H

#include <stdarg.h>

/* Records a message (printf-style) for this thread and returns -1, so a failing
 * path can say `return error_set("...")`. */
int error_set(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* error_set with a va_list. */
int error_setv(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* Like error_set, with ": strerror(errno)" appended (errno as it was on entry). */
int error_set_errno(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The last message set on this thread; "" when none. Owned by the error module,
 * valid until the next error_set on this thread. */
const char *error_last(void);

void error_clear(void);

#endif
