/* console — the loop: wait on the keyboard and the log, draw once per pass.
 * One thread. The wait never blocks on disk, network or git: it sleeps in
 * poll() on the terminal and an inotify watch of the log (or a short poll
 * when inotify is not there) until the next clock tick. */
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "console.h"
#include "warroom/console.h"
#include "warroom/describe.h"
#include "warroom/error.h"
#include "warroom/people.h"
#include "warroom/stamp.h"
#include "warroom/summary.h"
#include "warroom/store.h"

#define MIN_COLS 40
#define MIN_ROWS 10
#define FULL_COLS 100        /* below this the roles and clocks go under the timeline */
#define FULL_ROWS 20
#define SIDE_COLS 36
#define POLL_FALLBACK_MS 50  /* without inotify, look at the log this often */
#define NET_MIN_WAIT_MS 20   /* the shortest sleep while deliveries wait their turn */

static volatile sig_atomic_t stop_signal, suspend_signal;
static bool curses_up;
static struct sigaction fatal_before[NSIG];

static void on_stop(int sig)
{
    stop_signal = sig;
}

static void on_suspend(int sig)
{
    (void)sig;
    suspend_signal = 1;
}

/* A crash must not leave the shell with bracketed paste on (every paste would
 * arrive wrapped in markers): turn it off, then let the signal do what it did
 * before (the default, or a sanitizer's report). */
static void on_fatal(int sig)
{
    ui_input_paste_mode(false);
    sigaction(sig, &fatal_before[sig], NULL);
    raise(sig);
}

static void restore_terminal(void)
{
    if (curses_up && !isendwin()) {
        ui_input_paste_mode(false);
        endwin();
    }
    curses_up = false;
}

/* Ctrl-Z: give the terminal back as it was (paste mode off), stop, and take
 * it again on fg. The handler only set a flag; this runs in the loop. */
static void suspend_if_asked(struct console *con)
{
    if (!suspend_signal)
        return;
    suspend_signal = 0;
    ui_input_paste_mode(false);
    endwin();
    struct sigaction sa, mine;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_DFL;
    sigaction(SIGTSTP, &sa, &mine);
    raise(SIGTSTP);                   /* stopped here until SIGCONT */
    sigaction(SIGTSTP, &mine, NULL);
    refresh();
    ui_input_paste_mode(true);
    clearok(curscr, TRUE);
    console_mark_all(con);
}

/* Ctrl-C while a prompt holds typed text: say what quitting loses and wait
 * for a second Ctrl-C. Returns true when the stop is put off. */
static bool stop_put_off(struct console *con)
{
    if (stop_signal != SIGINT || con->quit_asked || !ui_prompt_has_text(con))
        return false;
    stop_signal = 0;
    con->quit_asked = true;
    console_message(con, true, "Ctrl-C again quits and loses what you typed; any other key goes on");
    return true;
}

/* Typing outside a prompt (a key that means nothing there) is text meant for
 * somewhere else: nothing of it may run as commands, up to Enter or Esc. */
static int ignore_typing(struct console *con, const char *why)
{
    con->ignoring = true;
    console_message(con, true, "%s: typing ignored up to Enter or Esc (n: note, ?: keys)", why);
    return KEY_HANDLED;
}

int64_t console_trace_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void console_message(struct console *con, bool error, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(con->message, sizeof con->message, fmt, ap);
    va_end(ap);
    con->message_is_error = error;
    con->panels[PANEL_FOOTER].dirty = true;
}

void console_mark_all(struct console *con)
{
    for (int i = 0; i < PANEL_COUNT; i++)
        con->panels[i].dirty = true;
}

static const struct panel_ops *const panel_table[PANEL_COUNT] = {
    [PANEL_HEADER] = &header_panel_ops,
    [PANEL_TIMELINE] = &timeline_panel_ops,
    [PANEL_ROLES] = &roles_panel_ops,
    [PANEL_CLOCKS] = &clocks_panel_ops,
    [PANEL_ITEMS] = &items_panel_ops,
    [PANEL_RUNBOOK] = &runbook_panel_ops,
    [PANEL_FOOTER] = &footer_panel_ops,
};

static void place(struct panel *p, bool visible, int y, int x, int h, int w)
{
    if (p->win)
        delwin(p->win);
    p->win = NULL;
    p->visible = visible && h > 0 && w > 0;
    p->y = y, p->x = x, p->height = h, p->width = w;
    if (p->visible)
        p->win = newwin(h, w, y, x);
    p->dirty = true;
}

/* The side column's width: the timeline keeps most of the screen. */
static int side_cols(int cols)
{
    return cols >= 160 ? SIDE_COLS + 8 : cols >= 120 ? SIDE_COLS : SIDE_COLS - 6;
}

/* Every panel is placed again: on start and on every resize. The sizes are
 * the panes people use: 80x24 and 100x30 tmux panes, 120x40 and 160x48
 * windows, a 160x24 half-height split. */
