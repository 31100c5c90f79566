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
