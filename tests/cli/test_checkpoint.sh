# The checkpoint beside each log (the records already read) is a cache: for
# every generator's log at 10,000 events, show and show --json give byte for
# byte what a fresh replay gives when the checkpoint is there, older than the
# log, deleted, truncated, corrupted, garbage, a symlink, or describing a log
# that was replaced in place; and loading from a checkpoint, then following
# what was appended, gives exactly the state a fresh replay of the whole log
# gives (build/tools/statedump). WARROOM_STATS says whether it was used.
. "$(dirname "$0")/../lib.sh" 2>/dev/null || . "$WARROOM_SOURCE_DIR/tests/lib.sh"
export WARROOM_NOW=2030-01-01T00:00:00Z
genlog=$WARROOM_TOOLS/genlog
statedump=$WARROOM_TOOLS/statedump
id=inc-20250101-ckpt
dir=$WARROOM_DIR/$id
log=$dir/events.jsonl
ck=$dir/checkpoint
stats=$scratch/stats
export WARROOM_INCIDENT=$id
mkdir -p "$dir"
chmod 700 "$WARROOM_DIR" "$dir"

# show NAME: show and show --json (and what they warn) into $scratch/NAME.*;
# RESTORED and WRITTEN: the checkpoints the first of them (show) used and
# wrote; the second reads what the first left
show() {
    rm -f "$stats"
    WARROOM_STATS=$stats "$WARROOM" show > "$scratch/$1.txt" 2> "$scratch/$1.err"
    RESTORED=$(awk '$1 == "checkpoints" { print $3 }' "$stats")
    WRITTEN=$(awk '$1 == "checkpoints" { print $5 }' "$stats")
    WARROOM_STATS=$stats "$WARROOM" show --json > "$scratch/$1.json" 2>> "$scratch/$1.err"
}
# fresh: the reference, a replay with no checkpoint (the one it writes is removed)
fresh() {
    mv "$ck" "$scratch/kept" 2>/dev/null
    rm -f "$stats"
    WARROOM_STATS=$stats "$WARROOM" show > "$scratch/ref.txt" 2> "$scratch/ref.err"
    rm -f "$ck"
    WARROOM_STATS=$stats "$WARROOM" show --json > "$scratch/ref.json" 2>> "$scratch/ref.err"
    rm -f "$ck"
    mv "$scratch/kept" "$ck" 2>/dev/null
    grep -q '^checkpoints restored 0' "$stats" || not_ok "fresh: a checkpoint was used"
}
# same NAME WHAT: NAME's output is the reference's, byte for byte
same() {
    check "$2: show as a fresh replay" cmp -s "$scratch/ref.txt" "$scratch/$1.txt"
    check "$2: show --json as a fresh replay" cmp -s "$scratch/ref.json" "$scratch/$1.json"
    check "$2: the same warnings" cmp -s "$scratch/ref.err" "$scratch/$1.err"
}
# more N KIND: N records of KIND after a declaration, without it, to append
more() {
    "$genlog" "$scratch/more.full" "$(($1 + 1))" "$2"
    tail -n +2 "$scratch/more.full" > "$scratch/more"
}
# poke OFFSET: one byte of the checkpoint changed
poke() {
    byte=$(od -An -tu1 -j "$1" -N1 "$ck" | tr -d ' ')
    printf "\\$(printf %03o $(((byte + 1) % 256)))" | dd of="$ck" bs=1 seek="$1" conv=notrunc 2>/dev/null
}

