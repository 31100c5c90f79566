# The event log under load and under crashes (issue: "Must show").
. "$(dirname "$0")/../lib.sh" 2>/dev/null || . "$WARROOM_SOURCE_DIR/tests/lib.sh"
appender=$WARROOM_TOOLS/appender
replay=$WARROOM_TOOLS/replay
log=$scratch/events.jsonl

# --- eight writers at once, 2,000 notes each ---
for w in 1 2 3 4 5 6 7 8; do
    "$appender" "$log" 2000 "w$w" > "$scratch/ids.$w" &
done
wait
"$replay" "$log" --ids > "$scratch/replayed"
check "8 writers: replay succeeds" test $? -eq 0
check "8 writers: exactly 16,000 notes" grep -qx 'events 16000 notes 16000 timeline 16000 warnings 0' "$scratch/replayed"
check "8 writers: 16,000 lines in the file" test "$(wc -l < "$log")" -eq 16000
check "8 writers: every line is valid JSON" sh -c "jq -c . '$log' > /dev/null"
check "8 writers: every note once" test "$(jq -r .text "$log" | sort -u | wc -l)" -eq 16000
cat "$scratch"/ids.? | sort > "$scratch/reported"
sed 1d "$scratch/replayed" | sort > "$scratch/found"
check "8 writers: every reported id replayed, none extra" cmp -s "$scratch/reported" "$scratch/found"

# --- a writer killed with SIGKILL at random moments, 100 rounds ---
log=$scratch/killed.jsonl
lost=0 failed=0
: > "$scratch/reported"
for round in $(seq 1 100); do
    "$appender" "$log" 100000 "k$round" >> "$scratch/reported" &
    pid=$!
    # 0 to 40 ms: sometimes before the first append, mostly mid-stream
    sleep "0.0$(awk -v s="$round" 'BEGIN { srand(s); printf "%02d", int(rand() * 40) }')"
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    if ! "$replay" "$log" --ids > "$scratch/replayed" 2> "$scratch/replay.err"; then
        failed=$((failed + 1))
        sed 's/^/#   /' "$scratch/replay.err" | head -3
    fi
done
sed 1d "$scratch/replayed" | sort > "$scratch/found"
# only whole lines of ids count as reported (the kill may cut the id's own write)
grep -xE '[0-9a-f]{32}' "$scratch/reported" | sort > "$scratch/reported.whole"
lost=$(comm -23 "$scratch/reported.whole" "$scratch/found" | wc -l)
check "SIGKILL x100: replay always succeeds" test "$failed" -eq 0
check "SIGKILL x100: no event that was reported as written is lost ($(wc -l < "$scratch/reported.whole") reported)" test "$lost" -eq 0
check "SIGKILL x100: some appends happened" test "$(wc -l < "$scratch/reported.whole")" -gt 100

# --- a log cut in the middle of its last line ---
log=$scratch/torn.jsonl
"$appender" "$log" 5 t > /dev/null
size=$(wc -c < "$log")
truncate -s $((size - 20)) "$log"
"$replay" "$log" > "$scratch/replayed" 2>&1
check "torn tail: replay succeeds" test $? -eq 0
check "torn tail: keeps the 4 whole records" grep -q '^events 4 notes 4 timeline 4 warnings 1' "$scratch/replayed"
check "torn tail: reports the torn line by number" grep -q 'line 5: the last record is torn' "$scratch/replayed"
"$appender" "$log" 1 after > "$scratch/after.id"
check "torn tail: the next append succeeds" test $? -eq 0
"$replay" "$log" --ids > "$scratch/replayed" 2>&1
check "torn tail: the next append reads back" grep -qx "$(cat "$scratch/after.id")" "$scratch/replayed"
check "torn tail: 5 notes, the torn one set aside and reported" grep -q '^events 6 notes 5 timeline 5 warnings 1' "$scratch/replayed"
check "torn tail: set-aside line named" grep -q 'line 5: a torn record' "$scratch/replayed"
"$appender" "$log" 1 again > /dev/null
check "torn tail: later appends stay clean" sh -c "'$replay' '$log' | grep -q '^events 7 notes 6'"
check "torn tail: the log was not rewritten (torn bytes still there)" test "$(head -c $((size - 20)) "$log" | cmp -s - "$log" -n $((size - 20)) && echo same)" = same

