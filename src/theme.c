#include "warroom/theme.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "warroom/buf.h"
#include "warroom/builtin.h"
#include "warroom/error.h"

/* Longest piece of untrusted text (a token, a path) quoted in a message. */
#define QUOTE_MAX 64
#define NAME_MAX_SHOWN 256

struct theme {
    char *name; /* already made safe to print */
    struct theme_style styles[THEME_ELEMENT_COUNT];
    char *warnings[THEME_MAX_WARNINGS];
    size_t nwarnings;
    size_t unkept; /* warnings beyond what is kept */
};

/* Every element the console draws, with the attributes that carry its meaning
 * when there is no colour. Those attributes are its fallback when a theme omits
 * it, and what theme_without_colour adds when colour is dropped, so a theme, a
 * monochrome terminal and NO_COLOR all leave an overdue clock or a SEV1 badge
 * standing out. */
static const struct element {
    const char *name;
    unsigned attrs;
} elements[] = {
    [THEME_DEFAULT] = { "default", 0 },
    [THEME_HEADER] = { "header", THEME_ATTR_REVERSE },
    [THEME_HEADER_TITLE] = { "header.title", THEME_ATTR_REVERSE | THEME_ATTR_BOLD },
    [THEME_SEV_1] = { "sev.1", THEME_ATTR_REVERSE | THEME_ATTR_BOLD },
    [THEME_SEV_2] = { "sev.2", THEME_ATTR_REVERSE | THEME_ATTR_BOLD },
    [THEME_SEV_3] = { "sev.3", THEME_ATTR_REVERSE },
    [THEME_SEV_4] = { "sev.4", THEME_ATTR_BOLD },
    [THEME_SEV_5] = { "sev.5", 0 },
    [THEME_STATUS] = { "status", THEME_ATTR_BOLD },
    [THEME_TIMELINE_TIME] = { "timeline.time", 0 },
    [THEME_TIMELINE_AUTHOR] = { "timeline.author", THEME_ATTR_BOLD },
    [THEME_TIMELINE_TYPE] = { "timeline.type", 0 },
    [THEME_TIMELINE_TEXT] = { "timeline.text", 0 },
    [THEME_TIMELINE_ALERT] = { "timeline.alert", THEME_ATTR_BOLD },
    [THEME_TIMELINE_UPDATE] = { "timeline.update", THEME_ATTR_UNDERLINE },
    [THEME_TIMELINE_SELECTED] = { "timeline.selected", THEME_ATTR_REVERSE },
    [THEME_TIMELINE_SEARCH] = { "timeline.search", THEME_ATTR_BOLD | THEME_ATTR_UNDERLINE },
    [THEME_ROLES_TITLE] = { "roles.title", THEME_ATTR_BOLD },
    [THEME_ROLES_NAME] = { "roles.name", 0 },
    [THEME_ROLES_UNASSIGNED] = { "roles.unassigned", THEME_ATTR_REVERSE | THEME_ATTR_BOLD },
    [THEME_CLOCK_PENDING] = { "clock.pending", 0 },
    [THEME_CLOCK_SOON] = { "clock.soon", THEME_ATTR_BOLD },
    [THEME_CLOCK_MET] = { "clock.met", THEME_ATTR_DIM },
    [THEME_CLOCK_OVERDUE] = { "clock.overdue", THEME_ATTR_REVERSE | THEME_ATTR_BOLD },
    [THEME_FOOTER] = { "footer", THEME_ATTR_REVERSE },
    [THEME_FOOTER_KEY] = { "footer.key", THEME_ATTR_REVERSE | THEME_ATTR_BOLD },
    [THEME_INPUT] = { "input", 0 },
    [THEME_PROMPT] = { "prompt", THEME_ATTR_BOLD },
    [THEME_DIALOG] = { "dialog", 0 },
    [THEME_DIALOG_BORDER] = { "dialog.border", THEME_ATTR_BOLD },
    [THEME_ERROR] = { "error", THEME_ATTR_REVERSE | THEME_ATTR_BOLD },
    [THEME_WARNING] = { "warning", THEME_ATTR_BOLD },
    [THEME_SINK_FAILING] = { "sink.failing", THEME_ATTR_REVERSE | THEME_ATTR_BOLD },
    [THEME_TITLE] = { "title", THEME_ATTR_BOLD },
    [THEME_BORDER] = { "border", 0 },
};

