/* actions — what the keys record: prompts in the footer, and the events they
 * append. Every event goes through the same log_append as the command line. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <wchar.h>

#include "console.h"
#include "warroom/check.h"
#include "warroom/error.h"
#include "warroom/log.h"
#include "warroom/stamp.h"
#include "warroom/store.h"
#include "warroom/sync.h"
#include "warroom/text.h"

static const char *const update_states[] = {"investigating", "identified", "monitoring", "resolved"};
static const char *const role_choices[] = {"ic", "comms", "ops", "scribe", "sme"};
static const char *const priorities[] = {"P1", "P2", "P3"}; /* in order: digit N picks PN */
static const char *const kinds[] = {"prevent", "mitigate"};
static const char *const yes_no[] = {"no", "yes"};

/* How Enter judges a text field before moving on. */
enum field_check {
    CHECK_NONE,    /* anything, even empty */
    CHECK_TEXT,    /* something besides spaces */
    CHECK_NOTE,    /* something besides spaces, after an optional leading time */
    CHECK_DUE,     /* a due date, or empty */
    CHECK_WHEN,    /* when it happened: empty (now) or a time */
};

#define TITLE_MAX 200
#define WHEN_LABEL "when (Enter: now, or HH:MM)"

/* Text for an update, from the state's template, so the comms lead edits
 * rather than writes. */
static void update_text(struct console *con, const char *state, char *out, size_t size)
{
    struct buf text = BUF_INIT;
    if (outbox_update_text(&text, con->inc, con->policy, state, con->now) < 0)
        buf_adds(&text, "");
    /* one line in the editor: the template's paragraphs joined */
    for (size_t i = 0; i < text.len; i++)
        if (text.data[i] == '\n')
            text.data[i] = ' ';
    while (text.len && text.data[text.len - 1] == ' ')
        text.data[--text.len] = '\0';
    snprintf(out, size, "%s", buf_str(&text));
    buf_free(&text);
}

/* ---- the line editor ---- */

static void editor_set(struct line_editor *ed, const char *utf8)
{
    ed->len = 0;
    size_t i = 0, n = strlen(utf8);
    while (i < n && ed->len < EDITOR_MAX) {
        uint32_t cp;
        size_t k = text_utf8_decode(utf8 + i, n - i, &cp);
        if (!k) {
            cp = 0xFFFD;
            k = 1;
        }
        ed->text[ed->len++] = (wchar_t)cp;
        i += k;
    }
    ed->cursor = ed->len;
    ed->scroll = 0;
}

static void editor_get(const struct line_editor *ed, struct buf *out)
{
    for (size_t i = 0; i < ed->len; i++) {
        char enc[4];
        buf_add(out, enc, text_utf8_encode((uint32_t)ed->text[i], enc));
    }
}

static bool editor_key(struct line_editor *ed, wint_t key, bool code)
{
    if (code) {
        switch (key) {
        case KEY_LEFT: if (ed->cursor) ed->cursor--; return true;
        case KEY_RIGHT: if (ed->cursor < ed->len) ed->cursor++; return true;
        case KEY_HOME: ed->cursor = 0; return true;
        case KEY_END: ed->cursor = ed->len; return true;
        case KEY_BACKSPACE:
            if (!ed->cursor)
                return true;
            memmove(&ed->text[ed->cursor - 1], &ed->text[ed->cursor], (ed->len - ed->cursor) * sizeof(wchar_t));
            ed->cursor--;
            ed->len--;
            return true;
        case KEY_DC:
            if (ed->cursor < ed->len) {
                memmove(&ed->text[ed->cursor], &ed->text[ed->cursor + 1], (ed->len - ed->cursor - 1) * sizeof(wchar_t));
                ed->len--;
            }
            return true;
        default: return false;
        }
    }
    switch (key) {
    case 1: ed->cursor = 0; return true;                  /* Ctrl-A */
    case 5: ed->cursor = ed->len; return true;            /* Ctrl-E */
    case 21:                                              /* Ctrl-U: kill to start */
        memmove(ed->text, &ed->text[ed->cursor], (ed->len - ed->cursor) * sizeof(wchar_t));
        ed->len -= ed->cursor;
        ed->cursor = 0;
        return true;
    case 23: {                                            /* Ctrl-W: kill a word */
        size_t start = ed->cursor;
        while (start && ed->text[start - 1] == ' ')
            start--;
        while (start && ed->text[start - 1] != ' ')
            start--;
        memmove(&ed->text[start], &ed->text[ed->cursor], (ed->len - ed->cursor) * sizeof(wchar_t));
        ed->len -= ed->cursor - start;
        ed->cursor = start;
        return true;
    }
    case 8: case 127:                                     /* Backspace sent as a character */
        return editor_key(ed, KEY_BACKSPACE, true);
    }
    if (key < 0x20 || key == 0x7F || (key >= 0x80 && key < 0xA0) || text_is_hostile((uint32_t)key))
        return true;                                      /* controls are swallowed, never inserted */
    if (ed->len >= EDITOR_MAX)
        return true;
    memmove(&ed->text[ed->cursor + 1], &ed->text[ed->cursor], (ed->len - ed->cursor) * sizeof(wchar_t));
    ed->text[ed->cursor++] = (wchar_t)key;
    ed->len++;
    return true;
}

/* Inserts clean UTF-8 at the cursor; returns the characters that did not fit. */
static size_t editor_insert(struct line_editor *ed, const char *utf8, size_t n)
{
    size_t i = 0, cut = 0;
    while (i < n) {
        uint32_t cp;
        size_t k = text_utf8_decode(utf8 + i, n - i, &cp);
        if (!k) {
            cp = 0xFFFD;
            k = 1;
        }
        i += k;
        if (ed->len >= EDITOR_MAX) {
            cut++;
            continue;
        }
        editor_key(ed, (wint_t)cp, false);
    }
    return cut;
}

/* ---- prompts ---- */

static struct prompt_field *field_add(struct prompt *pr, const char *label, const char *value,
                                      const char *const *choices, size_t nchoices)
{
    struct prompt_field *f = &pr->fields[pr->nfields++];
    memset(f, 0, sizeof *f);
    f->label = label;
    snprintf(f->value, sizeof f->value, "%s", value ? value : "");
    f->choices = choices;
    f->nchoices = nchoices;
    f->check = choices ? CHECK_NONE : CHECK_TEXT;
    return f;
}

/* A field that may stay empty ("Enter: now", "optional"). */
static struct prompt_field *field_optional(struct prompt *pr, const char *label, int check)
{
    struct prompt_field *f = field_add(pr, label, "", NULL, 0);
    f->optional = true;
    f->check = check;
    return f;
}

