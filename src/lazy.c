/* lazy — dlopen on first use; see include/warroom/lazy.h. */
#include "warroom/lazy.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

#include "warroom/error.h"

static pthread_mutex_t loading = PTHREAD_MUTEX_INITIALIZER;

static int load(struct lazy_library *lib)
{
    /* RTLD_LOCAL: the library's symbols are not ours; our same-named
     * functions stay the ones every caller reaches. RTLD_LAZY: the
     * dependencies not built for immediate binding (GSSAPI's Kerberos
     * ones) bind a function when it is first called, not all at load;
     * every function we call is looked up below, so a missing one is still
     * refused here. */
    void *handle = dlopen(lib->soname, RTLD_LAZY | RTLD_LOCAL);
    if (!handle) {
        const char *why = dlerror();
        snprintf(lib->message, sizeof lib->message, "cannot load %s (%s): install %s", lib->soname,
                 why ? why : "unknown error", lib->package);
        return -1;
    }
    for (size_t i = 0; lib->names[i]; i++) {
        lib->table[i] = dlsym(handle, lib->names[i]);
        if (!lib->table[i]) {
            snprintf(lib->message, sizeof lib->message, "cannot load %s: it has no %s (an older version?): install %s",
                     lib->soname, lib->names[i], lib->package);
            dlclose(handle);
            return -1;
        }
    }
    lib->handle = handle;
    return 0;                             /* kept open for the process's life */
}

int lazy_load(struct lazy_library *lib)
{
    pthread_mutex_lock(&loading);
    if (lib->state == 0)
        lib->state = load(lib) == 0 ? 1 : -1;
    int state = lib->state;
    pthread_mutex_unlock(&loading);
    if (state < 0)
        return error_set("%s", lib->message);
    return 0;
}

bool lazy_loaded(const struct lazy_library *lib)
{
    pthread_mutex_lock(&loading);
    bool loaded = lib->state == 1;
    pthread_mutex_unlock(&loading);
    return loaded;
}

const char *lazy_message(const struct lazy_library *lib)
{
    return lib->state < 0 ? lib->message : "";
}
