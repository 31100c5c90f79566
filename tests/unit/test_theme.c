/* Tests for theme: the shipped themes, the colour and attribute parser, error
 * positions, warnings, NO_COLOR and the search for a theme by name.
 * Run from the repository root (the shipped themes are read from themes/). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "warroom/buf.h"
#include "warroom/error.h"
#include "warroom/theme.h"

static const char *const shipped[] = { "default", "light", "high-contrast", "mono" };
#define SHIPPED_COUNT (sizeof shipped / sizeof shipped[0])

/* Loads TEXT and expects success. */
static struct theme *load_ok(const char *text)
{
    struct theme *t = NULL;
    int rc = theme_load_text(&t, "t.theme", text, strlen(text));
    if (rc < 0)
        fail_msg("unexpected error: %s", error_last());
    assert_non_null(t);
    return t;
}

/* Loads TEXT[0..LEN) under NAME, expects failure with exactly MESSAGE. */
static void load_fails(const char *name, const char *text, size_t len, const char *message)
{
    struct theme *t = (struct theme *)1;
    error_clear();
    assert_true(theme_load_text(&t, name, text, len) < 0);
    assert_null(t);
    assert_string_equal(error_last(), message);
}

static void expect_error(const char *text, const char *message)
{
    load_fails("t.theme", text, strlen(text), message);
}

static void test_element_table(void **state)
{
    (void)state;
    for (int e = 0; e < THEME_ELEMENT_COUNT; e++) {
        const char *name = theme_element_name((enum theme_element)e);
        assert_non_null(name);
        assert_int_equal(theme_element_find(name), e);
    }
    assert_int_equal(theme_element_find("CLOCK.Overdue"), THEME_CLOCK_OVERDUE);
    assert_int_equal(theme_element_find("clock"), -1);
    assert_int_equal(theme_element_find(""), -1);
    assert_null(theme_element_name(THEME_ELEMENT_COUNT));
    assert_string_equal(theme_element_name(THEME_ROLES_UNASSIGNED), "roles.unassigned");
    assert_string_equal(theme_element_name(THEME_SEV_5), "sev.5");
}

static void load_shipped_file(struct theme **t, const char *name)
{
    char path[128];
    snprintf(path, sizeof path, "themes/%s.theme", name);
    if (theme_load_file(t, path) < 0)
        fail_msg("%s: %s", path, error_last());
}

static void test_shipped_themes_load(void **state)
{
    (void)state;
    for (size_t i = 0; i < SHIPPED_COUNT; i++) {
        struct theme *t = NULL;
        load_shipped_file(&t, shipped[i]);
        if (theme_warning_count(t) != 0)
            fail_msg("%s: %s", shipped[i], theme_warning(t, 0));
        for (int e = 0; e < THEME_ELEMENT_COUNT; e++) {
            const struct theme_style *s = theme_style(t, (enum theme_element)e);
            /* A shipped theme is what users copy, so it spells out every element. */
            if (!s->set)
                fail_msg("%s leaves out %s", shipped[i], theme_element_name((enum theme_element)e));
            /* Text in its own background colour cannot be read. */
            if (s->fg != THEME_COLOUR_DEFAULT && s->fg == s->bg)
                fail_msg("%s: %s is %d on %d", shipped[i], theme_element_name((enum theme_element)e),
                         s->fg, s->bg);
            assert_true(s->fg >= -1 && s->fg <= 255);
            assert_true(s->bg >= -1 && s->bg <= 255);
        }
        /* Overdue must never look like pending. */
        assert_memory_not_equal(theme_style(t, THEME_CLOCK_OVERDUE), theme_style(t, THEME_CLOCK_PENDING),
                                sizeof(struct theme_style));
        theme_free(t);
    }
}

/* The built-in copies are the files: same styles whichever way they load. */
static void test_shipped_themes_builtin(void **state)
{
    (void)state;
    for (size_t i = 0; i < SHIPPED_COUNT; i++) {
        struct theme *file = NULL, *builtin = NULL;
        load_shipped_file(&file, shipped[i]);
        if (theme_load_named(&builtin, shipped[i], NULL) < 0)
            fail_msg("built-in %s: %s", shipped[i], error_last());
        assert_int_equal(theme_warning_count(builtin), 0);
        assert_non_null(strstr(theme_name(builtin), "(built-in)"));
        for (int e = 0; e < THEME_ELEMENT_COUNT; e++)
            assert_memory_equal(theme_style(file, (enum theme_element)e),
                                theme_style(builtin, (enum theme_element)e), sizeof(struct theme_style));
        theme_free(file);
        theme_free(builtin);
    }
}

