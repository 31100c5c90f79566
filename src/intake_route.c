/* intake_route — see include/warroom/intake_route.h.
 *
 * Every incident the batch may touch is replayed once per batch, then kept
 * up to date with incident_follow after each append, so an alert repeated
 * inside one payload, or a second alert of a service whose incident the
 * first one declared, sees what the first one wrote. */
#include "warroom/intake_route.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "warroom/buf.h"
#include "warroom/error.h"
#include "warroom/incident.h"
#include "warroom/stamp.h"
#include "warroom/store.h"
#include "warroom/summary.h"

#define TITLE_MAX 200

struct known {
    char *id;
    struct incident *inc;  /* NULL until loaded */
    bool open;
    bool failed;           /* could not be read: skipped, said once */
    int64_t resolved_at;   /* from its summary; STAMP_NONE when not resolved */
};

struct router {
    struct session *s;
    struct known *all;
    size_t n;
    bool all_loaded;       /* closed incidents too (looking for where a firing went) */
};

const char *intake_outcome_name(enum intake_outcome o)
{
    static const char *const names[] = {"recorded", "declared", "repeated", "unplaced", "ignored", "failed"};
    return (unsigned)o < sizeof names / sizeof *names ? names[o] : "failed";
}

static struct incident *known_load(struct router *r, struct known *k)
{
    if (k->inc || k->failed)
        return k->inc;
    char *path = store_log_path(&r->s->store, k->id);
    if (incident_load(&k->inc, k->id, path) < 0) {
        k->inc = NULL;
        k->failed = true;
        if (r->s->warn) {
            struct buf b = BUF_INIT;
            buf_printf(&b, "skipping %s: %s", k->id, error_last());
            r->s->warn(buf_str(&b));
            buf_free(&b);
        }
    }
    free(path);
    return k->inc;
}

static int router_open(struct router *r, struct session *s)
{
    char **ids;
    size_t n;
    memset(r, 0, sizeof *r);
    r->s = s;
    if (store_list(&s->store, &ids, &n) < 0)
        return -1;
    r->all = xcalloc(n + 1, sizeof *r->all);   /* room for one declared here... grown below */
    for (size_t i = 0; i < n; i++) {
        struct incident_summary sum;
        struct known *k = &r->all[r->n++];
        k->id = xstrdup(ids[i]);
        k->resolved_at = STAMP_NONE;
        if (summary_get(&sum, &s->store, ids[i], NULL) < 0) {
            k->failed = true;
            continue;
        }
        k->open = sum.open;
        k->resolved_at = sum.resolved_at;
        if (k->open)
            known_load(r, k);
    }
    store_list_free(ids, n);
    return 0;
}

static void router_close(struct router *r)
{
    for (size_t i = 0; i < r->n; i++) {
        free(r->all[i].id);
        incident_free(r->all[i].inc);
    }
    free(r->all);
}

/* The incident holding event ID, looking at open ones first and at closed
 * ones only when ALL (a resolution whose firing went to an incident closed
 * since; a repeat of a firing whose incident was resolved). Of those, only
 * the ones resolved after SINCE (the alert's start, less the clock skew
 * allowed) can hold it: an alert is recorded in an incident open when it
 * arrived, which is after it started. That keeps a delivery from reading
 * every past incident's log, well within PagerDuty's 5 s. */
static struct known *holding(struct router *r, const char *id, bool all, int64_t since)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->all[i].open && r->all[i].inc && incident_find(r->all[i].inc, id))
            return &r->all[i];
    if (!all)
        return NULL;
    for (size_t i = 0; i < r->n; i++) {
        struct known *k = &r->all[i];
        if (k->open || (k->resolved_at != STAMP_NONE && since != STAMP_NONE && k->resolved_at < since - STAMP_SKEW_MAX))
            continue;
        if (known_load(r, k) && incident_find(k->inc, id))
            return k;
    }
    return NULL;
}

