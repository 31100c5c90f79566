/* checkpoint_v1 — writes, for the log at LOG, the checkpoint that version 1
 * of the format (before its strings were mapped in place) wrote, byte for
 * byte as src/checkpoint.c wrote it then, so a test can show that a
 * checkpoint left by an older warroom is rebuilt, never misread.
 *
 * usage: checkpoint_v1 LOG OUT
 * Exit 1 (with the message) when the log cannot be replayed or OUT written. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "warroom/buf.h"
#include "warroom/error.h"
#include "warroom/incident.h"

/* ---- version 1's hash: four lanes over 32-byte blocks ---- */

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

static void hasher_init(struct hasher *h)
{
    memset(h, 0, sizeof *h);
    h->lane[0] = P1 + P2;
    h->lane[1] = P2;
    h->lane[2] = 0;
    h->lane[3] = (uint64_t)0 - P1;
}

static void hasher_block(struct hasher *h, const unsigned char *p)
{
    for (int i = 0; i < 4; i++) {
        uint64_t v;
        memcpy(&v, p + 8 * i, 8);
        h->lane[i] = rotl(h->lane[i] + v * P2, 31) * P1;
    }
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

/* ---- version 1's records ---- */

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
        put32(b, (uint32_t)ev->fields[f].kind);
        put_str(b, ev->fields[f].key, strlen(ev->fields[f].key));
        put_str(b, ev->fields[f].value, ev->fields[f].len);
    }
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: checkpoint_v1 LOG OUT\n");
        return 2;
    }
    struct incident *inc;
    if (incident_load(&inc, "inc-checkpoint-v1", argv[1]) < 0) {
        fprintf(stderr, "checkpoint_v1: %s\n", error_last());
        return 1;
    }
    const struct log_reader *r = &inc->reader;
    struct stat st;
    if (fstat(r->fd, &st) < 0)
        return 1;
    size_t covered = 0;
    while (covered < inc->nevents && inc->events[covered]->line <= r->final_line)
        covered++;
    /* the hash of the log's bytes before the offset covered */
    struct hasher prefix;
    hasher_init(&prefix);
    char *log = xmalloc((size_t)r->final_end + 1);
    if (pread(r->fd, log, (size_t)r->final_end, 0) != (ssize_t)r->final_end)
        return 1;
    hasher_add(&prefix, log, (size_t)r->final_end);
    free(log);
    struct buf b = BUF_INIT;
    buf_add(&b, "warroom-checkpoint\n", 19);
    put32(&b, 1);                         /* the version */
    put32(&b, 88);                        /* sizeof(struct event) then */
    put32(&b, 24);                        /* sizeof(struct event_field) */
    put32(&b, r->final_line);
    put64(&b, (uint64_t)st.st_dev);
    put64(&b, (uint64_t)st.st_ino);
    put64(&b, (uint64_t)r->final_end);
    put64(&b, (uint64_t)st.st_size);
    put64(&b, hasher_end(&prefix));
    put64(&b, covered);
    for (size_t i = 0; i < covered; i++)
        put_event(&b, inc->events[i]);
    struct hasher all;
    hasher_init(&all);
    hasher_add(&all, b.data, b.len);
    put64(&b, hasher_end(&all));
    buf_add(&b, "end\n", 4);
    int fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0600);
    int rc = fd >= 0 && write(fd, b.data, b.len) == (ssize_t)b.len && close(fd) == 0 ? 0 : 1;
    if (rc)
        fprintf(stderr, "checkpoint_v1: cannot write %s\n", argv[2]);
    buf_free(&b);
    incident_free(inc);
    return rc;
}
