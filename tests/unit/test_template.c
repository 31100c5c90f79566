/* Tests for the postmortem template engine: syntax, lookup, standalone lines,
 * malformed templates (exact line:column), escaping of hostile values, bounds,
 * determinism, and the built-in default template.
 *
 * The context the default template (docs/templates/postmortem.md) is written
 * against, as `warroom postmortem --json` prints it:
 *   { "incident": { "id", "title", "sev", "sev_name", "status", "declared",
 *                   "resolved", "duration", "ic", "comms", "authors": [names],
 *                   "impact" },
 *     "figures":  { "ttd", "tta", "ttm", "ttr", "duration" },   (strings)
 *     "timeline": [ { "time", "date", "by", "type", "text" } ],
 *     "actions":  [ { "id", "text", "kind", "priority", "owner", "due", "status" } ],
 *     "updates":  [ { "time", "state", "text" } ],
 *     "summary", "root_cause", "trigger", "resolution", "detection" }
 * Any of them may be missing, null or empty: the template then shows an italic
 * prompt for the author instead. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "warroom/buf.h"
#include "warroom/builtin.h"
#include "warroom/error.h"
#include "warroom/template.h"

static json_t *load(const char *json)
{
    json_error_t err;
    json_t *v = json_loads(json, JSON_DECODE_ANY, &err);
    if (!v)
        fail_msg("bad test JSON: %s: %s", err.text, json);
    return v;
}

/* Renders TPL over JSON and returns the text (caller frees). */
static char *render(const char *tpl, const char *json)
{
    json_t *ctx = load(json);
    struct buf out = BUF_INIT;
    int rc = template_render_text(tpl, strlen(tpl), ctx, &out);
    if (rc < 0)
        fail_msg("render failed: %s", error_last());
    json_decref(ctx);
    return buf_detach(&out);
}

static void check(const char *tpl, const char *json, const char *expected)
{
    char *got = render(tpl, json);
    assert_string_equal(got, expected);
    free(got);
}

static void check_error(const char *tpl, const char *expected)
{
    struct template *t = (struct template *)(uintptr_t)1;
    error_clear();
    assert_true(template_parse(&t, tpl, strlen(tpl)) < 0);
    assert_null(t);
    assert_string_equal(error_last(), expected);

    /* The one-shot form fails the same way and writes nothing. */
    json_t *ctx = json_object();
    struct buf out = BUF_INIT;
    buf_adds(&out, "kept");
    assert_true(template_render_text(tpl, strlen(tpl), ctx, &out) < 0);
    assert_string_equal(buf_str(&out), "kept");
    assert_string_equal(error_last(), expected);
    buf_free(&out);
    json_decref(ctx);
}

/* Escapes VALUE (a JSON string literal) as a tag at the start of a paragraph,
 * as a table cell and as a list item would, and compares. */
static void check_escape(const char *value_json, const char *inline_expected, const char *cell_expected)
{
    char ctx[4096];
    snprintf(ctx, sizeof ctx, "{\"v\": %s}", value_json);
    check("{{v}}", ctx, inline_expected);

    char *cell = render("| {{v}} |", ctx);
    char *want = xmalloc(strlen(cell_expected) + 5);
    sprintf(want, "| %s |", cell_expected);
    assert_string_equal(cell, want);
    free(cell);
    free(want);
}

/* ---- syntax ---- */

static void test_values(void **state)
{
    (void)state;
    check("{{s}}", "{\"s\": \"plain text\"}", "plain text");
    check("[{{ s }}]", "{\"s\": \"spaced\"}", "[spaced]");
    check("{{i}} {{n}}", "{\"i\": 42, \"n\": -7}", "42 -7");
    check("{{a}} {{b}} {{c}} {{d}}", "{\"a\": 1.5, \"b\": 2.0, \"c\": 0.1, \"d\": 1e20}", "1.5 2 0.1 1e+20");
    check("{{t}}/{{f}}", "{\"t\": true, \"f\": false}", "true/false");
    check("<{{z}}|{{missing}}|{{o}}|{{l}}>", "{\"z\": null, \"o\": {\"k\": 1}, \"l\": [1]}", "<|||>");
    check("{{a.b.c}}", "{\"a\": {\"b\": {\"c\": \"deep\"}}}", "deep");
    check("[{{a.x.c}}][{{s.len}}]", "{\"a\": {\"b\": 1}, \"s\": \"str\"}", "[][]");
    check("{{#l}}({{.}}){{/l}}", "{\"l\": [\"x\", 2, true]}", "(x)(2)(true)");
    check("{{.}}", "\"top\"", "top");
}

