/* clocks — every deadline of the incident, soonest first, counting down, one
 * line each. Where the column is narrow the words get shorter rather than the
 * clocks fewer; where there are more clocks than lines the last line says how
 * many are left out. */
#include <stdio.h>
#include <string.h>

#include "console.h"
#include "warroom/stamp.h"

#define SOON (2 * STAMP_MINUTE)

/* Shorter words for the same clock, used only when the long ones do not fit. */
static const char *const shorter[][2] = {
    {"next status update", "next update"}, {"acknowledge", "ack"}, {"engineering", "eng"}, {"manager", "mgr"},
    {"requests", "asks"}, {"responders", "resp."}, {"secondary", "2nd"}, {"postmortem", "PM"},
    {"customer email", "email"},
};

static void abbreviate(char *label, size_t size, int cols)
{
    for (size_t i = 0; i < sizeof shorter / sizeof *shorter && ui_width(label) > cols; i++) {
        char *at = strstr(label, shorter[i][0]);
        if (!at)
            continue;
        char rest[256];
        snprintf(rest, sizeof rest, "%s", at + strlen(shorter[i][0]));
        *at = '\0';
        size_t used = strlen(label);
        snprintf(label + used, size - used, "%s%s", shorter[i][1], rest);
    }
}

bool ui_contact_by_hand(const struct console *con, const struct event *ev, struct buf *out)
{
    if (ev->type != EVENT_PAGE && ev->type != EVENT_ESCALATE)
        return false;
    const char *action = event_str(ev, "action");
    bool page = ev->type == EVENT_PAGE || (action && strcmp(action, "page") == 0);
    if (out && con->inc->drill)
        buf_adds(out, "a drill, do it by hand");   /* its sinks are off, configured or not */
    else if (out)
        buf_printf(out, "no %s configured, do it by hand", page ? "pager" : "sink");
    return true;
}

/* An escalation step that was taken but went to no sink: it was due, and
 * nobody was contacted by warroom. */
static bool sent_nowhere(struct console *con, const struct clock *c)
{
    if (c->state != CLOCK_DONE || !c->rule)
        return false;
    if (!con->outbox)
        return true;
    char id[EVENT_ID_MAX + 1];
    const struct outbox_item *items[OUTBOX_SINKS_MAX + 1];
    clock_escalation_id(id, sizeof id, con->inc->id, c->rule);
    return outbox_items_of(con->outbox, id, items, sizeof items / sizeof *items) == 0;
}

static void clock_line(struct panel *p, struct console *con, const struct clock *c, int row)
{
    WINDOW *w = p->win;
    char left[32], label[256];
    enum theme_element el;
    bool by_hand = sent_nowhere(con, c);
    if (c->quiet) {
        /* snoozed or dismissed: said in grey, and until when */
        snprintf(left, sizeof left, "%s", c->quiet_until == INT64_MAX ? "off" : "snoozed");
        el = THEME_CLOCK_MET;
    } else if (by_hand) {
        /* warroom took the step but had nowhere to send it: a person must */
        snprintf(left, sizeof left, "by hand");
        el = THEME_WARNING;
    } else if (c->state == CLOCK_MET || c->state == CLOCK_DONE) {
        snprintf(left, sizeof left, "%s", clock_state_name(c->state));
        el = THEME_CLOCK_MET;
    } else if (c->state == CLOCK_OVERDUE) {
        left[0] = '+';
        stamp_format_span(left + 1, sizeof left - 1, con->now - c->deadline);
        el = THEME_CLOCK_OVERDUE;
    } else {
        stamp_format_span(left, sizeof left, c->deadline - con->now);
        el = c->deadline - con->now <= SOON ? THEME_CLOCK_SOON : THEME_CLOCK_PENDING;
    }
    wmove(w, row, 0);
    wattrset(w, ui_attr(con, el));
    int used = ui_put(w, " ", 1, p->width);
    used += ui_put(w, left, strlen(left), p->width - used);
    for (; used < 9 && used < p->width; used++)
        waddch(w, ' ');
    char until[48] = "";
    if (c->quiet && c->quiet_until != INT64_MAX) {
        char hm[32];
        ui_format_time(con, hm, sizeof hm, c->quiet_until, false);
        snprintf(until, sizeof until, " until %s", hm);
    }
    const char *note = by_hand ? ": not sent anywhere" : c->quiet ? until : "";
    snprintf(label, sizeof label, "%s", c->label);
    abbreviate(label, sizeof label, p->width - used - 1);
    if (by_hand && ui_width(label) + ui_width(note) > p->width - used)
        note = "";
    int room = p->width - used - ui_width(note);
    abbreviate(label, sizeof label, room);
    wattrset(w, ui_attr(con, c->quiet                       ? THEME_CLOCK_MET
                             : c->state == CLOCK_OVERDUE ? THEME_CLOCK_OVERDUE
                                                         : THEME_DEFAULT));
    used += ui_put_fit(w, label, room);
    if (*note) {
        wattrset(w, ui_attr(con, c->quiet ? THEME_CLOCK_MET : THEME_WARNING));
        used += ui_put_fit(w, note, p->width - used);
    } else if (c->state == CLOCK_PENDING && c->kind == CLOCK_ESCALATION &&
               (int)strlen(c->action) + 3 <= p->width - used) {
        /* when a step would happen, if there is room for it */
        wattrset(w, ui_attr(con, THEME_CLOCK_MET));
        used += ui_put(w, " (", 2, p->width - used);
        used += ui_put(w, c->action, strlen(c->action), p->width - used);
        used += ui_put(w, ")", 1, p->width - used);
    }
    wattrset(w, ui_attr(con, THEME_DEFAULT));
    for (; used < p->width; used++)
        waddch(w, ' ');
}

