/* session — what both faces stand on: identity, the incident, config and
 * policy, recording. Moved here from the command line so the console needs no
 * part of it; it never prints: warnings go to the caller's warn function. */
#include "warroom/session.h"

#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "warroom/error.h"
#include "warroom/file.h"
#include "warroom/host.h"
#include "warroom/log.h"
#include "warroom/repo.h"
#include "warroom/stamp.h"
#include "warroom/summary.h"
#include "warroom/text.h"

/* Formats a warning for the face to show, its way. */
__attribute__((format(printf, 2, 3))) static void session_warn(const struct session *s, const char *fmt, ...)
{
    if (!s->warn)
        return;
    struct buf line = BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&line, fmt, ap);
    va_end(ap);
    s->warn(buf_str(&line));
    buf_free(&line);
}

const char *session_env_or(const char *value, const char *env)
{
    if (value)
        return value;
    const char *e = getenv(env);
    return e && *e ? e : NULL;
}

/* A person's name: one line, clean, bounded. */
int session_clean_name(char out[NAME_MAX_LEN + 1], const char *name, const char *what)
{
    struct buf b = BUF_INIT;
    text_clean(&b, name, strlen(name), 0);
    size_t start = 0, end = b.len;
    while (start < end && b.data[start] == ' ')
        start++;
    while (end > start && b.data[end - 1] == ' ')
        end--;
    int rc = 0;
    if (end == start)
        rc = error_set("%s is empty", what);
    else if (end - start > NAME_MAX_LEN)
        rc = error_set("%s is longer than %d bytes", what, NAME_MAX_LEN);
    else
        snprintf(out, NAME_MAX_LEN + 1, "%.*s", (int)(end - start), b.data + start);
    buf_free(&b);
    return rc;
}

int session_who_am_i(struct session *c)
{
    const char *name = c->opts->as;
    if (!name)
        name = config_string(&c->config, "name");
    if (!name) {
        const char *user = getenv("USER");
        struct passwd *pw = getpwuid(getuid());
        name = user && *user ? user : pw ? pw->pw_name : "unknown";
    }
    return session_clean_name(c->by, name, "the name (--as)");
}

int session_read_file(struct buf *out, const char *path, size_t max)
{
    /* a FIFO or a device in the place of a policy or template would hang the read */
    int fd = file_open_regular(path, O_RDONLY, "the file");
    FILE *f = fd < 0 ? NULL : fdopen(fd, "rb");
    if (!f) {
        if (fd >= 0) {
            error_set_errno("cannot read %s", path);
            close(fd);
        }
        return -1;
    }
    char chunk[8192];
    size_t n;
    int rc = 0;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        buf_add(out, chunk, n);
        if (out->len > max) {
            rc = error_set("%s is larger than %zu KiB", path, max / 1024);
            break;
        }
    }
    if (ferror(f))
        rc = error_set_errno("cannot read %s", path);
    fclose(f);
    return rc;
}

int session_read_platform_file(struct session *c, struct buf *text, struct buf *source, const char *path,
                               size_t max)
{
    struct repo *repo = NULL;
    int rc;
    const char *repo_path = session_env_or(c->opts->repo, "WARROOM_REPO");
    buf_reset(source);
    if (repo_open(&repo, repo_path) < 0)
        /* no platform repo around: fine, unless one was named */
        return repo_path ? -1 : REPO_ENOTFOUND;
    const char *workdir = repo_workdir(repo);
    if (workdir)
        buf_printf(source, "%s%s", workdir, path);
    if (workdir && access(source->data, F_OK) == 0) {
        rc = session_read_file(text, source->data, max);
    } else {
        buf_reset(source);
        buf_printf(source, "%s (%s)", path, repo_current_branch(repo) ? repo_current_branch(repo) : "HEAD");
        rc = repo_read_file(text, repo, NULL, path);
        if (rc == 0 && text->len > max)
            rc = error_set("%s is larger than %zu KiB", source->data, max / 1024);
    }
    repo_free(repo);
    return rc;
}

/* The policy in force: the config's "policy" (an object, or a file path), else
 * the platform repo's .warroom/policy.json (see session_read_platform_file),
 * else the built-in ladder. */
