# Publishing, end to end: the real binary against a provider-like receiver on
# 127.0.0.1 (tests/receiver.py), which records every request it gets.
src=${WARROOM_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$src/tests/lib.sh"
PY=/usr/bin/python3
specs=$src/tests/specs

# ---- the receiver: ephemeral port, bounded lifetime, killed at the end ----
reqlog="$scratch/requests.jsonl"
"$PY" "$src/tests/receiver.py" "$reqlog" --port-file "$scratch/port" --lifetime 150 --hang-max 40 \
    >/dev/null 2>"$scratch/receiver.err" &
receiver=$!
trap 'kill "$receiver" 2>/dev/null; rm -rf "$scratch"' EXIT
i=0
while [ ! -s "$scratch/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
port=$(cat "$scratch/port" 2>/dev/null)
check "the receiver is up" test -n "$port"
base="http://127.0.0.1:$port"

control() { curl -s -o /dev/null -X POST --data "$1" "$base/_control"; }
# requests matching a jq filter, one JSON per line
reqs() { jq -c "select($1)" "$reqlog"; }
nreqs() { reqs "$1" | wc -l; }

# ---- secrets: distinctive, from the environment and from the config file ----
slack_secret=T0SLACKSECRET/B0SLACKSECRET/slackhooksecretXYZ123
pd_key=pdroutingkeysecret0123456789abcd
sp_page=pagesecretid42
sp_key=spapikeysecret9876
hook_secret=webhooksecretABC987
export WARROOM_SLACK_WEBHOOK="$base/services/$slack_secret"
export WARROOM_PAGERDUTY_URL="$base/v2/enqueue"
export STATUSPAGE_API_KEY="$sp_key"
cat > "$scratch/config.json" <<EOF
{
  "sinks": {
    "pagerduty": {"routing_key": "$pd_key", "source": "test-host"},
    "statuspage": {"page_id": "$sp_page", "url": "$base"},
    "webhook": {"url": "$base/hooks/$hook_secret"}
  },
  "runbook_url": "https://runbooks.example.com/checkout",
  "delivery": {"connect_timeout_ms": 2000, "timeout_ms": 8000}
}
EOF
chmod 600 "$scratch/config.json"
export WARROOM_CONFIG="$scratch/config.json"

# Every run's output is kept, to look for secrets in it at the end.
wrx() {
    "$WARROOM" "$@" >"$scratch/o" 2>"$scratch/e"
    st=$?
    cat "$scratch/o" "$scratch/e" >> "$scratch/printed"
    cat "$scratch/o"
    cat "$scratch/e" >&2
    return $st
}
events() { jq -c "select(.type==\"delivery\")" "$WARROOM_DIR/$1/events.jsonl"; }
deliveries() { events "$1" | jq -c "select($2)"; }

# ---- 1. every provider: method, path, headers, body ----
id=$(wrx open --sev 1 --title "Checkout down" --impact "orders fail" --as carol 2>/dev/null)
check "open prints the id" test -n "$id"
expect_status 0 "role ic" wrx role ic carol
expect_status 0 "update investigating" wrx update investigating "We are looking into failed orders"
expect_status 0 "ack" wrx ack --as bob
expect_status 0 "update identified" wrx update identified "A bad deploy; rolling back"
expect_status 0 "resolve" wrx resolve "Rolled back"

slack='.path=="/services/'$slack_secret'"'
check "slack got declare, role, two updates and resolve" test "$(nreqs "$slack")" -eq 5
check "slack: POST with JSON" test "$(reqs "$slack" | jq -r '"\(.method) \(.headers["Content-Type"])"' | sort -u)" = "POST application/json"
check "slack: text and Block Kit blocks" test "$(reqs "$slack" | jq -r '.body | fromjson | (.text|type) + " " + (.blocks|type)' | sort -u)" = "string array"
check "slack: the header names severity and title" sh -c "$(printf '%s' "jq -r 'select($slack) | .body | fromjson | .blocks[0].text.text' '$reqlog'") | grep -q 'SEV1.*Checkout down'"
check "slack: the update's text is in the message" sh -c "jq -r 'select($slack) | .body' '$reqlog' | grep -q 'rolling back'"

pd='.path=="/v2/enqueue"'
check "pagerduty: trigger, acknowledge, resolve in order" test "$(reqs "$pd" | jq -r '.body | fromjson | .event_action' | paste -sd,)" = "trigger,acknowledge,resolve"
check "pagerduty: POST with JSON" test "$(reqs "$pd" | jq -r '"\(.method) \(.headers["Content-Type"])"' | sort -u)" = "POST application/json"
check "pagerduty: dedup_key is the incident id" test "$(reqs "$pd" | jq -r '.body | fromjson | .dedup_key' | sort -u)" = "$id"
check "pagerduty: the routing key" test "$(reqs "$pd" | jq -r '.body | fromjson | .routing_key' | sort -u)" = "$pd_key"
trig=$(reqs "$pd" | head -1 | jq -c '.body | fromjson')
check "pagerduty: summary, source, severity" test "$(printf '%s' "$trig" | jq -r '"\(.payload.summary)|\(.payload.source)|\(.payload.severity)"')" = "[SEV1] Checkout down|test-host|critical"
check "pagerduty: custom details name the incident" test "$(printf '%s' "$trig" | jq -r .payload.custom_details.incident_id)" = "$id"
check "pagerduty: the runbook link" test "$(printf '%s' "$trig" | jq -r '.links[0].href')" = "https://runbooks.example.com/checkout"
reqs "$pd" | jq -c '.body | fromjson' > "$scratch/pd-bodies.jsonl"
i=0
while read -r body; do
    i=$((i + 1)); printf '%s\n' "$body" > "$scratch/pd-$i.json"
done < "$scratch/pd-bodies.jsonl"
check "pagerduty: every body validates against the shipped specification" \
    "$PY" "$src/tests/tools/validate_pagerduty.py" "$specs/pagerduty-events-v2.openapi.json" "$scratch"/pd-*.json

sp='(.path|startswith("/v1/pages/'$sp_page'/incidents"))'
check "statuspage: one POST, then PATCHes of the incident it created" \
    test "$(reqs "$sp" | jq -r '"\(.method) \(.path)"' | paste -sd,)" = \
    "POST /v1/pages/$sp_page/incidents,PATCH /v1/pages/$sp_page/incidents/p00000000001,PATCH /v1/pages/$sp_page/incidents/p00000000001"
check "statuspage: Authorization: OAuth <key>, JSON" test "$(reqs "$sp" | jq -r '"\(.headers.Authorization) \(.headers["Content-Type"])"' | sort -u)" = "OAuth $sp_key application/json"
check "statuspage: the creation's name, status, body and impact" \
    test "$(reqs "$sp" | head -1 | jq -r '.body | fromjson | .incident | "\(.name)|\(.status)|\(.body)|\(.impact_override)"')" = \
    "Checkout down|investigating|We are looking into failed orders|critical"
check "statuspage: the patches carry identified, then resolved" \
    test "$(reqs "$sp" | tail -2 | jq -r '.body | fromjson | .incident | "\(.status)/\(has("name"))"' | paste -sd,)" = "identified/false,resolved/false"
check "statuspage: the created incident's id is recorded" \
    test "$(deliveries "$id" '.sink=="statuspage" and .remote_id' | jq -r .remote_id)" = p00000000001

hook='.path=="/hooks/'$hook_secret'"'
check "webhook: every published event" test "$(reqs "$hook" | jq -r '.body | fromjson | .event.type' | paste -sd,)" = "declare,role,update,ack,update,resolve"
check "webhook: event plus incident summary, as JSON" test "$(reqs "$hook" | head -1 | jq -r '"\(.headers["Content-Type"])|\(.body | fromjson | .incident.id)|\(.body | fromjson | .incident.title)"')" = "application/json|$id|Checkout down"
check "every delivery recorded as delivered" test "$(events "$id" | jq -r 'select(.sink!="file" and .outcome!="attempting") | .outcome' | sort -u)" = delivered
check "no delivery is pending: flush has nothing to do" sh -c "'$WARROOM' flush --incident '$id' >/dev/null 2>&1 && test \$(wc -l < '$reqlog') -eq $(wc -l < "$reqlog")"
check "updates.md holds both updates, 0600" sh -c "test \$(grep -c '^## ' '$WARROOM_DIR/$id/updates.md') -eq 2 && test \$(stat -c %a '$WARROOM_DIR/$id/updates.md') = 600"

# ---- 2. a 400 is not retried; the provider's words are kept ----
control '{"reset": true}'
control '{"path": "/services/'$slack_secret'", "replies": [{"preset": "slack-invalid"}]}'
n0=$(nreqs "$slack")
id2=$(wrx open --sev 2 --title "Search slow" 2>/dev/null)
check "a recording verb still succeeds when a sink refuses" test -n "$id2"
check "  ... and says what failed on stderr" grep -q 'slack declare failed: HTTP 400: invalid_payload' "$scratch/e"
expect_status 0 "flush after a refusal" wrx flush --incident "$id2" --wait 2
check "the 400 was not retried" test $(( $(nreqs "$slack") - n0 )) -eq 1
check "the delivery event says failed, 400, and the provider's text" \
    test "$(deliveries "$id2" '.sink=="slack"' | jq -r '"\(.outcome) \(.status) \(.error)"')" = "failed 400 HTTP 400: invalid_payload"
check "other sinks were not held back" test "$(deliveries "$id2" '.sink=="pagerduty"' | jq -r .outcome)" = delivered
wrx --incident "$id2" show --json > "$scratch/show.json"
check "show --json gives each delivery's state and the provider's reason" \
    test "$(jq -r '.deliveries[] | select(.sink=="slack") | .state' "$scratch/show.json")" = "failed: HTTP 400: invalid_payload"
check "  ... and what was delivered" test "$(jq -r '.deliveries[] | select(.sink=="pagerduty") | .state' "$scratch/show.json")" = sent

# ---- 3. a 500 is retried with backoff ----
control '{"path": "/hooks/'$hook_secret'", "replies": [{"preset": "server-error"}]}'
n0=$(nreqs "$hook")
expect_status 0 "sev change while the webhook answers 500" wrx --incident "$id2" sev 1 --why "worse"
check "the webhook was tried twice" test $(( $(nreqs "$hook") - n0 )) -eq 2
sev_id=$(jq -r 'select(.type=="sev") | .id' "$WARROOM_DIR/$id2/events.jsonl")
check "attempt 1 recorded as retry with HTTP 500 and a next try" \
    test "$(deliveries "$id2" ".sink==\"webhook\" and .update==\"$sev_id\" and .attempt==1" | jq -r '"\(.outcome) \(.status) \(.next_at != null)"')" = "retry 500 true"
check "attempt 2 delivered" test "$(deliveries "$id2" ".sink==\"webhook\" and .update==\"$sev_id\" and .attempt==2" | jq -r .outcome)" = delivered
# the retry came no earlier than the recorded next try (0.3 s for clocks and rounding)
t_next=$(deliveries "$id2" ".sink==\"webhook\" and .update==\"$sev_id\" and .attempt==1" | jq -r '.next_at | sub("\\.[0-9]+Z$"; "Z") | fromdate')
t_next_ms=$(deliveries "$id2" ".sink==\"webhook\" and .update==\"$sev_id\" and .attempt==1" | jq -r '.next_at | capture("\\.(?<ms>[0-9]+)Z$").ms')
t_second=$(reqs "$hook" | tail -1 | jq -r .t)
t_first=$(reqs "$hook" | tail -2 | head -1 | jq -r .t)
check "the retry waited for its backoff (at least 1 s, the first step's lower bound)" \
    "$PY" -c "import sys; sys.exit(0 if $t_second - $t_first >= 0.9 and $t_second >= $t_next.$t_next_ms - 0.3 else 1)"

