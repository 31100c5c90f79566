/* Fuzzes the log-line parser and the record encoder: any bytes as one line of
 * an incident's log. A line either parses or fails with a message; what parses
 * holds only clean text, and re-encoding it gives a record that parses again
 * to the same thing (and encodes again to the very same line). Never a crash,
 * never a leak. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "warroom/buf.h"
#include "warroom/error.h"
#include "warroom/event.h"
#include "warroom/stamp.h"
#include "warroom/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Text handed out by the parser is NUL-terminated at its length and clean. */
static void check_text(const char *s, size_t len)
{
    if (!s || strlen(s) != len)
        abort();
    if (!text_is_clean(s, len, TEXT_KEEP_NEWLINES | TEXT_KEEP_TABS))
        abort();
}

static void check_event(const struct event *ev)
{
    check_text(ev->id, strlen(ev->id));
    if (ev->id[0] == '\0' || strlen(ev->id) > EVENT_ID_MAX)
        abort();
    check_text(ev->type_name, strlen(ev->type_name));
    if (ev->type_name[0] == '\0' || (unsigned)ev->type >= EVENT_TYPE_COUNT)
        abort();
    if (event_type_from_name(ev->type_name) != ev->type)
        abort();
    check_text(ev->by, strlen(ev->by));
    if (ev->ts == STAMP_NONE || ev->at == STAMP_NONE || ev->nfields > EVENT_FIELDS_MAX)
        abort();
    for (unsigned i = 0; i < ev->nfields; i++) {
        const struct event_field *f = &ev->fields[i];
        check_text(f->key, strlen(f->key));
        if (f->key[0] == '\0')
            abort();
        if (strlen(f->value) != f->len)
            abort();
        switch (f->kind) {
        case FIELD_STRING:
            check_text(f->value, f->len);
            break;
        case FIELD_BOOL:
            if (strcmp(f->value, "true") != 0 && strcmp(f->value, "false") != 0)
                abort();
            break;
        case FIELD_NULL:
            if (strcmp(f->value, "null") != 0)
                abort();
            break;
        case FIELD_NUMBER:
            if (f->len == 0 || strspn(f->value, "0123456789+-.eE") != f->len)
                abort();
            break;
        case FIELD_RAW:
            if (f->value[0] != '[' || f->value[f->len - 1] != ']')
                abort();
            break;
        default:
            abort();
        }
        /* the accessors agree with the field list */
        const struct event_field *found = event_field(ev, f->key);
        if (!found || strcmp(found->key, f->key) != 0)
            abort();
        long long n;
        if (event_int(ev, f->key, &n) && found->kind != FIELD_NUMBER)
            abort();
        if (event_bool(ev, f->key) && strcmp(found->value, "true") != 0)
            abort();
        const char *s = event_str(ev, f->key);
        if (s && found->kind != FIELD_STRING)
            abort();
    }
}

/* A draft carrying everything EV holds, field kinds included. */
static void draft_from_event(struct event_draft *d, const struct event *ev)
{
    event_draft_init(d, ev->type, ev->by);
    d->type_name = ev->type_name;
    snprintf(d->id, sizeof d->id, "%s", ev->id);
    d->ts = ev->ts;
    d->at = ev->at;
    for (unsigned i = 0; i < ev->nfields && i < EVENT_FIELDS_MAX; i++) {
        d->fields[i].key = xstrdup(ev->fields[i].key);
        d->fields[i].value = xstrdup(ev->fields[i].value);
        d->fields[i].kind = ev->fields[i].kind;
        d->nfields++;
    }
}

/* Encodes EV into OUT (after what OUT holds). Returns the encoder's result;
 * a refusal must be for size, leaving OUT as it was. */
static int encode_event(struct buf *out, const struct event *ev)
{
    struct event_draft d;
    size_t before = out->len;
    draft_from_event(&d, ev);
    int rc = event_encode(out, &d);
    event_draft_free(&d);
    if (rc < 0) {
        if (!strstr(error_last(), "over the limit") || out->len != before)
            abort();
        return rc;
    }
    size_t len = out->len - before;
    const char *line = out->data + before;
    if (len < 2 || len > EVENT_RECORD_MAX || line[len - 1] != '\n' || memchr(line, '\n', len - 1))
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct arena *a = arena_new();
    struct buf first = BUF_INIT, second = BUF_INIT;
    struct event ev, back;

    error_clear();
    if (event_parse(&ev, a, (const char *)data, size) < 0) {
        if (error_last()[0] == '\0')
            abort();                      /* a failure always says why */
        goto done;
    }
    check_event(&ev);

    if (encode_event(&first, &ev) < 0)
        goto done;
    error_clear();
    if (event_parse(&back, a, first.data, first.len - 1) < 0) {
        fprintf(stderr, "re-encoded record does not parse: %s\n%s", error_last(), first.data);
        abort();
    }
    check_event(&back);
    if (strcmp(back.id, ev.id) != 0 || back.ts != ev.ts || back.at != ev.at || back.type != ev.type ||
        back.nfields != ev.nfields) {
        fprintf(stderr, "re-encoded record differs:\n%s", first.data);
        abort();
    }
    for (unsigned i = 0; i < ev.nfields; i++) {
        if (strcmp(back.fields[i].key, ev.fields[i].key) != 0 || back.fields[i].kind != ev.fields[i].kind)
            abort();
        if (ev.fields[i].kind != FIELD_STRING && strcmp(back.fields[i].value, ev.fields[i].value) != 0)
            abort();
    }
    /* the encoder's cleaning is settled: a second pass changes nothing */
    if (encode_event(&second, &back) < 0 || strcmp(first.data, second.data) != 0) {
        fprintf(stderr, "encoding is not stable:\n%s%s", first.data, buf_str(&second));
        abort();
    }

done:
    buf_free(&first);
    buf_free(&second);
    arena_free(a);
    return 0;
}
