/* status — see include/warroom/status.h.
 *
 * The clocks are clock_compute's own, run over an incident rebuilt from the
 * summary with exactly the fields clock_compute reads (declaration, severity
 * and its history, status, acknowledgement, last update, reopening,
 * mitigation, resolution, data exposure, escalation steps taken, the
 * postmortem); tests/cli/test_status.sh holds them to what `show --json`
 * computes after a full replay. */
#include "warroom/status.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "warroom/clock.h"
#include "warroom/describe.h"
#include "warroom/stamp.h"
#include "warroom/text.h"

void status_incident(struct status_incident *out, const struct incident_summary *sum, const char *id)
{
    memset(out, 0, sizeof *out);
    struct incident *inc = &out->inc;
    const struct summary_clocks *c = &sum->clocks;
    snprintf(out->id, sizeof out->id, "%s", id);
    inc->id = out->id;
    inc->declared_at = sum->declared_at;
    inc->sev = sum->sev;
    inc->status = (enum incident_status)sum->status;
    inc->data_exposed = sum->data_exposed;
    inc->impact_at = sum->impact_at;
    inc->detected_at = sum->detected_at;
    inc->acked_at = sum->acked_at;
    inc->mitigated_at = sum->mitigated_at;
    inc->resolved_at = sum->resolved_at;
    inc->last_update_at = c->last_update_at;
    inc->reopened_at = c->reopened_at;
    inc->exposed_at = c->exposed_at;
    for (size_t i = 0; i < c->nsevs; i++)
        out->sevs[i] = (struct sev_change){c->sevs[i], c->sevs_at[i], "", NULL};
    inc->sevs = out->sevs;
    inc->nsevs = c->nsevs;
    for (size_t i = 0; i < c->nfired; i++)
        out->fired[i] = c->fired[i];
    inc->fired = out->fired;
    inc->nfired = c->nfired;
    if (c->postmortem_at != STAMP_NONE) {
        out->postmortem.at = out->postmortem.ts = c->postmortem_at;
        out->postmortem.type = EVENT_POSTMORTEM;
        inc->postmortem = &out->postmortem;
    }
}

void status_tmux_escape(struct buf *out, const char *s, size_t cols)
{
    struct buf clean = BUF_INIT;
    text_clean(&clean, s ? s : "", s ? strlen(s) : 0, 0);
    size_t used, keep = text_fit(buf_str(&clean), clean.len, cols, &used);
    for (size_t i = 0; i < keep; i++) {
        if (clean.data[i] == '#')
            buf_addc(out, '#');   /* "##" is a literal '#' to tmux, in a format and in a style run */
        buf_addc(out, clean.data[i]);
    }
    buf_free(&clean);
}

/* Text as it goes into the line: for tmux escaped, else only cleaned. */
static void put_text(struct buf *out, const char *s, size_t cols, enum status_format format)
{
    if (format == STATUS_FORMAT_TMUX) {
        status_tmux_escape(out, s, cols);
        return;
    }
    struct buf clean = BUF_INIT;
    text_clean(&clean, s ? s : "", s ? strlen(s) : 0, 0);
    size_t used, keep = text_fit(buf_str(&clean), clean.len, cols, &used);
    buf_add(out, buf_str(&clean), keep);
    buf_free(&clean);
}

static void style(struct buf *out, enum status_format format, const char *tmux_style)
{
    if (format == STATUS_FORMAT_TMUX)
        buf_printf(out, "#[%s]", tmux_style);
}

static const char *sev_style(int sev)
{
    return sev <= 1 ? "fg=colour231,bg=colour160,bold" : sev == 2 ? "fg=colour231,bg=colour166,bold"
                                                                  : "fg=colour16,bg=colour178,bold";
}

/* The incident to show: the most severe open one, the latest declared among
 * equals. */
static size_t pick(const struct incident_summary *sums, size_t n, size_t *nopen)
{
    size_t best = n;
    *nopen = 0;
    for (size_t i = 0; i < n; i++) {
        if (!sums[i].open || sums[i].declared_at == STAMP_NONE)
            continue;
        (*nopen)++;
        if (best == n || sums[i].sev < sums[best].sev ||
            (sums[i].sev == sums[best].sev && sums[i].declared_at > sums[best].declared_at))
            best = i;
    }
    return best;
}