# ---- 4. Retry-After, in seconds and as a date ----
control '{"path": "/v2/enqueue", "replies": [{"preset": "pagerduty-throttled", "retry_after": "4"}]}'
control '{"path": "/v1/pages/'$sp_page'/incidents", "replies": [{"preset": "statuspage-slow-down", "retry_after_date": 4}]}'
expect_status 0 "ack under a 429" wrx --incident "$id2" ack
expect_status 0 "update under a 420" wrx --incident "$id2" update investigating "Search is slow for some"
for s in pagerduty statuspage; do
    rec=$(deliveries "$id2" ".sink==\"$s\" and .outcome==\"retry\"" | tail -1)
    path=$([ $s = pagerduty ] && echo '.path=="/v2/enqueue"' || echo "$sp")
    a1=$(reqs "$path" | tail -2 | head -1 | jq -r .t)
    a2=$(reqs "$path" | tail -1 | jq -r .t)
    nx=$(printf '%s' "$rec" | jq -r '.next_at | sub("\\.[0-9]+Z$"; "Z") | fromdate')
    check "$s: the throttled attempt is recorded with its status" test "$(printf '%s' "$rec" | jq -r .status)" = "$([ $s = pagerduty ] && echo 429 || echo 420)"
    check "$s: next try recorded at least 3 s after the refusal (Retry-After: 4)" "$PY" -c "import sys; sys.exit(0 if $nx - $a1 >= 2.5 else 1)"
    check "$s: the provider was not asked again before then" "$PY" -c "import sys; sys.exit(0 if $a2 - $a1 >= 2.9 else 1)"
    check "$s: then delivered" test "$(deliveries "$id2" ".sink==\"$s\"" | tail -1 | jq -r .outcome)" = delivered
