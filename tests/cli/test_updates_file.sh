# updates.md, the file sink's local record: flushing a backlog of updates
# reads the file once, not once per update written (build/shim/readcount.so
# counts the read calls), and writes byte for byte what delivering the same
# updates one process at a time writes (each of those reads the file afresh).
. "$(dirname "$0")/../lib.sh" 2>/dev/null || . "$WARROOM_SOURCE_DIR/tests/lib.sh"
export WARROOM_NOW=2030-01-01T00:00:00Z
shim=$WARROOM_SOURCE_DIR/build/shim/readcount.so
# ASan wants to be first in the library list; the shim only wraps read
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
n=60
id=inc-20250101-backlog
"$WARROOM_TOOLS/genlog" "$scratch/pending" $((n + 1)) pending
mkdir -p "$WARROOM_DIR/$id" "$scratch/one/$id"
chmod 700 "$WARROOM_DIR" "$WARROOM_DIR/$id" "$scratch/one" "$scratch/one/$id"

# all at once, counted
cp "$scratch/pending" "$WARROOM_DIR/$id/events.jsonl"
LD_PRELOAD=$shim WARROOM_SHIM_READS=/updates.md WARROOM_SHIM_READS_OUT=$scratch/reads \
    "$WARROOM" flush --incident "$id" > "$scratch/out" 2>&1
check "flush: every update written" test "$(grep -c '^<!-- warroom update ' "$WARROOM_DIR/$id/updates.md")" -eq $n
reads=$(awk '{ n += $2 } END { print n + 0 }' "$scratch/reads")
check "flush: updates.md read once for $n updates (read calls: $reads)" test "$reads" -le 2
check "flush: nothing left pending" sh -c "'$WARROOM' show --json --incident '$id' | jq -e '[.deliveries[] | select(.state | test(\"sent|delivered\") | not)] | length == 0' >/dev/null"

# one update per process: each reads what the last one wrote
head -n1 "$scratch/pending" > "$scratch/one/$id/events.jsonl"
i=2
while [ $i -le $((n + 1)) ]; do
    sed -n "${i}p" "$scratch/pending" >> "$scratch/one/$id/events.jsonl"
    WARROOM_DIR=$scratch/one "$WARROOM" flush --incident "$id" > /dev/null 2>&1
    i=$((i + 1))
done
check "one at a time: every update written" test "$(grep -c '^<!-- warroom update ' "$scratch/one/$id/updates.md")" -eq $n
check "all at once writes what one at a time writes" cmp -s "$WARROOM_DIR/$id/updates.md" "$scratch/one/$id/updates.md"

# another writer's change between two flushes is read, not overwritten
printf 'a line added by hand\n' >> "$WARROOM_DIR/$id/updates.md"
"$WARROOM_TOOLS/genlog" "$scratch/later" 3 pending
tail -n 2 "$scratch/later" >> "$WARROOM_DIR/$id/events.jsonl"
"$WARROOM" flush --incident "$id" > /dev/null 2>&1
check "a later flush keeps the line added by hand" grep -qx 'a line added by hand' "$WARROOM_DIR/$id/updates.md"
check "  ... and writes the new updates once" test "$(grep -c '^<!-- warroom update ' "$WARROOM_DIR/$id/updates.md")" -eq $((n + 2))
