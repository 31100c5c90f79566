#include "warroom/checkpoint.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "warroom/buf.h"
#include "warroom/error.h"
#include "warroom/file.h"
#include "warroom/stamp.h"

/* The format. Bump CHECKPOINT_VERSION whenever what is written changes: a
 * checkpoint of another version is discarded, never misread.
 *
 *   header   "warroom-checkpoint\n" magic, then u32 version, u32 sizeof(struct
 *            event), u32 sizeof(struct event_field), u32 lines covered, u64
 *            dev, u64 ino, u64 offset covered, u64 log size when written, u64
 *            hash of the log's bytes [0, offset), u64 records, u64 fields (of
 *            all records)
 *   records  per record, RECORD_BYTES: u32 line, i32 version, u32 type, u32
 *            nfields, i64 ts, i64 at, u64 id, u64 type_name, u64 by; then its
 *            fields, FIELD_BYTES each: u32 kind, u32 value's length, u64 key,
 *            u64 value. A string is named by where it starts in the strings.
 *   strings  the records' strings, each followed by a NUL: a long one once
 *            per record naming it, a short one (a key, a type, an author, a
 *            state) once in all
 *   texts    the text of every note, each followed by a NUL, in the order
 *            of the records; a field names one as COLD | its offset here
 *   trailer  u64 bytes of the strings (where the texts begin), u64 hash of
 *            everything before it, then "end\n"
 * The file is mapped and the restored records point into its strings, so a
 * restore copies no text; the records are read once and their pages let go.
 * Notes' texts lie apart because nothing but the screen reads them: replay
 * reads the rest (ids, targets, states), and were the texts among them every
 * page of the mapping would be read back in, the whole file in the memory of
 * a console that shows forty lines. The texts' pages are let go as they are
 * checked, like the records'.
 * Integers are in this machine's byte order: the file never leaves it.
 * Version 1 wrote each string after its record, copied out when restored;
 * version 2 was the same layout for a struct event of 88 bytes; version 3
 * kept notes' texts among the other strings. */
#define CHECKPOINT_VERSION 4
#define COLD (UINT64_C(1) << 63)
static const char magic[] = "warroom-checkpoint\n";
static const char trailer_mark[] = "end\n";

#define RECORD_BYTES (4 * 4 + 2 * 8 + 3 * 8)
#define FIELD_BYTES (2 * 4 + 2 * 8)
#define TRAILER_BYTES (2 * 8 + sizeof trailer_mark - 1)

/* What a record holds is what struct event and struct event_field hold. A
 * member added to either changes these sizes and stops the build here: write
 * the new member in put_event, read it in get_event, bump CHECKPOINT_VERSION,
 * then update the sizes. (struct incident is not written: replay derives it
 * afresh from the records, so a member added there needs nothing here.) */
_Static_assert(sizeof(struct event) == 72, "struct event changed: see the comment above");
_Static_assert(sizeof(struct event_field) == 24, "struct event_field changed: see the comment above");

#define IO_CHUNK (1024 * 1024)
/* What hash_prefix reads at a time: small enough that the bytes read are
 * still in the core's cache when they are hashed. */
#define HASH_CHUNK (128 * 1024)

static unsigned long restores, writes;

unsigned long checkpoint_count_restores(void)
{
    return restores;
}

unsigned long checkpoint_count_writes(void)
{
    return writes;
}

char *checkpoint_path(const char *log_path)
{
    const char *slash = strrchr(log_path, '/');
    const char *base = slash ? slash + 1 : log_path;
    if (strcmp(base, "events.jsonl") != 0)
        return NULL;
    struct buf p = BUF_INIT;
    buf_add(&p, log_path, (size_t)(base - log_path));
    buf_adds(&p, CHECKPOINT_FILE);
    return buf_detach(&p);
}

/* ---- a streaming 64-bit hash: four lanes over 32-byte blocks, so hashing a
 * million records' log costs about as much as reading it ---- */

struct hasher {
    uint64_t lane[4];
    uint64_t total;
    unsigned char tail[32];
    size_t ntail;
};

static const uint64_t P1 = 0x9E3779B185EBCA87ULL, P2 = 0xC2B2AE3D27D4EB4FULL, P3 = 0x165667B19E3779F9ULL;

static uint64_t rotl(uint64_t x, int r)
{
    return (x << r) | (x >> (64 - r));
}

