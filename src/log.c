#include "warroom/log.h"
#include "warroom/file.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "warroom/error.h"
#include "warroom/stamp.h"
#include "warroom/text.h"

#define TORN_SCAN_MAX (4 * EVENT_RECORD_MAX) /* how far back an append looks for a torn region */
#define READ_CHUNK (1024 * 1024)
#define TAIL_PEEK 4096            /* enough for the last record of nearly every log */

static int lock_wait_ms = LOG_LOCK_WAIT_MS;

void log_set_lock_wait(int ms)
{
    lock_wait_ms = ms < 0 ? 0 : ms;
}

int log_lock_wait(void)
{
    return lock_wait_ms;
}

static int64_t monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Takes the flock HOW on FD, waiting at most WAIT_MS for a holder that makes
 * no progress: never forever, so a stuck or hostile holder cannot freeze a
 * console or a script. Writers that keep appending (the log grows) are busy,
 * not stuck: each append they finish starts the wait afresh, so a burst of
 * them delays an append but never fails it. -1 with errno EWOULDBLOCK when
 * the wait ran out. */
static int lock_within(int fd, int how, int wait_ms)
{
    struct stat st;
    off_t size = fstat(fd, &st) == 0 ? st.st_size : -1;
    int64_t deadline = monotonic_ms() + wait_ms;
    long pause_ms = 1;
    for (;;) {
        if (flock(fd, how | LOCK_NB) == 0)
            return 0;
        if (errno == EINTR)
            continue;
        if (errno != EWOULDBLOCK)
            return -1;
        int64_t left = deadline - monotonic_ms();
        if (left <= 0 && wait_ms > 0 && fstat(fd, &st) == 0 && st.st_size != size) {
            size = st.st_size;
            deadline = monotonic_ms() + wait_ms;
            continue;
        }
        if (left <= 0) {
            errno = EWOULDBLOCK;
            return -1;
        }
        /* a writer holds it for one write and fdatasync: short naps */
        long nap = pause_ms < left ? pause_ms : (long)left;
        struct timespec ts = {nap / 1000, (nap % 1000) * 1000000L};
        nanosleep(&ts, NULL);
        if (pause_ms < 8)
            pause_ms *= 2;
    }
}

static int lock(int fd, int how)
{
    return how == LOCK_UN ? flock(fd, LOCK_UN) : lock_within(fd, how, lock_wait_ms);
}

/* Who holds a flock on FD, from /proc/locks: "pid 1234 (flock)", or "another
 * process" when it cannot tell (no /proc, or the holder is gone). The command
 * name is the holder's to choose: cleaned and bounded. */
static void lock_holder(int fd, char *out, size_t size)
{
    struct stat st;
    snprintf(out, size, "another process");
    FILE *f = fstat(fd, &st) == 0 ? fopen("/proc/locks", "re") : NULL;
    if (!f)
        return;
    char line[256];
    long pid = -1;
    while (pid < 0 && fgets(line, sizeof line, f)) {
        char type[16];
        long p;
        unsigned maj, min;
        unsigned long ino;
        if (sscanf(line, "%*d: %15s %*s %*s %ld %x:%x:%lu", type, &p, &maj, &min, &ino) == 5 &&
            strcmp(type, "FLOCK") == 0 && ino == (unsigned long)st.st_ino && maj == major(st.st_dev) &&
            min == minor(st.st_dev) && p > 0 && p != (long)getpid())
            pid = p;                       /* waiters are listed as "->": skipped by the type */
    }
    fclose(f);
    if (pid < 0)
        return;
    char path[64], comm[64] = "";
    snprintf(path, sizeof path, "/proc/%ld/comm", pid);
    FILE *c = fopen(path, "re");
    if (c) {
        if (!fgets(comm, sizeof comm, c))
            comm[0] = '\0';
        fclose(c);
    }
    struct buf clean = BUF_INIT;
    comm[strcspn(comm, "\n")] = '\0';
    text_clean(&clean, comm, strlen(comm), 0);
    if (clean.len)
        snprintf(out, size, "pid %ld (%.32s)", pid, clean.data);
    else
        snprintf(out, size, "pid %ld", pid);
    buf_free(&clean);
}

