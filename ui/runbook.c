/* runbook — the runbook for the incident's alerts, as a panel beside the
 * timeline (b opens and closes it): diagnosis steps, mitigation options with
 * when to take each, recovery; the selected step shows its command and what to
 * expect. x marks the selected step done (with an optional result) as a
 * runbook event, which the timeline and the postmortem show; y copies its
 * command: to tmux's paste buffer inside tmux, else by OSC 52 when the config
 * says "clipboard": {"osc52": true}. warroom never runs a command itself.
 * The runbooks are read once, when the console opens; the incident's alert
 * names pick one at every draw, so an alert arriving later brings its runbook. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "console.h"
#include "warroom/error.h"
#include "warroom/runbook.h"
#include "warroom/stamp.h"

struct line {
    char *text;
    attr_t attr;
    int indent;
    size_t step;              /* the step it belongs to; (size_t)-1 none */
};

struct runbook_state {
    struct runbook_set set;
    bool loaded, open;
    char *problem;            /* the first file left out, said when the panel opens */
    size_t selected;          /* into the runbook's steps */
    int scroll;               /* Markdown: the first line shown */
    char label[160];          /* the result prompt's question */
    struct line *lines;       /* built at each draw */
    size_t nlines, lines_cap;
};

static struct runbook_state *state_of(struct console *con)
{
    struct panel *p = &con->panels[PANEL_RUNBOOK];
    if (!p->state)
        p->state = xcalloc(1, sizeof(struct runbook_state));
    return p->state;
}

void ui_runbook_init(struct console *con)
{
    struct runbook_state *s = state_of(con);
    if (runbook_set_load(&s->set, session_env_or(con->session->opts->repo, "WARROOM_REPO")) < 0) {
        s->problem = xstrdup(error_last());
        memset(&s->set, 0, sizeof s->set);
    } else if (s->set.nproblems) {
        struct buf b = BUF_INIT;
        buf_printf(&b, "runbooks: %zu file%s left out: %s", s->set.nproblems, s->set.nproblems == 1 ? "" : "s",
                   s->set.problems[0]);
        s->problem = buf_detach(&b);
    }
    s->loaded = true;
}

/* The incident's runbook now: its alert names pick it. */
static const struct runbook *current(struct console *con)
{
    struct runbook_state *s = state_of(con);
    return runbook_set_match(&s->set, con->inc->alert_names, con->inc->nalert_names);
}

bool ui_runbook_is_open(struct console *con)
{
    return con->panels[PANEL_RUNBOOK].state && state_of(con)->open;
}

void ui_runbook_toggle(struct console *con)
{
    struct runbook_state *s = state_of(con);
    if (s->open && con->focus != PANEL_RUNBOOK) {
        con->focus = PANEL_RUNBOOK;       /* open but not in focus: b takes it there */
        return;
    }
    if (s->open) {
        s->open = false;
        con->focus = PANEL_TIMELINE;
        console_message(con, false, "runbook closed (b opens it again)");
        return;
    }
    /* read again: a runbook fixed in the working tree meanwhile is the one shown */
    runbook_set_free(&s->set);
    free(s->problem);
    s->problem = NULL;
    ui_runbook_init(con);
    const struct runbook *rb = current(con);
    if (!rb) {
        if (s->problem)
            console_message(con, true, "no runbook: %s", s->problem);
        else if (!con->inc->nalert_names)
            console_message(con, true, "no runbook: no alert with a name yet (warroom log --type alert --name NAME)");
        else
            console_message(con, true, "no runbook in runbooks/ lists %s%s", con->inc->alert_names[0],
                            con->inc->nalert_names > 1 ? " or the other alerts" : "");
        return;
    }
    s->open = true;
    if (s->selected >= rb->nsteps)
        s->selected = 0;
    con->focus = PANEL_RUNBOOK;
    if (s->problem)
        console_message(con, true, "%s", s->problem);
    else
        console_message(con, false, "runbook %s", rb->path); /* its keys are on the panel's key line */
}

void ui_runbook_estimate(struct console *con, struct buf *out)
{
    const struct runbook *rb = con->panels[PANEL_RUNBOOK].state ? current(con) : NULL;
    double amount;
    int64_t minutes;
    if (!runbook_estimate(rb, con->inc, con->now, &amount, &minutes))
        return;
    runbook_format_money(out, rb->currency, amount);
    buf_adds(out, " est.");
}