static void when_text(char *out, size_t size, int64_t t)
{
    int y, mo, d, h, mi, s;
    stamp_to_utc(t, &y, &mo, &d, &h, &mi, &s);
    snprintf(out, size, "%04d-%02d-%02d %02d:%02d:%02d UTC", y, mo, d, h, mi, s);
}

static void field_enter(struct console *con)
{
    struct prompt *pr = &con->prompt;
    struct prompt_field *f = &pr->fields[pr->current];
    if (!f->choices)
        editor_set(&pr->editor, f->value);
}

/* The reminder prompt: the clocks that ring now, and what to do with one. */
static char reminder_labels[CLOCK_MAX][64];
static char reminder_keys[CLOCK_MAX][sizeof ((struct clock *)0)->key];
static const char *reminder_choices[CLOCK_MAX];
static const char *const reminder_actions[] = {"snooze 5m", "snooze 15m", "snooze 1h", "dismiss"};
static const int64_t reminder_spans[] = {5 * STAMP_MINUTE, 15 * STAMP_MINUTE, 60 * STAMP_MINUTE, 0};

static size_t reminder_clocks(const struct console *con)
{
    size_t n = 0;
    for (size_t i = 0; i < con->nclocks && n < CLOCK_MAX; i++) {
        const struct clock *c = &con->clocks[i];
        if ((c->state != CLOCK_PENDING && c->state != CLOCK_OVERDUE) || c->quiet)
            continue;
        snprintf(reminder_labels[n], sizeof reminder_labels[n], "%s", c->label);
        snprintf(reminder_keys[n], sizeof reminder_keys[n], "%s", c->key);
        reminder_choices[n] = reminder_labels[n];
        n++;
    }
    return n;
}

static char sev_labels[POLICY_SEV_MAX][64];
static const char *sev_choices[POLICY_SEV_MAX];

void ui_prompt_open(struct console *con, enum prompt_kind kind)
{
    struct prompt *pr = &con->prompt;
    memset(pr, 0, sizeof *pr);
    pr->kind = kind;
    const struct timeline_entry *sel = timeline_selected(con);
    char text[1024], when[32];
    for (size_t i = 0; i < con->policy->nlevels && i < POLICY_SEV_MAX; i++) {
        const struct severity_level *l = &con->policy->levels[i];
        snprintf(sev_labels[i], sizeof sev_labels[i], "%d %s %s", l->level, l->name, l->label ? l->label : "");
        sev_choices[i] = sev_labels[i];
    }
    switch (kind) {
    case PROMPT_NOTE:
        field_add(pr, "note", "", NULL, 0)->check = CHECK_NOTE;
        break;
    case PROMPT_ACK:
    case PROMPT_MITIGATE:
        if (check_repeat(con->inc, kind == PROMPT_ACK ? EVENT_ACK : EVENT_MITIGATE) < 0) {
            pr->kind = PROMPT_NONE;
            con->refused = true;
            console_message(con, true, "%s", error_last());
            return;
        }
        field_optional(pr, kind == PROMPT_ACK ? "acknowledge? " WHEN_LABEL : "mitigated? " WHEN_LABEL, CHECK_WHEN);
        break;
    case PROMPT_UPDATE: {
        /* the status as it stands: "u Enter Enter" must never tell the world
         * a mitigated incident is back to investigating */
        size_t now = 0;
        for (size_t i = 0; i < sizeof update_states / sizeof *update_states; i++)
            if (strcmp(update_states[i], incident_status_name(con->inc->status)) == 0)
                now = i;
        update_text(con, update_states[now], text, sizeof text);
        field_add(pr, "status", NULL, update_states, 4)->choice = now;
        field_add(pr, "update text", text, NULL, 0);
        break;
    }
    case PROMPT_SEV:
        field_add(pr, "severity (c: classify)", NULL, sev_choices, con->policy->nlevels);
        pr->fields[0].choice = con->inc->sev >= 1 ? (size_t)con->inc->sev - 1 : 0;
        field_add(pr, "why", "", NULL, 0)->optional = true;
        break;
    case PROMPT_ROLE:
        field_add(pr, "role", NULL, role_choices, 5);
        pr->fields[0].choice = (size_t)roles_selected(con);
        field_add(pr, "name", "", NULL, 0);   /* labelled with the role when drawn */
        break;
    case PROMPT_ACTION:
        field_add(pr, "action item", "", NULL, 0);
        field_add(pr, "owner", "", NULL, 0)->optional = true;
        field_optional(pr, "due (YYYY-MM-DD)", CHECK_DUE);
        field_add(pr, "priority", NULL, priorities, 3)->choice = 1;
        field_add(pr, "kind", NULL, kinds, 2);
        break;
    case PROMPT_REMINDER: {
        size_t n = reminder_clocks(con);
        if (!n) {
            pr->kind = PROMPT_NONE;
            console_message(con, true, "no clock is running: nothing to snooze");
            return;
        }
        field_add(pr, "clock", NULL, reminder_choices, n);
        field_add(pr, "snooze or dismiss", NULL, reminder_actions, 4);
        break;
    }
    case PROMPT_PAGE:
        field_add(pr, "page whom", "", NULL, 0);
        field_optional(pr, "why", CHECK_NONE);
        break;
    case PROMPT_EDIT:
        if (!sel) {
            pr->kind = PROMPT_NONE;
            console_message(con, true, "nothing selected to edit");
            return;
        }
        snprintf(pr->target, sizeof pr->target, "%s", sel->ev->id);
        field_add(pr, "corrected text", sel->text, NULL, 0)->check = *sel->text ? CHECK_TEXT : CHECK_NONE;
        {
            char iso[STAMP_TEXT_MAX];
            stamp_format_iso_s(iso, sel->at);
            snprintf(when, sizeof when, "%s", iso);
        }
        field_add(pr, "happened at", when, NULL, 0)->check = CHECK_WHEN;
        break;
    case PROMPT_RESOLVE:
        if (con->inc->status == STATUS_RESOLVED) {
            ui_prompt_open(con, PROMPT_REOPEN);  /* resolving twice: offer the other way */
            return;
        }
        field_add(pr, "resolve this incident?", NULL, yes_no, 2);
        field_optional(pr, "resolution", CHECK_NONE);
        field_optional(pr, "resolved " WHEN_LABEL, CHECK_WHEN);
        break;
    case PROMPT_REOPEN: {
        char at[64];
        when_text(at, sizeof at, con->inc->resolved_at);
        snprintf(pr->target, sizeof pr->target, "already resolved at %.40s: reopen it?", at);
        field_add(pr, pr->target, NULL, yes_no, 2);
        field_optional(pr, "why it is not over", CHECK_NONE);
        break;
    }
    case PROMPT_DECLARE:
        field_add(pr, "severity", NULL, sev_choices, con->policy->nlevels);
        field_add(pr, "title", "", NULL, 0);
        field_optional(pr, "impact (who is affected, how)", CHECK_NONE);
        field_optional(pr, "started " WHEN_LABEL, CHECK_WHEN);
        break;
    case PROMPT_RUNBOOK:
        field_optional(pr, ui_runbook_prompt_label(con), CHECK_NONE);
        break;
    case PROMPT_SEARCH:
        field_optional(pr, "search", CHECK_NONE);
        snprintf(pr->fields[0].value, sizeof pr->fields[0].value, "%s", con->search);
        break;
    case PROMPT_CLASSIFY:
        if (!con->policy->nquestions) {
            pr->kind = PROMPT_NONE;
            console_message(con, true, "the policy has no classification questions");
            return;
        }
        field_add(pr, con->policy->questions[0].question, NULL, yes_no, 2);
        break;
    default:
        break;
    }
    pr->current = 0;
    field_enter(con);
    con->message[0] = '\0';
    con->panels[PANEL_FOOTER].dirty = true;
}

