/* actions — what the keys record: prompts in the footer, and the events they
 * append. Every event goes through the same log_append as the command line. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "console.h"
#include "warroom/error.h"
#include "warroom/log.h"
#include "warroom/stamp.h"
#include "warroom/store.h"
#include "warroom/sync.h"
#include "warroom/text.h"
#include "warroom/text.h"

static const char *const update_states[] = {"investigating", "identified", "monitoring", "resolved"};
static const char *const role_choices[] = {"ic", "comms", "ops", "scribe", "sme"};
static const char *const priorities[] = {"P2", "P1", "P3"};
static const char *const kinds[] = {"prevent", "mitigate"};
static const char *const yes_no[] = {"no", "yes"};

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
    while (i < n && ed->len < sizeof ed->text / sizeof *ed->text - 1) {
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
    if (ed->len + 1 >= sizeof ed->text / sizeof *ed->text)
        return true;
    memmove(&ed->text[ed->cursor + 1], &ed->text[ed->cursor], (ed->len - ed->cursor) * sizeof(wchar_t));
    ed->text[ed->cursor++] = (wchar_t)key;
    ed->len++;
    return true;
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
    return f;
}

static void field_enter(struct console *con)
{
    struct prompt *pr = &con->prompt;
    struct prompt_field *f = &pr->fields[pr->current];
    if (!f->choices)
        editor_set(&pr->editor, f->value);
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
        field_add(pr, "note (HH:MM first to back-date)", "", NULL, 0);
        break;
    case PROMPT_UPDATE:
        update_text(con, update_states[0], text, sizeof text);
        field_add(pr, "status", NULL, update_states, 4);
        field_add(pr, "update text", text, NULL, 0);
        break;
    case PROMPT_SEV:
        field_add(pr, "severity (c: classify)", NULL, sev_choices, con->policy->nlevels);
        pr->fields[0].choice = con->inc->sev >= 1 ? (size_t)con->inc->sev - 1 : 0;
        field_add(pr, "why", "", NULL, 0)->optional = true;
        break;
    case PROMPT_ROLE:
        field_add(pr, "role", NULL, role_choices, 5);
        pr->fields[0].choice = (size_t)roles_selected(con);
        field_add(pr, "name", "", NULL, 0);
        break;
    case PROMPT_ACTION:
        field_add(pr, "action item", "", NULL, 0);
        field_add(pr, "owner", "", NULL, 0)->optional = true;
        field_add(pr, "due (YYYY-MM-DD)", "", NULL, 0)->optional = true;
        field_add(pr, "priority", NULL, priorities, 3);
        field_add(pr, "kind", NULL, kinds, 2);
        break;
    case PROMPT_PAGE:
        field_add(pr, "page whom", "", NULL, 0);
        field_add(pr, "why", "", NULL, 0)->optional = true;
        break;
    case PROMPT_EDIT:
        if (!sel) {
            pr->kind = PROMPT_NONE;
            console_message(con, true, "nothing selected to edit");
            return;
        }
        snprintf(pr->target, sizeof pr->target, "%s", sel->ev->id);
        field_add(pr, "corrected text", sel->text, NULL, 0)->optional = true;
        {
            char iso[STAMP_TEXT_MAX];
            stamp_format_iso_s(iso, sel->at);
            snprintf(when, sizeof when, "%s", iso);
        }
        field_add(pr, "happened at", when, NULL, 0);
        break;
    case PROMPT_RESOLVE:
        field_add(pr, "resolve this incident?", NULL, yes_no, 2);
        field_add(pr, "resolution", "", NULL, 0)->optional = true;
        break;
    case PROMPT_DECLARE:
        field_add(pr, "severity", NULL, sev_choices, con->policy->nlevels);
        field_add(pr, "title", "", NULL, 0);
        break;
    case PROMPT_SEARCH:
        field_add(pr, "search", con->search, NULL, 0)->optional = true;
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
    if (cli_record(con->cli, con->inc->id, d) < 0) {
        console_message(con, true, "not recorded: %s", error_last());
        return -1;
    }
    return 0;
}

static void remember(struct console *con, const char *text)
{
    if (!*text)
        return;
    if (con->nhistory == sizeof con->history / sizeof *con->history) {
        memmove(con->history[0], con->history[1], sizeof con->history - sizeof con->history[0]);
        con->nhistory--;
    }
    snprintf(con->history[con->nhistory++], sizeof con->history[0], "%s", text);
}

/* "14:25 deploy pushed": a scribe catching up puts the time first. */
static int64_t leading_time(struct console *con, char **text)
{
    char *t = *text;
    if (!isdigit((unsigned char)t[0]))
        return STAMP_NONE;
    char *space = strchr(t, ' ');
    if (!space || space - t > 8)
        return STAMP_NONE;
    *space = '\0';
    int64_t at;
    bool ok = strchr(t, ':') && stamp_parse_user(&at, t, con->now) == 0 && at <= con->now;
    *space = ' ';
    if (!ok)
        return STAMP_NONE;
    *text = space + 1;
    return at;
}

