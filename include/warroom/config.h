/* config — the user's settings, from a JSON file.
 * Looked up at --config / WARROOM_CONFIG / $XDG_CONFIG_HOME/warroom/config.json;
 * a missing default file is an empty config, a missing named one an error.
 * Values are read by dotted key ("sinks.slack.webhook_url"). A file readable by
 * others is flagged, since it may hold secrets. The config owns its strings. */
#ifndef WARROOM_CONFIG_H
#define WARROOM_CONFIG_H

#include <stdbool.h>

struct config {
    char *path;       /* the file read, or NULL when there was none */
    void *root;       /* json_t object; empty when no file */
    bool exposed;     /* the file is readable by group or others */
};

/* Loads PATH, or the default location when PATH is NULL. */
int config_load(struct config *c, const char *path);
void config_free(struct config *c);

/* The string at dotted KEY, or NULL when absent or not a string. */
const char *config_string(const struct config *c, const char *key);
/* The JSON value at dotted KEY (a json_t *, borrowed), or NULL. */
void *config_value(const struct config *c, const char *key);

#endif