for kind in classic notes mix edits actions pending; do
    rm -f "$dir"/*
    "$genlog" "$log" 10000 "$kind"
    chmod 600 "$log"
    fresh
    show first
    same first "$kind, first load"
    check "$kind: the first load wrote a checkpoint" test "$RESTORED" = 0 -a "$WRITTEN" = 1 -a -f "$ck"
    check "$kind: the checkpoint is 0600" test "$(stat -c %a "$ck")" = 600
    show second
    same second "$kind, from the checkpoint"
    check "$kind: the second load restored it" test "$RESTORED" = 1 -a "$WRITTEN" = 0
    cp "$ck" "$scratch/old"

    # older than the log: records appended after it, some of them back-dated
    # into what it covers, a note, and an edit moving an early entry
    more 300 "$kind"
    cat "$scratch/more" >> "$log"
    "$WARROOM" --as erin log "after the checkpoint" > /dev/null 2>&1
    target=$(jq -r '.timeline[3].id' "$scratch/ref.json")
    "$WARROOM" --as erin edit "$target" --time 2020-01-01T00:00:00Z --text "moved" > /dev/null 2>&1
    fresh
    cp "$scratch/old" "$ck"
    show older
    same older "$kind, a checkpoint older than the log"
    check "$kind: the older checkpoint was used" test "$RESTORED" = 1

    size=$(stat -c %s "$ck")
    cp "$scratch/old" "$ck"; head -c $((size / 2)) "$scratch/old" > "$ck"
    show truncated
    same truncated "$kind, a truncated checkpoint"
    check "$kind: a truncated checkpoint is not used" test "$RESTORED" = 0
    cp "$scratch/old" "$ck"; head -c 40 "$scratch/old" > "$ck"
    show header
    same header "$kind, a checkpoint cut in its header"
    check "$kind: a cut checkpoint is not used" test "$RESTORED" = 0
    cp "$scratch/old" "$ck"; poke $((size / 2))
    show corrupt
    same corrupt "$kind, a byte changed in the records"
    check "$kind: a changed one is not used" test "$RESTORED" = 0
    cp "$scratch/old" "$ck"; poke $((size - 6))
    show trailer
    same trailer "$kind, a byte changed in the trailer's hash"
    check "$kind: nor one whose hash does not match" test "$RESTORED" = 0
    cp "$scratch/old" "$ck"; poke 19
    show version
    same version "$kind, another format version"
    check "$kind: nor one of another version" test "$RESTORED" = 0
    head -c 5000 /dev/urandom > "$ck"
    show garbage
    same garbage "$kind, garbage"
    check "$kind: nor garbage" test "$RESTORED" = 0 -a "$WRITTEN" = 1
    rm -f "$ck"
    show deleted
    same deleted "$kind, deleted"

    # a symlink standing where the checkpoint goes is neither read nor followed
    cp "$ck" "$scratch/target"
    cp "$scratch/target" "$scratch/target.was"
    rm -f "$ck"
    ln -s "$scratch/target" "$ck"
    show link
    same link "$kind, a symlink"
    check "$kind: a symlinked checkpoint is not read" test "$RESTORED" = 0
    check "$kind: its target is untouched" cmp -s "$scratch/target" "$scratch/target.was"
    check "$kind: and a checkpoint replaced the link" test -f "$ck" -a ! -L "$ck"

    # following: a load from the checkpoint, then what another writer
    # appends, gives the state a fresh replay of the whole log gives
    "$WARROOM" show > /dev/null 2>&1
    more 200 "$kind"
    cp "$log" "$scratch/log.before"
    expect_status 0 "$kind: follow from the checkpoint" "$statedump" "$log" "$scratch/more"
    cp "$scratch/out" "$scratch/followed"
    rm -f "$ck"
    expect_status 0 "$kind: fresh replay" "$statedump" "$log"
    rm -f "$ck"
    check "$kind: following from a checkpoint is a fresh replay" cmp -s "$scratch/followed" "$scratch/out"
done

# a log replaced in place (same file, other bytes, larger): its checkpoint no
# longer describes it
rm -f "$dir"/*
"$genlog" "$log" 10000 mix
chmod 600 "$log"
"$WARROOM" show > /dev/null 2>&1
check "replaced: a checkpoint" test -f "$ck"
"$genlog" "$scratch/other" 12000 mix
cat "$scratch/other" > "$log"
fresh
show replaced
same replaced "a log replaced in place"
check "replaced: its old checkpoint is not used" test "$RESTORED" = 0

# a header claiming more records than the file can hold (its own hash is
# only checked at the end): nothing is sized for them, the checkpoint is not
# used. Under a 4 GiB address-space limit a build that believed the count
# would die allocating for four billion records (not under ASan, whose
# shadow memory needs more address space than that limit allows).
"$WARROOM" show > /dev/null 2>&1
printf '\377\377\377\377' | dd of="$ck" bs=1 seek=31 conv=notrunc 2>/dev/null
printf '\360\377\377\377\000\000\000\000' | dd of="$ck" bs=1 seek=75 conv=notrunc 2>/dev/null
fresh
case $WARROOM in
*/san/*) show inflated; echo "$RESTORED" > "$scratch/restored" ;;
*) (ulimit -v 4194304; show inflated; echo "$RESTORED" > "$scratch/restored") ;;
esac
RESTORED=$(cat "$scratch/restored")
same inflated "a checkpoint claiming four billion records"
check "inflated: it is not used" test "$RESTORED" = 0

# a torn last line after the checkpoint: set aside, said so, as without one
"$WARROOM" show > /dev/null 2>&1
printf '{"v":1,"id":"torn' >> "$log"
fresh
show torn
same torn "a torn line after the checkpoint"
check "torn: the checkpoint was used" test "$RESTORED" -ge 1
check "torn: and the tear reported" grep -q 'torn' "$scratch/torn.err"


# a checkpoint an older warroom wrote (format version 1, its strings after
# each record): not misread as this version's, but rebuilt, with the output
# a fresh replay gives; the next load restores the one rebuilt
for kind in mix edits; do
    rm -f "$dir"/*
    "$genlog" "$log" 10000 "$kind"
    chmod 600 "$log"
    fresh
    expect_status 0 "$kind: a version 1 checkpoint" "$WARROOM_TOOLS/checkpoint_v1" "$log" "$ck"
    check "$kind: it says version 1" test "$(od -An -tu4 -j 19 -N4 "$ck" | tr -d ' ')" = 1
    show old_version
    same old_version "$kind, a version 1 checkpoint"
    check "$kind: the version 1 checkpoint is not restored" test "$RESTORED" = 0
    check "$kind: but rebuilt" test "$WRITTEN" = 1 -a "$(od -An -tu4 -j 19 -N4 "$ck" | tr -d ' ')" != 1
    show rebuilt
    same rebuilt "$kind, the rebuilt checkpoint"
    check "$kind: the rebuilt one is restored" test "$RESTORED" = 1
done
