#include "warroom/summary.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "warroom/buf.h"
#include "warroom/error.h"
#include "warroom/file.h"
#include "warroom/incident.h"
#include "warroom/stamp.h"

#define SUMMARY_BYTES_MAX 16384  /* a summary is a few hundred bytes; more is not ours */
#define SUMMARY_VERSION 2        /* 2: the drill flag; an older summary is rebuilt by a replay */

static unsigned long replays;

unsigned long summary_replays(void)
{
    return replays;
}

static int64_t mtime_ns(const struct stat *st)
{
    return (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
}

static bool describes(const struct incident_summary *s, const struct stat *st)
{
    return s->size == st->st_size && s->mtime_ns == mtime_ns(st) && s->ino == st->st_ino && s->dev == st->st_dev;
}

static bool get_int(json_t *o, const char *key, json_int_t *v)
{
    json_t *j = json_object_get(o, key);
    if (!json_is_integer(j))
        return false;
    *v = json_integer_value(j);
    return true;
}

/* FNV-1a of O's canonical text, as 16 hex digits, into OUT. */
static int checksum(char out[17], const json_t *o)
{
    char *text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    if (!text)
        return -1;
    uint64_t h = 1469598103934665603ULL;
    for (const char *p = text; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ULL;
    free(text);
    snprintf(out, 17, "%016llx", (unsigned long long)h);
    return 0;
}

/* Copies the string KEY of O into OUT; false when it is not a string or
 * does not fit (then it is not ours). */
static bool get_str(json_t *o, const char *key, char *out, size_t size)
{
    json_t *j = json_object_get(o, key);
    if (!json_is_string(j) || json_string_length(j) >= size || strlen(json_string_value(j)) != json_string_length(j))
        return false;
    memcpy(out, json_string_value(j), json_string_length(j) + 1);
    return true;
}

/* The clocks' part of the cache: false when J is not what clocks_json wrote. */
static bool clocks_read(struct summary_clocks *c, json_t *j)
{
    static const char *const stamps[] = {"last_update_at", "reopened_at", "exposed_at", "postmortem_at"};
    int64_t *const into[] = {&c->last_update_at, &c->reopened_at, &c->exposed_at, &c->postmortem_at};
    json_t *sevs = json_object_get(j, "sevs"), *fired = json_object_get(j, "fired"), *v;
    size_t i;
    if (!json_is_object(j) || !json_is_array(sevs) || json_array_size(sevs) > SUMMARY_SEVS_MAX ||
        !json_is_array(fired) || json_array_size(fired) > SUMMARY_FIRED_MAX)
        return false;
    for (i = 0; i < sizeof stamps / sizeof *stamps; i++) {
        v = json_object_get(j, stamps[i]);
        if (!json_is_null(v) && !json_is_integer(v))
            return false;
        *into[i] = json_is_integer(v) ? (int64_t)json_integer_value(v) : STAMP_NONE;
    }
    json_array_foreach(sevs, i, v) {
        json_t *sev = json_array_get(v, 0), *at = json_array_get(v, 1);
        if (!json_is_integer(sev) || json_integer_value(sev) < 1 || json_integer_value(sev) > 9 || !json_is_integer(at))
            return false;
        c->sevs[i] = (int)json_integer_value(sev);
        c->sevs_at[i] = (int64_t)json_integer_value(at);
    }
    c->nsevs = json_array_size(sevs);
    json_array_foreach(fired, i, v) {
        if (!json_is_string(v) || json_string_length(v) >= sizeof c->fired[i] ||
            strlen(json_string_value(v)) != json_string_length(v))
            return false;
        memcpy(c->fired[i], json_string_value(v), json_string_length(v) + 1);
    }
    c->nfired = json_array_size(fired);
    return true;
}

static json_t *clocks_json(const struct summary_clocks *c)
{
#define STAMP_OR_NULL(t) ((t) == STAMP_NONE ? json_null() : json_integer((json_int_t)(t)))
    json_t *sevs = json_array(), *fired = json_array();
    for (size_t i = 0; i < c->nsevs; i++)
        json_array_append_new(sevs, json_pack("[i, I]", c->sevs[i], (json_int_t)c->sevs_at[i]));
    for (size_t i = 0; i < c->nfired; i++)
        json_array_append_new(fired, json_string(c->fired[i]));
    return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}", "last_update_at", STAMP_OR_NULL(c->last_update_at),
                     "reopened_at", STAMP_OR_NULL(c->reopened_at), "exposed_at", STAMP_OR_NULL(c->exposed_at),
                     "postmortem_at", STAMP_OR_NULL(c->postmortem_at), "sevs", sevs, "fired", fired);
#undef STAMP_OR_NULL
}