static void test_default_theme_choices(void **state)
{
    (void)state;
    struct theme *t = NULL;
    load_shipped_file(&t, "default");

    const struct theme_style *s = theme_style(t, THEME_CLOCK_OVERDUE);
    assert_int_equal(s->fg, 7);
    assert_int_equal(s->bg, 1);
    assert_true(s->attrs & THEME_ATTR_BOLD);

    s = theme_style(t, THEME_SEV_1);
    assert_int_equal(s->bg, 1);
    assert_true(s->fg == 7 || s->fg == 15);
    assert_true(s->attrs & THEME_ATTR_BOLD);

    s = theme_style(t, THEME_SEV_2);
    assert_int_equal(s->fg, 0);
    assert_int_equal(s->bg, 3);

    /* A dark-terminal theme leaves the terminal's background alone. */
    assert_int_equal(theme_style(t, THEME_DEFAULT)->bg, THEME_COLOUR_DEFAULT);
    theme_free(t);
}

static void test_mono_theme_has_no_colour(void **state)
{
    (void)state;
    struct theme *t = NULL;
    load_shipped_file(&t, "mono");
    for (int e = 0; e < THEME_ELEMENT_COUNT; e++) {
        const struct theme_style *s = theme_style(t, (enum theme_element)e);
        assert_int_equal(s->fg, THEME_COLOUR_DEFAULT);
        assert_int_equal(s->bg, THEME_COLOUR_DEFAULT);
        assert_int_equal(s->fg_rgb, THEME_NO_RGB);
        assert_int_equal(s->bg_rgb, THEME_NO_RGB);
    }
    const enum theme_element loud[] = { THEME_SEV_1, THEME_CLOCK_OVERDUE, THEME_TIMELINE_SELECTED,
                                        THEME_ROLES_UNASSIGNED, THEME_ERROR, THEME_SINK_FAILING };
    for (size_t i = 0; i < sizeof loud / sizeof loud[0]; i++)
        assert_true(theme_style(t, loud[i])->attrs & THEME_ATTR_REVERSE);

    /* Already colourless: theme_without_colour changes nothing. */
    struct theme_style before[THEME_ELEMENT_COUNT];
    for (int e = 0; e < THEME_ELEMENT_COUNT; e++)
        before[e] = *theme_style(t, (enum theme_element)e);
    theme_without_colour(t);
    for (int e = 0; e < THEME_ELEMENT_COUNT; e++)
        assert_memory_equal(&before[e], theme_style(t, (enum theme_element)e), sizeof before[e]);
    theme_free(t);
}

struct colour_case {
    const char *text;
    int index;
    int32_t rgb;
};