int ui_record(struct console *con, struct event_draft *d)
{
    /* nothing jumps the queue: a later entry waits behind an earlier one */
    int rc = con->nwaiting ? LOG_EBUSY : session_record(con->session, con->inc->id, d);
    if (rc == 0) {
        /* the state the next key is judged against includes this event, even
         * when that key arrived in the same read */
        console_follow(con);
        return 0;
    }
    if (rc != LOG_EBUSY || con->nwaiting == UI_WAITING_MAX) {
        console_message(con, true, "not recorded: %s", rc == LOG_EBUSY ? "too many entries wait for the log" : error_last());
        return -1;
    }
    if (d->ts == STAMP_NONE)
        d->ts = stamp_now();              /* recorded when it was entered, written when the lock is free */
    con->waiting = xrealloc(con->waiting, (con->nwaiting + 1) * sizeof *con->waiting);
    struct waiting_record *w = &con->waiting[con->nwaiting++];
    snprintf(w->incident, sizeof w->incident, "%s", con->inc->id);
    w->draft = *d;
    d->nfields = 0;                       /* its strings are the waiting copy's now */
    if (con->nwaiting == 1)
        console_message(con, true, "waiting to record the %s: %s", event_type_name(w->draft.type), error_last());
    else
        console_message(con, true, "waiting to record %zu entries: the incident log is still locked", con->nwaiting);
    return 1;
}

/* REPORT: where failures are told once the screen is gone, else the footer. */
static size_t record_waiting(struct console *con, FILE *report)
{
    size_t done = 0;
    while (done < con->nwaiting) {
        struct waiting_record *w = &con->waiting[done];
        int rc = session_record(con->session, w->incident, &w->draft);
        if (rc == LOG_EBUSY)
            break;
        if (rc < 0 && report)
            fprintf(report, "warroom: not recorded (%s): %s\n", event_type_name(w->draft.type), error_last());
        else if (rc < 0)
            console_message(con, true, "not recorded: %s", error_last());
        else
            console_message(con, false, "recorded %s", event_type_name(w->draft.type));
        event_draft_free(&w->draft);
        done++;
    }
    memmove(con->waiting, con->waiting + done, (con->nwaiting - done) * sizeof *con->waiting);
    con->nwaiting -= done;
    return done;
}

void ui_record_waiting(struct console *con)
{
    if (con->nwaiting && record_waiting(con, NULL))
        con->panels[PANEL_FOOTER].dirty = true;
}

int ui_record_waiting_at_exit(struct console *con)
{
    if (!con->nwaiting) {
        free(con->waiting);               /* what once waited was recorded: only the array is left */
        con->waiting = NULL;
        return 0;
    }
    fprintf(stderr, "warroom: waiting up to %d s for the log's lock to record %zu entries\n",
            log_lock_wait() / 1000, con->nwaiting);
    con->session->lock_wait_ms = log_lock_wait();
    record_waiting(con, stderr);
    int rc = con->nwaiting ? -1 : 0;
    for (size_t i = 0; i < con->nwaiting; i++) {
        struct event_draft *d = &con->waiting[i].draft;
        const char *text = NULL;
        for (unsigned k = 0; k < d->nfields; k++)
            if (strcmp(d->fields[k].key, "text") == 0)
                text = d->fields[k].value;
        struct buf clean = BUF_INIT;
        if (text)
            text_clean(&clean, text, strlen(text), 0);
        fprintf(stderr, "warroom: not recorded (%s%s%s): %s\n", event_type_name(d->type), text ? ": " : "",
                buf_str(&clean), error_last());
        buf_free(&clean);
        event_draft_free(d);
    }
    con->nwaiting = 0;
    free(con->waiting);
    con->waiting = NULL;
    return rc;
}

static void remember(struct console *con, const char *text)
{
    if (!*text || strlen(text) >= sizeof con->history[0])
        return;                           /* too long to keep here: it is in the log */
    if (con->nhistory == sizeof con->history / sizeof *con->history) {
        memmove(con->history[0], con->history[1], sizeof con->history - sizeof con->history[0]);
        con->nhistory--;
    }
    snprintf(con->history[con->nhistory++], sizeof con->history[0], "%s", text);
}

/* "14:25 today", "2025-03-14 23:59 (another day)": a time as the prompt
 * shows it before anything is recorded. */
static void describe_when(struct console *con, int64_t at, char *out, size_t size)
{
    int y, mo, d, h, mi, s;
    stamp_to_utc(at, &y, &mo, &d, &h, &mi, &s);
    if (!check_same_day(at, con->now))
        snprintf(out, size, "%04d-%02d-%02d %02d:%02d UTC, another day", y, mo, d, h, mi);
    else if (s)
        snprintf(out, size, "%02d:%02d:%02d UTC today", h, mi, s);
    else
        snprintf(out, size, "%02d:%02d UTC today", h, mi);
}

/* What a note field holds: its kind's leading time (if any) and its text. */
static int note_parts(struct console *con, const char *value, int64_t *at, const char **text)
{
    size_t skip = 0;
    *at = STAMP_NONE;
    *text = value;
    int r = check_leading_time(value, con->now, at, &skip);
    if (r == 1)
        *text = value + skip;
    return r;
}

/* When a WHEN field says it happened: STAMP_NONE (now) when left empty. */
static int field_when(struct console *con, const struct prompt_field *f, int64_t *at)
{
    *at = STAMP_NONE;
    return f->value[0] ? check_when(at, f->value, con->now) : 0;
}

static void problem_set(struct prompt *pr, const char *msg)
{
    snprintf(pr->problem, sizeof pr->problem, "%s", msg);
}

