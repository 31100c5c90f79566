#include "warroom/event.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>

#include "warroom/error.h"
#include "warroom/stamp.h"
#include "warroom/text.h"

/* ---- arena ---- */

struct arena_chunk {
    struct arena_chunk *next;
    size_t size, used;
    _Alignas(8) unsigned char data[];
};

/* Short strings seen again (keys, types, authors, states) are kept once. The
 * table stops growing at INTERN_COUNT_MAX strings, so a log of unique short
 * values costs no more than without it. */
#define INTERN_LEN_MAX 24
#define INTERN_COUNT_MAX 65536

struct interned {
    const char *s;
    uint32_t len, hash;
};

/* A file mapped for what it holds to be used in place (a checkpoint's strings). */
struct arena_map {
    struct arena_map *next;
    void *addr;
    size_t len;
};

struct arena {
    struct arena_chunk *head;
    size_t total;
    struct interned *pool;
    size_t pool_cap, pool_count;
    struct arena_map *maps;
};

#define ARENA_CHUNK (256 * 1024)

struct arena *arena_new(void)
{
    return xcalloc(1, sizeof(struct arena));
}

void *arena_alloc(struct arena *a, size_t size)
{
    size = (size + 7) & ~(size_t)7;
    struct arena_chunk *c = a->head;
    if (!c || c->size - c->used < size) {
        size_t want = size > ARENA_CHUNK / 4 ? size : ARENA_CHUNK;
        c = xmalloc(sizeof *c + want);
        c->size = want;
        c->used = 0;
        if (want == size && a->head) {
            /* a big one-off goes behind the current chunk, which keeps its free space */
            c->next = a->head->next;
            a->head->next = c;
        } else {
            c->next = a->head;
            a->head = c;
        }
        a->total += want;
    }
    void *p = c->data + c->used;
    c->used += size;
    return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t len)
{
    char *p = arena_alloc(a, len + 1);
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

static uint32_t intern_hash(const char *s, size_t len)
{
    uint32_t h = 2166136261u;             /* FNV-1a */
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

static struct interned *intern_slot(struct interned *pool, size_t cap, const char *s, size_t len, uint32_t h)
{
    for (size_t i = h & (cap - 1);; i = (i + 1) & (cap - 1))
        if (!pool[i].s || (pool[i].hash == h && pool[i].len == len && memcmp(pool[i].s, s, len) == 0))
            return &pool[i];
}

const char *arena_intern(struct arena *a, const char *s, size_t len)
{
    if (len > INTERN_LEN_MAX)
        return arena_strndup(a, s, len);
    uint32_t h = intern_hash(s, len);
    if ((a->pool_count + 1) * 2 > a->pool_cap) {
        if (a->pool_count >= INTERN_COUNT_MAX) {
            struct interned *found = intern_slot(a->pool, a->pool_cap, s, len, h);
            return found->s ? found->s : arena_strndup(a, s, len);
        }
        size_t cap = a->pool_cap ? a->pool_cap * 2 : 256;
        struct interned *bigger = xcalloc(cap, sizeof *bigger);
        for (size_t i = 0; i < a->pool_cap; i++)
            if (a->pool[i].s)
                *intern_slot(bigger, cap, a->pool[i].s, a->pool[i].len, a->pool[i].hash) = a->pool[i];
        free(a->pool);
        a->pool = bigger;
        a->pool_cap = cap;
    }
    struct interned *slot = intern_slot(a->pool, a->pool_cap, s, len, h);
    if (!slot->s) {
        *slot = (struct interned){arena_strndup(a, s, len), (uint32_t)len, h};
        a->pool_count++;
    }
    return slot->s;
}

void arena_keep_map(struct arena *a, void *addr, size_t len)
{
    struct arena_map *m = xmalloc(sizeof *m);
    *m = (struct arena_map){a->maps, addr, len};
    a->maps = m;
}

size_t arena_used(const struct arena *a)
{
    return a->total;
}

void arena_free(struct arena *a)
{
    if (!a)
        return;
    struct arena_chunk *c = a->head;
    while (c) {
        struct arena_chunk *next = c->next;
        free(c);
        c = next;
    }
    for (struct arena_map *m = a->maps, *next; m; m = next) {
        next = m->next;
        munmap(m->addr, m->len);
        free(m);
    }
    free(a->pool);
    free(a);
}

/* ---- types ---- */

static const char *const type_names[EVENT_TYPE_COUNT] = {
    [EVENT_UNKNOWN] = "unknown",   [EVENT_DECLARE] = "declare",   [EVENT_SEV] = "sev",
    [EVENT_ROLE] = "role",         [EVENT_ACK] = "ack",           [EVENT_NOTE] = "note",
    [EVENT_ALERT] = "alert",       [EVENT_IMPACT] = "impact",     [EVENT_UPDATE] = "update",
    [EVENT_PAGE] = "page",         [EVENT_ESCALATE] = "escalate", [EVENT_MITIGATE] = "mitigate",
    [EVENT_RESOLVE] = "resolve",   [EVENT_REOPEN] = "reopen",     [EVENT_ACTION] = "action",
    [EVENT_EDIT] = "edit",         [EVENT_DELIVERY] = "delivery", [EVENT_POSTMORTEM] = "postmortem",
    [EVENT_RUNBOOK] = "runbook",   [EVENT_EMAIL] = "email",       [EVENT_REMINDER] = "reminder",
    [EVENT_TORN] = "torn",
};

const char *event_type_name(enum event_type type)
{
    return type < EVENT_TYPE_COUNT ? type_names[type] : "unknown";
}

enum event_type event_type_from_name(const char *name)
{
    for (int t = 1; t < EVENT_TYPE_COUNT; t++)
        if (strcmp(type_names[t], name) == 0)
            return (enum event_type)t;
    return EVENT_UNKNOWN;
}

/* ---- parsing ---- */

/* Text that is meant to run over several lines keeps its newlines; every
 * other string is one line. The parser and the encoder clean by the same
 * rule, so what is read can be written back unchanged. */
static bool multi_line(const char *key)
{
    return strcmp(key, "text") == 0 || strcmp(key, "set.text") == 0 || strcmp(key, "impact") == 0;
}

static unsigned clean_flags(const char *key)
{
    return key && multi_line(key) ? TEXT_KEEP_NEWLINES : 0;
}



#define NEST_MAX 4
#define KEY_MAX 64

/* Where parse_string puts what it decodes. */
enum store {
    STORE_ARENA,      /* a copy of its own */
    STORE_INTERN,     /* once per arena when short (arena_intern) */
    STORE_TS,         /* the top-level ts and at: read into the struct and */
    STORE_AT,         /* never kept as strings, so parsed into the parser */
    STORE_NONE,       /* inside an array kept as its text: checked, not kept */
};
#define STAMP_FIELD_MAX 48

struct parser {
    const char *p, *end;
    struct arena *arena;
    char stamp[2][STAMP_FIELD_MAX];
    struct buf scratch;
    struct event_field fields[EVENT_FIELDS_MAX + 6]; /* + the common fields */
    unsigned nfields;
    const char *err;
};

static void skip_ws(struct parser *ps)
{
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\r' || *ps->p == '\n'))
        ps->p++;
}

static int fail(struct parser *ps, const char *what)
{
    if (!ps->err)
        ps->err = what;
    return -1;
}

static unsigned hex4(const char *p, bool *ok)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (unsigned)(c - 'A' + 10);
        else
            *ok = false;
    }
    return v;
}

