/* runbook — see include/warroom/runbook.h.
 *
 * libyaml's event parser, not its document loader: the events are folded into
 * a small tree of our own, which is where the bounds are kept (no alias is
 * ever expanded, nesting and node counts are capped), and the tree is then read
 * against the guide's format, each mistake named by its line and column. */
#include "warroom/runbook.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <yaml.h>

#include "warroom/error.h"
#include "warroom/event.h"
#include "warroom/file.h"
#include "warroom/repo.h"
#include "warroom/stamp.h"
#include "warroom/text.h"

static const char *const section_names[RUNBOOK_SECTION_COUNT] = {"diagnosis", "mitigation", "recovery"};

const char *runbook_section_name(enum runbook_section s)
{
    return s < RUNBOOK_SECTION_COUNT ? section_names[s] : "step";
}

int runbook_section_from_name(const char *name)
{
    for (int s = 0; name && s < RUNBOOK_SECTION_COUNT; s++)
        if (strcmp(name, section_names[s]) == 0)
            return s;
    return -1;
}

/* ---- the tree ---- */

enum node_kind { NODE_SCALAR, NODE_MAP, NODE_SEQ };

struct node {
    enum node_kind kind;
    unsigned line, col;       /* 1-based, where it starts */
    char *value;              /* scalars: as libyaml decoded it (not yet cleaned) */
    size_t len;
    struct node **items;      /* maps: key, value, key, value ...; sequences: the items */
    size_t n;
};

struct tree {
    struct node **all;        /* every node, for freeing */
    size_t n;
    struct node *root;
    const char *path;
    char err[512];
};

__attribute__((format(printf, 4, 5))) static int fail_at(struct tree *t, unsigned line, unsigned col,
                                                          const char *fmt, ...)
{
    if (t->err[0])
        return -1;                        /* the first mistake is the one to fix */
    char what[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    snprintf(t->err, sizeof t->err, "%s:%u:%u: %s", t->path, line, col, what);
    return -1;
}

static struct node *node_new(struct tree *t, enum node_kind kind, const yaml_mark_t *mark)
{
    struct node *nd = xcalloc(1, sizeof *nd);
    nd->kind = kind;
    nd->line = (unsigned)mark->line + 1;
    nd->col = (unsigned)mark->column + 1;
    t->all = xrealloc(t->all, (t->n + 1) * sizeof *t->all);
    t->all[t->n++] = nd;
    return nd;
}

static void node_add(struct node *parent, struct node *child)
{
    if ((parent->n & (parent->n - 1)) == 0)
        parent->items = xrealloc(parent->items, sizeof *parent->items * (parent->n < 4 ? 4 : parent->n * 2));
    parent->items[parent->n++] = child;
}

static void tree_free(struct tree *t)
{
    for (size_t i = 0; i < t->n; i++) {
        free(t->all[i]->value);
        free(t->all[i]->items);
        free(t->all[i]);
    }
    free(t->all);
}

/* Line and column of byte OFFSET: the reader's errors (bad UTF-8) carry an
 * offset only. */
static void position_of(const char *text, size_t len, size_t offset, unsigned *line, unsigned *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < offset && i < len; i++) {
        if (text[i] == '\n') {
            ++*line;
            *col = 1;
        } else if (((unsigned char)text[i] & 0xC0) != 0x80) {
            ++*col;
        }
    }
}

