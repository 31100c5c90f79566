/* cli_actions — `warroom actions [--sync]`: the incident's action items with
 * their tickets, and with --sync what the tickets say back. Linear's ticket
 * for an item is the one its delivery created, with the id warroom chose
 * (sink_linear_issue_id), so asking needs nothing remembered beside the log:
 * one GraphQL query for all of them, and an `action` event for each item whose
 * ticket was completed (done) or canceled (wontfix) since. An item already in
 * that status gets no event, so running it twice records nothing twice. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "warroom/cli.h"
#include "warroom/deliver.h"
#include "warroom/error.h"
#include "warroom/event.h"
#include "warroom/incident.h"
#include "warroom/outbox.h"
#include "warroom/sink.h"
#include "warroom/text.h"

#define SYNC_WAIT_DEFAULT_S 10

struct ticket {
    const struct action_item *item;
    char id[SINK_LINEAR_UUID_LEN + 1];
    const char *identifier;  /* from the delivery record; NULL: not made yet */
    const char *state;       /* Linear's state type, once asked; NULL: not found */
};

/* Each item's ticket: made when a delivery to linear of its first event says so. */
static struct ticket *tickets_of(const struct incident *inc)
{
    struct ticket *t = xcalloc(inc->nactions + 1, sizeof *t);
    for (size_t i = 0; i < inc->nactions; i++) {
        t[i].item = &inc->actions[i];
        sink_linear_issue_id(t[i].id, inc->id, inc->actions[i].first->id);
    }
    for (size_t e = 0; e < inc->nevents; e++) {
        const struct event *ev = inc->events[e];
        const char *sink = event_str(ev, "sink"), *outcome = event_str(ev, "outcome");
        const char *update = event_str(ev, "update");
        if (ev->type != EVENT_DELIVERY || !sink || strcmp(sink, "linear") || !outcome ||
            strcmp(outcome, "delivered") || !update)
            continue;
        for (size_t i = 0; i < inc->nactions; i++) {
            if (strcmp(inc->actions[i].first->id, update) == 0) {
                const char *r = event_str(ev, "receipt");
                t[i].identifier = r && *r ? r : "ticket";
            }
        }
    }
    return t;
}

static void print_clean(const char *s, size_t max)
{
    struct buf b = BUF_INIT;
    sink_clean_line(&b, s && *s ? s : "-", max);
    fputs(buf_str(&b), stdout);
    buf_free(&b);
}

static void list_items(const struct incident *inc, const struct ticket *t)
{
    if (inc->nactions == 0) {
        printf("no action items in %s\n", inc->id);
        return;
    }
    for (size_t i = 0; i < inc->nactions; i++) {
        const struct action_item *a = t[i].item;
        print_clean(a->item, 16);
        putchar('\t');
        print_clean(a->status, 16);
        putchar('\t');
        print_clean(a->owner, 64);
        putchar('\t');
        print_clean(a->due, 16);
        putchar('\t');
        print_clean(t[i].identifier ? t[i].identifier : "no ticket", 32);
        putchar('\t');
        print_clean(a->text, 200);
        putchar('\n');
    }
}

/* One request, waited on for at most WAIT_MS. 0 with *RES filled, or < 0. */
static int ask(struct deliver_result *res, const struct deliver_request *req, int64_t wait_ms)
{
    struct deliver *d = NULL;
    int rc = deliver_new(&d);
    if (rc == 0)
        rc = deliver_add(d, req);
    int64_t deadline = deliver_clock_ms() + wait_ms;
    bool got = false;
    while (rc == 0 && !got) {
        if (deliver_perform(d) < 0) {
            rc = -1;
            break;
        }
        if ((got = deliver_next_result(d, res)))
            break;
        int64_t left = deadline - deliver_clock_ms();
        if (left <= 0) {
            rc = error_set("linear: no answer within %lld s", (long long)(wait_ms / 1000));
            break;
        }
        long t = deliver_next_timeout_ms(d);
        if (t < 0 || t > left)
            t = (long)left;
        if (t > 1000)
            t = 1000;
        rc = deliver_wait(d, NULL, 0, (int)t);
    }
    deliver_free(d);
    return rc;
}

/* Asks Linear for the states of the tickets made so far, into T[].state;
 * STATES owns what the pointers point at. */