static void test_sections(void **state)
{
    (void)state;
    check("{{#l}}<{{n}}>{{/l}}", "{\"l\": [{\"n\": 1}, {\"n\": 2}, {\"n\": 3}]}", "<1><2><3>");
    check("{{#o}}{{n}}{{/o}}", "{\"o\": {\"n\": \"inside\"}}", "inside");
    check("{{#o}}yes{{/o}}", "{\"o\": {}}", "yes");
    check("{{#t}}yes{{/t}}", "{\"t\": true}", "yes");
    check("{{#s}}[{{.}}]{{/s}}", "{\"s\": \"text\"}", "[text]");
    check("{{#n}}[{{.}}]{{/n}}", "{\"n\": 3}", "[3]");
    check("{{#r}}[{{.}}]{{/r}}", "{\"r\": 0.5}", "[0.5]");
    /* Falsy: nothing at all. */
    const char *falsy = "{\"f\": false, \"z\": null, \"e\": [], \"s\": \"\", \"w\": \" \\n\\t \","
                        " \"i\": 0, \"r\": 0.0}";
    check("{{#f}}1{{/f}}{{#z}}2{{/z}}{{#e}}3{{/e}}{{#s}}4{{/s}}{{#w}}5{{/w}}{{#i}}6{{/i}}"
          "{{#r}}7{{/r}}{{#missing}}8{{/missing}}.", falsy, ".");
    /* Inverted: exactly the falsy ones. */
    check("{{^f}}1{{/f}}{{^z}}2{{/z}}{{^e}}3{{/e}}{{^s}}4{{/s}}{{^w}}5{{/w}}{{^i}}6{{/i}}"
          "{{^r}}7{{/r}}{{^missing}}8{{/missing}}.", falsy, "12345678.");
    check("{{^l}}none{{/l}}{{^t}}no{{/t}}{{^o}}no{{/o}}.", "{\"l\": [1], \"t\": true, \"o\": {}}", ".");
    /* Nested sections, and the same name reopened after closing. */
    check("{{#a}}{{#b}}{{x}}{{/b}}{{/a}}{{#a}}!{{/a}}",
          "{\"a\": [{\"b\": [{\"x\": 1}, {\"x\": 2}]}, {\"b\": []}]}", "12!!");
    /* A section over "." skips blank items. */
    check("{{#l}}{{#.}}<{{.}}>{{/.}}{{/l}}", "{\"l\": [\"a\", \"\", \"  \", \"b\"]}", "<a><b>");
}

static void test_comments_and_raw(void **state)
{
    (void)state;
    check("a{{! a comment }}b{{!\nspanning\nlines }}c", "{}", "abc");
    check("{{{m}}} {{& m}}", "{\"m\": \"*bold* <b>x</b> [l](u)\"}", "*bold* <b>x</b> [l](u) *bold* <b>x</b> [l](u)");
    /* Raw values are still cleaned: the escape sequence is gone. */
    check("{{{m}}}", "{\"m\": \"a\\u001b[31mb\"}", "ab");
    /* Template text is cleaned too. */
    check("a\x1b[2Jb\n", "{}", "ab\n");
}

static void test_lookup_walks_the_stack(void **state)
{
    (void)state;
    const char *ctx = "{\"title\": \"T\", \"meta\": {\"x\": \"root-x\"}, \"n\": \"root-n\","
                      " \"items\": [{\"n\": \"one\"}, {\"n\": \"two\", \"meta\": {\"y\": 1}}, {}]}";
    /* Inner names shadow outer ones; a name missing inside is found outside. */
    check("{{#items}}{{n}}/{{title}};{{/items}}", ctx, "one/T;two/T;root-n/T;");
    /* Only the first part of a dotted name walks outward: item two has its own
     * meta without x, so meta.x is empty there. */
    check("{{#items}}[{{meta.x}}]{{/items}}", ctx, "[root-x][][root-x]");
    /* An object section pushes the object; a scalar one pushes the scalar. */
    check("{{#meta}}{{x}}+{{title}}{{/meta}}", ctx, "root-x+T");
    check("{{#title}}{{.}}{{n}}{{/title}}", ctx, "Troot-n");
}

static void test_standalone_lines(void **state)
{
    (void)state;
    const char *tpl = "a\n{{#s}}\nb\n{{/s}}\nc\n";
    check(tpl, "{\"s\": true}", "a\nb\nc\n");
    check(tpl, "{\"s\": false}", "a\nc\n");
    /* Indented tags, CRLF line ends, comments and inverted sections. */
    check("a\r\n  {{#s}}  \r\nb\r\n\t{{/s}}\r\n{{! note }}\r\nc\r\n", "{\"s\": 1}", "a\nb\nc\n");
    check("| h |\n{{#l}}\n| {{.}} |\n{{/l}}\n{{^l}}\n| none |\n{{/l}}\nend", "{\"l\": [\"x\", \"y\"]}",
          "| h |\n| x |\n| y |\nend");
    check("| h |\n{{#l}}\n| {{.}} |\n{{/l}}\n{{^l}}\n| none |\n{{/l}}\nend", "{\"l\": []}", "| h |\n| none |\nend");
    /* Several quiet tags on one line, and a last line without a newline. */
    check("a\n{{#s}}{{#t}}\nb\n{{/t}}{{/s}}", "{\"s\": 1, \"t\": 1}", "a\nb\n");
    /* A multi-line comment alone on its lines. */
    check("a\n{{! one\n two }}\nb\n", "{}", "a\nb\n");
    /* Not standalone: text beside the tag, or a value tag. */
    check("x {{#s}}y\n{{/s}}z\n", "{\"s\": 1}", "x y\nz\n");
    check("a\n{{v}}\nb\n", "{\"v\": \"\"}", "a\n\nb\n");
    check("a\n{{#s}}{{v}}{{/s}}\nb\n", "{\"s\": 1, \"v\": \"\"}", "a\n\nb\n");
}

