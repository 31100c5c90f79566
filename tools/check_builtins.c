/* check_builtins — run by the build: every default compiled into warroom (the
 * policy, the themes, the templates) must parse, so a broken default fails the
 * build instead of a user. */
#include <stdio.h>
#include <string.h>

#include "warroom/builtin.h"
#include "warroom/error.h"
#include "warroom/policy.h"
#include "warroom/template.h"
#include "warroom/theme.h"

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

int main(void)
{
    int failed = 0;
    for (const struct builtin_file *f = builtin_files; f->path; f++) {
        int rc = 0;
        if (ends_with(f->path, ".json")) {
            struct policy p;
            rc = policy_parse(&p, f->text, f->len, f->path);
            if (rc == 0)
                policy_free(&p);
        } else if (ends_with(f->path, ".theme")) {
            struct theme *t = NULL;
            rc = theme_load_text(&t, f->path, f->text, f->len);
            if (rc == 0 && theme_warning_count(t) > 0)
                rc = error_set("%s", theme_warning(t, 0));
            if (t)
                theme_free(t);
        } else if (ends_with(f->path, ".md")) {
            struct template *t;
            rc = template_parse(&t, f->text, f->len);
            if (rc == 0)
                template_free(t);
        }
        if (rc < 0) {
            fprintf(stderr, "built-in %s: %s\n", f->path, error_last());
            failed = 1;
        }
    }
    return failed;
}