static int tree_parse(struct tree *t, const char *text, size_t len)
{
    yaml_parser_t parser;
    struct node *stack[RUNBOOK_DEPTH_MAX + 1];
    size_t depth = 0, documents = 0;
    int rc = 0;
    if (!yaml_parser_initialize(&parser))
        return fail_at(t, 1, 1, "cannot start the YAML parser");
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING);
    for (bool done = false; !done && rc == 0;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&parser, &ev)) {
            unsigned line, col;
            if (parser.error == YAML_READER_ERROR) {
                position_of(text, len, parser.problem_offset, &line, &col);
            } else {
                line = (unsigned)parser.problem_mark.line + 1;
                col = (unsigned)parser.problem_mark.column + 1;
            }
            struct buf what = BUF_INIT;
            /* libyaml's words, cleaned: a problem can quote the input */
            const char *problem = parser.problem ? parser.problem : "not valid YAML";
            text_clean(&what, problem, strlen(problem), 0);
            if (parser.context) {
                buf_adds(&what, " (");
                text_clean(&what, parser.context, strlen(parser.context), 0);
                buf_adds(&what, ")");
            }
            rc = fail_at(t, line, col, "%s", buf_str(&what));
            buf_free(&what);
            break;
        }
        const yaml_mark_t *mark = &ev.start_mark;
        struct node *nd = NULL;
        switch (ev.type) {
        case YAML_STREAM_END_EVENT:
            done = true;
            break;
        case YAML_DOCUMENT_START_EVENT:
            if (++documents > 1)
                rc = fail_at(t, (unsigned)mark->line + 1, (unsigned)mark->column + 1,
                             "a second document: a runbook is one document");
            break;
        case YAML_ALIAS_EVENT:
            /* an alias repeats a node by reference: a few lines could stand
             * for gigabytes (the "billion laughs"); a runbook needs none */
            rc = fail_at(t, (unsigned)mark->line + 1, (unsigned)mark->column + 1,
                         "an alias (*name): runbooks may not use aliases, write the text out");
            break;
        case YAML_SCALAR_EVENT:
            nd = node_new(t, NODE_SCALAR, mark);
            nd->value = xstrndup((const char *)ev.data.scalar.value, ev.data.scalar.length);
            nd->len = ev.data.scalar.length;
            /* a NUL inside (an escaped \0) would cut the C string: replace it */
            for (size_t i = 0; i < nd->len; i++)
                if (nd->value[i] == '\0')
                    nd->value[i] = ' ';
            break;
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT:
            if (depth >= RUNBOOK_DEPTH_MAX) {
                rc = fail_at(t, (unsigned)mark->line + 1, (unsigned)mark->column + 1,
                             "nested more than %d levels deep", RUNBOOK_DEPTH_MAX);
                break;
            }
            nd = node_new(t, ev.type == YAML_MAPPING_START_EVENT ? NODE_MAP : NODE_SEQ, mark);
            break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
            if (depth > 0)
                depth--;
            break;
        default:
            break;
        }
        if (nd && rc == 0) {
            if (t->n > RUNBOOK_NODES_MAX)
                rc = fail_at(t, nd->line, nd->col, "more than %d values in one file", RUNBOOK_NODES_MAX);
            else if (depth > 0)
                node_add(stack[depth - 1], nd);
            else if (!t->root)
                t->root = nd;
            if (rc == 0 && nd->kind != NODE_SCALAR)
                stack[depth++] = nd;
        }
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&parser);
    return rc;
}

/* ---- reading the tree against the guide's format ---- */

static const struct node *map_get(const struct node *map, const char *key)
{
    if (!map || map->kind != NODE_MAP)
        return NULL;
    const struct node *found = NULL;
    for (size_t i = 0; i + 1 < map->n; i += 2) {
        const struct node *k = map->items[i];
        if (k->kind == NODE_SCALAR && strcmp(k->value, key) == 0)
            found = map->items[i + 1];      /* the last of a repeated key, as JSON readers do */
    }
    return found;
}

static bool is_null(const struct node *nd)
{
    return nd->kind == NODE_SCALAR && (nd->len == 0 || strcmp(nd->value, "~") == 0 || strcmp(nd->value, "null") == 0);
}

/* S[0..LEN) cleaned onto one line (or with its newlines, FLAGS), trimmed, and
 * cut at MAX bytes on a character boundary with "…". */
static char *clean_bounded(const char *s, size_t len, unsigned flags, size_t max)
{
    struct buf b = BUF_INIT;
    text_clean(&b, s, len, flags);
    size_t start = 0, end = b.len;
    while (start < end && (b.data[start] == ' ' || b.data[start] == '\n'))
        start++;
    while (end > start && (b.data[end - 1] == ' ' || b.data[end - 1] == '\n'))
        end--;
    bool cut = end - start > max;
    if (cut) {
        end = start + max;
        while (end > start && ((unsigned char)b.data[end] & 0xC0) == 0x80)
            end--;                        /* not inside a character */
    }
    char *out = xmalloc(end - start + 4);
    memcpy(out, b.data + start, end - start);
    if (cut)
        memcpy(out + (end - start), "\xe2\x80\xa6", 3);
    out[end - start + (cut ? 3 : 0)] = '\0';
    buf_free(&b);
    return out;
}

/* The text of KEY in MAP into *OUT (NULL when absent or null); a mapping or a
 * list where text belongs is a mistake at its place. */
static int text_of(struct tree *t, const struct node *map, const char *key, char **out, size_t max)
{
    const struct node *v = map_get(map, key);
    *out = NULL;
    if (!v || is_null(v))
        return 0;
    if (v->kind != NODE_SCALAR)
        return fail_at(t, v->line, v->col, "%s is a %s; it should be text", key,
                       v->kind == NODE_MAP ? "mapping" : "list");
    *out = clean_bounded(v->value, v->len, 0, max);
    return 0;
}

