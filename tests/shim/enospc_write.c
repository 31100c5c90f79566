/* enospc_write — a full disk for chosen files: write, pwrite and writev to a
 * descriptor whose path contains $WARROOM_SHIM_ENOSPC fail with ENOSPC, as
 * they do on a full file system; everything else is written as usual.
 * LD_PRELOAD=build/shim/enospc_write.so WARROOM_SHIM_ENOSPC=/inc- warroom open ...
 * (_GNU_SOURCE, for RTLD_NEXT, comes from the Makefile's -std flags.) */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

ssize_t write(int fd, const void *buf, size_t n);
ssize_t pwrite(int fd, const void *buf, size_t n, off_t at);
ssize_t writev(int fd, const struct iovec *iov, int n);

static int full(int fd)
{
    const char *want = getenv("WARROOM_SHIM_ENOSPC");
    char link[64], path[4096];
    if (!want || !*want)
        return 0;
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t len = readlink(link, path, sizeof path - 1);
    if (len < 0)
        return 0;
    path[len] = '\0';
    return strstr(path, want) != NULL;
}

ssize_t write(int fd, const void *buf, size_t n)
{
    static ssize_t (*real)(int, const void *, size_t);
    if (!real)
        *(void **)&real = dlsym(RTLD_NEXT, "write");
    if (full(fd)) {
        errno = ENOSPC;
        return -1;
    }
    return real(fd, buf, n);
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t at)
{
    static ssize_t (*real)(int, const void *, size_t, off_t);
    if (!real)
        *(void **)&real = dlsym(RTLD_NEXT, "pwrite");
    if (full(fd)) {
        errno = ENOSPC;
        return -1;
    }
    return real(fd, buf, n, at);
}

ssize_t writev(int fd, const struct iovec *iov, int n)
{
    static ssize_t (*real)(int, const struct iovec *, int);
    if (!real)
        *(void **)&real = dlsym(RTLD_NEXT, "writev");
    if (full(fd)) {
        errno = ENOSPC;
        return -1;
    }
    return real(fd, iov, n);
}
