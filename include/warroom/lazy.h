/* lazy — the libraries only some commands use (libcurl to deliver,
 * libmicrohttpd to listen, libcrypto for alert intake, and under libgit2
 * libssh2 for ssh remotes and GSSAPI for Negotiate over https), loaded
 * with dlopen the first time one of their functions is called instead of at
 * start-up: mapping and relocating them and their forty-odd dependencies costs
 * every process ~4 ms, `warroom log` included, which uses none of them.
 * The callers are unchanged: src/lazy_*.c define each function the code calls,
 * under its own name, as a call through a table filled when the library loads.
 * When it cannot load, the call fails the way that function reports failure
 * (NULL, -1, CURLE_FAILED_INIT, ...) and lazy_load's message says why. A
 * function the code newly calls needs its line in its library's table, or the
 * link fails naming it. */
#ifndef WARROOM_LAZY_H
#define WARROOM_LAZY_H

#include <stdbool.h>
#include <stddef.h>

struct lazy_library {
    const char *soname;        /* what dlopen is given, e.g. "libcurl.so.4" */
    const char *package;       /* the Debian package that has it, for the message */
    const char *const *names;  /* the functions to resolve, NULL-terminated */
    void **table;              /* filled in the order of NAMES */
    int state;                 /* 0: not tried; 1: loaded; -1: failed (message kept) */
    void *handle;              /* dlopen's, once loaded: its dependencies' symbols are found through it */
    char message[512];
};

extern struct lazy_library lazy_curl, lazy_ssh2, lazy_gss, lazy_mhd, lazy_crypto;

/* Loads LIB and resolves every function of its table, once per process
 * (later calls return the first outcome). 0, or -1 with a message saying
 * which library could not be loaded, why, and what to install. Safe from
 * several threads. */
int lazy_load(struct lazy_library *lib);
/* Whether LIB has been loaded in this process (for the tests' counters). */
bool lazy_loaded(const struct lazy_library *lib);
/* LIB's message when it failed to load, else "". */
const char *lazy_message(const struct lazy_library *lib);

#endif
