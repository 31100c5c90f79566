#include "warroom/showstream.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "warroom/error.h"
#include "warroom/stamp.h"
#include "warroom/strindex.h"

#define SCRATCH_MAX (256 * 1024)    /* a scratch arena is replaced once it holds this much */
#define READ_CHUNK (1024 * 1024)
/* Notes a little out of file order (back-dated by a minute) are put in order
 * by a sorted window of this many, in both passes alike; only those it cannot place
 * are kept aside by key. */
#define WINDOW 1024

/* ---- the set of ids ---- */

/* A slot is the id's tag (the top 32 bits of its hash) above the number of
 * its record plus one (0: empty). The home slot is the tag scaled to the
 * capacity, so growing needs only the tags; records' offsets are kept in
 * blocks of 64, a base and 32-bit steps from it. */
#define BLOCK 64

struct showstream_ids {
    uint64_t *slots;
    size_t cap, count;
    uint64_t *base;             /* per block of BLOCK records */
    uint32_t *step;             /* per record; UINT32_MAX: in far[] */
    size_t nrecords, records_cap;
    struct far_offset {
        size_t record;
        uint64_t offset;
    } *far;                     /* records too far from their block's base */
    size_t nfar;
    showstream_id_at_fn lookup;
    void *ctx;
};

static size_t home_of(uint32_t tag, size_t cap)
{
    return (size_t)(((uint64_t)tag * cap) >> 32);
}

struct showstream_ids *showstream_ids_new(size_t expected, showstream_id_at_fn lookup, void *ctx)
{
    struct showstream_ids *set = xcalloc(1, sizeof *set);
    set->cap = expected + expected / 2 + 64;    /* filled to two thirds: short probes */
    set->slots = xcalloc(set->cap, sizeof *set->slots);
    set->lookup = lookup;
    set->ctx = ctx;
    return set;
}

static uint64_t record_offset(const struct showstream_ids *set, size_t record)
{
    if (set->step[record] != UINT32_MAX)
        return set->base[record / BLOCK] + set->step[record];
    size_t lo = 0, hi = set->nfar;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (set->far[mid].record < record)
            lo = mid + 1;
        else
            hi = mid;
    }
    return set->far[lo].offset;
}

static void grow(struct showstream_ids *set)
{
    size_t cap = set->cap * 2;
    uint64_t *slots = xcalloc(cap, sizeof *slots);
    for (size_t i = 0; i < set->cap; i++) {
        if (!set->slots[i])
            continue;
        size_t k = home_of((uint32_t)(set->slots[i] >> 32), cap);
        while (slots[k])
            k = k + 1 == cap ? 0 : k + 1;
        slots[k] = set->slots[i];
    }
    free(set->slots);
    set->slots = slots;
    set->cap = cap;
}

/* The slot holding ID, or the empty one where it goes; -1 when a record could
 * not be read back. */
static int probe(struct showstream_ids *set, const char *id, uint32_t tag, size_t *at)
{
    char other[EVENT_ID_MAX + 1];
    for (size_t k = home_of(tag, set->cap);; k = k + 1 == set->cap ? 0 : k + 1) {
        uint64_t v = set->slots[k];
        *at = k;
        if (!v)
            return 0;
        if ((uint32_t)(v >> 32) != tag)
            continue;
        /* the same tag: only the earlier record itself tells */
        if (set->lookup(set->ctx, record_offset(set, (size_t)(uint32_t)v - 1), other, sizeof other) < 0)
            return -1;
        if (strcmp(other, id) == 0)
            return 1;
    }
}

int showstream_ids_add(struct showstream_ids *set, const char *id, uint64_t offset)
{
    if ((set->count + 1) * 4 > set->cap * 3)
        grow(set);
    size_t k;
    uint32_t tag = (uint32_t)(strindex_hash(id) >> 32);
    int found = probe(set, id, tag, &k);
    if (found != 0)
        return found < 0 ? -1 : 0;
    if (set->nrecords == set->records_cap) {
        set->records_cap = set->records_cap ? set->records_cap * 2 : 4096;
        set->step = xrealloc(set->step, sizeof *set->step * set->records_cap);
        set->base = xrealloc(set->base, sizeof *set->base * (set->records_cap / BLOCK));
    }
    size_t r = set->nrecords++;
    if (r % BLOCK == 0)
        set->base[r / BLOCK] = offset;
    uint64_t base = set->base[r / BLOCK];
    if (offset >= base && offset - base < UINT32_MAX) {
        set->step[r] = (uint32_t)(offset - base);
    } else {
        set->step[r] = UINT32_MAX;
        set->far = xrealloc(set->far, sizeof *set->far * (set->nfar + 1));
        set->far[set->nfar++] = (struct far_offset){r, offset};
    }
    set->slots[k] = ((uint64_t)tag << 32) | (uint64_t)(r + 1);
    set->count++;
    return 1;
}

