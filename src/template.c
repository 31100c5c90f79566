#include "warroom/template.h"

#include <locale.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "warroom/error.h"
#include "warroom/text.h"

/* Parsing goes through a flat token list first: deciding whether a line is
 * standalone, or whether a tag sits on a table row, needs the whole line, and
 * that is simplest to see before the tree is built. */
enum token_kind {
    TOKEN_TEXT, /* never holds a newline except as its last byte */
    TOKEN_VALUE,
    TOKEN_RAW,
    TOKEN_SECTION,
    TOKEN_INVERTED,
    TOKEN_CLOSE,
    TOKEN_COMMENT,
};

struct token {
    enum token_kind kind;
    size_t off, len;           /* TEXT: the text; a tag: the whole tag */
    size_t name_off, name_len; /* tags other than comments */
    bool dropped;              /* TEXT of a standalone line */
    enum template_where where; /* VALUE */
};

struct parser {
    const char *src;
    size_t len;
    struct token *tokens;
    size_t count, cap;
};

/* The compiled form is a flat array: a section's body is the nodes after it up
 * to its END, so rendering a body is a loop over a range, and freeing is two
 * calls. Names and text live in STRINGS, addressed by offset. */
enum node_kind {
    NODE_TEXT,
    NODE_VALUE,
    NODE_RAW,
    NODE_SECTION,
    NODE_INVERTED,
};

struct node {
    enum node_kind kind;
    enum template_where where;
    size_t off, len; /* TEXT: the text; others: the name */
    size_t end;      /* SECTION, INVERTED: index of the node after the body */
};

struct template {
    struct buf strings;
    struct node *nodes;
    size_t count, cap;
};

struct render {
    const struct template *tpl;
    struct buf *out;
    size_t start;
    const json_t *stack[TEMPLATE_MAX_DEPTH + 1];
    size_t depth;
    size_t steps;
    struct buf raw;   /* a value as text, before cleaning */
    struct buf clean; /* the same, text_clean'ed */
};

