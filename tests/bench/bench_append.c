/* bench_append — append latency through log_append (flock, one write,
 * fdatasync) against a bare write + fdatasync of the same bytes.
 * Target (issue #2): p50 within 1.5 times the bare figure. Printed, not asserted. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "warroom/error.h"
#include "warroom/event.h"
#include "warroom/log.h"

#define APPENDS 1000

static double micros(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int compare(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static const char text[] = "Deploy #4521 of payment-gateway pushed (config change); error rate rising in eu-west-1";

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "build/bench";
    char ours_path[512], bare_path[512];
    snprintf(ours_path, sizeof ours_path, "%s/append-ours.jsonl", dir);
    snprintf(bare_path, sizeof bare_path, "%s/append-bare.jsonl", dir);
    unlink(ours_path);
    unlink(bare_path);
    static double ours[APPENDS], bare[APPENDS];
    struct incident_log log;
    if (log_open(&log, ours_path) < 0) {
        fprintf(stderr, "%s\n", error_last());
        return 1;
    }
    int fd = open(bare_path, O_WRONLY | O_APPEND | O_CREAT, 0600);
    struct buf line = BUF_INIT;
    for (int i = 0; i < APPENDS; i++) {
        /* interleaved, so both see the same disk weather */
        struct event_draft d;
        event_draft_init(&d, EVENT_NOTE, "scribe");
        event_draft_str(&d, "text", text);
        double t = micros();
        if (log_append(&log, &d) < 0) {
            fprintf(stderr, "%s\n", error_last());
            return 1;
        }
        ours[i] = micros() - t;
        buf_reset(&line);
        event_encode(&line, &d);          /* the same bytes, written bare */
        event_draft_free(&d);
        t = micros();
        if (write(fd, line.data, line.len) != (ssize_t)line.len || fdatasync(fd) < 0) {
            perror("bare write");
            return 1;
        }
        bare[i] = micros() - t;
    }
    buf_free(&line);
    close(fd);
    log_close(&log);
    qsort(ours, APPENDS, sizeof(double), compare);
    qsort(bare, APPENDS, sizeof(double), compare);
    double p50 = ours[APPENDS / 2], p99 = ours[APPENDS * 99 / 100];
    double b50 = bare[APPENDS / 2], b99 = bare[APPENDS * 99 / 100];
    printf("append: %d records of ~%zu bytes\n", APPENDS, sizeof text + 100);
    printf("  log_append          p50 %7.0f us   p99 %7.0f us\n", p50, p99);
    printf("  write + fdatasync   p50 %7.0f us   p99 %7.0f us\n", b50, b99);
    printf("  ratio               p50 %.2fx   p99 %.2fx          target p50 <= 1.5x\n", p50 / b50, p99 / b99);
    unlink(ours_path);
    unlink(bare_path);
    return 0;
}