done

# ---- 5. a reply that never comes: the verb returns within its wait ----
control '{"path": "/services/'$slack_secret'", "replies": [{"hang": true}]}'
timeout 30 "$WARROOM" --incident "$id2" update identified "Index rebuild" --wait 2 >"$scratch/o" 2>"$scratch/e"
st=$?
cat "$scratch/o" "$scratch/e" >> "$scratch/printed"
check "a hanging sink does not hold the verb (exit 0, not killed)" test "$st" -eq 0
check "  ... it says the slack message stays queued" grep -q 'queued for slack: 1 (no reply within 2s)' "$scratch/e"
check "  ... the other sinks were delivered meanwhile" \
    test "$(deliveries "$id2" '.sink=="statuspage"' | tail -1 | jq -r .outcome)" = delivered
upd=$(jq -r 'select(.type=="update" and .text=="Index rebuild") | .id' "$WARROOM_DIR/$id2/events.jsonl")
check "  ... and nothing claims it was delivered" test -z "$(deliveries "$id2" ".sink==\"slack\" and .update==\"$upd\"")"
n0=$(wc -l < "$reqlog")
expect_status 0 "a note while something is queued" wrx --incident "$id2" log "just a note"
check "  ... publishes nothing and leaves the backlog to flush" test "$(wc -l < "$reqlog")" -eq "$n0"
expect_status 0 "flush delivers it later" wrx flush --incident "$id2" --wait 10
check "  ... and says so on stdout" grep -q "^$id2: 1 delivered, 0 queued, 1 failed" "$scratch/out"
check "  ... recorded as delivered" test "$(deliveries "$id2" ".sink==\"slack\" and .update==\"$upd\"" | jq -r .outcome)" = delivered