static uint64_t round64(uint64_t acc, uint64_t in)
{
    return rotl(acc + in * P2, 31) * P1;
}

static void hasher_init(struct hasher *h)
{
    memset(h, 0, sizeof *h);
    h->lane[0] = P1 + P2;
    h->lane[1] = P2;
    h->lane[2] = 0;
    h->lane[3] = (uint64_t)0 - P1;
}

static uint64_t load64(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static void hasher_block(struct hasher *h, const unsigned char *p)
{
    for (int i = 0; i < 4; i++)
        h->lane[i] = round64(h->lane[i], load64(p + 8 * i));
}

static void hasher_add(struct hasher *h, const void *data, size_t len)
{
    const unsigned char *p = data;
    h->total += len;
    if (h->ntail) {
        size_t take = 32 - h->ntail < len ? 32 - h->ntail : len;
        memcpy(h->tail + h->ntail, p, take);
        h->ntail += take;
        p += take;
        len -= take;
        if (h->ntail < 32)
            return;
        hasher_block(h, h->tail);
        h->ntail = 0;
    }
    for (; len >= 32; p += 32, len -= 32)
        hasher_block(h, p);
    memcpy(h->tail, p, len);
    h->ntail = len;
}

static uint64_t hasher_end(const struct hasher *h)
{
    uint64_t acc = rotl(h->lane[0], 1) + rotl(h->lane[1], 7) + rotl(h->lane[2], 12) + rotl(h->lane[3], 18);
    acc += h->total;
    for (size_t i = 0; i < h->ntail; i++)
        acc = rotl(acc ^ (h->tail[i] * P3), 11) * P1;
    acc ^= acc >> 33;
    acc *= P2;
    acc ^= acc >> 29;
    acc *= P3;
    acc ^= acc >> 32;
    return acc;
}

/* The hash of FD's bytes [0, END); false when they cannot all be read. */
static bool hash_prefix(int fd, off_t end, uint64_t *out)
{
    char *chunk = xmalloc(HASH_CHUNK);
    struct hasher h;
    hasher_init(&h);
    off_t at = 0;
    bool ok = true;
    while (ok && at < end) {
        size_t want = end - at < HASH_CHUNK ? (size_t)(end - at) : HASH_CHUNK;
        ssize_t n = pread(fd, chunk, want, at);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            ok = false;
        else {
            hasher_add(&h, chunk, (size_t)n);
            at += n;
        }
    }
    free(chunk);
    *out = hasher_end(&h);
    return ok;
}

/* ---- the header ---- */

struct header {
    uint32_t version, event_size, field_size, lines;
    uint64_t dev, ino, offset, size, prefix_hash, records, fields;
};

#define HEADER_BYTES (sizeof magic - 1 + 4 * 4 + 7 * 8)

static void put32(struct buf *b, uint32_t v)
{
    buf_add(b, (const char *)&v, 4);
}

static void put64(struct buf *b, uint64_t v)
{
    buf_add(b, (const char *)&v, 8);
}

static void put_header(struct buf *b, const struct header *h)
{
    buf_add(b, magic, sizeof magic - 1);
    put32(b, h->version);
    put32(b, h->event_size);
    put32(b, h->field_size);
    put32(b, h->lines);
    put64(b, h->dev);
    put64(b, h->ino);
    put64(b, h->offset);
    put64(b, h->size);
    put64(b, h->prefix_hash);
    put64(b, h->records);
    put64(b, h->fields);
}

/* ---- the strings, laid out ---- */

/* Where each string goes in the strings section. A short string seen again
 * is not written again: a million records name a dozen keys and a handful of
 * people. The table stops growing at STRING_ONCE_COUNT strings (those after
 * are written each time). The layout is a function of the calls alone, so
 * the records (which name offsets) and the strings (which fill them) are
 * written by two passes making the same calls. */
#define STRING_ONCE_MAX 64
#define STRING_ONCE_COUNT 65536

struct layout {
    struct placed {
        const char *s;
        uint32_t len;
        uint64_t at;
    } *slots;
    size_t cap, count;
    uint64_t next;               /* where the next new string goes */
};

static void layout_reset(struct layout *l)
{
    if (!l->slots) {
        l->cap = 2 * STRING_ONCE_COUNT;
        l->slots = xcalloc(l->cap, sizeof *l->slots);
    } else {
        memset(l->slots, 0, l->cap * sizeof *l->slots);
    }
    l->count = 0;
    l->next = 0;
}

/* Where S goes; *NEW tells whether this call is the one that writes it. */
static uint64_t layout_place(struct layout *l, const char *s, size_t len, bool *new)
{
    *new = true;
    if (len <= STRING_ONCE_MAX) {
        uint64_t h = 1469598103934665603ULL;
        for (size_t i = 0; i < len; i++)
            h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
        size_t mask = l->cap - 1, i = (size_t)(h ^ (h >> 29)) & mask;
        for (; l->slots[i].s; i = (i + 1) & mask) {
            if (l->slots[i].len == len && memcmp(l->slots[i].s, s, len) == 0) {
                *new = false;
                return l->slots[i].at;
            }
        }
        if (l->count < STRING_ONCE_COUNT) {
            l->slots[i] = (struct placed){s, (uint32_t)len, l->next};
            l->count++;
        }
    }
    uint64_t at = l->next;
    l->next += len + 1;
    return at;
}

/* The strings of EV, in the order both passes place them. */
#define EVENT_STRINGS(ev, DO)                                                 \
    do {                                                                      \
        DO((ev)->id, strlen((ev)->id));                                       \
        DO((ev)->type_name, strlen((ev)->type_name));                         \
        DO((ev)->by, strlen((ev)->by));                                       \
        for (unsigned f_ = 0; f_ < (ev)->nfields; f_++) {                     \
            DO((ev)->fields[f_].key, strlen((ev)->fields[f_].key));           \
            if (!is_text((ev), f_))                                           \
                DO((ev)->fields[f_].value, (size_t)(ev)->fields[f_].len);     \
        }                                                                     \
    } while (0)

/* Whether field F of EV goes with the texts: a note's text, which replay
 * only points at. */
static bool is_text(const struct event *ev, unsigned f)
{
    return ev->type == EVENT_NOTE && ev->fields[f].kind == FIELD_STRING && strcmp(ev->fields[f].key, "text") == 0;
}

/* *TEXTS: where the next text goes in the texts section. */
static void put_event(struct buf *b, struct layout *l, uint64_t *texts, const struct event *ev)
{
    bool new;
    put32(b, ev->line);
    put32(b, (uint32_t)ev->version);
    put32(b, (uint32_t)ev->type);
    put32(b, ev->nfields);
    put64(b, (uint64_t)ev->ts);
    put64(b, (uint64_t)ev->at);
    put64(b, layout_place(l, ev->id, strlen(ev->id), &new));
    put64(b, layout_place(l, ev->type_name, strlen(ev->type_name), &new));
    put64(b, layout_place(l, ev->by, strlen(ev->by), &new));
    for (unsigned f = 0; f < ev->nfields; f++) {
        const struct event_field *fld = &ev->fields[f];
        put32(b, (uint32_t)fld->kind);
        put32(b, fld->len);
        put64(b, layout_place(l, fld->key, strlen(fld->key), &new));
        if (is_text(ev, f)) {
            put64(b, COLD | *texts);
            *texts += fld->len + 1;
        } else {
            put64(b, layout_place(l, fld->value, fld->len, &new));
        }
    }
    /* ahead and seen are not written: replay sets them by the clock that
     * reads the records, as it does for records read from the log */
}

static void put_strings(struct buf *b, struct layout *l, const struct event *ev)
{
    bool new;
#define PUT_STRING(s, len)                                                    \
    do {                                                                      \
        layout_place(l, (s), (len), &new);                                    \
        if (new) {                                                            \
            buf_add(b, (s), (len));                                           \
            buf_addc(b, '\0');                                                \
        }                                                                     \
    } while (0)
    EVENT_STRINGS(ev, PUT_STRING);
#undef PUT_STRING
}

static void put_texts(struct buf *b, const struct event *ev)
{
    for (unsigned f = 0; f < ev->nfields; f++) {
        if (is_text(ev, f)) {
            buf_add(b, ev->fields[f].value, ev->fields[f].len);
            buf_addc(b, '\0');
        }
    }
}

/* ---- writing ---- */

/* B's bytes hashed and written to FD; false when they could not be. */
static bool flush(int fd, struct buf *b, struct hasher *hash)
{
    hasher_add(hash, b->data, b->len);
    bool ok = file_write_all(fd, b->data, b->len) == 0;
    buf_reset(b);
    return ok;
}

void checkpoint_write(const char *path, const struct log_reader *r, struct event *const *events, size_t n,
                      size_t restored)
{
    struct stat st;
    if (!path || r->nwarnings || r->retracted || r->fd < 0 || r->final_end <= 0 || fstat(r->fd, &st) < 0)
        return;
    struct header h = {CHECKPOINT_VERSION, sizeof(struct event), sizeof(struct event_field), r->final_line,
                       (uint64_t)st.st_dev, (uint64_t)st.st_ino, (uint64_t)r->final_end, (uint64_t)st.st_size, 0, 0, 0};
    size_t covered = 0;
    while (covered < n && events[covered]->line <= r->final_line)
        h.fields += events[covered++]->nfields;
    h.records = covered;
    if (covered < restored + CHECKPOINT_MIN_RECORDS)
        return;                           /* hardly more than the one there */
    if (!hash_prefix(r->fd, r->final_end, &h.prefix_hash))
        return;
    struct buf tmp = BUF_INIT, b = BUF_INIT;
    buf_printf(&tmp, "%s.%ld.tmp", path, (long)getpid());
    int fd = open(buf_str(&tmp), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    bool ok = fd >= 0;
    struct hasher hash;
    struct layout l = {0};
    hasher_init(&hash);
    put_header(&b, &h);
    layout_reset(&l);
    uint64_t texts = 0;
    for (size_t i = 0; ok && i < covered; i++) {
        put_event(&b, &l, &texts, events[i]);
        if (b.len >= IO_CHUNK)
            ok = flush(fd, &b, &hash);
    }
    layout_reset(&l);
    for (size_t i = 0; ok && i < covered; i++) {
        put_strings(&b, &l, events[i]);
        if (b.len >= IO_CHUNK)
            ok = flush(fd, &b, &hash);
    }
    uint64_t strings = l.next;
    free(l.slots);
    for (size_t i = 0; ok && i < covered; i++) {
        put_texts(&b, events[i]);
        if (b.len >= IO_CHUNK)
            ok = flush(fd, &b, &hash);
    }
    put64(&b, strings);
    if (ok)
        ok = flush(fd, &b, &hash);
    put64(&b, hasher_end(&hash));
    buf_add(&b, trailer_mark, sizeof trailer_mark - 1);
    ok = ok && file_write_all(fd, b.data, b.len) == 0;
    if (fd >= 0)
        ok = close(fd) == 0 && ok;
    /* The directory passed file_open_private when R opened the log in it; the
     * new file is never opened through a link (O_EXCL, O_NOFOLLOW) and rename
     * replaces a link standing at PATH instead of following it. */
    if (fd >= 0 && (!ok || rename(buf_str(&tmp), path) < 0))
        unlink(buf_str(&tmp));
    else if (fd >= 0)
        writes++;
    buf_free(&tmp);
    buf_free(&b);
}

/* ---- reading ---- */

static uint32_t load32(const unsigned char *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

/* The mapped checkpoint: its strings and texts sections, and how far the
 * texts were read. */
struct source {
    const unsigned char *base;
    const char *strings;
    uint64_t nstrings;           /* bytes in the strings section, the last a NUL */
    const char *texts;
    uint64_t ntexts;             /* bytes in the texts section, the last a NUL */
    uint64_t next_text;          /* where the next record's text must begin */
    bool bad;
};

/* The string at AT; a name the section does not hold makes the record bad.
 * The section ends with a NUL, so every string in it ends within it. */
static const char *get_str(struct source *s, uint64_t at)
{
    if (at >= s->nstrings) {
        s->bad = true;
        return "";
    }
    return s->strings + at;
}

/* A value: LEN bytes, then its NUL. A text must be the next one in the texts
 * section, so that they are read in order and their pages let go behind. */
static const char *get_value(struct source *s, uint64_t at, uint32_t len)
{
    if (at & COLD) {
        at &= ~COLD;
        if (at != s->next_text || at >= s->ntexts || len >= s->ntexts - at || s->texts[at + len] != '\0') {
            s->bad = true;
            return "";
        }
        s->next_text = at + len + 1;
        return s->texts + at;
    }
    if (at >= s->nstrings || len >= s->nstrings - at || s->strings[at + len] != '\0') {
        s->bad = true;
        return "";
    }
    return s->strings + at;
}

/* The record at P (its fields after it, as many as it says and REMAIN allows)
 * into a new event from A; NULL when it cannot be one. *USED gets its bytes. */
static struct event *get_event(struct source *s, struct arena *a, const unsigned char *p, uint64_t remain,
                               uint64_t *used)
{
    if (remain < RECORD_BYTES)
        return NULL;
    uint32_t type = load32(p + 8), nfields = load32(p + 12);
    if (type >= EVENT_TYPE_COUNT || nfields > EVENT_FIELDS_MAX ||
        (uint64_t)nfields * FIELD_BYTES > remain - RECORD_BYTES)
        return NULL;
    struct event *ev = arena_alloc(a, sizeof *ev);
    memset(ev, 0, sizeof *ev);
    ev->seen = STAMP_NONE;                /* as event_parse leaves it */
    ev->line = load32(p);
    ev->version = (int)load32(p + 4);
    ev->type = (enum event_type)type;
    ev->nfields = nfields;
    ev->ts = (int64_t)load64(p + 16);
    ev->at = (int64_t)load64(p + 24);
    ev->id = get_str(s, load64(p + 32));
    ev->type_name = get_str(s, load64(p + 40));
    ev->by = get_str(s, load64(p + 48));
    ev->fields = nfields ? arena_alloc(a, sizeof *ev->fields * nfields) : NULL;
    const unsigned char *q = p + RECORD_BYTES;
    for (unsigned f = 0; f < nfields; f++, q += FIELD_BYTES) {
        struct event_field *fld = &ev->fields[f];
        uint32_t kind = load32(q);
        if (kind > FIELD_RAW)
            return NULL;
        fld->kind = (enum field_kind)kind;
        fld->len = load32(q + 4);
        fld->key = get_str(s, load64(q + 8));
        uint64_t value = load64(q + 16);
        if (((value & COLD) != 0) != is_text(ev, f))
            return NULL;              /* a note's text lies with the texts, and nothing else */
        fld->value = get_value(s, value, fld->len);
    }
    *used = RECORD_BYTES + (uint64_t)nfields * FIELD_BYTES;
    return s->bad || !*ev->id ? NULL : ev;
}

/* The records' pages are read once: every DROP_EVERY bytes of them, the ones
 * read are hashed and let go (they are the file's, read again should they be
 * touched), so only the strings stay. So are the texts' pages. */
#define DROP_EVERY (4 * 1024 * 1024)

/* Lets go of MAP's pages from *DROPPED up to the page that holds UPTO. */
static void let_go(void *map, uint64_t *dropped, uint64_t upto, uint64_t page)
{
    upto = upto / page * page;
    if (upto > *dropped && madvise((char *)map + *dropped, upto - *dropped, MADV_DONTNEED) == 0)
        *dropped = upto;
}

int checkpoint_restore(const char *path, struct log_reader *r, log_event_fn fn, checkpoint_reserve_fn reserve,
                       void *ctx, size_t *count)
{
    *count = 0;
    if (!path || r->offset != 0 || r->line != 0)
        return 0;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return 0;
    struct stat cst, lst;
    void *map = MAP_FAILED;
    size_t size = 0;
    int rc = 0;
    if (fstat(fd, &cst) < 0 || !S_ISREG(cst.st_mode) || cst.st_uid != geteuid() || (cst.st_mode & 077) ||
        fstat(r->fd, &lst) < 0 || cst.st_size < (off_t)(HEADER_BYTES + TRAILER_BYTES) ||
        (uint64_t)cst.st_size > SIZE_MAX)
        goto done;
    size = (size_t)cst.st_size;
    map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (map == MAP_FAILED)
        goto done;
    const unsigned char *base = map, *p = base + sizeof magic - 1;
    if (memcmp(base, magic, sizeof magic - 1) != 0)
        goto done;
    struct header h;
    h.version = load32(p);
    h.event_size = load32(p + 4);
    h.field_size = load32(p + 8);
    h.lines = load32(p + 12);
    h.dev = load64(p + 16);
    h.ino = load64(p + 24);
    h.offset = load64(p + 32);
    h.size = load64(p + 40);
    h.prefix_hash = load64(p + 48);
    h.records = load64(p + 56);
    h.fields = load64(p + 64);
    /* what the file can hold: a count it cannot is not believed enough to
     * allocate for */
    uint64_t avail = size - HEADER_BYTES - TRAILER_BYTES;
    if (h.version != CHECKPOINT_VERSION || h.event_size != sizeof(struct event) ||
        h.field_size != sizeof(struct event_field) || h.records > avail / RECORD_BYTES ||
        h.fields > avail / FIELD_BYTES || h.records * RECORD_BYTES + h.fields * FIELD_BYTES >= avail)
        goto done;
    uint64_t records_bytes = h.records * RECORD_BYTES + h.fields * FIELD_BYTES;
    uint64_t strings_bytes = load64(base + size - TRAILER_BYTES);
    if (strings_bytes > avail - records_bytes)
        goto done;
    const char *strings = (const char *)base + HEADER_BYTES + records_bytes;
    struct source s = {base, strings, strings_bytes, strings + strings_bytes, avail - records_bytes - strings_bytes, 0,
                       false};
    /* the log it describes: the same file, grown or as it was, and the very
     * bytes it covers */
    uint64_t prefix;
    if ((s.nstrings && s.strings[s.nstrings - 1] != '\0') || (s.ntexts && s.texts[s.ntexts - 1] != '\0') || h.dev != (uint64_t)lst.st_dev || h.ino != (uint64_t)lst.st_ino ||
        h.offset == 0 || h.offset > h.size || h.size > (uint64_t)lst.st_size || h.records > h.lines ||
        !hash_prefix(r->fd, (off_t)h.offset, &prefix) || prefix != h.prefix_hash)
        goto done;
    if (reserve)
        reserve(ctx, (size_t)h.records);
    struct hasher hash;
    hasher_init(&hash);
    const long pagesize = sysconf(_SC_PAGESIZE);
    const uint64_t page = pagesize > 0 ? (uint64_t)pagesize : 4096;
    uint64_t at = HEADER_BYTES, hashed = 0, dropped = 0, end = HEADER_BYTES + records_bytes, fields = 0;
    const uint64_t texts_at = (uint64_t)((const unsigned char *)s.texts - base);
    uint64_t texts_dropped = texts_at / page * page;
    unsigned last_line = 0;
    for (uint64_t i = 0; i < h.records; i++) {
        uint64_t used;
        struct event *ev = get_event(&s, r->arena, base + at, end - at, &used);
        if (!ev || ev->line <= last_line || ev->line > h.lines || (fields += ev->nfields) > h.fields) {
            rc = *count ? -1 : 0;
            goto done;
        }
        at += used;
        last_line = ev->line;
        if (fn(ctx, ev) < 0) {
            rc = -1;
            goto done;
        }
        ++*count;
        if (at - hashed >= DROP_EVERY) {
            hasher_add(&hash, base + hashed, at - hashed);
            hashed = at;
            let_go(map, &dropped, at, page);
            let_go(map, &texts_dropped, texts_at + s.next_text, page);
        }
    }
    /* every record and field the header counts, then the strings, the texts
     * (each one a record named), the hash of all that, the trailer, and
     * nothing after; the texts are hashed a piece at a time and let go */
    hasher_add(&hash, base + hashed, texts_at - hashed);
    texts_dropped = texts_at / page * page;   /* read again here: let go again */
    for (hashed = texts_at; hashed < size - TRAILER_BYTES + 8;) {
        uint64_t n = size - TRAILER_BYTES + 8 - hashed;
        n = n < DROP_EVERY ? n : DROP_EVERY;
        hasher_add(&hash, base + hashed, n);
        hashed += n;
        let_go(map, &texts_dropped, hashed, page);
    }
    if (at != end || fields != h.fields || s.next_text != s.ntexts ||
        load64(base + size - TRAILER_BYTES + 8) != hasher_end(&hash) ||
        memcmp(base + size - TRAILER_BYTES + 16, trailer_mark, sizeof trailer_mark - 1) != 0) {
        rc = *count ? -1 : 0;
        goto done;
    }
    r->offset = (off_t)h.offset;
    r->final_end = (off_t)h.offset;
    r->line = h.lines;
    r->final_line = h.lines;
    restores++;
    rc = 1;
done:
    /* what was handed out points into the strings: the arena keeps them */
    if (map != MAP_FAILED && *count)
        arena_keep_map(r->arena, map, size);
    else if (map != MAP_FAILED)
        munmap(map, size);
    close(fd);
    return rc;
}
