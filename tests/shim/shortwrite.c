/* shortwrite — an LD_PRELOAD shim that makes one write(2) to a chosen file
 * short, and the write after it fail: the way a filling disk answers.
 *
 *   WARROOM_SHORTWRITE_PATH   the file, by the end of its path ("/updates.md")
 *   WARROOM_SHORTWRITE_CALL   which write to that file is cut short (1 = the
 *                             first; default 1): it writes half and says so
 *   WARROOM_SHORTWRITE_ERRNO  the error of the next write to it (default EIO,
 *                             5); later writes go through
 *
 * Writes to other files are untouched. Only write(2) is wrapped: warroom
 * writes its files with it. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

ssize_t write(int fd, const void *buf, size_t count);

static unsigned long calls;

/* Whether FD is open on a file whose path ends with SUFFIX. */
static int is_target(int fd, const char *suffix)
{
    char link[64], path[PATH_MAX];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, path, sizeof path - 1);
    if (n <= 0)
        return 0;
    path[n] = '\0';
    size_t s = strlen(suffix);
    return (size_t)n >= s && strcmp(path + n - s, suffix) == 0;
}

ssize_t write(int fd, const void *buf, size_t count)
{
    static ssize_t (*real_write)(int, const void *, size_t);
    if (!real_write)
        *(void **)&real_write = dlsym(RTLD_NEXT, "write");
    const char *suffix = getenv("WARROOM_SHORTWRITE_PATH");
    if (!suffix || !*suffix || !is_target(fd, suffix))
        return real_write(fd, buf, count);
    const char *c = getenv("WARROOM_SHORTWRITE_CALL"), *e = getenv("WARROOM_SHORTWRITE_ERRNO");
    unsigned long at = c && *c ? strtoul(c, NULL, 10) : 1;
    calls++;
    if (calls == at && count > 1)
        return real_write(fd, buf, count / 2);
    if (calls == at + 1) {
        errno = e && *e ? atoi(e) : EIO;
        return -1;
    }
    return real_write(fd, buf, count);
}
