#include "warroom/error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "warroom/buf.h"
#include "warroom/text.h"

static _Thread_local char last[1024];

/* A message quotes what failed: a file's bytes (jansson repeats the token it
 * choked on), a name from a log, a server's reply. Whatever would steer the
 * terminal that shows it, or reorder what the reader sees, is written out as
 * an escape instead, so the message stays both safe and exact about the
 * offending byte: ESC becomes \x1b, U+202E \u202e, an invalid byte \xNN.
 * Newlines and tabs become spaces: a message is one line. */
static void error_make_visible(void)
{
    size_t len = strlen(last);
    if (text_is_clean(last, len, 0))
        return;
    struct buf b = BUF_INIT;
    size_t i = 0;
    while (i < len) {
        uint32_t cp;
        size_t n = text_utf8_decode(last + i, len - i, &cp);
        if (n == 0) {
            buf_printf(&b, "\\x%02x", (unsigned char)last[i]);
            i++;
            continue;
        }
        if (cp == '\n' || cp == '\t' || cp == 0x2028 || cp == 0x2029)
            buf_addc(&b, ' ');
        else if (cp < 0x80 && text_is_hostile(cp))
            buf_printf(&b, "\\x%02x", (unsigned)cp);
        else if (text_is_hostile(cp))
            buf_printf(&b, "\\u%04x", (unsigned)cp);
        else
            buf_add(&b, last + i, n);
        i += n;
    }
    /* the escapes make it longer: cut on a character boundary */
    size_t keep = b.len < sizeof last ? b.len : sizeof last - 1;
    while (keep > 0 && keep < b.len && ((unsigned char)b.data[keep] & 0xC0) == 0x80)
        keep--;
    memcpy(last, b.data, keep);
    last[keep] = '\0';
    buf_free(&b);
}

/* Messages are formatted aside first: a caller that adds context to the last
 * message (error_set("%s: ...", error_last())) passes that very buffer. */
int error_setv(const char *fmt, va_list ap)
{
    char message[sizeof last];
    vsnprintf(message, sizeof message, fmt, ap);
    memcpy(last, message, sizeof last);
    error_make_visible();
    return -1;
}

int error_set(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    error_setv(fmt, ap);
    va_end(ap);
    return -1;
}

int error_set_errno(const char *fmt, ...)
{
    int saved = errno;
    va_list ap;
    va_start(ap, fmt);
    char message[sizeof last];
    int n = vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    if (n >= 0 && (size_t)n < sizeof message)
        snprintf(message + n, sizeof message - (size_t)n, ": %s", strerror(saved));
    memcpy(last, message, sizeof last);
    error_make_visible();
    errno = saved;
    return -1;
}

const char *error_last(void)
{
    return last;
}

void error_clear(void)
{
    last[0] = '\0';
}
