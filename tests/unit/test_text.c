/* Tests for text: what text_clean removes and replaces (terminal escapes, C0
 * and C1 controls, DEL, bidi and zero-width characters, invalid UTF-8), the
 * newline and tab flags, agreement of text_is_clean with text_clean, the UTF-8
 * decoder and encoder, and widths measured in terminal columns. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "warroom/buf.h"
#include "warroom/text.h"

#define FFFD "\xef\xbf\xbd"

/* Cleans IN[0..LEN) with FLAGS and expects exactly WANT with CHANGED
 * characters removed or replaced. Also checks that text_is_clean agrees on the
 * input and accepts the output. */
static void expect_clean_n(const char *in, size_t len, unsigned flags, const char *want, size_t changed)
{
    struct buf out = BUF_INIT;
    size_t n = text_clean(&out, in, len, flags);
    if (strcmp(buf_str(&out), want) != 0 || n != changed) {
        struct buf hex = BUF_INIT;
        for (size_t i = 0; i < out.len; i++)
            buf_printf(&hex, "%02x ", (unsigned char)out.data[i]);
        fail_msg("cleaned to [%s] (%zu changed), wanted %zu changed", buf_str(&hex), n, changed);
    }
    assert_int_equal(out.len, strlen(want));
    assert_true(text_is_clean(out.data, out.len, flags));
    assert_int_equal(text_is_clean(in, len, flags), changed == 0);
    buf_free(&out);
}

static void expect_clean(const char *in, unsigned flags, const char *want, size_t changed)
{
    expect_clean_n(in, strlen(in), flags, want, changed);
}

/* No byte of S may be ESC, BEL or any other C0 control besides those FLAGS keep. */
static void assert_no_controls(const char *s, size_t len, unsigned flags)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\n' && (flags & TEXT_KEEP_NEWLINES))
            continue;
        if (c == '\t' && (flags & TEXT_KEEP_TABS))
            continue;
        assert_true(c >= 0x20 && c != 0x7f);
    }
}

/* A sequence goes whole: removing only the ESC left "]0;PWNED" and "[31mred[0m"
 * in the text, which is both noise and a payload for the next terminal. */
static void test_escape_sequences(void **state)
{
    (void)state;
    /* CSI colour, cursor movement and screen clearing */
    expect_clean("a\x1b[31mred\x1b[0m", 0, "ared", 9);
    expect_clean("\x1b[2J\x1b[H\x1b[10;10Hx", 0, "x", 15);
    expect_clean("\x1b[?2004h\x1b[38;5;196mhot\x1b[m", 0, "hot", 22);
    /* OSC window title ended by BEL, and OSC 8 hyperlink ended by ST */
    expect_clean("\x1b]0;pwned\x07" "after", 0, "after", 10);
    expect_clean("\x1b]8;;http://evil\x1b\\click\x1b]8;;\x1b\\", 0, "click", 25);
    /* what was pasted into a note in the console */
    expect_clean("evil \x1b]0;PWNED\x07 ... \x1b[2J end", 0, "evil  ...  end", 14);
    expect_clean("deploy log: \x1b[32mOK\x1b[0m done", 0, "deploy log: OK done", 9);
    /* DCS, APC, PM, SOS, and a bare ESC at the end */
    expect_clean("\x1bP1$r\x1b\\x\x1b", 0, "x", 8);
    expect_clean("\x1b_apc\x1b\\\x1b^pm\x07\x1bXsos\x1b\\y", 0, "y", 19);
    /* two-byte sequences: charset, save and restore the cursor, reset; SS3 */
    expect_clean("\x1b(0q\x1b(B", 0, "q", 6);
    expect_clean("\x1b" "7x\x1b" "8\x1b" "c", 0, "x", 6);
    expect_clean("\x1bOA\x1bOB", 0, "", 6);
    /* an ESC that starts no sequence goes alone */
    expect_clean("\x1b\x1b[1mb", 0, "b", 5);
    expect_clean("\x1b\xc3\xa9", 0, "\xc3\xa9", 1);
    expect_clean("a\x1b\nb", TEXT_KEEP_NEWLINES, "a\nb", 1);
    /* a malformed CSI ends at the first byte that cannot be part of it */
    expect_clean("\x1b[12\xc3\xa9", 0, "\xc3\xa9", 4);
    expect_clean("\x1b[1\nnext", TEXT_KEEP_NEWLINES, "\nnext", 3);

    struct buf out = BUF_INIT;
    const char *hostile = "\x1b[31m\x1b]0;t\x07\x1b(0\x9b\x07\x08\r\x0b\x0c\x7f";
    text_clean(&out, hostile, strlen(hostile), 0);
    assert_no_controls(out.data, out.len, 0);
    assert_null(memchr(out.data, 0x1b, out.len));
    assert_null(memchr(out.data, 0x07, out.len));
    buf_free(&out);
}

