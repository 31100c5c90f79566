#include "warroom/checkpoint.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
 *            hash of the log's bytes [0, offset), u64 records
 *   records  per record: u32 line, i32 version, u32 type, u32 nfields, i64 ts,
 *            i64 at, then strings id, type_name, by, and per field u32 kind
 *            and strings key, value; a string is u32 length and its bytes
 *   trailer  u64 hash of header and records, then "end\n"
 * Integers are in this machine's byte order: the file never leaves it. */
#define CHECKPOINT_VERSION 1
static const char magic[] = "warroom-checkpoint\n";
static const char trailer_mark[] = "end\n";

/* What a record holds is what struct event and struct event_field hold. A
 * member added to either changes these sizes and stops the build here: write
 * the new member in put_event, read it in get_event, bump CHECKPOINT_VERSION,
 * then update the sizes. (struct incident is not written: replay derives it
 * afresh from the records, so a member added there needs nothing here.) */
_Static_assert(sizeof(struct event) == 88, "struct event changed: see the comment above");
_Static_assert(sizeof(struct event_field) == 24, "struct event_field changed: see the comment above");

#define IO_CHUNK (1024 * 1024)

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
    char *chunk = xmalloc(IO_CHUNK);
    struct hasher h;
    hasher_init(&h);
    off_t at = 0;
    bool ok = true;
    while (ok && at < end) {
        size_t want = end - at < IO_CHUNK ? (size_t)(end - at) : IO_CHUNK;
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
    uint64_t dev, ino, offset, size, prefix_hash, records;
};

#define HEADER_BYTES (sizeof magic - 1 + 4 * 4 + 6 * 8)

static void put32(struct buf *b, uint32_t v)
{
    buf_add(b, (const char *)&v, 4);
}

static void put64(struct buf *b, uint64_t v)
{
    buf_add(b, (const char *)&v, 8);
}

static void put_str(struct buf *b, const char *s, size_t len)
{
    put32(b, (uint32_t)len);
    buf_add(b, s, len);
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
}

static void put_event(struct buf *b, const struct event *ev)
{
    put32(b, ev->line);
    put32(b, (uint32_t)ev->version);
    put32(b, (uint32_t)ev->type);
    put32(b, ev->nfields);
    put64(b, (uint64_t)ev->ts);
    put64(b, (uint64_t)ev->at);
    put_str(b, ev->id, strlen(ev->id));
    put_str(b, ev->type_name, strlen(ev->type_name));
    put_str(b, ev->by, strlen(ev->by));
    for (unsigned f = 0; f < ev->nfields; f++) {
        const struct event_field *fld = &ev->fields[f];
        put32(b, (uint32_t)fld->kind);
        put_str(b, fld->key, strlen(fld->key));
        put_str(b, fld->value, fld->len);
    }
    /* ahead and seen are not written: replay sets them by the clock that
     * reads the records, as it does for records read from the log */
}

/* ---- writing ---- */

void checkpoint_write(const char *path, const struct log_reader *r, struct event *const *events, size_t n,
                      size_t restored)
{
    struct stat st;
    if (!path || r->nwarnings || r->retracted || r->fd < 0 || r->final_end <= 0 || fstat(r->fd, &st) < 0)
        return;
    struct header h = {CHECKPOINT_VERSION, sizeof(struct event), sizeof(struct event_field), r->final_line,
                       (uint64_t)st.st_dev, (uint64_t)st.st_ino, (uint64_t)r->final_end, (uint64_t)st.st_size, 0, 0};
    size_t covered = 0;
    while (covered < n && events[covered]->line <= r->final_line)
        covered++;
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
    hasher_init(&hash);
    put_header(&b, &h);
    for (size_t i = 0; ok && i < covered; i++) {
        put_event(&b, events[i]);
        if (b.len >= IO_CHUNK || i + 1 == covered) {
            hasher_add(&hash, b.data, b.len);
            ok = file_write_all(fd, b.data, b.len) == 0;
            buf_reset(&b);
        }
    }
    if (ok && b.len) {                    /* the header alone: no records */
        hasher_add(&hash, b.data, b.len);
        ok = file_write_all(fd, b.data, b.len) == 0;
        buf_reset(&b);
    }
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

/* The checkpoint, read a chunk at a time and hashed as it goes. */
struct source {
    int fd;
    char *data;
    size_t len, pos;
    bool eof, bad;
    struct hasher hash;
    size_t hashed;                /* bytes of data[] hashed already */
};

static bool fill(struct source *s, size_t need)
{
    if (s->len - s->pos >= need)
        return true;
    hasher_add(&s->hash, s->data + s->hashed, s->pos - s->hashed);
    memmove(s->data, s->data + s->pos, s->len - s->pos);
    s->len -= s->pos;
    s->pos = s->hashed = 0;
    while (!s->eof && s->len < need) {
        ssize_t n = read(s->fd, s->data + s->len, IO_CHUNK);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            s->eof = true;
        else
            s->len += (size_t)n;
    }
    if (s->len < need)
        s->bad = true;
    return !s->bad;
}

static uint32_t get32(struct source *s)
{
    uint32_t v = 0;
    if (fill(s, 4))
        memcpy(&v, s->data + s->pos, 4), s->pos += 4;
    return v;
}

static uint64_t get64(struct source *s)
{
    uint64_t v = 0;
    if (fill(s, 8))
        memcpy(&v, s->data + s->pos, 8), s->pos += 8;
    return v;
}

/* Small strings seen again (keys, types, authors) are kept once: a million
 * records name a dozen keys and a handful of people. */
#define INTERN_SLOTS 4096
#define INTERN_MAX_LEN 64

struct interned {
    const char *s;
    uint32_t len;
};

static const char *get_str(struct source *s, struct arena *a, struct interned *pool, uint32_t *len_out)
{
    uint32_t len = get32(s);
    if (s->bad || len > EVENT_RECORD_MAX || !fill(s, len)) {
        s->bad = true;
        return "";
    }
    const char *p = s->data + s->pos;
    s->pos += len;
    if (len_out)
        *len_out = len;
    if (memchr(p, '\0', len)) {
        s->bad = true;                    /* never in a parsed string */
        return "";
    }
    if (!pool || len > INTERN_MAX_LEN)
        return arena_strndup(a, p, len);
    uint64_t h = 1469598103934665603ULL;
    for (uint32_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)p[i]) * 1099511628211ULL;
    for (size_t i = (size_t)(h ^ (h >> 29)) % INTERN_SLOTS, probes = 0; probes < 16;
         i = (i + 1) % INTERN_SLOTS, probes++) {
        if (!pool[i].s) {
            pool[i].s = arena_strndup(a, p, len);
            pool[i].len = len;
            return pool[i].s;
        }
        if (pool[i].len == len && memcmp(pool[i].s, p, len) == 0)
            return pool[i].s;
    }
    return arena_strndup(a, p, len);    /* crowded: not kept once */
}

