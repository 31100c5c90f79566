/* cli_show — the verbs that read an incident: `show` (the replayed state, its
 * clocks and timeline, as text or --json) and `list`. Rows of the verb table
 * (src/cli_main.c). */
#include "warroom/cli.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <strings.h>
#include <jansson.h>
#include <math.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "warroom/buf.h"
#include "warroom/check.h"
#include "warroom/clock.h"
#include "warroom/config.h"
#include "warroom/describe.h"
#include "warroom/error.h"
#include "warroom/event.h"
#include "warroom/file.h"
#include "warroom/incident.h"
#include "warroom/jsonout.h"
#include "warroom/log.h"
#include "warroom/outbox.h"
#include "warroom/policy.h"
#include "warroom/repo.h"
#include "warroom/showstream.h"
#include "warroom/stamp.h"
#include "warroom/store.h"
#include "warroom/summary.h"
#include "warroom/text.h"

#define SHORT_ID_LEN 8    /* how much of an event id `show` prints; `edit` takes any unique prefix */

/* ---- reading ---- */

static json_t *stamp_json(int64_t t)
{
    char iso[STAMP_TEXT_MAX];
    return t == STAMP_NONE ? json_null() : json_string(stamp_format_iso_s(iso, t));
}

static json_t *nullable(const char *s)
{
    return s && *s ? json_string(s) : json_null();
}

/* What the sinks keep remotely that people open (the Slack channel), as
 * the log records it: a member named after each such sink, null when none. */
static void remotes_json(struct jsonw *w, const struct incident *inc)
{
    for (size_t i = 0; i < SINK_TYPE_COUNT; i++) {
        const struct sink_ops *ops = sink_table[i];
        const char *id, *name;
        if (!ops->remote_label)
            continue;
        jsonw_key(w, ops->name);
        if (!outbox_remote_recorded(inc, ops->name, &id, &name)) {
            jsonw_null(w);
            continue;
        }
        struct buf link = BUF_INIT;
        ops->remote_link(&link, id);
        jsonw_object(w);
        jsonw_member_string(w, "id", id);
        jsonw_member_nullable(w, "name", name);
        jsonw_member_string(w, "url", buf_str(&link));
        jsonw_end(w);
        buf_free(&link);
    }
}

/* The same as lines: "  channel: #inc-20250315-checkout  https://...". */
static void remotes_text(const struct incident *inc)
{
    for (size_t i = 0; i < SINK_TYPE_COUNT; i++) {
        const struct sink_ops *ops = sink_table[i];
        const char *id, *name;
        if (!ops->remote_label || !outbox_remote_recorded(inc, ops->name, &id, &name))
            continue;
        struct buf link = BUF_INIT;
        ops->remote_link(&link, id);
        printf("  %s: %s%s  %s\n", ops->remote_label, ops->remote_sigil ? ops->remote_sigil : "", name ? name : id,
               buf_str(&link));
        buf_free(&link);
    }
}

/* The members show --json opens with, which list --json gives for each incident. */
static json_t *incident_json(const struct incident *inc, const struct policy *p, int64_t now)
{
    char name[16];
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(inc->id));
    json_object_set_new(o, "title", nullable(inc->title));
    json_object_set_new(o, "sev", json_integer(inc->sev));
    json_object_set_new(o, "sev_name", json_string(describe_sev(p, inc->sev, name, sizeof name)));
    if (inc->drill)                       /* only then: a real incident's output is as it was */
        json_object_set_new(o, "drill", json_true());
    json_object_set_new(o, "status", json_string(incident_status_name(inc->status)));
    json_object_set_new(o, "impact", nullable(inc->impact));
    json_object_set_new(o, "data_exposed", json_boolean(inc->data_exposed));
    json_object_set_new(o, "declared_by", nullable(inc->declared_by));
    json_object_set_new(o, "declared_at", stamp_json(inc->declared_at));
    json_object_set_new(o, "impact_at", stamp_json(inc->impact_at));
    json_object_set_new(o, "detected_at", stamp_json(inc->detected_at));
    json_object_set_new(o, "acked_at", stamp_json(inc->acked_at));
    json_object_set_new(o, "mitigated_at", stamp_json(inc->mitigated_at));
    json_object_set_new(o, "resolved_at", stamp_json(inc->resolved_at));
    int64_t end = inc->resolved_at != STAMP_NONE ? inc->resolved_at : now;
    json_object_set_new(o, "elapsed_s",
                        inc->declared_at == STAMP_NONE ? json_null() : json_integer((end - inc->declared_at) / 1000));
    return o;
}

