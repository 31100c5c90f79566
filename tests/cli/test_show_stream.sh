# show --json streams the timeline from the log (showstream.h) in bounded
# memory: byte for byte (and warning for warning, status for status) what the
# whole replay in memory gives (WARROOM_SHOW_IN_MEMORY=1), for every
# generator's log at 10,000 events with the checkpoint there, deleted,
# truncated, corrupted or older than the log, and for logs with back-dated
# stamps, stamps ahead of the clock, repeated ids, edits that move entries or
# come before their target, ties broken by host and by order appended, a torn
# last line, a torn region retired, and damage.
. "$(dirname "$0")/../lib.sh" 2>/dev/null || . "$WARROOM_SOURCE_DIR/tests/lib.sh"
export WARROOM_NOW=2030-01-01T00:00:00Z
genlog=$WARROOM_TOOLS/genlog
id=inc-20250101-stream
dir=$WARROOM_DIR/$id
log=$dir/events.jsonl
export WARROOM_INCIDENT=$id
mkdir -p "$dir"
chmod 700 "$WARROOM_DIR" "$dir"

# same WHAT: the streamed show --json is the one in memory, output, warnings
# and exit status
same() {
    WARROOM_SHOW_IN_MEMORY=1 "$WARROOM" show --json > "$scratch/ref.json" 2> "$scratch/ref.err"
    echo "status $?" >> "$scratch/ref.err"
    "$WARROOM" show --json > "$scratch/out.json" 2> "$scratch/out.err"
    echo "status $?" >> "$scratch/out.err"
    check "$1: the same output" cmp -s "$scratch/ref.json" "$scratch/out.json"
    check "$1: the same warnings and status" cmp -s "$scratch/ref.err" "$scratch/out.err"
}
# rec ID TS [AT] TYPE FIELDS: one record as warroom writes it
rec() {
    printf '{"v":1,"id":"%s","ts":"%s",%s"by":"carol","type":"%s"%s}\n' "$1" "$2" "$3" "$4" "$5"
}

