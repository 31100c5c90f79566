/* report — see include/warroom/report.h.
 *
 * An incident is grouped under its severity as it stands (the last one set)
 * and the month (UTC) of its declaration. A figure the log does not allow (not
 * acknowledged, not mitigated, not resolved) is left out of that figure's
 * statistics and the incident is listed under "missing": an absent moment is
 * never a zero. */
#include "warroom/report.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "warroom/describe.h"
#include "warroom/postmortem.h"
#include "warroom/stamp.h"
#include "warroom/template.h"
#include "warroom/text.h"

#define FIGURES 4
static const char *const figure_keys[FIGURES] = {"ttd", "tta", "ttm", "ttr"};
static const char *const figure_titles[FIGURES] = {"TTD", "TTA", "TTM", "TTR"};
static const char *const figure_why[FIGURES] = {"not detected", "not acknowledged", "not mitigated", "not resolved"};
#define TITLE_MAX 120    /* bytes of a title the report repeats */

double report_quantile(const int64_t *sorted, size_t n, double q)
{
    double h = (double)(n - 1) * q;
    size_t lo = (size_t)floor(h);
    if (lo + 1 >= n)
        return (double)sorted[n - 1];
    return (double)sorted[lo] + (h - (double)lo) * (double)(sorted[lo + 1] - sorted[lo]);
}

/* ---- building -------------------------------------------------------- */

/* The figures of the incidents in one group, one array per figure. */
struct sample {
    int64_t *v[FIGURES];
    size_t n[FIGURES], cap[FIGURES];
    size_t count;
};

static void sample_add(struct sample *s, const int64_t fig[FIGURES])
{
    s->count++;
    for (int k = 0; k < FIGURES; k++) {
        if (fig[k] == STAMP_NONE)
            continue;
        if (s->n[k] == s->cap[k]) {
            s->cap[k] = s->cap[k] ? 2 * s->cap[k] : 8;
            s->v[k] = xrealloc(s->v[k], s->cap[k] * sizeof *s->v[k]);
        }
        s->v[k][s->n[k]++] = fig[k];
    }
}

static void sample_free(struct sample *s)
{
    for (int k = 0; k < FIGURES; k++)
        free(s->v[k]);
}

static int compare_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* Milliseconds as seconds, to the millisecond. */
static json_t *seconds_json(double ms)
{
    return json_real(round(ms) / 1000.0);
}

static json_t *sample_json(struct sample *s)
{
    json_t *figures = json_object();
    for (int k = 0; k < FIGURES; k++) {
        json_t *f = json_object();
        json_object_set_new(f, "n", json_integer((json_int_t)s->n[k]));
        if (s->n[k]) {
            qsort(s->v[k], s->n[k], sizeof *s->v[k], compare_i64);
            json_object_set_new(f, "median_s", seconds_json(report_quantile(s->v[k], s->n[k], 0.5)));
            json_object_set_new(f, "p90_s", seconds_json(report_quantile(s->v[k], s->n[k], 0.9)));
        } else {
            json_object_set_new(f, "median_s", json_null());
            json_object_set_new(f, "p90_s", json_null());
        }
        json_object_set_new(figures, figure_keys[k], f);
    }
    return figures;
}

static json_t *moment_json(int64_t t)
{
    char iso[STAMP_TEXT_MAX];
    return t == STAMP_NONE ? json_null() : json_string(stamp_format_iso_s(iso, t));
}

/* S from a log, cleaned to one line and bounded, for every output. */
static json_t *clean_json(const char *s)
{
    struct buf b = BUF_INIT;
    size_t n = s ? strlen(s) : 0;
    text_clean(&b, s ? s : "", n, 0);
    size_t used, keep = text_fit(buf_str(&b), b.len, TITLE_MAX, &used);
    json_t *j = json_stringn(buf_str(&b), keep);
    buf_free(&b);
    return j;
}

static int month_of(int64_t t)
{
    int y, mo, d, h, mi, s;
    stamp_to_utc(t, &y, &mo, &d, &h, &mi, &s);
    return y * 12 + (mo - 1);
}

static void month_name(char out[16], int month)
{
    snprintf(out, 16, "%04d-%02d", month / 12, month % 12 + 1);
}

/* The level in force at T: the last severity set at or before it. */
static int sev_at(const struct incident *inc, int64_t t)
{
    int sev = inc->nsevs ? inc->sevs[0].sev : inc->sev;
    for (size_t i = 0; i < inc->nsevs && inc->sevs[i].at <= t; i++)
        sev = inc->sevs[i].sev;
    return sev;
}

static int64_t update_every(const struct policy *p, int sev)
{
    const struct severity_level *l = policy_level(p, sev);
    return l ? l->update_every : 0;
}

/* The update cadence of one incident, the way the update clock runs: due
 * update_every (of the severity in force) after the declaration, the last
 * update or a reopening; stopped by the resolution. */