static void test_colour_parse_valid(void **state)
{
    (void)state;
    static const struct colour_case cases[] = {
        { "default", -1, THEME_NO_RGB },
        { "black", 0, THEME_NO_RGB },
        { "red", 1, THEME_NO_RGB },
        { "green", 2, THEME_NO_RGB },
        { "yellow", 3, THEME_NO_RGB },
        { "blue", 4, THEME_NO_RGB },
        { "magenta", 5, THEME_NO_RGB },
        { "cyan", 6, THEME_NO_RGB },
        { "white", 7, THEME_NO_RGB },
        { "brightblack", 8, THEME_NO_RGB },
        { "brightred", 9, THEME_NO_RGB },
        { "brightgreen", 10, THEME_NO_RGB },
        { "brightyellow", 11, THEME_NO_RGB },
        { "brightblue", 12, THEME_NO_RGB },
        { "brightmagenta", 13, THEME_NO_RGB },
        { "brightcyan", 14, THEME_NO_RGB },
        { "brightwhite", 15, THEME_NO_RGB },
        { "RED", 1, THEME_NO_RGB },
        { "Default", -1, THEME_NO_RGB },
        { "colour0", 0, THEME_NO_RGB },
        { "colour255", 255, THEME_NO_RGB },
        { "color17", 17, THEME_NO_RGB },
        { "Colour9", 9, THEME_NO_RGB },
        { "colour007", 7, THEME_NO_RGB },
        { "#ff0000", 196, 0xff0000 },
        { "#000000", 16, 0x000000 },
        { "#ffffff", 231, 0xffffff },
        { "#5f87af", 67, 0x5f87af },  /* exactly on the cube */
        { "#808080", 244, 0x808080 }, /* exactly on the grey ramp */
        { "#121212", 233, 0x121212 },
        { "#ff8000", 208, 0xff8000 },
        { "#FFaa00", 214, 0xffaa00 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int index = 12345;
        int32_t rgb = 12345;
        if (theme_colour_parse(&index, &rgb, cases[i].text) < 0)
            fail_msg("%s: %s", cases[i].text, error_last());
        if (index != cases[i].index || rgb != cases[i].rgb)
            fail_msg("%s: got %d/%06x, want %d/%06x", cases[i].text, index, (unsigned)rgb,
                     cases[i].index, (unsigned)cases[i].rgb);
    }
}

static void test_colour_parse_invalid(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        const char *message;
    } cases[] = {
        { "purpel", "unknown colour \"purpel\"" },
        { "", "unknown colour \"\"" },
        { "colour256", "colour out of range \"colour256\" (0 to 255)" },
        { "color1000", "colour out of range \"color1000\" (0 to 255)" },
        { "colour00255", "colour out of range \"colour00255\" (0 to 255)" },
        { "colour99999999999999999999", "colour out of range \"colour99999999999999999999\" (0 to 255)" },
        { "colour-1", "unknown colour \"colour-1\"" },
        { "colour", "unknown colour \"colour\"" },
        { "colour+5", "unknown colour \"colour+5\"" },
        { "colour5x", "unknown colour \"colour5x\"" },
        { "bright", "unknown colour \"bright\"" },
        { "#ff00", "bad colour \"#ff00\" (expected #rrggbb)" },
        { "#ff00zz", "bad colour \"#ff00zz\" (expected #rrggbb)" },
        { "#ff000000", "bad colour \"#ff000000\" (expected #rrggbb)" },
        { "#", "bad colour \"#\" (expected #rrggbb)" },
        { "# ff0000", "bad colour \"# ff0000\" (expected #rrggbb)" },
        { "#-fffff", "bad colour \"#-fffff\" (expected #rrggbb)" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int index = 3;
        int32_t rgb = 3;
        error_clear();
        if (theme_colour_parse(&index, &rgb, cases[i].text) == 0)
            fail_msg("\"%s\" parsed as %d", cases[i].text, index);
        assert_string_equal(error_last(), cases[i].message);
    }
}

/* Every cube entry and every step of the grey ramp maps onto itself. */
static void test_find_rgb_exact_palette(void **state)
{
    (void)state;
    static const int level[6] = { 0x00, 0x5f, 0x87, 0xaf, 0xd7, 0xff };
    for (int r = 0; r < 6; r++)
        for (int g = 0; g < 6; g++)
            for (int b = 0; b < 6; b++)
                assert_int_equal(theme_colour_find_rgb((uint8_t)level[r], (uint8_t)level[g], (uint8_t)level[b]),
                                 16 + 36 * r + 6 * g + b);
    for (int i = 0; i < 24; i++) {
        uint8_t v = (uint8_t)(8 + 10 * i);
        assert_int_equal(theme_colour_find_rgb(v, v, v), 232 + i);
    }
    /* Near but not on the palette. */
    assert_int_equal(theme_colour_find_rgb(0xfe, 0x01, 0x02), 196);
    assert_int_equal(theme_colour_find_rgb(0x30, 0x30, 0x30), 236);
    assert_int_equal(theme_colour_find_rgb(0xf5, 0xf5, 0xf5), 255);
    assert_int_equal(theme_colour_find_rgb(0x01, 0x01, 0x01), 16);
    /* Either side of the cube's first step (48) and of the grey ramp's steps. */
    assert_int_equal(theme_colour_find_rgb(47, 200, 0), 40);
    assert_int_equal(theme_colour_find_rgb(48, 200, 0), 76);
    assert_int_equal(theme_colour_find_rgb(12, 12, 12), 232);
    assert_int_equal(theme_colour_find_rgb(13, 13, 13), 233);
    assert_int_equal(theme_colour_find_rgb(239, 239, 239), 255);
}

static void test_colour_reduce(void **state)
{
    (void)state;
    assert_int_equal(theme_colour_reduce(-1, 8), -1);
    assert_int_equal(theme_colour_reduce(1, 8), 1);
    assert_int_equal(theme_colour_reduce(244, 256), 244);
    assert_int_equal(theme_colour_reduce(9, 16), 9);
    assert_int_equal(theme_colour_reduce(9, 8), 1);    /* brightred -> red */
    assert_int_equal(theme_colour_reduce(15, 8), 7);   /* brightwhite -> white */
    assert_int_equal(theme_colour_reduce(196, 16), 9); /* #ff0000 -> brightred */
    assert_int_equal(theme_colour_reduce(196, 8), 1);
    assert_int_equal(theme_colour_reduce(231, 16), 15);
    assert_int_equal(theme_colour_reduce(16, 8), 0);
    assert_int_equal(theme_colour_reduce(21, 8), 4);   /* #0000ff -> blue */
    assert_int_equal(theme_colour_reduce(232, 16), 0);
    assert_int_equal(theme_colour_reduce(1, 2), -1);   /* too few colours to use any */
    assert_int_equal(theme_colour_reduce(300, 256), -1);
    for (int c = 0; c < 256; c++) {
        assert_in_range(theme_colour_reduce(c, 8), 0, 7);
        assert_in_range(theme_colour_reduce(c, 16), 0, 15);
    }
}

static void test_attributes(void **state)
{
    (void)state;
    struct theme *t = load_ok("color header red blue bold dim underline reverse italic blink standout\n"
                              "color footer red blue BOLD Underline\n"
                              "color title red blue bold reverse normal underline\n"
                              "color border red blue normal\n"
                              "color prompt red blue\n");
    assert_int_equal(theme_style(t, THEME_HEADER)->attrs,
                     THEME_ATTR_BOLD | THEME_ATTR_DIM | THEME_ATTR_UNDERLINE | THEME_ATTR_REVERSE |
                         THEME_ATTR_ITALIC | THEME_ATTR_BLINK | THEME_ATTR_STANDOUT);
    assert_int_equal(theme_style(t, THEME_FOOTER)->attrs, THEME_ATTR_BOLD | THEME_ATTR_UNDERLINE);
    assert_int_equal(theme_style(t, THEME_TITLE)->attrs, THEME_ATTR_UNDERLINE);
    assert_int_equal(theme_style(t, THEME_BORDER)->attrs, 0);
    /* Given without attributes means none, not the fallback's. */
    assert_int_equal(theme_style(t, THEME_PROMPT)->attrs, 0);
    assert_true(theme_style(t, THEME_PROMPT)->set);
    theme_free(t);

    expect_error("color header red blue bold blik\n",
                 "t.theme:1:28: unknown attribute \"blik\" "
                 "(bold, dim, underline, reverse, italic, blink, standout, normal)");
}

static void test_error_positions(void **state)
{
    (void)state;
    const char *light = "# light\n\n"
                        "color default default default\n"
                        "color header black cyan\n"
                        "\n"
                        "  # indented comment\n"
                        "color timeline.text purpel default\n";
    load_fails("light.theme", light, strlen(light), "light.theme:7:21: unknown colour \"purpel\"");

    expect_error("# c\n\ncolor default default default\n  color header red purpel bold\n",
                 "t.theme:4:20: unknown colour \"purpel\"");
    expect_error("color\theader\tred\tblu\n", "t.theme:1:18: unknown colour \"blu\"");
    expect_error("color header red\n", "t.theme:1:17: expected a background colour");
    expect_error("color header red   # no background\n", "t.theme:1:20: expected a background colour");
    expect_error("color header\n", "t.theme:1:13: expected a foreground colour");
    expect_error("color", "t.theme:1:6: expected an element name");
    expect_error("colr header red blue\n", "t.theme:1:1: unknown command \"colr\" (expected color)");
    expect_error("color header colour300 blue\n", "t.theme:1:14: colour out of range \"colour300\" (0 to 255)");
    expect_error("color header #12345g blue\n", "t.theme:1:14: bad colour \"#12345g\" (expected #rrggbb)");
    /* Windows line ends. */
    expect_error("color header red blue\r\ncolor footer x y\r\n", "t.theme:2:14: unknown colour \"x\"");
    /* A colour mistake on a line naming an unknown element is still an error. */
    expect_error("color some.new.thing purpel default\n", "t.theme:1:22: unknown colour \"purpel\"");

    static const char nul[] = "color header red\0 blue\n";
    load_fails("t.theme", nul, sizeof nul - 1, "t.theme:1:17: NUL byte in theme");
}

/* Whatever a hostile theme holds, its messages stay plain printable text. */
static void test_error_messages_are_safe(void **state)
{
    (void)state;
    struct buf text = BUF_INIT;
    buf_adds(&text, "color header \x1b]0;pwned\x07\x1b[2J blue\n");
    error_clear();
    struct theme *t = NULL;
    assert_true(theme_load_text(&t, "evil\x1b[31m.theme", text.data, text.len) < 0);
    const char *msg = error_last();
    for (const char *p = msg; *p; p++)
        assert_true(*p >= 0x20 && *p < 0x7f);
    assert_non_null(strstr(msg, "\\x1b]0;pwned\\x07\\x1b[2J"));
    assert_non_null(strstr(msg, "evil\\x1b[31m.theme:1:14:"));

    buf_reset(&text);
    buf_adds(&text, "color header ");
    for (int i = 0; i < 900; i++)
        buf_addc(&text, 'q');
    buf_adds(&text, " blue\n");
    assert_true(theme_load_text(&t, "t.theme", text.data, text.len) < 0);
    assert_true(strlen(error_last()) < 200);
    assert_non_null(strstr(error_last(), "qqq...\""));
    buf_free(&text);
}

static void test_bounds(void **state)
{
    (void)state;
    struct buf text = BUF_INIT;
    struct theme *t = NULL;

    /* Line length: THEME_MAX_LINE bytes is fine, one more is not. */
    buf_addc(&text, '#');
    for (int i = 1; i < THEME_MAX_LINE; i++)
        buf_addc(&text, 'x');
    buf_adds(&text, "\r\n");
    t = load_ok(text.data);
    theme_free(t);
    buf_reset(&text);
    buf_adds(&text, "color header red blue\n#");
    for (int i = 0; i < THEME_MAX_LINE; i++)
        buf_addc(&text, 'x');
    load_fails("t.theme", text.data, text.len, "t.theme:2: line is longer than 1024 bytes");

    /* Size: THEME_MAX_SIZE bytes of comments load, one more byte does not. */
    buf_reset(&text);
    while (text.len < THEME_MAX_SIZE)
        buf_adds(&text, "#\n");
    assert_int_equal(text.len, THEME_MAX_SIZE);
    t = load_ok(text.data);
    theme_free(t);
    buf_addc(&text, '\n');
    load_fails("t.theme", text.data, text.len, "t.theme: theme is larger than 65536 bytes");

    /* Number of color lines. */
    buf_reset(&text);
    for (int i = 0; i < THEME_MAX_ENTRIES; i++)
        buf_adds(&text, "color default default default\n");
    t = load_ok(text.data);
    theme_free(t);
    buf_adds(&text, "color default default default\n");
    load_fails("t.theme", text.data, text.len, "t.theme:513:1: more than 512 color lines");
    buf_free(&text);
}

static void test_unknown_element_warns(void **state)
{
    (void)state;
    struct theme *t = load_ok("color timeline.future red default bold\n"
                              "color header red blue\n");
    assert_int_equal(theme_warning_count(t), 1);
    assert_string_equal(theme_warning(t, 0), "t.theme:1:7: unknown element \"timeline.future\", ignored");
    assert_null(theme_warning(t, 1));
    assert_true(theme_style(t, THEME_HEADER)->set);
    assert_int_equal(theme_style(t, THEME_HEADER)->fg, 1);
    theme_free(t);

    /* Many: the first ones are kept and the last slot counts the rest. */
    struct buf text = BUF_INIT;
    for (int i = 0; i < 20; i++)
        buf_printf(&text, "color future.%d red default\n", i);
    t = load_ok(text.data);
    assert_int_equal(theme_warning_count(t), THEME_MAX_WARNINGS);
    assert_string_equal(theme_warning(t, 0), "t.theme:1:7: unknown element \"future.0\", ignored");
    assert_string_equal(theme_warning(t, THEME_MAX_WARNINGS - 2),
                        "t.theme:15:7: unknown element \"future.14\", ignored");
    assert_string_equal(theme_warning(t, THEME_MAX_WARNINGS - 1), "t.theme: 5 more warnings not shown");
    assert_null(theme_warning(t, THEME_MAX_WARNINGS));
    theme_free(t);
    buf_free(&text);
}

static void test_comments_and_layout(void **state)
{
    (void)state;
    struct theme *t = load_ok("\xef\xbb\xbf# leading byte order mark\n"
                              "   \t\n"
                              "#color header red blue\n"
                              "color header #ff0000 blue bold # trailing comment\n"
                              "COLOUR footer colour33 #0000ff #\n"
                              "color title green black\n"
                              "color title yellow black\n"
                              "color border red black"); /* no final newline */
    assert_int_equal(theme_warning_count(t), 0);
    const struct theme_style *s = theme_style(t, THEME_HEADER);
    assert_int_equal(s->fg, 196);
    assert_int_equal(s->fg_rgb, 0xff0000);
    assert_int_equal(s->bg, 4);
    assert_int_equal(s->bg_rgb, THEME_NO_RGB);
    assert_int_equal(s->attrs, THEME_ATTR_BOLD);
    s = theme_style(t, THEME_FOOTER);
    assert_int_equal(s->fg, 33);
    assert_int_equal(s->bg, 21);
    assert_int_equal(s->bg_rgb, 0x0000ff);
    assert_int_equal(theme_style(t, THEME_TITLE)->fg, 3); /* a later line wins */
    assert_int_equal(theme_style(t, THEME_BORDER)->fg, 1);
    theme_free(t);
}

static void test_fallbacks(void **state)
{
    (void)state;
    struct theme *t = load_ok("");
    for (int e = 0; e < THEME_ELEMENT_COUNT; e++) {
        const struct theme_style *s = theme_style(t, (enum theme_element)e);
        assert_false(s->set);
        assert_int_equal(s->fg, THEME_COLOUR_DEFAULT);
        assert_int_equal(s->bg, THEME_COLOUR_DEFAULT);
    }
    assert_int_equal(theme_style(t, THEME_CLOCK_OVERDUE)->attrs, THEME_ATTR_REVERSE | THEME_ATTR_BOLD);
    assert_int_equal(theme_style(t, THEME_TIMELINE_SELECTED)->attrs, THEME_ATTR_REVERSE);
    assert_int_equal(theme_style(t, THEME_DEFAULT)->attrs, 0);
    assert_int_equal(theme_warning_count(t), 0);
    theme_free(t);
}

static void test_without_colour(void **state)
{
    (void)state;
    struct theme *t = load_ok("color clock.overdue white red bold\n"
                              "color timeline.selected default default underline\n"
                              "color header #102030 #405060 italic\n"
                              "color sev.2 black yellow\n");
    theme_without_colour(t);
    for (int e = 0; e < THEME_ELEMENT_COUNT; e++) {
        const struct theme_style *s = theme_style(t, (enum theme_element)e);
        assert_int_equal(s->fg, THEME_COLOUR_DEFAULT);
        assert_int_equal(s->bg, THEME_COLOUR_DEFAULT);
        assert_int_equal(s->fg_rgb, THEME_NO_RGB);
        assert_int_equal(s->bg_rgb, THEME_NO_RGB);
    }
    assert_int_equal(theme_style(t, THEME_CLOCK_OVERDUE)->attrs, THEME_ATTR_BOLD | THEME_ATTR_REVERSE);
    assert_true(theme_style(t, THEME_CLOCK_OVERDUE)->set);
    /* It never relied on colour, so it is left as the theme said. */
    assert_int_equal(theme_style(t, THEME_TIMELINE_SELECTED)->attrs, THEME_ATTR_UNDERLINE);
    assert_int_equal(theme_style(t, THEME_HEADER)->attrs, THEME_ATTR_ITALIC | THEME_ATTR_REVERSE);
    assert_int_equal(theme_style(t, THEME_SEV_2)->attrs, THEME_ATTR_REVERSE | THEME_ATTR_BOLD);
    theme_free(t);

    /* Every shipped theme keeps all its attributes. */
    for (size_t i = 0; i < SHIPPED_COUNT; i++) {
        struct theme *colour = NULL, *plain = NULL;
        load_shipped_file(&colour, shipped[i]);
        load_shipped_file(&plain, shipped[i]);
        theme_without_colour(plain);
        for (int e = 0; e < THEME_ELEMENT_COUNT; e++) {
            unsigned had = theme_style(colour, (enum theme_element)e)->attrs;
            const struct theme_style *s = theme_style(plain, (enum theme_element)e);
            assert_int_equal(s->attrs & had, had);
            assert_int_equal(s->fg, THEME_COLOUR_DEFAULT);
            assert_int_equal(s->bg, THEME_COLOUR_DEFAULT);
        }
        assert_true(theme_style(plain, THEME_CLOCK_OVERDUE)->attrs & THEME_ATTR_REVERSE);
        assert_true(theme_style(plain, THEME_SEV_1)->attrs & THEME_ATTR_REVERSE);
        theme_free(colour);
        theme_free(plain);
    }
}

static void test_name_validation(void **state)
{
    (void)state;
    static const char *const good[] = { "default", "high-contrast", "my_theme2", "A", "-" };
    static const char *const bad[] = {
        "", "../../etc/x", "a/b", ".", "..", "x.theme", "a b", "caf\xc3\xa9", "/etc/passwd", "~x",
        "a\\b", "x\n",
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        assert_true(theme_name_is_valid(good[i]));
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (theme_name_is_valid(bad[i]))
            fail_msg("\"%s\" was accepted", bad[i]);

    char longest[THEME_MAX_NAME + 2];
    memset(longest, 'a', sizeof longest);
    longest[THEME_MAX_NAME] = '\0';
    assert_true(theme_name_is_valid(longest));
    longest[THEME_MAX_NAME] = 'a';
    longest[THEME_MAX_NAME + 1] = '\0';
    assert_false(theme_name_is_valid(longest));

    /* A path as a name reaches neither the search dirs nor the file. */
    const char *dirs[] = { "themes", NULL };
    struct theme *t = (struct theme *)1;
    assert_true(theme_load_named(&t, "../themes/default", dirs) < 0);
    assert_null(t);
    assert_string_equal(error_last(), "bad theme name \"../themes/default\" (letters, digits, - and _ only)");
    assert_true(theme_load_named(&t, "../../etc/passwd", NULL) < 0);
    assert_null(t);
}

/* A scratch directory of theme files, removed by the teardown. */
struct scratch {
    char dir[64];
};

static void write_file(const char *dir, const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

static int scratch_setup(void **state)
{
    struct scratch *s = xcalloc(1, sizeof *s);
    snprintf(s->dir, sizeof s->dir, "/tmp/warroom-theme-XXXXXX");
    if (!mkdtemp(s->dir))
        return -1;
    *state = s;
    return 0;
}

static int scratch_teardown(void **state)
{
    struct scratch *s = *state;
    static const char *const names[] = { "custom.theme", "default.theme", "broken.theme", "big.theme",
                                         "fifo.theme", "dir.theme" };
    char path[256];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", s->dir, names[i]);
        if (unlink(path) < 0)
            rmdir(path);
    }
    rmdir(s->dir);
    free(s);
    return 0;
}

static void test_load_named_search(void **state)
{
    struct scratch *s = *state;
    struct theme *t = NULL;
    char expect[256];

    write_file(s->dir, "custom.theme", "color sev.1 green black bold\n");
    write_file(s->dir, "default.theme", "color sev.1 magenta black\n");
    write_file(s->dir, "broken.theme", "color sev.1 purpel black\n");

    const char *dirs[] = { "", "/nonexistent/warroom", s->dir, "themes", NULL };

    assert_int_equal(theme_load_named(&t, "custom", dirs), 0);
    snprintf(expect, sizeof expect, "%s/custom.theme", s->dir);
    assert_string_equal(theme_name(t), expect);
    assert_int_equal(theme_style(t, THEME_SEV_1)->fg, 2);
    theme_free(t);

    /* The user's copy comes before the shipped one of the same name. */
    assert_int_equal(theme_load_named(&t, "default", dirs), 0);
    assert_int_equal(theme_style(t, THEME_SEV_1)->fg, 5);
    theme_free(t);

    /* Found in a later directory. */
    assert_int_equal(theme_load_named(&t, "light", dirs), 0);
    assert_string_equal(theme_name(t), "themes/light.theme");
    theme_free(t);

    /* Not on disk at all: the built-in copy. */
    const char *empty[] = { s->dir, NULL };
    assert_int_equal(theme_load_named(&t, "high-contrast", empty), 0);
    assert_string_equal(theme_name(t), "themes/high-contrast.theme (built-in)");
    theme_free(t);

    /* A broken file is reported, not skipped in favour of another. */
    t = (struct theme *)1;
    assert_true(theme_load_named(&t, "broken", dirs) < 0);
    assert_null(t);
    snprintf(expect, sizeof expect, "%s/broken.theme:1:13: unknown colour \"purpel\"", s->dir);
    assert_string_equal(error_last(), expect);

    assert_true(theme_load_named(&t, "nosuch", dirs) < 0);
    assert_string_equal(error_last(), "no theme called \"nosuch\"");
}

static void test_load_file_refuses(void **state)
{
    struct scratch *s = *state;
    struct theme *t = NULL;
    char path[256];

    assert_true(theme_load_file(&t, "/nonexistent/warroom/x.theme") < 0);
    assert_string_equal(error_last(), "no theme file /nonexistent/warroom/x.theme");

    snprintf(path, sizeof path, "%s/dir.theme", s->dir);
    assert_int_equal(mkdir(path, 0700), 0);
    assert_true(theme_load_file(&t, path) < 0);
    assert_non_null(strstr(error_last(), "not a regular file"));
    const char *dirs[] = { s->dir, NULL };
    assert_true(theme_load_named(&t, "dir", dirs) < 0);
    assert_non_null(strstr(error_last(), "not a regular file"));

    /* A FIFO is refused without waiting for a writer. */
    snprintf(path, sizeof path, "%s/fifo.theme", s->dir);
    assert_int_equal(mkfifo(path, 0600), 0);
    assert_true(theme_load_file(&t, path) < 0);
    assert_non_null(strstr(error_last(), "not a regular file"));

    snprintf(path, sizeof path, "%s/big.theme", s->dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    for (int i = 0; i <= THEME_MAX_SIZE; i++)
        fputc('\n', f);
    assert_int_equal(fclose(f), 0);
    assert_true(theme_load_file(&t, path) < 0);
    assert_non_null(strstr(error_last(), "theme is larger than 65536 bytes"));
    assert_null(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_element_table),
        cmocka_unit_test(test_shipped_themes_load),
        cmocka_unit_test(test_shipped_themes_builtin),
        cmocka_unit_test(test_default_theme_choices),
        cmocka_unit_test(test_mono_theme_has_no_colour),
        cmocka_unit_test(test_colour_parse_valid),
        cmocka_unit_test(test_colour_parse_invalid),
        cmocka_unit_test(test_find_rgb_exact_palette),
        cmocka_unit_test(test_colour_reduce),
        cmocka_unit_test(test_attributes),
        cmocka_unit_test(test_error_positions),
        cmocka_unit_test(test_error_messages_are_safe),
        cmocka_unit_test(test_bounds),
        cmocka_unit_test(test_unknown_element_warns),
        cmocka_unit_test(test_comments_and_layout),
        cmocka_unit_test(test_fallbacks),
        cmocka_unit_test(test_without_colour),
        cmocka_unit_test(test_name_validation),
        cmocka_unit_test_setup_teardown(test_load_named_search, scratch_setup, scratch_teardown),
        cmocka_unit_test_setup_teardown(test_load_file_refuses, scratch_setup, scratch_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
