/* header — who, how bad, how long: the incident at a glance. Severity,
 * status, elapsed time and the clock stay at every width; the incident id and
 * the title give way first. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console.h"
#include "warroom/outbox.h"
#include "warroom/sink.h"
#include "warroom/stamp.h"

/* The first remote object of a sink that people open, as the log records
 * it: "channel #inc-20250315-checkout" into NAME, its link into LINK. The
 * log only grows, so each event is looked at once, every frame after that
 * costs nothing. */
static bool remote_of(struct console *con, struct buf *name, struct buf *link)
{
    const struct incident *inc = con->inc;
    if (!inc)
        return false;
    if (con->remote.inc != inc || inc->nevents < con->remote.scanned) {
        free(con->remote.name);
        free(con->remote.link);
        con->remote.name = con->remote.link = NULL;
        con->remote.inc = inc;
        con->remote.scanned = 0;
    }
    for (; !con->remote.name && con->remote.scanned < inc->nevents; con->remote.scanned++) {
        /* only a delivery names one: the other events cost a look at their type */
        if (inc->events[con->remote.scanned]->type != EVENT_DELIVERY)
            continue;
        for (size_t i = 0; i < SINK_TYPE_COUNT; i++) {
            const struct sink_ops *ops = sink_table[i];
            const char *id, *shown;
            if (!ops->remote_label || !outbox_remote_in(inc->events[con->remote.scanned], ops->name, &id, &shown))
                continue;
            struct buf n = BUF_INIT, l = BUF_INIT;
            buf_printf(&n, "%s %s%s", ops->remote_label, ops->remote_sigil ? ops->remote_sigil : "",
                       shown ? shown : id);
            ops->remote_link(&l, id);
            con->remote.name = buf_detach(&n);
            con->remote.link = buf_detach(&l);
            break;
        }
    }
    if (!con->remote.name)
        return false;
    buf_adds(name, con->remote.name);
    buf_adds(link, con->remote.link);
    return true;
}

int header_remote_lines(struct console *con, int cols)
{
    struct buf name = BUF_INIT, link = BUF_INIT;
    int n = 0;
    if (remote_of(con, &name, &link))
        n = 1 + (int)(name.len + link.len) + 2 + 1 <= cols ? 1 : 2;
    buf_free(&name);
    buf_free(&link);
    return n;
}

/* Under the title: the channel and its link, side by side or one a line. */
static void draw_remote(struct panel *p, struct console *con, WINDOW *w)
{
    struct buf name = BUF_INIT, link = BUF_INIT;
    if (p->height >= 3 && remote_of(con, &name, &link)) {
        wattrset(w, ui_attr(con, THEME_HEADER));
        wmove(w, 2, 0);
        int used = ui_put(w, " ", 1, p->width);
        used += ui_put_fit(w, name.data, p->width - used);
        if (p->height >= 4) {
            for (; used < p->width; used++)
                waddch(w, ' ');
            wmove(w, 3, 0);
            used = ui_put(w, " ", 1, p->width);
        } else {
            used += ui_put(w, "  ", 2, p->width - used);
        }
        used += ui_put_fit(w, link.data, p->width - used);
        for (; used < p->width; used++)
            waddch(w, ' ');
    }
    buf_free(&name);
    buf_free(&link);
}