/* Parses a JSON string at ps->p (on its opening quote); the decoded, cleaned
 * text goes to the arena. Only the scratch buffer is touched when the text
 * needs decoding; plain ASCII is copied straight from the line. */
static const char *store_string(struct parser *ps, const char *s, size_t len, enum store where)
{
    if ((where == STORE_TS || where == STORE_AT) && len < STAMP_FIELD_MAX) {
        char *to = ps->stamp[where == STORE_AT];
        memcpy(to, s, len);
        to[len] = '\0';
        return to;
    }
    if (where == STORE_NONE)
        return "";
    return where == STORE_INTERN ? arena_intern(ps->arena, s, len) : arena_strndup(ps->arena, s, len);
}

static int parse_string(struct parser *ps, const char **out, uint32_t *out_len, const char *key, enum store where)
{
    const char *s = ++ps->p;
    const char *q = text_skip_plain(s, ps->end, 0x7F);   /* DEL is cleaned away */
    if (q < ps->end && *q == '"') {
        *out = store_string(ps, s, (size_t)(q - s), where);
        *out_len = (uint32_t)(q - s);
        ps->p = q + 1;
        return 0;
    }
    struct buf *raw = &ps->scratch;
    buf_reset(raw);
    buf_add(raw, s, (size_t)(q - s));
    for (;;) {
        if (q >= ps->end)
            return fail(ps, "a string is not closed");
        unsigned char c = (unsigned char)*q;
        if (c == '"')
            break;
        if (c < 0x20)
            return fail(ps, "a string holds a raw control character");
        if (c != '\\') {
            buf_addc(raw, (char)c);
            q++;
            continue;
        }
        if (++q >= ps->end)
            return fail(ps, "a string ends inside an escape");
        char e = *q++;
        switch (e) {
        case '"': buf_addc(raw, '"'); break;
        case '\\': buf_addc(raw, '\\'); break;
        case '/': buf_addc(raw, '/'); break;
        case 'b': buf_addc(raw, '\b'); break;
        case 'f': buf_addc(raw, '\f'); break;
        case 'n': buf_addc(raw, '\n'); break;
        case 'r': buf_addc(raw, '\r'); break;
        case 't': buf_addc(raw, '\t'); break;
        case 'u': {
            bool ok = true;
            if (ps->end - q < 4)
                return fail(ps, "a \\u escape is cut short");
            uint32_t cp = hex4(q, &ok);
            q += 4;
            if (!ok)
                return fail(ps, "a \\u escape is not hexadecimal");
            if (cp >= 0xD800 && cp <= 0xDBFF && ps->end - q >= 6 && q[0] == '\\' && q[1] == 'u') {
                uint32_t lo = hex4(q + 2, &ok);
                if (ok && lo >= 0xDC00 && lo <= 0xDFFF) {
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    q += 6;
                }
            }
            if (cp >= 0xD800 && cp <= 0xDFFF)
                cp = 0xFFFD;              /* a lone surrogate */
            if (cp == 0)
                cp = 0xFFFD;              /* NUL would cut the C string */
            char enc[4];
            buf_add(raw, enc, text_utf8_encode(cp, enc));
            break;
        }
        default:
            return fail(ps, "a string holds an unknown escape");
        }
    }
    ps->p = q + 1;
    const unsigned flags = clean_flags(key);
    if (text_is_clean(raw->data, raw->len, flags)) {
        *out = store_string(ps, raw->data, raw->len, where);
        *out_len = (uint32_t)raw->len;
        return 0;
    }
    struct buf clean = BUF_INIT;
    text_clean(&clean, raw->data, raw->len, flags);
    *out = store_string(ps, buf_str(&clean), clean.len, where);
    *out_len = (uint32_t)clean.len;
    buf_free(&clean);
    return 0;
}