/* An unterminated string sequence must not swallow the rest of a note: it ends
 * at the end of its line, at the next sequence, at CAN or SUB, or after
 * TEXT_SEQUENCE_MAX bytes. */
static void test_unterminated_strings(void **state)
{
    (void)state;
    expect_clean("a\x1b]0;title\nnext line", TEXT_KEEP_NEWLINES, "a\nnext line", 9);
    expect_clean("a\x1b]0;title\nnext", 0, "a next", 10);
    expect_clean("\x1bPdcs\n\xc2\x9d" "osc\nkept", TEXT_KEEP_NEWLINES, "\n\nkept", 9);
    expect_clean("\x1b]0;t\x1b[31mx", 0, "x", 10);
    expect_clean("\x1b]0;t\xc2\x9b" "1mx", 0, "x", 8);
    expect_clean("\x1b]0;t\x18" "after", 0, "after", 6);
    expect_clean("\x1b]0;t\x1a" "after", 0, "after", 6);
    expect_clean("\x1b]0;to the end", 0, "", 14);

    /* one 64 KiB line: the sequence takes TEXT_SEQUENCE_MAX bytes, no more */
    size_t len = 65536;
    char *note = malloc(len);
    assert_non_null(note);
    memcpy(note, "\x1b]", 2);
    memset(note + 2, 'x', len - 2);
    struct buf out = BUF_INIT;
    assert_int_equal(text_clean(&out, note, len, TEXT_KEEP_NEWLINES), 2 + TEXT_SEQUENCE_MAX);
    assert_int_equal(out.len, len - 2 - TEXT_SEQUENCE_MAX);
    assert_true(out.len > 60000);
    buf_reset(&out);
    /* the same for a CSI's parameters, and an ESC sequence's intermediates */
    memcpy(note, "\x1b[", 2);
    memset(note + 2, '1', len - 2);
    assert_int_equal(text_clean(&out, note, len, 0), 2 + TEXT_SEQUENCE_MAX);
    assert_int_equal(out.len, len - 2 - TEXT_SEQUENCE_MAX);
    buf_reset(&out);
    memset(note + 1, ' ', len - 1);
    assert_int_equal(text_clean(&out, note, len, 0), 1);
    assert_int_equal(out.len, len - 1);
    buf_free(&out);
    free(note);
}

static void test_c0_controls_and_del(void **state)
{
    (void)state;
    expect_clean("a\x7f" "b", 0, "ab", 1);
    expect_clean("bell\x07", 0, "bell", 1);
    expect_clean("back\x08\x08space", 0, "backspace", 2);
    expect_clean("car\rriage", TEXT_KEEP_NEWLINES | TEXT_KEEP_TABS, "carriage", 1);
    expect_clean("a\r\nb", TEXT_KEEP_NEWLINES, "a\nb", 1);
    expect_clean("\x01\x02\x03\x0b\x0c\x0e\x1f" "x", 0, "x", 7);
    /* an embedded NUL is a control character too */
    expect_clean_n("a\0b", 3, 0, "ab", 1);
}