# ---- 6. one deliverer per incident; a killed flush resumes; Statuspage never twice ----
control '{"reset": true}'
sp0=$(nreqs "$sp")
sp_new() { reqs "$sp" | tail -n +$((sp0 + 1)) | jq -c "select(${1:-true})"; }
id3=$(wrx open --sev 2 --title "Payments slow" 2>/dev/null)
# another deliverer: one process holding the lock (bounded)
"$PY" -c 'import fcntl, sys, time; f = open(sys.argv[1], "a"); fcntl.flock(f, fcntl.LOCK_EX); time.sleep(60)' \
    "$WARROOM_DIR/$id3/deliver.lock" >/dev/null 2>&1 &
holder=$!
sleep 0.3
expect_status 0 "update while another process delivers" wrx --incident "$id3" update investigating "Payments are slow"
check "  ... says it stays queued for the other process" grep -q 'queued: the console (or another process) is delivering' "$scratch/err"
expect_status 0 "a second update, also queued" wrx --incident "$id3" update identified "A slow database"
kill "$holder"; wait "$holder" 2>/dev/null
check "nothing was sent for them" test "$(nreqs "$sp")" -eq "$sp0"
# Statuspage creates the incident but the deliverer dies before it hears so.
control '{"path": "/v1/pages/'$sp_page'/incidents", "replies": [{"delay": 30, "status": 201, "body": {"id": "spcrash1", "name": "Payments slow"}}]}'
control '{"path": "/services/'$slack_secret'", "replies": [{"delay": 30}]}'
"$WARROOM" flush --incident "$id3" --wait 40 >>"$scratch/printed" 2>&1 &
flusher=$!
i=0
while [ "$(nreqs "$sp")" -le "$sp0" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
sleep 0.3
kill -9 "$flusher"; wait "$flusher" 2>/dev/null
check "the flush was killed while Statuspage held its POST" test "$(sp_new '.method=="POST"' | wc -l)" -eq 1
check "an attempting record is in the log, with no outcome" \
    test "$(deliveries "$id3" '.sink=="statuspage"' | jq -r .outcome | paste -sd,)" = attempting
# Statuspage lists the incident it created (its search by name).
control '{"path": "/v1/pages/'$sp_page'/incidents", "replies": [{"status": 200, "body": [{"id": "spcrash1", "name": "Payments slow", "status": "investigating", "created_at": "2030-01-01T00:00:00Z"}, {"id": "old1", "name": "Payments slower", "created_at": "2030-01-01T00:00:00Z"}]}]}'
expect_status 0 "flush again" wrx flush --incident "$id3" --wait 15
check "  ... it asked Statuspage instead of creating again" test "$(sp_new | jq -r .method | paste -sd,)" = "POST,GET,PATCH"
check "  ... the search named the incident" test "$(sp_new '.method=="GET"' | jq -r .query)" = "q=Payments%20slow&limit=100"
check "  ... the second update patched the incident found" \
    test "$(sp_new '.method=="PATCH"' | jq -r '"\(.path) \(.body | fromjson | .incident.status)"')" = "/v1/pages/$sp_page/incidents/spcrash1 identified"
check "  ... the found id is recorded" test "$(deliveries "$id3" '.sink=="statuspage" and .remote_id' | jq -r .remote_id)" = spcrash1
check "slack: both updates arrived after the restart" \
    sh -c "jq -r 'select($slack) | .body' '$reqlog' | grep -c 'Payments are slow\|A slow database' | grep -qx 3"
n0=$(wc -l < "$reqlog")
expect_status 0 "a third flush" wrx flush --incident "$id3" --wait 2
check "  ... finds nothing pending" test ! -s "$scratch/out"
check "  ... and sends nothing at all" test "$(wc -l < "$reqlog")" -eq "$n0"
check "every update went to Statuspage exactly once" test "$(sp_new '.method!="GET"' | wc -l)" -eq 2

# ---- 6b. Statuspage tells the truth ----
# its own data directory and configuration: Statuspage alone, short timeouts
saved_dir=$WARROOM_DIR saved_conf=$WARROOM_CONFIG saved_slack=$WARROOM_SLACK_WEBHOOK
unset WARROOM_SLACK_WEBHOOK
export WARROOM_DIR="$scratch/sp" WARROOM_CONFIG="$scratch/sp.json"
spconf() {
    printf '{"sinks": {"statuspage": {"page_id": "%s", "url": "%s"}}, "delivery": {"connect_timeout_ms": 2000, "timeout_ms": 1500}}\n' \
        "$sp_page" "$1" > "$WARROOM_CONFIG"
}
state() { curl -s "$base/_state" | jq -c ".statuspage[\"$sp_page\"] // [] | .[] | $1"; }
new_reqs() { tail -n +$(($1 + 1)) "$reqlog" | jq -c "select(${2:-true})"; }
control '{"reset": true}'

# Atlassian documents the base as https://api.statuspage.io/v1: it must not become /v1/v1/...
spconf "$base/v1"
n0=$(wc -l < "$reqlog")
idb=$(wrx open --sev 2 --title "Base check" 2>/dev/null)
expect_status 0 "statuspage url ending in /v1: an update" wrx --incident "$idb" update investigating "Base URL check"
check "  ... is POSTed to /v1/pages/..., not /v1/v1/..." \
    test "$(new_reqs "$n0" '.method=="POST"' | jq -r .path)" = "/v1/pages/$sp_page/incidents"
check "  ... and delivered" test "$(deliveries "$idb" '.sink=="statuspage" and .outcome=="delivered"' | wc -l)" -eq 1
spconf "$base/"
n0=$(wc -l < "$reqlog")
expect_status 0 "statuspage url as the bare host with a slash: the next update" wrx --incident "$idb" update identified "Bare host"
check "  ... is PATCHed to /v1/pages/.../incidents/ID" \
    test "$(new_reqs "$n0" | jq -r '"\(.method) \(.path)"')" = \
    "PATCH /v1/pages/$sp_page/incidents/$(deliveries "$idb" '.remote_id' | jq -r .remote_id)"
spconf "$base/wrong"
idw=$(wrx open --sev 2 --title "Wrong base" 2>/dev/null)
expect_status 0 "a wrong statuspage URL" wrx --incident "$idw" update investigating "Wrong URL"
check "  ... the error names the URL tried, the page id masked" \
    grep -qF "statuspage update failed: HTTP 404 from $base/•••/v1/pages/•••/incidents: Not found" "$scratch/err"
check "  ... and the delivery record says the same" \
    test "$(deliveries "$idw" '.sink=="statuspage" and .outcome=="failed"' | jq -r .error)" = "HTTP 404 from $base/•••/v1/pages/•••/incidents: Not found"

# A creation that never arrived must not adopt last month's incident of the same name.
spconf "$base"
old_at=$(date -u -d '30 days ago' +%Y-%m-%dT%H:%M:%S.000Z)
control '{"statuspage_seed": {"page": "'$sp_page'", "incidents": [
  {"id": "oldplain1", "name": "Checkout failing", "status": "resolved", "created_at": "'$old_at'", "updated_at": "'$old_at'",
   "incident_updates": [{"id": "uold1", "body": "Fixed", "status": "resolved", "created_at": "'$old_at'"}]},
  {"id": "oldtagged1", "name": "Checkout failing", "status": "resolved", "created_at": "'$old_at'", "updated_at": "'$old_at'",
   "metadata": {"warroom": {"incident": "inc-20261101-checkout-failing", "update": "0123456789abcdef0123456789abcdef"}},
   "incident_updates": [{"id": "uold2", "body": "Fixed", "status": "resolved", "created_at": "'$old_at'"}]}]}}'
