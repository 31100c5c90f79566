"""Structural checks of a captured console screen.

columns.py SCREEN
    the rule between the timeline and the side column stands in the same
    terminal column on every line, however wide the characters before it
    (CJK and emoji take two columns).

columns.py --layout COLS ROWS SHOW SCREEN
    the screen of a console of COLS x ROWS in following mode, against the
    text `warroom show` printed for the same incident (SHOW):
    - no line is wider than the terminal, the rule (if any) stays in its
      column;
    - the header keeps severity, status, elapsed time and the clock;
    - every timeline row is an entry's first line (time, author, text) or a
      continuation with nothing left of the text column;
    - no word is cut or lost: the words of the timeline's text column, in
      order, are a run of the words of the entries as `show` describes them;
    - following fills the pane: no blank row between the title and the last
      timeline row;
    - the key bar keeps "? help" and "q quit".
Prints what fails and exits 1; prints the checks made and exits 0."""
import re
import sys
import unicodedata


def width(s):
    w = 0
    for ch in s:
        if unicodedata.combining(ch):
            continue
        w += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return w


def cut(line, start, end):
    """The characters of LINE in terminal columns [start, end)."""
    out, col = [], 0
    for ch in line:
        w = 0 if unicodedata.combining(ch) else (2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1)
        if start <= col < end:
            out.append(ch)
        col += w
    return "".join(out)


def rule_columns(lines):
    columns = set()
    for line in lines:
        if "\u2502" in line:
            columns.add(width(line[: line.index("\u2502")]))
    return columns


def words(s):
    return s.split()


def check_layout(cols, rows, show_path, screen_path):
    lines = open(screen_path, encoding="utf-8").read().split("\n")
    lines = (lines + [""] * rows)[:rows]
    failures = []

    def fail(msg):
        failures.append(msg)

    for i, line in enumerate(lines):
        if width(line) > cols:
            fail("line %d is %d columns wide, more than %d" % (i, width(line), cols))
    ruled = rule_columns(lines)
    if len(ruled) > 1:
        fail("the rule stands in columns %s" % sorted(ruled))
    tl_width = min(ruled) if ruled else cols

    head = " ".join(lines[:2])
    for what, pattern in (("severity", r"\bSEV\d\b"),
                          ("status", r"\b(INVESTIGATING|IDENTIFIED|MONITORING|RESOLVED|REOPENED)\b"),
                          ("elapsed time", r"(elapsed|lasted) \d+[hms]|\+\d+[dhms]"),
                          ("clock", r"\b\d\d:\d\d\b")):
        if not re.search(pattern, head):
            fail("the header lacks the %s: %r" % (what, head))

    title = next((i for i, l in enumerate(lines) if l.lstrip().startswith("Timeline [")), None)
    if title is None:
        fail("no timeline title")
        return failures
    if "(following)" not in lines[title]:
        fail("the timeline is not following")
    # the timeline ends where the compact layout's roles line starts, or
    # above the footer's two lines
    end = rows - 2
    for i in range(title + 1, rows - 2):
        if re.match(r"^ IC ", lines[i]):
            end = i
            break
    body = [cut(l, 0, tl_width).rstrip() for l in lines[title + 1:end]]

    # the text column: where continuation lines start (the time, the author
    # and, on wide panes, the type come before it)
    starts = [re.match(r"^\d\d:\d\d\s+\S", l) is not None for l in body]
    indents = {}
    for i, l in enumerate(body):
        if not starts[i] and l.strip() and not re.match(r"^\d\d-\d\d(\s|$)", l):
            x = len(l) - len(l.lstrip())
            indents[x] = indents.get(x, 0) + 1
    text_x = max(indents, key=indents.get) if indents else None
    if text_x is None:
        # no continuation on screen: after the time, the author and, on
        # wide panes, the type
        head = r"^\d\d:\d\d \S+\s+\S+\s+" if tl_width >= 110 else r"^\d\d:\d\d \S+\s+"
        m = next((re.match(head, l) for i, l in enumerate(body) if starts[i]), None)
        if not m:
            fail("no timeline entry on screen")
            return failures
        text_x = len(m.group(0))
    if cols <= 80 and tl_width - text_x < 48:
        fail("the timeline text gets %d columns, fewer than 48" % (tl_width - text_x))

    # blank rows only below the last entry, and only when the first entry of
    # the incident is on screen (everything fits)
    last = max((i for i, l in enumerate(body) if l.strip()), default=-1)
    everything = bool(body) and starts[0] and last < len(body) - 1
    for i, l in enumerate(body):
        if not l.strip():
            if i < last or not everything:
                fail("blank timeline row %d: following must fill the pane" % (title + 1 + i))
        elif not starts[i] and l[:text_x].strip() and not re.match(r"^\d\d-\d\d\s*$", l[:text_x]):
            fail("row %d has text left of the text column: %r" % (title + 1 + i, l))
        elif starts[i] and len(l) > text_x and l[text_x - 1] != " ":
            fail("row %d: the columns before the text run into it: %r" % (title + 1 + i, l))

    # the words shown, delivery lines ("-> file: sent") left out
    shown, in_delivery = [], False
    for i, l in enumerate(body):
        if starts[i]:
            in_delivery = False
        text = l[text_x:]
        if not starts[i] and re.match(r"^\d\d-\d\d\s*$", l):
            continue                      # only the date under a time
        if text.startswith("-> "):
            in_delivery = True
        if not in_delivery:
            shown.extend(words(text))
    described = []
    for l in open(show_path, encoding="utf-8"):
        # time (with its date on another day), short id, author, type, text
        m = re.match(r"^  \s*(?:\d{4}-\d\d-\d\d )?\d\d:\d\d:\d\d  \S+\s+\S+\s+\S+\s+(.*)$", l.rstrip("\n"))
        if m:
            described.extend(words(m.group(1)))
    n = len(shown)
    if everything and shown != described[:n]:
        fail("rows are blank below the entries but the first entry is not shown")
    if not any(described[k:k + n] == shown for k in range(len(described) - n + 1)):
        for k in range(1, n + 1):
            if not any(described[j:j + k] == shown[:k] for j in range(len(described) - k + 1)):
                fail("a word is cut or lost: %r does not follow %r as show has it" %
                     (shown[k - 1], " ".join(shown[max(0, k - 6):k - 1])))
                break
        else:
            fail("the words on screen are not a run of the entries' words")

    foot = lines[rows - 1]
    for key in ("? help", "q quit"):
        if key not in foot:
            fail("the key bar lacks %r: %r" % (key, foot))
    if not failures:
        print("%dx%d: header, %d timeline rows from column %d, %d words in order, key bar" %
              (cols, rows, len(body), text_x, len(shown)))
    return failures


if len(sys.argv) == 6 and sys.argv[1] == "--layout":
    problems = check_layout(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5])
    for p in problems:
        print(p)
    sys.exit(1 if problems else 0)

columns = rule_columns(open(sys.argv[1], encoding="utf-8"))
print(sorted(columns))
sys.exit(0 if len(columns) == 1 else 1)