int showstream_ids_find(struct showstream_ids *set, const char *id, uint64_t *offset)
{
    size_t k;
    int found = probe(set, id, (uint32_t)(strindex_hash(id) >> 32), &k);
    if (found == 1)
        *offset = record_offset(set, (size_t)(uint32_t)set->slots[k] - 1);
    return found;
}

size_t showstream_ids_bytes(const struct showstream_ids *set)
{
    return set->cap * sizeof *set->slots + set->records_cap * (sizeof *set->step + sizeof *set->base / BLOCK) +
           set->nfar * sizeof *set->far;
}

void showstream_ids_free(struct showstream_ids *set)
{
    if (!set)
        return;
    free(set->slots);
    free(set->base);
    free(set->step);
    free(set->far);
    free(set);
}

/* ---- the stream ---- */

/* Where an entry goes on the timeline: compare_said's order (at, ts, host,
 * as appended), the offset standing for the line. */
struct key {
    int64_t at, ts;
    uint64_t offset;
    uint32_t len;
    uint32_t host;              /* in hosts[]; 0 is "" */
};

/* Slots (in an array of the caller's) in order, least first. Notes mostly
 * come in order, so most go at the end at once, and the least leaves from
 * the front. */
struct order {
    uint32_t *ix;
    size_t head, tail, cap;
    uint32_t *free;
    size_t nfree;
};

struct kept {
    struct event *ev;
    uint64_t offset;
};

struct range {
    uint64_t from, to;
};

/* A scratch arena that is replaced once full, the one before it kept: what
 * is still in use was made since, or just before, it was replaced. */
struct scratch {
    struct arena *cur, *prev;
};

struct showstream {
    char *id, *log_path;
    struct log_reader reader;
    int64_t read_clock;
    struct showstream_ids *ids;
    struct arena *keep;                 /* kept events, hosts */
    struct retired {
        struct arena *arena;
        unsigned line;                  /* the last line parsed into it */
    } *retired;
    size_t nretired, retired_head, retired_cap;
    struct kept *kept;
    size_t nkept, kept_cap;
    struct strindex targets;            /* ids edits name */
    struct peek {
        struct arena *arena;
        struct buf line;
        struct event ev;                /* the record id_at read last */
        uint64_t offset;
        bool valid;
    } peek;
    struct key *displaced;              /* notes out of file order */
    size_t ndisplaced, displaced_cap;
    uint64_t *nostream;                 /* offsets of notes not streamed in file order */
    size_t nnostream, nostream_cap;
    struct range *skips;                /* regions of the log no record was taken from */
    size_t nskips, skips_cap;
    uint64_t next_offset;               /* where the record after the last one taken starts */
    struct key *wkeys;                  /* the first pass's window of the keys streamed */
    struct order worder;
    struct key popped;                  /* the last key out of it */
    bool have_popped;
    const char **hosts;
    size_t nhosts;
    struct strindex host_index;
    size_t notes;                       /* notes not kept */
    struct incident *inc;
    size_t total, emitted;
    const char *failed;                 /* set while reading back a record failed */

    /* the second pass */
    uint64_t end;
    struct buf chunk;                   /* bytes of the log from chunk_offset on */
    uint64_t chunk_offset;
    size_t pos;                         /* the next line in chunk */
    struct scratch d_arena;
    struct streamed {
        struct key key;
        const char *host;
        struct event ev;
        size_t pool;                    /* the arena in pool[] holding it */
    } *slots;                           /* the second pass's window: the same notes */
    struct order sorder;
    struct pooled {
        struct arena *arena;
        size_t live;                    /* streamed notes in it */
    } *pool;
    size_t npool, pool_cur;
    size_t release;                     /* the pool entry of the note handed out last, + 1 */
    struct streamed out_note;
    bool s_done;
    const char *m_host;                 /* the kept head's host */
    size_t m_host_of;                   /* the kept entry m_host is for, + 1 */
    size_t di, mi, si, ni, ki;
    struct event d_ev;
    struct timeline_entry entry;
    struct buf record;
};

