# Linear and Opsgenie, end to end: the real binary against loopback stand-ins
# (tests/tickets_api.py) that answer as Linear's GraphQL API and Opsgenie's
# Alert API do and check every request against the copied specifications.
src=${WARROOM_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$src/tests/lib.sh"
. "$src/tests/console/demo_incident.sh"
PY=/usr/bin/python3

team=0b5f3c2e-8d4a-4f6b-9c1d-2e3f4a5b6c7d
label=11111111-2222-4333-8444-555555555555
pm_label=99999999-8888-4777-8666-555555555555
dave_id=aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee
# distinctive secrets, from the environment only
export LINEAR_API_KEY=lin_api_Q7xTicketSecretZ0123456789 OPSGENIE_API_KEY=0a1b2c3d-GenieSecret-9f8e7d6c5b4a
export TICKETS_LINEAR_KEY=$LINEAR_API_KEY TICKETS_OPSGENIE_KEY=$OPSGENIE_API_KEY

reqlog="$scratch/requests.jsonl"
"$PY" "$src/tests/tickets_api.py" "$reqlog" --port-file "$scratch/port" --lifetime 280 --linear-team "$team" \
    >/dev/null 2>"$scratch/api.err" &
api=$!
trap 'kill "$api" 2>/dev/null; rm -rf "$scratch"' EXIT
i=0
while [ ! -s "$scratch/port" ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
base="http://127.0.0.1:$(cat "$scratch/port" 2>/dev/null)"
check "the stand-ins are up" test -s "$scratch/port"
control() { curl -s -o /dev/null -X POST --data "$1" "$base/_control"; }
api_state() { curl -s "$base/_state"; }
export WARROOM_LINEAR_URL="$base/graphql" WARROOM_OPSGENIE_URL="$base"
unset TICKETS_LINEAR_KEY TICKETS_OPSGENIE_KEY WARROOM_LINEAR_TEAM
cat > "$scratch/config.json" <<EOF
{"sinks": {"linear": {"team": "$team", "labels": ["$label"], "postmortem_label": "$pm_label"},
           "opsgenie": {"source": "checkout-warroom"}},
 "people": {"dave": {"name": "Dave Ng", "linear": "$dave_id"}},
 "delivery": {"connect_timeout_ms": 2000, "timeout_ms": 4000}}
EOF
chmod 600 "$scratch/config.json"
export WARROOM_CONFIG="$scratch/config.json"

# every run's output is kept, to look for the keys in it at the end
wrx() {
    "$WARROOM" "$@" >"$scratch/o" 2>"$scratch/e"
    st=$?
    cat "$scratch/o" "$scratch/e" >> "$scratch/printed"
    cat "$scratch/o"
    cat "$scratch/e" >&2
    return $st
}
reqs() { jq -c "select($1)" "$reqlog"; }
nreqs() { reqs "$1" | wc -l; }
deliveries() { jq -c "select(.type==\"delivery\" and ($2))" "$WARROOM_DIR/$1/events.jsonl"; }
creates='.provider=="linear" and (.body|fromjson|.query|test("issueCreate"))'

# ---- 1. the seed incident, declared with both sinks ----
id=$(demo_incident 2>>"$scratch/printed")
check "the seed incident is declared" test -n "$id"
WARROOM_NOW=$demo_now wrx resolve "Rolled back; card payments recover" --incident "$id" >/dev/null 2>&1
WARROOM_NOW=$demo_now wrx flush --incident "$id" --wait 10 >/dev/null 2>&1
check "no request broke the providers' specifications" test "$(jq -c 'select(.invalid != [])' "$reqlog" | wc -l)" -eq 0
jq -c 'select(.invalid != []) | .invalid' "$reqlog" | head -3 | sed 's/^/#   /'
check "linear: three tickets asked for (the incident, two action items)" test "$(nreqs "$creates")" -eq 3
state=$(api_state)
check "linear: three tickets exist" test "$(printf '%s' "$state" | jq '.linear | length')" -eq 3
inc_ticket=$(printf '%s' "$state" | jq -c '.linear[] | select(.title | startswith("[SEV2]"))')
check "linear: the incident ticket, with the configured labels" \
    test "$(printf '%s' "$inc_ticket" | jq -r '"\(.title)|\(.labelIds|join(","))|\(.teamId)|\(.priority)"')" = \
    "[SEV2] Checkout failing for card payments|$label|$team|2"
check "linear: the incident ticket says the impact" sh -c "printf '%s' '$inc_ticket' | jq -r .description | grep -q 'Card checkouts fail'"
a1=$(printf '%s' "$state" | jq -c '.linear[] | select(.title | startswith("[A1]"))')
a2=$(printf '%s' "$state" | jq -c '.linear[] | select(.title | startswith("[A2]"))')
check "linear: A1 with the post-mortem label, dave as assignee, the due date and priority" \
    test "$(printf '%s' "$a1" | jq -r '"\(.title)|\(.labelIds|join(","))|\(.assigneeId)|\(.dueDate)|\(.priority)"')" = \
    "[A1] Canary config changes for payment-gateway|$pm_label|$dave_id|2025-03-22|1"
check "linear: A2 with the label and due date, unassigned (frank has no Linear id)" \
    test "$(printf '%s' "$a2" | jq -r '"\(.labelIds|join(","))|\(.assigneeId)|\(.dueDate)"')" = "$pm_label|null|2025-03-14"
check "linear: the missing assignee is named in a recorded warning" \
    sh -c "jq -r 'select(.type==\"delivery\" and .sink==\"linear\") | .warning // empty' '$WARROOM_DIR/$id/events.jsonl' | grep -q 'unassigned: frank is not in the people directory'"
check "linear: every ticket id is a UUID v4 of warroom's choosing" \
    test "$(reqs "$creates" | jq -r '.body|fromjson|.variables.input.id' | grep -Ec '^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$')" -eq 3
check "linear: the Authorization header is the key as Linear documents it" \
    test "$(reqs '.provider=="linear"' | jq -r '.headers.Authorization' | sort -u)" = "$LINEAR_API_KEY"
check "linear: each ticket recorded once, with its identifier" \
    test "$(deliveries "$id" '.sink=="linear" and .outcome=="delivered"' | jq -r .receipt | sort | paste -sd,)" = "ENG-1,ENG-2,ENG-3"

og='.provider=="opsgenie"'
check "opsgenie: create, acknowledge, create (the page), close, in order" \
    test "$(reqs "$og" | jq -r '.path | sub(".*/"; "")' | paste -sd,)" = "alerts,acknowledge,alerts,close"
check "opsgenie: one alias, the incident id, for all of them" \
    test "$(reqs "$og" | jq -r 'if .path=="/v2/alerts" then (.body|fromjson|.alias) else (.path|split("/")[3]) end' | sort -u)" = "$id"
check "opsgenie: acknowledge and close act on the alias" \
    test "$(reqs "$og and .path != \"/v2/alerts\"" | jq -r .query | sort -u)" = "identifierType=alias"
check "opsgenie: GenieKey authorization" test "$(reqs "$og" | jq -r '.headers.Authorization' | sort -u)" = "GenieKey $OPSGENIE_API_KEY"
check "opsgenie: priority from the severity (SEV2 declared, SEV1 paged)" \
    test "$(reqs "$og and .path==\"/v2/alerts\"" | jq -r '.body|fromjson|.priority' | paste -sd,)" = "P2,P1"
