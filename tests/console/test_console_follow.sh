# Following without replaying: a note, an edit, an action-item change, a
# status update and its delivery arrive from other processes while the
# console shows a 10,000-event incident; each reaches the screen, and the
# console replays nothing to fold them in (WARROOM_STATS counts the logs it
# read from the start and the full replays it made: one each, at opening).
# The first frame is drawn before a backlog of pending updates is written.
console_dir=$(cd "$(dirname "$0")" && pwd)   # before lib.sh moves to the scratch directory
. "$(dirname "$0")/../lib.sh" 2>/dev/null || . "$WARROOM_SOURCE_DIR/tests/lib.sh"
WAIT_SECONDS=10
. "$console_dir/tmux.sh"
export TERM=xterm-256color LANG=C.UTF-8
id=inc-20250101-follow
mkdir -p "$WARROOM_DIR/$id"
log=$WARROOM_DIR/$id/events.jsonl
"$WARROOM_TOOLS/genlog" "$log" 10000 mix
chmod 600 "$log"
stats=$scratch/stats
# a first opening fires the escalation steps long due (back-dated events,
# which take a replay); the opening measured below finds them recorded
T new-window -d -n warm "env WARROOM_DIR='$WARROOM_DIR' WARROOM_INCIDENT=$id WARROOM_CONFIG=/dev/null \
    HOME='$HOME' TERM=xterm-256color LANG=C.UTF-8 TZ=UTC '$WARROOM'; echo EXITED \$?; sleep 600"
check "a first opening" wait_for warm "Timeline"
sleep 1.5
T send-keys -t warm q
check "  ... quits" wait_for warm "EXITED 0"
T new-window -d -n follow "env WARROOM_STATS='$stats' WARROOM_DIR='$WARROOM_DIR' WARROOM_INCIDENT=$id \
    WARROOM_CONFIG=/dev/null HOME='$HOME' TERM=xterm-256color LANG=C.UTF-8 TZ=UTC '$WARROOM'; echo EXITED \$?; sleep 600"
T resize-window -t follow -x 120 -y 40 2>/dev/null
check "the console opens on 10,000 events" wait_for follow "Timeline"

export WARROOM_INCIDENT=$id
wr --as dave log "a note from a script" > /dev/null
check "a note arrives" wait_for follow "a note from a script"
note=$(jq -r 'select(.text == "a note from a script") | .id' "$log")
wr --as dave edit "$note" --text "the note, corrected" > /dev/null
check "an edit arrives and changes the entry in place" wait_for follow "the note, corrected (edited)"
item=$(wr --as dave action add "roll back the pool change" --owner dave --due 2030-01-01 | grep -o 'A[0-9]*' | head -1)
wr --as dave action set "${item:-A1}" --status done > /dev/null
check "an action item is added and changed" wait_for follow "roll back the pool change"
wr --as dave update monitoring "fix deployed, watching" > /dev/null 2>&1
check "a status update arrives" wait_for follow "fix deployed, watching"
check "  ... and its delivery (the console writes it to updates.md)" \
    sh -c "grep -q 'fix deployed, watching' '$WARROOM_DIR/$id/updates.md'"
i=0
while [ $i -lt 50 ] && ! tail -n5 "$log" | grep -q '"type":"delivery"'; do sleep 0.1; i=$((i + 1)); done
check "  ... recorded in the log" sh -c "tail -n5 '$log' | grep -q '\"type\":\"delivery\"'"
sleep 0.5
T send-keys -t follow q
i=0
while [ $i -lt 50 ] && ! screen follow | grep -q EXITED; do sleep 0.1; i=$((i + 1)); done
check "the console quits" sh -c "screen() { tmux -S '$sock' capture-pane -p -t follow; }; screen | grep -q 'EXITED 0'"
check "nothing was replayed while following (one load, one replay: the opening)" \
    grep -qx 'loads 1 derives 1' "$stats"
sed 's/^/#   stats: /' "$stats"

# a backlog: 300 updates pending for updates.md; the first frame comes first
id=inc-20250101-backlog
mkdir -p "$WARROOM_DIR/$id"
"$WARROOM_TOOLS/genlog" "$WARROOM_DIR/$id/events.jsonl" 301 pending
chmod 600 "$WARROOM_DIR/$id/events.jsonl"
trace=$scratch/trace
T new-window -d -n backlog "env WARROOM_TRACE='$trace' WARROOM_DIR='$WARROOM_DIR' WARROOM_INCIDENT=$id \
    WARROOM_CONFIG=/dev/null HOME='$HOME' TERM=xterm-256color LANG=C.UTF-8 TZ=UTC '$WARROOM'; echo EXITED \$?; sleep 600"
i=0
while [ $i -lt 100 ] && [ "$(grep -c '"type":"delivery"' "$WARROOM_DIR/$id/events.jsonl")" -lt 300 ]; do
    sleep 0.1; i=$((i + 1))
done
check "the backlog is delivered" test "$(grep -c '"type":"delivery"' "$WARROOM_DIR/$id/events.jsonl")" -ge 300
# the first frame's line lists the events it had read: none of the deliveries
first_events=$(awk '$1 == "frame" { print $4; exit }' "$trace")
check "the first frame was drawn before the backlog was written (none of its 300 deliveries)" \
    test "${first_events:-999}" -lt 601
T send-keys -t backlog q
