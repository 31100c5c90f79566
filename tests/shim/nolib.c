/* nolib — a library that is not installed: dlopen of a name containing
 * $WARROOM_SHIM_NOLIB fails as it does when the file is missing, and dlerror
 * says so; every other dlopen is the real one. For the tests of the
 * libraries warroom loads on first use (src/lazy.c).
 * LD_PRELOAD=build/shim/nolib.so WARROOM_SHIM_NOLIB=libcurl warroom flush
 * (_GNU_SOURCE, for RTLD_NEXT, comes from the Makefile's -std flags.) */
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

void *dlopen(const char *file, int mode);
char *dlerror(void);

static int refused;

void *dlopen(const char *file, int mode)
{
    static void *(*real)(const char *, int);
    const char *missing = getenv("WARROOM_SHIM_NOLIB");
    if (!real)
        *(void **)&real = dlsym(RTLD_NEXT, "dlopen");
    if (file && missing && *missing && strstr(file, missing)) {
        refused = 1;
        return NULL;
    }
    return real(file, mode);
}

char *dlerror(void)
{
    static char *(*real)(void);
    static char said[] = "cannot open shared object file: No such file or directory (nolib shim)";
    if (!real)
        *(void **)&real = dlsym(RTLD_NEXT, "dlerror");
    if (refused) {
        refused = 0;
        return said;
    }
    return real();
}