static json_t *clock_json(const struct clock *c, int64_t now, enum status_format format)
{
    char iso[STAMP_TEXT_MAX];
    struct buf label = BUF_INIT;
    put_text(&label, c->label, sizeof c->label, format);
    /* whole seconds: a status bar shows no milliseconds, and a float of them
     * prints as 41.805999999999997 */
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:I}", "kind", clock_kind_name(c->kind), "label", buf_str(&label),
                          "state", clock_state_name(c->state), "deadline", stamp_format_iso_s(iso, c->deadline),
                          c->state == CLOCK_OVERDUE ? "overdue_s" : "in_s",
                          (json_int_t)((c->state == CLOCK_OVERDUE ? now - c->deadline : c->deadline - now) / 1000));
    buf_free(&label);
    return o;
}

void status_render(struct buf *out, const struct incident_summary *sums, const char *const *ids,
                   struct incident *const *replayed, size_t n, const struct policy *p, int64_t now,
                   enum status_format format)
{
    size_t nopen, best = pick(sums, n, &nopen);
    if (best == n) {
        if (format == STATUS_FORMAT_JSON) {
            buf_adds(out, "{\"open\": 0}\n");
            return;
        }
        style(out, format, "fg=colour34");
        buf_adds(out, "no open incident");
        style(out, format, "default");
        buf_adds(out, "\n");
        return;
    }
    const struct incident_summary *sum = &sums[best];
    struct status_incident si;
    struct clock clocks[CLOCK_MAX];
    status_incident(&si, sum, ids[best]);
    size_t nclocks = clock_compute(replayed && replayed[best] ? replayed[best] : &si.inc, p, now, clocks);
    const struct clock *next = NULL, *first_overdue = NULL;
    size_t noverdue = 0;
    for (size_t i = 0; i < nclocks; i++) {
        if (clocks[i].state == CLOCK_OVERDUE) {
            noverdue++;
            if (!first_overdue)
                first_overdue = &clocks[i];
        } else if (clocks[i].state == CLOCK_PENDING && !next) {
            next = &clocks[i];
        }
    }
    char name_buf[16], elapsed[32], span[32];
    const char *sev = describe_sev(p, sum->sev, name_buf, sizeof name_buf);
    stamp_format_span(elapsed, sizeof elapsed, now > sum->declared_at ? now - sum->declared_at : 0);

    if (format == STATUS_FORMAT_JSON) {
        struct buf title = BUF_INIT, sev_text = BUF_INIT;
        put_text(&title, sum->title, STATUS_TITLE_COLS, format);
        put_text(&sev_text, sev, 16, format);
        json_t *overdue = json_array();
        for (size_t i = 0; i < nclocks; i++)
            if (clocks[i].state == CLOCK_OVERDUE)
                json_array_append_new(overdue, clock_json(&clocks[i], now, format));
        json_t *o = json_pack("{s:i, s:s, s:s, s:s, s:I, s:o, s:o}", "open", (int)nopen, "id", ids[best], "sev",
                              buf_str(&sev_text), "title", buf_str(&title), "elapsed_s",
                              (json_int_t)((now - sum->declared_at) / 1000), "next",
                              next ? clock_json(next, now, format) : json_null(), "overdue", overdue);
        if (sum->drill)
            json_object_set_new(o, "drill", json_true());
        char *text = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
        buf_adds(out, text ? text : "{}");
        buf_adds(out, "\n");
        free(text);
        json_decref(o);
        buf_free(&title);
        buf_free(&sev_text);
        return;
    }

    if (sum->drill) {
        /* first, as in the console's header: a rehearsal must not read as the real thing */
        style(out, format, "fg=colour16,bg=colour51,bold");
        buf_adds(out, " DRILL ");
    }
    style(out, format, sev_style(sum->sev));
    buf_adds(out, " ");
    put_text(out, sev, 16, format);
    buf_adds(out, " ");
    style(out, format, "default");
    buf_printf(out, " %s ", elapsed);
    put_text(out, sum->title, STATUS_TITLE_COLS, format);
    if (first_overdue) {
        buf_adds(out, " | ");
        style(out, format, "fg=colour196,bold");
        buf_adds(out, "! ");
        put_text(out, first_overdue->label, sizeof first_overdue->label, format);
        buf_printf(out, " overdue %s", stamp_format_span(span, sizeof span, now - first_overdue->deadline));
        if (noverdue > 1)
            buf_printf(out, " (+%zu)", noverdue - 1);
        style(out, format, "default");
    }
    if (next) {
        buf_adds(out, " | ");
        put_text(out, next->label, sizeof next->label, format);
        buf_printf(out, " in %s", stamp_format_span(span, sizeof span, next->deadline - now));
    }
    if (nopen > 1)
        buf_printf(out, " | +%zu open", nopen - 1);
    buf_adds(out, "\n");
}