/* "2400", "2,400.50", "$2,400", "1.2k": a non-negative amount; CURRENCY gets a
 * symbol written before it. Returns the bytes read, 0 when none. */
static size_t read_amount(const char *s, double *amount, char currency[8])
{
    const char *p = s;
    static const char *const symbols[] = {"$", "\xe2\x82\xac", "\xc2\xa3", "\xc2\xa5"};
    for (size_t i = 0; i < sizeof symbols / sizeof *symbols; i++) {
        size_t n = strlen(symbols[i]);
        if (strncmp(p, symbols[i], n) == 0) {
            if (currency)
                snprintf(currency, 8, "%s", symbols[i]);
            p += n;
            break;
        }
    }
    while (*p == ' ')
        p++;
    if (*p < '0' || *p > '9')
        return 0;
    double v = 0;
    for (; (*p >= '0' && *p <= '9') || (*p == ',' && p[1] >= '0' && p[1] <= '9'); p++)
        if (*p != ',')
            v = v * 10 + (*p - '0');
    if (*p == '.' && p[1] >= '0' && p[1] <= '9') {
        double scale = 0.1;
        for (p++; *p >= '0' && *p <= '9'; p++, scale /= 10)
            v += (*p - '0') * scale;
    }
    if (*p == 'k' || *p == 'K') {
        v *= 1e3;
        p++;
    } else if (*p == 'M' && !(p[1] >= 'a' && p[1] <= 'z')) {
        v *= 1e6;
        p++;
    }
    if (!isfinite(v) || v > 1e12)
        return 0;
    *amount = v;
    return (size_t)(p - s);
}

/* After an amount: "/min", "/minute", " per minute", "/h", "/hour" ...; the
 * divisor that makes it per minute, 0 when no unit of time follows. */
static double read_unit(const char *p)
{
    static const struct { const char *word; double per; } units[] = {
        {"/minute", 1}, {"/min", 1}, {"/m", 1}, {" per minute", 1}, {" a minute", 1}, {" per min", 1},
        {"/hour", 60}, {"/hr", 60}, {"/h", 60}, {" per hour", 60}, {" an hour", 60},
    };
    while (*p == ' ' && (p[1] == '/' || p[1] == ' '))
        p++;
    for (size_t i = 0; i < sizeof units / sizeof *units; i++) {
        size_t n = strlen(units[i].word);
        if (strncmp(p, units[i].word, n) != 0)
            continue;                     /* only then is p[n] inside the text */
        char after = p[n];
        if (!(after >= 'a' && after <= 'z') && !(after >= 'A' && after <= 'Z'))
            return units[i].per;
    }
    return 0;
}

bool runbook_rate_from_text(const char *text, double *per_minute, char currency[8])
{
    for (const char *p = text; p && *p; p++) {
        if (*p != '$' && strncmp(p, "\xe2\x82\xac", 3) != 0 && strncmp(p, "\xc2\xa3", 2) != 0 &&
            strncmp(p, "\xc2\xa5", 2) != 0)
            continue;
        double amount;
        char symbol[8] = "";
        size_t n = read_amount(p, &amount, symbol);
        double per = n ? read_unit(p + n) : 0;
        if (per > 0) {
            *per_minute = amount / per;
            snprintf(currency, 8, "%s", symbol);
            return true;
        }
    }
    return false;
}

