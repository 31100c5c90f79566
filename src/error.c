#include "warroom/error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static _Thread_local char last[1024];

int error_set(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last, sizeof last, fmt, ap);
    va_end(ap);
    return -1;
}

int error_set_errno(const char *fmt, ...)
{
    int saved = errno;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(last, sizeof last, fmt, ap);
    va_end(ap);
    if (n >= 0 && (size_t)n < sizeof last)
        snprintf(last + n, sizeof last - (size_t)n, ": %s", strerror(saved));
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
