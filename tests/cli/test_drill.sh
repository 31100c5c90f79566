# Drills, end to end: the seed incident (the demo's) played again as a drill
# at --speed 60, against a provider-like receiver on 127.0.0.1 configured for
# every sink: the drill's timeline is the source's, times shifted and scaled;
# nothing is published without --publish, and with it every message says
# [DRILL]; Ctrl-C leaves a note of where it stopped; a scenario file is checked
# like any log; the report leaves the drill out unless asked.
src=${WARROOM_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$src/tests/lib.sh"
. "$src/tests/console/demo_incident.sh"
PY=/usr/bin/python3
jqt() { jq -e "$@" >/dev/null; }

# ---- the seed incident, recorded with no sink configured ----
src_id=$(demo_incident)
check "the seed incident is there" test -n "$src_id"

# ---- a receiver answering as every provider, and a config naming them all ----
reqlog="$scratch/requests.jsonl"
"$PY" "$src/tests/receiver.py" "$reqlog" --port-file "$scratch/port" --lifetime 300 --hang-max 20 \
    >/dev/null 2>"$scratch/receiver.err" &
receiver=$!
trap 'kill "$receiver" 2>/dev/null; [ -n "${KEEP:-}" ] && cp -r "$scratch" /tmp/drill/kept; rm -rf "$scratch"' EXIT
i=0
while [ ! -s "$scratch/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
port=$(cat "$scratch/port" 2>/dev/null)
check "the receiver is up" test -n "$port"
base="http://127.0.0.1:$port"
export WARROOM_SLACK_WEBHOOK="$base/services/T0/B0/drillslack"
export WARROOM_PAGERDUTY_URL="$base/v2/enqueue"
export STATUSPAGE_API_KEY=spdrillkey
cat > "$scratch/config.json" <<JSON
{
  "sinks": {
    "pagerduty": {"routing_key": "pddrillroutingkey0123456789abcdef", "source": "test-host"},
    "statuspage": {"page_id": "drillpage", "url": "$base"},
    "webhook": {"url": "$base/hooks/drillhook"}
  },
  "delivery": {"connect_timeout_ms": 2000, "timeout_ms": 8000}
}
JSON
chmod 600 "$scratch/config.json"
export WARROOM_CONFIG="$scratch/config.json"
# the receiver sees what an ordinary incident publishes: the config reaches every sink
probe=$(wr open --sev 3 --title "Probe of the sinks" --as carol)
wr --incident "$probe" resolve --as carol >/dev/null 2>&1
for p in /services/ /v2/enqueue /hooks/drillhook /v1/pages/drillpage/incidents; do
    check "an ordinary incident reaches $p" jqt -s --arg p "$p" 'any(.[]; .path | startswith($p))' "$reqlog"
done
before=$(wc -l <"$reqlog")

# ---- the drill at --speed 60, in the foreground ----
wr drill "$src_id" --speed 60 --as gamemaster >"$scratch/drill.out" 2>"$scratch/drill.err"
check "the drill runs to its end (exit 0)" test $? -eq 0
sed 's/^/#   /' "$scratch/drill.err"
drill_id=$(head -1 "$scratch/drill.out")
check "  ... printing the drill's id first" sh -c "'$WARROOM' list | grep -q '^$drill_id '"
check "  ... and a line for each event it plays" test "$(grep -c '^drill: [0-9]*/19 ' "$scratch/drill.out")" -eq 19
check "  ... then that all were played" grep -q '^drill: all 19 scripted events played' "$scratch/drill.out"
log="$WARROOM_DIR/$drill_id/events.jsonl"
check "the drill's declaration says drill: true" \
    sh -c "head -1 '$log' | jq -e '.type == \"declare\" and .drill == true and .by == \"gamemaster\"' >/dev/null"
check "  ... with the source's title and severity" \
    sh -c "head -1 '$log' | jq -e '.title == \"Checkout failing for card payments\" and .sev == 2' >/dev/null"

# every scripted event of the source, in order, at (its offset from the
# declaration) / 60 from the drill's own declaration
wr --incident "$src_id" show --json >"$scratch/source.json"
wr --incident "$drill_id" show --json >"$scratch/drill.json"
cat >"$scratch/compare.py" <<'PY'
import json, sys
from datetime import datetime, timezone
def ms(s):
    return int(datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ" if "." in s else "%Y-%m-%dT%H:%M:%SZ")
               .replace(tzinfo=timezone.utc).timestamp() * 1000 + 0.5)
def lines(path, speed):
    doc = json.load(open(path))
    t0 = ms(doc["declared_at"])
    out = []
    for e in doc["timeline"]:
        if e["type"] in ("declare", "escalate", "reminder", "postmortem") or "missed_update" in e:
            continue
        off = ms(e["at"]) - t0
        out.append("%s %s %s %.3f" % (e["type"], e["by"], e.get("text", ""), round(off / speed) / 1000))
    return out
src, drill = lines(sys.argv[1], 60), lines(sys.argv[2], 1)
if src != drill or len(src) != 19:
    for a, b in zip(src + [""] * 30, drill + [""] * 30):
        if a != b: print("#   source %r\n#   drill  %r" % (a, b))
    sys.exit(1)
PY
check "the drill's timeline is the source's, every scripted event in order, times shifted and scaled by 60" \
    "$PY" "$scratch/compare.py" "$scratch/source.json" "$scratch/drill.json"
check "  ... (the comparison notices a change)" sh -c \
    "jq '.timeline[5].at = \"2026-01-01T00:00:00Z\"' '$scratch/drill.json' >'$scratch/bent.json'; ! '$PY' '$scratch/compare.py' '$scratch/source.json' '$scratch/bent.json' >/dev/null"
check "without --publish the receiver saw no request at all" test "$(wc -l <"$reqlog")" -eq "$before"
check "  ... and the drill's log records no delivery, no local updates file" \
    sh -c "! grep -q '\"type\":\"delivery\"' '$log' && [ ! -e '$WARROOM_DIR/$drill_id/updates.md' ]"
check "  ... nor does flushing the drill send anything" \
    sh -c "'$WARROOM' --incident '$drill_id' flush >/dev/null 2>&1; [ \$(wc -l <'$reqlog') -eq $before ]"
wr --incident "$drill_id" postmortem --out "$scratch/pm.md" 2>/dev/null
check "the drill's postmortem is titled as a drill" grep -q '^# Postmortem: \\\[DRILL\] Checkout failing for card payments' "$scratch/pm.md"
wr report --since 2000-01-01 --format json >"$scratch/report.json" 2>"$scratch/report.err"
check "the report counts the seed incident" grep -q "\"$src_id\"" "$scratch/report.json"
check "  ... and leaves the drill out" sh -c "! grep -q '$drill_id' '$scratch/report.json'"
wr report --since 2000-01-01 --format json --drills >"$scratch/report-drills.json" 2>/dev/null
check "  ... unless asked for with --drills" grep -q "\"$drill_id\"" "$scratch/report-drills.json"

# ---- a drill is told from a real incident wherever incidents are listed or shown ----
wr list >"$scratch/list.txt"
check "list marks the drill DRILL after its severity" grep -Eq "^$drill_id +[^ ]+ +DRILL " "$scratch/list.txt"
check "  ... and not the source" sh -c "grep -q '^$src_id ' '$scratch/list.txt' && ! grep '^$src_id ' '$scratch/list.txt' | grep -q DRILL"
wr list --json >"$scratch/list.json"
check "list --json says \"drill\": true of the drill" \
    jqt --arg d "$drill_id" 'any(.[]; .id == $d and .drill == true)' "$scratch/list.json"
check "  ... and has no drill member for the source" \
    jqt --arg s "$src_id" 'any(.[]; .id == $s) and all(.[]; .id != $s or (has("drill") | not))' "$scratch/list.json"
wr --incident "$drill_id" show >"$scratch/show-drill.txt"
wr --incident "$src_id" show >"$scratch/show-src.txt"
check "show says DRILL near the top for the drill" sh -c "head -3 '$scratch/show-drill.txt' | grep -q DRILL"
check "  ... and not for the source" sh -c "test -s '$scratch/show-src.txt' && ! grep -q DRILL '$scratch/show-src.txt'"
check "show --json says \"drill\": true of the drill" jqt '.drill == true' "$scratch/drill.json"
check "  ... and has no drill member for the source" jqt 'has("drill") | not' "$scratch/source.json"
wr --incident "$drill_id" status --format plain >"$scratch/status-drill.txt"
wr --incident "$src_id" status --format plain >"$scratch/status-src.txt"
check "status --format plain starts with DRILL for the drill" grep -Eq '^ ?DRILL +SEV' "$scratch/status-drill.txt"
check "  ... and not for the source" sh -c "grep -q SEV '$scratch/status-src.txt' && ! grep -q DRILL '$scratch/status-src.txt'"
check "  ... and the tmux line has DRILL in a style of its own" \
    sh -c "'$WARROOM' --incident '$drill_id' status | grep -q '^#\[[^]]*\] DRILL #\['"
check "  ... and status --format json says \"drill\": true of the drill only" \
    sh -c "'$WARROOM' --incident '$drill_id' status --format json | jq -e '.drill == true' >/dev/null &&
           '$WARROOM' --incident '$src_id' status --format json | jq -e 'has(\"drill\") | not' >/dev/null"

# ---- --publish: only the sinks named, every message marked ----
wr drill "$src_id" --speed 3600 --publish slack,webhook --as gamemaster >"$scratch/pub.out" 2>"$scratch/pub.err"
check "a drill with --publish slack,webhook runs (exit 0)" test $? -eq 0
pub_id=$(head -1 "$scratch/pub.out")
tail -n +"$((before + 1))" "$reqlog" >"$scratch/pub-reqs"
check "  ... Slack and the webhook were sent to" \
    jqt -s 'any(.[]; .path | startswith("/services/")) and any(.[]; .path == "/hooks/drillhook")' "$scratch/pub-reqs"
check "  ... PagerDuty and Statuspage were not" \
    jqt -s 'all(.[]; .path != "/v2/enqueue" and (.path | contains("/pages/") | not))' "$scratch/pub-reqs"
check "  ... every message says [DRILL]" \
    sh -c "[ \$(wc -l <'$scratch/pub-reqs') -gt 0 ] && ! jq -r '.body' '$scratch/pub-reqs' | grep -v -q 'DRILL'"
check "  ... in Slack's text and the webhook's title" \
    sh -c "jq -r 'select(.path == \"/hooks/drillhook\") | .body' '$scratch/pub-reqs' | jq -e -s 'all(.[]; .incident.title | startswith(\"[DRILL] \"))' >/dev/null &&
           jq -r 'select(.path | startswith(\"/services/\")) | .body' '$scratch/pub-reqs' | grep -q '\\[DRILL\\] '"
check "  ... and the declaration names the sinks" \
    sh -c "head -1 '$WARROOM_DIR/$pub_id/events.jsonl' | jq -e '.drill_publish == \"slack,webhook\"' >/dev/null"
expect_status 2 "--publish of a sink that does not exist is a usage error" wr drill "$src_id" --publish slack,nowhere
check "  ... saying which" grep -q '"nowhere" is no sink' "$scratch/err"
expect_status 2 "--speed 0 is a usage error" wr drill "$src_id" --speed 0

# ---- Ctrl-C: the drill stops and its timeline says where ----
"$WARROOM" drill "$src_id" --as gamemaster >"$scratch/int.out" 2>"$scratch/int.err" &
pid=$!
i=0
while ! grep -q '^drill: 3/19 ' "$scratch/int.out" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
kill -INT "$pid"
wait "$pid"
st=$?
check "Ctrl-C stops a drill (exit 130)" test "$st" -eq 130
int_id=$(head -1 "$scratch/int.out")
check "  ... with a note in its timeline of where it stopped" \
    sh -c "tail -1 '$WARROOM_DIR/$int_id/events.jsonl' | jq -e '.type == \"note\" and (.text | test(\"^Drill stopped after 3 of 19 scripted events; the next was a ack at \\\\+2m\"))' >/dev/null"
check "  ... said on standard error" grep -q 'Drill stopped after 3 of 19' "$scratch/int.err"

# ---- a scenario file: the same records, checked like any log ----
WARROOM_CONFIG=/dev/null
export WARROOM_CONFIG
cat >"$scratch/scenario.jsonl" <<'JSONL'
{"v":1,"id":"s0","ts":"2025-01-01T10:00:00Z","by":"gm","type":"declare","title":"Disk full on db-3","sev":3}
{"v":1,"id":"s1","ts":"2025-01-01T10:02:00Z","by":"alertmanager","type":"alert","name":"DiskFull","status":"firing","text":"db-3 disk 98%","labels":{"severity":"page"}}
{"v":1,"id":"s2","ts":"2025-01-01T10:05:00Z","by":"gm","type":"note","text":"Customer reports slow search"}
JSONL
wr drill "$scratch/scenario.jsonl" --speed 3600 >"$scratch/sc.out" 2>"$scratch/sc.err"
rc=$?
check "a scenario file plays as a drill" test $rc -eq 0
[ $rc -eq 0 ] || sed 's/^/#   /' "$scratch/sc.err" "$scratch/sc.out"
sc_id=$(head -1 "$scratch/sc.out")
check "  ... its alert with its labels" \
    jqt -s 'any(.[]; .type == "alert" and .name == "DiskFull" and .labels.severity == "page")' "$WARROOM_DIR/$sc_id/events.jsonl"
n=$(wr list | wc -l)
printf '%s\n' '{"v":1,"id":"s3","ts":"2025-01-01T10:06:00Z","type":"note","text":' >>"$scratch/scenario.jsonl"
printf '%s\n' '{"v":1,"id":"s4","ts":"2025-01-01T10:07:00Z","type":"note","text":"after"}' >>"$scratch/scenario.jsonl"
expect_status 1 "a scenario with a damaged record is refused" wr drill "$scratch/scenario.jsonl"
check "  ... saying where" grep -q 'scenario.jsonl:4: damaged record' "$scratch/err"
check "  ... and nothing is declared" test "$(wr list | wc -l)" -eq "$n"
expect_status 1 "a source that is neither an incident nor a file is refused" wr drill no-such-incident
check "  ... saying so" grep -q 'no incident or scenario file named "no-such-incident"' "$scratch/err"
kill "$receiver" 2>/dev/null
