/* event — one record of an incident's log: parsed from a line, encoded to one.
 * A record is one JSON object on one line (see DESIGN.md). The fields every
 * record has (v, id, ts, at, by, type) are parsed into the struct; every other
 * field is kept, in order, as a key/value pair, so unknown types and fields from
 * a newer version survive being read and are simply ignored by replay.
 * Parsed events live in an arena owned by the caller: nothing here is freed one
 * by one, the arena is released as a whole. */
#ifndef WARROOM_EVENT_H
#define WARROOM_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "warroom/buf.h"

#define EVENT_RECORD_MAX (64 * 1024) /* bytes in one record, newline included */
#define EVENT_ID_MAX 128
#define EVENT_FIELDS_MAX 64
#define EVENT_VERSION 1

enum event_type {
    EVENT_UNKNOWN = 0, /* a type from a newer version: kept, ignored */
    EVENT_DECLARE,
    EVENT_SEV,
    EVENT_ROLE,
    EVENT_ACK,
    EVENT_NOTE,
    EVENT_ALERT,
    EVENT_IMPACT,
    EVENT_UPDATE,
    EVENT_PAGE,
    EVENT_ESCALATE,
    EVENT_MITIGATE,
    EVENT_RESOLVE,
    EVENT_REOPEN,
    EVENT_ACTION,
    EVENT_EDIT,
    EVENT_DELIVERY,
    EVENT_POSTMORTEM,
    EVENT_RUNBOOK,     /* a runbook step marked done (runbook, section, number, step, result) */
    EVENT_EMAIL,       /* the customer email: an attempt and its outcome (email.h) */
    EVENT_REMINDER,    /* a clock snoozed or dismissed */
    EVENT_TORN,        /* marks a torn line that an append set aside */
    EVENT_TYPE_COUNT
};

enum field_kind {
    FIELD_STRING,
    FIELD_NUMBER, /* value holds the number's JSON text */
    FIELD_BOOL,   /* value is "true" or "false" */
    FIELD_NULL,
    FIELD_RAW,    /* an array, kept as its JSON text */
};

struct event_field {
    const char *key;   /* nested objects are flattened: {"set":{"text":..}} -> "set.text" */
    const char *value; /* NUL-terminated; strings are decoded and clean */
    uint32_t len;
    enum field_kind kind;
};

/* A million of these are kept by a replay: the members are ordered so that
 * none pads (72 bytes). */
struct event {
    const char *id;
    const char *type_name;      /* as written */
    const char *by;             /* "" when absent */
    int64_t ts;                 /* when recorded (ms, UTC) */
    int64_t at;                 /* when it happened; = ts when absent */
    int64_t seen;               /* ahead events: when they were read; STAMP_NONE otherwise */
    struct event_field *fields; /* everything but v, id, ts, at, by, type */
    enum event_type type;
    int version;
    unsigned line;              /* 1-based line in the log; 0 for a new event */
    uint16_t nfields;           /* at most EVENT_FIELDS_MAX */
    bool ahead;                 /* its ts or at lay more than STAMP_SKEW_MAX past the
                                   clock of the process that read it (set by replay) */
};

/* A bump allocator: many small allocations, one release. */
struct arena;
struct arena *arena_new(void);
void *arena_alloc(struct arena *a, size_t size);  /* 8-byte aligned, never NULL */
char *arena_strndup(struct arena *a, const char *s, size_t len);
/* S kept once per arena when short (an author, a key, a state): the same
 * pointer for the same bytes, never to be written through. */
const char *arena_intern(struct arena *a, const char *s, size_t len);
/* The mapping ADDR..+LEN (mmap'd) lives as long as A: what A's events point
 * into it stays valid, and arena_free unmaps it. */
void arena_keep_map(struct arena *a, void *addr, size_t len);
size_t arena_used(const struct arena *a);
void arena_free(struct arena *a);

const char *event_type_name(enum event_type type);
enum event_type event_type_from_name(const char *name);

/* Parses one line (without its newline) into *EV, allocating from A. Returns 0,
 * or -1 with a message saying what is wrong (not which line: the caller knows). */
int event_parse(struct event *ev, struct arena *a, const char *line, size_t len);

/* The value of field KEY (the last one, should a key repeat), or NULL. */
const struct event_field *event_field(const struct event *ev, const char *key);
/* The string value of KEY, or NULL when absent or not a string. */
const char *event_str(const struct event *ev, const char *key);
/* The integer value of KEY into *OUT; false when absent or not an integer. */
bool event_int(const struct event *ev, const char *key, long long *out);
bool event_bool(const struct event *ev, const char *key);

/* A new event being put together before it is appended. Strings are copied.
 * Text goes through text_clean when the record is encoded, not here. */
struct event_draft {
    enum event_type type;
    const char *type_name;   /* for EVENT_UNKNOWN only */
    char id[EVENT_ID_MAX + 1]; /* empty: a random id is made when appended */
    const char *by;
    int64_t at;              /* STAMP_NONE: same as ts */
    int64_t ts;              /* STAMP_NONE: now, when appended */
    unsigned nfields;
    struct {
        char *key;
        char *value;
        enum field_kind kind;
    } fields[EVENT_FIELDS_MAX];
    const char *raw;         /* records already encoded and checked (log_append_lines) */
    size_t raw_len;
};

void event_draft_init(struct event_draft *d, enum event_type type, const char *by);
void event_draft_str(struct event_draft *d, const char *key, const char *value);
void event_draft_int(struct event_draft *d, const char *key, long long value);
void event_draft_bool(struct event_draft *d, const char *key, bool value);
/* A field of any kind, VALUE as it is encoded (a number's or an array's JSON text). */
void event_draft_field(struct event_draft *d, const char *key, const char *value, enum field_kind kind);
void event_draft_free(struct event_draft *d);

/* Encodes D as one JSON line (with the newline) into OUT. Every string is
 * cleaned (text_clean; notes keep their newlines, other fields do not). Fails
 * when the record would exceed EVENT_RECORD_MAX, saying by how much. */
int event_encode(struct buf *out, const struct event_draft *d);

/* A new random event id: 128 bits from getrandom, as 32 hex digits. */
int event_new_id(char out[EVENT_ID_MAX + 1]);

/* Appends S as a JSON string literal (quoted, escaped) to OUT. */
void event_json_string(struct buf *out, const char *s, size_t len);

#endif