static int read_metadata(struct tree *t, struct runbook *rb)
{
    const struct node *meta = map_get(t->root, "metadata");
    if (!meta)
        return fail_at(t, t->root->line, t->root->col, "no metadata (title, service, alert_names ...)");
    if (meta->kind != NODE_MAP)
        return fail_at(t, meta->line, meta->col, "metadata should be a mapping (title: ..., service: ...)");
    if (text_of(t, meta, "title", &rb->title, 200) < 0 || text_of(t, meta, "service", &rb->service, 200) < 0 ||
        text_of(t, meta, "severity", &rb->severity, 100) < 0 || text_of(t, meta, "owner", &rb->owner, 200) < 0 ||
        text_of(t, meta, "impact", &rb->impact, RUNBOOK_TEXT_MAX) < 0 ||
        text_of(t, meta, "url", &rb->url, RUNBOOK_TEXT_MAX) < 0)
        return -1;
    if (!rb->title)
        rb->title = xstrdup(rb->path);
    const struct node *names = map_get(meta, "alert_names");
    if (names && !is_null(names)) {
        if (names->kind == NODE_MAP)
            return fail_at(t, names->line, names->col, "alert_names should be a list: [NameOne, NameTwo]");
        size_t n = names->kind == NODE_SEQ ? names->n : 1;
        if (n > RUNBOOK_NAMES_MAX)
            return fail_at(t, names->line, names->col, "more than %d alert names", RUNBOOK_NAMES_MAX);
        rb->alert_names = xcalloc(n ? n : 1, sizeof *rb->alert_names);
        for (size_t i = 0; i < n; i++) {
            const struct node *v = names->kind == NODE_SEQ ? names->items[i] : names;
            if (v->kind != NODE_SCALAR || is_null(v))
                return fail_at(t, v->line, v->col, "an alert name should be text");
            rb->alert_names[rb->nalert_names++] = clean_bounded(v->value, v->len, 0, 200);
        }
    }
    rb->revenue_per_minute = -1;
    snprintf(rb->currency, sizeof rb->currency, "$");
    char *currency = NULL;
    if (text_of(t, meta, "currency", &currency, 7) < 0)
        return -1;
    const struct node *rate = map_get(meta, "revenue_per_minute");
    if (rate && !is_null(rate)) {
        double v;
        size_t n = rate->kind == NODE_SCALAR ? read_amount(rate->value, &v, rb->currency) : 0;
        if (!n || rate->value[n]) {
            free(currency);
            return fail_at(t, rate->line, rate->col, "revenue_per_minute should be an amount, such as 2400");
        }
        rb->revenue_per_minute = v;
    } else if (rb->impact && runbook_rate_from_text(rb->impact, &rb->revenue_per_minute, rb->currency)) {
        rb->rate_from_text = true;
        if (!rb->currency[0])
            snprintf(rb->currency, sizeof rb->currency, "$");
    }
    if (currency && *currency)
        snprintf(rb->currency, sizeof rb->currency, "%s", currency);
    free(currency);
    return 0;
}

/* What each section's items are called and which fields they have. */
static const char *const title_key[RUNBOOK_SECTION_COUNT] = {"step", "option", "step"};

static int read_section(struct tree *t, struct runbook *rb, enum runbook_section s)
{
    const struct node *list = map_get(t->root, section_names[s]);
    if (!list || is_null(list))
        return 0;
    if (list->kind != NODE_SEQ)
        return fail_at(t, list->line, list->col, "%s should be a list (lines starting with \"- \")", section_names[s]);
    if (list->n > RUNBOOK_STEPS_MAX)
        return fail_at(t, list->line, list->col, "%s has more than %d steps", section_names[s], RUNBOOK_STEPS_MAX);
    rb->steps = xrealloc(rb->steps, (rb->nsteps + list->n + 1) * sizeof *rb->steps);
    for (size_t i = 0; i < list->n; i++) {
        const struct node *item = list->items[i];
        struct runbook_step *st = &rb->steps[rb->nsteps];
        memset(st, 0, sizeof *st);
        st->section = s;
        st->number = (unsigned)i + 1;
        if (item->kind == NODE_SCALAR && s == RUNBOOK_RECOVERY && !is_null(item)) {
            st->title = clean_bounded(item->value, item->len, 0, RUNBOOK_TEXT_MAX);
            rb->nsteps++;
            continue;
        }
        if (item->kind != NODE_MAP)
            return fail_at(t, item->line, item->col, "a %s item should be a mapping with \"%s:\"", section_names[s],
                           title_key[s]);
        rb->nsteps++;                     /* its strings are freed with the runbook from here */
        if (text_of(t, item, title_key[s], &st->title, RUNBOOK_TEXT_MAX) < 0 ||
            text_of(t, item, "command", &st->command, RUNBOOK_TEXT_MAX) < 0 ||
            text_of(t, item, "expected", &st->expected, RUNBOOK_TEXT_MAX) < 0 ||
            text_of(t, item, "when", &st->when, RUNBOOK_TEXT_MAX) < 0 ||
            text_of(t, item, "verify", &st->verify, RUNBOOK_TEXT_MAX) < 0)
            return -1;
        if (!st->title || !*st->title)
            return fail_at(t, item->line, item->col, "a %s item has no \"%s:\"", section_names[s], title_key[s]);
    }
    return 0;
}

static struct runbook *runbook_new(const char *path)
{
    struct runbook *rb = xcalloc(1, sizeof *rb);
    rb->path = clean_bounded(path, strlen(path), 0, REPO_PATH_MAX);
    rb->revenue_per_minute = -1;
    snprintf(rb->currency, sizeof rb->currency, "$");
    return rb;
}