#define GROW(arr, n, cap)                                                  \
    do {                                                                   \
        if ((n) == (cap)) {                                                \
            (cap) = (cap) ? (cap) * 2 : 64;                                \
            (arr) = xrealloc((arr), sizeof(*(arr)) * (cap));               \
        }                                                                  \
    } while (0)

static const char *host_of(const struct event *ev)
{
    const char *h = event_str(ev, "host");
    return h ? h : "";
}

static uint32_t host_number(struct showstream *s, const char *host)
{
    if (!*host)
        return 0;
    size_t *n = strindex_find(&s->host_index, host);
    if (n)
        return (uint32_t)*n;
    const char *copy = arena_strndup(s->keep, host, strlen(host));
    s->hosts = xrealloc(s->hosts, sizeof *s->hosts * (s->nhosts + 1));
    s->hosts[s->nhosts] = copy;
    bool added;
    strindex_put(&s->host_index, copy, s->nhosts, &added);
    return (uint32_t)s->nhosts++;
}

static int compare_said(int64_t at_a, int64_t ts_a, const char *host_a, uint64_t off_a, int64_t at_b, int64_t ts_b,
                        const char *host_b, uint64_t off_b)
{
    if (at_a != at_b)
        return at_a < at_b ? -1 : 1;
    if (ts_a != ts_b)
        return ts_a < ts_b ? -1 : 1;
    int by_host = strcmp(host_a, host_b);
    if (by_host)
        return by_host;
    return off_a < off_b ? -1 : off_a > off_b;
}

static const struct showstream *sorting;   /* qsort has no context */

static int compare_keys(const void *pa, const void *pb)
{
    const struct key *a = pa, *b = pb;
    return compare_said(a->at, a->ts, sorting->hosts[a->host], a->offset, b->at, b->ts, sorting->hosts[b->host],
                        b->offset);
}

static int compare_offsets(const void *pa, const void *pb)
{
    uint64_t a = *(const uint64_t *)pa, b = *(const uint64_t *)pb;
    return a < b ? -1 : a > b;
}

static int compare_kept(const void *pa, const void *pb)
{
    const struct kept *a = pa, *b = pb;
    return a->offset < b->offset ? -1 : a->offset > b->offset;
}

/* Most records are a few hundred bytes: one whose length is not known is
 * looked for in this much first, not in the largest a record can be. */
#define RECORD_GUESS 4096

/* WANT bytes of the log from OFFSET on appended to OUT (fewer at its end). */
static int read_more(int fd, struct buf *out, uint64_t offset, size_t want)
{
    buf_grow(out, want);
    size_t got = 0;
    while (got < want) {
        ssize_t n = pread(fd, out->data + out->len + got, want - got, (off_t)(offset + got));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return error_set_errno("cannot read the incident log");
        if (n == 0)
            break;
        got += (size_t)n;
    }
    out->len += got;
    return 0;
}

/* The record at OFFSET (LEN bytes, or up to its newline when LEN is 0), read
 * back into OUT. Reading a record back is done for every edited note, so
 * one of unknown length costs a read of RECORD_GUESS bytes, and only a longer
 * one a read of the rest. */
static int read_record(int fd, struct buf *out, uint64_t offset, size_t len)
{
    buf_reset(out);
    if (len) {
        if (read_more(fd, out, offset, len) < 0)
            return -1;
        if (out->len < len)
            return error_set("the incident log changed while it was read");
    } else {
        if (read_more(fd, out, offset, RECORD_GUESS) < 0)
            return -1;
        char *nl = memchr(out->data, '\n', out->len);
        if (!nl && out->len == RECORD_GUESS) {
            if (read_more(fd, out, offset + RECORD_GUESS, EVENT_RECORD_MAX + 1 - RECORD_GUESS) < 0)
                return -1;
            nl = memchr(out->data, '\n', out->len);
        }
        if (nl)
            out->len = (size_t)(nl - out->data);
    }
    out->data[out->len] = '\0';
    return 0;
}

static int parse_record(struct event *ev, struct arena *a, const char *line, size_t len)
{
    if (event_parse(ev, a, line, len) < 0)
        return error_set("the incident log changed while it was read (%s)", error_last());
    return 0;
}

/* The id of the record at OFFSET, for the set of ids. The record stays
 * parsed in s->peek until the next call: the note an edit names is read
 * once, to find it and to keep it. */
static int id_at(void *ctx, uint64_t offset, char *id, size_t size)
{
    struct showstream *s = ctx;
    struct peek *pk = &s->peek;
    arena_free(pk->arena);
    pk->arena = arena_new();
    pk->valid = false;
    int rc = read_record(s->reader.fd, &pk->line, offset, 0);
    if (rc == 0)
        rc = parse_record(&pk->ev, pk->arena, pk->line.data, pk->line.len);
    if (rc == 0) {
        snprintf(id, size, "%s", pk->ev.id);
        pk->offset = offset;
        pk->valid = true;
    }
    return rc;
}

