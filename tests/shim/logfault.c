/* logfault — an LD_PRELOAD shim that makes the disk fail under one file.
 * Only calls on a file whose path ends in LOGFAULT_SUFFIX (default
 * "events.jsonl") count; the Nth of them fails, as a failing disk does:
 *   LOGFAULT_WRITE=N       the Nth write() is short by LOGFAULT_UNWRITTEN bytes
 *                          (default 1: everything but a record's newline lands),
 *                          then the disk fails: every later write() and
 *                          fdatasync() returns EIO
 *   LOGFAULT_FDATASYNC=N   the Nth fdatasync() returns EIO (the bytes are in
 *                          the page cache, their durability is unknown), and so
 *                          does every later write() and fdatasync()
 *   LOGFAULT_EIO=K         after the failing call, K more calls fail, then the
 *                          disk works again (default: it stays failed)
 * Counting is per process: each warroom command starts afresh. */
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

static long env_long(const char *name, long fallback)
{
    const char *v = getenv(name);
    return v && *v ? strtol(v, NULL, 10) : fallback;
}

static bool watched(int fd)
{
    char link[64], path[PATH_MAX];
    const char *suffix = getenv("LOGFAULT_SUFFIX");
    if (!suffix || !*suffix)
        suffix = "events.jsonl";
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, path, sizeof path - 1);
    if (n < 0)
        return false;
    path[n] = '\0';
    size_t len = strlen(suffix);
    return (size_t)n >= len && strcmp(path + n - len, suffix) == 0;
}

static long writes, syncs;
static bool failing;   /* the disk has failed */
static long eio_left;  /* while failing: calls that still fail; < 0: all */

/* True when this call fails with EIO because the disk already failed. */
static bool disk_failed(void)
{
    if (!failing)
        return false;
    if (eio_left == 0)
        return false;
    if (eio_left > 0)
        eio_left--;
    errno = EIO;
    return true;
}

static void start_failing(void)
{
    failing = true;
    eio_left = env_long("LOGFAULT_EIO", -1);
}

ssize_t write(int fd, const void *buf, size_t count)
{
    static ssize_t (*real)(int, const void *, size_t);
    if (!real)
        real = (ssize_t (*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
    if (!watched(fd))
        return real(fd, buf, count);
    if (disk_failed())
        return -1;
    if (++writes == env_long("LOGFAULT_WRITE", 0)) {
        size_t unwritten = (size_t)env_long("LOGFAULT_UNWRITTEN", 1);
        start_failing();
        if (unwritten >= count) {
            errno = EIO;
            return -1;
        }
        return real(fd, buf, count - unwritten);
    }
    return real(fd, buf, count);
}

int fdatasync(int fd)
{
    static int (*real)(int);
    if (!real)
        real = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
    if (!watched(fd))
        return real(fd);
    if (disk_failed())
        return -1;
    if (++syncs == env_long("LOGFAULT_FDATASYNC", 0)) {
        start_failing();
        errno = EIO;
        return -1;
    }
    return real(fd);
}
