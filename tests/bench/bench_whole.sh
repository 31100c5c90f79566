#!/bin/sh
# Whole-process benchmark (issue #12): the commands a user runs, timed from
# outside (elapsed wall-clock seconds around the process, peak resident memory
# and user+system CPU seconds from /usr/bin/time, which a busy machine
# disturbs less; the median of BENCH_RUNS runs), each beside the tool a user would otherwise use
# on the same file. The logs come from build/tools/genlog, the generator the
# in-process benchmarks use, so the two kinds of figure share their input.
#
# usage: tests/bench/bench_whole.sh [WARROOM]
#   WARROOM  the binary to time (default build/warroom), so figures of two
#            builds can be taken the same way
# environment: BENCH_TOOLS (genlog's directory, default build/tools),
#              BENCH_SIZES (default "10000 100000 1000000"), BENCH_RUNS
#              (default 3), BENCH_DIR (scratch parent, default $TMPDIR or /tmp).
#
# Prints figures and ratios; asserts nothing (machines are shared and noisy).
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
W=${1:-$root/build/warroom}
tools=${BENCH_TOOLS:-$root/build/tools}
for t in "$W" "$tools/genlog"; do
    [ -x "$t" ] || { echo "bench_whole: $t is not built (make bench builds it)" >&2; exit 1; }
done
sizes=${BENCH_SIZES:-10000 100000 1000000}
runs=${BENCH_RUNS:-3}
work=$(mktemp -d "${BENCH_DIR:-${TMPDIR:-/tmp}}/warroom-bench-whole.XXXXXX")
sock=$work/tmux.sock
cleanup() { tmux -S "$sock" kill-server 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 1' INT TERM    # stopped: clean up (the EXIT trap) and stop, not carry on
id=inc-20250101-bench
export WARROOM_CONFIG=/dev/null TZ=UTC LC_ALL=C.UTF-8
unset WARROOM_DIR WARROOM_INCIDENT WARROOM_REPO

# the median of each column of FILE (seconds, KiB, and CPU seconds when there)
median() {
    sort -n -k1,1 "$1" | awk '{ t[NR] = $1 } END { printf "%s", t[int((NR + 1) / 2)] }'
    printf ' '
    sort -n -k2,2 "$1" | awk '{ m[NR] = $2 } END { printf "%s", m[int((NR + 1) / 2)] }'
    printf ' '
    sort -n -k3,3 "$1" | awk '{ c[NR] = $3 } END { printf "%s\n", c[int((NR + 1) / 2)] }'
}

# timed LABEL CMD...: runs CMD BENCH_RUNS times (output discarded), prints
# "LABEL  SECONDS s  MiB MiB" and leaves the median seconds in $last
timed() {
    label=$1
    shift
    : > "$work/times"
    i=0
    while [ $i -lt "$runs" ]; do
        t0=$(date +%s%N)
        /usr/bin/time -f '%M %U %S' -o "$work/kib" "$@" >/dev/null 2>"$work/err" ||
            { echo "  $label: failed: $(tail -n1 "$work/err")"; last=; return; }
        t1=$(date +%s%N)
        echo "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", (b - a) / 1e9 }') $(tail -n1 "$work/kib" |
            awk '{ printf "%s %.2f", $1, $2 + $3 }')" >> "$work/times"
        i=$((i + 1))
    done
    set -- $(median "$work/times")
    last=$1
    printf '  %-44s %7s s %7.1f MiB  (cpu %s s)\n' "$label" "$1" "$(awk -v k="$2" 'BEGIN { print k / 1024 }')" "$3"
}

ratio() {  # ratio A B: A / B, or n/a
    awk -v a="${1:-}" -v b="${2:-}" 'BEGIN { if (a == "" || b == "" || b + 0 == 0) print "n/a";
        else printf "%.1fx\n", a / b }'
}

# a store holding one incident generated as KIND with N events
store() {
    dir=$work/$2-$1
    if [ ! -d "$dir" ]; then
        mkdir -p "$dir/$id"
        "$tools/genlog" "$dir/$id/events.jsonl" "$1" "$2"
    fi
    echo "$dir"
}

