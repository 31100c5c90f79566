#include "warroom/strindex.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "warroom/buf.h"
#include "warroom/error.h"

/* FNV-1a; never 0, which marks nothing. */
static uint64_t hash_key(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h | 1;
}

static struct strindex_slot *slot_of(const struct strindex *x, const char *key, uint64_t h)
{
    size_t mask = x->cap - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask)
        if (!x->slots[i].key || (x->slots[i].hash == h && strcmp(x->slots[i].key, key) == 0))
            return &x->slots[i];
}

size_t *strindex_find(const struct strindex *x, const char *key)
{
    if (!x->cap)
        return NULL;
    struct strindex_slot *s = slot_of(x, key, hash_key(key));
    return s->key ? &s->value : NULL;
}

size_t *strindex_put(struct strindex *x, const char *key, size_t value, bool *added)
{
    if ((x->count + 1) * 2 > x->cap) {   /* at most half full: probes stay short */
        struct strindex bigger = {xcalloc(x->cap ? x->cap * 2 : 64, sizeof *x->slots), x->cap ? x->cap * 2 : 64,
                                  x->count};
        for (size_t i = 0; i < x->cap; i++)
            if (x->slots[i].key)
                *slot_of(&bigger, x->slots[i].key, x->slots[i].hash) = x->slots[i];
        free(x->slots);
        *x = bigger;
    }
    uint64_t h = hash_key(key);
    struct strindex_slot *s = slot_of(x, key, h);
    *added = !s->key;
    if (!s->key) {
        s->key = key;
        s->value = value;
        s->hash = h;
        x->count++;
    }
    return &s->value;
}

void strindex_clear(struct strindex *x)
{
    free(x->slots);
    x->slots = NULL;
    x->cap = x->count = 0;
}