# --- damage in the middle is an error naming the line, and changes nothing ---
log=$scratch/damaged.jsonl
"$appender" "$log" 3 d > /dev/null
sed -i '2s/.*/{"v":1,"id":"x", garbage/' "$log"
before=$(md5sum < "$log")
"$replay" "$log" > "$scratch/replayed" 2>&1
check "middle damage: replay fails" test $? -ne 0
check "middle damage: the message names line 2" grep -q 'events.jsonl:2\|damaged.jsonl:2: damaged record' "$scratch/replayed"
check "middle damage: nothing rewritten" test "$(md5sum < "$log")" = "$before"

# --- a failing disk, through the write/fdatasync fault shim, against the real binary ---
# The shim sits in front of libc; ASan wants to be first in the library list,
# so the sanitizer build is told not to insist (the shim only wraps write and
# fdatasync, which ASan's own interceptors still see).
shim=$WARROOM_SOURCE_DIR/build/shim/logfault.so
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
faulty() { LD_PRELOAD=$shim "$WARROOM" "$@"; }
notes_named() { wr show --json | jq --arg t "$1" '[.timeline[] | select(.text == $t)] | length'; }
export WARROOM_DIR="$scratch/disk"
inc=$(wr open --sev 2 --title "Disk faults")
export WARROOM_INCIDENT="$inc"
# short write (all but the newline), then EIO for the rest of the process
LOGFAULT_WRITE=1 faulty log "deploy #4521 pushed" > "$scratch/out" 2> "$scratch/err"
check "short write then EIO: log fails" test $? -eq 1
check "short write then EIO: says the event was not saved" grep -q 'was not saved' "$scratch/err"
wr log "deploy #4521 pushed" 2> "$scratch/err"
check "short write then EIO: the retry succeeds" test $? -eq 0
wr log "rollback started"
check "short write then EIO: the failed copy stays lost (one note, not two)" test "$(notes_named "deploy #4521 pushed")" -eq 1
check "short write then EIO: later entries read back" test "$(notes_named "rollback started")" -eq 1
# short write, and the disk recovers at once: warroom retires what it wrote itself
LOGFAULT_WRITE=1 LOGFAULT_EIO=1 faulty log "gateway pool exhausted" 2> "$scratch/err"
check "short write, disk back: log fails" test $? -eq 1
check "short write, disk back: the log ends on a whole line" test "$(tail -c 1 "$WARROOM_DIR/$inc/events.jsonl" | od -An -c | tr -d ' ')" = '\n'
check "short write, disk back: the failed entry is not in the timeline" test "$(notes_named "gateway pool exhausted")" -eq 0
# fdatasync fails: the bytes landed but their fate is unknown; reported lost, they stay lost
LOGFAULT_FDATASYNC=1 LOGFAULT_EIO=0 faulty log "TLS config doubled the handshake" 2> "$scratch/err"
check "fdatasync EIO: log fails" test $? -eq 1
check "fdatasync EIO: says the event was not saved" grep -q 'was not saved' "$scratch/err"
wr log "TLS config doubled the handshake"
check "fdatasync EIO: after the retry, one copy" test "$(notes_named "TLS config doubled the handshake")" -eq 1
check "fdatasync EIO: the log replays" sh -c "'$WARROOM_TOOLS/replay' '$WARROOM_DIR/$inc/events.jsonl' > /dev/null"
# and when the disk refuses even that, warroom says the truth: it does not know
LOGFAULT_FDATASYNC=1 faulty log "fate unknown" 2> "$scratch/err"
check "fdatasync EIO, disk gone: log fails" test $? -eq 1
check "fdatasync EIO, disk gone: says the event may not be saved, and how to tell" grep -q "may not be saved.*'warroom show' tells" "$scratch/err"
unset WARROOM_INCIDENT

# --- a torn record retires the whole region it names, whatever it holds ---
log=$scratch/region.jsonl
"$appender" "$log" 2 r > /dev/null
start=$(wc -c < "$log")
printf '%s\n' '{"v":1,"id":"in-region","ts":"2025-03-15T14:00:00Z","type":"note","text":"parseable but retired"}' >> "$log"
printf '%s\n' '{"v":1,"id":"also","ts":"2025-03-15T14:00:01Z","type":"note","text":"also retired"}' >> "$log"
printf '{"v":1,"id":"torn-1","ts":"2025-03-15T14:00:02Z","type":"torn","offset":%d,"bytes":%d}\n' "$start" $(( $(wc -c < "$log") - start )) >> "$log"
"$appender" "$log" 1 after > /dev/null
"$replay" "$log" --ids > "$scratch/replayed" 2>&1
check "torn region: replay succeeds" test $? -eq 0
check "torn region: the parseable records in it are set aside" sh -c "! grep -qx 'in-region\|also' '$scratch/replayed'"
check "torn region: 3 notes remain, both retired lines reported" grep -q '^events 4 notes 3 timeline 3 warnings 2' "$scratch/replayed"

