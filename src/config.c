#include "warroom/config.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "warroom/buf.h"
#include "warroom/error.h"
#include "warroom/file.h"

#define CONFIG_MAX (1024 * 1024)

int config_load(struct config *c, const char *path)
{
    struct buf def = BUF_INIT;
    json_error_t jerr;
    int rc = -1;
    memset(c, 0, sizeof *c);
    bool named = path != NULL;
    if (!path) {
        const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
        if (xdg && *xdg)
            buf_printf(&def, "%s/warroom/config.json", xdg);
        else if (home && *home)
            buf_printf(&def, "%s/.config/warroom/config.json", home);
        path = def.data;
    }
    if (!path) {
        c->root = json_object();
        rc = 0;
        goto done;
    }
    if (strcmp(path, "/dev/null") == 0) {   /* the usual way to say "no config" */
        c->root = json_object();
        rc = 0;
        goto done;
    }
    /* opened once, and never waited on: a FIFO in its place is refused */
    int fd = file_open_regular(path, O_RDONLY, "the config");
    if (fd < 0) {
        if (!named && errno == ENOENT) {
            c->root = json_object();
            rc = 0;
        }
        goto done;
    }
    struct stat st;
    if (fstat(fd, &st) < 0 || st.st_size > CONFIG_MAX) {
        close(fd);
        error_set("the config %s is not a regular file of at most 1 MiB", path);
        goto done;
    }
    json_t *root = json_loadfd(fd, JSON_REJECT_DUPLICATES, &jerr);
    close(fd);
    if (!root) {
        error_set("%s:%d:%d: not valid JSON: %s", path, jerr.line, jerr.column, jerr.text);
        goto done;
    }
    if (!json_is_object(root)) {
        json_decref(root);
        error_set("%s: expected a JSON object at the top level", path);
        goto done;
    }
    c->root = root;
    c->path = xstrdup(path);
    c->exposed = (st.st_mode & (S_IRGRP | S_IROTH)) != 0;
    rc = 0;
done:
    buf_free(&def);
    return rc;
}

void config_free(struct config *c)
{
    json_decref(c->root);
    free(c->path);
    memset(c, 0, sizeof *c);
}

void *config_value(const struct config *c, const char *key)
{
    json_t *v = c->root;
    const char *p = key;
    while (v && *p) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        if (!json_is_object(v))
            return NULL;
        v = json_object_getn(v, p, n);
        p += n + (dot ? 1 : 0);
    }
    return v;
}

const char *config_string(const struct config *c, const char *key)
{
    json_t *v = config_value(c, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}
