/* buf — a growable byte string, always NUL-terminated.
 * Used wherever the core builds text (records, JSON, Markdown, paths). A buf owns
 * its memory; buf_free releases it and leaves an empty buf that can be reused.
 * Allocation failure aborts: the core treats out-of-memory as fatal, as jansson
 * and libgit2 callers here do, rather than threading ENOMEM through every path. */
#ifndef WARROOM_BUF_H
#define WARROOM_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
    char *data;  /* NULL or NUL-terminated */
    size_t len;
    size_t cap;
};

#define BUF_INIT { NULL, 0, 0 }

void buf_grow(struct buf *b, size_t extra);
void buf_add(struct buf *b, const void *data, size_t len);
void buf_adds(struct buf *b, const char *s);
void buf_addc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vprintf(struct buf *b, const char *fmt, va_list ap);
void buf_reset(struct buf *b);          /* len = 0, keeps the memory */
void buf_free(struct buf *b);
const char *buf_str(const struct buf *b); /* "" for an empty buf, never NULL */
char *buf_detach(struct buf *b);        /* caller frees; the buf is left empty */

/* Allocation that cannot return NULL (aborts with a message on exhaustion). */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

#endif