static void layout(struct console *con)
{
    getmaxyx(stdscr, con->rows, con->cols);
    struct panel *pn = con->panels;
    int rows = con->rows, cols = con->cols;
    int head = rows >= 20 ? 2 + (rows >= 24 ? header_remote_lines(con, cols) : 0) : 1, body = rows - head - 2;
    if (cols < MIN_COLS || rows < MIN_ROWS) {
        con->layout = LAYOUT_TINY;
        for (int i = 0; i < PANEL_COUNT; i++)
            place(&pn[i], false, 0, 0, 0, 0);
    } else if (cols < FULL_COLS || rows < FULL_ROWS) {
        /* one column: the timeline over a line of roles, the nearest clocks
         * (one line each) and a line of action items */
        con->layout = LAYOUT_COMPACT;
        int clocks = rows >= 24 ? 3 : rows >= 16 ? 2 : 1;
        int timeline = body - 1 - clocks - 1;
        place(&pn[PANEL_HEADER], true, 0, 0, head, cols);
        place(&pn[PANEL_TIMELINE], true, head, 0, timeline, cols);
        place(&pn[PANEL_ROLES], true, head + timeline, 0, 1, cols);
        place(&pn[PANEL_CLOCKS], true, head + timeline + 1, 0, clocks, cols);
        place(&pn[PANEL_ITEMS], true, head + timeline + 1 + clocks, 0, 1, cols);
        place(&pn[PANEL_FOOTER], true, rows - 2, 0, 2, cols);
        if (ui_runbook_is_open(con)) {
            /* too narrow to share: the runbook takes the timeline's lines */
            place(&pn[PANEL_TIMELINE], false, 0, 0, 0, 0);
            place(&pn[PANEL_RUNBOOK], true, head, 0, timeline, cols);
        } else {
            place(&pn[PANEL_RUNBOOK], false, 0, 0, 0, 0);
        }
    } else {
        con->layout = LAYOUT_FULL;
        int side = side_cols(cols);
        /* the clocks take the lines they need, the action items the rest */
        int clocks = 1 + (con->nclocks ? (int)con->nclocks : 1);
        if (clocks > body - 6 - 3)
            clocks = body - 6 - 3;
        int items = body - 6 - clocks;
        place(&pn[PANEL_HEADER], true, 0, 0, head, cols);
        place(&pn[PANEL_TIMELINE], true, head, 0, body, cols - side - 1);
        place(&pn[PANEL_ROLES], true, head, cols - side, 6, side);
        place(&pn[PANEL_CLOCKS], true, head + 6, cols - side, body - 6 - items, side);
        place(&pn[PANEL_ITEMS], true, head + body - items, cols - side, items, side);
        place(&pn[PANEL_FOOTER], true, rows - 2, 0, 2, cols);
        if (ui_runbook_is_open(con)) {
            /* the runbook stands beside the timeline, in the side column's
             * place and wider: commands need the room. Under it the clocks
             * that run first, so that following a runbook never hides the
             * next deadline */
            int book = cols / 2;
            int strip = con->nclocks ? 1 + (con->nclocks < 4 ? (int)con->nclocks : 4) : 0;
            if (body - strip < 10)
                strip = 0;
            place(&pn[PANEL_TIMELINE], true, head, 0, body, cols - book - 1);
            place(&pn[PANEL_ROLES], false, 0, 0, 0, 0);
            place(&pn[PANEL_CLOCKS], strip > 0, head + body - strip, cols - book, strip, book);
            place(&pn[PANEL_ITEMS], false, 0, 0, 0, 0);
            place(&pn[PANEL_RUNBOOK], true, head, cols - book, body - strip, book);
        } else {
            place(&pn[PANEL_RUNBOOK], false, 0, 0, 0, 0);
        }
    }
    if (con->rule)
        delwin(con->rule);
    con->rule = NULL;
    if (con->layout == LAYOUT_FULL) {
        /* the rule between the timeline and the side column: a window of its
         * own, so it is drawn again whenever an overlay has covered it */
        con->rule = newwin(body, 1, head, cols - (ui_runbook_is_open(con) ? cols / 2 : side_cols(cols)) - 1);
    }
    clearok(curscr, TRUE);
    werase(stdscr);
    wnoutrefresh(stdscr);
}

void console_relayout(struct console *con)
{
    layout(con);
    console_mark_all(con);
}

static void draw_rule(struct console *con)
{
    if (!con->rule)
        return;
    werase(con->rule);
    wattrset(con->rule, ui_attr(con, THEME_BORDER));
    mvwvline_set(con->rule, 0, 0, WACS_VLINE, getmaxy(con->rule));
    wnoutrefresh(con->rule);
}

struct tiny_ctx {
    int row;
};

