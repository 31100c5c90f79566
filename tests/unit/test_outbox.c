/* Unit tests for the outbox: what is pending, derived from the log; the local
 * updates.md; sink configuration; the delivery lock; previews with secrets
 * masked; update texts. Network delivery is tested end to end against a real
 * receiver in tests/cli/test_publish.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "warroom/buf.h"
#include "warroom/config.h"
#include "warroom/error.h"
#include "warroom/event.h"
#include "warroom/incident.h"
#include "warroom/log.h"
#include "warroom/outbox.h"
#include "warroom/policy.h"
#include "warroom/stamp.h"
#include "warroom/store.h"

#define SLACK_SECRET "T0UNIT/B0UNIT/unitslacksecret777"
#define PD_KEY "unitpdroutingkey0123456789abcdef"
#define SP_PAGE "unitpageid55"
#define SP_KEY "unitspkey4321qqz"

struct world {
    char dir[64];
    char config_path[96];
    struct store store;
    struct config config;
    struct policy policy;
    char id[STORE_ID_MAX + 1];
    char *log_path;
};

static const char *const env_names[] = {
    "WARROOM_SLACK_WEBHOOK", "PAGERDUTY_ROUTING_KEY", "WARROOM_PAGERDUTY_URL", "STATUSPAGE_PAGE_ID",
    "STATUSPAGE_API_KEY", "WARROOM_STATUSPAGE_URL", "WARROOM_WEBHOOK_URL", NULL,
};

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    chmod(path, 0600);
}

static char *read_all(const char *path)
{
    struct buf b = BUF_INIT;
    FILE *f = fopen(path, "r");
    if (!f)
        return xstrdup("");
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_add(&b, chunk, n);
    fclose(f);
    return b.data ? buf_detach(&b) : xstrdup("");
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

/* A store with one declared incident and config CONFIG_JSON. */
static void world_open(struct world *w, const char *config_json)
{
    for (size_t i = 0; env_names[i]; i++)
        unsetenv(env_names[i]);
    snprintf(w->dir, sizeof w->dir, "/tmp/test_outbox.XXXXXX");
    assert_non_null(mkdtemp(w->dir));
    snprintf(w->config_path, sizeof w->config_path, "%s/config.json", w->dir);
    write_file(w->config_path, config_json);
    assert_int_equal(config_load(&w->config, w->config_path), 0);
    char data[128];
    snprintf(data, sizeof data, "%s/data", w->dir);
    assert_int_equal(store_open(&w->store, data), 0);
    assert_int_equal(policy_builtin(&w->policy), 0);
    assert_int_equal(store_create(&w->store, "Checkout down", stamp_now(), w->id), 0);
    w->log_path = store_log_path(&w->store, w->id);
}

static void world_close(struct world *w)
{
    char cmd[160];
    free(w->log_path);
    policy_free(&w->policy);
    config_free(&w->config);
    store_close(&w->store);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", w->dir);
    assert_int_equal(system(cmd), 0);
    for (size_t i = 0; env_names[i]; i++)
        unsetenv(env_names[i]);
}

/* Appends an event; returns its id in ID (may be NULL). */
static void append(struct world *w, struct event_draft *d, char id[EVENT_ID_MAX + 1])
{
    struct incident_log log;
    assert_int_equal(log_open(&log, w->log_path), 0);
    assert_int_equal(log_append(&log, d), 0);
    log_close(&log);
    if (id)
        snprintf(id, EVENT_ID_MAX + 1, "%s", d->id);
    event_draft_free(d);
}

static void declare(struct world *w, char id[EVENT_ID_MAX + 1])
{
    struct event_draft d;
    event_draft_init(&d, EVENT_DECLARE, "carol");
    event_draft_str(&d, "title", "Checkout down");
    event_draft_int(&d, "sev", 1);
    event_draft_str(&d, "impact", "orders fail");
    append(w, &d, id);
}