int runbook_parse_yaml(struct runbook **out, const char *text, size_t len, const char *path)
{
    struct tree t = {.path = path};
    struct runbook *rb = runbook_new(path);
    int rc = -1;
    *out = NULL;
    if (len > RUNBOOK_FILE_MAX) {
        fail_at(&t, 1, 1, "larger than %d KiB", RUNBOOK_FILE_MAX / 1024);
        goto done;
    }
    if (tree_parse(&t, text, len) < 0)
        goto done;
    if (!t.root || t.root->kind != NODE_MAP) {
        fail_at(&t, t.root ? t.root->line : 1, t.root ? t.root->col : 1,
                "a runbook is a mapping of metadata, diagnosis, mitigation and recovery");
        goto done;
    }
    if (read_metadata(&t, rb) < 0)
        goto done;
    for (int s = 0; s < RUNBOOK_SECTION_COUNT; s++)
        if (read_section(&t, rb, (enum runbook_section)s) < 0)
            goto done;
    rc = 0;
done:
    if (rc < 0) {
        /* the message names the file and quotes nothing unclean */
        struct buf msg = BUF_INIT;
        text_clean(&msg, t.err, strlen(t.err), 0);
        error_set("%s", buf_str(&msg));
        buf_free(&msg);
        runbook_free(rb);
    } else {
        *out = rb;
    }
    tree_free(&t);
    return rc;
}

int runbook_parse_markdown(struct runbook **out, const char *text, size_t len, const char *path)
{
    *out = NULL;
    if (len > RUNBOOK_FILE_MAX)
        return error_set("%s:1:1: larger than %d KiB", path, RUNBOOK_FILE_MAX / 1024);
    struct runbook *rb = runbook_new(path);
    rb->markdown = true;
    rb->text = clean_bounded(text, len, TEXT_KEEP_NEWLINES, RUNBOOK_FILE_MAX);
    for (const char *line = rb->text; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        if (strncmp(line, "# ", 2) == 0) {
            const char *end = strchr(line, '\n');
            rb->title = clean_bounded(line + 2, end ? (size_t)(end - line - 2) : strlen(line + 2), 0, 200);
            break;
        }
    }
    if (!rb->title)
        rb->title = xstrdup(rb->path);
    *out = rb;
    return 0;
}

void runbook_free(struct runbook *rb)
{
    if (!rb)
        return;
    for (size_t i = 0; i < rb->nsteps; i++) {
        struct runbook_step *st = &rb->steps[i];
        free(st->title);
        free(st->command);
        free(st->expected);
        free(st->when);
        free(st->verify);
    }
    free(rb->steps);
    for (size_t i = 0; i < rb->nalert_names; i++)
        free(rb->alert_names[i]);
    free(rb->alert_names);
    free(rb->path);
    free(rb->text);
    free(rb->title);
    free(rb->service);
    free(rb->severity);
    free(rb->owner);
    free(rb->impact);
    free(rb->url);
    free(rb);
}

static bool is_web(const char *url)
{
    return url && (strncmp(url, "https://", 8) == 0 || strncmp(url, "http://", 7) == 0) &&
           !strpbrk(url, " \"<>\\^`{|}");
}

char *runbook_link(const struct runbook *rb, const char *base_url)
{
    if (is_web(rb->url))
        return xstrdup(rb->url);
    if (!is_web(base_url))
        return NULL;
    size_t n = strlen(base_url);
    while (n > 0 && base_url[n - 1] == '/')
        n--;
    struct buf b = BUF_INIT;
    buf_printf(&b, "%.*s/%s", (int)n, base_url, rb->path);
    return buf_detach(&b);
}

/* ---- a directory of runbooks ---- */

static bool ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), m = strlen(tail);
    return n >= m && strcmp(s + n - m, tail) == 0;
}

/* A runbook by its name: YAML, Markdown, or not one (the postmortem template
 * lives in runbooks/ too, and it is no runbook). */
static bool wanted(const char *name)
{
    if (name[0] == '.' || strcmp(name, "post-mortem-template.md") == 0)
        return false;
    return ends_with(name, ".yml") || ends_with(name, ".yaml") || ends_with(name, ".md");
}

/* Names looked at in one directory before the first RUNBOOK_FILES_MAX are
 * taken: a bound on memory, not on what is read. */
#define RUNBOOK_NAMES_SEEN_MAX 65536

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void set_problem(struct runbook_set *set, const char *what)
{
    set->problems = xrealloc(set->problems, (set->nproblems + 1) * sizeof *set->problems);
    set->problems[set->nproblems++] = xstrdup(what);
}

