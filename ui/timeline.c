/* timeline — the main pane: what happened, in the order it happened.
 * Follow mode keeps the newest entry at the bottom; scrolled back, the view
 * stays put and counts what arrived meanwhile. Only the entries on screen are
 * wrapped, so a 100,000-event incident draws as fast as a small one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "console.h"
#include "warroom/describe.h"
#include "warroom/incident.h"
#include "warroom/stamp.h"

enum filter { FILTER_ALL, FILTER_NOTES, FILTER_UPDATES, FILTER_ALERTS, FILTER_COUNT };
static const char *const filter_names[FILTER_COUNT] = {"all", "notes", "updates", "alerts"};

#define TIME_COLS 5
#define AUTHOR_COLS 10
#define TYPE_COLS 9

struct timeline_state {
    size_t *visible;   /* indices into inc->timeline that pass the filter */
    size_t nvisible;
    size_t selected;   /* into visible */
    size_t top;        /* first entry drawn when not following */
    bool follow;
    size_t arrived;    /* entries that came in while scrolled back */
    enum filter filter;
    const struct event *keep_selected, *keep_top; /* across a replay */
    size_t visible_cap;
    size_t indexed;    /* timeline entries visible[] was made from */
    unsigned long derives; /* incident_count_derives() when it was made */
};

static struct timeline_state *state_of(struct console *con)
{
    struct panel *p = &con->panels[PANEL_TIMELINE];
    if (!p->state) {
        struct timeline_state *s = xcalloc(1, sizeof *s);
        s->follow = true;
        p->state = s;
    }
    return p->state;
}

static bool passes(enum filter f, const struct event *ev)
{
    switch (f) {
    case FILTER_NOTES: return ev->type == EVENT_NOTE;
    case FILTER_UPDATES: return ev->type == EVENT_UPDATE;
    case FILTER_ALERTS: return ev->type == EVENT_ALERT || ev->type == EVENT_IMPACT || ev->type == EVENT_ESCALATE ||
                               ev->type == EVENT_PAGE;
    default: return true;
    }
}

/* The visible entries. After a fold (no full replay since the last time),
 * the entries already indexed stand where they stood and only the new ones
 * at the end are looked at, so an arriving note costs the same at 1M entries
 * as at ten; after a replay, or a new filter (FULL), all are. */
static bool rebuild_visible(struct console *con, bool full)
{
    struct timeline_state *s = state_of(con);
    size_t n = con->inc->ntimeline;
    full = full || s->derives != incident_count_derives() || s->indexed > n || !s->visible;
    if (full) {
        s->nvisible = 0;
        s->indexed = 0;
    }
    if (s->visible_cap < n || !s->visible) {
        s->visible_cap = n > 2 * s->visible_cap ? n : 2 * s->visible_cap;
        s->visible = xrealloc(s->visible, sizeof(size_t) * (s->visible_cap ? s->visible_cap : 1));
    }
    for (size_t i = s->indexed; i < n; i++)
        if (passes(s->filter, con->inc->timeline[i].ev))
            s->visible[s->nvisible++] = i;
    s->indexed = n;
    s->derives = incident_count_derives();
    if (s->follow || s->selected >= s->nvisible)
        s->selected = s->nvisible ? s->nvisible - 1 : 0;
    if (s->top >= s->nvisible)
        s->top = s->nvisible ? s->nvisible - 1 : 0;
    return full;
}

/* Called after replay: the timeline array was rebuilt (and may have grown). */
/* Events live on across a replay; the timeline array does not. Before one,
 * remember the selected and top entries by event, to find them again after
 * (a back-dated entry may have landed above them). */
void timeline_before_change(struct console *con)
{
    struct timeline_state *s = state_of(con);
    s->keep_selected = s->keep_top = NULL;
    if (!s->follow && s->selected < s->nvisible && s->top < s->nvisible) {
        s->keep_selected = con->inc->timeline[s->visible[s->selected]].ev;
        s->keep_top = con->inc->timeline[s->visible[s->top]].ev;
    }
}

