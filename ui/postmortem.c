/* postmortem — after resolving, the draft postmortem in a scrollable preview:
 * c commits it into the platform repo, e opens it in $EDITOR, w writes the
 * file only. The commit id lands in the timeline through the postmortem event. */
#include <stdio.h>
#include <string.h>

#include "console.h"
#include "warroom/error.h"

void ui_postmortem_open(struct console *con)
{
    /* the resolution just written must be in the draft, and in the
     * timeline: read it the way every other append is read */
    console_follow(con);
    buf_reset(&con->postmortem);
    if (session_postmortem_draft(con->session, con->inc, &con->postmortem) < 0) {
        console_message(con, true, "no postmortem: %s", error_last());
        return;
    }
    con->overlay = OVERLAY_POSTMORTEM;
    con->overlay_scroll = 0;
    console_mark_all(con);
}

static int count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n + 1;
}

void ui_postmortem_draw(struct console *con)
{
    int h = con->rows - 3, w = con->cols - 4;   /* the footer stays in view */
    if (h < 5 || w < 20)
        return;
    WINDOW *win = ui_dialog(con, 1, 2, h, w,
                            " Postmortem draft: c commit  e edit  w write file  Esc close  Up/Down PgUp/PgDn scroll ");
    int total = count_lines(buf_str(&con->postmortem));
    if (con->overlay_scroll > total - 1)
        con->overlay_scroll = total > 0 ? total - 1 : 0;
    const char *line = buf_str(&con->postmortem);
    for (int i = 0; i < con->overlay_scroll && line; i++) {
        line = strchr(line, '\n');
        if (line)
            line++;
    }
    for (int row = 1; row < h - 1 && line && *line; row++) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        wmove(win, row, 2);
        ui_put(win, line, len, w - 4);
        line = end ? end + 1 : NULL;
    }
    wnoutrefresh(win);
    delwin(win);
}

/* $EDITOR gets the whole terminal, then the console comes back. */
static void edit(struct console *con)
{
    def_prog_mode();
    ui_input_paste_mode(false);
    endwin();
    int rc = session_postmortem_edit_draft(&con->postmortem);
    reset_prog_mode();
    ui_input_paste_mode(true);           /* the editor may have turned it off */
    clearok(curscr, TRUE);
    console_mark_all(con);
    if (rc < 0)
        console_message(con, true, "%s", error_last());
    else
        console_message(con, false, "draft edited: c commits it, w writes it");
}

int ui_postmortem_key(struct console *con, wint_t key, bool code)
{
    int page = con->rows > 6 ? con->rows - 6 : 1;
    struct buf said = BUF_INIT;
    if (code) {
        switch (key) {
        case KEY_UP: con->overlay_scroll -= con->overlay_scroll > 0; break;
        case KEY_DOWN: con->overlay_scroll++; break;
        case KEY_PPAGE: con->overlay_scroll = con->overlay_scroll > page ? con->overlay_scroll - page : 0; break;
        case KEY_NPAGE: con->overlay_scroll += page; break;
        case KEY_HOME: con->overlay_scroll = 0; break;
        case KEY_RESIZE: return KEY_IGNORED;
        }
        return KEY_HANDLED | KEY_REDRAW;
    }
    switch (key) {
    case 'j': con->overlay_scroll++; break;
    case 'k': con->overlay_scroll -= con->overlay_scroll > 0; break;
    case 'c':
        if (session_postmortem_commit_draft(con->session, con->inc, &con->postmortem, &said) < 0) {
            console_message(con, true, "not committed: %s", error_last());
        } else {
            console_message(con, false, "%s", buf_str(&said));
            con->overlay = OVERLAY_NONE;
        }
        break;
    case 'w':
        if (session_postmortem_write_draft(con->session, con->inc, &con->postmortem, &said) < 0) {
            console_message(con, true, "not written: %s", error_last());
        } else {
            console_message(con, false, "written to %s", buf_str(&said));
            con->overlay = OVERLAY_NONE;
        }
        break;
    case 'e':
        edit(con);
        break;
    case 27:
    case 'q':
        con->overlay = OVERLAY_NONE;
        break;
    }
    buf_free(&said);
    return KEY_HANDLED | KEY_REDRAW;
}
