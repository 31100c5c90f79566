/* appender — appends COUNT notes to a log through log_append, printing each id
 * on stdout only after its append reported success. The concurrency and crash
 * tests run several at once and kill them at random moments. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "warroom/error.h"
#include "warroom/event.h"
#include "warroom/log.h"

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: appender LOG COUNT TAG\n");
        return 2;
    }
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
        event_draft_init(&d, EVENT_NOTE, argv[3]);
        event_draft_str(&d, "text", text);
        int rc = log_append(&log, &d);
        if (rc == 0) {
            char line[EVENT_ID_MAX + 2];
            int n = snprintf(line, sizeof line, "%s\n", d.id);
            if (write(STDOUT_FILENO, line, (size_t)n) != n)
                rc = -1;
        } else {
            fprintf(stderr, "appender: %s\n", error_last());
        }
        event_draft_free(&d);
        if (rc < 0) {
            log_close(&log);
            return 1;
        }
    }
    log_close(&log);
    return 0;
}
