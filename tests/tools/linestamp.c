/* linestamp — reads log lines on stdin (from `tail -F`) and prints
 * "id microseconds" as each arrives: the baseline for the console's
 * event-to-screen latency. */
#include <stdio.h>
#include <string.h>
#include <time.h>

int main(void)
{
    char line[70000];
    while (fgets(line, sizeof line, stdin)) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        char *id = strstr(line, "\"id\":\"");
        if (!id)
            continue;
        id += 6;
        char *end = strchr(id, '"');
        if (!end)
            continue;
        printf("%.*s %lld\n", (int)(end - id), id, (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000);
        fflush(stdout);
    }
    return 0;
}