for kind in classic notes mix edits actions pending; do
    rm -f "$dir"/*
    "$genlog" "$log" 10000 "$kind"
    chmod 600 "$log"
    same "$kind, no checkpoint"
    "$WARROOM" show > /dev/null 2>&1          # writes the checkpoint
    check "$kind: a checkpoint was written" test -f "$dir/checkpoint"
    same "$kind, a checkpoint"
    cp "$dir/checkpoint" "$scratch/old"
    size=$(stat -c %s "$dir/checkpoint")
    head -c $((size / 2)) "$scratch/old" > "$dir/checkpoint"
    same "$kind, a truncated checkpoint"
    cp "$scratch/old" "$dir/checkpoint"
    printf 'garbage' | dd of="$dir/checkpoint" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
    same "$kind, a corrupted checkpoint"
    cp "$scratch/old" "$dir/checkpoint"
    # older than the log: more records, one back-dated entry moved by an edit
    "$genlog" "$scratch/more" 301 "$kind"
    tail -n +2 "$scratch/more" >> "$log"
    "$WARROOM" --as erin log "after the checkpoint" > /dev/null 2>&1
    target=$(jq -r '.timeline[3].id' "$scratch/out.json")
    "$WARROOM" --as erin edit "$target" --time 2020-01-01T00:00:00Z --text "moved" > /dev/null 2>&1
    later=$(jq -r '.timeline[20].id' "$scratch/out.json")
    "$WARROOM" --as erin edit "$later" --time 2031-01-01T00:00:00Z > /dev/null 2>&1
    same "$kind, a checkpoint older than the log"
    rm -f "$dir/checkpoint"
    same "$kind, the checkpoint deleted"
done

# a crafted log: every order replay knows
rm -f "$dir"/*
{
    rec d1 2029-12-31T10:00:00.000Z '' declare ',"title":"Crafted","sev":2'
    rec n1 2029-12-31T10:01:00.000Z '' note ',"text":"first note"'
    rec e0 2029-12-31T10:01:30.000Z '' edit ',"target":"n9","set":{"text":"edited before it was written"}'
    rec n2 2029-12-31T10:02:00.000Z '"at":"2029-12-31T09:00:00.000Z",' note ',"text":"back-dated an hour"'
    rec n3 2029-12-31T10:03:00.000Z '' note ',"text":"same time, host b","host":"b"'
    rec n4 2029-12-31T10:03:00.000Z '' note ',"text":"same time, host a","host":"a"'
    rec n5 2029-12-31T10:03:00.000Z '' note ',"text":"same time, no host"'
    rec n6 2029-12-31T10:03:00.000Z '' note ',"text":"same time, no host, appended later"'
    rec n7 2031-06-01T00:00:00.000Z '' note ',"text":"a clock far ahead"'
    rec n8 2029-12-31T10:04:00.000Z '' note ',"text":"after the one ahead"'
    rec n1 2029-12-31T10:05:00.000Z '' note ',"text":"a repeated id: not shown"'
    rec d1 2029-12-31T10:05:30.000Z '' ack ''
    rec u1 2029-12-31T10:06:00.000Z '' update ',"state":"identified","text":"found it"'
    rec n9 2029-12-31T10:07:00.000Z '' note ',"text":"edited by a record before it"'
    rec e1 2029-12-31T10:08:00.000Z '' edit ',"target":"n8","set":{"at":"2029-12-31T09:30:00.000Z"}'
    rec e2 2029-12-31T10:09:00.000Z '' edit ',"target":"u1","set":{"text":"found it, edited"}'
    rec e3 2029-12-31T10:10:00.000Z '' edit ',"target":"n1","set":{"text":"first, edited","at":"2029-12-31T11:00:00.000Z"}'
    rec e4 2029-12-31T10:11:00.000Z '' edit ',"target":"n1","set":{"text":"first, edited twice"}'
    rec e5 2029-12-31T10:12:00.000Z '' edit ',"target":"nobody","set":{"text":"no such entry"}'
    rec n10 2029-12-31T10:13:00.000Z '"at":"2029-12-31T10:02:30.000Z",' note ',"text":"back-dated a little","host":"a"'
    rec a1 2029-12-31T10:14:00.000Z '"at":"2029-12-31T09:10:00.000Z",' action ',"item":"A1","text":"back-dated action","owner":"dave"'
    rec n11 2029-12-31T10:15:00.000Z '' note ',"text":"unicode \u00e9\u4e2d and \"quotes\""'
    rec n12 2029-12-31T10:16:00.000Z '' note ',"text":"a field of its own","extra":42,"flag":true'
    # longer than the first read of a record read back (a note an edit names)
    rec n13 2029-12-31T10:17:00.000Z '' note ",\"text\":\"long $(printf '%06000d' 0) end\""
    rec e6 2029-12-31T10:18:00.000Z '' edit ',"target":"n13","set":{"at":"2029-12-31T10:16:30.000Z"}'
} > "$log"
chmod 600 "$log"
same "crafted"
check "crafted: a long note read back whole" \
    test "$(jq -r '.timeline[] | select(.id == "n13") | .text | length' "$scratch/out.json")" = 6009
cp "$log" "$scratch/crafted"
printf '{"v":1,"id":"torn","ts":"2029-12-31T10:2' >> "$log"
same "crafted, a torn last line"
"$WARROOM" --as erin log "after the torn line" > /dev/null 2>&1
same "crafted, the torn region retired by the next append"
cp "$scratch/crafted" "$log"
{ head -n 5 "$scratch/crafted"; echo 'not a record'; tail -n +6 "$scratch/crafted"; } > "$log"
same "crafted, damage in the middle"
expect_status 1 "damage: show --json fails" "$WARROOM" show --json
# a write that fails is said, in both ways of showing
cp "$scratch/crafted" "$log"
for how in stream memory; do
    [ $how = memory ] && export WARROOM_SHOW_IN_MEMORY=1
    "$WARROOM" show --json > /dev/full 2> "$scratch/full.err"
    check "a full disk, $how: show --json fails" test $? = 1
    check "a full disk, $how: it says why" grep -q "cannot write the output: No space left on device" "$scratch/full.err"
    unset WARROOM_SHOW_IN_MEMORY
done
: > "$log"
same "an empty log"

# notes out of place by more than the heap that orders the stream holds: kept
# aside by key, in an order of their own, and ahead of the clock
rm -f "$dir"/*
"$genlog" "$log" 3000 notes
chmod 600 "$log"
{
    rec far1 2029-12-31T23:00:00.000Z '"at":"2020-01-03T00:00:00.000Z",' note ',"text":"back-dated to the 3rd"'
    rec far2 2029-12-31T23:00:01.000Z '"at":"2020-01-01T00:00:00.000Z",' note ',"text":"back-dated to the 1st"'
    rec far3 2029-12-31T23:00:02.000Z '"at":"2020-01-02T00:00:00.000Z",' note ',"text":"back-dated to the 2nd","host":"b"'
    rec far4 2029-12-31T23:00:02.000Z '"at":"2020-01-02T00:00:00.000Z",' note ',"text":"back-dated to the 2nd, host a","host":"a"'
    rec ahead1 2031-01-01T00:00:00.000Z '' note ',"text":"a year ahead"'
    rec ahead2 2030-06-01T00:00:00.000Z '' note ',"text":"half a year ahead"'
} >> "$log"
"$genlog" "$scratch/more" 2001 notes
tail -n +2 "$scratch/more" >> "$log"
same "notes far out of place"
check "notes far out of place: in order" test "$(jq -r '[.timeline[:4][].id] | join(" ")' "$scratch/out.json")" = "far2 far4 far3 far1"

# the stream keeps no record per event: at 100,000 notes its peak stays far
# under the replay's (counted by the kernel, not timed)
rm -f "$dir"/*
"$genlog" "$log" 100000 notes
chmod 600 "$log"
same "notes, 100,000"
# (the sanitizer build's shadow memory and quarantine say nothing of this)
case $WARROOM in
*/san/*) ;;
*)
    peak() { /usr/bin/time -f '%M' -o "$scratch/kib" "$@" > /dev/null 2>&1; cat "$scratch/kib"; }
    whole=$(WARROOM_SHOW_IN_MEMORY=1 peak "$WARROOM" show --json)
    streamed=$(peak "$WARROOM" show --json)
    check "100,000 notes: the stream's peak ($streamed KiB) is under half the replay's ($whole KiB)" \
        test $((streamed * 2)) -lt "$whole"
    ;;
esac
