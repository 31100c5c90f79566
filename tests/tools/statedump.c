/* statedump — loads a log as the console does and prints everything replay
 * derived, one fact a line, so that two ways of reaching a state (a fresh
 * replay; a load from a checkpoint, then following what was appended) can be
 * compared byte for byte.
 *
 * usage: statedump LOG [MORE]
 *   MORE  a file of records: after the load they are appended to LOG (one
 *         write, as another writer would) and followed, as the console
 *         follows, before the state is printed.
 * Exit 1 (with the message) when replay or following fails. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "warroom/buf.h"
#include "warroom/error.h"
#include "warroom/incident.h"

static void str(const char *name, const char *s)
{
    printf("%s %s\n", name, s ? s : "(none)");
}

static void num(const char *name, long long v)
{
    printf("%s %lld\n", name, v);
}

static int append(const char *log, const char *more)
{
    FILE *f = fopen(more, "rb");
    if (!f)
        return -1;
    struct buf b = BUF_INIT;
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_add(&b, chunk, n);
    fclose(f);
    int fd = open(log, O_WRONLY | O_APPEND);
    int rc = fd >= 0 && write(fd, b.data, b.len) == (ssize_t)b.len ? 0 : -1;
    if (fd >= 0)
        close(fd);
    buf_free(&b);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc != 2 && argc != 3) {
        fprintf(stderr, "usage: statedump LOG [MORE]\n");
        return 2;
    }
    struct incident *inc;
    if (incident_load(&inc, "inc-statedump", argv[1]) < 0) {
        fprintf(stderr, "statedump: %s\n", error_last());
        return 1;
    }
    if (argc == 3) {
        bool changed = false;
        if (append(argv[1], argv[2]) < 0 || incident_follow(inc, &changed) < 0 || !changed) {
            fprintf(stderr, "statedump: following: %s\n", error_last());
            incident_free(inc);
            return 1;
        }
    }
    num("events", (long long)inc->nevents);
    str("title", inc->title);
    str("impact", inc->impact);
    str("declared_by", inc->declared_by);
    num("sev", inc->sev);
    str("status", incident_status_name(inc->status));
    num("data_exposed", inc->data_exposed);
    const int64_t stamps[] = {inc->exposed_at, inc->declared_at, inc->impact_at, inc->detected_at, inc->acked_at,
                              inc->mitigated_at, inc->resolved_at, inc->last_update_at, inc->reopened_at,
                              inc->first_alert_at, inc->first_impact_at};
    for (size_t i = 0; i < sizeof stamps / sizeof *stamps; i++)
        printf("stamp %zu %lld\n", i, (long long)stamps[i]);
    for (size_t i = 0; i < inc->nsevs; i++)
        printf("sev %d %lld %s %s\n", inc->sevs[i].sev, (long long)inc->sevs[i].at, inc->sevs[i].by,
               inc->sevs[i].why ? inc->sevs[i].why : "");
    for (size_t i = 0; i < inc->nroles; i++)
        printf("role %s %s %lld %s\n", incident_role_name(inc->roles[i].role), inc->roles[i].name,
               (long long)inc->roles[i].at, inc->roles[i].by);
    for (int r = 0; r < ROLE_COUNT; r++)
        printf("holder %s %s\n", incident_role_name((enum role_kind)r), inc->holder[r]);
    for (size_t i = 0; i < inc->nsmes; i++)
        str("sme", inc->smes[i]);
    for (size_t i = 0; i < inc->nactions; i++) {
        const struct action_item *a = &inc->actions[i];
        printf("action %s %s|%s|%s|%s|%s|%s %lld %s\n", a->item, a->text, a->owner, a->due, a->priority, a->kind,
               a->status, (long long)a->created, a->first->id);
    }
    for (size_t i = 0; i < inc->nupdates; i++)
        str("update", inc->updates[i]->id);
    for (size_t i = 0; i < inc->nfired; i++)
        str("fired", inc->fired[i]);
    for (size_t i = 0; i < inc->nedits; i++)
        str("edit", inc->edits[i]->id);
    str("postmortem", inc->postmortem ? inc->postmortem->id : NULL);
    for (size_t i = 0; i < inc->ntimeline; i++) {
        const struct timeline_entry *e = &inc->timeline[i];
        printf("entry %s %s %lld %lld %u %s\n", e->ev->id, e->ev->type_name, (long long)e->at,
               (long long)e->happened, e->edits, e->text);
    }
    for (size_t i = 0; i < inc->nevents; i++) {
        const struct event *ev = inc->events[i];
        printf("event %u %s %s %s %lld %lld %d %lld", ev->line, ev->id, ev->type_name, ev->by, (long long)ev->ts,
               (long long)ev->at, ev->ahead, (long long)ev->seen);
        for (unsigned f = 0; f < ev->nfields; f++)
            printf(" %s=%d:%s", ev->fields[f].key, ev->fields[f].kind, ev->fields[f].value);
        printf("\n");
    }
    for (size_t i = 0; i < inc->reader.nwarnings; i++)
        str("warning", inc->reader.warnings[i]);
    incident_free(inc);
    return 0;
}