check "opsgenie: one alert, acknowledged and closed" \
    test "$(api_state | jq -c '[.opsgenie[] | [.alias, .acknowledged, .status, .count]]')" = "[[\"$id\",true,\"closed\",2]]"
check "opsgenie: every answer recorded as accepted with its request id, not as delivered" \
    test "$(deliveries "$id" '.sink=="opsgenie"' | jq -r '"\(.outcome) \(.receipt|test("^[0-9a-f-]{36}$"))"' | sort -u)" = "accepted true"
wrx show --json --incident "$id" > "$scratch/show.json" 2>/dev/null
check "show --json: the acceptance shown as such" \
    test "$(jq -r '.deliveries[] | select(.sink=="opsgenie") | .state | sub(" .*"; "")' "$scratch/show.json" | sort -u)" = "accepted"
check "show --json: the tickets shown by identifier" \
    sh -c "jq -r '.deliveries[] | select(.sink==\"linear\") | .state' '$scratch/show.json' | grep -q '^sent (ENG-2)'"

# ---- actions: the items with their tickets, and --sync reading them back ----
wrx actions --incident "$id" > "$scratch/actions.txt" 2>>"$scratch/printed"
check "actions lists each item with its ticket" \
    test "$(cut -f1,2,3,5 "$scratch/actions.txt" | paste -sd'|')" = "$(printf 'A1\topen\tdave\tENG-2|A2\topen\tfrank\tENG-3')"
