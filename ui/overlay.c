/* overlay — a box over the panels: the keys, a role's hand-offs, the picker. */
#include <stdio.h>
#include <string.h>

#include "console.h"
#include "warroom/text.h"

static const char *const help_lines[] = {
    "Recording",
    "  Enter, n   note (start with HH:MM to back-date it; Tab: alert / impact start)",
    "  u          status update: pick the state, edit the text, Enter",
    "  s          severity; in the prompt, c runs the classification questions",
    "  r          assign a role (ic, comms, ops, scribe, sme)",
    "  a          acknowledge (Enter: now, or HH:MM when it happened)",
    "  m          mitigated (Enter: now, or HH:MM)",
    "  i          action item (text, owner, due, priority, kind)",
    "  p          page someone",
    "  e          edit the selected entry (text or time; the original is kept)",
    "  R          resolve (asks first; resolved: reopen), then the postmortem",
    "  b          the alerts' runbook: j/k step, x done, y copy command",
    "  z          snooze or dismiss a running clock (recorded in the timeline)",
    "Moving",
    "  Up/Down j/k  select     PgUp/PgDn  page     Home/End g/G  first/last",
    "  End        back to following new entries",
    "  /          search, then n/N next/previous hit; any other key ends it",
    "  f          filter: all / notes / updates / alerts",
    "  Tab        focus: timeline / roles / clocks; Enter on a role: its hand-offs",
    "Other",
    "  t          UTC / local time      ?  this help      q  quit (the incident stays open)",
    "Prompts",
    "  Esc cancels; Left/Right/Tab/1-9 choose; Ctrl-A/E start/end; Ctrl-U/W delete",
    "  to start / a word; Up/Down history",
};

struct box {
    WINDOW *w;
    int height, width;
};

static struct box open_box(struct console *con, int want_h, int want_w, const char *title)
{
    struct box b;
    /* the header and the key bar stay in sight; the full width is used
     * rather than leave a column of what is under the box at each edge */
    b.height = want_h + 2 < con->rows - 2 ? want_h + 2 : con->rows - 2;
    b.width = want_w + 4 < con->cols ? want_w + 4 : con->cols;
    if (b.height < 3)
        b.height = 3;
    if (b.width < 10)
        b.width = 10;
    b.w = ui_dialog(con, (con->rows - b.height) / 2, (con->cols - b.width) / 2, b.height, b.width, title);
    return b;
}

static void close_box(struct box *b)
{
    wnoutrefresh(b->w);
    delwin(b->w);
}

static void line(struct box *b, int row, const char *s)
{
    if (row < 1 || row >= b->height - 1)
        return;
    wmove(b->w, row, 2);
    ui_put_padded(b->w, s, b->width - 4);
}

struct help_ctx {
    struct box *b;
    int row, first, count;
    bool continued;
};

/* A help line folded to the box: continuations stand under the description,
 * rows above the scroll position or below the box are only counted. */
static void help_line(void *ctx, const char *s, size_t len)
{
    struct help_ctx *h = ctx;
    int row = h->count++ - h->first + 1;
    if (h->b && row >= 1 && row < h->b->height - 1) {
        wmove(h->b->w, row, 2);
        int indent = h->continued ? 13 : 0;
        for (int i = 0; i < indent; i++)
            waddch(h->b->w, ' ');
        int used = indent + ui_put(h->b->w, s, len, h->b->width - 4 - indent);
        for (; used < h->b->width - 4; used++)
            waddch(h->b->w, ' ');
    }
    h->continued = true;
}

static int help_rows(struct box *b, int cols, int first)
{
    struct help_ctx h = {b, 0, first, 0, false};
    for (size_t i = 0; i < sizeof help_lines / sizeof *help_lines; i++) {
        h.continued = false;
        /* the first line takes the full width, the rest less the indent */
        struct buf text = BUF_INIT;
        buf_adds(&text, help_lines[i]);
        int count_before = h.count;
        ui_wrap(buf_str(&text), cols, help_line, &h);
        /* a continuation was wrapped at the full width: fold it again */
        if (h.count - count_before > 1 && cols > 13) {
            h.count = count_before;
            h.continued = false;
            size_t fit_used, fit = text_fit(help_lines[i], strlen(help_lines[i]), (size_t)cols, &fit_used);
            size_t brk = fit;
            while (brk > 0 && help_lines[i][brk - 1] != ' ')
                brk--;
            if (brk == 0)
                brk = fit;
            buf_free(&text);
            buf_add(&text, help_lines[i], brk);
            ui_wrap(buf_str(&text), cols, help_line, &h);
            buf_free(&text);
            buf_adds(&text, help_lines[i] + brk);
            h.continued = true;
            ui_wrap(buf_str(&text), cols - 13, help_line, &h);
        }
        buf_free(&text);
    }
    return h.count;
}

