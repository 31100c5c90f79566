# `warroom postmortem`, end to end, on real git repositories made here: a bare
# one, a checked-out branch with the user's own changes, an empty one, pushes
# to a local bare remote (also when another clone pushed first), team
# templates, malformed ones, hostile text, the action-item gate and --edit.
# Every repository is checked with `git fsck --strict` after each case, and the
# rendered Markdown with markdownlint (default rules but line length).
src_root=$(cd "$(dirname "$0")/../.." 2>/dev/null && pwd)
[ -f "$src_root/tools/npm-deps.sh" ] || src_root=${WARROOM_SOURCE_DIR:-}
. "$(dirname "$0")/../lib.sh" 2>/dev/null || . "$WARROOM_SOURCE_DIR/tests/lib.sh"
export WARROOM_NOW=2025-03-15T16:00:00Z
export GIT_CONFIG_NOSYSTEM=1
unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE EDITOR VISUAL
git config --global user.name "Test Author"
git config --global user.email "author@example.test"
git config --global init.defaultBranch main

# markdownlint-cli from npm, installed into build/npm when missing; without it
# the lint cases fail rather than skip
markdownlint="$src_root/build/npm/node_modules/.bin/markdownlint"
check "markdownlint-cli is installed (tools/npm-deps.sh)" sh -c "'$src_root/tools/npm-deps.sh' >'$scratch/npm.log' 2>&1 || { sed 's/^/#   /' '$scratch/npm.log' | tail -5; exit 1; }"
lint() {  # FILE: markdownlint's default rules but MD013 (line length)
    "$markdownlint" --disable MD013 -- "$1" >"$scratch/lint.out" 2>&1 && return 0
    sed 's/^/#   /' "$scratch/lint.out" | head -20
    return 1
}
fsck_ok() {  # REPO
    git -C "$1" fsck --strict --no-progress >"$scratch/fsck.out" 2>&1 && return 0
    sed 's/^/#   /' "$scratch/fsck.out" | head -10
    return 1
}
# Every row of every table has as many cells as the table's header: escaped
# pipes (\|) are text, not cell borders.
cells_ok() {  # FILE
    awk '
        /^\|/ { line = $0; gsub(/\\\\/, "", line); gsub(/\\\|/, "", line); n = gsub(/\|/, "|", line)
                if (!intable) { cols = n; intable = 1 } else if (n != cols) { bad = 1; print "#   row breaks its table: " $0 }
                next }
        { intable = 0 }
        END { exit bad }' "$1"
}
j() { jq -r "$1" "$scratch/show.json"; }

# The demo's story: impact before the alert before the declaration, roles,
# a severity change, updates, a page, mitigation, resolution, action items.
story() {  # TITLE -> the incident's id on stdout
    id=$(wr open --sev 2 --title "$1" --impact "Card checkouts fail with HTTP 502 in EU and US" --at 14:25 --as carol) || return 1
    {
        wr --incident "$id" log --type impact --at 14:19 --as scribe-bot "First failed checkout in the gateway logs"
        wr --incident "$id" log --at 14:17 --as dave "Deploy #4521 of payment-gateway pushed (config change)"
        wr --incident "$id" log --type alert --at 14:22 --as pagerduty "checkout 5xx rate above 5% for 3 minutes"
        wr --incident "$id" ack --at 14:27 --as carol
        wr --incident "$id" role ic carol --at 14:26 --as carol
        wr --incident "$id" role comms dan --at 14:27 --as carol
        wr --incident "$id" role sme frank --at 14:30 --as carol
        wr --incident "$id" sev 1 --why "Every card payment fails" --at 14:31 --as carol
        wr --incident "$id" update investigating "We are investigating failed card payments." --at 14:32 --as dan
        wr --incident "$id" page payments-oncall --why "gateway returns 502" --at 14:35 --as carol
        wr --incident "$id" log --at 14:45 --as frank "Gateway pool exhausted: new TLS config doubles handshake time"
        wr --incident "$id" update identified "A configuration change; rolling it back." --at 14:47 --as dan
        wr --incident "$id" mitigate "Rollback complete, error rate under 0.1%" --at 15:00 --as dave
        wr --incident "$id" action add "Canary config changes for payment-gateway" --owner dave --due 2025-03-22 --priority P1 --kind prevent --at 15:20 --as carol
        wr --incident "$id" action add "Alert on TLS handshake latency" --owner frank --due 2025-03-29 --priority P2 --kind mitigate --at 15:21 --as carol
        wr --incident "$id" resolve "Error rate normal for 30 minutes" --at 15:40 --as carol
    } >"$scratch/story.log" 2>&1 || return 1
    echo "$id"
}
# A repository with one commit on main, made with git itself.
seeded() {  # DIR
    git init -q "$1" && echo "platform runbooks" >"$1/README" && git -C "$1" add README &&
        git -C "$1" commit -q -m "initial"
}

# ---- usage ----
expect_status 2 "postmortem takes no arguments" wr postmortem extra
expect_status 2 "--push without --commit is a usage error" wr postmortem --push
expect_status 2 "--json with --commit is a usage error" wr postmortem --json --commit
expect_status 1 "no incident at all fails" wr postmortem

# ---- rendering the demo's story ----
demo=$(story "Checkout failing for card payments")
check "the demo story was recorded" test -n "$demo"
export WARROOM_INCIDENT="$demo"
expect_status 0 "postmortem renders a resolved incident" wr postmortem
cp "$scratch/out" "$scratch/demo.md"
check "  ... as Markdown with the title" sh -c "head -1 '$scratch/demo.md' | grep -qx '# Postmortem: Checkout failing for card payments'"
check "  ... and no warning (every action item has owner and due)" test ! -s "$scratch/err"
check "  ... the figures: TTD 3 min, TTA 5 min, TTM 41 min, TTR 1 h 21 min" sh -c "
    grep -qx '| Time to detect\[^ttd\] | 3 min |' '$scratch/demo.md' &&
    grep -qx '| Time to acknowledge\[^tta\] | 5 min |' '$scratch/demo.md' &&
    grep -qx '| Time to mitigate\[^ttm\] | 41 min |' '$scratch/demo.md' &&
    grep -qx '| Time to resolve\[^ttr\] | 1 h 21 min |' '$scratch/demo.md' &&
    grep -qx '| Total duration\[^duration\] | 1 h 21 min |' '$scratch/demo.md'"
check "  ... the timeline starts with the back-dated deploy, in UTC" sh -c "
    grep -A1 -x '| --- | --- | --- |' '$scratch/demo.md' | grep -qx '| 2025-03-15 14:17 | dave | Deploy #4521 of payment-gateway pushed (config change) |'"