/* A kept event outlives the arena it was parsed into. Its keys, type, author
 * and short values (a state, a sink, a role) repeat from one record to the
 * next: each is kept once, as the parse keeps them. */
static struct event *copy_event(struct arena *a, const struct event *ev)
{
    struct event *c = arena_alloc(a, sizeof *c);
    *c = *ev;
    c->id = arena_strndup(a, ev->id, strlen(ev->id));
    c->type_name = arena_intern(a, ev->type_name, strlen(ev->type_name));
    c->by = arena_intern(a, ev->by, strlen(ev->by));
    c->fields = arena_alloc(a, sizeof *c->fields * (ev->nfields ? ev->nfields : 1));
    for (unsigned i = 0; i < ev->nfields; i++) {
        c->fields[i] = ev->fields[i];
        c->fields[i].key = arena_intern(a, ev->fields[i].key, strlen(ev->fields[i].key));
        c->fields[i].value = arena_intern(a, ev->fields[i].value, ev->fields[i].len);
    }
    return c;
}

static void keep_event(struct showstream *s, struct event *copy, uint64_t offset)
{
    GROW(s->kept, s->nkept, s->kept_cap);
    s->kept[s->nkept++] = (struct kept){copy, offset};
    bool added;
    const char *target = copy->type == EVENT_EDIT ? event_str(copy, "target") : NULL;
    if (target)
        strindex_put(&s->targets, target, 0, &added);
}

static void skip(struct showstream *s, uint64_t from, uint64_t to)
{
    if (s->nskips && s->skips[s->nskips - 1].to == from) {
        s->skips[s->nskips - 1].to = to;
        return;
    }
    GROW(s->skips, s->nskips, s->skips_cap);
    s->skips[s->nskips++] = (struct range){from, to};
}

static void no_stream(struct showstream *s, uint64_t offset)
{
    GROW(s->nostream, s->nnostream, s->nostream_cap);
    s->nostream[s->nnostream++] = offset;
}

/* The reader parses every line into its arena and keeps the lines a torn
 * record may still retire: an arena is replaced once full and freed once
 * none of the lines parsed into it is pending any more. */
static void rotate(struct showstream *s, unsigned line)
{
    struct log_reader *r = &s->reader;
    if (arena_used(r->arena) > SCRATCH_MAX) {
        GROW(s->retired, s->nretired, s->retired_cap);
        s->retired[s->nretired++] = (struct retired){r->arena, r->line};
        r->arena = arena_new();
    }
    while (s->retired_head < s->nretired) {
        const struct retired *old = &s->retired[s->retired_head];
        if (old->line >= line || (r->pending_head < r->npending && r->pending[r->pending_head].line <= old->line))
            break;
        arena_free(old->arena);
        s->retired_head++;
    }
}

/* ---- notes put in order: a sorted window ---- */


typedef int (*slot_compare_fn)(const struct showstream *s, uint32_t a, uint32_t b);

static void order_init(struct order *o, size_t slots)
{
    o->cap = 2 * slots;
    o->ix = xmalloc(sizeof *o->ix * o->cap);
    o->head = o->tail = 0;
    o->free = xmalloc(sizeof *o->free * slots);
    for (o->nfree = 0; o->nfree < slots; o->nfree++)
        o->free[o->nfree] = (uint32_t)(slots - 1 - o->nfree);
}

static void order_free(struct order *o)
{
    free(o->ix);
    free(o->free);
    memset(o, 0, sizeof *o);
}

static size_t order_size(const struct order *o)
{
    return o->tail - o->head;
}

static void order_insert(const struct showstream *s, struct order *o, uint32_t slot, slot_compare_fn cmp)
{
    if (o->tail == o->cap) {
        memmove(o->ix, o->ix + o->head, sizeof *o->ix * (o->tail - o->head));
        o->tail -= o->head;
        o->head = 0;
    }
    size_t pos = o->tail;
    if (o->tail > o->head && cmp(s, slot, o->ix[o->tail - 1]) < 0) {
        size_t lo = o->head, hi = o->tail - 1;     /* the first one after SLOT */
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (cmp(s, slot, o->ix[mid]) < 0)
                hi = mid;
            else
                lo = mid + 1;
        }
        pos = lo;
        memmove(o->ix + pos + 1, o->ix + pos, sizeof *o->ix * (o->tail - pos));
    }
    o->ix[pos] = slot;
    o->tail++;
}

