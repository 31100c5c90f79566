/* console — the full-screen war room. Private to ui/: the core is reached only
 * through include/warroom/.
 *
 * The screen is a set of panels, each a const table of operations plus its own
 * state (after tig's view_ops and tmux's window_mode): adding a panel touches
 * one file and the table in console.c. Key handlers return flags; panels mark
 * themselves dirty; the loop draws once per pass and ends with one doupdate(). */
#ifndef WARROOM_UI_CONSOLE_H
#define WARROOM_UI_CONSOLE_H

#include <curses.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "warroom/cli.h"
#include "warroom/clock.h"
#include "warroom/incident.h"
#include "warroom/outbox.h"
#include "warroom/sync.h"
#include "warroom/theme.h"

/* what a key handler did */
enum {
    KEY_IGNORED = 0,
    KEY_HANDLED = 1 << 0,
    KEY_REDRAW = 1 << 1, /* everything must be drawn again */
    KEY_QUIT = 1 << 2,
};

struct console;
struct panel;

struct panel_ops {
    const char *name;
    void (*draw)(struct panel *p, struct console *con);
    int (*key)(struct panel *p, struct console *con, wint_t key, bool is_key_code);
    void (*free)(struct panel *p);
};

struct panel {
    const struct panel_ops *ops;
    WINDOW *win;
    int y, x, height, width;
    bool dirty;
    bool visible;
    void *state;
};

enum layout { LAYOUT_FULL, LAYOUT_COMPACT, LAYOUT_TINY };

enum panel_id { PANEL_HEADER, PANEL_TIMELINE, PANEL_ROLES, PANEL_CLOCKS, PANEL_FOOTER, PANEL_COUNT };

/* A line being typed: UTF-8 text with a cursor, and history. */
struct line_editor {
    wchar_t text[1024];
    size_t len, cursor;
    size_t scroll;            /* first character shown */
};

/* One question of a prompt: free text, or a choice among options. */
struct prompt_field {
    const char *label;
    char value[1024];
    const char *const *choices; /* NULL: free text */
    size_t nchoices;
    size_t choice;
    bool optional;
};

enum prompt_kind {
    PROMPT_NONE, PROMPT_NOTE, PROMPT_UPDATE, PROMPT_SEV, PROMPT_ROLE, PROMPT_ACTION, PROMPT_PAGE,
    PROMPT_EDIT, PROMPT_RESOLVE, PROMPT_DECLARE, PROMPT_SEARCH, PROMPT_CLASSIFY, PROMPT_CONFIRM,
};

struct prompt {
    enum prompt_kind kind;
    struct prompt_field fields[6];
    size_t nfields, current;
    struct line_editor editor;
    char target[EVENT_ID_MAX + 1]; /* the event an edit corrects */
    int answer;                     /* classify: the question being asked */
    bool exposed;                   /* classify said customer data is exposed */
};

enum overlay_kind { OVERLAY_NONE, OVERLAY_HELP, OVERLAY_ROLE_HISTORY, OVERLAY_PICKER, OVERLAY_POSTMORTEM };

struct console {
    struct cli_context *cli;
    struct incident *inc;
    struct outbox *outbox;    /* publishing, off the UI's path; NULL when it cannot open */
    struct sync_follow *sync; /* sharing with other hosts, in a child; NULL when off */
    struct policy *policy;
    struct theme *theme;
    bool colour;
    struct panel panels[PANEL_COUNT];
    WINDOW *rule;             /* between the timeline and the side column */
    enum layout layout;
    int rows, cols;
    int focus;                /* PANEL_TIMELINE, PANEL_ROLES or PANEL_CLOCKS */
    bool utc;                 /* times in UTC (default) or local */
    int64_t now;
    struct clock clocks[CLOCK_MAX];
    size_t nclocks;
    struct prompt prompt;
    enum overlay_kind overlay;
    int overlay_scroll;
    char message[256];        /* the last outcome, shown in the footer */
    bool message_is_error;
    int watch_fd, watch_wd;   /* inotify on the log, or -1 (then polling) */
    FILE *trace;              /* WARROOM_TRACE: frame times, events reaching the screen */
    size_t traced;            /* events already written to the trace */
    char history[32][1024];   /* what was typed, newest last */
    size_t nhistory;
    char search[1024];
    struct buf postmortem;    /* the draft shown after resolving */
    /* the picker: open incidents to choose from */
    char **picks;
    size_t npicks, pick;
};

/* ---- console.c ---- */
void console_message(struct console *con, bool error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void console_mark_all(struct console *con);
int64_t console_trace_us(void);

/* ---- draw.c: text that is safe and measured ---- */
attr_t ui_attr(struct console *con, enum theme_element e);
/* Draws S (clean UTF-8) at the cursor, at most COLS columns; returns columns used. */
int ui_put(WINDOW *w, const char *s, size_t len, int cols);
/* Like ui_put, then pads with spaces to exactly COLS columns. */
void ui_put_padded(WINDOW *w, const char *s, int cols);
/* Splits S into lines of at most COLS columns (at spaces when it can); calls
 * LINE for each and returns the count. LINE may be NULL to count only. */
int ui_wrap(const char *s, int cols, void (*line)(void *ctx, const char *s, size_t len), void *ctx);
/* A bordered box with TITLE in its top edge, ready to draw into; the caller
 * wnoutrefresh()es and delwin()s it. */
WINDOW *ui_dialog(struct console *con, int y, int x, int height, int width, const char *title);
void ui_format_time(struct console *con, char *out, size_t size, int64_t t, bool with_date);
void ui_colours_init(struct console *con);

/* ---- actions.c: what a key records ---- */
int ui_record(struct console *con, struct event_draft *d);
void ui_prompt_open(struct console *con, enum prompt_kind kind);
int ui_prompt_key(struct console *con, wint_t key, bool is_key_code);
void ui_prompt_draw(struct console *con, WINDOW *w, int width);
void ui_prompt_preview_draw(struct console *con);
void ui_fire_escalations(struct console *con);

/* ---- postmortem.c: the preview after resolving ---- */
void ui_postmortem_open(struct console *con);
void ui_postmortem_draw(struct console *con);
int ui_postmortem_key(struct console *con, wint_t key, bool is_key_code);

/* ---- overlay.c ---- */
void ui_overlay_draw(struct console *con);
int ui_overlay_key(struct console *con, wint_t key, bool is_key_code);

/* ---- the panels ---- */
extern const struct panel_ops header_panel_ops;

/* ui/sync.c: the picker's incidents from other hosts; picking one joins it
 * (returns the id to open, the caller's to free). */
void ui_sync_picks(struct console *con);
char *ui_sync_picked(struct console *con, const char *pick);
extern const struct panel_ops timeline_panel_ops;
extern const struct panel_ops roles_panel_ops;
extern const struct panel_ops clocks_panel_ops;
extern const struct panel_ops footer_panel_ops;

/* timeline.c: what the rest needs to know of it */
const struct timeline_entry *timeline_selected(struct console *con);
void timeline_before_change(struct console *con);
void timeline_changed(struct console *con, size_t before);
void timeline_search_step(struct console *con, int direction);
/* roles.c */
int roles_selected(struct console *con);

/* "slack: sent · statuspage: retrying in 4s" for an event that publishes */
void ui_delivery_line(struct console *con, const struct event *ev, struct buf *out);

/* the text of an entry as the timeline shows it */
void ui_entry_text(struct console *con, struct buf *out, const struct timeline_entry *e);

#endif
