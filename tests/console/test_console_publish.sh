# The console publishes: the composer shows what each sink receives, the
# timeline shows each update's delivery per sink, the header names a failing
# sink, and a sink that never answers does not freeze the screen. Against the
# provider-like receiver on 127.0.0.1; the console in tmux.
src=${WARROOM_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$src/tests/lib.sh"
export TERM=xterm-256color LANG=C.UTF-8
sock="$scratch/tmux.sock"
T() { tmux -S "$sock" "$@"; }
reqlog="$scratch/requests.jsonl"
/usr/bin/python3 "$src/tests/receiver.py" "$reqlog" --port-file "$scratch/port" --lifetime 120 --hang-max 30 \
    >/dev/null 2>"$scratch/receiver.err" &
receiver=$!
trap 'kill "$receiver" 2>/dev/null; T kill-server 2>/dev/null; [ -n "${KEEP:-}" ] && cp "$scratch/screens" /tmp/screens; rm -rf "$scratch"' EXIT
i=0
while [ ! -s "$scratch/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
base="http://127.0.0.1:$(cat "$scratch/port")"
control() { curl -s -o /dev/null -X POST --data "$1" "$base/_control"; }

secret=T0CONSOLE/B0CONSOLE/consolehooksecret777
export WARROOM_SLACK_WEBHOOK="$base/services/$secret"
# slack's path is public only as far as the user says; the webhook's secret
# is a short lower-case path segment, which must be masked all the same
hook=qzxwvkjhgfdsapo
cat > "$scratch/config.json" <<JSON
{"delivery": {"connect_timeout_ms": 1000, "timeout_ms": 3000, "wait_seconds": 5},
 "sinks": {"slack": {"public_url_prefix": "$base/services"}, "webhook": {"url": "$base/$hook"}}}
JSON
chmod 600 "$scratch/config.json"
export WARROOM_CONFIG="$scratch/config.json"
id=$(wr open --sev 2 --title "Payments degraded" 2>/dev/null)
check "the declaration went to slack" sh -c "grep -q '/services/' '$reqlog'"

T -f /dev/null new-session -d -s c -x 140 -y 45 "env WARROOM_DIR='$WARROOM_DIR' WARROOM_INCIDENT=$id \
    WARROOM_CONFIG='$WARROOM_CONFIG' WARROOM_SLACK_WEBHOOK='$WARROOM_SLACK_WEBHOOK' HOME='$HOME' \
    TERM=xterm-256color LANG=C.UTF-8 '$WARROOM'; echo EXITED \$?; sleep 600"
screen() { T capture-pane -p -t c; }
wait_for() {
    i=0 limit=$(( ${2:-5} * 10 ))
    while [ $i -lt $limit ]; do
        screen | grep -q -- "$1" && return 0
        sleep 0.1; i=$((i + 1))
    done
    screen | sed 's/^/#   | /' >&2
    return 1
}
keys() { T send-keys -t c "$@"; }
: > "$scratch/screens"
snap() { screen >> "$scratch/screens"; }

check "the console opens" wait_for "Payments degraded"
check "the declaration shows as sent to slack" wait_for "slack: sent"
keys u
check "the composer shows what each sink receives" wait_for "What each sink receives"
check "  ... slack, with its URL masked" wait_for "slack: POST $base/services/•••"
check "  ... the webhook, its short lower-case secret masked" wait_for "webhook: POST $base/•••"
check "  ... and the local updates file" wait_for "file:"
snap
keys Enter
keys C-u
keys -l "Card payments fail for some users; we are investigating"
snap
keys Enter
check "the update shows in the timeline" wait_for "Status update (investigating): Card payments fail"
check "  ... and its delivery to slack" wait_for "slack: sent.*file: sent\\|file: sent.*slack: sent" 8
snap

# a failing sink: retried, shown in the header and under the update
control '{"path": "/services/'"$secret"'", "replies": [{"status": 500}, {"status": 500}, {"status": 500}, {"status": 500}], "default": {"status": 500}}'
# and a webhook that repeats its secret URL, upper-cased, in its refusal
control '{"path": "/'$hook'", "replies": [{"echo": "upper"}]}'
keys u
keys Right Enter
keys C-u
keys -l "Cause identified"
keys Enter
check "a failing sink is named in the header" wait_for "sinks failing: slack" 8
check "  ... and the update says it is retrying" wait_for "slack: retrying in" 8
check "  ... and that the webhook refused it" wait_for "webhook: failed: HTTP" 8
check "  ... its echo scrubbed" test "$(jq -r 'select(.type=="delivery" and .sink=="webhook" and .outcome=="failed") | .error' \
    "$WARROOM_DIR/$id/events.jsonl")" = "HTTP 400: rejected •••"
snap

# a sink that never answers: the screen keeps answering keys
control '{"path": "/services/'"$secret"'", "replies": [], "default": {"hang": true}}'
keys u
keys Right Enter                  # from identified, where the status stands
keys C-u
keys -l "Monitoring the fix"
keys Enter
check "the update is recorded while slack hangs" wait_for "Status update (monitoring): Monitoring the fix"
keys ?
check "  ... and the console answers keys at once" wait_for "Keys (Esc closes)" 2
keys Escape
# a key sent at once after Esc would arrive with it as one sequence (Alt+key)
i=0; while [ $i -lt 50 ] && T capture-pane -p -t c | grep -q "Keys (Esc closes)"; do sleep 0.1; i=$((i + 1)); done
snap
check "the secret never reaches the screen" sh -c "! grep -q 'consolehooksecret777' '$scratch/screens'"
check "nor the log" sh -c "! grep -rq 'consolehooksecret777' '$WARROOM_DIR'"
check "the webhook's secret, in any case, never reaches the screen" sh -c "! grep -qi '$hook' '$scratch/screens'"
check "  ... nor the log" sh -c "! grep -rqi '$hook' '$WARROOM_DIR'"
keys q
check "q quits while a delivery hangs" wait_for "EXITED 0" 5
