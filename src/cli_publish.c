/* cli_publish — delivery from the command line: after a recording verb, and
 * `warroom flush`. Each waits a bounded time (--wait, else config
 * delivery.wait_seconds, else OUTBOX_WAIT_DEFAULT_S), then says on stderr what
 * stays queued; whatever is left is delivered by the next run or the console. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "warroom/cli.h"
#include "warroom/deliver.h"
#include "warroom/error.h"
#include "warroom/outbox.h"
#include "warroom/people.h"
#include "warroom/stamp.h"

/* A flush without --incident also covers incidents resolved this recently:
 * their resolution still has to go out. */
#define FLUSH_CLOSED_WITHIN (24 * STAMP_HOUR)

struct tally {
    size_t sent, pending, failed_now;
    bool error;
};

/* Appends "event sink\n" for every failed item: what had failed before. */
static void failed_keys(const struct outbox *ob, struct buf *out)
{
    buf_addc(out, '\n');
    for (size_t i = 0; i < outbox_count(ob); i++) {
        const struct outbox_item *it = outbox_item(ob, i);
        if (it->state == OUTBOX_FAILED)
            buf_printf(out, "%s %s\n", it->event_id, it->sink);
    }
}

/* Says per sink what did not go out: failures of this run, then what stays
 * queued with the state of the oldest item. */
static void report(const struct outbox *ob, const char *id, const struct buf *failed_before, struct tally *t,
                   int64_t wait)
{
    int64_t now = outbox_clock_ms();
    struct buf line = BUF_INIT;
    bool queued_any = false;
    for (size_t i = 0; i < outbox_count(ob); i++) {
        const struct outbox_item *it = outbox_item(ob, i);
        if (it->state != OUTBOX_FAILED)
            continue;
        buf_reset(&line);
        buf_printf(&line, "\n%s %s\n", it->event_id, it->sink);
        if (strstr(buf_str(failed_before), line.data))
            continue;
        t->failed_now++;
        buf_reset(&line);
        outbox_describe(&line, it, now);
        fprintf(stderr, "warroom: %s: %s %s %s\n", id, it->sink, publish_kind_name(it->kind), line.data);
    }
    for (size_t s = 0; s < outbox_sink_count(ob); s++) {
        const char *sink = outbox_sink_name(ob, s);
        const struct outbox_item *head = NULL;
        size_t n = 0;
        for (size_t i = 0; i < outbox_count(ob); i++) {
            const struct outbox_item *it = outbox_item(ob, i);
            if (strcmp(it->sink, sink) != 0 || it->state == OUTBOX_SENT || it->state == OUTBOX_FAILED)
                continue;
            if (!head)
                head = it;
            n++;
        }
        if (!n)
            continue;
        buf_reset(&line);
        if (head->state == OUTBOX_SENDING) {
            char span[32];
            buf_printf(&line, "no reply within %s", stamp_format_span(span, sizeof span, wait));
        } else {
            outbox_describe(&line, head, now);
        }
        fprintf(stderr, "warroom: %s: queued for %s: %zu (%s)\n", id, sink, n, line.data);
        queued_any = true;
    }
    if (queued_any)
        fprintf(stderr, "warroom: 'warroom flush' or an open console delivers what is queued\n");
    buf_free(&line);
}

static size_t count_sent(const struct outbox *ob)
{
    size_t n = 0;
    for (size_t i = 0; i < outbox_count(ob); i++)
        n += outbox_item(ob, i)->state == OUTBOX_SENT;
    return n;
}

/* Delivers what incident ID has pending, until DEADLINE (monotonic ms). */
static void deliver_incident(struct cli_context *c, const char *id, int64_t deadline, int64_t wait, bool flush,
                             struct tally *t)
{
    struct outbox *ob = NULL;
    struct incident *inc = NULL;
    struct buf before = BUF_INIT;
    char *path = store_log_path(&c->s.store, id);
    size_t pending, failed;

