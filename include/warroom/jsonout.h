/* jsonout — writing one large JSON document as it goes: an object whose one
 * big array (a timeline of a million entries) is made and written an element
 * at a time, so memory stays bounded whatever its length, byte for byte what
 * json_dumpf(JSON_INDENT(2)) would write for the whole tree. */
#ifndef WARROOM_JSONOUT_H
#define WARROOM_JSONOUT_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

/* Writes O (indented by 2, with FLAGS added) to F, with the top-level member
 * KEY, which O holds as an empty array, written as the N elements ITEM makes
 * (each a new reference, freed once written). Returns 0, or -1 when writing
 * failed. */
int jsonout_object(FILE *f, const json_t *o, const char *key, size_t n, json_t *(*item)(const void *ctx, size_t i),
                   const void *ctx, size_t flags);

#endif