_Static_assert(sizeof elements / sizeof elements[0] == THEME_ELEMENT_COUNT,
               "every theme element needs an entry in elements[]");

static const struct {
    const char *name;
    int index;
} colour_names[] = {
    { "default", THEME_COLOUR_DEFAULT },
    { "black", 0 }, { "red", 1 }, { "green", 2 }, { "yellow", 3 },
    { "blue", 4 }, { "magenta", 5 }, { "cyan", 6 }, { "white", 7 },
    { "brightblack", 8 }, { "brightred", 9 }, { "brightgreen", 10 }, { "brightyellow", 11 },
    { "brightblue", 12 }, { "brightmagenta", 13 }, { "brightcyan", 14 }, { "brightwhite", 15 },
};

static const struct {
    const char *name;
    unsigned bit; /* 0 for normal, which clears what came before it */
} attr_names[] = {
    { "bold", THEME_ATTR_BOLD }, { "dim", THEME_ATTR_DIM },
    { "underline", THEME_ATTR_UNDERLINE }, { "reverse", THEME_ATTR_REVERSE },
    { "italic", THEME_ATTR_ITALIC }, { "blink", THEME_ATTR_BLINK },
    { "standout", THEME_ATTR_STANDOUT }, { "normal", 0 },
};

/* Untrusted bytes in a message: printable ASCII as is, anything else as \xNN,
 * and at most MAX bytes of the input, so a hostile theme or path can neither
 * steer the terminal that shows the message nor flood it. */
static void add_quoted(struct buf *out, const char *s, size_t len, size_t max)
{
    size_t n = len < max ? len : max;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c < 0x7f && c != '\\')
            buf_addc(out, (char)c);
        else
            buf_printf(out, "\\x%02x", c);
    }
    if (len > n)
        buf_adds(out, "...");
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static int colour_to_6cube(int v)
{
    if (v < 48)
        return 0;
    if (v < 114)
        return 1;
    return (v - 35) / 40;
}

static int colour_dist_sq(int r1, int g1, int b1, int r2, int g2, int b2)
{
    return (r1 - r2) * (r1 - r2) + (g1 - g2) * (g1 - g2) + (b1 - b2) * (b1 - b2);
}

/* The cube's levels are xterm's, which are not evenly spread. */
static const int cube_level[6] = { 0x00, 0x5f, 0x87, 0xaf, 0xd7, 0xff };

int theme_colour_find_rgb(uint8_t r, uint8_t g, uint8_t b)
{
    int qr = colour_to_6cube(r), qg = colour_to_6cube(g), qb = colour_to_6cube(b);
    int cr = cube_level[qr], cg = cube_level[qg], cb = cube_level[qb];
    int cube = 16 + 36 * qr + 6 * qg + qb;

    if (cr == r && cg == g && cb == b)
        return cube;

    int grey_avg = (r + g + b) / 3;
    int grey_idx = grey_avg > 238 ? 23 : (grey_avg - 3) / 10;
    int grey = 8 + 10 * grey_idx;

    if (colour_dist_sq(grey, grey, grey, r, g, b) < colour_dist_sq(cr, cg, cb, r, g, b))
        return 232 + grey_idx;
    return cube;
}

/* What xterm shows for palette index C, to measure distances between colours. */
static void palette_rgb(int c, int rgb[3])
{
    static const unsigned char basic[16][3] = {
        { 0x00, 0x00, 0x00 }, { 0xcd, 0x00, 0x00 }, { 0x00, 0xcd, 0x00 }, { 0xcd, 0xcd, 0x00 },
        { 0x00, 0x00, 0xee }, { 0xcd, 0x00, 0xcd }, { 0x00, 0xcd, 0xcd }, { 0xe5, 0xe5, 0xe5 },
        { 0x7f, 0x7f, 0x7f }, { 0xff, 0x00, 0x00 }, { 0x00, 0xff, 0x00 }, { 0xff, 0xff, 0x00 },
        { 0x5c, 0x5c, 0xff }, { 0xff, 0x00, 0xff }, { 0x00, 0xff, 0xff }, { 0xff, 0xff, 0xff },
    };
    if (c < 16) {
        for (int i = 0; i < 3; i++)
            rgb[i] = basic[c][i];
    } else if (c < 232) {
        c -= 16;
        rgb[0] = cube_level[c / 36];
        rgb[1] = cube_level[(c / 6) % 6];
        rgb[2] = cube_level[c % 6];
    } else {
        rgb[0] = rgb[1] = rgb[2] = 8 + 10 * (c - 232);
    }
}