check "  ... every timeline entry is there" test "$(grep -c '^| 2025-03-15 ' "$scratch/demo.md")" -eq 17
check "  ... the action items" grep -qx '| A1 | Canary config changes for payment-gateway | prevent | P1 | dave | 2025-03-22 | open |' "$scratch/demo.md"
check "the demo's postmortem passes markdownlint" lint "$scratch/demo.md"
check "  ... and every table row keeps its cells" cells_ok "$scratch/demo.md"
WARROOM_NOW=2025-04-01T09:00:00Z wr postmortem >"$scratch/demo2.md" 2>/dev/null
check "the same log rendered twice gives identical bytes (whatever the clock says)" cmp -s "$scratch/demo.md" "$scratch/demo2.md"

expect_status 0 "--json prints the template's context" wr postmortem --json
cp "$scratch/out" "$scratch/show.json"
check "  ... valid JSON with the template's top-level keys" test "$(j 'keys_unsorted | join(",")')" = "incident,figures,timeline,actions,updates,emails,customer_email,summary,root_cause,trigger,resolution,detection,revenue"
check "  ... incident fields" test "$(j '.incident | "\(.sev) \(.sev_name) \(.status) \(.ic) \(.comms)|\(.declared)|\(.resolved)"')" = "SEV1 Critical resolved carol dan|2025-03-15 14:25 UTC|2025-03-15 15:40 UTC"
check "  ... authors: the IC first, then the timeline's writers" test "$(j '.incident.authors | join(",")')" = "carol,dave,scribe-bot,pagerduty,dan,frank"
check "  ... figures as text" test "$(j '.figures | "\(.ttd)|\(.tta)|\(.ttm)|\(.ttr)|\(.duration)"')" = "3 min|5 min|41 min|1 h 21 min|1 h 21 min"
check "  ... the timeline in the order things happened" test "$(j '[.timeline[].type] | .[0:5] | join(",")')" = "note,impact,alert,declare,role"
check "  ... with the text show gives" test "$(j '.timeline[] | select(.type=="declare") | .text')" = "Declared SEV2: Checkout failing for card payments"
check "  ... updates with their state" test "$(j '[.updates[].state] | join(",")')" = "investigating,identified"
check "  ... prose left for the author (null)" test "$(j '.summary')" = null

# --out: atomic, private outside the platform repo
echo "old content" >"$scratch/pm.md"
expect_status 0 "--out writes the file" wr postmortem --out "$scratch/pm.md"
check "  ... with what stdout had" cmp -s "$scratch/pm.md" "$scratch/demo.md"
check "  ... nothing on stdout" test ! -s "$scratch/out"
check "  ... 0600 outside a repository" test "$(stat -c %a "$scratch/pm.md")" = 600
check "  ... no temporary file left beside it" test -z "$(ls -A "$scratch" | grep '^\.warroom-postmortem')"
expect_status 1 "--out into a missing directory fails" wr postmortem --out "$scratch/nowhere/pm.md"

# ---- a bare repository ----
seeded "$scratch/seed"
git clone -q --bare "$scratch/seed" "$scratch/bare.git"
expect_status 0 "commit into a bare repository" wr --repo "$scratch/bare.git" postmortem --commit
path="postmortems/2025-03-15-checkout-failing-for-card-payments.md"
check "  ... says what it committed" grep -q "^$path committed to main" "$scratch/out"
check "  ... one new commit on main" test "$(git -C "$scratch/bare.git" rev-list --count main)" = 2
check "  ... holding exactly that file" test "$(git -C "$scratch/bare.git" show --format= --name-status main)" = "A	$path"
git -C "$scratch/bare.git" show "main:$path" >"$scratch/committed.md" 2>/dev/null
check "  ... with the rendered content" cmp -s "$scratch/committed.md" "$scratch/demo.md"
check "  ... message and trailers" test "$(git -C "$scratch/bare.git" log -1 --format=%B main)" = "postmortem: Checkout failing for card payments (SEV1, $demo)

Incident: $demo
Timeline: refs/warroom/$demo/$(cat "$WARROOM_DIR/host-id")"
check "  ... authored from git's config" test "$(git -C "$scratch/bare.git" log -1 --format='%an <%ae>' main)" = "Test Author <author@example.test>"
check "  ... git fsck --strict is clean" fsck_ok "$scratch/bare.git"
wr show --json >"$scratch/show.json"
check "the postmortem event is in the log with the commit id" test "$(j '.timeline[] | select(.type=="postmortem") | .commit')" = "$(git -C "$scratch/bare.git" rev-parse main)"
check "  ... with path, branch and pushed=false" test "$(j '.timeline[] | select(.type=="postmortem") | "\(.path) \(.branch) \(.pushed)"')" = "$path main false"
expect_status 0 "committing the same postmortem again changes nothing" wr --repo "$scratch/bare.git" postmortem --commit
check "  ... no new commit" test "$(git -C "$scratch/bare.git" rev-list --count main)" = 2
check "  ... no second event" test "$(grep -c '"type":"postmortem"' "$WARROOM_DIR/$demo/events.jsonl")" = 1
# the template, the policy and the runbooks come from the same repository as
# the commit: it is opened from disk once per command, not once for each
rm -f "$scratch/stats"
expect_status 0 "a commit with its template, policy and runbooks from the repository" env WARROOM_STATS="$scratch/stats" "$WARROOM" --repo "$scratch/bare.git" postmortem --commit
check "  ... opens the repository once" grep -qx "repositories opened 1" "$scratch/stats"
rm -f "$scratch/stats"
(cd "$scratch/seed" && WARROOM_STATS="$scratch/stats" "$WARROOM" postmortem >/dev/null 2>&1)
check "  ... also when it is found from the working directory" grep -qx "repositories opened 1" "$scratch/stats"
wr postmortem >"$scratch/again.md" 2>/dev/null
check "  ... and the postmortem's own event does not change the rendering" cmp -s "$scratch/again.md" "$scratch/demo.md"
# the log moves on: the file on the branch now has other content
wr log --at 15:50 --as carol "Customer support confirms no more failures" >/dev/null 2>&1
expect_status 1 "other content already on the branch is not replaced" wr --repo "$scratch/bare.git" postmortem --commit
check "  ... the message names --force" grep -q -- '--force' "$scratch/err"
check "  ... nothing committed" test "$(git -C "$scratch/bare.git" rev-list --count main)" = 2
expect_status 0 "--force replaces it" wr --repo "$scratch/bare.git" postmortem --commit --force
check "  ... as a third commit" test "$(git -C "$scratch/bare.git" rev-list --count main)" = 3
check "  ... git fsck --strict is clean" fsck_ok "$scratch/bare.git"