static uint32_t order_pop(struct order *o)
{
    uint32_t slot = o->ix[o->head++];
    o->free[o->nfree++] = slot;
    return slot;
}

static int compare_window(const struct showstream *s, uint32_t ia, uint32_t ib)
{
    const struct key *a = &s->wkeys[ia], *b = &s->wkeys[ib];
    return compare_said(a->at, a->ts, s->hosts[a->host], a->offset, b->at, b->ts, s->hosts[b->host], b->offset);
}

static int compare_streamed(const struct showstream *s, uint32_t ia, uint32_t ib)
{
    const struct streamed *a = &s->slots[ia], *b = &s->slots[ib];
    return compare_said(a->key.at, a->key.ts, a->host, a->key.offset, b->key.at, b->key.ts, b->host, b->key.offset);
}

static const struct log_pending *pending_of(const struct log_reader *r, unsigned line)
{
    size_t lo = r->pending_head, hi = r->npending;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (r->pending[mid].line < line)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < r->npending && r->pending[lo].line == line ? &r->pending[lo] : NULL;
}

/* Each record the reader hands out, in file order: what replay's collect does
 * (a repeated id counts once, a stamp ahead of the clock is flagged), then
 * kept or counted. */
static int take(void *ctx, struct event *ev)
{
    struct showstream *s = ctx;
    const struct log_pending *p = pending_of(&s->reader, ev->line);
    if (!p)
        return error_set("%s: line %u was not where it was read", s->log_path, ev->line);
    uint64_t offset = (uint64_t)p->offset, end = offset + p->bytes + 1;
    if (offset > s->next_offset)
        skip(s, s->next_offset, offset);
    s->next_offset = end;
    int fresh = showstream_ids_add(s->ids, ev->id, offset);
    if (fresh < 0)
        return -1;
    if (!fresh) {
        skip(s, offset, end);             /* a repeated id counts once */
    } else {
        bool ahead = incident_flag_ahead(&s->reader, ev, s->read_clock);
        if (ev->type == EVENT_NOTE && !strindex_find(&s->targets, ev->id)) {
            const char *host = host_of(ev);
            s->notes++;
            if (!ahead && (!s->have_popped || compare_said(ev->at, ev->ts, host, offset, s->popped.at, s->popped.ts,
                                                           s->hosts[s->popped.host], s->popped.offset) > 0)) {
                uint32_t slot = s->worder.free[--s->worder.nfree];
                s->wkeys[slot] = (struct key){ev->at, ev->ts, offset, (uint32_t)p->bytes, host_number(s, host)};
                order_insert(s, &s->worder, slot, compare_window);
                if (order_size(&s->worder) > WINDOW) {
                    s->popped = s->wkeys[order_pop(&s->worder)];
                    s->have_popped = true;
                }
            } else {
                /* back-dated, or ahead of the clock (it would push every
                 * later one out of order): merged from a sorted list */
                GROW(s->displaced, s->ndisplaced, s->displaced_cap);
                s->displaced[s->ndisplaced++] =
                    (struct key){ev->at, ev->ts, offset, (uint32_t)p->bytes, host_number(s, host)};
                no_stream(s, offset);
            }
        } else {
            keep_event(s, copy_event(s->keep, ev), offset);
            if (ev->type == EVENT_NOTE)
                no_stream(s, offset);
        }
    }
    rotate(s, ev->line);
    return 0;
}

/* How many records the log holds, about: from the lines of its first 64 KiB. */
static size_t expected_records(int fd)
{
    struct stat st;
    char head[65536];
    if (fstat(fd, &st) < 0 || st.st_size == 0)
        return 1024;
    ssize_t n = pread(fd, head, sizeof head, 0);
    size_t lines = 0;
    for (ssize_t i = 0; i < n; i++)
        lines += head[i] == '\n';
    if (lines == 0 || n <= 0)
        return 1024;
    return (size_t)((uint64_t)st.st_size / ((uint64_t)n / lines)) + 1024;
}

/* Notes that edits name were streamed before the edit was read: read each
 * back (finding it in the set of ids reads it) and keep it, so replay
 * applies the edits to it as it does. */