ida=$(wrx open --sev 1 --title "Checkout failing" 2>/dev/null)
control '{"path": "/v1/pages/'$sp_page'/incidents", "replies": [{"hang": true}]}'
n0=$(wc -l < "$reqlog")
expect_status 0 "an update while Statuspage swallows its creation" \
    wrx --incident "$ida" update investigating "Checkout is failing for some" --wait 20
check "  ... it searched, then created the incident again" \
    test "$(new_reqs "$n0" | jq -r .method | paste -sd,)" = "POST,GET,POST"
remote=$(deliveries "$ida" '.sink=="statuspage" and .remote_id' | jq -r .remote_id)
check "  ... last month's incident of the same name was not adopted" \
    sh -c "test -n '$remote' && test '$remote' != oldplain1 && test '$remote' != oldtagged1"
check "  ... the incident recorded is the one just created" \
    test "$(state "select(.id==\"$remote\") | .name + \"|\" + .status")" = '"Checkout failing|investigating"'
check "  ... and it carries warroom's tag" \
    test "$(state "select(.id==\"$remote\") | .metadata.warroom.incident")" = "\"$ida\""
check "  ... the old incidents were left alone" \
    test "$(state 'select(.id|startswith("old")) | .status' | sort -u)" = '"resolved"'
n0=$(wc -l < "$reqlog")
expect_status 0 "the next update" wrx --incident "$ida" update identified "We know the cause" --wait 10
check "  ... patches the new incident" \
    test "$(new_reqs "$n0" | jq -r '"\(.method) \(.path)"')" = "PATCH /v1/pages/$sp_page/incidents/$remote"

