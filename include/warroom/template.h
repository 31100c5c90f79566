/* template — the postmortem's small mustache-style template engine.
 * A template is compiled once (template_parse: a malformed one is an error naming
 * line and column) and rendered over a jansson context into Markdown. Every value
 * is text_clean'ed and escaped for where it lands, so nothing a responder typed can
 * break a table row or become a heading, a list, a link or raw HTML, and
 * nothing is escaped that would not (see "Escaping"). Same template
 * and same context give the same bytes. The caller owns the struct template and
 * the output buf; the template keeps no reference to its source text or context.
 *
 * Syntax
 *   {{name}} {{a.b.c}} {{.}}   a value, Markdown-escaped (see "Escaping")
 *   {{{name}}} {{&name}}       a value, text_clean'ed but not escaped (for authors
 *                              whose context holds Markdown they trust)
 *   {{#name}}...{{/name}}      section: an array renders the body once per item,
 *                              with the item pushed on the context stack; any other
 *                              truthy value renders it once with the value pushed
 *   {{^name}}...{{/name}}      inverted section: rendered once when name is falsy
 *   {{! comment }}             ignored; may span lines
 * Falsy: missing, null, false, 0, an empty array, a string that is empty or only
 * whitespace. Anything else (an object, even empty) is truthy. Names are letters,
 * digits, '_' and '-', joined by '.'; spaces inside the braces are allowed. A name
 * is looked up in the innermost context first, then outward; in a.b.c only the
 * first part walks outward. Partials and delimiter changes are not supported.
 * A line holding nothing but section, inverted, closing or comment tags and
 * whitespace is standalone: it is removed with its newline, so sections on lines
 * of their own leave no blank lines behind.
 *
 * Rendering of values: strings as they are; integers as integers; reals in the
 * shortest form that reads back the same ("1.5", "2", "1e+20"); true and false as
 * words; null, missing, objects and arrays as nothing.
 *
 * Escaping (the escaped form, {{name}}), applied after text_clean. Only what
 * would change the Markdown's structure where the value stands is escaped, so
 * that identifiers, alert names, issue numbers and arrows stay as written and
 * a postmortem can be searched with grep (HighErrorBudgetBurnRate_Fast,
 * "Deploy #4521", "30s -> 3s"). Where it stands is read from what is already
 * written: a line starts a block when only indentation and container markers
 * ("> ", "- ", "1. ") come before the value on its line.
 *  - Each line of the value is trimmed and its runs of spaces become one; blank
 *    lines at either end are dropped and runs of blank lines become one.
 *  - Where a block could start, the character that would open it: '#' of a
 *    heading ("# ", not "#4521"), a list marker followed by a blank ("- ",
 *    "+ ", "* ", the '.' or ')' of "1. "), '>', a line of only '-', '=', or of
 *    three or more '*' or '_' (break, setext underline), a "~~~" fence.
 *  - Anywhere: '`' and '[' always (code spans; links, images, footnotes); ']'
 *    before '(', '[' or ':'; '<' before a letter, '/', '!' or '?' (HTML and
 *    autolinks; "a < b" and "->" stay); '&' that starts an entity ("&amp;",
 *    "&#60;"); '\' before punctuation or at the end of a line; a run of '*',
 *    '_', '~' or '$' that could open or close emphasis, strikethrough or math
 *    by CommonMark's flanking rules ('_' inside a word and '*' between spaces
 *    cannot, and stay, unless a line holds two such runs between blanks,
 *    "a * b * c", which readers and markdownlint take for emphasis). At the
 *    end of the value, where what follows is not known yet, the worst is
 *    assumed.
 *  - '|' in a table cell, and on a line of the value that could be a table's
 *    delimiter row ("--- | ---").
 *  - URLs are defanged, as incident responders write them: "://" becomes "[:]//",
 *    "www." becomes "www[.]" and the '@' of an address becomes "[@]" (brackets
 *    escaped), so no autolinker turns them into links, whether it runs before
 *    or after backslash escapes are resolved.
 *  - Where the tag sits on a table row (its template line holds a literal '|',
 *    which covers every line that starts with one), the value's lines are joined
 *    with " / " so that it cannot end the row, and a trailing backslash is
 *    written as "&#92;" so that it cannot escape the pipe closing the cell.
 *  - On a line that opens a heading, a list item or a block quote ('#', '>',
 *    "- ", "* ", "+ ", "1. " after optional spaces), lines are joined with " / "
 *    too, so the value cannot end the heading or fall out of the item; a
 *    heading's closing run of '#' at the value's end is escaped, or it would
 *    vanish.
 *  Elsewhere (a paragraph) the value keeps its newlines, each new line a place
 *  where a block could start.
 * The result is inert: rendered by a CommonMark/GFM renderer (cmark-gfm with
 * the table, strikethrough, autolink and tagfilter extensions), a value adds no
 * element at all (no heading, list, quote, table row or cell, code, emphasis,
 * link, image, footnote or raw HTML) to what the template would render with
 * plain words in its place; tests/cli/test_markdown.sh checks exactly that.
 *
 * Bounds: template at most TEMPLATE_MAX_SIZE bytes, sections nested at most
 * TEMPLATE_MAX_DEPTH deep, output at most TEMPLATE_MAX_OUTPUT bytes, and at most
 * TEMPLATE_MAX_STEPS steps of rendering (sections nested over long lists). */
#ifndef WARROOM_TEMPLATE_H
#define WARROOM_TEMPLATE_H

#include <stddef.h>

#include <jansson.h>

#include "warroom/buf.h"

#define TEMPLATE_MAX_SIZE   (1u << 20)         /* bytes of template text */
#define TEMPLATE_MAX_DEPTH  32                 /* sections open at once */
#define TEMPLATE_MAX_OUTPUT ((size_t)16 << 20) /* bytes one render may add */
#define TEMPLATE_MAX_STEPS  ((size_t)1 << 24)  /* nodes visited in one render */
#define TEMPLATE_MAX_NAME   256                /* bytes of one tag name */

/* Where an escaped value lands; decided from the template text around the tag. */
enum template_where {
    TEMPLATE_INLINE, /* running text: newlines kept */
    TEMPLATE_LINE,   /* a heading, list item or quote line: newlines joined with " / " */
    TEMPLATE_CELL,   /* a table cell: newlines joined with " / ", pipes escaped */
};

struct template;

/* Compiles TEXT[0..LEN) (need not be NUL-terminated). On success stores a new
 * template in *OUT (free with template_free) and returns 0. On a malformed
 * template returns < 0 with a message "template:LINE:COL: what", LINE and COL
 * counted from 1, COL in characters; *OUT is then NULL. */
int template_parse(struct template **out, const char *text, size_t len);

/* Appends the rendering of TPL over CTX (any JSON value; usually an object) to
 * OUT. Returns 0, or < 0 with a message when a bound is passed; OUT is then left
 * as it was on entry. */
int template_render(const struct template *tpl, const json_t *ctx, struct buf *out);

/* template_parse, template_render and template_free in one call. */
int template_render_text(const char *text, size_t len, const json_t *ctx, struct buf *out);

void template_free(struct template *tpl);

/* Appends S[0..LEN) to OUT, text_clean'ed and escaped as a {{value}} landing at
 * WHERE would be. */
void template_escape(struct buf *out, const char *s, size_t len, enum template_where where);

#endif
