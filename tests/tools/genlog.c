/* genlog — writes a realistic incident log of N events (a declaration, then
 * mostly notes of a sentence or two, with the other types an incident has),
 * encoded exactly as warroom encodes them, for the benchmarks. Each status
 * update is followed by the delivery event that records it written to the
 * local updates.md, as a console would have left it.
 *
 * usage: genlog LOG COUNT [KIND]
 *   classic  (the default) the mix the in-process benchmarks have always used
 *   notes    a declaration, then notes only
 *   mix      70% notes, then alerts, updates with their deliveries, roles,
 *            2% edits of earlier entries and 4% action items (new ones and
 *            changes to earlier ones)
 *   edits    a declaration, then notes and edits of earlier notes in turn
 *            (COUNT 200000 holds 100,000 edits)
 *   actions  a declaration, then one new action item per event
 *   pending  a declaration, then status updates that nothing has delivered
 * Every kind is deterministic for a given COUNT except the random ids. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "warroom/event.h"
#include "warroom/stamp.h"

enum kind { KIND_CLASSIC, KIND_NOTES, KIND_MIX, KIND_EDITS, KIND_ACTIONS, KIND_PENDING };

/* 100 slots per kind: what type event I gets */
static enum event_type pick(enum kind kind, long i)
{
    static const enum event_type classic[] = {EVENT_NOTE, EVENT_NOTE, EVENT_NOTE, EVENT_NOTE,  EVENT_NOTE,
                                              EVENT_NOTE, EVENT_ALERT, EVENT_UPDATE, EVENT_ROLE, EVENT_ACTION};
    if (i == 0)
        return EVENT_DECLARE;
    int r;
    switch (kind) {
    case KIND_NOTES:
        return EVENT_NOTE;
    case KIND_EDITS:
        return i % 2 ? EVENT_NOTE : EVENT_EDIT;
    case KIND_ACTIONS:
        return EVENT_ACTION;
    case KIND_PENDING:
        return EVENT_UPDATE;
    case KIND_MIX:
        r = rand() % 100;
        if (r < 70)
            return EVENT_NOTE;
        if (r < 80)
            return EVENT_ALERT;
        if (r < 88)
            return EVENT_UPDATE;   /* each followed by its delivery */
        if (r < 94)
            return EVENT_ROLE;
        if (r < 96)
            return EVENT_EDIT;
        return EVENT_ACTION;
    default:
        return classic[rand() % 10];
    }
}