# A creation that arrived although its answer was lost is found by its tag ...
control '{"statuspage_seed": {"page": "'$sp_page'", "incidents": [
  {"id": "oldsearch1", "name": "Search failing", "status": "resolved", "created_at": "'$old_at'", "updated_at": "'$old_at'", "incident_updates": []}]}}'
ids=$(wrx open --sev 2 --title "Search failing" 2>/dev/null)
control '{"path": "/v1/pages/'$sp_page'/incidents", "replies": [{"hang": true, "apply": true}]}'
n0=$(wc -l < "$reqlog")
expect_status 0 "an update whose creation arrives unanswered" wrx --incident "$ids" update investigating "Search is failing" --wait 20
check "  ... it searched and did not create it twice" test "$(new_reqs "$n0" | jq -r .method | paste -sd,)" = "POST,GET"
sremote=$(deliveries "$ids" '.sink=="statuspage" and .remote_id' | jq -r .remote_id)
check "  ... the incident it made is adopted" \
    test "$(state "select(.id==\"$sremote\") | .metadata.warroom.incident")" = "\"$ids\""
# ... and, by a server that drops metadata, by being created after the attempt began.
control '{"statuspage_drop_metadata": true}'
control '{"statuspage_seed": {"page": "'$sp_page'", "incidents": [
  {"id": "oldlogin1", "name": "Login failing", "status": "resolved", "created_at": "'$old_at'", "updated_at": "'$old_at'", "incident_updates": []}]}}'
idl=$(wrx open --sev 2 --title "Login failing" 2>/dev/null)
control '{"path": "/v1/pages/'$sp_page'/incidents", "replies": [{"hang": true, "apply": true}]}'
n0=$(wc -l < "$reqlog")
expect_status 0 "the same without metadata" wrx --incident "$idl" update investigating "Login is failing" --wait 20
check "  ... not created twice" test "$(new_reqs "$n0" | jq -r .method | paste -sd,)" = "POST,GET"
check "  ... the new one adopted, not last month's" \
    sh -c "r=\$(jq -r 'select(.type==\"delivery\" and .remote_id) | .remote_id' '$WARROOM_DIR/$idl/events.jsonl'); test -n \"\$r\" && test \"\$r\" != oldlogin1"