# --- what the reader sets aside and what the next append retires are the same region ---
log=$scratch/lookback.jsonl
"$appender" "$log" 2 l > /dev/null
for i in 1 2 3 4 5; do head -c 61440 /dev/zero | tr '\0' 'x' >> "$log"; echo >> "$log"; done
printf '{"v":1,"id":"cut' >> "$log"
"$replay" "$log" > "$scratch/replayed" 2>&1
check "look-back: five 60 KiB unparseable lines before a torn tail are set aside" grep -q '^events 2 notes 2 timeline 2 warnings 6' "$scratch/replayed"
"$appender" "$log" 1 after > /dev/null
check "look-back: the next append succeeds" test $? -eq 0
"$replay" "$log" > "$scratch/replayed" 2>&1
check "look-back: the log is still readable after it" grep -q '^events 4 notes 3 timeline 3' "$scratch/replayed"
# more unparseable lines than any torn region holds: damage, for the reader and the writer alike
log=$scratch/toolong.jsonl
"$appender" "$log" 1 l > /dev/null
for i in 1 2 3 4 5 6 7 8 9 10; do echo "garbage line $i" >> "$log"; done
printf '{"v":1,"id":"cut' >> "$log"
before=$(md5sum < "$log")
"$replay" "$log" > "$scratch/replayed" 2>&1
check "too many unparseable lines: replay calls it damage, naming line 2" grep -q 'toolong.jsonl:2: damaged record' "$scratch/replayed"
"$appender" "$log" 1 after > "$scratch/out" 2>&1
check "too many unparseable lines: the append refuses too" test $? -ne 0
check "too many unparseable lines: nothing written" test "$(md5sum < "$log")" = "$before"
# the same through the real binary: show, then log, then show again
export WARROOM_DIR="$scratch/lookback-cli"
inc=$(wr open --sev 3 --title "Look-back")
export WARROOM_INCIDENT="$inc"
log=$WARROOM_DIR/$inc/events.jsonl
for i in 1 2 3 4 5; do head -c 61440 /dev/zero | tr '\0' 'y' >> "$log"; echo >> "$log"; done
printf '{"v":1,"id":"cut' >> "$log"
wr show > /dev/null 2> "$scratch/err"
check "look-back (warroom): show works, with warnings" sh -c "test \$(grep -c 'a torn record\|the last record is torn' '$scratch/err') -eq 6"
wr log "after the torn region"
check "look-back (warroom): the next log succeeds" test $? -eq 0
wr show --json > "$scratch/out" 2> /dev/null
check "look-back (warroom): the incident stays readable" test "$(jq -r '.timeline[-1].text' "$scratch/out")" = "after the torn region"
unset WARROOM_INCIDENT

# a write that fails while it closes a torn tail: the torn line, the torn
# record closing it and the cut record are all set aside, now or at the retry
for eio in "" 1; do
    export WARROOM_DIR="$scratch/closing$eio"
    inc=$(wr open --sev 3 --title "Failing while closing")
    export WARROOM_INCIDENT="$inc"
    printf '{"v":1,"id":"died-here' >> "$WARROOM_DIR/$inc/events.jsonl"
    LOGFAULT_WRITE=1 LOGFAULT_UNWRITTEN=40 LOGFAULT_EIO=${eio:--1} faulty log "cut short" 2> "$scratch/err"
    check "closing a torn tail${eio:+, disk back}: the failed log says not saved" grep -q 'was not saved' "$scratch/err"
    wr log "cut short" 2> /dev/null
    check "closing a torn tail${eio:+, disk back}: the retry succeeds" test $? -eq 0
    wr show --json > "$scratch/out" 2> /dev/null
    check "closing a torn tail${eio:+, disk back}: the log replays" test $? -eq 0
    check "closing a torn tail${eio:+, disk back}: one copy" test "$(jq '[.timeline[] | select(.text == "cut short")] | length' "$scratch/out")" -eq 1
    check "closing a torn tail${eio:+, disk back}: every line set aside is reported" test "$(jq '.warnings | length' "$scratch/out")" -ge 2
    unset WARROOM_INCIDENT
done
