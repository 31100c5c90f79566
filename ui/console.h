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

#include "warroom/session.h"
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

/* FULL: roles, clocks and action items in a column beside the timeline (100
 * columns and 20 rows or more); COMPACT: the timeline over one line of roles,
 * a few clock lines and one line of action items; TINY: too small to use. */
enum layout { LAYOUT_FULL, LAYOUT_COMPACT, LAYOUT_TINY };

enum panel_id {
    PANEL_HEADER, PANEL_TIMELINE, PANEL_ROLES, PANEL_CLOCKS, PANEL_ITEMS, PANEL_RUNBOOK, PANEL_FOOTER, PANEL_COUNT
};

/* A line being typed: UTF-8 text with a cursor, and history. It holds
 * EDITOR_MAX characters; a value in UTF-8 at most four bytes each. */
#define EDITOR_MAX 4000
#define VALUE_MAX (4 * EDITOR_MAX + 1)
struct line_editor {
    wchar_t text[EDITOR_MAX + 1];
    size_t len, cursor;
    size_t scroll;            /* first character shown */
};

/* One question of a prompt: free text, or a choice among options. */
struct prompt_field {
    const char *label;
    char value[VALUE_MAX];
    const char *const *choices; /* NULL: free text */
    size_t nchoices;
    size_t choice;
    bool optional;
    int check;                  /* enum field_check in actions.c: how Enter judges the value */
};

enum prompt_kind {
    PROMPT_NONE, PROMPT_NOTE, PROMPT_UPDATE, PROMPT_SEV, PROMPT_ROLE, PROMPT_ACTION, PROMPT_PAGE,
    PROMPT_EDIT, PROMPT_RESOLVE, PROMPT_DECLARE, PROMPT_SEARCH, PROMPT_CLASSIFY, PROMPT_CONFIRM,
    PROMPT_ACK, PROMPT_MITIGATE, PROMPT_REOPEN, PROMPT_RUNBOOK, PROMPT_REMINDER,
};

struct prompt {
    enum prompt_kind kind;
    struct prompt_field fields[6];
    size_t nfields, current;
    struct line_editor editor;
    char target[EVENT_ID_MAX + 1]; /* the event an edit corrects */
    int answer;                     /* classify: the question being asked */
    bool exposed;                   /* classify said customer data is exposed */
    bool then_postmortem;           /* the final update after resolving: the draft next */
    char problem[256];              /* what is wrong with the value, shown in the prompt */
    int note_kind;                  /* note prompt: 0 note, 1 alert, 2 impact start (Tab) */
    bool other_day;                 /* a time on another day was shown and Enter pressed */
    size_t completion;              /* role name: the next name Tab offers */
    char completing[NAME_MAX_LEN + 1]; /* role name: what was typed before Tab */
    int cursor_x;                   /* where the prompt was drawn to edit: the column of
                                       the editor's cursor, or of the choice chosen */
};

/* An entry that found the log locked by another process: kept, in order, and
 * recorded by a later pass of the loop, which never waits on the lock. */
struct waiting_record {
    char incident[STORE_ID_MAX + 1];
    struct event_draft draft;
};
#define UI_WAITING_MAX 64

enum overlay_kind { OVERLAY_NONE, OVERLAY_HELP, OVERLAY_ROLE_HISTORY, OVERLAY_PICKER, OVERLAY_POSTMORTEM };

struct console {
    struct session *session;
    struct incident *inc;
    struct outbox *outbox;    /* publishing, off the UI's path; NULL when it cannot open */
    struct {                  /* the header's channel line, found once in the log */
        const struct incident *inc;
        size_t scanned;       /* events looked at so far */
        char *name, *link;    /* NULL: none found yet */
    } remote;
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
    struct waiting_record *waiting; /* entries waiting for the log's lock, oldest first */
    size_t nwaiting;
    int watch_fd, watch_wd;   /* inotify on the log, or -1 (then polling) */
    FILE *trace;              /* WARROOM_TRACE: frame times, events reaching the screen */
    size_t traced;            /* events already written to the trace */
    char history[32][1024];   /* what was typed, newest last */
    size_t nhistory;
    char search[1024];
    struct buf postmortem;    /* the draft shown after resolving */
    /* the picker: open incidents to choose from, and the line shown for each */
    char **picks;
    char **pick_lines;
    size_t npicks, pick;
    bool ignoring;            /* typing outside a prompt: keys ignored up to Enter or Esc */
    bool quit_asked;          /* Ctrl-C in a prompt with text: asked once before quitting */
    bool refused;             /* a key was refused (already done): an Enter right after is not a note */
    struct {                  /* keys that came at once, as a paste the terminal did not mark */
        bool in_burst;        /* the key being handled was waiting behind the one before */
        bool behind;          /* a key waits behind the one being handled */
        bool text_behind;     /* and it is text */
        bool joined;          /* a line break of this burst went into a prompt as a space */
        bool cr_joined;       /* the key handled last was a CR so joined */
        bool cr_before;       /* the key before the one being handled was */
    } burst;
};