/* ---- malformed templates ---- */

static void test_malformed(void **state)
{
    (void)state;
    check_error("a\n  {{name", "template:2:3: tag \"{{\" opened here is never closed");
    check_error("x {{name\n}}", "template:1:3: tag \"{{\" opened here is never closed");
    check_error("{{{x}}", "template:1:1: tag \"{{{\" opened here is never closed with \"}}}\"");
    check_error("ok\n{{! never ends", "template:2:1: comment opened here is never closed");
    check_error("1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n    {{#actions}}\n| {{id}} |\n",
                "template:12:5: section \"actions\" opened here is never closed");
    check_error("{{#a}}{{#b}}{{/b}}\n", "template:1:1: section \"a\" opened here is never closed");
    check_error("{{#a}}\n {{/b}}", "template:2:2: \"{{/b}}\" does not close section \"a\" opened at 1:1");
    check_error("{{#a}}{{^b}}\n{{/a}}{{/b}}", "template:2:1: \"{{/a}}\" does not close section \"b\" opened at 1:7");
    check_error("x {{/a}}", "template:1:3: \"{{/a}}\" closes no open section");
    check_error("ab {{ }}", "template:1:4: tag has an empty name");
    check_error("{{#}}", "template:1:1: tag has an empty name");
    check_error("{{{ }}}", "template:1:1: tag has an empty name");
    check_error("\n\n  {{&}}", "template:3:3: tag has an empty name");
    check_error("{{a b}}", "template:1:1: tag name is not valid (letters, digits, '_' and '-', joined by '.')");
    check_error("{{a..b}}", "template:1:1: tag name is not valid (letters, digits, '_' and '-', joined by '.')");
    check_error("{{.a}}", "template:1:1: tag name is not valid (letters, digits, '_' and '-', joined by '.')");
    check_error("{{>partial}}", "template:1:1: partials (\"{{>\") are not supported");
    check_error("{{=<% %>=}}", "template:1:1: changing delimiters (\"{{=\") is not supported");
    /* Columns count characters, not bytes. */
    check_error("\xc3\xa9t\xc3\xa9 {{}}", "template:1:5: tag has an empty name");

    char name[TEMPLATE_MAX_NAME + 8];
    memset(name, 'n', sizeof name);
    char tpl[sizeof name + 8];
    snprintf(tpl, sizeof tpl, "{{%.*s}}", TEMPLATE_MAX_NAME + 1, name);
    check_error(tpl, "template:1:1: tag name is longer than 256 bytes");
}

static void test_depth_bound(void **state)
{
    (void)state;
    struct buf tpl = BUF_INIT;
    for (int i = 0; i < TEMPLATE_MAX_DEPTH; i++)
        buf_adds(&tpl, "{{#a}}");
    struct buf ok = BUF_INIT;
    buf_add(&ok, tpl.data, tpl.len);
    for (int i = 0; i < TEMPLATE_MAX_DEPTH; i++)
        buf_adds(&ok, "{{/a}}");
    check(buf_str(&ok), "{\"a\": {\"a\": true}}", "");

    buf_adds(&tpl, "{{#a}}");
    char want[128];
    snprintf(want, sizeof want, "template:1:%d: sections are nested more than %d deep",
             1 + 6 * TEMPLATE_MAX_DEPTH, TEMPLATE_MAX_DEPTH);
    check_error(buf_str(&tpl), want);
    buf_free(&tpl);
    buf_free(&ok);
}

static void test_size_bound(void **state)
{
    (void)state;
    size_t len = TEMPLATE_MAX_SIZE + 1;
    char *big = xmalloc(len + 1);
    memset(big, 'a', len);
    big[len] = '\0';
    struct template *t = NULL;
    assert_true(template_parse(&t, big, len) < 0);
    assert_null(t);
    assert_string_equal(error_last(), "template:1:1048577: template is longer than 1048576 bytes");
    /* At the limit it is fine. */
    assert_int_equal(template_parse(&t, big, len - 1), 0);
    template_free(t);
    free(big);
}