static void tiny_line(void *ctx, const char *s, size_t len)
{
    struct tiny_ctx *t = ctx;
    if (t->row >= LINES)
        return;
    move(t->row++, 0);
    ui_put(stdscr, s, len, COLS);
}

static void draw(struct console *con)
{
    if (con->layout == LAYOUT_TINY) {
        char msg[96];
        snprintf(msg, sizeof msg, "terminal too small (%dx%d): need %dx%d; q quits", con->cols, con->rows,
                 MIN_COLS, MIN_ROWS);
        werase(stdscr);
        /* folded onto the lines there are, however narrow */
        struct tiny_ctx t = {0};
        ui_wrap(msg, con->cols, tiny_line, &t);
        wnoutrefresh(stdscr);
        return;
    }
    bool any = false;
    /* a channel made meanwhile takes its lines in the header */
    struct panel *head = &con->panels[PANEL_HEADER];
    if (con->inc && head->dirty && con->rows >= 24 && head->height != 2 + header_remote_lines(con, con->cols)) {
        layout(con);
        for (int i = 0; i < PANEL_COUNT; i++)
            con->panels[i].dirty = true;
    }
    if (con->inc && con->panels[PANEL_TIMELINE].dirty)
        draw_rule(con);
    for (int i = 0; i < PANEL_COUNT; i++) {
        struct panel *p = &con->panels[i];
        if (p->visible && p->dirty && con->inc) {
            p->ops->draw(p, con);
            wnoutrefresh(p->win);
            p->dirty = false;
            any = true;
        }
    }
    if (con->overlay != OVERLAY_NONE && (any || con->overlay == OVERLAY_PICKER)) {
        ui_overlay_draw(con);
    }
    if (any && con->prompt.kind == PROMPT_UPDATE) {
        /* it covers the panels: they are drawn again once it closes */
        ui_prompt_preview_draw(con);
        for (int i = 0; i < PANEL_COUNT; i++)
            if (i != PANEL_FOOTER)
                con->panels[i].dirty = true;
    }
    /* the cursor shows only while typing, at the editor's place (the footer
     * draws its hints after the prompt, so where drawing ended is not it) */
    struct panel *f = &con->panels[PANEL_FOOTER];
    if (con->prompt.kind != PROMPT_NONE && f->visible && con->overlay == OVERLAY_NONE) {
        curs_set(1);
        wmove(f->win, 0, con->prompt.cursor_x);
        wnoutrefresh(f->win);
    } else {
        curs_set(0);
    }
}

static void refresh_clocks(struct console *con)
{
    size_t before = con->nclocks;
    con->now = stamp_now();
    con->nclocks = clock_compute(con->inc, con->policy, con->now, con->clocks);
    if (con->nclocks != before && con->layout == LAYOUT_FULL)
        layout(con);                      /* the clocks' lines are sized to fit them */
}

void console_follow(struct console *con)
{
    bool changed = false;
    size_t before = con->inc->ntimeline;
    timeline_before_change(con);
    size_t warned = con->inc->reader.nwarnings;
    if (incident_follow(con->inc, &changed) < 0) {
        console_message(con, true, "%s", error_last());
        return;
    }
    if (!changed)
        return;
    for (size_t i = warned; i < con->inc->reader.nwarnings; i++)   /* a stamp ahead, a torn line */
        console_message(con, true, "%s", con->inc->reader.warnings[i]);
    timeline_changed(con, before);
    refresh_clocks(con);
    console_mark_all(con);
    if (con->outbox)
        outbox_sync(con->outbox, con->inc, outbox_clock_ms());
}

void ui_delivery_line(struct console *con, const struct event *ev, struct buf *out)
{
    const struct outbox_item *items[OUTBOX_SINKS_MAX + 1];
    size_t n = con->outbox ? outbox_items_of(con->outbox, ev->id, items, sizeof items / sizeof *items) : 0;
    if (n == 0 && ui_contact_by_hand(con, ev, NULL)) {
        buf_adds(out, "not sent anywhere: ");
        ui_contact_by_hand(con, ev, out);
    }
    if (!con->outbox)
        return;
    for (size_t i = 0; i < n; i++) {
        buf_printf(out, "%s%s: ", i ? " · " : "", items[i]->sink);
        outbox_describe(out, items[i], outbox_clock_ms());
    }
}

/* How long the start took up to NAME, for the benchmark: what the first
 * frame waits for, step by step. */
static void trace_phase(struct console *con, const char *name, int64_t started)
{
    if (con->trace)
        fprintf(con->trace, "phase %s %lld\n", name, (long long)(console_trace_us() - started));
}

