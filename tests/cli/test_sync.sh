# One incident, many machines, through a bare repository on disk: hosts are
# data directories of their own (own host ids, own clocks), each publishing
# its own events to refs/warroom/<incident>/<host> and appending the others'.
src=${WARROOM_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$src/tests/lib.sh"
. "$src/tests/sync_lib.sh"

remote="$scratch/remote.git"
git init -q --bare "$remote"
for h in a b c; do host_config "$h" "$remote"; done

# ---- two hosts: declare on a, join on b, notes both ways ----
id=$(on a open --sev 2 --title "checkout down") || not_ok "open on a"
check "declaring pushed a's ref" git -C "$remote" rev-parse -q --verify --no-revs "refs/warroom/$id/$(host_of a)"
on b list > "$scratch/list" 2>&1
check "list on b marks the incident declared on another host" grep -q "declared on another host: warroom join $id" "$scratch/list"
on b list --json > "$scratch/list.json" 2>/dev/null
check "list --json says remote" test "$(jq -r --arg id "$id" '.[] | select(.id == $id) | .remote' "$scratch/list.json")" = true
expect_status 0 "join on b" on b join "$id"
check "join created the incident here" test -s "$(data_of b)/$id/events.jsonl"
on a log "from a" >/dev/null 2>&1
on b log "from b" >/dev/null 2>&1
expect_status 0 "sync on a" on a sync
check "a has b's note" test "$(timeline_texts a "$id" | grep -c 'from b')" = 1
on b sync >/dev/null 2>&1
check "b has a's note" test "$(timeline_texts b "$id" | grep -c 'from a')" = 1
check "a and b show the same incident" same_show "$id" a b
check "the b note keeps b's host" test "$(jq -r 'select(.text == "from b") | .host' "$(data_of a)/$id/events.jsonl")" = "$(host_of b)"
check "and its original stamp" test "$(jq -r 'select(.text == "from b") | .ts' "$(data_of a)/$id/events.jsonl")" = \
    "$(jq -r 'select(.text == "from b") | .ts' "$(data_of b)/$id/events.jsonl")"
on a sync >/dev/null 2>&1; on a sync >/dev/null 2>&1
check "rounds are idempotent: every event once" no_doubles a "$id"
check "the remote is clean (git fsck --strict)" git -C "$remote" fsck --strict --no-progress
check "one commit per round, not per event" test "$(git -C "$remote" rev-list --count "refs/warroom/$id/$(host_of a)")" -le 4

# ---- the outbox: each host delivers only what it recorded ----
on a update investigating "looking into it" >/dev/null 2>&1
on b sync >/dev/null 2>&1
cat > "$scratch/sinks-b.json" <<EOF
{"sync": {"url": "$remote"}, "sinks": {"webhook": {"url": "http://127.0.0.1:9/hook"}}}
EOF
WARROOM_CONFIG="$scratch/sinks-b.json" WARROOM_DIR="$(data_of b)" "$WARROOM" show --json --incident "$id" \
    > "$scratch/b.json" 2>/dev/null
upd=$(jq -r 'select(.type == "update") | .id' "$(data_of a)/$id/events.jsonl")
check "b never queues a's update for its own sinks" \
    test "$(jq --arg u "$upd" '[.deliveries[] | select(.event == $u)] | length' "$scratch/b.json")" = 0
on b update identified "found it" >/dev/null 2>&1
WARROOM_CONFIG="$scratch/sinks-b.json" WARROOM_DIR="$(data_of b)" "$WARROOM" show --json --incident "$id" \
    > "$scratch/b.json" 2>/dev/null
upd_b=$(jq -r 'select(.text == "found it") | .id' "$(data_of b)/$id/events.jsonl")
check "but queues its own" \
    test "$(jq --arg u "$upd_b" '[.deliveries[] | select(.event == $u)] | length' "$scratch/b.json")" -ge 1

# ---- offline for 100 events, then back: nothing lost, nothing doubled ----
mv "$remote" "$remote.away"
i=0; while [ $i -lt 100 ]; do on b log "offline $i" 2>/dev/null >&2; i=$((i + 1)); done
i=0; while [ $i -lt 100 ]; do on a log "online $i" 2>/dev/null >&2; i=$((i + 1)); done
on b log "one more" > /dev/null 2> "$scratch/err"
check "recording offline says what stays unpushed" grep -q "offline.*events to push" "$scratch/err"
check "and the event is recorded" test "$(timeline_texts b "$id" | grep -c 'one more')" = 1
expect_status 1 "sync offline fails, saying so" on b sync
check "naming what waits" grep -q "101 events to push\|events to push" "$scratch/err"
mv "$remote.away" "$remote"
on b sync >/dev/null 2>&1; on a sync >/dev/null 2>&1; on b sync >/dev/null 2>&1
check "after the outage a has b's 101 offline events" test "$(timeline_texts a "$id" | grep -c 'offline [0-9]*$\|one more')" = 101
check "and b has a's 100" test "$(timeline_texts b "$id" | grep -c 'online [0-9]*$')" = 100
check "both show the same incident" same_show "$id" a b
check "nothing doubled on a" no_doubles a "$id"
check "nothing doubled on b" no_doubles b "$id"

# ---- a clock 3 h ahead: the others' entries keep their true times ----
before=$(timeline_at a "$id" "from b")
expect_status 0 "c joins" on c join "$id"
WARROOM_NOW="$(date -u -d '+3 hours' +%Y-%m-%dT%H:%M:%SZ)+" on c log "from the future" >/dev/null 2>&1
on a sync >/dev/null 2>&1
check "c's entry arrived" test "$(timeline_texts a "$id" | grep -c 'from the future')" = 1
check "b's entry keeps its time on a" test "$(timeline_at a "$id" "from b")" = "$before"
flagged_ahead() { jq -e '.warnings | map(select(test("ahead"))) | length > 0' "$scratch/show-a.json" >/dev/null; }
check "c's entry is flagged as ahead of the clock" flagged_ahead

# ---- refused: forged host, rewritten history, a huge blob, a damaged commit ----
forger=00000000000000f1
forge_ref "$remote" "$id" "$forger" "$(record_claiming 0000000000000bad "forged")"
on b log "still syncing 1" >/dev/null 2>&1
on a sync > /dev/null 2> "$scratch/err"
check "a forged event is refused, naming the ref" grep -q "refs/warroom/$id/$forger: record .* claims host 0000000000000bad" "$scratch/err"
check "it is not in the log" test "$(timeline_texts a "$id" | grep -c forged)" = 0
check "the other hosts keep syncing" test "$(timeline_texts a "$id" | grep -c 'still syncing 1')" = 1

rewriter=00000000000000f2
forge_ref "$remote" "$id" "$rewriter" "$(record_claiming $rewriter "first version")"
on a sync >/dev/null 2>&1
check "a well-formed ref from another host is read" test "$(timeline_texts a "$id" | grep -c 'first version')" = 1
forge_ref "$remote" "$id" "$rewriter" "$(record_claiming $rewriter "rewritten")" fresh
on b log "still syncing 2" >/dev/null 2>&1
on a sync > /dev/null 2> "$scratch/err"
check "a rewritten (non-fast-forward) ref is refused" grep -q "refs/warroom/$id/$rewriter: .*history was rewritten" "$scratch/err"
check "its new content is not read" test "$(timeline_texts a "$id" | grep -c rewritten)" = 0
check "the other hosts keep syncing" test "$(timeline_texts a "$id" | grep -c 'still syncing 2')" = 1

huge=00000000000000f3
huge_ref "$remote" "$id" "$huge"
on b log "still syncing 3" >/dev/null 2>&1
on a sync > /dev/null 2> "$scratch/err"
check "a 100 MB blob is refused unread" grep -q "refs/warroom/$id/$huge: a batch of 100 MiB.*refused unread" "$scratch/err"
check "the other hosts keep syncing" test "$(timeline_texts a "$id" | grep -c 'still syncing 3')" = 1

damaged=00000000000000f4
damaged_ref "$remote" "$id" "$damaged"
on b log "still syncing 4" >/dev/null 2>&1
on a sync > /dev/null 2> "$scratch/err"
check "a damaged commit is refused" grep -q "$damaged.*\(damaged\|cannot be fetched\)" "$scratch/err"
check "the other hosts keep syncing" test "$(timeline_texts a "$id" | grep -c 'still syncing 4')" = 1
for r in $rewriter $huge $forger; do git -C "$remote" update-ref -d "refs/warroom/$id/$r"; done
rm -f "$remote/refs/warroom/$id/$damaged" "$damaged_object"

# ---- two data directories with one host id: reported, never forced ----
cp -r "$(data_of b)" "$scratch/h-copy"
host_config copy "$remote"
on copy log "from the copy" >/dev/null 2>&1
on b log "from b again" > /dev/null 2> "$scratch/err"
check "a rejected push of our own ref is reported" grep -q "another machine publishes as host $(host_of b)" "$scratch/err"
check "and never forced" test "$(git -C "$remote" rev-parse "refs/warroom/$id/$(host_of b)")" = \
    "$(git -C "$(data_of copy)/sync.git" rev-parse "refs/warroom/$id/$(host_of b)")"
rm -rf "$scratch/h-copy"

# ---- the archive: list --remote --all from the refs alone ----
on a resolve "fixed" >/dev/null 2>&1
on a sync >/dev/null 2>&1
platform="$scratch/platform"
git init -q "$platform"
git -C "$platform" commit -q --allow-empty -m init
on a postmortem --repo "$platform" --commit >/dev/null 2>"$scratch/err"
git -C "$platform" log -1 --format=%B > "$scratch/msg"
check "the postmortem's commit names a's ref of the timeline" grep -qx "Timeline: refs/warroom/$id/$(host_of a)" "$scratch/msg"
check "and b's" grep -qx "Timeline: refs/warroom/$id/$(host_of b)" "$scratch/msg"
check "it still commits exactly one file" test "$(git -C "$platform" show --name-only --format= HEAD | wc -l)" = 1
host_config z "$remote"
on z list --remote --all > "$scratch/out" 2>&1
check "a new host lists the resolved incident from the refs alone" grep -q "^$id .*resolved.*checkout down" "$scratch/out"
on z list --remote > "$scratch/out" 2>&1
check "without --all, past incidents are left out" test "$(grep -c "^$id" "$scratch/out")" = 0
check "the remote is clean at the end (git fsck --strict)" git -C "$remote" fsck --strict --no-progress