static void set_add(struct runbook_set *set, const char *path, const struct buf *text)
{
    struct runbook *rb;
    int rc = ends_with(path, ".md") ? runbook_parse_markdown(&rb, buf_str(text), text->len, path)
                                    : runbook_parse_yaml(&rb, buf_str(text), text->len, path);
    if (rc < 0) {
        set_problem(set, error_last());
        return;
    }
    set->books = xrealloc(set->books, (set->n + 1) * sizeof *set->books);
    set->books[set->n++] = rb;
}

/* Reads the working tree's file PATH (never through a symbolic link: a
 * runbook is a file of the repository, not a way to show any file). */
static int read_working_tree_file(struct buf *out, const char *path)
{
    struct stat st;
    if (lstat(path, &st) < 0)
        return error_set_errno("cannot read %s", path);
    if (!S_ISREG(st.st_mode))
        return error_set("%s is not a plain file", path);
    int fd = file_open_regular(path, O_RDONLY | O_NOFOLLOW, "the runbook");
    if (fd < 0)
        return -1;
    char chunk[8192];
    ssize_t n;
    while ((n = read(fd, chunk, sizeof chunk)) > 0) {
        buf_add(out, chunk, (size_t)n);
        if (out->len > RUNBOOK_FILE_MAX) {
            close(fd);
            return error_set("%s:1:1: larger than %d KiB", path, RUNBOOK_FILE_MAX / 1024);
        }
    }
    int rc = n < 0 ? error_set_errno("cannot read %s", path) : 0;
    close(fd);
    return rc;
}

int runbook_set_load(struct runbook_set *set, const char *repo_path)
{
    struct repo *repo = NULL;
    char **names = NULL;
    size_t nnames = 0;
    int rc;
    memset(set, 0, sizeof *set);
    rc = repo_open(&repo, repo_path);
    if (rc == REPO_ENOTFOUND && !repo_path)
        return 0;                         /* no platform repo: no runbooks, and that is fine */
    if (rc < 0)
        return -1;
    const char *workdir = repo_workdir(repo);
    struct buf dir = BUF_INIT, path = BUF_INIT, text = BUF_INIT, shown = BUF_INIT;
    struct stat st;
    if (workdir)
        buf_printf(&dir, "%s%s", workdir, RUNBOOK_DIR);
    bool from_tree = workdir && lstat(dir.data, &st) == 0 && S_ISDIR(st.st_mode);
    if (from_tree) {
        snprintf(set->source, sizeof set->source, "the working tree");
        DIR *d = opendir(dir.data);
        if (!d) {
            rc = error_set_errno("cannot read %s", dir.data);
            goto done;
        }
        struct dirent *de;
        while ((de = readdir(d)) && nnames < RUNBOOK_NAMES_SEEN_MAX) {
            if (!wanted(de->d_name))
                continue;
            names = xrealloc(names, (nnames + 1) * sizeof *names);
            names[nnames++] = xstrdup(de->d_name);
        }
        closedir(d);
    } else {
        const char *branch = repo_current_branch(repo);
        snprintf(set->source, sizeof set->source, "%.60s", branch ? branch : "HEAD");
        char **all = NULL;
        size_t nall = 0;
        rc = repo_list_dir(&all, &nall, repo, NULL, RUNBOOK_DIR);
        if (rc == REPO_ENOTFOUND) {
            rc = 0;
            goto done;
        }
        if (rc < 0)
            goto done;
        for (size_t i = 0; i < nall; i++) {
            if (wanted(all[i]) && nnames < RUNBOOK_NAMES_SEEN_MAX) {
                names = xrealloc(names, (nnames + 1) * sizeof *names);
                names[nnames++] = all[i];
            } else {
                free(all[i]);
            }
        }
        free(all);
    }
    if (nnames > 1)
        qsort(names, nnames, sizeof *names, compare_names);
    if (nnames > RUNBOOK_FILES_MAX) {
        /* the same ones every time: the first in name order */
        char what[160];
        snprintf(what, sizeof what, "%s/: %zu%s runbooks, only the first %d in name order are read", RUNBOOK_DIR,
                 nnames, nnames == RUNBOOK_NAMES_SEEN_MAX ? " or more" : "", RUNBOOK_FILES_MAX);
        set_problem(set, what);
        for (size_t i = RUNBOOK_FILES_MAX; i < nnames; i++)
            free(names[i]);
        nnames = RUNBOOK_FILES_MAX;
    }
    for (size_t i = 0; i < nnames; i++) {
        buf_reset(&path);
        buf_reset(&text);
        buf_reset(&shown);
        buf_printf(&shown, "%s/%s", RUNBOOK_DIR, names[i]);
        int read_rc;
        if (from_tree) {
            buf_printf(&path, "%s/%s", dir.data, names[i]);
            read_rc = read_working_tree_file(&text, path.data);
        } else {
            read_rc = repo_read_file(&text, repo, NULL, shown.data);
            if (read_rc == 0 && text.len > RUNBOOK_FILE_MAX)
                read_rc = error_set("%s:1:1: larger than %d KiB", shown.data, RUNBOOK_FILE_MAX / 1024);
        }
        if (read_rc < 0) {
            struct buf msg = BUF_INIT;
            text_clean(&msg, error_last(), strlen(error_last()), 0);
            set_problem(set, buf_str(&msg));
            buf_free(&msg);
            continue;
        }
        set_add(set, shown.data, &text);
    }
    rc = 0;
done:
    for (size_t i = 0; i < nnames; i++)
        free(names[i]);
    free(names);
    buf_free(&dir);
    buf_free(&path);
    buf_free(&text);
    buf_free(&shown);
    repo_free(repo);
    return rc;
}