/* From a replay; what does not fit marks the summary cut (never cached). */
static void clocks_fill(struct incident_summary *sum, const struct incident *inc)
{
    struct summary_clocks *c = &sum->clocks;
    c->last_update_at = inc->last_update_at;
    c->reopened_at = inc->reopened_at;
    c->exposed_at = inc->exposed_at;
    c->postmortem_at = inc->postmortem ? inc->postmortem->at : STAMP_NONE;
    c->nsevs = c->nfired = 0;
    for (size_t i = 0; i < inc->nsevs; i++) {
        if (c->nsevs == SUMMARY_SEVS_MAX) {
            sum->cut = true;
            break;
        }
        c->sevs[c->nsevs] = inc->sevs[i].sev;
        c->sevs_at[c->nsevs++] = inc->sevs[i].at;
    }
    for (size_t i = 0; i < inc->nfired; i++) {
        if (c->nfired == SUMMARY_FIRED_MAX || strlen(inc->fired[i]) > SUMMARY_RULE_MAX) {
            sum->cut = true;
            break;
        }
        memcpy(c->fired[c->nfired++], inc->fired[i], strlen(inc->fired[i]) + 1);
    }
}

/* Reads the cache; false when it is missing, unreadable or not one of ours. */
static bool summary_read(struct incident_summary *s, const char *path)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return false;
    char data[SUMMARY_BYTES_MAX];
    ssize_t n = read(fd, data, sizeof data);
    close(fd);
    if (n <= 0 || (size_t)n == sizeof data)
        return false;
    json_t *o = json_loadb(data, (size_t)n, JSON_REJECT_DUPLICATES, NULL);
    json_int_t v, size, mt, ino, dev, sev;
    /* a flipped bit that still parses (an "open" turned false) must not count */
    char want[17] = "";
    if (json_is_object(o) && json_is_string(json_object_get(o, "check"))) {
        snprintf(want, sizeof want, "%s", json_string_value(json_object_get(o, "check")));
        json_object_del(o, "check");
    }
    char got[17];
    bool ok = json_is_object(o) && checksum(got, o) == 0 && strcmp(got, want) == 0 && get_int(o, "v", &v) && v == SUMMARY_VERSION && get_int(o, "size", &size) && size >= 0 &&
              get_int(o, "mtime_ns", &mt) && get_int(o, "ino", &ino) && get_int(o, "dev", &dev) &&
              get_int(o, "sev", &sev) && sev >= 0 && sev <= 9 && json_is_boolean(json_object_get(o, "open")) &&
              get_str(o, "title", s->title, sizeof s->title);
    json_t *declared = ok ? json_object_get(o, "declared_at") : NULL;
    ok = ok && (json_is_null(declared) || json_is_integer(declared));
    json_int_t status = 0;
    ok = ok && get_int(o, "status", &status) && status >= 0 && status <= STATUS_REOPENED &&
         json_is_boolean(json_object_get(o, "data_exposed")) && json_is_boolean(json_object_get(o, "drill")) &&
         get_str(o, "impact", s->impact, sizeof s->impact) && get_str(o, "declared_by", s->declared_by, sizeof s->declared_by);
    static const char *const stamps[] = {"impact_at", "detected_at", "acked_at", "mitigated_at", "resolved_at"};
    int64_t *const into[] = {&s->impact_at, &s->detected_at, &s->acked_at, &s->mitigated_at, &s->resolved_at};
    for (size_t i = 0; ok && i < sizeof stamps / sizeof *stamps; i++) {
        json_t *j = json_object_get(o, stamps[i]);
        ok = json_is_null(j) || json_is_integer(j);
        *into[i] = json_is_integer(j) ? (int64_t)json_integer_value(j) : STAMP_NONE;
    }
    ok = ok && clocks_read(&s->clocks, json_object_get(o, "clocks"));
    if (ok) {
        s->status = (int)status;
        s->data_exposed = json_is_true(json_object_get(o, "data_exposed"));
        s->drill = json_is_true(json_object_get(o, "drill"));
        s->cut = false;
        s->size = (off_t)size;
        s->mtime_ns = (int64_t)mt;
        s->ino = (ino_t)ino;
        s->dev = (dev_t)dev;
        s->sev = (int)sev;
        s->open = json_is_true(json_object_get(o, "open"));
        s->declared_at = json_is_null(declared) ? STAMP_NONE : (int64_t)json_integer_value(declared);
    }
    json_decref(o);
    return ok;
}

/* Replaces the cache atomically: a new file (never through a symlink, 0600),
 * then rename. A cache that cannot be written is only a slower next time. */