static json_t *cadence_json(const struct incident *inc, const struct policy *p, int64_t now, const char *sev)
{
    int64_t base = inc->declared_at, late_total = 0, late_max = 0, silent_end = 0;
    size_t updates = 0, late = 0;
    bool running = true, kept = update_every(p, inc->sev) != 0;
    for (size_t i = 0; i < inc->ntimeline; i++) {
        const struct timeline_entry *e = &inc->timeline[i];
        int64_t at = e->happened;
        if (at < inc->declared_at)
            continue;
        int64_t every = update_every(p, sev_at(inc, at));
        kept = kept || every != 0;
        bool resolves = e->ev->type == EVENT_RESOLVE ||
                        (e->ev->type == EVENT_UPDATE &&
                         incident_status_from_state(event_str(e->ev, "state")) == STATUS_RESOLVED);
        if (e->ev->type == EVENT_UPDATE && running) {
            updates++;
            if (every && at > base + every) {
                late++;
                late_total += at - (base + every);
                if (at - (base + every) > late_max)
                    late_max = at - (base + every);
            }
            base = at;
        } else if (resolves && running && every && at > base + every) {
            silent_end = at - (base + every);   /* resolved without the update that was due */
        }
        if (resolves)
            running = false;
        if (e->ev->type == EVENT_REOPEN) {
            running = true;
            silent_end = 0;
            base = at;
        }
    }
    if (running) {
        int64_t every = update_every(p, inc->sev);
        silent_end = every && now > base + every ? now - (base + every) : 0;
    }
    if (!kept)
        return NULL;                      /* no level it had asks for updates */
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(inc->id));
    json_object_set_new(o, "sev", json_string(sev));
    json_object_set_new(o, "updates", json_integer((json_int_t)updates));
    json_object_set_new(o, "late", json_integer((json_int_t)late));
    json_object_set_new(o, "late_total_s", seconds_json((double)late_total));
    json_object_set_new(o, "late_max_s", seconds_json((double)late_max));
    json_object_set_new(o, "silent_end_s", seconds_json((double)silent_end));
    return o;
}

static bool action_open(const struct action_item *a)
{
    return !*a->status || strcmp(a->status, "open") == 0;
}

/* Overdue once its due day (YYYY-MM-DD, UTC) is over; a date in another
 * shape is not guessed at. */
static bool action_overdue(const struct action_item *a, int64_t now)
{
    int y, mo, d;
    char tail;
    if (strlen(a->due) != 10 || sscanf(a->due, "%4d-%2d-%2d%c", &y, &mo, &d, &tail) != 3)
        return false;
    return now >= stamp_from_utc(y, mo, d, 0, 0, 0) + 86400 * STAMP_SECOND;
}

static int compare_actions(const void *pa, const void *pb)
{
    const json_t *a = *(json_t *const *)pa, *b = *(json_t *const *)pb;
    int c = strcmp(json_string_value(json_object_get(a, "created")), json_string_value(json_object_get(b, "created")));
    if (c)
        return c;
    c = strcmp(json_string_value(json_object_get(a, "incident")), json_string_value(json_object_get(b, "incident")));
    return c ? c : strcmp(json_string_value(json_object_get(a, "item")), json_string_value(json_object_get(b, "item")));
}

/* Counts into TALLY (an array of {KEY, open, overdue, oldest}) for NAME. */
static void tally_add(json_t *tally, const char *key, const char *name, bool overdue, const char *created)
{
    size_t i;
    json_t *row = NULL;
    json_array_foreach(tally, i, row) {
        if (strcmp(json_string_value(json_object_get(row, key)), name) == 0)
            break;
    }
    if (i == json_array_size(tally)) {
        row = json_pack("{s:s, s:i, s:i, s:s}", key, name, "open", 0, "overdue", 0, "oldest", created);
        json_array_append_new(tally, row);
    }
    json_object_set_new(row, "open", json_integer(json_integer_value(json_object_get(row, "open")) + 1));
    if (overdue)
        json_object_set_new(row, "overdue", json_integer(json_integer_value(json_object_get(row, "overdue")) + 1));
}

static bool seen_before(struct incident *const *incs, size_t i)
{
    for (size_t k = 0; k < i; k++)
        if (strcmp(incs[k]->id, incs[i]->id) == 0)
            return true;
    return false;
}

static bool in_period(const struct incident *inc, const struct report_options *o)
{
    if (inc->declared_at == STAMP_NONE || (inc->drill && !o->drills))
        return false;
    return (o->since == STAMP_NONE || inc->declared_at >= o->since) &&
           (o->until == STAMP_NONE || inc->declared_at < o->until);
}