a1_id=$(printf '%s' "$a1" | jq -r .id)
a2_id=$(printf '%s' "$a2" | jq -r .id)
control "{\"linear_state\": {\"id\": \"$a1_id\", \"type\": \"completed\"}}"
control "{\"linear_state\": {\"id\": \"$a2_id\", \"type\": \"canceled\"}}"
states='.provider=="linear" and (.body|fromjson|.query|test("TicketStates"))'
nactions() { jq -c 'select(.type=="action")' "$WARROOM_DIR/$id/events.jsonl" | wc -l; }
before=$(nactions)
wrx actions --sync --incident "$id" --as erin > "$scratch/sync1.txt" 2>>"$scratch/printed"
check "actions --sync: A1's ticket completed, A2's canceled" \
    test "$(cat "$scratch/sync1.txt" | paste -sd'|')" = "A1: done (ENG-2 completed)|A2: wontfix (ENG-3 canceled)|2 of 2 tickets changed an action item"
check "  ... one GraphQL query for all the tickets" test "$(nreqs "$states")" -eq 1
check "  ... recorded as action events naming the ticket" \
    test "$(jq -r 'select(.type=="action" and .via=="linear") | "\(.item) \(.status) \(.ticket) \(.by)"' "$WARROOM_DIR/$id/events.jsonl" | paste -sd,)" = "A1 done ENG-2 erin,A2 wontfix ENG-3 erin"
check "  ... show knows which items shipped" \
    test "$(wrx show --json --incident "$id" 2>/dev/null | jq -r '[.actions[] | "\(.id)=\(.status)"] | join(",")')" = "A1=done,A2=wontfix"
WARROOM_NOW=$demo_now wrx postmortem --incident "$id" > "$scratch/pm.md" 2>>"$scratch/printed"
check "  ... the postmortem's timeline says where the status came from" \
    grep -q 'Action item A1 changed: status done (from linear ENG-2)' "$scratch/pm.md"
check "  ... and its action items table shows which shipped" \
    sh -c "grep -Eq '^\\| A1 .*\\| done \\|\$' '$scratch/pm.md' && grep -Eq '^\\| A2 .*\\| wontfix \\|\$' '$scratch/pm.md'"
wrx actions --sync --incident "$id" > "$scratch/sync2.txt" 2>>"$scratch/printed"
check "actions --sync again: nothing changes, nothing recorded twice" \
    test "$(cat "$scratch/sync2.txt"),$(( $(nactions) - before ))" = "0 of 2 tickets changed an action item,2"
check "  ... the second run asked once more" test "$(nreqs "$states")" -eq 2
(unset LINEAR_API_KEY; expect_status 1 "actions --sync without Linear configured fails" wrx actions --sync --incident "$id")
check "  ... saying what to set" grep -q "linear is not configured: set LINEAR_API_KEY" "$scratch/err"
control '{"path": "/graphql", "replies": [{"preset": "linear-ratelimited"}]}'
expect_status 1 "actions --sync: a GraphQL error fails the command" wrx actions --sync --incident "$id"
check "  ... saying Linear's words" grep -q "cannot read the tickets from linear: .*rate limit" "$scratch/err"
check "  ... and records nothing" test "$(( $(nactions) - before ))" -eq 2
control '{"reset": true}'