static int parse_number(struct parser *ps)
{
    const char *p = ps->p;
    if (p < ps->end && *p == '-')
        p++;
    if (p >= ps->end || *p < '0' || *p > '9')
        return fail(ps, "a value is not valid JSON");
    if (*p == '0')
        p++;
    else
        while (p < ps->end && *p >= '0' && *p <= '9')
            p++;
    if (p < ps->end && *p == '.') {
        p++;
        if (p >= ps->end || *p < '0' || *p > '9')
            return fail(ps, "a number has no digits after its point");
        while (p < ps->end && *p >= '0' && *p <= '9')
            p++;
    }
    if (p < ps->end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < ps->end && (*p == '+' || *p == '-'))
            p++;
        if (p >= ps->end || *p < '0' || *p > '9')
            return fail(ps, "a number has no digits in its exponent");
        while (p < ps->end && *p >= '0' && *p <= '9')
            p++;
    }
    ps->p = p;
    return 0;
}

static bool literal(struct parser *ps, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(ps->end - ps->p) >= n && memcmp(ps->p, word, n) == 0) {
        ps->p += n;
        return true;
    }
    return false;
}

/* Checks any JSON value without keeping it (for arrays, kept as raw text). */
static int skip_value(struct parser *ps, int depth)
{
    if (depth > 16)
        return fail(ps, "values are nested too deeply");
    skip_ws(ps);
    if (ps->p >= ps->end)
        return fail(ps, "a value is missing");
    char c = *ps->p;
    if (c == '"') {
        const char *s;
        uint32_t n;
        return parse_string(ps, &s, &n, NULL, STORE_NONE);
    }
    if (c == '{' || c == '[') {
        char close = c == '{' ? '}' : ']';
        ps->p++;
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == close) {
            ps->p++;
            return 0;
        }
        for (;;) {
            if (c == '{') {
                skip_ws(ps);
                if (ps->p >= ps->end || *ps->p != '"')
                    return fail(ps, "an object key is not a string");
                if (skip_value(ps, depth + 1) < 0)
                    return -1;
                skip_ws(ps);
                if (ps->p >= ps->end || *ps->p++ != ':')
                    return fail(ps, "a key has no ':'");
            }
            if (skip_value(ps, depth + 1) < 0)
                return -1;
            skip_ws(ps);
            if (ps->p < ps->end && *ps->p == ',') {
                ps->p++;
                continue;
            }
            if (ps->p < ps->end && *ps->p == close) {
                ps->p++;
                return 0;
            }
            return fail(ps, "a list or object is not closed properly");
        }
    }
    if (literal(ps, "true") || literal(ps, "false") || literal(ps, "null"))
        return 0;
    return parse_number(ps);
}