static void summary_write(const struct incident_summary *s, const char *path)
{
#define STAMP_OR_NULL(t) ((t) == STAMP_NONE ? json_null() : json_integer((json_int_t)(t)))
    json_t *o = json_pack("{s:i, s:I, s:I, s:I, s:I, s:o, s:b, s:i, s:s, s:i, s:b, s:b, s:s, s:s, s:o, s:o, s:o, s:o, s:o}",
                          "v", SUMMARY_VERSION, "size", (json_int_t)s->size, "mtime_ns", (json_int_t)s->mtime_ns, "ino",
                          (json_int_t)s->ino, "dev", (json_int_t)s->dev, "declared_at", STAMP_OR_NULL(s->declared_at),
                          "open", s->open, "sev", s->sev, "title", s->title, "status", s->status, "data_exposed",
                          s->data_exposed, "drill", s->drill, "impact", s->impact, "declared_by", s->declared_by, "impact_at",
                          STAMP_OR_NULL(s->impact_at), "detected_at", STAMP_OR_NULL(s->detected_at), "acked_at",
                          STAMP_OR_NULL(s->acked_at), "mitigated_at", STAMP_OR_NULL(s->mitigated_at), "resolved_at",
                          STAMP_OR_NULL(s->resolved_at));
#undef STAMP_OR_NULL
    if (o)
        json_object_set_new(o, "clocks", clocks_json(&s->clocks));
    char check[17];
    if (o && (checksum(check, o) < 0 || json_object_set_new(o, "check", json_string(check)) < 0)) {
        json_decref(o);
        return;
    }
    char *text = o ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(o);
    if (!text)
        return;
    struct buf tmp = BUF_INIT;
    buf_printf(&tmp, "%s.%ld.tmp", path, (long)getpid());
    int fd = open(tmp.data, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd >= 0) {
        bool ok = file_write_all(fd, text, strlen(text)) == 0 && file_write_all(fd, "\n", 1) == 0;
        ok = close(fd) == 0 && ok;
        if (!ok || rename(tmp.data, path) < 0)
            unlink(tmp.data);
    }
    buf_free(&tmp);
    free(text);
}

/* S (NULL: "") into OUT, cut on a character boundary when it does not fit;
 * a cut summary is never cached (see incident_summary.cut). */
static void set_str(struct incident_summary *sum, char *out, size_t size, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n >= size) {
        sum->cut = true;
        n = size - 1;
        while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
            n--;
    }
    memcpy(out, s ? s : "", n);
    out[n] = '\0';
}

int summary_get(struct incident_summary *out, const struct store *store, const char *id, bool *replayed)
{
    char *log_path = store_log_path(store, id);
    char *path = store_incident_file(store, id, SUMMARY_FILE);
    struct stat before, after;
    int rc = -1;
    if (replayed)
        *replayed = false;
    if (stat(log_path, &before) < 0) {
        error_set_errno("cannot read %s", log_path);
        goto done;
    }
    if (summary_read(out, path) && describes(out, &before)) {
        rc = 0;
        goto done;
    }
    struct incident *inc;
    replays++;
    if (replayed)
        *replayed = true;
    if (incident_load(&inc, id, log_path) < 0)
        goto done;
    memset(out, 0, sizeof *out);
    out->declared_at = inc->declared_at;
    out->open = incident_is_open(inc);
    out->sev = inc->sev;
    out->status = (int)inc->status;
    out->data_exposed = inc->data_exposed;
    out->drill = inc->drill;
    out->impact_at = inc->impact_at;
    out->detected_at = inc->detected_at;
    out->acked_at = inc->acked_at;
    out->mitigated_at = inc->mitigated_at;
    out->resolved_at = inc->resolved_at;
    set_str(out, out->title, sizeof out->title, inc->title);
    set_str(out, out->impact, sizeof out->impact, inc->impact);
    set_str(out, out->declared_by, sizeof out->declared_by, inc->declared_by);
    clocks_fill(out, inc);
    out->size = before.st_size;
    out->mtime_ns = mtime_ns(&before);
    out->ino = before.st_ino;
    out->dev = before.st_dev;
    /* Cached only when what was replayed is the log as stat saw it, and the
     * result does not hang on this moment's clock (an event stamped ahead
     * counts as of when it was read). */
    if (!inc->nahead && !out->cut && fstat(inc->reader.fd, &after) == 0 && describes(out, &after))
        summary_write(out, path);
    incident_free(inc);
    rc = 0;
done:
    free(log_path);
    free(path);
    return rc;
}

void summary_after_append(const struct incident_summary *sum, const struct store *store, const char *id,
                          const char *event_id)
{
    char *log_path = store_log_path(store, id);
    char *path = store_incident_file(store, id, SUMMARY_FILE);
    int fd = open(log_path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    char rec[65536];
    struct buf want = BUF_INIT;
    if (fd < 0 || fstat(fd, &st) < 0 || st.st_ino != sum->ino || st.st_dev != sum->dev || st.st_size <= sum->size ||
        st.st_size - sum->size > (off_t)sizeof rec)
        goto done;
    /* What was added since the summary must be our one record and nothing
     * else: a single line, ending the file, carrying our id. */
    size_t n = (size_t)(st.st_size - sum->size);
    if (pread(fd, rec, n, sum->size) != (ssize_t)n || rec[n - 1] != '\n' || memchr(rec, '\n', n - 1))
        goto done;
    buf_printf(&want, "\"id\":\"%s\"", event_id);
    if (!memmem(rec, n, want.data, want.len))
        goto done;
    struct incident_summary moved = *sum;
    moved.size = st.st_size;
    moved.mtime_ns = mtime_ns(&st);
    summary_write(&moved, path);
done:
    if (fd >= 0)
        close(fd);
    buf_free(&want);
    free(log_path);
    free(path);
}