void timeline_changed(struct console *con, size_t before)
{
    struct timeline_state *s = state_of(con);
    if (!s->follow && con->inc->ntimeline > before)
        s->arrived += con->inc->ntimeline - before;
    /* after a fold every entry kept its place: nothing to look for */
    if (!rebuild_visible(con, false))
        s->keep_selected = s->keep_top = NULL;
    for (size_t i = 0; (s->keep_selected || s->keep_top) && i < s->nvisible; i++) {
        const struct event *ev = con->inc->timeline[s->visible[i]].ev;
        if (ev == s->keep_selected)
            s->selected = i;
        if (ev == s->keep_top)
            s->top = i;
    }
    s->keep_selected = s->keep_top = NULL;
    con->panels[PANEL_TIMELINE].dirty = true;
}

const struct timeline_entry *timeline_selected(struct console *con)
{
    struct timeline_state *s = state_of(con);
    if (!s->nvisible)
        return NULL;
    return &con->inc->timeline[s->visible[s->selected]];
}

void ui_entry_text(struct console *con, struct buf *out, const struct timeline_entry *e)
{
    describe_entry(out, con->inc, con->policy, e);
    if (e->edits)
        buf_adds(out, " (edited)");
}

bool ui_entry_is_warning(const struct event *ev)
{
    return ev->type == EVENT_NOTE && event_str(ev, "missed_update") != NULL;
}

static bool is_hit(struct console *con, const struct timeline_entry *e)
{
    if (!con->search[0])
        return false;
    struct buf text = BUF_INIT;
    ui_entry_text(con, &text, e);
    bool hit = strcasestr(buf_str(&text), con->search) || strcasestr(e->ev->by, con->search);
    buf_free(&text);
    return hit;
}

/* A search walks the entries from the selected one, one slice of time per
 * pass of the loop, so no frame waits for 100,000 entries to be described;
 * it stops where a search in one go would have stopped. The entries it walks
 * are those there were when it began: one arriving meanwhile is at the end,
 * past where it would have looked first. */
#define SEARCH_SLICE_US 3000
#define SEARCH_SLICE_ENTRIES 2048
struct search_walk {
    bool active;
    int direction;
    size_t origin, k, n;       /* from ORIGIN, entry K of N next */
    unsigned long derives;     /* a replay reorders the entries: begin again */
    char term[sizeof ((struct console *)0)->search];
    unsigned queued;           /* n pressed again before this one ended */
};
static struct search_walk walk;

static void search_begin(struct console *con, int direction)
{
    struct timeline_state *s = state_of(con);
    walk.active = true;
    walk.direction = direction;
    walk.origin = s->selected;
    walk.k = 1;
    walk.n = s->nvisible;
    walk.derives = incident_count_derives();
    snprintf(walk.term, sizeof walk.term, "%s", con->search);
}

bool timeline_search_run(struct console *con)
{
    struct timeline_state *s = state_of(con);
    if (!walk.active)
        return false;
    if (!con->search[0] || strcmp(walk.term, con->search) != 0 || !s->nvisible) {
        walk.active = false;          /* the search ended or changed */
        walk.queued = 0;
        return false;
    }
    if (walk.derives != incident_count_derives() || walk.n > s->nvisible) {
        walk.queued = 0;
        search_begin(con, walk.direction);
    }
    int64_t until = console_trace_us() + SEARCH_SLICE_US;
    for (; walk.k <= walk.n; walk.k++) {
        size_t i = (walk.origin + walk.n + (size_t)walk.direction * walk.k) % walk.n;
        if (is_hit(con, &con->inc->timeline[s->visible[i]])) {
            s->selected = i;
            s->follow = i == s->nvisible - 1;
            if (s->follow)
                s->arrived = 0;
            con->panels[PANEL_TIMELINE].dirty = true;
            walk.active = false;
            if (walk.queued) {
                walk.queued--;
                search_begin(con, walk.direction);
                return true;
            }
            return false;
        }
        /* a slice ends after SEARCH_SLICE_ENTRIES, or sooner when its time is up */
        if (walk.k % 256 == 0 && (walk.k % SEARCH_SLICE_ENTRIES == 0 || console_trace_us() >= until)) {
            walk.k++;
            return true;
        }
    }
    walk.active = false;
    walk.queued = 0;
    console_message(con, false, "no entry matches \"%s\"", con->search);
    return false;
}

