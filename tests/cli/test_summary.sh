# The incident summaries (summary beside each log) are a cache: picking
# the open incident through them gives what replaying every log gives, byte
# for byte, whether the cache is there, missing, truncated, corrupted,
# lying in a well-formed summary, older than its log or a symlink; and `log` on an
# incident whose summary holds replays nothing (WARROOM_STATS counts).
. "$(dirname "$0")/../lib.sh" 2>/dev/null || . "$WARROOM_SOURCE_DIR/tests/lib.sh"
export WARROOM_NOW=2025-03-15T15:00:00Z
genlog=$WARROOM_TOOLS/genlog
stats=$scratch/stats

# replays: the loads WARROOM_STATS recorded for the last command
loads() { tail -n1 "$stats" | awk '{ print $2 }'; }
counted() { rm -f "$stats"; WARROOM_STATS=$stats "$@"; }
no_cache() { rm -f "$WARROOM_DIR"/*/summary; }
# same NAME: show --json now is the reference, byte for byte
same() {
    "$WARROOM" show --json > "$scratch/got.json" 2> "$scratch/got.err"
    check "$1" cmp -s "$scratch/ref.json" "$scratch/got.json"
    check "$1: the same warnings" cmp -s "$scratch/ref.err" "$scratch/got.err"
    "$WARROOM" list --json > "$scratch/got.list" 2>&1
    "$WARROOM" list >> "$scratch/got.list" 2>&1
    check "$1: list and list --json the same" cmp -s "$scratch/ref.list" "$scratch/got.list"
}
# list_is_show NAME: each incident as list --json gives it (from its summary)
# is what show --json (a full replay) says of it
list_is_show() {
    "$WARROOM" list --json > "$scratch/l.json"
    for inc in $(jq -r '.[].id' "$scratch/l.json"); do
        jq -S -c --arg id "$inc" '.[] | select(.id == $id)' "$scratch/l.json" > "$scratch/l.one"
        WARROOM_INCIDENT=$inc "$WARROOM" show --json 2>/dev/null | jq -S -c '{id, title, sev, sev_name, status, impact,
            data_exposed, declared_by, declared_at, impact_at, detected_at, acked_at, mitigated_at, resolved_at,
            elapsed_s}' > "$scratch/s.one"
        check "$1: list shows $inc as show does" cmp -s "$scratch/l.one" "$scratch/s.one"
    done
}
reference() {
    no_cache
    "$WARROOM" show --json > "$scratch/ref.json" 2> "$scratch/ref.err"
    check "$1: the reference is an incident" grep -q '"id":' "$scratch/ref.json"
    no_cache
    "$WARROOM" list --json > "$scratch/ref.list" 2>&1
    no_cache
    "$WARROOM" list >> "$scratch/ref.list" 2>&1
}

for kind in classic notes mix edits actions pending; do
    export WARROOM_DIR=$scratch/data-$kind
    mkdir -p "$WARROOM_DIR/inc-20250101-old" "$WARROOM_DIR/inc-20250102-open"
    "$genlog" "$WARROOM_DIR/inc-20250101-old/events.jsonl" 200 mix
    wr --incident inc-20250101-old --at 14:30 ack > /dev/null 2>&1
    wr --incident inc-20250101-old --at 14:40 mitigate > /dev/null 2>&1
    wr --incident inc-20250101-old resolve "over" > /dev/null 2>&1
    "$genlog" "$WARROOM_DIR/inc-20250102-open/events.jsonl" 10000 "$kind"
    chmod 600 "$WARROOM_DIR"/*/events.jsonl
    open=$WARROOM_DIR/inc-20250102-open/summary

    reference "$kind"
    same "$kind: summaries built while picking"
    check "$kind: a summary per incident, 0600" test "$(stat -c %a "$open" 2>/dev/null)" = 600
    counted "$WARROOM" show --json > /dev/null
    check "$kind: with the summaries, show loads only the incident it shows" test "$(loads)" = 1
    same "$kind: summaries in place"
    list_is_show "$kind"

    for f in "$WARROOM_DIR"/*/summary; do head -c 20 "$f" > "$f.x" && mv "$f.x" "$f"; done
    same "$kind: truncated summaries"
    for f in "$WARROOM_DIR"/*/summary; do head -c 300 /dev/urandom > "$f"; done
    same "$kind: summaries of random bytes"
    "$WARROOM" show --json > /dev/null 2>&1            # rebuilt
    sed 's/^open 1$/open 0/; s/^sev [0-9]$/sev 4/' "$open" > "$open.x" && mv "$open.x" "$open"
    sed 's/^open 0$/open 1/' "$WARROOM_DIR/inc-20250101-old/summary" > "$scratch/x" &&
        mv "$scratch/x" "$WARROOM_DIR/inc-20250101-old/summary"
    check "$kind: (the lie is well-formed)" grep -qx 'open 0' "$open"
    same "$kind: summaries changed, still well-formed"
    : > "$open"
    same "$kind: an empty summary"

    # older than the log: the state it describes has moved on
    "$WARROOM" show --json > /dev/null 2>&1
    cp "$open" "$scratch/older"
    wr --incident inc-20250102-open --as bench log "after the summary" > /dev/null
    wr --incident inc-20250102-open --as bench sev 3 > /dev/null
    cp "$scratch/older" "$open"
    touch -d '2020-01-01' "$open"
    reference "$kind, older"
    cp "$scratch/older" "$open"
    same "$kind: a summary older than its log"

    # a symlink is neither read nor written through
    echo "not a summary" > "$scratch/target"
    rm -f "$open" && ln -s "$scratch/target" "$open"
    same "$kind: a summary that is a symlink"
    check "$kind: the symlink's target is untouched" test "$(cat "$scratch/target")" = "not a summary"
    check "$kind: the summary is a file again" test -f "$open" -a ! -L "$open"
done

# list through the summaries: one replay per changed log, none otherwise
export WARROOM_DIR=$scratch/data-notes
"$WARROOM" list > /dev/null
counted "$WARROOM" list --json > /dev/null
check "list: nothing replayed while the summaries hold" test "$(loads)" = 0

# a title and an impact longer than a summary holds: never cached, shown whole
export WARROOM_DIR=$scratch/data-long
mkdir -p "$WARROOM_DIR/inc-20250103-long"
long=$(head -c 3000 /dev/zero | tr '\0' 't')
printf '{"v":1,"id":"l1","ts":"2025-03-15T14:00:00Z","by":"carol","type":"declare","title":"%s","sev":2,"impact":"%s"}\n' \
    "$long" "$long$long" > "$WARROOM_DIR/inc-20250103-long/events.jsonl"
chmod 600 "$WARROOM_DIR/inc-20250103-long/events.jsonl"
reference "long strings"
same "long strings"
check "long strings: not cached (the summary would cut them)" test ! -e "$WARROOM_DIR/inc-20250103-long/summary"
check "long strings: list --json shows the whole title" grep -q "\"$long\"" "$scratch/got.list"

# `log`: nothing replayed while the summary holds, and what it leaves is right
export WARROOM_DIR=$scratch/data-mix
"$WARROOM" show --json > /dev/null 2>&1
counted wr --as dave log "first note"
check "log: picking the open incident through the summaries replays nothing" test "$(loads)" = 0
counted wr --as dave log --type alert "second"
check "log: nor does the next one (the summary moved along)" test "$(loads)" = 0
counted wr --as dave --incident inc-20250102-open log "named"
check "log --incident: nothing replayed" test "$(loads)" = 0
"$WARROOM" show --json > "$scratch/with.json"
no_cache
"$WARROOM" show --json > "$scratch/without.json"
check "log: what the moved summaries pick is what a replay picks" cmp -s "$scratch/with.json" "$scratch/without.json"
check "log: and the three notes are there" test "$(grep -o '"first note"\|"second"\|"named"' "$scratch/with.json" | wc -l)" = 3

# another writer between two appends: the summary does not move along over it
"$WARROOM" show --json > /dev/null 2>&1
wr --as dave log "mine" > /dev/null
printf '{"v":1,"id":"other-writer-1","ts":"2025-03-15T14:59:00Z","by":"erin","type":"resolve"}\n' \
    >> "$WARROOM_DIR/inc-20250102-open/events.jsonl"
expect_status 1 "log: another writer's resolve is seen (no open incident is left)" wr --as dave log "after"
check "  ... and it says so" grep -q 'no open incident' "$scratch/err"
