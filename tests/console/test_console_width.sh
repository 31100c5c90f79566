# Text is measured as the terminal draws it: the console in tmux, a note of
# emoji with skin-tone modifiers (two columns each for wcwidth, ncurses and
# tmux), and the rule between the timeline and the side column must stand in
# one column on every row. Columns are counted with the C library's wcwidth in
# C.UTF-8, the measure tmux itself places characters with.
console_dir=$(cd "$(dirname "$0")" && pwd)   # before lib.sh moves to the scratch directory
. "$(dirname "$0")/../lib.sh" 2>/dev/null || . "$WARROOM_SOURCE_DIR/tests/lib.sh"
. "$console_dir/tmux.sh"
export TERM=xterm-256color LANG=C.UTF-8
export WARROOM_NOW=2025-03-15T14:30:00Z
# columns.py MODE FILE, counting columns with wcwidth:
#   rule: the rule character stands in one column on every row that has one;
#   text: no row shows a hand (U+1F44D) left of the column where the note's
#         text starts: text that overflows its row lands in column 0 of the next
cat >"$scratch/columns.py" <<'PY'
import ctypes, ctypes.util, sys
libc = ctypes.CDLL(ctypes.util.find_library("c"))
libc.setlocale.restype = ctypes.c_char_p
if not libc.setlocale(6, b"C.UTF-8"):  # LC_ALL
    sys.exit("no C.UTF-8 locale")
def width(s):
    return sum(max(libc.wcwidth(ctypes.c_wchar(ch)), 0) for ch in s)
mode, lines = sys.argv[1], open(sys.argv[2], encoding="utf-8").read().split("\n")
if mode == "rule":
    columns = {}
    for n, line in enumerate(lines, 1):
        if "\u2502" in line:
            columns.setdefault(width(line[: line.index("\u2502")]), []).append(n)
    print(" ".join("column %d: rows %s" % (c, ",".join(map(str, r))) for c, r in sorted(columns.items())))
    sys.exit(0 if len(columns) == 1 else 1)
start = [width(l[: l.index("ok from")]) for l in lines if "ok from" in l]
if len(start) != 1:
    sys.exit("the note's first row is not on the screen once")
bad = [n for n, l in enumerate(lines, 1) if "\U0001F44D" in l and width(l[: l.index("\U0001F44D")]) < start[0]]
print("text starts in column %d; rows with a hand left of it: %s" % (start[0], bad))
sys.exit(1 if bad else 0)
PY
columns_ok() {  # MODE FILE
    python3 "$scratch/columns.py" "$1" "$2" >"$scratch/cols" 2>&1 && return 0
    sed 's/^/#   /' "$scratch/cols"; sed 's/^/#   | /' "$2"
    return 1
}

id=$(wr open --sev 2 --title "Checkout failing" --as carol)
# five hands, each a base emoji and a modifier: 4 columns a hand on the terminal
tones=$(printf '\360\237\221\215\360\237\217\273\360\237\221\215\360\237\217\274\360\237\221\215\360\237\217\275\360\237\221\215\360\237\217\276\360\237\221\215\360\237\217\277')
wr --incident "$id" log --as dave "ok from $tones $tones $tones $tones $tones $tones team end" >/dev/null
T -f /dev/null new-session -d -s width -x 100 -y 30 \
    "env WARROOM_DIR='$WARROOM_DIR' WARROOM_CONFIG=/dev/null HOME='$HOME' TERM=xterm-256color LANG=C.UTF-8 TZ=UTC '$WARROOM' --incident '$id'; sleep 600"
check "the console shows the note" wait_for width "team end"
screen width >"$scratch/screen"
check "skin-tone emoji keep the side column's rule in one column" columns_ok rule "$scratch/screen"
check "  ... and the note's rows inside the text column (no overflow into the next row)" columns_ok text "$scratch/screen"
check "  ... and every row holds the rule (nothing pushed it off)" test "$(grep -c '│' "$scratch/screen")" -ge 20
T kill-session -t width