    if (outbox_open(&ob, &c->s.store, id, &c->s.config, c->s.have_policy ? &c->s.policy : NULL) < 0 ||
        incident_load(&inc, id, path) < 0)
        goto failed;
    cli_outbox_people(c, ob);
    if (outbox_sync(ob, inc, outbox_clock_ms()) < 0)
        goto failed;
    outbox_counts(ob, &pending, &failed);
    if (pending == 0)
        goto done;
    /* A verb whose own event publishes nothing (a note, an action item)
     * leaves the backlog to flush and the console instead of waiting on it. */
    if (!flush && (inc->nevents == 0 || outbox_items_of(ob, inc->events[inc->nevents - 1]->id, NULL, 0) == 0))
        goto done;
    int locked = outbox_lock(ob);
    if (locked < 0)
        goto failed;
    if (locked == 0) {
        fprintf(stderr, "warroom: %s: queued: the console (or another process) is delivering (%zu pending)\n", id,
                pending);
        t->pending += pending;
        goto done;
    }
    /* Under the lock, so the picture is the one this process acts on. */
    if (incident_follow(inc, &(bool){false}) < 0 || outbox_sync(ob, inc, outbox_clock_ms()) < 0)
        goto failed;
    failed_keys(ob, &before);
    size_t pending_before = 0, sent_before = count_sent(ob);
    outbox_counts(ob, &pending_before, &failed);
    if (outbox_run(ob, inc, deadline) < 0) {
        fprintf(stderr, "warroom: %s: delivery stopped: %s\n", id, error_last());
        t->error = true;
    }
    report(ob, id, &before, t, wait);
    outbox_counts(ob, &pending, &failed);
    t->pending += pending;
    size_t sent = count_sent(ob) - sent_before;
    t->sent += sent;
    if (flush && pending_before)
        printf("%s: %zu delivered, %zu queued, %zu failed\n", id, sent, pending, failed);
    goto done;
failed:
    fprintf(stderr, "warroom: %s: cannot deliver: %s\n", id, error_last());
    t->error = true;
done:
    outbox_free(ob);
    incident_free(inc);
    buf_free(&before);
    free(path);
}

void cli_outbox_people(struct cli_context *c, struct outbox *ob)
{
    /* read only when a sink names people (assignees, invites, mentions):
     * most runs need none; a broken directory costs those, not the delivery */
    if (!outbox_needs_people(ob))
        return;
    const struct people *people = session_people(&c->s);
    if (!people)
        fprintf(stderr, "warroom: warning: nobody's ids are known (no assignees, invites or mentions): %s\n", error_last());
    outbox_set_people(ob, people);
}

int cli_publish_after(struct cli_context *c, const char *id)
{
    int64_t wait = cli_wait_ms(c, "delivery.wait_seconds", OUTBOX_WAIT_DEFAULT_S);
    struct tally t = {0};
    fflush(stdout);
    deliver_incident(c, id, deliver_clock_ms() + wait, wait, false, &t);
    return t.error ? -1 : 0;
}

int cli_publish_pending(struct cli_context *c, const char *id)
{
    int64_t wait = cli_wait_ms(c, "delivery.wait_seconds", OUTBOX_WAIT_DEFAULT_S);
    struct tally t = {0};
    fflush(stdout);
    deliver_incident(c, id, deliver_clock_ms() + wait, wait, true, &t);
    return t.error ? -1 : 0;
}

static bool worth_flushing(const struct incident *inc, int64_t now)
{
    if (incident_is_open(inc))
        return true;
    return inc->resolved_at != STAMP_NONE && now - inc->resolved_at < FLUSH_CLOSED_WITHIN;
}

int cli_flush(struct cli_context *c)
{
    int64_t wait = cli_wait_ms(c, "delivery.wait_seconds", OUTBOX_WAIT_DEFAULT_S);
    struct tally t = {0};
    if (c->opts->nargs)
        return cli_usage_error("flush takes no arguments (name the incident with --incident ID)");
    if (session_load_policy(&c->s) < 0)
        return cli_fail();
    int64_t deadline = deliver_clock_ms() + wait;
    const char *named = session_env_or(c->opts->incident, "WARROOM_INCIDENT");
    if (named) {
        struct incident *inc;
        if (session_pick_incident(&c->s, &inc, true) < 0)
            return cli_fail();
        deliver_incident(c, inc->id, deadline, wait, true, &t);
        incident_free(inc);
    } else {
        char **ids;
        size_t n;
        if (store_list(&c->s.store, &ids, &n) < 0)
            return cli_fail();
        for (size_t i = 0; i < n; i++) {
            char *path = store_log_path(&c->s.store, ids[i]);
            struct incident *inc;
            if (incident_load(&inc, ids[i], path) < 0) {
                fprintf(stderr, "warroom: warning: skipping %s: %s\n", ids[i], error_last());
            } else {
                bool go = worth_flushing(inc, c->s.now);
                incident_free(inc);
                if (go)
                    deliver_incident(c, ids[i], deadline, wait, true, &t);
            }
            free(path);
        }
        store_list_free(ids, n);
    }
    return t.error || t.failed_now ? EXIT_FAILURE : 0;
}