/* The timeline entries in order, one per call: 1, 0 after the last, -1 when
 * the log no longer reads as it did. */
typedef int (*entry_next_fn)(void *ctx, const struct timeline_entry **out);

/* An entry as text, and where the text cannot say it (a string that is not
 * UTF-8), as jansson makes it. */
static void write_entry(struct jsonw *w, const struct timeline_entry *e)
{
    if (jsonw_entry(w, e))
        return;
    json_t *tree = jsonout_entry_json(e);
    jsonw_json(w, tree);
    json_decref(tree);
}

/* show --json: the state, then the timeline NEXT gives, then the deliveries
 * OB knows of (none without OB), each section written as it is made. Returns
 * -1 when NEXT failed (the document is then cut short). */
static int write_incident(struct jsonw *w, const struct incident *inc, const struct policy *p, int64_t now,
                          struct outbox *ob, entry_next_fn next, void *ctx)
{
    json_t *head = incident_json(inc, p, now);
    jsonw_object(w);
    jsonw_members(w, head);
    json_decref(head);

    jsonw_key(w, "roles");
    jsonw_object(w);
    for (int r = 0; r < ROLE_SME; r++)
        jsonw_member_nullable(w, incident_role_name((enum role_kind)r), inc->holder[r]);
    jsonw_key(w, "sme");
    jsonw_array(w);
    for (size_t i = 0; i < inc->nsmes; i++)
        jsonw_string(w, inc->smes[i]);
    jsonw_end(w);
    jsonw_end(w);
    jsonw_key(w, "role_history");
    jsonw_array(w);
    for (size_t i = 0; i < inc->nroles; i++) {
        jsonw_object(w);
        jsonw_member_string(w, "role", incident_role_name(inc->roles[i].role));
        jsonw_member_string(w, "name", inc->roles[i].name);
        jsonw_member_stamp(w, "at", inc->roles[i].at);
        jsonw_member_string(w, "by", inc->roles[i].by);
        jsonw_end(w);
    }
    jsonw_end(w);
    remotes_json(w, inc);

    jsonw_key(w, "severity_history");
    jsonw_array(w);
    for (size_t i = 0; i < inc->nsevs; i++) {
        jsonw_object(w);
        jsonw_member_int(w, "sev", inc->sevs[i].sev);
        jsonw_member_stamp(w, "at", inc->sevs[i].at);
        jsonw_member_string(w, "by", inc->sevs[i].by);
        jsonw_member_nullable(w, "why", inc->sevs[i].why);
        jsonw_end(w);
    }
    jsonw_end(w);

    jsonw_key(w, "actions");
    jsonw_array(w);
    for (size_t i = 0; i < inc->nactions; i++) {
        const struct action_item *a = &inc->actions[i];
        jsonw_object(w);
        jsonw_member_string(w, "id", a->item);
        jsonw_member_string(w, "text", a->text);
        jsonw_member_nullable(w, "owner", a->owner);
        jsonw_member_nullable(w, "due", a->due);
        jsonw_member_string(w, "priority", a->priority);
        jsonw_member_string(w, "kind", a->kind);
        jsonw_member_string(w, "status", a->status);
        jsonw_end(w);
    }
    jsonw_end(w);

    struct clock clocks[CLOCK_MAX];
    size_t n = clock_compute(inc, p, now, clocks);
    jsonw_key(w, "clocks");
    jsonw_array(w);
    for (size_t i = 0; i < n; i++) {
        jsonw_object(w);
        jsonw_member_string(w, "kind", clock_kind_name(clocks[i].kind));
        jsonw_member_string(w, "label", clocks[i].label);
        jsonw_member_string(w, "state", clock_state_name(clocks[i].state));
        jsonw_member_stamp(w, "deadline", clocks[i].deadline);
        jsonw_member_int(w, "seconds_left", (clocks[i].deadline - now) / 1000);
        jsonw_member_string(w, "action", clocks[i].action);
        if (clocks[i].rule) {
            jsonw_member_string(w, "rule", clocks[i].rule->id);
            jsonw_key(w, "fired");
            jsonw_bool(w, clocks[i].fired);
        }
        if (clocks[i].met_at != STAMP_NONE)
            jsonw_member_stamp(w, "met_at", clocks[i].met_at);
        jsonw_end(w);
    }
    jsonw_end(w);