static void declare(struct console *con, int sev, const char *title)
{
    char id[STORE_ID_MAX + 1];
    if (store_create(&con->cli->store, title, stamp_now(), id) < 0) {
        console_message(con, true, "%s", error_last());
        return;
    }
    char *path = store_log_path(&con->cli->store, id);
    struct incident_log log;
    struct event_draft d;
    event_draft_init(&d, EVENT_DECLARE, con->cli->by);
    event_draft_str(&d, "title", title);
    event_draft_int(&d, "sev", sev);
    if (log_open(&log, path) < 0 || log_append(&log, &d) < 0) {
        console_message(con, true, "not declared: %s", error_last());
    } else {
        log_close(&log);
        /* the console switches to it at the next pass */
        free(con->picks ? con->picks[0] : NULL);
        if (!con->picks)
            con->picks = xcalloc(1, sizeof(char *));
        con->picks[0] = xstrdup(id);
        con->npicks = 1;
        con->pick = 0;
        console_message(con, false, "declared %s", id);
    }
    event_draft_free(&d);
    free(path);
}

/* Everything the prompt asked for is in: record it. */
static void submit(struct console *con)
{
    struct prompt *pr = &con->prompt;
    struct prompt_field *f = pr->fields;
    struct event_draft d;
    bool drafted = false;
    const char *by = con->cli->by;
    char *text = f[0].value;
    switch (pr->kind) {
    case PROMPT_NOTE: {
        remember(con, text);
        int64_t at = leading_time(con, &text);
        event_draft_init(&d, EVENT_NOTE, by);
        drafted = true;
        d.at = at;
        event_draft_str(&d, "text", text);
        break;
    }
    case PROMPT_UPDATE:
        remember(con, f[1].value);
        event_draft_init(&d, EVENT_UPDATE, by);
        drafted = true;
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
            int64_t at;
            if (stamp_parse_user(&at, f[1].value, con->now) < 0) {
                console_message(con, true, "%s", error_last());
                event_draft_free(&d);
                return;
            }
            if (at != e->at) {
                char iso[STAMP_TEXT_MAX];
                event_draft_str(&d, "set.at", stamp_format_iso_s(iso, at));
                changed = true;
            }
        }
        if (!changed) {
            console_message(con, false, "nothing changed");
            event_draft_free(&d);
            return;
        }
        break;
    }
    case PROMPT_RESOLVE:
        if (f[0].choice != 1) {
            console_message(con, false, "not resolved");
            return;
        }
        event_draft_init(&d, EVENT_RESOLVE, by);
        drafted = true;
        if (*f[1].value)
            event_draft_str(&d, "text", f[1].value);
        break;
    case PROMPT_DECLARE:
        declare(con, (int)f[0].choice + 1, f[1].value);
        return;
    case PROMPT_SEARCH:
        snprintf(con->search, sizeof con->search, "%s", f[0].value);
        timeline_search_step(con, 1);
        console_mark_all(con);
        return;
    default:
        return;
    }
    if (drafted) {
        int rc = ui_record(con, &d);
        if (rc == 0)
            console_message(con, false, "recorded %s", event_type_name(d.type));
        event_draft_free(&d);
        if (rc == 0 && pr->kind == PROMPT_RESOLVE)
            ui_postmortem_open(con);      /* resolved: the postmortem is next */
    }
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