# ---- 2. failures: each ends in a retry or a clear refusal, nothing twice ----
fresh() {   # a new incident: its declaration meets the scenario queued just before
    wrx open --sev 3 --title "$1" --wait 12 2>/dev/null
}
settle() { wrx flush --incident "$1" --wait "${2:-12}" >/dev/null 2>&1; }
tickets_titled() { api_state | jq --arg t "$1" '[.linear[] | select(.title | endswith($t))] | length'; }

control '{"path": "/graphql", "replies": [{"preset": "linear-invalid"}]}'
f=$(fresh "GraphQL refusal")
settle "$f" 3
check "a GraphQL error in an HTTP 200 is a recorded refusal with Linear's words" \
    sh -c "jq -r 'select(.type==\"delivery\" and .sink==\"linear\") | \"\(.outcome)|\(.error)\"' '$WARROOM_DIR/$f/events.jsonl' | grep -q '^failed|HTTP 200: teamId must be a UUID. (INVALID_INPUT)'"
check "  ... and it is not tried again" test "$(deliveries "$f" '.sink=="linear"' | wc -l)" -eq 1
control '{"reset": true}'

control '{"path": "/graphql", "replies": [{"preset": "linear-ratelimited"}]}'
f=$(fresh "Rate limited ticket")
settle "$f"
check "Linear's rate-limit error is retried, then delivered" \
    test "$(deliveries "$f" '.sink=="linear"' | jq -r .outcome | paste -sd,)" = "retry,delivered"
check "  ... the retry says it was rate limited" \
    sh -c "jq -r 'select(.type==\"delivery\" and .outcome==\"retry\") | .error' '$WARROOM_DIR/$f/events.jsonl' | grep -q 'rate limited'"
check "  ... one ticket" test "$(tickets_titled "Rate limited ticket")" -eq 1

control '{"path": "/graphql", "replies": [{"status": 429, "body": {"errors": [{"message": "Too many requests"}]}, "retry_after": "5"}]}'
f=$(fresh "Retry-After ticket")
settle "$f"
retry=$(deliveries "$f" '.sink=="linear" and .outcome=="retry"')
check "429 with Retry-After is retried no sooner than asked" \
    test "$(printf '%s' "$retry" | jq -r '((.next_at|sub("\\.[0-9]+Z$";"Z")|fromdate) - (.ts|sub("\\.[0-9]+Z$";"Z")|fromdate)) >= 5')" = "true"
check "  ... then delivered, one ticket" test "$(deliveries "$f" '.sink=="linear"' | jq -r .outcome | paste -sd,),$(tickets_titled "Retry-After ticket")" = "retry,delivered,1"

control '{"path": "/graphql", "replies": [{"preset": "server-error"}, {"preset": "bad-gateway"}]}'
f=$(fresh "Server error ticket")
settle "$f"
check "5xx is retried, then delivered, one ticket" \
    test "$(deliveries "$f" '.sink=="linear"' | jq -r .outcome | paste -sd,),$(tickets_titled "Server error ticket")" = "retry,retry,delivered,1"

