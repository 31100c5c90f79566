# The console shares its incident with other hosts: it syncs continuously in
# a child process, shows what other hosts record, says in its header when the
# remote is out of reach and how much waits to be pushed, stays responsive
# while the remote hangs, and its picker offers incidents declared elsewhere.
. "$(dirname "$0")/../lib.sh" 2>/dev/null || . "$WARROOM_SOURCE_DIR/tests/lib.sh"
src=${WARROOM_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$src/tests/sync_lib.sh"
export TERM=xterm-256color LANG=C.UTF-8
sock="$scratch/tmux.sock"
T() { tmux -S "$sock" "$@"; }
hang_pid=
trap 'T kill-server 2>/dev/null; [ -n "$hang_pid" ] && kill $hang_pid 2>/dev/null; rm -rf "$scratch"' EXIT
trap 'exit 1' INT TERM    # the servers go with the EXIT trap when the run is stopped too
T -f /dev/null new-session -d -s boot -x 120 -y 40 "sleep 600"
T set-option -g remain-on-exit on >/dev/null
# until the pane shows PATTERN (bounded, not a timing assertion)
screen_has() {
    i=0
    while [ $i -lt 150 ]; do
        T capture-pane -p -t "$1" > "$scratch/screen"
        grep -q -- "$2" "$scratch/screen" && return 0
        sleep 0.1; i=$((i + 1))
    done
    sed 's/^/#   /' "$scratch/screen" | head -12
    return 1
}
console() {  # WINDOW HOST
    T new-window -d -n "$1" "env WARROOM_DIR='$(data_of $2)' WARROOM_HOST=$2 WARROOM_CONFIG='$scratch/conf-$2.json' \
        HOME='$HOME' TERM=xterm-256color LANG=C.UTF-8 TZ=UTC '$WARROOM'; sleep 600"
}

remote="$scratch/remote.git"
git init -q --bare "$remote"
host_config a "$remote" '"wait_seconds": 2'
host_config b "$remote" '"wait_seconds": 2'
id=$(on a open --sev 2 --title "Search is slow")
mine=$(local_on b open --sev 3 --title "Local only")

# the picker: b's own incident and the one declared on a
console pick b
check "the picker offers the incident declared on another host" screen_has pick "$id  (on another host)"
check "beside the local one" grep -q "$mine" "$scratch/screen"
T send-keys -t pick Down Enter
check "picking it joins it and opens it" screen_has pick "Search is slow"
check "b has the incident here now" test -s "$(data_of b)/$id/events.jsonl"

# what a records shows on b's console; what b records reaches a
on a log "seen from a" >/dev/null 2>&1
check "a note recorded on a appears on b's console" screen_has pick "seen from a"
local_on b log --incident "$id" "written on b" >/dev/null 2>&1
i=0
until [ $i -ge 50 ] || { on a sync >/dev/null 2>&1; timeline_texts a "$id" | grep -q "written on b"; }; do
    sleep 0.2; i=$((i + 1))
done
check "b's console pushes what b records" test "$(timeline_texts a "$id" | grep -c 'written on b')" = 1

# the remote out of reach: the header says so, and how much waits
mv "$remote" "$remote.away"
local_on b log --incident "$id" "while offline 1" >/dev/null 2>&1
local_on b log --incident "$id" "while offline 2" >/dev/null 2>&1
check "the header says the console is offline and what waits to be pushed" \
    screen_has pick "sync: offline [0-9hms]*, 2 events to push"
mv "$remote.away" "$remote"
check "back online, the header says nothing more" sh -c "i=0; while [ \$i -lt 100 ]; do
    tmux -S '$sock' capture-pane -p -t pick | grep -q 'sync: offline' || exit 0; sleep 0.1; i=\$((i + 1)); done; exit 1"
on a sync >/dev/null 2>&1
check "and a has what b recorded offline" test "$(timeline_texts a "$id" | grep -c 'while offline')" = 2
T send-keys -t pick q

# a remote that hangs: the console answers keys meanwhile
/usr/bin/python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(16)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
conns = []
while True:
    c, _ = s.accept(); conns.append(c)    # never says a word
' "$scratch/hang-port" &
hang_pid=$!
i=0; while [ ! -s "$scratch/hang-port" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
host_config c "ssh://git@127.0.0.1:$(cat "$scratch/hang-port")/remote.git" '"wait_seconds": 2'
cid=$(local_on c open --sev 2 --title "Hanging remote")
console hang c
check "the console opens with a remote that hangs" screen_has hang "Hanging remote"
T send-keys -t hang '?'
check "and answers keys while a round hangs" screen_has hang "this help"
T send-keys -t hang Escape
check "the header says it is offline once the round is given up" screen_has hang "sync: offline"
T send-keys -t hang q