static bool get_event(struct source *s, struct arena *a, struct interned *pool, struct event *ev)
{
    memset(ev, 0, sizeof *ev);
    ev->seen = STAMP_NONE;                /* as event_parse leaves it */
    ev->line = get32(s);
    ev->version = (int)get32(s);
    uint32_t type = get32(s);
    ev->nfields = get32(s);
    ev->ts = (int64_t)get64(s);
    ev->at = (int64_t)get64(s);
    if (s->bad || type >= EVENT_TYPE_COUNT || ev->nfields > EVENT_FIELDS_MAX)
        return false;
    ev->type = (enum event_type)type;
    ev->id = get_str(s, a, NULL, NULL);
    ev->type_name = get_str(s, a, pool, NULL);
    ev->by = get_str(s, a, pool, NULL);
    ev->fields = ev->nfields ? arena_alloc(a, sizeof *ev->fields * ev->nfields) : NULL;
    for (unsigned f = 0; f < ev->nfields && !s->bad; f++) {
        struct event_field *fld = &ev->fields[f];
        uint32_t kind = get32(s);
        if (kind > FIELD_RAW)
            return false;
        fld->kind = (enum field_kind)kind;
        fld->key = get_str(s, a, pool, NULL);
        /* short values repeat too (a state, a role, a sink): interned alike */
        fld->value = get_str(s, a, pool, &fld->len);
    }
    return !s->bad && *ev->id;
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
    struct source s = {.fd = fd};
    struct interned *pool = NULL;
    int rc = 0;
    if (fstat(fd, &cst) < 0 || !S_ISREG(cst.st_mode) || cst.st_uid != geteuid() || (cst.st_mode & 077) ||
        fstat(r->fd, &lst) < 0)
        goto done;
    s.data = xmalloc(IO_CHUNK + EVENT_RECORD_MAX + 64);
    hasher_init(&s.hash);
    if (!fill(&s, HEADER_BYTES) || memcmp(s.data, magic, sizeof magic - 1) != 0)
        goto done;
    s.pos = sizeof magic - 1;
    struct header h;
    h.version = get32(&s);
    h.event_size = get32(&s);
    h.field_size = get32(&s);
    h.lines = get32(&s);
    h.dev = get64(&s);
    h.ino = get64(&s);
    h.offset = get64(&s);
    h.size = get64(&s);
    h.prefix_hash = get64(&s);
    h.records = get64(&s);
    /* the log it describes: the same file, grown or as it was, and the very
     * bytes it covers */
    uint64_t prefix;
    if (s.bad || h.version != CHECKPOINT_VERSION || h.event_size != sizeof(struct event) ||
        h.field_size != sizeof(struct event_field) || h.dev != (uint64_t)lst.st_dev ||
        h.ino != (uint64_t)lst.st_ino || h.offset == 0 || h.offset > h.size || h.size > (uint64_t)lst.st_size ||
        h.records > h.lines || !hash_prefix(r->fd, (off_t)h.offset, &prefix) || prefix != h.prefix_hash)
        goto done;
    pool = xcalloc(INTERN_SLOTS, sizeof *pool);
    /* a record takes at least its fixed fields and three string lengths: a
     * count the file cannot hold is not believed enough to allocate for */
    if (reserve && h.records <= (uint64_t)cst.st_size / (8 * 4 + 3 * 4))
        reserve(ctx, (size_t)h.records);
    unsigned last_line = 0;
    for (uint64_t i = 0; i < h.records; i++) {
        struct event ev;
        if (!get_event(&s, r->arena, pool, &ev) || ev.line <= last_line || ev.line > h.lines) {
            rc = *count ? -1 : 0;
            goto done;
        }
        last_line = ev.line;
        if (fn(ctx, &ev) < 0) {
            rc = -1;
            goto done;
        }
        ++*count;
    }
    /* the hash of everything before the trailer, then the trailer, then nothing */
    hasher_add(&s.hash, s.data + s.hashed, s.pos - s.hashed);
    s.hashed = s.pos;
    uint64_t want = hasher_end(&s.hash);
    uint64_t got = get64(&s);
    bool ended = fill(&s, sizeof trailer_mark - 1) &&
                 memcmp(s.data + s.pos, trailer_mark, sizeof trailer_mark - 1) == 0;
    s.pos += sizeof trailer_mark - 1;
    s.bad = false;
    if (!ended || got != want || fill(&s, 1)) {
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
    free(pool);
    free(s.data);
    close(fd);
    return rc;
}