# time from launching the console in tmux to the end of its first frame,
# in seconds (WARROOM_TRACE's frame lines carry wall-clock microseconds)
first_frame() {
    : > "$work/first"
    i=0
    while [ $i -lt "$runs" ]; do
        trace=$work/trace
        rm -f "$trace"
        cp "$1/$id/events.jsonl" "$work/copy.jsonl"   # a backlog gets delivered: keep the store as it was
        start_us=$(date +%s%6N)
        tmux -S "$sock" -f /dev/null new-session -d -s first -x 120 -y 40 \
            "env WARROOM_DIR='$1' WARROOM_INCIDENT=$id WARROOM_TRACE='$trace' TERM=xterm-256color LANG=C.UTF-8 '$W'"
        j=0
        while ! grep -q '^first ' "$trace" 2>/dev/null && [ $j -lt 1200 ]; do sleep 0.05; j=$((j + 1)); done
        sleep 0.2
        pid=$(tmux -S "$sock" list-panes -t first -F '#{pane_pid}' 2>/dev/null)
        kib=$(awk '/^VmHWM/ { print $2 }' "/proc/$pid/status" 2>/dev/null)
        for p in $(pgrep -P "$pid" 2>/dev/null); do
            kib=$(awk '/^VmHWM/ { print $2 }' "/proc/$p/status" 2>/dev/null)
        done
        tmux -S "$sock" kill-server 2>/dev/null
        cp "$work/copy.jsonl" "$1/$id/events.jsonl"
        awk -v s="$start_us" -v k="${kib:-0}" '$1 == "frame" { printf "%.3f %s\n", ($2 + $3 - s) / 1e6, k; exit }' \
            "$trace" >> "$work/first"
        i=$((i + 1))
    done
    [ -s "$work/first" ] || { echo "  $2: no frame drawn"; return; }
    set -- "$2" $(median "$work/first")
    printf '  %-44s %7s s %7.1f MiB\n' "$1" "$2" "$(awk -v k="$3" 'BEGIN { print k / 1024 }')"
}

echo "whole process, $runs runs each, median (binary: $W)"
for n in $sizes; do
    for kind in notes mix; do
        dir=$(store "$n" "$kind")
        log=$dir/$id/events.jsonl
        mib=$(awk -v b="$(wc -c < "$log")" 'BEGIN { printf "%.0f", b / 1048576 }')
        echo "$kind, $n events ($mib MiB):"
        timed "warroom log TEXT" env WARROOM_DIR="$dir" "$W" --as bench log "one more note"; ours=$last
        timed "peer: printf >> log && sync" sh -c "printf '%s\n' '{\"v\":1}' >> '$work/peer.jsonl' && sync"
        echo "    ours / peer: $(ratio "$ours" "$last")"
        # the first load parses the log and writes the checkpoint; the runs
        # after it read the records from the checkpoint
        timed "warroom show --json, no checkpoint" sh -c "rm -f '$dir/$id/checkpoint'; WARROOM_DIR='$dir' '$W' show --json"
        timed "warroom show --json" env WARROOM_DIR="$dir" "$W" show --json; ours=$last
        timed "peer: jq -c . log" jq -c . "$log"
        echo "    ours / peer: $(ratio "$ours" "$last")"
        timed "warroom show" env WARROOM_DIR="$dir" "$W" show
        first_frame "$dir" "console first frame"
        timed "peer: tail -n40 log" tail -n40 "$log"
    done
done

echo "pathological cases:"
dir=$(store 200000 edits)
echo "100,000 edits (200,000 events):"
timed "warroom show" env WARROOM_DIR="$dir" "$W" show
timed "warroom log TEXT" env WARROOM_DIR="$dir" "$W" --as bench log "one more note"
dir=$(store 30001 actions)
echo "30,000 action items:"
timed "warroom show" env WARROOM_DIR="$dir" "$W" show
timed "warroom action add" env WARROOM_DIR="$dir" "$W" --as bench action add "one more" --owner dave --due 2030-01-01
dir=$(store 10001 pending)
echo "10,000 pending updates (file sink):"
first_frame "$dir" "console first frame"
# each run delivers the whole backlog again, from the log as generated
cp "$dir/$id/events.jsonl" "$work/pending.jsonl"
timed "warroom flush" sh -c "rm -f '$dir/$id/updates.md'; cp '$work/pending.jsonl' '$dir/$id/events.jsonl';
    WARROOM_DIR='$dir' '$W' flush --incident $id"

echo "1,000 incidents of 200 events:"
dir=$work/many
mkdir -p "$dir"
i=0
while [ $i -lt 1000 ]; do
    inc=$(printf 'inc-20250101-bench%04d' $i)
    mkdir -p "$dir/$inc"
    "$tools/genlog" "$dir/$inc/events.jsonl" 200 mix
    i=$((i + 1))
done
# all but the last resolved, so one is open for the picking verbs
i=0
while [ $i -lt 999 ]; do
    inc=$(printf 'inc-20250101-bench%04d' $i)
    env WARROOM_DIR="$dir" WARROOM_INCIDENT="$inc" "$W" --as bench resolve >/dev/null 2>&1
    i=$((i + 1))
done
timed "warroom list" env WARROOM_DIR="$dir" "$W" list
# from the checkout the policy may come from its repository (libgit2 started);
# from a scratch directory there is none to look in
timed "warroom list, outside any repository" sh -c "cd '$work' && WARROOM_DIR='$dir' '$W' list"
timed "warroom show (picks the open one)" env WARROOM_DIR="$dir" "$W" show
timed "warroom log TEXT (picks the open one)" env WARROOM_DIR="$dir" "$W" --as bench log "one more note"
timed "peer: ls | wc -l" sh -c "ls '$dir' | wc -l"
exit 0
