/* bench_replay — replay of a 100,000-event log (about 25 MB): time and peak
 * memory, against `jq -c . LOG > /dev/null` on the same file.
 * Targets (issue #2): under 0.25 s, under 64 MiB, at least 3 times faster than jq.
 * Figures are printed, never asserted. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "warroom/error.h"
#include "warroom/incident.h"

#define EVENTS 100000
#define RUNS 5

static double seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int compare(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The log comes from genlog, the generator the console benchmark uses too. */
static void generate(const char *path)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "build/tools/genlog '%s' %d", path, EVENTS);
    if (system(cmd) != 0) {
        fprintf(stderr, "cannot generate %s (is build/tools/genlog built?)\n", path);
        exit(1);
    }
}

/* Replays in a child so its peak resident memory is its own. */
static double replay_once(const char *path, long *peak_kib)
{
    double start = seconds();
    pid_t pid = fork();
    if (pid == 0) {
        struct incident *inc;
        if (incident_load(&inc, "inc-bench", path) < 0) {
            fprintf(stderr, "replay failed: %s\n", error_last());
            _exit(1);
        }
        _exit(inc->nevents == EVENTS ? 0 : 2);
    }
    int status;
    struct rusage ru;
    wait4(pid, &status, 0, &ru);
    double elapsed = seconds() - start;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "replay child failed (%d)\n", status);
        exit(1);
    }
    *peak_kib = ru.ru_maxrss;
    return elapsed;
}

static double jq_once(const char *path)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "jq -c . '%s' > /dev/null", path);
    double start = seconds();
    if (system(cmd) != 0) {
        fprintf(stderr, "jq failed\n");
        exit(1);
    }
    return seconds() - start;
}

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "build/bench/replay-100k.jsonl";
    struct stat st;
    if (stat(path, &st) < 0) {
        generate(path);
        stat(path, &st);
    }
    double ours[RUNS], theirs[RUNS];
    long peak = 0, kib;
    replay_once(path, &kib);                 /* warm the page cache for both */
    jq_once(path);
    for (int i = 0; i < RUNS; i++) {
        ours[i] = replay_once(path, &kib);
        if (kib > peak)
            peak = kib;
        theirs[i] = jq_once(path);
    }
    qsort(ours, RUNS, sizeof(double), compare);
    qsort(theirs, RUNS, sizeof(double), compare);
    double mine = ours[RUNS / 2], jq = theirs[RUNS / 2];
    printf("replay: %d events, %.1f MB log\n", EVENTS, (double)st.st_size / 1e6);
    printf("  warroom replay     median %.3f s (best %.3f)   target < 0.25 s\n", mine, ours[0]);
    printf("  peak memory        %.1f MiB                   target < 64 MiB\n", (double)peak / 1024.0);
    printf("  jq -c . >/dev/null median %.3f s\n", jq);
    printf("  ratio              %.1fx faster than jq        target >= 3x\n", jq / mine);
    return 0;
}