static bool char_is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static bool char_is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Locale-independent on purpose: the console runs under setlocale(). */
static bool char_is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool char_is_letter(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool char_is_alnum(char c)
{
    return char_is_digit(c) || char_is_letter(c);
}

/* Characters around the '@' of an address an autolinker would take (the local
 * part's set, which covers the domain's). */
static bool char_is_address(char c)
{
    return char_is_alnum(c) || c == '.' || c == '-' || c == '_' || c == '+';
}

static char char_lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* ---- escaping ---- */

/* The K-th byte from the end of OUT, 0 when there is none. Looking at what is
 * already written, rather than at the value alone, catches a URL split across
 * two values ({{a}}{{b}}, or the items of a list) or across template text and
 * a value, and tells where a line really starts. Escapes only ever prefix a
 * backslash, so the byte is the character a reader sees. */
static char out_back(const struct buf *out, size_t k)
{
    return out->len >= k ? out->data[out->len - k] : '\0';
}

static void escape_char(struct buf *out, char c)
{
    buf_addc(out, '\\');
    buf_addc(out, c);
}

static bool char_is_punct(char c)
{
    return c > 0x20 && c < 0x7f && !char_is_alnum(c);
}

/* True when what OUT holds since its last newline is only indentation and
 * container markers ("> ", "- ", "1. "...): a block (heading, list, quote,
 * fence, HTML) would open at this point. After "| " or any text it would not. */
static bool out_at_block_start(const struct buf *out)
{
    size_t i = out->len;
    while (i > 0 && out->data[i - 1] != '\n')
        i--;
    const char *p = out->data ? out->data + i : "", *end = out->data ? out->data + out->len : p;
    while (p < end) {
        if (char_is_blank(*p) || *p == '>') {
            p++;
            continue;
        }
        const char *q = p;
        if (*q == '-' || *q == '*' || *q == '+') {
            q++;
        } else {
            while (q < end && char_is_digit(*q) && q - p < 9)
                q++;
            if (q == p || q == end || (*q != '.' && *q != ')'))
                return false;
            q++;
        }
        if (q < end && !char_is_blank(*q))
            return false;                 /* "-5" or "1.5": text, not a marker */
        p = q;
    }
    return true;
}

/* What a character next to a delimiter run can be, as CommonMark's flanking
 * rules see it. A character that is not known (past the end of the value, or
 * a non-ASCII one, which may be Unicode punctuation or space) is all of them
 * at once, so the escaping decides for the worst case. */
enum { SIDE_SPACE = 1, SIDE_PUNCT = 2, SIDE_OTHER = 4, SIDE_ANY = 7 };

static unsigned side_of(char c)
{
    if (c == '\0' || char_is_space(c))
        return SIDE_SPACE;
    if ((unsigned char)c >= 0x80)
        return SIDE_ANY;
    return char_is_punct(c) ? SIDE_PUNCT : SIDE_OTHER;
}

/* True when a run of C (one of * _ ~ $) between a character of kinds BEFORE
 * and one of kinds AFTER could open or close emphasis, strikethrough or math:
 * "a_b" cannot (GFM leaves '_' inside a word alone), nor can " * ". */
static bool run_is_active(char c, unsigned before, unsigned after)
{
    for (unsigned p = 1; p <= 4; p <<= 1) {
        if (!(before & p))
            continue;
        for (unsigned n = 1; n <= 4; n <<= 1) {
            if (!(after & n))
                continue;
            bool left = n != SIDE_SPACE && (n != SIDE_PUNCT || p != SIDE_OTHER);
            bool right = p != SIDE_SPACE && (p != SIDE_PUNCT || n != SIDE_OTHER);
            bool open = c == '_' ? left && (!right || p == SIDE_PUNCT) : left;
            bool close = c == '_' ? right && (!left || n == SIDE_PUNCT) : right;
            if (open || close)
                return true;
        }
    }
    return false;
}

/* How many runs of C in S[A..B) stand between blanks (" * "): CommonMark
 * leaves such a run alone, but two on one line read as emphasis to people and
 * to markdownlint (MD037), so then they are escaped too. */
static size_t loose_runs(const char *s, size_t a, size_t b, char c)
{
    size_t n = 0;
    for (size_t i = a; i < b; i++) {
        if (s[i] != c || (i > a && s[i - 1] == c))
            continue;
        size_t j = i;
        while (j < b && s[j] == c)
            j++;
        if ((i == a || char_is_blank(s[i - 1])) && (j == b || char_is_blank(s[j])))
            n++;
    }
    return n;
}

/* How many loose runs of C (between blanks, not escaped) the output's current
 * line already holds: what an earlier cell of the row, or an earlier line of a
 * value joined with " / ", wrote there counts toward the pair as well. */
static size_t loose_runs_written(const struct buf *out, char c)
{
    size_t a = out->len;
    while (a > 0 && out->data[a - 1] != '\n')
        a--;
    return out->len > a ? loose_runs(out->data, a, out->len, c) : 0;
}

/* True when S[I..B) starting with '&' reads as an entity ("&amp;", "&#60;",
 * "&#x3c;"), or could become one with what follows the value. */
static bool amp_is_entity(const char *s, size_t i, size_t b, bool last)
{
    size_t j = i + 1, from;
    if (j < b && s[j] == '#') {
        j++;
        if (j < b && (s[j] == 'x' || s[j] == 'X'))
            j++;
    }
    from = j;
    while (j < b && char_is_alnum(s[j]) && j - from < 32)
        j++;
    if (j == b)
        return last;
    return j > from && s[j] == ';';
}

/* True when S[A..B) could be a table's delimiter row ("--- | :-:"): the value
 * would turn the line above it into a table header. */
static bool line_is_delimiter_row(const char *s, size_t a, size_t b)
{
    bool pipe = false, dash = false;
    for (size_t i = a; i < b; i++) {
        if (s[i] == '|')
            pipe = true;
        else if (s[i] == '-')
            dash = true;
        else if (s[i] != ':' && !char_is_blank(s[i]))
            return false;
    }
    return pipe && dash;
}

/* True when S[A..B) is only C (at least MIN of it) and blanks. */
static bool line_is_only(const char *s, size_t a, size_t b, char c, size_t min)
{
    size_t n = 0;
    for (size_t i = a; i < b; i++) {
        if (s[i] == c)
            n++;
        else if (!char_is_blank(s[i]))
            return false;
    }
    return n >= min;
}

/* At a block start, how many leading characters of S[A..B) open a block, and
 * so are escaped: a heading "# ", a list item "- " "+ " "* " "1. " "1) ", a
 * quote '>', a thematic break or setext underline ("---", "***", "___",
 * "==="), a fence "~~~" (backticks are always escaped). The index of the one
 * character to escape is stored in *AT; returns false when none opens. */
static bool block_opener(const char *s, size_t a, size_t b, size_t *at)
{
    char c = s[a];
    bool ends = a + 1 == b || char_is_blank(s[a + 1]);
    *at = a;
    switch (c) {
    case '>':
        return true;
    case '#': {
        size_t j = a;
        while (j < b && s[j] == '#')
            j++;
        return j - a <= 6 && (j == b || char_is_blank(s[j]));
    }
    case '-':
        return ends || line_is_only(s, a, b, '-', 1);
    case '+':
        return ends;
    case '*':
        return ends || line_is_only(s, a, b, '*', 3);
    case '_':
        return line_is_only(s, a, b, '_', 3);
    case '=':
        return line_is_only(s, a, b, '=', 1);
    case '~':
        return b - a >= 3 && s[a + 1] == '~' && s[a + 2] == '~';
    default:
        break;
    }
    if (char_is_digit(c)) {
        size_t j = a;
        while (j < b && char_is_digit(s[j]) && j - a < 10)
            j++;
        if (j - a <= 9 && j < b && (s[j] == '.' || s[j] == ')') && (j + 1 == b || char_is_blank(s[j + 1]))) {
            *at = j;
            return true;
        }
    }
    return false;
}

/* Writes one trimmed, non-empty line S[A..B) of a value. LAST: the value's last
 * line, after which comes whatever the template has (not known here, so taken
 * at its worst); other lines end in a newline or " / ". */
static void escape_line(struct buf *out, const char *s, size_t a, size_t b, enum template_where where, bool last)
{
    size_t opener = (size_t)-1;
    if (out_at_block_start(out) && !block_opener(s, a, b, &opener))
        opener = (size_t)-1;
    bool delimiter_row = where != TEMPLATE_CELL && line_is_delimiter_row(s, a, b);
    size_t closing = (size_t)-1;      /* a heading's closing "#" run: it would vanish */
    if (where == TEMPLATE_LINE && last && s[b - 1] == '#') {
        size_t j = b;
        while (j > a && s[j - 1] == '#')
            j--;
        if ((j > a && char_is_blank(s[j - 1])) || (j == a && side_of(out_back(out, 1)) == SIDE_SPACE))
            closing = j;
    }

    for (size_t i = a; i < b; i++) {
        char c = s[i];
        char next = i + 1 < b ? s[i + 1] : '\0';
        bool at_end = i + 1 == b;
        if (i == opener || i == closing) {
            escape_char(out, c);
            if (c == '~') {                       /* the whole fence */
                while (i + 1 < b && s[i + 1] == '~')
                    escape_char(out, s[++i]);
            }
            continue;
        }
        switch (c) {
        case ' ':
        case '\t':
            /* Runs of spaces collapse when read anyway; kept, they only
             * misalign table pipes and trip linters. */
            if (!char_is_blank(s[i - 1]))
                buf_addc(out, ' ');
            continue;
        case '*': case '_': case '~': case '$': {
            size_t j = i;
            while (j < b && s[j] == c)
                j++;
            unsigned before = side_of(out_back(out, 1));
            unsigned after = j < b ? side_of(s[j]) : last ? SIDE_ANY : SIDE_SPACE;
            bool active = run_is_active(c, before, after) ||
                          loose_runs(s, a, b, c) + loose_runs_written(out, c) >= 2;
            for (; i < j; i++) {
                if (active)
                    buf_addc(out, '\\');
                buf_addc(out, c);
            }
            i--;
            continue;
        }
        case '`':
        case '[':
            escape_char(out, c);              /* code spans; links, images, footnotes */
            continue;
        case ']':
            if (at_end ? last : next == '(' || next == '[' || next == ':')
                escape_char(out, c);          /* would close a '[' of the template's */
            else
                buf_addc(out, c);
            continue;
        case '<':
            /* raw HTML and autolinks need a letter, '/', '!' or '?' next:
             * "30s -> 3s" and "a < b" stay as they are */
            if (at_end ? last : char_is_letter(next) || next == '/' || next == '!' || next == '?')
                escape_char(out, c);
            else
                buf_addc(out, c);
            continue;
        case '\\':
            if (at_end || char_is_punct(next))
                escape_char(out, c);          /* an escape, or a hard line break */
            else
                buf_addc(out, c);
            continue;
        case '&':
            if (amp_is_entity(s, i, b, last))
                escape_char(out, c);
            else
                buf_addc(out, c);
            continue;
        case '|':
            if (where == TEMPLATE_CELL || delimiter_row)
                escape_char(out, c);
            else
                buf_addc(out, c);
            continue;
        default:
            break;
        }
        if (c == ':' && i + 2 < b && s[i + 1] == '/' && s[i + 2] == '/') {
            buf_adds(out, "\\[:\\]");
        } else if (c == '/' && out_back(out, 1) == '/' && out_back(out, 2) == ':') {
            buf_adds(out, "\\[/\\]");
        } else if (c == '.' && char_lower(out_back(out, 1)) == 'w'
                   && char_lower(out_back(out, 2)) == 'w'
                   && char_lower(out_back(out, 3)) == 'w') {
            buf_adds(out, "\\[.\\]");
        } else if (c == '@' && char_is_address(out_back(out, 1))
                   && (i + 1 == b || char_is_address(s[i + 1]))) {
            buf_adds(out, "\\[@\\]");
        } else {
            buf_addc(out, c);
        }
    }
}

/* S must be clean already (text_clean with TEXT_KEEP_NEWLINES). */
static void escape_clean(struct buf *out, const char *s, size_t len, enum template_where where)
{
    size_t start = out->len;
    bool flat = where != TEMPLATE_INLINE;
    bool wrote = false, gap = false;
    size_t pos = 0;

    /* the end of the last line that holds anything */
    size_t content_end = len;
    while (content_end > 0 && char_is_space(s[content_end - 1]))
        content_end--;

    for (;;) {
        const char *nl = memchr(s + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - s) : len;
        size_t a = pos, b = end;
        while (a < b && char_is_blank(s[a]))
            a++;
        while (b > a && char_is_blank(s[b - 1]))
            b--;
        if (a < b) {
            if (wrote)
                buf_adds(out, flat ? " / " : gap ? "\n\n" : "\n");
            escape_line(out, s, a, b, where, b == content_end);
            wrote = true;
            gap = false;
        } else if (wrote) {
            gap = true;
        }
        if (!nl)
            break;
        pos = end + 1;
    }

    /* A GFM table splits its row before resolving escapes, and takes any "\|"
     * as an escaped pipe: a value ending in "\\" would swallow the pipe that
     * closes its cell. */
    if (where == TEMPLATE_CELL && out->len - start >= 2 && out_back(out, 1) == '\\') {
        out->len -= 2;
        buf_adds(out, "&#92;");
    }
}

/* Newlines as text_clean keeps them: CRLF and a lone CR both become LF, so a
 * value typed on any system breaks lines the same way. */
static void add_lines(struct buf *out, const char *s, size_t len)
{
    buf_grow(out, len);
    for (size_t i = 0; i < len; i++) {
        if (s[i] != '\r')
            buf_addc(out, s[i]);
        else if (i + 1 == len || s[i + 1] != '\n')
            buf_addc(out, '\n');
    }
}

void template_escape(struct buf *out, const char *s, size_t len, enum template_where where)
{
    struct buf raw = BUF_INIT, clean = BUF_INIT;
    add_lines(&raw, s, len);
    text_clean(&clean, buf_str(&raw), raw.len, TEXT_KEEP_NEWLINES);
    escape_clean(out, buf_str(&clean), clean.len, where);
    buf_free(&raw);
    buf_free(&clean);
}

/* ---- parsing ---- */

static void parser_position(const struct parser *p, size_t off, size_t *line, size_t *col)
{
    size_t line_start = 0;
    *line = 1;
    for (size_t i = 0; i < off && i < p->len; i++) {
        if (p->src[i] == '\n') {
            (*line)++;
            line_start = i + 1;
        }
    }
    *col = 1;
    for (size_t i = line_start; i < off && i < p->len; i++) {
        if (((unsigned char)p->src[i] & 0xc0) != 0x80)
            (*col)++;
    }
}

static int parser_error(const struct parser *p, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int parser_error(const struct parser *p, size_t off, const char *fmt, ...)
{
    char what[512];
    size_t line, col;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    parser_position(p, off, &line, &col);
    return error_set("template:%zu:%zu: %s", line, col, what);
}

static struct token *parser_add_token(struct parser *p, enum token_kind kind, size_t off, size_t len)
{
    if (p->count == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 64;
        p->tokens = xrealloc(p->tokens, p->cap * sizeof *p->tokens);
    }
    struct token *t = &p->tokens[p->count++];
    memset(t, 0, sizeof *t);
    t->kind = kind;
    t->off = off;
    t->len = len;
    return t;
}

static void parser_add_text(struct parser *p, size_t from, size_t to)
{
    while (from < to) {
        const char *nl = memchr(p->src + from, '\n', to - from);
        size_t end = nl ? (size_t)(nl - p->src) + 1 : to;
        parser_add_token(p, TOKEN_TEXT, from, end - from);
        from = end;
    }
}

static bool name_is_valid(const char *s, size_t len)
{
    if (len == 1 && s[0] == '.')
        return true;
    bool need_part = true;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '.') {
            if (need_part)
                return false;
            need_part = true;
        } else if (char_is_alnum(s[i]) || s[i] == '_' || s[i] == '-') {
            need_part = false;
        } else {
            return false;
        }
    }
    return !need_part;
}