static int add_field(struct parser *ps, const char *key, const char *value, uint32_t len, enum field_kind kind)
{
    if (ps->nfields >= EVENT_FIELDS_MAX + 6)
        return fail(ps, "the record has too many fields");
    struct event_field *f = &ps->fields[ps->nfields++];
    f->key = key;
    f->value = value;
    f->len = len;
    f->kind = kind;
    return 0;
}

static int parse_object(struct parser *ps, const char *prefix, int depth)
{
    if (depth > NEST_MAX)
        return fail(ps, "objects are nested too deeply");
    ps->p++;                              /* '{' */
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == '}') {
        ps->p++;
        return 0;
    }
    for (;;) {
        skip_ws(ps);
        if (ps->p >= ps->end || *ps->p != '"')
            return fail(ps, "an object key is not a string");
        const char *key;
        uint32_t klen;
        if (parse_string(ps, &key, &klen, NULL, STORE_INTERN) < 0)
            return -1;
        if (klen == 0 || klen > KEY_MAX)
            return fail(ps, "a key is empty or too long");
        if (memchr(key, '.', klen))
            return fail(ps, "a key contains '.', which stands for nesting");
        if (prefix) {
            size_t plen = strlen(prefix);
            char full[KEY_MAX * (NEST_MAX + 1) + NEST_MAX + 1];
            memcpy(full, prefix, plen);
            full[plen] = '.';
            memcpy(full + plen + 1, key, klen + 1);
            key = arena_intern(ps->arena, full, plen + 1 + klen);
        }
        skip_ws(ps);
        if (ps->p >= ps->end || *ps->p++ != ':')
            return fail(ps, "a key has no ':'");
        skip_ws(ps);
        if (ps->p >= ps->end)
            return fail(ps, "a value is missing");
        const char *start = ps->p;
        char c = *ps->p;
        int rc;
        if (c == '"') {
            const char *v;
            uint32_t vlen;
            /* ids are unique and texts long: only the rest repeats */
            enum store where = !prefix && strcmp(key, "ts") == 0   ? STORE_TS
                               : !prefix && strcmp(key, "at") == 0 ? STORE_AT
                               : strcmp(key, "id") == 0 || strcmp(key, "target") == 0 ? STORE_ARENA
                                                                                       : STORE_INTERN;
            rc = parse_string(ps, &v, &vlen, key, where);
            if (rc == 0)
                rc = add_field(ps, key, v, vlen, FIELD_STRING);
        } else if (c == '{') {
            rc = parse_object(ps, key, depth + 1);
        } else if (c == '[') {
            rc = skip_value(ps, depth + 1);
            if (rc == 0) {
                size_t n = (size_t)(ps->p - start);
                rc = add_field(ps, key, arena_strndup(ps->arena, start, n), (uint32_t)n, FIELD_RAW);
            }
        } else if (literal(ps, "true")) {
            rc = add_field(ps, key, "true", 4, FIELD_BOOL);
        } else if (literal(ps, "false")) {
            rc = add_field(ps, key, "false", 5, FIELD_BOOL);
        } else if (literal(ps, "null")) {
            rc = add_field(ps, key, "null", 4, FIELD_NULL);
        } else {
            rc = parse_number(ps);
            if (rc == 0) {
                size_t n = (size_t)(ps->p - start);
                rc = add_field(ps, key, arena_intern(ps->arena, start, n), (uint32_t)n, FIELD_NUMBER);
            }
        }
        if (rc < 0)
            return -1;
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            continue;
        }
        if (ps->p < ps->end && *ps->p == '}') {
            ps->p++;
            return 0;
        }
        return fail(ps, "an object is not closed properly");
    }
}