/* Which events reached the screen in this pass, for the benchmark. */
static void trace_frame(struct console *con, int64_t frame_start, bool first, int64_t started)
{
    int64_t end = console_trace_us();
    if (first)
        fprintf(con->trace, "first %lld\n", (long long)(end - started));
    fprintf(con->trace, "frame %lld %lld %zu\n", (long long)frame_start, (long long)(end - frame_start),
            con->inc->nevents);
    for (size_t i = con->traced; i < con->inc->nevents; i++)
        if (con->inc->nevents - i <= 1000)
            fprintf(con->trace, "event %s %lld\n", con->inc->events[i]->id, (long long)end);
    con->traced = con->inc->nevents;
}

static void drain_watch(struct console *con)
{
    char buf[4096];
    while (con->watch_fd >= 0 && read(con->watch_fd, buf, sizeof buf) > 0)
        ;
}

static void watch_log(struct console *con)
{
    con->watch_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    con->watch_wd = -1;
    if (con->watch_fd >= 0)
        con->watch_wd = inotify_add_watch(con->watch_fd, con->inc->log_path, IN_MODIFY);
    if (con->watch_wd < 0 && con->watch_fd >= 0) {
        close(con->watch_fd);
        con->watch_fd = -1;
    }
}

/* The pane's size, asked of the terminal. curses hears of a resize by
 * SIGWINCH, and one that comes before it is listening (a pane resized just
 * as the console starts, or a launcher that blocks the signal)
 * is never heard: the console would go on drawing for a size the pane no
 * longer has, its footer below the last line. So every pass asks as well
 * (an ioctl, a microsecond). */
static bool follow_pane_size(void)
{
    struct winsize ws;
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) < 0 || ws.ws_row == 0 || ws.ws_col == 0)
        return false;
    if (ws.ws_row == LINES && ws.ws_col == COLS)
        return false;
    resizeterm(ws.ws_row, ws.ws_col);
    return true;
}

static int global_key(struct console *con, wint_t key, bool code)
{
    if (code) {
        switch (key) {
        case KEY_RESIZE:
            layout(con);
            return KEY_HANDLED | KEY_REDRAW;
        case KEY_BTAB:
            con->focus = con->focus == PANEL_TIMELINE ? PANEL_CLOCKS : PANEL_TIMELINE;
            return KEY_HANDLED | KEY_REDRAW;
        case KEY_ENTER:
            ui_prompt_open(con, PROMPT_NOTE);
            return KEY_HANDLED;
        }
        return KEY_IGNORED;
    }
    switch (key) {
    case 'q':
        return KEY_QUIT;
    case '?':
        con->overlay = OVERLAY_HELP;
        con->overlay_scroll = 0;
        return KEY_HANDLED | KEY_REDRAW;
    case '\t':
        do
            con->focus = con->focus == PANEL_TIMELINE ? PANEL_ROLES
                         : con->focus == PANEL_ROLES  ? PANEL_CLOCKS
                                                      : PANEL_TIMELINE;
        while (!con->panels[con->focus].visible);
        return KEY_HANDLED | KEY_REDRAW;
    case 't':
        con->utc = !con->utc;
        return KEY_HANDLED | KEY_REDRAW;
    case 27:
        return KEY_HANDLED;
    case 'n':
        ui_prompt_open(con, PROMPT_NOTE);
        return KEY_HANDLED;
    case '\n':
    case '\r':
        if (con->focus != PANEL_TIMELINE)
            return KEY_IGNORED;
        ui_prompt_open(con, PROMPT_NOTE);
        return KEY_HANDLED;
    case '/': ui_prompt_open(con, PROMPT_SEARCH); return KEY_HANDLED;
    case 'u': ui_prompt_open(con, PROMPT_UPDATE); return KEY_HANDLED;
    case 's': ui_prompt_open(con, PROMPT_SEV); return KEY_HANDLED;
    case 'r': ui_prompt_open(con, PROMPT_ROLE); return KEY_HANDLED;
    case 'i': ui_prompt_open(con, PROMPT_ACTION); return KEY_HANDLED;
    case 'p': ui_prompt_open(con, PROMPT_PAGE); return KEY_HANDLED;
    case 'e': ui_prompt_open(con, PROMPT_EDIT); return KEY_HANDLED;
    case 'R': ui_prompt_open(con, PROMPT_RESOLVE); return KEY_HANDLED;
    /* one key that records asks when first: Enter for now; a second press
     * of something already done says so and records nothing */
    case 'a': ui_prompt_open(con, PROMPT_ACK); return KEY_HANDLED;
    case 'b':
        ui_runbook_toggle(con);
        layout(con);
        return KEY_HANDLED | KEY_REDRAW;
    case 'm': ui_prompt_open(con, PROMPT_MITIGATE); return KEY_HANDLED;
    case 'z': ui_prompt_open(con, PROMPT_REMINDER); return KEY_HANDLED;
    }
    return KEY_IGNORED;
}

/* After a search, n and N step through the hits; any other key ends it. A
 * letter then is someone typing, not a command. */
