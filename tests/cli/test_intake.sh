# `warroom intake`, end to end on the providers' own example payloads
# (tests/specs/): each format firing then resolved, the same delivery counted
# once, unknown keys ignored, hostile labels cleaned and oversized payloads
# refused, the policy's choice of incident, and the postmortem's time to
# detect taken from the alert's own start, and an incident declared from an
# alert dated from that start too.
. "$(dirname "$0")/../lib.sh" 2>/dev/null || . "$WARROOM_SOURCE_DIR/tests/lib.sh"
src_root=${WARROOM_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
specs=$src_root/tests/specs
export WARROOM_NOW=2025-03-15T14:09:00Z

logs() { cat "$WARROOM_DIR"/inc-*/events.jsonl; }
facts() {  # JQ-CONDITION: how many records in every log meet it
    logs | jq -c "select($1)" | wc -l | tr -d ' '
}
count() {  # TYPE [FIELD=VALUE]: records of TYPE in every log
    logs | jq -c "select(.type == \"$1\")${2:+ | select(.${2%%=*} == \"${2#*=}\")}" | wc -l | tr -d ' '
}
same() {  # NAME WANT GOT
    if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1 (wanted $2, got $3)"; fi
}

# ---- Alertmanager: firing declares (severity critical), resolved follows ----
expect_status 0 "alertmanager firing is recorded" wr intake "$specs/alertmanager/firing.json"
check "  ... and declares a SEV1 for its critical severity" grep -q '^declared alertmanager firing   HighErrorBudgetBurnRate_Fast \[order-service\] in inc-' "$scratch/out"
inc=$(sed -n 's/.* in \(inc-[^ ]*\).*/\1/p' "$scratch/out")
same "  ... the incident is SEV1" 1 "$(wr show --json --incident "$inc" | jq .sev)"
same "  ... the alert is at its own start, not when it arrived" "2025-03-15T14:02:00.123Z" \
    "$(logs | jq -r 'select(.type == "alert") | .at')"
same "  ... with the shared shape" '"HighErrorBudgetBurnRate_Fast firing alertmanager 7d5f3b1c2a9e4f60 order-service critical"' \
    "$(logs | jq -c 'select(.type == "alert") | "\(.name) \(.status) \(.source) \(.fingerprint) \(.service) \(.labels.severity)"')"
expect_status 0 "the same delivery again" wr intake "$specs/alertmanager/firing.json"
check "  ... is said to be a repeat" grep -q '^repeated' "$scratch/out"
expect_status 0 "a repeat after repeat_interval, with keys a newer Alertmanager adds" wr intake - <"$specs/alertmanager/unknown-keys.json"
check "  ... is read and is a repeat" grep -q '^repeated alertmanager firing' "$scratch/out"
same "  ... one firing in the log" 1 "$(count alert status=firing)"
expect_status 0 "alertmanager resolved" wr intake --format alertmanager "$specs/alertmanager/resolved.json"
check "  ... lands in the same incident" grep -q "^recorded alertmanager resolved .* in $inc\$" "$scratch/out"
expect_status 0 "  ... and again" wr intake "$specs/alertmanager/resolved.json"
same "  ... firing and resolved are two facts, each once" "1 1" "$(count alert status=firing) $(count alert status=resolved)"
same "  ... the resolution records its end" "2025-03-15T15:01:30Z" \
    "$(logs | jq -r 'select(.type == "alert" and .status == "resolved") | .ends_at')"
same "  ... one declaration" 1 "$(count declare)"
wr show --incident "$inc" >"$scratch/show"
check "  ... the timeline says when it ended, not only that it fired" \
    grep -q '14:02:00  [0-9a-f]*  alertmanag alert      Alert resolved at 2025-03-15T15:01:30Z: order-service is burning' "$scratch/show"

# ---- Grafana: no severity label, so it goes to the incident open ----
expect_status 0 "grafana firing (two alerts) goes to the one open incident" wr intake "$specs/grafana/grafana-docs_webhook-notifier_example_v1.json"
same "  ... both recorded there" 2 "$(grep -c "^recorded grafana      firing   .* in $inc\$" "$scratch/out")"
expect_status 0 "grafana resolved" wr intake "$specs/grafana/resolved.json"
same "  ... both resolutions follow their firing" 2 "$(grep -c "^recorded grafana      resolved .* in $inc\$" "$scratch/out")"
expect_status 0 "grafana resolved again" wr intake "$specs/grafana/resolved.json"
same "  ... counted once" 2 "$(facts '.source == "grafana" and .status == "resolved"')"
same "  ... four grafana facts in all" 4 "$(count alert source=grafana)"

# ---- PagerDuty: triggered (P1 declares), acknowledged, resolved ----
expect_status 0 "pagerduty triggered" wr intake "$specs/pagerduty/incident.triggered.json"
check "  ... declares for its P1 priority" grep -q '^declared pagerduty    firing   A little bump in the road \[API Service\] in inc-' "$scratch/out"
pd=$(sed -n 's/.* in \(inc-[^ ]*\).*/\1/p' "$scratch/out")
expect_status 0 "pagerduty acknowledged" wr intake "$specs/pagerduty/incident.acknowledged.json"
check "  ... an ack in the same incident" grep -q "^recorded pagerduty    acked    .* in $pd\$" "$scratch/out"
expect_status 0 "pagerduty resolved" wr intake --format pagerduty "$specs/pagerduty/incident.resolved.json"
expect_status 0 "pagerduty resolved again (a retried delivery)" wr intake "$specs/pagerduty/incident.resolved.json"
check "  ... is a repeat" grep -q '^repeated pagerduty    resolved' "$scratch/out"
same "  ... triggered, resolved and acknowledged once each" "1 1 1" \
    "$(facts '.source == "pagerduty" and .status == "firing"') $(facts '.source == "pagerduty" and .status == "resolved"') $(count ack source=pagerduty)"
same "  ... the acknowledgement counts for the incident" "2020-04-09T15:20:02Z" \
    "$(wr show --json --incident "$pd" | jq -r .acked_at)"
expect_status 0 "pagerduty reopened" wr intake "$specs/pagerduty/incident.reopened.json"
check "  ... fires again in the same incident" grep -q "^recorded pagerduty    firing   .* in $pd\$" "$scratch/out"
expect_status 0 "  ... and resolved again" wr intake "$specs/pagerduty/incident.resolved-after-reopen.json"
check "  ... a second resolution, recorded" grep -q "^recorded pagerduty    resolved .* in $pd\$" "$scratch/out"
same "  ... two firings and two resolutions" "2 2" \
    "$(facts '.source == "pagerduty" and .status == "firing"') $(facts '.source == "pagerduty" and .status == "resolved"')"
expect_status 0 "a PagerDuty event that is no alert (priority_updated) is skipped" wr intake "$specs/pagerduty/v3_webhook_example_incident.priority_updated.json"
check "  ... saying so" grep -q '^skipped  1 event that is no alert' "$scratch/out"

# ---- hostile labels ----
python3 - "$scratch/hostile.json" <<'PY'
import json, sys
big = "x" * 1000000
alert = {"status": "firing", "startsAt": "2025-03-15T14:03:00Z", "fingerprint": "\u001b[31mfp",
         "labels": {"alertname": "Evil\u001b]0;pwned\u0007\u001b[2J\u202eName", "service": "order-service",
                    "huge": big, "a.b": "dotted", "\u001b[1mkey": "v"},
         "annotations": {"summary": "two\nlines \u009b31m and a bell\u0007", "description": big}}
json.dump({"version": "4", "status": "firing", "alerts": [alert]}, open(sys.argv[1], "w"))
PY
expect_status 0 "hostile labels (escape sequences, 1 MB values) are recorded, cleaned" wr intake "$scratch/hostile.json"
check "  ... nothing of them reaches the terminal" sh -c "! grep -q \"\$(printf '\\033')\" '$scratch/out' '$scratch/err'"
check "  ... the output says values were cut" grep -q 'EvilName \[order-service\] in .* (2 labels cut or left out)' "$scratch/out"
check "  ... nor the log" sh -c "! grep -q '\\\\u001b\\|\\\\u0007\\|\\\\u009b' \"$WARROOM_DIR\"/inc-*/events.jsonl"
same "  ... the 1 MB value is cut to its bound" 256 \
    "$(logs | jq -r 'select(.name == "EvilName") | .labels.huge' | wc -c | awk '{print $1 - 1}')"
same "  ... a dotted label name kept, not nested" dotted "$(logs | jq -r 'select(.name == "EvilName") | .labels.a_b')"
python3 -c "
import sys; sys.stdout.write('{\"version\":\"4\",\"alerts\":[],\"pad\":\"' + 'x' * (5 * 1024 * 1024) + '\"}')" >"$scratch/huge.json"
expect_status 1 "a payload over 4 MiB is refused" wr intake "$scratch/huge.json"
check "  ... with a clear message" grep -q 'larger than 4096 KiB' "$scratch/err"
expect_status 1 "  ... also on standard input" sh -c "'$WARROOM' intake - <'$scratch/huge.json'"
check "  ... nothing was read" grep -q 'nothing was read' "$scratch/err"
printf '{"version":"4","alerts":[{"status":"firing","startsAt":"soon"}]}' >"$scratch/bad.json"
expect_status 1 "a malformed payload is refused, saying where" wr intake "$scratch/bad.json"
check "  ... naming the field" grep -q 'alerts\[0\].startsAt is not a time' "$scratch/err"
expect_status 2 "an unknown --format is a usage error" wr intake --format nagios "$scratch/bad.json"

# ---- the policy: nowhere to put a warning while two incidents are open ----
sed 's/"critical"/"warning"/; s/7d5f3b1c2a9e4f60/0000000000000001/; s/order-service/billing/g' "$specs/alertmanager/firing.json" >"$scratch/warning.json"
expect_status 1 "a warning with no incident of its service and two open is not recorded" wr intake "$scratch/warning.json"
check "  ... saying why" grep -q 'not recorded: 2 incidents are open' "$scratch/err"
expect_status 0 "  ... --incident puts it there" wr intake --incident "$inc" "$scratch/warning.json"
check "  ... recorded in it" grep -q "^recorded .* in $inc\$" "$scratch/out"
jq '.intake.otherwise = "ignore"' "$specs/../../docs/policy.json" >"$scratch/policy.json"
printf '{"policy": "%s"}\n' "$scratch/policy.json" >"$scratch/config.json"
sed 's/0000000000000001/0000000000000002/; s/billing/payments/g' "$scratch/warning.json" >"$scratch/warning2.json"
expect_status 0 "warroom policy prints the intake section" wr --config "$scratch/config.json" policy
check "  ... as it is in force" grep -q '^  intake: the open incident of label service, else declare by label severity: critical SEV1, P1 SEV1, high SEV2, error SEV2, P2 SEV2; else ignore$' "$scratch/out"
expect_status 0 "with \"otherwise\": \"ignore\" it is ignored" wr --config "$scratch/config.json" intake "$scratch/warning2.json"
check "  ... saying so" grep -q '^ignored' "$scratch/out"

# ---- a delivery reads no log of an incident over before its alert began ----
export WARROOM_DIR="$scratch/past" WARROOM_NOW=2025-03-10T12:00:00Z
for t in one two three; do
    wr open --sev 3 --title "past $t" --as carol >/dev/null
    wr resolve --incident "$(wr list --json | jq -r '.[0].id')" --as carol >/dev/null
done
export WARROOM_NOW=2025-03-15T14:09:00Z
wr list >/dev/null                      # the summaries are current
: >"$scratch/stats"
expect_status 1 "a resolution with nowhere to go" env WARROOM_STATS="$scratch/stats" "$WARROOM" intake "$specs/alertmanager/resolved.json"
same "  ... read none of the incidents resolved before it started" "loads 0 derives 0" "$(grep '^loads' "$scratch/stats")"
# one resolved after the alert began may hold its firing, and is read
wr open --sev 3 --title "recent" --at 2025-03-15T14:00:00Z --as carol >/dev/null
recent=$(wr list --json | jq -r '.[] | select(.title == "recent") | .id')
wr intake --incident "$recent" "$specs/alertmanager/firing.json" >/dev/null
wr resolve --incident "$recent" --as carol >/dev/null
expect_status 0 "  ... a resolution after its incident closed goes where its firing went" wr intake "$specs/alertmanager/resolved.json"
check "  ... to that incident" grep -q "^recorded .* in $recent\$" "$scratch/out"

# ---- the postmortem's time to detect runs to the alert's start ----
export WARROOM_DIR="$scratch/ttd" WARROOM_NOW=2025-03-15T14:20:00Z
id=$(wr open --sev 2 --title "checkout slow" --at 2025-03-15T14:05:00Z --as carol)
wr log --type impact --at 2025-03-15T13:55:00Z "latency up" --as carol
# the alert started at 14:02:00.123 and arrives at 14:20 (WARROOM_NOW)
expect_status 0 "an alert that arrived late is recorded" wr intake --incident "$id" "$specs/alertmanager/firing.json"
wr ack --at 2025-03-15T14:12:00Z --as carol
wr postmortem --json >"$scratch/pm.json" 2>/dev/null
same "time to detect: impact 13:55 to the alert's start 14:02, not to its arrival" '"7 min"' "$(jq .figures.ttd "$scratch/pm.json")"
same "time to acknowledge: from the alert's start" '"9 min"' "$(jq .figures.tta "$scratch/pm.json")"

# ---- an incident declared from an alert counts from the alert's start ----
export WARROOM_DIR="$scratch/late" WARROOM_NOW=2025-03-15T14:05:14Z
# firing.json starts at 14:02:00.123456789 and arrives at 14:05:14 (WARROOM_NOW)
expect_status 0 "a critical alert that arrived late declares" wr intake "$specs/alertmanager/firing.json"
late=$(sed -n 's/.* in \(inc-[^ ]*\).*/\1/p' "$scratch/out")
same "  ... declared at the alert's start, not its arrival" "2025-03-15T14:02:00.123Z 2025-03-15T14:02:00.123Z" \
    "$(wr list --json | jq -r '.[0] | "\(.declared_at) \(.impact_at)"')"
export WARROOM_NOW=2025-03-15T14:50:00Z
wr resolve --incident "$late" --at 2025-03-15T14:47:00Z --as carol >/dev/null
wr postmortem --json --incident "$late" >"$scratch/late.json" 2>/dev/null
# 14:02:00.123 to 14:47:00: 44 min 59.877 s, whole minutes 44; from the arrival it would be 41
same "  ... time to resolve (user impact duration) runs from the alert's start" '"44 min"' "$(jq .figures.ttr "$scratch/late.json")"
same "  ... as does the total duration" '"44 min"' "$(jq .figures.duration "$scratch/late.json")"
same "  ... and detection is at once" '"0 min"' "$(jq .figures.ttd "$scratch/late.json")"

# ---- an incident declared from an alert is announced, as `open` announces one ----
export WARROOM_DIR="$scratch/announce"
reqlog="$scratch/requests.jsonl"
python3 "$src_root/tests/receiver.py" "$reqlog" --port-file "$scratch/port" --lifetime 60 \
    >/dev/null 2>"$scratch/receiver.err" &
receiver=$!
i=0
while [ ! -s "$scratch/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
printf '{"sinks": {"webhook": {"url": "http://127.0.0.1:%s/hooks/announce"}}}\n' "$(cat "$scratch/port")" >"$scratch/sinks.json"
chmod 600 "$scratch/sinks.json"
expect_status 0 "a critical alert declares" wr --config "$scratch/sinks.json" intake --wait 10 "$specs/alertmanager/firing.json"
check "  ... and the declaration reaches the sinks" sh -c "jq -r 'select(.path == \"/hooks/announce\") | .body' '$reqlog' | grep -q 'HighErrorBudgetBurnRate_Fast'"
kill $receiver 2>/dev/null
wait $receiver 2>/dev/null || true  # it ends by our SIGTERM: not the script's status

# ---- an incident a person declared, with its service: its alerts go there ----
export WARROOM_DIR="$scratch/human" WARROOM_NOW=2025-03-15T14:09:00Z
human=$(wr open --sev 2 --title "Orders slow" --service order-service --as carol)
other=$(wr open --sev 3 --title "Search flaky" --as carol)
check "open --service records the service on the declaration" \
    test "$(facts ".type == \"declare\" and .service == \"order-service\"")" -eq 1
sed 's/"critical"/"warning"/; s/7d5f3b1c2a9e4f60/0000000000000009/' "$specs/alertmanager/firing.json" >"$scratch/human.json"
expect_status 0 "an alert of that service, two incidents open: recorded" wr intake "$scratch/human.json"
check "  ... in the incident declared for its service" grep -q "^recorded .* in $human\$" "$scratch/out"
check "  ... and not in the other" test "$(jq -c 'select(.type == "alert")' "$WARROOM_DIR/$other/events.jsonl" | wc -l)" -eq 0
wr log --incident "$other" --type alert --name SearchLatency --service search "p99 over 2 s" >/dev/null
sed 's/order-service/search/g; s/0000000000000009/000000000000000a/' "$scratch/human.json" >"$scratch/search.json"
expect_status 0 "an alert logged by hand with --service names its incident's service" wr intake "$scratch/search.json"
check "  ... the next alert of it goes there" grep -q "^recorded .* in $other\$" "$scratch/out"
expect_status 2 "--service on a note is a usage error" wr log --incident "$other" --service search "just a note"
expect_status 0 "a service with an escape sequence is recorded cleaned" wr open --sev 3 --title x --service "$(printf 'a\033[2Jb')"
check "  ... without the escape" test "$(facts '.type == "declare" and (.service // "" | test("^a.?b$")) and (.service | test("\u001b") | not)')" -eq 1
expect_status 1 "a service over 256 bytes is refused" wr open --sev 3 --title x --service "$(printf '%0300d' 0)"