/* The fields every record has, which become struct members. */
enum common { COMMON_V, COMMON_ID, COMMON_TS, COMMON_AT, COMMON_BY, COMMON_TYPE, COMMON_COUNT };

/* Which of them KEY is, or -1: by hand, since every field of a million
 * records asks. */
static int common_of(const char *key)
{
    switch (key[0]) {
    case 'v': return key[1] ? -1 : COMMON_V;
    case 'i': return key[1] == 'd' && !key[2] ? COMMON_ID : -1;
    case 'a': return key[1] == 't' && !key[2] ? COMMON_AT : -1;
    case 'b': return key[1] == 'y' && !key[2] ? COMMON_BY : -1;
    case 't':
        if (key[1] == 's' && !key[2])
            return COMMON_TS;
        return strcmp(key, "type") == 0 ? COMMON_TYPE : -1;
    default: return -1;
    }
}

int event_parse(struct event *ev, struct arena *a, const char *line, size_t len)
{
    struct parser ps = {.p = line, .end = line + len, .arena = a};
    int rc = -1;
    memset(ev, 0, sizeof *ev);
    if (len >= EVENT_RECORD_MAX) {
        error_set("the record is longer than %d KiB", EVENT_RECORD_MAX / 1024);
        goto done;
    }
    skip_ws(&ps);
    if (ps.p >= ps.end || *ps.p != '{') {
        error_set("not a JSON object");
        goto done;
    }
    if (parse_object(&ps, NULL, 0) < 0) {
        error_set("not valid JSON: %s", ps.err ? ps.err : "syntax error");
        goto done;
    }
    skip_ws(&ps);
    if (ps.p != ps.end) {
        error_set("not valid JSON: text after the object");
        goto done;
    }
    /* each common key as it came last, the other fields kept in order (a
     * repeated common key is not a field either) */
    struct event_field common[COMMON_COUNT];
    bool seen[COMMON_COUNT] = {false};
    unsigned n = 0;
    for (unsigned i = 0; i < ps.nfields; i++) {
        int c = common_of(ps.fields[i].key);
        if (c >= 0) {
            common[c] = ps.fields[i];   /* copied: the others move down over it */
            seen[c] = true;
        } else {
            ps.fields[n++] = ps.fields[i];
        }
    }
#define COMMON(c) (seen[c] ? &common[c] : NULL)
    const struct event_field *v = COMMON(COMMON_V), *id = COMMON(COMMON_ID), *ts = COMMON(COMMON_TS),
                             *at = COMMON(COMMON_AT), *by = COMMON(COMMON_BY), *type = COMMON(COMMON_TYPE);
#undef COMMON
    if (!id || id->kind != FIELD_STRING || id->len == 0 || id->len > EVENT_ID_MAX) {
        error_set("the record has no valid \"id\"");
        goto done;
    }
    if (!type || type->kind != FIELD_STRING || type->len == 0) {
        error_set("the record has no \"type\"");
        goto done;
    }
    if (!ts || ts->kind != FIELD_STRING || stamp_parse_iso(&ev->ts, ts->value) < 0) {
        error_set("the record has no valid \"ts\"");
        goto done;
    }
    ev->seen = STAMP_NONE;
    ev->at = ev->ts;
    if (at && at->kind == FIELD_STRING && stamp_parse_iso(&ev->at, at->value) < 0) {
        error_set("the record's \"at\" is not a time");
        goto done;
    }
    ev->id = id->value;
    ev->type_name = type->value;
    ev->type = event_type_from_name(type->value);
    ev->by = by && by->kind == FIELD_STRING ? by->value : "";
    ev->version = v && v->kind == FIELD_NUMBER ? atoi(v->value) : EVENT_VERSION;
    if (n > EVENT_FIELDS_MAX) {
        error_set("the record has more than %d fields", EVENT_FIELDS_MAX);
        goto done;
    }
    ev->nfields = n;
    ev->fields = arena_alloc(a, sizeof(struct event_field) * (n ? n : 1));
    memcpy(ev->fields, ps.fields, sizeof(struct event_field) * n);
    rc = 0;
done:
    buf_free(&ps.scratch);
    return rc;
}