int theme_colour_reduce(int colour, int ncolours)
{
    if (colour < 0 || colour > 255 || ncolours < 8)
        return THEME_COLOUR_DEFAULT;
    if (ncolours >= 256 || (colour < 16 && colour < ncolours))
        return colour;

    int limit = ncolours >= 16 ? 16 : 8;
    int want[3], best = 0, best_dist = -1;
    palette_rgb(colour, want);
    for (int c = 0; c < limit; c++) {
        int have[3];
        palette_rgb(c, have);
        int d = colour_dist_sq(have[0], have[1], have[2], want[0], want[1], want[2]);
        if (best_dist < 0 || d < best_dist) {
            best = c;
            best_dist = d;
        }
    }
    return best;
}

/* Parses S as a colour; on failure WHY gets the reason (without a position),
 * so the file parser and theme_colour_parse share one wording. */
static int parse_colour(int *index, int32_t *rgb, const char *s, struct buf *why)
{
    size_t len = strlen(s);

    *index = THEME_COLOUR_DEFAULT;
    *rgb = THEME_NO_RGB;

    if (s[0] == '#') {
        int32_t v = 0;
        bool ok = len == 7;
        for (size_t i = 1; ok && i < 7; i++) {
            int h = hex_value(s[i]);
            ok = h >= 0;
            v = v * 16 + h;
        }
        if (!ok) {
            buf_adds(why, "bad colour \"");
            add_quoted(why, s, len, QUOTE_MAX);
            buf_adds(why, "\" (expected #rrggbb)");
            return -1;
        }
        *rgb = v;
        *index = theme_colour_find_rgb((uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v);
        return 0;
    }

    const char *digits = NULL;
    if (strncasecmp(s, "colour", 6) == 0)
        digits = s + 6;
    else if (strncasecmp(s, "color", 5) == 0)
        digits = s + 5;
    if (digits && *digits) {
        size_t n = strspn(digits, "0123456789");
        if (digits[n] == '\0') {
            /* Length first: a long run of digits must not overflow. */
            int v = n <= 3 ? atoi(digits) : 256;
            if (v > 255) {
                buf_adds(why, "colour out of range \"");
                add_quoted(why, s, len, QUOTE_MAX);
                buf_adds(why, "\" (0 to 255)");
                return -1;
            }
            *index = v;
            return 0;
        }
    }

    for (size_t i = 0; i < sizeof colour_names / sizeof colour_names[0]; i++) {
        if (strcasecmp(s, colour_names[i].name) == 0) {
            *index = colour_names[i].index;
            return 0;
        }
    }

    buf_adds(why, "unknown colour \"");
    add_quoted(why, s, len, QUOTE_MAX);
    buf_adds(why, "\"");
    return -1;
}

int theme_colour_parse(int *index, int32_t *rgb, const char *s)
{
    struct buf why = BUF_INIT;
    int rc = parse_colour(index, rgb, s, &why);
    if (rc < 0)
        error_set("%s", buf_str(&why));
    buf_free(&why);
    return rc;
}

int theme_element_find(const char *name)
{
    for (int e = 0; e < THEME_ELEMENT_COUNT; e++) {
        if (strcasecmp(name, elements[e].name) == 0)
            return e;
    }
    return -1;
}

const char *theme_element_name(enum theme_element e)
{
    if ((int)e < 0 || e >= THEME_ELEMENT_COUNT)
        return NULL;
    return elements[e].name;
}

bool theme_name_is_valid(const char *name)
{
    size_t len = strlen(name);
    if (len == 0 || len > THEME_MAX_NAME)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_';
        if (!ok)
            return false;
    }
    return true;
}

static struct theme *theme_new(const char *name)
{
    struct theme *t = xcalloc(1, sizeof *t);
    struct buf safe = BUF_INIT;

