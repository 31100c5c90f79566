/* log — an incident's append-only event log on disk.
 * Appends are atomic and durable: an exclusive flock, one write of the whole
 * record, fdatasync, and only then success. Reads never take the writers' lock
 * except to tell a torn last line (a writer died mid-record) from one still
 * being written. A torn tail is reported and set aside: the next append closes
 * it with a newline and a "torn" record naming where it began, so replay can
 * tell it from damage in the middle of the log, which is an error naming its
 * line. Nothing is ever rewritten. */
#ifndef WARROOM_LOG_H
#define WARROOM_LOG_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "warroom/buf.h"
#include "warroom/event.h"

#define LOG_EBUSY (-2)           /* another process held the log's lock past the wait */
#define LOG_LOCK_WAIT_MS 5000    /* how long a lock is waited for, unless set otherwise */

struct incident_log {
    char *path;
    int fd;
    int lock_wait_ms;   /* how long an append waits for another process's lock;
                           0: not at all (the console retries instead) */
};

/* Opens PATH for appending, creating it 0600 when absent (and flushing its
 * directory). PATH is never followed through a symbolic link, must be a
 * regular file, and its directory must be the user's own (file_open_private). */
int log_open(struct incident_log *log, const char *path);
void log_close(struct incident_log *log);

/* How long appends (log_open's default) and reads wait for another process's
 * lock before they give up, for the whole process: the time a holder may hold
 * it without the log growing. Never forever: a holder that never lets go gets
 * a message naming it, not a hang. */
void log_set_lock_wait(int ms);
int log_lock_wait(void);

/* Appends D: fills in its id (random), ts (now) and host (host_id(), when a
 * data directory was opened) when unset, encodes it
 * (cleaning every string), and returns 0 only once the record is on disk.
 * Its stamps are written as given: nothing else in the log changes them.
 * LOG_EBUSY when another process held the lock past LOG->lock_wait_ms (the
 * message names it, "pid 1234 (flock)", when /proc/locks tells).
 * ID_OUT, when not NULL, receives the id written. */
int log_append(struct incident_log *log, struct event_draft *d);

/* Appends LINES, records encoded already (another host's, as it wrote them),
 * through the same lock, torn-tail handling and flush as log_append, in one
 * write: each line must parse as a record, and none may be a torn record.
 * At most LOG_APPEND_LINES_MAX bytes, so that a failed write never leaves a
 * torn region longer than a torn record may name. */
#define LOG_APPEND_LINES_MAX (4 * EVENT_RECORD_MAX)
int log_append_lines(struct incident_log *log, const char *lines, size_t len);

/* Called for each record read, in file order. Returning < 0 stops the read
 * with that result. The event and its strings live in the reader's arena. */
typedef int (*log_event_fn)(void *ctx, struct event *ev);

/* The torn region: when an append finds the log's last line incomplete (its
 * writer died, or a write failed part-way), it closes the line and appends a
 * "torn" record naming the offset where the region began; replay then sets
 * aside everything from that offset to the torn record, whatever it holds. An
 * append that fails after some of its bytes landed retires them the same way.
 * The region at the end of a log is the incomplete last line and the complete
 * lines right before it that do not parse, at most LOG_TORN_LINES_MAX of them;
 * the reader and the writer compute it with the same code, so what show sets
 * aside is what the next append retires. A torn record never names a region
 * longer than LOG_TORN_REGION_MAX bytes: one that does is damage. */
#define LOG_TORN_LINES_MAX 8
#define LOG_TORN_SCAN_MAX ((LOG_TORN_LINES_MAX + 2) * (EVENT_RECORD_MAX + 1))
#define LOG_TORN_REGION_MAX (LOG_TORN_SCAN_MAX + 2 * (EVENT_RECORD_MAX + 1))

/* A line read but not yet final: a torn record after it may still retire it. */
struct log_pending {
    off_t offset;
    unsigned line;
    size_t bytes;
    bool parsed;           /* else message says why not */
    bool delivered;        /* handed to the caller already (following) */
    bool reported;         /* set aside as part of a torn tail, said so */
    struct event ev;       /* when parsed */
    const char *message;   /* in the arena */
};

struct log_reader {
    char *path;
    int fd;
    off_t offset;        /* bytes consumed: everything before it was handled */
    unsigned line;       /* lines consumed */
    struct arena *arena; /* owns every event handed out; freed with the reader */
    struct buf chunk;    /* bytes read past offset, not yet a complete line */
    struct log_pending *pending; /* lines a torn record may still retire, in file order */
    size_t pending_head, npending, pending_cap; /* live entries: [pending_head, npending) */
    off_t final_end;     /* lines before it are final: no torn record reaches them */
    unsigned final_line; /* the line that ends at final_end (checkpoints start there) */
    unsigned torn_reported; /* the torn last line already reported, 0 if none */
    bool retracted;      /* a torn record retired events already handed out:
                            what was built from them must be replayed afresh */
    char **warnings;     /* what was set aside, for people to read */
    size_t nwarnings;
};

/* Opens PATH for reading, with log_open's rules for links, file types and
 * directories. A writer holding the lock past the wait leaves an incomplete
 * last line for the next read instead of blocking this one. */
int log_reader_open(struct log_reader *r, const char *path);
/* Adds a warning for people to read to R's list (replay's own findings). */
void log_reader_warn(struct log_reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_reader_close(struct log_reader *r);

enum log_read_mode {
    LOG_FOLLOW,  /* more may come: an incomplete last line is left for next time */
    LOG_REPLAY,  /* a full read: an incomplete last line that no writer is busy
                    with is torn; it is reported in warnings and set aside */
};

/* Reads every complete record after the last one read, handing each to FN.
 * Returns 0, or < 0 when the log is damaged (the message names the line) or
 * cannot be read. */
int log_read(struct log_reader *r, enum log_read_mode mode, log_event_fn fn, void *ctx);

#endif
