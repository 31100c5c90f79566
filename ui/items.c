/* items — the incident's action items: who owns each, when it is due, where
 * it stands; the open ones past their due date marked. One line each beside
 * the timeline; one line for all of them in the compact layout. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "console.h"

/* Today as "YYYY-MM-DD" where the console shows times (UTC or local): a due
 * date is the last day the item may still be done. */
static void today(struct console *con, char out[16])
{
    time_t secs = (time_t)(con->now / 1000);
    struct tm tm;
    if (con->utc)
        gmtime_r(&secs, &tm);
    else
        localtime_r(&secs, &tm);
    strftime(out, 16, "%Y-%m-%d", &tm);
}

static bool is_open(const struct action_item *a)
{
    return !*a->status || strcmp(a->status, "open") == 0;
}

static bool is_overdue(const struct action_item *a, const char *day)
{
    /* dates in one format compare as text; an unparsable one is not guessed at */
    return is_open(a) && strlen(a->due) == 10 && strcmp(a->due, day) < 0;
}

struct wrap_ctx {
    WINDOW *w;
    int row, x, cols, n;
};

static void wrap_line(void *ctx, const char *s, size_t len)
{
    struct wrap_ctx *c = ctx;
    wmove(c->w, c->row + c->n++, c->x);
    int used = ui_put(c->w, s, len, c->cols);
    for (; used < c->cols; used++)
        waddch(c->w, ' ');
}

/* the columns before an item's text: marker, id, owner, due */
static int text_x(int owner_cols)
{
    return 5 + owner_cols + 1 + 8;
}

/* One item; with WRAP its text folds onto the lines under it. */
static void item_line(struct panel *p, struct console *con, const struct action_item *a, const char *day, int row,
                      int owner_cols, bool wrap)
{
    WINDOW *w = p->win;
    char cell[96];
    bool overdue = is_overdue(a, day);
    const char *due = *a->due ? a->due + (strlen(a->due) == 10 ? 5 : 0) : "-";
    wmove(w, row, 0);
    wattrset(w, ui_attr(con, overdue ? THEME_CLOCK_OVERDUE : is_open(a) ? THEME_DEFAULT : THEME_CLOCK_MET));
    snprintf(cell, sizeof cell, "%s%-3s ", overdue ? "!" : " ", a->item);
    int used = ui_put(w, cell, strlen(cell), p->width);
    int end = used + owner_cols + 1;
    used += ui_put_fit(w, *a->owner ? a->owner : "-", owner_cols);
    for (; used < end && used < p->width; used++)
        waddch(w, ' ');
    /* open: when it is due (or that it is late); otherwise where it stands */
    snprintf(cell, sizeof cell, "%-7s ", !is_open(a) ? a->status : overdue ? "overdue" : due);
    used += ui_put(w, cell, strlen(cell), p->width - used);
    wattrset(w, ui_attr(con, is_open(a) ? THEME_DEFAULT : THEME_CLOCK_MET));
    if (wrap) {
        struct wrap_ctx c = {w, row, used, p->width - used, 0};
        ui_wrap(a->text, p->width - used, wrap_line, &c);
        return;
    }
    used += ui_put_fit(w, a->text, p->width - used);
    for (; used < p->width; used++)
        waddch(w, ' ');
}

static void items_draw(struct panel *p, struct console *con)
{
    WINDOW *w = p->win;
    const struct incident *inc = con->inc;
    char day[16], title[160];
    today(con, day);
    size_t open = 0, overdue = 0;
    for (size_t i = 0; i < inc->nactions; i++) {
        open += is_open(&inc->actions[i]);
        overdue += is_overdue(&inc->actions[i], day);
    }
    wbkgdset(w, ' ' | ui_attr(con, THEME_DEFAULT));
    werase(w);
    wmove(w, 0, 0);
    int n = snprintf(title, sizeof title, " %s  %zu open", p->width >= 40 || p->height == 1 ? "Action items" : "Actions",
                     open);
    if (overdue)
        snprintf(title + n, sizeof title - (size_t)n, ", %zu overdue", overdue);
    if (!inc->nactions)
        snprintf(title, sizeof title, " %s  none yet (i adds one)",
                 p->width >= 40 || p->height == 1 ? "Action items" : "Actions");
    wattrset(w, ui_attr(con, THEME_TITLE));
    if (p->height == 1) {
        /* one line: the count, then the first overdue item (or the first open) */
        int used = ui_put(w, title, strlen(title), p->width);
        const struct action_item *first = NULL;
        for (size_t i = 0; i < inc->nactions && !first; i++)
            if (is_overdue(&inc->actions[i], day))
                first = &inc->actions[i];
        for (size_t i = 0; i < inc->nactions && !first; i++)
            if (is_open(&inc->actions[i]))
                first = &inc->actions[i];
        if (first && p->width - used > 12) {
            bool late = is_overdue(first, day);
            char what[512];
            snprintf(what, sizeof what, "%s %s %s %s", first->item, *first->owner ? first->owner : "(nobody)",
                     late ? "overdue" : *first->due ? first->due : "no due date", first->text);
            wattrset(w, ui_attr(con, THEME_DEFAULT));
            used += ui_put(w, ":  ", 3, p->width - used);
            wattrset(w, ui_attr(con, late ? THEME_CLOCK_OVERDUE : THEME_DEFAULT));
            used += ui_put_fit(w, what, p->width - used - 1);
        }
        wattrset(w, ui_attr(con, THEME_DEFAULT));
        for (; used < p->width; used++)
            waddch(w, ' ');
        wnoutrefresh(w);
        return;
    }
    ui_put_padded(w, title, p->width);
    /* overdue first, then open, then the rest, each in the order added */
    int owner_cols = 1;
    for (size_t i = 0; i < inc->nactions; i++) {
        int w8 = ui_width(*inc->actions[i].owner ? inc->actions[i].owner : "-");
        owner_cols = w8 > owner_cols ? w8 : owner_cols;
    }
    if (owner_cols > 8)
        owner_cols = 8;
    int row = 1;
    size_t lines = (size_t)p->height - 1, drawn = 0;
    /* whole texts when they all fit, else one line each */
    int need = 0, cols = p->width - text_x(owner_cols);
    for (size_t i = 0; i < inc->nactions && cols >= 20; i++)
        need += ui_wrap(inc->actions[i].text, cols, NULL, NULL);
    bool wrap = cols >= 20 && need <= (int)lines;
    for (int pass = 0; pass < 3; pass++) {
        for (size_t i = 0; i < inc->nactions; i++) {
            const struct action_item *a = &inc->actions[i];
            int which = is_overdue(a, day) ? 0 : is_open(a) ? 1 : 2;
            if (which != pass)
                continue;
            if (drawn + 1 == lines && inc->nactions - drawn > 1) {
                snprintf(title, sizeof title, " +%zu more", inc->nactions - drawn);
                wmove(w, row, 0);
                wattrset(w, ui_attr(con, THEME_CLOCK_MET));
                ui_put_padded(w, title, p->width);
                wnoutrefresh(w);
                return;
            }
            item_line(p, con, a, day, row, owner_cols, wrap);
            row += wrap ? ui_wrap(a->text, cols, NULL, NULL) : 1;
            drawn++;
        }
    }
    wnoutrefresh(w);
}

const struct panel_ops items_panel_ops = {
    .name = "action items",
    .draw = items_draw,
};