json_t *report_build(struct incident *const *incs, size_t n, const struct policy *p,
                     const struct report_options *o)
{
    /* the incidents that count, and the months and levels they span */
    const struct incident **in = xmalloc((n + 1) * sizeof *in);
    size_t nin = 0;
    int first_month = 0, last_month = 0;
    unsigned levels = 0;
    json_t *missing = json_array();
    for (size_t i = 0; i < n; i++) {
        const struct incident *inc = incs[i];
        if (seen_before(incs, i))
            continue;
        if (inc->declared_at == STAMP_NONE && (!inc->drill || o->drills)) {
            json_t *m = json_pack("{s:s, s:o, s:n, s:n, s:[ssss], s:[s]}", "id", inc->id, "title", clean_json(inc->title),
                                  "sev", "declared", "figures", "ttd", "tta", "ttm", "ttr", "why", "never declared");
            json_array_append_new(missing, m);
            continue;
        }
        if (!in_period(inc, o))
            continue;
        int m = month_of(inc->declared_at);
        if (!nin || m < first_month)
            first_month = m;
        if (!nin || m > last_month)
            last_month = m;
        if (inc->sev >= 1 && inc->sev <= POLICY_SEV_MAX)
            levels |= 1u << inc->sev;
        in[nin++] = inc;
    }
    size_t nmonths = nin ? (size_t)(last_month - first_month + 1) : 0;
    /* per level (index 0: every level), per month (index 0: the period) */
    struct sample *samples = xcalloc((POLICY_SEV_MAX + 1) * (nmonths + 1), sizeof *samples);
#define SAMPLE(level, month) (&samples[(size_t)(level) * (nmonths + 1) + (month)])

    json_t *cadence = json_array(), *actions = json_array(), *pm_overdue = json_array();
    json_t *changes = json_array();
    size_t changed = 0, ups = 0, downs = 0;
    for (size_t i = 0; i < nin; i++) {
        const struct incident *inc = in[i];
        char name_buf[16], sev[16];
        snprintf(sev, sizeof sev, "%s", describe_sev(p, inc->sev, name_buf, sizeof name_buf));
        struct postmortem_figures f;
        postmortem_figures(&f, inc, o->now);
        int64_t fig[FIGURES] = {f.ttd, f.tta, f.ttm, f.ttr};
        size_t month = (size_t)(month_of(inc->declared_at) - first_month) + 1;
        int level = inc->sev >= 1 && inc->sev <= POLICY_SEV_MAX ? inc->sev : 0;
        sample_add(SAMPLE(0, 0), fig);
        sample_add(SAMPLE(0, month), fig);
        if (level) {
            sample_add(SAMPLE(level, 0), fig);
            sample_add(SAMPLE(level, month), fig);
        }

        json_t *lacking = json_array(), *why = json_array();
        for (int k = 0; k < FIGURES; k++)
            if (fig[k] == STAMP_NONE) {
                json_array_append_new(lacking, json_string(figure_keys[k]));
                json_array_append_new(why, json_string(figure_why[k]));
            }
        if (json_array_size(lacking))
            json_array_append_new(missing, json_pack("{s:s, s:o, s:s, s:o, s:o, s:o}", "id", inc->id, "title",
                                                     clean_json(inc->title), "sev", sev, "declared",
                                                     moment_json(inc->declared_at), "figures", lacking, "why", why));
        else {
            json_decref(lacking);
            json_decref(why);
        }

        json_t *c = cadence_json(inc, p, o->now, sev);
        if (c)
            json_array_append_new(cadence, c);

        for (size_t a = 0; a < inc->nactions; a++) {
            const struct action_item *item = &inc->actions[a];
            if (!action_open(item))
                continue;
            char iso[STAMP_TEXT_MAX];
            json_array_append_new(
                actions, json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:s, s:b}", "incident", inc->id, "item",
                                   clean_json(item->item), "text", clean_json(item->text), "owner",
                                   clean_json(item->owner), "kind", clean_json(item->kind), "priority",
                                   clean_json(item->priority), "due", clean_json(item->due), "created",
                                   stamp_format_iso(iso, item->created), "overdue", action_overdue(item, o->now)));
        }

        const struct severity_level *lvl = policy_level(p, inc->sev);
        if (lvl && lvl->postmortem_due && inc->status == STATUS_RESOLVED && !inc->postmortem &&
            o->now >= inc->resolved_at + lvl->postmortem_due)
            json_array_append_new(pm_overdue,
                                  json_pack("{s:s, s:o, s:s, s:o, s:o, s:o}", "id", inc->id, "title",
                                            clean_json(inc->title), "sev", sev, "resolved", moment_json(inc->resolved_at),
                                            "due", moment_json(inc->resolved_at + lvl->postmortem_due), "overdue_by_s",
                                            seconds_json((double)(o->now - inc->resolved_at - lvl->postmortem_due))));

        size_t up = 0, down = 0;
        for (size_t s = 1; s < inc->nsevs; s++) {
            if (inc->sevs[s].sev < inc->sevs[s - 1].sev)
                up++;                     /* a lower number is more severe */
            else if (inc->sevs[s].sev > inc->sevs[s - 1].sev)
                down++;
        }
        if (up || down) {
            changed++;
            ups += up;
            downs += down;
            char first[16], first_buf[16];
            snprintf(first, sizeof first, "%s", describe_sev(p, inc->sevs[0].sev, first_buf, sizeof first_buf));
            json_array_append_new(changes, json_pack("{s:s, s:s, s:s, s:i, s:i}", "id", inc->id, "declared_sev", first,
                                                     "sev", sev, "up", (int)up, "down", (int)down));
        }
    }

    json_t *r = json_object();
    json_object_set_new(r, "period", json_pack("{s:o, s:o}", "since", moment_json(o->since), "until", moment_json(o->until)));
    json_object_set_new(r, "drills", json_boolean(o->drills));
    json_object_set_new(r, "now", moment_json(o->now));
    json_object_set_new(r, "percentile_method", json_string(REPORT_PERCENTILE_METHOD));
    json_object_set_new(r, "incidents", json_integer((json_int_t)nin));
    json_t *months = json_array();
    for (size_t m = 0; m < nmonths; m++) {
        char name[16];
        month_name(name, first_month + (int)m);
        json_array_append_new(months, json_string(name));
    }
    json_object_set_new(r, "months", months);
    json_t *sevs = json_array();
    for (int level = 0; level <= POLICY_SEV_MAX; level++) {
        if (level && !(levels & (1u << level)))
            continue;
        char name_buf[16];
        json_t *g = json_object();
        json_object_set_new(g, "sev", json_string(level ? describe_sev(p, level, name_buf, sizeof name_buf) : "all"));
        json_object_set_new(g, "level", level ? json_integer(level) : json_null());
        json_object_set_new(g, "count", json_integer((json_int_t)SAMPLE(level, 0)->count));
        json_object_set_new(g, "figures", sample_json(SAMPLE(level, 0)));
        json_t *per = json_array();
        for (size_t m = 0; m < nmonths; m++) {
            char name[16];
            month_name(name, first_month + (int)m);
            json_array_append_new(per, json_pack("{s:s, s:i, s:o}", "month", name, "count",
                                                 (int)SAMPLE(level, m + 1)->count, "figures",
                                                 sample_json(SAMPLE(level, m + 1))));
        }
        json_object_set_new(g, "months", per);
        if (level)
            json_array_append_new(sevs, g);
        else
            json_object_set_new(r, "overall", g);
    }
    json_object_set_new(r, "severities", sevs);
    json_object_set_new(r, "missing", missing);
    json_object_set_new(r, "cadence", cadence);

    /* oldest first, then the tallies in that order */
    size_t na = json_array_size(actions);
    json_t **sorted = xmalloc((na + 1) * sizeof *sorted);
    for (size_t a = 0; a < na; a++)
        sorted[a] = json_incref(json_array_get(actions, a));
    qsort(sorted, na, sizeof *sorted, compare_actions);
    json_array_clear(actions);
    json_t *by_owner = json_array(), *by_kind = json_array();
    for (size_t a = 0; a < na; a++) {
        const json_t *item = sorted[a];
        const char *owner = json_string_value(json_object_get(item, "owner"));
        const char *kind = json_string_value(json_object_get(item, "kind"));
        bool overdue = json_is_true(json_object_get(item, "overdue"));
        const char *created = json_string_value(json_object_get(item, "created"));
        tally_add(by_owner, "owner", *owner ? owner : "(no owner)", overdue, created);
        tally_add(by_kind, "kind", *kind ? kind : "(no kind)", overdue, created);
        json_array_append_new(actions, sorted[a]);
    }
    free(sorted);
    json_object_set_new(r, "actions", actions);
    json_object_set_new(r, "actions_by_owner", by_owner);
    json_object_set_new(r, "actions_by_kind", by_kind);
    json_object_set_new(r, "postmortems_overdue", pm_overdue);
    json_object_set_new(r, "calibration", json_pack("{s:i, s:i, s:i, s:i, s:o}", "incidents", (int)nin, "changed",
                                                    (int)changed, "up", (int)ups, "down", (int)downs, "changes",
                                                    changes));
    for (size_t s = 0; s < (POLICY_SEV_MAX + 1) * (nmonths + 1); s++)
        sample_free(&samples[s]);