void runbook_set_free(struct runbook_set *set)
{
    for (size_t i = 0; i < set->n; i++)
        runbook_free(set->books[i]);
    free(set->books);
    for (size_t i = 0; i < set->nproblems; i++)
        free(set->problems[i]);
    free(set->problems);
    memset(set, 0, sizeof *set);
}

/* The file's name without its directory and extension. */
static bool stem_is(const struct runbook *rb, const char *name)
{
    const char *base = strrchr(rb->path, '/');
    base = base ? base + 1 : rb->path;
    const char *dot = strrchr(base, '.');
    size_t n = dot ? (size_t)(dot - base) : strlen(base);
    return strlen(name) == n && strncmp(base, name, n) == 0;
}

static bool lists(const struct runbook *rb, const char *name)
{
    for (size_t i = 0; i < rb->nalert_names; i++)
        if (strcmp(rb->alert_names[i], name) == 0)
            return true;
    /* a Markdown runbook has no list: it is named after its alert */
    return rb->markdown && stem_is(rb, name);
}

const struct runbook *runbook_set_match(const struct runbook_set *set, const char *const *names, size_t n)
{
    for (size_t k = 0; k < n; k++)
        for (size_t i = 0; i < set->n; i++)
            if (lists(set->books[i], names[k]))
                return set->books[i];
    return NULL;
}

const struct runbook *runbook_set_find(const struct runbook_set *set, const char *name)
{
    const char *one[] = {name};
    const struct runbook *rb = runbook_set_match(set, one, 1);
    for (size_t i = 0; !rb && i < set->n; i++) {
        const struct runbook *b = set->books[i];
        const char *base = strrchr(b->path, '/');
        if (strcmp(b->path, name) == 0 || strcmp(base ? base + 1 : b->path, name) == 0 || stem_is(b, name))
            rb = b;
    }
    return rb;
}

void runbook_draft_alert(struct event_draft *d, const char *name, const char *repo_path, const char *base_url)
{
    struct runbook_set set;
    event_draft_str(d, "name", name);
    if (runbook_set_load(&set, repo_path) < 0)
        return;
    const char *one[] = {name};
    const struct runbook *rb = runbook_set_match(&set, one, 1);
    if (rb) {
        char *link = runbook_link(rb, base_url);
        event_draft_str(d, "runbook", rb->path);
        event_draft_str(d, "runbook_url", link);
        free(link);
    }
    runbook_set_free(&set);
}

/* ---- the estimate ---- */

bool runbook_estimate(const struct runbook *rb, const struct incident *inc, int64_t now, double *amount,
                      int64_t *minutes)
{
    if (!rb || rb->revenue_per_minute < 0 || inc->impact_at == STAMP_NONE)
        return false;
    int64_t end = inc->mitigated_at != STAMP_NONE ? inc->mitigated_at : now;
    int64_t span = end > inc->impact_at ? end - inc->impact_at : 0;
    *minutes = span / STAMP_MINUTE;
    *amount = rb->revenue_per_minute * (double)*minutes;
    return true;
}

void runbook_format_money(struct buf *out, const char *currency, double amount)
{
    char digits[32];
    snprintf(digits, sizeof digits, "%.0f", amount < 0 ? 0 : amount > 1e15 ? 1e15 : amount);
    size_t n = strlen(digits);
    buf_printf(out, "~%s", currency);
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            buf_addc(out, ',');
        buf_addc(out, digits[i]);
    }
}