/* ---- input.c: keys, pastes, and escape sequences read whole ---- */
#define PASTE_MAX 65536
enum input_kind { INPUT_KEY, INPUT_CODE, INPUT_PASTE };
enum input_behind { BEHIND_NOTHING, BEHIND_TEXT, BEHIND_KEY };
struct input {
    enum input_kind kind;
    wint_t key;               /* INPUT_KEY: a character; INPUT_CODE: a curses key code */
    enum input_behind behind; /* keys: what was already waiting behind it (a CR's LF aside) */
    struct buf paste;         /* INPUT_PASTE: the text, one line, clean */
    size_t cut;               /* characters of the paste left out past PASTE_MAX */
};
/* The next key or paste, waiting at most WAIT_MS (-1: until one comes).
 * Returns 1, or 0 when nothing came. Other escape sequences are dropped. */
int ui_input_next(struct input *in, int wait_ms);
/* Bracketed paste on or off; safe in a signal handler. */
void ui_input_paste_mode(bool on);

/* ---- console.c ---- */
void console_message(struct console *con, bool error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void console_mark_all(struct console *con);
/* Places every panel again (a panel opened or closed). */
void console_relayout(struct console *con);
/* Reads what was appended to the log (by anyone) into the replayed state and
 * shows it. */
void console_follow(struct console *con);
int64_t console_trace_us(void);

/* ---- draw.c: text that is safe and measured ---- */
attr_t ui_attr(struct console *con, enum theme_element e);
/* Draws S (clean UTF-8) at the cursor, at most COLS columns; returns columns used. */
int ui_put(WINDOW *w, const char *s, size_t len, int cols);
/* The columns S (clean UTF-8) takes on screen, as ui_put draws it. */
int ui_width(const char *s);
/* Like ui_put, but a text wider than COLS ends in "…" instead of being cut. */
int ui_put_fit(WINDOW *w, const char *s, int cols);

/* The lines under the title that the header gives what a sink keeps for the
 * incident (its Slack channel) at COLS: 0 when there is none, 1 when its name
 * and link fit side by side, else 2 (ui/header.c). */
int header_remote_lines(struct console *con, int cols);
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
/* Records D: 0 when written, > 0 when the log is locked by another process
 * and D waits (its strings taken) for ui_record_waiting, < 0 when it failed
 * (the footer says why). */
int ui_record(struct console *con, struct event_draft *d);
/* Records what waits, in order, without waiting for the lock: each pass. */
void ui_record_waiting(struct console *con);
/* On the way out, after the terminal is restored: waits the command line's
 * bounded time for the lock, and says on stderr what could not be recorded. */
int ui_record_waiting_at_exit(struct console *con);
void ui_prompt_open(struct console *con, enum prompt_kind kind);
int ui_prompt_key(struct console *con, wint_t key, bool is_key_code);
/* A paste: into the open prompt's text, or a new note prompt when none is open. */
int ui_prompt_paste(struct console *con, const struct input *in);
/* True when the open prompt holds typed text that quitting would lose. */
bool ui_prompt_has_text(const struct console *con);
void ui_prompt_draw(struct console *con, WINDOW *w, int width);
void ui_prompt_preview_draw(struct console *con);
void ui_fire_escalations(struct console *con);
/* clocks.c: an overdue status update, once in the timeline */
void ui_announce_missed_update(struct console *con);

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
extern const struct panel_ops items_panel_ops;
extern const struct panel_ops runbook_panel_ops;

/* runbook.c: the runbook for the incident's alerts, beside the timeline */
void ui_runbook_init(struct console *con);          /* reads runbooks/ once */
bool ui_runbook_is_open(struct console *con);
void ui_runbook_toggle(struct console *con);        /* b: open, focus, close */
void ui_runbook_estimate(struct console *con, struct buf *out); /* "~$124,800 est." or nothing */
const char *ui_runbook_prompt_label(struct console *con);
const char *ui_runbook_done_message(struct console *con); /* the footer's word once recorded */
/* The runbook event for the selected step, RESULT its optional result. */
int ui_runbook_draft(struct console *con, struct event_draft *d, const char *result);

/* timeline.c: what the rest needs to know of it */
const struct timeline_entry *timeline_selected(struct console *con);
void timeline_before_change(struct console *con);
void timeline_changed(struct console *con, size_t before);
void timeline_search_step(struct console *con, int direction);
/* One slice of a search under way; true while it is not done. */
bool timeline_search_run(struct console *con);
bool timeline_search_pending(void);
/* roles.c */
int roles_selected(struct console *con);

/* For a page or an escalation step that no sink took, appends to OUT (when
 * not NULL) "no pager configured, do it by hand" ("a drill, do it by hand":
 * a drill's sinks are off unless named) and returns true; false for any
 * other event. */
bool ui_contact_by_hand(const struct console *con, const struct event *ev, struct buf *out);

/* "slack: sent · statuspage: retrying in 4s" for an event that publishes */
void ui_delivery_line(struct console *con, const struct event *ev, struct buf *out);

/* an entry the console wrote to say something was missed (a status update) */
bool ui_entry_is_warning(const struct event *ev);

/* the text of an entry as the timeline shows it */
void ui_entry_text(struct console *con, struct buf *out, const struct timeline_entry *e);

#endif