static void update(struct world *w, const char *state, const char *text, char id[EVENT_ID_MAX + 1])
{
    struct event_draft d;
    event_draft_init(&d, EVENT_UPDATE, "carol");
    event_draft_str(&d, "state", state);
    event_draft_str(&d, "text", text);
    append(w, &d, id);
}

static void delivery(struct world *w, const char *target, const char *sink, const char *outcome, int attempt,
                     int status, const char *error, int64_t next_at)
{
    struct event_draft d;
    char iso[STAMP_TEXT_MAX];
    event_draft_init(&d, EVENT_DELIVERY, "warroom");
    event_draft_str(&d, "update", target);
    event_draft_str(&d, "sink", sink);
    event_draft_str(&d, "outcome", outcome);
    event_draft_int(&d, "attempt", attempt);
    if (status)
        event_draft_int(&d, "status", status);
    if (error)
        event_draft_str(&d, "error", error);
    if (next_at)
        event_draft_str(&d, "next_at", stamp_format_iso(iso, next_at));
    append(w, &d, NULL);
}

static struct incident *load(struct world *w)
{
    struct incident *inc;
    assert_int_equal(incident_load(&inc, w->id, w->log_path), 0);
    return inc;
}

/* The item of EVENT on SINK, or NULL. */
static const struct outbox_item *item_of(const struct outbox *ob, const char *event, const char *sink)
{
    const struct outbox_item *items[8];
    size_t n = outbox_items_of(ob, event, items, 8);
    for (size_t i = 0; i < n && i < 8; i++)
        if (strcmp(items[i]->sink, sink) == 0)
            return items[i];
    return NULL;
}

/* ---- offline: updates.md ---- */