/* Enter on a text field: is what it holds acceptable? Says what is wrong in
 * the prompt when not. A time on another day passes only on a second Enter. */
static bool field_judge(struct console *con, struct prompt_field *f)
{
    struct prompt *pr = &con->prompt;
    struct buf out = BUF_INIT;
    int64_t at = STAMP_NONE;
    const char *text;
    bool ok = true;
    size_t max = pr->kind == PROMPT_DECLARE ? TITLE_MAX : pr->kind == PROMPT_ROLE ? NAME_MAX_LEN : VALUE_MAX;
    struct buf probe = BUF_INIT;
    if (f->optional && check_text(&probe, f->value, VALUE_MAX, f->label) < 0)
        f->value[0] = '\0';              /* optional, and only spaces: left empty */
    buf_free(&probe);
    if (f->optional && !f->value[0]) {
        pr->problem[0] = '\0';
        return true;
    }
    switch (f->check) {
    case CHECK_TEXT:
        ok = check_text(&out, f->value, max, f->label) == 0;
        if (ok)
            snprintf(f->value, sizeof f->value, "%s", buf_str(&out));
        break;
    case CHECK_NOTE:
        ok = note_parts(con, f->value, &at, &text) >= 0 && check_text(&out, text, max, "the note") == 0;
        break;
    case CHECK_DUE:
        ok = !f->value[0] || check_due_date(f->value) == 0;
        break;
    case CHECK_WHEN:
        ok = field_when(con, f, &at) == 0;
        break;
    default:
        break;
    }
    buf_free(&out);
    if (!ok) {
        problem_set(pr, error_last());
        return false;
    }
    /* an edit that keeps the entry's own time moves it nowhere */
    const struct event *target = pr->kind == PROMPT_EDIT ? incident_find(con->inc, pr->target) : NULL;
    for (size_t i = 0; target && i < con->inc->ntimeline; i++)
        if (con->inc->timeline[i].ev == target && con->inc->timeline[i].at == at)
            at = STAMP_NONE;
    if (at != STAMP_NONE && !check_same_day(at, con->now) && !pr->other_day) {
        char when[64];
        describe_when(con, at, when, sizeof when);
        snprintf(pr->problem, sizeof pr->problem, "that is %s: Enter again records it there", when);
        pr->other_day = true;
        return false;
    }
    pr->problem[0] = '\0';
    return true;
}

static void picks_free(struct console *con)
{
    for (size_t i = 0; i < con->npicks; i++) {
        free(con->picks[i]);
        if (con->pick_lines)
            free(con->pick_lines[i]);
    }
    free(con->picks);
    free(con->pick_lines);
    con->picks = con->pick_lines = NULL;
    con->npicks = con->pick = 0;
}

static void declare(struct console *con, int sev, const char *title, const char *impact, int64_t at)
{
    char id[STORE_ID_MAX + 1];
    struct event_draft d;
    event_draft_init(&d, EVENT_DECLARE, con->session->by);
    d.at = at;
    event_draft_str(&d, "title", title);
    event_draft_int(&d, "sev", sev);
    if (*impact)
        event_draft_str(&d, "impact", impact);
    if (store_declare(&con->session->store, title, at != STAMP_NONE ? at : stamp_now(), &d, id) < 0) {
        console_message(con, true, "not declared: %s", error_last());
    } else {
        /* the console switches to it at the next pass */
        picks_free(con);
        con->picks = xcalloc(1, sizeof(char *));
        con->picks[0] = xstrdup(id);
        con->npicks = 1;
        console_message(con, false, "declared %s", id);
    }
    event_draft_free(&d);
}

/* Resolving owes the audience a last "resolved" update: the composer opens
 * on it, prefilled from the template; Enter sends it, Esc skips it, and
 * either way the postmortem draft comes next. */
static void offer_final_update(struct console *con)
{
    console_follow(con);                  /* the template speaks of the resolved incident */
    ui_prompt_open(con, PROMPT_UPDATE);
    struct prompt *pr = &con->prompt;
    pr->fields[0].choice = 3;             /* update_states[3]: resolved */
    update_text(con, update_states[3], pr->fields[1].value, sizeof pr->fields[1].value);
    pr->current = 1;
    pr->then_postmortem = true;
    field_enter(con);
    console_message(con, false, "resolved: post the final status update? Enter sends, Esc skips");
}

/* Everything the prompt asked for is in: record it. Returns false when the
 * prompt stays open (the last field is refused). */
