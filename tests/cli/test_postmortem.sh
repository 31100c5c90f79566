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
    grep -A1 -x '| --- | --- | --- |' '$scratch/demo.md' | grep -qx '| 2025-03-15 14:17 | dave | Deploy \\\\#4521 of payment-gateway pushed (config change) |'"
check "  ... every timeline entry is there" test "$(grep -c '^| 2025-03-15 ' "$scratch/demo.md")" -eq 17
check "  ... the action items" grep -qx '| A1 | Canary config changes for payment-gateway | prevent | P1 | dave | 2025-03-22 | open |' "$scratch/demo.md"
check "the demo's postmortem passes markdownlint" lint "$scratch/demo.md"
check "  ... and every table row keeps its cells" cells_ok "$scratch/demo.md"
WARROOM_NOW=2025-04-01T09:00:00Z wr postmortem >"$scratch/demo2.md" 2>/dev/null
check "the same log rendered twice gives identical bytes (whatever the clock says)" cmp -s "$scratch/demo.md" "$scratch/demo2.md"

expect_status 0 "--json prints the template's context" wr postmortem --json
cp "$scratch/out" "$scratch/show.json"
check "  ... valid JSON with the template's top-level keys" test "$(j 'keys_unsorted | join(",")')" = "incident,figures,timeline,actions,updates,summary,root_cause,trigger,resolution,detection"
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
check "  ... the action item's row" grep -q '^| A1 | \\| pipe \\| cell / \\# heading / ' "$scratch/hostile.md"
check "the hostile postmortem passes markdownlint" lint "$scratch/hostile.md"
wr --incident "$hostile" postmortem --json >"$scratch/show.json" 2>/dev/null
check "  ... and --json is valid JSON holding the text as it was logged" test "$(j '.incident.ic')" = "$(printf '<b>|eve|</b> [x](http://evil) # [2J')"
seeded "$scratch/hostile-repo"
expect_status 0 "  ... and commits cleanly" wr --incident "$hostile" --repo "$scratch/hostile-repo" postmortem --commit
check "  ... git fsck --strict is clean" fsck_ok "$scratch/hostile-repo"
