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
#include "warroom/host.h"
#include "warroom/stamp.h"
#include "warroom/text.h"

#define READ_CHUNK (1024 * 1024)

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

/* Where the torn region at the end of a log of SIZE bytes whose last line is
 * incomplete begins: the start of that line, moved back over the complete
 * lines right before it that do not parse either (a crash while a torn line
 * was being closed, a write that failed). The one definition for the writer
 * and the reader. Returns 0; 1 when more such lines lie there than a torn
 * region holds (that is damage, and *START is where the region would begin);
 * -1 when the log cannot be read. */
static int torn_region_start(int fd, off_t size, off_t *start)
{
    off_t from = size > LOG_TORN_SCAN_MAX ? size - LOG_TORN_SCAN_MAX : 0;
    size_t len = (size_t)(size - from);
    char *tail = xmalloc(len + 1);
    int rc = -1;
    *start = size;
    if (read_at(fd, tail, len, from) < 0)
        goto done;
    size_t line_start = len;              /* the incomplete line runs [line_start, len) */
    while (line_start > 0 && tail[line_start - 1] != '\n')
        line_start--;
    rc = 0;
    if (line_start == 0 && from > 0) {
        rc = 1;                           /* longer than any record */
        goto done;
    }
    *start = from + (off_t)line_start;
    struct arena *a = arena_new();
    for (int back = 0; line_start > 0; back++) {
        size_t prev_end = line_start - 1; /* the '\n' ending the previous line */
        size_t prev_start = prev_end;
        while (prev_start > 0 && tail[prev_start - 1] != '\n')
            prev_start--;
        if (prev_start == 0 && from > 0) {
            rc = 1;                       /* the lines read so far are longer than any region */
            break;
        }
        struct event ev;
        if (prev_end > prev_start && event_parse(&ev, a, tail + prev_start, prev_end - prev_start) == 0)
            break;                        /* a record: the region begins after it */
        if (back == LOG_TORN_LINES_MAX) {
            rc = 1;
            break;
        }
        line_start = prev_start;
        *start = from + (off_t)line_start;
    }
    arena_free(a);
done:
    free(tail);
    return rc;
}

/* Appends to OUT a torn record (a newline first when the log does not end on
 * one) that sets aside [REGION, SIZE). */
static int encode_torn(struct buf *out, bool close_line, off_t region, off_t size, const char *by, int64_t ts)
{
    struct event_draft torn;
    event_draft_init(&torn, EVENT_TORN, by);
    torn.ts = ts;
    event_draft_int(&torn, "offset", (long long)region);
    event_draft_int(&torn, "bytes", (long long)(size - region));
    if (close_line)
        buf_addc(out, '\n');
    int rc = event_new_id(torn.id) < 0 ? -1 : event_encode(out, &torn);
    event_draft_free(&torn);
    return rc;
}

/* After a write or flush failed with some of this append's bytes in the log
 * (BEFORE was its size): a failure is reported, so what landed must never be
 * read as an event. Retires everything from REGION (where this append's own
 * torn region began, else BEFORE) to the end. Returns 0 when nothing landed or
 * the retirement was written; -1 when the disk refused that too, and the next
 * append, finding the last line incomplete, retires it instead. */
static int retire_failed(struct incident_log *log, off_t before, off_t region, const struct event_draft *d)
{
    struct stat st;
    char last;
    if (fstat(log->fd, &st) < 0)
        return -1;
    if (st.st_size <= before)
        return 0;
    if (read_at(log->fd, &last, 1, st.st_size - 1) < 0)
        return -1;
    struct buf rec = BUF_INIT;
    int rc = encode_torn(&rec, last != '\n', region, st.st_size, d->by, d->ts);
    if (rc == 0)
        rc = file_write_all(log->fd, rec.data, rec.len);
    if (rc == 0)
        fdatasync(log->fd);               /* best effort: readers already see it */
    buf_free(&rec);
    return rc;
}