static int lock_busy(const struct incident_log *log)
{
    char holder[96];
    lock_holder(log->fd, holder, sizeof holder);
    if (log->lock_wait_ms <= 0)
        error_set("the incident log is locked by %s", holder);  /* the caller retries: short, for a footer */
    else
        error_set("the incident log %s is locked by %s, which wrote nothing for %d.%d s; nothing was "
                  "recorded: retry once it lets go (WARROOM_LOCK_WAIT sets how long to wait)",
                  log->path, holder, log->lock_wait_ms / 1000, log->lock_wait_ms % 1000 / 100);
    return LOG_EBUSY;
}

int log_open(struct incident_log *log, const char *path)
{
    log->path = NULL;
    log->lock_wait_ms = lock_wait_ms;
    log->fd = file_open_private(path, O_RDWR | O_APPEND | O_CREAT, "the incident log");
    if (log->fd < 0)
        return -1;
    log->path = xstrdup(path);
    return 0;
}

void log_close(struct incident_log *log)
{
    if (log->fd >= 0)
        close(log->fd);
    log->fd = -1;
    free(log->path);
    log->path = NULL;
}

static int read_at(int fd, char *out, size_t len, off_t at)
{
    size_t got = 0;
    while (got < len) {
        ssize_t n = pread(fd, out + got, len - got, at + (off_t)got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        got += (size_t)n;
    }
    return 0;
}

/* Where the torn region at the end of the log begins: the start of the
 * incomplete last line, moved back over complete lines just before it that do
 * not parse either (a crash while a torn line was being closed). */
static off_t torn_region_start(int fd, off_t size)
{
    off_t from = size > TORN_SCAN_MAX ? size - TORN_SCAN_MAX : 0;
    size_t len = (size_t)(size - from);
    char *tail = xmalloc(len + 1);
    off_t start = size;
    if (read_at(fd, tail, len, from) < 0)
        goto done;
    size_t end = len;                     /* the incomplete line runs [line_start, len) */
    size_t line_start = end;
    while (line_start > 0 && tail[line_start - 1] != '\n')
        line_start--;
    start = from + (off_t)line_start;
    struct arena *a = arena_new();
    for (int back = 0; back < 8 && line_start > 0; back++) {
        size_t prev_end = line_start - 1; /* the '\n' ending the previous line */
        size_t prev_start = prev_end;
        while (prev_start > 0 && tail[prev_start - 1] != '\n')
            prev_start--;
        if (prev_start == 0 && from > 0)
            break;                        /* that line may start before what we read */
        struct event ev;
        if (prev_end > prev_start && event_parse(&ev, a, tail + prev_start, prev_end - prev_start) == 0)
            break;
        line_start = prev_start;
        start = from + (off_t)line_start;
    }
    arena_free(a);
done:
    free(tail);
    return start;
}

/* The ts of the last record in TAIL (the log's last bytes, ending in a newline),
 * or STAMP_NONE when the record is longer than what was read. */
static int64_t last_ts(const char *tail, size_t n)
{
    size_t start = n - 1;
    while (start > 0 && tail[start - 1] != '\n')
        start--;
    if (start == 0 && n == TAIL_PEEK)
        return STAMP_NONE;
    static const char key[] = "\"ts\":\"";
    const char *p = memmem(tail + start, n - start, key, sizeof key - 1);
    if (!p)
        return STAMP_NONE;
    p += sizeof key - 1;
    const char *q = memchr(p, '"', (size_t)(tail + n - p));
    char text[STAMP_TEXT_MAX];
    int64_t t;
    if (!q || q - p >= (ptrdiff_t)sizeof text)
        return STAMP_NONE;
    memcpy(text, p, (size_t)(q - p));
    text[q - p] = '\0';
    return stamp_parse_iso(&t, text) == 0 ? t : STAMP_NONE;
}

int log_append(struct incident_log *log, struct event_draft *d)
{
    struct buf rec = BUF_INIT;
    int rc = -1;
    bool locked = false;

    if (!d->id[0] && event_new_id(d->id) < 0)
        return -1;
    if (d->ts == STAMP_NONE)
        d->ts = stamp_now();
    if (lock_within(log->fd, LOCK_EX, log->lock_wait_ms) < 0) {
        rc = errno == EWOULDBLOCK ? lock_busy(log) : error_set_errno("cannot lock the incident log %s", log->path);
        goto done;
    }
    locked = true;
    struct stat st;
    if (fstat(log->fd, &st) < 0) {
        error_set_errno("cannot read the incident log %s", log->path);
        goto done;
    }
    if (st.st_size > 0) {
        char tail[TAIL_PEEK];
        size_t n = st.st_size < (off_t)sizeof tail ? (size_t)st.st_size : sizeof tail;
        if (read_at(log->fd, tail, n, st.st_size - (off_t)n) < 0) {
            error_set_errno("cannot read the incident log %s", log->path);
            goto done;
        }
        char last = tail[n - 1];
        if (last == '\n') {
            /* Recording times only move forward within a log, even when the
             * system clock steps back (or is fixed by WARROOM_NOW): one machine's
             * records then keep their order wherever logs are merged. */
            int64_t prev = last_ts(tail, n);
            if (prev != STAMP_NONE && d->ts <= prev)
                d->ts = prev + 1;
        } else {
            /* A writer died mid-record. Close its line and say where the torn
             * region began, so replay sets it aside rather than calling it damage. */
            off_t start = torn_region_start(log->fd, st.st_size);
            struct event_draft torn;
            event_draft_init(&torn, EVENT_TORN, d->by);
            torn.ts = d->ts;
            event_draft_int(&torn, "offset", (long long)start);
            event_draft_int(&torn, "bytes", (long long)(st.st_size - start));
            buf_addc(&rec, '\n');
            int erc = event_new_id(torn.id) < 0 ? -1 : event_encode(&rec, &torn);
            event_draft_free(&torn);
            if (erc < 0)
                goto done;
        }
    }
    if (event_encode(&rec, d) < 0)
        goto done;
    if (file_write_all(log->fd, rec.data, rec.len) < 0) {
        error_set_errno("the event was not saved: writing %s failed", log->path);
        goto done;
    }
    if (fdatasync(log->fd) < 0) {
        error_set_errno("the event may not be saved: flushing %s to disk failed", log->path);
        goto done;
    }
    rc = 0;
done:
    if (locked)
        lock(log->fd, LOCK_UN);
    buf_free(&rec);
    return rc;
}

int log_reader_open(struct log_reader *r, const char *path)
{
    memset(r, 0, sizeof *r);
    r->fd = file_open_private(path, O_RDONLY, "the incident log");
    if (r->fd < 0)
        return -1;
    r->path = xstrdup(path);
    r->arena = arena_new();
    return 0;
}

void log_reader_close(struct log_reader *r)
{
    if (r->fd >= 0)
        close(r->fd);
    r->fd = -1;
    free(r->path);
    arena_free(r->arena);
    buf_free(&r->chunk);
    for (size_t i = 0; i < r->nwarnings; i++)
        free(r->warnings[i]);
    free(r->warnings);
    memset(r, 0, sizeof *r);
    r->fd = -1;
}

static void warn(struct log_reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warn(struct log_reader *r, const char *fmt, ...)
{
    struct buf b = BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    r->warnings = xrealloc(r->warnings, sizeof(char *) * (r->nwarnings + 1));
    r->warnings[r->nwarnings++] = buf_detach(&b);
}

static int damaged(struct log_reader *r, unsigned line, const char *why)
{
    return error_set("%s:%u: damaged record (%s); the log was not changed: repair or remove "
                     "that line by hand, then retry",
                     r->path, line, why);
}

/* Handles one complete line (without its newline) that starts at OFFSET. */
static int take_line(struct log_reader *r, const char *s, size_t len, off_t offset, log_event_fn fn, void *ctx)
{
    unsigned line = ++r->line;
    if (len == 0)
        return 0;                         /* an empty line is left by closing a torn one at offset 0 */
    struct event ev;
    if (event_parse(&ev, r->arena, s, len) < 0) {
        if (r->nheld == sizeof r->held / sizeof r->held[0])
            return damaged(r, r->held[0].line, r->held[0].message);
        r->held[r->nheld].offset = offset;
        r->held[r->nheld].line = line;
        r->held[r->nheld].bytes = len;
        snprintf(r->held[r->nheld].message, sizeof r->held[0].message, "%s", error_last());
        r->nheld++;
        return 0;
    }
    if (r->nheld) {
        long long from;
        if (ev.type != EVENT_TORN || !event_int(&ev, "offset", &from) || from > (long long)r->held[0].offset)
            return damaged(r, r->held[0].line, r->held[0].message);
        for (unsigned i = 0; i < r->nheld; i++)
            if (r->held[i].line != r->torn_reported)   /* said once is enough */
                warn(r, "line %u: a torn record (%zu bytes, its writer stopped mid-write) was set aside",
                     r->held[i].line, r->held[i].bytes);
        r->nheld = 0;
    }
    ev.line = line;
    return fn ? fn(ctx, &ev) : 0;
}

int log_read(struct log_reader *r, enum log_read_mode mode, log_event_fn fn, void *ctx)
{
    for (;;) {
        /* chunk holds bytes from offset on; read more after them */
        buf_grow(&r->chunk, READ_CHUNK);
        ssize_t n = pread(r->fd, r->chunk.data + r->chunk.len, READ_CHUNK, r->offset + (off_t)r->chunk.len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return error_set_errno("cannot read the incident log %s", r->path);
        }
        r->chunk.len += (size_t)n;
        r->chunk.data[r->chunk.len] = '\0';
        size_t pos = 0;
        for (;;) {
            char *nl = memchr(r->chunk.data + pos, '\n', r->chunk.len - pos);
            if (!nl)
                break;
            size_t len = (size_t)(nl - (r->chunk.data + pos));
            int rc = take_line(r, r->chunk.data + pos, len, r->offset + (off_t)pos, fn, ctx);
            if (rc < 0)
                return rc;
            pos += len + 1;
        }
        if (pos) {
            memmove(r->chunk.data, r->chunk.data + pos, r->chunk.len - pos);
            r->chunk.len -= pos;
            r->offset += (off_t)pos;
        }
        if (r->chunk.len > EVENT_RECORD_MAX + 1) {
            /* a line longer than any record we write: never from a writer of ours */
            return damaged(r, r->line + 1, "the line is longer than any record");
        }
        if (n > 0)
            continue;
        break;                            /* end of file */
    }
    if (mode == LOG_FOLLOW)
        return 0;
    if (r->chunk.len > 0) {
        /* An incomplete last line is either being written right now or torn.
         * A writer holds the exclusive lock for the whole write: wait for it. */
        if (flock(r->fd, LOCK_SH | LOCK_NB) < 0) {
            if (lock(r->fd, LOCK_SH) < 0)
                return 0;                 /* held past the wait: left for the next read, as LOG_FOLLOW does */
            lock(r->fd, LOCK_UN);
            return log_read(r, mode, fn, ctx);
        }
        lock(r->fd, LOCK_UN);
        struct stat st;
        if (fstat(r->fd, &st) == 0 && st.st_size > r->offset + (off_t)r->chunk.len)
            return log_read(r, mode, fn, ctx);  /* it grew meanwhile */
        for (unsigned i = 0; i < r->nheld; i++)
            warn(r, "line %u: a torn record (%zu bytes, its writer stopped mid-write) was set aside",
                 r->held[i].line, r->held[i].bytes);
        r->nheld = 0;
        if (r->torn_reported != r->line + 1)
            warn(r, "line %u: the last record is torn (%zu bytes, its writer stopped mid-write); "
                    "it was set aside and the next entry starts on a fresh line",
                 r->line + 1, r->chunk.len);
        r->torn_reported = r->line + 1;
        /* leave it in chunk: a follower re-reads once the next append closes it */
        return 0;
    }
    if (r->nheld)
        return damaged(r, r->held[0].line, r->held[0].message);
    return 0;
}
