/* Prints the width tables of src/text.c from the C library's wcwidth in
 * C.UTF-8, the widths ncurses and tmux draw with on glibc systems:
 *   cc -o /tmp/gen_widths tools/gen_widths.c && /tmp/gen_widths
 * and paste the two tables over the ones in src/text.c. The unit test
 * tests/unit/test_text.c compares every code point with wcwidth again, so a
 * C library with newer Unicode data shows up as a failing test, not as text
 * drawn into the next column. */
#define _XOPEN_SOURCE 700
#include <locale.h>
#include <stdio.h>
#include <wchar.h>

static void print_table(const char *name, const char *why, int want)
{
    long lo = -1;
    int col = 0;
    printf("/* %s */\nstatic const struct range %s[] = {\n", why, name);
    for (long cp = 0; cp <= 0x110000; cp++) {
        int in = cp < 0x110000 && !(cp >= 0xD800 && cp <= 0xDFFF) && wcwidth((wchar_t)cp) == want;
        if (in && lo < 0)
            lo = cp;
        if (!in && lo >= 0) {
            printf("%s{0x%04lX, 0x%04lX},", col == 0 ? "    " : " ", lo, cp - 1);
            if (++col == 4) {
                printf("\n");
                col = 0;
            }
            lo = -1;
        }
    }
    printf("%s};\n", col ? "\n" : "");
}

int main(void)
{
    if (!setlocale(LC_ALL, "C.UTF-8")) {
        fprintf(stderr, "gen_widths: no C.UTF-8 locale\n");
        return 1;
    }
    print_table("zero_width", "Printable code points wcwidth gives 0 columns: combining marks, format characters, Hangul vowels and finals.", 0);
    print_table("wide", "Printable code points wcwidth gives 2 columns: East Asian wide and fullwidth, emoji shown as pictures, skin-tone modifiers.", 2);
    return 0;
}