static bool names_service(const struct incident *inc, const char *service)
{
    for (size_t i = 0; i < inc->nevents; i++) {
        const struct event *ev = inc->events[i];
        if (ev->type != EVENT_DECLARE && ev->type != EVENT_ALERT)
            continue;
        const char *sv = event_str(ev, "service");
        if (sv && strcmp(sv, service) == 0)
            return true;
    }
    return false;
}

static struct known *open_of_service(struct router *r, const char *service)
{
    if (!*service)
        return NULL;
    for (size_t i = 0; i < r->n; i++) {
        struct known *k = &r->all[i];
        if (k->open && k->inc && incident_is_open(k->inc) && names_service(k->inc, service))
            return k;
    }
    return NULL;
}

static struct known *by_id(struct router *r, const char *id)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->all[i].id, id) == 0)
            return &r->all[i];
    return NULL;
}

static void set_message(struct intake_result *res, const char *msg)
{
    free(res->message);
    res->message = xstrdup(msg);
}

/* Appends A to K, and reads it back into K's replay. */
static int append(struct router *r, struct known *k, const struct intake_alert *a, struct intake_result *res)
{
    struct event_draft d;
    intake_draft(&d, a);
    int rc = session_record(r->s, k->id, &d);
    event_draft_free(&d);
    snprintf(res->incident, sizeof res->incident, "%s", k->id);
    if (rc < 0) {
        res->outcome = INTAKE_FAILED;
        set_message(res, error_last());
        return -1;
    }
    bool changed;
    if (k->inc && incident_follow(k->inc, &changed) < 0) {
        incident_free(k->inc);        /* read afresh when next needed */
        k->inc = NULL;
    }
    return 0;
}

static int declare(struct router *r, const struct intake_alert *a, int sev, struct intake_result *res)
{
    struct buf title = BUF_INIT;
    char id[STORE_ID_MAX + 1];
    struct event_draft d;
    buf_adds(&title, a->name);
    if (*a->service)
        buf_printf(&title, " (%s)", a->service);
    if (title.len > TITLE_MAX) {
        size_t keep = TITLE_MAX;
        while (keep > 0 && ((unsigned char)title.data[keep] & 0xC0) == 0x80)
            keep--;
        title.len = keep;
        title.data[keep] = '\0';
    }
    /* declared as of the alert's start, so that time to resolve and impact
     * (which falls back on the declaration) count from when it began firing,
     * as detection does; never ahead of the clock reading it */
    int64_t at = a->starts_at != STAMP_NONE && a->starts_at < r->s->now ? a->starts_at : r->s->now;
    event_draft_init(&d, EVENT_DECLARE, a->source);
    d.at = at;
    event_draft_str(&d, "title", buf_str(&title));
    event_draft_int(&d, "sev", sev);
    event_draft_str(&d, "impact", a->text);
    if (*a->service)
        event_draft_str(&d, "service", a->service);
    event_draft_str(&d, "source", a->source);
    int rc = store_declare(&r->s->store, buf_str(&title), at, &d, id);
    event_draft_free(&d);
    buf_free(&title);
    if (rc < 0) {
        res->outcome = INTAKE_FAILED;
        set_message(res, error_last());
        return -1;
    }
    r->all = xrealloc(r->all, sizeof *r->all * (r->n + 1));
    struct known *k = &r->all[r->n++];
    memset(k, 0, sizeof *k);
    k->id = xstrdup(id);
    k->open = true;
    k->resolved_at = STAMP_NONE;
    known_load(r, k);
    if (append(r, k, a, res) < 0)
        return -1;
    res->outcome = INTAKE_DECLARED;
    return 0;
}

/* The id the firing of A had: where its resolution or acknowledgement belongs. */
static void firing_id(const struct intake_alert *a, char out[EVENT_ID_MAX + 1])
{
    struct intake_alert firing = *a;
    firing.status = INTAKE_FIRING;
    intake_fact_id(&firing, out);
}