    int rc = 0;
    const struct timeline_entry *e;
    jsonw_key(w, "timeline");
    jsonw_array(w);
    while ((rc = next(ctx, &e)) > 0)
        write_entry(w, e);
    jsonw_end(w);
    if (rc < 0)
        return -1;
    if (ob) {
        /* what publishing stands at, per event and sink: the reason a
         * provider gave when it refused */
        struct buf said = BUF_INIT;
        jsonw_key(w, "deliveries");
        jsonw_array(w);
        for (size_t i = 0; i < outbox_count(ob); i++) {
            const struct outbox_item *it = outbox_item(ob, i);
            buf_reset(&said);
            outbox_describe(&said, it, outbox_clock_ms());
            jsonw_object(w);
            jsonw_member_string(w, "event", it->event_id);
            jsonw_member_string(w, "sink", it->sink);
            jsonw_member_string(w, "state", buf_str(&said));
            jsonw_member_int(w, "attempts", (int)it->attempt);
            jsonw_member_string(w, "reason", it->reason ? it->reason : "");
            if (it->http_status)
                jsonw_member_int(w, "http_status", it->http_status);
            jsonw_end(w);
        }
        jsonw_end(w);
        buf_free(&said);
    }
    jsonw_key(w, "warnings");
    jsonw_array(w);
    for (size_t i = 0; i < inc->reader.nwarnings; i++)
        jsonw_string(w, inc->reader.warnings[i]);
    jsonw_end(w);
    jsonw_end(w);
    return 0;
}

/* Days since 1970-01-01 (UTC) and seconds into that day of T (ms). */
static int64_t utc_day(int64_t t, int *secs_of_day)
{
    int64_t secs = t >= 0 ? t / 1000 : (t - 999) / 1000;
    int64_t z = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
    if (secs_of_day)
        *secs_of_day = (int)(secs - z * 86400);
    return z;
}

static void put2(char *p, int v)
{
    p[0] = (char)('0' + v / 10);
    p[1] = (char)('0' + v % 10);
}

/* The date of the day the entry before was on, "YYYY-MM-DD ": entries come
 * in order, so most are on the day before theirs. */
struct shown_day {
    int64_t day;
    bool valid;
    char date[11];
};

/* HH:MM:SS, with the date in front when T is on another day than DAY (the
 * declaration's, as utc_day gives it; DECLARED false: none): an entry from
 * the night before must not read as later. Written by hand: a million
 * entries each want one. */
static void print_time(struct buf *out, int64_t t, int64_t day, bool declared, bool dated, struct shown_day *last)
{
    int sod;
    int64_t d = utc_day(t, &sod);
    if (declared && d != day) {
        int y, mo, dd, h, mi, sec;
        char when[40];
        if (!last->valid || last->day != d) {
            stamp_to_utc(t, &y, &mo, &dd, &h, &mi, &sec);
            if (y < 0 || y > 9999) {
                snprintf(when, sizeof when, "%04d-%02d-%02d %02d:%02d:%02d", y, mo, dd, h, mi, sec);
                buf_adds(out, when);
                return;
            }
            put2(last->date, y / 100);
            put2(last->date + 2, y % 100);
            last->date[4] = '-';
            put2(last->date + 5, mo);
            last->date[7] = '-';
            put2(last->date + 8, dd);
            last->date[10] = ' ';
            last->day = d;
            last->valid = true;
        }
        memcpy(when, last->date, 11);
        put2(when + 11, sod / 3600);
        when[13] = ':';
        put2(when + 14, sod / 60 % 60);
        when[16] = ':';
        put2(when + 17, sod % 60);
        buf_add(out, when, 19);
        return;
    }
    char hms[8 + 11];
    size_t at = 0;
    if (dated) {
        memset(hms, ' ', 11);
        at = 11;
    }
    put2(hms + at, sod / 3600);
    hms[at + 2] = ':';
    put2(hms + at + 3, sod / 60 % 60);
    hms[at + 5] = ':';
    put2(hms + at + 6, sod % 60);
    buf_add(out, hms, at + 8);
}

static void put_spaces(struct buf *out, size_t n)
{
    static const char spaces[] = "                                                                ";
    for (size_t k; n; n -= k) {
        k = n < sizeof spaces - 1 ? n : sizeof spaces - 1;
        buf_add(out, spaces, k);
    }
}

/* S cut to at most MAX bytes and padded with spaces to at least WIDTH, as
 * printf's %-WIDTH.MAXs writes it. */