void timeline_search_step(struct console *con, int direction)
{
    struct timeline_state *s = state_of(con);
    if (!s->nvisible || !con->search[0])
        return;
    if (walk.active && walk.direction == direction && strcmp(walk.term, con->search) == 0) {
        walk.queued++;
        return;
    }
    walk.queued = 0;
    search_begin(con, direction);
    (void)timeline_search_run(con);
}

bool timeline_search_pending(void)
{
    return walk.active;
}

/* The columns of an entry: time, author, the type only where there is room
 * to spare (the words already say what an entry is), and the text taking the
 * rest, so that at 80 columns it still gets 63 of them. */
struct columns {
    int time, author, type, text_x, text;
};

static struct columns columns_of(const struct panel *p)
{
    struct columns c;
    c.time = TIME_COLS;
    c.author = p->width >= 60 ? AUTHOR_COLS : AUTHOR_COLS - 2;
    c.type = p->width >= 110 ? TYPE_COLS : 0;
    c.text_x = c.time + 1 + c.author + 1 + (c.type ? c.type + 1 : 0);
    c.text = p->width - c.text_x;
    if (c.text < 10)
        c.text = 10;
    return c;
}

/* The calendar day of T as the console shows times (UTC or local). */
static long day_of(struct console *con, int64_t t)
{
    time_t secs = (time_t)(t / 1000);
    struct tm tm;
    if (con->utc)
        gmtime_r(&secs, &tm);
    else
        localtime_r(&secs, &tm);
    return (long)tm.tm_year * 400 + tm.tm_yday;
}

/* The first entry, and each one on another day than the entry before it,
 * carries its date under its time. */
static bool needs_date(struct console *con, size_t vis)
{
    struct timeline_state *s = state_of(con);
    if (vis == 0)
        return true;
    return day_of(con, con->inc->timeline[s->visible[vis]].at) !=
           day_of(con, con->inc->timeline[s->visible[vis - 1]].at);
}

/* What the timeline shows for E: its words, then where its delivery stands.
 * Heights and drawing both come from this, so they always agree. */
static void shown_text(struct console *con, const struct timeline_entry *e, struct buf *text)
{
    ui_entry_text(con, text, e);
    struct buf delivery = BUF_INIT;
    ui_delivery_line(con, e->ev, &delivery);
    if (delivery.len)
        buf_printf(text, "\n-> %s", delivery.data);
    buf_free(&delivery);
}

static int entry_height(struct console *con, const struct panel *p, size_t vis)
{
    struct buf text = BUF_INIT;
    shown_text(con, &con->inc->timeline[state_of(con)->visible[vis]], &text);
    int n = ui_wrap(buf_str(&text), columns_of(p).text, NULL, NULL);
    buf_free(&text);
    return n < 2 && needs_date(con, vis) ? 2 : n;
}

struct line_ctx {
    WINDOW *w;
    int row, rows, indent, cols;
    int skip;                             /* lines not to draw yet */
};

/* Every line of an entry's text starts in the text column: continuations
 * stand under the first line's words, never under the time. */
static void draw_line(void *ctx, const char *s, size_t len)
{
    struct line_ctx *lc = ctx;
    if (lc->skip > 0) {
        lc->skip--;
        return;
    }
    if (lc->row >= lc->rows)
        return;
    wmove(lc->w, lc->row, lc->indent);
    int used = ui_put(lc->w, s, len, lc->cols);
    for (; used < lc->cols; used++)
        waddch(lc->w, ' ');
    lc->row++;
}

