/* store — where incidents live on disk.
 * The data directory (--dir, WARROOM_DIR, $XDG_STATE_HOME/warroom, or
 * ~/.local/state/warroom) holds one directory per incident, named by its id
 * ("inc-20250315-order-processing-failing"), holding the event log. Directories
 * are created 0700 and files 0600: incident data is nobody else's business.
 * Strings returned are the caller's to free. */
#ifndef WARROOM_STORE_H
#define WARROOM_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "warroom/event.h"

#define STORE_ID_MAX 80

struct store {
    char *dir;
};

/* Opens the data directory DIR (NULL: from the environment), creating it.
 * Refuses one that is not the user's own or is writable by group or others. */
int store_open(struct store *s, const char *dir);
void store_close(struct store *s);

/* Reserves a new incident id made of the date of AT and a slug of TITLE, made
 * unique with a suffix, and creates its directory. */
int store_create(struct store *s, const char *title, int64_t at, char id[STORE_ID_MAX + 1]);

/* Declares a new incident: reserves its id (as store_create), writes D, its
 * declaration, and only then gives the log its name, flushing both
 * directories, so an incident exists only with its declaration on disk. When
 * any of it fails, what was made is removed again (the id is free) and the
 * message gives the real cause (a full disk, ...). */
int store_declare(struct store *s, const char *title, int64_t at, struct event_draft *d,
                  char id[STORE_ID_MAX + 1]);

/* The path of incident ID's log. */
char *store_log_path(const struct store *s, const char *id);
/* A file in incident ID's directory (e.g. "updates.md"). */
char *store_incident_file(const struct store *s, const char *id, const char *name);

/* Every incident id in the store, sorted (newest date first). */
int store_list(const struct store *s, char ***ids, size_t *n);
void store_list_free(char **ids, size_t n);

/* True when ID has the shape of an incident id (and so is safe in a path). */
bool store_valid_id(const char *id);

/* Writes "slug" of TITLE into OUT: lowercase ASCII letters and digits joined by
 * single dashes, at most MAX bytes, never empty ("incident" when nothing is left). */
void store_slug(char *out, size_t max, const char *title);

#endif