static void test_c1_controls(void **state)
{
    (void)state;
    /* U+009B is CSI on terminals that honour 8-bit controls: the sequence goes */
    expect_clean("a\xc2\x9b" "31mred", 0, "ared", 4);
    expect_clean("\xc2\x80x\xc2\x9f", 0, "x", 2);
    expect_clean("\xc2\x90" "dcs\xc2\x9c" "x", 0, "x", 5);   /* DCS ... ST */
    expect_clean("\xc2\x9d" "0;t\xc2\x9c" "x", 0, "x", 5);   /* OSC ... ST */
    expect_clean("\xc2\x9d" "0;t\x1b\\x", 0, "x", 6);        /* OSC ... ESC \\ */
    expect_clean("\xc2\x8f" "Ax", 0, "x", 2);                  /* SS3 A */
    /* the neighbours are ordinary characters: U+007E and U+00A0 stay */
    expect_clean("~\xc2\xa0~", 0, "~\xc2\xa0~", 0);
    for (uint32_t cp = 0x80; cp <= 0x9f; cp++) {
        char in[4];
        size_t n = text_utf8_encode(cp, in);
        assert_int_equal(n, 2);
        expect_clean_n(in, n, TEXT_KEEP_NEWLINES | TEXT_KEEP_TABS, "", 1);
    }
}

static void test_bidi_and_zero_width(void **state)
{
    (void)state;
    /* right-to-left override: "evil\u202Etxt.exe" would show as "evilexe.txt" */
    expect_clean("evil\xe2\x80\xaetxt.exe", 0, "eviltxt.exe", 1);
    static const uint32_t removed[] = {
        0x202a, 0x202b, 0x202c, 0x202d, 0x202e,  /* embeddings and overrides */
        0x2066, 0x2067, 0x2068, 0x2069,          /* isolates */
        0x200e, 0x200f, 0x061c,                  /* marks */
        0x200b, 0x200c, 0x200d, 0x2060, 0xfeff,  /* zero-width */
    };
    for (size_t i = 0; i < sizeof removed / sizeof *removed; i++) {
        char in[16] = "a";
        size_t n = 1 + text_utf8_encode(removed[i], in + 1);
        in[n++] = 'b';
        in[n] = '\0';
        expect_clean(in, 0, "ab", 1);
        assert_true(text_is_hostile(removed[i]));
        assert_int_equal(text_cp_width(removed[i]), 0);
    }
    /* a BOM at the start of a line is removed too */
    expect_clean("\xef\xbb\xbfhello", 0, "hello", 1);
    /* ordinary punctuation next to those blocks stays */
    expect_clean("\xe2\x80\x94\xe2\x80\x99", 0, "\xe2\x80\x94\xe2\x80\x99", 0); /* em dash, quote */
    assert_false(text_is_hostile(0x2014));
    assert_false(text_is_hostile(0x2070));         /* superscript zero, after the isolates */
}

static void test_invalid_utf8(void **state)
{
    (void)state;
    /* Each byte that does not start a valid sequence becomes one U+FFFD. */
    expect_clean("\x80", 0, FFFD, 1);
    expect_clean("a\xbf" "b", 0, "a" FFFD "b", 1);
    expect_clean("\x80\x80", 0, FFFD FFFD, 2);
    expect_clean("\xc0\xaf", 0, FFFD FFFD, 2);                 /* overlong '/' */
    expect_clean("\xe0\x80\xaf", 0, FFFD FFFD FFFD, 3);        /* overlong, 3 bytes */
    expect_clean("\xf0\x80\x80\xaf", 0, FFFD FFFD FFFD FFFD, 4);
    expect_clean("\xed\xa0\x80", 0, FFFD FFFD FFFD, 3);        /* surrogate U+D800 */
    expect_clean("\xed\xbf\xbf", 0, FFFD FFFD FFFD, 3);        /* surrogate U+DFFF */
    expect_clean("\xf4\x90\x80\x80", 0, FFFD FFFD FFFD FFFD, 4); /* U+110000 */
    expect_clean("\xe2\x82", 0, FFFD FFFD, 2);                 /* truncated euro sign */
    expect_clean("\xe2\x82x", 0, FFFD FFFD "x", 2);
    expect_clean("\xf0\x9f\x98", 0, FFFD FFFD FFFD, 3);        /* truncated emoji */
    expect_clean("\xfe\xff", 0, FFFD FFFD, 2);
    expect_clean("\xf8\x88\x80\x80\x80", 0, FFFD FFFD FFFD FFFD FFFD, 5);
    /* the largest valid code points and U+FFFD itself are kept */
    expect_clean("\xf4\x8f\xbf\xbf", 0, "\xf4\x8f\xbf\xbf", 0);
    expect_clean(FFFD, 0, FFFD, 0);
    expect_clean("\xed\x9f\xbf", 0, "\xed\x9f\xbf", 0);        /* U+D7FF, below the surrogates */
    expect_clean("\xee\x80\x80", 0, "\xee\x80\x80", 0);        /* U+E000, above them */
}