static void timeline_draw(struct panel *p, struct console *con)
{
    struct timeline_state *s = state_of(con);
    WINDOW *w = p->win;
    int rows = p->height - 1;
    struct columns col = columns_of(p);
    wbkgdset(w, ' ' | ui_attr(con, THEME_DEFAULT));
    werase(w);

    /* title line */
    char title[1200];
    wmove(w, 0, 0);
    wattrset(w, ui_attr(con, THEME_TITLE) | (con->focus == PANEL_TIMELINE ? A_BOLD : 0));
    snprintf(title, sizeof title, " Timeline [%s] %zu %s%s%s%s", filter_names[s->filter], s->nvisible,
             s->nvisible == 1 ? "entry" : "entries",
             con->search[0] ? "  search: " : "", con->search[0] ? con->search : "", s->follow ? "  (following)" : "");
    ui_put_padded(w, title, p->width);
    if (!s->follow && s->arrived) {
        char more[64];
        snprintf(more, sizeof more, " %zu new below (End) ", s->arrived);
        int len = (int)strlen(more);
        if (len < p->width) {
            wmove(w, 0, p->width - len);
            wattrset(w, ui_attr(con, THEME_WARNING));
            ui_put(w, more, (size_t)len, len);
        }
    }
    if (!s->nvisible || rows < 1) {
        wnoutrefresh(w);
        return;
    }

    /* which entries fit: from the bottom when following, else from the top */
    size_t first = s->top;
    int skip = 0;                         /* lines of the first entry above the pane */
    if (s->follow) {
        s->selected = s->nvisible - 1;
        int used = 0;
        first = s->nvisible;
        while (first > 0 && used < rows) {
            int h = entry_height(con, p, first - 1);
            /* the newest entries end at the bottom and the pane is full: an
             * older entry that fits only in part shows its last lines */
            if (used + h > rows)
                skip = used + h - rows;
            used += h;
            first--;
        }
    } else {
        if (s->selected < s->top)
            s->top = s->selected;
        /* move the top down until the selected entry fits: the highest top
         * that still fits, found from the selected entry up (a screenful of
         * heights, however far a search jumped) */
        size_t fit = s->selected;
        int used = entry_height(con, p, fit);
        while (fit > s->top) {
            int h = entry_height(con, p, fit - 1);
            if (used + h > rows)
                break;
            used += h;
            fit--;
        }
        if (fit > s->top)
            s->top = fit;
        first = s->top;
    }

    int row = 1;
    struct line_ctx lc = {w, 1, p->height, col.text_x, p->width - col.text_x, 0};
    for (size_t i = first; i < s->nvisible && row < p->height; i++) {
        const struct timeline_entry *e = &con->inc->timeline[s->visible[i]];
        bool selected = i == s->selected && con->focus == PANEL_TIMELINE;
        bool hit = is_hit(con, e);
        attr_t extra = selected ? ui_attr(con, THEME_TIMELINE_SELECTED) : hit ? ui_attr(con, THEME_TIMELINE_SEARCH) : 0;
        char when[32];
        ui_format_time(con, when, sizeof when, e->at, false);
        struct buf text = BUF_INIT;
        shown_text(con, e, &text);
        int height = ui_wrap(buf_str(&text), col.text, NULL, NULL);
        bool dated = needs_date(con, i);
        bool cut_off = skip > 0;
        int cut_rows = 0;                 /* rows the cut-off entry keeps on screen */
        /* only the date under a one-line entry's time is left of it */
        bool date_only = cut_off && dated && height < 2 && skip >= height;
        if (cut_off) {
            /* the part above the pane is not drawn; its lines left stand as
             * continuations, so they are not read as an entry of their own */
            cut_rows = entry_height(con, p, i) - skip;
            lc.skip = skip;
            height = cut_rows;
            dated = false;
            skip = 0;
        }
        /* the selection covers the whole entry, continuation lines too */
        for (int r = 0; r < (height < 2 && dated ? 2 : height) && row + r < p->height; r++) {
            wmove(w, row + r, 0);
            wattrset(w, extra ? extra : ui_attr(con, THEME_DEFAULT));
            ui_put_padded(w, "", p->width);
        }
        if (cut_off)
            when[0] = '\0';
        wmove(w, row, 0);
        wattrset(w, extra ? extra : ui_attr(con, THEME_TIMELINE_TIME));
        ui_put_padded(w, when, col.time);
        if (cut_off)
            wmove(w, row, col.text_x);
        else {
        waddch(w, ' ');
        wattrset(w, extra ? extra : ui_attr(con, THEME_TIMELINE_AUTHOR));
        int used = ui_put_fit(w, e->ev->by, col.author);
        for (; used < col.author + 1; used++)
            waddch(w, ' ');
        if (col.type) {
            wattrset(w, extra ? extra : ui_attr(con, THEME_TIMELINE_TYPE));
            used = ui_put_fit(w, e->ev->type_name, col.type);
            for (; used < col.type + 1; used++)
                waddch(w, ' ');
        }
        }
        if (date_only) {
            ui_format_time(con, when, sizeof when, e->at, true);
            when[5] = '\0';
            wmove(w, row, 0);
            wattrset(w, extra ? extra : ui_attr(con, THEME_TIMELINE_TIME) | A_DIM);
            ui_put(w, when, strlen(when), col.time);
        }
        if (dated && row + 1 < p->height) {
            ui_format_time(con, when, sizeof when, e->at, true);
            when[5] = '\0';               /* "03-15" of "03-15 14:05" */
            wmove(w, row + 1, 0);
            wattrset(w, extra ? extra : ui_attr(con, THEME_TIMELINE_TIME) | A_DIM);
            ui_put(w, when, strlen(when), col.time);
        }
        bool loud = e->ev->type == EVENT_ALERT || e->ev->type == EVENT_ESCALATE || ui_entry_is_warning(e->ev);
        enum theme_element el = loud ? THEME_TIMELINE_ALERT
                                : e->ev->type == EVENT_UPDATE ? THEME_TIMELINE_UPDATE
                                                              : THEME_TIMELINE_TEXT;
        wattrset(w, extra ? extra : ui_attr(con, el));
        lc.row = row;
        ui_wrap(buf_str(&text), col.text, draw_line, &lc);
        buf_free(&text);
        if (cut_off)
            row += cut_rows;              /* the entries below stay where the bottom puts them */
        else
            row = lc.row < row + 2 && dated ? row + 2 : lc.row;
    }
    wnoutrefresh(w);
}

