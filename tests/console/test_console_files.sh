# The console while another process holds the log's lock: keys are still
# answered, the footer says the entry waits, and it is recorded (once) as soon
# as the lock is let go. The real binary in tmux, read with capture-pane.
console_dir=$(cd "$(dirname "$0")" && pwd)   # before lib.sh moves to the scratch directory
. "$(dirname "$0")/../lib.sh" 2>/dev/null || . "$WARROOM_SOURCE_DIR/tests/lib.sh"
. "$console_dir/tmux.sh"
export TERM=xterm-256color LANG=C.UTF-8
holder=
trap 'release_lock; T kill-server 2>/dev/null; rm -rf "$scratch"' EXIT

start() {
    name=$1 size=$2; shift 2
    T new-window -d -n "$name" "env $* WARROOM_DIR='$WARROOM_DIR' WARROOM_CONFIG=/dev/null HOME='$HOME' \
        TERM=xterm-256color LANG=C.UTF-8 TZ=UTC '$WARROOM' 2>'$scratch/$name.err'; echo EXITED \$?; sleep 600"
    T resize-window -t "$name" -x "${size%x*}" -y "${size#*x}" 2>/dev/null
}
# take_lock LOG: flock(1) holds the log's lock (-o: itself, not its child)
# until release_lock ends its child; no output, so no pipe is kept open
take_lock() {
    flock -o "$1" sleep 600 >/dev/null 2>&1 &
    holder=$!
    i=0
    while flock -n "$1" true 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
}
release_lock() {
    [ -n "$holder" ] || return 0
    kill $(ps -o pid= --ppid "$holder") "$holder" 2>/dev/null
    wait "$holder" 2>/dev/null
    holder=
}

id=$(wr open --sev 2 --title "Checkout failing" 2>/dev/null)
log=$WARROOM_DIR/$id/events.jsonl
start locked 120x40 WARROOM_LOCK_WAIT=1
check "the console opens" wait_for locked "Checkout failing"
take_lock "$log"
keys locked n
keys locked -l "noted while the log is locked"
keys locked Enter
check "a note under another process's lock: the footer says it waits" wait_for locked "waiting to record the note"
check "  ... and who holds the lock" wait_for locked "locked by pid $holder (flock)"
keys locked ?
check "  ... keys are still answered: ? opens the help" wait_for locked "Keys (Esc closes)"
keys locked Escape
check "  ... the note is not in the log yet" sh -c "! grep -q 'noted while the log is locked' '$log'"
# a key right after Esc reads as Alt+key: wait for the help to close first
i=0
while T capture-pane -p -t locked | grep -q "Keys (Esc closes)" && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
keys locked a
check "  ... a asks when it was acknowledged" wait_for locked "acknowledge? when (Enter: now"
keys locked Enter
check "  ... a second entry waits behind it" wait_for locked "waiting to record 2 entries"
release_lock
check "once the lock is let go, the note is recorded" wait_for locked "noted while the log is locked" 10
check "  ... and shown acknowledged" wait_for locked "Acknowledged" 10
check "  ... the footer says so" wait_for locked "recorded ack"
check "  ... the note is in the log exactly once" test "$(grep -c 'noted while the log is locked' "$log")" -eq 1
check "  ... the acknowledgement after it" sh -c "tail -1 '$log' | grep -q '\"type\":\"ack\"'"

# quitting while an entry still waits: the console waits the command line's
# bounded time, then says on stderr what was not recorded
take_lock "$log"
keys locked n
keys locked -l "typed just before quitting"
keys locked Enter
check "a note waits again under a new lock" wait_for locked "waiting to record the note"
keys locked q
check "quitting with an entry waiting ends (after the bounded wait)" wait_for locked "EXITED 1" 30
check "  ... and says what was not recorded, and why" \
    grep -q "not recorded (note: typed just before quitting): the incident log .* is locked by pid $holder (flock)" "$scratch/locked.err"
check "  ... which is not in the log" sh -c "! grep -q 'typed just before quitting' '$log'"
release_lock

# an entry that waited and was recorded leaves nothing behind: the console
# quits cleanly (the sanitizer build checks for leaks at this exit)
start drained 120x40 WARROOM_LOCK_WAIT=1
check "a second console opens" wait_for drained "Checkout failing"
take_lock "$log"
keys drained n
keys drained -l "waited then recorded"
keys drained Enter
check "  ... its note waits for the lock" wait_for drained "waiting to record the note"
release_lock
check "  ... and is recorded once it is free" wait_for drained "recorded note" 10
keys drained q
check "  ... then it quits with status 0" wait_for drained "EXITED 0" 10
