/* header — who, how bad, how long: the incident at a glance. */
#include <stdio.h>
#include <string.h>

#include "console.h"
#include "warroom/stamp.h"

static void header_draw(struct panel *p, struct console *con)
{
    const struct incident *inc = con->inc;
    WINDOW *w = p->win;
    char badge[48], span[32], now[32], left[512];
    attr_t base = ui_attr(con, THEME_HEADER);
    wbkgdset(w, ' ' | base);
    werase(w);
    wmove(w, 0, 0);

    const struct severity_level *lvl = policy_level(con->policy, inc->sev);
    if (lvl)
        snprintf(badge, sizeof badge, " %s %s ", lvl->name, lvl->label ? lvl->label : "");
    else
        snprintf(badge, sizeof badge, " SEV%d ", inc->sev);
    int sev_el = inc->sev >= 1 && inc->sev <= 5 ? THEME_SEV_1 + inc->sev - 1 : THEME_SEV_5;
    wattrset(w, ui_attr(con, (enum theme_element)sev_el));
    int used = ui_put(w, badge, strlen(badge), p->width);
    wattrset(w, ui_attr(con, THEME_STATUS));
    char status[32];
    snprintf(status, sizeof status, " %s ", incident_status_name(inc->status));
    for (char *c = status; *c; c++)
        *c = (char)(*c >= 'a' && *c <= 'z' ? *c - 32 : *c);
    used += ui_put(w, status, strlen(status), p->width - used);

    int64_t end = inc->resolved_at != STAMP_NONE ? inc->resolved_at : con->now;
    stamp_format_span(span, sizeof span, inc->declared_at != STAMP_NONE ? end - inc->declared_at : 0);
    ui_format_time(con, now, sizeof now, con->now, false);
    snprintf(left, sizeof left, " %s  %s %s  %s %s", inc->id, inc->resolved_at != STAMP_NONE ? "lasted" : "elapsed",
             span, now, con->utc ? "UTC" : "local");
    wattrset(w, base);
    struct buf failing = BUF_INIT;
    if (con->outbox && outbox_problems(con->outbox, &failing) > 0 && p->height > 1) {
        /* the failing sinks come first: they are what needs doing */
        wattrset(w, ui_attr(con, THEME_SINK_FAILING));
        used += ui_put(w, " sinks failing: ", 16, p->width - used);
        used += ui_put(w, failing.data, failing.len, (p->width - used) / 2);
        wattrset(w, base);
    }
    buf_free(&failing);
    struct buf synced = BUF_INIT;
    if (sync_follow_describe(con->sync, &synced, con->now) > 0 && p->height > 1) {
        wattrset(w, ui_attr(con, THEME_SINK_FAILING));
        used += ui_put(w, " ", 1, p->width - used);
        used += ui_put(w, synced.data, synced.len, (p->width - used) / 2);
        wattrset(w, base);
    }
    buf_free(&synced);
    if (p->height == 1) {
        /* compact: the title follows the badges */
        wattrset(w, ui_attr(con, THEME_HEADER_TITLE));
        waddch(w, ' ');
        used++;
        ui_put_padded(w, inc->title ? inc->title : "", p->width - used);
        return;
    }
    ui_put_padded(w, left, p->width - used);
    wmove(w, 1, 0);
    wattrset(w, ui_attr(con, THEME_HEADER_TITLE));
    waddch(w, ' ');
    ui_put_padded(w, inc->title ? inc->title : "(no title)", p->width - 1);
}

const struct panel_ops header_panel_ops = {
    .name = "header",
    .draw = header_draw,
};
