#include "warroom/summary.h"

#include <errno.h>
#include <fcntl.h>
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

/* The cache's format: one "key value" line per field, in a fixed order,
 * strings as "key LENGTH" then their bytes and a newline, and last a line
 * "check HEX" with the FNV-1a of everything before it. Read with no JSON
 * parser and no allocation: `list` reads one per incident. */
#define SUMMARY_MAGIC "warroom-summary 3\n"

static uint64_t fnv1a(const char *p, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)p[i]) * 1099511628211ULL;
    return h;
}

static void put_int(struct buf *b, const char *key, long long v)
{
    buf_printf(b, "%s %lld\n", key, v);
}

static void put_str(struct buf *b, const char *key, const char *v)
{
    buf_printf(b, "%s %zu\n", key, strlen(v));
    buf_adds(b, v);
    buf_addc(b, '\n');
}

/* A cursor over the cache's text; every get_ fails once one has. */
struct reading {
    const char *p, *end;
    bool ok;
};

/* "KEY " at the cursor, then a decimal integer and a newline. */
static long long get_int(struct reading *r, const char *key)
{
    size_t k = strlen(key);
    if (!r->ok || (size_t)(r->end - r->p) < k + 2 || memcmp(r->p, key, k) != 0 || r->p[k] != ' ') {
        r->ok = false;
        return 0;
    }
    const char *q = r->p + k + 1, *nl = memchr(q, '\n', (size_t)(r->end - q));
    char digits[24];
    size_t n = nl ? (size_t)(nl - q) : 0;
    if (n == 0 || n >= sizeof digits) {
        r->ok = false;
        return 0;
    }
    memcpy(digits, q, n);
    digits[n] = '\0';
    char *stop;
    errno = 0;
    long long v = strtoll(digits, &stop, 10);
    if (*stop || errno || !(digits[0] == '-' || (digits[0] >= '0' && digits[0] <= '9'))) {
        r->ok = false;
        return 0;
    }
    r->p = nl + 1;
    return v;
}

static bool get_bool(struct reading *r, const char *key)
{
    long long v = get_int(r, key);
    if (v != 0 && v != 1)
        r->ok = false;
    return v == 1;
}

/* "KEY LENGTH\n" then LENGTH bytes (no NUL) and a newline, into OUT of SIZE. */
static void get_str(struct reading *r, const char *key, char *out, size_t size)
{
    long long n = get_int(r, key);
    if (!r->ok || n < 0 || (unsigned long long)n >= size || r->end - r->p < n + 1 || r->p[n] != '\n' ||
        memchr(r->p, '\0', (size_t)n)) {
        r->ok = false;
        out[0] = '\0';
        return;
    }
    memcpy(out, r->p, (size_t)n);
    out[n] = '\0';
    r->p += n + 1;
}

static const char *const stamp_keys[] = {"impact_at", "detected_at", "acked_at", "mitigated_at", "resolved_at"};
static const char *const clock_keys[] = {"last_update_at", "reopened_at", "exposed_at", "postmortem_at"};

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
    /* a flipped bit that still parses (an open 1 turned 0) must not count */
    const char *check = n > 24 ? (const char *)memmem(data, (size_t)n, "\ncheck ", 7) : NULL;
    char want[32];
    if (!check || (size_t)(data + n - check) != 7 + 16 + 1 || data[n - 1] != '\n' ||
        memcmp(data, SUMMARY_MAGIC, strlen(SUMMARY_MAGIC)) != 0)
        return false;
    snprintf(want, sizeof want, "%016llx", (unsigned long long)fnv1a(data, (size_t)(check + 1 - data)));
    if (memcmp(check + 7, want, 16) != 0)
        return false;
    struct incident_summary got;
    struct reading r = {.p = data + strlen(SUMMARY_MAGIC), .end = check + 1, .ok = true};
    got.size = (off_t)get_int(&r, "size");
    got.mtime_ns = (int64_t)get_int(&r, "mtime_ns");
    got.ino = (ino_t)get_int(&r, "ino");
    got.dev = (dev_t)get_int(&r, "dev");
    got.declared_at = (int64_t)get_int(&r, "declared_at");
    got.open = get_bool(&r, "open");
    got.sev = (int)get_int(&r, "sev");
    got.status = (int)get_int(&r, "status");
    got.data_exposed = get_bool(&r, "data_exposed");
    got.drill = get_bool(&r, "drill");
    int64_t *const stamps[] = {&got.impact_at, &got.detected_at, &got.acked_at, &got.mitigated_at, &got.resolved_at};
    for (size_t i = 0; i < sizeof stamp_keys / sizeof *stamp_keys; i++)
        *stamps[i] = (int64_t)get_int(&r, stamp_keys[i]);
    get_str(&r, "title", got.title, sizeof got.title);
    get_str(&r, "impact", got.impact, sizeof got.impact);
    get_str(&r, "declared_by", got.declared_by, sizeof got.declared_by);
    struct summary_clocks *c = &got.clocks;
    int64_t *const clocks[] = {&c->last_update_at, &c->reopened_at, &c->exposed_at, &c->postmortem_at};
    for (size_t i = 0; i < sizeof clock_keys / sizeof *clock_keys; i++)
        *clocks[i] = (int64_t)get_int(&r, clock_keys[i]);
    long long nsevs = get_int(&r, "sevs");
    if (nsevs < 0 || nsevs > SUMMARY_SEVS_MAX)
        r.ok = false;
    for (long long i = 0; r.ok && i < nsevs; i++) {
        long long sev = get_int(&r, "sev");
        if (sev < 1 || sev > 9)
            r.ok = false;
        c->sevs[i] = (int)sev;
        c->sevs_at[i] = (int64_t)get_int(&r, "at");
    }
    long long nfired = get_int(&r, "fired");
    if (nfired < 0 || nfired > SUMMARY_FIRED_MAX)
        r.ok = false;
    for (long long i = 0; r.ok && i < nfired; i++)
        get_str(&r, "rule", c->fired[i], sizeof c->fired[i]);
    if (!r.ok || r.p != r.end || got.size < 0 || got.sev < 0 || got.sev > 9 || got.status < 0 ||
        got.status > STATUS_REOPENED)
        return false;
    c->nsevs = (size_t)nsevs;
    c->nfired = (size_t)nfired;
    got.cut = false;
    *s = got;
    return true;
}