# ---- an empty repository ----
git init -q --bare "$scratch/empty.git"
expect_status 0 "commit into an empty bare repository" wr --repo "$scratch/empty.git" postmortem --commit
check "  ... a root commit with only the postmortem" test "$(git -C "$scratch/empty.git" ls-tree -r --name-only main)" = "$path"
check "  ... git fsck --strict is clean" fsck_ok "$scratch/empty.git"
git init -q "$scratch/empty"
expect_status 0 "commit into an empty repository with a working tree" wr --repo "$scratch/empty" postmortem --commit
check "  ... one commit" test "$(git -C "$scratch/empty" rev-list --count main)" = 1
check "  ... the file is in the working tree too" sh -c "git -C '$scratch/empty' show main:'$path' | cmp -s - '$scratch/empty/$path'"
check "  ... and git sees nothing changed" test -z "$(git -C "$scratch/empty" status --porcelain)"
check "  ... git fsck --strict is clean" fsck_ok "$scratch/empty"

# ---- a checked-out branch with the user's own changes ----
seeded "$scratch/work"
printf 'one\n' >"$scratch/work/staged.txt"; printf 'two\n' >"$scratch/work/unstaged.txt"
git -C "$scratch/work" add staged.txt unstaged.txt && git -C "$scratch/work" commit -q -m "two files"
printf 'one, changed and staged\n' >"$scratch/work/staged.txt"; git -C "$scratch/work" add staged.txt
printf 'two, changed\n' >"$scratch/work/unstaged.txt"
printf 'three\n' >"$scratch/work/untracked.txt"
git -C "$scratch/work" status --porcelain >"$scratch/status.before"
git -C "$scratch/work" diff >"$scratch/diff.before"; git -C "$scratch/work" diff --cached >"$scratch/cached.before"
mkdir -p "$scratch/work/sub"
# found by discovery from a directory inside the working tree
(cd "$scratch/work/sub" && "$WARROOM" postmortem --commit --force) >"$scratch/out" 2>"$scratch/err"
check "commit onto the checked-out branch, repo found from the working directory" grep -q "^$path committed to main" "$scratch/out"
check "  ... the commit holds only the postmortem" test "$(git -C "$scratch/work" show --format= --name-status main)" = "A	$path"
git -C "$scratch/work" status --porcelain >"$scratch/status.after"
check "  ... staged, unstaged and untracked changes are intact" cmp -s "$scratch/status.before" "$scratch/status.after"
check "  ... to the byte" sh -c "git -C '$scratch/work' diff | cmp -s - '$scratch/diff.before' && git -C '$scratch/work' diff --cached | cmp -s - '$scratch/cached.before' && grep -qx three '$scratch/work/untracked.txt'"
check "  ... the file is written in the working tree, matching the commit" sh -c "git -C '$scratch/work' show main:'$path' | cmp -s - '$scratch/work/$path'"
check "  ... git fsck --strict is clean" fsck_ok "$scratch/work"
expect_status 0 "--out inside the working tree" wr --repo "$scratch/work" postmortem --out "$scratch/work/sub/draft.md"
check "  ... may be 0644 there" test "$(stat -c %a "$scratch/work/sub/draft.md")" = 644

# ---- a detached HEAD ----
# Reading needs no branch: every verb works in a repository at a detached
# HEAD; only the postmortem commit needs one, and postmortem.branch names it.
seeded "$scratch/det"
printf 'newer\n' >>"$scratch/det/README" && git -C "$scratch/det" commit -q -am "newer"
git -C "$scratch/det" checkout -q --detach HEAD~1
printf 'staged\n' >"$scratch/det/staged.txt" && git -C "$scratch/det" add staged.txt
git -C "$scratch/det" status --porcelain >"$scratch/det.status"
det_head=$(git -C "$scratch/det" rev-parse HEAD); det_main=$(git -C "$scratch/det" rev-parse main)
det_wr() { (cd "$scratch/det" && WARROOM_DIR="$scratch/det-data" "$WARROOM" "$@"); }
expect_status 0 "detached HEAD: open works" det_wr open --sev 2 --title "Detached" --at 14:25 --as carol
det_id=$(cat "$scratch/out")
expect_status 0 "  ... log" det_wr --incident "$det_id" log --at 14:30 --as carol "a note"
expect_status 0 "  ... show" det_wr --incident "$det_id" show
expect_status 0 "  ... list" det_wr list
expect_status 0 "  ... policy" det_wr policy
expect_status 0 "  ... flush" det_wr --incident "$det_id" flush
det_wr --incident "$det_id" resolve --at 15:00 --as carol >/dev/null 2>&1
expect_status 0 "  ... postmortem renders" det_wr --incident "$det_id" postmortem
expect_status 1 "  ... --commit without postmortem.branch is refused" det_wr --incident "$det_id" postmortem --commit
check "  ... saying HEAD is detached and naming postmortem.branch" sh -c "grep -q 'HEAD is detached' '$scratch/err' && grep -q 'postmortem.branch' '$scratch/err'"
printf '{"postmortem": {"branch": "main"}}\n' >"$scratch/det-config.json"
expect_status 0 "  ... with postmortem.branch it commits onto that branch" env WARROOM_CONFIG="$scratch/det-config.json" sh -c "cd '$scratch/det' && WARROOM_DIR='$scratch/det-data' '$WARROOM' --incident '$det_id' postmortem --commit"
check "  ... on top of main" test "$(git -C "$scratch/det" rev-parse main^)" = "$det_main"
check "  ... HEAD still detached where it was" sh -c "! git -C '$scratch/det' symbolic-ref -q HEAD && test \"\$(git -C '$scratch/det' rev-parse HEAD)\" = '$det_head'"
git -C "$scratch/det" status --porcelain >"$scratch/det.status2"
check "  ... the index and working tree untouched" cmp -s "$scratch/det.status" "$scratch/det.status2"
check "  ... git fsck --strict is clean" fsck_ok "$scratch/det"

# ---- branch names as git allows them ----
for bad in HEAD -x refs/heads/HEAD @ 'a..b'; do
    printf '{"postmortem": {"branch": "%s"}}\n' "$bad" >"$scratch/bad-branch.json"
    expect_status 1 "postmortem.branch '$bad' is refused" env WARROOM_CONFIG="$scratch/bad-branch.json" "$WARROOM" --incident "$demo" --repo "$scratch/work" postmortem --commit --force
    check "  ... naming the setting" grep -q "postmortem.branch: invalid branch name" "$scratch/err"
done
check "  ... and no such branch was created" test "$(git -C "$scratch/work" for-each-ref --format='%(refname)' refs/heads)" = "refs/heads/main"
check "  ... git fsck --strict is clean" fsck_ok "$scratch/work"