static bool submit(struct console *con)
{
    struct prompt *pr = &con->prompt;
    struct prompt_field *f = pr->fields;
    struct event_draft d;
    bool drafted = false;
    const char *by = con->session->by;
    int64_t at = STAMP_NONE;
    switch (pr->kind) {
    case PROMPT_NOTE: {
        static const enum event_type types[] = {EVENT_NOTE, EVENT_ALERT, EVENT_IMPACT};
        const char *text;
        struct buf clean = BUF_INIT;
        remember(con, f[0].value);
        note_parts(con, f[0].value, &at, &text);
        check_text(&clean, text, VALUE_MAX, "the note");
        event_draft_init(&d, types[pr->note_kind], by);
        drafted = true;
        d.at = at;
        event_draft_str(&d, "text", buf_str(&clean));
        buf_free(&clean);
        break;
    }
    case PROMPT_ACK:
    case PROMPT_MITIGATE:
        field_when(con, &f[0], &at);
        event_draft_init(&d, pr->kind == PROMPT_ACK ? EVENT_ACK : EVENT_MITIGATE, by);
        drafted = true;
        d.at = at;
        break;
    case PROMPT_UPDATE:
        remember(con, f[1].value);
        event_draft_init(&d, EVENT_UPDATE, by);
        drafted = true;
        d.at = con->now;                  /* the time the preview showed: what is sent is what was seen */
        event_draft_str(&d, "state", update_states[f[0].choice]);
        event_draft_str(&d, "text", f[1].value);
        break;
    case PROMPT_SEV:
        event_draft_init(&d, EVENT_SEV, by);
        drafted = true;
        event_draft_int(&d, "sev", (long long)f[0].choice + 1);
        if (*f[1].value)
            event_draft_str(&d, "why", f[1].value);
        if (pr->exposed)
            event_draft_bool(&d, "data_exposed", true);
        break;
    case PROMPT_ROLE:
        event_draft_init(&d, EVENT_ROLE, by);
        drafted = true;
        event_draft_str(&d, "role", role_choices[f[0].choice]);
        event_draft_str(&d, "name", f[1].value);
        break;
    case PROMPT_ACTION: {
        char item[16];
        incident_next_action_id(con->inc, item, sizeof item);
        event_draft_init(&d, EVENT_ACTION, by);
        drafted = true;
        event_draft_str(&d, "item", item);
        event_draft_str(&d, "text", f[0].value);
        if (*f[1].value)
            event_draft_str(&d, "owner", f[1].value);
        if (*f[2].value)
            event_draft_str(&d, "due", f[2].value);
        event_draft_str(&d, "priority", priorities[f[3].choice]);
        event_draft_str(&d, "kind", kinds[f[4].choice]);
        event_draft_str(&d, "status", "open");
        break;
    }
    case PROMPT_REMINDER: {
        bool dismiss = reminder_spans[f[1].choice] == 0;
        char until[STAMP_TEXT_MAX];
        event_draft_init(&d, EVENT_REMINDER, by);
        drafted = true;
        d.at = con->now;                  /* the snooze counts from the moment it was asked for */
        event_draft_str(&d, "clock", reminder_keys[f[0].choice]);
        event_draft_str(&d, "action", dismiss ? "dismiss" : "snooze");
        if (!dismiss)
            event_draft_str(&d, "until", stamp_format_iso_s(until, con->now + reminder_spans[f[1].choice]));
        break;
    }
    case PROMPT_PAGE:
        event_draft_init(&d, EVENT_PAGE, by);
        drafted = true;
        event_draft_str(&d, "target", f[0].value);
        if (*f[1].value)
            event_draft_str(&d, "reason", f[1].value);
        break;
    case PROMPT_EDIT: {
        const struct event *t = incident_find(con->inc, pr->target);
        event_draft_init(&d, EVENT_EDIT, by);
        drafted = true;
        event_draft_str(&d, "target", pr->target);
        bool changed = false;
        for (size_t i = 0; t && i < con->inc->ntimeline; i++) {
            const struct timeline_entry *e = &con->inc->timeline[i];
            if (e->ev != t)
                continue;
            if (strcmp(e->text, f[0].value) != 0) {
                event_draft_str(&d, "set.text", f[0].value);
                changed = true;
            }
            field_when(con, &f[1], &at);
            if (at != STAMP_NONE && at != e->at) {
                char iso[STAMP_TEXT_MAX];
                event_draft_str(&d, "set.at", stamp_format_iso_s(iso, at));
                changed = true;
            }
        }
        if (!changed) {
            console_message(con, false, "nothing changed");
            event_draft_free(&d);
            return true;
        }
        break;
    }
    case PROMPT_RESOLVE:
        if (f[0].choice != 1) {
            console_message(con, false, "not resolved");
            return true;
        }
        field_when(con, &f[2], &at);
        event_draft_init(&d, EVENT_RESOLVE, by);
        drafted = true;
        d.at = at;
        if (*f[1].value)
            event_draft_str(&d, "text", f[1].value);
        break;
    case PROMPT_REOPEN:
        if (f[0].choice != 1) {
            console_message(con, false, "still resolved; nothing recorded");
            return true;
        }
        event_draft_init(&d, EVENT_REOPEN, by);
        drafted = true;
        if (*f[1].value)
            event_draft_str(&d, "text", f[1].value);
        break;
    case PROMPT_RUNBOOK:
        drafted = ui_runbook_draft(con, &d, f[0].value) == 0;
        break;
    case PROMPT_DECLARE:
        field_when(con, &f[3], &at);
        declare(con, (int)f[0].choice + 1, f[1].value, f[2].value, at);
        return true;
    case PROMPT_SEARCH:
        /* a search term is short: cut at a character, never inside one */
        snprintf(con->search, sizeof con->search, "%.*s", (int)text_fit(f[0].value, strlen(f[0].value), 200, &(size_t){0}),
                 f[0].value);
        console_mark_all(con);
        if (con->search[0]) {
            console_message(con, false, "searching \"%.60s\": n next, N previous, any other key ends the search",
                            con->search);
            timeline_search_step(con, 1);
        }
        return true;
    default:
        return true;
    }
    if (drafted) {
        int rc = ui_record(con, &d);
        if (rc == 0) {
            char when[64] = "";
            if (d.at != STAMP_NONE) {
                describe_when(con, d.at, when + 2, sizeof when - 2);
                memcpy(when, ", ", 2);
            }
            console_message(con, false, "recorded %s%s", event_type_name(d.type), when);
            if (pr->kind == PROMPT_RUNBOOK)
                console_message(con, false, "%s", ui_runbook_done_message(con));
        }
        event_draft_free(&d);
        if (rc == 0 && pr->kind == PROMPT_RESOLVE)
            offer_final_update(con);      /* resolved: the last update, then the postmortem */
        else if (pr->then_postmortem)
            ui_postmortem_open(con);
    }
    return true;
}

/* The classification wizard: the policy's questions in order; the first "yes"
 * proposes its level, all "no" the least severe one. */
static void classify_answer(struct console *con, bool yes)
{
    struct prompt *pr = &con->prompt;
    const struct policy *p = con->policy;
    size_t q = (size_t)pr->answer;
    if (!yes && q + 1 < p->nquestions) {
        pr->answer++;
        pr->fields[0].label = p->questions[q + 1].question;
        pr->fields[0].choice = 0;
        return;
    }
    int level = yes ? p->questions[q].severity : (int)p->nlevels;
    bool exposed = yes && p->questions[q].data_exposed;
    char why[256];
    snprintf(why, sizeof why, "classified: %s", yes ? p->questions[q].question : "no question applied");
    ui_prompt_open(con, PROMPT_SEV);
    con->prompt.fields[0].choice = (size_t)level - 1;
    snprintf(con->prompt.fields[1].value, sizeof con->prompt.fields[1].value, "%s", why);
    con->prompt.exposed = exposed;
    console_message(con, false, "proposed SEV%d%s: Enter to confirm, Left/Right to change", level,
                    exposed ? " (customer data exposed)" : "");
}

/* Names already in the incident (holders, hand-offs, authors), each once. */
static size_t incident_names(const struct console *con, const char **names, size_t max)
{
    const struct incident *inc = con->inc;
    size_t n = 0;
    const char *candidate;
    for (size_t i = 0; inc && i < inc->nroles + inc->nevents + 1; i++) {
        candidate = i < inc->nroles ? inc->roles[i].name
                    : i < inc->nroles + inc->nevents ? inc->events[i - inc->nroles]->by
                                                     : con->session->by;
        if (!candidate || !*candidate || strcmp(candidate, "warroom") == 0)
            continue;
        bool seen = false;
        for (size_t k = 0; k < n && !seen; k++)
            seen = strcasecmp(names[k], candidate) == 0;
        if (!seen && n < max)
            names[n++] = candidate;
    }
    return n;
}

/* Tab in the role's name: the next name in the incident that starts with
 * what was typed. */