static void put_column(struct buf *out, const char *s, size_t width, size_t max)
{
    size_t n = strnlen(s, max);
    buf_add(out, s, n);
    if (n < width)
        put_spaces(out, width - n);
}

static void show_text(const struct incident *inc, const struct policy *p, int64_t now)
{
    char name[16], t[STAMP_TEXT_MAX], span[32];
    const struct severity_level *l = policy_level(p, inc->sev);
    printf("%s  %s%s%s  %s\n", inc->id, describe_sev(p, inc->sev, name, sizeof name), l && l->label ? " " : "",
           l && l->label ? l->label : "", incident_status_name(inc->status));
    if (inc->drill)
        printf("  DRILL: a rehearsal, not a real incident\n");
    printf("  %s\n", inc->title ? inc->title : "(not declared)");
    if (inc->impact)
        printf("  impact: %s\n", inc->impact);
    remotes_text(inc);
    if (inc->declared_at != STAMP_NONE) {
        int64_t end = inc->resolved_at != STAMP_NONE ? inc->resolved_at : now;
        printf("  declared %s by %s, %s %s\n", stamp_format_iso_s(t, inc->declared_at), inc->declared_by,
               inc->resolved_at != STAMP_NONE ? "lasted" : "elapsed",
               stamp_format_span(span, sizeof span, end - inc->declared_at));
    }
    printf("\nroles\n");
    for (int r = 0; r < ROLE_SME; r++)
        printf("  %-7s %s\n", incident_role_name((enum role_kind)r),
               *inc->holder[r] ? inc->holder[r] : (r == ROLE_IC ? "(unassigned!)" : "-"));
    printf("  %-7s ", "sme");
    for (size_t i = 0; i < inc->nsmes; i++)
        printf("%s%s", i ? ", " : "", inc->smes[i]);
    printf("%s\n", inc->nsmes ? "" : "-");

    struct clock clocks[CLOCK_MAX];
    size_t n = clock_compute(inc, p, now, clocks);
    printf("\nclocks\n");
    for (size_t i = 0; i < n; i++) {
        const struct clock *k = &clocks[i];
        const char *state = k->state == CLOCK_OVERDUE ? "OVERDUE" : clock_state_name(k->state);
        if (k->state == CLOCK_MET || k->state == CLOCK_DONE)
            snprintf(span, sizeof span, "%s", clock_state_name(k->state));
        else if (k->state == CLOCK_OVERDUE)
            stamp_format_span(span + 1, sizeof span - 1, now - k->deadline), span[0] = '+';
        else
            stamp_format_span(span, sizeof span, k->deadline - now);
        printf("  %-8s %-20s %-9s %s%s\n", state, k->label, span, k->action, k->fired ? " (done)" : "");
    }
    for (size_t i = 0; i < inc->nactions; i++) {
        if (i == 0)
            printf("\naction items\n");
        const struct action_item *a = &inc->actions[i];
        printf("  %-4s %-7s %-3s %-8s %-12s %-10s %s\n", a->item, a->status, a->priority, a->kind,
               *a->owner ? a->owner : "(no owner)", *a->due ? a->due : "(no due)", a->text);
    }
    printf("\ntimeline\n");
    const bool declared = inc->declared_at != STAMP_NONE;
    const int64_t day = declared ? utc_day(inc->declared_at, NULL) : 0;
    bool dated = false;                   /* some entry is on another day: keep the columns */
    for (size_t i = 0; i < inc->ntimeline && declared && !dated; i++)
        dated = utc_day(inc->timeline[i].at, NULL) != day;
    /* whole lines into one buffer, written a megabyte at a time: a million
     * entries, and no allocation or printf per entry */
    struct buf out = BUF_INIT, what = BUF_INIT;
    struct shown_day last = {0, false, ""};
    const size_t indent = 36 + SHORT_ID_LEN + 2 + (dated ? 11 : 0);
    for (size_t i = 0; i < inc->ntimeline; i++) {
        const struct timeline_entry *e = &inc->timeline[i];
        const struct event *ev = e->ev;
        buf_reset(&what);
        describe_entry(&what, inc, p, e);
        buf_add(&out, "  ", 2);
        print_time(&out, e->at, day, declared, dated, &last);
        buf_add(&out, "  ", 2);
        put_column(&out, ev->id, 0, SHORT_ID_LEN);
        buf_add(&out, "  ", 2);
        put_column(&out, ev->by, 10, 10);
        buf_addc(&out, ' ');
        put_column(&out, ev->type_name, 10, SIZE_MAX);
        buf_addc(&out, ' ');
        /* multi-line text continues indented, so the time column stays
         * readable; a line ends at a newline or a unit separator */
        const char *q = buf_str(&what), *end = q + what.len;
        const char *nl = memchr(q, '\n', what.len), *us = memchr(q, '\x1f', what.len);
        for (;;) {
            const char *sep = !nl ? us : !us ? nl : nl < us ? nl : us;
            if (!sep) {
                buf_add(&out, q, (size_t)(end - q));
                break;
            }
            buf_add(&out, q, (size_t)(sep - q));
            buf_addc(&out, '\n');
            put_spaces(&out, indent);
            q = sep + 1;
            if (sep == nl)
                nl = memchr(q, '\n', (size_t)(end - q));
            if (sep == us)
                us = memchr(q, '\x1f', (size_t)(end - q));
        }
        if (e->edits)
            buf_adds(&out, " (edited)");
        buf_addc(&out, '\n');
        if (out.len >= 1024 * 1024) {
            fwrite(out.data, 1, out.len, stdout);
            buf_reset(&out);
        }
    }
    if (out.len)
        fwrite(out.data, 1, out.len, stdout);
    buf_free(&out);
    buf_free(&what);
    for (size_t i = 0; i < inc->reader.nwarnings; i++)
        fprintf(stderr, "warroom: warning: %s\n", inc->reader.warnings[i]);
}


