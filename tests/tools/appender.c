/* appender — appends COUNT notes to a log through log_append, printing each id
 * on stdout only after its append reported success. The concurrency and crash
 * tests run several at once and kill them at random moments. With INTERVAL_MS
 * it paces the appends and prints "id microseconds" (real time when the append
 * began), which the console benchmark joins with the console's trace. With
 * TARGET, each append is an edit of that event's text instead of a note. */
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "warroom/error.h"
#include "warroom/event.h"
#include "warroom/log.h"

int main(int argc, char **argv)
{
    if (argc < 4 || argc > 6) {
        fprintf(stderr, "usage: appender LOG COUNT TAG [INTERVAL_MS [TARGET]]\n");
        return 2;
    }
    long interval = argc >= 5 ? strtol(argv[4], NULL, 10) : -1;
    const char *target = argc == 6 ? argv[5] : NULL;
    struct incident_log log;
    if (log_open(&log, argv[1]) < 0) {
        fprintf(stderr, "appender: %s\n", error_last());
        return 1;
    }
    long count = strtol(argv[2], NULL, 10);
    for (long i = 0; i < count; i++) {
        struct event_draft d;
        char text[128];
        snprintf(text, sizeof text, "%s note %ld", argv[3], i);
        event_draft_init(&d, target ? EVENT_EDIT : EVENT_NOTE, argv[3]);
        if (target)
            event_draft_str(&d, "target", target);
        event_draft_str(&d, target ? "set.text" : "text", text);
        struct timespec began;
        clock_gettime(CLOCK_REALTIME, &began);
        int rc = log_append(&log, &d);
        if (rc == 0) {
            char line[EVENT_ID_MAX + 32];
            int n;
            if (interval >= 0) {
                n = snprintf(line, sizeof line, "%s %lld\n", d.id,
                             (long long)began.tv_sec * 1000000 + began.tv_nsec / 1000);
            } else {
                n = snprintf(line, sizeof line, "%s\n", d.id);
            }
            if (write(STDOUT_FILENO, line, (size_t)n) != n)
                rc = -1;
        } else {
            fprintf(stderr, "appender: %s\n", error_last());
        }
        event_draft_free(&d);
        if (interval > 0) {
            struct timespec pause = {interval / 1000, (interval % 1000) * 1000000};
            nanosleep(&pause, NULL);
        }
        if (rc < 0) {
            log_close(&log);
            return 1;
        }
    }
    log_close(&log);
    return 0;
}