int session_load_policy(struct session *c)
{
    struct buf text = BUF_INIT, source = BUF_INIT;
    int rc;
    json_t *inline_policy = config_value(&c->config, "policy");
    if (json_is_object(inline_policy)) {
        char *dump = json_dumps(inline_policy, JSON_COMPACT);
        buf_printf(&source, "%s: policy", c->config.path);
        rc = policy_parse(&c->policy, dump, strlen(dump), source.data);
        free(dump);
    } else if (json_is_string(inline_policy)) {
        const char *path = json_string_value(inline_policy);
        rc = session_read_file(&text, path, 1024 * 1024);
        if (rc == 0)
            rc = policy_parse(&c->policy, buf_str(&text), text.len, path);
    } else {
        rc = session_read_platform_file(c, &text, &source, ".warroom/policy.json", 1024 * 1024);
        if (rc == REPO_ENOTFOUND)
            rc = policy_builtin(&c->policy);
        else if (rc == 0)
            rc = policy_parse(&c->policy, buf_str(&text), text.len, source.data);
    }
    buf_free(&text);
    buf_free(&source);
    c->have_policy = rc == 0;
    return rc;
}

/* The people directory: the config's "people" (an object, or a file path),
 * else the platform repo's .warroom/people.json, else an empty one. */
int session_load_people(struct session *c, struct people *out)
{
    struct buf text = BUF_INIT, source = BUF_INIT;
    int rc = 0;
    *out = (struct people)PEOPLE_INIT;
    json_t *inline_people = config_value(&c->config, "people");
    if (json_is_object(inline_people)) {
        char *dump = json_dumps(inline_people, JSON_COMPACT);
        buf_printf(&source, "%s: people", c->config.path);
        /* the config holds the map itself; the file holds it under "people" */
        buf_printf(&text, "{\"people\":%s}", dump);
        free(dump);
    } else if (json_is_string(inline_people)) {
        buf_adds(&source, json_string_value(inline_people));
        rc = session_read_file(&text, source.data, PEOPLE_FILE_MAX);
    } else if (inline_people) {
        rc = error_set("%s: people must be an object or a file path", c->config.path);
    } else {
        rc = session_read_platform_file(c, &text, &source, ".warroom/people.json", PEOPLE_FILE_MAX);
        if (rc == REPO_ENOTFOUND) {
            buf_reset(&text);
            rc = 0;
        }
    }
    if (rc == 0 && text.len)
        rc = people_parse(out, buf_str(&text), text.len, source.data);
    buf_free(&text);
    buf_free(&source);
    return rc;
}

int session_open(struct session *c, const struct session_options *o, bool need_store,
                 void (*warn)(const char *message))
{
    memset(c, 0, sizeof *c);
    c->opts = o;
    c->warn = warn;
    c->now = stamp_now();
    if (config_load(&c->config, session_env_or(o->config, "WARROOM_CONFIG")) < 0)
        return -1;
    if (c->config.exposed && (config_value(&c->config, "sinks") || config_value(&c->config, "secrets")))
        session_warn(c, "%s holds secrets and is readable by others; run: chmod 600 %s", c->config.path,
                     c->config.path);
    if (need_store && store_open(&c->store, o->dir) < 0)
        return -1;
    const char *wait = getenv("WARROOM_LOCK_WAIT");
    c->lock_wait_ms = LOG_LOCK_WAIT_MS;
    if (wait && *wait) {
        char *end;
        double seconds = strtod(wait, &end);
        if (*end || !(seconds >= 0 && seconds <= 3600))
            return error_set("WARROOM_LOCK_WAIT is \"%.20s\": give the seconds to wait for another "
                             "writer's lock on a log, 0 to 3600", wait);
        c->lock_wait_ms = (int)(seconds * 1000);
    }
    log_set_lock_wait(c->lock_wait_ms);
    if (need_store && host_open(c->store.dir, config_string(&c->config, "host")) < 0)
        return -1;
    return 0;
}

void session_close(struct session *c)
{
    config_free(&c->config);
    store_close(&c->store);
    if (c->have_policy)
        policy_free(&c->policy);
    people_free(&c->people);
    free(c->people_error);
}

const struct people *session_people(struct session *c)
{
    if (c->people_read == 0) {
        c->people_read = session_load_people(c, &c->people) < 0 ? -1 : 1;
        if (c->people_read < 0)
            c->people_error = strdup(error_last());
    }
    if (c->people_read > 0)
        return &c->people;
    error_set("%s", c->people_error ? c->people_error : "the people directory cannot be read");
    return NULL;
}

