/* checkpoint — the records of an incident's log already read, kept beside
 * the log as a cache so that loading the incident reads only the records
 * appended after it instead of parsing the whole log again.
 * The checkpoint is derived and never a source of truth: it names the log
 * (device and inode), the offset it covers, the log's size when written and a
 * hash of every byte of the log before that offset; it is discarded (and the
 * log replayed from its start) whenever any of them does not match, when its
 * own hash or format version does not, and when it cannot be read. Deleting it
 * changes no output. What it holds are the parsed records, not what replay
 * derives from them: replay runs afresh over them, so state that replay learns
 * to derive (a new field of struct incident) needs nothing here.
 * Written atomically (a new file, then rename), 0600, never through a
 * symbolic link, only into a directory file_open_private accepts. */
#ifndef WARROOM_CHECKPOINT_H
#define WARROOM_CHECKPOINT_H

#include <stdbool.h>
#include <stddef.h>

#include "warroom/event.h"
#include "warroom/log.h"

#define CHECKPOINT_FILE "checkpoint"
/* Records parsed from the log by one load before writing a checkpoint is
 * worth its cost: below it, parsing is cheaper than the write. */
#define CHECKPOINT_MIN_RECORDS 2048

/* The checkpoint for the log at LOG_PATH (malloc'd), or NULL when LOG_PATH is
 * not an incident's events.jsonl (a log under test, a copy being merged):
 * only logs in a data directory get one. */
char *checkpoint_path(const char *log_path);

/* Restores the records the checkpoint at PATH covers, when it describes the
 * log open in R (freshly opened, nothing read): each is handed to FN, in file
 * order, allocated from R's arena (FN may keep it; its strings lie in the
 * checkpoint's mapping, which the arena keeps), and R is left positioned after them, as if
 * it had read them. Returns 1 when restored, 0 when there is no usable
 * checkpoint (nothing was handed out), and -1 when it proved bad after some
 * records were handed out: the caller must discard what FN built and R, and
 * read the log from its start. *COUNT gets the records restored. RESERVE
 * (may be NULL) is told first how many records there will be at most, so
 * that what FN fills can be sized once. */
typedef void (*checkpoint_reserve_fn)(void *ctx, size_t records);
int checkpoint_restore(const char *path, struct log_reader *r, log_event_fn fn, checkpoint_reserve_fn reserve,
                       void *ctx, size_t *count);

/* Writes the checkpoint at PATH for the log open in R, holding the EVENTS[0..N)
 * that lie before R's settled end (r->final_end): the records no torn record
 * can retire. Does nothing when they are fewer than CHECKPOINT_MIN_RECORDS
 * more than the RESTORED ones that came from a checkpoint, when R set
 * anything aside (a warning of its own) or was retracted. A checkpoint that
 * cannot be written is only a slower next load: failures are silent. */
void checkpoint_write(const char *path, const struct log_reader *r, struct event *const *events, size_t n,
                      size_t restored);

/* How many checkpoints this process restored and wrote (WARROOM_STATS). */
unsigned long checkpoint_count_restores(void);
unsigned long checkpoint_count_writes(void);

#endif
