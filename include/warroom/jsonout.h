/* jsonout — writing one large JSON document as it goes: show --json's arrays
 * (a timeline of a million entries, the role history, the deliveries) are
 * made and written an element at a time, so memory stays bounded whatever
 * their length, byte for byte what json_dumpf(JSON_INDENT(2)) would write for
 * the whole tree. */
#ifndef WARROOM_JSONOUT_H
#define WARROOM_JSONOUT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "warroom/incident.h"

struct buf;

/* A writer of one JSON document as it goes, to a FILE through a buffer:
 * byte for byte what json_dumpf(tree, FLAGS | JSON_INDENT(2)) would write
 * for the tree the same calls would build (members in the order written), so
 * no section of it, however long, is ever held as a tree. */
struct jsonw {
    FILE *f;
    size_t flags;
    struct buf *out;
    unsigned depth, cap;      /* containers open, and room for them below */
    bool *some;               /* the container at each depth has a member */
    char *closer;             /* and what closes it */
    bool keyed;               /* a key was written: its value comes next */
    bool failed;              /* a write failed: nothing more is written */
};

void jsonw_init(struct jsonw *w, FILE *f, size_t flags);
void jsonw_object(struct jsonw *w);
void jsonw_array(struct jsonw *w);
void jsonw_end(struct jsonw *w);                 /* closes the innermost */
void jsonw_key(struct jsonw *w, const char *key);
/* A string; one that is not valid UTF-8 (which jansson refuses) is null. */
void jsonw_string(struct jsonw *w, const char *s);
void jsonw_nullable(struct jsonw *w, const char *s);  /* null when NULL or "" */
void jsonw_int(struct jsonw *w, long long v);
void jsonw_bool(struct jsonw *w, bool v);
void jsonw_null(struct jsonw *w);
void jsonw_stamp(struct jsonw *w, int64_t t);    /* ISO 8601, null for STAMP_NONE */
/* A member KEY of the object being written, and its value. */
void jsonw_member_string(struct jsonw *w, const char *key, const char *s);
void jsonw_member_nullable(struct jsonw *w, const char *key, const char *s);
void jsonw_member_int(struct jsonw *w, const char *key, long long v);
void jsonw_member_stamp(struct jsonw *w, const char *key, int64_t t);
/* A value already written as text, as json_dumps(value, JSON_INDENT(2)) gives it. */
void jsonw_text(struct jsonw *w, const char *text, size_t len);
/* E as the next value, written straight into the writer at its depth:
 * false (nothing written) where jsonout_entry_text refuses it. */
bool jsonw_entry(struct jsonw *w, const struct timeline_entry *e);
/* A jansson value, or each member of jansson object O in order. */
void jsonw_json(struct jsonw *w, const json_t *v);
void jsonw_members(struct jsonw *w, json_t *o);
/* Writes what is left and frees the buffer: 0, or -1 when a write failed. */
int jsonw_finish(struct jsonw *w);

/* S as a JSON string literal, escaped as jansson's dump escapes it under
 * FLAGS (JSON_ENSURE_ASCII, JSON_ESCAPE_SLASH). Returns -1 (OUT then holds
 * part of it) where jansson would refuse S: it is not valid UTF-8. */
int jsonout_string(struct buf *out, const char *s, size_t flags);

/* A timeline entry as show --json gives it: id, at, ts, by, type and text
 * (after edits), then every other field of its event not named already
 * (arrays left out), then "edits" when it was edited. As a jansson tree, and
 * as the text json_dumps(tree, FLAGS | JSON_INDENT(2)) gives, written into
 * OUT as a value standing DEPTH levels deep (its lines indented to match);
 * -1 where that needs jansson's own judgement (a string that is not valid
 * UTF-8). */
json_t *jsonout_entry_json(const struct timeline_entry *e);
int jsonout_entry_text(struct buf *out, const struct timeline_entry *e, size_t flags, unsigned depth);

#endif