/* The keys, folded to the screen; j/k scroll what does not fit, and the
 * title says so. */
static void draw_help(struct console *con)
{
    int cols = con->cols - 4 < 78 ? con->cols - 4 : 78;
    int total = help_rows(NULL, cols, 0);
    int rows = total + 2 < con->rows - 2 ? total : con->rows - 4;
    if (con->overlay_scroll > total - rows)
        con->overlay_scroll = total - rows > 0 ? total - rows : 0;
    bool scrolls = rows < total;
    char title[96];
    if (scrolls)
        snprintf(title, sizeof title, " Keys %d-%d of %d: j/k scroll, Esc closes ", con->overlay_scroll + 1,
                 con->overlay_scroll + rows, total);
    else
        snprintf(title, sizeof title, " Keys (Esc closes) ");
    struct box b = open_box(con, rows, cols, title);
    help_rows(&b, b.width - 4, con->overlay_scroll);
    close_box(&b);
}

void ui_overlay_draw(struct console *con)
{
    struct box b;
    char text[512];
    switch (con->overlay) {
    case OVERLAY_HELP:
        draw_help(con);
        break;
    case OVERLAY_ROLE_HISTORY: {
        int role = roles_selected(con);
        snprintf(text, sizeof text, " %s hand-offs (Esc closes) ", incident_role_name((enum role_kind)role));
        b = open_box(con, 12, 60, text);
        int row = 1;
        for (size_t i = 0; i < con->inc->nroles; i++) {
            const struct role_change *rc = &con->inc->roles[i];
            if ((int)rc->role != role)
                continue;
            if (row - 1 < con->overlay_scroll) {
                row++;
                continue;
            }
            char when[32];
            ui_format_time(con, when, sizeof when, rc->at, true);
            snprintf(text, sizeof text, "%s  %s  (by %s)", when, *rc->name ? rc->name : "(cleared)", rc->by);
            line(&b, row - con->overlay_scroll, text);
            row++;
        }
        if (row == 1)
            line(&b, 1, "never assigned");
        close_box(&b);
        break;
    }
    case OVERLAY_POSTMORTEM:
        ui_postmortem_draw(con);
        break;
    case OVERLAY_PICKER:
        b = open_box(con, (int)con->npicks + 3, 100, " Open incidents (Enter opens, d declares) ");
        for (size_t i = 0; i < con->npicks; i++) {
            if (i == con->pick)
                wattron(b.w, A_REVERSE);
            line(&b, (int)i + 1, con->pick_lines && con->pick_lines[i] ? con->pick_lines[i] : con->picks[i]);
            wattroff(b.w, A_REVERSE);
        }
        close_box(&b);
        break;
    default:
        break;
    }
}

int ui_overlay_key(struct console *con, wint_t key, bool code)
{
    if (con->overlay == OVERLAY_POSTMORTEM)
        return ui_postmortem_key(con, key, code);
    if (con->overlay == OVERLAY_PICKER) {
        if (code && key == KEY_UP && con->pick > 0)
            con->pick--;
        else if (code && key == KEY_DOWN && con->pick + 1 < con->npicks)
            con->pick++;
        else if (!code && (key == '\n' || key == '\r'))
            con->overlay = OVERLAY_NONE;
        else if (!code && key == 'q')
            return KEY_QUIT;
        return KEY_HANDLED | KEY_REDRAW;
    }
    if ((code && key == KEY_DOWN) || (!code && key == 'j'))
        con->overlay_scroll++;
    else if (((code && key == KEY_UP) || (!code && key == 'k')) && con->overlay_scroll > 0)
        con->overlay_scroll--;
    else
        con->overlay = OVERLAY_NONE;      /* any other key closes */
    return KEY_HANDLED | KEY_REDRAW;
}