static int keep_edited_notes(struct showstream *s)
{
    size_t nkept = s->nkept;              /* in file order */
    struct kept *moved = NULL;
    size_t nmoved = 0, cap = 0;
    struct strindex looked = {0};        /* targets looked for already */
    int rc = -1;
    for (size_t i = 0; i < nkept; i++) {
        const char *target = s->kept[i].ev->type == EVENT_EDIT ? event_str(s->kept[i].ev, "target") : NULL;
        struct kept probe = {NULL, 0};
        bool added;
        if (!target)
            continue;
        strindex_put(&looked, target, 0, &added);
        if (!added)
            continue;
        int found = showstream_ids_find(s->ids, target, &probe.offset);
        if (found < 0)
            goto done;
        if (found == 0 || bsearch(&probe, s->kept, nkept, sizeof *s->kept, compare_kept))
            continue;                     /* not there, or kept already */
        if (!s->peek.valid || s->peek.offset != probe.offset || s->peek.ev.type != EVENT_NOTE) {
            error_set("%s: the record at offset %llu is not the note it was", s->log_path,
                      (unsigned long long)probe.offset);
            goto done;
        }
        incident_flag_ahead(NULL, &s->peek.ev, s->read_clock);
        GROW(moved, nmoved, cap);
        moved[nmoved++] = (struct kept){copy_event(s->keep, &s->peek.ev), probe.offset};
    }
    if (nmoved) {
        qsort(moved, nmoved, sizeof *moved, compare_kept);
        for (size_t i = 0; i < nmoved; i++)
            keep_event(s, moved[i].ev, moved[i].offset);
        qsort(s->kept, s->nkept, sizeof *s->kept, compare_kept);
        size_t n = 0;
        for (size_t i = 0; i < s->ndisplaced; i++) {
            struct kept probe = {NULL, s->displaced[i].offset};
            if (!bsearch(&probe, moved, nmoved, sizeof *moved, compare_kept))
                s->displaced[n++] = s->displaced[i];
        }
        s->ndisplaced = n;
        for (size_t i = 0; i < nmoved; i++)
            no_stream(s, moved[i].offset);
        s->notes -= nmoved;
    }
    rc = 0;
done:
    strindex_clear(&looked);
    free(moved);
    return rc;
}

void showstream_free(struct showstream *s)
{
    if (!s)
        return;
    if (s->inc) {
        incident_free(s->inc);            /* and the reader, and s->keep */
    } else {
        arena_free(s->keep);
        log_reader_close(&s->reader);
    }
    for (size_t i = s->retired_head; i < s->nretired; i++)
        arena_free(s->retired[i].arena);
    free(s->retired);
    showstream_ids_free(s->ids);
    free(s->kept);
    arena_free(s->peek.arena);
    buf_free(&s->peek.line);
    strindex_clear(&s->targets);
    strindex_clear(&s->host_index);
    free(s->displaced);
    free(s->nostream);
    free(s->skips);
    free(s->hosts);
    buf_free(&s->chunk);
    buf_free(&s->record);
    free(s->wkeys);
    order_free(&s->worder);
    free(s->slots);
    order_free(&s->sorder);
    for (size_t i = 0; i < s->npool; i++)
        arena_free(s->pool[i].arena);
    free(s->pool);
    arena_free(s->d_arena.cur);
    arena_free(s->d_arena.prev);
    free(s->id);
    free(s->log_path);
    free(s);
}

int showstream_open(struct showstream **out, const char *id, const char *log_path)
{
    struct showstream *s = xcalloc(1, sizeof *s);
    *out = NULL;
    s->id = xstrdup(id);
    s->log_path = xstrdup(log_path);
    s->reader.fd = -1;
    s->keep = arena_new();
    s->hosts = xmalloc(sizeof *s->hosts);
    s->hosts[0] = "";
    s->nhosts = 1;
    s->read_clock = stamp_now();
    s->wkeys = xmalloc(sizeof *s->wkeys * (WINDOW + 1));
    order_init(&s->worder, WINDOW + 1);
    if (log_reader_open(&s->reader, log_path) < 0)
        goto fail;
    s->ids = showstream_ids_new(expected_records(s->reader.fd), id_at, s);
    if (log_read(&s->reader, LOG_REPLAY, take, s) < 0)
        goto fail;
    /* what came after the last record taken, to where the reader stopped (a
     * torn last line stays behind it) */
    s->end = (uint64_t)s->reader.offset;
    if (s->end > s->next_offset)
        skip(s, s->next_offset, s->end);
    if (keep_edited_notes(s) < 0)
        goto fail;
    sorting = s;
    if (s->ndisplaced > 1)
        qsort(s->displaced, s->ndisplaced, sizeof *s->displaced, compare_keys);
    if (s->nnostream > 1)
        qsort(s->nostream, s->nnostream, sizeof *s->nostream, compare_offsets);

    /* replay the kept records: their lines keep file order, the offsets
     * stand for them where they meet the notes */
    struct event **events = xmalloc(sizeof *events * (s->nkept ? s->nkept : 1));
    for (size_t i = 0; i < s->nkept; i++) {
        events[i] = s->kept[i].ev;
        events[i]->line = (unsigned)i + 1;
    }
    for (size_t i = s->retired_head; i < s->nretired; i++)
        arena_free(s->retired[i].arena);
    s->retired_head = s->nretired = 0;
    arena_free(s->reader.arena);
    s->reader.arena = s->keep;
    incident_from_events(&s->inc, id, log_path, &s->reader, events, s->nkept, s->read_clock);
    free(events);
    s->total = s->inc->ntimeline + s->notes;
    free(s->wkeys);
    s->wkeys = NULL;
    order_free(&s->worder);
    s->slots = xmalloc(sizeof *s->slots * (WINDOW + 1));
    order_init(&s->sorder, WINDOW + 1);
    s->pool = xmalloc(sizeof *s->pool);
    s->pool[0] = (struct pooled){arena_new(), 0};
    s->npool = 1;
    s->d_arena.cur = arena_new();
    *out = s;
    return 0;
fail:
    showstream_free(s);
    return -1;
}

