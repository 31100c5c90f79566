# The incident's Slack channel in the console's header: the seed incident
# declared with the slack_channel sink on the stand-in for Slack
# (tests/slack_api.py), then the console at 80x24 and 120x40, compared as
# screens with tests/console/screens/ (WARROOM_SCREENS_UPDATE=1 writes them
# anew). The console delivers nothing here: the channel comes from the log.
here=$(cd "$(dirname "$0")" && pwd)
. "$(dirname "$0")/../lib.sh" 2>/dev/null || . "$WARROOM_SOURCE_DIR/tests/lib.sh"
. "$here/tmux.sh"
. "$here/demo_incident.sh"
export TERM=xterm-256color LANG=C.UTF-8

token=xoxb-5151-SlackBotSecret9911
SLACK_STANDIN_TOKEN=$token /usr/bin/python3 "$here/../slack_api.py" "$scratch/slack.jsonl" \
    --port-file "$scratch/port" --lifetime 300 >/dev/null 2>"$scratch/standin.err" &
standin=$!
trap 'kill "$standin" 2>/dev/null; T kill-server 2>/dev/null; rm -rf "$scratch"' EXIT
i=0
while [ ! -s "$scratch/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
cat > "$scratch/config.json" <<JSON
{"runbook_url": "https://runbooks.example.com/checkout",
 "people": {"carol": {"slack": "U0CAROL01"}, "dan": {"slack": "U0DAN0002"}}}
JSON
chmod 600 "$scratch/config.json"

id=$(WARROOM_CONFIG="$scratch/config.json" WARROOM_SLACK_TOKEN=$token \
     WARROOM_SLACK_API_URL="http://127.0.0.1:$(cat "$scratch/port")/api" demo_incident)
WARROOM_CONFIG="$scratch/config.json" WARROOM_SLACK_TOKEN=$token \
    WARROOM_SLACK_API_URL="http://127.0.0.1:$(cat "$scratch/port")/api" "$WARROOM" flush --incident "$id" --wait 60 >/dev/null
check "the channel is recorded" grep -q '"remote_name":"inc-20250315-checkout-failing-for-card-payments"' \
    "$WARROOM_DIR/$id/events.jsonl"

for size in 80x24 120x40; do
    T new-window -d -n "s$size" "env WARROOM_INCIDENT=$id WARROOM_NOW=$demo_now WARROOM_DIR='$WARROOM_DIR' \
        WARROOM_CONFIG=/dev/null HOME='$HOME' TERM=xterm-256color LANG=C.UTF-8 TZ=UTC '$WARROOM'; \
        echo EXITED \$?; sleep 600"
    T resize-window -t "s$size" -x "${size%x*}" -y "${size#*x}" 2>/dev/null
    wait_for "s$size" "q quit" > /dev/null
    settle "s$size" "$scratch/screen-$size"
    check "$size: the header shows the channel and its link" same_screen "slack-channel-$size" "$scratch/screen-$size"
    T send-keys -t "s$size" q
done
check "80x24: the channel's name is whole on its line" \
    grep -q "^ channel #inc-20250315-checkout-failing-for-card-payments *$" "$scratch/screen-80x24"
check "80x24: and the link under it" \
    grep -q "^ https://slack.com/app_redirect?channel=C00000001 *$" "$scratch/screen-80x24"
check "120x40: name and link on one line" \
    grep -q "^ channel #inc-20250315-checkout-failing-for-card-payments  https://slack.com/app_redirect?channel=C00000001 *$" \
    "$scratch/screen-120x40"

# a channel the console makes while it is open takes its lines at once
late=$(WARROOM_NOW=$demo_now WARROOM_CONFIG=/dev/null "$WARROOM" open --sev 1 --title "Late channel" --as carol)
curl -s -o /dev/null -X POST --data '{"faults": [{"api": "conversations.create", "fault": "slow", "seconds": 2}]}' \
    "http://127.0.0.1:$(cat "$scratch/port")/_control"
T new-window -d -n late "env WARROOM_INCIDENT=$late WARROOM_NOW=$demo_now WARROOM_DIR='$WARROOM_DIR' \
    WARROOM_CONFIG='$scratch/config.json' WARROOM_SLACK_TOKEN=$token \
    WARROOM_SLACK_API_URL=http://127.0.0.1:$(cat "$scratch/port")/api \
    HOME='$HOME' TERM=xterm-256color LANG=C.UTF-8 TZ=UTC '$WARROOM'; echo EXITED \$?; sleep 600"
T resize-window -t late -x 80 -y 24 2>/dev/null
check "the channel the console made shows under the title" \
    wait_for late "^ channel #inc-20250315-late-channel *\$" 30
screen late > "$scratch/screen-late"
check "  ... with its link, the title above it" \
    sh -c "sed -n '2p;4p' '$scratch/screen-late' | sed 's/ *\$//' | tr '\\n' '|' |
           grep -qx ' Late channel| https://slack.com/app_redirect?channel=C[0-9]*|'"
T send-keys -t late q
check "the token is on no screen" sh -c "! grep -q SlackBotSecret '$scratch'/screen-*"

# a step whose reply carries a warning (a role holder with no Slack id is not
# invited): the outbox once freed the warning twice, as the process ended
slack() {
    WARROOM_CONFIG="$scratch/config.json" WARROOM_SLACK_TOKEN=$token \
        WARROOM_SLACK_API_URL="http://127.0.0.1:$(cat "$scratch/port")/api" "$WARROOM" "$@"
}
warned=$(slack open --sev 1 --title "Warned" --as carol --wait 30 2>/dev/null)
st=0
slack role comms zed --incident "$warned" --as carol --wait 30 >/dev/null 2>"$scratch/warned.err" || st=$?
check "a role change whose invitation carried a warning exits 0" test "$st" -eq 0
check "  ... and records who was not invited" grep -q "no Slack id in the people directory: zed" "$WARROOM_DIR/$warned/events.jsonl"