/* When nothing is left, OUT still holds a string: "" (buf.h promises a buf is
 * always NUL-terminated, and callers hand buf_str or buf_detach on). */
static void test_clean_to_nothing(void **state)
{
    (void)state;
    static const char *const all_removed[] = {"\x1b", "\x1b\x07", "\xc2\x9b", "\xe2\x80\xae", "\r"};
    for (size_t i = 0; i < sizeof all_removed / sizeof *all_removed; i++) {
        struct buf out = BUF_INIT;
        assert_true(text_clean(&out, all_removed[i], strlen(all_removed[i]), 0) > 0);
        assert_int_equal(out.len, 0);
        if (out.data)
            assert_int_equal(out.data[0], '\0');
        char *s = buf_detach(&out);
        assert_int_equal(s[0], '\0');
        free(s);
    }
    struct buf out = BUF_INIT;
    assert_int_equal(text_clean(&out, "", 0, 0), 0);
    assert_string_equal(buf_str(&out), "");
    buf_free(&out);
}

static void test_newlines_and_tabs(void **state)
{
    (void)state;
    expect_clean("a\nb\tc", 0, "a b c", 2);
    expect_clean("a\nb\tc", TEXT_KEEP_NEWLINES, "a\nb c", 1);
    expect_clean("a\nb\tc", TEXT_KEEP_TABS, "a b\tc", 1);
    expect_clean("a\nb\tc", TEXT_KEEP_NEWLINES | TEXT_KEEP_TABS, "a\nb\tc", 0);
    /* line and paragraph separators become spaces whatever the flags */
    expect_clean("a\xe2\x80\xa8" "b\xe2\x80\xa9" "c", TEXT_KEEP_NEWLINES, "a b c", 2);
}

static void test_clean_keeps_text(void **state)
{
    (void)state;
    const char *fine = "Deploy #4521 — h\xc3\xa9llo \xe4\xb8\xad\xe6\x96\x87 \xf0\x9f\x94\xa5 e\xcc\x81";
    expect_clean(fine, 0, fine, 0);
    expect_clean("", 0, "", 0);

    /* text_clean appends to what OUT holds */
    struct buf out = BUF_INIT;
    buf_adds(&out, "prefix:");
    assert_int_equal(text_clean(&out, "x\x07y", 3, 0), 1);
    assert_string_equal(buf_str(&out), "prefix:xy");
    /* only LEN bytes are read */
    assert_int_equal(text_clean(&out, "abc\x1b", 2, 0), 0);
    assert_string_equal(buf_str(&out), "prefix:xyab");
    buf_free(&out);
}

