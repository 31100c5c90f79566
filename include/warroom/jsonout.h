/* jsonout — writing one large JSON document as it goes: an object whose one
 * big array (a timeline of a million entries) is made and written an element
 * at a time, so memory stays bounded whatever its length, byte for byte what
 * json_dumpf(JSON_INDENT(2)) would write for the whole tree. */
#ifndef WARROOM_JSONOUT_H
#define WARROOM_JSONOUT_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

#include "warroom/incident.h"

/* Writes O (indented by 2, with FLAGS added) to F, with the top-level member
 * KEY, which O holds as an empty array, written as the N elements ITEM makes
 * (each a new reference, freed once written). Returns 0, or -1 when writing
 * failed. */
int jsonout_object(FILE *f, const json_t *o, const char *key, size_t n, json_t *(*item)(const void *ctx, size_t i),
                   const void *ctx, size_t flags);

/* The same, each element written by WRITE as text into OUT, byte for byte what
 * json_dumps(element, FLAGS | JSON_INDENT(2)) gives, and only where WRITE
 * cannot (it returns < 0) made by ITEM and written by jansson: building and
 * freeing a million small trees was most of the cost. */
struct buf;
int jsonout_object_text(FILE *f, const json_t *o, const char *key, size_t n,
                        int (*write)(struct buf *out, const void *ctx, size_t i),
                        json_t *(*item)(const void *ctx, size_t i), const void *ctx, size_t flags);

/* S as a JSON string literal, escaped as jansson's dump escapes it under
 * FLAGS (JSON_ENSURE_ASCII, JSON_ESCAPE_SLASH). Returns -1 (OUT then holds
 * part of it) where jansson would refuse S: it is not valid UTF-8. */
int jsonout_string(struct buf *out, const char *s, size_t flags);

/* A timeline entry as show --json gives it: id, at, ts, by, type and text
 * (after edits), then every other field of its event not named already
 * (arrays left out), then "edits" when it was edited. As a jansson tree, and
 * as the text json_dumps(tree, FLAGS | JSON_INDENT(2)) gives, written into
 * OUT; -1 where that needs jansson's own judgement (a string that is not
 * valid UTF-8). */
json_t *jsonout_entry_json(const struct timeline_entry *e);
int jsonout_entry_text(struct buf *out, const struct timeline_entry *e, size_t flags);

#endif