control '{"path": "/graphql", "replies": [{"apply": true, "drop": true}]}'
f=$(fresh "Dropped ticket")
settle "$f"
check "a connection dropped after Linear made the ticket: retried with the same id" \
    test "$(reqs "$creates and (.body|test(\"Dropped ticket\"))" | jq -r '.body|fromjson|.variables.input.id' | sort -u | wc -l),$(nreqs "$creates and (.body|test(\"Dropped ticket\"))")" = "1,2"
check "  ... Linear's answer that it exists counts as delivered: one ticket" \
    test "$(deliveries "$f" '.sink=="linear"' | jq -r '"\(.outcome)"' | paste -sd,),$(tickets_titled "Dropped ticket")" = "retry,delivered,1"

# killed while Linear's answer is on its way: the next run asks for the same
# ticket, and there is one
control '{"path": "/graphql", "replies": [{"apply": true, "hang": 20}]}'
"$WARROOM" open --sev 3 --title "Killed mid-request" --wait 30 >/dev/null 2>&1 &
victim=$!
i=0
until [ "$(nreqs "$creates and (.body|test(\"Killed mid-request\"))")" -ge 1 ] || [ $i -ge 100 ]; do sleep 0.1; i=$((i + 1)); done
kill -9 "$victim" 2>/dev/null
wait "$victim" 2>/dev/null
f=$(ls "$WARROOM_DIR" | grep killed-mid-request)
check "killed after Linear made the ticket: no outcome was recorded" test "$(deliveries "$f" '.sink=="linear"' | wc -l)" -eq 0
settle "$f"
check "  ... the next run asks for the same ticket, and it counts as delivered" \
    test "$(reqs "$creates and (.body|test(\"Killed mid-request\"))" | jq -r '.body|fromjson|.variables.input.id' | sort -u | wc -l),$(deliveries "$f" '.sink=="linear"' | jq -r .outcome)" = "1,delivered"
check "  ... one ticket" test "$(tickets_titled "Killed mid-request")" -eq 1

control '{"path": "/v2/alerts", "replies": [{"preset": "opsgenie-throttled"}, {"preset": "server-error"}, {"apply": true, "drop": true}]}'
f=$(fresh "Opsgenie trouble")
settle "$f" 15
# (libcurl itself may send again what a reused connection lost: either way
# the dropped request is followed by one more)
check "opsgenie: 429 (Retry-After), 5xx and a dropped answer are retried, then accepted" \
    sh -c "test \"\$(jq -r 'select(.type==\"delivery\" and .sink==\"opsgenie\") | .outcome' '$WARROOM_DIR/$f/events.jsonl' | paste -sd,)\" = retry,retry,accepted ||
           test \"\$(jq -r 'select(.type==\"delivery\" and .sink==\"opsgenie\") | .outcome' '$WARROOM_DIR/$f/events.jsonl' | paste -sd,)\" = retry,retry,retry,accepted"
check "  ... four requests reached Opsgenie" test "$(nreqs "$og and (.body|fromjson|.alias)==\"$f\"")" -eq 4
check "  ... one alert for the alias, the dropped one counted by Opsgenie's deduplication" \
    test "$(api_state | jq -c --arg a "$f" '[.opsgenie[] | select(.alias==$a) | .count]')" = "[2]"
control '{"path": "/v2/alerts", "replies": [{"preset": "opsgenie-unprocessable"}]}'
f=$(fresh "Opsgenie refusal")
settle "$f" 3
check "opsgenie: a 422 is a recorded refusal with Opsgenie's words" \
    sh -c "jq -r 'select(.type==\"delivery\" and .sink==\"opsgenie\") | \"\(.outcome)|\(.error)\"' '$WARROOM_DIR/$f/events.jsonl' | grep -q '^failed|HTTP 422: Request body is not processable'"
control '{"reset": true}'

# Opsgenie's message: at most 130 characters, never cut inside one
long="$(printf 'x%.0s' $(seq 1 60))$(printf 'é%.0s' $(seq 1 70))"   # 200 bytes, 130 characters
f=$(wrx open --sev 2 --title "$long" 2>/dev/null)
msg=$(reqs ".provider==\"opsgenie\" and (.body|fromjson|.alias)==\"$f\"" | jq -r '.body|fromjson|.message')
check "opsgenie: a long title is cut to 130 characters, whole ones, with an ellipsis" \
    test "$(printf '%s' "$msg" | "$PY" -c 'import sys; m=sys.stdin.buffer.read().decode(); print(len(m), m.endswith("…"), set(m[67:-1]))')" = "130 True {'é'}"

# the priority is the policy's word for the severity
jq '.severities[2].opsgenie_priority = "P5"' "$src/docs/policy.json" > "$scratch/policy.json"
jq --arg p "$scratch/policy.json" '.policy = $p' "$scratch/config.json" > "$scratch/config-policy.json"
chmod 600 "$scratch/config-policy.json"
f=$(WARROOM_CONFIG="$scratch/config-policy.json" wrx open --sev 3 --title "Policy priority" 2>/dev/null)
check "opsgenie: the priority comes from the policy's opsgenie_priority" \
    test "$(reqs ".provider==\"opsgenie\" and (.body|fromjson|.alias)==\"$f\"" | jq -r '.body|fromjson|.priority')" = "P5"

# a receipt in the log is untrusted: shown as one clean line, key scrubbed
control '{"path": "/graphql", "replies": [{"preset": "linear-invalid"}]}'
f=$(fresh "Hand-edited receipt")
decl=$(jq -r 'select(.type=="declare") | .id' "$WARROOM_DIR/$f/events.jsonl")
printf '{"v":1,"id":"%s","ts":"2026-01-01T00:00:00.000Z","by":"warroom","type":"delivery","update":"%s","sink":"linear","outcome":"delivered","attempt":9,"receipt":"\\u001b[2JENG-9 %s","warning":"a\\nb"}\n' \
    "0123456789abcdef0123456789abcdef" "$decl" "$LINEAR_API_KEY" >> "$WARROOM_DIR/$f/events.jsonl"
shown=$(wrx show --json --incident "$f" 2>/dev/null | jq -r '.deliveries[] | select(.sink=="linear") | .state')
check "a receipt from the log is shown cleaned, the key scrubbed" \
    sh -c "printf '%s' '$shown' | grep -q '^sent (.*ENG-9 •••); warning: a b\$' && ! printf '%s' '$shown' | grep -q \"\$(printf '\\033')\""
long_receipt=$(printf 'R%.0s' $(seq 1 1000))
printf '{"v":1,"id":"%s","ts":"2026-01-01T00:00:01.000Z","by":"warroom","type":"delivery","update":"%s","sink":"linear","outcome":"delivered","attempt":10,"receipt":"%s"}\n' \
    "0123456789abcdef0123456789abcdee" "$decl" "$long_receipt" >> "$WARROOM_DIR/$f/events.jsonl"
check "  ... and bounded" \
    test "$(wrx show --json --incident "$f" 2>/dev/null | jq -r '.deliveries[] | select(.sink=="linear") | .state | length')" -le 140
control '{"reset": true}'
rm -rf "${WARROOM_DIR:?}/$f"   # it holds the key, written there by hand above

check "no request of the failure runs broke the specifications either" \
    test "$(jq -c 'select(.invalid != [])' "$reqlog" | wc -l)" -eq 0

# the stand-ins do refuse what breaks the specifications (so "no request was
# invalid" above means something)
bad_gql='{"query": "mutation M($input: IssueCreateInput!) { issueCreate(input: $input) { success issue { id colour } } }", "variables": {"input": {"teamId": "x", "bogus": 1}}}'
check "the Linear stand-in refuses a field the schema lacks" \
    test "$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' -H "Authorization: $LINEAR_API_KEY" --data "$bad_gql" "$base/graphql")" = 400
check "  ... and says why" sh -c "tail -1 '$reqlog' | jq -r '.invalid[]' | grep -q 'Cannot query field \"colour\"'"
long131=$(printf 'm%.0s' $(seq 1 131))
check "the Opsgenie stand-in refuses a message over 130 characters and an unknown property" \
    test "$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' -H "Authorization: GenieKey $OPSGENIE_API_KEY" \
        --data "{\"message\": \"$long131\", \"colour\": \"red\"}" "$base/v2/alerts")" = 400
check "  ... both named" test "$(tail -1 "$reqlog" | jq -r '.invalid | join("|")' | grep -c 'longer than 130.*colour\|colour.*longer than 130')" -eq 1

# ---- 3. the keys: in no file, output or screen ----
check "no key in the data directory" sh -c "! grep -rqF -e '$LINEAR_API_KEY' -e '$OPSGENIE_API_KEY' -e 'TicketSecret' -e 'GenieSecret' '$WARROOM_DIR'"
check "no key in anything printed" sh -c "! grep -qF -e 'TicketSecret' -e 'GenieSecret' '$scratch/printed'"
check "the stand-ins saw nothing they could not read" sh -c "! grep -q Traceback '$scratch/api.err'"
