/* file — small things every reader and writer of files needs, done once:
 * whole writes; opens that never wait on a FIFO or a device standing where a
 * plain file belongs; and opens of incident data that never follow a symbolic
 * link nor trust a directory that someone else can change (as ssh's
 * StrictModes and git's safe.directory do). Messages say what and what to do. */
#ifndef WARROOM_FILE_H
#define WARROOM_FILE_H

#include <stddef.h>

/* Writes all LEN bytes of DATA to FD, going on after EINTR and short writes.
 * Returns 0, or -1 with errno set (a write that makes no progress is an error,
 * so a full disk cannot loop forever). */
int file_write_all(int fd, const void *data, size_t len);

/* Opens PATH with FLAGS (O_RDONLY, ...; O_CLOEXEC is added) and returns the
 * descriptor only when it is a regular file: a FIFO, socket or device in its
 * place is refused at once instead of hanging the open or the first read.
 * WHAT names the file in the message ("the config"). */
int file_open_regular(const char *path, int flags, const char *what);

/* Like file_open_regular, for incident data: the directory holding PATH must
 * not be a symbolic link, must belong to the user (or root) and must not be
 * writable by group or others; PATH itself is never followed when it is a
 * symbolic link. With O_CREAT a missing file is created 0600 and its
 * directory flushed, so the new name survives a power cut. */
int file_open_private(const char *path, int flags, const char *what);

/* Refuses (< 0, with a message naming WHAT and PATH) the directory open at FD
 * unless it belongs to the user (or root) and is not writable by group or
 * others. */
int file_check_private_dir(int fd, const char *path, const char *what);

/* Flushes the directory DIR's entries to disk (a name created, renamed or
 * removed in it). Returns 0, or < 0 with a message. */
int file_sync_dir(const char *dir);

#endif