int log_append(struct incident_log *log, struct event_draft *d)
{
    struct buf rec = BUF_INIT;
    int rc = -1;
    bool locked = false;

    if (!d->id[0] && event_new_id(d->id) < 0)
        return -1;
    /* The stamp is this writer's own word: no other record's stamp moves it,
     * so one wrong clock cannot drag the entries after it along. */
    if (d->ts == STAMP_NONE)
        d->ts = stamp_now();
    /* every event says which host wrote it: each host publishes its own */
    bool has_host = false;
    for (unsigned i = 0; i < d->nfields; i++)
        has_host |= strcmp(d->fields[i].key, "host") == 0;
    if (!has_host && host_id() && !d->raw)
        event_draft_str(d, "host", host_id());
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
    off_t region = st.st_size;            /* what a failure of this append retires begins here */
    if (st.st_size > 0) {
        char last;
        if (read_at(log->fd, &last, 1, st.st_size - 1) < 0) {
            error_set_errno("cannot read the incident log %s", log->path);
            goto done;
        }
        if (last != '\n') {
            /* A writer died mid-record, or a write failed part-way. Close its
             * line and say where the torn region began, so replay sets it aside
             * rather than calling it damage. */
            off_t start;
            int t = torn_region_start(log->fd, st.st_size, &start);
            if (t < 0) {
                error_set_errno("cannot read the incident log %s", log->path);
                goto done;
            }
            if (t > 0) {
                error_set("%s is damaged before its torn last line (more lines that are not records "
                          "than a torn write leaves); nothing was written: 'warroom show' names the line",
                          log->path);
                goto done;
            }
            if (encode_torn(&rec, true, start, st.st_size, d->by, d->ts) < 0)
                goto done;
            region = start;
        }
    }
    if (d->raw)
        buf_add(&rec, d->raw, d->raw_len);
    else if (event_encode(&rec, d) < 0)
        goto done;
    if (file_write_all(log->fd, rec.data, rec.len) < 0) {
        int err = errno;
        retire_failed(log, st.st_size, region, d);
        errno = err;
        error_set_errno("the event was not saved: writing %s failed", log->path);
        goto done;
    }
    if (fdatasync(log->fd) < 0) {
        int err = errno;
        bool retired = retire_failed(log, st.st_size, region, d) == 0;
        errno = err;
        if (retired)
            error_set_errno("the event was not saved: flushing %s to disk failed", log->path);
        else
            error_set_errno("the event may not be saved: flushing %s to disk failed ('warroom show' "
                            "tells whether it is there)",
                            log->path);
        goto done;
    }
    rc = 0;
done:
    if (locked)
        lock(log->fd, LOCK_UN);
    buf_free(&rec);
    return rc;
}

int log_append_lines(struct incident_log *log, const char *lines, size_t len)
{
    if (len == 0)
        return 0;
    if (len > LOG_APPEND_LINES_MAX || lines[len - 1] != '\n')
        return error_set("records to append must end on a newline and hold at most %d bytes", LOG_APPEND_LINES_MAX);
    /* the door checks what it lets in: every line one record, as replay reads it */
    struct arena *a = arena_new();
    for (size_t pos = 0; pos < len;) {
        const char *nl = memchr(lines + pos, '\n', len - pos);
        size_t n = (size_t)(nl - (lines + pos));
        struct event ev;
        int rc = n + 1 > EVENT_RECORD_MAX ? error_set("a record is longer than any record")
                                          : event_parse(&ev, a, lines + pos, n);
        if (rc == 0 && ev.type == EVENT_TORN)
            rc = error_set("a torn record belongs to the log that has it");
        if (rc < 0) {
            arena_free(a);
            return -1;
        }
        pos += n + 1;
    }
    arena_free(a);
    struct event_draft d;
    event_draft_init(&d, EVENT_TORN, "warroom");
    d.raw = lines;
    d.raw_len = len;
    return log_append(log, &d);
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
    free(r->pending);
    for (size_t i = 0; i < r->nwarnings; i++)
        free(r->warnings[i]);
    free(r->warnings);
    memset(r, 0, sizeof *r);
    r->fd = -1;
}