/* The id of the incident declared last (ids sort by date, then by name; the
 * time of day needs a look inside: its summary). Of two declared at the same
 * moment, the one listed first: IDS come newest first. */
static const char *latest_id(struct session *c, char **ids, size_t n)
{
    const char *best = ids[0];
    int64_t best_at = STAMP_NONE;
    for (size_t i = 0; i < n; i++) {
        struct incident_summary sum;
        if (summary_get(&sum, &c->store, ids[i], NULL) == 0 && sum.declared_at != STAMP_NONE &&
            sum.declared_at > best_at) {
            best_at = sum.declared_at;
            best = ids[i];
        }
    }
    return best;
}

int session_pick_id(struct session *c, char id[STORE_ID_MAX + 1], struct incident_summary *sum,
                    bool fallback_latest)
{
    const char *named = session_env_or(c->opts->incident, "WARROOM_INCIDENT");
    sum->size = -1;
    if (named) {
        if (!store_valid_id(named))
            return error_set("\"%.80s\" is not an incident id (they look like inc-20250315-checkout-down); "
                             "'warroom list' shows them",
                             named);
        char *path = store_log_path(&c->store, named);
        int rc = access(path, F_OK) == 0 ? 0
                                         : error_set("no incident %s in %s; 'warroom list' shows them", named,
                                                     c->store.dir);
        free(path);
        snprintf(id, STORE_ID_MAX + 1, "%s", named);
        return rc;
    }
    char **ids;
    size_t n;
    if (store_list(&c->store, &ids, &n) < 0)
        return -1;
    struct incident_summary *open = xcalloc(n ? n : 1, sizeof *open);
    size_t *open_at = xcalloc(n ? n : 1, sizeof *open_at);
    size_t nopen = 0;
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        if (summary_get(&open[nopen], &c->store, ids[i], NULL) < 0)
            session_warn(c, "skipping %s: %s", ids[i], error_last());
        else if (open[nopen].open)
            open_at[nopen++] = i;
    }
    if (nopen == 1) {
        snprintf(id, STORE_ID_MAX + 1, "%s", ids[open_at[0]]);
        *sum = open[0];
    } else if (nopen == 0 && fallback_latest && n > 0) {
        /* nothing open: looking back (show, reopen) means the latest one */
        snprintf(id, STORE_ID_MAX + 1, "%s", latest_id(c, ids, n));
    } else if (nopen == 0) {
        rc = error_set("no open incident in %s: declare one with: warroom open --sev N --title TEXT "
                       "(or name one with --incident ID)",
                       c->store.dir);
    } else {
        struct buf b = BUF_INIT;
        buf_printf(&b, "%zu incidents are open; name one with --incident ID (or WARROOM_INCIDENT):", nopen);
        for (size_t i = 0; i < nopen; i++) {
            struct incident *inc = NULL;
            char *path = open[i].cut ? store_log_path(&c->store, ids[open_at[i]]) : NULL;
            if (path && incident_load(&inc, ids[open_at[i]], path) < 0)
                inc = NULL;
            buf_printf(&b, "\n  %-52s SEV%d  %s", ids[open_at[i]], open[i].sev,
                       inc ? (inc->title ? inc->title : "") : open[i].title);
            incident_free(inc);
            free(path);
        }
        rc = error_set("%s", buf_str(&b));
        buf_free(&b);
    }
    free(open);
    free(open_at);
    store_list_free(ids, n);
    return rc;
}

int session_pick_incident(struct session *c, struct incident **out, bool fallback_latest)
{
    char id[STORE_ID_MAX + 1];
    struct incident_summary sum;
    *out = NULL;
    if (session_pick_id(c, id, &sum, fallback_latest) < 0)
        return -1;
    char *path = store_log_path(&c->store, id);
    int rc = incident_load(out, id, path);
    free(path);
    return rc;
}

int session_record(struct session *c, const char *id, struct event_draft *d)
{
    struct incident_log log;
    char *path = store_log_path(&c->store, id);
    int rc = log_open(&log, path);
    free(path);
    if (rc < 0)
        return -1;
    log.lock_wait_ms = c->lock_wait_ms;
    rc = log_append(&log, d);
    log_close(&log);
    if (rc == 0)
        snprintf(c->recorded, sizeof c->recorded, "%s", id);   /* pushed before the verb exits */
    return rc;
}