#undef SAMPLE
    free(samples);
    free(in);
    return r;
}

/* ---- reading the report back ----------------------------------------- */

static const char *str_of(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

static json_int_t int_of(const json_t *o, const char *key)
{
    return json_integer_value(json_object_get(o, key));
}

/* FIGURES[KEY][WHICH] in ms, or -1 when there is none. */
static double figure_ms(const json_t *figures, int k, const char *which)
{
    const json_t *v = json_object_get(json_object_get(figures, figure_keys[k]), which);
    return json_is_number(v) ? json_number_value(v) * 1000.0 : -1;
}

static void span_text(char *out, size_t size, double ms)
{
    if (ms < 0)
        snprintf(out, size, "-");
    else
        stamp_format_span(out, size, (int64_t)llround(ms));
}

static void period_text(struct buf *out, const json_t *r)
{
    const json_t *period = json_object_get(r, "period");
    const char *since = str_of(period, "since"), *until = str_of(period, "until");
    buf_printf(out, "%s to %s", *since ? since : "the first incident", *until ? until : "now");
}

/* ---- the terminal ---------------------------------------------------- */

/* One cell of COLS columns, S left-aligned (cut when it does not fit). */
static void cell(struct buf *out, const char *s, size_t cols)
{
    size_t used, keep = text_fit(s, strlen(s), cols, &used);
    buf_add(out, s, keep);
    for (; used < cols; used++)
        buf_addc(out, ' ');
}

static void sparkline(struct buf *out, const json_t *months, int k)
{
    static const char *const bars[] = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
    double lo = -1, hi = -1;
    size_t i;
    const json_t *m;
    json_array_foreach(months, i, m) {
        double v = figure_ms(json_object_get(m, "figures"), k, "median_s");
        if (v < 0)
            continue;
        if (lo < 0 || v < lo)
            lo = v;
        if (v > hi)
            hi = v;
    }
    json_array_foreach(months, i, m) {
        double v = figure_ms(json_object_get(m, "figures"), k, "median_s");
        if (v < 0)
            buf_adds(out, "·");          /* no figure that month */
        else
            buf_adds(out, bars[hi > lo ? (int)floor((v - lo) / (hi - lo) * 7.0 + 0.5) : 0]);
    }
}

static void table_figures_row(struct buf *out, const json_t *g)
{
    char text[32];
    cell(out, str_of(g, "sev"), 8);
    snprintf(text, sizeof text, "%5lld  ", (long long)int_of(g, "count"));
    buf_adds(out, text);
    const json_t *figures = json_object_get(g, "figures");
    for (int k = 0; k < FIGURES; k++) {
        span_text(text, sizeof text, figure_ms(figures, k, "median_s"));
        cell(out, text, 9);
        span_text(text, sizeof text, figure_ms(figures, k, "p90_s"));
        if (k + 1 < FIGURES)
            cell(out, text, 9);
        else
            buf_adds(out, text);         /* no padding at the end of the line */
    }
    buf_adds(out, "\n");
}

void report_render_table(struct buf *out, const json_t *r)
{
    buf_adds(out, "Incident report, ");
    period_text(out, r);
    buf_printf(out, ": %lld incident%s%s\n", (long long)int_of(r, "incidents"), int_of(r, "incidents") == 1 ? "" : "s",
               json_is_true(json_object_get(r, "drills")) ? ", drills included" : ", drills left out");
    buf_printf(out, "Medians and 90th percentiles by %s\n\n", str_of(r, "percentile_method"));
    cell(out, "", 8);
    buf_adds(out, "count  ");
    for (int k = 0; k < FIGURES; k++) {
        char head[16];
        snprintf(head, sizeof head, "%s med", figure_titles[k]);
        cell(out, head, 9);
        if (k + 1 < FIGURES)
            cell(out, "p90", 9);
        else
            buf_adds(out, "p90");
    }
    buf_adds(out, "\n");
    size_t i;
    const json_t *g;
    json_array_foreach(json_object_get(r, "severities"), i, g)
        table_figures_row(out, g);
    table_figures_row(out, json_object_get(r, "overall"));

    const json_t *months = json_object_get(r, "months");
    if (json_array_size(months)) {
        buf_printf(out, "\nMonthly medians, %s to %s\n", json_string_value(json_array_get(months, 0)),
                   json_string_value(json_array_get(months, json_array_size(months) - 1)));
        json_array_foreach(json_object_get(r, "severities"), i, g) {
            cell(out, str_of(g, "sev"), 8);
            for (int k = 0; k < FIGURES; k++) {
                buf_printf(out, "%s ", figure_titles[k]);
                sparkline(out, json_object_get(g, "months"), k);
                if (k + 1 < FIGURES)
                    buf_adds(out, "  ");
            }
            buf_adds(out, "\n");
        }
    }

    const json_t *x;
    if (json_array_size(json_object_get(r, "missing"))) {
        buf_adds(out, "\nNot counted (the log does not allow the figure)\n");
        json_array_foreach(json_object_get(r, "missing"), i, x) {
            buf_printf(out, "  %s  %s:", str_of(x, "id"), str_of(x, "sev"));
            size_t w;
            const json_t *why;
            json_array_foreach(json_object_get(x, "why"), w, why)
                buf_printf(out, "%s %s", w ? "," : "", json_string_value(why));
            buf_adds(out, "\n");
        }
    }
    if (json_array_size(json_object_get(r, "cadence"))) {
        buf_adds(out, "\nUpdate cadence\n");
        json_array_foreach(json_object_get(r, "cadence"), i, x) {
            char total[32], most[32], silent[32];
            span_text(total, sizeof total, json_number_value(json_object_get(x, "late_total_s")) * 1000);
            span_text(most, sizeof most, json_number_value(json_object_get(x, "late_max_s")) * 1000);
            span_text(silent, sizeof silent, json_number_value(json_object_get(x, "silent_end_s")) * 1000);
            buf_printf(out, "  %s  %s: %lld of %lld updates late (%s in all, at most %s)", str_of(x, "id"),
                       str_of(x, "sev"), (long long)int_of(x, "late"), (long long)int_of(x, "updates"), total, most);
            if (json_number_value(json_object_get(x, "silent_end_s")) > 0)
                buf_printf(out, ", %s without the update due at the end", silent);
            buf_adds(out, "\n");
        }
    }
    if (json_array_size(json_object_get(r, "actions"))) {
        buf_adds(out, "\nOpen action items, oldest first\n");
        json_array_foreach(json_object_get(r, "actions"), i, x) {
            buf_printf(out, "  %s %-3s %s", json_is_true(json_object_get(x, "overdue")) ? "!" : " ", str_of(x, "item"),
                       str_of(x, "incident"));
            buf_printf(out, "  %s  %s  due %s  %s\n", *str_of(x, "owner") ? str_of(x, "owner") : "(no owner)",
                       *str_of(x, "kind") ? str_of(x, "kind") : "(no kind)", *str_of(x, "due") ? str_of(x, "due") : "-",
                       str_of(x, "text"));
        }
        static const char *const tallies[][2] = {{"actions_by_owner", "owner"}, {"actions_by_kind", "kind"}};
        for (size_t t = 0; t < 2; t++) {
            buf_printf(out, "  by %s:", tallies[t][1]);
            json_array_foreach(json_object_get(r, tallies[t][0]), i, x)
                buf_printf(out, "%s %s %lld open, %lld overdue", i ? ";" : "", str_of(x, tallies[t][1]),
                           (long long)int_of(x, "open"), (long long)int_of(x, "overdue"));
            buf_adds(out, "\n");
        }
    }
    if (json_array_size(json_object_get(r, "postmortems_overdue"))) {
        buf_adds(out, "\nPostmortems overdue\n");
        json_array_foreach(json_object_get(r, "postmortems_overdue"), i, x)
            buf_printf(out, "  %s  %s  due %s  %s\n", str_of(x, "id"), str_of(x, "sev"), str_of(x, "due"),
                       str_of(x, "title"));
    }
    const json_t *cal = json_object_get(r, "calibration");
    buf_printf(out, "\nSeverity changed after declaration: %lld of %lld incidents (raised %lld times, lowered %lld)\n",
               (long long)int_of(cal, "changed"), (long long)int_of(cal, "incidents"), (long long)int_of(cal, "up"),
               (long long)int_of(cal, "down"));
}

/* ---- Markdown -------------------------------------------------------- */

static void md_cell(struct buf *out, const char *s)
{
    buf_adds(out, " ");
    if (*s)
        template_escape(out, s, strlen(s), TEMPLATE_CELL);
    else
        buf_adds(out, "-");
    buf_adds(out, " |");
}

static void md_figures_row(struct buf *out, const json_t *g, const char *first)
{
    char text[32];
    buf_adds(out, "|");
    md_cell(out, first);
    snprintf(text, sizeof text, "%lld", (long long)int_of(g, "count"));
    md_cell(out, text);
    const json_t *figures = json_object_get(g, "figures");
    for (int k = 0; k < FIGURES; k++) {
        span_text(text, sizeof text, figure_ms(figures, k, "median_s"));
        md_cell(out, text);
        span_text(text, sizeof text, figure_ms(figures, k, "p90_s"));
        md_cell(out, text);
    }
    buf_adds(out, "\n");
}

static void md_figures_head(struct buf *out, const char *first)
{
    buf_printf(out, "| %s | Count |", first);
    for (int k = 0; k < FIGURES; k++)
        buf_printf(out, " %s median | %s p90 |", figure_titles[k], figure_titles[k]);
    buf_adds(out, "\n| --- | ---: |");
    for (int k = 0; k < FIGURES; k++)
        buf_adds(out, " ---: | ---: |");
    buf_adds(out, "\n");
}

void report_render_markdown(struct buf *out, const json_t *r, const char *svg)
{
    size_t i, j;
    const json_t *g, *x;
    buf_adds(out, "# Incident report\n\n");
    buf_adds(out, "From ");
    period_text(out, r);
    buf_printf(out, ": %lld incident%s, drills %s. Medians and 90th percentiles are by %s.\n\n",
               (long long)int_of(r, "incidents"), int_of(r, "incidents") == 1 ? "" : "s",
               json_is_true(json_object_get(r, "drills")) ? "included" : "left out", str_of(r, "percentile_method"));
    buf_adds(out, "## Time to detect, acknowledge, mitigate and resolve\n\n");
    md_figures_head(out, "Severity");
    json_array_foreach(json_object_get(r, "severities"), i, g)
        md_figures_row(out, g, str_of(g, "sev"));
    md_figures_row(out, json_object_get(r, "overall"), "All");
    buf_adds(out, "\n");
    if (svg) {
        buf_adds(out, "![Monthly medians per severity](");
        for (const char *p = svg; *p; p++) {
            if (*p == '(' || *p == ')' || *p == ' ' || *p == '\\' || *p == '<' || *p == '>')
                buf_printf(out, "%%%02X", (unsigned char)*p);
            else
                buf_addc(out, *p);
        }
        buf_adds(out, ")\n\n");
    }
    if (json_array_size(json_object_get(r, "months"))) {
        buf_adds(out, "## By month\n\n");
        md_figures_head(out, "Severity, month");
        json_array_foreach(json_object_get(r, "severities"), i, g) {
            json_array_foreach(json_object_get(g, "months"), j, x) {
                if (!int_of(x, "count"))
                    continue;
                char first[64];
                snprintf(first, sizeof first, "%s, %s", str_of(g, "sev"), str_of(x, "month"));
                md_figures_row(out, x, first);
            }
        }
        buf_adds(out, "\n");
    }
    buf_adds(out, "## Not counted\n\n");
    if (!json_array_size(json_object_get(r, "missing")))
        buf_adds(out, "Every incident has every figure.\n\n");
    else {
        buf_adds(out, "| Incident | Severity | Title | Missing |\n| --- | --- | --- | --- |\n");
        json_array_foreach(json_object_get(r, "missing"), i, x) {
            struct buf why = BUF_INIT;
            const json_t *w;
            json_array_foreach(json_object_get(x, "why"), j, w)
                buf_printf(&why, "%s%s", j ? ", " : "", json_string_value(w));
            buf_adds(out, "|");
            md_cell(out, str_of(x, "id"));
            md_cell(out, str_of(x, "sev"));
            md_cell(out, str_of(x, "title"));
            md_cell(out, buf_str(&why));
            buf_adds(out, "\n");
            buf_free(&why);
        }
        buf_adds(out, "\n");
    }
    buf_adds(out, "## Update cadence\n\n");
    if (!json_array_size(json_object_get(r, "cadence")))
        buf_adds(out, "No incident had an update cadence.\n\n");
    else {
        buf_adds(out, "| Incident | Severity | Updates | Late | Late in all | Latest by | Silent at the end |\n"
                      "| --- | --- | ---: | ---: | ---: | ---: | ---: |\n");
        json_array_foreach(json_object_get(r, "cadence"), i, x) {
            char text[32];
            buf_adds(out, "|");
            md_cell(out, str_of(x, "id"));
            md_cell(out, str_of(x, "sev"));
            snprintf(text, sizeof text, "%lld", (long long)int_of(x, "updates"));
            md_cell(out, text);
            snprintf(text, sizeof text, "%lld", (long long)int_of(x, "late"));
            md_cell(out, text);
            static const char *const spans[] = {"late_total_s", "late_max_s", "silent_end_s"};
            for (size_t s = 0; s < 3; s++) {
                span_text(text, sizeof text, json_number_value(json_object_get(x, spans[s])) * 1000);
                md_cell(out, text);
            }
            buf_adds(out, "\n");
        }
        buf_adds(out, "\n");
    }
    buf_adds(out, "## Open action items\n\n");
    if (!json_array_size(json_object_get(r, "actions")))
        buf_adds(out, "None.\n\n");
    else {
        buf_adds(out, "Oldest first.\n\n| Incident | Item | Owner | Kind | Due | Overdue | Text |\n"
                      "| --- | --- | --- | --- | --- | --- | --- |\n");
        json_array_foreach(json_object_get(r, "actions"), i, x) {
            buf_adds(out, "|");
            md_cell(out, str_of(x, "incident"));
            md_cell(out, str_of(x, "item"));
            md_cell(out, str_of(x, "owner"));
            md_cell(out, str_of(x, "kind"));
            md_cell(out, str_of(x, "due"));
            md_cell(out, json_is_true(json_object_get(x, "overdue")) ? "yes" : "no");
            md_cell(out, str_of(x, "text"));
            buf_adds(out, "\n");
        }
        static const char *const tallies[][3] = {{"actions_by_owner", "owner", "Owner"},
                                                 {"actions_by_kind", "kind", "Kind"}};
        for (size_t t = 0; t < 2; t++) {
            buf_printf(out, "\n| %s | Open | Overdue | Oldest |\n| --- | ---: | ---: | --- |\n", tallies[t][2]);
            json_array_foreach(json_object_get(r, tallies[t][0]), i, x) {
                char text[32];
                buf_adds(out, "|");
                md_cell(out, str_of(x, tallies[t][1]));
                snprintf(text, sizeof text, "%lld", (long long)int_of(x, "open"));
                md_cell(out, text);
                snprintf(text, sizeof text, "%lld", (long long)int_of(x, "overdue"));
                md_cell(out, text);
                md_cell(out, str_of(x, "oldest"));
                buf_adds(out, "\n");
            }
        }
        buf_adds(out, "\n");
    }
    buf_adds(out, "## Postmortems overdue\n\n");
    if (!json_array_size(json_object_get(r, "postmortems_overdue")))
        buf_adds(out, "None.\n\n");
    else {
        buf_adds(out, "| Incident | Severity | Resolved | Due | Title |\n| --- | --- | --- | --- | --- |\n");
        json_array_foreach(json_object_get(r, "postmortems_overdue"), i, x) {
            buf_adds(out, "|");
            md_cell(out, str_of(x, "id"));
            md_cell(out, str_of(x, "sev"));
            md_cell(out, str_of(x, "resolved"));
            md_cell(out, str_of(x, "due"));
            md_cell(out, str_of(x, "title"));
            buf_adds(out, "\n");
        }
        buf_adds(out, "\n");
    }
    const json_t *cal = json_object_get(r, "calibration");
    buf_printf(out, "## Severity calibration\n\nThe severity changed after the declaration in %lld of %lld incidents "
                    "(raised %lld times, lowered %lld times).\n",
               (long long)int_of(cal, "changed"), (long long)int_of(cal, "incidents"), (long long)int_of(cal, "up"),
               (long long)int_of(cal, "down"));
    if (json_array_size(json_object_get(cal, "changes"))) {
        buf_adds(out, "\n| Incident | Declared | Now | Up | Down |\n| --- | --- | --- | ---: | ---: |\n");
        json_array_foreach(json_object_get(cal, "changes"), i, x) {
            char text[32];
            buf_adds(out, "|");
            md_cell(out, str_of(x, "id"));
            md_cell(out, str_of(x, "declared_sev"));
            md_cell(out, str_of(x, "sev"));
            snprintf(text, sizeof text, "%lld", (long long)int_of(x, "up"));
            md_cell(out, text);
            snprintf(text, sizeof text, "%lld", (long long)int_of(x, "down"));
            md_cell(out, text);
            buf_adds(out, "\n");
        }
    }
}

/* ---- CSV ------------------------------------------------------------- */

/* RFC 4180: quoted when it holds a comma, a quote or a line break; a
 * leading = + - @ is quoted behind a ' so no spreadsheet takes it for a formula. */
static void csv_field(struct buf *out, const char *s)
{
    bool formula = *s == '=' || *s == '+' || *s == '-' || *s == '@';
    if (!formula && !strpbrk(s, ",\"\r\n")) {
        buf_adds(out, s);
        return;
    }
    buf_adds(out, formula ? "\"'" : "\"");
    for (; *s; s++) {
        if (*s == '"')
            buf_addc(out, '"');
        buf_addc(out, *s);
    }
    buf_addc(out, '"');
}

static void csv_number(struct buf *out, const json_t *v)
{
    if (json_is_integer(v))
        buf_printf(out, ",%lld", (long long)json_integer_value(v));
    else if (json_is_number(v))
        buf_printf(out, ",%.3f", json_number_value(v));
    else
        buf_adds(out, ",");
}

static void csv_row(struct buf *out, const char *sev, const char *month, const json_t *g)
{
    csv_field(out, sev);
    buf_addc(out, ',');
    csv_field(out, month);
    buf_printf(out, ",%lld", (long long)int_of(g, "count"));
    const json_t *figures = json_object_get(g, "figures");
    for (int k = 0; k < FIGURES; k++) {
        const json_t *f = json_object_get(figures, figure_keys[k]);
        csv_number(out, json_object_get(f, "n"));
        csv_number(out, json_object_get(f, "median_s"));
        csv_number(out, json_object_get(f, "p90_s"));
    }
    buf_adds(out, "\r\n");
}

void report_render_csv(struct buf *out, const json_t *r)
{
    buf_adds(out, REPORT_CSV_COLUMNS "\r\n");
    size_t i, j;
    const json_t *g, *m;
    json_t *all = json_object_get(r, "overall");
    json_t *groups = json_copy(json_object_get(r, "severities"));
    json_array_append(groups, all);
    json_array_foreach(groups, i, g) {
        csv_row(out, str_of(g, "sev"), "all", g);
        json_array_foreach(json_object_get(g, "months"), j, m)
            csv_row(out, str_of(g, "sev"), str_of(m, "month"), m);
    }
    json_decref(groups);
}

/* ---- SVG ------------------------------------------------------------- */

static void xml_text(struct buf *out, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<': buf_adds(out, "&lt;"); break;
        case '>': buf_adds(out, "&gt;"); break;
        case '&': buf_adds(out, "&amp;"); break;
        case '"': buf_adds(out, "&quot;"); break;
        case '\'': buf_adds(out, "&apos;"); break;
        default: buf_addc(out, *s);
        }
    }
}

