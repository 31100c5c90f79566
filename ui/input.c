/* input — what the keyboard sends, read as keys, pastes or nothing at all.
 * A terminal sends escape sequences for keys it knows and passes on whatever a
 * paste contains. curses turns the keys it knows into key codes and gives back
 * any other sequence as ESC followed by plain characters, which the console
 * would then run as commands. Here every sequence is read whole (ECMA-48:
 * CSI, OSC, DCS/SOS/PM/APC strings, SS3, two-character escapes, and their
 * 8-bit C1 forms) and dropped, except the bracketed-paste markers: what lies
 * between ESC[200~ and ESC[201~ is returned as one paste of text, and Home
 * and End in the forms terminals send beside their terminfo's (tmux sends
 * ESC[1~ and ESC[4~ whatever TERM says; curses knows ESC O H and ESC O F). A lone ESC (nothing follows within
 * the escape delay) is the Esc key. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "console.h"
#include "warroom/text.h"

#define SEQUENCE_WAIT_MS 50   /* the rest of a sequence arrives at once; give up after this */
#define PASTE_WAIT_MS 500     /* a paste may come in several reads; silence this long ends it */
#define SEQUENCE_MAX 4096     /* characters in one sequence before it is given up on */

static const char paste_on[] = "\033[?2004h", paste_off[] = "\033[?2004l";

/* Bracketed paste is asked for while curses holds the terminal and given back
 * whenever it leaves it (exit, suspend, a fatal signal). write(2), so that a
 * signal handler may call it. */
void ui_input_paste_mode(bool on)
{
    const char *s = on ? paste_on : paste_off;
    ssize_t n = write(STDOUT_FILENO, s, strlen(s));
    (void)n;
}

/* One character within WAIT_MS (0: only what is there). Returns ERR,
 * OK or KEY_CODE_YES as get_wch does. */
static int next_char(wint_t *c, int wait_ms)
{
    wtimeout(stdscr, wait_ms);
    return get_wch(c);
}

/* C1 controls that open a sequence, as the 7-bit ESC form's second byte. */
static wint_t c1_introducer(wint_t c)
{
    switch (c) {
    case 0x9B: return '[';
    case 0x9D: return ']';
    case 0x90: return 'P';
    case 0x98: return 'X';
    case 0x9E: return '^';
    case 0x9F: return '_';
    case 0x8F: return 'O';
    default: return 0;
    }
}

enum sequence { SEQ_OTHER, SEQ_PASTE_START, SEQ_PASTE_END, SEQ_LONE_ESC, SEQ_HOME, SEQ_END };

/* Reads the rest of a sequence whose introducer (the character after ESC, or
 * the C1 form's equivalent) is INTRO; nothing of it is kept. */
static enum sequence read_sequence(wint_t intro)
{
    wint_t c;
    int kind;
    if (intro == '[') {
        /* CSI: parameters 0x30-0x3F, intermediates 0x20-0x2F, a final 0x40-0x7E */
        char params[16];
        size_t n = 0;
        for (int i = 0; i < SEQUENCE_MAX; i++) {
            kind = next_char(&c, SEQUENCE_WAIT_MS);
            if (kind == ERR || kind == KEY_CODE_YES)
                return SEQ_OTHER;
            if (c >= 0x40 && c <= 0x7E) {
                params[n < sizeof params ? n : sizeof params - 1] = '\0';
                if (c == '~' && strcmp(params, "200") == 0)
                    return SEQ_PASTE_START;
                if (c == '~' && strcmp(params, "201") == 0)
                    return SEQ_PASTE_END;
                /* Home and End: VT220's (1~, 4~), rxvt's (7~, 8~). Not
                 * CSI H: a terminal in keypad mode sends ESC O H for Home,
                 * so CSI H is the cursor-home of a pasted screen dump */
                if (c == '~' && (strcmp(params, "1") == 0 || strcmp(params, "7") == 0))
                    return SEQ_HOME;
                if (c == '~' && (strcmp(params, "4") == 0 || strcmp(params, "8") == 0))
                    return SEQ_END;
                return SEQ_OTHER;
            }
            if (c < 0x20 || c > 0x3F)
                return SEQ_OTHER;         /* not a CSI after all: dropped with it */
            if (n < sizeof params - 1)
                params[n++] = (char)c;
        }
        return SEQ_OTHER;
    }
    if (intro == ']' || intro == 'P' || intro == 'X' || intro == '^' || intro == '_') {
        /* a string: up to BEL, ST (ESC \) or the C1 ST */
        bool esc = false;
        for (int i = 0; i < SEQUENCE_MAX; i++) {
            kind = next_char(&c, SEQUENCE_WAIT_MS);
            if (kind == ERR)
                return SEQ_OTHER;
            if (kind == KEY_CODE_YES)
                continue;
            if (c == 0x07 || c == 0x9C || (esc && c == '\\'))
                return SEQ_OTHER;
            esc = c == 27;
        }
        return SEQ_OTHER;
    }
    if (intro == 'O') {
        next_char(&c, SEQUENCE_WAIT_MS); /* SS3: one character */
        return SEQ_OTHER;
    }
    /* nF: intermediates, then a final; or a two-character escape (Alt+key) */
    c = intro;
    for (int i = 0; i < 16 && c >= 0x20 && c <= 0x2F; i++) {
        kind = next_char(&c, SEQUENCE_WAIT_MS);
        if (kind != OK)
            return SEQ_OTHER;
    }
    return SEQ_OTHER;
}

