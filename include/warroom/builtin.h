/* builtin — the default policy, templates and themes, compiled into the binary.
 * The text is the same a user would put in a file (docs/, themes/); the build
 * embeds it with tools/embed.sh and checks that it parses. */
#ifndef WARROOM_BUILTIN_H
#define WARROOM_BUILTIN_H

#include <stddef.h>

struct builtin_file {
    const char *path;  /* as in the source tree, e.g. "docs/policy.json" */
    const char *text;  /* NUL-terminated; static storage, never freed */
    size_t len;
};

extern const struct builtin_file builtin_files[];

/* The built-in file at PATH, or NULL. */
const struct builtin_file *builtin_find(const char *path);

#endif