void runbook_postmortem_context(json_t *ctx, const struct incident *inc, const char *repo_path, int64_t now)
{
    struct runbook_set set;
    json_object_set_new(ctx, "revenue", json_null());
    if (runbook_set_load(&set, repo_path) < 0)
        return;                           /* no figure beats a wrong one: the template asks */
    const struct runbook *rb = runbook_set_match(&set, inc->alert_names, inc->nalert_names);
    double amount;
    int64_t minutes;
    if (runbook_estimate(rb, inc, now, &amount, &minutes)) {
        struct buf estimate = BUF_INIT, text = BUF_INIT;
        runbook_format_money(&estimate, rb->currency, amount);
        buf_printf(&text, "%s (estimate: %lld min of impact%s at ", buf_str(&estimate), (long long)minutes,
                   inc->mitigated_at == STAMP_NONE ? " so far" : "");
        runbook_format_money(&text, rb->currency, rb->revenue_per_minute);
        bool peak = rb->rate_from_text && rb->impact && strstr(rb->impact, "peak");
        buf_printf(&text, "/min, the %srate in %s)", peak ? "peak " : "", rb->path);
        json_t *revenue = json_object();
        json_object_set_new(revenue, "estimate", json_string(buf_str(&estimate)));
        json_object_set_new(revenue, "text", json_string(buf_str(&text)));
        json_object_set_new(revenue, "runbook", json_string(rb->path));
        json_object_set_new(ctx, "revenue", revenue);
        buf_free(&estimate);
        buf_free(&text);
    }
    runbook_set_free(&set);
}

/* ---- for a reader ---- */

const struct event *runbook_step_done(const struct incident *inc, const struct runbook *rb,
                                      const struct runbook_step *step)
{
    for (size_t i = inc ? inc->nrunbook_marks : 0; i-- > 0;) {
        const struct event *ev = inc->runbook_marks[i];
        const char *path = event_str(ev, "runbook"), *section = event_str(ev, "section"),
                   *title = event_str(ev, "step");
        if (path && section && title && strcmp(path, rb->path) == 0 &&
            strcmp(section, section_names[step->section]) == 0 && strcmp(title, step->title) == 0)
            return ev;
    }
    return NULL;
}

void runbook_describe(struct buf *out, const struct runbook *rb, const struct incident *inc)
{
    buf_printf(out, "%s  (%s)\n", rb->title, rb->path);
    if (rb->markdown) {
        buf_printf(out, "\n%s\n", rb->text);
        return;
    }
    if (rb->service)
        buf_printf(out, "service   %s\n", rb->service);
    if (rb->severity)
        buf_printf(out, "severity  %s\n", rb->severity);
    if (rb->owner)
        buf_printf(out, "owner     %s\n", rb->owner);
    if (rb->nalert_names) {
        buf_adds(out, "alerts    ");
        for (size_t i = 0; i < rb->nalert_names; i++)
            buf_printf(out, "%s%s", i ? ", " : "", rb->alert_names[i]);
        buf_addc(out, '\n');
    }
    if (rb->impact)
        buf_printf(out, "impact    %s\n", rb->impact);
    if (rb->revenue_per_minute >= 0) {
        buf_adds(out, "rate      ");
        runbook_format_money(out, rb->currency, rb->revenue_per_minute);
        buf_printf(out, "/min%s\n", rb->rate_from_text ? " (read from the impact text)" : "");
    }
    static const char *const headings[RUNBOOK_SECTION_COUNT] = {"Diagnosis", "Mitigation", "Recovery"};
    int last = -1;
    for (size_t i = 0; i < rb->nsteps; i++) {
        const struct runbook_step *st = &rb->steps[i];
        if ((int)st->section != last) {
            buf_printf(out, "\n%s\n", headings[st->section]);
            last = (int)st->section;
        }
        const struct event *done = runbook_step_done(inc, rb, st);
        buf_printf(out, "  %2u. [%s] %s\n", st->number, done ? "x" : " ", st->title);
        if (st->when)
            buf_printf(out, "        when:     %s\n", st->when);
        if (st->command)
            buf_printf(out, "        $ %s\n", st->command);
        if (st->expected)
            buf_printf(out, "        expected: %s\n", st->expected);
        if (st->verify)
            buf_printf(out, "        verify:   %s\n", st->verify);
        if (done) {
            char when[STAMP_TEXT_MAX];
            const char *result = event_str(done, "result");
            buf_printf(out, "        done %s by %s%s%s\n", stamp_format_iso_s(when, done->at), done->by,
                       result && *result ? ": " : "", result && *result ? result : "");
        }
    }
}
