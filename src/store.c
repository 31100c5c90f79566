#include "warroom/store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "warroom/buf.h"
#include "warroom/error.h"
#include "warroom/file.h"
#include "warroom/log.h"
#include "warroom/stamp.h"

#define LOG_NAME "events.jsonl"
#define DECLARING_NAME ".events.jsonl.declaring"   /* the log until its declaration is on disk */

static int mkdir_p(const char *path)
{
    char *copy = xstrdup(path);
    int rc = 0;
    for (char *p = copy + 1; ; p++) {
        if (*p == '/' || *p == '\0') {
            char saved = *p;
            *p = '\0';
            if (mkdir(copy, 0700) < 0 && errno != EEXIST) {
                rc = error_set_errno("cannot create the data directory %s", copy);
                break;
            }
            *p = saved;
            if (!saved)
                break;
        }
    }
    free(copy);
    return rc;
}

/* The data directory holds every incident: it must be the user's own and
 * writable by nobody else (a directory squatted in /tmp by another user would
 * hand them every note). It may be a symbolic link only if the link is the
 * user's too: nobody else can then point it elsewhere. */
static int check_data_dir(const char *path)
{
    struct stat st;
    if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode) && st.st_uid != geteuid() && st.st_uid != 0)
        return error_set("the data directory %s is a symbolic link that belongs to uid %u, not to you: "
                         "its owner can point it anywhere. Use a directory of your own (--dir DIR or "
                         "WARROOM_DIR)",
                         path, (unsigned)st.st_uid);
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOTDIR)
            return error_set("the data directory %s is not a directory", path);
        return error_set_errno("cannot open the data directory %s", path);
    }
    int rc = file_check_private_dir(fd, path, "the data directory");
    close(fd);
    return rc;
}

int store_open(struct store *s, const char *dir)
{
    struct buf path = BUF_INIT;
    s->dir = NULL;
    if (dir && *dir) {
        buf_adds(&path, dir);
    } else if ((dir = getenv("WARROOM_DIR")) && *dir) {
        buf_adds(&path, dir);
    } else if ((dir = getenv("XDG_STATE_HOME")) && *dir) {
        buf_printf(&path, "%s/warroom", dir);
    } else if ((dir = getenv("HOME")) && *dir) {
        buf_printf(&path, "%s/.local/state/warroom", dir);
    } else {
        return error_set("no data directory: set WARROOM_DIR or use --dir");
    }
    while (path.len > 1 && path.data[path.len - 1] == '/')
        path.data[--path.len] = '\0';
    if (mkdir_p(path.data) < 0) {
        buf_free(&path);
        return -1;
    }
    if (check_data_dir(path.data) < 0) {
        buf_free(&path);
        return -1;
    }
    s->dir = buf_detach(&path);
    return 0;
}

void store_close(struct store *s)
{
    free(s->dir);
    s->dir = NULL;
}

static bool slug_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

void store_slug(char *out, size_t max, const char *title)
{
    size_t n = 0;
    bool dash = false;
    const unsigned char *p = (const unsigned char *)title;
    for (; *p && n < max; p++) {
        unsigned char c = *p;
        if (c >= 'A' && c <= 'Z')
            c = (unsigned char)(c - 'A' + 'a');
        if (slug_char(c)) {
            if (dash && n > 0 && n + 1 < max)
                out[n++] = '-';
            dash = false;
            if (n < max)
                out[n++] = (char)c;
        } else {
            dash = true;
        }
    }
    /* full in the middle of a word: end at the word before, so an id or a
     * file name reads "...-payment", not "...-paym" (unless that would
     * leave less than half of it) */
    if (n == max && slug_char(*p) && n > 0 && out[n - 1] != '-') {
        size_t cut = n;
        while (cut > 0 && out[cut - 1] != '-')
            cut--;
        if (cut > max / 2)
            n = cut;
    }
    while (n > 0 && out[n - 1] == '-')
        n--;
    if (n == 0)
        n = (size_t)snprintf(out, max + 1, "incident");
    out[n] = '\0';
}