static const char *find(const char *hay, size_t from, size_t to, const char *needle)
{
    if (from >= to)
        return NULL;
    return memmem(hay + from, to - from, needle, strlen(needle));
}

/* Reads the tag whose "{{" is at AT; *NEXT gets the offset after it. */
static int parser_read_tag(struct parser *p, size_t at, size_t *next)
{
    size_t i = at + 2;
    char sigil = i < p->len ? p->src[i] : '\0';
    enum token_kind kind = TOKEN_VALUE;
    size_t name_from, name_to;

    if (sigil == '!') {
        const char *close = find(p->src, i + 1, p->len, "}}");
        if (!close)
            return parser_error(p, at, "comment opened here is never closed");
        *next = (size_t)(close - p->src) + 2;
        parser_add_token(p, TOKEN_COMMENT, at, *next - at);
        return 0;
    }

    /* Other tags end on their own line: an unclosed "{{" is then reported where
     * it is, not as a strange name somewhere further down. */
    const char *nl = memchr(p->src + at, '\n', p->len - at);
    size_t line_end = nl ? (size_t)(nl - p->src) : p->len;

    if (sigil == '{') {
        const char *close = find(p->src, i + 1, line_end, "}}}");
        if (!close)
            return parser_error(p, at, "tag \"{{{\" opened here is never closed with \"}}}\"");
        kind = TOKEN_RAW;
        name_from = i + 1;
        name_to = (size_t)(close - p->src);
        *next = name_to + 3;
    } else {
        const char *close = find(p->src, i, line_end, "}}");
        if (!close)
            return parser_error(p, at, "tag \"{{\" opened here is never closed");
        name_from = i;
        name_to = (size_t)(close - p->src);
        *next = name_to + 2;
        switch (sigil) {
        case '#': kind = TOKEN_SECTION; name_from++; break;
        case '^': kind = TOKEN_INVERTED; name_from++; break;
        case '/': kind = TOKEN_CLOSE; name_from++; break;
        case '&': kind = TOKEN_RAW; name_from++; break;
        case '>': return parser_error(p, at, "partials (\"{{>\") are not supported");
        case '=': return parser_error(p, at, "changing delimiters (\"{{=\") is not supported");
        default: break;
        }
    }

    while (name_from < name_to && char_is_blank(p->src[name_from]))
        name_from++;
    while (name_to > name_from && char_is_blank(p->src[name_to - 1]))
        name_to--;
    size_t name_len = name_to - name_from;
    if (name_len == 0)
        return parser_error(p, at, "tag has an empty name");
    if (name_len > TEMPLATE_MAX_NAME)
        return parser_error(p, at, "tag name is longer than %d bytes", TEMPLATE_MAX_NAME);
    if (!name_is_valid(p->src + name_from, name_len))
        return parser_error(p, at, "tag name is not valid (letters, digits, '_' and '-', joined by '.')");

    struct token *t = parser_add_token(p, kind, at, *next - at);
    t->name_off = name_from;
    t->name_len = name_len;
    return 0;
}