static int ask_states(struct cli_context *c, struct ticket *t, size_t n, struct sink_linear_ticket **states,
                      size_t *nstates)
{
    struct sink_settings got = {0};
    struct buf body = BUF_INIT, reason = BUF_INIT, auth = BUF_INIT;
    int rc = -1;
    *states = NULL;
    *nstates = 0;
    if (!sink_linear_ops.configure(&got, &c->s.config)) {
        rc = error_set("linear is not configured: set LINEAR_API_KEY (see docs/howto-sinks.md)");
        goto done;
    }
    struct sink_target target = {.type = SINK_LINEAR, .url = got.url, .secret = got.secret,
                                 .public_url_prefix = config_string(&c->s.config, "sinks.linear.public_url_prefix")};
    const char *secrets[SINK_SECRETS_MAX + 1];
    sink_target_secrets(&target, secrets);
    if (got.problem) {
        struct buf p = BUF_INIT;
        sink_scrub(&p, got.problem, secrets);
        rc = error_set("linear is misconfigured: %s", buf_str(&p));
        buf_free(&p);
        goto done;
    }
    buf_printf(&auth, "Authorization: %s", got.secret);
    const char *headers[2] = {"Content-Type: application/json", auth.data};
    for (size_t from = 0; from < n; from += SINK_LINEAR_QUERY_IDS_MAX) {
        const char *ids[SINK_LINEAR_QUERY_IDS_MAX];
        size_t k = 0;
        for (size_t i = from; i < n && k < SINK_LINEAR_QUERY_IDS_MAX; i++)
            ids[k++] = t[i].id;
        buf_reset(&body);
        if (sink_linear_states_query(&body, ids, k) < 0)
            goto done;
        struct deliver_request req = {.method = "POST", .url = got.url, .headers = headers, .n_headers = 2,
                                      .body = body.data, .body_len = body.len, .connect_timeout_ms = 5000,
                                      .total_timeout_ms = 15000};
        struct deliver_result res;
        if (ask(&res, &req, cli_wait_ms(c, "delivery.wait_seconds", SYNC_WAIT_DEFAULT_S)) < 0)
            goto done;
        struct sink_linear_ticket *found = NULL;
        size_t nfound = 0;
        int prc = -1;
        if (res.error == DELIVER_OK && res.http_status == 200)
            prc = sink_linear_states_parse(&found, &nfound, res.body, res.body_len);
        if (prc < 0) {
            /* the provider's words, scrubbed, as for any delivery */
            buf_reset(&reason);
            if (res.error == DELIVER_OK && res.http_status == 200) {
                sink_scrub(&reason, error_last(), secrets);
            } else {
                char *shown = sink_mask_target_url(&target, got.url);
                sink_classify_at(SINK_LINEAR, &res, secrets, shown, &reason);
                free(shown);
            }
            rc = error_set("cannot read the tickets from linear: %s", buf_str(&reason));
            deliver_result_free(&res);
            goto done;
        }
        deliver_result_free(&res);
        *states = xrealloc(*states, (*nstates + nfound + 1) * sizeof **states);
        memcpy(*states + *nstates, found, nfound * sizeof *found);
        *nstates += nfound;
        free(found);
    }
    for (size_t i = 0; i < n; i++)
        for (size_t s = 0; s < *nstates; s++)
            if (strcmp(t[i].id, (*states)[s].id) == 0 && (*states)[s].state[0])
                t[i].state = (*states)[s].state;
    rc = 0;
done:
    buf_free(&body);
    buf_free(&reason);
    if (auth.data)
        memset(auth.data, 0, auth.cap);
    buf_free(&auth);
    free(got.url);
    if (got.secret)
        memset(got.secret, 0, strlen(got.secret));
    free(got.secret);
    free(got.page_id);
    free(got.source);
    free(got.extra);
    free(got.problem);
    return rc;
}

/* What an item's status becomes from its ticket's state type; NULL: no word. */
static const char *status_from(const char *state)
{
    if (!state)
        return NULL;
    if (strcmp(state, "completed") == 0)
        return "done";
    if (strcmp(state, "canceled") == 0)
        return "wontfix";
    return NULL;
}

static int sync_items(struct cli_context *c, const struct incident *inc, struct ticket *all)
{
    /* only tickets known to be made are asked about */
    struct ticket *made = xcalloc(inc->nactions + 1, sizeof *made);
    size_t n = 0, changed = 0;
    struct sink_linear_ticket *states = NULL;
    size_t nstates = 0;
    int rc = 0;
    for (size_t i = 0; i < inc->nactions; i++)
        if (all[i].identifier)
            made[n++] = all[i];
    if (n && ask_states(c, made, n, &states, &nstates) < 0) {
        rc = cli_fail();
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        const char *status = status_from(made[i].state);
        if (!status || strcmp(status, made[i].item->status) == 0)
            continue;
        struct event_draft d;
        event_draft_init(&d, EVENT_ACTION, c->s.by);
        event_draft_str(&d, "item", made[i].item->item);
        event_draft_str(&d, "status", status);
        event_draft_str(&d, "ticket", made[i].identifier);
        event_draft_str(&d, "via", "linear");
        int r = session_record(&c->s, inc->id, &d);
        event_draft_free(&d);
        if (r < 0) {
            rc = cli_fail();
            goto done;
        }
        printf("%s: %s (", made[i].item->item, status);
        print_clean(made[i].identifier, 32);
        printf(" %s)\n", made[i].state);
        changed++;
    }
    printf("%zu of %zu ticket%s changed an action item\n", changed, n, n == 1 ? "" : "s");
done:
    free(states);
    free(made);
    return rc;
}

int cli_actions(struct cli_context *c)
{
    struct incident *inc = NULL;
    int rc;
    if (c->opts->nargs)
        return cli_usage_error("actions takes no arguments (name the incident with --incident ID)");
    if (session_who_am_i(&c->s) < 0 || session_pick_incident(&c->s, &inc, true) < 0)
        return cli_fail();
    struct ticket *t = tickets_of(inc);
    if (c->opts->sync_tickets) {
        rc = sync_items(c, inc, t);
    } else {
        list_items(inc, t);
        rc = 0;
    }
    free(t);
    incident_free(inc);
    return rc;
}
