/* Fuzzes the theme parser: any bytes as a theme file, and as a single colour.
 * Whatever comes in, loading must end in a theme or an error, never a crash or
 * a leak, and every style it hands out must be in range. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "warroom/buf.h"
#include "warroom/theme.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_style(const struct theme_style *s)
{
    if (s->fg < -1 || s->fg > 255 || s->bg < -1 || s->bg > 255)
        abort();
    if (s->fg_rgb < -1 || s->fg_rgb > 0xffffff || s->bg_rgb < -1 || s->bg_rgb > 0xffffff)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct theme *t = NULL;

    if (theme_load_text(&t, "fuzz.theme", (const char *)data, size) == 0) {
        for (size_t i = 0; i < theme_warning_count(t); i++) {
            if (!theme_warning(t, i))
                abort();
        }
        theme_without_colour(t);
        for (int e = 0; e < THEME_ELEMENT_COUNT; e++)
            check_style(theme_style(t, (enum theme_element)e));
        theme_free(t);
    } else if (t) {
        abort(); /* a failed load hands back nothing */
    }

    /* The same bytes as one colour word and as a theme name. */
    if (size <= 256) {
        char *word = xstrndup((const char *)data, size);
        int index;
        int32_t rgb;
        if (theme_colour_parse(&index, &rgb, word) == 0) {
            if (index < -1 || index > 255 || theme_colour_reduce(index, 8) > 7)
                abort();
        }
        if (theme_name_is_valid(word) && (strchr(word, '/') || strchr(word, '.')))
            abort();
        free(word);
    }
    return 0;
}