static int timeline_key(struct panel *p, struct console *con, wint_t key, bool code)
{
    struct timeline_state *s = state_of(con);
    int page = p->height > 3 ? p->height - 2 : 1;
    size_t last = s->nvisible ? s->nvisible - 1 : 0;
    size_t sel = s->selected;
    if (code) {
        switch (key) {
        case KEY_UP: sel = sel > 0 ? sel - 1 : 0; break;
        case KEY_DOWN: sel = sel < last ? sel + 1 : last; break;
        case KEY_PPAGE: sel = sel > (size_t)page ? sel - (size_t)page : 0; break;
        case KEY_NPAGE: sel = sel + (size_t)page < last ? sel + (size_t)page : last; break;
        case KEY_HOME: sel = 0; break;
        case KEY_END: sel = last; break;
        default: return KEY_IGNORED;
        }
    } else {
        switch (key) {
        case 'k': sel = sel > 0 ? sel - 1 : 0; break;
        case 'j': sel = sel < last ? sel + 1 : last; break;
        case 'g': sel = 0; break;
        case 'G': sel = last; break;
        case 'f':
            s->filter = (enum filter)((s->filter + 1) % FILTER_COUNT);
            s->follow = true;
            s->arrived = 0;
            (void)rebuild_visible(con, true);
            p->dirty = true;
            return KEY_HANDLED;
        default: return KEY_IGNORED;
        }
    }
    if (s->follow && sel != last)
        s->top = sel;                     /* leaving follow mode: start from where we are */
    s->selected = sel;
    s->follow = sel == last;
    if (s->follow)
        s->arrived = 0;
    p->dirty = true;
    return KEY_HANDLED;
}

static void timeline_free(struct panel *p)
{
    struct timeline_state *s = p->state;
    if (s)
        free(s->visible);
    free(s);
    p->state = NULL;
}

const struct panel_ops timeline_panel_ops = {
    .name = "timeline",
    .draw = timeline_draw,
    .key = timeline_key,
    .free = timeline_free,
};