/* ---- marking a step done ---- */

static const struct runbook_step *selected_step(struct console *con)
{
    struct runbook_state *s = state_of(con);
    const struct runbook *rb = current(con);
    return rb && !rb->markdown && s->selected < rb->nsteps ? &rb->steps[s->selected] : NULL;
}

const char *ui_runbook_prompt_label(struct console *con)
{
    struct runbook_state *s = state_of(con);
    const struct runbook_step *st = selected_step(con);
    snprintf(s->label, sizeof s->label, "%s %u done: result (optional)",
             st ? runbook_section_name(st->section) : "step", st ? st->number : 0);
    return s->label;
}

const char *ui_runbook_done_message(struct console *con)
{
    struct runbook_state *s = state_of(con);
    const struct runbook_step *st = selected_step(con);
    snprintf(s->label, sizeof s->label, "marked done: %s %u %.100s (in the timeline)",
             st ? runbook_section_name(st->section) : "step", st ? st->number : 0, st ? st->title : "");
    return s->label;
}

/* x on a step already done: a second identical event would tell the timeline
 * and the postmortem it was done twice, so it says so and records nothing, as
 * a and m do. The Enter that may follow confirms nothing. */
static bool mark_again(struct console *con)
{
    const struct runbook_step *st = selected_step(con);
    const struct event *done = st ? runbook_step_done(con->inc, current(con), st) : NULL;
    if (!done)
        return false;
    char when[32];
    ui_format_time(con, when, sizeof when, done->at, false);
    con->refused = true;
    console_message(con, true, "%s %u is already done (%s by %s); nothing recorded", runbook_section_name(st->section),
                    st->number, when, done->by);
    return true;
}

int ui_runbook_draft(struct console *con, struct event_draft *d, const char *result)
{
    const struct runbook *rb = current(con);
    const struct runbook_step *st = selected_step(con);
    if (!st) {
        console_message(con, true, "no runbook step selected");
        return -1;
    }
    event_draft_init(d, EVENT_RUNBOOK, con->session->by);
    event_draft_str(d, "runbook", rb->path);
    event_draft_str(d, "title", rb->title);
    event_draft_str(d, "section", runbook_section_name(st->section));
    event_draft_int(d, "number", st->number);
    event_draft_str(d, "step", st->title);
    if (result && *result)
        event_draft_str(d, "result", result);
    char *link = runbook_link(rb, config_string(&con->session->config, "runbook_base_url"));
    event_draft_str(d, "url", link);
    free(link);
    return 0;
}

/* ---- copying a command ---- */

/* `tmux load-buffer -` with TEXT on its standard input: no shell, so nothing
 * in the command is read as anything but bytes. */