static void complete_name(struct console *con)
{
    struct prompt *pr = &con->prompt;
    const char *names[64], *matches[64];
    size_t n = incident_names(con, names, 64), nmatch = 0;
    if (pr->completion == 0) {
        struct buf typed = BUF_INIT;
        editor_get(&pr->editor, &typed);
        snprintf(pr->completing, sizeof pr->completing, "%s", buf_str(&typed));
        buf_free(&typed);
    }
    for (size_t i = 0; i < n; i++)
        if (strncasecmp(names[i], pr->completing, strlen(pr->completing)) == 0)
            matches[nmatch++] = names[i];
    if (!nmatch) {
        snprintf(pr->problem, sizeof pr->problem, "no one in this incident is called %.40s...", pr->completing);
        return;
    }
    editor_set(&pr->editor, matches[pr->completion++ % nmatch]);
    pr->problem[0] = '\0';
}

/* A key that means nothing in a choice: the person is typing somewhere they
 * think is text. Close the prompt and take nothing from what follows. */
static int stray_in_choice(struct console *con)
{
    con->prompt.kind = PROMPT_NONE;
    con->ignoring = true;
    console_message(con, true, "not a choice: closed, nothing recorded; typing ignored up to Enter or Esc");
    return KEY_HANDLED | KEY_REDRAW;
}

/* Whether an Enter in a text field is a line break inside keys that came at
 * once, as a paste the terminal did not mark sends them: text waits right
 * behind it, or it ends a burst in which such a break came before (the
 * paste's last line break). Typed Enter never has keys behind it. */
static bool pasted_break(const struct console *con)
{
    return con->burst.text_behind || (con->burst.in_burst && con->burst.joined);
}

int ui_prompt_key(struct console *con, wint_t key, bool code)
{
    struct prompt *pr = &con->prompt;
    struct prompt_field *f = &pr->fields[pr->current];
    con->panels[PANEL_FOOTER].dirty = true;
    con->quit_asked = false;
    if (!code && key == 27) {                             /* Esc cancels, always */
        pr->kind = PROMPT_NONE;
        console_message(con, false, "cancelled");
        if (pr->then_postmortem)
            ui_postmortem_open(con);
        return KEY_HANDLED | KEY_REDRAW;
    }
    bool enter = (!code && (key == '\n' || key == '\r')) || (code && key == KEY_ENTER);
    bool printable = !code && key >= 0x20 && key != 0x7F;
    if (pr->kind == PROMPT_CLASSIFY) {
        if (!code && (key == 'y' || key == 'n'))
            classify_answer(con, key == 'y');     /* a wizard: one key per question */
        else if ((code && (key == KEY_LEFT || key == KEY_RIGHT)) || (!code && key == '\t'))
            f->choice = !f->choice;
        else if (enter)
            classify_answer(con, f->choice == 1);
        else if (printable)
            return stray_in_choice(con);
        return KEY_HANDLED;
    }
    if (f->choices) {
        if (pr->kind == PROMPT_SEV && !code && key == 'c') {
            ui_prompt_open(con, PROMPT_CLASSIFY);
            return KEY_HANDLED;
        }
        if ((code && key == KEY_RIGHT) || (!code && key == '\t'))
            f->choice = (f->choice + 1) % f->nchoices;
        else if (code && key == KEY_LEFT)
            f->choice = (f->choice + f->nchoices - 1) % f->nchoices;
        else if (!code && key >= '1' && key <= '9' && (size_t)(key - '1') < f->nchoices)
            f->choice = (size_t)(key - '1');
        else if (!code && (key == 'y' || key == 'n') && f->choices == yes_no)
            f->choice = key == 'y';
        else if (printable)
            return stray_in_choice(con);
        else if (!enter)
            return KEY_HANDLED;
        if (pr->kind == PROMPT_UPDATE && pr->current == 0)
            update_text(con, update_states[f->choice], pr->fields[1].value, sizeof pr->fields[1].value);
        if (!enter)
            return KEY_HANDLED;
        if ((pr->kind == PROMPT_RESOLVE || pr->kind == PROMPT_REOPEN) && f->choice == 0) {
            console_message(con, false, pr->kind == PROMPT_RESOLVE ? "not resolved" : "still resolved");
            pr->kind = PROMPT_NONE;
            return KEY_HANDLED;
        }
    } else if (!enter) {
        if (code && (key == KEY_UP || key == KEY_DOWN) && con->nhistory) {
            /* history: walk back through what was typed */
            static size_t back;
            back = key == KEY_UP ? (back < con->nhistory ? back + 1 : back) : (back > 1 ? back - 1 : 1);
            editor_set(&pr->editor, con->history[con->nhistory - back]);
            return KEY_HANDLED;
        }
        if (!code && key == '\t') {
            if (pr->kind == PROMPT_NOTE)
                pr->note_kind = (pr->note_kind + 1) % 3;  /* note, alert, impact start */
            else if (pr->kind == PROMPT_ROLE)
                complete_name(con);
            return KEY_HANDLED;
        }
        editor_key(&pr->editor, key, code);
        pr->problem[0] = '\0';
        pr->other_day = false;
        pr->completion = 0;
        return KEY_HANDLED;
    } else if (!code && key == '\n' && con->burst.cr_before) {
        return KEY_HANDLED;               /* the LF of a CR LF joined just now */
    } else if (pasted_break(con)) {
        /* as a bracketed paste's lines: one line, and Enter alone records it,
         * so that no line of it runs as keys */
        editor_key(&pr->editor, ' ', false);
        pr->problem[0] = '\0';
        con->burst.joined = true;
        con->burst.cr_joined = !code && key == '\r';
        console_message(con, false, "lines that came at once stay in the prompt, joined: Enter records them");
        return KEY_HANDLED;
    } else {
        struct buf value = BUF_INIT;
        editor_get(&pr->editor, &value);
        struct buf clean = BUF_INIT;
        text_clean(&clean, buf_str(&value), value.len, 0);
        snprintf(f->value, sizeof f->value, "%s", buf_str(&clean));
        buf_free(&value);
        buf_free(&clean);
        if (!field_judge(con, f))
            return KEY_HANDLED;
    }
    /* Enter: the next field, or done */
    pr->other_day = false;
    if (pr->current + 1 < pr->nfields) {
        pr->current++;
        field_enter(con);
        return KEY_HANDLED;
    }
    enum prompt_kind was = pr->kind;
    if (!submit(con))                     /* reads the fields, so close after */
        return KEY_HANDLED;
    if (!(was == PROMPT_RESOLVE && pr->kind == PROMPT_UPDATE))
        pr->kind = PROMPT_NONE;           /* unless resolving opened the final update */
    return KEY_HANDLED | KEY_REDRAW;
}

