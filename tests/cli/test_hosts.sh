# Hosts: every data directory is a host with an id of its own, made once,
# kept 0600 and never read through a symbolic link; every event names it.
src=${WARROOM_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$src/tests/lib.sh"

id=$(wr open --sev 2 --title "hosts") || not_ok "open"
wr log "a note" || not_ok "log"
host=$(cat "$WARROOM_DIR/host-id")
check "the host id is 16 hex digits" sh -c "echo '$host' | grep -Eqx '[0-9a-f]{16}'"
check "the host id file is 0600" test "$(stat -c %a "$WARROOM_DIR/host-id")" = 600
log="$WARROOM_DIR/$id/events.jsonl"
check "every event records the host that wrote it" \
    test "$(jq -r .host "$log" | sort -u)" = "$host"
wr log "another" || not_ok "log again"
check "the host id stays the same" test "$(cat "$WARROOM_DIR/host-id")" = "$host"
check "and so does every event's" test "$(jq -r .host "$log" | sort -u)" = "$host"

# a second data directory is a second host
other=$(WARROOM_DIR="$scratch/other" "$WARROOM" open --sev 3 --title "elsewhere")
check "another data directory is another host" \
    test "$(cat "$scratch/other/host-id")" != "$host"
check "its events name it" test "$(jq -r .host "$scratch/other/$other/events.jsonl")" = "$(cat "$scratch/other/host-id")"

# never through a symbolic link
mkdir -p "$scratch/linked"
echo 0123456789abcdef > "$scratch/target-id"
ln -s "$scratch/target-id" "$scratch/linked/host-id"
expect_status 1 "a host id behind a symbolic link is refused" env WARROOM_DIR="$scratch/linked" "$WARROOM" list
check "saying why" grep -q "symbolic link" "$scratch/err"

printf 'not an id\n' > "$scratch/damaged-id"
mkdir -p "$scratch/damaged" && cp "$scratch/damaged-id" "$scratch/damaged/host-id"
expect_status 1 "a damaged host id is refused" env WARROOM_DIR="$scratch/damaged" "$WARROOM" list
check "naming the file" grep -q "damaged/host-id is damaged" "$scratch/err"
