/* footer — the input line (or the last outcome) and the key hints. */
#include <stdio.h>
#include <string.h>

#include "console.h"

/* "status update overdue (due 14:55 UTC): u sends one", while it is. */
static bool overdue_update(struct console *con, int width, WINDOW *w)
{
    for (size_t i = 0; i < con->nclocks; i++) {
        const struct clock *c = &con->clocks[i];
        if (c->kind != CLOCK_UPDATE || c->state != CLOCK_OVERDUE || !incident_is_open(con->inc))
            continue;
        char due[32], line[96];
        ui_format_time(con, due, sizeof due, c->deadline, false);
        snprintf(line, sizeof line, "status update overdue (due %s %s): u sends one", due, con->utc ? "UTC" : "local");
        wattrset(w, ui_attr(con, THEME_ERROR));
        ui_put_padded(w, line, width);
        return true;
    }
    return false;
}

static void footer_draw(struct panel *p, struct console *con)
{
    WINDOW *w = p->win;
    wbkgdset(w, ' ' | ui_attr(con, THEME_FOOTER));
    werase(w);
    wmove(w, 0, 0);
    if (con->prompt.kind != PROMPT_NONE) {
        ui_prompt_draw(con, w, p->width);
    } else if (!con->message[0] && overdue_update(con, p->width, w)) {
        /* nothing else to say: the overdue update stays said */
    } else {
        wattrset(w, ui_attr(con, con->message_is_error ? THEME_ERROR : THEME_FOOTER));
        ui_put_padded(w, con->message, p->width);
    }
    if (p->height < 2) {
        wnoutrefresh(w);
        return;
    }
    static const char *const hints[][2] = {
        {"n", "note"}, {"u", "update"}, {"s", "sev"}, {"r", "role"}, {"a", "ack"}, {"m", "mitigated"},
        {"i", "action"}, {"p", "page"}, {"e", "edit"}, {"R", "resolve"}, {"/", "search"},
    };
    /* help and quit end the bar at every width: the rest is one key away */
    static const char *const always[][2] = {{"?", "help"}, {"q", "quit"}};
    static const char *const prompt_hints[][2] = {
        {"Enter", "next/confirm"}, {"Esc", "cancel"}, {"Tab", "choose"}, {"Up/Down", "history"},
    };
    wmove(w, 1, 0);
    int used = 0;
    bool prompting = con->prompt.kind != PROMPT_NONE;
    if (prompting && con->message[0]) {
        /* while typing, what the prompt has to say takes the hints' place */
        wattrset(w, ui_attr(con, con->message_is_error ? THEME_ERROR : THEME_FOOTER));
        waddch(w, ' ');
        ui_put_padded(w, con->message, p->width - 1);
        wnoutrefresh(w);
        return;
    }
    size_t n = prompting ? sizeof prompt_hints / sizeof *prompt_hints : sizeof hints / sizeof *hints;
    int tail = 0;
    for (size_t i = 0; !prompting && i < 2; i++)
        tail += 2 + (int)strlen(always[i][0]) + (int)strlen(always[i][1]);
    for (size_t i = 0; i < n; i++) {
        const char *key = prompting ? prompt_hints[i][0] : hints[i][0];
        const char *what = prompting ? prompt_hints[i][1] : hints[i][1];
        int need = 2 + (int)strlen(key) + (int)strlen(what);
        if (used + need > p->width - tail)
            break;                        /* a hint shows whole or not at all */
        wattrset(w, ui_attr(con, THEME_FOOTER_KEY));
        used += ui_put(w, " ", 1, p->width - used);
        used += ui_put(w, key, strlen(key), p->width - used);
        wattrset(w, ui_attr(con, THEME_FOOTER));
        used += ui_put(w, " ", 1, p->width - used);
        used += ui_put(w, what, strlen(what), p->width - used);
    }
    wattrset(w, ui_attr(con, THEME_FOOTER));
    for (; used < p->width - tail; used++)
        waddch(w, ' ');
    for (size_t i = 0; !prompting && i < 2; i++) {
        wattrset(w, ui_attr(con, THEME_FOOTER_KEY));
        used += ui_put(w, " ", 1, p->width - used);
        used += ui_put(w, always[i][0], strlen(always[i][0]), p->width - used);
        wattrset(w, ui_attr(con, THEME_FOOTER));
        used += ui_put(w, " ", 1, p->width - used);
        used += ui_put(w, always[i][1], strlen(always[i][1]), p->width - used);
    }
    for (; used < p->width; used++)
        waddch(w, ' ');
    wnoutrefresh(w);
}

const struct panel_ops footer_panel_ops = {
    .name = "footer",
    .draw = footer_draw,
};
