/* readcount — counts the read calls made on files whose path contains
 * $WARROOM_SHIM_READS and, at exit, appends "reads N" to the file
 * $WARROOM_SHIM_READS_OUT; everything is read as usual. For the tests that
 * hold a file to being read once, not once per record written into it.
 * LD_PRELOAD=build/shim/readcount.so WARROOM_SHIM_READS=updates.md \
 *     WARROOM_SHIM_READS_OUT=$scratch/reads warroom flush
 * (_GNU_SOURCE, for RTLD_NEXT, comes from the Makefile's -std flags.) */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

ssize_t read(int fd, void *buf, size_t n);

static unsigned long reads;

static int counted(int fd)
{
    const char *want = getenv("WARROOM_SHIM_READS");
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

ssize_t read(int fd, void *buf, size_t n)
{
    static ssize_t (*real)(int, void *, size_t);
    if (!real)
        real = (ssize_t (*)(int, void *, size_t))dlsym(RTLD_NEXT, "read");
    if (counted(fd))
        reads++;
    return real(fd, buf, n);
}

__attribute__((destructor)) static void report(void)
{
    const char *out = getenv("WARROOM_SHIM_READS_OUT");
    if (!out || !*out)
        return;
    FILE *f = fopen(out, "a");
    if (f) {
        fprintf(f, "reads %lu\n", reads);
        fclose(f);
    }
}