static void test_output_bound(void **state)
{
    (void)state;
    size_t n = (size_t)1 << 20;
    char *s = xmalloc(n + 1);
    memset(s, 'x', n);
    s[n] = '\0';
    json_t *ctx = json_pack("{s:[iiiiiiiiiiiiiiiiiiii], s:s}", "l", 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
                            13, 14, 15, 16, 17, 18, 19, 20, "big", s);
    assert_non_null(ctx);
    struct buf out = BUF_INIT;
    buf_adds(&out, "before");
    const char *tpl = "{{#l}}{{big}}{{/l}}";
    assert_true(template_render_text(tpl, strlen(tpl), ctx, &out) < 0);
    assert_string_equal(error_last(), "template: output is larger than 16777216 bytes");
    assert_string_equal(buf_str(&out), "before");
    /* Fifteen copies fit. */
    json_array_remove(json_object_get(ctx, "l"), 0);
    for (int i = 0; i < 4; i++)
        json_array_remove(json_object_get(ctx, "l"), 0);
    assert_int_equal(template_render_text(tpl, strlen(tpl), ctx, &out), 0);
    assert_int_equal(out.len, strlen("before") + 15 * n);
    buf_free(&out);
    json_decref(ctx);
    free(s);
}

static void test_step_bound(void **state)
{
    (void)state;
    /* 16^7 visits of an empty body: no output to stop it, only the step bound. */
    json_t *ctx = load("{\"l\": [1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16]}");
    const char *tpl = "{{#l}}{{#l}}{{#l}}{{#l}}{{#l}}{{#l}}{{#l}}{{/l}}{{/l}}{{/l}}{{/l}}{{/l}}{{/l}}{{/l}}";
    struct buf out = BUF_INIT;
    assert_true(template_render_text(tpl, strlen(tpl), ctx, &out) < 0);
    assert_string_equal(error_last(),
                        "template: rendering takes more than 16777216 steps (sections nested over long lists?)");
    assert_int_equal(out.len, 0);
    buf_free(&out);
    json_decref(ctx);
}

/* ---- escaping ---- */

/* Only what would change the Markdown's structure where the value stands is
 * escaped. "{{v}}" alone starts a line (a block could open there); "| {{v}} |"
 * is a table cell, where only pipes and what works inline matter. */
static void test_escape_hostile_values(void **state)
{
    (void)state;
    check_escape("\"| x |\"", "| x |", "\\| x \\|");
    check_escape("\"a\\nb\"", "a\nb", "a / b");
    check_escape("\"a\\r\\nb\\rc\\n\\n\\n\\nd\"", "a\nb\nc\n\nd", "a / b / c / d");
    check_escape("\"# heading\"", "\\# heading", "# heading");
    check_escape("\"- item\"", "\\- item", "- item");
    check_escape("\"+ item\"", "\\+ item", "+ item");
    check_escape("\"* item\"", "\\* item", "* item");
    check_escape("\"> quote\"", "\\> quote", "> quote");
    check_escape("\"```\"", "\\`\\`\\`", "\\`\\`\\`");
    check_escape("\"~~~ c\"", "\\~\\~\\~ c", "~~~ c");
    check_escape("\"[a](http://evil)\"", "\\[a\\](http\\[:\\]//evil)", "\\[a\\](http\\[:\\]//evil)");
    check_escape("\"![i](https://evil/x.png)\"", "!\\[i\\](https\\[:\\]//evil/x.png)",
                 "!\\[i\\](https\\[:\\]//evil/x.png)");
    check_escape("\"<script>alert(1)</script>\"", "\\<script>alert(1)\\</script>",
                 "\\<script>alert(1)\\</script>");
    check_escape("\"<img src=x>\"", "\\<img src=x>", "\\<img src=x>");
    check_escape("\"<!-- c --> <?php\"", "\\<!-- c --> \\<?php", "\\<!-- c --> \\<?php");
    check_escape("\"&lt; &#60; &#x3c;\"", "\\&lt; \\&#60; \\&#x3c;", "\\&lt; \\&#60; \\&#x3c;");
    check_escape("\"***\"", "\\*\\*\\*", "\\*\\*\\*");
    check_escape("\"* * *\"", "\\* \\* \\*", "\\* \\* \\*");
    /* one '*' between spaces is text; two on a line read as emphasis to people
     * and to markdownlint (MD037) */
    check_escape("\"2 * 3 * 4 and 5 _ 6\"", "2 \\* 3 \\* 4 and 5 _ 6", "2 \\* 3 \\* 4 and 5 _ 6");
    /* ... also when the two come from two lines of one cell, joined with " / ",
     * or from two cells of one row: the second is escaped */
    check_escape("\"* item\\n(owner * eve)\"", "\\* item\n(owner * eve)", "* item / (owner \\* eve)");
    check("| {{a}} | {{b}} |", "{\"a\": \"x * y\", \"b\": \"p * q\"}", "| x * y | p \\* q |");
    check_escape("\"---\"", "\\---", "---");
    check_escape("\"___\"", "\\_\\_\\_", "\\_\\_\\_");
    check_escape("\"===\"", "\\===", "===");
    check_escape("\"http://evil.example\"", "http\\[:\\]//evil.example", "http\\[:\\]//evil.example");
    check_escape("\"HTTPS://EVIL.EXAMPLE/a\"", "HTTPS\\[:\\]//EVIL.EXAMPLE/a", "HTTPS\\[:\\]//EVIL.EXAMPLE/a");
    check_escape("\"see www.evil.example or WWW.evil.example\"", "see www\\[.\\]evil.example or WWW\\[.\\]evil.example",
                 "see www\\[.\\]evil.example or WWW\\[.\\]evil.example");
    check_escape("\"mail me@evil.example, @carol\"", "mail me\\[@\\]evil.example, @carol",
                 "mail me\\[@\\]evil.example, @carol");
    check_escape("\"1. item\"", "1\\. item", "1. item");
    check_escape("\"12) item\"", "12\\) item", "12) item");
    check_escape("\"3.5 hours, -5% + 1. = 2\"", "3.5 hours, -5% + 1. = 2", "3.5 hours, -5% + 1. = 2");
    check_escape("\"-5%\"", "-5%", "-5%");
    check_escape("\"_a_ *b* `c` ~d~ $e$\"", "\\_a\\_ \\*b\\* \\`c\\` \\~d\\~ \\$e\\$",
                 "\\_a\\_ \\*b\\* \\`c\\` \\~d\\~ \\$e\\$");
    check_escape("\"**bold** __b__ ~~s~~\"", "\\*\\*bold\\*\\* \\_\\_b\\_\\_ \\~\\~s\\~\\~",
                 "\\*\\*bold\\*\\* \\_\\_b\\_\\_ \\~\\~s\\~\\~");
    check_escape("\"[^1]: note\"", "\\[^1\\]: note", "\\[^1\\]: note");
    check_escape("\"    indented code\"", "indented code", "indented code");
    check_escape("\"  a   b  \\n\\n\\n  c  \"", "a b\n\nc", "a b / c");
    check_escape("\"back\\\\slash\\\\\"", "back\\slash\\\\", "back\\slash&#92;");
    check_escape("\"\\\\* not \\\\_ em\"", "\\\\\\* not \\\\\\_ em", "\\\\\\* not \\\\\\_ em");
    check_escape("\"a\\u001b[31mb\\u0007\"", "ab", "ab");
    /* a delimiter row would turn the line above it into a table header */
    check_escape("\"| --- | --- |\"", "\\| --- \\| --- \\|", "\\| --- \\| --- \\|");
    check_escape("\"a | b\\n:-|-:\"", "a | b\n:-\\|-:", "a \\| b / :-\\|-:");
    /* After every newline inside the value, a line starts again. */
    check_escape("\"ok\\n# h\\n- i\\n> q\\n1. x\\n===\\n    code\"", "ok\n\\# h\n\\- i\n\\> q\n1\\. x\n\\===\ncode",
                 "ok / # h / - i / > q / 1. x / === / code");
}