int main(int argc, char **argv)
{
    if (argc != 3 && argc != 4) {
        fprintf(stderr, "usage: genlog LOG COUNT [classic|notes|mix|edits|actions|pending]\n");
        return 2;
    }
    static const char *const kinds[] = {"classic", "notes", "mix", "edits", "actions", "pending"};
    enum kind kind = KIND_CLASSIC;
    if (argc == 4) {
        size_t k = 0;
        while (k < sizeof kinds / sizeof *kinds && strcmp(kinds[k], argv[3]) != 0)
            k++;
        if (k == sizeof kinds / sizeof *kinds) {
            fprintf(stderr, "genlog: unknown kind %s\n", argv[3]);
            return 2;
        }
        kind = (enum kind)k;
    }
    static const char *const words[] = {"checkout", "gateway", "deploy", "rollback", "latency", "p99", "errors",
                                        "pool", "exhausted", "config", "canary", "region", "eu-west-1", "db",
                                        "replica", "lag", "cache", "hit", "ratio", "dropped", "to", "the", "is",
                                        "after", "since", "restarted", "pods", "502", "customers", "orders"};
    static const char *const people[] = {"carol", "dave", "erin", "frank", "grace", "heidi"};
    static const char *const roles[] = {"ic", "comms", "ops", "scribe", "sme"};
    static const char *const states[] = {"investigating", "identified", "monitoring"};
    FILE *f = fopen(argv[1], "w");
    if (!f) {
        perror(argv[1]);
        return 1;
    }
    long count = strtol(argv[2], NULL, 10);
    /* ids of the notes so far, for edits to name (a fixed-width table) */
    char (*notes)[EVENT_ID_MAX + 1] = kind == KIND_MIX || kind == KIND_EDITS
                                           ? calloc((size_t)(count > 0 ? count : 1), EVENT_ID_MAX + 1)
                                           : NULL;
    long nnotes = 0, nitems = 0;
    struct buf line = BUF_INIT;
    int64_t now = stamp_now();
    int64_t t0 = now - (int64_t)count * 1000 - STAMP_HOUR;
    srand(42);
    for (long i = 0; i < count; i++) {
        struct event_draft d;
        enum event_type type = pick(kind, i);
        if (type == EVENT_EDIT && nnotes == 0)
            type = EVENT_NOTE;
        event_draft_init(&d, type, kind == KIND_CLASSIC ? "scribe" : people[rand() % 6]);
        event_new_id(d.id);
        d.ts = t0 + (int64_t)i * 1000;
        d.at = kind != KIND_EDITS && rand() % 8 == 0 ? d.ts - 60000 : STAMP_NONE;
        char text[400], item[32];
        size_t n = 0;
        int words_in = 18 + rand() % 16;
        for (int w = 0; w < words_in; w++)
            n += (size_t)snprintf(text + n, sizeof text - n, "%s%s", w ? " " : "", words[rand() % 30]);
        switch (type) {
        case EVENT_DECLARE:
            event_draft_str(&d, "title", "Checkout failing for card payments");
            event_draft_int(&d, "sev", 1);
            break;
        case EVENT_UPDATE:
            event_draft_str(&d, "state", kind == KIND_CLASSIC ? "identified" : states[rand() % 3]);
            event_draft_str(&d, "text", text);
            break;
        case EVENT_ROLE:
            if (kind == KIND_CLASSIC) {
                event_draft_str(&d, "role", "sme");
                event_draft_str(&d, "name", "frank");
            } else {
                event_draft_str(&d, "role", roles[rand() % 5]);
                event_draft_str(&d, "name", people[rand() % 6]);
            }
            break;
        case EVENT_ACTION:
            if (kind == KIND_CLASSIC) {
                event_draft_str(&d, "item", "A1");
            } else if (kind == KIND_MIX && nitems && rand() % 2) {
                /* a change to an earlier item: its owner or status */
                snprintf(item, sizeof item, "A%ld", 1 + rand() % nitems);
                event_draft_str(&d, "item", item);
                if (rand() % 2)
                    event_draft_str(&d, "owner", people[rand() % 6]);
                else
                    event_draft_str(&d, "status", "done");
                break;
            } else {
                snprintf(item, sizeof item, "A%ld", ++nitems);
                event_draft_str(&d, "item", item);
            }
            event_draft_str(&d, "text", text);
            event_draft_str(&d, "owner", kind == KIND_CLASSIC ? "dave" : people[rand() % 6]);
            break;
        case EVENT_EDIT:
            event_draft_str(&d, "target", notes[rand() % nnotes]);
            event_draft_str(&d, "set.text", text);
            break;
        default:
            event_draft_str(&d, "text", text);
            if (notes && type == EVENT_NOTE)
                memcpy(notes[nnotes++], d.id, sizeof d.id);
        }
        buf_reset(&line);
        if (event_encode(&line, &d) < 0)
            return 1;
        if (type == EVENT_UPDATE && kind != KIND_PENDING && i + 1 < count) {
            struct event_draft done;
            event_draft_init(&done, EVENT_DELIVERY, "warroom");
            event_new_id(done.id);
            done.ts = d.ts + 1;
            event_draft_str(&done, "update", d.id);
            event_draft_str(&done, "sink", "file");
            event_draft_str(&done, "outcome", "delivered");
            event_draft_int(&done, "attempt", 1);
            if (event_encode(&line, &done) < 0)
                return 1;
            event_draft_free(&done);
            i++;
        }
        fwrite(line.data, 1, line.len, f);
        event_draft_free(&d);
    }
    buf_free(&line);
    free(notes);
    return fclose(f) == 0 ? 0 : 1;
}
