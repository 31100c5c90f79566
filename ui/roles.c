/* roles — who holds what; an incident without a commander says so loudly. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console.h"

struct roles_state {
    int selected; /* a role_kind */
};

static struct roles_state *state_of(struct panel *p)
{
    if (!p->state)
        p->state = xcalloc(1, sizeof(struct roles_state));
    return p->state;
}

int roles_selected(struct console *con)
{
    return state_of(&con->panels[PANEL_ROLES])->selected;
}

static const char *const labels[ROLE_COUNT] = {"IC", "Comms", "Ops", "Scribe", "SMEs"};

static void roles_draw(struct panel *p, struct console *con)
{
    struct roles_state *s = state_of(p);
    WINDOW *w = p->win;
    const struct incident *inc = con->inc;
    wbkgdset(w, ' ' | ui_attr(con, THEME_DEFAULT));
    werase(w);
    wmove(w, 0, 0);
    wattrset(w, ui_attr(con, THEME_TITLE) | (con->focus == PANEL_ROLES ? A_BOLD : 0));
    ui_put_padded(w, " Roles", p->width);
    for (int r = 0; r < ROLE_COUNT && r + 1 < p->height; r++) {
        bool selected = con->focus == PANEL_ROLES && s->selected == r;
        wmove(w, r + 1, 0);
        wattrset(w, selected ? ui_attr(con, THEME_TIMELINE_SELECTED) : ui_attr(con, THEME_ROLES_TITLE));
        char label[16];
        snprintf(label, sizeof label, " %-7s", labels[r]);
        ui_put(w, label, strlen(label), 8);
        struct buf names = BUF_INIT;
        if (r == ROLE_SME) {
            for (size_t i = 0; i < inc->nsmes; i++)
                buf_printf(&names, "%s%s", i ? ", " : "", inc->smes[i]);
        } else {
            buf_adds(&names, inc->holder[r]);
        }
        if (!names.len && r == ROLE_IC) {
            wattrset(w, ui_attr(con, THEME_ROLES_UNASSIGNED));
            ui_put_padded(w, "UNASSIGNED (r to assign)", p->width - 8);
        } else {
            wattrset(w, selected ? ui_attr(con, THEME_TIMELINE_SELECTED) : ui_attr(con, THEME_ROLES_NAME));
            ui_put_padded(w, names.len ? names.data : "-", p->width - 8);
        }
        buf_free(&names);
    }
    wnoutrefresh(w);
}

static int roles_key(struct panel *p, struct console *con, wint_t key, bool code)
{
    struct roles_state *s = state_of(p);
    if ((code && key == KEY_UP) || (!code && key == 'k')) {
        s->selected = s->selected > 0 ? s->selected - 1 : 0;
    } else if ((code && key == KEY_DOWN) || (!code && key == 'j')) {
        s->selected = s->selected < ROLE_COUNT - 1 ? s->selected + 1 : ROLE_COUNT - 1;
    } else if ((!code && (key == '\n' || key == '\r')) || (code && key == KEY_ENTER)) {
        con->overlay = OVERLAY_ROLE_HISTORY;
        con->overlay_scroll = 0;
        return KEY_HANDLED | KEY_REDRAW;
    } else {
        return KEY_IGNORED;
    }
    p->dirty = true;
    return KEY_HANDLED;
}

static void roles_free(struct panel *p)
{
    free(p->state);
    p->state = NULL;
}

const struct panel_ops roles_panel_ops = {
    .name = "roles",
    .draw = roles_draw,
    .key = roles_key,
    .free = roles_free,
};