/* What people search postmortems for stays as they wrote it: identifiers,
 * alert names, issue numbers, arrows, paths, prices of punctuation. */
static void test_escape_keeps_words(void **state)
{
    (void)state;
    static const char *const verbatim[] = {
        "HighErrorBudgetBurnRate_Fast", "Deploy #4521 of payment-gateway", "30s -> 3s", "p99 <= 250ms, a < b, <- back",
        "snake_case_name and kube_pod_status_ready", "2 * 3 = 6", "R&D, AT&T is up", "C:\\Users\\carol",
        "rollback done (v2.3.1 -> v2.3.0)!", "50% of EU + US", "see #incidents, A1",
        "x = y == z", "a | b", "latency <5ms, <250 ms", "\xe2\x86\x92 \xe6\x97\xa5\xe6\x9c\xac", "done. 2. then",
    };
    for (size_t i = 0; i < sizeof verbatim / sizeof *verbatim; i++) {
        for (int w = TEMPLATE_INLINE; w <= TEMPLATE_CELL; w++) {
            struct buf out = BUF_INIT;
            buf_adds(&out, "x ");
            template_escape(&out, verbatim[i], strlen(verbatim[i]), (enum template_where)w);
            if (w == TEMPLATE_CELL && strchr(verbatim[i], '|')) {
                buf_free(&out);
                continue;                 /* a pipe in a cell is escaped, rightly */
            }
            if (strcmp(buf_str(&out) + 2, verbatim[i]) != 0)
                fail_msg("\"%s\" (where %d) became \"%s\"", verbatim[i], w, buf_str(&out) + 2);
            buf_free(&out);
        }
    }
    /* at the start of a line, too, where no block opens */
    check("{{v}}", "{\"v\": \"#4521 rolled back\"}", "#4521 rolled back");
    check("{{v}}", "{\"v\": \"-> failover\"}", "-> failover");
    check("{{v}}", "{\"v\": \"--verbose was on\"}", "--verbose was on");
    check("{{v}}", "{\"v\": \"HighErrorBudgetBurnRate_Fast fired\"}", "HighErrorBudgetBurnRate_Fast fired");
    /* an '_' or '*' that could open or close is escaped, inside a word or not */
    check("{{v}}", "{\"v\": \"2*3 and _x and __init__\"}", "2\\*3 and \\_x and \\_\\_init\\_\\_");
    /* a '~' that could open strikethrough is escaped too: its partner may be
     * anywhere in the paragraph, beyond what one value can see */
    check("{{v}}", "{\"v\": \"ETA ~5 min\"}", "ETA \\~5 min");
    /* a heading's closing run of '#' would vanish from the heading */
    check("# {{v}}", "{\"v\": \"Deploy #\"}", "# Deploy \\#");
    check("# {{v}}", "{\"v\": \"C# #\"}", "# C# \\#");
    check("# {{v}} x", "{\"v\": \"#4521\"}", "# #4521 x");
}