    add_quoted(&safe, name, strlen(name), NAME_MAX_SHOWN);
    t->name = buf_detach(&safe);
    for (int e = 0; e < THEME_ELEMENT_COUNT; e++) {
        t->styles[e] = (struct theme_style){
            .fg = THEME_COLOUR_DEFAULT,
            .bg = THEME_COLOUR_DEFAULT,
            .fg_rgb = THEME_NO_RGB,
            .bg_rgb = THEME_NO_RGB,
            .attrs = elements[e].attrs,
            .set = false,
        };
    }
    return t;
}

void theme_free(struct theme *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->nwarnings; i++)
        free(t->warnings[i]);
    free(t->name);
    free(t);
}

/* Keeps all but the last slot for real warnings; the last is kept for the
 * count of the rest, filled in when loading ends. */
static void theme_add_warning(struct theme *t, struct buf *msg)
{
    if (t->nwarnings < THEME_MAX_WARNINGS - 1)
        t->warnings[t->nwarnings++] = buf_detach(msg);
    else
        t->unkept++;
    buf_free(msg);
}

/* Where the parser is in the text, for messages. */
struct cursor {
    struct theme *theme;
    size_t line;
};

static int error_at(const struct cursor *at, size_t col, const char *what)
{
    return error_set("%s:%zu:%zu: %s", at->theme->name, at->line, col, what);
}

/* The next word of LINE from *POS, NUL-terminating it in place; NULL at the end
 * of the line or at a comment. *COL gets the 1-based column where the word (or
 * the end) is. A '#' starts a comment at the start of a line or when a blank
 * follows it; otherwise it begins a #rrggbb colour. */
static char *next_word(char *line, size_t *pos, size_t *col, bool first)
{
    size_t i = *pos;
    while (line[i] == ' ' || line[i] == '\t')
        i++;
    *col = i + 1;
    if (line[i] == '\0')
        return NULL;
    if (line[i] == '#' && (first || line[i + 1] == '\0' || line[i + 1] == ' ' || line[i + 1] == '\t'))
        return NULL;

    char *word = line + i;
    while (line[i] != '\0' && line[i] != ' ' && line[i] != '\t')
        i++;
    if (line[i] != '\0')
        line[i++] = '\0';
    *pos = i;
    return word;
}

static int parse_colour_word(int *index, int32_t *rgb, const struct cursor *at, char *word,
                             size_t col, const char *which)
{
    struct buf why = BUF_INIT;
    int rc;

    if (!word) {
        buf_printf(&why, "expected a %s colour", which);
        rc = error_at(at, col, buf_str(&why));
    } else if ((rc = parse_colour(index, rgb, word, &why)) < 0) {
        error_at(at, col, buf_str(&why));
    }
    buf_free(&why);
    return rc;
}

static int parse_attr(unsigned *attrs, const struct cursor *at, const char *word, size_t col)
{
    for (size_t i = 0; i < sizeof attr_names / sizeof attr_names[0]; i++) {
        if (strcasecmp(word, attr_names[i].name) == 0) {
            if (attr_names[i].bit)
                *attrs |= attr_names[i].bit;
            else
                *attrs = 0;
            return 0;
        }
    }

    struct buf why = BUF_INIT;
    buf_adds(&why, "unknown attribute \"");
    add_quoted(&why, word, strlen(word), QUOTE_MAX);
    buf_adds(&why, "\" (bold, dim, underline, reverse, italic, blink, standout, normal)");
    int rc = error_at(at, col, buf_str(&why));
    buf_free(&why);
    return rc;
}

/* One line, NUL-terminated and without its newline. *ENTRIES counts the
 * `color` lines so far. */