/* Replaces the cache atomically: a new file (never through a symlink, 0600),
 * then rename. A cache that cannot be written is only a slower next time. */
static void summary_write(const struct incident_summary *s, const char *path)
{
    struct buf text = BUF_INIT;
    buf_adds(&text, SUMMARY_MAGIC);
    put_int(&text, "size", (long long)s->size);
    put_int(&text, "mtime_ns", (long long)s->mtime_ns);
    put_int(&text, "ino", (long long)s->ino);
    put_int(&text, "dev", (long long)s->dev);
    put_int(&text, "declared_at", (long long)s->declared_at);
    put_int(&text, "open", s->open);
    put_int(&text, "sev", s->sev);
    put_int(&text, "status", s->status);
    put_int(&text, "data_exposed", s->data_exposed);
    put_int(&text, "drill", s->drill);
    const int64_t stamps[] = {s->impact_at, s->detected_at, s->acked_at, s->mitigated_at, s->resolved_at};
    for (size_t i = 0; i < sizeof stamp_keys / sizeof *stamp_keys; i++)
        put_int(&text, stamp_keys[i], (long long)stamps[i]);
    put_str(&text, "title", s->title);
    put_str(&text, "impact", s->impact);
    put_str(&text, "declared_by", s->declared_by);
    const struct summary_clocks *c = &s->clocks;
    const int64_t clocks[] = {c->last_update_at, c->reopened_at, c->exposed_at, c->postmortem_at};
    for (size_t i = 0; i < sizeof clock_keys / sizeof *clock_keys; i++)
        put_int(&text, clock_keys[i], (long long)clocks[i]);
    put_int(&text, "sevs", (long long)c->nsevs);
    for (size_t i = 0; i < c->nsevs; i++) {
        put_int(&text, "sev", c->sevs[i]);
        put_int(&text, "at", (long long)c->sevs_at[i]);
    }
    put_int(&text, "fired", (long long)c->nfired);
    for (size_t i = 0; i < c->nfired; i++)
        put_str(&text, "rule", c->fired[i]);
    buf_printf(&text, "check %016llx\n", (unsigned long long)fnv1a(text.data, text.len));
    struct buf tmp = BUF_INIT;
    buf_printf(&tmp, "%s.%ld.tmp", path, (long)getpid());
    int fd = text.len < SUMMARY_BYTES_MAX
                 ? open(tmp.data, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)
                 : -1;
    if (fd >= 0) {
        bool ok = file_write_all(fd, text.data, text.len) == 0;
        ok = close(fd) == 0 && ok;
        if (!ok || rename(tmp.data, path) < 0)
            unlink(tmp.data);
    }
    buf_free(&tmp);
    buf_free(&text);
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
    if (!inc->nahead && !out->cut && fstat(inc->reader.fd, &after) == 0 && describes(out, &after)) {
        summary_write(out, path);
        char *old = store_incident_file(store, id, SUMMARY_FILE_OLD);
        unlink(old);                      /* an earlier version's cache, now only debris */
        free(old);
    }
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
