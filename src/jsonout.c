#include "warroom/jsonout.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "warroom/buf.h"
#include "warroom/stamp.h"
#include "warroom/text.h"

/* The code point at *P (advanced past it), or -1 where jansson would refuse
 * the string: a malformed, overlong or surrogate sequence, or past U+10FFFF. */
static long next_code_point(const unsigned char **p)
{
    const unsigned char *s = *p;
    unsigned n = s[0] >= 0xf0 ? 3 : s[0] >= 0xe0 ? 2 : s[0] >= 0xc0 ? 1 : 0;
    if (s[0] >= 0x80 && (n == 0 || s[0] >= 0xf5 || s[0] == 0xc0 || s[0] == 0xc1))
        return -1;
    long cp = n == 0 ? s[0] : s[0] & (0x3f >> n);
    for (unsigned i = 1; i <= n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return -1;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    static const long least[] = {0, 0x80, 0x800, 0x10000};
    if (cp < least[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return -1;
    *p = s + n + 1;
    return cp;
}

int jsonout_string(struct buf *out, const char *s, size_t flags)
{
    static const char hex[] = "0123456789ABCDEF";
    const bool slash = flags & JSON_ESCAPE_SLASH, ascii = flags & JSON_ENSURE_ASCII;
    const unsigned char *p = (const unsigned char *)s, *end = p + strlen(s);
    buf_addc(out, '"');
    while (*p) {
        const unsigned char *run = p;
        /* what is written as it is goes in one piece */
        p = (const unsigned char *)text_skip_plain((const char *)p, (const char *)end, slash ? '/' : '"');
        if (p > run) {
            buf_add(out, run, (size_t)(p - run));
            continue;
        }
        long cp = next_code_point(&p);
        if (cp < 0)
            return -1;
        switch (cp) {
        case '"': buf_adds(out, "\\\""); continue;
        case '\\': buf_adds(out, "\\\\"); continue;
        case '\b': buf_adds(out, "\\b"); continue;
        case '\f': buf_adds(out, "\\f"); continue;
        case '\n': buf_adds(out, "\\n"); continue;
        case '\r': buf_adds(out, "\\r"); continue;
        case '\t': buf_adds(out, "\\t"); continue;
        case '/': buf_adds(out, "\\/"); continue;
        default: break;
        }
        if (cp >= 0x80 && !ascii) {
            buf_add(out, run, (size_t)(p - run));   /* valid UTF-8, kept as it is */
            continue;
        }
        long units[2] = {cp, -1};
        if (cp > 0xffff) {
            units[0] = 0xd800 + ((cp - 0x10000) >> 10);
            units[1] = 0xdc00 + ((cp - 0x10000) & 0x3ff);
        }
        for (int u = 0; u < 2 && units[u] >= 0; u++) {
            long v = units[u];
            char esc[6] = {'\\', 'u', hex[(v >> 12) & 15], hex[(v >> 8) & 15], hex[(v >> 4) & 15], hex[v & 15]};
            buf_add(out, esc, sizeof esc);
        }
    }
    buf_addc(out, '"');
    return 0;
}

/* ---- the writer ---- */

#define JSONW_FLUSH (64 * 1024)   /* written out once the buffer holds this much */

void jsonw_init(struct jsonw *w, FILE *f, size_t flags)
{
    *w = (struct jsonw){.f = f, .flags = flags & ~(size_t)JSON_MAX_INDENT, .out = xcalloc(1, sizeof(struct buf))};
}

static void flush(struct jsonw *w, size_t least)
{
    if (w->out->len < least || !w->out->len)
        return;
    if (!w->failed && fwrite(w->out->data, 1, w->out->len, w->f) != w->out->len)
        w->failed = true;
    buf_reset(w->out);
}

/* A new line indented for DEPTH levels, as JSON_INDENT(2) does. */
static void newline_indent(struct buf *out, unsigned depth)
{
    static const char spaces[] = "                                ";
    buf_addc(out, '\n');
    for (size_t left = 2 * (size_t)depth; left;) {
        size_t n = left < sizeof spaces - 1 ? left : sizeof spaces - 1;
        buf_add(out, spaces, n);
        left -= n;
    }
}


/* Before a value: its key was written, or it is the next element. */
static void begin_value(struct jsonw *w)
{
    if (w->keyed) {
        w->keyed = false;
        return;
    }
    if (!w->depth)
        return;
    if (w->some[w->depth - 1])
        buf_addc(w->out, ',');
    w->some[w->depth - 1] = true;
    newline_indent(w->out, w->depth);
}

static void open_with(struct jsonw *w, char c)
{
    begin_value(w);
    buf_addc(w->out, c);
    if (w->depth == w->cap) {
        w->cap = w->cap ? 2 * w->cap : 8;
        w->some = xrealloc(w->some, w->cap);
        w->closer = xrealloc(w->closer, w->cap);
    }
    w->some[w->depth] = false;
    w->closer[w->depth] = c == '{' ? '}' : ']';
    w->depth++;
}

void jsonw_object(struct jsonw *w)
{
    open_with(w, '{');
}

void jsonw_array(struct jsonw *w)
{
    open_with(w, '[');
}

void jsonw_end(struct jsonw *w)
{
    if (!w->depth)
        return;
    unsigned d = --w->depth;
    if (w->some[d])
        newline_indent(w->out, w->depth);
    buf_addc(w->out, w->closer[d]);
    flush(w, JSONW_FLUSH);
}

/* S quoted; false (nothing written) where it is not valid UTF-8. */
static bool quoted(struct jsonw *w, const char *s)
{
    size_t mark = w->out->len;
    if (jsonout_string(w->out, s, w->flags) == 0)
        return true;
    w->out->len = mark;
    w->out->data[mark] = '\0';
    return false;
}

void jsonw_key(struct jsonw *w, const char *key)
{
    begin_value(w);
    if (!quoted(w, key))
        buf_adds(w->out, "\"\"");       /* our own keys are ASCII */
    buf_adds(w->out, ": ");
    w->keyed = true;
}

void jsonw_string(struct jsonw *w, const char *s)
{
    begin_value(w);
    if (!quoted(w, s))
        buf_adds(w->out, "null");
    flush(w, JSONW_FLUSH);
}

void jsonw_nullable(struct jsonw *w, const char *s)
{
    if (s && *s)
        jsonw_string(w, s);
    else
        jsonw_null(w);
}

void jsonw_int(struct jsonw *w, long long v)
{
    begin_value(w);
    buf_printf(w->out, "%lld", v);
}

void jsonw_bool(struct jsonw *w, bool v)
{
    begin_value(w);
    buf_adds(w->out, v ? "true" : "false");
}

void jsonw_null(struct jsonw *w)
{
    begin_value(w);
    buf_adds(w->out, "null");
}

static void add_stamp(struct buf *out, int64_t t);

void jsonw_stamp(struct jsonw *w, int64_t t)
{
    begin_value(w);
    if (t == STAMP_NONE)
        buf_adds(w->out, "null");
    else
        add_stamp(w->out, t);
}

void jsonw_member_string(struct jsonw *w, const char *key, const char *s)
{
    jsonw_key(w, key);
    jsonw_string(w, s);
}

void jsonw_member_nullable(struct jsonw *w, const char *key, const char *s)
{
    jsonw_key(w, key);
    jsonw_nullable(w, s);
}

void jsonw_member_int(struct jsonw *w, const char *key, long long v)
{
    jsonw_key(w, key);
    jsonw_int(w, v);
}

void jsonw_member_stamp(struct jsonw *w, const char *key, int64_t t)
{
    jsonw_key(w, key);
    jsonw_stamp(w, t);
}

/* Every line after the first is indented as deep as the value stands
 * (jansson escapes newlines inside strings, so each one is between tokens). */
void jsonw_text(struct jsonw *w, const char *text, size_t len)
{
    begin_value(w);
    const char *end = text + len;
    while (text < end) {
        const char *nl = memchr(text, '\n', (size_t)(end - text));
        if (!nl) {
            buf_add(w->out, text, (size_t)(end - text));
            break;
        }
        buf_add(w->out, text, (size_t)(nl - text));
        newline_indent(w->out, w->depth);
        text = nl + 1;
    }
    flush(w, JSONW_FLUSH);
}

bool jsonw_entry(struct jsonw *w, const struct timeline_entry *e)
{
    /* nothing is flushed before the entry is whole, so a refusal takes back
     * the separator too */
    size_t mark = w->out->len;
    bool keyed = w->keyed, some = w->depth ? w->some[w->depth - 1] : false;
    begin_value(w);
    if (jsonout_entry_text(w->out, e, w->flags, w->depth) == 0) {
        flush(w, JSONW_FLUSH);
        return true;
    }
    w->out->len = mark;
    w->out->data[mark] = '\0';
    w->keyed = keyed;
    if (w->depth)
        w->some[w->depth - 1] = some;
    return false;
}

void jsonw_json(struct jsonw *w, const json_t *v)
{
    char *text = v ? json_dumps(v, w->flags | JSON_INDENT(2) | JSON_ENCODE_ANY) : NULL;
    if (text)
        jsonw_text(w, text, strlen(text));
    else
        jsonw_null(w);
    free(text);
}

void jsonw_members(struct jsonw *w, json_t *o)
{
    const char *key;
    json_t *v;
    json_object_foreach(o, key, v) {
        jsonw_key(w, key);
        jsonw_json(w, v);
    }
}

int jsonw_finish(struct jsonw *w)
{
    flush(w, 1);
    buf_free(w->out);
    free(w->out);
    w->out = NULL;
    free(w->some);
    free(w->closer);
    w->some = NULL;
    w->closer = NULL;
    w->cap = 0;
    if (fflush(w->f) == EOF || ferror(w->f))
        w->failed = true;
    return w->failed ? -1 : 0;
}

/* ---- a timeline entry, as show --json writes it ---- */

static json_t *stamp_json(int64_t t)
{
    char iso[STAMP_TEXT_MAX];
    return t == STAMP_NONE ? json_null() : json_string(stamp_format_iso_s(iso, t));
}

json_t *jsonout_entry_json(const struct timeline_entry *e)
{
    json_t *entry = json_pack("{s:s, s:o, s:o, s:s, s:s, s:s}", "id", e->ev->id, "at", stamp_json(e->at), "ts",
                              stamp_json(e->ev->ts), "by", e->ev->by, "type", e->ev->type_name, "text", e->text);
    for (unsigned f = 0; f < e->ev->nfields; f++) {
        const struct event_field *fld = &e->ev->fields[f];
        if (strcmp(fld->key, "text") == 0 || fld->kind == FIELD_RAW || json_object_get(entry, fld->key))
            continue;
        json_object_set_new(entry, fld->key,
                            fld->kind == FIELD_STRING   ? json_string(fld->value)
                            : fld->kind == FIELD_BOOL   ? json_boolean(fld->value[0] == 't')
                            : fld->kind == FIELD_NUMBER ? json_integer(strtoll(fld->value, NULL, 10))
                                                        : json_null());
    }
    if (e->edits)
        json_object_set_new(entry, "edits", json_integer(e->edits));
    return entry;
}

/* E as jsonout_entry_json makes it and jansson writes it (indented by 2),
 * written straight into OUT: members in the same order, a field named like a
 * member already there skipped, "edits" replacing a field of that name where
 * it stands. Returns -1 where a string is not valid UTF-8, so that jansson
 * decides what such an entry becomes. */
/* T as stamp_format_iso_s writes it, quoted: a million entries mostly share
 * their day, so the date is formatted once a day and the time by hand. */
static void add_stamp(struct buf *out, int64_t t)
{
    static int64_t day = -1;
    static char date[16];
    char text[STAMP_TEXT_MAX];
    if (t < 0 || t >= 253402300800000LL) {       /* past year 9999: as it comes */
        buf_printf(out, "\"%s\"", stamp_format_iso_s(text, t));
        return;
    }
    if (t / 86400000 != day) {
        stamp_format_iso_s(text, t);
        memcpy(date, text, 11);                   /* YYYY-MM-DDT */
        day = t / 86400000;
    }
    int64_t in_day = t % 86400000;
    int s = (int)(in_day / 1000), ms = (int)(in_day % 1000);
    char *p = text;
    *p++ = '"';
    memcpy(p, date, 11);
    p += 11;
    int h = s / 3600, mi = s / 60 % 60, sec = s % 60;
    *p++ = (char)('0' + h / 10), *p++ = (char)('0' + h % 10), *p++ = ':';
    *p++ = (char)('0' + mi / 10), *p++ = (char)('0' + mi % 10), *p++ = ':';
    *p++ = (char)('0' + sec / 10), *p++ = (char)('0' + sec % 10);
    if (ms) {
        *p++ = '.';
        *p++ = (char)('0' + ms / 100), *p++ = (char)('0' + ms / 10 % 10), *p++ = (char)('0' + ms % 10);
    }
    *p++ = 'Z';
    *p++ = '"';
    buf_add(out, text, (size_t)(p - text));
}

/* The comma after a member, and the next one's line, DEPTH levels in. */
static void next_member(struct buf *out, unsigned depth)
{
    buf_addc(out, ',');
    newline_indent(out, depth);
}

int jsonout_entry_text(struct buf *out, const struct timeline_entry *e, size_t flags, unsigned depth)
{
    const char *names[EVENT_FIELDS_MAX + 6] = {"id", "at", "ts", "by", "type", "text"};
    size_t nnames = 6;
    bool edits_written = false;
    int rc = 0;
    buf_addc(out, '{');
    newline_indent(out, depth + 1);
    buf_adds(out, "\"id\": ");
    rc |= jsonout_string(out, e->ev->id, flags);
    next_member(out, depth + 1);
    buf_adds(out, "\"at\": ");
    if (e->at == STAMP_NONE)
        buf_adds(out, "null");
    else
        add_stamp(out, e->at);
    next_member(out, depth + 1);
    buf_adds(out, "\"ts\": ");
    if (e->ev->ts == STAMP_NONE)
        buf_adds(out, "null");
    else
        add_stamp(out, e->ev->ts);
    next_member(out, depth + 1);
    buf_adds(out, "\"by\": ");
    rc |= jsonout_string(out, e->ev->by, flags);
    next_member(out, depth + 1);
    buf_adds(out, "\"type\": ");
    rc |= jsonout_string(out, e->ev->type_name, flags);
    next_member(out, depth + 1);
    buf_adds(out, "\"text\": ");
    rc |= jsonout_string(out, e->text, flags);
    for (unsigned f = 0; f < e->ev->nfields && rc == 0; f++) {
        const struct event_field *fld = &e->ev->fields[f];
        bool seen = fld->kind == FIELD_RAW;
        for (size_t k = 0; k < nnames && !seen; k++)
            seen = strcmp(names[k], fld->key) == 0;
        if (seen)
            continue;
        names[nnames++] = fld->key;
        next_member(out, depth + 1);
        rc |= jsonout_string(out, fld->key, flags);
        buf_adds(out, ": ");
        if (e->edits && strcmp(fld->key, "edits") == 0) {
            buf_printf(out, "%u", e->edits);
            edits_written = true;
        } else if (fld->kind == FIELD_STRING) {
            rc |= jsonout_string(out, fld->value, flags);
        } else if (fld->kind == FIELD_BOOL) {
            buf_adds(out, fld->value[0] == 't' ? "true" : "false");
        } else if (fld->kind == FIELD_NUMBER) {
            buf_printf(out, "%lld", strtoll(fld->value, NULL, 10));
        } else {
            buf_adds(out, "null");
        }
    }
    if (e->edits && !edits_written) {
        next_member(out, depth + 1);
        buf_printf(out, "\"edits\": %u", e->edits);
    }
    newline_indent(out, depth);
    buf_addc(out, '}');
    return rc ? -1 : 0;
}