/* The timeline from the log as it streams (see showstream.h). */
static int stream_next(void *ctx, const struct timeline_entry **out)
{
    return showstream_next(ctx, out);
}

/* The timeline of an incident replayed in memory. */
struct replayed {
    const struct incident *inc;
    size_t next;
};

static int replayed_next(void *ctx, const struct timeline_entry **out)
{
    struct replayed *r = ctx;
    if (r->next == r->inc->ntimeline)
        return 0;
    *out = &r->inc->timeline[r->next++];
    return 1;
}

/* The incident's outbox, brought up to date with it, for the deliveries
 * show --json lists; NULL when it cannot be read (the rest is shown). */
static struct outbox *show_outbox(struct cli_context *c, const struct incident *inc)
{
    struct outbox *ob = NULL;
    if (outbox_open(&ob, &c->s.store, inc->id, &c->s.config, &c->s.policy) == 0 &&
        outbox_sync(ob, inc, outbox_clock_ms()) < 0) {
        outbox_free(ob);
        ob = NULL;
    }
    return ob;
}

/* Writes show --json to stdout: the exit status, a failed write said. */
static int show_json(struct cli_context *c, const struct incident *inc, entry_next_fn next, void *ctx)
{
    struct outbox *ob = show_outbox(c, inc);
    struct jsonw w;
    jsonw_init(&w, stdout, JSON_ENSURE_ASCII);
    int rc = write_incident(&w, inc, &c->s.policy, c->s.now, ob, next, ctx);
    if (rc == 0)
        buf_addc(w.out, '\n');
    if (jsonw_finish(&w) < 0 && rc == 0)
        rc = error_set_errno("cannot write the output");
    if (ob)
        outbox_free(ob);
    return rc < 0 ? cli_fail() : 0;
}

/* show --json in memory bounded whatever the log's length: the state from
 * every record but the plain notes, the timeline streamed. */
static int show_json_streamed(struct cli_context *c)
{
    char id[STORE_ID_MAX + 1];
    struct incident_summary *sum = xmalloc(sizeof *sum);
    int picked = session_pick_id(&c->s, id, sum, true);
    free(sum);
    if (picked < 0)
        return cli_fail();
    char *path = store_log_path(&c->s.store, id);
    struct showstream *st;
    int rc = showstream_open(&st, id, path);
    free(path);
    if (rc < 0)
        return cli_fail();
    rc = show_json(c, showstream_incident(st), stream_next, st);
    showstream_free(st);
    return rc;
}

int cli_show(struct cli_context *c)
{
    struct incident *inc;
    if (c->opts->nargs)
        return cli_usage_error("show takes no arguments (name the incident with --incident ID)");
    /* WARROOM_SHOW_IN_MEMORY: the whole replay, which the tests hold the
     * stream to, byte for byte */
    if (c->opts->json && !getenv("WARROOM_SHOW_IN_MEMORY"))
        return session_load_policy(&c->s) < 0 ? cli_fail() : show_json_streamed(c);
    if (session_load_policy(&c->s) < 0 || session_pick_incident(&c->s, &inc, true) < 0)
        return cli_fail();
    int rc = 0;
    if (c->opts->json) {
        struct replayed r = {inc, 0};
        rc = show_json(c, inc, replayed_next, &r);
    } else {
        show_text(inc, &c->s.policy, c->s.now);
    }
    incident_free(inc);
    return rc;
}

