/* items — the incident's action items: who owns each, when it is due, where
 * it stands; the open ones past their due date marked. One line each beside
 * the timeline; one line for all of them in the compact layout. */
#include <stdio.h>
#include <stdlib.h>
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

/* What the panel shows, worked out from every item: the counts, the widest
 * owner, whether the texts fit whole, and the items drawn, in order. Kept
 * until an action event arrives (or a replay, a new day, a new size), so a
 * note arriving in an incident with 40,000 items costs no pass over them. */
struct items_view {
    const struct incident *inc;
    unsigned long derives;     /* incident_count_derives() when worked out */
    size_t nactions, scanned;  /* items then; events looked at for actions */
    char day[16];
    int width, height;
    size_t open, overdue;
    const struct action_item *first; /* the one-line layout's item; NULL none */
    int owner_cols;
    bool wrap;
    size_t *order, norder;     /* positions in actions[] of the items drawn */
    bool valid;
};

static struct items_view *view_of(struct panel *p)
{
    if (!p->state)
        p->state = xcalloc(1, sizeof(struct items_view));
    return p->state;
}

static bool view_current(struct items_view *v, const struct incident *inc, const struct panel *p, const char *day)
{
    if (!v->valid || v->inc != inc || v->derives != incident_count_derives() || v->nactions != inc->nactions ||
        v->scanned > inc->nevents || v->width != p->width || v->height != p->height || strcmp(v->day, day) != 0)
        return false;
    /* an action event changes an item in place: only new events can */
    for (; v->scanned < inc->nevents; v->scanned++)
        if (inc->events[v->scanned]->type == EVENT_ACTION)
            return false;
    return true;
}

static void view_work_out(struct items_view *v, const struct incident *inc, const struct panel *p, const char *day)
{
    v->inc = inc;
    v->derives = incident_count_derives();
    v->nactions = inc->nactions;
    v->scanned = inc->nevents;
    snprintf(v->day, sizeof v->day, "%s", day);
    v->width = p->width;
    v->height = p->height;
    v->valid = true;
    v->open = v->overdue = 0;
    for (size_t i = 0; i < inc->nactions; i++) {
        v->open += is_open(&inc->actions[i]);
        v->overdue += is_overdue(&inc->actions[i], day);
    }
    /* one line: the first overdue item (or the first open) */
    v->first = NULL;
    for (size_t i = 0; i < inc->nactions && !v->first; i++)
        if (is_overdue(&inc->actions[i], day))
            v->first = &inc->actions[i];
    for (size_t i = 0; i < inc->nactions && !v->first; i++)
        if (is_open(&inc->actions[i]))
            v->first = &inc->actions[i];
    v->owner_cols = 1;
    for (size_t i = 0; i < inc->nactions; i++) {
        int w8 = ui_width(*inc->actions[i].owner ? inc->actions[i].owner : "-");
        v->owner_cols = w8 > v->owner_cols ? w8 : v->owner_cols;
    }
    if (v->owner_cols > 8)
        v->owner_cols = 8;
    /* whole texts when they all fit, else one line each */
    size_t lines = p->height > 1 ? (size_t)p->height - 1 : 0;
    int need = 0, cols = p->width - text_x(v->owner_cols);
    for (size_t i = 0; i < inc->nactions && cols >= 20 && need <= (int)lines; i++)
        need += ui_wrap(inc->actions[i].text, cols, NULL, NULL);
    v->wrap = cols >= 20 && need <= (int)lines;
    /* overdue first, then open, then the rest, each in the order added: no
     * more than the lines can hold */
    free(v->order);
    v->order = xmalloc(sizeof(size_t) * (lines ? lines : 1));
    v->norder = 0;
    for (int pass = 0; pass < 3 && v->norder < lines; pass++) {
        for (size_t i = 0; i < inc->nactions && v->norder < lines; i++) {
            const struct action_item *a = &inc->actions[i];
            int which = is_overdue(a, day) ? 0 : is_open(a) ? 1 : 2;
            if (which == pass)
                v->order[v->norder++] = i;
        }
    }
}

static void items_draw(struct panel *p, struct console *con)
{
    WINDOW *w = p->win;
    const struct incident *inc = con->inc;
    char day[16], title[160];
    today(con, day);
    struct items_view *v = view_of(p);
    if (!view_current(v, inc, p, day))
        view_work_out(v, inc, p, day);
    size_t open = v->open, overdue = v->overdue;
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
        int used = ui_put(w, title, strlen(title), p->width);
        const struct action_item *first = v->first;
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
    int owner_cols = v->owner_cols;
    int row = 1;
    size_t lines = (size_t)p->height - 1;
    int cols = p->width - text_x(owner_cols);
    bool wrap = v->wrap;
    for (size_t drawn = 0; drawn < v->norder; drawn++) {
        const struct action_item *a = &inc->actions[v->order[drawn]];
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
    }
    wnoutrefresh(w);
}

static void items_free(struct panel *p)
{
    struct items_view *v = p->state;
    if (v)
        free(v->order);
    free(v);
    p->state = NULL;
}

const struct panel_ops items_panel_ops = {
    .name = "action items",
    .draw = items_draw,
    .free = items_free,
};