static int search_key(struct console *con, wint_t key, bool code)
{
    if (!code && (key == 'n' || key == 'N')) {
        timeline_search_step(con, key == 'n' ? 1 : -1);
        if (!con->message_is_error)
            console_message(con, false, "searching \"%.60s\": n next, N previous, any other key ends the search",
                            con->search);
        return KEY_HANDLED;
    }
    con->search[0] = '\0';
    console_mark_all(con);
    if (code)
        return KEY_IGNORED;               /* arrows and the like go on to do their work */
    if (key == 27 || key == '\r' || key == '\n') {
        console_message(con, false, "search ended");
        return KEY_HANDLED | KEY_REDRAW;
    }
    return ignore_typing(con, "search ended") | KEY_REDRAW;
}

/* Before IN is handled: whether it came at once with the key before it, and
 * what waits behind it (ui_prompt_key reads it to tell a paste's line break
 * from Enter). A key that came on its own ends the burst before it. */
static void note_burst(struct console *con, const struct input *in)
{
    con->burst.in_burst = con->burst.behind;
    con->burst.behind = in->kind != INPUT_PASTE && in->behind != BEHIND_NOTHING;
    con->burst.text_behind = in->kind != INPUT_PASTE && in->behind == BEHIND_TEXT;
    con->burst.cr_before = con->burst.in_burst && con->burst.cr_joined;
    con->burst.cr_joined = false;
    if (!con->burst.in_burst)
        con->burst.joined = false;
}

static int handle_key(struct console *con, wint_t key, bool code)
{
    if (con->overlay != OVERLAY_NONE && !(code && key == KEY_RESIZE))
        return ui_overlay_key(con, key, code);
    if (con->prompt.kind != PROMPT_NONE && !(code && key == KEY_RESIZE))
        return ui_prompt_key(con, key, code);
    if (con->refused && !(code && key == KEY_RESIZE)) {
        /* "a Enter" pressed again: the Enter confirmed nothing, so it opens nothing */
        con->refused = false;
        if (!code && (key == '\r' || key == '\n'))
            return KEY_HANDLED;
    }
    if (con->ignoring && !(code && key == KEY_RESIZE)) {
        if (!code && key != 27 && key != '\r' && key != '\n')
            return KEY_HANDLED;
        con->ignoring = false;
        console_message(con, false, "keys work again");
        if (!code)
            return KEY_HANDLED;
    }
    if (con->search[0] && !(code && key == KEY_RESIZE)) {
        int r = search_key(con, key, code);
        if (r != KEY_IGNORED)
            return r;
    }
    struct panel *focused = &con->panels[con->focus];
    int r = focused->ops->key ? focused->ops->key(focused, con, key, code) : KEY_IGNORED;
    if (r != KEY_IGNORED)
        return r;
    /* the roles and clocks panels have no lines to move in the compact view */
    if (con->focus != PANEL_TIMELINE && con->panels[PANEL_TIMELINE].ops->key) {
        r = con->panels[PANEL_TIMELINE].ops->key(&con->panels[PANEL_TIMELINE], con, key, code);
        if (r != KEY_IGNORED && (code ? key != KEY_ENTER : key != '\n'))
            return r;
    }
    r = global_key(con, key, code);
    if (r == KEY_IGNORED && !code && key >= 0x20 && key != 0x7F)
        return ignore_typing(con, "not a key here");
    return r;
}

static int handle_paste(struct console *con, const struct input *in)
{
    if (con->overlay != OVERLAY_NONE) {
        console_message(con, true, "a paste goes into a prompt; close this box first (nothing was taken)");
        return KEY_HANDLED;
    }
    con->ignoring = false;
    if (con->search[0]) {
        con->search[0] = '\0';
        console_mark_all(con);
    }
    return ui_prompt_paste(con, in) | KEY_REDRAW;
}

/* The time until the next whole second of the incident clock, so countdowns
 * tick on the second. */
static int tick_ms(void)
{
    int64_t now = stamp_now();
    int ms = (int)(1000 - ((now % 1000) + 1000) % 1000);
    return ms < 5 ? 5 : ms;
}

/* Says error_last() on standard error as every verb does; the exit status 1. */
static int console_fail(void)
{
    fprintf(stderr, "warroom: %s\n", error_last());
    return EXIT_FAILURE;
}

static const char *chosen_theme(struct session *session)
{
    const char *name = session_env_or(session->opts->theme, "WARROOM_THEME");
    if (!name)
        name = config_string(&session->config, "theme");
    return name ? name : "default";
}

static int load_theme(struct console *con)
{
    const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
    struct buf user = BUF_INIT;
    if (xdg && *xdg)
        buf_printf(&user, "%s/warroom/themes", xdg);
    else if (home && *home)
        buf_printf(&user, "%s/.config/warroom/themes", home);
    const char *dirs[] = {user.data ? user.data : "", WARROOM_SHARE "/themes", NULL};
    int rc = theme_load_named(&con->theme, chosen_theme(con->session), dirs);
    buf_free(&user);
    if (rc < 0)
        return -1;
    const char *no_colour = getenv("NO_COLOR");
    con->colour = !(no_colour && *no_colour);
    return 0;
}

