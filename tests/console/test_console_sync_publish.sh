# Two consoles on two hosts, all four sinks on the loopback receiver: every
# update and every escalation is delivered exactly once, by the host that
# recorded it (escalations by the one host on duty), while both consoles
# sync continuously and each host shows every sink's state.
src=${WARROOM_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$src/tests/lib.sh"
. "$src/tests/sync_lib.sh"
export TERM=xterm-256color LANG=C.UTF-8
sock="$scratch/tmux.sock"
T() { tmux -S "$sock" "$@"; }
reqlog="$scratch/requests.jsonl"
/usr/bin/python3 "$src/tests/receiver.py" "$reqlog" --port-file "$scratch/port" --lifetime 150 --hang-max 30 \
    >/dev/null 2>"$scratch/receiver.err" &
receiver=$!
trap 'kill "$receiver" 2>/dev/null; T kill-server 2>/dev/null; rm -rf "$scratch"' EXIT
trap 'exit 1' INT TERM
i=0
while [ ! -s "$scratch/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
base="http://127.0.0.1:$(cat "$scratch/port")"
export WARROOM_SLACK_WEBHOOK="$base/services/T0SYNC/B0SYNC/synchooksecret" WARROOM_PAGERDUTY_URL="$base/v2/enqueue"
export STATUSPAGE_API_KEY=syncstatuspagekey

remote="$scratch/remote.git"
git init -q --bare "$remote"
for h in a b; do
    printf '%s\n' "{\"sync\": {\"url\": \"$remote\"},
 \"sinks\": {\"pagerduty\": {\"routing_key\": \"syncroutingkey0123456789abcdef01\", \"source\": \"test\"},
           \"statuspage\": {\"page_id\": \"syncpage\", \"url\": \"$base\"},
           \"webhook\": {\"url\": \"$base/hooks/synchook\"}},
 \"delivery\": {\"connect_timeout_ms\": 1000, \"timeout_ms\": 3000, \"wait_seconds\": 5}}" > "$scratch/conf-$h.json"
    chmod 600 "$scratch/conf-$h.json"
done
# SEV1 since ten minutes ago: the executives' step is due at once
id=$(on a open --sev 1 --title "Exactly once" --at "$(date -u -d '-10 min' +%Y-%m-%dT%H:%M:%SZ)" 2>/dev/null)
on b join "$id" >/dev/null 2>&1
for h in a b; do
    T -f /dev/null new-session -d -s $h -x 120 -y 40 "env WARROOM_DIR='$(data_of $h)' WARROOM_HOST=$h \
        WARROOM_CONFIG='$scratch/conf-$h.json' WARROOM_INCIDENT=$id HOME='$HOME' WARROOM_SLACK_WEBHOOK='$WARROOM_SLACK_WEBHOOK' \
        WARROOM_PAGERDUTY_URL='$WARROOM_PAGERDUTY_URL' STATUSPAGE_API_KEY='$STATUSPAGE_API_KEY' \
        TERM=xterm-256color LANG=C.UTF-8 TZ=UTC '$WARROOM'; sleep 600"
done
on a update investigating "update from a" >/dev/null 2>&1
on b update identified "update from b" >/dev/null 2>&1

# until both logs hold the same deliveries (bounded)
sent() {  # HOST TEXT: the sinks a delivery of that event names as delivered, sorted
    log="$(data_of $1)/$id/events.jsonl"
    ev=$(jq -r --arg t "$2" 'select(.text == $t or .label == $t) | .id' "$log" | head -1)
    [ -n "$ev" ] && jq -r --arg e "$ev" 'select(.type == "delivery" and .update == $e and .outcome == "delivered") | .sink' "$log" | sort
}
settled() {
    for t in "update from a" "update from b" "notify VP Eng + CTO"; do
        [ -n "$(sent a "$t")" ] && [ "$(sent a "$t")" = "$(sent b "$t")" ] || return 1
    done
}
i=0
while ! settled && [ $i -lt 300 ]; do sleep 0.2; i=$((i + 1)); done
check "both hosts show every sink's state of every update and escalation" settled
# requests per sink (by path) whose body carries TEXT: exactly one each
once() {
    jq -r --arg t "$1" 'select((.body | tostring) | contains($t)) | .path' "$reqlog" |
        sed 's|^/services/.*|slack|; s|^/v2/enqueue.*|pagerduty|; s|^/v1/pages/.*|statuspage|; s|^/hooks/.*|webhook|' |
        sort | uniq -c > "$scratch/once"
    [ -s "$scratch/once" ] && ! awk '$1 != 1' "$scratch/once" | grep -q . || { sed 's/^/#   /' "$scratch/once"; return 1; }
}
check "a's update reached each sink exactly once" once "update from a"
check "b's update reached each sink exactly once" once "update from b"
check "the escalation reached each sink exactly once" once "notify VP Eng + CTO"
check "  ... fired once, on the declaring host" test "$(jq -r 'select(.type == "escalate" and .rule == "sev1-executives") | .host' \
    "$(data_of b)/$id/events.jsonl" | sort -u)" = "$(host_of a)"
host_of_delivery() {  # TEXT: the hosts that recorded its deliveries
    log="$(data_of a)/$id/events.jsonl"
    ev=$(jq -r --arg t "$1" 'select(.text == $t) | .id' "$log" | head -1)
    jq -r --arg e "$ev" 'select(.type == "delivery" and .update == $e) | .host' "$log" | sort -u
}
check "b's update was delivered by b" test "$(host_of_delivery "update from b")" = "$(host_of b)"
check "a's by a" test "$(host_of_delivery "update from a")" = "$(host_of a)"
