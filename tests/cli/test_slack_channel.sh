# The incident's own Slack channel, end to end: the real binary against a
# stand-in for Slack's Web API on 127.0.0.1 (tests/slack_api.py), which keeps
# channels as Slack does, answers as Slack documents and checks every request
# against Slack's published description (tests/specs/).
src=${WARROOM_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$src/tests/lib.sh"
. "$src/tests/console/demo_incident.sh"
PY=/usr/bin/python3

token=xoxb-4242-SlackBotSecret7788
reqlog="$scratch/slack.jsonl"
SLACK_STANDIN_TOKEN=$token "$PY" "$src/tests/slack_api.py" "$reqlog" --port-file "$scratch/port" --lifetime 400 \
    >/dev/null 2>"$scratch/standin.err" &
standin=$!
trap 'kill "$standin" 2>/dev/null; rm -rf "$scratch"' EXIT
i=0
while [ ! -s "$scratch/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
port=$(cat "$scratch/port" 2>/dev/null)
check "the Slack stand-in is up" test -n "$port"
base="http://127.0.0.1:$port"
control() { curl -s -o /dev/null -X POST --data "$1" "$base/_control"; }
state() { curl -s "$base/_state" | jq -rc "$1"; }
reqs() { jq -c "select($1)" "$reqlog"; }
nreqs() { reqs "$1" | wc -l; }

export WARROOM_SLACK_TOKEN=$token WARROOM_SLACK_API_URL="$base/api"
cat > "$scratch/config.json" <<EOF
{
  "runbook_url": "https://runbooks.example.com/checkout",
  "dashboard_url": "https://grafana.example.com/d/checkout",
  "status_page_url": "https://status.example.com",
  "postmortem_url": "https://wiki.example.com/postmortems/checkout",
  "people": {
    "carol": {"slack": "U0CAROL01"}, "dan": {"slack": "U0DAN0002"},
    "dave": {"slack": "U0DAVE003"}, "erin": {"slack": "W0ERIN004"}
  },
  "delivery": {"connect_timeout_ms": 2000, "timeout_ms": 5000}
}
EOF
chmod 600 "$scratch/config.json"
export WARROOM_CONFIG="$scratch/config.json"
: > "$scratch/printed"
wrx() {
    "$WARROOM" "$@" >"$scratch/o" 2>"$scratch/e"
    st=$?
    cat "$scratch/o" "$scratch/e" >> "$scratch/printed"
    cat "$scratch/o"
    return $st
}
deliveries() { jq -c "select(.type==\"delivery\" and .sink==\"slack_channel\")" "$WARROOM_DIR/$1/events.jsonl"; }
channel() { state ".channels[] | select(.name==\"$1\")"; }

# ---- 1. the seed incident: one channel, its topic, invites, two pins ----
demo_id=$(demo_incident)
check "the seed incident is declared" test -n "$demo_id"
wrx flush --incident "$demo_id" --wait 60 >/dev/null
chname=inc-20250315-checkout-failing-for-card-payments
check "one channel was created, with the policy's name" \
    test "$(nreqs '.api=="conversations.create"'):$(state "[.channels[] | .name] | join(\",\")")" = "1:$chname"
check "every request conformed to Slack's description and carried the bot token" \
    test "$(nreqs '(.violations | length) > 0 or .auth != "ok"')" -eq 0
chan=$(channel "$chname")
cid=$(printf "%s\n" "$chan" | jq -r .id)
check "the topic has severity, IC and status" \
    test "$(printf "%s\n" "$chan" | jq -r .topic)" = "SEV1 · IC: carol · monitoring"
check "the role holders with a Slack id are invited" \
    test "$(printf "%s\n" "$chan" | jq -c '.members | sort')" = '["U0CAROL01","U0DAN0002","U0DAVE003","W0ERIN004"]'
check "two messages are pinned: the incident message and the runbook link" \
    test "$(printf "%s\n" "$chan" | jq '.pins | length')" -eq 2
first=$(printf "%s\n" "$chan" | jq -c '.messages[0]')
check "the incident message has severity, title, detected time, impact and links" \
    sh -c 'test -n "$1" && printf "%s\\n" "$1" | jq -e ".blocks[0].text.text == \"SEV2 · Checkout failing for card payments\"
        and (.blocks[1].fields | map(.text) | index(\"*Detected*\n2025-03-15 14:08 UTC\") != null)
        and (.blocks[2].text.text | startswith(\"*Impact*\nCard checkouts fail\"))
        and (.blocks[3].text.text | contains(\"<https://runbooks.example.com/checkout|Runbook>\"))
        and (.blocks[3].text.text | contains(\"<https://status.example.com|Status page>\"))" >/dev/null' _ "$first"
check "the pins are the incident message and the runbook message" \
    test "$(printf "%s\n" "$chan" | jq -c '[.pins[] as $p | .messages[] | select(.ts == $p) | .blocks[0].text.text[0:9]]')" \
    = '["SEV2 · Ch","*Runbook*"]'
# every published event once: 1 declaration, 5 roles, sev, 3 updates, page,
# ack, and the 2 action items (published since the ticket sinks need them)
posted=$(printf "%s\n" "$chan" | jq '[.messages[] | .blocks[0].block_id] | length')
unique=$(printf "%s\n" "$chan" | jq '[.messages[] | .blocks[0].block_id] | unique | length')
check "every published event is posted once ($posted messages)" test "$posted" -eq 15 -a "$unique" -eq 15
check "a role holder is a real mention" \
    test "$(printf "%s\n" "$chan" | jq '[.messages[] | select((.blocks[1].text.text // "") | contains("Comms is now <@U0DAN0002>"))] | length')" -eq 1
check "messages to the channel are about a second apart" \
    test "$(nreqs '.api=="chat.postMessage" and .gap != null and .gap < 0.9')" -eq 0
check "the holder without a Slack id is named in a recorded warning" \
    test "$(deliveries "$demo_id" | jq -r 'select(.warning) | .warning')" \
    = "not invited, no Slack id in the people directory: frank (SME)"
wrx show --json --incident "$demo_id" >/dev/null
check "  ... and shows in show --json" \
    test "$(jq -r '.deliveries[] | select(.sink == "slack_channel" and (.state | contains("warning"))) | .state' "$scratch/o")" \
    = "sent; warning: not invited, no Slack id in the people directory: frank (SME)"
wrx show --incident "$demo_id" >/dev/null
check "show names the channel and links to it" \
    grep -q "^  channel: #$chname  https://slack.com/app_redirect?channel=$cid\$" "$scratch/o"
wrx show --json --incident "$demo_id" >/dev/null
check "show --json has the channel" \
    test "$(jq -c .slack_channel "$scratch/o")" = "{\"id\":\"$cid\",\"name\":\"$chname\",\"url\":\"https://slack.com/app_redirect?channel=$cid\"}"

# escaped text stays escaped; resolving posts the resolution and the postmortem
WARROOM_NOW=2025-03-15T15:10:00Z wrx update monitoring "Watching <!channel> & <@U0DAVE003>" --incident "$demo_id" --wait 30 >/dev/null
WARROOM_NOW=2025-03-15T15:20:00Z wrx resolve "Rollback held for an hour" --incident "$demo_id" --wait 30 >/dev/null
chan=$(channel "$chname")
check "mentions typed by responders stay escaped" \
    test "$(printf "%s\n" "$chan" | jq -r '.messages[-2].blocks[1].text.text' | tail -1)" = "Watching &lt;!channel&gt; &amp; &lt;@U0DAVE003&gt;"
check "the resolution and the postmortem link are posted" \
    sh -c 'test -n "$1" && printf "%s\\n" "$1" | jq -e ".messages[-1].blocks[1].text.text == \"*Resolved* · Status: *resolved*\nRollback held for an hour\"
        and .messages[-1].blocks[2].text.text == \"<https://wiki.example.com/postmortems/checkout|Postmortem>\"" >/dev/null' _ "$chan"
check "the topic says resolved" test "$(printf "%s\n" "$chan" | jq -r .topic)" = "SEV1 · IC: carol · resolved"

# ---- 2. answers lost and refused: a retry or a recorded refusal, nothing twice ----
export WARROOM_NOW=2025-03-16T09:00:00Z
n0=$(wc -l < "$reqlog")
new() { tail -n +$((n0 + 1)) "$reqlog" | jq -c "select(${1:-true})"; }
control '{"faults": [{"api": "conversations.create", "fault": "drop_after"},
                     {"api": "conversations.setTopic", "fault": "ratelimited", "retry_after": "1"},
                     {"api": "chat.postMessage", "fault": "429", "retry_after": "3"},
                     {"api": "chat.postMessage", "fault": "drop_after"},
                     {"api": "pins.add", "fault": "drop_before"},
                     {"api": "chat.postMessage", "fault": "drop_before"}]}'
id2=$(wrx open --sev 1 --title "Lost answers" --as carol --wait 60)
name2=inc-20250316-lost-answers
chan=$(channel "$name2")
check "a lost answer to conversations.create is looked up, not sent again" \
    test "$(new '.api=="conversations.create"' | wc -l):$(new '.api=="conversations.list"' | wc -l):$(state "[.channels[] | select(.name | startswith(\"$name2\"))] | length")" = "1:1:1"
check "the channel found is the one recorded" \
    test "$(deliveries "$id2" | jq -r 'select(.remote_id) | .remote_name')" = "$name2"
check "ok:false ratelimited is retried, and the topic set" \
    test "$(deliveries "$id2" | jq -r 'select(.step==1 and .outcome=="retry") | .error'):$(printf "%s\n" "$chan" | jq -r .topic)" \
    = "conversations.setTopic: ratelimited:SEV1 · IC: unassigned · investigating"
# when the attempt left (the real clock: "ts" is WARROOM_NOW's) and when the
# retry is due; the first retry's backoff is at most 2 s, so 3 s is Slack's
left=$(deliveries "$id2" | jq -r 'select(.step==3 and .attempt==1 and .outcome=="attempting") | .started')
retry=$(deliveries "$id2" | jq -r 'select(.step==3 and .status==429) | .next_at')
check "429 is retried no sooner than its Retry-After" python3 -c '
import datetime, sys
t = lambda s: datetime.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()
sys.exit(0 if t(sys.argv[2]) - t(sys.argv[1]) >= 2.9 else 1)' "$left" "$retry"
check "a lost answer to chat.postMessage is looked up in the history, not posted again" \
    test "$(new '.api=="conversations.history"' | wc -l)" -ge 1
check "a request dropped before it arrived is sent again" \
    test "$(new '.api=="pins.add"' | wc -l)" -eq 3
check "each message is in the channel once, and both are pinned" \
    test "$(printf "%s\n" "$chan" | jq -c '[(.messages | length), (.pins | length), ([.messages[].blocks[0].block_id] | unique | length)]')" = "[2,2,2]"
check "the declaration is delivered in the end" \
    test "$(deliveries "$id2" | jq -r 'select(.step==6) | .outcome')" = "delivered"

# the process gone while Slack was making the channel: the next run asks
n3=$(wc -l < "$reqlog")
control '{"faults": [{"api": "conversations.create", "fault": "slow", "seconds": 6}]}'
id6=$(wrx open --sev 1 --title "Gone mid-way" --as carol --wait 1)
check "a run gone while Slack made the channel: its attempt is recorded, the outcome unknown" \
    test "$(deliveries "$id6" | jq -r '.outcome' | tr '\n' ' ')" = "attempting "
wrx flush --incident "$id6" --wait 30 >/dev/null
check "  ... the next run finds the channel the lost request made, and goes on" \
    test "$(tail -n +$((n3 + 1)) "$reqlog" | jq -c 'select(.api=="conversations.create")' | wc -l):$(state '[.channels[] | select(.name | startswith("inc-20250316-gone-mid-way"))] | length'):$(deliveries "$id6" | jq -r 'select(.step==6) | .outcome')" \
    = "1:1:delivered"

# name_taken: somebody else's channel has the name; the next one is used
control '{"seed_channel": {"name": "inc-20250316-taken", "created": 1000}}'
id3=$(wrx open --sev 2 --title "Taken" --as carol --wait 30)
check "name_taken takes the next name" \
    test "$(deliveries "$id3" | jq -r 'select(.remote_id) | .remote_name')" = "inc-20250316-taken-2"
check "somebody else's channel is left alone" \
    test "$(channel inc-20250316-taken | jq -c '[(.messages | length), (.members | length), .topic]')" = '[0,0,""]'
check "the name_taken answer is recorded" \
    test "$(deliveries "$id3" | jq -r 'select(.step==0 and .outcome=="retry") | .error')" \
    = "conversations.create: name_taken (#inc-20250316-taken); trying the next name"

# a refusal: recorded with Slack's error, not retried
control '{"faults": [{"api": "chat.postMessage", "fault": "error", "error": "channel_not_found"}]}'
n1=$(wc -l < "$reqlog")
expect_status 0 "an update is recorded though the channel refuses it" \
    wrx update investigating "Still looking" --incident "$id3" --wait 20
wrx flush --incident "$id3" --wait 5 >/dev/null
check "ok:false channel_not_found is a recorded refusal" \
    test "$(deliveries "$id3" | jq -r 'select(.outcome=="failed") | .error')" = "chat.postMessage: channel_not_found"
check "a refused message is not sent again" \
    test "$(tail -n +$((n1 + 1)) "$reqlog" | jq -c 'select(.api=="chat.postMessage")' | wc -l)" -eq 1
expect_status 0 "the refusal shows in show --json" sh -c "$WARROOM show --json --incident $id3 | grep -q channel_not_found"

# SEV3: no channel
n2=$(wc -l < "$reqlog")
id4=$(wrx open --sev 3 --title "Small thing" --as carol --wait 10)
check "a severity the policy does not name gets no channel" \
    test "$(tail -n +$((n2 + 1)) "$reqlog" | wc -l):$(deliveries "$id4" | wc -l)" = "0:0"
check "  ... and nothing stays queued for it" \
    test "$("$WARROOM" show --json --incident "$id4" | jq '[.deliveries[] | select(.sink == "slack_channel")] | length')" -eq 0

# a bad token: a refusal with Slack's words, the token nowhere
WARROOM_SLACK_TOKEN=xoxb-0000-WrongTokenValue wrx open --sev 1 --title "Bad token" --as carol --wait 10 >/dev/null
id5=$(ls -t "$WARROOM_DIR" | head -1)
check "a wrong token is refused and says why" \
    test "$(deliveries "$id5" | jq -r 'select(.outcome=="failed") | .error' | head -1)" = "conversations.create: invalid_auth"

# a lost answer in a workspace of many channels: Slack answers the lookup a
# page at a time (here two channels a page), and the one made is on the last
control '{"page_size": 2, "faults": [{"api": "conversations.create", "fault": "drop_after"}]}'
for i in 1 2 3 4 5; do control "{\"seed_channel\": {\"name\": \"team-$i\", \"created\": 1}}"; done
n3=$(wc -l < "$reqlog")
id6=$(wrx open --sev 1 --title "Paged lookup" --as carol --wait 60)
name6=inc-20250316-paged-lookup
since() { tail -n +$((n3 + 1)) "$reqlog" | jq -c "select($1)"; }
check "a lost answer is looked up page by page, not sent again: one create, one channel" \
    test "$(since '.api=="conversations.create"' | wc -l):$(state "[.channels[] | select(.name | startswith(\"$name6\"))] | length")" = "1:1"
check "  ... every page after the first asked for by Slack's cursor" \
    test "$(since '.api=="conversations.list"' | wc -l)" -gt 2 -a \
         "$(since '.api=="conversations.list" and (.query | test("cursor=") | not)' | wc -l)" = 1
check "  ... and the channel found is the one recorded" \
    test "$(deliveries "$id6" | jq -r 'select(.remote_id) | .remote_name')" = "$name6"
# a cursor that is not one (an escape sequence in it) ends the lookup there
control '{"cursor": "bad\u001b[2Jcursor", "faults": [{"api": "conversations.create", "fault": "drop_after"}]}'
n3=$(wc -l < "$reqlog")
id7=$(wrx open --sev 1 --title "Bad cursor" --as carol --wait 60)
check "a malformed cursor is not followed" test "$(since '.api=="conversations.list"' | wc -l)" = 1
check "  ... nor written down" sh -c "! grep -q \"$(printf '\033')\" '$WARROOM_DIR/$id7/events.jsonl'"
control '{"page_size": 0, "cursor": null}'

# ---- 3. the token is nowhere: files, outputs, the stand-in's record ----
for id in "$demo_id" "$id2" "$id3" "$id4" "$id5" "$id6" "$id7"; do
    "$WARROOM" show --json --incident "$id" >> "$scratch/printed" 2>&1
    "$WARROOM" show --incident "$id" >> "$scratch/printed" 2>&1
done
check "the bot token is in no file, output or record" \
    sh -c 'test -s "$2" -a -s "$3" -a -s "$WARROOM_DIR/$4/events.jsonl" &&
           ! grep -rqF -e "$1" -e "SlackBotSecret" -e "WrongTokenValue" "$WARROOM_DIR" "$2" "$3"' \
    _ "$token" "$scratch/printed" "$reqlog" "$demo_id"
check "the stand-in reported no problem of its own" test ! -s "$scratch/standin.err"