static void test_offline_updates_written_once(void **state)
{
    (void)state;
    struct world w;
    struct outbox *ob;
    char u1[EVENT_ID_MAX + 1], u2[EVENT_ID_MAX + 1];
    world_open(&w, "{}");
    declare(&w, NULL);
    update(&w, "investigating", "Looking at *orders*", u1);
    update(&w, "identified", "Bad deploy #4521", u2);
    struct incident *inc = load(&w);
    assert_int_equal(outbox_open(&ob, &w.store, w.id, &w.config, &w.policy), 0);

    /* only the file sink; the declaration goes nowhere */
    assert_int_equal(outbox_sink_count(ob), 1);
    assert_string_equal(outbox_sink_name(ob, 0), OUTBOX_FILE_SINK);
    assert_int_equal(outbox_sync(ob, inc, outbox_clock_ms()), 0);
    assert_int_equal(outbox_count(ob), 2);
    assert_int_equal(item_of(ob, u1, "file")->state, OUTBOX_QUEUED);

    /* without the lock nothing is written */
    char *md_path = store_incident_file(&w.store, w.id, OUTBOX_UPDATES_FILE);
    assert_int_equal(access(md_path, F_OK), -1);

    assert_int_equal(outbox_lock(ob), 1);
    assert_int_equal(outbox_sync(ob, inc, outbox_clock_ms()), 0);
    assert_int_equal(item_of(ob, u1, "file")->state, OUTBOX_SENT);
    assert_int_equal(item_of(ob, u2, "file")->state, OUTBOX_SENT);
    char *md = read_all(md_path);
    assert_int_equal(count(md, "\n## "), 2);
    assert_non_null(strstr(md, "Looking at \\*orders\\*"));  /* inert Markdown */
    assert_true(strstr(md, "investigating") < strstr(md, "identified"));
    struct stat st;
    assert_int_equal(stat(md_path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);

    /* replayed: the delivery events say they are written; nothing written twice */
    bool changed;
    assert_int_equal(incident_follow(inc, &changed), 0);
    assert_true(changed);
    assert_int_equal(outbox_sync(ob, inc, outbox_clock_ms()), 0);
    outbox_free(ob);
    assert_int_equal(outbox_open(&ob, &w.store, w.id, &w.config, &w.policy), 0);
    assert_int_equal(outbox_lock(ob), 1);
    assert_int_equal(outbox_sync(ob, inc, outbox_clock_ms()), 0);
    char *again = read_all(md_path);
    assert_string_equal(md, again);
    size_t pending, failed;
    outbox_counts(ob, &pending, &failed);
    assert_int_equal(pending, 0);
    assert_int_equal(failed, 0);
    char *log = read_all(w.log_path);
    assert_int_equal(count(log, "\"sink\":\"file\""), 2);

    free(log);
    free(again);
    free(md);
    free(md_path);
    outbox_free(ob);
    incident_free(inc);
    world_close(&w);
}

/* The composer's preview of the file sink is what updates.md gets, byte for
 * byte: the author's name and the update's own time, not "unknown" and the
 * wall clock. */
static void test_preview_is_what_is_written(void **state)
{
    (void)state;
    struct world w;
    struct outbox *ob;
    const int64_t at = INT64_C(1742050800000); /* 2025-03-15T15:00:00Z */
    world_open(&w, "{}");
    declare(&w, NULL);
    struct incident *inc = load(&w);
    assert_int_equal(outbox_open(&ob, &w.store, w.id, &w.config, &w.policy), 0);
    struct outbox_preview *p;
    size_t n;
    assert_int_equal(outbox_preview(&p, &n, ob, inc, "identified", "Bad deploy #4521", "dan", at), 0);
    assert_int_equal(n, 1);
    assert_non_null(strstr(p[0].body, "## 2025-03-15 15:00:00 UTC"));
    assert_non_null(strstr(p[0].body, "by dan"));
    struct event_draft d;
    event_draft_init(&d, EVENT_UPDATE, "dan");
    d.at = at;
    event_draft_str(&d, "state", "identified");
    event_draft_str(&d, "text", "Bad deploy #4521");
    append(&w, &d, NULL);
    incident_free(inc);
    inc = load(&w);
    assert_int_equal(outbox_lock(ob), 1);
    assert_int_equal(outbox_sync(ob, inc, outbox_clock_ms()), 0);
    char *md_path = store_incident_file(&w.store, w.id, OUTBOX_UPDATES_FILE);
    char *md = read_all(md_path);
    assert_non_null(strstr(md, p[0].body));
    free(md);
    free(md_path);
    outbox_preview_free(p, n);
    outbox_free(ob);
    incident_free(inc);
    world_close(&w);
}

/* A crash between writing updates.md and recording it: the section's marker
 * keeps it from being written twice. */
static void test_offline_marker_prevents_duplicate(void **state)
{
    (void)state;
    struct world w;
    struct outbox *ob;
    char u1[EVENT_ID_MAX + 1];
    world_open(&w, "{}");
    declare(&w, NULL);
    update(&w, "investigating", "first", u1);
    char *md_path = store_incident_file(&w.store, w.id, OUTBOX_UPDATES_FILE);
    struct buf pre = BUF_INIT;
    buf_printf(&pre, "## written before the crash\n\nfirst\n\n<!-- warroom update %s -->\n\n", u1);
    write_file(md_path, pre.data);
    struct incident *inc = load(&w);
    assert_int_equal(outbox_open(&ob, &w.store, w.id, &w.config, NULL), 0);
    assert_int_equal(outbox_lock(ob), 1);
    assert_int_equal(outbox_sync(ob, inc, outbox_clock_ms()), 0);
    char *md = read_all(md_path);
    assert_string_equal(md, pre.data);
    assert_int_equal(item_of(ob, u1, "file")->state, OUTBOX_SENT);
    free(md);
    buf_free(&pre);
    free(md_path);
    outbox_free(ob);
    incident_free(inc);
    world_close(&w);
}

/* ---- pending, derived from delivery events ---- */

static void test_pending_from_delivery_events(void **state)
{
    (void)state;
    struct world w;
    struct outbox *ob;
    char dec[EVENT_ID_MAX + 1], u1[EVENT_ID_MAX + 1], u2[EVENT_ID_MAX + 1], ack[EVENT_ID_MAX + 1];
    world_open(&w, "{\"sinks\": {\"slack\": {\"webhook_url\": \"http://127.0.0.1:9/services/" SLACK_SECRET "\"},"
                   " \"pagerduty\": {\"routing_key\": \"" PD_KEY "\", \"url\": \"http://127.0.0.1:9/v2/enqueue\"}}}");
    declare(&w, dec);
    update(&w, "investigating", "looking", u1);
    update(&w, "identified", "found", u2);
    struct event_draft d;
    event_draft_init(&d, EVENT_ACK, "bob");
    append(&w, &d, ack);
    int64_t now = outbox_clock_ms();
    delivery(&w, dec, "slack", "delivered", 1, 200, NULL, 0);
    delivery(&w, dec, "pagerduty", "retry", 1, 500, "HTTP 500: Internal Server Error", 0);
    delivery(&w, dec, "pagerduty", "delivered", 2, 202, NULL, 0);
    delivery(&w, u1, "slack", "failed", 1, 400, "HTTP 400: invalid_payload", 0);
    delivery(&w, u2, "slack", "retry", 1, 503, "HTTP 503: busy", now + 90 * 1000);
    /* a record for a sink nobody configured is kept and ignored */
    delivery(&w, u2, "carrier-pigeon", "delivered", 1, 200, NULL, 0);

    struct incident *inc = load(&w);
    assert_int_equal(outbox_open(&ob, &w.store, w.id, &w.config, &w.policy), 0);
    assert_int_equal(outbox_sync(ob, inc, now), 0);

    assert_int_equal(item_of(ob, dec, "slack")->state, OUTBOX_SENT);
    assert_int_equal(item_of(ob, dec, "pagerduty")->state, OUTBOX_SENT);
    assert_int_equal(item_of(ob, dec, "pagerduty")->attempt, 2);
    const struct outbox_item *f = item_of(ob, u1, "slack");
    assert_int_equal(f->state, OUTBOX_FAILED);
    assert_int_equal(f->http_status, 400);
    assert_string_equal(f->reason, "HTTP 400: invalid_payload");
    const struct outbox_item *r = item_of(ob, u2, "slack");
    assert_int_equal(r->state, OUTBOX_RETRYING);
    assert_int_equal(r->attempt, 1);
    assert_true(r->next_at >= now + 89 * 1000 && r->next_at <= now + 90 * 1000);
    /* pagerduty takes neither updates nor slack the ack */
    assert_null(item_of(ob, u1, "pagerduty"));
    assert_null(item_of(ob, ack, "slack"));
    assert_int_equal(item_of(ob, ack, "pagerduty")->state, OUTBOX_QUEUED);
    assert_int_equal(item_of(ob, u1, "file")->state, OUTBOX_QUEUED);

    struct buf line = BUF_INIT;
    outbox_describe(&line, r, now);
    assert_string_equal(line.data, "retrying in 1m30s: HTTP 503: busy");
    buf_reset(&line);
    outbox_describe(&line, f, now);
    assert_string_equal(line.data, "failed: HTTP 400: invalid_payload");
    buf_reset(&line);
    assert_int_equal(outbox_problems(ob, &line), 1);
    assert_string_equal(line.data, "slack (retrying: HTTP 503: busy)");

    size_t pending, failed;
    outbox_counts(ob, &pending, &failed);
    assert_int_equal(failed, 1);
    assert_int_equal(pending, 4);  /* u2 slack, ack pagerduty, two files */

    /* the retry is not due yet: locked, the outbox waits for it (the file
     * sink is written at once) and says how long */
    assert_int_equal(outbox_lock(ob), 1);
    assert_int_equal(outbox_sync(ob, inc, now), 0);
    assert_int_equal(item_of(ob, u2, "slack")->state, OUTBOX_RETRYING);
    assert_int_equal(item_of(ob, u1, "file")->state, OUTBOX_SENT);
    buf_free(&line);
    outbox_free(ob);
    incident_free(inc);
    world_close(&w);
}

/* An attempting record without an outcome: the item is neither sent nor
 * queued for a blind resend; for Statuspage the state says it is checked. */
static void test_attempting_is_unconfirmed(void **state)
{
    (void)state;
    struct world w;
    struct outbox *ob;
    char u1[EVENT_ID_MAX + 1], u2[EVENT_ID_MAX + 1];
    world_open(&w, "{\"sinks\": {\"statuspage\": {\"page_id\": \"" SP_PAGE "\", \"api_key\": \"" SP_KEY "\","
                   " \"url\": \"http://127.0.0.1:9\"}}}");
    declare(&w, NULL);
    update(&w, "investigating", "looking", u1);
    update(&w, "identified", "found", u2);
    delivery(&w, u1, "statuspage", "attempting", 1, 0, NULL, 0);
    struct incident *inc = load(&w);
    assert_int_equal(outbox_open(&ob, &w.store, w.id, &w.config, NULL), 0);
    assert_int_equal(outbox_sync(ob, inc, outbox_clock_ms()), 0);
    assert_int_equal(item_of(ob, u1, "statuspage")->state, OUTBOX_UNCONFIRMED);
    assert_int_equal(item_of(ob, u1, "statuspage")->attempt, 1);
    assert_int_equal(item_of(ob, u2, "statuspage")->state, OUTBOX_QUEUED);
    struct buf line = BUF_INIT;
    outbox_describe(&line, item_of(ob, u1, "statuspage"), outbox_clock_ms());
    assert_string_equal(line.data, "checking whether it arrived");
    buf_free(&line);
    outbox_free(ob);
    incident_free(inc);

    /* the outcome of the same attempt settles it */
    delivery(&w, u1, "statuspage", "delivered", 1, 201, NULL, 0);
    inc = load(&w);
    assert_int_equal(outbox_open(&ob, &w.store, w.id, &w.config, NULL), 0);
    assert_int_equal(outbox_sync(ob, inc, outbox_clock_ms()), 0);
    assert_int_equal(item_of(ob, u1, "statuspage")->state, OUTBOX_SENT);
    outbox_free(ob);
    incident_free(inc);
    world_close(&w);
}

/* ---- configuration ---- */

static void test_env_overrides_config(void **state)
{
    (void)state;
    struct world w;
    struct outbox *ob;
    world_open(&w, "{\"sinks\": {\"slack\": {\"webhook_url\": \"not a url\"}, \"webhook\": {\"url\": \"ftp://x/y\"}}}");
    declare(&w, NULL);
    struct incident *inc = load(&w);

    /* as configured: both broken, said without repeating the URL */
    assert_int_equal(outbox_open(&ob, &w.store, w.id, &w.config, NULL), 0);
    assert_int_equal(outbox_sync(ob, inc, outbox_clock_ms()), 0);
    struct buf problems = BUF_INIT;
    assert_int_equal(outbox_problems(ob, &problems), 2);
    assert_non_null(strstr(problems.data, "slack (misconfigured: the webhook URL is not an http(s) URL)"));
    assert_null(strstr(problems.data, "ftp://"));
    /* locked, a misconfigured sink sends nothing and records nothing */
    assert_int_equal(outbox_lock(ob), 1);
    assert_int_equal(outbox_sync(ob, inc, outbox_clock_ms()), 0);
    assert_int_equal(outbox_count(ob), 2);
    assert_int_equal(outbox_item(ob, 0)->state, OUTBOX_QUEUED);
    assert_int_equal(outbox_timeout_ms(ob, outbox_clock_ms()), -1);
    outbox_free(ob);

    /* the environment wins */
    setenv("WARROOM_SLACK_WEBHOOK", "https://hooks.example.com/services/" SLACK_SECRET, 1);
    setenv("STATUSPAGE_API_KEY", SP_KEY, 1);   /* without a page id: a problem */
    assert_int_equal(outbox_open(&ob, &w.store, w.id, &w.config, NULL), 0);
    assert_int_equal(outbox_sink_count(ob), 4);
    assert_string_equal(outbox_sink_name(ob, 0), "slack");
    assert_string_equal(outbox_sink_name(ob, 1), "statuspage");
    assert_string_equal(outbox_sink_name(ob, 2), "webhook");
    assert_int_equal(outbox_sync(ob, inc, outbox_clock_ms()), 0);
    buf_reset(&problems);
    assert_int_equal(outbox_problems(ob, &problems), 2);
    assert_null(strstr(problems.data, "slack"));
    assert_non_null(strstr(problems.data, "statuspage (misconfigured: the page id is missing"));
    assert_null(strstr(problems.data, SP_KEY));
    buf_free(&problems);
    outbox_free(ob);
    incident_free(inc);
    world_close(&w);
}

/* ---- one deliverer ---- */

static void test_lock_is_exclusive(void **state)
{
    (void)state;
    struct world w;
    struct outbox *a, *b;
    world_open(&w, "{}");
    declare(&w, NULL);
    assert_int_equal(outbox_open(&a, &w.store, w.id, &w.config, NULL), 0);
    assert_int_equal(outbox_open(&b, &w.store, w.id, &w.config, NULL), 0);
    assert_int_equal(outbox_lock(a), 1);
    assert_int_equal(outbox_lock(a), 1);
    assert_int_equal(outbox_lock(b), 0);
    assert_false(outbox_locked(b));
    char *lock = store_incident_file(&w.store, w.id, OUTBOX_LOCK_FILE);
    struct stat st;
    assert_int_equal(stat(lock, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    outbox_free(a);
    assert_int_equal(outbox_lock(b), 1);
    free(lock);
    outbox_free(b);
    world_close(&w);
}

/* ---- preview ---- */

static void test_preview_masks_secrets(void **state)
{
    (void)state;
    struct world w;
    struct outbox *ob;
    world_open(&w, "{\"sinks\": {\"pagerduty\": {\"routing_key\": \"" PD_KEY "\"},"
                   " \"statuspage\": {\"page_id\": \"" SP_PAGE "\", \"api_key\": \"" SP_KEY "\"}}}");
    setenv("WARROOM_SLACK_WEBHOOK", "https://hooks.slack.com/services/" SLACK_SECRET, 1);
    setenv("WARROOM_WEBHOOK_URL", "https://user:pw1234@example.com/hook?token=unitwebhooktoken", 1);
    declare(&w, NULL);
    struct incident *inc = load(&w);
    assert_int_equal(outbox_open(&ob, &w.store, w.id, &w.config, &w.policy), 0);
    struct outbox_preview *p;
    size_t n;
    assert_int_equal(outbox_preview(&p, &n, ob, inc, "identified", "A bad deploy <!channel>", "carol", 0), 0);
    assert_int_equal(n, 5);
    for (size_t i = 0; i < n; i++) {
        const char *fields[] = {p[i].target, p[i].body, p[i].problem};
        for (size_t k = 0; k < 3; k++) {
            if (!fields[k])
                continue;
            assert_null(strstr(fields[k], "unitslacksecret777"));
            assert_null(strstr(fields[k], PD_KEY));
            assert_null(strstr(fields[k], SP_PAGE));
            assert_null(strstr(fields[k], SP_KEY));
            assert_null(strstr(fields[k], "unitwebhooktoken"));
            assert_null(strstr(fields[k], "pw1234"));
        }
    }
    assert_string_equal(p[0].sink, "slack");
    assert_string_equal(p[0].method, "POST");
    assert_string_equal(p[0].target, "https://hooks.slack.com/services/\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2");
    assert_non_null(strstr(p[0].body, "A bad deploy &lt;!channel&gt;"));
    /* PagerDuty does not take updates: said, not faked */
    assert_string_equal(p[1].sink, "pagerduty");
    assert_null(p[1].body);
    assert_non_null(p[1].problem);
    assert_string_equal(p[2].sink, "statuspage");
    assert_string_equal(p[2].method, "POST");   /* no incident yet: created */
    assert_non_null(strstr(p[2].body, "\"status\":\"identified\""));
    assert_non_null(strstr(p[2].target, "\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2"));
    assert_string_equal(p[3].sink, "webhook");
    assert_non_null(strstr(p[3].body, "\"state\":\"identified\""));
    assert_string_equal(p[4].sink, OUTBOX_FILE_SINK);
    assert_non_null(strstr(p[4].body, "identified"));
    outbox_preview_free(p, n);
    outbox_free(ob);
    incident_free(inc);

    /* a routing key in a body is masked, never shown */
    world_close(&w);
    world_open(&w, "{}");
    setenv("PAGERDUTY_ROUTING_KEY", PD_KEY, 1);
    declare(&w, NULL);
    inc = load(&w);
    assert_int_equal(outbox_open(&ob, &w.store, w.id, &w.config, NULL), 0);
    assert_int_equal(outbox_sync(ob, inc, outbox_clock_ms()), 0);
    assert_int_equal(outbox_count(ob), 1);   /* the declaration: a trigger */
    outbox_free(ob);
    incident_free(inc);
    world_close(&w);
}

/* ---- update texts ---- */

static void test_update_texts(void **state)
{
    (void)state;
    struct world w;
    world_open(&w, "{}");
    declare(&w, NULL);
    struct incident *inc = load(&w);
    const char *states[] = {"investigating", "identified", "monitoring", "resolved", "internal"};
    for (size_t i = 0; i < 5; i++) {
        struct buf b = BUF_INIT;
        assert_int_equal(outbox_update_text(&b, inc, &w.policy, states[i], inc->declared_at), 0);
        assert_non_null(strstr(buf_str(&b), "Checkout down"));
        assert_null(strstr(buf_str(&b), "{{"));
        assert_true(b.len > 0 && b.data[b.len - 1] != '\n');
        buf_free(&b);
    }
    /* SEV1 updates are due every 15 minutes: the next one is named */
    struct buf b = BUF_INIT;
    int64_t t0 = 1742049000000;   /* 2025-03-15T14:30:00Z */
    assert_int_equal(outbox_update_text(&b, inc, &w.policy, "investigating", t0), 0);
    assert_non_null(strstr(b.data, "Next update by 14:45 UTC."));
    assert_non_null(strstr(b.data, "orders fail"));
    buf_reset(&b);
    assert_int_equal(outbox_update_text(&b, inc, &w.policy, "internal", t0), 0);
    assert_non_null(strstr(b.data, "[SEV1] Checkout down"));
    buf_reset(&b);
    assert_true(outbox_update_text(&b, inc, &w.policy, "fixed", t0) < 0);
    assert_non_null(strstr(error_last(), "no update template"));
    assert_true(outbox_update_text(&b, inc, &w.policy, "../../etc/passwd", t0) < 0);
    buf_free(&b);
    incident_free(inc);
    world_close(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_offline_updates_written_once),
        cmocka_unit_test(test_preview_is_what_is_written),
        cmocka_unit_test(test_offline_marker_prevents_duplicate),
        cmocka_unit_test(test_pending_from_delivery_events),
        cmocka_unit_test(test_attempting_is_unconfirmed),
        cmocka_unit_test(test_env_overrides_config),
        cmocka_unit_test(test_lock_is_exclusive),
        cmocka_unit_test(test_preview_masks_secrets),
        cmocka_unit_test(test_update_texts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
