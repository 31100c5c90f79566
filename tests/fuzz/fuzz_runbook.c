/* Fuzzes the runbook loader: any bytes as a YAML runbook and as a Markdown
 * one. Whatever comes in, it must end in a runbook or an error naming a line
 * and column, never a crash or a leak; every string a runbook hands out must
 * be clean (text_clean) and within its bound, and a rate never negative. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "warroom/error.h"
#include "warroom/runbook.h"
#include "warroom/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_text(const char *s, size_t max)
{
    if (s && (strlen(s) > max + 3 || !text_is_clean(s, strlen(s), 0)))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct runbook *rb = NULL;
    const char *text = (const char *)data;
    if (runbook_parse_yaml(&rb, text, size, "runbooks/fuzz.yml") == 0) {
        check_text(rb->title, RUNBOOK_TEXT_MAX);
        check_text(rb->impact, RUNBOOK_TEXT_MAX);
        for (size_t i = 0; i < rb->nalert_names; i++)
            check_text(rb->alert_names[i], RUNBOOK_TEXT_MAX);
        for (size_t i = 0; i < rb->nsteps; i++) {
            const struct runbook_step *st = &rb->steps[i];
            if (!st->title || st->section >= RUNBOOK_SECTION_COUNT)
                abort();
            check_text(st->title, RUNBOOK_TEXT_MAX);
            check_text(st->command, RUNBOOK_TEXT_MAX);
            check_text(st->expected, RUNBOOK_TEXT_MAX);
            check_text(st->when, RUNBOOK_TEXT_MAX);
            check_text(st->verify, RUNBOOK_TEXT_MAX);
        }
        if (rb->revenue_per_minute < -1)
            abort();
        runbook_free(rb);
    } else if (strncmp(error_last(), "runbooks/fuzz.yml:", 18) != 0 || rb) {
        abort();                          /* every refusal says where */
    }
    if (runbook_parse_markdown(&rb, text, size, "runbooks/fuzz.md") == 0) {
        if (!text_is_clean(rb->text, strlen(rb->text), TEXT_KEEP_NEWLINES))
            abort();
        runbook_free(rb);
    }
    return 0;
}