static int parser_tokenize(struct parser *p)
{
    size_t pos = 0;
    while (pos < p->len) {
        const char *open = find(p->src, pos, p->len, "{{");
        size_t text_end = open ? (size_t)(open - p->src) : p->len;
        parser_add_text(p, pos, text_end);
        if (!open)
            break;
        int rc = parser_read_tag(p, text_end, &pos);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static bool text_is_blank(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (!char_is_space(s[i]))
            return false;
    }
    return true;
}

/* True when a line starting with S (the text before the line's first tag) opens
 * a heading, a list item or a block quote: a newline in a value there would end
 * the heading or leave the item, so values on such a line stay on it. A marker
 * right before a tag is no marker: values are trimmed, so no space follows. */
static bool line_is_container(const char *s, size_t len)
{
    size_t i = 0;
    while (i < len && char_is_blank(s[i]))
        i++;
    if (i == len)
        return false;
    if (s[i] == '#' || s[i] == '>')
        return true;
    if (s[i] == '-' || s[i] == '*' || s[i] == '+')
        return i + 1 < len && char_is_space(s[i + 1]);
    size_t digits = 0;
    while (i < len && char_is_digit(s[i]) && digits < 10) {
        i++;
        digits++;
    }
    return digits >= 1 && digits <= 9 && i < len && (s[i] == '.' || s[i] == ')')
           && i + 1 < len && char_is_space(s[i + 1]);
}

/* Tokens FROM..TO are one line of the template. */
static void parser_mark_line(struct parser *p, size_t from, size_t to)
{
    bool has_tag = false, quiet = true, table = false;
    const struct token *first = &p->tokens[from];
    bool one_line = first->kind == TOKEN_TEXT && line_is_container(p->src + first->off, first->len);
    for (size_t j = from; j < to; j++) {
        const struct token *t = &p->tokens[j];
        switch (t->kind) {
        case TOKEN_TEXT:
            if (!text_is_blank(p->src + t->off, t->len))
                quiet = false;
            if (memchr(p->src + t->off, '|', t->len))
                table = true;
            break;
        case TOKEN_VALUE:
        case TOKEN_RAW:
            quiet = false;
            has_tag = true;
            break;
        default:
            has_tag = true;
            break;
        }
    }
    for (size_t j = from; j < to; j++) {
        struct token *t = &p->tokens[j];
        if (t->kind == TOKEN_TEXT && has_tag && quiet)
            t->dropped = true;
        if (t->kind == TOKEN_VALUE)
            t->where = table ? TEMPLATE_CELL : one_line ? TEMPLATE_LINE : TEMPLATE_INLINE;
    }
}

static void parser_mark_lines(struct parser *p)
{
    size_t start = 0;
    for (size_t i = 0; i < p->count; i++) {
        const struct token *t = &p->tokens[i];
        bool line_ends = (t->kind == TOKEN_TEXT && p->src[t->off + t->len - 1] == '\n')
                         || i + 1 == p->count;
        if (line_ends) {
            parser_mark_line(p, start, i + 1);
            start = i + 1;
        }
    }
}

static struct node *template_add_node(struct template *tpl, enum node_kind kind)
{
    if (tpl->count == tpl->cap) {
        tpl->cap = tpl->cap ? tpl->cap * 2 : 32;
        tpl->nodes = xrealloc(tpl->nodes, tpl->cap * sizeof *tpl->nodes);
    }
    struct node *n = &tpl->nodes[tpl->count++];
    memset(n, 0, sizeof *n);
    n->kind = kind;
    return n;
}

static struct node *template_add_named(struct template *tpl, enum node_kind kind,
                                       const struct parser *p, const struct token *t)
{
    struct node *n = template_add_node(tpl, kind);
    n->off = tpl->strings.len;
    n->len = t->name_len;
    buf_add(&tpl->strings, p->src + t->name_off, t->name_len);
    buf_addc(&tpl->strings, '\0');
    return n;
}

static int parser_build(struct parser *p, struct template *tpl)
{
    size_t open_token[TEMPLATE_MAX_DEPTH], open_node[TEMPLATE_MAX_DEPTH];
    size_t depth = 0;
    bool text_open = false; /* the last node is text that more text may join */

    for (size_t i = 0; i < p->count; i++) {
        const struct token *t = &p->tokens[i];
        switch (t->kind) {
        case TOKEN_TEXT: {
            if (t->dropped)
                break;
            size_t before = tpl->strings.len;
            /* The template is the team's text, but it comes from a repository
             * and ends up in front of readers like any other. */
            text_clean(&tpl->strings, p->src + t->off, t->len, TEXT_KEEP_NEWLINES | TEXT_KEEP_TABS);
            size_t added = tpl->strings.len - before;
            if (!added)
                break;
            if (text_open) {
                tpl->nodes[tpl->count - 1].len += added;
            } else {
                struct node *n = template_add_node(tpl, NODE_TEXT);
                n->off = before;
                n->len = added;
                text_open = true;
            }
            break;
        }
        case TOKEN_VALUE:
        case TOKEN_RAW: {
            struct node *n = template_add_named(tpl, t->kind == TOKEN_RAW ? NODE_RAW : NODE_VALUE, p, t);
            n->where = t->where;
            text_open = false;
            break;
        }
        case TOKEN_SECTION:
        case TOKEN_INVERTED:
            if (depth == TEMPLATE_MAX_DEPTH)
                return parser_error(p, t->off, "sections are nested more than %d deep", TEMPLATE_MAX_DEPTH);
            template_add_named(tpl, t->kind == TOKEN_SECTION ? NODE_SECTION : NODE_INVERTED, p, t);
            open_token[depth] = i;
            open_node[depth] = tpl->count - 1;
            depth++;
            text_open = false;
            break;
        case TOKEN_CLOSE: {
            if (depth == 0)
                return parser_error(p, t->off, "\"{{/%.*s}}\" closes no open section",
                                    (int)t->name_len, p->src + t->name_off);
            const struct token *o = &p->tokens[open_token[depth - 1]];
            if (o->name_len != t->name_len
                || memcmp(p->src + o->name_off, p->src + t->name_off, t->name_len) != 0) {
                size_t line, col;
                parser_position(p, o->off, &line, &col);
                return parser_error(p, t->off, "\"{{/%.*s}}\" does not close section \"%.*s\" opened at %zu:%zu",
                                    (int)t->name_len, p->src + t->name_off,
                                    (int)o->name_len, p->src + o->name_off, line, col);
            }
            depth--;
            tpl->nodes[open_node[depth]].end = tpl->count;
            text_open = false;
            break;
        }
        case TOKEN_COMMENT:
            break;
        }
    }
    if (depth > 0) {
        const struct token *o = &p->tokens[open_token[depth - 1]];
        return parser_error(p, o->off, "section \"%.*s\" opened here is never closed",
                            (int)o->name_len, p->src + o->name_off);
    }
    return 0;
}

int template_parse(struct template **out, const char *text, size_t len)
{
    struct parser p = { text, len, NULL, 0, 0 };
    struct template *tpl = NULL;
    int rc;

    *out = NULL;
    if (len > TEMPLATE_MAX_SIZE) {
        rc = parser_error(&p, TEMPLATE_MAX_SIZE, "template is longer than %u bytes", TEMPLATE_MAX_SIZE);
        goto done;
    }
    if ((rc = parser_tokenize(&p)) < 0)
        goto done;
    parser_mark_lines(&p);
    tpl = xcalloc(1, sizeof *tpl);
    if ((rc = parser_build(&p, tpl)) < 0)
        goto done;
    *out = tpl;
    tpl = NULL;
done:
    template_free(tpl);
    free(p.tokens);
    return rc;
}

void template_free(struct template *tpl)
{
    if (!tpl)
        return;
    buf_free(&tpl->strings);
    free(tpl->nodes);
    free(tpl);
}

/* ---- rendering ---- */

static const char *node_name(const struct render *r, const struct node *n)
{
    return r->tpl->strings.data + n->off;
}

/* Mustache lookup: the first part of a dotted name walks the context stack
 * outward; once found, the rest descends from there and never walks again. */
static const json_t *render_lookup(const struct render *r, const struct node *n)
{
    const char *name = node_name(r, n);
    size_t len = n->len;
    const json_t *v = NULL;

    if (len == 1 && name[0] == '.')
        return r->stack[r->depth - 1];

    const char *dot = memchr(name, '.', len);
    size_t part = dot ? (size_t)(dot - name) : len;
    for (size_t i = r->depth; i-- > 0;) {
        if (json_is_object(r->stack[i]) && (v = json_object_getn(r->stack[i], name, part)))
            break;
    }
    while (v && dot) {
        len -= part + 1;
        name = dot + 1;
        dot = memchr(name, '.', len);
        part = dot ? (size_t)(dot - name) : len;
        v = json_is_object(v) ? json_object_getn(v, name, part) : NULL;
    }
    return v;
}

/* Shortest "%g" form that reads back as the same double, with the decimal
 * point a '.' whatever LC_NUMERIC says, so output does not depend on locale. */
static void format_real(struct buf *b, double d)
{
    char text[64];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(text, sizeof text, "%.*g", prec, d);
        if (strtod(text, NULL) == d)
            break;
    }
    const char *point = localeconv()->decimal_point;
    size_t point_len = point ? strlen(point) : 0;
    char *at = (point_len && strcmp(point, ".") != 0) ? strstr(text, point) : NULL;
    if (at) {
        buf_add(b, text, (size_t)(at - text));
        buf_addc(b, '.');
        buf_adds(b, at + point_len);
    } else {
        buf_adds(b, text);
    }
}