/* text_is_clean(s) must be true exactly when text_clean changes nothing. */
static void test_is_clean_agrees(void **state)
{
    (void)state;
    static const char *const inputs[] = {
        "plain", "", "a\nb", "a\tb", "a\r", "\x1b[1m", "\x07", "\x7f", "\xc2\x9b", "\xc2\xa0",
        "\xe2\x80\xae", "\xe2\x81\xa6", "\xe2\x80\x8b", "\xe2\x81\xa0", "\xef\xbb\xbf",
        "\xe2\x80\xa8", "\x80", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe2\x82",
        "\xf0\x9f\x98\x80", "\xe4\xb8\xad", "e\xcc\x81", FFFD, "tab\there\nline",
    };
    static const unsigned flag_sets[] = {0, TEXT_KEEP_NEWLINES, TEXT_KEEP_TABS,
                                         TEXT_KEEP_NEWLINES | TEXT_KEEP_TABS};
    for (size_t i = 0; i < sizeof inputs / sizeof *inputs; i++) {
        for (size_t f = 0; f < 4; f++) {
            struct buf out = BUF_INIT;
            size_t len = strlen(inputs[i]);
            size_t changed = text_clean(&out, inputs[i], len, flag_sets[f]);
            bool clean = text_is_clean(inputs[i], len, flag_sets[f]);
            if (clean != (changed == 0))
                fail_msg("input %zu flags %u: is_clean %d but %zu changed", i, flag_sets[f], clean, changed);
            if (clean) {
                assert_int_equal(out.len, len);
                assert_memory_equal(out.data, inputs[i], len);
            }
            /* cleaning is idempotent */
            struct buf again = BUF_INIT;
            assert_int_equal(text_clean(&again, out.data, out.len, flag_sets[f]), 0);
            assert_string_equal(buf_str(&again), buf_str(&out));
            buf_free(&again);
            buf_free(&out);
        }
    }
}

static void test_utf8_decode_encode(void **state)
{
    (void)state;
    static const struct {
        uint32_t cp;
        const char *bytes;
    } table[] = {
        {0x00, ""}, {0x41, "A"}, {0x7f, "\x7f"}, {0x80, "\xc2\x80"}, {0x7ff, "\xdf\xbf"},
        {0x800, "\xe0\xa0\x80"}, {0xd7ff, "\xed\x9f\xbf"}, {0xe000, "\xee\x80\x80"},
        {0xffff, "\xef\xbf\xbf"}, {0x10000, "\xf0\x90\x80\x80"}, {0x1f600, "\xf0\x9f\x98\x80"},
        {0x10ffff, "\xf4\x8f\xbf\xbf"},
    };
    for (size_t i = 0; i < sizeof table / sizeof *table; i++) {
        size_t want = table[i].cp ? strlen(table[i].bytes) : 1;
        char enc[4];
        assert_int_equal(text_utf8_encode(table[i].cp, enc), want);
        assert_memory_equal(enc, table[i].cp ? table[i].bytes : "\0", want);
        uint32_t cp = 0xdeadbeef;
        assert_int_equal(text_utf8_decode(enc, want, &cp), want);
        assert_int_equal(cp, table[i].cp);
        /* one byte short is truncated */
        if (want > 1)
            assert_int_equal(text_utf8_decode(enc, want - 1, &cp), 0);
    }
    uint32_t cp;
    assert_int_equal(text_utf8_decode("", 0, &cp), 0);
    assert_int_equal(text_utf8_decode("\x80", 1, &cp), 0);
    assert_int_equal(text_utf8_decode("\xc0\xaf", 2, &cp), 0);
    assert_int_equal(text_utf8_decode("\xc1\xbf", 2, &cp), 0);
    assert_int_equal(text_utf8_decode("\xe0\x9f\xbf", 3, &cp), 0);
    assert_int_equal(text_utf8_decode("\xf0\x8f\xbf\xbf", 4, &cp), 0);
    assert_int_equal(text_utf8_decode("\xed\xa0\x80", 3, &cp), 0);
    assert_int_equal(text_utf8_decode("\xf4\x90\x80\x80", 4, &cp), 0);
    assert_int_equal(text_utf8_decode("\xc3(", 2, &cp), 0);
    assert_int_equal(text_utf8_decode("\xff", 1, &cp), 0);
    /* decoding stops after one character */
    assert_int_equal(text_utf8_decode("\xc3\xa9xyz", 5, &cp), 2);
    assert_int_equal(cp, 0xe9);
}