const struct event_field *event_field(const struct event *ev, const char *key)
{
    for (unsigned i = ev->nfields; i-- > 0;)
        if (strcmp(ev->fields[i].key, key) == 0)
            return &ev->fields[i];
    return NULL;
}

const char *event_str(const struct event *ev, const char *key)
{
    const struct event_field *f = event_field(ev, key);
    return f && f->kind == FIELD_STRING ? f->value : NULL;
}

bool event_int(const struct event *ev, const char *key, long long *out)
{
    const struct event_field *f = event_field(ev, key);
    if (!f || f->kind != FIELD_NUMBER)
        return false;
    char *end;
    errno = 0;
    long long v = strtoll(f->value, &end, 10);
    if (errno || *end)
        return false;
    *out = v;
    return true;
}

bool event_bool(const struct event *ev, const char *key)
{
    const struct event_field *f = event_field(ev, key);
    return f && f->kind == FIELD_BOOL && f->value[0] == 't';
}

/* ---- drafts and encoding ---- */

void event_draft_init(struct event_draft *d, enum event_type type, const char *by)
{
    memset(d, 0, sizeof *d);
    d->type = type;
    d->by = by;
    d->at = STAMP_NONE;
    d->ts = STAMP_NONE;
}

static void draft_add(struct event_draft *d, const char *key, const char *value, enum field_kind kind)
{
    for (unsigned i = 0; i < d->nfields; i++) {
        if (strcmp(d->fields[i].key, key) == 0) {
            free(d->fields[i].value);
            d->fields[i].value = xstrdup(value);
            d->fields[i].kind = kind;
            return;
        }
    }
    if (d->nfields >= EVENT_FIELDS_MAX)
        abort();                          /* drafts are built by our own code: a bug */
    d->fields[d->nfields].key = xstrdup(key);
    d->fields[d->nfields].value = xstrdup(value);
    d->fields[d->nfields].kind = kind;
    d->nfields++;
}

void event_draft_str(struct event_draft *d, const char *key, const char *value)
{
    if (value)
        draft_add(d, key, value, FIELD_STRING);
}

void event_draft_int(struct event_draft *d, const char *key, long long value)
{
    char num[32];
    snprintf(num, sizeof num, "%lld", value);
    draft_add(d, key, num, FIELD_NUMBER);
}

void event_draft_bool(struct event_draft *d, const char *key, bool value)
{
    draft_add(d, key, value ? "true" : "false", FIELD_BOOL);
}

void event_draft_field(struct event_draft *d, const char *key, const char *value, enum field_kind kind)
{
    draft_add(d, key, value, kind);
}

void event_draft_free(struct event_draft *d)
{
    for (unsigned i = 0; i < d->nfields; i++) {
        free(d->fields[i].key);
        free(d->fields[i].value);
    }
    d->nfields = 0;
}

void event_json_string(struct buf *out, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    buf_grow(out, len + 2);
    buf_addc(out, '"');
    size_t run = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        buf_add(out, s + run, i - run);
        run = i + 1;
        switch (c) {
        case '"': buf_adds(out, "\\\""); break;
        case '\\': buf_adds(out, "\\\\"); break;
        case '\n': buf_adds(out, "\\n"); break;
        case '\t': buf_adds(out, "\\t"); break;
        case '\r': buf_adds(out, "\\r"); break;
        default: {
            char u[7] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15], 0};
            buf_adds(out, u);
        }
        }
    }
    buf_add(out, s + run, len - run);
    buf_addc(out, '"');
}