/* What incident_json without the timeline gives, from a summary: the same
 * members in the same order. */
static json_t *summary_json(const struct incident_summary *sum, const char *id, const struct policy *p, int64_t now)
{
    char name[16];
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(id));
    json_object_set_new(o, "title", nullable(sum->title));
    json_object_set_new(o, "sev", json_integer(sum->sev));
    json_object_set_new(o, "sev_name", json_string(describe_sev(p, sum->sev, name, sizeof name)));
    if (sum->drill)
        json_object_set_new(o, "drill", json_true());
    json_object_set_new(o, "status", json_string(incident_status_name((enum incident_status)sum->status)));
    json_object_set_new(o, "impact", nullable(sum->impact));
    json_object_set_new(o, "data_exposed", json_boolean(sum->data_exposed));
    json_object_set_new(o, "declared_by", nullable(sum->declared_by));
    json_object_set_new(o, "declared_at", stamp_json(sum->declared_at));
    json_object_set_new(o, "impact_at", stamp_json(sum->impact_at));
    json_object_set_new(o, "detected_at", stamp_json(sum->detected_at));
    json_object_set_new(o, "acked_at", stamp_json(sum->acked_at));
    json_object_set_new(o, "mitigated_at", stamp_json(sum->mitigated_at));
    json_object_set_new(o, "resolved_at", stamp_json(sum->resolved_at));
    int64_t end = sum->resolved_at != STAMP_NONE ? sum->resolved_at : now;
    json_object_set_new(o, "elapsed_s",
                        sum->declared_at == STAMP_NONE ? json_null() : json_integer((end - sum->declared_at) / 1000));
    return o;
}

int cli_list(struct cli_context *c)
{
    char **ids;
    size_t n;
    if (c->opts->nargs)
        return cli_usage_error("list takes no arguments");
    if (session_load_policy(&c->s) < 0 || store_list(&c->s.store, &ids, &n) < 0)
        return cli_fail();
    json_t *open = json_array(), *closed = json_array();
    struct incident_summary *sum = xmalloc(sizeof *sum);
    for (size_t i = 0; i < n && !c->opts->remote; i++) {
        /* each incident's summary, which replays its log only when the
         * cached one no longer describes it */
        if (summary_get(sum, &c->s.store, ids[i], NULL) == 0 && !sum->cut) {
            json_array_append_new(sum->open ? open : closed, summary_json(sum, ids[i], &c->s.policy, c->s.now));
            continue;
        }
        char *path = store_log_path(&c->s.store, ids[i]);
        struct incident *inc;
        if (incident_load(&inc, ids[i], path) < 0) {
            fprintf(stderr, "warroom: warning: %s: %s\n", ids[i], error_last());
        } else {
            json_array_append_new(incident_is_open(inc) ? open : closed,
                                  incident_json(inc, &c->s.policy, c->s.now));
            incident_free(inc);
        }
        free(path);
    }
    free(sum);
    json_array_extend(open, closed);
    json_decref(closed);
    store_list_free(ids, n);
    if (cli_sync_list(c, open, c->opts->remote) < 0) {
        json_decref(open);
        return cli_fail();
    }
    if (c->opts->json)
        return cli_print_json(open) < 0 ? EXIT_FAILURE : 0;
    size_t i;
    json_t *o;
    if (json_array_size(open) == 0)
        printf("no incidents in %s\n", c->s.store.dir);
    json_array_foreach(open, i, o) {
        printf("%-52s %-5s %s%-13s %s\n", json_string_value(json_object_get(o, "id")),
               json_string_value(json_object_get(o, "sev_name")),
               json_is_true(json_object_get(o, "drill")) ? "DRILL " : "", json_string_value(json_object_get(o, "status")),
               json_is_string(json_object_get(o, "title")) ? json_string_value(json_object_get(o, "title")) : "");
        if (json_is_true(json_object_get(o, "remote")) && !json_is_true(json_object_get(o, "local")))
            printf("%-52s       (declared on another host: warroom join %s)\n", "", json_string_value(json_object_get(o, "id")));
    }
    json_decref(open);
    return 0;
}
