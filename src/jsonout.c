#include "warroom/jsonout.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "warroom/buf.h"

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

int jsonout_object(FILE *f, const json_t *o, const char *key, size_t n, json_t *(*item)(const void *ctx, size_t i),
                   const void *ctx, size_t flags)
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
    for (size_t i = 0; i < n && rc == 0; i++) {
        json_t *e = item(ctx, i);
        buf_reset(&entry);
        buf_adds(&entry, i ? ",\n    " : "\n    ");
        if (!e || json_dump_callback(e, add_nested, &entry, flags) < 0 || fwrite(entry.data, 1, entry.len, f) != entry.len)
            rc = -1;
        json_decref(e);
    }
    buf_free(&entry);
    if (rc == 0 && (fputs("\n  ]", f) == EOF || fputs(text + head + 1, f) == EOF))
        rc = -1;
done:
    buf_free(&mark);
    free(text);
    return rc;
}