bool store_valid_id(const char *id)
{
    size_t n = strlen(id);
    if (n < 5 || n > STORE_ID_MAX || strncmp(id, "inc-", 4) != 0)
        return false;
    for (const char *p = id; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
            return false;
    return true;
}

int store_create(struct store *s, const char *title, int64_t at, char id[STORE_ID_MAX + 1])
{
    int y, mo, d, h, mi, sec;
    char slug[48];
    stamp_to_utc(at, &y, &mo, &d, &h, &mi, &sec);
    store_slug(slug, 40, title);
    for (int n = 1; n < 1000; n++) {
        if (n == 1)
            snprintf(id, STORE_ID_MAX + 1, "inc-%04d%02d%02d-%s", y, mo, d, slug);
        else
            snprintf(id, STORE_ID_MAX + 1, "inc-%04d%02d%02d-%s-%d", y, mo, d, slug, n);
        char *dir = store_incident_file(s, id, NULL);
        int rc = mkdir(dir, 0700);     /* mkdir is the atomic claim on the id */
        int saved = errno;
        if (rc == 0) {
            /* the new directory's entry lives in the data directory */
            rc = file_sync_dir(s->dir);
            if (rc < 0)
                rmdir(dir);
            free(dir);
            return rc;
        }
        free(dir);
        if (saved != EEXIST) {
            errno = saved;
            return error_set_errno("cannot create the incident directory in %s", s->dir);
        }
    }
    return error_set("too many incidents named \"%s\" on that day", slug);
}

/* Gives back incident ID's directory after a declaration that failed: only
 * what the declaration made goes, and the directory only when nothing else
 * came into it meanwhile, so the id is free again and no phantom is listed. */
static void undeclare(struct store *s, const char *id, bool named)
{
    char *pending = store_incident_file(s, id, DECLARING_NAME);
    char *log = store_log_path(s, id);
    char *dir = store_incident_file(s, id, NULL);
    unlink(pending);
    if (named)
        unlink(log);
    if (rmdir(dir) == 0)
        file_sync_dir(s->dir);
    else
        file_sync_dir(dir);
    free(pending);
    free(log);
    free(dir);
}

int store_declare(struct store *s, const char *title, int64_t at, struct event_draft *d, char id[STORE_ID_MAX + 1])
{
    if (store_create(s, title, at, id) < 0)
        return -1;
    char *pending = store_incident_file(s, id, DECLARING_NAME);
    char *log_path = store_log_path(s, id);
    char *dir = store_incident_file(s, id, NULL);
    struct incident_log log;
    bool named = false;
    /* The log gets its name only once the declaration is in it: an incident
     * is listed only with its declaration on disk, never as "SEV0 none". */
    int rc = log_open(&log, pending);
    if (rc == 0) {
        rc = log_append(&log, d);
        log_close(&log);
    }
    if (rc == 0 && rename(pending, log_path) < 0)
        rc = error_set_errno("cannot name the log %s", log_path);
    else if (rc == 0)
        named = true;
    if (rc == 0)
        rc = file_sync_dir(dir);
    if (rc < 0) {
        char *why = xstrdup(error_last());
        undeclare(s, id, named);
        error_set("the incident was not declared (nothing was kept): %s", why);
        free(why);
        id[0] = '\0';
    }
    free(pending);
    free(log_path);
    free(dir);
    return rc < 0 ? -1 : 0;
}

char *store_incident_file(const struct store *s, const char *id, const char *name)
{
    struct buf b = BUF_INIT;
    buf_printf(&b, "%s/%s", s->dir, id);
    if (name)
        buf_printf(&b, "/%s", name);
    return buf_detach(&b);
}

char *store_log_path(const struct store *s, const char *id)
{
    return store_incident_file(s, id, LOG_NAME);
}

static int newest_first(const void *a, const void *b)
{
    return strcmp(*(const char *const *)b, *(const char *const *)a);
}

int store_list(const struct store *s, char ***ids, size_t *n)
{
    *ids = NULL;
    *n = 0;
    DIR *d = opendir(s->dir);
    if (!d)
        return error_set_errno("cannot list the data directory %s", s->dir);
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!store_valid_id(e->d_name))
            continue;
        char *log = store_log_path(s, e->d_name);
        bool has_log = access(log, F_OK) == 0;
        free(log);
        if (!has_log)
            continue;                     /* a declaration still being written, or debris */
        *ids = xrealloc(*ids, sizeof(char *) * (*n + 1));
        (*ids)[(*n)++] = xstrdup(e->d_name);
    }
    closedir(d);
    if (*n > 1)
        qsort(*ids, *n, sizeof(char *), newest_first);
    return 0;
}

void store_list_free(char **ids, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(ids[i]);
    free(ids);
}