/* After ESC: what follows at once decides between the Esc key and a sequence. */
static enum sequence after_escape(void)
{
    wint_t c;
    int kind = next_char(&c, 0);
    if (kind == ERR)
        return SEQ_LONE_ESC;              /* curses has already waited the escape delay */
    if (kind == KEY_CODE_YES)
        return SEQ_OTHER;                 /* Alt with a function key: nothing here */
    if (c == 27) {
        /* ESC ESC: the first is Esc pressed; the second starts again */
        unget_wch(27);
        return SEQ_LONE_ESC;
    }
    wint_t intro = c1_introducer(c);
    return read_sequence(intro ? intro : c);
}

/* The text between the paste markers: printable characters kept, newlines
 * and tabs made spaces (a prompt is one line), every other control and every
 * sequence dropped. At most PASTE_MAX bytes are kept; the rest is counted. */
static void read_paste(struct input *in)
{
    wint_t c, last = 0;
    int kind;
    for (;;) {
        kind = next_char(&c, PASTE_WAIT_MS);
        if (kind == ERR)
            return;                       /* no end marker: the paste is what came */
        if (kind == KEY_CODE_YES)
            continue;                     /* a key sequence curses knew, inside text */
        wint_t intro = c == 27 ? 0 : c1_introducer(c);
        if (c == 27 || intro) {
            enum sequence s = c == 27 ? after_escape() : read_sequence(intro);
            if (s == SEQ_PASTE_END)
                return;
            continue;
        }
        bool crlf = c == '\n' && last == '\r';
        last = c;
        if (crlf)
            continue;                     /* one line break, one space */
        if (c == '\n' || c == '\r' || c == '\t')
            c = ' ';
        if (c < 0x20 || c == 0x7F || (c >= 0x80 && c < 0xA0) || text_is_hostile((uint32_t)c))
            continue;
        char enc[4];
        size_t n = text_utf8_encode((uint32_t)c, enc);
        if (in->paste.len + n + 1 > PASTE_MAX) {
            in->cut++;
            continue;
        }
        buf_add(&in->paste, enc, n);
    }
}

/* Text as a prompt takes it: what a paste holds besides its line breaks. */
static bool is_text(int kind, wint_t c)
{
    return kind == OK && (c == '\t' || (c >= 0x20 && c != 0x7F && !(c >= 0x80 && c < 0xA0)));
}

static void unget(int kind, wint_t c)
{
    if (kind == KEY_CODE_YES)
        ungetch((int)c);
    else
        unget_wch(c);
}

/* What waits behind KEY, just read: nothing, text or another key, given
 * back to be read next. Humans never have a second key waiting by the time
 * the first is read; a paste the terminal did not mark, or keys typed while
 * the console was busy, do. The LF of a CR LF is part of the same line
 * break: what follows it decides. */
static enum input_behind peek_behind(wint_t key)
{
    wint_t c, d;
    int kind = next_char(&c, 0);
    if (kind == ERR)
        return BEHIND_NOTHING;
    enum input_behind behind = is_text(kind, c) ? BEHIND_TEXT : BEHIND_KEY;
    if (kind == OK && key == '\r' && c == '\n') {
        int next = next_char(&d, 0);
        behind = is_text(next, d) ? BEHIND_TEXT : BEHIND_KEY;
        if (next != ERR)
            unget(next, d);               /* read back in order: the last given back comes first */
    }
    unget(kind, c);
    return behind;
}

int ui_input_next(struct input *in, int wait_ms)
{
    buf_reset(&in->paste);
    in->cut = 0;
    for (;;) {
        wint_t c;
        int kind = next_char(&c, wait_ms);
        if (kind == ERR)
            return 0;
        wait_ms = 0;
        if (kind == KEY_CODE_YES) {
            in->kind = INPUT_CODE;
            in->key = c;
            in->behind = peek_behind(c);
            return 1;
        }
        wint_t intro = c == 27 ? 0 : c1_introducer(c);
        if (c != 27 && !intro) {
            in->kind = INPUT_KEY;
            in->key = c;
            in->behind = peek_behind(c);
            return 1;
        }
        enum sequence s = intro ? read_sequence(intro) : after_escape();
        if (s == SEQ_LONE_ESC) {
            in->kind = INPUT_KEY;
            in->key = 27;
            in->behind = peek_behind(27);
            return 1;
        }
        if (s == SEQ_PASTE_START) {
            read_paste(in);
            in->kind = INPUT_PASTE;
            in->key = 0;
            in->behind = BEHIND_NOTHING;
            return 1;
        }
        if (s == SEQ_HOME || s == SEQ_END) {
            in->kind = INPUT_CODE;
            in->key = s == SEQ_HOME ? KEY_HOME : KEY_END;
            in->behind = peek_behind(in->key);
            return 1;
        }
        /* any other sequence: read whole, and nothing comes of it */
    }
}
