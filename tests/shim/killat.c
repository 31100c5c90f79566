/* killat — an LD_PRELOAD shim that SIGKILLs the process just before its Nth
 * call of a chosen set of file-system steps, so a test can crash the real
 * binary between any two of them and check what a re-run makes of it.
 *
 *   KILLAT_N=N          the call to die at (1 is the first); unset: never
 *   KILLAT_CALLS=LIST   which calls count, comma-separated, of rename, link,
 *                       unlink, fsync (rename also counts renameat/renameat2,
 *                       link linkat, unlink unlinkat, fsync fdatasync);
 *                       unset: all four
 *   KILLAT_TRACE=FILE   appends one line per counted call, its number, kind
 *                       and the paths it names ("3 rename /r/a.tmp /r/a"; for
 *                       fsync the file the descriptor is open on), so a test
 *                       can say which step it killed and what was synced
 *
 * Only calls the program makes through the dynamic linker are seen (libc's own
 * internal calls are not), which is every call of the binary and its
 * libraries. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static long counted;

static int wanted(const char *kind)
{
    const char *list = getenv("KILLAT_CALLS");
    if (!list || !*list)
        return 1;
    size_t n = strlen(kind);
    for (const char *p = list; *p;) {
        size_t len = strcspn(p, ",");
        if (len == n && strncmp(p, kind, n) == 0)
            return 1;
        p += len;
        if (*p == ',')
            p++;
    }
    return 0;
}

/* Where FD (a descriptor, or AT_FDCWD) and NAME lead, for the trace. */
static void where(char *out, size_t size, int fd, const char *name)
{
    char link[64], dir[512];
    ssize_t n = -1;
    if (name && (name[0] == '/' || fd == AT_FDCWD)) {
        snprintf(out, size, "%s", name);
        return;
    }
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    n = readlink(link, dir, sizeof dir - 1);
    dir[n < 0 ? 0 : n] = '\0';
    snprintf(out, size, "%s%s%s", dir, name ? "/" : "", name ? name : "");
}

/* Counts one call of KIND on A (and B) and dies when it is the chosen one. */
static void step(const char *kind, int fd_a, const char *a, int fd_b, const char *b)
{
    if (!wanted(kind))
        return;
    long n = ++counted;
    const char *trace = getenv("KILLAT_TRACE");
    if (trace && *trace) {
        int saved = errno;
        char pa[1024], pb[1024] = "", line[2200];
        where(pa, sizeof pa, fd_a, a);
        if (b)
            where(pb, sizeof pb, fd_b, b);
        int len = snprintf(line, sizeof line, "%ld %s %s%s%s\n", n, kind, pa, b ? " " : "", pb);
        int out = open(trace, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        if (out >= 0) {
            if (len > 0 && write(out, line, (size_t)len) < 0)
                len = 0;
            close(out);
        }
        errno = saved;
    }
    const char *at = getenv("KILLAT_N");
    if (at && *at && strtol(at, NULL, 10) == n)
        raise(SIGKILL);
}

/* The next definition of NAME (libc's), looked up once. */
static void *next(void **slot, const char *name)
{
    if (!*slot)
        *slot = dlsym(RTLD_NEXT, name);
    return *slot;
}

typedef int path2_fn(const char *, const char *);
typedef int path1_fn(const char *);
typedef int at2_fn(int, const char *, int, const char *);
typedef int at2_flags_fn(int, const char *, int, const char *, unsigned int);
typedef int link_at_fn(int, const char *, int, const char *, int);
typedef int unlink_at_fn(int, const char *, int);
typedef int fd_fn(int);

int rename(const char *from, const char *to)
{
    static void *real;
    step("rename", AT_FDCWD, from, AT_FDCWD, to);
    return ((path2_fn *)next(&real, "rename"))(from, to);
}

int renameat(int fromdir, const char *from, int todir, const char *to)
{
    static void *real;
    step("rename", fromdir, from, todir, to);
    return ((at2_fn *)next(&real, "renameat"))(fromdir, from, todir, to);
}

int renameat2(int fromdir, const char *from, int todir, const char *to, unsigned int flags)
{
    static void *real;
    step("rename", fromdir, from, todir, to);
    return ((at2_flags_fn *)next(&real, "renameat2"))(fromdir, from, todir, to, flags);
}

int link(const char *from, const char *to)
{
    static void *real;
    step("link", AT_FDCWD, from, AT_FDCWD, to);
    return ((path2_fn *)next(&real, "link"))(from, to);
}

int linkat(int fromdir, const char *from, int todir, const char *to, int flags)
{
    static void *real;
    step("link", fromdir, from, todir, to);
    return ((link_at_fn *)next(&real, "linkat"))(fromdir, from, todir, to, flags);
}

int unlink(const char *path)
{
    static void *real;
    step("unlink", AT_FDCWD, path, AT_FDCWD, NULL);
    return ((path1_fn *)next(&real, "unlink"))(path);
}

int unlinkat(int dir, const char *path, int flags)
{
    static void *real;
    step("unlink", dir, path, AT_FDCWD, NULL);
    return ((unlink_at_fn *)next(&real, "unlinkat"))(dir, path, flags);
}

int fsync(int fd)
{
    static void *real;
    step("fsync", fd, NULL, AT_FDCWD, NULL);
    return ((fd_fn *)next(&real, "fsync"))(fd);
}

int fdatasync(int fd)
{
    static void *real;
    step("fsync", fd, NULL, AT_FDCWD, NULL);
    return ((fd_fn *)next(&real, "fdatasync"))(fd);
}
