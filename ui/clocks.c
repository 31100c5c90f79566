/* clocks — every deadline of the incident, soonest first, counting down. */
#include <stdio.h>
#include <string.h>

#include "console.h"
#include "warroom/stamp.h"

#define SOON (2 * STAMP_MINUTE)

static void clocks_draw(struct panel *p, struct console *con)
{
    WINDOW *w = p->win;
    wbkgdset(w, ' ' | ui_attr(con, THEME_DEFAULT));
    werase(w);
    wmove(w, 0, 0);
    wattrset(w, ui_attr(con, THEME_TITLE) | (con->focus == PANEL_CLOCKS ? A_BOLD : 0));
    ui_put_padded(w, " Clocks", p->width);
    int row = 1;
    for (size_t i = 0; i < con->nclocks && row < p->height; i++) {
        const struct clock *c = &con->clocks[i];
        char left[32], line[256];
        enum theme_element el;
        if (c->state == CLOCK_MET) {
            snprintf(left, sizeof left, "met");
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
        if (p->height - 1 >= 2 * (int)con->nclocks || p->width >= 60) {
            /* room for the action on its own line or beside it */
            snprintf(line, sizeof line, " %-8s %s", left, c->label);
            ui_put_padded(w, line, p->width);
            row++;
            if (row < p->height && c->state != CLOCK_MET) {
                wmove(w, row, 0);
                snprintf(line, sizeof line, "   %s %s%s", c->state == CLOCK_OVERDUE ? "!" : "->", c->action,
                         c->fired ? " (done)" : "");
                ui_put_padded(w, line, p->width);
                row++;
            }
        } else {
            snprintf(line, sizeof line, " %-8s %s: %s", left, c->label, c->action);
            ui_put_padded(w, line, p->width);
            row++;
        }
    }
    wnoutrefresh(w);
}

const struct panel_ops clocks_panel_ops = {
    .name = "clocks",
    .draw = clocks_draw,
};
