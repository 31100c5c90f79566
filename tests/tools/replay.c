/* replay — loads a log as the console would and prints what replay found:
 * "events N notes N timeline N warnings N", then each warning, then, with
 * --ids, every event id. Exit 1 (with the message) when replay fails. */
#include <stdio.h>
#include <string.h>

#include "warroom/error.h"
#include "warroom/incident.h"

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: replay LOG [--ids]\n");
        return 2;
    }
    struct incident *inc;
    if (incident_load(&inc, "inc-replay", argv[1]) < 0) {
        fprintf(stderr, "replay: %s\n", error_last());
        return 1;
    }
    size_t notes = 0;
    for (size_t i = 0; i < inc->nevents; i++)
        notes += inc->events[i]->type == EVENT_NOTE;
    printf("events %zu notes %zu timeline %zu warnings %zu\n", inc->nevents, notes, inc->ntimeline,
           inc->reader.nwarnings);
    for (size_t i = 0; i < inc->reader.nwarnings; i++)
        printf("warning: %s\n", inc->reader.warnings[i]);
    if (argc > 2 && strcmp(argv[2], "--ids") == 0)
        for (size_t i = 0; i < inc->nevents; i++)
            printf("%s\n", inc->events[i]->id);
    incident_free(inc);
    return 0;
}
