/* Fuzzes the template engine: arbitrary bytes are parsed as a template and
 * rendered over a small fixed context holding hostile text, and are escaped as
 * a value in each place a value can land. Besides not crashing or leaking, the
 * escaped forms must keep their promises: a table cell stays on its line with
 * no pipe of its own, and no '<' that could open HTML, bare URL, code span or
 * link bracket gets through. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "warroom/buf.h"
#include "warroom/template.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char context_json[] =
    "{\"incident\": {\"id\": \"inc-1\", \"title\": \"# Title | <b>x</b>\\nnext\", \"sev\": 2, \"ic\": \"carol\","
    " \"authors\": [\"a\", \"\", \"- b\"], \"impact\": null, \"flag\": true, \"ratio\": 0.25},"
    " \"figures\": {\"ttd\": \"4 min\", \"tta\": \"\", \"ttm\": 0},"
    " \"timeline\": [{\"time\": \"14:21\", \"by\": \"x\\\\\", \"text\": \"http://evil.example | [a](b)\\r\\n```\"},"
    " {\"time\": \"14:22\", \"by\": \"me@evil.example\", \"text\": \"www.evil.example\\n\\n\\n> q\"}],"
    " \"actions\": [{\"id\": \"A1\", \"owner\": \"\\u202eevil\", \"due\": \"\\u0000\\u001b[2J\"}],"
    " \"summary\": \"&lt;script&gt; 1. item\\n=== \\n***\", \"root_cause\": \"   \","
    " \"nested\": {\"a\": {\"b\": {\"c\": [1, 2]}}}}";

static json_t *context;

static int check_escaped(const char *data, size_t size, enum template_where where)
{
    struct buf out = BUF_INIT;
    template_escape(&out, data, size, where);
    const char *s = buf_str(&out);
    for (size_t i = 0; i < out.len; i++) {
        size_t slashes = 0;
        while (slashes < i && s[i - 1 - slashes] == '\\')
            slashes++;
        bool escaped = slashes % 2 == 1;
        char next = i + 1 < out.len ? s[i + 1] : '\0';
        if (where != TEMPLATE_INLINE && s[i] == '\n')
            abort();
        if (where == TEMPLATE_INLINE && i + 2 < out.len && memcmp(s + i, "\n\n\n", 3) == 0)
            abort();
        if (escaped || s[i] == '\0')
            continue;
        if (s[i] == '[' || s[i] == '`')
            abort();
        if (s[i] == '<' && (next == '\0' || (next >= 'a' && next <= 'z') || (next >= 'A' && next <= 'Z')
                            || next == '/' || next == '!' || next == '?'))
            abort();
        if (s[i] == ']' && (next == '\0' || next == '(' || next == '[' || next == ':'))
            abort();
        if (s[i] == '|' && where == TEMPLATE_CELL)
            abort();
    }
    if (memmem(s, out.len, "://", 3) || strcasestr(s, "www."))
        abort();
    if (where == TEMPLATE_CELL && out.len && s[out.len - 1] == '\\')
        abort();
    buf_free(&out);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    if (!context) {
        json_error_t err;
        context = json_loads(context_json, JSON_ALLOW_NUL, &err);
        if (!context)
            abort();
    }

    struct template *tpl = NULL;
    if (template_parse(&tpl, text, size) == 0) {
        struct buf one = BUF_INIT, two = BUF_INIT;
        int rc1 = template_render(tpl, context, &one);
        int rc2 = template_render(tpl, context, &two);
        /* Same template, same context: same outcome, same bytes. */
        if (rc1 != rc2 || one.len != two.len || (one.len && memcmp(one.data, two.data, one.len) != 0))
            abort();
        if (rc1 < 0 && one.len != 0)
            abort();
        buf_free(&one);
        buf_free(&two);
        template_free(tpl);
    } else if (tpl) {
        abort();
    }

    check_escaped(text, size, TEMPLATE_INLINE);
    check_escaped(text, size, TEMPLATE_LINE);
    check_escaped(text, size, TEMPLATE_CELL);
    return 0;
}
