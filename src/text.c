#include "warroom/text.h"

#include <string.h>

size_t text_utf8_decode(const char *s, size_t len, uint32_t *cp)
{
    const unsigned char *u = (const unsigned char *)s;
    if (len == 0)
        return 0;
    if (u[0] < 0x80) {
        *cp = u[0];
        return 1;
    }
    size_t n;
    uint32_t c, min;
    if ((u[0] & 0xE0) == 0xC0) {
        n = 2, c = u[0] & 0x1F, min = 0x80;
    } else if ((u[0] & 0xF0) == 0xE0) {
        n = 3, c = u[0] & 0x0F, min = 0x800;
    } else if ((u[0] & 0xF8) == 0xF0) {
        n = 4, c = u[0] & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (len < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((u[i] & 0xC0) != 0x80)
            return 0;
        c = (c << 6) | (u[i] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    *cp = c;
    return n;
}

size_t text_utf8_encode(uint32_t cp, char *out)
{
    unsigned char *u = (unsigned char *)out;
    if (cp < 0x80) {
        u[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        u[0] = (unsigned char)(0xC0 | (cp >> 6));
        u[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        u[0] = (unsigned char)(0xE0 | (cp >> 12));
        u[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    u[0] = (unsigned char)(0xF0 | (cp >> 18));
    u[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    u[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    u[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

bool text_is_hostile(uint32_t cp)
{
    if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F))
        return true;                      /* C0, DEL, C1: terminal control */
    switch (cp) {
    case 0x061C:                          /* Arabic letter mark */
    case 0x180E:                          /* Mongolian vowel separator */
    case 0x200B: case 0x200C: case 0x200D: /* zero-width space, non-joiner, joiner */
    case 0x200E: case 0x200F:             /* LRM, RLM */
    case 0xFEFF:                          /* zero-width no-break space / BOM */
        return true;
    }
    if (cp >= 0x202A && cp <= 0x202E)     /* bidi embeddings and overrides */
        return true;
    if (cp >= 0x2060 && cp <= 0x2069)     /* word joiner, invisible operators, bidi isolates */
        return true;
    if (cp >= 0xFFF9 && cp <= 0xFFFB)     /* interlinear annotation controls */
        return true;
    return false;
}

/* What to do with one decoded code point: keep it, drop it, or put a space. */
enum verdict { KEEP, DROP, SPACE };

static enum verdict judge(uint32_t cp, unsigned flags)
{
    if (cp == '\n')
        return (flags & TEXT_KEEP_NEWLINES) ? KEEP : SPACE;
    if (cp == '\t')
        return (flags & TEXT_KEEP_TABS) ? KEEP : SPACE;
    if (cp == 0x2028 || cp == 0x2029)     /* line/paragraph separators move the cursor in some terminals */
        return SPACE;
    return text_is_hostile(cp) ? DROP : KEEP;
}

bool text_is_clean(const char *s, size_t len, unsigned flags)
{
    size_t i = 0;
    while (i < len) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c < 0x7F) {      /* the common case: printable ASCII */
            i++;
            continue;
        }
        uint32_t cp;
        size_t n = text_utf8_decode(s + i, len - i, &cp);
        if (n == 0 || judge(cp, flags) != KEEP)
            return false;
        i += n;
    }
    return true;
}

/* ---- terminal escape sequences ----
 * A sequence is removed whole, as a terminal would consume it: removing only
 * its ESC would leave "]0;title" or "[31m" in the text. The forms are those of
 * ECMA-48 and the DEC parser terminals follow (vt100.net's state machine). */

enum introducer { INTRO_NONE, INTRO_CSI, INTRO_STRING, INTRO_SHIFT };

/* What the C1 control CP (U+0080..U+009F) introduces. */
static enum introducer c1_introducer(uint32_t cp)
{
    switch (cp) {
    case 0x9B: return INTRO_CSI;
    case 0x90: case 0x98: case 0x9D: case 0x9E: case 0x9F:
        return INTRO_STRING;              /* DCS, SOS, OSC, PM, APC */
    case 0x8E: case 0x8F: return INTRO_SHIFT; /* SS2, SS3 */
    default: return INTRO_NONE;
    }
}

/* CSI: parameter bytes 0x30-0x3F and intermediates 0x20-0x2F, then one final
 * byte 0x40-0x7E. Anything else (a newline, a non-ASCII character) ends a
 * malformed sequence before it: that character is text again. So does the
 * TEXT_SEQUENCE_MAX-th byte, as for strings. */
static size_t csi_end(const char *s, size_t len, size_t i, size_t *chars)
{
    size_t limit = len - i > TEXT_SEQUENCE_MAX ? i + TEXT_SEQUENCE_MAX : len;
    while (i < limit && (unsigned char)s[i] >= 0x20 && (unsigned char)s[i] <= 0x3F) {
        i++;
        (*chars)++;
    }
    if (i < limit && (unsigned char)s[i] >= 0x40 && (unsigned char)s[i] <= 0x7E) {
        i++;
        (*chars)++;
    }
    return i;
}

/* OSC, DCS, SOS, PM, APC: a string up to BEL or ST (ESC \ or U+009C). The
 * string also ends, unterminated, at CAN or SUB (which cancel it on a real
 * terminal), at an ESC or C1 introducer that starts another sequence, at the end
 * of the line, or after TEXT_SEQUENCE_MAX bytes: what follows stays text, so a
 * missing terminator costs at most the rest of one line, never the rest of a
 * note. */
static size_t string_end(const char *s, size_t len, size_t i, size_t *chars)
{
    size_t limit = len - i > TEXT_SEQUENCE_MAX ? i + TEXT_SEQUENCE_MAX : len;
    while (i < limit) {
        unsigned char c = (unsigned char)s[i];
        if (c == 0x07) {
            (*chars)++;
            return i + 1;
        }
        if (c == 0x1B) {
            if (i + 1 < len && s[i + 1] == '\\') {
                *chars += 2;
                return i + 2;
            }
            return i;                     /* a new sequence */
        }
        if (c == '\n' || c == 0x18 || c == 0x1A)
            return i;
        uint32_t cp;
        size_t n = text_utf8_decode(s + i, len - i, &cp);
        if (n == 0) {
            n = 1;                        /* a bad byte is part of the string */
        } else if (cp == 0x9C) {
            (*chars)++;
            return i + n;
        } else if (cp >= 0x80 && cp <= 0x9F && c1_introducer(cp) != INTRO_NONE) {
            return i;
        }
        i += n;
        (*chars)++;
    }
    return i;
}

/* SS2, SS3: the shift and the one printable character it applies to (ESC O A
 * is what an arrow key sends). */
static size_t shift_end(const char *s, size_t len, size_t i, size_t *chars)
{
    if (i < len && (unsigned char)s[i] > 0x20 && (unsigned char)s[i] < 0x7F) {
        (*chars)++;
        return i + 1;
    }
    return i;
}

/* Where the sequence that starts at S[I] (an ESC byte, or the UTF-8 form of a
 * C1 control) ends; *CHARS gets how many characters it holds. A C1 control
 * that introduces nothing, and a lone ESC, are a sequence of one. */
static size_t sequence_end(const char *s, size_t len, size_t i, size_t *chars)
{
    *chars = 1;
    if (s[i] == 0x1B) {
        i++;
        if (i >= len)
            return i;
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '[':
            (*chars)++;
            return csi_end(s, len, i + 1, chars);
        case ']': case 'P': case 'X': case '^': case '_':
            (*chars)++;
            return string_end(s, len, i + 1, chars);
        case 'N': case 'O':
            (*chars)++;
            return shift_end(s, len, i + 1, chars);
        default:
            break;
        }
        /* the two-byte forms: intermediates 0x20-0x2F, then a final 0x30-0x7E
         * (ESC ( 0, ESC 7, ESC c, ESC # 8) */
        size_t j = i, limit = len - i > TEXT_SEQUENCE_MAX ? i + TEXT_SEQUENCE_MAX : len;
        while (j < limit && (unsigned char)s[j] >= 0x20 && (unsigned char)s[j] <= 0x2F)
            j++;
        if (j < limit && (unsigned char)s[j] >= 0x30 && (unsigned char)s[j] <= 0x7E) {
            *chars += j + 1 - i;
            return j + 1;
        }
        return i;                         /* a lone ESC */
    }
    uint32_t cp;
    size_t n = text_utf8_decode(s + i, len - i, &cp);
    switch (c1_introducer(cp)) {
    case INTRO_CSI: return csi_end(s, len, i + n, chars);
    case INTRO_STRING: return string_end(s, len, i + n, chars);
    case INTRO_SHIFT: return shift_end(s, len, i + n, chars);
    default: return i + n;
    }
}

size_t text_clean(struct buf *out, const char *s, size_t len, unsigned flags)
{
    size_t changed = 0, i = 0;
    buf_grow(out, len);
    while (i < len) {
        size_t start = i;
        while (i < len && (unsigned char)s[i] >= 0x20 && (unsigned char)s[i] < 0x7F)
            i++;
        if (i > start)
            buf_add(out, s + start, i - start);
        if (i >= len)
            break;
        uint32_t cp;
        size_t n = text_utf8_decode(s + i, len - i, &cp);
        if (n == 0) {
            buf_adds(out, "\xEF\xBF\xBD"); /* U+FFFD for one bad byte */
            changed++;
            i++;
            continue;
        }
        if (cp == 0x1B || (cp >= 0x80 && cp <= 0x9F)) {
            size_t chars;
            i = sequence_end(s, len, i, &chars);
            changed += chars;
            continue;
        }
        switch (judge(cp, flags)) {
        case KEEP:
            buf_add(out, s + i, n);
            break;
        case SPACE:
            buf_addc(out, ' ');
            changed++;
            break;
        case DROP:
            changed++;
            break;
        }
        i += n;
    }
    return changed;
}

struct range {
    uint32_t lo, hi;
};

/* Generated by tools/gen_widths.c from glibc 2.36's wcwidth in C.UTF-8:
 * measured as the terminal will draw them, not as Unicode's tables suggest
 * (glibc gives the skin-tone modifiers U+1F3FB..1F3FF two columns). */
/* Printable code points wcwidth gives 0 columns: combining marks, format characters, Hangul vowels and finals. */
static const struct range zero_width[] = {
    {0x0000, 0x0000}, {0x0300, 0x036F}, {0x0483, 0x0489}, {0x0591, 0x05BD},
    {0x05BF, 0x05BF}, {0x05C1, 0x05C2}, {0x05C4, 0x05C5}, {0x05C7, 0x05C7},
    {0x0610, 0x061A}, {0x061C, 0x061C}, {0x064B, 0x065F}, {0x0670, 0x0670},
    {0x06D6, 0x06DC}, {0x06DF, 0x06E4}, {0x06E7, 0x06E8}, {0x06EA, 0x06ED},
    {0x0711, 0x0711}, {0x0730, 0x074A}, {0x07A6, 0x07B0}, {0x07EB, 0x07F3},
    {0x07FD, 0x07FD}, {0x0816, 0x0819}, {0x081B, 0x0823}, {0x0825, 0x0827},
    {0x0829, 0x082D}, {0x0859, 0x085B}, {0x0898, 0x089F}, {0x08CA, 0x08E1},
    {0x08E3, 0x0902}, {0x093A, 0x093A}, {0x093C, 0x093C}, {0x0941, 0x0948},
    {0x094D, 0x094D}, {0x0951, 0x0957}, {0x0962, 0x0963}, {0x0981, 0x0981},
    {0x09BC, 0x09BC}, {0x09C1, 0x09C4}, {0x09CD, 0x09CD}, {0x09E2, 0x09E3},
    {0x09FE, 0x09FE}, {0x0A01, 0x0A02}, {0x0A3C, 0x0A3C}, {0x0A41, 0x0A42},
    {0x0A47, 0x0A48}, {0x0A4B, 0x0A4D}, {0x0A51, 0x0A51}, {0x0A70, 0x0A71},
    {0x0A75, 0x0A75}, {0x0A81, 0x0A82}, {0x0ABC, 0x0ABC}, {0x0AC1, 0x0AC5},
    {0x0AC7, 0x0AC8}, {0x0ACD, 0x0ACD}, {0x0AE2, 0x0AE3}, {0x0AFA, 0x0AFF},
    {0x0B01, 0x0B01}, {0x0B3C, 0x0B3C}, {0x0B3F, 0x0B3F}, {0x0B41, 0x0B44},
    {0x0B4D, 0x0B4D}, {0x0B55, 0x0B56}, {0x0B62, 0x0B63}, {0x0B82, 0x0B82},
    {0x0BC0, 0x0BC0}, {0x0BCD, 0x0BCD}, {0x0C00, 0x0C00}, {0x0C04, 0x0C04},
    {0x0C3C, 0x0C3C}, {0x0C3E, 0x0C40}, {0x0C46, 0x0C48}, {0x0C4A, 0x0C4D},
    {0x0C55, 0x0C56}, {0x0C62, 0x0C63}, {0x0C81, 0x0C81}, {0x0CBC, 0x0CBC},
    {0x0CBF, 0x0CBF}, {0x0CC6, 0x0CC6}, {0x0CCC, 0x0CCD}, {0x0CE2, 0x0CE3},
    {0x0D00, 0x0D01}, {0x0D3B, 0x0D3C}, {0x0D41, 0x0D44}, {0x0D4D, 0x0D4D},
    {0x0D62, 0x0D63}, {0x0D81, 0x0D81}, {0x0DCA, 0x0DCA}, {0x0DD2, 0x0DD4},
    {0x0DD6, 0x0DD6}, {0x0E31, 0x0E31}, {0x0E34, 0x0E3A}, {0x0E47, 0x0E4E},
    {0x0EB1, 0x0EB1}, {0x0EB4, 0x0EBC}, {0x0EC8, 0x0ECD}, {0x0F18, 0x0F19},
    {0x0F35, 0x0F35}, {0x0F37, 0x0F37}, {0x0F39, 0x0F39}, {0x0F71, 0x0F7E},
    {0x0F80, 0x0F84}, {0x0F86, 0x0F87}, {0x0F8D, 0x0F97}, {0x0F99, 0x0FBC},
    {0x0FC6, 0x0FC6}, {0x102D, 0x1030}, {0x1032, 0x1037}, {0x1039, 0x103A},
    {0x103D, 0x103E}, {0x1058, 0x1059}, {0x105E, 0x1060}, {0x1071, 0x1074},
    {0x1082, 0x1082}, {0x1085, 0x1086}, {0x108D, 0x108D}, {0x109D, 0x109D},
    {0x1160, 0x11FF}, {0x135D, 0x135F}, {0x1712, 0x1714}, {0x1732, 0x1733},
    {0x1752, 0x1753}, {0x1772, 0x1773}, {0x17B4, 0x17B5}, {0x17B7, 0x17BD},
    {0x17C6, 0x17C6}, {0x17C9, 0x17D3}, {0x17DD, 0x17DD}, {0x180B, 0x180F},
    {0x1885, 0x1886}, {0x18A9, 0x18A9}, {0x1920, 0x1922}, {0x1927, 0x1928},
    {0x1932, 0x1932}, {0x1939, 0x193B}, {0x1A17, 0x1A18}, {0x1A1B, 0x1A1B},
    {0x1A56, 0x1A56}, {0x1A58, 0x1A5E}, {0x1A60, 0x1A60}, {0x1A62, 0x1A62},
    {0x1A65, 0x1A6C}, {0x1A73, 0x1A7C}, {0x1A7F, 0x1A7F}, {0x1AB0, 0x1ACE},
    {0x1B00, 0x1B03}, {0x1B34, 0x1B34}, {0x1B36, 0x1B3A}, {0x1B3C, 0x1B3C},
    {0x1B42, 0x1B42}, {0x1B6B, 0x1B73}, {0x1B80, 0x1B81}, {0x1BA2, 0x1BA5},
    {0x1BA8, 0x1BA9}, {0x1BAB, 0x1BAD}, {0x1BE6, 0x1BE6}, {0x1BE8, 0x1BE9},
    {0x1BED, 0x1BED}, {0x1BEF, 0x1BF1}, {0x1C2C, 0x1C33}, {0x1C36, 0x1C37},
    {0x1CD0, 0x1CD2}, {0x1CD4, 0x1CE0}, {0x1CE2, 0x1CE8}, {0x1CED, 0x1CED},
    {0x1CF4, 0x1CF4}, {0x1CF8, 0x1CF9}, {0x1DC0, 0x1DFF}, {0x200B, 0x200F},
    {0x202A, 0x202E}, {0x2060, 0x2064}, {0x2066, 0x206F}, {0x20D0, 0x20F0},
    {0x2CEF, 0x2CF1}, {0x2D7F, 0x2D7F}, {0x2DE0, 0x2DFF}, {0x302A, 0x302D},
    {0x3099, 0x309A}, {0xA66F, 0xA672}, {0xA674, 0xA67D}, {0xA69E, 0xA69F},
    {0xA6F0, 0xA6F1}, {0xA802, 0xA802}, {0xA806, 0xA806}, {0xA80B, 0xA80B},
    {0xA825, 0xA826}, {0xA82C, 0xA82C}, {0xA8C4, 0xA8C5}, {0xA8E0, 0xA8F1},
    {0xA8FF, 0xA8FF}, {0xA926, 0xA92D}, {0xA947, 0xA951}, {0xA980, 0xA982},
    {0xA9B3, 0xA9B3}, {0xA9B6, 0xA9B9}, {0xA9BC, 0xA9BD}, {0xA9E5, 0xA9E5},
    {0xAA29, 0xAA2E}, {0xAA31, 0xAA32}, {0xAA35, 0xAA36}, {0xAA43, 0xAA43},
    {0xAA4C, 0xAA4C}, {0xAA7C, 0xAA7C}, {0xAAB0, 0xAAB0}, {0xAAB2, 0xAAB4},
    {0xAAB7, 0xAAB8}, {0xAABE, 0xAABF}, {0xAAC1, 0xAAC1}, {0xAAEC, 0xAAED},
    {0xAAF6, 0xAAF6}, {0xABE5, 0xABE5}, {0xABE8, 0xABE8}, {0xABED, 0xABED},
    {0xD7B0, 0xD7C6}, {0xD7CB, 0xD7FB}, {0xFB1E, 0xFB1E}, {0xFE00, 0xFE0F},
    {0xFE20, 0xFE2F}, {0xFEFF, 0xFEFF}, {0xFFF9, 0xFFFB}, {0x101FD, 0x101FD},
    {0x102E0, 0x102E0}, {0x10376, 0x1037A}, {0x10A01, 0x10A03}, {0x10A05, 0x10A06},
    {0x10A0C, 0x10A0F}, {0x10A38, 0x10A3A}, {0x10A3F, 0x10A3F}, {0x10AE5, 0x10AE6},
    {0x10D24, 0x10D27}, {0x10EAB, 0x10EAC}, {0x10F46, 0x10F50}, {0x10F82, 0x10F85},
    {0x11001, 0x11001}, {0x11038, 0x11046}, {0x11070, 0x11070}, {0x11073, 0x11074},
    {0x1107F, 0x11081}, {0x110B3, 0x110B6}, {0x110B9, 0x110BA}, {0x110C2, 0x110C2},
    {0x11100, 0x11102}, {0x11127, 0x1112B}, {0x1112D, 0x11134}, {0x11173, 0x11173},
    {0x11180, 0x11181}, {0x111B6, 0x111BE}, {0x111C9, 0x111CC}, {0x111CF, 0x111CF},
    {0x1122F, 0x11231}, {0x11234, 0x11234}, {0x11236, 0x11237}, {0x1123E, 0x1123E},
    {0x112DF, 0x112DF}, {0x112E3, 0x112EA}, {0x11300, 0x11301}, {0x1133B, 0x1133C},
    {0x11340, 0x11340}, {0x11366, 0x1136C}, {0x11370, 0x11374}, {0x11438, 0x1143F},
    {0x11442, 0x11444}, {0x11446, 0x11446}, {0x1145E, 0x1145E}, {0x114B3, 0x114B8},
    {0x114BA, 0x114BA}, {0x114BF, 0x114C0}, {0x114C2, 0x114C3}, {0x115B2, 0x115B5},
    {0x115BC, 0x115BD}, {0x115BF, 0x115C0}, {0x115DC, 0x115DD}, {0x11633, 0x1163A},
    {0x1163D, 0x1163D}, {0x1163F, 0x11640}, {0x116AB, 0x116AB}, {0x116AD, 0x116AD},
    {0x116B0, 0x116B5}, {0x116B7, 0x116B7}, {0x1171D, 0x1171F}, {0x11722, 0x11725},
    {0x11727, 0x1172B}, {0x1182F, 0x11837}, {0x11839, 0x1183A}, {0x1193B, 0x1193C},
    {0x1193E, 0x1193E}, {0x11943, 0x11943}, {0x119D4, 0x119D7}, {0x119DA, 0x119DB},
    {0x119E0, 0x119E0}, {0x11A01, 0x11A0A}, {0x11A33, 0x11A38}, {0x11A3B, 0x11A3E},
    {0x11A47, 0x11A47}, {0x11A51, 0x11A56}, {0x11A59, 0x11A5B}, {0x11A8A, 0x11A96},
    {0x11A98, 0x11A99}, {0x11C30, 0x11C36}, {0x11C38, 0x11C3D}, {0x11C3F, 0x11C3F},
    {0x11C92, 0x11CA7}, {0x11CAA, 0x11CB0}, {0x11CB2, 0x11CB3}, {0x11CB5, 0x11CB6},
    {0x11D31, 0x11D36}, {0x11D3A, 0x11D3A}, {0x11D3C, 0x11D3D}, {0x11D3F, 0x11D45},
    {0x11D47, 0x11D47}, {0x11D90, 0x11D91}, {0x11D95, 0x11D95}, {0x11D97, 0x11D97},
    {0x11EF3, 0x11EF4}, {0x13430, 0x13438}, {0x16AF0, 0x16AF4}, {0x16B30, 0x16B36},
    {0x16F4F, 0x16F4F}, {0x16F8F, 0x16F92}, {0x16FE4, 0x16FE4}, {0x1BC9D, 0x1BC9E},
    {0x1BCA0, 0x1BCA3}, {0x1CF00, 0x1CF2D}, {0x1CF30, 0x1CF46}, {0x1D167, 0x1D169},
    {0x1D173, 0x1D182}, {0x1D185, 0x1D18B}, {0x1D1AA, 0x1D1AD}, {0x1D242, 0x1D244},
    {0x1DA00, 0x1DA36}, {0x1DA3B, 0x1DA6C}, {0x1DA75, 0x1DA75}, {0x1DA84, 0x1DA84},
    {0x1DA9B, 0x1DA9F}, {0x1DAA1, 0x1DAAF}, {0x1E000, 0x1E006}, {0x1E008, 0x1E018},
    {0x1E01B, 0x1E021}, {0x1E023, 0x1E024}, {0x1E026, 0x1E02A}, {0x1E130, 0x1E136},
    {0x1E2AE, 0x1E2AE}, {0x1E2EC, 0x1E2EF}, {0x1E8D0, 0x1E8D6}, {0x1E944, 0x1E94A},
    {0xE0001, 0xE0001}, {0xE0020, 0xE007F}, {0xE0100, 0xE01EF},
};
/* Printable code points wcwidth gives 2 columns: East Asian wide and fullwidth, emoji shown as pictures, skin-tone modifiers. */
static const struct range wide[] = {
    {0x1100, 0x115F}, {0x231A, 0x231B}, {0x2329, 0x232A}, {0x23E9, 0x23EC},
    {0x23F0, 0x23F0}, {0x23F3, 0x23F3}, {0x25FD, 0x25FE}, {0x2614, 0x2615},
    {0x2648, 0x2653}, {0x267F, 0x267F}, {0x2693, 0x2693}, {0x26A1, 0x26A1},
    {0x26AA, 0x26AB}, {0x26BD, 0x26BE}, {0x26C4, 0x26C5}, {0x26CE, 0x26CE},
    {0x26D4, 0x26D4}, {0x26EA, 0x26EA}, {0x26F2, 0x26F3}, {0x26F5, 0x26F5},
    {0x26FA, 0x26FA}, {0x26FD, 0x26FD}, {0x2705, 0x2705}, {0x270A, 0x270B},
    {0x2728, 0x2728}, {0x274C, 0x274C}, {0x274E, 0x274E}, {0x2753, 0x2755},
    {0x2757, 0x2757}, {0x2795, 0x2797}, {0x27B0, 0x27B0}, {0x27BF, 0x27BF},
    {0x2B1B, 0x2B1C}, {0x2B50, 0x2B50}, {0x2B55, 0x2B55}, {0x2E80, 0x2E99},
    {0x2E9B, 0x2EF3}, {0x2F00, 0x2FD5}, {0x2FF0, 0x2FFB}, {0x3000, 0x3029},
    {0x302E, 0x303E}, {0x3041, 0x3096}, {0x309B, 0x30FF}, {0x3105, 0x312F},
    {0x3131, 0x318E}, {0x3190, 0x31E3}, {0x31F0, 0x321E}, {0x3220, 0xA48C},
    {0xA490, 0xA4C6}, {0xA960, 0xA97C}, {0xAC00, 0xD7A3}, {0xF900, 0xFA6D},
    {0xFA70, 0xFAD9}, {0xFE10, 0xFE19}, {0xFE30, 0xFE52}, {0xFE54, 0xFE66},
    {0xFE68, 0xFE6B}, {0xFF01, 0xFF60}, {0xFFE0, 0xFFE6}, {0x16FE0, 0x16FE3},
    {0x16FF0, 0x16FF1}, {0x17000, 0x187F7}, {0x18800, 0x18CD5}, {0x18D00, 0x18D08},
    {0x1AFF0, 0x1AFF3}, {0x1AFF5, 0x1AFFB}, {0x1AFFD, 0x1AFFE}, {0x1B000, 0x1B122},
    {0x1B150, 0x1B152}, {0x1B164, 0x1B167}, {0x1B170, 0x1B2FB}, {0x1F004, 0x1F004},
    {0x1F0CF, 0x1F0CF}, {0x1F18E, 0x1F18E}, {0x1F191, 0x1F19A}, {0x1F200, 0x1F202},
    {0x1F210, 0x1F23B}, {0x1F240, 0x1F248}, {0x1F250, 0x1F251}, {0x1F260, 0x1F265},
    {0x1F300, 0x1F320}, {0x1F32D, 0x1F335}, {0x1F337, 0x1F37C}, {0x1F37E, 0x1F393},
    {0x1F3A0, 0x1F3CA}, {0x1F3CF, 0x1F3D3}, {0x1F3E0, 0x1F3F0}, {0x1F3F4, 0x1F3F4},
    {0x1F3F8, 0x1F43E}, {0x1F440, 0x1F440}, {0x1F442, 0x1F4FC}, {0x1F4FF, 0x1F53D},
    {0x1F54B, 0x1F54E}, {0x1F550, 0x1F567}, {0x1F57A, 0x1F57A}, {0x1F595, 0x1F596},
    {0x1F5A4, 0x1F5A4}, {0x1F5FB, 0x1F64F}, {0x1F680, 0x1F6C5}, {0x1F6CC, 0x1F6CC},
    {0x1F6D0, 0x1F6D2}, {0x1F6D5, 0x1F6D7}, {0x1F6DD, 0x1F6DF}, {0x1F6EB, 0x1F6EC},
    {0x1F6F4, 0x1F6FC}, {0x1F7E0, 0x1F7EB}, {0x1F7F0, 0x1F7F0}, {0x1F90C, 0x1F93A},
    {0x1F93C, 0x1F945}, {0x1F947, 0x1F9FF}, {0x1FA70, 0x1FA74}, {0x1FA78, 0x1FA7C},
    {0x1FA80, 0x1FA86}, {0x1FA90, 0x1FAAC}, {0x1FAB0, 0x1FABA}, {0x1FAC0, 0x1FAC5},
    {0x1FAD0, 0x1FAD9}, {0x1FAE0, 0x1FAE7}, {0x1FAF0, 0x1FAF6}, {0x20000, 0x2A6DF},
    {0x2A700, 0x2B738}, {0x2B740, 0x2B81D}, {0x2B820, 0x2CEA1}, {0x2CEB0, 0x2EBE0},
    {0x2F800, 0x2FA1D}, {0x30000, 0x3134A},
};

static bool in_ranges(uint32_t cp, const struct range *r, size_t n)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (cp < r[mid].lo)
            hi = mid;
        else if (cp > r[mid].hi)
            lo = mid + 1;
        else
            return true;
    }
    return false;
}

int text_cp_width(uint32_t cp)
{
    if (cp < 0x7F)
        return cp >= 0x20 ? 1 : 0;
    if (text_is_hostile(cp))
        return 0;
    if (in_ranges(cp, zero_width, sizeof zero_width / sizeof *zero_width))
        return 0;
    if (in_ranges(cp, wide, sizeof wide / sizeof *wide))
        return 2;
    return 1;                             /* also what tmux draws for a code point wcwidth does not know */
}

size_t text_fit(const char *s, size_t len, size_t cols, size_t *used)
{
    size_t i = 0, w = 0;
    while (i < len) {
        uint32_t cp;
        size_t n = text_utf8_decode(s + i, len - i, &cp);
        int cw = 1;
        if (n == 0)
            n = 1;                        /* shown as one replacement character */
        else
            cw = text_cp_width(cp);
        if (w + (size_t)cw > cols)
            break;
        w += (size_t)cw;
        i += n;
    }
    if (used)
        *used = w;
    return i;
}

size_t text_width(const char *s, size_t len)
{
    size_t used;
    text_fit(s, len, (size_t)-1, &used);
    return used;
}

#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL

const char *text_skip_plain(const char *p, const char *end, unsigned char also)
{
    while (end - p >= 8) {
        uint64_t x;
        memcpy(&x, p, 8);
        uint64_t quote = x ^ (ONES * '"'), slash = x ^ (ONES * '\\'), other = x ^ (ONES * also);
        /* a byte's high bit set where it is 0 in QUOTE, SLASH or OTHER, or
         * under 0x20 in X, or where X's own is set ("any" is exact; which
         * byte is left to the loop below) */
        uint64_t stop = ((quote - ONES) & ~quote) | ((slash - ONES) & ~slash) | ((other - ONES) & ~other) |
                        ((x - ONES * 0x20) & ~x) | x;
        if (stop & HIGHS)
            break;
        p += 8;
    }
    while (p < end && *p != '"' && *p != '\\' && (unsigned char)*p >= 0x20 && (unsigned char)*p < 0x80 &&
           (unsigned char)*p != also)
        p++;
    return p;
}