# ---- durability: what a commit reports as done is on disk ----
# The killat shim, without a kill point, traces every fsync, rename, link and
# unlink with the paths they name; the order says what reached the disk
# before it was pointed at. (With the sanitizer build, ASan must come first
# in the library list; the shim only wraps libc calls ASan does not.)
shim="$src_root/build/shim/killat.so"
check "the killat shim is built (make build-tests)" test -f "$shim"
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
traced() {  # TRACE COMMAND...: runs COMMAND under the shim, tracing into TRACE
    t=$1; shift
    rm -f "$t"
    env LD_PRELOAD="$shim" KILLAT_TRACE="$t" "$@"
}
# in_order A B: the first trace line matching the ERE A is followed by one
# matching B
in_order() {
    a=$(grep -n -E -m1 -- "$1" "$scratch/trace" | cut -d: -f1)
    b=${a:+$(sed "1,${a}d" "$scratch/trace" | grep -n -E -m1 -- "$2" | cut -d: -f1)}
    [ -n "$a" ] && [ -n "$b" ] && return 0
    echo "#   not in order (line ${a:-none}, then ${b:-none}): $1 / $2"; return 1
}
# every object is synced before it is linked in, and its directory after
objects_synced() {
    awk '$2 == "fsync" { synced[$3] = NR }
         $2 == "link" && $4 ~ /\/objects\/[0-9a-f][0-9a-f]\/[0-9a-f]+$/ {
             n++; if (!($3 in synced)) { print "#   not synced before it was linked: " $4; bad = 1 }
             dir = $4; sub(/\/[0-9a-f]+$/, "", dir); want[dir] = NR }
         $2 == "fsync" && ($3 in want) && NR > want[$3] { delete want[$3] }
         END { for (d in want) { print "#   directory not synced: " d; bad = 1 }
               if (!n) { print "#   no object written"; bad = 1 }
               exit bad }' "$scratch/trace"
}
dur=$(story "Disk durability")
seeded "$scratch/dur"
D="$scratch/dur"
dpath="postmortems/2025-03-15-disk-durability.md"
traced "$scratch/trace" "$WARROOM" --incident "$dur" --repo "$D" postmortem --commit >"$scratch/out" 2>"$scratch/err"
check "a traced commit into a checked-out branch succeeds" grep -q "^$dpath committed to main" "$scratch/out"
check "  ... every object synced before it is linked in, its directory after" objects_synced
check "  ... objects/ synced before the branch moves" in_order " fsync $D/.git/objects/?\$" " (rename|link) $D/.git/refs/heads/main.lock $D/.git/refs/heads/main\$"
check "  ... the branch's new value synced before it is renamed into place" in_order " fsync $D/.git/refs/heads/main.lock\$" " (rename|link) $D/.git/refs/heads/main.lock $D/.git/refs/heads/main\$"
check "  ... refs/heads synced after" in_order " (rename|link) $D/.git/refs/heads/main.lock " " fsync $D/.git/refs/heads\$"
check "  ... the new index synced before it replaces the index" in_order " fsync $D/.git/index.warroom-[0-9]+\$" " rename $D/.git/index.warroom-[0-9]+ $D/.git/index\$"
check "  ... and .git synced after" in_order " rename $D/.git/index.warroom-[0-9]+ $D/.git/index\$" " fsync $D/.git\$"
check "  ... the working-tree file synced before it is renamed into place" in_order " fsync $D/postmortems/\.warroom-[0-9]+-[0-9]+\.tmp\$" " rename $D/postmortems/\.warroom-[0-9]+-[0-9]+\.tmp $D/$dpath\$"
check "  ... its directory after" in_order " rename $D/postmortems/\.warroom-[0-9]+-[0-9]+\.tmp " " fsync $D/postmortems\$"
check "  ... and the new postmortems/ directory in the top directory" in_order " fsync $D\$" " rename $D/postmortems/\.warroom-"
check "  ... git fsck --strict is clean" fsck_ok "$D"
git clone -q --bare "$scratch/seed" "$scratch/dur.git"
traced "$scratch/trace" "$WARROOM" --incident "$dur" --repo "$scratch/dur.git" postmortem --commit >"$scratch/out" 2>"$scratch/err"
check "a traced commit into a bare repository succeeds" grep -q "^$dpath committed to main" "$scratch/out"
check "  ... objects synced" objects_synced
check "  ... the branch synced before it is moved into place" in_order " fsync $scratch/dur.git/refs/heads/main.lock\$" " (rename|link) $scratch/dur.git/refs/heads/main.lock $scratch/dur.git/refs/heads/main\$"
check "  ... git fsck --strict is clean" fsck_ok "$scratch/dur.git"

# ---- the console's w writes by the same rule as --commit ----
# The real binary in tmux: resolve, then w in the postmortem preview.
sock="$scratch/tmux.sock"
T() { tmux -S "$sock" "$@"; }
trap 'T kill-server 2>/dev/null; rm -rf "$scratch"' EXIT
T -f /dev/null new-session -d -s boot -x 120 -y 40 "sleep 600"
wait_for() {  # WINDOW PATTERN: until the screen shows PATTERN (bounded)
    i=0
    while [ $i -lt 100 ]; do
        T capture-pane -p -t "$1" | grep -q -- "$2" && return 0
        sleep 0.1; i=$((i + 1))
    done
    T capture-pane -p -t "$1" | sed 's/^/#   | /'
    return 1
}
console_w() {  # WINDOW REPO: opens an incident, resolves it in the console, presses w
    inc=$(wr open --sev 2 --title "Console write $1" --as carol)
    wr --incident "$inc" role ic carol >/dev/null 2>&1
    T new-window -d -n "$1" "env WARROOM_DIR='$WARROOM_DIR' WARROOM_CONFIG=/dev/null HOME='$HOME' \
        WARROOM_NOW='$WARROOM_NOW' WARROOM_INCIDENT='$inc' WARROOM_REPO='$2' ASAN_OPTIONS='$ASAN_OPTIONS' \
        TERM=xterm-256color LANG=C.UTF-8 TZ=UTC '$WARROOM'; echo EXITED \$?; sleep 600"
    wait_for "$1" "Console write" >/dev/null || return 1
    T send-keys -t "$1" R; T send-keys -t "$1" y; T send-keys -t "$1" Enter
    T send-keys -t "$1" -l "fixed"; T send-keys -t "$1" Enter
    wait_for "$1" "resolved when (Enter: now" >/dev/null || return 1
    T send-keys -t "$1" Enter
    # the console offers the final status update first: skipped here
    wait_for "$1" "post the final status update" >/dev/null || return 1
    T send-keys -t "$1" Escape
    wait_for "$1" "Postmortem draft" >/dev/null || return 1
    T send-keys -t "$1" w
}
seeded "$scratch/wplain"
console_w plain "$scratch/wplain"
check "w in the console writes the draft into the working tree" wait_for plain "written to $scratch/wplain/postmortems/2025-03-15-console-write-plain.md"
check "  ... the rendered postmortem" sh -c "head -1 '$scratch/wplain/postmortems/2025-03-15-console-write-plain.md' | grep -qx '# Postmortem: Console write plain'"
check "  ... 0644, and no temporary file beside it" sh -c "test \"\$(stat -c %a '$scratch/wplain/postmortems/2025-03-15-console-write-plain.md')\" = 644 && test \"\$(ls -A '$scratch/wplain/postmortems')\" = 2025-03-15-console-write-plain.md"
seeded "$scratch/wlink"
mkdir "$scratch/elsewhere"
ln -s "$scratch/elsewhere" "$scratch/wlink/postmortems"
console_w link "$scratch/wlink"
check "w refuses a planted postmortems -> elsewhere link, as --commit does" wait_for link "not written: postmortems is a symbolic link"
check "  ... and nothing was written elsewhere" test -z "$(ls -A "$scratch/elsewhere")"
expect_status 1 "  ... (--commit refuses it too)" wr --repo "$scratch/wlink" postmortem --commit --force
check "  ... for the same reason" grep -q "postmortems is a symbolic link" "$scratch/err"
check "  ... and nothing was written elsewhere" test -z "$(ls -A "$scratch/elsewhere")"
T kill-server 2>/dev/null

