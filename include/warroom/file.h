/* file — small things every writer of files needs, done once. */
#ifndef WARROOM_FILE_H
#define WARROOM_FILE_H

#include <stddef.h>

/* Writes all LEN bytes of DATA to FD, going on after EINTR and short writes.
 * Returns 0, or -1 with errno set (a write that makes no progress is an error,
 * so a full disk cannot loop forever). */
int file_write_all(int fd, const void *data, size_t len);

#endif
