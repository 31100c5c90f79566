/* theme — what colour and attributes each part of the console is drawn in.
 * A theme is text (themes/<name>.theme, one `color ELEMENT FG BG [ATTR...]` per
 * line); the shipped ones are also compiled into the binary. Parsing is strict
 * about colours and attributes (an error names file:line:column) and lenient
 * about element names it does not know (a warning), so a newer theme still works
 * on an older binary. Every element has a built-in fallback, so a theme may omit
 * any. No curses here: the console maps a theme_style onto its colour pairs.
 * A struct theme belongs to the caller, who releases it with theme_free; the
 * styles and warnings it hands out live as long as the theme. */
#ifndef WARROOM_THEME_H
#define WARROOM_THEME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bounds on untrusted theme text. */
#define THEME_MAX_SIZE 65536       /* bytes in a theme file */
#define THEME_MAX_LINE 1024        /* bytes in one line, newline excluded */
#define THEME_MAX_ENTRIES 512      /* `color` lines in one theme */
#define THEME_MAX_NAME 64          /* bytes in a theme name */
#define THEME_MAX_WARNINGS 16      /* warnings kept; the last one counts the rest */

/* The terminal's own colour (curses' -1 under use_default_colors). */
#define THEME_COLOUR_DEFAULT (-1)
/* fg_rgb / bg_rgb when the colour was not given as #rrggbb. */
#define THEME_NO_RGB (-1)

enum theme_attr {
    THEME_ATTR_BOLD = 1 << 0,
    THEME_ATTR_DIM = 1 << 1,
    THEME_ATTR_UNDERLINE = 1 << 2,
    THEME_ATTR_REVERSE = 1 << 3,
    THEME_ATTR_ITALIC = 1 << 4,
    THEME_ATTR_BLINK = 1 << 5,
    THEME_ATTR_STANDOUT = 1 << 6,
};

/* The parts of the screen a theme colours; the names in theme files are given
 * next to each. Order is not significant to theme files. */
enum theme_element {
    THEME_DEFAULT,            /* default: normal text */
    THEME_HEADER,             /* header */
    THEME_HEADER_TITLE,       /* header.title */
    THEME_SEV_1,              /* sev.1 ... sev.5: severity badges */
    THEME_SEV_2,
    THEME_SEV_3,
    THEME_SEV_4,
    THEME_SEV_5,
    THEME_STATUS,             /* status */
    THEME_TIMELINE_TIME,      /* timeline.time */
    THEME_TIMELINE_AUTHOR,    /* timeline.author */
    THEME_TIMELINE_TYPE,      /* timeline.type */
    THEME_TIMELINE_TEXT,      /* timeline.text */
    THEME_TIMELINE_ALERT,     /* timeline.alert */
    THEME_TIMELINE_UPDATE,    /* timeline.update */
    THEME_TIMELINE_SELECTED,  /* timeline.selected */
    THEME_TIMELINE_SEARCH,    /* timeline.search: a search hit */
    THEME_ROLES_TITLE,        /* roles.title */
    THEME_ROLES_NAME,         /* roles.name */
    THEME_ROLES_UNASSIGNED,   /* roles.unassigned: no IC */
    THEME_CLOCK_PENDING,      /* clock.pending */
    THEME_CLOCK_SOON,         /* clock.soon */
    THEME_CLOCK_MET,          /* clock.met */
    THEME_CLOCK_OVERDUE,      /* clock.overdue */
    THEME_FOOTER,             /* footer */
    THEME_FOOTER_KEY,         /* footer.key */
    THEME_INPUT,              /* input */
    THEME_PROMPT,             /* prompt */
    THEME_DIALOG,             /* dialog */
    THEME_DIALOG_BORDER,      /* dialog.border */
    THEME_ERROR,              /* error */
    THEME_WARNING,            /* warning */
    THEME_SINK_FAILING,       /* sink.failing */
    THEME_TITLE,              /* title: panel titles */
    THEME_BORDER,             /* border */
    THEME_ELEMENT_COUNT
};