# ---- a kill at every step of a commit, then a re-run and an ordinary commit ----
# For N = 1, 2, ... the commit is SIGKILLed just before its Nth rename, link,
# unlink or fsync, in a repository where the user has work staged, until a
# run gets through without being killed. After each kill, a re-run must
# finish the job and an ordinary `git commit` must keep the postmortem.
crash=$(story "Crash at every step")
cpath="postmortems/2025-03-15-crash-at-every-step.md"
wr --incident "$crash" postmortem >"$scratch/crash.md" 2>/dev/null
crash_repo() {  # DIR: a checked-out repository with the user's staged work
    seeded "$1" && printf 'mine\n' >"$1/mine.txt" && git -C "$1" add mine.txt
}
# after_crash DIR STEP: re-run, commit as the user would, check; says what failed
after_crash() {
    R=$1 why=
    "$WARROOM" --incident "$crash" --repo "$R" postmortem --commit >"$scratch/rerun.out" 2>"$scratch/rerun.err" ||
        why="the re-run failed: $(head -c 300 "$scratch/rerun.err")"
    [ -z "$why" ] && { git -C "$R" commit -q -m "the user's own commit" >"$scratch/user.err" 2>&1 ||
        why="git commit failed: $(head -c 300 "$scratch/user.err")"; }
    [ -z "$why" ] && { git -C "$R" show "HEAD:$cpath" 2>/dev/null | cmp -s - "$scratch/crash.md" ||
        why="the postmortem is not in HEAD after the user's commit"; }
    [ -z "$why" ] && { git -C "$R" show HEAD:mine.txt 2>/dev/null | grep -qx mine ||
        why="the user's staged work is not in their commit"; }
    [ -z "$why" ] && { cmp -s "$R/$cpath" "$scratch/crash.md" || why="the working-tree file is not the postmortem"; }
    [ -z "$why" ] && { st=$(git -C "$R" status --porcelain --untracked-files=all --ignored); [ -z "$st" ] ||
        why="git status is not clean: $st"; }
    [ -z "$why" ] && { left=$(cd "$R/.git" && ls -A | grep -E 'lock|warroom'); [ -z "$left" ] ||
        why="left in .git: $left"; }
    [ -z "$why" ] && { left=$(ls -A "$R/postmortems" | grep -v -x "${cpath#postmortems/}"); [ -z "$left" ] ||
        why="left in postmortems/: $left"; }
    [ -z "$why" ] && { git -C "$R" fsck --strict --no-progress >"$scratch/fsck.out" 2>&1 ||
        why="git fsck --strict: $(head -c 300 "$scratch/fsck.out")"; }
    echo "$why"
}
n=1 killed=0 bad=
while [ $n -le 300 ]; do
    R="$scratch/crash-$n"
    crash_repo "$R"
    rm -f "$scratch/killat.trace"
    env LD_PRELOAD="$shim" KILLAT_N=$n KILLAT_TRACE="$scratch/killat.trace" \
        "$WARROOM" --incident "$crash" --repo "$R" postmortem --commit >/dev/null 2>&1
    status=$?
    if [ $status -ne 137 ]; then
        # not killed: the run went through; it must be a clean commit too
        why=$(after_crash "$R")
        [ -n "$why" ] && bad="$bad
#   unkilled run: $why"
        break
    fi
    killed=$((killed + 1))
    why=$(after_crash "$R")
    [ -n "$why" ] && bad="$bad
#   killed before step $(tail -1 "$scratch/killat.trace" | sed "s|$R/||g"): $why"
    rm -rf "$R"
    n=$((n + 1))
done
check "a commit was killed at each of its steps ($killed) and then got through" test "$killed" -gt 20 -a "$status" -eq 0
check "  ... after each kill a re-run and an ordinary git commit keep the postmortem, nothing left behind" test -z "$bad"
[ -n "$bad" ] && echo "$bad" | head -40
# the step right after the branch moved: the file renamed into the working tree
moved=$(grep -E " rename $R/postmortems/\.warroom-[0-9]+-[0-9]+\.tmp " "$scratch/killat.trace" | cut -d' ' -f1)
check "  ... (the trace of the full run names the step after the branch moves)" test -n "$moved"
rm -rf "$R"
kill_after_move() {  # DIR: a commit in DIR killed just after its branch moved
    crash_repo "$1"
    env LD_PRELOAD="$shim" KILLAT_N="$moved" "$WARROOM" --incident "$crash" --repo "$1" postmortem --commit >/dev/null 2>&1
    test $? -eq 137
}
R="$scratch/crash-moved"
check "killed just after the branch moved" kill_after_move "$R"
check "  ... the branch has the postmortem, the index does not yet" sh -c "git -C '$R' cat-file -e 'main:$cpath' && ! git -C '$R' ls-files --error-unmatch '$cpath' >/dev/null 2>&1"
check "  ... and git is locked out of the index" sh -c "! git -C '$R' add mine.txt 2>/dev/null"
expect_status 0 "  ... the re-run finishes the job" wr --incident "$crash" --repo "$R" postmortem --commit
check "  ... and says so" grep -q "finished an interrupted commit" "$scratch/out"
check "  ... the index holds the postmortem as committed" test "$(git -C "$R" ls-files -s "$cpath" | cut -d' ' -f2)" = "$(git -C "$R" rev-parse "main:$cpath")"
check "  ... the user's staged work is still staged" test "$(git -C "$R" diff --cached --name-only)" = "mine.txt"
git -C "$R" commit -q -m "the user's own commit" 2>/dev/null
check "  ... and survives the user's next git commit" git -C "$R" cat-file -e "HEAD:$cpath"
check "  ... git fsck --strict is clean" fsck_ok "$R"
rm -rf "$R"