/* Chooses the incident: --incident, the one open, a picker when several, or
 * an offer to declare one when there is none. Returns the id (caller frees)
 * or NULL when the user quit. */
static char *choose_incident(struct console *con)
{
    const char *named = session_env_or(con->session->opts->incident, "WARROOM_INCIDENT");
    if (named)
        return xstrdup(named);
    char **ids;
    size_t n;
    if (store_list(&con->session->store, &ids, &n) < 0)
        return NULL;
    con->picks = xcalloc(n ? n : 1, sizeof(char *));
    con->pick_lines = xcalloc(n ? n : 1, sizeof(char *));
    con->npicks = 0;
    for (size_t i = 0; i < n; i++) {
        struct incident_summary sum;      /* a cache per log: no replay of each */
        if (summary_get(&sum, &con->session->store, ids[i], NULL) == 0 && sum.open) {
            /* what tells incidents apart at a glance: severity, status, title */
            struct buf line = BUF_INIT;
            char sev[16];
            buf_printf(&line, "%-5s %s%-13s %s  (%s)", describe_sev(con->policy, sum.sev, sev, sizeof sev),
                       sum.drill ? "DRILL " : "", incident_status_name((enum incident_status)sum.status), sum.title, ids[i]);
            con->pick_lines[con->npicks] = buf_detach(&line);
            con->picks[con->npicks++] = xstrdup(ids[i]);
        }
    }
    store_list_free(ids, n);
    ui_sync_picks(con);
    if (con->npicks == 1)
        return ui_sync_picked(con, con->picks[0]);
    /* several: pick; none: declare */
    struct input in = {.paste = BUF_INIT};
    char *chosen = NULL;
    for (;;) {
        con->now = stamp_now();           /* what a prompt's times are judged against */
        erase();
        if (con->npicks == 0 && con->prompt.kind == PROMPT_NONE) {
            const char *msg = "No open incident. Press d to declare one, q to quit.";
            move(con->rows / 2, 2);
            ui_put(stdscr, msg, strlen(msg), con->cols - 4);
        }
        if (con->prompt.kind == PROMPT_NONE && con->message[0]) {
            move(con->rows - 1, 0);
            ui_put(stdscr, con->message, strlen(con->message), con->cols);
        }
        wnoutrefresh(stdscr);
        if (con->npicks > 0) {
            con->overlay = OVERLAY_PICKER;
            ui_overlay_draw(con);
        }
        if (con->prompt.kind != PROMPT_NONE) {
            WINDOW *w = newwin(2, con->cols, con->rows - 2, 0);
            ui_prompt_draw(con, w, con->cols);
            if (con->message[0]) {
                int y, x;
                getyx(w, y, x);
                wmove(w, 1, 0);
                ui_put(w, con->message, strlen(con->message), con->cols);
                wmove(w, y, x);
            }
            wnoutrefresh(w);
            delwin(w);
            curs_set(1);
        } else {
            curs_set(0);
        }
        doupdate();
        /* a bounded wait, so that signals are seen even with no key */
        int got = ui_input_next(&in, 250);
        if (follow_pane_size())
            getmaxyx(stdscr, con->rows, con->cols);
        suspend_if_asked(con);
        if (stop_signal && !stop_put_off(con))
            break;
        if (!got)
            continue;
        bool code = in.kind == INPUT_CODE;
        wint_t key = in.key;
        note_burst(con, &in);
        if (code && key == KEY_RESIZE) {
            getmaxyx(stdscr, con->rows, con->cols);
            continue;
        }
        if (in.kind == INPUT_PASTE) {
            /* only a prompt takes a paste here: there is no incident to note in */
            if (con->prompt.kind != PROMPT_NONE)
                ui_prompt_paste(con, &in);
            continue;
        }
        if (con->prompt.kind != PROMPT_NONE) {
            ui_prompt_key(con, key, code);
            if (con->prompt.kind == PROMPT_NONE && con->npicks == 1 && con->overlay == OVERLAY_NONE) {
                chosen = xstrdup(con->picks[0]);  /* just declared */
                break;
            }
            continue;
        }
        if (con->ignoring) {
            if (code || key == 27 || key == '\r' || key == '\n')
                con->ignoring = false;
            continue;
        }
        if (!code && key == 'q')
            break;
        if (!code && key == 'd') {
            con->overlay = OVERLAY_NONE;
            ui_prompt_open(con, PROMPT_DECLARE);
            continue;
        }
        if (con->npicks > 0) {
            ui_overlay_key(con, key, code);
            if (con->overlay == OVERLAY_NONE) {
                chosen = ui_sync_picked(con, con->picks[con->pick]);
                break;
            }
        }
    }
    buf_free(&in.paste);
    return chosen;
}