static int parse_line(struct cursor *at, char *line, size_t *entries)
{
    size_t pos = 0, col = 0;
    char *word = next_word(line, &pos, &col, true);
    struct theme_style style = { .fg_rgb = THEME_NO_RGB, .bg_rgb = THEME_NO_RGB, .set = true };
    struct buf why = BUF_INIT;
    int rc = 0;

    if (!word)
        goto done;

    if (strcasecmp(word, "color") != 0 && strcasecmp(word, "colour") != 0) {
        buf_adds(&why, "unknown command \"");
        add_quoted(&why, word, strlen(word), QUOTE_MAX);
        buf_adds(&why, "\" (expected color)");
        rc = error_at(at, col, buf_str(&why));
        goto done;
    }
    if (++*entries > THEME_MAX_ENTRIES) {
        buf_printf(&why, "more than %d color lines", THEME_MAX_ENTRIES);
        rc = error_at(at, col, buf_str(&why));
        goto done;
    }

    size_t element_col;
    char *element = next_word(line, &pos, &element_col, false);
    if (!element) {
        rc = error_at(at, element_col, "expected an element name");
        goto done;
    }

    size_t fg_col, bg_col;
    char *fg = next_word(line, &pos, &fg_col, false);
    if ((rc = parse_colour_word(&style.fg, &style.fg_rgb, at, fg, fg_col, "foreground")) < 0)
        goto done;
    char *bg = next_word(line, &pos, &bg_col, false);
    if ((rc = parse_colour_word(&style.bg, &style.bg_rgb, at, bg, bg_col, "background")) < 0)
        goto done;

    while ((word = next_word(line, &pos, &col, false)) != NULL) {
        if ((rc = parse_attr(&style.attrs, at, word, col)) < 0)
            goto done;
    }

    /* Checked after the colours so that a mistake on such a line is still an
     * error; only the name is forgiven, for themes newer than this binary. */
    int e = theme_element_find(element);
    if (e < 0) {
        buf_printf(&why, "%s:%zu:%zu: unknown element \"", at->theme->name, at->line, element_col);
        add_quoted(&why, element, strlen(element), QUOTE_MAX);
        buf_adds(&why, "\", ignored");
        theme_add_warning(at->theme, &why);
        goto done;
    }
    at->theme->styles[e] = style;

done:
    buf_free(&why);
    return rc;
}

int theme_load_text(struct theme **out, const char *name, const char *text, size_t len)
{
    struct theme *t = theme_new(name);
    struct cursor at = { .theme = t, .line = 0 };
    char *line = xmalloc(THEME_MAX_LINE + 1);
    size_t pos = 0, entries = 0;
    int rc = 0;

    *out = NULL;
    if (len > THEME_MAX_SIZE) {
        rc = error_set("%s: theme is larger than %d bytes", t->name, THEME_MAX_SIZE);
        goto done;
    }
    /* Editors on some systems start a file with a byte order mark. */
    if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
        pos = 3;

    while (pos < len) {
        const char *start = text + pos;
        const char *nl = memchr(start, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - start) : len - pos;

        at.line++;
        pos += n + (nl ? 1 : 0);
        if (n > 0 && start[n - 1] == '\r')
            n--;
        if (n > THEME_MAX_LINE) {
            rc = error_set("%s:%zu: line is longer than %d bytes", t->name, at.line, THEME_MAX_LINE);
            goto done;
        }
        const char *nul = memchr(start, '\0', n);
        if (nul) {
            rc = error_at(&at, (size_t)(nul - start) + 1, "NUL byte in theme");
            goto done;
        }
        memcpy(line, start, n);
        line[n] = '\0';
        if ((rc = parse_line(&at, line, &entries)) < 0)
            goto done;
    }

    if (t->unkept) {
        struct buf msg = BUF_INIT;
        buf_printf(&msg, "%s: %zu more warning%s not shown", t->name, t->unkept,
                   t->unkept == 1 ? "" : "s");
        t->warnings[t->nwarnings++] = buf_detach(&msg);
    }
    *out = t;
    t = NULL;

done:
    free(line);
    theme_free(t);
    return rc;
}

/* Reads a theme file into OUT. *MISSING is set, with no error, when there is
 * no such file, so a search can go on to the next place. */