static void warn_text(struct log_reader *r, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
static void warn_text(struct log_reader *r, const char *fmt, va_list ap)
{
    struct buf b = BUF_INIT;
    buf_vprintf(&b, fmt, ap);
    r->warnings = xrealloc(r->warnings, sizeof(char *) * (r->nwarnings + 1));
    r->warnings[r->nwarnings++] = buf_detach(&b);
}

static void warn(struct log_reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warn(struct log_reader *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    warn_text(r, fmt, ap);
    va_end(ap);
}

void log_reader_warn(struct log_reader *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    warn_text(r, fmt, ap);
    va_end(ap);
}

static int damaged(struct log_reader *r, unsigned line, const char *why)
{
    return error_set("%s:%u: damaged record (%s); the log was not changed: repair or remove "
                     "that line by hand, then retry",
                     r->path, line, why);
}

static void warn_set_aside(struct log_reader *r, const struct log_pending *p)
{
    warn(r, "line %u: a torn record (%zu bytes, its writer stopped mid-write) was set aside", p->line, p->bytes);
}

static int deliver(struct log_pending *p, log_event_fn fn, void *ctx)
{
    p->delivered = true;
    struct event ev = p->ev;
    return fn ? fn(ctx, &ev) : 0;
}

/* A torn record at OFFSET: everything from the offset it names up to it is
 * set aside, whatever it holds. */
static int retire(struct log_reader *r, const struct event *torn, off_t offset)
{
    long long from;
    if (!event_int(torn, "offset", &from) || from < 0 || from > (long long)offset)
        return damaged(r, torn->line, "a torn record that does not say where the torn region began");
    if (from < (long long)r->final_end || offset - (off_t)from > LOG_TORN_REGION_MAX)
        return damaged(r, torn->line, "a torn record naming a region larger than any torn write leaves");
    size_t i = r->npending;
    while (i > r->pending_head && r->pending[i - 1].offset >= (off_t)from)
        i--;
    for (size_t k = i; k < r->npending; k++) {
        struct log_pending *p = &r->pending[k];
        if (!p->reported && p->line != r->torn_reported)  /* said once is enough */
            warn_set_aside(r, p);
        if (p->delivered)
            r->retracted = true;
    }
    r->npending = i;
    return 0;
}

/* Makes final the lines no torn record can reach any more, the one starting
 * at OFFSET being the last read: records go to FN, the others are damage. */
static int settle(struct log_reader *r, off_t offset, log_event_fn fn, void *ctx)
{
    while (r->pending_head < r->npending && offset - r->pending[r->pending_head].offset > LOG_TORN_REGION_MAX) {
        struct log_pending *p = &r->pending[r->pending_head];
        if (!p->parsed)
            return damaged(r, p->line, p->message);
        if (!p->delivered) {
            int rc = deliver(p, fn, ctx);
            if (rc < 0)
                return rc;
        }
        r->final_end = p->offset + (off_t)p->bytes + 1;
        r->final_line = p->line;
        r->pending_head++;
    }
    if (r->pending_head == r->npending) {
        r->pending_head = r->npending = 0;
    } else if (r->pending_head > r->pending_cap / 2) {
        memmove(r->pending, r->pending + r->pending_head, sizeof *r->pending * (r->npending - r->pending_head));
        r->npending -= r->pending_head;
        r->pending_head = 0;
    }
    return 0;
}

/* Handles one complete line (without its newline) that starts at OFFSET. */
static int take_line(struct log_reader *r, const char *s, size_t len, off_t offset, log_event_fn fn, void *ctx)
{
    unsigned line = ++r->line;
    if (len == 0)
        return 0;                         /* an empty line is left by closing a torn one at offset 0 */
    struct log_pending p = {.offset = offset, .line = line, .bytes = len};
    if (event_parse(&p.ev, r->arena, s, len) == 0) {
        p.parsed = true;
        p.ev.line = line;
        if (p.ev.type == EVENT_TORN && retire(r, &p.ev, offset) < 0)
            return -1;
    } else {
        const char *why = error_last();
        p.message = arena_strndup(r->arena, why, strlen(why));
    }
    if (r->npending == r->pending_cap) {
        r->pending_cap = r->pending_cap ? r->pending_cap * 2 : 64;
        r->pending = xrealloc(r->pending, sizeof *r->pending * r->pending_cap);
    }
    r->pending[r->npending++] = p;
    return settle(r, offset, fn, ctx);
}

/* Hands out every record read and not yet handed out. */
static int deliver_pending(struct log_reader *r, log_event_fn fn, void *ctx)
{
    for (size_t i = r->pending_head; i < r->npending; i++) {
        struct log_pending *p = &r->pending[i];
        if (p->parsed && !p->delivered) {
            int rc = deliver(p, fn, ctx);
            if (rc < 0)
                return rc;
        }
    }
    return 0;
}

/* The first line that does not parse and that no torn record can explain:
 * before BEFORE, among the lines still pending. */
static const struct log_pending *unexplained(const struct log_reader *r, off_t before)
{
    for (size_t i = r->pending_head; i < r->npending; i++)
        if (!r->pending[i].parsed && r->pending[i].offset < before)
            return &r->pending[i];
    return NULL;
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
        return deliver_pending(r, fn, ctx);   /* lines that do not parse wait for a torn record */
    const struct log_pending *bad;
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
        /* set aside what the next append will retire: the same region */
        off_t start;
        int t = torn_region_start(r->fd, r->offset + (off_t)r->chunk.len, &start);
        if (t < 0)
            return error_set_errno("cannot read the incident log %s", r->path);
        if ((bad = unexplained(r, start)))
            return damaged(r, bad->line, bad->message);
        if (t > 0)
            return damaged(r, r->line + 1, "more lines that are not records before it than a torn write leaves");
        for (size_t i = r->pending_head; i < r->npending; i++) {
            struct log_pending *p = &r->pending[i];
            if (!p->parsed && !p->reported) {
                warn_set_aside(r, p);
                p->reported = true;
            }
        }
        if (r->torn_reported != r->line + 1)
            warn(r, "line %u: the last record is torn (%zu bytes, its writer stopped mid-write); "
                    "it was set aside and the next entry starts on a fresh line",
                 r->line + 1, r->chunk.len);
        r->torn_reported = r->line + 1;
        /* leave it in chunk: a follower re-reads once the next append closes it */
    } else if ((bad = unexplained(r, r->offset))) {
        return damaged(r, bad->line, bad->message);
    }
    return deliver_pending(r, fn, ctx);
}