const struct incident *showstream_incident(const struct showstream *s)
{
    return s->inc;
}

static struct arena *scratch_arena(struct scratch *a)
{
    if (arena_used(a->cur) > SCRATCH_MAX) {
        arena_free(a->prev);
        a->prev = a->cur;
        a->cur = arena_new();
    }
    return a->cur;
}

/* The next line of the log in file order, before s->end: 1, or 0 at the end. */
static int next_line(struct showstream *s, uint64_t *offset, const char **line, size_t *len)
{
    if (!s->chunk.data)
        buf_grow(&s->chunk, READ_CHUNK);
    for (;;) {
        char *data = s->chunk.data + s->pos;
        char *nl = s->chunk.len > s->pos ? memchr(data, '\n', s->chunk.len - s->pos) : NULL;
        if (nl) {
            *offset = s->chunk_offset + s->pos;
            *line = data;
            *len = (size_t)(nl - data);
            s->pos += *len + 1;
            return 1;
        }
        /* keep the part line, read more after it */
        memmove(s->chunk.data, s->chunk.data + s->pos, s->chunk.len - s->pos);
        s->chunk.len -= s->pos;
        s->chunk_offset += s->pos;
        s->pos = 0;
        uint64_t at = s->chunk_offset + s->chunk.len;
        if (at >= s->end)
            return 0;
        size_t want = s->end - at < READ_CHUNK ? (size_t)(s->end - at) : READ_CHUNK;
        buf_grow(&s->chunk, want);
        ssize_t n = pread(s->inc->reader.fd, s->chunk.data + s->chunk.len, want, (off_t)at);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return error_set_errno("cannot read the incident log %s", s->log_path);
        if (n == 0)
            return error_set("the incident log %s changed while it was read", s->log_path);
        s->chunk.len += (size_t)n;
    }
}

/* The arena the next streamed note goes in: a new one once the current one
 * is full, the ones no note in the window uses any more freed. */
static size_t pool_arena(struct showstream *s)
{
    if (arena_used(s->pool[s->pool_cur].arena) <= SCRATCH_MAX)
        return s->pool_cur;
    size_t k = 0;
    while (k < s->npool && s->pool[k].arena)
        k++;
    if (k == s->npool) {
        s->pool = xrealloc(s->pool, sizeof *s->pool * (s->npool + 1));
        s->npool++;
    }
    s->pool[k] = (struct pooled){arena_new(), 0};
    size_t old = s->pool_cur;
    s->pool_cur = k;
    if (!s->pool[old].live) {
        arena_free(s->pool[old].arena);
        s->pool[old].arena = NULL;
    }
    return k;
}

static void pool_release(struct showstream *s, size_t k)
{
    if (--s->pool[k].live == 0 && k != s->pool_cur) {
        arena_free(s->pool[k].arena);
        s->pool[k].arena = NULL;
    }
}