static void test_is_hostile(void **state)
{
    (void)state;
    assert_true(text_is_hostile(0x00));
    assert_true(text_is_hostile(0x1b));
    assert_true(text_is_hostile(0x1f));
    assert_true(text_is_hostile(0x7f));
    assert_true(text_is_hostile(0x80));
    assert_true(text_is_hostile(0x9f));
    assert_true(text_is_hostile(0xfff9));
    assert_false(text_is_hostile(0x20));
    assert_false(text_is_hostile(0x7e));
    assert_false(text_is_hostile(0xa0));
    assert_false(text_is_hostile(0xe9));
    assert_false(text_is_hostile(0x4e2d));
    assert_false(text_is_hostile(0x1f600));
    assert_false(text_is_hostile(0xfffd));
}

static void test_widths(void **state)
{
    (void)state;
    assert_int_equal(text_cp_width('A'), 1);
    assert_int_equal(text_cp_width(' '), 1);
    assert_int_equal(text_cp_width(0xe9), 1);      /* é */
    assert_int_equal(text_cp_width(0x3b1), 1);     /* α */
    assert_int_equal(text_cp_width(0x4e2d), 2);    /* 中 */
    assert_int_equal(text_cp_width(0x3042), 2);    /* あ */
    assert_int_equal(text_cp_width(0xac00), 2);    /* 가 */
    assert_int_equal(text_cp_width(0xff21), 2);    /* fullwidth A */
    assert_int_equal(text_cp_width(0x3000), 2);    /* ideographic space */
    assert_int_equal(text_cp_width(0x20000), 2);   /* CJK extension B */
    assert_int_equal(text_cp_width(0x1f600), 2);   /* 😀 */
    assert_int_equal(text_cp_width(0x1f525), 2);   /* 🔥 */
    assert_int_equal(text_cp_width(0x1f680), 2);   /* 🚀 */
    assert_int_equal(text_cp_width(0x26a1), 2);    /* ⚡ */
    assert_int_equal(text_cp_width(0x0301), 0);    /* combining acute */
    assert_int_equal(text_cp_width(0x20e3), 0);    /* combining keycap */
    assert_int_equal(text_cp_width(0xfe0f), 0);    /* variation selector */
    assert_int_equal(text_cp_width(0x1f3fb), 2);   /* skin tone modifier: wcwidth says 2, tmux draws 2 */
    assert_int_equal(text_cp_width(0x1f3ff), 2);
    assert_int_equal(text_cp_width(0x1b), 0);
    assert_int_equal(text_cp_width('\n'), 0);
    assert_int_equal(text_cp_width(0x9b), 0);

    assert_int_equal(text_width("", 0), 0);
    assert_int_equal(text_width("hello", 5), 5);
    assert_int_equal(text_width("h\xc3\xa9llo", 6), 5);
    assert_int_equal(text_width("\xe4\xb8\xad\xe6\x96\x87", 6), 4);
    assert_int_equal(text_width("e\xcc\x81", 3), 1);
    assert_int_equal(text_width("\xf0\x9f\x98\x80x", 5), 3);
    assert_int_equal(text_width("a\xff" "b", 3), 3);  /* a bad byte shows as one U+FFFD */
    /* thumbs up, medium skin tone: two pictures wide on the terminal */
    assert_int_equal(text_width("\xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd", 8), 4);
}

/* Widths as the terminal will draw them: ncurses and tmux ask the C library's
 * wcwidth, so every printable code point text_clean keeps must measure what
 * wcwidth says in C.UTF-8, and one wcwidth does not know what tmux draws (1). */