static void header_draw(struct panel *p, struct console *con)
{
    const struct incident *inc = con->inc;
    WINDOW *w = p->win;
    char badge[48], span[32], now[32], right[96], status[64];
    attr_t base = ui_attr(con, THEME_HEADER);
    wbkgdset(w, ' ' | base);
    werase(w);
    wmove(w, 0, 0);

    const struct severity_level *lvl = policy_level(con->policy, inc->sev);
    if (lvl && p->width >= 60)
        snprintf(badge, sizeof badge, " %s %s ", lvl->name, lvl->label ? lvl->label : "");
    else if (lvl)
        snprintf(badge, sizeof badge, " %s ", lvl->name);
    else
        snprintf(badge, sizeof badge, " SEV%d ", inc->sev);
    snprintf(status, sizeof status, " %s ", incident_status_name(inc->status));
    for (char *c = status; *c; c++)
        *c = (char)(*c >= 'a' && *c <= 'z' ? *c - 32 : *c);
    /* the status update may lag behind what was done: say the impact is
     * mitigated as soon as it is, whatever the last update said */
    bool mitigated = inc->mitigated_at != STAMP_NONE && inc->status != STATUS_RESOLVED &&
                     inc->status != STATUS_MONITORING &&
                     (inc->reopened_at == STAMP_NONE || inc->mitigated_at > inc->reopened_at);
    int64_t end = inc->resolved_at != STAMP_NONE ? inc->resolved_at : con->now;
    stamp_format_span(span, sizeof span, inc->declared_at != STAMP_NONE ? end - inc->declared_at : 0);
    ui_format_time(con, now, sizeof now, con->now, false);
    snprintf(right, sizeof right, " %s %s  %s %s ", inc->resolved_at != STAMP_NONE ? "lasted" : "elapsed", span, now,
             con->utc ? "UTC" : "local");
    int right_cols = (int)strlen(right);
    /* narrow: the zone, then the word go; the times stay */
    /* a game day says so first, at every width: nobody takes it for the real thing */
    static const char drill[] = " DRILL ";
    int drill_cols = inc->drill ? (int)strlen(drill) : 0;
    int least = drill_cols + (int)strlen(badge) + (int)strlen(status) + (mitigated ? 11 : 0);
    if (least + right_cols > p->width) {
        snprintf(right, sizeof right, " %s %s  %s ", inc->resolved_at != STAMP_NONE ? "lasted" : "elapsed", span,
                 now);
        right_cols = (int)strlen(right);
    }
    if (least + right_cols > p->width) {
        snprintf(right, sizeof right, " +%s %s ", span, now);
        right_cols = (int)strlen(right);
    }

    int sev_el = inc->sev >= 1 && inc->sev <= 5 ? THEME_SEV_1 + inc->sev - 1 : THEME_SEV_5;
    int used = 0;
    if (inc->drill) {
        wattrset(w, ui_attr(con, THEME_WARNING) | A_REVERSE | A_BOLD);
        used += ui_put(w, drill, strlen(drill), p->width);
    }
    wattrset(w, ui_attr(con, (enum theme_element)sev_el));
    used += ui_put(w, badge, strlen(badge), p->width - used);
    wattrset(w, ui_attr(con, THEME_STATUS));
    used += ui_put(w, status, strlen(status), p->width - used);
    if (mitigated) {
        wattrset(w, ui_attr(con, THEME_CLOCK_MET) | A_BOLD);
        used += ui_put(w, " mitigated ", 11, p->width - used);
    }
    /* the runbook's rate times the minutes of impact: an estimate, said so */
    struct buf estimate = BUF_INIT;
    ui_runbook_estimate(con, &estimate);
    if (estimate.len && p->width - used - right_cols >= ui_width(estimate.data) + 2) {
        wattrset(w, ui_attr(con, THEME_WARNING));
        used += ui_put(w, " ", 1, p->width - used);
        used += ui_put(w, estimate.data, estimate.len, p->width - used);
        used += ui_put(w, " ", 1, p->width - used);
    }
    buf_free(&estimate);
    wattrset(w, base);

    /* between the badges and the time: failing sinks first (they are what
     * needs doing), then the incident id if it fits whole */
    int room = p->width - used - right_cols;
    struct buf failing = BUF_INIT;
    if (con->outbox && outbox_problems(con->outbox, &failing) > 0 && room > 20) {
        wattrset(w, ui_attr(con, THEME_SINK_FAILING));
        int n = ui_put(w, " sinks failing: ", 16, room);
        n += ui_put_fit(w, failing.data, room - n - 1);
        used += n;
        room -= n;
        wattrset(w, base);
    }
    buf_free(&failing);
    /* then the sync's trouble ("sync: offline 3m, 12 events to push") */
    struct buf synced = BUF_INIT;
    if (sync_follow_describe(con->sync, &synced, con->now) > 0 && room > 20) {
        wattrset(w, ui_attr(con, THEME_SINK_FAILING));
        int n = ui_put(w, " ", 1, room);
        n += ui_put_fit(w, synced.data, room - n - 1);
        used += n;
        room -= n;
        wattrset(w, base);
    }
    buf_free(&synced);
    bool id_shown = false;
    if (room >= (int)strlen(inc->id) + 2 && (p->height > 1 || !inc->title)) {
        used += ui_put(w, " ", 1, room);
        used += ui_put(w, inc->id, strlen(inc->id), room - 1);
        id_shown = true;
    } else if (p->height == 1 && room > 4) {
        /* one line: the title takes the middle */
        wattrset(w, ui_attr(con, THEME_HEADER_TITLE));
        used += ui_put(w, " ", 1, room);
        used += ui_put_fit(w, inc->title ? inc->title : "", room - 2);
        wattrset(w, base);
    }
    for (; used < p->width - right_cols; used++)
        waddch(w, ' ');
    ui_put(w, right, strlen(right), p->width - used);
    if (p->height == 1)
        return;
    wmove(w, 1, 0);
    wattrset(w, ui_attr(con, THEME_HEADER_TITLE));
    waddch(w, ' ');
    used = 1 + ui_put_fit(w, inc->title ? inc->title : "(no title)", p->width - 2);
    if (!id_shown && p->width - used >= (int)strlen(inc->id) + 3) {
        wattrset(w, base);
        for (; used < p->width - (int)strlen(inc->id) - 1; used++)
            waddch(w, ' ');
        used += ui_put(w, inc->id, strlen(inc->id), p->width - used);
    }
    wattrset(w, ui_attr(con, THEME_HEADER_TITLE));
    for (; used < p->width; used++)
        waddch(w, ' ');
    draw_remote(p, con, w);
}

const struct panel_ops header_panel_ops = {
    .name = "header",
    .draw = header_draw,
};