void report_render_svg(struct buf *out, const json_t *r)
{
    static const char *const colours[] = {"#d62728", "#ff7f0e", "#1f77b4", "#2ca02c", "#9467bd",
                                          "#8c564b", "#e377c2", "#7f7f7f", "#17becf"};
    const json_t *months = json_object_get(r, "months"), *sevs = json_object_get(r, "severities");
    size_t nm = json_array_size(months), i, j;
    const int pw = 360, ph = 200, pad = 40, legend = 24;
    int width = 2 * pw, height = 2 * ph + legend;
    buf_printf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
                    "font-family=\"sans-serif\" font-size=\"11\">\n",
               width, height, width, height);
    buf_adds(out, "<title>Monthly medians per severity</title>\n");
    buf_printf(out, "<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n", width, height);
    for (int k = 0; k < FIGURES; k++) {
        int ox = (k % 2) * pw, oy = (k / 2) * ph;
        double hi = 0;
        const json_t *g, *m;
        json_array_foreach(sevs, i, g) {
            json_array_foreach(json_object_get(g, "months"), j, m) {
                double v = figure_ms(json_object_get(m, "figures"), k, "median_s");
                if (v > hi)
                    hi = v;
            }
        }
        char top[32];
        span_text(top, sizeof top, hi);
        buf_printf(out, "<g transform=\"translate(%d,%d)\">\n", ox, oy);
        buf_printf(out, "<text x=\"%d\" y=\"16\" font-weight=\"bold\">%s median</text>\n", pad, figure_titles[k]);
        buf_printf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#999999\"/>\n", pad, ph - pad, pw - 10,
                   ph - pad);
        buf_printf(out, "<line x1=\"%d\" y1=\"24\" x2=\"%d\" y2=\"%d\" stroke=\"#999999\"/>\n", pad, pad, ph - pad);
        buf_printf(out, "<text x=\"%d\" y=\"30\" text-anchor=\"end\">", pad - 4);
        xml_text(out, top);
        buf_adds(out, "</text>\n");
        double step = nm > 1 ? (double)(pw - 10 - pad) / (double)(nm - 1) : 0;
        json_array_foreach(months, j, m) {
            if (nm <= 6 || j == 0 || j + 1 == nm || j % ((nm + 5) / 6) == 0) {
                buf_printf(out, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">", pad + step * (double)j, ph - pad + 14);
                xml_text(out, json_string_value(m));
                buf_adds(out, "</text>\n");
            }
        }
        json_array_foreach(sevs, i, g) {
            const char *colour = colours[i % (sizeof colours / sizeof *colours)];
            struct buf points = BUF_INIT;
            json_array_foreach(json_object_get(g, "months"), j, m) {
                double v = figure_ms(json_object_get(m, "figures"), k, "median_s");
                if (v < 0)
                    continue;             /* a month without a figure is a gap, not a zero */
                double x = pad + step * (double)j, y = (ph - pad) - (hi > 0 ? v / hi : 0) * (ph - pad - 24);
                buf_printf(&points, "%s%.1f,%.1f", points.len ? " " : "", x, y);
                buf_printf(out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" fill=\"%s\"/>\n", x, y, colour);
            }
            if (points.len)
                buf_printf(out, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" points=\"%s\"/>\n", colour,
                           buf_str(&points));
            buf_free(&points);
        }
        buf_adds(out, "</g>\n");
    }
    const json_t *g;
    json_array_foreach(sevs, i, g) {
        const char *colour = colours[i % (sizeof colours / sizeof *colours)];
        int x = pad + (int)i * 90;
        buf_printf(out, "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" fill=\"%s\"/>\n", x, 2 * ph + 6, colour);
        buf_printf(out, "<text x=\"%d\" y=\"%d\">", x + 14, 2 * ph + 15);
        xml_text(out, str_of(g, "sev"));
        buf_adds(out, "</text>\n");
    }
    buf_adds(out, "</svg>\n");
}