static void encode_clean(struct buf *out, const char *key, const char *s)
{
    size_t len = strlen(s);
    unsigned flags = clean_flags(key);
    if (text_is_clean(s, len, flags)) {
        event_json_string(out, s, len);
        return;
    }
    struct buf clean = BUF_INIT;
    text_clean(&clean, s, len, flags);
    event_json_string(out, buf_str(&clean), clean.len);
    buf_free(&clean);
}

/* Writes fields [FROM, TO) of D, whose keys share their first PREFIX bytes,
 * each as ,"key":value. Flattened keys are nested again: "set.text" and
 * "set.at" next to each other become "set":{"text":..,"at":..}, at any depth
 * (the parser flattens nested objects into consecutive dotted keys). */
static void encode_fields(struct buf *out, const struct event_draft *d, unsigned from, unsigned to, size_t prefix)
{
    for (unsigned i = from; i < to; i++) {
        const char *key = d->fields[i].key + prefix, *dot = strchr(key, '.');
        if (i > from || prefix == 0)
            buf_addc(out, ',');
        if (dot) {
            size_t seg = (size_t)(dot - key);
            unsigned j = i + 1;
            while (j < to && strncmp(d->fields[j].key + prefix, key, seg + 1) == 0)
                j++;
            event_json_string(out, key, seg);
            buf_adds(out, ":{");
            encode_fields(out, d, i, j, prefix + seg + 1);
            buf_addc(out, '}');
            i = j - 1;
            continue;
        }
        event_json_string(out, key, strlen(key));
        buf_addc(out, ':');
        if (d->fields[i].kind == FIELD_STRING)
            encode_clean(out, d->fields[i].key, d->fields[i].value);
        else
            buf_adds(out, d->fields[i].value);
    }
}

int event_encode(struct buf *out, const struct event_draft *d)
{
    char ts[STAMP_TEXT_MAX], at[STAMP_TEXT_MAX];
    size_t start = out->len;
    const char *type = d->type == EVENT_UNKNOWN && d->type_name ? d->type_name : event_type_name(d->type);
    /* a stamp past 9999 would be written with five digits and never read back */
    if (!stamp_in_range(d->ts) || (d->at != STAMP_NONE && !stamp_in_range(d->at))) {
        bool bad_ts = !stamp_in_range(d->ts);
        return error_set("the record's %s %s is outside the years 0001 to 9999: nothing was written "
                         "(is the system clock or WARROOM_NOW right?)",
                         bad_ts ? "time" : "--at time", stamp_format_iso(ts, bad_ts ? d->ts : d->at));
    }
    buf_printf(out, "{\"v\":%d,\"id\":", EVENT_VERSION);
    encode_clean(out, "id", d->id);
    buf_printf(out, ",\"ts\":\"%s\"", stamp_format_iso(ts, d->ts));
    if (d->at != STAMP_NONE && d->at != d->ts)
        buf_printf(out, ",\"at\":\"%s\"", stamp_format_iso_s(at, d->at));
    if (d->by && *d->by) {
        buf_adds(out, ",\"by\":");
        encode_clean(out, "by", d->by);
    }
    buf_adds(out, ",\"type\":");
    encode_clean(out, "type", type);
    encode_fields(out, d, 0, d->nfields, 0);
    buf_adds(out, "}\n");
    size_t size = out->len - start;
    if (size > EVENT_RECORD_MAX) {
        out->len = start;
        out->data[start] = '\0';
        return error_set("the record is %zu KiB, over the limit of %d KiB: shorten the text "
                         "(attach long output as a file and log its path)",
                         (size + 1023) / 1024, EVENT_RECORD_MAX / 1024);
    }
    return 0;
}

int event_new_id(char out[EVENT_ID_MAX + 1])
{
    unsigned char raw[16];
    size_t got = 0;
    while (got < sizeof raw) {
        ssize_t n = getrandom(raw + got, sizeof raw - got, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return error_set_errno("cannot make an event id (getrandom)");
        }
        got += (size_t)n;
    }
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < sizeof raw; i++) {
        out[2 * i] = hex[raw[i] >> 4];
        out[2 * i + 1] = hex[raw[i] & 15];
    }
    out[32] = '\0';
    return 0;
}