int ui_prompt_key(struct console *con, wint_t key, bool code)
{
    struct prompt *pr = &con->prompt;
    struct prompt_field *f = &pr->fields[pr->current];
    con->panels[PANEL_FOOTER].dirty = true;
    if (!code && key == 27) {                             /* Esc cancels, always */
        pr->kind = PROMPT_NONE;
        console_message(con, false, "cancelled");
        return KEY_HANDLED;
    }
    bool enter = (!code && (key == '\n' || key == '\r')) || (code && key == KEY_ENTER);
    if (pr->kind == PROMPT_CLASSIFY) {
        if (!code && (key == 'y' || key == 'n'))
            classify_answer(con, key == 'y');     /* a wizard: one key per question */
        else if ((code && (key == KEY_LEFT || key == KEY_RIGHT)) || (!code && key == '\t'))
            f->choice = !f->choice;
        else if (enter)
            classify_answer(con, f->choice == 1);
        return KEY_HANDLED;
    }
    if (f->choices) {
        if (pr->kind == PROMPT_SEV && !code && key == 'c') {
            ui_prompt_open(con, PROMPT_CLASSIFY);
            return KEY_HANDLED;
        }
        if ((code && key == KEY_RIGHT) || (!code && (key == '\t' || key == ' ')))
            f->choice = (f->choice + 1) % f->nchoices;
        else if (code && key == KEY_LEFT)
            f->choice = (f->choice + f->nchoices - 1) % f->nchoices;
        else if (!code && key >= '1' && key <= '9' && (size_t)(key - '1') < f->nchoices)
            f->choice = (size_t)(key - '1');
        else if (!code && (key == 'y' || key == 'n') && f->choices == yes_no)
            f->choice = key == 'y';
        else if (!enter)
            return KEY_HANDLED;
        if (pr->kind == PROMPT_UPDATE && pr->current == 0)
            update_text(con, update_states[f->choice], pr->fields[1].value, sizeof pr->fields[1].value);
        if (!enter)
            return KEY_HANDLED;
        if (pr->kind == PROMPT_RESOLVE && f->choice == 0) {
            pr->kind = PROMPT_NONE;
            console_message(con, false, "not resolved");
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
        editor_key(&pr->editor, key, code);
        return KEY_HANDLED;
    } else {
        struct buf value = BUF_INIT;
        editor_get(&pr->editor, &value);
        struct buf clean = BUF_INIT;
        text_clean(&clean, buf_str(&value), value.len, 0);
        snprintf(f->value, sizeof f->value, "%s", buf_str(&clean));
        buf_free(&value);
        buf_free(&clean);
        if (!f->optional && !f->value[0]) {
            console_message(con, true, "%s: needs a value (Esc cancels)", f->label);
            return KEY_HANDLED;
        }
    }
    /* Enter: the next field, or done */
    if (pr->current + 1 < pr->nfields) {
        pr->current++;
        field_enter(con);
        return KEY_HANDLED;
    }
    submit(con);                          /* reads the fields, so close after */
    pr->kind = PROMPT_NONE;
    return KEY_HANDLED | KEY_REDRAW;
}

void ui_prompt_draw(struct console *con, WINDOW *w, int width)
{
    struct prompt *pr = &con->prompt;
    struct prompt_field *f = &pr->fields[pr->current];
    char label[160];
    snprintf(label, sizeof label, "%s: ", f->label);
    wattrset(w, ui_attr(con, THEME_PROMPT));
    int used = ui_put(w, label, strlen(label), width / 2);
    wattrset(w, ui_attr(con, THEME_INPUT));
    if (f->choices) {
        for (size_t i = 0; i < f->nchoices && used < width; i++) {
            if (i == f->choice)
                wattron(w, A_REVERSE);
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
    wmove(w, 0, cursor_x < width ? cursor_x : width - 1);
}

/* A clock whose step has run out appends the step as an event. Its id is the
 * same in every console, so two consoles firing it record it once. */
void ui_fire_escalations(struct console *con)
{
    if (!incident_is_open(con->inc) || !sync_on_duty(con->inc, stamp_now()))
        return;                           /* another host runs the automatic steps */
    for (size_t i = 0; i < con->nclocks; i++) {
        const struct clock *c = &con->clocks[i];
        if (c->kind != CLOCK_ESCALATION || c->state != CLOCK_OVERDUE || c->fired || !c->rule)
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
        if (cli_record(con->cli, con->inc->id, &d) == 0)
            console_message(con, false, "escalation: %s", c->rule->label);
        event_draft_free(&d);
    }
}

/* While an update is being composed: what each sink will receive, above the
 * footer, secrets masked. */
void ui_prompt_preview_draw(struct console *con)
{
    struct prompt *pr = &con->prompt;
    if (pr->kind != PROMPT_UPDATE || !con->outbox || con->layout == LAYOUT_TINY)
        return;
    struct buf text = BUF_INIT;
    if (pr->current == 1)
        editor_get(&pr->editor, &text);
    else
        buf_adds(&text, pr->fields[1].value);
    struct outbox_preview *pv = NULL;
    size_t n = 0;
    if (outbox_preview(&pv, &n, con->outbox, con->inc, update_states[pr->fields[0].choice], buf_str(&text)) < 0) {
        buf_free(&text);
        return;
    }
    int per = 3, height = (int)n * per + 2;
    if (height > con->rows / 2)
        height = con->rows / 2;
    int width = con->cols - 2;
    if (height < 3 || width < 20) {
        outbox_preview_free(pv, n);
        buf_free(&text);
        return;
    }
    WINDOW *w = ui_dialog(con, con->rows - 2 - height, 1, height, width, " What each sink receives ");
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
        /* the body, folded onto the lines there are, never inside a character */
        const char *body = pv[i].body ? pv[i].body : "";
        size_t left = strlen(body);
        for (int k = 1; k < per && row < height - 1; k++) {
            size_t used, fit = text_fit(body, left, (size_t)(width - 6), &used);
            wmove(w, row++, 4);
            int cols = ui_put(w, body, fit, width - 6);
            for (; cols < width - 6; cols++)
                waddch(w, ' ');
            body += fit;
            left -= fit;
        }
    }
    wnoutrefresh(w);
    delwin(w);
    outbox_preview_free(pv, n);
    buf_free(&text);
}
