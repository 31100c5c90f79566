#!/bin/sh
# Console benchmark (issue #3): with 1,000 and 100,000 events, the time per
# frame, event-to-screen latency across processes against `tail -F` on the
# same log, time to first frame, and memory. The console runs in tmux with
# WARROOM_TRACE; a second process appends notes every 20 ms and records when
# each append returned. Figures printed, not asserted.
# Targets: event-to-screen p99 < 10 ms; frame p99 < 16 ms at 100,000 events;
# first frame < 0.3 s at 100,000 events; < 16 MiB resident at 1,000 events.
set -u
cd "$(dirname "$0")/../.." || exit 1
root=$(pwd)
W=$root/build/warroom
tools=$root/build/tools
for t in "$W" "$tools/genlog" "$tools/appender" "$tools/linestamp"; do
    [ -x "$t" ] || { echo "bench_console: $t is not built (make bench builds it)" >&2; exit 1; }
done
work=$(mktemp -d "${TMPDIR:-/tmp}/warroom-bench.XXXXXX")
sock=$work/tmux.sock
cleanup() { tmux -S "$sock" kill-server 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

pct() {  # pct P FILE: the P-th percentile of the numbers in FILE
    sort -n "$2" | awk -v p="$1" '{ v[NR] = $1 } END { if (NR == 0) { print "n/a"; exit }
        i = int((NR - 1) * p / 100) + 1; print v[i] }'
}
ms() { awk -v us="$1" 'BEGIN { if (us == "n/a") print "n/a"; else printf "%.2f", us / 1000 }'; }

echo "console: 120x40 in tmux, notes appended every 20 ms by another process"
for n in ${BENCH_EVENTS:-1000 100000}; do
    dir=$work/data-$n
    id=inc-20250101-bench
    mkdir -p "$dir/$id"
    "$tools/genlog" "$dir/$id/events.jsonl" "$n"
    log=$dir/$id/events.jsonl
    trace=$work/trace-$n
    start_us=$(date +%s%6N)
    tmux -S "$sock" -f /dev/null new-session -d -s "b$n" -x 120 -y 40 \
        "env WARROOM_DIR='$dir' WARROOM_INCIDENT=$id WARROOM_CONFIG=/dev/null WARROOM_TRACE='$trace' \
         TERM=xterm-256color LANG=C.UTF-8 '$W'"
    i=0
    while ! grep -q '^first ' "$trace" 2>/dev/null && [ $i -lt 300 ]; do sleep 0.05; i=$((i + 1)); done
    first_us=$(awk '/^first / { print $2; exit }' "$trace")
    pid=$(pgrep -n -f "^$W\$" || pgrep -n -x warroom)
    tail -n0 -F "$log" 2>/dev/null | "$tools/linestamp" > "$work/tail-$n" &
    tailpid=$!
    sleep 0.5
    mark=$(date +%s%6N)
    "$tools/appender" "$log" 200 bench 20 > "$work/sent-$n"
    sleep 0.5
    rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$pid/status" 2>/dev/null)
    hwm=$(awk '/^VmHWM/ { print $2 }' "/proc/$pid/status" 2>/dev/null)
    tmux -S "$sock" send-keys -t "b$n" q
    kill "$tailpid" 2>/dev/null; pkill -P "$tailpid" 2>/dev/null; pkill -f "tail -n0 -F $log" 2>/dev/null
    wait "$tailpid" 2>/dev/null

    # joins: id -> sent time, drawn time, tail time
    awk 'NR == FNR { sent[$1] = $2; next } $1 == "event" && ($2 in sent) { print $3 - sent[$2] }' \
        "$work/sent-$n" "$trace" > "$work/lat-console-$n"
    awk 'NR == FNR { sent[$1] = $2; next } ($1 in sent) { print $2 - sent[$1] }' \
        "$work/sent-$n" "$work/tail-$n" > "$work/lat-tail-$n"
    awk -v mark="$mark" '$1 == "frame" && $2 >= mark { print $3 }' "$trace" > "$work/frames-$n"
    seen=$(wc -l < "$work/lat-console-$n")
    echo
    echo "  $n events ($(du -k "$log" | cut -f1) KiB log)"
    echo "    first frame          $(ms "$first_us") ms (from the console starting to its first doupdate)"
    echo "    frame time           p50 $(ms "$(pct 50 "$work/frames-$n")") ms   p99 $(ms "$(pct 99 "$work/frames-$n")") ms   ($(wc -l < "$work/frames-$n") frames)"
    echo "    event-to-screen      p50 $(ms "$(pct 50 "$work/lat-console-$n")") ms   p99 $(ms "$(pct 99 "$work/lat-console-$n")") ms   ($seen of 200 events)"
    echo "    tail -F (baseline)   p50 $(ms "$(pct 50 "$work/lat-tail-$n")") ms   p99 $(ms "$(pct 99 "$work/lat-tail-$n")") ms"
    echo "    memory               resident $(awk -v k="${rss:-0}" 'BEGIN { printf "%.1f", k / 1024 }') MiB, peak $(awk -v k="${hwm:-0}" 'BEGIN { printf "%.1f", k / 1024 }') MiB"
    : "$start_us"
done