/* The next note streamed in file order, into the window: 1, 0 when none is left. */
static int next_streamed(struct showstream *s)
{
    uint64_t offset = 0;
    const char *line = NULL;
    size_t len = 0;
    int rc;
    while ((rc = next_line(s, &offset, &line, &len)) > 0) {
        while (s->si < s->nskips && s->skips[s->si].to <= offset)
            s->si++;
        if (len == 0 || (s->si < s->nskips && s->skips[s->si].from <= offset))
            continue;
        while (s->ni < s->nnostream && s->nostream[s->ni] < offset)
            s->ni++;
        if (s->ni < s->nnostream && s->nostream[s->ni] == offset)
            continue;
        /* a record kept is on the timeline replay made: not parsed again */
        while (s->ki < s->nkept && s->kept[s->ki].offset < offset)
            s->ki++;
        if (s->ki < s->nkept && s->kept[s->ki].offset == offset)
            continue;
        size_t k = pool_arena(s);
        uint32_t slot = s->sorder.free[s->sorder.nfree - 1];
        struct streamed *n = &s->slots[slot];
        if (parse_record(&n->ev, s->pool[k].arena, line, len) < 0)
            return -1;
        if (n->ev.type != EVENT_NOTE)
            continue;
        s->sorder.nfree--;
        n->key = (struct key){n->ev.at, n->ev.ts, offset, (uint32_t)len, 0};
        n->host = host_of(&n->ev);
        n->pool = k;
        s->pool[k].live++;
        order_insert(s, &s->sorder, slot, compare_streamed);
        return 1;
    }
    return rc;
}

static const struct timeline_entry *plain_entry(struct showstream *s, const struct event *ev)
{
    const char *text = event_str(ev, "text");
    s->entry = (struct timeline_entry){.ev = ev, .at = ev->at, .happened = ev->at, .text = text ? text : ""};
    return &s->entry;
}

int showstream_next(struct showstream *s, const struct timeline_entry **out)
{
    if (s->release) {
        pool_release(s, s->release - 1);
        s->release = 0;
    }
    while (!s->s_done && order_size(&s->sorder) <= WINDOW) {
        int rc = next_streamed(s);
        if (rc < 0)
            return -1;
        s->s_done = rc == 0;
    }
    enum { NONE, STREAM, DISPLACED, KEPT } pick = NONE;
    int64_t at = 0, ts = 0;
    const char *host = "";
    uint64_t offset = 0;
#define CONSIDER(which, a, t, h, o)                                                                 \
    do {                                                                                            \
        if (pick == NONE || compare_said((a), (t), (h), (o), at, ts, host, offset) < 0) {           \
            pick = (which);                                                                         \
            at = (a), ts = (t), host = (h), offset = (o);                                           \
        }                                                                                           \
    } while (0)
    if (order_size(&s->sorder)) {
        const struct streamed *n = &s->slots[s->sorder.ix[s->sorder.head]];
        CONSIDER(STREAM, n->key.at, n->key.ts, n->host, n->key.offset);
    }
    if (s->di < s->ndisplaced) {
        const struct key *k = &s->displaced[s->di];
        CONSIDER(DISPLACED, k->at, k->ts, s->hosts[k->host], k->offset);
    }
    if (s->mi < s->inc->ntimeline) {
        const struct timeline_entry *e = &s->inc->timeline[s->mi];
        if (s->m_host_of != s->mi + 1) {
            s->m_host = host_of(e->ev);
            s->m_host_of = s->mi + 1;
        }
        CONSIDER(KEPT, e->at, e->ev->ts, s->m_host, s->kept[e->pos].offset);
    }
#undef CONSIDER
    if (pick == NONE) {
        if (s->emitted != s->total)
            return error_set("the incident log %s changed while it was read", s->log_path);
        return 0;
    }
    if (++s->emitted > s->total)
        return error_set("the incident log %s changed while it was read", s->log_path);
    if (pick == STREAM) {
        s->out_note = s->slots[order_pop(&s->sorder)];
        s->release = s->out_note.pool + 1;
        *out = plain_entry(s, &s->out_note.ev);
    } else if (pick == KEPT) {
        *out = &s->inc->timeline[s->mi++];
    } else {
        const struct key *k = &s->displaced[s->di++];
        const char *line;
        /* most stand a little ahead of the stream, in the bytes read already */
        if (k->offset >= s->chunk_offset && k->offset + k->len <= s->chunk_offset + s->chunk.len) {
            line = s->chunk.data + (k->offset - s->chunk_offset);
        } else {
            if (read_record(s->inc->reader.fd, &s->record, k->offset, k->len) < 0)
                return -1;
            line = s->record.data;
        }
        if (parse_record(&s->d_ev, scratch_arena(&s->d_arena), line, k->len) < 0)
            return -1;
        *out = plain_entry(s, &s->d_ev);
    }
    return 1;
}
