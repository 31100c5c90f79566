/* Fuzzes the webhook parsers: any bytes as a payload, in each format and
 * detected. A payload either parses or fails with a message; every alert it
 * gives holds only clean, bounded text, has an id, and becomes a record that
 * encodes within a record's bound and parses back. Never a crash, never a
 * leak. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "warroom/buf.h"
#include "warroom/error.h"
#include "warroom/event.h"
#include "warroom/intake.h"
#include "warroom/stamp.h"
#include "warroom/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_clean(const char *s, size_t max)
{
    if (!s || strlen(s) > max || !text_is_clean(s, strlen(s), 0))
        abort();
}

static void check_alert(const struct intake_alert *a)
{
    check_clean(a->name, INTAKE_NAME_MAX);
    check_clean(a->text, INTAKE_TEXT_MAX);
    check_clean(a->service, INTAKE_LABEL_VALUE_MAX);
    check_clean(a->severity, INTAKE_LABEL_VALUE_MAX);
    check_clean(a->fingerprint, 128);
    check_clean(a->by, 64);
    if (!*a->name || !*a->fingerprint || strlen(a->id) != 32 || a->starts_at == STAMP_NONE)
        abort();
    if (a->nlabels > INTAKE_LABELS_MAX || a->nannotations > INTAKE_ANNOTATIONS_MAX)
        abort();
    for (unsigned i = 0; i < a->nlabels; i++) {
        check_clean(a->labels[i].key, INTAKE_KEY_MAX);
        check_clean(a->labels[i].value, INTAKE_LABEL_VALUE_MAX);
        if (!*a->labels[i].key || strchr(a->labels[i].key, '.'))
            abort();
    }
    for (unsigned i = 0; i < a->nannotations; i++) {
        check_clean(a->annotations[i].key, INTAKE_KEY_MAX);
        check_clean(a->annotations[i].value, INTAKE_ANNOTATION_VALUE_MAX);
    }
    struct event_draft d;
    struct buf line = BUF_INIT;
    struct arena *arena = arena_new();
    struct event ev;
    intake_draft(&d, a);
    d.ts = 0;
    int rc = event_encode(&line, &d);
    event_draft_free(&d);
    /* a stamp outside 0001-9999 is refused by the encoder, saying so; nothing else may be */
    if (rc < 0 && !strstr(error_last(), "outside the years"))
        abort();
    if (rc == 0 && event_parse(&ev, arena, line.data, line.len - 1) < 0)
        abort();
    buf_free(&line);
    arena_free(arena);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const enum intake_format formats[] = {INTAKE_DETECT, INTAKE_ALERTMANAGER, INTAKE_GRAFANA,
                                                 INTAKE_PAGERDUTY};
    for (size_t f = 0; f < sizeof formats / sizeof *formats; f++) {
        struct intake_batch b;
        error_clear();
        if (intake_parse(&b, (const char *)data, size, formats[f], NULL) < 0) {
            if (!error_last()[0])
                abort();
            continue;
        }
        for (size_t i = 0; i < b.nalerts; i++)
            check_alert(&b.alerts[i]);
        intake_batch_free(&b);
    }
    return 0;
}