static void console_free(struct console *con)
{
    for (int i = 0; i < PANEL_COUNT; i++) {
        if (con->panels[i].ops && con->panels[i].ops->free)
            con->panels[i].ops->free(&con->panels[i]);
        if (con->panels[i].win)
            delwin(con->panels[i].win);
    }
    for (size_t i = 0; i < con->npicks; i++) {
        free(con->picks[i]);
        if (con->pick_lines)
            free(con->pick_lines[i]);
    }
    free(con->picks);
    free(con->pick_lines);
    if (con->outbox)
        outbox_free(con->outbox);
    free(con->remote.name);
    free(con->remote.link);
    sync_follow_close(con->sync);
    incident_free(con->inc);
    buf_free(&con->postmortem);
    if (con->rule)
        delwin(con->rule);
    if (con->theme)
        theme_free(con->theme);
    if (con->watch_fd >= 0)
        close(con->watch_fd);
    if (con->trace)
        fclose(con->trace);
}

int console_run(struct session *session)
{
    struct console con;
    int rc = 0;
    int64_t started = console_trace_us();
    memset(&con, 0, sizeof con);
    con.session = session;
    con.watch_fd = -1;
    con.utc = true;
    con.focus = PANEL_TIMELINE;
    for (int i = 0; i < PANEL_COUNT; i++)
        con.panels[i].ops = panel_table[i];
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        error_set("the console needs a terminal; 'warroom show' prints the incident instead");
        return console_fail();
    }
    if (session_load_policy(session) < 0 || session_who_am_i(session) < 0 || load_theme(&con) < 0)
        return console_fail();
    con.policy = &session->policy;
    session->lock_wait_ms = 0;        /* the loop never waits on a lock: ui_record keeps what must wait */
    const char *trace = getenv("WARROOM_TRACE");
    if (trace && *trace) {
        int fd = open(trace, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        con.trace = fd >= 0 ? fdopen(fd, "a") : NULL;
        if (con.trace)
            setvbuf(con.trace, NULL, _IOLBF, 0);
    }

    setlocale(LC_ALL, "");
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    sa.sa_handler = on_suspend;
    sigaction(SIGTSTP, &sa, NULL);        /* before initscr: curses then leaves it to us */
    sa.sa_handler = on_fatal;
    static const int fatal[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
    for (size_t i = 0; i < sizeof fatal / sizeof *fatal; i++)
        sigaction(fatal[i], &sa, &fatal_before[fatal[i]]);
    atexit(restore_terminal);
    /* a lone Esc is told from the start of a sequence by this much silence */
    set_escdelay(25);
    initscr();
    curses_up = true;
    ui_input_paste_mode(true);
    cbreak();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    ui_colours_init(&con);
    getmaxyx(stdscr, con.rows, con.cols);

    char *id = choose_incident(&con);
    con.overlay = OVERLAY_NONE;
    con.prompt.kind = PROMPT_NONE;
    if (!id)
        goto done;
    char *path = store_log_path(&session->store, id);
    trace_phase(&con, "chosen", started);
    int lrc = incident_load(&con.inc, id, path);
    trace_phase(&con, "load", started);
    free(path);
    free(id);
    if (lrc < 0) {
        rc = -1;
        goto done;
    }
    for (size_t i = 0; i < con.inc->reader.nwarnings; i++)
        console_message(&con, true, "%s", con.inc->reader.warnings[i]);
    watch_log(&con);
    if (outbox_open(&con.outbox, &session->store, con.inc->id, &session->config, con.policy) < 0) {
        console_message(&con, true, "publishing is off: %s", error_last());
        con.outbox = NULL;
    } else {
        if (outbox_needs_people(con.outbox)) {
            const struct people *people = session_people(session);
            if (!people)
                console_message(&con, true, "nobody's ids are known (no assignees, invites or mentions): %s", error_last());
            outbox_set_people(con.outbox, people);
        }
        /* what is pending is known now; delivering it waits for the first frame */
        outbox_sync(con.outbox, con.inc, outbox_clock_ms());
    }
    trace_phase(&con, "outbox", started);
    if (sync_follow_open(&con.sync, &session->config, &session->store,
                         session_env_or(session->opts->repo, "WARROOM_REPO"),
                         con.inc->id) < 0)
        console_message(&con, true, "sync is off: %s", error_last());
    trace_phase(&con, "sync", started);
    timeline_changed(&con, con.inc->ntimeline);
    trace_phase(&con, "timeline", started);
    ui_runbook_init(&con);
    con.traced = con.inc->nevents;
    refresh_clocks(&con);
    trace_phase(&con, "clocks", started);
    layout(&con);
    trace_phase(&con, "layout", started);

    bool first = true;
    int64_t last_second = -1, carried_us = 0;
    struct input in = {.paste = BUF_INIT};
    for (;;) {
        int64_t frame_start = console_trace_us();
        if (follow_pane_size()) {
            layout(&con);
            console_mark_all(&con);
        }
        refresh_clocks(&con);
        ui_record_waiting(&con);
        if (con.now / 1000 != last_second) {
            /* the clocks count down each second: the panels that show time */
            last_second = con.now / 1000;
            con.panels[PANEL_HEADER].dirty = true;
            con.panels[PANEL_CLOCKS].dirty = true;
            ui_fire_escalations(&con);
            ui_announce_missed_update(&con);
            sync_follow_poll(con.sync, con.now);   /* never waits: the round runs in a child */
            console_follow(&con);
            if (con.outbox && !first) {
                /* the delivery lock may have come free; retries may be due */
                if (!outbox_locked(con.outbox))
                    outbox_lock(con.outbox);
                outbox_sync(con.outbox, con.inc, outbox_clock_ms());
                con.panels[PANEL_TIMELINE].dirty = true;
            }
        }
        (void)timeline_search_run(&con);  /* the next slice of a search under way */
        draw(&con);
        doupdate();
        if (con.trace)
            trace_frame(&con, frame_start - carried_us, first, started);
        if (first && con.outbox) {
            /* the first frame is up: now the backlog, then draw again */
            first = false;
            outbox_lock(con.outbox);
            outbox_sync(con.outbox, con.inc, outbox_clock_ms());
            con.panels[PANEL_TIMELINE].dirty = true;
            con.panels[PANEL_HEADER].dirty = true;
            continue;
        }
        first = false;

        struct pollfd fds[2] = {{.fd = STDIN_FILENO, .events = POLLIN}, {.fd = con.watch_fd, .events = POLLIN}};
        int timeout = tick_ms();
        if ((con.watch_fd < 0 || con.nwaiting) && timeout > POLL_FALLBACK_MS)
            timeout = POLL_FALLBACK_MS;   /* also: entries wait for the log's lock */
        if (timeline_search_pending())
            timeout = 0;                  /* a search under way goes on at once */
        if (con.outbox) {
            long net = outbox_timeout_ms(con.outbox, outbox_clock_ms());
            if (net == 0) {
                /* a retry is due: start it now rather than at the next tick */
                outbox_sync(con.outbox, con.inc, outbox_clock_ms());
                net = outbox_timeout_ms(con.outbox, outbox_clock_ms());
                /* still due means its sink is busy with an earlier item: its
                 * reply wakes us, so do not spin on a zero timeout meanwhile */
                if (net == 0)
                    net = NET_MIN_WAIT_MS;
            }
            if (net >= 0 && net < timeout)
                timeout = (int)net;
        }
        size_t nfds = con.watch_fd >= 0 ? 2 : 1;
        int n = con.outbox ? outbox_wait(con.outbox, fds, nfds, timeout) : poll(fds, nfds, timeout);
        int64_t woke = console_trace_us();
        suspend_if_asked(&con);
        if (stop_signal && !stop_put_off(&con))
            break;
        if (n < 0 && errno != EINTR && !con.outbox)
            break;
        if (con.outbox && outbox_perform(con.outbox, outbox_clock_ms()) > 0) {
            /* outcomes were appended: the timeline shows them after a follow */
            console_follow(&con);
            con.panels[PANEL_TIMELINE].dirty = true;
            con.panels[PANEL_HEADER].dirty = true;
        }
        if (con.watch_fd < 0 || (fds[1].revents & POLLIN)) {
            drain_watch(&con);
            console_follow(&con);
        }
        bool quit = false;
        while (ui_input_next(&in, 0)) {
            note_burst(&con, &in);
            int r = in.kind == INPUT_PASTE ? handle_paste(&con, &in) : handle_key(&con, in.key, in.kind == INPUT_CODE);
            if (r & KEY_QUIT) {
                quit = true;
                break;
            }
            if (r & KEY_REDRAW)
                console_mark_all(&con);
            con.panels[PANEL_FOOTER].dirty = true;
        }
        if (quit)
            break;
        /* what was just recorded shows at once, without waiting for the watch */
        console_follow(&con);
        /* the work after the wait (network, keys, the log) belongs to the
         * next frame's time: the trace counts a pass, less its sleep */
        carried_us = console_trace_us() - woke;
    }
    buf_free(&in.paste);
done:
    restore_terminal();
    if (rc < 0)
        console_fail();
    if (ui_record_waiting_at_exit(&con) < 0)
        rc = -1;
    if (stop_signal)
        fprintf(stderr, "warroom: stopped by signal %d; the incident stays open\n", (int)stop_signal);
    console_free(&con);
    return rc < 0 ? 1 : 0;
}