static void clocks_draw(struct panel *p, struct console *con)
{
    WINDOW *w = p->win;
    wbkgdset(w, ' ' | ui_attr(con, THEME_DEFAULT));
    werase(w);
    int row = 0;
    if (p->height > 3) {
        wmove(w, 0, 0);
        wattrset(w, ui_attr(con, THEME_TITLE) | (con->focus == PANEL_CLOCKS ? A_BOLD : 0));
        ui_put_padded(w, " Clocks", p->width);
        row = 1;
    }
    /* the running clocks, then the steps someone must still take by hand,
     * then the snoozed ones (still owed), then the settled ones: the order
     * the core gives, regrouped */
    enum { RUNNING, BY_HAND, SNOOZED, OFF, SETTLED, GROUPS };
    static const char *const group_names[GROUPS] = {"running", "by hand", "snoozed", "off", "met or done"};
    const struct clock *order[CLOCK_MAX];
    int group_of[CLOCK_MAX];
    size_t n = 0;
    for (int pass = 0; pass < GROUPS; pass++)
        for (size_t i = 0; i < con->nclocks && n < CLOCK_MAX; i++) {
            const struct clock *c = &con->clocks[i];
            bool running = (c->state == CLOCK_PENDING || c->state == CLOCK_OVERDUE) && !c->quiet;
            bool owed = c->state != CLOCK_MET && c->state != CLOCK_DONE;
            int group = running                ? RUNNING
                        : sent_nowhere(con, c) ? BY_HAND
                        : c->quiet && owed     ? (c->quiet_until == INT64_MAX ? OFF : SNOOZED)
                                               : SETTLED;
            if (group == pass) {
                group_of[n] = group;
                order[n++] = c;
            }
        }
    size_t lines = (size_t)(p->height - row);
    size_t shown = n <= lines ? n : lines >= 3 ? lines - 1 : lines;
    for (size_t i = 0; i < shown; i++)
        clock_line(p, con, order[i], row++);
    if (shown < n && row < p->height) {
        /* what the hidden ones are, each kind named: a step owed by hand, a
         * snoozed update or one turned off is never counted as met */
        size_t count[GROUPS] = {0};
        for (size_t i = shown; i < n; i++)
            count[group_of[i]]++;
        char more[160];
        int len = snprintf(more, sizeof more, " +%zu more clocks:", n - shown);
        for (int g = 0, first = 1; g < GROUPS && len > 0 && (size_t)len < sizeof more; g++)
            if (count[g]) {
                len += snprintf(more + len, sizeof more - (size_t)len, "%s %zu %s", first ? "" : ",", count[g],
                                group_names[g]);
                first = 0;
            }
        wmove(w, row, 0);
        wattrset(w, ui_attr(con, THEME_CLOCK_MET));
        ui_put_padded(w, more, p->width);
    }
    wnoutrefresh(w);
}

/* A status update that went overdue is said once in the timeline, as a note
 * of its own (it belongs in the postmortem), with an id made of the deadline
 * it missed: two consoles record it once, the next deadline missed again. */
void ui_announce_missed_update(struct console *con)
{
    if (!incident_is_open(con->inc))
        return;
    for (size_t i = 0; i < con->nclocks; i++) {
        const struct clock *c = &con->clocks[i];
        if (c->kind != CLOCK_UPDATE || c->state != CLOCK_OVERDUE || c->quiet)
            continue;
        char iso[STAMP_TEXT_MAX], text[128];
        int y, mo, d, h, mi, sec;
        stamp_format_iso_s(iso, c->deadline);
        stamp_to_utc(c->deadline, &y, &mo, &d, &h, &mi, &sec);
        struct event_draft draft;
        event_draft_init(&draft, EVENT_NOTE, "warroom");
        snprintf(draft.id, sizeof draft.id, "missed-update:%s:%s", con->inc->id, iso);
        if (incident_find(con->inc, draft.id)) {
            event_draft_free(&draft);
            continue;
        }
        snprintf(text, sizeof text, "Status update missed: one was due at %02d:%02d UTC and none was sent", h, mi);
        draft.at = c->deadline;
        event_draft_str(&draft, "text", text);
        event_draft_str(&draft, "missed_update", iso);
        if (session_record(con->session, con->inc->id, &draft) == 0)
            console_message(con, true, "status update missed (due %02d:%02d UTC): u sends one", h, mi);
        event_draft_free(&draft);
    }
}

const struct panel_ops clocks_panel_ops = {
    .name = "clocks",
    .draw = clocks_draw,
};