static void test_escape_where_from_template(void **state)
{
    (void)state;
    const char *ctx = "{\"v\": \"a\\n- b\"}";
    check("# {{v}}", ctx, "# a / - b");
    check("- {{v}}", ctx, "- a / - b");
    check("  * {{v}}", ctx, "  * a / - b");
    check("2. {{v}}", ctx, "2. a / - b");
    check("> {{v}}", ctx, "> a / - b");
    check("{{v}} | x", ctx, "a / - b | x");
    check("Text: {{v}}", ctx, "Text: a\n\\- b");
    check("{{v}}\n", ctx, "a\n\\- b\n");
    /* A line of its own that starts with a tag, not a list marker. */
    check("-{{v}}", ctx, "-a\n\\- b");
    /* Where a block could open is read from what was written before. */
    check("- {{v}}", "{\"v\": \"# x\"}", "- \\# x");
    check("> - {{v}}", "{\"v\": \"> x\"}", "> - \\> x");
    check("| {{v}} |", "{\"v\": \"# x\"}", "| # x |");
    check("{{v}} | y", "{\"v\": \"# x\"}", "\\# x | y");
    check("- **Date:** {{v}}", "{\"v\": \"- x\"}", "- **Date:** - x");
    check("Text {{v}}", "{\"v\": \"# x\"}", "Text # x");
    check("{{#l}}{{.}}{{/l}}", "{\"l\": [\"a\", \"# b\"]}", "a# b");
}

/* URLs split between values, or between template text and a value, are
 * defanged where they would complete. */
static void test_escape_split_urls(void **state)
{
    (void)state;
    check("{{a}}{{b}}", "{\"a\": \"http:\", \"b\": \"//evil.example\"}", "http:/\\[/\\]evil.example");
    check("{{a}}{{b}}", "{\"a\": \"http:/\", \"b\": \"/evil.example\"}", "http:/\\[/\\]evil.example");
    check("{{a}}{{b}}", "{\"a\": \"http\", \"b\": \"://evil.example\"}", "http\\[:\\]//evil.example");
    check("{{#l}}{{.}}{{/l}}", "{\"l\": [\"ww\", \"w\", \".evil.example\"]}", "www\\[.\\]evil.example");
    check("{{a}}{{b}}", "{\"a\": \"me\", \"b\": \"@evil.example\"}", "me\\[@\\]evil.example");
    check("{{a}}{{b}}", "{\"a\": \"me@\", \"b\": \"evil.example\"}", "me\\[@\\]evil.example");
    check("https:{{b}}", "{\"b\": \"//evil.example\"}", "https:/\\[/\\]evil.example");
    check("www{{b}}", "{\"b\": \".evil.example\"}", "www\\[.\\]evil.example");
}

static size_t count_unescaped(const char *s, char c)
{
    size_t n = 0;
    for (size_t i = 0; s[i]; i++) {
        if (s[i] != c)
            continue;
        size_t slashes = 0;
        while (slashes < i && s[i - 1 - slashes] == '\\')
            slashes++;
        if (slashes % 2 == 0)
            n++;
    }
    return n;
}

/* True when a line of S could be a table's delimiter row: only '-', ':',
 * blanks and at least one unescaped '|'. */
static bool has_delimiter_row(const char *s)
{
    for (const char *line = s; *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        bool pipe = false, other = false, dash = false;
        for (size_t i = 0; i < len; i++) {
            if (line[i] == '|' && (i == 0 || line[i - 1] != '\\'))
                pipe = true;
            else if (line[i] == '-')
                dash = true;
            else if (line[i] != ':' && line[i] != ' ' && line[i] != '\t')
                other = true;
        }
        if (pipe && dash && !other)
            return true;
        line += len + (end != NULL);
    }
    return false;
}

static bool contains_nocase(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay; hay++) {
        if (strncasecmp(hay, needle, n) == 0)
            return true;
    }
    return false;
}