# A kill during the re-run that finishes an interrupted commit: the next
# re-run finishes it all the same.
m=1 rerun_killed=0 bad=
while [ $m -le 100 ]; do
    R="$scratch/crash-rerun-$m"
    kill_after_move "$R" || { bad="$bad
#   the first run was not killed"; break; }
    rm -f "$scratch/killat.trace"
    env LD_PRELOAD="$shim" KILLAT_N=$m KILLAT_TRACE="$scratch/killat.trace" \
        "$WARROOM" --incident "$crash" --repo "$R" postmortem --commit >/dev/null 2>&1
    status=$?
    [ $status -eq 137 ] && rerun_killed=$((rerun_killed + 1))
    why=$(after_crash "$R")
    [ -n "$why" ] && bad="$bad
#   re-run killed before step $(tail -1 "$scratch/killat.trace" | sed "s|$R/||g"): $why"
    rm -rf "$R"
    [ $status -ne 137 ] && break
    m=$((m + 1))
done
check "a re-run was killed at each of its steps ($rerun_killed) and then got through" test "$rerun_killed" -gt 5 -a "$status" -eq 0
check "  ... after each, the next re-run and a git commit keep the postmortem, nothing left behind" test -z "$bad"
[ -n "$bad" ] && echo "$bad" | head -20

# A bare repository: only objects, the branch and the journal are at stake.
n=1 killed=0 bad=
while [ $n -le 100 ]; do
    B="$scratch/crash-$n.git"
    git clone -q --bare "$scratch/seed" "$B"
    env LD_PRELOAD="$shim" KILLAT_N=$n "$WARROOM" --incident "$crash" --repo "$B" postmortem --commit >/dev/null 2>&1
    status=$?
    [ $status -eq 137 ] && killed=$((killed + 1))
    why=
    "$WARROOM" --incident "$crash" --repo "$B" postmortem --commit >/dev/null 2>"$scratch/rerun.err" ||
        why="the re-run failed: $(head -c 300 "$scratch/rerun.err")"
    [ -z "$why" ] && { git -C "$B" show "main:$cpath" 2>/dev/null | cmp -s - "$scratch/crash.md" || why="the postmortem is not on main"; }
    [ -z "$why" ] && { left=$(ls -A "$B" | grep -E 'warroom'; find "$B/refs" -name '*.lock'); [ -z "$left" ] || why="left behind: $left"; }
    [ -z "$why" ] && { git -C "$B" fsck --strict --no-progress >"$scratch/fsck.out" 2>&1 || why="git fsck --strict: $(head -c 300 "$scratch/fsck.out")"; }
    [ -n "$why" ] && bad="$bad
#   kill $n: $why"
    rm -rf "$B"
    [ $status -ne 137 ] && break
    n=$((n + 1))
done
check "a commit into a bare repository was killed at each of its steps ($killed), each re-run finished it" test "$killed" -gt 10 -a -z "$bad"
[ -n "$bad" ] && echo "$bad" | head -20

# Whose leftovers are whose: a live git's index.lock is never touched, nor
# anything of a warroom that still runs or ran on another machine.
R="$scratch/crash-owner"
kill_after_move "$R"
cp "$R/.git/index.lock" "$scratch/dead.journal"
# the user removed the lock by hand, and a git started and holds it now
rm "$R/.git/index.lock" && cp "$R/.git/index" "$R/.git/index.lock" && cp "$R/.git/index.lock" "$scratch/live.lock"
expect_status 1 "a re-run while a live git holds index.lock is refused" wr --incident "$crash" --repo "$R" postmortem --commit
check "  ... saying index.lock exists" grep -q "index.lock exists" "$scratch/err"
check "  ... and git's lock is untouched" cmp -s "$R/.git/index.lock" "$scratch/live.lock"
rm "$R/.git/index.lock"   # that git has finished
expect_status 0 "  ... once it has finished, a re-run finishes the interrupted commit" wr --incident "$crash" --repo "$R" postmortem --commit
check "  ... and says so" grep -q "finished an interrupted commit" "$scratch/out"
check "  ... nothing is left, and the postmortem survives a git commit" test -z "$(after_crash "$R")"
# a journal whose writer still runs, with its next index and staged file
sleep 600 & live=$!
live_start=$(sed 's/.*) //' "/proc/$live/stat" | cut -d' ' -f20)
sed -e "s/^process .*/process $(printf '%010d %020d' "$live" "$live_start")/" "$scratch/dead.journal" >"$R/.git/warroom-$live.journal"
printf 'next index\n' >"$R/.git/index.warroom-$live"
printf 'staged\n' >"$R/postmortems/.warroom-$live-1.tmp"
# and a journal written on another machine, whose pid is not running here
dead_pid=$(sh -c 'echo $$')
sed -e "s/^host .*/host another-machine/" -e "s/^process .*/process $(printf '%010d %020d' "$dead_pid" 1)/" \
    "$scratch/dead.journal" >"$R/.git/warroom-$dead_pid.journal"
ls -A "$R/.git" "$R/postmortems" >"$scratch/leftovers.before"
printf 'more\n' >"$R/more.txt" && git -C "$R" add more.txt
expect_status 0 "a commit beside a live warroom's and another machine's files works" wr --incident "$crash" --repo "$R" postmortem --commit
ls -A "$R/.git" "$R/postmortems" >"$scratch/leftovers.after"
check "  ... and leaves them all as they were" cmp -s "$scratch/leftovers.before" "$scratch/leftovers.after"
kill "$live"; wait "$live" 2>/dev/null
expect_status 0 "  ... once that warroom is gone, a commit clears its files" wr --incident "$crash" --repo "$R" postmortem --commit
check "  ... all of them" sh -c "! ls -A '$R/.git' '$R/postmortems' | grep -q -- '-$live'"
check "  ... but still not the other machine's" test -f "$R/.git/warroom-$dead_pid.journal"
# a pid in use again by another process: the start time tells them apart
sleep 600 & reused=$!
sed -e "s/^process .*/process $(printf '%010d %020d' "$reused" 1)/" "$scratch/dead.journal" >"$R/.git/warroom-$reused.journal"
expect_status 0 "a journal whose pid now belongs to another process is cleared" wr --incident "$crash" --repo "$R" postmortem --commit
check "  ... (it is gone)" test ! -e "$R/.git/warroom-$reused.journal"
kill "$reused"; wait "$reused" 2>/dev/null
rm "$R/.git/warroom-$dead_pid.journal"
check "  ... git fsck --strict is clean" fsck_ok "$R"

# ---- templates ----
seeded "$scratch/team"
mkdir -p "$scratch/team/runbooks"
printf '# Team review of {{incident.title}}\n\nTTD {{figures.ttd}}, ID {{incident.id}}.\n' >"$scratch/team/runbooks/post-mortem-template.md"
git -C "$scratch/team" add runbooks && git -C "$scratch/team" commit -q -m "team template"
expect_status 0 "the team's template from runbooks/ is used" wr --repo "$scratch/team" postmortem
check "  ... its text rendered" test "$(cat "$scratch/out")" = "# Team review of Checkout failing for card payments

TTD 3 min, ID $demo."
git clone -q --bare "$scratch/team" "$scratch/team.git"
expect_status 0 "  ... also from a bare repository" wr --repo "$scratch/team.git" postmortem
check "  ... (same text)" grep -q '^# Team review of' "$scratch/out"
printf 'A file template: {{incident.sev}}\n' >"$scratch/mine.md"
expect_status 0 "--template FILE comes before the repo's" wr --repo "$scratch/team" postmortem --template "$scratch/mine.md"
check "  ... its text rendered" test "$(cat "$scratch/out")" = "A file template: SEV1"
printf '# {{incident.title}}\n\n{{#timeline}}\n| {{text}} |\n' >"$scratch/bad.md"
expect_status 1 "a malformed --template fails" wr postmortem --template "$scratch/bad.md"
check "  ... naming the file, line and column" grep -q "$scratch/bad.md:3:1: section \"timeline\" opened here is never closed" "$scratch/err"
printf 'ok\n\n  {{incident.title\n' >"$scratch/team/runbooks/post-mortem-template.md"
git -C "$scratch/team" commit -q -am "broken template"
expect_status 1 "a malformed team template fails" wr --repo "$scratch/team" postmortem
check "  ... naming the branch and file, line and column" grep -q 'main:runbooks/post-mortem-template.md:3:3: tag "{{" opened here is never closed' "$scratch/err"
expect_status 1 "  ... and nothing is committed" wr --repo "$scratch/team" postmortem --commit
check "  ... (still three commits)" test "$(git -C "$scratch/team" rev-list --count main)" = 3
check "  ... git fsck --strict is clean" fsck_ok "$scratch/team"

# ---- no repository ----
expect_status 1 "--commit with no repository fails" wr --repo "$scratch/nope" postmortem --commit
check "  ... saying it needs the platform repository" grep -q 'commit needs the platform repository' "$scratch/err"
expect_status 1 "--commit with none around the working directory fails" wr postmortem --commit
check "  ... saying how to name one" grep -q -- '--repo' "$scratch/err"

# ---- pushing ----
git init -q --bare "$scratch/remote.git"
git clone -q "$scratch/seed" "$scratch/tmp-seed" && git -C "$scratch/tmp-seed" push -q "$scratch/remote.git" main 2>/dev/null
git clone -q "$scratch/remote.git" "$scratch/clone1" 2>/dev/null
git clone -q "$scratch/remote.git" "$scratch/clone2" 2>/dev/null
# another clone pushes first: the push from clone1 is not a fast-forward
echo "other" >"$scratch/clone2/other.txt"
git -C "$scratch/clone2" add other.txt && git -C "$scratch/clone2" commit -q -m "someone else's change" && git -C "$scratch/clone2" push -q origin main 2>/dev/null
other=$(git -C "$scratch/clone2" rev-parse main)
pushed_id=$(story "Search results empty")
expect_status 0 "commit and push when another clone pushed first" wr --incident "$pushed_id" --repo "$scratch/clone1" postmortem --commit --push
check "  ... the remote has both commits" sh -c "git -C '$scratch/remote.git' merge-base --is-ancestor '$other' main"
ppath="postmortems/2025-03-15-search-results-empty.md"
check "  ... the postmortem on top of the other clone's commit" test "$(git -C "$scratch/remote.git" show --format= --name-status main)" = "A	$ppath"
check "  ... whose parent is the other commit" test "$(git -C "$scratch/remote.git" rev-parse main^)" = "$other"
wr --incident "$pushed_id" show --json >"$scratch/show.json"
check "  ... the event records the pushed commit" test "$(j '.timeline[] | select(.type=="postmortem") | "\(.commit) \(.pushed)"')" = "$(git -C "$scratch/remote.git" rev-parse main) true"
check "  ... git fsck --strict is clean (remote)" fsck_ok "$scratch/remote.git"
check "  ... git fsck --strict is clean (clone)" fsck_ok "$scratch/clone1"
# config postmortem.push and postmortem.dir; the clone is up to date now
printf '{"postmortem": {"push": true, "dir": "docs/incidents", "remote": "origin"}}\n' >"$scratch/config.json"
ff_id=$(story "Login slow")
expect_status 0 "config postmortem.push pushes (fast-forward)" env WARROOM_CONFIG="$scratch/config.json" "$WARROOM" --incident "$ff_id" --repo "$scratch/clone1" postmortem --commit
check "  ... into postmortem.dir" test "$(git -C "$scratch/remote.git" show --format= --name-status main)" = "A	docs/incidents/2025-03-15-login-slow.md"
check "  ... the local branch and the remote agree" test "$(git -C "$scratch/remote.git" rev-parse main)" = "$(git -C "$scratch/clone1" rev-parse main)"
check "  ... git fsck --strict is clean (remote)" fsck_ok "$scratch/remote.git"
check "  ... git fsck --strict is clean (clone)" fsck_ok "$scratch/clone1"
expect_status 1 "a push to a missing remote fails after the local commit" wr --incident "$demo" --repo "$scratch/work" postmortem --commit --push --force
check "  ... saying the commit is local" grep -q 'committed .* locally' "$scratch/err"
check "  ... git fsck --strict is clean" fsck_ok "$scratch/work"

# ---- action items without owner or due date ----
gate=$(story "Payments queue stuck")
wr --incident "$gate" reopen --at 15:45 "one more thing" >/dev/null 2>&1
wr --incident "$gate" action add "Write the queue runbook" --at 15:46 >/dev/null 2>&1
wr --incident "$gate" resolve --at 15:50 >/dev/null 2>&1
seeded "$scratch/gate"
expect_status 0 "rendering with an incomplete action item works" wr --incident "$gate" postmortem
check "  ... with a warning naming it" grep -q 'A3 has no owner and no due date' "$scratch/err"
expect_status 1 "--commit refuses until each item has owner and due" wr --incident "$gate" --repo "$scratch/gate" postmortem --commit
check "  ... and says how" grep -q 'warroom action set A3 --owner NAME --due DATE' "$scratch/err"
check "  ... nothing committed" test "$(git -C "$scratch/gate" rev-list --count main)" = 1
expect_status 0 "--force commits anyway" wr --incident "$gate" --repo "$scratch/gate" postmortem --commit --force
check "  ... one commit" test "$(git -C "$scratch/gate" rev-list --count main)" = 2
check "  ... git fsck --strict is clean" fsck_ok "$scratch/gate"

# ---- the author when git config names nobody ----
seeded "$scratch/anon"
expect_status 0 "with no git identity the IC is the author" env HOME="$scratch/nohome" "$WARROOM" --incident "$pushed_id" --repo "$scratch/anon" postmortem --commit
check "  ... with an .invalid address" test "$(git -C "$scratch/anon" log -1 --format='%an <%ae>')" = "carol <carol@warroom.invalid>"
check "  ... git fsck --strict is clean" fsck_ok "$scratch/anon"

# ---- --edit ----
seeded "$scratch/edited"
cat >"$scratch/editor.sh" <<'EOF'
#!/bin/sh
stat -c %a "$1" >"$EDITOR_SAW"
printf '%s\n' "$1" >>"$EDITOR_SAW"
printf '\nEdited by the author.\n' >>"$1"
EOF
chmod +x "$scratch/editor.sh"
mkdir -p "$scratch/tmp dir 'quoted' \$(x)"
export EDITOR_SAW="$scratch/editor.saw"
expect_status 0 "--edit commits what was saved in \$EDITOR" env EDITOR="'$scratch/editor.sh'" TMPDIR="$scratch/tmp dir 'quoted' \$(x)" "$WARROOM" --repo "$scratch/edited" postmortem --edit --commit
check "  ... the saved text is committed" sh -c "git -C '$scratch/edited' show main:'$path' | tail -1 | grep -qx 'Edited by the author.'"
check "  ... the draft was 0600" test "$(head -1 "$EDITOR_SAW")" = 600
check "  ... the draft's odd path reached the editor intact" sh -c "sed -n 2p '$EDITOR_SAW' | grep -qF \"tmp dir 'quoted' \\\$(x)/warroom-postmortem-\""
check "  ... and the draft is gone" test -z "$(ls -A "$scratch/tmp dir 'quoted' \$(x)")"
check "  ... git fsck --strict is clean" fsck_ok "$scratch/edited"
expect_status 0 "--edit without --commit prints what was saved (VISUAL when EDITOR is unset)" env VISUAL="'$scratch/editor.sh'" "$WARROOM" postmortem --edit
check "  ... with the edit" sh -c "tail -1 '$scratch/out' | grep -qx 'Edited by the author.'"
expect_status 1 "an editor that fails stops everything" env EDITOR=false TMPDIR="$scratch/tmp dir 'quoted' \$(x)" "$WARROOM" --repo "$scratch/edited" postmortem --edit --commit --force
check "  ... and says where the draft is kept" grep -q 'draft is kept in' "$scratch/err"
check "  ... nothing committed" test "$(git -C "$scratch/edited" rev-list --count main)" = 2

# ---- hostile text in every field ----
H=$(printf '| pipe | cell\n# heading\n<script>alert(1)</script> [x](http://evil.example/a) ![i](http://evil.example/i.png) \033[31mred\033[0m \033]0;title\007 *em* `code` ~~s~~ &amp; $x$\n---\n1. list\n> quote |')
N=$(printf '<b>|eve|</b> [x](http://evil) # \033[2J')
hostile=$(wr open --sev 2 --title "$H" --impact "$H" --at 14:25 --as "$N")
{
    wr --incident "$hostile" log --at 14:20 --as "$N" --type alert "$H"
    wr --incident "$hostile" log --at 14:30 --as "$N" "$H"
    wr --incident "$hostile" role ic "$N" --at 14:31
    wr --incident "$hostile" role comms "$N" --at 14:31
    wr --incident "$hostile" sev 1 --why "$H" --at 14:32
    wr --incident "$hostile" update identified "$H" --at 14:40
    wr --incident "$hostile" page "$H" --why "$H" --at 14:41
    wr --incident "$hostile" mitigate "$H" --at 14:50
    wr --incident "$hostile" action add "$H" --owner "$N" --due 2025-03-22 --at 14:51
    wr --incident "$hostile" resolve "$H" --at 15:00
} >/dev/null 2>&1
expect_status 0 "hostile text renders" wr --incident "$hostile" postmortem
cp "$scratch/out" "$scratch/hostile.md"
check "  ... every table row keeps its cells" cells_ok "$scratch/hostile.md"
check "  ... the title stays on the title line" sh -c "head -1 '$scratch/hostile.md' | grep -q '^# Postmortem: ' && sed -n 2p '$scratch/hostile.md' | grep -qx ''"
grep '^#' "$scratch/demo.md" | sed 1d >"$scratch/headings.demo"
grep '^#' "$scratch/hostile.md" | sed 1d >"$scratch/headings.hostile"
check "  ... no heading but the template's own" cmp -s "$scratch/headings.demo" "$scratch/headings.hostile"
check "  ... no escape sequence survives" sh -c "! grep -q \"\$(printf '\\033')\" '$scratch/hostile.md' && ! grep -q \"\$(printf '\\007')\" '$scratch/hostile.md'"
check "  ... no raw HTML" sh -c "! grep -Eq '(^|[^\\\\])<[a-z/]' '$scratch/hostile.md'"
check "  ... no link or image" sh -c "! grep -Eq '(^|[^\\\\])\\]\\(' '$scratch/hostile.md' && ! grep -q 'http://' '$scratch/hostile.md'"
check "  ... no list, quote or rule from the text" sh -c "! grep -Eq '^(1\\. list|> quote|---\$)' '$scratch/hostile.md'"
check "  ... each timeline row is one line" test "$(grep -c '^| 2025-03-15 ' "$scratch/hostile.md")" -eq 11
check "  ... the action item's row" grep -q '^| A1 | \\| pipe \\| cell / # heading / ' "$scratch/hostile.md"
check "the hostile postmortem passes markdownlint" lint "$scratch/hostile.md"
wr --incident "$hostile" postmortem --json >"$scratch/show.json" 2>/dev/null
check "  ... and --json is valid JSON holding the text as it was logged" test "$(j '.incident.ic')" = '<b>|eve|</b> [x](http://evil) #'
seeded "$scratch/hostile-repo"
expect_status 0 "  ... and commits cleanly" wr --incident "$hostile" --repo "$scratch/hostile-repo" postmortem --commit
check "  ... git fsck --strict is clean" fsck_ok "$scratch/hostile-repo"
