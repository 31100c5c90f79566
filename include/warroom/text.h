/* text — untrusted text made safe, and measured in terminal columns.
 * Every string that comes from a log, a config, a server, git or the keyboard
 * passes through text_clean before it is stored, drawn or sent: invalid UTF-8 is
 * replaced with U+FFFD, and characters that could steer a terminal or reorder
 * what a reader sees are removed (C0 controls other than newline and tab, DEL,
 * C1 controls, bidi overrides and isolates, zero-width characters). */
#ifndef WARROOM_TEXT_H
#define WARROOM_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "warroom/buf.h"

enum text_flags {
    TEXT_KEEP_NEWLINES = 1 << 0, /* keep '\n' (multi-line text); otherwise it becomes a space */
    TEXT_KEEP_TABS = 1 << 1,     /* keep '\t'; otherwise it becomes a space */
};

/* Appends the cleaned form of S[0..LEN) to OUT. Returns how many characters were
 * removed or replaced (0 when the text was already clean). */
size_t text_clean(struct buf *out, const char *s, size_t len, unsigned flags);

/* True when S[0..LEN) is already what text_clean would produce with FLAGS. */
bool text_is_clean(const char *s, size_t len, unsigned flags);

/* Decodes one UTF-8 character at S (at most LEN bytes). Stores the code point
 * in *CP and returns its length in bytes; returns 0 for an invalid or truncated
 * sequence (overlong forms, surrogates and values past U+10FFFF are invalid). */
size_t text_utf8_decode(const char *s, size_t len, uint32_t *cp);

/* Encodes CP as UTF-8 into OUT (at least 4 bytes); returns the length. */
size_t text_utf8_encode(uint32_t cp, char *out);

/* True for a code point that text_clean removes. */
bool text_is_hostile(uint32_t cp);

/* Columns a clean string takes on a terminal (wcwidth semantics, independent
 * of the locale: wide East Asian characters and emoji take two). */
size_t text_width(const char *s, size_t len);

/* Columns one code point takes: 0, 1 or 2. */
int text_cp_width(uint32_t cp);

/* The longest prefix of S (bytes) that fits in COLS columns without splitting
 * a character; *USED gets the columns it takes. */
size_t text_fit(const char *s, size_t len, size_t cols, size_t *used);

#endif