static void test_widths_match_wcwidth(void **state)
{
    (void)state;
    assert_non_null(setlocale(LC_ALL, "C.UTF-8"));
    size_t compared = 0, unknown = 0, wrong = 0;
    for (uint32_t cp = 0; cp <= 0x10FFFF; cp++) {
        if (cp >= 0xD800 && cp <= 0xDFFF)
            continue;
        char enc[4];
        size_t n = text_utf8_encode(cp, enc);
        if (!text_is_clean(enc, n, TEXT_KEEP_NEWLINES | TEXT_KEEP_TABS))
            continue;                     /* removed or replaced: never drawn */
        if (cp == '\n' || cp == '\t')
            continue;                     /* kept, but never drawn as themselves */
        int want = wcwidth((wchar_t)cp);
        if (want < 0) {
            unknown++;
            want = 1;
        } else {
            compared++;
        }
        if (text_cp_width(cp) != want && wrong++ < 10)
            print_error("U+%04X: text_cp_width %d, wcwidth %d\n", (unsigned)cp, text_cp_width(cp), want);
    }
    setlocale(LC_ALL, "C");
    assert_int_equal(wrong, 0);
    assert_true(compared > 100000);       /* the printable planes were really walked */
    assert_true(unknown > 0);
}

static void test_fit(void **state)
{
    (void)state;
    const char *cjk = "\xe4\xb8\xad\xe6\x96\x87\xe5\xad\x97"; /* 中文字: 9 bytes, 6 columns */
    size_t used = 99;
    assert_int_equal(text_fit(cjk, 9, 0, &used), 0);
    assert_int_equal(used, 0);
    assert_int_equal(text_fit(cjk, 9, 1, &used), 0);  /* half a wide character does not fit */
    assert_int_equal(used, 0);
    assert_int_equal(text_fit(cjk, 9, 3, &used), 3);
    assert_int_equal(used, 2);
    assert_int_equal(text_fit(cjk, 9, 4, &used), 6);
    assert_int_equal(used, 4);
    assert_int_equal(text_fit(cjk, 9, 100, &used), 9);
    assert_int_equal(used, 6);

    assert_int_equal(text_fit("ab\xe4\xb8\xad", 5, 3, &used), 2);
    assert_int_equal(used, 2);
    assert_int_equal(text_fit("ab\xe4\xb8\xad", 5, 4, &used), 5);
    assert_int_equal(used, 4);
    /* a combining mark stays with its base */
    assert_int_equal(text_fit("e\xcc\x81x", 4, 1, &used), 3);
    assert_int_equal(used, 1);
    assert_int_equal(text_fit("\xf0\x9f\x98\x80", 4, 1, &used), 0);
    assert_int_equal(text_fit("hello", 5, 3, NULL), 3);

    /* every prefix ends on a character boundary and fits */
    const char *mixed = "a\xe4\xb8\xad" "b\xf0\x9f\x98\x80" "e\xcc\x81\xc3\xa9\xe6\x96\x87z";
    size_t len = strlen(mixed);
    size_t total = text_width(mixed, len);
    assert_int_equal(total, 11);
    for (size_t cols = 0; cols <= total + 1; cols++) {
        size_t n = text_fit(mixed, len, cols, &used);
        assert_true(used <= cols);
        assert_int_equal(used, text_width(mixed, n));
        size_t i = 0;
        uint32_t cp;
        while (i < n) {
            size_t step = text_utf8_decode(mixed + i, len - i, &cp);
            assert_true(step > 0);
            i += step;
        }
        assert_int_equal(i, n);
        /* the next character, if any, would not have fitted */
        if (n < len) {
            size_t step = text_utf8_decode(mixed + n, len - n, &cp);
            assert_true(used + (size_t)text_cp_width(cp) > cols);
            (void)step;
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escape_sequences),
        cmocka_unit_test(test_unterminated_strings),
        cmocka_unit_test(test_c0_controls_and_del),
        cmocka_unit_test(test_c1_controls),
        cmocka_unit_test(test_bidi_and_zero_width),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_clean_to_nothing),
        cmocka_unit_test(test_newlines_and_tabs),
        cmocka_unit_test(test_clean_keeps_text),
        cmocka_unit_test(test_is_clean_agrees),
        cmocka_unit_test(test_utf8_decode_encode),
        cmocka_unit_test(test_is_hostile),
        cmocka_unit_test(test_widths),
        cmocka_unit_test(test_widths_match_wcwidth),
        cmocka_unit_test(test_fit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