struct theme_style {
    int fg;          /* THEME_COLOUR_DEFAULT or a palette index 0-255 (for #rrggbb, the nearest) */
    int bg;
    int32_t fg_rgb;  /* 0xRRGGBB when given as #rrggbb, for direct-colour terminals; else THEME_NO_RGB */
    int32_t bg_rgb;
    unsigned attrs;  /* enum theme_attr bits */
    bool set;        /* true when the theme gave it, false for the built-in fallback */
};

struct theme;

/* Parses TEXT[0..LEN) as a theme; NAME is what messages call it (a file name).
 * On success *OUT is a new theme (possibly with warnings); on failure returns
 * < 0 with a message "NAME:LINE:COLUMN: what is wrong" and *OUT is NULL. */
int theme_load_text(struct theme **out, const char *name, const char *text, size_t len);

/* Reads and parses the theme file at PATH (a regular file of at most
 * THEME_MAX_SIZE bytes); messages name PATH. */
int theme_load_file(struct theme **out, const char *path);

/* The theme called NAME: the first DIRS[i]/NAME.theme that exists (DIRS is
 * NULL-terminated and may be NULL; empty entries are skipped), else the built-in
 * themes/NAME.theme. A file that exists but does not parse is an error, not a
 * reason to fall back. NAME must pass theme_name_is_valid. */
int theme_load_named(struct theme **out, const char *name, const char *const *dirs);

void theme_free(struct theme *t);

/* The style of element E; never NULL for a valid E (the fallback when the theme
 * did not give one). */
const struct theme_style *theme_style(const struct theme *t, enum theme_element e);

/* What messages call the theme (its file name). */
const char *theme_name(const struct theme *t);

/* Warnings from loading (unknown elements), in file order, "NAME:LINE:COL: ...".
 * At most THEME_MAX_WARNINGS are kept; when more occurred, the last says how many. */
size_t theme_warning_count(const struct theme *t);
const char *theme_warning(const struct theme *t, size_t i);

/* For NO_COLOR and monochrome terminals: every element loses its colours and
 * keeps its attributes; an element whose meaning was carried by colour also
 * gains its fallback attributes (the overdue clock stays bold and reverse). */
void theme_without_colour(struct theme *t);

/* The element called NAME (as in theme files, case-insensitive), or -1. */
int theme_element_find(const char *name);

/* The file name of element E ("clock.overdue"), or NULL when E is out of range. */
const char *theme_element_name(enum theme_element e);

/* True for a name made only of letters, digits, '-' and '_' (1 to
 * THEME_MAX_NAME bytes): never a path, so it cannot reach outside the theme dirs. */
bool theme_name_is_valid(const char *name);

/* Parses one colour: a name (default, black, red, green, yellow, blue, magenta,
 * cyan, white, brightblack ... brightwhite), colourN / colorN (N 0-255) or
 * #rrggbb. *INDEX gets -1 for default or 0-255; *RGB gets 0xRRGGBB for #rrggbb,
 * else THEME_NO_RGB. Returns < 0 with a message naming S when it is none of these. */
int theme_colour_parse(int *index, int32_t *rgb, const char *s);

/* The nearest colour of the 256-colour palette to R,G,B: the 6x6x6 cube or the
 * grey ramp, whichever is nearer (16-255), as tmux does. */
int theme_colour_find_rgb(uint8_t r, uint8_t g, uint8_t b);

/* COLOUR (-1 or 0-255) brought within a terminal that has NCOLOURS colours:
 * unchanged when it fits, else the nearest of the first 8 or 16 by the usual
 * xterm palette. -1 stays -1, and every colour becomes -1 on a terminal with
 * fewer than 8. */
int theme_colour_reduce(int colour, int ncolours);

#endif
