/* draw — putting untrusted text on the terminal safely, in columns. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "console.h"
#include "warroom/stamp.h"
#include "warroom/text.h"

/* Colour pairs are assigned in element order: pair N+1 for element N. */
void ui_colours_init(struct console *con)
{
    con->colour = con->colour && has_colors();
    if (!con->colour) {
        /* what the colours said (the selected entry, an overdue clock) is
         * said with reverse and bold instead */
        theme_without_colour(con->theme);
        return;
    }
    start_color();
    use_default_colors();
    for (int e = 0; e < THEME_ELEMENT_COUNT; e++) {
        const struct theme_style *s = theme_style(con->theme, (enum theme_element)e);
        int fg = theme_colour_reduce(s->fg, COLORS), bg = theme_colour_reduce(s->bg, COLORS);
        if (e + 1 < COLOR_PAIRS)
            init_pair((short)(e + 1), (short)fg, (short)bg);
    }
}

attr_t ui_attr(struct console *con, enum theme_element e)
{
    const struct theme_style *s = theme_style(con->theme, e);
    attr_t a = A_NORMAL;
    if (s->attrs & THEME_ATTR_BOLD)
        a |= A_BOLD;
    if (s->attrs & THEME_ATTR_DIM)
        a |= A_DIM;
    if (s->attrs & THEME_ATTR_UNDERLINE)
        a |= A_UNDERLINE;
    if (s->attrs & THEME_ATTR_REVERSE)
        a |= A_REVERSE;
    if (s->attrs & THEME_ATTR_ITALIC)
        a |= A_ITALIC;
    if (s->attrs & THEME_ATTR_BLINK)
        a |= A_BLINK;
    if (s->attrs & THEME_ATTR_STANDOUT)
        a |= A_STANDOUT;
    if (con->colour && (int)e + 1 < COLOR_PAIRS)
        a |= COLOR_PAIR(e + 1);
    return a;
}

/* The next character of S[*I..LEN) as the terminal is given it: invalid
 * UTF-8 as U+FFFD, newline and tab as a space. Returns false for one that is
 * never drawn (a control, a bidi override), having moved *I past it. */
static bool next_drawn(const char *s, size_t len, size_t *i, uint32_t *cp)
{
    size_t n = text_utf8_decode(s + *i, len - *i, cp);
    if (n == 0) {
        *cp = 0xFFFD;
        n = 1;
    }
    *i += n;
    if (*cp == '\n' || *cp == '\t')
        *cp = ' ';
    return !text_is_hostile(*cp);
}

/* Every character passes through here on its way to the screen: whatever
 * slipped past the cleaning at the door (a log written by something else) is
 * still never sent raw. */
int ui_put(WINDOW *w, const char *s, size_t len, int cols)
{
    int used = 0;
    size_t i = 0;
    while (i < len && used < cols) {
        uint32_t cp;
        if (!next_drawn(s, len, &i, &cp))
            continue;
        int cw = text_cp_width(cp);
        if (used + cw > cols)
            break;
        if (cw == 0 && used == 0)
            continue;                     /* a combining mark with nothing to combine with */
        char enc[5];
        size_t elen = text_utf8_encode(cp, enc);
        enc[elen] = '\0';
        waddnstr(w, enc, (int)elen);
        used += cw;
    }
    return used;
}

int ui_width(const char *s)
{
    int used = 0;
    size_t i = 0, len = strlen(s);
    while (i < len) {
        uint32_t cp;
        if (next_drawn(s, len, &i, &cp))
            used += text_cp_width(cp);
    }
    return used;
}

int ui_put_fit(WINDOW *w, const char *s, int cols)
{
    if (cols <= 0)
        return 0;
    if (ui_width(s) <= cols)
        return ui_put(w, s, strlen(s), cols);
    int used = ui_put(w, s, strlen(s), cols - 1);
    waddstr(w, "\xe2\x80\xa6");
    return used + 1;
}

void ui_put_padded(WINDOW *w, const char *s, int cols)
{
    int used = ui_put(w, s, strlen(s), cols);
    for (; used < cols; used++)
        waddch(w, ' ');
}

int ui_wrap(const char *s, int cols, void (*line)(void *ctx, const char *s, size_t len), void *ctx)
{
    int count = 0;
    size_t len = strlen(s);
    if (cols < 1)
        cols = 1;
    do {
        /* a hard newline ends the line */
        const char *nl = memchr(s, '\n', len);
        size_t para = nl ? (size_t)(nl - s) : len;
        size_t used;
        size_t fit = text_fit(s, para, (size_t)cols, &used);
        if (fit < para) {
            /* break at the last space that fits, if there is one */
            size_t brk = fit;
            while (brk > 0 && s[brk - 1] != ' ')
                brk--;
            if (brk > 0)
                fit = brk;
            if (fit == 0) {               /* one character wider than the line */
                uint32_t cp;
                fit = text_utf8_decode(s, para, &cp);
                if (!fit)
                    fit = 1;
            }
        }
        if (line)
            line(ctx, s, fit < para && s[fit - 1] == ' ' ? fit - 1 : fit);
        count++;
        s += fit;
        len -= fit;
        if (fit == para && nl) {
            s++;                          /* past the newline */
            len--;
        } else {
            /* a continuation starts at its word, not at the spaces before it */
            while (len > 0 && *s == ' ' && s[0] != '\n') {
                s++;
                len--;
            }
        }
    } while (len > 0);
    return count;
}

void ui_format_time(struct console *con, char *out, size_t size, int64_t t, bool with_date)
{
    time_t secs = (time_t)(t / 1000);
    struct tm tm;
    if (con->utc)
        gmtime_r(&secs, &tm);
    else
        localtime_r(&secs, &tm);
    strftime(out, size, with_date ? "%m-%d %H:%M" : "%H:%M", &tm);
}

WINDOW *ui_dialog(struct console *con, int y, int x, int height, int width, const char *title)
{
    WINDOW *w = newwin(height, width, y, x);
    wbkgdset(w, ' ' | ui_attr(con, THEME_DIALOG));
    werase(w);
    wattrset(w, ui_attr(con, THEME_DIALOG_BORDER));
    box_set(w, WACS_VLINE, WACS_HLINE);
    wmove(w, 0, 2);
    ui_put(w, title, strlen(title), width - 4);
    wattrset(w, ui_attr(con, THEME_DIALOG));
    return w;
}
