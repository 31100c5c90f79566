# The console on a 10,000-event incident (the benchmark's mix), compared as
# screens at 80x24 and 120x40: opening, the top (g and Home), a / search that
# hits a note in the middle, an edit arriving for an entry on screen and for one
# off screen, an action item done, a resize to 120x40 and back. The
# expected screens are in tests/console/screens/scale-*.txt; the clock, the
# zone and the log (genlog is seeded, its ids aside) are fixed. Nothing of it
# may take a replay: WARROOM_STATS counts one load and one replay, the opening.
here=$(cd "$(dirname "$0")" && pwd)
console_dir=$here
. "$(dirname "$0")/../lib.sh" 2>/dev/null || . "$WARROOM_SOURCE_DIR/tests/lib.sh"
WAIT_SECONDS=10
. "$console_dir/tmux.sh"
export TERM=xterm-256color LANG=C.UTF-8
now=2025-03-15T15:00:00Z
id=inc-20250101-scale
mkdir -p "$WARROOM_DIR/$id"
log=$WARROOM_DIR/$id/events.jsonl
WARROOM_NOW=$now "$WARROOM_TOOLS/genlog" "$log" 10000 mix
chmod 600 "$log"

# a first opening records what is long due (escalation steps, a missed
# update); every opening below finds them recorded
start warm 120x40 WARROOM_INCIDENT=$id WARROOM_NOW=$now
check "a first opening" wait_for warm "Timeline"
sleep 1.5
keys warm q
check "  ... quits" wait_for warm "EXITED 0"
# the search's hit: a note in the middle, some 4,500 entries up from the
# bottom, found by the first words of its text (no other event has them);
# then edited while on screen
notes='map(select(.type == "note")) | sort_by([(.at // .ts), .ts]) | .[3000]'
near=$(jq -rs "$notes | .id" "$log")
words=$(jq -rs "$notes | .text" "$log" | cut -d' ' -f1-7)
check "the search's words are in one event of the log" test "$(grep -ci -- "$words" "$log")" = 1
far=$(jq -r 'select(.type == "note") | .id' "$log" | tail -n 1)    # the newest: off screen at the top

# look NAME WINDOW: the screen, once settled, against screens/scale-NAME.txt
look() {
    settle "$2" "$scratch/screen-$1"
    check "$1: the screen is as expected" same_screen "scale-$1" "$scratch/screen-$1"
}

for size in 80x24 120x40; do
    d=$scratch/data-$size
    cp -r "$WARROOM_DIR" "$d"
    w=s$size
    T new-window -d -n "$w" "env WARROOM_STATS='$scratch/stats-$size' WARROOM_DIR='$d' WARROOM_INCIDENT=$id \
        WARROOM_NOW=$now WARROOM_CONFIG=/dev/null HOME='$HOME' TERM=xterm-256color LANG=C.UTF-8 TZ=UTC '$WARROOM'; \
        echo EXITED \$?; sleep 600"
    T resize-window -t "$w" -x "${size%x*}" -y "${size#*x}" 2>/dev/null
    check "$size: the console opens on 10,000 events" wait_for "$w" "q quit"
    look "open-$size" "$w"
    if [ "$size" = 80x24 ]; then keys "$w" g; else keys "$w" Home; fi
    look "top-$size" "$w"
    keys "$w" G
    wait_for "$w" "(following)" > /dev/null
    keys "$w" /
    wait_for "$w" "search" > /dev/null
    keys "$w" -l "$words"
    keys "$w" Enter
    check "$size: the search finds the note, thousands of entries up" wait_for "$w" "^[0-9:]* [a-z]* *$words"
    look "search-$size" "$w"
    WARROOM_NOW=$now "$WARROOM_TOOLS/appender" "$d/$id/events.jsonl" 1 near 0 "$near" > /dev/null
    check "$size: an edit of an entry on screen shows at once" wait_for "$w" "near note 0 (edited)"
    look "edit-on-$size" "$w"
    WARROOM_NOW=$now "$WARROOM_TOOLS/appender" "$d/$id/events.jsonl" 1 far 0 "$far" > /dev/null
    sleep 0.5
    look "edit-off-$size" "$w"
    WARROOM_DIR=$d WARROOM_NOW=$now wr --as dave --incident "$id" action set A7 --status done > /dev/null
    check "$size: an action item done leaves the open ones" wait_for "$w" "Action.*  91 open"
    look "action-$size" "$w"
    keys "$w" Escape
    gone "$w" "search: " > /dev/null
    keys "$w" G
    check "$size: the edit of the entry that was off screen shows at the bottom" wait_for "$w" "far note 0 (edited)"
    check "$size: ... under the action item's change" wait_for "$w" "A7.*status done"
    look "end-$size" "$w"
    if [ "$size" = 80x24 ]; then
        T resize-window -t "$w" -x 120 -y 40
        look "resized-120x40" "$w"
        T resize-window -t "$w" -x 80 -y 24
        look "resized-80x24" "$w"
    fi
    keys "$w" q
    check "$size: the console quits" wait_for "$w" "EXITED 0"
    check "$size: the edits and the action item took no replay (one load, one replay: the opening)" \
        grep -qx 'loads 1 derives 1' "$scratch/stats-$size"
done

# --- notes arriving cost no walk over the deliveries: the outbox's entries
# are built once and each sink's head and problems are looked for again only
# when a delivery's state changes. A console that follows 200 notes counts the
# same builds and walks as one that follows none. At the wall clock (a note
# stamped by the fixed clock would tie with the last entry and go in by a
# replay). ---
fd=$scratch/data-follow
cp -r "$WARROOM_DIR" "$fd"
follow_console() {   # WINDOW STATS: the console on $fd's incident, following
    T new-window -d -n "$1" "env WARROOM_STATS='$2' WARROOM_DIR='$fd' WARROOM_INCIDENT=$id \
        WARROOM_CONFIG=/dev/null HOME='$HOME' TERM=xterm-256color LANG=C.UTF-8 TZ=UTC '$WARROOM'; \
        echo EXITED \$?; sleep 600"
    wait_for "$1" "q quit" > /dev/null
}
follow_console fwarm "$scratch/stats-fwarm"    # records what is long due at the wall clock
sleep 1.5
keys fwarm q
wait_for fwarm "EXITED 0" > /dev/null
for n in 0 200; do
    follow_console "f$n" "$scratch/stats-f$n"
    sleep 1
    [ "$n" = 0 ] || "$WARROOM_TOOLS/appender" "$fd/$id/events.jsonl" "$n" arriving 5 > /dev/null
    [ "$n" = 0 ] || check "200 notes arrive and show" wait_for "f$n" "arriving note 199"
    sleep 1
    keys "f$n" q
    wait_for "f$n" "EXITED 0" > /dev/null
done
sed 's/^/#   no notes: /' "$scratch/stats-f0"; sed 's/^/#   200 notes: /' "$scratch/stats-f200"
check "  ... folded in without a replay" grep -qx 'loads 1 derives 1' "$scratch/stats-f200"
check "  ... and with no more outbox builds or walks than following none" \
    test "$(grep '^outbox' "$scratch/stats-f200")" = "$(grep '^outbox' "$scratch/stats-f0")"