int ui_prompt_paste(struct console *con, const struct input *in)
{
    struct prompt *pr = &con->prompt;
    con->panels[PANEL_FOOTER].dirty = true;
    if (pr->kind == PROMPT_NONE) {
        if (!in->paste.len)
            return KEY_HANDLED;
        ui_prompt_open(con, PROMPT_NOTE);  /* the text waits for Enter: a paste records nothing */
        if (pr->kind == PROMPT_NONE)
            return KEY_HANDLED;
    }
    struct prompt_field *f = &pr->fields[pr->current];
    if (f->choices || pr->kind == PROMPT_CLASSIFY) {
        console_message(con, true, "a paste goes into text; this is a choice, so it was left out");
        return KEY_HANDLED;
    }
    size_t cut = editor_insert(&pr->editor, in->paste.data ? in->paste.data : "", in->paste.len) + in->cut;
    pr->problem[0] = '\0';
    pr->other_day = false;
    if (cut)
        console_message(con, true, "the paste was cut: %zu characters left out (a prompt holds %d)", cut, EDITOR_MAX);
    return KEY_HANDLED;
}

bool ui_prompt_has_text(const struct console *con)
{
    const struct prompt *pr = &con->prompt;
    if (pr->kind == PROMPT_NONE || pr->kind == PROMPT_SEARCH)
        return false;
    if (pr->editor.len && !pr->fields[pr->current].choices)
        return true;
    for (size_t i = 0; i < pr->current; i++)
        if (!pr->fields[i].choices && pr->fields[i].value[0])
            return true;
    return false;
}

/* The label, with what the value will mean: the role being given, the kind of
 * note, and the time a back-dated entry will carry. */
static void field_label(struct console *con, const struct prompt_field *f, char *out, size_t size)
{
    struct prompt *pr = &con->prompt;
    snprintf(out, size, "%s", f->label);
    if (pr->kind == PROMPT_ROLE && pr->current == 1)
        snprintf(out, size, "name of the new %s (Tab completes)", role_choices[pr->fields[0].choice]);
    if (f->check != CHECK_NOTE && f->check != CHECK_WHEN)
        return;
    static const char *const kind_labels[] = {"note", "alert (detected)", "impact started"};
    if (f->check == CHECK_NOTE)
        snprintf(out, size, "%s", kind_labels[pr->note_kind]);
    struct buf text = BUF_INIT;
    editor_get(&pr->editor, &text);
    int64_t at = STAMP_NONE;
    const char *rest;
    int r = f->check == CHECK_NOTE ? note_parts(con, buf_str(&text), &at, &rest)
                                   : (text.len ? check_when(&at, buf_str(&text), con->now) == 0 : 0);
    size_t len = strlen(out);
    if (r == 1 && at != STAMP_NONE) {
        char when[64];
        describe_when(con, at, when, sizeof when);
        snprintf(out + len, size - len, ", back-dated to %s", when);
    } else if (f->check == CHECK_NOTE && !text.len) {
        snprintf(out + len, size - len, " (Tab: note/alert/impact; HH:MM first back-dates)");
    }
    buf_free(&text);
}

void ui_prompt_draw(struct console *con, WINDOW *w, int width)
{
    struct prompt *pr = &con->prompt;
    struct prompt_field *f = &pr->fields[pr->current];
    char label[512];
    /* with a problem to show, the plain label: the problem says the rest */
    if (pr->problem[0])
        snprintf(label, sizeof label, "%s", f->label);
    else
        field_label(con, f, label, sizeof label);
    size_t len = strlen(label);
    snprintf(label + len, sizeof label - len, ": ");
    int keep = width / 4 > 16 ? width / 4 : 16;   /* columns the value keeps at least */
    wattrset(w, ui_attr(con, THEME_PROMPT));
    /* a question asked with choices (classification) keeps all its words */
    int choices_cols = 0;
    for (size_t i = 0; f->choices && i < f->nchoices; i++)
        choices_cols += 2 + ui_width(f->choices[i]);
    int used = ui_put(w, label, strlen(label),
                      pr->problem[0] ? width / 3 : f->choices ? width - choices_cols : width - keep);
    if (pr->problem[0]) {
        /* what is wrong, in the prompt itself, before the value it is about;
         * cut short with "…" and its bracket closed, so it never runs into
         * the value */
        int room = width - used - keep;
        wattrset(w, ui_attr(con, THEME_ERROR));
        if (room > 3) {
            used += ui_put(w, "[", 1, 1);
            used += ui_put_fit(w, pr->problem, room - 3);
            used += ui_put(w, "] ", 2, 2);
        }
    }
    wattrset(w, ui_attr(con, THEME_INPUT));
    if (f->choices) {
        pr->cursor_x = used < width ? used : width - 1;
        for (size_t i = 0; i < f->nchoices && used < width; i++) {
            if (i == f->choice) {
                wattron(w, A_REVERSE);
                pr->cursor_x = used + 1 < width ? used + 1 : width - 1;
            }
            char opt[80];
            snprintf(opt, sizeof opt, " %s ", f->choices[i]);
            used += ui_put(w, opt, strlen(opt), width - used);
            wattroff(w, A_REVERSE);
        }
        for (; used < width; used++)
            waddch(w, ' ');
        return;
    }
    /* the text, scrolled so the cursor stays in view; widths in columns */
    struct line_editor *ed = &pr->editor;
    int room = width - used - 1;
    if (room < 4)
        room = 4;
    if (ed->cursor < ed->scroll)
        ed->scroll = ed->cursor;
    for (;;) {
        int cols = 0;
        for (size_t i = ed->scroll; i < ed->cursor; i++)
            cols += text_cp_width((uint32_t)ed->text[i]);
        if (cols <= room || ed->scroll >= ed->cursor)
            break;
        ed->scroll++;
    }
    int cursor_x = used;
    int cols = 0;
    for (size_t i = ed->scroll; i < ed->len; i++) {
        char enc[5];
        size_t n = text_utf8_encode((uint32_t)ed->text[i], enc);
        int cw = text_cp_width((uint32_t)ed->text[i]);
        if (cols + cw > room)
            break;
        if (i == ed->cursor)
            cursor_x = used + cols;
        enc[n] = '\0';
        ui_put(w, enc, n, cw ? cw : 1);
        cols += cw;
    }
    if (ed->cursor >= ed->len)
        cursor_x = used + cols;
    for (int c = used + cols; c < width; c++)
        waddch(w, ' ');
    pr->cursor_x = cursor_x < width ? cursor_x : width - 1;
    wmove(w, 0, pr->cursor_x);
}

/* A clock whose step has run out appends the step as an event. Its id is the
 * same in every console, so two consoles firing it record it once. */
