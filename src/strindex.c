#include "warroom/strindex.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "warroom/buf.h"
#include "warroom/error.h"

uint64_t strindex_hash(const char *s)
{
    size_t len = strlen(s);
    uint64_t h = 0x9E3779B97F4A7C15ULL ^ len;
    for (; len >= 8; s += 8, len -= 8) {
        uint64_t w;
        memcpy(&w, s, 8);
        h = (h ^ w) * 0xFF51AFD7ED558CCDULL;
        h ^= h >> 32;
    }
    uint64_t w = 0;
    memcpy(&w, s, len);
    h = (h ^ w) * 0xC4CEB9FE1A85EC53ULL;
    h ^= h >> 33;
    h *= 0xFF51AFD7ED558CCDULL;
    h ^= h >> 33;
    return h;
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
    struct strindex_slot *s = slot_of(x, key, strindex_hash(key));
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
    uint64_t h = strindex_hash(key);
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
