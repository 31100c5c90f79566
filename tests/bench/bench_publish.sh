#!/bin/sh
# Publishing benchmark (issue #4): the console's frame time while deliveries
# are in flight to a receiver that answers after 2 s, and while the sinks
# never answer, against the same console with no sink. 100 updates are
# pending for four sinks (Slack, PagerDuty, Statuspage, webhook) when the
# console opens; a second process appends notes every 20 ms so the console
# draws frames throughout. Each sink delivers in log order, one request at a
# time, so at most four are in flight at once; the rest wait their turn.
# Target: frame p99 under 16 ms in both, the same as with no sink. Printed,
# not asserted.
set -u
cd "$(dirname "$0")/../.." || exit 1
root=$(pwd)
W=$root/build/warroom
tools=$root/build/tools
work=$(mktemp -d "${TMPDIR:-/tmp}/warroom-bench.XXXXXX")
sock=$work/tmux.sock
/usr/bin/python3 tests/receiver.py "$work/requests.jsonl" --port-file "$work/port" --lifetime 120 --hang-max 60 \
    >/dev/null 2>&1 &
receiver=$!
cleanup() { kill "$receiver" 2>/dev/null; tmux -S "$sock" kill-server 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
i=0
while [ ! -s "$work/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
base="http://127.0.0.1:$(cat "$work/port")"
control() { curl -s -o /dev/null -X POST --data "$1" "$base/_control"; }

pct() {
    sort -n "$2" | awk -v p="$1" '{ v[NR] = $1 } END { if (NR == 0) { print "n/a"; exit }
        i = int((NR - 1) * p / 100) + 1; printf "%.2f", v[i] / 1000 }'
}

echo "publishing: console frame time with 100 updates pending for 4 sinks (120x40, notes every 20 ms)"
for mode in none slow hang; do
    dir=$work/data-$mode
    export WARROOM_DIR=$dir WARROOM_CONFIG=/dev/null
    unset WARROOM_SLACK_WEBHOOK PAGERDUTY_ROUTING_KEY WARROOM_PAGERDUTY_URL STATUSPAGE_PAGE_ID STATUSPAGE_API_KEY \
        WARROOM_STATUSPAGE_URL WARROOM_WEBHOOK_URL
    id=$("$W" open --sev 1 --title "Publishing bench $mode")
    for n in $(seq 1 100); do "$W" --incident "$id" update investigating "update $n" > /dev/null 2>&1; done
    sinks=""
    if [ "$mode" != none ]; then
        sinks="WARROOM_SLACK_WEBHOOK=$base/services/T/B/x PAGERDUTY_ROUTING_KEY=benchkey00000000000000000000000 \
WARROOM_PAGERDUTY_URL=$base/v2/enqueue STATUSPAGE_PAGE_ID=page STATUSPAGE_API_KEY=key WARROOM_STATUSPAGE_URL=$base \
WARROOM_WEBHOOK_URL=$base/hook"
        if [ "$mode" = slow ]; then reply='{"delay": 2.0}'; else reply='{"hang": true}'; fi
        control '{"reset": true}'
        for path in /services/T/B/x /v2/enqueue /v1/pages/page/incidents /hook; do
            control '{"path": "'$path'", "replies": [], "default": '"$reply"'}'
        done
    fi
    trace=$work/trace-$mode
    tmux -S "$sock" -f /dev/null new-session -d -s "$mode" -x 120 -y 40 \
        "env $sinks WARROOM_DIR='$dir' WARROOM_INCIDENT=$id WARROOM_CONFIG=/dev/null WARROOM_TRACE='$trace' \
         TERM=xterm-256color LANG=C.UTF-8 '$W'"
    sleep 1
    mark=$(date +%s%6N)
    "$tools/appender" "$dir/$id/events.jsonl" 250 bench 20 > /dev/null
    awk -v mark="$mark" '$1 == "frame" && $2 >= mark { print $3 }' "$trace" > "$work/frames-$mode"
    reqs=$(wc -l < "$work/requests.jsonl" 2>/dev/null || echo 0)
    tmux -S "$sock" send-keys -t "$mode" q
    sleep 0.3
    printf '  %-5s frame p50 %s ms   p99 %s ms   (%s frames; %s requests received so far)\n' "$mode" \
        "$(pct 50 "$work/frames-$mode")" "$(pct 99 "$work/frames-$mode")" "$(wc -l < "$work/frames-$mode")" "$reqs"
done
echo "  (none: no sink configured; slow: every sink answers after 2 s; hang: no sink ever answers)"
