/* strindex — a map from a string to a number (open addressing), for the
 * lookups replay makes once per event: an action item by its name, the edits
 * naming an event, whether a note is named by one. Each slot keeps its key's
 * hash, so a probe past another key, or a key that is not there, costs no
 * visit to the key's memory. Keys are not copied: they must outlive the index
 * (replay's keys live in the log reader's arena). */
#ifndef WARROOM_STRINDEX_H
#define WARROOM_STRINDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct strindex {
    struct strindex_slot {
        const char *key;
        size_t value;
        uint64_t hash;
    } *slots;
    size_t cap, count;
};

#define STRINDEX_INIT {NULL, 0, 0}

/* The slot's value for KEY, or NULL when KEY is not there. */
size_t *strindex_find(const struct strindex *x, const char *key);
/* The value for KEY, added as VALUE when KEY is new; *ADDED tells which. */
size_t *strindex_put(struct strindex *x, const char *key, size_t value, bool *added);
void strindex_clear(struct strindex *x);

/* A 64-bit hash of S, eight bytes a step (ids are 32 hex digits,
 * and hashing a million of them a byte at a time was much of a replay):
 * the one the index uses, shared by the other tables of ids. Only this
 * process sees it, so it is free to change. */
uint64_t strindex_hash(const char *s);

#endif
