"""Checks that the rule between the timeline and the side column stands in
the same terminal column on every line of a captured screen, however wide
the characters before it (CJK and emoji take two columns)."""
import sys
import unicodedata


def width(s):
    w = 0
    for ch in s:
        if unicodedata.combining(ch):
            continue
        w += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return w


columns = set()
for line in open(sys.argv[1], encoding="utf-8"):
    if "\u2502" in line:
        columns.add(width(line[: line.index("\u2502")]))
print(sorted(columns))
sys.exit(0 if len(columns) == 1 else 1)
