#include "warroom/jsonout.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "warroom/buf.h"
#include "warroom/stamp.h"

/* An element two levels down is indented four spaces more than on its own:
 * every line after the first gets them (jansson escapes newlines inside
 * strings, so each one here is between tokens). Gathered in a buffer, so an
 * entry costs one write however many pieces jansson hands over. */
static int add_nested(const char *data, size_t size, void *ctx)
{
    struct buf *out = ctx;
    const char *end = data + size;
    while (data < end) {
        const char *nl = memchr(data, '\n', (size_t)(end - data));
        size_t n = nl ? (size_t)(nl - data + 1) : (size_t)(end - data);
        buf_add(out, data, n);
        if (nl)
            buf_adds(out, "    ");
        data += n;
    }
    return 0;
}

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
    const unsigned char *p = (const unsigned char *)s;
    buf_addc(out, '"');
    while (*p) {
        const unsigned char *run = p;
        /* what is written as it is goes in one piece */
        while (*p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\' && !(*p == '/' && slash))
            p++;
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

int jsonout_object(FILE *f, const json_t *o, const char *key, size_t n, json_t *(*item)(const void *ctx, size_t i),
                   const void *ctx, size_t flags)
{
    return jsonout_object_text(f, o, key, n, NULL, item, ctx, flags);
}

int jsonout_object_text(FILE *f, const json_t *o, const char *key, size_t n,
                        int (*write)(struct buf *out, const void *ctx, size_t i),
                        json_t *(*item)(const void *ctx, size_t i), const void *ctx, size_t flags)
{
    flags |= JSON_INDENT(2);
    char *text = json_dumps(o, flags);
    if (!text)
        return -1;
    /* the placeholder: KEY at the top level is the only one two spaces in */
    struct buf mark = BUF_INIT;
    buf_adds(&mark, "\n  ");
    json_t *name = json_string(key);
    char *quoted = name ? json_dumps(name, JSON_ENCODE_ANY | (flags & JSON_ENSURE_ASCII)) : NULL;
    json_decref(name);
    buf_adds(&mark, quoted ? quoted : "");
    free(quoted);
    buf_adds(&mark, ": []");
    char *at = strstr(text, buf_str(&mark));
    int rc = 0;
    if (!at || n == 0) {
        rc = fputs(text, f) == EOF ? -1 : 0;
        goto done;
    }
    size_t head = (size_t)(at - text) + mark.len - 1;   /* up to and with the '[' */
    if (fwrite(text, 1, head, f) != head)
        rc = -1;
    struct buf entry = BUF_INIT;
    struct buf made = BUF_INIT;
    for (size_t i = 0; i < n && rc == 0; i++) {
        buf_reset(&entry);
        buf_adds(&entry, i ? ",\n    " : "\n    ");
        buf_reset(&made);
        if (write && write(&made, ctx, i) == 0) {
            add_nested(made.data, made.len, &entry);
        } else {
            /* what TEXT cannot write, jansson does */
            json_t *e = item(ctx, i);
            if (!e || json_dump_callback(e, add_nested, &entry, flags) < 0)
                rc = -1;
            json_decref(e);
        }
        if (rc == 0 && fwrite(entry.data, 1, entry.len, f) != entry.len)
            rc = -1;
    }
    buf_free(&made);
    buf_free(&entry);
    if (rc == 0 && (fputs("\n  ]", f) == EOF || fputs(text + head + 1, f) == EOF))
        rc = -1;
done:
    buf_free(&mark);
    free(text);
    return rc;
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

int jsonout_entry_text(struct buf *out, const struct timeline_entry *e, size_t flags)
{
    const char *names[EVENT_FIELDS_MAX + 6] = {"id", "at", "ts", "by", "type", "text"};
    size_t nnames = 6;
    bool edits_written = false;
    int rc = 0;
    buf_adds(out, "{\n  \"id\": ");
    rc |= jsonout_string(out, e->ev->id, flags);
    buf_adds(out, ",\n  \"at\": ");
    if (e->at == STAMP_NONE)
        buf_adds(out, "null");
    else
        add_stamp(out, e->at);
    buf_adds(out, ",\n  \"ts\": ");
    if (e->ev->ts == STAMP_NONE)
        buf_adds(out, "null");
    else
        add_stamp(out, e->ev->ts);
    buf_adds(out, ",\n  \"by\": ");
    rc |= jsonout_string(out, e->ev->by, flags);
    buf_adds(out, ",\n  \"type\": ");
    rc |= jsonout_string(out, e->ev->type_name, flags);
    buf_adds(out, ",\n  \"text\": ");
    rc |= jsonout_string(out, e->text, flags);
    for (unsigned f = 0; f < e->ev->nfields && rc == 0; f++) {
        const struct event_field *fld = &e->ev->fields[f];
        bool seen = fld->kind == FIELD_RAW;
        for (size_t k = 0; k < nnames && !seen; k++)
            seen = strcmp(names[k], fld->key) == 0;
        if (seen)
            continue;
        names[nnames++] = fld->key;
        buf_adds(out, ",\n  ");
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
    if (e->edits && !edits_written)
        buf_printf(out, ",\n  \"edits\": %u", e->edits);
    buf_adds(out, "\n}");
    return rc ? -1 : 0;
}