/* Appends A to incident ID, unless it is there already. */
static void place_in(struct router *r, const char *id, const struct intake_alert *a, struct intake_result *res)
{
    struct known *k = by_id(r, id);
    if (!k) {
        r->all = xrealloc(r->all, sizeof *r->all * (r->n + 1));
        k = &r->all[r->n++];
        memset(k, 0, sizeof *k);
        k->id = xstrdup(id);
        k->resolved_at = STAMP_NONE;
    }
    if (known_load(r, k) && incident_find(k->inc, a->id)) {
        res->outcome = INTAKE_REPEATED;
        snprintf(res->incident, sizeof res->incident, "%s", k->id);
        return;
    }
    if (append(r, k, a, res) == 0)
        res->outcome = INTAKE_RECORDED;
}

static void route_one(struct router *r, const struct intake_alert *a, struct intake_result *res)
{
    const struct policy *p = &r->s->policy;
    /* closed incidents are looked through only when this alert could land
     * in one (a resolution follows its firing) or would declare one */
    bool everywhere = a->status != INTAKE_FIRING || policy_intake_sev(p, a->severity) > 0;
    struct known *k = holding(r, a->id, everywhere, a->starts_at);
    if (k) {
        res->outcome = INTAKE_REPEATED;
        snprintf(res->incident, sizeof res->incident, "%s", k->id);
        return;
    }
    const char *named = session_env_or(r->s->opts->incident, "WARROOM_INCIDENT");
    if (named) {
        /* --incident (WARROOM_INCIDENT) says where, whatever the policy would choose */
        char id[STORE_ID_MAX + 1];
        struct incident_summary sum;
        if (session_pick_id(r->s, id, &sum, false) < 0) {
            res->outcome = INTAKE_UNPLACED;
            set_message(res, error_last());
            return;
        }
        place_in(r, id, a, res);
        return;
    }
    if (a->status != INTAKE_FIRING) {
        /* a resolution or an acknowledgement goes where its firing went */
        char fid[EVENT_ID_MAX + 1];
        firing_id(a, fid);
        struct known *f = holding(r, fid, true, a->starts_at);
        if (f) {
            if (append(r, f, a, res) == 0)
                res->outcome = INTAKE_RECORDED;
            return;
        }
    }
    if ((k = open_of_service(r, a->service))) {
        if (append(r, k, a, res) == 0)
            res->outcome = INTAKE_RECORDED;
        return;
    }
    int sev = a->status == INTAKE_FIRING ? policy_intake_sev(p, a->severity) : 0;
    if (sev > 0 && policy_level(p, sev)) {
        declare(r, a, sev, res);
        return;
    }
    if (!p->intake.record) {
        res->outcome = INTAKE_IGNORED;
        return;
    }
    char id[STORE_ID_MAX + 1];
    struct incident_summary sum;
    if (session_pick_id(r->s, id, &sum, false) < 0) {
        res->outcome = INTAKE_UNPLACED;
        set_message(res, error_last());
        return;
    }
    place_in(r, id, a, res);
}

int intake_route_batch(struct session *s, const struct intake_batch *b, struct intake_report *report)
{
    struct router r;
    memset(report, 0, sizeof *report);
    if ((!s->have_policy && session_load_policy(s) < 0) || router_open(&r, s) < 0)
        return -1;
    report->results = xcalloc(b->nalerts ? b->nalerts : 1, sizeof *report->results);
    report->n = b->nalerts;
    for (size_t i = 0; i < b->nalerts; i++) {
        route_one(&r, &b->alerts[i], &report->results[i]);
        if (report->results[i].outcome == INTAKE_FAILED)
            report->failed++;
    }
    router_close(&r);
    return 0;
}

void intake_report_free(struct intake_report *r)
{
    for (size_t i = 0; i < r->n; i++)
        free(r->results[i].message);
    free(r->results);
    memset(r, 0, sizeof *r);
}