static int read_theme_file(struct buf *out, const char *path, bool *missing)
{
    struct buf shown = BUF_INIT;
    struct stat st;
    int fd = -1, rc = 0;

    *missing = false;
    add_quoted(&shown, path, strlen(path), NAME_MAX_SHOWN);

    /* O_NONBLOCK: a FIFO planted under the theme's name must not hang the
     * console before it can even draw. */
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            *missing = true;
        else
            rc = error_set_errno("cannot open theme %s", buf_str(&shown));
        goto done;
    }
    if (fstat(fd, &st) < 0) {
        rc = error_set_errno("cannot read theme %s", buf_str(&shown));
        goto done;
    }
    if (!S_ISREG(st.st_mode)) {
        rc = error_set("%s: theme is not a regular file", buf_str(&shown));
        goto done;
    }
    if (st.st_size > THEME_MAX_SIZE) {
        rc = error_set("%s: theme is larger than %d bytes", buf_str(&shown), THEME_MAX_SIZE);
        goto done;
    }

    /* One byte more than allowed, to notice a file that grew since fstat. */
    buf_grow(out, THEME_MAX_SIZE + 1);
    while (out->len <= THEME_MAX_SIZE) {
        ssize_t n = read(fd, out->data + out->len, THEME_MAX_SIZE + 1 - out->len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = error_set_errno("cannot read theme %s", buf_str(&shown));
            goto done;
        }
        if (n == 0)
            break;
        out->len += (size_t)n;
    }
    out->data[out->len] = '\0';
    if (out->len > THEME_MAX_SIZE)
        rc = error_set("%s: theme is larger than %d bytes", buf_str(&shown), THEME_MAX_SIZE);

done:
    if (fd >= 0)
        close(fd);
    buf_free(&shown);
    return rc;
}

int theme_load_file(struct theme **out, const char *path)
{
    struct buf text = BUF_INIT;
    bool missing;
    int rc;

    *out = NULL;
    rc = read_theme_file(&text, path, &missing);
    if (rc == 0 && missing) {
        struct buf shown = BUF_INIT;
        add_quoted(&shown, path, strlen(path), NAME_MAX_SHOWN);
        rc = error_set("no theme file %s", buf_str(&shown));
        buf_free(&shown);
    }
    if (rc == 0)
        rc = theme_load_text(out, path, buf_str(&text), text.len);
    buf_free(&text);
    return rc;
}

int theme_load_named(struct theme **out, const char *name, const char *const *dirs)
{
    struct buf path = BUF_INIT, text = BUF_INIT, shown = BUF_INIT;
    int rc = 0;

    *out = NULL;
    if (!theme_name_is_valid(name)) {
        add_quoted(&shown, name, strlen(name), QUOTE_MAX);
        rc = error_set("bad theme name \"%s\" (letters, digits, - and _ only)", buf_str(&shown));
        goto done;
    }

    for (size_t i = 0; dirs && dirs[i]; i++) {
        bool missing;
        if (dirs[i][0] == '\0')
            continue;
        buf_reset(&path);
        buf_printf(&path, "%s/%s.theme", dirs[i], name);
        buf_reset(&text);
        if ((rc = read_theme_file(&text, buf_str(&path), &missing)) < 0)
            goto done;
        if (!missing) {
            rc = theme_load_text(out, buf_str(&path), buf_str(&text), text.len);
            goto done;
        }
    }

    buf_reset(&path);
    buf_printf(&path, "themes/%s.theme", name);
    const struct builtin_file *builtin = builtin_find(buf_str(&path));
    if (builtin) {
        buf_adds(&path, " (built-in)");
        rc = theme_load_text(out, buf_str(&path), builtin->text, builtin->len);
        goto done;
    }
    rc = error_set("no theme called \"%s\"", name);

done:
    buf_free(&path);
    buf_free(&text);
    buf_free(&shown);
    return rc;
}

const struct theme_style *theme_style(const struct theme *t, enum theme_element e)
{
    if ((int)e < 0 || e >= THEME_ELEMENT_COUNT)
        e = THEME_DEFAULT;
    return &t->styles[e];
}

const char *theme_name(const struct theme *t)
{
    return t->name;
}

size_t theme_warning_count(const struct theme *t)
{
    return t->nwarnings;
}

const char *theme_warning(const struct theme *t, size_t i)
{
    return i < t->nwarnings ? t->warnings[i] : NULL;
}

void theme_without_colour(struct theme *t)
{
    for (int e = 0; e < THEME_ELEMENT_COUNT; e++) {
        struct theme_style *s = &t->styles[e];
        if (s->fg != THEME_COLOUR_DEFAULT || s->bg != THEME_COLOUR_DEFAULT)
            s->attrs |= elements[e].attrs;
        s->fg = s->bg = THEME_COLOUR_DEFAULT;
        s->fg_rgb = s->bg_rgb = THEME_NO_RGB;
    }
}
