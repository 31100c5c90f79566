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
/* one line of roles at 80 columns: the same roles, shorter words */
static const char *const short_labels[ROLE_COUNT] = {"IC", "CL", "OL", "Scr", "SME"};

static void role_names(const struct incident *inc, int r, struct buf *names)
{
    if (r == ROLE_SME) {
        for (size_t i = 0; i < inc->nsmes; i++)
            buf_printf(names, "%s%s", i ? ", " : "", inc->smes[i]);
    } else {
        buf_adds(names, inc->holder[r]);
    }
}

/* The compact layout's one line: every role, with the shorter labels when
 * the long ones do not fit, and the names cut (marked) only after that. */
static void draw_line(struct panel *p, struct console *con, struct roles_state *s)
{
    WINDOW *w = p->win;
    const struct incident *inc = con->inc;
    struct buf names[ROLE_COUNT];
    int width_long = 0, width_short = 0;
    for (int r = 0; r < ROLE_COUNT; r++) {
        names[r] = (struct buf)BUF_INIT;
        role_names(inc, r, &names[r]);
        int n = names[r].len ? ui_width(names[r].data) : r == ROLE_IC ? 10 : 1;
        width_long += 1 + ui_width(labels[r]) + 1 + n + 1;
        width_short += 1 + ui_width(short_labels[r]) + 1 + n + 1;
    }
    const char *const *l = width_long <= p->width ? labels : short_labels;
    int total = width_long <= p->width ? width_long : width_short;
    /* names share what is left when even the short labels do not fit */
    int name_max = total <= p->width ? 1000 : (p->width - 5 * 5) / ROLE_COUNT;
    if (name_max < 3)
        name_max = 3;
    int used = 0;
    for (int r = 0; r < ROLE_COUNT && used < p->width; r++) {
        bool selected = con->focus == PANEL_ROLES && s->selected == r;
        wattrset(w, selected ? ui_attr(con, THEME_TIMELINE_SELECTED) : ui_attr(con, THEME_ROLES_TITLE));
        used += ui_put(w, " ", 1, p->width - used);
        used += ui_put(w, l[r], strlen(l[r]), p->width - used);
        used += ui_put(w, " ", 1, p->width - used);
        int cols = p->width - used < name_max ? p->width - used : name_max;
        if (!names[r].len && r == ROLE_IC) {
            wattrset(w, ui_attr(con, THEME_ROLES_UNASSIGNED));
            used += ui_put_fit(w, "UNASSIGNED", cols);
        } else {
            wattrset(w, selected ? ui_attr(con, THEME_TIMELINE_SELECTED) : ui_attr(con, THEME_ROLES_NAME));
            used += ui_put_fit(w, names[r].len ? names[r].data : "-", cols);
        }
        wattrset(w, ui_attr(con, THEME_ROLES_NAME));
        used += ui_put(w, " ", 1, p->width - used);
    }
    for (int r = 0; r < ROLE_COUNT; r++)
        buf_free(&names[r]);
    for (; used < p->width; used++)
        waddch(w, ' ');
}

static void roles_draw(struct panel *p, struct console *con)
{
    struct roles_state *s = state_of(p);
    WINDOW *w = p->win;
    const struct incident *inc = con->inc;
    wbkgdset(w, ' ' | ui_attr(con, THEME_DEFAULT));
    werase(w);
    wmove(w, 0, 0);
    if (p->height == 1) {
        draw_line(p, con, s);
        wnoutrefresh(w);
        return;
    }
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
        role_names(inc, r, &names);
        int used = 8;
        if (!names.len && r == ROLE_IC) {
            wattrset(w, ui_attr(con, THEME_ROLES_UNASSIGNED));
            used += ui_put_fit(w, p->width - 8 >= 24 ? "UNASSIGNED (r to assign)" : "UNASSIGNED (r)", p->width - 8);
        } else {
            wattrset(w, selected ? ui_attr(con, THEME_TIMELINE_SELECTED) : ui_attr(con, THEME_ROLES_NAME));
            used += ui_put_fit(w, names.len ? names.data : "-", p->width - 8);
        }
        for (; used < p->width; used++)
            waddch(w, ' ');
        buf_free(&names);
    }
    wnoutrefresh(w);
}

static int roles_key(struct panel *p, struct console *con, wint_t key, bool code)
{
    struct roles_state *s = state_of(p);
    if ((code && (key == KEY_UP || key == KEY_LEFT)) || (!code && key == 'k')) {
        s->selected = s->selected > 0 ? s->selected - 1 : 0;
    } else if ((code && (key == KEY_DOWN || key == KEY_RIGHT)) || (!code && key == 'j')) {
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
