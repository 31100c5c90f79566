# The console shows each entry's delivery to Linear and Opsgenie as it does
# for the other sinks: a ticket as sent with its identifier, an Opsgenie
# request as accepted (not sent), a missing assignee as a warning; and no key
# on any screen. Against the loopback stand-ins (tests/tickets_api.py).
src=${WARROOM_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$src/tests/lib.sh"
. "$src/tests/console/tmux.sh"
export TERM=xterm-256color LANG=C.UTF-8
team=0b5f3c2e-8d4a-4f6b-9c1d-2e3f4a5b6c7d
export LINEAR_API_KEY=lin_api_C0nsoleTicketSecret42 OPSGENIE_API_KEY=c0ns0le-GenieSecret-31337
reqlog="$scratch/requests.jsonl"
TICKETS_LINEAR_KEY=$LINEAR_API_KEY TICKETS_OPSGENIE_KEY=$OPSGENIE_API_KEY /usr/bin/python3 \
    "$src/tests/tickets_api.py" "$reqlog" --port-file "$scratch/port" --lifetime 120 --linear-team "$team" \
    >/dev/null 2>"$scratch/api.err" &
api=$!
trap 'kill "$api" 2>/dev/null; T kill-server 2>/dev/null; rm -rf "$scratch"' EXIT
i=0
while [ ! -s "$scratch/port" ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
base="http://127.0.0.1:$(cat "$scratch/port")"
export WARROOM_LINEAR_URL="$base/graphql" WARROOM_OPSGENIE_URL="$base" WARROOM_LINEAR_TEAM="$team"
cat > "$scratch/config.json" <<JSON
{"delivery": {"connect_timeout_ms": 1000, "timeout_ms": 3000, "wait_seconds": 5},
 "sinks": {"linear": {"postmortem_label": "99999999-8888-4777-8666-555555555555"}, "opsgenie": {}},
 "people": {"dave": {"linear": "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"}}}
JSON
chmod 600 "$scratch/config.json"
export WARROOM_CONFIG="$scratch/config.json"
id=$(wr open --sev 2 --title "Payments degraded" 2>/dev/null)
export WARROOM_INCIDENT=$id
wr action add "Alert on pool exhaustion" --owner frank --due 2031-01-10 >/dev/null 2>&1
check "the declaration and the action item reached the stand-ins" test "$(wc -l < "$reqlog")" -eq 3

T new-window -d -n c "env WARROOM_DIR='$WARROOM_DIR' WARROOM_INCIDENT=$id WARROOM_CONFIG='$WARROOM_CONFIG' \
    LINEAR_API_KEY='$LINEAR_API_KEY' OPSGENIE_API_KEY='$OPSGENIE_API_KEY' WARROOM_LINEAR_URL='$WARROOM_LINEAR_URL' \
    WARROOM_OPSGENIE_URL='$WARROOM_OPSGENIE_URL' WARROOM_LINEAR_TEAM='$team' HOME='$HOME' \
    TERM=xterm-256color LANG=C.UTF-8 '$WARROOM'"
T resize-window -t c -x 160 -y 45 2>/dev/null
check "the console opens" wait_for c "Payments degraded"
: > "$scratch/screens"
snap() { screen c >> "$scratch/screens"; }
check "the declaration: a Linear ticket sent, with its identifier" wait_for c "linear: sent (ENG-1)"
check "  ... and Opsgenie's acceptance shown as accepted, with the request id" \
    wait_for c "opsgenie: accepted (request [0-9a-f-]*"
check "the action item: its ticket, and the missing assignee as a warning" \
    wait_for c "linear: sent (ENG-2); warning: unassigned: frank is not in the people"
snap
# an ack recorded while the console is open: the console delivers it
wr ack --as dave >/dev/null 2>&1
acked() { screen c | grep -A2 'Acknowledged' | grep -q 'opsgenie: accepted (request'; }
wait_until() { i=0; while [ $i -lt 100 ]; do "$@" && return 0; sleep 0.1; i=$((i + 1)); done; screen c | sed 's/^/#   | /' >&2; return 1; }
check "an ack while the console is open: the console delivers it, shown as accepted" wait_until acked
snap
check "Opsgenie got create and acknowledge for the one alias" \
    test "$(jq -r 'select(.provider=="opsgenie") | .path' "$reqlog" | paste -sd,)" = "/v2/alerts,/v2/alerts/$id/acknowledge"
check "no key on any screen" sh -c "! grep -qF -e 'TicketSecret' -e 'GenieSecret' '$scratch/screens'"
check "no key in the data directory" sh -c "! grep -rqF -e 'TicketSecret' -e 'GenieSecret' '$WARROOM_DIR'"
keys c q