# A PATCH that never arrived is not taken for delivered because an earlier
# update had the same words (still without metadata: by the update's identity).
patch_path="/v1/pages/$sp_page/incidents/$remote"
control '{"path": "'$patch_path'", "replies": [{"hang": true}]}'
n0=$(wc -l < "$reqlog")
expect_status 0 "the same words again while the PATCH is lost" wrx --incident "$ida" update identified "We know the cause" --wait 20
check "  ... it checked, then sent it again" test "$(new_reqs "$n0" | jq -r .method | paste -sd,)" = "PATCH,GET,PATCH"
check "  ... Statuspage now shows the words twice" \
    test "$(state "select(.id==\"$remote\") | .incident_updates[] | select(.body==\"We know the cause\") | .id" | wc -l)" -eq 2
last=$(jq -r 'select(.type=="update") | .id' "$WARROOM_DIR/$ida/events.jsonl" | tail -1)
check "  ... and the log says delivered at the second attempt" \
    test "$(deliveries "$ida" ".sink==\"statuspage\" and .update==\"$last\"" | tail -1 | jq -r '"\(.outcome) \(.attempt)"')" = "delivered 2"
# A PATCH that arrived unanswered is found, and not sent twice: by identity, then by tag.
for m in true false; do
    control '{"statuspage_drop_metadata": '$m'}'
    control '{"path": "'$patch_path'", "replies": [{"hang": true, "apply": true}]}'
    n0=$(wc -l < "$reqlog")
    expect_status 0 "an update arriving unanswered (metadata dropped: $m)" \
        wrx --incident "$ida" update monitoring "Watching ($m)" --wait 20
    check "  ... checked, not sent twice" test "$(new_reqs "$n0" | jq -r .method | paste -sd,)" = "PATCH,GET"
    check "  ... on Statuspage once" \
        test "$(state "select(.id==\"$remote\") | .incident_updates[] | select(.body==\"Watching ($m)\") | .id" | wc -l)" -eq 1
    check "  ... recorded as delivered" \
        test "$(deliveries "$ida" '.sink=="statuspage"' | tail -1 | jq -r .outcome)" = delivered
done
control '{"statuspage_drop_metadata": false}'
export WARROOM_DIR="$saved_dir" WARROOM_CONFIG="$saved_conf" WARROOM_SLACK_WEBHOOK="$saved_slack"

# ---- 6c. providers that echo secrets back, in every encoding ----
control '{"reset": true}'
for enc in raw url url-lower url-twice json json-u upper lower base64 base64-shifted partial html; do
    control '{"path": "*", "replies": [], "default": {"echo": "'$enc'"}}'
    wrx --incident "$id2" update investigating "echo $enc" --wait 3 >/dev/null 2>&1
    wrx --incident "$id2" page oncall --why "echo $enc" --wait 3 >/dev/null 2>&1
done
control '{"reset": true}'
check "echoing providers: every sink was refused" \
    test "$(events "$id2" | jq -r 'select(.outcome=="failed" and (.error|startswith("HTTP 400: rejected"))) | .sink' | sort -u | paste -sd,)" = \
    "pagerduty,slack,statuspage,webhook"
wrx --incident "$id2" show --json >/dev/null 2>&1
wrx flush --incident "$id2" --wait 2 >/dev/null 2>&1
# any 8 characters of a secret, in any case, or of its base64 at any alignment
"$PY" - "$WARROOM_DIR" "$scratch/printed" "$slack_secret" "$pd_key" "$sp_page" "$sp_key" "$hook_secret" \
    > "$scratch/leaks" <<'PY'