void ui_fire_escalations(struct console *con)
{
    bool step_due = false;
    for (size_t i = 0; i < con->nclocks && !step_due; i++) {
        const struct clock *c = &con->clocks[i];
        step_due = c->kind == CLOCK_ESCALATION && c->state == CLOCK_OVERDUE && !c->fired && c->rule && !c->quiet;
    }
    /* who is on duty is read from every event: asked only when a step is due,
     * so the tick of a 1M-event incident costs what a small one's does */
    if (!step_due || !incident_is_open(con->inc) || !sync_on_duty(con->inc, stamp_now()))
        return;                           /* another host runs the automatic steps */
    char fired[CLOCK_MAX][EVENT_ID_MAX + 1], labels[CLOCK_MAX][64];
    size_t nfired = 0;
    for (size_t i = 0; i < con->nclocks; i++) {
        const struct clock *c = &con->clocks[i];
        if (c->kind != CLOCK_ESCALATION || c->state != CLOCK_OVERDUE || c->fired || !c->rule || c->quiet)
            continue;
        struct event_draft d;
        event_draft_init(&d, EVENT_ESCALATE, "warroom");
        clock_escalation_id(d.id, sizeof d.id, con->inc->id, c->rule);
        /* done now (ts and at); due when its condition made it so */
        char due[STAMP_TEXT_MAX];
        event_draft_str(&d, "due", stamp_format_iso_s(due, c->deadline));
        event_draft_str(&d, "rule", c->rule->id);
        event_draft_str(&d, "action", c->rule->action);
        event_draft_str(&d, "target", c->rule->target);
        event_draft_str(&d, "label", c->rule->label);
        if (session_record(con->session, con->inc->id, &d) == 0 && nfired < CLOCK_MAX) {
            snprintf(fired[nfired], sizeof fired[nfired], "%s", d.id);
            snprintf(labels[nfired++], sizeof labels[0], "%s", c->rule->label);
        }
        event_draft_free(&d);
    }
    if (!nfired)
        return;
    /* say whether anyone was contacted: a step no sink takes is the IC's to
     * do (read the log first: that is where the outbox learns of the step) */
    console_follow(con);
    for (size_t i = 0; i < nfired; i++) {
        const struct outbox_item *items[OUTBOX_SINKS_MAX + 1];
        const struct event *ev = incident_find(con->inc, fired[i]);
        struct buf why = BUF_INIT;
        if (ev && (!con->outbox || outbox_items_of(con->outbox, fired[i], items, OUTBOX_SINKS_MAX + 1) == 0))
            ui_contact_by_hand(con, ev, &why);
        if (why.len)
            console_message(con, true, "%s: %s", labels[i], buf_str(&why));
        else
            console_message(con, false, "escalation: %s", labels[i]);
        buf_free(&why);
    }
}

struct preview_ctx {
    WINDOW *w;
    int row, rows, cols, drawn;
};

static void preview_line(void *ctx, const char *s, size_t len)
{
    struct preview_ctx *pc = ctx;
    if (pc->drawn >= pc->rows)
        return;
    wmove(pc->w, pc->row + pc->drawn++, 4);
    int used = ui_put(pc->w, s, len, pc->cols);
    for (; used < pc->cols; used++)
        waddch(pc->w, ' ');
}

/* The lines BODY takes folded at words to COLS, blank ones left out; drawn
 * through PC when it is not NULL. */
static int preview_rows(const char *body, int cols, struct preview_ctx *pc)
{
    int rows = 0;
    const char *s = body ? body : "";
    while (*s) {
        const char *nl = strchr(s, '\n');
        size_t len = nl ? (size_t)(nl - s) : strlen(s);
        if (len > 0) {
            struct buf line = BUF_INIT;
            buf_add(&line, s, len);
            rows += ui_wrap(buf_str(&line), cols, pc ? preview_line : NULL, pc);
            buf_free(&line);
        }
        s += len + (nl ? 1 : 0);
    }
    return rows;
}

/* While an update is being composed: what each sink will receive, above the
 * footer, secrets masked, rendered by the function that renders the sent
 * update, with its author and its time. */
void ui_prompt_preview_draw(struct console *con)
{
    struct prompt *pr = &con->prompt;
    if (pr->kind != PROMPT_UPDATE || !con->outbox || con->layout == LAYOUT_TINY)
        return;
    struct buf text = BUF_INIT;
    if (pr->current == 1) {
        /* cleaned as Enter will clean it */
        struct buf typed = BUF_INIT;
        editor_get(&pr->editor, &typed);
        text_clean(&text, buf_str(&typed), typed.len, 0);
        buf_free(&typed);
    } else {
        buf_adds(&text, pr->fields[1].value);
    }
    struct outbox_preview *pv = NULL;
    size_t n = 0;
    if (outbox_preview(&pv, &n, con->outbox, con->inc, update_states[pr->fields[0].choice], buf_str(&text),
                       con->session->by, con->now) < 0) {
        buf_free(&text);
        return;
    }
    int width = con->cols;
    /* each sink: a heading and its body folded at words, blank lines left
     * out; as many lines as the screen has above the footer */
    int want = 2;
    for (size_t i = 0; i < n; i++)
        want += 1 + preview_rows(pv[i].body, width - 6, NULL);
    int height = want < con->rows - 4 ? want : con->rows - 4;
    if (height < 3 || width < 20) {
        outbox_preview_free(pv, n);
        buf_free(&text);
        return;
    }
    WINDOW *w = ui_dialog(con, con->rows - 2 - height, 0, height, width, " What each sink receives ");
    int row = 1;
    for (size_t i = 0; i < n && row < height - 1; i++) {
        char head[512];
        snprintf(head, sizeof head, "%s: %s %s%s%s", pv[i].sink, pv[i].method ? pv[i].method : "",
                 pv[i].target ? pv[i].target : "", pv[i].problem ? "  (" : "", pv[i].problem ? pv[i].problem : "");
        if (pv[i].problem)
            strncat(head, ")", sizeof head - strlen(head) - 1);
        wattrset(w, ui_attr(con, pv[i].problem ? THEME_WARNING : THEME_DIALOG) | A_BOLD);
        wmove(w, row++, 2);
        ui_put_padded(w, head, width - 4);
        wattrset(w, ui_attr(con, THEME_DIALOG));
        /* the rest of the sinks keep a line each for their heading */
        int room = height - 1 - row - (int)(n - 1 - i);
        struct preview_ctx pc = {w, row, room > 0 ? room : 0, width - 6, 0};
        preview_rows(pv[i].body, width - 6, &pc);
        row += pc.drawn;
    }
    wnoutrefresh(w);
    delwin(w);
    outbox_preview_free(pv, n);
    buf_free(&text);
}