static const char *const hostile[] = {
    "| x |", "a\nb", "a\r\nb\rc", "# heading", "- item", "> quote", "```", "[a](http://evil)",
    "<script>alert(1)</script>", "<img src=x>", "&lt;", "***", "http://evil.example", "1. item",
    "===", "x\\", "\\", "\\|", "|\\", "a\n\n\n|b|\n", "www.evil.example", "me@evil.example",
    "<http://evil>", "| --- |", "\t|\t", "", "   ", "\n|\n",
};

/* Whatever a responder typed, a table row stays one line with its own pipes,
 * and no tag, autolink or bare URL can form anywhere. */
static void test_escape_properties(void **state)
{
    (void)state;
    const char *row = "| {{a}} | {{b}} | {{c}} |\n";
    struct template *t = NULL;
    assert_int_equal(template_parse(&t, row, strlen(row)), 0);
    size_t n = sizeof hostile / sizeof hostile[0];
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < n; j++) {
            json_t *ctx = json_pack("{s:s, s:s, s:s}", "a", hostile[i], "b", hostile[j], "c", hostile[(i + j) % n]);
            struct buf out = BUF_INIT;
            assert_int_equal(template_render(t, ctx, &out), 0);
            const char *s = buf_str(&out);
            assert_non_null(strchr(s, '\n'));
            assert_ptr_equal(strchr(s, '\n'), s + out.len - 1);
            assert_int_equal(count_unescaped(s, '|'), 4);
            assert_int_equal(count_unescaped(s, '<'), 0);
            assert_false(contains_nocase(s, "://"));
            assert_false(contains_nocase(s, "www."));
            buf_free(&out);

            /* Inline, newlines stay but nothing active forms either. */
            struct buf in = BUF_INIT;
            template_escape(&in, hostile[i], strlen(hostile[i]), TEMPLATE_INLINE);
            template_escape(&in, hostile[j], strlen(hostile[j]), TEMPLATE_INLINE);
            s = buf_str(&in);
            assert_int_equal(count_unescaped(s, '<'), 0);
            assert_false(has_delimiter_row(s));
            assert_int_equal(count_unescaped(s, '['), 0);
            assert_int_equal(count_unescaped(s, '&'), 0);
            assert_int_equal(count_unescaped(s, '`'), 0);
            assert_false(contains_nocase(s, "://"));
            assert_false(contains_nocase(s, "www."));
            assert_null(strstr(s, "\n\n\n"));
            buf_free(&in);
            json_decref(ctx);
        }
    }
    template_free(t);
}

static void test_escape_public(void **state)
{
    (void)state;
    struct buf out = BUF_INIT;
    buf_adds(&out, "> ");
    template_escape(&out, "a\nb|c\\", 6, TEMPLATE_CELL);
    assert_string_equal(buf_str(&out), "> a / b\\|c&#92;");
    buf_reset(&out);
    template_escape(&out, "# t\nx", 5, TEMPLATE_LINE);
    assert_string_equal(buf_str(&out), "\\# t / x");
    buf_reset(&out);
    template_escape(&out, "a\0b", 3, TEMPLATE_INLINE);
    assert_string_equal(buf_str(&out), "ab");
    buf_free(&out);
}

/* ---- determinism and the built-in template ---- */

static const char sample_context[] =
    "{\"incident\": {\"id\": \"inc-20250315-order-processing-failing\", \"title\": \"Order processing failing\","
    " \"sev\": \"SEV2\", \"sev_name\": \"High\", \"status\": \"resolved\", \"declared\": \"2025-03-15 14:25 UTC\","
    " \"resolved\": \"2025-03-15 15:40 UTC\", \"duration\": \"1 h 15 min\", \"ic\": \"carol\", \"comms\": \"dave\","
    " \"authors\": [\"carol\", \"erin\"], \"impact\": \"Checkout failed for a third of orders.\"},"
    " \"figures\": {\"ttd\": \"4 min\", \"tta\": \"2 min\", \"ttm\": \"41 min\", \"ttr\": \"1 h 15 min\","
    " \"duration\": \"1 h 19 min\"},"
    " \"timeline\": [{\"time\": \"14:21\", \"date\": \"2025-03-15\", \"by\": \"alertmanager\", \"type\": \"alert\","
    " \"text\": \"OrderErrorRate | above 5%\\nfiring\"},"
    " {\"time\": \"14:35\", \"date\": \"2025-03-15\", \"by\": \"carol\", \"type\": \"note\","
    " \"text\": \"Deploy #4521 pushed, see http://ci.example/4521\"}],"
    " \"actions\": [{\"id\": \"A1\", \"text\": \"Canary config pushes\", \"kind\": \"prevent\", \"priority\": \"P1\","
    " \"owner\": \"erin\", \"due\": \"2025-03-29\", \"status\": \"open\"},"
    " {\"id\": \"A2\", \"text\": \"Alert on queue depth\", \"kind\": \"mitigate\", \"priority\": \"P2\","
    " \"owner\": null, \"due\": \"\", \"status\": \"open\"}],"
    " \"updates\": [], \"summary\": \"A config push broke the consumer.\\n\\nRolling back fixed it.\","
    " \"root_cause\": \"\", \"trigger\": \"Deploy #4521\"}";