static int copy_to_tmux(const char *text)
{
    int in[2];
    if (pipe(in) < 0)
        return error_set_errno("cannot copy (pipe)");
    pid_t pid = fork();
    if (pid < 0) {
        close(in[0]);
        close(in[1]);
        return error_set_errno("cannot copy (fork)");
    }
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        dup2(in[0], STDIN_FILENO);
        if (null >= 0) {
            dup2(null, STDOUT_FILENO);
            dup2(null, STDERR_FILENO);
        }
        close(in[0]);
        close(in[1]);
        execlp("tmux", "tmux", "load-buffer", "-", (char *)NULL);
        _exit(127);
    }
    close(in[0]);
    /* a tmux that stopped reading must not kill the console */
    struct sigaction ignore = {.sa_handler = SIG_IGN}, before;
    sigaction(SIGPIPE, &ignore, &before);
    size_t len = strlen(text), done = 0;
    while (done < len) {
        ssize_t n = write(in[1], text + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        done += (size_t)n;
    }
    close(in[1]);
    sigaction(SIGPIPE, &before, NULL);
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (done < len || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return error_set("tmux load-buffer failed (exit %d)", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    return 0;
}

/* OSC 52: the terminal puts TEXT on the system clipboard. Off unless asked
 * for, since any program can then write to the clipboard. */
static void copy_by_osc52(const char *text)
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    struct buf seq = BUF_INIT;
    const unsigned char *s = (const unsigned char *)text;
    size_t len = strlen(text);
    buf_adds(&seq, "\033]52;c;");
    for (size_t i = 0; i < len; i += 3) {
        unsigned v = (unsigned)s[i] << 16 | (i + 1 < len ? (unsigned)s[i + 1] << 8 : 0) | (i + 2 < len ? s[i + 2] : 0);
        buf_addc(&seq, b64[v >> 18 & 63]);
        buf_addc(&seq, b64[v >> 12 & 63]);
        buf_addc(&seq, i + 1 < len ? b64[v >> 6 & 63] : '=');
        buf_addc(&seq, i + 2 < len ? b64[v & 63] : '=');
    }
    buf_adds(&seq, "\a");
    ssize_t n = write(STDOUT_FILENO, seq.data, seq.len);
    (void)n;
    buf_free(&seq);
}

static void copy_command(struct console *con)
{
    const struct runbook_step *st = selected_step(con);
    if (!st || !st->command) {
        console_message(con, true, "this step has no command to copy");
        return;
    }
    const char *tmux = getenv("TMUX");
    json_t *osc52 = config_value(&con->session->config, "clipboard.osc52");
    if (tmux && *tmux) {
        if (copy_to_tmux(st->command) < 0)
            console_message(con, true, "not copied: %s", error_last());
        else
            console_message(con, false, "copied to the tmux paste buffer (not run): %s", st->command);
    } else if (json_is_true(osc52)) {
        copy_by_osc52(st->command);
        console_message(con, false, "copied by OSC 52 (not run): %s", st->command);
    } else {
        console_message(con, true, "not copied: not inside tmux, and OSC 52 is off (config clipboard.osc52: true)");
    }
}

/* ---- drawing ---- */

static void line_add(struct runbook_state *s, const char *text, size_t len, attr_t attr, int indent, size_t step)
{
    if (s->nlines == s->lines_cap) {
        s->lines_cap = s->lines_cap ? s->lines_cap * 2 : 64;
        s->lines = xrealloc(s->lines, s->lines_cap * sizeof *s->lines);
    }
    struct line *l = &s->lines[s->nlines++];
    l->text = xstrndup(text, len);
    l->attr = attr;
    l->indent = indent;
    l->step = step;
}

static void lines_clear(struct runbook_state *s)
{
    for (size_t i = 0; i < s->nlines; i++)
        free(s->lines[i].text);
    s->nlines = 0;
}

struct wrap_to {
    struct runbook_state *s;
    attr_t attr;
    int indent, first_indent;
    size_t step;
    bool first;
};

static void wrapped(void *ctx, const char *text, size_t len)
{
    struct wrap_to *w = ctx;
    line_add(w->s, text, len, w->attr, w->first ? w->first_indent : w->indent, w->step);
    w->first = false;
}

/* TEXT folded to COLS less its indent; lines after the first stand at INDENT. */
static void add_wrapped(struct runbook_state *s, const char *text, int cols, attr_t attr, int first_indent,
                        int indent, size_t step)
{
    struct wrap_to w = {s, attr, indent, first_indent, step, true};
    if (cols - indent < 10)
        indent = first_indent;
    ui_wrap(text, cols - indent, wrapped, &w);
}

static void build_lines(struct console *con, const struct runbook *rb, int cols)
{
    struct runbook_state *s = state_of(con);
    static const char *const headings[RUNBOOK_SECTION_COUNT] = {"Diagnosis", "Mitigation", "Recovery"};
    lines_clear(s);
    if (rb->markdown) {
        const char *p = rb->text;
        while (p && *p) {
            const char *end = strchr(p, '\n');
            size_t n = end ? (size_t)(end - p) : strlen(p);
            char *one = xstrndup(p, n);
            if (n == 0)
                line_add(s, "", 0, ui_attr(con, THEME_DEFAULT), 0, (size_t)-1);
            else
                add_wrapped(s, one, cols, ui_attr(con, strncmp(one, "#", 1) == 0 ? THEME_TITLE : THEME_DEFAULT), 0,
                            0, (size_t)-1);
            free(one);
            p = end ? end + 1 : NULL;
        }
        return;
    }
    int last = -1;
    struct buf b = BUF_INIT;
    for (size_t i = 0; i < rb->nsteps; i++) {
        const struct runbook_step *st = &rb->steps[i];
        if ((int)st->section != last) {
            line_add(s, headings[st->section], strlen(headings[st->section]), ui_attr(con, THEME_ROLES_TITLE), 0,
                     (size_t)-1);
            last = (int)st->section;
        }
        const struct event *done = runbook_step_done(con->inc, rb, st);
        bool sel = i == s->selected && con->focus == PANEL_RUNBOOK;
        attr_t base = ui_attr(con, done ? THEME_CLOCK_MET : THEME_DEFAULT);
        buf_reset(&b);
        buf_printf(&b, "%s %u %s", done ? "[x]" : "[ ]", st->number, st->title);
        add_wrapped(s, buf_str(&b), cols, sel ? ui_attr(con, THEME_TIMELINE_SELECTED) : base, 0, 6, i);
        /* "when" is what a mitigation option is chosen by: always shown */
        if (st->when) {
            buf_reset(&b);
            buf_printf(&b, "when: %s", st->when);
            add_wrapped(s, buf_str(&b), cols, ui_attr(con, THEME_TIMELINE_UPDATE), 6, 12, i);
        }
        if (done) {
            char when[32];
            const char *result = event_str(done, "result");
            ui_format_time(con, when, sizeof when, done->at, false);
            buf_reset(&b);
            buf_printf(&b, "done %s %s%s%s", when, done->by, result && *result ? ": " : "",
                       result && *result ? result : "");
            add_wrapped(s, buf_str(&b), cols, ui_attr(con, THEME_CLOCK_MET), 6, 11, i);
        }
        if (i != s->selected)
            continue;
        /* the selected step: what to type, and what to look for */
        if (st->command) {
            buf_reset(&b);
            buf_printf(&b, "$ %s", st->command);
            add_wrapped(s, buf_str(&b), cols, ui_attr(con, THEME_TIMELINE_TIME), 6, 8, i);
        }
        if (st->expected) {
            buf_reset(&b);
            buf_printf(&b, "expect: %s", st->expected);
            add_wrapped(s, buf_str(&b), cols, ui_attr(con, THEME_DEFAULT) | A_DIM, 6, 14, i);
        }
        if (st->verify) {
            buf_reset(&b);
            buf_printf(&b, "verify: %s", st->verify);
            add_wrapped(s, buf_str(&b), cols, ui_attr(con, THEME_DEFAULT) | A_DIM, 6, 14, i);
        }
    }
    buf_free(&b);
}

static void runbook_draw(struct panel *p, struct console *con)
{
    struct runbook_state *s = state_of(con);
    WINDOW *w = p->win;
    const struct runbook *rb = current(con);
    wbkgdset(w, ' ' | ui_attr(con, THEME_DEFAULT));
    werase(w);
    if (!rb) {
        wmove(w, 0, 0);
        ui_put_padded(w, " Runbook: none for this incident's alerts", p->width);
        wnoutrefresh(w);
        return;
    }
    /* the title, and what the runbook is about */
    wmove(w, 0, 0);
    wattrset(w, ui_attr(con, THEME_TITLE));
    int used = ui_put(w, " Runbook ", 9, p->width);
    used += ui_put_fit(w, rb->title, p->width - used - 1);
    for (; used < p->width; used++)
        waddch(w, ' ');
    int top = 1;
    if (!rb->markdown && p->height > 8) {
        struct buf about = BUF_INIT;
        buf_printf(&about, " %s", rb->service ? rb->service : rb->path);
        if (rb->owner)
            buf_printf(&about, " \xc2\xb7 %s", rb->owner);
        if (rb->severity)
            buf_printf(&about, " \xc2\xb7 %s", rb->severity);
        wmove(w, top++, 0);
        wattrset(w, ui_attr(con, THEME_DEFAULT) | A_DIM);
        used = ui_put_fit(w, buf_str(&about), p->width);
        for (; used < p->width; used++)
            waddch(w, ' ');
        buf_free(&about);
    }
    build_lines(con, rb, p->width - 1);
    int rows = p->height - top - 1;       /* the last line: the keys */
    if (rows < 1)
        rows = 1;
    /* the selected step's lines in view; Markdown scrolls by line */
    int first = 0;
    if (rb->markdown) {
        if (s->scroll > (int)s->nlines - rows)
            s->scroll = (int)s->nlines - rows > 0 ? (int)s->nlines - rows : 0;
        first = s->scroll;
    } else {
        int sel_first = -1, sel_last = -1;
        for (size_t i = 0; i < s->nlines; i++) {
            if (s->lines[i].step == s->selected) {
                if (sel_first < 0)
                    sel_first = (int)i - (i > 0 && s->lines[i - 1].step == (size_t)-1 ? 1 : 0);
                sel_last = (int)i;
            }
        }
        if (sel_last >= rows)
            first = sel_last - rows + 1;
        if (sel_first >= 0 && first > sel_first)
            first = sel_first;
    }
    for (int r = 0; r < rows && first + r < (int)s->nlines; r++) {
        const struct line *l = &s->lines[first + r];
        wmove(w, top + r, 0);
        wattrset(w, ui_attr(con, THEME_DEFAULT));
        for (int k = 0; k < l->indent + 1; k++)
            waddch(w, ' ');
        wattrset(w, l->attr);
        int u = l->indent + 1 + ui_put(w, l->text, strlen(l->text), p->width - l->indent - 1);
        wattrset(w, ui_attr(con, THEME_DEFAULT));
        for (; u < p->width; u++)
            waddch(w, ' ');
    }
    /* the keys, and what lies out of view, so nothing is missed for want of room */
    struct buf more = BUF_INIT, keys = BUF_INIT;
    int below = (int)s->nlines - (first + rows);
    if (first > 0 || below > 0) {
        buf_adds(&more, "more:");
        if (first > 0)
            buf_printf(&more, " %d line%s above%s", first, first == 1 ? "" : "s", below > 0 ? "," : "");
        if (below > 0)
            buf_printf(&more, " %d line%s below", below, below == 1 ? "" : "s");
    }
    /* the keys in full, else in short, else only what is out of view: that
     * is never the part cut off */
    const char *const forms[] = {rb->markdown ? " j/k scroll  b close" : " j/k step  x done  y copy command  b close",
                                 rb->markdown ? " j/k b" : " j/k x y b", ""};
    for (size_t i = 0; i < sizeof forms / sizeof *forms; i++) {
        buf_reset(&keys);
        buf_adds(&keys, forms[i]);
        if (more.len)
            buf_printf(&keys, "%s%s", *forms[i] ? "   " : " ", buf_str(&more));
        if (ui_width(buf_str(&keys)) <= p->width)
            break;
    }
    buf_free(&more);
    wmove(w, p->height - 1, 0);
    wattrset(w, ui_attr(con, THEME_FOOTER));
    ui_put_padded(w, buf_str(&keys), p->width);
    buf_free(&keys);
    wnoutrefresh(w);
}

static int runbook_key(struct panel *p, struct console *con, wint_t key, bool code)
{
    struct runbook_state *s = state_of(con);
    const struct runbook *rb = current(con);
    if (!rb)
        return KEY_IGNORED;
    size_t last = rb->nsteps ? rb->nsteps - 1 : 0;
    bool up = code ? key == KEY_UP : key == 'k', down = code ? key == KEY_DOWN : key == 'j';
    if (up || down) {
        if (rb->markdown)
            s->scroll += down ? 1 : s->scroll > 0 ? -1 : 0;
        else if (down)
            s->selected = s->selected < last ? s->selected + 1 : last;
        else
            s->selected = s->selected > 0 ? s->selected - 1 : 0;
        p->dirty = true;
        return KEY_HANDLED;
    }
    if (code) {
        if (key != KEY_HOME && key != KEY_END)
            return KEY_IGNORED;
        s->selected = key == KEY_HOME ? 0 : last;
        p->dirty = true;
        return KEY_HANDLED;
    }
    switch (key) {
    case 'g':
    case 'G':
        s->selected = key == 'g' ? 0 : last;
        s->scroll = 0;
        p->dirty = true;
        return KEY_HANDLED;
    case 'x':
    case '\r':
    case '\n':
        if (rb->markdown) {
            console_message(con, true, "a Markdown runbook has no steps to mark");
            return KEY_HANDLED;
        }
        if (mark_again(con))
            return KEY_HANDLED;
        ui_prompt_open(con, PROMPT_RUNBOOK);
        return KEY_HANDLED;
    case 'y':
        copy_command(con);
        return KEY_HANDLED;
    case 27:
        ui_runbook_toggle(con);
        console_relayout(con);
        return KEY_HANDLED | KEY_REDRAW;
    }
    return KEY_IGNORED;
}

static void runbook_free_panel(struct panel *p)
{
    struct runbook_state *s = p->state;
    if (s) {
        lines_clear(s);
        free(s->lines);
        free(s->problem);
        runbook_set_free(&s->set);
    }
    free(s);
    p->state = NULL;
}

const struct panel_ops runbook_panel_ops = {
    .name = "runbook",
    .draw = runbook_draw,
    .key = runbook_key,
    .free = runbook_free_panel,
};