import base64, os, sys
root, printed, secrets = sys.argv[1], sys.argv[2], sys.argv[3:]
needles = []
for s in secrets:
    needles += [(s, s[i:i + 8].lower(), False) for i in range(len(s) - 7)]
    for a in range(3):
        b = b"\0" * a + s.encode()
        e = base64.b64encode(b).decode()[(8 * a + 5) // 6:len(b) * 8 // 6]
        for alphabet in (e, e.replace("+", "-").replace("/", "_")):
            needles += [(s, alphabet[i:i + 8], True) for i in range(len(alphabet) - 7)]
files = [printed] + [os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs]
for path in files:
    text = open(path, encoding="utf-8", errors="replace").read()
    low = text.lower()
    for s, n, exact in needles:
        if n in (text if exact else low):
            print("%s: %r of %s" % (path, n, s[:6]))
            break
PY
check "echoed secrets: no 8 characters of any secret, in any form, in any file or output" test ! -s "$scratch/leaks"
head -5 "$scratch/leaks" | sed 's/^/#   /'

# ---- 7. the secrets never show ----
wrx show --json >/dev/null 2>&1
wrx --incident "$id2" show --json >/dev/null 2>&1
for s in "$slack_secret" slackhooksecretXYZ123 "$pd_key" "$sp_page" "$sp_key" "$hook_secret"; do
    check "secret ${s%%[0-9]*}... is in no file warroom wrote" sh -c "! grep -rqF '$s' '$WARROOM_DIR'"
    check "secret ${s%%[0-9]*}... is in nothing warroom printed" sh -c "! grep -qF '$s' '$scratch/printed'"
done

# ---- 8. offline: no sinks, updates.md holds every update, once ----
unset WARROOM_SLACK_WEBHOOK WARROOM_PAGERDUTY_URL STATUSPAGE_API_KEY
export WARROOM_CONFIG=/dev/null WARROOM_DIR="$scratch/offline"
n0=$(wc -l < "$reqlog")
oid=$(wrx open --sev 3 --title "Offline drill" 2>/dev/null)
expect_status 0 "offline: update 1" wrx update investigating "first look"
expect_status 0 "offline: update 2" wrx update identified "found it"
expect_status 0 "offline: update 3" wrx update monitoring "watching"
expect_status 0 "offline: flush" wrx flush --incident "$oid"
md="$WARROOM_DIR/$oid/updates.md"
check "offline: updates.md has one section per update" test "$(grep -c '^## ' "$md")" -eq 3
check "offline: in order, with their states" test "$(sed -n 's/^## .* UTC · //p' "$md" | paste -sd,)" = "investigating,identified,monitoring"
check "offline: each text once" test "$(grep -c 'first look\|found it\|watching' "$md")" -eq 3
check "offline: each written once according to the log" test "$(events "$oid" | jq -r 'select(.sink=="file") | .outcome' | grep -c delivered)" -eq 3
check "offline: no request left the machine" test "$(wc -l < "$reqlog")" -eq "$n0"
check "offline: updates.md is 0600" test "$(stat -c %a "$md")" = 600

# ---- 8b. a short write to updates.md, then an error: said, and one copy after the retry ----
sid=$(wrx open --sev 3 --title "Disk drill" 2>/dev/null)
# (ASan wants to be first in the library list; the shim does not mind being second)
LD_PRELOAD="$src/build/shim/shortwrite.so" ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0" \
    WARROOM_SHORTWRITE_PATH=/updates.md WARROOM_SHORTWRITE_CALL=1 \
    "$WARROOM" --incident "$sid" update investigating "The disk is filling up" >"$scratch/o" 2>"$scratch/e"
smd="$WARROOM_DIR/$sid/updates.md"
check "a short write then EIO: the real cause is said" grep -q "cannot write .*updates.md: Input/output error" "$scratch/e"
check "  ... never 'Success'" sh -c "! grep -q 'Success' '$scratch/e'"
check "  ... no half section is left behind" test ! -s "$smd"
check "  ... and nothing claims it was written" test -z "$(events "$sid" | jq -r 'select(.sink=="file")')"
expect_status 0 "the retry" wrx flush --incident "$sid"
check "  ... leaves exactly one copy" \
    sh -c "test \$(grep -c '^## ' '$smd') -eq 1 && test \$(grep -c 'The disk is filling up' '$smd') -eq 1"
check "  ... recorded once" test "$(events "$sid" | jq -r 'select(.sink=="file") | .outcome')" = delivered
# a crash in the middle of the write (the section torn, its record never
# written): the next run finishes the section instead of repeating it
expect_status 0 "a second update" wrx --incident "$sid" update identified "Logs rotated"
size=$(stat -c %s "$smd")
truncate -s $((size - 25)) "$smd"
sed -i '$d' "$WARROOM_DIR/$sid/events.jsonl"
check "  ... (its record removed, as if the process died)" test "$(events "$sid" | jq -c 'select(.sink=="file")' | wc -l)" -eq 1
expect_status 0 "the run after the crash" wrx flush --incident "$sid"
check "  ... leaves one copy of each section" \
    sh -c "test \$(grep -c '^## ' '$smd') -eq 2 && test \$(grep -c 'Logs rotated' '$smd') -eq 1 && test \$(grep -c 'The disk is filling up' '$smd') -eq 1"
check "  ... whole" test "$(stat -c %s "$smd")" -eq "$size"

kill "$receiver" 2>/dev/null

# ---- update without text: the state's template ----
control '{"reset": true}'
idt=$(wrx open --sev 3 --title "Template check" --wait 2 2>/dev/null)
expect_status 0 "update without text takes the state's template" wrx --incident "$idt" update monitoring --wait 2
check "  ... whose text names the incident" sh -c "jq -r 'select(.type==\"update\") | .text' '$WARROOM_DIR/$idt/events.jsonl' | grep -q 'Template check'"