/* Leaves the value's text, cleaned, in r->clean. */
static void render_format(struct render *r, const json_t *v)
{
    buf_reset(&r->raw);
    buf_reset(&r->clean);
    switch (v ? json_typeof(v) : JSON_NULL) {
    case JSON_STRING:
        add_lines(&r->raw, json_string_value(v), json_string_length(v));
        break;
    case JSON_INTEGER:
        buf_printf(&r->raw, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        break;
    case JSON_REAL:
        format_real(&r->raw, json_real_value(v));
        break;
    case JSON_TRUE:
        buf_adds(&r->raw, "true");
        break;
    case JSON_FALSE:
        buf_adds(&r->raw, "false");
        break;
    default:
        break;
    }
    text_clean(&r->clean, buf_str(&r->raw), r->raw.len, TEXT_KEEP_NEWLINES);
}

static bool render_is_truthy(struct render *r, const json_t *v)
{
    if (!v)
        return false;
    switch (json_typeof(v)) {
    case JSON_OBJECT:
    case JSON_TRUE:
        return true;
    case JSON_ARRAY:
        return json_array_size(v) > 0;
    case JSON_STRING:
        /* What a reader would see: a string of spaces or of removed controls
         * is as empty as "", so the author's prompt shows instead. */
        render_format(r, v);
        return !text_is_blank(buf_str(&r->clean), r->clean.len);
    case JSON_INTEGER:
        return json_integer_value(v) != 0;
    case JSON_REAL:
        return json_real_value(v) != 0.0;
    default:
        return false;
    }
}

static int render_step(struct render *r)
{
    if (++r->steps > TEMPLATE_MAX_STEPS)
        return error_set("template: rendering takes more than %zu steps (sections nested over long lists?)",
                         (size_t)TEMPLATE_MAX_STEPS);
    return 0;
}

static int render_nodes(struct render *r, size_t from, size_t to);

static int render_body(struct render *r, const struct node *n, size_t index, const json_t *v)
{
    r->stack[r->depth++] = v;
    int rc = render_nodes(r, index + 1, n->end);
    r->depth--;
    return rc;
}

static int render_nodes(struct render *r, size_t from, size_t to)
{
    const struct template *tpl = r->tpl;
    size_t i = from;
    int rc = 0;

    while (i < to) {
        const struct node *n = &tpl->nodes[i];
        const json_t *v;
        if ((rc = render_step(r)) < 0)
            return rc;
        switch (n->kind) {
        case NODE_TEXT:
            buf_add(r->out, tpl->strings.data + n->off, n->len);
            i++;
            break;
        case NODE_VALUE:
            render_format(r, render_lookup(r, n));
            escape_clean(r->out, buf_str(&r->clean), r->clean.len, n->where);
            i++;
            break;
        case NODE_RAW:
            render_format(r, render_lookup(r, n));
            buf_add(r->out, buf_str(&r->clean), r->clean.len);
            i++;
            break;
        case NODE_SECTION:
            v = render_lookup(r, n);
            if (json_is_array(v)) {
                for (size_t k = 0; k < json_array_size(v); k++) {
                    if ((rc = render_step(r)) < 0 || (rc = render_body(r, n, i, json_array_get(v, k))) < 0)
                        return rc;
                }
            } else if (render_is_truthy(r, v)) {
                if ((rc = render_body(r, n, i, v)) < 0)
                    return rc;
            }
            i = n->end;
            break;
        case NODE_INVERTED:
            if (!render_is_truthy(r, render_lookup(r, n))) {
                if ((rc = render_nodes(r, i + 1, n->end)) < 0)
                    return rc;
            }
            i = n->end;
            break;
        }
        if (r->out->len - r->start > TEMPLATE_MAX_OUTPUT)
            return error_set("template: output is larger than %zu bytes", TEMPLATE_MAX_OUTPUT);
    }
    return 0;
}

int template_render(const struct template *tpl, const json_t *ctx, struct buf *out)
{
    struct render r;
    int rc;

    memset(&r, 0, sizeof r);
    r.tpl = tpl;
    r.out = out;
    r.start = out->len;
    r.stack[r.depth++] = ctx;
    rc = render_nodes(&r, 0, tpl->count);
    if (rc < 0 && out->data) {
        out->len = r.start;
        out->data[out->len] = '\0';
    }
    buf_free(&r.raw);
    buf_free(&r.clean);
    return rc;
}

int template_render_text(const char *text, size_t len, const json_t *ctx, struct buf *out)
{
    struct template *tpl = NULL;
    int rc = template_parse(&tpl, text, len);
    if (rc == 0)
        rc = template_render(tpl, ctx, out);
    template_free(tpl);
    return rc;
}
