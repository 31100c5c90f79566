/* genlog — writes a realistic incident log of N events (a declaration, then
 * mostly notes of a sentence or two, with the other types an incident has),
 * encoded exactly as warroom encodes them, for the benchmarks. Each status
 * update is followed by the delivery event that records it written to the
 * local updates.md, as a console would have left it. */
#include <stdio.h>
#include <stdlib.h>

#include "warroom/event.h"
#include "warroom/stamp.h"

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: genlog LOG COUNT\n");
        return 2;
    }
    static const char *const words[] = {"checkout", "gateway", "deploy", "rollback", "latency", "p99", "errors",
                                        "pool", "exhausted", "config", "canary", "region", "eu-west-1", "db",
                                        "replica", "lag", "cache", "hit", "ratio", "dropped", "to", "the", "is",
                                        "after", "since", "restarted", "pods", "502", "customers", "orders"};
    static const enum event_type mix[] = {EVENT_NOTE, EVENT_NOTE, EVENT_NOTE, EVENT_NOTE,  EVENT_NOTE,
                                          EVENT_NOTE, EVENT_ALERT, EVENT_UPDATE, EVENT_ROLE, EVENT_ACTION};
    FILE *f = fopen(argv[1], "w");
    if (!f) {
        perror(argv[1]);
        return 1;
    }
    long count = strtol(argv[2], NULL, 10);
    struct buf line = BUF_INIT;
    int64_t now = stamp_now();
    int64_t t0 = now - (int64_t)count * 1000 - STAMP_HOUR;
    srand(42);
    for (long i = 0; i < count; i++) {
        struct event_draft d;
        enum event_type type = i == 0 ? EVENT_DECLARE : mix[rand() % 10];
        event_draft_init(&d, type, "scribe");
        event_new_id(d.id);
        d.ts = t0 + (int64_t)i * 1000;
        d.at = rand() % 8 == 0 ? d.ts - 60000 : STAMP_NONE;
        char text[400];
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
            event_draft_str(&d, "state", "identified");
            event_draft_str(&d, "text", text);
            break;
        case EVENT_ROLE:
            event_draft_str(&d, "role", "sme");
            event_draft_str(&d, "name", "frank");
            break;
        case EVENT_ACTION:
            event_draft_str(&d, "item", "A1");
            event_draft_str(&d, "text", text);
            event_draft_str(&d, "owner", "dave");
            break;
        default:
            event_draft_str(&d, "text", text);
        }
        buf_reset(&line);
        if (event_encode(&line, &d) < 0)
            return 1;
        if (type == EVENT_UPDATE && i + 1 < count) {
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
    return fclose(f) == 0 ? 0 : 1;
}