static const struct builtin_file *default_template(void)
{
    /* The table itself rather than builtin_find: this is the text the build
     * compiled in from docs/templates/postmortem.md. */
    for (const struct builtin_file *f = builtin_files; f->path; f++) {
        if (strcmp(f->path, "docs/templates/postmortem.md") == 0)
            return f;
    }
    fail_msg("docs/templates/postmortem.md is not built in");
    return NULL;
}

static void test_deterministic(void **state)
{
    (void)state;
    const struct builtin_file *f = default_template();
    json_t *ctx = load(sample_context);
    struct template *t = NULL;
    assert_int_equal(template_parse(&t, f->text, f->len), 0);
    struct buf one = BUF_INIT, two = BUF_INIT, three = BUF_INIT;
    assert_int_equal(template_render(t, ctx, &one), 0);
    assert_int_equal(template_render(t, ctx, &two), 0);
    /* A context built again, keys in another order, renders the same too. */
    json_t *copy = json_deep_copy(ctx);
    assert_int_equal(template_render_text(f->text, f->len, copy, &three), 0);
    assert_true(one.len > 0);
    assert_int_equal(one.len, two.len);
    assert_memory_equal(one.data, two.data, one.len);
    assert_int_equal(one.len, three.len);
    assert_memory_equal(one.data, three.data, one.len);
    buf_free(&one);
    buf_free(&two);
    buf_free(&three);
    json_decref(copy);
    json_decref(ctx);
    template_free(t);
}

static void test_default_template(void **state)
{
    (void)state;
    const struct builtin_file *f = default_template();
    json_t *ctx = load(sample_context);
    struct buf out = BUF_INIT;
    assert_int_equal(template_render_text(f->text, f->len, ctx, &out), 0);
    const char *s = buf_str(&out);
    assert_true(strncmp(s, "# Postmortem: Order processing failing\n\n", 40) == 0);
    assert_non_null(strstr(s, "- **Status:** Draft\n"));
    assert_non_null(strstr(s, "- **Severity:** SEV2 (High)\n"));
    assert_non_null(strstr(s, "- **Authors:**\n  - carol\n  - erin\n"));
    assert_non_null(strstr(s, "\n| 2025-03-15 14:21 | alertmanager | OrderErrorRate \\| above 5% / firing |\n"));
    assert_non_null(strstr(s, "| Deploy #4521 pushed, see http\\[:\\]//ci.example/4521 |"));
    assert_non_null(strstr(s, "| A2 | Alert on queue depth | mitigate | P2 | _Unassigned_ | _No date_ | open |\n"));
    assert_non_null(strstr(s, "| Time to detect[^ttd] | 4 min |\n"));
    assert_non_null(strstr(s, "\n[^ttd]: Time to detect: "));
    assert_non_null(strstr(s, "## Summary\n\nA config push broke the consumer.\n\nRolling back fixed it.\n\n## Impact"));
    /* Empty and missing fields show the author's prompt. */
    assert_non_null(strstr(s, "## Root cause\n\n_Describe the underlying cause"));
    assert_non_null(strstr(s, "## Resolution\n\n_Describe what was done"));
    /* No standalone tag leaves a blank line behind, nor a tag itself. */
    assert_null(strstr(s, "\n\n\n"));
    assert_null(strstr(s, "{{"));
    assert_int_equal(s[out.len - 1], '\n');
    assert_int_not_equal(s[out.len - 2], '\n');
    buf_free(&out);
    json_decref(ctx);

    /* Over an empty context every section carries its prompt. */
    ctx = json_object();
    assert_int_equal(template_render_text(f->text, f->len, ctx, &out), 0);
    s = buf_str(&out);
    assert_true(strncmp(s, "# Postmortem: Untitled incident\n", 32) == 0);
    assert_non_null(strstr(s, "_Summarise in two or three sentences"));
    assert_non_null(strstr(s, "| _Time_ | _Who_ |"));
    assert_non_null(strstr(s, "| _A1_ |"));
    assert_non_null(strstr(s, "| Time to detect[^ttd] | _Not in the log_ |"));
    assert_null(strstr(s, "\n\n\n"));
    buf_free(&out);
    json_decref(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_sections),
        cmocka_unit_test(test_comments_and_raw),
        cmocka_unit_test(test_lookup_walks_the_stack),
        cmocka_unit_test(test_standalone_lines),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_depth_bound),
        cmocka_unit_test(test_size_bound),
        cmocka_unit_test(test_output_bound),
        cmocka_unit_test(test_step_bound),
        cmocka_unit_test(test_escape_hostile_values),
        cmocka_unit_test(test_escape_keeps_words),
        cmocka_unit_test(test_escape_where_from_template),
        cmocka_unit_test(test_escape_split_urls),
        cmocka_unit_test(test_escape_properties),
        cmocka_unit_test(test_escape_public),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_default_template),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
